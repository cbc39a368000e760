#!/bin/bash
# tests/trace/test_trace.sh - roost trace walks the mock DNS tree of
# tests/trace/zones from the root down: the exact chain of zones, servers
# and outcomes, and the final records, in text and in JSON, for every case
# of the walk (glue, no glue, CNAME and DNAME across zones, NXDOMAIN and
# NODATA with their SOA, dead/lame/failing servers, TC then TCP, a deadline,
# a deep name, -x, -4/-6).
#
# Runs in a private network namespace (lib_init); every server is a
# mockdns on 127.0.0.x/fd53::x port $P, and every trace is given
# --root-hints pointing at the mock root: nothing can reach a real root.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"
. "$top_srcdir/tests/trace/tree.sh"

ROOST=$top_builddir/src/roost
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 99; }
tree_start || exit 99

# trace ARGS...: roost trace against the mock tree, short timeouts; sets
# OUT (stdout) and RC (exit status).
trace() {
	OUT=$("$ROOST" trace --root-hints "$HINTS" -p "$P" --timeout 0.2 "$@" \
	    2>"$T/trace.err")
	RC=$?
}

# The top-level steps of a text trace, one "ZONE SERVER ADDRESS OUTCOME"
# per line (the address's kind left out), joined with " | "; nested lookups (lines starting "  | ") are
# left out, or only they are taken with "nested".
text_chain() {
	local pfx=''
	[ "${2:-}" = nested ] && pfx='  | '
	printf '%s\n' "$1" | grep -v '^    ' | grep -v '^  |     ' |
	    sed -n "s/^${pfx}\([^ ;|][^ ]*\) @\([^ ]*\) (\([^),]*\)[^)]*): \([a-z]*\).*/\1 \2 \3 \4/p" |
	    paste -sd '|' | sed 's/|/ | /g'
}

# The steps of a JSON walk object (jq path $2, default .), same format.
json_chain() {
	printf '%s\n' "$1" | jq -r "${2:-}.steps[] |
	    \"\(.zone) \(.server.name) \(.server.address // \"-\") \(.outcome)\"" |
	    paste -sd '|' | sed 's/|/ | /g'
}

# The answer's data of a JSON walk object, space-separated.
json_data() {
	printf '%s\n' "$1" | jq -r "${2:-}.answer[] | \"\(.type):\(.data)\"" |
	    paste -sd ' '
}

ROOT=". a.root.test. 127.0.0.10 referral"
TLD="test. ns.nic.test. 127.0.0.11 referral"
EX="example.test. ns1.example.test. 127.0.0.12"
WWW_CHAIN="$ROOT | $TLD | $EX answer"

# --- A and AAAA with glue --------------------------------------------------

trace www.example.test
check_eq "www: exit 0" 0 "$RC"
check_eq "www: text chain, A then AAAA" "$WWW_CHAIN | $WWW_CHAIN" \
    "$(text_chain "$OUT")"
check_match "www: A records" $'^www\.example\.test\.\t300\tIN\tA\t192\.0\.2\.1$' "$OUT"
check_match "www: second A record" $'^www\.example\.test\.\t300\tIN\tA\t192\.0\.2\.2$' "$OUT"
check_match "www: AAAA record" $'^www\.example\.test\.\t300\tIN\tAAAA\t2001:db8::1$' "$OUT"
check_match "www: the root's delegation shown with glue" \
    $'^    ns\.nic\.test\.\t86400\tIN\tA\t127\.0\.0\.11$' "$OUT"
check_match "www: totals" '^;; total: 6 queries in [0-9.]+ ms$' "$OUT"
trace --json www.example.test
check_eq "www json: exit 0" 0 "$RC"
check_eq "www json: results A, AAAA" "A AAAA" \
    "$(jq -r '[.results[].type] | join(" ")' <<<"$OUT")"
check_eq "www json: A chain" "$WWW_CHAIN" "$(json_chain "$OUT" '.results[0]')"
check_eq "www json: AAAA chain" "$WWW_CHAIN" "$(json_chain "$OUT" '.results[1]')"
check_eq "www json: A data" "A:192.0.2.1 A:192.0.2.2" \
    "$(json_data "$OUT" '.results[0]')"
check_eq "www json: AAAA data" "AAAA:2001:db8::1" \
    "$(json_data "$OUT" '.results[1]')"
check_eq "www json: name, rcode, ttl" "www.example.test. NOERROR 300" \
    "$(jq -r '.results[0] | "\(.name) \(.rcode) \(.answer[0].ttl)"' <<<"$OUT")"
check_eq "www json: delegation of step 1" \
    "test. ns.nic.test. ns.nic.test.=127.0.0.11,ns.nic.test.=fd53::11" \
    "$(jq -r '.results[0].steps[0].delegation | "\(.zone) \([.ns[].data] | join(",")) \([.glue[] | "\(.name)=\(.data)"] | join(","))"' <<<"$OUT")"
check_eq "www json: rcode per step, rtt a number" "NOERROR number" \
    "$(jq -r '.results[0].steps[2] | "\(.rcode) \(.rtt_ms | type)"' <<<"$OUT")"
check_eq "www json: no cnames" 0 "$(jq '.results[0].cnames | length' <<<"$OUT")"

# --- one type named; A only, AAAA only, NODATA, NXDOMAIN -------------------

trace only-aaaa.example.test AAAA --json
check_eq "only-aaaa AAAA: one object, not results" "AAAA:2001:db8::3 null" \
    "$(json_data "$OUT") $(jq -c '.results' <<<"$OUT")"
trace only-a.example.test
check_eq "only-a: exit 0 (A answered, AAAA NODATA)" 0 "$RC"
check_eq "only-a: same chain for both" "$WWW_CHAIN | $ROOT | $TLD | $EX nodata" \
    "$(text_chain "$OUT")"
check_match "only-a: A record" $'^only-a\.example\.test\.\t300\tIN\tA\t192\.0\.2\.3$' "$OUT"
check_match "only-a: NODATA reported" '^;; NODATA: only-a\.example\.test\. has no records of type AAAA, proven by:$' "$OUT"
check_match "only-a: the SOA that proves it" $'^example\.test\.\t60\tIN\tSOA\tns1\.example\.test\. hostmaster' "$OUT"
trace only-a.example.test AAAA --json
check_eq "nodata json: exit 1" 1 "$RC"
check_eq "nodata json: status, rcode, no answer, SOA" "nodata NOERROR 0 SOA example.test." \
    "$(jq -r '"\(.status) \(.rcode) \(.answer | length) \(.authority[0].type) \(.authority[0].name)"' <<<"$OUT")"
check_eq "nodata json: chain" "$ROOT | $TLD | $EX nodata" "$(json_chain "$OUT")"

trace nope.example.test A
check_eq "nxdomain: exit 1" 1 "$RC"
check_eq "nxdomain: chain" "$ROOT | $TLD | $EX nxdomain" "$(text_chain "$OUT")"
check_match "nxdomain: reported with its SOA" '^;; NXDOMAIN: nope\.example\.test\. has no records at all, proven by:$' "$OUT"
trace nope.example.test A --json
check_eq "nxdomain json" "nxdomain NXDOMAIN SOA ns1.example.test." \
    "$(jq -r '"\(.status) \(.rcode) \(.authority[0].type) \(.authority[0].data | split(" ")[0])"' <<<"$OUT")"

# --- glue-less delegation: a nested walk of our own -------------------------

GL_NESTED=". a.root.test. 127.0.0.10 referral | alt. ns.nic.alt. 127.0.0.13 referral | hosting.alt. ns.hosting.alt. 127.0.0.14 answer"
trace www.gl.test A
check_eq "glue-less: exit 0" 0 "$RC"
check_eq "glue-less: chain" "$ROOT | test. ns.nic.test. 127.0.0.11 referral | gl.test. ns.hosting.alt. 127.0.0.14 answer" \
    "$(text_chain "$OUT")"
check_match "glue-less: the lookup is announced" '^gl\.test\. @ns\.hosting\.alt\.: no glue; looking up ns\.hosting\.alt\. A from the root$' "$OUT"
check_eq "glue-less: nested chain" "$GL_NESTED" "$(text_chain "$OUT" nested)"
check_match "glue-less: answer" $'^www\.gl\.test\.\t300\tIN\tA\t192\.0\.2\.20$' "$OUT"
trace www.gl.test A --json
check_eq "glue-less json: nested walk on the step" "ns.hosting.alt. A answer" \
    "$(jq -r '.steps[2].lookups[0] | "\(.name) \(.type) \(.status)"' <<<"$OUT")"
check_eq "glue-less json: nested chain" "$GL_NESTED" "$(json_chain "$OUT" '.steps[2].lookups[0]')"
check_eq "glue-less json: 6 queries in all" 6 "$(jq .queries <<<"$OUT")"
check_eq "json: each server address's kind" "loopback" \
    "$(jq -r '[.steps[].server.kind] | unique | join(" ")' <<<"$OUT")"

# both types: the glue-less server is looked up once, the AAAA walk
# takes what the A walk's lookup learned
mock_reset hosting
trace www.gl.test
check_eq "glue-less, A and AAAA: exit 0" 0 "$RC"
check_eq "glue-less, A and AAAA: one lookup made" 1 \
    "$(grep -c 'no glue; looking up ns\.hosting\.alt\. A from the root$' <<<"$OUT")"
check_match "glue-less, A and AAAA: the second walk says it reused it" \
    '^gl\.test\. @ns\.hosting\.alt\.: no glue; ns\.hosting\.alt\. A was looked up earlier in this trace$' "$OUT"
check_eq "glue-less, A and AAAA: its server asked for its address once" 1 \
    "$(mock_count hosting ns.hosting.alt. A udp)"
check_match "glue-less, A and AAAA: the AAAA answer" \
    $'^www\.gl\.test\.\t300\tIN\tAAAA\t' "$OUT"
trace www.gl.test --json
check_eq "glue-less json, A and AAAA: lookups made, then reused" "1/ 0/A" \
    "$(jq -r '[.results[] | .steps[2] | "\(.lookups | length)/\(.lookups_reused // [] | join(","))"] | join(" ")' <<<"$OUT")"

trace www.loop.test A --json
check_eq "glue-less loop: exit 2" 2 "$RC"
check_match "glue-less loop: the nested lookup detects the loop" 'a loop: ns\.loop\.test\. is being looked up already' \
    "$(jq -r '.. | .error? // empty' <<<"$OUT")"

# --- CNAME and DNAME across zones --------------------------------------------

GL_END="$ROOT | $TLD | gl.test. ns.hosting.alt. 127.0.0.14 answer"
trace alias.example.test A
check_eq "cname: exit 0" 0 "$RC"
check_eq "cname: chain restarts at the root for the target" \
    "$ROOT | $TLD | $EX cname | $GL_END" "$(text_chain "$OUT")"
check_match "cname: step names the target" '^example\.test\. @ns1\.example\.test\. \(127\.0\.0\.12, loopback\): cname to www\.gl\.test\. ' "$OUT"
trace alias.example.test A --json
check_eq "cname json: cnames" "alias2.example.test. www.gl.test." \
    "$(jq -r '.cnames | join(" ")' <<<"$OUT")"
check_eq "cname json: answer chain" "CNAME:alias2.example.test. CNAME:www.gl.test. A:192.0.2.20" \
    "$(json_data "$OUT")"
check_eq "cname json: chain" "$ROOT | $TLD | $EX cname | $GL_END" "$(json_chain "$OUT")"

trace x.legacy.example.test A --json
check_eq "dname: exit 0" 0 "$RC"
check_eq "dname json: answer chain" "DNAME:gl.test. CNAME:x.gl.test. A:192.0.2.21" \
    "$(json_data "$OUT")"
check_eq "dname json: cnames" "x.gl.test." "$(jq -r '.cnames | join(" ")' <<<"$OUT")"
check_eq "dname json: chain" "$ROOT | $TLD | $EX cname | $GL_END" "$(json_chain "$OUT")"
trace x.legacy.example.test A
check_match "dname text: the DNAME shown" $'^legacy\.example\.test\.\t300\tIN\tDNAME\tgl\.test\.$' "$OUT"

# --- dead, lame and failing servers ------------------------------------------

FLAKY="flaky.test. a.flaky.test. 127.0.0.20 timeout | flaky.test. b.flaky.test. 127.0.0.21 lame | flaky.test. c.flaky.test. 127.0.0.22 error | flaky.test. d.flaky.test. 127.0.0.23 answer"
mock_reset flaky-a
trace www.flaky.test A
check_eq "flaky: exit 0" 0 "$RC"
check_eq "flaky: each bad server skipped for the next" "$ROOT | $TLD | $FLAKY" \
    "$(text_chain "$OUT")"
check_match "flaky: the timeout is said" '^flaky\.test\. @a\.flaky\.test\. \(127\.0\.0\.20, loopback\): timeout \[2 tries, no reply\]; skipped$' "$OUT"
check_match "flaky: the lame server is said" '^flaky\.test\. @b\.flaky\.test\. .*: lame .*referral to test\., not below flaky\.test\.; skipped$' "$OUT"
check_match "flaky: SERVFAIL is said" '^flaky\.test\. @c\.flaky\.test\. .*: error \[SERVFAIL, ' "$OUT"
check_eq "flaky: the dead server got one query and one retry" 2 \
    "$(mock_count flaky-a www.flaky.test. A udp)"
trace www.flaky.test A --json
check_eq "flaky json: chain" "$ROOT | $TLD | $FLAKY" "$(json_chain "$OUT")"
check_eq "flaky json: rcodes of the skipped" "null NOERROR SERVFAIL" \
    "$(jq -r '[.steps[2:5][] | .rcode // "null"] | join(" ")' <<<"$OUT")"

t0=$(date +%s%N)
trace www.dead.test A
t1=$(date +%s%N)
check_eq "dead zone: exit 2" 2 "$RC"
check_eq "dead zone: both servers time out" "$ROOT | $TLD | dead.test. a.dead.test. 127.0.0.24 timeout | dead.test. b.dead.test. 127.0.0.25 timeout" \
    "$(text_chain "$OUT")"
check_match "dead zone: failure said" '^;; failed: no server of dead\.test\. gave a usable answer; ' "$OUT"
check_lt "dead zone: over in under 3 s (4 tries of 0.2 s)" $(((t1 - t0) / 1000000)) 3000
trace www.dead.test A --json
check_eq "dead zone json" "fail SERVFAIL" "$(jq -r '"\(.status) \(.rcode)"' <<<"$OUT")"

t0=$(date +%s%N)
trace www.dead.test --deadline 0.3
t1=$(date +%s%N)
check_eq "deadline: exit 2" 2 "$RC"
check_match "deadline: said, for A" '^;; failed: the deadline \(0\.3 s\) passed' "$OUT"
check_match "deadline: the AAAA walk ends at once" '^;; www\.dead\.test\. AAAA$' "$OUT"
check_lt "deadline: ends near 0.3 s" $(((t1 - t0) / 1000000)) 1500
check_eq "deadline: learned steps kept" "$ROOT | $TLD | dead.test. a.dead.test. 127.0.0.24 timeout" \
    "$(text_chain "$OUT")"

# --- TC over UDP, then TCP --------------------------------------------------

mock_reset example
trace big.example.test TXT --json
check_eq "tc: exit 0" 0 "$RC"
check_eq "tc json: last step over TCP after TC" "answer tcp true" \
    "$(jq -r '.steps[2] | "\(.outcome) \(.transport) \(.truncated)"' <<<"$OUT")"
check_eq "tc json: both TXT records (over 1232 bytes)" 2 "$(jq '.answer | length' <<<"$OUT")"
check_eq "tc: one UDP query" 1 "$(mock_count example big.example.test. TXT udp)"
check_eq "tc: one TCP query" 1 "$(mock_count example big.example.test. TXT tcp)"
trace big.example.test TXT
check_match "tc text: said" '^example\.test\. @ns1\.example\.test\. \(127\.0\.0\.12, loopback\): answer \[NOERROR, [0-9.]+ ms, TC over UDP, then TCP\]$' "$OUT"

# --- a deep name behind several cuts ----------------------------------------

DEEP="$ROOT | test. ns.nic.test. 127.0.0.11 referral | deep.test. ns.deep.test. 127.0.0.26 referral | c.deep.test. ns.c.deep.test. 127.0.0.27 referral | b.c.deep.test. ns.b.c.deep.test. 127.0.0.28 answer"
trace a.b.c.deep.test
check_eq "deep: both types, four cuts" "$DEEP | $DEEP" "$(text_chain "$OUT")"
trace a.b.c.deep.test AAAA --json
check_eq "deep json" "$DEEP" "$(json_chain "$OUT")"
check_eq "deep json: data" "AAAA:2001:db8::40" "$(json_data "$OUT")"

# --- -x: reverse names --------------------------------------------------------

REV4=". a.root.test. 127.0.0.10 referral | arpa. a.ns.arpa. 127.0.0.30 referral | in-addr.arpa. b.in-addr-servers.arpa. 127.0.0.31 referral | 2.0.192.in-addr.arpa. ns1.example.test. 127.0.0.12 answer"
trace -x 192.0.2.1
check_eq "-x v4: exit 0" 0 "$RC"
check_eq "-x v4: chain" "$REV4" "$(text_chain "$OUT")"
check_eq "-x v4: glue-less server looked up" "$WWW_CHAIN" \
    "$(text_chain "$OUT" nested)"
check_match "-x v4: PTR" $'^1\.2\.0\.192\.in-addr\.arpa\.\t300\tIN\tPTR\twww\.example\.test\.$' "$OUT"
trace -x 192.0.2.1 --json
check_eq "-x v4 json" "1.2.0.192.in-addr.arpa. PTR PTR:www.example.test." \
    "$(jq -r '"\(.name) \(.type)"' <<<"$OUT") $(json_data "$OUT")"
trace -x 2001:db8::1 --json
check_eq "-x v6 json" "ip6.arpa. 8.b.d.0.1.0.0.2.ip6.arpa. PTR:www.example.test." \
    "$(jq -r '"\(.steps[2].zone) \(.steps[3].zone)"' <<<"$OUT") $(json_data "$OUT")"
trace -x 2001:db8::99
check_eq "-x v6 unknown: NXDOMAIN" 1 "$RC"
trace -x not-an-address
check_eq "-x: a name is a usage error" 3 "$RC"

# --- -4 / -6 ------------------------------------------------------------------

trace -6 www.example.test A
check_eq "-6: IPv6 servers only" ". a.root.test. fd53::10 referral | test. ns.nic.test. fd53::11 referral | example.test. ns1.example.test. fd53::12 answer" \
    "$(text_chain "$OUT")"
mock_reset root
trace -4 www.example.test A
check_eq "-4: IPv4 servers only" "$WWW_CHAIN" "$(text_chain "$OUT")"
check_eq "-4: the root was asked once" 1 "$(mock_count root www.example.test. A udp)"
trace -4 -6 www.example.test
check_eq "-4 -6 together: usage" 3 "$RC"

# --- command line -------------------------------------------------------------

OUT=$("$ROOST" trace --help)
check_eq "trace --help: exit 0" 0 $?
for o in --reverse --ipv4 --ipv6 --port --root-hints --timeout --tries \
    --deadline --json --help 'Exit status'; do
	check_match "trace --help explains $o" "$o" "$OUT"
done
OUT=$("$ROOST" --help)
check_match "roost --help lists trace, query, resolve" 'trace NAME.*' "$OUT"
check_match "roost --help: exit statuses" '^  3  usage' "$OUT"
check_match "roost --version" '^roost [0-9]+\.[0-9]+\.[0-9]+ \(ldns ' "$("$ROOST" --version)"
"$ROOST" trace --bogus x >/dev/null 2>&1
check_eq "trace: unknown option is usage (3)" 3 $?
"$ROOST" trace >/dev/null 2>&1
check_eq "trace: no name is usage (3)" 3 $?
trace www.example.test BOGUSTYPE
check_eq "trace: unknown type is usage (3)" 3 "$RC"
"$ROOST" trace --root-hints "$T/missing.hints" www.example.test >/dev/null 2>"$T/err"
check_eq "trace: missing hints file is usage (3)" 3 $?
check_match "trace: missing hints file named" 'missing\.hints: No such file' "$(cat "$T/err")"
"$ROOST" stats --control "$T/no-roostd" >/dev/null 2>"$T/err"
check_eq "stats: no roostd is a failure (2)" 2 $?
check_match "stats: says so" 'cannot reach roostd at .*/no-roostd' \
    "$(cat "$T/err")"

finish
