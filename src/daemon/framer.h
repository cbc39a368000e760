/*
 * src/daemon/framer.h - the DNS-over-TCP framing state machine: a byte
 * stream in any chunking in, whole length-prefixed messages out
 * (RFC 1035 4.2.2, RFC 7766).  No sockets and no allocation: listen
 * feeds it what a connection read, tests and the fuzzer feed it bytes.
 *
 * Ownership: a framer is a plain value its user embeds (it holds one
 * message buffer of FRAMER_MAX_MSG octets); a message handed to the
 * callback lives in that buffer until the next feed.
 */
#ifndef ROOST_FRAMER_H
#define ROOST_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAMER_MAX_MSG 4096 /* the longest message; a longer prefix fails */

enum framer_state {
	FRAMER_LEN_HI, /* waiting for the length's first octet */
	FRAMER_LEN_LO, /* waiting for its second octet */
	FRAMER_BODY,   /* collecting need octets */
};

struct framer {
	enum framer_state state;
	uint16_t need; /* the message length from the prefix */
	size_t have;   /* octets of the body collected */
	size_t max;    /* the longest message taken */
	uint8_t *buf;  /* own, or the one framer_init_buf() was given */
	uint8_t own[FRAMER_MAX_MSG];
};

/* Called with each complete message (len from 1 to the framer's max). */
typedef void framer_cb(void *arg, const uint8_t *msg, size_t len);

/* Starts a framer in FRAMER_LEN_HI, for messages up to FRAMER_MAX_MSG. */
void framer_init(struct framer *f);

/*
 * framer_init() with the caller's buffer of cap octets (up to 65535) for
 * longer messages: an upstream's answers over a stream.  buf must
 * outlive f; the caller owns it.
 */
void framer_init_buf(struct framer *f, uint8_t *buf, size_t cap);

/*
 * Feeds n octets, in any chunking; calls cb for each complete message.
 * Stops early if *stop (NULL: never) becomes true inside cb (the caller
 * paused reading), leaving the rest for the next call.  Returns the
 * octets consumed, or -1 on a length of 0 or over the framer's longest (the
 * stream is unusable: the connection must be closed).
 */
long framer_feed(struct framer *f, const uint8_t *data, size_t n, framer_cb *cb,
    void *arg, const bool *stop);

#endif /* ROOST_FRAMER_H */
