/*
 * src/client/digout.c - a DNS reply in dig's text layout (see digout.h).
 *
 * A line is built in an ldns_buffer while its column is counted, then
 * written whole.  Invariants: ldns presents each rdata field except
 * those BIND writes its own way, which are written here from their
 * octets (text strings, SvcParams, LOC) or adjusted (base64 and hex word
 * cuts, hex case); a field ldns cannot present is written in RFC 3597's
 * generic form; every length is checked before the octets it covers are
 * read (rdata, OPT options), so a malformed one is shown as hex, never
 * read past.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "digout.h"
#include "output.h"

/* BIND's dig columns: TTL, class, type, rdata; tab stops every 8. */
#define DIGOUT_TTL_COL 24
#define DIGOUT_CLASS_COL 32
#define DIGOUT_TYPE_COL 40
#define DIGOUT_RDATA_COL 48
#define DIGOUT_TAB 8
/* Words of base64 and hex rdata: BIND's 60-column width less two. */
#define DIGOUT_WORD 56
#define DIGOUT_COOKIE_CLIENT 8

/*
 * Pad from column *col to column to, as a master file is laid out:
 * tabs up to the last tab stop not past to, then spaces; one blank at
 * least, so a long field is followed by a tab when it ends one short
 * of a tab stop and by a space otherwise.
 */
static void
pad_to(ldns_buffer *b, size_t *col, size_t to)
{
	size_t from = *col;

	if (to <= from)
		to = from + 1;
	if (to / DIGOUT_TAB > from / DIGOUT_TAB) {
		for (size_t i = from / DIGOUT_TAB; i < to / DIGOUT_TAB; i++)
			ldns_buffer_printf(b, "\t");
		from = to / DIGOUT_TAB * DIGOUT_TAB;
	}
	for (; from < to; from++)
		ldns_buffer_printf(b, " ");
	*col = to;
}

/* Append s, counting its columns. */
static void
put_col(ldns_buffer *b, size_t *col, const char *s)
{
	ldns_buffer_printf(b, "%s", s);
	*col += strlen(s);
}

/* s cut into DIGOUT_WORD-character words; upper-cased when upper. */
static void
put_words(ldns_buffer *b, const char *s, bool upper)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % DIGOUT_WORD == 0)
			ldns_buffer_printf(b, " ");
		ldns_buffer_printf(b, "%c",
		    upper ? toupper((unsigned char)s[i]) : s[i]);
	}
}

/* Text bytes in quotes: '"' and '\\' escaped, others outside the
 * printable ASCII range as \DDD. */
static void
put_quoted(ldns_buffer *b, const uint8_t *d, size_t len)
{
	ldns_buffer_printf(b, "\"");
	for (size_t i = 0; i < len; i++) {
		if (d[i] < 0x20 || d[i] >= 0x7f)
			ldns_buffer_printf(b, "\\%03u", d[i]);
		else if (d[i] == '"' || d[i] == '\\')
			ldns_buffer_printf(b, "\\%c", d[i]);
		else
			ldns_buffer_printf(b, "%c", d[i]);
	}
	ldns_buffer_printf(b, "\"");
}

/* The name BIND 9.18 gives a SvcParamKey (RFC 9460). */
static void
put_svc_key(ldns_buffer *b, unsigned key)
{
	static const char *const keys[] = { "mandatory", "alpn",
		"no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
		"dohpath" };

	if (key < sizeof(keys) / sizeof(keys[0]))
		ldns_buffer_printf(b, "%s", keys[key]);
	else
		ldns_buffer_printf(b, "key%u", key);
}

/* One SvcParam's value, as BIND writes it after "KEY=". */
static void
put_svc_value(ldns_buffer *b, unsigned key, const uint8_t *v, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	ldns_rdf *b64;
	char *s;

	switch (key) {
	case 0: /* mandatory: key names */
		for (size_t i = 0; i + 1 < len; i += 2) {
			if (i > 0)
				ldns_buffer_printf(b, ",");
			put_svc_key(b, (unsigned)(v[i] << 8 | v[i + 1]));
		}
		return;
	case 1: /* alpn: each id, commas between, all in quotes */
		ldns_buffer_printf(b, "\"");
		for (size_t i = 0; i < len; i += 1 + v[i]) {
			if (i > 0)
				ldns_buffer_printf(b, ",");
			for (size_t k = i + 1; k <= i + v[i] && k < len; k++) {
				if (v[k] < 0x20 || v[k] >= 0x7f)
					ldns_buffer_printf(b, "\\%03u", v[k]);
				else if (v[k] == ',' || v[k] == '\\')
					ldns_buffer_printf(b, "\\\\%c", v[k]);
				else if (v[k] == '"')
					ldns_buffer_printf(b, "\\\"");
				else
					ldns_buffer_printf(b, "%c", v[k]);
			}
		}
		ldns_buffer_printf(b, "\"");
		return;
	case 3:
		if (len == 2)
			ldns_buffer_printf(b, "%u",
			    (unsigned)(v[0] << 8 | v[1]));
		return;
	case 4:
	case 6:
		for (size_t i = 0, w = key == 4 ? 4 : 16; i + w <= len;
		     i += w) {
			inet_ntop(key == 4 ? AF_INET : AF_INET6, v + i, text,
			    sizeof(text));
			ldns_buffer_printf(b, "%s%s", i > 0 ? "," : "", text);
		}
		return;
	case 5: /* ech */
		b64 = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, len, v);
		if (b64 != NULL && (s = ldns_rdf2str(b64)) != NULL) {
			ldns_buffer_printf(b, "%s", s);
			free(s);
		}
		ldns_rdf_deep_free(b64);
		return;
	default:
		put_quoted(b, v, len);
		return;
	}
}

/* SvcParams (SVCB, HTTPS) as BIND writes them: " KEY[=VALUE]"... */
static void
put_svcparams(ldns_buffer *b, const ldns_rdf *rdf)
{
	const uint8_t *d = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf), i = 0;

	while (i + 4 <= n) {
		unsigned key = (unsigned)(d[i] << 8 | d[i + 1]);
		size_t len = (size_t)(d[i + 2] << 8 | d[i + 3]);

		if (len > n - i - 4)
			break;
		if (i > 0)
			ldns_buffer_printf(b, " ");
		put_svc_key(b, key);
		if (len > 0 && key != 2) {
			ldns_buffer_printf(b, "=");
			put_svc_value(b, key, d + i + 4, len);
		}
		i += 4 + len;
	}
}

/* A LOC precision byte (mantissa, exponent of ten, in cm) in metres. */
static void
put_loc_size(ldns_buffer *b, uint8_t v)
{
	unsigned long m = v >> 4, e = v & 0x0f, p = 1;

	/* metres from e > 1, else hundredths of a metre */
	for (unsigned long i = 0; i < (e > 1 ? e - 2 : e); i++)
		p *= 10;
	if (e > 1)
		ldns_buffer_printf(b, " %lum", m * p);
	else
		ldns_buffer_printf(b, " 0.%02lum", m * p);
}

/* One LOC angle (thousandths of an arcsecond from 2^31) and its side. */
static void
put_loc_angle(ldns_buffer *b, uint32_t v, char pos, char neg)
{
	unsigned long a = v >= 0x80000000u ? v - 0x80000000u : 0x80000000u - v;

	ldns_buffer_printf(b, "%lu %lu %lu.%03lu %c", a / 3600000,
	    a / 60000 % 60, a / 1000 % 60, a % 1000,
	    v >= 0x80000000u ? pos : neg);
}

/* LOC (RFC 1876) version 0 as BIND writes it; false for another. */
static bool
put_loc(ldns_buffer *b, const uint8_t *d, size_t n)
{
	uint32_t lat, lon, alt;

	if (n != 16 || d[0] != 0)
		return false;
	lat = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | d[6] << 8 | d[7];
	lon = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 | d[10] << 8 | d[11];
	alt =
	    (uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | d[14] << 8 | d[15];
	put_loc_angle(b, lat, 'N', 'S');
	ldns_buffer_printf(b, " ");
	put_loc_angle(b, lon, 'E', 'W');
	if (alt < 10000000u)
		ldns_buffer_printf(b, " -%lu.%02lum",
		    (unsigned long)(10000000u - alt) / 100,
		    (unsigned long)(10000000u - alt) % 100);
	else
		ldns_buffer_printf(b, " %lu.%02lum",
		    (unsigned long)(alt - 10000000u) / 100,
		    (unsigned long)(alt - 10000000u) % 100);
	put_loc_size(b, d[1]);
	put_loc_size(b, d[2]);
	put_loc_size(b, d[3]);
	return true;
}

/* One rdata field as BIND presents it. */
static int
put_rdf(ldns_buffer *b, const ldns_rdf *rdf)
{
	const uint8_t *d = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf);
	char *s;

	switch (ldns_rdf_get_type(rdf)) {
	case LDNS_RDF_TYPE_STR:
		if (n > 0)
			put_quoted(b, d + 1, n - 1 < d[0] ? n - 1 : d[0]);
		return 0;
	case LDNS_RDF_TYPE_LONG_STR:
		put_quoted(b, d, n);
		return 0;
	case LDNS_RDF_TYPE_SVCPARAMS:
		put_svcparams(b, rdf);
		return 0;
	case LDNS_RDF_TYPE_LOC:
		if (put_loc(b, d, n))
			return 0;
		break;
	default:
		break;
	}
	if ((s = ldns_rdf2str(rdf)) == NULL) {
		/* a field ldns cannot present (a LOC of one octet): its
		 * octets in the generic form (RFC 3597) */
		ldns_buffer_printf(b, "\\# %zu", n);
		if (n > 0)
			ldns_buffer_printf(b, " ");
		for (size_t i = 0; i < n; i++)
			ldns_buffer_printf(b, "%02X", d[i]);
		return ldns_buffer_status_ok(b) ? 0 : -1;
	}
	/* ldns ends some fields (an empty NSEC3 salt) with a blank */
	for (size_t e = strlen(s); e > 0 && s[e - 1] == ' '; e--)
		s[e - 1] = '\0';
	switch (ldns_rdf_get_type(rdf)) {
	case LDNS_RDF_TYPE_B64:
		put_words(b, s, false);
		break;
	case LDNS_RDF_TYPE_HEX:
		put_words(b, s, true);
		break;
	case LDNS_RDF_TYPE_B32_EXT:
	case LDNS_RDF_TYPE_NSEC3_SALT:
		for (char *c = s; *c != '\0'; c++)
			*c = (char)toupper((unsigned char)*c);
		ldns_buffer_printf(b, "%s", s);
		break;
	default:
		ldns_buffer_printf(b, "%s", s);
		break;
	}
	free(s);
	return 0;
}

static int
put_rdata(ldns_buffer *b, const ldns_rr *rr)
{
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i > 0)
			ldns_buffer_printf(b, " ");
		if (put_rdf(b, ldns_rr_rdf(rr, i)) == -1)
			return -1;
	}
	return 0;
}

/* Owner (after prefix), then class and type at their columns; with
 * ttl also the TTL.  The prefix (";" of a question) is not counted,
 * as BIND does not count it. */
static int
put_head(ldns_buffer *b, const ldns_rr *rr, const char *prefix, bool ttl)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *cls = ldns_rr_class2str(ldns_rr_get_class(rr));
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
	char num[16];
	size_t col = 0;
	int rc = -1;

	if (owner == NULL || cls == NULL || type == NULL)
		goto out;
	ldns_buffer_printf(b, "%s", prefix);
	put_col(b, &col, owner);
	if (ttl) {
		pad_to(b, &col, DIGOUT_TTL_COL);
		snprintf(num, sizeof(num), "%u", (unsigned)ldns_rr_ttl(rr));
		put_col(b, &col, num);
	}
	pad_to(b, &col, DIGOUT_CLASS_COL);
	put_col(b, &col, cls);
	pad_to(b, &col, DIGOUT_TYPE_COL);
	put_col(b, &col, type);
	if (ttl)
		pad_to(b, &col, DIGOUT_RDATA_COL);
	rc = 0;
out:
	free(owner);
	free(cls);
	free(type);
	return rc;
}

/* Write b's text to f; 0, or -1 if b ran out of memory. */
static int
flush(FILE *f, ldns_buffer *b)
{
	int rc = ldns_buffer_status_ok(b) ? 0 : -1;

	if (rc == 0)
		fwrite(ldns_buffer_begin(b), 1, ldns_buffer_position(b), f);
	ldns_buffer_clear(b);
	return rc;
}

static int
rr_line(FILE *f, const ldns_rr *rr, const char *prefix, bool question)
{
	ldns_buffer *b = ldns_buffer_new(256);
	int rc = -1;

	if (b == NULL)
		return -1;
	if (put_head(b, rr, prefix, !question) == 0 &&
	    (question || put_rdata(b, rr) == 0)) {
		ldns_buffer_printf(b, "\n");
		rc = flush(f, b);
	}
	ldns_buffer_free(b);
	return rc;
}

int
digout_rr(FILE *f, const ldns_rr *rr)
{
	return rr_line(f, rr, "", false);
}

int
digout_rdata(FILE *f, const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(256);
	int rc = -1;

	if (b == NULL)
		return -1;
	if (put_rdata(b, rr) == 0) {
		ldns_buffer_printf(b, "\n");
		rc = flush(f, b);
	}
	ldns_buffer_free(b);
	return rc;
}

unsigned
digout_full_rcode(const ldns_pkt *p)
{
	return (unsigned)ldns_pkt_edns_extended_rcode(p) << 4 |
	    (unsigned)ldns_pkt_get_rcode(p);
}

const char *
digout_rcode(unsigned rcode, char *buf, size_t len)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
		"NXRRSET", "NOTAUTH", "NOTZONE", "RESERVED11", "RESERVED12",
		"RESERVED13", "RESERVED14", "RESERVED15", "BADVERS", NULL, NULL,
		NULL, NULL, NULL, NULL, "BADCOOKIE" };

	if (rcode < sizeof(names) / sizeof(names[0]) && names[rcode] != NULL)
		snprintf(buf, len, "%s", names[rcode]);
	else
		snprintf(buf, len, "?%u", rcode);
	return buf;
}

const uint8_t *
digout_opt_bytes(const ldns_pkt *p, size_t *n)
{
	const ldns_rdf *d = ldns_pkt_edns_data(p);

	*n = d != NULL ? ldns_rdf_size(d) : 0;
	return d != NULL ? ldns_rdf_data(d) : NULL;
}

bool
digout_opt_next(const uint8_t **o, size_t *n, unsigned *code,
    const uint8_t **data, size_t *len)
{
	if (*n < 4)
		return false;
	*code = (unsigned)((*o)[0] << 8 | (*o)[1]);
	*len = (size_t)((*o)[2] << 8 | (*o)[3]);
	if (*len > *n - 4)
		return false;
	*data = *o + 4;
	*o += 4 + *len;
	*n -= 4 + *len;
	return true;
}

enum digout_cookie
digout_cookie_check(const ldns_pkt *p, const uint8_t *client)
{
	const uint8_t *o, *d;
	size_t n, len;
	unsigned code;

	if (client == NULL)
		return DIGOUT_COOKIE_NONE;
	o = digout_opt_bytes(p, &n);
	while (o != NULL && digout_opt_next(&o, &n, &code, &d, &len)) {
		if (code != DIGOUT_OPT_COOKIE)
			continue;
		if (len < DIGOUT_COOKIE_CLIENT ||
		    memcmp(d, client, DIGOUT_COOKIE_CLIENT) != 0)
			return DIGOUT_COOKIE_BAD;
		return len >= 16 ? DIGOUT_COOKIE_GOOD : DIGOUT_COOKIE_ECHOED;
	}
	return DIGOUT_COOKIE_BAD;
}

/* An option's name as dig writes it before its data ("; NSID:"). */
static void
opt_label(FILE *f, unsigned code)
{
	static const struct {
		unsigned code;
		const char *label;
	} labels[] = {
		{ DIGOUT_OPT_LLQ, "LLQ" },
		{ DIGOUT_OPT_NSID, "NSID" },
		{ DIGOUT_OPT_SUBNET, "CLIENT-SUBNET" },
		{ DIGOUT_OPT_EXPIRE, "EXPIRE" },
		{ DIGOUT_OPT_COOKIE, "COOKIE" },
		{ DIGOUT_OPT_KEEPALIVE, "TCP KEEPALIVE" },
		{ DIGOUT_OPT_PADDING, "PAD" },
		{ DIGOUT_OPT_KEY_TAG, "KEY-TAG" },
		{ DIGOUT_OPT_EDE, "EDE" },
		{ DIGOUT_OPT_CLIENT_TAG, "CLIENT-TAG" },
		{ DIGOUT_OPT_SERVER_TAG, "SERVER-TAG" },
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (labels[i].code == code) {
			fprintf(f, "; %s:", labels[i].label);
			return;
		}
	fprintf(f, "; OPT=%u:", code);
}

/* " ADDR/SOURCE/SCOPE" of a client-subnet option; false if malformed. */
static bool
opt_subnet(FILE *f, const uint8_t *d, size_t len)
{
	uint8_t addr[16] = { 0 };
	char text[INET6_ADDRSTRLEN];
	unsigned family, source, scope, bytes;

	if (len < 4)
		return false;
	family = (unsigned)(d[0] << 8 | d[1]);
	source = d[2];
	scope = d[3];
	bytes = (source + 7) / 8;
	if (len - 4 < bytes || bytes > sizeof(addr))
		return false;
	memcpy(addr, d + 4, bytes);
	if (family == 0 && source == 0 && scope == 0)
		snprintf(text, sizeof(text), "0");
	else if (family == 1 && source <= 32 && scope <= 32)
		inet_ntop(AF_INET, addr, text, sizeof(text));
	else if (family == 2 && source <= 128 && scope <= 128)
		inet_ntop(AF_INET6, addr, text, sizeof(text));
	else
		return false;
	fprintf(f, " %s/%u/%u\n", text, source, scope);
	return true;
}

/* Is d[0..len) valid UTF-8 (no overlongs, no surrogates)? */
static bool
utf8_valid(const uint8_t *d, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = d[i], need, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return false;
		if (len - i - 1 < need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((d[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (d[i + k] & 0x3f);
		}
		if ((need == 2 &&
			(cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += need + 1;
	}
	return true;
}

/* The parts of an option dig decodes itself; false: show it as hex. */
static bool
opt_decoded(FILE *f, unsigned code, const uint8_t *d, size_t len)
{
	switch (code) {
	case DIGOUT_OPT_SUBNET:
		return opt_subnet(f, d, len);
	case DIGOUT_OPT_KEEPALIVE:
		if (len != 2)
			return false;
		fprintf(f, " %u.%u secs\n", (unsigned)(d[0] << 8 | d[1]) / 10,
		    (unsigned)(d[0] << 8 | d[1]) % 10);
		return true;
	case DIGOUT_OPT_PADDING:
		if (len > 0)
			fprintf(f, " (%zu bytes)", len);
		fputc('\n', f);
		return true;
	case DIGOUT_OPT_KEY_TAG:
		if (len == 0 || len % 2 != 0)
			return false;
		for (size_t i = 0; i < len; i += 2)
			fprintf(f, "%s %u", i > 0 ? "," : "",
			    (unsigned)(d[i] << 8 | d[i + 1]));
		fputc('\n', f);
		return true;
	case DIGOUT_OPT_CLIENT_TAG:
	case DIGOUT_OPT_SERVER_TAG:
		if (len != 2)
			return false;
		fprintf(f, " %u\n", (unsigned)(d[0] << 8 | d[1]));
		return true;
	default:
		return false;
	}
}

/* One option line: its label, then what dig shows of its data. */
static void
opt_line(FILE *f, unsigned code, const uint8_t *d, size_t len,
    enum digout_cookie cookie)
{
	bool utf8 = false;

	opt_label(f, code);
	if (opt_decoded(f, code, d, len))
		return;
	if (code == DIGOUT_OPT_EDE && len == 1) {
		fprintf(f, " %02x (\"%c\")\n", d[0],
		    isprint(d[0]) ? d[0] : '.');
		return;
	}
	if (code == DIGOUT_OPT_EDE && len >= 2) {
		unsigned info = (unsigned)(d[0] << 8 | d[1]);
		const char *purpose = output_ede_purpose(info);

		fprintf(f, " %u", info);
		if (purpose != NULL)
			fprintf(f, " (%s)", purpose);
		d += 2;
		len -= 2;
		if (len > 0)
			fputc(':', f);
		utf8 = utf8_valid(d, len);
	}
	if (len == 0) {
		fputc('\n', f);
		return;
	}
	fputc(' ', f);
	for (size_t i = 0; !utf8 && i < len; i++)
		fprintf(f, "%02x%s", d[i],
		    code == DIGOUT_OPT_COOKIE ? "" : " ");
	if (code == DIGOUT_OPT_COOKIE) {
		if (cookie == DIGOUT_COOKIE_GOOD)
			fputs(" (good)", f);
		else if (cookie == DIGOUT_COOKIE_ECHOED)
			fputs(" (echoed)", f);
		else if (cookie == DIGOUT_COOKIE_BAD)
			fputs(" (bad)", f);
		fputc('\n', f);
		return;
	}
	if (code == DIGOUT_OPT_SUBNET) {
		fputc('\n', f);
		return;
	}
	fputs(code == DIGOUT_OPT_EDE ? "(" : "(\"", f);
	for (size_t i = 0; i < len; i++)
		fputc(isprint(d[i]) || (utf8 && d[i] > 127) ? d[i] : '.', f);
	fputs(code == DIGOUT_OPT_EDE ? ")\n" : "\")\n", f);
}

/* The OPT pseudosection: EDNS version, flags, size, then each option. */
static void
opt_section(FILE *f, const ldns_pkt *p, bool comments,
    enum digout_cookie cookie)
{
	uint16_t z = ldns_pkt_edns_z(p), mbz = z & 0x3fff;
	const uint8_t *o, *d;
	size_t n, len;
	unsigned code;

	if (!ldns_pkt_edns(p))
		return;
	if (comments)
		fputs(";; OPT PSEUDOSECTION:\n", f);
	fprintf(f, "; EDNS: version: %u, flags:%s%s",
	    (unsigned)ldns_pkt_edns_version(p), (z & 0x8000) ? " do" : "",
	    (z & 0x4000) ? " co" : "");
	if (mbz != 0)
		fprintf(f, "; MBZ: 0x%.4x, udp: ", (unsigned)mbz);
	else
		fputs("; udp: ", f);
	fprintf(f, "%u\n", (unsigned)ldns_pkt_edns_udp_size(p));
	o = digout_opt_bytes(p, &n);
	while (o != NULL && digout_opt_next(&o, &n, &code, &d, &len))
		opt_line(f, code, d, len, cookie);
}

/* One section: its title, its records, a blank line (with comments). */
static int
section(FILE *f, const ldns_rr_list *l, const char *title, bool comments,
    bool question)
{
	if (ldns_rr_list_rr_count(l) == 0)
		return 0;
	if (comments)
		fprintf(f, ";; %s SECTION:\n", title);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (rr_line(f, ldns_rr_list_rr(l, i), question ? ";" : "",
			question) == -1)
			return -1;
	if (comments)
		fputc('\n', f);
	return 0;
}

/* ";; ->>HEADER<<-", ";; flags:" and the warnings dig adds. */
static void
header(FILE *f, const ldns_pkt *p, const struct digout_view *v)
{
	static const char *const opcodes[] = { "QUERY", "IQUERY", "STATUS",
		NULL, "NOTIFY", "UPDATE" };
	unsigned op = (unsigned)ldns_pkt_get_opcode(p) & 0xf;
	unsigned rcode = digout_full_rcode(p);
	char rc[16];
	size_t ar = ldns_pkt_arcount(p) + (ldns_pkt_edns(p) ? 1 : 0) +
	    (ldns_pkt_tsig(p) != NULL ? 1 : 0);

	fputs(";; Got answer:\n", f);
	if (op < sizeof(opcodes) / sizeof(opcodes[0]) && opcodes[op] != NULL)
		fprintf(f, ";; ->>HEADER<<- opcode: %s", opcodes[op]);
	else
		fprintf(f, ";; ->>HEADER<<- opcode: RESERVED%u", op);
	fprintf(f, ", status: %s, id: %u\n",
	    digout_rcode(rcode, rc, sizeof(rc)), (unsigned)ldns_pkt_id(p));
	fprintf(f, ";; flags:%s%s%s%s%s%s%s", ldns_pkt_qr(p) ? " qr" : "",
	    ldns_pkt_aa(p) ? " aa" : "", ldns_pkt_tc(p) ? " tc" : "",
	    ldns_pkt_rd(p) ? " rd" : "", ldns_pkt_ra(p) ? " ra" : "",
	    ldns_pkt_ad(p) ? " ad" : "", ldns_pkt_cd(p) ? " cd" : "");
	fprintf(f, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %zu\n",
	    (unsigned)ldns_pkt_qdcount(p), (unsigned)ldns_pkt_ancount(p),
	    (unsigned)ldns_pkt_nscount(p), ar);
	if (ldns_pkt_rd(p) && !ldns_pkt_ra(p))
		fputs(";; WARNING: recursion requested but not available\n", f);
	if (v->edns_sent && !ldns_pkt_edns(p) &&
	    (rcode == LDNS_RCODE_FORMERR || rcode == LDNS_RCODE_NOTIMPL))
		fprintf(f,
		    "\n;; WARNING: EDNS query returned status %s - retry with "
		    "'%s+noedns'\n",
		    rc, v->dnssec_sent ? "+nodnssec " : "");
}

int
digout_message(FILE *f, const ldns_pkt *p, const struct digout_view *v,
    enum digout_cookie cookie)
{
	const ldns_rr_list *an = ldns_pkt_answer(p);

	if (v->short_form) {
		for (size_t i = 0; v->answer && i < ldns_rr_list_rr_count(an);
		     i++)
			if (digout_rdata(f, ldns_rr_list_rr(an, i)) == -1)
				return -1;
		return 0;
	}
	if (v->comments) {
		header(f, p, v);
		fputc('\n', f);
		opt_section(f, p, true, cookie);
	}
	if ((v->question &&
		section(f, ldns_pkt_question(p), "QUESTION", v->comments,
		    true) == -1) ||
	    (v->answer && section(f, an, "ANSWER", v->comments, false) == -1) ||
	    (v->authority &&
		section(f, ldns_pkt_authority(p), "AUTHORITY", v->comments,
		    false) == -1) ||
	    (v->additional &&
		section(f, ldns_pkt_additional(p), "ADDITIONAL", v->comments,
		    false) == -1))
		return -1;
	return 0;
}
