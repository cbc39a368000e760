/*
 * src/daemon/query_impl.h - the query module's layout, for its own files
 * only (query.c, query_check.c): nothing else includes it, so the rest
 * of roostd sees struct query_ctx as opaque (query.h).
 */
#ifndef ROOST_QUERY_IMPL_H
#define ROOST_QUERY_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "blocklist.h"
#include "cache.h"
#include "listen.h"
#include "local.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "query.h"
#include "trust.h"
#include "upstream.h"
#include "wire.h"

/* What an answer needs to know about the query it answers. */
struct client_q {
	struct listen_reply_to to;
	struct wire_header qh;
	struct wire_question q; /* as the client spelled it */
	bool edns;
	bool dnssec_ok;
	uint16_t client_udp; /* the client's limit for a UDP answer */
	/* for the query log: where the answer came from, which server
	 * (valid while the answer is made), when the question came */
	enum query_from from;
	const char *upstream;
	uint64_t t0_ms;
};

struct fetch;

struct waiter {
	LIST_ENTRY(waiter) link; /* on f->waiters */
	struct fetch *f;
	struct loop_timer timer; /* the deadline, or the stale time before */
	uint64_t deadline_ms;    /* loop clock: an answer or SERVFAIL by then */
	struct client_q cq;
};

struct fetch {
	struct query_ctx *ctx;
	struct fetch *hnext;
	uint64_t hash;
	uint8_t name[WIRE_MAX_NAME]; /* lower-cased */
	struct cache_key key;        /* key.name points at name */
	LIST_HEAD(, waiter) waiters;
	unsigned nwaiters;
	bool late; /* a waiter's deadline passed while it was in flight */
	struct upstream_req *req;
	struct upstream_set *set; /* the route's servers it asks */
	/* validating the answer (then req is NULL): the answer, no OPT,
	 * and the upstream's EDE options, held until the verdict */
	struct trust_check *check;
	struct trust_out tout; /* what it writes into ctx->out */
	uint8_t *held;
	size_t held_len;
	uint8_t ede[CACHE_EDE_MAX];
	size_t ede_len;
};

struct query_ctx {
	struct loop *loop;
	const struct config *cfg;
	struct route_table *routes;      /* where fetches go */
	const struct local_table *local; /* names answered here, or NULL */
	const struct blocklist *block, *allow; /* NULL: none */
	query_log_fn *log_fn;                  /* NULL: no query log */
	void *log_arg;
	struct listen_set *ls;
	struct cache *cache;
	struct trust *trust; /* the validator; NULL until dnssec is on */
	struct log_ratelimit rl_bogus;
	uint64_t seed;
	struct fetch *fetches[QUERY_FETCH_BUCKETS];
	unsigned nfetches;
	unsigned nwaiting;
	struct notify idle; /* tells the owner nwaiting is 0 */
	struct query_stats stats;
	struct log_ratelimit rl_limit;
	struct log_ratelimit rl_rebind;
	uint64_t evictions_logged; /* cache evictions at the last "full" */
	uint64_t full_logged_ms;   /* when that was logged; 0: never */
	/* one answer is built at a time (one loop, one thread) */
	uint8_t out[WIRE_MAX_MSG];
	uint8_t ans[WIRE_MAX_MSG];
};

/* The fetch table's hash of k (seeded per context). */
static inline uint64_t
query_key_hash(const struct query_ctx *ctx, const struct cache_key *k)
{
	return wire_name_hash(k->name, k->name_len,
	    ctx->seed ^
		((uint64_t)k->qtype << 32 | (uint64_t)k->qclass << 8 |
		    (uint64_t)k->dnssec_ok << 1 | k->checking_disabled));
}

/* True if f fetches the question of key k. */
static inline bool
query_fetch_is(const struct fetch *f, const struct cache_key *k)
{
	return f->key.qtype == k->qtype && f->key.qclass == k->qclass &&
	    f->key.dnssec_ok == k->dnssec_ok &&
	    f->key.checking_disabled == k->checking_disabled &&
	    wire_name_equal(f->name, f->key.name_len, k->name, k->name_len);
}

#endif
