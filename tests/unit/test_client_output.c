/*
 * tests/unit/test_client_output.c - the client's presentation helpers
 * (output.c: JSON strings, rcodes, rdata) and the renderings of roostd's
 * stats and dump replies (render.c).
 */
#define _GNU_SOURCE /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"
#include "render.h"

struct mem {
	FILE *f;
	char *buf;
	size_t len;
};

static void
mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

/* Close the stream; the text written, which the caller frees. */
static char *
mem_close(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

static void
test_output_json_str_escapes_quotes_backslashes_controls(void **state)
{
	struct mem m;
	char *s;

	(void)state;
	mem_open(&m);
	output_json_str(m.f, "a\"b\\c\n\x01z");
	output_json_str(m.f, NULL);
	s = mem_close(&m);
	assert_string_equal(s, "\"a\\\"b\\\\c\\u000a\\u0001z\"null");
	free(s);
}

static void
test_output_rcode_str_names_unknown_codes_by_number(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(
	    output_rcode_str(LDNS_RCODE_NXDOMAIN, buf, sizeof(buf)),
	    "NXDOMAIN");
	assert_string_equal(
	    output_rcode_str((ldns_pkt_rcode)14, buf, sizeof(buf)), "RCODE14");
}

static void
test_output_rr_data_joins_fields_with_one_space(void **state)
{
	ldns_rr *rr = NULL;
	char *data;

	(void)state;
	assert_int_equal(ldns_rr_new_frm_str(&rr,
			     "example.test. 300 IN MX 10 mail.example.test.", 0,
			     NULL, NULL),
	    LDNS_STATUS_OK);
	data = output_rr_data(rr);
	assert_string_equal(data, "10 mail.example.test.");
	free(data);
	ldns_rr_free(rr);
}

static void
test_render_stats_line_rejects_malformed_lines(void **state)
{
	static struct render_stats st;
	char nodot[] = "queries 12", noblank[] = "queries.udp";
	char notnum[] = "queries.udp 1x", neg[] = "queries.udp -1";

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_false(render_stats_line(&st, nodot));
	assert_false(render_stats_line(&st, noblank));
	assert_false(render_stats_line(&st, notnum));
	assert_false(render_stats_line(&st, neg));
	assert_int_equal(st.nkv, 0);
}

static void
test_render_stats_forward_zone_servers(void **state)
{
	static struct render_stats st;
	char l1[] = "upstream 10.8.0.1#53 zone=corp.example. queries=2 down=0";
	char l2[] = "upstream 10.8.0.1#53 zone=8.10.in-addr.arpa. queries=1";
	struct mem m;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_true(render_stats_line(&st, l1));
	assert_true(render_stats_line(&st, l2));
	assert_int_equal(st.nup, 2);
	assert_string_equal(st.up[0].zone, "corp.example.");
	assert_int_equal(st.up[0].n, 2); /* the zone is no counter */

	mem_open(&m);
	render_stats_json(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s,
	    "{\"address\": \"10.8.0.1#53\", \"zone\": \"corp.example.\", "
	    "\"queries\": 2, \"down\": false}"));
	free(s);

	/* one address in two zones: two series, told apart by zone */
	mem_open(&m);
	render_stats_prometheus(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s,
	    "roost_upstream_queries_total{upstream=\"10.8.0.1#53\","
	    "zone=\"corp.example.\"} 2\n"));
	assert_non_null(strstr(s,
	    "roost_upstream_queries_total{upstream=\"10.8.0.1#53\","
	    "zone=\"8.10.in-addr.arpa.\"} 1\n"));
	free(s);

	mem_open(&m);
	render_stats_text(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s, " up  forward-zone corp.example.\n"));
	free(s);
}

static void
test_render_stats_tls_server_line(void **state)
{
	static struct render_stats st;
	char l1[] = "upstream 192.0.2.1#853 queries=300 failures=0 timeouts=0 "
		    "srtt_ms=9 p50_ms=8 p90_ms=16 p99_ms=32 rtt_samples=300 "
		    "rtt_sum_ms=2700 down=0 tls_handshakes=2 tls_resumed=1 "
		    "tls_queries=300 tls_queries_per_conn=150 tls_errors=1 "
		    "tls_auth_failures=1 plain_fallbacks=0";
	char l2[] = "upstream 192.0.2.2#53 queries=3 down=0";
	struct mem m;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_true(render_stats_line(&st, l1));
	assert_true(render_stats_line(&st, l2));
	/* every counter of the TLS server kept, none dropped at the cap */
	assert_int_equal(st.up[0].n, 17);
	mem_open(&m);
	render_stats_text(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s,
	    "TLS: handshakes 2 (resumed 1), queries per connection 150, "
	    "errors 1 (authentication 1), sent in plain DNS 0\n"));
	/* the plain server has no TLS line */
	assert_null(strstr(strstr(s, "192.0.2.2#53"), "TLS:"));
	free(s);
}

static void
test_render_stats_text_json_and_prometheus(void **state)
{
	static struct render_stats st;
	char l1[] = "queries.udp 7", l2[] = "answers.NOERROR 5";
	char l3[] = "upstream 127.0.0.1#53 queries=3 srtt_ms=1500 down=1";
	struct mem m;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_true(render_stats_line(&st, l1));
	assert_true(render_stats_line(&st, l2));
	assert_true(render_stats_line(&st, l3));
	assert_int_equal(st.nkv, 2);
	assert_int_equal(st.nup, 1);

	mem_open(&m);
	render_stats_json(m.f, &st);
	s = mem_close(&m);
	assert_string_equal(s,
	    "{\"queries\": {\"udp\": 7}, \"answers\": {\"NOERROR\": 5}, "
	    "\"upstreams\": [{\"address\": \"127.0.0.1#53\", \"queries\": 3, "
	    "\"srtt_ms\": 1500, \"down\": true}]}\n");
	free(s);

	mem_open(&m);
	render_stats_prometheus(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s,
	    "# TYPE roost_queries_total counter\n"
	    "roost_queries_total{transport=\"udp\"} 7\n"));
	assert_non_null(
	    strstr(s, "roost_answers_total{rcode=\"NOERROR\"} 5\n"));
	assert_non_null(strstr(s,
	    "roost_upstream_srtt_seconds{upstream=\"127.0.0.1#53\"} 1.500\n"));
	assert_non_null(
	    strstr(s, "roost_upstream_up{upstream=\"127.0.0.1#53\"} 0\n"));
	free(s);

	mem_open(&m);
	render_stats_text(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s, "queries\n  udp                       7\n"));
	assert_non_null(strstr(s, " down\n"));
	free(s);
}

static void
test_render_prometheus_escapes_upstream_labels(void **state)
{
	static struct render_stats st;
	char l[] = "upstream a\"b\\c queries=1";
	struct mem m;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_true(render_stats_line(&st, l));
	mem_open(&m);
	render_stats_prometheus(m.f, &st);
	s = mem_close(&m);
	assert_non_null(strstr(s,
	    "roost_upstream_queries_total{upstream=\"a\\\"b\\\\c\"} 1\n"));
	free(s);
}

static void
test_render_dump_json_entries_and_bad_line(void **state)
{
	struct mem m;
	char *s;

	(void)state;
	mem_open(&m);
	render_dump_start(m.f, true);
	assert_int_equal(
	    render_dump_entry(m.f, "www.test. 1 30 0 120 do,stale", true, 0),
	    0);
	assert_int_equal(render_dump_entry(m.f,
			     "secure.test. 28 30 0 90 do secure", true, 1),
	    0);
	assert_int_equal(render_dump_entry(m.f, "www.test. 1 30", true, 2), -1);
	render_dump_end(m.f, true, 2);
	s = mem_close(&m);
	assert_string_equal(s,
	    "[\n {\"name\": \"www.test.\", \"type\": \"A\", \"ttl\": 30, "
	    "\"rcode\": \"NOERROR\", \"size\": 120, \"dnssec_ok\": true, "
	    "\"checking_disabled\": false, \"stale\": true, \"dnssec\": null},"
	    "\n {\"name\": \"secure.test.\", \"type\": \"AAAA\", \"ttl\": 30, "
	    "\"rcode\": \"NOERROR\", \"size\": 90, \"dnssec_ok\": true, "
	    "\"checking_disabled\": false, \"stale\": false, \"dnssec\": "
	    "\"secure\"}\n]\n");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_output_json_str_escapes_quotes_backslashes_controls),
		cmocka_unit_test(
		    test_output_rcode_str_names_unknown_codes_by_number),
		cmocka_unit_test(
		    test_output_rr_data_joins_fields_with_one_space),
		cmocka_unit_test(
		    test_render_stats_line_rejects_malformed_lines),
		cmocka_unit_test(test_render_stats_text_json_and_prometheus),
		cmocka_unit_test(test_render_stats_forward_zone_servers),
		cmocka_unit_test(test_render_stats_tls_server_line),
		cmocka_unit_test(
		    test_render_prometheus_escapes_upstream_labels),
		cmocka_unit_test(test_render_dump_json_entries_and_bad_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
