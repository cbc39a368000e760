/*
 * tests/tools/blocklist_tool.c - blocklists from the command line, to
 * measure what a big one costs:
 *
 *   blocklist_tool gen [-l] N FILE   write N distinct names shaped like
 *                                    a real list's, as hosts lines
 *                                    ("0.0.0.0 NAME"), or with -l one
 *                                    name per line
 *   blocklist_tool load FILE...      load the files (file index = their
 *                                    position) and seal; print the names,
 *                                    bytes, bytes per name, the load time,
 *                                    the RSS growth, and the time of a
 *                                    lookup (of names mostly in no list)
 *
 * Messages about malformed lines go to stderr.  Exit status 0, 1 when a
 * file cannot be written or read, 2 for a bad command line.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blocklist.h"
#include "wire.h"

#define EXIT_USAGE 2
#define LOOKUPS 1000000UL
#define LOOKUP_STRIDE 64 /* octets per prepared name */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: blocklist_tool gen [-l] N FILE | "
	    "blocklist_tool load FILE...\n");
	exit(EXIT_USAGE);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Resident octets of this process, from /proc/self/statm. */
static size_t
rss(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Name i of a list shaped like the real ones (20 to 25 octets of wire
 * form on average): tracker-like labels, a number, a common TLD.  The
 * same shapes as tests/unit/test_blocklist.c's million names.
 */
static int
gen_name(char *out, size_t outlen, unsigned long i)
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

static int
gen(int argc, char **argv)
{
	bool list = argc > 0 && strcmp(argv[0], "-l") == 0;
	unsigned long n;
	char name[128], *end;
	size_t wire = 0;
	FILE *f;

	if (list) {
		argc--;
		argv++;
	}
	if (argc != 2)
		usage();
	n = strtoul(argv[0], &end, 10);
	if (*end != '\0' || end == argv[0])
		usage();
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "# %lu names written by blocklist_tool\n", n);
	for (unsigned long i = 0; i < n; i++) {
		int len = gen_name(name, sizeof(name), i);

		wire += (size_t)len + 2; /* the first length octet, the root */
		fprintf(f, "%s%s\n", list ? "" : "0.0.0.0 ", name);
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%s: %lu names, %.1f octets of wire form each\n", argv[1], n,
	    n > 0 ? (double)wire / (double)n : 0.0);
	return 0;
}

static void
warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/*
 * Times LOOKUPS lookups of distinct 4-label names (most in no list: the
 * common case), converted to wire form beforehand.
 */
static void
time_lookups(const struct blocklist *b)
{
	uint8_t *names = malloc(LOOKUPS * LOOKUP_STRIDE);
	size_t *lens = malloc(LOOKUPS * sizeof(*lens)), hits = 0;
	struct timespec t0;
	char text[64];
	double ms;

	if (names == NULL || lens == NULL) {
		perror("malloc");
		exit(1);
	}
	for (unsigned long i = 0; i < LOOKUPS; i++) {
		snprintf(text, sizeof(text), "www%lu.shop-%lu.example.com", i,
		    i % 977);
		if (wire_name_from_text(text, names + i * LOOKUP_STRIDE,
			lens + i) != WIRE_OK)
			lens[i] = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < LOOKUPS; i++)
		if (blocklist_match(b, names + i * LOOKUP_STRIDE, lens[i],
			NULL))
			hits++;
	ms = ms_since(&t0);
	printf("%lu lookups of distinct 4-label names (%zu listed): %.0f ms, "
	       "%.0f ns each\n",
	    LOOKUPS, hits, ms, ms * 1e6 / (double)LOOKUPS);
	free(names);
	free(lens);
}

static int
load(int argc, char **argv)
{
	struct blocklist *b = blocklist_new(0x0123456789abcdefULL);
	struct blocklist_counts c;
	struct timespec t0;
	size_t rss0 = rss(), bytes, names, grown;
	char err[1024];
	double ms, ms_load;
	int rc = 0;

	if (argc < 1 || argc > BLOCKLIST_MAX_FILES)
		usage();
	if (b == NULL) {
		perror("blocklist_new");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < argc; i++) {
		if (blocklist_add_file(b, argv[i], (unsigned)i, warn, NULL, &c,
			err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
			continue;
		}
		printf("%s: %zu lines, %zu added, %zu duplicates, %zu "
		       "skipped, %zu malformed\n",
		    argv[i], c.lines, c.added, c.duplicates, c.skipped,
		    c.malformed);
	}
	ms_load = ms_since(&t0);
	blocklist_seal(b);
	ms = ms_since(&t0);
	names = blocklist_count(b);
	bytes = blocklist_bytes(b);
	grown = rss() > rss0 ? rss() - rss0 : 0;
	printf("%zu names, %zu bytes, %.2f bytes/name; loaded in %.0f ms, "
	       "sealed in %.0f ms more; RSS grew by %zu bytes (%.2f/name)\n",
	    names, bytes, names > 0 ? (double)bytes / (double)names : 0.0,
	    ms_load, ms - ms_load, grown,
	    names > 0 ? (double)grown / (double)names : 0.0);
	time_lookups(b);
	blocklist_free(b);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "gen") == 0)
		return gen(argc - 2, argv + 2);
	if (strcmp(argv[1], "load") == 0)
		return load(argc - 2, argv + 2);
	usage();
	return EXIT_USAGE;
}
