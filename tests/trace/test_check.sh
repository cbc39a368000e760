#!/bin/bash
# tests/trace/test_check.sh - roost check asks every server of a zone at
# once and names each one that disagrees: over the mock tree of
# tests/trace/zones, chk.test. has an older serial without TCP (b), a
# lame server (c), glue that is not the zone's own address (d: 127.0.0.43
# vs 127.0.0.44), a server only the child names (e) and two addresses
# that answer nothing; example.test. and the root are consistent;
# dead.test. fails.  Each finding must name the right server and
# address, and the exit status tell ok (0), degraded (4) and failed (2).
#
# Runs in a private network namespace (lib_init); every server is a
# mockdns on 127.0.0.x/fd53::x port $P, and every check is given
# --root-hints pointing at the mock root.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"
. "$top_srcdir/tests/trace/tree.sh"

ROOST=$top_builddir/src/roost
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 99; }
tree_start || exit 99

chk() {
	OUT=$("$ROOST" check -r "$HINTS" -p "$P" -t 0.5 "$@" 2>"$T/chk.err")
	RC=$?
}

mock_reset chk-a
mock_reset chk-b
t0=$(lib_now_ms)
chk chk.test
t1=$(lib_now_ms)
check_eq "chk.test: degraded (4)" 4 "$RC"
check_match "the delegation, from the parent" \
    '^;; delegated by test\. @ns\.nic\.test\. \(127\.0\.0\.11\): NS a\.chk\.test\. b\.chk\.test\. c\.chk\.test\. d\.chk\.test\.$' "$OUT"
check_match "a: authoritative, serial 5" \
    '^a\.chk\.test\. @127\.0\.0\.40: authoritative, UDP [0-9.]+ ms, TCP yes, serial 5, NS a\.chk\.test\. b\.chk\.test\. c\.chk\.test\. d\.chk\.test\. e\.chk\.test\.$' "$OUT"
check_match "glue disagrees: against the parent server that gave it" \
    '^warning ns\.nic\.test\. \(127\.0\.0\.11\): glue for d\.chk\.test\. at test\. says 127\.0\.0\.43; the zone.s own answer is 127\.0\.0\.44$' "$OUT"
check_match "b: no TCP" '^warning b\.chk\.test\. \(127\.0\.0\.41\): no reply over TCP \(timeout\)$' "$OUT"
check_match "b: the older serial" '^warning b\.chk\.test\. \(127\.0\.0\.41\): serial 4, behind 5 of the others$' "$OUT"
check_match "c: lame" '^error   c\.chk\.test\. \(127\.0\.0\.42\): lame: not authoritative for chk\.test\. \(NOERROR, AA=0\)$' "$OUT"
check_match "d's glue address: nothing there" '^error   d\.chk\.test\. \(127\.0\.0\.43\): no reply over UDP' "$OUT"
check_match "d's own address asked too, and fine" '^d\.chk\.test\. @127\.0\.0\.44: authoritative' "$OUT"
check_match "e (only the child names it): nothing there" '^error   e\.chk\.test\. \(127\.0\.0\.45\): no reply over UDP' "$OUT"
check_match "a's NS set is not the parent's" \
    '^warning a\.chk\.test\. \(127\.0\.0\.40\): NS set differs from the parent.s \(test\.\): it adds e\.chk\.test\. and lacks none$' "$OUT"
check_nomatch "b's NS set is the parent's" '^warning b\.chk\.test\. .*NS set' "$OUT"
check_match "the verdict" '^;; degraded: 3 errors, 5 warnings$' "$OUT"
check_eq "every address once: 6 asked at once" 6 \
    "$(grep -c '^[a-e]\.chk\.test\. @' <<<"$OUT")"
# (NS twice: once by the walk that found the delegation, which asks a
# first, then by the probe)
check_eq "a asked for SOA over UDP and TCP, NS over UDP" "1 1 2" \
    "$(mock_count chk-a chk.test. SOA udp) $(mock_count chk-a chk.test. SOA tcp) $(mock_count chk-a chk.test. NS udp)"
# in parallel: the timeouts (b's TCP, the dead addresses) overlap, so the
# whole check takes one timeout (0.5 s), not one per server
check_lt "in parallel: one deadline for every server" $((t1 - t0)) 3000

chk chk.test --json
check_eq "json: status and counts" "degraded 3 5" \
    "$(jq -r '"\(.status) \(.errors) \(.warnings)"' <<<"$OUT")"
check_eq "json: findings name their servers" \
    "ns.nic.test./127.0.0.11 b.chk.test./127.0.0.41 c.chk.test./127.0.0.42 d.chk.test./127.0.0.43 e.chk.test./127.0.0.45 a.chk.test./127.0.0.40 b.chk.test./127.0.0.41 d.chk.test./127.0.0.44" \
    "$(jq -r '[.findings[] | "\(.server)/\(.address)"] | join(" ")' <<<"$OUT")"
check_eq "json: per server" "true true true 5 loopback" \
    "$(jq -r '.servers[] | select(.address == "127.0.0.40") | "\(.udp) \(.tcp) \(.authoritative) \(.serial) \(.kind)"' <<<"$OUT")"
check_eq "json: the parent's NS set and glue" "4 4" \
    "$(jq -r '"\(.parent.ns | length) \(.parent.glue | length)"' <<<"$OUT")"

# a name compared across the servers: b's old copy differs
chk chk.test www.chk.test
check_match "NAME: b's answer differs, the most common one shown" \
    '^warning b\.chk\.test\. \(127\.0\.0\.41\): answer for www\.chk\.test\. A is "NOERROR 192\.0\.2\.49", the others. "NOERROR 192\.0\.2\.50"$' "$OUT"
check_nomatch "NAME: a agrees" '^warning a\.chk\.test\. .*answer for' "$OUT"
check_match "NAME: shown per server" '^a\.chk\.test\. @127\.0\.0\.40: .*, answer NOERROR 192\.0\.2\.50$' "$OUT"
chk chk.test nope.chk.test TXT --json
check_eq "NAME TYPE json: NXDOMAIN everywhere, no answer finding" "NXDOMAIN|NXDOMAIN|NXDOMAIN 0" \
    "$(jq -r '"\([.servers[] | select(.authoritative) | .answer] | join("|")) \([.findings[] | select(.text | startswith("answer"))] | length)"' <<<"$OUT")"
chk chk.test www.example.test
check_eq "NAME outside ZONE: usage (3)" 3 "$RC"

chk example.test
check_eq "example.test: ok (0)" 0 "$RC"
check_match "example.test: both addresses, from the glue" \
    '^ns1\.example\.test\. @fd53::12: authoritative, UDP [0-9.]+ ms, TCP yes, serial 2024010101, NS ns1\.example\.test\.$' "$OUT"
check_match "example.test: no finding" '^;; ok: 0 errors, 0 warnings$' "$OUT"
chk -4 example.test
check_nomatch "-4: no IPv6 address asked" 'fd53::' "$OUT"

chk .
check_eq "the root: ok, its servers from the hints" 0 "$RC"
check_match "the root: a.root.test. asked" '^a\.root\.test\. @127\.0\.0\.10: authoritative' "$OUT"

chk dead.test
check_eq "dead.test: failed (2)" 2 "$RC"
check_match "dead.test: both said" '^error   b\.dead\.test\. \(127\.0\.0\.25\): no reply over UDP \(timeout\)$' "$OUT"

chk www.example.test
check_eq "not a zone: 2" 2 "$RC"
check_match "not a zone: said" 'www\.example\.test\.: no referral to it' "$(cat "$T/chk.err")"
chk
check_eq "no zone: usage (3)" 3 "$RC"
chk -4 -6 example.test
check_eq "-4 -6: usage (3)" 3 "$RC"
chk --help
check_eq "--help: 0" 0 "$RC"
check_match "--help: the exit statuses" '4 the zone works but is degraded' "$OUT"

finish
