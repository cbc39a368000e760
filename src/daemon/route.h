/*
 * src/daemon/route.h - which upstreams a question goes to.  A route is a
 * zone and its own upstream set (servers, SRTT, failover, deadlines,
 * stats): the default route (zone ".", the upstream key or resolv.conf's
 * nameservers) and one per forward-zone.  A name goes to the route whose
 * zone is the longest suffix of it, and so every name to exactly one
 * route: the cache key need not say which.
 *
 * Only a cache miss looks a route up (a hit never reaches upstream).
 *
 * Ownership: a table owns its routes' upstream sets; route_table_free()
 * frees them (requests in flight end with failure).
 */
#ifndef ROOST_ROUTE_H
#define ROOST_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "upstream.h"

struct route_table;

/*
 * Builds the routes of c (config_finish() done: c has its default
 * upstreams): route 0 is the default, then c's forward zones in order.
 * Returns the table, or NULL with the reason in err.
 */
struct route_table *route_table_new(struct loop *l, const struct config *c,
    char *err, size_t errlen);

/* Frees t and its sets (NULL is fine). */
void route_table_free(struct route_table *t);

/*
 * The set for name (wire form, any case, len octets): the route whose
 * zone is the longest suffix of name, else the default.  t may be NULL
 * (tests whose upstream is a stand-in): NULL then.
 */
struct upstream_set *
route_pick(const struct route_table *t, const uint8_t *name, size_t len);

/*
 * route_pick() for a question of type qtype: a DS question goes where
 * the names of name's parent go, for a zone's DS set is its parent's
 * (RFC 4034 5), so that a route naming the zone's own servers is not
 * asked for it (Unbound's forwarding does the same).
 */
static inline struct upstream_set *
route_pick_type(const struct route_table *t, const uint8_t *name, size_t len,
    uint16_t qtype)
{
	if (qtype == WIRE_T_DS && len > 1 && (size_t)name[0] + 1 < len) {
		len -= (size_t)name[0] + 1;
		name += (size_t)name[0] + 1;
	}
	return route_pick(t, name, len);
}

/* The index of route_pick()'s route for name (t not NULL). */
unsigned
route_index(const struct route_table *t, const uint8_t *name, size_t len);

/* How many routes t has (at least 1, the default). */
unsigned route_count(const struct route_table *t);

/* Route i's set and zone (wire form, lower case; the root for 0). */
struct upstream_set *route_set(const struct route_table *t, unsigned i);
const uint8_t *route_zone(const struct route_table *t, unsigned i, size_t *len);

/* Requests in flight over every route. */
unsigned route_inflight(const struct route_table *t);

/*
 * Calls cb(arg) once, before a loop wait, when no request is in flight on
 * any route (upstream_when_drained() for the whole table); cb may free
 * t.  A later call replaces the earlier; NULL cancels.
 */
void route_when_drained(struct route_table *t, loop_hook_cb *cb, void *arg);

/*
 * Calls cb(arg, zone, len) for every forward zone whose questions go to
 * other servers under b than under a: added, removed, or with other
 * servers.  For a reload: the answers cached at or below such a zone
 * came from servers that no longer answer for it.  (A change of the
 * default route's servers is not one: its names stay the same names.)
 */
void route_changes(const struct config *a, const struct config *b,
    void (*cb)(void *arg, const uint8_t *zone, size_t len), void *arg);

#endif /* ROOST_ROUTE_H */
