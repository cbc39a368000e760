/*
 * src/client/trace.c - the walk down the DNS tree (see trace.h).
 *
 * Invariants: every query goes to an address learned from the hints, from
 * in-bailiwick glue or from a nested walk of our own, never from the
 * system resolver; every packet received is freed before the step that
 * got it is left (what a walk keeps are clones); a step is appended for
 * every query sent and for every server skipped without one.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "net.h"
#include "trace.h"

#define TRACE_NAME_STRLEN (LDNS_MAX_DOMAINLEN * 4 + 8)

/* The IANA root servers (root-servers.org, 2023 with b's renumbering). */
static const struct {
	const char *name, *v4, *v6;
} trace_roots[] = {
	{ "a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30" },
	{ "b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b" },
	{ "c.root-servers.net.", "192.33.4.12", "2001:500:2::c" },
	{ "d.root-servers.net.", "199.7.91.13", "2001:500:2d::d" },
	{ "e.root-servers.net.", "192.203.230.10", "2001:500:a8::e" },
	{ "f.root-servers.net.", "192.5.5.241", "2001:500:2f::f" },
	{ "g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d" },
	{ "h.root-servers.net.", "198.97.190.53", "2001:500:1::53" },
	{ "i.root-servers.net.", "192.36.148.17", "2001:7fe::53" },
	{ "j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30" },
	{ "k.root-servers.net.", "193.0.14.129", "2001:7fd::1" },
	{ "l.root-servers.net.", "199.7.83.42", "2001:500:9f::42" },
	{ "m.root-servers.net.", "202.12.27.33", "2001:dc3::35" },
};

const char *
trace_outcome_str(enum trace_outcome o)
{
	static const char *const s[] = { "referral", "answer", "cname",
		"nxdomain", "nodata", "error", "timeout", "lame" };

	return (size_t)o < sizeof(s) / sizeof(s[0]) ? s[o] : "?";
}

/* A lower-case absolute presentation name, malloc'd (or NULL). */
static char *
name_dup(const ldns_rdf *name)
{
	char *s = ldns_rdf2str(name), *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static bool
name_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	return ldns_dname_compare(a, b) == 0;
}

/* Is name at or below zone? */
static bool
name_at_or_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return name_eq(name, zone) || ldns_dname_is_subdomain(name, zone);
}

static bool
name_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return !name_eq(name, zone) && ldns_dname_is_subdomain(name, zone);
}

/* --- server sets ------------------------------------------------------- */

static int
addr_set(struct sockaddr_storage *ss, const ldns_rdf *rd, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A &&
	    ldns_rdf_size(rd) == 4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, ldns_rdf_data(rd), 4);
		return 0;
	}
	if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_AAAA &&
	    ldns_rdf_size(rd) == 16) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, ldns_rdf_data(rd), 16);
		return 0;
	}
	return -1;
}

static void
server_add_addr(struct trace_server *s, const ldns_rdf *rd, int port)
{
	struct sockaddr_storage ss;
	size_t i;

	if (s->naddr >= TRACE_MAX_ADDRS || addr_set(&ss, rd, port) == -1)
		return;
	for (i = 0; i < s->naddr; i++)
		if (memcmp(&s->addr[i], &ss, sizeof(ss)) == 0)
			return;
	s->addr[s->naddr++] = ss;
}

/* The server named name in set, added if new (NULL when full / OOM). */
static struct trace_server *
nsset_server(struct trace_nsset *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->s[i].name, name) == 0)
			return &set->s[i];
	if (set->n >= TRACE_MAX_SERVERS)
		return NULL;
	if ((set->s[set->n].name = strdup(name)) == NULL)
		return NULL;
	set->s[set->n].naddr = 0;
	return &set->s[set->n++];
}

static int
server_cmp(const void *a, const void *b)
{
	return strcmp(((const struct trace_server *)a)->name,
	    ((const struct trace_server *)b)->name);
}

void
trace_nsset_free(struct trace_nsset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		free(set->s[i].name);
	free(set);
}

struct trace_nsset *
trace_hints_builtin(int port)
{
	struct trace_nsset *set = calloc(1, sizeof(*set));
	struct trace_server *s;
	ldns_rdf *rd;
	size_t i;

	if (set == NULL)
		return NULL;
	for (i = 0; i < sizeof(trace_roots) / sizeof(trace_roots[0]); i++) {
		if ((s = nsset_server(set, trace_roots[i].name)) == NULL)
			goto fail;
		if ((rd = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A,
			 trace_roots[i].v4)) == NULL)
			goto fail;
		server_add_addr(s, rd, port);
		ldns_rdf_deep_free(rd);
		if ((rd = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA,
			 trace_roots[i].v6)) == NULL)
			goto fail;
		server_add_addr(s, rd, port);
		ldns_rdf_deep_free(rd);
	}
	qsort(set->s, set->n, sizeof(set->s[0]), server_cmp);
	return set;
fail:
	trace_nsset_free(set);
	return NULL;
}

/* Add the A/AAAA records of rrs whose owners name servers of set. */
static void
nsset_add_glue(struct trace_nsset *set, const ldns_rr_list *rrs, int port)
{
	const ldns_rr *rr;
	char *owner;
	size_t i, j;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
			ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		if ((owner = name_dup(ldns_rr_owner(rr))) == NULL)
			continue;
		for (j = 0; j < set->n; j++)
			if (strcmp(set->s[j].name, owner) == 0)
				server_add_addr(&set->s[j], ldns_rr_rdf(rr, 0),
				    port);
		free(owner);
	}
}

struct trace_nsset *
trace_hints_load(const char *file, int port, char *err, size_t errlen)
{
	struct trace_nsset *set = NULL;
	ldns_rr_list *rrs = NULL;
	ldns_rdf *origin = NULL, *prev = NULL, *root = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	ldns_rr *rr;
	char *ns;
	int line = 0;
	FILE *fp;
	size_t i;

	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if ((rrs = ldns_rr_list_new()) == NULL ||
	    (root = ldns_dname_new_frm_str(".")) == NULL ||
	    (set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto fail;
	}
	while (!feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			if (feof(fp) && rr == NULL &&
			    st != LDNS_STATUS_SYNTAX_ERR)
				break;
			snprintf(err, errlen, "%s:%d: %s", file, line,
			    ldns_get_errorstr_by_id(st));
			goto fail;
		}
		if (!ldns_rr_list_push_rr(rrs, rr)) {
			ldns_rr_free(rr);
			snprintf(err, errlen, "%s: out of memory", file);
			goto fail;
		}
	}
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    !name_eq(ldns_rr_owner(rr), root) ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		if ((ns = name_dup(ldns_rr_rdf(rr, 0))) == NULL)
			continue;
		nsset_server(set, ns);
		free(ns);
	}
	nsset_add_glue(set, rrs, port);
	if (set->n == 0) {
		snprintf(err, errlen, "%s: no NS record for the root", file);
		goto fail;
	}
	for (i = 0; i < set->n && set->s[i].naddr == 0; i++)
		;
	if (i == set->n) {
		snprintf(err, errlen, "%s: no address for any root server",
		    file);
		goto fail;
	}
	qsort(set->s, set->n, sizeof(set->s[0]), server_cmp);
	goto out;
fail:
	trace_nsset_free(set);
	set = NULL;
out:
	ldns_rr_list_deep_free(rrs);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	ldns_rdf_deep_free(root);
	fclose(fp);
	return set;
}

void
trace_run_init(struct trace_run *run, const struct trace_opts *o,
    const struct trace_nsset *hints)
{
	memset(run, 0, sizeof(*run));
	run->o = o;
	run->hints = hints;
	run->start = net_now_ms();
	run->deadline = run->start + o->deadline_ms;
}

/* --- walks and steps ------------------------------------------------- */

static void
step_clear(struct trace_step *s)
{
	size_t i;

	free(s->zone);
	free(s->server);
	free(s->detail);
	free(s->child);
	ldns_rr_list_deep_free(s->ns);
	ldns_rr_list_deep_free(s->glue);
	for (i = 0; i < s->nlookups; i++)
		trace_walk_free(s->lookups[i]);
}

void
trace_walk_free(struct trace_walk *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nsteps; i++)
		step_clear(&w->steps[i]);
	free(w->steps);
	for (i = 0; i < w->ncnames; i++)
		free(w->cnames[i]);
	free(w->cnames);
	ldns_rr_list_deep_free(w->answer);
	ldns_rr_list_deep_free(w->authority);
	free(w->name);
	free(w->error);
	free(w);
}

/* A new zeroed step at the end of w's list (NULL when out of memory). */
static struct trace_step *
step_new(struct trace_walk *w, const char *zone, const char *server)
{
	struct trace_step *s, *grown;
	size_t cap;

	if (w->nsteps == w->capsteps) {
		cap = w->capsteps ? w->capsteps * 2 : 8;
		if ((grown = realloc(w->steps, cap * sizeof(*grown))) == NULL)
			return NULL;
		w->steps = grown;
		w->capsteps = cap;
	}
	s = &w->steps[w->nsteps];
	memset(s, 0, sizeof(*s));
	if ((s->zone = strdup(zone)) == NULL ||
	    (s->server = strdup(server)) == NULL) {
		free(s->zone);
		return NULL;
	}
	w->nsteps++;
	return s;
}

static void
walk_fail(struct trace_walk *w, const char *fmt, const char *arg)
{
	char buf[512];

	if (w->error != NULL)
		return; /* the first reason is the one that matters */
	snprintf(buf, sizeof(buf), fmt, arg);
	w->error = strdup(buf);
	w->status = TRACE_ST_FAIL;
	w->rcode = LDNS_RCODE_SERVFAIL;
}

static int
cname_push(struct trace_walk *w, const ldns_rdf *target)
{
	char **grown, *s;

	if ((s = name_dup(target)) == NULL)
		return -1;
	if ((grown = realloc(w->cnames, (w->ncnames + 1) * sizeof(*grown))) ==
	    NULL) {
		free(s);
		return -1;
	}
	w->cnames = grown;
	w->cnames[w->ncnames++] = s;
	return 0;
}

static int
list_push_clone(ldns_rr_list **l, const ldns_rr *rr)
{
	ldns_rr *c;

	if (*l == NULL && (*l = ldns_rr_list_new()) == NULL)
		return -1;
	if ((c = ldns_rr_clone(rr)) == NULL)
		return -1;
	if (!ldns_rr_list_push_rr(*l, c)) {
		ldns_rr_free(c);
		return -1;
	}
	return 0;
}

/* --- reading one reply ------------------------------------------------ */

/*
 * The DNAME substitution of name under owner -> target (RFC 6672):
 * a new dname, or NULL if it would be too long.
 */
static ldns_rdf *
dname_subst(const ldns_rdf *name, const ldns_rdf *owner, const ldns_rdf *target)
{
	char *n = ldns_rdf2str(name), *o = ldns_rdf2str(owner);
	char *t = ldns_rdf2str(target), buf[TRACE_NAME_STRLEN * 2];
	ldns_rdf *out = NULL;
	size_t nl, ol;

	if (n == NULL || o == NULL || t == NULL)
		goto done;
	nl = strlen(n);
	ol = strlen(o);
	if (ol >= nl)
		goto done;
	/* n ends in "." + o: keep the labels before it */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(nl - ol), n,
	    strcmp(t, ".") == 0 ? "" : t);
	out = ldns_dname_new_frm_str(buf);
	if (out != NULL && ldns_rdf_size(out) > LDNS_MAX_DOMAINLEN) {
		ldns_rdf_deep_free(out);
		out = NULL;
	}
done:
	free(n);
	free(o);
	free(t);
	return out;
}

/*
 * Follow the CNAME/DNAME chain from name through the answer section.
 * Returns the chain's last name (a new dname the caller frees, or NULL
 * when out of memory); *links counts the links, *found says whether the
 * answer holds records of type for that last name.  With w, the links
 * and the final RRset are copied to w->answer and the targets to
 * w->cnames.
 */
static ldns_rdf *
chain_follow(const ldns_pkt *p, const ldns_rdf *name, ldns_rr_type type,
    size_t *links, bool *found, struct trace_walk *w)
{
	const ldns_rr_list *an = ldns_pkt_answer(p);
	const ldns_rr *rr, *link;
	ldns_rdf *cur, *next;
	size_t i, hops;

	*links = 0;
	*found = false;
	if ((cur = ldns_rdf_clone(name)) == NULL)
		return NULL;
	for (hops = 0; hops <= TRACE_MAX_CHAIN; hops++) {
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (name_eq(ldns_rr_owner(rr), cur) &&
			    (ldns_rr_get_type(rr) == type ||
				type == LDNS_RR_TYPE_ANY)) {
				*found = true;
				if (w != NULL)
					list_push_clone(&w->answer, rr);
			}
		}
		if (*found)
			return cur;
		next = NULL;
		link = NULL;
		for (i = 0; i < ldns_rr_list_rr_count(an) && next == NULL;
		     i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_rd_count(rr) != 1)
				continue;
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
			    name_under(cur, ldns_rr_owner(rr)))
				next = dname_subst(cur, ldns_rr_owner(rr),
				    ldns_rr_rdf(rr, 0));
			else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    name_eq(ldns_rr_owner(rr), cur))
				next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
			if (next != NULL)
				link = rr;
		}
		if (next == NULL)
			return cur;
		if (w != NULL) {
			list_push_clone(&w->answer, link);
			/* a DNAME comes with the CNAME it synthesizes */
			for (i = 0;
			     ldns_rr_get_type(link) == LDNS_RR_TYPE_DNAME &&
			     i < ldns_rr_list_rr_count(an);
			     i++) {
				rr = ldns_rr_list_rr(an, i);
				if (ldns_rr_get_type(rr) ==
					LDNS_RR_TYPE_CNAME &&
				    name_eq(ldns_rr_owner(rr), cur))
					list_push_clone(&w->answer, rr);
			}
			cname_push(w, next);
		}
		ldns_rdf_deep_free(cur);
		cur = next;
		(*links)++;
	}
	return cur; /* too long: the caller counts links */
}

static const ldns_rr *
find_soa(const ldns_pkt *p)
{
	const ldns_rr_list *ns = ldns_pkt_authority(p);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ns); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ns, i)) ==
		    LDNS_RR_TYPE_SOA)
			return ldns_rr_list_rr(ns, i);
	return NULL;
}

/* The owner of the first NS record in authority, or NULL. */
static const ldns_rdf *
find_ns_owner(const ldns_pkt *p)
{
	const ldns_rr_list *ns = ldns_pkt_authority(p);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ns); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ns, i)) == LDNS_RR_TYPE_NS)
			return ldns_rr_owner(ldns_rr_list_rr(ns, i));
	return NULL;
}

/*
 * What reply p, from a server of zone, says about (name, type).  Sets
 * s->detail for a CNAME's target and for why a server is lame or failed.
 */
static enum trace_outcome
classify(const ldns_pkt *p, const ldns_rdf *zone, const ldns_rdf *name,
    ldns_rr_type type, struct trace_step *s)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
	const ldns_rdf *cut;
	ldns_rdf *last;
	size_t links;
	bool found, aa = ldns_pkt_aa(p);
	char buf[TRACE_NAME_STRLEN + 64], zbuf[TRACE_NAME_STRLEN];
	enum trace_outcome out;

	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return TRACE_ERROR;
	if ((last = chain_follow(p, name, type, &links, &found, NULL)) == NULL)
		return TRACE_ERROR;
	if (aa && (found || links > 0)) {
		if (found)
			out = TRACE_ANSWER;
		else if (rc == LDNS_RCODE_NXDOMAIN &&
		    name_at_or_under(last, zone))
			out = TRACE_NXDOMAIN;
		else if (find_soa(p) != NULL && name_at_or_under(last, zone))
			out = TRACE_NODATA;
		else
			out = TRACE_CNAME;
		if (out == TRACE_CNAME && (s->detail = name_dup(last)) == NULL)
			out = TRACE_ERROR;
		ldns_rdf_deep_free(last);
		return out;
	}
	ldns_rdf_deep_free(last);
	if (!aa && ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 0 &&
	    rc == LDNS_RCODE_NOERROR && (cut = find_ns_owner(p)) != NULL) {
		if (name_under(cut, zone) && name_at_or_under(name, cut))
			return TRACE_REFERRAL;
		snprintf(buf, sizeof(buf), "referral to %s, not below %s",
		    output_name_str(cut, zbuf, sizeof(zbuf)), s->zone);
		s->detail = strdup(buf);
		return TRACE_LAME;
	}
	if (!aa) {
		s->detail = strdup("not authoritative (AA=0)");
		return TRACE_LAME;
	}
	return rc == LDNS_RCODE_NXDOMAIN ? TRACE_NXDOMAIN : TRACE_NODATA;
}

/*
 * The child's servers from referral p sent by a server of zone: the NS
 * set at child, with the A/AAAA glue of the additional section that is
 * in the sender's bailiwick (under zone).  Records them in s too.
 * Returns a new set or NULL when out of memory.
 */
static struct trace_nsset *
referral_servers(const ldns_pkt *p, const ldns_rdf *zone, const ldns_rdf *child,
    struct trace_step *s, int port)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);
	const ldns_rr_list *add = ldns_pkt_additional(p);
	struct trace_nsset *set = calloc(1, sizeof(*set));
	ldns_rr_list *glue = NULL;
	const ldns_rr *rr;
	char *ns, *owner;
	size_t i, j;

	if (set == NULL)
		return NULL;
	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    !name_eq(ldns_rr_owner(rr), child) ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		list_push_clone(&s->ns, rr);
		if ((ns = name_dup(ldns_rr_rdf(rr, 0))) != NULL)
			nsset_server(set, ns);
		free(ns);
	}
	for (i = 0; i < ldns_rr_list_rr_count(add); i++) {
		rr = ldns_rr_list_rr(add, i);
		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
			ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    !name_at_or_under(ldns_rr_owner(rr), zone))
			continue; /* out of bailiwick: not to be trusted */
		if ((owner = name_dup(ldns_rr_owner(rr))) == NULL)
			continue;
		for (j = 0; j < set->n; j++)
			if (strcmp(set->s[j].name, owner) == 0)
				list_push_clone(&glue, rr);
		free(owner);
	}
	if (glue != NULL)
		nsset_add_glue(set, glue, port);
	s->glue = glue;
	qsort(set->s, set->n, sizeof(set->s[0]), server_cmp);
	return set;
}

/* --- asking a zone's servers ------------------------------------------ */

static bool
family_ok(const struct trace_run *run, const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? run->o->v4 : run->o->v6;
}

static int
server_port(const struct trace_nsset *set)
{
	const struct sockaddr_storage *ss;

	if (set->n == 0 || set->s[0].naddr == 0)
		return 53;
	ss = &set->s[0].addr[0];
	return ss->ss_family == AF_INET6
	    ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	    : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static bool
out_of_time(struct trace_run *run, struct trace_walk *w)
{
	char buf[64];

	if (net_now_ms() >= run->deadline) {
		run->deadline_hit = true;
		snprintf(buf, sizeof(buf), "%.1f s", run->o->deadline_ms / 1e3);
		walk_fail(w, "the deadline (%s) passed", buf);
		return true;
	}
	if (run->queries >= TRACE_MAX_QUERIES) {
		snprintf(buf, sizeof(buf), "%d", TRACE_MAX_QUERIES);
		walk_fail(w, "the query limit (%s) was reached", buf);
		return true;
	}
	return false;
}

static struct trace_walk *
walk_nested(struct trace_run *run, const char *name, ldns_rr_type type);

/*
 * Find addresses for glue-less server srv by nested walks (A if IPv4 is
 * allowed, then AAAA if IPv6 is and no usable address came yet); the
 * walks go to lookups[] (at most 2), the addresses to srv.
 */
static void
server_lookup(struct trace_run *run, struct trace_walk *w,
    struct trace_server *srv, int port, struct trace_walk **lookups,
    size_t *nlookups)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A,
		LDNS_RR_TYPE_AAAA };
	struct trace_walk *nw;
	const ldns_rr *rr;
	size_t t, i, j;

	for (t = 0; t < 2; t++) {
		if ((t == 0 && !run->o->v4) || (t == 1 && !run->o->v6))
			continue;
		for (j = 0; j < srv->naddr && !family_ok(run, &srv->addr[j]);
		     j++)
			;
		if (j < srv->naddr)
			break; /* A gave a usable address */
		if ((nw = walk_nested(run, srv->name, types[t])) == NULL)
			continue;
		lookups[(*nlookups)++] = nw;
		w->queries += nw->queries;
		for (i = 0; nw->status == TRACE_ST_ANSWER &&
		     i < ldns_rr_list_rr_count(nw->answer);
		     i++) {
			rr = ldns_rr_list_rr(nw->answer, i);
			if (ldns_rr_get_type(rr) == types[t] &&
			    ldns_rr_rd_count(rr) == 1)
				server_add_addr(srv, ldns_rr_rdf(rr, 0), port);
		}
	}
}

/* Record one exchange's result in step s; the reply (if any) in *out. */
static enum trace_outcome
ask_one(struct trace_run *run, struct trace_walk *w, struct trace_step *s,
    const struct sockaddr_storage *ss, const ldns_pkt *q, const ldns_rdf *zone,
    const ldns_rdf *name, ldns_rr_type type, ldns_pkt **out)
{
	struct net_opts o = { .timeout_ms = run->o->timeout_ms,
		.tries = run->o->tries,
		.tc_fallback = true,
		.deadline = run->deadline };
	struct net_reply r;
	enum net_result res;
	char err[256];
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);

	res = net_exchange(q, ss, len, &o, &r, err, sizeof(err));
	run->queries += (unsigned)r.tries + (r.tcp ? 1 : 0);
	w->queries += (unsigned)r.tries + (r.tcp ? 1 : 0);
	s->tries = r.tries;
	s->tcp = r.tcp;
	s->truncated = r.truncated;
	s->rtt_ms = r.rtt_ms;
	if (res == NET_TIMEOUT) {
		s->outcome = TRACE_TIMEOUT;
		return s->outcome;
	}
	if (res != NET_OK) {
		s->outcome = TRACE_ERROR;
		s->detail = strdup(err);
		return s->outcome;
	}
	s->have_rcode = true;
	s->rcode = ldns_pkt_get_rcode(r.pkt);
	s->outcome = classify(r.pkt, zone, name, type, s);
	*out = r.pkt;
	return s->outcome;
}

/*
 * Ask the servers of zone, in order, about (name, type) until one gives
 * a usable reply: returns its outcome with the reply in *out (the caller
 * frees it), or -1 when none did (w->error says why).
 */
static int
ask_zone(struct trace_run *run, struct trace_walk *w, const ldns_rdf *zone,
    struct trace_nsset *set, const ldns_rdf *name, ldns_rr_type type,
    ldns_pkt **out)
{
	struct trace_walk *lookups[2];
	struct trace_server *srv;
	struct trace_step *s;
	enum trace_outcome oc;
	ldns_pkt *q = NULL, *p;
	char *zs = name_dup(zone);
	size_t i, j, k, nlookups;
	int port = server_port(run->hints), rc = -1;

	if (zs == NULL ||
	    (q = net_query_new(name, type, false, false)) == NULL) {
		walk_fail(w, "%s", "out of memory");
		goto done;
	}
	for (i = 0; i < set->n; i++) {
		srv = &set->s[i];
		nlookups = 0;
		for (j = 0; j < srv->naddr && !family_ok(run, &srv->addr[j]);
		     j++)
			;
		if (j == srv->naddr) {
			if (out_of_time(run, w))
				goto done;
			server_lookup(run, w, srv, port, lookups, &nlookups);
		}
		for (j = 0; j < srv->naddr; j++) {
			if (!family_ok(run, &srv->addr[j]))
				continue;
			if (out_of_time(run, w))
				goto free_lookups;
			if ((s = step_new(w, zs, srv->name)) == NULL) {
				walk_fail(w, "%s", "out of memory");
				goto free_lookups;
			}
			for (k = 0; k < nlookups; k++)
				s->lookups[k] = lookups[k];
			s->nlookups = nlookups;
			nlookups = 0;
			net_addr_host(&srv->addr[j], s->address,
			    sizeof(s->address));
			p = NULL;
			oc = ask_one(run, w, s, &srv->addr[j], q, zone, name,
			    type, &p);
			if (oc == TRACE_TIMEOUT || oc == TRACE_ERROR ||
			    oc == TRACE_LAME) {
				ldns_pkt_free(p);
				continue;
			}
			*out = p;
			rc = (int)oc;
			goto done;
		}
		if (nlookups > 0 || srv->naddr == 0) {
			/* no address to ask: say so, with what we tried */
			if ((s = step_new(w, zs, srv->name)) == NULL) {
				walk_fail(w, "%s", "out of memory");
				goto free_lookups;
			}
			for (k = 0; k < nlookups; k++)
				s->lookups[k] = lookups[k];
			s->nlookups = nlookups;
			nlookups = 0;
			s->outcome = TRACE_ERROR;
			s->detail = strdup("no glue, and no address found");
		}
	}
	walk_fail(w, "no server of %s gave a usable answer", zs);
	goto done;
free_lookups:
	for (k = 0; k < nlookups; k++)
		trace_walk_free(lookups[k]);
done:
	ldns_pkt_free(q);
	free(zs);
	return rc;
}

/* --- the walk -------------------------------------------------------- */

static ldns_rdf *
root_new(void)
{
	return ldns_dname_new_frm_str(".");
}

static struct trace_nsset *
nsset_copy(const struct trace_nsset *src)
{
	struct trace_nsset *set = calloc(1, sizeof(*set));
	size_t i;

	if (set == NULL)
		return NULL;
	for (i = 0; i < src->n; i++) {
		set->s[i] = src->s[i];
		if ((set->s[i].name = strdup(src->s[i].name)) == NULL) {
			set->n = i;
			trace_nsset_free(set);
			return NULL;
		}
	}
	set->n = src->n;
	return set;
}

/* Copy the SOA that proves a negative answer into w. */
static void
take_negative(struct trace_walk *w, const ldns_pkt *p)
{
	const ldns_rr *soa = find_soa(p);

	if (soa != NULL)
		list_push_clone(&w->authority, soa);
}

/*
 * Walk for (qname, w->type) from the root: follow referrals, and restart
 * from the root at the end of each CNAME/DNAME chain the answers give.
 */
static void
walk_body(struct trace_run *run, struct trace_walk *w, const ldns_rdf *qname)
{
	struct trace_nsset *set = NULL, *next;
	ldns_rdf *cur = NULL, *zone = NULL, *child, *last;
	struct trace_step *s;
	ldns_pkt *p;
	size_t links, cuts;
	bool found;
	int oc;

	if ((cur = ldns_rdf_clone(qname)) == NULL)
		goto oom;
	ldns_dname2canonical(cur);
restart:
	trace_nsset_free(set);
	ldns_rdf_deep_free(zone);
	set = nsset_copy(run->hints);
	zone = root_new();
	if (set == NULL || zone == NULL)
		goto oom;
	for (cuts = 0;; cuts++) {
		if (cuts > TRACE_MAX_CUTS) {
			walk_fail(w, "more than %s zone cuts", "32");
			goto out;
		}
		p = NULL;
		if ((oc = ask_zone(run, w, zone, set, cur, w->type, &p)) == -1)
			goto out;
		s = &w->steps[w->nsteps - 1];
		w->rcode = ldns_pkt_get_rcode(p);
		switch ((enum trace_outcome)oc) {
		case TRACE_REFERRAL:
			if ((child = ldns_rdf_clone(find_ns_owner(p))) ==
			    NULL) {
				ldns_pkt_free(p);
				goto oom;
			}
			ldns_dname2canonical(child);
			next = referral_servers(p, zone, child, s,
			    server_port(run->hints));
			ldns_pkt_free(p);
			ldns_rdf_deep_free(zone);
			zone = child;
			if ((s->child = name_dup(zone)) == NULL ||
			    next == NULL) {
				trace_nsset_free(next);
				goto oom;
			}
			trace_nsset_free(set);
			set = next;
			continue;
		case TRACE_CNAME:
			last = chain_follow(p, cur, w->type, &links, &found, w);
			ldns_pkt_free(p);
			if (last == NULL)
				goto oom;
			ldns_rdf_deep_free(cur);
			cur = last;
			ldns_dname2canonical(cur);
			if (w->ncnames > TRACE_MAX_CHAIN) {
				walk_fail(w,
				    "a CNAME/DNAME chain longer than %s", "12");
				goto out;
			}
			goto restart;
		case TRACE_ANSWER:
		case TRACE_NXDOMAIN:
		case TRACE_NODATA:
			last = chain_follow(p, cur, w->type, &links, &found, w);
			ldns_rdf_deep_free(last);
			if (oc == TRACE_ANSWER) {
				w->status = TRACE_ST_ANSWER;
			} else {
				w->status = oc == TRACE_NXDOMAIN
				    ? TRACE_ST_NXDOMAIN
				    : TRACE_ST_NODATA;
				take_negative(w, p);
			}
			ldns_pkt_free(p);
			goto out;
		default: /* ask_zone() returns only the outcomes above */
			ldns_pkt_free(p);
			walk_fail(w, "%s", "internal error");
			goto out;
		}
	}
oom:
	walk_fail(w, "%s", "out of memory");
out:
	trace_nsset_free(set);
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(cur);
}

static struct trace_walk *
walk_new(const ldns_rdf *name, ldns_rr_type type)
{
	struct trace_walk *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if ((w->name = name_dup(name)) == NULL) {
		free(w);
		return NULL;
	}
	w->type = type;
	w->status = TRACE_ST_FAIL;
	w->rcode = LDNS_RCODE_SERVFAIL;
	return w;
}

struct trace_walk *
trace_walk_run(struct trace_run *run, const ldns_rdf *name, ldns_rr_type type)
{
	struct trace_walk *w = walk_new(name, type);
	double start = net_now_msf();

	if (w == NULL)
		return NULL;
	if (out_of_time(run, w))
		return w;
	walk_body(run, w, name);
	w->ms = net_now_msf() - start;
	if (w->status == TRACE_ST_FAIL)
		w->rcode = LDNS_RCODE_SERVFAIL;
	return w;
}

/*
 * A nested walk for a glue-less server's name: refused (NULL) if the
 * nesting is too deep or the name is already being resolved above us
 * (a loop); its queries count in the run's totals.
 */
static struct trace_walk *
walk_nested(struct trace_run *run, const char *name, ldns_rr_type type)
{
	struct trace_walk *w;
	ldns_rdf *dname;
	size_t i;

	if ((dname = ldns_dname_new_frm_str(name)) == NULL)
		return NULL;
	for (i = 0; i < run->depth; i++)
		if (strcmp(run->stack[i], name) == 0)
			break;
	if (i < run->depth || run->depth >= TRACE_MAX_NEST) {
		/* a walk that records why it was not made */
		if ((w = walk_new(dname, type)) != NULL)
			walk_fail(w,
			    i < run->depth
				? "a loop: %s is being looked up already"
				: "%s needs lookups nested too deep",
			    name);
		ldns_rdf_deep_free(dname);
		return w;
	}
	run->stack[run->depth++] = (char *)name;
	w = trace_walk_run(run, dname, type);
	run->depth--;
	ldns_rdf_deep_free(dname);
	return w;
}
