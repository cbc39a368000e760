#!/bin/bash
# tests/daemon/test_roostd_control.sh - roostd's control socket through
# `roost stats|flush|dump|reload`, against mockdns: the counters move by
# exactly what the queries did (checked against the mock's own counts),
# in flight and coalesced included; SIGUSR1 logs the same numbers;
# --json parses with jq and --prometheus is the exposition format;
# `roost flush NAME` sends the next query of that name upstream and of
# no other; `flush --zone` clears a subtree and nothing else; `dump`
# lists what is cached with TTLs that go down, and all of 2000 entries;
# a user who is not root, roostd's user or in its group is refused (by
# the file mode, and by SO_PEERCRED when the mode lets them through);
# `roost reload` applies a changed file and reports a broken one as
# FILE:LINE; an unreachable socket is a clear error.
#
# Runs in a private network namespace (lib_init); the mock on
# 127.0.0.2#5300, roostd on 127.0.0.1#5310 with its configuration and
# control socket in a short temporary directory (a unix socket path has
# at most 107 octets; the build directory may be deeper).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
UP=127.0.0.2#5300
MAIN=127.0.0.1#5310
# roostd (nobody, when we are root) reads its configuration here on
# reload; the socket itself is created before it drops root
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
CONF=$CTLDIR/roostd.conf
cat >"$CONF" <<EOF
upstream = $UP
upstream-timeout = 3000
query-deadline = 5000
control-socket = $CTL
EOF
chmod 644 "$CONF"

# bulk.ctl2.test: 2000 names, to list in many slices
NBULK=2000
{
	echo '$ORIGIN ctl2.test.'
	echo '$TTL 300'
	echo '@ IN SOA ns.ctl2.test. hostmaster.ctl2.test. 1 7200 900 1209600 300'
	echo '@ IN NS ns'
	echo 'ns IN A 192.0.2.53'
	for ((i = 0; i < NBULK; i++)); do
		echo "n$i IN A 192.0.2.$((i % 250 + 1))"
	done
} >"$T/ctl2.test.zone"

mock_start up "$UP" --zone "$top_srcdir/tests/daemon/zones/ctl.test.zone" \
    --zone "$T/ctl2.test.zone" --rule 'slow.ctl.test A delay=1500' || exit 99
roostd_start main "$MAIN" -c "$CONF" --control-socket "$CTL" || exit 99

# roost: the client on our socket (a --control after the command wins)
roost() { "$ROOST" --control "$CTL" "$@"; }
probe() { "$DNSPROBE" "$@"; }
# q NAME [TYPE [DNSPROBE FLAG...]]: one query to roostd, rcode printed.
q() {
	local name=$1 type=${2:-A}
	shift
	[ $# -gt 0 ] && shift
	probe "$@" "$MAIN" query "$name" "$type" | reply_field rcode
}
# snap: `roost stats --json` into $STATS; st GROUP.KEY: one counter of it.
snap() { STATS=$(roost stats --json) || return 1; }
st() { jq -r ".$1" <<<"$STATS"; }
ustat() { jq -r ".upstreams[0].$1" <<<"$STATS"; }
upcount() { mock_count up "$1" "${2:-A}" "${3:-udp}"; }
# dump_ttl NAME [TYPE]: the TTL `roost dump` shows for NAME's entry.
dump_ttl() {
	roost dump --json | jq -r --arg n "$1" --arg t "${2:-A}" \
	    '.[] | select(.name == $n and .type == $t and (.dnssec_ok | not)) | .ttl'
}

# --- stats: the counters move by what the queries did ------------------------

snap
check_eq "stats: the socket answers" ok "${STATS:+ok}"
b_udp=$(st queries.udp) b_tcp=$(st queries.tcp)
b_noerr=$(st answers.noerror) b_nx=$(st answers.nxdomain)
b_hits=$(st cache.hits) b_miss=$(st cache.misses)
b_ins=$(st cache.inserts)
check_eq "stats: nothing cached yet" 0 "$(st cache.entries)"
check_eq "stats: no upstream query yet" 0 "$(ustat queries)"
check_eq "stats: the upstream is listed by address" "$UP" "$(ustat address)"

check_eq "stats: a.ctl.test answered (miss)" NOERROR "$(q a.ctl.test)"
check_eq "stats: a.ctl.test answered (hit)" NOERROR "$(q a.ctl.test)"
check_eq "stats: a.ctl.test answered (hit again)" NOERROR "$(q a.ctl.test)"
check_eq "stats: b.ctl.test over TCP" NOERROR "$(q b.ctl.test A -T)"
check_eq "stats: nx.ctl.test is NXDOMAIN" NXDOMAIN "$(q nx.ctl.test)"
snap
check_eq "stats: 4 more UDP queries" $((b_udp + 4)) "$(st queries.udp)"
check_eq "stats: 1 more TCP query" $((b_tcp + 1)) "$(st queries.tcp)"
check_eq "stats: 4 more NOERROR answers" $((b_noerr + 4)) \
    "$(st answers.noerror)"
check_eq "stats: 1 more NXDOMAIN answer" $((b_nx + 1)) \
    "$(st answers.nxdomain)"
check_eq "stats: 2 more cache hits" $((b_hits + 2)) "$(st cache.hits)"
check_eq "stats: 3 more cache misses" $((b_miss + 3)) "$(st cache.misses)"
check_eq "stats: 3 more inserts" $((b_ins + 3)) "$(st cache.inserts)"
check_eq "stats: 3 entries cached" 3 "$(st cache.entries)"
check_ge "stats: the cache holds bytes" "$(st cache.bytes)" 1
mock_total=$(($(upcount a.ctl.test.) + $(upcount b.ctl.test. A tcp) +
    $(upcount b.ctl.test.) + $(upcount nx.ctl.test.)))
check_eq "stats: the mock saw 3 queries" 3 "$mock_total"
check_eq "stats: upstream queries equal the mock's count" "$mock_total" \
    "$(ustat queries)"
check_eq "stats: no upstream failure" 0 "$(ustat failures)"
check_eq "stats: no upstream timeout" 0 "$(ustat timeouts)"
check_eq "stats: 3 RTT samples" 3 "$(ustat rtt_samples)"
check_eq "stats: the upstream is up" false "$(ustat down)"

# five identical questions to a slow name: one fetch, four coalesced
b_coal=$(st fetches.coalesced)
slow_pids=()
for i in 1 2 3 4 5; do
	probe -t 6000 "$MAIN" query slow.ctl.test A >"$T/slow.$i" &
	slow_pids+=($!)
done
waiting5() { snap && [ "$(st fetches.waiting)" = 5 ]; }
if wait_until 5 waiting5; then
	pass "in flight: 5 queries wait on the slow name"
else
	fail "in flight: 5 queries wait on the slow name" "$STATS"
fi
check_eq "in flight: one fetch" 1 "$(st fetches.inflight)"
wait "${slow_pids[@]}"
check_eq "in flight: all 5 answered" 5 \
    "$(cat "$T"/slow.* | grep -c 'rcode=NOERROR')"
snap
check_eq "coalesced: 4 joined the fetch" $((b_coal + 4)) \
    "$(st fetches.coalesced)"
check_eq "coalesced: the mock saw 1 query" 1 "$(upcount slow.ctl.test.)"
check_eq "in flight: none left" 0 "$(st fetches.inflight)"
check_eq "in flight: nobody waits" 0 "$(st fetches.waiting)"
check_eq "latency: 4 RTT samples" 4 "$(ustat rtt_samples)"
check_lt "latency: p50 is a fast answer" "$(ustat p50_ms)" 300
check_ge "latency: p99 is the 1500 ms one" "$(ustat p99_ms)" 1500
check_lt "latency: p99 under 5 s" "$(ustat p99_ms)" 5000
check_ge "latency: p90 >= p50" "$(ustat p90_ms)" "$(ustat p50_ms)"
check_ge "latency: the RTT sum holds the slow one" "$(ustat rtt_sum_ms)" 1500

# SIGUSR1 logs exactly what `roost stats` shows
snap
want=$(jq -r 'to_entries | map(select(.key != "upstreams")) |
    map(.key + " " + (.value | to_entries |
        map(.key + "=" + (.value | tostring)) | join(" "))) | join("; ")' \
    <<<"$STATS")
want_up=$(jq -r '.upstreams[0] | "upstream " + .address + " " +
    (to_entries | map(select(.key != "address")) |
     map(.key + "=" + (if .value == true then "1" elif .value == false
         then "0" else (.value | tostring) end)) | join(" "))' <<<"$STATS")
n=$(grep -c 'roostd: stats: ' "$T/main.log")
kill -USR1 "${ROOSTD_PID[main]}"
logged() { [ "$(grep -c 'roostd: stats: ' "$T/main.log")" -gt "$n" ]; }
check "SIGUSR1: a stats line is logged" wait_until 5 logged
line=$(grep 'roostd: stats: ' "$T/main.log" | tail -n 1)
# the SRTT decays with time: the one number that may differ
nosrtt() { sed 's/ srtt_ms=[0-9]*//'; }
check_eq "SIGUSR1: the same counters as roost stats" \
    "$(nosrtt <<<"roostd: stats: $want; $want_up")" "$(nosrtt <<<"$line")"

# --- output formats ------------------------------------------------------------

check "json: roost stats --json parses" jq -e '.cache.entries >= 1' \
    <<<"$(roost stats --json)"
prom=$(roost stats --prometheus)
check_eq "prometheus: exit 0" 0 $?
bad=$(grep -Ev '^# (HELP|TYPE) roost_[a-z_]+ .+$|^roost_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+(\.[0-9]+)?$' \
    <<<"$prom")
check_eq "prometheus: every line is a comment or a sample" "" "$bad"
check_match "prometheus: queries by transport" \
    "^roost_queries_total\{transport=\"udp\"\} $(st queries.udp)$" "$prom"
check_match "prometheus: answers by rcode" \
    '^roost_answers_total\{rcode="nxdomain"\} [0-9]+$' "$prom"
check_match "prometheus: a summary of upstream RTTs" \
    "^roost_upstream_rtt_seconds\{upstream=\"$UP\",quantile=\"0.99\"\} [1-4]\.[0-9]{3}$" \
    "$prom"
untyped=$(awk '/^# TYPE / { typed[$3] = 1; next } /^#/ { next }
    { m = $1; sub(/\{.*/, "", m); b = m; sub(/_(sum|count)$/, "", b)
      if (!(m in typed) && !(b in typed)) print m }' <<<"$prom")
check_eq "prometheus: every sample follows its TYPE line" "" "$untyped"
check_eq "prometheus: no family is declared twice" "" \
    "$(grep '^# TYPE' <<<"$prom" | sort | uniq -d)"
text=$(roost stats)
check_match "text: a table of upstreams" \
    "^  $UP +4 +0 +0 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ up$" "$text"

# --- flush NAME: the next query of that name, and only that, goes upstream ------

check_eq "flush setup: a.ctl.test AAAA (NODATA) cached" NOERROR \
    "$(q a.ctl.test AAAA)"
dig +dnssec +tries=1 +time=2 -p 5310 @127.0.0.1 a.ctl.test A >"$T/dig.out"
check_match "flush setup: a.ctl.test with DO cached" 'status: NOERROR' \
    "$(cat "$T/dig.out")"
b_a=$(upcount a.ctl.test.) b_aaaa=$(upcount a.ctl.test. AAAA)
b_b=$(upcount b.ctl.test.)
out=$(roost flush A.Ctl.Test.)
check_eq "flush NAME: three entries of a.ctl.test removed (A, AAAA, DO)" \
    "3 entries removed" "$out"
q a.ctl.test >/dev/null
q a.ctl.test AAAA >/dev/null
q b.ctl.test >/dev/null
check_eq "flush NAME: a.ctl.test A went upstream again" $((b_a + 1)) \
    "$(upcount a.ctl.test.)"
check_eq "flush NAME: a.ctl.test AAAA went upstream again" $((b_aaaa + 1)) \
    "$(upcount a.ctl.test. AAAA)"
check_eq "flush NAME: b.ctl.test stayed cached" "$b_b" \
    "$(upcount b.ctl.test.)"
check_eq "flush NAME: a name not cached removes nothing" \
    "0 entries removed" "$(roost flush nothing.ctl.test)"

# --- flush --zone: a subtree and nothing else --------------------------------------

for n in sub www.sub x.y.sub notsub c; do
	q "$n.ctl.test" >/dev/null
done
out=$(roost flush --zone sub.ctl.test)
check_eq "flush --zone: the three names at or below sub.ctl.test" \
    "3 entries removed" "$out"
for n in sub www.sub x.y.sub notsub c; do
	q "$n.ctl.test" >/dev/null
done
for n in sub www.sub x.y.sub; do
	check_eq "flush --zone: $n.ctl.test asked upstream again" 2 \
	    "$(upcount "$n.ctl.test.")"
done
for n in notsub c; do
	check_eq "flush --zone: $n.ctl.test stayed cached" 1 \
	    "$(upcount "$n.ctl.test.")"
done

# --- flush everything ----------------------------------------------------------------

out=$(roost flush)
check_match "flush: everything removed" '^[0-9]+ entries removed$' "$out"
snap
check_eq "flush: the cache is empty" 0 "$(st cache.entries)"
b_c=$(upcount c.ctl.test.)
q c.ctl.test >/dev/null
check_eq "flush: c.ctl.test asked upstream again" $((b_c + 1)) \
    "$(upcount c.ctl.test.)"

# --- dump: what is cached, with TTLs going down ------------------------------------

q ttl.ctl.test >/dev/null
q nx2.ctl.test >/dev/null
d=$(roost dump)
check_match "dump: a table header" '^NAME +TYPE +TTL +RCODE +SIZE +FLAGS +DNSSEC$' "$d"
check_match "dump: ttl.ctl.test A NOERROR" \
    '^ttl\.ctl\.test\. +A +(300|299) +NOERROR +[0-9]+ - +-$' "$d"
check_match "dump: nx2.ctl.test NXDOMAIN, 60 s (SOA MINIMUM)" \
    '^nx2\.ctl\.test\. +A +(60|59) +NXDOMAIN +[0-9]+ - +-$' "$d"
check_eq "dump: three entries listed" 3 "$(($(wc -l <<<"$d") - 1))"
t1=$(dump_ttl ttl.ctl.test.)
lower() { [ "$(dump_ttl ttl.ctl.test.)" -lt "$t1" ]; }
check "dump: the TTL goes down within 2.5 s" wait_until 3 lower
t2=$(dump_ttl ttl.ctl.test.)
check_match "dump: by one or two seconds" "^($((t1 - 1))|$((t1 - 2)))$" "$t2"
check "dump --json parses, with every field" jq -e \
    'length == 3 and all(.[]; has("name") and has("type") and has("ttl")
        and has("rcode") and has("size") and (.size > 0))' \
    <<<"$(roost dump --json)"

# 2000 entries: listed in many slices, each exactly once
roost flush >/dev/null
names=()
for ((i = 0; i < NBULK; i++)); do
	names+=("n$i.ctl2.test")
done
probe -T -t 20000 -q "$MAIN" pipeline 1000 "${names[@]:0:1000}" >/dev/null
probe -T -t 20000 -q "$MAIN" pipeline 1000 "${names[@]:1000}" >/dev/null
snap
check_eq "bulk: 2000 entries cached" "$NBULK" "$(st cache.entries)"
check_eq "bulk: dump lists each once" "$NBULK" \
    "$(roost dump --json | jq -r '.[].name' | sort -u | wc -l)"
check_eq "bulk: dump lists no more" "$NBULK" \
    "$(roost dump | tail -n +2 | wc -l)"

# --- access: only root, roostd's user and its group -------------------------------------

if lib_real_root; then
	# 65533: neither root, nor roostd's user (nobody), nor in its group
	stranger=(setpriv --reuid=65533 --regid=65533 --clear-groups)
	gid=$(stat -c %g "$CTL")
	check_eq "access: the socket is mode 0660" 660 "$(stat -c %a "$CTL")"
	check_eq "access: the socket belongs to roostd's user" \
	    "$(id -u "$ROOSTD_USER")" "$(stat -c %u "$CTL")"
	out=$("${stranger[@]}" "$ROOST" stats --control "$CTL" 2>&1)
	check_eq "access: a stranger is refused (exit 2)" 2 $?
	check_match "access: by the file mode, said clearly" \
	    "cannot reach roostd at $CTL: Permission denied" "$out"
	chmod 666 "$CTL"
	out=$("${stranger[@]}" "$ROOST" stats --control "$CTL" 2>&1)
	check_eq "access: with mode 0666 still refused (exit 2)" 2 $?
	check_match "access: by SO_PEERCRED" \
	    "permission denied: uid 65533 is not root" "$out"
	check_match "access: the refusal is logged" \
	    'control: refused uid 65533' "$(cat "$T/main.log")"
	out=$(setpriv --reuid=65533 --regid=65533 --groups="$gid" \
	    "$ROOST" stats --json --control "$CTL" 2>&1)
	check_eq "access: a member of the socket's group is served" 0 $?
	out=$(setpriv --reuid=65533 --regid="$gid" --clear-groups \
	    "$ROOST" stats --json --control "$CTL" 2>&1)
	check_eq "access: the socket's group as primary group is served" 0 $?
	chmod 660 "$CTL"
else
	skip "access: a stranger, a group member and roostd's user" \
	    "the real root, to run roost as other users"
fi

# --- reload -------------------------------------------------------------------------

echo 'max-ttl = 60' >>"$CONF"
out=$(roost reload 2>&1)
check_eq "reload: exit 0" 0 $?
check_eq "reload: says so" "roostd reloaded its configuration" "$out"
check_match "reload: logged as from the control socket" \
    'control: configuration reloaded' "$(cat "$T/main.log")"
q clamped.ctl.test >/dev/null
check_match "reload: the new max-ttl applies" '^(60|59)$' \
    "$(dump_ttl clamped.ctl.test.)"
echo 'bogus-key = 1' >>"$CONF"
out=$(roost reload 2>&1)
check_eq "reload: a broken file fails (exit 2)" 2 $?
check_match "reload: the error names FILE:LINE" \
    "$CONF:6: unknown option \"bogus-key\"" "$out"
check_eq "reload: roostd still answers" NOERROR "$(q b.ctl.test)"
STATS=
snap
check_eq "reload: the control socket still answers" ok "${STATS:+ok}"

# --- errors and usage -----------------------------------------------------------------

out=$(roost stats --control "$CTLDIR/nothing" 2>&1)
check_eq "no daemon: exit 2" 2 $?
check_match "no daemon: cannot reach roostd at PATH" \
    "cannot reach roostd at $CTLDIR/nothing: No such file" "$out"
out=$(roost --control "$CTLDIR/nothing" dump 2>&1)
check_match "global --control applies" \
    "cannot reach roostd at $CTLDIR/nothing" "$out"
long=$CTLDIR/$(printf 'x%.0s' $(seq 1 110))
out=$(roost stats --control "$long" 2>&1)
check_eq "a path too long for a unix socket: usage (3)" 3 $?
check_match "a path too long: said so, with the limit" \
    "control socket path too long \(${#long} characters; a unix socket path has at most 107\)" \
    "$out"
roost flush a.ctl.test --zone ctl.test >/dev/null 2>&1
check_eq "usage: NAME and --zone together: exit 3" 3 $?
roost dump --prometheus >/dev/null 2>&1
check_eq "usage: dump --prometheus: exit 3" 3 $?
roost stats extra >/dev/null 2>&1
check_eq "usage: an extra argument: exit 3" 3 $?
out=$(roost flush 'bad..name' 2>&1)
check_eq "flush: a bad name is roostd's error (exit 2)" 2 $?
check_match "flush: the error says so" 'bad name' "$out"

roostd_stop main
check_eq "roostd stops cleanly" 0 $?
finish
