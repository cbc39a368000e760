/*
 * src/common/errbuf.c - the error buffer (see errbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

void
errbuf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
bufappend(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(*n < len ? buf + *n : NULL, *n < len ? len - *n : 0, fmt,
	    ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r;
}
