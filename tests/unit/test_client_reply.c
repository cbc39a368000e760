/*
 * tests/unit/test_client_reply.c - what one reply says to the walk
 * (reply.c: outcome, CNAME/DNAME chains, referral servers and glue) and
 * the name helpers it stands on (dname.c).  Packets are built here, no
 * network is used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dname.h"
#include "reply.h"

static ldns_rdf *
dn(const char *s)
{
	ldns_rdf *d = dname_from_text(s);

	assert_non_null(d);
	return d;
}

static void
push(ldns_pkt *p, ldns_pkt_section sec, const char *text)
{
	ldns_rr *rr = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL),
	    LDNS_STATUS_OK);
	assert_true(ldns_pkt_push_rr(p, sec, rr));
}

static ldns_pkt *
pkt(bool aa, ldns_pkt_rcode rc)
{
	ldns_pkt *p = ldns_pkt_new();

	assert_non_null(p);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, aa);
	ldns_pkt_set_rcode(p, rc);
	return p;
}

/* The outcome of p from a server of zone for (name, A); *detail kept. */
static enum trace_outcome
classify(ldns_pkt *p, const char *zone, const char *name, char **detail)
{
	ldns_rdf *z = dn(zone), *n = dn(name);
	enum trace_outcome o;

	*detail = NULL;
	o = reply_classify(p, z, n, LDNS_RR_TYPE_A, detail);
	ldns_rdf_deep_free(z);
	ldns_rdf_deep_free(n);
	ldns_pkt_free(p);
	return o;
}

static void
test_reply_referral_below_zone_is_a_referral(void **state)
{
	ldns_pkt *p = pkt(false, LDNS_RCODE_NOERROR);
	char *d;

	(void)state;
	push(p, LDNS_SECTION_AUTHORITY, "test. NS ns1.test.");
	assert_int_equal(classify(p, ".", "www.example.test.", &d),
	    TRACE_REFERRAL);
	assert_null(d);
}

static void
test_reply_referral_not_below_zone_is_lame(void **state)
{
	ldns_pkt *p = pkt(false, LDNS_RCODE_NOERROR);
	char *d;

	(void)state;
	push(p, LDNS_SECTION_AUTHORITY, "other. NS ns1.other.");
	assert_int_equal(classify(p, "test.", "www.example.test.", &d),
	    TRACE_LAME);
	assert_string_equal(d, "referral to other., not below test.");
	free(d);
}

static void
test_reply_non_authoritative_answer_is_lame(void **state)
{
	ldns_pkt *p = pkt(false, LDNS_RCODE_NOERROR);
	char *d;

	(void)state;
	push(p, LDNS_SECTION_ANSWER, "www.test. A 192.0.2.1");
	assert_int_equal(classify(p, "test.", "www.test.", &d), TRACE_LAME);
	assert_string_equal(d, "not authoritative (AA=0)");
	free(d);
}

static void
test_reply_authoritative_outcomes(void **state)
{
	ldns_pkt *p;
	char *d;

	(void)state;
	p = pkt(true, LDNS_RCODE_NOERROR);
	push(p, LDNS_SECTION_ANSWER, "WWW.test. A 192.0.2.1");
	assert_int_equal(classify(p, "test.", "www.test.", &d), TRACE_ANSWER);
	p = pkt(true, LDNS_RCODE_NXDOMAIN);
	push(p, LDNS_SECTION_AUTHORITY, "test. SOA ns.test. h.test. 1 2 3 4 5");
	assert_int_equal(classify(p, "test.", "no.test.", &d), TRACE_NXDOMAIN);
	p = pkt(true, LDNS_RCODE_NOERROR);
	push(p, LDNS_SECTION_AUTHORITY, "test. SOA ns.test. h.test. 1 2 3 4 5");
	assert_int_equal(classify(p, "test.", "www.test.", &d), TRACE_NODATA);
	p = pkt(true, LDNS_RCODE_SERVFAIL);
	assert_int_equal(classify(p, "test.", "www.test.", &d), TRACE_ERROR);
}

static void
test_reply_cname_out_of_zone_names_its_target(void **state)
{
	ldns_pkt *p = pkt(true, LDNS_RCODE_NOERROR);
	char *d;

	(void)state;
	push(p, LDNS_SECTION_ANSWER, "www.test. CNAME Host.Alt.");
	assert_int_equal(classify(p, "test.", "www.test.", &d), TRACE_CNAME);
	assert_string_equal(d, "host.alt.");
	free(d);
}

static void
test_reply_chain_follows_dname_and_keeps_links(void **state)
{
	ldns_pkt *p = pkt(true, LDNS_RCODE_NOERROR);
	ldns_rr_list *answer = NULL;
	char **targets = NULL, *s;
	size_t ntargets = 0, links;
	struct reply_chain keep = { &answer, &targets, &ntargets };
	ldns_rdf *name = dn("a.b.old.test."), *last;
	bool found;

	(void)state;
	push(p, LDNS_SECTION_ANSWER, "old.test. DNAME new.test.");
	push(p, LDNS_SECTION_ANSWER, "a.b.old.test. CNAME a.b.new.test.");
	push(p, LDNS_SECTION_ANSWER, "a.b.new.test. A 192.0.2.7");
	last =
	    reply_chain_follow(p, name, LDNS_RR_TYPE_A, &links, &found, &keep);
	assert_non_null(last);
	s = dname_lower_str(last);
	assert_string_equal(s, "a.b.new.test.");
	assert_true(found);
	assert_int_equal(links, 1);
	assert_int_equal(ntargets, 1);
	assert_string_equal(targets[0], "a.b.new.test.");
	/* the DNAME, the CNAME it synthesized, then the RRset */
	assert_int_equal(ldns_rr_list_rr_count(answer), 3);
	free(s);
	free(targets[0]);
	free(targets);
	ldns_rr_list_deep_free(answer);
	ldns_rdf_deep_free(last);
	ldns_rdf_deep_free(name);
	ldns_pkt_free(p);
}

static void
test_reply_referral_drops_out_of_bailiwick_glue(void **state)
{
	ldns_pkt *p = pkt(false, LDNS_RCODE_NOERROR);
	ldns_rr_list *ns = NULL, *glue = NULL;
	ldns_rdf *zone = dn("test."), *child = dn("example.test.");
	struct nsset *set;

	(void)state;
	push(p, LDNS_SECTION_AUTHORITY, "example.test. NS ns2.example.test.");
	push(p, LDNS_SECTION_AUTHORITY, "example.test. NS ns1.evil.");
	push(p, LDNS_SECTION_ADDITIONAL, "ns2.example.test. A 192.0.2.2");
	push(p, LDNS_SECTION_ADDITIONAL, "ns1.evil. A 203.0.113.66");
	set = reply_referral(p, zone, child, 5300, &ns, &glue);
	assert_non_null(set);
	assert_int_equal(set->n, 2);
	assert_string_equal(set->s[0].name, "ns1.evil."); /* sorted */
	assert_int_equal(set->s[0].naddr, 0);
	assert_string_equal(set->s[1].name, "ns2.example.test.");
	assert_int_equal(set->s[1].naddr, 1);
	assert_int_equal(nsset_port(set), 53); /* first server: no address */
	assert_int_equal(ldns_rr_list_rr_count(ns), 2);
	assert_int_equal(ldns_rr_list_rr_count(glue), 1);
	nsset_free(set);
	ldns_rr_list_deep_free(ns);
	ldns_rr_list_deep_free(glue);
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(child);
	ldns_pkt_free(p);
}

static void
test_dname_from_text_makes_names_absolute(void **state)
{
	ldns_rdf *a = dn("www.Example.test"), *b = dn("www.example.test.");

	(void)state;
	assert_true(dname_eq(a, b));
	assert_null(dname_from_text(""));
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(b);
}

static void
test_dname_under_excludes_the_zone_itself(void **state)
{
	ldns_rdf *zone = dn("test."), *www = dn("www.test."), *x = dn("xtest.");

	(void)state;
	assert_true(dname_under(www, zone));
	assert_false(dname_under(zone, zone));
	assert_true(dname_at_or_under(zone, zone));
	assert_false(dname_at_or_under(x, zone));
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(www);
	ldns_rdf_deep_free(x);
}

static void
test_dname_subst_rejects_a_too_long_result(void **state)
{
	char label[64], longt[320], last[64]; /* longt: room gcc can prove */
	ldns_rdf *name = dn("a.old."), *owner = dn("old."), *target, *out;

	(void)state;
	memset(label, 'x', 63);
	label[63] = '\0';
	memset(last, 'y', 58);
	last[58] = '\0';
	snprintf(longt, sizeof(longt), "%s.%s.%s.%s.", label, label, label,
	    last);
	/* 3 * 64 + 59 + 1 = 252 bytes: room for "a." (254), not "aaaa." */
	target = dn(longt);
	out = dname_subst(name, owner, target);
	assert_non_null(out);
	ldns_rdf_deep_free(out);
	ldns_rdf_deep_free(name);
	name = dn("aaaa.old.");
	assert_null(dname_subst(name, owner, target));
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(owner);
	ldns_rdf_deep_free(target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_referral_below_zone_is_a_referral),
		cmocka_unit_test(test_reply_referral_not_below_zone_is_lame),
		cmocka_unit_test(test_reply_non_authoritative_answer_is_lame),
		cmocka_unit_test(test_reply_authoritative_outcomes),
		cmocka_unit_test(test_reply_cname_out_of_zone_names_its_target),
		cmocka_unit_test(
		    test_reply_chain_follows_dname_and_keeps_links),
		cmocka_unit_test(
		    test_reply_referral_drops_out_of_bailiwick_glue),
		cmocka_unit_test(test_dname_from_text_makes_names_absolute),
		cmocka_unit_test(test_dname_under_excludes_the_zone_itself),
		cmocka_unit_test(test_dname_subst_rejects_a_too_long_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
