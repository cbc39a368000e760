/*
 * src/daemon/tryplan.h - the plan of one question's tries: which upstream
 * it asks next and how long a try may last before the next starts.
 *
 * The upstreams are tried in SRTT order; when every one has been asked
 * once (a round) and none answered, the next round asks them again with
 * twice the wait (RFC 1035 7.2), so one lost packet costs a retry, not
 * the answer.  An upstream that failed the question for good (an
 * unusable answer, a network error) is not asked again; a timeout is
 * not a failure.  Each wait is capped: at a quarter of query-deadline
 * while clients wait, so they see several tries, then at a quarter of
 * upstream-give-up for the answer that comes late.
 *
 * Pure: no clock of its own (every call is given the loop's now in ms),
 * no I/O, nothing allocated; upstream.c embeds one per request.
 */
#ifndef ROOST_TRYPLAN_H
#define ROOST_TRYPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct tryplan_pace {
	unsigned timeout_ms;  /* upstream-timeout: added to the SRTT */
	unsigned deadline_ms; /* query-deadline: how long clients wait */
	unsigned give_up_ms;  /* upstream-give-up */
};

struct tryplan {
	unsigned order[CONFIG_MAX_UPSTREAM]; /* upstream indices by SRTT */
	unsigned n;                          /* upstreams in order */
	unsigned next;      /* index into order of this round's next */
	unsigned round;     /* rounds begun, less one */
	unsigned failed;    /* bit i: upstream i failed for good */
	uint64_t waited_ms; /* since when clients wait (the fast pace) */
};

/*
 * Plans for n upstreams (n <= CONFIG_MAX_UPSTREAM) whose SRTTs are
 * srtt[0..n-1]: ordered by SRTT, ties in configuration order.
 */
void
tryplan_init(struct tryplan *p, const uint32_t *srtt, unsigned n, uint64_t now);

/*
 * The index of the next upstream to ask in this round, or (new_round:
 * the wait of the last try is over) in a new one; -1 if none now.
 */
int tryplan_next(struct tryplan *p, bool new_round);

/* Upstream i failed the question for good. */
void tryplan_fail(struct tryplan *p, unsigned i);

/* Every upstream failed the question: nothing is left to try. */
bool tryplan_exhausted(const struct tryplan *p);

/*
 * How long a try at an upstream whose SRTT is srtt may last before the
 * next try starts, for a try begun now in p's current round.
 */
uint64_t tryplan_wait(const struct tryplan *p, const struct tryplan_pace *pace,
    uint32_t srtt, uint64_t now);

/* A client began to wait at now: the fast pace again. */
void tryplan_hurry(struct tryplan *p, uint64_t now);

#endif
