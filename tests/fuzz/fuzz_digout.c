/*
 * tests/fuzz/fuzz_digout.c - libFuzzer target: a reply as roost query
 * shows it in dig's layout (src/client/digout.c).
 *
 * Input: a DNS message in wire form, as a server sends it.  What must
 * hold: a message ldns parses prints under every display mode without a
 * read outside it (ASan) or a failure, whatever its OPT options claim
 * (lengths past the end, short client-subnet, EDE of one octet, bad
 * UTF-8), and the cookie judgement is one of its values.
 */
#define _GNU_SOURCE /* open_memstream */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#include "digout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t client[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct digout_view views[] = {
		{ .comments = true,
		    .question = true,
		    .answer = true,
		    .authority = true,
		    .additional = true,
		    .edns_sent = true },
		{ .answer = true, .short_form = true },
		{ .answer = true, .authority = true },
	};
	ldns_pkt *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	enum digout_cookie c;
	FILE *f;

	if (ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		return 0;
	c = digout_cookie_check(p, client);
	assert(c == DIGOUT_COOKIE_GOOD || c == DIGOUT_COOKIE_ECHOED ||
	    c == DIGOUT_COOKIE_BAD);
	if ((f = open_memstream(&buf, &len)) != NULL) {
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
			assert(digout_message(f, p, &views[i], c) == 0);
		fclose(f);
	}
	free(buf);
	ldns_pkt_free(p);
	return 0;
}
