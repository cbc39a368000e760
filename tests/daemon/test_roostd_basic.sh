#!/bin/bash
# tests/daemon/test_roostd_basic.sh - roostd answers real clients over UDP
# and TCP, IPv4 and IPv6, with the client's id and spelling; EDNS, TC for
# big answers, upstream TC retried over TCP; malformed queries get the
# rcode the RFCs ask for (or nothing) and roostd goes on serving; the
# allow list holds both ways.
#
# Runs in a private network namespace (lib_init); roostd and its mock
# upstream only on 127.0.0.x and ::1.  Each check would fail if the
# feature it names were broken.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONES=$top_srcdir/tests/mock/zones
UP=127.0.0.2#5300	# the mock upstream
P=5353
R4=127.0.0.1#$P		# roostd, also on [::1]
R6="[::1]:$P"
ACL=127.0.0.1#5354	# roostd with --allow 127.0.0.1/32

DIG="dig +tries=1 +time=2 -p $P"
KDIG="kdig +retry=0 +timeout=2 -p $P"
DRILL="drill -p $P"
probe() { "$DNSPROBE" "$@"; }

cat >"$T/up.rules" <<'EOF'
# over UDP: TC=1 and the question only, so the forwarder must ask over TCP
tc.example.test		*	tc
# FORMERR cut before its OPT (header 12 + question 26 = 38 octets): what
# makes c-ares drop EDNS for the whole channel
formerr.example.test	*	rcode=formerr truncate=38
EOF
# huge.test: answers of about 850 octets (over 512, within 1232), 2 KB (more than our 1232-byte EDNS size
# upstream: TC there, then TCP) and about 40 KB (TCP only, many reads)
{
	echo '$ORIGIN huge.test.'
	echo '$TTL 300'
	echo '@ IN SOA ns.huge.test. hostmaster.huge.test. 1 7200 900 1209600 60'
	echo '@ IN NS ns'
	echo 'ns IN A 192.0.2.53'
	txt=$(printf '%0200d' 0)
	for i in $(seq 4); do echo "one-k IN TXT \"$i-$txt\""; done
	for i in $(seq 10); do echo "two-k IN TXT \"$i-$txt\""; done
	for i in $(seq 200); do echo "forty-k IN TXT \"$i-$txt\""; done
} >"$T/huge.test.zone"
mock_start up "$UP" --zone "$ZONES/example.test.zone" \
    --zone "$T/huge.test.zone" --rules "$T/up.rules" || exit 99
roostd_start r "$R4" --listen "::1#$P" --upstream "$UP" || exit 99

# --- UDP and TCP, IPv4 and IPv6; id and spelling ------------------------------

for srv in "$R4" "$R6"; do
	for tcp in "" -T; do
		what="$srv udp"
		[ -n "$tcp" ] && what="$srv tcp"
		out=$(probe $tcp -i 4242 "$srv" query WwW.ExAmPlE.tEsT A)
		check_match "$what: NOERROR with the client's id" \
		    '^reply id=4242 rcode=NOERROR .*check=ok' "$out"
		check_match "$what: the question in the client's spelling" \
		    ' qd=WwW\.ExAmPlE\.tEsT\./A/IN ' "$out"
		check_match "$what: the A record" \
		    '^an (www\.example\.test|WwW\.ExAmPlE\.tEsT)\. [0-9]+ IN A 192\.0\.2\.1$' \
		    "$out"
		check_match "$what: RA set, AA clear" 'flags=qr,rd,ra ' "$out"
	done
done
out=$(probe -i 7 "$R6" query www.example.test AAAA)
check_match "[::1] udp: the AAAA record" \
    '^an www\.example\.test\. [0-9]+ IN AAAA 2001:db8::1$' "$out"
out=$(probe "$R4" query nope.example.test A)
check_match "NXDOMAIN passed on, with the SOA" \
    'rcode=NXDOMAIN .* an=0 ns=1 ' "$out"
out=$(probe -i 65535 "$R4" query only-a.example.test A)
check_match "id 65535 comes back" '^reply id=65535 rcode=NOERROR' "$out"
out=$(probe -i 0 "$R4" query only-a.example.test A)
check_match "id 0 comes back" '^reply id=0 rcode=NOERROR' "$out"

# --- dig, kdig and drill --------------------------------------------------------

for fam in 4 6; do
	if [ $fam = 4 ]; then srv=127.0.0.1; else srv=::1; fi
	for t in udp tcp; do
		opt=""
		[ $t = tcp ] && opt=+tcp
		out=$($DIG -$fam @$srv $opt MixedCase.Example.Test A)
		check_match "dig -$fam $t: NOERROR" 'status: NOERROR' "$out"
		check_match "dig -$fam $t: the A record, client's spelling" \
		    '^MixedCase\.Example\.Test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.7$' \
		    "$out"
		out=$($KDIG -$fam @$srv $opt www.example.test AAAA)
		check_match "kdig -$fam $t: NOERROR" 'status: NOERROR' "$out"
		check_match "kdig -$fam $t: the AAAA record" \
		    'IN[[:space:]]+AAAA[[:space:]]+2001:db8::1$' "$out"
		opt=""
		[ $t = tcp ] && opt=-t
		out=$($DRILL -$fam $opt www.example.test @$srv A)
		check_match "drill -$fam $t: NOERROR" 'rcode: NOERROR' "$out"
		check_match "drill -$fam $t: the A record" \
		    '^www\.example\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' \
		    "$out"
	done
done
out=$($DIG -4 @127.0.0.1 alias.example.test A)
check_match "dig: a CNAME chain passed on whole" \
    'ANSWER: 3, AUTHORITY: 0' "$out"

# --- EDNS -------------------------------------------------------------------------

out=$(probe "$R4" query www.example.test A)
check_eq "no OPT in the query: none in the answer" - \
    "$(reply_field edns <<<"$out")"
out=$(probe -e 4096 "$R4" query www.example.test A)
check_eq "OPT in the query: roostd's own OPT in the answer" 1232 \
    "$(reply_field edns <<<"$out")"
out=$(probe -T -e 1232 "$R4" query www.example.test A)
check_eq "OPT over TCP too" 1232 "$(reply_field edns <<<"$out")"
out=$($DIG -4 @127.0.0.1 +dnssec www.example.test A)
check_match "dig +dnssec: OPT with DO echoed" \
    'EDNS: version: 0, flags: do; udp: 1232' "$out"
out=$($DIG -4 @127.0.0.1 +noedns www.example.test A)
check_nomatch "dig +noedns: no OPT pseudosection" 'OPT PSEUDOSECTION' "$out"
out=$($DIG -4 @127.0.0.1 +edns=1 +noednsnegotiation www.example.test A)
check_match "EDNS version 1: BADVERS" 'status: BADVERS' "$out"
check_match "EDNS version 1: answered with version 0" \
    'EDNS: version: 0' "$out"
check_match "EDNS version 1: no answer records" 'ANSWER: 0,' "$out"
out=$($KDIG -4 @127.0.0.1 +edns=1 www.example.test A)
check_match "kdig EDNS version 1: BADVERS" 'status: BADVERS' "$out"
# what ISC's EDNS compliance tester looks at (genreport's zflag, optlist,
# opcode/opcodeflg): unknown EDNS flags and options change nothing and
# come back cleared and unechoed; an unknown opcode is NOTIMP, RD as
# asked, and no RA or CD (defined for QUERY only; genreport's "ra" and
# "cd" tags)
out=$($DIG -4 @127.0.0.1 +ednsflags=0x4000 www.example.test A)
check_match "unknown EDNS flag: answered" 'status: NOERROR' "$out"
check_match "unknown EDNS flag: cleared in the answer" \
    'EDNS: version: 0, flags:; udp: 1232' "$out"
out=$($DIG -4 @127.0.0.1 +ednsopt=65001:abcd +ednsopt=100 www.example.test A)
check_match "unknown EDNS options: answered" 'status: NOERROR' "$out"
plain=$($DIG -4 @127.0.0.1 www.example.test A)
check_eq "unknown EDNS options: not echoed (the same size as without)" \
    "$(sed -n 's/.*MSG SIZE  rcvd: //p' <<<"$plain")" \
    "$(sed -n 's/.*MSG SIZE  rcvd: //p' <<<"$out")"
out=$($DIG -4 @127.0.0.1 +opcode=15 +cd +header-only www.example.test A)
check_match "unknown opcode: NOTIMP" 'status: NOTIMP' "$out"
check_match "unknown opcode: RD echoed, no RA or CD" 'flags: qr rd;' "$out"
out=$($DIG -4 @127.0.0.1 +opcode=15 +norec +header-only www.example.test A)
check_match "unknown opcode, RD clear: echoed clear" 'flags: qr;' "$out"

# --- big answers: TC to a small UDP client, whole over TCP ------------------------

out=$(probe "$R4" query big.example.test TXT)
check_match "big TXT, UDP without EDNS: TC=1" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .* an=0 ns=0 ' "$out"
check_match "big TXT, UDP without EDNS: the question kept" \
    ' qd=big\.example\.test\./TXT/IN ' "$out"
check_le512() { [ "$(reply_field size <<<"$1")" -le 512 ]; }
check "big TXT, UDP without EDNS: within 512 bytes" check_le512 "$out"
out=$(probe -T "$R4" query big.example.test TXT)
check_match "big TXT over TCP: whole, no TC" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=1 ' "$out"
check_match "big TXT over TCP: the record" '^an big\.example\.test\..* TXT "aaaa.*"dddd' "$out"
out=$(probe -e 1232 "$R4" query big.example.test TXT)
check_match "big TXT, UDP with EDNS 1232: fits, whole" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=1 ' "$out"
out=$($DIG -4 @127.0.0.1 +noedns +ignore big.example.test TXT)
check_match "dig +noedns +ignore: tc flag" 'flags: qr tc rd ra' "$out"
out=$($DIG -4 @127.0.0.1 +noedns +tcp big.example.test TXT)
check_match "dig +noedns +tcp: the whole TXT" \
    'big\.example\.test\..*TXT.*"dddd' "$out"

out=$(probe -e 600 "$R4" query big.example.test TXT)
check_match "big TXT, UDP with EDNS 600: TC=1" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .* an=0 .* edns=1232 ' \
    "$out"
out=$(probe -e 100 "$R4" query big.example.test TXT)
check_match "big TXT, EDNS size 100 counts as 512: TC=1" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .* an=0 ' "$out"

# answers bigger than what we ask upstream for over UDP
mock_reset up
out=$(probe -e 4096 "$R4" query two-k.huge.test TXT)
check_match "2 KB answer, UDP client with EDNS 4096: whole" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=10 .*check=ok' \
    "$out"
check_eq "2 KB answer: upstream asked over UDP (TC there)" 1 \
    "$(mock_count up two-k.huge.test. TXT udp)"
check_eq "2 KB answer: then over TCP" 1 \
    "$(mock_count up two-k.huge.test. TXT tcp)"
out=$(probe -e 1232 "$R4" query two-k.huge.test TXT)
check_match "2 KB answer, UDP client with EDNS 1232: TC=1" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .* an=0 ' "$out"
out=$(probe -T -t 3000 "$R4" query two-k.huge.test TXT)
check_match "2 KB answer over TCP: whole" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=10 .*check=ok' \
    "$out"
out=$(probe -T -q -t 3000 "$R4" query forty-k.huge.test TXT)
check_match "40 KB answer over TCP: whole" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=200 .*check=ok' \
    "$out"
out=$(probe -q -e 4096 -t 3000 "$R4" query forty-k.huge.test TXT)
check_match "40 KB answer, UDP client with EDNS 4096: TC=1" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .* an=0 ' "$out"
out=$($DIG -4 @127.0.0.1 forty-k.huge.test TXT)
check_match "dig: 40 KB answer, TC then TCP by itself" 'ANSWER: 200,' "$out"

# --- upstream TC: retried over TCP --------------------------------------------------

mock_reset up
out=$(probe "$R4" query tc.example.test A)
check_match "upstream TC: the client gets the whole answer" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .*' "$out"
check_match "upstream TC: the A record" \
    '^an tc\.example\.test\. [0-9]+ IN A 192\.0\.2\.12$' "$out"
check_eq "upstream TC: the mock saw one UDP query" 1 \
    "$(mock_count up tc.example.test. A udp)"
check_eq "upstream TC: and one TCP query" 1 \
    "$(mock_count up tc.example.test. A tcp)"

# --- an upstream FORMERR without OPT must not cost later queries EDNS ----------

out=$(probe -e 1232 "$R4" query formerr.example.test A)
check_match "upstream FORMERR: SERVFAIL to the client" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
mock_reset up
# a name asked nowhere before (a cache must not answer it): ~850 octets,
# whole over UDP only if the upstream query still has EDNS
out=$(probe -e 1232 "$R4" query one-k.huge.test TXT)
check_match "after an upstream FORMERR: an 850-octet answer, whole over UDP" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .* an=4 ' "$out"
check_eq "after an upstream FORMERR: upstream asked over UDP" 1 \
    "$(mock_count up one-k.huge.test. TXT udp)"
check_eq "after an upstream FORMERR: still with EDNS (no TC, no TCP retry)" \
    0 "$(mock_count up one-k.huge.test. TXT tcp)"
# (proof that the FORMERR did trip c-ares, so the check above means something)
check_match "upstream FORMERR: roostd saw c-ares drop EDNS and renewed" \
    'dropped EDNS after a FORMERR; renewing the channel' "$(cat "$T/r.log")"

# --- malformed queries ---------------------------------------------------------------

# raw_reply HEX: "id=ID qr=QR rcode=N" of roostd's UDP reply to these bytes,
# or "none" when nothing came back within 400 ms.
raw_reply() {
	local out hex
	out=$(probe -t 400 "$R4" raw "$1" 2>&1)
	hex=$(reply_field hex <<<"$out")
	if [ -z "$hex" ]; then
		echo none
		return
	fi
	echo "id=${hex:0:4} qr=$(((16#${hex:4:2} >> 7) & 1))" \
	    "rcode=$((16#${hex:7:1}))"
}

HDR=beef01000001000000000000		# id beef, RD, one question
NAME=03777777076578616d706c650474657374	# www.example.test, no root yet
Q=${NAME}0000010001			# www.example.test A IN
# name: hex  expected ("none": no answer; FORMERR 1, NOTIMP 4, REFUSED 5)
while read -r name hex want; do
	[ -z "$name" ] && continue
	check_eq "malformed: $name" "$want" "$(raw_reply "$hex")"
done <<EOF
short-header		beef01000001		none
header-only-11-bytes	beef010000010000000000	none
qr-set			beef81000001000000000000$Q	none
qdcount-0		beef01000000000000000000	id=beef qr=1 rcode=1
qdcount-2		beef01000002000000000000$Q$Q	id=beef qr=1 rcode=1
pointer-loop		${HDR}c00c00010001	id=beef qr=1 rcode=1
pointer-forward		${HDR}c01200010001	id=beef qr=1 rcode=1
label-type-0x40		${HDR}4001610000010001	id=beef qr=1 rcode=1
opcode-2-status		beef11000001000000000000$Q	id=beef qr=1 rcode=4
opcode-5-update		beef29000001000000000000$Q	id=beef qr=1 rcode=4
truncated-name		${HDR}03777777	id=beef qr=1 rcode=1
truncated-type		${HDR}${NAME}0000	id=beef qr=1 rcode=1
trailing-garbage	${HDR}${Q}deadbeef	id=beef qr=1 rcode=1
ancount-1		beef01000001000100000000$Q	id=beef qr=1 rcode=1
axfr			${HDR}${NAME}0000fc0001	id=beef qr=1 rcode=5
ixfr			${HDR}${NAME}0000fb0001	id=beef qr=1 rcode=5
class-ch		${HDR}${NAME}0000010003	id=beef qr=1 rcode=5
qtype-0			${HDR}${NAME}0000000001	id=beef qr=1 rcode=1
EOF
out=$(probe -T -t 1000 "$R4" raw 0000)
check_match "TCP length prefix 0: connection closed" '^closed ' "$out"
check "roostd still running after the malformed queries" \
    kill -0 "${ROOSTD_PID[r]}"
out=$(probe "$R4" query www.example.test A)
check_match "UDP still served after the malformed queries" \
    'rcode=NOERROR .*check=ok' "$out"
out=$(probe -T "$R4" query www.example.test A)
check_match "TCP still served after the malformed queries" \
    'rcode=NOERROR .*check=ok' "$out"

# --- access control -------------------------------------------------------------------

out=$(dig +tries=1 +time=2 -p $P -b 127.0.0.9 @127.0.0.1 www.example.test A)
check_match "default allow: 127.0.0.9 is loopback, answered" \
    'status: NOERROR' "$out"

roostd_start acl "$ACL" --upstream "$UP" --allow 127.0.0.1/32 || exit 99
mock_reset up
out=$(dig +tries=1 +time=2 -p 5354 -b 127.0.0.9 @127.0.0.1 count.example.test A)
check_match "allow 127.0.0.1/32: a query from 127.0.0.9 is REFUSED" \
    'status: REFUSED' "$out"
check_eq "allow 127.0.0.1/32: the refused query never reached upstream" 0 \
    "$(mock_count up count.example.test. A udp)"
out=$(dig +tries=1 +time=2 -p 5354 -b 127.0.0.9 +tcp @127.0.0.1 count.example.test A)
check_match "allow 127.0.0.1/32: REFUSED over TCP too" 'status: REFUSED' "$out"
out=$(dig +tries=1 +time=2 -p 5354 -b 127.0.0.1 @127.0.0.1 count.example.test A)
check_match "allow 127.0.0.1/32: a query from 127.0.0.1 is answered" \
    'status: NOERROR' "$out"
check_match "allow 127.0.0.1/32: with the record" \
    'IN[[:space:]]+A[[:space:]]+192\.0\.2\.14$' "$out"
check_eq "allow 127.0.0.1/32: the allowed query reached upstream" 1 \
    "$(mock_count up count.example.test. A udp)"

finish
