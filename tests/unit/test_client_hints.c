/*
 * tests/unit/test_client_hints.c - root hints: the built-in IANA list,
 * and named.root files (the tree's own fixture, and files written here
 * for each way one can be wrong).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hints.h"

static char tmpfile_path[64];

/* A temporary hints file holding text; its path. */
static const char *
write_hints(const char *text)
{
	FILE *f;
	int fd;

	snprintf(tmpfile_path, sizeof(tmpfile_path),
	    "/tmp/test_client_hints.XXXXXX");
	fd = mkstemp(tmpfile_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return tmpfile_path;
}

static int
port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6
	    ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	    : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void
test_hints_builtin_lists_13_sorted_dual_stack(void **state)
{
	struct nsset *set = hints_builtin(5353);

	(void)state;
	assert_non_null(set);
	assert_int_equal(set->n, 13);
	assert_string_equal(set->s[0].name, "a.root-servers.net.");
	assert_string_equal(set->s[12].name, "m.root-servers.net.");
	for (size_t i = 0; i < set->n; i++) {
		assert_int_equal(set->s[i].naddr, 2);
		assert_int_equal(set->s[i].addr[0].ss_family, AF_INET);
		assert_int_equal(set->s[i].addr[1].ss_family, AF_INET6);
		assert_int_equal(port_of(&set->s[i].addr[0]), 5353);
	}
	assert_int_equal(nsset_port(set), 5353);
	nsset_free(set);
}

static void
test_hints_load_reads_the_mock_tree_fixture(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[512], err[256] = "";
	struct nsset *set;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/trace/zones/root.hints",
	    top != NULL ? top : ".");
	set = hints_load(path, 53, err, sizeof(err));
	assert_non_null(set);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->s[0].name, "a.root.test.");
	assert_int_equal(set->s[0].naddr, 2);
	nsset_free(set);
}

static void
test_hints_load_takes_only_root_servers_addresses(void **state)
{
	const char *f = write_hints("; comment\n"
				    ".  3600 IN NS B.Root.Test.\n"
				    ".  3600 IN NS a.root.test.\n"
				    "a.root.test. 3600 IN A 192.0.2.1\n"
				    "b.root.test. 3600 IN AAAA 2001:db8::2\n"
				    "other.test.  3600 IN A 192.0.2.9\n"
				    "test.        3600 IN NS x.test.\n");
	char err[256] = "";
	struct nsset *set = hints_load(f, 1053, err, sizeof(err));

	(void)state;
	unlink(f);
	assert_non_null(set);
	assert_int_equal(set->n, 2); /* x.test. is not a root server */
	assert_string_equal(set->s[0].name, "a.root.test.");
	assert_string_equal(set->s[1].name, "b.root.test."); /* lower-cased */
	assert_int_equal(set->s[0].naddr, 1);
	assert_int_equal(set->s[1].naddr, 1);
	assert_int_equal(set->s[1].addr[0].ss_family, AF_INET6);
	assert_int_equal(port_of(&set->s[0].addr[0]), 1053);
	nsset_free(set);
}

static void
test_hints_rejects_a_file_without_root_ns(void **state)
{
	const char *f = write_hints("a.root.test. 3600 IN A 192.0.2.1\n");
	char err[256] = "", want[128];

	(void)state;
	assert_null(hints_load(f, 53, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: no NS record for the root", f);
	unlink(f);
	assert_string_equal(err, want);
}

static void
test_hints_rejects_root_servers_without_addresses(void **state)
{
	const char *f = write_hints(".  3600 IN NS a.root.test.\n"
				    "b.root.test. 3600 IN A 192.0.2.1\n");
	char err[256] = "", want[128];

	(void)state;
	assert_null(hints_load(f, 53, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: no address for any root server", f);
	unlink(f);
	assert_string_equal(err, want);
}

static void
test_hints_rejects_a_syntax_error_with_its_line(void **state)
{
	/* (not on the last line: there ldns' error is taken as the end) */
	const char *f = write_hints(".  3600 IN NS a.root.test.\n"
				    "a.root.test. 3600 IN A not-an-address\n"
				    "a.root.test. 3600 IN A 192.0.2.1\n");
	char err[256] = "", want[128];

	(void)state;
	assert_null(hints_load(f, 53, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: ", f);
	unlink(f);
	assert_memory_equal(err, want, strlen(want));
}

static void
test_hints_rejects_a_missing_file(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(
	    hints_load("/nonexistent/root.hints", 53, err, sizeof(err)));
	assert_string_equal(err,
	    "/nonexistent/root.hints: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hints_builtin_lists_13_sorted_dual_stack),
		cmocka_unit_test(test_hints_load_reads_the_mock_tree_fixture),
		cmocka_unit_test(
		    test_hints_load_takes_only_root_servers_addresses),
		cmocka_unit_test(test_hints_rejects_a_file_without_root_ns),
		cmocka_unit_test(
		    test_hints_rejects_root_servers_without_addresses),
		cmocka_unit_test(
		    test_hints_rejects_a_syntax_error_with_its_line),
		cmocka_unit_test(test_hints_rejects_a_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
