/*
 * tests/fuzz/fuzz_validate.c - libFuzzer target: roostd's DNSSEC steps
 * (src/daemon/validate.c) over what hostile upstreams can send.
 *
 * Input: two DNS messages in wire form, the first after a 2-octet
 * length (the layout of fuzz_chain's corpus, whose seeds serve here too):
 * the first is what the upstream answers to every DS question (its DS
 * records, NSEC, NSEC3, SOA and RRSIGs, wherever they sit), the second
 * the answer being judged.  The child zone is the owner of the first
 * message's first NS or DS record (else t.).  Two keys made once (the
 * root's, the child's: signkit.h) sign what the second message id's bits
 * ask for, so that the proofs past the signature checks are reached with
 * any NSEC/NSEC3 content: bit 0 the DS answer's RRsets (by the root),
 * bit 1 the judged answer's (by the child), bit 2 adds the child key's
 * DS to the DS answer, bits 3 and 4 serve the root's and the child's key
 * sets (else those questions fail), bit 5 anchors the root's DNSKEY
 * instead of its DS, bits 6-7 the clock, bit 8 a negative trust anchor
 * for the child.  What must hold: no crash, leak or read outside (ASan),
 * every step ends within a bound, every verdict has a reason.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dnssec.h"
#include "signkit.h"
#include "validate.h"

#define NOW 1800000000u
#define DAY 86400u
#define STEPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct signkit_key rk, zk;
static char anchor_ds[64], anchor_key[64];

struct fuzz {
	uint16_t bits;
	const ldns_pkt *ds;
	ldns_rr_list *ds_an, *ds_ns; /* the DS answer, as served */
	unsigned served;
	/* validate_zone() calls so far: the zones asked for nest, and a
	 * zone left unjudged at the depth limit is asked for again by its
	 * parent, so the steps are bounded per input, not per zone */
	unsigned steps;
};

/* An anchor file holding rr (a template path made unique). */
static void
anchor_file(char *path, size_t len, ldns_rr *rr)
{
	char *text = ldns_rr2str(rr);
	FILE *fp;
	int fd;

	snprintf(path, len, "/tmp/fuzz_validate.XXXXXX");
	fd = mkstemp(path);
	assert(fd >= 0 && text != NULL);
	fp = fdopen(fd, "w");
	assert(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	free(text);
	ldns_rr_free(rr);
}

static void
anchors_unlink(void)
{
	unlink(anchor_ds);
	unlink(anchor_key);
}

static ldns_pkt *
pkt_of(const char *zone, ldns_rr_type type, const ldns_rr_list *an,
    const ldns_rr_list *ns)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(zone), type,
	    LDNS_RR_CLASS_IN, 0);

	assert(p != NULL);
	ldns_pkt_set_qr(p, true);
	for (size_t i = 0; an != NULL && i < ldns_rr_list_rr_count(an); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER,
		    ldns_rr_clone(ldns_rr_list_rr(an, i)));
	for (size_t i = 0; ns != NULL && i < ldns_rr_list_rr_count(ns); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY,
		    ldns_rr_clone(ldns_rr_list_rr(ns, i)));
	return p;
}

/* The reply to zone DS or DNSKEY, or NULL (the question failed). */
static ldns_pkt *
serve(struct fuzz *f, const ldns_rdf *zone, ldns_rr_type type)
{
	char *z = ldns_rdf2str(zone);
	ldns_rr_list *l = NULL;
	bool root = ldns_dname_label_count(zone) == 0;
	ldns_pkt *p = NULL;

	f->served++;
	if (type == LDNS_RR_TYPE_DS) {
		p = pkt_of(z, type, f->ds_an, f->ds_ns);
		ldns_pkt_set_rcode(p, ldns_pkt_get_rcode(f->ds));
	} else if ((root && (f->bits & 8)) || (!root && (f->bits & 16))) {
		l = ldns_rr_list_new();
		ldns_rr_list_push_rr(l,
		    ldns_rr_clone(root ? rk.dnskey : zk.dnskey));
		signkit_sign_all(&l, l, root ? &rk : &zk, NOW - DAY,
		    NOW + 30 * DAY);
		p = pkt_of(z, type, l, NULL);
		ldns_rr_list_deep_free(l);
	}
	free(z);
	return p;
}

static void
judge_zone(struct fuzz *f, struct validate_store *s, const ldns_rdf *zone,
    const struct validate_time *t, int depth)
{
	ldns_pkt *ds = NULL, *dnskey = NULL, **slot;
	enum validate_step st = VALIDATE_NEED_ZONE;
	ldns_rdf *need;

	for (int i = 0; i < STEPS && depth < STEPS && f->steps < STEPS * 8;
	     i++) {
		f->steps++;
		st = validate_zone(s, zone, ds, dnskey, t, &need);
		if (st == VALIDATE_DONE)
			break;
		if (st == VALIDATE_NEED_ZONE) {
			assert(need != NULL && dnssec_under(zone, need));
			judge_zone(f, s, need, t, depth + 1);
			ldns_rdf_deep_free(need);
			continue;
		}
		slot = st == VALIDATE_NEED_DS ? &ds : &dnskey;
		assert(*slot == NULL); /* a reply is never asked for twice */
		if ((*slot = serve(f, zone,
			 st == VALIDATE_NEED_DS ? LDNS_RR_TYPE_DS
						: LDNS_RR_TYPE_DNSKEY)) ==
		    NULL) {
			validate_zone_failed(s, zone, st == VALIDATE_NEED_DS,
			    t);
			break;
		}
	}
	ldns_pkt_free(ds);
	ldns_pkt_free(dnskey);
}

/* The record lists of p the DS answer serves: DS in the answer, the
 * rest in the authority; signed by the root if bit 0. */
static void
ds_lists(struct fuzz *f, const ldns_pkt *p)
{
	const ldns_rr_list *secs[] = { ldns_pkt_answer(p),
		ldns_pkt_authority(p) };
	ldns_rr *rr;

	f->ds_an = ldns_rr_list_new();
	f->ds_ns = ldns_rr_list_new();
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(secs[s]); i++) {
			rr = ldns_rr_list_rr(secs[s], i);
			ldns_rr_list_push_rr(
			    ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS ? f->ds_an
								    : f->ds_ns,
			    ldns_rr_clone(rr));
		}
	if (f->bits & 4)
		ldns_rr_list_push_rr(f->ds_an, signkit_ds(&zk));
	if (f->bits & 1) {
		signkit_sign_all(&f->ds_an, f->ds_an, &rk, NOW - DAY,
		    NOW + 30 * DAY);
		signkit_sign_all(&f->ds_ns, f->ds_ns, &rk, NOW - DAY,
		    NOW + 30 * DAY);
	}
}

/* p's answer and authority signed by the child's key (bit 1). */
static ldns_pkt *
answer_of(struct fuzz *f, ldns_pkt *p)
{
	ldns_rr_list *an, *ns;

	if (!(f->bits & 2))
		return p;
	an = ldns_rr_list_clone(ldns_pkt_answer(p));
	ns = ldns_rr_list_clone(ldns_pkt_authority(p));
	signkit_sign_all(&an, an, &zk, NOW - DAY, NOW + 30 * DAY);
	signkit_sign_all(&ns, ns, &zk, NOW - DAY, NOW + 30 * DAY);
	ldns_rr_list_deep_free(ldns_pkt_answer(p));
	ldns_rr_list_deep_free(ldns_pkt_authority(p));
	ldns_pkt_set_answer(p, an);
	ldns_pkt_set_authority(p, ns);
	return p;
}

static void
judge(struct fuzz *f, struct validate_store *s, const ldns_pkt *ans,
    const struct validate_time *t)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(ans), 0);
	struct validate_result r;
	enum validate_step st = VALIDATE_NEED_ZONE;
	ldns_rdf *need;

	if (q == NULL)
		return;
	for (int i = 0; i < STEPS; i++) {
		st = validate_answer(s, ans, ldns_rr_owner(q),
		    ldns_rr_get_type(q), t, &r, &need);
		if (st == VALIDATE_DONE)
			break;
		assert(st == VALIDATE_NEED_ZONE && need != NULL);
		judge_zone(f, s, need, t, 0);
		ldns_rdf_deep_free(need);
	}
	if (st == VALIDATE_DONE) {
		assert(r.verdict < VALIDATE_NVERDICTS && r.why[0] != '\0');
		assert(strlen(r.why) < sizeof(r.why));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t walls[] = { NOW, NOW + 40 * DAY, NOW - 2 * DAY,
		NOW + 4000 * DAY };
	struct fuzz f = { 0 };
	struct validate_store *s;
	struct validate_time t;
	ldns_pkt *p = NULL, *ds = NULL;
	ldns_rdf *child;
	char err[256];
	size_t n;

	if (rk.key == NULL) {
		signkit_key_new(&rk, ".", true);
		signkit_key_new(&zk, "t.", true);
		anchor_file(anchor_ds, sizeof(anchor_ds), signkit_ds(&rk));
		anchor_file(anchor_key, sizeof(anchor_key),
		    ldns_rr_clone(rk.dnskey));
		atexit(anchors_unlink);
	}
	if (size < 2 || (n = (size_t)data[0] << 8 | data[1]) > size - 2)
		return 0;
	if (ldns_wire2pkt(&ds, data + 2, n) != LDNS_STATUS_OK)
		return 0;
	if (ldns_wire2pkt(&p, data + 2 + n, size - 2 - n) != LDNS_STATUS_OK) {
		ldns_pkt_free(ds);
		return 0;
	}
	f.bits = ldns_pkt_id(p);
	f.ds = ds;
	child = signkit_child_of(ds);
	assert(child != NULL);
	ldns_dname2canonical(child);
	signkit_key_owner(&zk, child);
	ds_lists(&f, ds);
	p = answer_of(&f, p);
	s = validate_store_new();
	assert(s != NULL);
	assert(validate_store_anchors(s, (f.bits & 32) ? anchor_key : anchor_ds,
		   NULL, err, sizeof(err)) == 0);
	if (f.bits & 256)
		assert(validate_store_insecure(s, ldns_rdf_data(child),
			   ldns_rdf_size(child)) == 0);
	t = (struct validate_time){ .wall = walls[(f.bits >> 6) & 3],
		.mono = 1000 };
	judge(&f, s, p, &t);
	/* and again from what the store remembers */
	judge(&f, s, p, &t);
	validate_store_free(s);
	ldns_rr_list_deep_free(f.ds_an);
	ldns_rr_list_deep_free(f.ds_ns);
	ldns_rdf_deep_free(child);
	ldns_pkt_free(p);
	ldns_pkt_free(ds);
	return 0;
}
