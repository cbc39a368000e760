/*
 * src/daemon/qlog.c - the query log (see qlog.h).
 *
 * Invariants:
 * - The query context has g's hook exactly while the mode is not
 *   CONFIG_LOG_QUERIES_NO or a sink is set.
 * - At most QLOG_LOG_PER_S lines go to the log in one window of 1000 ms
 *   of loop time; the lines held back are counted in suppressed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "qlog.h"
#include "wire.h"

#define QLOG_WINDOW_MS 1000

struct qlog {
	struct loop *loop;
	struct query_ctx *qc;
	enum config_log_queries mode;
	qlog_sink_fn *sink;
	void *sink_arg;
	uint64_t window_start_ms;
	unsigned used;
	uint64_t suppressed;
};

static void qlog_hook(void *arg, const struct query_log_entry *e);

/* Puts the hook in place or takes it away (the first invariant). */
static void
qlog_update(struct qlog *g)
{
	bool on = g->mode != CONFIG_LOG_QUERIES_NO || g->sink != NULL;

	query_ctx_set_log(g->qc, on ? qlog_hook : NULL, on ? g : NULL);
}

struct qlog *
qlog_new(struct loop *l, struct query_ctx *q)
{
	struct qlog *g = calloc(1, sizeof(*g));

	if (g != NULL) {
		g->loop = l;
		g->qc = q;
	}
	return g;
}

void
qlog_set_mode(struct qlog *g, enum config_log_queries mode)
{
	g->mode = mode;
	qlog_update(g);
}

void
qlog_set_sink(struct qlog *g, qlog_sink_fn *fn, void *arg)
{
	g->sink = fn;
	g->sink_arg = arg;
	qlog_update(g);
}

bool
qlog_failed(unsigned rcode)
{
	return rcode != WIRE_NOERROR && rcode != WIRE_NXDOMAIN;
}

static const char *
type_text(unsigned t, char *buf, size_t len)
{
	static const struct {
		unsigned t;
		const char *s;
	} names[] = {
		{ 1, "A" },
		{ 2, "NS" },
		{ 5, "CNAME" },
		{ 6, "SOA" },
		{ 12, "PTR" },
		{ 13, "HINFO" },
		{ 15, "MX" },
		{ 16, "TXT" },
		{ 28, "AAAA" },
		{ 29, "LOC" },
		{ 33, "SRV" },
		{ 35, "NAPTR" },
		{ 39, "DNAME" },
		{ 41, "OPT" },
		{ 43, "DS" },
		{ 44, "SSHFP" },
		{ 46, "RRSIG" },
		{ 47, "NSEC" },
		{ 48, "DNSKEY" },
		{ 50, "NSEC3" },
		{ 51, "NSEC3PARAM" },
		{ 52, "TLSA" },
		{ 64, "SVCB" },
		{ 65, "HTTPS" },
		{ 99, "SPF" },
		{ 251, "IXFR" },
		{ 252, "AXFR" },
		{ 255, "ANY" },
		{ 257, "CAA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == t)
			return names[i].s;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

static const char *
rcode_text(unsigned r, char *buf, size_t len)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED" };

	if (r < sizeof(names) / sizeof(names[0]))
		return names[r];
	if (r == WIRE_BADVERS)
		return "BADVERS";
	snprintf(buf, len, "RCODE%u", r);
	return buf;
}

size_t
qlog_format(const struct query_log_entry *e, char *buf, size_t len)
{
	static const char *const from[] = {
		[QUERY_FROM_ROOSTD] = "roostd",
		[QUERY_FROM_CACHE] = "cache",
		[QUERY_FROM_UPSTREAM] = "upstream",
		[QUERY_FROM_STALE] = "stale",
		[QUERY_FROM_LOCAL] = "local",
		[QUERY_FROM_BLOCKED] = "blocked",
	};
	char client[ADDR_STRLEN] = "-", name[WIRE_MAX_NAME_TEXT] = "-";
	char tbuf[16], rbuf[16];
	struct addr a = { .len = e->to->peerlen };
	int n;

	if (e->to->peerlen > 0 && e->to->peerlen <= sizeof(a.ss)) {
		memcpy(&a.ss, &e->to->peer, e->to->peerlen);
		addr_str(&a, client, sizeof(client));
	}
	if (e->q != NULL && e->q->name_len > 0)
		wire_name_to_text(e->q->name, e->q->name_len, name,
		    sizeof(name));
	n = snprintf(buf, len, "%s %s %s %s %s %s%s%s %" PRIu64 "ms", client,
	    e->to->transport == LISTEN_UDP ? "udp" : "tcp", name,
	    e->q != NULL ? type_text(e->q->qtype, tbuf, sizeof(tbuf)) : "-",
	    rcode_text(e->rcode, rbuf, sizeof(rbuf)), from[e->from],
	    e->upstream != NULL ? " " : "",
	    e->upstream != NULL ? e->upstream : "", e->ms);
	if (n < 0)
		n = 0;
	return len == 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* True if one more line may go to the log now (and counts it). */
static bool
log_allowed(struct qlog *g)
{
	uint64_t now = loop_now_ms(g->loop);

	if (now - g->window_start_ms >= QLOG_WINDOW_MS) {
		if (g->suppressed > 0)
			log_info("query log: %" PRIu64 " lines not logged "
				 "(more than %d a second)",
			    g->suppressed, QLOG_LOG_PER_S);
		g->window_start_ms = now;
		g->used = 0;
		g->suppressed = 0;
	}
	if (g->used < QLOG_LOG_PER_S) {
		g->used++;
		return true;
	}
	g->suppressed++;
	return false;
}

static void
qlog_hook(void *arg, const struct query_log_entry *e)
{
	struct qlog *g = arg;
	char line[QLOG_LINE_MAX];
	size_t n;
	bool to_log = g->mode == CONFIG_LOG_QUERIES_YES ||
	    (g->mode == CONFIG_LOG_QUERIES_FAILED && qlog_failed(e->rcode));

	if (!to_log && g->sink == NULL)
		return;
	n = qlog_format(e, line, sizeof(line));
	if (to_log && log_allowed(g))
		log_info("query: %s", line);
	if (g->sink != NULL)
		g->sink(g->sink_arg, line, n);
}

void
qlog_free(struct qlog *g)
{
	if (g == NULL)
		return;
	query_ctx_set_log(g->qc, NULL, NULL);
	free(g);
}
