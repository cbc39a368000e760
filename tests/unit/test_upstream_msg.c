/*
 * tests/unit/test_upstream_msg.c - the upstream query builder and answer
 * check: DNS 0x20 spelling, and every reason an answer is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "upstream.h"
#include "wire.h"

/* 3www7example4test0 (uppercase in the input: built lower-cased) */
static const uint8_t name[] = { 3, 'W', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p',
	'l', 'e', 4, 't', 'e', 's', 't', 0 };

static const struct upstream_question question = {
	.name = name,
	.name_len = sizeof(name),
	.qtype = WIRE_T_A,
	.qclass = WIRE_C_IN,
};

/* The query (id 0x4242), and an answer echoing it: QR set, no records. */
static size_t
build(const uint8_t *bits, uint8_t *q, uint8_t *a)
{
	size_t n = upstream_query_build(&question, 0x4242, bits, q, 512);

	assert_true(n > 0);
	memcpy(a, q, n);
	a[2] |= 0x80; /* QR */
	return n;
}

static enum upstream_verdict
check(const uint8_t *q, size_t n, const uint8_t *a, bool exact)
{
	struct wire_msg m;

	return upstream_answer_check(q, n, a, n, exact, &m);
}

static void
test_upstream_query_lower_without_0x20(void **state)
{
	uint8_t q[512], a[512];
	size_t n;

	(void)state;
	n = build(NULL, q, a);
	assert_memory_equal(q + WIRE_HDR_LEN, "\3www\7example\4test", 18);
	assert_int_equal(wire_get16(q), 0x4242);
	assert_int_equal(check(q, n, a, false), UPSTREAM_ANSWER_OK);
}

static void
test_upstream_query_0x20_flips_letters_only(void **state)
{
	uint8_t bits[UPSTREAM_CASE_BITS], q[512], a[512];

	(void)state;
	assert_int_equal(upstream_name_letters(&question), 14);
	memset(bits, 0xff, sizeof(bits));
	build(bits, q, a);
	/* every letter upper case; length octets untouched */
	assert_memory_equal(q + WIRE_HDR_LEN, "\3WWW\7EXAMPLE\4TEST", 18);
	memset(bits, 0, sizeof(bits));
	bits[0] = 0x05; /* letters 0 and 2: w and w */
	build(bits, q, a);
	assert_memory_equal(q + WIRE_HDR_LEN, "\3WwW\7example\4test", 18);
}

static void
test_upstream_answer_0x20_needs_exact_case(void **state)
{
	uint8_t bits[UPSTREAM_CASE_BITS] = { 0x5a, 0x3c }, q[512], a[512];
	size_t n;

	(void)state;
	n = build(bits, q, a);
	assert_int_equal(check(q, n, a, true), UPSTREAM_ANSWER_OK);
	a[WIRE_HDR_LEN + 1] ^= 0x20; /* one letter in the other case */
	assert_int_equal(check(q, n, a, true), UPSTREAM_BAD_CASE);
	/* without 0x20 the case does not matter */
	assert_int_equal(check(q, n, a, false), UPSTREAM_ANSWER_OK);
}

static void
test_upstream_answer_refusals(void **state)
{
	uint8_t q[512], a[512], b[512];
	size_t n;

	(void)state;
	n = build(NULL, q, a);
	memcpy(b, a, n);
	b[1] ^= 1;
	assert_int_equal(check(q, n, b, false), UPSTREAM_BAD_ID);
	memcpy(b, a, n);
	b[WIRE_HDR_LEN + 1] = 'x';
	assert_int_equal(check(q, n, b, false), UPSTREAM_BAD_QUESTION);
	memcpy(b, a, n);
	b[WIRE_HDR_LEN + sizeof(name) + 1] = 28; /* AAAA */
	assert_int_equal(check(q, n, b, false), UPSTREAM_BAD_QUESTION);
	memcpy(b, a, n);
	b[3] |= WIRE_REFUSED;
	assert_int_equal(check(q, n, b, false), UPSTREAM_BAD_RCODE);
	memcpy(b, a, n);
	b[2] |= 0x02; /* TC */
	assert_int_equal(check(q, n, b, false), UPSTREAM_TRUNCATED);
	memcpy(b, a, n);
	b[2] &= 0x7f; /* a query, not a response */
	assert_int_equal(check(q, n, b, false), UPSTREAM_BAD_MSG);
	assert_int_equal(check(q, n, a, false), UPSTREAM_ANSWER_OK);
}

static const struct upstream_cookie cookie = {
	.client = { 1, 2, 3, 4, 5, 6, 7, 8 },
	.server = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
	    0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf },
	.server_len = 16,
};

static void
test_upstream_query_pad_fills_blocks_of_128(void **state)
{
	uint8_t q[1024], zeros[128] = { 0 };
	size_t n, m;
	struct wire_msg msg;
	struct wire_opt_iter it;
	struct wire_opt o;

	(void)state;
	n = upstream_query_build(&question, 0x4242, NULL, q, sizeof(q));
	m = upstream_query_pad(q, n, sizeof(q), 128);
	assert_int_equal(m % 128, 0);
	assert_true(m > n);
	assert_int_equal(wire_parse_msg(q, m, &msg, NULL, 0), WIRE_OK);
	assert_true(msg.edns.present);
	it = (struct wire_opt_iter){ q + msg.edns.opts_off, msg.edns.opts_len };
	/* RFC 7828: an empty keepalive asks for the server's timeout */
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, WIRE_OPT_KEEPALIVE);
	assert_int_equal(o.len, 0);
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, WIRE_OPT_PADDING);
	assert_int_equal(o.len, m - n - 8);
	assert_memory_equal(o.data, zeros, o.len);
	assert_false(wire_opt_next(&it, &o));
	/* padded once only: the OPT is no longer empty */
	assert_int_equal(upstream_query_pad(q, m, sizeof(q), 128), 0);
	/* a block that is met exactly needs an empty padding option */
	for (size_t block = 16; block <= 512; block *= 2) {
		n = upstream_query_build(&question, 1, NULL, q, sizeof(q));
		m = upstream_query_pad(q, n, sizeof(q), block);
		assert_int_equal(m % block, 0);
		assert_true(m - n >= 8 && m - n < 8 + block);
	}
	/* no room */
	n = upstream_query_build(&question, 1, NULL, q, sizeof(q));
	assert_int_equal(upstream_query_pad(q, n, n + 8, 128), 0);
}

static void
test_upstream_query_cookie_goes_in_the_opt(void **state)
{
	struct upstream_cookie fresh = cookie;
	uint8_t q[512];
	size_t n, m;
	struct wire_msg msg;
	struct wire_opt_iter it;
	struct wire_opt o;

	(void)state;
	n = upstream_query_build(&question, 0x4242, NULL, q, sizeof(q));
	/* with the server cookie learnt */
	m = upstream_query_cookie(q, n, sizeof(q), &cookie);
	assert_int_equal(m, n + 4 + 8 + 16);
	assert_int_equal(wire_parse_msg(q, m, &msg, NULL, 0), WIRE_OK);
	assert_true(msg.edns.present);
	it = (struct wire_opt_iter){ q + msg.edns.opts_off, msg.edns.opts_len };
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, WIRE_OPT_COOKIE);
	assert_int_equal(o.len, 24);
	assert_memory_equal(o.data, cookie.client, 8);
	assert_memory_equal(o.data + 8, cookie.server, 16);
	assert_false(wire_opt_next(&it, &o));
	/* a query that has one already does not get a second */
	assert_int_equal(upstream_query_cookie(q, m, sizeof(q), &cookie), 0);
	/* before any: the client cookie alone */
	fresh.server_len = 0;
	n = upstream_query_build(&question, 0x4242, NULL, q, sizeof(q));
	m = upstream_query_cookie(q, n, sizeof(q), &fresh);
	assert_int_equal(m, n + 12);
	assert_int_equal(wire_parse_msg(q, m, &msg, NULL, 0), WIRE_OK);
	assert_int_equal(msg.edns.opts_len, 12);
	/* no room: nothing */
	n = upstream_query_build(&question, 0x4242, NULL, q, sizeof(q));
	assert_int_equal(upstream_query_cookie(q, n, n + 11, &fresh), 0);
}

/* The answer to q with a COOKIE option of olen octets (client, then
 * server), rcode rc (extended part in the OPT); its length. */
static size_t
answer_with_cookie(const uint8_t *q, size_t n, uint8_t *a, const uint8_t *opt,
    size_t olen, unsigned rc)
{
	size_t len = n;

	memcpy(a, q, n);
	a[2] |= 0x80;
	a[3] = (uint8_t)((a[3] & 0xf0) | (rc & 0x0f));
	a[n - WIRE_OPT_LEN + 5] = (uint8_t)(rc >> 4); /* the OPT's ext rcode */
	if (opt != NULL) {
		assert_int_equal(
		    wire_opt_put(a, 512, &len, WIRE_OPT_COOKIE, opt, olen),
		    WIRE_OK);
		wire_put16(a + n - 2, (uint16_t)(len - n));
	}
	return len;
}

/* upstream_answer_cookie() on a (via upstream_answer_check()'s parse) */
static enum upstream_cookie_verdict
cookie_of(const uint8_t *a, size_t len, uint8_t *server, size_t *slen,
    bool *bad)
{
	struct wire_msg m;

	assert_int_equal(wire_parse_msg(a, len, &m, NULL, 0), WIRE_OK);
	return upstream_answer_cookie(a, &m, cookie.client, server, slen, bad);
}

static void
test_upstream_answer_cookie_checked(void **state)
{
	uint8_t q[512], a[512], opt[48], server[UPSTREAM_COOKIE_SERVER_MAX];
	size_t n, len, slen = 0;
	struct wire_msg m;
	bool bad;

	(void)state;
	n = upstream_query_build(&question, 0x4242, NULL, q, sizeof(q));
	memcpy(opt, cookie.client, 8);
	memset(opt + 8, 0x5c, 40);
	/* ours, with a 16-octet server cookie */
	len = answer_with_cookie(q, n, a, opt, 24, WIRE_NOERROR);
	assert_int_equal(upstream_answer_check(q, n, a, len, false, &m),
	    UPSTREAM_ANSWER_OK);
	/* on the check's own parse, as upstream.c does */
	assert_int_equal(
	    upstream_answer_cookie(a, &m, cookie.client, server, &slen, &bad),
	    UPSTREAM_COOKIE_OK);
	assert_int_equal(slen, 16);
	assert_int_equal(server[15], 0x5c);
	assert_false(bad);
	/* 8 and 32 octets of server cookie: the bounds */
	len = answer_with_cookie(q, n, a, opt, 16, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_OK);
	len = answer_with_cookie(q, n, a, opt, 40, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_OK);
	assert_int_equal(slen, 32);
	/* too short, too long, another client's */
	len = answer_with_cookie(q, n, a, opt, 15, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_BAD);
	len = answer_with_cookie(q, n, a, opt, 8, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_BAD);
	len = answer_with_cookie(q, n, a, opt, 41, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_BAD);
	opt[0] ^= 1;
	len = answer_with_cookie(q, n, a, opt, 24, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_BAD);
	opt[0] ^= 1;
	/* none: a server without cookies */
	len = answer_with_cookie(q, n, a, NULL, 0, WIRE_NOERROR);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_NONE);
	/* BADCOOKIE (23: 7 in the header, 1 in the OPT) */
	len = answer_with_cookie(q, n, a, opt, 24, WIRE_BADCOOKIE);
	assert_int_equal(upstream_answer_check(q, n, a, len, false, &m),
	    UPSTREAM_BAD_RCODE);
	assert_int_equal(cookie_of(a, len, server, &slen, &bad),
	    UPSTREAM_COOKIE_OK);
	assert_true(bad);
}

static void
test_upstream_answer_compressed_question_refused(void **state)
{
	/* the question name a pointer to a copy of it further on */
	uint8_t q[512], a[512];
	size_t n, alen;
	struct wire_msg m;

	(void)state;
	n = build(NULL, q, a);
	alen = 0;
	memcpy(a, q, WIRE_HDR_LEN);
	a[2] |= 0x80;
	a[10] = a[11] = 0; /* no OPT */
	alen = WIRE_HDR_LEN;
	a[alen++] = 0xc0;
	a[alen++] = (uint8_t)(WIRE_HDR_LEN + 6);
	wire_put16(a + alen, WIRE_T_A);
	wire_put16(a + alen + 2, WIRE_C_IN);
	alen += 4;
	memcpy(a + alen, q + WIRE_HDR_LEN, sizeof(name));
	alen += sizeof(name);
	assert_int_not_equal(upstream_answer_check(q, n, a, alen, false, &m),
	    UPSTREAM_ANSWER_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_query_lower_without_0x20),
		cmocka_unit_test(test_upstream_query_0x20_flips_letters_only),
		cmocka_unit_test(test_upstream_answer_0x20_needs_exact_case),
		cmocka_unit_test(test_upstream_answer_refusals),
		cmocka_unit_test(test_upstream_query_pad_fills_blocks_of_128),
		cmocka_unit_test(test_upstream_query_cookie_goes_in_the_opt),
		cmocka_unit_test(test_upstream_answer_cookie_checked),
		cmocka_unit_test(
		    test_upstream_answer_compressed_question_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
