/*
 * src/common/errbuf.h - the error buffer of the "0/-1 filling char *err,
 * size_t errlen" functions, for both programs and src/common itself,
 * and its kin for replies built line by line.
 */
#ifndef ROOST_ERRBUF_H
#define ROOST_ERRBUF_H

#include <stddef.h>

/*
 * Writes a message into a caller's error buffer: like snprintf, cut to
 * errlen, nothing if err is NULL or errlen 0.
 */
void errbuf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * snprintf that appends to buf at *n and keeps counting past len (as
 * snprintf's return does), so that a caller can tell its text was cut
 * by *n >= len.
 */
void bufappend(char *buf, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* ROOST_ERRBUF_H */
