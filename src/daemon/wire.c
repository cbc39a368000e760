/*
 * src/daemon/wire.c - DNS message parsing and building (see wire.h).
 *
 * Invariants:
 * - No allocation, no global state: every function works on the caller's
 *   buffers and may run on any thread.
 * - Every read is preceded by a bounds check against the message length;
 *   a length or count taken from the message is never trusted.
 * - A name walk strictly decreases its position at every compression
 *   pointer and stops after WIRE_MAX_PTR_HOPS, so it always terminates.
 * - What a pointer leads to lies wholly before the pointer: a name read
 *   through one never runs into the pointer or past it (so removing or
 *   rewriting what follows a name never changes the name).
 */
#include <string.h>

#include "wire.h"

static const char *const wire_errstr[WIRE_ERR_COUNT] = {
	[WIRE_OK] = "ok",
	[WIRE_ESHORT] = "message shorter than a DNS header",
	[WIRE_ETOOBIG] = "message longer than 65535 octets",
	[WIRE_ENAMETRUNC] = "name runs past the end of the message",
	[WIRE_ELABELLEN] = "label longer than 63 octets",
	[WIRE_ENAMELEN] = "name longer than 255 octets",
	[WIRE_ELABELTYPE] = "reserved label type",
	[WIRE_EPTRFWD] =
	    "compression pointer does not point back to an earlier name",
	[WIRE_EPTRLOOP] = "too many compression pointers",
	[WIRE_EQDCOUNT] = "question count is not 1",
	[WIRE_EQTRUNC] = "question truncated",
	[WIRE_ERRTRUNC] = "record header truncated",
	[WIRE_ERDATA] = "record data runs past the end of the message",
	[WIRE_ETRAILING] = "trailing bytes after the last record",
	[WIRE_EOPTDUP] = "more than one OPT record",
	[WIRE_EOPTPLACE] = "OPT record outside the additional section",
	[WIRE_EOPTOWNER] = "OPT record owner is not the root",
	[WIRE_EOPTDATA] = "malformed EDNS option",
	[WIRE_ENOSPACE] = "output buffer too small",
	[WIRE_EINVAL] = "invalid argument",
	[WIRE_ENAMETEXT] = "malformed domain name",
	[WIRE_EOPTLEN] = "EDNS option too long",
};

const char *
wire_strerror(int err)
{
	if (err == WIRE_END)
		return "end of message";
	if (err < 0 || err >= WIRE_ERR_COUNT || wire_errstr[err] == NULL)
		return "unknown wire error";
	return wire_errstr[err];
}

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* --- header --------------------------------------------------------- */

int
wire_parse_header(const uint8_t *msg, size_t len, struct wire_header *h)
{
	if (len < WIRE_HDR_LEN)
		return WIRE_ESHORT;
	if (len > WIRE_MAX_MSG)
		return WIRE_ETOOBIG;
	h->id = wire_get16(msg);
	h->flags = wire_get16(msg + 2);
	h->qdcount = wire_get16(msg + 4);
	h->ancount = wire_get16(msg + 6);
	h->nscount = wire_get16(msg + 8);
	h->arcount = wire_get16(msg + 10);
	return WIRE_OK;
}

void
wire_write_header(uint8_t *out, const struct wire_header *h)
{
	wire_put16(out, h->id);
	wire_put16(out + 2, h->flags);
	wire_put16(out + 4, h->qdcount);
	wire_put16(out + 6, h->ancount);
	wire_put16(out + 8, h->nscount);
	wire_put16(out + 10, h->arcount);
}

/* --- names ---------------------------------------------------------- */

int
wire_read_name(const uint8_t *msg, size_t len, size_t off, uint8_t *out,
    size_t *outlen, size_t *end)
{
	size_t pos = off;   /* the octet being read */
	size_t run = off;   /* start of the current run of labels */
	size_t after = 0;   /* offset past the name at off, once known */
	size_t nlen = 0;    /* uncompressed length so far, root excluded */
	size_t limit = len; /* reads stay below the last pointer followed */
	unsigned hops = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return WIRE_ENAMETRUNC;
		if (pos >= limit)
			return WIRE_EPTRFWD;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return WIRE_ENAMETRUNC;
			target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			/* strictly backwards, and never into the header,
			 * where no name can start */
			if (target >= run || target < WIRE_HDR_LEN)
				return WIRE_EPTRFWD;
			if (++hops > WIRE_MAX_PTR_HOPS)
				return WIRE_EPTRLOOP;
			if (after == 0)
				after = pos + 2;
			limit = pos;
			pos = run = target;
			continue;
		}
		if (l & 0xc0)
			return WIRE_ELABELTYPE;
		if (l == 0)
			break;
		if (len - pos - 1 < l)
			return WIRE_ENAMETRUNC;
		if (limit - pos - 1 < l)
			return WIRE_EPTRFWD; /* a label across the pointer */
		/* room for this label and the root label */
		if (nlen + 1 + l + 1 > WIRE_MAX_NAME)
			return WIRE_ENAMELEN;
		if (out != NULL)
			memcpy(out + nlen, msg + pos, (size_t)l + 1);
		nlen += (size_t)l + 1;
		pos += (size_t)l + 1;
	}
	if (out != NULL)
		out[nlen] = 0;
	if (outlen != NULL)
		*outlen = nlen + 1;
	if (end != NULL)
		*end = after != 0 ? after : pos + 1;
	return WIRE_OK;
}

int
wire_skip_name(const uint8_t *msg, size_t len, size_t off, size_t *end)
{
	return wire_read_name(msg, len, off, NULL, NULL, end);
}

void
wire_name_lower(uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		name[i] = lower(name[i]);
}

bool
wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

uint64_t
wire_name_hash(const uint8_t *name, size_t len, uint64_t seed)
{
	/* FNV-1a over the lower-cased octets, then a murmur3 finaliser so
	 * that the low bits used as a bucket index depend on every octet. */
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= lower(name[i]);
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

bool
wire_name_is_subdomain(const uint8_t *sub, size_t sublen, const uint8_t *zone,
    size_t zonelen)
{
	size_t off = 0;

	if (zonelen > sublen)
		return false;
	/* Walk sub's labels until the remainder is as long as zone; the
	 * comparison must start on a label boundary. */
	while (sublen - off > zonelen) {
		if (off >= sublen || sub[off] == 0)
			return false;
		off += (size_t)sub[off] + 1;
	}
	if (sublen - off != zonelen)
		return false;
	return wire_name_equal(sub + off, zonelen, zone, zonelen);
}

size_t
wire_name_to_text(const uint8_t *name, size_t len, char *out, size_t outlen)
{
	size_t n = 0; /* characters the full text needs */
	size_t off = 0;

#define EMIT(c)                                                                \
	do {                                                                   \
		if (n + 1 < outlen)                                            \
			out[n] = (char)(c);                                    \
		n++;                                                           \
	} while (0)

	while (off < len && name[off] != 0) {
		size_t l = name[off++];

		for (size_t i = 0; i < l && off < len; i++, off++) {
			uint8_t c = lower(name[off]);

			if (c == '.' || c == '\\') {
				EMIT('\\');
				EMIT(c);
			} else if (c < '!' || c > '~') {
				EMIT('\\');
				EMIT('0' + c / 100);
				EMIT('0' + c / 10 % 10);
				EMIT('0' + c % 10);
			} else {
				EMIT(c);
			}
		}
		EMIT('.');
	}
	if (n == 0)
		EMIT('.');
#undef EMIT
	if (outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

int
wire_name_from_text(const char *text, uint8_t *out, size_t *outlen)
{
	size_t nlen = 0; /* octets written, root excluded */
	size_t lstart;   /* where the current label's length octet is */
	const char *p = text;

	if (text[0] == '\0')
		return WIRE_ENAMETEXT;
	if (strcmp(text, ".") == 0) {
		out[0] = 0;
		*outlen = 1;
		return WIRE_OK;
	}
	for (;;) {
		size_t l = 0;

		lstart = nlen++;
		if (nlen >= WIRE_MAX_NAME)
			return WIRE_ENAMELEN;
		while (*p != '\0' && *p != '.') {
			unsigned c = (unsigned char)*p++;

			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9') {
					if (!(p[1] >= '0' && p[1] <= '9' &&
						p[2] >= '0' && p[2] <= '9'))
						return WIRE_ENAMETEXT;
					c = (unsigned)(p[0] - '0') * 100 +
					    (unsigned)(p[1] - '0') * 10 +
					    (unsigned)(p[2] - '0');
					if (c > 255)
						return WIRE_ENAMETEXT;
					p += 3;
				} else if (*p != '\0') {
					c = (unsigned char)*p++;
				} else {
					return WIRE_ENAMETEXT;
				}
			}
			if (++l > WIRE_MAX_LABEL)
				return WIRE_ELABELLEN;
			/* this octet plus the root label must fit */
			if (nlen + 1 >= WIRE_MAX_NAME)
				return WIRE_ENAMELEN;
			out[nlen++] = (uint8_t)c;
		}
		if (l == 0)
			return WIRE_ENAMETEXT; /* empty label: "a..b", ".a" */
		out[lstart] = (uint8_t)l;
		if (*p == '\0' || (p[0] == '.' && p[1] == '\0'))
			break;
		p++; /* the dot */
	}
	out[nlen++] = 0;
	*outlen = nlen;
	return WIRE_OK;
}

/* --- question ------------------------------------------------------- */

int
wire_parse_question(const uint8_t *msg, size_t len, struct wire_header *h,
    struct wire_question *q)
{
	size_t end;
	int r;

	if ((r = wire_parse_header(msg, len, h)) != WIRE_OK)
		return r;
	if (h->qdcount != 1)
		return WIRE_EQDCOUNT;
	q->name_off = WIRE_HDR_LEN;
	r = wire_read_name(msg, len, WIRE_HDR_LEN, q->name, &q->name_len, &end);
	if (r != WIRE_OK)
		return r;
	if (len - end < 4)
		return WIRE_EQTRUNC;
	q->qtype = wire_get16(msg + end);
	q->qclass = wire_get16(msg + end + 2);
	q->end = end + 4;
	return WIRE_OK;
}

/* --- resource records ----------------------------------------------- */

int
wire_iter_init(struct wire_iter *it, const uint8_t *msg, size_t len)
{
	size_t off = WIRE_HDR_LEN;
	int r;

	if ((r = wire_parse_header(msg, len, &it->hdr)) != WIRE_OK)
		return r;
	for (unsigned i = 0; i < it->hdr.qdcount; i++) {
		if ((r = wire_skip_name(msg, len, off, &off)) != WIRE_OK)
			return r;
		if (len - off < 4)
			return WIRE_EQTRUNC;
		off += 4;
	}
	it->msg = msg;
	it->len = len;
	it->off = off;
	it->left[WIRE_SEC_ANSWER] = it->hdr.ancount;
	it->left[WIRE_SEC_AUTHORITY] = it->hdr.nscount;
	it->left[WIRE_SEC_ADDITIONAL] = it->hdr.arcount;
	it->section = WIRE_SEC_ANSWER;
	return WIRE_OK;
}

int
wire_iter_next(struct wire_iter *it, struct wire_rr *rr)
{
	size_t off;
	int r;

	while (it->section <= WIRE_SEC_ADDITIONAL && it->left[it->section] == 0)
		it->section++;
	if (it->section > WIRE_SEC_ADDITIONAL)
		return it->off == it->len ? WIRE_END : WIRE_ETRAILING;

	rr->section = (enum wire_section)it->section;
	rr->off = it->off;
	if ((r = wire_skip_name(it->msg, it->len, it->off, &off)) != WIRE_OK)
		return r;
	if (it->len - off < WIRE_RR_FIXED)
		return WIRE_ERRTRUNC;
	rr->type = wire_get16(it->msg + off);
	rr->rclass = wire_get16(it->msg + off + 2);
	rr->ttl_off = off + 4;
	rr->ttl = wire_get32(it->msg + off + 4);
	rr->rdlen = wire_get16(it->msg + off + 8);
	rr->rdata_off = off + WIRE_RR_FIXED;
	if (it->len - rr->rdata_off < rr->rdlen)
		return WIRE_ERDATA;
	rr->end = rr->rdata_off + rr->rdlen;
	it->off = rr->end;
	it->left[it->section]--;
	return WIRE_OK;
}

/* --- EDNS(0) -------------------------------------------------------- */

/* Checks that the OPT rdata is a sequence of whole {code, len, data}. */
static int
opt_check_options(const uint8_t *msg, const struct wire_rr *rr)
{
	struct wire_opt_iter it = { msg + rr->rdata_off, rr->rdlen };
	struct wire_opt o;

	while (wire_opt_next(&it, &o))
		;
	return it.left == 0 ? WIRE_OK : WIRE_EOPTDATA;
}

static int
opt_record(const uint8_t *msg, const struct wire_rr *rr, unsigned ar_index,
    struct wire_edns *e)
{
	int r;

	if (rr->section != WIRE_SEC_ADDITIONAL)
		return WIRE_EOPTPLACE;
	if (e->present)
		return WIRE_EOPTDUP;
	/* The owner is the root: a single zero octet (a pointer cannot
	 * point to a root label without pointing into another name's end,
	 * which no sender needs to do). */
	if (msg[rr->off] != 0)
		return WIRE_EOPTOWNER;
	if ((r = opt_check_options(msg, rr)) != WIRE_OK)
		return r;
	e->present = true;
	e->udp_size = rr->rclass;
	e->ext_rcode = (uint8_t)(rr->ttl >> 24);
	e->version = (uint8_t)(rr->ttl >> 16);
	e->flags = (uint16_t)rr->ttl;
	e->off = rr->off;
	e->end = rr->end;
	e->opts_off = rr->rdata_off;
	e->opts_len = rr->rdlen;
	e->ar_before = (uint16_t)ar_index;
	return WIRE_OK;
}

/* Walks the records left in it into m (see wire_parse_msg()). */
static int
parse_records(struct wire_iter *it, struct wire_msg *m, struct wire_rr *rrs,
    size_t maxrrs)
{
	struct wire_rr rr;
	unsigned ar_index = 0;
	int r;

	m->hdr = it->hdr;
	m->question_end = it->off;
	while ((r = wire_iter_next(it, &rr)) == WIRE_OK) {
		if (rr.type == WIRE_T_OPT) {
			r = opt_record(it->msg, &rr, ar_index, &m->edns);
			if (r != WIRE_OK)
				return r;
		}
		if (rr.section == WIRE_SEC_ADDITIONAL)
			ar_index++;
		if (rrs != NULL && m->nrr < maxrrs)
			rrs[m->nrr] = rr;
		m->nrr++;
	}
	return r == WIRE_END ? WIRE_OK : r;
}

int
wire_parse_msg(const uint8_t *msg, size_t len, struct wire_msg *m,
    struct wire_rr *rrs, size_t maxrrs)
{
	struct wire_iter it;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = wire_iter_init(&it, msg, len)) != WIRE_OK)
		return r;
	return parse_records(&it, m, rrs, maxrrs);
}

int
wire_parse_records(const uint8_t *msg, size_t len, const struct wire_header *h,
    size_t question_end, struct wire_msg *m)
{
	struct wire_iter it = {
		.msg = msg,
		.len = len,
		.off = question_end,
		.hdr = *h,
		.left = { h->ancount, h->nscount, h->arcount },
		.section = WIRE_SEC_ANSWER,
	};

	memset(m, 0, sizeof(*m));
	if (question_end < WIRE_HDR_LEN || question_end > len)
		return WIRE_EINVAL;
	return parse_records(&it, m, NULL, 0);
}

int
wire_append_opt_data(uint8_t *buf, size_t cap, size_t *len, uint16_t udp_size,
    uint8_t ext_rcode, uint16_t flags, const uint8_t *opts, size_t opts_len)
{
	uint8_t *p;
	uint16_t arcount;

	if (*len < WIRE_HDR_LEN || *len > cap || opts_len > UINT16_MAX)
		return WIRE_EINVAL;
	if (cap - *len < WIRE_OPT_LEN || cap - *len - WIRE_OPT_LEN < opts_len)
		return WIRE_ENOSPACE;
	arcount = wire_get16(buf + 10);
	if (arcount == UINT16_MAX)
		return WIRE_EINVAL;
	p = buf + *len;
	p[0] = 0; /* root owner */
	wire_put16(p + 1, WIRE_T_OPT);
	wire_put16(p + 3, udp_size);
	/* ttl: extended rcode, version 0, flags */
	wire_put32(p + 5, (uint32_t)ext_rcode << 24 | flags);
	wire_put16(p + 9, (uint16_t)opts_len);
	if (opts_len > 0)
		memcpy(p + WIRE_OPT_LEN, opts, opts_len);
	wire_put16(buf + 10, (uint16_t)(arcount + 1));
	*len += WIRE_OPT_LEN + opts_len;
	return WIRE_OK;
}

int
wire_append_opt(uint8_t *buf, size_t cap, size_t *len, uint16_t udp_size,
    uint8_t ext_rcode, uint16_t flags)
{
	return wire_append_opt_data(buf, cap, len, udp_size, ext_rcode, flags,
	    NULL, 0);
}

void
wire_remove_opt(uint8_t *buf, size_t *len, const struct wire_edns *e)
{
	if (!e->present)
		return;
	wire_put16(buf + 10, e->ar_before);
	*len = e->off;
}

/* --- EDNS options ------------------------------------------------------ */

bool
wire_opt_next(struct wire_opt_iter *it, struct wire_opt *o)
{
	if (it->left < 4 || it->left - 4 < wire_get16(it->p + 2))
		return false;
	o->code = wire_get16(it->p);
	o->len = wire_get16(it->p + 2);
	o->data = it->p + 4;
	it->p += 4 + (size_t)o->len;
	it->left -= 4 + (size_t)o->len;
	return true;
}

int
wire_opt_put(uint8_t *buf, size_t cap, size_t *len, uint16_t code,
    const uint8_t *data, size_t dlen)
{
	if (dlen > UINT16_MAX)
		return WIRE_EOPTLEN;
	if (*len > cap || cap - *len < 4 || cap - *len - 4 < dlen)
		return WIRE_ENOSPACE;
	wire_put16(buf + *len, code);
	wire_put16(buf + *len + 2, (uint16_t)dlen);
	if (dlen > 0)
		memcpy(buf + *len + 4, data, dlen);
	*len += 4 + dlen;
	return WIRE_OK;
}

int
wire_opt_put_ede(uint8_t *buf, size_t cap, size_t *len, uint16_t info_code,
    const uint8_t *text, size_t text_len)
{
	uint8_t data[2 + WIRE_EDE_TEXT_MAX];

	if (text_len > WIRE_EDE_TEXT_MAX) {
		/* cut before a UTF-8 continuation octet, never inside a
		 * character */
		text_len = WIRE_EDE_TEXT_MAX;
		while (text_len > 0 && (text[text_len] & 0xc0) == 0x80)
			text_len--;
	}
	wire_put16(data, info_code);
	if (text_len > 0)
		memcpy(data + 2, text, text_len);
	return wire_opt_put(buf, cap, len, WIRE_OPT_EDE, data, 2 + text_len);
}

size_t
wire_ede_copy(const uint8_t *msg, const struct wire_edns *e, uint8_t *buf,
    size_t cap)
{
	struct wire_opt_iter it;
	struct wire_opt o;
	size_t len = 0;

	if (!e->present)
		return 0;
	it = (struct wire_opt_iter){ msg + e->opts_off, e->opts_len };
	while (wire_opt_next(&it, &o))
		if (o.code == WIRE_OPT_EDE && o.len >= 2)
			(void)wire_opt_put_ede(buf, cap, &len,
			    wire_get16(o.data), o.data + 2, o.len - 2u);
	return len;
}

/* --- building answers ----------------------------------------------- */

int
wire_build_response(uint8_t *out, size_t cap, size_t *outlen,
    const struct wire_header *qh, const struct wire_question *q, unsigned rcode,
    uint16_t extra_flags)
{
	uint16_t echo = WIRE_OPCODE(qh->flags) == WIRE_OP_QUERY
	    ? WIRE_RD | WIRE_CD
	    : WIRE_RD;
	struct wire_header h = {
		.id = qh->id,
		.flags = (uint16_t)(WIRE_QR | (qh->flags & 0x7800u) |
		    (qh->flags & echo) | extra_flags | (rcode & 0x0fu)),
		.qdcount = q != NULL ? 1 : 0,
	};
	size_t need = WIRE_HDR_LEN + (q != NULL ? q->name_len + 4 : 0);

	if (cap < need)
		return WIRE_ENOSPACE;
	wire_write_header(out, &h);
	if (q != NULL) {
		memcpy(out + WIRE_HDR_LEN, q->name, q->name_len);
		wire_put16(out + WIRE_HDR_LEN + q->name_len, q->qtype);
		wire_put16(out + WIRE_HDR_LEN + q->name_len + 2, q->qclass);
	}
	*outlen = need;
	return WIRE_OK;
}

int
wire_patch_answer(uint8_t *out, size_t cap, const uint8_t *stored, size_t slen,
    const uint16_t *ttl_offs, size_t nttl, uint32_t elapsed, uint16_t id,
    const uint8_t *spelling, size_t spelling_len)
{
	if (slen < WIRE_HDR_LEN + spelling_len ||
	    !wire_name_equal(stored + WIRE_HDR_LEN, spelling_len, spelling,
		spelling_len))
		return WIRE_EINVAL;
	for (size_t i = 0; i < nttl; i++)
		if ((size_t)ttl_offs[i] + 4 > slen)
			return WIRE_EINVAL;
	if (cap < slen)
		return WIRE_ENOSPACE;
	memcpy(out, stored, slen);
	wire_put16(out, id);
	memcpy(out + WIRE_HDR_LEN, spelling, spelling_len);
	for (size_t i = 0; i < nttl; i++) {
		uint8_t *p = out + ttl_offs[i];
		uint32_t ttl = wire_get32(p);

		wire_put32(p, ttl > elapsed ? ttl - elapsed : 0);
	}
	return WIRE_OK;
}
