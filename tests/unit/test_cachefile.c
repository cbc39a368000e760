/*
 * tests/unit/test_cachefile.c - the cache file: a round trip keeps every
 * entry with its age grown by the (injected) wall-clock downtime; a
 * clock that went backwards counts as no downtime; every truncation and
 * every single bit flip is refused with the cache left empty; a foreign
 * file and a newer version are refused with their own reasons; a save
 * that cannot finish (its temporary path taken, a file size limit hit
 * half-way) leaves the previous file as it was and no temporary file.
 * cache_check() runs after each load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "cachefile.h"
#include "wire.h"

#define WALL 1800000000ull /* the wall clock at the save, s */
#define ERRLEN 512

/* --- answers ------------------------------------------------------------- */

struct msg {
	uint8_t b[1024];
	size_t len;
};

static void
put16(struct msg *m, uint16_t v)
{
	wire_put16(m->b + m->len, v);
	m->len += 2;
}

static void
put32(struct msg *m, uint32_t v)
{
	wire_put32(m->b + m->len, v);
	m->len += 4;
}

static void
put_name(struct msg *m, const char *text)
{
	size_t n;

	assert_int_equal(wire_name_from_text(text, m->b + m->len, &n), WIRE_OK);
	m->len += n;
}

/* "NAME A" answered with one A record of ttl, or NXDOMAIN with a SOA. */
static void
answer(struct msg *m, const char *name, uint32_t ttl, bool nxdomain)
{
	size_t rdl;

	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m,
	    (uint16_t)(WIRE_QR | WIRE_RD | WIRE_RA |
		(nxdomain ? WIRE_NXDOMAIN : 0)));
	put16(m, 1);
	put16(m, nxdomain ? 0 : 1);
	put16(m, nxdomain ? 1 : 0);
	put16(m, 0);
	put_name(m, name);
	put16(m, WIRE_T_A);
	put16(m, WIRE_C_IN);
	if (!nxdomain) {
		put16(m, 0xc000 | WIRE_HDR_LEN);
		put16(m, WIRE_T_A);
		put16(m, WIRE_C_IN);
		put32(m, ttl);
		put16(m, 4);
		put32(m, 0xc0000201);
		return;
	}
	put_name(m, "example.test");
	put16(m, WIRE_T_SOA);
	put16(m, WIRE_C_IN);
	put32(m, ttl);
	rdl = m->len;
	put16(m, 0);
	put_name(m, "ns1.example.test");
	put_name(m, "hostmaster.example.test");
	put32(m, 1);
	put32(m, 7200);
	put32(m, 900);
	put32(m, 1209600);
	put32(m, ttl);
	wire_put16(m->b + rdl, (uint16_t)(m->len - rdl - 2));
}

struct name {
	uint8_t b[WIRE_MAX_NAME];
	struct cache_key k;
};

static struct cache_key *
key(struct name *n, const char *text, bool dnssec_ok)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(wire_name_from_text(text, n->b, &n->k.name_len),
	    WIRE_OK);
	n->k.name = n->b;
	n->k.qtype = WIRE_T_A;
	n->k.qclass = WIRE_C_IN;
	n->k.dnssec_ok = dnssec_ok;
	return &n->k;
}

static struct cache *
new_cache(uint32_t stale_limit)
{
	struct cache_limits lim = {
		.budget = 4u << 20,
		.min_ttl = 0,
		.max_ttl = 86400,
		.max_negative_ttl = 3600,
		.stale_limit = stale_limit,
	};
	struct cache *c = cache_new(&lim, 42);

	assert_non_null(c);
	return c;
}

static void
insert(struct cache *c, const char *name, bool dnssec_ok, uint32_t ttl,
    bool nxdomain, uint32_t now)
{
	struct name n;
	struct msg m;

	answer(&m, name, ttl, nxdomain);
	assert_int_equal(
	    cache_insert(c, key(&n, name, dnssec_ok), m.b, m.len, now, NULL),
	    1);
}

/* An upstream's EDE 17 "by policy", as wire_ede_copy() keeps it. */
static const uint8_t ede17[] = { 0x00, 0x0f, 0x00, 0x0b, 0x00, 0x11, 'b', 'y',
	' ', 'p', 'o', 'l', 'i', 'c', 'y' };

/* The state of name in c at now, and its TTL left in *ttl. */
static enum cache_state
look(struct cache *c, const char *name, bool dnssec_ok, uint32_t now,
    uint32_t *ttl)
{
	struct name n;
	const struct cache_entry *e = NULL;
	enum cache_state s = cache_lookup(c, key(&n, name, dnssec_ok), now, &e);

	*ttl = s == CACHE_MISS ? 0 : cache_entry_ttl(e, now);
	return s;
}

/* True if name's entry in c carries exactly the EDE options ede. */
static bool
has_ede(struct cache *c, const char *name, bool dnssec_ok, uint32_t now,
    const uint8_t *ede, size_t len)
{
	struct name n;
	const struct cache_entry *e = NULL;
	const uint8_t *got;
	size_t glen;

	if (cache_lookup(c, key(&n, name, dnssec_ok), now, &e) == CACHE_MISS)
		return false;
	got = cache_entry_ede(e, &glen);
	return glen == len && (len == 0 || memcmp(got, ede, len) == 0);
}

/* --- files --------------------------------------------------------------- */

static char dir[256];
static char path[300];

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_cachefile.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/cache", dir);
	return 0;
}

static int
teardown(void **state)
{
	char tmp[320];

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(path);
	(void)rmdir(tmp);
	(void)unlink(tmp);
	return rmdir(dir);
}

/* The whole file at path, in a malloc'd buffer the caller frees. */
static uint8_t *
slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static bool
exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* A cache of four entries of each kind, saved to path at now 1000. */
static void
save_sample(void)
{
	struct cache *c = new_cache(86400);
	struct cachefile_result r;
	struct name n;
	char err[ERRLEN] = "";

	struct msg m;

	insert(c, "long.example.test", false, 3600, false, 900);
	/* DO, and with an upstream's extended error */
	answer(&m, "long.example.test", 3600, false);
	assert_int_equal(cache_insert_ede(c, key(&n, "long.example.test", true),
			     m.b, m.len, ede17, sizeof(ede17), 900, NULL),
	    1);
	insert(c, "short.example.test", false, 150, false, 900);
	insert(c, "gone.example.test", false, 60, false, 900);
	insert(c, "nx.example.test", false, 600, true, 990);
	assert_int_equal(cache_insert_servfail(c,
			     key(&n, "fail.example.test", false), 995, 30, NULL,
			     0),
	    1);
	assert_int_equal(
	    cachefile_save(c, path, 1000, WALL, &r, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(r.entries, 6);
	cache_free(c);
}

/* --- tests ----------------------------------------------------------------- */

static void
test_crc32c_matches_the_check_value(void **state)
{
	(void)state;
	/* RFC 3720 B.4's check value of "123456789" */
	assert_int_equal(cachefile_crc32c(0, "123456789", 9), 0xe3069283u);
	/* continued over two calls: the same */
	assert_int_equal(
	    cachefile_crc32c(cachefile_crc32c(0, "1234", 4), "56789", 5),
	    0xe3069283u);
	assert_int_equal(cachefile_crc32c(0, "", 0), 0);
	assert_int_equal(cachefile_crc32c_sw(0, "123456789", 9), 0xe3069283u);
	/* the CPU's way and the tables agree, at every length and offset */
	{
		uint8_t buf[300];

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 37 + 11);
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n + off <= sizeof(buf); n++)
				assert_int_equal(
				    cachefile_crc32c(7, buf + off, n),
				    cachefile_crc32c_sw(7, buf + off, n));
	}
}

static void
test_round_trip_ages_entries_by_the_downtime(void **state)
{
	struct cache *d = new_cache(86400);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	uint32_t ttl;

	(void)state;
	save_sample();
	/* back 100 s later, on a monotonic clock that restarted at 50 */
	assert_int_equal(
	    cachefile_load(d, path, 50, WALL + 100, &r, err, sizeof(err)), 1);
	cache_check(d);
	assert_int_equal(r.entries, 6);
	assert_int_equal(r.downtime, 100);
	/* servfail: 30 s from 995, dead at 1025 and never stale */
	assert_int_equal(r.restored, 5);
	assert_int_equal(r.dropped, 1);
	/* stored at 900 for 3600 s, saved at age 100, 100 s down: 3400 */
	assert_int_equal(look(d, "long.example.test", false, 50, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 3400);
	assert_int_equal(look(d, "long.example.test", true, 50, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 3400);
	/* the extended error came back with it, and only with it */
	assert_true(
	    has_ede(d, "long.example.test", true, 50, ede17, sizeof(ede17)));
	assert_true(has_ede(d, "long.example.test", false, 50, NULL, 0));
	/* 150 s from 900, age 200 now: stale, within the stale limit */
	assert_int_equal(look(d, "short.example.test", false, 50, &ttl),
	    CACHE_STALE);
	assert_int_equal(look(d, "gone.example.test", false, 50, &ttl),
	    CACHE_STALE);
	/* NXDOMAIN, 600 s from 990: 600 - 10 - 100 */
	assert_int_equal(look(d, "nx.example.test", false, 50, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 490);
	assert_int_equal(look(d, "fail.example.test", false, 50, &ttl),
	    CACHE_MISS);
	/* and the clock of d runs on from there */
	assert_int_equal(look(d, "long.example.test", false, 450, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 3000);
	cache_check(d);
	cache_free(d);
}

static void
test_expired_entries_are_dropped_without_a_stale_limit(void **state)
{
	struct cache *d = new_cache(0);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	uint32_t ttl;

	(void)state;
	save_sample();
	assert_int_equal(
	    cachefile_load(d, path, 7, WALL + 100, &r, err, sizeof(err)), 1);
	cache_check(d);
	/* long twice and nx are left */
	assert_int_equal(r.restored, 3);
	assert_int_equal(r.dropped, 3);
	assert_int_equal(cache_stats(d)->entries, 3);
	assert_int_equal(look(d, "short.example.test", false, 7, &ttl),
	    CACHE_MISS);
	cache_free(d);
}

static void
test_a_clock_gone_backwards_counts_as_no_downtime(void **state)
{
	struct cache *d = new_cache(0);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	uint32_t ttl;

	(void)state;
	save_sample();
	assert_int_equal(
	    cachefile_load(d, path, 5000, WALL - 86400, &r, err, sizeof(err)),
	    1);
	assert_int_equal(r.downtime, 0);
	assert_int_equal(look(d, "long.example.test", false, 5000, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 3500);
	assert_int_equal(look(d, "short.example.test", false, 5000, &ttl),
	    CACHE_FRESH);
	assert_int_equal(ttl, 50);
	cache_check(d);
	cache_free(d);
}

static void
test_a_long_downtime_drops_everything(void **state)
{
	struct cache *d = new_cache(604800);
	struct cachefile_result r;
	char err[ERRLEN] = "";

	(void)state;
	save_sample();
	/* fifty years: ages past what any lifetime and stale limit allow */
	assert_int_equal(cachefile_load(d, path, 1, WALL + 50ull * 31557600, &r,
			     err, sizeof(err)),
	    1);
	assert_int_equal(r.restored, 0);
	assert_int_equal(r.dropped, 6);
	assert_int_equal(cache_stats(d)->entries, 0);
	cache_free(d);
}

static void
test_empty_cache_round_trips(void **state)
{
	struct cache *c = new_cache(0), *d = new_cache(0);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	size_t len;
	uint8_t *buf;

	(void)state;
	assert_int_equal(cachefile_save(c, path, 1, WALL, &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.entries, 0);
	assert_int_equal(r.bytes, CACHEFILE_HEADER_LEN);
	buf = slurp(path, &len);
	assert_int_equal(len, CACHEFILE_HEADER_LEN);
	free(buf);
	assert_int_equal(cachefile_load(d, path, 1, WALL, &r, err, sizeof(err)),
	    1);
	assert_int_equal(r.entries, 0);
	assert_int_equal(cache_stats(d)->entries, 0);
	cache_free(c);
	cache_free(d);
}

static void
test_a_missing_file_is_a_cold_start(void **state)
{
	struct cache *d = new_cache(0);
	struct cachefile_result r;
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(cachefile_load(d, path, 1, WALL, &r, err, sizeof(err)),
	    0);
	assert_int_equal(cache_stats(d)->entries, 0);
	cache_free(d);
}

/* Loads len octets of buf into a fresh cache: must fail, cache empty. */
static void
refused(const uint8_t *buf, size_t len, char *why, size_t whylen)
{
	struct cache *d = new_cache(86400);
	struct cachefile_result r;
	int rc =
	    cachefile_load_buffer(d, buf, len, 50, WALL + 1, &r, why, whylen);

	if (rc != -1)
		fail_msg("accepted (%d) a damaged file of %zu bytes", rc, len);
	assert_int_equal(cache_stats(d)->entries, 0);
	cache_check(d);
	cache_free(d);
}

static void
test_every_truncation_is_refused(void **state)
{
	struct cache *d = new_cache(86400);
	struct cachefile_result r;
	char why[ERRLEN], err[ERRLEN];
	uint8_t *buf;
	size_t len;
	FILE *f;

	(void)state;
	save_sample();
	buf = slurp(path, &len);
	assert_true(len > CACHEFILE_HEADER_LEN);
	for (size_t n = 0; n < len; n++) {
		refused(buf, n, why, sizeof(why));
		assert_non_null(strstr(why, "truncated"));
	}
	/* the whole is fine */
	assert_int_equal(
	    cachefile_load_buffer(d, buf, len, 50, WALL, &r, why, sizeof(why)),
	    1);
	/* and through a file: the message names it */
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, len - 1, f), len - 1);
	fclose(f);
	cache_flush(d);
	assert_int_equal(
	    cachefile_load(d, path, 50, WALL, &r, err, sizeof(err)), -1);
	assert_int_equal(cache_stats(d)->entries, 0);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_non_null(strstr(err, ": truncated: "));
	free(buf);
	cache_free(d);
}

static void
test_every_bit_flip_is_refused(void **state)
{
	char why[ERRLEN];
	uint8_t *buf;
	size_t len;

	(void)state;
	save_sample();
	buf = slurp(path, &len);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			refused(buf, len, why, sizeof(why));
			buf[i] ^= (uint8_t)(1u << bit);
		}
	free(buf);
}

static void
test_foreign_and_newer_files_are_refused_with_their_reason(void **state)
{
	static const char text[] =
	    "# not a cache\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n"
	    "options edns0 trust-ad\nsearch example.test\n";
	char why[ERRLEN];
	uint8_t *buf;
	size_t len;

	(void)state;
	refused((const uint8_t *)text, sizeof(text) - 1, why, sizeof(why));
	assert_string_equal(why, "not a roostd cache file (bad magic)");

	save_sample();
	buf = slurp(path, &len);
	wire_put32(buf + 8, 0); /* version 2, little-endian */
	buf[8] = 2;
	cachefile_seal(buf, len);
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why,
	    "version 2 is newer than this roostd reads (1)");
	/* even if a newer version lays its header out otherwise */
	buf[44] ^= 0xff;
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why,
	    "version 2 is newer than this roostd reads (1)");
	buf[44] ^= 0xff;
	/* a damaged header of version 1 */
	buf[8] = 1;
	buf[20] ^= 1;
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why, "corrupt header (checksum mismatch)");
	buf[20] ^= 1;
	cachefile_seal(buf, len);
	/* a damaged body */
	buf[len - 1] ^= 0x40;
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why, "corrupt (checksum mismatch)");
	free(buf);
}

static void
test_sealed_nonsense_is_refused_before_anything_is_stored(void **state)
{
	char why[ERRLEN];
	uint8_t *buf, *big;
	size_t len;

	(void)state;
	save_sample();
	buf = slurp(path, &len);
	/* the last record claims more answer than there is */
	big = malloc(len + 1);
	assert_non_null(big);
	memcpy(big, buf, len);
	big[len] = 0;
	cachefile_seal(big, len + 1);
	refused(big, len + 1, why, sizeof(why));
	assert_string_equal(why, "malformed record 7");
	/* a count that does not match the records */
	buf[24]++;
	cachefile_seal(buf, len);
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why, "6 records, the header says 7");
	buf[24]--;
	/* the verdict bit set on the first record: its octet is taken
	 * from the second, which no longer frames */
	buf[CACHEFILE_HEADER_LEN + 15] |= 0x08;
	cachefile_seal(buf, len);
	refused(buf, len, why, sizeof(why));
	assert_string_equal(why, "malformed record 2");
	free(big);
	free(buf);
}

static void
test_a_failed_save_keeps_the_previous_file(void **state)
{
	struct cache *c = new_cache(0);
	struct cachefile_result r;
	char err[ERRLEN] = "", tmp[320];
	uint8_t *before, *after;
	size_t blen, alen;

	(void)state;
	save_sample();
	before = slurp(path, &blen);
	for (int i = 0; i < 50; i++) {
		char name[64];

		snprintf(name, sizeof(name), "n%d.example.test", i);
		insert(c, name, false, 300, false, 10);
	}
	/* the temporary path is taken by a directory: not even root can
	 * open it for writing */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(
	    cachefile_save(c, path, 20, WALL, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	assert_int_equal(rmdir(tmp), 0);
	after = slurp(path, &alen);
	assert_memory_equal(before, after, blen);
	assert_int_equal(alen, blen);
	free(after);
	/* a directory that is not there */
	{
		char nowhere[400];

		snprintf(nowhere, sizeof(nowhere), "%s/none/cache", dir);
		assert_int_equal(
		    cachefile_save(c, nowhere, 20, WALL, &r, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "No such file or directory"));
	}
	cache_free(c);
	free(before);
}

static void
test_a_write_error_half_way_keeps_the_previous_file(void **state)
{
	struct cache *c = new_cache(0);
	struct cachefile_result r;
	struct rlimit old, small = { .rlim_cur = 1000 };
	char err[ERRLEN] = "", tmp[320];
	uint8_t *before, *after;
	size_t blen, alen;
	int rc;

	(void)state;
	save_sample();
	before = slurp(path, &blen);
	for (int i = 0; i < 200; i++) {
		char name[64];

		snprintf(name, sizeof(name), "n%d.example.test", i);
		insert(c, name, false, 300, false, 10);
	}
	/* a file size limit stands in for a full disk: write() stops
	 * short, then fails (EFBIG instead of ENOSPC) */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = cachefile_save(c, path, 20, WALL, &r, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "write: File too large"));
	assert_non_null(strstr(err, "the previous file is kept"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_false(exists(tmp));
	after = slurp(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	free(after);
	/* with room again, the save goes through */
	assert_int_equal(
	    cachefile_save(c, path, 20, WALL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.entries, 200);
	assert_false(exists(tmp));
	cache_free(c);
	free(before);
}

static void
test_a_snapshot_in_slices_survives_changes_between_them(void **state)
{
	struct cache *c, *d = new_cache(0);
	struct cache_limits lim = { .budget = 1u << 20, .max_ttl = 86400 };
	struct cachefile_snap *s;
	struct cachefile_result r;
	char err[ERRLEN] = "", name[64];
	uint32_t now = 100, ttl;
	int rc, slices = 0;

	(void)state;
	/* 16 buckets, so that slices of one bucket take many steps */
	assert_non_null(c = cache_new_buckets(&lim, 9, 16));
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "old%d.example.test", i);
		insert(c, name, false, 1000, false, now);
	}
	assert_non_null(s = cachefile_snap_new(now, WALL));
	do {
		/* between slices the loop goes on: time passes, entries
		 * come (and some push others out of their chain) */
		now += 10;
		snprintf(name, sizeof(name), "new%d.example.test", slices);
		insert(c, name, false, 1000, false, now);
		rc = cachefile_snap_step(s, c, 1, now);
		slices++;
	} while (rc == 0);
	assert_int_equal(rc, 1);
	assert_int_equal(slices, 16);
	assert_int_equal(cachefile_snap_step(s, c, 1, now), 1);
	assert_int_equal(cachefile_snap_write(s, path, &r, err, sizeof(err)),
	    0);
	cachefile_snap_free(s);
	assert_int_equal(
	    cachefile_load(d, path, 5, WALL + 100, &r, err, sizeof(err)), 1);
	cache_check(d);
	assert_true(r.restored >= 40 - 16);
	/* ages as of the start: 1000 - 100 down */
	for (int i = 0; i < 40; i++) {
		enum cache_state st;

		snprintf(name, sizeof(name), "old%d.example.test", i);
		st = look(d, name, false, 5, &ttl);
		if (st == CACHE_MISS) /* lost to a chain bound */
			continue;
		assert_int_equal(st, CACHE_FRESH);
		assert_int_equal(ttl, 900);
	}
	/* one stored after the start counts as stored at the start */
	for (int i = 0; i < slices; i++) {
		snprintf(name, sizeof(name), "new%d.example.test", i);
		if (look(d, name, false, 5, &ttl) != CACHE_MISS)
			assert_int_equal(ttl, 900);
	}
	cache_free(c);
	cache_free(d);
}

/* The verdict tag of name's entry in c (cache_walk()), -1 if none. */
struct tag_find {
	struct name n;
	int tag;
};

static void
tag_of_one(void *arg, const struct cache_view *v)
{
	struct tag_find *f = arg;

	if (v->name_len == f->n.k.name_len &&
	    memcmp(v->name, f->n.k.name, v->name_len) == 0 &&
	    v->checking_disabled == f->n.k.checking_disabled)
		f->tag = v->verdict;
}

static int
tag_of(const struct cache *c, const char *name, bool cd)
{
	struct tag_find f = { .tag = -1 };
	size_t cur = 0;

	key(&f.n, name, true)->checking_disabled = cd;
	do
		cur = cache_walk(c, cur, SIZE_MAX, 1000, tag_of_one, &f);
	while (cur != 0);
	return f.tag;
}

/* Four entries tagged 2, 3, none, and none but asked with CD, saved. */
static void
save_judged(void)
{
	struct cache *c = new_cache(86400);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	struct name n;
	struct msg m;

	insert(c, "sec.example.test", true, 3600, false, 900);
	cache_set_verdict(c, key(&n, "sec.example.test", true), 2);
	insert(c, "bogus.example.test", true, 3600, false, 900);
	cache_set_verdict(c, key(&n, "bogus.example.test", true), 3);
	insert(c, "plain.example.test", true, 3600, false, 900);
	answer(&m, "cd.example.test", 3600, false);
	key(&n, "cd.example.test", true)->checking_disabled = true;
	assert_int_equal(cache_insert(c, &n.k, m.b, m.len, 900, NULL), 1);
	assert_int_equal(
	    cachefile_save(c, path, 1000, WALL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.entries, 4);
	cache_free(c);
}

static void
test_verdicts_come_back_and_go_by_the_dnssec_mode(void **state)
{
	struct cache *d = new_cache(86400), *e = new_cache(86400);
	struct cachefile_result r;
	char err[ERRLEN] = "";

	(void)state;
	save_judged();
	assert_int_equal(
	    cachefile_load(d, path, 1000, WALL, &r, err, sizeof(err)), 1);
	assert_int_equal(r.restored, 4);
	assert_int_equal(tag_of(d, "sec.example.test", false), 2);
	assert_int_equal(tag_of(d, "bogus.example.test", false), 3);
	assert_int_equal(tag_of(d, "plain.example.test", false), 0);
	assert_int_equal(tag_of(d, "cd.example.test", true), 0);
	/* dnssec no now: the judged ones go (a secure one has AD) */
	assert_int_equal(cache_flush_judged(d, true), 2);
	assert_int_equal(tag_of(d, "sec.example.test", false), -1);
	assert_int_equal(tag_of(d, "bogus.example.test", false), -1);
	assert_int_equal(tag_of(d, "plain.example.test", false), 0);
	assert_int_equal(tag_of(d, "cd.example.test", true), 0);
	/* validating now: the one never judged goes, not the CD one */
	assert_int_equal(
	    cachefile_load(e, path, 1000, WALL, &r, err, sizeof(err)), 1);
	assert_int_equal(cache_flush_judged(e, false), 1);
	assert_int_equal(tag_of(e, "plain.example.test", false), -1);
	assert_int_equal(tag_of(e, "sec.example.test", false), 2);
	assert_int_equal(tag_of(e, "cd.example.test", true), 0);
	cache_check(d);
	cache_check(e);
	cache_free(d);
	cache_free(e);
}

static void
test_a_verdict_bit_without_its_octet_is_refused(void **state)
{
	struct cache *c = new_cache(86400), *d = new_cache(86400);
	struct cachefile_result r;
	char err[ERRLEN] = "";
	struct name n;
	uint8_t *buf;
	size_t len;

	(void)state;
	insert(c, "sec.example.test", true, 3600, false, 900);
	cache_set_verdict(c, key(&n, "sec.example.test", true), 2);
	assert_int_equal(
	    cachefile_save(c, path, 1000, WALL, &r, err, sizeof(err)), 0);
	buf = slurp(path, &len);
	assert_int_equal(buf[len - 1], 2); /* the verdict octet, last */
	assert_int_equal(
	    cachefile_load_buffer(d, buf, len, 1000, WALL, &r, err, ERRLEN), 1);
	assert_int_equal(r.restored, 1);
	cache_flush(d);
	/* cut off */
	cachefile_seal(buf, len - 1);
	assert_int_equal(
	    cachefile_load_buffer(d, buf, len - 1, 1000, WALL, &r, err, ERRLEN),
	    -1);
	assert_string_equal(err, "malformed record 1");
	/* a verdict octet of 0 (no tag is written as no octet) */
	buf[len - 1] = 0;
	cachefile_seal(buf, len);
	assert_int_equal(
	    cachefile_load_buffer(d, buf, len, 1000, WALL, &r, err, ERRLEN),
	    -1);
	assert_string_equal(err, "malformed record 1");
	free(buf);
	cache_free(c);
	cache_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_matches_the_check_value),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_round_trip_ages_entries_by_the_downtime),
		T(test_expired_entries_are_dropped_without_a_stale_limit),
		T(test_a_clock_gone_backwards_counts_as_no_downtime),
		T(test_a_long_downtime_drops_everything),
		T(test_empty_cache_round_trips),
		T(test_a_missing_file_is_a_cold_start),
		T(test_every_truncation_is_refused),
		T(test_every_bit_flip_is_refused),
		T(test_foreign_and_newer_files_are_refused_with_their_reason),
		T(test_sealed_nonsense_is_refused_before_anything_is_stored),
		T(test_a_failed_save_keeps_the_previous_file),
		T(test_a_write_error_half_way_keeps_the_previous_file),
		T(test_a_snapshot_in_slices_survives_changes_between_them),
		T(test_verdicts_come_back_and_go_by_the_dnssec_mode),
		T(test_a_verdict_bit_without_its_octet_is_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
