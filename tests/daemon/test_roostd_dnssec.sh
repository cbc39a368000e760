#!/bin/bash
# tests/daemon/test_roostd_dnssec.sh - roostd validating DNSSEC itself
# behind an upstream that does not: a real Debian Unbound as a plain
# iterator (module-config "iterator", no trust anchor, so it never sets
# AD nor SERVFAILs a bogus answer) resolving the signed mock tree of
# tests/trace/sectree.sh, and roostd in front of it with dnssec = yes and
# the tree's root KSK as trust anchor.  Real clients (dig) ask roostd:
#   - secure answers (NSEC3 and NSEC zones, a signed child zone, NXDOMAIN,
#     NODATA, wildcards) get AD when the client set DO or AD, and the
#     RRSIGs only with DO (RFC 6840 5.7, 5.8);
#   - insecure ones (no DS, proven by NSEC and by an NSEC3 opt-out span;
#     an algorithm roostd does not support, with EDE 1) the answer, no AD;
#   - bogus ones SERVFAIL with the EDE of the reason (7 expired, 9 no
#     matching DNSKEY, 10 RRSIGs missing, 12 NSEC that proves nothing),
#     except with CD, which gets the unvalidated answer without AD;
#   - the same over TCP; bogus and secure verdicts served again from the
#     cache; the dnssec.* counters of `roost stats`, each entry's verdict
#     in `roost dump`;
#   - dnssec = permissive (bogus served without AD, logged), a negative
#     trust anchor (domain-insecure), dnssec = no (never AD, RRSIGs still
#     passed through);
#   - a forged answer (no RRSIG, another address) from a mock upstream,
#     and from an upstream whose chain to good. is intact but whose
#     www.good. A is forged (EDE 10): SERVFAIL, never the forged address,
#     not on the first ask nor on the second; a forward-zone line that
#     sends www.good. to the forger is validated like any name (SERVFAIL,
#     EDE 10), and one under the private-use name corp. is not;
#   - a reload that changes the mode empties the cache; a warm start
#     drops the cache file's entries made under the other mode;
#   - a secure answer from an authoritative upstream: served without the
#     authority NS and additional records nothing checked; the zone's
#     DS asked on its parent's route;
#   - an upstream that ignores DO (a box that removes the OPT of queries):
#     SERVFAIL with EDE 10, said in the log, counted, shown on the route;
#     with permissive, served without AD.
#
# Runs in a private network namespace (lib_init); everything on loopback:
#   127.0.0.60-62#5330  the three NSD of sectree.sh (root, TLDs, leaves)
#   127.0.0.41#5301     Unbound, iterator only, with a stub-zone for every
#                       zone of the tree (stub-addr ...@5330: Unbound asks
#                       delegated servers on port 53 only, stubs carry a
#                       port)
#   127.0.0.42#5302     mockdns, the forger
#   127.0.0.63#5330     a fourth NSD: good. as signed but www.good. A
#                       forged and its RRSIG dropped
#   127.0.0.43#5303     a second Unbound, the same but for good.'s stub
#                       (127.0.0.63)
#   127.0.0.45#5305     tests/tools/lossyproxy -e in front of Unbound: a
#                       box that removes the OPT of each query (DO ignored)
#   127.0.0.1#5364      roostd (its control socket and configuration in
#                       $T/ctl, readable by roostd's user)
# Unbound is Debian's (its service is never started); nsd, unbound,
# ldnsutils and bind9-dnsutils (dig) are needed, else the test is skipped
# (99, as tests/trace/test_dnssec.sh does).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

for tool in nsd unbound unbound-checkconf dig ldns-signzone ldns-keygen \
    ldns-key2ds ldns-nsec3-hash; do
	command -v "$tool" >/dev/null || {
		echo "$tool is needed (apt-get install nsd unbound ldnsutils" \
		    "bind9-dnsutils)"
		exit 99
	}
done
. "$top_srcdir/tests/trace/sectree.sh"
sectree_start || exit 99

: "${ROOST:=$top_builddir/src/roost}"
UB=127.0.0.41
UBP=5301
UPSTREAM=$UB#$UBP
FORGER=127.0.0.42#5302
UB2=127.0.0.43
UB2P=5303
FORGED_NS=127.0.0.63
RP=5364
R=127.0.0.1#$RP

# --- Unbound, a plain iterator over the tree --------------------------------

# unbound_conf NAME ADDR PORT GOOD: write $T/NAME.conf for an Unbound on
# ADDR@PORT whose stub for good. is GOOD (an address; the tree's own is
# 127.0.0.61), logging to $T/NAME.log.
unbound_conf() {
	local name=$1 addr=$2 port=$3 good=$4 z conf=$T/$1.conf
	cat >"$conf" <<EOF
server:
	interface: $addr@$port
	port: $port
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	auto-trust-anchor-file: ""
	trust-anchor-file: ""
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/$name.pid"
	use-syslog: no
	logfile: "$T/$name.log"
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	harden-referral-path: no
	# The sectree servers are on port $P: a stub for every zone, since a
	# referral's servers are asked on port 53.  The stub for "." also
	# stands for the root hints: no root-hints line (Unbound would keep
	# the first hints for "." and ignore the second, "second hints for
	# zone . ignored"), and the built-in hints of the real root are
	# used only when there are none for "." at all.
stub-zone:
	name: "."
	stub-addr: 127.0.0.60@$P
stub-zone:
	name: "good."
	stub-addr: $good@$P
EOF
	for z in optout nsec expired nokey nosig badnsec badnsec3 alg; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.61@%s\n' \
		    "$z" "$P" >>"$conf"
	done
	for z in sub.good unsigned.optout plain.nsec; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.62@%s\n' \
		    "$z" "$P" >>"$conf"
	done
	printf 'remote-control:\n\tcontrol-enable: no\n' >>"$conf"
	unbound-checkconf "$conf" >/dev/null ||
	    { unbound-checkconf "$conf"; return 1; }
}

# unbound_start NAME ADDR#PORT: start the Unbound of $T/NAME.conf (stderr
# to $T/NAME.err); return once it answers . SOA at ADDR#PORT.
unbound_start() {
	unbound -d -c "$T/$1.conf" 2>>"$T/$1.err" &
	LIB_PIDS+=($!)
	wait_until 10 "$DNSPROBE" -q -t 200 "$2" query . SOA \
	    >/dev/null 2>&1 && return 0
	echo "unbound $1 did not answer on $2:" >&2
	cat "$T/$1.err" "$T/$1.log" >&2
	return 1
}

unbound_conf unbound "$UB" "$UBP" 127.0.0.61 || exit 99
unbound_start unbound "$UPSTREAM" || exit 99

# --- parsing dig's output ------------------------------------------------------
#
# ask SERVER#PORT NAME TYPE [DIG OPTION...]: one dig (no AD bit in the
# query unless the options say +adflag: dig sets it by default), its
# whole output in OUT, and from it:
#   ST      the status ("NOERROR", "SERVFAIL", ...; empty if no reply)
#   AD      "ad" if the reply's flags line has the ad flag, else "-"
#   AN      the answer section's records, one a line
#   EDE     the EDE codes of the OPT pseudosection, space separated
#           (dig prints "; EDE: 7 (Signature Expired): ...")
ask() {
	local srv=${1%#*} port=${1#*#} name=$2 type=$3 flags
	shift 3
	OUT=$(dig @"$srv" -p "$port" +time=8 +tries=1 +noadflag "$@" \
	    "$name" "$type" 2>&1)
	ST=$(sed -n 's/.*, status: \([A-Z]*\),.*/\1/p' <<<"$OUT" | head -n 1)
	flags=$(sed -n 's/^;; flags: \([^;]*\);.*/\1/p' <<<"$OUT" | head -n 1)
	if [[ " $flags " == *" ad "* ]]; then AD=ad; else AD=-; fi
	AN=$(awk '/^;; ANSWER SECTION:/ { on = 1; next }
	    on && /^$/ { exit } on { print }' <<<"$OUT")
	EDE=$(sed -n 's/^; EDE: \([0-9]*\).*/\1/p' <<<"$OUT" | tr '\n' ' ')
	EDE=${EDE% }
}
# q NAME TYPE [DIG OPTION...]: ask roostd.
q() { ask "$R" "$@"; }

# re NAME: NAME as an ERE, dots quoted.
re() { printf '%s' "${1//./\\.}"; }
# rr NAME TYPE DATA: an ERE for a record line of dig's answer section
# ("www.good.\t\t300\tIN\tA\t192.0.2.1"); DATA, an ERE, starts the data
# field and must end it unless followed by ".*".
rr() { printf '^%s\t+[0-9]+\tIN\t%s\t%s$' "$(re "$1")" "$2" "$3"; }

# Checks over the last ask, labelled WHAT:
# is_secure WHAT RCODE: RCODE and AD.
is_secure() {
	check_eq "$1: $2 with ad" "$2 ad" "$ST $AD"
}
# is_insecure WHAT RCODE: RCODE and no AD.
is_insecure() {
	check_eq "$1: $2 without ad" "$2 -" "$ST $AD"
}
# is_bogus WHAT EDE: SERVFAIL, no AD, no answer, and EDE among the codes.
is_bogus() {
	check_eq "$1: SERVFAIL without ad" "SERVFAIL -" "$ST $AD"
	check_eq "$1: no answer records" "" "$AN"
	check_match "$1: EDE $2" "(^| )$2( |$)" "$EDE"
}
# has_rr WHAT NAME TYPE DATA: the answer has the record; has_sig WHAT NAME
# TYPE: an RRSIG over NAME TYPE; no_sig WHAT: no RRSIG at all.
has_rr() { check_match "$1: $2 $3 $4" "$(rr "$2" "$3" "$(re "$4")")" "$AN"; }
has_sig() { check_match "$1: the RRSIG over $2 $3" "$(rr "$2" RRSIG "$3 .*")" "$AN"; }
no_sig() { check_nomatch "$1: no RRSIG" $'\tRRSIG\t' "$AN"; }

# --- the Unbound harness itself -------------------------------------------------

ask "$UPSTREAM" www.good. A +dnssec +cd
check_eq "unbound: www.good. A NOERROR, no ad (it does not validate)" \
    "NOERROR -" "$ST $AD"
has_rr "unbound" www.good. A 192.0.2.1
has_sig "unbound" www.good. A
ask "$UPSTREAM" good. DS +dnssec
has_sig "unbound: the root's DS for good., asked at the parent" good. DS
ask "$UPSTREAM" sub.good. DS +dnssec
has_sig "unbound: good.'s DS for sub.good., asked at the parent" sub.good. DS
ask "$UPSTREAM" www.expired. A +dnssec
check_eq "unbound: the bogus www.expired. A served (no validator)" \
    "NOERROR -" "$ST $AD"

# --- roostd --------------------------------------------------------------------

CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CONF=$CTLDIR/roostd.conf
ANCHOR=$CTLDIR/anchor
cp "$SEC_ANCHOR_DS" "$ANCHOR" && chmod 644 "$ANCHOR" || exit 99
echo "# trust anchor: $(cat "$ANCHOR")"

# conf DNSSEC-MODE [LINE...]: write roostd.conf forwarding to Unbound,
# with dnssec = DNSSEC-MODE ("" for no dnssec keys at all) and the lines.
conf() {
	local mode=$1
	shift
	{
		echo "# written by test_roostd_dnssec.sh"
		echo "upstream = $UPSTREAM"
		echo "upstream-timeout = 3000"
		echo "query-deadline = 6000"
		if [ -n "$mode" ]; then
			echo "dnssec = $mode"
			echo "trust-anchor-file = $ANCHOR"
		fi
		printf '%s\n' "$@"
	} >"$CONF"
	chmod 644 "$CONF"
}
# start NAME: roostd called NAME (log $T/NAME.log) on $R with $CONF, its
# control socket $CTL = $CTLDIR/NAME.control (a socket of its own: roostd,
# no longer root when it stops, cannot remove it from $CTLDIR).
start() {
	CTL=$CTLDIR/$1.control
	roostd_start "$1" "$R" -c "$CONF" --control-socket "$CTL"
}
roost() { "$ROOST" --control "$CTL" "$@"; }

# ROOSTD_DNSSEC_KEYS=no: a configuration without the dnssec keys, to
# check the harness against a roostd that does not know them yet.
if [ "${ROOSTD_DNSSEC_KEYS:-yes}" = no ]; then
	conf ""
	start plain || exit 99
	q www.good. A +dnssec
	check_eq "no dnssec keys: www.good. A forwarded" "NOERROR" "$ST"
	has_rr "no dnssec keys" www.good. A 192.0.2.1
	has_sig "no dnssec keys" www.good. A
	roostd_stop plain
	finish
fi

conf yes
start val || exit 99

# --- secure ------------------------------------------------------------------

q www.good. A +dnssec
is_secure "www.good. A +dnssec" NOERROR
has_rr "www.good. A +dnssec" www.good. A 192.0.2.1
has_sig "www.good. A +dnssec" www.good. A

q www.good. A
check_eq "www.good. A, neither DO nor AD: NOERROR without ad" "NOERROR -" "$ST $AD"
has_rr "www.good. A, neither DO nor AD" www.good. A 192.0.2.1
no_sig "www.good. A, neither DO nor AD"

q www.good. A +adflag
is_secure "www.good. A +adflag, no DO (RFC 6840 5.7)" NOERROR
has_rr "www.good. A +adflag" www.good. A 192.0.2.1
no_sig "www.good. A +adflag, no DO (RFC 6840 5.8)"

q nx.good. A +dnssec
is_secure "nx.good. A (NSEC3 NXDOMAIN)" NXDOMAIN

q a.good. AAAA +dnssec
is_secure "a.good. AAAA (NSEC3 NODATA)" NOERROR
check_eq "a.good. AAAA: no answer records" "" "$AN"

q www.sub.good. A +dnssec
is_secure "www.sub.good. A (a signed child)" NOERROR
has_rr "www.sub.good. A" www.sub.good. A 192.0.2.9

q a.nsec. A +dnssec
is_secure "a.nsec. A (NSEC zone)" NOERROR
has_rr "a.nsec. A" a.nsec. A 192.0.2.101

q x.w.nsec. TXT +dnssec
is_secure "x.w.nsec. TXT (wildcard)" NOERROR
has_rr "x.w.nsec. TXT" x.w.nsec. TXT '"wild"'

q nx.nsec. A +dnssec
is_secure "nx.nsec. A (NSEC NXDOMAIN)" NXDOMAIN

# --- insecure ------------------------------------------------------------------

q www.plain.nsec. A +dnssec
is_insecure "www.plain.nsec. A (no DS, by NSEC)" NOERROR
has_rr "www.plain.nsec. A" www.plain.nsec. A 192.0.2.11

q www.unsigned.optout. A +dnssec
is_insecure "www.unsigned.optout. A (no DS, by an opt-out NSEC3)" NOERROR
has_rr "www.unsigned.optout. A" www.unsigned.optout. A 192.0.2.10

q www.alg. A +dnssec
is_insecure "www.alg. A (algorithm 23, unsupported)" NOERROR
has_rr "www.alg. A" www.alg. A 192.0.2.9
check_match "www.alg. A: EDE 1 (unsupported DNSKEY algorithm)" \
    '(^| )1( |$)' "$EDE"

# --- bogus ---------------------------------------------------------------------

q www.expired. A +dnssec
is_bogus "www.expired. A (RRSIG expired)" 7
check_nomatch "www.expired. A: never the address" '192\.0\.2\.4' "$OUT"
q www.expired. AAAA +dnssec
is_secure "www.expired. AAAA (its RRSIG is fine)" NOERROR
has_rr "www.expired. AAAA" www.expired. AAAA 2001:db8::4

q www.nokey. A +dnssec
is_bogus "www.nokey. A (no DNSKEY matches the DS)" 9
q www.nosig. A +dnssec
is_bogus "www.nosig. A (RRSIG missing)" 10
q b.badnsec. A +dnssec
is_bogus "b.badnsec. A (an NSEC that does not cover b)" 12
q b.badnsec3. A +dnssec
is_bogus "b.badnsec3. A (an NSEC3 that does not cover b)" 12

q www.expired. A +dnssec +cd
is_insecure "www.expired. A +cd (checking disabled)" NOERROR
has_rr "www.expired. A +cd" www.expired. A 192.0.2.4

q www.expired. A
check_eq "www.expired. A without DO, after +cd: still SERVFAIL" \
    "SERVFAIL" "$ST"

# --- over TCP, names not asked before -------------------------------------------

q www.good. AAAA +dnssec +tcp
is_secure "tcp: www.good. AAAA" NOERROR
has_rr "tcp: www.good. AAAA" www.good. AAAA 2001:db8::1
has_sig "tcp: www.good. AAAA" www.good. AAAA
q www.nokey. AAAA +dnssec +tcp
is_bogus "tcp: www.nokey. AAAA" 9
q www.unsigned.optout. AAAA +dnssec +tcp
is_insecure "tcp: www.unsigned.optout. AAAA" NOERROR
has_rr "tcp: www.unsigned.optout. AAAA" www.unsigned.optout. AAAA 2001:db8::10

# --- asked again: the verdicts are remembered ------------------------------------

q www.nosig. A +dnssec
is_bogus "again: www.nosig. A" 10
q www.expired. A +dnssec
is_bogus "again: www.expired. A" 7
q www.good. A +dnssec
is_secure "again: www.good. A" NOERROR
has_sig "again: www.good. A" www.good. A
q www.sub.good. A +dnssec +tcp
is_secure "again, over TCP: www.sub.good. A" NOERROR
q www.plain.nsec. A +dnssec
is_insecure "again: www.plain.nsec. A" NOERROR

# --- roost stats ---------------------------------------------------------------

# The text form is groups: a heading line ("dnssec"), then indented
# "KEY   N" rows; flattened here to "dnssec.secure N" lines (a row that
# already says GROUP.KEY is taken as it is).
stats=$(roost stats 2>&1)
flat=$(awk '/^[^ \t]/ && NF == 1 { g = $1; next }
    NF == 2 && $2 ~ /^[0-9]+$/ { k = $1; if (k !~ /\./) k = g "." k
	print k, $2 }' <<<"$stats")
for v in secure insecure bogus indeterminate; do
	check_match "roost stats: dnssec.$v N" "^dnssec\.$v [0-9]+$" "$flat"
done
stat() { awk -v k="dnssec.$1" '$1 == k { print $2; exit }' <<<"$flat"; }
for v in secure insecure bogus; do
	check_ge "roost stats: dnssec.$v > 0" "$(stat $v)" 1
done

# --- roost dump: each entry's verdict -----------------------------------------

dump=$(roost dump --json)
verdict() {
	jq -r --arg n "$1" --arg t "$2" --argjson d "$3" \
	    '[.[] | select(.name == $n and .type == $t and .dnssec_ok == $d
	    and .checking_disabled == false)
	    | .dnssec // "-"] | first // "none"' <<<"$dump"
}
check_eq "roost dump: www.good. A (DO) secure" secure "$(verdict www.good. A true)"
check_eq "roost dump: www.good. A (no DO) secure" secure "$(verdict www.good. A false)"
check_eq "roost dump: www.plain.nsec. A insecure" insecure \
    "$(verdict www.plain.nsec. A true)"
check_eq "roost dump: www.expired. A bogus" bogus "$(verdict www.expired. A true)"
check_eq "roost dump: www.expired. A +cd unchecked" - \
    "$(jq -r '[.[] | select(.name == "www.expired." and .checking_disabled)
    | .dnssec // "-"] | first' <<<"$dump")"
check_match "roost dump: the text has a DNSSEC column" \
    '^www\.good\. +A +[0-9]+ +NOERROR +[0-9]+ +do +secure$' "$(roost dump)"
roostd_stop val

# --- dnssec = permissive: bogus served without AD, and logged ----------------------

conf permissive
start permissive || exit 99
q www.expired. A +dnssec
is_insecure "permissive: www.expired. A" NOERROR
has_rr "permissive: www.expired. A" www.expired. A 192.0.2.4
q www.good. A +dnssec
is_secure "permissive: www.good. A still validated" NOERROR
q www.nosig. A +dnssec
is_insecure "permissive: www.nosig. A" NOERROR
has_rr "permissive: www.nosig. A" www.nosig. A 192.0.2.6
roostd_stop permissive
check_match "permissive: the log names www.expired. as bogus" \
    '[Bb][Oo][Gg][Uu][Ss].*www\.expired|www\.expired.*[Bb][Oo][Gg][Uu][Ss]' \
    "$(cat "$T/permissive.log")"

# --- a negative trust anchor -------------------------------------------------------

conf yes "domain-insecure = nokey."
start nta || exit 99
q www.nokey. A +dnssec
is_insecure "domain-insecure nokey.: www.nokey. A" NOERROR
has_rr "domain-insecure nokey.: www.nokey. A" www.nokey. A 192.0.2.5
q www.nosig. A +dnssec
is_bogus "domain-insecure nokey.: www.nosig. A still bogus" 10
q www.good. A +dnssec
is_secure "domain-insecure nokey.: www.good. A still secure" NOERROR
roostd_stop nta

# --- dnssec = no: never AD, the records passed through ------------------------------

conf no
start novalidate || exit 99
q www.good. A +dnssec
is_insecure "dnssec no: www.good. A +dnssec" NOERROR
has_rr "dnssec no: www.good. A" www.good. A 192.0.2.1
has_sig "dnssec no: www.good. A" www.good. A
q www.good. A +adflag
check_eq "dnssec no: www.good. A +adflag: no ad" "NOERROR -" "$ST $AD"
q www.expired. A +dnssec
is_insecure "dnssec no: www.expired. A, not checked" NOERROR
roostd_stop novalidate

# --- forged answers ---------------------------------------------------------------
#
# A forger upstream: mockdns answering www.good. A with 192.0.2.99 and no
# RRSIG from an unsigned zone good.; it has no root zone, so the DNSKEY
# lookups for the trust anchor fail too: SERVFAIL, whatever the reason.

cat >"$T/forged-good.zone" <<EOF
\$ORIGIN good.
\$TTL 300
@	IN SOA	ns hostmaster 1 7200 900 1209600 60
@	IN NS	ns
ns	IN A	127.0.0.42
www	IN A	192.0.2.99
EOF
cat >"$T/forged-www.zone" <<EOF
\$ORIGIN www.good.
\$TTL 300
@	IN SOA	ns.good. hostmaster.good. 1 7200 900 1209600 60
@	IN NS	ns.good.
@	IN A	192.0.2.99
EOF
mock_start forger "$FORGER" --zone "$T/forged-good.zone" \
    --zone "$T/forged-www.zone" || exit 99
ask "$FORGER" www.good. A +dnssec
has_rr "the forger" www.good. A 192.0.2.99

# forged_never WHAT: two asks with DO and two without, none of which may
# carry 192.0.2.99; the first with DO must be SERVFAIL without ad, and so
# must the second (the forgery is not cached as good on the way).
forged_never() {
	local n
	for n in 1 2; do
		q www.good. A +dnssec
		check_eq "$1, ask $n: SERVFAIL" "SERVFAIL -" "$ST $AD"
		check_nomatch "$1, ask $n: never 192.0.2.99" '192\.0\.2\.99' "$OUT"
		q www.good. A
		check_nomatch "$1, ask $n without DO: never 192.0.2.99" \
		    '192\.0\.2\.99' "$OUT"
	done
}

cat >"$CONF" <<EOF
# written by test_roostd_dnssec.sh
upstream = $FORGER
upstream-timeout = 2000
query-deadline = 6000
dnssec = yes
trust-anchor-file = $ANCHOR
EOF
start forged || exit 99
forged_never "forger upstream"
roostd_stop forged

# The chain intact but the answer forged: a fourth NSD on $FORGED_NS#$P
# serves good. as signed, except that www.good. A is 192.0.2.99 and its
# RRSIG is gone; a second Unbound (127.0.0.43#5303) has it as good.'s
# server, the rest of the tree as before.  The root's DS for good., good.'s
# DNSKEYs and their RRSIGs are all right, so what is wrong is precisely
# the missing RRSIG (EDE 10).
mkdir -p "$T/forge" || exit 99
sec_rrsig_check "$SEC/good.signed" www.good. A || exit 99
sec_rrsig_drop www.good. A <"$SEC/good.signed" |
    awk '$1 == "www.good." && $4 == "A" { $5 = "192.0.2.99" } { print }' \
    >"$T/forge/good.signed" || exit 99
grep -q '^www\.good\. .*A 192\.0\.2\.99$' "$T/forge/good.signed" ||
    { echo "no forged www.good. A in $T/forge/good.signed"; exit 99; }
SEC=$T/forge sec_nsd forged "$FORGED_NS" good.
sec_wait forged "$FORGED_NS" good. || exit 99
unbound_conf unbound2 "$UB2" "$UB2P" "$FORGED_NS" || exit 99
unbound_start unbound2 "$UB2#$UB2P" || exit 99
ask "$UB2#$UB2P" www.good. A +dnssec
has_rr "unbound2: forged" www.good. A 192.0.2.99
no_sig "unbound2: forged www.good. A"
ask "$UB2#$UB2P" good. DNSKEY +dnssec
has_sig "unbound2: good.'s DNSKEYs still signed" good. DNSKEY

cat >"$CONF" <<EOF
# written by test_roostd_dnssec.sh
upstream = $UB2#$UB2P
upstream-timeout = 3000
query-deadline = 6000
dnssec = yes
trust-anchor-file = $ANCHOR
EOF
start stripped || exit 99
forged_never "forged www.good. A, chain intact"
q www.good. A +dnssec
check_match "forged www.good. A, chain intact: EDE 10 (RRSIGs missing)" \
    '(^| )10( |$)' "$EDE"
q www.good. AAAA +dnssec
is_secure "forged www.good. A, chain intact: www.good. AAAA still secure" NOERROR
# reported where a user looks for a broken upstream
check_eq "roost upstream --json: the default route validated, 2 stripped" \
    "validated 2" \
    "$(roost upstream --json | jq -r '.routes[0] | "\(.dnssec) \(.stripped)"')"
check_match "roost upstream: says the upstream may strip DNSSEC records" \
    'DNSSEC: validated \(2 answers without RRSIGs in signed zones' \
    "$(roost upstream)"
roostd_stop stripped

# A forward-zone line: www.good. forwarded to the forger.  Configured
# routes are validated like any name (the DS of www.good. is asked of the
# forger too, which has no signature for it, in signed good.): the forged
# address never comes through.
conf yes "forward-zone = www.good. $FORGER"
start routed || exit 99
for n in 1 2; do
	q www.good. A +dnssec +adflag
	check_eq "forward-zone www.good. to the forger, ask $n: SERVFAIL" \
	    "SERVFAIL -" "$ST $AD"
	check_nomatch "forward-zone www.good. to the forger, ask $n: never 192.0.2.99" \
	    '192\.0\.2\.99' "$OUT"
done
check_match "forward-zone www.good. to the forger: EDE 10" '(^| )10( |$)' "$EDE"
q www.sub.good. A +dnssec
is_secure "forward-zone www.good.: www.sub.good. A still secure" NOERROR
roostd_stop routed

# --- what AD vouches for --------------------------------------------------------
#
# good. forwarded to its own NSD (127.0.0.61), which answers with good.'s
# NS RRset in the authority section and glue in the additional one.
# roostd checks the answer (and the denial records of a negative one),
# so a secure answer comes without the rest (RFC 4035 3.2.3: AD vouches
# for the answer and authority sections).  good.'s DS is asked on the
# default route (the parent's): its own servers only have the child's
# NODATA for it.
sec() {
	awk -v s=";; $1 SECTION:" '$0 == s { on = 1; next }
	    on && /^$/ { exit } on { print }' <<<"$OUT"
}
ask 127.0.0.61#5330 www.good. A +dnssec +norec
check_match "nsd: www.good. A with good.'s NS in the authority section" \
    "$(rr good. NS '.*')" "$(sec AUTHORITY)"
check_match "nsd: www.good. A with an RRSIG over that NS" \
    "$(rr good. RRSIG 'NS .*')" "$(sec AUTHORITY)"
conf yes "forward-zone = good. 127.0.0.61#5330"
start authority || exit 99
for opt in +dnssec +adflag; do
	q www.good. A $opt
	is_secure "forward-zone good. to its NSD: www.good. A $opt" NOERROR
	has_rr "forward-zone good. to its NSD: www.good. A $opt" \
	    www.good. A 192.0.2.1
	check_eq "www.good. A $opt: no unchecked authority records under ad" \
	    "" "$(sec AUTHORITY)"
	check_eq "www.good. A $opt: no unchecked additional records under ad" \
	    "" "$(sec ADDITIONAL)"
done
q nx.good. A +dnssec
is_secure "forward-zone good. to its NSD: nx.good. A (NSEC3 NXDOMAIN)" NXDOMAIN
check_match "nx.good. A: the SOA stays" "$(rr good. SOA '.*')" "$(sec AUTHORITY)"
# (dig spaces out the long NSEC3 and RRSIG lines)
check_match "nx.good. A: the NSEC3 records stay" \
    '[[:space:]]IN[[:space:]]+NSEC3[[:space:]]' "$(sec AUTHORITY)"
check_nomatch "nx.good. A: no NS" '[[:space:]]IN[[:space:]]+NS[[:space:]]' \
    "$(sec AUTHORITY)"
# a client's good. DS goes where the root's names go, as the validator's
q good. DS +dnssec
is_secure "forward-zone good. to its NSD: good. DS, from the root" NOERROR
check_match "good. DS: the DS record" "$(rr good. DS '.*')" "$AN"
q www.good. A +dnssec +cd
check_eq "www.good. A +cd: unvalidated, no ad" "NOERROR -" "$ST $AD"
check_match "www.good. A +cd: the authority section as NSD sent it" \
    "$(rr good. NS '.*')" "$(sec AUTHORITY)"
roostd_stop authority

# --- a change of mode: reload and warm start ------------------------------------
#
# What was cached under one DNSSEC mode is not served under another: a
# reload that changes the DNSSEC settings empties the cache (a secure
# answer carries AD, never to be served with dnssec = no), and a warm
# start drops the cache file's validated entries when dnssec is no now,
# and those never judged when it validates now.
S=$T/state
mkdir -p "$S" && chmod 777 "$S" || exit 99
CACHE_LINES=("cache-file = $S/cache" "cache-save-interval = 0")
conf yes "${CACHE_LINES[@]}"
start modes || exit 99
q www.good. A +dnssec
is_secure "modes: www.good. A" NOERROR
# fetches: the DS and DNSKEY questions asked so far (roost stats)
fetches() {
	roost stats | awk '/^[^ \t]/ && NF == 1 { g = $1; next }
	    g == "dnssec" && $1 == "key_fetches" { print $2; exit }'
}
before=$(fetches)
# A reload that changes nothing DNSSEC judges by keeps the cache and the
# zones judged: a new name in good. needs no key fetched again.
check "modes: roost reload, nothing changed" roost reload
check_nomatch "modes: that reload kept the cache" "the cache is empty" \
    "$(cat "$T/modes.log")"
q c.good. TXT +dnssec
is_secure "modes: after the reload, c.good. TXT" NOERROR
check_eq "modes: no key fetched again after the reload" "$before" \
    "$(fetches)"
# The same anchor file with another key: the cache goes, and the zones.
cp "$ANCHOR" "$T/anchor.good"
# (the digest's last hex digit changed: no key of the root matches it)
awk '{ c = substr($0, length($0)); print substr($0, 1, length($0) - 1) \
    (c == "0" ? "1" : "0") }' "$T/anchor.good" >"$ANCHOR"
check "modes: roost reload, another anchor in the same file" roost reload
check_match "modes: the anchor's change emptied the cache" \
    "reload: the DNSSEC settings changed: the cache is empty" \
    "$(cat "$T/modes.log")"
q www.good. A +dnssec
check_eq "modes: with a wrong anchor, www.good. A: SERVFAIL" \
    "SERVFAIL -" "$ST $AD"
cp "$T/anchor.good" "$ANCHOR"
check "modes: roost reload, the right anchor again" roost reload
q www.good. A +dnssec
is_secure "modes: the right anchor again: www.good. A" NOERROR
conf no "${CACHE_LINES[@]}"
check "modes: roost reload to dnssec no" roost reload
q www.good. A +dnssec
check_eq "after the reload to dnssec no: www.good. A without ad" \
    "NOERROR -" "$ST $AD"
check_match "the log says the reload emptied the cache" \
    "reload: the DNSSEC settings changed: the cache is empty" \
    "$(cat "$T/modes.log")"
roostd_stop modes
conf yes "${CACHE_LINES[@]}"
start modes_yes || exit 99
check_match "warm start validating: the entry cached with no goes" \
    "cache file $S/cache: 1 entries dropped, never validated" \
    "$(cat "$T/modes_yes.log")"
q www.good. A +dnssec
is_secure "warm start validating: www.good. A validated again" NOERROR
roostd_stop modes_yes
conf no "${CACHE_LINES[@]}"
start modes_no || exit 99
check_match "warm start with dnssec no: the validated entry goes" \
    "cache file $S/cache: 1 entries dropped, validated \(dnssec is no\)" \
    "$(cat "$T/modes_no.log")"
q www.good. A +dnssec
check_eq "warm start with dnssec no: www.good. A without ad" "NOERROR -" \
    "$ST $AD"
roostd_stop modes_no

# --- private names ------------------------------------------------------------
#
# Unsigned private zones must not turn bogus: corp. (a private-use TLD,
# never validated) through a forward-zone line, and vpn.good. (a VPN's
# routing domain under the signed good., given at run time) through
# `roost upstream set`.  Before the VPN, www.vpn.good. is the public
# tree's: a secure NXDOMAIN.
PRIV=127.0.0.44#5304
cat >"$T/private-corp.zone" <<EOF
\$ORIGIN corp.
\$TTL 300
@	IN SOA	ns hostmaster 1 7200 900 1209600 60
@	IN NS	ns
ns	IN A	127.0.0.44
www	IN A	192.0.2.77
EOF
cat >"$T/private-vpn.zone" <<EOF
\$ORIGIN vpn.good.
\$TTL 300
@	IN SOA	ns hostmaster 1 7200 900 1209600 60
@	IN NS	ns
ns	IN A	127.0.0.44
www	IN A	192.0.2.78
EOF
mock_start private "$PRIV" --zone "$T/private-corp.zone" \
    --zone "$T/private-vpn.zone" || exit 99
conf yes "forward-zone = corp. $PRIV"
start private || exit 99
q www.corp. A +dnssec +adflag
is_insecure "forward-zone corp. (private-use): www.corp. A" NOERROR
has_rr "forward-zone corp." www.corp. A 192.0.2.77
q www.vpn.good. A +dnssec
is_secure "before the VPN: www.vpn.good. A, the public tree's" NXDOMAIN
out=$(roost upstream set vpn0 --dns "$PRIV" --domain '~vpn.good' 2>&1)
check_eq "roost upstream set vpn0 ~vpn.good: exit 0" 0 $?
q www.vpn.good. A +dnssec +adflag
is_insecure "the VPN's vpn.good.: www.vpn.good. A" NOERROR
check_eq "roost upstream --json: the VPN's route unchecked, corp. validated" \
    "corp. validated|vpn.good. unchecked" \
    "$(roost upstream --json | jq -r '[.routes[1:][] | "\(.zone) \(.dnssec)"]
    | sort | join("|")')"
has_rr "the VPN's vpn.good." www.vpn.good. A 192.0.2.78
roost upstream revert vpn0 >/dev/null 2>&1
q www.vpn.good. A +dnssec
is_secure "after the VPN: www.vpn.good. A, the public tree's again" NXDOMAIN
roostd_stop private

# --- an upstream that ignores DO ----------------------------------------------
#
# An EDNS-ignorant box between roostd and Unbound, as old home routers
# are: tests/tools/lossyproxy -e removes the OPT record of every query on
# its way up (and loses nothing), so Unbound answers without OPT and
# without RRSIGs.  roostd must not serve www.good. as secure nor silently
# as unsigned: SERVFAIL with an EDE, "ignored DO" in its log, counted in
# `roost stats` and shown on the route in `roost upstream`; permissive
# serves it without AD and says so on the route.
DOIGN=127.0.0.45#5305
"$top_builddir/tests/tools/lossyproxy" -e -c "$T/doign.counts" "$DOIGN" \
    "$UPSTREAM" 0 >"$T/doign.ready" 2>"$T/doign.err" &
DOIGN_PID=$!
LIB_PIDS+=($DOIGN_PID)
wait_until 5 grep -qs ready "$T/doign.ready" || exit 99
ask "$DOIGN" www.good. A +dnssec
check_eq "through the box: www.good. A NOERROR" NOERROR "$ST"
no_sig "through the box: www.good. A"
check_nomatch "through the box: no OPT in the answer" 'OPT PSEUDOSECTION' "$OUT"

conf yes
sed -i "s/^upstream = .*/upstream = $DOIGN/" "$CONF"
start doign || exit 99
for n in 1 2; do
	q www.good. A +dnssec
	is_bogus "DO ignored, ask $n: www.good. A" 10
	check_nomatch "DO ignored, ask $n: never 192.0.2.1 as validated" \
	    '192\.0\.2\.1' "$AN"
done
check_match "DO ignored: the log says the upstream ignored DO" \
    'www\.good\. type 1 is bogus: the upstream ignored DO' "$(cat "$T/doign.log")"
n=$(roost stats 2>&1 | awk '/^[^ \t]/ && NF == 1 { g = $1; next }
    g == "dnssec" && $1 == "do_ignored" { print $2; exit }')
check_ge "DO ignored: roost stats dnssec.do_ignored counts it" "${n:-0}" 1
check_eq "DO ignored: roost upstream --json, the default route" \
    "validated yes yes" \
    "$(roost upstream --json | jq -r '.routes[0] |
    "\(.dnssec) \(.do_ignored > 0 | if . then "yes" else "no" end) \(.stripped > 0 | if . then "yes" else "no" end)"')"
check_match "DO ignored: roost upstream says so" \
    'answers from an upstream that ignored DO' "$(roost upstream)"
roostd_stop doign

conf permissive
sed -i "s/^upstream = .*/upstream = $DOIGN/" "$CONF"
start doignp || exit 99
q www.good. A +dnssec +adflag
is_insecure "DO ignored, permissive: www.good. A served" NOERROR
has_rr "DO ignored, permissive" www.good. A 192.0.2.1
check_match "DO ignored, permissive: roost upstream, served without AD" \
    'DNSSEC: permissive \([0-9]+ answers without RRSIGs in signed zones: served without AD' \
    "$(roost upstream)"
roostd_stop doignp
kill -USR1 $DOIGN_PID
wait_until 5 grep -qs opt_removed "$T/doign.counts"
n=$(sed -n 's/.* opt_removed \([0-9]*\).*/\1/p' "$T/doign.counts")
check_ge "the box removed the OPT of the queries that crossed it" "${n:-0}" 3

# --- the system's trust anchor --------------------------------------------------
#
# Without trust-anchor-file roostd trusts the real root's keys
# (/usr/share/dns/root.key, else the same two built in): the mock root's
# key is not one of them, so every answer of the tree is bogus, EDE 9.
conf "" "dnssec = yes"
start sysanchor || exit 99
q www.good. A +dnssec
check_eq "the real root's anchor against the mock root: SERVFAIL" \
    "SERVFAIL -" "$ST $AD"
check_match "the real root's anchor: EDE 9 (DNSKEY missing)" '(^| )9( |$)' "$EDE"
check_match "the log says the root's keys do not match" \
    'no DNSKEY of \. matches its DS records' "$(cat "$T/sysanchor.log")"
roostd_stop sysanchor

# --- a bad trust anchor file ---------------------------------------------------

printf '; not an anchor\n. IN A 192.0.2.1\n' >"$T/bad.anchor"
out=$("$ROOSTD" --check-config --dnssec yes --trust-anchor-file "$T/bad.anchor" \
    --upstream 127.0.0.41#5301 2>&1)
check_eq "--check-config, a bad trust-anchor-file: exit 3" 3 $?
check_match "--check-config names the file and line" \
    "bad\\.anchor:2: not a DS or DNSKEY record" "$out"
out=$("$ROOSTD" --check-config --dnssec no --trust-anchor-file "$T/bad.anchor" \
    --upstream 127.0.0.41#5301 2>&1)
check_eq "--check-config, dnssec no: the anchors are not read" 0 $?

finish
