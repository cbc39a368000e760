/*
 * src/daemon/args.c - roostd's command line: the flags (its own, and one
 * --KEY VALUE for each key of config's option table), --help, --version,
 * --list-options, and the configuration they build (see args.h).
 *
 * Invariants:
 * - args_flags[] is the one list of the flags that are not config keys;
 *   the getopt_long() tables, the short-option string, --help and
 *   --list-options are all built from it and from config_options[].
 * - Nothing here exits; only main does.
 */
#include <sys/select.h> /* ares.h uses fd_set */

#include <ares.h>
#include <assert.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "autoconf.h"
#include "config.h"

/* getopt_long() values of the flags without a short letter */
enum {
	ARGS_CHECK = 256,
	ARGS_VERSION,
	ARGS_LIST,
	ARGS_SET, /* a config key: --KEY VALUE */
};

/* roostd's own flags, in --help's order. */
static const struct args_flag {
	const char *name;
	int val;         /* the short letter, or an ARGS_* value */
	const char *arg; /* the argument's name, or NULL for none */
	const char *help;
} args_flags[] = {
	{ "config", 'c', "FILE",
	    "configuration file (default " ARGS_DEFAULT_CONFIG
	    "; a missing default file is fine)" },
	{ "foreground", 'f', NULL,
	    "stay in the foreground, logging to stderr (roostd never forks; "
	    "run it under systemd or your shell)" },
	{ "verbose", 'v', NULL, "log every query (log-level debug)" },
	{ "check-config", ARGS_CHECK, NULL,
	    "check the configuration, print the result and exit" },
	{ "version", ARGS_VERSION, NULL,
	    "print the version and the libraries' versions" },
	{ "list-options", ARGS_LIST, NULL,
	    "print every flag and configuration key, one a line, and exit" },
	{ "help", 'h', NULL, "this text" },
};
#define ARGS_NFLAGS (sizeof(args_flags) / sizeof(args_flags[0]))

/* Room for the config keys in the getopt_long() table. */
#define ARGS_MAX_KEYS 64

/* --help: the column descriptions start in, and the line width. */
#define ARGS_HELP_INDENT 34
#define ARGS_HELP_WIDTH 79

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: roostd [-c FILE] [-f] [--listen ADDR[#PORT]]... "
	    "[--upstream ADDR[#PORT]]... [-v]\n"
	    "              [--check-config] [--version] [--help] "
	    "[--OPTION VALUE]...\n");
}

/* Prints text wrapped at ARGS_HELP_WIDTH, the cursor being at column
 * ARGS_HELP_INDENT; continuation lines are indented as much. */
static void
print_wrapped(const char *text)
{
	size_t col = ARGS_HELP_INDENT, n;

	for (const char *p = text; *p != '\0'; p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if (col > ARGS_HELP_INDENT && col + 1 + n > ARGS_HELP_WIDTH) {
			printf("\n%*s", ARGS_HELP_INDENT, "");
			col = ARGS_HELP_INDENT;
		} else if (col > ARGS_HELP_INDENT) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)n, p);
		col += n;
		p += n;
	}
	putchar('\n');
}

/* One entry of --help: the flag in front, text beside it. */
static void
help_entry(const char *flag, const char *text)
{
	int n = printf("%s", flag);

	if (n + 2 > ARGS_HELP_INDENT)
		printf("\n%*s", ARGS_HELP_INDENT, "");
	else
		printf("%*s", ARGS_HELP_INDENT - n, "");
	print_wrapped(text);
}

static void
help_flag(const struct args_flag *f)
{
	char flag[64];

	if (f->val < ARGS_CHECK)
		snprintf(flag, sizeof(flag), "  -%c, --%s%s%s", f->val, f->name,
		    f->arg != NULL ? " " : "", f->arg != NULL ? f->arg : "");
	else
		snprintf(flag, sizeof(flag), "      --%s", f->name);
	help_entry(flag, f->help);
}

/* A key's flag, its help and its default, from the option table. */
static void
help_key(const struct config_option *o)
{
	char flag[64], text[512];

	snprintf(flag, sizeof(flag), "      --%s %s", o->name, o->arg);
	if (config_option_is_list(o))
		snprintf(text, sizeof(text), "%s (repeatable%s%s)", o->help,
		    o->def[0] != '\0' ? "; default " : "", o->def);
	else if (o->def[0] != '\0')
		snprintf(text, sizeof(text), "%s (%s)", o->help, o->def);
	else
		snprintf(text, sizeof(text), "%s", o->help);
	help_entry(flag, text);
}

static void
help(void)
{
	usage(stdout);
	printf("\nroostd is a caching DNS forwarder for this machine: it "
	       "answers on loopback\nand forwards what it cannot answer to "
	       "upstream resolvers.\n\n");
	for (size_t i = 0; i < ARGS_NFLAGS; i++)
		help_flag(&args_flags[i]);
	printf("\nEvery option of the configuration file is also a flag and "
	       "overrides the\nfile (list options replace the file's "
	       "list):\n");
	for (size_t i = 0; i < config_noptions; i++)
		help_key(&config_options[i]);
	printf("\n"
	       "Signals: SIGTERM or SIGINT stop roostd (queries in flight are "
	       "answered or\nget SERVFAIL first); SIGHUP reloads the "
	       "configuration (upstreams, TTL\nclamps, access rules, log "
	       "level; the cache is kept; a bad file is refused\nand the old "
	       "configuration stays); SIGUSR1 logs the counters `roost "
	       "stats`\nshows (queries, answers, cache, fetches, upstreams).  "
	       "With a cache file,\nSIGTERM saves the cache first.\n"
	       "\n"
	       "Exit status: 0 stopped by a signal, or --check-config passed; "
	       "1 failure while\nrunning; 2 bad command line; 3 bad "
	       "configuration; 4 cannot start (sockets).\n"
	       "See roostd(8) and roostd.conf(5).\n");
}

/* --list-options: "flag -c FILE", "flag --config FILE", "key listen". */
static void
list_options(void)
{
	for (size_t i = 0; i < ARGS_NFLAGS; i++) {
		const struct args_flag *f = &args_flags[i];
		const char *sp = f->arg != NULL ? " " : "";
		const char *arg = f->arg != NULL ? f->arg : "";

		if (f->val < ARGS_CHECK)
			printf("flag -%c%s%s\n", f->val, sp, arg);
		printf("flag --%s%s%s\n", f->name, sp, arg);
	}
	for (size_t i = 0; i < config_noptions; i++)
		printf("flag --%s %s\n", config_options[i].name,
		    config_options[i].arg);
	for (size_t i = 0; i < config_noptions; i++)
		printf("key %s\n", config_options[i].name);
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

/* Fills getopt_long()'s tables from args_flags[] and config_options[]. */
static void
build_tables(struct option *opts, char *shorts)
{
	size_t n = 0, ns = 0;

	assert(config_noptions <= ARGS_MAX_KEYS);
	for (size_t i = 0; i < ARGS_NFLAGS; i++) {
		const struct args_flag *f = &args_flags[i];

		opts[n++] = (struct option){ f->name,
			f->arg != NULL ? required_argument : no_argument, NULL,
			f->val };
		if (f->val < ARGS_CHECK) {
			shorts[ns++] = (char)f->val;
			if (f->arg != NULL)
				shorts[ns++] = ':';
		}
	}
	for (size_t i = 0; i < config_noptions; i++)
		opts[n++] = (struct option){ config_options[i].name,
			required_argument, NULL, ARGS_SET };
	opts[n] = (struct option){ 0 };
	shorts[ns] = '\0';
}

int
args_parse(int argc, char **argv, struct args *a)
{
	struct option opts[ARGS_NFLAGS + ARGS_MAX_KEYS + 1];
	char shorts[2 * ARGS_NFLAGS + 1];
	int ch, idx;

	build_tables(opts, shorts);
	while ((ch = getopt_long(argc, argv, shorts, opts, &idx)) != -1) {
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
		case ARGS_CHECK:
			a->check = true;
			break;
		case ARGS_VERSION:
			version();
			return 1;
		case ARGS_LIST:
			list_options();
			return 1;
		case ARGS_SET:
			if (a->nset == ARGS_MAX_SET) {
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

int
args_build_config(const struct args *a, struct config *c, char *err,
    size_t errlen)
{
	const char *path =
	    a->config_path != NULL ? a->config_path : ARGS_DEFAULT_CONFIG;
	bool cleared[ARGS_MAX_KEYS] = { false };
	char why[400];

	config_defaults(c);
	if (config_load_file(c, path, a->config_path == NULL, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < a->nset; i++) {
		const struct config_option *o =
		    config_option_find(a->set[i].key);
		size_t k = (size_t)(o - config_options);

		if (config_option_is_list(o) && !cleared[k]) {
			(void)config_clear_list(c, o->name);
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
