#!/bin/bash
# tests/mock/test_mockdns.sh - mockdns answers real clients correctly, and
# every misbehaviour switch does what it says.
#
# Runs in a private network namespace (lib_init); servers only on
# 127.0.0.x and ::1, port 5300; data from tests/mock/zones.  Each check
# would fail if the feature it names were broken.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONES=$top_srcdir/tests/mock/zones
P=5300
UP=127.0.0.2#$P		# recursive-mode upstream, also on [::1]
MIS=127.0.0.3#$P	# recursive mode, with a rules file
STAR=127.0.0.4#$P	# rules from flags, with a '*' rule

# dig/kdig/drill with one try and short timeouts, never the system resolver
DIG="dig +tries=1 +time=2 -p $P"
KDIG="kdig +retry=0 +timeout=2 -p $P"
DRILL="drill -p $P"
probe() { "$DNSPROBE" "$@"; }

# the value of key=VALUE in a dnsprobe reply line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }

cp "$ZONES/example.test.zone" "$T/mis.zone"
: >"$T/mis.rules"
cat >"$T/mis.rules" <<'EOF'
# rules for the misbehaviour checks: one name (and type) each
slow.example.test	A	delay=400
gone.example.test	*	drop
tc.example.test		*	tc
servfail.example.test	*	rcode=servfail
refused.example.test	*	rcode=REFUSED
notimp.example.test	*	rcode=notimp
formerr.example.test	*	rcode=1
bad.example.test	A	garbage
bad.example.test	AAAA	truncate=20
bad.example.test	TXT	wrong-id
bad.example.test	MX	wrong-question
cut.example.test	*	close
tcpslow.example.test	*	tcp-delay=400
*.sub2.example.test	*	rcode=servfail
www.example.test	AAAA	transport=udp drop
case.example.test	*	wrong-case
oport.example.test	*	other-port
flap.example.test	*	flap=2
claim.example.test	*	tcp-claim=65535
trickle.example.test	*	trickle=20
tcbit.example.test	*	tc-bit
EOF

mock_start up "$UP" --listen "[::1]:$P" --zone "$ZONES/example.test.zone" ||
    exit 99
mock_start mis "$MIS" --zone "$T/mis.zone" --rules "$T/mis.rules" || exit 99
mock_start star "$STAR" --zone "$ZONES/example.test.zone" \
    --rule 'www.example.test A answer' --rule '* * rcode=refused' || exit 99
mock_start root 127.0.0.10#$P --auth --zone "$ZONES/root.zone" || exit 99
mock_start tld 127.0.0.11#$P --auth --zone "$ZONES/test.zone" || exit 99
mock_start leaf 127.0.0.12#$P --auth --zone "$ZONES/example.test.zone" ||
    exit 99

# --- startup ----------------------------------------------------------------

check_eq "pidfile holds the pid once ready" "${MOCK_PID[up]}" \
    "$(cat "$T/up.pid")"
fds_before=$(ls "/proc/${MOCK_PID[up]}/fd" | wc -l)

# --- dig, kdig and drill; UDP and TCP; IPv4 and IPv6 --------------------------

mock_reset up
for fam in 4 6; do
	if [ $fam = 4 ]; then srv=127.0.0.2; else srv=::1; fi
	for tcp in 0 1; do
		t=udp
		[ $tcp = 1 ] && t=tcp
		opt=""
		[ $tcp = 1 ] && opt=+tcp
		out=$($DIG -$fam @$srv $opt www.example.test A)
		check_match "dig -$fam $t: NOERROR" 'status: NOERROR' "$out"
		check_match "dig -$fam $t: the A record" \
		    '^www\.example\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' "$out"
		out=$($KDIG -$fam @$srv $opt www.example.test A)
		check_match "kdig -$fam $t: NOERROR" 'status: NOERROR' "$out"
		check_match "kdig -$fam $t: the A record" \
		    '^www\.example\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' "$out"
		opt=""
		[ $tcp = 1 ] && opt=-t
		out=$($DRILL -$fam $opt www.example.test @$srv A)
		check_match "drill -$fam $t: NOERROR" 'rcode: NOERROR' "$out"
		check_match "drill -$fam $t: the A record" \
		    '^www\.example\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' "$out"
	done
done
# each of the 3 clients asked once per family per transport
check_eq "counts: 6 UDP queries seen" 6 \
    "$(mock_count up www.example.test. A udp)"
check_eq "counts: 6 TCP queries seen" 6 \
    "$(mock_count up www.example.test. A tcp)"

out=$($KDIG -6 @::1 www.example.test AAAA)
check_match "kdig -6: the AAAA record" \
    'IN[[:space:]]+AAAA[[:space:]]+2001:db8::1$' "$out"

# --- answers from the data --------------------------------------------------

out=$(probe "$UP" query nope.example.test A)
check_match "NXDOMAIN" 'rcode=NXDOMAIN .* an=0 ns=1 ' "$out"
check_match "NXDOMAIN: SOA with TTL min(SOA TTL, MINIMUM)" \
    '^ns example\.test\. 60 IN SOA ns1\.example\.test\. hostmaster' "$out"
out=$($DIG @127.0.0.2 nope.example.test A)
check_match "dig: NXDOMAIN" 'status: NXDOMAIN' "$out"

out=$(probe "$UP" query only-a.example.test AAAA)
check_match "NODATA: NOERROR, no answer, SOA" \
    'rcode=NOERROR .* an=0 ns=1 ' "$out"
check_match "NODATA: the SOA" '^ns example\.test\. 60 IN SOA ' "$out"
out=$(probe "$UP" query ent.example.test A)
check_match "empty non-terminal is NODATA, not NXDOMAIN" \
    'rcode=NOERROR .* an=0 ns=1 ' "$out"

out=$(probe "$UP" query alias.example.test A)
check_match "CNAME chain: three records" 'rcode=NOERROR .* an=3 ' "$out"
check_eq "CNAME chain: in order" \
    "alias.example.test. 300 IN CNAME alias2.example.test.
alias2.example.test. 300 IN CNAME www.example.test.
www.example.test. 300 IN A 192.0.2.1" \
    "$(printf '%s\n' "$out" | sed -n 's/^an //p')"
out=$(probe "$UP" query dangling.example.test A)
check_match "CNAME to a missing name: NXDOMAIN with the CNAME" \
    'rcode=NXDOMAIN .* an=1 ns=1 ' "$out"
out=$(probe "$UP" query outside.example.test A)
check_match "CNAME out of our data: the CNAME alone" \
    'rcode=NOERROR .* an=1 ns=0 ' "$out"
out=$(probe "$UP" query www.other.test A)
check_match "name outside every zone: REFUSED" 'rcode=REFUSED' "$out"

out=$(probe "$UP" query WwW.ExAmPlE.tEsT A)
check_match "question echoed in the client's spelling" \
    'qd=WwW\.ExAmPlE\.tEsT\./A/IN .*check=ok' "$out"
check_match "case-insensitive match" 'IN A 192\.0\.2\.1$' "$out"
out=$(probe "$UP" query mixedcase.example.test A)
check_match "mixed-case data found in lower case" 'IN A 192\.0\.2\.7$' "$out"
out=$(probe "$UP" query www.example.test A)
check_match "upstream mode: RA=1, AA=0" 'flags=qr,rd,ra ' "$out"

# --- EDNS ---------------------------------------------------------------------

out=$(probe -e 1400 "$UP" query www.example.test A)
check_eq "EDNS: OPT echoed with our size" 1232 "$(field edns <<<"$out")"
out=$(probe "$UP" query www.example.test A)
check_eq "no EDNS: no OPT" - "$(field edns <<<"$out")"
out=$($DIG @127.0.0.2 +dnssec www.example.test A)
check_match "dig: EDNS with the DO bit echoed" \
    'EDNS: version: 0, flags: do; udp: 1232' "$out"
out=$($DIG @127.0.0.2 +noedns www.example.test A)
check_nomatch "dig +noedns: no OPT" 'OPT PSEUDOSECTION' "$out"
out=$($DIG @127.0.0.2 +edns=1 +noednsneg www.example.test A)
check_match "EDNS version 1: BADVERS" 'status: BADVERS' "$out"

# --- truncation ---------------------------------------------------------------

out=$(probe "$UP" query big.example.test TXT)
check_match "big TXT over UDP, no EDNS: TC=1, question only" \
    'flags=qr,tc,rd,ra .* an=0 ns=0 ar=0 ' "$out"
check_ge "big TXT over UDP, no EDNS: at most 512 bytes" 512 \
    "$(field size <<<"$out")"
out=$(probe -T "$UP" query big.example.test TXT)
check_match "big TXT over TCP: whole" 'flags=qr,rd,ra .* an=1 ' "$out"
check_ge "big TXT over TCP: more than 512 bytes" "$(field size <<<"$out")" 513
out=$(probe -e 4096 "$UP" query big.example.test TXT)
check_match "big TXT, EDNS 4096 over UDP: whole" 'flags=qr,rd,ra .* an=1 ' \
    "$out"
out=$(probe -e 600 "$UP" query big.example.test TXT)
check_match "big TXT, EDNS 600 over UDP: TC=1" 'flags=qr,tc,rd,ra ' "$out"
out=$($DIG @127.0.0.2 +noedns +ignore big.example.test TXT)
check_match "dig +ignore: the tc flag" 'flags: qr tc rd ra;' "$out"
out=$($DIG @127.0.0.2 +noedns big.example.test TXT)
check_match "dig: retried over TCP after TC" 'SERVER: 127\.0\.0\.2#5300.*\(TCP\)' \
    "$out"
check_match "dig: the whole TXT after TC" 'IN[[:space:]]+TXT[[:space:]]+"aaaa' \
    "$out"

# --- TCP: pipelining and partial reads ------------------------------------------

out=$(probe -T -q "$UP" pipeline 20 deep.ent.example.test \
    deep.ent.example.test/AAAA)
check_match "20 pipelined queries on one connection: all answered" \
    '^pipeline sent=20 answered=20 ' "$out"
check_eq "pipelined: every reply matched its query" 20 \
    "$(grep -c 'check=ok' <<<"$out")"
check_eq "pipelined: all on one connection" 1 \
    "$(grep 'query tcp .* deep\.ent\.example\.test\.' "$T/up.log" |
	awk '{ print $4 }' | sort -u | wc -l)"
check_eq "pipelined: counted" 10 \
    "$(mock_count up deep.ent.example.test. AAAA tcp)"
out=$(probe -T -w 3 "$UP" query www.example.test A)
check_match "TCP query written a byte at a time: answered" \
    'rcode=NOERROR .*check=ok' "$out"
out=$(probe -T -e 1232 "$UP" pipeline 3 big.example.test/TXT)
check_match "pipelined large replies: all answered" \
    '^pipeline sent=3 answered=3 ' "$out"

# --- queries that are not right ------------------------------------------------

# header, then a question cut short: FORMERR, header only, our id
out=$(probe "$UP" raw 123401000001000000000000037777)
check_eq "cut-short query: FORMERR, header only" \
    "recv size=12 hex=123481010000000000000000" "$out"
# www.example.test A with opcode 4 (NOTIFY): NOTIMP
QWWW=03777777076578616d706c6504746573740000010001
out=$(probe "$UP" raw "123420000001000000000000$QWWW")
check_eq "opcode NOTIFY: NOTIMP" \
    "recv size=12 hex=1234a0040000000000000000" "$out"
out=$(probe -T -t 500 "$UP" raw "0022123401000001000000000000$QWWW")
check_match "raw framed query over TCP: a framed reply" \
    '^recv size=52 hex=00321234818000010001' "$out"
check_match "raw framed query over TCP: connection left open" '^open ' "$out"
acc=$(grep -c ': accepted$' "$T/up.log")
probe -T -t 1500 "$UP" stall 512 >"$T/stall.out" &
stall_pid=$!
more_accepted() { [ "$(grep -c ': accepted$' "$T/up.log")" -gt "$acc" ]; }
wait_until 5 more_accepted
out=$(probe -T -q -t 1000 "$UP" query www.example.test A)
check_match "a stalled TCP client does not hold up others" \
    'rcode=NOERROR .*check=ok' "$out"
wait $stall_pid
check_match "stalled TCP client: kept open (the idle limit is 30 s)" \
    '^open ' "$(cat "$T/stall.out")"

# --- counts ---------------------------------------------------------------------

mock_reset up
check_eq "reset: no counters left" "" "$(mock_counts up)"
for i in 1 2 3; do probe "$UP" query count.example.test A >/dev/null; done
probe -T "$UP" query count.example.test A >/dev/null
probe "$UP" query Count.Example.Test AAAA >/dev/null
check_eq "counts: 3 UDP + 1 TCP for one name and type, exactly" \
    "count.example.test. A udp 3
count.example.test. A tcp 1
count.example.test. AAAA udp 1" "$(mock_counts up)"
rm -f "$T/up.counts"
mock_signal up USR1
check_eq "SIGUSR1 writes the counts file" \
    "count.example.test. A udp 3
count.example.test. A tcp 1
count.example.test. AAAA udp 1" "$(cat "$T/up.counts" 2>&1)"
check_eq "counts file written through a temporary that is gone" "" \
    "$(ls "$T" | grep 'up\.counts\.tmp')"
mock_signal up USR2
check_eq "SIGUSR2 resets the counts" "" "$(mock_counts up)"

# --- misbehaviour ---------------------------------------------------------------

out=$(probe "$MIS" query www.example.test A)
check_match "rules: a name with no rule is answered" \
    'rcode=NOERROR .* an=1 ' "$out"

out=$(probe -q "$MIS" query slow.example.test A)
check_match "delay: answered" 'rcode=NOERROR .* an=1 ' "$out"
check_ge "delay=400: took at least 400 ms" "$(field ms <<<"$out")" 400
# dig's Query time comes from dig's own stamps, which can fall a
# millisecond short of the delay mockdns counts from reading the query
# (399 in 6 of 20 tries on one machine); the probe above holds mockdns
# to the exact 400.  5 ms of slack still tells a delay from none.
out=$($DIG @127.0.0.3 +time=3 slow.example.test A)
check_ge "delay=400: dig measures it (at least 395 ms)" \
    "$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' <<<"$out")" 395
out=$(probe -q "$MIS" query slow.example.test AAAA)
check_lt "delay is per type: AAAA is quick" "$(field ms <<<"$out")" 300
out=$(probe -q "$MIS" pipeline 2 slow.example.test www.example.test)
check_match "delay over UDP: the later query is answered first" \
    '^reply id=2 ' "$(head -n 1 <<<"$out")"
check_lt "delay over UDP: others are not held up" \
    "$(head -n 1 <<<"$out" | field ms)" 300
out=$(probe -T -q "$MIS" pipeline 2 slow.example.test www.example.test)
check_match "delay over TCP: replies out of order on one connection" \
    '^reply id=2 ' "$(head -n 1 <<<"$out")"
check_match "delay over TCP: both answered" '^pipeline sent=2 answered=2 ' \
    "$out"

out=$(probe -t 1000 "$MIS" query gone.example.test A)
check_eq "drop over UDP: no answer" 3 $?
check_match "drop over UDP: timeout" '^timeout ' "$out"
out=$(probe -T -t 1000 "$MIS" query gone.example.test A)
check_eq "drop over TCP: no answer" 3 $?
out=$($DIG @127.0.0.3 +time=1 gone.example.test A)
check_match "drop: dig times out" 'timed out' "$out"

out=$(probe "$MIS" query tc.example.test A)
check_match "tc over UDP: TC=1 and the question only" \
    'flags=qr,tc,rd,ra qd=tc\.example\.test\./A/IN an=0 ns=0 ar=0 ' "$out"
out=$(probe -T "$MIS" query tc.example.test A)
check_match "tc over TCP: the full answer" 'flags=qr,rd,ra .* an=1 ' "$out"
out=$($KDIG @127.0.0.3 tc.example.test A 2>&1)
check_match "tc: kdig falls back to TCP and gets the answer" \
    'IN[[:space:]]+A[[:space:]]+192\.0\.2\.12$' "$out"

for rc in servfail:SERVFAIL refused:REFUSED notimp:NOTIMPL formerr:FORMERR; do
	out=$(probe "$MIS" query "${rc%%:*}.example.test" A)
	check_match "rcode ${rc%%:*}" "rcode=${rc#*:} .* an=0 ns=0 " "$out"
done
out=$($DIG @127.0.0.3 servfail.example.test A)
check_match "rcode servfail: dig sees SERVFAIL" 'status: SERVFAIL' "$out"

out=$(probe "$MIS" query bad.example.test A)
check_eq "garbage: the reply does not parse" 4 $?
check_match "garbage: our id, then junk" '^malformed .*hex=1234' "$out"
out=$(probe "$MIS" query bad.example.test AAAA)
check_match "truncate=20: 20 bytes that do not parse" '^malformed size=20 ' \
    "$out"
out=$(probe "$MIS" query bad.example.test TXT)
check_match "wrong-id: the id is flipped" 'reply id=60875 .*check=id-mismatch' \
    "$out"
out=$($DIG @127.0.0.3 +time=1 bad.example.test TXT)
check_match "wrong-id: dig notices" 'ID mismatch' "$out"
out=$(probe "$MIS" query bad.example.test MX)
check_match "wrong-question: another name in the question" \
    'qd=wrong-question\.mockdns\./MX/IN .*check=question-mismatch' "$out"
out=$($DIG @127.0.0.3 +time=1 bad.example.test MX)
check_match "wrong-question: dig notices" 'Question section mismatch' "$out"

out=$(probe "$MIS" query CaSe.example.test A)
check_match "wrong-case: the question's case is swapped" \
    'qd=cAsE\.EXAMPLE\.TEST\./A/IN ' "$out"
out=$(probe -t 500 "$MIS" query oport.example.test A)
check_eq "other-port: a connected client never sees the reply" 3 $?
flaps=""
for i in 1 2 3 4 5 6; do
	if probe -q -t 300 "$MIS" query flap.example.test A >/dev/null; then
		flaps+=u
	else
		flaps+=d
	fi
done
check_eq "flap=2: down 2, up 2, down 2" dduudd "$flaps"
out=$(probe -T "$MIS" query tcbit.example.test A)
check_match "tc-bit over TCP: TC=1 on a TCP reply" 'flags=qr,tc' "$out"
out=$(probe -T -t 500 "$MIS" query claim.example.test A)
check_eq "tcp-claim=65535: the client waits for the rest" 3 $?
out=$(probe -T -t 3000 "$MIS" query trickle.example.test A)
check_match "trickle=20 over TCP: the whole reply, in the end" \
    'rcode=NXDOMAIN .*check=ok' "$out"
check_ge "trickle=20 over TCP: slowly" "$(field ms <<<"$out")" 500

out=$(probe -T "$MIS" query cut.example.test A)
check_eq "close over TCP: the client sees a cut reply" 4 $?
got=$(field got <<<"$out")
want=$(field want <<<"$out")
check_ge "close over TCP: part of the reply was sent" "${got:-0}" 1
check_lt "close over TCP: not all of it" "${got:-0}" "${want:-0}"
out=$(probe "$MIS" query cut.example.test A)
check_match "close over UDP: answered normally" 'rcode=NOERROR .* an=1 ' "$out"

out=$(probe -T -q "$MIS" query tcpslow.example.test A)
check_ge "tcp-delay=400 over TCP: at least 400 ms" "$(field ms <<<"$out")" 400
out=$(probe -q "$MIS" query tcpslow.example.test A)
check_lt "tcp-delay over UDP: quick" "$(field ms <<<"$out")" 300

out=$(probe "$MIS" query x.sub2.example.test A)
check_match "*.NAME matches names below" 'rcode=SERVFAIL' "$out"
out=$(probe "$MIS" query sub2.example.test A)
check_match "*.NAME does not match NAME itself" 'rcode=NXDOMAIN' "$out"
probe -t 1000 "$MIS" query www.example.test AAAA >/dev/null
check_eq "transport=udp: dropped over UDP" 3 $?
out=$(probe -T "$MIS" query www.example.test AAAA)
check_match "transport=udp: answered over TCP" 'rcode=NOERROR .* an=1 ' "$out"

out=$(probe "$STAR" query www.example.test A)
check_match "'*' rule: an earlier per-name rule still wins" \
    'rcode=NOERROR .* an=1 ' "$out"
out=$(probe "$STAR" query www.example.test AAAA)
check_match "'*' rule: other types of that name" 'rcode=REFUSED' "$out"
out=$(probe "$STAR" query only-a.example.test A)
check_match "'*' rule: every other name" 'rcode=REFUSED' "$out"

# --- SIGHUP reloads rules and zones ------------------------------------------

out=$(probe "$MIS" query reload.example.test A)
check_match "before reload: answered" 'rcode=NOERROR .* an=1 ' "$out"
cp "$T/mis.rules" "$T/mis.rules.orig"
echo 'reload.example.test * drop' >>"$T/mis.rules"
check "SIGHUP: reload taken" mock_reload mis
probe -t 1000 "$MIS" query reload.example.test A >/dev/null
check_eq "SIGHUP: a new drop rule takes effect (upstream dies)" 3 $?
cp "$T/mis.rules.orig" "$T/mis.rules"
check "SIGHUP: second reload taken" mock_reload mis
out=$(probe "$MIS" query reload.example.test A)
check_match "SIGHUP: the rule removed, answered again (upstream back)" \
    'rcode=NOERROR .* an=1 ' "$out"

echo 'new IN A 192.0.2.99' >>"$T/mis.zone"
check "SIGHUP: reload with a changed zone taken" mock_reload mis
out=$(probe "$MIS" query new.example.test A)
check_match "SIGHUP: zone changes take effect" 'IN A 192\.0\.2\.99$' "$out"

echo 'reload.example.test * explode' >>"$T/mis.rules"
gen=$(mock_generation mis)
mock_signal mis HUP
check_eq "bad rules on reload: rejected" \
    "generation $gen reload-errors 1" "$(mock_status mis)"
check_match "bad rules on reload: FILE:LINE: in the log" \
    "reload failed.*mis\.rules:$(wc -l <"$T/mis.rules"): unknown action \"explode\"" \
    "$(cat "$T/mis.log")"
probe -t 1000 "$MIS" query gone.example.test A >/dev/null
check_eq "bad rules on reload: the old rules stay" 3 $?
cp "$T/mis.rules.orig" "$T/mis.rules"

cp "$T/mis.zone" "$T/mis.zone.good"
echo 'broken IN A 192.0.2' >>"$T/mis.zone"
gen=$(mock_generation mis)
mock_signal mis HUP
check_eq "bad zone on reload: rejected" \
    "generation $gen reload-errors 2" "$(mock_status mis)"
check_match "bad zone on reload: FILE:LINE: in the log" \
    "reload failed.*mis\.zone:$(wc -l <"$T/mis.zone"): " "$(cat "$T/mis.log")"
out=$(probe "$MIS" query new.example.test A)
check_match "bad zone on reload: the old data stays" 'IN A 192\.0\.2\.99$' \
    "$out"
cp "$T/mis.zone.good" "$T/mis.zone"

# --- authoritative mode and a DNS tree ---------------------------------------

out=$(probe 127.0.0.12#$P query www.example.test A)
check_match "auth: AA=1, RA=0" 'flags=qr,aa,rd qd=.* an=1 ' "$out"
out=$(probe 127.0.0.12#$P query nope.example.test A)
check_match "auth: NXDOMAIN with AA and the SOA" \
    'rcode=NXDOMAIN flags=qr,aa,rd .* an=0 ns=1 ' "$out"
out=$($DIG @127.0.0.12 +norec host.sub.example.test A)
check_match "referral: NOERROR" 'status: NOERROR' "$out"
check_match "referral: AA=0, no answer" \
    'flags: qr; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 3' "$out"
check_match "referral: NS in authority" \
    '^sub\.example\.test\.[[:space:]]+60[[:space:]]+IN[[:space:]]+NS[[:space:]]+ns\.sub\.example\.test\.$' \
    "$out"
check_match "referral: A glue" \
    '^ns\.sub\.example\.test\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+198\.51\.100\.53$' \
    "$out"
check_match "referral: AAAA glue" \
    '^ns\.sub\.example\.test\.[[:space:]]+60[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8:53::53$' \
    "$out"
out=$(probe 127.0.0.12#$P query sub.example.test DS)
check_match "auth: DS at a cut answered by the parent" \
    'rcode=NOERROR flags=qr,aa,rd .* an=0 ns=1 ' "$out"

# Walk the tree by hand, from the root, following glue.
srv=127.0.0.10
path=$srv
answer=""
for step in 1 2 3 4; do
	out=$($DIG @$srv +norec www.example.test A)
	if grep -q 'flags: qr aa' <<<"$out"; then
		answer=$(awk '$1 == "www.example.test." && $4 == "A" { print $5 }' \
		    <<<"$out")
		break
	fi
	grep -q 'status: NOERROR' <<<"$out" || break
	srv=$($DIG @$srv +norec +noall +additional www.example.test A |
	    awk '$4 == "A" { print $5; exit }')
	[ -n "$srv" ] || break
	path="$path $srv"
done
check_eq "tree walk: root -> test. -> example.test." \
    "127.0.0.10 127.0.0.11 127.0.0.12" "$path"
check_eq "tree walk: the answer at the leaf" 192.0.2.1 "$answer"
out=$($DIG @127.0.0.10 +norec www.example.test A)
check_match "root referral: NS test. with glue" \
    '^ns\.test\.[[:space:]]+86400[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.11$' \
    "$out"

# --- command line and files ---------------------------------------------------

out=$("$MOCKDNS" --bogus 2>&1)
check_eq "bad flag: exit 2" 2 $?
check_match "bad flag: usage" '^usage: mockdns' "$out"
out=$("$MOCKDNS" 2>&1)
check_eq "no --listen: exit 2" 2 $?
out=$("$MOCKDNS" --help)
check_eq "--help: exit 0" 0 $?
check_match "--help: documents the rules" '^Rules: NAME TYPE ITEM' "$out"
printf '$ORIGIN bad.test.\n$TTL 60\n@ SOA ns host 1 2 3 4 5\nwww A 192.0.2.300\n' \
    >"$T/bad.zone"
out=$("$MOCKDNS" --listen 127.0.0.5#$P --zone "$T/bad.zone" 2>&1)
check_eq "bad zone: exit 3" 3 $?
check_match "bad zone: FILE:LINE: message" "^mockdns: $T/bad\.zone:4: " "$out"
printf '$ORIGIN bad.test.\nwww 60 A 192.0.2.1\n' >"$T/nosoa.zone"
out=$("$MOCKDNS" --listen 127.0.0.5#$P --zone "$T/nosoa.zone" 2>&1)
check_match "zone without SOA: named" 'nosoa\.zone: no SOA record' "$out"
printf '# fine\n* * delay=10\n* A teleport\n' >"$T/bad.rules"
out=$("$MOCKDNS" --listen 127.0.0.5#$P --rules "$T/bad.rules" 2>&1)
check_eq "bad rules file: exit 3" 3 $?
check_match "bad rules file: FILE:LINE: message" \
    'bad\.rules:3: unknown action "teleport"' "$out"
out=$("$MOCKDNS" --listen 127.0.0.5#$P --rule '* * delay=x' 2>&1)
check_match "bad --rule: named" '^mockdns: --rule: bad value "x" for "delay"' \
    "$out"
out=$("$MOCKDNS" --listen "$UP" 2>&1)
check_eq "address in use: exit 4" 4 $?

# --- hygiene and shutdown -------------------------------------------------------

count_fds() { [ "$(ls "/proc/${MOCK_PID[up]}/fd" | wc -l)" -eq "$fds_before" ]; }
check "every TCP connection's fd closed again" wait_until 5 count_fds
for m in up mis star root tld leaf; do
	mock_stop $m
	check_eq "SIGTERM: $m exits 0" 0 $?
done
check_eq "pidfile removed at exit" no "$(test -e "$T/up.pid" && echo yes ||
    echo no)"

# --- DNAME (RFC 6672): the DNAME, a synthesized CNAME, then the target ---------

cat >"$T/dname.zone" <<'ZONE'
$ORIGIN dn.test.
$TTL 300
@	IN SOA	ns hostmaster 1 1800 900 604800 60
@	IN NS	ns
ns	IN A	127.0.0.5
old	IN DNAME new.dn.test.
x.new	IN A	192.0.2.55
ZONE
mock_start dname 127.0.0.5#$P --auth --zone "$T/dname.zone" || exit 99
out=$(probe 127.0.0.5#$P query x.old.dn.test A)
check_match "dname: the DNAME first" 'an old\.dn\.test\. 300 IN DNAME new\.dn\.test\.' "$out"
check_match "dname: the synthesized CNAME, with the DNAME's TTL" \
    'an x\.old\.dn\.test\. 300 IN CNAME x\.new\.dn\.test\.' "$out"
check_match "dname: then the target's record" \
    'an x\.new\.dn\.test\. 300 IN A 192\.0\.2\.55' "$out"
out=$(probe 127.0.0.5#$P query old.dn.test DNAME)
check_match "dname: the owner itself is not rewritten" 'rcode=NOERROR .* an=1 ' "$out"
out=$(probe 127.0.0.5#$P query y.old.dn.test A)
check_match "dname: a target that does not exist is NXDOMAIN" 'rcode=NXDOMAIN .* an=2 ' "$out"

finish
