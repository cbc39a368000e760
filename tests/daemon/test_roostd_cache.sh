#!/bin/bash
# tests/daemon/test_roostd_cache.sh - roostd's cache against mockdns,
# counting the queries that reach the upstream: a second identical query
# never does; served TTLs go down by the elapsed seconds and an expired
# entry is fetched again; NXDOMAIN and NODATA live min(SOA TTL, MINIMUM);
# mixed-case questions share one entry and each gets its own spelling and
# id back; 200 identical questions in flight make one upstream query; DO
# and CD are separate keys; a cached answer too big for UDP gets TC and
# then comes whole over TCP; prefetch refreshes a hot entry in its last
# tenth (not with --prefetch no); serve-stale answers with TTL 30 when
# the upstream dies (SERVFAIL with --serve-stale no, or past
# --stale-limit); a failure is remembered for --servfail-ttl; a 64 KiB
# --cache-size is never exceeded under a stream of unique names.
#
# Runs in a private network namespace (lib_init); mocks on 127.0.0.2-6,
# one roostd per configuration on 127.0.0.1, ports 5301...  Each roostd
# asks its own names, so that the counts of one scenario stay apart from
# the others'.  Times come from lib_now_ms around each query; roostd's
# cache clock is whole seconds, so a TTL read at a time known within
# [t_a, t_b] has one of two values, both checked for.  The scenarios that
# wait for an expiry are started together and watched in one loop.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONES=$top_srcdir/tests/daemon/zones
UP=127.0.0.2#5300	# cache.test, neg.test
FLAKY=127.0.0.3#5300	# cache.test; told to drop everything halfway
SFAIL1=127.0.0.4#5300	# SERVFAIL to everything, also on ...
SFAIL2=127.0.0.5#5300
BULK=127.0.0.6#5300	# bulk.test (its counts list outgrows one message)
MAIN=127.0.0.1#5301	# defaults (prefetch yes), upstream-timeout 2000
NOPF=127.0.0.1#5302	# --prefetch no
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
roostd_start nopf "$NOPF" --upstream "$UP" --prefetch no || exit 99
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

# --- expiry: the short entries, watched together ---------------------------------

# Each item: "SERVER MOCK NAME TYPE LIFETIME RCODE WHAT".
W_ITEMS=(
	"$MAIN up short.cache.test A 8 NOERROR positive (CNAME 8 s, A 9 s)"
	"$MAIN up nx.cache.test A 8 NXDOMAIN NXDOMAIN (SOA MINIMUM 8)"
	"$MAIN up v4only.cache.test AAAA 8 NOERROR NODATA (SOA MINIMUM 8)"
	"$MAIN up nx.neg.test A 8 NXDOMAIN NXDOMAIN (SOA TTL 8, MINIMUM 3600)"
	"$SF sfail sf.cache.test A 8 SERVFAIL SERVFAIL from every upstream"
)

# parse_reply OUT: R_RCODE, and R_TMIN and R_TMAX, the smallest and
# largest TTL of OUT's records (an and ns lines; empty if none).  No
# forks: the watch loop below must stay quick on a loaded machine.
parse_reply() {
	local line ttl
	R_RCODE='' R_TMIN='' R_TMAX=''
	while IFS= read -r line; do
		case $line in
		reply\ *)
			[[ $line =~ \ rcode=([A-Z0-9]+) ]] &&
			    R_RCODE=${BASH_REMATCH[1]}
			;;
		an\ * | ns\ *)
			read -r _ _ ttl _ <<<"$line"
			[ -z "$R_TMIN" ] || [ "$ttl" -lt "$R_TMIN" ] &&
			    R_TMIN=$ttl
			[ -z "$R_TMAX" ] || [ "$ttl" -gt "$R_TMAX" ] &&
			    R_TMAX=$ttl
			;;
		esac
	done <<<"$1"
}

# read_counts MOCK...: COUNT[MOCK NAME TYPE] for every UDP counter.
declare -A COUNT
read_counts() {
	local m n t p c
	COUNT=()
	for m in "$@"; do
		while read -r n t p c; do
			[ "$p" = udp ] && COUNT["$m $n $t"]=$c
		done < <(mock_counts "$m")
	done
}

declare -a W_A W_B W_C0 W_HITS W_LOW W_BAD W_DONE W_REFETCH W_TS W_TE W_OUT
for i in "${!W_ITEMS[@]}"; do
	read -r srv mock name type life rcode what <<<"${W_ITEMS[$i]}"
	W_A[$i]=$(lib_now_ms)
	W_OUT[$i]=$(probe "$srv" query "$name" "$type")
	W_B[$i]=$(lib_now_ms)
done
read_counts up sfail
for i in "${!W_ITEMS[@]}"; do
	read -r srv mock name type life rcode what <<<"${W_ITEMS[$i]}"
	W_C0[$i]=${COUNT["$mock $name. $type"]:-0}
	W_HITS[$i]=0
	W_LOW[$i]=$life
	parse_reply "${W_OUT[$i]}"
	check_eq "$what: the first answer's rcode" "$rcode" "$R_RCODE"
	if [ "$rcode" != SERVFAIL ]; then
		check_eq "$what: the first answer's smallest TTL is $life" \
		    "$life" "$R_TMIN"
	fi
	check_ge "$what: the first query reached the upstream" \
	    "${W_C0[$i]}" 1
done
check_match "NODATA: no answer records, the SOA in authority" \
    ' an=0 ns=1 ' "${W_OUT[2]}"

# Query every item until the upstream has seen it again.  Every answer
# before that is a hit and must carry TTL = lifetime - elapsed seconds,
# and no hit may come once the lifetime is surely over.
end=$((SECONDS + 14))
while :; do
	pending=
	for i in "${!W_ITEMS[@]}"; do
		[ -n "${W_DONE[$i]}" ] && continue
		read -r srv mock name type life rcode what <<<"${W_ITEMS[$i]}"
		pending="$pending $i"
		now_ms
		W_TS[$i]=$NOW
		W_OUT[$i]=$(probe "$srv" query "$name" "$type")
		now_ms
		W_TE[$i]=$NOW
	done
	[ -z "$pending" ] && break
	read_counts up sfail
	for i in $pending; do
		read -r srv mock name type life rcode what <<<"${W_ITEMS[$i]}"
		ts=${W_TS[$i]}
		te=${W_TE[$i]}
		if [ "${COUNT["$mock $name. $type"]:-0}" -gt "${W_C0[$i]}" ]; then
			W_DONE[$i]=$((te - W_A[$i]))
			W_REFETCH[$i]=${W_OUT[$i]}
			continue
		fi
		W_HITS[$i]=$((W_HITS[$i] + 1))
		[ -n "${W_BAD[$i]}" ] && continue
		# roostd's whole-second age at ts..te, elapsed e:
		# floor(e) or floor(e) + 1
		hi=$((life - (ts - W_B[$i]) / 1000))
		lo=$((life - (te - W_A[$i]) / 1000 - 1))
		parse_reply "${W_OUT[$i]}"
		if [ "$R_RCODE" != "$rcode" ]; then
			W_BAD[$i]="hit at +$((ts - W_B[$i])) ms: rcode $R_RCODE"
		elif [ "$ts" -ge $((W_B[$i] + life * 1000 + 20)) ]; then
			W_BAD[$i]="served from the cache at +$((ts - W_B[$i])) ms, past its $life s"
		elif [ -n "$R_TMIN" ] && { [ "$R_TMIN" != "$R_TMAX" ] ||
		    [ "$R_TMAX" -gt "$hi" ] || [ "$R_TMIN" -lt "$lo" ]; }; then
			W_BAD[$i]="at +$((ts - W_A[$i])) ms TTLs $R_TMIN..$R_TMAX, expected within $lo..$hi"
		elif [ -n "$R_TMIN" ] && [ "$R_TMIN" -lt "${W_LOW[$i]}" ]; then
			W_LOW[$i]=$R_TMIN
		fi
	done
	[ "$SECONDS" -ge "$end" ] && break
	sleep 0.05	# polling the served TTL until expiry, with a deadline
done
for i in "${!W_ITEMS[@]}"; do
	read -r srv mock name type life rcode what <<<"${W_ITEMS[$i]}"
	check_ge "$what: answered from the cache while fresh (hits)" \
	    "${W_HITS[$i]}" 2
	if [ -z "${W_BAD[$i]}" ]; then
		pass "$what: every cached answer within its lifetime"
	else
		fail "$what: every cached answer within its lifetime" \
		    "${W_BAD[$i]}"
	fi
	if [ "$rcode" != SERVFAIL ]; then
		check_ge "$what: the served TTLs went down (to 2 or less)" 2 \
		    "${W_LOW[$i]}"
	fi
	if [ -z "${W_DONE[$i]}" ]; then
		fail "$what: fetched again once expired" \
		    "no new upstream query within 14 s"
		continue
	fi
	pass "$what: fetched again once expired"
	check_ge "$what: not fetched again before its lifetime (${W_DONE[$i]} ms)" \
	    "${W_DONE[$i]}" $(((life - 1) * 1000))
	if [ "$rcode" != SERVFAIL ]; then
		parse_reply "${W_REFETCH[$i]}"
		check_eq "$what: the fresh answer has the full TTL again" \
		    "$life" "$R_TMIN"
	fi
done
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

# --- prefetch, started here: two 10 s entries, watched in the background -----

pf_first=$(probe "$MAIN" query pf.cache.test A)
pfno_first=$(probe "$NOPF" query pfno.cache.test A)
check_eq "prefetch: the entry is stored with TTL 10" "10 10" \
    "$(ttl_range "$pf_first")"
check_eq "--prefetch no: the entry is stored with TTL 10" "10 10" \
    "$(ttl_range "$pfno_first")"

# pf_poll SERVER NAME ID: ask for NAME until it is served with TTL 1 (the
# last tenth of its 10 s), then once more (id ID) when that entry has
# surely expired.  Leaves in $T: NAME.last, the TTL-1 answer, and
# NAME.ms, when it was asked for; NAME.before, the upstream's count just
# before the entry's expiry is asked about; NAME.after, that answer,
# asked for from NAME.ts to NAME.te; NAME.count, the upstream's count
# after it.  Waits out the
# seconds it knows are left before polling; gives up (1) if the TTL goes
# up (the entry was replaced) or after 12 s.  Runs in the background
# while the scenarios below run, so that they need not fit in 10 s.
pf_poll() {
	local srv=$1 name=$2 id=$3 end=$((SECONDS + 12)) ttl prev=10 out ts
	while :; do
		[ "$SECONDS" -ge "$end" ] && return 1
		now_ms
		ts=$NOW
		out=$(probe "$srv" query "$name" A)
		printf '%s\n' "$out" >"$T/$name.last"
		read -r ttl _ <<<"$(ttl_range "$out")"
		[ "${ttl:-99}" -gt "$prev" ] && return 1
		[ "$ttl" = 1 ] && break
		prev=$ttl
		# age can go up at once, but not by more than 1 in 1 s
		if [ "$ttl" -gt 2 ]; then
			wait_until 12 past $((ts + (ttl - 2) * 1000))
		else
			sleep 0.05	# polling the last seconds, with a deadline
		fi
	done
	echo "$ts" >"$T/$name.ms"
	wait_until 3 past $((ts + 1050)) || return 1
	mock_count up "$name." A udp >"$T/$name.before"
	lib_now_ms >"$T/$name.ts"
	probe -i "$id" "$srv" query "$name" A >"$T/$name.after"
	lib_now_ms >"$T/$name.te"
	mock_count up "$name." A udp >"$T/$name.count"
}
lib_spawn pf_poll "$MAIN" pf.cache.test 603
pf_pid=${LIB_PIDS[-1]}
lib_spawn pf_poll "$NOPF" pfno.cache.test 604
pfno_pid=${LIB_PIDS[-1]}

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

# --- prefetch: a hit in the last second of a 10 s entry --------------------------

wait "$pf_pid"
check_eq "prefetch: the poller saw the last second and after" 0 "$?"
wait "$pfno_pid"
check_eq "--prefetch no: the poller saw the last second and after" 0 "$?"
pf() { cat "$T/pf.cache.test.$1" 2>/dev/null; }
pfno() { cat "$T/pfno.cache.test.$1" 2>/dev/null; }
check_match "prefetch: a hit in the last second, served from the cache" \
    '^an pf\.cache\.test\. 1 IN A 192\.0\.2\.11$' "$(pf last)"
check_match "--prefetch no: a hit in the last second, from the cache" \
    '^an pfno\.cache\.test\. 1 IN A 192\.0\.2\.12$' "$(pfno last)"
check_eq "prefetch: that hit made a second upstream query" 2 "$(pf before)"
check_match "prefetch: after the original expiry, still answered" \
    '^reply id=603 rcode=NOERROR .*an=1 .*check=ok' "$(pf after)"
read -r tmin tmax <<<"$(ttl_range "$(pf after)")"
# stored after the TTL-1 hit: TTL 10 less the whole seconds since
lo=$((10 - ($(pf te) - $(pf ms)) / 1000 - 1))
check "prefetch: ... from the refreshed entry (TTL $tmin, $lo..10)" \
    test "${tmin:-0}" -ge "$lo" -a "${tmax:-99}" -le 10
check_match "prefetch: ... as a cache hit" \
    'query udp id=603 pf\.cache\.test\. type=1: cache hit' \
    "$(cat "$T/main.log")"
check_eq "prefetch: ... the upstream count stays 2" 2 "$(pf count)"
check_eq "--prefetch no: no second upstream query before expiry" 1 \
    "$(pfno before)"
check_eq "--prefetch no: after expiry, fetched again with TTL 10" "10 10" \
    "$(ttl_range "$(pfno after)")"
check_eq "--prefetch no: ... a second upstream query" 2 "$(pfno count)"
s=$(roostd_stats main)
check_eq "prefetch: stats count 1 prefetch" 1 "$(stat_of prefetches "$s")"
s=$(roostd_stats nopf)
check_eq "--prefetch no: stats count 0 prefetches" 0 "$(stat_of prefetches "$s")"
s=$(roostd_stats stale)
check_eq "serve-stale: stats count 1 stale answer" 1 "$(stat_of stale "$s")"

for r in main nopf budget stale nostale stalelim sf sf0; do
	roostd_stop "$r"
	check_eq "roostd $r stops cleanly" 0 "$?"
done

finish
