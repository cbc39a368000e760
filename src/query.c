/*
 * src/query.c - one client query from arrival to answer (see
 * include/query.h).
 *
 * Invariants:
 * - query_receive() vets the header, the source and the question before
 *   any memory is spent; only a query that will be forwarded gets a
 *   struct pending.
 * - Every reply_to handed in is ended exactly once: by answer(), by
 *   drop, or (pending) by pending_end().
 * - A pending query is on ctx->pending from creation until
 *   pending_end(), which unlinks it and frees it.
 * - An answer never leaves without the client's id and question
 *   spelling, and carries an OPT record exactly when the query did.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "query.h"
#include "wire.h"

struct pending {
	struct query_ctx *ctx;
	struct pending *prev, *next;
	struct listen_reply_to to;
	struct wire_header qh;
	struct wire_question q; /* as the client spelled it */
	bool edns;
	bool dnssec_ok;
	uint16_t client_udp; /* the client's limit for a UDP answer */
	struct upstream_req *req;
};

struct query_ctx {
	struct loop *loop;
	const struct config *cfg;
	struct upstream_set *up;
	struct listen_set *ls;
	struct pending *pending;
	unsigned npending;
	struct query_stats stats;
	/* one answer is built at a time (one loop, one thread) */
	uint8_t out[WIRE_MAX_MSG];
};

struct query_ctx *
query_ctx_new(struct loop *l, const struct config *c, struct upstream_set *up)
{
	struct query_ctx *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->loop = l;
	q->cfg = c;
	q->up = up;
	return q;
}

void
query_ctx_set_listen(struct query_ctx *q, struct listen_set *ls)
{
	q->ls = ls;
}

unsigned
query_pending(const struct query_ctx *q)
{
	return q->npending;
}

const struct query_stats *
query_stats(const struct query_ctx *q)
{
	return &q->stats;
}

/* --- answers ---------------------------------------------------------- */

static void
count_rcode(struct query_ctx *ctx, unsigned rcode)
{
	if (rcode < 6)
		ctx->stats.rcode[rcode]++;
}

/*
 * Sends an answer without records: rcode (extended rcodes need edns),
 * the question if q is not NULL, TC if asked, an OPT if the client sent
 * one.
 */
static void
answer_empty(struct query_ctx *ctx, struct listen_reply_to *to,
    const struct wire_header *qh, const struct wire_question *q, unsigned rcode,
    uint16_t extra, bool edns, bool dnssec_ok)
{
	size_t len;

	if (wire_build_response(ctx->out, sizeof(ctx->out), &len, qh, q,
		rcode & 0x0fu, (uint16_t)(extra | WIRE_RA)) != WIRE_OK) {
		listen_drop(ctx->ls, to);
		return;
	}
	if (edns)
		(void)wire_append_opt(ctx->out, sizeof(ctx->out), &len,
		    QUERY_EDNS_SIZE, (uint8_t)(rcode >> 4),
		    dnssec_ok ? WIRE_EDNS_DO : 0);
	if (rcode == WIRE_BADVERS)
		ctx->stats.badvers++;
	else
		count_rcode(ctx, rcode);
	listen_reply(ctx->ls, to, ctx->out, len);
}

/*
 * Turns the upstream's answer into the client's and sends it.  Returns
 * false if the answer cannot be used (the caller sends SERVFAIL).
 */
static bool
answer_forwarded(struct pending *p, const uint8_t *ans, size_t alen)
{
	struct query_ctx *ctx = p->ctx;
	struct wire_msg m;
	uint16_t flags;
	size_t len = alen, limit;

	/* the upstream's question is ours, lower-cased: write the client's
	 * id and spelling over it */
	if (wire_patch_answer(ctx->out, sizeof(ctx->out), ans, alen, NULL, 0, 0,
		p->qh.id, p->q.name, p->q.name_len) != WIRE_OK)
		return false;
	if (wire_parse_msg(ctx->out, len, &m, NULL, 0) != WIRE_OK)
		return false;
	/* the upstream's OPT spoke to us; the client gets its own */
	wire_remove_opt(ctx->out, &len, &m.edns);
	flags = wire_get16(ctx->out + 2);
	flags &= (uint16_t) ~(WIRE_AA | WIRE_RD | WIRE_CD | WIRE_AD);
	flags |= WIRE_RA | (p->qh.flags & (WIRE_RD | WIRE_CD));
	/* RFC 6840 5.8: AD only for clients that asked with DO or AD */
	if (p->dnssec_ok || (p->qh.flags & WIRE_AD))
		flags |= m.hdr.flags & WIRE_AD;
	wire_put16(ctx->out + 2, flags);
	if (p->edns &&
	    wire_append_opt(ctx->out, sizeof(ctx->out), &len, QUERY_EDNS_SIZE,
		0, p->dnssec_ok ? WIRE_EDNS_DO : 0) != WIRE_OK)
		return false;
	if (p->to.transport == LISTEN_UDP) {
		limit = p->edns ? p->client_udp : 512;
		if (len > limit) {
			/* too big for the client over UDP: TC=1 and the
			 * question only, so it retries over TCP */
			ctx->stats.truncated++;
			answer_empty(ctx, &p->to, &p->qh, &p->q,
			    WIRE_RCODE(m.hdr.flags), WIRE_TC, p->edns,
			    p->dnssec_ok);
			return true;
		}
	}
	count_rcode(ctx, WIRE_RCODE(m.hdr.flags));
	listen_reply(ctx->ls, &p->to, ctx->out, len);
	return true;
}

/* --- pending queries --------------------------------------------------- */

static void
pending_end(struct pending *p)
{
	struct query_ctx *ctx = p->ctx;

	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		ctx->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	ctx->npending--;
	free(p);
}

static void
upstream_done(void *arg, const uint8_t *answer, size_t len)
{
	struct pending *p = arg;

	p->req = NULL;
	if (answer == NULL || !answer_forwarded(p, answer, len))
		answer_empty(p->ctx, &p->to, &p->qh, &p->q, WIRE_SERVFAIL, 0,
		    p->edns, p->dnssec_ok);
	pending_end(p);
}

static void
forward(struct query_ctx *ctx, const struct listen_reply_to *from,
    const struct wire_header *qh, const struct wire_question *q,
    const struct wire_edns *e)
{
	struct listen_reply_to to = *from;
	struct upstream_question uq = {
		.name = q->name,
		.name_len = q->name_len,
		.qtype = q->qtype,
		.qclass = q->qclass,
		.dnssec_ok = e->present && (e->flags & WIRE_EDNS_DO),
		.checking_disabled = (qh->flags & WIRE_CD) != 0,
	};
	struct pending *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		answer_empty(ctx, &to, qh, q, WIRE_SERVFAIL, 0, e->present,
		    uq.dnssec_ok);
		return;
	}
	p->ctx = ctx;
	p->to = to;
	p->qh = *qh;
	p->q = *q;
	p->edns = e->present;
	p->dnssec_ok = uq.dnssec_ok;
	p->client_udp = e->udp_size < 512 ? 512
	    : e->udp_size > QUERY_MAX_UDP ? QUERY_MAX_UDP
					  : e->udp_size;
	p->next = ctx->pending;
	if (ctx->pending != NULL)
		ctx->pending->prev = p;
	ctx->pending = p;
	ctx->npending++;
	p->req = upstream_resolve(ctx->up, &uq, upstream_done, p);
	if (p->req == NULL) {
		/* too many in flight: fail fast rather than queue */
		answer_empty(ctx, &p->to, qh, q, WIRE_SERVFAIL, 0, p->edns,
		    p->dnssec_ok);
		pending_end(p);
	}
}

/* --- vetting ------------------------------------------------------------ */

void
query_receive(void *arg, const struct listen_reply_to *from, const uint8_t *msg,
    size_t len)
{
	struct query_ctx *ctx = arg;
	struct listen_reply_to to = *from;
	struct wire_header h;
	struct wire_question q;
	struct wire_msg m;
	const struct wire_question *qp = NULL;
	bool edns = false, dnssec_ok = false;
	unsigned rcode;

	if (to.transport == LISTEN_UDP)
		ctx->stats.udp++;
	else
		ctx->stats.tcp++;
	/* no id, or a response (never answer those: reflection loops) */
	if (wire_parse_header(msg, len, &h) != WIRE_OK || (h.flags & WIRE_QR))
		goto drop;
	if (wire_parse_question(msg, len, &h, &q) == WIRE_OK)
		qp = &q;
	if (!config_allowed(ctx->cfg, (const struct sockaddr *)&to.peer)) {
		rcode = WIRE_REFUSED;
		goto answer;
	}
	if (WIRE_OPCODE(h.flags) != WIRE_OP_QUERY) {
		rcode = WIRE_NOTIMP;
		goto answer;
	}
	if (qp == NULL) {
		rcode = WIRE_FORMERR;
		goto answer;
	}
	if (wire_parse_msg(msg, len, &m, NULL, 0) != WIRE_OK ||
	    h.ancount != 0 || h.nscount != 0 ||
	    m.nrr != (m.edns.present ? 1u : 0u)) {
		/* malformed, or records a query has no business carrying
		 * (only an OPT may come along) */
		rcode = WIRE_FORMERR;
		goto answer;
	}
	edns = m.edns.present;
	dnssec_ok = edns && (m.edns.flags & WIRE_EDNS_DO);
	if (edns && m.edns.version != 0) {
		rcode = WIRE_BADVERS;
		goto answer;
	}
	switch (q.qtype) {
	case 0:
	case WIRE_T_OPT:
		rcode = WIRE_FORMERR;
		goto answer;
	case WIRE_T_AXFR:
	case WIRE_T_IXFR:
		rcode = WIRE_REFUSED; /* zone transfers: not a forwarder's */
		goto answer;
	case WIRE_T_MAILA:
	case WIRE_T_MAILB:
		rcode = WIRE_NOTIMP;
		goto answer;
	}
	if (q.qclass != WIRE_C_IN) {
		rcode = WIRE_REFUSED;
		goto answer;
	}
	forward(ctx, &to, &h, &q, &m.edns);
	return;
answer:
	answer_empty(ctx, &to, &h, qp, rcode, 0, edns, dnssec_ok);
	return;
drop:
	ctx->stats.dropped++;
	listen_drop(ctx->ls, &to);
}

void
query_ctx_free(struct query_ctx *q)
{
	if (q == NULL)
		return;
	while (q->pending != NULL) {
		struct pending *p = q->pending;

		if (p->req != NULL)
			upstream_cancel(p->req);
		answer_empty(q, &p->to, &p->qh, &p->q, WIRE_SERVFAIL, 0,
		    p->edns, p->dnssec_ok);
		pending_end(p);
	}
	free(q);
}
