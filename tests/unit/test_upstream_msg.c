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
	bool has_opt;

	return upstream_answer_check(q, n, a, n, exact, &has_opt);
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

static void
test_upstream_answer_compressed_question_refused(void **state)
{
	/* the question name a pointer to a copy of it further on */
	uint8_t q[512], a[512];
	size_t n, alen;
	bool has_opt;

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
	assert_int_not_equal(
	    upstream_answer_check(q, n, a, alen, false, &has_opt),
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
		cmocka_unit_test(
		    test_upstream_answer_compressed_question_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
