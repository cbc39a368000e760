/*
 * src/daemon/main.c - roostd's main: command line, configuration, start-up,
 * signals and shutdown.  The only place that exits the process.
 *
 * Invariant: after start-up nothing here blocks; everything runs from
 * the event loop, and SIGTERM/SIGINT end it within ROOSTD_STOP_GRACE_MS
 * plus one loop pass, with every query in flight answered or SERVFAILed.
 */
#define _GNU_SOURCE
#include <ares.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define ROOSTD_DEFAULT_CONFIG SYSCONFDIR "/roost/roostd.conf"

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

struct args;
struct config;
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

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: roostd [-c FILE] [-f] [--listen ADDR[#PORT]]... "
	    "[--upstream ADDR[#PORT]]... [-v]\n"
	    "              [--check-config] [--version] [--help] "
	    "[--OPTION VALUE]...\n");
}

static void
help(void)
{
	usage(stdout);
	printf(
	    "\n"
	    "roostd is a caching DNS forwarder for this machine: it answers "
	    "on loopback\nand forwards what it cannot answer to upstream "
	    "resolvers.\n"
	    "\n"
	    "  -c, --config FILE        configuration file (default %s;\n"
	    "                           a missing default file is fine)\n"
	    "  -f, --foreground         stay in the foreground, logging to "
	    "stderr (roostd\n"
	    "                           never forks; run it under systemd or "
	    "your shell)\n"
	    "  -v, --verbose            log every query (log-level debug)\n"
	    "      --check-config       check the configuration, print the "
	    "result and exit\n"
	    "      --version            print the version and the libraries' "
	    "versions\n"
	    "  -h, --help               this text\n"
	    "\n"
	    "Every option of the configuration file is also a flag and "
	    "overrides the\nfile (list options replace the file's list):\n"
	    "      --listen ADDR[#PORT]         where to answer, UDP and TCP "
	    "(repeatable;\n"
	    "                                   default 127.0.0.1#53 and "
	    "::1#53)\n"
	    "      --upstream ADDR[#PORT]       an upstream resolver "
	    "(repeatable; default:\n"
	    "                                   the nameservers of "
	    "resolv-conf)\n"
	    "      --allow SUBNET               clients allowed besides none "
	    "(repeatable;\n"
	    "                                   default 127.0.0.0/8 and "
	    "::1/128)\n"
	    "      --resolv-conf FILE           where default upstreams come "
	    "from (%s)\n"
	    "      --upstream-timeout MS        a try lasts SRTT plus this "
	    "(%u)\n"
	    "      --query-deadline MS          answer or SERVFAIL within "
	    "this (%u)\n"
	    "      --tcp-idle-timeout S         close idle TCP clients after "
	    "this (%u)\n"
	    "      --tcp-max-connections N      TCP clients at once (%u)\n"
	    "      --log-level LEVEL            error, warn, info or debug "
	    "(%s)\n"
	    "      --cache-size BYTES           the cache's budget in bytes "
	    "(%u)\n"
	    "      --min-ttl S                  keep answers at least this "
	    "long (%u)\n"
	    "      --max-ttl S                  keep answers at most this "
	    "long (%u)\n"
	    "      --max-negative-ttl S         keep NXDOMAIN/NODATA at most "
	    "this long (%u)\n"
	    "      --servfail-ttl S             remember that every upstream "
	    "failed (%u;\n"
	    "                                   0: off)\n"
	    "      --prefetch yes|no            refresh answers asked in the "
	    "last tenth of\n"
	    "                                   their life (%s)\n"
	    "      --minimal-responses yes|no   keep and serve only the "
	    "answer section of\n"
	    "                                   positive answers without DO "
	    "(%s)\n"
	    "      --serve-stale yes|no         serve expired answers when "
	    "every upstream\n"
	    "                                   fails (%s) ...\n"
	    "      --stale-limit S              ... expired at most this long "
	    "ago (%u)\n"
	    "      --user NAME                  started as root, run as NAME "
	    "once the\n"
	    "                                   sockets are bound (%s; root: "
	    "stay root)\n"
	    "      --cache-file PATH|none       save the cache there at "
	    "shutdown and every\n"
	    "                                   cache-save-interval, load it "
	    "at start (default:\n"
	    "                                   $STATE_DIRECTORY/cache under "
	    "systemd, else none)\n"
	    "      --cache-save-interval S      seconds between saves; 0: "
	    "only at shutdown (%u)\n"
	    "      --control-socket PATH|none   the socket of roost stats, "
	    "flush, dump and\n"
	    "                                   reload (%s)\n"
	    "      --dns0x20 yes|no             ask upstream in random letter "
	    "case, accept\n"
	    "                                   only answers in the same case "
	    "(%s)\n"
	    "\n"
	    "Signals: SIGTERM or SIGINT stop roostd (queries in flight are "
	    "answered or\nget SERVFAIL first); SIGHUP reloads the "
	    "configuration (upstreams, TTL\nclamps, access rules, log level; "
	    "the cache is kept; a bad file is refused\nand the old "
	    "configuration stays); SIGUSR1 logs the counters `roost stats`\n"
	    "shows (queries, answers, cache, fetches, upstreams).  With a "
	    "cache file,\nSIGTERM saves the cache first.\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, or --check-config passed; "
	    "1 failure while\nrunning; 2 bad command line; 3 bad "
	    "configuration; 4 cannot start (sockets).\n"
	    "See roostd(8) and roostd.conf(5).\n",
	    ROOSTD_DEFAULT_CONFIG, CONFIG_DEFAULT_RESOLV_CONF,
	    CONFIG_DEFAULT_UPSTREAM_TIMEOUT_MS,
	    CONFIG_DEFAULT_QUERY_DEADLINE_MS, CONFIG_DEFAULT_TCP_IDLE_TIMEOUT_S,
	    CONFIG_DEFAULT_TCP_MAX_CONNECTIONS,
	    CONFIG_DEFAULT_LOG_LEVEL == CONFIG_LOG_DEBUG      ? "debug"
		: CONFIG_DEFAULT_LOG_LEVEL == CONFIG_LOG_INFO ? "info"
		: CONFIG_DEFAULT_LOG_LEVEL == CONFIG_LOG_WARN ? "warn"
							      : "error",
	    (unsigned)CONFIG_DEFAULT_CACHE_SIZE, CONFIG_DEFAULT_MIN_TTL,
	    CONFIG_DEFAULT_MAX_TTL, CONFIG_DEFAULT_MAX_NEGATIVE_TTL,
	    CONFIG_DEFAULT_SERVFAIL_TTL, CONFIG_DEFAULT_PREFETCH ? "yes" : "no",
	    CONFIG_DEFAULT_MINIMAL_RESPONSES ? "yes" : "no",
	    CONFIG_DEFAULT_SERVE_STALE ? "yes" : "no",
	    CONFIG_DEFAULT_STALE_LIMIT, CONFIG_DEFAULT_USER,
	    CONFIG_DEFAULT_CACHE_SAVE_INTERVAL_S, CONFIG_DEFAULT_CONTROL_SOCKET,
	    CONFIG_DEFAULT_DNS0X20 ? "yes" : "no");
}

static void
version(void)
{
	printf("roostd %s\n", PACKAGE_VERSION);
	printf("c-ares %s, ldns %s (linked)\n", ares_version(NULL),
	    ldns_version());
	/* libsystemd has no run-time version call */
	printf("libsystemd %s (built against)\n", ROOST_LIBSYSTEMD_VERSION);
}

/* --- command line ------------------------------------------------------ */

enum {
	OPT_CHECK = 256,
	OPT_VERSION,
	OPT_SET, /* a config key: --KEY VALUE */
};

/* Long flags that are config keys, in config_set()'s spelling. */
static const char *const config_flags[] = {
	"listen",
	"upstream",
	"allow",
	"resolv-conf",
	"upstream-timeout",
	"query-deadline",
	"tcp-idle-timeout",
	"tcp-max-connections",
	"log-level",
	"cache-size",
	"min-ttl",
	"max-ttl",
	"max-negative-ttl",
	"servfail-ttl",
	"prefetch",
	"minimal-responses",
	"serve-stale",
	"stale-limit",
	"user",
	"cache-file",
	"cache-save-interval",
	"control-socket",
	"dns0x20",
};
#define NCONFIG_FLAGS (sizeof(config_flags) / sizeof(config_flags[0]))

struct flag_value {
	const char *key;
	const char *value;
};

struct args {
	const char *config_path;
	bool check;
	bool verbose;
	struct flag_value set[64];
	size_t nset;
	/* the addresses of the sockets systemd passed: they replace the
	 * listen list, so that the loop check of config_finish() sees
	 * where roostd really answers */
	struct config_addr sd_listen[CONFIG_MAX_LISTEN];
	size_t nsd_listen;
};

/* Returns -1 (usage printed), 0 to go on, 1 to exit 0 (help/version). */
static int
parse_args(int argc, char **argv, struct args *a)
{
	struct option opts[8 + NCONFIG_FLAGS + 1] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "version", no_argument, NULL, OPT_VERSION },
	};
	size_t n = 6;
	int ch, idx;

	for (size_t i = 0; i < NCONFIG_FLAGS; i++)
		opts[n++] = (struct option){ config_flags[i], required_argument,
			NULL, OPT_SET };
	opts[n] = (struct option){ 0 };
	while ((ch = getopt_long(argc, argv, "c:fvh", opts, &idx)) != -1) {
		switch (ch) {
		case 'c':
			a->config_path = optarg;
			break;
		case 'f':
			break; /* always: roostd never forks */
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			help();
			return 1;
		case OPT_CHECK:
			a->check = true;
			break;
		case OPT_VERSION:
			version();
			return 1;
		case OPT_SET:
			if (a->nset == sizeof(a->set) / sizeof(a->set[0])) {
				fprintf(stderr, "roostd: too many options\n");
				return -1;
			}
			a->set[a->nset].key = opts[idx].name;
			a->set[a->nset].value = optarg;
			a->nset++;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "roostd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/*
 * Builds the configuration: defaults, the file, then the flags (a list
 * flag replaces the file's list).  Returns 0, or -1 with err filled.
 */
static int
build_config(const struct args *a, struct config *c, char *err, size_t errlen)
{
	const char *path =
	    a->config_path != NULL ? a->config_path : ROOSTD_DEFAULT_CONFIG;
	bool cleared[NCONFIG_FLAGS] = { false };
	char why[400];

	config_defaults(c);
	if (config_load_file(c, path, a->config_path == NULL, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < a->nset; i++) {
		for (size_t k = 0; k < NCONFIG_FLAGS; k++)
			if (strcmp(config_flags[k], a->set[i].key) == 0 &&
			    !cleared[k]) {
				(void)config_clear_list(c, a->set[i].key);
				cleared[k] = true;
			}
		if (config_set(c, a->set[i].key, a->set[i].value, why,
			sizeof(why)) != 0) {
			/* why names the key and the value already */
			snprintf(err, errlen, "command line: --%s", why);
			return -1;
		}
	}
	if (a->verbose)
		c->log_level = CONFIG_LOG_DEBUG;
	if (a->nsd_listen > 0) {
		memcpy(c->listen, a->sd_listen,
		    a->nsd_listen * sizeof(c->listen[0]));
		c->nlisten = a->nsd_listen;
	}
	return config_finish(c, err, errlen);
}

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
	if (build_config(d->args, c, err, errlen) != 0)
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
	if ((r = parse_args(argc, argv, &a)) != 0)
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
	if (build_config(&a, d.cfg, err, sizeof(err)) != 0) {
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
