/*
 * src/client/chain.c - the chain of trust of a walk (see chain.h).
 *
 * Invariants: a zone is judged only after the zone that delegated it;
 * only the DNSKEYs of a secure zone (or a trust anchor) ever verify
 * anything; every reason is set once, by the first finding of the worst
 * verdict; record lists built here as views of others (dnssec_rrset())
 * are freed with ldns_rr_list_free(), never deep.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "dnssec.h"
#include "dname.h"
#include "net.h"
#include "output.h"
#include "rrs.h"

/* Room for a reason naming three domain names. */
#define WHY_LEN (3 * DNAME_STRLEN + 128)

/* What a check needs besides the chain it fills. */
struct chain_ctx {
	const struct chain_env *env;
	const struct trace_walk *w;
	const struct anchor_set *anchors;
	time_t now;
	struct chain *c;
};

const char *
chain_verdict_str(enum chain_verdict v)
{
	static const char *const s[] = { "secure", "insecure", "bogus",
		"indeterminate" };

	return (size_t)v < sizeof(s) / sizeof(s[0]) ? s[v] : "?";
}

const char *
chain_sig_result_str(enum chain_sig_result r)
{
	static const char *const s[] = { "valid", "expired", "not yet valid",
		"does not verify", "no such key", "unsupported algorithm" };

	return (size_t)r < sizeof(s) / sizeof(s[0]) ? s[r] : "?";
}

bool
chain_alg_supported(uint8_t alg)
{
	return dnssec_alg_supported(alg);
}

const char *
chain_alg_name(uint8_t alg, char *buf, size_t len)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_algorithms, alg);

	if (t != NULL && t->name != NULL)
		snprintf(buf, len, "%s", t->name);
	else if (alg == 23)
		snprintf(buf, len, "ECC-GOST12"); /* unknown to ldns */
	else
		snprintf(buf, len, "algorithm %u", alg);
	return buf;
}

const char *
chain_digest_name(uint8_t d)
{
	switch (d) {
	case 1:
		return "SHA-1";
	case 2:
		return "SHA-256";
	case 3:
		return "GOST R 34.11-94";
	case 4:
		return "SHA-384";
	default:
		return "unknown digest";
	}
}

bool
chain_digest_supported(uint8_t d)
{
	return dnssec_digest_supported(d);
}

/* Worse verdicts rank higher. */
static int
rank(enum chain_verdict v)
{
	static const int r[] = { [CHAIN_SECURE] = 0,
		[CHAIN_INSECURE] = 1,
		[CHAIN_INDETERMINATE] = 2,
		[CHAIN_BOGUS] = 3 };

	return r[v];
}

/* Set *v and *reason to v and the formatted text if v is worse than
 * what they hold, or nothing was said yet. */
static void
judge(enum chain_verdict *vp, char **reason, enum chain_verdict v,
    const char *fmt, ...)
{
	char buf[2 * WHY_LEN];
	va_list ap;

	if (*reason != NULL && rank(v) <= rank(*vp))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(*reason);
	*reason = strdup(buf);
	*vp = v;
}

/* --- names and record lists ------------------------------------------ */

static char *
name_str(const ldns_rdf *d, char *buf, size_t len)
{
	char *s = dname_lower_str(d);

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}

/* "OWNER TYPE" in buf. */
static char *
rrset_str(const ldns_rdf *owner, ldns_rr_type t, char *buf, size_t len)
{
	char n[DNAME_STRLEN], ty[32];

	snprintf(buf, len, "%s %s", name_str(owner, n, sizeof(n)),
	    output_type_str(t, ty, sizeof(ty)));
	return buf;
}

static size_t
labels(const ldns_rdf *d)
{
	return ldns_dname_label_count(d);
}

/* --- signatures ------------------------------------------------------ */

static struct chain_sig *
sig_add(struct chain_sigs *s, const ldns_rr *sig, const char *rrset)
{
	struct chain_sig *grown, *g;
	char n[DNAME_STRLEN];
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 4;
		if ((grown = realloc(s->v, cap * sizeof(*grown))) == NULL)
			return NULL;
		s->v = grown;
		s->cap = cap;
	}
	g = &s->v[s->n];
	memset(g, 0, sizeof(*g));
	if ((g->rrset = strdup(rrset)) == NULL ||
	    (g->signer = strdup(
		 name_str(ldns_rr_rrsig_signame(sig), n, sizeof(n)))) == NULL) {
		free(g->rrset);
		return NULL;
	}
	g->tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	g->alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	g->labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
	g->inception =
	    (int64_t)ldns_rdf2native_time_t(ldns_rr_rrsig_inception(sig));
	g->expiration =
	    (int64_t)ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(sig));
	s->n++;
	return g;
}

static void
sigs_free(struct chain_sigs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].rrset);
		free(s->v[i].signer);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* "3 days ago" / "in 2 hours" for t against now. */
static void
when_str(int64_t t, time_t now, char *buf, size_t len)
{
	int64_t d = (int64_t)now - t, a = d < 0 ? -d : d;
	const char *unit = "second";
	int64_t n = a;

	if (a >= 2 * 86400) {
		n = a / 86400;
		unit = "day";
	} else if (a >= 2 * 3600) {
		n = a / 3600;
		unit = "hour";
	} else if (a >= 120) {
		n = a / 60;
		unit = "minute";
	}
	snprintf(buf, len, "%s%lld %s%s%s", d < 0 ? "in " : "", (long long)n,
	    unit, n == 1 ? "" : "s", d < 0 ? "" : " ago");
}

/* One RRSIG against the keys of keys with its tag and algorithm. */
static enum chain_sig_result
sig_try(ldns_rr_list *rrset, ldns_rr *sig, const ldns_rr_list *keys, time_t now)
{
	static const enum chain_sig_result r[] = {
		[DNSSEC_SIG_VALID] = CHAIN_SIG_VALID,
		[DNSSEC_SIG_EXPIRED] = CHAIN_SIG_EXPIRED,
		[DNSSEC_SIG_NOT_YET] = CHAIN_SIG_NOT_YET,
		[DNSSEC_SIG_BAD] = CHAIN_SIG_BAD,
		[DNSSEC_SIG_NO_KEY] = CHAIN_SIG_NO_KEY,
		[DNSSEC_SIG_UNSUPPORTED] = CHAIN_SIG_UNSUPPORTED,
	};

	return r[dnssec_sig_check(rrset, sig, keys, now, NULL)];
}

/*
 * Verify rrset (owner/type from its first record) with the RRSIGs of
 * pool over it made by zone's keys (keys).  Every RRSIG tried is added
 * to out.  Returns the index in out of a valid one, or -1 with why
 * saying what failed ("RRSIG over X A by key 1 expired 3 days ago").
 */
static long
verify(struct chain_sigs *out, ldns_rr_list *rrset, const ldns_rr_list *pool,
    const ldns_rr_list *keys, const ldns_rdf *zone, time_t now, char *why,
    size_t len)
{
	const ldns_rr *first = ldns_rr_list_rr(rrset, 0);
	ldns_rr_type t = ldns_rr_get_type(first);
	ldns_rr_list *sigs;
	struct chain_sig *g;
	char rs[DNAME_STRLEN + 32], z[DNAME_STRLEN], when[64];
	size_t i;
	long found = -1;

	rrset_str(ldns_rr_owner(first), t, rs, sizeof(rs));
	name_str(zone, z, sizeof(z));
	sigs = dnssec_rrset(pool, ldns_rr_owner(first), LDNS_RR_TYPE_RRSIG, t);
	if (sigs == NULL) {
		snprintf(why, len, "no RRSIG over %s", rs);
		return -1;
	}
	snprintf(why, len, "no RRSIG over %s by a key of %s", rs, z);
	for (i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);

		if ((g = sig_add(out, sig, rs)) == NULL)
			break;
		if (ldns_dname_compare(ldns_rr_rrsig_signame(sig), zone) != 0) {
			g->result = CHAIN_SIG_NO_KEY;
			continue;
		}
		g->result = sig_try(rrset, sig, keys, now);
		if (g->result == CHAIN_SIG_VALID) {
			found = (long)(out->n - 1);
			break;
		}
		if (g->result == CHAIN_SIG_EXPIRED ||
		    g->result == CHAIN_SIG_NOT_YET) {
			when_str(g->result == CHAIN_SIG_EXPIRED ? g->expiration
								: g->inception,
			    now, when, sizeof(when));
			snprintf(why, len, "RRSIG over %s by key %u %s %s", rs,
			    g->tag,
			    g->result == CHAIN_SIG_EXPIRED ? "expired"
							   : "becomes valid",
			    when);
		} else if (g->result == CHAIN_SIG_BAD) {
			snprintf(why, len,
			    "RRSIG over %s by key %u does not verify", rs,
			    g->tag);
		} else if (g->result == CHAIN_SIG_UNSUPPORTED) {
			snprintf(why, len,
			    "RRSIG over %s uses algorithm %u, which roost "
			    "cannot check",
			    rs, g->alg);
		} else {
			snprintf(why, len,
			    "RRSIG over %s names key %u, which %s does not "
			    "have",
			    rs, g->tag, z);
		}
	}
	ldns_rr_list_free(sigs);
	return found;
}

/* --- denial of existence --------------------------------------------- */

/*
 * Verify every NSEC and NSEC3 RRset of l with zone's keys.  Returns 0,
 * or -1 with why filled at the first that does not verify.
 */
static int
denial_verify(struct chain_sigs *out, const ldns_rr_list *l,
    const ldns_rr_list *keys, const ldns_rdf *zone, time_t now, char *why,
    size_t len)
{
	ldns_rr_list *set;
	const ldns_rr *rr;
	ldns_rr_type t;
	size_t i, j;
	long ok;

	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		t = ldns_rr_get_type(rr);
		if ((t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3) ||
		    !dnssec_rr_ok(rr))
			continue;
		for (j = 0; j < i; j++) /* each RRset once */
			if (ldns_rr_get_type(ldns_rr_list_rr(l, j)) == t &&
			    ldns_dname_compare(ldns_rr_owner(rr),
				ldns_rr_owner(ldns_rr_list_rr(l, j))) == 0)
				break;
		if (j < i)
			continue;
		if ((set = dnssec_rrset(l, ldns_rr_owner(rr), t, 0)) == NULL) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		ok = verify(out, set, l, keys, zone, now, why, len);
		ldns_rr_list_free(set);
		if (ok < 0)
			return -1;
	}
	return 0;
}

/* --- zones ----------------------------------------------------------- */

static struct chain_zone *
zone_find(struct chain *c, const char *name)
{
	for (size_t i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return &c->zones[i];
	return NULL;
}

/* Add zone name (delegated by parent, or NULL) unless it is listed or
 * the list is full.  Returns -1 when out of memory. */
static int
zone_add(struct chain *c, const char *name, const char *parent,
    const struct trace_step **refs, const struct trace_step *ref)
{
	struct chain_zone *z;

	if (zone_find(c, name) != NULL || c->nzones == CHAIN_MAX_ZONES)
		return 0;
	z = &c->zones[c->nzones];
	memset(z, 0, sizeof(*z));
	z->verdict = CHAIN_INDETERMINATE;
	if ((z->name = strdup(name)) == NULL)
		return -1;
	if (parent != NULL && (z->parent = strdup(parent)) == NULL) {
		free(z->name);
		return -1;
	}
	refs[c->nzones++] = ref;
	return 0;
}

/* The zones of w's steps in the order the walk met them. */
static int
zones_collect(struct chain *c, const struct trace_walk *w,
    const struct trace_step **refs)
{
	const struct trace_step *s;

	for (size_t i = 0; i < w->nsteps; i++) {
		s = &w->steps[i];
		if (zone_add(c, s->zone, NULL, refs, NULL) == -1)
			return -1;
		if (s->outcome == TRACE_REFERRAL && s->child != NULL &&
		    zone_add(c, s->child, s->zone, refs, s) == -1)
			return -1;
	}
	return 0;
}

static bool
usable(const struct trace_step *s)
{
	return s->have_rcode && s->address[0] != '\0' &&
	    (s->outcome == TRACE_REFERRAL || s->outcome == TRACE_ANSWER ||
		s->outcome == TRACE_CNAME || s->outcome == TRACE_NXDOMAIN ||
		s->outcome == TRACE_NODATA);
}

int
chain_ask_net(void *arg, const ldns_rdf *zone, const struct trace_step *s,
    ldns_pkt **reply, unsigned *queries, char *why, size_t len)
{
	struct trace_run *run = arg;
	struct net_opts o = { .timeout_ms = run->o->timeout_ms,
		.tries = run->o->tries,
		.tc_fallback = true,
		.deadline = run->deadline };
	struct net_reply r = { 0 };
	struct addr a;
	ldns_pkt *q;
	char err[256];
	enum net_result res;

	if (net_addr_parse(s->address, (uint16_t)nsset_port(run->hints), &a,
		err, sizeof(err)) == -1 ||
	    (q = net_query_new(zone, LDNS_RR_TYPE_DNSKEY, false, true)) ==
		NULL) {
		snprintf(why, len, "%s", "out of memory");
		return -1;
	}
	res = net_exchange(q, &a.ss, a.len, &o, &r, err, sizeof(err));
	ldns_pkt_free(q);
	run->queries += (unsigned)r.tries + (r.tcp ? 1 : 0);
	*queries += (unsigned)r.tries + (r.tcp ? 1 : 0);
	if (res != NET_OK) {
		snprintf(why, len, "%s", res == NET_TIMEOUT ? "no reply" : err);
		return -1;
	}
	*reply = r.pkt;
	return 0;
}

/* Ask the server of step s for zone's DNSKEY set; keep it in z.  Returns
 * 0 when it has a DNSKEY, else -1 with why. */
static int
ask_dnskey(struct chain_ctx *x, struct chain_zone *z, const ldns_rdf *zone,
    const struct trace_step *s, char *why, size_t len)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_DNSKEY,
		LDNS_RR_TYPE_RRSIG };
	ldns_pkt *p = NULL;
	const ldns_rr *rr;
	char err[256];

	free(z->server);
	z->server = strdup(s->server);
	snprintf(z->address, sizeof(z->address), "%s", s->address);
	if (x->env->ask(x->env->arg, zone, s, &p, &x->c->queries, err,
		sizeof(err)) == -1) {
		snprintf(why, len, "%s DNSKEY: %s from %s (%s)", z->name, err,
		    s->server, s->address);
		return -1;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
		rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		for (size_t t = 0; t < 2; t++)
			if (ldns_rr_get_type(rr) == types[t] &&
			    ldns_dname_compare(ldns_rr_owner(rr), zone) == 0 &&
			    (t == 0 ||
				dnssec_sig_covers(rr) == LDNS_RR_TYPE_DNSKEY))
				rrs_push_clone(&z->dnskey, rr);
	}
	ldns_pkt_free(p);
	if (rrs_find_type(z->dnskey, LDNS_RR_TYPE_DNSKEY) == NULL) {
		snprintf(why, len, "%s (%s) has no DNSKEY set for %s",
		    s->server, s->address, z->name);
		return -1;
	}
	return 0;
}

/* The DNSKEY set of z from the first of its servers that gives one. */
static int
fetch_dnskey(struct chain_ctx *x, struct chain_zone *z, const ldns_rdf *zone,
    char *why, size_t len)
{
	const struct trace_step *s;
	size_t i, j;

	snprintf(why, len, "no server of %s answered to ask for its DNSKEY",
	    z->name);
	for (i = 0; i < x->w->nsteps; i++) {
		s = &x->w->steps[i];
		if (strcmp(s->zone, z->name) != 0 || !usable(s))
			continue;
		for (j = 0; j < i; j++) /* each address once */
			if (strcmp(x->w->steps[j].zone, z->name) == 0 &&
			    strcmp(x->w->steps[j].address, s->address) == 0)
				break;
		if (j < i)
			continue;
		if (ask_dnskey(x, z, zone, s, why, len) == 0)
			return 0;
	}
	return -1;
}

/* The key tags of z's DS records (ds) or DNSKEYs, "1, 2", in buf. */
static const char *
tags_str(const struct chain_zone *z, bool ds, char *buf, size_t len)
{
	size_t off = 0, n = ds ? z->nds : z->nkeys;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u",
		    i > 0 ? ", " : "", ds ? z->ds[i].tag : z->keys[i].tag);
	return buf;
}

/* Fill z->ds from dsl (DS records, or anchor DS/DNSKEY records). */
static int
ds_fill(struct chain_zone *z, const ldns_rr_list *dsl, const ldns_rdf *zone,
    char *why, size_t len)
{
	const ldns_rr *rr;
	struct chain_ds *d;

	for (size_t i = 0; i < ldns_rr_list_rr_count(dsl); i++) {
		rr = ldns_rr_list_rr(dsl, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), zone) != 0 ||
		    !dnssec_rr_ok(rr))
			continue;
		if (z->nds == CHAIN_MAX_DS) {
			snprintf(why, len, "more than %d DS records for %s",
			    CHAIN_MAX_DS, z->name);
			return -1;
		}
		d = &z->ds[z->nds++];
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS) {
			d->tag = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
			d->alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
			d->digest = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
		} else {
			d->tag = ldns_calc_keytag(rr);
			d->alg =
			    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(rr));
		}
		d->supported = chain_alg_supported(d->alg) &&
		    (d->digest == 0 || chain_digest_supported(d->digest));
	}
	return 0;
}

/*
 * With z's DS set dsl known (verified, or the trust anchor's): fetch
 * the key set, find the keys the DS name, and verify the key set with
 * them.
 */
static void
zone_keys(struct chain_ctx *x, struct chain_zone *z, const ldns_rr_list *dsl,
    const ldns_rdf *zone)
{
	ldns_rr_list *keys = NULL, *matched = NULL, *set = NULL;
	char why[WHY_LEN], ds[128], ks[128], an[32];
	const char *from = z->anchored ? "the trust anchor" : z->parent;
	struct chain_key *k;
	size_t i, j, nsup = 0;
	long ok;

	if (ds_fill(z, dsl, zone, why, sizeof(why)) == -1) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS, "%s", why);
		return;
	}
	for (i = 0; i < z->nds; i++)
		nsup += z->ds[i].supported;
	if (nsup == 0) {
		judge(&z->verdict, &z->reason, CHAIN_INSECURE,
		    "the DS records of %s at %s use only algorithm %u (%s) "
		    "and digest %s, which roost cannot check: treated as "
		    "unsigned",
		    z->name, from, z->ds[0].alg,
		    chain_alg_name(z->ds[0].alg, an, sizeof(an)),
		    chain_digest_name(z->ds[0].digest));
		return;
	}
	if (fetch_dnskey(x, z, zone, why, sizeof(why)) == -1) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS, "%s", why);
		return;
	}
	keys = dnssec_rrset(z->dnskey, NULL, LDNS_RR_TYPE_DNSKEY, 0);
	if (ldns_rr_list_rr_count(keys) > CHAIN_MAX_KEYS) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS,
		    "more than %d DNSKEYs in the key set of %s", CHAIN_MAX_KEYS,
		    z->name);
		goto out;
	}
	matched = ldns_rr_list_new();
	for (i = 0;
	     keys != NULL && matched != NULL && i < ldns_rr_list_rr_count(keys);
	     i++) {
		ldns_rr *key = ldns_rr_list_rr(keys, i);

		k = &z->keys[z->nkeys++];
		k->tag = ldns_calc_keytag(key);
		k->flags = ldns_rdf2native_int16(ldns_rr_dnskey_flags(key));
		k->alg = ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(key));
		for (j = 0; j < ldns_rr_list_rr_count(dsl); j++) {
			ldns_rr *d = ldns_rr_list_rr(dsl, j);

			if (ldns_dname_compare(ldns_rr_owner(d), zone) != 0 ||
			    !dnssec_rr_ok(d) || !chain_alg_supported(k->alg) ||
			    !dnssec_zone_key(key) ||
			    !ldns_rr_compare_ds(d, key))
				continue;
			k->ds_match = true;
			for (size_t m = 0; m < z->nds; m++)
				if (z->ds[m].tag == k->tag &&
				    z->ds[m].alg == k->alg)
					z->ds[m].matched = true;
		}
		if (k->ds_match)
			ldns_rr_list_push_rr(matched, key);
	}
	if (matched == NULL || ldns_rr_list_rr_count(matched) == 0) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS,
		    "no DNSKEY of %s matches %s %s %s (the key set holds %s)",
		    z->name, z->anchored ? "the trust anchor," : "the DS",
		    z->nds == 1 ? "key" : "keys",
		    tags_str(z, true, ds, sizeof(ds)),
		    tags_str(z, false, ks, sizeof(ks)));
		goto out;
	}
	set = dnssec_rrset(z->dnskey, zone, LDNS_RR_TYPE_DNSKEY, 0);
	ok = set == NULL ? -1
			 : verify(&z->sigs, set, z->dnskey, matched, zone,
			       x->now, why, sizeof(why));
	if (ok < 0) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS, "%s", why);
		goto out;
	}
	for (i = 0; i < z->nkeys; i++)
		if (z->keys[i].tag == z->sigs.v[ok].tag && z->keys[i].ds_match)
			z->keys[i].signs = true;
	judge(&z->verdict, &z->reason, CHAIN_SECURE,
	    "%s names DNSKEY %u of %s, which signs its key set",
	    z->anchored ? "the trust anchor" : "the DS at the parent",
	    z->sigs.v[ok].tag, z->name);
out:
	ldns_rr_list_free(set);
	ldns_rr_list_free(matched);
	ldns_rr_list_free(keys);
}

/*
 * z has no DS at its secure parent p: the referral's NSEC or NSEC3
 * records (sec) must prove it, signed by p's keys.
 */
static void
zone_no_ds(struct chain_ctx *x, struct chain_zone *z,
    const struct chain_zone *p, const ldns_rr_list *sec, const ldns_rdf *zone,
    const ldns_rdf *pzone)
{
	ldns_rr_list *pkeys =
	    dnssec_rrset(p->dnskey, NULL, LDNS_RR_TYPE_DNSKEY, 0);
	const ldns_rr *rr, *ce, *nc;
	ldns_rdf *cename = NULL;
	char why[WHY_LEN];

	if (denial_verify(&z->sigs, sec, pkeys, pzone, x->now, why,
		sizeof(why)) == -1) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS, "%s", why);
		goto out;
	}
	if ((rr = dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, zone, false)) !=
	    NULL) {
		z->denial = "NSEC";
		if (dnssec_has_type(rr, LDNS_RR_TYPE_DS) ||
		    !dnssec_has_type(rr, LDNS_RR_TYPE_NS) ||
		    dnssec_has_type(rr, LDNS_RR_TYPE_SOA))
			judge(&z->verdict, &z->reason, CHAIN_BOGUS,
			    "the NSEC of %s at %s does not prove an unsigned "
			    "delegation (its types: %s)",
			    p->name, z->name,
			    dnssec_has_type(rr, LDNS_RR_TYPE_DS)
				? "a DS, yet none "
				  "was given"
				: "no NS, or a SOA");
		else
			judge(&z->verdict, &z->reason, CHAIN_INSECURE,
			    "an NSEC of %s proves that %s has no DS: an "
			    "unsigned delegation",
			    p->name, z->name);
		goto out;
	}
	if ((rr = dnssec_nsec3_over_limit(sec)) != NULL) {
		judge(&z->verdict, &z->reason, CHAIN_INSECURE,
		    "the NSEC3 records of %s use %u iterations, more than %d "
		    "(RFC 9276): treated as unsigned",
		    p->name, ldns_nsec3_iterations(rr), CHAIN_NSEC3_MAX_ITER);
		goto out;
	}
	if ((rr = dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC3, zone, false)) !=
	    NULL) {
		z->denial = "NSEC3";
		if (dnssec_has_type(rr, LDNS_RR_TYPE_DS) ||
		    !dnssec_has_type(rr, LDNS_RR_TYPE_NS))
			judge(&z->verdict, &z->reason, CHAIN_BOGUS,
			    "the NSEC3 of %s for %s does not prove an unsigned "
			    "delegation",
			    p->name, z->name);
		else
			judge(&z->verdict, &z->reason, CHAIN_INSECURE,
			    "an NSEC3 of %s proves that %s has no DS: an "
			    "unsigned delegation",
			    p->name, z->name);
		goto out;
	}
	if (dnssec_closest_encloser(sec, zone, pzone, &ce, &cename, &nc) &&
	    ldns_nsec3_optout(nc)) {
		z->denial = "NSEC3 opt-out";
		judge(&z->verdict, &z->reason, CHAIN_INSECURE,
		    "an NSEC3 opt-out span of %s covers %s: an unsigned "
		    "delegation (RFC 5155)",
		    p->name, z->name);
		goto out;
	}
	judge(&z->verdict, &z->reason, CHAIN_BOGUS,
	    "%s gives no DS for %s and no NSEC or NSEC3 proof that there is "
	    "none",
	    p->name, z->name);
out:
	ldns_rdf_deep_free(cename);
	ldns_rr_list_free(pkeys);
}

/* Judge z (delegated by ref's zone, or first when ref is NULL). */
static void
zone_check(struct chain_ctx *x, struct chain_zone *z,
    const struct trace_step *ref)
{
	struct chain_zone *p = z->parent ? zone_find(x->c, z->parent) : NULL;
	ldns_rdf *zone = ldns_dname_new_frm_str(z->name), *pzone = NULL;
	ldns_rr_list *ds = NULL, *pkeys = NULL;
	char why[WHY_LEN];

	if (zone == NULL)
		return;
	if (anchor_has(x->anchors, zone)) {
		z->anchored = true;
		zone_keys(x, z, x->anchors->rrs, zone);
		goto out;
	}
	if (p == NULL || ref == NULL) {
		judge(&z->verdict, &z->reason, CHAIN_INDETERMINATE,
		    "no trust anchor for %s", z->name);
		goto out;
	}
	if (p->verdict != CHAIN_SECURE) {
		judge(&z->verdict, &z->reason, p->verdict,
		    "it is below %s, which is %s", p->name,
		    chain_verdict_str(p->verdict));
		goto out;
	}
	if (ref->sec != NULL &&
	    (z->records = ldns_rr_list_clone(ref->sec)) == NULL)
		goto out;
	if ((pzone = ldns_dname_new_frm_str(p->name)) == NULL)
		goto out;
	ds = dnssec_rrset(ref->sec, zone, LDNS_RR_TYPE_DS, 0);
	if (ds == NULL) {
		zone_no_ds(x, z, p, ref->sec, zone, pzone);
		goto out;
	}
	pkeys = dnssec_rrset(p->dnskey, NULL, LDNS_RR_TYPE_DNSKEY, 0);
	if (verify(&z->sigs, ds, ref->sec, pkeys, pzone, x->now, why,
		sizeof(why)) < 0) {
		judge(&z->verdict, &z->reason, CHAIN_BOGUS, "%s", why);
		goto out;
	}
	zone_keys(x, z, ds, zone);
out:
	ldns_rr_list_free(ds);
	ldns_rr_list_free(pkeys);
	ldns_rdf_deep_free(pzone);
	ldns_rdf_deep_free(zone);
}

/* --- the answer ------------------------------------------------------ */

/* The deepest zone of c holding name, or NULL. */
static struct chain_zone *
zone_of(struct chain *c, const ldns_rdf *name)
{
	struct chain_zone *best = NULL;
	size_t bl = 0;
	ldns_rdf *z;

	for (size_t i = 0; i < c->nzones; i++) {
		if ((z = ldns_dname_new_frm_str(c->zones[i].name)) == NULL)
			continue;
		if (dname_at_or_under(name, z) &&
		    (best == NULL || labels(z) > bl)) {
			best = &c->zones[i];
			bl = labels(z);
		}
		ldns_rdf_deep_free(z);
	}
	return best;
}

/*
 * The valid RRSIG g over owner's RRset has fewer labels than owner: an
 * expansion of a wildcard, which needs proof that owner itself does not
 * exist (an NSEC covering it, or an NSEC3 covering the next closer name).
 */
static void
answer_wildcard(struct chain_ctx *x, const ldns_rdf *owner,
    const struct chain_sig *g, const char *rs)
{
	struct chain *c = x->c;
	ldns_rdf *ce = dnssec_suffix(owner, g->labels),
		 *nc = dnssec_suffix(owner, g->labels + 1u), *wild = NULL;
	char n[DNAME_STRLEN], wn[DNAME_STRLEN], why[WHY_LEN];
	ldns_rr_list *keys = NULL;
	ldns_rdf *zone = NULL;
	bool proven;

	if (ce == NULL || nc == NULL ||
	    (wild = dnssec_wildcard_of(ce)) == NULL ||
	    (zone = ldns_dname_new_frm_str(g->signer)) == NULL)
		goto out;
	free(c->wildcard);
	c->wildcard = strdup(name_str(wild, wn, sizeof(wn)));
	keys = zone_find(c, g->signer) != NULL
	    ? dnssec_rrset(zone_find(c, g->signer)->dnskey, NULL,
		  LDNS_RR_TYPE_DNSKEY, 0)
	    : NULL;
	if (denial_verify(&c->sigs, x->w->sec, keys, zone, x->now, why,
		sizeof(why)) == -1) {
		judge(&c->verdict, &c->reason, CHAIN_BOGUS, "%s", why);
		goto out;
	}
	proven = dnssec_denial_find(x->w->sec, LDNS_RR_TYPE_NSEC, owner,
		     true) != NULL ||
	    dnssec_denial_find(x->w->sec, LDNS_RR_TYPE_NSEC3, nc, true) != NULL;
	if (!proven)
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "%s comes from the wildcard %s, with no NSEC or NSEC3 "
		    "proving that %s does not exist",
		    rs, wn, name_str(owner, n, sizeof(n)));
out:
	ldns_rr_list_free(keys);
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(wild);
	ldns_rdf_deep_free(nc);
	ldns_rdf_deep_free(ce);
}

/* Whether owner is a CNAME made from a DNAME of answer. */
static bool
synthesized(const ldns_rr_list *answer, const ldns_rdf *owner)
{
	const ldns_rr *rr;

	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
		    dname_under(owner, ldns_rr_owner(rr)))
			return true;
	}
	return false;
}

/* The zone whose keys should sign owner's RRset of type t. */
static struct chain_zone *
signer_zone(struct chain_ctx *x, const ldns_rdf *owner, ldns_rr_type t)
{
	ldns_rr_list *sigs =
	    dnssec_rrset(x->w->sec, owner, LDNS_RR_TYPE_RRSIG, t);
	struct chain_zone *z = NULL;
	char n[DNAME_STRLEN];

	if (sigs != NULL)
		z = zone_find(x->c,
		    name_str(ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, 0)), n,
			sizeof(n)));
	ldns_rr_list_free(sigs);
	return z != NULL ? z : zone_of(x->c, owner);
}

/* Judge one RRset of the answer. */
static void
answer_rrset(struct chain_ctx *x, ldns_rr_list *set)
{
	const ldns_rr *first = ldns_rr_list_rr(set, 0);
	const ldns_rdf *owner = ldns_rr_owner(first);
	ldns_rr_type t = ldns_rr_get_type(first);
	struct chain *c = x->c;
	struct chain_zone *z = signer_zone(x, owner, t);
	ldns_rr_list *keys;
	ldns_rdf *zone;
	char rs[DNAME_STRLEN + 32], why[WHY_LEN];
	long ok;

	rrset_str(owner, t, rs, sizeof(rs));
	if (z == NULL) {
		judge(&c->verdict, &c->reason, CHAIN_INDETERMINATE,
		    "no zone of the walk holds %s", rs);
		return;
	}
	if (z->verdict != CHAIN_SECURE) {
		judge(&c->verdict, &c->reason, z->verdict,
		    "%s is in %s, which is %s: %s", rs, z->name,
		    chain_verdict_str(z->verdict), z->reason ? z->reason : "");
		return;
	}
	if ((zone = ldns_dname_new_frm_str(z->name)) == NULL)
		return;
	keys = dnssec_rrset(z->dnskey, NULL, LDNS_RR_TYPE_DNSKEY, 0);
	ok = verify(&c->sigs, set, x->w->sec, keys, zone, x->now, why,
	    sizeof(why));
	if (ok < 0) {
		judge(&c->verdict, &c->reason, CHAIN_BOGUS, "%s", why);
	} else {
		struct chain_sig g = c->sigs.v[ok]; /* sigs may grow */

		if (g.labels < labels(owner))
			answer_wildcard(x, owner, &g, rs);
		judge(&c->verdict, &c->reason, CHAIN_SECURE,
		    "%s is signed by key %u of %s%s%s%s", rs, g.tag, z->name,
		    g.labels < labels(owner) ? ", expanded from the wildcard "
					     : "",
		    g.labels < labels(owner) && c->wildcard ? c->wildcard : "",
		    g.labels < labels(owner) ? " (the name itself is proven "
					       "not to exist)"
					     : "");
	}
	ldns_rr_list_free(keys);
	ldns_rdf_deep_free(zone);
}

static void
answer_rrsets(struct chain_ctx *x)
{
	const ldns_rr_list *a = x->w->answer;
	const ldns_rr *rr;
	ldns_rr_list *set;
	size_t i, j;

	for (i = 0; a != NULL && i < ldns_rr_list_rr_count(a); i++) {
		rr = ldns_rr_list_rr(a, i);
		for (j = 0; j < i; j++) /* each RRset once */
			if (ldns_rr_get_type(ldns_rr_list_rr(a, j)) ==
				ldns_rr_get_type(rr) &&
			    ldns_dname_compare(ldns_rr_owner(rr),
				ldns_rr_owner(ldns_rr_list_rr(a, j))) == 0)
				break;
		if (j < i ||
		    (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			synthesized(a, ldns_rr_owner(rr))))
			continue;
		set =
		    dnssec_rrset(a, ldns_rr_owner(rr), ldns_rr_get_type(rr), 0);
		if (set != NULL)
			answer_rrset(x, set);
		ldns_rr_list_free(set);
	}
}

/* NXDOMAIN by NSEC (RFC 4035 5.4): one NSEC covers name, one covers the
 * wildcard at the closest encloser. */
static void
nx_nsec(struct chain *c, const ldns_rr_list *sec, const ldns_rdf *name,
    const char *ns)
{
	const ldns_rr *cover =
	    dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, name, true);
	ldns_rdf *a = NULL, *b = NULL, *next = NULL, *wild = NULL;
	char o[DNAME_STRLEN], nx[DNAME_STRLEN], wn[DNAME_STRLEN];
	const ldns_rr *any;

	c->denial = "NSEC";
	if (cover == NULL) {
		any = dnssec_nsec_before(sec, name);
		next = any != NULL ? dnssec_next_name(any) : NULL;
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "no NSEC proves that %s does not exist%s%s%s%s%s", ns,
		    next != NULL ? " (the NSEC at " : "",
		    next != NULL ? name_str(ldns_rr_owner(any), o, sizeof(o))
				 : "",
		    next != NULL ? " ends at " : "",
		    next != NULL ? name_str(next, nx, sizeof(nx)) : "",
		    next != NULL ? ")" : "");
		goto out;
	}
	next = dnssec_next_name(cover);
	a = dnssec_common_ancestor(name, ldns_rr_owner(cover));
	b = next != NULL ? dnssec_common_ancestor(name, next) : NULL;
	if (a == NULL || b == NULL ||
	    (wild = dnssec_wildcard_of(labels(a) > labels(b) ? a : b)) == NULL)
		goto out;
	name_str(wild, wn, sizeof(wn));
	if (dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, wild, false) != NULL)
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "the NSEC records show a wildcard %s, so %s should have "
		    "an answer",
		    wn, ns);
	else if (dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, wild, true) == NULL)
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "an NSEC proves that %s does not exist, but none that no "
		    "wildcard %s could answer it",
		    ns, wn);
	else
		judge(&c->verdict, &c->reason, CHAIN_SECURE,
		    "NSEC records prove that %s does not exist and that no "
		    "wildcard %s could answer it",
		    ns, wn);
out:
	ldns_rdf_deep_free(wild);
	ldns_rdf_deep_free(next);
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(b);
}

/* NXDOMAIN by NSEC3 (RFC 5155 8.4): the closest encloser proof and an
 * NSEC3 covering the wildcard at the closest encloser. */
static void
nx_nsec3(struct chain *c, const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, const char *ns)
{
	const ldns_rr *ce, *nc;
	ldns_rdf *cename = NULL, *wild = NULL;
	char cn[DNAME_STRLEN], wn[DNAME_STRLEN];

	c->denial = "NSEC3";
	if (!dnssec_closest_encloser(sec, name, zone, &ce, &cename, &nc)) {
		if (cename != NULL)
			judge(&c->verdict, &c->reason, CHAIN_BOGUS,
			    "an NSEC3 shows %s as the closest encloser of %s, "
			    "but none covers the next closer name: nothing "
			    "proves that %s does not exist",
			    name_str(cename, cn, sizeof(cn)), ns, ns);
		else
			judge(&c->verdict, &c->reason, CHAIN_BOGUS,
			    "no NSEC3 matches an ancestor of %s: nothing "
			    "proves that it does not exist",
			    ns);
		goto out;
	}
	name_str(cename, cn, sizeof(cn));
	if (ldns_nsec3_optout(nc)) {
		judge(&c->verdict, &c->reason, CHAIN_INSECURE,
		    "an NSEC3 opt-out span covers %s, which may be an "
		    "unsigned delegation below %s",
		    ns, cn);
		goto out;
	}
	if ((wild = dnssec_wildcard_of(cename)) == NULL)
		goto out;
	name_str(wild, wn, sizeof(wn));
	if (dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC3, wild, true) == NULL)
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "NSEC3 records prove that %s is the closest encloser of "
		    "%s, but none that no wildcard %s could answer it",
		    cn, ns, wn);
	else
		judge(&c->verdict, &c->reason, CHAIN_SECURE,
		    "NSEC3 records prove that %s does not exist (closest "
		    "encloser %s, no wildcard %s)",
		    ns, cn, wn);
out:
	ldns_rdf_deep_free(wild);
	ldns_rdf_deep_free(cename);
}

/*
 * NODATA from a wildcard (RFC 4035 3.1.3.4, RFC 5155 7.2.5): name does
 * not exist (an NSEC covers it; NSEC3: the closest encloser proof) and
 * the record at the wildcard of the closest encloser lacks type.
 * Returns whether that proof is there (c judged secure).
 */
static bool
nodata_wildcard(struct chain *c, const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, ldns_rr_type type, bool n3, const char *ns,
    const char *ty)
{
	const ldns_rr *cover = NULL, *ce, *nc, *at;
	ldns_rdf *cename = NULL, *next = NULL, *a = NULL, *b = NULL,
		 *wild = NULL;
	char wn[DNAME_STRLEN];
	bool ok = false;

	if (n3) {
		if (!dnssec_closest_encloser(sec, name, zone, &ce, &cename,
			&nc))
			goto out;
	} else {
		if ((cover = dnssec_denial_find(sec, LDNS_RR_TYPE_NSEC, name,
			 true)) == NULL ||
		    (next = dnssec_next_name(cover)) == NULL)
			goto out;
		a = dnssec_common_ancestor(name, ldns_rr_owner(cover));
		b = dnssec_common_ancestor(name, next);
		if (a == NULL || b == NULL)
			goto out;
		cename = ldns_rdf_clone(labels(a) > labels(b) ? a : b);
	}
	if (cename == NULL || (wild = dnssec_wildcard_of(cename)) == NULL)
		goto out;
	at = dnssec_denial_find(sec,
	    n3 ? LDNS_RR_TYPE_NSEC3 : LDNS_RR_TYPE_NSEC, wild, false);
	if (at == NULL || dnssec_has_type(at, type) ||
	    dnssec_has_type(at, LDNS_RR_TYPE_CNAME))
		goto out;
	ok = true;
	judge(&c->verdict, &c->reason, CHAIN_SECURE,
	    "%s does not exist, and the %s at the wildcard %s proves that "
	    "it has no %s",
	    ns, c->denial, name_str(wild, wn, sizeof(wn)), ty);
out:
	ldns_rdf_deep_free(wild);
	ldns_rdf_deep_free(cename);
	ldns_rdf_deep_free(next);
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(b);
	return ok;
}

/* NODATA: the NSEC or NSEC3 at name lists neither type nor CNAME. */
static void
nodata(struct chain *c, const ldns_rr_list *sec, const ldns_rdf *name,
    const ldns_rdf *zone, ldns_rr_type type, const char *ns)
{
	const ldns_rr *rr, *ce, *nc;
	ldns_rdf *cename = NULL;
	char ty[32];
	bool n3 = rrs_find_type(sec, LDNS_RR_TYPE_NSEC) == NULL;

	c->denial = n3 ? "NSEC3" : "NSEC";
	output_type_str(type, ty, sizeof(ty));
	rr = dnssec_denial_find(sec,
	    n3 ? LDNS_RR_TYPE_NSEC3 : LDNS_RR_TYPE_NSEC, name, false);
	if (rr != NULL) {
		if (dnssec_has_type(rr, type) ||
		    dnssec_has_type(rr, LDNS_RR_TYPE_CNAME))
			judge(&c->verdict, &c->reason, CHAIN_BOGUS,
			    "the %s at %s lists %s, yet the answer has none",
			    c->denial, ns,
			    dnssec_has_type(rr, type) ? ty : "a CNAME");
		else
			judge(&c->verdict, &c->reason, CHAIN_SECURE,
			    "the %s at %s proves that it has no %s", c->denial,
			    ns, ty);
		return;
	}
	if (nodata_wildcard(c, sec, name, zone, type, n3, ns, ty))
		return;
	if (n3 && type == LDNS_RR_TYPE_DS &&
	    dnssec_closest_encloser(sec, name, zone, &ce, &cename, &nc) &&
	    ldns_nsec3_optout(nc)) {
		judge(&c->verdict, &c->reason, CHAIN_INSECURE,
		    "an NSEC3 opt-out span covers %s: an unsigned delegation",
		    ns);
		ldns_rdf_deep_free(cename);
		return;
	}
	ldns_rdf_deep_free(cename);
	judge(&c->verdict, &c->reason, CHAIN_BOGUS,
	    "no %s at %s proves that it has no %s", c->denial, ns, ty);
}

/* Judge a negative answer: the signed SOA and the denial proof. */
static void
answer_negative(struct chain_ctx *x, struct chain_zone *z)
{
	const struct trace_walk *w = x->w;
	struct chain *c = x->c;
	const ldns_rr *soa = rrs_find_type(w->authority, LDNS_RR_TYPE_SOA);
	const char *ns = w->ncnames > 0 ? w->cnames[w->ncnames - 1] : w->name;
	ldns_rr_list *keys =
			 dnssec_rrset(z->dnskey, NULL, LDNS_RR_TYPE_DNSKEY, 0),
		     *set = NULL;
	ldns_rdf *zone = ldns_dname_new_frm_str(z->name),
		 *name = ldns_dname_new_frm_str(ns);
	const ldns_rr *rr;
	char why[WHY_LEN];

	if (zone == NULL || name == NULL)
		goto out;
	if (soa == NULL ||
	    (set = dnssec_rrset(w->authority, ldns_rr_owner(soa),
		 LDNS_RR_TYPE_SOA, 0)) == NULL ||
	    verify(&c->sigs, set, w->sec, keys, zone, x->now, why,
		sizeof(why)) < 0) {
		judge(&c->verdict, &c->reason, CHAIN_BOGUS, "%s",
		    soa == NULL ? "no SOA in the negative answer" : why);
		goto out;
	}
	if (denial_verify(&c->sigs, w->sec, keys, zone, x->now, why,
		sizeof(why)) == -1) {
		judge(&c->verdict, &c->reason, CHAIN_BOGUS, "%s", why);
		goto out;
	}
	if ((rr = dnssec_nsec3_over_limit(w->sec)) != NULL) {
		judge(&c->verdict, &c->reason, CHAIN_INSECURE,
		    "the NSEC3 records of %s use %u iterations, more than %d "
		    "(RFC 9276): treated as unsigned",
		    z->name, ldns_nsec3_iterations(rr), CHAIN_NSEC3_MAX_ITER);
		goto out;
	}
	if (rrs_find_type(w->sec, LDNS_RR_TYPE_NSEC) == NULL &&
	    rrs_find_type(w->sec, LDNS_RR_TYPE_NSEC3) == NULL)
		judge(&c->verdict, &c->reason, CHAIN_BOGUS,
		    "no NSEC or NSEC3 proves that %s %s", ns,
		    w->status == TRACE_ST_NXDOMAIN ? "does not exist"
						   : "has no such records");
	else if (w->status == TRACE_ST_NODATA)
		nodata(c, w->sec, name, zone, w->type, ns);
	else if (rrs_find_type(w->sec, LDNS_RR_TYPE_NSEC) != NULL)
		nx_nsec(c, w->sec, name, ns);
	else
		nx_nsec3(c, w->sec, name, zone, ns);
out:
	ldns_rr_list_free(set);
	ldns_rr_list_free(keys);
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(name);
}

static void
answer_check(struct chain_ctx *x)
{
	const struct trace_walk *w = x->w;
	struct chain *c = x->c;
	struct chain_zone *z;

	c->verdict = CHAIN_SECURE;
	if (w->status == TRACE_ST_FAIL || w->nsteps == 0) {
		judge(&c->verdict, &c->reason, CHAIN_INDETERMINATE,
		    "the walk found no answer to check");
		return;
	}
	if (w->status == TRACE_ST_ANSWER) {
		answer_rrsets(x);
	} else if ((z = zone_find(c, w->steps[w->nsteps - 1].zone)) == NULL) {
		judge(&c->verdict, &c->reason, CHAIN_INDETERMINATE,
		    "the zone of the answer is past the last one checked");
	} else if (z->verdict != CHAIN_SECURE) {
		judge(&c->verdict, &c->reason, z->verdict,
		    "the answer is from %s, which is %s: %s", z->name,
		    chain_verdict_str(z->verdict), z->reason ? z->reason : "");
	} else {
		answer_negative(x, z);
	}
	if (c->reason == NULL)
		judge(&c->verdict, &c->reason, CHAIN_INDETERMINATE,
		    "nothing in the answer to check");
}

/* --- the chain ------------------------------------------------------- */

struct chain *
chain_check(const struct trace_walk *w, const struct chain_env *env)
{
	const struct trace_step *refs[CHAIN_MAX_ZONES];
	struct chain *c = calloc(1, sizeof(*c));
	struct chain_ctx x = { .env = env,
		.w = w,
		.anchors = env->anchors,
		.now = env->now,
		.c = c };

	if (c == NULL)
		return NULL;
	if (zones_collect(c, w, refs) == -1) {
		chain_free(c);
		return NULL;
	}
	for (size_t i = 0; i < c->nzones; i++)
		zone_check(&x, &c->zones[i], refs[i]);
	answer_check(&x);
	return c;
}

void
chain_free(struct chain *c)
{
	struct chain_zone *z;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nzones; i++) {
		z = &c->zones[i];
		free(z->name);
		free(z->parent);
		free(z->server);
		free(z->reason);
		sigs_free(&z->sigs);
		ldns_rr_list_deep_free(z->dnskey);
		ldns_rr_list_deep_free(z->records);
	}
	sigs_free(&c->sigs);
	free(c->reason);
	free(c->wildcard);
	free(c);
}
