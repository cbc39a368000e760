/*
 * src/daemon/cache.c - roostd's answer cache (see cache.h).
 *
 * Invariants (cache_check() in cache_check.c verifies them all):
 * - Every entry is on exactly one hash chain, the one cache_bucket()
 *   picks for its hash, and on the LRU list; both hold the same entries,
 *   nentries of them.  A chain is ordered most recently hit or stored
 *   first.
 * - t[0] has n0 buckets, a power of two from CACHE_TABLE_MIN (or what
 *   cache_new_buckets() was given) up to maxn.  Not rehashing, t[1] is
 *   empty and rehash is 0.  Rehashing, t[1] has 2 n0 buckets and
 *   rehash < n0: t[0]'s buckets below rehash are empty, and an entry
 *   whose t[0] bucket (hash mod n0) is below rehash is in t[1] at
 *   hash mod 2 n0, any other in t[0] at hash mod n0.
 * - Tables only grow: n0 never decreases (cache_walk() relies on it).
 * - No chain is longer than CACHE_MAX_CHAIN.
 * - bytes == both bucket arrays plus the sum of entry sizes, and
 *   bytes <= budget after every insert returns.
 * - A stored answer has its question name at offset 12, uncompressed and
 *   lower-cased, equal to the key; no OPT record; every TTL field listed
 *   in offs[] and none larger than the entry's lifetime.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_impl.h"
#include "check.h"
#include "wire.h"

#define ENTRY_HEADER offsetof(struct cache_entry, offs)

#define KEY_DO 0x1
#define KEY_CD 0x2

static uint8_t
key_flags(const struct cache_key *k)
{
	return (uint8_t)((k->dnssec_ok ? KEY_DO : 0) |
	    (k->checking_disabled ? KEY_CD : 0));
}

static uint32_t
key_hash(const struct cache *c, const struct cache_key *k)
{
	uint64_t extra =
	    (uint64_t)k->qtype << 32 | (uint64_t)k->qclass << 16 | key_flags(k);

	return (uint32_t)wire_name_hash(k->name, k->name_len, c->seed ^ extra);
}

static bool
key_matches(const struct cache_entry *e, uint32_t h, const struct cache_key *k)
{
	return e->hash == h && e->qtype == k->qtype && e->qclass == k->qclass &&
	    e->keyflags == key_flags(k) && e->name_len == k->name_len &&
	    wire_name_equal(cache_entry_wire(e) + WIRE_HDR_LEN, e->name_len,
		k->name, k->name_len);
}

/* --- the table ----------------------------------------------------------- */

/*
 * Unlike Redis's dict, whose incremental rehash this follows, a new entry
 * goes to the table its bucket is in, not always to the new one: so the
 * table of an entry follows from its hash and the rehash point, a lookup
 * probes one chain even while rehashing, and the two buckets of t[1] a
 * bucket of t[0] splits into are empty until it moves.  A split then
 * keeps each chain's order (most recent first, for bound_chain()) and
 * never lengthens one.
 */

/* Moves t[0]'s chain at rehash, in order, into its two buckets of t[1]. */
static void
rehash_bucket(struct cache *c)
{
	size_t i = c->rehash, n0 = c->t[0].n;
	struct cache_entry *e = c->t[0].b[i], *next;
	struct cache_entry **tail[2] = { &c->t[1].b[i], &c->t[1].b[i + n0] };

	ROOST_ASSERT(*tail[0] == NULL && *tail[1] == NULL);
	for (; e != NULL; e = next) {
		unsigned half = (e->hash & n0) != 0;

		next = e->hnext;
		e->hnext = NULL;
		*tail[half] = e;
		tail[half] = &e->hnext;
	}
	c->t[0].b[i] = NULL;
	c->rehash++;
}

/* Once t[0] is empty: t[1] becomes the table. */
static void
rehash_end(struct cache *c)
{
	c->st.bytes -= c->t[0].n * sizeof(*c->t[0].b);
	free(c->t[0].b);
	c->t[0] = c->t[1];
	c->t[1] = (struct cache_table){ NULL, 0 };
	c->rehash = 0;
}

/*
 * One step of a rehash, on every lookup and insert: a bounded number of
 * buckets, whatever the table's size, so that no call pauses.  Each step
 * moves at least one bucket, and an insert adds at most one entry: all
 * n0 buckets have moved before entries pass 2 n0, the next growth.
 */
static void
rehash_step(struct cache *c)
{
	unsigned full = 0, empty = 0;

	while (c->rehash < c->t[0].n && full < CACHE_REHASH_FULL &&
	    empty < CACHE_REHASH_EMPTY) {
		if (c->t[0].b[c->rehash] != NULL)
			full++;
		else
			empty++;
		rehash_bucket(c);
	}
	if (c->rehash == c->t[0].n)
		rehash_end(c);
}

/*
 * Starts moving to a table twice the size once entries outnumber
 * buckets.  The new array must fit beside the old in what the budget has
 * left: growing never evicts.  If it does not fit, or calloc() fails,
 * the old table stays, fuller than load factor 1 (its chains bounded
 * all the same), and a later insert tries again.
 */
static void
table_grow(struct cache *c)
{
	size_t n = c->t[0].n * 2;
	struct cache_entry **b;

	if (cache_rehashing(c) || c->st.entries <= c->t[0].n ||
	    c->t[0].n >= c->maxn ||
	    n * sizeof(*b) > c->lim.budget - c->st.bytes)
		return;
	if ((b = calloc(n, sizeof(*b))) == NULL)
		return;
	c->t[1] = (struct cache_table){ b, n };
	c->rehash = 0;
	c->st.bytes += n * sizeof(*b);
}

/* --- lists ------------------------------------------------------------ */

/* Unlinks e from everything and frees it. */
static void
entry_remove(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = cache_bucket(c, e->hash);

	while (*pp != e) {
		assert(*pp != NULL);
		pp = &(*pp)->hnext;
	}
	*pp = e->hnext;
	TAILQ_REMOVE(&c->lru, e, lru);
	ROOST_ASSERT(c->st.entries > 0 &&
	    c->st.bytes >= cache_entry_bytes(e) + cache_table_bytes(c));
	c->st.bytes -= cache_entry_bytes(e);
	c->st.entries--;
	free(e);
}

/* Past its lifetime and any stale use (a remembered SERVFAIL has none). */
static bool
expired_for_good(const struct cache *c, const struct cache_entry *e,
    uint32_t now)
{
	uint32_t stale = e->rcode == WIRE_SERVFAIL ? 0 : c->lim.stale_limit;

	return (uint64_t)(now - e->stored) >= (uint64_t)e->lifetime + stale;
}

/* --- creation ----------------------------------------------------------- */

/* A cache of n buckets, to grow up to maxn. */
static struct cache *
cache_new_table(const struct cache_limits *lim, uint64_t seed, size_t n,
    size_t maxn)
{
	struct cache *c;

	if (n == 0 || (n & (n - 1)) != 0 || n > CACHE_TABLE_MAX ||
	    n * sizeof(struct cache_entry *) >= lim->budget)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->t[0].b = calloc(n, sizeof(*c->t[0].b))) == NULL) {
		free(c);
		return NULL;
	}
	TAILQ_INIT(&c->lru);
	c->t[0].n = n;
	c->maxn = maxn;
	c->seed = seed;
	c->lim = *lim;
	c->st.bytes = n * sizeof(*c->t[0].b);
	return c;
}

struct cache *
cache_new(const struct cache_limits *lim, uint64_t seed)
{
	return cache_new_table(lim, seed, CACHE_TABLE_MIN, CACHE_TABLE_MAX);
}

struct cache *
cache_new_buckets(const struct cache_limits *lim, uint64_t seed, size_t n)
{
	return cache_new_table(lim, seed, n, n);
}

void
cache_set_limits(struct cache *c, const struct cache_limits *lim)
{
	size_t budget = c->lim.budget;

	c->lim = *lim;
	c->lim.budget = budget;
}

void
cache_flush(struct cache *c)
{
	while (!TAILQ_EMPTY(&c->lru))
		entry_remove(c, TAILQ_FIRST(&c->lru));
	if (cache_rehashing(c)) /* nothing left to move */
		rehash_end(c);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	cache_flush(c);
	free(c->t[0].b);
	free(c);
}

const struct cache_stats *
cache_stats(const struct cache *c)
{
	return &c->st;
}

/* --- lookup and answer ---------------------------------------------------- */

/* k's entry and where its pointer is on its chain; NULL if none. */
static struct cache_entry *
entry_find(const struct cache *c, const struct cache_key *k, uint32_t h,
    struct cache_entry ***where)
{
	struct cache_entry **pp, *e;

	for (pp = cache_bucket(c, h); (e = *pp) != NULL; pp = &e->hnext)
		if (key_matches(e, h, k))
			break;
	*where = pp;
	return e;
}

enum cache_state
cache_lookup(struct cache *c, const struct cache_key *k, uint32_t now,
    const struct cache_entry **out)
{
	uint32_t h = key_hash(c, k);
	struct cache_entry **head, **pp, *e;

	if (cache_rehashing(c))
		rehash_step(c);
	head = cache_bucket(c, h);
	if ((e = entry_find(c, k, h, &pp)) == NULL) {
		c->st.misses++;
		return CACHE_MISS;
	}
	if (now - e->stored < e->lifetime) {
		if (pp != head) { /* to the chain's front: see bound_chain() */
			*pp = e->hnext;
			e->hnext = *head;
			*head = e;
		}
		if (TAILQ_FIRST(&c->lru) != e) {
			TAILQ_REMOVE(&c->lru, e, lru);
			TAILQ_INSERT_HEAD(&c->lru, e, lru);
		}
		c->st.hits++;
		*out = e;
		return CACHE_FRESH;
	}
	if (!expired_for_good(c, e, now)) {
		c->st.misses++;
		*out = e;
		return CACHE_STALE;
	}
	c->st.expired++;
	c->st.misses++;
	entry_remove(c, e);
	return CACHE_MISS;
}

enum cache_state
cache_peek(const struct cache *c, const struct cache_key *k, uint32_t now,
    const struct cache_entry **out)
{
	struct cache_entry **pp;
	struct cache_entry *e = entry_find(c, k, key_hash(c, k), &pp);

	if (e == NULL || expired_for_good(c, e, now))
		return CACHE_MISS;
	*out = e;
	return now - e->stored < e->lifetime ? CACHE_FRESH : CACHE_STALE;
}

void
cache_set_recheck(struct cache *c, const struct cache_key *k, uint32_t until)
{
	struct cache_entry **pp;
	struct cache_entry *e = entry_find(c, k, key_hash(c, k), &pp);

	if (e != NULL)
		e->recheck = until;
}

void
cache_set_verdict(struct cache *c, const struct cache_key *k, uint8_t verdict)
{
	struct cache_entry **pp;
	struct cache_entry *e = entry_find(c, k, key_hash(c, k), &pp);

	if (e != NULL)
		e->verdict = verdict;
}

uint32_t
cache_entry_recheck(const struct cache_entry *e)
{
	return e->recheck;
}

uint32_t
cache_entry_ttl(const struct cache_entry *e, uint32_t now)
{
	uint32_t age = now - e->stored;

	return age < e->lifetime ? e->lifetime - age : 0;
}

uint32_t
cache_entry_lifetime(const struct cache_entry *e)
{
	return e->lifetime;
}

unsigned
cache_entry_rcode(const struct cache_entry *e)
{
	return e->rcode;
}

const uint8_t *
cache_entry_ede(const struct cache_entry *e, size_t *len)
{
	*len = e->ede_len;
	return cache_entry_ede_blob(e);
}

size_t
cache_answer(const struct cache_entry *e, uint32_t now, uint16_t id,
    const uint8_t *spelling, size_t spelling_len, uint8_t *out, size_t cap)
{
	uint32_t age = now - e->stored;
	bool stale = age >= e->lifetime;

	if (wire_patch_answer(out, cap, cache_entry_wire(e), e->wire_len,
		e->offs, stale ? 0 : e->nttl, age, id, spelling,
		spelling_len) != WIRE_OK)
		return 0;
	if (stale) /* RFC 8767 4: a stale answer carries a short TTL */
		for (unsigned i = 0; i < e->nttl; i++)
			wire_put32(out + e->offs[i], CACHE_STALE_TTL);
	return e->wire_len;
}

/* --- insert ------------------------------------------------------------- */

/* RFC 2181 8: a TTL with the top bit set is 0. */
static uint32_t
ttl_value(uint32_t ttl)
{
	return ttl > 0x7fffffffu ? 0 : ttl;
}

/* What answer_lifetime() learns about the answer section alone. */
struct answer_part {
	size_t end;   /* offset just past its last record */
	unsigned n;   /* its records */
	uint32_t min; /* their smallest TTL */
};

/*
 * Works out how long an answer may live.  Returns the lifetime in
 * seconds (before clamps), 0 if it must not be cached; *nttl gets the
 * number of TTL fields (OPT excluded), *negative whether it is
 * NXDOMAIN/NODATA and *ans the extent of the answer section.
 */
static uint32_t
answer_lifetime(const uint8_t *msg, size_t len, const struct cache_key *k,
    unsigned rcode, unsigned *nttl, bool *negative, struct answer_part *ans)
{
	struct wire_iter it;
	struct wire_rr rr;
	uint32_t min_any = UINT32_MAX, neg = UINT32_MAX;
	bool has_data = false, has_soa = false;
	int r;

	*nttl = 0;
	*ans = (struct answer_part){ .end = len, .min = UINT32_MAX };
	if (wire_iter_init(&it, msg, len) != WIRE_OK)
		return 0;
	while ((r = wire_iter_next(&it, &rr)) == WIRE_OK) {
		uint32_t ttl = ttl_value(rr.ttl);

		if (rr.type == WIRE_T_OPT)
			return 0; /* the caller must strip it */
		(*nttl)++;
		if (rr.section == WIRE_SEC_ADDITIONAL)
			continue;
		if (ttl < min_any)
			min_any = ttl;
		if (rr.section == WIRE_SEC_ANSWER) {
			ans->end = rr.end;
			ans->n++;
			if (ttl < ans->min)
				ans->min = ttl;
		}
		if (rr.section == WIRE_SEC_ANSWER &&
		    (rr.type == k->qtype || k->qtype == WIRE_T_ANY))
			has_data = true;
		if (rr.section == WIRE_SEC_AUTHORITY && rr.type == WIRE_T_SOA &&
		    rr.rdlen >= 22) {
			/* MINIMUM is the rdata's last 32 bits */
			uint32_t min = ttl_value(
			    wire_get32(msg + rr.rdata_off + rr.rdlen - 4));

			/* min(SOA TTL, MINIMUM): the TTL is in min_any */
			has_soa = true;
			if (min < neg)
				neg = min;
		}
	}
	if (r != WIRE_END)
		return 0;
	*negative = rcode == WIRE_NXDOMAIN || !has_data;
	if (*negative) {
		/* RFC 2308 5: no SOA, no negative caching */
		if (!has_soa)
			return 0;
		return neg < min_any ? neg : min_any;
	}
	return min_any == UINT32_MAX ? 0 : min_any;
}

/* Drops entries at the LRU tail that are past their stale limit. */
static void
reclaim_tail(struct cache *c, uint32_t now, unsigned max)
{
	while (max-- > 0 && !TAILQ_EMPTY(&c->lru) &&
	    expired_for_good(c, TAILQ_LAST(&c->lru, cache_lru), now)) {
		c->st.expired++;
		entry_remove(c, TAILQ_LAST(&c->lru, cache_lru));
	}
}

/*
 * Keeps a chain at CACHE_MAX_CHAIN.  Inserts and hits move an entry to
 * its chain's front, so the last one is the least recently hit or
 * stored: it goes.
 */
static void
bound_chain(struct cache *c, uint32_t h)
{
	struct cache_entry *e, *last = NULL;
	unsigned n = 0;

	for (e = *cache_bucket(c, h); e != NULL; e = e->hnext) {
		n++;
		last = e;
	}
	if (n > CACHE_MAX_CHAIN) {
		c->st.evictions++;
		entry_remove(c, last);
	}
}

/*
 * True if msg still walks, record for record, with its TTL fields at
 * offs[0..n): false when rewriting TTLs changed what a name reads.
 */
static bool
walks_same(const uint8_t *msg, size_t len, const uint16_t *offs, unsigned n)
{
	struct wire_iter it;
	struct wire_rr rr;
	unsigned i = 0;
	int r;

	if (wire_iter_init(&it, msg, len) != WIRE_OK)
		return false;
	while ((r = wire_iter_next(&it, &rr)) == WIRE_OK)
		if (i >= n || rr.ttl_off != offs[i++])
			return false;
	return r == WIRE_END && i == n;
}

/* What an entry stores: an answer and its EDE options (checked). */
struct entry_data {
	const uint8_t *msg;
	size_t len;
	const uint8_t *ede;
	size_t ede_len;
};

/*
 * Stores d (its answer with nttl TTL fields, its question k) as k's
 * entry for life seconds from stored, replacing any entry for k.
 * Returns 1, 0 if it can never fit the budget, -1 if out of memory.
 */
static int
store(struct cache *c, const struct cache_key *k, const struct entry_data *d,
    unsigned nttl, uint32_t life, unsigned rcode, uint32_t stored, uint32_t now,
    const struct cache_entry **out)
{
	const uint8_t *msg = d->msg;
	size_t len = d->len;
	struct cache_entry *e, *old;
	struct wire_iter it;
	struct wire_rr rr;
	size_t alloc =
	    ENTRY_HEADER + nttl * sizeof(uint16_t) + len + d->ede_len;
	uint32_t hsh = key_hash(c, k);
	unsigned i = 0;
	bool ok;
	uint8_t *w;

	if (cache_rehashing(c))
		rehash_step(c);
	if (alloc + cache_table_bytes(c) > c->lim.budget)
		return 0;
	/* the new answer replaces what is there for the same key */
	for (old = *cache_bucket(c, hsh); old != NULL; old = old->hnext)
		if (key_matches(old, hsh, k)) {
			entry_remove(c, old);
			break;
		}
	if ((e = malloc(alloc)) == NULL)
		return -1;
	memset(e, 0, ENTRY_HEADER);
	e->hash = hsh;
	e->stored = stored;
	e->lifetime = life;
	e->wire_len = (uint16_t)len;
	e->nttl = (uint16_t)nttl;
	e->qtype = k->qtype;
	e->qclass = k->qclass;
	e->name_len = (uint8_t)k->name_len;
	e->keyflags = key_flags(k);
	e->rcode = (uint8_t)rcode;
	e->ede_len = (uint8_t)d->ede_len;
	if (cache_entry_bytes(e) + cache_table_bytes(c) > c->lim.budget) {
		free(e);
		return 0;
	}
	w = (uint8_t *)(e->offs + nttl);
	memcpy(w, msg, len);
	if (d->ede_len > 0)
		memcpy(w + len, d->ede, d->ede_len);
	wire_name_lower(w + WIRE_HDR_LEN, k->name_len);
	/* the offsets come from the message as received: a TTL written
	 * below could change what a later name's compression pointer
	 * reads, if an upstream pointed one into a TTL field */
	(void)wire_iter_init(&it, msg, len);
	while (i < nttl && wire_iter_next(&it, &rr) == WIRE_OK) {
		uint32_t ttl = ttl_value(rr.ttl);

		e->offs[i++] = (uint16_t)rr.ttl_off;
		/* never promise more than the entry lives */
		wire_put32(w + rr.ttl_off, ttl > life ? life : ttl);
	}
	assert(i == nttl);
	/* TTLs change as the entry ages: with every TTL octet 0xff a name
	 * that reads a length from a TTL field no longer walks */
	for (i = 0; i < nttl; i++)
		wire_put32(w + e->offs[i], 0xffffffffu);
	ok = walks_same(w, len, e->offs, nttl);
	(void)wire_iter_init(&it, msg, len);
	for (i = 0; i < nttl && wire_iter_next(&it, &rr) == WIRE_OK; i++)
		wire_put32(w + rr.ttl_off,
		    ttl_value(rr.ttl) > life ? life : ttl_value(rr.ttl));
	if (!ok || !walks_same(w, len, e->offs, nttl)) {
		free(e); /* such an answer would not survive its own TTLs */
		return 0;
	}

	e->hnext = *cache_bucket(c, hsh);
	*cache_bucket(c, hsh) = e;
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	c->st.entries++;
	c->st.bytes += cache_entry_bytes(e);
	c->st.inserts++;
	reclaim_tail(c, now, 2);
	bound_chain(c, hsh);
	/* e fits alone, and eviction starts at the tail: e stays */
	while (c->st.bytes > c->lim.budget && !TAILQ_EMPTY(&c->lru)) {
		c->st.evictions++;
		entry_remove(c, TAILQ_LAST(&c->lru, cache_lru));
	}
	ROOST_ASSERT(c->st.bytes <= c->lim.budget && TAILQ_FIRST(&c->lru) == e);
	table_grow(c);
	if (out != NULL)
		*out = e;
	return 1;
}

int
cache_insert(struct cache *c, const struct cache_key *k, const uint8_t *answer,
    size_t len, uint32_t now, const struct cache_entry **e)
{
	return cache_insert_ede(c, k, answer, len, NULL, 0, now, e);
}

int
cache_insert_ede(struct cache *c, const struct cache_key *k,
    const uint8_t *answer, size_t len, const uint8_t *ede, size_t ede_len,
    uint32_t now, const struct cache_entry **e)
{
	struct entry_data d;
	struct wire_header h;
	struct wire_question q;
	unsigned rcode, nttl;
	uint32_t life;
	bool negative;
	struct answer_part ans;
	uint8_t trimmed[UINT16_MAX];
	int r;

	if (len > UINT16_MAX || !cache_ede_valid(ede, ede_len) ||
	    wire_parse_question(answer, len, &h, &q) != WIRE_OK ||
	    q.name_len != k->name_len ||
	    q.end != WIRE_HDR_LEN + q.name_len + 4 || q.qtype != k->qtype ||
	    q.qclass != k->qclass ||
	    !wire_name_equal(q.name, q.name_len, k->name, k->name_len))
		goto uncacheable;
	rcode = WIRE_RCODE(h.flags);
	if (rcode != WIRE_NOERROR && rcode != WIRE_NXDOMAIN)
		goto uncacheable;
	life = answer_lifetime(answer, len, k, rcode, &nttl, &negative, &ans);
	if (life == 0)
		goto uncacheable; /* TTL 0 answers are not stored */
	if (c->lim.minimal && !negative && !k->dnssec_ok && ans.end < len) {
		/*
		 * A stub's client wants the answer section: drop authority
		 * and additional (they follow it, and compression only
		 * points backwards), and live as long as the answer.  A DO
		 * query keeps them: they may carry NSEC proofs.
		 */
		if (ans.end > sizeof(trimmed))
			goto uncacheable;
		memcpy(trimmed, answer, ans.end);
		wire_put16(trimmed + 8, 0);
		wire_put16(trimmed + 10, 0);
		answer = trimmed;
		len = ans.end;
		nttl = ans.n;
		life = ans.min;
		if (life == 0)
			goto uncacheable;
	}
	if (life < c->lim.min_ttl)
		life = c->lim.min_ttl;
	if (life > c->lim.max_ttl)
		life = c->lim.max_ttl;
	if (negative && life > c->lim.max_negative_ttl)
		life = c->lim.max_negative_ttl;
	if (life > CACHE_MAX_TTL_CAP)
		life = CACHE_MAX_TTL_CAP;
	if (life == 0)
		goto uncacheable;
	d = (struct entry_data){ answer, len, ede, ede_len };
	if ((r = store(c, k, &d, nttl, life, rcode, now, now, e)) != 0)
		return r;
uncacheable:
	c->st.uncacheable++;
	return 0;
}

int
cache_insert_servfail(struct cache *c, const struct cache_key *k, uint32_t now,
    uint32_t ttl, const uint8_t *ede, size_t ede_len)
{
	uint8_t msg[WIRE_HDR_LEN + WIRE_MAX_NAME + 4];
	struct wire_header h = {
		.flags = WIRE_QR | WIRE_RD | WIRE_RA | WIRE_SERVFAIL,
		.qdcount = 1,
	};

	struct entry_data d = { msg, WIRE_HDR_LEN + k->name_len + 4, ede,
		ede_len };

	if (ttl == 0 || k->name_len > WIRE_MAX_NAME ||
	    !cache_ede_valid(ede, ede_len))
		return 0;
	wire_write_header(msg, &h);
	memcpy(msg + WIRE_HDR_LEN, k->name, k->name_len);
	wire_put16(msg + WIRE_HDR_LEN + k->name_len, k->qtype);
	wire_put16(msg + WIRE_HDR_LEN + k->name_len + 2, k->qclass);
	return store(c, k, &d, 0,
	    ttl > CACHE_MAX_TTL_CAP ? CACHE_MAX_TTL_CAP : ttl, WIRE_SERVFAIL,
	    now, now, NULL);
}

/* --- walk and restore ------------------------------------------------------ */

/*
 * A walk's cursor is a bucket b of the largest table (n buckets); its
 * entries are those whose hash mod n is b: all of t[1]'s bucket b, or
 * those of t[0]'s bucket b mod n0 that belong to b.  Buckets go in
 * bit-reversed order (as Redis's SCAN does): the walk has done those
 * whose index, its bits reversed, is below b's.  When the table doubles,
 * bucket x splits into x and x + n, whose reversed indices (one bit
 * longer) are 2 rev(x) and 2 rev(x) + 1: the buckets before b in the new
 * order are exactly the halves of those before it in the old.  So, as
 * the table only grows, every hash falls in exactly one call's buckets.
 */

/* The number of buckets a walk goes through: the largest table's. */
static size_t
walk_size(const struct cache *c)
{
	return cache_rehashing(c) ? c->t[1].n : c->t[0].n;
}

/* The bucket after b of n in bit-reversed order; 0 after the last. */
static size_t
walk_next(size_t b, size_t n)
{
	size_t bit = n >> 1;

	while (bit != 0 && (b & bit) != 0) {
		b &= ~bit;
		bit >>= 1;
	}
	return b | bit;
}

/* The chain holding walk bucket b's entries, with others of t[0]. */
static struct cache_entry *
walk_chain(const struct cache *c, size_t b)
{
	return *cache_bucket(c, (uint32_t)b);
}

/* Calls fn with e's view. */
static void
walk_one(const struct cache_entry *e, uint32_t now, cache_walk_fn fn, void *arg)
{
	struct cache_view v = {
		.name = cache_entry_wire(e) + WIRE_HDR_LEN,
		.name_len = e->name_len,
		.qtype = e->qtype,
		.qclass = e->qclass,
		.dnssec_ok = (e->keyflags & KEY_DO) != 0,
		.checking_disabled = (e->keyflags & KEY_CD) != 0,
		.rcode = e->rcode,
		.lifetime = e->lifetime,
		.age = now - e->stored,
		.wire = cache_entry_wire(e),
		.wire_len = e->wire_len,
		.ede = cache_entry_ede_blob(e),
		.ede_len = e->ede_len,
		.size = cache_entry_bytes(e),
		.verdict = e->verdict,
	};

	fn(arg, &v);
}

size_t
cache_walk(const struct cache *c, size_t cursor, size_t nbuckets, uint32_t now,
    cache_walk_fn fn, void *arg)
{
	size_t n = walk_size(c), b = cursor & (n - 1);

	for (; nbuckets > 0; nbuckets--) {
		for (const struct cache_entry *e = walk_chain(c, b); e != NULL;
		     e = e->hnext)
			if ((e->hash & (n - 1)) == b) /* else another's */
				walk_one(e, now, fn, arg);
		if ((b = walk_next(b, n)) == 0)
			break;
	}
	return b;
}

int
cache_restore(struct cache *c, const struct cache_view *v, uint32_t now)
{
	struct cache_key k = {
		.name = v->name,
		.name_len = v->name_len,
		.qtype = v->qtype,
		.qclass = v->qclass,
		.dnssec_ok = v->dnssec_ok,
		.checking_disabled = v->checking_disabled,
	};
	struct cache_entry probe = {
		.stored = now - v->age,
		.lifetime = v->lifetime,
		.rcode = (uint8_t)v->rcode,
	};
	struct entry_data d = { v->wire, v->wire_len, v->ede, v->ede_len };
	struct wire_header h;
	struct wire_question q;
	struct wire_iter it;
	struct wire_rr rr;
	const struct cache_entry *out = NULL;
	unsigned nttl = 0;
	int r;

	if (v->lifetime == 0 || !cache_ede_valid(v->ede, v->ede_len) ||
	    v->lifetime > CACHE_MAX_TTL_CAP || v->age > UINT32_MAX / 2 ||
	    v->wire_len > UINT16_MAX ||
	    wire_parse_question(v->wire, v->wire_len, &h, &q) != WIRE_OK ||
	    q.name_len != v->name_len ||
	    q.end != WIRE_HDR_LEN + q.name_len + 4 || q.qtype != v->qtype ||
	    q.qclass != v->qclass || WIRE_RCODE(h.flags) != v->rcode ||
	    !wire_name_equal(q.name, q.name_len, v->name, v->name_len))
		return 0;
	if (v->rcode != WIRE_NOERROR && v->rcode != WIRE_NXDOMAIN &&
	    v->rcode != WIRE_SERVFAIL)
		return 0;
	if (expired_for_good(c, &probe, now))
		return 0;
	if (wire_iter_init(&it, v->wire, v->wire_len) != WIRE_OK)
		return 0;
	while ((r = wire_iter_next(&it, &rr)) == WIRE_OK) {
		if (rr.type == WIRE_T_OPT)
			return 0;
		nttl++;
	}
	if (r != WIRE_END || (v->rcode == WIRE_SERVFAIL && nttl != 0))
		return 0;
	r = store(c, &k, &d, nttl, v->lifetime, v->rcode, now - v->age, now,
	    &out);
	if (r == 1 && out != NULL)
		((struct cache_entry *)out)->verdict = v->verdict;
	return r;
}

/* --- flush ------------------------------------------------------------------ */

static bool
entry_matches(const struct cache_entry *e, const struct cache_match *m)
{
	const uint8_t *name = cache_entry_wire(e) + WIRE_HDR_LEN;

	/* ANCOUNT 0: NODATA (or a SERVFAIL, an NXDOMAIN) */
	if (m->failures && e->rcode == WIRE_NOERROR &&
	    wire_get16(cache_entry_wire(e) + 6) != 0)
		return false;
	if ((m->judged > 0 && e->verdict == 0) ||
	    (m->judged < 0 && (e->verdict != 0 || (e->keyflags & KEY_CD) != 0)))
		return false;
	if (m->name == NULL)
		return true;
	if (m->zone)
		return wire_name_is_subdomain(name, e->name_len, m->name,
		    m->name_len);
	return wire_name_equal(name, e->name_len, m->name, m->name_len);
}

size_t
cache_flush_slice(struct cache *c, size_t cursor, size_t nbuckets,
    const struct cache_match *m, size_t *removed)
{
	size_t n = walk_size(c), b = cursor & (n - 1);

	/* entry_remove() moves no bucket: the tables stay as they are */
	for (; nbuckets > 0; nbuckets--) {
		struct cache_entry *e = walk_chain(c, b), *next;

		for (; e != NULL; e = next) {
			next = e->hnext;
			if ((e->hash & (n - 1)) == b && entry_matches(e, m)) {
				entry_remove(c, e);
				(*removed)++;
			}
		}
		if ((b = walk_next(b, n)) == 0)
			break;
	}
	return b;
}

static size_t
flush_all_of(struct cache *c, const struct cache_match *m)
{
	size_t cur = 0, n = 0;

	do
		cur = cache_flush_slice(c, cur, SIZE_MAX, m, &n);
	while (cur != 0);
	return n;
}

size_t
cache_flush_name(struct cache *c, const uint8_t *name, size_t len)
{
	struct cache_match m = { .name = name, .name_len = len };

	return flush_all_of(c, &m);
}

size_t
cache_flush_zone(struct cache *c, const uint8_t *zone, size_t len)
{
	struct cache_match m = { .name = zone, .name_len = len, .zone = true };

	return flush_all_of(c, &m);
}

size_t
cache_flush_judged(struct cache *c, bool judged)
{
	struct cache_match m = { .name = NULL, .judged = judged ? 1 : -1 };

	return flush_all_of(c, &m);
}

size_t
cache_flush_failures(struct cache *c)
{
	struct cache_match m = { .name = NULL, .failures = true };

	return flush_all_of(c, &m);
}

size_t
cache_budget(const struct cache *c)
{
	return c->lim.budget;
}

size_t
cache_buckets(const struct cache *c)
{
	return walk_size(c);
}
