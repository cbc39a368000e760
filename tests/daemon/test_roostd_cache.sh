#!/bin/bash
# tests/daemon/test_roostd_cache.sh - roostd's cache end to end: a real
# roostd on real sockets against mockdns, real clients (dnsprobe, dig),
# counting the queries that reach the upstream.  A second identical query
# never does (UDP and TCP); NXDOMAIN and NODATA are cached; mixed-case
# questions share one entry and each gets its own spelling and id back;
# 200 identical questions in flight on real sockets make one upstream
# query; DO and CD are separate keys; a cached answer too big for UDP gets
# TC and then comes whole over TCP; --max-ttl clamps; one real expiry:
# entries of 2 s expire on roostd's clock, the upstream is asked again
# and, as it has died, serve-stale answers with TTL 30 (SERVFAIL with
# --serve-stale no, or past --stale-limit); --servfail-ttl remembers a
# failure (0: it does not); a 64 KiB --cache-size is never exceeded under
# a stream of unique names.
#
# What moved to tests/unit/test_query.c, on a fake clock instead of real
# sleeps: served TTLs counting down second by second and the refetch at
# expiry (positive, NXDOMAIN, NODATA, SERVFAIL), the RFC 2308 lifetime
# min(SOA TTL, MINIMUM), prefetch in the last tenth (and --prefetch no),
# the servfail-ttl expiry, coalescing's counts and the query deadline.
#
# Runs in a private network namespace (lib_init); mocks on 127.0.0.2-6,
# one roostd per configuration on 127.0.0.1, ports 5301...  Each roostd
# asks its own names, so that the counts of one scenario stay apart from
# the others'.  Times come from lib_now_ms around each query.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONES=$top_srcdir/tests/daemon/zones
UP=127.0.0.2#5300	# cache.test, neg.test
FLAKY=127.0.0.3#5300	# cache.test; told to drop everything halfway
SFAIL1=127.0.0.4#5300	# SERVFAIL to everything, also on ...
SFAIL2=127.0.0.5#5300
BULK=127.0.0.6#5300	# bulk.test (its counts list outgrows one message)
MAIN=127.0.0.1#5301	# defaults (prefetch yes), upstream-timeout 2000
BUDGET=127.0.0.1#5303	# --cache-size 65536
STALE=127.0.0.1#5304	# serve-stale (the default), upstream FLAKY
NOSTALE=127.0.0.1#5305	# --serve-stale no, upstream FLAKY
STALELIM=127.0.0.1#5306	# --stale-limit 1, upstream FLAKY
SF=127.0.0.1#5307	# --servfail-ttl 8, upstreams SFAIL1, SFAIL2
SF0=127.0.0.1#5308	# --servfail-ttl 0, upstreams SFAIL1, SFAIL2
CLAMP=127.0.0.1#5309	# --max-ttl 60
DIG="dig +tries=1 +time=2 -p 5301 @127.0.0.1"
probe() { "$DNSPROBE" "$@"; }

# bulk.test: 3000 names, far more than 64 KiB of cache holds
NBULK=3000
{
	echo '$ORIGIN bulk.test.'
	echo '$TTL 300'
	echo '@ IN SOA ns.bulk.test. hostmaster.bulk.test. 1 7200 900 1209600 300'
	echo '@ IN NS ns'
	echo 'ns IN A 192.0.2.53'
	for ((i = 0; i < NBULK; i++)); do
		echo "n$i IN A 192.0.2.$((i % 250 + 1))"
	done
} >"$T/bulk.test.zone"
: >"$T/flaky.rules"

mock_start up "$UP" --zone "$ZONES/cache.test.zone" \
    --zone "$ZONES/neg.test.zone" \
    --rule 'coal.cache.test A delay=1500' || exit 99
mock_start bulk "$BULK" --zone "$T/bulk.test.zone" || exit 99
mock_start flaky "$FLAKY" --zone "$ZONES/cache.test.zone" \
    --rules "$T/flaky.rules" || exit 99
mock_start sfail "$SFAIL1" --listen "$SFAIL2" --zone "$ZONES/cache.test.zone" \
    --rule '* * rcode=servfail' || exit 99

# a long upstream-timeout: coal's answer takes 1.5 s and must come from
# the first try (exactly one upstream query)
roostd_start main "$MAIN" --upstream "$UP" --upstream-timeout 2000 \
    --query-deadline 4000 || exit 99
roostd_start budget "$BUDGET" --upstream "$BULK" --cache-size 65536 || exit 99
FAILFAST=(--upstream-timeout 200 --query-deadline 1000)
roostd_start stale "$STALE" --upstream "$FLAKY" "${FAILFAST[@]}" || exit 99
roostd_start nostale "$NOSTALE" --upstream "$FLAKY" --serve-stale no \
    "${FAILFAST[@]}" || exit 99
roostd_start stalelim "$STALELIM" --upstream "$FLAKY" --stale-limit 1 \
    "${FAILFAST[@]}" || exit 99
roostd_start sf "$SF" --upstream "$SFAIL1" --upstream "$SFAIL2" \
    --servfail-ttl 8 "${FAILFAST[@]}" || exit 99
roostd_start sf0 "$SF0" --upstream "$SFAIL1" --upstream "$SFAIL2" \
    --servfail-ttl 0 "${FAILFAST[@]}" || exit 99
roostd_start clamp "$CLAMP" --upstream "$UP" --max-ttl 60 || exit 99

# ttl_range OUT: "MIN MAX" of the TTLs of OUT's records (an and ns
# lines of dnsprobe), empty if it has none.
ttl_range() {
	awk '$1 == "an" || $1 == "ns" {
		if (min == "" || $3 + 0 < min) min = $3 + 0
		if (max == "" || $3 + 0 > max) max = $3 + 0
	} END { if (min != "") print min, max }' <<<"$1"
}
rcode_of() { reply_field rcode <<<"$1"; }
ms_of() { reply_field ms <<<"$1"; }
# now_ms: NOW = lib_now_ms, without a fork.
now_ms() {
	local us=${EPOCHREALTIME/[.,]/}
	NOW=$((us / 1000))
}
# past MS: lib_now_ms is MS or later.
past() {
	now_ms
	[ "$NOW" -ge "$1" ]
}

# roostd_stats NAME: SIGUSR1 NAME and print the stats line it logs.
stats_lines() { grep -c 'roostd: stats: ' "$T/$1.log"; }
stats_logged() { [ "$(stats_lines "$1")" -gt "$2" ]; }
roostd_stats() {
	local n
	n=$(stats_lines "$1")
	kill -USR1 "${ROOSTD_PID[$1]}" || return 1
	wait_until 5 stats_logged "$1" "$n" || return 1
	grep 'roostd: stats: ' "$T/$1.log" | tail -n 1
}
# stat_of KEY LINE: the number after " KEY=" in a stats line.
stat_of() { sed -n "s/.*[ ;]$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# --- serve-stale: three 2 s entries, then the upstream dies ---------------------

for s in "$STALE stale" "$NOSTALE stale-no" "$STALELIM stale-lim"; do
	set -- $s
	out=$(probe "$1" query "$2.cache.test" A)
	check_match "serve-stale setup: $2 answered with TTL 2" \
	    "^an $2\.cache\.test\. 2 IN A " "$out"
done
st_b=$(lib_now_ms)
echo '* * drop' >"$T/flaky.rules"
check "serve-stale setup: the upstream now drops everything" \
    mock_reload flaky
out=$(probe -t 300 "$FLAKY" query hit.cache.test A)
check_match "serve-stale setup: the upstream really is silent" '^timeout ' \
    "$out"

# --- negative answers and a remembered SERVFAIL: cached, no waiting ------------

# (their lifetimes and expiry: tests/unit/test_query.c)
for s in "nx.cache.test A NXDOMAIN" "v4only.cache.test AAAA NOERROR"; do
	set -- $s
	out=$(probe "$MAIN" query "$1" "$2")
	check_match "negative: $1 $2 is $3 with the SOA, TTL 8 (MINIMUM)" \
	    "^reply id=[0-9]+ rcode=$3 .*an=0 ns=1 " "$out"
	check_eq "negative: $1 $2: TTL 8" "8 8" "$(ttl_range "$out")"
	out=$(probe "$MAIN" query "$1" "$2")
	check_match "negative: $1 $2 again: $3" "^reply id=[0-9]+ rcode=$3 " \
	    "$out"
	check_eq "negative: $1 $2 again: from the cache" 1 \
	    "$(mock_count up "$1." "$2" udp)"
done
out=$(probe -t 3000 "$SF" query sf.cache.test A)
check_match "servfail-ttl 8: SERVFAIL" '^reply id=[0-9]+ rcode=SERVFAIL ' "$out"
c=$(mock_count sfail sf.cache.test. A udp)
check_ge "servfail-ttl 8: every upstream was asked" "$c" 2
out=$(probe -t 3000 "$SF" query sf.cache.test A)
check_match "servfail-ttl 8: SERVFAIL again" '^reply id=[0-9]+ rcode=SERVFAIL ' \
    "$out"
check_eq "servfail-ttl 8: ... remembered, the upstreams not asked" "$c" \
    "$(mock_count sfail sf.cache.test. A udp)"
c=$(mock_count sfail sf0.cache.test. A udp)
out=$(probe -t 3000 "$SF0" query sf0.cache.test A)
check_match "servfail-ttl 0: SERVFAIL" '^reply id=[0-9]+ rcode=SERVFAIL ' \
    "$out"
c1=$(mock_count sfail sf0.cache.test. A udp)
check_ge "servfail-ttl 0: every upstream was asked" "$c1" $((c + 2))
out=$(probe -t 3000 "$SF0" query sf0.cache.test A)
check_ge "servfail-ttl 0: the next query asks the upstreams again" \
    "$(mock_count sfail sf0.cache.test. A udp)" $((c1 + 2))

# --- serve-stale, now that the 2 s entries have expired ------------------------

# stale-lim must be past 2 s + its 1 s stale limit
check "serve-stale: waited past expiry + stale limit" \
    wait_until 6 past $((st_b + 3050))
probe -t 3000 "$STALE" query stale.cache.test A >"$T/q-stale.out" &
p1=$!
probe -t 3000 "$NOSTALE" query stale-no.cache.test A >"$T/q-stale-no.out" &
p2=$!
probe -t 3000 "$STALELIM" query stale-lim.cache.test A >"$T/q-stale-lim.out" &
p3=$!
wait "$p1" "$p2" "$p3"
out=$(cat "$T/q-stale.out")
check_match "serve-stale: the expired answer, upstream dead" \
    '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' "$out"
check_eq "serve-stale: with TTL 30" "30 30" "$(ttl_range "$out")"
check_lt "serve-stale: within the query deadline (1000 ms + 500)" \
    "$(ms_of "$out")" 1500
check_ge "serve-stale: the upstream was asked again first" \
    "$(mock_count flaky stale.cache.test. A udp)" 2
check_match "serve-stale: logged as stale" \
    'stale\.cache\.test\. type=1: stale, asking upstream' \
    "$(cat "$T/stale.log")"
out=$(cat "$T/q-stale-no.out")
check_match "--serve-stale no: SERVFAIL" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$out"
check_lt "--serve-stale no: within the query deadline" "$(ms_of "$out")" 1500
check_ge "--serve-stale no: the upstream was asked again" \
    "$(mock_count flaky stale-no.cache.test. A udp)" 2
check_match "--stale-limit 1: SERVFAIL past expiry + 1 s" \
    '^reply id=[0-9]+ rcode=SERVFAIL .*check=ok' "$(cat "$T/q-stale-lim.out")"

# --- hits: no upstream query, the client's id and spelling -----------------------

out=$(probe -i 101 "$MAIN" query hit.cache.test A)
check_match "miss: answered" '^reply id=101 rcode=NOERROR .*an=1 .*check=ok' \
    "$out"
out=$(probe -i 102 "$MAIN" query hit.cache.test A)
check_match "hit: answered" '^reply id=102 rcode=NOERROR .*an=1 .*check=ok' \
    "$out"
out=$(probe -T -i 103 "$MAIN" query hit.cache.test A)
check_match "hit over TCP: answered" \
    '^reply id=103 rcode=NOERROR .*an=1 .*check=ok' "$out"
check_eq "hit: the second identical query did not reach the upstream" 1 \
    "$(mock_count up hit.cache.test. A udp)"
check_eq "hit: nor did the TCP one" 0 "$(mock_count up hit.cache.test. A tcp)"
check_match "hit: logged as a cache hit" \
    'query udp id=102 hit\.cache\.test\. type=1: cache hit' \
    "$(cat "$T/main.log")"

out=$(probe -i 201 "$MAIN" query ID.cache.test A)
check_match "id/spelling: the miss has the client's id and spelling" \
    '^reply id=201 rcode=NOERROR .*qd=ID\.cache\.test\./A/IN .*check=ok' "$out"
for s in "7 iD.CACHE.test" "65535 Id.Cache.Test" "0 id.cache.test"; do
	set -- $s
	out=$(probe -i "$1" "$MAIN" query "$2" A)
	check_match "id/spelling: hit for $2 has id $1 and its spelling" \
	    "^reply id=$1 rcode=NOERROR .*qd=${2//./\\.}\./A/IN .*an=1 " "$out"
	out=$(probe -T -i "$1" "$MAIN" query "$2" A)
	check_match "id/spelling: TCP hit for $2 has id $1 and its spelling" \
	    "^reply id=$1 rcode=NOERROR .*qd=${2//./\\.}\./A/IN .*an=1 " "$out"
done
check_eq "id/spelling: one upstream query for them all" 1 \
    "$(mock_count up id.cache.test. A udp)"

# mixed case: one entry, each client's own spelling back (in the
# question and, through compression, in the answer's owner name)
for s in MIXED.cache.test mixed.CACHE.TEST mIxEd.cAcHe.tEsT; do
	out=$(probe "$MAIN" query "$s" A)
	check_match "mixed case: $s gets its own spelling back" \
	    "^reply id=[0-9]+ rcode=NOERROR .*qd=${s//./\\.}\./A/IN .*check=ok" \
	    "$out"
	check_match "mixed case: $s in the answer's owner name" \
	    "^an ${s//./\\.}\. [0-9]+ IN A 192\.0\.2\.3$" "$out"
done
check_eq "mixed case: one upstream query for the three spellings" 1 \
    "$(mock_count up mixed.cache.test. A udp)"

# --- max-ttl: no served TTL above it, the first answer (a miss) included --

out=$(probe "$CLAMP" query clamp.cache.test A)
check_match "max-ttl: the miss is answered" '^reply id=[0-9]+ rcode=NOERROR .*an=1 ' \
    "$out"
check_eq "max-ttl: the miss's TTL is clamped (upstream says 300)" "60 60" \
    "$(ttl_range "$out")"
out=$(probe "$CLAMP" query clamp.cache.test A)
read -r lo hi <<<"$(ttl_range "$out")"
check "max-ttl: the hit's TTL is at most 60 (got $hi)" test "${hi:-999}" -le 60
check_eq "max-ttl: one upstream query" 1 \
    "$(mock_count up clamp.cache.test. A udp)"

# --- DO and CD are part of the key ---------------------------------------------

dnssec_count() { mock_count up dnssec.cache.test. A udp; }
out=$($DIG dnssec.cache.test A)
check_match "DO/CD: plain query answered" 'status: NOERROR' "$out"
check_nomatch "DO/CD: plain query: no DO in the answer" 'EDNS: .*flags: do' \
    "$out"
check_eq "DO/CD: plain query asked upstream" 1 "$(dnssec_count)"
out=$($DIG +dnssec dnssec.cache.test A)
check_match "DO/CD: +dnssec answered with DO" 'EDNS: .*flags: do' "$out"
check_eq "DO/CD: +dnssec is another key: asked upstream" 2 "$(dnssec_count)"
$DIG dnssec.cache.test A >/dev/null
out=$($DIG +dnssec dnssec.cache.test A)
check_match "DO/CD: +dnssec again: DO kept on the hit" 'EDNS: .*flags: do' \
    "$out"
check_eq "DO/CD: plain and +dnssec again: both hits" 2 "$(dnssec_count)"
out=$($DIG +cdflag dnssec.cache.test A)
check_match "DO/CD: +cdflag answered with CD" 'flags: qr rd ra cd;' "$out"
check_eq "DO/CD: +cdflag is another key: asked upstream" 3 "$(dnssec_count)"
$DIG +cdflag dnssec.cache.test A >/dev/null
check_eq "DO/CD: +cdflag again: a hit" 3 "$(dnssec_count)"
$DIG +dnssec +cdflag dnssec.cache.test A >/dev/null
check_eq "DO/CD: +dnssec +cdflag is a fourth key" 4 "$(dnssec_count)"
$DIG +dnssec +cdflag dnssec.cache.test A >/dev/null
check_eq "DO/CD: +dnssec +cdflag again: a hit" 4 "$(dnssec_count)"

# --- a cached answer too big for UDP: TC, then whole over TCP --------------------

out=$(probe "$MAIN" query big.cache.test TXT)
check_match "TC: non-EDNS UDP client, miss: TC=1, no records" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .*an=0 .*check=ok' "$out"
out=$(probe "$MAIN" query big.cache.test TXT)
check_match "TC: non-EDNS UDP client, hit: TC=1, no records" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,tc,rd,ra .*an=0 .*check=ok' "$out"
out=$(probe -T "$MAIN" query big.cache.test TXT)
check_match "TC: the retry over TCP gets the whole answer" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .*an=1 .*check=ok' "$out"
check_match "TC: ... all four strings of it" '"a{200}" "b{200}" "c{200}" "d{200}"$' \
    "$out"
out=$(probe -e 1232 "$MAIN" query big.cache.test TXT)
check_match "TC: an EDNS client gets it whole over UDP" \
    '^reply id=[0-9]+ rcode=NOERROR flags=qr,rd,ra .*an=1 .*edns=1232 ' "$out"
check_eq "TC: one upstream query (UDP) for the four answers" "1 0" \
    "$(mock_count up big.cache.test. TXT udp) $(mock_count up big.cache.test. TXT tcp)"

# --- 200 identical questions in flight: one upstream query ------------------------

# the upstream answers coal after 1.5 s; 200 on one socket at once, and
# two more clients with their own spellings and ids meanwhile
probe -t 5000 "$MAIN" pipeline 200 coal.cache.test >"$T/coal.out" &
p1=$!
# the others only once the fetch is in flight: on a loaded machine they
# could otherwise start it before the pipeline and shorten its wait
coal_asked() { [ "$(mock_count up coal.cache.test. A udp)" = 1 ]; }
check "coalescing: the pipeline's fetch reached the upstream" \
    wait_until 4 coal_asked
probe -t 5000 -i 7001 "$MAIN" query COAL.cache.test >"$T/coal1.out" &
p2=$!
probe -t 5000 -i 7002 -T "$MAIN" query cOaL.CACHE.test >"$T/coal2.out" &
p3=$!
wait "$p1" "$p2" "$p3"
out=$(cat "$T/coal.out")
check_match "coalescing: 200 queries, 200 answers" \
    '^pipeline sent=200 answered=200 ' "$out"
check_eq "coalescing: every one NOERROR with the address, id matched" 200 \
    "$(grep -Ec '^reply id=[0-9]+ rcode=NOERROR .*an=1 .*check=ok' <<<"$out")"
check_ge "coalescing: they waited for the slow upstream (ms >= 1400)" \
    "$(sed -n 's/^pipeline .* ms=\([0-9]*\).*/\1/p' <<<"$out")" 1400
check_match "coalescing: another client's own id and spelling" \
    '^reply id=7001 rcode=NOERROR .*qd=COAL\.cache\.test\./A/IN .*an=1 ' \
    "$(cat "$T/coal1.out")"
check_match "coalescing: a TCP client's own id and spelling" \
    '^reply id=7002 rcode=NOERROR .*qd=cOaL\.CACHE\.test\./A/IN .*an=1 ' \
    "$(cat "$T/coal2.out")"
check_eq "coalescing: exactly one upstream query for the 202" "1 0" \
    "$(mock_count up coal.cache.test. A udp) $(mock_count up coal.cache.test. A tcp)"
s=$(roostd_stats main)
check_ge "coalescing: stats count 201 coalesced" "$(stat_of coalesced "$s")" 201

# --- a 64 KiB cache under a stream of unique names -------------------------------

names=()
for ((i = 0; i < NBULK; i++)); do
	names+=("n$i.bulk.test")
done
answered=0
over=
samples=0
for ((b = 0; b < NBULK; b += 200)); do
	out=$(probe -q -t 5000 "$BUDGET" pipeline 200 "${names[@]:b:200}")
	answered=$((answered + $(grep -Ec '^reply .* rcode=NOERROR .*an=1 .*check=ok' <<<"$out")))
	if [ $((b % 1000)) = 800 ]; then
		s=$(roostd_stats budget)
		samples=$((samples + 1))
		[ "$(stat_of bytes "$s")" -le "$(stat_of budget "$s")" ] 2>/dev/null ||
		    over="$over [after $((b + 200)): $s]"
	fi
done
check_eq "budget: all $NBULK unique names answered" "$NBULK" "$answered"
check_eq "budget: bytes <= budget at every sample during the stream" \
    "3 samples, none over" "$samples samples, ${over:-none over}"
s=$(roostd_stats budget)
check_eq "budget: the budget is 65536" 65536 "$(stat_of budget "$s")"
check_ge "budget: after the stream bytes <= budget" "$(stat_of budget "$s")" \
    "$(stat_of bytes "$s")"
check_ge "budget: entries were evicted" "$(stat_of evictions "$s")" 1
check_eq "budget: the full cache is noted once in the log, not per eviction" 1 \
    "$(grep -c 'cache: full (' "$T/budget.log")"
check_ge "budget: entries are kept" "$(stat_of entries "$s")" 50
check_lt "budget: far fewer than all were kept" "$(stat_of entries "$s")" $((NBULK / 2))
# (3000 counters make too long a list for one message: start afresh)
check_eq "budget: the upstream saw each name once" \
    "$NBULK" "$(grep -c '\.bulk\.test\. A answer NOERROR' "$T/bulk.log")"
mock_reset bulk
probe "$BUDGET" query "n$((NBULK - 1)).bulk.test" A >/dev/null
check_eq "budget: the most recent name is still cached" 0 \
    "$(mock_count bulk "n$((NBULK - 1)).bulk.test." A udp)"
probe "$BUDGET" query n0.bulk.test A >/dev/null
check_eq "budget: the least recent name was evicted (asked again)" 1 \
    "$(mock_count bulk n0.bulk.test. A udp)"

s=$(roostd_stats stale)
check_eq "serve-stale: stats count 1 stale answer" 1 "$(stat_of stale "$s")"

for r in main budget stale nostale stalelim sf sf0; do
	roostd_stop "$r"
	check_eq "roostd $r stops cleanly" 0 "$?"
done

finish
