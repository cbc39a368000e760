/*
 * src/daemon/main.c - roostd's main: command line, configuration, start-up,
 * signals and shutdown.  The only place that exits the process.
 *
 * Invariant: after start-up nothing here blocks; everything runs from
 * the event loop, and SIGTERM/SIGINT end it within ROOSTD_STOP_GRACE_MS
 * plus one loop pass, with every query in flight answered or SERVFAILed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "autoconf.h"
#include "cachefile.h"
#include "config.h"
#include "control.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "query.h"
#include "sd.h"
#include "upstream.h"

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
#define ROOSTD_STOP_POLL_MS 10

static void log_started(const struct config *c, bool from_systemd);
static int control_reload(void *arg, char *err, size_t errlen);

/* After a reload, the old upstream set lives until its requests end;
 * this often we look. */
#define ROOSTD_DRAIN_POLL_MS 50

/* A save copies this many hash buckets of the cache per loop pass (about
 * half as many entries when full: well under a millisecond), then a
 * thread writes the copy (tests/tools/cachefile_tool bench measures). */
#define ROOSTD_SAVE_SLICE 1024

/* A snapshot being written to disk by its own thread. */
struct roostd_saver {
	pthread_t thread;
	struct cachefile_snap *snap; /* owned */
	char path[CONFIG_PATH_MAX + 16];
	int done[2]; /* the thread writes one byte to done[1] at the end */
	uint64_t started_ms;
	/* the thread's results, read once done[0] is readable */
	int rc;
	struct cachefile_result res;
	char err[CONFIG_PATH_MAX + 256];
};

struct roostd {
	struct loop *loop;
	struct config *cfg; /* in force; a reload replaces it whole */
	const struct args *args;
	struct upstream_set *up;
	struct upstream_set *retired; /* replaced by a reload, draining */
	struct loop_timer drain_timer;
	bool reload_failed; /* the last reload was refused */
	struct listen_set *ls;
	struct query_ctx *qc;
	struct control *ctl;
	struct rsd *sd;
	struct loop_timer stop_timer;
	uint64_t stop_deadline;
	bool stopping;
	/* warm restarts: where the cache is saved ("" for nowhere), the
	 * periodic save, a snapshot being copied, one being written */
	char cache_path[CONFIG_PATH_MAX + 16];
	struct loop_timer save_timer;
	struct loop_timer slice_timer;
	struct cachefile_snap *snap;
	uint64_t snap_started_ms;
	struct roostd_saver *saver;
};

/* --- privileges ------------------------------------------------------- */

/*
 * Started as root: become c->user (its uid and primary group, no
 * supplementary groups) for good, after the sockets are bound.  With
 * setresuid() every saved id goes too, and the kernel clears the
 * permitted and effective capabilities (no SECBIT_KEEP_CAPS).  Returns 0
 * (also when not root, or user is "root"), or -1 with err filled; *exit
 * gets the exit status for main.
 */
static int
drop_privileges(const struct config *c, int *exitcode, char *err, size_t errlen)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if (strcmp(c->user, "root") == 0) {
		log_warnx("running as root (user = root): a bug in roostd "
			  "would be a bug with root's rights");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(c->user)) == NULL) {
		*exitcode = ROOSTD_EXIT_CONFIG;
		snprintf(err, errlen,
		    "user \"%s\" %s: create it (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s) or set "
		    "\"user\" in the configuration",
		    c->user, errno != 0 ? strerror(errno) : "does not exist",
		    c->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		*exitcode = ROOSTD_EXIT_CONFIG;
		snprintf(err, errlen,
		    "user \"%s\" has uid 0: roostd would keep root; name "
		    "an unprivileged user",
		    c->user);
		return -1;
	}
	*exitcode = ROOSTD_EXIT_STARTUP;
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "cannot switch to user \"%s\": %s",
		    c->user, strerror(errno));
		return -1;
	}
	/* never go on if root could come back */
	if (setuid(0) == 0 || seteuid(0) == 0 || geteuid() == 0 ||
	    getuid() == 0) {
		snprintf(err, errlen,
		    "switched to user \"%s\" but could regain root", c->user);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", c->user, (unsigned)uid,
	    (unsigned)gid);
	return 0;
}

/* --- warm restarts: the cache file --------------------------------------- */

static uint64_t
wall_now(void)
{
	time_t t = time(NULL);

	return t > 0 ? (uint64_t)t : 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/*
 * Loads the cache file into the cache, before READY: a missing file is a
 * cold start, a bad one too, with one line saying why.
 */
static void
cache_file_load(struct roostd *d)
{
	struct cachefile_result r;
	char err[CONFIG_PATH_MAX + 256];
	uint64_t t0 = mono_ms();
	int rc;

	if (d->cache_path[0] == '\0') {
		log_debug("no cache file: the cache starts empty and is not "
			  "saved");
		return;
	}
	/* what an interrupted save left (a crash, kill -9) */
	snprintf(err, sizeof(err), "%s.tmp", d->cache_path);
	if (unlink(err) == 0)
		log_debug("cache file: removed %s, left by an interrupted save",
		    err);
	rc = cachefile_load(query_cache(d->qc), d->cache_path,
	    (uint32_t)loop_now(d->loop), wall_now(), &r, err, sizeof(err));
	if (rc == 0)
		log_info("cache file %s: none yet, starting cold",
		    d->cache_path);
	else if (rc < 0)
		log_warnx("cache file ignored, starting cold: %s", err);
	else
		log_info("cache file %s: loaded %" PRIu64 " entries of %" PRIu64
			 " (%" PRIu64 " expired or refused), %" PRIu64
			 " s after the save, in %" PRIu64 " ms",
		    d->cache_path, r.restored, r.entries, r.dropped, r.downtime,
		    mono_ms() - t0);
}

/* The writer thread: touches the snapshot, the file system, its saver. */
static void *
saver_run(void *arg)
{
	struct roostd_saver *sv = arg;
	const uint8_t one = 1;
	ssize_t n;

	sv->rc = cachefile_snap_write(sv->snap, sv->path, &sv->res, sv->err,
	    sizeof(sv->err));
	do
		n = write(sv->done[1], &one, 1);
	while (n < 0 && errno == EINTR);
	return NULL;
}

/* Joins the writer (at once when it is done), logs, frees.  */
static void
saver_finish(struct roostd *d, bool final)
{
	struct roostd_saver *sv = d->saver;

	if (sv == NULL)
		return;
	pthread_join(sv->thread, NULL);
	loop_fd_del(d->loop, sv->done[0]);
	close(sv->done[0]);
	close(sv->done[1]);
	if (sv->rc != 0)
		log_warnx("cache not saved: %s", sv->err);
	else if (final)
		log_info("cache saved to %s: %" PRIu64 " entries, %" PRIu64
			 " bytes",
		    sv->path, sv->res.entries, sv->res.bytes);
	else
		log_debug("cache saved to %s: %" PRIu64 " entries, %" PRIu64
			  " bytes, in %" PRIu64 " ms",
		    sv->path, sv->res.entries, sv->res.bytes,
		    mono_ms() - sv->started_ms);
	cachefile_snap_free(sv->snap);
	free(sv);
	d->saver = NULL;
}

static void
saver_done(void *arg, int fd, unsigned events)
{
	struct roostd *d = arg;

	(void)fd;
	(void)events;
	saver_finish(d, false);
}

/* Hands the finished snapshot to a writer thread. */
static void
saver_start(struct roostd *d)
{
	struct roostd_saver *sv = calloc(1, sizeof(*sv));
	sigset_t all, old;
	int e;

	if (sv == NULL) {
		log_warnx("cache not saved: out of memory");
		goto fail;
	}
	sv->snap = d->snap;
	sv->started_ms = d->snap_started_ms;
	snprintf(sv->path, sizeof(sv->path), "%s", d->cache_path);
	if (pipe2(sv->done, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_warn("cache not saved: pipe");
		goto fail;
	}
	if (loop_fd_add(d->loop, sv->done[0], LOOP_READ, saver_done, d) != 0) {
		log_warn("cache not saved: event loop");
		goto fail_pipe;
	}
	/* signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&sv->thread, NULL, saver_run, sv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("cache not saved: thread");
		loop_fd_del(d->loop, sv->done[0]);
		goto fail_pipe;
	}
	d->snap = NULL; /* the saver has it */
	d->saver = sv;
	return;
fail_pipe:
	close(sv->done[0]);
	close(sv->done[1]);
fail:
	free(sv);
	cachefile_snap_free(d->snap);
	d->snap = NULL;
}

/* One slice of the snapshot per loop pass; the writer once complete. */
static void
save_slice(void *arg)
{
	struct roostd *d = arg;
	int r;

	if (d->snap == NULL)
		return;
	r = cachefile_snap_step(d->snap, query_cache(d->qc), ROOSTD_SAVE_SLICE,
	    (uint32_t)loop_now(d->loop));
	if (r == 0) {
		(void)loop_timer_set(d->loop, &d->slice_timer, 0);
		return;
	}
	if (r < 0) {
		log_warn("cache not saved: snapshot");
		cachefile_snap_free(d->snap);
		d->snap = NULL;
		return;
	}
	saver_start(d);
}

/* Starts a save unless one is in flight. */
static void
save_begin(struct roostd *d)
{
	if (d->cache_path[0] == '\0' || d->stopping)
		return;
	if (d->snap != NULL || d->saver != NULL) {
		log_debug("cache save: the previous one is still running");
		return;
	}
	if ((d->snap = cachefile_snap_new((uint32_t)loop_now(d->loop),
		 wall_now())) == NULL) {
		log_warnx("cache not saved: out of memory");
		return;
	}
	d->snap_started_ms = mono_ms();
	save_slice(d);
}

/* Arms the periodic save (cache-save-interval; 0: none). */
static void
save_timer_arm(struct roostd *d)
{
	loop_timer_cancel(d->loop, &d->save_timer);
	if (d->cache_path[0] != '\0' && d->cfg->cache_save_interval_s > 0)
		(void)loop_timer_set(d->loop, &d->save_timer,
		    (uint64_t)d->cfg->cache_save_interval_s * 1000);
}

static void
save_tick(void *arg)
{
	struct roostd *d = arg;

	save_begin(d);
	save_timer_arm(d);
}

/*
 * At a clean stop: waits for a writer in flight, drops a snapshot being
 * copied, and saves the whole cache as it is now, here (the loop is
 * over; this takes about a second for 1M entries).
 */
static void
save_final(struct roostd *d)
{
	struct cachefile_result r;
	char err[CONFIG_PATH_MAX + 256];
	uint64_t t0 = mono_ms();

	if (d->cache_path[0] == '\0')
		return;
	loop_timer_cancel(d->loop, &d->slice_timer);
	cachefile_snap_free(d->snap);
	d->snap = NULL;
	saver_finish(d, false);
	if (cachefile_save(query_cache(d->qc), d->cache_path,
		(uint32_t)loop_now(d->loop), wall_now(), &r, err,
		sizeof(err)) != 0) {
		log_warnx("cache not saved: %s", err);
		return;
	}
	log_info("cache saved to %s: %" PRIu64 " entries, %" PRIu64
		 " bytes, in %" PRIu64 " ms",
	    d->cache_path, r.entries, r.bytes, mono_ms() - t0);
}

/*
 * Creates the control socket, before privileges are dropped: started as
 * root to become another user, the socket is given to that user and its
 * group.  Returns 0 (also with no socket), or -1 with err filled.
 */
static int
start_control(struct roostd *d, char *err, size_t errlen)
{
	static const struct control_ops ops0 = { .reload = control_reload };
	struct control_ops ops = ops0;
	struct passwd *pw = NULL;

	ops.arg = d;
	/* an unknown user is reported by drop_privileges() */
	if (geteuid() == 0 && strcmp(d->cfg->user, "root") != 0)
		pw = getpwnam(d->cfg->user);
	return control_new(d->loop, d->cfg, d->qc, &ops, pw != NULL,
	    pw != NULL ? pw->pw_uid : 0, pw != NULL ? pw->pw_gid : 0, &d->ctl,
	    err, errlen);
}

/* --- running ------------------------------------------------------------ */

static void
stop_poll(void *arg)
{
	struct roostd *d = arg;

	if (query_pending(d->qc) > 0 &&
	    loop_now_ms(d->loop) < d->stop_deadline) {
		(void)loop_timer_set(d->loop, &d->stop_timer,
		    ROOSTD_STOP_POLL_MS);
		return;
	}
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
	d->stop_deadline = loop_now_ms(d->loop) + ROOSTD_STOP_GRACE_MS;
	stop_poll(d);
}

/* Frees the retired upstream set once its last request has ended. */
static void
drain_poll(void *arg)
{
	struct roostd *d = arg;

	if (d->retired == NULL)
		return;
	if (upstream_inflight(d->retired) > 0) {
		(void)loop_timer_set(d->loop, &d->drain_timer,
		    ROOSTD_DRAIN_POLL_MS);
		return;
	}
	upstream_set_free(d->retired);
	d->retired = NULL;
	log_debug("reload: the old upstreams have drained");
}

static bool
same_upstreams(const struct config *a, const struct config *b)
{
	if (a->nupstream != b->nupstream ||
	    a->upstream_timeout_ms != b->upstream_timeout_ms ||
	    a->query_deadline_ms != b->query_deadline_ms)
		return false;
	for (size_t i = 0; i < a->nupstream; i++)
		if (a->upstream[i].len != b->upstream[i].len ||
		    memcmp(&a->upstream[i].ss, &b->upstream[i].ss,
			a->upstream[i].len) != 0)
			return false;
	return true;
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
 * Builds and checks the new configuration and, if it is good, puts it in
 * force: upstreams (a new set when they changed), TTL clamps, access
 * rules, log level, TCP limits.  The cache is kept.  Returns 0, or -1
 * with the reason in err and the old configuration still in force.
 */
static int
reload(struct roostd *d, char *err, size_t errlen)
{
	struct config *c = calloc(1, sizeof(*c));
	struct upstream_set *up = NULL;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (args_build_config(d->args, c, err, errlen) != 0)
		goto fail;
	if (!same_upstreams(d->cfg, c) &&
	    (up = upstream_set_new(d->loop, c, err, errlen)) == NULL)
		goto fail;
	/* nothing can fail from here on */
	if (up != NULL) {
		/* Requests in flight stay with the old set and are answered
		 * by it; only one old set drains at a time, so a second
		 * reload within query-deadline ends the older set's
		 * requests (its clients get SERVFAIL, or stale answers). */
		if (d->retired != NULL) {
			log_info("reload: ending %u upstream requests of the "
				 "previous configuration",
			    upstream_inflight(d->retired));
			upstream_set_free(d->retired);
		}
		d->retired = d->up;
		d->up = up;
		query_ctx_set_upstream(d->qc, up);
		drain_poll(d);
	}
	if (c->cache_size != d->cfg->cache_size)
		log_warnx("reload: cache-size changes on restart only; "
			  "keeping %u bytes",
		    d->cfg->cache_size);
	c->cache_size = d->cfg->cache_size;
	if (!same_listen(d->cfg, c))
		log_warnx("reload: listen changes on restart only; keeping "
			  "the sockets open now");
	if (strcmp(c->user, d->cfg->user) != 0)
		log_warnx("reload: user changes on restart only");
	if (strcmp(c->cache_file, d->cfg->cache_file) != 0)
		log_warnx("reload: cache-file changes on restart only");
	memcpy(c->cache_file, d->cfg->cache_file, sizeof(c->cache_file));
	if (strcmp(c->control_socket, d->cfg->control_socket) != 0)
		log_warnx("reload: control-socket changes on restart only");
	query_ctx_set_config(d->qc, c);
	listen_set_limits(d->ls, c);
	log_set_level((enum log_level)c->log_level);
	free(d->cfg);
	d->cfg = c;
	save_timer_arm(d); /* cache-save-interval may have changed */
	return 0;
fail:
	free(c);
	return -1;
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

/* SIGUSR1: the counters of `roost stats` in one log line, as dnsmasq
 * does. */
static void
on_sigusr1(void *arg, int signo)
{
	struct roostd *d = arg;
	struct control_stats st;
	char line[4096];

	(void)signo;
	control_stats_collect(d->qc, &st);
	(void)control_stats_line(&st, line, sizeof(line));
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
	unsigned total, alive = upstream_alive(d->up, &total);

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

static void
log_started(const struct config *c, bool from_systemd)
{
	char line[1024], a[80];
	size_t n = 0;

	for (size_t i = 0; i < c->nlisten && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "", config_addr_str(&c->listen[i], a, sizeof(a)));
	log_info("roostd %s: answering on %s (%s)", PACKAGE_VERSION, line,
	    from_systemd ? "sockets from systemd" : "udp, tcp");
	n = 0;
	for (size_t i = 0; i < c->nupstream && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "",
		    config_addr_str(&c->upstream[i], a, sizeof(a)));
	log_info("upstreams: %s", line);
}

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
	if ((r = args_parse(argc, argv, &a)) != 0)
		return r > 0 ? ROOSTD_EXIT_OK : ROOSTD_EXIT_USAGE;
	if (!a.check &&
	    rsd_listen_fds(sdfds, RSD_MAX_SOCKETS, &nsdfds, a.sd_listen,
		&a.nsd_listen, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return ROOSTD_EXIT_STARTUP;
	}
	d.args = &a;
	if ((d.cfg = calloc(1, sizeof(*d.cfg))) == NULL) {
		log_err("out of memory");
		return ROOSTD_EXIT_STARTUP;
	}
	if (args_build_config(&a, d.cfg, err, sizeof(err)) != 0) {
		log_err("%s", err);
		status = ROOSTD_EXIT_CONFIG;
		goto out;
	}
	if (a.check) {
		printf("%s: configuration OK\n",
		    d.cfg->path[0] != '\0' ? d.cfg->path : "(defaults)");
		goto out;
	}
	log_set_level((enum log_level)d.cfg->log_level);
	/* a client that closed its TCP socket must not kill us */
	sigaction(SIGPIPE, &sa, NULL);

	if ((d.loop = loop_new()) == NULL) {
		log_err("event loop: %s", strerror(errno));
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	loop_timer_init(&d.stop_timer, stop_poll, &d);
	loop_timer_init(&d.drain_timer, drain_poll, &d);
	loop_timer_init(&d.save_timer, save_tick, &d);
	loop_timer_init(&d.slice_timer, save_slice, &d);
	if ((d.up = upstream_set_new(d.loop, d.cfg, err, sizeof(err))) ==
	    NULL) {
		log_err("%s", err);
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	if ((d.qc = query_ctx_new(d.loop, d.cfg, d.up)) == NULL) {
		log_err("out of memory");
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	if (nsdfds > 0)
		d.ls = listen_set_adopt(d.loop, d.cfg, sdfds, nsdfds,
		    query_receive, d.qc, err, sizeof(err));
	else
		d.ls = listen_set_new(d.loop, d.cfg, query_receive, d.qc, err,
		    sizeof(err));
	nsdfds = 0; /* the set owns them now, or closed them */
	if (d.ls == NULL) {
		log_err("%s", err);
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	query_ctx_set_listen(d.qc, d.ls);
	if (start_control(&d, err, sizeof(err)) != 0) {
		log_err("%s", err);
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	if (drop_privileges(d.cfg, &r, err, sizeof(err)) != 0) {
		log_err("%s", err);
		status = r;
		goto out;
	}
	if (loop_signal_add(d.loop, SIGTERM, on_stop_signal, &d) != 0 ||
	    loop_signal_add(d.loop, SIGINT, on_stop_signal, &d) != 0 ||
	    loop_signal_add(d.loop, SIGHUP, on_sighup, &d) != 0 ||
	    loop_signal_add(d.loop, SIGUSR1, on_sigusr1, &d) != 0) {
		log_err("signals: %s", strerror(errno));
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	if ((d.sd = rsd_new(d.loop, status_line, &d)) == NULL) {
		log_err("systemd notification: %s", strerror(errno));
		status = ROOSTD_EXIT_STARTUP;
		goto out;
	}
	log_started(d.cfg, a.nsd_listen > 0);
	/* as the user that will save it, before the first answer */
	{
		char buf[sizeof(d.cache_path)];
		const char *p = config_cache_file(d.cfg,
		    getenv("STATE_DIRECTORY"), buf, sizeof(buf));

		if (p != NULL)
			snprintf(d.cache_path, sizeof(d.cache_path), "%s", p);
	}
	cache_file_load(&d);
	save_timer_arm(&d);
	/* the sockets are bound and watched: what arrives from now on is
	 * answered by the first loop pass */
	rsd_ready(d.sd);
	if (loop_run(d.loop) != 0) {
		log_warn("event loop");
		status = ROOSTD_EXIT_RUNTIME;
	}
	if (d.stopping)
		save_final(&d);
out:
	/* order: queries (answered SERVFAIL while sockets exist), then
	 * upstreams, then client sockets, then the loop */
	for (size_t i = 0; i < nsdfds; i++)
		close(sdfds[i].fd);
	if (d.loop != NULL) {
		loop_timer_cancel(d.loop, &d.stop_timer);
		loop_timer_cancel(d.loop, &d.drain_timer);
		loop_timer_cancel(d.loop, &d.save_timer);
		loop_timer_cancel(d.loop, &d.slice_timer);
	}
	saver_finish(&d, false);
	cachefile_snap_free(d.snap);
	if (d.sd != NULL && !d.stopping)
		rsd_stopping(d.sd, "stopping: start-up or loop failure");
	rsd_free(d.sd);
	control_free(d.ctl);
	query_ctx_free(d.qc);
	upstream_set_free(d.up);
	upstream_set_free(d.retired);
	listen_set_free(d.ls);
	loop_free(d.loop);
	free(d.cfg);
	if (status == ROOSTD_EXIT_OK && !a.check)
		log_info("stopped");
	return status;
}
