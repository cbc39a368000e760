/*
 * tests/fuzz/fuzz_cachefile.c - libFuzzer target: the cache file loader
 * on arbitrary bytes.
 *
 * The input is loaded as it is (almost always refused by a checksum),
 * then again sealed (body length and both checksums made right), so
 * that the record parser and cache_restore() see every input.  Whatever
 * is accepted must leave a cache that passes cache_check(), answers
 * each entry it holds, and saves and loads back to the same count.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cachefile.h"

#define WALL 1800000000ull

static struct cache *
new_cache(void)
{
	struct cache_limits lim = {
		.budget = 1u << 20,
		.max_ttl = 86400,
		.max_negative_ttl = 3600,
		.stale_limit = 3600,
	};

	return cache_new(&lim, 1);
}

#define MAXKEYS 64

/* The keys of the first MAXKEYS entries, copied during a walk. */
struct keys {
	uint8_t names[MAXKEYS][256];
	struct cache_key k[MAXKEYS];
	size_t n;
};

static void
note_key(void *arg, const struct cache_view *v)
{
	struct keys *ks = arg;
	struct cache_key *k;

	assert(v->lifetime > 0 && v->lifetime <= CACHE_MAX_TTL_CAP);
	assert(v->name_len > 0 && v->name_len <= 255);
	if (ks->n == MAXKEYS)
		return;
	k = &ks->k[ks->n];
	memcpy(ks->names[ks->n], v->name, v->name_len);
	*k = (struct cache_key){ .name = ks->names[ks->n],
		.name_len = v->name_len,
		.qtype = v->qtype,
		.qclass = v->qclass,
		.dnssec_ok = v->dnssec_ok,
		.checking_disabled = v->checking_disabled };
	ks->n++;
}

/* Every restored entry is found and answers a client. */
static void
answer_all(struct cache *c)
{
	static struct keys ks;
	static uint8_t out[65536];

	ks.n = 0;
	(void)cache_walk(c, 0, SIZE_MAX, 100, note_key, &ks);
	for (size_t i = 0; i < ks.n; i++) {
		const struct cache_entry *e;

		if (cache_lookup(c, &ks.k[i], 100, &e) == CACHE_MISS)
			continue; /* replaced by a later record's twin */
		assert(cache_answer(e, 100, 0x4242, ks.k[i].name,
			   ks.k[i].name_len, out, sizeof(out)) > 0);
	}
}

static void
load(const uint8_t *data, size_t size)
{
	struct cache *c = new_cache();
	struct cachefile_result r;
	char err[256];
	int rc;

	if (c == NULL)
		return;
	rc = cachefile_load_buffer(c, data, size, 100, WALL + 5, &r, err,
	    sizeof(err));
	cache_check(c);
	if (rc == 1) {
		assert(r.restored + r.dropped == r.entries);
		assert(cache_stats(c)->entries <= r.restored);
		answer_all(c);
		cache_check(c);
	} else
		assert(cache_stats(c)->entries == 0);
	cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	load(data, size);
	if (size < CACHEFILE_HEADER_LEN || (copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	cachefile_seal(copy, size);
	load(copy, size);
	free(copy);
	return 0;
}
