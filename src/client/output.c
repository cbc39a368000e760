/*
 * src/client/output.c - JSON and presentation helpers (see output.h).
 *
 * JSON strings are escaped per RFC 8259: quote, backslash and every
 * control character; other bytes pass through (DNS text is ASCII with
 * \DDD escapes from ldns).
 */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "output.h"

void
output_json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Copy a malloc'd ldns string into buf and free it. */
static char *
take_str(char *s, const char *fallback, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s != NULL ? s : fallback);
	free(s);
	return buf;
}

char *
output_name_str(const ldns_rdf *name, char *buf, size_t len)
{
	return take_str(ldns_rdf2str(name), "?", buf, len);
}

char *
output_type_str(ldns_rr_type t, char *buf, size_t len)
{
	return take_str(ldns_rr_type2str(t), "?", buf, len);
}

char *
output_rcode_str(ldns_pkt_rcode rc, char *buf, size_t len)
{
	char *s = ldns_pkt_rcode2str(rc);

	if (s == NULL || strncmp(s, "RCODE", 5) == 0) {
		free(s);
		snprintf(buf, len, "RCODE%d", (int)rc);
		return buf;
	}
	return take_str(s, "?", buf, len);
}

char *
output_rr_data(const ldns_rr *rr)
{
	char *out = NULL, *s, *grown;
	size_t i, len = 0, n;

	if ((out = calloc(1, 1)) == NULL)
		return NULL;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, i))) == NULL)
			continue;
		n = strlen(s);
		if ((grown = realloc(out, len + n + 2)) == NULL) {
			free(s);
			free(out);
			return NULL;
		}
		out = grown;
		if (len > 0)
			out[len++] = ' ';
		memcpy(out + len, s, n + 1);
		len += n;
		free(s);
	}
	return out;
}

void
output_json_rr(FILE *f, const ldns_rr *rr)
{
	char name[LDNS_MAX_DOMAINLEN * 4 + 8], type[32];
	char *data = output_rr_data(rr);

	fputs("{\"name\": ", f);
	output_json_str(f,
	    output_name_str(ldns_rr_owner(rr), name, sizeof(name)));
	fputs(", \"type\": ", f);
	output_json_str(f,
	    output_type_str(ldns_rr_get_type(rr), type, sizeof(type)));
	fprintf(f, ", \"ttl\": %u, \"data\": ", (unsigned)ldns_rr_ttl(rr));
	output_json_str(f, data);
	if (ldns_rr_rd_count(rr) == 1 &&
	    ((ldns_rr_get_type(rr) == LDNS_RR_TYPE_A &&
		 ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 4) ||
		(ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 16))) {
		fputs(", \"kind\": ", f);
		output_json_str(f,
		    addr_kind(ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? AF_INET
								     : AF_INET6,
			ldns_rdf_data(ldns_rr_rdf(rr, 0))));
	}
	fputc('}', f);
	free(data);
}

void
output_json_rr_list(FILE *f, const ldns_rr_list *l)
{
	size_t i;

	fputc('[', f);
	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		if (i > 0)
			fputs(", ", f);
		output_json_rr(f, ldns_rr_list_rr(l, i));
	}
	fputc(']', f);
}

/* IANA's "Extended DNS Error Codes" registry (RFC 8914 5.2 and later). */
static const char *const ede_purpose[] = {
	"Other Error",
	"Unsupported DNSKEY Algorithm",
	"Unsupported DS Digest Type",
	"Stale Answer",
	"Forged Answer",
	"DNSSEC Indeterminate",
	"DNSSEC Bogus",
	"Signature Expired",
	"Signature Not Yet Valid",
	"DNSKEY Missing",
	"RRSIGs Missing",
	"No Zone Key Bit Set",
	"NSEC Missing",
	"Cached Error",
	"Not Ready",
	"Blocked",
	"Censored",
	"Filtered",
	"Prohibited",
	"Stale NXDomain Answer",
	"Not Authoritative",
	"Not Supported",
	"No Reachable Authority",
	"Network Error",
	"Invalid Data",
	"Signature Expired before Valid",
	"Too Early",
	"Unsupported NSEC3 Iterations Value",
	"Unable to conform to policy",
	"Synthesized",
};

const char *
output_ede_purpose(unsigned code)
{
	return code < sizeof(ede_purpose) / sizeof(ede_purpose[0])
	    ? ede_purpose[code]
	    : NULL;
}

void
output_json_ede(FILE *f, ldns_pkt *p)
{
	ldns_edns_option_list *l =
	    ldns_pkt_edns(p) ? ldns_pkt_edns_get_option_list(p) : NULL;
	size_t i, n = 0, len;
	char text[65536];

	fputc('[', f);
	for (i = 0; l != NULL && i < ldns_edns_option_list_get_count(l); i++) {
		const ldns_edns_option *o =
		    ldns_edns_option_list_get_option(l, i);
		const uint8_t *d;
		unsigned code;

		if (o == NULL || ldns_edns_get_code(o) != LDNS_EDNS_EDE ||
		    (len = ldns_edns_get_size(o)) < 2)
			continue;
		d = ldns_edns_get_data(o);
		code = (unsigned)(d[0] << 8 | d[1]);
		/* EXTRA-TEXT is not NUL-terminated; one that holds a NUL
		 * is shown up to it */
		memcpy(text, d + 2, len - 2);
		text[len - 2] = '\0';
		fprintf(f,
		    "%s{\"code\": %u, \"purpose\": ", n++ > 0 ? ", " : "",
		    code);
		output_json_str(f, output_ede_purpose(code));
		fputs(", \"text\": ", f);
		output_json_str(f, text);
		fputc('}', f);
	}
	fputc(']', f);
}
