/*
 * src/common/dnssec.h - DNSSEC facts on ldns records, for both programs:
 * which algorithms and digests can be checked, whether a record has all
 * its fields, RRset views, one RRSIG against a key set, and the denial
 * proofs of NSEC (RFC 4035 5.4) and NSEC3 (RFC 5155 8): name error,
 * no data, wildcard expansion, and a delegation without DS.
 *
 * The proofs read only the NSEC/NSEC3 records handed in; checking their
 * signatures is the caller's (first), as is choosing words for a result.
 * Records cut short by a hostile server (dnssec_rr_ok() false) are never
 * looked into.  Lists returned as "views" hold records of another list:
 * free them with ldns_rr_list_free(), never deep.
 */
#ifndef ROOST_DNSSEC_H
#define ROOST_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "sigcheck.h"

/* NSEC3 with more iterations is treated as unsigned (RFC 9276 3.2). */
#define DNSSEC_NSEC3_MAX_ITER 150

/* Whether DNSKEY/RRSIG algorithm alg, or DS digest type d, is checked. */
bool dnssec_alg_supported(uint8_t alg);
bool dnssec_digest_supported(uint8_t d);

/* Whether rr has every field its type needs (other types: true). */
bool dnssec_rr_ok(const ldns_rr *rr);

/* The type an RRSIG covers (0 if it has none). */
ldns_rr_type dnssec_sig_covers(const ldns_rr *sig);

/*
 * A view of the records of l of type t owned by owner (NULL: any owner);
 * for t RRSIG those covering cov.  NULL if none (or out of memory).
 */
ldns_rr_list *dnssec_rrset(const ldns_rr_list *l, const ldns_rdf *owner,
    ldns_rr_type t, ldns_rr_type cov);

/* Whether DNSKEY k may sign zone data (ZONE flag, protocol 3). */
bool dnssec_zone_key(const ldns_rr *k);

/* How one RRSIG fared against a key set. */
enum dnssec_sig {
	DNSSEC_SIG_VALID,
	DNSSEC_SIG_EXPIRED,
	DNSSEC_SIG_NOT_YET,
	DNSSEC_SIG_BAD,         /* does not verify with the key */
	DNSSEC_SIG_NO_KEY,      /* no zone key with its tag and algorithm */
	DNSSEC_SIG_UNSUPPORTED, /* an algorithm we cannot check */
};

/* The key tag of DNSKEY k (RFC 4034 B), without writing it out. */
uint16_t dnssec_keytag(const ldns_rr *k);

/*
 * Checks sig over rrset with the zone keys of keys (NULL: none) that
 * have its tag and algorithm, at time now: the best result of any key.
 * sc (NULL: one made for this call) keeps the keys made from DNSKEYs.
 * A validity window is judged only for a signature that verifies.
 */
enum dnssec_sig dnssec_sig_check(ldns_rr_list *rrset, ldns_rr *sig,
    const ldns_rr_list *keys, time_t now, struct sigcheck *sc);

/* Whether name is below zone (strictly), or zone or below it; letter
 * case aside. */
bool dnssec_under(const ldns_rdf *name, const ldns_rdf *zone);
bool dnssec_at_or_under(const ldns_rdf *name, const ldns_rdf *zone);

/* name with leftmost labels removed until n are left (a clone), or NULL. */
ldns_rdf *dnssec_suffix(const ldns_rdf *name, size_t n);

/* "*." + ce, or NULL. */
ldns_rdf *dnssec_wildcard_of(const ldns_rdf *ce);

/* The longest ancestor of name (or name) that holds other too, or NULL. */
ldns_rdf *dnssec_common_ancestor(const ldns_rdf *name, const ldns_rdf *other);

/* The name after rr's owner in its NSEC or NSEC3 chain (NSEC3: the hash
 * label and the zone), or NULL.  The caller frees it. */
ldns_rdf *dnssec_next_name(const ldns_rr *rr);

/* Whether rr's span holds name strictly between its owner and next name
 * (name hashed already for NSEC3). */
bool dnssec_covers(const ldns_rr *rr, const ldns_rdf *name);

/* The record of l of type t (NSEC or NSEC3) matching name (cover:
 * covering it), name hashed with each NSEC3's parameters; or NULL. */
const ldns_rr *dnssec_denial_find(const ldns_rr_list *l, ldns_rr_type t,
    const ldns_rdf *name, bool cover);

/* Whether NSEC or NSEC3 rr lists type t in its bitmap. */
bool dnssec_has_type(const ldns_rr *rr, ldns_rr_type t);

/* The NSEC of l whose owner is the last before name, or NULL. */
const ldns_rr *dnssec_nsec_before(const ldns_rr_list *l, const ldns_rdf *name);

/* An NSEC3 of l with more than DNSSEC_NSEC3_MAX_ITER iterations, or NULL. */
const ldns_rr *dnssec_nsec3_over_limit(const ldns_rr_list *l);

/*
 * The NSEC3 closest encloser proof for name in zone (RFC 5155 8.3): the
 * closest encloser's record in *ce (its name in *cename, for the caller
 * to free; set whenever *ce is) and the record covering the next closer
 * name in *nc.  Returns whether both were found.
 */
bool dnssec_closest_encloser(const ldns_rr_list *l, const ldns_rdf *name,
    const ldns_rdf *zone, const ldns_rr **ce, ldns_rdf **cename,
    const ldns_rr **nc);

/* What NSEC or NSEC3 records prove about a name. */
enum dnssec_proof {
	DNSSEC_PROVEN,          /* what was asked is proven */
	DNSSEC_OPT_OUT,         /* an opt-out span covers it: insecure */
	DNSSEC_UNPROVEN,        /* no record proves it */
	DNSSEC_NO_WILDCARD,     /* the name is proven absent, but not that
				   no wildcard could answer it */
	DNSSEC_WILDCARD_EXISTS, /* a wildcard would have answered */
	DNSSEC_HAS_TYPE,        /* the record at the name lists the type or
				   a CNAME */
};

/*
 * NXDOMAIN for name in zone by the records of sec (NSEC if it has any,
 * else NSEC3): name does not exist and no wildcard could answer it.
 * *wild (if not NULL) gets the wildcard's name when one was reached (the
 * caller frees it).
 */
enum dnssec_proof dnssec_prove_nxdomain(const ldns_rr_list *sec,
    const ldns_rdf *name, const ldns_rdf *zone, ldns_rdf **wild);

/*
 * NODATA for name and type t in zone: the record at name lacks t and
 * CNAME, or name does not exist and the wildcard's record lacks them,
 * or (type DS) an opt-out span covers name (DNSSEC_OPT_OUT).
 */
enum dnssec_proof dnssec_prove_nodata(const ldns_rr_list *sec,
    const ldns_rdf *name, const ldns_rdf *zone, ldns_rr_type t);

/*
 * A wildcard expansion for owner (its RRSIG has siglabels labels, fewer
 * than owner's): whether sec proves that owner itself does not exist (an
 * NSEC covering it, or an NSEC3 covering the next closer name).
 */
bool dnssec_prove_expansion(const ldns_rr_list *sec, const ldns_rdf *owner,
    size_t siglabels);

/* What the answer to "name DS" in zone proves (dnssec_prove_cut()). */
enum dnssec_cut {
	DNSSEC_CUT_INSECURE, /* a delegation without DS, or opt-out */
	DNSSEC_CUT_NONE,     /* no delegation at name: it is in zone */
	DNSSEC_CUT_UNPROVEN, /* nothing proves either */
};

/*
 * Given a negative answer to name's DS from zone (a proper ancestor),
 * with the NSEC/NSEC3 records sec (signatures checked): whether name is
 * an unsigned delegation, or not a delegation at all.
 */
enum dnssec_cut dnssec_prove_cut(const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone);

#endif /* ROOST_DNSSEC_H */
