/*
 * src/client/client.h - the roost command-line client: its exit statuses
 * and the entry point of each command (cmd_*.c), which main.c dispatches
 * to.
 *
 * Every command shares one set of exit statuses (documented in
 * `roost --help` and roost(1)), in the spirit of host(1) and drill(1).
 * A command's main takes its own argv (argv[0] is the command's name),
 * prints its results on stdout and its errors on stderr, and returns an
 * exit status; it never calls exit() itself.
 */
#ifndef ROOST_CLIENT_H
#define ROOST_CLIENT_H

enum client_exit {
	CLIENT_EXIT_ANSWER = 0,   /* the answer (records, addresses, a name) */
	CLIENT_EXIT_NONAME = 1,   /* NXDOMAIN, or NODATA: proven absent */
	CLIENT_EXIT_FAIL = 2,     /* no answer: timeouts, errors, deadline */
	CLIENT_EXIT_USAGE = 3,    /* bad command line */
	CLIENT_EXIT_DEGRADED = 4, /* roost check: works, with findings */
};

/* The program's name for messages. */
#define CLIENT_PROGNAME "roost"

/* roost query NAME [TYPE] [@SERVER[#PORT]] [+OPTION...] (cmd_query.c) */
int cmd_query_main(int argc, char **argv);

/* roost trace NAME [TYPE] | roost trace -x ADDRESS (cmd_trace.c) */
int cmd_trace_main(int argc, char **argv);

/* roost check ZONE: every server of a zone, compared (cmd_check.c) */
int cmd_check_main(int argc, char **argv);

/* roost resolve NAME [SERVICE] | roost resolve -x ADDRESS (cmd_resolve.c) */
int cmd_resolve_main(int argc, char **argv);

/*
 * roost stats|flush|dump|reload [--control PATH] ... (cmd_control.c):
 * argv[0] names the command.  control_path is the socket given before
 * the command (roost --control PATH CMD), or NULL for the default; the
 * command's own --control wins.  Neither is kept past the call.
 */
int cmd_control_main(int argc, char **argv, const char *control_path);

/*
 * roost upstream [set SOURCE ... | revert SOURCE] | roost route NAME
 * [--control PATH] ... (cmd_upstream.c): argv[0] names the command,
 * control_path as for cmd_control_main().
 */
int cmd_upstream_main(int argc, char **argv, const char *control_path);

#endif /* ROOST_CLIENT_H */
