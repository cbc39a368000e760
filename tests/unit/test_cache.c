/*
 * tests/unit/test_cache.c - the answer cache on an injected clock: TTL
 * arithmetic, clamps, negative TTLs from the SOA, keys, LRU order, byte
 * accounting, eviction under a tiny budget, a hash table that grows
 * (entries found while they move, walks and flushes across growth, the
 * bytes a name costs), and long randomized runs against a naive model
 * (seed printed; ROOST_TEST_SEED repeats one).
 * cache_check() verifies every invariant after each step.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"
#include "wire.h"

/* --- answers built by hand ---------------------------------------------- */

struct msg {
	uint8_t b[4096];
	size_t len;
};

static void
put16(struct msg *m, uint16_t v)
{
	wire_put16(m->b + m->len, v);
	m->len += 2;
}

static void
put32(struct msg *m, uint32_t v)
{
	wire_put32(m->b + m->len, v);
	m->len += 4;
}

static void
put_name(struct msg *m, const char *text)
{
	size_t n;

	assert_int_equal(wire_name_from_text(text, m->b + m->len, &n), WIRE_OK);
	m->len += n;
}

/* Header and question; counts are set by finish(). */
static void
start(struct msg *m, const char *qname, uint16_t qtype, unsigned rcode)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, (uint16_t)(WIRE_QR | WIRE_RD | WIRE_RA | rcode));
	put16(m, 1);
	m->len = WIRE_HDR_LEN;
	put_name(m, qname);
	put16(m, qtype);
	put16(m, WIRE_C_IN);
}

static unsigned counts[3];

/* An RR owned by the question name (a pointer to offset 12). */
static void
rr_a(struct msg *m, int section, uint32_t ttl, uint8_t last_octet)
{
	put16(m, 0xc000 | WIRE_HDR_LEN);
	put16(m, WIRE_T_A);
	put16(m, WIRE_C_IN);
	put32(m, ttl);
	put16(m, 4);
	m->b[m->len++] = 192;
	m->b[m->len++] = 0;
	m->b[m->len++] = 2;
	m->b[m->len++] = last_octet;
	counts[section]++;
}

static void
rr_cname(struct msg *m, uint32_t ttl, const char *target)
{
	size_t rdl;

	put16(m, 0xc000 | WIRE_HDR_LEN);
	put16(m, WIRE_T_CNAME);
	put16(m, WIRE_C_IN);
	put32(m, ttl);
	rdl = m->len;
	put16(m, 0);
	put_name(m, target);
	wire_put16(m->b + rdl, (uint16_t)(m->len - rdl - 2));
	counts[0]++;
}

static void
rr_soa(struct msg *m, const char *zone, uint32_t ttl, uint32_t minimum)
{
	size_t rdl;

	put_name(m, zone);
	put16(m, WIRE_T_SOA);
	put16(m, WIRE_C_IN);
	put32(m, ttl);
	rdl = m->len;
	put16(m, 0);
	put_name(m, "ns1.example.test");
	put_name(m, "hostmaster.example.test");
	put32(m, 1);
	put32(m, 7200);
	put32(m, 900);
	put32(m, 1209600);
	put32(m, minimum);
	wire_put16(m->b + rdl, (uint16_t)(m->len - rdl - 2));
	counts[1]++;
}

static void
finish(struct msg *m)
{
	wire_put16(m->b + 6, (uint16_t)counts[0]);
	wire_put16(m->b + 8, (uint16_t)counts[1]);
	wire_put16(m->b + 10, (uint16_t)counts[2]);
	counts[0] = counts[1] = counts[2] = 0;
}

static struct cache_key
key(const char *name, uint16_t qtype, uint8_t *buf)
{
	struct cache_key k = { .name = buf,
		.qtype = qtype,
		.qclass = WIRE_C_IN };

	assert_int_equal(wire_name_from_text(name, buf, &k.name_len), WIRE_OK);
	return k;
}

static const struct cache_limits defaults = {
	.budget = 1 << 20,
	.min_ttl = 0,
	.max_ttl = 86400,
	.max_negative_ttl = 3600,
	.stale_limit = 0,
};

static struct cache *
new_cache(const struct cache_limits *lim)
{
	struct cache *c = cache_new(lim, 0x5eed);

	assert_non_null(c);
	cache_check(c);
	return c;
}

/* The TTL of every record in an answer, in order. */
static unsigned
answer_ttls(const uint8_t *msg, size_t len, uint32_t *ttls, unsigned max)
{
	struct wire_msg m;
	struct wire_rr rrs[16];

	assert_int_equal(wire_parse_msg(msg, len, &m, rrs, 16), WIRE_OK);
	for (unsigned i = 0; i < m.nrr && i < max; i++)
		ttls[i] = rrs[i].ttl;
	return m.nrr;
}

/* --- tests -------------------------------------------------------------- */

static void
test_cache_positive_lives_for_smallest_ttl(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("www.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;

	(void)state;
	start(&m, "www.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 300, 1);
	rr_a(&m, 0, 120, 2);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 1000, NULL), 1);
	cache_check(c);
	assert_int_equal(cache_lookup(c, &k, 1000, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 120);
	assert_int_equal(cache_lookup(c, &k, 1119, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_ttl(e, 1119), 1);
	assert_int_equal(cache_lookup(c, &k, 1120, &e), CACHE_MISS);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 0);
	cache_free(c);
}

static void
test_cache_served_ttls_drop_by_elapsed_seconds(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("www.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	uint32_t ttls[4];
	size_t n;

	(void)state;
	start(&m, "www.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 300, 1);
	rr_a(&m, 0, 120, 2);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 1000, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 1045, &e), CACHE_FRESH);
	n = cache_answer(e, 1045, 0xbeef, kb, k.name_len, out, sizeof(out));
	assert_int_equal(n, m.len);
	assert_int_equal(wire_get16(out), 0xbeef);
	assert_int_equal(answer_ttls(out, n, ttls, 4), 2);
	/* the 300 s record was clamped to the entry's 120 s life first:
	 * no served TTL exceeds what is left (75 s) */
	assert_int_equal(ttls[0], 75);
	assert_int_equal(ttls[1], 75);
	cache_free(c);
}

static void
test_cache_lookup_ignores_case_and_answers_in_clients_spelling(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME], kb2[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("WWW.Example.TEST", WIRE_T_A, kb);
	struct cache_key k2 = key("www.EXAMPLE.test", WIRE_T_A, kb2);
	const struct cache_entry *e;
	struct wire_header h;
	struct wire_question q;
	size_t n;

	(void)state;
	start(&m, "WWW.Example.TEST", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 60, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	cache_check(c); /* stored lower-cased */
	assert_int_equal(cache_lookup(c, &k2, 1, &e), CACHE_FRESH);
	n = cache_answer(e, 1, 7, kb2, k2.name_len, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(wire_parse_question(out, n, &h, &q), WIRE_OK);
	assert_memory_equal(q.name, kb2, k2.name_len);
	/* too small a buffer: 0, not a partial answer */
	assert_int_equal(cache_answer(e, 1, 7, kb2, k2.name_len, out, n - 1),
	    0);
	cache_free(c);
}

static void
test_cache_key_separates_type_and_do_cd_bits(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("www.example.test", WIRE_T_A, kb);
	struct cache_key kdo = k, kcd = k, kaaaa = k;
	const struct cache_entry *e;

	(void)state;
	kdo.dnssec_ok = true;
	kcd.checking_disabled = true;
	kaaaa.qtype = WIRE_T_AAAA;
	start(&m, "www.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 60, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 1, &e), CACHE_FRESH);
	assert_int_equal(cache_lookup(c, &kdo, 1, &e), CACHE_MISS);
	assert_int_equal(cache_lookup(c, &kcd, 1, &e), CACHE_MISS);
	assert_int_equal(cache_lookup(c, &kaaaa, 1, &e), CACHE_MISS);
	/* an answer whose question is not the key is refused */
	assert_int_equal(cache_insert(c, &kaaaa, m.b, m.len, 0, NULL), 0);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_minimal_keeps_answer_section_unless_do(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct msg m, neg;
	uint8_t kb[WIRE_MAX_NAME], nb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("www.example.test", WIRE_T_A, kb);
	struct cache_key kdo = k;
	struct cache_key kn = key("nx.example.test", WIRE_T_A, nb);
	const struct cache_entry *e;
	uint32_t ttls[4];
	size_t n, answer_end;

	(void)state;
	lim.minimal = true;
	c = new_cache(&lim);
	kdo.dnssec_ok = true;
	start(&m, "www.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 300, 1);
	answer_end = m.len;
	rr_a(&m, 1, 60, 2); /* authority: shorter-lived */
	rr_a(&m, 2, 30, 3); /* additional: shorter still */
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_insert(c, &kdo, m.b, m.len, 0, NULL), 1);
	cache_check(c);

	/* without DO: the answer section alone, living its 300 s */
	assert_int_equal(cache_lookup(c, &k, 100, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 300);
	n = cache_answer(e, 100, 7, kb, k.name_len, out, sizeof(out));
	assert_int_equal(n, answer_end);
	assert_int_equal(wire_get16(out + 6), 1);
	assert_int_equal(wire_get16(out + 8), 0);
	assert_int_equal(wire_get16(out + 10), 0);
	assert_int_equal(answer_ttls(out, n, ttls, 4), 1);
	assert_int_equal(ttls[0], 200);

	/* with DO: every section, living as long as the shortest */
	assert_int_equal(cache_lookup(c, &kdo, 10, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 60);
	n = cache_answer(e, 10, 7, kb, k.name_len, out, sizeof(out));
	assert_int_equal(n, m.len);
	assert_int_equal(answer_ttls(out, n, ttls, 4), 3);

	/* a negative answer keeps its SOA */
	start(&neg, "nx.example.test", WIRE_T_A, WIRE_NXDOMAIN);
	rr_soa(&neg, "example.test", 600, 120);
	finish(&neg);
	assert_int_equal(cache_insert(c, &kn, neg.b, neg.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &kn, 1, &e), CACHE_FRESH);
	assert_int_equal(
	    cache_answer(e, 1, 7, nb, kn.name_len, out, sizeof(out)), neg.len);
	assert_int_equal(wire_get16(out + 8), 1);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_clamps_min_and_max_ttl(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("clamp.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	uint32_t ttls[2];

	(void)state;
	lim.min_ttl = 50;
	lim.max_ttl = 100;
	c = new_cache(&lim);
	start(&m, "clamp.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 100000, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 0, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 100);
	answer_ttls(out,
	    cache_answer(e, 0, 1, kb, k.name_len, out, sizeof(out)), ttls, 2);
	assert_int_equal(ttls[0], 100);
	start(&m, "clamp.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 5, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 49, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 50);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_ttl_zero_and_top_bit_are_not_stored(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("zero.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;

	(void)state;
	lim.min_ttl = 30; /* even a floor does not make TTL 0 cacheable */
	c = new_cache(&lim);
	start(&m, "zero.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 0, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	start(&m, "zero.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 0x80000000u, 1); /* RFC 2181: means 0 */
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	assert_int_equal(cache_lookup(c, &k, 0, &e), CACHE_MISS);
	assert_int_equal(cache_stats(c)->uncacheable, 2);
	cache_free(c);
}

static void
test_cache_negative_lives_for_soa_minimum(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("nope.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	uint32_t ttls[2];

	(void)state;
	/* NXDOMAIN: min(SOA TTL 3600, MINIMUM 60) */
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NXDOMAIN);
	rr_soa(&m, "example.test", 3600, 60);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 10, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 60);
	assert_int_equal(cache_entry_rcode(e), WIRE_NXDOMAIN);
	answer_ttls(out,
	    cache_answer(e, 10, 1, kb, k.name_len, out, sizeof(out)), ttls, 2);
	assert_int_equal(ttls[0], 50); /* the SOA's served TTL */
	assert_int_equal(cache_lookup(c, &k, 60, &e), CACHE_MISS);
	/* NODATA: min(SOA TTL 30, MINIMUM 600) */
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_soa(&m, "example.test", 30, 600);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 100, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 100, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 30);
	cache_free(c);
}

static void
test_cache_negative_without_soa_is_not_stored(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("nope.example.test", WIRE_T_A, kb);

	(void)state;
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NXDOMAIN);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NOERROR); /* NODATA */
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	/* a CNAME alone is no data for A either: it needs an SOA too */
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_cname(&m, 300, "elsewhere.test");
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	start(&m, "nope.example.test", WIRE_T_A, WIRE_SERVFAIL);
	rr_soa(&m, "example.test", 30, 30);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 0);
	assert_int_equal(cache_stats(c)->entries, 0);
	cache_free(c);
}

static void
test_cache_max_negative_ttl_clamps_negative_only(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("nope.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;

	(void)state;
	lim.max_negative_ttl = 20;
	c = new_cache(&lim);
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NXDOMAIN);
	rr_soa(&m, "example.test", 3600, 3600);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 0, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 20);
	start(&m, "nope.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 3600, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 0, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_lifetime(e), 3600);
	cache_free(c);
}

static void
test_cache_stale_entry_within_limit_then_gone(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct msg m;
	uint8_t kb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("www.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	uint32_t ttls[2];

	(void)state;
	lim.stale_limit = 100;
	c = new_cache(&lim);
	start(&m, "www.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 60, 1);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	assert_int_equal(cache_lookup(c, &k, 60, &e), CACHE_STALE);
	answer_ttls(out,
	    cache_answer(e, 60, 1, kb, k.name_len, out, sizeof(out)), ttls, 2);
	assert_int_equal(ttls[0], CACHE_STALE_TTL);
	assert_int_equal(cache_lookup(c, &k, 159, &e), CACHE_STALE);
	assert_int_equal(cache_lookup(c, &k, 160, &e), CACHE_MISS);
	assert_int_equal(cache_stats(c)->entries, 0);
	cache_free(c);
}

/* Inserts NAME-i answers (A, TTL 3600) at time 0. */
static void
insert_numbered(struct cache *c, unsigned i)
{
	char name[64];
	uint8_t kb[WIRE_MAX_NAME];
	struct msg m;
	struct cache_key k;

	snprintf(name, sizeof(name), "host%u.example.test", i);
	k = key(name, WIRE_T_A, kb);
	start(&m, name, WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 3600, (uint8_t)i);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 0, NULL), 1);
	cache_check(c);
}

static enum cache_state
lookup_numbered(struct cache *c, unsigned i)
{
	char name[64];
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k;
	const struct cache_entry *e;

	snprintf(name, sizeof(name), "host%u.example.test", i);
	k = key(name, WIRE_T_A, kb);
	return cache_lookup(c, &k, 1, &e);
}

struct walk_seen {
	unsigned n, names[64];
	struct cache *into; /* restore each seen entry here, if set */
	uint32_t at;        /* ... at this time */
	int restored;
};

static void
walk_note(void *arg, const struct cache_view *v)
{
	struct walk_seen *w = arg;
	char text[4 * WIRE_MAX_NAME];
	unsigned i;

	assert_true(wire_name_to_text(v->name, v->name_len, text,
			sizeof(text)) < sizeof(text));
	assert_int_equal(sscanf(text, "n%u.example.test.", &i), 1);
	assert_true(i < 64);
	w->names[i]++;
	w->n++;
	assert_int_equal(v->qtype, WIRE_T_A);
	assert_int_equal(v->rcode, WIRE_NOERROR);
	assert_int_equal(v->lifetime, 100 + i);
	assert_int_equal(v->age, 10);
	if (w->into != NULL)
		w->restored += cache_restore(w->into, v, w->at);
}

static void
test_cache_walk_sees_each_entry_once_across_slices(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct walk_seen w = { 0 };
	uint8_t kb[WIRE_MAX_NAME];
	char name[32];
	struct msg m;
	size_t cur = 0;
	unsigned calls = 0;

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		struct cache_key k;

		snprintf(name, sizeof(name), "n%u.example.test", i);
		k = key(name, WIRE_T_A, kb);
		start(&m, name, WIRE_T_A, WIRE_NOERROR);
		rr_a(&m, 0, 100 + i, (uint8_t)i);
		finish(&m);
		assert_int_equal(cache_insert(c, &k, m.b, m.len, 500, NULL), 1);
	}
	/* three buckets at a time, with lookups (LRU moves) in between */
	do {
		struct cache_key k = key("n7.example.test", WIRE_T_A, kb);
		const struct cache_entry *e;

		cur = cache_walk(c, cur, 3, 510, walk_note, &w);
		assert_int_equal(cache_lookup(c, &k, 510, &e), CACHE_FRESH);
		calls++;
	} while (cur != 0);
	assert_true(calls > 1);
	assert_int_equal(w.n, 40);
	for (unsigned i = 0; i < 40; i++)
		assert_int_equal(w.names[i], 1);
	cache_free(c);
}

static void
test_cache_keeps_extended_errors_with_the_entry(void **state)
{
	struct cache *c = new_cache(&defaults);
	uint8_t kb[WIRE_MAX_NAME], ede[CACHE_EDE_MAX + 8], bad[8];
	struct cache_key k = key("ede.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	const uint8_t *got;
	size_t n = 0, glen, before;
	struct msg m;

	(void)state;
	start(&m, "ede.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 300, 1);
	finish(&m);
	assert_int_equal(wire_opt_put_ede(ede, sizeof(ede), &n,
			     WIRE_EDE_FILTERED, (const uint8_t *)"ads", 3),
	    WIRE_OK);
	assert_int_equal(
	    wire_opt_put_ede(ede, sizeof(ede), &n, WIRE_EDE_BLOCKED, NULL, 0),
	    WIRE_OK);
	assert_int_equal(cache_insert_ede(c, &k, m.b, m.len, ede, n, 1000, &e),
	    1);
	cache_check(c);
	got = cache_entry_ede(e, &glen);
	assert_int_equal(glen, n);
	assert_memory_equal(got, ede, n);
	assert_int_equal(cache_lookup(c, &k, 1010, &e), CACHE_FRESH);
	got = cache_entry_ede(e, &glen);
	assert_int_equal(glen, n);
	assert_memory_equal(got, ede, n);
	/* a plain insert replaces it, without */
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 1000, &e), 1);
	(void)cache_entry_ede(e, &glen);
	assert_int_equal(glen, 0);
	/* what is not whole EDE options is refused, with the answer */
	before = cache_stats(c)->uncacheable;
	n = 0;
	assert_int_equal(wire_opt_put(bad, sizeof(bad), &n, WIRE_OPT_COOKIE,
			     (const uint8_t *)"abcd", 4),
	    WIRE_OK);
	assert_int_equal(
	    cache_insert_ede(c, &k, m.b, m.len, bad, n, 1000, NULL), 0);
	assert_int_equal(
	    cache_insert_ede(c, &k, m.b, m.len, ede, 5, 1000, NULL), 0);
	memset(ede, 0, sizeof(ede));
	assert_int_equal(cache_insert_ede(c, &k, m.b, m.len, ede,
			     CACHE_EDE_MAX + 1, 1000, NULL),
	    0);
	assert_int_equal(cache_stats(c)->uncacheable, before + 3);
	/* a remembered failure carries roostd's own */
	n = 0;
	assert_int_equal(wire_opt_put_ede(ede, sizeof(ede), &n,
			     WIRE_EDE_NETWORK_ERROR, NULL, 0),
	    WIRE_OK);
	assert_int_equal(cache_insert_servfail(c, &k, 1000, 5, ede, n), 1);
	assert_int_equal(cache_lookup(c, &k, 1001, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_rcode(e), WIRE_SERVFAIL);
	got = cache_entry_ede(e, &glen);
	assert_int_equal(glen, 6);
	assert_int_equal(wire_get16(got + 4), WIRE_EDE_NETWORK_ERROR);
	assert_int_equal(cache_insert_servfail(c, &k, 1000, 5, bad, 8), 0);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_restore_keeps_age_and_lifetime(void **state)
{
	struct cache *c = new_cache(&defaults);
	struct cache *d = new_cache(&defaults);
	struct walk_seen w = { .into = d, .at = 90000 };
	uint8_t kb[WIRE_MAX_NAME], out[4096];
	struct cache_key k = key("n3.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;
	uint32_t ttl;
	struct msg m;

	(void)state;
	start(&m, "N3.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 103, 3);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 500, NULL), 1);
	assert_int_equal(cache_walk(c, 0, SIZE_MAX, 510, walk_note, &w), 0);
	assert_int_equal(w.restored, 1);
	cache_check(d);
	/* in d, the entry is 10 s old at 90000: 93 s left, then gone */
	assert_int_equal(cache_lookup(d, &k, 90000, &e), CACHE_FRESH);
	assert_int_equal(cache_entry_ttl(e, 90000), 93);
	assert_int_equal(
	    cache_answer(e, 90000, 1, kb, k.name_len, out, sizeof(out)), m.len);
	assert_int_equal(answer_ttls(out, m.len, &ttl, 1), 1);
	assert_int_equal(ttl, 93);
	assert_int_equal(cache_lookup(d, &k, 90093, &e), CACHE_MISS);
	cache_check(d);
	cache_free(c);
	cache_free(d);
}

static void
test_cache_restore_rejects_what_does_not_fit_its_view(void **state)
{
	struct cache *c = new_cache(&defaults);
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("n1.example.test", WIRE_T_A, kb);
	struct msg m;
	struct cache_view v;

	(void)state;
	start(&m, "n1.example.test", WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 60, 1);
	finish(&m);
	v = (struct cache_view){ .name = kb,
		.name_len = k.name_len,
		.qtype = WIRE_T_A,
		.qclass = WIRE_C_IN,
		.rcode = WIRE_NOERROR,
		.lifetime = 60,
		.age = 0,
		.wire = m.b,
		.wire_len = m.len };
	v.qtype = WIRE_T_AAAA; /* question differs from the key */
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.qtype = WIRE_T_A;
	v.rcode = WIRE_NXDOMAIN; /* rcode differs from the header */
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.rcode = WIRE_NOERROR;
	v.wire_len = m.len - 1; /* truncated */
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.wire_len = m.len;
	v.age = 60; /* expired, no stale limit */
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.age = 0;
	v.lifetime = 0;
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.lifetime = CACHE_MAX_TTL_CAP + 1;
	assert_int_equal(cache_restore(c, &v, 100), 0);
	v.lifetime = 60;
	assert_int_equal(cache_restore(c, &v, 100), 1);
	assert_int_equal(cache_stats(c)->entries, 1);
	cache_check(c);
	cache_free(c);
}

/* Stores an A answer for name with the given DO/CD bits; TTL 300. */
static void
put_a(struct cache *c, const char *name, uint16_t qtype, bool dnssec_ok,
    bool cd)
{
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key(name, qtype, kb);
	struct msg m;

	k.dnssec_ok = dnssec_ok;
	k.checking_disabled = cd;
	start(&m, name, qtype, WIRE_NOERROR);
	if (qtype == WIRE_T_A)
		rr_a(&m, 0, 300, 1);
	else
		rr_cname(&m, 300, "target.example.test");
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 100, NULL), 1);
	cache_check(c);
}

static bool
cached(struct cache *c, const char *name, uint16_t qtype, bool dnssec_ok,
    bool cd)
{
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key(name, qtype, kb);
	const struct cache_entry *e;

	k.dnssec_ok = dnssec_ok;
	k.checking_disabled = cd;
	return cache_lookup(c, &k, 101, &e) == CACHE_FRESH;
}

static void
test_cache_flush_name_removes_every_variant_of_one_name(void **state)
{
	struct cache *c = new_cache(&defaults);
	uint8_t kb[WIRE_MAX_NAME];
	size_t len;

	(void)state;
	for (int v = 0; v < 4; v++) {
		put_a(c, "www.example.test", WIRE_T_A, v & 1, v & 2);
		put_a(c, "www.example.test", WIRE_T_CNAME, v & 1, v & 2);
	}
	put_a(c, "example.test", WIRE_T_A, false, false);
	put_a(c, "a.www.example.test", WIRE_T_A, false, false);
	put_a(c, "www2.example.test", WIRE_T_A, false, false);
	assert_int_equal(cache_stats(c)->entries, 11);
	/* any case, trailing dot or not */
	assert_int_equal(wire_name_from_text("WWW.Example.TEST.", kb, &len),
	    WIRE_OK);
	assert_int_equal(cache_flush_name(c, kb, len), 8);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 3);
	for (int v = 0; v < 4; v++) {
		assert_false(
		    cached(c, "www.example.test", WIRE_T_A, v & 1, v & 2));
		assert_false(
		    cached(c, "www.example.test", WIRE_T_CNAME, v & 1, v & 2));
	}
	assert_true(cached(c, "example.test", WIRE_T_A, false, false));
	assert_true(cached(c, "a.www.example.test", WIRE_T_A, false, false));
	assert_true(cached(c, "www2.example.test", WIRE_T_A, false, false));
	/* again: nothing left to remove */
	assert_int_equal(cache_flush_name(c, kb, len), 0);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_flush_zone_removes_a_subtree_and_nothing_else(void **state)
{
	struct cache *c = new_cache(&defaults);
	uint8_t kb[WIRE_MAX_NAME];
	size_t len;

	(void)state;
	put_a(c, "example.test", WIRE_T_A, false, false);
	put_a(c, "www.example.test", WIRE_T_A, true, false);
	put_a(c, "a.b.c.example.test", WIRE_T_CNAME, false, true);
	put_a(c, "test", WIRE_T_A, false, false);
	put_a(c, "other.test", WIRE_T_A, false, false);
	/* a suffix in text, not on a label boundary: not in the zone */
	put_a(c, "notexample.test", WIRE_T_A, false, false);
	put_a(c, "example.test.other", WIRE_T_A, false, false);
	assert_int_equal(wire_name_from_text("Example.Test", kb, &len),
	    WIRE_OK);
	assert_int_equal(cache_flush_zone(c, kb, len), 3);
	cache_check(c);
	assert_false(cached(c, "example.test", WIRE_T_A, false, false));
	assert_false(cached(c, "www.example.test", WIRE_T_A, true, false));
	assert_false(
	    cached(c, "a.b.c.example.test", WIRE_T_CNAME, false, true));
	assert_true(cached(c, "test", WIRE_T_A, false, false));
	assert_true(cached(c, "other.test", WIRE_T_A, false, false));
	assert_true(cached(c, "notexample.test", WIRE_T_A, false, false));
	assert_true(cached(c, "example.test.other", WIRE_T_A, false, false));
	/* the root zone is everything */
	assert_int_equal(wire_name_from_text(".", kb, &len), WIRE_OK);
	assert_int_equal(cache_flush_zone(c, kb, len), 4);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 0);
	cache_free(c);
}

/* Stores a negative answer (NXDOMAIN, or NODATA with rcode NOERROR). */
static void
put_negative(struct cache *c, const char *name, unsigned rcode)
{
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key(name, WIRE_T_A, kb);
	struct msg m;

	start(&m, name, WIRE_T_A, rcode);
	rr_soa(&m, "example.test", 300, 300);
	finish(&m);
	assert_int_equal(cache_insert(c, &k, m.b, m.len, 100, NULL), 1);
}

static void
test_cache_flush_failures_keeps_only_answers_with_records(void **state)
{
	struct cache *c = new_cache(&defaults);
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k = key("down.example.test", WIRE_T_A, kb);
	const struct cache_entry *e;

	(void)state;
	put_a(c, "www.example.test", WIRE_T_A, false, false);
	put_a(c, "alias.example.test", WIRE_T_CNAME, true, false);
	put_negative(c, "nope.example.test", WIRE_NXDOMAIN);
	put_negative(c, "empty.example.test", WIRE_NOERROR);
	assert_int_equal(cache_insert_servfail(c, &k, 100, 5, NULL, 0), 1);
	assert_int_equal(cache_stats(c)->entries, 5);
	assert_int_equal(cache_flush_failures(c), 3);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 2);
	assert_true(cached(c, "www.example.test", WIRE_T_A, false, false));
	assert_true(cached(c, "alias.example.test", WIRE_T_CNAME, true, false));
	assert_false(cached(c, "nope.example.test", WIRE_T_A, false, false));
	assert_false(cached(c, "empty.example.test", WIRE_T_A, false, false));
	assert_int_equal(cache_lookup(c, &k, 101, &e), CACHE_MISS);
	/* again: nothing left to remove */
	assert_int_equal(cache_flush_failures(c), 0);
	cache_free(c);
}

static void
test_cache_flush_in_slices_meets_every_entry_once(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct cache_match all = { 0 };
	char name[32];
	size_t cur = 0, removed = 0, stored;
	unsigned calls = 0;

	(void)state;
	c = cache_new_buckets(&lim, 7, 64);
	assert_non_null(c);
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "n%u.example.test", i);
		put_a(c, name, WIRE_T_A, false, false);
	}
	/* a chain past CACHE_MAX_CHAIN may have lost one or two */
	stored = cache_stats(c)->entries;
	assert_true(stored >= 90);
	assert_int_equal(cache_buckets(c), 64);
	/* a few buckets at a time, with lookups and a new entry between */
	do {
		cur = cache_flush_slice(c, cur, 5, &all, &removed);
		cache_check(c);
		(void)cached(c, "n3.example.test", WIRE_T_A, false, false);
		calls++;
	} while (cur != 0);
	assert_int_equal(calls, 13);
	assert_int_equal(removed, stored);
	assert_int_equal(cache_stats(c)->entries, 0);
	/* a flush of one name in slices */
	put_a(c, "x.example.test", WIRE_T_A, false, false);
	put_a(c, "x.example.test", WIRE_T_A, true, false);
	put_a(c, "y.example.test", WIRE_T_A, false, false);
	{
		uint8_t kb[WIRE_MAX_NAME];
		struct cache_match m = { .name = kb };

		assert_int_equal(
		    wire_name_from_text("x.example.test", kb, &m.name_len),
		    WIRE_OK);
		removed = 0;
		cur = 0;
		do
			cur = cache_flush_slice(c, cur, 1, &m, &removed);
		while (cur != 0);
	}
	assert_int_equal(removed, 2);
	cache_check(c);
	assert_true(cached(c, "y.example.test", WIRE_T_A, false, false));
	cache_free(c);
}

static void
test_cache_evicts_least_recently_used_first(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	unsigned n = 1;

	(void)state;
	lim.budget = 4096;
	c = new_cache(&lim);
	insert_numbered(c, 0);
	/* fill until the first eviction happens */
	while (cache_stats(c)->evictions == 0)
		insert_numbered(c, n++);
	/* 0 went first (oldest, never used) */
	assert_int_equal(lookup_numbered(c, 0), CACHE_MISS);
	/* use 1, then insert one more: 2 goes, not 1 */
	assert_int_equal(lookup_numbered(c, 1), CACHE_FRESH);
	insert_numbered(c, n++);
	assert_int_equal(lookup_numbered(c, 1), CACHE_FRESH);
	assert_int_equal(lookup_numbered(c, 2), CACHE_MISS);
	assert_true(cache_stats(c)->bytes <= lim.budget);
	cache_check(c);
	cache_free(c);
}

static void
test_cache_byte_budget_holds_under_a_stream_of_names(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;

	(void)state;
	lim.budget = 64 * 1024;
	c = new_cache(&lim);
	for (unsigned i = 0; i < 5000; i++) {
		insert_numbered(c, i);
		assert_true(cache_stats(c)->bytes <= lim.budget);
	}
	assert_true(cache_stats(c)->evictions > 0);
	assert_true(cache_stats(c)->entries > 100);
	cache_flush(c);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 0);
	cache_free(c);
}

static void
test_cache_chains_stay_bounded_with_few_buckets(void **state)
{
	struct cache *c = cache_new_buckets(&defaults, 3, 2);

	(void)state;
	assert_non_null(c);
	/* 100 names in 2 buckets: each chain is cut to CACHE_MAX_CHAIN,
	 * the least recently hit going first */
	for (unsigned i = 0; i < 100; i++) {
		insert_numbered(c, i); /* cache_check() checks the bound */
		/* host0 is hit after every insert: never the victim */
		assert_int_equal(lookup_numbered(c, 0), CACHE_FRESH);
	}
	assert_true(cache_stats(c)->entries <= 2 * CACHE_MAX_CHAIN);
	assert_true(cache_stats(c)->evictions >= 100 - 2 * CACHE_MAX_CHAIN);
	cache_free(c);
}

/* --- a table that grows ------------------------------------------------ */

/* Stores "hostNNNNNN.example.test" (an A answer, TTL 3600) at time 0. */
static int
insert_host(struct cache *c, unsigned i)
{
	char name[64];
	uint8_t kb[WIRE_MAX_NAME];
	struct msg m;
	struct cache_key k;

	snprintf(name, sizeof(name), "host%06u.example.test", i);
	k = key(name, WIRE_T_A, kb);
	start(&m, name, WIRE_T_A, WIRE_NOERROR);
	rr_a(&m, 0, 3600, (uint8_t)i);
	finish(&m);
	return cache_insert(c, &k, m.b, m.len, 0, NULL);
}

/* Whether host i is cached (cache_peek(): nothing moves). */
static bool
host_cached(const struct cache *c, unsigned i)
{
	char name[64];
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k;
	const struct cache_entry *e;

	snprintf(name, sizeof(name), "host%06u.example.test", i);
	k = key(name, WIRE_T_A, kb);
	return cache_peek(c, &k, 1, &e) == CACHE_FRESH;
}

/* Host i's lookup (cache_lookup(): a rehash moves along). */
static enum cache_state
host_lookup(struct cache *c, unsigned i)
{
	char name[64];
	uint8_t kb[WIRE_MAX_NAME];
	struct cache_key k;
	const struct cache_entry *e;

	snprintf(name, sizeof(name), "host%06u.example.test", i);
	k = key(name, WIRE_T_A, kb);
	return cache_lookup(c, &k, 1, &e);
}

static void
add_size(void *arg, const struct cache_view *v)
{
	*(size_t *)arg += v->size;
}

/* The bytes of the bucket arrays: all but what the entries cost. */
static size_t
table_bytes(const struct cache *c)
{
	size_t entries = 0;

	assert_int_equal(cache_walk(c, 0, SIZE_MAX, 1, add_size, &entries), 0);
	return cache_stats(c)->bytes - entries;
}

/* While rehashing, the old array (half the size) is there too. */
static bool
rehashing(const struct cache *c)
{
	size_t t = table_bytes(c), n = cache_buckets(c) * sizeof(void *);

	assert_true(t == n || t == n + n / 2);
	return t != n;
}

/* Every host below n is found. */
static void
assert_hosts_cached(const struct cache *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_true(host_cached(c, i));
}

static void
test_cache_table_grows_with_entries(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	unsigned i, growths = 0, steps = 0;
	size_t n = CACHE_TABLE_MIN;

	(void)state;
	lim.budget = 64u << 20;
	c = new_cache(&lim);
	assert_int_equal(cache_buckets(c), CACHE_TABLE_MIN);
	assert_false(rehashing(c));
	/* inserts: the table doubles once entries outnumber buckets, and
	 * the entries move over many inserts, each findable all along */
	for (i = 0; i < 2500; i++) {
		assert_int_equal(insert_host(c, i), 1);
		cache_check(c);
		if (cache_buckets(c) != n) {
			assert_int_equal(cache_buckets(c), 2 * n);
			assert_int_equal(i + 1, n + 1); /* load factor 1 */
			n *= 2;
			growths++;
			steps = 0;
		}
		if (rehashing(c)) {
			/* each insert moves at least one bucket */
			assert_true(++steps <= n / 2);
			assert_hosts_cached(c, i + 1);
		} else if (steps > 0) {
			/* and a bounded number: no pause */
			assert_true(steps >=
			    n / 2 / (CACHE_REHASH_FULL + CACHE_REHASH_EMPTY));
			assert_hosts_cached(c, i + 1);
			steps = 0;
		}
	}
	assert_int_equal(growths, 6); /* 64 to 4096 */
	assert_int_equal(cache_buckets(c), 4096);
	/* lookups move a rehash along too, in at most 2048 of them */
	assert_true(rehashing(c));
	for (i = 0; rehashing(c); i++) {
		assert_true(i < 2048);
		assert_int_equal(host_lookup(c, i), CACHE_FRESH);
		cache_check(c);
		assert_int_equal(host_lookup(c, 10000 + i), CACHE_MISS);
		cache_check(c);
	}
	assert_hosts_cached(c, 2500);
	assert_int_equal(table_bytes(c), 4096 * sizeof(void *));
	/* a flush leaves the table as it is: it never shrinks */
	cache_flush(c);
	cache_check(c);
	assert_int_equal(cache_buckets(c), 4096);
	assert_int_equal(cache_stats(c)->bytes, 4096 * sizeof(void *));
	assert_int_equal(cache_stats(c)->evictions, 0);
	cache_free(c);
}

/* What a walk spread over calls has seen, host by host. */
struct host_seen {
	unsigned *count; /* walked, or flushed */
	unsigned max;
};

static void
host_note(void *arg, const struct cache_view *v)
{
	struct host_seen *w = arg;
	char text[4 * WIRE_MAX_NAME];
	unsigned i;

	assert_true(wire_name_to_text(v->name, v->name_len, text,
			sizeof(text)) < sizeof(text));
	assert_int_equal(sscanf(text, "host%u.example.test.", &i), 1);
	assert_true(i < w->max);
	w->count[i]++;
}

static void
test_cache_walk_sees_each_entry_once_while_the_table_grows(void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct host_seen w = { .max = 40000 };
	unsigned next = 1000, calls = 0, replaced = 0;
	size_t cur = 0, start_buckets;

	(void)state;
	lim.budget = 64u << 20;
	c = new_cache(&lim);
	w.count = calloc(w.max, sizeof(*w.count));
	assert_non_null(w.count);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(insert_host(c, i), 1);
	start_buckets = cache_buckets(c);
	/* five buckets a call; between calls new hosts come (fewer than
	 * the walk covers, or it would never end), old ones are looked up
	 * and replaced, and once the table doubles three times */
	do {
		cur = cache_walk(c, cur, 5, 1, host_note, &w);
		for (unsigned j = 0; j < (calls == 3 ? 7000 : 3); j++)
			assert_int_equal(insert_host(c, next++), 1);
		(void)host_lookup(c, calls % 1000);
		if (calls % 10 == 0 && replaced < 50) /* 950 to 999 */
			assert_int_equal(insert_host(c, 950 + replaced++), 1);
		cache_check(c);
		calls++;
	} while (cur != 0);
	assert_true(cache_buckets(c) >= 8 * start_buckets);
	assert_int_equal(cache_stats(c)->evictions, 0);
	/* hosts 0 to 949 were there throughout: seen once; the others
	 * (replaced, or stored during the walk) at most once */
	assert_int_equal(replaced, 50);
	for (unsigned i = 0; i < next; i++)
		if (i < 950)
			assert_int_equal(w.count[i], 1);
		else
			assert_true(w.count[i] <= 1);
	free(w.count);
	cache_free(c);
}

static void
test_cache_flush_in_slices_meets_every_entry_once_while_the_table_grows(
    void **state)
{
	struct cache_limits lim = defaults;
	struct cache *c;
	struct cache_match all = { 0 };
	unsigned next = 1000, calls = 0;
	size_t cur = 0, removed = 0, start_buckets;

	(void)state;
	lim.budget = 64u << 20;
	c = new_cache(&lim);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(insert_host(c, i), 1);
	start_buckets = cache_buckets(c);
	do {
		cur = cache_flush_slice(c, cur, 5, &all, &removed);
		cache_check(c);
		for (unsigned j = 0; j < (calls == 3 ? 7000 : 3); j++)
			assert_int_equal(insert_host(c, next++), 1);
		(void)host_lookup(c, next - 1);
		cache_check(c);
		calls++;
	} while (cur != 0);
	assert_true(cache_buckets(c) >= 8 * start_buckets);
	/* every entry there throughout went, each counted once; of those
	 * stored meanwhile, some went and the rest stayed */
	for (unsigned i = 0; i < 1000; i++)
		assert_false(host_cached(c, i));
	assert_int_equal(cache_stats(c)->evictions, 0);
	assert_int_equal(removed + cache_stats(c)->entries, next);
	assert_true(removed > 1000 && cache_stats(c)->entries > 0);
	cache_free(c);
}

static void
test_cache_costs_at_most_150_bytes_a_name_whatever_the_budget(void **state)
{
	static const size_t budgets[] = { 1u << 30, 32u << 20 };

	(void)state;
	for (unsigned b = 0; b < 2; b++) {
		struct cache_limits lim = defaults;
		struct cache *c;
		const struct cache_stats *st;

		lim.budget = budgets[b];
		c = new_cache(&lim);
		st = cache_stats(c);
		for (unsigned i = 0; i < 300000; i++) {
			assert_int_equal(insert_host(c, i), 1);
			if (i + 1 != 100000 && i + 1 != 300000)
				continue;
			print_message("budget %zu MiB, %u names: %zu entries, "
				      "%zu bytes, %zu buckets: %.1f a name\n",
			    lim.budget >> 20, i + 1, st->entries, st->bytes,
			    cache_buckets(c), (double)st->bytes / st->entries);
			/* a deterministic count, every overhead included */
			assert_true(st->bytes <= 150 * st->entries);
		}
		cache_check(c);
		/* a GiB holds them all; 32 MiB evicts the oldest */
		if (lim.budget == 1u << 30)
			assert_int_equal(st->entries, 300000);
		else
			assert_true(
			    st->evictions > 0 && st->bytes > lim.budget - 150);
		assert_true(host_cached(c, 299999));
		cache_free(c);
	}
}

/* The bytes one host entry costs (all host names have one length). */
static size_t
host_entry_bytes(void)
{
	struct cache *c = new_cache(&defaults);
	size_t before = cache_stats(c)->bytes, n;

	assert_int_equal(insert_host(c, 0), 1);
	n = cache_stats(c)->bytes - before;
	cache_free(c);
	return n;
}

static void
test_cache_small_budget_evicts_oldest_and_grows_only_into_free_bytes(
    void **state)
{
	size_t s = host_entry_bytes(), ptr = sizeof(void *);
	struct cache_limits lim = defaults;
	struct cache *c;
	const struct cache_stats *st;
	unsigned total = 2000;

	(void)state;
	/* room for a 256-bucket table and 260 entries: at 257 entries
	 * the table would double, but 512 more buckets take more than
	 * the room of the 3 entries left */
	lim.budget = 256 * ptr + 260 * s;
	c = new_cache(&lim);
	st = cache_stats(c);
	for (unsigned i = 0; i < total; i++) {
		assert_int_equal(insert_host(c, i), 1);
		cache_check(c);
		assert_true(st->bytes <= lim.budget);
		/* a table fuller than load factor 1 had no room to grow */
		if (st->entries > cache_buckets(c) && !rehashing(c))
			assert_true(st->bytes + 2 * cache_buckets(c) * ptr >
			    lim.budget);
	}
	/* the table stopped at 256 buckets, the old one kept: growing
	 * never evicts */
	assert_int_equal(cache_buckets(c), 256);
	assert_int_equal(st->entries, 260);
	assert_int_equal(st->bytes, lim.budget);
	/* LRU: exactly the newest 260 are left */
	assert_int_equal(st->evictions, total - 260);
	for (unsigned i = 0; i < total; i++)
		assert_int_equal(host_cached(c, i), i >= total - 260);
	cache_free(c);
}

static void
test_cache_refuses_budget_smaller_than_buckets(void **state)
{
	struct cache_limits lim = defaults;

	(void)state;
	lim.budget = 64;
	assert_null(cache_new(&lim, 1));
}

/* --- randomized, against a naive model ---------------------------------- */

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*, good enough and reproducible */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

#define NNAMES 300       /* names of a run */
#define NNAMES_MANY 3000 /* ... of a run whose table grows */

struct model {
	bool present;
	uint32_t stored, life;
	uint8_t tag;
};

/*
 * 20000 random inserts, lookups and clock moves over nnames names, with
 * TTLs up to max_ttl; returns the most buckets the table had.
 */
static size_t
random_run(uint64_t seed, size_t budget, uint32_t stale_limit, unsigned nnames,
    uint32_t max_ttl)
{
	struct cache_limits lim = defaults;
	struct model *mod = calloc(nnames, sizeof(*mod));
	struct cache *c;
	uint32_t now = 1;
	uint8_t out[4096];
	size_t buckets = 0;

	assert_non_null(mod);
	rng = seed;
	lim.budget = budget;
	lim.stale_limit = stale_limit;
	c = new_cache(&lim);
	for (unsigned step = 0; step < 20000; step++) {
		unsigned i = rnd(nnames), op = rnd(10);
		char name[64];
		uint8_t kb[WIRE_MAX_NAME];
		struct cache_key k;
		const struct cache_entry *e;
		enum cache_state s;
		struct msg m;

		snprintf(name, sizeof(name), "n%u.%s.test", i,
		    (i & 1) ? "Odd" : "even");
		k = key(name, WIRE_T_A, kb);
		if (op < 4) {
			uint32_t ttl = rnd(5) == 0 ? 0 : 1 + rnd(max_ttl);
			uint8_t tag = (uint8_t)rnd(256);

			start(&m, name, WIRE_T_A, WIRE_NOERROR);
			rr_a(&m, 0, ttl, tag);
			finish(&m);
			int r = cache_insert(c, &k, m.b, m.len, now, NULL);
			assert_int_equal(r, ttl > 0 ? 1 : 0);
			if (ttl > 0)
				mod[i] = (struct model){ true, now, ttl, tag };
		} else if (op < 9) {
			s = cache_lookup(c, &k, now, &e);
			uint32_t age = now - mod[i].stored;
			bool fresh = mod[i].present && age < mod[i].life;
			bool stale = mod[i].present && !fresh &&
			    age < mod[i].life + stale_limit;

			if (budget >= (1u << 20)) {
				/* no eviction: the model is exact */
				assert_int_equal(s,
				    fresh       ? CACHE_FRESH
					: stale ? CACHE_STALE
						: CACHE_MISS);
			} else if (s != CACHE_MISS) {
				/* evictions allowed, lies are not */
				assert_true(mod[i].present);
				assert_int_equal(s,
				    fresh ? CACHE_FRESH : CACHE_STALE);
			}
			if (s != CACHE_MISS) {
				size_t n = cache_answer(e, now, 9, kb,
				    k.name_len, out, sizeof(out));
				uint32_t ttls[2];

				assert_true(n > 0);
				answer_ttls(out, n, ttls, 2);
				assert_int_equal(out[n - 1], mod[i].tag);
				if (s == CACHE_FRESH)
					assert_int_equal(ttls[0],
					    mod[i].life - age);
				else
					assert_int_equal(ttls[0],
					    CACHE_STALE_TTL);
			}
			if (!fresh && !stale)
				mod[i].present = false;
		} else {
			now += 1 + rnd(30);
		}
		cache_check(c);
		assert_true(cache_stats(c)->bytes <= budget);
		if (cache_buckets(c) > buckets)
			buckets = cache_buckets(c);
	}
	cache_free(c);
	free(mod);
	return buckets;
}

static uint64_t
test_seed(void)
{
	const char *s = getenv("ROOST_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : 0x726f6f7374ULL;
}

static void
test_cache_random_run_matches_model(void **state)
{
	uint64_t seed = test_seed();

	(void)state;
	print_message("cache random run: seed 0x%016" PRIx64 "\n", seed);
	random_run(seed, 1 << 20, 0, NNAMES, 120);
	random_run(seed + 1, 1 << 20, 60, NNAMES, 120);
}

static void
test_cache_random_run_while_the_table_grows_matches_model(void **state)
{
	uint64_t seed = test_seed() + 2;

	(void)state;
	print_message("cache random run (growing): seed 0x%016" PRIx64 "\n",
	    seed);
	/* long TTLs: thousands of entries at once, the table doubling
	 * between (and during) lookups; cache_check() after each step
	 * verifies both tables */
	assert_true(random_run(seed, 1 << 20, 0, NNAMES_MANY, 80000) >=
	    16 * CACHE_TABLE_MIN);
}

static void
test_cache_random_run_tiny_budget_never_lies(void **state)
{
	uint64_t seed = test_seed();

	(void)state;
	print_message("cache random run (8 KiB): seed 0x%016" PRIx64 "\n",
	    seed);
	random_run(seed, 8192, 30, NNAMES, 120);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_positive_lives_for_smallest_ttl),
		cmocka_unit_test(
		    test_cache_keeps_extended_errors_with_the_entry),
		cmocka_unit_test(
		    test_cache_served_ttls_drop_by_elapsed_seconds),
		cmocka_unit_test(
		    test_cache_lookup_ignores_case_and_answers_in_clients_spelling),
		cmocka_unit_test(test_cache_key_separates_type_and_do_cd_bits),
		cmocka_unit_test(
		    test_cache_minimal_keeps_answer_section_unless_do),
		cmocka_unit_test(test_cache_clamps_min_and_max_ttl),
		cmocka_unit_test(
		    test_cache_ttl_zero_and_top_bit_are_not_stored),
		cmocka_unit_test(test_cache_negative_lives_for_soa_minimum),
		cmocka_unit_test(test_cache_negative_without_soa_is_not_stored),
		cmocka_unit_test(
		    test_cache_max_negative_ttl_clamps_negative_only),
		cmocka_unit_test(test_cache_stale_entry_within_limit_then_gone),
		cmocka_unit_test(test_cache_evicts_least_recently_used_first),
		cmocka_unit_test(
		    test_cache_flush_name_removes_every_variant_of_one_name),
		cmocka_unit_test(
		    test_cache_flush_zone_removes_a_subtree_and_nothing_else),
		cmocka_unit_test(
		    test_cache_flush_failures_keeps_only_answers_with_records),
		cmocka_unit_test(
		    test_cache_flush_in_slices_meets_every_entry_once),
		cmocka_unit_test(
		    test_cache_walk_sees_each_entry_once_across_slices),
		cmocka_unit_test(test_cache_restore_keeps_age_and_lifetime),
		cmocka_unit_test(
		    test_cache_restore_rejects_what_does_not_fit_its_view),
		cmocka_unit_test(
		    test_cache_byte_budget_holds_under_a_stream_of_names),
		cmocka_unit_test(
		    test_cache_chains_stay_bounded_with_few_buckets),
		cmocka_unit_test(
		    test_cache_refuses_budget_smaller_than_buckets),
		cmocka_unit_test(test_cache_table_grows_with_entries),
		cmocka_unit_test(
		    test_cache_walk_sees_each_entry_once_while_the_table_grows),
		cmocka_unit_test(
		    test_cache_flush_in_slices_meets_every_entry_once_while_the_table_grows),
		cmocka_unit_test(
		    test_cache_costs_at_most_150_bytes_a_name_whatever_the_budget),
		cmocka_unit_test(
		    test_cache_small_budget_evicts_oldest_and_grows_only_into_free_bytes),
		cmocka_unit_test(test_cache_random_run_matches_model),
		cmocka_unit_test(
		    test_cache_random_run_while_the_table_grows_matches_model),
		cmocka_unit_test(test_cache_random_run_tiny_budget_never_lies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
