/*
 * src/client/dname.c - domain names for the client (see dname.h).
 *
 * Invariant: every name returned is at most LDNS_MAX_DOMAINLEN bytes in
 * wire form; the text helpers never write past their buffers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"

ldns_rdf *
dname_from_text(const char *text)
{
	ldns_rdf *name = NULL, *root, *abs;

	if (*text == '\0' || ldns_str2rdf_dname(&name, text) != LDNS_STATUS_OK)
		return NULL;
	if (ldns_dname_str_absolute(text))
		return name;
	if ((root = ldns_dname_new_frm_str(".")) == NULL) {
		ldns_rdf_deep_free(name);
		return NULL;
	}
	abs = ldns_dname_cat_clone(name, root);
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(root);
	return abs;
}

char *
dname_lower_str(const ldns_rdf *name)
{
	char *s = ldns_rdf2str(name), *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

bool
dname_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	return ldns_dname_compare(a, b) == 0;
}

bool
dname_at_or_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return dname_eq(name, zone) || ldns_dname_is_subdomain(name, zone);
}

bool
dname_under(const ldns_rdf *name, const ldns_rdf *zone)
{
	return !dname_eq(name, zone) && ldns_dname_is_subdomain(name, zone);
}

ldns_rdf *
dname_subst(const ldns_rdf *name, const ldns_rdf *owner, const ldns_rdf *target)
{
	char *n = ldns_rdf2str(name), *o = ldns_rdf2str(owner);
	char *t = ldns_rdf2str(target), buf[DNAME_STRLEN * 2];
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

ldns_rdf *
dname_reverse(const char *text)
{
	ldns_rdf *addr = NULL, *rev;
	unsigned char buf[16];

	if (inet_pton(AF_INET, text, buf) == 1)
		addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, text);
	else if (inet_pton(AF_INET6, text, buf) == 1)
		addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, text);
	if (addr == NULL)
		return NULL;
	rev = ldns_rdf_address_reverse(addr);
	ldns_rdf_deep_free(addr);
	return rev;
}
