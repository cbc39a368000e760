/*
 * src/daemon/source.h - upstream sources set at run time, and how every
 * source merges into the routes roostd asks by.
 *
 * A source is what systemd-resolved calls a link: servers, routing
 * domains and a default-route flag.  The configuration gives the first
 * ones (its upstreams or resolv.conf's nameservers: the default route;
 * each forward-zone: one domain), the control socket (`roost upstream
 * set NAME ...`), D-Bus (resolve1's SetLink* calls, a link per
 * interface) and systemd-networkd's state files (a link per interface)
 * add and remove the others while roostd runs.
 *
 * The merge (source_merge()) gives the configuration the routes are
 * built from (route.h):
 * - a domain's route: the servers of every source that lists the domain
 *   (a forward-zone's first), so the longest routing domain of a name
 *   picks its servers;
 * - the default route: the servers of the sources whose routing domains
 *   include "." (a VPN taking every name, as "~." does for resolved);
 *   when none does, the configuration's upstreams and the servers of
 *   every default-route source.
 * A source without servers routes nothing.  A domain is a routing domain
 * whether or not it has the "~" (route only) mark: roostd expands no
 * search list, stubs do; the mark decides only the default route's
 * default (on unless the source has a route-only domain, as resolved).
 *
 * Ownership: a source_list is plain memory; the caller owns it.
 */
#ifndef ROOST_SOURCE_H
#define ROOST_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "server.h"
#include "wire.h"

#define SOURCE_MAX 32         /* run-time sources; past it set fails */
#define SOURCE_MAX_DOMAINS 16 /* routing domains per source */
#define SOURCE_NAME_MAX 32    /* a source's name, NUL included */

/* Who made a run-time source. */
enum source_origin {
	SOURCE_CONTROL,  /* roost upstream set */
	SOURCE_DBUS,     /* org.freedesktop.resolve1 SetLink* */
	SOURCE_NETWORKD, /* systemd-networkd's link state files (netif.h) */
};

/* The default-route setting: explicit, or resolved's rule. */
enum source_default {
	SOURCE_DEFAULT_AUTO = -1, /* yes unless a route-only domain */
	SOURCE_DEFAULT_NO = 0,
	SOURCE_DEFAULT_YES = 1,
};

struct source_domain {
	uint8_t name[WIRE_MAX_NAME]; /* wire form, lower case */
	size_t len;
	bool route_only; /* written "~DOMAIN" */
};

struct source {
	char name[SOURCE_NAME_MAX];
	enum source_origin origin;
	int ifindex; /* D-Bus and networkd links: the interface; else 0 */
	struct server server[CONFIG_MAX_UPSTREAM]; /* not settled */
	size_t nserver;
	struct source_domain domain[SOURCE_MAX_DOMAINS];
	size_t ndomain;
	enum source_default default_route;
	/* its servers' transport; unset: the configuration's dns-over-tls */
	enum server_tls dns_over_tls;
};

struct source_list {
	struct source s[SOURCE_MAX]; /* s[0..n) in use, in creation order */
	size_t n;
};

/*
 * Checks a source name: 1 to SOURCE_NAME_MAX - 1 octets of letters,
 * digits and "-_.:@", not one of the configuration's own names
 * ("roostd.conf", "resolv.conf", "forward-zone:..."), which are changed
 * by editing the file.  Returns 0, or -1 with why in err.
 */
int source_name_check(const char *name, char *err, size_t errlen);

/* The source called name, or NULL. */
struct source *source_find(struct source_list *l, const char *name);

/*
 * The source called name, made (empty, default route auto) if there is
 * none yet.  Returns it, or NULL with why in err (a bad name, or
 * SOURCE_MAX sources already).
 */
struct source *source_get(struct source_list *l, const char *name,
    enum source_origin origin, char *err, size_t errlen);

/* Removes the source called name.  Returns 0, or -1 if there is none. */
int source_remove(struct source_list *l, const char *name);

/*
 * Applies one "FIELD=VALUE" word to s: "servers=ADDR[#PORT][#NAME],..."
 * (empty: none; NAME authenticates a TLS server, server_parse_item()),
 * "domains=[~]DOMAIN,..." (empty: none; "." or "~." for every name),
 * "default-route=yes|no|auto" or "dns-over-tls=no|opportunistic|strict|
 * default" (default: the configuration's).  A list replaces the one before.
 * Returns 0, or -1 with why in err and s unchanged.
 */
int
source_set_field(struct source *s, const char *word, char *err, size_t errlen);

/* Whether s's servers take names no routing domain claims. */
bool source_default_route(const struct source *s);

/*
 * Into out: base (a finished configuration) with the routes of l merged
 * in, as the header comment says.  Returns 0, or -1 with why in err
 * (more than CONFIG_MAX_UPSTREAM servers on one route, more than
 * CONFIG_MAX_ZONES domains, a server that is one of roostd's own listen
 * addresses, or no server left for the default route).
 */
int source_merge(const struct config *base, const struct source_list *l,
    struct config *out, char *err, size_t errlen);

/*
 * One line describing each source, the configuration's first, then l's:
 * "source NAME origin=ORIGIN default-route=yes|no dns-over-tls=MODE
 * servers=A,B domains=~x,y" ("-" for an empty list; a server as
 * server_item_str() writes it, settled; ORIGIN config, resolv, control,
 * dbus or networkd), appended to buf at *n (as snprintf: *n may pass
 * len).
 */
void source_lines(const struct config *base, const struct source_list *l,
    char *buf, size_t len, size_t *n);

/* s's line as source_lines() writes it, appended likewise. */
void source_line(const struct source *s, char *buf, size_t len, size_t *n);

/*
 * "route ZONE sources=S,T servers=A,B" for route i of merged (what
 * source_merge() made of base and l; route 0 the default, i the
 * domain merged->zone[i - 1], as route.h numbers them), then extra
 * (more " KEY=VALUE" fields, or ""), appended to buf at *n as snprintf.
 * Nothing for an i past the routes.
 */
void source_route_line(const struct config *base, const struct source_list *l,
    const struct config *merged, unsigned i, const char *extra, char *buf,
    size_t len, size_t *n);

/*
 * The names of the sources that give the route of zone (wire form; the
 * root for the default route) its servers, comma-separated, into buf.
 */
void source_route_names(const struct config *base, const struct source_list *l,
    const uint8_t *zone, size_t zone_len, char *buf, size_t len);

#endif /* ROOST_SOURCE_H */
