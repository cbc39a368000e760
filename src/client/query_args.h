/*
 * src/client/query_args.h - `roost query`'s command line, read as dig
 * reads its own: operands (NAME, TYPE, CLASS, @SERVER) and options in
 * any order, -t TYPE, -c CLASS, -p PORT, -q NAME, -x ADDRESS, -4, -6,
 * and dig's +[no]KEYWORD[=VALUE] query options, abbreviated as long as
 * the abbreviation is unambiguous.
 *
 * What is parsed is kept in struct query_args, which borrows its
 * strings from argv (nothing is allocated).  The defaults are dig's:
 * RD and AD set, EDNS version 0 with a 1232-octet UDP size and a
 * client cookie, 5-second tries, three of them.
 */
#ifndef ROOST_QUERY_ARGS_H
#define ROOST_QUERY_ARGS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "digout.h"

#define QUERY_ARGS_DEFAULT_SERVER "127.0.0.1" /* the local roostd */
#define QUERY_ARGS_TIMEOUT_MS 5000            /* dig's +time=5 */
#define QUERY_ARGS_TRIES 3                    /* dig's +tries=3 */
#define QUERY_ARGS_BUFSIZE 1232               /* dig's +bufsize */

/* The client-subnet option (RFC 7871) of +subnet=ADDR[/PREFIX]. */
struct query_args_subnet {
	bool set;
	unsigned family; /* 1 IPv4 (also +subnet=0), 2 IPv6 */
	unsigned source; /* the prefix length */
	uint8_t addr[16];
};

struct query_args {
	const char *name;    /* as typed; NULL before one is seen */
	bool reverse;        /* -x: name is an address */
	const char *server;  /* after '@'; NULL for the default */
	int port;            /* -p, default 53 */
	int family;          /* AF_UNSPEC, or AF_INET/AF_INET6 (-4/-6) */
	ldns_rr_type type;   /* 0 until set */
	ldns_rr_class class; /* 0 until set */
	bool tcp, rd, ad, cd, dnssec, nsid, cookie, edns;
	unsigned edns_version, bufsize;
	struct query_args_subnet subnet;
	int timeout_ms, tries;
	bool json, cmd, stats; /* banner lines, statistics footer */
	struct digout_view view;
};

/* `roost query --help`: every option above and the exit statuses. */
void query_args_usage(FILE *f);

/* The defaults above into a. */
void query_args_init(struct query_args *a);

/*
 * Read argv[1..argc) into a (query_args_init'd).  Returns 0, 1 for
 * --help (the caller prints it), or -1 with a message in err.
 */
int query_args_parse(struct query_args *a, int argc, char **argv, char *err,
    size_t errlen);

#endif /* ROOST_QUERY_ARGS_H */
