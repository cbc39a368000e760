#!/bin/bash
# tests/daemon/test_roostd_lossy.sh - answers through a lossy upstream
# link: a proxy (tests/tools/lossyproxy, fixed seed) drops 20 % of the
# upstream's replies.  500 distinct names at 50 q/s, each asked once by
# a client that waits 2 s: roostd retransmits within the fetch, so the
# share that fails must be what independent losses predict for its tries,
# under 1 %; the same with two such links, 300 names.  The failure share,
# the queries that crossed the link and the replies it dropped are
# reported as "# lossy:" lines.
#
# Runs in a private network namespace (lib_init): mockdns "up" on
# 127.0.0.2#5300; the links on 127.0.0.5#5300 and 127.0.0.6#5300; roostd
# "one" (one link) and "two" (both).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
L1=127.0.0.5#5300
L2=127.0.0.6#5300
LOSS=20
PROXY=$top_builddir/tests/tools/lossyproxy
declare -A PROXY_PID

mock_start up "$UP" --zone "$ZONE" || exit 99
# proxy_start NAME LISTEN SEED: a lossy link to the mock
proxy_start() {
	"$PROXY" -s "$3" -c "$T/$1.counts" "$2" "$UP" "$LOSS" \
	    >"$T/$1.ready" 2>"$T/$1.log" &
	PROXY_PID[$1]=$!
	LIB_PIDS+=($!)
	wait_until 5 grep -qs ready "$T/$1.ready"
}
# proxy_counts NAME: "queries N replies N dropped N refused N opt_removed N"
proxy_counts() {
	rm -f "$T/$1.counts"
	kill -USR1 "${PROXY_PID[$1]}"
	wait_until 5 test -s "$T/$1.counts" && cat "$T/$1.counts"
}
proxy_start l1 "$L1" 0x5eed1 || exit 99
proxy_start l2 "$L2" 0x5eed2 || exit 99
roostd_start one 127.0.0.1#5360 --upstream "$L1" --servfail-ttl 0 || exit 99
roostd_start two 127.0.0.1#5361 --upstream "$L1" --upstream "$L2" \
    --servfail-ttl 0 || exit 99

# run NAME ADDR N: N questions for distinct names at 50 a second, each
# asked once with 2 s to answer; sets FAILED to how many got no answer
run() {
	local i
	mkdir -p "$T/$1"
	for ((i = 1; i <= $3; i++)); do
		"$DNSPROBE" -q -t 2000 "$2" query "n$i.$1.example.test" A \
		    >"$T/$1/$i" 2>&1 &
		sleep 0.02	# the pace of the run: 50 questions a second
	done
	wait_probes
	FAILED=$(grep -L 'rcode=NXDOMAIN' "$T/$1"/* | wc -l)
}
# wait for the probes of a run (not the servers)
wait_probes() {
	local j
	for j in $(jobs -p); do
		case " ${LIB_PIDS[*]} " in *" $j "*) continue ;; esac
		wait "$j"
	done
}

for l in l1 l2; do proxy_counts $l >/dev/null; done
before=$(proxy_counts l1)
run one 127.0.0.1#5360 500
after=$(proxy_counts l1)
q=$(($(awk '{ print $2 }' <<<"$after") - $(awk '{ print $2 }' <<<"$before")))
d=$(($(awk '{ print $6 }' <<<"$after") - $(awk '{ print $6 }' <<<"$before")))
echo "# lossy: one link losing $LOSS % of replies: 500 questions, $FAILED failed" \
    "($((FAILED * 100 / 500)).$(((FAILED * 1000 / 500) % 10)) %), $q queries" \
    "crossed the link, $d replies dropped (independent losses over the" \
    "4 tries 2 s hold, 500 ms apart: 0.2^4 = 0.16 %, 0.8 of 500)"
check_lt "one lossy link: under 1 % of 500 fail within 2 s" "$FAILED" 5
check_ge "one lossy link: lost replies were asked again" "$q" 550
check_ge "one lossy link: replies were lost" "$d" 50

b1=$(proxy_counts l1)
b2=$(proxy_counts l2)
run two 127.0.0.1#5361 300
a1=$(proxy_counts l1)
a2=$(proxy_counts l2)
q=$(($(awk '{ print $2 }' <<<"$a1") - $(awk '{ print $2 }' <<<"$b1") +
    $(awk '{ print $2 }' <<<"$a2") - $(awk '{ print $2 }' <<<"$b2")))
echo "# lossy: two links losing $LOSS % each: 300 questions, $FAILED failed," \
    "$q queries crossed them"
check_lt "two lossy links: under 1 % of 300 fail within 2 s" "$FAILED" 3
check_ge "two lossy links: lost replies were asked again" "$q" 330

finish
