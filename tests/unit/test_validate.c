/*
 * tests/unit/test_validate.c - roostd's DNSSEC steps (validate.c) on a
 * tree signed in-process (signkit.h), on a fake clock: the root (its key
 * the trust anchor, written to a file), t. delegated by a signed DS,
 * ins.t. delegated without DS (an NSEC says so), and www.t. A.  A small
 * driver serves each step's DS or DNSKEY question from the tree, as
 * trust.c does from upstream.  Each test breaks one thing and checks the
 * verdict and its extended DNS error; the same tree served by NSD behind
 * Unbound is tests/daemon/test_roostd_dnssec.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "signkit.h"
#include "validate.h"
#include "wire.h"

#define T0 1800000000u /* the fake wall clock: 2027-01-15 08:00 UTC */
#define DAY 86400u

struct tree {
	struct signkit_key rk, tk; /* the root's key, t.'s (each signs all) */
	uint32_t inc, exp;         /* of every signature */
	bool ds_sha1_only;         /* t.'s DS has digest type 99 instead */
	bool stripped;             /* DS answers below t. unsigned, their
				      SOA the name itself in capitals */
	unsigned asked;            /* DS and DNSKEY questions served */
	char anchor[64];           /* the anchor file */
	struct validate_store *s;
	struct validate_time now;
};

/* rr (taken) and k's RRSIGs over it (none if k is NULL) onto l. */
static void
push_signed(ldns_rr_list *l, ldns_rr *rr, const struct tree *t,
    const struct signkit_key *k)
{
	ldns_rr_list *set = signkit_list1(rr);

	if (k != NULL)
		signkit_sign(l, set, k, t->inc, t->exp);
	ldns_rr_list_push_rr(l, rr);
	ldns_rr_list_free(set);
}

/* A reply to qname/qtype with rcode, answer and authority (taken). */
static ldns_pkt *
reply(const char *qname, ldns_rr_type qtype, ldns_pkt_rcode rcode,
    ldns_rr_list *an, ldns_rr_list *ns)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = ldns_rr_new();

	assert_non_null(p);
	ldns_rr_set_owner(q, ldns_dname_new_frm_str(qname));
	ldns_rr_set_type(q, qtype);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (size_t i = 0; an != NULL && i < ldns_rr_list_rr_count(an); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER,
		    ldns_rr_list_rr(an, i));
	for (size_t i = 0; ns != NULL && i < ldns_rr_list_rr_count(ns); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY,
		    ldns_rr_list_rr(ns, i));
	ldns_rr_list_free(an);
	ldns_rr_list_free(ns);
	return p;
}

static ldns_rr_list *
list(void)
{
	ldns_rr_list *l = ldns_rr_list_new();

	assert_non_null(l);
	return l;
}

/* The tree's answer to zone DS or DNSKEY. */
static ldns_pkt *
serve(struct tree *t, const char *zone, ldns_rr_type type)
{
	ldns_rr_list *an = list(), *ns = list();
	ldns_rr *ds;
	char text[512], *s;

	t->asked++;
	if (type == LDNS_RR_TYPE_DNSKEY) {
		const struct signkit_key *k =
		    strcmp(zone, ".") == 0 ? &t->rk : &t->tk;

		push_signed(an, ldns_rr_clone(k->dnskey), t, k);
		return reply(zone, type, LDNS_RCODE_NOERROR, an, ns);
	}
	if (strcmp(zone, "t.") == 0) {
		ds = signkit_ds(&t->tk);
		if (t->ds_sha1_only) {
			s = ldns_rr2str(ds);
			ldns_rr_free(ds);
			/* digest type 99: one nobody can check */
			snprintf(text, sizeof(text),
			    "t. 3600 IN DS %u 13 99 %s", t->tk.tag,
			    strrchr(s, ' ') + 1);
			free(s);
			ds = signkit_rr(text);
		}
		push_signed(an, ds, t, &t->rk);
		return reply(zone, type, LDNS_RCODE_NOERROR, an, ns);
	}
	if (t->stripped && strcmp(zone, "t.") != 0 && strcmp(zone, ".") != 0) {
		snprintf(text, sizeof(text),
		    "%s 300 IN SOA ns.t. h.t. 1 3600 600 86400 300", zone);
		for (char *p = text; *p != ' '; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		ldns_rr_list_push_rr(ns, signkit_rr(text));
		return reply(zone, type, LDNS_RCODE_NOERROR, an, ns);
	}
	if (strlen(zone) > 6 &&
	    strcmp(zone + strlen(zone) - 7, ".ins.t.") == 0) {
		/* below the unsigned delegation: its own, unsigned NODATA */
		ldns_rr_list_push_rr(ns,
		    signkit_rr("ins.t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 "
			       "300"));
		return reply(zone, type, LDNS_RCODE_NOERROR, an, ns);
	}
	push_signed(ns,
	    signkit_rr("t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 300"), t,
	    &t->tk);
	if (strcmp(zone, "ins.t.") == 0)
		push_signed(ns,
		    signkit_rr("ins.t. 300 IN NSEC www.t. NS RRSIG NSEC"), t,
		    &t->tk);
	else /* www.t. and below: a name of t. without a delegation */
		push_signed(ns,
		    signkit_rr("www.t. 300 IN NSEC z.t. A RRSIG NSEC"), t,
		    &t->tk);
	return reply(zone, type, LDNS_RCODE_NOERROR, an, ns);
}

static void
tree_init(struct tree *t)
{
	ldns_rr *ds;
	char *text;
	FILE *fp;
	int fd;

	memset(t, 0, sizeof(*t));
	t->inc = T0 - DAY;
	t->exp = T0 + 30 * DAY;
	signkit_key_new(&t->rk, ".", true);
	signkit_key_new(&t->tk, "t.", true);
	snprintf(t->anchor, sizeof(t->anchor), "/tmp/test_validate.XXXXXX");
	assert_true((fd = mkstemp(t->anchor)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	ds = signkit_ds(&t->rk);
	text = ldns_rr2str(ds);
	fputs(text, fp);
	fclose(fp);
	free(text);
	ldns_rr_free(ds);
	assert_non_null(t->s = validate_store_new());
	t->now = (struct validate_time){ .wall = T0, .mono = 1000 };
}

static void
tree_free(struct tree *t)
{
	validate_store_free(t->s);
	signkit_key_free(&t->rk);
	signkit_key_free(&t->tk);
	unlink(t->anchor);
}

static int
setup(void **state)
{
	struct tree *t = malloc(sizeof(*t));
	char err[256];

	assert_non_null(t);
	tree_init(t);
	assert_int_equal(
	    validate_store_anchors(t->s, t->anchor, NULL, err, sizeof(err)), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	tree_free(*state);
	free(*state);
	return 0;
}

/* Judges zone as trust.c would, serving each question from the tree. */
static void
judge_zone(struct tree *t, const ldns_rdf *zone)
{
	ldns_pkt *ds = NULL, *dnskey = NULL;
	ldns_rdf *need;
	enum validate_step st;
	char *z = ldns_rdf2str(zone);

	for (int i = 0; i < 16; i++) {
		st = validate_zone(t->s, zone, ds, dnskey, &t->now, &need);
		if (st == VALIDATE_DONE)
			break;
		if (st == VALIDATE_NEED_DS)
			ds = serve(t, z, LDNS_RR_TYPE_DS);
		else if (st == VALIDATE_NEED_DNSKEY)
			dnskey = serve(t, z, LDNS_RR_TYPE_DNSKEY);
		else {
			assert_non_null(need);
			judge_zone(t, need);
			ldns_rdf_deep_free(need);
		}
	}
	assert_int_equal(st, VALIDATE_DONE);
	ldns_pkt_free(ds);
	ldns_pkt_free(dnskey);
	free(z);
}

/* The verdict on ans (taken) to qname/qtype, every need served. */
static struct validate_result
judge_answer(struct tree *t, ldns_pkt *ans, const char *qname,
    ldns_rr_type qtype)
{
	struct validate_result r;
	ldns_rdf *q = ldns_dname_new_frm_str(qname), *need;
	enum validate_step st;

	for (int i = 0; i < 16; i++) {
		st = validate_answer(t->s, ans, q, qtype, &t->now, &r, &need);
		if (st == VALIDATE_DONE)
			break;
		assert_int_equal(st, VALIDATE_NEED_ZONE);
		judge_zone(t, need);
		ldns_rdf_deep_free(need);
	}
	assert_int_equal(st, VALIDATE_DONE);
	ldns_rdf_deep_free(q);
	ldns_pkt_free(ans);
	return r;
}

/* www.t. A 192.0.2.1 as t. signs it (addr: what the answer then says). */
static ldns_pkt *
www_answer(struct tree *t, const char *addr, bool sign)
{
	ldns_rr_list *an = list(), *set;
	ldns_rr *rr = signkit_rr("www.t. 300 IN A 192.0.2.1");
	char text[128];

	set = signkit_list1(rr);
	if (sign)
		signkit_sign(an, set, &t->tk, t->inc, t->exp);
	ldns_rr_list_free(set);
	if (strcmp(addr, "192.0.2.1") != 0) {
		ldns_rr_free(rr);
		snprintf(text, sizeof(text), "www.t. 300 IN A %s", addr);
		rr = signkit_rr(text);
	}
	ldns_rr_list_push_rr(an, rr);
	return reply("www.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL);
}

static void
test_validate_secure_answer(void **state)
{
	struct tree *t = *state;
	struct validate_result r = judge_answer(t,
	    www_answer(t, "192.0.2.1", true), "www.t.", LDNS_RR_TYPE_A);

	assert_int_equal(r.verdict, VALIDATE_SECURE);
	assert_false(r.has_ede);
	assert_non_null(strstr(r.why, "signed by t."));
	/* DS t., DNSKEY t., DNSKEY . */
	assert_int_equal(t->asked, 3);
	/* the zones are remembered: the next answer asks nothing */
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
	assert_int_equal(t->asked, 3);
	assert_int_equal(validate_store_zones(t->s), 2);
}

static void
test_validate_forged_address_is_bogus(void **state)
{
	struct tree *t = *state;
	struct validate_result r = judge_answer(t,
	    www_answer(t, "192.0.2.99", true), "www.t.", LDNS_RR_TYPE_A);

	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_BOGUS);
	assert_non_null(strstr(r.why, "does not verify"));
}

static void
test_validate_unsigned_in_signed_zone(void **state)
{
	struct tree *t = *state;
	struct validate_result r = judge_answer(t,
	    www_answer(t, "192.0.2.99", false), "www.t.", LDNS_RR_TYPE_A);

	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_RRSIGS_MISSING);
	assert_non_null(strstr(r.why, "yet t. is signed"));
}

/* An upstream that strips signatures and speaks for the name itself,
 * in other letter case (DNS 0x20 echoed): the parent side decides, and
 * nothing waits on itself. */
static void
test_validate_stripped_ds_answer(void **state)
{
	struct tree *t = *state;
	struct validate_result r;

	t->stripped = true;
	r = judge_answer(t, www_answer(t, "192.0.2.99", false), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_RRSIGS_MISSING);
	assert_non_null(strstr(r.why, "does the upstream strip"));
}

static void
test_validate_signature_windows(void **state)
{
	struct tree *t = *state;
	struct validate_result r;

	t->now.wall = T0 + 31 * DAY; /* every RRSIG ended a day ago */
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_SIG_EXPIRED);
	/* a bogus zone is remembered VALIDATE_BOGUS_TTL, then asked again */
	validate_store_clear(t->s);
	t->now.wall = T0 - 2 * DAY; /* none has begun */
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_SIG_NOT_YET);
}

static void
test_validate_zones_expire_on_the_loop_clock(void **state)
{
	struct tree *t = *state;
	struct validate_result r;

	(void)judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(t->asked, 3);
	t->now.mono += 3599; /* the DS and DNSKEY TTLs are 3600 */
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(t->asked, 3);
	t->now.mono += 1;
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
	assert_int_equal(t->asked, 6);
}

static void
test_validate_insecure_delegation(void **state)
{
	struct tree *t = *state;
	ldns_rr_list *an = list();
	struct validate_result r;

	ldns_rr_list_push_rr(an, signkit_rr("www.ins.t. 300 IN A 192.0.2.7"));
	r = judge_answer(t,
	    reply("www.ins.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL),
	    "www.ins.t.", LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_INSECURE);
	assert_false(r.has_ede);
	assert_non_null(strstr(r.why, "t. proves that ins.t. has no DS"));
	/* DS www.ins.t., DS ins.t., DS t., DNSKEY t., DNSKEY . */
	assert_int_equal(t->asked, 5);
	/* below a zone known insecure, nothing is asked */
	an = list();
	ldns_rr_list_push_rr(an, signkit_rr("a.b.ins.t. 300 IN A 192.0.2.9"));
	r = judge_answer(t,
	    reply("a.b.ins.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL),
	    "a.b.ins.t.", LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_INSECURE);
	assert_int_equal(t->asked, 5);
}

static void
test_validate_nxdomain(void **state)
{
	struct tree *t = *state;
	ldns_rr_list *ns = list();
	struct validate_result r;

	push_signed(ns,
	    signkit_rr("t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 300"), t,
	    &t->tk);
	push_signed(ns,
	    signkit_rr("t. 300 IN NSEC a.t. SOA NS DNSKEY RRSIG NSEC"), t,
	    &t->tk);
	push_signed(ns, signkit_rr("a.t. 300 IN NSEC z.t. A RRSIG NSEC"), t,
	    &t->tk);
	r = judge_answer(t,
	    reply("nx.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, ns),
	    "nx.t.", LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
	/* the same without the NSEC that covers the wildcard *.t. */
	ns = list();
	push_signed(ns,
	    signkit_rr("t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 300"), t,
	    &t->tk);
	push_signed(ns, signkit_rr("a.t. 300 IN NSEC z.t. A RRSIG NSEC"), t,
	    &t->tk);
	r = judge_answer(t,
	    reply("nx.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, ns),
	    "nx.t.", LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_NSEC_MISSING);
}

static void
test_validate_nsec3_iterations(void **state)
{
	struct tree *t = *state;
	ldns_rr_list *ns = list();
	struct validate_result r;

	push_signed(ns,
	    signkit_rr("t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 300"), t,
	    &t->tk);
	push_signed(ns,
	    signkit_rr("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.t. 300 IN NSEC3 1 0 "
		       "151 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3ton A RRSIG"),
	    t, &t->tk);
	r = judge_answer(t,
	    reply("nx.t.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, ns),
	    "nx.t.", LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_NSEC3_ITERATIONS);
}

static void
test_validate_unsupported_digest_is_insecure(void **state)
{
	struct tree *t = *state;
	struct validate_result r;

	t->ds_sha1_only = true;
	r = judge_answer(t, www_answer(t, "192.0.2.99", false), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_UNSUPPORTED_DIGEST);
}

static void
test_validate_negative_trust_anchor(void **state)
{
	struct tree *t = *state;
	uint8_t w[WIRE_MAX_NAME];
	size_t len;
	struct validate_result r;

	assert_int_equal(wire_name_from_text("t.", w, &len), WIRE_OK);
	assert_int_equal(validate_store_insecure(t->s, w, len), 0);
	r = judge_answer(t, www_answer(t, "192.0.2.99", false), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_INSECURE);
	assert_non_null(strstr(r.why, "negative trust anchor"));
	assert_int_equal(t->asked, 0);
}

static void
test_validate_no_anchor_is_indeterminate(void **state)
{
	struct tree *t = *state;
	struct validate_result r;
	char err[256];
	FILE *fp = fopen(t->anchor, "w");
	ldns_rr *ds = signkit_ds(&t->tk);
	char *text = ldns_rr2str(ds);

	/* an anchor for t. only: a name outside it has none above */
	fputs(text, fp);
	fclose(fp);
	free(text);
	ldns_rr_free(ds);
	assert_int_equal(
	    validate_store_anchors(t->s, t->anchor, NULL, err, sizeof(err)), 0);
	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
	assert_int_equal(t->asked, 1); /* DNSKEY t. only */
	{
		ldns_rr_list *an = list();

		ldns_rr_list_push_rr(an,
		    signkit_rr("www.u. 300 IN A 192.0.2.8"));
		r = judge_answer(t,
		    reply("www.u.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an,
			NULL),
		    "www.u.", LDNS_RR_TYPE_A);
	}
	assert_int_equal(r.verdict, VALIDATE_INDETERMINATE);
}

static void
test_validate_ds_from_the_child_is_bogus(void **state)
{
	struct tree *t = *state;
	ldns_rr_list *ns = list(), *an = list();
	struct validate_result r;

	/* t. DS answered by t.'s own servers: NODATA, their apex NSEC */
	push_signed(ns,
	    signkit_rr("t. 300 IN SOA ns.t. h.t. 1 3600 600 86400 300"), t,
	    &t->tk);
	push_signed(ns,
	    signkit_rr("t. 300 IN NSEC a.t. SOA NS DNSKEY RRSIG NSEC"), t,
	    &t->tk);
	r = judge_answer(t,
	    reply("t.", LDNS_RR_TYPE_DS, LDNS_RCODE_NOERROR, NULL, ns), "t.",
	    LDNS_RR_TYPE_DS);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_BOGUS);
	assert_non_null(strstr(r.why, "a DS set is its parent's"));
	/* a DS set signed by the zone it names */
	push_signed(an, signkit_ds(&t->tk), t, &t->tk);
	r = judge_answer(t,
	    reply("t.", LDNS_RR_TYPE_DS, LDNS_RCODE_NOERROR, an, NULL), "t.",
	    LDNS_RR_TYPE_DS);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_non_null(strstr(r.why, "a DS set is its parent's"));
	/* from the parent, the same set is secure */
	r = judge_answer(t, serve(t, "t.", LDNS_RR_TYPE_DS), "t.",
	    LDNS_RR_TYPE_DS);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
}

static void
test_validate_a_record_cut_short_is_bogus(void **state)
{
	struct tree *t = *state;
	ldns_pkt *p = serve(t, "t.", LDNS_RR_TYPE_DNSKEY);
	ldns_rr *cut = ldns_rr_clone(t->tk.dnskey);
	struct validate_result r;

	/* t.'s signed DNSKEY set, and one more DNSKEY without its key
	 * field: the signature holds for the others, but that one would be
	 * served under AD unchecked */
	ldns_rdf_deep_free(ldns_rr_pop_rdf(cut));
	ldns_rr_list_push_rr(ldns_pkt_answer(p), cut);
	ldns_pkt_set_ancount(p, (uint16_t)(ldns_pkt_ancount(p) + 1));
	r = judge_answer(t, p, "t.", LDNS_RR_TYPE_DNSKEY);
	assert_int_equal(r.verdict, VALIDATE_BOGUS);
	assert_true(r.has_ede);
	assert_int_equal(r.ede, WIRE_EDE_BOGUS);
	assert_non_null(strstr(r.why, "a record at t. is cut short"));
	/* whole, the same set is secure */
	r = judge_answer(t, serve(t, "t.", LDNS_RR_TYPE_DNSKEY), "t.",
	    LDNS_RR_TYPE_DNSKEY);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
}

static void
test_validate_same_anchors_keep_the_zones(void **state)
{
	struct tree *t = *state;
	struct validate_result r;
	char err[256];
	bool changed = true;
	size_t zones;
	FILE *fp;
	ldns_rr *ds;
	char *text;

	r = judge_answer(t, www_answer(t, "192.0.2.1", true), "www.t.",
	    LDNS_RR_TYPE_A);
	assert_int_equal(r.verdict, VALIDATE_SECURE);
	zones = validate_store_zones(t->s);
	assert_true(zones > 0);
	/* the same file again (a reload): nothing to fetch anew */
	assert_int_equal(
	    validate_store_anchors(t->s, t->anchor, &changed, err, sizeof(err)),
	    0);
	assert_false(changed);
	assert_int_equal(validate_store_zones(t->s), zones);
	/* the same file with other anchors: every zone is judged anew */
	fp = fopen(t->anchor, "w");
	assert_non_null(fp);
	ds = signkit_ds(&t->tk);
	text = ldns_rr2str(ds);
	fputs(text, fp);
	fclose(fp);
	free(text);
	ldns_rr_free(ds);
	assert_int_equal(
	    validate_store_anchors(t->s, t->anchor, &changed, err, sizeof(err)),
	    0);
	assert_true(changed);
	assert_int_equal(validate_store_zones(t->s), 0);
}

static void
test_validate_bad_anchor_file(void **state)
{
	struct tree *t = *state;
	char err[256];
	FILE *fp = fopen(t->anchor, "w");

	fputs("; a comment\n. IN A 192.0.2.1\n", fp);
	fclose(fp);
	assert_int_equal(
	    validate_store_anchors(t->s, t->anchor, NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, ":2: not a DS or DNSKEY record"));
	/* the old anchors stay */
	assert_int_equal(validate_store_nanchors(t->s), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_validate_secure_answer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_forged_address_is_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_unsigned_in_signed_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_stripped_ds_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_signature_windows,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_zones_expire_on_the_loop_clock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_insecure_delegation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_nxdomain, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_validate_nsec3_iterations,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_unsupported_digest_is_insecure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_negative_trust_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_no_anchor_is_indeterminate, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_ds_from_the_child_is_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_a_record_cut_short_is_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_validate_same_anchors_keep_the_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_bad_anchor_file,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
