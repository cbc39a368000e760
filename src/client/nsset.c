/*
 * src/client/nsset.c - the servers of a zone (see nsset.h).
 *
 * Invariants: no two servers of a set share a name, no server lists an
 * address twice, and every address has the family its rdata said.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "nsset.h"
#include "rrs.h"

struct nsset *
nsset_new(void)
{
	return calloc(1, sizeof(struct nsset));
}

struct nsset *
nsset_copy(const struct nsset *src)
{
	struct nsset *set = nsset_new();
	size_t i;

	if (set == NULL)
		return NULL;
	for (i = 0; i < src->n; i++) {
		set->s[i] = src->s[i];
		if ((set->s[i].name = strdup(src->s[i].name)) == NULL) {
			set->n = i;
			nsset_free(set);
			return NULL;
		}
	}
	set->n = src->n;
	return set;
}

void
nsset_free(struct nsset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		free(set->s[i].name);
	free(set);
}

struct nsset_server *
nsset_server(struct nsset *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->s[i].name, name) == 0)
			return &set->s[i];
	if (set->n >= NSSET_MAX_SERVERS)
		return NULL;
	if ((set->s[set->n].name = strdup(name)) == NULL)
		return NULL;
	set->s[set->n].naddr = 0;
	return &set->s[set->n++];
}

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

void
nsset_add_addr(struct nsset_server *s, const ldns_rdf *rd, int port)
{
	struct sockaddr_storage ss;
	size_t i;

	if (s->naddr >= NSSET_MAX_ADDRS || addr_set(&ss, rd, port) == -1)
		return;
	for (i = 0; i < s->naddr; i++)
		if (memcmp(&s->addr[i], &ss, sizeof(ss)) == 0)
			return;
	s->addr[s->naddr++] = ss;
}

void
nsset_add_ns(struct nsset *set, const ldns_rr_list *rrs, const ldns_rdf *owner,
    ldns_rr_list **keep)
{
	const ldns_rr *rr;
	char *ns;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    !dname_eq(ldns_rr_owner(rr), owner) ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		if (keep != NULL)
			rrs_push_clone(keep, rr);
		if ((ns = dname_lower_str(ldns_rr_rdf(rr, 0))) == NULL)
			continue;
		nsset_server(set, ns);
		free(ns);
	}
}

void
nsset_add_glue(struct nsset *set, const ldns_rr_list *rrs, int port)
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
		if ((owner = dname_lower_str(ldns_rr_owner(rr))) == NULL)
			continue;
		for (j = 0; j < set->n; j++)
			if (strcmp(set->s[j].name, owner) == 0)
				nsset_add_addr(&set->s[j], ldns_rr_rdf(rr, 0),
				    port);
		free(owner);
	}
}

static int
server_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nsset_server *)a)->name,
	    ((const struct nsset_server *)b)->name);
}

void
nsset_sort(struct nsset *set)
{
	qsort(set->s, set->n, sizeof(set->s[0]), server_cmp);
}

int
nsset_port(const struct nsset *set)
{
	const struct sockaddr_storage *ss;

	if (set->n == 0 || set->s[0].naddr == 0)
		return 53;
	ss = &set->s[0].addr[0];
	return ss->ss_family == AF_INET6
	    ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	    : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}
