/*
 * src/daemon/validate.c - DNSSEC validation steps and the zones judged
 * (see validate.h).
 *
 * Invariants:
 * - Only the DNSKEY set of a secure zone (or a trust anchor) verifies
 *   anything; a zone is secure only through a secure parent or anchor.
 * - A zone entry is looked up only while fresh (mono < expires); the
 *   table holds at most VALIDATE_MAX_ZONES, on one LRU list and one
 *   hash chain each.
 * - An "in a zone" entry names a proper ancestor, so following them
 *   ends within the name's label count.
 * - Record lists built from replies are views (dnssec_rrset()), freed
 *   with ldns_rr_list_free(); a secure zone's keys are its own deep copy.
 * - The first finding of the worst verdict sets a result's reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "anchor.h"
#include "dnssec.h"
#include "log.h"
#include "validate.h"
#include "wire.h"

#define VALIDATE_BUCKETS 1024 /* a power of two */
/* CNAMEs followed in one answer to find the name it ends at. */
#define VALIDATE_MAX_CNAMES 16

enum zstate {
	Z_SECURE,
	Z_INSECURE,
	Z_BOGUS,
	Z_INDETERMINATE,
	Z_INZONE,
};

struct vzone {
	TAILQ_ENTRY(vzone) lru; /* most recently used first */
	struct vzone *hnext;
	uint64_t hash;
	ldns_rdf *name; /* canonical */
	enum zstate state;
	ldns_rr_list *keys; /* Z_SECURE: the DNSKEY set (deep) */
	ldns_rdf *in;       /* Z_INZONE: the zone that holds name */
	bool has_ede;
	uint16_t ede;
	char why[VALIDATE_WHY_LEN];
	uint32_t expires; /* mono s */
};

struct validate_store {
	struct anchor_set anchors; /* rrs NULL: none */
	ldns_rdf **ntas;           /* negative trust anchors, canonical */
	size_t nntas;
	struct vzone *buckets[VALIDATE_BUCKETS];
	TAILQ_HEAD(vzone_lru, vzone) lru;
	size_t nzones;
	struct sigcheck *sc; /* the public keys made so far, kept across
				clear: a key is its bytes */
};

const char *
validate_verdict_str(enum validate_verdict v)
{
	static const char *const s[] = { "secure", "insecure", "bogus",
		"indeterminate" };

	return (size_t)v < sizeof(s) / sizeof(s[0]) ? s[v] : "?";
}

/* --- the store ------------------------------------------------------- */

struct validate_store *
validate_store_new(void)
{
	struct validate_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	TAILQ_INIT(&s->lru);
	if ((s->sc = sigcheck_new()) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
zone_free(struct validate_store *s, struct vzone *z)
{
	struct vzone **pp = &s->buckets[z->hash & (VALIDATE_BUCKETS - 1)];

	while (*pp != z)
		pp = &(*pp)->hnext;
	*pp = z->hnext;
	TAILQ_REMOVE(&s->lru, z, lru);
	s->nzones--;
	ldns_rr_list_deep_free(z->keys);
	ldns_rdf_deep_free(z->in);
	ldns_rdf_deep_free(z->name);
	free(z);
}

static void
zones_clear(struct validate_store *s)
{
	while (!TAILQ_EMPTY(&s->lru))
		zone_free(s, TAILQ_FIRST(&s->lru));
}

void
validate_store_clear(struct validate_store *s)
{
	zones_clear(s);
	for (size_t i = 0; i < s->nntas; i++)
		ldns_rdf_deep_free(s->ntas[i]);
	free(s->ntas);
	s->ntas = NULL;
	s->nntas = 0;
}

void
validate_store_free(struct validate_store *s)
{
	if (s == NULL)
		return;
	validate_store_clear(s);
	anchor_free(&s->anchors);
	sigcheck_free(s->sc);
	free(s);
}

/* Whether a and b hold the same records in the same order. */
static bool
anchors_equal(const struct anchor_set *a, const struct anchor_set *b)
{
	size_t n = a->rrs != NULL ? ldns_rr_list_rr_count(a->rrs) : 0;

	if (n != (b->rrs != NULL ? ldns_rr_list_rr_count(b->rrs) : 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (ldns_rr_compare(ldns_rr_list_rr(a->rrs, i),
			ldns_rr_list_rr(b->rrs, i)) != 0)
			return false;
	return true;
}

int
validate_store_anchors(struct validate_store *s, const char *path,
    bool *changed, char *err, size_t errlen)
{
	struct anchor_set a;
	bool differ;

	if (anchor_load(&a, path[0] != '\0' ? path : NULL, err, errlen) == -1)
		return -1;
	differ = !anchors_equal(&a, &s->anchors);
	anchor_free(&s->anchors);
	s->anchors = a;
	if (differ)
		zones_clear(s);
	if (changed != NULL)
		*changed = differ;
	return 0;
}

size_t
validate_store_nanchors(const struct validate_store *s)
{
	return s->anchors.rrs != NULL ? ldns_rr_list_rr_count(s->anchors.rrs)
				      : 0;
}

int
validate_store_insecure(struct validate_store *s, const uint8_t *name,
    size_t len)
{
	ldns_rdf *d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, name);
	ldns_rdf **grown;

	if (d == NULL)
		goto nomem;
	ldns_dname2canonical(d);
	if ((grown = realloc(s->ntas, (s->nntas + 1) * sizeof(*grown))) ==
	    NULL) {
		ldns_rdf_deep_free(d);
		goto nomem;
	}
	s->ntas = grown;
	s->ntas[s->nntas++] = d;
	zones_clear(s);
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

size_t
validate_store_zones(const struct validate_store *s)
{
	return s->nzones;
}

static uint64_t
name_hash(const ldns_rdf *name)
{
	const uint8_t *p = ldns_rdf_data(name);
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < ldns_rdf_size(name); i++) {
		uint8_t c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

static struct vzone *
zone_find(struct validate_store *s, const ldns_rdf *name, uint64_t h)
{
	for (struct vzone *z = s->buckets[h & (VALIDATE_BUCKETS - 1)];
	     z != NULL; z = z->hnext)
		if (z->hash == h && ldns_dname_compare(z->name, name) == 0)
			return z;
	return NULL;
}

/* The fresh entry for name (moved to the front), or NULL. */
static struct vzone *
zone_get(struct validate_store *s, const ldns_rdf *name,
    const struct validate_time *t)
{
	struct vzone *z = zone_find(s, name, name_hash(name));

	if (z == NULL)
		return NULL;
	if (z->expires <= t->mono) {
		zone_free(s, z);
		return NULL;
	}
	TAILQ_REMOVE(&s->lru, z, lru);
	TAILQ_INSERT_HEAD(&s->lru, z, lru);
	return z;
}

/*
 * Remembers name as state for ttl seconds (replacing an entry), with the
 * reason fmt.  Takes keys and in (NULL if none) whatever happens.
 * Returns the entry, or NULL without memory.
 */
static struct vzone *zone_put(struct validate_store *s, const ldns_rdf *name,
    enum zstate state, ldns_rr_list *keys, ldns_rdf *in, int ede, uint32_t ttl,
    const struct validate_time *t, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static struct vzone *
zone_put(struct validate_store *s, const ldns_rdf *name, enum zstate state,
    ldns_rr_list *keys, ldns_rdf *in, int ede, uint32_t ttl,
    const struct validate_time *t, const char *fmt, ...)
{
	uint64_t h = name_hash(name);
	struct vzone *z = zone_find(s, name, h);
	va_list ap;

	if (z != NULL)
		zone_free(s, z);
	if (s->nzones >= VALIDATE_MAX_ZONES)
		zone_free(s, TAILQ_LAST(&s->lru, vzone_lru));
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->name = ldns_rdf_clone(name)) == NULL) {
		free(z);
		ldns_rr_list_deep_free(keys);
		ldns_rdf_deep_free(in);
		return NULL;
	}
	ldns_dname2canonical(z->name);
	z->hash = h;
	z->state = state;
	z->keys = keys;
	z->in = in;
	z->has_ede = ede >= 0;
	z->ede = ede >= 0 ? (uint16_t)ede : 0;
	if (ttl == 0)
		ttl = 1;
	if (ttl > VALIDATE_MAX_TTL)
		ttl = VALIDATE_MAX_TTL;
	z->expires = t->mono + ttl;
	va_start(ap, fmt);
	vsnprintf(z->why, sizeof(z->why), fmt, ap);
	va_end(ap);
	z->hnext = s->buckets[h & (VALIDATE_BUCKETS - 1)];
	s->buckets[h & (VALIDATE_BUCKETS - 1)] = z;
	TAILQ_INSERT_HEAD(&s->lru, z, lru);
	s->nzones++;
	return z;
}

/* --- small helpers --------------------------------------------------- */

static const char *
name_str(const ldns_rdf *d, char *buf, size_t len)
{
	char *s = d != NULL ? ldns_rdf2str(d) : NULL;

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	for (char *p = buf; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return buf;
}

/* "www.example. A" */
static const char *
rrset_str(const ldns_rr_list *set, char *buf, size_t len)
{
	const ldns_rr *rr = ldns_rr_list_rr(set, 0);
	char n[WIRE_MAX_NAME_TEXT], *t = ldns_rr_type2str(ldns_rr_get_type(rr));

	snprintf(buf, len, "%s %s", name_str(ldns_rr_owner(rr), n, sizeof(n)),
	    t != NULL ? t : "?");
	free(t);
	return buf;
}

static bool
nta_has(const struct validate_store *s, const ldns_rdf *name)
{
	for (size_t i = 0; i < s->nntas; i++)
		if (dnssec_at_or_under(name, s->ntas[i]))
			return true;
	return false;
}

/* The anchors owned by zone (a view), or NULL. */
static ldns_rr_list *
anchors_at(const struct validate_store *s, const ldns_rdf *zone)
{
	ldns_rr_list *ds =
			 dnssec_rrset(s->anchors.rrs, zone, LDNS_RR_TYPE_DS, 0),
		     *keys = dnssec_rrset(s->anchors.rrs, zone,
			 LDNS_RR_TYPE_DNSKEY, 0);

	if (ds == NULL)
		return keys;
	if (keys != NULL)
		(void)ldns_rr_list_push_rr_list(ds, keys);
	ldns_rr_list_free(keys);
	return ds;
}

static bool
anchor_above(const struct validate_store *s, const ldns_rdf *name)
{
	for (size_t i = 0; i < validate_store_nanchors(s); i++)
		if (dnssec_at_or_under(name,
			ldns_rr_owner(ldns_rr_list_rr(s->anchors.rrs, i))))
			return true;
	return false;
}

/* The smallest TTL of l's records (VALIDATE_MAX_TTL if none). */
static uint32_t
min_ttl(const ldns_rr_list *l, uint32_t ttl)
{
	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_ttl(ldns_rr_list_rr(l, i)) < ttl)
			ttl = ldns_rr_ttl(ldns_rr_list_rr(l, i));
	return ttl;
}

/* The EDE for a failed RRSIG. */
static int
sig_ede(enum dnssec_sig r)
{
	switch (r) {
	case DNSSEC_SIG_EXPIRED:
		return WIRE_EDE_SIG_EXPIRED;
	case DNSSEC_SIG_NOT_YET:
		return WIRE_EDE_SIG_NOT_YET;
	case DNSSEC_SIG_NO_KEY:
		return WIRE_EDE_DNSKEY_MISSING;
	default:
		return WIRE_EDE_BOGUS;
	}
}

static const char *
sig_words(enum dnssec_sig r)
{
	static const char *const w[] = { "is valid", "has expired",
		"is not valid yet", "does not verify",
		"names a key the zone does not have",
		"uses an algorithm we cannot check" };

	return w[r];
}

/*
 * Verifies set with the RRSIGs over it in pool made by zone with keys.
 * Returns DNSSEC_SIG_VALID (*labels: the valid RRSIG's label count),
 * or the best failure; no RRSIG at all is DNSSEC_SIG_NO_KEY with
 * *none set.
 */
static enum dnssec_sig
verify(struct sigcheck *sc, ldns_rr_list *set, const ldns_rr_list *pool,
    const ldns_rdf *zone, const ldns_rr_list *keys, time_t now, size_t *labels,
    bool *none)
{
	const ldns_rr *first = ldns_rr_list_rr(set, 0);
	ldns_rr_list *sigs = dnssec_rrset(pool, ldns_rr_owner(first),
	    LDNS_RR_TYPE_RRSIG, ldns_rr_get_type(first));
	enum dnssec_sig best = DNSSEC_SIG_NO_KEY, r;
	ldns_rr *sig;

	*none = sigs == NULL;
	for (size_t i = 0; sigs != NULL && i < ldns_rr_list_rr_count(sigs);
	     i++) {
		sig = ldns_rr_list_rr(sigs, i);
		if (ldns_dname_compare(ldns_rr_rrsig_signame(sig), zone) != 0)
			continue;
		r = dnssec_sig_check(set, sig, keys, now, sc);
		if (r == DNSSEC_SIG_VALID) {
			*labels =
			    ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
			best = r;
			break;
		}
		if (best == DNSSEC_SIG_NO_KEY || r == DNSSEC_SIG_EXPIRED ||
		    r == DNSSEC_SIG_NOT_YET)
			best = r;
	}
	ldns_rr_list_free(sigs);
	return best;
}

/*
 * Verifies every NSEC, NSEC3 and SOA RRset of l with zone's keys.
 * Returns DNSSEC_SIG_VALID, or the failure with *bad a view of the
 * failing RRset (the caller frees it) and *none as verify() sets it.
 */
static enum dnssec_sig
denial_verify(struct sigcheck *sc, const ldns_rr_list *l, const ldns_rdf *zone,
    const ldns_rr_list *keys, time_t now, ldns_rr_list **bad, bool *none)
{
	ldns_rr_list *set;
	const ldns_rr *rr;
	ldns_rr_type t;
	enum dnssec_sig r;
	size_t i, j, labels;

	*bad = NULL;
	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3 &&
		    t != LDNS_RR_TYPE_SOA)
			continue;
		for (j = 0; j < i; j++) /* each RRset once */
			if (ldns_rr_get_type(ldns_rr_list_rr(l, j)) == t &&
			    ldns_dname_compare(ldns_rr_owner(rr),
				ldns_rr_owner(ldns_rr_list_rr(l, j))) == 0)
				break;
		if (j < i ||
		    (set = dnssec_rrset(l, ldns_rr_owner(rr), t, 0)) == NULL)
			continue;
		r = verify(sc, set, l, zone, keys, now, &labels, none);
		if (r != DNSSEC_SIG_VALID) {
			*bad = set;
			return r;
		}
		ldns_rr_list_free(set);
	}
	return DNSSEC_SIG_VALID;
}

/* The signer named by the first RRSIG of l over a record of type t (0:
 * any but RRSIG-less), or NULL.  Not a copy. */
static const ldns_rdf *
signer_of(const ldns_rr_list *l, ldns_rr_type t)
{
	const ldns_rr *rr;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    dnssec_rr_ok(rr) && (t == 0 || dnssec_sig_covers(rr) == t))
			return ldns_rr_rrsig_signame(rr);
	}
	return NULL;
}

static const ldns_rr *
find_type(const ldns_rr_list *l, ldns_rr_type t)
{
	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t)
			return ldns_rr_list_rr(l, i);
	return NULL;
}

/* name's parent (NULL for the root, or without memory). */
static ldns_rdf *
parent_of(const ldns_rdf *name)
{
	return ldns_dname_label_count(name) > 0 ? ldns_dname_left_chop(name)
						: NULL;
}

/*
 * The entry that decides names at name: name's own, or (following "in
 * a zone" entries) that of the zone holding it.  NULL with *need set (a
 * clone) when one is missing.
 */
static struct vzone *
state_of(struct validate_store *s, const ldns_rdf *name,
    const struct validate_time *t, ldns_rdf **need)
{
	struct vzone *z = zone_get(s, name, t);

	for (int hops = 0; z != NULL && z->state == Z_INZONE; hops++) {
		const ldns_rdf *in = z->in;

		if (hops > WIRE_MAX_LABELS ||
		    (z = zone_get(s, in, t)) == NULL) {
			*need = ldns_rdf_clone(in);
			return NULL;
		}
	}
	if (z == NULL)
		*need = ldns_rdf_clone(name);
	return z;
}

/* A zone's result from the zone p that decides it (not secure). */
static void
inherit(struct validate_store *s, const ldns_rdf *zone, const struct vzone *p,
    const struct validate_time *t)
{
	char n[WIRE_MAX_NAME_TEXT];

	name_str(p->name, n, sizeof(n));
	(void)zone_put(s, zone, p->state, NULL, NULL, p->has_ede ? p->ede : -1,
	    p->expires > t->mono ? p->expires - t->mono : 1, t, "%s %s: %s",
	    p->state == Z_INSECURE ? "below" : "under", n, p->why);
}

/* --- zones ------------------------------------------------------------- */

/* Whether DS (or DNSKEY anchor) d names key k. */
static bool
ds_names(const ldns_rr *d, const ldns_rr *k)
{
	if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNSKEY)
		return ldns_rr_compare(d, k) == 0;
	return ldns_rr_compare_ds(d, k);
}

static bool
ds_usable(const ldns_rr *d)
{
	if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DNSKEY)
		return dnssec_alg_supported(
		    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(d)));
	return dnssec_alg_supported(ldns_rdf2native_int8(ldns_rr_rdf(d, 1))) &&
	    dnssec_digest_supported(ldns_rdf2native_int8(ldns_rr_rdf(d, 2)));
}

/*
 * Judges zone's key set (the reply dnskey) against dsl, the parent's
 * verified DS set or the anchors (ttl: theirs).
 */
static void
zone_keys(struct validate_store *s, const ldns_rdf *zone,
    const ldns_rr_list *dsl, uint32_t ttl, const ldns_pkt *dnskey,
    const struct validate_time *t)
{
	ldns_rr_list *keys =
	    dnssec_rrset(ldns_pkt_answer(dnskey), zone, LDNS_RR_TYPE_DNSKEY, 0);
	ldns_rr_list *one = ldns_rr_list_new();
	enum dnssec_sig best = DNSSEC_SIG_NO_KEY, r;
	bool usable = false, matched = false, none = true, n;
	int unsupported = WIRE_EDE_UNSUPPORTED_ALG;
	size_t i, j, labels;
	char zn[WIRE_MAX_NAME_TEXT];

	name_str(zone, zn, sizeof(zn));
	for (i = 0; i < ldns_rr_list_rr_count(dsl); i++) {
		const ldns_rr *d = ldns_rr_list_rr(dsl, i);

		if (ds_usable(d))
			usable = true;
		else if (ldns_rr_get_type(d) == LDNS_RR_TYPE_DS &&
		    dnssec_alg_supported(
			ldns_rdf2native_int8(ldns_rr_rdf(d, 1))))
			unsupported = WIRE_EDE_UNSUPPORTED_DIGEST;
	}
	if (one == NULL)
		goto out;
	if (!usable) {
		(void)zone_put(s, zone, Z_INSECURE, NULL, NULL, unsupported,
		    ttl, t, "the DS records of %s name only %s we cannot check",
		    zn,
		    unsupported == WIRE_EDE_UNSUPPORTED_ALG ? "algorithms"
							    : "digests");
		goto out;
	}
	if (keys == NULL) {
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    WIRE_EDE_DNSKEY_MISSING, VALIDATE_BOGUS_TTL, t,
		    "%s has no DNSKEY records", zn);
		goto out;
	}
	if (ldns_rr_list_rr_count(keys) > VALIDATE_MAX_KEYS) {
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL, WIRE_EDE_BOGUS,
		    VALIDATE_BOGUS_TTL, t, "%s has %zu DNSKEYs, more than %d",
		    zn, ldns_rr_list_rr_count(keys), VALIDATE_MAX_KEYS);
		goto out;
	}
	for (i = 0; i < ldns_rr_list_rr_count(keys); i++) {
		ldns_rr *k = ldns_rr_list_rr(keys, i);

		for (j = 0; j < ldns_rr_list_rr_count(dsl); j++)
			if (ds_usable(ldns_rr_list_rr(dsl, j)) &&
			    dnssec_zone_key(k) &&
			    ds_names(ldns_rr_list_rr(dsl, j), k))
				break;
		if (j == ldns_rr_list_rr_count(dsl))
			continue;
		matched = true;
		ldns_rr_list_set_rr_count(one, 0);
		(void)ldns_rr_list_push_rr(one, k);
		r = verify(s->sc, keys, ldns_pkt_answer(dnskey), zone, one,
		    t->wall, &labels, &n);
		none = none && n;
		if (r == DNSSEC_SIG_VALID) {
			ldns_rr_list *own = ldns_rr_list_clone(keys);

			ttl = min_ttl(keys, ttl);
			if (own != NULL)
				(void)zone_put(s, zone, Z_SECURE, own, NULL, -1,
				    ttl, t, "key %u of %s signs its key set",
				    ldns_calc_keytag(k), zn);
			goto out;
		}
		if (best == DNSSEC_SIG_NO_KEY || r == DNSSEC_SIG_EXPIRED ||
		    r == DNSSEC_SIG_NOT_YET)
			best = r;
	}
	if (!matched)
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    WIRE_EDE_DNSKEY_MISSING, VALIDATE_BOGUS_TTL, t,
		    "no DNSKEY of %s matches its DS records", zn);
	else
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    none ? WIRE_EDE_RRSIGS_MISSING : sig_ede(best),
		    VALIDATE_BOGUS_TTL, t,
		    "the RRSIG over the key set of %s %s", zn,
		    none ? "is missing" : sig_words(best));
out:
	ldns_rr_list_free(one);
	ldns_rr_list_free(keys);
}

/*
 * The DS reply of zone is unsigned: what the zone holding base (its
 * parent side) says decides.  Returns VALIDATE_DONE or NEED_ZONE.
 */
static enum validate_step
zone_unsigned_ds(struct validate_store *s, const ldns_rdf *zone,
    const ldns_rdf *base, const struct validate_time *t, ldns_rdf **need)
{
	struct vzone *p = state_of(s, base, t, need);
	char zn[WIRE_MAX_NAME_TEXT], pn[WIRE_MAX_NAME_TEXT];

	if (p == NULL)
		return VALIDATE_NEED_ZONE;
	if (p->state != Z_SECURE) {
		inherit(s, zone, p, t);
		return VALIDATE_DONE;
	}
	(void)zone_put(s, zone, Z_BOGUS, NULL, NULL, WIRE_EDE_RRSIGS_MISSING,
	    VALIDATE_BOGUS_TTL, t,
	    "the answer for %s DS has no RRSIG, yet %s is signed (does the "
	    "upstream strip DNSSEC records?)",
	    name_str(zone, zn, sizeof(zn)), name_str(p->name, pn, sizeof(pn)));
	return VALIDATE_DONE;
}

/* The signed DS reply of zone, by signer p (secure): the DS set for the
 * key step in *dsl (a view), or the zone judged here (*dsl NULL). */
static void
zone_signed_ds(struct validate_store *s, const ldns_rdf *zone,
    const struct vzone *p, const ldns_pkt *ds, const struct validate_time *t,
    ldns_rr_list **dsl)
{
	ldns_rr_list *set =
	    dnssec_rrset(ldns_pkt_answer(ds), zone, LDNS_RR_TYPE_DS, 0);
	const ldns_rr_list *auth = ldns_pkt_authority(ds);
	ldns_rr_list *bad = NULL;
	enum dnssec_sig r;
	enum dnssec_cut cut;
	const ldns_rr *it;
	char zn[WIRE_MAX_NAME_TEXT], pn[WIRE_MAX_NAME_TEXT],
	    what[WIRE_MAX_NAME_TEXT + 16];
	size_t labels;
	bool none;

	*dsl = NULL;
	name_str(zone, zn, sizeof(zn));
	name_str(p->name, pn, sizeof(pn));
	if (set != NULL) {
		if (ldns_rr_list_rr_count(set) > VALIDATE_MAX_DS) {
			(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
			    WIRE_EDE_BOGUS, VALIDATE_BOGUS_TTL, t,
			    "%s has more than %d DS records", zn,
			    VALIDATE_MAX_DS);
			ldns_rr_list_free(set);
			return;
		}
		r = verify(s->sc, set, ldns_pkt_answer(ds), p->name, p->keys,
		    t->wall, &labels, &none);
		if (r == DNSSEC_SIG_VALID) {
			*dsl = set;
			return;
		}
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    none ? WIRE_EDE_RRSIGS_MISSING : sig_ede(r),
		    VALIDATE_BOGUS_TTL, t, "the RRSIG over %s DS %s", zn,
		    none ? "is missing" : sig_words(r));
		ldns_rr_list_free(set);
		return;
	}
	r = denial_verify(s->sc, auth, p->name, p->keys, t->wall, &bad, &none);
	if (r != DNSSEC_SIG_VALID) {
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    none ? WIRE_EDE_RRSIGS_MISSING : sig_ede(r),
		    VALIDATE_BOGUS_TTL, t, "the RRSIG over %s %s",
		    rrset_str(bad, what, sizeof(what)),
		    none ? "is missing" : sig_words(r));
		ldns_rr_list_free(bad);
		return;
	}
	if ((it = dnssec_nsec3_over_limit(auth)) != NULL) {
		(void)zone_put(s, zone, Z_INSECURE, NULL, NULL,
		    WIRE_EDE_NSEC3_ITERATIONS, min_ttl(auth, VALIDATE_MAX_TTL),
		    t, "the NSEC3 records of %s use %u iterations (RFC 9276)",
		    pn, ldns_nsec3_iterations(it));
		return;
	}
	cut = dnssec_prove_cut(auth, zone, p->name);
	if (cut == DNSSEC_CUT_INSECURE)
		(void)zone_put(s, zone, Z_INSECURE, NULL, NULL, -1,
		    min_ttl(auth, VALIDATE_MAX_TTL), t,
		    "%s proves that %s has no DS", pn, zn);
	else if (cut == DNSSEC_CUT_NONE)
		(void)zone_put(s, zone, Z_INZONE, NULL, ldns_rdf_clone(p->name),
		    -1, min_ttl(auth, VALIDATE_MAX_TTL), t, "%s is in %s", zn,
		    pn);
	else
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
		    WIRE_EDE_NSEC_MISSING, VALIDATE_BOGUS_TTL, t,
		    "no NSEC or NSEC3 of %s proves that %s has no DS", pn, zn);
}

/*
 * The DS reply of zone: its signer decides (NEED_ZONE until judged).
 * Returns VALIDATE_DONE with *dsl the DS set to check the keys with (a
 * view) or NULL when the zone was judged here.
 */
static enum validate_step
zone_ds(struct validate_store *s, const ldns_rdf *zone, const ldns_pkt *ds,
    const struct validate_time *t, ldns_rdf **need, ldns_rr_list **dsl)
{
	const ldns_rdf *signer =
	    signer_of(ldns_pkt_answer(ds), LDNS_RR_TYPE_DS);
	const ldns_rr *soa =
	    find_type(ldns_pkt_authority(ds), LDNS_RR_TYPE_SOA);
	ldns_rdf *base = NULL;
	struct vzone *p;
	char zn[WIRE_MAX_NAME_TEXT], sn[WIRE_MAX_NAME_TEXT];
	enum validate_step st;

	*dsl = NULL;
	if (signer == NULL)
		signer = signer_of(ldns_pkt_authority(ds), 0);
	if (signer == NULL) {
		if (soa != NULL && dnssec_under(zone, ldns_rr_owner(soa)))
			base = ldns_rdf_clone(ldns_rr_owner(soa));
		else
			base = parent_of(zone);
		if (base == NULL)
			return VALIDATE_DONE; /* no memory: asked again */
		st = zone_unsigned_ds(s, zone, base, t, need);
		ldns_rdf_deep_free(base);
		return st;
	}
	if (!dnssec_under(zone, signer)) {
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL, WIRE_EDE_BOGUS,
		    VALIDATE_BOGUS_TTL, t,
		    "the answer for %s DS is signed by %s, not a parent",
		    name_str(zone, zn, sizeof(zn)),
		    name_str(signer, sn, sizeof(sn)));
		return VALIDATE_DONE;
	}
	if ((p = zone_get(s, signer, t)) == NULL) {
		*need = ldns_rdf_clone(signer);
		return VALIDATE_NEED_ZONE;
	}
	if (p->state == Z_INZONE)
		(void)zone_put(s, zone, Z_BOGUS, NULL, NULL, WIRE_EDE_BOGUS,
		    VALIDATE_BOGUS_TTL, t,
		    "the answer for %s DS is signed by %s, not a zone",
		    name_str(zone, zn, sizeof(zn)),
		    name_str(signer, sn, sizeof(sn)));
	else if (p->state != Z_SECURE)
		inherit(s, zone, p, t);
	else
		zone_signed_ds(s, zone, p, ds, t, dsl);
	return VALIDATE_DONE;
}

/* An ancestor of zone with a fresh insecure entry, or NULL. */
static struct vzone *
insecure_above(struct validate_store *s, const ldns_rdf *zone,
    const struct validate_time *t)
{
	ldns_rdf *cur = parent_of(zone), *up;
	struct vzone *z = NULL;

	while (cur != NULL && z == NULL) {
		z = zone_get(s, cur, t);
		if (z != NULL && z->state != Z_INSECURE)
			z = NULL;
		up = parent_of(cur);
		ldns_rdf_deep_free(cur);
		cur = up;
		if (z != NULL)
			break;
	}
	ldns_rdf_deep_free(cur);
	return z;
}

enum validate_step
validate_zone(struct validate_store *s, const ldns_rdf *zone,
    const ldns_pkt *ds, const ldns_pkt *dnskey, const struct validate_time *t,
    ldns_rdf **need)
{
	ldns_rr_list *dsl = NULL;
	struct vzone *above;
	enum validate_step st;
	uint32_t ttl = VALIDATE_MAX_TTL;
	char zn[WIRE_MAX_NAME_TEXT];

	*need = NULL;
	if (zone_get(s, zone, t) != NULL)
		return VALIDATE_DONE;
	name_str(zone, zn, sizeof(zn));
	if (nta_has(s, zone)) {
		(void)zone_put(s, zone, Z_INSECURE, NULL, NULL, -1,
		    VALIDATE_MAX_TTL, t, "%s is a negative trust anchor", zn);
		return VALIDATE_DONE;
	}
	if ((dsl = anchors_at(s, zone)) == NULL) {
		if (!anchor_above(s, zone)) {
			(void)zone_put(s, zone, Z_INDETERMINATE, NULL, NULL,
			    WIRE_EDE_BOGUS, VALIDATE_BOGUS_TTL, t,
			    "no trust anchor is above %s", zn);
			return VALIDATE_DONE;
		}
		if ((above = insecure_above(s, zone, t)) != NULL) {
			inherit(s, zone, above, t);
			return VALIDATE_DONE;
		}
		if (ds == NULL)
			return VALIDATE_NEED_DS;
		st = zone_ds(s, zone, ds, t, need, &dsl);
		if (st != VALIDATE_DONE || dsl == NULL)
			return st;
		ttl = min_ttl(dsl, ttl);
	}
	if (dnskey == NULL) {
		ldns_rr_list_free(dsl);
		return VALIDATE_NEED_DNSKEY;
	}
	zone_keys(s, zone, dsl, ttl, dnskey, t);
	ldns_rr_list_free(dsl);
	return VALIDATE_DONE;
}

void
validate_zone_failed(struct validate_store *s, const ldns_rdf *zone, bool ds,
    const struct validate_time *t)
{
	char zn[WIRE_MAX_NAME_TEXT];

	(void)zone_put(s, zone, Z_BOGUS, NULL, NULL,
	    ds ? WIRE_EDE_BOGUS : WIRE_EDE_DNSKEY_MISSING, VALIDATE_BOGUS_TTL,
	    t, "no upstream answered %s %s", name_str(zone, zn, sizeof(zn)),
	    ds ? "DS" : "DNSKEY");
}

/* --- answers ---------------------------------------------------------- */

/* Worse verdicts rank higher. */
static int
rank(enum validate_verdict v)
{
	static const int r[] = { [VALIDATE_SECURE] = 0,
		[VALIDATE_INSECURE] = 1,
		[VALIDATE_INDETERMINATE] = 2,
		[VALIDATE_BOGUS] = 3 };

	return r[v];
}

/* Sets r to v (EDE ede, or none if < 0) if v is worse than what r
 * holds, or r holds nothing yet (why empty). */
static void judge(struct validate_result *r, enum validate_verdict v, int ede,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
judge(struct validate_result *r, enum validate_verdict v, int ede,
    const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] != '\0' && rank(v) <= rank(r->verdict))
		return;
	r->verdict = v;
	r->has_ede = ede >= 0;
	r->ede = ede >= 0 ? (uint16_t)ede : 0;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static enum validate_verdict
verdict_of(enum zstate z)
{
	switch (z) {
	case Z_SECURE:
		return VALIDATE_SECURE;
	case Z_INSECURE:
		return VALIDATE_INSECURE;
	case Z_INDETERMINATE:
		return VALIDATE_INDETERMINATE;
	default:
		return VALIDATE_BOGUS;
	}
}

/* The answer's result from zone z, which is not secure. */
static void
judge_by_zone(struct validate_result *r, const struct vzone *z,
    const char *what)
{
	char zn[WIRE_MAX_NAME_TEXT];

	judge(r, verdict_of(z->state), z->has_ede ? z->ede : -1,
	    "%s is in %s: %s", what, name_str(z->name, zn, sizeof(zn)), z->why);
}

/* An RRset without RRSIG: the zone that holds its owner decides. */
static enum validate_step
answer_unsigned(struct validate_store *s, const ldns_rdf *owner,
    const char *what, const struct validate_time *t, struct validate_result *r,
    ldns_rdf **need)
{
	struct vzone *z = state_of(s, owner, t, need);
	char zn[WIRE_MAX_NAME_TEXT];

	if (z == NULL)
		return VALIDATE_NEED_ZONE;
	if (z->state == Z_SECURE)
		judge(r, VALIDATE_BOGUS, WIRE_EDE_RRSIGS_MISSING,
		    "no RRSIG over %s, yet %s is signed", what,
		    name_str(z->name, zn, sizeof(zn)));
	else
		judge_by_zone(r, z, what);
	return VALIDATE_DONE;
}

/* The signer of RRSIGs over owner/type in pool, if it holds owner. */
static enum validate_step
signer_zone(struct validate_store *s, const ldns_rdf *signer,
    const ldns_rdf *owner, const char *what, const struct validate_time *t,
    struct validate_result *r, ldns_rdf **need, struct vzone **zp)
{
	char sn[WIRE_MAX_NAME_TEXT];

	*zp = NULL;
	if (!dnssec_at_or_under(owner, signer)) {
		judge(r, VALIDATE_BOGUS, WIRE_EDE_BOGUS,
		    "%s is signed by %s, which does not hold it", what,
		    name_str(signer, sn, sizeof(sn)));
		return VALIDATE_DONE;
	}
	if ((*zp = zone_get(s, signer, t)) == NULL) {
		*need = ldns_rdf_clone(signer);
		return VALIDATE_NEED_ZONE;
	}
	if ((*zp)->state == Z_INZONE) {
		judge(r, VALIDATE_BOGUS, WIRE_EDE_BOGUS,
		    "%s is signed by %s, which is not a zone", what,
		    name_str(signer, sn, sizeof(sn)));
		*zp = NULL;
	} else if ((*zp)->state != Z_SECURE) {
		judge_by_zone(r, *zp, what);
		*zp = NULL;
	}
	return VALIDATE_DONE;
}

/* Whether an answer about name's DS set is signed by signer, name's own
 * zone (the child side of the cut), where only the parent may speak
 * (RFC 4035 5.4: the child's apex NSEC would "prove" that no DS exists). */
static bool
child_side(const ldns_rdf *name, const ldns_rdf *signer)
{
	return ldns_dname_label_count(name) > 0 &&
	    ldns_dname_compare(name, signer) == 0;
}

/* One RRset of the answer section. */
static enum validate_step
answer_rrset(struct validate_store *s, const ldns_pkt *ans, ldns_rr_list *set,
    const struct validate_time *t, struct validate_result *r, ldns_rdf **need)
{
	const ldns_rr *first = ldns_rr_list_rr(set, 0);
	const ldns_rdf *owner = ldns_rr_owner(first);
	ldns_rr_list *sigs = dnssec_rrset(ldns_pkt_answer(ans), owner,
	    LDNS_RR_TYPE_RRSIG, ldns_rr_get_type(first));
	char what[WIRE_MAX_NAME_TEXT + 16], zn[WIRE_MAX_NAME_TEXT];
	enum validate_step st;
	enum dnssec_sig v;
	ldns_rr_list *bad = NULL;
	struct vzone *z;
	size_t labels = 0;
	bool none;

	rrset_str(set, what, sizeof(what));
	if (sigs == NULL)
		return answer_unsigned(s, owner, what, t, r, need);
	if (ldns_rr_get_type(first) == LDNS_RR_TYPE_DS &&
	    child_side(owner,
		ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, 0)))) {
		ldns_rr_list_free(sigs);
		judge(r, VALIDATE_BOGUS, WIRE_EDE_BOGUS,
		    "%s is signed by its own zone: a DS set is its parent's",
		    what);
		return VALIDATE_DONE;
	}
	st = signer_zone(s, ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, 0)),
	    owner, what, t, r, need, &z);
	ldns_rr_list_free(sigs);
	if (st != VALIDATE_DONE || z == NULL)
		return st;
	name_str(z->name, zn, sizeof(zn));
	v = verify(s->sc, set, ldns_pkt_answer(ans), z->name, z->keys, t->wall,
	    &labels, &none);
	if (v != DNSSEC_SIG_VALID) {
		judge(r, VALIDATE_BOGUS, sig_ede(v), "the RRSIG over %s %s",
		    what, sig_words(v));
		return VALIDATE_DONE;
	}
	if (labels >= ldns_dname_label_count(owner) ||
	    (ldns_dname_label_count(owner) == labels + 1 &&
		ldns_dname_is_wildcard(owner))) {
		judge(r, VALIDATE_SECURE, -1, "%s is signed by %s", what, zn);
		return VALIDATE_DONE;
	}
	/* a wildcard expansion: the name itself must be proven absent */
	v = denial_verify(s->sc, ldns_pkt_authority(ans), z->name, z->keys,
	    t->wall, &bad, &none);
	ldns_rr_list_free(bad);
	r->proof = r->proof || v == DNSSEC_SIG_VALID;
	if (v != DNSSEC_SIG_VALID)
		judge(r, VALIDATE_BOGUS,
		    none ? WIRE_EDE_RRSIGS_MISSING : sig_ede(v),
		    "the proof that %s comes from a wildcard is not signed",
		    what);
	else if (!dnssec_prove_expansion(ldns_pkt_authority(ans), owner,
		     labels))
		judge(r, VALIDATE_BOGUS, WIRE_EDE_NSEC_MISSING,
		    "%s comes from a wildcard, and nothing proves that the "
		    "name does not exist",
		    what);
	else
		judge(r, VALIDATE_SECURE, -1,
		    "%s is signed by %s, from a wildcard", what, zn);
	return VALIDATE_DONE;
}

/* Whether a record of l with rr's owner and type lacks a field its type
 * needs (dnssec_rr_ok()). */
static bool
cut_short(const ldns_rr_list *l, const ldns_rr *rr)
{
	const ldns_rr *x;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		x = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(x) == ldns_rr_get_type(rr) &&
		    !dnssec_rr_ok(x) &&
		    ldns_dname_compare(ldns_rr_owner(x), ldns_rr_owner(rr)) ==
			0)
			return true;
	}
	return false;
}

/* Whether owner is a CNAME made from a DNAME of answer. */
static bool
synthesized(const ldns_rr_list *answer, const ldns_rdf *owner)
{
	const ldns_rr *rr;

	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
		    dnssec_under(owner, ldns_rr_owner(rr)))
			return true;
	}
	return false;
}

/* Every RRset of the answer section, each once. */
static enum validate_step
answer_rrsets(struct validate_store *s, const ldns_pkt *ans,
    const struct validate_time *t, struct validate_result *r, ldns_rdf **need)
{
	const ldns_rr_list *a = ldns_pkt_answer(ans);
	enum validate_step st = VALIDATE_DONE;
	char nn[WIRE_MAX_NAME_TEXT];
	ldns_rr_list *set;
	const ldns_rr *rr;
	ldns_rr_type ty;
	size_t i, j;

	for (i = 0; st == VALIDATE_DONE && i < ldns_rr_list_rr_count(a); i++) {
		rr = ldns_rr_list_rr(a, i);
		ty = ldns_rr_get_type(rr);
		for (j = 0; j < i; j++)
			if (ldns_rr_get_type(ldns_rr_list_rr(a, j)) == ty &&
			    ldns_dname_compare(ldns_rr_owner(rr),
				ldns_rr_owner(ldns_rr_list_rr(a, j))) == 0)
				break;
		if (j < i || ty == LDNS_RR_TYPE_RRSIG ||
		    (ty == LDNS_RR_TYPE_CNAME &&
			synthesized(a, ldns_rr_owner(rr))))
			continue;
		if (cut_short(a, rr)) {
			/* it cannot be checked whole, and would be served */
			judge(r, VALIDATE_BOGUS, WIRE_EDE_BOGUS,
			    "a record at %s is cut short",
			    name_str(ldns_rr_owner(rr), nn, sizeof(nn)));
			return VALIDATE_DONE;
		}
		if ((set = dnssec_rrset(a, ldns_rr_owner(rr), ty, 0)) == NULL) {
			judge(r, VALIDATE_INDETERMINATE, -1, "out of memory");
			return VALIDATE_DONE;
		}
		st = answer_rrset(s, ans, set, t, r, need);
		ldns_rr_list_free(set);
	}
	return st;
}

/* The name the answer's CNAME chain from qname ends at (a clone). */
static ldns_rdf *
chain_end(const ldns_rr_list *a, const ldns_rdf *qname)
{
	ldns_rdf *cur = ldns_rdf_clone(qname);
	const ldns_rr *rr = NULL;
	size_t i;

	for (int hops = 0; cur != NULL && hops < VALIDATE_MAX_CNAMES; hops++) {
		for (i = 0; i < ldns_rr_list_rr_count(a); i++) {
			rr = ldns_rr_list_rr(a, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_rd_count(rr) == 1 &&
			    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0)
				break;
		}
		if (i == ldns_rr_list_rr_count(a))
			break;
		ldns_rdf_deep_free(cur);
		cur = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
	}
	return cur;
}

/* Whether a holds a record of type t at name. */
static bool
has_rrset(const ldns_rr_list *a, const ldns_rdf *name, ldns_rr_type t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(a); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(a, i)) == t &&
		    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(a, i)),
			name) == 0)
			return true;
	return false;
}

/* The denial proof of a signed negative answer for name in zone z. */
static void
negative_proof(struct validate_store *s, const ldns_pkt *ans,
    const struct vzone *z, const ldns_rdf *name, ldns_rr_type qtype,
    const struct validate_time *t, struct validate_result *r)
{
	const ldns_rr_list *auth = ldns_pkt_authority(ans);
	bool nx = ldns_pkt_get_rcode(ans) == LDNS_RCODE_NXDOMAIN, none;
	char nn[WIRE_MAX_NAME_TEXT], what[WIRE_MAX_NAME_TEXT + 16];
	ldns_rr_list *bad = NULL;
	enum dnssec_proof p;
	enum dnssec_sig v;
	const ldns_rr *it;

	name_str(name, nn, sizeof(nn));
	v = denial_verify(s->sc, auth, z->name, z->keys, t->wall, &bad, &none);
	if (v != DNSSEC_SIG_VALID) {
		judge(r, VALIDATE_BOGUS,
		    none ? WIRE_EDE_RRSIGS_MISSING : sig_ede(v),
		    "the RRSIG over %s %s", rrset_str(bad, what, sizeof(what)),
		    none ? "is missing" : sig_words(v));
		ldns_rr_list_free(bad);
		return;
	}
	r->proof = true;
	if ((it = dnssec_nsec3_over_limit(auth)) != NULL) {
		judge(r, VALIDATE_INSECURE, WIRE_EDE_NSEC3_ITERATIONS,
		    "NSEC3 with %u iterations (RFC 9276)",
		    ldns_nsec3_iterations(it));
		return;
	}
	p = nx ? dnssec_prove_nxdomain(auth, name, z->name, NULL)
	       : dnssec_prove_nodata(auth, name, z->name, qtype);
	if (p == DNSSEC_PROVEN)
		judge(r, VALIDATE_SECURE, -1, "NSEC records prove that %s %s",
		    nn, nx ? "does not exist" : "has no such records");
	else if (p == DNSSEC_OPT_OUT)
		judge(r, VALIDATE_INSECURE, -1,
		    "an NSEC3 opt-out span covers %s", nn);
	else
		judge(r, VALIDATE_BOGUS, WIRE_EDE_NSEC_MISSING,
		    "nothing proves that %s %s", nn,
		    nx ? "does not exist" : "has no such records");
}

/* A negative answer (NXDOMAIN, or NODATA) for name. */
static enum validate_step
answer_negative(struct validate_store *s, const ldns_pkt *ans,
    const ldns_rdf *name, ldns_rr_type qtype, const struct validate_time *t,
    struct validate_result *r, ldns_rdf **need)
{
	const ldns_rr_list *auth = ldns_pkt_authority(ans);
	const ldns_rr *soa = find_type(auth, LDNS_RR_TYPE_SOA);
	const ldns_rdf *signer = signer_of(auth, LDNS_RR_TYPE_SOA);
	char what[WIRE_MAX_NAME_TEXT + 32], nn[WIRE_MAX_NAME_TEXT];
	enum validate_step st;
	struct vzone *z;

	snprintf(what, sizeof(what), "the denial for %s",
	    name_str(name, nn, sizeof(nn)));
	if (signer == NULL)
		signer = signer_of(auth, 0);
	if (signer == NULL)
		return answer_unsigned(s,
		    soa != NULL && dnssec_at_or_under(name, ldns_rr_owner(soa))
			? ldns_rr_owner(soa)
			: name,
		    what, t, r, need);
	if (qtype == LDNS_RR_TYPE_DS && child_side(name, signer)) {
		judge(r, VALIDATE_BOGUS, WIRE_EDE_BOGUS,
		    "%s is signed by %s itself: a DS set is its parent's", what,
		    nn);
		return VALIDATE_DONE;
	}
	st = signer_zone(s, signer, name, what, t, r, need, &z);
	if (st != VALIDATE_DONE || z == NULL)
		return st;
	if (soa == NULL)
		judge(r, VALIDATE_BOGUS, WIRE_EDE_NSEC_MISSING, "%s has no SOA",
		    what);
	else
		negative_proof(s, ans, z, name, qtype, t, r);
	return VALIDATE_DONE;
}

enum validate_step
validate_answer(struct validate_store *s, const ldns_pkt *ans,
    const ldns_rdf *qname, ldns_rr_type qtype, const struct validate_time *t,
    struct validate_result *r, ldns_rdf **need)
{
	const ldns_rr_list *a = ldns_pkt_answer(ans);
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(ans);
	enum validate_step st;
	ldns_rdf *end;

	*need = NULL;
	memset(r, 0, sizeof(*r));
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		judge(r, VALIDATE_INDETERMINATE, -1, "nothing to check");
		return VALIDATE_DONE;
	}
	if ((st = answer_rrsets(s, ans, t, r, need)) != VALIDATE_DONE)
		return st;
	if ((end = chain_end(a, qname)) == NULL)
		return VALIDATE_DONE; /* no memory: judged as far as we got */
	if (rc == LDNS_RCODE_NXDOMAIN ||
	    (!has_rrset(a, end, qtype) && qtype != LDNS_RR_TYPE_ANY &&
		!(qtype == LDNS_RR_TYPE_CNAME && has_rrset(a, qname, qtype))))
		st = answer_negative(s, ans, end, qtype, t, r, need);
	ldns_rdf_deep_free(end);
	if (st == VALIDATE_DONE && r->why[0] == '\0')
		judge(r, VALIDATE_INDETERMINATE, -1, "nothing to check");
	return st;
}
