#!/bin/bash
# tests/daemon/test_roostd_local.sh - names roostd answers itself:
# localhost, invalid., onion., the private reverse zones, single-label
# names, local-data and the three local-zone kinds, asked with dig over
# UDP and TCP.  The default upstream (a mockdns that serves every one of
# those names, so a forwarded question would get its answer) must see
# none of them: its counts prove it.  A forward-zone for 10.in-addr.arpa
# (a VPN's) takes 10/8's reverse names back from the built-in answer;
# a hosts file's names are answered and follow its changes within 1 s;
# the switches turn each group off; `roost stats` counts the answers.
#
# Runs in a private network namespace (lib_init): the mocks on
# 127.0.0.2-3#5300, roostd on 127.0.0.1#5371 and #5372.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
VPN=127.0.0.3#5300
P=5371
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"

# the default upstream answers every name the tests ask, so that a
# question that leaked would be answered, not just counted
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
for z in localhost. invalid. onion. home.arpa. myprinter.; do
	lib_zone "$z" 203.0.113.66 >"$T/def-$z.zone"
	sed -i 's/^www\t/@\t/' "$T/def-$z.zone"
done
cat >"$T/def-rev.zone" <<'EOF'
$ORIGIN in-addr.arpa.
$TTL 300
@	IN SOA ns.example.test. hostmaster.example.test. 1 7200 900 1209600 60
@	IN NS ns.example.test.
5.1.168.192	IN PTR leaked.example.test.
3.2.1.10	IN PTR leaked.example.test.
1.0.0.127	IN PTR leaked.example.test.
9.9.51.198	IN PTR public.example.test.
EOF
cat >"$T/vpn-rev.zone" <<'EOF'
$ORIGIN 10.in-addr.arpa.
$TTL 300
@	IN SOA ns.corp.example. hostmaster.corp.example. 1 7200 900 1209600 60
@	IN NS ns.corp.example.
3.2.1	IN PTR host.corp.example.
EOF
defzones=()
for f in "$T"/def*.zone; do defzones+=(--zone "$f"); done
mock_start def "$DEF" "${defzones[@]}" || exit 99
mock_start vpn "$VPN" --zone "$T/vpn-rev.zone" || exit 99

HOSTS=$CTLDIR/hosts
printf '192.168.1.20 printer.home.arpa printer\n' >"$HOSTS"
chmod 644 "$HOSTS"
cat >"$CTLDIR/roostd.conf" <<EOF
upstream = $DEF
hosts-file = $HOSTS
local-zone = home.arpa static
local-zone = ads.example refuse
local-zone = example.test transparent
local-data = "nas.home.arpa. 300 IN A 192.168.1.10"
local-data = www.home.arpa. CNAME nas.home.arpa.
local-data = txt.home.arpa. TXT "hello world"
local-data = 10.1.168.192.in-addr.arpa. PTR nas.home.arpa.
local-data = override.example.test. 60 A 198.51.100.7
EOF
chmod 644 "$CTLDIR/roostd.conf"
roostd_start r "127.0.0.1#$P" -c "$CTLDIR/roostd.conf" \
    --control-socket "$CTL" --hosts-file "$HOSTS" || exit 99

# status NAME [TYPE] [DIG ARG...]: the answer's rcode word
status() {
	$DIG "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
short() { $DIG +short "$@"; }
flags() { $DIG "$@" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'; }
authority() { $DIG +noall +authority "$@" | awk '{ print $1, $4 }'; }

# --- the built-in names ------------------------------------------------------

check_eq "localhost A: 127.0.0.1" 127.0.0.1 "$(short localhost A)"
check_eq "localhost AAAA: ::1" ::1 "$(short localhost AAAA)"
check_eq "*.localhost: loopback too" 127.0.0.1 "$(short app.dev.localhost A)"
check_eq "localhost over TCP" 127.0.0.1 "$(short +tcp localhost A)"
check_eq "localhost MX: NODATA" NOERROR "$(status localhost MX)"
check_eq "localhost MX: the zone's SOA in authority" "localhost. SOA" \
    "$(authority localhost MX)"
check_eq "localhost: an authoritative answer, recursion available" \
    "qr aa rd ra" "$(flags localhost A)"
check_eq "x.invalid: NXDOMAIN" NXDOMAIN "$(status x.invalid A)"
check_eq "a .onion name: NXDOMAIN" NXDOMAIN "$(status hidden.onion AAAA)"
check_eq "-x 192.168.1.5: NXDOMAIN" NXDOMAIN "$(status -x 192.168.1.5)"
check_eq "-x 192.168.1.5: the RFC 6303 SOA" "168.192.in-addr.arpa. SOA" \
    "$(authority -x 192.168.1.5)"
check_eq "-x 10.1.2.3: NXDOMAIN" NXDOMAIN "$(status -x 10.1.2.3)"
check_eq "-x 172.20.0.1: NXDOMAIN" NXDOMAIN "$(status -x 172.20.0.1)"
check_eq "-x 100.64.0.1 (CGNAT): NXDOMAIN" NXDOMAIN "$(status -x 100.64.0.1)"
check_eq "-x 169.254.1.1: NXDOMAIN" NXDOMAIN "$(status -x 169.254.1.1)"
check_eq "-x fe80::1: NXDOMAIN" NXDOMAIN "$(status -x fe80::1)"
check_eq "-x fd12::1: NXDOMAIN" NXDOMAIN "$(status -x fd12::1)"
check_eq "-x 127.0.0.1: localhost." localhost. "$(short -x 127.0.0.1)"
check_eq "-x ::1: localhost." localhost. "$(short -x ::1)"
check_eq "myprinter: NXDOMAIN, never forwarded" NXDOMAIN \
    "$(status myprinter A)"
check_eq "myprinter TXT: NXDOMAIN too" NXDOMAIN "$(status myprinter TXT)"
check_eq "a public reverse name still goes upstream" public.example.test. \
    "$(short -x 198.51.9.9)"
check_eq "a TLD's SOA still goes upstream" NOERROR "$(status myprinter SOA)"

# --- local-data and local-zone -----------------------------------------------

check_eq "local-data A" 192.168.1.10 "$(short nas.home.arpa A)"
check_eq "local-data A, any case" 192.168.1.10 "$(short NAS.Home.ARPA A)"
check_eq "local-data CNAME, followed" "nas.home.arpa. 192.168.1.10" \
    "$(short www.home.arpa A | tr '\n' ' ' | sed 's/ $//')"
check_eq "local-data TXT" '"hello world"' "$(short txt.home.arpa TXT)"
check_eq "local-data PTR inside a private reverse zone" nas.home.arpa. \
    "$(short -x 192.168.1.10)"
check_eq "local-data: another type is NODATA" NOERROR \
    "$(status nas.home.arpa AAAA)"
check_eq "static zone: other names NXDOMAIN" NXDOMAIN \
    "$(status scanner.home.arpa A)"
check_eq "static zone: its SOA" "home.arpa. SOA" \
    "$(authority scanner.home.arpa A)"
check_eq "refuse zone: REFUSED" REFUSED "$(status t.ads.example A)"
check_eq "transparent zone: local-data answers" 198.51.100.7 \
    "$(short override.example.test A)"
check_eq "transparent zone: other names go upstream" 192.0.2.1 \
    "$(short www.example.test A)"

# --- a hosts file, followed --------------------------------------------------

check_eq "hosts file: the name" 192.168.1.20 "$(short printer.home.arpa A)"
check_eq "hosts file: the alias, a single label" 192.168.1.20 \
    "$(short printer A)"
check_eq "hosts file: the address's name" printer.home.arpa. \
    "$(short -x 192.168.1.20)"
check_eq "hosts file: another type is NODATA" NOERROR \
    "$(status printer.home.arpa MX)"
# answers SHORT-ARGS EXPECTED: dig +short SHORT-ARGS gives EXPECTED
answers() { [ "$(short $1)" = "$2" ]; }
# follows SHORT-ARGS EXPECTED: the milliseconds until the answer is
# EXPECTED (at most 5 s of polling)
follows() {
	local t0 t1
	t0=$(lib_now_ms)
	wait_until 5 answers "$1" "$2"
	t1=$(lib_now_ms)
	echo $((t1 - t0))
}
printf '192.168.1.20 printer.home.arpa printer\n10.9.9.9 new.home.arpa\n' \
    >>"$HOSTS.tmp"
mv "$HOSTS.tmp" "$HOSTS"
check_lt "hosts file: a line added (renamed over) answers within 1 s" \
    "$(follows "new.home.arpa A" 10.9.9.9)" 1000
printf '192.168.1.21 printer.home.arpa printer\n10.9.9.9 new.home.arpa\n' \
    >"$HOSTS"
check_lt "hosts file: a line changed (written in place) within 1 s" \
    "$(follows "printer A" 192.168.1.21)" 1000
printf '10.9.9.9 new.home.arpa\n' >"$HOSTS"
check_lt "hosts file: a line removed within 1 s" \
    "$(follows "printer.home.arpa A" "")" 1000
check_eq "hosts file: a removed single label is NXDOMAIN again" NXDOMAIN \
    "$(status printer A)"
printf 'not-an-address bad\n10.9.9.8 new.home.arpa\n' >"$HOSTS"
check_lt "hosts file: a bad line skipped, the rest applies" \
    "$(follows "new.home.arpa A" 10.9.9.8)" 1000
check_match "hosts file: the bad line logged as FILE:LINE" \
    "^roostd: $HOSTS:1: bad address \"not-an-address\": skipped\$" \
    "$(cat "$T/r.log")"

# --- what the upstream saw ---------------------------------------------------

seen=$(mock_counts def | awk '{ print $1, $2 }' | sort -u | tr '\n' ' ')
check_eq "the upstream saw only the three names that are its to answer" \
    "9.9.51.198.in-addr.arpa. PTR myprinter. SOA www.example.test. A " \
    "$seen"

# --- a routing domain takes a private reverse zone back ------------------------

cat >>"$CTLDIR/roostd.conf" <<EOF
forward-zone = 10.in-addr.arpa $VPN
EOF
"$ROOST" --control "$CTL" reload >/dev/null ||
    fail "reload" "roost reload failed"
check_eq "forward-zone 10.in-addr.arpa: the VPN's PTR" host.corp.example. \
    "$(short -x 10.1.2.3)"
check_eq "the VPN saw the question" 1 \
    "$(mock_count vpn 3.2.1.10.in-addr.arpa. PTR udp)"
check_eq "192.168/16 stays local" NXDOMAIN "$(status -x 192.168.1.5)"
check_eq "localhost is never a routing domain's" 127.0.0.1 \
    "$(short localhost A)"

json=$("$ROOST" --control "$CTL" stats --json)
n=$(sed -n 's/.*"local": *{ *"answered": *\([0-9]*\).*/\1/p' <<<"$json")
check_ge "stats: local.answered counts the local answers" "${n:-0}" 30
text=$("$ROOST" --control "$CTL" stats)
check_match "stats: a local answered line" "^ +answered +[1-9]" "$text"

# --- the switches ------------------------------------------------------------

mock_reset def
roostd_start off "127.0.0.1#5372" --upstream "$DEF" \
    --serve-localhost no --serve-special-use no \
    --serve-private-reverse no --domain-needed no || exit 99
DIG="dig +tries=1 +time=3 -p 5372 @127.0.0.1"
check_eq "serve-localhost no: localhost asked upstream" 203.0.113.66 \
    "$(short localhost A)"
check_eq "serve-special-use no: invalid. asked upstream" 203.0.113.66 \
    "$(short invalid A)"
check_eq "serve-private-reverse no: -x 192.168.1.5 asked upstream" \
    leaked.example.test. "$(short -x 192.168.1.5)"
check_eq "domain-needed no: myprinter asked upstream" 203.0.113.66 \
    "$(short myprinter A)"

finish
