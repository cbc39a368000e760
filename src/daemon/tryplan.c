/*
 * src/daemon/tryplan.c - the plan of one question's tries (see
 * tryplan.h).
 *
 * Invariants:
 * - order[0..n-1] is a permutation of 0..n-1; next <= n.
 * - failed has no bit at or above n.
 */
#include "tryplan.h"

#include "check.h"

void
tryplan_init(struct tryplan *p, const uint32_t *srtt, unsigned n, uint64_t now)
{
	ROOST_CHECK(n <= CONFIG_MAX_UPSTREAM);
	*p = (struct tryplan){ .n = n, .waited_ms = now };
	/* insertion sort: stable, and n is at most 8 */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		while (j > 0 && srtt[p->order[j - 1]] > srtt[i]) {
			p->order[j] = p->order[j - 1];
			j--;
		}
		p->order[j] = i;
	}
}

int
tryplan_next(struct tryplan *p, bool new_round)
{
	for (int pass = 0; pass < 2; pass++) {
		while (p->next < p->n) {
			unsigned i = p->order[p->next++];

			if (!(p->failed & (1u << i)))
				return (int)i;
		}
		if (!new_round || pass > 0 || tryplan_exhausted(p))
			break;
		p->round++;
		p->next = 0;
	}
	return -1;
}

void
tryplan_fail(struct tryplan *p, unsigned i)
{
	ROOST_CHECK(i < p->n);
	p->failed |= 1u << i;
}

bool
tryplan_exhausted(const struct tryplan *p)
{
	return p->failed == (1u << p->n) - 1;
}

uint64_t
tryplan_wait(const struct tryplan *p, const struct tryplan_pace *pace,
    uint32_t srtt, uint64_t now)
{
	uint64_t wait = (uint64_t)srtt + pace->timeout_ms;
	uint64_t cap = now - p->waited_ms < pace->deadline_ms
	    ? pace->deadline_ms / 4
	    : pace->give_up_ms / 4;

	if (cap < pace->timeout_ms)
		cap = pace->timeout_ms;
	wait <<= p->round < 16 ? p->round : 16;
	return wait < cap ? wait : cap;
}

void
tryplan_hurry(struct tryplan *p, uint64_t now)
{
	p->waited_ms = now;
}
