/*
 * src/common/clock.h - the real clocks, for what the event loop's
 * (swappable) clock does not cover: how long a job took, and the wall
 * time written into files.  No daemon or client dependency.
 */
#ifndef ROOST_CLOCK_H
#define ROOST_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds, and in microseconds: for durations
 * and deadlines only. */
uint64_t clock_mono_ms(void);
uint64_t clock_mono_us(void);

/* The wall clock in seconds since the epoch; 0 if it is before it. */
uint64_t clock_wall_s(void);

#endif /* ROOST_CLOCK_H */
