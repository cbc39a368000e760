/*
 * src/client/chainout.c - the chain of trust as text or JSON (see
 * chainout.h).  Writes only; owns nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <ldns/ldns.h>

#include "chainout.h"
#include "output.h"

/* t as "2026-12-07 13:00 UTC" (iso: "2026-12-07T13:00:00Z"). */
static const char *
time_str(int64_t t, bool iso, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len,
		iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

/* --- text ------------------------------------------------------------ */

static void
text_sigs(FILE *f, const struct chain_sigs *s, const char *ind)
{
	char a[32], from[40], to[40];

	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s;;   RRSIG %s by %s key %u (%s): %s, %s to %s\n",
		    ind, s->v[i].rrset, s->v[i].signer, s->v[i].tag,
		    chain_alg_name(s->v[i].alg, a, sizeof(a)),
		    chain_sig_result_str(s->v[i].result),
		    time_str(s->v[i].inception, false, from, sizeof(from)),
		    time_str(s->v[i].expiration, false, to, sizeof(to)));
}

static void
text_zone(FILE *f, const struct chain_zone *z, const char *ind)
{
	char a[32];
	size_t i;

	fprintf(f, "%s;; %s %s: %s\n", ind, z->name,
	    chain_verdict_str(z->verdict), z->reason ? z->reason : "");
	for (i = 0; i < z->nds; i++) {
		if (z->ds[i].digest == 0)
			fprintf(f, "%s;;   trust anchor DNSKEY %u (%s)", ind,
			    z->ds[i].tag,
			    chain_alg_name(z->ds[i].alg, a, sizeof(a)));
		else
			fprintf(f, "%s;;   DS %u (%s, %s) %s", ind,
			    z->ds[i].tag,
			    chain_alg_name(z->ds[i].alg, a, sizeof(a)),
			    chain_digest_name(z->ds[i].digest),
			    z->anchored ? "from the trust anchor"
					: "at the "
					  "parent");
		fprintf(f, ": %s\n",
		    !z->ds[i].supported    ? "not supported"
			: z->ds[i].matched ? "matches a DNSKEY"
					   : "matches no DNSKEY");
	}
	if (z->server != NULL && z->nkeys > 0)
		fprintf(f, "%s;;   DNSKEY set from %s (%s):\n", ind, z->server,
		    z->address);
	for (i = 0; i < z->nkeys; i++)
		fprintf(f, "%s;;   DNSKEY %u %s (%s)%s%s\n", ind,
		    z->keys[i].tag,
		    (z->keys[i].flags & LDNS_KEY_SEP_KEY) ? "KSK" : "ZSK",
		    chain_alg_name(z->keys[i].alg, a, sizeof(a)),
		    z->keys[i].ds_match ? ", named by the DS" : "",
		    z->keys[i].signs ? ", signs the key set" : "");
	text_sigs(f, &z->sigs, ind);
}

void
chainout_text(FILE *f, const struct chain *c, const char *ind)
{
	for (size_t i = 0; i < c->nzones; i++)
		text_zone(f, &c->zones[i], ind);
	fprintf(f, "%s;; answer %s: %s\n", ind, chain_verdict_str(c->verdict),
	    c->reason ? c->reason : "");
	text_sigs(f, &c->sigs, ind);
	fprintf(f, "%s;; DNSSEC: %s (%u DNSKEY quer%s)\n", ind,
	    chain_verdict_str(c->verdict), c->queries,
	    c->queries == 1 ? "y" : "ies");
}

/* --- JSON ------------------------------------------------------------ */

static void
json_bool(FILE *f, const char *key, bool v)
{
	fprintf(f, ", \"%s\": %s", key, v ? "true" : "false");
}

static void
json_sigs(FILE *f, const struct chain_sigs *s)
{
	char a[32], t[40];

	fputc('[', f);
	for (size_t i = 0; i < s->n; i++) {
		fputs(i > 0 ? ", {\"rrset\": " : "{\"rrset\": ", f);
		output_json_str(f, s->v[i].rrset);
		fputs(", \"signer\": ", f);
		output_json_str(f, s->v[i].signer);
		fprintf(f,
		    ", \"key_tag\": %u, \"algorithm\": %u, "
		    "\"algorithm_name\": ",
		    s->v[i].tag, s->v[i].alg);
		output_json_str(f, chain_alg_name(s->v[i].alg, a, sizeof(a)));
		fprintf(f, ", \"labels\": %u, \"inception\": ", s->v[i].labels);
		output_json_str(f,
		    time_str(s->v[i].inception, true, t, sizeof(t)));
		fputs(", \"expiration\": ", f);
		output_json_str(f,
		    time_str(s->v[i].expiration, true, t, sizeof(t)));
		fputs(", \"result\": ", f);
		output_json_str(f, chain_sig_result_str(s->v[i].result));
		json_bool(f, "valid", s->v[i].result == CHAIN_SIG_VALID);
		fputc('}', f);
	}
	fputc(']', f);
}

static void
json_zone(FILE *f, const struct chain_zone *z)
{
	size_t i;

	fputs("{\"zone\": ", f);
	output_json_str(f, z->name);
	fputs(", \"parent\": ", f);
	output_json_str(f, z->parent);
	fputs(", \"verdict\": ", f);
	output_json_str(f, chain_verdict_str(z->verdict));
	fputs(", \"reason\": ", f);
	output_json_str(f, z->reason);
	json_bool(f, "anchored", z->anchored);
	fputs(", \"denial\": ", f);
	output_json_str(f, z->denial);
	fputs(", \"server\": ", f);
	if (z->server != NULL) {
		fputs("{\"name\": ", f);
		output_json_str(f, z->server);
		fputs(", \"address\": ", f);
		output_json_str(f, z->address);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(", \"ds\": [", f);
	for (i = 0; i < z->nds; i++) {
		fprintf(f,
		    "%s{\"key_tag\": %u, \"algorithm\": %u, \"digest_type\": "
		    "%u",
		    i > 0 ? ", " : "", z->ds[i].tag, z->ds[i].alg,
		    z->ds[i].digest);
		json_bool(f, "supported", z->ds[i].supported);
		json_bool(f, "matched", z->ds[i].matched);
		fputc('}', f);
	}
	fputs("], \"dnskeys\": [", f);
	for (i = 0; i < z->nkeys; i++) {
		fprintf(f,
		    "%s{\"key_tag\": %u, \"flags\": %u, \"algorithm\": %u",
		    i > 0 ? ", " : "", z->keys[i].tag, z->keys[i].flags,
		    z->keys[i].alg);
		json_bool(f, "ksk", (z->keys[i].flags & LDNS_KEY_SEP_KEY) != 0);
		json_bool(f, "matches_ds", z->keys[i].ds_match);
		json_bool(f, "signs_keyset", z->keys[i].signs);
		fputc('}', f);
	}
	fputs("], \"signatures\": ", f);
	json_sigs(f, &z->sigs);
	fputs(", \"parent_records\": ", f);
	output_json_rr_list(f, z->records);
	fputs(", \"dnskey_records\": ", f);
	output_json_rr_list(f, z->dnskey);
	fputc('}', f);
}

void
chainout_json(FILE *f, const struct chain *c, const struct anchor_set *anchors)
{
	fputs("{\"verdict\": ", f);
	output_json_str(f, chain_verdict_str(c->verdict));
	fputs(", \"reason\": ", f);
	output_json_str(f, c->reason);
	fputs(", \"denial\": ", f);
	output_json_str(f, c->denial);
	fputs(", \"wildcard\": ", f);
	output_json_str(f, c->wildcard);
	fputs(", \"trust_anchor\": {\"source\": ", f);
	output_json_str(f, anchors->source);
	json_bool(f, "builtin", anchors->builtin);
	fputs(", \"records\": ", f);
	output_json_rr_list(f, anchors->rrs);
	fputs("}, \"zones\": [", f);
	for (size_t i = 0; i < c->nzones; i++) {
		if (i > 0)
			fputs(", ", f);
		json_zone(f, &c->zones[i]);
	}
	fputs("], \"signatures\": ", f);
	json_sigs(f, &c->sigs);
	fprintf(f, ", \"queries\": %u}", c->queries);
}
