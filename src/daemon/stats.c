/*
 * src/daemon/stats.c - roostd's counters and their renderings (see
 * stats.h).
 *
 * Invariants:
 * - stat_rows() is the one list of counters, in their order of display;
 *   the stats text and the log line both render it, so they cannot
 *   disagree.  It never yields more than STAT_ROWS rows.
 * - Rendering never writes past len and always NUL-terminates when len
 *   is not 0; the returned length counts what did not fit.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errbuf.h"
#include "stats.h"

/* Every route's upstreams, and their guard counters summed. */
static void
collect_routes(const struct route_table *rt, struct stats_snapshot *st)
{
	for (unsigned r = 0; r < route_count(rt); r++) {
		const struct upstream_set *s = route_set(rt, r);
		const struct upstream_guard_stats *g = upstream_guard_stats(s);
		size_t zlen;
		const uint8_t *zone = route_zone(rt, r, &zlen);
		unsigned n;

		(void)wire_name_to_text(zone, zlen, st->zone[r],
		    sizeof(st->zone[r]));
		n = upstream_stats(s, st->up + st->nup,
		    STATS_MAX_UPSTREAMS - st->nup);
		for (unsigned i = 0; i < n; i++)
			st->up_route[st->nup + i] = (uint8_t)r;
		st->nup += n;
		for (unsigned v = 0; v < UPSTREAM_NVERDICTS; v++)
			st->g.rejected[v] += g->rejected[v];
		st->g.chan_recycled += g->chan_recycled;
		st->g.retries += g->retries;
		st->g.inflight_limit += g->inflight_limit;
		st->g.cookie_retries += g->cookie_retries;
	}
}

void
stats_collect(struct query_ctx *qc, struct stats_snapshot *st)
{
	struct cache *c = query_cache(qc);
	const struct route_table *rt = query_routes(qc);

	memset(st, 0, sizeof(*st));
	st->q = *query_stats(qc);
	st->c = *cache_stats(c);
	if (query_trust(qc) != NULL)
		trust_stats(query_trust(qc), &st->v);
	st->budget = cache_budget(c);
	st->fetches = query_fetches(qc);
	st->waiting = query_pending(qc);
	if (rt != NULL)
		collect_routes(rt, st);
	if (query_listen(qc) != NULL)
		st->l = *listen_stats(query_listen(qc));
}

struct stat_row {
	const char *group, *key;
	uint64_t value;
};

#define STAT_ROWS 64

/* The counters in their order of display: one table for text and log. */
static size_t
stat_rows(const struct stats_snapshot *st, struct stat_row *r)
{
	size_t n = 0;

#define ROW(g, k, v) (r[n++] = (struct stat_row){ g, k, (uint64_t)(v) })
	ROW("queries", "udp", st->q.udp);
	ROW("queries", "tcp", st->q.tcp);
	ROW("queries", "dropped", st->q.dropped);
	ROW("queries", "truncated", st->q.truncated);
	ROW("answers", "noerror", st->q.rcode[0]);
	ROW("answers", "formerr", st->q.rcode[1]);
	ROW("answers", "servfail", st->q.rcode[2]);
	ROW("answers", "nxdomain", st->q.rcode[3]);
	ROW("answers", "notimp", st->q.rcode[4]);
	ROW("answers", "refused", st->q.rcode[5]);
	ROW("answers", "badvers", st->q.badvers);
	ROW("local", "answered", st->q.local);
	ROW("local", "blocked", st->q.blocked);
	ROW("cache", "hits", st->c.hits);
	ROW("cache", "misses", st->c.misses);
	ROW("cache", "stale", st->q.stale);
	ROW("cache", "stale_rechecks", st->q.stale_rechecks);
	ROW("cache", "prefetches", st->q.prefetches);
	ROW("cache", "inserts", st->c.inserts);
	ROW("cache", "uncacheable", st->c.uncacheable);
	ROW("cache", "evictions", st->c.evictions);
	ROW("cache", "expired", st->c.expired);
	ROW("cache", "entries", st->c.entries);
	ROW("cache", "bytes", st->c.bytes);
	ROW("cache", "budget", st->budget);
	ROW("fetches", "inflight", st->fetches);
	ROW("fetches", "waiting", st->waiting);
	ROW("fetches", "coalesced", st->q.coalesced);
	ROW("fetches", "deadlines", st->q.deadlines);
	ROW("fetches", "late", st->q.late);
	ROW("fetches", "retries", st->g.retries);
	ROW("limits", "waiters", st->q.waiters_limit);
	ROW("limits", "upstream", st->q.upstream_limit);
	ROW("limits", "upstream_inflight", st->g.inflight_limit);
	ROW("limits", "tcp_connections", st->l.tcp_conn_limit);
	ROW("limits", "tcp_bad_length", st->l.tcp_bad_length);
	ROW("limits", "tcp_idle_closed", st->l.tcp_idle_closed);
	ROW("limits", "tcp_output", st->l.tcp_output_limit);
	ROW("limits", "tcp_fd_pauses", st->l.tcp_fd_pauses);
	ROW("tcp", "accepted", st->l.tcp_accepted);
	ROW("guard", "accepted", st->g.rejected[UPSTREAM_ANSWER_OK]);
	ROW("guard", "bad_msg", st->g.rejected[UPSTREAM_BAD_MSG]);
	ROW("guard", "bad_id", st->g.rejected[UPSTREAM_BAD_ID]);
	ROW("guard", "bad_question", st->g.rejected[UPSTREAM_BAD_QUESTION]);
	ROW("guard", "bad_case", st->g.rejected[UPSTREAM_BAD_CASE]);
	ROW("guard", "bad_rcode", st->g.rejected[UPSTREAM_BAD_RCODE]);
	ROW("guard", "truncated", st->g.rejected[UPSTREAM_TRUNCATED]);
	ROW("guard", "bad_cookie", st->g.rejected[UPSTREAM_BAD_COOKIE]);
	ROW("guard", "rebind", st->q.rebind);
	ROW("guard", "cookie_retries", st->g.cookie_retries);
	ROW("guard", "ports_renewed", st->g.chan_recycled);
	static_assert(UPSTREAM_NVERDICTS == 8, "a guard row per verdict");
	ROW("dnssec", "secure", st->v.verdicts[VALIDATE_SECURE]);
	ROW("dnssec", "insecure", st->v.verdicts[VALIDATE_INSECURE]);
	ROW("dnssec", "bogus", st->v.verdicts[VALIDATE_BOGUS]);
	ROW("dnssec", "indeterminate", st->v.verdicts[VALIDATE_INDETERMINATE]);
	ROW("dnssec", "stripped", st->v.stripped);
	ROW("dnssec", "do_ignored", st->v.do_ignored);
	ROW("dnssec", "key_fetches", st->v.key_fetches);
	ROW("dnssec", "key_failures", st->v.key_failures);
	ROW("dnssec", "zones", st->v.zones);
	static_assert(VALIDATE_NVERDICTS == 4, "a dnssec row per verdict");
#undef ROW
	assert(n <= STAT_ROWS);
	return n;
}

static bool
uses_tls(const struct upstream_stats *u)
{
	return u->transport != NULL && strncmp(u->transport, "tls", 3) == 0;
}

/* text as one word of a KEY=VALUE line: "-" for none, blanks as "_" */
static void
put_word(char *buf, size_t len, size_t *n, const char *text)
{
	if (text[0] == '\0') {
		bufappend(buf, len, n, "-");
		return;
	}
	for (const char *p = text; *p != '\0'; p++)
		bufappend(buf, len, n, "%c",
		    *p == ' ' || *p == '=' || (unsigned char)*p < 0x21 ||
			    (unsigned char)*p > 0x7e
			? '_'
			: *p);
}

static void
upstream_kv(const struct upstream_stats *u, char *buf, size_t len, size_t *n)
{
	bufappend(buf, len, n,
	    "queries=%" PRIu64 " failures=%" PRIu64 " timeouts=%" PRIu64
	    " srtt_ms=%" PRIu32 " p50_ms=%" PRIu32 " p90_ms=%" PRIu32
	    " p99_ms=%" PRIu32 " rtt_samples=%" PRIu64 " rtt_sum_ms=%" PRIu64
	    " down=%d",
	    u->queries, u->failures, u->timeouts, u->srtt_ms, u->p50_ms,
	    u->p90_ms, u->p99_ms, u->rtt_samples, u->rtt_sum_ms, u->down);
	if (!uses_tls(u))
		return;
	/* queries per connection: RFC 7858's reuse, as a figure */
	bufappend(buf, len, n,
	    " tls_handshakes=%" PRIu64 " tls_resumed=%" PRIu64
	    " tls_queries=%" PRIu64 " tls_queries_per_conn=%" PRIu64
	    " tls_errors=%" PRIu64 " tls_auth_failures=%" PRIu64
	    " plain_fallbacks=%" PRIu64,
	    u->tls_handshakes, u->tls_resumed, u->tls_queries,
	    u->tls_handshakes > 0 ? u->tls_queries / u->tls_handshakes : 0,
	    u->tls_errors, u->tls_auth_failures, u->plain_fallbacks);
}

/* The words of u that are text, for the upstream verb's lines (the
 * stats lines carry numbers only). */
static void
upstream_text_kv(const struct upstream_stats *u, char *buf, size_t len,
    size_t *n)
{
	bufappend(buf, len, n, " transport=%s",
	    u->transport != NULL ? u->transport : "udp");
	if (!uses_tls(u))
		return;
	bufappend(buf, len, n, " tls_auth=");
	put_word(buf, len, n, u->tls_peer != NULL ? u->tls_peer : "");
	bufappend(buf, len, n, " tls_error=");
	put_word(buf, len, n, u->tls_error != NULL ? u->tls_error : "");
}

/*
 * Renders st into buf: one "GROUP.KEY VALUE" line per row and one line
 * per upstream, or (oneline) "GROUP KEY=VALUE ...; " groups on one line.
 * Returns as snprintf.
 */
static size_t
render(const struct stats_snapshot *st, bool oneline, char *buf, size_t len)
{
	struct stat_row rows[STAT_ROWS];
	size_t nrows = stat_rows(st, rows), n = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < nrows; i++) {
		if (!oneline) {
			bufappend(buf, len, &n, "%s.%s %" PRIu64 "\n",
			    rows[i].group, rows[i].key, rows[i].value);
			continue;
		}
		if (i == 0 || strcmp(rows[i].group, rows[i - 1].group) != 0)
			bufappend(buf, len, &n, "%s%s", i ? "; " : "",
			    rows[i].group);
		bufappend(buf, len, &n, " %s=%" PRIu64, rows[i].key,
		    rows[i].value);
	}
	for (unsigned i = 0; i < st->nup; i++) {
		bufappend(buf, len, &n, "%supstream %s ", oneline ? "; " : "",
		    st->up[i].name);
		/* a forward zone's; the default route's say nothing */
		if (st->up_route[i] != 0)
			bufappend(buf, len, &n, "zone=%s ",
			    st->zone[st->up_route[i]]);
		upstream_kv(&st->up[i], buf, len, &n);
		if (!oneline)
			bufappend(buf, len, &n, "\n");
	}
	return n;
}

void
stats_upstream_lines(const struct stats_snapshot *st, int route, char *buf,
    size_t len, size_t *n)
{
	for (unsigned i = 0; i < st->nup; i++) {
		const struct upstream_stats *u = &st->up[i];

		if (route >= 0 && st->up_route[i] != (unsigned)route)
			continue;
		bufappend(buf, len, n, "upstream %s zone=%s ", u->name,
		    st->zone[st->up_route[i]]);
		upstream_kv(u, buf, len, n);
		upstream_text_kv(u, buf, len, n);
		if (u->last_error != NULL)
			bufappend(buf, len, n,
			    " last_error=%s last_error_age_s=%" PRIu64 "\n",
			    u->last_error, u->last_error_age_ms / 1000);
		else
			bufappend(buf, len, n,
			    " last_error=- last_error_age_s=-\n");
	}
}

size_t
stats_text(const struct stats_snapshot *st, char *buf, size_t len)
{
	return render(st, false, buf, len);
}

size_t
stats_line(const struct stats_snapshot *st, char *buf, size_t len)
{
	return render(st, true, buf, len);
}
