/*
 * src/client/cmd_upstream.h - the pure halves of `roost upstream` and
 * `roost route` (cmd_upstream.c): the request line of `roost upstream
 * set` built from its options, and one data line of roostd's upstream
 * and route replies split into its fields.  The commands themselves are
 * cmd_upstream_main() in client.h.
 *
 * The data lines are roostd's (src/daemon/control.h):
 *   source NAME origin=O default-route=yes|no servers=A,B domains=~x.,y.
 *   route ZONE sources=S,T servers=A,B
 *   upstream ADDR#PORT zone=ZONE queries=N ... last_error=W|- ...
 *       transport=udp|tls|tls-opportunistic [tls_handshakes=N ...]
 * a name word, then KEY=VALUE words in any order; keys this client does
 * not know are skipped, so roostd may add keys.
 *
 * Neither function allocates or does I/O; a parsed line points into the
 * caller's buffer, which it must not outlive.
 */
#ifndef ROOST_CMD_UPSTREAM_H
#define ROOST_CMD_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --dns or --domain options kept per command line; more: usage error */
#define CMD_UPSTREAM_MAX_VALUES 256

/* What `roost upstream set` was given; zero it, then fill it in. */
struct cmd_upstream_set {
	const char *source;
	/* --dns values in order ("" for none); ndns > 0: servers= is sent */
	const char *dns[CMD_UPSTREAM_MAX_VALUES];
	size_t ndns;
	/* --domain values likewise: domains= */
	const char *domain[CMD_UPSTREAM_MAX_VALUES];
	size_t ndomain;
	const char *default_route; /* yes|no|auto, or NULL: unchanged */
	/* no|opportunistic|strict|default, or NULL: unchanged */
	const char *dns_over_tls;
};

/*
 * The request line for s into buf (len octets, NUL-terminated, LF
 * included): "upstream set SOURCE", then for each option given
 * " servers=A,B" and " domains=D,E" (the non-empty values joined by
 * commas: only empty ones make an empty list, which clears it),
 * " default-route=V" and " dns-over-tls=V".  Nothing but the line's framing is checked: the
 * daemon vets addresses and domains.
 * Returns 0, or -1 with why in err: no SOURCE, or one with a blank; no
 * option given; a --dns or --domain value with a blank or a comma (one
 * value per option); a default-route other than yes, no or auto; a
 * dns-over-tls other than no, opportunistic, strict or default; a line
 * longer than CONTROL_PROTO_MAX_REQUEST octets or than len - 1.
 */
int cmd_upstream_set_request(const struct cmd_upstream_set *s, char *buf,
    size_t len, char *err, size_t errlen);

enum cmd_upstream_kind {
	CMD_UPSTREAM_OTHER,   /* a line kind this client does not know */
	CMD_UPSTREAM_SOURCE,  /* "source ..." */
	CMD_UPSTREAM_ROUTE,   /* "route ..." */
	CMD_UPSTREAM_SERVER,  /* "upstream ..." */
	CMD_UPSTREAM_LOCAL,   /* "local NAME": answered by roostd itself */
	CMD_UPSTREAM_BLOCKED, /* "blocked NAME ...": by a blocklist */
};

/* A comma list: n items, each NUL-terminated, back to back from s. */
struct cmd_upstream_list {
	const char *s;
	size_t n; /* 0 for "-" (and for a key not given) */
};

/*
 * One data line.  Strings not given are "", numbers 0, lists empty; the
 * fields a line kind does not have stay so.
 */
struct cmd_upstream_line {
	enum cmd_upstream_kind kind;
	const char *name; /* source name, route zone, server ADDR#PORT */
	/* source */
	const char *origin;       /* config, resolv, control, dbus */
	bool default_route;       /* default-route=yes */
	const char *dns_over_tls; /* no|opportunistic|strict|default; "" */
	struct cmd_upstream_list domains;
	/* route */
	struct cmd_upstream_list sources;
	const char *dnssec;  /* validated, permissive, unchecked, off; NULL:
				not said */
	uint64_t stripped;   /* answers bogus for want of RRSIGs */
	uint64_t do_ignored; /* answers from an upstream that ignored DO */
	/* source and route */
	struct cmd_upstream_list servers;
	/* upstream */
	const char *zone; /* the route it serves */
	uint64_t queries, failures, timeouts;
	uint64_t srtt_ms, p50_ms, p90_ms, p99_ms, rtt_samples, rtt_sum_ms;
	bool down;                /* down=1 */
	const char *last_error;   /* NULL for "-": none yet */
	int64_t last_error_age_s; /* -1 for "-" */
	/* "udp", "tls", "tls-opportunistic" ("" not said); over TLS: who
	 * the server was authenticated as and the latest TLS failure
	 * (NULL for "-"; "_" stands for a blank), and the counters */
	const char *transport;
	const char *tls_auth, *tls_error;
	uint64_t tls_handshakes, tls_resumed, tls_queries, tls_errors,
	    tls_auth_failures, plain_fallbacks;
	/* blocked: the entry's file (\DDD escapes undone), line, name */
	const char *file;
	uint64_t line;
	const char *listed;
};

/*
 * Splits one data line (without its LF) into *l; line is modified and l
 * points into it.  A first word other than source, route, upstream,
 * local or blocked gives kind CMD_UPSTREAM_OTHER and nothing else is
 * read.
 * Returns 0, or -1 with why in err: no name word; a later word that is
 * not KEY=VALUE (or has an empty key); a known numeric key whose value
 * is not a decimal number; default-route other than yes or no; a list
 * with an empty item.
 */
int cmd_upstream_parse_line(char *line, struct cmd_upstream_line *l, char *err,
    size_t errlen);

#endif /* ROOST_CMD_UPSTREAM_H */
