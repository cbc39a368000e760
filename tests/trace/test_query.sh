#!/bin/bash
# tests/trace/test_query.sh - roost query asks one server like dig: over
# UDP and TCP, IPv4 and IPv6, +short, --json, +norec, +dnssec, TC then
# TCP, NXDOMAIN/SERVFAIL/timeouts and their exit statuses, the options
# dig users type.  (test_query_dig.sh compares the text with dig's.)
#
# Runs in a private network namespace (lib_init); the server is a mockdns
# (recursive mode) on 127.0.0.2 and ::1, port $P; always named with @.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ROOST=$top_builddir/src/roost
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 99; }
P=5320
S=127.0.0.2#$P
mock_start up "$S" --listen "[::1]:$P" \
    --zone "$top_srcdir/tests/trace/zones/example.test.zone" \
    --rule 'fail.example.test * rcode=servfail' \
    --rule 'gone.example.test * drop' \
    --rule 'filtered.example.test * ede=17' || exit 99

q() {
	OUT=$("$ROOST" query "$@" 2>"$T/q.err")
	RC=$?
}

mock_reset up
q www.example.test "@$S"
check_eq "udp: exit 0" 0 "$RC"
check_match "udp: header" '^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: [0-9]+$' "$OUT"
check_match "udp: flags, the OPT counted" '^;; flags: qr rd ra; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1$' "$OUT"
check_match "udp: OPT pseudosection" '^; EDNS: version: 0, flags:; udp: 1232$' "$OUT"
check_match "udp: answer record" $'^www\.example\.test\.\t300\tIN\tA\t192\.0\.2\.1$' "$OUT"
check_match "udp: server and transport" '^;; SERVER: 127\.0\.0\.2#5320\(127\.0\.0\.2\) \(UDP\)$' "$OUT"
check_match "udp: time" '^;; Query time: [0-9]+ msec$' "$OUT"
check_match "udp: size" '^;; MSG SIZE  rcvd: [0-9]+$' "$OUT"
check_eq "udp: one UDP query reached the server" 1 "$(mock_count up www.example.test. A udp)"
check_eq "udp: none over TCP" 0 "$(mock_count up www.example.test. A tcp)"

q www.example.test A "@$S" +tcp
check_eq "tcp: exit 0" 0 "$RC"
check_match "tcp: said" '^;; SERVER: 127\.0\.0\.2#5320\(127\.0\.0\.2\) \(TCP\)$' "$OUT"
check_eq "tcp: one TCP query reached the server" 1 "$(mock_count up www.example.test. A tcp)"

q www.example.test AAAA @::1#$P +short
check_eq "ipv6 #port, +short" "2001:db8::1" "$OUT"
q www.example.test AAAA "@[::1]:$P" +short +tcp
check_eq "ipv6 [addr]:port over TCP" "2001:db8::1" "$OUT"
q -p "$P" www.example.test AAAA @::1 +short
check_eq "-p PORT" "2001:db8::1" "$OUT"
check_eq "+short matches dig +short" \
    "$(dig +short +tries=1 +time=2 -p "$P" @127.0.0.2 www.example.test A)" \
    "$("$ROOST" query www.example.test A "@$S" +short)"

q www.example.test "@$S" --json
check_eq "json: rcode, transport, data" "NOERROR udp 192.0.2.1,192.0.2.2" \
    "$(jq -r '"\(.rcode) \(.transport) \([.answer[].data] | join(","))"' <<<"$OUT")"
check_eq "json: question" "www.example.test. A" \
    "$(jq -r '.question[0] | "\(.name) \(.type)"' <<<"$OUT")"
check_eq "json: flags with rd" "qr rd ra" "$(jq -r '.flags | join(" ")' <<<"$OUT")"
check_eq "json: edns without DO" "1232 false" \
    "$(jq -r '.edns | "\(.udp_size) \(.do)"' <<<"$OUT")"
q www.example.test "@$S" --json +norec
check_eq "+norec: RD=0 (the server echoes it)" "qr ra" "$(jq -r '.flags | join(" ")' <<<"$OUT")"
q www.example.test "@$S" --json +dnssec
check_eq "+dnssec: DO set (the server echoes it)" true "$(jq -r '.edns.do' <<<"$OUT")"
check_eq "json: no extended errors" 0 "$(jq -r '.edns.ede | length' <<<"$OUT")"

# an extended DNS error (RFC 8914): shown, its code, name and text
q filtered.example.test "@$S"
check_match "ede: shown" '^; EDE: 17 \(Filtered\): .*\(mockdns rule\)$' "$OUT"
q filtered.example.test "@$S" --json
check_eq "ede json: code, purpose, text" "17|Filtered|mockdns rule" \
    "$(jq -r '.edns.ede[] | "\(.code)|\(.purpose)|\(.text)"' <<<"$OUT")"

mock_reset up
q big.example.test TXT "@$S"
check_eq "tc: exit 0" 0 "$RC"
check_match "tc: retried over TCP" '^;; Truncated, retrying in TCP mode\.$' "$OUT"
check_match "tc: TCP said" '^;; SERVER: 127\.0\.0\.2#5320\(127\.0\.0\.2\) \(TCP\)$' "$OUT"
check_eq "tc: one UDP, one TCP query" "1 1" \
    "$(mock_count up big.example.test. TXT udp) $(mock_count up big.example.test. TXT tcp)"
q big.example.test TXT "@$S" --json
check_eq "tc json" "tcp true 2" \
    "$(jq -r '"\(.transport) \(.truncated_udp) \(.answer | length)"' <<<"$OUT")"

q nope.example.test "@$S"
check_eq "nxdomain: exit 1" 1 "$RC"
check_match "nxdomain: rcode" 'status: NXDOMAIN' "$OUT"
check_match "nxdomain: SOA in authority" $'^example\.test\.\t\t60\tIN\tSOA\t' "$OUT"
q only-a.example.test AAAA "@$S"
check_eq "nodata: exit 1" 1 "$RC"
q fail.example.test "@$S"
check_eq "servfail: exit 2" 2 "$RC"
check_match "servfail: shown" 'status: SERVFAIL' "$OUT"
mock_reset up
t0=$(date +%s%N)
q gone.example.test "@$S" --timeout 0.2
t1=$(date +%s%N)
check_eq "timeout: exit 2" 2 "$RC"
check_match "timeout: said" '^roost query: 127\.0\.0\.2#5320: timeout$' "$(cat "$T/q.err")"
check_eq "timeout: three tries, as dig" 3 "$(mock_count up gone.example.test. A udp)"
check_lt "timeout: three tries of 0.2 s" $(((t1 - t0) / 1000000)) 1500
mock_reset up
q gone.example.test "@$S" +time=0.2 +tries=2
check_eq "+time= +tries=: two tries" 2 "$(mock_count up gone.example.test. A udp)"
mock_reset up
q gone.example.test "@$S" +ti=0.2 +ret=0
check_eq "+retry=0 (abbreviated): one try" 1 "$(mock_count up gone.example.test. A udp)"
q www.example.test @127.0.0.9#$P --timeout 0.2
check_eq "nobody listening: exit 2" 2 "$RC"

# a server by name: its addresses in getaddrinfo()'s order, in turn
lib_etc '127.0.0.3 two.test
127.0.0.2 two.test' || exit 99
check_eq "two.test: getaddrinfo() gives the dead address first" \
    "127.0.0.3 127.0.0.2" \
    "$(lib_in_etc getent ahosts two.test | awk '!s[$1]++ { print $1 }' | paste -sd' ')"
mock_reset up
OUT=$(lib_in_etc "$ROOST" query -p "$P" www.example.test @two.test 2>"$T/q.err")
RC=$?
check_eq "by name: exit 0" 0 "$RC"
check_match "by name: both found" '^; \(2 servers found\)$' "$OUT"
check_match "by name: the first refused" \
    '^roost query: 127\.0\.0\.3#5320: ' "$(cat "$T/q.err")"
check_match "by name: the second answered, named as typed" \
    '^;; SERVER: 127\.0\.0\.2#5320\(two\.test\) \(UDP\)$' "$OUT"
check_eq "by name: one query reached the server" 1 \
    "$(mock_count up www.example.test. A udp)"
OUT=$(lib_in_etc "$ROOST" query -p "$P" -6 www.example.test @two.test 2>"$T/q.err")
check_eq "-6 and a name with only IPv4: exit 2" 2 "$?"
check_match "-6: said" 'two\.test: ' "$(cat "$T/q.err")"

# dig's ways to say what to ask
mock_reset up
q -t AAAA -q www.example.test "@$S" +short
check_eq "-t TYPE -q NAME" "2001:db8::1" "$OUT"
q "@$S" -x 192.0.2.1
check_match "-x: the reverse name, PTR" \
    $'^;1\\.2\\.0\\.192\\.in-addr\\.arpa\\.\t+IN\tPTR$' "$OUT"
check_eq "-x: asked of the server" 1 \
    "$(mock_count up 1.2.0.192.in-addr.arpa. PTR udp)"
q "@$S" www.example.test -c CH +noall +question
check_eq "-c CH: asked in class CHAOS" $';www.example.test.\t\tCH\tA' "$OUT"
q "@$S" www.example.test mx +noall +question
check_eq "a type operand in any case; +noall +question" \
    $';www.example.test.\t\tIN\tMX' "$OUT"
q "@$S" www.example.test +noall +answer +nocookie --json
check_eq "--json with display options: still all of it" "NOERROR 2" \
    "$(jq -r '"\(.rcode) \(.answer | length)"' <<<"$OUT")"
q "@$S" www.example.test --json
check_eq "json: the server's address kind" "loopback" \
    "$(jq -r '.server_kind' <<<"$OUT")"
check_eq "json: each address's kind" "documentation documentation" \
    "$(jq -r '[.answer[].kind] | join(" ")' <<<"$OUT")"
check_eq "json: a cookie option sent, none back (no --cookies)" "bad" \
    "$(jq -r '[.edns.options[] | select(.name == "cookie") | .status][0] // "bad"' <<<"$OUT")"

q
check_eq "no name: usage (3)" 3 "$RC"
q www.example.test @
check_eq "@ without a server: usage (3)" 3 "$RC"
q www.example.test -t
check_eq "-t without a type: usage (3)" 3 "$RC"
q www.example.test -t NOSUCHTYPE
check_eq "-t with no type: usage (3)" 3 "$RC"
check_match "-t NOSUCHTYPE: said" 'unknown type "NOSUCHTYPE"' "$(cat "$T/q.err")"
q www.example.test other.example.test "@$S"
check_eq "two names: usage (3)" 3 "$RC"
q www.example.test "@$S" +t
check_eq "ambiguous +t: usage (3)" 3 "$RC"
check_match "ambiguous +t: said" 'ambiguous query option "\+t"' "$(cat "$T/q.err")"
q www.example.test "@$S" +bogus
check_eq "unknown +option: usage (3)" 3 "$RC"
q --help
check_eq "--help: exit 0" 0 "$RC"
for o in '\+\[no\]tcp' '\+\[no\]short' '\+\[no\]recurse' '\+\[no\]dnssec' \
    '\+\[no\]nsid' '\+subnet=' '\+\[no\]all' --json --port --timeout --tries \
    @SERVER -x 'Exit status'; do
	check_match "query --help explains $o" "$o" "$OUT"
done

finish
