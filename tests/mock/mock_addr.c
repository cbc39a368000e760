/*
 * tests/mock/mock_addr.c - parse and print "ADDR#PORT" socket addresses.
 *
 * Invariant: a parsed address is numeric (inet_pton only), has a port in
 * 1..65535, and *sslen is the exact size of its family's sockaddr.
 *
 * Kept apart from src/common/addr.c on purpose: mockdns shares no code
 * with roostd, so a bug in roost's address parser cannot also hide in
 * the server the tests check it against.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_addr.h"

static int
parse_port(const char *s, unsigned short *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

int
mock_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *sslen,
    char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = "53", *sep, *h = text;
	size_t hlen;
	unsigned short port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (text[0] == '[') {
		/* "[v6]:PORT", "[v6]#PORT" or "[v6]" */
		sep = strchr(text, ']');
		if (sep == NULL)
			goto bad;
		h = text + 1;
		hlen = (size_t)(sep - h);
		if (sep[1] == ':' || sep[1] == '#')
			port_s = sep + 2;
		else if (sep[1] != '\0')
			goto bad;
	} else if ((sep = strchr(text, '#')) != NULL) {
		hlen = (size_t)(sep - text);
		port_s = sep + 1;
	} else if ((sep = strchr(text, ':')) != NULL &&
	    strchr(sep + 1, ':') == NULL && strchr(text, '.') != NULL) {
		/* "a.b.c.d:PORT": exactly one colon, after an IPv4 address */
		hlen = (size_t)(sep - text);
		port_s = sep + 1;
	} else
		hlen = strlen(text);

	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (parse_port(port_s, &port) == -1) {
		snprintf(err, errlen, "bad port in \"%s\"", text);
		return -1;
	}

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*sslen = sizeof(*sin6);
		return 0;
	}
bad:
	snprintf(err, errlen,
	    "bad address \"%s\" (want ADDR#PORT or [ADDR]:PORT, numeric)",
	    text);
	return -1;
}

char *
mock_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "%s#%u", host, ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "%s#%u", host, ntohs(sin6->sin6_port));
	else
		snprintf(buf, len, "?");
	return buf;
}
