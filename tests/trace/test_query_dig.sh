#!/bin/bash
# tests/trace/test_query_dig.sh - roost query prints what dig prints: the
# same command line given to dig 9.18 and to roost query, against the
# same mock servers, must give the same output line for line once the
# banner's program name and version, the message id, the query time,
# WHEN and the cookies (random) are masked.
#
# The cases cover UDP and TCP, IPv4 and IPv6, EDNS on and off, DO,
# NSID, cookies (good, and a BADCOOKIE retry), client subnet, EDE,
# big answers (truncated, then TCP), NXDOMAIN, NODATA, SERVFAIL,
# REFUSED, referrals, every display option, -x/-t/-c/-q and every
# record type of tests/trace/zones/dig.test.zone (signed: DNSKEY, RRSIG,
# NSEC3, DS in their BIND columns and word cuts).
#
# Runs in a private network namespace (lib_init), both programs in a
# private /etc (lib_etc: localhost is 127.0.0.1 and ::1); the servers
# are mockdns on 127.0.0.2 and ::1 (authoritative, with cookies and
# NSID), 127.0.0.3 (a recursive resolver's flags) and 127.0.0.1, port
# $P; always named with @.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ROOST=$top_builddir/src/roost
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 99; }
command -v dig >/dev/null ||
	{ echo "dig is needed (apt-get install bind9-dnsutils)"; exit 99; }
P=5330
Z=$top_srcdir/tests/trace/zones
mock_start auth 127.0.0.2#$P --listen "[::1]:$P" --auth --cookies \
    --nsid mock-auth-1 --zone "$Z/dig.test.zone" \
    --rule 'filtered.dig.test * ede=17' \
    --rule 'fail.dig.test * rcode=servfail' \
    --rule 'refused.dig.test * rcode=refused' \
    --rule 'tc.dig.test * tc' \
    --rule 'bc.dig.test * badcookie' || exit 99
mock_start rec 127.0.0.3#$P --zone "$Z/dig.test.zone" \
    --zone "$Z/example.test.zone" || exit 99
mock_start local 127.0.0.1#$P --zone "$Z/dig.test.zone" || exit 99
lib_etc '127.0.0.1 localhost
::1 localhost' || exit 99

# mask: what differs between any two runs, whoever makes them
mask() {
	sed -E -e 's/^; <<>> .* <<>>/; <<>> PROGRAM <<>>/' \
	    -e 's/id: [0-9]+$/id: ID/' \
	    -e 's/^;; Query time: [0-9]+ msec$/;; Query time: T msec/' \
	    -e 's/^;; WHEN: .*/;; WHEN: W/' \
	    -e 's/^; COOKIE: [0-9a-f]+ /; COOKIE: C /'
}

A=127.0.0.2
# one case per line: the arguments given to both, after "-p $P +time=2"
cases=(
	"@$A www.dig.test"
	"@127.0.0.3 www.dig.test"
	"@127.0.0.3 +norec www.dig.test"
	"@::1 www.dig.test AAAA"
	"@$A www.dig.test +tcp"
	"@$A dig.test ANY +tcp"
	"@$A big.example.test TXT"
	"@127.0.0.3 big.example.test TXT"
	"@127.0.0.3 big.example.test TXT +vc"
	"@$A dig.test DNSKEY +dnssec"
	"@$A dig.test SOA +dnssec"
	"@$A nope.dig.test +dnssec"
	"@$A nope.dig.test NSEC3 +dnssec"
	"@$A www.dig.test MX"
	"@$A sub.dig.test"
	"@$A sub.dig.test DS"
	"@$A fail.dig.test"
	"@$A refused.dig.test"
	"@$A outside.invalid"
	"@$A filtered.dig.test"
	"@$A tc.dig.test"
	"@$A bc.dig.test"
	"@$A bc.dig.test +nocookie"
	"@$A +nsid www.dig.test"
	"@$A +nocookie +nsid www.dig.test"
	"@$A +subnet=192.0.2.0/24 www.dig.test"
	"@$A +subnet=2001:db8:1::/48 +nsid +dnssec www.dig.test"
	"@$A +subnet=0 www.dig.test"
	"@$A +bufsize=4096 +edns=0 www.dig.test"
	"@$A +noedns www.dig.test"
	"@$A +norec +cd +noad www.dig.test"
	"@$A +nocmd +nostats alias.dig.test"
	"@$A +nocomments www.dig.test"
	"@$A +noall +comments +nocookie www.dig.test"
	"@$A +noall +answer +question hinfo.dig.test HINFO"
	"@$A +noall +answer svc.dig.test ANY"
	"@$A +noall +answer txt.dig.test TXT"
	"@$A +noall +answer naptr.dig.test NAPTR"
	"@$A +noall +answer _443._tcp.www.dig.test TLSA"
	"@$A +noall +answer www.dig.test SSHFP"
	"@$A +noall +answer loc.dig.test LOC"
	"@$A +noall +answer unknown.dig.test TYPE65534"
	"@$A +noall +answer uri.dig.test URI"
	"@$A +noall +answer rp.dig.test RP"
	"@$A +noall +answer openpgp.dig.test OPENPGPKEY"
	"@$A +noall +answer dig.test CAA"
	"@$A +noall +answer _sip._udp.dig.test SRV"
	"@$A +noall +answer dname.dig.test DNAME"
	"@$A +noall +answer spaced\\032name.dig.test"
	"@$A +noall +answer dot\\.name.dig.test"
	"@$A +noall +answer UPPER.dig.test"
	"@$A +noall +answer +question this-is-a-rather-long-label-for-column-tests.and-another-one.dig.test"
	"@$A -x 192.0.2.1"
	"@$A -x 2001:db8::1 +noall +question +comments"
	"@$A +short alias.dig.test"
	"@$A +short many.dig.test"
	"@$A +short txt.dig.test TXT"
	"@$A +short +dnssec dig.test DNSKEY"
	"@$A +short nope.dig.test"
	"@$A -t mx -c in dig.test"
	"@$A dig.test mx in +noall +answer"
	"@$A -q www.dig.test -t AAAA +noall +answer"
	"@$A +noall +ans +auth +addit sub.dig.test"
	"@localhost www.dig.test"
)
for c in "${cases[@]}"; do
	eval "set -- $c"
	d=$(lib_in_etc dig -p $P +time=2 "$@" 2>&1 | mask)
	r=$(lib_in_etc "$ROOST" query -p $P +time=2 "$@" 2>&1 | mask)
	if [ "$d" == "$r" ]; then
		pass "same as dig: $c"
	else
		fail "differs from dig: $c" "$(diff <(echo "$d") <(echo "$r") |
		    head -12)"
	fi
done
check_ge "at least 30 cases compared" "$LIB_PASSED" 30

# the masks hide only what must differ: the outputs are not empty and
# hold what was asked
out=$("$ROOST" query -p $P "@$A" www.dig.test +nsid)
check_match "the reply is there: the answer" \
    $'^www\\.dig\\.test\\.\t\t300\tIN\tA\t192\\.0\\.2\\.80$' "$out"
check_match "the reply is there: NSID in hex and text" \
    '^; NSID: 6d 6f 63 6b 2d 61 75 74 68 2d 31 \("mock-auth-1"\)$' "$out"
check_match "the reply is there: a good cookie" \
    '^; COOKIE: [0-9a-f]{48} \(good\)$' "$out"
check_match "the banner names roost" '^; <<>> roost [0-9.]+ <<>> ' "$out"
check_match "WHEN is now" "^;; WHEN: .* $(date +%Y)\$" "$out"
out=$("$ROOST" query -p $P "@$A" www.dig.test +nsid --json)
check_eq "json: the options, NSID's text and the cookie judged" \
    "nsid:mock-auth-1 cookie:good" \
    "$(jq -r '[.edns.options[] | "\(.name):\(.text // .status)"] | join(" ")' <<<"$out")"

finish
