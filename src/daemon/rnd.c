/*
 * src/daemon/rnd.c - unpredictable octets from getrandom() (see rnd.h).
 *
 * Invariants:
 * - An octet of the pool is handed out at most once; octets are taken
 *   from the end of the unused part, buf[0..left).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "log.h"
#include "rnd.h"

uint16_t
rnd_u16(struct rnd_pool *p)
{
	uint16_t v;

	if (p->left < 2) {
		ssize_t n = getrandom(p->buf, sizeof(p->buf), 0);

		if (n != (ssize_t)sizeof(p->buf)) {
			/* getrandom() of 256 bytes does not fail once the
			 * pool is initialised; never go on predictable */
			log_warn("getrandom");
			abort();
		}
		p->left = sizeof(p->buf);
	}
	p->left -= 2;
	memcpy(&v, p->buf + p->left, 2);
	return v;
}

void
rnd_bytes(struct rnd_pool *p, uint8_t *out, size_t n)
{
	while (n > 0) {
		size_t k;

		if (p->left == 0)
			(void)rnd_u16(p); /* refills, then takes 2 */
		k = n < p->left ? n : p->left;
		p->left -= k;
		memcpy(out, p->buf + p->left, k);
		out += k;
		n -= k;
	}
}
