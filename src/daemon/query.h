/*
 * src/daemon/query.h - one client query from arrival to answer: validate
 * the question (header bits, opcode, counts, name, class, type, access
 * control), forward it upstream, and turn the upstream's answer into the
 * client's (its id, its spelling of the name, its EDNS, its size limit).
 *
 * Names roostd answers itself (local.h) are answered first, before the
 * cache: they are never cached and never forwarded, unless a routing
 * domain covers a built-in zone's name.
 * The cache sits in front of the upstreams: a fresh entry is answered at
 * once (copy and patch, no allocation); otherwise the question joins the
 * fetch already in flight for the same key, or starts one.  A hit in the
 * last tenth of an entry's life starts a prefetch; when every upstream
 * fails, a stale entry is served (serve-stale) or SERVFAIL is remembered
 * for servfail-ttl seconds.
 *
 * Ownership: the context owns its cache and every fetch; a fetch owns its
 * upstream request and its waiters, each of which owns a reply_to that
 * is ended exactly once.
 */
#ifndef ROOST_QUERY_H
#define ROOST_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "cache.h"
#include "config.h"
#include "listen.h"
#include "local.h"
#include "loop.h"
#include "route.h"
#include "upstream.h"

/* The EDNS UDP size roostd advertises to its clients. */
#define QUERY_EDNS_SIZE 1232
/* A client's advertised size is honoured up to this. */
#define QUERY_MAX_UDP 4096
/* Clients waiting on one upstream fetch; past it they get SERVFAIL. */
#define QUERY_MAX_WAITERS 1024
/* A full cache (evicting for room) is logged at most this often: it is
 * the normal state of a busy resolver, worth a line, not a stream. */
#define QUERY_CACHE_FULL_LOG_MS (3600 * 1000)
/* The TTL of block-answer = null's addresses: short, so that a name
 * taken off a list is soon reached again. */
#define QUERY_BLOCK_TTL 10
/* Buckets of the table of fetches in flight (a power of two). */
#define QUERY_FETCH_BUCKETS 1024

struct query_ctx;

struct query_stats {
	uint64_t udp, tcp;       /* queries received */
	uint64_t dropped;        /* too broken to answer, or responses */
	uint64_t rcode[6];       /* answers sent by rcode (0..5) */
	uint64_t badvers;        /* BADVERS answers */
	uint64_t truncated;      /* TC=1 answers over UDP */
	uint64_t coalesced;      /* queries that joined a fetch in flight */
	uint64_t prefetches;     /* refreshes started by a hit */
	uint64_t stale;          /* stale answers served (RFC 8767) */
	uint64_t stale_rechecks; /* of them, served without asking: a
				    refresh had just failed */
	uint64_t deadlines;      /* SERVFAIL at a client's deadline while its
				    fetch went on */
	uint64_t late;           /* fetches answered after a client's
				    deadline had passed (the answer cached) */
	uint64_t waiters_limit;  /* SERVFAIL: QUERY_MAX_WAITERS on a fetch */
	uint64_t upstream_limit; /* SERVFAIL: no fetch could start (the
				    in-flight limit, or out of memory) */
	uint64_t local;          /* answered from local names (local.h) */
	uint64_t blocked;        /* answered as blocked (blocklist.h) */
	uint64_t rebind;         /* SERVFAIL: a private address for a public
				    name (rebind-protection) */
};

/*
 * Creates the context and its cache (sized by c).  c, l and routes must
 * outlive it (routes may be NULL where a test stands in for upstream.c).
 * Returns it, or NULL (out of memory).
 */
struct query_ctx *query_ctx_new(struct loop *l, const struct config *c,
    struct route_table *routes);

/* The cache limits that config c asks for. */
void query_cache_limits(const struct config *c, struct cache_limits *lim);

/* The context's cache (for stats and tests). */
struct cache *query_cache(struct query_ctx *q);

/*
 * Reload: from now on c's access rules, prefetch, serve-stale,
 * servfail-ttl and TTL clamps apply (cache_set_limits()); the cache and
 * every entry are kept, and its budget is not changed.  c must outlive
 * the context or the next switch.
 */
void query_ctx_set_config(struct query_ctx *q, const struct config *c);

/*
 * Reload: new fetches go by routes.  Fetches in flight stay with the set
 * that started them, whose table must live until route_inflight() of it
 * is 0 and until query_ctx_free() (which cancels what is left).
 */
void query_ctx_set_routes(struct query_ctx *q, struct route_table *routes);

/*
 * Applies c's dnssec settings (start-up and reload): with dnssec on, the
 * validator is made on first use, and its trust anchors and negative
 * trust anchors are c's.  Returns 1 if a validator in force now judges
 * by other anchors or negative trust anchors (trust_configure()), 0 if
 * not, or -1 with err filled (the anchors in force stay).
 */
int query_ctx_set_dnssec(struct query_ctx *q, const struct config *c, char *err,
    size_t errlen);

/* The tag of a validated cache entry (cache_set_verdict()): the
 * verdict (enum validate_verdict) + 1. */
#define QUERY_VERDICT(v) ((uint8_t)((v) + 1))

/* The validator (for stats), or NULL if dnssec was never on. */
const struct trust *query_trust(const struct query_ctx *q);

/*
 * From now on the names of t are answered here, before the cache
 * (NULL: none).  t must outlive the context or the next switch.
 */
void query_ctx_set_local(struct query_ctx *q, const struct local_table *t);

/*
 * From now on names block blocks (and allow does not exempt) are
 * answered as block-answer says, with EDE 15, after the local names and
 * before the cache (NULL: nothing blocked).  Both must outlive the
 * context or the next switch.
 */
void query_ctx_set_blocklists(struct query_ctx *q,
    const struct blocklist *block, const struct blocklist *allow);

/* What answers a name before the cache and the upstreams. */
enum query_here {
	QUERY_HERE_NONE,    /* nothing: the cache, then a route */
	QUERY_HERE_LOCAL,   /* the local names (local.h) */
	QUERY_HERE_BLOCKED, /* the blocklists in force */
};

/*
 * What would answer a client's question for name (wire form, any case)
 * of type qtype, class IN, now.  Uses the context's answer buffer:
 * call it from the loop's thread, between queries.
 */
enum query_here query_ctx_answers_here(struct query_ctx *q, const uint8_t *name,
    size_t len, uint16_t qtype);

/* Where an answer came from, as the query log says it. */
enum query_from {
	QUERY_FROM_ROOSTD,   /* roostd's own: an error, a refusal, SERVFAIL */
	QUERY_FROM_CACHE,    /* a fresh cache entry */
	QUERY_FROM_UPSTREAM, /* an upstream's answer to this question */
	QUERY_FROM_STALE,    /* an expired entry (serve-stale) */
	QUERY_FROM_LOCAL,    /* the local names (local.h) */
	QUERY_FROM_BLOCKED,  /* a blocklist */
};

/* One answer sent, for the query log (valid for the call only). */
struct query_log_entry {
	const struct listen_reply_to *to; /* the client and transport */
	const struct wire_question *q;    /* NULL: no question read */
	unsigned rcode;                   /* extended rcodes included */
	enum query_from from;
	const char *upstream; /* the server ADDR#PORT that answered
				 (QUERY_FROM_UPSTREAM), else NULL */
	uint64_t ms;          /* from the question's arrival, loop time */
};

typedef void query_log_fn(void *arg, const struct query_log_entry *e);

/*
 * From now on fn (NULL: none) is called with every answer sent, just
 * before it goes.  With none the query path does no log work at all.
 */
void query_ctx_set_log(struct query_ctx *q, query_log_fn *fn, void *arg);

/* Tells the context where answers go (created after it). */
void query_ctx_set_listen(struct query_ctx *q, struct listen_set *ls);

/*
 * The listen_query_cb: handles one message from a client.  arg is the
 * struct query_ctx.
 */
void query_receive(void *arg, const struct listen_reply_to *from,
    const uint8_t *msg, size_t len);

/* Client queries waiting for an upstream answer. */
unsigned query_pending(const struct query_ctx *q);

/*
 * Calls cb(arg) once, before a loop wait, when no client query is
 * waiting (the next wait if none is now).  A later call replaces the
 * earlier; NULL cancels.  For a stop that lets answers go out first.
 */
void query_when_idle(struct query_ctx *q, loop_hook_cb *cb, void *arg);

/* Upstream fetches in flight (each may have many waiting queries). */
unsigned query_fetches(const struct query_ctx *q);

/* The routes new fetches go by (for stats). */
struct route_table *query_routes(const struct query_ctx *q);

/* The listen set answers go out on, or NULL before one is set. */
struct listen_set *query_listen(const struct query_ctx *q);

/* Counters since start. */
const struct query_stats *query_stats(const struct query_ctx *q);

/*
 * Verifies the context's invariants: the fetch table holds
 * query_fetches() fetches, each in its hash's bucket, at most one per
 * key, each with an upstream request and a waiter list nwaiters long
 * (at most QUERY_MAX_WAITERS), the waiters summing to query_pending().
 * Aborts on a broken one.  For tests: it walks everything.
 */
void query_check(const struct query_ctx *q);

/*
 * Answers every waiting query with SERVFAIL, then frees the context and
 * its cache.
 */
void query_ctx_free(struct query_ctx *q);

#endif /* ROOST_QUERY_H */
