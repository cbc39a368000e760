/*
 * tests/mock/mock_counts.h - how many queries mockdns received, by
 * (lower-case name, type, transport).
 *
 * Tests read these to assert exactly how many queries reached an upstream.
 * The text form of one counter is "NAME TYPE TRANSPORT COUNT", e.g.
 * "www.example.test. A udp 3"; lists are sorted by name, type, transport.
 */
#ifndef MOCK_COUNTS_H
#define MOCK_COUNTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Most distinct counters kept.  Overflow policy: queries for further keys
 * are added up in one counter printed as "(overflow) - - COUNT".
 */
#define MOCK_MAX_COUNTERS 10000

struct mock_counts;

/* A new empty table, or NULL if out of memory. */
struct mock_counts *mock_counts_new(void);

/* Free c; NULL is fine. */
void mock_counts_free(struct mock_counts *c);

/*
 * Count one query.  name is the lower-case presentation form (copied);
 * tcp is 0 for UDP, 1 for TCP.  Out of memory counts as overflow.
 */
void mock_counts_add(struct mock_counts *c, const char *name, uint16_t type,
    int tcp);

/* Forget every counter. */
void mock_counts_reset(struct mock_counts *c);

/* Number of lines mock_counts_line() gives (overflow line included). */
size_t mock_counts_size(const struct mock_counts *c);

/*
 * Write line i (0 <= i < mock_counts_size(), sorted order) into buf without
 * a newline, and return buf.  Sorts the table on first use after a change.
 */
char *mock_counts_line(struct mock_counts *c, size_t i, char *buf, size_t len);

/*
 * Write every line to path atomically (a temporary file in the same
 * directory, then rename).  Returns 0, or -1 with err filled.
 */
int mock_counts_write(struct mock_counts *c, const char *path, char *err,
    size_t errlen);

#endif /* MOCK_COUNTS_H */
