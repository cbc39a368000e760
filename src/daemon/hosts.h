/*
 * src/daemon/hosts.h - hosts files (/etc/hosts, hosts(5)) read into a
 * table of local names: "ADDRESS NAME [ALIAS...]" lines give each name
 * an A or AAAA record and the address a PTR record naming the line's
 * first name (the first line of an address wins, as glibc's lookup by
 * address finds it).  Other types of such a name are then NODATA
 * (local.h).
 *
 * A line is at most HOSTS_MAX_LINE octets; '#' starts a comment; an
 * address glibc would not take (inet_pton(), an IPv6 zone index "%eth0"
 * included) or a name that is not one makes the line a bad one: reported
 * with its FILE:LINE and skipped, and the rest of the file applies.
 */
#ifndef ROOST_HOSTS_H
#define ROOST_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "local.h"

#define HOSTS_MAX_LINE 4096
/* The TTL of hosts records: 0, as systemd-resolved gives them, so that
 * no client keeps one past a change of the file. */
#define HOSTS_TTL 0
/* Bad lines reported by name per file; the rest are counted. */
#define HOSTS_MAX_WARNINGS 8

struct hosts_count {
	size_t lines;   /* lines read */
	size_t records; /* A, AAAA and PTR records added */
	size_t bad;     /* bad entries skipped: a line's bad address, or
			   each bad name of a line (so a line may count
			   more than once) */
};

/* Told of a bad line: "FILE:LINE: why". */
typedef void hosts_warn_cb(void *arg, const char *msg);

/*
 * Adds the hosts lines of text (len octets, need not end in a newline;
 * NUL octets make their line bad) to t; path names them in warnings.
 * With skip_localhost, names at or below localhost are left to the
 * built-in zone (a file that has "::1 localhost" but no 127.0.0.1 line
 * would make localhost's A NODATA).  The first HOSTS_MAX_WARNINGS bad
 * lines go to warn (if not NULL).  Returns 0, or -1 with errno ENOMEM
 * (t keeps what was added).
 */
int hosts_parse(struct local_table *t, const char *path, const char *text,
    size_t len, bool skip_localhost, hosts_warn_cb *warn, void *arg,
    struct hosts_count *n);

/*
 * hosts_parse() of the file at path.  Returns 0, or -1 with errno set
 * (ENOENT for a missing file, which a caller may take as empty) and
 * "PATH: strerror" in err.
 */
int hosts_load(struct local_table *t, const char *path, bool skip_localhost,
    hosts_warn_cb *warn, void *arg, struct hosts_count *n, char *err,
    size_t errlen);

#endif /* ROOST_HOSTS_H */
