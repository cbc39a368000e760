/*
 * src/common/check.c - the report of a broken invariant (see check.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

void
check_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
	abort();
}
