/*
 * src/daemon/main.c - roostd's main: start-up, the run, reload, signals
 * and shutdown.  The only place that exits the process.
 *
 * Invariant: after start-up nothing here blocks; everything runs from
 * the event loop, and SIGTERM/SIGINT end it within ROOSTD_STOP_GRACE_MS
 * plus one loop pass, with every query in flight answered or SERVFAILed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "autoconf.h"
#include "cache.h"
#include "config.h"
#include "control.h"
#include "errbuf.h"
#include "listen.h"
#include "blockset.h"
#include "localset.h"
#include "log.h"
#include "loop.h"
#include "netif.h"
#include "query.h"
#include "rdbus.h"
#include "resolvwatch.h"
#include "persist.h"
#include "qlog.h"
#include "priv.h"
#include "route.h"
#include "sd.h"
#include "source.h"
#include "stats.h"
#include "upstream.h"
#include "validate.h"
#include "wire.h"

/* Exit statuses (documented in --help and roostd(8)). */
enum {
	ROOSTD_EXIT_OK = 0,
	ROOSTD_EXIT_RUNTIME = 1, /* a failure after start-up */
	ROOSTD_EXIT_USAGE = 2,   /* bad command line */
	ROOSTD_EXIT_CONFIG = 3,  /* bad configuration */
	ROOSTD_EXIT_STARTUP = 4, /* sockets, resources */
};

/* config's log levels are handed to log_set_level() as they are */
_Static_assert((int)CONFIG_LOG_ERR == (int)LOG_LEVEL_ERR &&
	(int)CONFIG_LOG_WARN == (int)LOG_LEVEL_WARN &&
	(int)CONFIG_LOG_INFO == (int)LOG_LEVEL_INFO &&
	(int)CONFIG_LOG_DEBUG == (int)LOG_LEVEL_DEBUG,
    "config and log levels differ");

/* On SIGTERM, queries in flight get this long before SERVFAIL. */
#define ROOSTD_STOP_GRACE_MS 500

static void log_started(const struct config *c, bool from_systemd);
static int control_reload(void *arg, char *err, size_t errlen);
static void op_upstream_text(void *arg, char *buf, size_t len, size_t *n);
static void op_route_text(void *arg, const uint8_t *name, size_t name_len,
    char *buf, size_t len, size_t *n);
static int op_upstream_set(void *arg, const char *source,
    const char *const *fields, size_t nfields, char *err, size_t errlen);
static void
op_source_text(void *arg, const char *source, char *buf, size_t len, size_t *n);
static int
op_upstream_revert(void *arg, const char *source, char *err, size_t errlen);

struct roostd {
	struct loop *loop;
	struct config *base; /* the files': a reload replaces it whole */
	struct source_list *sources; /* set at run time; reloads keep them */
	struct config *cfg; /* in force: base with the sources merged */
	const struct args *args;
	struct route_table *routes;
	struct route_table *retired; /* replaced by a reload, draining */
	struct resolv_watch *watch;  /* resolv.conf, if it names upstreams */
	struct rdbus *bus;           /* resolve1 on D-Bus, with dbus = yes */
	struct netif_watch *netif;   /* networkd's links, networkd = yes */
	bool reload_failed;          /* the last reload was refused */
	struct listen_set *ls;
	struct query_ctx *qc;
	struct local_set *local;  /* names answered here (localset.h) */
	struct block_set *blocks; /* blocklists in force (blockset.h) */
	struct qlog *qlog;        /* the query log (qlog.h) */
	struct control *ctl;
	struct rsd *sd;
	struct loop_timer stop_timer;
	uint64_t stop_deadline;
	bool stopping;
	struct persist persist; /* warm restarts: the cache file */
};

/* Monitors feed on the query log while there are any. */
static void
op_monitors(void *arg, unsigned n)
{
	struct roostd *d = arg;

	qlog_set_sink(d->qlog, n > 0 ? control_monitor_line : NULL, d->ctl);
}

/*
 * Creates the control socket, before privileges are dropped: started as
 * root to become another user, the socket is given to that user and its
 * group.  Returns 0 (also with no socket), or -1 with err filled.
 */
static int
start_control(struct roostd *d, char *err, size_t errlen)
{
	static const struct control_ops ops0 = {
		.reload = control_reload,
		.upstream_text = op_upstream_text,
		.route_text = op_route_text,
		.upstream_set = op_upstream_set,
		.source_text = op_source_text,
		.upstream_revert = op_upstream_revert,
		.monitors = op_monitors,
	};
	struct control_ops ops = ops0;
	uid_t uid = 0;
	gid_t gid = 0;
	bool chown;

	ops.arg = d;
	/* an unknown user is reported by priv_drop() */
	chown = priv_target(d->cfg, &uid, &gid);
	return control_new(d->loop, d->cfg, d->qc, &ops, chown, uid, gid,
	    &d->ctl, err, errlen);
}

/* With dnssec on, whether c's trust anchors load (--check-config). */
static int
check_anchors(const struct config *c, char *err, size_t errlen)
{
	struct validate_store *s;
	int r;

	if (c->dnssec == CONFIG_DNSSEC_NO)
		return 0;
	if ((s = validate_store_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = validate_store_anchors(s, c->trust_anchor_file, NULL, err, errlen);
	validate_store_free(s);
	return r;
}

/* --- running ------------------------------------------------------------ */

/* Once the answers in flight are out, or the grace time is over. */
static void
stop_now(void *arg)
{
	struct roostd *d = arg;

	loop_stop(d->loop);
}

static void
on_stop_signal(void *arg, int signo)
{
	struct roostd *d = arg;

	if (d->stopping)
		return;
	d->stopping = true;
	log_info("%s: stopping (%u queries in flight)",
	    signo == SIGINT ? "SIGINT" : "SIGTERM", query_pending(d->qc));
	rsd_stopping(d->sd,
	    signo == SIGINT ? "stopping (SIGINT)" : "stopping (SIGTERM)");
	listen_stop_accepting(d->ls);
	persist_stop(&d->persist);
	(void)loop_timer_set(d->loop, &d->stop_timer, ROOSTD_STOP_GRACE_MS);
	query_when_idle(d->qc, stop_now, d);
}

/* Frees the retired routes once their last request has ended. */
static void
retired_drained(void *arg)
{
	struct roostd *d = arg;

	route_table_free(d->retired);
	d->retired = NULL;
	log_debug("reload: the old upstreams have drained");
}

/*
 * Debug builds walk the cache, the fetches and the loop at the rare
 * moments where a walk is affordable: each reload and the stop.
 */
static void
debug_walk(struct roostd *d)
{
#ifdef ROOST_DEBUG
	if (d->qc != NULL) {
		query_check(d->qc);
		cache_check(query_cache(d->qc));
	}
	if (d->loop != NULL)
		loop_check(d->loop);
#else
	(void)d;
#endif
}

/* The same servers (addresses byte for byte, TLS settings), in the
 * same order. */
static bool
same_servers(const struct server *a, size_t na, const struct server *b,
    size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].addr.len != b[i].addr.len ||
		    memcmp(&a[i].addr.ss, &b[i].addr.ss, a[i].addr.len) != 0 ||
		    !server_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool
same_zones(const struct config *a, const struct config *b)
{
	if (a->nzone != b->nzone)
		return false;
	for (size_t i = 0; i < a->nzone; i++)
		if (!wire_name_equal(a->zone[i].name, a->zone[i].name_len,
			b->zone[i].name, b->zone[i].name_len) ||
		    !same_servers(a->zone[i].server, a->zone[i].nserver,
			b->zone[i].server, b->zone[i].nserver))
			return false;
	return true;
}

static bool
same_upstreams(const struct config *a, const struct config *b)
{
	return a->upstream_timeout_ms == b->upstream_timeout_ms &&
	    a->query_deadline_ms == b->query_deadline_ms &&
	    a->upstream_give_up_ms == b->upstream_give_up_ms &&
	    a->dns0x20 == b->dns0x20 &&
	    a->upstream_cookies == b->upstream_cookies &&
	    a->dns_over_tls == b->dns_over_tls &&
	    strcmp(a->tls_ca_file, b->tls_ca_file) == 0 &&
	    same_servers(a->upstream, a->nupstream, b->upstream,
		b->nupstream) &&
	    same_zones(a, b);
}

/* A forward zone's routing changed: what was cached below it goes. */
static void
zone_rerouted(void *arg, const uint8_t *zone, size_t len)
{
	struct roostd *d = arg;
	char text[WIRE_MAX_NAME_TEXT];
	size_t n = cache_flush_zone(query_cache(d->qc), zone, len);

	(void)wire_name_to_text(zone, len, text, sizeof(text));
	log_info("routing: %s goes to other servers now: %zu cached entries "
		 "at or below it dropped",
	    text, n);
}

static bool
same_listen(const struct config *a, const struct config *b)
{
	if (a->nlisten != b->nlisten)
		return false;
	for (size_t i = 0; i < a->nlisten; i++)
		if (a->listen[i].len != b->listen[i].len ||
		    memcmp(&a->listen[i].ss, &b->listen[i].ss,
			a->listen[i].len) != 0)
			return false;
	return true;
}

/*
 * New fetches go by routes (built for next, the configuration about to
 * replace d->cfg).  Requests in flight stay with the old routes and are
 * answered by them; only one old table drains at a time, so a second
 * change within upstream-give-up ends the older one's requests (its
 * clients get SERVFAIL, or stale answers).
 */
static void
routes_put(struct roostd *d, struct route_table *routes,
    const struct config *next)
{
	if (d->retired != NULL) {
		log_info("ending %u upstream requests of the configuration "
			 "before last",
		    route_inflight(d->retired));
		route_table_free(d->retired);
	}
	d->retired = d->routes;
	d->routes = routes;
	query_ctx_set_routes(d->qc, routes);
	route_when_drained(d->retired, retired_drained, d);
	route_changes(d->cfg, next, zone_rerouted, d);
	/* a failure from the old network may say only that it was cut off */
	if (!same_servers(d->cfg->upstream, d->cfg->nupstream, next->upstream,
		next->nupstream))
		log_info("new upstreams: %zu cached failures (SERVFAIL, "
			 "NXDOMAIN, NODATA) dropped",
		    cache_flush_failures(query_cache(d->qc)));
}

/* "ADDR ADDR..." of c's upstreams into buf. */
static const char *
upstreams_text(const struct config *c, char *buf, size_t len)
{
	char a[SERVER_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nupstream && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
		    server_item_str(&c->upstream[i], a, sizeof(a)));
	return buf;
}

/*
 * Puts in force base (the files' configuration, not kept) with the
 * sources of l merged in: new routes if they differ from those in
 * force, the query path's configuration.  Returns 0, or -1 with why in
 * err and nothing changed.
 */
static int
put_routing(struct roostd *d, const struct config *base,
    const struct source_list *l, char *err, size_t errlen)
{
	struct config *m = malloc(sizeof(*m));
	struct route_table *routes = NULL;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (source_merge(base, l, m, err, errlen) != 0 ||
	    (!same_upstreams(d->cfg, m) &&
		(routes = route_table_new(d->loop, m, err, errlen)) == NULL)) {
		free(m);
		return -1;
	}
	if (routes != NULL)
		routes_put(d, routes, m);
	query_ctx_set_config(d->qc, m);
	free(d->cfg);
	d->cfg = m;
	return 0;
}

/*
 * The resolv.conf that named the upstreams has changed: its new
 * nameservers apply as a reload would apply them, the cache kept.  A file
 * gone, unreadable or without a usable nameserver keeps the upstreams in
 * force (a warning says so): a network manager between two networks
 * writes such files for a moment.
 */
static void
resolv_changed(void *arg)
{
	struct roostd *d = arg;
	struct config *c = malloc(sizeof(*c));
	char err[1024], before[512], after[512];

	if (c == NULL) {
		log_warnx("%s changed, but out of memory to read it",
		    d->base->resolv_conf);
		return;
	}
	*c = *d->base;
	if (config_resolv_upstreams(c, err, sizeof(err)) != 0) {
		log_warnx("%s changed: %s; keeping the upstreams %s",
		    d->base->resolv_conf, err,
		    upstreams_text(d->base, before, sizeof(before)));
		free(c);
		return;
	}
	if (same_servers(d->base->upstream, d->base->nupstream, c->upstream,
		c->nupstream)) {
		free(c);
		return;
	}
	log_info("%s changed: upstreams %s -> %s", c->resolv_conf,
	    upstreams_text(d->base, before, sizeof(before)),
	    upstreams_text(c, after, sizeof(after)));
	if (put_routing(d, c, d->sources, err, sizeof(err)) != 0) {
		log_warnx("%s: %s; keeping the upstreams in force",
		    c->resolv_conf, err);
		free(c);
		return;
	}
	free(d->base);
	d->base = c;
}

/* Follows d->cfg's resolv.conf when the upstreams come from it. */
static void
watch_resolv(struct roostd *d)
{
	char err[512];

	resolv_watch_free(d->watch);
	d->watch = NULL;
	if (!d->cfg->upstream_from_resolv)
		return;
	if ((d->watch = resolv_watch_new(d->loop, d->cfg->resolv_conf,
		 resolv_changed, d, err, sizeof(err))) == NULL)
		log_warnx("%s: not followed (%s): its changes apply on reload "
			  "only",
		    d->cfg->resolv_conf, err);
}

/*
 * Builds and checks the new configuration and, if it is good, puts it in
 * force: upstreams (a new set when they changed), TTL clamps, access
 * rules, log level, TCP limits.  The cache is kept, unless the DNSSEC
 * settings changed: its AD bits and verdicts were made under the old
 * ones.  Returns 0, or -1 with the reason in err and the old
 * configuration still in force.
 */
static int
reload(struct roostd *d, char *err, size_t errlen)
{
	struct config *c = calloc(1, sizeof(*c));
	bool size_kept, file_kept, dnssec_kept;
	int r;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (args_build_config(d->args, c, err, errlen) != 0) {
		free(c);
		return -1;
	}
	size_kept = c->cache_size != d->base->cache_size;
	c->cache_size = d->base->cache_size;
	file_kept = strcmp(c->cache_file, d->base->cache_file) != 0;
	memcpy(c->cache_file, d->base->cache_file, sizeof(c->cache_file));
	/* the anchors and negative trust anchors: query_ctx_set_dnssec() */
	dnssec_kept = c->dnssec == d->cfg->dnssec;
	if (put_routing(d, c, d->sources, err, errlen) != 0) {
		free(c);
		return -1;
	}
	if (local_set_apply(d->local, c, err, errlen) != 0)
		log_warnx("reload: %s; the local names in force stay", err);
	if (block_set_apply(d->blocks, c, err, errlen) != 0)
		log_warnx("reload: %s; the blocklists in force stay", err);
	if ((r = query_ctx_set_dnssec(d->qc, d->cfg, err, errlen)) < 0)
		log_warnx("reload: %s; the trust anchors in force stay", err);
	else if (r == 1) /* other anchors or negative trust anchors */
		dnssec_kept = false;
	if (!dnssec_kept) {
		cache_flush(query_cache(d->qc));
		log_info("reload: the DNSSEC settings changed: the cache is "
			 "empty");
	}
	/* in force from here on */
	if (size_kept)
		log_warnx("reload: cache-size changes on restart only; "
			  "keeping %u bytes",
		    d->cfg->cache_size);
	if (file_kept)
		log_warnx("reload: cache-file changes on restart only");
	if (!same_listen(d->base, c))
		log_warnx("reload: listen changes on restart only; keeping "
			  "the sockets open now");
	if (strcmp(c->user, d->base->user) != 0)
		log_warnx("reload: user changes on restart only");
	if (strcmp(c->control_socket, d->base->control_socket) != 0)
		log_warnx("reload: control-socket changes on restart only");
	if (c->dbus != d->base->dbus)
		log_warnx("reload: dbus changes on restart only");
	if (c->networkd != d->base->networkd ||
	    strcmp(c->networkd_state_dir, d->base->networkd_state_dir) != 0)
		log_warnx("reload: networkd and networkd-state-dir change on "
			  "restart only");
	free(d->base);
	d->base = c;
	listen_set_limits(d->ls, d->cfg);
	log_set_level((enum log_level)d->cfg->log_level);
	qlog_set_mode(d->qlog, d->cfg->log_queries);
	watch_resolv(d);
	/* cache-save-interval may have changed */
	persist_arm(&d->persist, d->cfg->cache_save_interval_s);
	debug_walk(d);
	return 0;
}

/*
 * Reloads as SIGHUP does, telling systemd and the log; who names the
 * trigger ("SIGHUP", "control").  Returns 0, or -1 with err filled.
 */
static int
reload_and_log(struct roostd *d, const char *who, char *err, size_t errlen)
{
	int r;

	rsd_reloading(d->sd);
	if ((r = reload(d, err, errlen)) != 0) {
		d->reload_failed = true;
		log_warnx("%s: reload failed, the configuration in force "
			  "stays: %s",
		    who, err);
	} else {
		d->reload_failed = false;
		log_info("%s: configuration reloaded from %s; the cache "
			 "is kept",
		    who, d->cfg->path[0] != '\0' ? d->cfg->path : "(defaults)");
		log_started(d->cfg, d->args->nsd_listen > 0);
	}
	rsd_ready(d->sd);
	return r;
}

static void
on_sighup(void *arg, int signo)
{
	struct roostd *d = arg;
	char err[1024];

	(void)signo;
	if (d->stopping)
		return;
	(void)reload_and_log(d, "SIGHUP", err, sizeof(err));
}

/* `roost reload`, through the control socket. */
static int
control_reload(void *arg, char *err, size_t errlen)
{
	struct roostd *d = arg;

	if (d->stopping) {
		snprintf(err, errlen, "roostd is stopping");
		return -1;
	}
	return reload_and_log(d, "control", err, errlen);
}

/* --- run-time sources: the control socket's upstream verbs --------------- */

/* The counters of every route, for the upstream lines. */
static struct stats_snapshot *
snapshot(struct roostd *d)
{
	struct stats_snapshot *st = malloc(sizeof(*st));

	if (st != NULL)
		stats_collect(d->qc, st);
	return st;
}

/* "upstream": every source, every route, every route's servers. */
/*
 * " dnssec=validated|permissive|unchecked|off stripped=N do_ignored=M"
 * for route i: whether its answers are validated (permissive: and bogus
 * ones served; a run-time source's routing domain is not validated), how
 * many were bogus for want of RRSIGs in a signed zone, and how many came
 * from an upstream that ignored DO.
 */
static const char *
route_dnssec(const struct roostd *d, unsigned i, char *buf, size_t len)
{
	const struct trust *t = query_trust(d->qc);
	const char *mode = "validated";

	if (d->cfg->dnssec == CONFIG_DNSSEC_NO)
		mode = "off";
	else if (i > 0 && i <= d->cfg->nzone && d->cfg->zone[i - 1].runtime)
		mode = "unchecked";
	else if (d->cfg->dnssec == CONFIG_DNSSEC_PERMISSIVE)
		mode = "permissive";
	snprintf(buf, len,
	    " dnssec=%s stripped=%" PRIu64 " do_ignored=%" PRIu64, mode,
	    t != NULL ? trust_stripped(t, i) : 0,
	    t != NULL ? trust_do_ignored(t, i) : 0);
	return buf;
}

static void
op_upstream_text(void *arg, char *buf, size_t len, size_t *n)
{
	struct roostd *d = arg;
	struct stats_snapshot *st = snapshot(d);

	source_lines(d->base, d->sources, buf, len, n);
	char extra[64];

	for (unsigned i = 0; i < route_count(d->routes); i++)
		source_route_line(d->base, d->sources, d->cfg, i,
		    route_dnssec(d, i, extra, sizeof(extra)), buf, len, n);
	if (st != NULL)
		stats_upstream_lines(st, -1, buf, len, n);
	free(st);
}

/* Appends s to buf at *n as bufappend(), blanks, '\\' and other octets
 * outside '!'..'~' written \DDD (one word of a reply line). */
static void
append_word(char *buf, size_t len, size_t *n, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p > ' ' && *p < 0x7f && *p != '\\')
			bufappend(buf, len, n, "%c", *p);
		else
			bufappend(buf, len, n, "\\%03u", *p);
}

/*
 * "blocked NAME file=PATH line=N listed=LISTED" or "local NAME" when
 * roostd answers NAME's address questions itself.
 */
static void
here_line(struct roostd *d, const uint8_t *name, size_t name_len, char *buf,
    size_t len, size_t *n)
{
	enum query_here a =
	    query_ctx_answers_here(d->qc, name, name_len, WIRE_T_A);
	enum query_here aaaa =
	    query_ctx_answers_here(d->qc, name, name_len, WIRE_T_AAAA);
	struct block_set_why why;
	char text[WIRE_MAX_NAME_TEXT];

	wire_name_to_text(name, name_len, text, sizeof(text));
	if (a == QUERY_HERE_LOCAL || aaaa == QUERY_HERE_LOCAL) {
		bufappend(buf, len, n, "local %s\n", text);
	} else if (a == QUERY_HERE_BLOCKED &&
	    block_set_explain(d->blocks, name, name_len, &why)) {
		bufappend(buf, len, n, "blocked %s file=", text);
		append_word(buf, len, n, why.path);
		bufappend(buf, len, n, " line=%u listed=%s\n", why.line,
		    why.listed);
	}
}

/* "route NAME": what answers NAME here, the route NAME takes and its
 * servers. */
static void
op_route_text(void *arg, const uint8_t *name, size_t name_len, char *buf,
    size_t len, size_t *n)
{
	struct roostd *d = arg;
	struct stats_snapshot *st = snapshot(d);
	unsigned i = route_index(d->routes, name, name_len);

	char extra[64];

	here_line(d, name, name_len, buf, len, n);
	source_route_line(d->base, d->sources, d->cfg, i,
	    route_dnssec(d, i, extra, sizeof(extra)), buf, len, n);
	if (st != NULL)
		stats_upstream_lines(st, (int)i, buf, len, n);
	free(st);
}

static void
op_source_text(void *arg, const char *source, char *buf, size_t len, size_t *n)
{
	struct roostd *d = arg;
	const struct source *s = source_find(d->sources, source);

	if (s != NULL)
		source_line(s, buf, len, n);
}

/*
 * Puts l (a changed copy of d->sources, which it replaces: l is then
 * d's) in force.  Returns 0, or -1 with why in err, l freed and nothing
 * changed.
 */
static int
put_sources(struct roostd *d, struct source_list *l, char *err, size_t errlen)
{
	if (put_routing(d, d->base, l, err, errlen) != 0) {
		free(l);
		return -1;
	}
	free(d->sources);
	d->sources = l;
	return 0;
}

/* A copy of d->sources to change, or NULL with err. */
static struct source_list *
sources_copy(const struct roostd *d, char *err, size_t errlen)
{
	struct source_list *l = malloc(sizeof(*l));

	if (d->stopping)
		snprintf(err, errlen, "roostd is stopping");
	else if (l == NULL)
		snprintf(err, errlen, "out of memory");
	else {
		*l = *d->sources;
		return l;
	}
	free(l);
	return NULL;
}

/* Who sets sources of origin o, for messages. */
static const char *
origin_text(enum source_origin o)
{
	switch (o) {
	case SOURCE_CONTROL:
		return "the control socket";
	case SOURCE_DBUS:
		return "D-Bus";
	case SOURCE_NETWORKD:
		return "systemd-networkd";
	}
	return "?";
}

/*
 * Applies fields to the source called name (made if new, of origin o;
 * a link's, ifindex > 0, found by its origin and ifindex first) and puts
 * the result in force.  Returns 0, or -1 with why in err and nothing
 * changed.
 */
static int
set_source(struct roostd *d, enum source_origin o, int ifindex,
    const char *name, const char *const *fields, size_t nfields, char *err,
    size_t errlen)
{
	struct source_list *l = sources_copy(d, err, errlen);
	struct source *s = NULL;
	char line[4096];
	size_t n = 0;

	if (l == NULL)
		return -1;
	for (size_t i = 0; ifindex > 0 && i < l->n && s == NULL; i++)
		if (l->s[i].origin == o && l->s[i].ifindex == ifindex)
			s = &l->s[i];
	if (s == NULL && (s = source_get(l, name, o, err, errlen)) == NULL)
		goto fail;
	if (s->origin != o) {
		snprintf(err, errlen, "%s is set over %s", name,
		    origin_text(s->origin));
		goto fail;
	}
	s->ifindex = ifindex;
	for (size_t i = 0; i < nfields; i++)
		if (source_set_field(s, fields[i], err, errlen) != 0)
			goto fail;
	source_line(s, line, sizeof(line), &n);
	if (put_sources(d, l, err, errlen) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	log_info("routing: %s", line);
	return 0;
fail:
	free(l);
	return -1;
}

static int
op_upstream_set(void *arg, const char *source, const char *const *fields,
    size_t nfields, char *err, size_t errlen)
{
	return set_source(arg, SOURCE_CONTROL, 0, source, fields, nfields, err,
	    errlen);
}

static int
op_upstream_revert(void *arg, const char *source, char *err, size_t errlen)
{
	struct roostd *d = arg;
	struct source_list *l = sources_copy(d, err, errlen);

	if (l == NULL)
		return -1;
	if (source_remove(l, source) != 0) {
		snprintf(err, errlen, "no run-time source %.100s", source);
		free(l);
		return -1;
	}
	if (put_sources(d, l, err, errlen) != 0)
		return -1;
	log_info("routing: source %s removed", source);
	return 0;
}

/* --- links: D-Bus's and networkd's ----------------------------------------- */

/*
 * Applies fields to the source of origin o for link ifindex, named after
 * its interface (ifname), or after its index when that makes no source
 * name.  Returns as set_source().
 */
static int
set_link(struct roostd *d, enum source_origin o, int ifindex,
    const char *ifname, const char *const *fields, size_t nfields, char *err,
    size_t errlen)
{
	char name[SOURCE_NAME_MAX];

	snprintf(name, sizeof(name), "%s", ifname);
	if (source_name_check(name, err, errlen) != 0)
		snprintf(name, sizeof(name), "if%d", ifindex);
	return set_source(d, o, ifindex, name, fields, nfields, err, errlen);
}

/* Drops the source of origin o for link ifindex, if there is one. */
static void
revert_link(struct roostd *d, enum source_origin o, int ifindex)
{
	struct source_list *l;
	char err[512], name[SOURCE_NAME_MAX] = "";

	for (size_t i = 0; i < d->sources->n && name[0] == '\0'; i++)
		if (d->sources->s[i].origin == o &&
		    d->sources->s[i].ifindex == ifindex)
			memcpy(name, d->sources->s[i].name, sizeof(name));
	if (name[0] == '\0')
		return; /* nothing set on it */
	if ((l = sources_copy(d, err, sizeof(err))) == NULL) {
		log_warnx("%s: link %d: %s", origin_text(o), ifindex, err);
		return;
	}
	(void)source_remove(l, name);
	if (put_sources(d, l, err, sizeof(err)) != 0) {
		log_warnx("%s: link %d: cannot drop its servers: %s",
		    origin_text(o), ifindex, err);
		return;
	}
	log_info("routing: source %s (link %d) removed", name, ifindex);
}

/* --- D-Bus: resolve1's SetLink* calls --------------------------------------- */

static int
bus_link_set(void *arg, int ifindex, const char *ifname,
    const char *const *fields, size_t nfields, char *err, size_t errlen)
{
	return set_link(arg, SOURCE_DBUS, ifindex, ifname, fields, nfields, err,
	    errlen);
}

static void
bus_link_revert(void *arg, int ifindex)
{
	revert_link(arg, SOURCE_DBUS, ifindex);
}

static void
bus_flush_caches(void *arg)
{
	struct roostd *d = arg;

	cache_flush(query_cache(d->qc));
	log_info("D-Bus: FlushCaches: the cache is empty");
}

/* Fresh upstream sets for the same routes: SRTT, down marks, EDNS and
 * cookies learnt anew (requests in flight finish on the old ones). */
static void
bus_reset_server_features(void *arg)
{
	struct roostd *d = arg;
	struct route_table *routes;
	char err[512];

	if ((routes = route_table_new(d->loop, d->cfg, err, sizeof(err))) ==
	    NULL) {
		log_warnx("D-Bus: ResetServerFeatures: %s", err);
		return;
	}
	routes_put(d, routes, d->cfg);
	log_info("D-Bus: ResetServerFeatures: what was learnt of the "
		 "upstreams is forgotten");
}

/* With dbus = yes: resolve1 on the system bus (after dropping
 * privileges: the bus sees roostd's own user). */
static int
start_bus(struct roostd *d, char *err, size_t errlen)
{
	static const struct rdbus_ops ops0 = {
		.link_set = bus_link_set,
		.link_revert = bus_link_revert,
		.flush_caches = bus_flush_caches,
		.reset_server_features = bus_reset_server_features,
	};
	struct rdbus_ops ops = ops0;

	if (!d->cfg->dbus)
		return 0;
	ops.arg = d;
	d->bus = rdbus_new(d->loop, &ops, err, errlen);
	return d->bus != NULL ? 0 : -1;
}

/* --- systemd-networkd: its link state files ---------------------------------- */

static int
netif_link_set(void *arg, int ifindex, const char *ifname,
    const char *const *words, size_t nwords, char *err, size_t errlen)
{
	return set_link(arg, SOURCE_NETWORKD, ifindex, ifname, words, nwords,
	    err, errlen);
}

static void
netif_link_revert(void *arg, int ifindex)
{
	revert_link(arg, SOURCE_NETWORKD, ifindex);
}

/*
 * With networkd = yes: follows networkd's state files (after dropping
 * privileges, as their reader).  One that cannot be watched is a
 * warning: roostd runs without.
 */
static void
start_networkd(struct roostd *d)
{
	static const struct netif_ops ops0 = {
		.link_set = netif_link_set,
		.link_revert = netif_link_revert,
	};
	struct netif_ops ops = ops0;
	char err[512];

	if (!d->cfg->networkd)
		return;
	ops.arg = d;
	if ((d->netif = netif_watch_new(d->loop, d->cfg->networkd_state_dir,
		 &ops, err, sizeof(err))) == NULL)
		log_warnx("networkd: links not followed: %s", err);
}

/* SIGUSR1: the counters of `roost stats` in one log line, as dnsmasq
 * does. */
static void
on_sigusr1(void *arg, int signo)
{
	struct roostd *d = arg;
	struct stats_snapshot st;
	char line[8000]; /* the log cuts its lines at 8 KiB */

	(void)signo;
	stats_collect(d->qc, &st);
	(void)stats_line(&st, line, sizeof(line));
	log_info("stats: %s", line);
}

/* The STATUS= line: queries, cache hit rate, upstreams alive. */
static void
status_line(void *arg, char *buf, size_t buflen)
{
	struct roostd *d = arg;
	const struct query_stats *q = query_stats(d->qc);
	const struct cache_stats *c = cache_stats(query_cache(d->qc));
	uint64_t lookups = c->hits + c->misses;
	unsigned total = 0, alive = 0;

	for (unsigned i = 0; i < route_count(d->routes); i++) {
		unsigned t;

		alive += upstream_alive(route_set(d->routes, i), &t);
		total += t;
	}

	/* per mille, in integers: no float formatting on the hot loop */
	snprintf(buf, buflen,
	    "%" PRIu64 " queries, cache hit rate %" PRIu64 ".%" PRIu64
	    "%%, %u/%u upstreams alive, %u in flight",
	    q->udp + q->tcp, lookups ? c->hits * 100 / lookups : 0,
	    lookups ? c->hits * 1000 / lookups % 10 : 0, alive, total,
	    query_pending(d->qc));
	if (d->reload_failed) {
		size_t n = strlen(buf);

		snprintf(buf + n, buflen - n,
		    "; last reload failed, old configuration in force");
	}
}

/* dbus or networkd = yes and no server yet: why, and what roostd does
 * meanwhile. */
static void
no_upstream_yet(const struct config *c)
{
	struct config *tmp = malloc(sizeof(*tmp));
	char why[1024] = "none configured";
	const char *who = c->dbus && c->networkd ? "D-Bus, systemd-networkd"
	    : c->dbus                            ? "D-Bus"
						 : "systemd-networkd";

	if (tmp != NULL) {
		*tmp = *c;
		if (config_resolv_upstreams(tmp, why, sizeof(why)) == 0)
			snprintf(why, sizeof(why), "none yet");
		free(tmp);
	}
	log_warnx("no upstream yet (%s): every name not cached gets SERVFAIL "
		  "until %s or %s gives servers",
	    why, who, c->resolv_conf);
}

/* s for the log: server_str(), and its transport if TLS. */
static const char *
upstream_text(const struct server *s, char *buf, size_t len)
{
	size_t n;

	server_str(s, buf, len);
	n = strlen(buf);
	if (server_uses_tls(s))
		snprintf(buf + n, len - n, " (TLS, %s)",
		    server_tls_str((enum server_tls)s->tls));
	return buf;
}

static void
log_started(const struct config *c, bool from_systemd)
{
	char line[4096], a[SERVER_STRLEN + 32];
	size_t n = 0;

	for (size_t i = 0; i < c->nlisten && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "", addr_str(&c->listen[i], a, sizeof(a)));
	log_info("roostd %s: answering on %s (%s)", PACKAGE_VERSION, line,
	    from_systemd ? "sockets from systemd" : "udp, tcp");
	n = 0;
	for (size_t i = 0; i < c->nupstream && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "", upstream_text(&c->upstream[i], a, sizeof(a)));
	if (c->nupstream > 0)
		log_info("upstreams: %s", line);
	else
		no_upstream_yet(c);
	for (size_t z = 0; z < c->nzone; z++) {
		char zone[WIRE_MAX_NAME_TEXT];

		(void)wire_name_to_text(c->zone[z].name, c->zone[z].name_len,
		    zone, sizeof(zone));
		n = 0;
		for (size_t i = 0; i < c->zone[z].nserver && n < sizeof(line);
		     i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "%s%s", i ? " " : "",
			    upstream_text(&c->zone[z].server[i], a, sizeof(a)));
		log_info("forward-zone %s: %s", zone, line);
	}
}

/*
 * Creates the modules in order and binds the sockets (adopting systemd's
 * fds, which the listen set then owns: *nsdfds becomes 0), then drops
 * privileges, loads the cache file and tells systemd READY.  Returns
 * ROOSTD_EXIT_OK, or the exit status with the reason logged.
 */
static int
start(struct roostd *d, struct listen_fd *sdfds, size_t *nsdfds)
{
	char err[1024], buf[PERSIST_PATH_MAX];
	bool bad_config;

	if ((d->loop = loop_new()) == NULL) {
		log_err("event loop: %s", strerror(errno));
		return ROOSTD_EXIT_STARTUP;
	}
	loop_timer_init(&d->stop_timer, stop_now, d);
	if ((d->routes = route_table_new(d->loop, d->cfg, err, sizeof(err))) ==
	    NULL)
		goto startup;
	if ((d->qc = query_ctx_new(d->loop, d->cfg, d->routes)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto startup;
	}
	if ((d->local = local_set_new(d->loop, d->qc)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto startup;
	}
	if (local_set_apply(d->local, d->cfg, err, sizeof(err)) != 0)
		goto startup;
	if (query_ctx_set_dnssec(d->qc, d->cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return ROOSTD_EXIT_CONFIG;
	}
	if ((d->blocks = block_set_new(d->loop, d->qc)) == NULL ||
	    (d->qlog = qlog_new(d->loop, d->qc)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto startup;
	}
	qlog_set_mode(d->qlog, d->cfg->log_queries);
	if (block_set_apply(d->blocks, d->cfg, err, sizeof(err)) != 0)
		goto startup;
	if (*nsdfds > 0)
		d->ls = listen_set_adopt(d->loop, d->cfg, sdfds, *nsdfds,
		    query_receive, d->qc, err, sizeof(err));
	else
		d->ls = listen_set_new(d->loop, d->cfg, query_receive, d->qc,
		    err, sizeof(err));
	*nsdfds = 0; /* the set owns them now, or closed them */
	if (d->ls == NULL)
		goto startup;
	query_ctx_set_listen(d->qc, d->ls);
	if (start_control(d, err, sizeof(err)) != 0)
		goto startup;
	watch_resolv(d);
	if (priv_drop(d->cfg, &bad_config, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return bad_config ? ROOSTD_EXIT_CONFIG : ROOSTD_EXIT_STARTUP;
	}
	if (start_bus(d, err, sizeof(err)) != 0)
		goto startup;
	start_networkd(d);
	if (loop_signal_add(d->loop, SIGTERM, on_stop_signal, d) != 0 ||
	    loop_signal_add(d->loop, SIGINT, on_stop_signal, d) != 0 ||
	    loop_signal_add(d->loop, SIGHUP, on_sighup, d) != 0 ||
	    loop_signal_add(d->loop, SIGUSR1, on_sigusr1, d) != 0) {
		log_err("signals: %s", strerror(errno));
		return ROOSTD_EXIT_STARTUP;
	}
	if ((d->sd = rsd_new(d->loop, status_line, d)) == NULL) {
		log_err("systemd notification: %s", strerror(errno));
		return ROOSTD_EXIT_STARTUP;
	}
	log_started(d->cfg, d->args->nsd_listen > 0);
	/* as the user that will save it, before the first answer */
	persist_init(&d->persist, d->loop, query_cache(d->qc),
	    config_cache_file(d->cfg, getenv("STATE_DIRECTORY"), buf,
		sizeof(buf)));
	persist_load(&d->persist, d->cfg->dnssec != CONFIG_DNSSEC_NO);
	persist_arm(&d->persist, d->cfg->cache_save_interval_s);
	/* the sockets are bound and watched: what arrives from now on is
	 * answered by the first loop pass */
	rsd_ready(d->sd);
	return ROOSTD_EXIT_OK;
startup:
	log_err("%s", err);
	return ROOSTD_EXIT_STARTUP;
}

/*
 * Frees everything start() made, in order: queries (answered SERVFAIL
 * while sockets exist), then upstreams, then client sockets, then the
 * loop.
 */
static void
stop(struct roostd *d)
{
	debug_walk(d);
	if (d->loop != NULL)
		loop_timer_cancel(d->loop, &d->stop_timer);
	persist_free(&d->persist);
	if (d->sd != NULL && !d->stopping)
		rsd_stopping(d->sd, "stopping: start-up or loop failure");
	rsd_free(d->sd);
	control_free(d->ctl);
	rdbus_free(d->bus);
	netif_watch_free(d->netif);
	qlog_free(d->qlog);
	block_set_free(d->blocks); /* before the context they feed */
	local_set_free(d->local);
	query_ctx_free(d->qc);
	resolv_watch_free(d->watch);
	route_table_free(d->routes);
	route_table_free(d->retired);
	listen_set_free(d->ls);
	loop_free(d->loop);
	free(d->cfg);
	free(d->base);
	free(d->sources);
}

/*
 * glibc gives the top of the heap back to the kernel once 128 KiB of it
 * are free.  ldns takes two 64 KiB buffers to check each signature and
 * one to write a message, so a validated miss grew and shrank the heap
 * each time: brk and the page faults after it were a fifth of the
 * miss's CPU (bench/run --dnssec --perf).  Keeping up to 1 MiB free at
 * the top costs at most that much RSS.
 */
#define ROOSTD_TRIM_THRESHOLD (1 << 20)

int
main(int argc, char **argv)
{
	struct roostd d = { 0 };
	struct args a = { 0 };
	struct listen_fd sdfds[RSD_MAX_SOCKETS];
	size_t nsdfds = 0;
	char err[1024];
	int r, status = ROOSTD_EXIT_OK;
	struct sigaction sa = { .sa_handler = SIG_IGN };

	log_init("roostd", LOG_LEVEL_INFO);
	(void)mallopt(M_TRIM_THRESHOLD, ROOSTD_TRIM_THRESHOLD);
	if ((r = args_parse(argc, argv, &a)) != 0)
		return r > 0 ? ROOSTD_EXIT_OK : ROOSTD_EXIT_USAGE;
	if (!a.check &&
	    rsd_listen_fds(sdfds, RSD_MAX_SOCKETS, &nsdfds, a.sd_listen,
		&a.nsd_listen, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return ROOSTD_EXIT_STARTUP;
	}
	d.args = &a;
	if ((d.base = calloc(1, sizeof(*d.base))) == NULL ||
	    (d.cfg = calloc(1, sizeof(*d.cfg))) == NULL ||
	    (d.sources = calloc(1, sizeof(*d.sources))) == NULL) {
		log_err("out of memory");
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	if (args_build_config(&a, d.base, err, sizeof(err)) != 0) {
		log_err("%s", err);
		status = ROOSTD_EXIT_CONFIG;
		goto out;
	}
	if (a.check && check_anchors(d.base, err, sizeof(err)) != 0) {
		log_err("%s", err);
		status = ROOSTD_EXIT_CONFIG;
		goto out;
	}
	if (a.check) {
		printf("%s: configuration OK\n",
		    d.base->path[0] != '\0' ? d.base->path : "(defaults)");
		goto out;
	}
	*d.cfg = *d.base; /* no run-time source yet */
	log_set_level((enum log_level)d.cfg->log_level);
	/* a client that closed its TCP socket must not kill us */
	sigaction(SIGPIPE, &sa, NULL);
	if ((status = start(&d, sdfds, &nsdfds)) != ROOSTD_EXIT_OK)
		goto out;
	if (loop_run(d.loop) != 0) {
		log_warn("event loop");
		status = ROOSTD_EXIT_RUNTIME;
	}
	if (d.stopping)
		persist_final(&d.persist);
out:
	for (size_t i = 0; i < nsdfds; i++)
		close(sdfds[i].fd);
	stop(&d);
	if (status == ROOSTD_EXIT_OK && !a.check)
		log_info("stopped");
	return status;
}
