#!/bin/bash
# tests/daemon/test_roostd_faults.sh - roostd under broken upstreams and
# hostile clients.  For every fault: the client gets SERVFAIL
# (or nothing) within the deadline, roostd keeps answering well-formed
# queries, its VmRSS stays under a bound, and nothing from a bad answer
# is cached: once the fault is lifted the same question goes upstream
# again and gets the true answer.  Also: source ports spread over a run
# of queries, DNS 0x20 (random case sent, exact case required), and the
# TCP limits (connections, bad length prefixes, half-open and non-reading
# clients) hold while UDP is still answered.
#
# Runs in a private network namespace (lib_init): mockdns "up" on
# 127.0.0.2#5300 with a rules file rewritten and reloaded per fault, one
# roostd on 127.0.0.1#5301 (and one with dns0x20 off on #5302).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
R=127.0.0.1#5301
R_IP=127.0.0.1
R_PORT=5301
# roostd's resident memory must stay under this (kB): 1 MiB of cache,
# 100 connections with their buffers, and the program itself.  Under
# valgrind (make check-valgrind) the process is valgrind's, far bigger.
if [ -n "${VALGRIND_LOGDIR:-}" ]; then
	RSS_LIMIT_KB=${RSS_LIMIT_KB:-1048576}
else
	RSS_LIMIT_KB=${RSS_LIMIT_KB:-65536}
fi
probe() { "$DNSPROBE" "$@"; }
# enough descriptors for the connection flood
ulimit -n 8192 2>/dev/null || ulimit -n 4096

: >"$T/up.rules"
mock_start up "$UP" --zone "$ZONE" --rules "$T/up.rules" || exit 99
roostd_start r "$R" --upstream "$UP" --upstream-timeout 200 \
    --query-deadline 1000 --servfail-ttl 0 --cache-size 1048576 \
    --tcp-max-connections 100 --tcp-idle-timeout 1 \
    --control-socket "$T/ctl" || exit 99
RPID=${ROOSTD_PID[r]}
: "${ROOST:=$top_builddir/src/roost}"
# stat GROUP.KEY: one of roostd's counters, from `roost stats --json`
stat() { "$ROOST" --control "$T/ctl" stats --json | jq -r ".$1"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$RPID/status"; }
# fds roostd has open; at least / at most N
nfds() { ls "/proc/$RPID/fd" | wc -l; }
fds_ge() { [ "$(nfds)" -ge "$1" ]; }
fds_le() { [ "$(nfds)" -le "$1" ]; }
# connections the kernel completed that roostd has not accepted yet (the
# listener's Recv-Q); dead ones are accepted, read to EOF and closed later
backlog() { ss -Hltn "sport = :$R_PORT" | awk '{ q += $2 } END { print q + 0 }'; }
# handshakes the kernel left half done while the backlog was full: it
# retransmits its SYN-ACK for a while, and an answer from the client
# side completes the connection, to be accepted (and closed) then
synrecv() { ss -Htan state syn-recv "sport = :$R_PORT" | wc -l; }
flood_gone() {
	[ "$(backlog)" -eq 0 ] && [ "$(synrecv)" -eq 0 ] && fds_le "$1"
}
# flood_gone_for S N: flood_gone N has held for S seconds on end (the
# count has dipped to its old level and risen again under load)
gone_since=""
flood_gone_for() {
	if ! flood_gone "$2"; then
		gone_since=""
		return 1
	fi
	[ -n "$gone_since" ] || gone_since=$SECONDS
	[ $((SECONDS - gone_since)) -ge "$1" ]
}
# what roostd's fds are, and the sockets' states, for a failure
fd_report() {
	echo "backlog: $(backlog); syn-recv: $(synrecv); roostd fds: $(nfds)"
	ls -l "/proc/$RPID/fd" | awk '{ print $NF }' | sed 's/:\[.*//' |
	    sort | uniq -c
	ss -Htan | awk '{ print $1 }' | sort | uniq -c
}
# every query of NAME (lower case, final dot) TYPE the mock saw
upcount() {
	echo $(($(mock_count up "$1" "$2" udp) + $(mock_count up "$1" "$2" tcp)))
}
# set_rules RULE...: the mock's rules from now on
set_rules() {
	printf '%s\n' "$@" >"$T/up.rules"
	mock_reload up || fail "mock reload: $*"
}

# alive WHAT: roostd answers a question it must ask upstream (a new name
# each time), and its memory is within bounds.
ALIVE=0
alive() {
	local name out
	ALIVE=$((ALIVE + 1))
	name="alive$ALIVE.example.test"
	out=$(probe -q -t 3000 "$R" query "$name" A)
	check_match "$1: roostd still answers (a miss, $name)" \
	    'rcode=NXDOMAIN .*check=ok' "$out"
	check_lt "$1: VmRSS under $RSS_LIMIT_KB kB" "$(rss_kb)" \
	    "$RSS_LIMIT_KB"
}

# fault WHAT NAME ADDR RULE...: NAME's A record, whose true address is
# ADDR, asked while the upstream misbehaves as RULE... says: SERVFAIL
# within the deadline; then lifted: asked upstream again, true answer.
fault() {
	local what=$1 name=$2 addr=$3 out before after ms
	shift 3
	set_rules "$@"
	out=$(probe -q -t 3000 "$R" query "$name" A)
	check_match "$what: SERVFAIL to the client" 'rcode=SERVFAIL .*check=ok' \
	    "$out"
	ms=$(reply_field ms <<<"$out")
	check_lt "$what: within the deadline (ms < 1500)" "${ms:-9999}" 1500
	before=$(upcount "$name." A)
	alive "$what"
	set_rules ""
	out=$(probe -t 3000 "$R" query "$name" A)
	check_match "$what lifted: the true answer" \
	    "rcode=NOERROR .*an=1 .*check=ok.*A[[:space:]]+${addr//./\\.}" \
	    "$(tr '\n' ' ' <<<"$out")"
	# the fetch may still be retrying when the fault is lifted: the
	# answer comes from a query sent after the client's SERVFAIL, by
	# that fetch or a new one, never from the cache
	after=$(upcount "$name." A)
	check_ge "$what lifted: asked upstream again (nothing was cached)" \
	    "$after" $((before + 1))
}

# --- broken upstreams --------------------------------------------------------

alive "start"
fault "garbage" slow.example.test 192.0.2.10 \
    'slow.example.test A garbage'
fault "wrong id" gone.example.test 192.0.2.11 \
    'gone.example.test A wrong-id'
fault "wrong question" tc.example.test 192.0.2.12 \
    'tc.example.test A wrong-question'
fault "wrong 0x20 case" bad.example.test 192.0.2.13 \
    'bad.example.test A wrong-case'
check_ge "wrong 0x20 case: counted as refused answers (roost stats)" \
    "$(stat guard.bad_case)" 1
# a forger's answer from the upstream's address but another port: the
# connected UDP socket never takes it, so the question times out
fault "answer from another port" count.example.test 192.0.2.14 \
    'count.example.test A other-port'
fault "REFUSED" tcpslow.example.test 192.0.2.15 \
    'tcpslow.example.test A rcode=refused'
fault "truncated reply" cut.example.test 192.0.2.16 \
    'cut.example.test A truncate=20'
# TC=1 over UDP sends roostd to TCP, where the answer claims TC=1 too
fault "TC=1 over TCP too" reload.example.test 192.0.2.17 \
    'reload.example.test A transport=udp tc' \
    'reload.example.test A tc-bit'
# over TCP a length prefix of 65535 and a 60-odd octet answer: roostd
# waits for the rest until the deadline, never for good
fault "TCP length claiming 65535" deep.ent.example.test 192.0.2.3 \
    'deep.ent.example.test A transport=udp tc' \
    'deep.ent.example.test A tcp-claim=65535'
# one octet every 100 ms over TCP: the deadline cuts it
fault "slow trickle over TCP" only-a.example.test 192.0.2.2 \
    'only-a.example.test A transport=udp tc' \
    'only-a.example.test A trickle=100'

# flapping: every other query dropped.  roostd retries what was lost:
# each name is answered, in time, its first try lost and its retry
# answered (two queries upstream each)
set_rules '*.flap.example.test * flap=1'
nx=0 other=0 slow=0 asked=0
for i in 1 2 3 4 5 6; do
	out=$(probe -q -t 3000 "$R" query "f$i.flap.example.test" A)
	case $out in
	*rcode=NXDOMAIN*check=ok*) nx=$((nx + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
	[ "$(reply_field ms <<<"$out")" -lt 1500 ] 2>/dev/null || slow=$((slow + 1))
	asked=$((asked + $(upcount "f$i.flap.example.test." A)))
done
check_eq "flapping: every name answered after a retry" 6 "$nx"
check_eq "flapping: nothing else (no hang, no bad answer)" 0 "$other"
check_eq "flapping: every answer within the deadline" 0 "$slow"
check_eq "flapping: each name asked twice (lost, then answered)" 12 "$asked"
alive "flapping"
set_rules ""
nx=0
for i in 1 2 3 4 5 6; do
	out=$(probe -q -t 3000 "$R" query "f$i.flap.example.test" A)
	case $out in *rcode=NXDOMAIN*check=ok*) nx=$((nx + 1)) ;; esac
done
check_eq "flapping lifted: every name answered" 6 "$nx"

check_match "rejected answers are logged" \
    'answer rejected: (malformed|wrong id|wrong question|wrong 0x20 case)' \
    "$(cat "$T/r.log")"

# --- DNS 0x20 ----------------------------------------------------------------

# the names roostd sent upstream: with 0x20 their letters are in random
# case (mockdns logs sent=NAME when the spelling is not all lower case)
sent=$(grep -c 'query udp .* alive[0-9]*\.example\.test\. A .* sent=' \
    "$T/up.log")
check_ge "0x20: the names sent upstream have mixed case" "$sent" \
    $((ALIVE - 1))
# the same misbehaviour with dns0x20 off: a swapped case is accepted
roostd_start nocase 127.0.0.1#5302 --upstream "$UP" --dns0x20 no \
    --upstream-timeout 200 --query-deadline 1000 || exit 99
set_rules 'www.example.test A wrong-case'
out=$(probe -q -t 3000 127.0.0.1#5302 query www.example.test A)
check_match "dns0x20 no: an answer in another case is taken" \
    'rcode=NOERROR .*an=1 .*check=ok' "$out"
set_rules ""
mock_reset up
probe -q -t 3000 127.0.0.1#5302 query nocase.example.test A >/dev/null
check_eq "dns0x20 no: the name goes upstream in lower case" 0 \
    "$(grep -c 'nocase\.example\.test\. A .* sent=' "$T/up.log")"

# --- source ports --------------------------------------------------------------

# 250 misses: roostd renews its upstream socket every 100 queries, so the
# mock sees at least 3 source ports, none used for more than 100
for i in $(seq 1 250); do
	probe -q -t 3000 "$R" query "p$i.example.test" A >/dev/null
done
grep -E 'query udp [0-9.]+#[0-9]+ id=[0-9]+ p[0-9]+\.example\.test\.' \
    "$T/up.log" | sed -E 's/^.*query udp [0-9.]+#([0-9]+) .*/\1/' |
    sort | uniq -c >"$T/ports"
check_ge "source ports: 250 queries upstream" \
    "$(awk '{ n += $1 } END { print n + 0 }' "$T/ports")" 250
check_ge "source ports: at least 3 of them" "$(wc -l <"$T/ports")" 3
check_lt "source ports: none used more than 100 times" \
    "$(sort -rn "$T/ports" | awk 'NR == 1 { print $1 }')" 101

# --- hostile clients -----------------------------------------------------------

# a burst of malformed UDP: short, junk, responses, bad counts
exec 3<>"/dev/udp/$R_IP/$R_PORT"
for i in $(seq 1 500); do
	printf '\x12' >&3
	printf 'garbage garbage garbage' >&3
	printf '\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01' >&3
	printf '\x12\x34\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\x03abc' >&3
done
exec 3>&-
alive "a burst of 2000 malformed datagrams"

out=$(probe -T -t 2000 "$R" raw 0000)
check_match "TCP length prefix 0: closed at once" '^closed ' "$out"
out=$(probe -T -t 2000 "$R" stall 65535)
check_match "TCP length prefix 65535 and nothing more: closed" '^closed ' \
    "$out"
check_lt "TCP length prefix 65535: closed at once (ms < 500)" \
    "$(reply_field ms <<<"$out")" 500
out=$(probe -T -t 3000 "$R" stall 100)
check_match "half-open (a length, no message): closed by the idle timeout" \
    '^closed ' "$out"
check_ge "half-open: not before the 1 s idle timeout" \
    "$(reply_field ms <<<"$out")" 900
alive "bad TCP length prefixes"

# 2000 connections at once, held 3 s: roostd keeps to its 100
fds_before=$(nfds)
probe -T -t 3000 "$R" flood 2000 >"$T/flood.out" 2>&1 &
flood_pid=$!
wait_until 5 fds_ge $((fds_before + 100))
check_lt "2000 connections: roostd holds at most 100 (fds)" \
    "$(nfds)" $((fds_before + 101))
alive "2000 connections"
out=$(probe -q -t 3000 "$R" query www.example.test A)
check_match "2000 connections: UDP still answered" 'rcode=NOERROR' "$out"
wait "$flood_pid"
check_match "2000 connections: the flood ran" 'flood tried=2000 ' \
    "$(cat "$T/flood.out")"
check_match "the connection limit is logged" \
    'tcp: 100 connections, the limit' "$(cat "$T/r.log")"
check_ge "the connection limit is counted (roost stats)" \
    "$(stat limits.tcp_connections)" 1
check_ge "... and the accepted connections" "$(stat tcp.accepted)" 100
# once the flood is gone, TCP is served again
wait_until 10 probe -q -T -t 1000 "$R" query www.example.test A
out=$(probe -q -T -t 3000 "$R" query www.example.test A)
check_match "after the flood: TCP answered again" 'rcode=NOERROR' "$out"
# Under load (make distcheck) the fd count has dipped to fds_before and
# risen again three times, with 98, 45 and 71 fds open at this check: the
# flood's connections left in the listen backlog or half done in SYN-RECV
# are accepted later, each read to EOF and closed.  So wait until none is
# left and the old count has held for 2 s, and say what the fds are if
# they stay.
# Under ASan a last one has still been accepted after those 2 s (CI:
# backlog and SYN-RECV empty, 14 fds for 13): give it time to be read to
# EOF and closed too.
wait_until 60 flood_gone_for 2 "$fds_before"
wait_until 10 fds_le "$fds_before"
n=$(nfds)
check_lt "after the flood: the connections are closed" "$n" \
    $((fds_before + 1))
[ "$n" -le "$fds_before" ] || fd_report

# clients that never read: 3 connections, 2000 queries each for an
# 850-octet answer, nothing read; roostd stops reading them, answers UDP
noread_pids=()
for i in 1 2 3; do
	probe -T -t 4000 "$R" noread 2000 big.example.test/TXT \
	    >"$T/noread$i.out" 2>&1 &
	noread_pids+=($!)
done
udp_ok=0 udp_bad=0
until_s=$((SECONDS + 2))
while [ "$SECONDS" -lt "$until_s" ]; do
	if probe -q -t 1000 "$R" query www.example.test A |
	    grep -q 'rcode=NOERROR'; then
		udp_ok=$((udp_ok + 1))
	else
		udp_bad=$((udp_bad + 1))
	fi
done
check_ge "clients that never read: UDP answered meanwhile" "$udp_ok" 1
check_eq "clients that never read: every UDP query answered" 0 "$udp_bad"
alive "clients that never read"
wait "${noread_pids[@]}"
for i in 1 2 3; do
	check_match "client $i that never read: its queries went out" \
	    'noread sent=2000 ' "$(cat "$T/noread$i.out")"
done
wait_until 10 fds_le "$fds_before"
check_lt "clients that never read: their connections end" "$(nfds)" \
    $((fds_before + 1))
alive "the end"

finish
