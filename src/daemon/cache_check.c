/*
 * src/daemon/cache_check.c - cache_check(): every invariant of the cache
 * (cache.c's opening comment) verified by walking the whole structure.
 * Tests call it after each step; it is never on the query path.
 *
 * Invariants: it only reads; a broken invariant prints the failed
 * condition and aborts (ROOST_CHECK: a corrupt cache must not answer).
 */
#include "cache.h"
#include "check.h"
#include "cache_impl.h"
#include "wire.h"

void
cache_check(const struct cache *c)
{
	size_t n = 0, bytes = c->nbuckets * sizeof(*c->buckets), inchains = 0;
	const struct cache_entry *e, *prev = NULL;

	TAILQ_FOREACH(e, &c->lru, lru) {
		const struct cache_entry *x;
		const uint8_t *w = cache_entry_wire(e);

		ROOST_CHECK(TAILQ_PREV(e, cache_lru, lru) == prev);
		prev = e;
		n++;
		bytes += cache_entry_bytes(e);
		for (x = *cache_bucket(c, e->hash); x != NULL && x != e;
		     x = x->hnext)
			;
		ROOST_CHECK(x == e);
		for (unsigned i = 0; i < e->nttl; i++) {
			ROOST_CHECK(e->offs[i] + 4u <= e->wire_len);
			ROOST_CHECK(wire_get32(w + e->offs[i]) <= e->lifetime);
		}
		for (unsigned i = 0; i < e->name_len; i++)
			ROOST_CHECK(w[WIRE_HDR_LEN + i] < 'A' ||
			    w[WIRE_HDR_LEN + i] > 'Z');
		ROOST_CHECK(e->lifetime > 0);
		ROOST_CHECK(
		    cache_ede_valid(cache_entry_ede_blob(e), e->ede_len));
	}
	ROOST_CHECK(TAILQ_LAST(&c->lru, cache_lru) == prev);
	for (size_t b = 0; b < c->nbuckets; b++) {
		size_t chain = 0;

		for (e = c->buckets[b]; e != NULL; e = e->hnext) {
			ROOST_CHECK((e->hash & (c->nbuckets - 1)) == b);
			chain++;
		}
		ROOST_CHECK(chain <= CACHE_MAX_CHAIN);
		inchains += chain;
	}
	ROOST_CHECK(n == c->st.entries);
	ROOST_CHECK(inchains == n);
	ROOST_CHECK(bytes == c->st.bytes);
	ROOST_CHECK(c->st.bytes <= c->lim.budget);
}
