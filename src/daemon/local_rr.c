/*
 * src/daemon/local_rr.c - local-data's record syntax, read by ldns (see
 * local_rr.h).
 *
 * Invariant: every ldns object made here is freed on every path; what
 * leaves is plain data in the caller's struct local_rr.
 */
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "errbuf.h"
#include "local_rr.h"

/* The wire form of r into rr; 0 or -1 with err. */
static int
rr_to_wire(const char *text, const ldns_rr *r, struct local_rr *rr, char *err,
    size_t errlen)
{
	const ldns_rdf *owner = ldns_rr_owner(r);
	uint8_t *wire = NULL;
	size_t size = 0, olen = ldns_rdf_size(owner);
	int ret = -1;

	if (ldns_rr2wire(&wire, r, LDNS_SECTION_ANSWER, &size) !=
		LDNS_STATUS_OK ||
	    olen < 1 || olen > WIRE_MAX_NAME || size < olen + WIRE_RR_FIXED) {
		errbuf(err, errlen, "bad record \"%s\": cannot be written",
		    text);
		goto out;
	}
	rr->rdlen = size - olen - WIRE_RR_FIXED;
	if (rr->rdlen > LOCAL_RR_MAX_RDATA) {
		errbuf(err, errlen,
		    "bad record \"%s\": rdata longer than %d octets", text,
		    LOCAL_RR_MAX_RDATA);
		goto out;
	}
	memcpy(rr->owner, ldns_rdf_data(owner), olen);
	rr->owner_len = olen;
	wire_name_lower(rr->owner, olen);
	memcpy(rr->rdata, wire + olen + WIRE_RR_FIXED, rr->rdlen);
	ret = 0;
out:
	free(wire);
	return ret;
}

int
local_rr_parse(const char *text, struct local_rr *rr, char *err, size_t errlen)
{
	ldns_rr *r = NULL;
	ldns_status st;
	int ret = -1;

	st = ldns_rr_new_frm_str(&r, text, LOCAL_RR_DEFAULT_TTL, NULL, NULL);
	if (st != LDNS_STATUS_OK || r == NULL) {
		errbuf(err, errlen, "bad record \"%s\": %s", text,
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	rr->type = (uint16_t)ldns_rr_get_type(r);
	rr->ttl = ldns_rr_ttl(r);
	if (ldns_rr_get_class(r) != LDNS_RR_CLASS_IN) {
		errbuf(err, errlen, "bad record \"%s\": only class IN", text);
		goto out;
	}
	if (rr->type == WIRE_T_OPT || rr->type == 0 ||
	    (rr->type >= 128 && rr->type <= 255)) {
		errbuf(err, errlen,
		    "bad record \"%s\": not a type that holds data", text);
		goto out;
	}
	ret = rr_to_wire(text, r, rr, err, errlen);
out:
	ldns_rr_free(r);
	return ret;
}
