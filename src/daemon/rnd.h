/*
 * src/daemon/rnd.h - unpredictable octets for what an off-path attacker
 * must not guess (upstream query ids, DNS 0x20 case bits), drawn from
 * getrandom() 256 octets at a time.
 *
 * Ownership: a pool is a plain value its user embeds, zeroed to start
 * empty; it belongs to one loop (no lock).
 */
#ifndef ROOST_RND_H
#define ROOST_RND_H

#include <stddef.h>
#include <stdint.h>

#define RND_POOL 256 /* octets fetched per getrandom() */

struct rnd_pool {
	uint8_t buf[RND_POOL];
	size_t left; /* unused octets: buf[0..left) */
};

/*
 * A random 16-bit value.  Aborts if getrandom() fails, which it does not
 * once the kernel's pool is initialised: never go on predictable.
 */
uint16_t rnd_u16(struct rnd_pool *p);

/* n (at most RND_POOL) random octets into out; aborts as rnd_u16(). */
void rnd_bytes(struct rnd_pool *p, uint8_t *out, size_t n);

#endif /* ROOST_RND_H */
