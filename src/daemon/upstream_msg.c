/*
 * src/daemon/upstream_msg.c - the upstream module's two pure functions: build
 * the query roostd sends, and vet what comes back (see
 * upstream.h).  No sockets, no state, so the fuzzers and unit
 * tests reach them without c-ares.
 *
 * Invariants:
 * - A built query holds exactly one question, uncompressed at offset 12,
 *   and an OPT record.
 * - An accepted answer is a response to that very query: same id, same
 *   question (name, type, class), uncompressed at offset 12, with an
 *   rcode that answers (NOERROR, NXDOMAIN) and TC clear.
 */
#include <string.h>

#include "upstream.h"
#include "wire.h"

static bool
is_letter(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t
upstream_name_letters(const struct upstream_question *q)
{
	size_t n = 0;

	/* labels only, never a length octet */
	for (size_t i = 0; i < q->name_len && q->name[i] != 0;
	     i += (size_t)q->name[i] + 1)
		for (size_t j = i + 1; j <= i + q->name[i] && j < q->name_len;
		     j++)
			n += is_letter(q->name[j]);
	return n;
}

size_t
upstream_query_build(const struct upstream_question *q, uint16_t id,
    const uint8_t *case_bits, uint8_t *buf, size_t cap)
{
	struct wire_header h = { 0 };
	uint8_t *p;
	size_t len, bit = 0;

	if (q->name_len == 0 || q->name_len > WIRE_MAX_NAME ||
	    cap < WIRE_HDR_LEN + q->name_len + 4)
		return 0;
	h.id = id;
	h.flags = WIRE_RD | (q->checking_disabled ? WIRE_CD : 0);
	h.qdcount = 1;
	wire_write_header(buf, &h);
	p = buf + WIRE_HDR_LEN;
	memcpy(p, q->name, q->name_len);
	wire_name_lower(p, q->name_len);
	if (case_bits != NULL) {
		/* DNS 0x20: letters (not length octets) take a random case;
		 * walk the labels so a length octet is never touched */
		for (size_t i = 0; i < q->name_len && p[i] != 0;
		     i += (size_t)p[i] + 1)
			for (size_t j = i + 1; j <= i + p[i] && j < q->name_len;
			     j++)
				if (is_letter(p[j])) {
					if (case_bits[bit / 8] &
					    (1u << (bit % 8)))
						p[j] = (uint8_t)(p[j] - 0x20);
					bit++;
				}
	}
	wire_put16(p + q->name_len, q->qtype);
	wire_put16(p + q->name_len + 2, q->qclass);
	len = WIRE_HDR_LEN + q->name_len + 4;
	if (wire_append_opt(buf, cap, &len, UPSTREAM_EDNS_SIZE, 0,
		q->dnssec_ok ? WIRE_EDNS_DO : 0) != WIRE_OK)
		return 0;
	return len;
}

enum upstream_verdict
upstream_answer_check(const uint8_t *query, size_t qlen, const uint8_t *ans,
    size_t alen, bool exact_case, struct wire_msg *m)
{
	struct wire_header sh, h;
	struct wire_question sq, q;
	unsigned rcode;

	m->edns.present = false;
	if (wire_parse_question(query, qlen, &sh, &sq) != WIRE_OK)
		return UPSTREAM_BAD_MSG; /* not ours: never happens */
	if (wire_parse_msg(ans, alen, m, NULL, 0) != WIRE_OK) {
		m->edns.present = false;
		return UPSTREAM_BAD_MSG;
	}
	if (wire_parse_question(ans, alen, &h, &q) != WIRE_OK ||
	    !(h.flags & WIRE_QR) || WIRE_OPCODE(h.flags) != WIRE_OP_QUERY)
		return UPSTREAM_BAD_MSG;
	if (h.id != sh.id)
		return UPSTREAM_BAD_ID;
	/* the question must be ours, spelled out at offset 12 (a pointer
	 * there would make the stored answer unpatchable) */
	if (q.qtype != sq.qtype || q.qclass != sq.qclass ||
	    q.name_len != sq.name_len ||
	    q.end != WIRE_HDR_LEN + q.name_len + 4 ||
	    !wire_name_equal(q.name, q.name_len, sq.name, sq.name_len))
		return UPSTREAM_BAD_QUESTION;
	/* DNS 0x20: a forger must also guess the case of every letter */
	if (exact_case && memcmp(q.name, sq.name, q.name_len) != 0)
		return UPSTREAM_BAD_CASE;
	rcode = WIRE_RCODE(h.flags) | (unsigned)m->edns.ext_rcode << 4;
	if (rcode != WIRE_NOERROR && rcode != WIRE_NXDOMAIN)
		return UPSTREAM_BAD_RCODE;
	/* truncated even over TCP: nothing whole to give */
	if (h.flags & WIRE_TC)
		return UPSTREAM_TRUNCATED;
	return UPSTREAM_ANSWER_OK;
}

/* Whether query (len octets) ends with an OPT record with empty rdata. */
static bool
ends_with_empty_opt(const uint8_t *query, size_t len)
{
	return len >= WIRE_HDR_LEN + WIRE_OPT_LEN &&
	    query[len - WIRE_OPT_LEN] == 0 &&
	    wire_get16(query + len - WIRE_OPT_LEN + 1) == WIRE_T_OPT &&
	    wire_get16(query + len - 2) == 0;
}

size_t
upstream_query_cookie(uint8_t *query, size_t len, size_t cap,
    const struct upstream_cookie *c)
{
	uint8_t data[UPSTREAM_COOKIE_CLIENT + UPSTREAM_COOKIE_SERVER_MAX];
	size_t olen = len, slen = c->server_len;

	/* the OPT upstream_query_build() ends with: root owner, type OPT,
	 * class, ttl, rdlength 0 */
	if (!ends_with_empty_opt(query, len) || len > cap ||
	    slen > UPSTREAM_COOKIE_SERVER_MAX)
		return 0;
	memcpy(data, c->client, UPSTREAM_COOKIE_CLIENT);
	if (slen > 0)
		memcpy(data + UPSTREAM_COOKIE_CLIENT, c->server, slen);
	if (wire_opt_put(query, cap, &olen, WIRE_OPT_COOKIE, data,
		UPSTREAM_COOKIE_CLIENT + slen) != WIRE_OK)
		return 0;
	wire_put16(query + len - 2, (uint16_t)(olen - len));
	return olen;
}

size_t
upstream_query_pad(uint8_t *query, size_t len, size_t cap, size_t block)
{
	static const uint8_t zeros[UPSTREAM_PAD_MAX];
	size_t olen = len, pad;

	if (!ends_with_empty_opt(query, len) || len > cap || block == 0 ||
	    block > UPSTREAM_PAD_MAX)
		return 0;
	if (wire_opt_put(query, cap, &olen, WIRE_OPT_KEEPALIVE, NULL, 0) !=
	    WIRE_OK)
		return 0;
	/* the padding option's own 4 octets count */
	pad = (block - (olen + 4) % block) % block;
	if (wire_opt_put(query, cap, &olen, WIRE_OPT_PADDING, zeros, pad) !=
	    WIRE_OK)
		return 0;
	wire_put16(query + len - 2, (uint16_t)(olen - len));
	return olen;
}

enum upstream_cookie_verdict
upstream_answer_cookie(const uint8_t *ans, const struct wire_msg *m,
    const uint8_t *client, uint8_t *server, size_t *server_len, bool *badcookie)
{
	struct wire_opt_iter it;
	struct wire_opt o;
	enum upstream_cookie_verdict v = UPSTREAM_COOKIE_NONE;

	*badcookie = false;
	if (!m->edns.present)
		return UPSTREAM_COOKIE_NONE;
	*badcookie = (WIRE_RCODE(m->hdr.flags) |
			 (unsigned)m->edns.ext_rcode << 4) == WIRE_BADCOOKIE;
	it = (struct wire_opt_iter){ ans + m->edns.opts_off, m->edns.opts_len };
	while (wire_opt_next(&it, &o)) {
		if (o.code != WIRE_OPT_COOKIE)
			continue;
		/* one COOKIE, a client and a server cookie (RFC 7873 5.3) */
		if (v != UPSTREAM_COOKIE_NONE ||
		    o.len <
			UPSTREAM_COOKIE_CLIENT + UPSTREAM_COOKIE_SERVER_MIN ||
		    o.len >
			UPSTREAM_COOKIE_CLIENT + UPSTREAM_COOKIE_SERVER_MAX ||
		    memcmp(o.data, client, UPSTREAM_COOKIE_CLIENT) != 0)
			return UPSTREAM_COOKIE_BAD;
		*server_len = o.len - UPSTREAM_COOKIE_CLIENT;
		memcpy(server, o.data + UPSTREAM_COOKIE_CLIENT, *server_len);
		v = UPSTREAM_COOKIE_OK;
	}
	return v;
}
