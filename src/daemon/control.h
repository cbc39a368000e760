/*
 * src/daemon/control.h - roostd's control socket: a unix stream socket on
 * which root, roostd's own user and the members of the socket's group
 * read the counters, flush the cache, list it, or reload the
 * configuration (`roost stats|flush|dump|reload`).  Everything runs from
 * the event loop: nonblocking I/O, and long work (a dump or flush of a
 * large cache) sliced across loop passes.
 *
 * Protocol: one request per connection, text with LF line ends.
 *
 *   request   one line of at most CONTROL_MAX_REQUEST octets (LF
 *             included): "stats", "flush", "flush name NAME",
 *             "flush zone NAME", "dump", "reload", "upstream",
 *             "upstream set ...", "upstream revert SOURCE" or
 *             "route NAME"; NAME in
 *             presentation format ("www.example.test", "." the root).
 *   reply     a status line, "ok" or "error MESSAGE", then (after ok)
 *             data lines, then a line "." as the terminator; roostd
 *             then closes the connection.  A reply without its "." was
 *             cut short.
 *   stats     "GROUP.KEY VALUE" lines (e.g. "queries.udp 12",
 *             "cache.hits 7"), then one line per upstream:
 *             "upstream ADDR#PORT KEY=VALUE ..." (queries, failures,
 *             timeouts, srtt_ms, p50_ms, p90_ms, p99_ms, rtt_samples,
 *             rtt_sum_ms, down).  Keys may be added, never renamed.
 *   flush     "removed N": the entries that went.
 *   dump      one line per entry: "NAME TYPE TTL RCODE SIZE FLAGS" -
 *             NAME in presentation format (lower case, no blanks:
 *             wire_name_to_text()), TYPE and RCODE as numbers, TTL the
 *             seconds left (0 once stale), SIZE the bytes charged to the
 *             cache budget, FLAGS "-" or a comma list of "do", "cd",
 *             "stale".
 *   reload    nothing more; "error FILE:LINE: ..." if refused.
 *   upstream  the sources, the routes, then the upstreams (source.h):
 *             "source NAME origin=config|resolv|control|dbus
 *             default-route=yes|no servers=A#P,B#P domains=~x.,y."
 *             per source ("-" for an empty list; "~" marks a
 *             route-only domain), then "route ZONE sources=S,T
 *             servers=A#P,B#P" per route (the default route's ZONE is
 *             "."), then "upstream ADDR#PORT zone=ZONE KEY=VALUE ..."
 *             per server of each route: the stats keys, and
 *             last_error=WORD (upstream_stats.last_error's words:
 *             timeout, unreachable, refused, servfail, ...; "-" for none)
 *             and last_error_age_s=N (or "-").
 *   upstream set SOURCE FIELD=VALUE ...
 *             makes or changes the run-time source SOURCE, as `roost
 *             upstream set` does: "servers=ADDR[#PORT],...",
 *             "domains=[~]DOMAIN,...", "default-route=yes|no|auto"
 *             (an empty list: none; a field not given: unchanged).
 *             The new routes apply at once; answers cached below a
 *             domain whose servers changed are dropped.  Replies the
 *             source's "source ..." line, or "error ..." and nothing
 *             changed.
 *   upstream revert SOURCE
 *             removes a run-time source: nothing more.
 *   route NAME
 *             where a question for NAME goes: "local NAME" when roostd
 *             answers its addresses itself, or "blocked NAME
 *             file=PATH line=N listed=NAME" (PATH with blanks, '\\'
 *             and other octets outside '!'..'~' as \DDD) when a
 *             blocklist does; then its route's "route ..." line and that
 *             route's "upstream ..." lines.
 *   monitor   the query log (qlog.h): one line per answer sent, for as
 *             long as the client stays connected (no idle limit); a
 *             client that cannot keep up loses lines, told by a line
 *             "# N lines dropped"; "." when roostd stops.
 *
 * The client renders the lines as tables, JSON or Prometheus text; the
 * daemon stays small.
 *
 * Access: the socket is created mode 0660, owned by roostd's user and
 * group (when started as root), else by whoever runs roostd.  Each
 * connection's SO_PEERCRED is checked as well: uid 0, roostd's own
 * uid, the socket's group as the peer's gid or one of its
 * supplementary groups (SO_PEERGROUPS) are served; anyone else gets
 * "error permission denied ..." and is closed.
 *
 * Ownership: the control set owns its listening socket (and the path,
 * unlinked by control_free()) and every client connection.
 */
#ifndef ROOST_CONTROL_H
#define ROOST_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache.h"
#include "config.h"
#include "control_proto.h"
#include "loop.h"
#include "query.h"
#include "stats.h"
#include "upstream.h"
#include "wire.h"

#define CONTROL_MAX_REQUEST CONTROL_PROTO_MAX_REQUEST /* LF included */
#define CONTROL_MAX_CLIENTS 8        /* more are told so and closed */
#define CONTROL_IDLE_MS 10000        /* no progress this long: closed */
#define CONTROL_DUMP_BUCKETS 256     /* cache buckets listed per pass */
#define CONTROL_FLUSH_BUCKETS 4096   /* cache buckets flushed per pass */
#define CONTROL_OUT_LOW 65536        /* list more only below this queued */
#define CONTROL_MAX_OUT (8u << 20)   /* queued output cap: closed past it */
#define CONTROL_ACCEPT_PAUSE_MS 1000 /* out of fds: stop accepting */
#define CONTROL_MONITOR_OUT                                                    \
	(256u << 10) /* a monitor's queue: past it,
					    lines are dropped */

struct control;

/* What the control socket asks roostd itself. */
struct control_ops {
	/*
	 * Reloads the configuration as SIGHUP does.  Returns 0, or -1 with
	 * the reason ("FILE:LINE: message") in err, the old configuration
	 * staying in force.
	 */
	int (*reload)(void *arg, char *err, size_t errlen);
	/*
	 * The text ops append their data lines to buf at *n as snprintf
	 * does (*n may pass len: the caller then asks again with room).
	 * "upstream": every source, route and upstream line.
	 */
	void (*upstream_text)(void *arg, char *buf, size_t len, size_t *n);
	/* "route NAME" (wire form, lower case): NAME's route and its
	 * upstreams. */
	void (*route_text)(void *arg, const uint8_t *name, size_t name_len,
	    char *buf, size_t len, size_t *n);
	/*
	 * "upstream set": applies the "FIELD=VALUE" words to the run-time
	 * source (made if new) and puts the new routes in force.  Returns
	 * 0, or -1 with why in err and nothing changed.
	 */
	int (*upstream_set)(void *arg, const char *source,
	    const char *const *fields, size_t nfields, char *err,
	    size_t errlen);
	/* Appends source's "source ..." line (after a set). */
	void (*source_text)(void *arg, const char *source, char *buf,
	    size_t len, size_t *n);
	/* "upstream revert": removes the source.  Returns 0, or -1 with
	 * why in err. */
	int (*upstream_revert)(void *arg, const char *source, char *err,
	    size_t errlen);
	/* The number of monitor clients changed to n (may be NULL): feed
	 * control_monitor_line() while n > 0. */
	void (*monitors)(void *arg, unsigned n);
	void *arg;
};

enum control_verb {
	CONTROL_STATS,
	CONTROL_FLUSH,      /* everything */
	CONTROL_FLUSH_NAME, /* one name, every type */
	CONTROL_FLUSH_ZONE, /* at or below a name */
	CONTROL_DUMP,
	CONTROL_RELOAD,
	CONTROL_UPSTREAM,        /* list sources, routes, upstreams */
	CONTROL_UPSTREAM_SET,    /* change a run-time source */
	CONTROL_UPSTREAM_REVERT, /* remove one */
	CONTROL_ROUTE,           /* where a name goes */
	CONTROL_MONITOR,         /* the query log, streamed */
};

#define CONTROL_MAX_WORDS 16 /* in a request line */

struct control_request {
	enum control_verb verb;
	uint8_t name[WIRE_MAX_NAME]; /* FLUSH_NAME, FLUSH_ZONE, ROUTE */
	size_t name_len;
	/* UPSTREAM_SET, _REVERT: the source and the FIELD=VALUE words,
	 * pointing into text (so a request is not copied by value) */
	const char *source;
	const char *field[CONTROL_MAX_WORDS];
	size_t nfield;
	char text[CONTROL_MAX_REQUEST];
};

/*
 * Parses one request line (without its LF; a CR before it is allowed).
 * Returns 0, or -1 with the reason in err (sent back as "error ...").
 */
int control_parse_request(const char *line, struct control_request *r,
    char *err, size_t errlen);

/*
 * Creates the control socket at c->control_socket and watches it with l;
 * stats and the cache come from qc, reloads go to ops.  Run before
 * privileges are dropped: if chown_to is true the socket is given to
 * uid:gid (roostd's user), else its group is our effective group.  A
 * stale socket left at the path (nobody answers on it) is replaced; a
 * live one is not.
 * Returns 0 with *out set, or NULL in *out with no socket: none is
 * configured, or the default path could not be made (logged as a
 * warning, roostd runs on).  Returns -1 with the reason in err when a
 * configured path cannot be made.  l, qc and ops must outlive the set.
 */
int control_new(struct loop *l, const struct config *c, struct query_ctx *qc,
    const struct control_ops *ops, bool chown_to, uid_t uid, gid_t gid,
    struct control **out, char *err, size_t errlen);

/*
 * Queues the query-log line (len octets, no LF) for every monitor
 * client; arg is the control set.  Never blocks: a client whose queue
 * holds CONTROL_MONITOR_OUT octets loses the line (counted, and told
 * when it has room again).  A qlog_sink_fn.
 */
void control_monitor_line(void *arg, const char *line, size_t len);

/* Closes every client and the socket, and removes the path.  NULL is
 * fine. */
void control_free(struct control *ctl);

#endif /* ROOST_CONTROL_H */
