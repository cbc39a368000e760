#!/bin/bash
# tests/daemon/test_roostd_unbound.sh - roostd forwarding to a real,
# recursive Unbound that resolves through the mock DNS tree of
# tests/trace, where flaky.test. has four servers: one that drops every
# query, one lame (it serves only the root), one that answers SERVFAIL,
# one that works.  A cold Unbound needs a while for such a name, at
# times longer than roostd's 2 s query-deadline: then the client gets
# SERVFAIL (EDE 22) at the deadline, the question stays with Unbound, and
# the retry a client makes at once (as glibc does) must get the answer
# once Unbound has it, never a remembered SERVFAIL.  Ten cold rounds
# (Unbound and roostd restarted, caches empty): every round ends in the
# right answer within two tries, no retry is ever answered SERVFAIL, and
# the SERVFAILs at a deadline are counted next to Unbound's own cold
# times for that name (asked directly, ten more cold rounds).
#
# Runs in a private network namespace (lib_init): the mock tree on port
# 53 of 127.0.0.10 and up (Unbound asks authorities on port 53), Unbound
# on 127.0.0.40#5300, roostd on 127.0.0.1#5363.  Unbound is Debian's
# (the README's test command installs it; its service is never started).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
[ -x "$UNBOUND" ] || {
	echo "unbound is needed (./bootstrap installs it: apt-get install unbound)"
	exit 99
}
P=53
. "$top_srcdir/tests/trace/tree.sh"
tree_start || exit 99

UB=127.0.0.40
cat >"$T/unbound.conf" <<EOF
server:
	interface: $UB@5300
	port: 5300
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	root-hints: "$HINTS"
	module-config: "iterator"
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/unbound.pid"
	use-syslog: no
	logfile: "$T/unbound.log"
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	auto-trust-anchor-file: ""
	trust-anchor-file: ""
	harden-referral-path: no
	# test. is one of Unbound's built-in empty zones (RFC 6761): ours
	local-zone: "test." nodefault
remote-control:
	control-enable: no
EOF
"$UNBOUND"-checkconf "$T/unbound.conf" >/dev/null ||
    { "$UNBOUND"-checkconf "$T/unbound.conf"; exit 99; }

unbound_start() {
	"$UNBOUND" -d -c "$T/unbound.conf" 2>>"$T/unbound.err" &
	UNBOUND_PID=$!
	LIB_PIDS+=($!)
	wait_until 10 "$DNSPROBE" -q -t 200 "$UB#5300" query . NS \
	    >/dev/null 2>&1
}
unbound_stop() {
	kill -TERM "$UNBOUND_PID" 2>/dev/null
	wait "$UNBOUND_PID" 2>/dev/null
}

# Unbound alone, cold: how long it takes for the name
times=""
for ((i = 1; i <= 10; i++)); do
	unbound_start || { fail "direct $i: unbound did not start"; continue; }
	t0=$(lib_now_ms)
	"$DNSPROBE" -q -t 10000 "$UB#5300" query www.flaky.test A >/dev/null
	times="$times $(($(lib_now_ms) - t0))"
	unbound_stop
done
echo "# unbound alone, cold, www.flaky.test A (ms):$times"

rounds=10 ok=0 servfails=0 late=0 maxms=0
for ((i = 1; i <= rounds; i++)); do
	unbound_start || { fail "round $i: unbound did not start"; continue; }
	roostd_start r 127.0.0.1#5363 --upstream "$UB#5300" || exit 99
	# a client that asks again at once on SERVFAIL, once
	t0=$(lib_now_ms) got=""
	for try in 1 2; do
		out=$("$DNSPROBE" -t 5000 127.0.0.1#5363 query www.flaky.test A)
		rc=$(reply_field rcode <<<"$out")
		if [ "$rc" = NOERROR ]; then
			got=$(sed -n 's/^an .*\tA\t//p' <<<"$out" | head -n 1)
			[ -n "$got" ] || got=$(sed -n 's/^an .* A \(.*\)$/\1/p' <<<"$out")
			break
		fi
		[ "$rc" = SERVFAIL ] && servfails=$((servfails + 1))
		[ "$try" -gt 1 ] && [ "$rc" = SERVFAIL ] && late=$((late + 1))
	done
	ms=$(($(lib_now_ms) - t0))
	[ "$ms" -gt "$maxms" ] && maxms=$ms
	if [[ "$got" == *192.0.2.30* ]]; then
		ok=$((ok + 1))
	else
		echo "# round $i: no answer after $try tries ($out)"
	fi
	# and once roostd has it, from its cache
	out=$("$DNSPROBE" -t 2000 127.0.0.1#5363 query www.flaky.test A)
	check_match "round $i: the answer again, at once" 'rcode=NOERROR' "$out"
	roostd_stop r
	unbound_stop
done
echo "# unbound: $rounds cold rounds, $ok answered right, $servfails SERVFAIL" \
    "at a deadline, slowest round ${maxms} ms"
check_eq "every cold round ends in the right answer" "$rounds" "$ok"
check_eq "a retry after a deadline SERVFAIL never gets a SERVFAIL" 0 "$late"
check_lt "no round took longer than Unbound's own give-up" "$maxms" 12000

finish
