/*
 * src/client/hints.c - the root hints (see hints.h).
 *
 * Invariants: a set returned has at least one server and, for a file,
 * at least one server with an address; only the records of "." and of
 * the root servers' own names are taken from a file, everything else
 * in it is ignored.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "hints.h"

/* The IANA root servers (root-servers.org, 2023 with b's renumbering). */
static const struct {
	const char *name, *v4, *v6;
} hints_roots[] = {
	{ "a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30" },
	{ "b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b" },
	{ "c.root-servers.net.", "192.33.4.12", "2001:500:2::c" },
	{ "d.root-servers.net.", "199.7.91.13", "2001:500:2d::d" },
	{ "e.root-servers.net.", "192.203.230.10", "2001:500:a8::e" },
	{ "f.root-servers.net.", "192.5.5.241", "2001:500:2f::f" },
	{ "g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d" },
	{ "h.root-servers.net.", "198.97.190.53", "2001:500:1::53" },
	{ "i.root-servers.net.", "192.36.148.17", "2001:7fe::53" },
	{ "j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30" },
	{ "k.root-servers.net.", "193.0.14.129", "2001:7fd::1" },
	{ "l.root-servers.net.", "199.7.83.42", "2001:500:9f::42" },
	{ "m.root-servers.net.", "202.12.27.33", "2001:dc3::35" },
};

struct nsset *
hints_builtin(int port)
{
	struct nsset *set = nsset_new();
	struct nsset_server *s;
	ldns_rdf *rd;
	size_t i;

	if (set == NULL)
		return NULL;
	for (i = 0; i < sizeof(hints_roots) / sizeof(hints_roots[0]); i++) {
		if ((s = nsset_server(set, hints_roots[i].name)) == NULL)
			goto fail;
		if ((rd = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A,
			 hints_roots[i].v4)) == NULL)
			goto fail;
		nsset_add_addr(s, rd, port);
		ldns_rdf_deep_free(rd);
		if ((rd = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA,
			 hints_roots[i].v6)) == NULL)
			goto fail;
		nsset_add_addr(s, rd, port);
		ldns_rdf_deep_free(rd);
	}
	nsset_sort(set);
	return set;
fail:
	nsset_free(set);
	return NULL;
}

struct nsset *
hints_load(const char *file, int port, char *err, size_t errlen)
{
	struct nsset *set = NULL;
	ldns_rr_list *rrs = NULL;
	ldns_rdf *origin = NULL, *prev = NULL, *root = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	ldns_rr *rr;
	int line = 0;
	FILE *fp;
	size_t i;

	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if ((rrs = ldns_rr_list_new()) == NULL ||
	    (root = ldns_dname_new_frm_str(".")) == NULL ||
	    (set = nsset_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto fail;
	}
	while (!feof(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			if (feof(fp) && rr == NULL &&
			    st != LDNS_STATUS_SYNTAX_ERR)
				break;
			snprintf(err, errlen, "%s:%d: %s", file, line,
			    ldns_get_errorstr_by_id(st));
			goto fail;
		}
		if (!ldns_rr_list_push_rr(rrs, rr)) {
			ldns_rr_free(rr);
			snprintf(err, errlen, "%s: out of memory", file);
			goto fail;
		}
	}
	nsset_add_ns(set, rrs, root, NULL);
	nsset_add_glue(set, rrs, port);
	if (set->n == 0) {
		snprintf(err, errlen, "%s: no NS record for the root", file);
		goto fail;
	}
	for (i = 0; i < set->n && set->s[i].naddr == 0; i++)
		;
	if (i == set->n) {
		snprintf(err, errlen, "%s: no address for any root server",
		    file);
		goto fail;
	}
	nsset_sort(set);
	goto out;
fail:
	nsset_free(set);
	set = NULL;
out:
	ldns_rr_list_deep_free(rrs);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	ldns_rdf_deep_free(root);
	fclose(fp);
	return set;
}

struct nsset *
hints_open(const char *file, int port, char *err, size_t errlen)
{
	struct nsset *set;

	if (file != NULL)
		return hints_load(file, port, err, errlen);
	if ((set = hints_builtin(port)) == NULL)
		snprintf(err, errlen, "out of memory");
	return set;
}
