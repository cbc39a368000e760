/*
 * src/common/anchor.h - DNSSEC trust anchors (roost trace --dnssec, roostd):
 * DS or DNSKEY records read from a file in zone-file format (Debian's
 * dns-root-data ANCHOR_ROOT_FILE by default, which holds the root's
 * KSK-2017 and KSK-2024), or the root's built-in DS records of those two
 * keys when that file does not exist.
 *
 * Ownership: a set owns its records (anchor_free()).
 */
#ifndef ROOST_ANCHOR_H
#define ROOST_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>

#include <ldns/ldns.h>

#define ANCHOR_ROOT_FILE "/usr/share/dns/root.key"
#define ANCHOR_MAX 32 /* records in one set; more is an error */

struct anchor_set {
	ldns_rr_list *rrs; /* DS and DNSKEY records, canonical owners */
	char source[256];  /* the file, or "built-in" */
	bool builtin;
};

/*
 * Load file (NULL: ANCHOR_ROOT_FILE, or the built-in records if it does
 * not exist) into *a.  Returns 0, or -1 filling err ("FILE:LINE: ...").
 */
int
anchor_load(struct anchor_set *a, const char *file, char *err, size_t errlen);

/* Free a's records (a itself is the caller's). */
void anchor_free(struct anchor_set *a);

/* Whether a holds a record owned by zone. */
bool anchor_has(const struct anchor_set *a, const ldns_rdf *zone);

#endif /* ROOST_ANCHOR_H */
