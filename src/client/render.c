/*
 * src/client/render.c - roostd's stats reply as a table, JSON or the
 * Prometheus text format, and its cache dump as a table or JSON (see
 * render.h).
 *
 * The daemon sends plain "KEY VALUE" and entry lines; every rendering
 * is done here.  Invariants: nothing is allocated (a struct
 * render_stats is filled in place up to its fixed limits; more lines
 * than fit are dropped, never an error); Prometheus label values are
 * escaped; a key without a Prometheus name is still shown, untyped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "output.h"
#include "render.h"

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0;
}

bool
render_stats_line(struct render_stats *st, char *line)
{
	char *sp = strchr(line, ' '), *dot, *save = NULL, *w;

	if (sp == NULL)
		return false;
	*sp = '\0';
	if (strcmp(line, "upstream") == 0) {
		struct render_upstream *u;

		if (st->nup == RENDER_MAX_UPSTREAMS)
			return true;
		u = &st->up[st->nup];
		memset(u, 0, sizeof(*u));
		for (w = strtok_r(sp + 1, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(w, '=');

			if (u->name[0] == '\0' && eq == NULL) {
				snprintf(u->name, sizeof(u->name), "%s", w);
				continue;
			}
			if (eq == NULL)
				continue;
			*eq = '\0';
			if (strcmp(w, "zone") == 0) {
				snprintf(u->zone, sizeof(u->zone), "%s",
				    eq + 1);
				continue;
			}
			if (u->n == RENDER_MAX_UPSTREAM_KEYS)
				continue;
			if (!parse_u64(eq + 1, &u->values[u->n]))
				return false;
			snprintf(u->keys[u->n], sizeof(u->keys[0]), "%s", w);
			u->n++;
		}
		st->nup++;
		return true;
	}
	if ((dot = strchr(line, '.')) == NULL || st->nkv == RENDER_MAX_STATS)
		return dot != NULL;
	*dot = '\0';
	snprintf(st->kv[st->nkv].group, sizeof(st->kv[0].group), "%s", line);
	snprintf(st->kv[st->nkv].key, sizeof(st->kv[0].key), "%s", dot + 1);
	if (!parse_u64(sp + 1, &st->kv[st->nkv].value))
		return false;
	st->nkv++;
	return true;
}

static bool
has_key(const struct render_upstream *u, const char *key)
{
	for (unsigned i = 0; i < u->n; i++)
		if (strcmp(u->keys[i], key) == 0)
			return true;
	return false;
}

static uint64_t
up_value(const struct render_upstream *u, const char *key)
{
	for (unsigned i = 0; i < u->n; i++)
		if (strcmp(u->keys[i], key) == 0)
			return u->values[i];
	return 0;
}

void
render_stats_text(FILE *f, const struct render_stats *st)
{
	for (unsigned i = 0; i < st->nkv; i++) {
		if (i == 0 || strcmp(st->kv[i].group, st->kv[i - 1].group) != 0)
			fprintf(f, "%s%s\n", i ? "\n" : "", st->kv[i].group);
		fprintf(f, "  %-18s %8" PRIu64 "\n", st->kv[i].key,
		    st->kv[i].value);
	}
	if (st->nup == 0)
		return;
	fprintf(f,
	    "\nupstreams (RTTs in ms)\n  %-24s %8s %8s %8s %5s %5s %5s "
	    "%5s %s\n",
	    "ADDRESS", "QUERIES", "FAILURES", "TIMEOUTS", "SRTT", "P50", "P90",
	    "P99", "STATE");
	for (unsigned i = 0; i < st->nup; i++) {
		const struct render_upstream *u = &st->up[i];

		fprintf(f,
		    "  %-24s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %5" PRIu64
		    " %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " %s%s%s\n",
		    u->name, up_value(u, "queries"), up_value(u, "failures"),
		    up_value(u, "timeouts"), up_value(u, "srtt_ms"),
		    up_value(u, "p50_ms"), up_value(u, "p90_ms"),
		    up_value(u, "p99_ms"), up_value(u, "down") ? "down" : "up",
		    u->zone[0] != '\0' ? "  forward-zone " : "", u->zone);
		if (has_key(u, "tls_handshakes"))
			fprintf(f,
			    "  %-24s TLS: handshakes %" PRIu64
			    " (resumed %" PRIu64
			    "), queries per connection %" PRIu64
			    ", errors %" PRIu64 " (authentication %" PRIu64
			    "), sent in plain DNS %" PRIu64 "\n",
			    "", up_value(u, "tls_handshakes"),
			    up_value(u, "tls_resumed"),
			    up_value(u, "tls_queries_per_conn"),
			    up_value(u, "tls_errors"),
			    up_value(u, "tls_auth_failures"),
			    up_value(u, "plain_fallbacks"));
	}
}

void
render_stats_json(FILE *f, const struct render_stats *st)
{
	bool open = false;

	fprintf(f, "{");
	for (unsigned i = 0; i < st->nkv; i++) {
		if (i == 0 ||
		    strcmp(st->kv[i].group, st->kv[i - 1].group) != 0) {
			fprintf(f, "%s", open ? "}, " : "");
			output_json_str(f, st->kv[i].group);
			fprintf(f, ": {");
			open = true;
		} else {
			fprintf(f, ", ");
		}
		output_json_str(f, st->kv[i].key);
		fprintf(f, ": %" PRIu64, st->kv[i].value);
	}
	fprintf(f, "%s\"upstreams\": [", open ? "}, " : "");
	for (unsigned i = 0; i < st->nup; i++) {
		const struct render_upstream *u = &st->up[i];

		fprintf(f, "%s{\"address\": ", i ? ", " : "");
		output_json_str(f, u->name);
		if (u->zone[0] != '\0') {
			fprintf(f, ", \"zone\": ");
			output_json_str(f, u->zone);
		}
		for (unsigned k = 0; k < u->n; k++) {
			fprintf(f, ", ");
			output_json_str(f, u->keys[k]);
			if (strcmp(u->keys[k], "down") == 0)
				fprintf(f, ": %s",
				    u->values[k] ? "true" : "false");
			else
				fprintf(f, ": %" PRIu64, u->values[k]);
		}
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
}

/*
 * Prometheus names for roostd's keys.  A key not listed here is shown
 * as roost_GROUP_KEY, untyped, so a newer roostd still shows all.
 */
struct prom_map {
	const char *group, *key; /* NULL key: every key of the group */
	const char *metric, *label, *type, *help;
};

static const struct prom_map prom_maps[] = {
	{ "queries", "udp", "roost_queries_total", "transport=\"udp\"",
	    "counter", "Queries received, by transport." },
	{ "queries", "tcp", "roost_queries_total", "transport=\"tcp\"",
	    "counter", "Queries received, by transport." },
	{ "queries", "dropped", "roost_queries_dropped_total", NULL, "counter",
	    "Messages dropped unanswered (malformed, or responses)." },
	{ "queries", "truncated", "roost_answers_truncated_total", NULL,
	    "counter", "Answers sent over UDP with TC=1." },
	{ "answers", NULL, "roost_answers_total", "rcode", "counter",
	    "Answers sent, by rcode." },
	{ "local", "answered", "roost_local_answers_total", NULL, "counter",
	    "Answers from names roostd serves itself (localhost, private "
	    "reverse zones, local-data)." },
	{ "local", "blocked", "roost_blocked_answers_total", NULL, "counter",
	    "Answers to names a blocklist blocks (block-answer)." },
	{ "cache", "hits", "roost_cache_hits_total", NULL, "counter",
	    "Cache lookups that found a fresh entry." },
	{ "cache", "misses", "roost_cache_misses_total", NULL, "counter",
	    "Cache lookups that found none (or a stale one)." },
	{ "cache", "stale", "roost_cache_stale_answers_total", NULL, "counter",
	    "Stale answers served (RFC 8767)." },
	{ "cache", "prefetches", "roost_cache_prefetches_total", NULL,
	    "counter", "Refreshes started by a hit in an entry's last tenth." },
	{ "cache", "inserts", "roost_cache_inserts_total", NULL, "counter",
	    "Answers stored." },
	{ "cache", "uncacheable", "roost_cache_uncacheable_total", NULL,
	    "counter", "Answers not stored (rcode, TTL 0, no SOA, size)." },
	{ "cache", "evictions", "roost_cache_evictions_total", NULL, "counter",
	    "Entries evicted for room." },
	{ "cache", "expired", "roost_cache_expired_total", NULL, "counter",
	    "Entries dropped past their TTL and stale limit." },
	{ "cache", "entries", "roost_cache_entries", NULL, "gauge",
	    "Entries in the cache." },
	{ "cache", "bytes", "roost_cache_bytes", NULL, "gauge",
	    "Bytes the cache holds, overhead included." },
	{ "cache", "budget", "roost_cache_budget_bytes", NULL, "gauge",
	    "The cache's byte budget (cache-size)." },
	{ "fetches", "inflight", "roost_fetches_inflight", NULL, "gauge",
	    "Upstream fetches in flight." },
	{ "fetches", "waiting", "roost_fetches_waiting", NULL, "gauge",
	    "Client queries waiting on a fetch." },
	{ "fetches", "coalesced", "roost_queries_coalesced_total", NULL,
	    "counter", "Queries that joined a fetch already in flight." },
	{ "limits", NULL, "roost_limits_hit_total", "limit", "counter",
	    "Times a resource limit was hit (answered SERVFAIL, or the "
	    "connection closed or refused)." },
	{ "tcp", "accepted", "roost_tcp_accepted_total", NULL, "counter",
	    "TCP connections accepted." },
	{ "guard", "accepted", "roost_upstream_answers_accepted_total", NULL,
	    "counter", "Upstream answers that passed the answer check." },
	{ "guard", "ports_renewed", "roost_upstream_ports_renewed_total", NULL,
	    "counter", "Upstream channels renewed for a new source port." },
	{ "guard", NULL, "roost_upstream_answers_rejected_total", "reason",
	    "counter", "Upstream answers refused by the answer check." },
};
#define NPROM_MAPS (sizeof(prom_maps) / sizeof(prom_maps[0]))

static const struct prom_map *
prom_find(const struct render_kv *kv)
{
	for (size_t i = 0; i < NPROM_MAPS; i++)
		if (strcmp(prom_maps[i].group, kv->group) == 0 &&
		    (prom_maps[i].key == NULL ||
			strcmp(prom_maps[i].key, kv->key) == 0))
			return &prom_maps[i];
	return NULL;
}

/* A label value: backslash, quote and newline escaped. */
static void
prom_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* upstream="ADDR" and, for a forward zone's server, zone="ZONE": one
 * address may serve several zones, each its own series. */
static void
prom_up_labels(FILE *f, const struct render_upstream *u)
{
	fprintf(f, "upstream=\"");
	prom_label(f, u->name);
	fprintf(f, "\"");
	if (u->zone[0] != '\0') {
		fprintf(f, ",zone=\"");
		prom_label(f, u->zone);
		fprintf(f, "\"");
	}
}

static void
prom_ms(FILE *f, uint64_t ms)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
}

/* The counters and gauges of st->kv, each family under its HELP and TYPE. */
static void
prom_counters(FILE *f, const struct render_stats *st)
{
	bool done[RENDER_MAX_STATS] = { false };

	for (unsigned i = 0; i < st->nkv; i++) {
		const struct prom_map *m = prom_find(&st->kv[i]);

		if (done[i])
			continue;
		if (m == NULL) {
			fprintf(f,
			    "# TYPE roost_%s_%s untyped\nroost_%s_%s %" PRIu64
			    "\n",
			    st->kv[i].group, st->kv[i].key, st->kv[i].group,
			    st->kv[i].key, st->kv[i].value);
			continue;
		}
		/* a family's samples follow its HELP and TYPE together */
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->metric, m->help,
		    m->metric, m->type);
		for (unsigned j = i; j < st->nkv; j++) {
			const struct prom_map *o = prom_find(&st->kv[j]);

			if (o == NULL || strcmp(o->metric, m->metric) != 0)
				continue;
			done[j] = true;
			if (o->label == NULL)
				fprintf(f, "%s", o->metric);
			else if (o->key == NULL) /* the key is the label */
				fprintf(f, "%s{%s=\"%s\"}", o->metric, o->label,
				    st->kv[j].key);
			else
				fprintf(f, "%s{%s}", o->metric, o->label);
			fprintf(f, " %" PRIu64 "\n", st->kv[j].value);
		}
	}
}

/* Per upstream: counters, SRTT, up, and the RTT summary. */
static void
prom_upstreams(FILE *f, const struct render_stats *st)
{
	static const struct {
		const char *key, *metric, *type, *help;
	} upm[] = {
		{ "queries", "roost_upstream_queries_total", "counter",
		    "Tries sent to the upstream." },
		{ "failures", "roost_upstream_failures_total", "counter",
		    "Tries that failed (unusable answer, error)." },
		{ "timeouts", "roost_upstream_timeouts_total", "counter",
		    "Tries that outlasted SRTT plus upstream-timeout." },
		{ "srtt_ms", "roost_upstream_srtt_seconds", "gauge",
		    "Smoothed round-trip time used to order upstreams." },
		{ "down", "roost_upstream_up", "gauge",
		    "1 if the upstream's latest try succeeded (or none was "
		    "made)." },
	};

	for (size_t k = 0; k < sizeof(upm) / sizeof(upm[0]); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", upm[k].metric,
		    upm[k].help, upm[k].metric, upm[k].type);
		for (unsigned i = 0; i < st->nup; i++) {
			uint64_t v = up_value(&st->up[i], upm[k].key);

			fprintf(f, "%s{", upm[k].metric);
			prom_up_labels(f, &st->up[i]);
			fprintf(f, "} ");
			if (strcmp(upm[k].key, "srtt_ms") == 0)
				prom_ms(f, v);
			else if (strcmp(upm[k].key, "down") == 0)
				fprintf(f, "%d", v ? 0 : 1);
			else
				fprintf(f, "%" PRIu64, v);
			fprintf(f, "\n");
		}
	}
	fprintf(f,
	    "# HELP roost_upstream_rtt_seconds Round-trip times of "
	    "answered tries (quantiles: upper bounds of 25%% buckets).\n"
	    "# TYPE roost_upstream_rtt_seconds summary\n");
	for (unsigned i = 0; i < st->nup; i++) {
		static const char *const q[] = { "0.5", "0.9", "0.99" };
		static const char *const qk[] = { "p50_ms", "p90_ms",
			"p99_ms" };

		for (int j = 0; j < 3; j++) {
			fprintf(f, "roost_upstream_rtt_seconds{");
			prom_up_labels(f, &st->up[i]);
			fprintf(f, ",quantile=\"%s\"} ", q[j]);
			prom_ms(f, up_value(&st->up[i], qk[j]));
			fprintf(f, "\n");
		}
		fprintf(f, "roost_upstream_rtt_seconds_sum{");
		prom_up_labels(f, &st->up[i]);
		fprintf(f, "} ");
		prom_ms(f, up_value(&st->up[i], "rtt_sum_ms"));
		fprintf(f, "\nroost_upstream_rtt_seconds_count{");
		prom_up_labels(f, &st->up[i]);
		fprintf(f, "} %" PRIu64 "\n",
		    up_value(&st->up[i], "rtt_samples"));
	}
}

void
render_stats_prometheus(FILE *f, const struct render_stats *st)
{
	prom_counters(f, st);
	if (st->nup > 0)
		prom_upstreams(f, st);
}

void
render_dump_start(FILE *f, bool json)
{
	if (json)
		fprintf(f, "[");
	else
		fprintf(f, "%-40s %-8s %7s %-9s %6s %-9s %s\n", "NAME", "TYPE",
		    "TTL", "RCODE", "SIZE", "FLAGS", "DNSSEC");
}

int
render_dump_entry(FILE *f, const char *line, bool json, size_t n)
{
	char name[RENDER_DUMP_NAME_MAX], flags[64], tstr[32], rstr[32],
	    verdict[32] = "-";
	unsigned type, rcode;
	uint32_t ttl;
	size_t size;

	/* the verdict field is roostd's seventh; an older roostd sends six */
	if (strlen(line) >= sizeof(name) ||
	    sscanf(line, "%1099s %u %" SCNu32 " %u %zu %63s %31s", name, &type,
		&ttl, &rcode, &size, flags, verdict) < 6)
		return -1;
	output_type_str((ldns_rr_type)type, tstr, sizeof(tstr));
	output_rcode_str((ldns_pkt_rcode)rcode, rstr, sizeof(rstr));
	if (!json) {
		fprintf(f, "%-40s %-8s %7" PRIu32 " %-9s %6zu %-9s %s\n", name,
		    tstr, ttl, rstr, size, flags, verdict);
		return 0;
	}
	fprintf(f, "%s\n {\"name\": ", n ? "," : "");
	output_json_str(f, name);
	fprintf(f, ", \"type\": ");
	output_json_str(f, tstr);
	fprintf(f, ", \"ttl\": %" PRIu32 ", \"rcode\": ", ttl);
	output_json_str(f, rstr);
	fprintf(f,
	    ", \"size\": %zu, \"dnssec_ok\": %s, "
	    "\"checking_disabled\": %s, \"stale\": %s, \"dnssec\": ",
	    size, strstr(flags, "do") ? "true" : "false",
	    strstr(flags, "cd") ? "true" : "false",
	    strstr(flags, "stale") ? "true" : "false");
	if (strcmp(verdict, "-") == 0)
		fprintf(f, "null}");
	else {
		output_json_str(f, verdict);
		fprintf(f, "}");
	}
	return 0;
}

void
render_dump_end(FILE *f, bool json, size_t n)
{
	if (json)
		fprintf(f, "%s]\n", n ? "\n" : "");
}
