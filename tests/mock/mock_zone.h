/*
 * tests/mock/mock_zone.h - mockdns zone data and the answers built from it.
 *
 * Zone files are parsed by ldns (not by roost's wire module, so that the
 * test oracle shares no code with what it tests).  A struct mock_data is
 * immutable once loaded; a reload builds a new one and swaps it whole.
 */
#ifndef MOCK_ZONE_H
#define MOCK_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* Longest CNAME chain followed inside our data; the rest is left out. */
#define MOCK_MAX_CHAIN 8

enum mock_mode {
	MOCK_MODE_RECURSIVE, /* RA=1, AA=0, answers straight from data */
	MOCK_MODE_AUTH       /* AA=1, RA=0, referrals at zone cuts */
};

struct mock_data;

/*
 * Load the zone files (each with an SOA at its apex; $ORIGIN and $TTL
 * understood; the default TTL is 3600).  Returns a new object the caller
 * owns, or NULL with "FILE:LINE: message" (or "FILE: message") in err.
 */
struct mock_data *
mock_data_load(char *const *files, size_t nfiles, char *err, size_t errlen);

/* Free d and every record it holds; NULL is fine. */
void mock_data_free(struct mock_data *d);

/* Number of zones and of records (SOAs included) held, for logs. */
size_t mock_data_zones(const struct mock_data *d);
size_t mock_data_records(const struct mock_data *d);

/*
 * A new reply to q, owned by the caller: q's id, opcode, RD and CD copied,
 * QR set, AA and RA as the mode says, q's question cloned as the client
 * spelled it, and an OPT record (UDP size edns_size, DO echoed) when q had
 * one.  Sections otherwise empty, rcode NOERROR.  NULL if out of memory.
 */
ldns_pkt *
mock_reply_new(const ldns_pkt *q, enum mock_mode mode, uint16_t edns_size);

/*
 * Answer qname/qtype from d into reply (made by mock_reply_new): answer,
 * authority and additional sections, rcode, and AA (cleared for a
 * referral or a name outside our zones).  Names outside every zone get
 * REFUSED.  Returns 0, or -1 if out of memory (reply is then partial).
 */
int mock_answer(const struct mock_data *d, const ldns_rdf *qname,
    ldns_rr_type qtype, ldns_pkt *reply, enum mock_mode mode);

/* 1 if the names are equal, ignoring ASCII case; else 0. */
int mock_name_eq(const ldns_rdf *a, const ldns_rdf *b);

/* 1 if name equals apex or lies below it, ignoring ASCII case; else 0. */
int mock_name_under(const ldns_rdf *name, const ldns_rdf *apex);

#endif /* MOCK_ZONE_H */
