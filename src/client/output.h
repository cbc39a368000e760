/*
 * src/client/output.h - JSON and presentation-format output helpers
 * shared by the roost client's subcommands.
 *
 * Every function writes to a caller's FILE and allocates only transient
 * strings it frees itself (ldns' *2str results), unless it says it
 * returns one.  Names are printed as ldns presents them (absolute).
 */
#ifndef ROOST_OUTPUT_H
#define ROOST_OUTPUT_H

#include <stdio.h>

#include <ldns/ldns.h>

/* s as a JSON string with quotes; NULL prints null. */
void output_json_str(FILE *f, const char *s);

/* {"name": ..., "type": ..., "ttl": N, "data": ...} for rr, and for an
 * A or AAAA record its address's "kind" (addr_kind()). */
void output_json_rr(FILE *f, const ldns_rr *rr);

/* [rr, ...] for every record of l (NULL is []). */
void output_json_rr_list(FILE *f, const ldns_rr_list *l);

/*
 * The rdata of rr in presentation format, fields separated by one space.
 * Returns a string the caller frees, or NULL when out of memory.
 */
char *output_rr_data(const ldns_rr *rr);

/*
 * The presentation form of a name, type or rcode into buf (always
 * NUL-terminated, cut to len); returns buf.
 */
char *output_name_str(const ldns_rdf *name, char *buf, size_t len);
char *output_type_str(ldns_rr_type t, char *buf, size_t len);
char *output_rcode_str(ldns_pkt_rcode rc, char *buf, size_t len);

/*
 * The extended DNS errors (RFC 8914) in p's OPT record as a JSON array,
 * [{"code": N, "purpose": "...", "text": "..."}, ...] ([] for none);
 * purpose is the IANA name of the INFO-CODE, null when unassigned.
 * Non-const: ldns parses the options into p on first use.
 */
void output_json_ede(FILE *f, ldns_pkt *p);

/* The IANA name of an EDE INFO-CODE, or NULL when unassigned. */
const char *output_ede_purpose(unsigned code);

#endif /* ROOST_OUTPUT_H */
