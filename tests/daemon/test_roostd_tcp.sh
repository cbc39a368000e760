#!/bin/bash
# tests/daemon/test_roostd_tcp.sh - roostd's TCP side (RFC 7766): many
# queries in flight on one connection, answered in any order; partial
# reads; the idle timeout cuts a slowloris client while others are served;
# the connection limit holds and UDP goes on meanwhile.
#
# Runs in a private network namespace (lib_init); the mock upstream on
# 127.0.0.2#5300, roostd on 127.0.0.1 (and ::1) ports 5353...
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
R=127.0.0.1#5353	# defaults (idle 10 s, 256 connections); also [::1]
IDLE=127.0.0.1#5354	# --tcp-idle-timeout 2
LIM=127.0.0.1#5355	# --tcp-max-connections 2
probe() { "$DNSPROBE" "$@"; }

mock_start up "$UP" --zone "$ZONE" --rule '*.slow.example.test A delay=400' ||
    exit 99
roostd_start r "$R" --listen "::1#5353" --upstream "$UP" || exit 99
roostd_start idle "$IDLE" --upstream "$UP" --tcp-idle-timeout 2 || exit 99
roostd_start lim "$LIM" --upstream "$UP" --tcp-max-connections 2 || exit 99

# --- pipelining -----------------------------------------------------------------

NAMES="www.example.test www.example.test/AAAA only-a.example.test
nope.example.test alias.example.test MixedCase.example.test big.example.test/TXT"
# shellcheck disable=SC2086
out=$(probe -T -q -t 5000 "$R" pipeline 100 $NAMES)
rc=$?
check_match "100 pipelined queries on one TCP connection: all answered" \
    '^pipeline sent=100 answered=100 ' "$out"
check_eq "100 pipelined: every reply matches its query" 0 "$rc"
check_nomatch "100 pipelined: no mismatch" 'check=(id|question)-mismatch' \
    "$out"
# shellcheck disable=SC2086
out=$(probe -T -q -t 5000 "[::1]:5353" pipeline 100 $NAMES)
check_match "100 pipelined over IPv6: all answered" \
    '^pipeline sent=100 answered=100 ' "$out"
# shellcheck disable=SC2086
out=$(probe -q -t 5000 "$R" pipeline 100 $NAMES)
check_match "100 queries at once over UDP: all answered" \
    '^pipeline sent=100 answered=100 ' "$out"

# more in flight than one connection may have (LISTEN_TCP_MAX_PIPELINE,
# 64): reading pauses and resumes, nothing is lost
out=$(probe -T -q -t 5000 "$R" pipeline 100 p1.slow.example.test \
    p2.slow.example.test p3.slow.example.test)
check_match "100 pipelined slow queries (400 ms each): all answered" \
    '^pipeline sent=100 answered=100 ' "$out"
check_lt "100 pipelined slow queries: in flight together, not one by one" \
    "$(sed -n 's/^pipeline .* ms=\([0-9]*\).*/\1/p' <<<"$out")" 2000

# a slow answer does not hold back the ones behind it
out=$(probe -T -q -t 3000 "$R" pipeline 3 o1.slow.example.test \
    www.example.test only-a.example.test)
check_match "out of order: all 3 answered" '^pipeline sent=3 answered=3 ' \
    "$out"
check_eq "out of order: the slow first query is answered last" 1 \
    "$(grep '^reply ' <<<"$out" | tail -n 1 | reply_field id)"
check_lt "out of order: the fast ones did not wait (first reply ms < 300)" \
    "$(grep '^reply ' <<<"$out" | head -n 1 | reply_field ms)" 300

# --- partial reads: one byte per write ------------------------------------------

out=$(probe -T -w 10 -t 3000 "$R" query www.example.test A)
check_match "one byte at a time: answered" \
    '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' "$out"
out=$(probe -T -w 2 -q -t 5000 "$R" pipeline 5 www.example.test \
    only-a.example.test)
check_match "one byte at a time, 5 queries on one connection: all answered" \
    '^pipeline sent=5 answered=5 ' "$out"

# --- idle timeout: a slowloris client is cut, others are served ------------------

stall_connected() {
	ss -Htn state established '( dport = :5354 )' | grep -q .
}
probe -t 5000 "$IDLE" stall 512 >"$T/stall.out" &
stall_pid=$!
check "slowloris: connected" wait_until 3 stall_connected
out=$(probe -T -t 1000 "$IDLE" query www.example.test A)
check_match "slowloris connected: another TCP client is served" \
    'rcode=NOERROR .*check=ok' "$out"
out=$(probe -t 1000 "$IDLE" query www.example.test A)
check_match "slowloris connected: a UDP client is served" \
    'rcode=NOERROR .*check=ok' "$out"
check "slowloris still connected while the others were served" \
    kill -0 "$stall_pid"
wait "$stall_pid"
out=$(cat "$T/stall.out")
check_match "slowloris: closed by roostd" '^closed ms=' "$out"
ms=$(sed -n 's/^closed ms=\([0-9]*\).*/\1/p' <<<"$out")
check_ge "slowloris: not before the idle timeout (ms >= 1900)" "${ms:-0}" 1900
check_lt "slowloris: at the idle timeout (ms < 3500)" "${ms:-99999}" 3500

# a client trickling one query slower than the idle timeout: partial reads
# do not keep a connection alive.  dnsprobe sees the close either on a
# read (closed) or on its next one-byte write (EPIPE, reset).
t0=$(lib_now_ms)
out=$(probe -T -w 100 -t 5000 "$IDLE" query www.example.test A 2>&1)
took=$(($(lib_now_ms) - t0))
check_match "trickle slower than the idle timeout: cut" \
    '^closed |Broken pipe|reset by peer' "$out"
check_nomatch "trickle slower than the idle timeout: no answer" '^reply ' \
    "$out"
check_lt "trickle: cut near the idle timeout ($took ms < 3500)" "$took" 3500

# a connection that sends nothing at all
exec 7<>/dev/tcp/127.0.0.1/5354
t0=$(lib_now_ms)
n=$(timeout 5 cat <&7 | wc -c)
took=$(($(lib_now_ms) - t0))
exec 7>&-
check_eq "silent TCP client: closed by roostd, nothing sent" 0 "$n"
check_ge "silent TCP client: not before the idle timeout ($took ms)" \
    "$took" 1900
check_lt "silent TCP client: at the idle timeout ($took ms)" "$took" 3500

# --- the connection limit ---------------------------------------------------------

exec 7<>/dev/tcp/127.0.0.1/5355	# connection 1, held open
out=$(probe -T -t 2000 "$LIM" query www.example.test A)
check_match "limit 2: a second connection is served" \
    'rcode=NOERROR .*check=ok' "$out"
exec 8<>/dev/tcp/127.0.0.1/5355	# connection 2, held open
out=$(probe -T -t 500 "$LIM" query www.example.test A)
check_match "limit 2: a third connection is not served" '^timeout ' "$out"
out=$(probe -t 1000 "$LIM" query www.example.test A)
check_match "limit 2 reached: UDP still served" \
    'rcode=NOERROR .*check=ok' "$out"
check "limit 2 reached: roostd still running" kill -0 "${ROOSTD_PID[lim]}"
# (not inheriting the held connections: they must close when we say)
probe -T -t 3000 "$LIM" query only-a.example.test A >"$T/third.out" \
    7>&- 8>&- &
third_pid=$!
exec 7>&-	# one closes: the waiting connection gets its turn
wait "$third_pid"
out=$(cat "$T/third.out")
check_match "limit 2: served once a connection closed" \
    'rcode=NOERROR .*check=ok' "$out"
exec 8>&-
out=$(probe -T -q -t 3000 "$LIM" pipeline 10 www.example.test)
check_match "limit 2: all closed, served as before" \
    '^pipeline sent=10 answered=10 ' "$out"

finish
