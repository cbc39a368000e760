/*
 * tests/unit/test_blocklist.c - the blocklist: a name blocks its
 * subtree and nothing else, in any case, with or without the trailing
 * dot; hosts lines, domain lists, adblock's plain form, "*.", comments,
 * CRLF and the localhost lines hosts files carry; the allowlist's
 * precedence; duplicates keeping their first FILE:LINE; malformed
 * entries reported as FILE:LINE and skipped, with a bound; files read
 * across blocks, unreadable and empty; lookups of malformed wire names;
 * a randomized run against a naive model under a printed fixed seed;
 * and the memory of a million names.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blocklist.h"
#include "wire.h"

#define SEED 0x5eed5eed12345678ULL
#define MAX_SEEN 32

static char seen_[MAX_SEEN][BLOCKLIST_WARN_LEN];
static int nseen_;
static struct blocklist_counts counts_;
static char err_[512];

static void
warn(void *arg, const char *msg)
{
	(void)arg;
	if (nseen_ < MAX_SEEN)
		snprintf(seen_[nseen_], sizeof(seen_[0]), "%s", msg);
	nseen_++;
}

static struct blocklist *
new_list(void)
{
	struct blocklist *b = blocklist_new(SEED);

	assert_non_null(b);
	nseen_ = 0;
	return b;
}

/* Adds text as file index file named name; it must not fail. */
static void
add(struct blocklist *b, const char *name, unsigned file, const char *text)
{
	assert_int_equal(blocklist_add_text(b, name, text, strlen(text), file,
			     warn, NULL, &counts_, err_, sizeof(err_)),
	    0);
	blocklist_check(b);
}

/* Matches the presentation-format name text. */
static bool
match(const struct blocklist *b, const char *text, struct blocklist_hit *hit)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(wire_name_from_text(text, name, &len), WIRE_OK);
	return blocklist_match(b, name, len, hit);
}

static enum blocklist_verdict
decide(const struct blocklist *block, const struct blocklist *allow,
    const char *text, struct blocklist_hit *hit)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(wire_name_from_text(text, name, &len), WIRE_OK);
	return blocklist_decide(block, allow, name, len, hit);
}

static void
test_blocklist_blocks_name_and_subtree(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "l", 0, "ads.example\n");
	assert_true(match(b, "ads.example", &hit));
	assert_int_equal(hit.off, 0);
	assert_true(match(b, "x.ads.example", &hit));
	assert_int_equal(hit.off, 2);
	assert_true(match(b, "a.b.c.ads.example", NULL));
	assert_int_equal(blocklist_count(b), 1);
	blocklist_free(b);
}

static void
test_blocklist_spares_parent_and_sibling(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	add(b, "l", 0, "ads.example\n");
	assert_false(match(b, "example", NULL));
	assert_false(match(b, "bads.example", NULL));
	assert_false(match(b, "ads.example.com", NULL));
	assert_false(match(b, "ads.examples", NULL));
	assert_false(match(b, "other.example", NULL));
	assert_false(match(b, ".", NULL));
	blocklist_free(b);
}

static void
test_blocklist_ignores_case_and_trailing_dot(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	add(b, "l", 0, "ADS.Example.\nother.TEST\n");
	assert_true(match(b, "ads.example", NULL));
	assert_true(match(b, "aDs.EXAMPLE.", NULL));
	assert_true(match(b, "WWW.Other.Test", NULL));
	add(b, "l", 0, "ads.example\n");
	assert_int_equal(counts_.duplicates, 1);
	assert_int_equal(blocklist_count(b), 2);
	blocklist_free(b);
}

static void
test_blocklist_reads_hosts_lines_with_several_names(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "hosts", 0,
	    "0.0.0.0 a.example b.example\n"
	    "127.0.0.1\tc.example   d.example\t e.example\n"
	    ":: f.example\n"
	    "::1 g.example\n"
	    "192.0.2.7 h.example\n");
	assert_int_equal(nseen_, 0);
	assert_int_equal(counts_.added, 8);
	assert_int_equal(counts_.lines, 5);
	assert_true(match(b, "b.example", &hit));
	assert_int_equal(hit.line, 1);
	assert_true(match(b, "e.example", &hit));
	assert_int_equal(hit.line, 2);
	assert_true(match(b, "f.example", &hit));
	assert_int_equal(hit.line, 3);
	assert_true(match(b, "h.example", &hit));
	assert_int_equal(hit.line, 5);
	assert_false(match(b, "example", NULL));
	blocklist_free(b);
}

static void
test_blocklist_skips_localhost_lines(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	/* the head of a StevenBlack-style hosts file */
	add(b, "hosts", 0,
	    "127.0.0.1 localhost\n"
	    "127.0.0.1 localhost.localdomain\n"
	    "127.0.0.1 local\n"
	    "255.255.255.255 broadcasthost\n"
	    "::1 localhost ip6-localhost ip6-loopback\n"
	    "fe80::1%lo0 localhost\n"
	    "ff00::0 ip6-localnet\n"
	    "ff00::0 ip6-mcastprefix\n"
	    "ff02::1 ip6-allnodes\n"
	    "ff02::2 ip6-allrouters\n"
	    "ff02::3 ip6-allhosts\n"
	    "127.0.0.1 LOCALHOST. localhost4 localhost6.localdomain6\n"
	    "0.0.0.0 0.0.0.0\n"
	    "0.0.0.0 ads.example\n");
	assert_int_equal(nseen_, 0);
	assert_int_equal(counts_.skipped, 17);
	assert_int_equal(counts_.added, 1);
	assert_int_equal(blocklist_count(b), 1);
	assert_false(match(b, "localhost", NULL));
	assert_false(match(b, "local", NULL));
	assert_false(match(b, "ip6-localhost", NULL));
	assert_true(match(b, "ads.example", NULL));
	blocklist_free(b);
}

static void
test_blocklist_ignores_comments_and_blank_lines(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "l", 0,
	    "# Title: a list\n"
	    "\n"
	    "   \t \n"
	    "#0.0.0.0 commented.example\n"
	    "0.0.0.0 a.example # a trailing comment\n"
	    "b.example\t#tab then comment\n"
	    "   # indented comment\n"
	    "! adblock comment\n"
	    "  c.example  \n");
	assert_int_equal(nseen_, 0);
	assert_int_equal(blocklist_count(b), 3);
	assert_false(match(b, "commented.example", NULL));
	assert_true(match(b, "c.example", &hit));
	assert_int_equal(hit.line, 9);
	blocklist_free(b);
}

static void
test_blocklist_accepts_crlf_and_byte_order_mark(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "l", 0,
	    "\xef\xbb\xbf"
	    "a.example\r\n0.0.0.0 b.example\r\n# c\r\n\r\nd.example");
	assert_int_equal(nseen_, 0);
	assert_int_equal(counts_.lines, 5);
	assert_true(match(b, "a.example", NULL));
	assert_true(match(b, "b.example", NULL));
	assert_true(match(b, "d.example", &hit));
	assert_int_equal(hit.line, 5);
	blocklist_free(b);
}

static void
test_blocklist_wildcard_means_the_same_subtree(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	add(b, "l", 0, "*.ads.example\nads.example\n0.0.0.0 *.t.example\n");
	assert_int_equal(nseen_, 0);
	assert_int_equal(blocklist_count(b), 2);
	assert_int_equal(counts_.duplicates, 1);
	assert_true(match(b, "ads.example", NULL));
	assert_true(match(b, "x.ads.example", NULL));
	assert_true(match(b, "t.example", NULL));
	blocklist_free(b);
}

static void
test_blocklist_accepts_adblock_plain_form_only(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	add(b, "adb", 1,
	    "! Title: adblock style\n"
	    "||ads.example^\n"
	    "||x.example^$third-party\n"
	    "@@||y.example^\n"
	    "|z.example^\n");
	assert_int_equal(blocklist_count(b), 1);
	assert_true(match(b, "w.ads.example", NULL));
	assert_false(match(b, "x.example", NULL));
	assert_int_equal(nseen_, 3);
	assert_string_equal(seen_[0],
	    "adb:3: \"||x.example^$third-party\": not a domain name");
	assert_string_equal(seen_[1],
	    "adb:4: \"@@||y.example^\": not a domain name");
	assert_string_equal(seen_[2],
	    "adb:5: \"|z.example^\": not a domain name");
	blocklist_free(b);
}

static void
test_blocklist_allowlist_exempts_its_subtree_only(void **state)
{
	struct blocklist *block = new_list(), *allow = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(block, "block", 0, "ads.example\n");
	add(allow, "allow", 1, "# ok\nx.ads.example\n");
	assert_int_equal(decide(block, allow, "x.ads.example", &hit),
	    BLOCKLIST_ALLOW);
	assert_int_equal(hit.file, 1);
	assert_int_equal(hit.line, 2);
	assert_int_equal(decide(block, allow, "a.x.ads.example", &hit),
	    BLOCKLIST_ALLOW);
	assert_int_equal(hit.off, 2);
	assert_int_equal(decide(block, allow, "y.ads.example", &hit),
	    BLOCKLIST_BLOCK);
	assert_int_equal(hit.file, 0);
	assert_int_equal(hit.line, 1);
	assert_int_equal(decide(block, allow, "ads.example", NULL),
	    BLOCKLIST_BLOCK);
	hit.line = 77;
	assert_int_equal(decide(block, allow, "other.test", &hit),
	    BLOCKLIST_PASS);
	assert_int_equal(hit.line, 77);
	/* listed only in the allowlist: nothing to exempt */
	add(allow, "allow", 1, "free.test\n");
	assert_int_equal(decide(block, allow, "free.test", NULL),
	    BLOCKLIST_PASS);
	assert_int_equal(decide(block, NULL, "x.ads.example", NULL),
	    BLOCKLIST_BLOCK);
	assert_int_equal(decide(NULL, allow, "x.ads.example", NULL),
	    BLOCKLIST_PASS);
	blocklist_free(allow);
	allow = new_list();
	/* an allowed parent wins over a more specific blocked name */
	add(allow, "allow", 1, "example\n");
	assert_int_equal(decide(block, allow, "w.ads.example", &hit),
	    BLOCKLIST_ALLOW);
	assert_int_equal(hit.off, 6);
	blocklist_free(allow);
	blocklist_free(block);
}

static void
test_blocklist_duplicates_keep_first_file_and_line(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "one", 0, "a.example\nb.example\nA.EXAMPLE.\n");
	assert_int_equal(counts_.added, 2);
	assert_int_equal(counts_.duplicates, 1);
	add(b, "two", 1, "c.example\n0.0.0.0 b.example a.example\n");
	assert_int_equal(counts_.added, 1);
	assert_int_equal(counts_.duplicates, 2);
	assert_int_equal(blocklist_count(b), 3);
	assert_true(match(b, "b.example", &hit));
	assert_int_equal(hit.file, 0);
	assert_int_equal(hit.line, 2);
	assert_true(match(b, "a.example", &hit));
	assert_int_equal(hit.file, 0);
	assert_int_equal(hit.line, 1);
	assert_true(match(b, "c.example", &hit));
	assert_int_equal(hit.file, 1);
	assert_int_equal(hit.line, 1);
	blocklist_free(b);
}

static void
test_blocklist_reports_malformed_lines_and_applies_the_rest(void **state)
{
	struct blocklist *b = new_list();
	char text[2048], label[70], big[300];
	size_t i;

	(void)state;
	memset(label, 'x', 64);
	label[64] = '\0';
	for (i = 0; i + 2 < 260; i += 2)
		memcpy(big + i, "a.", 2);
	big[i] = '\0';
	snprintf(text, sizeof(text),
	    "good1.example\n"                                 /* 1 */
	    "a..example\n"                                    /* 2 */
	    "%s.example\n"                                    /* 3 */
	    "%s\n"                                            /* 4 */
	    "0.0.0.0\n"                                       /* 5 */
	    "a.example b.example\n"                           /* 6 */
	    ".\n"                                             /* 7 */
	    "0.0.0.0 ok.example b\\x.example good2.example\n" /* 8 */
	    "bad#glued.example\n"                             /* 9 */
	    "caf\xc3\xa9.example\n"                           /* 10 */
	    "*.\n"                                            /* 11 */
	    "good3.example\n",                                /* 12 */
	    label, big);
	add(b, "t.txt", 2, text);
	assert_int_equal(nseen_, 10);
	assert_string_equal(seen_[0],
	    "t.txt:2: \"a..example\": an empty label");
	assert_string_equal(seen_[1],
	    "t.txt:3: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\": "
	    "a label longer than 63 octets");
	assert_string_equal(seen_[2],
	    "t.txt:4: \"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a....\": "
	    "longer than 255 octets");
	assert_string_equal(seen_[3],
	    "t.txt:5: address \"0.0.0.0\" without a name");
	assert_string_equal(seen_[4],
	    "t.txt:6: \"a.example b.example\": more than one name without an "
	    "address");
	assert_string_equal(seen_[5],
	    "t.txt:7: \".\": the root cannot be listed");
	assert_string_equal(seen_[6],
	    "t.txt:8: \"b\\x.example\": not a domain name");
	assert_string_equal(seen_[7],
	    "t.txt:9: \"bad#glued.example\": not a domain name");
	assert_string_equal(seen_[8],
	    "t.txt:10: \"caf??.example\": not a domain name");
	assert_string_equal(seen_[9], "t.txt:11: \"*.\": not a domain name");
	assert_int_equal(counts_.malformed, 10);
	assert_int_equal(counts_.lines, 12);
	assert_int_equal(blocklist_count(b), 4);
	assert_true(match(b, "good1.example", NULL));
	assert_true(match(b, "ok.example", NULL));
	assert_true(match(b, "good2.example", NULL));
	assert_true(match(b, "good3.example", NULL));
	assert_false(match(b, "example", NULL));
	blocklist_free(b);
}

static void
test_blocklist_bounds_its_reports(void **state)
{
	struct blocklist *b = new_list();
	char text[1024] = "";

	(void)state;
	for (int i = 0; i < 25; i++)
		strcat(text, "bad!name\n");
	strcat(text, "fine.example\n");
	add(b, "many", 0, text);
	assert_int_equal(counts_.malformed, 25);
	assert_int_equal(nseen_, BLOCKLIST_MAX_WARN + 1);
	assert_string_equal(seen_[0],
	    "many:1: \"bad!name\": not a domain name");
	assert_string_equal(seen_[BLOCKLIST_MAX_WARN],
	    "many: 15 more malformed entries not shown");
	assert_true(match(b, "fine.example", NULL));
	/* the bound is per file */
	nseen_ = 0;
	add(b, "next", 1, "bad!name\n");
	assert_int_equal(nseen_, 1);
	blocklist_free(b);
}

static void
test_blocklist_skips_overlong_lines(void **state)
{
	struct blocklist *b = new_list();
	size_t n = BLOCKLIST_MAX_LINE_LEN + 1;
	char *text = malloc(n + 64);
	struct blocklist_hit hit;

	(void)state;
	assert_non_null(text);
	memset(text, 'a', n);
	strcpy(text + n, "\nafter.example\n");
	add(b, "long", 0, text);
	assert_int_equal(nseen_, 1);
	assert_string_equal(seen_[0], "long:1: a line longer than 4096 octets");
	assert_true(match(b, "after.example", &hit));
	assert_int_equal(hit.line, 2);
	free(text);
	blocklist_free(b);
}

/* Writes text to a new temporary file; returns its path (static). */
static const char *
temp_file(const char *text, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_blocklist.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_blocklist_reads_a_file_across_blocks(void **state)
{
	struct blocklist *b = new_list();
	size_t cap = 4 << 20, len = 0, longline = 200000;
	char *text = malloc(cap), name[64];
	struct blocklist_hit hit;
	const char *path;

	(void)state;
	assert_non_null(text);
	/* 60000 lines (some 1.4 MB, many 64 KiB blocks), then a line
	 * longer than a block, then one more name without a newline */
	for (int i = 1; i <= 60000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    i % 2 ? "0.0.0.0 n%d.file.example\r\n"
			  : "n%d.file.example\n",
		    i);
	memset(text + len, 'z', longline);
	len += longline;
	len += (size_t)snprintf(text + len, cap - len, "\nlast.example");
	path = temp_file(text, len);
	assert_int_equal(blocklist_add_file(b, path, 4, warn, NULL, &counts_,
			     err_, sizeof(err_)),
	    0);
	unlink(path);
	blocklist_check(b);
	assert_int_equal(counts_.lines, 60002);
	assert_int_equal(counts_.added, 60001);
	assert_int_equal(nseen_, 1);
	assert_non_null(strstr(seen_[0], ":60001: a line longer than 4096"));
	for (int i = 1; i <= 60000; i += 997) {
		snprintf(name, sizeof(name), "x.n%d.file.example", i);
		assert_true(match(b, name, &hit));
		assert_int_equal(hit.file, 4);
		assert_int_equal(hit.line, i);
	}
	assert_true(match(b, "last.example", &hit));
	assert_int_equal(hit.line, 60002);
	free(text);
	blocklist_free(b);
}

static void
test_blocklist_reports_an_unreadable_file(void **state)
{
	struct blocklist *b = new_list();

	(void)state;
	assert_int_equal(blocklist_add_file(b, "/nonexistent/block.list", 0,
			     warn, NULL, &counts_, err_, sizeof(err_)),
	    -1);
	assert_string_equal(err_,
	    "/nonexistent/block.list: No such file or directory");
	assert_int_equal(
	    blocklist_add_file(b, "/", 0, warn, NULL, NULL, err_, sizeof(err_)),
	    -1);
	assert_string_equal(err_, "/: Is a directory");
	assert_int_equal(blocklist_add_text(b, "idx", "a.example\n", 10,
			     BLOCKLIST_MAX_FILES, warn, NULL, NULL, err_,
			     sizeof(err_)),
	    -1);
	assert_string_equal(err_, "idx: file index 256 over 255");
	assert_int_equal(blocklist_count(b), 0);
	blocklist_free(b);
}

static void
test_blocklist_loads_an_empty_file(void **state)
{
	struct blocklist *b = new_list();
	const char *path = temp_file("", 0);

	(void)state;
	assert_int_equal(blocklist_add_file(b, path, 0, warn, NULL, &counts_,
			     err_, sizeof(err_)),
	    0);
	unlink(path);
	assert_int_equal(counts_.lines, 0);
	assert_int_equal(blocklist_count(b), 0);
	assert_false(match(b, "example", NULL));
	blocklist_seal(b);
	blocklist_check(b);
	assert_false(match(b, "example", NULL));
	assert_int_equal(nseen_, 0);
	blocklist_free(b);
}

static void
test_blocklist_match_reports_file_line_and_most_specific(void **state)
{
	struct blocklist *b = new_list();
	struct blocklist_hit hit;

	(void)state;
	add(b, "first", 3, "# a\nexample\n");
	add(b, "second", 7, "\n\n\nads.example\n");
	assert_true(match(b, "x.ads.example", &hit));
	assert_int_equal(hit.file, 7);
	assert_int_equal(hit.line, 4);
	assert_int_equal(hit.off, 2);
	assert_true(match(b, "x.other.example", &hit));
	assert_int_equal(hit.file, 3);
	assert_int_equal(hit.line, 2);
	assert_int_equal(hit.off, 8);
	blocklist_free(b);
}

static void
test_blocklist_matches_no_malformed_wire_name(void **state)
{
	struct blocklist *b = new_list();
	uint8_t name[300];

	(void)state;
	add(b, "l", 0, "ads.example\n");
	memcpy(name, "\3ads\7example\0", 13);
	assert_true(blocklist_match(b, name, 13, NULL));
	assert_false(blocklist_match(b, name, 12, NULL)); /* no root */
	assert_false(blocklist_match(b, name, 14, NULL)); /* octet after */
	assert_false(blocklist_match(b, name, 0, NULL));
	name[4] = 20; /* a label past the end */
	assert_false(blocklist_match(b, name, 13, NULL));
	memset(name, 0, sizeof(name));
	name[0] = 64; /* a reserved label type */
	assert_false(blocklist_match(b, name, 66, NULL));
	assert_false(blocklist_match(b, name, 256, NULL));
	assert_false(blocklist_match(NULL, name, 13, NULL));
	blocklist_free(b);
}

static void
test_blocklist_seal_keeps_names_and_allows_more(void **state)
{
	struct blocklist *b = new_list();
	char text[64];
	size_t before;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "s%d.example\n", i);
		add(b, "l", 0, text);
	}
	before = blocklist_bytes(b);
	blocklist_seal(b);
	blocklist_check(b);
	assert_true(blocklist_bytes(b) < before);
	add(b, "l", 1, "after.seal\n");
	assert_true(match(b, "s999.example", NULL));
	assert_true(match(b, "after.seal", NULL));
	assert_int_equal(blocklist_count(b), 1001);
	blocklist_free(b);
}

static void
test_blocklist_records_lines_up_to_the_limit(void **state)
{
	struct blocklist *b = new_list();
	size_t len = BLOCKLIST_MAX_LINE - 1;
	char *text = malloc(len + 64);
	struct blocklist_hit hit;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', len);
	strcpy(text + len, "near.example\nfar.example\n");
	add(b, "long", 0, text);
	free(text);
	assert_int_equal(counts_.lines, (size_t)BLOCKLIST_MAX_LINE + 1);
	assert_true(match(b, "near.example", &hit));
	assert_int_equal(hit.line, BLOCKLIST_MAX_LINE);
	/* past the limit: listed all the same, its line not recorded */
	assert_true(match(b, "far.example", &hit));
	assert_int_equal(hit.line, 0);
	blocklist_free(b);
}

/* --- randomized, against a naive model ------------------------------- */

static uint64_t rng_;

static uint64_t
rnd(void)
{
	rng_ ^= rng_ << 13;
	rng_ ^= rng_ >> 7;
	rng_ ^= rng_ << 17;
	return rng_;
}

/* A random name of 1..4 labels from a small alphabet (many clashes). */
static void
random_name(char *out, size_t outlen)
{
	static const char *const labels[] = { "a", "b", "ab", "ads", "x-1",
		"Ads", "t_k" };
	int n = 1 + (int)(rnd() % 4);
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%s%s",
		    i > 0 ? "." : "", labels[rnd() % 7]);
}

#define MODEL_NAMES 300

static void
test_blocklist_agrees_with_a_naive_model(void **state)
{
	static char model[MODEL_NAMES][64];
	struct blocklist *b = new_list();
	uint8_t q[WIRE_MAX_NAME], m[WIRE_MAX_NAME];
	size_t nmodel = 0, qlen, mlen;
	char text[80], lower[64];

	(void)state;
	rng_ = 0x9e3779b97f4a7c15ULL;
	print_message("seed %#llx\n", (unsigned long long)rng_);
	for (int i = 0; i < MODEL_NAMES; i++) {
		bool dup = false;

		random_name(text, sizeof(text));
		for (size_t k = 0; text[k] != '\0'; k++)
			lower[k] = (char)(text[k] |
			    (text[k] >= 'A' && text[k] <= 'Z' ? 0x20 : 0));
		lower[strlen(text)] = '\0';
		for (size_t k = 0; k < nmodel && !dup; k++)
			dup = strcmp(model[k], lower) == 0;
		if (!dup)
			snprintf(model[nmodel++], sizeof(model[0]), "%s",
			    lower);
		strcat(text, "\n");
		add(b, "m", 0, text);
	}
	assert_int_equal(blocklist_count(b), nmodel);
	for (int i = 0; i < 5000; i++) {
		struct blocklist_hit hit;
		bool got, want = false;
		size_t best = 0;

		random_name(text, sizeof(text));
		assert_int_equal(wire_name_from_text(text, q, &qlen), WIRE_OK);
		for (size_t k = 0; k < nmodel; k++) {
			assert_int_equal(
			    wire_name_from_text(model[k], m, &mlen), WIRE_OK);
			if (wire_name_is_subdomain(q, qlen, m, mlen) &&
			    (!want || mlen > best)) {
				want = true;
				best = mlen;
			}
		}
		got = blocklist_match(b, q, qlen, &hit);
		assert_int_equal(got, want);
		if (got)
			assert_int_equal(qlen - hit.off, best);
		if (i == 2500)
			blocklist_seal(b);
	}
	blocklist_check(b);
	blocklist_free(b);
}

/* --- a million names -------------------------------------------------- */

/*
 * Name i of a list shaped like the real ones (20 to 25 octets of wire
 * form on average): tracker-like labels, a number, a common TLD.
 * tests/tools/blocklist_tool.c writes the same shapes.
 */
static int
big_name(char *out, size_t outlen, unsigned long i)
{
	static const char *const w[] = { "ads", "track", "pixel", "metrics",
		"stats", "beacon", "click", "cdn", "log", "tag", "sync",
		"promo", "adserver", "telemetry", "analytics", "counter" };
	static const char *const tld[] = { "com", "net", "org", "io", "de",
		"ru", "info", "xyz", "co.uk", "biz" };
	const char *a = w[i % 16], *c = tld[(i / 16) % 10];
	const char *m = w[(i / 160) % 16];

	switch ((i / 7) % 4) {
	case 0:
		return snprintf(out, outlen, "%s%lu.%s.%s", a, i, m, c);
	case 1:
		return snprintf(out, outlen, "%s-%s%lu.%s", a, m, i, c);
	case 2:
		return snprintf(out, outlen, "%s.%s%lu.%s", a, m, i, c);
	default:
		return snprintf(out, outlen, "%lx.%s-%s.%s", i, a, m, c);
	}
}

#define BIG_NAMES 1000000UL

static void
test_blocklist_million_names_cost_at_most_40_octets_each(void **state)
{
	struct blocklist *b = new_list();
	size_t cap = BIG_NAMES * 48, len = 0, bytes;
	char *text = malloc(cap), name[80];

	(void)state;
	assert_non_null(text);
	for (unsigned long i = 0; i < BIG_NAMES; i++) {
		if (i % 2 == 0)
			len +=
			    (size_t)snprintf(text + len, cap - len, "0.0.0.0 ");
		len += (size_t)big_name(text + len, cap - len, i);
		text[len++] = '\n';
	}
	assert_int_equal(blocklist_add_text(b, "big", text, len, 0, warn, NULL,
			     &counts_, err_, sizeof(err_)),
	    0);
	free(text);
	assert_int_equal(nseen_, 0);
	assert_int_equal(blocklist_count(b), BIG_NAMES);
	blocklist_seal(b);
	bytes = blocklist_bytes(b);
	print_message("%zu names, %zu bytes, %.2f bytes/name\n",
	    blocklist_count(b), bytes, (double)bytes / BIG_NAMES);
	assert_true(bytes <= 40 * BIG_NAMES);
	for (unsigned long i = 0; i < BIG_NAMES; i += 9973) {
		struct blocklist_hit hit;

		big_name(name, sizeof(name), i);
		assert_true(match(b, name, &hit));
		assert_int_equal(hit.line, i + 1);
	}
	assert_false(match(b, "ads.com", NULL));
	blocklist_check(b);
	blocklist_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocklist_blocks_name_and_subtree),
		cmocka_unit_test(test_blocklist_spares_parent_and_sibling),
		cmocka_unit_test(test_blocklist_ignores_case_and_trailing_dot),
		cmocka_unit_test(
		    test_blocklist_reads_hosts_lines_with_several_names),
		cmocka_unit_test(test_blocklist_skips_localhost_lines),
		cmocka_unit_test(
		    test_blocklist_ignores_comments_and_blank_lines),
		cmocka_unit_test(
		    test_blocklist_accepts_crlf_and_byte_order_mark),
		cmocka_unit_test(
		    test_blocklist_wildcard_means_the_same_subtree),
		cmocka_unit_test(
		    test_blocklist_accepts_adblock_plain_form_only),
		cmocka_unit_test(
		    test_blocklist_allowlist_exempts_its_subtree_only),
		cmocka_unit_test(
		    test_blocklist_duplicates_keep_first_file_and_line),
		cmocka_unit_test(
		    test_blocklist_reports_malformed_lines_and_applies_the_rest),
		cmocka_unit_test(test_blocklist_bounds_its_reports),
		cmocka_unit_test(test_blocklist_skips_overlong_lines),
		cmocka_unit_test(test_blocklist_reads_a_file_across_blocks),
		cmocka_unit_test(test_blocklist_reports_an_unreadable_file),
		cmocka_unit_test(test_blocklist_loads_an_empty_file),
		cmocka_unit_test(
		    test_blocklist_match_reports_file_line_and_most_specific),
		cmocka_unit_test(test_blocklist_matches_no_malformed_wire_name),
		cmocka_unit_test(
		    test_blocklist_seal_keeps_names_and_allows_more),
		cmocka_unit_test(test_blocklist_records_lines_up_to_the_limit),
		cmocka_unit_test(test_blocklist_agrees_with_a_naive_model),
		cmocka_unit_test(
		    test_blocklist_million_names_cost_at_most_40_octets_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
