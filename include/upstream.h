/*
 * include/upstream.h - asking the upstream resolvers: one c-ares channel
 * per upstream server, driven by our event loop; server choice by
 * smoothed RTT, failover, and a hard deadline per question.
 *
 * roostd, not c-ares, decides which upstream gets a try: each channel
 * knows exactly one server, c-ares makes one try per ares_send() (TRIES
 * 1) and judges no rcode (ARES_FLAG_NOCHECKRESP).  A request ends exactly
 * once: with an accepted answer (NOERROR or NXDOMAIN, id and question
 * matching what was sent) or with failure (every upstream failed, or the
 * deadline passed).
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

#define UPSTREAM_EDNS_SIZE 1232 /* what we advertise upstream */
#define UPSTREAM_SRTT_MAX_MS 10000
/* A penalised SRTT halves every this many ms, so a dead upstream is
 * probed again once it looks better than the live ones. */
#define UPSTREAM_SRTT_HALFLIFE_MS 2000
/* Requests in flight at once; past it new questions get SERVFAIL. */
#define UPSTREAM_MAX_INFLIGHT 4096

/* Buckets of the RTT histogram each upstream keeps (see
 * upstream_rtt_bucket()): four per power of two, about 25% wide. */
#define UPSTREAM_RTT_BUCKETS 64

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
};

/*
 * Called once per request.  answer is the upstream's accepted response
 * (valid for the call only), or NULL on failure.
 */
typedef void upstream_done_cb(void *arg, const uint8_t *answer, size_t len);

/* A question as roostd forwards it. */
struct upstream_question {
	const uint8_t *name; /* uncompressed wire form */
	size_t name_len;
	uint16_t qtype;
	uint16_t qclass;
	bool dnssec_ok;         /* DO bit for the upstream query */
	bool checking_disabled; /* CD bit */
};

/*
 * Creates the set for c's upstreams, registering with l.  Returns it,
 * or NULL with the reason in err.
 */
struct upstream_set *upstream_set_new(struct loop *l, const struct config *c,
    char *err, size_t errlen);

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

/* Forgets a request: its callback will not be called. */
void upstream_cancel(struct upstream_req *r);

/* Requests in flight. */
unsigned upstream_inflight(const struct upstream_set *s);

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

/* The histogram bucket of an RTT of ms milliseconds: 0..3 exact, then
 * four per power of two; the last bucket takes everything larger. */
unsigned upstream_rtt_bucket(uint32_t ms);

/* The largest RTT in ms that falls in bucket b. */
uint32_t upstream_rtt_bucket_max(unsigned b);

/*
 * The pct-th percentile (1..100) of the histogram hist (n samples): the
 * upper bound of the bucket holding it; 0 if n is 0.
 */
uint32_t
upstream_rtt_percentile(const uint64_t *hist, uint64_t n, unsigned pct);

#endif /* ROOST_UPSTREAM_H */
