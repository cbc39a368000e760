/*
 * tests/fuzz/fuzz_net.h - the query path without sockets, for the
 * fuzzers: query.c linked against a fake listen (answers are captured)
 * and a fake upstream (requests wait for the fuzzer's bytes), with a
 * fake clock.  The fake upstream builds its query and vets the answer
 * with the real upstream_query_build() and upstream_answer_check(), so
 * what reaches query.c is what the real upstream would hand it.
 *
 * This is a link-time seam: fuzz_net.c defines listen_reply(),
 * listen_drop(), upstream_resolve(), upstream_cancel() and
 * upstream_progress(), so listen.o
 * and upstream.o are never pulled from the library.  The loop is the
 * real one (loop.o) on a fake clock (fuzz_net.now_ms): query.c's timers
 * and before-wait hooks run as they do in roostd, when the clock is
 * moved (fuzz_net_advance()) or a pass is run (fuzz_net_before_wait()).
 * tests/unit/test_query.c drives the same fakes step by step.
 *
 * Invariant: fuzz_net.reqs[0..nreqs) are the requests in flight, oldest
 * first; answers and failures go to the oldest.  Past FUZZ_MAX_REQS a
 * new upstream_resolve() is refused as the in-flight limit would be.
 */
#ifndef FUZZ_NET_H
#define FUZZ_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "query.h"
#include "upstream.h"

#define FUZZ_MAX_REPLIES 64
#define FUZZ_MAX_REQS 8 /* upstream requests in flight at once */
#define FUZZ_NET_SERVER "192.0.2.53#53" /* the fake upstream, by name */

struct fuzz_reply {
	bool dropped;
	bool tcp;
	size_t len;
	uint8_t msg[WIRE_MAX_MSG];
};

struct fuzz_net {
	/* filled by the fakes */
	struct fuzz_reply replies[FUZZ_MAX_REPLIES];
	unsigned nreplies; /* reply_tos ended (answered or dropped) */
	struct upstream_req *reqs[FUZZ_MAX_REQS]; /* in flight, oldest first */
	unsigned nreqs;
	uint8_t query[WIRE_MAX_MSG]; /* what the newest request sent */
	size_t qlen;
	unsigned started; /* requests ever started */
	unsigned hurried; /* upstream_hurry() calls: clients joining */
	bool dns0x20;     /* build queries with random case */
	uint64_t now_ms;  /* the loop's clock */
	struct loop *loop;
	/* a request's lifetime (upstream.c's give-up timer): it fails
	 * deadline_ms after it starts; 0: never */
	unsigned deadline_ms;
	/* how failures end (and upstream_progress() says they go) */
	enum upstream_end failure;
};

extern struct fuzz_net fuzz_net;

/* A config fit for the fake: defaults, one upstream, cache of budget. */
void fuzz_net_config(struct config *c, size_t budget);

/*
 * Makes fuzz_net.loop on the fake clock if there is none, and resets the
 * captured replies; requests still in flight are dropped (their owner
 * was freed).  The clock stays.
 */
void fuzz_net_reset(bool dns0x20);

/* The query the i-th oldest request in flight sent, *len its length. */
const uint8_t *fuzz_net_req_query(unsigned i, size_t *len);

/*
 * One pass of the loop without waiting: the before-wait hooks queued
 * now run, in order, then every timer due on the fake clock.
 */
void fuzz_net_before_wait(void);

/*
 * Hands ans (alen octets) to the oldest request in flight as the
 * upstream's answer: the real check runs; an answer it refuses ends the
 * request as a failure (as when every upstream has failed).  Returns the
 * verdict.
 */
enum upstream_verdict fuzz_net_answer(const uint8_t *ans, size_t alen);

/*
 * Ends the oldest request in flight with failure, as upstream.c does
 * when every upstream has failed or its give-up time passed.
 */
void fuzz_net_fail(void);

/*
 * Moves the fake clock ms forward, from one timer's deadline to the
 * next, running a loop pass at each: timers fire at their time, in
 * order, with the clock reading their deadline.
 */
void fuzz_net_advance(uint64_t ms);

/*
 * Checks a captured answer against the query it answers: it parses, is
 * a response with the query's id, the query's question spelled the same
 * way, and fits the client's UDP limit.  Aborts (assert) if not.
 */
void fuzz_net_check_reply(const struct fuzz_reply *r, const uint8_t *query,
    size_t qlen);

/* Bits of the control octet of fuzz_net_run(). */
#define FUZZ_TCP 0x01       /* the client came over TCP */
#define FUZZ_0X20 0x02      /* DNS 0x20 on */
#define FUZZ_FIX_ID 0x04    /* the answer gets the query's id */
#define FUZZ_FIX_QUEST 0x08 /* the answer gets the query's question */
#define FUZZ_EDNS_ANS 0x10  /* (fuzz_response) the client sent EDNS */

/*
 * One scenario: the client's query arrives; if it goes upstream, ans
 * (patched as ctl says) is the upstream's answer; then the same query
 * again, answered from the cache or by the same bytes once more.  Every
 * answer is checked (fuzz_net_check_reply()), the cache after each step
 * (cache_check()), and an answer the check refused must not be served
 * from the cache.  Aborts on a violation.
 */
void fuzz_net_run(unsigned ctl, const uint8_t *query, size_t qlen,
    const uint8_t *ans, size_t alen);
#endif /* FUZZ_NET_H */
