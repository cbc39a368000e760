/*
 * tests/unit/test_wire_ldns.c - differential test of the wire module
 * against ldns.
 *
 * Random messages are built by ldns and turned into compressed wire form
 * with ldns_pkt2wire(); the wire module and ldns_wire2pkt() must read the
 * same records from them, section by section.  Then every message is
 * mutated a few times, and whenever the wire module accepts a mutant,
 * ldns must accept it too and agree on its records.
 *
 * Where the two may rightly differ (ldns parses the rdata of known types,
 * which the wire module only bounds-checks by contract), the mutant is
 * re-checked in a form that takes that difference away, and counted; any
 * other disagreement fails the test with a hex dump.
 *
 * The stream of messages comes from a fixed seed, printed at start and
 * overridden by the environment variable ROOST_TEST_SEED.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "wire.h"

#define NMSG 3000        /* random messages per test */
#define NMUTANTS 6       /* mutants per message */
#define MAX_RECORDS 14   /* records per random message */
#define MAXRR 8192       /* > any record count a 64 KiB message holds */
#define MAX_REPORTS 8    /* disagreements printed in full */
#define T_TSIG 250       /* ldns moves a TSIG out of the additional list */
#define T_OPAQUE 0xff00u /* a private type: ldns keeps its rdata opaque */
#define DEFAULT_SEED 0x726f6f7374ULL

static uint64_t test_seed = DEFAULT_SEED;

/* --- a seeded generator (splitmix64) -------------------------------- */

static uint64_t rng;

static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t
below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static bool
chance(uint32_t one_in)
{
	return below(one_in) == 0;
}

/* --- random messages built with ldns -------------------------------- */

/*
 * A random absolute name in presentation format: up to 4 labels of 1-2
 * octets from "abAB" so that names (and suffixes) repeat in a message and
 * get compressed, now and then a long label, never over 255 octets.
 */
static void
random_name(char *out, size_t outlen)
{
	static const char alpha[] = "abAB";
	unsigned nlabels = below(5), i, j, l;
	size_t wire = 1, pos = 0;

	for (i = 0; i < nlabels; i++) {
		l = chance(12) ? 20 + below(44) : 1 + below(2);
		if (wire + 1 + l > WIRE_MAX_NAME)
			break;
		wire += 1 + l;
		for (j = 0; j < l; j++)
			out[pos++] = alpha[below(4)];
		out[pos++] = '.';
		assert_true(pos < outlen);
	}
	if (pos == 0)
		out[pos++] = '.';
	out[pos] = '\0';
}

static uint32_t
random_ttl(void)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return 0x80000000u + below(0x80000000u); /* >= 2^31 */
	case 2:
		return 0xffffffffu;
	case 3:
		return below(0x80000000u);
	default:
		return below(86400);
	}
}

static const uint16_t rr_types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA,
	LDNS_RR_TYPE_NS, LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_TXT,
	LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_PTR };

static const char *
random_class(void)
{
	return chance(8) ? "CH" : "IN";
}

/* One random record in presentation format. */
static void
random_rr_text(char *out, size_t outlen)
{
	char owner[1024], n1[1024], n2[1024];
	const char *cls = random_class();
	int w = 0;

	random_name(owner, sizeof(owner));
	random_name(n1, sizeof(n1));
	random_name(n2, sizeof(n2));
	switch (rr_types[below(sizeof(rr_types) / sizeof(rr_types[0]))]) {
	case LDNS_RR_TYPE_A:
		w = snprintf(out, outlen, "%s 0 %s A 192.0.2.%u", owner, cls,
		    below(256));
		break;
	case LDNS_RR_TYPE_AAAA:
		w = snprintf(out, outlen, "%s 0 %s AAAA 2001:db8::%x", owner,
		    cls, below(65536));
		break;
	case LDNS_RR_TYPE_NS:
		w = snprintf(out, outlen, "%s 0 %s NS %s", owner, cls, n1);
		break;
	case LDNS_RR_TYPE_CNAME:
		w = snprintf(out, outlen, "%s 0 %s CNAME %s", owner, cls, n1);
		break;
	case LDNS_RR_TYPE_MX:
		w = snprintf(out, outlen, "%s 0 %s MX %u %s", owner, cls,
		    below(65536), n1);
		break;
	case LDNS_RR_TYPE_TXT:
		w = snprintf(out, outlen, "%s 0 %s TXT \"ab %u\" \"\" \"B\"",
		    owner, cls, below(1000));
		break;
	case LDNS_RR_TYPE_SOA:
		w = snprintf(out, outlen, "%s 0 %s SOA %s %s %u %u %u %u %u",
		    owner, cls, n1, n2, (unsigned)rnd(), below(86400),
		    below(86400), below(1000000), below(86400));
		break;
	case LDNS_RR_TYPE_PTR:
		w = snprintf(out, outlen, "%s 0 %s PTR %s", owner, cls, n1);
		break;
	}
	assert_true(w > 0 && (size_t)w < outlen);
}

static ldns_rr *
random_question(void)
{
	static const char *const qtypes[] = { "A", "AAAA", "NS", "MX", "TXT",
		"SOA", "PTR", "CNAME", "ANY" };
	char name[1024], text[1200];
	ldns_rr *q = NULL;
	ldns_status st;

	random_name(name, sizeof(name));
	snprintf(text, sizeof(text), "%s %s %s", name, random_class(),
	    qtypes[below(sizeof(qtypes) / sizeof(qtypes[0]))]);
	st = ldns_rr_new_question_frm_str(&q, text, NULL, NULL);
	if (st != LDNS_STATUS_OK)
		fail_msg("ldns cannot read question \"%s\": %s", text,
		    ldns_get_errorstr_by_id(st));
	return q;
}

/*
 * A random response: 0-2 questions, up to MAX_RECORDS records spread over
 * the three sections, sometimes EDNS.  Returns its wire form (malloc'd,
 * for free()) with ldns's name compression applied.
 */
static uint8_t *
random_message(size_t *len)
{
	static const ldns_pkt_section secs[] = { LDNS_SECTION_ANSWER,
		LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL };
	ldns_pkt *pkt = ldns_pkt_new();
	ldns_rr *rr;
	ldns_status st;
	char text[4096];
	unsigned nq, nrr, i;
	uint8_t *wire = NULL;

	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, (uint16_t)rnd());
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, chance(2));
	ldns_pkt_set_tc(pkt, chance(8));
	ldns_pkt_set_rd(pkt, chance(2));
	ldns_pkt_set_ra(pkt, chance(2));
	ldns_pkt_set_ad(pkt, chance(4));
	ldns_pkt_set_cd(pkt, chance(4));
	ldns_pkt_set_rcode(pkt, (uint8_t)below(6));
	nq = chance(10) ? 0 : chance(10) ? 2 : 1;
	for (i = 0; i < nq; i++)
		assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION,
		    random_question()));
	nrr = below(MAX_RECORDS + 1);
	for (i = 0; i < nrr; i++) {
		random_rr_text(text, sizeof(text));
		rr = NULL;
		st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
		if (st != LDNS_STATUS_OK)
			fail_msg("ldns cannot read \"%s\": %s", text,
			    ldns_get_errorstr_by_id(st));
		ldns_rr_set_ttl(rr, random_ttl());
		assert_true(ldns_pkt_push_rr(pkt, secs[below(3)], rr));
	}
	if (chance(2)) {
		static const uint16_t sizes[] = { 0, 512, 1232, 4096, 65535 };

		ldns_pkt_set_edns_udp_size(pkt,
		    chance(4) ? (uint16_t)rnd() : sizes[below(5)]);
		ldns_pkt_set_edns_z(pkt, chance(4) ? (uint16_t)below(4) : 0);
		ldns_pkt_set_edns_do(pkt, chance(2));
		ldns_pkt_set_edns_version(pkt, chance(4) ? 1 : 0);
		ldns_pkt_set_edns_extended_rcode(pkt, chance(4) ? 1 : 0);
	}
	st = ldns_pkt2wire(&wire, pkt, len);
	ldns_pkt_free(pkt);
	if (st != LDNS_STATUS_OK)
		fail_msg("ldns_pkt2wire: %s", ldns_get_errorstr_by_id(st));
	return wire;
}

/* --- comparing the two readings ------------------------------------- */

struct stats {
	unsigned messages, records, compressed_owners, with_opt;
	unsigned ttl_zero, ttl_high;
	unsigned mutants, rejected, agreed, rdata_only;
	unsigned skipped_tsig, failures;
};

static void
hexdump(const uint8_t *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", msg[i],
		    (i + 1) % 32 == 0 || i + 1 == len ? "\n" : " ");
}

/* The questions as the wire module reads them must match ldns's list. */
static const char *
compare_questions(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const ldns_pkt *lp)
{
	const ldns_rr_list *ql = ldns_pkt_question(lp);
	uint8_t name[WIRE_MAX_NAME];
	size_t off = WIRE_HDR_LEN, nlen, end;
	const ldns_rr *lr;
	unsigned i;

	if (ldns_rr_list_rr_count(ql) != m->hdr.qdcount)
		return "question count";
	for (i = 0; i < m->hdr.qdcount; i++) {
		lr = ldns_rr_list_rr(ql, i);
		if (wire_read_name(msg, len, off, name, &nlen, &end) !=
			WIRE_OK ||
		    end + 4 > len)
			return "question unreadable after wire_parse_msg()";
		if (ldns_rdf_size(ldns_rr_owner(lr)) != nlen ||
		    memcmp(ldns_rdf_data(ldns_rr_owner(lr)), name, nlen) != 0)
			return "question name";
		if (ldns_rr_get_type(lr) != wire_get16(msg + end) ||
		    ldns_rr_get_class(lr) != wire_get16(msg + end + 2))
			return "question type or class";
		off = end + 4;
	}
	if (off != m->question_end)
		return "question_end";
	return NULL;
}

/*
 * Returns NULL if the wire module's reading of msg (m, rrs) and ldns's
 * (lp) agree, else what differs.  If opaque, msg is a plain copy whose
 * types (but the OPT's) are T_OPAQUE, so ldns holds each rdata as one
 * blob, which must also equal the octets at rdata_off.
 */
static const char *
compare(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs, const ldns_pkt *lp, bool opaque)
{
	const ldns_rr_list *lists[3] = { ldns_pkt_answer(lp),
		ldns_pkt_authority(lp), ldns_pkt_additional(lp) };
	unsigned idx[3] = { 0, 0, 0 };
	uint8_t name[WIRE_MAX_NAME];
	const struct wire_rr *rr;
	const ldns_rr *lr;
	const ldns_rdf *rd;
	size_t nlen;
	const char *why;
	unsigned i, s;
	bool tsig_seen = false;

	if (ldns_pkt_id(lp) != m->hdr.id)
		return "id";
	if ((why = compare_questions(msg, len, m, lp)) != NULL)
		return why;
	for (i = 0; i < m->nrr; i++) {
		rr = &rrs[i];
		s = rr->section;
		if (rr->ttl_off < 4 || rr->ttl_off + 6 > len ||
		    wire_get32(msg + rr->ttl_off) != rr->ttl ||
		    wire_get16(msg + rr->ttl_off - 4) != rr->type ||
		    wire_get16(msg + rr->ttl_off - 2) != rr->rclass ||
		    wire_get16(msg + rr->ttl_off + 4) != rr->rdlen ||
		    rr->rdata_off != rr->ttl_off + 6 ||
		    rr->end != rr->rdata_off + rr->rdlen)
			return "record offsets inconsistent";
		if (s == WIRE_SEC_ADDITIONAL && rr->type == WIRE_T_OPT)
			continue; /* ldns keeps it out of the list */
		if (!opaque && s == WIRE_SEC_ADDITIONAL && rr->type == T_TSIG) {
			if (tsig_seen)
				return "two TSIG records";
			tsig_seen = true;
			lr = ldns_pkt_tsig(lp);
		} else {
			lr = ldns_rr_list_rr(lists[s], idx[s]++);
		}
		if (lr == NULL)
			return "ldns has fewer records in a section";
		if (ldns_rr_get_type(lr) != rr->type)
			return "type";
		if (ldns_rr_get_class(lr) != rr->rclass)
			return "class";
		if (ldns_rr_ttl(lr) != rr->ttl)
			return "TTL";
		if (wire_read_name(msg, len, rr->off, name, &nlen, NULL) !=
		    WIRE_OK)
			return "owner unreadable after wire_parse_msg()";
		if (ldns_rdf_size(ldns_rr_owner(lr)) != nlen ||
		    memcmp(ldns_rdf_data(ldns_rr_owner(lr)), name, nlen) != 0)
			return "owner name";
		if (!opaque)
			continue;
		if (rr->rdlen == 0) {
			if (ldns_rr_rd_count(lr) != 0)
				return "empty rdata";
			continue;
		}
		rd = ldns_rr_rdf(lr, 0);
		if (ldns_rr_rd_count(lr) != 1 ||
		    ldns_rdf_size(rd) != rr->rdlen ||
		    memcmp(ldns_rdf_data(rd), msg + rr->rdata_off, rr->rdlen) !=
			0)
			return "rdata";
	}
	for (s = 0; s < 3; s++)
		if (idx[s] != ldns_rr_list_rr_count(lists[s]))
			return "ldns has more records in a section";
	if (!tsig_seen && ldns_pkt_tsig(lp) != NULL)
		return "ldns has a TSIG record";
	if (m->edns.present != ldns_pkt_edns(lp))
		return "EDNS presence";
	if (m->edns.present &&
	    (m->edns.udp_size != ldns_pkt_edns_udp_size(lp) ||
		m->edns.ext_rcode != ldns_pkt_edns_extended_rcode(lp) ||
		m->edns.version != ldns_pkt_edns_version(lp) ||
		m->edns.flags != ldns_pkt_edns_z(lp) ||
		!(m->edns.flags & WIRE_EDNS_DO) != !ldns_pkt_edns_do(lp)))
		return "EDNS fields";
	return NULL;
}

/* Field by field: struct wire_rr has padding. */
static bool
same_rr(const struct wire_rr *a, const struct wire_rr *b)
{
	return a->section == b->section && a->off == b->off &&
	    a->type == b->type && a->rclass == b->rclass && a->ttl == b->ttl &&
	    a->ttl_off == b->ttl_off && a->rdata_off == b->rdata_off &&
	    a->rdlen == b->rdlen && a->end == b->end;
}

/* The iterator must walk exactly the records wire_parse_msg() stored. */
static void
check_iterator_matches(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs)
{
	struct wire_iter it;
	struct wire_rr rr;
	unsigned n = 0;
	int r;

	assert_int_equal(wire_iter_init(&it, msg, len), WIRE_OK);
	while ((r = wire_iter_next(&it, &rr)) == WIRE_OK) {
		assert_true(n < m->nrr);
		assert_true(same_rr(&rr, &rrs[n]));
		n++;
	}
	assert_int_equal(r, WIRE_END);
	assert_int_equal(n, m->nrr);
}

/*
 * Each question and owner name read by ldns's own name parser must equal
 * the wire module's reading and end at the same offset.  Returns NULL or
 * what differs.
 */
static const char *
names_agree_with_ldns(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t off = WIRE_HDR_LEN, nlen, end, lend;
	ldns_rdf *d;
	unsigned i, n = m->hdr.qdcount + m->nrr;
	bool same;

	for (i = 0; i < n; i++) {
		if (i >= m->hdr.qdcount)
			off = rrs[i - m->hdr.qdcount].off;
		if (wire_read_name(msg, len, off, name, &nlen, &end) != WIRE_OK)
			return "name unreadable after wire_parse_msg()";
		d = NULL;
		lend = off;
		if (ldns_wire2dname(&d, msg, len, &lend) != LDNS_STATUS_OK)
			return "ldns refuses a name we accept";
		same = ldns_rdf_size(d) == nlen &&
		    memcmp(ldns_rdf_data(d), name, nlen) == 0 && lend == end;
		ldns_rdf_deep_free(d);
		if (!same)
			return "ldns reads a name differently";
		off = end + 4; /* the next question, if any */
	}
	return NULL;
}

/*
 * The message as the wire module reads it, rewritten plainly: every name
 * uncompressed, every type but the OPT's made T_OPAQUE (so that ldns
 * keeps the rdata as one blob), classes, TTLs and rdata as they were.
 * Returns it malloc'd, its length in *clen.
 */
static uint8_t *
plain_copy(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs, size_t *clen)
{
	size_t cap = WIRE_HDR_LEN + len +
	    (m->hdr.qdcount + m->nrr) * (WIRE_MAX_NAME + WIRE_RR_FIXED);
	uint8_t *c = malloc(cap), *p;
	size_t off = WIRE_HDR_LEN, nlen, end;
	const struct wire_rr *rr;
	unsigned i;

	assert_non_null(c);
	memcpy(c, msg, WIRE_HDR_LEN);
	p = c + WIRE_HDR_LEN;
	for (i = 0; i < m->hdr.qdcount; i++) {
		assert_int_equal(wire_read_name(msg, len, off, p, &nlen, &end),
		    WIRE_OK);
		p += nlen;
		memcpy(p, msg + end, 4);
		p += 4;
		off = end + 4;
	}
	for (i = 0; i < m->nrr; i++) {
		rr = &rrs[i];
		assert_int_equal(
		    wire_read_name(msg, len, rr->off, p, &nlen, NULL), WIRE_OK);
		p += nlen;
		wire_put16(p,
		    rr->section == WIRE_SEC_ADDITIONAL && rr->type == WIRE_T_OPT
			? WIRE_T_OPT
			: T_OPAQUE);
		memcpy(p + 2, msg + rr->ttl_off - 2, 8 + (size_t)rr->rdlen);
		p += WIRE_RR_FIXED + rr->rdlen;
	}
	*clen = (size_t)(p - c);
	assert_true(*clen <= cap);
	return c;
}

/* The plain copy must hold the same records as the original reading. */
static const char *
plain_matches(const uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs, const uint8_t *c, size_t clen,
    const struct wire_msg *cm, const struct wire_rr *crrs)
{
	uint8_t a[WIRE_MAX_NAME], b[WIRE_MAX_NAME];
	size_t alen, blen;
	unsigned i;

	if (cm->nrr != m->nrr || cm->hdr.qdcount != m->hdr.qdcount)
		return "plain copy: record count";
	for (i = 0; i < m->nrr; i++) {
		if (crrs[i].section != rrs[i].section ||
		    crrs[i].rclass != rrs[i].rclass ||
		    crrs[i].ttl != rrs[i].ttl ||
		    crrs[i].rdlen != rrs[i].rdlen ||
		    memcmp(c + crrs[i].rdata_off, msg + rrs[i].rdata_off,
			rrs[i].rdlen) != 0)
			return "plain copy: record fields";
		if (wire_read_name(msg, len, rrs[i].off, a, &alen, NULL) !=
			WIRE_OK ||
		    wire_read_name(c, clen, crrs[i].off, b, &blen, NULL) !=
			WIRE_OK ||
		    alen != blen || memcmp(a, b, alen) != 0)
			return "plain copy: owner";
	}
	return NULL;
}

static void
report(struct stats *st, const char *what, const uint8_t *msg, size_t len,
    const char *why, ldns_status ls)
{
	st->failures++;
	if (st->failures > MAX_REPORTS)
		return;
	fprintf(stderr,
	    "seed 0x%016" PRIx64 ", message %u: %s: %s (ldns: %s)\n", test_seed,
	    st->messages, what, why != NULL ? why : "-",
	    ldns_get_errorstr_by_id(ls));
	hexdump(msg, len);
}

/*
 * Checks one mutant that the wire module accepted (m, rrs) against ldns.
 * If ldns refuses it or reads it differently, the difference must lie
 * where the two rightly differ: ldns must then read every question and
 * owner name as we do (else the name must point at offset 0), and accept
 * and agree on the plain copy, where no rdata is parsed.
 */
static void
check_accepted_mutant(struct stats *st, const uint8_t *msg, size_t len,
    const struct wire_msg *m, const struct wire_rr *rrs)
{
	static struct wire_rr crrs[MAXRR];
	struct wire_msg cm;
	ldns_pkt *lp = NULL;
	ldns_status ls, ls2 = LDNS_STATUS_OK;
	const char *why = "ldns rejects", *why2;
	uint8_t *c;
	size_t clen;
	unsigned i, ntsig = 0;
	int r;

	for (i = 0; i < m->nrr; i++)
		if (rrs[i].section == WIRE_SEC_ADDITIONAL &&
		    rrs[i].type == T_TSIG)
			ntsig++;
	if (ntsig > 1) {
		/* ldns keeps only the last TSIG (and leaks the others) */
		st->skipped_tsig++;
		return;
	}
	ls = ldns_wire2pkt(&lp, msg, len);
	if (ls == LDNS_STATUS_OK) {
		why = compare(msg, len, m, rrs, lp, false);
		ldns_pkt_free(lp);
		lp = NULL;
		if (why == NULL) {
			st->agreed++;
			return;
		}
	}
	why2 = names_agree_with_ldns(msg, len, m, rrs);
	if (why2 != NULL) {
		report(st, "we accept a mutant, ldns reads its names otherwise",
		    msg, len, why2, ls);
		return;
	}
	c = plain_copy(msg, len, m, rrs, &clen);
	r = wire_parse_msg(c, clen, &cm, crrs, MAXRR);
	if (r != WIRE_OK) {
		why2 = wire_strerror(r);
	} else if ((why2 = plain_matches(msg, len, m, rrs, c, clen, &cm,
			crrs)) == NULL) {
		ls2 = ldns_wire2pkt(&lp, c, clen);
		why2 = ls2 != LDNS_STATUS_OK
		    ? "ldns rejects the plain copy"
		    : compare(c, clen, &cm, crrs, lp, true);
		if (lp != NULL)
			ldns_pkt_free(lp);
	}
	free(c);
	if (why2 == NULL) {
		/* ldns parses rdata by type; we only bounds-check it */
		st->rdata_only++;
		return;
	}
	fprintf(stderr, "(ldns on the mutant itself: %s)\n", why);
	report(st, "we accept a mutant, ldns disagrees beyond rdata", msg, len,
	    why2, ls2 != LDNS_STATUS_OK ? ls2 : ls);
}

/* Changes 1-3 octets, half of the time in a header count or RR field. */
static void
mutate(uint8_t *msg, size_t len, const struct wire_msg *m,
    const struct wire_rr *rrs)
{
	static const uint8_t special[] = { 0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0,
		0xc1, 0xff };
	unsigned n = 1 + below(3), i;
	const struct wire_rr *rr;
	size_t pos;
	uint8_t v;

	for (i = 0; i < n; i++) {
		if (chance(2) || m->nrr == 0) {
			pos = below((uint32_t)len);
		} else if (chance(4)) {
			pos = 4 + below(8); /* a count */
		} else {
			rr = &rrs[below(m->nrr)];
			switch (below(5)) {
			case 0: /* owner name */
				pos = rr->off + below(2);
				break;
			case 1: /* type or class */
				pos = rr->ttl_off - 4 + below(4);
				break;
			case 2: /* rdlength */
				pos = rr->ttl_off + 4 + below(2);
				break;
			default: /* rdata: names and pointers in it */
				pos = rr->rdata_off +
				    (rr->rdlen ? below(rr->rdlen) : 0);
				break;
			}
			if (pos >= len)
				pos = len - 1;
		}
		if (chance(3))
			v = special[below(sizeof(special))];
		else if (chance(2))
			v = (uint8_t)(msg[pos] + (chance(2) ? 1 : -1));
		else
			v = (uint8_t)rnd();
		msg[pos] = v;
	}
}

static void
print_stats(const char *what, const struct stats *st)
{
	print_message("%s: seed 0x%016" PRIx64 ": %u messages, %u records "
		      "(%u owners compressed), %u with OPT, TTL 0: %u, "
		      "TTL >= 2^31: %u\n",
	    what, test_seed, st->messages, st->records, st->compressed_owners,
	    st->with_opt, st->ttl_zero, st->ttl_high);
	if (st->mutants > 0)
		print_message("%s: %u mutants: %u rejected by us, %u accepted "
			      "and agreed, %u differ only in rdata ldns "
			      "parses, %u skipped (two TSIG), %u "
			      "disagreements\n",
		    what, st->mutants, st->rejected, st->agreed, st->rdata_only,
		    st->skipped_tsig, st->failures);
}

/* Whether the (valid) name at off ends in a compression pointer. */
static bool
owner_compressed(const uint8_t *msg, size_t off)
{
	while (msg[off] != 0 && (msg[off] & 0xc0) == 0)
		off += 1 + (size_t)msg[off];
	return msg[off] != 0;
}

/* Parses one generated message both ways; they must agree exactly. */
static void
check_generated(struct stats *st, const uint8_t *wire, size_t len,
    struct wire_msg *m, struct wire_rr *rrs)
{
	ldns_pkt *lp = NULL;
	ldns_status ls;
	const char *why;
	int r;
	unsigned i;

	r = wire_parse_msg(wire, len, m, rrs, MAXRR);
	if (r != WIRE_OK) {
		report(st, "wire_parse_msg() rejects an ldns message", wire,
		    len, wire_strerror(r), LDNS_STATUS_OK);
		return;
	}
	assert_true(m->nrr <= MAXRR);
	check_iterator_matches(wire, len, m, rrs);
	ls = ldns_wire2pkt(&lp, wire, len);
	if (ls != LDNS_STATUS_OK) {
		report(st, "ldns rejects its own message", wire, len, NULL, ls);
		return;
	}
	why = compare(wire, len, m, rrs, lp, false);
	ldns_pkt_free(lp);
	if (why != NULL)
		report(st, "readings differ", wire, len, why, ls);
	st->records += m->nrr;
	st->with_opt += m->edns.present;
	for (i = 0; i < m->nrr; i++) {
		st->compressed_owners += owner_compressed(wire, rrs[i].off);
		st->ttl_zero += rrs[i].ttl == 0;
		st->ttl_high += rrs[i].ttl >= 0x80000000u;
	}
}

/* --- tests ---------------------------------------------------------- */

static void
test_wire_ldns_agrees_on_random_messages(void **state)
{
	static struct wire_rr rrs[MAXRR];
	struct stats st = { 0 };
	struct wire_msg m;
	uint8_t *wire;
	size_t len;

	(void)state;
	rng = test_seed;
	for (st.messages = 0; st.messages < NMSG; st.messages++) {
		wire = random_message(&len);
		check_generated(&st, wire, len, &m, rrs);
		free(wire);
	}
	print_stats("generated", &st);
	assert_int_equal(st.failures, 0);
	/* the run covered what it is meant to */
	assert_true(st.compressed_owners > st.records / 4);
	assert_true(st.with_opt > NMSG / 4);
	assert_true(st.ttl_zero > 0 && st.ttl_high > 0);
}

static void
test_wire_ldns_accepts_what_wire_accepts_after_mutation(void **state)
{
	static struct wire_rr rrs[MAXRR], orig_rrs[MAXRR];
	struct stats st = { 0 };
	struct wire_msg m, orig;
	uint8_t *wire, *mut;
	size_t len;
	unsigned k;
	int r;

	(void)state;
	rng = test_seed ^ 0x5a5a5a5a5a5a5a5aULL;
	for (st.messages = 0; st.messages < NMSG; st.messages++) {
		wire = random_message(&len);
		check_generated(&st, wire, len, &orig, orig_rrs);
		for (k = 0; k < NMUTANTS; k++) {
			/* exactly len octets, so ASan sees any overread */
			mut = malloc(len);
			assert_non_null(mut);
			memcpy(mut, wire, len);
			mutate(mut, len, &orig, orig_rrs);
			st.mutants++;
			r = wire_parse_msg(mut, len, &m, rrs, MAXRR);
			if (r != WIRE_OK) {
				assert_true(r > 0 && r < WIRE_ERR_COUNT);
				st.rejected++;
			} else {
				assert_true(m.nrr <= MAXRR);
				check_iterator_matches(mut, len, &m, rrs);
				check_accepted_mutant(&st, mut, len, &m, rrs);
			}
			free(mut);
		}
		free(wire);
	}
	print_stats("mutated", &st);
	assert_int_equal(st.failures, 0);
	assert_true(st.agreed > 0 && st.rejected > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_ldns_agrees_on_random_messages),
		cmocka_unit_test(
		    test_wire_ldns_accepts_what_wire_accepts_after_mutation),
	};
	const char *s = getenv("ROOST_TEST_SEED");
	char *end;

	if (s != NULL && *s != '\0') {
		test_seed = strtoull(s, &end, 0);
		if (*end != '\0') {
			fprintf(stderr, "ROOST_TEST_SEED: not a number: %s\n",
			    s);
			return 2;
		}
	}
	printf("test_wire_ldns: seed 0x%016" PRIx64
	       " (set ROOST_TEST_SEED to repeat or change it)\n",
	    test_seed);
	fflush(stdout);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
