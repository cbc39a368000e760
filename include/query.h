/*
 * include/query.h - one client query from arrival to answer: validate
 * the question (header bits, opcode, counts, name, class, type, access
 * control), forward it upstream, and turn the upstream's answer into the
 * client's (its id, its spelling of the name, its EDNS, its size limit).
 *
 * Ownership: the context owns every pending query; a pending query owns
 * its reply_to (which it ends exactly once) and its upstream request.
 */
#ifndef ROOST_QUERY_H
#define ROOST_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "listen.h"
#include "loop.h"
#include "upstream.h"

/* The EDNS UDP size roostd advertises to its clients. */
#define QUERY_EDNS_SIZE 1232
/* A client's advertised size is honoured up to this. */
#define QUERY_MAX_UDP 4096

struct query_ctx;

struct query_stats {
	uint64_t udp, tcp;  /* queries received */
	uint64_t dropped;   /* too broken to answer, or responses */
	uint64_t rcode[6];  /* answers sent by rcode (0..5) */
	uint64_t badvers;   /* BADVERS answers */
	uint64_t truncated; /* TC=1 answers over UDP */
};

/*
 * Creates the context.  c, l and up must outlive it.  Returns it, or
 * NULL (out of memory).
 */
struct query_ctx *
query_ctx_new(struct loop *l, const struct config *c, struct upstream_set *up);

/* Tells the context where answers go (created after it). */
void query_ctx_set_listen(struct query_ctx *q, struct listen_set *ls);

/*
 * The listen_query_cb: handles one message from a client.  arg is the
 * struct query_ctx.
 */
void query_receive(void *arg, const struct listen_reply_to *from,
    const uint8_t *msg, size_t len);

/* Queries waiting for an upstream answer. */
unsigned query_pending(const struct query_ctx *q);

/* Counters since start. */
const struct query_stats *query_stats(const struct query_ctx *q);

/*
 * Answers every pending query with SERVFAIL, then frees the context.
 */
void query_ctx_free(struct query_ctx *q);

#endif /* ROOST_QUERY_H */
