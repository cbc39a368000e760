/*
 * src/client/client.h - the roost command-line client: exit statuses and the
 * entry point of each subcommand.
 *
 * Every subcommand shares one set of exit statuses (documented in
 * `roost --help` and roost(1)), in the spirit of host(1) and drill(1).
 * A subcommand's main takes its own argv (argv[0] is the subcommand's
 * name), prints its results on stdout and its errors on stderr, and
 * returns an exit status; it never calls exit() itself.
 */
#ifndef ROOST_CLIENT_H
#define ROOST_CLIENT_H

enum client_exit {
	CLIENT_EXIT_ANSWER = 0, /* the answer (records, addresses, a name) */
	CLIENT_EXIT_NONAME = 1, /* NXDOMAIN, or NODATA: proven absent */
	CLIENT_EXIT_FAIL = 2,   /* no answer: timeouts, errors, deadline */
	CLIENT_EXIT_USAGE = 3,  /* bad command line */
};

/* The program's name for messages ("roost"). */
extern const char *client_progname;

/* roost query NAME [TYPE] [@SERVER[#PORT]] [+OPTION...] */
int client_query_main(int argc, char **argv);

/* roost trace NAME [TYPE] | roost trace -x ADDRESS */
int client_trace_main(int argc, char **argv);

/* roost resolve NAME [SERVICE] | roost resolve -x ADDRESS */
int client_resolve_main(int argc, char **argv);

/*
 * roost stats|flush|dump|reload [--control PATH] ...: argv[0] names the
 * command.  Talks to roostd's control socket.
 */
int client_control_main(int argc, char **argv);

/* The control socket given before the command (roost --control PATH
 * CMD), or NULL for the default; a command's own --control wins. */
extern const char *client_control_path;

/*
 * Parse a number of seconds ("1.5", "0.2") into milliseconds, at least
 * 1 ms and at most one hour.  Returns 0, or -1 if text is not one.
 */
int client_parse_seconds(const char *text, int *ms);

#endif /* ROOST_CLIENT_H */
