/*
 * src/client/chain.h - `roost trace --dnssec`: the chain of trust of one
 * walk, checked from the trust anchor down to the answer.
 *
 * The walk (trace.h, with o->dnssec) asked every server with DO=1 and
 * kept the DS, NSEC, NSEC3 and RRSIG records of each referral and of the
 * answer.  chain_check() lists the zones the walk went through (the
 * root, then each delegation's child, in order), asks one server of each
 * zone for its DNSKEY set, and judges each zone:
 *   secure        a DS of the secure parent (or a trust anchor) matches
 *                 a DNSKEY of the zone that signs the zone's key set;
 *   insecure      the secure parent proves by NSEC or NSEC3 (also an
 *                 opt-out span) that there is no DS, or the DS records
 *                 name only algorithms or digests roost cannot check, or
 *                 the zone is below an insecure one;
 *   bogus         anything else a validator would refuse: no DS and no
 *                 proof, no key matching the DS, an RRSIG missing,
 *                 expired, not yet valid or not verifying, a wrong proof;
 *   indeterminate no trust anchor above the zone, or no reply to use.
 * Then the answer: each RRset's RRSIGs by its zone's keys (a wildcard
 * expansion with its proof that the name itself does not exist), or for
 * NXDOMAIN and NODATA the signed SOA and the NSEC/NSEC3 proof.  Every
 * verdict comes with its reason in words.
 *
 * Limits: CHAIN_MAX_ZONES zones (the rest indeterminate), CHAIN_MAX_KEYS
 * DNSKEYs and CHAIN_MAX_DS DS records per zone (more: bogus, as a
 * validator bounds its work), NSEC3 with more than CHAIN_NSEC3_MAX_ITER
 * iterations treated as insecure (RFC 9276).  Times are checked against
 * the now passed in.
 *
 * Ownership: a chain owns every string and record in it (chain_free()).
 */
#ifndef ROOST_CHAIN_H
#define ROOST_CHAIN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "anchor.h"
#include "dnssec.h"
#include "trace.h"

#define CHAIN_MAX_ZONES 32
#define CHAIN_MAX_KEYS 16
#define CHAIN_MAX_DS 16
#define CHAIN_NSEC3_MAX_ITER DNSSEC_NSEC3_MAX_ITER

enum chain_verdict {
	CHAIN_SECURE,
	CHAIN_INSECURE,
	CHAIN_BOGUS,
	CHAIN_INDETERMINATE,
};

/* How one RRSIG fared. */
enum chain_sig_result {
	CHAIN_SIG_VALID,
	CHAIN_SIG_EXPIRED,
	CHAIN_SIG_NOT_YET,
	CHAIN_SIG_BAD,         /* does not verify with the key */
	CHAIN_SIG_NO_KEY,      /* no key of the zone with its tag */
	CHAIN_SIG_UNSUPPORTED, /* an algorithm roost cannot check */
};

/* One RRSIG checked: over which RRset, by which key, and the result. */
struct chain_sig {
	char *rrset;  /* "www.example.test. A" */
	char *signer; /* lower-case, absolute */
	uint16_t tag;
	uint8_t alg, labels;
	int64_t inception, expiration; /* seconds since the epoch */
	enum chain_sig_result result;
};

struct chain_sigs {
	struct chain_sig *v;
	size_t n, cap;
};

/* A DS of the parent (or a trust anchor record) for the zone. */
struct chain_ds {
	uint16_t tag;
	uint8_t alg, digest; /* digest 0: a DNSKEY trust anchor */
	bool supported;      /* algorithm and digest roost can check */
	bool matched;        /* a DNSKEY of the zone has this digest */
};

/* A DNSKEY of the zone. */
struct chain_key {
	uint16_t tag, flags;
	uint8_t alg;
	bool ds_match; /* a supported DS (or anchor) names it */
	bool signs;    /* its RRSIG over the key set is valid */
};

struct chain_zone {
	char *name;   /* lower-case, absolute */
	char *parent; /* the zone that delegated it; NULL for the first */
	char *server; /* asked for the DNSKEY set; NULL if none was */
	char address[INET6_ADDRSTRLEN];
	enum chain_verdict verdict;
	char *reason;
	bool anchored;      /* the DS come from the trust anchor */
	const char *denial; /* no DS: "NSEC", "NSEC3", "NSEC3 opt-out" */
	struct chain_ds ds[CHAIN_MAX_DS];
	size_t nds;
	struct chain_key keys[CHAIN_MAX_KEYS];
	size_t nkeys;
	struct chain_sigs sigs; /* over the DS set, key set, denial */
	ldns_rr_list *dnskey;   /* the key set and its RRSIGs, as received */
	ldns_rr_list *records;  /* from the parent: DS or denial, RRSIGs */
};

struct chain {
	struct chain_zone zones[CHAIN_MAX_ZONES];
	size_t nzones;
	enum chain_verdict verdict; /* the answer's */
	char *reason;
	const char *denial; /* negative answer: "NSEC", "NSEC3" */
	char *wildcard;     /* the answer came from this wildcard, or NULL */
	struct chain_sigs sigs; /* over the answer's RRsets and proofs */
	unsigned queries;       /* DNSKEY queries sent */
};

/*
 * Ask the server of step s (its address) for zone's DNSKEY set with DO=1:
 * 0 with the reply in *reply (the caller frees it), or -1 with why
 * ("no reply").  *queries grows by the packets sent.
 */
typedef int (*chain_ask_fn)(void *arg, const ldns_rdf *zone,
    const struct trace_step *s, ldns_pkt **reply, unsigned *queries, char *why,
    size_t len);

/* What a check is done with: the anchors, the time, and how to ask. */
struct chain_env {
	const struct anchor_set *anchors;
	time_t now;       /* RRSIG validity is checked at this time */
	chain_ask_fn ask; /* chain_ask_net, or a test's */
	void *arg;        /* for ask */
};

/* The real ask: over the network with the options and deadline of the
 * struct trace_run *arg, whose query count grows too. */
int chain_ask_net(void *arg, const ldns_rdf *zone, const struct trace_step *s,
    ldns_pkt **reply, unsigned *queries, char *why, size_t len);

/*
 * Check walk w's chain of trust in env.  Returns the chain
 * (chain_free()), or NULL when out of memory.
 */
struct chain *
chain_check(const struct trace_walk *w, const struct chain_env *env);

void chain_free(struct chain *c);

/* "secure", "insecure", "bogus", "indeterminate". */
const char *chain_verdict_str(enum chain_verdict v);

/* "valid", "expired", "not yet valid", ... */
const char *chain_sig_result_str(enum chain_sig_result r);

/* The name of DNSSEC algorithm alg ("ECDSAP256SHA256") in buf. */
const char *chain_alg_name(uint8_t alg, char *buf, size_t len);

/* The name of DS digest type d ("SHA-256"). */
const char *chain_digest_name(uint8_t d);

/* Whether roost can check DNSSEC algorithm alg / DS digest type d. */
bool chain_alg_supported(uint8_t alg);
bool chain_digest_supported(uint8_t d);

#endif /* ROOST_CHAIN_H */
