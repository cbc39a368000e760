/*
 * tests/unit/test_wire.c - unit tests of the wire module against the
 * contract in src/daemon/wire.h.
 *
 * Every packet is built by hand with the small builders below, so each
 * test shows the exact octets it feeds in.  Truncated copies are made with
 * malloc() of exactly their length, so that the sanitizer build turns any
 * read past the end into a failure.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* --- packet builders ------------------------------------------------ */

#define PKT_CAP 4096

struct pkt {
	uint8_t b[PKT_CAP];
	size_t len;
};

static void
put_raw(struct pkt *p, const void *data, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void
put_u8(struct pkt *p, uint8_t v)
{
	put_raw(p, &v, 1);
}

static void
put_u16(struct pkt *p, uint16_t v)
{
	uint8_t b[2];

	wire_put16(b, v);
	put_raw(p, b, 2);
}

static void
put_u32(struct pkt *p, uint32_t v)
{
	uint8_t b[4];

	wire_put32(b, v);
	put_raw(p, b, 4);
}

static void
put_header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
    uint16_t ns, uint16_t ar)
{
	p->len = 0;
	put_u16(p, id);
	put_u16(p, flags);
	put_u16(p, qd);
	put_u16(p, an);
	put_u16(p, ns);
	put_u16(p, ar);
}

/* Header counts: 0 QD, 1 AN, 2 NS, 3 AR. */
static void
set_count(struct pkt *p, int which, uint16_t v)
{
	wire_put16(p->b + 4 + 2 * which, v);
}

/* One label of n octets; returns its offset. */
static size_t
put_label(struct pkt *p, const void *data, size_t n)
{
	size_t off = p->len;

	assert_true(n <= 255);
	put_u8(p, (uint8_t)n);
	put_raw(p, data, n);
	return off;
}

/*
 * The labels of a dotted name ("www.example.test"; "" for none) without
 * the root label; returns the offset of the first octet written.
 */
static size_t
put_labels(struct pkt *p, const char *dotted)
{
	size_t off = p->len;
	const char *s = dotted, *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		put_label(p, s, (size_t)(dot - s));
		s = *dot == '.' ? dot + 1 : dot;
	}
	return off;
}

/* An uncompressed name ending in the root label; returns its offset. */
static size_t
put_name(struct pkt *p, const char *dotted)
{
	size_t off = put_labels(p, dotted);

	put_u8(p, 0);
	return off;
}

/* A compression pointer to target; returns its offset. */
static size_t
put_ptr(struct pkt *p, size_t target)
{
	size_t off = p->len;

	assert_true(target <= 0x3fff);
	put_u16(p, (uint16_t)(0xc000u | target));
	return off;
}

/* Labels followed by a pointer; returns the offset of the name. */
static size_t
put_name_ptr(struct pkt *p, const char *dotted, size_t target)
{
	size_t off = put_labels(p, dotted);

	put_ptr(p, target);
	return off;
}

/* Returns the offset of the question name. */
static size_t
put_question(struct pkt *p, const char *name, uint16_t type, uint16_t class)
{
	size_t off = put_name(p, name);

	put_u16(p, type);
	put_u16(p, class);
	return off;
}

/*
 * The fixed part of an RR after its owner name; returns the offset of the
 * TTL.  The caller writes rdlen octets of rdata next.
 */
static size_t
put_rr_fixed(struct pkt *p, uint16_t type, uint16_t class, uint32_t ttl,
    uint16_t rdlen)
{
	size_t ttl_off;

	put_u16(p, type);
	put_u16(p, class);
	ttl_off = p->len;
	put_u32(p, ttl);
	put_u16(p, rdlen);
	return ttl_off;
}

/* An A record whose owner is a pointer to owner_target. */
static size_t
put_rr_a(struct pkt *p, size_t owner_target, uint32_t ttl, uint32_t addr)
{
	size_t ttl_off;

	put_ptr(p, owner_target);
	ttl_off = put_rr_fixed(p, WIRE_T_A, WIRE_C_IN, ttl, 4);
	put_u32(p, addr);
	return ttl_off;
}

/* An OPT record with empty rdata. */
static size_t
put_opt(struct pkt *p, uint16_t udp, uint8_t ext_rcode, uint8_t version,
    uint16_t flags)
{
	size_t off = p->len;

	put_u8(p, 0);
	put_rr_fixed(p, WIRE_T_OPT, udp,
	    (uint32_t)ext_rcode << 24 | (uint32_t)version << 16 | flags, 0);
	return off;
}

/* A malloc'd copy of exactly n octets, so ASan sees any overread. */
static uint8_t *
exact_copy(const uint8_t *src, size_t n)
{
	uint8_t *c = malloc(n);

	if (c == NULL && n == 0)
		c = malloc(1);
	assert_non_null(c);
	memcpy(c, src, n);
	return c;
}

/* A name in wire form from a dotted string, for the name helpers. */
static size_t
wname(uint8_t *out, const char *dotted)
{
	struct pkt p = { .len = 0 };

	put_name(&p, dotted);
	assert_true(p.len <= WIRE_MAX_NAME);
	memcpy(out, p.b, p.len);
	return p.len;
}

/* A label of n copies of c, as a string of at most 63 + 1 octets. */
static const char *
long_label(char *buf, size_t n, char c)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* --- the response most tests walk ----------------------------------- */

/*
 * www.example.test. A IN, answered through a CNAME, with a delegation in
 * the authority section, glue and an OPT in the additional section, and
 * every owner and rdata name compressed.  ex is filled with what each
 * record must parse to.
 */
struct expect_rr {
	enum wire_section section;
	size_t off;
	uint16_t type;
	uint32_t ttl;
	size_t ttl_off;
	size_t rdata_off;
	uint16_t rdlen;
	size_t end;
};

#define RESP_NRR 5

struct resp {
	struct pkt p;
	size_t qname_off, example_off, question_end;
	struct expect_rr ex[RESP_NRR];
};

static void
expect_fill(struct expect_rr *e, const struct pkt *p, enum wire_section section,
    size_t off, size_t ttl_off)
{
	e->section = section;
	e->off = off;
	e->type = wire_get16(p->b + ttl_off - 4);
	e->ttl = wire_get32(p->b + ttl_off);
	e->ttl_off = ttl_off;
	e->rdlen = wire_get16(p->b + ttl_off + 4);
	e->rdata_off = ttl_off + 6;
	e->end = e->rdata_off + e->rdlen;
}

static void
build_response(struct resp *r)
{
	struct pkt *p = &r->p;
	size_t off, ttl_off, web_off, ns1_off;

	put_header(p, 0x1234, WIRE_QR | WIRE_RD | WIRE_RA, 1, 2, 1, 2);
	r->qname_off = put_question(p, "www.example.test", WIRE_T_A, WIRE_C_IN);
	r->example_off = r->qname_off + 4;
	r->question_end = p->len;

	/* www.example.test. 300 CNAME web.example.test. */
	off = put_ptr(p, r->qname_off);
	ttl_off = put_rr_fixed(p, WIRE_T_CNAME, WIRE_C_IN, 300, 6);
	web_off = put_name_ptr(p, "web", r->example_off);
	expect_fill(&r->ex[0], p, WIRE_SEC_ANSWER, off, ttl_off);

	/* web.example.test. 4294967295 A 192.0.2.1 (TTL >= 2^31) */
	off = p->len;
	ttl_off = put_rr_a(p, web_off, 0xffffffffu, 0xc0000201u);
	expect_fill(&r->ex[1], p, WIRE_SEC_ANSWER, off, ttl_off);

	/* example.test. 86400 NS ns1.example.test. */
	off = put_ptr(p, r->example_off);
	ttl_off = put_rr_fixed(p, WIRE_T_NS, WIRE_C_IN, 86400, 6);
	ns1_off = put_name_ptr(p, "ns1", r->example_off);
	expect_fill(&r->ex[2], p, WIRE_SEC_AUTHORITY, off, ttl_off);

	/* ns1.example.test. 3600 A 192.0.2.53 */
	off = p->len;
	ttl_off = put_rr_a(p, ns1_off, 3600, 0xc0000235u);
	expect_fill(&r->ex[3], p, WIRE_SEC_ADDITIONAL, off, ttl_off);

	/* . OPT udp 1232, DO */
	off = put_opt(p, 1232, 0, 0, WIRE_EDNS_DO);
	expect_fill(&r->ex[4], p, WIRE_SEC_ADDITIONAL, off, off + 5);
}

static void
assert_rr_matches(const struct pkt *p, const struct wire_rr *rr,
    const struct expect_rr *e)
{
	assert_int_equal(rr->section, e->section);
	assert_int_equal(rr->off, e->off);
	assert_int_equal(rr->type, e->type);
	assert_int_equal(rr->ttl, e->ttl);
	assert_int_equal(rr->ttl_off, e->ttl_off);
	assert_int_equal(wire_get32(p->b + rr->ttl_off), e->ttl);
	assert_int_equal(rr->rdata_off, e->rdata_off);
	assert_int_equal(rr->rdlen, e->rdlen);
	assert_int_equal(rr->end, e->end);
}

/* --- header --------------------------------------------------------- */

static void
test_wire_header_rejects_fewer_than_12_octets(void **state)
{
	uint8_t buf[WIRE_HDR_LEN] = { 0 };
	struct wire_header h;
	size_t n;
	uint8_t *c;

	(void)state;
	for (n = 0; n < WIRE_HDR_LEN; n++) {
		c = exact_copy(buf, n);
		assert_int_equal(wire_parse_header(c, n, &h), WIRE_ESHORT);
		free(c);
	}
}

static void
test_wire_header_parses_exactly_12_octets(void **state)
{
	static const uint8_t hdr[WIRE_HDR_LEN] = { 0xbe, 0xef, 0x81, 0x83, 0x00,
		0x01, 0x00, 0x02, 0x00, 0x03, 0xff, 0xfe };
	struct wire_header h;
	uint8_t *c = exact_copy(hdr, sizeof(hdr));

	(void)state;
	assert_int_equal(wire_parse_header(c, sizeof(hdr), &h), WIRE_OK);
	assert_int_equal(h.id, 0xbeef);
	assert_int_equal(h.flags, 0x8183);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 2);
	assert_int_equal(h.nscount, 3);
	assert_int_equal(h.arcount, 0xfffe);
	free(c);
}

static void
test_wire_header_rejects_more_than_65535_octets(void **state)
{
	uint8_t *big = calloc(1, WIRE_MAX_MSG + 1);
	struct wire_header h;

	(void)state;
	assert_non_null(big);
	assert_int_equal(wire_parse_header(big, WIRE_MAX_MSG, &h), WIRE_OK);
	assert_int_equal(wire_parse_header(big, WIRE_MAX_MSG + 1, &h),
	    WIRE_ETOOBIG);
	free(big);
}

static void
test_wire_header_write_round_trips(void **state)
{
	const struct wire_header in = { .id = 0xa55a,
		.flags = WIRE_QR | WIRE_AA | WIRE_RCODE(3),
		.qdcount = 1,
		.ancount = 0x0102,
		.nscount = 0x0304,
		.arcount = 0xfffe };
	struct wire_header out;
	uint8_t buf[WIRE_HDR_LEN + 1];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	wire_write_header(buf, &in);
	assert_int_equal(buf[0], 0xa5);
	assert_int_equal(buf[1], 0x5a);
	assert_int_equal(buf[7], 0x02);
	assert_int_equal(buf[WIRE_HDR_LEN], 0xee); /* wrote 12 octets only */
	assert_int_equal(wire_parse_header(buf, WIRE_HDR_LEN, &out), WIRE_OK);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void
test_wire_flag_macros_match_rfc_bit_positions(void **state)
{
	/* QR | Opcode(4) | AA | TC | RD | RA | Z | AD | CD | RCODE(4) */
	uint16_t f = (uint16_t)(1u << 15 | 5u << 11 | 1u << 10 | 1u << 9 |
	    1u << 8 | 1u << 7 | 1u << 5 | 1u << 4 | 0xbu);

	(void)state;
	assert_int_equal(WIRE_QR, 1u << 15);
	assert_int_equal(WIRE_AA, 1u << 10);
	assert_int_equal(WIRE_TC, 1u << 9);
	assert_int_equal(WIRE_RD, 1u << 8);
	assert_int_equal(WIRE_RA, 1u << 7);
	assert_int_equal(WIRE_AD, 1u << 5);
	assert_int_equal(WIRE_CD, 1u << 4);
	assert_int_equal(WIRE_OPCODE(f), 5);
	assert_int_equal(WIRE_RCODE(f), 0xb);
	assert_int_equal(WIRE_OPCODE(0x7800u), 15);
	assert_int_equal(WIRE_OPCODE(0x8000u | 0x07ffu), 0);
	assert_int_equal(WIRE_RCODE(0xfff0u), 0);
	assert_int_equal(WIRE_EDNS_DO, 1u << 15);
}

/* --- names ---------------------------------------------------------- */

static void
test_wire_name_reads_plain_name(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME], want[WIRE_MAX_NAME];
	size_t off, nlen, end, wlen;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name(&p, "www.Example.test");
	put_u16(&p, 0xabcd); /* whatever follows */
	wlen = wname(want, "www.Example.test");
	assert_int_equal(wire_read_name(p.b, p.len, off, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 18);
	assert_int_equal(nlen, wlen);
	assert_memory_equal(name, want, wlen); /* spelling kept */
	assert_int_equal(end, off + 18);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_OK);
	assert_int_equal(end, off + 18);
	/* out and end may be NULL */
	assert_int_equal(wire_read_name(p.b, p.len, off, NULL, NULL, NULL),
	    WIRE_OK);
}

static void
test_wire_name_reads_root_name(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME];
	size_t off, nlen, end;
	uint8_t *c;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name(&p, "");
	c = exact_copy(p.b, p.len);
	assert_int_equal(wire_read_name(c, p.len, off, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 1);
	assert_int_equal(name[0], 0);
	assert_int_equal(end, off + 1);
	free(c);
}

static void
test_wire_name_follows_pointer_to_earlier_name(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME], want[WIRE_MAX_NAME];
	size_t first, second, nlen, end, wlen;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	first = put_name(&p, "example.test");
	second = put_ptr(&p, first);
	wlen = wname(want, "example.test");
	assert_int_equal(wire_read_name(p.b, p.len, second, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, wlen);
	assert_memory_equal(name, want, wlen);
	assert_int_equal(end, second + 2);
}

static void
test_wire_name_follows_pointer_to_suffix(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME], want[WIRE_MAX_NAME];
	size_t first, second, nlen, end, wlen;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	first = put_name(&p, "www.example.test");
	/* mail + pointer to "test", the suffix inside the first name */
	second = put_name_ptr(&p, "mail", first + 4 + 8);
	put_u32(&p, 0); /* bytes after the pointer are not part of it */
	wlen = wname(want, "mail.test");
	assert_int_equal(wire_read_name(p.b, p.len, second, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, wlen);
	assert_memory_equal(name, want, wlen);
	/* end is past the first pointer, not past the pointed-to name */
	assert_int_equal(end, second + 5 + 2);
	assert_int_equal(wire_skip_name(p.b, p.len, second, &end), WIRE_OK);
	assert_int_equal(end, second + 7);
}

static void
test_wire_name_follows_chained_pointers(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME], want[WIRE_MAX_NAME];
	size_t n1, n2, n3, nlen, end, wlen;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	n1 = put_name(&p, "example.test");
	n2 = put_name_ptr(&p, "b", n1);
	n3 = put_name_ptr(&p, "a", n2);
	wlen = wname(want, "a.b.example.test");
	assert_int_equal(wire_read_name(p.b, p.len, n3, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, wlen);
	assert_memory_equal(name, want, wlen);
	assert_int_equal(end, n3 + 4);
}

static void
test_wire_name_accepts_pointer_to_root_label(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME];
	size_t root, n, nlen, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	root = put_name(&p, "");
	n = put_name_ptr(&p, "x", root);
	assert_int_equal(wire_read_name(p.b, p.len, n, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 3);
	assert_memory_equal(name, "\001x", 3);
	assert_int_equal(end, n + 4);
}

/* A pointer at offset 12 that points at offset 12. */
static void
test_wire_name_rejects_pointer_at_itself(void **state)
{
	struct pkt p;
	size_t off, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_ptr(&p, WIRE_HDR_LEN);
	assert_int_equal(wire_read_name(p.b, p.len, off, NULL, NULL, &end),
	    WIRE_EPTRFWD);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
}

/* A label, then a pointer at its own offset. */
static void
test_wire_name_rejects_pointer_at_itself_after_label(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME];
	size_t off, nlen;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_labels(&p, "a");
	put_ptr(&p, p.len);
	assert_int_equal(wire_read_name(p.b, p.len, off, name, &nlen, NULL),
	    WIRE_EPTRFWD);
}

/*
 * A pointer back to a label whose length runs across the pointer itself
 * (fuzz_wire found one reaching into the OPT record that
 * wire_remove_opt() then cut away): what a pointer leads to must lie
 * wholly before it.
 */
static void
test_wire_name_rejects_target_running_across_the_pointer(void **state)
{
	struct pkt p;
	size_t off, ptr, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = p.len;
	p.b[p.len++] = 4; /* a 4-octet label: "ab", the pointer, ... */
	p.b[p.len++] = 'a';
	p.b[p.len++] = 'b';
	ptr = put_ptr(&p, off);
	p.b[p.len++] = 0;
	/* read from off, it is a name: \004ab\300\014 then the root */
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_OK);
	/* through the pointer, the same octets run across the pointer */
	assert_int_equal(wire_skip_name(p.b, p.len, ptr, &end), WIRE_EPTRFWD);
}

/*
 * Two pointers pointing at each other: since pointers must point strictly
 * backwards, one of them always points forward, whichever is read first.
 */
static void
test_wire_name_rejects_two_pointer_cycle(void **state)
{
	struct pkt p;
	size_t a, b, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	a = put_ptr(&p, WIRE_HDR_LEN + 2);
	b = put_ptr(&p, WIRE_HDR_LEN);
	assert_int_equal(wire_skip_name(p.b, p.len, a, &end), WIRE_EPTRFWD);
	assert_int_equal(wire_skip_name(p.b, p.len, b, &end), WIRE_EPTRFWD);
}

/* The same with a label in each leg of the cycle. */
static void
test_wire_name_rejects_two_pointer_cycle_through_labels(void **state)
{
	struct pkt p;
	size_t a, b, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	a = put_labels(&p, "a");       /* 12: 01 'a' */
	put_ptr(&p, WIRE_HDR_LEN + 4); /* 14: -> 16 (forward) */
	b = put_labels(&p, "b");       /* 16: 01 'b' */
	put_ptr(&p, WIRE_HDR_LEN);     /* 18: -> 12 */
	assert_int_equal(wire_skip_name(p.b, p.len, a, &end), WIRE_EPTRFWD);
	assert_int_equal(wire_skip_name(p.b, p.len, b, &end), WIRE_EPTRFWD);
}

/*
 * A pointer must point before the start of the run of labels that holds
 * it: "a" then a pointer back to that "a" (12 < 14, yet it would loop),
 * or into the middle of its own run, is refused.
 */
static void
test_wire_name_rejects_pointer_into_own_run(void **state)
{
	struct pkt p;
	size_t off, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name_ptr(&p, "a", WIRE_HDR_LEN);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name_ptr(&p, "a.b", WIRE_HDR_LEN + 2); /* at "b" */
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
	/* a run reached by a jump starts at the jump's target: "c" -> 15
	 * is fine, but the pointer at 17 must then point before 15 */
	put_header(&p, 0, 0, 0, 0, 0, 0);
	put_name(&p, "a");                             /* 12: 01 a 00 */
	put_name_ptr(&p, "b", WIRE_HDR_LEN + 3);       /* 15: 01 b c0 0f */
	off = put_name_ptr(&p, "c", WIRE_HDR_LEN + 3); /* 19: 01 c c0 0f */
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
}

static void
test_wire_name_rejects_forward_pointer(void **state)
{
	struct pkt p;
	size_t off, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_ptr(&p, WIRE_HDR_LEN + 2);
	put_name(&p, "example.test"); /* a good name, but later */
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
	/* and a forward pointer after a label */
	off = put_name_ptr(&p, "www", p.len + 6);
	put_name(&p, "test");
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_EPTRFWD);
}

static void
test_wire_name_rejects_pointer_into_header(void **state)
{
	struct pkt p;
	size_t off, end;

	(void)state;
	/* offsets 0..11 hold the header: no name can start there, even
	 * where the header's bytes happen to read as one (id 0 = root) */
	put_header(&p, 0, 0, 0, 0, 0, 0);
	for (uint16_t target = 0; target < WIRE_HDR_LEN; target++) {
		p.len = WIRE_HDR_LEN;
		off = put_ptr(&p, target);
		assert_int_equal(wire_skip_name(p.b, p.len, off, &end),
		    WIRE_EPTRFWD);
	}
}

/*
 * A root name at 12, then a chain of pointers each pointing at the one
 * before: reading at pointer k takes k hops.
 */
static void
build_pointer_chain(struct pkt *p, size_t hops, size_t *last)
{
	size_t prev, i;

	put_header(p, 0, 0, 0, 0, 0, 0);
	prev = put_name(p, "");
	for (i = 0; i < hops; i++)
		prev = put_ptr(p, prev);
	*last = prev;
}

static void
test_wire_name_accepts_pointer_chain_at_hop_limit(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME];
	size_t last, nlen, end;

	(void)state;
	build_pointer_chain(&p, WIRE_MAX_PTR_HOPS, &last);
	assert_int_equal(wire_read_name(p.b, p.len, last, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 1);
	assert_int_equal(end, last + 2);
}

static void
test_wire_name_rejects_pointer_chain_over_hop_limit(void **state)
{
	struct pkt p;
	size_t last, end;

	(void)state;
	build_pointer_chain(&p, WIRE_MAX_PTR_HOPS + 1, &last);
	assert_int_equal(wire_skip_name(p.b, p.len, last, &end), WIRE_EPTRLOOP);
}

static void
test_wire_name_accepts_63_octet_label(void **state)
{
	struct pkt p;
	char l63[64];
	uint8_t name[WIRE_MAX_NAME];
	size_t off, nlen, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name(&p, long_label(l63, 63, 'x'));
	assert_int_equal(wire_read_name(p.b, p.len, off, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 65);
	assert_int_equal(name[0], 63);
	assert_int_equal(end, off + 65);
}

/*
 * A length octet of 64 is 0x40: its top bits 01 make it the reserved
 * extended label type, so a 64-octet label cannot be expressed in wire
 * form at all and is refused as a label type (WIRE_ELABELLEN is for
 * presentation format).
 */
static void
test_wire_name_rejects_64_octet_label_as_label_type(void **state)
{
	struct pkt p;
	char l64[65];
	size_t off, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name(&p, long_label(l64, 64, 'x'));
	assert_int_equal(p.b[off], 0x40);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end),
	    WIRE_ELABELTYPE);
}

static void
test_wire_name_rejects_reserved_label_types(void **state)
{
	static const uint8_t types[] = { 0x40, 0x41, 0x7f, 0x80, 0x81, 0xbf };
	struct pkt p;
	size_t i, off, end;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		/* as the first label */
		put_header(&p, 0, 0, 0, 0, 0, 0);
		off = p.len;
		put_u8(&p, types[i]);
		put_raw(&p, "abcdefgh", 8);
		put_u8(&p, 0);
		assert_int_equal(wire_skip_name(p.b, p.len, off, &end),
		    WIRE_ELABELTYPE);
		/* after a good label */
		put_header(&p, 0, 0, 0, 0, 0, 0);
		off = put_labels(&p, "www");
		put_u8(&p, types[i]);
		put_u8(&p, 0);
		put_u8(&p, 0);
		assert_int_equal(
		    wire_read_name(p.b, p.len, off, NULL, NULL, &end),
		    WIRE_ELABELTYPE);
	}
}

/* 63 + 63 + 63 + 61 octet labels: 4 * 1 + 250 + 1 = 255 octets. */
static void
test_wire_name_accepts_255_octet_name(void **state)
{
	struct pkt p;
	char l63[64], l61[62];
	uint8_t name[WIRE_MAX_NAME];
	size_t off, nlen, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_labels(&p, long_label(l63, 63, 'a'));
	put_labels(&p, l63);
	put_labels(&p, l63);
	put_name(&p, long_label(l61, 61, 'b'));
	assert_int_equal(p.len - off, 255);
	assert_int_equal(wire_read_name(p.b, p.len, off, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 255);
	assert_memory_equal(name, p.b + off, 255);
	assert_int_equal(end, off + 255);
}

static void
test_wire_name_rejects_256_octet_name(void **state)
{
	struct pkt p;
	char l63[64], l62[63];
	size_t off, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_labels(&p, long_label(l63, 63, 'a'));
	put_labels(&p, l63);
	put_labels(&p, l63);
	put_name(&p, long_label(l62, 62, 'b'));
	assert_int_equal(p.len - off, 256);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_ENAMELEN);
}

/* 256 octets of 2-octet labels and no root: too long before truncated. */
static void
test_wire_name_rejects_many_short_labels_over_255(void **state)
{
	struct pkt p;
	size_t off, end, i;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = p.len;
	for (i = 0; i < 128; i++)
		put_labels(&p, "a");
	put_u8(&p, 0);
	assert_int_equal(wire_skip_name(p.b, p.len, off, &end), WIRE_ENAMELEN);
}

/*
 * A 193-octet name at 12; names of 61 + 1 and 62 + 1 octets of labels in
 * front of a pointer to it come to 255 and 256 octets.
 */
static void
test_wire_name_limits_length_reached_via_pointers(void **state)
{
	struct pkt p;
	char l63[64], l61[62], l62[63];
	uint8_t name[WIRE_MAX_NAME];
	size_t base, ok, bad, nlen, end;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	base = put_labels(&p, long_label(l63, 63, 'a'));
	put_labels(&p, l63);
	put_name(&p, l63);
	assert_int_equal(p.len - base, 193);
	ok = put_name_ptr(&p, long_label(l61, 61, 'b'), base);
	bad = put_name_ptr(&p, long_label(l62, 62, 'c'), base);
	assert_int_equal(wire_read_name(p.b, p.len, ok, name, &nlen, &end),
	    WIRE_OK);
	assert_int_equal(nlen, 255);
	assert_int_equal(end, ok + 62 + 2);
	assert_int_equal(wire_read_name(p.b, p.len, bad, name, &nlen, &end),
	    WIRE_ENAMELEN);
	/* the same 256 octets spread over two pointer hops */
	put_header(&p, 0, 0, 0, 0, 0, 0);
	base = put_name(&p, l63);         /* 65 */
	ok = put_name_ptr(&p, l63, base); /* 64 + 65 = 129 */
	bad = put_name_ptr(&p, "", ok);   /* a pointer to a pointer */
	bad = put_name_ptr(&p, l63, bad); /* 193 */
	bad = put_name_ptr(&p, l62, bad); /* 256 */
	assert_int_equal(wire_skip_name(p.b, p.len, bad, &end), WIRE_ENAMELEN);
}

static void
test_wire_name_rejects_truncation_mid_label(void **state)
{
	struct pkt p;
	uint8_t name[WIRE_MAX_NAME];
	size_t off, n, end, nlen;
	uint8_t *c;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	off = put_name(&p, "www.example.test");
	/* every prefix of the name, including no byte of it at all */
	for (n = off; n < p.len; n++) {
		c = exact_copy(p.b, n);
		assert_int_equal(wire_read_name(c, n, off, NULL, NULL, &end),
		    WIRE_ENAMETRUNC);
		/* copying out must not read past the end either */
		assert_int_equal(wire_read_name(c, n, off, name, &nlen, &end),
		    WIRE_ENAMETRUNC);
		free(c);
	}
}

static void
test_wire_name_rejects_truncated_pointer(void **state)
{
	struct pkt p;
	size_t first, off, end;
	uint8_t *c;

	(void)state;
	put_header(&p, 0, 0, 0, 0, 0, 0);
	first = put_name(&p, "test");
	off = put_labels(&p, "www");
	put_u8(&p, 0xc0); /* first octet of a pointer, then the end */
	c = exact_copy(p.b, p.len);
	assert_int_equal(wire_read_name(c, p.len, off, NULL, NULL, &end),
	    WIRE_ENAMETRUNC);
	assert_int_equal(wire_skip_name(c, p.len, p.len - 1, &end),
	    WIRE_ENAMETRUNC);
	free(c);
	(void)first;
}

/* --- name helpers --------------------------------------------------- */

static void
test_wire_name_lower_changes_only_ascii_letters(void **state)
{
	uint8_t name[] = "\x06WwW@[Z\x05\xc4"
			 "A`{z\x00";
	uint8_t want[] = "\x06www@[z\x05\xc4"
			 "a`{z\x00";
	uint8_t root[1] = { 0 };

	(void)state;
	wire_name_lower(name, sizeof(name) - 1);
	assert_memory_equal(name, want, sizeof(name) - 1);
	wire_name_lower(root, 1);
	assert_int_equal(root[0], 0);
}

static void
test_wire_name_lower_keeps_length_octets(void **state)
{
	uint8_t name[WIRE_MAX_NAME];
	char l63[64];
	size_t len;

	(void)state;
	/* length octets 63 ('?') and 26 just below 'A' must survive */
	len = wname(name, long_label(l63, 63, 'Q'));
	wire_name_lower(name, len);
	assert_int_equal(name[0], 63);
	assert_int_equal(name[1], 'q');
	assert_int_equal(name[63], 'q');
	assert_int_equal(name[64], 0);
}

static void
test_wire_name_equal_ignores_case(void **state)
{
	uint8_t a[WIRE_MAX_NAME], b[WIRE_MAX_NAME];
	size_t alen, blen;

	(void)state;
	alen = wname(a, "WWW.Example.TEST");
	blen = wname(b, "www.example.test");
	assert_true(wire_name_equal(a, alen, b, blen));
	assert_true(wire_name_equal(a, alen, a, alen));
	blen = wname(b, "www.example.tesu");
	assert_false(wire_name_equal(a, alen, b, blen));
	blen = wname(b, "www.example");
	assert_false(wire_name_equal(a, alen, b, blen));
	blen = wname(b, "");
	assert_false(wire_name_equal(a, alen, b, blen));
	alen = wname(a, "");
	assert_true(wire_name_equal(a, alen, b, blen));
	/* same bytes, different label boundaries */
	alen = wname(a, "ab.c");
	memcpy(b,
	    "\x01"
	    "a\x02"
	    "bc\x00",
	    6);
	assert_false(wire_name_equal(a, alen, b, 6));
}

/* '@' and '`', '[' and '{' differ by 0x20 but are not letters. */
static void
test_wire_name_equal_folds_only_ascii_letters(void **state)
{
	uint8_t a[WIRE_MAX_NAME], b[WIRE_MAX_NAME];
	size_t alen, blen;

	(void)state;
	alen = wname(a, "a@b");
	blen = wname(b, "a`b");
	assert_false(wire_name_equal(a, alen, b, blen));
	alen = wname(a, "x[");
	blen = wname(b, "x{");
	assert_false(wire_name_equal(a, alen, b, blen));
	/* Latin-1 letters are not folded either */
	memcpy(a, "\x01\xc4\x00", 3);
	memcpy(b, "\x01\xe4\x00", 3);
	assert_false(wire_name_equal(a, 3, b, 3));
}

static void
test_wire_name_hash_ignores_case_and_tells_names_apart(void **state)
{
	static const char *const names[] = { "", "test", "example.test",
		"www.example.test", "ww.example.test", "wwx.example.test",
		"example.tes", "xample.test", "a.b", "ab", "b.a", "a",
		"mail.example.test", "www.example.org", "1", "2", "a.a", "aa",
		"a.a.a", "www.exampme.test" };
	enum { N = sizeof(names) / sizeof(names[0]) };
	uint8_t a[WIRE_MAX_NAME], b[WIRE_MAX_NAME];
	uint64_t h[N];
	const uint64_t seed = 0x0123456789abcdefULL;
	size_t alen, blen, i, j;

	(void)state;
	alen = wname(a, "WwW.ExAmPlE.TeSt");
	blen = wname(b, "www.example.test");
	assert_int_equal(wire_name_hash(a, alen, seed),
	    wire_name_hash(b, blen, seed));
	assert_int_equal(wire_name_hash(a, alen, 0),
	    wire_name_hash(b, blen, 0));
	/* the seed matters */
	assert_int_not_equal(wire_name_hash(b, blen, seed),
	    wire_name_hash(b, blen, seed + 1));
	for (i = 0; i < N; i++) {
		alen = wname(a, names[i]);
		h[i] = wire_name_hash(a, alen, seed);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			if (h[i] == h[j])
				fail_msg("hash(%s) == hash(%s)", names[i],
				    names[j]);
		}
}

static void
test_wire_name_is_subdomain_of_root_equal_and_parent(void **state)
{
	uint8_t s[WIRE_MAX_NAME], z[WIRE_MAX_NAME];
	size_t slen, zlen;

	(void)state;
	slen = wname(s, "www.example.test");
	zlen = wname(z, "");
	assert_true(wire_name_is_subdomain(s, slen, z, zlen));
	assert_true(wire_name_is_subdomain(z, zlen, z, zlen));
	zlen = wname(z, "test");
	assert_true(wire_name_is_subdomain(s, slen, z, zlen));
	zlen = wname(z, "EXAMPLE.Test");
	assert_true(wire_name_is_subdomain(s, slen, z, zlen));
	zlen = wname(z, "www.example.test");
	assert_true(wire_name_is_subdomain(s, slen, z, zlen));
	/* the root and a parent are not below their child */
	slen = wname(s, "");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
	slen = wname(s, "example.test");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
}

static void
test_wire_name_is_subdomain_rejects_sibling_sharing_text(void **state)
{
	uint8_t s[WIRE_MAX_NAME], z[WIRE_MAX_NAME];
	size_t slen, zlen;

	(void)state;
	zlen = wname(z, "example.test");
	slen = wname(s, "xample.test");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
	slen = wname(s, "www.xample.test");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
	slen = wname(s, "aexample.test");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
	slen = wname(s, "www.aexample.test");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
	slen = wname(s, "example.org");
	assert_false(wire_name_is_subdomain(s, slen, z, zlen));
}

/*
 * The one label "\007example" followed by "test" ends in the very octets
 * of example.test. (07 example 04 test 00), yet is not below it.
 */
static void
test_wire_name_is_subdomain_respects_label_boundaries(void **state)
{
	static const uint8_t s[] = "\x08\x07"
				   "example\x04"
				   "test";
	uint8_t z[WIRE_MAX_NAME];
	size_t zlen;

	(void)state;
	zlen = wname(z, "example.test");
	assert_memory_equal(s + sizeof(s) - zlen, z, zlen);
	assert_false(wire_name_is_subdomain(s, sizeof(s), z, zlen));
}

static void
test_wire_name_to_text_formats_names_and_root(void **state)
{
	uint8_t n[WIRE_MAX_NAME];
	char out[WIRE_MAX_NAME * 4 + 1];
	size_t len;

	(void)state;
	len = wname(n, "www.example.test");
	assert_int_equal(wire_name_to_text(n, len, out, sizeof(out)), 17);
	assert_string_equal(out, "www.example.test.");
	len = wname(n, "WwW.EXAMPLE.Test");
	assert_int_equal(wire_name_to_text(n, len, out, sizeof(out)), 17);
	assert_string_equal(out, "www.example.test.");
	len = wname(n, "");
	assert_int_equal(wire_name_to_text(n, len, out, sizeof(out)), 1);
	assert_string_equal(out, ".");
}

static void
test_wire_name_to_text_escapes_specials_and_nonprintables(void **state)
{
	static const uint8_t n[] = { 12, 'A', '.', 'b', '\\', ' ', 0x00, 0x7f,
		0xff, '~', '!', '"', 0x09, 2, 'Z', ';', 0 };
	const char *want = "a\\.b\\\\\\032\\000\\127\\255~!\"\\009.z;.";
	char out[128];

	(void)state;
	assert_int_equal(wire_name_to_text(n, sizeof(n), out, sizeof(out)),
	    strlen(want));
	assert_string_equal(out, want);
}

static void
test_wire_name_to_text_truncates_like_snprintf(void **state)
{
	uint8_t n[WIRE_MAX_NAME];
	char out[64];
	size_t len, cap;
	const char *full = "www.example.test.";
	static const uint8_t esc[] = { 3, 'a', ' ', 'b', 0 };
	const char *efull = "a\\032b.";

	(void)state;
	len = wname(n, "www.example.test");
	memset(out, 'X', sizeof(out));
	assert_int_equal(wire_name_to_text(n, len, out, 0), 17);
	assert_int_equal(out[0], 'X'); /* outlen 0: nothing written */
	for (cap = 1; cap <= 19; cap++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(wire_name_to_text(n, len, out, cap), 17);
		assert_int_equal(strlen(out), cap - 1 < 17 ? cap - 1 : 17);
		assert_memory_equal(out, full, strlen(out));
		assert_int_equal(out[cap], 'X'); /* nothing past outlen */
	}
	/* with an escape: always a NUL-terminated prefix of the full text */
	for (cap = 1; cap <= 9; cap++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(wire_name_to_text(esc, sizeof(esc), out, cap),
		    7);
		assert_true(strlen(out) <= cap - 1);
		assert_memory_equal(out, efull, strlen(out));
		assert_int_equal(out[cap], 'X');
	}
	assert_string_equal(out, efull);
}

static void
test_wire_name_from_text_parses_names_keeping_case(void **state)
{
	uint8_t n[WIRE_MAX_NAME], want[WIRE_MAX_NAME];
	size_t len, wlen;

	(void)state;
	wlen = wname(want, "WwW.Example.test");
	assert_int_equal(wire_name_from_text("WwW.Example.test", n, &len),
	    WIRE_OK);
	assert_int_equal(len, wlen);
	assert_memory_equal(n, want, wlen);
	assert_int_equal(wire_name_from_text("WwW.Example.test.", n, &len),
	    WIRE_OK);
	assert_int_equal(len, wlen);
	assert_memory_equal(n, want, wlen);
	assert_int_equal(wire_name_from_text(".", n, &len), WIRE_OK);
	assert_int_equal(len, 1);
	assert_int_equal(n[0], 0);
	assert_int_equal(wire_name_from_text("x", n, &len), WIRE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(n, "\001x", 3);
}

static void
test_wire_name_from_text_decodes_escapes(void **state)
{
	static const uint8_t want[] = { 3, 'a', '.', 'b', 3, 'c', '\\', 'd', 4,
		'A', 0, 0xff, 'x', 0 };
	uint8_t n[WIRE_MAX_NAME];
	size_t len;

	(void)state;
	assert_int_equal(
	    wire_name_from_text("a\\.b.c\\\\d.\\065\\000\\255x", n, &len),
	    WIRE_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(n, want, sizeof(want));
	/* an escaped dot at the end is part of the label, not the root */
	assert_int_equal(wire_name_from_text("a\\.", n, &len), WIRE_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(n, "\002a.", 4);
}

static void
test_wire_name_from_text_rejects_bad_text(void **state)
{
	static const char *const bad[] = { "a..b", ".a", "..", "a.b..", "a\\",
		"a\\25", "a\\2", "\\256", "a\\999.b" };
	uint8_t n[WIRE_MAX_NAME];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wire_name_from_text(bad[i], n, &len) != WIRE_ENAMETEXT)
			fail_msg("\"%s\" not refused with WIRE_ENAMETEXT",
			    bad[i]);
}

static void
test_wire_name_from_text_limits_label_and_name_length(void **state)
{
	char text[1024], l63[64], l64[65], l61[62], l62[63];
	uint8_t n[WIRE_MAX_NAME];
	size_t len, i;

	(void)state;
	long_label(l63, 63, 'a');
	long_label(l64, 64, 'a');
	long_label(l61, 61, 'c');
	long_label(l62, 62, 'c');
	assert_int_equal(wire_name_from_text(l63, n, &len), WIRE_OK);
	assert_int_equal(len, 65);
	assert_int_equal(wire_name_from_text(l64, n, &len), WIRE_ELABELLEN);
	snprintf(text, sizeof(text), "www.%s.test", l64);
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_ELABELLEN);
	/* 64 octets spelled with escapes */
	text[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(text, "\\065");
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_ELABELLEN);
	/* 255 octets pass, 256 do not, trailing dot or not */
	snprintf(text, sizeof(text), "%s.%s.%s.%s", l63, l63, l63, l61);
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_OK);
	assert_int_equal(len, 255);
	strcat(text, ".");
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_OK);
	assert_int_equal(len, 255);
	snprintf(text, sizeof(text), "%s.%s.%s.%s", l63, l63, l63, l62);
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_ENAMELEN);
	/* 128 one-octet labels: 257 octets, each label fine */
	text[0] = '\0';
	for (i = 0; i < 128; i++)
		strcat(text, "a.");
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_ENAMELEN);
	/* far too long must not overrun out either */
	text[0] = '\0';
	for (i = 0; i < 15; i++) {
		strcat(text, l63);
		strcat(text, ".");
	}
	assert_int_equal(wire_name_from_text(text, n, &len), WIRE_ENAMELEN);
}

static void
test_wire_name_text_round_trips_every_octet(void **state)
{
	uint8_t n[WIRE_MAX_NAME], back[WIRE_MAX_NAME];
	char text[WIRE_MAX_NAME * 4 + 1];
	size_t len, blen, i, pos, tlen;
	unsigned v = 0;
	int round;

	(void)state;
	/* four names that between them hold every octet value in a label */
	for (round = 0; round < 5; round++) {
		pos = 0;
		for (i = 0; i < 4 && v < 256; i++) {
			size_t l = 0;

			n[pos++] = 0;
			while (l < 60 && v < 256) {
				n[pos + l] = (uint8_t)v++;
				l++;
			}
			n[pos - 1] = (uint8_t)l;
			pos += l;
		}
		n[pos++] = 0;
		len = pos;
		tlen = wire_name_to_text(n, len, text, sizeof(text));
		assert_true(tlen < sizeof(text));
		assert_int_equal(strlen(text), tlen);
		assert_int_equal(wire_name_from_text(text, back, &blen),
		    WIRE_OK);
		wire_name_lower(n, len);
		assert_int_equal(blen, len);
		assert_memory_equal(back, n, len);
	}
	/* and a plain name */
	len = wname(n, "Mail.Example.Test");
	wire_name_to_text(n, len, text, sizeof(text));
	assert_string_equal(text, "mail.example.test.");
	assert_int_equal(wire_name_from_text(text, back, &blen), WIRE_OK);
	wire_name_lower(n, len);
	assert_int_equal(blen, len);
	assert_memory_equal(back, n, len);
}

/* --- question ------------------------------------------------------- */

static void
test_wire_question_parses_single_question(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;
	uint8_t want[WIRE_MAX_NAME];
	size_t wlen;
	uint8_t *c;

	(void)state;
	put_header(&p, 0x4242, WIRE_RD | WIRE_CD, 1, 0, 0, 0);
	put_question(&p, "WwW.example.TEST", WIRE_T_AAAA, WIRE_C_IN);
	wlen = wname(want, "WwW.example.TEST");
	c = exact_copy(p.b, p.len);
	assert_int_equal(wire_parse_question(c, p.len, &h, &q), WIRE_OK);
	assert_int_equal(h.id, 0x4242);
	assert_int_equal(h.flags, WIRE_RD | WIRE_CD);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(q.name_len, wlen);
	assert_memory_equal(q.name, want, wlen);
	assert_int_equal(q.name_off, WIRE_HDR_LEN);
	assert_int_equal(q.qtype, WIRE_T_AAAA);
	assert_int_equal(q.qclass, WIRE_C_IN);
	assert_int_equal(q.end, p.len);
	free(c);
}

static void
test_wire_question_ignores_what_follows(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;
	size_t qend;

	(void)state;
	/* ANCOUNT says 3 and only garbage follows: not looked at */
	put_header(&p, 1, 0, 1, 3, 0, 0);
	put_question(&p, "", WIRE_T_ANY, 3);
	qend = p.len;
	put_raw(&p, "\xff\xff\xff", 3);
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q), WIRE_OK);
	assert_int_equal(q.name_len, 1);
	assert_int_equal(q.qtype, WIRE_T_ANY);
	assert_int_equal(q.qclass, 3);
	assert_int_equal(q.end, qend);
}

static void
test_wire_question_rejects_qdcount_other_than_one(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;

	(void)state;
	put_header(&p, 1, 0, 0, 0, 0, 0);
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q),
	    WIRE_EQDCOUNT);
	put_question(&p, "test", WIRE_T_A, WIRE_C_IN);
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q),
	    WIRE_EQDCOUNT);
	put_header(&p, 1, 0, 2, 0, 0, 0);
	put_question(&p, "test", WIRE_T_A, WIRE_C_IN);
	put_question(&p, "test", WIRE_T_AAAA, WIRE_C_IN);
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q),
	    WIRE_EQDCOUNT);
	set_count(&p, 0, 0xffff);
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q),
	    WIRE_EQDCOUNT);
}

static void
test_wire_question_rejects_truncated_type_and_class(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;
	size_t n, name_end;
	uint8_t *c;

	(void)state;
	put_header(&p, 1, 0, 1, 0, 0, 0);
	put_name(&p, "example.test");
	name_end = p.len;
	put_u16(&p, WIRE_T_A);
	put_u16(&p, WIRE_C_IN);
	for (n = name_end; n < p.len; n++) {
		c = exact_copy(p.b, n);
		assert_int_equal(wire_parse_question(c, n, &h, &q),
		    WIRE_EQTRUNC);
		free(c);
	}
}

static void
test_wire_question_rejects_short_header_and_bad_name(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;
	size_t n;
	uint8_t *c;

	(void)state;
	put_header(&p, 1, 0, 1, 0, 0, 0);
	put_question(&p, "example.test", WIRE_T_A, WIRE_C_IN);
	for (n = 0; n < WIRE_HDR_LEN; n++) {
		c = exact_copy(p.b, n);
		assert_int_equal(wire_parse_question(c, n, &h, &q),
		    WIRE_ESHORT);
		free(c);
	}
	/* every prefix of the question name */
	for (n = WIRE_HDR_LEN; n < WIRE_HDR_LEN + 14; n++) {
		c = exact_copy(p.b, n);
		assert_int_equal(wire_parse_question(c, n, &h, &q),
		    WIRE_ENAMETRUNC);
		free(c);
	}
	/* a compressed question name can only point into the header or
	 * forward; forward is refused */
	put_header(&p, 1, 0, 1, 0, 0, 0);
	put_ptr(&p, WIRE_HDR_LEN + 6);
	put_u16(&p, WIRE_T_A);
	put_u16(&p, WIRE_C_IN);
	put_name(&p, "test");
	assert_int_equal(wire_parse_question(p.b, p.len, &h, &q), WIRE_EPTRFWD);
}

/* --- records -------------------------------------------------------- */

static void
test_wire_iter_walks_every_section_with_ttl_offsets(void **state)
{
	struct resp r;
	struct wire_iter it;
	struct wire_rr rr;
	unsigned i;
	uint8_t *c;

	(void)state;
	build_response(&r);
	c = exact_copy(r.p.b, r.p.len);
	assert_int_equal(wire_iter_init(&it, c, r.p.len), WIRE_OK);
	for (i = 0; i < RESP_NRR; i++) {
		assert_int_equal(wire_iter_next(&it, &rr), WIRE_OK);
		assert_rr_matches(&r.p, &rr, &r.ex[i]);
		assert_int_equal(rr.rclass, i == 4 ? 1232 : WIRE_C_IN);
	}
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_END);
	free(c);
}

static void
test_wire_parse_msg_stores_records_and_edns(void **state)
{
	struct resp r;
	struct wire_msg m;
	struct wire_rr rrs[RESP_NRR + 1];
	unsigned i;
	uint8_t *c;

	(void)state;
	build_response(&r);
	c = exact_copy(r.p.b, r.p.len);
	memset(rrs, 0xa5, sizeof(rrs));
	assert_int_equal(wire_parse_msg(c, r.p.len, &m, rrs, RESP_NRR + 1),
	    WIRE_OK);
	assert_int_equal(m.hdr.id, 0x1234);
	assert_int_equal(m.hdr.ancount, 2);
	assert_int_equal(m.question_end, r.question_end);
	assert_int_equal(m.nrr, RESP_NRR);
	for (i = 0; i < RESP_NRR; i++)
		assert_rr_matches(&r.p, &rrs[i], &r.ex[i]);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_int_equal(m.edns.flags, WIRE_EDNS_DO);
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.edns.ext_rcode, 0);
	assert_int_equal(m.edns.off, r.ex[4].off);
	assert_int_equal(m.edns.end, r.p.len);
	/* rrs may be NULL */
	assert_int_equal(wire_parse_msg(c, r.p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.nrr, RESP_NRR);
	free(c);
}

static void
test_wire_parse_msg_stores_at_most_maxrrs(void **state)
{
	struct resp r;
	struct wire_msg m;
	struct wire_rr rrs[3], fence;

	(void)state;
	build_response(&r);
	memset(rrs, 0xa5, sizeof(rrs));
	memset(&fence, 0xa5, sizeof(fence));
	assert_int_equal(wire_parse_msg(r.p.b, r.p.len, &m, rrs, 2), WIRE_OK);
	assert_int_equal(m.nrr, RESP_NRR);
	assert_rr_matches(&r.p, &rrs[0], &r.ex[0]);
	assert_rr_matches(&r.p, &rrs[1], &r.ex[1]);
	assert_memory_equal(&rrs[2], &fence, sizeof(fence));
	assert_true(m.edns.present); /* still seen past maxrrs */
}

static void
test_wire_iter_reports_end_for_empty_message(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_rr rr;
	struct wire_msg m;

	(void)state;
	put_header(&p, 7, WIRE_QR, 0, 0, 0, 0);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_END);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.nrr, 0);
	assert_int_equal(m.question_end, WIRE_HDR_LEN);
	assert_false(m.edns.present);
}

static void
test_wire_iter_skips_empty_sections(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_rr rr;
	size_t q, ttl_off;

	(void)state;
	/* no question, no answer, no authority: one additional record */
	put_header(&p, 7, WIRE_QR, 0, 0, 0, 1);
	q = put_name(&p, "glue.test");
	ttl_off = put_rr_fixed(&p, WIRE_T_A, WIRE_C_IN, 5, 4);
	put_u32(&p, 0x7f000001u);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_OK);
	assert_int_equal(rr.section, WIRE_SEC_ADDITIONAL);
	assert_int_equal(rr.off, q);
	assert_int_equal(rr.ttl_off, ttl_off);
	assert_int_equal(rr.ttl, 5);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_END);
	/* one authority record only */
	set_count(&p, 3, 0);
	set_count(&p, 2, 1);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_OK);
	assert_int_equal(rr.section, WIRE_SEC_AUTHORITY);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_END);
}

static void
test_wire_iter_skips_several_questions(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_rr rr;
	struct wire_msg m;
	size_t q1, owner;

	(void)state;
	put_header(&p, 7, WIRE_QR, 2, 1, 0, 0);
	q1 = put_question(&p, "a.test", WIRE_T_A, WIRE_C_IN);
	put_ptr(&p, q1);
	put_u16(&p, WIRE_T_AAAA);
	put_u16(&p, WIRE_C_IN);
	owner = p.len;
	put_rr_a(&p, q1, 9, 1);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_OK);
	assert_int_equal(rr.off, owner);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_END);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.question_end, owner);
}

static void
test_wire_iter_rejects_trailing_bytes(void **state)
{
	struct resp r;
	struct wire_iter it;
	struct wire_rr rr;
	struct wire_msg m;
	unsigned i;

	(void)state;
	build_response(&r);
	put_u8(&r.p, 0);
	assert_int_equal(wire_iter_init(&it, r.p.b, r.p.len), WIRE_OK);
	for (i = 0; i < RESP_NRR; i++)
		assert_int_equal(wire_iter_next(&it, &rr), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_ETRAILING);
	assert_int_equal(wire_parse_msg(r.p.b, r.p.len, &m, NULL, 0),
	    WIRE_ETRAILING);
	/* a bare header with a trailing octet */
	put_header(&r.p, 0, 0, 0, 0, 0, 0);
	put_u8(&r.p, 0);
	assert_int_equal(wire_parse_msg(r.p.b, r.p.len, &m, NULL, 0),
	    WIRE_ETRAILING);
}

static void
test_wire_iter_rejects_counts_above_records_present(void **state)
{
	struct resp r;
	struct wire_msg m;
	int which, err;
	uint16_t was;

	(void)state;
	for (which = 0; which < 4; which++) {
		build_response(&r);
		was = wire_get16(r.p.b + 4 + 2 * which);
		set_count(&r.p, which, (uint16_t)(was + 1));
		err = wire_parse_msg(r.p.b, r.p.len, &m, NULL, 0);
		assert_int_not_equal(err, WIRE_OK);
		assert_int_not_equal(err, WIRE_END);
		set_count(&r.p, which, 0xffff);
		err = wire_parse_msg(r.p.b, r.p.len, &m, NULL, 0);
		assert_int_not_equal(err, WIRE_OK);
		assert_int_not_equal(err, WIRE_END);
	}
}

static void
test_wire_iter_rejects_rdata_past_end(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_rr rr;
	struct wire_msg m;
	size_t q, ttl_off;
	uint8_t *c;

	(void)state;
	put_header(&p, 7, WIRE_QR, 1, 1, 0, 0);
	q = put_question(&p, "test", WIRE_T_A, WIRE_C_IN);
	ttl_off = put_rr_a(&p, q, 60, 0x01020304u);
	wire_put16(p.b + ttl_off + 4, 5); /* rdlength one past the end */
	c = exact_copy(p.b, p.len);
	assert_int_equal(wire_iter_init(&it, c, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_ERDATA);
	assert_int_equal(wire_parse_msg(c, p.len, &m, NULL, 0), WIRE_ERDATA);
	free(c);
	wire_put16(p.b + ttl_off + 4, 0xffff);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_ERDATA);
}

static void
test_wire_iter_rejects_truncated_fixed_part(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t q, owner_end, n;
	uint8_t *c;

	(void)state;
	put_header(&p, 7, WIRE_QR, 1, 1, 0, 0);
	q = put_question(&p, "test", WIRE_T_A, WIRE_C_IN);
	put_ptr(&p, q);
	owner_end = p.len;
	put_rr_fixed(&p, WIRE_T_A, WIRE_C_IN, 60, 0);
	for (n = owner_end; n < p.len; n++) {
		c = exact_copy(p.b, n);
		assert_int_equal(wire_parse_msg(c, n, &m, NULL, 0),
		    WIRE_ERRTRUNC);
		free(c);
	}
	/* the untruncated one (empty rdata) is fine */
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
}

static void
test_wire_iter_rejects_bad_owner_name(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_rr rr;

	(void)state;
	put_header(&p, 7, WIRE_QR, 0, 1, 0, 0);
	put_ptr(&p, p.len + 2); /* forward */
	put_name(&p, "test");
	put_rr_fixed(&p, WIRE_T_A, WIRE_C_IN, 60, 0);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	assert_int_equal(wire_iter_next(&it, &rr), WIRE_EPTRFWD);
}

static void
test_wire_iter_init_rejects_bad_questions(void **state)
{
	struct pkt p;
	struct wire_iter it;
	struct wire_msg m;

	(void)state;
	put_header(&p, 7, 0, 1, 0, 0, 0);
	put_name(&p, "test");
	put_u16(&p, WIRE_T_A);
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_EQTRUNC);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_EQTRUNC);
	set_count(&p, 0, 2);
	put_u16(&p, WIRE_C_IN);
	assert_int_not_equal(wire_iter_init(&it, p.b, p.len), WIRE_OK);
	p.len = 5;
	assert_int_equal(wire_iter_init(&it, p.b, p.len), WIRE_ESHORT);
}

/*
 * Every proper prefix of a good message (compressed names, every section,
 * an OPT) is an error, read from an allocation of exactly that length.
 */
static void
test_wire_parse_msg_rejects_truncation_at_every_offset(void **state)
{
	struct resp r;
	struct wire_msg m;
	struct wire_rr rrs[RESP_NRR];
	struct wire_iter it;
	struct wire_rr rr;
	size_t n;
	int err;
	uint8_t *c;

	(void)state;
	build_response(&r);
	for (n = 0; n < r.p.len; n++) {
		c = exact_copy(r.p.b, n);
		err = wire_parse_msg(c, n, &m, rrs, RESP_NRR);
		if (err == WIRE_OK || err >= WIRE_ERR_COUNT || err < 0)
			fail_msg("prefix of %zu octets: %d", n, err);
		if (wire_iter_init(&it, c, n) == WIRE_OK) {
			while ((err = wire_iter_next(&it, &rr)) == WIRE_OK)
				;
			if (err == WIRE_END)
				fail_msg("iterator ends cleanly at %zu", n);
		}
		free(c);
	}
	c = exact_copy(r.p.b, r.p.len);
	assert_int_equal(wire_parse_msg(c, r.p.len, &m, rrs, RESP_NRR),
	    WIRE_OK);
	free(c);
}

/* --- EDNS ----------------------------------------------------------- */

/* A query with one question and the given additional records after it. */
static size_t
build_query(struct pkt *p, uint16_t arcount)
{
	put_header(p, 0x0101, WIRE_RD, 1, 0, 0, arcount);
	return put_question(p, "example.test", WIRE_T_A, WIRE_C_IN);
}

static void
test_wire_edns_reads_opt_fields(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t off;

	(void)state;
	build_query(&p, 1);
	off = put_opt(&p, 4096, 1, 2, WIRE_EDNS_DO | 0x0001);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 4096);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.edns.version, 2);
	assert_int_equal(m.edns.flags, WIRE_EDNS_DO | 0x0001);
	assert_int_equal(m.edns.off, off);
	assert_int_equal(m.edns.end, off + WIRE_OPT_LEN);
	assert_int_equal(m.nrr, 1);
	/* DO clear */
	build_query(&p, 1);
	put_opt(&p, 512, 0, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.flags & WIRE_EDNS_DO, 0);
	assert_int_equal(m.edns.udp_size, 512);
}

static void
test_wire_edns_reads_opt_with_options(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t off;

	(void)state;
	build_query(&p, 1);
	off = p.len;
	put_u8(&p, 0);
	put_rr_fixed(&p, WIRE_T_OPT, 1232, 0, 8);
	put_u16(&p, 10); /* COOKIE */
	put_u16(&p, 4);
	put_u32(&p, 0xdeadbeefu);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.off, off);
	assert_int_equal(m.edns.end, p.len);
}

/* The hot path's single parse: the same verdict and EDNS fields as a
 * whole parse, for a query with an OPT cut at every length and with a
 * trailing octet; an offset outside the message is the caller's error. */
static void
test_wire_parse_records_agrees_with_parse_msg(void **state)
{
	struct pkt p;
	struct wire_header h;
	struct wire_question q;
	struct wire_msg whole, rest;
	size_t n;
	uint8_t *c;

	(void)state;
	build_query(&p, 1);
	put_opt(&p, 1232, 0, 0, WIRE_EDNS_DO);
	put_u8(&p, 0xff); /* trailing: only the full length sees it */
	for (n = 0; n <= p.len; n++) {
		c = exact_copy(p.b, n);
		if (wire_parse_question(c, n, &h, &q) == WIRE_OK) {
			int rw = wire_parse_msg(c, n, &whole, NULL, 0);
			int rr = wire_parse_records(c, n, &h, q.end, &rest);

			if (rw != rr)
				fail_msg("length %zu: %d against %d", n, rr,
				    rw);
			if (rw == WIRE_OK) {
				assert_int_equal(rest.nrr, whole.nrr);
				assert_int_equal(rest.edns.present,
				    whole.edns.present);
				assert_int_equal(rest.edns.flags,
				    whole.edns.flags);
				assert_int_equal(rest.edns.udp_size,
				    whole.edns.udp_size);
				assert_int_equal(rest.edns.off, whole.edns.off);
				assert_int_equal(rest.question_end, q.end);
			}
		}
		free(c);
	}
	/* without the trailing octet: accepted, with the OPT */
	c = exact_copy(p.b, p.len - 1);
	assert_int_equal(wire_parse_question(c, p.len - 1, &h, &q), WIRE_OK);
	assert_int_equal(wire_parse_records(c, p.len - 1, &h, q.end, &rest),
	    WIRE_OK);
	assert_true(rest.edns.present);
	assert_int_equal(rest.edns.flags, WIRE_EDNS_DO);
	assert_int_equal(rest.edns.udp_size, 1232);
	assert_int_equal(rest.nrr, 1);
	assert_int_equal(wire_parse_records(c, p.len - 1, &h, p.len, &rest),
	    WIRE_EINVAL);
	assert_int_equal(wire_parse_records(c, p.len - 1, &h, 11, &rest),
	    WIRE_EINVAL);
	free(c);
	/* with it: trailing data, as the whole parse says */
	c = exact_copy(p.b, p.len);
	assert_int_equal(wire_parse_records(c, p.len, &h, q.end, &rest),
	    WIRE_ETRAILING);
	free(c);
}

/* An OPT whose rdata holds the options opts (n octets). */
static void
build_query_opt_data(struct pkt *p, const void *opts, uint16_t n)
{
	build_query(p, 1);
	put_u8(p, 0);
	put_rr_fixed(p, WIRE_T_OPT, 1232, 0, n);
	put_raw(p, opts, n);
}

static void
test_wire_edns_accepts_well_formed_options(void **state)
{
	/* an empty option, then a 2-octet one, then one filling the rest */
	static const uint8_t opts[] = { 0x00, 0x0c, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x02, 0xab, 0xcd, 0xff, 0xff, 0x00, 0x01, 0x7e };
	struct pkt p;
	struct wire_msg m;

	(void)state;
	build_query_opt_data(&p, opts, sizeof(opts));
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.end, p.len);
}

static void
test_wire_edns_rejects_options_overrunning_rdata(void **state)
{
	static const uint8_t too_long[] = { 0x00, 0x0a, 0x00, 0x09, 1, 2, 3, 4,
		5, 6, 7, 8 };
	static const uint8_t second_too_long[] = { 0x00, 0x0c, 0x00, 0x00, 0x00,
		0x0a, 0x00, 0x01 };
	static const uint8_t partial_header[] = { 0x00, 0x0a, 0x00, 0x00, 0x00,
		0x0a, 0x00 };
	struct pkt p;
	struct wire_msg m;
	uint16_t n;

	(void)state;
	build_query_opt_data(&p, too_long, sizeof(too_long));
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTDATA);
	build_query_opt_data(&p, second_too_long, sizeof(second_too_long));
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTDATA);
	build_query_opt_data(&p, partial_header, sizeof(partial_header));
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTDATA);
	/* 1 to 3 octets: not even an option header */
	for (n = 1; n < 4; n++) {
		build_query_opt_data(&p, "\x00\x0a\x00", n);
		assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
		    WIRE_EOPTDATA);
	}
}

static void
test_wire_edns_absent_without_opt(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t q;

	(void)state;
	q = build_query(&p, 1);
	put_rr_a(&p, q, 1, 2);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_false(m.edns.present);
}

static void
test_wire_edns_rejects_two_opts(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t q;

	(void)state;
	build_query(&p, 2);
	put_opt(&p, 1232, 0, 0, 0);
	put_opt(&p, 1232, 0, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_EOPTDUP);
	/* with another record between them */
	q = build_query(&p, 3);
	put_opt(&p, 1232, 0, 0, 0);
	put_rr_a(&p, q, 1, 2);
	put_opt(&p, 4096, 0, 0, WIRE_EDNS_DO);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_EOPTDUP);
}

static void
test_wire_edns_rejects_opt_outside_additional(void **state)
{
	struct pkt p;
	struct wire_msg m;

	(void)state;
	build_query(&p, 0);
	set_count(&p, 1, 1);
	put_opt(&p, 1232, 0, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTPLACE);
	build_query(&p, 0);
	set_count(&p, 2, 1);
	put_opt(&p, 1232, 0, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTPLACE);
}

static void
test_wire_edns_rejects_opt_with_nonroot_owner(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t q;

	(void)state;
	build_query(&p, 1);
	put_name(&p, "test");
	put_rr_fixed(&p, WIRE_T_OPT, 1232, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTOWNER);
	/* a pointer to a non-root name */
	q = build_query(&p, 1);
	put_ptr(&p, q);
	put_rr_fixed(&p, WIRE_T_OPT, 1232, 0, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0),
	    WIRE_EOPTOWNER);
}

static void
test_wire_append_opt_round_trips(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t len, q;

	(void)state;
	q = build_query(&p, 1);
	put_rr_a(&p, q, 1, 2);
	len = p.len;
	assert_int_equal(
	    wire_append_opt(p.b, sizeof(p.b), &len, 4096, 1, WIRE_EDNS_DO),
	    WIRE_OK);
	assert_int_equal(len, p.len + WIRE_OPT_LEN);
	assert_int_equal(wire_get16(p.b + 10), 2);
	assert_int_equal(wire_parse_msg(p.b, len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.nrr, 2);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 4096);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.edns.flags, WIRE_EDNS_DO);
	assert_int_equal(m.edns.off, p.len);
	assert_int_equal(m.edns.end, len);
}

static void
test_wire_append_opt_without_space_leaves_buffer_unchanged(void **state)
{
	struct pkt p;
	struct wire_msg m;
	uint8_t before[PKT_CAP];
	size_t len, cap;

	(void)state;
	build_query(&p, 0);
	memset(p.b + p.len, 0x5a, sizeof(p.b) - p.len);
	memcpy(before, p.b, sizeof(before));
	for (cap = p.len; cap < p.len + WIRE_OPT_LEN; cap++) {
		len = p.len;
		assert_int_equal(wire_append_opt(p.b, cap, &len, 1232, 0, 0),
		    WIRE_ENOSPACE);
		assert_int_equal(len, p.len);
		assert_memory_equal(p.b, before, sizeof(before));
	}
	/* exactly enough */
	len = p.len;
	assert_int_equal(wire_append_opt(p.b, cap, &len, 1232, 0, 0), WIRE_OK);
	assert_int_equal(len, cap);
	assert_int_equal(p.b[cap], 0x5a);
	assert_int_equal(wire_parse_msg(p.b, len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
}

static void
test_wire_append_opt_data_round_trips_options(void **state)
{
	uint8_t opts[64];
	size_t olen = 0, len, q, cap;
	struct wire_opt_iter it;
	struct wire_opt o;
	struct wire_msg m;
	struct pkt p;

	(void)state;
	assert_int_equal(wire_opt_put_ede(opts, sizeof(opts), &olen,
			     WIRE_EDE_STALE_ANSWER, NULL, 0),
	    WIRE_OK);
	assert_int_equal(wire_opt_put(opts, sizeof(opts), &olen, 65001,
			     (const uint8_t *)"xyz", 3),
	    WIRE_OK);
	assert_int_equal(olen, 6 + 7);
	q = build_query(&p, 1);
	put_rr_a(&p, q, 1, 2);
	len = p.len;
	assert_int_equal(wire_append_opt_data(p.b, sizeof(p.b), &len, 1232, 0,
			     0, opts, olen),
	    WIRE_OK);
	assert_int_equal(len, p.len + WIRE_OPT_LEN + olen);
	assert_int_equal(wire_parse_msg(p.b, len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.edns.opts_off, p.len + WIRE_OPT_LEN);
	assert_int_equal(m.edns.opts_len, olen);
	it = (struct wire_opt_iter){ p.b + m.edns.opts_off, m.edns.opts_len };
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, WIRE_OPT_EDE);
	assert_int_equal(o.len, 2);
	assert_int_equal(wire_get16(o.data), WIRE_EDE_STALE_ANSWER);
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, 65001);
	assert_int_equal(o.len, 3);
	assert_memory_equal(o.data, "xyz", 3);
	assert_false(wire_opt_next(&it, &o));
	assert_int_equal(it.left, 0);
	/* one octet short of the options: nothing written */
	cap = p.len + WIRE_OPT_LEN + olen - 1;
	len = p.len;
	assert_int_equal(
	    wire_append_opt_data(p.b, cap, &len, 1232, 0, 0, opts, olen),
	    WIRE_ENOSPACE);
	assert_int_equal(len, p.len);
}

static void
test_wire_opt_put_without_space_leaves_buffer_unchanged(void **state)
{
	uint8_t buf[8];
	size_t len;

	(void)state;
	for (size_t cap = 0; cap < 7; cap++) {
		len = 0;
		memset(buf, 0x5a, sizeof(buf));
		assert_int_equal(
		    wire_opt_put(buf, cap, &len, 10, (const uint8_t *)"abc", 3),
		    WIRE_ENOSPACE);
		assert_int_equal(len, 0);
		assert_int_equal(buf[0], 0x5a);
	}
	len = 0;
	assert_int_equal(
	    wire_opt_put(buf, 7, &len, 10, (const uint8_t *)"abc", 3), WIRE_OK);
	assert_int_equal(len, 7);
	assert_int_equal(buf[7], 0x5a);
	assert_int_equal(wire_opt_put(buf, sizeof(buf), &len, 10, NULL, 65536),
	    WIRE_EOPTLEN);
}

static void
test_wire_opt_put_ede_cuts_text_at_a_character(void **state)
{
	/* 63 ASCII octets, then a 3-octet character across the limit */
	uint8_t text[70], buf[128];
	size_t len = 0;

	(void)state;
	memset(text, 'a', sizeof(text));
	text[63] = 0xe2;
	text[64] = 0x82;
	text[65] = 0xac; /* U+20AC */
	assert_int_equal(wire_opt_put_ede(buf, sizeof(buf), &len,
			     WIRE_EDE_FILTERED, text, sizeof(text)),
	    WIRE_OK);
	assert_int_equal(len, 4 + 2 + 63);
	assert_int_equal(wire_get16(buf + 2), 2 + 63);
	assert_int_equal(wire_get16(buf + 4), WIRE_EDE_FILTERED);
	/* ASCII through the limit: cut at WIRE_EDE_TEXT_MAX exactly */
	memset(text, 'b', sizeof(text));
	len = 0;
	assert_int_equal(wire_opt_put_ede(buf, sizeof(buf), &len,
			     WIRE_EDE_FILTERED, text, sizeof(text)),
	    WIRE_OK);
	assert_int_equal(wire_get16(buf + 2), 2 + WIRE_EDE_TEXT_MAX);
	/* a short text is kept whole */
	len = 0;
	assert_int_equal(wire_opt_put_ede(buf, sizeof(buf), &len,
			     WIRE_EDE_BLOCKED, (const uint8_t *)"ads", 3),
	    WIRE_OK);
	assert_int_equal(len, 4 + 2 + 3);
	assert_memory_equal(buf + 6, "ads", 3);
}

static void
test_wire_ede_copy_keeps_only_extended_errors(void **state)
{
	/* a cookie, EDE 17 "x", a 1-octet EDE (malformed), EDE 15 with
	 * 80 octets of text */
	uint8_t opts[4 + 8 + 4 + 3 + 4 + 1 + 4 + 82];
	uint8_t out[256];
	size_t n = 0, len;
	struct wire_opt_iter it;
	struct wire_opt o;
	struct wire_msg m;
	struct pkt p;
	uint8_t t[82];

	(void)state;
	assert_int_equal(wire_opt_put(opts, sizeof(opts), &n, WIRE_OPT_COOKIE,
			     (const uint8_t *)"12345678", 8),
	    WIRE_OK);
	assert_int_equal(wire_opt_put(opts, sizeof(opts), &n, WIRE_OPT_EDE,
			     (const uint8_t *)"\x00\x11x", 3),
	    WIRE_OK);
	assert_int_equal(wire_opt_put(opts, sizeof(opts), &n, WIRE_OPT_EDE,
			     (const uint8_t *)"\x00", 1),
	    WIRE_OK);
	memset(t, 'z', sizeof(t));
	t[0] = 0;
	t[1] = 15;
	assert_int_equal(
	    wire_opt_put(opts, sizeof(opts), &n, WIRE_OPT_EDE, t, sizeof(t)),
	    WIRE_OK);
	assert_int_equal(n, sizeof(opts));
	build_query_opt_data(&p, opts, (uint16_t)n);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	len = wire_ede_copy(p.b, &m.edns, out, sizeof(out));
	assert_int_equal(len, 4 + 3 + 4 + 2 + WIRE_EDE_TEXT_MAX);
	it = (struct wire_opt_iter){ out, len };
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(o.code, WIRE_OPT_EDE);
	assert_int_equal(wire_get16(o.data), WIRE_EDE_FILTERED);
	assert_memory_equal(o.data + 2, "x", 1);
	assert_true(wire_opt_next(&it, &o));
	assert_int_equal(wire_get16(o.data), WIRE_EDE_BLOCKED);
	assert_int_equal(o.len, 2 + WIRE_EDE_TEXT_MAX);
	assert_false(wire_opt_next(&it, &o));
	/* room for the first only */
	assert_int_equal(wire_ede_copy(p.b, &m.edns, out, 10), 7);
	/* no OPT: nothing */
	build_query(&p, 0);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(wire_ede_copy(p.b, &m.edns, out, sizeof(out)), 0);
}

static void
test_wire_remove_opt_when_last(void **state)
{
	struct resp r;
	struct wire_msg m;
	struct wire_rr rrs[RESP_NRR];
	size_t len;
	unsigned i;

	(void)state;
	build_response(&r);
	assert_int_equal(wire_parse_msg(r.p.b, r.p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.edns.ar_before, 1);
	len = r.p.len;
	wire_remove_opt(r.p.b, &len, &m.edns);
	assert_int_equal(len, r.p.len - WIRE_OPT_LEN);
	assert_int_equal(wire_get16(r.p.b + 10), 1);
	assert_int_equal(wire_parse_msg(r.p.b, len, &m, rrs, RESP_NRR),
	    WIRE_OK);
	assert_false(m.edns.present);
	assert_int_equal(m.nrr, RESP_NRR - 1);
	for (i = 0; i < RESP_NRR - 1; i++)
		assert_rr_matches(&r.p, &rrs[i], &r.ex[i]);
}

/*
 * Additional records: glue, the OPT, then two more, the last compressed
 * against the one before it.  Removing the OPT cuts the message there:
 * the glue before it stays, the two after it go (moving them would break
 * their pointers), and what is left is a complete message.
 */
static void
test_wire_remove_opt_cuts_records_after_it(void **state)
{
	struct pkt p;
	struct wire_msg m;
	struct wire_rr rrs[4];
	size_t q, glue, opt, ns1, len;

	(void)state;
	q = build_query(&p, 4);
	set_count(&p, 1, 1);
	put_rr_a(&p, q, 30, 0x0a000001u);
	glue = p.len;
	put_rr_a(&p, q, 777, 0x0a000002u);
	opt = put_opt(&p, 1232, 0, 0, WIRE_EDNS_DO);
	ns1 = put_name(&p, "ns1.example.net");
	put_rr_fixed(&p, WIRE_T_A, WIRE_C_IN, 60, 4);
	put_u32(&p, 0x0a000003u);
	put_ptr(&p, ns1);
	put_rr_fixed(&p, WIRE_T_AAAA, WIRE_C_IN, 60, 16);
	put_raw(&p, "0123456789abcdef", 16);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.off, opt);
	assert_int_equal(m.edns.ar_before, 1);
	len = p.len;
	wire_remove_opt(p.b, &len, &m.edns);
	assert_int_equal(len, opt);
	assert_int_equal(wire_get16(p.b + 6), 1);  /* answer untouched */
	assert_int_equal(wire_get16(p.b + 10), 1); /* only the glue left */
	assert_int_equal(wire_parse_msg(p.b, len, &m, rrs, 4), WIRE_OK);
	assert_false(m.edns.present);
	assert_int_equal(m.nrr, 2);
	assert_int_equal(rrs[0].section, WIRE_SEC_ANSWER);
	assert_int_equal(rrs[0].ttl, 30);
	assert_int_equal(rrs[1].section, WIRE_SEC_ADDITIONAL);
	assert_int_equal(rrs[1].off, glue);
	assert_int_equal(rrs[1].ttl, 777);
	assert_int_equal(wire_get32(p.b + rrs[1].rdata_off), 0x0a000002u);
}

/* An OPT first in the additional section takes the section with it. */
static void
test_wire_remove_opt_first_in_additional_empties_it(void **state)
{
	struct pkt p;
	struct wire_msg m;
	size_t q, opt, len;

	(void)state;
	q = build_query(&p, 2);
	opt = put_opt(&p, 1232, 0, 0, 0);
	put_rr_a(&p, q, 5, 0x0a000001u);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.edns.ar_before, 0);
	len = p.len;
	wire_remove_opt(p.b, &len, &m.edns);
	assert_int_equal(len, opt);
	assert_int_equal(wire_get16(p.b + 10), 0);
	assert_int_equal(wire_parse_msg(p.b, len, &m, NULL, 0), WIRE_OK);
	assert_int_equal(m.nrr, 0);
	assert_false(m.edns.present);
}

static void
test_wire_remove_opt_is_noop_without_opt(void **state)
{
	struct pkt p;
	struct wire_msg m;
	uint8_t before[PKT_CAP];
	size_t len, q;

	(void)state;
	q = build_query(&p, 1);
	put_rr_a(&p, q, 1, 2);
	assert_int_equal(wire_parse_msg(p.b, p.len, &m, NULL, 0), WIRE_OK);
	assert_false(m.edns.present);
	memcpy(before, p.b, sizeof(before));
	len = p.len;
	wire_remove_opt(p.b, &len, &m.edns);
	assert_int_equal(len, p.len);
	assert_memory_equal(p.b, before, sizeof(before));
}

/* --- building responses --------------------------------------------- */

/* A query with every header bit set that must not be echoed. */
static void
parse_busy_query(struct pkt *p, struct wire_header *h, struct wire_question *q)
{
	put_header(p, 0xcafe,
	    (uint16_t)(2u << 11 | WIRE_AA | WIRE_TC | WIRE_RD | WIRE_RA |
		0x0040u | WIRE_AD | WIRE_CD | 0x000fu),
	    1, 0, 0, 0);
	put_question(p, "WwW.Example.TEST", WIRE_T_MX, WIRE_C_IN);
	assert_int_equal(wire_parse_question(p->b, p->len, h, q), WIRE_OK);
}

static void
test_wire_build_response_echoes_id_opcode_rd_and_question(void **state)
{
	static const unsigned rcodes[] = { WIRE_FORMERR, WIRE_SERVFAIL,
		WIRE_NOTIMP, WIRE_REFUSED, WIRE_NOERROR, WIRE_NXDOMAIN };
	struct pkt p;
	struct wire_header qh, h;
	struct wire_question q, rq;
	struct wire_msg m;
	uint8_t out[512];
	size_t outlen, i;

	(void)state;
	parse_busy_query(&p, &qh, &q);
	for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++) {
		assert_int_equal(wire_build_response(out, sizeof(out), &outlen,
				     &qh, &q, rcodes[i], 0),
		    WIRE_OK);
		assert_int_equal(outlen, p.len);
		assert_int_equal(wire_parse_question(out, outlen, &h, &rq),
		    WIRE_OK);
		assert_int_equal(h.id, 0xcafe);
		assert_int_equal(h.flags,
		    WIRE_QR | 2u << 11 | WIRE_RD | rcodes[i]);
		assert_int_equal(h.qdcount, 1);
		assert_int_equal(h.ancount, 0);
		assert_int_equal(h.nscount, 0);
		assert_int_equal(h.arcount, 0);
		assert_int_equal(rq.name_len, q.name_len);
		assert_memory_equal(rq.name, q.name, q.name_len);
		assert_int_equal(rq.qtype, WIRE_T_MX);
		assert_int_equal(rq.qclass, WIRE_C_IN);
		assert_int_equal(wire_parse_msg(out, outlen, &m, NULL, 0),
		    WIRE_OK);
		assert_int_equal(m.nrr, 0);
		assert_int_equal(m.question_end, outlen);
	}
	/* CD is defined for a QUERY only: echoed there */
	qh.flags &= (uint16_t)~0x7800u;
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh, &q,
			     WIRE_SERVFAIL, 0),
	    WIRE_OK);
	assert_int_equal(wire_get16(out + 2),
	    WIRE_QR | WIRE_RD | WIRE_CD | WIRE_SERVFAIL);
	/* RD and CD clear in the query stay clear */
	qh.flags = 0;
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh, &q,
			     WIRE_SERVFAIL, 0),
	    WIRE_OK);
	assert_int_equal(wire_get16(out + 2), WIRE_QR | WIRE_SERVFAIL);
}

static void
test_wire_build_response_adds_extra_flags(void **state)
{
	struct pkt p;
	struct wire_header qh;
	struct wire_question q;
	struct wire_msg m;
	uint8_t out[512];
	size_t outlen;

	(void)state;
	parse_busy_query(&p, &qh, &q);
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh, &q,
			     WIRE_NOERROR, WIRE_TC),
	    WIRE_OK);
	assert_int_equal(wire_get16(out + 2),
	    WIRE_QR | 2u << 11 | WIRE_TC | WIRE_RD);
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh, &q,
			     WIRE_REFUSED, WIRE_AA | WIRE_RA),
	    WIRE_OK);
	assert_int_equal(wire_get16(out + 2),
	    WIRE_QR | 2u << 11 | WIRE_AA | WIRE_RD | WIRE_RA | WIRE_REFUSED);
	assert_int_equal(wire_parse_msg(out, outlen, &m, NULL, 0), WIRE_OK);
}

static void
test_wire_build_response_keeps_low_four_rcode_bits(void **state)
{
	struct pkt p;
	struct wire_header qh;
	struct wire_question q;
	uint8_t out[512];
	size_t outlen;

	(void)state;
	parse_busy_query(&p, &qh, &q);
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh, &q,
			     WIRE_BADVERS, 0),
	    WIRE_OK);
	assert_int_equal(WIRE_RCODE(wire_get16(out + 2)), 0);
	assert_int_equal(wire_get16(out + 2) & ~0x000fu,
	    WIRE_QR | 2u << 11 | WIRE_RD);
}

static void
test_wire_build_response_without_question_has_qdcount_0(void **state)
{
	struct pkt p;
	struct wire_header qh, h;
	struct wire_question q;
	struct wire_msg m;
	uint8_t out[512];
	size_t outlen;

	(void)state;
	parse_busy_query(&p, &qh, &q);
	assert_int_equal(wire_build_response(out, sizeof(out), &outlen, &qh,
			     NULL, WIRE_FORMERR, 0),
	    WIRE_OK);
	assert_int_equal(outlen, WIRE_HDR_LEN);
	assert_int_equal(wire_parse_header(out, outlen, &h), WIRE_OK);
	assert_int_equal(h.id, 0xcafe);
	assert_int_equal(h.flags, WIRE_QR | 2u << 11 | WIRE_RD | WIRE_FORMERR);
	assert_int_equal(h.qdcount, 0);
	assert_int_equal(h.ancount, 0);
	assert_int_equal(h.nscount, 0);
	assert_int_equal(h.arcount, 0);
	assert_int_equal(wire_parse_msg(out, outlen, &m, NULL, 0), WIRE_OK);
}

static void
test_wire_build_response_needs_room(void **state)
{
	struct pkt p;
	struct wire_header qh;
	struct wire_question q;
	uint8_t out[512];
	size_t outlen, cap;

	(void)state;
	parse_busy_query(&p, &qh, &q);
	for (cap = 0; cap < p.len; cap++) {
		memset(out, 0x5a, sizeof(out));
		assert_int_equal(wire_build_response(out, cap, &outlen, &qh, &q,
				     WIRE_SERVFAIL, 0),
		    WIRE_ENOSPACE);
		assert_int_equal(out[cap], 0x5a); /* nothing past cap */
	}
	assert_int_equal(
	    wire_build_response(out, cap, &outlen, &qh, &q, WIRE_SERVFAIL, 0),
	    WIRE_OK);
	assert_int_equal(outlen, cap);
	for (cap = 0; cap < WIRE_HDR_LEN; cap++)
		assert_int_equal(wire_build_response(out, cap, &outlen, &qh,
				     NULL, WIRE_FORMERR, 0),
		    WIRE_ENOSPACE);
	assert_int_equal(wire_build_response(out, WIRE_HDR_LEN, &outlen, &qh,
			     NULL, WIRE_FORMERR, 0),
	    WIRE_OK);
}

/* --- patching stored answers ---------------------------------------- */

/*
 * The stored answer for www.example.test. A: a CNAME whose owner points
 * at offset 12 and an A record whose owner points into the CNAME's rdata.
 */
struct stored {
	struct pkt p;
	uint16_t ttl_offs[2];
	size_t cname_off, a_off;
};

static void
build_stored(struct stored *s)
{
	struct pkt *p = &s->p;
	size_t q, web;

	put_header(p, 0x1111, WIRE_QR | WIRE_RD | WIRE_RA, 1, 2, 0, 0);
	q = put_question(p, "www.example.test", WIRE_T_A, WIRE_C_IN);
	s->cname_off = put_ptr(p, q);
	s->ttl_offs[0] =
	    (uint16_t)put_rr_fixed(p, WIRE_T_CNAME, WIRE_C_IN, 300, 6);
	web = put_name_ptr(p, "web", q + 4);
	s->a_off = p->len;
	s->ttl_offs[1] = (uint16_t)put_rr_a(p, web, 60, 0xc0000201u);
}

static void
test_wire_patch_answer_rewrites_id_spelling_and_ttls(void **state)
{
	struct stored s;
	struct wire_msg m;
	struct wire_rr rrs[2];
	struct wire_header h;
	struct wire_question q;
	uint8_t spell[WIRE_MAX_NAME], name[WIRE_MAX_NAME], out[512];
	uint8_t before[PKT_CAP];
	size_t slen, nlen;

	(void)state;
	build_stored(&s);
	memcpy(before, s.p.b, sizeof(before));
	slen = wname(spell, "WwW.ExAmPlE.tEsT");
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, 10, 0xbeef, spell, slen),
	    WIRE_OK);
	assert_memory_equal(s.p.b, before, sizeof(before)); /* untouched */
	assert_int_equal(wire_parse_msg(out, s.p.len, &m, rrs, 2), WIRE_OK);
	assert_int_equal(m.hdr.id, 0xbeef);
	assert_int_equal(m.hdr.flags, WIRE_QR | WIRE_RD | WIRE_RA);
	assert_int_equal(m.nrr, 2);
	assert_int_equal(wire_get32(out + s.ttl_offs[0]), 290);
	assert_int_equal(wire_get32(out + s.ttl_offs[1]), 50);
	assert_int_equal(rrs[0].ttl, 290);
	assert_int_equal(rrs[1].ttl, 50);
	/* the question and the owner pointing at it read back as spelled */
	assert_int_equal(wire_parse_question(out, s.p.len, &h, &q), WIRE_OK);
	assert_int_equal(q.name_len, slen);
	assert_memory_equal(q.name, spell, slen);
	assert_int_equal(
	    wire_read_name(out, s.p.len, s.cname_off, name, &nlen, NULL),
	    WIRE_OK);
	assert_int_equal(nlen, slen);
	assert_memory_equal(name, spell, slen);
	/* the A owner: "web" from the stored rdata + the client's suffix */
	assert_int_equal(
	    wire_read_name(out, s.p.len, s.a_off, name, &nlen, NULL), WIRE_OK);
	assert_int_equal(nlen, 1 + 3 + slen - 4);
	assert_memory_equal(name + 4, spell + 4, slen - 4);
	/* everything but id, question name and TTLs is copied as is */
	assert_memory_equal(out + 2, s.p.b + 2, WIRE_HDR_LEN - 2);
	assert_memory_equal(out + WIRE_HDR_LEN + slen,
	    s.p.b + WIRE_HDR_LEN + slen, s.ttl_offs[0] - WIRE_HDR_LEN - slen);
	assert_memory_equal(out + s.ttl_offs[0] + 4, s.p.b + s.ttl_offs[0] + 4,
	    s.ttl_offs[1] - s.ttl_offs[0] - 4);
	assert_memory_equal(out + s.ttl_offs[1] + 4, s.p.b + s.ttl_offs[1] + 4,
	    s.p.len - s.ttl_offs[1] - 4);
}

static void
test_wire_patch_answer_with_zero_elapsed_keeps_ttls(void **state)
{
	struct stored s;
	uint8_t spell[WIRE_MAX_NAME], out[512];
	size_t slen;

	(void)state;
	build_stored(&s);
	slen = wname(spell, "www.example.test");
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, 0, 0x1111, spell, slen),
	    WIRE_OK);
	assert_memory_equal(out, s.p.b, s.p.len);
	/* exactly the stored length fits */
	assert_int_equal(wire_patch_answer(out, s.p.len, s.p.b, s.p.len,
			     s.ttl_offs, 2, 0, 0x1111, spell, slen),
	    WIRE_OK);
	assert_memory_equal(out, s.p.b, s.p.len);
	/* no TTL offsets at all */
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     NULL, 0, 99, 0x2222, spell, slen),
	    WIRE_OK);
	assert_int_equal(wire_get16(out), 0x2222);
	assert_memory_equal(out + 2, s.p.b + 2, s.p.len - 2);
}

static void
test_wire_patch_answer_saturates_ttl_at_zero(void **state)
{
	struct stored s;
	uint8_t spell[WIRE_MAX_NAME], out[512];
	size_t slen;

	(void)state;
	build_stored(&s);
	slen = wname(spell, "www.example.test");
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, 60, 1, spell, slen),
	    WIRE_OK);
	assert_int_equal(wire_get32(out + s.ttl_offs[0]), 240);
	assert_int_equal(wire_get32(out + s.ttl_offs[1]), 0);
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, 100, 1, spell, slen),
	    WIRE_OK);
	assert_int_equal(wire_get32(out + s.ttl_offs[0]), 200);
	assert_int_equal(wire_get32(out + s.ttl_offs[1]), 0);
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, UINT32_MAX, 1, spell, slen),
	    WIRE_OK);
	assert_int_equal(wire_get32(out + s.ttl_offs[0]), 0);
	assert_int_equal(wire_get32(out + s.ttl_offs[1]), 0);
}

static void
test_wire_patch_answer_rejects_other_spelling(void **state)
{
	static const char *const bad[] = { "www.example.tes", "ww.example.test",
		"www.examplf.test", "www.example.tesu", "www.example.test.x",
		"", "www.exampl@.test" };
	struct stored s;
	uint8_t spell[WIRE_MAX_NAME], out[512];
	size_t slen, i;

	(void)state;
	build_stored(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		slen = wname(spell, bad[i]);
		if (wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			s.ttl_offs, 2, 0, 1, spell, slen) != WIRE_EINVAL)
			fail_msg("spelling \"%s\" not refused", bad[i]);
	}
	/* same octets, different label boundaries */
	memcpy(spell, "\x04wwwe\x06xample\x04test", 18);
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     s.ttl_offs, 2, 0, 1, spell, 18),
	    WIRE_EINVAL);
}

static void
test_wire_patch_answer_rejects_ttl_offset_out_of_range(void **state)
{
	struct stored s;
	uint8_t spell[WIRE_MAX_NAME], out[512];
	uint16_t offs[2];
	size_t slen;

	(void)state;
	build_stored(&s);
	slen = wname(spell, "www.example.test");
	offs[0] = s.ttl_offs[0];
	offs[1] = (uint16_t)(s.p.len - 3);
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     offs, 2, 1, 1, spell, slen),
	    WIRE_EINVAL);
	offs[1] = 0xffff;
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     offs, 2, 1, 1, spell, slen),
	    WIRE_EINVAL);
	offs[1] = (uint16_t)(s.p.len - 4); /* the last 4 octets: fine */
	assert_int_equal(wire_patch_answer(out, sizeof(out), s.p.b, s.p.len,
			     offs, 2, 0, 1, spell, slen),
	    WIRE_OK);
}

static void
test_wire_patch_answer_needs_room(void **state)
{
	struct stored s;
	uint8_t spell[WIRE_MAX_NAME], out[512];
	size_t slen;

	(void)state;
	build_stored(&s);
	slen = wname(spell, "www.example.test");
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(wire_patch_answer(out, s.p.len - 1, s.p.b, s.p.len,
			     s.ttl_offs, 2, 0, 1, spell, slen),
	    WIRE_ENOSPACE);
	assert_int_equal(out[s.p.len - 1], 0x5a);
	assert_int_equal(wire_patch_answer(out, 0, s.p.b, s.p.len, s.ttl_offs,
			     2, 0, 1, spell, slen),
	    WIRE_ENOSPACE);
}

/* --- errors --------------------------------------------------------- */

static void
test_wire_strerror_names_every_code_distinctly(void **state)
{
	static const int out_of_range[] = { WIRE_ERR_COUNT, WIRE_ERR_COUNT + 1,
		1000, -2, INT_MAX, INT_MIN };
	const char *s[WIRE_ERR_COUNT], *o;
	int i, j;

	(void)state;
	for (i = 0; i < WIRE_ERR_COUNT; i++) {
		s[i] = wire_strerror(i);
		assert_non_null(s[i]);
		assert_true(s[i][0] != '\0');
		for (j = 0; j < i; j++)
			if (strcmp(s[i], s[j]) == 0)
				fail_msg("codes %d and %d both read \"%s\"", j,
				    i, s[i]);
	}
	for (i = 0; i < (int)(sizeof(out_of_range) / sizeof(int)); i++) {
		o = wire_strerror(out_of_range[i]);
		assert_non_null(o);
		assert_true(o[0] != '\0');
		for (j = 0; j < WIRE_ERR_COUNT; j++)
			if (strcmp(o, s[j]) == 0)
				fail_msg("code %d reads like code %d: \"%s\"",
				    out_of_range[i], j, o);
	}
	assert_non_null(wire_strerror(WIRE_END));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_header_rejects_fewer_than_12_octets),
		cmocka_unit_test(test_wire_header_parses_exactly_12_octets),
		cmocka_unit_test(
		    test_wire_header_rejects_more_than_65535_octets),
		cmocka_unit_test(test_wire_header_write_round_trips),
		cmocka_unit_test(test_wire_flag_macros_match_rfc_bit_positions),
		cmocka_unit_test(test_wire_name_reads_plain_name),
		cmocka_unit_test(test_wire_name_reads_root_name),
		cmocka_unit_test(
		    test_wire_name_follows_pointer_to_earlier_name),
		cmocka_unit_test(test_wire_name_follows_pointer_to_suffix),
		cmocka_unit_test(test_wire_name_follows_chained_pointers),
		cmocka_unit_test(test_wire_name_accepts_pointer_to_root_label),
		cmocka_unit_test(test_wire_name_rejects_pointer_at_itself),
		cmocka_unit_test(
		    test_wire_name_rejects_pointer_at_itself_after_label),
		cmocka_unit_test(
		    test_wire_name_rejects_target_running_across_the_pointer),
		cmocka_unit_test(test_wire_name_rejects_two_pointer_cycle),
		cmocka_unit_test(
		    test_wire_name_rejects_two_pointer_cycle_through_labels),
		cmocka_unit_test(test_wire_name_rejects_pointer_into_own_run),
		cmocka_unit_test(test_wire_name_rejects_forward_pointer),
		cmocka_unit_test(test_wire_name_rejects_pointer_into_header),
		cmocka_unit_test(
		    test_wire_name_accepts_pointer_chain_at_hop_limit),
		cmocka_unit_test(
		    test_wire_name_rejects_pointer_chain_over_hop_limit),
		cmocka_unit_test(test_wire_name_accepts_63_octet_label),
		cmocka_unit_test(
		    test_wire_name_rejects_64_octet_label_as_label_type),
		cmocka_unit_test(test_wire_name_rejects_reserved_label_types),
		cmocka_unit_test(test_wire_name_accepts_255_octet_name),
		cmocka_unit_test(test_wire_name_rejects_256_octet_name),
		cmocka_unit_test(
		    test_wire_name_rejects_many_short_labels_over_255),
		cmocka_unit_test(
		    test_wire_name_limits_length_reached_via_pointers),
		cmocka_unit_test(test_wire_name_rejects_truncation_mid_label),
		cmocka_unit_test(test_wire_name_rejects_truncated_pointer),
		cmocka_unit_test(
		    test_wire_name_lower_changes_only_ascii_letters),
		cmocka_unit_test(test_wire_name_lower_keeps_length_octets),
		cmocka_unit_test(test_wire_name_equal_ignores_case),
		cmocka_unit_test(test_wire_name_equal_folds_only_ascii_letters),
		cmocka_unit_test(
		    test_wire_name_hash_ignores_case_and_tells_names_apart),
		cmocka_unit_test(
		    test_wire_name_is_subdomain_of_root_equal_and_parent),
		cmocka_unit_test(
		    test_wire_name_is_subdomain_rejects_sibling_sharing_text),
		cmocka_unit_test(
		    test_wire_name_is_subdomain_respects_label_boundaries),
		cmocka_unit_test(test_wire_name_to_text_formats_names_and_root),
		cmocka_unit_test(
		    test_wire_name_to_text_escapes_specials_and_nonprintables),
		cmocka_unit_test(
		    test_wire_name_to_text_truncates_like_snprintf),
		cmocka_unit_test(
		    test_wire_name_from_text_parses_names_keeping_case),
		cmocka_unit_test(test_wire_name_from_text_decodes_escapes),
		cmocka_unit_test(test_wire_name_from_text_rejects_bad_text),
		cmocka_unit_test(
		    test_wire_name_from_text_limits_label_and_name_length),
		cmocka_unit_test(test_wire_name_text_round_trips_every_octet),
		cmocka_unit_test(test_wire_question_parses_single_question),
		cmocka_unit_test(test_wire_question_ignores_what_follows),
		cmocka_unit_test(
		    test_wire_question_rejects_qdcount_other_than_one),
		cmocka_unit_test(
		    test_wire_question_rejects_truncated_type_and_class),
		cmocka_unit_test(
		    test_wire_question_rejects_short_header_and_bad_name),
		cmocka_unit_test(
		    test_wire_iter_walks_every_section_with_ttl_offsets),
		cmocka_unit_test(test_wire_parse_msg_stores_records_and_edns),
		cmocka_unit_test(test_wire_parse_msg_stores_at_most_maxrrs),
		cmocka_unit_test(test_wire_iter_reports_end_for_empty_message),
		cmocka_unit_test(test_wire_iter_skips_empty_sections),
		cmocka_unit_test(test_wire_iter_skips_several_questions),
		cmocka_unit_test(test_wire_iter_rejects_trailing_bytes),
		cmocka_unit_test(
		    test_wire_iter_rejects_counts_above_records_present),
		cmocka_unit_test(test_wire_iter_rejects_rdata_past_end),
		cmocka_unit_test(test_wire_iter_rejects_truncated_fixed_part),
		cmocka_unit_test(test_wire_iter_rejects_bad_owner_name),
		cmocka_unit_test(test_wire_iter_init_rejects_bad_questions),
		cmocka_unit_test(
		    test_wire_parse_msg_rejects_truncation_at_every_offset),
		cmocka_unit_test(test_wire_parse_records_agrees_with_parse_msg),
		cmocka_unit_test(test_wire_edns_reads_opt_fields),
		cmocka_unit_test(test_wire_edns_reads_opt_with_options),
		cmocka_unit_test(test_wire_edns_accepts_well_formed_options),
		cmocka_unit_test(
		    test_wire_edns_rejects_options_overrunning_rdata),
		cmocka_unit_test(test_wire_edns_absent_without_opt),
		cmocka_unit_test(test_wire_edns_rejects_two_opts),
		cmocka_unit_test(test_wire_edns_rejects_opt_outside_additional),
		cmocka_unit_test(test_wire_edns_rejects_opt_with_nonroot_owner),
		cmocka_unit_test(test_wire_append_opt_round_trips),
		cmocka_unit_test(
		    test_wire_append_opt_without_space_leaves_buffer_unchanged),
		cmocka_unit_test(test_wire_append_opt_data_round_trips_options),
		cmocka_unit_test(
		    test_wire_opt_put_without_space_leaves_buffer_unchanged),
		cmocka_unit_test(
		    test_wire_opt_put_ede_cuts_text_at_a_character),
		cmocka_unit_test(test_wire_ede_copy_keeps_only_extended_errors),
		cmocka_unit_test(test_wire_remove_opt_when_last),
		cmocka_unit_test(test_wire_remove_opt_cuts_records_after_it),
		cmocka_unit_test(
		    test_wire_remove_opt_first_in_additional_empties_it),
		cmocka_unit_test(test_wire_remove_opt_is_noop_without_opt),
		cmocka_unit_test(
		    test_wire_build_response_echoes_id_opcode_rd_and_question),
		cmocka_unit_test(test_wire_build_response_adds_extra_flags),
		cmocka_unit_test(
		    test_wire_build_response_keeps_low_four_rcode_bits),
		cmocka_unit_test(
		    test_wire_build_response_without_question_has_qdcount_0),
		cmocka_unit_test(test_wire_build_response_needs_room),
		cmocka_unit_test(
		    test_wire_patch_answer_rewrites_id_spelling_and_ttls),
		cmocka_unit_test(
		    test_wire_patch_answer_with_zero_elapsed_keeps_ttls),
		cmocka_unit_test(test_wire_patch_answer_saturates_ttl_at_zero),
		cmocka_unit_test(test_wire_patch_answer_rejects_other_spelling),
		cmocka_unit_test(
		    test_wire_patch_answer_rejects_ttl_offset_out_of_range),
		cmocka_unit_test(test_wire_patch_answer_needs_room),
		cmocka_unit_test(
		    test_wire_strerror_names_every_code_distinctly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
