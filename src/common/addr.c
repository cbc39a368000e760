/*
 * src/common/addr.c - addresses ("ADDR#PORT", "[ADDR]:PORT") and subnets
 * ("ADDR/PREFIX"): parsing, printing, comparing (see addr.h).
 *
 * Invariants:
 * - No daemon or client dependency: libc, num.c and nothing else.
 * - A struct addr's sockaddr is zeroed before it is filled, so that two
 *   equal addresses are equal byte for byte.
 * - A parsed subnet has its host bits zero: "10.0.0.1/8" is rejected
 *   rather than masked, as it is more likely a typo than a wish.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "errbuf.h"
#include "num.h"

int
addr_family(const struct addr *a)
{
	return a->ss.ss_family;
}

/* Copies a's address bytes to out; returns their count (4 or 16). */
size_t
addr_bytes(const struct addr *a, uint8_t out[16])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (addr_family(a) == AF_INET) {
		memcpy(&sin, &a->ss, sizeof(sin));
		memcpy(out, &sin.sin_addr, 4);
		return 4;
	}
	memcpy(&sin6, &a->ss, sizeof(sin6));
	memcpy(out, &sin6.sin6_addr, 16);
	return 16;
}

uint16_t
addr_port(const struct addr *a)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (addr_family(a) == AF_INET) {
		memcpy(&sin, &a->ss, sizeof(sin));
		return ntohs(sin.sin_port);
	}
	memcpy(&sin6, &a->ss, sizeof(sin6));
	return ntohs(sin6.sin6_port);
}

uint32_t
addr_scope(const struct addr *a)
{
	struct sockaddr_in6 sin6;

	if (addr_family(a) != AF_INET6)
		return 0;
	memcpy(&sin6, &a->ss, sizeof(sin6));
	return sin6.sin6_scope_id;
}

bool
addr_is_unspecified(const struct addr *a)
{
	static const uint8_t zero[16];
	uint8_t b[16];
	size_t n = addr_bytes(a, b);

	return memcmp(b, zero, n) == 0;
}

bool
addr_is_loopback(const struct addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	uint8_t b[16];

	if (addr_bytes(a, b) == 4)
		return b[0] == 127;
	return memcmp(b, v6lo, 16) == 0 || (addr_v4mapped(b) && b[12] == 127);
}

/* Same family, address and port; scopes count only when both are set. */
bool
addr_equal(const struct addr *a, const struct addr *b)
{
	uint8_t ab[16], bb[16];
	size_t n;

	if (addr_family(a) != addr_family(b) || addr_port(a) != addr_port(b))
		return false;
	n = addr_bytes(a, ab);
	addr_bytes(b, bb);
	if (memcmp(ab, bb, n) != 0)
		return false;
	return addr_scope(a) == 0 || addr_scope(b) == 0 ||
	    addr_scope(a) == addr_scope(b);
}

/* "eth0" or "2" after the '%'; returns 0 or -1 with *why set. */
static int
parse_scope(const char *s, uint32_t *scope, const char **why)
{
	unsigned long v;

	if (*s == '\0') {
		*why = "empty %scope";
		return -1;
	}
	if (*s >= '0' && *s <= '9') {
		if (num_parse_uint(s, 1, UINT32_MAX, &v) != 0) {
			*why = "bad %scope (an interface name or index)";
			return -1;
		}
		*scope = (uint32_t)v;
		return 0;
	}
	if ((*scope = if_nametoindex(s)) == 0) {
		*why = "unknown interface after \"%\"";
		return -1;
	}
	return 0;
}

/* host is "ADDR" or "IPV6%SCOPE" and is modified; *why set on -1. */
static int
parse_host(char *host, uint16_t port, struct addr *a, const char **why)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char *scope = strchr(host, '%');
	char *colon;

	memset(a, 0, sizeof(*a));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (scope != NULL)
		*scope++ = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		if (scope != NULL) {
			*why = "a %scope is for IPv6 addresses only";
			return -1;
		}
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&a->ss, &sin, sizeof(sin));
		a->len = sizeof(sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		if (scope != NULL &&
		    parse_scope(scope, &sin6.sin6_scope_id, why) != 0)
			return -1;
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&a->ss, &sin6, sizeof(sin6));
		a->len = sizeof(sin6);
		return 0;
	}
	/* "1.2.3.4:53" is the likeliest mistake: say how to write it */
	if ((colon = strchr(host, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL)
		*why = "not a numeric IPv4 or IPv6 address (write a port as "
		       "ADDR#PORT or [ADDR]:PORT)";
	else
		*why = "not a numeric IPv4 or IPv6 address";
	return -1;
}

int
addr_parse(const char *text, uint16_t default_port, struct addr *a, char *err,
    size_t errlen)
{
	char host[128];
	const char *start = text, *port_text = NULL, *end, *why;
	unsigned long port = default_port;

	if (*text == '\0') {
		why = "empty";
		goto bad;
	}
	if (text[0] == '[') {
		start = text + 1;
		if ((end = strchr(start, ']')) == NULL) {
			why = "missing \"]\"";
			goto bad;
		}
		if (end[1] == ':')
			port_text = end + 2;
		else if (end[1] != '\0') {
			why = "expected \":PORT\" after \"]\"";
			goto bad;
		}
	} else if ((end = strrchr(text, '#')) != NULL)
		port_text = end + 1;
	else
		end = text + strlen(text);
	if ((size_t)(end - start) >= sizeof(host)) {
		why = "not a numeric IPv4 or IPv6 address";
		goto bad;
	}
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	if (port_text != NULL &&
	    num_parse_uint(port_text, 1, 65535, &port) != 0) {
		why = "port must be 1..65535";
		goto bad;
	}
	if (parse_host(host, (uint16_t)port, a, &why) != 0)
		goto bad;
	return 0;
bad:
	errbuf(err, errlen, "bad address \"%s\": %s", text, why);
	return -1;
}

char *
addr_str(const struct addr *a, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	char scope[16] = "";
	uint8_t b[16];
	int af = addr_family(a);

	if (buflen == 0)
		return buf;
	if (af == AF_INET || af == AF_INET6)
		addr_bytes(a, b);
	if ((af != AF_INET && af != AF_INET6) ||
	    inet_ntop(af, b, host, sizeof(host)) == NULL) {
		snprintf(buf, buflen, "?");
		return buf;
	}
	if (addr_scope(a) != 0)
		snprintf(scope, sizeof(scope), "%%%lu",
		    (unsigned long)addr_scope(a));
	snprintf(buf, buflen, "%s%s#%u", host, scope, (unsigned)addr_port(a));
	return buf;
}

/* --- subnets ---------------------------------------------------------- */

/* "ADDR" or "ADDR/PREFIX"; returns 0, or -1 with the reason in why. */
int
addr_subnet_parse(const char *text, struct addr_subnet *s, char *err,
    size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hostlen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;
	size_t n;
	uint8_t masked[16];
	unsigned maxprefix;

	memset(s, 0, sizeof(*s));
	if (hostlen >= sizeof(host))
		goto badaddr;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (inet_pton(AF_INET, host, s->addr) == 1) {
		s->family = AF_INET;
		n = 4;
	} else if (inet_pton(AF_INET6, host, s->addr) == 1) {
		s->family = AF_INET6;
		n = 16;
	} else
		goto badaddr;
	maxprefix = (unsigned)n * 8;
	if (slash == NULL)
		prefix = maxprefix;
	else if (num_parse_uint(slash + 1, 0, maxprefix, &prefix) != 0) {
		errbuf(err, errlen,
		    "bad subnet \"%s\": prefix length must be 0..%u", text,
		    maxprefix);
		return -1;
	}
	s->prefix = (unsigned)prefix;
	memset(masked, 0, sizeof(masked));
	memcpy(masked, s->addr, prefix / 8);
	if (prefix % 8 != 0)
		masked[prefix / 8] =
		    (uint8_t)(s->addr[prefix / 8] & (0xff << (8 - prefix % 8)));
	if (memcmp(masked, s->addr, n) != 0) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(s->family, masked, net, sizeof(net));
		errbuf(err, errlen,
		    "bad subnet \"%s\": host bits set (did you mean %s/%u?)",
		    text, net, s->prefix);
		return -1;
	}
	return 0;
badaddr:
	errbuf(err, errlen,
	    "bad subnet \"%s\": not a numeric IPv4 or IPv6 address", text);
	return -1;
}

/* The kind of an IPv4 address (addr_kind()). */
static const char *
kind4(const uint8_t *b)
{
	if (b[0] == 0)
		return "this-network";
	if (b[0] == 127)
		return "loopback";
	if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
	    (b[0] == 192 && b[1] == 168))
		return "private";
	if (b[0] == 100 && (b[1] & 0xc0) == 64)
		return "shared";
	if (b[0] == 169 && b[1] == 254)
		return "link-local";
	if ((b[0] == 192 && b[1] == 0 && b[2] == 2) ||
	    (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
	    (b[0] == 203 && b[1] == 0 && b[2] == 113))
		return "documentation";
	if ((b[0] & 0xf0) == 224)
		return "multicast";
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return "broadcast";
	if ((b[0] & 0xf0) == 240)
		return "reserved";
	return "global";
}

const char *
addr_kind(int family, const uint8_t *b)
{
	static const uint8_t zero[16], nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (family == AF_INET)
		return kind4(b);
	if (addr_v4mapped(b))
		return kind4(b + 12);
	if (memcmp(b, zero, 15) == 0 && b[15] <= 1)
		return b[15] == 0 ? "unspecified" : "loopback";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if ((b[0] & 0xfe) == 0xfc)
		return "unique-local";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "documentation";
	if (b[0] == 0xff)
		return "multicast";
	if (memcmp(b, nat64, sizeof(nat64)) == 0)
		return "nat64";
	return "global";
}
