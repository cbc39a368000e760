/*
 * src/common/addr.h - IPv4 and IPv6 addresses with a port, and subnets:
 * the one ADDR#PORT and ADDR/PREFIX syntax of roost, parsed and printed.
 *
 * Plain data, no heap memory, no daemon or client dependency (either
 * program may link src/common/libcommon.a).  Parsers report why they
 * failed as text in the caller's buffer; nothing here logs or exits.
 */
#ifndef ROOST_ADDR_H
#define ROOST_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Fits any addr_str() result: "IPV6%SCOPE#PORT" and the NUL. */
#define ADDR_STRLEN 64

/* An address and port, ready for bind() or connect(). */
struct addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6, port set */
	socklen_t len;
};

/* An IPv4 or IPv6 subnet. */
struct addr_subnet {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; host bits zero */
	unsigned prefix;  /* 0..32 or 0..128 */
};

/*
 * Parses "ADDR", "ADDR#PORT", "[ADDR]:PORT" or "[ADDR]" (numeric IPv4 or
 * IPv6, never a host name; a missing port is default_port; PORT is
 * 1..65535).  An IPv6 ADDR may carry "%SCOPE", an interface name or
 * index ("fe80::1%eth0"); an unknown interface is an error.  Returns 0,
 * or -1 with 'bad address "TEXT": why' in err (err may be NULL).
 */
int addr_parse(const char *text, uint16_t default_port, struct addr *a,
    char *err, size_t errlen);

/*
 * Writes a as "ADDR#PORT" ("[::1]#53" style is not used: "::1#53"), with
 * a numeric "%SCOPE" on scoped IPv6, so addr_parse() reads it back.
 * ADDR_STRLEN always fits.  NUL-terminates unless buflen is 0
 * (truncating if short); returns buf.
 */
char *addr_str(const struct addr *a, char *buf, size_t buflen);

/* a's family: AF_INET or AF_INET6. */
int addr_family(const struct addr *a);
/* Copies a's address bytes to out; returns their count (4 or 16). */
size_t addr_bytes(const struct addr *a, uint8_t out[16]);
/* a's port, in host order. */
uint16_t addr_port(const struct addr *a);
/* a's IPv6 scope id; 0 for none and for IPv4. */
uint32_t addr_scope(const struct addr *a);
/* 0.0.0.0 or :: (any port). */
bool addr_is_unspecified(const struct addr *a);
/* 127.0.0.0/8, ::1, or v4-mapped 127.0.0.0/8. */
bool addr_is_loopback(const struct addr *a);
/* Same family, address and port; scopes count only when both are set. */
bool addr_equal(const struct addr *a, const struct addr *b);

/* True if the 16 bytes b are a v4-mapped IPv6 address (::ffff:a.b.c.d);
 * inline, as the access check runs it on every query. */
static inline bool
addr_v4mapped(const uint8_t b[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(b, prefix, sizeof(prefix)) == 0;
}

/*
 * The kind of the address bytes b (4 for AF_INET, 16 for AF_INET6), as
 * the special-purpose registries (RFC 6890 and its updates) name them,
 * one word: "loopback", "private" (RFC 1918), "shared" (RFC 6598, the
 * CGNAT range 100.64/10), "link-local", "documentation" (RFC 5737, RFC
 * 3849), "unique-local" (fc00::/7), "multicast", "unspecified",
 * "this-network" (0/8), "broadcast", "reserved" (240/4), "nat64"
 * (64:ff9b::/96) or "global".  A v4-mapped IPv6 address is its IPv4
 * address's kind.  A static string.
 */
const char *addr_kind(int family, const uint8_t *b);

/*
 * Parses "ADDR" or "ADDR/PREFIX" (numeric; a bare address is a /32 or
 * /128).  A subnet with host bits set ("10.0.0.1/8") is rejected, not
 * masked.  Returns 0, or -1 with 'bad subnet "TEXT": why' in err (err
 * may be NULL).
 */
int addr_subnet_parse(const char *text, struct addr_subnet *s, char *err,
    size_t errlen);

#endif /* ROOST_ADDR_H */
