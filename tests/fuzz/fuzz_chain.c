/*
 * tests/fuzz/fuzz_chain.c - libFuzzer target: the chain of trust of
 * roost trace --dnssec (src/client/chain.c) over what hostile servers
 * can send.
 *
 * Input: two DNS messages in wire form, the first after a 2-octet
 * length: the root's referral to a child zone (the owner of its first NS
 * or DS record, else t.), whose authority section's DS, NSEC, NSEC3 and
 * RRSIG records the walk keeps, and the child's reply, whose rcode and
 * counts say NXDOMAIN, NODATA or an answer, with its answer records, the
 * RRSIGs over them and its authority's SOA, NSEC, NSEC3 and RRSIGs: what
 * a walk keeps of real replies.  Two keys made once (the root's, the
 * child's: signkit.h) sign what the second message id's bits ask for, so that
 * the proof logic past signature checks is reached with any NSEC/NSEC3
 * content: bit 0 the referral's RRsets, bit 1 the child's, bit 2 adds
 * the child key's DS, bits 3 and 4 serve the root's and the child's key
 * sets (else the ask fails), bit 5 anchors the root's DNSKEY instead of
 * its DS, bit 8 anchors the child instead, bits 6-7 the clock (in the
 * window, after, before, far later).  What must hold: no crash, leak or
 * read outside (ASan), every verdict and reason set, and the text and
 * JSON forms print.
 */
#define _GNU_SOURCE /* open_memstream */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "anchor.h"
#include "chain.h"
#include "chainout.h"
#include "signkit.h"
#include "trace.h"

#define NOW 1800000000u
#define DAY 86400u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct signkit_key rk, zk;

struct fuzz {
	uint16_t bits;
	ldns_rr_list *root_keys, *zone_keys;
};

/* Clones of the records of l whose type is one of those given (0 ends;
 * a first type of 0: every type) onto *out. */
static void
take(ldns_rr_list **out, const ldns_rr_list *l, const ldns_rr_type *types)
{
	ldns_rr *rr;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		for (size_t t = 0; types[0] == 0 || types[t] != 0; t++) {
			if (types[0] != 0 && ldns_rr_get_type(rr) != types[t])
				continue;
			if (*out == NULL)
				*out = ldns_rr_list_new();
			ldns_rr_list_push_rr(*out, ldns_rr_clone(rr));
			break;
		}
	}
}

static int
ask(void *arg, const ldns_rdf *zone, const struct trace_step *s,
    ldns_pkt **reply, unsigned *queries, char *why, size_t len)
{
	struct fuzz *f = arg;
	ldns_rr_list *l =
	    ldns_dname_label_count(zone) == 0 ? f->root_keys : f->zone_keys;
	ldns_pkt *p;

	(void)s;
	(*queries)++;
	if (l == NULL || (p = ldns_pkt_new()) == NULL) {
		snprintf(why, len, "no reply");
		return -1;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER,
		    ldns_rr_clone(ldns_rr_list_rr(l, i)));
	*reply = p;
	return 0;
}

/* A key set of k, signed by it (bits say whether it is served). */
static ldns_rr_list *
keyset(const struct signkit_key *k)
{
	ldns_rr_list *l = ldns_rr_list_new();

	ldns_rr_list_push_rr(l, ldns_rr_clone(k->dnskey));
	signkit_sign_all(&l, l, k, NOW - DAY, NOW + 30 * DAY);
	return l;
}

static void
step_set(struct trace_step *s, const char *zone, const char *server,
    const char *addr, enum trace_outcome oc, const char *child)
{
	s->zone = strdup(zone);
	s->server = strdup(server);
	snprintf(s->address, sizeof(s->address), "%s", addr);
	s->outcome = oc;
	s->have_rcode = true;
	s->child = child != NULL ? strdup(child) : NULL;
}

static struct trace_walk *
walk_of(const ldns_pkt *ref_p, const ldns_pkt *p, const char *child,
    struct fuzz *f)
{
	static const ldns_rr_type ref[] = { LDNS_RR_TYPE_DS, LDNS_RR_TYPE_NSEC,
		LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_RRSIG, 0 };
	static const ldns_rr_type sec[] = { LDNS_RR_TYPE_NSEC,
		LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_RRSIG, 0 };
	static const ldns_rr_type soa[] = { LDNS_RR_TYPE_SOA, 0 };
	static const ldns_rr_type sig[] = { LDNS_RR_TYPE_RRSIG, 0 };
	static const ldns_rr_type all[] = { 0 };
	struct trace_walk *w = calloc(1, sizeof(*w));
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	ldns_rr_list *ans = NULL;
	char *name;

	name = q != NULL ? ldns_rdf2str(ldns_rr_owner(q)) : strdup(child);
	w->name = name;
	w->type = q != NULL ? ldns_rr_get_type(q) : LDNS_RR_TYPE_A;
	w->status = ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN
	    ? TRACE_ST_NXDOMAIN
	    : ldns_pkt_ancount(p) == 0 ? TRACE_ST_NODATA
				       : TRACE_ST_ANSWER;
	w->steps = calloc(2, sizeof(*w->steps));
	w->nsteps = w->capsteps = 2;
	step_set(&w->steps[0], ".", "a.root.", "127.0.0.1", TRACE_REFERRAL,
	    child);
	step_set(&w->steps[1], child, "ns.child.", "127.0.0.2",
	    w->status == TRACE_ST_ANSWER         ? TRACE_ANSWER
		: w->status == TRACE_ST_NXDOMAIN ? TRACE_NXDOMAIN
						 : TRACE_NODATA,
	    NULL);
	take(&w->steps[0].sec, ldns_pkt_authority(ref_p), ref);
	if (f->bits & 4)
		ldns_rr_list_push_rr(w->steps[0].sec
			? w->steps[0].sec
			: (w->steps[0].sec = ldns_rr_list_new()),
		    signkit_ds(&zk));
	if (f->bits & 1)
		signkit_sign_all(&w->steps[0].sec, w->steps[0].sec, &rk,
		    NOW - DAY, NOW + 30 * DAY);
	take(&ans, ldns_pkt_answer(p), all);
	for (size_t i = 0; ans != NULL && i < ldns_rr_list_rr_count(ans); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ans, i)) !=
		    LDNS_RR_TYPE_RRSIG)
			ldns_rr_list_push_rr(w->answer
				? w->answer
				: (w->answer = ldns_rr_list_new()),
			    ldns_rr_clone(ldns_rr_list_rr(ans, i)));
	ldns_rr_list_deep_free(ans);
	take(&w->authority, ldns_pkt_authority(p), soa);
	take(&w->sec, ldns_pkt_answer(p), sig);
	take(&w->sec, ldns_pkt_authority(p), sec);
	if (f->bits & 2) {
		signkit_sign_all(&w->sec, w->answer, &zk, NOW - DAY,
		    NOW + 30 * DAY);
		signkit_sign_all(&w->sec, w->authority, &zk, NOW - DAY,
		    NOW + 30 * DAY);
		signkit_sign_all(&w->sec, w->sec, &zk, NOW - DAY,
		    NOW + 30 * DAY);
	}
	return w;
}

static void
outputs(const struct chain *c, const struct anchor_set *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return;
	chainout_text(f, c, "");
	chainout_json(f, c, a);
	fclose(f);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t clocks[] = { NOW, NOW + 40 * DAY, NOW - 2 * DAY,
		NOW + 4000 * DAY };
	struct fuzz f = { 0 };
	struct anchor_set a = { 0 };
	struct chain_env env = { .anchors = &a, .ask = ask, .arg = &f };
	struct trace_walk *w;
	struct chain *c;
	ldns_pkt *p = NULL, *ref = NULL;
	ldns_rdf *child, *root;
	size_t n;
	char *cs;

	if (rk.key == NULL) {
		signkit_key_new(&rk, ".", true);
		signkit_key_new(&zk, "t.", true);
	}
	if (size < 2 || (n = (size_t)data[0] << 8 | data[1]) > size - 2)
		return 0;
	if (ldns_wire2pkt(&ref, data + 2, n) != LDNS_STATUS_OK)
		return 0;
	if (ldns_wire2pkt(&p, data + 2 + n, size - 2 - n) != LDNS_STATUS_OK) {
		ldns_pkt_free(ref);
		return 0;
	}
	f.bits = ldns_pkt_id(p);
	child = signkit_child_of(ref);
	root = ldns_dname_new_frm_str(".");
	assert(child != NULL && root != NULL);
	ldns_dname2canonical(child);
	signkit_key_owner(&zk, child);
	cs = ldns_rdf2str(child);
	w = walk_of(ref, p, cs, &f);
	f.root_keys = (f.bits & 8) ? keyset(&rk) : NULL;
	f.zone_keys = (f.bits & 16) ? keyset(&zk) : NULL;
	a.rrs = ldns_rr_list_new();
	ldns_rr_list_push_rr(a.rrs,
	    (f.bits & 256)      ? signkit_ds(&zk)
		: (f.bits & 32) ? ldns_rr_clone(rk.dnskey)
				: signkit_ds(&rk));
	env.now = clocks[(f.bits >> 6) & 3];
	c = chain_check(w, &env);
	assert(c != NULL && c->reason != NULL && c->nzones >= 1);
	assert(c->verdict <= CHAIN_INDETERMINATE);
	for (size_t i = 0; i < c->nzones; i++)
		assert(c->zones[i].reason != NULL);
	outputs(c, &a);
	chain_free(c);
	anchor_free(&a);
	trace_walk_free(w);
	ldns_rr_list_deep_free(f.root_keys);
	ldns_rr_list_deep_free(f.zone_keys);
	free(cs);
	ldns_rdf_deep_free(child);
	ldns_rdf_deep_free(root);
	ldns_pkt_free(p);
	ldns_pkt_free(ref);
	return 0;
}
