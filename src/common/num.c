/*
 * src/common/num.c - strict decimal numbers (see num.h).
 *
 * Invariant: the running value never exceeds max, so it cannot
 * overflow whatever the input's length.
 */
#include "num.h"

int
num_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max) /* also keeps v far from overflow */
			return -1;
	}
	if (v < min)
		return -1;
	*out = (unsigned long)v;
	return 0;
}
