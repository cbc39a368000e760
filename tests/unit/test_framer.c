/*
 * tests/unit/test_framer.c - the TCP framing state machine, fed without
 * sockets: a whole stream, every chunk size and two-way split, lengths
 * of 0 and over the limit, and a stop from inside the callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "framer.h"

#define NMSG 3

struct got {
	size_t n;
	size_t len[16];
	uint8_t first[16];
	bool stop_after_first;
	bool stop;
};

static void
on_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct got *g = arg;

	assert_true(g->n < 16);
	g->len[g->n] = len;
	g->first[g->n] = msg[0];
	g->n++;
	if (g->stop_after_first)
		g->stop = true;
}

/* A stream of NMSG messages of lengths 1, 300, 12, each filled with
 * its index + 'a'. */
static size_t
build_stream(uint8_t *out)
{
	const size_t lens[NMSG] = { 1, 300, 12 };
	size_t n = 0;

	for (int i = 0; i < NMSG; i++) {
		out[n++] = (uint8_t)(lens[i] >> 8);
		out[n++] = (uint8_t)lens[i];
		memset(out + n, 'a' + i, lens[i]);
		n += lens[i];
	}
	return n;
}

static void
check_all(const struct got *g)
{
	assert_int_equal(g->n, NMSG);
	assert_int_equal(g->len[0], 1);
	assert_int_equal(g->len[1], 300);
	assert_int_equal(g->len[2], 12);
	for (int i = 0; i < NMSG; i++)
		assert_int_equal(g->first[i], 'a' + i);
}

static void
test_framer_whole_stream_at_once(void **state)
{
	uint8_t s[512];
	size_t n = build_stream(s);
	struct framer *f = malloc(sizeof(*f));
	struct got g = { 0 };

	(void)state;
	framer_init(f);
	assert_int_equal(framer_feed(f, s, n, on_msg, &g, NULL), (long)n);
	check_all(&g);
	assert_int_equal(f->state, FRAMER_LEN_HI);
	free(f);
}

static void
test_framer_every_chunk_size(void **state)
{
	uint8_t s[512];
	size_t n = build_stream(s);
	struct framer *f = malloc(sizeof(*f));

	(void)state;
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct got g = { 0 };

		framer_init(f);
		for (size_t off = 0; off < n; off += chunk) {
			size_t k = n - off < chunk ? n - off : chunk;

			assert_int_equal(
			    framer_feed(f, s + off, k, on_msg, &g, NULL),
			    (long)k);
		}
		check_all(&g);
	}
	free(f);
}

static void
test_framer_every_two_way_split(void **state)
{
	uint8_t s[512];
	size_t n = build_stream(s);
	struct framer *f = malloc(sizeof(*f));

	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		struct got g = { 0 };

		framer_init(f);
		assert_int_equal(framer_feed(f, s, cut, on_msg, &g, NULL),
		    (long)cut);
		assert_int_equal(
		    framer_feed(f, s + cut, n - cut, on_msg, &g, NULL),
		    (long)(n - cut));
		check_all(&g);
	}
	free(f);
}

static void
test_framer_rejects_zero_length(void **state)
{
	const uint8_t s[] = { 0, 0, 1, 2, 3 };
	struct framer *f = malloc(sizeof(*f));
	struct got g = { 0 };

	(void)state;
	framer_init(f);
	assert_int_equal(framer_feed(f, s, sizeof(s), on_msg, &g, NULL), -1);
	assert_int_equal(g.n, 0);
	free(f);
}

static void
test_framer_rejects_length_over_limit(void **state)
{
	uint8_t s[2];
	struct framer *f = malloc(sizeof(*f));
	struct got g = { 0 };

	(void)state;
	/* the largest allowed length is accepted ... */
	s[0] = (uint8_t)(FRAMER_MAX_MSG >> 8);
	s[1] = (uint8_t)FRAMER_MAX_MSG;
	framer_init(f);
	assert_int_equal(framer_feed(f, s, 2, on_msg, &g, NULL), 2);
	assert_int_equal(f->state, FRAMER_BODY);
	/* ... one more, and 65535, are not (split over two feeds too) */
	s[0] = (uint8_t)((FRAMER_MAX_MSG + 1) >> 8);
	s[1] = (uint8_t)(FRAMER_MAX_MSG + 1);
	framer_init(f);
	assert_int_equal(framer_feed(f, s, 2, on_msg, &g, NULL), -1);
	s[0] = 0xff;
	s[1] = 0xff;
	framer_init(f);
	assert_int_equal(framer_feed(f, s, 1, on_msg, &g, NULL), 1);
	assert_int_equal(framer_feed(f, s + 1, 1, on_msg, &g, NULL), -1);
	assert_int_equal(g.n, 0);
	free(f);
}

static void
test_framer_stop_leaves_the_rest(void **state)
{
	uint8_t s[512];
	size_t n = build_stream(s);
	struct framer *f = malloc(sizeof(*f));
	struct got g = { .stop_after_first = true };
	long used;

	(void)state;
	framer_init(f);
	used = framer_feed(f, s, n, on_msg, &g, &g.stop);
	/* stopped right after the first message: 2 + 1 octets */
	assert_int_equal(used, 3);
	assert_int_equal(g.n, 1);
	g.stop_after_first = false;
	g.stop = false;
	assert_int_equal(
	    framer_feed(f, s + used, n - (size_t)used, on_msg, &g, &g.stop),
	    (long)(n - (size_t)used));
	check_all(&g);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framer_whole_stream_at_once),
		cmocka_unit_test(test_framer_every_chunk_size),
		cmocka_unit_test(test_framer_every_two_way_split),
		cmocka_unit_test(test_framer_rejects_zero_length),
		cmocka_unit_test(test_framer_rejects_length_over_limit),
		cmocka_unit_test(test_framer_stop_leaves_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
