/*
 * tests/unit/test_server.c - the server syntax: addresses with their TLS
 * words, the list items of sources, the policy settling each server's
 * transport and port, and printing back what was parsed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

#define ERRLEN 512
/* base64 of 32 octets 0x00..0x1f */
#define PIN "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static struct server
parse_ok(const char *text)
{
	struct server s;
	char err[ERRLEN];

	if (server_parse(text, &s, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	return s;
}

static void
parse_fails(const char *text, const char *why)
{
	struct server s;
	char err[ERRLEN] = "";

	assert_int_equal(server_parse(text, &s, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", text, err, why);
}

static const char *
str(const struct server *s)
{
	static char buf[SERVER_STRLEN];

	return server_str(s, buf, sizeof(buf));
}

static void
test_server_plain_address_waits_for_the_policy(void **state)
{
	struct server s = parse_ok("192.0.2.1");

	(void)state;
	assert_int_equal(s.tls, SERVER_TLS_UNSET);
	assert_false(s.port_given);
	server_settle(&s, SERVER_TLS_UNSET);
	assert_int_equal(s.tls, SERVER_TLS_NO);
	assert_string_equal(str(&s), "192.0.2.1#53");

	s = parse_ok("192.0.2.1");
	server_settle(&s, SERVER_TLS_STRICT);
	assert_true(server_uses_tls(&s));
	assert_string_equal(str(&s), "192.0.2.1#853");
	/* settling again changes nothing */
	server_settle(&s, SERVER_TLS_NO);
	assert_int_equal(s.tls, SERVER_TLS_STRICT);
	assert_string_equal(str(&s), "192.0.2.1#853");

	s = parse_ok("192.0.2.1");
	server_settle(&s, SERVER_TLS_OPPORTUNISTIC);
	assert_string_equal(str(&s), "192.0.2.1#853");
	{
		struct addr plain = server_plain_addr(&s);

		assert_int_equal(addr_port(&plain), 53);
	}
}

static void
test_server_given_port_stays(void **state)
{
	struct server s = parse_ok("192.0.2.1#5353");
	struct addr plain;

	(void)state;
	assert_true(s.port_given);
	server_settle(&s, SERVER_TLS_OPPORTUNISTIC);
	assert_string_equal(str(&s), "192.0.2.1#5353");
	plain = server_plain_addr(&s);
	assert_int_equal(addr_port(&plain), 5353);
	s = parse_ok("[2001:db8::1]:8853 tls-name=dns.example");
	assert_true(s.port_given);
	server_settle(&s, SERVER_TLS_NO);
	assert_string_equal(str(&s), "2001:db8::1#8853 tls-name=dns.example");
	s = parse_ok("[2001:db8::1]");
	assert_false(s.port_given);
}

static void
test_server_name_or_pin_makes_it_strict(void **state)
{
	struct server s = parse_ok("9.9.9.9 tls-name=dns.quad9.net.");

	(void)state;
	assert_int_equal(s.tls, SERVER_TLS_STRICT);
	assert_string_equal(s.tls_name, "dns.quad9.net");
	/* strict whatever the policy says, and on 853 */
	server_settle(&s, SERVER_TLS_NO);
	assert_int_equal(s.tls, SERVER_TLS_STRICT);
	assert_string_equal(str(&s), "9.9.9.9#853 tls-name=dns.quad9.net");

	s = parse_ok("9.9.9.9#853 tls-pin=" PIN);
	assert_int_equal(s.tls, SERVER_TLS_STRICT);
	assert_true(s.pinned);
	assert_int_equal(s.pin[0], 0);
	assert_int_equal(s.pin[31], 31);
	assert_string_equal(str(&s), "9.9.9.9#853 tls-pin=" PIN);
}

static void
test_server_prints_what_it_reads(void **state)
{
	static const char *const texts[] = {
		"192.0.2.1#53",
		"192.0.2.1#853 tls-name=a.example",
		"::1#853 tls-name=a.example tls-pin=" PIN,
		"10.0.0.1#8853 tls-pin=" PIN,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct server a = parse_ok(texts[i]), b;

		b = parse_ok(str(&a));
		assert_string_equal(str(&b), texts[i]);
		assert_true(server_equal(&a, &b));
	}
}

static void
test_server_bad_words_fail_with_why(void **state)
{
	(void)state;
	parse_fails("", "expected ADDR");
	parse_fails("dns.example", "bad address");
	parse_fails("0.0.0.0", "not a server's address");
	parse_fails("192.0.2.1 tls-name=", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=a..b", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=a_b.example", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=-a.example", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=a-.example", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=.", "bad tls-name");
	parse_fails("192.0.2.1 tls-name=a tls-name=b", "given twice");
	parse_fails("192.0.2.1 tls-pin=AAAA", "bad tls-pin");
	parse_fails("192.0.2.1 tls-pin=" PIN "x", "bad tls-pin");
	parse_fails(
	    "192.0.2.1 tls-pin=!AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	    "bad tls-pin");
	parse_fails("192.0.2.1 tls-pin=" PIN " tls-pin=" PIN, "given twice");
	parse_fails("192.0.2.1 tls=yes", "unknown word");
}

static void
test_server_items_take_resolved_names(void **state)
{
	struct server s;
	char err[ERRLEN], buf[SERVER_STRLEN];

	(void)state;
	assert_int_equal(
	    server_parse_item("9.9.9.9#dns.quad9.net", &s, err, sizeof(err)),
	    0);
	assert_string_equal(s.tls_name, "dns.quad9.net");
	assert_false(s.port_given);
	/* the name is for authentication; the policy still decides */
	assert_int_equal(s.tls, SERVER_TLS_UNSET);
	server_settle(&s, SERVER_TLS_OPPORTUNISTIC);
	assert_string_equal(server_item_str(&s, buf, sizeof(buf)),
	    "9.9.9.9#853#dns.quad9.net");
	assert_int_equal(server_parse_item("9.9.9.9#853#dns.quad9.net", &s, err,
			     sizeof(err)),
	    0);
	assert_true(s.port_given);
	assert_int_equal(addr_port(&s.addr), 853);
	assert_int_equal(
	    server_parse_item("[::1]:853#x.example", &s, err, sizeof(err)), 0);
	assert_int_equal(addr_port(&s.addr), 853);
	assert_string_equal(s.tls_name, "x.example");
	assert_int_equal(
	    server_parse_item("10.0.0.1#5353", &s, err, sizeof(err)), 0);
	assert_string_equal(s.tls_name, "");
	assert_int_equal(addr_port(&s.addr), 5353);
	assert_int_equal(
	    server_parse_item("10.0.0.1#bad_name", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad tls-name"));
}

static void
test_server_tls_policy_words(void **state)
{
	enum server_tls t;

	(void)state;
	assert_int_equal(server_tls_parse("no", &t), 0);
	assert_int_equal(t, SERVER_TLS_NO);
	assert_int_equal(server_tls_parse("opportunistic", &t), 0);
	assert_int_equal(t, SERVER_TLS_OPPORTUNISTIC);
	assert_int_equal(server_tls_parse("strict", &t), 0);
	assert_int_equal(t, SERVER_TLS_STRICT);
	assert_int_equal(server_tls_parse("yes", &t), 0);
	assert_int_equal(t, SERVER_TLS_STRICT);
	assert_int_equal(server_tls_parse("unset", &t), -1);
	assert_int_equal(server_tls_parse("maybe", &t), -1);
	assert_string_equal(server_tls_str(SERVER_TLS_OPPORTUNISTIC),
	    "opportunistic");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_server_plain_address_waits_for_the_policy),
		cmocka_unit_test(test_server_given_port_stays),
		cmocka_unit_test(test_server_name_or_pin_makes_it_strict),
		cmocka_unit_test(test_server_prints_what_it_reads),
		cmocka_unit_test(test_server_bad_words_fail_with_why),
		cmocka_unit_test(test_server_items_take_resolved_names),
		cmocka_unit_test(test_server_tls_policy_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
