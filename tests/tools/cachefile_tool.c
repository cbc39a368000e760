/*
 * tests/tools/cachefile_tool.c - the cache file from the command line,
 * for the integration tests and by hand:
 *
 *   cachefile_tool check FILE      load FILE into a 1 GiB cache; print
 *                                  "FILE: N entries" and exit 0, or the
 *                                  reason and exit 1
 *   cachefile_tool sample FILE N   write a file of N small entries
 *   cachefile_tool bench N DIR     fill a cache with N entries, then time
 *                                  fork() (the event loop's stall when
 *                                  roostd saves), a save, and a load
 *
 * The wall clock is the real one; the cache clock starts at 1000.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cachefile.h"
#include "wire.h"

#define NOW 1000
#define BENCH_BUDGET ((size_t)256 << 20) /* 2M buckets */
#define BENCH_SLICE 1024u                /* buckets: ROOSTD_SAVE_SLICE */

static struct cache *
new_cache(size_t budget)
{
	struct cache_limits lim = {
		.budget = budget,
		.max_ttl = 86400,
		.max_negative_ttl = 3600,
		.stale_limit = 86400,
	};

	return cache_new(&lim, 7);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Inserts n entries "nI.bench.test A" answered with one A record. */
static int
fill(struct cache *c, unsigned long n)
{
	uint8_t msg[512], name[WIRE_MAX_NAME];
	char text[64];

	for (unsigned long i = 0; i < n; i++) {
		struct wire_header h = { .id = 1,
			.flags = WIRE_QR | WIRE_RD | WIRE_RA,
			.qdcount = 1,
			.ancount = 1 };
		struct cache_key k = { .name = name,
			.qtype = WIRE_T_A,
			.qclass = WIRE_C_IN };
		size_t len;

		snprintf(text, sizeof(text), "n%lu.bench.test", i);
		if (wire_name_from_text(text, name, &k.name_len) != WIRE_OK)
			return -1;
		wire_write_header(msg, &h);
		len = WIRE_HDR_LEN;
		memcpy(msg + len, name, k.name_len);
		len += k.name_len;
		wire_put16(msg + len, WIRE_T_A);
		wire_put16(msg + len + 2, WIRE_C_IN);
		len += 4;
		wire_put16(msg + len, 0xc000 | WIRE_HDR_LEN);
		wire_put16(msg + len + 2, WIRE_T_A);
		wire_put16(msg + len + 4, WIRE_C_IN);
		wire_put32(msg + len + 6, 3600 + (uint32_t)(i % 3600));
		wire_put16(msg + len + 10, 4);
		wire_put32(msg + len + 12, 0xc0000200 | (uint32_t)(i & 0xff));
		len += 16;
		if (cache_insert(c, &k, msg, len, NOW, NULL) != 1)
			return -1;
	}
	return 0;
}

static int
check(const char *path)
{
	struct cache *c = new_cache((size_t)1 << 30);
	struct cachefile_result r;
	char err[1024];
	int rc;

	if (c == NULL)
		return 2;
	rc = cachefile_load(c, path, NOW, (uint64_t)time(NULL), &r, err,
	    sizeof(err));
	if (rc == 0) {
		printf("%s: no such file\n", path);
		rc = 1;
	} else if (rc < 0) {
		printf("%s\n", err);
		rc = 1;
	} else {
		cache_check(c);
		printf("%s: %llu entries (restored %llu, dropped %llu)\n", path,
		    (unsigned long long)r.entries,
		    (unsigned long long)r.restored,
		    (unsigned long long)r.dropped);
		rc = 0;
	}
	cache_free(c);
	return rc;
}

static int
sample(const char *path, unsigned long n)
{
	struct cache *c = new_cache(BENCH_BUDGET);
	struct cachefile_result r;
	char err[1024];

	if (c == NULL || fill(c, n) != 0 ||
	    cachefile_save(c, path, NOW + 10, (uint64_t)time(NULL), &r, err,
		sizeof(err)) != 0) {
		fprintf(stderr, "sample: %s\n", c == NULL ? "no memory" : err);
		return 1;
	}
	cache_free(c);
	return 0;
}

static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
bench(unsigned long n, const char *dir)
{
	struct cache *c = new_cache(BENCH_BUDGET), *d;
	struct cachefile_snap *s;
	struct cachefile_result r;
	struct timespec t0;
	char path[4096], err[1024];
	double fork_ms = 0, worst = 0, cpu0, total = 0, cworst = 0;
	static double times[1 << 16];
	unsigned slices = 0;
	pid_t pid;
	int st, rc;

	snprintf(path, sizeof(path), "%s/bench.cache", dir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (c == NULL || fill(c, n) != 0) {
		fprintf(stderr, "bench: cannot fill the cache\n");
		return 1;
	}
	printf("filled %lu entries, %zu bytes of cache, in %.0f ms\n", n,
	    cache_stats(c)->bytes, ms_since(&t0));
	/* what a fork() would stall the loop (5 runs) */
	for (int i = 0; i < 5; i++) {
		double ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((pid = fork()) == 0)
			_exit(0);
		ms = ms_since(&t0);
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		waitpid(pid, &st, 0);
		fork_ms += ms;
		if (ms > worst)
			worst = ms;
	}
	printf("fork (not used; for comparison): %.2f ms on average, %.2f ms "
	       "at worst\n",
	    fork_ms / 5, worst);
	/* the loop's stall: one slice of the snapshot */
	worst = 0;
	if ((s = cachefile_snap_new(NOW + 10, (uint64_t)time(NULL))) == NULL)
		return 1;
	do {
		double ms, cms = cpu_ms();

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = cachefile_snap_step(s, c, BENCH_SLICE, NOW + 10);
		ms = ms_since(&t0);
		cms = cpu_ms() - cms;
		if (cms > cworst)
			cworst = cms;
		total += ms;
		if (slices < sizeof(times) / sizeof(times[0]))
			times[slices] = ms;
		slices++;
		if (ms > worst)
			worst = ms;
	} while (rc == 0);
	printf("snapshot: %u slices of %u buckets, %.2f ms at worst (%.2f ms "
	       "of CPU), %.0f ms in all\n",
	    slices, BENCH_SLICE, worst, cworst, total);
	if (slices <= sizeof(times) / sizeof(times[0])) {
		qsort(times, slices, sizeof(times[0]), cmp_double);
		printf("snapshot slices: median %.3f ms, 99th percentile %.3f "
		       "ms\n",
		    times[slices / 2], times[slices * 99 / 100]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc < 0 ||
	    cachefile_snap_write(s, path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	printf("write (the writer thread's part): %llu entries, %llu bytes, "
	       "%.0f ms (checksum, write, fsync, rename)\n",
	    (unsigned long long)r.entries, (unsigned long long)r.bytes,
	    ms_since(&t0));
	cachefile_snap_free(s);
	cache_free(c);
	if ((d = new_cache(BENCH_BUDGET)) == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cpu0 = cpu_ms();
	if (cachefile_load(d, path, NOW, (uint64_t)time(NULL), &r, err,
		sizeof(err)) != 1) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	printf("load: %llu entries restored in %.0f ms (%.0f ms of CPU)\n",
	    (unsigned long long)r.restored, ms_since(&t0), cpu_ms() - cpu0);
	cache_free(d);
	unlink(path);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	if (argc == 4 && strcmp(argv[1], "sample") == 0)
		return sample(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "bench") == 0)
		return bench(strtoul(argv[2], NULL, 10), argv[3]);
	fprintf(stderr,
	    "usage: cachefile_tool check FILE | sample FILE N | "
	    "bench N DIR\n");
	return 2;
}
