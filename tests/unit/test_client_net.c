/*
 * tests/unit/test_client_net.c - the server addresses `roost query`
 * takes: src/common's ADDR#PORT syntax, plus the two spellings only the
 * command line accepts ("A.B.C.D:PORT", "[V6]#PORT").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "addr.h"
#include "net.h"

/* text parses, with default port 53, to what addr_str() prints as want */
static void
parses_as(const char *text, const char *want)
{
	char err[256] = "", got[ADDR_STRLEN];
	struct addr a;

	if (net_addr_parse(text, 53, &a, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	assert_string_equal(addr_str(&a, got, sizeof(got)), want);
}

static void
refused(const char *text, const char *why)
{
	char err[256] = "";
	struct addr a;

	assert_int_equal(net_addr_parse(text, 53, &a, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", text, err, why);
}

static void
test_client_net_addr_spellings(void **state)
{
	(void)state;
	parses_as("127.0.0.1", "127.0.0.1#53");
	parses_as("127.0.0.2#5300", "127.0.0.2#5300");
	parses_as("127.0.0.2:5300", "127.0.0.2#5300");
	parses_as("::1", "::1#53");
	parses_as("::1#5300", "::1#5300");
	parses_as("[::1]:5300", "::1#5300");
	parses_as("[::1]#5300", "::1#5300");
	parses_as("[::1]", "::1#53");
	parses_as("[::ffff:127.0.0.1]:53", "::ffff:127.0.0.1#53");
}

static void
test_client_net_addr_refused(void **state)
{
	(void)state;
	refused("", "empty");
	refused("localhost", "not a numeric");
	refused("127.0.0.1:0", "port must be 1..65535");
	refused("127.0.0.1#65536", "port must be 1..65535");
	refused("[::1]x", "after \"]\"");
	refused("[::1", "missing \"]\"");
	refused("1.2.3.4:53:53", "not a numeric");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_net_addr_spellings),
		cmocka_unit_test(test_client_net_addr_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
