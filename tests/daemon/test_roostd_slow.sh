#!/bin/bash
# tests/daemon/test_roostd_slow.sh - right answers when the network is
# not, seen by real clients (dig, kdig):
# - the client's deadline apart from the fetch: an upstream that answers
#   after 3 s gets the client SERVFAIL at query-deadline (2 s) with EDE 22,
#   that SERVFAIL is not remembered (a retry at once waits for the same
#   fetch and gets its answer), and the late answer is cached;
# - RFC 8767 stale answers: with the upstream dead, an expired answer goes
#   out at stale-answer-client-timeout (1.8 s) with EDE 3, then at once and
#   without an upstream query for stale-recheck;
# - extended DNS errors (RFC 8914) passed on (an upstream's EDE 17, from the
#   fetch and from the cache, only to clients that sent EDNS) and made (18
#   outside allow, 21 for MAILB).
#
# Runs in a private network namespace (lib_init): mockdns "up" on
# 127.0.0.2#5300 (slow and filtering names), mockdns "dead" on
# 127.0.0.3#5300 (answers, then drops everything); roostd "r" forwards to
# up, "s" (answers live 2 s) to dead, "a" refuses everyone (allow).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
DEAD=127.0.0.3#5300
P=5355
PS=5356
PA=5357
DIG="dig +tries=1 +time=8 @127.0.0.1"
KDIG="kdig +retry=0 +timeout=8 @127.0.0.1"

cat >"$T/up.rules" <<'EOF'
slow.example.test	*	delay=3000
filtered.example.test	*	ede=17
EOF
: >"$T/dead.rules"
mock_start up "$UP" --zone "$ZONE" --rules "$T/up.rules" || exit 99
mock_start dead "$DEAD" --zone "$ZONE" --rules "$T/dead.rules" || exit 99
roostd_start r "127.0.0.1#$P" --upstream "$UP" --servfail-ttl 5 || exit 99
roostd_start s "127.0.0.1#$PS" --upstream "$DEAD" --max-ttl 2 \
    --prefetch no --upstream-give-up 4000 --control-socket "$T/s.ctl" ||
    exit 99
: "${ROOST:=$top_builddir/src/roost}"
# sstat GROUP.KEY: one of roostd s's counters
sstat() { "$ROOST" --control "$T/s.ctl" stats --json | jq -r ".$1"; }
no_fetch() { [ "$(sstat fetches.inflight)" = 0 ]; }
roostd_start a "127.0.0.1#$PA" --upstream "$UP" --allow 10.0.0.0/8 || exit 99

# dig_timed OUTVAR PORT ARG...: dig, its output in OUTVAR, the time it
# took (ms, wall clock) in $MS.
dig_timed() {
	local __out=$1 port=$2 t0
	shift 2
	t0=$(lib_now_ms)
	printf -v "$__out" '%s' "$($DIG -p "$port" "$@" 2>&1)"
	MS=$(($(lib_now_ms) - t0))
}

# --- a slow upstream: SERVFAIL at the deadline, the late answer kept ---------

dig_timed out "$P" slow.example.test A
check_match "slow: SERVFAIL for the client" 'status: SERVFAIL' "$out"
check_match "slow: with EDE 22 and roostd's reason" \
    '^; EDE: 22 \(No Reachable Authority\): \(no upstream answered in time\)$' "$out"
check_ge "slow: at the 2 s deadline, not before" "$MS" 1900
check_lt "slow: at the deadline, not at the fetch's end" "$MS" 2700
# a retry at once (as glibc's on SERVFAIL) is not given a remembered
# SERVFAIL: it waits on the same fetch and gets its late answer
dig_timed out "$P" slow.example.test A
check_match "slow, retried: NOERROR" 'status: NOERROR' "$out"
check_match "slow, retried: the answer" $'slow\\.example\\.test\\.\t[0-9]+\tIN\tA\t192\\.0\\.2\\.' "$out"
check_lt "slow, retried: by the late answer (3 s after the first)" "$MS" 2500
check_nomatch "slow, retried: no EDE on a good answer" 'EDE:' "$out"
n=$(mock_count up slow.example.test. A udp)
check_ge "slow: asked upstream" "$n" 1
# and cached: the next asker gets it at once, without the upstream
dig_timed out "$P" slow.example.test A
check_match "slow, cached: NOERROR" 'status: NOERROR' "$out"
check_lt "slow, cached: at once" "$MS" 500
check_eq "slow, cached: no new upstream query" "$n" \
    "$(mock_count up slow.example.test. A udp)"

# --- extended errors passed on ----------------------------------------------

dig_timed out "$P" filtered.example.test A
check_match "ede 17 from upstream: dig shows it, with its text" \
    '^; EDE: 17 \(Filtered\): \(mockdns rule\)$' "$out"
dig_timed out "$P" filtered.example.test A
check_match "ede 17 from the cache too" \
    '^; EDE: 17 \(Filtered\): \(mockdns rule\)$' "$out"
check_eq "ede 17: one upstream query for both" 1 \
    "$(mock_count up filtered.example.test. A udp)"
out=$($KDIG -p "$P" +edns filtered.example.test A 2>&1)
check_match "ede 17: kdig shows it" 'EDE: 17 \(Filtered\).*mockdns rule' "$out"
dig_timed out "$P" +noedns filtered.example.test A
check_nomatch "no EDNS, no OPT: no EDE" 'EDE:|OPT PSEUDOSECTION' "$out"
check_match "no EDNS: the answer all the same" 'status: NXDOMAIN' "$out"

# --- extended errors made -----------------------------------------------------

dig_timed out "$PA" www.example.test A
check_match "allow: REFUSED" 'status: REFUSED' "$out"
check_match "allow: EDE 18" '^; EDE: 18 \(Prohibited\): \(source not in allow\)$' "$out"
dig_timed out "$P" www.example.test MAILB
check_match "MAILB: NOTIMP" 'status: NOTIMP' "$out"
check_match "MAILB: EDE 21" '^; EDE: 21 \(Not Supported\): ' "$out"

# --- a dead upstream: stale at 1.8 s, then at once ----------------------------

dig_timed out "$PS" www.example.test A
check_match "stale: a first answer" 'status: NOERROR' "$out"
# the entry lives 2 s (--max-ttl 2): let it expire, then kill the upstream
sleep 2.2	# the cache's own clock must pass the TTL: nothing to wait on
echo '*	*	drop' >"$T/dead.rules"
mock_reload dead || fail "dead: reload"
mock_reset dead
dig_timed out "$PS" www.example.test A
check_match "stale: NOERROR" 'status: NOERROR' "$out"
check_match "stale: TTL 30" $'www\\.example\\.test\\.\t30\tIN\tA' "$out"
check_match "stale: EDE 3" '^; EDE: 3 \(Stale Answer\)' "$out"
check_ge "stale: at the client timeout (1.8 s)" "$MS" 1700
check_lt "stale: not at the deadline (2 s)" "$MS" 1990
check_ge "stale: the refresh was tried" "$(mock_count dead www.example.test. A udp)" 1
# while the refresh goes on (upstream-give-up), later askers get the
# stale answer at once and start no other
for i in 1 2; do
	dig_timed out "$PS" www.example.test A
	check_match "stale, refresh in flight $i: EDE 3" '^; EDE: 3 \(Stale Answer\)' "$out"
	check_lt "stale, refresh in flight $i: at once" "$MS" 500
done
check_eq "stale: one refresh in flight" 1 "$(sstat fetches.inflight)"
# once it has failed, for stale-recheck (30 s) no upstream query at all
check "stale: the refresh gave up (4 s)" wait_until 8 no_fetch
mock_reset dead
for i in 1 2 3; do
	dig_timed out "$PS" www.example.test A
	check_match "stale recheck $i: EDE 3" '^; EDE: 3 \(Stale Answer\)' "$out"
	check_lt "stale recheck $i: at once" "$MS" 500
done
check_eq "stale recheck: no upstream query within stale-recheck" 0 \
    "$(mock_count dead www.example.test. A udp)"
check_eq "stale recheck: counted" 3 "$(sstat cache.stale_rechecks)"

finish
