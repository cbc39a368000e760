/*
 * tests/unit/test_client_args.c - the client's option values: seconds to
 * milliseconds (rounding, the 1 ms floor, the one-hour cap) and bounded
 * integers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "args.h"

static void
test_args_seconds_converts_fractions_to_ms(void **state)
{
	int ms = 0;

	(void)state;
	assert_int_equal(args_parse_seconds("1.5", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(args_parse_seconds("0.2", &ms), 0);
	assert_int_equal(ms, 200);
	assert_int_equal(args_parse_seconds("3600", &ms), 0);
	assert_int_equal(ms, 3600000);
}

static void
test_args_seconds_rounds_to_nearest_ms_at_least_one(void **state)
{
	int ms = 0;

	(void)state;
	assert_int_equal(args_parse_seconds("0.0016", &ms), 0);
	assert_int_equal(ms, 2);
	assert_int_equal(args_parse_seconds("0.0001", &ms), 0);
	assert_int_equal(ms, 1);
}

static void
test_args_seconds_rejects_zero_negative_huge_and_junk(void **state)
{
	const char *bad[] = { "", "0", "-1", "3600.5", "1e9", "1.5s", "abc",
		"nan", " " };
	int ms = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(args_parse_seconds(bad[i], &ms), -1);
		assert_int_equal(ms, 42); /* untouched on failure */
	}
}

static void
test_args_int_accepts_the_bounds(void **state)
{
	int v = 0;

	(void)state;
	assert_int_equal(args_parse_int("1", 1, 65535, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(args_parse_int("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
}

static void
test_args_int_rejects_out_of_range_and_trailing_text(void **state)
{
	const char *bad[] = { "", "0", "11", "-3", "5x", "2 ",
		"99999999999999999999" };
	int v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(args_parse_int(bad[i], 1, 10, &v), -1);
		assert_int_equal(v, 7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_seconds_converts_fractions_to_ms),
		cmocka_unit_test(
		    test_args_seconds_rounds_to_nearest_ms_at_least_one),
		cmocka_unit_test(
		    test_args_seconds_rejects_zero_negative_huge_and_junk),
		cmocka_unit_test(test_args_int_accepts_the_bounds),
		cmocka_unit_test(
		    test_args_int_rejects_out_of_range_and_trailing_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
