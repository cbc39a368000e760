/*
 * src/client/client_control.c - `roost stats|flush|dump|reload`: ask a running
 * roostd over its control socket (the protocol is in
 * control.h) and show the reply as a table, JSON or Prometheus
 * text.
 *
 * The daemon sends plain "KEY VALUE" and entry lines; every rendering
 * is done here.  A reply is read line by line as it comes (a dump of a
 * large cache is never held whole).  Owns: the socket and its FILE,
 * closed before each main returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "client.h"
#include "client_json.h"

#ifndef CLIENT_CONTROL_DEFAULT
#define CLIENT_CONTROL_DEFAULT "/run/roost/control"
#endif
/* roostd answers within a loop pass; a reply that stalls this long
 * (between two reads) is given up on */
#define CLIENT_CONTROL_TIMEOUT_S 10
#define CLIENT_CONTROL_MAX_STATS 128 /* stats lines kept for rendering */
#define CLIENT_CONTROL_MAX_UPSTREAMS 16

const char *client_control_path = NULL;

enum output {
	OUT_TEXT,
	OUT_JSON,
	OUT_PROMETHEUS,
};

/* --- talking to roostd --------------------------------------------------- */

struct conn {
	const char *path;
	const char *cmd;
	FILE *f;
};

/*
 * Connects, sends request, and reads the status line.  Returns
 * CLIENT_EXIT_ANSWER with c->f ready for the data lines, or another
 * status with the error printed (nothing left open).
 */
static int
conn_open(struct conn *c, const char *request)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_CONTROL_TIMEOUT_S };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd;

	c->f = NULL;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		fprintf(stderr,
		    "%s: %s: control socket path too long (%zu characters; "
		    "a unix socket path has at most %zu): %s\n",
		    client_progname, c->cmd, strlen(c->path),
		    sizeof(sun.sun_path) - 1, c->path);
		return CLIENT_EXIT_USAGE;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fprintf(stderr, "%s: %s: socket: %s\n", client_progname, c->cmd,
		    strerror(errno));
		return CLIENT_EXIT_FAIL;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		fprintf(stderr, "%s: %s: cannot reach roostd at %s: %s%s\n",
		    client_progname, c->cmd, c->path, strerror(e),
		    e == EACCES || e == EPERM
			? " (only root, roostd's user and its group may use "
			  "it)"
			: e == ENOENT || e == ECONNREFUSED
			? " (is roostd running? its control-socket, or "
			  "--control PATH)"
			: "");
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) !=
	    (ssize_t)strlen(request)) {
		fprintf(stderr, "%s: %s: cannot send to roostd at %s: %s\n",
		    client_progname, c->cmd, c->path, strerror(errno));
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	if ((c->f = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", client_progname, c->cmd,
		    strerror(errno));
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	n = getline(&line, &cap, c->f);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n >= 0 && strcmp(line, "ok") == 0) {
		free(line);
		return CLIENT_EXIT_ANSWER;
	}
	if (n > 6 && strncmp(line, "error ", 6) == 0)
		fprintf(stderr, "%s: %s: roostd at %s: %s\n", client_progname,
		    c->cmd, c->path, line + 6);
	else
		fprintf(stderr, "%s: %s: no reply from roostd at %s%s%s\n",
		    client_progname, c->cmd, c->path,
		    n < 0 && errno != 0 ? ": " : "",
		    n < 0 && errno != 0 ? strerror(errno) : "");
	free(line);
	fclose(c->f);
	c->f = NULL;
	return CLIENT_EXIT_FAIL;
}

/*
 * The next data line into *line (without its LF).  Returns 1, 0 at the
 * terminator, -1 if the reply was cut short (error printed).
 */
static int
conn_line(struct conn *c, char **line, size_t *cap)
{
	ssize_t n;

	errno = 0;
	n = getline(line, cap, c->f);
	if (n <= 0 || (*line)[n - 1] != '\n') {
		fprintf(stderr, "%s: %s: roostd's reply was cut short%s%s\n",
		    client_progname, c->cmd, errno != 0 ? ": " : "",
		    errno != 0 ? strerror(errno) : "");
		return -1;
	}
	(*line)[n - 1] = '\0';
	return strcmp(*line, ".") == 0 ? 0 : 1;
}

static void
conn_close(struct conn *c)
{
	if (c->f != NULL)
		fclose(c->f);
	c->f = NULL;
}

/* --- command lines ------------------------------------------------------- */

enum {
	OPT_CONTROL = 256,
	OPT_PROMETHEUS,
	OPT_ZONE,
};

struct opts {
	enum output out;
	const char *zone;
	const char *path;
};

static void
control_usage(FILE *f, const char *cmd)
{
	if (strcmp(cmd, "stats") == 0)
		fprintf(f,
		    "usage: roost stats [--json|--prometheus] [--control "
		    "PATH]\n"
		    "roostd's counters: queries by transport, answers by "
		    "rcode, the cache,\n"
		    "fetches in flight, and per upstream queries, failures, "
		    "timeouts,\n"
		    "smoothed RTT and RTT percentiles (p50, p90, p99).\n"
		    "\n"
		    "  -j, --json          one JSON document\n"
		    "      --prometheus    the Prometheus text exposition "
		    "format (metrics\n"
		    "                      roost_*), e.g. for node_exporter's "
		    "textfile collector\n");
	else if (strcmp(cmd, "flush") == 0)
		fprintf(f,
		    "usage: roost flush [NAME | --zone SUFFIX] [--control "
		    "PATH]\n"
		    "Remove answers from roostd's cache: everything, every "
		    "type of one NAME\n"
		    "(with DO and CD variants), or with --zone everything at "
		    "or below SUFFIX.\n"
		    "Prints how many entries went.\n"
		    "\n"
		    "  -z, --zone SUFFIX   the names at or below SUFFIX\n");
	else if (strcmp(cmd, "dump") == 0)
		fprintf(f,
		    "usage: roost dump [--json] [--control PATH]\n"
		    "List roostd's cache: name, type, remaining TTL, rcode, "
		    "size in bytes and\n"
		    "flags (do, cd: the key's DO and CD bits; stale: past "
		    "its TTL, kept for\n"
		    "serve-stale), in the cache's own order.\n"
		    "\n"
		    "  -j, --json          a JSON array of entries\n");
	else
		fprintf(f,
		    "usage: roost reload [--control PATH]\n"
		    "Make roostd reload its configuration, as SIGHUP does; "
		    "a refused file is\n"
		    "reported as FILE:LINE: message and the old "
		    "configuration stays.\n\n");
	fprintf(f,
	    "      --control PATH  roostd's control socket (default %s)\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Exit status: 0 done, 2 failure (roostd unreachable, permission "
	    "denied,\nan error from roostd), 3 usage.\n",
	    CLIENT_CONTROL_DEFAULT);
}

/* Returns -1 to go on, else an exit status. */
static int
parse_opts(int argc, char **argv, struct opts *o, int *first_arg)
{
	const char *cmd = argv[0];
	bool stats = strcmp(cmd, "stats") == 0;
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "zone", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->path = client_control_path != NULL ? client_control_path
					      : CLIENT_CONTROL_DEFAULT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+jz:h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_CONTROL:
			o->path = optarg;
			break;
		case 'j':
			if (!stats && strcmp(cmd, "dump") != 0)
				goto bad;
			o->out = OUT_JSON;
			break;
		case OPT_PROMETHEUS:
			if (!stats)
				goto bad;
			o->out = OUT_PROMETHEUS;
			break;
		case 'z':
			if (strcmp(cmd, "flush") != 0)
				goto bad;
			o->zone = optarg;
			break;
		case 'h':
			control_usage(stdout, cmd);
			return CLIENT_EXIT_ANSWER;
		default:
			goto bad_usage;
		}
	}
	*first_arg = optind;
	return -1;
bad:
	fprintf(stderr, "%s: %s: option %s does not apply\n", client_progname,
	    cmd, argv[optind - 1]);
bad_usage:
	control_usage(stderr, cmd);
	return CLIENT_EXIT_USAGE;
}

/* --- stats ---------------------------------------------------------------- */

struct stat_kv {
	char group[32], key[32];
	uint64_t value;
};

struct up_kv {
	char name[64];
	char keys[16][24];
	uint64_t values[16];
	unsigned n;
};

struct stats {
	struct stat_kv kv[CLIENT_CONTROL_MAX_STATS];
	unsigned nkv;
	struct up_kv up[CLIENT_CONTROL_MAX_UPSTREAMS];
	unsigned nup;
};

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0;
}

/* Parses one stats data line into st.  Returns false if malformed. */
static bool
stats_line(struct stats *st, char *line)
{
	char *sp = strchr(line, ' '), *dot, *save = NULL, *w;

	if (sp == NULL)
		return false;
	*sp = '\0';
	if (strcmp(line, "upstream") == 0) {
		struct up_kv *u;

		if (st->nup == CLIENT_CONTROL_MAX_UPSTREAMS)
			return true;
		u = &st->up[st->nup];
		memset(u, 0, sizeof(*u));
		for (w = strtok_r(sp + 1, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(w, '=');

			if (u->name[0] == '\0' && eq == NULL) {
				snprintf(u->name, sizeof(u->name), "%s", w);
				continue;
			}
			if (eq == NULL || u->n == 16)
				continue;
			*eq = '\0';
			if (!parse_u64(eq + 1, &u->values[u->n]))
				return false;
			snprintf(u->keys[u->n], sizeof(u->keys[0]), "%s", w);
			u->n++;
		}
		st->nup++;
		return true;
	}
	if ((dot = strchr(line, '.')) == NULL ||
	    st->nkv == CLIENT_CONTROL_MAX_STATS)
		return dot != NULL;
	*dot = '\0';
	snprintf(st->kv[st->nkv].group, sizeof(st->kv[0].group), "%s", line);
	snprintf(st->kv[st->nkv].key, sizeof(st->kv[0].key), "%s", dot + 1);
	if (!parse_u64(sp + 1, &st->kv[st->nkv].value))
		return false;
	st->nkv++;
	return true;
}

static uint64_t
up_value(const struct up_kv *u, const char *key)
{
	for (unsigned i = 0; i < u->n; i++)
		if (strcmp(u->keys[i], key) == 0)
			return u->values[i];
	return 0;
}

static void
stats_text(const struct stats *st)
{
	for (unsigned i = 0; i < st->nkv; i++) {
		if (i == 0 || strcmp(st->kv[i].group, st->kv[i - 1].group) != 0)
			printf("%s%s\n", i ? "\n" : "", st->kv[i].group);
		printf("  %-18s %8" PRIu64 "\n", st->kv[i].key,
		    st->kv[i].value);
	}
	if (st->nup == 0)
		return;
	printf("\nupstreams (RTTs in ms)\n  %-24s %8s %8s %8s %5s %5s %5s "
	       "%5s %s\n",
	    "ADDRESS", "QUERIES", "FAILURES", "TIMEOUTS", "SRTT", "P50", "P90",
	    "P99", "STATE");
	for (unsigned i = 0; i < st->nup; i++) {
		const struct up_kv *u = &st->up[i];

		printf("  %-24s %8" PRIu64 " %8" PRIu64 " %8" PRIu64
		       " %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64
		       " %s\n",
		    u->name, up_value(u, "queries"), up_value(u, "failures"),
		    up_value(u, "timeouts"), up_value(u, "srtt_ms"),
		    up_value(u, "p50_ms"), up_value(u, "p90_ms"),
		    up_value(u, "p99_ms"), up_value(u, "down") ? "down" : "up");
	}
}

static void
stats_json(const struct stats *st)
{
	bool open = false;

	printf("{");
	for (unsigned i = 0; i < st->nkv; i++) {
		if (i == 0 ||
		    strcmp(st->kv[i].group, st->kv[i - 1].group) != 0) {
			printf("%s", open ? "}, " : "");
			client_json_str(stdout, st->kv[i].group);
			printf(": {");
			open = true;
		} else {
			printf(", ");
		}
		client_json_str(stdout, st->kv[i].key);
		printf(": %" PRIu64, st->kv[i].value);
	}
	printf("%s\"upstreams\": [", open ? "}, " : "");
	for (unsigned i = 0; i < st->nup; i++) {
		const struct up_kv *u = &st->up[i];

		printf("%s{\"address\": ", i ? ", " : "");
		client_json_str(stdout, u->name);
		for (unsigned k = 0; k < u->n; k++) {
			printf(", ");
			client_json_str(stdout, u->keys[k]);
			if (strcmp(u->keys[k], "down") == 0)
				printf(": %s", u->values[k] ? "true" : "false");
			else
				printf(": %" PRIu64, u->values[k]);
		}
		printf("}");
	}
	printf("]}\n");
}

/*
 * Prometheus names for roostd's keys.  A key not listed here is shown
 * as roost_GROUP_KEY, untyped, so a newer roostd still shows all.
 */
struct prom_map {
	const char *group, *key; /* NULL key: every key of the group */
	const char *metric, *label, *type, *help;
};

static const struct prom_map prom_maps[] = {
	{ "queries", "udp", "roost_queries_total", "transport=\"udp\"",
	    "counter", "Queries received, by transport." },
	{ "queries", "tcp", "roost_queries_total", "transport=\"tcp\"",
	    "counter", "Queries received, by transport." },
	{ "queries", "dropped", "roost_queries_dropped_total", NULL, "counter",
	    "Messages dropped unanswered (malformed, or responses)." },
	{ "queries", "truncated", "roost_answers_truncated_total", NULL,
	    "counter", "Answers sent over UDP with TC=1." },
	{ "answers", NULL, "roost_answers_total", "rcode", "counter",
	    "Answers sent, by rcode." },
	{ "cache", "hits", "roost_cache_hits_total", NULL, "counter",
	    "Cache lookups that found a fresh entry." },
	{ "cache", "misses", "roost_cache_misses_total", NULL, "counter",
	    "Cache lookups that found none (or a stale one)." },
	{ "cache", "stale", "roost_cache_stale_answers_total", NULL, "counter",
	    "Stale answers served (RFC 8767)." },
	{ "cache", "prefetches", "roost_cache_prefetches_total", NULL,
	    "counter", "Refreshes started by a hit in an entry's last tenth." },
	{ "cache", "inserts", "roost_cache_inserts_total", NULL, "counter",
	    "Answers stored." },
	{ "cache", "uncacheable", "roost_cache_uncacheable_total", NULL,
	    "counter", "Answers not stored (rcode, TTL 0, no SOA, size)." },
	{ "cache", "evictions", "roost_cache_evictions_total", NULL, "counter",
	    "Entries evicted for room." },
	{ "cache", "expired", "roost_cache_expired_total", NULL, "counter",
	    "Entries dropped past their TTL and stale limit." },
	{ "cache", "entries", "roost_cache_entries", NULL, "gauge",
	    "Entries in the cache." },
	{ "cache", "bytes", "roost_cache_bytes", NULL, "gauge",
	    "Bytes the cache holds, overhead included." },
	{ "cache", "budget", "roost_cache_budget_bytes", NULL, "gauge",
	    "The cache's byte budget (cache-size)." },
	{ "fetches", "inflight", "roost_fetches_inflight", NULL, "gauge",
	    "Upstream fetches in flight." },
	{ "fetches", "waiting", "roost_fetches_waiting", NULL, "gauge",
	    "Client queries waiting on a fetch." },
	{ "fetches", "coalesced", "roost_queries_coalesced_total", NULL,
	    "counter", "Queries that joined a fetch already in flight." },
	{ "limits", NULL, "roost_limits_hit_total", "limit", "counter",
	    "Times a resource limit was hit (answered SERVFAIL, or the "
	    "connection closed or refused)." },
	{ "tcp", "accepted", "roost_tcp_accepted_total", NULL, "counter",
	    "TCP connections accepted." },
	{ "guard", "accepted", "roost_upstream_answers_accepted_total", NULL,
	    "counter", "Upstream answers that passed the answer check." },
	{ "guard", "ports_renewed", "roost_upstream_ports_renewed_total", NULL,
	    "counter", "Upstream channels renewed for a new source port." },
	{ "guard", NULL, "roost_upstream_answers_rejected_total", "reason",
	    "counter", "Upstream answers refused by the answer check." },
};
#define NPROM_MAPS (sizeof(prom_maps) / sizeof(prom_maps[0]))

static const struct prom_map *
prom_find(const struct stat_kv *kv)
{
	for (size_t i = 0; i < NPROM_MAPS; i++)
		if (strcmp(prom_maps[i].group, kv->group) == 0 &&
		    (prom_maps[i].key == NULL ||
			strcmp(prom_maps[i].key, kv->key) == 0))
			return &prom_maps[i];
	return NULL;
}

/* A label value: backslash, quote and newline escaped. */
static void
prom_label(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			putchar('\\');
		if (*s == '\n') {
			fputs("\\n", stdout);
			continue;
		}
		putchar(*s);
	}
}

static void
prom_ms(uint64_t ms)
{
	printf("%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
}

static void
stats_prometheus(const struct stats *st)
{
	static const struct {
		const char *key, *metric, *type, *help;
	} upm[] = {
		{ "queries", "roost_upstream_queries_total", "counter",
		    "Tries sent to the upstream." },
		{ "failures", "roost_upstream_failures_total", "counter",
		    "Tries that failed (unusable answer, error)." },
		{ "timeouts", "roost_upstream_timeouts_total", "counter",
		    "Tries that outlasted SRTT plus upstream-timeout." },
		{ "srtt_ms", "roost_upstream_srtt_seconds", "gauge",
		    "Smoothed round-trip time used to order upstreams." },
		{ "down", "roost_upstream_up", "gauge",
		    "1 if the upstream's latest try succeeded (or none was "
		    "made)." },
	};
	bool done[CLIENT_CONTROL_MAX_STATS] = { false };

	for (unsigned i = 0; i < st->nkv; i++) {
		const struct prom_map *m = prom_find(&st->kv[i]);

		if (done[i])
			continue;
		if (m == NULL) {
			printf(
			    "# TYPE roost_%s_%s untyped\nroost_%s_%s %" PRIu64
			    "\n",
			    st->kv[i].group, st->kv[i].key, st->kv[i].group,
			    st->kv[i].key, st->kv[i].value);
			continue;
		}
		/* a family's samples follow its HELP and TYPE together */
		printf("# HELP %s %s\n# TYPE %s %s\n", m->metric, m->help,
		    m->metric, m->type);
		for (unsigned j = i; j < st->nkv; j++) {
			const struct prom_map *o = prom_find(&st->kv[j]);

			if (o == NULL || strcmp(o->metric, m->metric) != 0)
				continue;
			done[j] = true;
			if (o->label == NULL)
				printf("%s", o->metric);
			else if (o->key == NULL) /* the key is the label */
				printf("%s{%s=\"%s\"}", o->metric, o->label,
				    st->kv[j].key);
			else
				printf("%s{%s}", o->metric, o->label);
			printf(" %" PRIu64 "\n", st->kv[j].value);
		}
	}
	if (st->nup == 0)
		return;
	for (size_t k = 0; k < sizeof(upm) / sizeof(upm[0]); k++) {
		printf("# HELP %s %s\n# TYPE %s %s\n", upm[k].metric,
		    upm[k].help, upm[k].metric, upm[k].type);
		for (unsigned i = 0; i < st->nup; i++) {
			uint64_t v = up_value(&st->up[i], upm[k].key);

			printf("%s{upstream=\"", upm[k].metric);
			prom_label(st->up[i].name);
			printf("\"} ");
			if (strcmp(upm[k].key, "srtt_ms") == 0)
				prom_ms(v);
			else if (strcmp(upm[k].key, "down") == 0)
				printf("%d", v ? 0 : 1);
			else
				printf("%" PRIu64, v);
			printf("\n");
		}
	}
	printf("# HELP roost_upstream_rtt_seconds Round-trip times of "
	       "answered tries (quantiles: upper bounds of 25%% buckets).\n"
	       "# TYPE roost_upstream_rtt_seconds summary\n");
	for (unsigned i = 0; i < st->nup; i++) {
		static const char *const q[] = { "0.5", "0.9", "0.99" };
		static const char *const qk[] = { "p50_ms", "p90_ms",
			"p99_ms" };

		for (int j = 0; j < 3; j++) {
			printf("roost_upstream_rtt_seconds{upstream=\"");
			prom_label(st->up[i].name);
			printf("\",quantile=\"%s\"} ", q[j]);
			prom_ms(up_value(&st->up[i], qk[j]));
			printf("\n");
		}
		printf("roost_upstream_rtt_seconds_sum{upstream=\"");
		prom_label(st->up[i].name);
		printf("\"} ");
		prom_ms(up_value(&st->up[i], "rtt_sum_ms"));
		printf("\nroost_upstream_rtt_seconds_count{upstream=\"");
		prom_label(st->up[i].name);
		printf("\"} %" PRIu64 "\n",
		    up_value(&st->up[i], "rtt_samples"));
	}
}

static int
do_stats(const struct opts *o)
{
	struct conn c = { .path = o->path, .cmd = "stats" };
	struct stats *st;
	char *line = NULL;
	size_t cap = 0;
	int r;

	if ((r = conn_open(&c, "stats\n")) != CLIENT_EXIT_ANSWER)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		conn_close(&c);
		fprintf(stderr, "%s: stats: out of memory\n", client_progname);
		return CLIENT_EXIT_FAIL;
	}
	while ((r = conn_line(&c, &line, &cap)) == 1)
		if (!stats_line(st, line)) {
			fprintf(stderr, "%s: stats: bad line from roostd\n",
			    client_progname);
			r = -1;
			break;
		}
	free(line);
	conn_close(&c);
	if (r == 0) {
		if (o->out == OUT_JSON)
			stats_json(st);
		else if (o->out == OUT_PROMETHEUS)
			stats_prometheus(st);
		else
			stats_text(st);
	}
	free(st);
	return r == 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_FAIL;
}

/* --- flush, dump, reload ------------------------------------------------- */

static int
do_flush(const struct opts *o, const char *name)
{
	struct conn c = { .path = o->path, .cmd = "flush" };
	char req[1100], *line = NULL;
	size_t cap = 0, removed = 0;
	int r;

	if (o->zone != NULL)
		snprintf(req, sizeof(req), "flush zone %s\n", o->zone);
	else if (name != NULL)
		snprintf(req, sizeof(req), "flush name %s\n", name);
	else
		snprintf(req, sizeof(req), "flush\n");
	if (strlen(req) >= sizeof(req) - 1) {
		fprintf(stderr, "%s: flush: name too long\n", client_progname);
		return CLIENT_EXIT_USAGE;
	}
	if ((r = conn_open(&c, req)) != CLIENT_EXIT_ANSWER)
		return r;
	while ((r = conn_line(&c, &line, &cap)) == 1)
		(void)sscanf(line, "removed %zu", &removed);
	free(line);
	conn_close(&c);
	if (r != 0)
		return CLIENT_EXIT_FAIL;
	printf("%zu %s removed\n", removed, removed == 1 ? "entry" : "entries");
	return CLIENT_EXIT_ANSWER;
}

static int
do_dump(const struct opts *o)
{
	struct conn c = { .path = o->path, .cmd = "dump" };
	char *line = NULL, name[1100], flags[64], tstr[32], rstr[32];
	size_t cap = 0, size, n = 0;
	unsigned type, rcode;
	uint32_t ttl;
	int r;

	if ((r = conn_open(&c, "dump\n")) != CLIENT_EXIT_ANSWER)
		return r;
	if (o->out == OUT_JSON)
		printf("[");
	else
		printf("%-40s %-8s %7s %-9s %6s %s\n", "NAME", "TYPE", "TTL",
		    "RCODE", "SIZE", "FLAGS");
	while ((r = conn_line(&c, &line, &cap)) == 1) {
		if (strlen(line) >= sizeof(name) ||
		    sscanf(line, "%1099s %u %" SCNu32 " %u %zu %63s", name,
			&type, &ttl, &rcode, &size, flags) != 6) {
			fprintf(stderr, "%s: dump: bad line from roostd\n",
			    client_progname);
			r = -1;
			break;
		}
		client_type_str((ldns_rr_type)type, tstr, sizeof(tstr));
		client_rcode_str((ldns_pkt_rcode)rcode, rstr, sizeof(rstr));
		if (o->out == OUT_JSON) {
			printf("%s\n {\"name\": ", n ? "," : "");
			client_json_str(stdout, name);
			printf(", \"type\": ");
			client_json_str(stdout, tstr);
			printf(", \"ttl\": %" PRIu32 ", \"rcode\": ", ttl);
			client_json_str(stdout, rstr);
			printf(", \"size\": %zu, \"dnssec_ok\": %s, "
			       "\"checking_disabled\": %s, \"stale\": %s}",
			    size, strstr(flags, "do") ? "true" : "false",
			    strstr(flags, "cd") ? "true" : "false",
			    strstr(flags, "stale") ? "true" : "false");
		} else {
			printf("%-40s %-8s %7" PRIu32 " %-9s %6zu %s\n", name,
			    tstr, ttl, rstr, size, flags);
		}
		n++;
	}
	free(line);
	conn_close(&c);
	if (o->out == OUT_JSON)
		printf("%s]\n", n ? "\n" : "");
	return r == 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_FAIL;
}

static int
do_reload(const struct opts *o)
{
	struct conn c = { .path = o->path, .cmd = "reload" };
	char *line = NULL;
	size_t cap = 0;
	int r;

	if ((r = conn_open(&c, "reload\n")) != CLIENT_EXIT_ANSWER)
		return r;
	while ((r = conn_line(&c, &line, &cap)) == 1)
		;
	free(line);
	conn_close(&c);
	if (r != 0)
		return CLIENT_EXIT_FAIL;
	printf("roostd reloaded its configuration\n");
	return CLIENT_EXIT_ANSWER;
}

int
client_control_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct opts o;
	int r, first;

	if ((r = parse_opts(argc, argv, &o, &first)) >= 0)
		return r;
	if (strcmp(cmd, "flush") == 0) {
		if (argc - first > 1 || (argc - first == 1 && o.zone != NULL)) {
			fprintf(stderr,
			    "%s: flush: one NAME, or --zone SUFFIX\n",
			    client_progname);
			control_usage(stderr, cmd);
			return CLIENT_EXIT_USAGE;
		}
		if ((o.zone != NULL && strpbrk(o.zone, " \t\r\n") != NULL) ||
		    (first < argc && strpbrk(argv[first], " \t\r\n") != NULL)) {
			fprintf(stderr,
			    "%s: flush: a name has no blanks (write them "
			    "\\032)\n",
			    client_progname);
			return CLIENT_EXIT_USAGE;
		}
		return do_flush(&o, first < argc ? argv[first] : NULL);
	}
	if (first < argc) {
		fprintf(stderr, "%s: %s: unexpected argument \"%s\"\n",
		    client_progname, cmd, argv[first]);
		control_usage(stderr, cmd);
		return CLIENT_EXIT_USAGE;
	}
	if (strcmp(cmd, "stats") == 0)
		return do_stats(&o);
	if (strcmp(cmd, "dump") == 0)
		return do_dump(&o);
	return do_reload(&o);
}
