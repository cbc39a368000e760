/*
 * src/daemon/rebind.h - DNS rebinding protection (dnsmasq's
 * stop-dns-rebind, Unbound's private-address): an upstream's answer that
 * gives a public name a private, loopback or link-local address would
 * let a web page reach the machine's own network through the name, so
 * roostd refuses it (rebind-protection = yes; query.c decides which
 * names are public: not those of a routing domain).
 *
 * The ranges: IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.168/16; IPv6 ::, ::1, fc00::/7, fe80::/10, fec0::/10 and the
 * IPv4-mapped ::ffff:0:0/96 of any IPv4 one.
 */
#ifndef ROOST_REBIND_H
#define ROOST_REBIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if the address (4 or 16 octets, network order) is in a range. */
bool rebind_is_private(const uint8_t *a, size_t alen);

/*
 * True if an A or AAAA record of the answer section of msg (len octets,
 * a response wire_parse_msg() accepted) holds such an address; *where
 * (if not NULL) gets its offset in msg, for the log.  Records of other
 * sections and types are not looked at.
 */
bool rebind_answer_private(const uint8_t *msg, size_t len, size_t *where);

#endif /* ROOST_REBIND_H */
