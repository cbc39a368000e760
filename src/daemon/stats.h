/*
 * src/daemon/stats.h - roostd's counters, read at one moment from every
 * module that keeps some (query, cache, upstream, upstream guard,
 * listen), and their renderings: the control socket's "GROUP.KEY VALUE"
 * stats lines and the one-line summary SIGUSR1 logs.
 *
 * Both renderings walk one table of rows, so a counter shown in one is
 * shown in the other with the same key and number.  Keys may be added,
 * never renamed (the client and scripts read them).
 *
 * Ownership: a snapshot is a plain value the caller owns; nothing here
 * allocates or keeps a pointer.
 */
#ifndef ROOST_STATS_H
#define ROOST_STATS_H

#include <stddef.h>

#include "cache.h"
#include "config.h"
#include "listen.h"
#include "query.h"
#include "route.h"
#include "trust.h"
#include "upstream.h"

/* Upstream lines at most: every server of every route. */
#define STATS_MAX_UPSTREAMS (CONFIG_MAX_UPSTREAM * (1 + CONFIG_MAX_ZONES))
#define STATS_ZONE_MAX 256 /* a route's zone as text, cut to fit */

/* Every counter `roost stats` and SIGUSR1 show. */
struct stats_snapshot {
	struct query_stats q;
	struct cache_stats c;
	size_t budget;    /* the cache's, bytes */
	unsigned fetches; /* upstream fetches in flight */
	unsigned waiting; /* client queries waiting on them */
	struct upstream_stats up[STATS_MAX_UPSTREAMS];
	uint8_t up_route[STATS_MAX_UPSTREAMS]; /* up[i]'s route; 0: default */
	unsigned nup;
	char zone[1 + CONFIG_MAX_ZONES][STATS_ZONE_MAX]; /* route's zone */
	struct listen_stats l;                           /* TCP limits hit */
	struct upstream_guard_stats g; /* answers refused, ports renewed */
	struct trust_stats v;          /* DNSSEC (zero with dnssec off) */
};

/* Reads every counter of qc (its cache and current upstreams) into st. */
void stats_collect(struct query_ctx *qc, struct stats_snapshot *st);

/*
 * Writes st as the control protocol's stats data lines ("queries.udp 12",
 * then "upstream ADDR#PORT KEY=VALUE ..." per upstream) into buf
 * (NUL-terminated, cut if short).  Returns the length the whole text
 * needs (like snprintf).
 */
size_t stats_text(const struct stats_snapshot *st, char *buf, size_t len);

/*
 * Writes st as one log line ("queries udp=N tcp=N ...; answers ...;
 * cache ...; fetches ...; upstream ADDR queries=N ...") into buf, with
 * the same keys and numbers as stats_text().  Returns as snprintf.
 */
size_t stats_line(const struct stats_snapshot *st, char *buf, size_t len);

/*
 * Appends to buf at *n (as snprintf: *n may pass len) the upstream lines
 * of route (route.h's numbering; -1 for every route) for the control
 * protocol's "upstream" and "route" replies: "upstream ADDR#PORT
 * zone=ZONE KEY=VALUE ..." with the stats keys, then
 * "last_error=WORD|- last_error_age_s=N|-".
 */
void stats_upstream_lines(const struct stats_snapshot *st, int route, char *buf,
    size_t len, size_t *n);

#endif /* ROOST_STATS_H */
