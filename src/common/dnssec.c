/*
 * src/common/dnssec.c - DNSSEC facts on ldns records (see dnssec.h).
 *
 * Invariants: nothing here allocates a record; every list returned is a
 * view; a record failing dnssec_rr_ok() is skipped before any field of
 * it is read.
 */
#include <stdlib.h>

#include "dnssec.h"

bool
dnssec_alg_supported(uint8_t alg)
{
	switch (alg) {
	case LDNS_RSASHA1:
	case LDNS_RSASHA1_NSEC3:
	case LDNS_RSASHA256:
	case LDNS_RSASHA512:
	case LDNS_ECDSAP256SHA256:
	case LDNS_ECDSAP384SHA384:
	case LDNS_ED25519:
	case LDNS_ED448:
		return ldns_key_algo_supported(alg) != 0;
	default:
		return false;
	}
}

bool
dnssec_digest_supported(uint8_t d)
{
	return d == LDNS_SHA1 || d == LDNS_SHA256 || d == LDNS_SHA384;
}

bool
dnssec_rr_ok(const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_RRSIG:
		return ldns_rr_rd_count(rr) == 9;
	case LDNS_RR_TYPE_DNSKEY:
	case LDNS_RR_TYPE_DS:
		return ldns_rr_rd_count(rr) == 4;
	case LDNS_RR_TYPE_NSEC: /* an empty type bitmap is left out */
		return ldns_rr_rd_count(rr) == 1 || ldns_rr_rd_count(rr) == 2;
	case LDNS_RR_TYPE_NSEC3:
		return ldns_rr_rd_count(rr) == 5 || ldns_rr_rd_count(rr) == 6;
	default:
		return true;
	}
}

ldns_rr_type
dnssec_sig_covers(const ldns_rr *sig)
{
	const ldns_rdf *t = ldns_rr_rrsig_typecovered(sig);

	return t != NULL ? ldns_rdf2rr_type(t) : 0;
}

ldns_rr_list *
dnssec_rrset(const ldns_rr_list *l, const ldns_rdf *owner, ldns_rr_type t,
    ldns_rr_type cov)
{
	ldns_rr_list *out = NULL;
	ldns_rr *rr;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) != t || !dnssec_rr_ok(rr) ||
		    (owner != NULL &&
			ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) ||
		    (t == LDNS_RR_TYPE_RRSIG && dnssec_sig_covers(rr) != cov))
			continue;
		if (out == NULL && (out = ldns_rr_list_new()) == NULL)
			return NULL;
		if (!ldns_rr_list_push_rr(out, rr)) {
			ldns_rr_list_free(out);
			return NULL;
		}
	}
	return out;
}

bool
dnssec_zone_key(const ldns_rr *k)
{
	return (ldns_rdf2native_int16(ldns_rr_dnskey_flags(k)) &
		   LDNS_KEY_ZONE_KEY) != 0 &&
	    ldns_rdf2native_int8(ldns_rr_dnskey_protocol(k)) == 3;
}

uint16_t
dnssec_keytag(const ldns_rr *k)
{
	const ldns_rdf *f;
	uint32_t ac = 0;
	size_t at = 0;

	if (ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(k)) == LDNS_RSAMD5)
		return ldns_calc_keytag(k); /* the other sum (RFC 4034 B.1) */
	/* RFC 4034 B: the RDATA (flags, protocol, algorithm, key) summed
	 * as 16-bit words */
	for (size_t i = 0; i < 4; i++) {
		f = ldns_rr_rdf(k, i);
		for (size_t j = 0; j < ldns_rdf_size(f); j++, at++)
			ac += (at & 1) != 0
			    ? ldns_rdf_data(f)[j]
			    : (uint32_t)ldns_rdf_data(f)[j] << 8;
	}
	ac += ac >> 16 & 0xFFFF;
	return (uint16_t)(ac & 0xFFFF);
}

/* sig's validity window at now, in serial arithmetic (RFC 4034 3.1.5). */
static enum dnssec_sig
sig_window(const ldns_rr *sig, time_t now)
{
	int32_t inc = (int32_t)ldns_rdf2native_int32(
		    ldns_rr_rrsig_inception(sig)),
		exp = (int32_t)ldns_rdf2native_int32(
		    ldns_rr_rrsig_expiration(sig));

	if ((int32_t)((uint32_t)exp - (uint32_t)inc) < 0)
		return DNSSEC_SIG_BAD; /* expires before it starts */
	if ((int32_t)((uint32_t)now - (uint32_t)inc) < 0)
		return DNSSEC_SIG_NOT_YET;
	if ((int32_t)((uint32_t)exp - (uint32_t)now) < 0)
		return DNSSEC_SIG_EXPIRED;
	return DNSSEC_SIG_VALID;
}

enum dnssec_sig
dnssec_sig_check(ldns_rr_list *rrset, ldns_rr *sig, const ldns_rr_list *keys,
    time_t now, struct sigcheck *sc)
{
	enum dnssec_sig best = DNSSEC_SIG_NO_KEY, w;
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	struct sigcheck *own = NULL;
	bool ready = false;
	ldns_rr *k;

	if (!dnssec_alg_supported(alg))
		return DNSSEC_SIG_UNSUPPORTED;
	for (size_t i = 0; keys != NULL && i < ldns_rr_list_rr_count(keys);
	     i++) {
		k = ldns_rr_list_rr(keys, i);
		if (ldns_rr_get_type(k) != LDNS_RR_TYPE_DNSKEY ||
		    !dnssec_rr_ok(k) || !dnssec_zone_key(k) ||
		    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(k)) != alg ||
		    dnssec_keytag(k) != tag)
			continue;
		if (!ready) { /* the signed data is the same for every key */
			if (sc == NULL && (sc = own = sigcheck_new()) == NULL)
				return DNSSEC_SIG_BAD;
			if (!sigcheck_prepare(sc, rrset, sig)) {
				best = DNSSEC_SIG_BAD;
				break;
			}
			ready = true;
		}
		if (!sigcheck_verify(sc, k)) {
			if (best == DNSSEC_SIG_NO_KEY)
				best = DNSSEC_SIG_BAD;
			continue;
		}
		/* the window is judged for a signature that verifies only */
		if ((w = sig_window(sig, now)) == DNSSEC_SIG_VALID) {
			best = w;
			break;
		}
		if (w != DNSSEC_SIG_BAD)
			best = w;
		else if (best == DNSSEC_SIG_NO_KEY)
			best = DNSSEC_SIG_BAD;
	}
	sigcheck_free(own);
	return best;
}

bool
dnssec_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	size_t zl = ldns_dname_label_count(zone);
	ldns_rdf *up;
	bool under;

	/* not ldns_dname_is_subdomain(): it takes a name for a subdomain
	 * of itself spelt in other letter case */
	if (ldns_dname_label_count(name) <= zl ||
	    (up = dnssec_suffix(name, zl)) == NULL)
		return false;
	under = ldns_dname_compare(up, zone) == 0;
	ldns_rdf_deep_free(up);
	return under;
}

bool
dnssec_at_or_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return ldns_dname_compare(name, zone) == 0 || dnssec_under(name, zone);
}

ldns_rdf *
dnssec_suffix(const ldns_rdf *name, size_t n)
{
	ldns_rdf *cur = ldns_rdf_clone(name), *up;

	while (cur != NULL && ldns_dname_label_count(cur) > n) {
		up = ldns_dname_left_chop(cur);
		ldns_rdf_deep_free(cur);
		cur = up;
	}
	return cur;
}

ldns_rdf *
dnssec_wildcard_of(const ldns_rdf *ce)
{
	ldns_rdf *w = ldns_dname_new_frm_str("*");

	if (w != NULL && ldns_dname_cat(w, ce) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(w);
		w = NULL;
	}
	return w;
}

ldns_rdf *
dnssec_common_ancestor(const ldns_rdf *name, const ldns_rdf *other)
{
	ldns_rdf *cur = ldns_rdf_clone(name), *up;

	while (cur != NULL && !dnssec_at_or_under(other, cur) &&
	    ldns_dname_label_count(cur) > 0) {
		up = ldns_dname_left_chop(cur);
		ldns_rdf_deep_free(cur);
		cur = up;
	}
	return cur;
}

ldns_rdf *
dnssec_next_name(const ldns_rr *rr)
{
	ldns_rdf *next, *zone;
	char *h;

	if (!dnssec_rr_ok(rr))
		return NULL;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC)
		return ldns_rdf_clone(ldns_rr_rdf(rr, 0));
	/* NSEC3: hash, flags, iterations, salt, next hashed owner, types */
	if ((h = ldns_rdf2str(ldns_rr_rdf(rr, 4))) == NULL)
		return NULL;
	next = ldns_dname_new_frm_str(h);
	free(h);
	zone = ldns_dname_left_chop(ldns_rr_owner(rr));
	if (next == NULL || zone == NULL ||
	    ldns_dname_cat(next, zone) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(next);
		next = NULL;
	}
	ldns_rdf_deep_free(zone);
	return next;
}

bool
dnssec_covers(const ldns_rr *rr, const ldns_rdf *name)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_rdf *next = dnssec_next_name(rr);
	bool in;

	if (next == NULL)
		return false;
	if (ldns_dname_compare(owner, next) < 0)
		in = ldns_dname_compare(owner, name) < 0 &&
		    ldns_dname_compare(name, next) < 0;
	else /* the last span wraps to the apex */
		in = ldns_dname_compare(owner, name) < 0 ||
		    ldns_dname_compare(name, next) < 0;
	ldns_rdf_deep_free(next);
	return in;
}

/* name hashed with rr's NSEC3 parameters, below rr's zone. */
static ldns_rdf *
hashed(const ldns_rr *rr, const ldns_rdf *name)
{
	ldns_rdf *h = ldns_nsec3_hash_name_frm_nsec3(rr, name), *zone;

	if (h == NULL)
		return NULL;
	if ((zone = ldns_dname_left_chop(ldns_rr_owner(rr))) == NULL ||
	    ldns_dname_cat(h, zone) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(h);
		h = NULL;
	}
	ldns_rdf_deep_free(zone);
	return h;
}

const ldns_rr *
dnssec_denial_find(const ldns_rr_list *l, ldns_rr_type t, const ldns_rdf *name,
    bool cover)
{
	const ldns_rr *rr;
	ldns_rdf *h;
	bool hit;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) != t || !dnssec_rr_ok(rr))
			continue;
		h = t == LDNS_RR_TYPE_NSEC3 ? hashed(rr, name)
					    : ldns_rdf_clone(name);
		if (h == NULL)
			continue;
		hit = cover ? dnssec_covers(rr, h)
			    : ldns_dname_compare(ldns_rr_owner(rr), h) == 0;
		ldns_rdf_deep_free(h);
		if (hit)
			return rr;
	}
	return NULL;
}

bool
dnssec_has_type(const ldns_rr *rr, ldns_rr_type t)
{
	size_t bm = ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC ? 1 : 5;

	return ldns_rr_rd_count(rr) > bm &&
	    ldns_nsec_bitmap_covers_type(ldns_rr_rdf(rr, bm), t);
}

const ldns_rr *
dnssec_nsec_before(const ldns_rr_list *l, const ldns_rdf *name)
{
	const ldns_rr *rr, *best = NULL;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC &&
		    ldns_dname_compare(ldns_rr_owner(rr), name) < 0 &&
		    (best == NULL ||
			ldns_dname_compare(ldns_rr_owner(rr),
			    ldns_rr_owner(best)) > 0))
			best = rr;
	}
	return best;
}

const ldns_rr *
dnssec_nsec3_over_limit(const ldns_rr_list *l)
{
	const ldns_rr *rr;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3 &&
		    dnssec_rr_ok(rr) &&
		    ldns_nsec3_iterations(rr) > DNSSEC_NSEC3_MAX_ITER)
			return rr;
	}
	return NULL;
}

bool
dnssec_closest_encloser(const ldns_rr_list *l, const ldns_rdf *name,
    const ldns_rdf *zone, const ldns_rr **ce, ldns_rdf **cename,
    const ldns_rr **nc)
{
	ldns_rdf *cur = ldns_rdf_clone(name), *up;

	*ce = *nc = NULL;
	*cename = NULL;
	while (cur != NULL &&
	    ldns_dname_label_count(cur) > ldns_dname_label_count(zone)) {
		if ((up = ldns_dname_left_chop(cur)) == NULL)
			break;
		if ((*ce = dnssec_denial_find(l, LDNS_RR_TYPE_NSEC3, up,
			 false)) != NULL) {
			*nc = dnssec_denial_find(l, LDNS_RR_TYPE_NSEC3, cur,
			    true);
			*cename = up;
			break;
		}
		ldns_rdf_deep_free(cur);
		cur = up;
	}
	ldns_rdf_deep_free(cur);
	return *ce != NULL && *nc != NULL;
}

static bool
has_nsec(const ldns_rr_list *sec)
{
	for (size_t i = 0; sec != NULL && i < ldns_rr_list_rr_count(sec); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(sec, i)) ==
		    LDNS_RR_TYPE_NSEC)
			return true;
	return false;
}

/*
 * The closest encloser that an NSEC covering name implies: the longer
 * common ancestor of name with the NSEC's owner and next name.  NULL
 * if none covers name.
 */
static ldns_rdf *
nsec_encloser(const ldns_rr_list *sec, const ldns_rdf *name)
{
	const ldns_rr *cover =
	    dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, name, true);
	ldns_rdf *next, *a = NULL, *b = NULL, *ce = NULL;

	if (cover == NULL || (next = dnssec_next_name(cover)) == NULL)
		return NULL;
	a = dnssec_common_ancestor(name, ldns_rr_owner(cover));
	b = dnssec_common_ancestor(name, next);
	if (a != NULL && b != NULL)
		ce = ldns_rdf_clone(
		    ldns_dname_label_count(a) > ldns_dname_label_count(b) ? a
									  : b);
	ldns_rdf_deep_free(next);
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(b);
	return ce;
}

/* The closest encloser of name that sec proves absent, and the kind
 * of its records (NSEC or NSEC3); NULL if not proven absent.  *optout
 * is set when the NSEC3 span is an opt-out one. */
static ldns_rdf *
absent_encloser(const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, bool *optout)
{
	const ldns_rr *ce, *nc;
	ldns_rdf *cename;

	*optout = false;
	if (has_nsec(sec))
		return nsec_encloser(sec, name);
	if (!dnssec_closest_encloser(sec, name, zone, &ce, &cename, &nc)) {
		ldns_rdf_deep_free(cename);
		return NULL;
	}
	*optout = ldns_nsec3_optout(nc);
	return cename;
}

enum dnssec_proof
dnssec_prove_nxdomain(const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, ldns_rdf **wild)
{
	ldns_rr_type t = has_nsec(sec) ? LDNS_RR_TYPE_NSEC : LDNS_RR_TYPE_NSEC3;
	enum dnssec_proof p = DNSSEC_UNPROVEN;
	bool optout;
	ldns_rdf *ce = absent_encloser(sec, name, zone, &optout), *w = NULL;

	if (wild != NULL)
		*wild = NULL;
	if (ce == NULL)
		return DNSSEC_UNPROVEN;
	if (optout) {
		p = DNSSEC_OPT_OUT;
	} else if ((w = dnssec_wildcard_of(ce)) != NULL) {
		if (t == LDNS_RR_TYPE_NSEC &&
		    dnssec_denial_find(sec, t, w, false) != NULL)
			p = DNSSEC_WILDCARD_EXISTS;
		else if (dnssec_denial_find(sec, t, w, true) == NULL)
			p = DNSSEC_NO_WILDCARD;
		else
			p = DNSSEC_PROVEN;
	}
	if (wild != NULL) {
		*wild = w;
		w = NULL;
	}
	ldns_rdf_deep_free(w);
	ldns_rdf_deep_free(ce);
	return p;
}

enum dnssec_proof
dnssec_prove_nodata(const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, ldns_rr_type t)
{
	ldns_rr_type kind =
	    has_nsec(sec) ? LDNS_RR_TYPE_NSEC : LDNS_RR_TYPE_NSEC3;
	const ldns_rr *rr = dnssec_denial_find(sec, kind, name, false);
	enum dnssec_proof p = DNSSEC_UNPROVEN;
	ldns_rdf *ce, *w;
	bool optout;

	if (rr != NULL)
		return dnssec_has_type(rr, t) ||
			dnssec_has_type(rr, LDNS_RR_TYPE_CNAME)
		    ? DNSSEC_HAS_TYPE
		    : DNSSEC_PROVEN;
	if ((ce = absent_encloser(sec, name, zone, &optout)) == NULL)
		return DNSSEC_UNPROVEN;
	if (optout && t == LDNS_RR_TYPE_DS) {
		p = DNSSEC_OPT_OUT;
	} else if ((w = dnssec_wildcard_of(ce)) != NULL) {
		/* no data at the wildcard that would have answered */
		rr = dnssec_denial_find(sec, kind, w, false);
		if (rr != NULL)
			p = dnssec_has_type(rr, t) ||
				dnssec_has_type(rr, LDNS_RR_TYPE_CNAME)
			    ? DNSSEC_HAS_TYPE
			    : DNSSEC_PROVEN;
		ldns_rdf_deep_free(w);
	}
	ldns_rdf_deep_free(ce);
	return p;
}

bool
dnssec_prove_expansion(const ldns_rr_list *sec, const ldns_rdf *owner,
    size_t siglabels)
{
	ldns_rdf *nc = dnssec_suffix(owner, siglabels + 1u);
	bool proven;

	if (nc == NULL)
		return false;
	proven =
	    dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, owner, true) != NULL ||
	    dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC3, nc, true) != NULL;
	ldns_rdf_deep_free(nc);
	return proven;
}

enum dnssec_cut
dnssec_prove_cut(const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone)
{
	ldns_rr_type kind =
	    has_nsec(sec) ? LDNS_RR_TYPE_NSEC : LDNS_RR_TYPE_NSEC3;
	const ldns_rr *rr = dnssec_denial_find(sec, kind, name, false);
	ldns_rdf *ce;
	bool optout;

	if (rr != NULL) {
		if (dnssec_has_type(rr, LDNS_RR_TYPE_DS))
			return DNSSEC_CUT_UNPROVEN;
		return dnssec_has_type(rr, LDNS_RR_TYPE_NS) &&
			!dnssec_has_type(rr, LDNS_RR_TYPE_SOA)
		    ? DNSSEC_CUT_INSECURE
		    : DNSSEC_CUT_NONE;
	}
	/* name does not exist in zone (then no delegation is there), or
	 * an opt-out span may hide an unsigned delegation */
	if ((ce = absent_encloser(sec, name, zone, &optout)) == NULL)
		return DNSSEC_CUT_UNPROVEN;
	ldns_rdf_deep_free(ce);
	return optout ? DNSSEC_CUT_INSECURE : DNSSEC_CUT_NONE;
}
