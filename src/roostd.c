/*
 * src/roostd.c - roostd's main: command line, configuration, start-up,
 * signals and shutdown.  The only place that exits the process.
 *
 * Invariant: after start-up nothing here blocks; everything runs from
 * the event loop, and SIGTERM/SIGINT end it within ROOSTD_STOP_GRACE_MS
 * plus one loop pass, with every query in flight answered or SERVFAILed.
 */
#define _GNU_SOURCE
#include <ares.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <ldns/ldns.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "config.h"
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

/* After a reload, the old upstream set lives until its requests end;
 * this often we look. */
#define ROOSTD_DRAIN_POLL_MS 50

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
	struct rsd *sd;
	struct loop_timer stop_timer;
	uint64_t stop_deadline;
	bool stopping;
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
	    "\n"
	    "Signals: SIGTERM or SIGINT stop roostd (queries in flight are "
	    "answered or\nget SERVFAIL first); SIGHUP reloads the "
	    "configuration (upstreams, TTL\nclamps, access rules, log level; "
	    "the cache is kept; a bad file is refused\nand the old "
	    "configuration stays); SIGUSR1 logs the counters (queries,\n"
	    "answers, cache).\n"
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
	    CONFIG_DEFAULT_STALE_LIMIT, CONFIG_DEFAULT_USER);
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
	query_ctx_set_config(d->qc, c);
	listen_set_limits(d->ls, c);
	log_set_level((enum log_level)c->log_level);
	free(d->cfg);
	d->cfg = c;
	return 0;
fail:
	free(c);
	return -1;
}

static void
on_sighup(void *arg, int signo)
{
	struct roostd *d = arg;
	char err[1024];

	(void)signo;
	if (d->stopping)
		return;
	rsd_reloading(d->sd);
	if (reload(d, err, sizeof(err)) != 0) {
		d->reload_failed = true;
		log_warnx("SIGHUP: reload failed, the configuration in force "
			  "stays: %s",
		    err);
	} else {
		d->reload_failed = false;
		log_info("SIGHUP: configuration reloaded from %s; the cache "
			 "is kept",
		    d->cfg->path[0] != '\0' ? d->cfg->path : "(defaults)");
		log_started(d->cfg, d->args->nsd_listen > 0);
	}
	rsd_ready(d->sd);
}

/* SIGUSR1: one line of counters to the log, as dnsmasq does. */
static void
on_sigusr1(void *arg, int signo)
{
	struct roostd *d = arg;
	const struct query_stats *q = query_stats(d->qc);
	const struct cache_stats *c = cache_stats(query_cache(d->qc));

	(void)signo;
	log_info("stats: queries udp=%" PRIu64 " tcp=%" PRIu64
		 " dropped=%" PRIu64 " truncated=%" PRIu64
		 "; answers noerror=%" PRIu64 " formerr=%" PRIu64
		 " servfail=%" PRIu64 " nxdomain=%" PRIu64 " notimp=%" PRIu64
		 " refused=%" PRIu64 "; cache hits=%" PRIu64 " misses=%" PRIu64
		 " stale=%" PRIu64 " prefetches=%" PRIu64 " coalesced=%" PRIu64
		 " evictions=%" PRIu64
		 " entries=%zu bytes=%zu budget=%u; inflight=%u",
	    q->udp, q->tcp, q->dropped, q->truncated, q->rcode[0], q->rcode[1],
	    q->rcode[2], q->rcode[3], q->rcode[4], q->rcode[5], c->hits,
	    c->misses, q->stale, q->prefetches, q->coalesced, c->evictions,
	    c->entries, c->bytes, d->cfg->cache_size, query_pending(d->qc));
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
	/* the sockets are bound and watched: what arrives from now on is
	 * answered by the first loop pass */
	rsd_ready(d.sd);
	if (loop_run(d.loop) != 0) {
		log_warn("event loop");
		status = ROOSTD_EXIT_RUNTIME;
	}
out:
	/* order: queries (answered SERVFAIL while sockets exist), then
	 * upstreams, then client sockets, then the loop */
	for (size_t i = 0; i < nsdfds; i++)
		close(sdfds[i].fd);
	if (d.loop != NULL) {
		loop_timer_cancel(d.loop, &d.stop_timer);
		loop_timer_cancel(d.loop, &d.drain_timer);
	}
	if (d.sd != NULL && !d.stopping)
		rsd_stopping(d.sd, "stopping: start-up or loop failure");
	rsd_free(d.sd);
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
