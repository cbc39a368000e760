/*
 * src/daemon/upstream_impl.h - the upstream module's layout, for its own
 * files only (upstream.c: requests and tries; upstream_chan.c: the c-ares
 * channels in the loop).  Nothing else includes it: the rest of roostd
 * sees the set and its requests as opaque (upstream.h).
 */
#ifndef ROOST_UPSTREAM_IMPL_H
#define ROOST_UPSTREAM_IMPL_H

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "addr.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "rnd.h"
#include "rtt.h"
#include "server.h"
#include "tls.h"
#include "tryplan.h"
#include "upstream.h"
#include "wire.h"

#define UPSTREAM_QUERY_MAX (WIRE_HDR_LEN + WIRE_MAX_NAME + 4 + WIRE_OPT_LEN)
/* RFC 8467 4.1: queries over TLS padded to a multiple of this */
#define UPSTREAM_PAD_BLOCK 128
/* A query with its COOKIE option, as one try sends it. */
#define UPSTREAM_TRY_MAX                                                       \
	(UPSTREAM_QUERY_MAX + 4 + UPSTREAM_COOKIE_CLIENT +                     \
	    UPSTREAM_COOKIE_SERVER_MAX)

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
	struct server srv; /* as configured, settled */
	struct addr addr;  /* where plain DNS goes (c-ares) */
	char name[64];     /* "ADDR#PORT" of srv */
	/* plain DNS: NULL for a strict TLS server, which never gets any */
	struct upstream_chan *chan;
	/* DNS over TLS, for a server that uses it; else NULL */
	struct tls_conn *tls;
	uint64_t plain_fallbacks; /* opportunistic tries sent in plain */
	struct rtt_srtt srtt;
	uint64_t queries, failures, timeouts;
	bool down;                     /* its latest try failed or timed out */
	const char *last_error;        /* why the latest failure, or NULL */
	uint64_t last_error_ms;        /* when, on the loop's clock */
	struct upstream_cookie cookie; /* RFC 7873, if the set sends them */
	/* it answered us with an OPT: cookies go to it from then on.
	 * Before, a server without EDNS would FORMERR and c-ares retry
	 * without the OPT by cutting its fixed 11 octets off the end,
	 * which with a cookie in it leaves a broken query. */
	bool edns_seen;
	/* RTTs of answered tries: fixed buckets, no allocation */
	struct rtt_hist rtt;
};

struct upstream_try {
	struct upstream_req *req; /* NULL once detached */
	struct upstream *u;
	struct upstream_chan *chan; /* plain DNS; NULL over TLS */
	uint16_t id;
	uint64_t sent_ms;
	struct upstream_try *next; /* on req->tries */
};

struct upstream_req {
	struct upstream_set *set;
	LIST_ENTRY(upstream_req) link; /* on set->reqs */
	uint8_t query[UPSTREAM_QUERY_MAX];
	size_t qlen;
	bool exact_case;     /* sent with DNS 0x20 */
	bool cookie_retried; /* a BADCOOKIE was answered with a new try */
	struct tryplan plan; /* which upstream next, how long each try */
	struct upstream_try *tries;
	unsigned ended, net_errors; /* tries ended; of them, network errors */
	struct loop_timer try_timer, give_up;
	struct loop_hook first_try; /* starts the first try before the wait */
	upstream_done_cb *cb;
	void *arg;
};

struct upstream_set {
	struct loop *loop;
	const char *answered_by; /* while a callback runs: the server */
	struct tryplan_pace pace;
	struct upstream ups[CONFIG_MAX_UPSTREAM];
	unsigned nups;
	LIST_HEAD(, upstream_req) reqs;
	unsigned inflight;
	struct upstream_chan *draining;
	struct loop_hook reap_hook; /* destroys drained channels */
	struct notify drained;      /* tells the owner inflight is 0 */
	bool dns0x20;
	bool cookies;           /* upstream-cookies */
	struct tls_client *tls; /* when a server uses TLS */
	struct upstream_guard_stats guard;
	struct log_ratelimit rl_reject, rl_limit;
	struct rnd_pool rnd;
};

/* Query ids in flight on a channel: one bit each. */

static inline bool
upstream_id_taken(const struct upstream_chan *c, uint16_t id)
{
	return c->idmap[id >> 3] & (1u << (id & 7));
}

static inline void
upstream_id_set(struct upstream_chan *c, uint16_t id, bool taken)
{
	if (taken)
		c->idmap[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		c->idmap[id >> 3] &= (uint8_t) ~(1u << (id & 7));
}

/* --- channels (upstream_chan.c) --------------------------------------- */

/*
 * A new channel for u: c-ares with u as its one server, EDNS on, one try
 * per send, no file read.  NULL with err filled on failure.
 */
struct upstream_chan *
upstream_chan_new(struct upstream *u, char *err, size_t errlen);

/* Destroys c: the callbacks of its pending tries run first
 * (ARES_EDESTRUCTION). */
void upstream_chan_destroy(struct upstream_chan *c);

/* Arms c's timer for c-ares' nearest timeout, or cancels it. */
void upstream_chan_timer_arm(struct upstream_chan *c);

/* True if c-ares turned EDNS off for this channel. */
bool upstream_chan_lost_edns(struct upstream_chan *c);

/*
 * Replaces u's channel; the old one drains.  Returns 0, or -1 (logged)
 * if no new channel could be made: the old one stays in use.
 */
int upstream_chan_replace(struct upstream *u);

/* Destroys the draining channels of s whose last try has ended. */
void upstream_chan_reap(struct upstream_set *s);

#endif
