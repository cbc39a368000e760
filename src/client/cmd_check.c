/*
 * src/client/cmd_check.c - `roost check ZONE`: ask every server of a zone,
 * all at once, and say where they disagree.
 *
 * The zone's delegation is found by a walk from the root (trace.c): the
 * parent's NS set and glue, and the child's NS set from one of its
 * servers.  Every server named by either, at every address its glue or
 * a walk of its own gives, is then asked in parallel (probe.c) for the
 * zone's SOA over UDP and TCP and its NS set over UDP, with EDNS and
 * without recursion, under one deadline.  Each server is reachable or
 * not, authoritative or lame, with a serial and an NS set; the findings
 * (a lame or unreachable server, no TCP, an older serial, an NS set
 * other than the parent's, glue that is not the zone's own address)
 * each name the offending server and address, with a severity.
 *
 * Limits: CHECK_MAX_SERVERS names, NSSET_MAX_ADDRS addresses each (the
 * rest ignored), CHECK_MAX_FINDINGS findings (the rest counted only).
 * Owns: the walks, queries, replies and findings, all freed before
 * cmd_check_main() returns.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "addr.h"
#include "args.h"
#include "client.h"
#include "dname.h"
#include "hints.h"
#include "net.h"
#include "output.h"
#include "probe.h"
#include "trace.h"

#define CHECK_MAX_SERVERS 16
#define CHECK_MAX_ADDRS (CHECK_MAX_SERVERS * NSSET_MAX_ADDRS)
#define CHECK_MAX_FINDINGS 64
#define CHECK_DEFAULT_TIMEOUT_MS 2000

enum check_probe {
	CHECK_UDP_SOA,
	CHECK_TCP_SOA,
	CHECK_UDP_NS,
	CHECK_UDP_ANSWER, /* only with a NAME to compare */
	CHECK_NPROBES
};

struct check_cli {
	struct trace_opts o;
	const char *hints_file, *zone, *name; /* name: NULL for none */
	ldns_rr_type type;                    /* of name; A by default */
	int port;
	bool json;
};

/* One address of one server, and what its three probes found. */
struct check_addr {
	const char *name; /* the server's (check_names) */
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	struct probe p[CHECK_NPROBES];
	bool udp, tcp, auth;
	uint32_t serial;
	char ns[1024];     /* its NS set: sorted names, blank-separated */
	char answer[1024]; /* its answer for NAME: "RCODE DATA; DATA..." */
};

struct check_finding {
	const char *severity; /* "error", "warning" */
	const char *server;
	char address[INET6_ADDRSTRLEN];
	char text[512];
};

struct check {
	const struct check_cli *c;
	ldns_rdf *zone, *qname; /* qname: the NAME compared, or NULL */
	char zs[DNAME_STRLEN];
	struct trace_run run;
	struct trace_walk *walk;         /* ZONE NS from the root */
	const struct trace_step *parent; /* its referral to ZONE, or NULL */
	char parent_ns[1024];            /* sorted names, blank-separated */
	char *names[CHECK_MAX_SERVERS];
	size_t nnames;
	struct trace_walk *lookups[CHECK_MAX_SERVERS * 2];
	size_t nlookups;
	struct check_addr addrs[CHECK_MAX_ADDRS];
	size_t naddrs;
	struct check_finding f[CHECK_MAX_FINDINGS];
	size_t nf, nerrors, nwarnings;
};

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: roost check [OPTION...] ZONE [NAME [TYPE]]\n"
	    "Ask every server of ZONE, in parallel, over UDP and TCP, for "
	    "its SOA\n"
	    "and NS set, and report where they disagree: unreachable or "
	    "lame\n"
	    "servers, no TCP, older serials, an NS set other than the "
	    "parent's,\n"
	    "glue other than the zone's own addresses; each finding names "
	    "the\n"
	    "server and address at fault.  The delegation is found from the "
	    "root\n"
	    "servers, as roost trace finds it.  With NAME (at or under "
	    "ZONE), each\n"
	    "server is also asked for NAME's TYPE records (default A), "
	    "and the\n"
	    "servers whose answer is not the most common one are named.\n"
	    "\n"
	    "  -4, --ipv4           IPv4 servers only\n"
	    "  -6, --ipv6           IPv6 servers only\n"
	    "  -p, --port PORT      the port of every server (default 53)\n"
	    "  -r, --root-hints FILE  root servers from FILE (named.root "
	    "format)\n"
	    "  -t, --timeout S      seconds to wait for every server "
	    "(default 2)\n"
	    "  -j, --json           one JSON document instead of text\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Exit status: 0 every server agrees, 4 the zone works but is "
	    "degraded\n"
	    "(a finding), 2 it fails (no server answers for it), 3 usage.\n");
}

/* 0 ok, 1 help printed, -1 usage error (printed). */
static int
parse_args(struct check_cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "port", required_argument, NULL, 'p' },
		{ "root-hints", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "46p:r:t:jh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case '4':
			c->o.v6 = false;
			break;
		case '6':
			c->o.v4 = false;
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
		case 'j':
			c->json = true;
			break;
		case 'h':
			check_usage(stdout);
			return 1;
		default:
			check_usage(stderr);
			return -1;
		}
	}
	if (!c->o.v4 && !c->o.v6) {
		fprintf(stderr, "roost check: -4 and -6 exclude each other\n");
		return -1;
	}
	if (optind + 1 > argc || optind + 3 < argc) {
		check_usage(stderr);
		return -1;
	}
	c->zone = argv[optind];
	c->name = optind + 1 < argc ? argv[optind + 1] : NULL;
	c->type = LDNS_RR_TYPE_A;
	if (optind + 2 < argc &&
	    (c->type = ldns_get_rr_type_by_name(argv[optind + 2])) == 0) {
		fprintf(stderr, "roost check: unknown type \"%s\"\n",
		    argv[optind + 2]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "roost check: bad value \"%s\" for -%c\n", optarg, ch);
	return -1;
}

static void finding(struct check *k, const char *severity, const char *server,
    const char *address, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
finding(struct check *k, const char *severity, const char *server,
    const char *address, const char *fmt, ...)
{
	struct check_finding *f;
	va_list ap;

	if (strcmp(severity, "error") == 0)
		k->nerrors++;
	else
		k->nwarnings++;
	if (k->nf == CHECK_MAX_FINDINGS)
		return;
	f = &k->f[k->nf++];
	f->severity = severity;
	f->server = server;
	snprintf(f->address, sizeof(f->address), "%s", address);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The targets of l's NS records owned by the zone, sorted, lower-case,
 * blank-separated, into buf; also added to k's server names when add.
 */
static void
ns_names(struct check *k, const ldns_rr_list *l, char *buf, size_t len,
    bool add)
{
	char *v[CHECK_MAX_SERVERS];
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    !dname_eq(ldns_rr_owner(rr), k->zone) ||
		    n == CHECK_MAX_SERVERS ||
		    (v[n] = dname_lower_str(ldns_rr_rdf(rr, 0))) == NULL)
			continue;
		n++;
	}
	qsort(v, n, sizeof(v[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		used +=
		    (size_t)snprintf(buf + used, used < len ? len - used : 0,
			"%s%s", i > 0 ? " " : "", v[i]);
		for (j = 0; j < k->nnames && strcmp(k->names[j], v[i]) != 0;
		     j++)
			;
		if (add && j == k->nnames && k->nnames < CHECK_MAX_SERVERS) {
			k->names[k->nnames++] = v[i];
			continue;
		}
		free(v[i]);
	}
}

/* The walk's referral to the zone: the last step that delegates it. */
static const struct trace_step *
find_parent(const struct check *k)
{
	const struct trace_step *found = NULL;

	for (size_t i = 0; i < k->walk->nsteps; i++) {
		const struct trace_step *s = &k->walk->steps[i];

		if (s->outcome == TRACE_REFERRAL && s->child != NULL &&
		    strcmp(s->child, k->zs) == 0)
			found = s;
	}
	return found;
}

/* Add address rd (A or AAAA rdata) of server name, once. */
static void
addr_add(struct check *k, const char *name, const ldns_rdf *rd)
{
	struct check_addr *a;
	char text[INET6_ADDRSTRLEN];
	int family =
	    ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A ? AF_INET : AF_INET6;

	if ((family == AF_INET && !k->c->o.v4) ||
	    (family == AF_INET6 && !k->c->o.v6) ||
	    (family == AF_INET && ldns_rdf_size(rd) != 4) ||
	    (family == AF_INET6 && ldns_rdf_size(rd) != 16) ||
	    k->naddrs == CHECK_MAX_ADDRS)
		return;
	inet_ntop(family, ldns_rdf_data(rd), text, sizeof(text));
	for (size_t i = 0; i < k->naddrs; i++)
		if (k->addrs[i].name == name &&
		    strcmp(k->addrs[i].text, text) == 0)
			return;
	a = &k->addrs[k->naddrs++];
	memset(a, 0, sizeof(*a));
	a->name = name;
	snprintf(a->text, sizeof(a->text), "%s", text);
	a->ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		memcpy(&s4->sin_addr, ldns_rdf_data(rd), 4);
		s4->sin_port = htons((uint16_t)k->c->port);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		memcpy(&s6->sin6_addr, ldns_rdf_data(rd), 16);
		s6->sin6_port = htons((uint16_t)k->c->port);
	}
}

/* Add ss (port set) for server name, once, if its family is allowed. */
static void
addr_add_ss(struct check *k, const char *name,
    const struct sockaddr_storage *ss)
{
	const void *bytes = ss->ss_family == AF_INET
	    ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
	    : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	ldns_rdf *rd = ldns_rdf_new_frm_data(
	    ss->ss_family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
	    ss->ss_family == AF_INET ? 4 : 16, bytes);

	if (rd != NULL)
		addr_add(k, name, rd);
	ldns_rdf_deep_free(rd);
}

/* The root hints' addresses of server name. */
static void
hints_addrs(struct check *k, const char *name)
{
	const struct nsset *h = k->run.hints;

	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->s[i].name, name) == 0)
			for (size_t j = 0; j < h->s[i].naddr; j++)
				addr_add_ss(k, name, &h->s[i].addr[j]);
}

/*
 * Each address record of type in l: added for server name (with any
 * owner, or with name as owner only), and those owned by name listed
 * in buf as presentation text joined by blanks, in their order.
 */
static void
take_addrs(struct check *k, const char *name, const ldns_rr_list *l,
    ldns_rr_type type, bool any_owner, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *owner, *s;
		bool named;

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) != 1)
			continue;
		owner = dname_lower_str(ldns_rr_owner(rr));
		named = owner != NULL && strcmp(owner, name) == 0;
		free(owner);
		if (named || any_owner)
			addr_add(k, name, ldns_rr_rdf(rr, 0));
		if (named && (s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) != NULL) {
			used += (size_t)snprintf(buf + used,
			    used < len ? len - used : 0, "%s%s",
			    used > 0 ? " " : "", s);
			free(s);
		}
	}
}

/*
 * Each server's addresses: the parent's glue, then what a walk of its
 * own finds (the zone's own answer for a name inside it), glue that is
 * not the zone's own answer being a finding against the parent server.
 */
static void
gather_addrs(struct check *k)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A,
		LDNS_RR_TYPE_AAAA };

	for (size_t i = 0; i < k->nnames; i++) {
		const char *name = k->names[i];
		ldns_rdf *dn = dname_from_text(name);

		if (k->parent == NULL) /* the root: the hints are its glue */
			hints_addrs(k, name);

		for (size_t t = 0; dn != NULL && t < 2; t++) {
			struct trace_walk *w;
			char glue[512], own[512];

			if ((t == 0 && !k->c->o.v4) || (t == 1 && !k->c->o.v6))
				continue;
			take_addrs(k, name,
			    k->parent != NULL ? k->parent->glue : NULL,
			    types[t], false, glue, sizeof(glue));
			if (k->nlookups == CHECK_MAX_SERVERS * 2 ||
			    (w = trace_walk_run(&k->run, dn, types[t])) == NULL)
				continue;
			k->lookups[k->nlookups++] = w;
			/* the walk's final RRset may be a CNAME target's */
			take_addrs(k, name,
			    w->status == TRACE_ST_ANSWER ? w->answer : NULL,
			    types[t], true, own, sizeof(own));
			if (glue[0] != '\0' && w->status != TRACE_ST_FAIL &&
			    strcmp(glue, own) != 0)
				finding(k, "warning", k->parent->server,
				    k->parent->address,
				    "glue for %s at %s says %s; the zone's own "
				    "answer is %s",
				    name, k->parent->zone, glue,
				    own[0] != '\0' ? own : "none");
		}
		ldns_rdf_deep_free(dn);
	}
}

/* The wire form of a query for (zone, type), RD=0, EDNS; or NULL. */
static uint8_t *
query_wire(const ldns_rdf *zone, ldns_rr_type type, size_t *len)
{
	ldns_pkt *q = net_query_new(zone, type, false, false);
	uint8_t *wire = NULL;

	if (q != NULL && ldns_pkt2wire(&wire, q, len) != LDNS_STATUS_OK)
		wire = NULL;
	ldns_pkt_free(q);
	return wire;
}

/* "RCODE DATA; DATA" of reply p's answer (its rdata sorted, TTLs left
 * out), or "no reply", into buf: what two servers must agree on. */
static void
answer_text(const ldns_pkt *p, char *buf, size_t len)
{
	char *v[64], rc[32];
	size_t n = 0, used;
	const ldns_rr_list *an;

	if (p == NULL) {
		snprintf(buf, len, "no reply");
		return;
	}
	used = (size_t)snprintf(buf, len, "%s",
	    output_rcode_str(ldns_pkt_get_rcode(p), rc, sizeof(rc)));
	an = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && n < 64; i++)
		if ((v[n] = output_rr_data(ldns_rr_list_rr(an, i))) != NULL)
			n++;
	qsort(v, n, sizeof(v[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		used +=
		    (size_t)snprintf(buf + used, used < len ? len - used : 0,
			"%s%s", i > 0 ? "; " : " ", v[i]);
		free(v[i]);
	}
}

/* What one address's replies say: reachable, authoritative, serial, NS. */
static void
judge_addr(struct check *k, struct check_addr *a)
{
	const ldns_pkt *soa = a->p[CHECK_UDP_SOA].reply;
	const ldns_pkt *ns = a->p[CHECK_UDP_NS].reply;
	char rc[32];

	a->udp = soa != NULL;
	a->tcp = a->p[CHECK_TCP_SOA].reply != NULL;
	if (!a->udp) {
		finding(k, "error", a->name, a->text, "no reply over UDP (%s)",
		    a->p[CHECK_UDP_SOA].err);
		return;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(soa));
	     i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(soa), i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) == 7 &&
		    dname_eq(ldns_rr_owner(rr), k->zone)) {
			a->serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			a->auth = ldns_pkt_aa(soa) &&
			    ldns_pkt_get_rcode(soa) == LDNS_RCODE_NOERROR;
		}
	}
	if (!a->auth) {
		finding(k, "error", a->name, a->text,
		    "lame: not authoritative for %s (%s, AA=%d)", k->zs,
		    output_rcode_str(ldns_pkt_get_rcode(soa), rc, sizeof(rc)),
		    ldns_pkt_aa(soa) ? 1 : 0);
		return;
	}
	if (!a->tcp)
		finding(k, "warning", a->name, a->text,
		    "no reply over TCP (%s)", a->p[CHECK_TCP_SOA].err);
	if (ns != NULL)
		ns_names(k, ldns_pkt_answer(ns), a->ns, sizeof(a->ns), false);
	else
		snprintf(a->ns, sizeof(a->ns), "(no reply: %s)",
		    a->p[CHECK_UDP_NS].err);
	if (k->qname != NULL)
		answer_text(a->p[CHECK_UDP_ANSWER].reply, a->answer,
		    sizeof(a->answer));
}

/* The blank-separated words of a that are not words of b, into out. */
static void
words_missing(const char *a, const char *b, char *out, size_t len)
{
	char copy[1024], *w, *save = NULL;
	size_t used = 0;

	snprintf(copy, sizeof(copy), "%s", a);
	out[0] = '\0';
	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		const char *p = b;
		size_t n = strlen(w);
		bool found = false;

		while ((p = strstr(p, w)) != NULL && !found) {
			found = (p == b || p[-1] == ' ') &&
			    (p[n] == ' ' || p[n] == '\0');
			p += n;
		}
		if (!found)
			used += (size_t)snprintf(out + used,
			    used < len ? len - used : 0, "%s%s",
			    used > 0 ? " " : "", w);
	}
}

/* The answer most authoritative servers gave (the first such on a tie). */
static const char *
common_answer(const struct check *k)
{
	const char *best = NULL;
	size_t most = 0;

	for (size_t i = 0; i < k->naddrs; i++) {
		size_t n = 0;

		if (!k->addrs[i].auth)
			continue;
		for (size_t j = 0; j < k->naddrs; j++)
			n += k->addrs[j].auth &&
			    strcmp(k->addrs[i].answer, k->addrs[j].answer) == 0;
		if (n > most) {
			most = n;
			best = k->addrs[i].answer;
		}
	}
	return best;
}

/* The findings across servers: serials and NS sets that differ. */
static void
compare_addrs(struct check *k)
{
	uint32_t high = 0;
	bool any = false;

	for (size_t i = 0; i < k->naddrs; i++)
		if (k->addrs[i].auth &&
		    (!any || (int32_t)(k->addrs[i].serial - high) > 0)) {
			high = k->addrs[i].serial;
			any = true;
		}
	const char *common = k->qname != NULL ? common_answer(k) : NULL;

	for (size_t i = 0; i < k->naddrs; i++) {
		struct check_addr *a = &k->addrs[i];

		if (!a->auth)
			continue;
		if (common != NULL && strcmp(a->answer, common) != 0) {
			char type[32], qs[DNAME_STRLEN];

			finding(k, "warning", a->name, a->text,
			    "answer for %s %s is \"%s\", the others' \"%s\"",
			    output_name_str(k->qname, qs, sizeof(qs)),
			    output_type_str(k->c->type, type, sizeof(type)),
			    a->answer, common);
		}
		if (a->serial != high)
			finding(k, "warning", a->name, a->text,
			    "serial %u, behind %u of the others", a->serial,
			    high);
		if (k->parent != NULL && a->p[CHECK_UDP_NS].reply != NULL &&
		    strcmp(a->ns, k->parent_ns) != 0) {
			char more[512], less[512];

			words_missing(a->ns, k->parent_ns, more, sizeof(more));
			words_missing(k->parent_ns, a->ns, less, sizeof(less));
			finding(k, "warning", a->name, a->text,
			    "NS set differs from the parent's (%s): it adds "
			    "%s and lacks %s",
			    k->parent->zone, more[0] ? more : "none",
			    less[0] ? less : "none");
		}
	}
}

static int
run_probes(struct check *k)
{
	const ldns_rr_type qtype[] = { LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_SOA,
		LDNS_RR_TYPE_NS, k->c->type };
	size_t per = k->qname != NULL ? CHECK_NPROBES : CHECK_UDP_ANSWER;
	struct probe *all = calloc(k->naddrs * CHECK_NPROBES + 1, sizeof(*all));
	uint8_t *wire[CHECK_NPROBES] = { NULL };
	size_t len[CHECK_NPROBES], n = 0;
	int rc = -1;

	for (size_t j = 0; j < per; j++)
		if ((wire[j] = query_wire(j == CHECK_UDP_ANSWER ? k->qname
								: k->zone,
			 qtype[j], &len[j])) == NULL)
			goto out;
	if (all == NULL)
		goto out;
	for (size_t i = 0; i < k->naddrs; i++)
		for (size_t j = 0; j < CHECK_NPROBES; j++) {
			all[n].ss = k->addrs[i].ss;
			all[n].tcp = j == CHECK_TCP_SOA;
			all[n].query = wire[j];
			all[n].qlen = len[j];
			n++;
		}
	/* without NAME, no answer to ask for */
	if (per < CHECK_NPROBES)
		for (size_t i = 0; i < k->naddrs; i++)
			all[i * CHECK_NPROBES + CHECK_UDP_ANSWER].skip = true;
	if (probe_run(all, n, k->c->o.timeout_ms) == -1)
		goto out;
	for (size_t i = 0; i < k->naddrs; i++) {
		memcpy(k->addrs[i].p, &all[i * CHECK_NPROBES],
		    sizeof(k->addrs[i].p));
		judge_addr(k, &k->addrs[i]);
	}
	compare_addrs(k);
	rc = 0;
out:
	for (size_t j = 0; j < CHECK_NPROBES; j++)
		free(wire[j]);
	free(all);
	return rc;
}

static size_t
auth_count(const struct check *k)
{
	size_t n = 0;

	for (size_t i = 0; i < k->naddrs; i++)
		n += k->addrs[i].auth;
	return n;
}

static const char *
verdict(const struct check *k)
{
	if (auth_count(k) == 0)
		return "failed";
	return k->nerrors + k->nwarnings > 0 ? "degraded" : "ok";
}

static void
print_text(const struct check *k)
{
	printf(";; check %s\n", k->zs);
	if (k->parent != NULL)
		printf(";; delegated by %s @%s (%s): NS %s\n", k->parent->zone,
		    k->parent->server, k->parent->address, k->parent_ns);
	printf(";; %zu server%s, %zu address%s asked at once\n", k->nnames,
	    k->nnames == 1 ? "" : "s", k->naddrs, k->naddrs == 1 ? "" : "es");
	for (size_t i = 0; i < k->naddrs; i++) {
		const struct check_addr *a = &k->addrs[i];

		printf("%s @%s: ", a->name, a->text);
		if (!a->udp) {
			printf("no reply\n");
			continue;
		}
		printf("%s, UDP %.2f ms, TCP %s",
		    a->auth ? "authoritative" : "lame",
		    a->p[CHECK_UDP_SOA].rtt_ms, a->tcp ? "yes" : "no");
		if (a->auth)
			printf(", serial %u, NS %s", a->serial, a->ns);
		if (a->auth && k->qname != NULL)
			printf(", answer %s", a->answer);
		printf("\n");
	}
	for (size_t i = 0; i < k->nf; i++)
		printf("%-7s %s (%s): %s\n", k->f[i].severity, k->f[i].server,
		    k->f[i].address, k->f[i].text);
	printf(";; %s: %zu error%s, %zu warning%s\n", verdict(k), k->nerrors,
	    k->nerrors == 1 ? "" : "s", k->nwarnings,
	    k->nwarnings == 1 ? "" : "s");
}

static void
print_json(const struct check *k)
{
	printf("{\"zone\": ");
	output_json_str(stdout, k->zs);
	printf(", \"status\": \"%s\", \"parent\": ", verdict(k));
	if (k->parent != NULL) {
		printf("{\"zone\": ");
		output_json_str(stdout, k->parent->zone);
		printf(", \"server\": ");
		output_json_str(stdout, k->parent->server);
		printf(", \"address\": ");
		output_json_str(stdout, k->parent->address);
		printf(", \"ns\": ");
		output_json_rr_list(stdout, k->parent->ns);
		printf(", \"glue\": ");
		output_json_rr_list(stdout, k->parent->glue);
		printf("}");
	} else
		printf("null");
	printf(", \"servers\": [");
	for (size_t i = 0; i < k->naddrs; i++) {
		const struct check_addr *a = &k->addrs[i];
		uint8_t b[16];

		printf("%s{\"name\": ", i > 0 ? ", " : "");
		output_json_str(stdout, a->name);
		printf(", \"address\": ");
		output_json_str(stdout, a->text);
		inet_pton(a->ss.ss_family, a->text, b);
		printf(", \"kind\": ");
		output_json_str(stdout, addr_kind(a->ss.ss_family, b));
		printf(", \"udp\": %s, \"tcp\": %s, \"authoritative\": %s",
		    a->udp ? "true" : "false", a->tcp ? "true" : "false",
		    a->auth ? "true" : "false");
		if (a->udp)
			printf(", \"rtt_ms\": %.3f",
			    a->p[CHECK_UDP_SOA].rtt_ms);
		if (a->auth) {
			printf(", \"serial\": %u, \"ns\": ", a->serial);
			output_json_str(stdout, a->ns);
			if (k->qname != NULL) {
				printf(", \"answer\": ");
				output_json_str(stdout, a->answer);
			}
		}
		printf("}");
	}
	printf("], \"findings\": [");
	for (size_t i = 0; i < k->nf; i++) {
		printf("%s{\"severity\": \"%s\", \"server\": ",
		    i > 0 ? ", " : "", k->f[i].severity);
		output_json_str(stdout, k->f[i].server);
		printf(", \"address\": ");
		output_json_str(stdout, k->f[i].address);
		printf(", \"text\": ");
		output_json_str(stdout, k->f[i].text);
		printf("}");
	}
	printf("], \"errors\": %zu, \"warnings\": %zu}\n", k->nerrors,
	    k->nwarnings);
}

static void
check_free(struct check *k)
{
	for (size_t i = 0; i < k->naddrs; i++)
		probe_free_replies(k->addrs[i].p, CHECK_NPROBES);
	for (size_t i = 0; i < k->nlookups; i++)
		trace_walk_free(k->lookups[i]);
	for (size_t i = 0; i < k->nnames; i++)
		free(k->names[i]);
	trace_walk_free(k->walk);
	trace_run_free(&k->run);
	ldns_rdf_deep_free(k->zone);
	ldns_rdf_deep_free(k->qname);
}

/* Find the delegation and the servers; 0, or -1 (said on stderr). */
static int
find_servers(struct check *k)
{
	char child_ns[1024];

	if ((k->walk = trace_walk_run(&k->run, k->zone, LDNS_RR_TYPE_NS)) ==
	    NULL) {
		fprintf(stderr, "roost check: out of memory\n");
		return -1;
	}
	k->parent = find_parent(k);
	if (k->parent == NULL && ldns_dname_label_count(k->zone) > 0) {
		fprintf(stderr, "roost check: %s: %s\n", k->zs,
		    k->walk->status == TRACE_ST_FAIL && k->walk->error != NULL
			? k->walk->error
			: "no referral to it: not a zone of its own");
		return -1;
	}
	if (k->parent != NULL)
		ns_names(k, k->parent->ns, k->parent_ns, sizeof(k->parent_ns),
		    true);
	if (k->walk->status == TRACE_ST_ANSWER)
		ns_names(k, k->walk->answer, child_ns, sizeof(child_ns), true);
	qsort(k->names, k->nnames, sizeof(k->names[0]), cmp_str);
	if (k->nnames == 0) {
		fprintf(stderr, "roost check: %s: no NS set found\n", k->zs);
		return -1;
	}
	gather_addrs(k);
	return 0;
}

int
cmd_check_main(int argc, char **argv)
{
	struct check_cli c = {
		.o = { .timeout_ms = CHECK_DEFAULT_TIMEOUT_MS,
		    .tries = TRACE_DEFAULT_TRIES,
		    .deadline_ms = TRACE_DEFAULT_DEADLINE_MS,
		    .v4 = true,
		    .v6 = true },
		.port = 53,
	};
	struct check *k;
	struct nsset *hints;
	char err[512];
	int rc, status = CLIENT_EXIT_FAIL;

	if ((rc = parse_args(&c, argc, argv)) != 0)
		return rc > 0 ? CLIENT_EXIT_ANSWER : CLIENT_EXIT_USAGE;
	if ((hints = hints_open(c.hints_file, c.port, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "roost check: %s\n", err);
		return CLIENT_EXIT_USAGE;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		nsset_free(hints);
		return CLIENT_EXIT_FAIL;
	}
	k->c = &c;
	trace_run_init(&k->run, &c.o, hints);
	if ((k->zone = dname_from_text(c.zone)) == NULL) {
		fprintf(stderr, "roost check: not a domain name: \"%s\"\n",
		    c.zone);
		status = CLIENT_EXIT_USAGE;
		goto out;
	}
	if (c.name != NULL &&
	    ((k->qname = dname_from_text(c.name)) == NULL ||
		!dname_at_or_under(k->qname, k->zone))) {
		fprintf(stderr, "roost check: \"%s\" is no name in %s\n",
		    c.name, c.zone);
		status = CLIENT_EXIT_USAGE;
		goto out;
	}
	{
		char *zs = dname_lower_str(k->zone);

		snprintf(k->zs, sizeof(k->zs), "%s", zs != NULL ? zs : "?");
		free(zs);
	}
	if (find_servers(k) == -1)
		goto out;
	if (run_probes(k) == -1) {
		fprintf(stderr, "roost check: out of memory\n");
		goto out;
	}
	if (c.json)
		print_json(k);
	else
		print_text(k);
	status = auth_count(k) == 0         ? CLIENT_EXIT_FAIL
	    : k->nerrors + k->nwarnings > 0 ? CLIENT_EXIT_DEGRADED
					    : CLIENT_EXIT_ANSWER;
out:
	check_free(k);
	free(k);
	nsset_free(hints);
	return status;
}
