/*
 * src/client/nsset.h - the servers of one zone (or the root hints) for the
 * walk: each server's name and the addresses known for it.
 *
 * Limits (each with its outcome): NSSET_MAX_SERVERS per set (the rest of
 * a larger NS set is ignored), NSSET_MAX_ADDRS per server (the rest
 * ignored).  A set is kept sorted by name once built (nsset_sort), so
 * servers are asked in a stable order.
 *
 * Ownership: a set owns its server names; free it with nsset_free().
 */
#ifndef ROOST_NSSET_H
#define ROOST_NSSET_H

#include <sys/socket.h>
#include <stddef.h>

#include <ldns/ldns.h>

#define NSSET_MAX_SERVERS 16
#define NSSET_MAX_ADDRS 4

/* A server of a zone: its name and the addresses we know for it. */
struct nsset_server {
	char *name; /* lower-case, absolute; owned */
	struct sockaddr_storage addr[NSSET_MAX_ADDRS];
	size_t naddr;
};

/* The servers of one zone (or the root hints). */
struct nsset {
	struct nsset_server s[NSSET_MAX_SERVERS];
	size_t n;
};

/* A new empty set, or NULL when out of memory. */
struct nsset *nsset_new(void);

/* A deep copy of src, or NULL when out of memory. */
struct nsset *nsset_copy(const struct nsset *src);

/* Free a set and its names (NULL is fine). */
void nsset_free(struct nsset *set);

/*
 * The server named name (lower-case, absolute) in set, added without
 * addresses if new.  Returns NULL when the set is full or out of memory.
 */
struct nsset_server *nsset_server(struct nsset *set, const char *name);

/*
 * Add the A or AAAA rdata rd with port to s's addresses, unless s is
 * full, has it already, or rd is no address.
 */
void nsset_add_addr(struct nsset_server *s, const ldns_rdf *rd, int port);

/*
 * Add a server for each NS record of rrs owned by owner.  With keep, a
 * clone of each such record is appended to *keep too (see rrs.h).
 */
void nsset_add_ns(struct nsset *set, const ldns_rr_list *rrs,
    const ldns_rdf *owner, ldns_rr_list **keep);

/* Add the A/AAAA records of rrs whose owners name servers of set. */
void nsset_add_glue(struct nsset *set, const ldns_rr_list *rrs, int port);

/* Sort set's servers by name. */
void nsset_sort(struct nsset *set);

/* The port of set's first address (the hints' port), else 53. */
int nsset_port(const struct nsset *set);

#endif /* ROOST_NSSET_H */
