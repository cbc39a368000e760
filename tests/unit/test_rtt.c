/*
 * tests/unit/test_rtt.c - an upstream's round-trip times: the histogram's
 * buckets are ordered and within 25%, its percentiles, and the SRTT's
 * smoothing, penalty cap and decay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rtt.h"

static void
test_rtt_buckets_are_ordered_and_within_25_percent(void **state)
{
	struct rtt_hist h = { 0 };

	(void)state;
	for (uint32_t v = 0; v < 4; v++) {
		assert_int_equal(rtt_bucket(v), v);
		assert_int_equal(rtt_bucket_max(v), v);
	}
	for (uint32_t v = 1; v < 200000; v++) {
		unsigned b = rtt_bucket(v);

		assert_true(b >= rtt_bucket(v - 1));
		assert_true(rtt_bucket_max(b) >= v);
		assert_true(b == 0 || rtt_bucket_max(b - 1) < v);
		if (b < RTT_BUCKETS - 1)
			assert_true(rtt_bucket_max(b) <= v + v / 4);
	}
	assert_int_equal(rtt_bucket(UINT32_MAX), RTT_BUCKETS - 1);
	/* 98 fast (1 ms), one at 300 ms, one at 1000 ms */
	assert_int_equal(rtt_percentile(&h, 50), 0);
	for (int i = 0; i < 98; i++)
		rtt_hist_record(&h, 1);
	rtt_hist_record(&h, 300);
	rtt_hist_record(&h, 1000);
	assert_int_equal(h.samples, 100);
	assert_int_equal(h.sum_ms, 98 + 300 + 1000);
	assert_int_equal(rtt_percentile(&h, 50), 1);
	assert_int_equal(rtt_percentile(&h, 90), 1);
	assert_int_equal(rtt_percentile(&h, 99),
	    rtt_bucket_max(rtt_bucket(300)));
	assert_int_equal(rtt_percentile(&h, 100),
	    rtt_bucket_max(rtt_bucket(1000)));
}

static void
test_rtt_srtt_smooths_penalises_and_decays(void **state)
{
	struct rtt_srtt s = { 0 };
	uint64_t now = 1000;

	(void)state;
	assert_int_equal(rtt_srtt_now(&s, now), 0);
	rtt_srtt_sample(&s, now, 80); /* the first sample is taken whole */
	assert_int_equal(rtt_srtt_now(&s, now), 80);
	rtt_srtt_sample(&s, now, 160);
	assert_int_equal(rtt_srtt_now(&s, now), (80 * 7 + 160) / 8);
	rtt_srtt_penalise(&s, now, 1000); /* twice the timeout */
	assert_int_equal(rtt_srtt_now(&s, now), 2000);
	now += RTT_SRTT_HALFLIFE_MS;
	assert_int_equal(rtt_srtt_now(&s, now), 1000);
	for (int i = 0; i < 10; i++)
		rtt_srtt_penalise(&s, now, 1000);
	assert_int_equal(rtt_srtt_now(&s, now), RTT_SRTT_MAX_MS);
	now += 32 * (uint64_t)RTT_SRTT_HALFLIFE_MS;
	assert_int_equal(rtt_srtt_now(&s, now), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_rtt_buckets_are_ordered_and_within_25_percent),
		cmocka_unit_test(test_rtt_srtt_smooths_penalises_and_decays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
