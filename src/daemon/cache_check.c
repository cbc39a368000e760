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

/* One entry's own invariants, and that it is on the chain it belongs to. */
static void
check_entry(const struct cache *c, const struct cache_entry *e)
{
	const struct cache_entry *x;
	const uint8_t *w = cache_entry_wire(e);

	for (x = *cache_bucket(c, e->hash); x != NULL && x != e; x = x->hnext)
		;
	ROOST_CHECK(x == e);
	for (unsigned i = 0; i < e->nttl; i++) {
		ROOST_CHECK(e->offs[i] + 4u <= e->wire_len);
		ROOST_CHECK(wire_get32(w + e->offs[i]) <= e->lifetime);
	}
	for (unsigned i = 0; i < e->name_len; i++)
		ROOST_CHECK(
		    w[WIRE_HDR_LEN + i] < 'A' || w[WIRE_HDR_LEN + i] > 'Z');
	ROOST_CHECK(e->lifetime > 0);
	ROOST_CHECK(cache_ede_valid(cache_entry_ede_blob(e), e->ede_len));
}

/* The tables' sizes and rehash point (see cache.c). */
static void
check_tables(const struct cache *c)
{
	size_t n0 = c->t[0].n;

	ROOST_CHECK(c->t[0].b != NULL && n0 != 0 && (n0 & (n0 - 1)) == 0);
	ROOST_CHECK(n0 <= c->maxn && c->maxn <= CACHE_TABLE_MAX);
	if (!cache_rehashing(c)) {
		ROOST_CHECK(c->t[1].n == 0 && c->rehash == 0);
		return;
	}
	ROOST_CHECK(c->t[1].n == 2 * n0 && c->t[1].n <= c->maxn);
	ROOST_CHECK(c->rehash < n0);
	for (size_t b = 0; b < c->rehash; b++)
		ROOST_CHECK(c->t[0].b[b] == NULL);
}

/*
 * Every chain of table t: each entry in the bucket its hash picks there,
 * that table being the one cache_bucket() picks.  Returns its entries.
 */
static size_t
check_chains(const struct cache *c, const struct cache_table *t)
{
	size_t n = 0;

	for (size_t b = 0; b < t->n; b++) {
		size_t chain = 0;

		for (const struct cache_entry *e = t->b[b]; e != NULL;
		     e = e->hnext) {
			ROOST_CHECK((e->hash & (t->n - 1)) == b);
			ROOST_CHECK(cache_bucket(c, e->hash) == &t->b[b]);
			chain++;
		}
		ROOST_CHECK(chain <= CACHE_MAX_CHAIN);
		n += chain;
	}
	return n;
}

void
cache_check(const struct cache *c)
{
	size_t n = 0, bytes = cache_table_bytes(c), inchains;
	const struct cache_entry *e, *prev = NULL;

	check_tables(c);
	TAILQ_FOREACH(e, &c->lru, lru) {
		ROOST_CHECK(TAILQ_PREV(e, cache_lru, lru) == prev);
		prev = e;
		n++;
		bytes += cache_entry_bytes(e);
		check_entry(c, e);
	}
	ROOST_CHECK(TAILQ_LAST(&c->lru, cache_lru) == prev);
	inchains = check_chains(c, &c->t[0]);
	if (cache_rehashing(c))
		inchains += check_chains(c, &c->t[1]);
	ROOST_CHECK(n == c->st.entries);
	ROOST_CHECK(inchains == n);
	ROOST_CHECK(bytes == c->st.bytes);
	ROOST_CHECK(c->st.bytes <= c->lim.budget);
}
