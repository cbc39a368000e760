/*
 * tests/fuzz/fuzz_wire.c - libFuzzer target: the wire module on arbitrary
 * bytes.
 *
 * Every entry point that reads a message is run on the input; whatever it
 * accepts must hold together: records lie inside the message in order,
 * an accepted question reads back, a name converts to text and back to
 * the same name, and a patched copy parses again.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define MAXRRS 64

static void
check_name_round_trip(const uint8_t *name, size_t len)
{
	char text[4 * WIRE_MAX_NAME + 1];
	uint8_t back[WIRE_MAX_NAME], lowered[WIRE_MAX_NAME];
	size_t backlen, n;

	n = wire_name_to_text(name, len, text, sizeof(text));
	assert(n < sizeof(text));
	assert(wire_name_from_text(text, back, &backlen) == WIRE_OK);
	memcpy(lowered, name, len);
	wire_name_lower(lowered, len);
	assert(backlen == len && memcmp(back, lowered, len) == 0);
	assert(wire_name_equal(name, len, back, backlen));
	assert(wire_name_hash(name, len, 7) == wire_name_hash(back, len, 7));
}

/* The OPT's options walk to its end; the EDE ones copy to whole EDE
 * options that fit and walk again. */
static void
check_options(const uint8_t *msg, const struct wire_edns *e)
{
	struct wire_opt_iter it = { msg + e->opts_off, e->opts_len };
	struct wire_opt o;
	uint8_t ede[255];
	size_t n;

	assert(e->opts_off + e->opts_len == e->end);
	while (wire_opt_next(&it, &o))
		assert(o.data + o.len <= msg + e->end);
	assert(it.left == 0);
	n = wire_ede_copy(msg, e, ede, sizeof(ede));
	assert(n <= sizeof(ede));
	it = (struct wire_opt_iter){ ede, n };
	while (wire_opt_next(&it, &o))
		assert(o.code == WIRE_OPT_EDE && o.len >= 2 &&
		    o.len <= 2 + WIRE_EDE_TEXT_MAX);
	assert(it.left == 0);
}

static void
check_msg(const uint8_t *msg, size_t len)
{
	struct wire_msg m;
	struct wire_rr rrs[MAXRRS];
	size_t prev_end;

	if (wire_parse_msg(msg, len, &m, rrs, MAXRRS) != WIRE_OK)
		return;
	prev_end = m.question_end;
	for (unsigned i = 0; i < m.nrr && i < MAXRRS; i++) {
		assert(rrs[i].off == prev_end);
		assert(rrs[i].ttl_off + 6 == rrs[i].rdata_off);
		assert(rrs[i].rdata_off + rrs[i].rdlen == rrs[i].end);
		assert(rrs[i].end <= len);
		assert(wire_get32(msg + rrs[i].ttl_off) == rrs[i].ttl);
		prev_end = rrs[i].end;
	}
	if (m.nrr <= MAXRRS)
		assert(prev_end == len);
	if (m.edns.present) {
		uint8_t *copy = malloc(len);
		size_t clen = len;
		struct wire_msg m2;

		assert(copy != NULL);
		check_options(msg, &m.edns);
		memcpy(copy, msg, len);
		wire_remove_opt(copy, &clen, &m.edns);
		assert(wire_parse_msg(copy, clen, &m2, NULL, 0) == WIRE_OK);
		assert(!m2.edns.present);
		free(copy);
	}
}

static void
check_question(const uint8_t *msg, size_t len)
{
	struct wire_header h;
	struct wire_question q;
	uint8_t out[WIRE_HDR_LEN + WIRE_MAX_NAME + 4];
	size_t outlen;
	struct wire_msg m;

	if (wire_parse_question(msg, len, &h, &q) != WIRE_OK)
		return;
	assert(q.end <= len && q.name_len <= WIRE_MAX_NAME);
	/* the hot path's single parse agrees with the whole one */
	{
		struct wire_msg whole, rest;
		int rw = wire_parse_msg(msg, len, &whole, NULL, 0);
		int rr = wire_parse_records(msg, len, &h, q.end, &rest);

		assert(rw == rr);
		if (rw == WIRE_OK) {
			assert(whole.question_end == rest.question_end);
			assert(whole.nrr == rest.nrr);
			assert(whole.edns.present == rest.edns.present);
			assert(whole.edns.udp_size == rest.edns.udp_size);
			assert(whole.edns.version == rest.edns.version);
			assert(whole.edns.flags == rest.edns.flags);
			assert(whole.edns.off == rest.edns.off);
			assert(whole.edns.end == rest.edns.end);
			assert(whole.hdr.arcount == rest.hdr.arcount);
		}
	}
	check_name_round_trip(q.name, q.name_len);
	assert(wire_build_response(out, sizeof(out), &outlen, &h, &q,
		   WIRE_FORMERR, 0) == WIRE_OK);
	assert(wire_parse_msg(out, outlen, &m, NULL, 0) == WIRE_OK);
	assert(m.hdr.id == h.id && (m.hdr.flags & WIRE_QR));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t nlen, end;

	check_msg(data, size);
	check_question(data, size);
	/* every offset as the start of a name */
	for (size_t off = 0; off < size && off < 512; off++)
		if (wire_read_name(data, size, off, name, &nlen, &end) ==
		    WIRE_OK) {
			assert(end > off && end <= size);
			check_name_round_trip(name, nlen);
		}
	return 0;
}
