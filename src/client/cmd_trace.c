/*
 * src/client/cmd_trace.c - `roost trace`: the command line, and the walk shown
 * as text (readable first) or as one JSON document (for scripts: its
 * shape is a contract, fields may be added, never renamed).
 *
 * Owns: the hints, the question name and every walk, all freed before
 * cmd_trace_main() returns.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "addr.h"
#include "anchor.h"
#include "args.h"
#include "chain.h"
#include "chainout.h"
#include "clock.h"
#include "client.h"
#include "dname.h"
#include "hints.h"
#include "output.h"
#include "net.h"
#include "trace.h"

struct trace_cli {
	struct trace_opts o;
	const char *hints_file;
	const char *anchor_file; /* --trust-anchor; NULL: the default */
	const char *name;
	ldns_rr_type type; /* 0: both A and AAAA */
	int port;
	bool reverse, json;
};

static void
trace_usage(FILE *f)
{
	fprintf(f,
	    "usage: roost trace [OPTION...] NAME [TYPE]\n"
	    "       roost trace [OPTION...] -x ADDRESS\n"
	    "Walk the DNS tree from the root servers down to NAME's records,\n"
	    "asking each zone's servers without recursion and showing every\n"
	    "delegation (NS set, glue), every server asked and its round-trip\n"
	    "time.  Glue-less servers are found by walks of their own from "
	    "the\n"
	    "root (never the system resolver); CNAME and DNAME chains are\n"
	    "followed across zones; a server that times out, fails or is lame\n"
	    "is skipped for the zone's next one (servers are asked in name\n"
	    "order, IPv4 addresses before IPv6).\n"
	    "\n"
	    "  TYPE                 any type (default: both A and AAAA)\n"
	    "  -x, --reverse        NAME is an IPv4 or IPv6 address: walk\n"
	    "                       in-addr.arpa or ip6.arpa down to its PTR\n"
	    "  -4, --ipv4           ask servers over IPv4 only\n"
	    "  -6, --ipv6           ask servers over IPv6 only\n"
	    "  -p, --port PORT      the port of every server (default 53)\n"
	    "  -r, --root-hints FILE  root servers from FILE (named.root\n"
	    "                       format) instead of the built-in IANA list\n"
	    "  -t, --timeout S      seconds to wait for each try (default "
	    "1.5)\n"
	    "      --tries N        UDP tries per server address (default 2: "
	    "one\n"
	    "                       retry); TC=1 is asked again over TCP\n"
	    "  -d, --deadline S     give up after S seconds in all (default "
	    "15),\n"
	    "                       showing what was learned\n"
	    "  -D, --dnssec         check the chain of trust: at every zone "
	    "cut\n"
	    "                       the DS set, the DNSKEY set, each RRSIG "
	    "and\n"
	    "                       the NSEC/NSEC3 proofs; a verdict per zone "
	    "and\n"
	    "                       for the answer (secure, insecure, bogus,\n"
	    "                       indeterminate) with its reason\n"
	    "  -k, --trust-anchor FILE  DS or DNSKEY records to trust "
	    "(implies\n"
	    "                       --dnssec; default " ANCHOR_ROOT_FILE ",\n"
	    "                       or the built-in root keys without it)\n"
	    "  -j, --json           one JSON document instead of text\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Exit status: 0 an answer, 1 NXDOMAIN or NODATA (for every type\n"
	    "asked), 2 failure (no server answered, deadline, limits; also "
	    "when\n"
	    "any one type failed, or with --dnssec an answer is bogus or\n"
	    "indeterminate), 3 usage.\n");
}

/* 0 ok, 1 help printed, -1 usage error (printed). */
static int
parse_args(struct trace_cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reverse", no_argument, NULL, 'x' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "port", required_argument, NULL, 'p' },
		{ "root-hints", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tries", required_argument, NULL, 'T' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "dnssec", no_argument, NULL, 'D' },
		{ "trust-anchor", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	bool only4 = false, only6 = false;

	while ((ch = getopt_long(argc, argv, "x46p:r:t:d:Dk:jh", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'x':
			c->reverse = true;
			break;
		case '4':
			only4 = true;
			break;
		case '6':
			only6 = true;
			break;
		case 'p':
			if (args_parse_int(optarg, 1, 65535, &c->port) == -1)
				goto bad;
			break;
		case 'r':
			c->hints_file = optarg;
			break;
		case 't':
			if (args_parse_seconds(optarg, &c->o.timeout_ms) == -1)
				goto bad;
			break;
		case 'T':
			if (args_parse_int(optarg, 1, 10, &c->o.tries) == -1)
				goto bad;
			break;
		case 'd':
			if (args_parse_seconds(optarg, &c->o.deadline_ms) == -1)
				goto bad;
			break;
		case 'D':
			c->o.dnssec = true;
			break;
		case 'k':
			c->anchor_file = optarg;
			c->o.dnssec = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			trace_usage(stdout);
			return 1;
		default:
			trace_usage(stderr);
			return -1;
		}
	}
	if (only4 && only6) {
		fprintf(stderr, "roost trace: -4 and -6 exclude each other\n");
		return -1;
	}
	c->o.v4 = !only6;
	c->o.v6 = !only4;
	if (optind >= argc || argc - optind > 2 ||
	    (c->reverse && argc - optind != 1)) {
		trace_usage(stderr);
		return -1;
	}
	c->name = argv[optind];
	if (argc - optind == 2) {
		c->type = ldns_get_rr_type_by_name(argv[optind + 1]);
		if (c->type == 0) {
			fprintf(stderr, "roost trace: unknown type \"%s\"\n",
			    argv[optind + 1]);
			return -1;
		}
	}
	return 0;
bad:
	fprintf(stderr, "roost trace: bad value \"%s\" for -%c\n", optarg, ch);
	return -1;
}

/* --- text ------------------------------------------------------------ */

static void
print_rr(const char *ind, const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr);

	if (s != NULL) {
		printf("%s%s", ind, s); /* ldns ends it with a newline */
		free(s);
	}
}

static void
print_rrs(const char *ind, const ldns_rr_list *l)
{
	size_t i;

	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++)
		print_rr(ind, ldns_rr_list_rr(l, i));
}

static void text_walk(const struct trace_walk *w, const char *ind);

/* The kind of a numeric address (addr.h), or NULL for none. */
static const char *
address_kind(const char *text)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, text, b) == 1)
		return addr_kind(AF_INET, b);
	if (inet_pton(AF_INET6, text, b) == 1)
		return addr_kind(AF_INET6, b);
	return NULL;
}

/* The kind worth a word in the text: any but a global address. */
static const char *
kind_label(const char *text)
{
	const char *k = address_kind(text);

	return k != NULL && strcmp(k, "global") != 0 ? k : NULL;
}

static void
text_step(const struct trace_step *s, const char *ind)
{
	char rc[32], sub[64], type[32];
	size_t i;

	for (i = 0; i < s->nlookups; i++) {
		printf("%s%s @%s: no glue; looking up %s %s from the root\n",
		    ind, s->zone, s->server, s->lookups[i]->name,
		    output_type_str(s->lookups[i]->type, type, sizeof(type)));
		snprintf(sub, sizeof(sub), "%s  | ", ind);
		text_walk(s->lookups[i], sub);
	}
	for (i = 0; i < s->nreused; i++)
		printf("%s%s @%s: no glue; %s %s was looked up earlier in "
		       "this trace\n",
		    ind, s->zone, s->server, s->server,
		    output_type_str(s->reused[i], type, sizeof(type)));
	printf("%s%s @%s (%s%s%s): %s", ind, s->zone, s->server,
	    s->address[0] != '\0' ? s->address : "no address",
	    kind_label(s->address) != NULL ? ", " : "",
	    kind_label(s->address) != NULL ? kind_label(s->address) : "",
	    trace_outcome_str(s->outcome));
	if (s->outcome == TRACE_REFERRAL && s->child != NULL)
		printf(" to %s", s->child);
	else if (s->outcome == TRACE_CNAME && s->detail != NULL)
		printf(" to %s", s->detail);
	if (s->have_rcode)
		printf(" [%s, %.2f ms%s]",
		    output_rcode_str(s->rcode, rc, sizeof(rc)), s->rtt_ms,
		    s->truncated ? ", TC over UDP, then TCP" : "");
	else if (s->outcome == TRACE_TIMEOUT)
		printf(" [%d %s, no reply]", s->tries,
		    s->tries == 1 ? "try" : "tries");
	if (s->detail != NULL && s->outcome != TRACE_CNAME)
		printf(": %s", s->detail);
	if (s->outcome == TRACE_TIMEOUT || s->outcome == TRACE_ERROR ||
	    s->outcome == TRACE_LAME)
		printf("; skipped");
	printf("\n");
	if (s->outcome == TRACE_REFERRAL) {
		snprintf(sub, sizeof(sub), "%s    ", ind);
		print_rrs(sub, s->ns);
		print_rrs(sub, s->glue);
	}
}

static void
text_walk(const struct trace_walk *w, const char *ind)
{
	char type[32], rc[32];
	size_t i, n;

	printf("%s;; %s %s\n", ind, w->name,
	    output_type_str(w->type, type, sizeof(type)));
	for (i = 0; i < w->nsteps; i++)
		text_step(&w->steps[i], ind);
	print_rrs(ind, w->answer);
	n = w->answer != NULL ? ldns_rr_list_rr_count(w->answer) : 0;
	switch (w->status) {
	case TRACE_ST_ANSWER:
		printf("%s;; answer: %zu record%s", ind, n, n == 1 ? "" : "s");
		break;
	case TRACE_ST_NXDOMAIN:
	case TRACE_ST_NODATA:
		printf("%s;; %s: %s has no %s%s, proven by:\n", ind,
		    w->status == TRACE_ST_NXDOMAIN ? "NXDOMAIN" : "NODATA",
		    w->ncnames > 0 ? w->cnames[w->ncnames - 1] : w->name,
		    w->status == TRACE_ST_NXDOMAIN ? "records at all"
						   : "records of type ",
		    w->status == TRACE_ST_NXDOMAIN ? "" : type);
		print_rrs(ind, w->authority);
		printf("%s;; %s", ind,
		    output_rcode_str(w->rcode, rc, sizeof(rc)));
		break;
	case TRACE_ST_FAIL:
		printf("%s;; failed: %s", ind,
		    w->error != NULL ? w->error : "?");
		break;
	}
	printf("; %u quer%s in %.1f ms\n", w->queries,
	    w->queries == 1 ? "y" : "ies", w->ms);
}

/* --- JSON ------------------------------------------------------------ */

static void json_walk(FILE *f, const struct trace_walk *w,
    const struct chain *chain, const struct anchor_set *anchors);

static void
json_step(FILE *f, const struct trace_step *s)
{
	char rc[32];
	size_t i;

	fputs("{\"zone\": ", f);
	output_json_str(f, s->zone);
	fputs(", \"server\": {\"name\": ", f);
	output_json_str(f, s->server);
	fputs(", \"address\": ", f);
	output_json_str(f, s->address[0] != '\0' ? s->address : NULL);
	fputs(", \"kind\": ", f);
	output_json_str(f, address_kind(s->address));
	fputs("}, \"rtt_ms\": ", f);
	if (s->have_rcode)
		fprintf(f, "%.3f", s->rtt_ms);
	else
		fputs("null", f);
	fputs(", \"rcode\": ", f);
	output_json_str(f,
	    s->have_rcode ? output_rcode_str(s->rcode, rc, sizeof(rc)) : NULL);
	fputs(", \"outcome\": ", f);
	output_json_str(f, trace_outcome_str(s->outcome));
	fprintf(f, ", \"transport\": \"%s\", \"tries\": %d, \"truncated\": %s",
	    s->tcp ? "tcp" : "udp", s->tries, s->truncated ? "true" : "false");
	if (s->detail != NULL) {
		fputs(s->outcome == TRACE_CNAME ? ", \"target\": "
						: ", \"detail\": ",
		    f);
		output_json_str(f, s->detail);
	}
	if (s->outcome == TRACE_REFERRAL) {
		fputs(", \"delegation\": {\"zone\": ", f);
		output_json_str(f, s->child);
		fputs(", \"ns\": ", f);
		output_json_rr_list(f, s->ns);
		fputs(", \"glue\": ", f);
		output_json_rr_list(f, s->glue);
		fputc('}', f);
	}
	if (s->nreused > 0) {
		char type[32];

		fputs(", \"lookups_reused\": [", f);
		for (i = 0; i < s->nreused; i++) {
			fputs(i > 0 ? ", " : "", f);
			output_json_str(f,
			    output_type_str(s->reused[i], type, sizeof(type)));
		}
		fputc(']', f);
	}
	if (s->nlookups > 0) {
		fputs(", \"lookups\": [", f);
		for (i = 0; i < s->nlookups; i++) {
			if (i > 0)
				fputs(", ", f);
			json_walk(f, s->lookups[i], NULL, NULL);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static const char *
status_str(enum trace_status st)
{
	switch (st) {
	case TRACE_ST_ANSWER:
		return "answer";
	case TRACE_ST_NXDOMAIN:
		return "nxdomain";
	case TRACE_ST_NODATA:
		return "nodata";
	default:
		return "fail";
	}
}

static void
json_walk(FILE *f, const struct trace_walk *w, const struct chain *chain,
    const struct anchor_set *anchors)
{
	char buf[32];
	size_t i;

	fputs("{\"name\": ", f);
	output_json_str(f, w->name);
	fputs(", \"type\": ", f);
	output_json_str(f, output_type_str(w->type, buf, sizeof(buf)));
	fputs(", \"rcode\": ", f);
	output_json_str(f, output_rcode_str(w->rcode, buf, sizeof(buf)));
	fputs(", \"status\": ", f);
	output_json_str(f, status_str(w->status));
	fputs(", \"answer\": ", f);
	output_json_rr_list(f, w->answer);
	fputs(", \"authority\": ", f);
	output_json_rr_list(f, w->authority);
	fputs(", \"cnames\": [", f);
	for (i = 0; i < w->ncnames; i++) {
		if (i > 0)
			fputs(", ", f);
		output_json_str(f, w->cnames[i]);
	}
	fputs("], \"steps\": [", f);
	for (i = 0; i < w->nsteps; i++) {
		if (i > 0)
			fputs(", ", f);
		json_step(f, &w->steps[i]);
	}
	fprintf(f,
	    "], \"queries\": %u, \"time_ms\": %.1f, \"error\": ", w->queries,
	    w->ms);
	output_json_str(f, w->error);
	if (chain != NULL) {
		fputs(", \"dnssec\": ", f);
		chainout_json(f, chain, anchors);
	}
	fputc('}', f);
}

/* --- main ------------------------------------------------------------ */

static int
exit_status(struct trace_walk *const *w, struct chain *const *chains, size_t n)
{
	size_t i, answers = 0;

	for (i = 0; i < n; i++) {
		if (w[i]->status == TRACE_ST_FAIL)
			return CLIENT_EXIT_FAIL;
		if (chains[i] != NULL &&
		    (chains[i]->verdict == CHAIN_BOGUS ||
			chains[i]->verdict == CHAIN_INDETERMINATE))
			return CLIENT_EXIT_FAIL;
		if (w[i]->status == TRACE_ST_ANSWER)
			answers++;
	}
	return answers > 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_NONAME;
}

/* The walks (and their chains) of one trace, as text or JSON. */
static void
print_results(const struct trace_cli *c, struct trace_walk *const *w,
    struct chain *const *chains, size_t n, const struct anchor_set *anchors,
    unsigned queries, double ms)
{
	size_t i;

	if (c->json) {
		if (n > 1)
			printf("{\"results\": [");
		for (i = 0; i < n; i++) {
			if (i > 0)
				printf(", ");
			json_walk(stdout, w[i], chains[i], anchors);
		}
		printf(n > 1 ? "], \"queries\": %u, \"time_ms\": %.1f}\n"
			     : "\n",
		    queries, ms);
	} else {
		if (c->o.dnssec)
			printf(";; DNSSEC trust anchor: %s\n", anchors->source);
		for (i = 0; i < n; i++) {
			if (i > 0)
				printf("\n");
			text_walk(w[i], "");
			if (chains[i] != NULL)
				chainout_text(stdout, chains[i], "");
		}
		if (n > 1)
			printf("\n;; total: %u queries in %.1f ms\n", queries,
			    ms);
	}
}

int
cmd_trace_main(int argc, char **argv)
{
	struct trace_cli c = {
		.o = { .timeout_ms = TRACE_DEFAULT_TIMEOUT_MS,
		    .tries = TRACE_DEFAULT_TRIES,
		    .deadline_ms = TRACE_DEFAULT_DEADLINE_MS },
		.port = 53,
	};
	struct trace_walk *w[2] = { NULL, NULL };
	struct chain *chains[2] = { NULL, NULL };
	struct anchor_set anchors = { 0 };
	ldns_rr_type types[2];
	struct nsset *hints = NULL;
	struct trace_run run;
	struct chain_env env;
	ldns_rdf *name = NULL;
	char err[512];
	size_t i, n;
	unsigned queries = 0;
	uint64_t start;
	int rc, status = CLIENT_EXIT_FAIL;

	if ((rc = parse_args(&c, argc, argv)) != 0)
		return rc > 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_USAGE;
	name = c.reverse ? dname_reverse(c.name) : dname_from_text(c.name);
	if (name == NULL) {
		fprintf(stderr, "roost trace: not %s: \"%s\"\n",
		    c.reverse ? "a numeric address" : "a domain name", c.name);
		return CLIENT_EXIT_USAGE;
	}
	if (c.reverse)
		c.type = LDNS_RR_TYPE_PTR;
	if (c.o.dnssec &&
	    anchor_load(&anchors, c.anchor_file, err, sizeof(err)) == -1) {
		fprintf(stderr, "roost trace: trust anchor: %s\n", err);
		ldns_rdf_deep_free(name);
		return CLIENT_EXIT_USAGE;
	}
	if ((hints = hints_open(c.hints_file, c.port, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "roost trace: %s\n", err);
		anchor_free(&anchors);
		ldns_rdf_deep_free(name);
		return CLIENT_EXIT_USAGE;
	}
	n = 0;
	if (c.type != 0) {
		types[n++] = c.type;
	} else {
		types[n++] = LDNS_RR_TYPE_A;
		types[n++] = LDNS_RR_TYPE_AAAA;
	}
	start = clock_mono_us();
	trace_run_init(&run, &c.o, hints);
	env = (struct chain_env){ .anchors = &anchors,
		.now = time(NULL),
		.ask = chain_ask_net,
		.arg = &run };
	for (i = 0; i < n; i++) {
		if ((w[i] = trace_walk_run(&run, name, types[i])) == NULL) {
			fprintf(stderr, "roost trace: out of memory\n");
			goto out;
		}
		if (c.o.dnssec &&
		    (chains[i] = chain_check(w[i], &env)) == NULL) {
			fprintf(stderr, "roost trace: out of memory\n");
			goto out;
		}
		queries += w[i]->queries + (chains[i] ? chains[i]->queries : 0);
	}
	print_results(&c, w, chains, n, &anchors, queries,
	    (double)(clock_mono_us() - start) / 1e3);
	status = exit_status(w, chains, n);
out:
	for (i = 0; i < n; i++) {
		trace_walk_free(w[i]);
		chain_free(chains[i]);
	}
	anchor_free(&anchors);
	trace_run_free(&run);
	nsset_free(hints);
	ldns_rdf_deep_free(name);
	return status;
}
