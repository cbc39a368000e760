/*
 * src/client/reply.c - what one reply says to the walk (see reply.h).
 *
 * Invariants: nothing here sends or keeps a packet; what a caller keeps
 * from a reply is cloned into its own lists; glue is taken only from
 * the sender's bailiwick; a chain is followed at most TRACE_MAX_CHAIN
 * links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "output.h"
#include "reply.h"
#include "rrs.h"

static int
cname_push(struct reply_chain *keep, const ldns_rdf *target)
{
	char **grown, *s;

	if ((s = dname_lower_str(target)) == NULL)
		return -1;
	if ((grown = realloc(*keep->targets,
		 (*keep->ntargets + 1) * sizeof(*grown))) == NULL) {
		free(s);
		return -1;
	}
	*keep->targets = grown;
	grown[(*keep->ntargets)++] = s;
	return 0;
}

ldns_rdf *
reply_chain_follow(const ldns_pkt *p, const ldns_rdf *name, ldns_rr_type type,
    size_t *links, bool *found, struct reply_chain *keep)
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
			if (dname_eq(ldns_rr_owner(rr), cur) &&
			    (ldns_rr_get_type(rr) == type ||
				type == LDNS_RR_TYPE_ANY)) {
				*found = true;
				if (keep != NULL)
					rrs_push_clone(keep->answer, rr);
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
			    dname_under(cur, ldns_rr_owner(rr)))
				next = dname_subst(cur, ldns_rr_owner(rr),
				    ldns_rr_rdf(rr, 0));
			else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    dname_eq(ldns_rr_owner(rr), cur))
				next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
			if (next != NULL)
				link = rr;
		}
		if (next == NULL)
			return cur;
		if (keep != NULL) {
			rrs_push_clone(keep->answer, link);
			/* a DNAME comes with the CNAME it synthesizes */
			for (i = 0;
			     ldns_rr_get_type(link) == LDNS_RR_TYPE_DNAME &&
			     i < ldns_rr_list_rr_count(an);
			     i++) {
				rr = ldns_rr_list_rr(an, i);
				if (ldns_rr_get_type(rr) ==
					LDNS_RR_TYPE_CNAME &&
				    dname_eq(ldns_rr_owner(rr), cur))
					rrs_push_clone(keep->answer, rr);
			}
			cname_push(keep, next);
		}
		ldns_rdf_deep_free(cur);
		cur = next;
		(*links)++;
	}
	return cur; /* too long: the caller counts links */
}

const ldns_rdf *
reply_cut(const ldns_pkt *p)
{
	const ldns_rr *ns =
	    rrs_find_type(ldns_pkt_authority(p), LDNS_RR_TYPE_NS);

	return ns != NULL ? ldns_rr_owner(ns) : NULL;
}

enum trace_outcome
reply_classify(const ldns_pkt *p, const ldns_rdf *zone, const ldns_rdf *name,
    ldns_rr_type type, char **detail)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
	const ldns_rdf *cut;
	ldns_rdf *last;
	size_t links;
	bool found, aa = ldns_pkt_aa(p);
	char buf[DNAME_STRLEN * 2 + 64], cbuf[DNAME_STRLEN], *zs;
	enum trace_outcome out;

	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return TRACE_ERROR;
	if ((last = reply_chain_follow(p, name, type, &links, &found, NULL)) ==
	    NULL)
		return TRACE_ERROR;
	if (aa && (found || links > 0)) {
		if (found)
			out = TRACE_ANSWER;
		else if (rc == LDNS_RCODE_NXDOMAIN &&
		    dname_at_or_under(last, zone))
			out = TRACE_NXDOMAIN;
		else if (rrs_find_type(ldns_pkt_authority(p),
			     LDNS_RR_TYPE_SOA) != NULL &&
		    dname_at_or_under(last, zone))
			out = TRACE_NODATA;
		else
			out = TRACE_CNAME;
		if (out == TRACE_CNAME &&
		    (*detail = dname_lower_str(last)) == NULL)
			out = TRACE_ERROR;
		ldns_rdf_deep_free(last);
		return out;
	}
	ldns_rdf_deep_free(last);
	if (!aa && ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 0 &&
	    rc == LDNS_RCODE_NOERROR && (cut = reply_cut(p)) != NULL) {
		if (dname_under(cut, zone) && dname_at_or_under(name, cut))
			return TRACE_REFERRAL;
		snprintf(buf, sizeof(buf), "referral to %s, not below %s",
		    output_name_str(cut, cbuf, sizeof(cbuf)),
		    (zs = dname_lower_str(zone)) != NULL ? zs : "?");
		free(zs);
		*detail = strdup(buf);
		return TRACE_LAME;
	}
	if (!aa) {
		*detail = strdup("not authoritative (AA=0)");
		return TRACE_LAME;
	}
	return rc == LDNS_RCODE_NXDOMAIN ? TRACE_NXDOMAIN : TRACE_NODATA;
}

struct nsset *
reply_referral(const ldns_pkt *p, const ldns_rdf *zone, const ldns_rdf *child,
    int port, ldns_rr_list **ns, ldns_rr_list **glue)
{
	const ldns_rr_list *add = ldns_pkt_additional(p);
	struct nsset *set = nsset_new();
	const ldns_rr *rr;
	char *owner;
	size_t i, j;

	if (set == NULL)
		return NULL;
	nsset_add_ns(set, ldns_pkt_authority(p), child, ns);
	for (i = 0; i < ldns_rr_list_rr_count(add); i++) {
		rr = ldns_rr_list_rr(add, i);
		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
			ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    !dname_at_or_under(ldns_rr_owner(rr), zone))
			continue; /* out of bailiwick: not to be trusted */
		if ((owner = dname_lower_str(ldns_rr_owner(rr))) == NULL)
			continue;
		for (j = 0; j < set->n; j++)
			if (strcmp(set->s[j].name, owner) == 0)
				rrs_push_clone(glue, rr);
		free(owner);
	}
	if (*glue != NULL)
		nsset_add_glue(set, *glue, port);
	nsset_sort(set);
	return set;
}
