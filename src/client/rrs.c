/*
 * src/client/rrs.c - record-list helpers (see rrs.h).
 *
 * Invariant: a failed push frees its clone, so a list never holds a
 * record it does not own nor loses one it had.
 */
#include <stddef.h>

#include "rrs.h"

int
rrs_push_clone(ldns_rr_list **l, const ldns_rr *rr)
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

const ldns_rr *
rrs_find_type(const ldns_rr_list *l, ldns_rr_type type)
{
	size_t i;

	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == type)
			return ldns_rr_list_rr(l, i);
	return NULL;
}
