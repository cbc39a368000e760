/*
 * tests/unit/test_tryplan.c - the plan of one question's tries: SRTT
 * order, rounds that retry silence, upstreams that failed for good left
 * out, and the wait of each try doubling per round under the caps of
 * query-deadline and upstream-give-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tryplan.h"

static const struct tryplan_pace pace = {
	.timeout_ms = 100,
	.deadline_ms = 2000,
	.give_up_ms = 10000,
};

static void
test_tryplan_orders_by_srtt_ties_in_config_order(void **state)
{
	const uint32_t srtt[] = { 30, 10, 30, 0, 10 };
	struct tryplan p;

	(void)state;
	tryplan_init(&p, srtt, 5, 0);
	assert_int_equal(tryplan_next(&p, false), 3);
	assert_int_equal(tryplan_next(&p, false), 1);
	assert_int_equal(tryplan_next(&p, false), 4);
	assert_int_equal(tryplan_next(&p, false), 0);
	assert_int_equal(tryplan_next(&p, false), 2);
	/* the round is out: nothing until the wait is over */
	assert_int_equal(tryplan_next(&p, false), -1);
	assert_int_equal(p.round, 0);
}

static void
test_tryplan_silence_is_retried_in_rounds(void **state)
{
	const uint32_t srtt[] = { 0, 0 };
	struct tryplan p;

	(void)state;
	tryplan_init(&p, srtt, 2, 0);
	assert_int_equal(tryplan_next(&p, false), 0);
	assert_int_equal(tryplan_next(&p, true), 1);
	/* the wait of the last try of round 0 is over: round 1 */
	assert_int_equal(tryplan_next(&p, true), 0);
	assert_int_equal(p.round, 1);
	assert_int_equal(tryplan_next(&p, true), 1);
	assert_int_equal(tryplan_next(&p, true), 0);
	assert_int_equal(p.round, 2);
	assert_false(tryplan_exhausted(&p));
}

static void
test_tryplan_failed_upstreams_are_not_asked_again(void **state)
{
	const uint32_t srtt[] = { 0, 5, 9 };
	struct tryplan p;

	(void)state;
	tryplan_init(&p, srtt, 3, 0);
	assert_int_equal(tryplan_next(&p, false), 0);
	tryplan_fail(&p, 0); /* it answered REFUSED */
	assert_int_equal(tryplan_next(&p, false), 1);
	assert_int_equal(tryplan_next(&p, true), 2);
	/* round 1 skips upstream 0 */
	assert_int_equal(tryplan_next(&p, true), 1);
	tryplan_fail(&p, 2);
	assert_false(tryplan_exhausted(&p));
	/* 2 failed before its turn in round 1: the round ends after 1 */
	assert_int_equal(tryplan_next(&p, false), -1);
	assert_int_equal(tryplan_next(&p, true), 1);
	tryplan_fail(&p, 1);
	assert_true(tryplan_exhausted(&p));
	assert_int_equal(tryplan_next(&p, true), -1);
	assert_int_equal(tryplan_next(&p, false), -1);
}

static void
test_tryplan_wait_doubles_per_round_under_the_caps(void **state)
{
	const uint32_t srtt[] = { 0 };
	struct tryplan p;

	(void)state;
	tryplan_init(&p, srtt, 1, 1000);
	/* SRTT + upstream-timeout */
	assert_int_equal(tryplan_wait(&p, &pace, 20, 1000), 120);
	(void)tryplan_next(&p, false);
	(void)tryplan_next(&p, true);
	assert_int_equal(p.round, 1);
	assert_int_equal(tryplan_wait(&p, &pace, 20, 1100), 240);
	(void)tryplan_next(&p, true);
	assert_int_equal(tryplan_wait(&p, &pace, 20, 1300), 480);
	(void)tryplan_next(&p, true);
	/* 960 > a quarter of query-deadline while clients wait */
	assert_int_equal(tryplan_wait(&p, &pace, 20, 1800), 500);
	/* a penalised SRTT never leaves a client without a retry */
	assert_int_equal(tryplan_wait(&p, &pace, 9000, 1800), 500);
	/* past query-deadline: the slow pace, a quarter of give-up */
	assert_int_equal(tryplan_wait(&p, &pace, 20, 3000), 960);
	assert_int_equal(tryplan_wait(&p, &pace, 9000, 3000), 2500);
	/* a new client: the fast pace again */
	tryplan_hurry(&p, 3000);
	assert_int_equal(tryplan_wait(&p, &pace, 9000, 3000), 500);
	/* the shift stops at 16 rounds: no overflow */
	p.round = 1000;
	assert_int_equal(tryplan_wait(&p, &pace, UINT32_MAX, 3000), 500);
}

static void
test_tryplan_cap_is_never_below_upstream_timeout(void **state)
{
	const struct tryplan_pace tight = {
		.timeout_ms = 800,
		.deadline_ms = 1000,
		.give_up_ms = 1000,
	};
	const uint32_t srtt[] = { 0 };
	struct tryplan p;

	(void)state;
	tryplan_init(&p, srtt, 1, 0);
	p.round = 3;
	assert_int_equal(tryplan_wait(&p, &tight, 0, 0), 800);
	assert_int_equal(tryplan_wait(&p, &tight, 0, 5000), 800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_tryplan_orders_by_srtt_ties_in_config_order),
		cmocka_unit_test(test_tryplan_silence_is_retried_in_rounds),
		cmocka_unit_test(
		    test_tryplan_failed_upstreams_are_not_asked_again),
		cmocka_unit_test(
		    test_tryplan_wait_doubles_per_round_under_the_caps),
		cmocka_unit_test(
		    test_tryplan_cap_is_never_below_upstream_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
