/*
 * src/daemon/rtt.c - an upstream's round-trip times: SRTT and histogram
 * (see rtt.h).
 *
 * Invariants:
 * - A penalty never sets an SRTT above RTT_SRTT_MAX_MS.
 * - rtt_bucket() is monotonic in ms and rtt_bucket_max(rtt_bucket(ms))
 *   >= ms; below the last bucket it is within 25% of ms.
 * - The histogram's buckets sum to samples.
 */
#include "rtt.h"

uint32_t
rtt_srtt_now(const struct rtt_srtt *s, uint64_t now)
{
	uint64_t halvings = (now - s->when_ms) / RTT_SRTT_HALFLIFE_MS;

	return halvings >= 32 ? 0 : s->ms >> halvings;
}

void
rtt_srtt_sample(struct rtt_srtt *s, uint64_t now, uint32_t rtt)
{
	uint32_t cur = rtt_srtt_now(s, now);

	s->ms = cur == 0 ? rtt : (cur * 7 + rtt) / 8;
	s->when_ms = now;
}

void
rtt_srtt_penalise(struct rtt_srtt *s, uint64_t now, uint32_t timeout)
{
	uint32_t cur = rtt_srtt_now(s, now);
	uint32_t pen = 2 * (cur > timeout ? cur : timeout);

	s->ms = pen > RTT_SRTT_MAX_MS ? RTT_SRTT_MAX_MS : pen;
	s->when_ms = now;
}

void
rtt_hist_record(struct rtt_hist *h, uint32_t ms)
{
	h->bucket[rtt_bucket(ms)]++;
	h->samples++;
	h->sum_ms += ms;
}

unsigned
rtt_bucket(uint32_t ms)
{
	unsigned e = 0, b;

	if (ms < 4)
		return ms;
	for (uint32_t v = ms; v > 1; v >>= 1)
		e++; /* e = floor(log2(ms)) >= 2 */
	b = 4 * (e - 1) + ((ms >> (e - 2)) & 3);
	return b < RTT_BUCKETS ? b : RTT_BUCKETS - 1;
}

uint32_t
rtt_bucket_max(unsigned b)
{
	unsigned e = b / 4 + 1, m = b % 4;

	if (b < 4)
		return b;
	if (b >= RTT_BUCKETS - 1)
		return UINT32_MAX;
	return ((5u + m) << (e - 2)) - 1;
}

uint32_t
rtt_percentile(const struct rtt_hist *h, unsigned pct)
{
	/* the rank of the sample, rounded up: p99 of 10 is the 10th */
	uint64_t rank = (h->samples * pct + 99) / 100, seen = 0;

	if (h->samples == 0)
		return 0;
	if (rank == 0)
		rank = 1;
	for (unsigned b = 0; b < RTT_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			return rtt_bucket_max(b);
	}
	return rtt_bucket_max(RTT_BUCKETS - 1);
}
