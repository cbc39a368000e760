/*
 * src/client/args.c - option values for the client's commands (see
 * args.h).
 *
 * Invariant: a failed parse leaves the caller's variable untouched, so
 * a default survives a bad value that a command chooses to ignore.
 */
#include <errno.h>
#include <stdlib.h>

#include "args.h"

int
args_parse_seconds(const char *text, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (*text == '\0' || *end != '\0' || errno != 0 || !(v > 0) ||
	    v > ARGS_MAX_SECONDS)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

int
args_parse_int(const char *text, int lo, int hi, int *v)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || n < lo || n > hi)
		return -1;
	*v = (int)n;
	return 0;
}
