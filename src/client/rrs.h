/*
 * src/client/rrs.h - small helpers over ldns record lists for the walk.
 *
 * A list given as ldns_rr_list ** is created on first use and owned by
 * the caller (free with ldns_rr_list_deep_free); records added to it are
 * clones, so the packet they came from can be freed.
 */
#ifndef ROOST_RRS_H
#define ROOST_RRS_H

#include <ldns/ldns.h>

/*
 * Append a clone of rr to *l, creating the list if *l is NULL.  Returns
 * 0, or -1 when out of memory (*l keeps what it had).
 */
int rrs_push_clone(ldns_rr_list **l, const ldns_rr *rr);

/* The first record of type in l (NULL is an empty list), or NULL. */
const ldns_rr *rrs_find_type(const ldns_rr_list *l, ldns_rr_type type);

#endif /* ROOST_RRS_H */
