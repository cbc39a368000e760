/*
 * src/common/num.h - strict decimal numbers, for config values, ports
 * and prefix lengths.  No daemon or client dependency.
 */
#ifndef ROOST_NUM_H
#define ROOST_NUM_H

/*
 * Strict decimal: one or more digits and nothing else (no sign, blank,
 * base prefix or suffix).  Returns 0 with *out in [min, max], else -1
 * with *out untouched.  max must be below ULONG_MAX / 10.
 */
int num_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);

#endif /* ROOST_NUM_H */
