/*
 * src/daemon/rdbus.h - the org.freedesktop.resolve1 D-Bus subset that
 * NetworkManager, systemd-networkd, resolvectl and VPN scripts use to
 * set DNS per link, served on the system bus with sd-bus from roostd's
 * own event loop; and a link-removal watch on rtnetlink, so the servers
 * of a link that goes go with it.
 *
 * Served: object /org/freedesktop/resolve1, interface
 * org.freedesktop.resolve1.Manager, name org.freedesktop.resolve1, with
 * resolved's signatures: SetLinkDNS(ia(iay)), SetLinkDNSEx(ia(iayqs)),
 * SetLinkDomains(ia(sb)), SetLinkDefaultRoute(ib),
 * SetLinkDNSOverTLS(is), RevertLink(i), FlushCaches(),
 * ResetServerFeatures(); and SetLinkLLMNR(is), SetLinkMulticastDNS(is),
 * SetLinkDNSSEC(is), SetLinkDNSSECNegativeTrustAnchors(ias), whose
 * arguments are checked, accepted and logged, and which change nothing
 * yet.  Every other
 * method gets sd-bus's org.freedesktop.DBus.Error.UnknownMethod.
 *
 * D-Bus stays out of the routing logic: each Set call becomes one
 * "FIELD=VALUE" word of source.h's source_set_field() ("servers=...",
 * "domains=...", "default-route=yes|no", "dns-over-tls=...") handed to
 * main through rdbus_ops, as the control socket's "upstream set" words
 * are.
 *
 * Errors, as resolved's: org.freedesktop.DBus.Error.InvalidArgs for a
 * bad argument (with why) and for a word main refused (with main's
 * why); org.freedesktop.resolve1.NoSuchLink ("Link N not known") for
 * an interface index the kernel does not know; and
 * org.freedesktop.DBus.Error.AccessDenied for a caller whose uid is not
 * 0, roostd's own or systemd-network's (asked of the bus, without
 * blocking: each call waits for the answer in a FIFO, so calls apply in
 * the order they came), logged as a rate-limited warning.
 *
 * The name is requested without replacing its owner and queued for: if
 * systemd-resolved holds it, roostd says so and takes it when resolved
 * lets go.  A failed connect or a lost bus is retried every
 * RDBUS_RETRY_MS.  roostd runs as well without a bus.
 *
 * Ownership: the handle owns its bus connection (every sd-bus object
 * and slot), the calls waiting on it, its netlink socket and its loop
 * timers and hook.
 */
#ifndef ROOST_RDBUS_H
#define ROOST_RDBUS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "source.h"
#include "wire.h"

#define RDBUS_NAME "org.freedesktop.resolve1"
#define RDBUS_PATH "/org/freedesktop/resolve1"
#define RDBUS_INTERFACE "org.freedesktop.resolve1.Manager"
#define RDBUS_ERROR_NO_SUCH_LINK "org.freedesktop.resolve1.NoSuchLink"

#define RDBUS_RETRY_MS 5000 /* reconnect, or ask for the name again */
#define RDBUS_MAX_PENDING                                                      \
	32 /* calls waiting for their caller's uid;
				 more get LimitsExceeded */
#define RDBUS_MAX_ARRAY                                                        \
	64                         /* entries read from one array argument;
				 longer arrays are InvalidArgs */
#define RDBUS_PER_WAKEUP 64        /* sd_bus_process() calls per loop wakeup */
#define RDBUS_MAX_LINKS SOURCE_MAX /* links roostd set servers on */
#define RDBUS_DEFAULT_PORT CONFIG_DNS_PORT
#define RDBUS_DOT_PORT 853 /* DNS over TLS: resolved's "default" too */
/* The longest word: "domains=" and SOURCE_MAX_DOMAINS "~NAME," items. */
#define RDBUS_WORD_MAX (16 + SOURCE_MAX_DOMAINS * (WIRE_MAX_NAME_TEXT + 2))

/* What main does for the bus (every op runs from the loop). */
struct rdbus_ops {
	/*
	 * Applies the FIELD=VALUE words to the D-Bus source of link
	 * ifindex (ifname its name now), making it (origin SOURCE_DBUS,
	 * default route auto) if new, and puts the new routes in force.
	 * Returns 0, or -1 with why in err and nothing changed (sent to
	 * the caller as InvalidArgs).
	 */
	int (*link_set)(void *arg, int ifindex, const char *ifname,
	    const char *const *fields, size_t nfields, char *err,
	    size_t errlen);
	/* Drops the D-Bus source of ifindex, if any (RevertLink, or the
	 * link is gone). */
	void (*link_revert)(void *arg, int ifindex);
	/* Empties the cache (FlushCaches). */
	void (*flush_caches)(void *arg);
	/* Forgets what was learnt of the upstreams: SRTT, down marks
	 * (ResetServerFeatures). */
	void (*reset_server_features)(void *arg);
	void *arg;
};

struct rdbus;

/*
 * Starts serving: connects to the system bus (sd_bus_open_system(),
 * which honours $DBUS_SYSTEM_BUS_ADDRESS), registers the object,
 * requests the name, and opens the link-removal watch.  Nothing waits:
 * the connection is made and the name acquired from the loop.  A bus
 * that cannot be reached is a warning and a retry every RDBUS_RETRY_MS,
 * and a missing rtnetlink (RestrictAddressFamilies=) a warning; neither
 * fails.  The caller's uid is the bus connection's: call this after
 * dropping privileges (the D-Bus policy lets roostd's user own the
 * name).  roostd's euid and the uid of the user "systemd-network" are
 * read now.  ops is copied; l must outlive the handle.
 * Returns the handle, or NULL with why in err (out of memory).
 */
struct rdbus *rdbus_new(struct loop *l, const struct rdbus_ops *ops, char *err,
    size_t errlen);

/* Closes the bus connection and the link watch, drops the calls still
 * waiting (their callers get no reply), and frees b (NULL is fine). */
void rdbus_free(struct rdbus *b);

/* True while roostd owns RDBUS_NAME on the bus (for tests and status). */
bool rdbus_serving(const struct rdbus *b);

/* --- the pure decoders (no bus), for the methods and their tests --- */

/* One entry of SetLinkDNS's a(iay) or SetLinkDNSEx's a(iayqs). */
struct rdbus_server {
	int family;          /* AF_INET or AF_INET6, as sent */
	const uint8_t *addr; /* the address bytes, not owned */
	size_t addr_len;     /* 4 for AF_INET, 16 for AF_INET6 */
	uint16_t port;       /* 0: the default */
	const char *name;    /* SetLinkDNSEx's server name, or NULL/"" */
};

/*
 * Writes "servers=ADDR[#PORT][#NAME],..." (server_parse_item()'s
 * syntax, which source_set_field() reads back) for s[0..n) into buf:
 * port 0, 53 and 853 are written as none (resolved's "the transport's
 * default": 53 for plain DNS, 853 for TLS, as the link's dns-over-tls
 * decides), a name is kept for TLS (the certificate's name and SNI), an
 * IPv6 link-local address gets ifindex as its scope, a server listed
 * twice is written once; n == 0 writes "servers=" (none).  Returns 0,
 * or -1 with why in err (a family other than AF_INET/AF_INET6, an
 * address length that does not match it, the unspecified address, a
 * name that is not a host name, more than CONFIG_MAX_UPSTREAM distinct
 * servers, or buf too short).
 */
int rdbus_servers_word(const struct rdbus_server *s, size_t n, int ifindex,
    char *buf, size_t len, char *err, size_t errlen);

/* One entry of SetLinkDomains's a(sb). */
struct rdbus_domain {
	const char *name; /* "corp.example" or "corp.example.", not owned */
	bool route_only;  /* routing only, not a search domain */
};

/*
 * Writes "domains=[~]NAME,..." for d[0..n) into buf ("~" marks a
 * route-only domain; "." route-only is "~.", every name), each name as
 * sent; a name listed twice is written once, route-only as its last
 * entry says (resolved's rule).  n == 0 writes "domains=" (none).
 * Returns 0, or -1 with why in err (an empty name, a blank, comma or
 * other character outside printable ASCII, a leading "~", a name
 * wire_name_from_text() refuses, "." as a search domain, more than
 * SOURCE_MAX_DOMAINS distinct names, or buf too short).
 */
int rdbus_domains_word(const struct rdbus_domain *d, size_t n, char *buf,
    size_t len, char *err, size_t errlen);

/*
 * Checks one SetLinkLLMNR/MulticastDNS/DNSSEC/DNSOverTLS mode against
 * resolved's values for method ("" is always fine: the default).
 * Returns 0, or -1 with 'Invalid DNSSEC setting: "x"' style text in
 * err (an unknown method is an error too).
 */
int rdbus_mode_check(const char *method, const char *mode, char *err,
    size_t errlen);

/* --- the link-removal watch (rdbus_link.c) --- */

/* A link that went: its index, and its name if the message had one. */
typedef void rdbus_link_gone_cb(void *arg, int ifindex, const char *ifname);

/*
 * Calls gone(arg, ...) for each RTM_DELLINK of a generic link
 * (ifi_family AF_UNSPEC; a bridge's AF_BRIDGE notice that a port left
 * it is not the link going) in buf[0..len), a datagram as recv() gave
 * it from a NETLINK_ROUTE socket; every other message type is skipped.
 * Nothing is trusted: each header and attribute is bounds-checked and
 * read by copy (buf need not be aligned), a name is cut at
 * IF_NAMESIZE - 1 ("" if absent).  Returns 0, or -1 if a message is
 * truncated or malformed (the links before it were reported).
 */
int rdbus_link_parse(const void *buf, size_t len, rdbus_link_gone_cb *gone,
    void *arg);

struct rdbus_link;

/* Link messages were lost (ENOBUFS, a datagram cut short): whoever
 * cares must look at its links again. */
typedef void rdbus_link_lost_cb(void *arg);

/*
 * Watches l for removed links: a nonblocking NETLINK_ROUTE socket bound
 * to RTMGRP_LINK, read from the loop; only the kernel's messages
 * (nl_pid 0) are parsed.  Returns the watch, or NULL with why in err
 * (no rtnetlink: a sandbox without AF_NETLINK).
 */
struct rdbus_link *rdbus_link_new(struct loop *l, rdbus_link_gone_cb *gone,
    rdbus_link_lost_cb *lost, void *arg, char *err, size_t errlen);

/* Closes the socket and frees w (NULL is fine). */
void rdbus_link_free(struct rdbus_link *w);

#endif /* ROOST_RDBUS_H */
