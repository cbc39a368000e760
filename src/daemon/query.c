/*
 * src/daemon/query.c - one client query from arrival to answer (see
 * query.h).
 *
 * Invariants:
 * - query_receive() vets the header, the source and the question before
 *   any memory is spent; a cache hit is answered without allocating.
 * - Every reply_to handed in is ended exactly once: by an answer, by a
 *   drop, or (for a waiter) when its fetch ends.
 * - At most one fetch per cache key is in flight: identical questions
 *   wait on it (at most QUERY_MAX_WAITERS of them).  A fetch is in the
 *   fetch table from creation until its request ends; then every waiter
 *   left is answered (or failed) and fetch_free() unlinks and frees it.
 * - Two clocks per question: each waiter has its client's deadline
 *   (query-deadline; before it, the stale-answer time if an expired
 *   entry can stand in), at which it alone is answered, stale or
 *   SERVFAIL, and leaves the fetch; the fetch lives on until the
 *   upstream request ends (upstream-give-up), so a late answer is still
 *   cached.  A SERVFAIL is remembered only when the fetch itself failed.
 * - An answer never leaves without the client's id and question
 *   spelling, and carries an OPT record exactly when the query did.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>

#include "acl.h"
#include "check.h"
#include "query_impl.h"
#include "rebind.h"

static uint32_t
now_s(const struct query_ctx *ctx)
{
	return (uint32_t)loop_now(ctx->loop);
}

struct query_ctx *
query_ctx_new(struct loop *l, const struct config *c,
    struct route_table *routes)
{
	struct query_ctx *q = calloc(1, sizeof(*q));
	struct cache_limits lim;

	if (q == NULL)
		return NULL;
	q->loop = l;
	q->cfg = c;
	q->routes = routes;
	notify_init(&q->idle, l, &q->nwaiting);
	if (getrandom(&q->seed, sizeof(q->seed), 0) != sizeof(q->seed)) {
		free(q);
		return NULL;
	}
	query_cache_limits(c, &lim);
	if ((q->cache = cache_new(&lim, q->seed)) == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

void
query_cache_limits(const struct config *c, struct cache_limits *lim)
{
	*lim = (struct cache_limits){
		.budget = c->cache_size,
		.min_ttl = c->min_ttl,
		.max_ttl = c->max_ttl,
		.max_negative_ttl = c->max_negative_ttl,
		.stale_limit = c->serve_stale ? c->stale_limit : 0,
		.minimal = c->minimal_responses,
	};
}

void
query_ctx_set_config(struct query_ctx *q, const struct config *c)
{
	struct cache_limits lim;

	q->cfg = c;
	query_cache_limits(c, &lim);
	cache_set_limits(q->cache, &lim);
}

void
query_ctx_set_routes(struct query_ctx *q, struct route_table *routes)
{
	q->routes = routes;
	if (q->trust != NULL)
		trust_set_routes(q->trust, routes);
}

int
query_ctx_set_dnssec(struct query_ctx *q, const struct config *c, char *err,
    size_t errlen)
{
	if (q->trust != NULL)
		return trust_configure(q->trust, c, err, errlen);
	if (c->dnssec == CONFIG_DNSSEC_NO)
		return 0;
	if ((q->trust = trust_new(q->loop, c, err, errlen)) == NULL)
		return -1;
	trust_set_routes(q->trust, q->routes);
	return 1;
}

const struct trust *
query_trust(const struct query_ctx *q)
{
	return q->trust;
}

void
query_ctx_set_local(struct query_ctx *q, const struct local_table *t)
{
	q->local = t;
}

void
query_ctx_set_blocklists(struct query_ctx *q, const struct blocklist *block,
    const struct blocklist *allow)
{
	q->block = block;
	q->allow = allow;
}

void
query_ctx_set_log(struct query_ctx *q, query_log_fn *fn, void *arg)
{
	q->log_fn = fn;
	q->log_arg = arg;
}

void
query_ctx_set_listen(struct query_ctx *q, struct listen_set *ls)
{
	q->ls = ls;
}

unsigned
query_pending(const struct query_ctx *q)
{
	return q->nwaiting;
}

void
query_when_idle(struct query_ctx *q, loop_hook_cb *cb, void *arg)
{
	notify_when_zero(&q->idle, cb, arg);
}

unsigned
query_fetches(const struct query_ctx *q)
{
	return q->nfetches;
}

struct route_table *
query_routes(const struct query_ctx *q)
{
	return q->routes;
}

struct listen_set *
query_listen(const struct query_ctx *q)
{
	return q->ls;
}

const struct query_stats *
query_stats(const struct query_ctx *q)
{
	return &q->stats;
}

struct cache *
query_cache(struct query_ctx *q)
{
	return q->cache;
}

/* --- answers ---------------------------------------------------------- */

static void
count_rcode(struct query_ctx *ctx, unsigned rcode)
{
	if (rcode < 6)
		ctx->stats.rcode[rcode]++;
}

/*
 * roostd's own extended DNS errors (RFC 8914), one per answer at most,
 * after those an upstream sent with a stored answer.
 */
struct query_ede {
	uint16_t code;
	const char *text; /* EXTRA-TEXT, "" for none */
};

static const struct query_ede ede_stale = { WIRE_EDE_STALE_ANSWER, "" };
static const struct query_ede ede_prohibited = { WIRE_EDE_PROHIBITED,
	"source not in allow" };
static const struct query_ede ede_transfer = { WIRE_EDE_NOT_SUPPORTED,
	"zone transfers are not served" };
static const struct query_ede ede_mailx = { WIRE_EDE_NOT_SUPPORTED,
	"MAILA and MAILB are obsolete" };
static const struct query_ede ede_class = { WIRE_EDE_NOT_SUPPORTED,
	"only class IN is forwarded" };
static const struct query_ede ede_late = { WIRE_EDE_NO_REACHABLE_AUTHORITY,
	"no upstream answered in time" };
static const struct query_ede ede_failed = { WIRE_EDE_NO_REACHABLE_AUTHORITY,
	"no upstream answered" };
static const struct query_ede ede_unreachable = { WIRE_EDE_NETWORK_ERROR,
	"no upstream could be reached" };
static const struct query_ede ede_rebind = { WIRE_EDE_BLOCKED,
	"a private address for a public name" };
static const struct query_ede ede_blocked = { WIRE_EDE_BLOCKED,
	"blocked by a blocklist" };

/* Room for the EDE options of one answer: stored ones and our own. */
#define QUERY_EDE_ROOM (CACHE_EDE_MAX + 4 + 2 + WIRE_EDE_TEXT_MAX)

/*
 * Writes the EDE options for one answer into buf (QUERY_EDE_ROOM
 * octets): the stored ones (slen octets, may be 0), then own if not
 * NULL.  Returns their length.
 */
static size_t
ede_options(uint8_t *buf, const uint8_t *stored, size_t slen,
    const struct query_ede *own)
{
	size_t len = 0;

	if (slen > CACHE_EDE_MAX)
		slen = 0;
	if (slen > 0) {
		memcpy(buf, stored, slen);
		len = slen;
	}
	if (own != NULL)
		(void)wire_opt_put_ede(buf, QUERY_EDE_ROOM, &len, own->code,
		    (const uint8_t *)own->text, strlen(own->text));
	return len;
}

/* Tells the query log (if any) of the answer to cq about to go. */
static void
log_answer(struct query_ctx *ctx, const struct client_q *cq,
    const struct wire_question *q, unsigned rcode)
{
	struct query_log_entry e = {
		.to = &cq->to,
		.q = q,
		.rcode = rcode,
		.from = cq->from,
		.upstream = cq->upstream,
		.ms = loop_now_ms(ctx->loop) - cq->t0_ms,
	};

	ctx->log_fn(ctx->log_arg, &e);
}

/*
 * Sends an answer without records: rcode (extended rcodes need edns),
 * the question if q is not NULL, extra flags, an OPT with the options
 * opts (olen octets) if the client sent one.  Ends cq->to.
 */
static void
answer_empty(struct query_ctx *ctx, struct client_q *cq,
    const struct wire_question *q, unsigned rcode, uint16_t extra,
    const uint8_t *opts, size_t olen)
{
	size_t len;

	/* RA, like AA, AD and CD, is defined only for a QUERY */
	if (WIRE_OPCODE(cq->qh.flags) == WIRE_OP_QUERY)
		extra |= WIRE_RA;
	if (wire_build_response(ctx->out, sizeof(ctx->out), &len, &cq->qh, q,
		rcode & 0x0fu, extra) != WIRE_OK) {
		listen_drop(ctx->ls, &cq->to);
		return;
	}
	if (cq->edns &&
	    wire_append_opt_data(ctx->out, sizeof(ctx->out), &len,
		QUERY_EDNS_SIZE, (uint8_t)(rcode >> 4),
		cq->dnssec_ok ? WIRE_EDNS_DO : 0, opts, olen) != WIRE_OK)
		(void)wire_append_opt(ctx->out, sizeof(ctx->out), &len,
		    QUERY_EDNS_SIZE, (uint8_t)(rcode >> 4),
		    cq->dnssec_ok ? WIRE_EDNS_DO : 0);
	if (rcode == WIRE_BADVERS)
		ctx->stats.badvers++;
	else
		count_rcode(ctx, rcode);
	if (ctx->log_fn != NULL)
		log_answer(ctx, cq, q, rcode);
	listen_reply(ctx->ls, &cq->to, ctx->out, len);
}

/* answer_empty() with the question q (NULL: none) and own's EDE. */
static void
answer_error(struct query_ctx *ctx, struct client_q *cq,
    const struct wire_question *q, unsigned rcode, const struct query_ede *own)
{
	uint8_t opts[QUERY_EDE_ROOM];
	size_t olen = cq->edns ? ede_options(opts, NULL, 0, own) : 0;

	answer_empty(ctx, cq, q, rcode, 0, opts, olen);
}

static void
answer_servfail(struct query_ctx *ctx, struct client_q *cq,
    const struct query_ede *own)
{
	answer_error(ctx, cq, &cq->q, WIRE_SERVFAIL, own);
}

/*
 * Finishes the answer in ctx->out (len octets, no OPT, the client's id
 * and spelling already in place) for cq and sends it: header flags, the
 * client's OPT with the EDE options opts (olen octets), TC=1 if too big
 * for the client's UDP limit.  Ends cq->to.
 */
static void
answer_send_aa(struct query_ctx *ctx, struct client_q *cq, size_t len,
    const uint8_t *opts, size_t olen, bool aa)
{
	uint16_t up = wire_get16(ctx->out + 2), flags;
	size_t limit;

	flags = (uint16_t)(up &
	    ~((aa ? 0 : WIRE_AA) | WIRE_RD | WIRE_CD | WIRE_AD | WIRE_TC));
	flags |= WIRE_QR | WIRE_RA | (cq->qh.flags & (WIRE_RD | WIRE_CD));
	/* RFC 6840 5.8: AD only for clients that asked with DO or AD */
	if (cq->dnssec_ok || (cq->qh.flags & WIRE_AD))
		flags |= up & WIRE_AD;
	wire_put16(ctx->out + 2, flags);
	if (cq->edns &&
	    wire_append_opt_data(ctx->out, sizeof(ctx->out), &len,
		QUERY_EDNS_SIZE, 0, cq->dnssec_ok ? WIRE_EDNS_DO : 0, opts,
		olen) != WIRE_OK) {
		answer_servfail(ctx, cq, NULL);
		return;
	}
	if (cq->to.transport == LISTEN_UDP) {
		limit = cq->edns ? cq->client_udp : 512;
		if (len > limit) {
			/* too big for the client over UDP: TC=1 and the
			 * question only, so it retries over TCP */
			ctx->stats.truncated++;
			answer_empty(ctx, cq, &cq->q, WIRE_RCODE(flags),
			    WIRE_TC, opts, olen);
			return;
		}
	}
	count_rcode(ctx, WIRE_RCODE(flags));
	if (ctx->log_fn != NULL)
		log_answer(ctx, cq, &cq->q, WIRE_RCODE(flags));
	listen_reply(ctx->ls, &cq->to, ctx->out, len);
}

/* answer_send_aa() of an answer from elsewhere: AA is not ours. */
static void
answer_send(struct query_ctx *ctx, struct client_q *cq, size_t len,
    const uint8_t *opts, size_t olen)
{
	answer_send_aa(ctx, cq, len, opts, olen, false);
}

/*
 * Answers cq from a cache entry (fresh, stale or a remembered failure),
 * with the EDE options stored with it and own's.
 */
static void
answer_cached(struct query_ctx *ctx, struct client_q *cq,
    const struct cache_entry *e, const struct query_ede *own)
{
	size_t len = cache_answer(e, now_s(ctx), cq->qh.id, cq->q.name,
	    cq->q.name_len, ctx->out, sizeof(ctx->out));
	uint8_t opts[QUERY_EDE_ROOM];
	size_t slen, olen = 0;
	const uint8_t *stored = cache_entry_ede(e, &slen);

	if (len == 0) {
		answer_servfail(ctx, cq, NULL);
		return;
	}
	if (cq->from == QUERY_FROM_ROOSTD)
		cq->from = QUERY_FROM_CACHE;
	if (cq->edns && (slen > 0 || own != NULL))
		olen = ede_options(opts, stored, slen, own);
	answer_send(ctx, cq, len, opts, olen);
}

/* Answers cq stale from e: counted, with EDE 3. */
static void
answer_stale(struct query_ctx *ctx, struct client_q *cq,
    const struct cache_entry *e)
{
	ctx->stats.stale++;
	cq->from = QUERY_FROM_STALE;
	answer_cached(ctx, cq, e, &ede_stale);
}

/* --- fetches ------------------------------------------------------------ */

static struct fetch **
fetch_bucket(struct query_ctx *ctx, uint64_t h)
{
	return &ctx->fetches[h & (QUERY_FETCH_BUCKETS - 1)];
}

static struct fetch *
fetch_find(struct query_ctx *ctx, const struct cache_key *k, uint64_t h)
{
	for (struct fetch *f = *fetch_bucket(ctx, h); f != NULL; f = f->hnext)
		if (f->hash == h && query_fetch_is(f, k))
			return f;
	return NULL;
}

/* Takes w (answered) off its fetch and frees it. */
static void
waiter_free(struct waiter *w)
{
	struct fetch *f = w->f;
	struct query_ctx *ctx = f->ctx;

	loop_timer_cancel(ctx->loop, &w->timer);
	LIST_REMOVE(w, link);
	ROOST_ASSERT(f->nwaiters > 0 && ctx->nwaiting > 0);
	f->nwaiters--;
	ctx->nwaiting--;
	notify_count_fell(&ctx->idle);
	free(w);
}

/* Unlinks f and frees it and its waiters (already answered). */
static void
fetch_free(struct fetch *f)
{
	struct query_ctx *ctx = f->ctx;
	struct fetch **pp = fetch_bucket(ctx, f->hash);

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	ROOST_ASSERT(ctx->nfetches > 0);
	ctx->nfetches--;
	while (!LIST_EMPTY(&f->waiters))
		waiter_free(LIST_FIRST(&f->waiters));
	if (f->check != NULL)
		trust_cancel(f->check);
	free(f->held);
	free(f);
}

/* A usable stand-in for a fetch that has not answered: a fresh entry,
 * or a stale one (never a remembered SERVFAIL). */
static enum cache_state
cache_stand_in(struct query_ctx *ctx, const struct cache_key *k,
    const struct cache_entry **e)
{
	enum cache_state s = cache_peek(ctx->cache, k, now_s(ctx), e);

	if (s == CACHE_STALE && cache_entry_rcode(*e) == WIRE_SERVFAIL)
		return CACHE_MISS;
	return s;
}

/*
 * A waiter's time is up while its fetch goes on: the stale answer if
 * there is one, else (at its deadline) SERVFAIL.  The fetch keeps its
 * other waiters and its request.
 */
static void
waiter_timeout(void *arg)
{
	struct waiter *w = arg;
	struct fetch *f = w->f;
	struct query_ctx *ctx = f->ctx;
	const struct cache_entry *e = NULL;
	enum cache_state s = cache_stand_in(ctx, &f->key, &e);
	uint64_t now = loop_now_ms(ctx->loop);

	if (s == CACHE_STALE) {
		answer_stale(ctx, &w->cq, e);
	} else if (s == CACHE_FRESH) {
		answer_cached(ctx, &w->cq, e, NULL);
	} else if (now < w->deadline_ms &&
	    loop_timer_set(ctx->loop, &w->timer, w->deadline_ms - now) == 0) {
		return; /* the stale answer it was to get is gone: wait on */
	} else {
		ctx->stats.deadlines++;
		answer_servfail(ctx, &w->cq,
		    f->req != NULL &&
			    upstream_progress(f->req) == UPSTREAM_UNREACHABLE
			? &ede_unreachable
			: &ede_late);
	}
	f->late = true;
	waiter_free(w);
}

/*
 * Every upstream failed f's question, or it was given up on.  Waiters
 * get what the cache still has: a fresh entry (a prefetch failed), a
 * stale one if serve-stale keeps it, which is then served without asking
 * for stale-recheck seconds; else SERVFAIL, which is then remembered for
 * servfail-ttl seconds.  A failed refresh never replaces a good entry.
 */
static void
fetch_failed_ede(struct fetch *f, const struct query_ede *own)
{
	struct query_ctx *ctx = f->ctx;
	const struct cache_entry *e = NULL;
	enum cache_state s = cache_stand_in(ctx, &f->key, &e);
	uint8_t opts[QUERY_EDE_ROOM];
	size_t olen;
	struct waiter *w;

	if (s != CACHE_MISS) {
		LIST_FOREACH(w, &f->waiters, link) {
			if (s == CACHE_STALE)
				answer_stale(ctx, &w->cq, e);
			else
				answer_cached(ctx, &w->cq, e, NULL);
		}
		if (ctx->cfg->stale_recheck_s > 0)
			cache_set_recheck(ctx->cache, &f->key,
			    now_s(ctx) + ctx->cfg->stale_recheck_s);
		return;
	}
	olen = ede_options(opts, NULL, 0, own);
	if (ctx->cfg->servfail_ttl > 0)
		(void)cache_insert_servfail(ctx->cache, &f->key, now_s(ctx),
		    ctx->cfg->servfail_ttl, opts, olen);
	LIST_FOREACH(w, &f->waiters, link)
		answer_servfail(ctx, &w->cq, own);
}

/* fetch_failed_ede() with the EDE that says how the fetch ended. */
static void
fetch_failed(struct fetch *f, enum upstream_end end)
{
	fetch_failed_ede(f,
	    end == UPSTREAM_UNREACHABLE ? &ede_unreachable : &ede_failed);
}

/*
 * With rebind-protection, true if the answer (len octets, no OPT) gives
 * f's name a private address and the name is a public one (no routing
 * domain covers it): counted and logged, rate-limited.
 */
static bool
rebinding(struct query_ctx *ctx, const struct fetch *f, const uint8_t *ans,
    size_t len)
{
	char name[WIRE_MAX_NAME_TEXT], addr[INET6_ADDRSTRLEN];
	unsigned suppressed;
	size_t where;

	if (!ctx->cfg->rebind_protection ||
	    (ctx->routes != NULL &&
		route_index(ctx->routes, f->name, f->key.name_len) != 0) ||
	    !rebind_answer_private(ans, len, &where))
		return false;
	ctx->stats.rebind++;
	if (log_ratelimit_ok(&ctx->rl_rebind, loop_now_ms(ctx->loop),
		&suppressed)) {
		wire_name_to_text(f->name, f->key.name_len, name, sizeof(name));
		/* where is an A's or an AAAA's rdata: 4 or 16 octets */
		inet_ntop(wire_get16(ans + where - 2) == 4 ? AF_INET : AF_INET6,
		    ans + where, addr, sizeof(addr));
		log_warnx("rebind-protection: %s is public but the upstream "
			  "answered %s: SERVFAIL (%u more suppressed)",
		    name, addr, suppressed);
	}
	return true;
}

/*
 * Logs, at most every QUERY_CACHE_FULL_LOG_MS, that the cache evicts
 * answers for room: the cache-size limit at work.
 */
static void
note_cache_full(struct query_ctx *ctx)
{
	const struct cache_stats *st = cache_stats(ctx->cache);
	uint64_t now = loop_now_ms(ctx->loop);

	if (st->evictions == ctx->evictions_logged ||
	    (ctx->full_logged_ms != 0 &&
		now - ctx->full_logged_ms < QUERY_CACHE_FULL_LOG_MS))
		return;
	log_info("cache: full (%zu entries, %zu bytes): %" PRIu64
		 " answers evicted for room since the last note; a larger "
		 "cache-size keeps more",
	    st->entries, st->bytes, st->evictions - ctx->evictions_logged);
	ctx->evictions_logged = st->evictions;
	ctx->full_logged_ms = now != 0 ? now : 1;
}

/*
 * The answer to f in ctx->ans (len octets, no OPT, verdict applied),
 * with the upstream's EDE options ede (ede_len octets): cached (tagged
 * with verdict, QUERY_VERDICT() or 0), then sent to every waiter.
 * Frees f.
 */
static void
fetch_deliver(struct fetch *f, size_t len, const uint8_t *ede, size_t ede_len,
    uint8_t verdict)
{
	struct query_ctx *ctx = f->ctx;
	const struct cache_entry *e;
	struct waiter *w;
	int r;

	if (rebinding(ctx, f, ctx->ans, len)) {
		fetch_failed_ede(f, &ede_rebind);
		fetch_free(f);
		return;
	}
	r = cache_insert_ede(ctx->cache, &f->key, ctx->ans, len, ede, ede_len,
	    now_s(ctx), &e);
	if (r == 1 && verdict != 0)
		cache_set_verdict(ctx->cache, &f->key, verdict);
	note_cache_full(ctx);
	LIST_FOREACH(w, &f->waiters, link) {
		w->cq.from = QUERY_FROM_UPSTREAM;
		w->cq.upstream = upstream_set_answered_by(f->set);
	}
	if (r == 1) {
		/* answer from the entry: its TTLs are clamped already */
		LIST_FOREACH(w, &f->waiters, link)
			answer_cached(ctx, &w->cq, e, NULL);
		fetch_free(f);
		return;
	}
	LIST_FOREACH(w, &f->waiters, link) {
		/* the upstream's question is ours, lower-cased: write each
		 * client's id and spelling over it */
		if (wire_patch_answer(ctx->out, sizeof(ctx->out), ctx->ans, len,
			NULL, 0, 0, w->cq.qh.id, w->cq.q.name,
			w->cq.q.name_len) != WIRE_OK) {
			answer_servfail(ctx, &w->cq, NULL);
			continue;
		}
		answer_send(ctx, &w->cq, len, ede, w->cq.edns ? ede_len : 0);
	}
	fetch_free(f);
}

/*
 * Whether the answer to k is validated: dnssec on, the client did not
 * set CD (then it gets the answer unchecked), and no run-time source's
 * routing domain holds the name (a VPN's private zone, which the public
 * tree cannot vouch for; forward-zone lines are validated).
 */
static bool
validating(const struct query_ctx *ctx, const struct cache_key *k)
{
	const struct config_zone *z;

	if (ctx->trust == NULL || ctx->cfg->dnssec == CONFIG_DNSSEC_NO ||
	    k->checking_disabled)
		return false;
	z = config_zone_for(ctx->cfg, k->name, k->name_len);
	return z == NULL || !z->runtime;
}

/* Logs a bogus answer to f (rate-limited) and what is done with it. */
static void
log_bogus(struct query_ctx *ctx, const struct fetch *f,
    const struct validate_result *res, bool served)
{
	char name[WIRE_MAX_NAME_TEXT];
	unsigned suppressed;

	if (!log_ratelimit_ok(&ctx->rl_bogus, loop_now_ms(ctx->loop),
		&suppressed))
		return;
	wire_name_to_text(f->name, f->key.name_len, name, sizeof(name));
	log_warnx("dnssec: %s type %u is bogus: %s; %s (%u more suppressed)",
	    name, f->key.qtype, res->why,
	    served ? "served without AD (dnssec = permissive)" : "SERVFAIL",
	    suppressed);
}

/*
 * The verdict res on the answer to f in ctx->ans (len octets): bogus
 * ones fail (dnssec = yes) or lose nothing but AD; AD is set for secure
 * ones only; a client without DO loses the DNSSEC records asked for it.
 * Then fetch_deliver().  Frees f.
 */
static void
fetch_judged(struct fetch *f, size_t len, uint8_t *ede, size_t ede_len,
    const struct validate_result *res)
{
	struct query_ctx *ctx = f->ctx;
	struct query_ede own = { res->has_ede ? res->ede : WIRE_EDE_BOGUS,
		res->why };
	uint16_t flags;

	if (res->verdict == VALIDATE_BOGUS) {
		log_bogus(ctx, f, res,
		    ctx->cfg->dnssec == CONFIG_DNSSEC_PERMISSIVE);
		if (ctx->cfg->dnssec != CONFIG_DNSSEC_PERMISSIVE) {
			fetch_failed_ede(f, &own);
			cache_set_verdict(ctx->cache, &f->key,
			    QUERY_VERDICT(VALIDATE_BOGUS));
			fetch_free(f);
			return;
		}
	}
	/* the answer as served, which trust_check() wrote in ctx->out */
	if (f->tout.failed) {
		fetch_failed(f, UPSTREAM_NO_ANSWER);
		fetch_free(f);
		return;
	}
	if (f->tout.len > 0) {
		memcpy(ctx->ans, ctx->out, f->tout.len);
		len = f->tout.len;
	}
	flags = wire_get16(ctx->ans + 2) & (uint16_t)~WIRE_AD;
	if (res->verdict == VALIDATE_SECURE)
		flags |= WIRE_AD;
	wire_put16(ctx->ans + 2, flags);
	if (res->has_ede || res->verdict == VALIDATE_BOGUS)
		(void)wire_opt_put_ede(ede, CACHE_EDE_MAX, &ede_len, own.code,
		    (const uint8_t *)own.text, strlen(own.text));
	fetch_deliver(f, len, ede, ede_len, QUERY_VERDICT(res->verdict));
}

/* trust_check()'s verdict on f's held answer. */
static void
fetch_validated(void *arg, const struct validate_result *res)
{
	struct fetch *f = arg;
	struct query_ctx *ctx = f->ctx;
	size_t len = f->held_len;

	f->check = NULL;
	memcpy(ctx->ans, f->held, len);
	free(f->held);
	f->held = NULL;
	fetch_judged(f, len, f->ede, f->ede_len, res);
}

/* Validates the answer to f in ctx->ans (len octets; its OPT had DO if
 * do_echoed), now or later. */
static void
fetch_validate(struct fetch *f, size_t len, bool do_echoed, const uint8_t *ede,
    size_t ede_len)
{
	struct query_ctx *ctx = f->ctx;
	struct validate_result res;
	uint8_t own[CACHE_EDE_MAX];

	memcpy(own, ede, ede_len);
	f->tout = (struct trust_out){ .buf = ctx->out,
		.cap = sizeof(ctx->out),
		.strip = !f->key.dnssec_ok };
	if (trust_check(ctx->trust, ctx->ans, len, do_echoed, &f->tout,
		fetch_validated, f, &res, &f->check) != 1) {
		fetch_judged(f, len, own, ede_len, &res);
		return;
	}
	/* the verdict comes later: the answer waits with f */
	if ((f->held = malloc(len)) == NULL) {
		trust_cancel(f->check);
		f->check = NULL;
		fetch_failed(f, UPSTREAM_NO_ANSWER);
		fetch_free(f);
		return;
	}
	memcpy(f->held, ctx->ans, len);
	f->held_len = len;
	memcpy(f->ede, ede, ede_len);
	f->ede_len = ede_len;
}

static void
fetch_done(void *arg, const uint8_t *answer, size_t len, enum upstream_end end)
{
	struct fetch *f = arg;
	struct query_ctx *ctx = f->ctx;
	struct wire_msg m;
	uint8_t ede[CACHE_EDE_MAX];
	size_t ede_len;

	f->req = NULL;
	if (answer != NULL && f->late)
		ctx->stats.late++;
	if (answer == NULL || len > sizeof(ctx->ans) ||
	    wire_parse_msg(answer, len, &m, NULL, 0) != WIRE_OK) {
		fetch_failed(f, answer == NULL ? end : UPSTREAM_NO_ANSWER);
		fetch_free(f);
		return;
	}
	/* the upstream's OPT spoke to us; each client gets its own, with
	 * the upstream's extended errors kept */
	ede_len = wire_ede_copy(answer, &m.edns, ede, sizeof(ede));
	memcpy(ctx->ans, answer, len);
	wire_remove_opt(ctx->ans, &len, &m.edns);
	if (validating(ctx, &f->key)) {
		fetch_validate(f, len,
		    m.edns.present && (m.edns.flags & WIRE_EDNS_DO), ede,
		    ede_len);
		return;
	}
	/* unchecked: AD would claim what roostd did not see */
	wire_put16(ctx->ans + 2,
	    (uint16_t)(wire_get16(ctx->ans + 2) & ~WIRE_AD));
	fetch_deliver(f, len, ede, ede_len, 0);
}

/*
 * Starts a fetch for k (a prefetch if cq is NULL).  Returns it, or NULL
 * when out of memory or the upstream limit is reached.
 */
static struct fetch *
fetch_start(struct query_ctx *ctx, const struct cache_key *k, uint64_t h)
{
	struct fetch *f = calloc(1, sizeof(*f));
	struct upstream_question uq;

	if (f == NULL)
		return NULL;
	f->ctx = ctx;
	f->hash = h;
	LIST_INIT(&f->waiters);
	memcpy(f->name, k->name, k->name_len);
	wire_name_lower(f->name, k->name_len);
	f->key = *k;
	f->key.name = f->name;
	uq = (struct upstream_question){
		.name = f->name,
		.name_len = k->name_len,
		.qtype = k->qtype,
		.qclass = k->qclass,
		/* a validator needs the records, unchecked upstream */
		.dnssec_ok = k->dnssec_ok || validating(ctx, k),
		.checking_disabled = k->checking_disabled || validating(ctx, k),
	};
	/* the route is looked up here, on a miss only (a DS question's is
	 * its parent's: route.h) */
	f->set = route_pick_type(ctx->routes, f->name, k->name_len, k->qtype);
	if ((f->req = upstream_resolve(f->set, &uq, fetch_done, f)) == NULL) {
		free(f);
		return NULL;
	}
	f->hnext = *fetch_bucket(ctx, h);
	*fetch_bucket(ctx, h) = f;
	ctx->nfetches++;
	return f;
}

/*
 * Queues cq on the fetch for k, starting one if none is in flight.  It
 * gets its answer by query-deadline; if an expired entry of k can stand
 * in (stale), by stale-answer-client-timeout already.
 */
static void
fetch_join(struct query_ctx *ctx, const struct cache_key *k, uint64_t h,
    struct client_q *cq, bool stale)
{
	unsigned wait = ctx->cfg->query_deadline_ms;
	struct fetch *f = fetch_find(ctx, k, h);
	struct waiter *w;
	unsigned suppressed;

	if (f != NULL) {
		ctx->stats.coalesced++;
		if (f->req != NULL)
			upstream_hurry(f->req); /* it may be past the pace
						   of clients */
	} else if ((f = fetch_start(ctx, k, h)) == NULL) {
		/* too much in flight: fail fast rather than queue (the
		 * upstream module logs its limit) */
		ctx->stats.upstream_limit++;
		answer_servfail(ctx, cq, NULL);
		return;
	}
	if (f->nwaiters >= QUERY_MAX_WAITERS) {
		/* one question asked by a crowd: the first ones wait, the
		 * rest are turned away rather than queued without end */
		ctx->stats.waiters_limit++;
		if (log_ratelimit_ok(&ctx->rl_limit, loop_now_ms(ctx->loop),
			&suppressed))
			log_warnx("query: %d clients wait for one question, "
				  "the limit: SERVFAIL (%u more suppressed)",
			    QUERY_MAX_WAITERS, suppressed);
		answer_servfail(ctx, cq, NULL);
		return;
	}
	if ((w = malloc(sizeof(*w))) == NULL) {
		answer_servfail(ctx, cq, NULL);
		return;
	}
	w->cq = *cq;
	w->f = f;
	w->deadline_ms = loop_now_ms(ctx->loop) + wait;
	loop_timer_init(&w->timer, waiter_timeout, w);
	if (stale && ctx->cfg->stale_client_timeout_ms < wait)
		wait = ctx->cfg->stale_client_timeout_ms;
	/* unarmed (no memory for the timer heap), it is answered when
	 * the fetch ends, by upstream-give-up */
	(void)loop_timer_set(ctx->loop, &w->timer, wait);
	LIST_INSERT_HEAD(&f->waiters, w, link);
	f->nwaiters++;
	ctx->nwaiting++;
}

/* --- local names --------------------------------------------------------- */

/*
 * True if cq's name is one roostd answers itself (local.h), with the
 * answer's len octets in ctx->out.  A built-in zone's answer gives way
 * to a routing domain that covers the name (route 0 is the default
 * route, every other one a routing domain).
 */
static bool
local_is_answered(struct query_ctx *ctx, const struct client_q *cq, size_t *len)
{
	enum local_result r;

	if (ctx->local == NULL)
		return false;
	r = local_answer(ctx->local, &cq->qh, &cq->q, ctx->out,
	    sizeof(ctx->out), len);
	return r == LOCAL_ANSWERED ||
	    (r == LOCAL_DEFAULT &&
		(ctx->routes == NULL ||
		    route_index(ctx->routes, cq->q.name, cq->q.name_len) == 0));
}

/* Answers cq if its name is a local one (local_is_answered()). */
static bool
answer_local(struct query_ctx *ctx, struct client_q *cq)
{
	size_t len;

	if (!local_is_answered(ctx, cq, &len))
		return false;
	ctx->stats.local++;
	cq->from = QUERY_FROM_LOCAL;
	answer_send_aa(ctx, cq, len, NULL, 0, true);
	return true;
}

/*
 * Answers cq if a blocklist blocks its name (and no allowlist exempts
 * it): block-answer's answer with EDE 15.  True then.
 */
static bool
answer_blocked(struct query_ctx *ctx, struct client_q *cq)
{
	static const uint8_t null4[4], null6[16];
	uint8_t opts[QUERY_EDE_ROOM];
	size_t len, olen;
	unsigned rcode = WIRE_NXDOMAIN;
	const uint8_t *addr = NULL;
	uint16_t alen = 0;

	if (ctx->block == NULL ||
	    blocklist_decide(ctx->block, ctx->allow, cq->q.name, cq->q.name_len,
		NULL) != BLOCKLIST_BLOCK)
		return false;
	ctx->stats.blocked++;
	cq->from = QUERY_FROM_BLOCKED;
	if (ctx->cfg->block_answer == CONFIG_BLOCK_REFUSED)
		rcode = WIRE_REFUSED;
	else if (ctx->cfg->block_answer == CONFIG_BLOCK_NULL) {
		rcode = WIRE_NOERROR;
		if (cq->q.qtype == WIRE_T_A)
			addr = null4, alen = 4;
		else if (cq->q.qtype == WIRE_T_AAAA)
			addr = null6, alen = 16;
	}
	if (wire_build_response(ctx->out, sizeof(ctx->out), &len, &cq->qh,
		&cq->q, rcode, 0) != WIRE_OK) {
		listen_drop(ctx->ls, &cq->to);
		return true;
	}
	if (addr != NULL && len + 12u + alen <= sizeof(ctx->out)) {
		wire_put16(ctx->out + len, 0xc000u | WIRE_HDR_LEN);
		wire_put16(ctx->out + len + 2, cq->q.qtype);
		wire_put16(ctx->out + len + 4, WIRE_C_IN);
		wire_put32(ctx->out + len + 6, QUERY_BLOCK_TTL);
		wire_put16(ctx->out + len + 10, alen);
		memcpy(ctx->out + len + 12, addr, alen);
		len += 12u + alen;
		wire_put16(ctx->out + 6, 1);
	}
	olen = cq->edns ? ede_options(opts, NULL, 0, &ede_blocked) : 0;
	answer_send(ctx, cq, len, opts, olen);
	return true;
}

enum query_here
query_ctx_answers_here(struct query_ctx *ctx, const uint8_t *name, size_t len,
    uint16_t qtype)
{
	struct client_q cq = { .qh = { .qdcount = 1 } };
	size_t olen;

	if (len == 0 || len > sizeof(cq.q.name))
		return QUERY_HERE_NONE;
	memcpy(cq.q.name, name, len);
	cq.q.name_len = len;
	cq.q.name_off = WIRE_HDR_LEN;
	cq.q.qtype = qtype;
	cq.q.qclass = WIRE_C_IN;
	cq.q.end = WIRE_HDR_LEN + len + 4;
	if (local_is_answered(ctx, &cq, &olen))
		return QUERY_HERE_LOCAL;
	if (ctx->block != NULL &&
	    blocklist_decide(ctx->block, ctx->allow, name, len, NULL) ==
		BLOCKLIST_BLOCK)
		return QUERY_HERE_BLOCKED;
	return QUERY_HERE_NONE;
}

/* --- vetting ------------------------------------------------------------ */

/* Answers from the cache, or sends the question upstream. */
static void
resolve(struct query_ctx *ctx, struct client_q *cq)
{
	struct cache_key k = {
		.name = cq->q.name,
		.name_len = cq->q.name_len,
		.qtype = cq->q.qtype,
		.qclass = cq->q.qclass,
		.dnssec_ok = cq->dnssec_ok,
		.checking_disabled = (cq->qh.flags & WIRE_CD) != 0,
	};
	const struct cache_entry *e;
	uint32_t now = now_s(ctx);
	enum cache_state st = cache_lookup(ctx->cache, &k, now, &e);
	uint64_t h;

	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char name[WIRE_MAX_NAME * 4 + 1];

		wire_name_to_text(cq->q.name, cq->q.name_len, name,
		    sizeof(name));
		log_debug("query %s id=%u %s type=%u%s%s: %s",
		    cq->to.transport == LISTEN_UDP ? "udp" : "tcp", cq->qh.id,
		    name, cq->q.qtype, cq->dnssec_ok ? " do" : "",
		    k.checking_disabled ? " cd" : "",
		    st == CACHE_FRESH       ? "cache hit"
			: st == CACHE_STALE ? "stale, asking upstream"
					    : "miss, asking upstream");
	}
	if (st == CACHE_FRESH) {
		uint32_t left = cache_entry_ttl(e, now);
		uint32_t life = cache_entry_lifetime(e);

		answer_cached(ctx, cq, e, NULL);
		/* in its last tenth: refresh it before it expires, once,
		 * unless a refresh just failed */
		if (ctx->cfg->prefetch &&
		    cache_entry_rcode(e) != WIRE_SERVFAIL &&
		    (uint64_t)left * 10 <= life &&
		    cache_entry_recheck(e) <= now) {
			h = query_key_hash(ctx, &k);
			if (fetch_find(ctx, &k, h) == NULL &&
			    fetch_start(ctx, &k, h) != NULL)
				ctx->stats.prefetches++;
		}
		return;
	}
	h = query_key_hash(ctx, &k);
	if (st == CACHE_STALE && cache_entry_recheck(e) > now) {
		/* its refresh failed a moment ago: do not ask again yet */
		ctx->stats.stale_rechecks++;
		answer_stale(ctx, cq, e);
		return;
	}
	if (st == CACHE_STALE) {
		struct fetch *f = fetch_find(ctx, &k, h);

		if (f != NULL && f->late) {
			/* its refresh already outlived a client's timeout:
			 * no one else waits for it */
			answer_stale(ctx, cq, e);
			return;
		}
		if (ctx->cfg->stale_client_timeout_ms == 0) {
			/* RFC 8767 5: the stale answer at once, then the
			 * refresh */
			answer_stale(ctx, cq, e);
			if (f == NULL)
				(void)fetch_start(ctx, &k, h);
			return;
		}
	}
	fetch_join(ctx, &k, h, cq, st == CACHE_STALE);
}

/*
 * Reads the records after cq's question into *m: true if they are what
 * a query may carry (an OPT at most), with cq's EDNS fields set.
 */
static bool
query_records(struct client_q *cq, const uint8_t *msg, size_t len,
    struct wire_msg *m)
{
	if (cq->qh.ancount != 0 || cq->qh.nscount != 0 ||
	    wire_parse_records(msg, len, &cq->qh, cq->q.end, m) != WIRE_OK ||
	    m->nrr != (m->edns.present ? 1u : 0u))
		return false;
	cq->edns = m->edns.present;
	cq->dnssec_ok = cq->edns && (m->edns.flags & WIRE_EDNS_DO);
	cq->client_udp = m->edns.udp_size < 512 ? 512
	    : m->edns.udp_size > QUERY_MAX_UDP  ? QUERY_MAX_UDP
						: m->edns.udp_size;
	return true;
}

void
query_receive(void *arg, const struct listen_reply_to *from, const uint8_t *msg,
    size_t len)
{
	struct query_ctx *ctx = arg;
	struct client_q cq = { .to = *from };
	struct wire_header h;
	struct wire_msg m;
	const struct wire_question *qp = NULL;
	const struct query_ede *own = NULL;
	unsigned rcode;

	if (ctx->log_fn != NULL)
		cq.t0_ms = loop_now_ms(ctx->loop);
	if (cq.to.transport == LISTEN_UDP)
		ctx->stats.udp++;
	else
		ctx->stats.tcp++;
	/* no id, or a response (never answer those: reflection loops) */
	if (wire_parse_header(msg, len, &h) != WIRE_OK || (h.flags & WIRE_QR))
		goto drop;
	cq.qh = h;
	if (wire_parse_question(msg, len, &h, &cq.q) == WIRE_OK)
		qp = &cq.q;
	if (!acl_allowed(ctx->cfg, (const struct sockaddr *)&cq.to.peer)) {
		/* why, for a client that can read it (RFC 8914 4.19) */
		if (qp != NULL)
			(void)query_records(&cq, msg, len, &m);
		rcode = WIRE_REFUSED;
		own = &ede_prohibited;
		goto answer;
	}
	if (WIRE_OPCODE(h.flags) != WIRE_OP_QUERY) {
		rcode = WIRE_NOTIMP;
		goto answer;
	}
	if (qp == NULL || !query_records(&cq, msg, len, &m)) {
		/* malformed, or records a query has no business carrying
		 * (only an OPT may come along) */
		rcode = WIRE_FORMERR;
		goto answer;
	}
	if (cq.edns && m.edns.version != 0) {
		rcode = WIRE_BADVERS;
		goto answer;
	}
	switch (cq.q.qtype) {
	case 0:
	case WIRE_T_OPT:
		rcode = WIRE_FORMERR;
		goto answer;
	case WIRE_T_AXFR:
	case WIRE_T_IXFR:
		rcode = WIRE_REFUSED; /* zone transfers: not a forwarder's */
		own = &ede_transfer;
		goto answer;
	case WIRE_T_MAILA:
	case WIRE_T_MAILB:
		rcode = WIRE_NOTIMP;
		own = &ede_mailx;
		goto answer;
	}
	if (cq.q.qclass != WIRE_C_IN) {
		rcode = WIRE_REFUSED;
		own = &ede_class;
		goto answer;
	}
	if (!answer_local(ctx, &cq) && !answer_blocked(ctx, &cq))
		resolve(ctx, &cq);
	return;
answer:
	answer_error(ctx, &cq, qp, rcode, own);
	return;
drop:
	ctx->stats.dropped++;
	listen_drop(ctx->ls, &cq.to);
}

void
query_ctx_free(struct query_ctx *q)
{
	if (q == NULL)
		return;
	for (size_t b = 0; b < QUERY_FETCH_BUCKETS; b++)
		while (q->fetches[b] != NULL) {
			struct fetch *f = q->fetches[b];

			struct waiter *w;

			if (f->req != NULL)
				upstream_cancel(f->req);
			LIST_FOREACH(w, &f->waiters, link)
				answer_servfail(q, &w->cq, NULL);
			fetch_free(f);
		}
	notify_cancel(&q->idle);
	trust_free(q->trust);
	cache_free(q->cache);
	free(q);
}
