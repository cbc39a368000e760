#!/bin/bash
# tests/daemon/test_roostd_failover.sh - roostd never hangs: an upstream
# that times out, SERVFAILs or REFUSEs hands the query to the next one;
# with every upstream dead the client gets SERVFAIL within the deadline;
# SIGTERM exits 0 within a second and answers what is in flight.
#
# Runs in a private network namespace (lib_init); mocks on 127.0.0.x#5300
# and [::1]:5300, one roostd per scenario (so that one scenario's upstream
# penalties do not steer the next) on 127.0.0.1, ports 5301...  Times are
# dnsprobe's own (ms= from the first byte sent to the reply).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
GOOD=127.0.0.2#5300	# answers from the zone; also on [::1]:5300
DEAD1=127.0.0.3#5300	# drops everything
DEAD2=127.0.0.4#5300	# drops everything
SFAIL=127.0.0.5#5300	# SERVFAIL to everything
REFUSE=127.0.0.6#5300	# REFUSED to everything
SLOW=127.0.0.7#5300	# answers 3 s late
LATE=127.0.0.8#5300	# answers 300 ms late
JUNK=127.0.0.9#5300	# broken answers, by name
probe() { "$DNSPROBE" "$@"; }

mock_start good "$GOOD" --listen "[::1]:5300" --zone "$ZONE" || exit 99
mock_start dead1 "$DEAD1" --zone "$ZONE" --rule '* * drop' || exit 99
mock_start dead2 "$DEAD2" --zone "$ZONE" --rule '* * drop' || exit 99
mock_start sfail "$SFAIL" --zone "$ZONE" --rule '* * rcode=servfail' ||
    exit 99
mock_start refuse "$REFUSE" --zone "$ZONE" --rule '* * rcode=refused' ||
    exit 99
mock_start slow "$SLOW" --zone "$ZONE" --rule '* * delay=3000' || exit 99
mock_start late "$LATE" --zone "$ZONE" --rule '* * delay=300' || exit 99
cat >"$T/junk.rules" <<'EOF'
*.garbage.example.test		*	garbage
*.wrong-id.example.test		*	wrong-id
*.wrong-question.example.test	*	wrong-question
*.truncate.example.test		*	truncate=20
# TC over UDP, then half an answer and FIN over TCP
*.close-tcp.example.test	*	transport=udp tc
*.close-tcp.example.test	*	close
EOF
mock_start junk "$JUNK" --zone "$ZONE" --rules "$T/junk.rules" || exit 99

# ms_of OUTPUT: dnsprobe's ms= of the reply (or of the timeout).
ms_of() { reply_field ms <<<"$1"; }

# --- an upstream that times out: the next one answers ------------------------

# the dead one first (configuration order breaks the tie of no history);
# the good one over IPv6
roostd_start fo 127.0.0.1#5301 --upstream "$DEAD1" --upstream "[::1]:5300" \
    --upstream-timeout 200 --query-deadline 1500 || exit 99
out=$(probe -t 3000 127.0.0.1#5301 query www.example.test A)
check_match "timeout: failed over, the answer arrives" \
    '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' "$out"
check_lt "timeout: answered well within the deadline (ms < 1000)" \
    "$(ms_of "$out")" 1000
check_eq "timeout: the dead upstream was asked first" 1 \
    "$(mock_count dead1 www.example.test. A udp)"
check_eq "timeout: the second upstream answered" 1 \
    "$(mock_count good www.example.test. A udp)"
# the dead one is now known slow: the next query goes to the good one
out=$(probe -t 3000 127.0.0.1#5301 query only-a.example.test A)
check_match "after a timeout: answered" 'rcode=NOERROR .*an=1 ' "$out"
check_lt "after a timeout: the slow upstream is not waited for (ms < 150)" \
    "$(ms_of "$out")" 150
check_eq "after a timeout: the dead upstream is not asked first" 0 \
    "$(mock_count dead1 only-a.example.test. A udp)"
out=$(probe -T -t 3000 127.0.0.1#5301 query alias.example.test A)
check_match "timeout, TCP client: answered" 'rcode=NOERROR .*an=3 ' "$out"

# --- SERVFAIL and REFUSED: the next upstream ----------------------------------

roostd_start sr 127.0.0.1#5302 --upstream "$SFAIL" --upstream "$REFUSE" \
    --upstream "$GOOD" --upstream-timeout 400 --query-deadline 2000 ||
    exit 99
out=$(probe -t 3000 127.0.0.1#5302 query www.example.test AAAA)
check_match "SERVFAIL, REFUSED, then an answer" \
    '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' "$out"
check_match "SERVFAIL, REFUSED, then the AAAA record" \
    'IN AAAA 2001:db8::1$' "$out"
check_lt "SERVFAIL, REFUSED: moved on at once, not after a timeout" \
    "$(ms_of "$out")" 300
check_eq "the SERVFAIL upstream was asked" 1 \
    "$(mock_count sfail www.example.test. AAAA udp)"
check_eq "the REFUSED upstream was asked" 1 \
    "$(mock_count refuse www.example.test. AAAA udp)"
check_eq "the good upstream answered" 1 \
    "$(mock_count good www.example.test. AAAA udp)"

roostd_start bad 127.0.0.1#5303 --upstream "$SFAIL" --upstream "$REFUSE" \
    --upstream-timeout 400 --query-deadline 2000 || exit 99
out=$(probe -t 3000 127.0.0.1#5303 query www.example.test A)
check_match "only SERVFAIL and REFUSED upstreams: SERVFAIL to the client" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
check_lt "only SERVFAIL and REFUSED upstreams: at once, not at the deadline" \
    "$(ms_of "$out")" 500

# --- broken answers: the next upstream --------------------------------------------

# one roostd per kind: after one failure the broken upstream is known bad
# and would not be asked first again
port=5310
for name in garbage wrong-id wrong-question truncate close-tcp; do
	port=$((port + 1))
	roostd_start "junk-$name" "127.0.0.1#$port" --upstream "$JUNK" \
	    --upstream "$GOOD" --upstream-timeout 300 --query-deadline 1500 ||
	    exit 99
	out=$(probe -t 3000 "127.0.0.1#$port" query www.$name.example.test A)
	check_match "upstream $name: the next upstream's answer" \
	    '^reply id=[0-9]+ rcode=NXDOMAIN .*check=ok' "$out"
	check_lt "upstream $name: within the deadline" "$(ms_of "$out")" 1500
	check_eq "upstream $name: the broken upstream was asked first" 1 \
	    "$(mock_count junk www.$name.example.test. A udp)"
	roostd_stop "junk-$name"
	check_eq "upstream $name: roostd stops cleanly after" 0 "$?"
done

# --- every upstream dead: SERVFAIL within the deadline ----------------------------

roostd_start dead 127.0.0.1#5304 --upstream "$DEAD1" --upstream "$DEAD2" \
    --upstream-timeout 200 --query-deadline 1000 || exit 99
mock_reset dead1
out=$(probe -t 3000 127.0.0.1#5304 query WWW.example.test A)
check_match "all dead: SERVFAIL, not silence" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
check_match "all dead: SERVFAIL in the client's spelling" \
    ' qd=WWW\.example\.test\./A/IN ' "$out"
check_lt "all dead: within deadline 1000 ms + 500 (ms < 1500)" \
    "$(ms_of "$out")" 1500
# silence is retried (a lost packet is not a dead server): with tries of
# about 200-250 ms each, both upstreams are asked 2-3 times in the 1000 ms
# before the client gets its SERVFAIL
n1=$(mock_count dead1 www.example.test. A udp)
n2=$(mock_count dead2 www.example.test. A udp)
check_ge "all dead: the first upstream was asked again (tries: $n1)" "$n1" 2
check_ge "all dead: the second upstream was asked again (tries: $n2)" "$n2" 2
check_lt "all dead: no upstream hammered before the deadline (tries: $n1+$n2)" \
    "$((n1 + n2))" 8
out=$(probe -T -e 1232 -t 3000 127.0.0.1#5304 query only-a.example.test A)
check_match "all dead, TCP + EDNS client: SERVFAIL with an OPT" \
    '^reply id=[0-9]+ rcode=SERVFAIL .* edns=1232 .*check=ok' "$out"
check_lt "all dead, TCP: within the deadline (ms < 1500)" \
    "$(ms_of "$out")" 1500
# several at once, each with its own deadline
out=$(probe -t 3000 127.0.0.1#5304 pipeline 5 a.example.test b.example.test)
check_match "all dead: 5 queries at once, 5 SERVFAILs" \
    '^pipeline sent=5 answered=5 ' "$out"
check_lt "all dead: 5 at once, all within the deadline" \
    "$(sed -n 's/^pipeline .* ms=\([0-9]*\).*/\1/p' <<<"$out")" 1500

# the default deadline is 2 s
roostd_start deflt 127.0.0.1#5305 --upstream "$DEAD1" || exit 99
out=$(probe -t 4000 127.0.0.1#5305 query deflt.example.test A)
check_match "default deadline: SERVFAIL" '^reply id=[0-9]+ rcode=SERVFAIL ' \
    "$out"
check_lt "default deadline: within 2 s + 500 ms" "$(ms_of "$out")" 2500

# --- SIGTERM: exit 0 within a second, queries in flight answered ---------------------

roostd_start term 127.0.0.1#5306 --upstream "$SLOW" \
    --upstream-timeout 4000 --query-deadline 5000 || exit 99
probe -t 4000 127.0.0.1#5306 query www.example.test A >"$T/term-udp.out" &
udp_pid=$!
probe -T -t 4000 127.0.0.1#5306 query only-a.example.test A \
    >"$T/term-tcp.out" &
tcp_pid=$!
in_flight() {
	[ "$(mock_count slow www.example.test. A udp)" = 1 ] &&
	    [ "$(mock_count slow only-a.example.test. A udp)" = 1 ]
}
check "SIGTERM: both queries reached the slow upstream" wait_until 5 in_flight
t0=$(lib_now_ms)
roostd_stop term
rc=$?
took=$(($(lib_now_ms) - t0))
check_eq "SIGTERM: exit status 0" 0 "$rc"
check_lt "SIGTERM: exited within a second (took $took ms)" "$took" 1000
wait "$udp_pid"
out=$(cat "$T/term-udp.out")
check_match "SIGTERM: the UDP query in flight got SERVFAIL" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
wait "$tcp_pid"
out=$(cat "$T/term-tcp.out")
check_match "SIGTERM: the TCP query in flight got SERVFAIL" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
check_match "SIGTERM: logged" 'SIGTERM: stopping \(2 queries in flight\)' \
    "$(cat "$T/term.log")"

# an answer due within the grace period is passed on, not SERVFAILed
roostd_start term2 127.0.0.1#5308 --upstream "$LATE" \
    --upstream-timeout 1000 --query-deadline 2000 || exit 99
probe -t 3000 127.0.0.1#5308 query www.example.test A >"$T/term2.out" &
late_pid=$!
late_seen() { [ "$(mock_count late www.example.test. A udp)" = 1 ]; }
check "SIGTERM: the query reached the late upstream" wait_until 5 late_seen
t0=$(lib_now_ms)
roostd_stop term2
rc=$?
took=$(($(lib_now_ms) - t0))
check_eq "SIGTERM, answer due in 300 ms: exit status 0" 0 "$rc"
check_lt "SIGTERM, answer due in 300 ms: exited within a second ($took ms)" \
    "$took" 1000
wait "$late_pid"
check_match "SIGTERM: the answer due in 300 ms was passed on" \
    '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' "$(cat "$T/term2.out")"

# SIGINT too, idle
t0=$(lib_now_ms)
kill -INT "${ROOSTD_PID[fo]}"
wait "${ROOSTD_PID[fo]}"
rc=$?
took=$(($(lib_now_ms) - t0))
check_eq "SIGINT: exit status 0" 0 "$rc"
check_lt "SIGINT, idle: exited within a second (took $took ms)" "$took" 1000

finish
