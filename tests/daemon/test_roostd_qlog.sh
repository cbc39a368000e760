#!/bin/bash
# tests/daemon/test_roostd_qlog.sh - the query log: log-queries = yes
# logs one line per answer (client, transport, name, type, rcode, where
# it came from: upstream and which server, cache, local, blocked,
# roostd's own; milliseconds), failed only the answers that are neither
# NOERROR nor NXDOMAIN, at most 100 lines a second with the rest
# counted; `roost monitor` streams the same lines over the control
# socket, whatever log-queries says, until it or roostd goes.
#
# Runs in a private network namespace (lib_init): the mock on
# 127.0.0.2#5300, roostd on 127.0.0.1#5381-5382.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
: "${DNSPROBE:=$top_builddir/tests/tools/dnsprobe}"
DEF=127.0.0.2#5300
CTL=$T/ctl/control
mkdir "$T/ctl" && chmod 711 "$T" && chmod 755 "$T/ctl" || exit 99
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
mock_start def "$DEF" --zone "$T/def.zone" || exit 99
printf 'ads.example.test\n' >"$T/block"
chmod 644 "$T/block"

DIG="dig +tries=1 +time=3 -p 5381 @127.0.0.1"
roostd_start r "127.0.0.1#5381" --upstream "$DEF" --log-queries yes \
    --blocklist "$T/block" --control-socket "$CTL" || exit 99
wait_until 5 grep -q "names blocked from" "$T/r.log"

"$ROOST" --control "$CTL" monitor >"$T/monitor.out" 2>"$T/monitor.err" &
MON=$!
wait_until 5 grep -q "monitor started" "$T/r.log" ||
    fail "roost monitor connected" "no 'monitor started' in the log"

$DIG www.example.test A >/dev/null
$DIG www.example.test A >/dev/null
$DIG +tcp localhost AAAA >/dev/null
$DIG x.ads.example.test A >/dev/null
$DIG example.test AXFR >/dev/null
$DIG nope.example.test A >/dev/null
wait_until 5 grep -q "nope.example.test" "$T/monitor.out"
# (roostd_start's readiness probe came before the monitor)
log=$(sed -n 's/^roostd: query: //p' "$T/r.log" | grep -v ready.roostd.test)
printf '%s\n' "$log"
IP='127\.0\.0\.1#[0-9]+'
check_match "a miss: the upstream server that answered, and ms" \
    "^$IP udp www\.example\.test\. A NOERROR upstream 127\.0\.0\.2#5300 [0-9]+ms$" \
    "$log"
check_match "a hit: from the cache" \
    "^$IP udp www\.example\.test\. A NOERROR cache [0-9]+ms$" "$log"
check_match "localhost over TCP: local" \
    "^$IP tcp localhost\. AAAA NOERROR local [0-9]+ms$" "$log"
check_match "a blocked name" \
    "^$IP udp x\.ads\.example\.test\. A NXDOMAIN blocked [0-9]+ms$" "$log"
check_match "a zone transfer: roostd's own REFUSED" \
    "^$IP (udp|tcp) example\.test\. AXFR REFUSED roostd [0-9]+ms$" "$log"
check_match "NXDOMAIN from upstream" \
    "^$IP udp nope\.example\.test\. A NXDOMAIN upstream 127\.0\.0\.2#5300 [0-9]+ms$" \
    "$log"
check_eq "roost monitor got the same lines" "$log" "$(cat "$T/monitor.out")"

# a burst: at most 100 lines a second in the log, the monitor all of them
before=$(grep -c "^roostd: query: " "$T/r.log")
"$DNSPROBE" -T -q -t 5000 127.0.0.1#5381 pipeline 300 \
    www.example.test/A >"$T/burst.out"
check_eq "the burst was answered" 300 "$(grep -c '^reply ' "$T/burst.out")"
wait_until 5 test "$(grep -c "www.example.test. A NOERROR" "$T/monitor.out")" \
    -ge 301
check_ge "the monitor saw every answer of the burst" \
    "$(grep -c " tcp www.example.test. A NOERROR" "$T/monitor.out")" 300
after=$(grep -c "^roostd: query: " "$T/r.log")
check_lt "the log took at most 100 lines of it" $((after - before)) 101
sleep 1.1
$DIG www.example.test A >/dev/null
wait_until 5 grep -q "lines not logged (more than 100 a second)" "$T/r.log"
check_match "the lines held back are counted" \
    "query log: [0-9]+ lines not logged" "$(cat "$T/r.log")"

kill "$MON"
wait "$MON" 2>/dev/null
wait_until 5 grep -q "monitor ended" "$T/r.log" ||
    fail "the monitor's close was seen" "no 'monitor ended' in the log"

# log-queries = failed: only what is neither NOERROR nor NXDOMAIN
roostd_start f "127.0.0.1#5382" --upstream "$DEF" --log-queries failed ||
    exit 99
DIG="dig +tries=1 +time=3 -p 5382 @127.0.0.1"
$DIG www.example.test A >/dev/null
$DIG nope.example.test A >/dev/null
$DIG example.test AXFR >/dev/null
wait_until 5 grep -q "AXFR REFUSED" "$T/f.log"
flog=$(sed -n 's/^roostd: query: //p' "$T/f.log")
check_match "failed: the REFUSED is logged" "example\.test\. AXFR REFUSED" \
    "$flog"
check_eq "failed: NOERROR and NXDOMAIN are not" "" \
    "$(grep -E "NOERROR|NXDOMAIN" <<<"$flog")"

# log-queries = no (the default): nothing, and a monitor still sees all
CTL2=$T/ctl/control2
roostd_start n "127.0.0.1#5383" --upstream "$DEF" --control-socket "$CTL2" ||
    exit 99
"$ROOST" --control "$CTL2" monitor >"$T/monitor2.out" 2>&1 &
MON=$!
wait_until 5 grep -q "monitor started" "$T/n.log"
dig +tries=1 +time=3 -p 5383 @127.0.0.1 www.example.test A >/dev/null
wait_until 5 grep -q "www.example.test" "$T/monitor2.out"
check_match "no: a monitor still gets the line" "www\.example\.test\. A NOERROR" \
    "$(cat "$T/monitor2.out")"
check_eq "no: nothing in the log" "" "$(grep "query: " "$T/n.log")"
roostd_stop n
wait "$MON"
check_eq "roostd stopping ends roost monitor with 0" 0 $?
check_match "... saying so" "roostd stopped" "$(cat "$T/monitor2.out")"

finish
