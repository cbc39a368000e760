/*
 * src/daemon/rtt.h - round-trip times of one upstream: the smoothed RTT
 * (SRTT) that orders the servers of a set, with the penalty a failure
 * earns and its decay, and a fixed-bucket histogram of answered tries
 * for the percentiles `roost stats` shows.
 *
 * No clock of its own: every call is given the loop's now in ms.
 * Ownership: both structs are plain values their user embeds; nothing
 * here allocates.
 */
#ifndef ROOST_RTT_H
#define ROOST_RTT_H

#include <stdint.h>

/* The largest SRTT, penalties included. */
#define RTT_SRTT_MAX_MS 10000
/* A penalised SRTT halves every this many ms, so a dead upstream is
 * probed again once it looks better than the live ones. */
#define RTT_SRTT_HALFLIFE_MS 2000
/* Buckets of the RTT histogram (see rtt_bucket()): four per power of
 * two, about 25% wide. */
#define RTT_BUCKETS 64

struct rtt_srtt {
	uint32_t ms;      /* smoothed RTT, or the penalty; 0: no sample */
	uint64_t when_ms; /* when ms was last set */
};

struct rtt_hist {
	uint64_t bucket[RTT_BUCKETS];
	uint64_t samples, sum_ms; /* answered tries, their RTTs */
};

/* The SRTT as it stands at now: a penalty halves every half-life. */
uint32_t rtt_srtt_now(const struct rtt_srtt *s, uint64_t now);

/* Folds in an answered try's rtt (ms): 7/8 old, 1/8 new. */
void rtt_srtt_sample(struct rtt_srtt *s, uint64_t now, uint32_t rtt);

/* A failed or timed-out try: twice the larger of the SRTT and timeout
 * (ms), at most RTT_SRTT_MAX_MS. */
void rtt_srtt_penalise(struct rtt_srtt *s, uint64_t now, uint32_t timeout);

/* Counts an answered try of ms milliseconds. */
void rtt_hist_record(struct rtt_hist *h, uint32_t ms);

/* The histogram bucket of an RTT of ms milliseconds: 0..3 exact, then
 * four per power of two; the last bucket takes everything larger. */
unsigned rtt_bucket(uint32_t ms);

/* The largest RTT in ms that falls in bucket b. */
uint32_t rtt_bucket_max(unsigned b);

/*
 * The pct-th percentile (1..100) of h: the upper bound of the bucket
 * holding it; 0 if h has no sample.
 */
uint32_t rtt_percentile(const struct rtt_hist *h, unsigned pct);

#endif /* ROOST_RTT_H */
