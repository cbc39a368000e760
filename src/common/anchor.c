/*
 * src/common/anchor.c - trust anchors (see anchor.h).
 *
 * Invariant: a loaded set holds at least one record, each a DS or a
 * DNSKEY of class IN with a canonical (lower-case) owner.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anchor.h"

/* The root's KSK-2017 and KSK-2024, as Debian's dns-root-data has them
 * (root.ds): the fallback when ANCHOR_ROOT_FILE is missing. */
static const char *const anchor_builtin[] = {
	". IN DS 20326 8 2 "
	"E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 "
	"683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

/* Take rr into a's set if it is an anchor; -1 filling err if not. */
static int
anchor_take(struct anchor_set *a, ldns_rr *rr, int line, char *err,
    size_t errlen)
{
	ldns_rr_type t = ldns_rr_get_type(rr);

	if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY) {
		snprintf(err, errlen, "%s:%d: not a DS or DNSKEY record",
		    a->source, line);
		return -1;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		snprintf(err, errlen, "%s:%d: not of class IN", a->source,
		    line);
		return -1;
	}
	if (ldns_rr_list_rr_count(a->rrs) >= ANCHOR_MAX) {
		snprintf(err, errlen, "%s:%d: more than %d records", a->source,
		    line, ANCHOR_MAX);
		return -1;
	}
	ldns_rr2canonical(rr);
	if (!ldns_rr_list_push_rr(a->rrs, rr)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
anchor_builtin_load(struct anchor_set *a, char *err, size_t errlen)
{
	ldns_rr *rr;

	snprintf(a->source, sizeof(a->source), "built-in");
	a->builtin = true;
	for (size_t i = 0;
	     i < sizeof(anchor_builtin) / sizeof(anchor_builtin[0]); i++) {
		if (ldns_rr_new_frm_str(&rr, anchor_builtin[i], 0, NULL,
			NULL) != LDNS_STATUS_OK) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (anchor_take(a, rr, (int)i + 1, err, errlen) == -1) {
			ldns_rr_free(rr);
			return -1;
		}
	}
	return 0;
}

/* Read every record of fp into a; -1 filling err at the first bad one. */
static int
anchor_read(struct anchor_set *a, FILE *fp, char *err, size_t errlen)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	ldns_rr *rr;
	int line = 0, rc = -1; /* ldns counts the lines it has read */

	origin = ldns_dname_new_frm_str(".");
	while (origin != NULL && !feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN ||
		    st == LDNS_STATUS_SYNTAX_INCLUDE)
			continue;
		if (st != LDNS_STATUS_OK) {
			snprintf(err, errlen, "%s:%d: %s", a->source, line,
			    ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (anchor_take(a, rr, line, err, errlen) == -1) {
			ldns_rr_free(rr);
			goto out;
		}
	}
	if (origin == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ldns_rr_list_rr_count(a->rrs) == 0) {
		snprintf(err, errlen, "%s: no DS or DNSKEY record", a->source);
		goto out;
	}
	rc = 0;
out:
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

int
anchor_load(struct anchor_set *a, const char *file, char *err, size_t errlen)
{
	const char *path = file != NULL ? file : ANCHOR_ROOT_FILE;
	FILE *fp;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((a->rrs = ldns_rr_list_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(a->source, sizeof(a->source), "%s", path);
	if ((fp = fopen(path, "re")) == NULL) {
		if (file == NULL && errno == ENOENT)
			rc = anchor_builtin_load(a, err, errlen);
		else {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		}
	} else {
		rc = anchor_read(a, fp, err, errlen);
		fclose(fp);
	}
	if (rc == -1)
		anchor_free(a);
	return rc;
}

void
anchor_free(struct anchor_set *a)
{
	ldns_rr_list_deep_free(a->rrs);
	a->rrs = NULL;
}

bool
anchor_has(const struct anchor_set *a, const ldns_rdf *zone)
{
	for (size_t i = 0; a->rrs != NULL && i < ldns_rr_list_rr_count(a->rrs);
	     i++)
		if (ldns_dname_compare(
			ldns_rr_owner(ldns_rr_list_rr(a->rrs, i)), zone) == 0)
			return true;
	return false;
}
