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
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "cache.h"

/*
 * One allocation per entry: this header, the TTL offsets, the answer.
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
	uint32_t recheck; /* a refresh failed: until then stale answers
			     go out without asking (RFC 8767); 0: none */
	uint16_t offs[];  /* nttl TTL offsets, then wire_len octets */
};

struct cache {
	struct cache_limits lim;
	uint64_t seed;
	struct cache_entry **buckets;
	size_t nbuckets; /* a power of two */
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

/* The head of the hash chain that hash h selects. */
static inline struct cache_entry **
cache_bucket(const struct cache *c, uint32_t h)
{
	return &c->buckets[h & (c->nbuckets - 1)];
}

#endif /* ROOST_CACHE_IMPL_H */
