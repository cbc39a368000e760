/*
 * tests/fuzz/fuzz_tls.c - libFuzzer target: what roostd's DNS-over-TLS
 * connection makes of the decrypted stream a server sends
 * (tls_conn_feed(), no socket): arbitrary bytes in arbitrary chunkings
 * against a set of queries waiting by id.
 *
 * Input: a count octet N (mod 33) and N query ids (2 octets each; a
 * repeated id is refused by tls_conn_send() and not counted), a count
 * octet C (mod 16) and C chunk sizes (1..256, used in turn), then the
 * stream.  A naive reference reads the same stream: each message of 12
 * octets or more whose id is that of a query still waiting answers it;
 * a length of 0 ends the stream.  Each query's callback must run exactly
 * once, the answered ones with exactly the reference's message, the rest
 * (when the connection breaks or is freed) without an answer.  Nothing
 * runs the loop, so no connection is ever opened.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NQ 32

struct q {
	uint16_t id;
	bool sent;
	unsigned calls;
	enum tls_status st;
	size_t ref_off, ref_len;
	bool ref_answered;
};

static const uint8_t *stream;

static void
on_done(void *arg, enum tls_status st, const uint8_t *msg, size_t len)
{
	struct q *q = arg;

	q->calls++;
	q->st = st;
	if (st == TLS_ANSWERED) {
		assert(msg != NULL && len >= 12);
		assert(q->ref_answered && len == q->ref_len);
		assert(memcmp(msg, stream + q->ref_off, len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct loop *l;
	static struct tls_client *c;
	static struct server srv;
	struct q qs[NQ] = { 0 };
	size_t nq, nchunks, chunk[16], pos, len, ci = 0;
	const uint8_t *s;
	struct tls_conn *t;
	char err[256];

	if (l == NULL) {
		log_init("fuzz_tls", LOG_LEVEL_ERR);
		l = loop_new();
		c = tls_client_new(NULL, err, sizeof(err));
		assert(l != NULL && c != NULL);
		assert(server_parse("127.0.0.1#853 tls-name=fuzz.test", &srv,
			   err, sizeof(err)) == 0);
		server_settle(&srv, SERVER_TLS_STRICT);
	}
	if (size < 1)
		return 0;
	nq = data[0] % (NQ + 1);
	if (size < 1 + 2 * nq + 1)
		return 0;
	for (size_t i = 0; i < nq; i++)
		qs[i].id = (uint16_t)(data[1 + 2 * i] << 8 | data[2 + 2 * i]);
	pos = 1 + 2 * nq;
	nchunks = data[pos++] % 16;
	if (size < pos + nchunks)
		return 0;
	for (size_t i = 0; i < nchunks; i++)
		chunk[i] = (size_t)data[pos + i] + 1;
	pos += nchunks;
	s = data + pos;
	len = size - pos;

	t = tls_conn_new(l, c, &srv, "fuzz", 10000);
	assert(t != NULL);
	for (size_t i = 0; i < nq; i++) {
		uint8_t query[12] = { (uint8_t)(qs[i].id >> 8),
			(uint8_t)qs[i].id, 1, 0, 0, 1 };

		qs[i].sent = tls_conn_send(t, query, sizeof(query), on_done,
				 &qs[i]) == 0;
		/* refused only for an id that waits already */
		if (!qs[i].sent)
			for (size_t j = 0; j < i; j++)
				if (qs[j].sent && qs[j].id == qs[i].id)
					goto ok;
		assert(qs[i].sent);
	ok:;
	}
	/* the reference */
	for (size_t off = 0; len - off >= 2;) {
		size_t n = (size_t)s[off] << 8 | s[off + 1];

		if (n == 0 || len - off - 2 < n)
			break;
		if (n >= 12) {
			uint16_t id = (uint16_t)(s[off + 2] << 8 | s[off + 3]);

			for (size_t i = 0; i < nq; i++)
				if (qs[i].sent && !qs[i].ref_answered &&
				    qs[i].id == id) {
					qs[i].ref_answered = true;
					qs[i].ref_off = off + 2;
					qs[i].ref_len = n;
					break;
				}
		}
		off += 2 + n;
	}
	/* the stream, in chunks */
	stream = s;
	for (pos = 0; pos < len;) {
		size_t want = nchunks > 0 ? chunk[ci++ % nchunks] : len;
		size_t n = want < len - pos ? want : len - pos;

		tls_conn_feed(t, s + pos, n);
		pos += n;
	}
	tls_conn_free(t);
	for (size_t i = 0; i < nq; i++) {
		if (!qs[i].sent) {
			assert(qs[i].calls == 0);
			continue;
		}
		assert(qs[i].calls == 1);
		assert((qs[i].st == TLS_ANSWERED) == qs[i].ref_answered);
	}
	return 0;
}
