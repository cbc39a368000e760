/*
 * src/client/main.c - the roost command-line client: subcommand dispatch,
 * --help and --version.
 *
 * Each command lives in its own file (cmd_query.c, cmd_trace.c,
 * cmd_resolve.c) and returns an enum client_exit; this file only
 * chooses one.  The daemon's control commands live in cmd_control.c
 * (stats, flush, dump, reload) and cmd_upstream.c (upstream, route); a
 * --control PATH before the command is handed to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "autoconf.h"
#include "client.h"
#include "ctl.h"

static void
usage_full(FILE *f)
{
	fprintf(f,
	    "usage: roost COMMAND [OPTION...] [ARG...]\n"
	    "roost - look at DNS: walk the tree, ask one server, or ask the "
	    "system\n"
	    "\n"
	    "Commands:\n"
	    "  trace NAME [TYPE]      walk from the root servers down to "
	    "NAME's\n"
	    "                         records (default: A and AAAA), showing\n"
	    "                         every delegation; trace -x ADDRESS "
	    "walks\n"
	    "                         in-addr.arpa/ip6.arpa down to the PTR\n"
	    "  query NAME [TYPE] [@SERVER[#PORT]]\n"
	    "                         one query to one server, like dig\n"
	    "                         (default server 127.0.0.1#53, roostd)\n"
	    "  check ZONE [NAME]      every server of ZONE asked at once: "
	    "lame,\n"
	    "                         unreachable, serials, NS sets and glue "
	    "that\n"
	    "                         disagree\n"
	    "  resolve NAME [SERVICE] what getaddrinfo() returns here;\n"
	    "                         resolve -x ADDRESS: getnameinfo()\n"
	    "  help [COMMAND]         this text, or a command's options\n"
	    "\n"
	    "Commands for a running roostd (its control socket):\n"
	    "  stats [--json|--prometheus]\n"
	    "                         counters: queries, answers by rcode, "
	    "cache,\n"
	    "                         fetches, upstreams with RTT "
	    "percentiles\n"
	    "  flush [NAME | --zone SUFFIX]\n"
	    "                         drop everything, every type of NAME, "
	    "or\n"
	    "                         everything at or below SUFFIX from the "
	    "cache\n"
	    "  dump [--json]          list the cache: name, type, TTL left, "
	    "rcode,\n"
	    "                         size, flags\n"
	    "  reload                 reload roostd's configuration (as "
	    "SIGHUP)\n"
	    "  upstream [--json]      the upstream sources, their routes and "
	    "each\n"
	    "                         route's servers: state, SRTT, "
	    "counters, last error\n"
	    "  upstream set SOURCE [--dns ADDR[#PORT]]... [--domain "
	    "[~]DOMAIN]...\n"
	    "                      [--default-route yes|no|auto]\n"
	    "                         make or change a run-time source of "
	    "upstreams\n"
	    "  upstream revert SOURCE remove a run-time source\n"
	    "  route NAME [--json]    the route a question for NAME takes: "
	    "its zone,\n"
	    "                         sources and servers\n"
	    "  monitor                every answer roostd sends, as it "
	    "goes, until\n"
	    "                         interrupted (like resolvectl "
	    "monitor)\n"
	    "\n"
	    "Options:\n"
	    "  -h, --help     this text; `roost COMMAND --help` for a command\n"
	    "  -V, --version  the version\n"
	    "      --control PATH\n"
	    "                 roostd's control socket, before or after the "
	    "command\n"
	    "                 (default " CTL_DEFAULT_PATH ")\n"
	    "\n"
	    "Exit status (every command):\n"
	    "  0  an answer (records, addresses or a name)\n"
	    "  1  no such name (NXDOMAIN) or no data of that type (NODATA)\n"
	    "  2  failure: no usable answer (timeouts, errors, deadline)\n"
	    "  3  usage: a bad command line\n"
	    "  4  check only: the zone works but is degraded (findings)\n"
	    "stats, flush, dump, reload, upstream, route and monitor exit 0 "
	    "when done, "
	    "2 when\nroostd cannot be reached, refuses (permission) or "
	    "reports an error, 3 on\nusage.\n");
}

int
main(int argc, char **argv)
{
	const char *cmd, *control_path = NULL;
	char *help[] = { NULL, NULL, "--help", NULL };

	if (argc < 2) {
		fprintf(stderr,
		    "usage: roost "
		    "trace|query|resolve|stats|flush|dump|reload|upstream|"
		    "route|monitor ... (roost --help)\n");
		return CLIENT_EXIT_USAGE;
	}
	/* roost --control PATH COMMAND ... */
	while (argc >= 2 &&
	    (strcmp(argv[1], "--control") == 0 ||
		strncmp(argv[1], "--control=", 10) == 0)) {
		if (argv[1][9] == '=') {
			control_path = argv[1] + 10;
			argc--;
			argv++;
			continue;
		}
		if (argc < 3) {
			fprintf(stderr, "roost: --control needs a PATH\n");
			return CLIENT_EXIT_USAGE;
		}
		control_path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		fprintf(stderr,
		    "usage: roost [--control PATH] COMMAND ... "
		    "(roost --help)\n");
		return CLIENT_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage_full(stdout);
		return CLIENT_EXIT_ANSWER;
	}
	if (strcmp(cmd, "help") == 0) {
		if (argc < 3) {
			usage_full(stdout);
			return CLIENT_EXIT_ANSWER;
		}
		help[1] = argv[2]; /* roost help CMD = roost CMD --help */
		argc = 3;
		argv = help;
		cmd = argv[1];
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("roost %s (ldns %s)\n", PACKAGE_VERSION, ldns_version());
		return CLIENT_EXIT_ANSWER;
	}
	if (strcmp(cmd, "query") == 0)
		return cmd_query_main(argc - 1, argv + 1);
	if (strcmp(cmd, "trace") == 0)
		return cmd_trace_main(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "resolve") == 0)
		return cmd_resolve_main(argc - 1, argv + 1);
	if (strcmp(cmd, "stats") == 0 || strcmp(cmd, "flush") == 0 ||
	    strcmp(cmd, "dump") == 0 || strcmp(cmd, "reload") == 0 ||
	    strcmp(cmd, "monitor") == 0)
		return cmd_control_main(argc - 1, argv + 1, control_path);
	if (strcmp(cmd, "upstream") == 0 || strcmp(cmd, "route") == 0)
		return cmd_upstream_main(argc - 1, argv + 1, control_path);
	fprintf(stderr, "roost: unknown command \"%s\" (roost --help)\n", cmd);
	return CLIENT_EXIT_USAGE;
}
