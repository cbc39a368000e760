/*
 * src/daemon/validate.h - DNSSEC validation of upstream answers with ldns:
 * the trust anchors, the zones roostd has judged, and the verdict on one
 * answer.
 *
 * A validator behind a forwarder does not see the delegations, so it
 * learns the zones from the signatures and asks for what it lacks: the
 * DS set of a zone from its parent, the zone's DNSKEY set, each judged
 * with the keys of the zone above it, down from a trust anchor.  Nothing
 * here does I/O.  validate_zone() and validate_answer() are steps that
 * return what they need (a zone not judged yet, a DS or DNSKEY reply);
 * the caller (trust.h) fetches it and calls again with it.  A zone is:
 *   secure        its DNSKEY set is signed by a key the secure parent's
 *                 DS (or a trust anchor) names;
 *   insecure      a secure parent proves it has no DS, or its DS name
 *                 only algorithms or digests we cannot check, or it is
 *                 below an insecure zone or a negative trust anchor;
 *   bogus         anything a validator must refuse;
 *   indeterminate no trust anchor is above it;
 *   in a zone     not a zone apex: the name's records are the zone's
 *                 above it (recorded, so that it is asked about once).
 *
 * Limits: VALIDATE_MAX_ZONES zones are remembered (the least recently
 * used goes first), each for the TTL of what proved it (at most
 * VALIDATE_MAX_TTL, bogus ones VALIDATE_BOGUS_TTL); VALIDATE_MAX_KEYS
 * DNSKEYs and VALIDATE_MAX_DS DS per zone (more: bogus); NSEC3 past
 * DNSSEC_NSEC3_MAX_ITER iterations is insecure (RFC 9276).
 *
 * Ownership: the store owns its anchors and zones; replies are the
 * caller's and only read.
 */
#ifndef ROOST_VALIDATE_H
#define ROOST_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#define VALIDATE_MAX_ZONES 4096
#define VALIDATE_MAX_KEYS 16
#define VALIDATE_MAX_DS 16
#define VALIDATE_MAX_TTL 86400 /* s */
#define VALIDATE_BOGUS_TTL 60  /* s a bogus or unreachable zone is kept */
#define VALIDATE_WHY_LEN 256
/* The system's trust anchor (Debian's dns-root-data). */
#define VALIDATE_ROOT_KEY_FILE "/usr/share/dns/root.key"

enum validate_verdict {
	VALIDATE_SECURE,
	VALIDATE_INSECURE,
	VALIDATE_BOGUS,
	VALIDATE_INDETERMINATE,
	VALIDATE_NVERDICTS
};

/* "secure", "insecure", "bogus", "indeterminate". */
const char *validate_verdict_str(enum validate_verdict v);

/* A verdict, its extended DNS error (RFC 8914; has_ede false: none)
 * and its reason in words.  proof: the NSEC, NSEC3 and SOA RRsets of
 * the authority section were verified (a denial, or a wildcard's proof);
 * no other authority RRset ever is. */
struct validate_result {
	enum validate_verdict verdict;
	bool has_ede;
	uint16_t ede;
	bool proof;
	char why[VALIDATE_WHY_LEN];
};

/* What a step needs before it can go on. */
enum validate_step {
	VALIDATE_DONE,
	VALIDATE_NEED_ZONE,   /* *need: a zone (name) to validate_zone() */
	VALIDATE_NEED_DS,     /* the reply to "zone DS" */
	VALIDATE_NEED_DNSKEY, /* the reply to "zone DNSKEY" */
};

/* The clocks a step reads: signatures against the wall clock, how long
 * a zone is remembered against the loop's monotonic one. */
struct validate_time {
	time_t wall;
	uint32_t mono; /* s */
};

struct validate_store;

/* An empty store (no anchors, no zones), or NULL without memory. */
struct validate_store *validate_store_new(void);

void validate_store_free(struct validate_store *s);

/*
 * Loads the trust anchors: DS or DNSKEY records in zone-file syntax
 * from path, or with path "" from VALIDATE_ROOT_KEY_FILE if it exists,
 * else the root's built-in DS records (KSK-2017 and KSK-2024).  Replaces
 * earlier anchors and, if they differ (*changed, when not NULL), forgets
 * every zone.  Returns 0, or -1 with "FILE:LINE: reason" in err (the
 * store keeps its old anchors).
 */
int validate_store_anchors(struct validate_store *s, const char *path,
    bool *changed, char *err, size_t errlen);

/* Anchors loaded. */
size_t validate_store_nanchors(const struct validate_store *s);

/*
 * Adds a negative trust anchor: name (wire form) and the names below it
 * are insecure.  Returns 0, or -1 with errno ENOMEM.
 */
int validate_store_insecure(struct validate_store *s, const uint8_t *name,
    size_t len);

/* Forgets the negative trust anchors and every zone judged. */
void validate_store_clear(struct validate_store *s);

/* Zones remembered now. */
size_t validate_store_zones(const struct validate_store *s);

/*
 * One step of judging zone: ds and dnskey are the replies to "zone DS"
 * and "zone DNSKEY" when the caller has them (NULL otherwise; a reply
 * that failed is validate_zone_failed()'s).  Returns VALIDATE_DONE once
 * zone is remembered (at once if it is), else what it needs; for
 * VALIDATE_NEED_ZONE *need is a new name the caller frees.
 */
enum validate_step validate_zone(struct validate_store *s, const ldns_rdf *zone,
    const ldns_pkt *ds, const ldns_pkt *dnskey, const struct validate_time *t,
    ldns_rdf **need);

/* The fetch of zone's DS (ds true) or DNSKEY set failed: zone is
 * remembered as bogus for VALIDATE_BOGUS_TTL. */
void validate_zone_failed(struct validate_store *s, const ldns_rdf *zone,
    bool ds, const struct validate_time *t);

/*
 * One step of judging ans, the upstream's answer to qname/qtype (asked
 * with DO and CD).  VALIDATE_DONE fills *r; VALIDATE_NEED_ZONE sets
 * *need (the caller frees it) to a zone to validate_zone() first.
 */
enum validate_step validate_answer(struct validate_store *s,
    const ldns_pkt *ans, const ldns_rdf *qname, ldns_rr_type qtype,
    const struct validate_time *t, struct validate_result *r, ldns_rdf **need);

#endif /* ROOST_VALIDATE_H */
