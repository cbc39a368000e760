/*
 * src/daemon/query_check.c - query_check(): walks a query context and
 * checks its invariants (see query.c), for debug builds and tests.
 */
#include "check.h"
#include "query_impl.h"

void
query_check(const struct query_ctx *q)
{
	unsigned nfetches = 0, nwaiting = 0;
	const struct waiter *w;

	for (size_t b = 0; b < QUERY_FETCH_BUCKETS; b++)
		for (const struct fetch *f = q->fetches[b]; f != NULL;
		     f = f->hnext) {
			unsigned n = 0;

			nfetches++;
			ROOST_CHECK(f->ctx == q);
			ROOST_CHECK((f->hash & (QUERY_FETCH_BUCKETS - 1)) == b);
			ROOST_CHECK(f->key.name == f->name);
			ROOST_CHECK(query_key_hash(q, &f->key) == f->hash);
			/* asking upstream, or validating what came */
			ROOST_CHECK((f->req != NULL) != (f->check != NULL));
			for (const struct fetch *g = f->hnext; g != NULL;
			     g = g->hnext)
				ROOST_CHECK(g->hash != f->hash ||
				    !query_fetch_is(g, &f->key));
			LIST_FOREACH(w, &f->waiters, link) {
				ROOST_CHECK(w->f == f);
				n++;
			}
			ROOST_CHECK(n == f->nwaiters);
			ROOST_CHECK(n <= QUERY_MAX_WAITERS);
			nwaiting += n;
		}
	ROOST_CHECK(nfetches == q->nfetches);
	ROOST_CHECK(nwaiting == q->nwaiting);
}
