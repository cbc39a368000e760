/*
 * src/daemon/upstream.h - asking the upstream resolvers: one c-ares channel
 * per upstream server, driven by our event loop; server choice by
 * smoothed RTT, failover, and a time to give up per question.
 *
 * roostd, not c-ares, decides which upstream gets a try: each channel
 * knows exactly one server, c-ares makes one try per ares_send() (TRIES
 * 1) and judges no rcode (ARES_FLAG_NOCHECKRESP).  A request ends exactly
 * once: with an accepted answer (NOERROR or NXDOMAIN, id and question
 * matching what was sent) or with failure (every upstream failed, or
 * upstream-give-up passed).  Clients' deadlines are query.c's: a request
 * outlives them, so that a late answer is still cached.
 *
 * Ownership: the set owns its upstreams, channels and every request in
 * flight.  A request is freed by the set right after its callback
 * returns, or by upstream_cancel().  A try still pending in c-ares when
 * its request ends is detached and freed by its c-ares callback.
 */
#ifndef ROOST_UPSTREAM_H
#define ROOST_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "server.h"
#include "wire.h"

#define UPSTREAM_EDNS_SIZE 1232 /* what we advertise upstream */
/* Requests in flight at once; past it new questions get SERVFAIL. */
#define UPSTREAM_MAX_INFLIGHT 4096
/* Queries per c-ares channel (one UDP socket, one source port) before it
 * is replaced by a fresh one and drains: an off-path forger must guess
 * the port as well as the id.  c-ares >= 1.20 does this itself
 * (ARES_OPT_UDP_MAX_QUERIES); see chan_new().  Measured (c-ares 1.18,
 * Debian 12 VM): a renewal costs ~95 us (ares_init_options() reads
 * resolv.conf and host.conf, then a new socket), so ~1 us per query at
 * 100, against ~45 us of CPU per cache miss. */
#define UPSTREAM_UDP_MAX_QUERIES 100
/* Warnings of one kind (a limit hit, an answer rejected) logged per
 * UPSTREAM_LOG_INTERVAL_MS at most. */
#define UPSTREAM_LOG_INTERVAL_MS 10000

struct upstream_set;
struct upstream_req;

/* One upstream's counters since the set was created, for stats. */
struct upstream_stats {
	char name[64];     /* "ADDR#PORT" */
	uint64_t queries;  /* tries sent */
	uint64_t failures; /* tries that failed: unusable answer, error */
	uint64_t timeouts; /* tries that outlasted SRTT + upstream-timeout */
	uint64_t rtt_samples, rtt_sum_ms; /* answered tries, their RTTs */
	uint32_t srtt_ms; /* smoothed RTT as used for ordering now */
	uint32_t p50_ms, p90_ms, p99_ms; /* RTT percentiles (upper bound
					    of their bucket); 0: none */
	bool down;                       /* its latest try failed */
	const char *last_error;     /* the latest failure: "timeout", "refused",
				   "servfail", "bad-rcode", "truncated",
				   "bad-answer", "unreachable", "network";
				   NULL if none yet (static text) */
	uint64_t last_error_age_ms; /* how long ago */
	/* how it is asked: "udp" (plain DNS, UDP then TCP), "tls" (DNS
	 * over TLS, strict) or "tls-opportunistic" (static text) */
	const char *transport;
	/* DNS over TLS (tls.h's counters), zero for plain DNS */
	uint64_t tls_handshakes, tls_resumed, tls_queries, tls_errors,
	    tls_auth_failures;
	uint64_t plain_fallbacks; /* opportunistic tries sent in plain */
	/* who the server was authenticated as, the latest TLS failure ("":
	 * none): the connection's own text, valid until the loop runs on */
	const char *tls_peer, *tls_error;
};

/* What upstream_answer_check() made of an answer. */
enum upstream_verdict {
	UPSTREAM_ANSWER_OK,    /* use it */
	UPSTREAM_BAD_MSG,      /* malformed, not a response, not QUERY */
	UPSTREAM_BAD_ID,       /* not the id we sent */
	UPSTREAM_BAD_QUESTION, /* not the name, type or class we sent */
	UPSTREAM_BAD_CASE,     /* DNS 0x20: the name's case differs */
	UPSTREAM_BAD_RCODE,    /* neither NOERROR nor NXDOMAIN */
	UPSTREAM_TRUNCATED,    /* TC=1 (also over TCP) */
	UPSTREAM_BAD_COOKIE,   /* RFC 7873: not our client cookie, or none
				  from a server that sends them */
	UPSTREAM_NVERDICTS
};

/* The set's defence counters since start (for `roost stats`). */
struct upstream_guard_stats {
	uint64_t rejected[UPSTREAM_NVERDICTS]; /* [0]: accepted */
	uint64_t chan_recycled;  /* channels renewed for a new source port */
	uint64_t retries;        /* tries after a question's first round */
	uint64_t inflight_limit; /* requests refused at UPSTREAM_MAX_INFLIGHT */
	uint64_t cookie_retries; /* tries sent again after BADCOOKIE */
};

/* How a request ended, or how its tries have gone so far. */
enum upstream_end {
	UPSTREAM_ANSWERED,    /* an accepted answer */
	UPSTREAM_NO_ANSWER,   /* no usable answer: timeouts, refusals */
	UPSTREAM_UNREACHABLE, /* every try ended in a network error (an
				 ICMP error, a refused connection) */
};

/*
 * Called once per request.  answer is the upstream's accepted response
 * (valid for the call only) and end UPSTREAM_ANSWERED, or answer is NULL
 * and end says why not.
 */
typedef void upstream_done_cb(void *arg, const uint8_t *answer, size_t len,
    enum upstream_end end);

/* A question as roostd forwards it. */
struct upstream_question {
	const uint8_t *name; /* uncompressed wire form */
	size_t name_len;
	uint16_t qtype;
	uint16_t qclass;
	bool dnssec_ok;         /* DO bit for the upstream query */
	bool checking_disabled; /* CD bit */
};

/* Octets of case_bits that upstream_query_build() may read at most; it
 * reads (upstream_name_letters(q) + 7) / 8 of them. */
#define UPSTREAM_CASE_BITS ((WIRE_MAX_NAME + 7) / 8)

/* The ASCII letters in q's name (the bits DNS 0x20 needs). */
size_t upstream_name_letters(const struct upstream_question *q);

/*
 * Writes the query for q to buf (cap octets): id, RD (and CD), the
 * question lower-cased, an OPT record with our UDP size (and DO).  If
 * case_bits is not NULL (UPSTREAM_CASE_BITS random octets), each letter
 * of the name is upper-cased when its bit is set (DNS 0x20).  Returns the
 * length, or 0 if q's name is empty or too long or buf too small.
 */
size_t upstream_query_build(const struct upstream_question *q, uint16_t id,
    const uint8_t *case_bits, uint8_t *buf, size_t cap);

/*
 * Vets ans (alen octets) as the answer to query (qlen octets, built by
 * upstream_query_build()): it must parse, be a QUERY response with the
 * query's id and question (name, type, class; the name uncompressed at
 * offset 12, equal ignoring case, or octet for octet if exact_case),
 * with rcode NOERROR or NXDOMAIN and TC clear.  *m receives what
 * wire_parse_msg() made of ans; m->edns.present tells whether it carried
 * an OPT record (false if it does not parse).  Returns
 * UPSTREAM_ANSWER_OK or why not.
 */
enum upstream_verdict upstream_answer_check(const uint8_t *query, size_t qlen,
    const uint8_t *ans, size_t alen, bool exact_case, struct wire_msg *m);

/* --- DNS cookies (RFC 7873) toward an upstream --------------------- */

#define UPSTREAM_COOKIE_CLIENT 8     /* octets of our client cookie */
#define UPSTREAM_COOKIE_SERVER_MIN 8 /* a server cookie's octets */
#define UPSTREAM_COOKIE_SERVER_MAX 32
#define WIRE_BADCOOKIE 23 /* extended rcode (RFC 7873 8) */

/* What roostd holds for one upstream server. */
struct upstream_cookie {
	uint8_t client[UPSTREAM_COOKIE_CLIENT]; /* random, per server */
	uint8_t server[UPSTREAM_COOKIE_SERVER_MAX];
	uint8_t server_len; /* 0: none learnt (yet, or any more) */
	uint8_t misses;     /* answers in a row without one since learnt */
};

/*
 * A server that sent cookies and then answers this many times in a row
 * without one has stopped (an upgrade, a new box behind the address):
 * its cookie is forgotten and cookie-less answers pass again.  Fewer are
 * rejected: a forger would have to win as many races in a row.
 */
#define UPSTREAM_COOKIE_MISSES 3

/*
 * Appends the COOKIE option (c's client cookie, then its server cookie
 * if it has one) to the OPT record that ends query (len octets, as
 * upstream_query_build() writes it: the OPT last, with empty rdata).
 * Returns the new length, or 0 if cap is too small or the query does not
 * end with an empty OPT.
 */
size_t upstream_query_cookie(uint8_t *query, size_t len, size_t cap,
    const struct upstream_cookie *c);

/*
 * For a query over TLS: appends an empty edns-tcp-keepalive option (RFC
 * 7828) and a PADDING option (RFC 7830) to the OPT record that ends query
 * (len octets, the OPT last with empty rdata, as upstream_query_build()
 * writes it), so that the message is a multiple of block octets (RFC
 * 8467 4.1).  Returns the new length, or 0 if cap is too small or the
 * query does not end with an empty OPT.
 */
#define UPSTREAM_PAD_MAX 512 /* the largest block */
size_t upstream_query_pad(uint8_t *query, size_t len, size_t cap, size_t block);

/* What an answer's COOKIE option says (upstream_answer_cookie()). */
enum upstream_cookie_verdict {
	UPSTREAM_COOKIE_NONE, /* no COOKIE option (a server without) */
	UPSTREAM_COOKIE_OK,   /* ours echoed, with a server cookie */
	UPSTREAM_COOKIE_BAD,  /* malformed, or not our client cookie */
};

/*
 * Reads the COOKIE option of ans, as upstream_answer_check() parsed it
 * into m (a message it could not parse has m->edns.present false, and
 * no cookie), checking its client cookie against client.  On UPSTREAM_COOKIE_OK the server cookie is copied to server
 * (UPSTREAM_COOKIE_SERVER_MAX octets) and its length to *server_len.
 * *badcookie is set if the answer's rcode is BADCOOKIE.
 */
enum upstream_cookie_verdict upstream_answer_cookie(const uint8_t *ans,
    const struct wire_msg *m, const uint8_t *client, uint8_t *server,
    size_t *server_len, bool *badcookie);

/*
 * Creates a set for servers[0..nservers) (settled, server_settle(); at
 * most CONFIG_MAX_UPSTREAM of them; with none, every request ends UPSTREAM_UNREACHABLE at its
 * first try) with c's timers and options, registering with l.  Returns
 * it, or NULL with the reason in err.
 */
struct upstream_set *upstream_set_new(struct loop *l, const struct config *c,
    const struct server *servers, size_t nservers, char *err, size_t errlen);

/*
 * Ends every request in flight with failure (callbacks run), then frees
 * the set.
 */
void upstream_set_free(struct upstream_set *s);

/*
 * Starts resolving q.  Returns the request (owned by the set), or NULL if
 * the request limit is reached or memory ran out: then cb is never
 * called and the caller answers SERVFAIL itself.
 */
struct upstream_req *upstream_resolve(struct upstream_set *s,
    const struct upstream_question *q, upstream_done_cb *cb, void *arg);

/*
 * During an upstream_done_cb with an answer: the name (ADDR#PORT) of the
 * server of s that gave it; NULL at any other time (s may be NULL).
 */
const char *upstream_set_answered_by(const struct upstream_set *s);

/*
 * A client began to wait for r (one that may have come after the
 * earlier clients' deadlines): r's tries go at the fast pace again, so
 * this client too sees retries before its deadline.
 */
void upstream_hurry(struct upstream_req *r);

/* Forgets a request: its callback will not be called. */
void upstream_cancel(struct upstream_req *r);

/*
 * How r's tries have gone so far: UPSTREAM_UNREACHABLE if every one has
 * ended in a network error, else UPSTREAM_NO_ANSWER (some are pending,
 * or were answered unusably).  For a client whose deadline comes before
 * the request ends.
 */
enum upstream_end upstream_progress(const struct upstream_req *r);

/* Requests in flight. */
unsigned upstream_inflight(const struct upstream_set *s);

/*
 * Calls cb(arg) once, before a loop wait, when no request is in flight
 * (the next wait if none is now); cb may free the set.  A later call
 * replaces the earlier; NULL cancels.  For a set that drains after a
 * reload.
 */
void upstream_when_drained(struct upstream_set *s, loop_hook_cb *cb, void *arg);

/* The set's defence counters. */
const struct upstream_guard_stats *
upstream_guard_stats(const struct upstream_set *s);

/*
 * Upstreams that look alive: not tried yet, or whose latest try was
 * answered (a timeout or failure marks one down until a try succeeds).
 * *total gets the number of upstreams in the set.
 */
unsigned upstream_alive(const struct upstream_set *s, unsigned *total);

/*
 * Fills out[0..max) with the counters of s's upstreams, in configuration
 * order.  Returns how many were filled.
 */
unsigned upstream_stats(const struct upstream_set *s,
    struct upstream_stats *out, unsigned max);

#endif /* ROOST_UPSTREAM_H */
