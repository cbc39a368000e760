/*
 * src/client/cmd_query.c - `roost query`: one question to one server, shown
 * the way dig shows it (or +short, or --json).
 *
 * The server is a numeric address (never resolved by name); the default
 * is the local roostd on 127.0.0.1#53.  Over UDP a truncated reply is
 * asked again over TCP, as dig does.  Owns: the query and reply packets
 * and the question name, all freed before cmd_query_main() returns.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "args.h"
#include "client.h"
#include "dname.h"
#include "output.h"
#include "net.h"

#define QUERY_DEFAULT_SERVER "127.0.0.1"
#define QUERY_DEFAULT_TIMEOUT_MS 1500
#define QUERY_DEFAULT_TRIES 2

struct query_opts {
	const char *name;
	const char *server;
	ldns_rr_type type;
	int port;
	bool tcp, shortout, json, rd, dnssec;
	struct net_opts net;
};

static void
query_usage(FILE *f)
{
	fprintf(f,
	    "usage: roost query [OPTION...] NAME [TYPE] [@SERVER[#PORT]] "
	    "[+OPTION...]\n"
	    "Ask one server one question, like dig, and show its reply.\n"
	    "\n"
	    "  NAME              the name asked (relative names are taken as "
	    "absolute)\n"
	    "  TYPE              A (default), AAAA, MX, TXT, NS, SOA, PTR, "
	    "...\n"
	    "  @SERVER[#PORT]    a numeric IPv4 or IPv6 address, also "
	    "[ADDR]:PORT;\n"
	    "                    default 127.0.0.1#53 (the local roostd)\n"
	    "  -p, --port PORT   the server's port (default 53; #PORT wins)\n"
	    "  -t, --timeout S   seconds to wait for each try (default 1.5)\n"
	    "      --tries N     UDP tries (default 2: one retry)\n"
	    "  -j, --json        the reply as one JSON document\n"
	    "  -h, --help        this text\n"
	    "  +tcp, +vc         ask over TCP only (else UDP, and TCP when "
	    "the\n"
	    "                    reply is truncated); +notcp undoes it\n"
	    "  +short            print only the answer's data\n"
	    "  +norec, +norecurse  recursion not desired (RD=0);\n"
	    "  +rec, +recurse    sets it (default)\n"
	    "  +dnssec           set the DO bit (EDNS) to ask for DNSSEC "
	    "records;\n"
	    "                    +nodnssec undoes it\n"
	    "\n"
	    "Exit status: 0 an answer, 1 NXDOMAIN or NODATA, 2 no reply or an\n"
	    "error rcode (SERVFAIL, REFUSED, ...), 3 usage.\n");
}

static int
plus_option(struct query_opts *q, const char *opt)
{
	if (strcmp(opt, "+tcp") == 0 || strcmp(opt, "+vc") == 0)
		q->tcp = true;
	else if (strcmp(opt, "+notcp") == 0)
		q->tcp = false;
	else if (strcmp(opt, "+short") == 0)
		q->shortout = true;
	else if (strcmp(opt, "+norec") == 0 || strcmp(opt, "+norecurse") == 0)
		q->rd = false;
	else if (strcmp(opt, "+rec") == 0 || strcmp(opt, "+recurse") == 0)
		q->rd = true;
	else if (strcmp(opt, "+dnssec") == 0)
		q->dnssec = true;
	else if (strcmp(opt, "+nodnssec") == 0)
		q->dnssec = false;
	else
		return -1;
	return 0;
}

/* 0 ok, -1 usage (message printed). */
static int
parse_args(struct query_opts *q, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tries", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	while ((c = getopt_long(argc, argv, "+p:t:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (args_parse_int(optarg, 1, 65535, &q->port) == -1) {
				fprintf(stderr,
				    "roost query: bad port \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 't':
			if (args_parse_seconds(optarg, &q->net.timeout_ms) ==
			    -1) {
				fprintf(stderr,
				    "roost query: bad timeout \"%s\"\n",
				    optarg);
				return -1;
			}
			break;
		case 'T':
			if (args_parse_int(optarg, 1, 10, &q->net.tries) ==
			    -1) {
				fprintf(stderr,
				    "roost query: bad tries \"%s\" "
				    "(1..10)\n",
				    optarg);
				return -1;
			}
			break;
		case 'j':
			q->json = true;
			break;
		case 'h':
			query_usage(stdout);
			return 1;
		default:
			query_usage(stderr);
			return -1;
		}
		/* "+": stop at the first operand; resume after it below. */
	}
	for (i = optind; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '+') {
			if (plus_option(q, a) == -1) {
				fprintf(stderr,
				    "roost query: unknown option "
				    "\"%s\"\n",
				    a);
				return -1;
			}
		} else if (a[0] == '@') {
			q->server = a + 1;
		} else if (q->name == NULL) {
			q->name = a;
		} else if (q->type == 0 && ldns_get_rr_type_by_name(a) != 0) {
			q->type = ldns_get_rr_type_by_name(a);
		} else if (a[0] == '-') {
			/* an option after an operand: parse from here */
			optind = i;
			return parse_args(q, argc, argv);
		} else {
			fprintf(stderr, "roost query: unexpected \"%s\"\n", a);
			return -1;
		}
	}
	if (q->name == NULL) {
		query_usage(stderr);
		return -1;
	}
	return 0;
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
print_json(const struct query_opts *q, const struct net_reply *r,
    const char *server)
{
	const ldns_pkt *p = r->pkt;
	char buf[32];
	size_t i;
	ldns_rr *qrr;
	char name[LDNS_MAX_DOMAINLEN * 4 + 8];

	(void)q;
	printf("{\"server\": ");
	output_json_str(stdout, server);
	printf(", \"transport\": \"%s\", \"truncated_udp\": %s, "
	       "\"rtt_ms\": %.3f, \"size\": %zu, \"id\": %u, \"rcode\": ",
	    r->tcp ? "tcp" : "udp", r->truncated ? "true" : "false", r->rtt_ms,
	    r->size, (unsigned)ldns_pkt_id(p));
	output_json_str(stdout,
	    output_rcode_str(ldns_pkt_get_rcode(p), buf, sizeof(buf)));
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
		       "\"do\": %s, \"ede\": ",
		    (unsigned)ldns_pkt_edns_udp_size(p),
		    (unsigned)ldns_pkt_edns_version(p),
		    ldns_pkt_edns_do(p) ? "true" : "false");
		output_json_ede(stdout, r->pkt);
		printf("}");
	} else
		printf(", \"edns\": null");
	printf("}\n");
}

static void
print_short(const ldns_pkt *p)
{
	const ldns_rr_list *an = ldns_pkt_answer(p);
	char *data;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		if ((data = output_rr_data(ldns_rr_list_rr(an, i))) == NULL)
			continue;
		printf("%s\n", data);
		free(data);
	}
}

static void
print_text(const struct net_reply *r, const char *server)
{
	char *s;

	/* ldns prints the dig-like header and sections; we add the rest. */
	if ((s = ldns_pkt2str(r->pkt)) != NULL) {
		fputs(s, stdout);
		free(s);
	}
	printf(";; SERVER: %s (%s%s)\n", server, r->tcp ? "TCP" : "UDP",
	    r->truncated ? ", after a truncated UDP reply" : "");
	printf(";; Query time: %.3f ms, %zu bytes\n", r->rtt_ms, r->size);
}

/* The exit status a reply earns. */
static int
reply_status(const ldns_pkt *p)
{
	switch (ldns_pkt_get_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		return ldns_pkt_ancount(p) > 0 ? CLIENT_EXIT_ANSWER
					       : CLIENT_EXIT_NONAME;
	case LDNS_RCODE_NXDOMAIN:
		return CLIENT_EXIT_NONAME;
	default:
		return CLIENT_EXIT_FAIL;
	}
}

int
cmd_query_main(int argc, char **argv)
{
	struct query_opts q = {
		.port = 53,
		.rd = true,
		.net = { .timeout_ms = QUERY_DEFAULT_TIMEOUT_MS,
		    .tries = QUERY_DEFAULT_TRIES,
		    .tc_fallback = true },
	};
	struct addr a;
	struct net_reply r = { 0 };
	char err[256], server[ADDR_STRLEN];
	ldns_rdf *name = NULL;
	ldns_pkt *query = NULL;
	int rc, status = CLIENT_EXIT_FAIL;

	if ((rc = parse_args(&q, argc, argv)) != 0)
		return rc > 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_USAGE;
	if (q.type == 0)
		q.type = LDNS_RR_TYPE_A;
	q.net.tcp = q.tcp;
	if (net_addr_parse(q.server != NULL ? q.server : QUERY_DEFAULT_SERVER,
		(uint16_t)q.port, &a, err, sizeof(err)) == -1) {
		fprintf(stderr, "roost query: %s\n", err);
		return CLIENT_EXIT_USAGE;
	}
	addr_str(&a, server, sizeof(server));
	if ((name = dname_from_text(q.name)) == NULL) {
		fprintf(stderr, "roost query: not a domain name: \"%s\"\n",
		    q.name);
		return CLIENT_EXIT_USAGE;
	}
	if ((query = net_query_new(name, q.type, q.rd, q.dnssec)) == NULL) {
		fprintf(stderr, "roost query: out of memory\n");
		goto out;
	}
	if (net_exchange(query, &a.ss, a.len, &q.net, &r, err, sizeof(err)) !=
	    NET_OK) {
		fprintf(stderr, "roost query: %s: %s\n", server, err);
		goto out;
	}
	if (r.truncated && !q.json && !q.shortout)
		printf(";; Truncated, retrying in TCP mode.\n");
	if (q.json)
		print_json(&q, &r, server);
	else if (q.shortout)
		print_short(r.pkt);
	else
		print_text(&r, server);
	status = reply_status(r.pkt);
out:
	ldns_pkt_free(r.pkt);
	ldns_pkt_free(query);
	ldns_rdf_deep_free(name);
	return status;
}
