/*
 * src/daemon/local_rr.h - the record syntax of local-data lines
 * ("nas.home.arpa. 300 IN A 192.168.1.10": zone-file presentation
 * format, any type ldns can read), read into wire form.
 *
 * The one file of roostd's library that uses ldns: config.c checks each
 * line with it, local.c reads the lines into its table.
 */
#ifndef ROOST_LOCAL_RR_H
#define ROOST_LOCAL_RR_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Octets of rdata a local-data record may hold (local.h agrees). */
#define LOCAL_RR_MAX_RDATA 4096
/* The TTL of a line that gives none. */
#define LOCAL_RR_DEFAULT_TTL 3600

struct local_rr {
	uint8_t owner[WIRE_MAX_NAME]; /* wire form, lower case */
	size_t owner_len;
	uint16_t type;
	uint32_t ttl;
	uint8_t rdata[LOCAL_RR_MAX_RDATA]; /* uncompressed */
	size_t rdlen;
};

/*
 * Reads one record in presentation format: names are absolute (a
 * trailing dot is optional), the class IN if given, the TTL
 * LOCAL_RR_DEFAULT_TTL if not.  Returns 0, or -1 with why in err ("bad
 * record \"TEXT\": ldns's reason"; class not IN; type OPT, or a
 * meta-type; rdata longer than LOCAL_RR_MAX_RDATA).
 */
int
local_rr_parse(const char *text, struct local_rr *rr, char *err, size_t errlen);

#endif /* ROOST_LOCAL_RR_H */
