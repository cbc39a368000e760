/*
 * src/daemon/framer.c - the DNS-over-TCP framing state machine (see
 * framer.h).
 *
 * Invariants:
 * - have <= need <= FRAMER_MAX_MSG while in BODY; need is never 0 there.
 * - cb is called only with a whole message, and the state is back in
 *   LEN_HI before it is called, so cb may stop the feed.
 *
 * States:
 *
 * state        input          action                     next
 * LEN_HI       octet b        need = b << 8              LEN_LO
 * LEN_LO       octet b        need |= b; 0 or > max:     BODY
 *                             error (-1)
 * BODY         octets         copy up to need - have;    BODY, or
 *                             complete: cb(msg)          LEN_HI
 */
#include <string.h>

#include "framer.h"

void
framer_init(struct framer *f)
{
	framer_init_buf(f, f->own, sizeof(f->own));
}

void
framer_init_buf(struct framer *f, uint8_t *buf, size_t cap)
{
	f->state = FRAMER_LEN_HI;
	f->need = 0;
	f->have = 0;
	f->buf = buf;
	f->max = cap;
}

long
framer_feed(struct framer *f, const uint8_t *data, size_t n, framer_cb *cb,
    void *arg, const bool *stop)
{
	size_t i = 0;

	while (i < n && !(stop != NULL && *stop)) {
		switch (f->state) {
		case FRAMER_LEN_HI:
			f->need = (uint16_t)(data[i++] << 8);
			f->state = FRAMER_LEN_LO;
			break;
		case FRAMER_LEN_LO:
			f->need |= data[i++];
			if (f->need == 0 || f->need > f->max)
				return -1;
			f->have = 0;
			f->state = FRAMER_BODY;
			break;
		case FRAMER_BODY: {
			size_t take = f->need - f->have;

			if (take > n - i)
				take = n - i;
			memcpy(f->buf + f->have, data + i, take);
			f->have += take;
			i += take;
			if (f->have == f->need) {
				f->state = FRAMER_LEN_HI;
				cb(arg, f->buf, f->need);
			}
			break;
		}
		}
	}
	return (long)i;
}
