/*
 * tests/mock/mock_addr.h - "ADDR#PORT" socket addresses for the test tools.
 *
 * Shared by mockdns and dnsprobe.  Accepted spellings: "127.0.0.2#5300",
 * "::1#5300", "[::1]:5300", "127.0.0.2:5300" (a colon before the port only
 * after an IPv4 address or a bracketed IPv6 one), and a bare address, which
 * means port 53.  Addresses are numeric only: no name is ever resolved.
 */
#ifndef MOCK_ADDR_H
#define MOCK_ADDR_H

#include <sys/socket.h>
#include <stddef.h>

/* Longest text mock_addr_str() writes, with its NUL: "[v6]#65535". */
#define MOCK_ADDR_STRLEN 64

/*
 * Parse text into *ss and *sslen.  Returns 0, or -1 with a message in err
 * (e.g. "bad port in \"::1#x\"").  Port 0 is refused.
 */
int mock_addr_parse(const char *text, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen);

/*
 * Write sa as "ADDR#PORT" into buf (at least MOCK_ADDR_STRLEN bytes is
 * always enough) and return buf.  An unknown family prints as "?".
 */
char *mock_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif /* MOCK_ADDR_H */
