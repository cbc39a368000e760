/*
 * src/daemon/cache_impl.h - the cache's layout, for the cache's own
 * files only (cache.c, cache_check.c): nothing else includes it, so the
 * rest of roostd sees struct cache and struct cache_entry as opaque
 * (cache.h).
 *
 * The helpers are static inline, so cache.c's lookup compiles exactly
 * as it did with them as its own statics.
 */
#ifndef ROOST_CACHE_IMPL_H
#define ROOST_CACHE_IMPL_H

#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "cache.h"
#include "wire.h"

/*
 * One allocation per entry: this header, the TTL offsets, the answer,
 * then the upstream's extended DNS errors (ede_len octets of EDE
 * options, usually none).
 * Every field earns its place (bytes per cached name are measured); the
 * size charged to the budget is the allocator's, asked again when the
 * entry goes.
 */
struct cache_entry {
	struct cache_entry *hnext;    /* hash chain, most recent hit first */
	TAILQ_ENTRY(cache_entry) lru; /* LRU list, most recent first */
	uint32_t hash;     /* the key hash's low half: picks the bucket */
	uint32_t stored;   /* when it was stored */
	uint32_t lifetime; /* seconds from stored */
	uint16_t wire_len;
	uint16_t nttl;
	uint16_t qtype, qclass;
	uint8_t name_len;
	uint8_t keyflags;
	uint8_t rcode;
	uint8_t ede_len;  /* in the padding before recheck: costs nothing */
	uint32_t recheck; /* a refresh failed: until then stale answers
			     go out without asking (RFC 8767); 0: none */
	uint8_t verdict;  /* the caller's tag (cache_set_verdict()) */
	uint16_t offs[];  /* nttl TTL offsets, then wire_len octets */
};

/* One hash table: n chain heads, n a power of two (NULL and 0: none). */
struct cache_table {
	struct cache_entry **b;
	size_t n;
};

/*
 * t[0] is the table; t[1] the one twice its size that entries move to
 * while rehashing (cache.c's opening comment has the rules).
 */
struct cache {
	struct cache_limits lim;
	uint64_t seed;
	struct cache_table t[2];
	size_t rehash; /* t[0]'s buckets below it have moved; 0 if none */
	size_t maxn;   /* t[0] grows no larger */
	TAILQ_HEAD(cache_lru, cache_entry) lru;
	struct cache_stats st;
};

/* The bytes e costs: what the allocator holds, plus its chunk header. */
static inline size_t
cache_entry_bytes(const struct cache_entry *e)
{
	return malloc_usable_size((void *)e) + sizeof(size_t);
}

/* e's stored answer, after its TTL offsets. */
static inline const uint8_t *
cache_entry_wire(const struct cache_entry *e)
{
	return (const uint8_t *)(e->offs + e->nttl);
}

/* e's extended DNS error options, after its answer. */
static inline const uint8_t *
cache_entry_ede_blob(const struct cache_entry *e)
{
	return cache_entry_wire(e) + e->wire_len;
}

/* True if ede (len octets) is whole EDE options and nothing else. */
static inline bool
cache_ede_valid(const uint8_t *ede, size_t len)
{
	struct wire_opt_iter it = { ede, len };
	struct wire_opt o;

	if (len > CACHE_EDE_MAX || (len > 0 && ede == NULL))
		return false;
	while (wire_opt_next(&it, &o))
		if (o.code != WIRE_OPT_EDE || o.len < 2)
			return false;
	return it.left == 0;
}

/* True while entries move from t[0] to t[1]. */
static inline bool
cache_rehashing(const struct cache *c)
{
	return c->t[1].b != NULL;
}

/* The bytes of the bucket arrays, both while rehashing. */
static inline size_t
cache_table_bytes(const struct cache *c)
{
	return (c->t[0].n + c->t[1].n) * sizeof(struct cache_entry *);
}

/*
 * The head of the one hash chain an entry of hash h is on: t[1]'s if
 * its bucket of t[0] has moved, else t[0]'s (one probe, rehashing or
 * not: rehash is 0 when not).
 */
static inline struct cache_entry **
cache_bucket(const struct cache *c, uint32_t h)
{
	size_t i = h & (c->t[0].n - 1);

	if (i < c->rehash)
		return &c->t[1].b[h & (c->t[1].n - 1)];
	return &c->t[0].b[i];
}

#endif /* ROOST_CACHE_IMPL_H */
