/*
 * tests/unit/test_log.c - roostd's log (log.c): the rate limit's window
 * and its count of lines held back, as they reach stderr.  stderr is a
 * temporary file for the test's length; time is the caller's clock.
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

#include "log.h"

static char captured[8192];

/* Runs fn with stderr going to a file; its text into captured. */
static void
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
}

static void
burst(void)
{
	struct log_ratelimit rl = { 0 };
	uint64_t t = 1000;

	log_init("roostd", LOG_LEVEL_INFO);
	/* LOG_RATELIMIT_BURST lines, then 3 held back */
	for (int i = 0; i < LOG_RATELIMIT_BURST + 3; i++)
		log_warnx_limited(&rl, t, "line %d", i);
	/* the next window: the first line says how many were held back */
	t += LOG_RATELIMIT_INTERVAL_MS;
	log_warnx_limited(&rl, t, "later");
	log_warnx_limited(&rl, t, "again");
}

static void
test_log_limited_says_what_it_held_back_and_only_then(void **state)
{
	char want[1024];
	size_t n = 0;

	(void)state;
	capture(burst);
	for (int i = 0; i < LOG_RATELIMIT_BURST; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n,
		    "roostd: line %d\n", i);
	snprintf(want + n, sizeof(want) - n,
	    "roostd: later (3 more suppressed)\nroostd: again\n");
	assert_string_equal(captured, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_log_limited_says_what_it_held_back_and_only_then),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
