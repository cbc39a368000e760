/*
 * tests/unit/test_client_chain.c - the chain of trust (chain.c) and its
 * trust anchors (anchor.c) on a tree signed in-process (signkit.h) and
 * judged on a fake clock: a root whose KSK is the anchor, delegating t.
 * by a signed DS, t.'s key set, and www.t. A signed by t.  Each test
 * breaks one thing (a window that ended or has not begun, a record
 * changed after signing, a key the zone does not have, too many keys, no
 * DS and no proof, NSEC3 iterations past RFC 9276's limit, an NSEC that
 * does or does not prove an unsigned delegation, the anchor's form or
 * zone, a server that does not answer) and checks the verdict and the
 * words of the reason.  The signed tree served by NSD is in
 * tests/trace/test_dnssec.sh.
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

#include "anchor.h"
#include "chain.h"
#include "signkit.h"
#include "trace.h"

#define T0 1800000000u /* the fake now: 2027-01-15 08:00 UTC */
#define DAY 86400u

struct tree {
	struct signkit_key rk, zk; /* the root's KSK (signs all of .), t.'s */
	struct trace_walk *w;
	struct anchor_set anchors;
	ldns_rr_list *root_keys, *zone_keys; /* the DNSKEY sets served */
	uint32_t inc, exp;                   /* of every signature */
	unsigned asked;
};

/* rr (taken) and k's RRSIGs over it, pushed onto *l. */
static void
push_signed(ldns_rr_list **l, ldns_rr *rr, const struct tree *t,
    const struct signkit_key *k)
{
	ldns_rr_list *set = signkit_list1(rr);

	if (*l == NULL)
		*l = ldns_rr_list_new();
	signkit_sign(*l, set, k, t->inc, t->exp);
	ldns_rr_list_push_rr(*l, rr);
	ldns_rr_list_free(set);
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

/* The tree, every signature valid from inc to exp. */
static void
tree_init(struct tree *t, uint32_t inc, uint32_t exp)
{
	memset(t, 0, sizeof(*t));
	t->inc = inc;
	t->exp = exp;
	signkit_key_new(&t->rk, ".", true);
	signkit_key_new(&t->zk, "t.", true);
	t->anchors.rrs = signkit_list1(signkit_ds(&t->rk));
	snprintf(t->anchors.source, sizeof(t->anchors.source), "test");
	push_signed(&t->root_keys, ldns_rr_clone(t->rk.dnskey), t, &t->rk);
	push_signed(&t->zone_keys, ldns_rr_clone(t->zk.dnskey), t, &t->zk);
	t->w = calloc(1, sizeof(*t->w));
	assert_non_null(t->w);
	t->w->name = strdup("www.t.");
	t->w->type = LDNS_RR_TYPE_A;
	t->w->status = TRACE_ST_ANSWER;
	t->w->steps = calloc(2, sizeof(struct trace_step));
	t->w->nsteps = t->w->capsteps = 2;
	step_set(&t->w->steps[0], ".", "a.root.", "127.0.0.1", TRACE_REFERRAL,
	    "t.");
	step_set(&t->w->steps[1], "t.", "ns.t.", "127.0.0.2", TRACE_ANSWER,
	    NULL);
	push_signed(&t->w->steps[0].sec, signkit_ds(&t->zk), t, &t->rk);
	push_signed(&t->w->sec, signkit_rr("www.t. 300 IN A 192.0.2.1"), t,
	    &t->zk);
	t->w->answer = ldns_rr_list_new();
	ldns_rr_list_push_rr(t->w->answer,
	    signkit_rr("www.t. 300 IN A 192.0.2.1"));
}

static void
tree_free(struct tree *t)
{
	trace_walk_free(t->w);
	anchor_free(&t->anchors);
	ldns_rr_list_deep_free(t->root_keys);
	ldns_rr_list_deep_free(t->zone_keys);
	signkit_key_free(&t->rk);
	signkit_key_free(&t->zk);
}

/* The ask of the chain: the served key set of ".", or of t. */
static int
ask(void *arg, const ldns_rdf *zone, const struct trace_step *s,
    ldns_pkt **reply, unsigned *queries, char *why, size_t len)
{
	struct tree *t = arg;
	ldns_rr_list *l =
	    ldns_dname_label_count(zone) == 0 ? t->root_keys : t->zone_keys;
	ldns_pkt *p;

	(void)s;
	(*queries)++;
	t->asked++;
	if (l == NULL) {
		snprintf(why, len, "no reply");
		return -1;
	}
	assert_non_null(p = ldns_pkt_new());
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER,
		    ldns_rr_clone(ldns_rr_list_rr(l, i)));
	*reply = p;
	return 0;
}

static struct chain *
check_at(struct tree *t, time_t now)
{
	struct chain_env env = { .anchors = &t->anchors,
		.now = now,
		.ask = ask,
		.arg = t };
	struct chain *c = chain_check(t->w, &env);

	assert_non_null(c);
	assert_int_equal(c->nzones, 2);
	return c;
}

/* c's reason has text (the reason's words are the interface). */
static void
reason_has(const char *reason, const char *text)
{
	if (reason == NULL || strstr(reason, text) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"",
		    reason ? reason : "(null)", text);
}

static void
test_secure(void **state)
{
	struct tree t;
	struct chain *c;
	char want[64];

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	c = check_at(&t, T0);
	assert_int_equal(c->zones[0].verdict, CHAIN_SECURE);
	assert_true(c->zones[0].anchored);
	assert_int_equal(c->zones[1].verdict, CHAIN_SECURE);
	assert_false(c->zones[1].anchored);
	assert_int_equal(c->verdict, CHAIN_SECURE);
	snprintf(want, sizeof(want), "www.t. A is signed by key %u of t.",
	    t.zk.tag);
	reason_has(c->reason, want);
	assert_int_equal(c->queries, 2);
	assert_true(c->zones[1].keys[0].ds_match);
	assert_true(c->zones[1].keys[0].signs);
	assert_true(c->zones[1].ds[0].matched);
	chain_free(c);
	tree_free(&t);
}

static void
test_expired(void **state)
{
	struct tree t;
	struct chain *c;
	char want[96];

	(void)state;
	tree_init(&t, T0 - 30 * DAY, T0 - DAY);
	c = check_at(&t, T0);
	assert_int_equal(c->zones[0].verdict, CHAIN_BOGUS);
	snprintf(want, sizeof(want),
	    "RRSIG over . DNSKEY by key %u expired 24 hours ago", t.rk.tag);
	reason_has(c->zones[0].reason, want);
	assert_int_equal(c->zones[0].sigs.v[0].result, CHAIN_SIG_EXPIRED);
	assert_int_equal(c->zones[1].verdict, CHAIN_BOGUS);
	reason_has(c->zones[1].reason, "it is below ., which is bogus");
	assert_int_equal(c->verdict, CHAIN_BOGUS);
	assert_int_equal(c->queries, 1); /* nothing asked below bogus */
	chain_free(c);
	/* the same signatures, judged on the day they were valid */
	c = check_at(&t, T0 - 2 * DAY);
	assert_int_equal(c->verdict, CHAIN_SECURE);
	chain_free(c);
	tree_free(&t);
}

static void
test_not_yet_valid(void **state)
{
	struct tree t;
	struct chain *c;

	(void)state;
	tree_init(&t, T0 + 3 * DAY, T0 + 30 * DAY);
	c = check_at(&t, T0);
	assert_int_equal(c->zones[0].verdict, CHAIN_BOGUS);
	reason_has(c->zones[0].reason, "becomes valid in 3 days");
	assert_int_equal(c->zones[0].sigs.v[0].result, CHAIN_SIG_NOT_YET);
	chain_free(c);
	tree_free(&t);
}

static void
test_changed_after_signing(void **state)
{
	struct tree t;
	struct chain *c;
	char want[80];

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	ldns_rr_list_deep_free(t.w->answer);
	t.w->answer = signkit_list1(signkit_rr("www.t. 300 IN A 192.0.2.66"));
	c = check_at(&t, T0);
	assert_int_equal(c->zones[1].verdict, CHAIN_SECURE);
	assert_int_equal(c->verdict, CHAIN_BOGUS);
	snprintf(want, sizeof(want),
	    "RRSIG over www.t. A by key %u does not verify", t.zk.tag);
	reason_has(c->reason, want);
	chain_free(c);
	tree_free(&t);
}

static void
test_key_not_in_zone(void **state)
{
	struct signkit_key other;
	struct tree t;
	struct chain *c;
	char want[80];

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	signkit_key_new(&other, "t.", false);
	ldns_rr_list_deep_free(t.w->sec);
	t.w->sec = NULL;
	push_signed(&t.w->sec, signkit_rr("www.t. 300 IN A 192.0.2.1"), &t,
	    &other);
	c = check_at(&t, T0);
	assert_int_equal(c->verdict, CHAIN_BOGUS);
	snprintf(want, sizeof(want), "names key %u, which t. does not have",
	    other.tag);
	reason_has(c->reason, want);
	assert_int_equal(c->sigs.v[0].result, CHAIN_SIG_NO_KEY);
	chain_free(c);
	signkit_key_free(&other);
	tree_free(&t);
}

static void
test_too_many_keys(void **state)
{
	struct signkit_key extra;
	struct tree t;
	struct chain *c;

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	for (int i = 0; i < CHAIN_MAX_KEYS; i++) {
		signkit_key_new(&extra, "t.", false);
		ldns_rr_list_push_rr(t.zone_keys, ldns_rr_clone(extra.dnskey));
		signkit_key_free(&extra);
	}
	c = check_at(&t, T0);
	assert_int_equal(c->zones[1].verdict, CHAIN_BOGUS);
	reason_has(c->zones[1].reason,
	    "more than 16 DNSKEYs in the key set of t.");
	chain_free(c);
	tree_free(&t);
}

/* t.'s referral carries, instead of the DS, rr signed by the root. */
static struct chain *
referral_with(struct tree *t, const char *rr)
{
	ldns_rr_list_deep_free(t->w->steps[0].sec);
	t->w->steps[0].sec = NULL;
	if (rr != NULL)
		push_signed(&t->w->steps[0].sec, signkit_rr(rr), t, &t->rk);
	return check_at(t, T0);
}

static void
test_no_ds(void **state)
{
	struct tree t;
	struct chain *c;

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	c = referral_with(&t, NULL);
	assert_int_equal(c->zones[1].verdict, CHAIN_BOGUS);
	reason_has(c->zones[1].reason,
	    ". gives no DS for t. and no NSEC or NSEC3 proof that there is "
	    "none");
	chain_free(c);

	c = referral_with(&t, "t. 300 IN NSEC u. NS RRSIG NSEC");
	assert_int_equal(c->zones[1].verdict, CHAIN_INSECURE);
	assert_string_equal(c->zones[1].denial, "NSEC");
	reason_has(c->zones[1].reason, "an NSEC of . proves that t. has no DS");
	assert_int_equal(c->verdict, CHAIN_INSECURE);
	assert_int_equal(c->queries, 1); /* no DNSKEY asked of t. */
	chain_free(c);

	c = referral_with(&t, "t. 300 IN NSEC u. NS DS RRSIG NSEC");
	assert_int_equal(c->zones[1].verdict, CHAIN_BOGUS);
	reason_has(c->zones[1].reason, "a DS, yet none was given");
	chain_free(c);

	c = referral_with(&t,
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom. 300 IN NSEC3 1 0 151 - "
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3ton NS");
	assert_int_equal(c->zones[1].verdict, CHAIN_INSECURE);
	reason_has(c->zones[1].reason,
	    "use 151 iterations, more than 150 (RFC 9276)");
	chain_free(c);
	tree_free(&t);
}

static void
test_anchors(void **state)
{
	struct tree t;
	struct chain *c;
	ldns_rdf *owner;

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	/* the root's DNSKEY itself as the anchor */
	ldns_rr_list_deep_free(t.anchors.rrs);
	t.anchors.rrs = signkit_list1(ldns_rr_clone(t.rk.dnskey));
	c = check_at(&t, T0);
	assert_int_equal(c->verdict, CHAIN_SECURE);
	assert_int_equal(c->zones[0].ds[0].digest, 0);
	chain_free(c);
	/* an anchor for t. only: the root cannot be judged, t. can */
	ldns_rr_list_deep_free(t.anchors.rrs);
	t.anchors.rrs = signkit_list1(signkit_ds(&t.zk));
	c = check_at(&t, T0);
	assert_int_equal(c->zones[0].verdict, CHAIN_INDETERMINATE);
	reason_has(c->zones[0].reason, "no trust anchor for .");
	assert_int_equal(c->zones[1].verdict, CHAIN_SECURE);
	assert_true(c->zones[1].anchored);
	assert_int_equal(c->verdict, CHAIN_SECURE);
	chain_free(c);
	/* an anchor that matches nothing */
	ldns_rr_list_deep_free(t.anchors.rrs);
	t.anchors.rrs = signkit_list1(ldns_rr_clone(t.zk.dnskey));
	owner = ldns_rr_owner(ldns_rr_list_rr(t.anchors.rrs, 0));
	ldns_rr_set_owner(ldns_rr_list_rr(t.anchors.rrs, 0),
	    ldns_dname_new_frm_str("."));
	ldns_rdf_deep_free(owner); /* set_owner does not free it */
	c = check_at(&t, T0);
	assert_int_equal(c->zones[0].verdict, CHAIN_BOGUS);
	reason_has(c->zones[0].reason,
	    "no DNSKEY of . matches the trust anchor");
	chain_free(c);
	tree_free(&t);
}

static void
test_no_reply(void **state)
{
	struct tree t;
	struct chain *c;

	(void)state;
	tree_init(&t, T0 - DAY, T0 + 30 * DAY);
	ldns_rr_list_deep_free(t.zone_keys);
	t.zone_keys = NULL;
	c = check_at(&t, T0);
	assert_int_equal(c->zones[1].verdict, CHAIN_BOGUS);
	reason_has(c->zones[1].reason,
	    "t. DNSKEY: no reply from ns.t. (127.0.0.2)");
	assert_string_equal(c->zones[1].server, "ns.t.");
	chain_free(c);
	tree_free(&t);
}

/* anchor_load() on a file holding text (the path in *path). */
static int
load_text(struct anchor_set *a, const char *text, char *path, char *err,
    size_t errlen)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/roost-anchor.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	return anchor_load(a, path, err, errlen);
}

static void
test_anchor_files(void **state)
{
	struct anchor_set a;
	char path[64], err[512], want[128];

	(void)state;
	assert_int_equal(load_text(&a,
			     "; the root\n\n. IN DS 20326 8 2 "
			     "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC6834"
			     "57104237C7F8EC8D\nEXAMPLE. 60 IN DNSKEY 257 3 13 "
			     "aGVsbG8=\n",
			     path, err, sizeof(err)),
	    0);
	assert_int_equal(ldns_rr_list_rr_count(a.rrs), 2);
	assert_false(a.builtin);
	assert_true(anchor_has(&a, ldns_rr_owner(ldns_rr_list_rr(a.rrs, 0))));
	assert_string_equal(a.source, path);
	/* owners are kept canonical */
	assert_int_equal(
	    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(a.rrs, 1)),
		ldns_rr_owner(ldns_rr_list_rr(a.rrs, 1))),
	    0);
	anchor_free(&a);
	unlink(path);

	assert_int_equal(
	    load_text(&a, "\n. IN NS a.root.\n", path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: not a DS or DNSKEY record", path);
	assert_string_equal(err, want);
	assert_null(a.rrs);
	unlink(path);

	assert_int_equal(load_text(&a, "; nothing\n", path, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s: no DS or DNSKEY record", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(
	    anchor_load(&a, "/nonexistent/root.key", err, sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/root.key: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_changed_after_signing),
		cmocka_unit_test(test_key_not_in_zone),
		cmocka_unit_test(test_too_many_keys),
		cmocka_unit_test(test_no_ds),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_no_reply),
		cmocka_unit_test(test_anchor_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
