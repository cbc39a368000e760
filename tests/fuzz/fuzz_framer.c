/*
 * tests/fuzz/fuzz_framer.c - libFuzzer target: the TCP framing state
 * machine (framer_feed()) on arbitrary bytes in arbitrary
 * chunkings, with the reader paused at arbitrary messages.
 *
 * Input: a count octet C (mod 16), C chunk sizes (1..256 each, used in
 * turn), a pause mask octet (bit i: pause after the i-th message, mod
 * 8), then the stream.  A naive reference reads the same stream; the
 * framer must deliver exactly its messages, in order, byte for byte, and
 * fail exactly where the reference meets a length of 0 or one over
 * FRAMER_MAX_MSG.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ref {
	const uint8_t *stream;
	size_t len;
	size_t off;    /* where the reference's next message starts */
	size_t nmsg;   /* messages delivered so far */
	uint8_t pause; /* mask */
	bool stop;
};

/* The reference: the next message's body offset and length, 0 if the
 * stream ends first, -1 on a bad length. */
static int
ref_next(const struct ref *r, size_t *body, size_t *len)
{
	size_t n;

	if (r->len - r->off < 2)
		return 0;
	n = (size_t)r->stream[r->off] << 8 | r->stream[r->off + 1];
	if (n == 0 || n > FRAMER_MAX_MSG)
		return -1;
	if (r->len - r->off - 2 < n)
		return 0;
	*body = r->off + 2;
	*len = n;
	return 1;
}

static void
on_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct ref *r = arg;
	size_t body, n;

	assert(!r->stop); /* nothing after a pause */
	assert(ref_next(r, &body, &n) == 1);
	assert(len == n && memcmp(msg, r->stream + body, n) == 0);
	r->off = body + n;
	if (r->pause & (1u << (r->nmsg % 8)))
		r->stop = true;
	r->nmsg++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct framer f;
	size_t nchunks, chunk[16], pos = 0, ci = 0, body, n;
	struct ref r = { 0 };
	bool failed = false;

	if (size < 2)
		return 0;
	nchunks = data[0] % 16;
	if (size < 2 + nchunks)
		return 0;
	for (size_t i = 0; i < nchunks; i++)
		chunk[i] = (size_t)data[1 + i] + 1;
	r.pause = data[1 + nchunks];
	r.stream = data + 2 + nchunks;
	r.len = size - 2 - nchunks;
	framer_init(&f);
	while (pos < r.len && !failed) {
		size_t want = nchunks > 0 ? chunk[ci++ % nchunks] : r.len;
		size_t end = pos + (want < r.len - pos ? want : r.len - pos);

		/* feed this chunk until it is used up, resuming after
		 * every pause as the connection does */
		while (pos < end) {
			long got = framer_feed(&f, r.stream + pos, end - pos,
			    on_msg, &r, &r.stop);

			if (got < 0) {
				failed = true;
				break;
			}
			assert((size_t)got <= end - pos);
			assert(got > 0 || r.stop);
			pos += (size_t)got;
			if (!r.stop)
				assert(pos == end);
			r.stop = false;
		}
	}
	/* the framer failed exactly where the reference does */
	if (failed)
		assert(ref_next(&r, &body, &n) == -1);
	else
		assert(ref_next(&r, &body, &n) != 1);
	return 0;
}
