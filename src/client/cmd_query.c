/*
 * src/client/cmd_query.c - `roost query`: one question to one server,
 * shown the way dig 9.18 shows it (or +short, or --json).
 *
 * The command line is dig's (query_args.c), the layout dig's
 * (digout.c); this file sends the query and prints the banner and the
 * statistics around the message.  A server given by name is looked up
 * with getaddrinfo() and its addresses asked in order until one
 * replies; the default is the local roostd on 127.0.0.1#53.  Over UDP a
 * truncated reply is asked again over TCP, and a BADCOOKIE reply once
 * more with the server's cookie, as dig does.  Owns: the query and
 * reply packets and the question name, all freed before
 * cmd_query_main() returns.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "autoconf.h"

#include "client.h"
#include "digout.h"
#include "dname.h"
#include "net.h"
#include "output.h"
#include "query_args.h"

#define QUERY_MAX_SERVERS 8 /* addresses of a server name asked; more unused */
#define QUERY_COOKIE_CLIENT 8
#define QUERY_COOKIE_MAX 40 /* client cookie and the longest server one */

/* The servers to ask: their addresses and the name dig shows. */
struct servers {
	struct addr addr[QUERY_MAX_SERVERS];
	size_t n;
	char shown[256]; /* SERVER: ADDR#PORT(shown) */
	bool given;      /* an @SERVER, so "(N servers found)" */
};

/* The addresses of a numeric server, or of a name by getaddrinfo(). */
static int
servers_find(const struct query_args *a, struct servers *s)
{
	const char *text =
	    a->server != NULL ? a->server : QUERY_ARGS_DEFAULT_SERVER;
	struct addrinfo hints = { .ai_family = a->family,
		.ai_socktype = SOCK_DGRAM },
			*res = NULL, *ai;
	char err[256];
	int rc;

	s->given = a->server != NULL;
	if (net_addr_parse(text, (uint16_t)a->port, &s->addr[0], err,
		sizeof(err)) == 0) {
		net_addr_host(&s->addr[0].ss, s->shown, sizeof(s->shown));
		s->n = 1;
		return 0;
	}
	snprintf(s->shown, sizeof(s->shown), "%s", text);
	if ((rc = getaddrinfo(text, NULL, &hints, &res)) != 0) {
		fprintf(stderr, "roost query: %s: %s\n", text,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && s->n < QUERY_MAX_SERVERS;
	     ai = ai->ai_next) {
		struct addr *d = &s->addr[s->n];

		if (ai->ai_addrlen > sizeof(d->ss))
			continue;
		memcpy(&d->ss, ai->ai_addr, ai->ai_addrlen);
		d->len = ai->ai_addrlen;
		if (d->ss.ss_family == AF_INET)
			((struct sockaddr_in *)&d->ss)->sin_port =
			    htons((uint16_t)a->port);
		else
			((struct sockaddr_in6 *)&d->ss)->sin6_port =
			    htons((uint16_t)a->port);
		s->n++;
	}
	freeaddrinfo(res);
	if (s->n == 0) {
		fprintf(stderr, "roost query: %s: no address%s\n", text,
		    a->family == AF_INET        ? " for IPv4"
			: a->family == AF_INET6 ? " for IPv6"
						: "");
		return -1;
	}
	return 0;
}

/* Append option code with len bytes of data to o (at *n, room kept). */
static void
opt_put(uint8_t *o, size_t *n, unsigned code, const uint8_t *data, size_t len)
{
	o[(*n)++] = (uint8_t)(code >> 8);
	o[(*n)++] = (uint8_t)code;
	o[(*n)++] = (uint8_t)(len >> 8);
	o[(*n)++] = (uint8_t)len;
	if (len > 0)
		memcpy(o + *n, data, len);
	*n += len;
}

/*
 * The query a asks for: flags, EDNS and its options (cookie: the
 * cookie_len bytes to send, client cookie first).  Returns a new packet
 * or NULL when out of memory.
 */
static ldns_pkt *
query_build(const struct query_args *a, const ldns_rdf *name, ldns_rr_type type,
    ldns_rr_class cls, const uint8_t *cookie, size_t cookie_len)
{
	uint8_t opts[4 + QUERY_COOKIE_MAX + 4 + 4 + 4 + 16];
	size_t n = 0;
	ldns_rdf *owner = ldns_rdf_clone(name), *data;
	ldns_pkt *q;

	if (owner == NULL)
		return NULL;
	q = ldns_pkt_query_new(owner, type, cls,
	    (uint16_t)((a->rd ? LDNS_RD : 0) | (a->ad ? LDNS_AD : 0) |
		(a->cd ? LDNS_CD : 0)));
	if (q == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_pkt_set_random_id(q);
	if (!a->edns)
		return q;
	ldns_pkt_set_edns_udp_size(q, (uint16_t)a->bufsize);
	ldns_pkt_set_edns_version(q, (uint8_t)a->edns_version);
	ldns_pkt_set_edns_do(q, a->dnssec);
	if (a->nsid)
		opt_put(opts, &n, DIGOUT_OPT_NSID, NULL, 0);
	if (a->subnet.set) {
		uint8_t ecs[4 + 16] = { 0, (uint8_t)a->subnet.family,
			(uint8_t)a->subnet.source, 0 };
		size_t bytes = (a->subnet.source + 7) / 8;

		memcpy(ecs + 4, a->subnet.addr, bytes);
		opt_put(opts, &n, DIGOUT_OPT_SUBNET, ecs, 4 + bytes);
	}
	if (cookie_len > 0)
		opt_put(opts, &n, DIGOUT_OPT_COOKIE, cookie, cookie_len);
	if (n > 0) {
		if ((data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, n,
			 opts)) == NULL) {
			ldns_pkt_free(q);
			return NULL;
		}
		ldns_pkt_set_edns_data(q, data);
	}
	return q;
}

/* The COOKIE option of p (ours and the server's), if it has a server
 * part; its length, or 0. */
static size_t
server_cookie(const ldns_pkt *p, uint8_t *out)
{
	const uint8_t *o, *d;
	size_t n, len;
	unsigned code;

	o = digout_opt_bytes(p, &n);
	while (o != NULL && digout_opt_next(&o, &n, &code, &d, &len)) {
		if (code == DIGOUT_OPT_COOKIE && len > QUERY_COOKIE_CLIENT &&
		    len <= QUERY_COOKIE_MAX) {
			memcpy(out, d, len);
			return len;
		}
	}
	return 0;
}

/* One question to the servers in turn; the first reply wins. */
struct exchange {
	const struct query_args *a;
	const struct servers *s;
	const ldns_rdf *name;
	ldns_rr_type type;
	ldns_rr_class cls;
	uint8_t cookie[QUERY_COOKIE_MAX]; /* ours, then the server's */
	size_t cookie_len;
	size_t server; /* index of the server that answered */
	struct net_reply r;
};

static int
exchange_run(struct exchange *x)
{
	struct net_opts o = { .timeout_ms = x->a->timeout_ms,
		.tries = x->a->tries,
		.tcp = x->a->tcp,
		.tc_fallback = true };
	char err[256], where[ADDR_STRLEN];
	ldns_pkt *q;
	enum net_result nr = NET_ERROR;

	if ((q = query_build(x->a, x->name, x->type, x->cls, x->cookie,
		 x->cookie_len)) == NULL) {
		fprintf(stderr, "roost query: out of memory\n");
		return -1;
	}
	for (x->server = 0; x->server < x->s->n; x->server++) {
		const struct addr *ad = &x->s->addr[x->server];

		nr = net_exchange(q, &ad->ss, ad->len, &o, &x->r, err,
		    sizeof(err));
		if (nr == NET_OK)
			break;
		fprintf(stderr, "roost query: %s: %s\n",
		    addr_str(ad, where, sizeof(where)), err);
	}
	ldns_pkt_free(q);
	return nr == NET_OK ? 0 : -1;
}

/*
 * Ask, and over UDP ask once more with the server's cookie after a
 * BADCOOKIE reply that echoed ours (RFC 7873 5.3).  Returns 0 with
 * x->r.pkt set, or -1 (said on stderr).
 */
static int
exchange_ask(struct exchange *x)
{
	uint8_t sc[QUERY_COOKIE_MAX];
	size_t n;

	if (exchange_run(x) == -1)
		return -1;
	if (digout_full_rcode(x->r.pkt) != 23 || x->r.tcp ||
	    x->cookie_len == 0 ||
	    digout_cookie_check(x->r.pkt, x->cookie) != DIGOUT_COOKIE_GOOD ||
	    (n = server_cookie(x->r.pkt, sc)) == 0)
		return 0;
	if (x->a->view.comments)
		printf(";; BADCOOKIE, retrying.\n");
	memcpy(x->cookie, sc, n);
	x->cookie_len = n;
	ldns_pkt_free(x->r.pkt);
	x->r = (struct net_reply){ 0 };
	return exchange_run(x);
}

static void
print_banner(const struct servers *s, int argc, char **argv)
{
	printf("\n; <<>> roost %s <<>>", PACKAGE_VERSION);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (s->given)
		printf("; (%zu server%s found)\n", s->n, s->n > 1 ? "s" : "");
	printf(";; global options: +cmd\n");
}

static void
print_stats(const struct exchange *x)
{
	char from[ADDR_STRLEN], when[64];
	time_t now = time(NULL);
	struct tm tm;

	addr_str(&x->s->addr[x->server], from, sizeof(from));
	printf(";; Query time: %ld msec\n", (long)x->r.rtt_ms);
	printf(";; SERVER: %s(%s) (%s)\n", from, x->s->shown,
	    x->r.tcp ? "TCP" : "UDP");
	if (localtime_r(&now, &tm) != NULL &&
	    strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y", &tm) > 0)
		printf(";; WHEN: %s\n", when);
	printf(";; MSG SIZE  rcvd: %zu\n\n", x->r.size);
}

static void
json_flags(FILE *f, const ldns_pkt *p)
{
	const char *names[] = { "qr", "aa", "tc", "rd", "ra", "ad", "cd" };
	bool set[] = { ldns_pkt_qr(p), ldns_pkt_aa(p), ldns_pkt_tc(p),
		ldns_pkt_rd(p), ldns_pkt_ra(p), ldns_pkt_ad(p),
		ldns_pkt_cd(p) };
	size_t i, n = 0;

	fputc('[', f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (set[i])
			fprintf(f, "%s\"%s\"", n++ > 0 ? ", " : "", names[i]);
	}
	fputc(']', f);
}

static void
json_hex(FILE *f, const uint8_t *d, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", d[i]);
	fputc('"', f);
}

/* "options": NSID, cookie and client subnet as found in p's OPT. */
static void
json_options(FILE *f, const ldns_pkt *p, enum digout_cookie cookie)
{
	static const char *const judged[] = { "none", "good", "echoed", "bad" };
	const uint8_t *o, *d;
	size_t n, len, k = 0;
	unsigned code;

	fprintf(f, ", \"options\": [");
	o = digout_opt_bytes(p, &n);
	while (o != NULL && digout_opt_next(&o, &n, &code, &d, &len)) {
		fprintf(f, "%s{\"code\": %u, \"data\": ", k++ ? ", " : "",
		    code);
		json_hex(f, d, len);
		if (code == DIGOUT_OPT_NSID) {
			char text[256];
			size_t t =
			    len < sizeof(text) - 1 ? len : sizeof(text) - 1;

			for (size_t i = 0; i < t; i++)
				text[i] = d[i] >= 0x20 && d[i] < 0x7f
				    ? (char)d[i]
				    : '.';
			text[t] = '\0';
			fprintf(f, ", \"name\": \"nsid\", \"text\": ");
			output_json_str(f, text);
		} else if (code == DIGOUT_OPT_COOKIE)
			fprintf(f, ", \"name\": \"cookie\", \"status\": \"%s\"",
			    judged[cookie]);
		else if (code == DIGOUT_OPT_SUBNET)
			fprintf(f, ", \"name\": \"client-subnet\"");
		else if (code == DIGOUT_OPT_EDE)
			fprintf(f, ", \"name\": \"ede\"");
		fputc('}', f);
	}
	fputc(']', f);
}

static void
print_json(const struct exchange *x, enum digout_cookie cookie)
{
	ldns_pkt *p = x->r.pkt;
	char buf[32], server[ADDR_STRLEN], name[DNAME_STRLEN];
	size_t i;
	ldns_rr *qrr;

	addr_str(&x->s->addr[x->server], server, sizeof(server));
	printf("{\"server\": ");
	output_json_str(stdout, server);
	printf(", \"server_name\": ");
	output_json_str(stdout, x->s->shown);
	printf(", \"server_kind\": ");
	{
		uint8_t b[16];
		const struct addr *ad = &x->s->addr[x->server];

		addr_bytes(ad, b);
		output_json_str(stdout, addr_kind(addr_family(ad), b));
	}
	printf(", \"transport\": \"%s\", \"truncated_udp\": %s, "
	       "\"rtt_ms\": %.3f, \"size\": %zu, \"id\": %u, \"rcode\": ",
	    x->r.tcp ? "tcp" : "udp", x->r.truncated ? "true" : "false",
	    x->r.rtt_ms, x->r.size, (unsigned)ldns_pkt_id(p));
	output_json_str(stdout,
	    digout_rcode(digout_full_rcode(p), buf, sizeof(buf)));
	printf(", \"flags\": ");
	json_flags(stdout, p);
	printf(", \"question\": [");
	for (i = 0; i < ldns_pkt_qdcount(p); i++) {
		qrr = ldns_rr_list_rr(ldns_pkt_question(p), i);
		printf("%s{\"name\": ", i > 0 ? ", " : "");
		output_json_str(stdout,
		    output_name_str(ldns_rr_owner(qrr), name, sizeof(name)));
		printf(", \"type\": ");
		output_json_str(stdout,
		    output_type_str(ldns_rr_get_type(qrr), buf, sizeof(buf)));
		printf("}");
	}
	printf("], \"answer\": ");
	output_json_rr_list(stdout, ldns_pkt_answer(p));
	printf(", \"authority\": ");
	output_json_rr_list(stdout, ldns_pkt_authority(p));
	printf(", \"additional\": ");
	output_json_rr_list(stdout, ldns_pkt_additional(p));
	if (ldns_pkt_edns(p)) {
		printf(", \"edns\": {\"udp_size\": %u, \"version\": %u, "
		       "\"do\": %s",
		    (unsigned)ldns_pkt_edns_udp_size(p),
		    (unsigned)ldns_pkt_edns_version(p),
		    ldns_pkt_edns_do(p) ? "true" : "false");
		json_options(stdout, p, cookie);
		printf(", \"ede\": ");
		output_json_ede(stdout, p);
		printf("}");
	} else
		printf(", \"edns\": null");
	printf("}\n");
}

/* The exit status a reply earns. */
static int
reply_status(const ldns_pkt *p)
{
	switch (digout_full_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		return ldns_pkt_ancount(p) > 0 ? CLIENT_EXIT_ANSWER
					       : CLIENT_EXIT_NONAME;
	case LDNS_RCODE_NXDOMAIN:
		return CLIENT_EXIT_NONAME;
	default:
		return CLIENT_EXIT_FAIL;
	}
}

/* The reply as the display options say; 0, or -1 out of memory. */
static int
print_reply(const struct exchange *x, int argc, char **argv)
{
	struct digout_view v = x->a->view;
	enum digout_cookie cookie =
	    digout_cookie_check(x->r.pkt, x->cookie_len > 0 ? x->cookie : NULL);

	if (x->a->json) {
		print_json(x, cookie);
		return 0;
	}
	if (x->r.truncated && v.comments)
		printf(";; Truncated, retrying in TCP mode.\n");
	if (x->a->cmd && !v.short_form)
		print_banner(x->s, argc, argv);
	v.edns_sent = x->a->edns;
	v.dnssec_sent = x->a->dnssec;
	if (digout_message(stdout, x->r.pkt, &v, cookie) == -1)
		return -1;
	if (x->a->stats && !v.short_form)
		print_stats(x);
	return 0;
}

int
cmd_query_main(int argc, char **argv)
{
	struct query_args a;
	struct servers s = { .n = 0 };
	struct exchange x = { .a = &a, .s = &s };
	char err[256];
	ldns_rdf *name = NULL;
	int rc, status = CLIENT_EXIT_FAIL;

	query_args_init(&a);
	if ((rc = query_args_parse(&a, argc, argv, err, sizeof(err))) != 0) {
		if (rc > 0) {
			query_args_usage(stdout);
			return CLIENT_EXIT_ANSWER;
		}
		fprintf(stderr, "roost query: %s\nTry 'roost query --help'.\n",
		    err);
		return CLIENT_EXIT_USAGE;
	}
	name = a.reverse ? dname_reverse(a.name) : dname_from_text(a.name);
	if (name == NULL) {
		fprintf(stderr, "roost query: not a %s: \"%s\"\n",
		    a.reverse ? "numeric address" : "domain name", a.name);
		return CLIENT_EXIT_USAGE;
	}
	x.name = name;
	x.type = a.type != 0 ? a.type
	    : a.reverse      ? LDNS_RR_TYPE_PTR
			     : LDNS_RR_TYPE_A;
	x.cls = a.class != 0 ? a.class : LDNS_RR_CLASS_IN;
	if (a.edns && a.cookie) {
		if (getrandom(x.cookie, QUERY_COOKIE_CLIENT, 0) !=
		    QUERY_COOKIE_CLIENT) {
			fprintf(stderr, "roost query: no random bytes\n");
			goto out;
		}
		x.cookie_len = QUERY_COOKIE_CLIENT;
	}
	if (servers_find(&a, &s) == -1 || exchange_ask(&x) == -1)
		goto out;
	if (print_reply(&x, argc, argv) == -1) {
		fprintf(stderr, "roost query: out of memory\n");
		goto out;
	}
	status = reply_status(x.r.pkt);
out:
	ldns_pkt_free(x.r.pkt);
	ldns_rdf_deep_free(name);
	return status;
}
