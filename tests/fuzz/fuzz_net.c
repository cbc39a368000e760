/*
 * tests/fuzz/fuzz_net.c - fake listen, upstream and clock for the query
 * path fuzzers (see fuzz_net.h).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_net.h"
#include "local.h"
#include "listen.h"
#include "loop.h"
#include "wire.h"

struct fuzz_net fuzz_net;

struct upstream_req {
	upstream_done_cb *cb;
	void *arg;
	uint8_t query[WIRE_MAX_MSG];
	size_t qlen;
	struct loop_timer give_up;
};

void
fuzz_net_config(struct config *c, size_t budget)
{
	char err[256];

	config_defaults(c);
	assert(
	    config_set(c, "upstream", "127.0.0.2#5300", err, sizeof(err)) == 0);
	assert(config_finish(c, err, sizeof(err)) == 0);
	c->cache_size = (unsigned)budget;
}

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fuzz_net.now_ms;
}

/* Takes r off the list of requests in flight and frees it. */
static void
req_end(struct upstream_req *r)
{
	unsigned i = 0;

	while (i < fuzz_net.nreqs && fuzz_net.reqs[i] != r)
		i++;
	assert(i < fuzz_net.nreqs);
	memmove(&fuzz_net.reqs[i], &fuzz_net.reqs[i + 1],
	    (fuzz_net.nreqs - i - 1) * sizeof(fuzz_net.reqs[0]));
	fuzz_net.nreqs--;
	loop_timer_cancel(fuzz_net.loop, &r->give_up);
	free(r);
}

void
fuzz_net_reset(bool dns0x20)
{
	if (fuzz_net.loop == NULL) {
		fuzz_net.loop = loop_new();
		assert(fuzz_net.loop != NULL);
		loop_set_clock(fuzz_net.loop, fake_clock, NULL);
	}
	while (fuzz_net.nreqs > 0)
		req_end(fuzz_net.reqs[0]);
	fuzz_net.nreplies = 0;
	fuzz_net.qlen = 0;
	fuzz_net.started = 0;
	fuzz_net.hurried = 0;
	fuzz_net.dns0x20 = dns0x20;
	fuzz_net.failure = UPSTREAM_NO_ANSWER;
	/* the loop reads the clock the caller may just have set */
	loop_set_clock(fuzz_net.loop, fake_clock, NULL);
}

const uint8_t *
fuzz_net_req_query(unsigned i, size_t *len)
{
	assert(i < fuzz_net.nreqs);
	*len = fuzz_net.reqs[i]->qlen;
	return fuzz_net.reqs[i]->query;
}

void
fuzz_net_before_wait(void)
{
	assert(loop_run_once(fuzz_net.loop, 0) == 0);
}

static void
end_reply(const struct listen_reply_to *to, const uint8_t *msg, size_t len,
    bool dropped)
{
	struct fuzz_reply *r;

	assert(fuzz_net.nreplies < FUZZ_MAX_REPLIES);
	r = &fuzz_net.replies[fuzz_net.nreplies++];
	r->dropped = dropped;
	r->tcp = to->transport == LISTEN_TCP;
	r->len = len;
	assert(len <= sizeof(r->msg));
	if (len > 0)
		memcpy(r->msg, msg, len);
}

void
listen_reply(struct listen_set *s, struct listen_reply_to *to,
    const uint8_t *msg, size_t len)
{
	(void)s;
	assert(msg != NULL && len > 0 && len <= 65535);
	end_reply(to, msg, len, false);
}

void
listen_drop(struct listen_set *s, struct listen_reply_to *to)
{
	(void)s;
	end_reply(to, NULL, 0, true);
}

static void
req_give_up(void *arg)
{
	struct upstream_req *r = arg;
	upstream_done_cb *cb = r->cb;
	void *cbarg = r->arg;

	req_end(r);
	cb(cbarg, NULL, 0, fuzz_net.failure);
}

/* route.c's, which would bring upstream.c's sets in: one stand-in set */
struct upstream_set *
route_pick(const struct route_table *t, const uint8_t *name, size_t len)
{
	(void)t;
	(void)name;
	(void)len;
	return NULL;
}

/* route.c's: every name on the default route (no routing domain) */
unsigned
route_index(const struct route_table *t, const uint8_t *name, size_t len)
{
	(void)t;
	(void)name;
	(void)len;
	return 0;
}

struct upstream_req *
upstream_resolve(struct upstream_set *s, const struct upstream_question *q,
    upstream_done_cb *cb, void *arg)
{
	/* fixed "random" case: reproducible inputs */
	static const uint8_t case_bits[UPSTREAM_CASE_BITS] = { 0x5a, 0xc3, 0x96,
		0x0f, 0xf0, 0x33, 0xa5, 0x69 };
	struct upstream_req *r;

	(void)s;
	/* past the fake's room: refused like the in-flight limit */
	if (fuzz_net.nreqs >= FUZZ_MAX_REQS)
		return NULL;
	r = calloc(1, sizeof(*r));
	assert(r != NULL);
	r->qlen = upstream_query_build(q, 0x1234,
	    fuzz_net.dns0x20 ? case_bits : NULL, r->query, sizeof(r->query));
	assert(r->qlen > 0);
	memcpy(fuzz_net.query, r->query, r->qlen);
	fuzz_net.qlen = r->qlen;
	r->cb = cb;
	r->arg = arg;
	loop_timer_init(&r->give_up, req_give_up, r);
	if (fuzz_net.deadline_ms > 0)
		assert(loop_timer_set(fuzz_net.loop, &r->give_up,
			   fuzz_net.deadline_ms) == 0);
	fuzz_net.reqs[fuzz_net.nreqs++] = r;
	fuzz_net.started++;
	return r;
}

void
upstream_hurry(struct upstream_req *r)
{
	(void)r;
	fuzz_net.hurried++;
}

void
upstream_cancel(struct upstream_req *r)
{
	req_end(r);
}

enum upstream_end
upstream_progress(const struct upstream_req *r)
{
	(void)r;
	return fuzz_net.failure;
}

/* the fake's one server, as the query log names it */
const char *
upstream_set_answered_by(const struct upstream_set *s)
{
	(void)s;
	return FUZZ_NET_SERVER;
}

enum upstream_verdict
fuzz_net_answer(const uint8_t *ans, size_t alen)
{
	struct upstream_req *r;
	upstream_done_cb *cb;
	void *arg;
	enum upstream_verdict v;
	struct wire_msg m;
	uint8_t *copy;

	assert(fuzz_net.nreqs > 0);
	r = fuzz_net.reqs[0];
	cb = r->cb;
	arg = r->arg;
	v = upstream_answer_check(r->query, r->qlen, ans, alen,
	    fuzz_net.dns0x20, &m);
	req_end(r);
	if (v != UPSTREAM_ANSWER_OK) {
		cb(arg, NULL, 0, UPSTREAM_NO_ANSWER);
		return v;
	}
	/* exact size, so that ASan sees a read past it */
	copy = malloc(alen);
	assert(copy != NULL);
	memcpy(copy, ans, alen);
	cb(arg, copy, alen, UPSTREAM_ANSWERED);
	free(copy);
	return v;
}

void
fuzz_net_fail(void)
{
	assert(fuzz_net.nreqs > 0);
	req_give_up(fuzz_net.reqs[0]);
}

void
fuzz_net_advance(uint64_t ms)
{
	uint64_t to = fuzz_net.now_ms + ms, next;

	while ((next = loop_next_deadline(fuzz_net.loop)) <= to) {
		if (next > fuzz_net.now_ms)
			fuzz_net.now_ms = next;
		fuzz_net_before_wait();
	}
	fuzz_net.now_ms = to;
	fuzz_net_before_wait();
}

void
fuzz_net_check_reply(const struct fuzz_reply *r, const uint8_t *query,
    size_t qlen)
{
	struct wire_header qh, ah;
	struct wire_question qq, aq;
	struct wire_msg m, qm;
	size_t limit = 512;

	if (r->dropped)
		return;
	assert(wire_parse_header(query, qlen, &qh) == WIRE_OK);
	assert(wire_parse_msg(r->msg, r->len, &m, NULL, 0) == WIRE_OK);
	assert(m.hdr.id == qh.id);
	assert(m.hdr.flags & WIRE_QR);
	if (m.hdr.qdcount == 0)
		return; /* a question too broken to echo */
	assert(wire_parse_question(query, qlen, &qh, &qq) == WIRE_OK);
	assert(wire_parse_question(r->msg, r->len, &ah, &aq) == WIRE_OK);
	assert(aq.qtype == qq.qtype && aq.qclass == qq.qclass);
	/* the client's own spelling, octet for octet */
	assert(aq.name_len == qq.name_len &&
	    memcmp(aq.name, qq.name, aq.name_len) == 0);
	if (!r->tcp) {
		if (wire_parse_msg(query, qlen, &qm, NULL, 0) == WIRE_OK &&
		    qm.edns.present)
			limit = qm.edns.udp_size < 512 ? 512
			    : qm.edns.udp_size > QUERY_MAX_UDP
			    ? QUERY_MAX_UDP
			    : qm.edns.udp_size;
		assert(r->len <= limit);
	}
}

/* ans as ctl wants it, into out (WIRE_MAX_MSG octets); its length. */
static size_t
patch_answer(unsigned ctl, const uint8_t *ans, size_t alen, uint8_t *out)
{
	size_t n = 0, qend, qlen;
	const uint8_t *query = fuzz_net_req_query(0, &qlen);
	struct wire_header h;
	struct wire_question q;

	if (alen > WIRE_MAX_MSG)
		alen = WIRE_MAX_MSG;
	if (!(ctl & FUZZ_FIX_QUEST) ||
	    wire_parse_question(query, qlen, &h, &q) != WIRE_OK) {
		memcpy(out, ans, alen);
		n = alen;
	} else {
		/* the fuzzer's header, our question, the fuzzer's rest */
		size_t hl = alen < WIRE_HDR_LEN ? alen : WIRE_HDR_LEN;

		memcpy(out, ans, hl);
		memset(out + hl, 0, WIRE_HDR_LEN - hl);
		wire_put16(out + 4, 1);
		qend = q.end;
		memcpy(out + WIRE_HDR_LEN, query + WIRE_HDR_LEN,
		    qend - WIRE_HDR_LEN);
		n = qend;
		if (alen > hl) {
			size_t rest = alen - hl;

			if (rest > WIRE_MAX_MSG - n)
				rest = WIRE_MAX_MSG - n;
			memcpy(out + n, ans + hl, rest);
			n += rest;
		}
	}
	if ((ctl & FUZZ_FIX_ID) && n >= 2)
		memcpy(out, query, 2);
	return n;
}

/* Answers what is in flight with ans; returns the verdict, or -1. */
static int
serve_upstream(unsigned ctl, const uint8_t *ans, size_t alen)
{
	static uint8_t buf[WIRE_MAX_MSG];
	size_t n;

	if (fuzz_net.nreqs == 0)
		return -1;
	n = patch_answer(ctl, ans, alen, buf);
	return (int)fuzz_net_answer(buf, n);
}

void
fuzz_net_run(unsigned ctl, const uint8_t *query, size_t qlen,
    const uint8_t *ans, size_t alen)
{
	static struct config cfg;
	static struct query_ctx *ctx;
	static struct local_table *local; /* lives as long as ctx */
	struct listen_reply_to from = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&from.peer;
	int v1, v2;
	unsigned started;

	/* one context for every run (a new one costs more than the run):
	 * each run starts with an empty cache and no fetch in flight */
	if (ctx == NULL) {
		fuzz_net_config(&cfg, 64 * 1024);
		fuzz_net_reset(false);
		ctx = query_ctx_new(fuzz_net.loop, &cfg, NULL);
		assert(ctx != NULL);
		/* the default local names and a few records: questions
		 * for them are answered without the upstream */
		assert(config_set(&cfg, "local-data",
			   "nas.home.arpa. A 192.168.1.10", NULL, 0) == 0);
		assert(
		    config_set(&cfg, "local-data",
			"www.home.arpa. CNAME nas.home.arpa.", NULL, 0) == 0);
		assert(config_set(&cfg, "local-zone", "home.arpa static", NULL,
			   0) == 0);
		local = local_table_from_config(&cfg, 7, NULL, 0);
		assert(local != NULL);
		query_ctx_set_local(ctx, local);
	}
	cache_flush(query_cache(ctx));
	assert(query_pending(ctx) == 0);
	fuzz_net.now_ms = 1000000;
	fuzz_net_reset((ctl & FUZZ_0X20) != 0);
	from.transport = (ctl & FUZZ_TCP) ? LISTEN_TCP : LISTEN_UDP;
	from.fd = -1;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(5353);
	from.peerlen = sizeof(*sin);

	/* 1: the query, the upstream's answer */
	query_receive(ctx, &from, query, qlen);
	v1 = serve_upstream(ctl, ans, alen);
	cache_check(query_cache(ctx));
	assert(fuzz_net.nreplies == 1);
	assert(query_pending(ctx) == 0);
	fuzz_net_check_reply(&fuzz_net.replies[0], query, qlen);

	/* 2: the same query a second later */
	fuzz_net_advance(1000);
	started = fuzz_net.started;
	query_receive(ctx, &from, query, qlen);
	if (fuzz_net.started == started)
		assert(fuzz_net.nreplies == 2);
	if (v1 > 0 && fuzz_net.started == started &&
	    !fuzz_net.replies[1].dropped) {
		/* served without asking upstream after a refused answer:
		 * only a remembered SERVFAIL may be */
		assert(WIRE_RCODE(wire_get16(fuzz_net.replies[1].msg + 2)) ==
		    WIRE_SERVFAIL);
	}
	v2 = serve_upstream(ctl, ans, alen);
	/* a prefetch may have started: end it too */
	(void)serve_upstream(ctl, ans, alen);
	(void)v2;
	cache_check(query_cache(ctx));
	assert(fuzz_net.nreplies == 2);
	fuzz_net_check_reply(&fuzz_net.replies[1], query, qlen);
	if (v1 == UPSTREAM_ANSWER_OK && fuzz_net.started == started + 0 &&
	    !fuzz_net.replies[1].dropped && fuzz_net.replies[0].len > 3) {
		/* a cache hit repeats what the first answer said */
		assert(WIRE_RCODE(wire_get16(fuzz_net.replies[1].msg + 2)) ==
		    WIRE_RCODE(wire_get16(fuzz_net.replies[0].msg + 2)));
	}
	if (getenv("FUZZ_NET_TRACE") != NULL)
		fprintf(stderr,
		    "fuzz_net: verdict %d, %u fetches, rcodes %u %u, "
		    "cache %zu entries\n",
		    v1, fuzz_net.started,
		    fuzz_net.replies[0].dropped
			? 99
			: WIRE_RCODE(wire_get16(fuzz_net.replies[0].msg + 2)),
		    fuzz_net.replies[1].dropped
			? 99
			: WIRE_RCODE(wire_get16(fuzz_net.replies[1].msg + 2)),
		    cache_stats(query_cache(ctx))->entries);
	assert(fuzz_net.nreqs == 0);
}
