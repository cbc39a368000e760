#!/usr/bin/env bash
# bench/reuseport.sh - does a second SO_REUSEPORT worker pay on this
# machine?  bench/echo.c (the bare UDP echo, the floor of bench/run)
# with 1 or 2 worker threads under dnsperf at max rate.
#
# Usage: bench/reuseport.sh [ROUNDS [SECONDS]]   (default 3 rounds of 8 s)
# Run it under the benchmark lock: flock /tmp/bench.lock bench/reuseport.sh
#
# Configurations, run in turn in every round (so a noisy minute hits all):
#   a   1 worker pinned to CPU 1, dnsperf -c 1
#   b   2 workers both pinned to CPU 1, dnsperf -c 1
#   c   2 workers unpinned (both CPUs, shared with dnsperf), dnsperf -c 1
#   a2  as a, dnsperf -c 2
#   c2  as c, dnsperf -c 2 (SO_REUSEPORT spreads by source port: one
#       client socket lands on one worker)
# dnsperf is always pinned to CPU 0: -s 127.0.0.1 -q 100 -t 1 over 1000
# hot names.  CPU per query = the echo's utime+stime (all threads,
# /proc/PID/stat) over the run / completed queries; "split" is each
# worker thread's share of those ticks.
#
# Invariants: everything runs inside a private network namespace holding
# only lo (re-executed under unshare --net; refuses otherwise); the echo
# is stopped and the temporary directory removed on any exit; every
# dnsperf run is bounded by -l and timeout.  Prints a markdown table.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${1:-3}
SECS=${2:-8}
PORT=53
PATH=$PATH:/usr/sbin:/sbin

die() { echo "reuseport: $*" >&2; exit 1; }

for n in "$ROUNDS" "$SECS"; do
	case $n in
	'' | *[!0-9]* | 0) die "not a positive number: '$n'" ;;
	esac
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
for c in dnsperf taskset unshare ip python3 cc timeout; do
	command -v "$c" >/dev/null || die "missing $c (bench/run installs it)"
done

if [ -z "${ROOST_REUSEPORT_NETNS:-}" ]; then
	export ROOST_REUSEPORT_NETNS=1
	limit=$((ROUNDS * 5 * (SECS + 15) + 60))
	if [ "$(id -u)" -eq 0 ]; then
		exec timeout -k 10 "$limit" unshare --net -- "$BASH" "$0" "$@"
	fi
	exec timeout -k 10 "$limit" unshare -rn -- "$BASH" "$0" "$@"
fi

if [ "$(ip -o link show | grep -vc ': lo:')" -ne 0 ]; then
	die "not in a private network namespace; refusing"
fi
ip link set lo up || die "cannot bring lo up"

T=$(mktemp -d /tmp/roost-reuseport.XXXXXX) || die "mktemp"
ECHO_PID=""
cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$ECHO_PID" ]; then
		kill -TERM "$ECHO_PID" 2>/dev/null
		wait "$ECHO_PID" 2>/dev/null
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -std=c11 -O2 -pthread -o "$T/echo" "$BENCH_DIR/echo.c" ||
	die "cc bench/echo.c failed"
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "h%06d.bench.test A\n", i }' \
	>"$T/hot.txt"
TCK=$(getconf CLK_TCK)

# ticks FILE: utime + stime of a /proc stat file
ticks() {
	local s
	s=$(cat "$1" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

# echo_start WORKERS PIN: PIN is a CPU list or "" for unpinned
echo_start() {
	local taskset=()
	[ -n "$2" ] && taskset=(taskset -c "$2")
	"${taskset[@]}" "$T/echo" $PORT "$1" &
	ECHO_PID=$!
	rm -f "$T/armed"
	python3 "$BENCH_DIR/tools.py" ready --port $PORT --name ready.bench.test \
		--deadline 5 --armed "$T/armed" >/dev/null ||
		die "the echo did not answer within 5 s"
}

echo_stop() {
	kill -TERM "$ECHO_PID" 2>/dev/null
	wait "$ECHO_PID" 2>/dev/null
	ECHO_PID=""
}

# run CONFIG ROUND WORKERS PIN CLIENTS: one measurement, one table row
run() {
	local cfg=$1 round=$2 nw=$3 pin=$4 clients=$5 c0 c1 t tid k v
	local -A t0
	local split=""
	echo_start "$nw" "$pin"
	c0=$(ticks "/proc/$ECHO_PID/stat")
	for t in /proc/"$ECHO_PID"/task/*; do t0[${t##*/}]=$(ticks "$t/stat"); done
	timeout -k 5 $((SECS + 10)) taskset -c 0 dnsperf -s 127.0.0.1 \
		-l "$SECS" -d "$T/hot.txt" -q 100 -t 1 -c "$clients" \
		>"$T/dnsperf.txt" 2>&1
	c1=$(ticks "/proc/$ECHO_PID/stat")
	for t in /proc/"$ECHO_PID"/task/*; do
		tid=${t##*/}
		split+="${split:+/}$(($(ticks "$t/stat") - ${t0[$tid]:-0}))"
	done
	echo_stop
	local completed=0 qps=0 lost=0
	while IFS='=' read -r k v; do
		case $k in
		completed) completed=$v ;;
		qps) qps=$v ;;
		lost) lost=$v ;;
		esac
	done < <(python3 "$BENCH_DIR/tools.py" dnsperf "$T/dnsperf.txt")
	local us=-
	[ "$completed" -gt 0 ] && us=$(awk -v c=$((c1 - c0)) -v t="$TCK" \
	    -v n="$completed" 'BEGIN { printf "%.2f", c / t * 1e6 / n }')
	printf '| %s | %s | %s | %s | %s | %.0f | %s | %s | %s |\n' \
		"$cfg" "$round" "$nw" "${pin:-none}" "$clients" "$qps" "$us" \
		$((c1 - c0)) "$split"
	[ "$lost" -eq 0 ] || echo "  ($cfg round $round: $lost lost)" >&2
}

echo "date $(date '+%Y-%m-%d %H:%M %Z'), $(uname -n), kernel $(uname -r)," \
	"nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| config | round | workers | echo CPUs | dnsperf -c | QPS | CPU us/query | ticks | ticks per thread |"
echo "|---|---|---|---|---|---|---|---|---|"
for ((r = 1; r <= ROUNDS; r++)); do
	run a "$r" 1 1 1
	run b "$r" 2 1 1
	run c "$r" 2 "" 1
	run a2 "$r" 1 1 2
	run c2 "$r" 2 "" 2
done
echo
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
