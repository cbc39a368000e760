/*
 * tests/mock/mock_zone.c - mockdns zone data and the answers built from it.
 *
 * Invariants: every zone has exactly one SOA, at its apex, in the same
 * record list as the rest so one scan sees every record; every owner name
 * is at or below its zone's apex; apexes are distinct.  Lookups are linear
 * scans: test zones are small, and plain beats fast here.  Nothing here
 * keeps a pointer into a query or a reply.
 *
 * Files are read record by record with ldns_rr_new_frm_fp_l rather than
 * with ldns_zone_new_frm_fp_l, which (ldns 1.8.3) leaks every record read
 * so far when a later one is bad, and silently skips a second SOA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_zone.h"

struct mock_zone {
	ldns_rr_list *rrs;    /* owns every record of the zone */
	const ldns_rr *soa;   /* in rrs */
	const ldns_rdf *apex; /* owner of soa */
};

struct mock_data {
	struct mock_zone *zones;
	size_t nzones;
	size_t nrecords;
};

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
bytes_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

int
mock_name_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	return ldns_rdf_size(a) == ldns_rdf_size(b) &&
	    bytes_eq_nocase(ldns_rdf_data(a), ldns_rdf_data(b),
		ldns_rdf_size(a));
}

int
mock_name_under(const ldns_rdf *name, const ldns_rdf *apex)
{
	const uint8_t *n = ldns_rdf_data(name);
	size_t nlen = ldns_rdf_size(name), alen = ldns_rdf_size(apex);
	size_t off = 0;

	/* Skip whole labels of name until what is left is as long as apex;
	 * the length bytes then take part in the comparison. */
	while (off < nlen && nlen - off > alen)
		off += 1 + (size_t)n[off];
	return off <= nlen && nlen - off == alen &&
	    bytes_eq_nocase(n + off, ldns_rdf_data(apex), alen);
}

/*
 * ldns counts the newlines it has read, so an error on a last line that has
 * no newline is reported one line early; fix that up.
 */
static int
error_line(FILE *fp, int line)
{
	if (feof(fp) && fseek(fp, -1, SEEK_END) == 0 && getc(fp) != '\n')
		line++;
	return line > 0 ? line : 1;
}

static char *
name_str(const ldns_rdf *name, char *buf, size_t len)
{
	char *s = ldns_rdf2str(name);

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}

/*
 * Read the records of file into a new list (*out, the caller's).  $TTL,
 * $ORIGIN, parentheses and comments are ldns's to handle; a record with no
 * TTL gets the last $TTL (3600 before any); relative names before any
 * $ORIGIN are relative to the SOA's owner.  Returns 0, or -1 with err.
 */
static int
zone_read(const char *file, ldns_rr_list **out, char *err, size_t errlen)
{
	FILE *fp;
	ldns_rr_list *rrs = NULL;
	ldns_rr *rr;
	ldns_rdf *origin = NULL, *prev = NULL;
	ldns_status st;
	uint32_t ttl = 3600;
	int line = 0, ret = -1;

	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if ((rrs = ldns_rr_list_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	while (!feof(fp)) {
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			snprintf(err, errlen, "%s:%d: %s", file,
			    error_line(fp, line),
			    st == LDNS_STATUS_SYNTAX_INCLUDE
				? "$INCLUDE is not supported"
				: ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (!ldns_rr_list_push_rr(rrs, rr)) {
			ldns_rr_free(rr);
			snprintf(err, errlen, "%s: out of memory", file);
			goto out;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    origin == NULL &&
		    (origin = ldns_rdf_clone(ldns_rr_owner(rr))) == NULL) {
			snprintf(err, errlen, "%s: out of memory", file);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", file);
		goto out;
	}
	*out = rrs;
	rrs = NULL;
	ret = 0;
out:
	ldns_rr_list_deep_free(rrs);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return ret;
}

/* Load one zone into *mz.  Returns 0, or -1 with err filled. */
static int
zone_load(struct mock_zone *mz, const char *file, char *err, size_t errlen)
{
	char n1[LDNS_MAX_DOMAINLEN * 4 + 2], n2[sizeof(n1)];
	const ldns_rr *rr;
	size_t i;

	if (zone_read(file, &mz->rrs, err, errlen) == -1)
		return -1;
	for (i = 0; i < ldns_rr_list_rr_count(mz->rrs); i++) {
		rr = ldns_rr_list_rr(mz->rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		if (mz->soa != NULL) {
			snprintf(err, errlen, "%s: a second SOA record (%s)",
			    file, name_str(ldns_rr_owner(rr), n1, sizeof(n1)));
			return -1;
		}
		mz->soa = rr;
		mz->apex = ldns_rr_owner(rr);
	}
	if (mz->soa == NULL) {
		snprintf(err, errlen, "%s: no SOA record", file);
		return -1;
	}
	for (i = 0; i < ldns_rr_list_rr_count(mz->rrs); i++) {
		rr = ldns_rr_list_rr(mz->rrs, i);
		if (!mock_name_under(ldns_rr_owner(rr), mz->apex)) {
			snprintf(err, errlen, "%s: %s is outside the zone %s",
			    file, name_str(ldns_rr_owner(rr), n1, sizeof(n1)),
			    name_str(mz->apex, n2, sizeof(n2)));
			return -1;
		}
	}
	return 0;
}

struct mock_data *
mock_data_load(char *const *files, size_t nfiles, char *err, size_t errlen)
{
	struct mock_data *d;
	char n1[LDNS_MAX_DOMAINLEN * 4 + 2];
	size_t i, j;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (nfiles > 0 &&
		(d->zones = calloc(nfiles, sizeof(*d->zones))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		free(d);
		return NULL;
	}
	for (i = 0; i < nfiles; i++) {
		/* counted first: mock_data_free frees a half-loaded zone */
		d->nzones++;
		if (zone_load(&d->zones[i], files[i], err, errlen) == -1)
			goto fail;
		d->nrecords += ldns_rr_list_rr_count(d->zones[i].rrs);
		for (j = 0; j < i; j++) {
			if (mock_name_eq(d->zones[i].apex, d->zones[j].apex)) {
				snprintf(err, errlen,
				    "%s: zone %s is also in %s", files[i],
				    name_str(d->zones[i].apex, n1, sizeof(n1)),
				    files[j]);
				goto fail;
			}
		}
	}
	return d;
fail:
	mock_data_free(d);
	return NULL;
}

void
mock_data_free(struct mock_data *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nzones; i++)
		ldns_rr_list_deep_free(d->zones[i].rrs);
	free(d->zones);
	free(d);
}

size_t
mock_data_zones(const struct mock_data *d)
{
	return d->nzones;
}

size_t
mock_data_records(const struct mock_data *d)
{
	return d->nrecords;
}

/* Push a copy of rr into section sec of r.  Returns 0 or -1 (memory). */
static int
push_copy(ldns_pkt *r, ldns_pkt_section sec, const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);

	if (c == NULL || !ldns_pkt_push_rr(r, sec, c)) {
		ldns_rr_free(c);
		return -1;
	}
	return 0;
}

ldns_pkt *
mock_reply_new(const ldns_pkt *q, enum mock_mode mode, uint16_t edns_size)
{
	ldns_pkt *r;
	const ldns_rr_list *qs = ldns_pkt_question(q);
	size_t i;

	if ((r = ldns_pkt_new()) == NULL)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	ldns_pkt_set_aa(r, mode == MOCK_MODE_AUTH);
	ldns_pkt_set_ra(r, mode == MOCK_MODE_RECURSIVE);
	ldns_pkt_set_rcode(r, LDNS_RCODE_NOERROR);
	for (i = 0; i < ldns_rr_list_rr_count(qs); i++) {
		if (push_copy(r, LDNS_SECTION_QUESTION,
			ldns_rr_list_rr(qs, i)) == -1) {
			ldns_pkt_free(r);
			return NULL;
		}
	}
	if (ldns_pkt_edns(q)) {
		ldns_pkt_set_edns_udp_size(r, edns_size);
		ldns_pkt_set_edns_do(r, ldns_pkt_edns_do(q));
	}
	return r;
}

/* The zone that holds name: the one with the longest matching apex. */
static const struct mock_zone *
data_find_zone(const struct mock_data *d, const ldns_rdf *name)
{
	const struct mock_zone *best = NULL;
	size_t i;

	for (i = 0; i < d->nzones; i++) {
		if (mock_name_under(name, d->zones[i].apex) &&
		    (best == NULL ||
			ldns_rdf_size(d->zones[i].apex) >
			    ldns_rdf_size(best->apex)))
			best = &d->zones[i];
	}
	return best;
}

static const ldns_rr_list *
zone_rrs(const struct mock_zone *z)
{
	return z->rrs;
}

/*
 * Copy z's records owned by name with type (LDNS_RR_TYPE_ANY: every type)
 * into section sec of r, adding their number to *n.  Returns 0 or -1.
 */
static int
zone_push_rrset(const struct mock_zone *z, const ldns_rdf *name,
    ldns_rr_type type, ldns_pkt *r, ldns_pkt_section sec, size_t *n)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	const ldns_rr *rr;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if ((type != LDNS_RR_TYPE_ANY &&
			ldns_rr_get_type(rr) != type) ||
		    !mock_name_eq(ldns_rr_owner(rr), name))
			continue;
		if (push_copy(r, sec, rr) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

static const ldns_rr *
zone_find_rr(const struct mock_zone *z, const ldns_rdf *name, ldns_rr_type type)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	const ldns_rr *rr;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) == type &&
		    mock_name_eq(ldns_rr_owner(rr), name))
			return rr;
	}
	return NULL;
}

/* 1 if name owns records or is an empty non-terminal in z, else 0. */
static int
zone_name_exists(const struct mock_zone *z, const ldns_rdf *name)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++)
		if (mock_name_under(ldns_rr_owner(ldns_rr_list_rr(rrs, i)),
			name))
			return 1;
	return 0;
}

/* The DNAME of z that name is strictly below (RFC 6672), or NULL. */
static const ldns_rr *
zone_find_dname(const struct mock_zone *z, const ldns_rdf *name)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	const ldns_rr *rr;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
		    ldns_rr_rd_count(rr) == 1 &&
		    mock_name_under(name, ldns_rr_owner(rr)) &&
		    !mock_name_eq(name, ldns_rr_owner(rr)))
			return rr;
	}
	return NULL;
}

/*
 * The CNAME that DNAME dn synthesizes for name (RFC 6672 2.2: name's
 * labels above the DNAME owner, then the DNAME target; TTL the DNAME's),
 * pushed into the answer of r; *target points at its target, owned by r.
 * Returns 0, 1 if the new name would be too long (YXDOMAIN), -1 memory.
 */
static int
push_dname_cname(ldns_pkt *r, const ldns_rr *dn, const ldns_rdf *name,
    const ldns_rdf **target)
{
	const ldns_rdf *to = ldns_rr_rdf(dn, 0);
	size_t plen = ldns_rdf_size(name) - ldns_rdf_size(ldns_rr_owner(dn));
	uint8_t buf[LDNS_MAX_DOMAINLEN + 1 + 256];
	ldns_rdf *owner = NULL, *dst = NULL;
	ldns_rr *c;

	if (plen + ldns_rdf_size(to) > LDNS_MAX_DOMAINLEN)
		return 1;
	memcpy(buf, ldns_rdf_data(name), plen);
	memcpy(buf + plen, ldns_rdf_data(to), ldns_rdf_size(to));
	if ((c = ldns_rr_new()) == NULL)
		return -1;
	owner = ldns_rdf_clone(name);
	dst = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME,
	    plen + ldns_rdf_size(to), buf);
	if (owner == NULL || dst == NULL) {
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(dst);
		ldns_rr_free(c);
		return -1;
	}
	ldns_rr_set_owner(c, owner);
	ldns_rr_set_type(c, LDNS_RR_TYPE_CNAME);
	ldns_rr_set_class(c, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(c, ldns_rr_ttl(dn));
	if (!ldns_rr_push_rdf(c, dst)) {
		ldns_rdf_deep_free(dst);
		ldns_rr_free(c);
		return -1;
	}
	if (!ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, c)) {
		ldns_rr_free(c);
		return -1;
	}
	*target = ldns_rr_rdf(c, 0);
	return 0;
}

/*
 * The zone cut at or above name inside z: the owner of the topmost NS set
 * below the apex that name is at or under, or NULL if there is none.
 */
static const ldns_rdf *
zone_find_cut(const struct mock_zone *z, const ldns_rdf *name)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	const ldns_rdf *owner, *cut = NULL;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		owner = ldns_rr_owner(ldns_rr_list_rr(rrs, i));
		if (ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) !=
			LDNS_RR_TYPE_NS ||
		    mock_name_eq(owner, z->apex) ||
		    !mock_name_under(name, owner))
			continue;
		if (cut == NULL || ldns_rdf_size(owner) < ldns_rdf_size(cut))
			cut = owner;
	}
	return cut;
}

/* A referral to the child zone at cut: its NS set, and glue for it. */
static int
push_referral(const struct mock_zone *z, const ldns_rdf *cut, ldns_pkt *r)
{
	const ldns_rr_list *rrs = zone_rrs(z);
	const ldns_rr *rr, *ns;
	ldns_rr_type t;
	size_t i, j, n = 0;

	if (zone_push_rrset(z, cut, LDNS_RR_TYPE_NS, r, LDNS_SECTION_AUTHORITY,
		&n) == -1)
		return -1;
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_list_rr(rrs, i);
		t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA)
			continue;
		for (j = 0; j < ldns_rr_list_rr_count(rrs); j++) {
			ns = ldns_rr_list_rr(rrs, j);
			if (ldns_rr_get_type(ns) == LDNS_RR_TYPE_NS &&
			    mock_name_eq(ldns_rr_owner(ns), cut) &&
			    ldns_rr_rd_count(ns) == 1 &&
			    mock_name_eq(ldns_rr_rdf(ns, 0),
				ldns_rr_owner(rr))) {
				if (push_copy(r, LDNS_SECTION_ADDITIONAL, rr) ==
				    -1)
					return -1;
				break;
			}
		}
	}
	ldns_pkt_set_aa(r, false);
	return 0;
}

/* The zone's SOA for a negative answer, its TTL capped by MINIMUM. */
static int
push_negative_soa(const struct mock_zone *z, ldns_pkt *r)
{
	const ldns_rr *soa = z->soa;
	ldns_rr *c;
	uint32_t ttl = ldns_rr_ttl(soa), min;

	if (ldns_rr_rd_count(soa) == 7) {
		min = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
		if (min < ttl)
			ttl = min;
	}
	if ((c = ldns_rr_clone(soa)) == NULL)
		return -1;
	ldns_rr_set_ttl(c, ttl);
	if (!ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY, c)) {
		ldns_rr_free(c);
		return -1;
	}
	return 0;
}

int
mock_answer(const struct mock_data *d, const ldns_rdf *qname,
    ldns_rr_type qtype, ldns_pkt *reply, enum mock_mode mode)
{
	const struct mock_zone *z;
	const ldns_rdf *name = qname, *cut;
	const ldns_rr *cname, *dname;
	size_t hops, n;
	int rc;

	for (hops = 0; hops <= MOCK_MAX_CHAIN; hops++) {
		if ((z = data_find_zone(d, name)) == NULL) {
			/* Outside our data: refuse, or end the chain here. */
			if (hops == 0) {
				ldns_pkt_set_aa(reply, false);
				ldns_pkt_set_rcode(reply, LDNS_RCODE_REFUSED);
			}
			return 0;
		}
		if (mode == MOCK_MODE_AUTH &&
		    (cut = zone_find_cut(z, name)) != NULL &&
		    !(qtype == LDNS_RR_TYPE_DS && mock_name_eq(name, cut))) {
			/* The DS set of a cut is the parent's to answer. */
			return hops == 0 ? push_referral(z, cut, reply) : 0;
		}
		if ((dname = zone_find_dname(z, name)) != NULL) {
			/* The DNAME, then the CNAME it synthesizes. */
			if (push_copy(reply, LDNS_SECTION_ANSWER, dname) ==
				-1 ||
			    (rc = push_dname_cname(reply, dname, name,
				 &name)) == -1)
				return -1;
			if (rc == 1) {
				ldns_pkt_set_rcode(reply, LDNS_RCODE_YXDOMAIN);
				return 0;
			}
			continue;
		}
		n = 0;
		if (zone_push_rrset(z, name, qtype, reply, LDNS_SECTION_ANSWER,
			&n) == -1)
			return -1;
		if (n > 0)
			return 0;
		if (qtype != LDNS_RR_TYPE_CNAME && qtype != LDNS_RR_TYPE_ANY &&
		    (cname = zone_find_rr(z, name, LDNS_RR_TYPE_CNAME)) !=
			NULL &&
		    ldns_rr_rd_count(cname) == 1) {
			if (push_copy(reply, LDNS_SECTION_ANSWER, cname) == -1)
				return -1;
			name = ldns_rr_rdf(cname, 0);
			continue;
		}
		if (!zone_name_exists(z, name))
			ldns_pkt_set_rcode(reply, LDNS_RCODE_NXDOMAIN);
		return push_negative_soa(z, reply);
	}
	return 0; /* a chain longer than MOCK_MAX_CHAIN: cut short */
}
