/*
 * src/daemon/cache.h - roostd's answer cache: entries keyed by (lower-cased
 * name, type, class, DO and CD bits), stored in wire form with the
 * offsets of their TTL fields, so that a hit is a copy and a patch.
 *
 * - Positive answers live for the smallest TTL of their answer and
 *   authority records (of the answer section alone with lim.minimal,
 *   which stores only that section for queries without DO); NXDOMAIN and NODATA for min(SOA TTL, SOA MINIMUM)
 *   of the SOA in authority (RFC 2308), and are not cached without one.
 *   Lifetimes are clamped to [min_ttl, max_ttl] (negative ones to
 *   max_negative_ttl); a lifetime of 0 is not stored.  Every TTL field of
 *   a stored answer is clamped to its lifetime, so a served TTL never
 *   exceeds what is left.
 * - Memory: every byte the cache holds (entries, their allocator
 *   overhead, the bucket arrays) counts against the budget; the least
 *   recently used entries are evicted first.
 * - Lookups and inserts are O(1): a keyed hash into a bucket array whose
 *   chains are kept at most CACHE_MAX_CHAIN long.  The array starts at
 *   CACHE_TABLE_MIN buckets and doubles once entries outnumber buckets,
 *   if the budget has room for the larger one beside the old: the
 *   entries move over a few buckets per lookup and insert (an
 *   incremental rehash), never all at once.  It never shrinks.
 * - Expired entries are kept for serve-stale up to stale_limit seconds;
 *   past that they go when met by a lookup or at the LRU tail.
 *
 * Times are whole seconds of the caller's monotonic clock.  Nothing here
 * knows about sockets; a cache belongs to one thread.
 */
#ifndef ROOST_CACHE_H
#define ROOST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_MAX_CHAIN 16 /* a longer chain loses its least recently hit */
#define CACHE_MAX_TTL_CAP 604800 /* no lifetime beyond a week, ever */
#define CACHE_STALE_TTL 30       /* the TTL served on stale answers */
#define CACHE_EDE_MAX 255        /* octets of EDE options an entry keeps */

/*
 * The hash table: CACHE_TABLE_MIN buckets at first, doubled when entries
 * outnumber buckets (load factor 1: a bucket is a pointer, an eighth of
 * the smallest entry, and a chain past CACHE_MAX_CHAIN stays improbable),
 * up to CACHE_TABLE_MAX (the entries keep a 32-bit hash; the array's
 * bytes fit a size_t).  While entries move to a doubled table, each
 * lookup and insert moves up to CACHE_REHASH_FULL buckets that hold
 * entries, looking at no more than CACHE_REHASH_EMPTY empty ones.
 */
#define CACHE_TABLE_MIN 64
#define CACHE_TABLE_MAX                                                        \
	(SIZE_MAX > UINT32_MAX ? (size_t)UINT32_MAX + 1 : (size_t)1 << 26)
#define CACHE_REHASH_FULL 2
#define CACHE_REHASH_EMPTY 16

struct cache_limits {
	size_t budget;             /* bytes, all overhead included */
	uint32_t min_ttl;          /* s */
	uint32_t max_ttl;          /* s */
	uint32_t max_negative_ttl; /* s */
	uint32_t stale_limit;      /* s past expiry kept for serve-stale;
				      0: none */
	bool minimal; /* positive answers to queries without DO keep only
			 their answer section, and live as long as it */
};

struct cache_key {
	const uint8_t *name; /* uncompressed wire form, any case */
	size_t name_len;
	uint16_t qtype;
	uint16_t qclass;
	bool dnssec_ok;         /* DO */
	bool checking_disabled; /* CD */
};

struct cache_stats {
	uint64_t hits, misses, stale_hits;
	uint64_t inserts, uncacheable, evictions, expired;
	size_t entries;
	size_t bytes;
};

struct cache;
struct cache_entry;

enum cache_state {
	CACHE_MISS,  /* nothing usable */
	CACHE_FRESH, /* within its lifetime */
	CACHE_STALE, /* expired, within stale_limit: for serve-stale only */
};

/*
 * Creates a cache with CACHE_TABLE_MIN buckets, to grow with its entries.
 * seed keys the hash (pick it at random).  Returns it, or NULL if the
 * budget cannot hold even the bucket array, or out of memory.
 */
struct cache *cache_new(const struct cache_limits *lim, uint64_t seed);

/*
 * cache_new() with n buckets (a power of two, at most CACHE_TABLE_MAX)
 * that never grow, however many entries come: for tests of the chain
 * bound and of walks in slices of a known number of buckets.
 */
struct cache *
cache_new_buckets(const struct cache_limits *lim, uint64_t seed, size_t n);

/* Frees the cache and every entry. */
void cache_free(struct cache *c);

/*
 * Changes the TTL clamps and stale limit (not the budget) for entries
 * inserted from now on.
 */
void cache_set_limits(struct cache *c, const struct cache_limits *lim);

/*
 * Looks k up at time now.  A fresh entry becomes the most recently used.
 * *e gets the entry for CACHE_FRESH and CACHE_STALE; it stays valid
 * until the next call that changes the cache.  An entry expired past the
 * stale limit is removed here.
 */
enum cache_state cache_lookup(struct cache *c, const struct cache_key *k,
    uint32_t now, const struct cache_entry **e);

/*
 * cache_lookup() for roostd's own use (a fetch ended, a client's time
 * is up): the same answer, but nothing counted, moved or removed.
 */
enum cache_state cache_peek(const struct cache *c, const struct cache_key *k,
    uint32_t now, const struct cache_entry **e);

/*
 * A refresh of k's entry failed: until `until` (s), stale answers of it
 * go out without asking upstream again, and a fresh one is not
 * prefetched (RFC 8767's failure recheck timer).  No-op without an
 * entry; a new answer for k starts without it.
 */
void
cache_set_recheck(struct cache *c, const struct cache_key *k, uint32_t until);

/*
 * Tags k's entry with verdict, a small number of the caller's (roostd:
 * the DNSSEC verdict + 1; 0, what every entry starts with: none), shown
 * by cache_walk().  No-op without an entry.  Not kept in the cache file.
 */
void
cache_set_verdict(struct cache *c, const struct cache_key *k, uint8_t verdict);

/* When e's failure recheck time ends (s); 0: it has none. */
uint32_t cache_entry_recheck(const struct cache_entry *e);

/*
 * Writes e as the answer to one client into out (capacity cap): the
 * client's id and spelling of the name (equal to the key's ignoring
 * case), each TTL lowered by the seconds since it was stored, or set to
 * CACHE_STALE_TTL for a stale entry.  Flags and EDNS are the caller's.
 * Returns the length, or 0 if cap is too small.
 */
size_t cache_answer(const struct cache_entry *e, uint32_t now, uint16_t id,
    const uint8_t *spelling, size_t spelling_len, uint8_t *out, size_t cap);

/* Seconds e has left at now (0 once expired). */
uint32_t cache_entry_ttl(const struct cache_entry *e, uint32_t now);

/* The lifetime e was stored with, in seconds. */
uint32_t cache_entry_lifetime(const struct cache_entry *e);

/* The answer's rcode. */
unsigned cache_entry_rcode(const struct cache_entry *e);

/*
 * The extended DNS error options stored with e (RFC 8914: whole EDE
 * options, as an OPT's rdata holds them), *len octets; *len is 0 when
 * it has none.
 */
const uint8_t *cache_entry_ede(const struct cache_entry *e, size_t *len);

/*
 * Stores an upstream answer to k, replacing any entry for k.  answer
 * must be a well-formed response to k without an OPT record (the
 * caller removes it).  The cache copies what it keeps.
 * Returns 1 if stored (and, if e is not NULL, the new entry in *e, valid
 * until the next call that changes the cache), 0 if the answer is not
 * cacheable (rcode, no SOA for a negative answer, lifetime 0, larger than
 * the budget allows), -1 if out of memory.
 */
int
cache_insert(struct cache *c, const struct cache_key *k, const uint8_t *answer,
    size_t len, uint32_t now, const struct cache_entry **e);

/*
 * cache_insert() of an answer that came with extended DNS errors: ede
 * (ede_len octets, at most CACHE_EDE_MAX, nothing but whole EDE options
 * as wire_ede_copy() writes them) is kept with the entry and served with
 * it.  Malformed ede makes the answer uncacheable.
 */
int cache_insert_ede(struct cache *c, const struct cache_key *k,
    const uint8_t *answer, size_t len, const uint8_t *ede, size_t ede_len,
    uint32_t now, const struct cache_entry **e);

/*
 * Remembers that every upstream failed k, for ttl seconds (RFC 9520): a
 * lookup then finds a fresh entry whose answer is SERVFAIL, served with
 * the EDE options ede (ede_len octets, as for cache_insert_ede(); NULL
 * and 0 for none).  Such an entry is never served stale.  Returns 1, 0
 * (ttl 0, malformed ede) or -1 (no memory).
 */
int cache_insert_servfail(struct cache *c, const struct cache_key *k,
    uint32_t now, uint32_t ttl, const uint8_t *ede, size_t ede_len);

/*
 * A read-only view of one entry, for listing and saving the cache.
 * Its pointers are valid until the next call that changes the cache.
 */
struct cache_view {
	const uint8_t *name; /* uncompressed wire form, lower case */
	size_t name_len;
	uint16_t qtype;
	uint16_t qclass;
	bool dnssec_ok;         /* DO */
	bool checking_disabled; /* CD */
	unsigned rcode;         /* NOERROR, NXDOMAIN, or SERVFAIL (RFC 9520) */
	uint32_t lifetime;      /* s from when it was stored */
	uint32_t age;           /* s since it was stored */
	const uint8_t *wire;    /* the stored answer, TTLs as stored */
	size_t wire_len;
	const uint8_t *ede; /* its EDE options (cache_entry_ede()) */
	size_t ede_len;
	size_t size;     /* bytes charged to the budget */
	uint8_t verdict; /* cache_set_verdict()'s tag, 0 if none */
};

typedef void (*cache_walk_fn)(void *arg, const struct cache_view *v);

/*
 * Calls fn for every entry of nbuckets hash buckets from cursor on (the
 * first call passes cursor 0), with ages as of now.  fn must not change
 * the cache.  A walk may be spread over many calls with any changes in
 * between, the table growing included: an entry present throughout is
 * seen exactly once, one added or removed meanwhile at most once, and
 * so is a key (an entry and the one that replaced it are not both
 * seen).  The cursor runs over the buckets of the largest table in
 * bit-reversed order, in which the two buckets a bucket splits into
 * when the table doubles come together, where it was: growth moves no
 * entry between the buckets walked and those to come.  A bucket costs
 * at most CACHE_MAX_CHAIN entries looked at.  Returns the cursor for the
 * next call, or 0 once every bucket was walked.
 */
size_t cache_walk(const struct cache *c, size_t cursor, size_t nbuckets,
    uint32_t now, cache_walk_fn fn, void *arg);

/*
 * Stores an entry seen by cache_walk() (perhaps by another process, read
 * back from a file: nothing in v is trusted) as if stored v->age seconds
 * before now with v->lifetime, replacing any entry for its key.  The
 * lifetime is capped at CACHE_MAX_TTL_CAP; an entry past its lifetime
 * and stale limit is not stored.  Returns 1 if stored, 0 if rejected
 * (malformed, expired, too big for the budget), -1 if out of memory.
 */
int cache_restore(struct cache *c, const struct cache_view *v, uint32_t now);

/* Removes every entry. */
void cache_flush(struct cache *c);

/*
 * Which entries a flush removes: every one (name NULL), those of one name
 * (every type, class, DO and CD bit), or with zone set those at or below
 * the name.  name is uncompressed wire form, any case.  With failures
 * set, only the failures among them: SERVFAILs, NXDOMAINs and answers
 * without records (NODATA).
 */
struct cache_match {
	const uint8_t *name;
	size_t name_len;
	bool zone;
	bool failures;
	int judged; /* 1: only entries with a verdict tag; -1: only those
		       without one, not asked with CD; 0: either */
};

/*
 * Removes the entries m selects from nbuckets hash buckets from cursor on
 * (the first call passes cursor 0), adding their number to *removed, so
 * that a large cache is flushed in slices.  Like cache_walk(), an entry
 * present throughout a flush spread over many calls is met exactly once;
 * one stored meanwhile may survive (it is a fresh answer).  Returns the
 * cursor for the next call, or 0 once every bucket was done.
 */
size_t cache_flush_slice(struct cache *c, size_t cursor, size_t nbuckets,
    const struct cache_match *m, size_t *removed);

/*
 * Removes every entry of one name (all types, classes, DO and CD
 * variants) at once.  Returns how many went.
 */
size_t cache_flush_name(struct cache *c, const uint8_t *name, size_t len);

/* Removes every entry at or below zone at once.  Returns how many went. */
size_t cache_flush_zone(struct cache *c, const uint8_t *zone, size_t len);

/*
 * Removes, at once, every entry with a verdict tag (judged), or every one
 * without (!judged) that was not asked with CD: after a warm start, what
 * was cached under another DNSSEC mode.  Returns how many went.
 */
size_t cache_flush_judged(struct cache *c, bool judged);

/*
 * Removes every SERVFAIL, NXDOMAIN and NODATA entry at once: after the
 * upstreams changed, they may say only that the old network could not
 * be reached.  Returns how many went.
 */
size_t cache_flush_failures(struct cache *c);

/* The byte budget the cache was created with. */
size_t cache_budget(const struct cache *c);

/*
 * The number of hash buckets a walk or flush goes through, from now on
 * if the table does not grow: the larger table's while entries move to
 * it.  Growth during a walk adds buckets to what is left of it.
 */
size_t cache_buckets(const struct cache *c);

/* Counters and sizes. */
const struct cache_stats *cache_stats(const struct cache *c);

/*
 * Verifies every invariant (LRU list and hash chains hold the same
 * entries, each in the one table and bucket its hash and the rehash
 * point pick, table sizes, byte count with both bucket arrays, chain
 * lengths, budget); aborts on a broken one.
 * For tests: it walks everything.
 */
void cache_check(const struct cache *c);

#endif /* ROOST_CACHE_H */
