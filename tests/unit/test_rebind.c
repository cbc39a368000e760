/*
 * tests/unit/test_rebind.c - DNS rebinding protection's ranges and its
 * scan of an answer (rebind.c): each range's edges, IPv4-mapped IPv6,
 * and that only A and AAAA records of the answer section count.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rebind.h"
#include "wire.h"

static bool
priv(const char *text)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return rebind_is_private(a, 4);
	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
	return rebind_is_private(a, 16);
}

static void
test_rebind_ranges_and_their_edges(void **state)
{
	static const char *const yes[] = { "0.0.0.0", "10.0.0.1",
		"10.255.255.255", "100.64.0.1", "100.127.255.255", "127.0.0.1",
		"127.1.2.3", "169.254.1.1", "172.16.0.1", "172.31.255.255",
		"192.168.0.1", "192.168.255.255", "::", "::1", "fc00::1",
		"fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
		"::ffff:192.168.1.1", "::ffff:127.0.0.1" };
	static const char *const no[] = { "1.1.1.1", "9.255.255.255",
		"11.0.0.1", "100.63.255.255", "100.128.0.1", "126.255.255.255",
		"128.0.0.1", "169.253.1.1", "172.15.255.255", "172.32.0.1",
		"192.167.1.1", "192.169.0.1", "192.0.2.1", "8.8.8.8",
		"2001:db8::1", "::2", "fb00::1", "ff02::1", "2606:4700::1111",
		"::ffff:8.8.8.8" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!priv(yes[i]))
			fail_msg("%s: not taken as private", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (priv(no[i]))
			fail_msg("%s: taken as private", no[i]);
	assert_false(rebind_is_private((const uint8_t *)"\12\0\0", 3));
}

/* An answer for www.example.test with records of (section, type,
 * rdata) appended; returns its length. */
struct rec {
	enum wire_section sec;
	uint16_t type;
	const char *rdata;
	uint16_t rdlen;
};

static size_t
answer(uint8_t *buf, const struct rec *r, size_t n)
{
	static const uint8_t q[] = "\3www\7example\4test";
	size_t len = WIRE_HDR_LEN;
	unsigned count[3] = { 0, 0, 0 };

	memset(buf, 0, WIRE_HDR_LEN);
	wire_put16(buf + 2, WIRE_QR | WIRE_RD | WIRE_RA);
	wire_put16(buf + 4, 1);
	memcpy(buf + len, q, sizeof(q));
	len += sizeof(q);
	wire_put16(buf + len, WIRE_T_A);
	wire_put16(buf + len + 2, WIRE_C_IN);
	len += 4;
	for (size_t i = 0; i < n; i++) {
		wire_put16(buf + len, 0xc00c);
		wire_put16(buf + len + 2, r[i].type);
		wire_put16(buf + len + 4, WIRE_C_IN);
		wire_put32(buf + len + 6, 300);
		wire_put16(buf + len + 10, r[i].rdlen);
		memcpy(buf + len + 12, r[i].rdata, r[i].rdlen);
		len += 12u + r[i].rdlen;
		count[r[i].sec]++;
	}
	wire_put16(buf + 6, (uint16_t)count[0]);
	wire_put16(buf + 8, (uint16_t)count[1]);
	wire_put16(buf + 10, (uint16_t)count[2]);
	return len;
}

static void
test_rebind_scans_answer_addresses_only(void **state)
{
	uint8_t buf[512];
	size_t len, where;
	const struct rec pub[] = { { WIRE_SEC_ANSWER, WIRE_T_A,
	    "\xc6\x33\x64\x01", 4 } };
	const struct rec second[] = {
		{ WIRE_SEC_ANSWER, WIRE_T_A, "\xc6\x33\x64\x01", 4 },
		{ WIRE_SEC_ANSWER, WIRE_T_A, "\xc0\xa8\x01\x01", 4 },
	};
	const struct rec v6[] = { { WIRE_SEC_ANSWER, WIRE_T_AAAA,
	    "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16 } };
	const struct rec txt[] = { { WIRE_SEC_ANSWER, WIRE_T_TXT, "\3\12\0\1",
	    4 } };
	const struct rec extra[] = {
		{ WIRE_SEC_ANSWER, WIRE_T_A, "\xc6\x33\x64\x01", 4 },
		{ WIRE_SEC_ADDITIONAL, WIRE_T_A, "\12\0\0\1", 4 },
	};

	(void)state;
	len = answer(buf, pub, 1);
	assert_false(rebind_answer_private(buf, len, &where));
	len = answer(buf, second, 2);
	assert_true(rebind_answer_private(buf, len, &where));
	assert_memory_equal(buf + where, "\xc0\xa8\x01\x01", 4);
	len = answer(buf, v6, 1);
	assert_true(rebind_answer_private(buf, len, NULL));
	/* four octets of TXT that look like 10.0.0.1's are not an A */
	len = answer(buf, txt, 1);
	assert_false(rebind_answer_private(buf, len, NULL));
	/* glue in additional is not the answer */
	len = answer(buf, extra, 2);
	assert_false(rebind_answer_private(buf, len, NULL));
	/* broken input: nothing found, nothing read past the end */
	assert_false(rebind_answer_private(buf, 11, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebind_ranges_and_their_edges),
		cmocka_unit_test(test_rebind_scans_answer_addresses_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
