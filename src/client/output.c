/*
 * src/client/output.c - JSON and presentation helpers (see output.h).
 *
 * JSON strings are escaped per RFC 8259: quote, backslash and every
 * control character; other bytes pass through (DNS text is ASCII with
 * \DDD escapes from ldns).
 */
#include <stdlib.h>
#include <string.h>

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
