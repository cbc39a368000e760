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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dname.h"
#include "net.h"
#include "nsset.h"
#include "reply.h"
#include "rrs.h"
#include "trace.h"

const char *
trace_outcome_str(enum trace_outcome o)
{
	static const char *const s[] = { "referral", "answer", "cname",
		"nxdomain", "nodata", "error", "timeout", "lame" };

	return (size_t)o < sizeof(s) / sizeof(s[0]) ? s[o] : "?";
}

void
trace_run_init(struct trace_run *run, const struct trace_opts *o,
    const struct nsset *hints)
{
	memset(run, 0, sizeof(*run));
	run->o = o;
	run->hints = hints;
	run->start = clock_mono_ms();
	run->deadline = run->start + o->deadline_ms;
}

void
trace_run_free(struct trace_run *run)
{
	for (size_t i = 0; i < run->nlearned; i++)
		free(run->learned[i].name);
	run->nlearned = 0;
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
	ldns_rr_list_deep_free(s->sec);
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
	ldns_rr_list_deep_free(w->sec);
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

/* --- asking a zone's servers ------------------------------------------ */

static bool
family_ok(const struct trace_run *run, const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? run->o->v4 : run->o->v6;
}

static bool
out_of_time(struct trace_run *run, struct trace_walk *w)
{
	char buf[64];

	if (clock_mono_ms() >= run->deadline) {
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

/* What looking up a glue-less server gave: nested walks, and the types
 * taken from lookups made earlier in the run. */
struct lookup_out {
	struct trace_walk *walks[2];
	size_t nwalks;
	ldns_rr_type reused[2];
	size_t nreused;
};

static struct trace_learned *
learned_find(struct trace_run *run, const char *name, ldns_rr_type type)
{
	for (size_t i = 0; i < run->nlearned; i++)
		if (run->learned[i].type == type &&
		    strcmp(run->learned[i].name, name) == 0)
			return &run->learned[i];
	return NULL;
}

/* Add ss to srv's addresses unless it is full or has it. */
static void
srv_add_ss(struct nsset_server *srv, const struct sockaddr_storage *ss)
{
	if (srv->naddr == NSSET_MAX_ADDRS)
		return;
	for (size_t i = 0; i < srv->naddr; i++)
		if (memcmp(&srv->addr[i], ss, sizeof(*ss)) == 0)
			return;
	srv->addr[srv->naddr++] = *ss;
}

/* Keep what walk nw found of srv's addresses of its type for the run;
 * a walk refused before it asked anyone (a loop) is not kept. */
static void
learned_keep(struct trace_run *run, const struct nsset_server *srv,
    const struct trace_walk *nw)
{
	int family = nw->type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	struct trace_learned *l;

	if (nw->nsteps == 0 || run->nlearned == TRACE_MAX_LEARNED)
		return;
	l = &run->learned[run->nlearned];
	memset(l, 0, sizeof(*l));
	if ((l->name = strdup(srv->name)) == NULL)
		return;
	l->type = nw->type;
	for (size_t i = 0; i < srv->naddr; i++)
		if (srv->addr[i].ss_family == family)
			l->addr[l->naddr++] = srv->addr[i];
	run->nlearned++;
}

/*
 * Find addresses for glue-less server srv (A if IPv4 is allowed, then
 * AAAA if IPv6 is and no usable address came yet): from a lookup made
 * earlier in the run, else by a nested walk, which is kept in *out.
 */
static void
server_lookup(struct trace_run *run, struct trace_walk *w,
    struct nsset_server *srv, int port, struct lookup_out *out)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A,
		LDNS_RR_TYPE_AAAA };
	struct trace_learned *l;
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
		if ((l = learned_find(run, srv->name, types[t])) != NULL) {
			for (i = 0; i < l->naddr; i++)
				srv_add_ss(srv, &l->addr[i]);
			out->reused[out->nreused++] = types[t];
			continue;
		}
		if ((nw = walk_nested(run, srv->name, types[t])) == NULL)
			continue;
		out->walks[out->nwalks++] = nw;
		w->queries += nw->queries;
		for (i = 0; nw->status == TRACE_ST_ANSWER &&
		     i < ldns_rr_list_rr_count(nw->answer);
		     i++) {
			rr = ldns_rr_list_rr(nw->answer, i);
			if (ldns_rr_get_type(rr) == types[t] &&
			    ldns_rr_rd_count(rr) == 1)
				nsset_add_addr(srv, ldns_rr_rdf(rr, 0), port);
		}
		learned_keep(run, srv, nw);
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
	s->outcome = reply_classify(r.pkt, zone, name, type, &s->detail);
	*out = r.pkt;
	return s->outcome;
}

/*
 * A new step for server of zone zs that takes over what *lk holds
 * (emptied).  Returns the step, or NULL with w failed when out of
 * memory (the walks stay the caller's).
 */
static struct trace_step *
step_take(struct trace_walk *w, const char *zs, const char *server,
    struct lookup_out *lk)
{
	struct trace_step *s;
	size_t k;

	if ((s = step_new(w, zs, server)) == NULL) {
		walk_fail(w, "%s", "out of memory");
		return NULL;
	}
	for (k = 0; k < lk->nwalks; k++)
		s->lookups[k] = lk->walks[k];
	s->nlookups = lk->nwalks;
	for (k = 0; k < lk->nreused; k++)
		s->reused[k] = lk->reused[k];
	s->nreused = lk->nreused;
	memset(lk, 0, sizeof(*lk));
	return s;
}

/*
 * Ask the servers of zone, in order, about (name, type) until one gives
 * a usable reply: returns its outcome with the reply in *out (the caller
 * frees it), or -1 when none did (w->error says why).
 */
static int
ask_zone(struct trace_run *run, struct trace_walk *w, const ldns_rdf *zone,
    struct nsset *set, const ldns_rdf *name, ldns_rr_type type, ldns_pkt **out)
{
	struct lookup_out lk;
	struct nsset_server *srv;
	struct trace_step *s;
	enum trace_outcome oc;
	ldns_pkt *q = NULL, *p;
	char *zs = dname_lower_str(zone);
	size_t i, j, k;
	int port = nsset_port(run->hints), rc = -1;

	if (zs == NULL ||
	    (q = net_query_new(name, type, false, run->o->dnssec)) == NULL) {
		walk_fail(w, "%s", "out of memory");
		goto done;
	}
	for (i = 0; i < set->n; i++) {
		srv = &set->s[i];
		memset(&lk, 0, sizeof(lk));
		for (j = 0; j < srv->naddr && !family_ok(run, &srv->addr[j]);
		     j++)
			;
		if (j == srv->naddr) {
			if (out_of_time(run, w))
				goto done;
			server_lookup(run, w, srv, port, &lk);
		}
		for (j = 0; j < srv->naddr; j++) {
			if (!family_ok(run, &srv->addr[j]))
				continue;
			if (out_of_time(run, w))
				goto free_lookups;
			if ((s = step_take(w, zs, srv->name, &lk)) == NULL)
				goto free_lookups;
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
		if (lk.nwalks > 0 || lk.nreused > 0 || srv->naddr == 0) {
			/* no address to ask: say so, with what we tried */
			if ((s = step_take(w, zs, srv->name, &lk)) == NULL)
				goto free_lookups;
			s->outcome = TRACE_ERROR;
			s->detail = strdup("no glue, and no address found");
		}
	}
	walk_fail(w, "no server of %s gave a usable answer", zs);
	goto done;
free_lookups:
	for (k = 0; k < lk.nwalks; k++)
		trace_walk_free(lk.walks[k]);
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

/* Copy the SOA that proves a negative answer into w. */
static void
take_negative(struct trace_walk *w, const ldns_pkt *p)
{
	const ldns_rr *soa =
	    rrs_find_type(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA);

	if (soa != NULL)
		rrs_push_clone(&w->authority, soa);
}

/*
 * Copy into *l the records of list from whose type is one of types
 * (n of them).  Returns 0, or -1 when out of memory.
 */
static int
take_types(ldns_rr_list **l, const ldns_rr_list *from,
    const ldns_rr_type *types, size_t n)
{
	const ldns_rr *rr;

	for (size_t i = 0; from != NULL && i < ldns_rr_list_rr_count(from);
	     i++) {
		rr = ldns_rr_list_rr(from, i);
		for (size_t t = 0; t < n; t++)
			if (ldns_rr_get_type(rr) == types[t] &&
			    rrs_push_clone(l, rr) == -1)
				return -1;
	}
	return 0;
}

/* --dnssec: keep what chain.h needs of reply p (a referral's in s->sec,
 * an answer's in w->sec).  Returns 0, or -1 when out of memory. */
static int
take_sec(const struct trace_run *run, struct trace_walk *w,
    struct trace_step *s, const ldns_pkt *p, bool referral)
{
	static const ldns_rr_type ref[] = { LDNS_RR_TYPE_DS, LDNS_RR_TYPE_NSEC,
		LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_RRSIG };
	static const ldns_rr_type sig[] = { LDNS_RR_TYPE_RRSIG };

	if (!run->o->dnssec)
		return 0;
	if (referral)
		return take_types(&s->sec, ldns_pkt_authority(p), ref, 4);
	if (take_types(&w->sec, ldns_pkt_answer(p), sig, 1) == -1)
		return -1;
	return take_types(&w->sec, ldns_pkt_authority(p), ref + 1, 3);
}

/*
 * Follow referral p, from a server of *zone and recorded in step s: the
 * child zone becomes *zone and its servers *set.  Frees p.  Returns 0,
 * or -1 when out of memory.
 */
static int
follow_referral(struct trace_run *run, struct trace_step *s, ldns_pkt *p,
    ldns_rdf **zone, struct nsset **set)
{
	struct nsset *next;
	ldns_rdf *child;

	if ((child = ldns_rdf_clone(reply_cut(p))) == NULL) {
		ldns_pkt_free(p);
		return -1;
	}
	ldns_dname2canonical(child);
	next = reply_referral(p, *zone, child, nsset_port(run->hints), &s->ns,
	    &s->glue);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(*zone);
	*zone = child;
	if ((s->child = dname_lower_str(child)) == NULL || next == NULL) {
		nsset_free(next);
		return -1;
	}
	nsset_free(*set);
	*set = next;
	return 0;
}

/*
 * Walk for (qname, w->type) from the root: follow referrals, and restart
 * from the root at the end of each CNAME/DNAME chain the answers give.
 */
static void
walk_body(struct trace_run *run, struct trace_walk *w, const ldns_rdf *qname)
{
	struct reply_chain keep = { .answer = &w->answer,
		.targets = &w->cnames,
		.ntargets = &w->ncnames };
	struct nsset *set = NULL;
	ldns_rdf *cur = NULL, *zone = NULL, *last;
	struct trace_step *s;
	char limit[16];
	ldns_pkt *p;
	size_t links, cuts;
	bool found;
	int oc;

	if ((cur = ldns_rdf_clone(qname)) == NULL)
		goto oom;
	ldns_dname2canonical(cur);
restart:
	nsset_free(set);
	ldns_rdf_deep_free(zone);
	set = nsset_copy(run->hints);
	zone = root_new();
	if (set == NULL || zone == NULL)
		goto oom;
	for (cuts = 0;; cuts++) {
		if (cuts > TRACE_MAX_CUTS) {
			snprintf(limit, sizeof(limit), "%d", TRACE_MAX_CUTS);
			walk_fail(w, "more than %s zone cuts", limit);
			goto out;
		}
		p = NULL;
		if ((oc = ask_zone(run, w, zone, set, cur, w->type, &p)) == -1)
			goto out;
		s = &w->steps[w->nsteps - 1];
		w->rcode = ldns_pkt_get_rcode(p);
		if (take_sec(run, w, s, p, oc == TRACE_REFERRAL) == -1) {
			ldns_pkt_free(p);
			goto oom;
		}
		switch ((enum trace_outcome)oc) {
		case TRACE_REFERRAL:
			if (follow_referral(run, s, p, &zone, &set) == -1)
				goto oom;
			continue;
		case TRACE_CNAME:
			last = reply_chain_follow(p, cur, w->type, &links,
			    &found, &keep);
			ldns_pkt_free(p);
			if (last == NULL)
				goto oom;
			ldns_rdf_deep_free(cur);
			cur = last;
			ldns_dname2canonical(cur);
			if (w->ncnames > TRACE_MAX_CHAIN) {
				snprintf(limit, sizeof(limit), "%d",
				    TRACE_MAX_CHAIN);
				walk_fail(w,
				    "a CNAME/DNAME chain longer than %s",
				    limit);
				goto out;
			}
			goto restart;
		case TRACE_ANSWER:
		case TRACE_NXDOMAIN:
		case TRACE_NODATA:
			last = reply_chain_follow(p, cur, w->type, &links,
			    &found, &keep);
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
	nsset_free(set);
	ldns_rdf_deep_free(zone);
	ldns_rdf_deep_free(cur);
}

static struct trace_walk *
walk_new(const ldns_rdf *name, ldns_rr_type type)
{
	struct trace_walk *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if ((w->name = dname_lower_str(name)) == NULL) {
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
	uint64_t start = clock_mono_us();

	if (w == NULL)
		return NULL;
	if (out_of_time(run, w))
		return w;
	walk_body(run, w, name);
	w->ms = (double)(clock_mono_us() - start) / 1e3;
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
