#!/bin/bash
# tests/trace/test_dnssec.sh - roost trace --dnssec judges the chain of
# trust as a validator would, and says why: over the signed tree of
# tests/trace/sectree.sh (keys and signatures made afresh by ldns, served
# by NSD), a secure chain three zones deep, NXDOMAIN and NODATA proven by
# NSEC and by NSEC3, wildcard answers and wildcard NODATA, insecure
# delegations proven by NSEC and by an NSEC3 opt-out span, and one broken
# case of each kind (an expired RRSIG, a DS that matches no DNSKEY, a
# missing RRSIG, an NSEC and an NSEC3 that prove nothing, an algorithm
# roost cannot check) each get their verdict and reason, in text and JSON, and the
# exit status; then the trust anchor: DS or DNSKEY form, one for a zone
# below the root, Debian's root.key (which does not match the mock root),
# the built-in keys without it, and bad anchor files.
#
# Runs in a private network namespace (lib_init); every server is an NSD
# on 127.0.0.60-62 port $P, and every trace gets the tree's root hints.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"
. "$top_srcdir/tests/trace/sectree.sh"

ROOST=$top_builddir/src/roost
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 99; }
command -v nsd >/dev/null || { echo "nsd is needed (apt-get install nsd)"; exit 99; }
command -v ldns-signzone >/dev/null ||
	{ echo "ldns-signzone is needed (apt-get install ldnsutils)"; exit 99; }
sectree_start || exit 99

# sec ARG...: roost trace --dnssec over the tree, anchored at its root
# KSK's DS; OUT and RC.
sec() {
	OUT=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 \
	    -k "$SEC_ANCHOR_DS" "$@" 2>"$T/sec.err")
	RC=$?
}
# secj ARG...: the same with --json; J is the document.
secj() {
	J=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 \
	    -k "$SEC_ANCHOR_DS" --json "$@" 2>"$T/sec.err")
	RC=$?
}

root=${SEC_TAG[.]}

# --- a secure chain ---------------------------------------------------------
sec www.good A
check_eq "www.good. A: an answer (0)" 0 "$RC"
check_match "the root: secure by the trust anchor" \
    "^;; \. secure: the trust anchor names DNSKEY $root of \., which signs its key set$" "$OUT"
check_match "the anchor's DS, matched" \
    "^;;   DS $root \(RSASHA256, SHA-256\) from the trust anchor: matches a DNSKEY$" "$OUT"
check_match "the root's KSK: named and signing" \
    "^;;   DNSKEY $root KSK \(RSASHA256\), named by the DS, signs the key set$" "$OUT"
check_match "the root's key set: from its server" \
    '^;;   DNSKEY set from a\.root-servers\. \(127\.0\.0\.60\):$' "$OUT"
check_match "good.: secure by the root's DS" \
    "^;; good\. secure: the DS at the parent names DNSKEY ${SEC_TAG[good.]} of good\., which signs its key set$" "$OUT"
check_match "good.'s DS: signed by the root's ZSK" \
    "^;;   RRSIG good\. DS by \. key ${SEC_TAG[.zsk]} \(RSASHA256\): valid, " "$OUT"
check_match "the answer: signed by good.'s ZSK" \
    "^;; answer secure: www\.good\. A is signed by key ${SEC_TAG[good.zsk]} of good\.$" "$OUT"
check_match "the verdict" '^;; DNSSEC: secure \(2 DNSKEY queries\)$' "$OUT"
check_match "the trust anchor named" "^;; DNSSEC trust anchor: $SEC_ANCHOR_DS$" "$OUT"

secj www.good A
check_eq "json: secure" "secure" "$(jq -r .dnssec.verdict <<<"$J")"
check_eq "json: the zones in order" ". good." \
    "$(jq -r '[.dnssec.zones[].zone] | join(" ")' <<<"$J")"
check_eq "json: good.'s DS names its KSK, matched" "${SEC_TAG[good.]} 13 2 true true" \
    "$(jq -r '.dnssec.zones[1].ds[0] | "\(.key_tag) \(.algorithm) \(.digest_type) \(.supported) \(.matched)"' <<<"$J")"
check_eq "json: good.'s KSK signs the key set" "true true true" \
    "$(jq -r --argjson t "${SEC_TAG[good.]}" '.dnssec.zones[1].dnskeys[] | select(.key_tag == $t) | "\(.ksk) \(.matches_ds) \(.signs_keyset)"' <<<"$J")"
check_eq "json: every signature valid" "true" \
    "$(jq '[.dnssec.zones[].signatures[], .dnssec.signatures[]] | all(.valid)' <<<"$J")"
check_eq "json: the answer's RRSIG" "www.good. A good. ${SEC_TAG[good.zsk]} ECDSAP256SHA256" \
    "$(jq -r '.dnssec.signatures[0] | "\(.rrset) \(.signer) \(.key_tag) \(.algorithm_name)"' <<<"$J")"
check_match "json: the validity window in UTC" '^20[0-9-]+T[0-9:]+Z$' \
    "$(jq -r '.dnssec.signatures[0].expiration' <<<"$J")"
check_eq "json: the parent's records carry the DS" "DS" \
    "$(jq -r '[.dnssec.zones[1].parent_records[].type] | map(select(. == "DS")) | .[0]' <<<"$J")"
check_eq "json: the anchor" "$SEC_ANCHOR_DS false DS" \
    "$(jq -r '.dnssec.trust_anchor | "\(.source) \(.builtin) \(.records[0].type)"' <<<"$J")"
check_eq "json: the DNSKEY queries" 2 "$(jq -r .dnssec.queries <<<"$J")"

sec www.sub.good
check_match "sub.good.: a third secure zone" \
    "^;; sub\.good\. secure: the DS at the parent names DNSKEY ${SEC_TAG[sub.good.]} of sub\.good\.," "$OUT"
check_eq "www.sub.good.: secure for A and AAAA" 2 "$(grep -c '^;; DNSSEC: secure (3 DNSKEY queries)$' <<<"$OUT")"

# --- denial of existence ----------------------------------------------------
sec b.good A
check_eq "b.good.: NXDOMAIN (1)" 1 "$RC"
check_match "NXDOMAIN by NSEC3: secure" \
    '^;; answer secure: NSEC3 records prove that b\.good\. does not exist \(closest encloser good\., no wildcard \*\.good\.\)$' "$OUT"
secj b.good A
check_eq "json: NXDOMAIN by NSEC3" "secure NSEC3" "$(jq -r '.dnssec | "\(.verdict) \(.denial)"' <<<"$J")"
sec b.nsec A
check_match "NXDOMAIN by NSEC: secure" \
    '^;; answer secure: NSEC records prove that b\.nsec\. does not exist and that no wildcard \*\.nsec\. could answer it$' "$OUT"
sec www.nsec TXT
check_eq "www.nsec. TXT: NODATA (1)" 1 "$RC"
check_match "NODATA by NSEC: secure" '^;; answer secure: the NSEC at www\.nsec\. proves that it has no TXT$' "$OUT"
sec w.good TXT
check_match "NODATA by NSEC3 (an empty non-terminal): secure" \
    '^;; answer secure: the NSEC3 at w\.good\. proves that it has no TXT$' "$OUT"
sec x.w.good TXT
check_match "a wildcard answer, NSEC3: secure, with its proof" \
    "^;; answer secure: x\.w\.good\. TXT is signed by key ${SEC_TAG[good.zsk]} of good\., expanded from the wildcard \*\.w\.good\. \(the name itself is proven not to exist\)$" "$OUT"
secj x.w.nsec TXT
check_eq "json: a wildcard answer, NSEC" "secure *.w.nsec." \
    "$(jq -r '.dnssec | "\(.verdict) \(.wildcard)"' <<<"$J")"
sec x.w.good A
check_match "wildcard NODATA by NSEC3: secure" \
    '^;; answer secure: x\.w\.good\. does not exist, and the NSEC3 at the wildcard \*\.w\.good\. proves that it has no A$' "$OUT"

# --- insecure delegations ---------------------------------------------------
sec www.plain.nsec A
check_eq "an insecure answer is an answer (0)" 0 "$RC"
check_match "plain.nsec.: insecure by NSEC" \
    '^;; plain\.nsec\. insecure: an NSEC of nsec\. proves that plain\.nsec\. has no DS: an unsigned delegation$' "$OUT"
check_match "the answer: insecure, and why" \
    '^;; answer insecure: www\.plain\.nsec\. A is in plain\.nsec\., which is insecure: ' "$OUT"
check_match "no DNSKEY asked of an unsigned zone" '^;; DNSSEC: insecure \(2 DNSKEY queries\)$' "$OUT"
secj www.unsigned.optout A
check_eq "json: unsigned.optout.: insecure by NSEC3 opt-out" "insecure NSEC3 opt-out" \
    "$(jq -r '.dnssec.zones[] | select(.zone == "unsigned.optout.") | "\(.verdict) \(.denial)"' <<<"$J")"
check_match "json: the reason says opt-out" 'an NSEC3 opt-out span of optout\. covers unsigned\.optout\.' \
    "$(jq -r '.dnssec.zones[2].reason' <<<"$J")"
check_eq "json: the opt-out NSEC3 records kept" true \
    "$(jq '[.dnssec.zones[2].parent_records[] | select(.type == "NSEC3")] | length >= 1' <<<"$J")"

# --- broken: each kind ------------------------------------------------------
sec www.expired A
check_eq "expired: bogus fails (2)" 2 "$RC"
check_match "expired: the RRSIG, its key and when" \
    "^;; answer bogus: RRSIG over www\.expired\. A by key ${SEC_TAG[expired.zsk]} expired 3 days ago$" "$OUT"
check_match "expired: the zone itself is secure" '^;; expired\. secure: ' "$OUT"
secj www.expired A
check_eq "json: the expired RRSIG" "bogus expired false" \
    "$(jq -r '.dnssec | "\(.verdict) \(.signatures[0].result) \(.signatures[0].valid)"' <<<"$J")"
sec www.expired AAAA
check_eq "expired: the AAAA is still secure (0)" 0 "$RC"
check_match "expired: the AAAA is secure" '^;; DNSSEC: secure ' "$OUT"

sec www.nokey A
check_eq "nokey: bogus (2)" 2 "$RC"
check_match "nokey: no DNSKEY matches the DS" \
    "^;; nokey\. bogus: no DNSKEY of nokey\. matches the DS key ${SEC_TAG[nokey.ds]} \(the key set holds " "$OUT"
check_match "nokey: the DS line" "^;;   DS ${SEC_TAG[nokey.ds]} \(ECDSAP256SHA256, SHA-256\) at the parent: matches no DNSKEY$" "$OUT"
secj www.nokey A
check_eq "json: nokey's DS unmatched, no key named" "false false" \
    "$(jq -r '.dnssec.zones[1] | "\(.ds[0].matched) \([.dnskeys[].matches_ds] | any)"' <<<"$J")"

sec www.nosig A
check_eq "nosig: bogus (2)" 2 "$RC"
check_match "nosig: the missing RRSIG" '^;; answer bogus: no RRSIG over www\.nosig\. A$' "$OUT"

sec b.badnsec A
check_eq "badnsec: bogus (2)" 2 "$RC"
check_match "badnsec: the NSEC that proves nothing" \
    '^;; answer bogus: no NSEC proves that b\.badnsec\. does not exist \(the NSEC at a\.badnsec\. ends at b\.badnsec\.\)$' "$OUT"
secj b.badnsec A
check_eq "json: badnsec" "bogus NSEC" "$(jq -r '.dnssec | "\(.verdict) \(.denial)"' <<<"$J")"

sec b.badnsec3 A
check_eq "badnsec3: bogus (2)" 2 "$RC"
check_match "badnsec3: the NSEC3 that covers nothing" \
    '^;; answer bogus: an NSEC3 shows badnsec3\. as the closest encloser of b\.badnsec3\., but none covers the next closer name: nothing proves that b\.badnsec3\. does not exist$' "$OUT"
sec www.badnsec3 TXT
check_match "badnsec3: its NODATA is still proven" \
    '^;; answer secure: the NSEC3 at www\.badnsec3\. proves that it has no TXT$' "$OUT"

sec www.alg A
check_eq "alg: an unsupported algorithm is insecure, not a failure (0)" 0 "$RC"
check_match "alg: the algorithm named" \
    '^;; alg\. insecure: the DS records of alg\. at \. use only algorithm 23 \(ECC-GOST12\)' "$OUT"
check_match "alg: no DNSKEY query for it" '^;; DNSSEC: insecure \(1 DNSKEY query\)$' "$OUT"
secj www.alg A
check_eq "json: alg's DS not supported" "23 false" \
    "$(jq -r '.dnssec.zones[1].ds[0] | "\(.algorithm) \(.supported)"' <<<"$J")"

# --- trust anchors ----------------------------------------------------------
OUT=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 -k "$SEC_ANCHOR_KEY" www.good A)
check_eq "a DNSKEY trust anchor: secure (0)" 0 $?
check_match "a DNSKEY trust anchor: named" \
    "^;;   trust anchor DNSKEY $root \(RSASHA256\): matches a DNSKEY$" "$OUT"

grep '^good\.' "$SEC/root.ds" >"$T/good.anchor"
OUT=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 -k "$T/good.anchor" www.good A)
check_eq "an anchor below the root: secure (0)" 0 $?
check_match "the root, without an anchor: indeterminate" '^;; \. indeterminate: no trust anchor for \.$' "$OUT"
check_match "good.: secure by its own anchor" '^;; good\. secure: the trust anchor names DNSKEY' "$OUT"

# Debian's root.key: the real root's keys, which the mock root lacks
OUT=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 --dnssec www.good A)
check_eq "the real root's anchor over the mock root: bogus (2)" 2 $?
check_match "the default anchor: root.key" '^;; DNSSEC trust anchor: /usr/share/dns/root\.key$' "$OUT"
check_match "the mock root does not match KSK-2017 and KSK-2024" \
    '^;; \. bogus: no DNSKEY of \. matches the trust anchor, keys 20326, 38696 \(the key set holds ' "$OUT"
check_match "below a bogus root: bogus" '^;; good\. bogus: it is below \., which is bogus$' "$OUT"

# without root.key: the built-in DS records of the same two keys
mkdir -p "$T/nodns"
OUT=$(unshare --mount -- "$BASH" -c 'mount --bind "$1" /usr/share/dns 2>/dev/null ||
	{ mkdir -p /usr/share/dns && mount --bind "$1" /usr/share/dns; }; shift; exec "$@"' \
    _ "$T/nodns" "$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 --dnssec www.good A)
check_match "no root.key: the built-in anchor" '^;; DNSSEC trust anchor: built-in$' "$OUT"
check_match "built-in: DS 20326 and 38696" \
    '^;;   DS 20326 \(RSASHA256, SHA-256\) from the trust anchor: matches no DNSKEY$' "$OUT"
check_match "built-in: KSK-2024 too" '^;;   DS 38696 \(RSASHA256, SHA-256\) from the trust anchor' "$OUT"

printf '; a comment\n. IN NS a.root-servers.\n' >"$T/bad.anchor"
"$ROOST" trace -r "$SEC_HINTS" -p "$P" -k "$T/bad.anchor" www.good A >/dev/null 2>"$T/err"
check_eq "an anchor file of NS records: usage (3)" 3 $?
check_eq "its message: file:line" \
    "roost trace: trust anchor: $T/bad.anchor:2: not a DS or DNSKEY record" "$(cat "$T/err")"
"$ROOST" trace -r "$SEC_HINTS" -p "$P" -k "$T/missing.anchor" www.good A >/dev/null 2>"$T/err"
check_eq "a missing anchor file: usage (3)" 3 $?
check_match "its message" 'trust anchor: .*/missing\.anchor: No such file or directory$' "$(cat "$T/err")"

# --- without --dnssec, nothing of it ----------------------------------------
OUT=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 www.expired A)
check_eq "without --dnssec: the expired answer is an answer (0)" 0 $?
check_nomatch "without --dnssec: no chain" '^;; DNSSEC' "$OUT"
J=$("$ROOST" trace -r "$SEC_HINTS" -p "$P" -t 0.5 --json www.good A)
check_eq "without --dnssec: no dnssec object" false "$(jq 'has("dnssec")' <<<"$J")"
OUT=$("$ROOST" trace --help)
check_match "--help: --dnssec" '^  -D, --dnssec ' "$OUT"
check_match "--help: --trust-anchor" '^  -k, --trust-anchor FILE ' "$OUT"

finish
