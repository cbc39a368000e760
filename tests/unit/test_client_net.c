/*
 * tests/unit/test_client_net.c - the server addresses `roost query`
 * takes: src/common's ADDR#PORT syntax, plus the two spellings only the
 * command line accepts ("A.B.C.D:PORT", "[V6]#PORT"); and the kinds
 * addresses are labelled with (addr_kind()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

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

/* text (numeric IPv4 or IPv6) is of kind want */
static void
kind_is(const char *text, const char *want)
{
	uint8_t b[16];
	int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, text, b), 1);
	if (strcmp(addr_kind(family, b), want) != 0)
		fail_msg("%s: %s, not %s", text, addr_kind(family, b), want);
}

static void
test_client_addr_kinds_at_their_edges(void **state)
{
	static const char *const cases[][2] = {
		{ "0.1.2.3", "this-network" },
		{ "1.0.0.0", "global" },
		{ "9.255.255.255", "global" },
		{ "10.0.0.0", "private" },
		{ "10.255.255.255", "private" },
		{ "11.0.0.0", "global" },
		{ "100.63.255.255", "global" },
		{ "100.64.0.0", "shared" },
		{ "100.127.255.255", "shared" },
		{ "100.128.0.0", "global" },
		{ "127.0.0.1", "loopback" },
		{ "127.255.0.9", "loopback" },
		{ "169.254.1.1", "link-local" },
		{ "169.253.1.1", "global" },
		{ "172.15.255.255", "global" },
		{ "172.16.0.0", "private" },
		{ "172.31.255.255", "private" },
		{ "172.32.0.0", "global" },
		{ "192.0.2.7", "documentation" },
		{ "192.0.3.7", "global" },
		{ "192.167.1.1", "global" },
		{ "192.168.1.5", "private" },
		{ "198.51.100.1", "documentation" },
		{ "203.0.113.255", "documentation" },
		{ "224.0.0.251", "multicast" },
		{ "239.255.255.255", "multicast" },
		{ "240.0.0.1", "reserved" },
		{ "255.255.255.255", "broadcast" },
		{ "::", "unspecified" },
		{ "::1", "loopback" },
		{ "::2", "global" },
		{ "fe80::1", "link-local" },
		{ "febf::1", "link-local" },
		{ "fec0::1", "global" },
		{ "fc00::1", "unique-local" },
		{ "fd12:3456::1", "unique-local" },
		{ "fe00::1", "global" },
		{ "2001:db8::1", "documentation" },
		{ "2001:db9::1", "global" },
		{ "2606:4700::1111", "global" },
		{ "ff02::fb", "multicast" },
		{ "64:ff9b::192.0.2.1", "nat64" },
		{ "::ffff:192.168.0.1", "private" },
		{ "::ffff:8.8.8.8", "global" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		kind_is(cases[i][0], cases[i][1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_net_addr_spellings),
		cmocka_unit_test(test_client_net_addr_refused),
		cmocka_unit_test(test_client_addr_kinds_at_their_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
