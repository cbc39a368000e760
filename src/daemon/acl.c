/*
 * src/daemon/acl.c - the allow-list check of every client query (see
 * acl.h).
 *
 * Invariants:
 * - Every subnet in c->allow has its host bits zero (addr_subnet_parse()
 *   refuses others), so a match compares whole bytes and one masked byte.
 * - No allocation and no call but memcmp: this is on the query path, and
 *   costs the same linear walk of c->allow it always has.
 */
#include <netinet/in.h>
#include <string.h>

#include "acl.h"
#include "addr.h"
#include "config.h"

/* Does addr fall in net/prefix?  (Both in network order.) */
static bool
prefix_match(const uint8_t *addr, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, bits = prefix % 8;
	uint8_t mask;

	if (memcmp(addr, net, full) != 0)
		return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return (addr[full] & mask) == (net[full] & mask);
}

bool
acl_allowed(const struct config *c, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t v4[4], v6[16];
	bool has4 = false, has6 = false;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		memcpy(v4, &sin.sin_addr, 4);
		has4 = true;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(v6, &sin6.sin6_addr, 16);
		has6 = true;
		if (addr_v4mapped(v6)) {
			memcpy(v4, v6 + 12, 4);
			has4 = true;
		}
	} else
		return false;
	for (size_t i = 0; i < c->nallow; i++) {
		const struct addr_subnet *s = &c->allow[i];

		if (s->family == AF_INET && has4 &&
		    prefix_match(v4, s->addr, s->prefix))
			return true;
		if (s->family == AF_INET6 && has6 &&
		    prefix_match(v6, s->addr, s->prefix))
			return true;
	}
	return false;
}
