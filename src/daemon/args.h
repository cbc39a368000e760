/*
 * src/daemon/args.h - roostd's command line: its flags, --help,
 * --version and --list-options, and the configuration they build.
 *
 * The flags that are config keys (--KEY VALUE) come from config's
 * option table, as does their part of --help: a key added there is a
 * flag, documented, with nothing to add here.  Nothing here exits: the
 * caller (main) turns the results into exit statuses.
 */
#ifndef ROOST_ARGS_H
#define ROOST_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
/* read when no -c is given; missing, it is not an error */
#define ARGS_DEFAULT_CONFIG SYSCONFDIR "/roost/roostd.conf"

/* At most this many --KEY VALUE flags on one command line. */
#define ARGS_MAX_SET 64

/* One --KEY VALUE flag; both point into argv. */
struct args_value {
	const char *key; /* a config_options[] name */
	const char *value;
};

/* What the command line asked for; plain data pointing into argv. */
struct args {
	const char *config_path; /* -c, or NULL for ARGS_DEFAULT_CONFIG */
	bool check;              /* --check-config */
	bool verbose;            /* -v: log-level debug */
	struct args_value set[ARGS_MAX_SET];
	size_t nset;
	/* the addresses of the sockets systemd passed (main fills them):
	 * they replace the listen list, so that the loop check of
	 * config_finish() sees where roostd really answers */
	struct addr sd_listen[CONFIG_MAX_LISTEN];
	size_t nsd_listen;
};

/*
 * Parses argv into a (zeroed by the caller).  --help, --version and
 * --list-options print to stdout and return 1 (exit 0); a bad command
 * line prints why and the usage line to stderr and returns -1.  Returns
 * 0 to go on.
 */
int args_parse(int argc, char **argv, struct args *a);

/*
 * Builds the configuration into c: defaults, the file (a's -c or
 * ARGS_DEFAULT_CONFIG), then the flags (a list flag replaces the file's
 * list), -v, systemd's sockets, and config_finish().  Returns 0, or -1
 * with "FILE:LINE: ..." or "command line: --KEY: ..." in err.
 */
int args_build_config(const struct args *a, struct config *c, char *err,
    size_t errlen);

#endif /* ROOST_ARGS_H */
