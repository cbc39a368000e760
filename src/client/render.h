/*
 * src/client/render.h - what `roost stats` and `roost dump` show: roostd's
 * stats reply as a table, one JSON document or the Prometheus text
 * exposition format, and its cache dump as a table or a JSON array.
 *
 * The data lines are roostd's (src/daemon/control.h): stats lines
 * "GROUP.KEY VALUE" and "upstream ADDRESS KEY=VALUE ...", dump lines
 * "NAME TYPE TTL RCODE SIZE FLAGS".  Every function writes only to the
 * caller's FILE and allocates nothing.
 */
#ifndef ROOST_RENDER_H
#define ROOST_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RENDER_MAX_STATS 128        /* GROUP.KEY lines kept; more dropped */
#define RENDER_MAX_UPSTREAMS 64     /* upstream lines kept; more dropped */
#define RENDER_MAX_UPSTREAM_KEYS 24 /* KEY=VALUE per upstream; more dropped */
#define RENDER_DUMP_NAME_MAX 1100   /* a dump line longer is malformed */

struct render_kv {
	char group[32], key[32]; /* cut to fit */
	uint64_t value;
};

struct render_upstream {
	char name[64];  /* its address, as roostd wrote it */
	char zone[256]; /* its forward zone; "" for an upstream (cut to fit) */
	char keys[RENDER_MAX_UPSTREAM_KEYS][24];
	uint64_t values[RENDER_MAX_UPSTREAM_KEYS];
	unsigned n;
};

/* One stats reply, in roostd's order; zero it before the first line. */
struct render_stats {
	struct render_kv kv[RENDER_MAX_STATS];
	unsigned nkv;
	struct render_upstream up[RENDER_MAX_UPSTREAMS];
	unsigned nup;
};

/*
 * Add one stats data line to st; line is modified.  Returns false if it
 * is malformed (no blank, no "GROUP." prefix, a value that is not a
 * decimal number); a line past the limits is dropped and true returned.
 */
bool render_stats_line(struct render_stats *st, char *line);

/* st as roost stats prints it: groups, then the upstream table. */
void render_stats_text(FILE *f, const struct render_stats *st);

/* st as one JSON object: {"GROUP": {"KEY": N, ...}, "upstreams": [...]} */
void render_stats_json(FILE *f, const struct render_stats *st);

/* st as Prometheus metrics roost_* (HELP and TYPE per family). */
void render_stats_prometheus(FILE *f, const struct render_stats *st);

/* What comes before the first dump entry: "[" or the table's heading. */
void render_dump_start(FILE *f, bool json);

/*
 * One dump data line as a table row or (json) an array element, n being
 * how many came before it.  Returns 0, or -1 with nothing written if the
 * line is malformed.
 */
int render_dump_entry(FILE *f, const char *line, bool json, size_t n);

/* What closes a dump of n entries: "]" for JSON. */
void render_dump_end(FILE *f, bool json, size_t n);

#endif /* ROOST_RENDER_H */
