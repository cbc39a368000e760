/*
 * src/common/clock.c - the real clocks (see clock.h).
 *
 * Invariant: clock_mono_ms() never goes back; clock_wall_s() may.
 */
#include <time.h>

#include "clock.h"

uint64_t
clock_mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

uint64_t
clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

uint64_t
clock_wall_s(void)
{
	time_t t = time(NULL);

	return t > 0 ? (uint64_t)t : 0;
}
