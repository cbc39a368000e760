/*
 * src/client/cmd_upstream.c - `roost upstream [set|revert]` and `roost
 * route`: roostd's upstream sources, the routes they make and each
 * route's servers, shown as text blocks (like `resolvectl status`) or
 * JSON; a run-time source set or removed; the route a name takes.
 * ctl.c talks to roostd; the request line of `upstream set` and the
 * parsing of a data line are pure (cmd_upstream.h).
 *
 * Invariants: a request is one line of at most CONTROL_PROTO_MAX_REQUEST
 * octets, and no word of it (SOURCE, NAME, a value) holds a blank, so
 * roostd reads back the words we meant; data lines are kept whole
 * (servers are listed under routes, and upstream lines come after the
 * route lines), at most UPSTREAM_MAX_LINES of them, the rest dropped and
 * said so.  Owns: the connection (closed before a command returns) and
 * the reply's lines.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd_upstream.h"
#include "ctl.h"
#include "output.h"

#define UPSTREAM_MAX_LINES 4096 /* reply lines kept; more dropped */
#define BLANKS " \t\n\v\f\r"

/* --- the request line of upstream set ------------------------------------ */

/* A word of a request: non-empty, without a blank. */
static bool
word_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strpbrk(s, BLANKS) == NULL;
}

/* Append s to buf as snprintf would: *n counts past len. */
static void
append(char *buf, size_t len, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + 1 < len) {
		size_t k = l < len - *n - 1 ? l : len - *n - 1;

		memcpy(buf + *n, s, k);
		buf[*n + k] = '\0';
	}
	*n += l;
}

/* " FIELD=A,B": the non-empty values joined. */
static void
append_list(char *buf, size_t len, size_t *n, const char *field,
    const char *const *v, size_t nv)
{
	bool first = true;

	append(buf, len, n, " ");
	append(buf, len, n, field);
	for (size_t i = 0; i < nv; i++) {
		if (v[i][0] == '\0')
			continue;
		append(buf, len, n, first ? "" : ",");
		append(buf, len, n, v[i]);
		first = false;
	}
}

static int
check_values(const char *opt, const char *what, const char *const *v, size_t nv,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < nv; i++)
		if (strpbrk(v[i], BLANKS ",") != NULL) {
			snprintf(err, errlen,
			    "%s \"%s\": one %s per %s, without blanks or "
			    "commas (repeat %s for more)",
			    opt, v[i], what, opt, opt);
			return -1;
		}
	return 0;
}

int
cmd_upstream_set_request(const struct cmd_upstream_set *s, char *buf,
    size_t len, char *err, size_t errlen)
{
	const char *dr = s->default_route, *dot = s->dns_over_tls;
	size_t n = 0;

	if (!word_ok(s->source)) {
		snprintf(err, errlen, "%s",
		    s->source == NULL || s->source[0] == '\0'
			? "no SOURCE"
			: "a SOURCE has no blanks");
		return -1;
	}
	if (s->ndns == 0 && s->ndomain == 0 && dr == NULL && dot == NULL) {
		snprintf(err, errlen,
		    "nothing to set: give --dns, --domain, --default-route or "
		    "--dns-over-tls");
		return -1;
	}
	if (check_values("--dns", "server", s->dns, s->ndns, err, errlen) ==
		-1 ||
	    check_values("--domain", "domain", s->domain, s->ndomain, err,
		errlen) == -1)
		return -1;
	if (dr != NULL && strcmp(dr, "yes") != 0 && strcmp(dr, "no") != 0 &&
	    strcmp(dr, "auto") != 0) {
		snprintf(err, errlen,
		    "--default-route \"%s\": one of yes, no or auto", dr);
		return -1;
	}
	if (dot != NULL && strcmp(dot, "no") != 0 &&
	    strcmp(dot, "opportunistic") != 0 && strcmp(dot, "strict") != 0 &&
	    strcmp(dot, "default") != 0) {
		snprintf(err, errlen,
		    "--dns-over-tls \"%s\": one of no, opportunistic, strict "
		    "or default",
		    dot);
		return -1;
	}
	if (len > 0)
		buf[0] = '\0';
	append(buf, len, &n,
	    CONTROL_PROTO_UPSTREAM " " CONTROL_PROTO_UPSTREAM_SET " ");
	append(buf, len, &n, s->source);
	if (s->ndns > 0)
		append_list(buf, len, &n, CONTROL_PROTO_FIELD_SERVERS, s->dns,
		    s->ndns);
	if (s->ndomain > 0)
		append_list(buf, len, &n, CONTROL_PROTO_FIELD_DOMAINS,
		    s->domain, s->ndomain);
	if (dr != NULL) {
		append(buf, len, &n, " " CONTROL_PROTO_FIELD_DEFAULT_ROUTE);
		append(buf, len, &n, dr);
	}
	if (dot != NULL) {
		append(buf, len, &n, " " CONTROL_PROTO_FIELD_DNS_OVER_TLS);
		append(buf, len, &n, dot);
	}
	append(buf, len, &n, "\n");
	if (n > CONTROL_PROTO_MAX_REQUEST || n >= len) {
		snprintf(err, errlen,
		    "too long: the request would be %zu octets, roostd takes "
		    "at most %d",
		    n, CONTROL_PROTO_MAX_REQUEST);
		return -1;
	}
	return 0;
}

/* --- one data line ------------------------------------------------------- */

enum field_type {
	F_STR,    /* as it is */
	F_WORD,   /* \DDD escapes undone */
	F_OPTSTR, /* "-": NULL */
	F_LIST,   /* a comma list, "-" for none */
	F_U64,
	F_OPTU64, /* "-": -1 */
	F_YESNO,
	F_BOOL01,
};

struct field {
	enum cmd_upstream_kind kind;
	const char *key;
	enum field_type type;
	size_t off; /* in struct cmd_upstream_line */
};

#define FIELD(k, key, type, member)                                            \
	{                                                                      \
		CMD_UPSTREAM_##k, key, type,                                   \
		    offsetof(struct cmd_upstream_line, member)                 \
	}

static const struct field fields[] = {
	FIELD(SOURCE, "origin", F_STR, origin),
	FIELD(SOURCE, "default-route", F_YESNO, default_route),
	FIELD(SOURCE, "dns-over-tls", F_STR, dns_over_tls),
	FIELD(SOURCE, "servers", F_LIST, servers),
	FIELD(SOURCE, "domains", F_LIST, domains),
	FIELD(ROUTE, "sources", F_LIST, sources),
	FIELD(ROUTE, "servers", F_LIST, servers),
	FIELD(ROUTE, "dnssec", F_OPTSTR, dnssec),
	FIELD(ROUTE, "stripped", F_U64, stripped),
	FIELD(ROUTE, "do_ignored", F_U64, do_ignored),
	FIELD(SERVER, "zone", F_STR, zone),
	FIELD(SERVER, "queries", F_U64, queries),
	FIELD(SERVER, "failures", F_U64, failures),
	FIELD(SERVER, "timeouts", F_U64, timeouts),
	FIELD(SERVER, "srtt_ms", F_U64, srtt_ms),
	FIELD(SERVER, "p50_ms", F_U64, p50_ms),
	FIELD(SERVER, "p90_ms", F_U64, p90_ms),
	FIELD(SERVER, "p99_ms", F_U64, p99_ms),
	FIELD(SERVER, "rtt_samples", F_U64, rtt_samples),
	FIELD(SERVER, "rtt_sum_ms", F_U64, rtt_sum_ms),
	FIELD(SERVER, "down", F_BOOL01, down),
	FIELD(SERVER, "last_error", F_OPTSTR, last_error),
	FIELD(SERVER, "last_error_age_s", F_OPTU64, last_error_age_s),
	FIELD(SERVER, "transport", F_STR, transport),
	FIELD(SERVER, "tls_auth", F_OPTSTR, tls_auth),
	FIELD(SERVER, "tls_error", F_OPTSTR, tls_error),
	FIELD(SERVER, "tls_handshakes", F_U64, tls_handshakes),
	FIELD(SERVER, "tls_resumed", F_U64, tls_resumed),
	FIELD(SERVER, "tls_queries", F_U64, tls_queries),
	FIELD(SERVER, "tls_errors", F_U64, tls_errors),
	FIELD(SERVER, "tls_auth_failures", F_U64, tls_auth_failures),
	FIELD(SERVER, "plain_fallbacks", F_U64, plain_fallbacks),
	FIELD(BLOCKED, "file", F_WORD, file),
	FIELD(BLOCKED, "line", F_U64, line),
	FIELD(BLOCKED, "listed", F_STR, listed),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0;
}

/* Splits v at its commas into *l; false for an empty item. */
static bool
parse_list(char *v, struct cmd_upstream_list *l)
{
	l->s = "";
	l->n = 0;
	if (strcmp(v, "-") == 0 || v[0] == '\0')
		return true;
	if (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,") != NULL)
		return false;
	l->s = v;
	l->n = 1;
	for (; *v != '\0'; v++)
		if (*v == ',') {
			*v = '\0';
			l->n++;
		}
	return true;
}

/* Undoes v's \DDD escapes in place; false for a bad one. */
static bool
unescape(char *v)
{
	char *o = v;

	for (; *v != '\0'; v++) {
		unsigned c;

		if (*v != '\\') {
			*o++ = *v;
			continue;
		}
		if (!isdigit((unsigned char)v[1]) ||
		    !isdigit((unsigned char)v[2]) ||
		    !isdigit((unsigned char)v[3]))
			return false;
		c = (unsigned)(v[1] - '0') * 100 + (unsigned)(v[2] - '0') * 10 +
		    (unsigned)(v[3] - '0');
		if (c == 0 || c > 255)
			return false;
		*o++ = (char)c;
		v += 3;
	}
	*o = '\0';
	return true;
}

/* The value v of field fd into l; false if malformed. */
static bool
parse_value(const struct field *fd, char *v, struct cmd_upstream_line *l)
{
	void *p = (char *)l + fd->off;
	uint64_t u;

	switch (fd->type) {
	case F_STR:
		*(const char **)p = v;
		return true;
	case F_WORD:
		*(const char **)p = v;
		return unescape(v);
	case F_OPTSTR:
		*(const char **)p = strcmp(v, "-") == 0 ? NULL : v;
		return true;
	case F_LIST:
		return parse_list(v, p);
	case F_U64:
		return parse_u64(v, p);
	case F_OPTU64:
		if (strcmp(v, "-") == 0) {
			*(int64_t *)p = -1;
			return true;
		}
		if (!parse_u64(v, &u) || u > INT64_MAX)
			return false;
		*(int64_t *)p = (int64_t)u;
		return true;
	case F_YESNO:
	case F_BOOL01:
		if (strcmp(v, fd->type == F_YESNO ? "yes" : "1") == 0)
			*(bool *)p = true;
		else if (strcmp(v, fd->type == F_YESNO ? "no" : "0") == 0)
			*(bool *)p = false;
		else
			return false;
		return true;
	}
	return false;
}

int
cmd_upstream_parse_line(char *line, struct cmd_upstream_line *l, char *err,
    size_t errlen)
{
	static const char *const kinds[] = {
		[CMD_UPSTREAM_SOURCE] = "source",
		[CMD_UPSTREAM_ROUTE] = "route",
		[CMD_UPSTREAM_SERVER] = "upstream",
		[CMD_UPSTREAM_LOCAL] = "local",
		[CMD_UPSTREAM_BLOCKED] = "blocked",
	};
	char *save = NULL, *w, *eq;
	size_t i;

	*l = (struct cmd_upstream_line){ .name = "",
		.origin = "",
		.zone = "",
		.domains.s = "",
		.sources.s = "",
		.servers.s = "",
		.last_error_age_s = -1,
		.transport = "",
		.dns_over_tls = "",
		.file = "",
		.listed = "" };
	if ((w = strtok_r(line, " ", &save)) == NULL) {
		snprintf(err, errlen, "an empty line");
		return -1;
	}
	for (i = CMD_UPSTREAM_SOURCE; i <= CMD_UPSTREAM_BLOCKED; i++)
		if (strcmp(w, kinds[i]) == 0)
			l->kind = (enum cmd_upstream_kind)i;
	if (l->kind == CMD_UPSTREAM_OTHER)
		return 0;
	if ((l->name = strtok_r(NULL, " ", &save)) == NULL ||
	    strchr(l->name, '=') != NULL) {
		snprintf(err, errlen, "a %s line without its name", w);
		return -1;
	}
	while ((w = strtok_r(NULL, " ", &save)) != NULL) {
		if ((eq = strchr(w, '=')) == NULL || eq == w) {
			snprintf(err, errlen, "\"%s\" is not KEY=VALUE", w);
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < NFIELDS; i++)
			if (fields[i].kind == l->kind &&
			    strcmp(fields[i].key, w) == 0)
				break;
		if (i < NFIELDS && !parse_value(&fields[i], eq + 1, l)) {
			snprintf(err, errlen, "bad value of %s", w);
			return -1;
		}
	}
	return 0;
}

/* --- the reply: its lines, kept ------------------------------------------ */

struct entry {
	char *buf; /* the line, owned; l points into it */
	struct cmd_upstream_line l;
};

struct reply {
	struct entry *e;
	size_t n, cap;
	size_t dropped; /* lines past UPSTREAM_MAX_LINES */
};

static void
reply_free(struct reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i].buf);
	free(r->e);
	r->e = NULL;
	r->n = r->cap = 0;
}

/*
 * Reads the data lines of c into r, each parsed.  Returns 0, or -1 with
 * the error printed (the reply cut short, a bad line, out of memory);
 * r is the caller's to free either way.
 */
static int
reply_read(struct ctl_conn *c, struct reply *r)
{
	char *line = NULL, err[256];
	size_t cap = 0;
	int st;

	while ((st = ctl_line(c, &line, &cap)) == 1) {
		struct entry *e;

		if (r->n == UPSTREAM_MAX_LINES) {
			r->dropped++;
			continue;
		}
		if (r->n == r->cap) {
			size_t ncap = r->cap ? r->cap * 2 : 16;

			if ((e = realloc(r->e, ncap * sizeof(*e))) == NULL) {
				fprintf(stderr, "%s: %s: out of memory\n",
				    CLIENT_PROGNAME, c->cmd);
				st = -1;
				break;
			}
			r->e = e;
			r->cap = ncap;
		}
		e = &r->e[r->n++];
		e->buf = line;
		line = NULL;
		cap = 0;
		if (cmd_upstream_parse_line(e->buf, &e->l, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "%s: %s: bad line from roostd: %s\n",
			    CLIENT_PROGNAME, c->cmd, err);
			st = -1;
			break;
		}
	}
	free(line);
	return st == 0 ? 0 : -1;
}

/* The first line of kind k, or NULL. */
static const struct cmd_upstream_line *
reply_find(const struct reply *r, enum cmd_upstream_kind k)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].l.kind == k)
			return &r->e[i].l;
	return NULL;
}

/* Whether entry i is a server of the route of zone (NULL: any route). */
static bool
serves(const struct reply *r, size_t i, const char *zone)
{
	return r->e[i].l.kind == CMD_UPSTREAM_SERVER &&
	    (zone == NULL || strcmp(r->e[i].l.zone, zone) == 0);
}

static void
reply_note_dropped(const struct reply *r, const char *cmd)
{
	if (r->dropped > 0)
		fprintf(stderr,
		    "%s: %s: roostd sent more than %d lines; %zu not shown\n",
		    CLIENT_PROGNAME, cmd, UPSTREAM_MAX_LINES, r->dropped);
}

/* --- text ---------------------------------------------------------------- */

static void
text_list(FILE *f, const struct cmd_upstream_list *l)
{
	const char *p = l->s;

	if (l->n == 0)
		fputs("none", f);
	for (size_t i = 0; i < l->n; i++, p += strlen(p) + 1)
		fprintf(f, "%s%s", i ? " " : "", p);
	fputc('\n', f);
}

static void
text_source(FILE *f, const struct cmd_upstream_line *s)
{
	fprintf(f, "Source %s (origin %s)\n  Default route: %s\n", s->name,
	    s->origin, s->default_route ? "yes" : "no");
	if (s->dns_over_tls[0] != '\0' && strcmp(s->dns_over_tls, "no") != 0)
		fprintf(f, "   DNS over TLS: %s\n", s->dns_over_tls);
	fprintf(f, "        Servers: ");
	text_list(f, &s->servers);
	fprintf(f, "        Domains: ");
	text_list(f, &s->domains);
}

static void
text_last_error(FILE *f, const struct cmd_upstream_line *u)
{
	if (u->last_error == NULL)
		fputs("none", f);
	else if (u->last_error_age_s < 0)
		fputs(u->last_error, f);
	else
		fprintf(f, "%s %" PRId64 " s ago", u->last_error,
		    u->last_error_age_s);
}

/* Prints s with each "_" as a blank (roostd's one-word form). */
static void
put_spaced(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '_' ? ' ' : *s, f);
}

/* Under a server row: its transport, when it is DNS over TLS. */
static void
text_server_tls(FILE *f, const struct cmd_upstream_line *u, int w)
{
	if (strncmp(u->transport, "tls", 3) != 0)
		return;
	fprintf(f, "  %-*s  over TLS (%s), ", w, "",
	    strcmp(u->transport, "tls") == 0 ? "strict" : "opportunistic");
	if (u->tls_auth != NULL) {
		fputs("authenticated as ", f);
		put_spaced(f, u->tls_auth);
	} else {
		fputs("not authenticated", f);
	}
	fprintf(f,
	    "; handshakes %" PRIu64 " (resumed %" PRIu64 "), queries %" PRIu64,
	    u->tls_handshakes, u->tls_resumed, u->tls_queries);
	if (u->tls_handshakes > 0)
		fprintf(f, " (%" PRIu64 " per connection)",
		    u->tls_queries / u->tls_handshakes);
	if (u->plain_fallbacks > 0)
		fprintf(f, ", in plain DNS %" PRIu64, u->plain_fallbacks);
	if (u->tls_errors > 0) {
		fprintf(f, "; TLS errors %" PRIu64, u->tls_errors);
		if (u->tls_error != NULL) {
			fputs(", the latest: ", f);
			put_spaced(f, u->tls_error);
		}
	}
	fputc('\n', f);
}

static void
text_route_heading(FILE *f, const struct cmd_upstream_line *rt)
{
	fprintf(f, "Route %s%s", rt->name,
	    strcmp(rt->name, ".") == 0 ? " (default route)" : "");
}

/* The route's sources, then a table of its servers (those of zone). */
/* "DNSSEC: MODE", and what its upstreams did to DNSSEC records. */
static void
text_route_dnssec(FILE *f, const struct cmd_upstream_line *rt)
{
	const char *fate = strcmp(rt->dnssec, "permissive") == 0
	    ? "served without AD"
	    : "SERVFAIL";

	fprintf(f, "         DNSSEC: %s", rt->dnssec);
	if (rt->stripped > 0)
		fprintf(f,
		    " (%" PRIu64 " answers without RRSIGs in signed zones: "
		    "%s; does an upstream strip DNSSEC records?)",
		    rt->stripped, fate);
	if (rt->do_ignored > 0)
		fprintf(f,
		    " (%" PRIu64 " answers from an upstream that ignored DO: "
		    "it does not pass DNSSEC records on)",
		    rt->do_ignored);
	fputc('\n', f);
}

static void
text_route_body(FILE *f, const struct cmd_upstream_line *rt,
    const struct reply *r, const char *zone)
{
	int w = (int)strlen("SERVER");
	size_t nup = 0;

	fprintf(f, "        Sources: ");
	text_list(f, &rt->sources);
	if (rt->dnssec != NULL)
		text_route_dnssec(f, rt);
	for (size_t i = 0; i < r->n; i++)
		if (serves(r, i, zone)) {
			if ((int)strlen(r->e[i].l.name) > w)
				w = (int)strlen(r->e[i].l.name);
			nup++;
		}
	if (nup == 0) { /* no counters: at least the addresses */
		fprintf(f, "        Servers: ");
		text_list(f, &rt->servers);
		return;
	}
	fprintf(f, "  %-*s  %-5s %7s %8s %8s %8s  %s\n", w, "SERVER", "STATE",
	    "SRTT", "QUERIES", "FAILURES", "TIMEOUTS", "LAST ERROR");
	for (size_t i = 0; i < r->n; i++) {
		const struct cmd_upstream_line *u = &r->e[i].l;

		if (!serves(r, i, zone))
			continue;
		fprintf(f,
		    "  %-*s  %-5s %4" PRIu64 " ms %8" PRIu64 " %8" PRIu64
		    " %8" PRIu64 "  ",
		    w, u->name, u->down ? "down" : "up", u->srtt_ms, u->queries,
		    u->failures, u->timeouts);
		text_last_error(f, u);
		fputc('\n', f);
		text_server_tls(f, u, w);
	}
}

/* Every source's block, then every route's. */
static void
text_upstream(FILE *f, const struct reply *r)
{
	bool first = true;

	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].l.kind == CMD_UPSTREAM_SOURCE) {
			fputs(first ? "" : "\n", f);
			text_source(f, &r->e[i].l);
			first = false;
		}
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].l.kind == CMD_UPSTREAM_ROUTE) {
			fputs(first ? "" : "\n", f);
			text_route_heading(f, &r->e[i].l);
			fputc('\n', f);
			text_route_body(f, &r->e[i].l, r, r->e[i].l.name);
			first = false;
		}
}

/* --- JSON ---------------------------------------------------------------- */

static void
json_list(FILE *f, const struct cmd_upstream_list *l)
{
	const char *p = l->s;

	fputc('[', f);
	for (size_t i = 0; i < l->n; i++, p += strlen(p) + 1) {
		fputs(i ? ", " : "", f);
		output_json_str(f, p);
	}
	fputc(']', f);
}

static void
json_source(FILE *f, const struct cmd_upstream_line *s)
{
	fprintf(f, "{\"name\": ");
	output_json_str(f, s->name);
	fprintf(f, ", \"origin\": ");
	output_json_str(f, s->origin);
	fprintf(f, ", \"default_route\": %s, \"dns_over_tls\": ",
	    s->default_route ? "true" : "false");
	output_json_str(f, s->dns_over_tls[0] != '\0' ? s->dns_over_tls : NULL);
	fprintf(f, ", \"servers\": ");
	json_list(f, &s->servers);
	fprintf(f, ", \"domains\": ");
	json_list(f, &s->domains);
	fputc('}', f);
}

static void
json_server(FILE *f, const struct cmd_upstream_line *u)
{
	fprintf(f, "{\"address\": ");
	output_json_str(f, u->name);
	fprintf(f,
	    ", \"down\": %s, \"srtt_ms\": %" PRIu64 ", \"queries\": %" PRIu64
	    ", \"failures\": %" PRIu64 ", \"timeouts\": %" PRIu64
	    ", \"p50_ms\": %" PRIu64 ", \"p90_ms\": %" PRIu64
	    ", \"p99_ms\": %" PRIu64 ", \"rtt_samples\": %" PRIu64
	    ", \"rtt_sum_ms\": %" PRIu64 ", \"last_error\": ",
	    u->down ? "true" : "false", u->srtt_ms, u->queries, u->failures,
	    u->timeouts, u->p50_ms, u->p90_ms, u->p99_ms, u->rtt_samples,
	    u->rtt_sum_ms);
	output_json_str(f, u->last_error);
	if (u->last_error_age_s < 0)
		fprintf(f, ", \"last_error_age_s\": null");
	else
		fprintf(f, ", \"last_error_age_s\": %" PRId64,
		    u->last_error_age_s);
	fprintf(f, ", \"transport\": ");
	output_json_str(f, u->transport[0] != '\0' ? u->transport : "udp");
	if (strncmp(u->transport, "tls", 3) == 0) {
		fprintf(f, ", \"tls_auth\": ");
		output_json_str(f, u->tls_auth);
		fprintf(f,
		    ", \"tls_handshakes\": %" PRIu64
		    ", \"tls_resumed\": %" PRIu64 ", \"tls_queries\": %" PRIu64
		    ", \"tls_errors\": %" PRIu64
		    ", \"tls_auth_failures\": %" PRIu64
		    ", \"plain_fallbacks\": %" PRIu64 ", \"tls_error\": ",
		    u->tls_handshakes, u->tls_resumed, u->tls_queries,
		    u->tls_errors, u->tls_auth_failures, u->plain_fallbacks);
		output_json_str(f, u->tls_error);
	}
	fputc('}', f);
}

/* "sources": [...], "servers": [...] of route rt (servers of zone). */
static void
json_route_members(FILE *f, const struct cmd_upstream_line *rt,
    const struct reply *r, const char *zone)
{
	bool first = true;

	fprintf(f, ", \"sources\": ");
	json_list(f, &rt->sources);
	if (rt->dnssec != NULL) {
		fprintf(f, ", \"dnssec\": ");
		output_json_str(f, rt->dnssec);
		fprintf(f,
		    ", \"stripped\": %" PRIu64 ", \"do_ignored\": %" PRIu64,
		    rt->stripped, rt->do_ignored);
	}
	fprintf(f, ", \"servers\": [");
	for (size_t i = 0; i < r->n; i++)
		if (serves(r, i, zone)) {
			fputs(first ? "" : ", ", f);
			json_server(f, &r->e[i].l);
			first = false;
		}
	fputc(']', f);
}

static void
json_upstream(FILE *f, const struct reply *r)
{
	bool first = true;

	fprintf(f, "{\"sources\": [");
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].l.kind == CMD_UPSTREAM_SOURCE) {
			fputs(first ? "" : ", ", f);
			json_source(f, &r->e[i].l);
			first = false;
		}
	fprintf(f, "], \"routes\": [");
	first = true;
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].l.kind == CMD_UPSTREAM_ROUTE) {
			fprintf(f, "%s{\"zone\": ", first ? "" : ", ");
			output_json_str(f, r->e[i].l.name);
			json_route_members(f, &r->e[i].l, r, r->e[i].l.name);
			fputc('}', f);
			first = false;
		}
	fprintf(f, "]}\n");
}

/* --- command lines ------------------------------------------------------- */

enum sub {
	SUB_SHOW,   /* roost upstream */
	SUB_SET,    /* roost upstream set SOURCE ... */
	SUB_REVERT, /* roost upstream revert SOURCE */
	SUB_ROUTE,  /* roost route NAME */
};

enum {
	OPT_CONTROL = 256,
	OPT_DNS,
	OPT_DOMAIN,
	OPT_DEFAULT_ROUTE,
	OPT_DNS_OVER_TLS,
};

struct opts {
	enum sub sub;
	bool json;
	const char *path;
	const char *arg;     /* SOURCE or NAME */
	const char *set_opt; /* the first option of upstream set given */
	struct cmd_upstream_set set;
};

static void
usage(FILE *f, const char *cmd)
{
	if (strcmp(cmd, "route") == 0)
		fprintf(f,
		    "usage: roost route NAME [--json] [--control PATH]\n"
		    "The route roostd sends questions for NAME by: the zone "
		    "of NAME's longest\n"
		    "routing domain (. for the default route), the sources "
		    "that feed it, and\n"
		    "its servers with their state, SRTT, counters and last "
		    "error.  First, if\n"
		    "roostd answers NAME itself: a local name, or blocked "
		    "(with the FILE:LINE\n"
		    "of the blocklist entry).\n"
		    "\n"
		    "  -j, --json           one JSON document\n");
	else
		fprintf(f,
		    "usage: roost upstream [--json] [--control PATH]\n"
		    "       roost upstream set SOURCE [--dns ADDR[#PORT]]... "
		    "[--domain [~]DOMAIN]...\n"
		    "                          [--default-route "
		    "yes|no|auto]\n"
		    "                          [--dns-over-tls "
		    "no|opportunistic|strict|default]\n"
		    "                          [--control PATH]\n"
		    "       roost upstream revert SOURCE [--control PATH]\n"
		    "roostd's upstream sources (roostd.conf, resolv.conf, "
		    "upstream set, D-Bus),\n"
		    "the routes they make, and per route its servers with "
		    "their state, SRTT,\n"
		    "counters and last error.  set makes or changes the "
		    "run-time source SOURCE:\n"
		    "a list given replaces the old one, the rest stays; "
		    "revert removes it.\n"
		    "Such a source lives until revert or roostd's restart "
		    "(a reload keeps it).\n"
		    "\n"
		    "  -j, --json           one JSON document\n"
		    "      --dns ADDR[#PORT][#NAME]\n"
		    "                       a server of SOURCE, NAME its TLS "
		    "name (repeat for\n"
		    "                       more; '' for none)\n"
		    "      --domain [~]DOMAIN\n"
		    "                       a routing domain of SOURCE, ~ for "
		    "route only (repeat\n"
		    "                       for more; '' for none; ~. takes "
		    "every name)\n"
		    "      --default-route yes|no|auto\n"
		    "                       whether SOURCE's servers take "
		    "names no domain claims\n"
		    "                       (auto: yes unless it has a route "
		    "only domain)\n"
		    "      --dns-over-tls no|opportunistic|strict|default\n"
		    "                       how SOURCE's servers are asked "
		    "(default: roostd.conf's\n"
		    "                       dns-over-tls)\n");
	fprintf(f,
	    "      --control PATH   roostd's control socket (default %s)\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Exit status: 0 done, 2 failure (roostd unreachable, permission "
	    "denied,\nan error from roostd), 3 usage.\n",
	    CTL_DEFAULT_PATH);
}

/* One --dns (dns) or --domain value more.  Returns 0 or -1 (printed). */
static int
add_value(struct opts *o, bool dns, const char *v)
{
	const char **a = dns ? o->set.dns : o->set.domain;
	size_t *n = dns ? &o->set.ndns : &o->set.ndomain;

	if (*n == CMD_UPSTREAM_MAX_VALUES) {
		fprintf(stderr, "%s: upstream: at most %d %s options\n",
		    CLIENT_PROGNAME, CMD_UPSTREAM_MAX_VALUES,
		    dns ? "--dns" : "--domain");
		return -1;
	}
	a[(*n)++] = v;
	if (o->set_opt == NULL)
		o->set_opt = dns ? "--dns" : "--domain";
	return 0;
}

/* The command's name for messages. */
static const char *const sub_names[] = {
	[SUB_SHOW] = "upstream",
	[SUB_SET] = "upstream set",
	[SUB_REVERT] = "upstream revert",
	[SUB_ROUTE] = "route",
};

/* Returns -1 if the line is usable, else CLIENT_EXIT_USAGE (printed). */
static int
check_args(int n, char **args, const char *cmd, struct opts *o)
{
	const char *why = NULL;

	if (strcmp(cmd, "route") == 0) {
		o->sub = SUB_ROUTE;
		why = n == 1 ? NULL : "one NAME";
	} else if (n == 0) {
		o->sub = SUB_SHOW;
	} else if (strcmp(args[0], "set") == 0 ||
	    strcmp(args[0], "revert") == 0) {
		o->sub = strcmp(args[0], "set") == 0 ? SUB_SET : SUB_REVERT;
		why = n == 2 ? NULL : "one SOURCE";
	} else {
		why = "set SOURCE, revert SOURCE or nothing after it";
	}
	if (why == NULL && o->sub != SUB_SHOW)
		o->arg = args[n - 1];
	o->set.source = o->sub == SUB_SET ? o->arg : NULL;
	if (why == NULL && o->json &&
	    (o->sub == SUB_SET || o->sub == SUB_REVERT))
		why = "--json does not apply";
	if (why == NULL && o->set_opt != NULL && o->sub != SUB_SET)
		why = "--dns, --domain, --default-route and --dns-over-tls are "
		      "for upstream set";
	if (why == NULL && (o->sub == SUB_REVERT || o->sub == SUB_ROUTE) &&
	    !word_ok(o->arg))
		why = o->sub == SUB_ROUTE
		    ? "NAME is one word, without blanks (write them \\032)"
		    : "SOURCE is one word, without blanks";
	if (why == NULL)
		return -1;
	fprintf(stderr, "%s: %s: %s\n", CLIENT_PROGNAME, sub_names[o->sub],
	    why);
	usage(stderr, cmd);
	return CLIENT_EXIT_USAGE;
}

/* Returns -1 to go on, else an exit status. */
static int
parse_opts(int argc, char **argv, const char *control_path, struct opts *o)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "json", no_argument, NULL, 'j' },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "default-route", required_argument, NULL, OPT_DEFAULT_ROUTE },
		{ "dns-over-tls", required_argument, NULL, OPT_DNS_OVER_TLS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int ch;

	memset(o, 0, sizeof(*o));
	o->path = control_path != NULL ? control_path : CTL_DEFAULT_PATH;
	optind = 1;
	/* permuting: options may follow "set SOURCE" */
	while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_CONTROL:
			o->path = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_DNS:
		case OPT_DOMAIN:
			if (add_value(o, ch == OPT_DNS, optarg) == -1)
				return CLIENT_EXIT_USAGE;
			break;
		case OPT_DEFAULT_ROUTE:
			o->set.default_route = optarg;
			if (o->set_opt == NULL)
				o->set_opt = "--default-route";
			break;
		case OPT_DNS_OVER_TLS:
			o->set.dns_over_tls = optarg;
			if (o->set_opt == NULL)
				o->set_opt = "--dns-over-tls";
			break;
		case 'h':
			usage(stdout, cmd);
			return CLIENT_EXIT_ANSWER;
		default:
			usage(stderr, cmd);
			return CLIENT_EXIT_USAGE;
		}
	}
	return check_args(argc - optind, argv + optind, cmd, o);
}

/* --- the commands -------------------------------------------------------- */

/*
 * Sends request over a connection to o->path and reads the reply into
 * r.  Returns CLIENT_EXIT_ANSWER, or another status with the error
 * printed; r is the caller's to free either way.
 */
static int
ask(const struct opts *o, const char *cmd, const char *request, struct reply *r)
{
	struct ctl_conn c = { .path = o->path, .cmd = cmd };
	int st;

	if ((st = ctl_open(&c, request)) != CLIENT_EXIT_ANSWER)
		return st;
	st = reply_read(&c, r);
	ctl_close(&c);
	if (st != 0)
		return CLIENT_EXIT_FAIL;
	reply_note_dropped(r, cmd);
	return CLIENT_EXIT_ANSWER;
}

/* "VERB ARG\n" into req (CONTROL_PROTO_MAX_REQUEST + 1 octets). */
static int
short_request(char *req, const char *verb, const char *arg, const char *cmd)
{
	int n =
	    snprintf(req, CONTROL_PROTO_MAX_REQUEST + 1, "%s %s\n", verb, arg);

	if (n < 0 || n > CONTROL_PROTO_MAX_REQUEST) {
		fprintf(stderr, "%s: %s: too long (at most %d octets)\n",
		    CLIENT_PROGNAME, cmd, CONTROL_PROTO_MAX_REQUEST);
		return -1;
	}
	return 0;
}

static int
do_show(const struct opts *o)
{
	struct reply r = { 0 };
	int st;

	st = ask(o, "upstream", CONTROL_PROTO_UPSTREAM "\n", &r);
	if (st == CLIENT_EXIT_ANSWER && o->json)
		json_upstream(stdout, &r);
	else if (st == CLIENT_EXIT_ANSWER)
		text_upstream(stdout, &r);
	reply_free(&r);
	return st;
}

static int
do_set(const struct opts *o)
{
	const struct cmd_upstream_line *s;
	char req[CONTROL_PROTO_MAX_REQUEST + 1], err[256];
	struct reply r = { 0 };
	int st;

	if (cmd_upstream_set_request(&o->set, req, sizeof(req), err,
		sizeof(err)) == -1) {
		fprintf(stderr, "%s: upstream set: %s\n", CLIENT_PROGNAME, err);
		return CLIENT_EXIT_USAGE;
	}
	st = ask(o, "upstream set", req, &r);
	if (st == CLIENT_EXIT_ANSWER) {
		if ((s = reply_find(&r, CMD_UPSTREAM_SOURCE)) != NULL) {
			text_source(stdout, s);
		} else {
			fprintf(stderr,
			    "%s: upstream set: roostd's reply has no source "
			    "line\n",
			    CLIENT_PROGNAME);
			st = CLIENT_EXIT_FAIL;
		}
	}
	reply_free(&r);
	return st;
}

static int
do_revert(const struct opts *o)
{
	char req[CONTROL_PROTO_MAX_REQUEST + 1];
	struct reply r = { 0 };
	int st;

	if (short_request(req,
		CONTROL_PROTO_UPSTREAM " " CONTROL_PROTO_UPSTREAM_REVERT,
		o->arg, "upstream revert") == -1)
		return CLIENT_EXIT_USAGE;
	st = ask(o, "upstream revert", req, &r);
	reply_free(&r);
	if (st == CLIENT_EXIT_ANSWER)
		printf("%s reverted\n", o->arg);
	return st;
}

/* What answers the name before any route: a line, or nothing. */
static void
text_here(FILE *f, const struct reply *r)
{
	const struct cmd_upstream_line *l;

	if ((l = reply_find(r, CMD_UPSTREAM_BLOCKED)) != NULL)
		fprintf(f,
		    "Blocked: %s:%" PRIu64 " lists %s; roostd answers "
		    "it itself (block-answer)\n",
		    l->file, l->line, l->listed);
	else if (reply_find(r, CMD_UPSTREAM_LOCAL) != NULL)
		fprintf(f,
		    "Local: roostd answers its addresses itself "
		    "(local names or a hosts file)\n");
}

/* , "answered_here": null or {"by": ..., ...}. */
static void
json_here(FILE *f, const struct reply *r)
{
	const struct cmd_upstream_line *l;

	fprintf(f, ", \"answered_here\": ");
	if ((l = reply_find(r, CMD_UPSTREAM_BLOCKED)) != NULL) {
		fprintf(f, "{\"by\": \"blocklist\", \"file\": ");
		output_json_str(f, l->file);
		fprintf(f, ", \"line\": %" PRIu64 ", \"listed\": ", l->line);
		output_json_str(f, l->listed);
		fprintf(f, "}");
	} else if (reply_find(r, CMD_UPSTREAM_LOCAL) != NULL)
		fprintf(f, "{\"by\": \"local\"}");
	else
		fprintf(f, "null");
}

static int
do_route(const struct opts *o)
{
	const struct cmd_upstream_line *rt = NULL;
	char req[CONTROL_PROTO_MAX_REQUEST + 1];
	struct reply r = { 0 };
	int st;

	if (short_request(req, CONTROL_PROTO_ROUTE, o->arg, "route") == -1)
		return CLIENT_EXIT_USAGE;
	st = ask(o, "route", req, &r);
	if (st == CLIENT_EXIT_ANSWER &&
	    (rt = reply_find(&r, CMD_UPSTREAM_ROUTE)) == NULL) {
		fprintf(stderr, "%s: route: roostd's reply has no route line\n",
		    CLIENT_PROGNAME);
		st = CLIENT_EXIT_FAIL;
	}
	if (rt != NULL && o->json) {
		printf("{\"name\": ");
		output_json_str(stdout, o->arg);
		json_here(stdout, &r);
		printf(", \"zone\": ");
		output_json_str(stdout, rt->name);
		json_route_members(stdout, rt, &r, NULL);
		printf("}\n");
	} else if (rt != NULL) {
		text_here(stdout, &r);
		text_route_heading(stdout, rt);
		printf(" for %s\n", o->arg);
		text_route_body(stdout, rt, &r, NULL);
	}
	reply_free(&r);
	return st;
}

int
cmd_upstream_main(int argc, char **argv, const char *control_path)
{
	struct opts o;
	int st;

	if ((st = parse_opts(argc, argv, control_path, &o)) >= 0)
		return st;
	switch (o.sub) {
	case SUB_SET:
		return do_set(&o);
	case SUB_REVERT:
		return do_revert(&o);
	case SUB_ROUTE:
		return do_route(&o);
	case SUB_SHOW:
		break;
	}
	return do_show(&o);
}
