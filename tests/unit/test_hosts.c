/*
 * tests/unit/test_hosts.c - hosts files into the table of local names
 * (hosts.c): names and aliases get their A or AAAA, the first name of
 * an address its PTR, bad lines are reported as FILE:LINE and skipped
 * with the rest applied, localhost is left to the built-in zone, and a
 * missing or unreadable file fails with errno.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hosts.h"
#include "local.h"
#include "wire.h"

static bool
has(const struct local_table *t, const char *name, uint16_t type)
{
	uint8_t w[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(wire_name_from_text(name, w, &len), WIRE_OK);
	return local_table_has(t, w, len, type);
}

/* The first record's rdata of NAME TYPE, answered by t, into out. */
static size_t
rdata(const struct local_table *t, const char *name, uint16_t type,
    uint8_t *out)
{
	static uint8_t msg[WIRE_MAX_MSG];
	struct wire_header qh = { .id = 1, .qdcount = 1 };
	struct wire_question q = { .qtype = type, .qclass = WIRE_C_IN };
	struct wire_msg m;
	struct wire_rr rr[4];
	size_t len;

	assert_int_equal(wire_name_from_text(name, q.name, &q.name_len),
	    WIRE_OK);
	assert_int_equal(local_answer(t, &qh, &q, msg, sizeof(msg), &len),
	    LOCAL_ANSWERED);
	assert_int_equal(wire_parse_msg(msg, len, &m, rr, 4), WIRE_OK);
	assert_true(m.hdr.ancount >= 1);
	memcpy(out, msg + rr[0].rdata_off, rr[0].rdlen);
	return rr[0].rdlen;
}

struct warnings {
	char text[8][256];
	size_t n;
};

static void
warn(void *arg, const char *msg)
{
	struct warnings *w = arg;

	if (w->n < 8)
		snprintf(w->text[w->n++], sizeof(w->text[0]), "%s", msg);
}

static void
test_hosts_names_aliases_and_ptr(void **state)
{
	static const char text[] =
	    "# comment line\n"
	    "127.0.0.1\tlocalhost\n"
	    "192.168.1.20 printer.home.arpa printer  # trailing comment\n"
	    "192.168.1.20 other.home.arpa\n"
	    "fd00::20 printer.home.arpa\r\n"
	    "\n"
	    "10.0.0.5 DB.Corp.Example";
	struct local_table *t = local_table_new(3);
	struct hosts_count n = { 0 };
	uint8_t rd[WIRE_MAX_NAME];
	size_t len;

	(void)state;
	assert_int_equal(hosts_parse(t, "hosts", text, sizeof(text) - 1, true,
			     NULL, NULL, &n),
	    0);
	assert_int_equal(n.lines, 7);
	assert_int_equal(n.bad, 0);
	assert_true(has(t, "printer.home.arpa", WIRE_T_A));
	assert_true(has(t, "printer.home.arpa", WIRE_T_AAAA));
	assert_true(has(t, "printer", WIRE_T_A));
	assert_true(has(t, "other.home.arpa", WIRE_T_A));
	assert_true(has(t, "db.corp.example", WIRE_T_A));
	/* localhost is the built-in zone's */
	assert_false(has(t, "localhost", WIRE_T_A));
	assert_false(has(t, "1.0.0.127.in-addr.arpa", WIRE_T_PTR));
	len = rdata(t, "printer", WIRE_T_A, rd);
	assert_int_equal(len, 4);
	assert_memory_equal(rd, "\300\250\1\24", 4);
	/* the address's PTR names the first name of its first line */
	len = rdata(t, "20.1.168.192.in-addr.arpa", WIRE_T_PTR, rd);
	assert_int_equal(len, 19);
	assert_memory_equal(rd, "\7printer\4home\4arpa", 19);
	assert_true(has(t,
	    "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f."
	    "ip6.arpa",
	    WIRE_T_PTR));
	/* 3 A, 1 AAAA, 3 PTR (one per address), 2 more A */
	assert_int_equal(n.records, 8);
	local_table_free(t);
}

static void
test_hosts_bad_lines_reported_and_skipped(void **state)
{
	static const char text[] = "192.168.1.1 good1\n"
				   "300.1.1.1 bad-address\n"
				   "192.168.1.2\n"
				   "fe80::1%eth0 scoped\n"
				   "192.168.1.3 good2 bad..name good3\n"
				   "192.168.1.4 good4\n";
	struct local_table *t = local_table_new(3);
	struct hosts_count n = { 0 };
	struct warnings w = { .n = 0 };

	(void)state;
	assert_int_equal(hosts_parse(t, "/etc/hosts", text, sizeof(text) - 1,
			     true, warn, &w, &n),
	    0);
	assert_int_equal(n.bad, 4);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.text[0],
	    "/etc/hosts:2: bad address \"300.1.1.1\"");
	assert_string_equal(w.text[1],
	    "/etc/hosts:3: an address without a name \"192.168.1.2\"");
	assert_string_equal(w.text[2],
	    "/etc/hosts:4: bad address "
	    "\"fe80::1%eth0\"");
	assert_string_equal(w.text[3], "/etc/hosts:5: bad name \"bad..name\"");
	assert_true(has(t, "good1", WIRE_T_A));
	assert_true(has(t, "good2", WIRE_T_A));
	assert_true(has(t, "good3", WIRE_T_A));
	assert_true(has(t, "good4", WIRE_T_A));
	assert_false(has(t, "bad-address", WIRE_T_A));
	assert_false(has(t, "scoped", WIRE_T_AAAA));
	local_table_free(t);
}

static void
test_hosts_warnings_are_bounded(void **state)
{
	char text[4096];
	size_t off = 0;
	struct local_table *t = local_table_new(3);
	struct hosts_count n = { 0 };
	struct warnings w = { .n = 0 };

	(void)state;
	for (int i = 0; i < 50; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "bogus%d\n", i);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "192.0.2.1 last\n");
	assert_int_equal(hosts_parse(t, "h", text, off, true, warn, &w, &n), 0);
	assert_int_equal(n.bad, 50);
	assert_int_equal(w.n, HOSTS_MAX_WARNINGS);
	assert_non_null(strstr(w.text[HOSTS_MAX_WARNINGS - 1],
	    "further bad lines only counted"));
	assert_true(has(t, "last", WIRE_T_A));
	local_table_free(t);
}

static void
test_hosts_localhost_kept_without_builtin(void **state)
{
	static const char text[] = "::1 localhost ip6-localhost\n";
	struct local_table *t = local_table_new(3);
	struct hosts_count n = { 0 };

	(void)state;
	assert_int_equal(
	    hosts_parse(t, "h", text, sizeof(text) - 1, false, NULL, NULL, &n),
	    0);
	assert_true(has(t, "localhost", WIRE_T_AAAA));
	assert_true(has(t, "ip6-localhost", WIRE_T_AAAA));
	local_table_free(t);
}

static void
test_hosts_load_reads_a_file_and_fails_clearly(void **state)
{
	char path[] = "/tmp/test_hosts.XXXXXX", err[256];
	struct local_table *t = local_table_new(3);
	struct hosts_count n = { 0 };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "198.51.100.7 file.example\n", 26), 26);
	close(fd);
	assert_int_equal(
	    hosts_load(t, path, true, NULL, NULL, &n, err, sizeof(err)), 0);
	assert_true(has(t, "file.example", WIRE_T_A));
	unlink(path);
	assert_int_equal(
	    hosts_load(t, path, true, NULL, NULL, &n, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(
	    hosts_load(t, "/tmp", true, NULL, NULL, &n, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	local_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_names_aliases_and_ptr),
		cmocka_unit_test(test_hosts_bad_lines_reported_and_skipped),
		cmocka_unit_test(test_hosts_warnings_are_bounded),
		cmocka_unit_test(test_hosts_localhost_kept_without_builtin),
		cmocka_unit_test(
		    test_hosts_load_reads_a_file_and_fails_clearly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
