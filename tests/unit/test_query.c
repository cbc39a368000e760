/*
 * tests/unit/test_query.c - query.c as scripted scenarios on a fake
 * clock: a client query arrives -> the upstream query it causes -> the
 * upstream's scripted reply -> the answer the client gets -> time moves
 * -> the same query -> an answer with no upstream traffic (or with, as
 * the scenario says).  In the manner of Unbound's testdata .rpl
 * replays, each scenario is a table of steps (data, not code) and a list
 * of roostd.conf options.
 *
 * The fakes are tests/fuzz/fuzz_net.c's (listen captured, upstream
 * scripted but its query built and its answer vetted by the real
 * upstream_query_build() and upstream_answer_check(), the real loop on
 * the clock in fuzz_net.now_ms): no sockets, no real time, no sleep.
 *
 * Invariants checked after every step: every answer is to a query that
 * was asked, with its id and spelling (fuzz_net_check_reply()), once;
 * queries asked = answers sent + query_pending(); fetches in flight =
 * the fake's requests in flight; query_check() and cache_check() hold.
 * A scenario ends with every upstream query and every answer accounted
 * for by its steps.
 *
 * Failover between upstreams and the deadline timer itself live in
 * upstream.c (tests/daemon/test_roostd_failover.sh runs them for real);
 * here the fake ends a request with failure as upstream.c does when
 * every upstream has failed or query-deadline has passed, and the
 * scenarios test what query.c makes of that.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "config.h"
#include "fuzz_net.h"
#include "qlog.h"
#include "loop.h"
#include "query.h"
#include "wire.h"

enum step_op {
	OP_END,
	OP_ASK,         /* n clients send the question */
	OP_UPSTREAM,    /* exactly one new upstream query, for it */
	OP_NO_UPSTREAM, /* no new upstream query */
	OP_REPLY,       /* the upstream answers: an records of ttl */
	OP_REPLY_NEG,   /* the upstream answers rcode, a SOA in authority */
	OP_REFUSE,      /* the upstream answers rcode (the check refuses) */
	OP_FAIL,        /* every upstream failed */
	OP_ANSWER,      /* the next n answers to clients are as said */
	OP_NO_ANSWER,   /* no new answer */
	OP_TIME,        /* the clock moves ms forward */
	OP_STAT,        /* a query_stats counter has this value */
	OP_HURRIED,     /* upstream_hurry() was called value times */
	OP_WATCH_IDLE,  /* query_when_idle() */
	OP_BEFORE_WAIT, /* the loop's hooks run; idle told value times */
	OP_LOG,         /* the next query-log line is name, exactly */
	OP_UNREACHABLE, /* from now on the upstream's tries are network
			   errors (upstream_progress(), failures) */
};

/* Question flags (OP_ASK, OP_UPSTREAM). */
#define Q_TCP 0x01  /* the client came over TCP */
#define Q_EDNS 0x02 /* with an OPT record */
#define Q_DO 0x04   /* EDNS with DO (implies Q_EDNS) */
#define Q_CD 0x08   /* CD set */

#define TTL_ANY UINT32_MAX /* OP_ANSWER: TTLs not checked */

struct step {
	enum step_op op;
	const char *name;
	uint16_t type;
	unsigned flags;
	unsigned n;       /* clients (OP_ASK), answers (OP_ANSWER) */
	unsigned rcode;   /* OP_REPLY*, OP_REFUSE, OP_ANSWER */
	unsigned an;      /* answer records (OP_REPLY, OP_ANSWER) */
	uint32_t ttl;     /* their TTL; OP_REPLY_NEG: the SOA's */
	uint32_t soa_min; /* OP_REPLY_NEG: the SOA's MINIMUM */
	uint64_t ms;      /* OP_TIME */
	size_t stat;      /* OP_STAT: offset in struct query_stats */
	uint64_t value;   /* OP_STAT */
	/* OP_ANSWER: the INFO-CODEs + 1 of the EDE options the answer
	 * carries, in order (0: no more); OP_REPLY: [0] the one the
	 * upstream's answer carries */
	unsigned ede[2];
};

/* The EDE text an upstream sends in the scenarios. */
#define UPSTREAM_EDE_TEXT "upstream says so"

#define ASK(nm, t)                                                             \
	{                                                                      \
		.op = OP_ASK, .name = nm, .type = WIRE_T_##t, .n = 1           \
	}
#define ASK_F(nm, t, f)                                                        \
	{                                                                      \
		.op = OP_ASK, .name = nm, .type = WIRE_T_##t, .flags = f,      \
		.n = 1                                                         \
	}
#define ASK_N(k, nm, t)                                                        \
	{                                                                      \
		.op = OP_ASK, .name = nm, .type = WIRE_T_##t, .n = k           \
	}
#define UPSTREAM(nm, t)                                                        \
	{                                                                      \
		.op = OP_UPSTREAM, .name = nm, .type = WIRE_T_##t              \
	}
#define UPSTREAM_F(nm, t, f)                                                   \
	{                                                                      \
		.op = OP_UPSTREAM, .name = nm, .type = WIRE_T_##t, .flags = f  \
	}
#define NO_UPSTREAM                                                            \
	{                                                                      \
		.op = OP_NO_UPSTREAM                                           \
	}
#define REPLY(k, t)                                                            \
	{                                                                      \
		.op = OP_REPLY, .rcode = WIRE_NOERROR, .an = k, .ttl = t       \
	}
#define REPLY_EDE(k, t, c)                                                     \
	{                                                                      \
		.op = OP_REPLY, .rcode = WIRE_NOERROR, .an = k, .ttl = t,      \
		.ede = {(c) + 1 }                                              \
	}
#define REPLY_NEG(rc, t, min)                                                  \
	{                                                                      \
		.op = OP_REPLY_NEG, .rcode = WIRE_##rc, .ttl = t,              \
		.soa_min = min                                                 \
	}
#define REFUSE(rc)                                                             \
	{                                                                      \
		.op = OP_REFUSE, .rcode = WIRE_##rc                            \
	}
#define FAIL                                                                   \
	{                                                                      \
		.op = OP_FAIL                                                  \
	}
#define ANSWER(rc, k, t)                                                       \
	{                                                                      \
		.op = OP_ANSWER, .n = 1, .rcode = WIRE_##rc, .an = k, .ttl = t \
	}
#define ANSWER_EDE(rc, k, t, c)                                                \
	{                                                                      \
		.op = OP_ANSWER, .n = 1, .rcode = WIRE_##rc, .an = k,          \
		.ttl = t,                                                      \
		.ede = {(c) + 1 }                                              \
	}
#define ANSWER_EDE2(rc, k, t, c1, c2)                                          \
	{                                                                      \
		.op = OP_ANSWER, .n = 1, .rcode = WIRE_##rc, .an = k,          \
		.ttl = t,                                                      \
		.ede = {(c1) + 1,                                              \
			(c2) + 1 }                                             \
	}
#define ANSWER_N(c, rc, k, t)                                                  \
	{                                                                      \
		.op = OP_ANSWER, .n = c, .rcode = WIRE_##rc, .an = k, .ttl = t \
	}
#define NO_ANSWER                                                              \
	{                                                                      \
		.op = OP_NO_ANSWER                                             \
	}
#define SECONDS(s)                                                             \
	{                                                                      \
		.op = OP_TIME, .ms = (uint64_t)(s)*1000                        \
	}
#define MS(m)                                                                  \
	{                                                                      \
		.op = OP_TIME, .ms = m                                         \
	}
#define STAT(field, v)                                                         \
	{                                                                      \
		.op = OP_STAT, .stat = offsetof(struct query_stats, field),    \
		.value = v                                                     \
	}
#define HURRIED(v)                                                             \
	{                                                                      \
		.op = OP_HURRIED, .value = v                                   \
	}
#define WATCH_IDLE                                                             \
	{                                                                      \
		.op = OP_WATCH_IDLE                                            \
	}
#define BEFORE_WAIT(told)                                                      \
	{                                                                      \
		.op = OP_BEFORE_WAIT, .value = told                            \
	}
#define UNREACHABLE                                                            \
	{                                                                      \
		.op = OP_UNREACHABLE                                           \
	}
#define LOG(line)                                                              \
	{                                                                      \
		.op = OP_LOG, .name = line                                     \
	}
#define END                                                                    \
	{                                                                      \
		.op = OP_END                                                   \
	}

#define SCENARIO_MAX_STEPS 48
#define SCENARIO_MAX_OPTIONS 16
#define SCENARIO_MAX_ASKED 64 /* within FUZZ_MAX_REPLIES */

struct scenario {
	const char *options[SCENARIO_MAX_OPTIONS]; /* key, value, ..., NULL */
	struct step steps[SCENARIO_MAX_STEPS];
};

/* What the runner has seen so far. */
struct run {
	struct config cfg;
	struct query_ctx *ctx;
	uint8_t q[SCENARIO_MAX_ASKED][512]; /* client queries, by id - 1 */
	size_t qlen[SCENARIO_MAX_ASKED];
	bool answered[SCENARIO_MAX_ASKED];
	unsigned asked;        /* client queries sent */
	unsigned replies_seen; /* answers the steps accounted for */
	unsigned started_seen; /* upstream queries they accounted for */
	unsigned idle_told;    /* query_when_idle()'s callback ran */
	struct qlog *qlog;     /* every scenario's answers are logged */
	char lines[SCENARIO_MAX_ASKED][QLOG_LINE_MAX];
	unsigned nlines, lines_seen;
};

static struct run run;

/* --- messages ------------------------------------------------------------ */

/* A client query for name/type with flags (Q_*), id id; its length. */
static size_t
build_query(uint8_t *out, size_t cap, uint16_t id, const char *name,
    uint16_t type, unsigned flags)
{
	uint8_t wname[WIRE_MAX_NAME];
	size_t nlen, n;
	bool edns = (flags & (Q_EDNS | Q_DO)) != 0;

	assert_int_equal(wire_name_from_text(name, wname, &nlen), WIRE_OK);
	assert_true(WIRE_HDR_LEN + nlen + 4 + 11 <= cap);
	wire_write_header(out,
	    &(struct wire_header){ .id = id,
		.flags = (uint16_t)(WIRE_RD | (flags & Q_CD ? WIRE_CD : 0)),
		.qdcount = 1,
		.arcount = edns ? 1 : 0 });
	n = WIRE_HDR_LEN;
	memcpy(out + n, wname, nlen);
	n += nlen;
	wire_put16(out + n, type);
	wire_put16(out + n + 2, WIRE_C_IN);
	n += 4;
	if (edns) {
		out[n] = 0; /* root owner */
		wire_put16(out + n + 1, WIRE_T_OPT);
		wire_put16(out + n + 3, QUERY_EDNS_SIZE);
		wire_put32(out + n + 5, flags & Q_DO ? WIRE_EDNS_DO : 0);
		wire_put16(out + n + 9, 0);
		n += 11;
	}
	return n;
}

/*
 * The upstream's answer to the oldest query in flight: its id and question as
 * sent (the case of DNS 0x20 included), rcode, an records of the
 * question's type with TTL ttl, a SOA (TTL ttl, MINIMUM soa_min) in
 * authority if soa, and an OPT, with an EDE option of INFO-CODE ede - 1
 * and UPSTREAM_EDE_TEXT if ede is not 0.  Returns its length.
 */
static size_t
build_reply(uint8_t *out, size_t cap, unsigned rcode, unsigned an, uint32_t ttl,
    bool soa, uint32_t soa_min, unsigned ede)
{
	size_t olen = 0;
	struct wire_header h;
	struct wire_question q;
	struct wire_msg m;
	size_t n, rdlen, qlen;
	const uint8_t *query = fuzz_net_req_query(0, &qlen);

	assert_int_equal(wire_parse_question(query, qlen, &h, &q), WIRE_OK);
	assert_int_equal(wire_parse_msg(query, qlen, &m, NULL, 0), WIRE_OK);
	rdlen = q.qtype == WIRE_T_AAAA ? 16 : 4;
	assert_true(q.end + an * (12 + rdlen) + 11 + 33 + 11 + 64 <= cap);
	memcpy(out, query, q.end);
	wire_write_header(out,
	    &(struct wire_header){ .id = h.id,
		.flags = (uint16_t)(WIRE_QR | WIRE_RA |
		    (h.flags & (WIRE_RD | WIRE_CD)) | rcode),
		.qdcount = 1,
		.ancount = (uint16_t)an,
		.nscount = soa ? 1 : 0,
		.arcount = 1 });
	n = q.end;
	for (unsigned i = 0; i < an; i++) {
		wire_put16(out + n, 0xc000 | WIRE_HDR_LEN); /* the qname */
		wire_put16(out + n + 2, q.qtype);
		wire_put16(out + n + 4, WIRE_C_IN);
		wire_put32(out + n + 6, ttl);
		wire_put16(out + n + 10, (uint16_t)rdlen);
		memset(out + n + 12, 0, rdlen);
		out[n + 12] = 192;
		out[n + 12 + rdlen - 1] = (uint8_t)(i + 1);
		n += 12 + rdlen;
	}
	if (soa) {
		/* owner "test.", MNAME and RNAME the root */
		static const uint8_t owner[] = { 4, 't', 'e', 's', 't', 0 };

		memcpy(out + n, owner, sizeof(owner));
		n += sizeof(owner);
		wire_put16(out + n, WIRE_T_SOA);
		wire_put16(out + n + 2, WIRE_C_IN);
		wire_put32(out + n + 4, ttl);
		wire_put16(out + n + 8, 22);
		n += 10;
		out[n] = 0;
		out[n + 1] = 0;
		wire_put32(out + n + 2, 1);        /* serial */
		wire_put32(out + n + 6, 7200);     /* refresh */
		wire_put32(out + n + 10, 900);     /* retry */
		wire_put32(out + n + 14, 1209600); /* expire */
		wire_put32(out + n + 18, soa_min);
		n += 22;
	}
	out[n] = 0;
	wire_put16(out + n + 1, WIRE_T_OPT);
	wire_put16(out + n + 3, UPSTREAM_EDNS_SIZE);
	wire_put32(out + n + 5, m.edns.flags & WIRE_EDNS_DO);
	if (ede != 0)
		assert_int_equal(wire_opt_put_ede(out + n + 11, 64, &olen,
				     (uint16_t)(ede - 1),
				     (const uint8_t *)UPSTREAM_EDE_TEXT,
				     strlen(UPSTREAM_EDE_TEXT)),
		    WIRE_OK);
	wire_put16(out + n + 9, (uint16_t)olen);
	return n + 11 + olen;
}

/* --- steps --------------------------------------------------------------- */

static void
ask(const struct step *s)
{
	struct listen_reply_to from = { .fd = -1 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&from.peer;

	from.transport = (s->flags & Q_TCP) ? LISTEN_TCP : LISTEN_UDP;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(5353);
	from.peerlen = sizeof(*sin);
	for (unsigned i = 0; i < s->n; i++) {
		unsigned k = run.asked++;

		assert_true(k < SCENARIO_MAX_ASKED);
		run.qlen[k] = build_query(run.q[k], sizeof(run.q[k]),
		    (uint16_t)(k + 1), s->name, s->type, s->flags);
		query_receive(run.ctx, &from, run.q[k], run.qlen[k]);
	}
}

/* The new upstream query is for s's question, with RD and s's CD, DO. */
static void
expect_upstream(const struct step *s)
{
	uint8_t wname[WIRE_MAX_NAME];
	size_t nlen;
	struct wire_header h;
	struct wire_question q;
	struct wire_msg m;

	assert_int_equal(fuzz_net.started, run.started_seen + 1);
	run.started_seen++;
	assert_int_not_equal(fuzz_net.nreqs, 0);
	assert_int_equal(wire_name_from_text(s->name, wname, &nlen), WIRE_OK);
	assert_int_equal(
	    wire_parse_question(fuzz_net.query, fuzz_net.qlen, &h, &q),
	    WIRE_OK);
	assert_int_equal(
	    wire_parse_msg(fuzz_net.query, fuzz_net.qlen, &m, NULL, 0),
	    WIRE_OK);
	assert_true(wire_name_equal(q.name, q.name_len, wname, nlen));
	assert_int_equal(q.qtype, s->type);
	assert_int_equal(q.qclass, WIRE_C_IN);
	assert_true(h.flags & WIRE_RD);
	assert_false(h.flags & WIRE_QR);
	assert_int_equal((h.flags & WIRE_CD) != 0, (s->flags & Q_CD) != 0);
	assert_true(m.edns.present);
	assert_int_equal((m.edns.flags & WIRE_EDNS_DO) != 0,
	    (s->flags & Q_DO) != 0);
}

/*
 * The EDE options of r are s's: INFO-CODEs in order, roostd's own with
 * a text, the upstream's with UPSTREAM_EDE_TEXT.
 */
static void
check_ede(const struct step *s, const struct fuzz_reply *r)
{
	struct wire_msg m;
	struct wire_opt_iter it;
	struct wire_opt o;
	unsigned i = 0;

	assert_int_equal(wire_parse_msg(r->msg, r->len, &m, NULL, 0), WIRE_OK);
	if (m.edns.present) {
		it = (struct wire_opt_iter){ r->msg + m.edns.opts_off,
			m.edns.opts_len };
		while (wire_opt_next(&it, &o)) {
			if (o.code != WIRE_OPT_EDE)
				continue;
			assert_true(i < 2 && s->ede[i] != 0);
			assert_true(o.len >= 2);
			assert_int_equal(wire_get16(o.data), s->ede[i] - 1);
			i++;
		}
	}
	assert_true(i == 2 || s->ede[i] == 0); /* none missing */
}

/* One captured answer is s's: rcode, answer count, every TTL, EDE. */
static void
check_answer(const struct step *s, const struct fuzz_reply *r)
{
	struct wire_iter it;
	struct wire_rr rr;
	unsigned id, an = 0;
	int e;

	assert_false(r->dropped);
	assert_true(r->len >= WIRE_HDR_LEN);
	id = wire_get16(r->msg);
	assert_true(id >= 1 && id <= run.asked);
	assert_false(run.answered[id - 1]); /* each query ends once */
	run.answered[id - 1] = true;
	fuzz_net_check_reply(r, run.q[id - 1], run.qlen[id - 1]);
	assert_int_equal(WIRE_RCODE(wire_get16(r->msg + 2)), s->rcode);
	assert_int_equal(wire_iter_init(&it, r->msg, r->len), WIRE_OK);
	while ((e = wire_iter_next(&it, &rr)) == WIRE_OK) {
		if (rr.type == WIRE_T_OPT)
			continue;
		if (rr.section == WIRE_SEC_ANSWER)
			an++;
		if (s->ttl != TTL_ANY)
			assert_int_equal(rr.ttl, s->ttl);
	}
	assert_int_equal(e, WIRE_END);
	assert_int_equal(an, s->an);
	check_ede(s, r);
}

static void
expect_answers(const struct step *s)
{
	assert_true(fuzz_net.nreplies >= run.replies_seen + s->n);
	for (unsigned i = 0; i < s->n; i++)
		check_answer(s, &fuzz_net.replies[run.replies_seen + i]);
	run.replies_seen += s->n;
}

static void
upstream_reply(const struct step *s)
{
	static uint8_t buf[WIRE_MAX_MSG];
	size_t n;

	assert_int_not_equal(fuzz_net.nreqs, 0);
	switch (s->op) {
	case OP_REPLY:
		n = build_reply(buf, sizeof(buf), s->rcode, s->an, s->ttl,
		    false, 0, s->ede[0]);
		assert_int_equal(fuzz_net_answer(buf, n), UPSTREAM_ANSWER_OK);
		break;
	case OP_REPLY_NEG:
		n = build_reply(buf, sizeof(buf), s->rcode, 0, s->ttl, true,
		    s->soa_min, 0);
		assert_int_equal(fuzz_net_answer(buf, n), UPSTREAM_ANSWER_OK);
		break;
	default: /* OP_REFUSE: the real check must turn it down */
		n = build_reply(buf, sizeof(buf), s->rcode, 0, 0, false, 0, 0);
		assert_int_not_equal(fuzz_net_answer(buf, n),
		    UPSTREAM_ANSWER_OK);
		break;
	}
}

/* The invariants that hold between any two steps. */
static void
check_state(void)
{
	assert_int_equal(run.asked, fuzz_net.nreplies + query_pending(run.ctx));
	assert_int_equal(query_fetches(run.ctx), fuzz_net.nreqs);
	query_check(run.ctx);
	loop_check(fuzz_net.loop);
	cache_check(query_cache(run.ctx));
}

static void
idle_told(void *arg)
{
	assert_ptr_equal(arg, &run);
	assert_int_equal(query_pending(run.ctx), 0);
	run.idle_told++;
}

/* The query log's sink: keeps the lines, for OP_LOG. */
static void
log_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	assert_true(run.nlines < SCENARIO_MAX_ASKED);
	assert_int_equal(strlen(line), len);
	snprintf(run.lines[run.nlines++], QLOG_LINE_MAX, "%s", line);
}

static void
step_run(const struct step *s)
{
	const uint8_t *st = (const uint8_t *)query_stats(run.ctx);
	uint64_t v;

	switch (s->op) {
	case OP_ASK:
		ask(s);
		break;
	case OP_UPSTREAM:
		expect_upstream(s);
		break;
	case OP_NO_UPSTREAM:
		assert_int_equal(fuzz_net.started, run.started_seen);
		break;
	case OP_REPLY:
	case OP_REPLY_NEG:
	case OP_REFUSE:
		upstream_reply(s);
		break;
	case OP_FAIL:
		assert_int_not_equal(fuzz_net.nreqs, 0);
		fuzz_net_fail();
		break;
	case OP_ANSWER:
		expect_answers(s);
		break;
	case OP_NO_ANSWER:
		assert_int_equal(fuzz_net.nreplies, run.replies_seen);
		break;
	case OP_TIME:
		fuzz_net_advance(s->ms);
		break;
	case OP_STAT:
		memcpy(&v, st + s->stat, sizeof(v));
		assert_int_equal(v, s->value);
		break;
	case OP_HURRIED:
		assert_int_equal(fuzz_net.hurried, s->value);
		break;
	case OP_WATCH_IDLE:
		query_when_idle(run.ctx, idle_told, &run);
		break;
	case OP_BEFORE_WAIT:
		fuzz_net_before_wait();
		assert_int_equal(run.idle_told, s->value);
		break;
	case OP_LOG:
		assert_true(run.lines_seen < run.nlines);
		assert_string_equal(run.lines[run.lines_seen++], s->name);
		break;
	case OP_UNREACHABLE:
		fuzz_net.failure = UPSTREAM_UNREACHABLE;
		break;
	case OP_END:
		break;
	}
}

/* Runs sc from a new context on an empty cache; fails at the first
 * step that does not go as written. */
static void
scenario_run(const struct scenario *sc)
{
	char err[256];
	unsigned i;

	/* a scenario that failed left its context, and its timers armed
	 * in the loop: they must not fire into this one */
	qlog_free(run.qlog);
	if (run.ctx != NULL)
		query_ctx_free(run.ctx);
	memset(&run, 0, sizeof(run));
	config_defaults(&run.cfg);
	assert_int_equal(config_set(&run.cfg, "upstream", "127.0.0.2#5300", err,
			     sizeof(err)),
	    0);
	for (i = 0; sc->options[i] != NULL; i += 2) {
		if (config_set(&run.cfg, sc->options[i], sc->options[i + 1],
			err, sizeof(err)) != 0)
			fail_msg("%s = %s: %s", sc->options[i],
			    sc->options[i + 1], err);
	}
	if (config_finish(&run.cfg, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	fuzz_net.now_ms = 1000000;
	fuzz_net_reset(run.cfg.dns0x20);
	fuzz_net.deadline_ms = run.cfg.upstream_give_up_ms;
	run.ctx = query_ctx_new(fuzz_net.loop, &run.cfg, NULL);
	assert_non_null(run.ctx);
	assert_non_null(run.qlog = qlog_new(fuzz_net.loop, run.ctx));
	qlog_set_sink(run.qlog, log_line, NULL);
	for (i = 0; sc->steps[i].op != OP_END; i++) {
		assert_true(i < SCENARIO_MAX_STEPS);
		step_run(&sc->steps[i]);
		check_state();
	}
	/* nothing happened that the script did not say */
	assert_int_equal(fuzz_net.started, run.started_seen);
	assert_int_equal(fuzz_net.nreplies, run.replies_seen);
	assert_int_equal(fuzz_net.nreqs, 0);
	/* one log line per answer */
	assert_int_equal(run.nlines, fuzz_net.nreplies);
	qlog_free(run.qlog);
	run.qlog = NULL;
	query_ctx_free(run.ctx);
	run.ctx = NULL;
}

/* --- scenarios ----------------------------------------------------------- */

/* A miss goes upstream; the same question again is a hit: no upstream
 * query, the full TTL (no time has passed). */
static void
test_query_hit_after_miss(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("www.example.test", A),
			UPSTREAM("www.example.test", A),
			NO_ANSWER,
			REPLY(2, 300),
			ANSWER(NOERROR, 2, 300),
			ASK("WWW.Example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 2, 300),
			ASK_F("www.example.test", A, Q_TCP),
			NO_UPSTREAM,
			ANSWER(NOERROR, 2, 300),
			/* another type is another key */
			ASK("www.example.test", AAAA),
			UPSTREAM("www.example.test", AAAA),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/*
 * The query log: one line per answer, saying where it came from and how
 * long it took on the (fake) clock; roostd's own answers too.
 */
static void
test_query_log_lines(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("www.Example.test", A),
			UPSTREAM("www.example.test", A),
			MS(7),
			REPLY(2, 300),
			ANSWER(NOERROR, 2, 300),
			LOG("127.0.0.1#5353 udp www.example.test. A NOERROR "
			    "upstream " FUZZ_NET_SERVER " 7ms"),
			ASK_F("www.example.test", A, Q_TCP),
			ANSWER(NOERROR, 2, 300),
			LOG("127.0.0.1#5353 tcp www.example.test. A NOERROR "
			    "cache 0ms"),
			ASK("nope.example.test", AAAA),
			UPSTREAM("nope.example.test", AAAA),
			REPLY_NEG(NXDOMAIN, 300, 60),
			ANSWER(NXDOMAIN, 0, TTL_ANY),
			LOG("127.0.0.1#5353 udp nope.example.test. AAAA NXDOMAIN "
			    "upstream " FUZZ_NET_SERVER " 0ms"),
			ASK("example.test", AXFR),
			ANSWER(REFUSED, 0, TTL_ANY),
			LOG("127.0.0.1#5353 udp example.test. AXFR REFUSED "
			    "roostd 0ms"),
			ASK("slow.example.test", TXT),
			UPSTREAM("slow.example.test", TXT),
			SECONDS(2),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			LOG("127.0.0.1#5353 udp slow.example.test. TXT SERVFAIL "
			    "roostd 2000ms"),
			FAIL,
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* DO and CD are part of the key, and go upstream as asked. */
static void
test_query_do_cd_are_keys(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("k.example.test", A),
			UPSTREAM("k.example.test", A),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			ASK_F("k.example.test", A, Q_DO),
			UPSTREAM_F("k.example.test", A, Q_DO),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			ASK_F("k.example.test", A, Q_CD),
			UPSTREAM_F("k.example.test", A, Q_CD),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			ASK_F("k.example.test", A, Q_DO),
			ASK_F("k.example.test", A, Q_CD),
			ASK_F("k.example.test", A, Q_EDNS),
			NO_UPSTREAM,
			ANSWER_N(3, NOERROR, 1, 300),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* Served TTLs go down by the elapsed fake seconds; at the lifetime the
 * entry is gone and the question goes upstream again. */
static void
test_query_ttl_counts_down_then_expires(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "serve-stale", "no", NULL },
		.steps = {
			ASK("ttl.example.test", A),
			UPSTREAM("ttl.example.test", A),
			REPLY(1, 100),
			ANSWER(NOERROR, 1, 100),
			SECONDS(1),
			ASK("ttl.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 99),
			MS(37500),
			ASK("ttl.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 62),
			MS(61499), /* 99.999 s after the answer */
			ASK("ttl.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 1),
			MS(1),
			ASK("ttl.example.test", A),
			UPSTREAM("ttl.example.test", A),
			REPLY(1, 100),
			ANSWER(NOERROR, 1, 100),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* max-ttl caps the lifetime and every served TTL; min-ttl keeps a short
 * answer longer, its served TTLs counting down from the upstream's to 0. */
static void
test_query_ttl_clamped(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "serve-stale", "no", "max-ttl",
		    "60", "min-ttl", "20", NULL },
		.steps = {
			ASK("long.example.test", A),
			UPSTREAM("long.example.test", A),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 60),
			ASK("short.example.test", A),
			UPSTREAM("short.example.test", A),
			REPLY(1, 5),
			ANSWER(NOERROR, 1, 5),
			SECONDS(19),
			ASK("short.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 0),
			ASK("long.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 41),
			SECONDS(41),
			ASK("long.example.test", A),
			UPSTREAM("long.example.test", A),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 60),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* RFC 2308: NXDOMAIN and NODATA live min(SOA TTL, MINIMUM), counting
 * down like any entry; max-negative-ttl caps them. */
static void
test_query_negative_cached_by_soa(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "serve-stale", "no",
		    "max-negative-ttl", "30", NULL },
		.steps = {
			ASK("nx.example.test", A),
			UPSTREAM("nx.example.test", A),
			REPLY_NEG(NXDOMAIN, 3600, 8),
			ANSWER(NXDOMAIN, 0, 8),
			ASK("nodata.example.test", AAAA),
			UPSTREAM("nodata.example.test", AAAA),
			REPLY_NEG(NOERROR, 6, 900),
			ANSWER(NOERROR, 0, 6),
			ASK("capped.example.test", A),
			UPSTREAM("capped.example.test", A),
			REPLY_NEG(NXDOMAIN, 3600, 3600),
			ANSWER(NXDOMAIN, 0, 30),
			SECONDS(3),
			ASK("nx.example.test", A),
			ASK("nodata.example.test", AAAA),
			NO_UPSTREAM,
			ANSWER(NXDOMAIN, 0, 5),
			ANSWER(NOERROR, 0, 3),
			SECONDS(3),
			ASK("nodata.example.test", AAAA),
			UPSTREAM("nodata.example.test", AAAA),
			REPLY_NEG(NOERROR, 6, 900),
			ANSWER(NOERROR, 0, 6),
			SECONDS(2),
			ASK("nx.example.test", A),
			UPSTREAM("nx.example.test", A),
			REPLY_NEG(NXDOMAIN, 3600, 8),
			ANSWER(NXDOMAIN, 0, 8),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* A negative answer without a SOA is not cached (RFC 2308 5). */
static void
test_query_negative_without_soa_not_cached(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("nosoa.example.test", A),
			UPSTREAM("nosoa.example.test", A),
			REPLY(0, 300),
			ANSWER(NOERROR, 0, TTL_ANY),
			ASK("nosoa.example.test", A),
			UPSTREAM("nosoa.example.test", A),
			REPLY(0, 300),
			ANSWER(NOERROR, 0, TTL_ANY),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* TTL 0: answered, never cached: the next asker goes upstream too. */
static void
test_query_ttl_zero_not_cached(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("zero.example.test", A),
			UPSTREAM("zero.example.test", A),
			REPLY(1, 0),
			ANSWER(NOERROR, 1, 0),
			ASK("zero.example.test", A),
			UPSTREAM("zero.example.test", A),
			REPLY(1, 0),
			ANSWER(NOERROR, 1, 0),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* Many askers while the fetch is in flight: one upstream query, every
 * one answered when it comes back; then the entry serves them all. */
static void
test_query_coalesces_askers(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("coal.example.test", A),
			UPSTREAM("coal.example.test", A),
			MS(300),
			ASK_N(9, "coal.example.test", A),
			ASK_F("COAL.example.TEST", A, Q_TCP),
			ASK_F("cOaL.example.test", A, Q_EDNS),
			NO_UPSTREAM,
			NO_ANSWER,
			STAT(coalesced, 11),
			HURRIED(11),
			MS(700),
			REPLY(1, 60),
			ANSWER_N(12, NOERROR, 1, 60),
			ASK_N(3, "coal.example.test", A),
			NO_UPSTREAM,
			ANSWER_N(3, NOERROR, 1, 60),
			STAT(coalesced, 11),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* A hit in the last tenth of the lifetime is answered from the cache
 * and starts one background refresh; later hits come from it. */
static void
test_query_prefetch_last_tenth(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			ASK("pf.example.test", A),
			UPSTREAM("pf.example.test", A),
			REPLY(1, 100),
			ANSWER(NOERROR, 1, 100),
			SECONDS(89), /* 11 s left: not yet */
			ASK("pf.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 11),
			SECONDS(1), /* 10 s left: the last tenth */
			ASK("pf.example.test", A),
			ANSWER(NOERROR, 1, 10),
			UPSTREAM("pf.example.test", A),
			STAT(prefetches, 1),
			/* a hit meanwhile starts no second refresh */
			ASK("pf.example.test", A),
			ANSWER(NOERROR, 1, 10),
			NO_UPSTREAM,
			REPLY(1, 100),
			NO_ANSWER, /* nobody waited for it */
			SECONDS(20), /* the old entry would be gone */
			ASK("pf.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 80),
			STAT(prefetches, 1),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* prefetch no: the last tenth is a plain hit; expiry refetches. */
static void
test_query_prefetch_off(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "serve-stale", "no", NULL },
		.steps = {
			ASK("pfno.example.test", A),
			UPSTREAM("pfno.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(9),
			ASK("pfno.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 1),
			SECONDS(1),
			ASK("pfno.example.test", A),
			UPSTREAM("pfno.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			STAT(prefetches, 0),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* serve-stale (RFC 8767): once expired the question goes upstream; when
 * that fails the expired answer is served with CACHE_STALE_TTL, and a
 * working upstream replaces it. */
static void
test_query_serve_stale(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "serve-stale", "yes",
		    "stale-limit", "600", "stale-recheck", "30", NULL },
		.steps = {
			ASK("stale.example.test", A),
			UPSTREAM("stale.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(15),
			ASK("stale.example.test", A),
			UPSTREAM("stale.example.test", A),
			NO_ANSWER,
			FAIL,
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale, 1),
			/* the refresh failed: for stale-recheck, stale
			 * answers at once and no upstream query */
			SECONDS(29),
			ASK("stale.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale, 2),
			STAT(stale_rechecks, 1),
			/* then asked again; a refused answer (SERVFAIL) is
			 * a failure too */
			SECONDS(1),
			ASK("stale.example.test", A),
			UPSTREAM("stale.example.test", A),
			REFUSE(SERVFAIL),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale, 3),
			SECONDS(30),
			ASK("stale.example.test", A),
			UPSTREAM("stale.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			ASK("stale.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 10),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* Past expiry + stale-limit, or with serve-stale no, a failure is a
 * SERVFAIL. */
static void
test_query_stale_limit_and_off(void **state)
{
	static const struct scenario lim = {
		.options = { "prefetch", "no", "serve-stale", "yes",
		    "stale-limit", "5", "servfail-ttl", "0", NULL },
		.steps = {
			ASK("lim.example.test", A),
			UPSTREAM("lim.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(14), /* 4 s past expiry: within the limit */
			ASK("lim.example.test", A),
			UPSTREAM("lim.example.test", A),
			FAIL,
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			SECONDS(2), /* 6 s past: beyond it */
			ASK("lim.example.test", A),
			UPSTREAM("lim.example.test", A),
			FAIL,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			STAT(stale, 1),
			END,
		},
	};
	static const struct scenario off = {
		.options = { "prefetch", "no", "serve-stale", "no",
		    "servfail-ttl", "0", NULL },
		.steps = {
			ASK("off.example.test", A),
			UPSTREAM("off.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(11),
			ASK("off.example.test", A),
			UPSTREAM("off.example.test", A),
			FAIL,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			STAT(stale, 0),
			END,
		},
	};

	(void)state;
	scenario_run(&lim);
	scenario_run(&off);
}

/* A SERVFAIL from every upstream is remembered for servfail-ttl: the
 * next askers get it without upstream traffic, then it is asked again. */
static void
test_query_servfail_remembered(void **state)
{
	static const struct scenario sc = {
		.options = { "servfail-ttl", "10", NULL },
		.steps = {
			ASK("sf.example.test", A),
			UPSTREAM("sf.example.test", A),
			REFUSE(SERVFAIL),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			SECONDS(1),
			ASK("sf.example.test", A),
			NO_UPSTREAM,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			/* its last tenth: no prefetch of a failure */
			SECONDS(8),
			ASK("sf.example.test", A),
			NO_UPSTREAM,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			/* expired: asked again (never served stale) */
			SECONDS(1),
			ASK("sf.example.test", A),
			UPSTREAM("sf.example.test", A),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			END,
		},
	};
	static const struct scenario zero = {
		.options = { "servfail-ttl", "0", NULL },
		.steps = {
			ASK("sf0.example.test", A),
			UPSTREAM("sf0.example.test", A),
			FAIL,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			ASK("sf0.example.test", A),
			UPSTREAM("sf0.example.test", A),
			FAIL,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
	scenario_run(&zero);
}

/* No upstream reply yet: each waiting client gets SERVFAIL at its own
 * query-deadline, not before; the fetch goes on, and its late answer is
 * served to whoever still waits and cached.  The client's deadline
 * remembers no SERVFAIL. */
static void
test_query_deadline_servfail(void **state)
{
	static const struct scenario sc = {
		.options = { "upstream-timeout", "300", "query-deadline",
		    "1500", "upstream-give-up", "10000", "servfail-ttl",
		    "5", NULL },
		.steps = {
			ASK("slow.example.test", A),
			UPSTREAM("slow.example.test", A),
			MS(1000),
			ASK_F("slow.example.test", A, Q_TCP),
			NO_UPSTREAM,
			MS(499),
			NO_ANSWER,
			MS(1),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			STAT(deadlines, 1),
			MS(999),
			NO_ANSWER,
			MS(1),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			STAT(deadlines, 2),
			/* no SERVFAIL remembered: the next asker waits on
			 * the same fetch */
			ASK("slow.example.test", A),
			NO_UPSTREAM,
			NO_ANSWER,
			MS(1000),
			REPLY(1, 60),
			ANSWER(NOERROR, 1, 60),
			STAT(late, 1),
			ASK("slow.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 60),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* A fetch that nobody waits for any more still caches its answer, and
 * one that fails at upstream-give-up is what a SERVFAIL is remembered
 * for (servfail-ttl): before that, no asker gets one without waiting. */
static void
test_query_give_up_remembers_servfail(void **state)
{
	static const struct scenario late = {
		.options = { "query-deadline", "2000", "upstream-give-up",
		    "10000", NULL },
		.steps = {
			ASK("late.example.test", A),
			UPSTREAM("late.example.test", A),
			SECONDS(2),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			SECONDS(1),
			REPLY(1, 300),
			NO_ANSWER,
			STAT(late, 1),
			ASK("late.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 300),
			END,
		},
	};
	static const struct scenario gu = {
		.options = { "query-deadline", "2000", "upstream-give-up",
		    "10000", "servfail-ttl", "5", NULL },
		.steps = {
			ASK("gu.example.test", A),
			UPSTREAM("gu.example.test", A),
			SECONDS(2),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			SECONDS(7),
			ASK("gu.example.test", A), /* joins, deadline at 11 s */
			NO_UPSTREAM,
			NO_ANSWER,
			MS(999),
			NO_ANSWER,
			MS(1), /* 10 s: given up */
			ANSWER(SERVFAIL, 0, TTL_ANY),
			STAT(deadlines, 1),
			/* now remembered for servfail-ttl */
			SECONDS(4),
			ASK("gu.example.test", A),
			NO_UPSTREAM,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			SECONDS(1),
			ASK("gu.example.test", A),
			UPSTREAM("gu.example.test", A),
			REPLY(1, 60),
			ANSWER(NOERROR, 1, 60),
			END,
		},
	};

	(void)state;
	scenario_run(&late);
	scenario_run(&gu);
}

/* RFC 8767's client response timer: an expired entry's refresh that has
 * not answered by stale-answer-client-timeout gets the client the stale
 * answer (TTL 30); the refresh goes on, and its late answer refreshes
 * the entry.  When it fails, stale answers go out at once. */
static void
test_query_stale_at_client_timeout(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "stale-limit", "3600",
		    "stale-answer-client-timeout", "1800", "query-deadline",
		    "2000", "upstream-give-up", "10000", NULL },
		.steps = {
			ASK("sct.example.test", A),
			UPSTREAM("sct.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(20),
			ASK("sct.example.test", A),
			UPSTREAM("sct.example.test", A),
			MS(1799),
			NO_ANSWER,
			MS(1),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale, 1),
			STAT(deadlines, 0),
			/* another asker joins the refresh: stale at its
			 * own 1.8 s */
			ASK("sct.example.test", A),
			NO_UPSTREAM,
			MS(1800),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale, 2),
			/* the refresh answers late: fresh from now on */
			SECONDS(1),
			REPLY(1, 300),
			NO_ANSWER,
			STAT(late, 1),
			ASK("sct.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 300),
			/* expired again, and the upstream dead: stale at
			 * 1.8 s; after the give-up, at once, without asking,
			 * for stale-recheck (30 s) */
			SECONDS(301),
			ASK("sct.example.test", A),
			UPSTREAM("sct.example.test", A),
			MS(1800),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			MS(8200),
			NO_ANSWER,
			ASK("sct.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			STAT(stale_rechecks, 1),
			SECONDS(30),
			ASK("sct.example.test", A),
			UPSTREAM("sct.example.test", A),
			REPLY(1, 300),
			ANSWER(NOERROR, 1, 300),
			END,
		},
	};
	static const struct scenario now = {
		.options = { "prefetch", "no", "stale-answer-client-timeout",
		    "0", NULL },
		.steps = {
			ASK("sc0.example.test", A),
			UPSTREAM("sc0.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(11),
			/* 0: the stale answer at once, then the refresh */
			ASK("sc0.example.test", A),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			UPSTREAM("sc0.example.test", A),
			REPLY(1, 60),
			NO_ANSWER,
			ASK("sc0.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 60),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
	scenario_run(&now);
}

/* An upstream try that fails (an answer the check refuses: wrong rcode,
 * or REFUSED) never reaches the cache or the client; once every
 * upstream has failed (upstream.c) the client gets SERVFAIL, and a
 * later good answer is served and cached as usual. */
static void
test_query_upstream_failure(void **state)
{
	static const struct scenario sc = {
		.options = { "servfail-ttl", "0", NULL },
		.steps = {
			ASK("fo.example.test", A),
			UPSTREAM("fo.example.test", A),
			REFUSE(REFUSED),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			ASK("fo.example.test", A),
			UPSTREAM("fo.example.test", A),
			REFUSE(FORMERR),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			ASK("fo.example.test", A),
			UPSTREAM("fo.example.test", A),
			REPLY(1, 60),
			ANSWER(NOERROR, 1, 60),
			ASK("fo.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 60),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/* A failed prefetch keeps the good entry: its askers (none) and later
 * hits are served from it until it expires; no prefetch is tried again
 * within stale-recheck. */
static void
test_query_prefetch_failure_keeps_entry(void **state)
{
	static const struct scenario sc = {
		.options = { "serve-stale", "no", "servfail-ttl", "5",
		    "stale-recheck", "5", NULL },
		.steps = {
			ASK("pff.example.test", A),
			UPSTREAM("pff.example.test", A),
			REPLY(1, 100),
			ANSWER(NOERROR, 1, 100),
			SECONDS(90),
			ASK("pff.example.test", A),
			ANSWER(NOERROR, 1, 10),
			UPSTREAM("pff.example.test", A),
			FAIL,
			NO_ANSWER,
			SECONDS(4),
			ASK("pff.example.test", A),
			ANSWER(NOERROR, 1, 6),
			NO_UPSTREAM, /* within stale-recheck */
			SECONDS(1),
			ASK("pff.example.test", A),
			ANSWER(NOERROR, 1, 5),
			UPSTREAM("pff.example.test", A), /* tries again */
			REPLY(1, 20),
			SECONDS(5),
			ASK("pff.example.test", A),
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 15),
			STAT(prefetches, 2),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

/*
 * roostd's own extended DNS errors (RFC 8914), only to clients that
 * sent EDNS: 22 at a client's deadline and when the fetch failed (and
 * with the SERVFAIL it remembers), 23 when every try was a network
 * error, 3 on every stale answer.
 */
static void
test_query_ede_own(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", "servfail-ttl", "5", NULL },
		.steps = {
			ASK_F("late.example.test", A, Q_EDNS),
			UPSTREAM("late.example.test", A),
			MS(1),
			ASK("late.example.test", A),
			MS(1999),
			ANSWER_EDE(SERVFAIL, 0, TTL_ANY,
			    WIRE_EDE_NO_REACHABLE_AUTHORITY),
			MS(1),
			ANSWER(SERVFAIL, 0, TTL_ANY),
			FAIL,
			ASK("late.example.test", A),
			NO_UPSTREAM,
			ANSWER(SERVFAIL, 0, TTL_ANY),
			ASK_F("late.example.test", A, Q_EDNS),
			NO_UPSTREAM, /* remembered, with its EDE */
			ANSWER_EDE(SERVFAIL, 0, TTL_ANY,
			    WIRE_EDE_NO_REACHABLE_AUTHORITY),
			UNREACHABLE,
			ASK_F("dead.example.test", A, Q_EDNS),
			UPSTREAM("dead.example.test", A),
			MS(2000),
			ANSWER_EDE(SERVFAIL, 0, TTL_ANY,
			    WIRE_EDE_NETWORK_ERROR),
			ASK_F("dead.example.test", A, Q_EDNS),
			NO_UPSTREAM,
			FAIL,
			ANSWER_EDE(SERVFAIL, 0, TTL_ANY,
			    WIRE_EDE_NETWORK_ERROR),
			END,
		},
	};
	static const struct scenario stale = {
		.options = { "prefetch", "no", "stale-recheck", "30", NULL },
		.steps = {
			ASK("st.example.test", A),
			UPSTREAM("st.example.test", A),
			REPLY(1, 10),
			ANSWER(NOERROR, 1, 10),
			SECONDS(11),
			ASK_F("st.example.test", A, Q_EDNS),
			UPSTREAM("st.example.test", A),
			MS(1),
			ASK("st.example.test", A),
			MS(1799),
			ANSWER_EDE(NOERROR, 1, CACHE_STALE_TTL,
			    WIRE_EDE_STALE_ANSWER),
			MS(1),
			ANSWER(NOERROR, 1, CACHE_STALE_TTL),
			/* the refresh goes on: later askers get the stale
			 * answer at once, and no second refresh starts */
			ASK_F("st.example.test", A, Q_EDNS),
			NO_UPSTREAM,
			ANSWER_EDE(NOERROR, 1, CACHE_STALE_TTL,
			    WIRE_EDE_STALE_ANSWER),
			STAT(stale, 3),
			FAIL,
			/* DO and CD: another key, with nothing stale */
			ASK_F("st.example.test", A, Q_DO | Q_CD),
			UPSTREAM_F("st.example.test", A, Q_DO | Q_CD),
			FAIL,
			ANSWER_EDE(SERVFAIL, 0, TTL_ANY,
			    WIRE_EDE_NO_REACHABLE_AUTHORITY),
			ASK_F("st.example.test", A, Q_EDNS | Q_TCP),
			NO_UPSTREAM, /* within stale-recheck */
			ANSWER_EDE(NOERROR, 1, CACHE_STALE_TTL,
			    WIRE_EDE_STALE_ANSWER),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
	scenario_run(&stale);
}

/*
 * An upstream's EDE is kept with the answer: served to EDNS clients on
 * the first answer and every hit, not to others, and before roostd's
 * own 3 when the answer is served stale.
 */
static void
test_query_ede_from_upstream(void **state)
{
	static const struct scenario sc = {
		.options = { "prefetch", "no", NULL },
		.steps = {
			ASK_F("f.example.test", A, Q_EDNS),
			ASK("f.example.test", A),
			UPSTREAM("f.example.test", A),
			REPLY_EDE(1, 10, WIRE_EDE_FILTERED),
			/* the waiters, the last come first */
			ANSWER(NOERROR, 1, 10),
			ANSWER_EDE(NOERROR, 1, 10, WIRE_EDE_FILTERED),
			ASK_F("f.example.test", A, Q_EDNS | Q_TCP),
			ASK("f.example.test", A),
			NO_UPSTREAM,
			ANSWER_EDE(NOERROR, 1, 10, WIRE_EDE_FILTERED),
			ANSWER(NOERROR, 1, 10),
			SECONDS(11),
			ASK_F("f.example.test", A, Q_EDNS),
			UPSTREAM("f.example.test", A),
			FAIL,
			ANSWER_EDE2(NOERROR, 1, CACHE_STALE_TTL,
			    WIRE_EDE_FILTERED, WIRE_EDE_STALE_ANSWER),
			END,
		},
	};
	static const struct scenario uncached = {
		.options = { NULL },
		.steps = {
			/* TTL 0: not cached, passed on all the same */
			ASK_F("z.example.test", A, Q_EDNS),
			UPSTREAM("z.example.test", A),
			REPLY_EDE(1, 0, WIRE_EDE_BLOCKED),
			ANSWER_EDE(NOERROR, 1, 0, WIRE_EDE_BLOCKED),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
	scenario_run(&uncached);
}

/* What roostd refuses itself says why: 18 outside allow, 21 for zone
 * transfers and MAILA/MAILB. */
static void
test_query_ede_refusals(void **state)
{
	static const struct scenario acl = {
		.options = { "allow", "10.0.0.0/8", NULL },
		.steps = {
			ASK_F("a.example.test", A, Q_EDNS),
			ASK("a.example.test", A),
			NO_UPSTREAM,
			ANSWER_EDE(REFUSED, 0, TTL_ANY, WIRE_EDE_PROHIBITED),
			ANSWER(REFUSED, 0, TTL_ANY),
			END,
		},
	};
	static const struct scenario types = {
		.options = { NULL },
		.steps = {
			ASK_F("a.example.test", AXFR, Q_EDNS),
			ASK_F("a.example.test", IXFR, Q_EDNS | Q_TCP),
			ASK_F("a.example.test", MAILA, Q_EDNS),
			ASK("a.example.test", MAILB),
			NO_UPSTREAM,
			ANSWER_EDE(REFUSED, 0, TTL_ANY,
			    WIRE_EDE_NOT_SUPPORTED),
			ANSWER_EDE(REFUSED, 0, TTL_ANY,
			    WIRE_EDE_NOT_SUPPORTED),
			ANSWER_EDE(NOTIMP, 0, TTL_ANY, WIRE_EDE_NOT_SUPPORTED),
			ANSWER(NOTIMP, 0, TTL_ANY),
			END,
		},
	};

	(void)state;
	scenario_run(&acl);
	scenario_run(&types);
}

/* A stop waits for the answers in flight: query_when_idle() tells once,
 * before a wait, after the last waiter is answered; at once if none
 * waits. */
static void
test_query_idle_told_after_last_answer(void **state)
{
	static const struct scenario sc = {
		.options = { NULL },
		.steps = {
			WATCH_IDLE,
			BEFORE_WAIT(1), /* nothing waits: told at the next wait */
			BEFORE_WAIT(1), /* once */
			ASK_N(3, "idle.example.test", A),
			UPSTREAM("idle.example.test", A),
			WATCH_IDLE,
			BEFORE_WAIT(1), /* three wait */
			MS(200),
			BEFORE_WAIT(1),
			REPLY(1, 60),
			ANSWER_N(3, NOERROR, 1, 60),
			BEFORE_WAIT(2),
			ASK("idle.example.test", A), /* a hit: never waits */
			NO_UPSTREAM,
			ANSWER(NOERROR, 1, 60),
			BEFORE_WAIT(2),
			END,
		},
	};

	(void)state;
	scenario_run(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_hit_after_miss),
		cmocka_unit_test(test_query_log_lines),
		cmocka_unit_test(test_query_do_cd_are_keys),
		cmocka_unit_test(test_query_ttl_counts_down_then_expires),
		cmocka_unit_test(test_query_ttl_clamped),
		cmocka_unit_test(test_query_negative_cached_by_soa),
		cmocka_unit_test(test_query_negative_without_soa_not_cached),
		cmocka_unit_test(test_query_ttl_zero_not_cached),
		cmocka_unit_test(test_query_coalesces_askers),
		cmocka_unit_test(test_query_prefetch_last_tenth),
		cmocka_unit_test(test_query_prefetch_off),
		cmocka_unit_test(test_query_serve_stale),
		cmocka_unit_test(test_query_stale_limit_and_off),
		cmocka_unit_test(test_query_servfail_remembered),
		cmocka_unit_test(test_query_deadline_servfail),
		cmocka_unit_test(test_query_give_up_remembers_servfail),
		cmocka_unit_test(test_query_stale_at_client_timeout),
		cmocka_unit_test(test_query_upstream_failure),
		cmocka_unit_test(test_query_prefetch_failure_keeps_entry),
		cmocka_unit_test(test_query_ede_own),
		cmocka_unit_test(test_query_ede_from_upstream),
		cmocka_unit_test(test_query_ede_refusals),
		cmocka_unit_test(test_query_idle_told_after_last_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
