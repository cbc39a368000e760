/*
 * src/client/reply.h - reading one reply for the walk: which outcome it
 * is (referral, answer, CNAME, NXDOMAIN, NODATA, lame, error), the
 * CNAME/DNAME chain in its answer section, and the child zone's servers
 * from a referral.
 *
 * Every function only reads the packet; what it keeps are clones or new
 * strings owned by the caller (see struct reply_chain and rrs.h).
 */
#ifndef ROOST_REPLY_H
#define ROOST_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <ldns/ldns.h>

#include "nsset.h"
#include "trace.h"

/* Where reply_chain_follow() copies a chain (the caller's lists). */
struct reply_chain {
	ldns_rr_list **answer; /* each link, then the final RRset */
	char ***targets;       /* each link's target, lower-case */
	size_t *ntargets;
};

/*
 * Follow the CNAME/DNAME chain from name through p's answer section, at
 * most TRACE_MAX_CHAIN links.  Returns the chain's last name (a new
 * dname the caller frees, or NULL when out of memory); *links counts the
 * links, *found says whether the answer holds records of type (or any,
 * for ANY) at that last name.  With keep, the links (a DNAME with the
 * CNAME it synthesized) and the final RRset are appended to
 * *keep->answer and each target to *keep->targets.
 */
ldns_rdf *reply_chain_follow(const ldns_pkt *p, const ldns_rdf *name,
    ldns_rr_type type, size_t *links, bool *found, struct reply_chain *keep);

/* The owner of the first NS record in p's authority section, or NULL. */
const ldns_rdf *reply_cut(const ldns_pkt *p);

/*
 * What reply p, from a server of zone, says about (name, type): an
 * answer, CNAME, NXDOMAIN or NODATA only when authoritative; a referral
 * only to a zone below zone that holds name; anything else from a
 * NOERROR/NXDOMAIN reply is lame, any other rcode an error.  Sets
 * *detail (a new string, the caller frees it) to a CNAME's final target
 * or to why the server is lame.
 */
enum trace_outcome reply_classify(const ldns_pkt *p, const ldns_rdf *zone,
    const ldns_rdf *name, ldns_rr_type type, char **detail);

/*
 * The child's servers from referral p sent by a server of zone: the NS
 * set at child, with the A/AAAA glue of the additional section that is
 * in the sender's bailiwick (at or under zone), every address with port.
 * The NS records and the glue taken are appended to *ns and *glue.
 * Returns a new set (sorted; nsset_free) or NULL when out of memory.
 */
struct nsset *reply_referral(const ldns_pkt *p, const ldns_rdf *zone,
    const ldns_rdf *child, int port, ldns_rr_list **ns, ldns_rr_list **glue);

#endif /* ROOST_REPLY_H */
