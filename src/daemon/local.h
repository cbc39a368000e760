/*
 * src/daemon/local.h - names roostd answers itself, without asking an
 * upstream: localhost (RFC 6761 6.3), invalid. (6.4) and onion. (RFC
 * 7686), the locally served reverse zones of RFC 6303 and its IANA
 * registry, single-label names (domain-needed), and the records and
 * zones of roostd.conf (local-data, local-zone).
 *
 * A table is built whole (local_table_from_config() or the add calls),
 * then only read: the query path asks it before the cache, for every
 * question.  A reload builds a new table and frees the old.
 *
 * Precedence, for a question NAME TYPE:
 * 1. NAME holds local records: they answer (the TYPE's records; a CNAME
 *    and what it leads to inside the table; ANY: every record), else
 *    NODATA.  A name with records is a zone of its own in this: names
 *    below it are not answered by it (Unbound's transparent zone at a
 *    local-data name).
 * 2. Else the deepest zone at or above NAME decides by its kind:
 *    static answers NXDOMAIN below its apex and NODATA at the apex and
 *    at names that only lead to records (empty non-terminals), with an
 *    SOA in authority (the zone's own from local-data, or a synthesized
 *    one as RFC 6303 3 gives it; SOA and NS questions at the apex get
 *    those records); transparent passes the question on; refuse
 *    answers REFUSED; localhost answers 127.0.0.1 and ::1 for A and
 *    AAAA at the apex and every name below it, NODATA for other types.
 * 3. Else, with domain-needed, a single-label NAME is NXDOMAIN for
 *    every type but those asked of a top-level domain as a zone (NS,
 *    SOA, DS, DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM, CDS, CDNSKEY,
 *    ZONEMD): "printer" never leaves the machine, "com NS" does.
 * A user's zone replaces a built-in zone of the same name.  Answers of
 * built-in zones other than localhost are LOCAL_DEFAULT: a routing
 * domain that covers the name (a VPN's 10.in-addr.arpa, a forward-zone
 * onion for Tor) overrides them, and the caller forwards instead.
 *
 * Ownership: the table owns every node and record it holds; nothing it
 * returns outlives it.  Answers are written into the caller's buffer.
 */
#ifndef ROOST_LOCAL_H
#define ROOST_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "local_rr.h"
#include "wire.h"

/* The SOA of RFC 6303 3 for zones without their own: TTLs in s. */
#define LOCAL_SOA_TTL 10800
#define LOCAL_SOA_RNAME "nobody.invalid."
/* The TTL of the answers of the localhost zone and its PTR records. */
#define LOCAL_LOOPBACK_TTL 10800
/* CNAMEs followed inside the table for one answer. */
#define LOCAL_MAX_CNAME 8
/* Octets of rdata a local record may hold. */
#define LOCAL_MAX_RDATA LOCAL_RR_MAX_RDATA

enum local_zone {
	LOCAL_ZONE_NONE = 0,
	LOCAL_ZONE_STATIC,
	LOCAL_ZONE_TRANSPARENT,
	LOCAL_ZONE_REFUSE,
	LOCAL_ZONE_LOCALHOST,
};

enum local_result {
	LOCAL_PASS,     /* not a local name: resolve it */
	LOCAL_ANSWERED, /* the answer is in the caller's buffer */
	LOCAL_DEFAULT,  /* as LOCAL_ANSWERED, from a built-in zone that a
			   routing domain covering the name overrides */
};

struct local_table;

/*
 * An empty table (answers nothing); seed keys its hash (pick it at
 * random).  Returns it, or NULL (out of memory).
 */
struct local_table *local_table_new(uint64_t seed);

/* Frees t and everything it holds (NULL is fine). */
void local_table_free(struct local_table *t);

/*
 * Makes name (wire form, any case) the apex of a zone of kind z
 * (not LOCAL_ZONE_NONE).  builtin marks a default zone: a later
 * non-builtin one of the same name replaces it, and its answers are
 * LOCAL_DEFAULT (but never localhost's).  Returns 0, or -1 (out of
 * memory, or the root: it is no local zone) with errno set.
 */
int local_table_zone(struct local_table *t, const uint8_t *name, size_t len,
    enum local_zone z, bool builtin);

/*
 * Adds the record OWNER TTL IN TYPE RDATA (owner in wire form, any
 * case; rdata uncompressed, rdlen at most LOCAL_MAX_RDATA).  An
 * identical record is kept once.  Returns 0, or -1 with errno set
 * (ENOMEM; EINVAL for an rdata too long or the type OPT).
 */
int
local_table_rr(struct local_table *t, const uint8_t *owner, size_t owner_len,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/* True if name (wire form, any case) holds a record of type. */
bool local_table_has(const struct local_table *t, const uint8_t *name,
    size_t len, uint16_t type);

/* With on, single-label address questions are answered NXDOMAIN. */
void local_table_domain_needed(struct local_table *t, bool on);

/*
 * The table c asks for: the built-in zones its serve-localhost,
 * serve-special-use and serve-private-reverse switch on, domain-needed,
 * then its local-zone and local-data lines.  Returns it, or NULL with
 * why in err (out of memory; a local-data line config_set() accepted
 * cannot fail to parse).
 */
struct local_table *local_table_from_config(const struct config *c,
    uint64_t seed, char *err, size_t errlen);

/* Names the table holds: zone apexes, record owners, their parents. */
size_t local_table_names(const struct local_table *t);

/*
 * Answers the question q of the query with header qh (class IN; the
 * caller vetted both) if it is a local name: a response with qh's id,
 * opcode, RD and CD, AA set, q's spelling and no OPT, len octets in
 * out (cap octets; WIRE_MAX_MSG always suffices).  Returns LOCAL_PASS
 * (out untouched beyond what an answer would overwrite), LOCAL_ANSWERED
 * or LOCAL_DEFAULT.  Allocates nothing.
 */
enum local_result
local_answer(const struct local_table *t, const struct wire_header *qh,
    const struct wire_question *q, uint8_t *out, size_t cap, size_t *len);

#endif /* ROOST_LOCAL_H */
