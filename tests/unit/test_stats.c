/*
 * tests/unit/test_stats.c - the counters' renderings: the control
 * socket's stats text and the SIGUSR1 log line come from one table and
 * show the same keys and numbers; a short buffer still ends in NUL and
 * the full length is returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

/* --- stats text and log line ------------------------------------------------ */

static void
test_stats_text_and_log_line_show_the_same_numbers(void **state)
{
	struct stats_snapshot st = { 0 };
	char text[8192], line[4096];
	size_t n;

	(void)state;
	st.q.udp = 11;
	st.q.tcp = 12;
	st.q.rcode[3] = 13;
	st.q.coalesced = 14;
	st.q.stale = 15;
	st.c.hits = 16;
	st.c.entries = 17;
	st.budget = 18;
	st.fetches = 19;
	st.nup = 1;
	snprintf(st.up[0].name, sizeof(st.up[0].name), "192.0.2.1#53");
	st.up[0].queries = 20;
	st.up[0].p99_ms = 21;
	st.up[0].down = true;
	st.l.tcp_conn_limit = 22;
	st.g.rejected[UPSTREAM_BAD_CASE] = 23;
	st.q.deadlines = 24;
	st.q.late = 25;
	st.q.stale_rechecks = 26;
	st.g.retries = 27;
	n = stats_text(&st, text, sizeof(text));
	assert_int_equal(n, strlen(text));
	assert_non_null(strstr(text, "queries.udp 11\nqueries.tcp 12\n"));
	assert_non_null(strstr(text, "\nanswers.nxdomain 13\n"));
	assert_non_null(strstr(text, "\ncache.hits 16\n"));
	assert_non_null(strstr(text, "\ncache.stale 15\n"));
	assert_non_null(strstr(text, "\ncache.entries 17\n"));
	assert_non_null(strstr(text, "\ncache.budget 18\n"));
	assert_non_null(strstr(text, "\nfetches.inflight 19\n"));
	assert_non_null(strstr(text, "\nfetches.coalesced 14\n"));
	assert_non_null(strstr(text, "\nfetches.retries 27\n"));
	assert_non_null(strstr(text, "\nlimits.tcp_connections 22\n"));
	assert_non_null(strstr(text, "\nguard.bad_case 23\n"));
	assert_non_null(strstr(text, "\nupstream 192.0.2.1#53 queries=20 "));
	assert_non_null(strstr(text, " p99_ms=21 "));
	assert_non_null(strstr(text, " down=1\n"));
	n = stats_line(&st, line, sizeof(line));
	assert_int_equal(n, strlen(line));
	assert_non_null(strstr(line, "queries udp=11 tcp=12 "));
	assert_non_null(strstr(line, " nxdomain=13 "));
	assert_non_null(strstr(line, "; cache hits=16 "));
	assert_non_null(strstr(line, " stale=15 stale_rechecks=26 "));
	assert_non_null(strstr(line, " entries=17 "));
	assert_non_null(strstr(line, " budget=18; fetches inflight=19 "));
	assert_non_null(strstr(line,
	    " coalesced=14 deadlines=24 late=25 retries=27; limits waiters="));
	assert_non_null(strstr(line, " tcp_connections=22 "));
	assert_non_null(strstr(line, " bad_case=23 "));
	assert_non_null(strstr(line, "; upstream 192.0.2.1#53 queries=20 "));
	assert_non_null(strstr(line, " down=1"));
	/* every "group.key value" of the text is "key=value" in the line */
	for (char *p = text; *p != '\0' && strncmp(p, "upstream", 8) != 0;) {
		char *nl = strchr(p, '\n'), *dot = strchr(p, '.'),
		     *sp = strchr(p, ' '), want[128];

		assert_non_null(nl);
		snprintf(want, sizeof(want), " %.*s=%.*s", (int)(sp - dot - 1),
		    dot + 1, (int)(nl - sp - 1), sp + 1);
		assert_non_null(strstr(line, want));
		p = nl + 1;
	}
	/* cut short: still NUL-terminated, and the full length returned */
	assert_int_equal(stats_text(&st, text, 10), strlen(text));
	assert_int_equal(strlen(text), 9);
}

static void
test_stats_forward_zone_servers_say_their_zone(void **state)
{
	static struct stats_snapshot st;
	char text[8192];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.nup = 2;
	snprintf(st.up[0].name, sizeof(st.up[0].name), "192.0.2.1#53");
	snprintf(st.up[1].name, sizeof(st.up[1].name), "10.8.0.1#53");
	st.up_route[1] = 1;
	snprintf(st.zone[0], sizeof(st.zone[0]), ".");
	snprintf(st.zone[1], sizeof(st.zone[1]), "corp.example.");
	(void)stats_text(&st, text, sizeof(text));
	assert_non_null(strstr(text, "\nupstream 192.0.2.1#53 queries=0 "));
	assert_non_null(strstr(text,
	    "\nupstream 10.8.0.1#53 zone=corp.example. queries=0 "));
}

static void
test_stats_tls_upstream_counts_and_names_apart(void **state)
{
	static struct stats_snapshot st;
	char text[8192];
	size_t n = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.nup = 1;
	snprintf(st.up[0].name, sizeof(st.up[0].name), "192.0.2.1#853");
	snprintf(st.zone[0], sizeof(st.zone[0]), ".");
	st.up[0].transport = "tls";
	st.up[0].tls_handshakes = 4;
	st.up[0].tls_resumed = 3;
	st.up[0].tls_queries = 410;
	st.up[0].tls_errors = 1;
	st.up[0].tls_peer = "address 192.0.2.1";
	st.up[0].tls_error = "connect: Connection refused";
	/* the stats lines: numbers only, queries per connection computed */
	stats_text(&st, text, sizeof(text));
	assert_non_null(strstr(text,
	    " tls_handshakes=4 tls_resumed=3 tls_queries=410 "
	    "tls_queries_per_conn=102 tls_errors=1 tls_auth_failures=0 "
	    "plain_fallbacks=0\n"));
	assert_null(strstr(text, "tls_auth="));
	assert_null(strstr(text, "transport="));
	/* the upstream verb's: the text too, one word each */
	stats_upstream_lines(&st, -1, text, sizeof(text), &n);
	assert_non_null(strstr(text,
	    " transport=tls tls_auth=address_192.0.2.1 "
	    "tls_error=connect:_Connection_refused last_error=-"));
	/* plain DNS: no TLS words at all */
	st.up[0].transport = "udp";
	n = 0;
	stats_upstream_lines(&st, -1, text, sizeof(text), &n);
	assert_non_null(strstr(text, " transport=udp last_error=-"));
	assert_null(strstr(text, "tls_"));
}

static void
test_stats_upstream_lines_by_route_with_last_error(void **state)
{
	static struct stats_snapshot st;
	char text[8192], small[16];
	size_t n = 0, m = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.nup = 3;
	snprintf(st.up[0].name, sizeof(st.up[0].name), "192.0.2.1#53");
	snprintf(st.up[1].name, sizeof(st.up[1].name), "10.8.0.1#53");
	snprintf(st.up[2].name, sizeof(st.up[2].name), "10.8.0.2#53");
	st.up_route[1] = st.up_route[2] = 1;
	st.up[2].last_error = "timeout";
	st.up[2].last_error_age_ms = 12999;
	snprintf(st.zone[0], sizeof(st.zone[0]), ".");
	snprintf(st.zone[1], sizeof(st.zone[1]), "corp.example.");
	stats_upstream_lines(&st, -1, text, sizeof(text), &n);
	assert_int_equal(n, strlen(text));
	assert_true(
	    strncmp(text, "upstream 192.0.2.1#53 zone=. queries=0 ", 39) == 0);
	assert_non_null(strstr(text,
	    " down=0 transport=udp last_error=- last_error_age_s=-\nupstream "
	    "10.8.0.1#53 "
	    "zone=corp.example. "));
	assert_non_null(strstr(text,
	    "\nupstream 10.8.0.2#53 zone=corp.example. queries=0 "));
	assert_non_null(
	    strstr(text, " last_error=timeout last_error_age_s=12\n"));
	/* one route only */
	n = 0;
	stats_upstream_lines(&st, 1, text, sizeof(text), &n);
	assert_null(strstr(text, "192.0.2.1"));
	assert_non_null(strstr(text, "10.8.0.1#53"));
	/* past len: counted, not written */
	stats_upstream_lines(&st, 1, small, sizeof(small), &m);
	assert_int_equal(m, n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_stats_text_and_log_line_show_the_same_numbers),
		cmocka_unit_test(
		    test_stats_forward_zone_servers_say_their_zone),
		cmocka_unit_test(
		    test_stats_upstream_lines_by_route_with_last_error),
		cmocka_unit_test(
		    test_stats_tls_upstream_counts_and_names_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
