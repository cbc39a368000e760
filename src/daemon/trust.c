/*
 * src/daemon/trust.c - DNSSEC validation on the loop (see trust.h).
 *
 * Invariants:
 * - A check or zone job waits on at most one zone job at a time (w.on),
 *   linked on that job's waiters; a zone job waits only for zones above
 *   its own (validate.h: signers and parents are proper ancestors), so
 *   waiting never goes round in a circle.
 * - A zone job is on t->jobs from its start until it finishes; it holds
 *   at most one upstream request.  When it finishes it is unlinked
 *   first, then its waiters resume (one may cancel another: they are
 *   moved to a local list and each is taken off before it runs).
 * - Every step a check causes counts against TRUST_MAX_STEPS.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dnssec.h"
#include "log.h"
#include "trust.h"
#include "upstream.h"
#include "wire.h"

struct zjob;

/* One party waiting for a zone: a check or another zone job. */
struct twait {
	LIST_ENTRY(twait) link; /* on on->waiters */
	struct zjob *on;
	void (*resume)(struct twait *w);
};

struct zjob {
	LIST_ENTRY(zjob) link; /* on t->jobs */
	struct trust *t;
	ldns_rdf *zone;
	ldns_pkt *ds, *dnskey; /* the replies so far */
	struct upstream_req *req;
	ldns_rr_type asking;          /* what req asks */
	uint8_t wname[WIRE_MAX_NAME]; /* zone, wire form, for req */
	size_t wlen;
	unsigned steps;
	struct twait w; /* waiting itself for a zone above */
	LIST_HEAD(, twait) waiters;
};

struct trust_check {
	struct trust *t;
	ldns_pkt *pkt;
	ldns_rdf *qname;
	ldns_rr_type qtype;
	bool do_echoed; /* the answer's OPT had DO */
	unsigned steps;
	struct trust_out *out; /* the caller's, or NULL */
	trust_done_cb *cb;
	void *arg;
	struct twait w;
};

#define TRUST_NROUTES (1 + CONFIG_MAX_ZONES) /* route.h's numbering */

struct trust {
	struct loop *loop;
	struct validate_store *store;
	/* the negative trust anchors of the configuration last applied
	 * (configured: one was) */
	struct config_domain insecure[CONFIG_MAX_INSECURE];
	size_t ninsecure;
	bool configured;
	struct route_table *routes;
	LIST_HEAD(, zjob) jobs;
	unsigned njobs;
	struct trust_stats st;
	uint64_t stripped[TRUST_NROUTES];   /* per route */
	uint64_t do_ignored[TRUST_NROUTES]; /* per route */
};

/* The route (route.h's numbering) of name (wire form), 0 without routes. */
static unsigned
route_of(const struct trust *t, const uint8_t *name, size_t len)
{
	unsigned i = t->routes != NULL ? route_index(t->routes, name, len) : 0;

	return i < TRUST_NROUTES ? i : 0;
}

static struct validate_time
now(const struct trust *t)
{
	return (struct validate_time){ .wall = time(NULL),
		.mono = (uint32_t)loop_now(t->loop) };
}

struct trust *
trust_new(struct loop *l, const struct config *c, char *err, size_t errlen)
{
	struct trust *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->store = validate_store_new()) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->loop = l;
	LIST_INIT(&t->jobs);
	if (trust_configure(t, c, err, errlen) == -1) {
		trust_free(t);
		return NULL;
	}
	return t;
}

/*
 * Names no public parent can vouch for, insecure as systemd-resolved
 * has them (RFC 7646 lists the idea): the private-use TLDs people run
 * on their LANs (the root says they do not exist) and the reverse zones
 * of private and link-local addresses.
 */
static const char *const trust_private[] = {
	"home",
	"lan",
	"corp",
	"internal",
	"intranet",
	"private",
	"local",
	"10.in-addr.arpa",
	"168.192.in-addr.arpa",
	"254.169.in-addr.arpa",
	"c.f.ip6.arpa",
	"d.f.ip6.arpa",
	"8.e.f.ip6.arpa",
	"9.e.f.ip6.arpa",
	"a.e.f.ip6.arpa",
	"b.e.f.ip6.arpa",
};

/* Adds the text name as a negative trust anchor; -1 without memory. */
static int
add_nta(struct trust *t, const char *text)
{
	uint8_t w[WIRE_MAX_NAME];
	size_t len;

	if (wire_name_from_text(text, w, &len) != WIRE_OK)
		return 0; /* not reached: the list is ours */
	return validate_store_insecure(t->store, w, len);
}

/* Whether c's negative trust anchors are those t applied last. */
static bool
same_insecure(const struct trust *t, const struct config *c)
{
	if (!t->configured || c->ninsecure != t->ninsecure)
		return false;
	for (size_t i = 0; i < c->ninsecure; i++)
		if (c->insecure[i].name_len != t->insecure[i].name_len ||
		    memcmp(c->insecure[i].name, t->insecure[i].name,
			c->insecure[i].name_len) != 0)
			return false;
	return true;
}

int
trust_configure(struct trust *t, const struct config *c, char *err,
    size_t errlen)
{
	char name[32];
	bool changed;
	int r = 0;

	if (validate_store_anchors(t->store, c->trust_anchor_file, &changed,
		err, errlen) == -1)
		return -1;
	if (!changed && same_insecure(t, c))
		return 0; /* the zones judged stay good */
	validate_store_clear(t->store);
	t->configured = false;
	for (size_t i = 0; i < sizeof(trust_private) / sizeof(trust_private[0]);
	     i++)
		r |= add_nta(t, trust_private[i]);
	for (int i = 16; i < 32; i++) {
		snprintf(name, sizeof(name), "%d.172.in-addr.arpa", i);
		r |= add_nta(t, name);
	}
	for (size_t i = 0; i < c->ninsecure; i++)
		r |= validate_store_insecure(t->store, c->insecure[i].name,
		    c->insecure[i].name_len);
	if (r != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(t->insecure, c->insecure, sizeof(t->insecure));
	t->ninsecure = c->ninsecure;
	t->configured = true;
	return 1;
}

void
trust_set_routes(struct trust *t, struct route_table *routes)
{
	t->routes = routes;
}

static void
zjob_free(struct zjob *j)
{
	if (j->req != NULL)
		upstream_cancel(j->req);
	if (j->w.on != NULL)
		LIST_REMOVE(&j->w, link);
	ldns_pkt_free(j->ds);
	ldns_pkt_free(j->dnskey);
	ldns_rdf_deep_free(j->zone);
	free(j);
}

void
trust_free(struct trust *t)
{
	struct zjob *j;

	if (t == NULL)
		return;
	/* zone jobs wait only on each other now: detach them all first */
	LIST_FOREACH(j, &t->jobs, link) {
		while (!LIST_EMPTY(&j->waiters)) {
			struct twait *w = LIST_FIRST(&j->waiters);

			LIST_REMOVE(w, link);
			w->on = NULL;
		}
	}
	while ((j = LIST_FIRST(&t->jobs)) != NULL) {
		LIST_REMOVE(j, link);
		zjob_free(j);
	}
	validate_store_free(t->store);
	free(t);
}

void
trust_stats(const struct trust *t, struct trust_stats *out)
{
	*out = t->st;
	out->zones = validate_store_zones(t->store);
}

/* --- zone jobs ------------------------------------------------------- */

static void zjob_step(struct zjob *j);
static void zjob_finish(struct zjob *j);

static struct zjob *
zjob_find(struct trust *t, const ldns_rdf *zone)
{
	struct zjob *j;

	LIST_FOREACH(j, &t->jobs, link)
		if (ldns_dname_compare(j->zone, zone) == 0)
			return j;
	return NULL;
}

/* Ends j: unlinked, then each waiter resumes. */
static void
zjob_finish(struct zjob *j)
{
	LIST_HEAD(, twait) waiting;
	struct twait *w;

	LIST_REMOVE(j, link);
	j->t->njobs--;
	LIST_INIT(&waiting);
	while ((w = LIST_FIRST(&j->waiters)) != NULL) {
		LIST_REMOVE(w, link);
		LIST_INSERT_HEAD(&waiting, w, link);
	}
	zjob_free(j);
	while ((w = LIST_FIRST(&waiting)) != NULL) {
		LIST_REMOVE(w, link);
		w->on = NULL;
		w->resume(w);
	}
}

/*
 * Makes w wait for zone (taking zone), starting its job if none runs.
 * A new job takes its first step here, before w waits on it: if that
 * step ends it, w does not wait.  Returns 0 when w waits, 1 when zone
 * was judged at once (step again), -1 when no job can start.
 */
static int
wait_for(struct trust *t, struct twait *w, ldns_rdf *zone)
{
	struct zjob *j = zjob_find(t, zone);

	if (j == NULL) {
		if (t->njobs >= TRUST_MAX_ZONE_JOBS ||
		    ldns_rdf_size(zone) > WIRE_MAX_NAME ||
		    (j = calloc(1, sizeof(*j))) == NULL) {
			ldns_rdf_deep_free(zone);
			return -1;
		}
		j->t = t;
		j->zone = ldns_rdf_clone(zone);
		j->wlen = ldns_rdf_size(zone);
		memcpy(j->wname, ldns_rdf_data(zone), j->wlen);
		wire_name_lower(j->wname, j->wlen);
		LIST_INIT(&j->waiters);
		LIST_INSERT_HEAD(&t->jobs, j, link);
		t->njobs++;
		if (j->zone == NULL) {
			zjob_finish(j);
			ldns_rdf_deep_free(zone);
			return -1;
		}
		zjob_step(j);
		if ((j = zjob_find(t, zone)) == NULL) {
			ldns_rdf_deep_free(zone);
			return 1;
		}
	}
	ldns_rdf_deep_free(zone);
	w->on = j;
	LIST_INSERT_HEAD(&j->waiters, w, link);
	return 0;
}

static void
zjob_fetched(void *arg, const uint8_t *answer, size_t len,
    enum upstream_end end)
{
	struct zjob *j = arg;
	struct validate_time tm = now(j->t);
	ldns_pkt *p = NULL;

	j->req = NULL;
	log_debug("dnssec: the %s answer for a zone: %s",
	    j->asking == LDNS_RR_TYPE_DS ? "DS" : "DNSKEY",
	    answer != NULL
		? "received"
		: (end == UPSTREAM_UNREACHABLE ? "unreachable" : "none"));
	if (answer == NULL ||
	    ldns_wire2pkt(&p, answer, len) != LDNS_STATUS_OK) {
		j->t->st.key_failures++;
		validate_zone_failed(j->t->store, j->zone,
		    j->asking == LDNS_RR_TYPE_DS, &tm);
		zjob_finish(j);
		return;
	}
	if (!ldns_pkt_edns_do(p)) {
		j->t->st.do_ignored++;
		j->t->do_ignored[route_of(j->t, j->wname, j->wlen)]++;
	}
	if (j->asking == LDNS_RR_TYPE_DS)
		j->ds = p;
	else
		j->dnskey = p;
	zjob_step(j);
}

/* Asks the route of j's zone for its DS or DNSKEY set. */
static void
zjob_ask(struct zjob *j, ldns_rr_type type)
{
	struct upstream_question q = {
		.name = j->wname,
		.name_len = j->wlen,
		.qtype = type,
		.qclass = WIRE_C_IN,
		.dnssec_ok = true,
		.checking_disabled = true,
	};
	/* a DS set is asked where the parent's names go (route.h) */
	struct upstream_set *set = j->t->routes != NULL
	    ? route_pick_type(j->t->routes, j->wname, j->wlen, type)
	    : NULL;
	struct validate_time tm = now(j->t);

	j->asking = type;
	j->t->st.key_fetches++;
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char n[WIRE_MAX_NAME_TEXT];

		wire_name_to_text(j->wname, j->wlen, n, sizeof(n));
		log_debug("dnssec: asking %s %s", n,
		    type == LDNS_RR_TYPE_DS ? "DS" : "DNSKEY");
	}
	if (set == NULL ||
	    (j->req = upstream_resolve(set, &q, zjob_fetched, j)) == NULL) {
		j->t->st.key_failures++;
		validate_zone_failed(j->t->store, j->zone,
		    type == LDNS_RR_TYPE_DS, &tm);
		zjob_finish(j);
	}
}

static void
zjob_resume(struct twait *w)
{
	zjob_step((struct zjob *)((char *)w - offsetof(struct zjob, w)));
}

static void
zjob_step(struct zjob *j)
{
	struct validate_time tm = now(j->t);
	ldns_rdf *need = NULL;
	int r = 1;

	while (r == 1) {
		if (++j->steps > TRUST_MAX_STEPS) {
			validate_zone_failed(j->t->store, j->zone, false, &tm);
			zjob_finish(j);
			return;
		}
		switch (validate_zone(j->t->store, j->zone, j->ds, j->dnskey,
		    &tm, &need)) {
		case VALIDATE_DONE:
			zjob_finish(j);
			return;
		case VALIDATE_NEED_DS:
			zjob_ask(j, LDNS_RR_TYPE_DS);
			return;
		case VALIDATE_NEED_DNSKEY:
			zjob_ask(j, LDNS_RR_TYPE_DNSKEY);
			return;
		case VALIDATE_NEED_ZONE:
			j->w.resume = zjob_resume;
			/* validate.h promises a zone above: never wait on
			 * oneself */
			if (need != NULL && !dnssec_under(j->zone, need)) {
				ldns_rdf_deep_free(need);
				need = NULL;
			}
			r = need != NULL ? wait_for(j->t, &j->w, need) : -1;
			need = NULL;
			break;
		}
	}
	if (r == -1) {
		validate_zone_failed(j->t->store, j->zone, false, &tm);
		zjob_finish(j);
	}
}

/* --- the answer as served -------------------------------------------- */

/* Whether rr of section sec stays in the answer served after verdict r
 * (see struct trust_out). */
static bool
served(const ldns_rr *rr, ldns_pkt_section sec, const struct validate_result *r,
    bool strip, ldns_rr_type qtype)
{
	ldns_rr_type ty = ldns_rr_get_type(rr),
		     of = ty == LDNS_RR_TYPE_RRSIG ? dnssec_sig_covers(rr) : ty;

	if (strip && ty != qtype &&
	    (ty == LDNS_RR_TYPE_RRSIG || ty == LDNS_RR_TYPE_NSEC ||
		ty == LDNS_RR_TYPE_NSEC3))
		return false;
	if (r->verdict != VALIDATE_SECURE || sec == LDNS_SECTION_ANSWER)
		return true;
	if (sec == LDNS_SECTION_ADDITIONAL)
		return false;
	return r->proof &&
	    (of == LDNS_RR_TYPE_NSEC || of == LDNS_RR_TYPE_NSEC3 ||
		of == LDNS_RR_TYPE_SOA);
}

/* Keeps the records of *l that are served (moved, not copied), freeing
 * the others; counts those in *dropped.  false: out of memory (*l as it
 * was). */
static bool
keep_served(ldns_rr_list **l, ldns_pkt_section sec,
    const struct validate_result *r, bool strip, ldns_rr_type qtype,
    size_t *dropped)
{
	size_t n = ldns_rr_list_rr_count(*l), keep = 0;
	ldns_rr_list *kept;
	ldns_rr *rr;

	for (size_t i = 0; i < n; i++)
		keep += served(ldns_rr_list_rr(*l, i), sec, r, strip, qtype);
	if (keep == n)
		return true; /* all served: nothing to move */
	if ((kept = ldns_rr_list_new()) == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(*l, i);
		if (served(rr, sec, r, strip, qtype) &&
		    !ldns_rr_list_push_rr(kept, rr)) {
			ldns_rr_list_free(kept);
			return false;
		}
	}
	for (size_t i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(*l, i);
		if (!served(rr, sec, r, strip, qtype)) {
			ldns_rr_free(rr);
			++*dropped;
		}
	}
	ldns_rr_list_free(*l); /* the list only: its records moved */
	*l = kept;
	return true;
}

/* Fills c's trust_out from c's answer after verdict r. */
static void
check_write(struct trust_check *c, const struct validate_result *r)
{
	struct trust_out *o = c->out;
	ldns_pkt *p = c->pkt;
	ldns_rr_list *an = ldns_pkt_answer(p), *ns = ldns_pkt_authority(p),
		     *ar = ldns_pkt_additional(p);
	size_t dropped = 0, wlen = 0;
	uint8_t *w = NULL;
	bool ok;

	if (o == NULL)
		return;
	o->len = 0;
	o->failed = false;
	if (!o->strip && r->verdict != VALIDATE_SECURE)
		return;
	ok = keep_served(&an, LDNS_SECTION_ANSWER, r, o->strip, c->qtype,
		 &dropped) &&
	    keep_served(&ns, LDNS_SECTION_AUTHORITY, r, o->strip, c->qtype,
		&dropped) &&
	    keep_served(&ar, LDNS_SECTION_ADDITIONAL, r, o->strip, c->qtype,
		&dropped);
	/* the lists are p's again, whether or not all were filtered */
	ldns_pkt_set_answer(p, an);
	ldns_pkt_set_authority(p, ns);
	ldns_pkt_set_additional(p, ar);
	ldns_pkt_set_ancount(p, (uint16_t)ldns_rr_list_rr_count(an));
	ldns_pkt_set_nscount(p, (uint16_t)ldns_rr_list_rr_count(ns));
	ldns_pkt_set_arcount(p, (uint16_t)ldns_rr_list_rr_count(ar));
	if (!ok) {
		o->failed = true;
		return;
	}
	if (dropped == 0)
		return;
	if (ldns_pkt2wire(&w, p, &wlen) == LDNS_STATUS_OK && wlen <= o->cap) {
		memcpy(o->buf, w, wlen);
		o->len = wlen;
	} else {
		o->failed = true;
	}
	free(w);
}

/* --- checks ---------------------------------------------------------- */

static void
check_free(struct trust_check *c)
{
	if (c->w.on != NULL)
		LIST_REMOVE(&c->w, link);
	ldns_pkt_free(c->pkt);
	ldns_rdf_deep_free(c->qname);
	free(c);
}

void
trust_cancel(struct trust_check *c)
{
	check_free(c);
}

/* Puts pre in front of r's reason (its end cut if it no longer fits). */
static void
why_prefix(struct validate_result *r, const char *pre)
{
	size_t pl = strlen(pre), wl = strnlen(r->why, sizeof(r->why) - 1);

	if (pl >= sizeof(r->why))
		return;
	if (pl + wl >= sizeof(r->why))
		wl = sizeof(r->why) - 1 - pl;
	memmove(r->why + pl, r->why, wl);
	memcpy(r->why, pre, pl);
	r->why[pl + wl] = '\0';
}

/*
 * Counts c's verdict r, and the route of an answer stripped bare or whose
 * upstream ignored DO; a bogus verdict's reason says the latter.
 */
static void
judged(struct trust *t, const struct trust_check *c, struct validate_result *r)
{
	bool stripped = r->verdict == VALIDATE_BOGUS && r->has_ede &&
	    r->ede == WIRE_EDE_RRSIGS_MISSING;
	unsigned i;

	t->st.verdicts[r->verdict]++;
	if (c->do_echoed && !stripped)
		return;
	/* the route is looked up only for what it counts */
	i = route_of(t, ldns_rdf_data(c->qname), ldns_rdf_size(c->qname));
	if (!c->do_echoed) {
		t->st.do_ignored++;
		t->do_ignored[i]++;
		if (r->verdict == VALIDATE_BOGUS)
			why_prefix(r,
			    "the upstream ignored DO (no DO bit in "
			    "its answer): ");
	}
	if (stripped) {
		t->st.stripped++;
		t->stripped[i]++;
	}
}

uint64_t
trust_stripped(const struct trust *t, unsigned i)
{
	return i < TRUST_NROUTES ? t->stripped[i] : 0;
}

uint64_t
trust_do_ignored(const struct trust *t, unsigned i)
{
	return i < TRUST_NROUTES ? t->do_ignored[i] : 0;
}

/* c ends indeterminate, for why. */
static void
check_give_up(struct validate_result *r, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->verdict = VALIDATE_INDETERMINATE;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/*
 * Steps c until it is judged (0, *r filled) or waits for a zone (1,
 * c->w linked).
 */
static int
check_step(struct trust_check *c, struct validate_result *r)
{
	struct validate_time tm = now(c->t);
	ldns_rdf *need = NULL;
	int w = 1;

	while (w == 1) {
		if (++c->steps > TRUST_MAX_STEPS) {
			check_give_up(r, "too many steps to judge the answer");
			return 0;
		}
		if (validate_answer(c->t->store, c->pkt, c->qname, c->qtype,
			&tm, r, &need) == VALIDATE_DONE)
			return 0;
		w = need != NULL ? wait_for(c->t, &c->w, need) : -1;
	}
	if (w == -1) {
		check_give_up(r, "too many zones to fetch at once");
		return 0;
	}
	return 1;
}

static void
check_resume(struct twait *w)
{
	struct trust_check *c =
	    (struct trust_check *)((char *)w - offsetof(struct trust_check, w));
	struct validate_result r;

	if (check_step(c, &r) == 1)
		return;
	judged(c->t, c, &r);
	check_write(c, &r);
	c->cb(c->arg, &r);
	check_free(c);
}

int
trust_check(struct trust *t, const uint8_t *msg, size_t len, bool do_echoed,
    struct trust_out *out, trust_done_cb *cb, void *arg,
    struct validate_result *r, struct trust_check **pending)
{
	struct trust_check *c = calloc(1, sizeof(*c));
	const ldns_rr *q;

	*pending = NULL;
	memset(r, 0, sizeof(*r));
	r->verdict = VALIDATE_BOGUS;
	if (out != NULL) { /* what stands if it does not parse */
		out->len = 0;
		out->failed = out->strip;
	}
	if (c == NULL) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return -1;
	}
	c->t = t;
	c->cb = cb;
	c->arg = arg;
	c->w.resume = check_resume;
	if (ldns_wire2pkt(&c->pkt, msg, len) != LDNS_STATUS_OK ||
	    ldns_rr_list_rr_count(ldns_pkt_question(c->pkt)) != 1 ||
	    (q = ldns_rr_list_rr(ldns_pkt_question(c->pkt), 0)) == NULL ||
	    (c->qname = ldns_rdf_clone(ldns_rr_owner(q))) == NULL) {
		snprintf(r->why, sizeof(r->why), "the answer does not parse");
		check_free(c);
		return -1;
	}
	c->qtype = ldns_rr_get_type(q);
	c->do_echoed = do_echoed;
	c->out = out;
	if (check_step(c, r) == 1) {
		*pending = c;
		return 1;
	}
	judged(t, c, r);
	check_write(c, r);
	check_free(c);
	return 0;
}
