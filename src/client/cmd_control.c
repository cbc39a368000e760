/*
 * src/client/cmd_control.c - `roost stats|flush|dump|reload`: the command
 * lines of the commands that ask a running roostd over its control
 * socket (ctl.c talks to it, render.c shows the replies).
 *
 * The four commands share one getopt table; an option that does not
 * apply to the command given is a usage error.  Owns: the connection
 * (closed before each command returns) and the line buffer.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "client.h"
#include "ctl.h"
#include "render.h"

enum output {
	OUT_TEXT,
	OUT_JSON,
	OUT_PROMETHEUS,
};

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
	else if (strcmp(cmd, "monitor") == 0)
		fprintf(f,
		    "usage: roost monitor [--control PATH]\n"
		    "Show every answer roostd sends, one line each, as it "
		    "goes, until\n"
		    "interrupted or roostd stops:\n"
		    "  CLIENT#PORT udp|tcp NAME TYPE RCODE FROM[ SERVER] "
		    "MSms\n"
		    "FROM is cache, upstream (and the server that answered), "
		    "stale, local,\n"
		    "blocked or roostd (its own answer: an error, a refusal, "
		    "a SERVFAIL).\n"
		    "Lines roostd could not send in time are counted: "
		    "\"# N lines dropped\".\n"
		    "\n");
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
	    CTL_DEFAULT_PATH);
}

/* Returns -1 to go on, else an exit status. */
static int
parse_opts(int argc, char **argv, const char *control_path, struct opts *o,
    int *first_arg)
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
	o->path = control_path != NULL ? control_path : CTL_DEFAULT_PATH;
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
	fprintf(stderr, "%s: %s: option %s does not apply\n", CLIENT_PROGNAME,
	    cmd, argv[optind - 1]);
bad_usage:
	control_usage(stderr, cmd);
	return CLIENT_EXIT_USAGE;
}

static int
do_stats(const struct opts *o)
{
	struct ctl_conn c = { .path = o->path, .cmd = "stats" };
	struct render_stats *st;
	char *line = NULL;
	size_t cap = 0;
	int r;

	if ((r = ctl_open(&c, CONTROL_PROTO_STATS "\n")) != CLIENT_EXIT_ANSWER)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		ctl_close(&c);
		fprintf(stderr, "%s: stats: out of memory\n", CLIENT_PROGNAME);
		return CLIENT_EXIT_FAIL;
	}
	while ((r = ctl_line(&c, &line, &cap)) == 1)
		if (!render_stats_line(st, line)) {
			fprintf(stderr, "%s: stats: bad line from roostd\n",
			    CLIENT_PROGNAME);
			r = -1;
			break;
		}
	free(line);
	ctl_close(&c);
	if (r == 0) {
		if (o->out == OUT_JSON)
			render_stats_json(stdout, st);
		else if (o->out == OUT_PROMETHEUS)
			render_stats_prometheus(stdout, st);
		else
			render_stats_text(stdout, st);
	}
	free(st);
	return r == 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_FAIL;
}

/* --- flush, dump, reload ------------------------------------------------- */

static int
do_flush(const struct opts *o, const char *name)
{
	struct ctl_conn c = { .path = o->path, .cmd = "flush" };
	char req[CONTROL_PROTO_MAX_REQUEST], *line = NULL;
	size_t cap = 0, removed = 0;
	int r;

	if (o->zone != NULL)
		snprintf(req, sizeof(req),
		    CONTROL_PROTO_FLUSH " " CONTROL_PROTO_FLUSH_ZONE " %s\n",
		    o->zone);
	else if (name != NULL)
		snprintf(req, sizeof(req),
		    CONTROL_PROTO_FLUSH " " CONTROL_PROTO_FLUSH_NAME " %s\n",
		    name);
	else
		snprintf(req, sizeof(req), CONTROL_PROTO_FLUSH "\n");
	if (strlen(req) >= sizeof(req) - 1) {
		fprintf(stderr, "%s: flush: name too long\n", CLIENT_PROGNAME);
		return CLIENT_EXIT_USAGE;
	}
	if ((r = ctl_open(&c, req)) != CLIENT_EXIT_ANSWER)
		return r;
	while ((r = ctl_line(&c, &line, &cap)) == 1)
		(void)sscanf(line, "removed %zu", &removed);
	free(line);
	ctl_close(&c);
	if (r != 0)
		return CLIENT_EXIT_FAIL;
	printf("%zu %s removed\n", removed, removed == 1 ? "entry" : "entries");
	return CLIENT_EXIT_ANSWER;
}

static int
do_dump(const struct opts *o)
{
	struct ctl_conn c = { .path = o->path, .cmd = "dump" };
	bool json = o->out == OUT_JSON;
	char *line = NULL;
	size_t cap = 0, n = 0;
	int r;

	if ((r = ctl_open(&c, CONTROL_PROTO_DUMP "\n")) != CLIENT_EXIT_ANSWER)
		return r;
	render_dump_start(stdout, json);
	while ((r = ctl_line(&c, &line, &cap)) == 1) {
		if (render_dump_entry(stdout, line, json, n) == -1) {
			fprintf(stderr, "%s: dump: bad line from roostd\n",
			    CLIENT_PROGNAME);
			r = -1;
			break;
		}
		n++;
	}
	free(line);
	ctl_close(&c);
	render_dump_end(stdout, json, n);
	return r == 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_FAIL;
}

static int
do_reload(const struct opts *o)
{
	struct ctl_conn c = { .path = o->path, .cmd = "reload" };
	char *line = NULL;
	size_t cap = 0;
	int r;

	if ((r = ctl_open(&c, CONTROL_PROTO_RELOAD "\n")) != CLIENT_EXIT_ANSWER)
		return r;
	while ((r = ctl_line(&c, &line, &cap)) == 1)
		;
	free(line);
	ctl_close(&c);
	if (r != 0)
		return CLIENT_EXIT_FAIL;
	printf("roostd reloaded its configuration\n");
	return CLIENT_EXIT_ANSWER;
}

/* The query log, line by line, until roostd or the user ends it. */
static int
do_monitor(const struct opts *o)
{
	struct ctl_conn c = { .path = o->path, .cmd = "monitor" };
	struct timeval forever = { 0 };
	char *line = NULL;
	size_t cap = 0;
	int r;

	if ((r = ctl_open(&c, CONTROL_PROTO_MONITOR "\n")) !=
	    CLIENT_EXIT_ANSWER)
		return r;
	/* the stream may be quiet for hours */
	(void)setsockopt(fileno(c.f), SOL_SOCKET, SO_RCVTIMEO, &forever,
	    sizeof(forever));
	while ((r = ctl_line(&c, &line, &cap)) == 1) {
		puts(line);
		fflush(stdout);
	}
	free(line);
	ctl_close(&c);
	if (r != 0)
		return CLIENT_EXIT_FAIL;
	fprintf(stderr, "%s: monitor: roostd stopped\n", CLIENT_PROGNAME);
	return CLIENT_EXIT_ANSWER;
}

int
cmd_control_main(int argc, char **argv, const char *control_path)
{
	const char *cmd = argv[0];
	struct opts o;
	int r, first;

	if ((r = parse_opts(argc, argv, control_path, &o, &first)) >= 0)
		return r;
	if (strcmp(cmd, "flush") == 0) {
		if (argc - first > 1 || (argc - first == 1 && o.zone != NULL)) {
			fprintf(stderr,
			    "%s: flush: one NAME, or --zone SUFFIX\n",
			    CLIENT_PROGNAME);
			control_usage(stderr, cmd);
			return CLIENT_EXIT_USAGE;
		}
		if ((o.zone != NULL && strpbrk(o.zone, " \t\r\n") != NULL) ||
		    (first < argc && strpbrk(argv[first], " \t\r\n") != NULL)) {
			fprintf(stderr,
			    "%s: flush: a name has no blanks (write them "
			    "\\032)\n",
			    CLIENT_PROGNAME);
			return CLIENT_EXIT_USAGE;
		}
		return do_flush(&o, first < argc ? argv[first] : NULL);
	}
	if (first < argc) {
		fprintf(stderr, "%s: %s: unexpected argument \"%s\"\n",
		    CLIENT_PROGNAME, cmd, argv[first]);
		control_usage(stderr, cmd);
		return CLIENT_EXIT_USAGE;
	}
	if (strcmp(cmd, "stats") == 0)
		return do_stats(&o);
	if (strcmp(cmd, "dump") == 0)
		return do_dump(&o);
	if (strcmp(cmd, "monitor") == 0)
		return do_monitor(&o);
	return do_reload(&o);
}
