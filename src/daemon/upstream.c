/*
 * src/daemon/upstream.c - asking the upstream resolvers (see upstream.h).
 *
 * Invariants:
 * - Every request is on the set's list exactly while it is in flight; it
 *   has ended (callback called or cancelled) once it is off the list.
 * - Every try is either attached to its request (on the request's list)
 *   or detached (try->req == NULL); c-ares calls each try's callback
 *   exactly once, which frees the try and releases its query id.
 * - Within one channel no two tries in flight share a query id (idmap).
 * - The channels (upstream_chan.c) keep their own invariants.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upstream_impl.h"

/* --- requests ------------------------------------------------------- */

/* Plans r's tries: its upstreams in order of their SRTT now. */
static void
plan_tries(const struct upstream_set *s, struct upstream_req *r)
{
	uint64_t now = loop_now_ms(s->loop);
	uint32_t srtt[CONFIG_MAX_UPSTREAM];

	for (unsigned i = 0; i < s->nups; i++)
		srtt[i] = rtt_srtt_now(&s->ups[i].srtt, now);
	tryplan_init(&r->plan, srtt, s->nups, now);
}

static void try_start(struct upstream_req *r, bool timed_out);

/* Ends r: detaches its tries, unlinks and frees it.  No callback. */
static void
req_free(struct upstream_req *r)
{
	struct upstream_set *s = r->set;

	for (struct upstream_try *t = r->tries; t != NULL; t = t->next)
		t->req = NULL;
	loop_hook_cancel(s->loop, &r->first_try);
	loop_timer_cancel(s->loop, &r->try_timer);
	loop_timer_cancel(s->loop, &r->give_up);
	LIST_REMOVE(r, link);
	s->inflight--;
	free(r);
	notify_count_fell(&s->drained);
}

enum upstream_end
upstream_progress(const struct upstream_req *r)
{
	return r->set->nups == 0 ||
		(r->tries == NULL && r->ended > 0 && r->net_errors == r->ended)
	    ? UPSTREAM_UNREACHABLE
	    : UPSTREAM_NO_ANSWER;
}

/* Ends r with answer, or (answer NULL) with how its tries went. */
static void
req_finish(struct upstream_req *r, const uint8_t *answer, size_t len)
{
	upstream_done_cb *cb = r->cb;
	void *arg = r->arg;
	enum upstream_end end =
	    answer != NULL ? UPSTREAM_ANSWERED : upstream_progress(r);

	req_free(r);
	cb(arg, answer, len, end);
}

static void
req_give_up(void *arg)
{
	req_finish(arg, NULL, 0);
}

static void
req_try_timeout(void *arg)
{
	struct upstream_req *r = arg;
	struct upstream_set *s = r->set;

	/* the newest try is slow: the next upstream gets a try too; the
	 * slow one may still answer, and the first good answer wins */
	if (r->tries != NULL) {
		struct upstream *u = r->tries->u;

		u->timeouts++;
		u->down = true;
		u->last_error = "timeout";
		u->last_error_ms = loop_now_ms(s->loop);
		rtt_srtt_penalise(&u->srtt, loop_now_ms(s->loop),
		    (uint32_t)(loop_now_ms(s->loop) - r->tries->sent_ms));
	}
	try_start(r, true);
}

static void
req_first_try(void *arg)
{
	try_start(arg, false);
}

static void
try_unlink(struct upstream_try *t)
{
	struct upstream_try **pp;

	if (t->req == NULL)
		return;
	for (pp = &t->req->tries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->req = NULL;
}

/* Counts v and logs a rejected answer, rate-limited. */
static void
note_verdict(struct upstream_set *s, const struct upstream *u,
    enum upstream_verdict v)
{
	static const char *const why[UPSTREAM_NVERDICTS] = {
		[UPSTREAM_BAD_MSG] = "malformed",
		[UPSTREAM_BAD_ID] = "wrong id",
		[UPSTREAM_BAD_QUESTION] = "wrong question",
		[UPSTREAM_BAD_CASE] = "wrong 0x20 case",
		[UPSTREAM_BAD_COOKIE] = "wrong or missing DNS cookie",
		[UPSTREAM_BAD_RCODE] = "rcode not an answer",
		[UPSTREAM_TRUNCATED] = "truncated",
	};

	s->guard.rejected[v]++;
	/* a refusal is an ordinary failure; the rest smell of forgery or
	 * a broken upstream */
	if (v == UPSTREAM_ANSWER_OK || v == UPSTREAM_BAD_RCODE ||
	    v == UPSTREAM_TRUNCATED)
		return;
	log_warnx_limited(&s->rl_reject, loop_now_ms(s->loop),
	    "upstream %s: answer rejected: %s", u->name, why[v]);
}

static void
reap_later(void *arg)
{
	upstream_chan_reap(arg);
}

/*
 * The cookie part of the check of an answer from u (v: the rest of it),
 * RFC 7873 5.3: an answer with a client cookie not ours is a forgery;
 * one without, from a server that sent us cookies, too, unless it has
 * come UPSTREAM_COOKIE_MISSES times in a row.  Learns u's server cookie.
 * *retry: it is a BADCOOKIE with our cookie, to be asked again once.
 */
static enum upstream_verdict
cookie_verdict(struct upstream *u, const uint8_t *ans, const struct wire_msg *m,
    enum upstream_verdict v, bool *retry)
{
	uint8_t server[UPSTREAM_COOKIE_SERVER_MAX];
	size_t slen = 0;
	bool bad;

	*retry = false;
	if (v != UPSTREAM_ANSWER_OK && v != UPSTREAM_BAD_RCODE)
		return v; /* not an answer to our query anyway */
	switch (upstream_answer_cookie(ans, m, u->cookie.client, server, &slen,
	    &bad)) {
	case UPSTREAM_COOKIE_BAD:
		return UPSTREAM_BAD_COOKIE;
	case UPSTREAM_COOKIE_OK:
		memcpy(u->cookie.server, server, slen);
		u->cookie.server_len = (uint8_t)slen;
		u->cookie.misses = 0;
		*retry = bad && v == UPSTREAM_BAD_RCODE;
		return v;
	case UPSTREAM_COOKIE_NONE:
		break;
	}
	if (u->cookie.server_len == 0)
		return v;
	if (++u->cookie.misses < UPSTREAM_COOKIE_MISSES)
		return UPSTREAM_BAD_COOKIE;
	log_info("upstream %s: %d answers in a row without the DNS cookie it "
		 "used to send: no longer expected",
	    u->name, UPSTREAM_COOKIE_MISSES);
	u->cookie.server_len = 0;
	u->cookie.misses = 0;
	return v;
}

static void try_send(struct upstream_req *r, unsigned i);

/*
 * Why a try failed, in one word (upstream_stats.last_error): status is
 * c-ares's, v the check of the answer if there was one.
 */
static const char *
try_error(int status, bool answered, enum upstream_verdict v,
    const uint8_t *abuf, const char *neterr)
{
	if (!answered && neterr != NULL)
		return neterr;
	if (!answered)
		return status == ARES_ETIMEOUT    ? "timeout"
		    : status == ARES_ECONNREFUSED ? "unreachable"
						  : "network";
	if (v == UPSTREAM_TRUNCATED)
		return "truncated";
	if (v != UPSTREAM_BAD_RCODE)
		return "bad-answer";
	switch (abuf[3] & 0x0f) {
	case WIRE_SERVFAIL:
		return "servfail";
	case WIRE_REFUSED:
		return "refused";
	default:
		return "bad-rcode";
	}
}

/* What t's end says of u: its RTT, or a failure (why: try_error()) and a
 * penalty. */
static void
try_account(struct upstream *u, const struct upstream_try *t, int status,
    bool answered, bool ok, const char *why, uint64_t now)
{
	if (ok) {
		rtt_srtt_sample(&u->srtt, now, (uint32_t)(now - t->sent_ms));
		rtt_hist_record(&u->rtt, (uint32_t)(now - t->sent_ms));
		u->down = false;
		return;
	}
	u->failures++;
	u->down = true;
	u->last_error = why;
	u->last_error_ms = now;
	if (status == ARES_ETIMEOUT)
		rtt_srtt_penalise(&u->srtt, now, (uint32_t)(now - t->sent_ms));
	else if (answered)
		/* a refusal or SERVFAIL is as bad as slow */
		rtt_srtt_penalise(&u->srtt, now, u->set->pace.timeout_ms);
	log_debug("upstream %s: try failed: %s", u->name,
	    answered ? "unusable answer" : ares_strerror(status));
}

/* An answer over TLS that carries edns-tcp-keepalive (RFC 7828) with a
 * TIMEOUT: the server's idle time, in units of 100 ms. */
static void
tls_keepalive(struct upstream *u, const uint8_t *ans, const struct wire_msg *m)
{
	struct wire_opt_iter it = { ans + m->edns.opts_off, m->edns.opts_len };
	struct wire_opt o;

	while (wire_opt_next(&it, &o))
		if (o.code == WIRE_OPT_KEEPALIVE && o.len == 2) {
			tls_conn_keepalive(u->tls,
			    (uint64_t)wire_get16(o.data) * 100);
			return;
		}
}

/*
 * Ends try t: status is c-ares's (ARES_SUCCESS with the answer abuf of
 * alen octets, ARES_ETIMEOUT, ARES_ECONNREFUSED for a network error,
 * ARES_EDESTRUCTION when the channel or connection went), neterr the
 * word for upstream_stats.last_error of a failure without an answer
 * (NULL: from status).  Frees t.
 */
static void
try_end(struct upstream_try *t, int status, const char *neterr,
    const uint8_t *abuf, size_t alen)
{
	struct upstream_chan *c = t->chan;
	struct upstream *u = t->u;
	struct upstream_set *s = u->set;
	struct upstream_req *r = t->req;
	uint64_t now = loop_now_ms(s->loop);
	bool answered = status == ARES_SUCCESS && abuf != NULL && alen > 0;
	bool ok = false, has_opt = false, cookie_retry = false, forged = false;
	enum upstream_verdict v = UPSTREAM_BAD_MSG;
	struct wire_msg m;

	if (c != NULL) {
		c->tries--;
		upstream_id_set(c, t->id, false);
	}
	try_unlink(t);
	if (answered && r != NULL) {
		wire_put16(r->query, t->id);
		v = upstream_answer_check(r->query, r->qlen, abuf, alen,
		    r->exact_case, &m);
		has_opt = m.edns.present;
		if (c == NULL && has_opt)
			tls_keepalive(u, abuf, &m);
		/* no cookie goes over TLS, whose server is authenticated
		 * or at least on a connection of ours */
		if (s->cookies && c != NULL)
			v = cookie_verdict(u, abuf, &m, v, &cookie_retry);
		cookie_retry = cookie_retry && !r->cookie_retried;
		if (has_opt &&
		    (v == UPSTREAM_ANSWER_OK || v == UPSTREAM_BAD_RCODE))
			u->edns_seen = true;
		if (!cookie_retry)
			note_verdict(s, u, v);
		ok = v == UPSTREAM_ANSWER_OK;
		forged = v == UPSTREAM_BAD_COOKIE;
	}
	/* c-ares drops EDNS for the whole channel after a FORMERR without
	 * OPT: one broken answer must not downgrade every later query */
	if (answered && !has_opt && c != NULL && c == u->chan &&
	    upstream_chan_lost_edns(c) && upstream_chan_replace(u) == 0)
		log_info("upstream %s: c-ares dropped EDNS after a FORMERR; "
			 "renewing the channel",
		    u->name);
	if (c != NULL && c->draining && c->tries == 0)
		loop_before_wait(s->loop, &s->reap_hook);
	if (status == ARES_EDESTRUCTION) {
		free(t);
		if (r != NULL)
			try_start(r, false);
		return;
	}
	if (cookie_retry) {
		/* RFC 7873 5.3: BADCOOKIE, with the server cookie to use:
		 * the same server once more, at once */
		free(t);
		r->cookie_retried = true;
		s->guard.cookie_retries++;
		try_send(r, (unsigned)(u - s->ups));
		return;
	}
	if (!forged)
		try_account(u, t, status, answered, ok,
		    ok ? NULL : try_error(status, answered, v, abuf, neterr),
		    now);
	free(t);
	if (r == NULL)
		return;
	r->ended++;
	if (!answered && status == ARES_ECONNREFUSED)
		r->net_errors++; /* an ICMP error, or TCP refused */
	if (ok) {
		s->answered_by = u->name;
		req_finish(r, abuf, alen);
		s->answered_by = NULL;
		return;
	}
	/* it said no, or cannot be reached: not asked again for this
	 * question.  (A timeout is not a failure: the try timer retries;
	 * nor is a forgery's cookie, which says nothing of the server.) */
	if (status != ARES_ETIMEOUT && !forged)
		tryplan_fail(&r->plan, (unsigned)(u - s->ups));
	try_start(r, false); /* failed fast: move on now */
}

static void
try_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	try_end(arg, status, NULL, abuf, alen > 0 ? (size_t)alen : 0);
}

static void try_send_plain(struct upstream_req *r, struct upstream *u,
    struct upstream_try *t);

static void
try_tls_done(void *arg, enum tls_status st, const uint8_t *msg, size_t len)
{
	struct upstream_try *t = arg;
	struct upstream *u = t->u;

	switch (st) {
	case TLS_ANSWERED:
		try_end(t, ARES_SUCCESS, NULL, msg, len);
		return;
	case TLS_CANCELLED:
		try_end(t, ARES_EDESTRUCTION, NULL, NULL, 0);
		return;
	case TLS_FAILED:
	case TLS_AUTH:
		break;
	}
	/* opportunistic (RFC 7858 4.1): what TLS could not carry goes in
	 * plain text, once the connection is backing off */
	if (u->srv.tls == SERVER_TLS_OPPORTUNISTIC && t->req != NULL &&
	    tls_conn_backing_off(u->tls)) {
		try_send_plain(t->req, u, t);
		return;
	}
	try_end(t, ARES_ECONNREFUSED, st == TLS_AUTH ? "tls-auth" : "tls", NULL,
	    0);
}

/* How long the try at u started now may last: see tryplan.h. */
static uint64_t
try_wait(const struct upstream_req *r, const struct upstream *u, uint64_t now)
{
	return tryplan_wait(&r->plan, &r->set->pace,
	    rtt_srtt_now(&u->srtt, now), now);
}

/*
 * Starts a try at the next upstream of r.  With none to ask now: r
 * fails if every upstream failed it and no try is pending; else it waits
 * for its tries, its try timer (the next round) or its give-up timer.
 */
static void
try_start(struct upstream_req *r, bool timed_out)
{
	struct upstream_set *s = r->set;
	uint64_t now = loop_now_ms(s->loop);
	int i = tryplan_next(&r->plan, timed_out);

	if (i < 0) {
		if (tryplan_exhausted(&r->plan)) {
			loop_timer_cancel(s->loop, &r->try_timer);
			if (r->tries == NULL)
				req_finish(r, NULL, 0);
		} else if (!loop_timer_armed(&r->try_timer)) {
			/* the round is out: the next one after the wait */
			(void)loop_timer_set(s->loop, &r->try_timer,
			    try_wait(r, &s->ups[r->plan.order[0]], now));
		}
		return;
	}
	loop_timer_cancel(s->loop, &r->try_timer);
	try_send(r, (unsigned)i);
}

/* A random query id free on c (c-ares) or tls; -1 if none was found. */
static int
pick_id(struct upstream_set *s, const struct upstream_chan *c,
    const struct tls_conn *tls)
{
	for (unsigned guard = 0; guard < 64; guard++) {
		uint16_t id = rnd_u16(&s->rnd);

		if (c != NULL ? !upstream_id_taken(c, id)
			      : !tls_conn_id_taken(tls, id))
			return id;
	}
	return -1;
}

/*
 * Sends t (on r's list, no transport yet) in plain DNS through u's
 * c-ares channel, with u's cookie.  Ends t as a failure if the channel
 * has no id free.
 */
static void
try_send_plain(struct upstream_req *r, struct upstream *u,
    struct upstream_try *t)
{
	struct upstream_set *s = r->set;
	struct upstream_chan *c = u->chan;
	uint8_t q[UPSTREAM_TRY_MAX];
	size_t qlen = 0;
	int id = c->tries < 65536 / 2 ? pick_id(s, c, NULL) : -1;

	if (id < 0) {
		try_end(t, ARES_ECONNREFUSED, "network", NULL, 0);
		return;
	}
	upstream_id_set(c, (uint16_t)id, true);
	c->tries++;
	t->chan = c;
	t->id = (uint16_t)id;
	if (u->tls != NULL)
		u->plain_fallbacks++;
	wire_put16(r->query, t->id);
	memcpy(q, r->query, r->qlen);
	if (s->cookies && u->edns_seen)
		qlen = upstream_query_cookie(q, r->qlen, sizeof(q), &u->cookie);
	if (qlen == 0)
		qlen = r->qlen;
	/* c-ares copies the query.  It may call try_done() from inside
	 * ares_send() (a send error), which can end r: touch neither r nor
	 * t after this call; c stays valid (draining channels are reaped
	 * from a timer, never from a callback). */
	ares_send(c->ch, q, (int)qlen, try_done, t);
	if (!loop_timer_armed(&c->timer))
		upstream_chan_timer_arm(c);
#if !HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
	/* c-ares < 1.20 keeps one UDP socket per channel for ever: spread
	 * source ports by renewing the channel; the old one drains */
	if (++c->sent >= UPSTREAM_UDP_MAX_QUERIES && c == u->chan &&
	    upstream_chan_replace(u) == 0)
		s->guard.chan_recycled++;
#endif
}

static_assert(UPSTREAM_QUERY_MAX + 4 + 4 + UPSTREAM_PAD_BLOCK <= TLS_QUERY_MAX,
    "a padded query fits a TLS query");

/*
 * Sends t (on r's list) over u's TLS connection, padded.  If TLS cannot
 * take it now (backing off, full): an opportunistic server gets it in
 * plain DNS; for a strict one the try fails.
 */
static void
try_send_tls(struct upstream_req *r, struct upstream *u, struct upstream_try *t)
{
	uint8_t q[TLS_QUERY_MAX];
	size_t qlen;
	int id = pick_id(r->set, NULL, u->tls);

	if (id >= 0) {
		t->id = (uint16_t)id;
		wire_put16(r->query, t->id);
		memcpy(q, r->query, r->qlen);
		qlen = upstream_query_pad(q, r->qlen, sizeof(q),
		    UPSTREAM_PAD_BLOCK);
		if (qlen == 0)
			qlen = r->qlen;
		if (tls_conn_send(u->tls, q, qlen, try_tls_done, t) == 0)
			return;
	}
	if (u->srv.tls == SERVER_TLS_OPPORTUNISTIC) {
		try_send_plain(r, u, t);
		return;
	}
	try_end(t, ARES_ECONNREFUSED, "tls", NULL, 0);
}

/* Sends r's next try to upstream i, or moves on. */
static void
try_send(struct upstream_req *r, unsigned i)
{
	struct upstream_set *s = r->set;
	uint64_t now = loop_now_ms(s->loop);
	struct upstream_try *t;
	struct upstream *u = &s->ups[i];

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		try_start(r, false);
		return;
	}
	t->req = r;
	t->u = u;
	t->sent_ms = now;
	t->next = r->tries;
	r->tries = t;
	u->queries++;
	if (r->plan.round > 0)
		s->guard.retries++;
	(void)loop_timer_set(s->loop, &r->try_timer, try_wait(r, u, now));
	/* either may end t, and r with it: neither is touched after */
	if (u->tls != NULL)
		try_send_tls(r, u, t);
	else
		try_send_plain(r, u, t);
}

struct upstream_req *
upstream_resolve(struct upstream_set *s, const struct upstream_question *q,
    upstream_done_cb *cb, void *arg)
{
	struct upstream_req *r;
	uint8_t case_bits[UPSTREAM_CASE_BITS];

	if (s->inflight >= UPSTREAM_MAX_INFLIGHT) {
		s->guard.inflight_limit++;
		log_warnx_limited(&s->rl_limit, loop_now_ms(s->loop),
		    "upstream: %d requests in flight, the limit: SERVFAIL",
		    UPSTREAM_MAX_INFLIGHT);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	/* one random bit per letter, and no more: getrandom() is the
	 * main cost of DNS 0x20 (UPSTREAM_CASE_BITS would be 32) */
	if (s->dns0x20)
		rnd_bytes(&s->rnd, case_bits,
		    (upstream_name_letters(q) + 7) / 8);
	r->exact_case = s->dns0x20;
	r->qlen = upstream_query_build(q, 0, s->dns0x20 ? case_bits : NULL,
	    r->query, sizeof(r->query));
	if (r->qlen == 0) {
		free(r);
		return NULL;
	}
	r->set = s;
	r->cb = cb;
	r->arg = arg;
	loop_timer_init(&r->try_timer, req_try_timeout, r);
	loop_hook_init(&r->first_try, req_first_try, r);
	loop_timer_init(&r->give_up, req_give_up, r);
	LIST_INSERT_HEAD(&s->reqs, r, link);
	s->inflight++;
	if (loop_timer_set(s->loop, &r->give_up, s->pace.give_up_ms) != 0) {
		req_free(r);
		return NULL;
	}
	plan_tries(s, r);
	/* The first try starts before the loop next waits: try_start() can
	 * end r at once, and the caller is owed a live r and no callback
	 * before this returns. */
	loop_before_wait(s->loop, &r->first_try);
	return r;
}

void
upstream_hurry(struct upstream_req *r)
{
	struct loop *l = r->set->loop;
	uint64_t now = loop_now_ms(l), wait;

	tryplan_hurry(&r->plan, now);
	if (!loop_timer_armed(&r->try_timer))
		return;
	wait = try_wait(r,
	    r->tries != NULL ? r->tries->u : &r->set->ups[r->plan.order[0]],
	    now);
	if (loop_timer_due(&r->try_timer) > now + wait)
		(void)loop_timer_set(l, &r->try_timer, wait);
}

void
upstream_cancel(struct upstream_req *r)
{
	req_free(r);
}

unsigned
upstream_inflight(const struct upstream_set *s)
{
	return s->inflight;
}

void
upstream_when_drained(struct upstream_set *s, loop_hook_cb *cb, void *arg)
{
	notify_when_zero(&s->drained, cb, arg);
}

const struct upstream_guard_stats *
upstream_guard_stats(const struct upstream_set *s)
{
	return &s->guard;
}

unsigned
upstream_stats(const struct upstream_set *s, struct upstream_stats *out,
    unsigned max)
{
	uint64_t now = loop_now_ms(s->loop);
	unsigned i;

	for (i = 0; i < s->nups && i < max; i++) {
		const struct upstream *u = &s->ups[i];
		struct upstream_stats *o = &out[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", u->name);
		o->queries = u->queries;
		o->failures = u->failures;
		o->timeouts = u->timeouts;
		o->rtt_samples = u->rtt.samples;
		o->rtt_sum_ms = u->rtt.sum_ms;
		o->srtt_ms = rtt_srtt_now(&u->srtt, now);
		o->p50_ms = rtt_percentile(&u->rtt, 50);
		o->p90_ms = rtt_percentile(&u->rtt, 90);
		o->p99_ms = rtt_percentile(&u->rtt, 99);
		o->down = u->down;
		o->last_error = u->last_error;
		o->last_error_age_ms =
		    u->last_error != NULL ? now - u->last_error_ms : 0;
		o->transport = u->tls == NULL         ? "udp"
		    : u->srv.tls == SERVER_TLS_STRICT ? "tls"
						      : "tls-opportunistic";
		o->plain_fallbacks = u->plain_fallbacks;
		if (u->tls != NULL) {
			const struct tls_stats *ts = tls_conn_stats(u->tls);

			o->tls_handshakes = ts->handshakes;
			o->tls_resumed = ts->resumed;
			o->tls_queries = ts->queries;
			o->tls_errors = ts->errors;
			o->tls_auth_failures = ts->auth_failures;
			o->tls_peer = ts->peer;
			o->tls_error = ts->last_error;
		}
	}
	return i;
}

unsigned
upstream_alive(const struct upstream_set *s, unsigned *total)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->nups; i++)
		n += !s->ups[i].down;
	*total = s->nups;
	return n;
}

/* --- the set -------------------------------------------------------- */

/* s's TLS context, made for its first TLS server. */
static int
set_tls_client(struct upstream_set *s, const struct config *c, char *err,
    size_t errlen)
{
	if (s->tls == NULL)
		s->tls = tls_client_new(c->tls_ca_file, err, errlen);
	return s->tls != NULL ? 0 : -1;
}

struct upstream_set *
upstream_set_new(struct loop *l, const struct config *c,
    const struct server *servers, size_t nservers, char *err, size_t errlen)
{
	struct upstream_set *s;
	int r;

	/* none: every request fails at once (dbus = yes before a network
	 * manager has given servers) */
	if (nservers > CONFIG_MAX_UPSTREAM) {
		snprintf(err, errlen, "more than %d upstreams",
		    CONFIG_MAX_UPSTREAM);
		return NULL;
	}
	if ((r = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(r));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ares_library_cleanup();
		return NULL;
	}
	LIST_INIT(&s->reqs);
	s->loop = l;
	loop_hook_init(&s->reap_hook, reap_later, s);
	notify_init(&s->drained, l, &s->inflight);
	s->pace = (struct tryplan_pace){
		.timeout_ms = c->upstream_timeout_ms,
		.deadline_ms = c->query_deadline_ms,
		.give_up_ms = c->upstream_give_up_ms,
	};
	s->dns0x20 = c->dns0x20;
	s->cookies = c->upstream_cookies;
	for (size_t i = 0; i < nservers; i++) {
		struct upstream *u = &s->ups[i];

		u->set = s;
		/* RFC 7873 4.1 wants it unguessable and per server */
		rnd_bytes(&s->rnd, u->cookie.client, UPSTREAM_COOKIE_CLIENT);
		u->srv = servers[i];
		u->addr = server_plain_addr(&u->srv);
		addr_str(&u->srv.addr, u->name, sizeof(u->name));
		s->nups++;
		if (server_uses_tls(&u->srv) &&
		    (set_tls_client(s, c, err, errlen) != 0 ||
			(u->tls = tls_conn_new(l, s->tls, &u->srv, u->name,
			     c->upstream_give_up_ms)) == NULL)) {
			if (u->tls == NULL && s->tls != NULL)
				snprintf(err, errlen, "out of memory");
			upstream_set_free(s);
			return NULL;
		}
		/* a strict server never gets plain DNS: no channel */
		if (u->srv.tls != SERVER_TLS_STRICT &&
		    (u->chan = upstream_chan_new(u, err, errlen)) == NULL) {
			upstream_set_free(s);
			return NULL;
		}
	}
	return s;
}

void
upstream_set_free(struct upstream_set *s)
{
	if (s == NULL)
		return;
	while (!LIST_EMPTY(&s->reqs))
		req_finish(LIST_FIRST(&s->reqs), NULL, 0);
	for (unsigned i = 0; i < s->nups; i++) {
		tls_conn_free(s->ups[i].tls);
		if (s->ups[i].chan != NULL)
			upstream_chan_destroy(s->ups[i].chan);
	}
	while (s->draining != NULL) {
		struct upstream_chan *c = s->draining;

		s->draining = c->next_draining;
		upstream_chan_destroy(c);
	}
	/* last: destroying a draining channel arms it */
	loop_hook_cancel(s->loop, &s->reap_hook);
	notify_cancel(&s->drained);
	tls_client_free(s->tls);
	free(s);
	ares_library_cleanup();
}

const char *
upstream_set_answered_by(const struct upstream_set *s)
{
	return s != NULL ? s->answered_by : NULL;
}
