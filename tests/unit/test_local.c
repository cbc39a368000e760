/*
 * tests/unit/test_local.c - the names roostd answers itself (local.c):
 * each built-in zone's answers, local-data and the three local-zone
 * kinds, precedence between them, CNAMEs inside the table, the
 * switches, and that a name of another tree passes untouched.  Every
 * answer is parsed back with wire_parse_msg() and checked record by
 * record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "local.h"
#include "wire.h"

#define ERRLEN 512
#define MAXRR 16

static void
set(struct config *c, const char *key, const char *value)
{
	char err[ERRLEN];

	if (config_set(c, key, value, err, sizeof(err)) != 0)
		fail_msg("%s = %s: %s", key, value, err);
}

/* One answer, parsed. */
struct ans {
	enum local_result r;
	uint8_t msg[WIRE_MAX_MSG];
	size_t len;
	struct wire_msg m;
	struct wire_rr rr[MAXRR];
	unsigned rcode;
};

static struct local_table *
table(struct config *c)
{
	char err[ERRLEN];
	struct local_table *t =
	    local_table_from_config(c, 42, err, sizeof(err));

	if (t == NULL)
		fail_msg("local_table_from_config: %s", err);
	return t;
}

/* Asks t NAME TYPE with id 0x1234, RD set; parses what comes back. */
static void
ask(const struct local_table *t, const char *name, uint16_t type, struct ans *a)
{
	struct wire_header qh = { .id = 0x1234,
		.flags = WIRE_RD,
		.qdcount = 1 };
	struct wire_question q = { .qtype = type, .qclass = WIRE_C_IN };

	assert_int_equal(wire_name_from_text(name, q.name, &q.name_len),
	    WIRE_OK);
	memset(a->msg, 0, 64);
	a->r = local_answer(t, &qh, &q, a->msg, sizeof(a->msg), &a->len);
	if (a->r == LOCAL_PASS)
		return;
	assert_int_equal(wire_parse_msg(a->msg, a->len, &a->m, a->rr, MAXRR),
	    WIRE_OK);
	assert_int_equal(a->m.hdr.id, 0x1234);
	assert_true(a->m.hdr.flags & WIRE_QR);
	assert_true(a->m.hdr.flags & WIRE_AA);
	assert_true(a->m.hdr.flags & WIRE_RD);
	assert_int_equal(a->m.hdr.qdcount, 1);
	/* the question as asked */
	assert_memory_equal(a->msg + WIRE_HDR_LEN, q.name, q.name_len);
	assert_int_equal(wire_get16(a->msg + WIRE_HDR_LEN + q.name_len), type);
	a->rcode = WIRE_RCODE(a->m.hdr.flags);
}

/* The owner of record i as text. */
static const char *
owner(const struct ans *a, unsigned i)
{
	static char text[WIRE_MAX_NAME_TEXT];
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(
	    wire_read_name(a->msg, a->len, a->rr[i].off, name, &len, NULL),
	    WIRE_OK);
	wire_name_to_text(name, len, text, sizeof(text));
	return text;
}

/* The rdata of record i, a name, as text. */
static const char *
rdata_name(const struct ans *a, unsigned i)
{
	static char text[WIRE_MAX_NAME_TEXT];
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(wire_read_name(a->msg, a->len, a->rr[i].rdata_off,
			     name, &len, NULL),
	    WIRE_OK);
	wire_name_to_text(name, len, text, sizeof(text));
	return text;
}

static void
defaults(struct config *c)
{
	config_defaults(c);
}

static void
test_local_localhost_is_loopback(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;
	static const uint8_t v6[16] = { [15] = 1 };

	(void)state;
	defaults(&c);
	t = table(&c);
	ask(t, "localhost", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_int_equal(a.rr[0].type, WIRE_T_A);
	assert_int_equal(a.rr[0].rdlen, 4);
	assert_memory_equal(a.msg + a.rr[0].rdata_off, "\177\0\0\1", 4);
	assert_int_equal(a.rr[0].ttl, LOCAL_LOOPBACK_TTL);
	/* below it, in the client's case */
	ask(t, "App.Dev.LOCALHOST.", WIRE_T_AAAA, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_int_equal(a.rr[0].type, WIRE_T_AAAA);
	assert_memory_equal(a.msg + a.rr[0].rdata_off, v6, 16);
	assert_string_equal(owner(&a, 0), "app.dev.localhost.");
	/* other types: NODATA with the zone's SOA */
	ask(t, "localhost", WIRE_T_MX, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 0);
	assert_int_equal(a.m.hdr.nscount, 1);
	assert_int_equal(a.rr[0].type, WIRE_T_SOA);
	assert_string_equal(owner(&a, 0), "localhost.");
	assert_string_equal(rdata_name(&a, 0), "localhost.");
	/* ANY: both addresses and the apex records */
	ask(t, "localhost", WIRE_T_ANY, &a);
	assert_int_equal(a.m.hdr.ancount, 4);
	local_table_free(t);
}

static void
test_local_special_use_nxdomain(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	t = table(&c);
	ask(t, "x.invalid", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_DEFAULT);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	assert_int_equal(a.m.hdr.nscount, 1);
	assert_string_equal(owner(&a, 0), "invalid.");
	ask(t, "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
	    WIRE_T_AAAA, &a);
	assert_int_equal(a.r, LOCAL_DEFAULT);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	/* the apex: NODATA, its SOA answered */
	ask(t, "onion", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 0);
	ask(t, "onion", WIRE_T_SOA, &a);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_int_equal(a.rr[0].type, WIRE_T_SOA);
	/* names merely ending in the same letters pass */
	ask(t, "notinvalid", WIRE_T_NS, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "www.invalid.example", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	local_table_free(t);
}

static void
test_local_private_reverse_zones(void **state)
{
	static const char *const local[] = {
		"5.1.168.192.in-addr.arpa",
		"1.2.3.10.in-addr.arpa",
		"1.1.16.172.in-addr.arpa",
		"1.1.31.172.in-addr.arpa",
		"1.0.254.169.in-addr.arpa",
		"1.0.64.100.in-addr.arpa",
		"1.0.127.100.in-addr.arpa",
		"1.2.0.192.in-addr.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e."
		"f."
		"ip6.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d."
		"f."
		"ip6.arpa",
		"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	};
	static const char *const public[] = {
		"1.1.15.172.in-addr.arpa", /* 172.15/16: outside 172.16/12 */
		"1.1.32.172.in-addr.arpa",
		"1.0.63.100.in-addr.arpa", /* 100.63: outside 100.64/10 */
		"1.0.128.100.in-addr.arpa",
		"8.8.8.8.in-addr.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c."
		"f."
		"ip6.arpa", /* fc00::/8 is not fd00::/8 */
		"in-addr.arpa",
	};
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	t = table(&c);
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		ask(t, local[i], WIRE_T_PTR, &a);
		if (a.r != LOCAL_DEFAULT || a.rcode != WIRE_NXDOMAIN)
			fail_msg("%s: result %d rcode %u", local[i], a.r,
			    a.rcode);
		assert_int_equal(a.m.hdr.nscount, 1);
		assert_int_equal(a.rr[0].type, WIRE_T_SOA);
	}
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
		ask(t, public[i], WIRE_T_PTR, &a);
		if (a.r != LOCAL_PASS)
			fail_msg("%s: answered locally", public[i]);
	}
	/* 127.0.0.1 and ::1 have their names */
	ask(t, "1.0.0.127.in-addr.arpa", WIRE_T_PTR, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_string_equal(rdata_name(&a, 0), "localhost.");
	local_table_free(t);
}

static void
test_local_domain_needed_keeps_tld_questions(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	t = table(&c);
	ask(t, "myprinter", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_DEFAULT);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	assert_int_equal(a.m.hdr.nscount, 0);
	ask(t, "myprinter", WIRE_T_TXT, &a);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	ask(t, "com", WIRE_T_NS, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "com", 43 /* DS */, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "com", 48 /* DNSKEY */, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, ".", WIRE_T_NS, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "printer.lan", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	local_table_free(t);
}

static void
test_local_switches_turn_each_off(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "serve-localhost", "no");
	set(&c, "serve-special-use", "no");
	set(&c, "serve-private-reverse", "no");
	set(&c, "domain-needed", "no");
	t = table(&c);
	ask(t, "localhost", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "x.onion", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "1.2.3.10.in-addr.arpa", WIRE_T_PTR, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "1.0.0.127.in-addr.arpa", WIRE_T_PTR, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "myprinter", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	assert_int_equal(local_table_names(t), 0);
	local_table_free(t);
	/* localhost alone */
	defaults(&c);
	set(&c, "serve-special-use", "no");
	t = table(&c);
	ask(t, "localhost", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	ask(t, "x.invalid", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	local_table_free(t);
}

static void
test_local_data_answers_and_nodata(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "local-data", "\"nas.home.arpa. 300 IN A 192.168.1.10\"");
	set(&c, "local-data", "nas.home.arpa. A 192.168.1.11");
	set(&c, "local-data", "nas.home.arpa. 300 IN A 192.168.1.10");
	set(&c, "local-data", "txt.home.arpa. TXT \"v=1 hello\"");
	t = table(&c);
	ask(t, "NAS.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	/* the duplicate kept once, in the order given */
	assert_int_equal(a.m.hdr.ancount, 2);
	assert_memory_equal(a.msg + a.rr[0].rdata_off, "\300\250\1\12", 4);
	assert_memory_equal(a.msg + a.rr[1].rdata_off, "\300\250\1\13", 4);
	assert_int_equal(a.rr[0].ttl, 300);
	assert_int_equal(a.rr[1].ttl, LOCAL_RR_DEFAULT_TTL);
	/* the owner is the question's spelling, compressed */
	assert_int_equal(wire_get16(a.msg + a.rr[0].off), 0xc00c);
	ask(t, "txt.home.arpa", WIRE_T_TXT, &a);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_memory_equal(a.msg + a.rr[0].rdata_off, "\11v=1 hello", 10);
	/* another type of the name: NODATA; no zone, so no SOA */
	ask(t, "nas.home.arpa", WIRE_T_MX, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount + a.m.hdr.nscount, 0);
	/* names beside and below it are not its to answer */
	ask(t, "x.nas.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "nas2.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	local_table_free(t);
}

static void
test_local_cname_followed_inside_table(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "local-data", "www.home.arpa. CNAME web.home.arpa.");
	set(&c, "local-data", "web.home.arpa. CNAME nas.home.arpa.");
	set(&c, "local-data", "nas.home.arpa. A 192.168.1.10");
	set(&c, "local-data", "out.home.arpa. CNAME www.example.org.");
	set(&c, "local-data", "loop1.home.arpa. CNAME loop2.home.arpa.");
	set(&c, "local-data", "loop2.home.arpa. CNAME loop1.home.arpa.");
	t = table(&c);
	ask(t, "www.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.m.hdr.ancount, 3);
	assert_int_equal(a.rr[0].type, WIRE_T_CNAME);
	assert_int_equal(a.rr[1].type, WIRE_T_CNAME);
	assert_string_equal(owner(&a, 1), "web.home.arpa.");
	assert_int_equal(a.rr[2].type, WIRE_T_A);
	assert_string_equal(owner(&a, 2), "nas.home.arpa.");
	/* the CNAME itself when asked for */
	ask(t, "www.home.arpa", WIRE_T_CNAME, &a);
	assert_int_equal(a.m.hdr.ancount, 1);
	/* a target outside: the CNAME alone */
	ask(t, "out.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_string_equal(rdata_name(&a, 0), "www.example.org.");
	/* a loop ends after LOCAL_MAX_CNAME hops */
	ask(t, "loop1.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, LOCAL_MAX_CNAME + 1);
	local_table_free(t);
}

static void
test_local_zone_kinds(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "local-zone", "home.arpa static");
	set(&c, "local-zone", "corp.example transparent");
	set(&c, "local-zone", "ads.example refuse");
	set(&c, "local-data", "nas.home.arpa. A 192.168.1.10");
	set(&c, "local-data", "a.b.home.arpa. A 192.168.1.12");
	set(&c, "local-data", "override.corp.example. A 10.0.0.1");
	set(&c, "local-data", "ok.ads.example. A 10.0.0.2");
	t = table(&c);
	/* static: data, else NXDOMAIN below, NODATA at empty
	 * non-terminals and the apex, SOA and NS at the apex */
	ask(t, "nas.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.m.hdr.ancount, 1);
	ask(t, "nas.home.arpa", WIRE_T_AAAA, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.nscount, 1);
	assert_string_equal(owner(&a, 0), "home.arpa.");
	ask(t, "nope.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	assert_int_equal(a.m.hdr.nscount, 1);
	ask(t, "b.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 0);
	ask(t, "x.nas.home.arpa", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	ask(t, "home.arpa", WIRE_T_NS, &a);
	assert_int_equal(a.m.hdr.ancount, 1);
	assert_int_equal(a.rr[0].type, WIRE_T_NS);
	/* transparent: data, else the question goes on */
	ask(t, "override.corp.example", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	ask(t, "www.corp.example", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	/* refuse: REFUSED, but data still answers */
	ask(t, "tracker.ads.example", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED);
	assert_int_equal(a.rcode, WIRE_REFUSED);
	assert_int_equal(a.m.hdr.ancount + a.m.hdr.nscount, 0);
	ask(t, "ok.ads.example", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NOERROR);
	assert_int_equal(a.m.hdr.ancount, 1);
	local_table_free(t);
}

static void
test_local_user_zone_replaces_builtin(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "local-zone", "10.in-addr.arpa transparent");
	set(&c, "local-zone", "onion refuse");
	set(&c, "local-data",
	    "soa.test. SOA ns.soa.test. h.soa.test. 7 1 1 1 1");
	set(&c, "local-zone", "soa.test static");
	t = table(&c);
	ask(t, "1.2.3.10.in-addr.arpa", WIRE_T_PTR, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "x.onion", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_ANSWERED); /* the user's: no route
						  overrides it */
	assert_int_equal(a.rcode, WIRE_REFUSED);
	/* a zone's own SOA is the one in its negative answers */
	ask(t, "x.soa.test", WIRE_T_A, &a);
	assert_int_equal(a.rcode, WIRE_NXDOMAIN);
	assert_int_equal(a.m.hdr.nscount, 1);
	assert_string_equal(rdata_name(&a, 0), "ns.soa.test.");
	local_table_free(t);
}

static void
test_local_names_of_other_trees_pass(void **state)
{
	struct config c;
	struct local_table *t;
	static struct ans a;

	(void)state;
	defaults(&c);
	set(&c, "local-data", "nas.home.arpa. A 192.168.1.10");
	t = table(&c);
	ask(t, "www.example.com", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "arpa", WIRE_T_SOA, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	/* an empty table passes everything, domain-needed off */
	local_table_free(t);
	t = local_table_new(1);
	assert_non_null(t);
	ask(t, "localhost", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	ask(t, "myprinter", WIRE_T_A, &a);
	assert_int_equal(a.r, LOCAL_PASS);
	local_table_free(t);
	local_table_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_localhost_is_loopback),
		cmocka_unit_test(test_local_special_use_nxdomain),
		cmocka_unit_test(test_local_private_reverse_zones),
		cmocka_unit_test(test_local_domain_needed_keeps_tld_questions),
		cmocka_unit_test(test_local_switches_turn_each_off),
		cmocka_unit_test(test_local_data_answers_and_nodata),
		cmocka_unit_test(test_local_cname_followed_inside_table),
		cmocka_unit_test(test_local_zone_kinds),
		cmocka_unit_test(test_local_user_zone_replaces_builtin),
		cmocka_unit_test(test_local_names_of_other_trees_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
