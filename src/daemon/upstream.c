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
 * - A channel is never created without its one explicit server, so
 *   c-ares never falls back to 127.0.0.1 (which would be roostd itself).
 * - A channel whose EDNS flag c-ares dropped (after a FORMERR without
 *   OPT) is replaced; the old one drains and is destroyed when its last
 *   try has ended.
 */
#define _GNU_SOURCE
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "autoconf.h"
#include "log.h"
#include "notify.h"
#include "rnd.h"
#include "rtt.h"
#include "upstream.h"
#include "wire.h"

#define UPSTREAM_QUERY_MAX (WIRE_HDR_LEN + WIRE_MAX_NAME + 4 + WIRE_OPT_LEN)

struct upstream;

struct upstream_chan {
	ares_channel ch;
	struct upstream *u;
	struct loop_timer timer; /* drives ares_process_fd() timeouts */
	unsigned tries;          /* tries in flight on this channel */
	unsigned sent;           /* tries ever sent on this channel */
	bool draining;           /* replaced: destroy when tries == 0 */
	uint8_t idmap[65536 / 8];
	struct upstream_chan *next_draining;
};

struct upstream {
	struct upstream_set *set;
	struct addr addr;
	char name[64];
	struct upstream_chan *chan;
	struct rtt_srtt srtt;
	uint64_t queries, failures, timeouts;
	bool down; /* its latest try failed or timed out */
	/* RTTs of answered tries: fixed buckets, no allocation */
	struct rtt_hist rtt;
};

struct upstream_try {
	struct upstream_req *req; /* NULL once detached */
	struct upstream_chan *chan;
	uint16_t id;
	uint64_t sent_ms;
	struct upstream_try *next; /* on req->tries */
};

struct upstream_req {
	struct upstream_set *set;
	LIST_ENTRY(upstream_req) link; /* on set->reqs */
	uint8_t query[UPSTREAM_QUERY_MAX];
	size_t qlen;
	bool exact_case; /* sent with DNS 0x20 */
	unsigned order[CONFIG_MAX_UPSTREAM];
	unsigned norder, next_up; /* next_up: index into order */
	struct upstream_try *tries;
	struct loop_timer try_timer, deadline;
	struct loop_hook first_try; /* starts the first try before the wait */
	upstream_done_cb *cb;
	void *arg;
};

struct upstream_set {
	struct loop *loop;
	unsigned upstream_timeout_ms;
	unsigned deadline_ms;
	struct upstream ups[CONFIG_MAX_UPSTREAM];
	unsigned nups;
	LIST_HEAD(, upstream_req) reqs;
	unsigned inflight;
	struct upstream_chan *draining;
	struct loop_hook reap_hook; /* destroys drained channels */
	struct notify drained;      /* tells the owner inflight is 0 */
	bool dns0x20;
	struct upstream_guard_stats guard;
	struct log_ratelimit rl_reject, rl_limit;
	struct rnd_pool rnd;
};

/* --- query ids ------------------------------------------------------ */

static bool
id_taken(const struct upstream_chan *c, uint16_t id)
{
	return c->idmap[id >> 3] & (1u << (id & 7));
}

static void
id_set(struct upstream_chan *c, uint16_t id, bool taken)
{
	if (taken)
		c->idmap[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		c->idmap[id >> 3] &= (uint8_t) ~(1u << (id & 7));
}

/* --- channels in the loop ------------------------------------------- */

static void chan_timer_arm(struct upstream_chan *c);

static void
chan_fd_ready(void *arg, int fd, unsigned events)
{
	struct upstream_chan *c = arg;
	ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

	if (events & (LOOP_READ | LOOP_ERROR))
		r = fd;
	if (events & LOOP_WRITE)
		w = fd;
	/* no re-arm: an answer only ends tries, and a timer that fires
	 * early re-arms itself (see chan_timer_arm()) */
	ares_process_fd(c->ch, r, w);
}

static void
chan_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct upstream_chan *c = arg;
	struct loop *l = c->u->set->loop;
	unsigned ev = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);

	if (ev == 0) {
		loop_fd_del(l, fd);
		return;
	}
	if (loop_fd_mod(l, fd, ev) == 0)
		return;
	if (loop_fd_add(l, fd, ev, chan_fd_ready, c) != 0)
		log_warn("upstream %s: cannot watch socket", c->u->name);
}

static int
chan_sock_configure(ares_socket_t fd, int type, void *arg)
{
	(void)type;
	(void)arg;
	/* c-ares opens its sockets without close-on-exec */
	return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? 0 : -1;
}

static void
chan_timeout(void *arg)
{
	struct upstream_chan *c = arg;

	ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	chan_timer_arm(c);
}

/*
 * Arms c's timer for c-ares' nearest timeout, or cancels it.  c-ares only
 * times out tries that our own timers have given up on already, and
 * every try it starts times out a fixed o.timeout after its start, so a
 * timer armed for an earlier try stays early enough for a later one:
 * it is set here when it fires and when a try starts on an unarmed
 * channel, never once per answer (ares_timeout() walks every try).
 */
static void
chan_timer_arm(struct upstream_chan *c)
{
	struct timeval tv, *t;

	if (c->ch == NULL)
		return;
	t = ares_timeout(c->ch, NULL, &tv);
	if (t == NULL) {
		loop_timer_cancel(c->u->set->loop, &c->timer);
		return;
	}
	(void)loop_timer_set(c->u->set->loop, &c->timer,
	    (uint64_t)t->tv_sec * 1000 + (uint64_t)(t->tv_usec + 999) / 1000);
}

static struct upstream_chan *
chan_new(struct upstream *u, char *err, size_t errlen)
{
	struct upstream_chan *c;
	struct ares_options o = { 0 };
	struct ares_addr_port_node srv = { 0 };
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->u = u;
	loop_timer_init(&c->timer, chan_timeout, c);
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH |
	    ARES_FLAG_NOALIASES | ARES_FLAG_STAYOPEN;
	/* our own deadline ends a request first; this only bounds how
	 * long a forgotten try lingers */
	o.timeout = (int)u->set->deadline_ms;
	o.tries = 1;
	o.ednspsz = UPSTREAM_EDNS_SIZE;
	o.sock_state_cb = chan_sock_state;
	o.sock_state_cb_data = c;
	/* Every setting c-ares would otherwise read from /etc/resolv.conf
	 * is given (no servers yet, no search domains, no sort list), so
	 * c-ares 1.18 reads no file here: a channel is renewed every
	 * UPSTREAM_UDP_MAX_QUERIES queries, and roostd's upstreams are its
	 * own configuration, never the system's. */
	o.nservers = 0;
	o.servers = NULL;
	o.ndomains = 0;
	o.domains = NULL;
	o.nsort = 0;
	o.sortlist = NULL;
	o.ndots = 1;
	o.lookups = (char *)"b";
#if HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
	/* c-ares opens a fresh UDP socket (source port) itself */
	o.udp_max_queries = UPSTREAM_UDP_MAX_QUERIES;
#endif
	r = ares_init_options(&c->ch, &o,
	    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS |
		ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_SORTLIST |
		ARES_OPT_NDOTS
#if HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
		| ARES_OPT_UDP_MAX_QUERIES
#endif
	);
	if (r != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(r));
		free(c);
		return NULL;
	}
	ares_set_socket_configure_callback(c->ch, chan_sock_configure, NULL);
	if (u->addr.ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&u->addr.ss;

		srv.family = AF_INET;
		memcpy(&srv.addr.addr4, &sin->sin_addr, 4);
		srv.udp_port = srv.tcp_port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&u->addr.ss;

		srv.family = AF_INET6;
		memcpy(&srv.addr.addr6, &sin6->sin6_addr, 16);
		srv.udp_port = srv.tcp_port = ntohs(sin6->sin6_port);
	}
	srv.next = NULL;
	/* host byte order ports, despite the struct's look */
	if ((r = ares_set_servers_ports(c->ch, &srv)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: set server %s: %s", u->name,
		    ares_strerror(r));
		ares_destroy(c->ch);
		free(c);
		return NULL;
	}
	return c;
}

static void
chan_destroy(struct upstream_chan *c)
{
	loop_timer_cancel(c->u->set->loop, &c->timer);
	/* runs the callbacks of tries still pending (ARES_EDESTRUCTION);
	 * c->ch stays valid during them */
	ares_destroy(c->ch);
	c->ch = NULL;
	free(c);
}

/* True if c-ares turned EDNS off for this channel. */
static bool
chan_lost_edns(struct upstream_chan *c)
{
	struct ares_options o;
	int mask;
	bool lost;

	if (ares_save_options(c->ch, &o, &mask) != ARES_SUCCESS)
		return false;
	lost = !(o.flags & ARES_FLAG_EDNS);
	ares_destroy_options(&o);
	return lost;
}

/*
 * Replaces u's channel; the old one drains.  Returns 0, or -1 (logged)
 * if no new channel could be made: the old one stays in use.
 */
static int
chan_replace(struct upstream *u)
{
	struct upstream_chan *old = u->chan, *c;
	char err[128];

	if ((c = chan_new(u, err, sizeof(err))) == NULL) {
		log_warnx("upstream %s: cannot renew channel: %s", u->name,
		    err);
		return -1;
	}
	u->chan = c;
	old->draining = true;
	old->next_draining = u->set->draining;
	u->set->draining = old;
	if (old->tries == 0)
		loop_before_wait(u->set->loop, &u->set->reap_hook);
	return 0;
}

static void
reap_draining(struct upstream_set *s)
{
	struct upstream_chan **pp = &s->draining;

	while (*pp != NULL) {
		struct upstream_chan *c = *pp;

		if (c->tries == 0) {
			*pp = c->next_draining;
			chan_destroy(c);
		} else {
			pp = &c->next_draining;
		}
	}
}

/* --- server choice -------------------------------------------------- */

static void
order_upstreams(struct upstream_set *s, struct upstream_req *r)
{
	uint64_t now = loop_now_ms(s->loop);
	uint32_t key[CONFIG_MAX_UPSTREAM];

	/* insertion sort by current SRTT; ties keep configuration order */
	r->norder = 0;
	for (unsigned i = 0; i < s->nups; i++) {
		uint32_t k = rtt_srtt_now(&s->ups[i].srtt, now);
		unsigned j = r->norder++;

		while (j > 0 && key[j - 1] > k) {
			key[j] = key[j - 1];
			r->order[j] = r->order[j - 1];
			j--;
		}
		key[j] = k;
		r->order[j] = i;
	}
	r->next_up = 0;
}

/* --- requests ------------------------------------------------------- */

static void try_start(struct upstream_req *r);

/* Ends r: detaches its tries, unlinks and frees it.  No callback. */
static void
req_free(struct upstream_req *r)
{
	struct upstream_set *s = r->set;

	for (struct upstream_try *t = r->tries; t != NULL; t = t->next)
		t->req = NULL;
	loop_hook_cancel(s->loop, &r->first_try);
	loop_timer_cancel(s->loop, &r->try_timer);
	loop_timer_cancel(s->loop, &r->deadline);
	LIST_REMOVE(r, link);
	s->inflight--;
	free(r);
	notify_count_fell(&s->drained);
}

static void
req_finish(struct upstream_req *r, const uint8_t *answer, size_t len)
{
	upstream_done_cb *cb = r->cb;
	void *arg = r->arg;

	req_free(r);
	cb(arg, answer, len);
}

static void
req_deadline(void *arg)
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
		struct upstream *u = r->tries->chan->u;

		u->timeouts++;
		u->down = true;
		rtt_srtt_penalise(&u->srtt, loop_now_ms(s->loop),
		    (uint32_t)(loop_now_ms(s->loop) - r->tries->sent_ms));
	}
	try_start(r);
}

static void
req_first_try(void *arg)
{
	try_start(arg);
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
	reap_draining(arg);
}

static void
try_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct upstream_try *t = arg;
	struct upstream_chan *c = t->chan;
	struct upstream *u = c->u;
	struct upstream_set *s = u->set;
	struct upstream_req *r = t->req;
	uint64_t now = loop_now_ms(s->loop);
	bool answered = status == ARES_SUCCESS && abuf != NULL && alen > 0;
	bool ok = false, has_opt = false;

	(void)timeouts;
	c->tries--;
	id_set(c, t->id, false);
	try_unlink(t);
	if (answered && r != NULL) {
		enum upstream_verdict v;

		wire_put16(r->query, t->id);
		v = upstream_answer_check(r->query, r->qlen, abuf, (size_t)alen,
		    r->exact_case, &has_opt);
		note_verdict(s, u, v);
		ok = v == UPSTREAM_ANSWER_OK;
	}
	/* c-ares drops EDNS for the whole channel after a FORMERR without
	 * OPT: one broken answer must not downgrade every later query */
	if (answered && !has_opt && c == u->chan && chan_lost_edns(c) &&
	    chan_replace(u) == 0)
		log_info("upstream %s: c-ares dropped EDNS after a FORMERR; "
			 "renewing the channel",
		    u->name);
	if (c->draining && c->tries == 0)
		loop_before_wait(s->loop, &s->reap_hook);
	if (status == ARES_EDESTRUCTION) {
		free(t);
		if (r != NULL)
			try_start(r);
		return;
	}
	if (ok) {
		rtt_srtt_sample(&u->srtt, now, (uint32_t)(now - t->sent_ms));
		rtt_hist_record(&u->rtt, (uint32_t)(now - t->sent_ms));
		u->down = false;
	} else {
		u->failures++;
		u->down = true;
		if (status == ARES_ETIMEOUT)
			rtt_srtt_penalise(&u->srtt, now,
			    (uint32_t)(now - t->sent_ms));
		else if (answered)
			/* a refusal or SERVFAIL is as bad as slow */
			rtt_srtt_penalise(&u->srtt, now,
			    s->upstream_timeout_ms);
		log_debug("upstream %s: try failed: %s", u->name,
		    answered ? "unusable answer" : ares_strerror(status));
	}
	free(t);
	if (r == NULL)
		return;
	if (ok)
		req_finish(r, abuf, (size_t)alen);
	else
		try_start(r); /* failed fast: move on now */
}

/*
 * Starts a try at the next upstream in r's order.  With none left, r
 * fails once no try is pending (else the pending ones or the deadline
 * end it).
 */
static void
try_start(struct upstream_req *r)
{
	struct upstream_set *s = r->set;
	uint64_t now = loop_now_ms(s->loop);
	struct upstream_try *t;
	struct upstream_chan *c;
	struct upstream *u;
	uint64_t wait;
	uint16_t id;
	unsigned guard;

	loop_timer_cancel(s->loop, &r->try_timer);
	if (r->next_up >= r->norder) {
		if (r->tries == NULL)
			req_finish(r, NULL, 0);
		return;
	}
	u = &s->ups[r->order[r->next_up++]];
	c = u->chan;
	if (c->tries >= 65536 / 2 || (t = calloc(1, sizeof(*t))) == NULL) {
		try_start(r); /* this one is saturated: the next */
		return;
	}
	guard = 0;
	do
		id = rnd_u16(&s->rnd);
	while (id_taken(c, id) && ++guard < 64);
	if (id_taken(c, id)) {
		free(t);
		try_start(r);
		return;
	}
	id_set(c, id, true);
	c->tries++;
	t->req = r;
	t->chan = c;
	t->id = id;
	t->sent_ms = now;
	t->next = r->tries;
	r->tries = t;
	u->queries++;
	wire_put16(r->query, id);
	wait = rtt_srtt_now(&u->srtt, now) + s->upstream_timeout_ms;
	(void)loop_timer_set(s->loop, &r->try_timer, wait);
	/* c-ares copies the query.  It may call try_done() from inside
	 * ares_send() (a send error), which can end r: touch neither r nor
	 * t after this call; c stays valid (draining channels are reaped
	 * from a timer, never from a callback). */
	ares_send(c->ch, r->query, (int)r->qlen, try_done, t);
	if (!loop_timer_armed(&c->timer))
		chan_timer_arm(c);
#if !HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
	/* c-ares < 1.20 keeps one UDP socket per channel for ever: spread
	 * source ports by renewing the channel; the old one drains */
	if (++c->sent >= UPSTREAM_UDP_MAX_QUERIES && c == u->chan &&
	    chan_replace(u) == 0)
		s->guard.chan_recycled++;
#endif
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
	loop_timer_init(&r->deadline, req_deadline, r);
	LIST_INSERT_HEAD(&s->reqs, r, link);
	s->inflight++;
	if (loop_timer_set(s->loop, &r->deadline, s->deadline_ms) != 0) {
		req_free(r);
		return NULL;
	}
	order_upstreams(s, r);
	/* The first try starts before the loop next waits: try_start() can
	 * end r at once, and the caller is owed a live r and no callback
	 * before this returns. */
	loop_before_wait(s->loop, &r->first_try);
	return r;
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

struct upstream_set *
upstream_set_new(struct loop *l, const struct config *c, char *err,
    size_t errlen)
{
	struct upstream_set *s;
	int r;

	if (c->nupstream == 0) {
		snprintf(err, errlen, "no upstream configured");
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
	s->upstream_timeout_ms = c->upstream_timeout_ms;
	s->deadline_ms = c->query_deadline_ms;
	s->dns0x20 = c->dns0x20;
	for (size_t i = 0; i < c->nupstream; i++) {
		struct upstream *u = &s->ups[i];

		u->set = s;
		u->addr = c->upstream[i];
		addr_str(&u->addr, u->name, sizeof(u->name));
		if ((u->chan = chan_new(u, err, errlen)) == NULL) {
			upstream_set_free(s);
			return NULL;
		}
		s->nups++;
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
	for (unsigned i = 0; i < s->nups; i++)
		chan_destroy(s->ups[i].chan);
	while (s->draining != NULL) {
		struct upstream_chan *c = s->draining;

		s->draining = c->next_draining;
		chan_destroy(c);
	}
	/* last: destroying a draining channel arms it */
	loop_hook_cancel(s->loop, &s->reap_hook);
	notify_cancel(&s->drained);
	free(s);
	ares_library_cleanup();
}
