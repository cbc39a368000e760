/*
 * tests/fuzz/fuzz_response.c - libFuzzer target: an upstream response
 * through the check-and-cache path.  A fixed client question
 * (www.example.test A, with or without EDNS) goes upstream; the input is
 * what comes back.  Whatever the bytes, nothing the check refuses may be
 * cached or served, every answer sent carries the client's id and
 * question, and the cache keeps its invariants (cache_check()).
 *
 * The same bytes go through upstream_answer_cookie() too (on what
 * wire_parse_msg() makes of them): a cookie it accepts has a server part
 * of 8 to 32 octets.
 *
 * Input: a control octet (FUZZ_* bits of fuzz_net.h), then the answer.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* id 0xbeef, RD, one question: wWw.Example.TEST A IN (mixed case, to
 * check the client's spelling survives) */
#define QUERY_HEAD                                                             \
	0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,      \
	    0x00, 3, 'w', 'W', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 4,   \
	    'T', 'E', 'S', 'T', 0, 0x00, 0x01, 0x00, 0x01

static const uint8_t query_plain[] = { QUERY_HEAD };
/* the same with an OPT record: size 1232, DO */
static uint8_t query_edns[] = { QUERY_HEAD, 0, 0x00, 0x29, 0x04, 0xd0, 0, 0,
	0x80, 0x00, 0x00, 0x00 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t client[UPSTREAM_COOKIE_CLIENT] = { 1, 2, 3, 4, 5,
		6, 7, 8 };
	uint8_t server[UPSTREAM_COOKIE_SERVER_MAX];
	size_t slen = 0;
	struct wire_msg m;
	bool bad;

	if (size < 1)
		return 0;
	if (wire_parse_msg(data + 1, size - 1, &m, NULL, 0) == WIRE_OK &&
	    upstream_answer_cookie(data + 1, &m, client, server, &slen, &bad) ==
		UPSTREAM_COOKIE_OK)
		assert(slen >= UPSTREAM_COOKIE_SERVER_MIN &&
		    slen <= UPSTREAM_COOKIE_SERVER_MAX);
	if (data[0] & FUZZ_EDNS_ANS) {
		query_edns[11] = 1; /* ARCOUNT */
		fuzz_net_run(data[0], query_edns, sizeof(query_edns), data + 1,
		    size - 1);
	} else {
		fuzz_net_run(data[0], query_plain, sizeof(query_plain),
		    data + 1, size - 1);
	}
	return 0;
}
