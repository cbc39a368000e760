/*
 * tests/unit/test_client_dig.c - roost query's dig habits: the command
 * line (query_args.c: dig's defaults, +keywords and their abbreviations,
 * operands told apart) and dig's layout (digout.c: columns, rcode names,
 * cookie judgement, and OPT options malformed in every way a hostile
 * server can send, which must print as hex and never be read past).
 * The layout of real replies is compared with dig's itself in
 * tests/trace/test_query_dig.sh.
 */
#define _GNU_SOURCE /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "digout.h"
#include "query_args.h"

/* Parse a NULL-ended argument list (argv[0] is "query"). */
static int
parse(struct query_args *a, char *err, size_t errlen, ...)
{
	char *argv[32] = { "query" };
	int argc = 1;
	va_list ap;

	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	query_args_init(a);
	err[0] = '\0';
	return query_args_parse(a, argc, argv, err, errlen);
}

static void
test_query_args_defaults_are_digs(void **state)
{
	struct query_args a;
	char err[128];

	(void)state;
	assert_int_equal(parse(&a, err, sizeof(err), "www.example", NULL), 0);
	assert_string_equal(a.name, "www.example");
	assert_true(a.rd && a.ad && a.edns && a.cookie);
	assert_false(a.cd || a.dnssec || a.nsid || a.tcp || a.json);
	assert_int_equal(a.bufsize, 1232);
	assert_int_equal(a.timeout_ms, 5000);
	assert_int_equal(a.tries, 3);
	assert_int_equal(a.port, 53);
	assert_null(a.server);
	assert_true(a.cmd && a.stats && a.view.comments && a.view.question &&
	    a.view.answer && a.view.authority && a.view.additional);
}

static void
test_query_args_keywords_abbreviated_and_negated(void **state)
{
	struct query_args a;
	char err[128];

	(void)state;
	assert_int_equal(parse(&a, err, sizeof(err), "+norec", "+dnssec", "+cd",
			     "+noad", "+nocookie", "+ns", "+vc", "+bufs=4096",
			     "+ti=2", "+ret=0", "+edns=1", "x", NULL),
	    0);
	assert_false(a.rd || a.ad || a.cookie);
	assert_true(a.dnssec && a.cd && a.nsid && a.tcp && a.edns);
	assert_int_equal(a.bufsize, 4096);
	assert_int_equal(a.timeout_ms, 2000);
	assert_int_equal(a.tries, 1);
	assert_int_equal(a.edns_version, 1);
	/* +noedns then +dnssec: EDNS again, as dig */
	assert_int_equal(
	    parse(&a, err, sizeof(err), "+noedns", "+dnssec", "x", NULL), 0);
	assert_true(a.edns);
	assert_int_equal(
	    parse(&a, err, sizeof(err), "+dnssec", "+noedns", "x", NULL), 0);
	assert_false(a.edns);
	assert_int_equal(parse(&a, err, sizeof(err), "+t", "x", NULL), -1);
	assert_string_equal(err, "ambiguous query option \"+t\"");
	assert_int_equal(parse(&a, err, sizeof(err), "+bogus", "x", NULL), -1);
	assert_string_equal(err, "unknown query option \"+bogus\"");
	assert_int_equal(parse(&a, err, sizeof(err), "+tries=0", "x", NULL),
	    -1);
	assert_int_equal(parse(&a, err, sizeof(err), "+tcp=1", "x", NULL), -1);
	assert_int_equal(parse(&a, err, sizeof(err), "+bufsize", "x", NULL),
	    -1);
	/* "ad" and "cd" are whole words, never read as abbreviations */
	assert_int_equal(parse(&a, err, sizeof(err), "+a", "x", NULL), -1);
}

static void
test_query_args_short_and_all_switch_several(void **state)
{
	struct query_args a;
	char err[128];

	(void)state;
	assert_int_equal(parse(&a, err, sizeof(err), "+short", "x", NULL), 0);
	assert_true(a.view.short_form && a.view.answer);
	assert_false(a.cmd || a.stats || a.view.comments || a.view.question ||
	    a.view.authority || a.view.additional);
	assert_int_equal(parse(&a, err, sizeof(err), "+noall", "+answer",
			     "+auth", "x", NULL),
	    0);
	assert_true(a.view.answer && a.view.authority);
	assert_false(a.cmd || a.stats || a.view.comments || a.view.question ||
	    a.view.additional || a.view.short_form);
}

static void
test_query_args_operands_and_dash_options(void **state)
{
	struct query_args a;
	char err[128];

	(void)state;
	assert_int_equal(parse(&a, err, sizeof(err), "mx", "example.org", "ch",
			     "@192.0.2.1", "@192.0.2.2", NULL),
	    0);
	assert_int_equal(a.type, LDNS_RR_TYPE_MX);
	assert_int_equal(a.class, LDNS_RR_CLASS_CH);
	assert_string_equal(a.name, "example.org");
	assert_string_equal(a.server, "192.0.2.1"); /* the first, as dig */
	assert_int_equal(parse(&a, err, sizeof(err), "-tAAAA", "-c", "IN", "-q",
			     "ns", "-p5300", "-6", "--json", NULL),
	    0);
	assert_int_equal(a.type, LDNS_RR_TYPE_AAAA);
	assert_int_equal(a.class, LDNS_RR_CLASS_IN);
	assert_string_equal(a.name, "ns");
	assert_int_equal(a.port, 5300);
	assert_int_equal(a.family, AF_INET6);
	assert_true(a.json);
	assert_int_equal(parse(&a, err, sizeof(err), "-x", "192.0.2.1",
			     "--timeout=0.5", "--tries", "2", "--port=99",
			     NULL),
	    0);
	assert_true(a.reverse);
	assert_string_equal(a.name, "192.0.2.1");
	assert_int_equal(a.timeout_ms, 500);
	assert_int_equal(a.tries, 2);
	assert_int_equal(a.port, 99);
	assert_int_equal(
	    parse(&a, err, sizeof(err), "a.example", "b.example", NULL), -1);
	assert_int_equal(parse(&a, err, sizeof(err), "-t", NULL), -1);
	assert_string_equal(err, "-t needs a value");
	assert_int_equal(parse(&a, err, sizeof(err), "-t", "NOPE", "x", NULL),
	    -1);
	assert_int_equal(parse(&a, err, sizeof(err), "--portx=1", "x", NULL),
	    -1);
	assert_int_equal(parse(&a, err, sizeof(err), "-jx", "x", NULL), -1);
	assert_int_equal(parse(&a, err, sizeof(err), "@", "x", NULL), -1);
	assert_int_equal(parse(&a, err, sizeof(err), "+short", NULL), -1);
	assert_string_equal(err, "no name to ask for");
	assert_int_equal(parse(&a, err, sizeof(err), "x", "--help", NULL), 1);
}

static void
test_query_args_subnet_zeroes_bits_past_the_prefix(void **state)
{
	struct query_args a;
	char err[128];

	(void)state;
	assert_int_equal(
	    parse(&a, err, sizeof(err), "+subnet=192.0.2.255/20", "x", NULL),
	    0);
	assert_true(a.subnet.set && a.edns);
	assert_int_equal(a.subnet.family, 1);
	assert_int_equal(a.subnet.source, 20);
	assert_int_equal(a.subnet.addr[0], 192);
	assert_int_equal(a.subnet.addr[1], 0);
	assert_int_equal(a.subnet.addr[2], 0); /* 2 & 0xf0 */
	assert_int_equal(a.subnet.addr[3], 0);
	assert_int_equal(
	    parse(&a, err, sizeof(err), "+subnet=2001:db8::1", "x", NULL), 0);
	assert_int_equal(a.subnet.family, 2);
	assert_int_equal(a.subnet.source, 128);
	assert_int_equal(parse(&a, err, sizeof(err), "+subnet=0", "x", NULL),
	    0);
	assert_int_equal(a.subnet.family, 1);
	assert_int_equal(a.subnet.source, 0);
	assert_int_equal(
	    parse(&a, err, sizeof(err), "+subnet=192.0.2.0/33", "x", NULL), -1);
	assert_int_equal(parse(&a, err, sizeof(err), "+subnet=nope", "x", NULL),
	    -1);
}

/* --- digout ---------------------------------------------------------- */

static char *
rr_text(const char *rr)
{
	ldns_rr *r = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL),
	    LDNS_STATUS_OK);
	assert_int_equal(digout_rr(f, r), 0);
	fclose(f);
	ldns_rr_free(r);
	return buf;
}

static void
test_digout_columns_as_bind(void **state)
{
	static const struct {
		const char *rr, *want;
	} cases[] = {
		{ "a. 300 IN A 192.0.2.1", "a.\t\t\t300\tIN\tA\t192.0.2.1\n" },
		/* 17 columns: one tab to 24 */
		{ "www.example.test. 300 IN A 192.0.2.1",
		    "www.example.test.\t300\tIN\tA\t192.0.2.1\n" },
		/* 24 columns: a blank */
		{ "aaaaaaaaaaaaaaaaaaa.test. 300 IN A 192.0.2.1",
		    "aaaaaaaaaaaaaaaaaaa.test. 300\tIN\tA\t192.0.2.1\n" },
		/* 31 columns, one short of a tab stop: a tab */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaa.test. 1 IN A 192.0.2.1",
		    "aaaaaaaaaaaaaaaaaaaaaaaaa.test.\t1 IN\tA\t192.0.2.1\n" },
		/* a long type: a blank before the rdata */
		{ "u.test. 1 IN TYPE65534 \\# 2 0102",
		    "u.test.\t\t\t1\tIN\tTYPE65534 \\# 2 0102\n" },
		/* hex in upper case, cut at 56 */
		{ "d.test. 1 IN DS 1 13 2 "
		  "00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
		  "eeff",
		    "d.test.\t\t\t1\tIN\tDS\t1 13 2 "
		    "00112233445566778899AABBCCDDEEFF00112233445566778899AABB "
		    "CCDDEEFF\n" },
		/* text: controls and high bytes as \DDD */
		{ "t.test. 1 IN TXT \"a\\009b\\255\\\"\"",
		    "t.test.\t\t\t1\tIN\tTXT\t\"a\\009b\\255\\\"\"\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = rr_text(cases[i].rr);

		assert_string_equal(s, cases[i].want);
		free(s);
	}
}

static void
test_digout_rcode_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(digout_rcode(0, buf, sizeof(buf)), "NOERROR");
	assert_string_equal(digout_rcode(3, buf, sizeof(buf)), "NXDOMAIN");
	assert_string_equal(digout_rcode(11, buf, sizeof(buf)), "RESERVED11");
	assert_string_equal(digout_rcode(16, buf, sizeof(buf)), "BADVERS");
	assert_string_equal(digout_rcode(17, buf, sizeof(buf)), "?17");
	assert_string_equal(digout_rcode(23, buf, sizeof(buf)), "BADCOOKIE");
	assert_string_equal(digout_rcode(4095, buf, sizeof(buf)), "?4095");
}

/* A reply to "x. A" whose OPT record carries the n option bytes o. */
static ldns_pkt *
reply_with_options(const uint8_t *o, size_t n)
{
	ldns_pkt *p = NULL;
	ldns_rdf *d;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "x.", LDNS_RR_TYPE_A,
			     LDNS_RR_CLASS_IN, LDNS_RD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_id(p, 7);
	ldns_pkt_set_edns_udp_size(p, 1232);
	if (n > 0) {
		d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, n, o);
		assert_non_null(d);
		ldns_pkt_set_edns_data(p, d);
	}
	return p;
}

/* The OPT pseudosection's lines after "; EDNS:" for these options. */
static char *
options_text(const uint8_t *o, size_t n, enum digout_cookie c)
{
	struct digout_view v = { .comments = true };
	ldns_pkt *p = reply_with_options(o, n);
	char *buf = NULL, *s, *out;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(digout_message(f, p, &v, c), 0);
	fclose(f);
	ldns_pkt_free(p);
	s = strstr(buf, "; udp: 1232\n");
	assert_non_null(s);
	out = strdup(s + strlen("; udp: 1232\n"));
	free(buf);
	return out;
}

static void
test_digout_options_well_formed(void **state)
{
	static const uint8_t nsid[] = { 0, 3, 0, 3, 'n', 's', 1 };
	static const uint8_t ede[] = { 0, 15, 0, 5, 0, 6, 'b', 'a', 'd' };
	static const uint8_t ede_bin[] = { 0, 15, 0, 4, 0, 99, 0xff, 'a' };
	static const uint8_t ecs[] = { 0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2 };
	static const uint8_t misc[] = { 0, 11, 0, 2, 0, 75, 0, 12, 0, 3, 0, 0,
		0, 0, 14, 0, 4, 0, 1, 0, 2, 0xfd, 0xe8, 0, 1, 'z' };
	char *s;

	(void)state;
	s = options_text(nsid, sizeof(nsid), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; NSID: 6e 73 01 (\"ns.\")\n");
	free(s);
	s = options_text(ede, sizeof(ede), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; EDE: 6 (DNSSEC Bogus): (bad)\n");
	free(s);
	s = options_text(ede_bin, sizeof(ede_bin), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; EDE: 99: ff 61 (.a)\n");
	free(s);
	s = options_text(ecs, sizeof(ecs), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; CLIENT-SUBNET: 192.0.2.0/24/0\n");
	free(s);
	s = options_text(misc, sizeof(misc), DIGOUT_COOKIE_NONE);
	assert_string_equal(s,
	    "; TCP KEEPALIVE: 7.5 secs\n; PAD: (3 bytes)\n"
	    "; KEY-TAG: 1, 2\n; OPT=65000: 7a (\"z\")\n");
	free(s);
}

static void
test_digout_options_malformed_shown_as_hex(void **state)
{
	/* an option claiming more than there is: stops, nothing past */
	static const uint8_t over[] = { 0, 3, 0, 200, 'a' };
	/* client subnet: address longer than the option, bad family */
	static const uint8_t ecs_short[] = { 0, 8, 0, 5, 0, 1, 32, 0, 10 };
	static const uint8_t ecs_family[] = { 0, 8, 0, 4, 0, 9, 0, 0 };
	static const uint8_t ede_one[] = { 0, 15, 0, 1, 'q' };
	static const uint8_t keepalive[] = { 0, 11, 0, 1, 5 };
	static const uint8_t tail[] = { 0, 3, 0, 0, 0, 3 };
	char *s;

	(void)state;
	s = options_text(over, sizeof(over), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "");
	free(s);
	s = options_text(ecs_short, sizeof(ecs_short), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; CLIENT-SUBNET: 00 01 20 00 0a \n");
	free(s);
	s = options_text(ecs_family, sizeof(ecs_family), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; CLIENT-SUBNET: 00 09 00 00 \n");
	free(s);
	s = options_text(ede_one, sizeof(ede_one), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; EDE: 71 (\"q\")\n");
	free(s);
	s = options_text(keepalive, sizeof(keepalive), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; TCP KEEPALIVE: 05 (\".\")\n");
	free(s);
	s = options_text(tail, sizeof(tail), DIGOUT_COOKIE_NONE);
	assert_string_equal(s, "; NSID:\n");
	free(s);
}

static void
test_digout_cookie_judged(void **state)
{
	static const uint8_t mine[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t good[4 + 24] = { 0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t echoed[4 + 8] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t other[4 + 24] = { 0, 10, 0, 24, 9, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t shortc[] = { 0, 10, 0, 3, 1, 2, 3 };
	ldns_pkt *p;
	char *s;

	(void)state;
	p = reply_with_options(good, sizeof(good));
	assert_int_equal(digout_cookie_check(p, mine), DIGOUT_COOKIE_GOOD);
	assert_int_equal(digout_cookie_check(p, NULL), DIGOUT_COOKIE_NONE);
	ldns_pkt_free(p);
	p = reply_with_options(echoed, sizeof(echoed));
	assert_int_equal(digout_cookie_check(p, mine), DIGOUT_COOKIE_ECHOED);
	ldns_pkt_free(p);
	p = reply_with_options(other, sizeof(other));
	assert_int_equal(digout_cookie_check(p, mine), DIGOUT_COOKIE_BAD);
	ldns_pkt_free(p);
	p = reply_with_options(shortc, sizeof(shortc));
	assert_int_equal(digout_cookie_check(p, mine), DIGOUT_COOKIE_BAD);
	ldns_pkt_free(p);
	p = reply_with_options(NULL, 0);
	assert_int_equal(digout_cookie_check(p, mine), DIGOUT_COOKIE_BAD);
	ldns_pkt_free(p);
	s = options_text(echoed, sizeof(echoed), DIGOUT_COOKIE_ECHOED);
	assert_string_equal(s, "; COOKIE: 0102030405060708 (echoed)\n");
	free(s);
}

static void
test_digout_short_and_header(void **state)
{
	struct digout_view v = { .comments = true, .answer = true };
	ldns_pkt *p = reply_with_options(NULL, 0);
	ldns_rr *rr = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(
	    ldns_rr_new_frm_str(&rr, "x. 5 IN A 192.0.2.9", 0, NULL, NULL),
	    LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	ldns_pkt_set_rcode(p, 0);
	ldns_pkt_set_edns_extended_rcode(p, 1); /* 16: BADVERS */
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(digout_message(f, p, &v, DIGOUT_COOKIE_NONE), 0);
	fclose(f);
	assert_string_equal(buf,
	    ";; Got answer:\n"
	    ";; ->>HEADER<<- opcode: QUERY, status: BADVERS, id: 7\n"
	    ";; flags: qr rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, "
	    "ADDITIONAL: 1\n"
	    ";; WARNING: recursion requested but not available\n"
	    "\n"
	    ";; OPT PSEUDOSECTION:\n"
	    "; EDNS: version: 0, flags:; udp: 1232\n"
	    ";; ANSWER SECTION:\n"
	    "x.\t\t\t5\tIN\tA\t192.0.2.9\n"
	    "\n");
	free(buf);
	v.short_form = true;
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(digout_message(f, p, &v, DIGOUT_COOKIE_NONE), 0);
	fclose(f);
	assert_string_equal(buf, "192.0.2.9\n");
	free(buf);
	ldns_pkt_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_args_defaults_are_digs),
		cmocka_unit_test(
		    test_query_args_keywords_abbreviated_and_negated),
		cmocka_unit_test(test_query_args_short_and_all_switch_several),
		cmocka_unit_test(test_query_args_operands_and_dash_options),
		cmocka_unit_test(
		    test_query_args_subnet_zeroes_bits_past_the_prefix),
		cmocka_unit_test(test_digout_columns_as_bind),
		cmocka_unit_test(test_digout_rcode_names),
		cmocka_unit_test(test_digout_options_well_formed),
		cmocka_unit_test(test_digout_options_malformed_shown_as_hex),
		cmocka_unit_test(test_digout_cookie_judged),
		cmocka_unit_test(test_digout_short_and_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
