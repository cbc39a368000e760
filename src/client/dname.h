/*
 * src/client/dname.h - domain names for the client: from text, compared,
 * placed in the tree, and rewritten by a DNAME.
 *
 * Names are ldns dnames (LDNS_RDF_TYPE_DNAME); comparisons ignore case,
 * as DNS does.  Functions that return a name or a string allocate it for
 * the caller, and return NULL when out of memory or when the result is
 * no name.
 */
#ifndef ROOST_DNAME_H
#define ROOST_DNAME_H

#include <stdbool.h>

#include <ldns/ldns.h>

/* Longest presentation text of a name, \DDD escapes and NUL included. */
#define DNAME_STRLEN (LDNS_MAX_DOMAINLEN * 4 + 8)

/*
 * The domain name text as an absolute dname ("a.b" is "a.b.").  Returns
 * a new rdf (free with ldns_rdf_deep_free) or NULL if text is empty or
 * no domain name.
 */
ldns_rdf *dname_from_text(const char *text);

/* name in lower-case presentation form, absolute; the caller frees it. */
char *dname_lower_str(const ldns_rdf *name);

/* Are a and b the same name (case ignored)? */
bool dname_eq(const ldns_rdf *a, const ldns_rdf *b);

/* Is name zone itself or below it? */
bool dname_at_or_under(const ldns_rdf *name, const ldns_rdf *zone);

/* Is name strictly below zone? */
bool dname_under(const ldns_rdf *name, const ldns_rdf *zone);

/*
 * The DNAME substitution (RFC 6672) of name by target: name's labels
 * before owner followed by target.  name must be strictly below owner
 * (dname_under).  Returns a new dname, or NULL if the result would be
 * longer than a name may be (or out of memory).
 */
ldns_rdf *dname_subst(const ldns_rdf *name, const ldns_rdf *owner,
    const ldns_rdf *target);

/*
 * The reverse name of a numeric IPv4 or IPv6 address (in-addr.arpa or
 * ip6.arpa), or NULL if text is not one (or out of memory).
 */
ldns_rdf *dname_reverse(const char *text);

#endif /* ROOST_DNAME_H */
