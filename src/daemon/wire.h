/*
 * src/daemon/wire.h - DNS message parsing and building (RFC 1035, 2181, 6891).
 *
 * The wire module meets hostile bytes first, so it trusts no length and
 * allocates nothing: every function works on caller-owned buffers and
 * checks every offset against the message length before reading.
 *
 * Conventions:
 * - A message is (const uint8_t *msg, size_t len); len <= WIRE_MAX_MSG.
 * - Offsets are from the start of the message.
 * - Names handed around outside a message are in uncompressed wire form
 *   (length-prefixed labels ending in the root label 0), at most
 *   WIRE_MAX_NAME octets including the root label.
 * - Functions that can reject input return enum wire_err: WIRE_OK (0) on
 *   success, a distinct nonzero code per reason otherwise;
 *   wire_strerror() gives the printable reason.
 */
#ifndef ROOST_WIRE_H
#define ROOST_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_HDR_LEN 12
#define WIRE_MAX_MSG 65535
#define WIRE_MAX_NAME 255 /* octets, uncompressed, root label included */
/* wire_name_to_text()'s longest text, every octet \DDD, and the NUL */
#define WIRE_MAX_NAME_TEXT (4 * WIRE_MAX_NAME + 1)
#define WIRE_MAX_LABEL 63
#define WIRE_MAX_LABELS 127 /* 255 octets hold at most 127 labels */
/* Pointer hops per name: a name of 127 labels, each reached by its own
 * pointer, needs at most 127; more means a loop. */
#define WIRE_MAX_PTR_HOPS 127
#define WIRE_RR_FIXED 10 /* type, class, ttl, rdlength */
#define WIRE_OPT_LEN 11  /* an OPT RR with empty rdata */

/* Header flag bits (the 16-bit word after the id). */
#define WIRE_QR 0x8000u
#define WIRE_AA 0x0400u
#define WIRE_TC 0x0200u
#define WIRE_RD 0x0100u
#define WIRE_RA 0x0080u
#define WIRE_AD 0x0020u
#define WIRE_CD 0x0010u
#define WIRE_OPCODE(f) (((f) >> 11) & 0x0fu)
#define WIRE_RCODE(f) ((f)&0x000fu)

enum wire_opcode { WIRE_OP_QUERY = 0 };

enum wire_rcode {
	WIRE_NOERROR = 0,
	WIRE_FORMERR = 1,
	WIRE_SERVFAIL = 2,
	WIRE_NXDOMAIN = 3,
	WIRE_NOTIMP = 4,
	WIRE_REFUSED = 5,
	WIRE_BADVERS = 16, /* extended: needs an OPT record */
};

enum wire_type {
	WIRE_T_A = 1,
	WIRE_T_NS = 2,
	WIRE_T_CNAME = 5,
	WIRE_T_SOA = 6,
	WIRE_T_PTR = 12,
	WIRE_T_MX = 15,
	WIRE_T_TXT = 16,
	WIRE_T_AAAA = 28,
	WIRE_T_DNAME = 39,
	WIRE_T_OPT = 41,
	WIRE_T_DS = 43,
	WIRE_T_RRSIG = 46,
	WIRE_T_IXFR = 251,
	WIRE_T_AXFR = 252,
	WIRE_T_MAILB = 253,
	WIRE_T_MAILA = 254,
	WIRE_T_ANY = 255,
};

#define WIRE_C_IN 1

/* EDNS(0) header flag in the OPT TTL field's low 16 bits. */
#define WIRE_EDNS_DO 0x8000u

enum wire_err {
	WIRE_OK = 0,
	WIRE_ESHORT,     /* shorter than a DNS header */
	WIRE_ETOOBIG,    /* longer than 65535 octets */
	WIRE_ENAMETRUNC, /* a name runs past the end of the message */
	WIRE_ELABELLEN,  /* a label over 63 octets (text; on the wire such a
			    length octet is a reserved label type) */
	WIRE_ENAMELEN,   /* a name longer than 255 octets */
	WIRE_ELABELTYPE, /* reserved label type (0x40 or 0x80) */
	WIRE_EPTRFWD,    /* compression pointer not strictly backwards */
	WIRE_EPTRLOOP,   /* too many compression pointer hops */
	WIRE_EQDCOUNT,   /* question count other than the one expected */
	WIRE_EQTRUNC,    /* question type/class past the end */
	WIRE_ERRTRUNC,   /* RR type/class/ttl/rdlength past the end */
	WIRE_ERDATA,     /* RR data runs past the end of the message */
	WIRE_ETRAILING,  /* bytes left after the last record */
	WIRE_EOPTDUP,    /* more than one OPT record */
	WIRE_EOPTPLACE,  /* OPT outside the additional section */
	WIRE_EOPTOWNER,  /* OPT owner name is not the root */
	WIRE_EOPTDATA,   /* OPT options overrun the record's data */
	WIRE_ENOSPACE,   /* output buffer too small */
	WIRE_EINVAL,     /* bad argument (a caller's error, not the peer's) */
	WIRE_ENAMETEXT,  /* unparsable name in presentation format */
	WIRE_EOPTLEN,    /* an option longer than an option can be */
	WIRE_ERR_COUNT
};

/* The printable reason for err; never NULL. */
const char *wire_strerror(int err);

/* --- header --------------------------------------------------------- */

struct wire_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
};

/*
 * Reads the 12-octet header of msg into *h.
 * Returns WIRE_OK, WIRE_ESHORT or WIRE_ETOOBIG.
 */
int wire_parse_header(const uint8_t *msg, size_t len, struct wire_header *h);

/* Writes *h as the first 12 octets of out (which must hold them). */
void wire_write_header(uint8_t *out, const struct wire_header *h);

/* Big-endian accessors; callers check bounds first. */
static inline uint16_t
wire_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* --- names ---------------------------------------------------------- */

/*
 * Reads the possibly compressed name at off.  Each pointer must point
 * strictly before the start of the run of labels that holds it (so a
 * name can never lead back into itself) and not into the header, at most
 * WIRE_MAX_PTR_HOPS of them; labels are at most 63 octets, the whole name at most 255.
 * If out is not NULL it receives the uncompressed name as spelled in the
 * message (out must hold WIRE_MAX_NAME octets) and *outlen its length.
 * *end (if not NULL) gets the offset just past the name's bytes at off
 * (past the first pointer, if any).
 * Returns WIRE_OK or one of the name errors.
 */
int wire_read_name(const uint8_t *msg, size_t len, size_t off, uint8_t *out,
    size_t *outlen, size_t *end);

/* wire_read_name() without a copy: *end is the offset past the name. */
int wire_skip_name(const uint8_t *msg, size_t len, size_t off, size_t *end);

/*
 * Lower-cases an uncompressed name in place.  Safe on the length octets
 * too: a label length is at most 63, below 'A'.
 */
void wire_name_lower(uint8_t *name, size_t len);

/*
 * Compares two uncompressed names ignoring ASCII case.
 * Returns true if equal.
 */
bool
wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * A seeded 64-bit hash of an uncompressed name, ignoring ASCII case:
 * names that wire_name_equal() calls equal hash alike.  Not
 * cryptographic; pick seed at random per process to blunt flooding.
 */
uint64_t wire_name_hash(const uint8_t *name, size_t len, uint64_t seed);

/*
 * True if the uncompressed name sub is equal to or below zone (ignoring
 * case), e.g. www.example.test. is below test. and below the root.
 */
bool wire_name_is_subdomain(const uint8_t *sub, size_t sublen,
    const uint8_t *zone, size_t zonelen);

/*
 * Converts an uncompressed name to presentation format for logs and
 * tools: lower-case, labels joined by '.', a trailing '.', '.' and '\'
 * inside labels escaped with '\', any octet outside '!'..'~' written as
 * \DDD.  Always NUL-terminates out (if outlen > 0), truncating if needed.
 * Returns the length the full text needs, excluding the NUL (like
 * snprintf).
 */
size_t
wire_name_to_text(const uint8_t *name, size_t len, char *out, size_t outlen);

/*
 * Parses a name in presentation format ("www.example.test", a trailing
 * dot optional, "." for the root, \. \\ and \DDD escapes) into its
 * uncompressed wire form in out (WIRE_MAX_NAME octets), keeping the case.
 * Returns WIRE_OK, WIRE_ENAMETEXT, WIRE_ELABELLEN or WIRE_ENAMELEN.
 */
int wire_name_from_text(const char *text, uint8_t *out, size_t *outlen);

/* --- question ------------------------------------------------------- */

struct wire_question {
	uint8_t name[WIRE_MAX_NAME]; /* uncompressed, as spelled */
	size_t name_len;
	size_t name_off; /* where the name starts in the message */
	uint16_t qtype;
	uint16_t qclass;
	size_t end; /* offset just past the question */
};

/*
 * Parses the header and the single question of msg (QDCOUNT must be 1).
 * Returns WIRE_OK, a header error, WIRE_EQDCOUNT, a name error or
 * WIRE_EQTRUNC.  Nothing after the question is looked at.
 */
int wire_parse_question(const uint8_t *msg, size_t len, struct wire_header *h,
    struct wire_question *q);

/* --- resource records ----------------------------------------------- */

enum wire_section {
	WIRE_SEC_ANSWER = 0,
	WIRE_SEC_AUTHORITY = 1,
	WIRE_SEC_ADDITIONAL = 2,
};

struct wire_rr {
	enum wire_section section;
	size_t off; /* where the RR (its owner name) starts */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;   /* as sent; RFC 2181 says treat > 2^31-1 as 0 */
	size_t ttl_off; /* offset of the 4 TTL octets */
	size_t rdata_off;
	uint16_t rdlen;
	size_t end; /* offset just past the RR */
};

/*
 * Walks the records of a message one at a time.  Usage:
 *	struct wire_iter it; struct wire_rr rr; int r;
 *	if ((r = wire_iter_init(&it, msg, len)) != WIRE_OK) ...
 *	while ((r = wire_iter_next(&it, &rr)) == WIRE_OK) ...
 *	if (r != WIRE_END) ... reject
 * The iterator holds pointers into msg; msg must outlive it.
 */
struct wire_iter {
	const uint8_t *msg;
	size_t len;
	size_t off;
	struct wire_header hdr;
	unsigned left[3]; /* RRs still to walk per section */
	unsigned section;
};

/* Returned by wire_iter_next() after the last record: not an error. */
#define WIRE_END (-1)

/*
 * Parses the header and skips every question (names and type/class are
 * bounds-checked).  Returns WIRE_OK or an error.
 */
int wire_iter_init(struct wire_iter *it, const uint8_t *msg, size_t len);

/*
 * Fills *rr with the next record.  Returns WIRE_OK, WIRE_END when all
 * counted records are walked and no byte is left over (else
 * WIRE_ETRAILING), or an error for a record that does not fit.  The
 * owner name is validated; rdata is only bounds-checked.
 */
int wire_iter_next(struct wire_iter *it, struct wire_rr *rr);

/* --- EDNS(0) -------------------------------------------------------- */

struct wire_edns {
	bool present;
	uint16_t udp_size; /* as sent (the OPT class field) */
	uint8_t ext_rcode; /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	uint16_t flags;  /* WIRE_EDNS_DO and the rest */
	size_t off;      /* start of the OPT RR */
	size_t end;      /* just past it */
	size_t opts_off; /* its options: the rdata */
	uint16_t opts_len;
	uint16_t ar_before; /* additional records before the OPT */
};

/*
 * A whole message checked: header, questions, every RR, no trailing
 * bytes, at most one OPT and only in the additional section with the root
 * as owner.  The OPT's details land in m->edns.
 */
struct wire_msg {
	struct wire_header hdr;
	struct wire_edns edns;
	size_t question_end; /* offset past the question section */
	unsigned nrr;        /* records walked, OPT included */
};

/*
 * Validates msg as described above.  If rrs is not NULL, the first
 * maxrrs records are also stored there (in message order); m->nrr counts
 * all of them regardless.  Returns WIRE_OK or the first error.
 */
int wire_parse_msg(const uint8_t *msg, size_t len, struct wire_msg *m,
    struct wire_rr *rrs, size_t maxrrs);

/*
 * wire_parse_msg() for a message whose header h and single question
 * (ending at question_end) wire_parse_question() read already: walks the
 * records after the question only, with the same checks, into m.  For
 * the hot path, where a query is read once.  Returns what
 * wire_parse_msg() would, or WIRE_EINVAL if question_end lies outside
 * 12..len.
 */
int wire_parse_records(const uint8_t *msg, size_t len,
    const struct wire_header *h, size_t question_end, struct wire_msg *m);

/*
 * Appends an OPT RR at *len in buf (capacity cap) and increments
 * ARCOUNT in buf's header.  ext_rcode is the upper 8 bits of an extended
 * rcode (e.g. 1 for BADVERS).  Its rdata is opts_len octets of options
 * as wire_opt_put() writes them (opts may be NULL when opts_len is 0).
 * Returns WIRE_OK, WIRE_ENOSPACE or WIRE_EINVAL (*len outside 12..cap,
 * ARCOUNT already 65535, opts_len over 65535); buf is unchanged on
 * failure.
 */
int
wire_append_opt_data(uint8_t *buf, size_t cap, size_t *len, uint16_t udp_size,
    uint8_t ext_rcode, uint16_t flags, const uint8_t *opts, size_t opts_len);

/* wire_append_opt_data() without options. */
int wire_append_opt(uint8_t *buf, size_t cap, size_t *len, uint16_t udp_size,
    uint8_t ext_rcode, uint16_t flags);

/*
 * Removes the OPT record described by e (from wire_parse_msg() on the
 * same bytes) by cutting the message at the OPT: any additional records
 * after it go too, since moving them would break compression pointers
 * between them.  ARCOUNT becomes e->ar_before and *len e->off.
 * Additional records are optional, so the result is still a complete
 * answer.  No-op if !e->present.
 */
void wire_remove_opt(uint8_t *buf, size_t *len, const struct wire_edns *e);

/* --- EDNS options (RFC 6891 6.1.2) ------------------------------------ */

enum wire_opt_code {
	WIRE_OPT_COOKIE = 10,    /* RFC 7873 */
	WIRE_OPT_KEEPALIVE = 11, /* RFC 7828, edns-tcp-keepalive */
	WIRE_OPT_PADDING = 12,   /* RFC 7830 */
	WIRE_OPT_EDE = 15,       /* RFC 8914 */
};

/* Extended DNS error INFO-CODEs (RFC 8914 4) that roostd uses. */
enum wire_ede {
	WIRE_EDE_OTHER = 0,
	WIRE_EDE_UNSUPPORTED_ALG = 1,
	WIRE_EDE_UNSUPPORTED_DIGEST = 2,
	WIRE_EDE_STALE_ANSWER = 3,
	WIRE_EDE_BOGUS = 6,
	WIRE_EDE_SIG_EXPIRED = 7,
	WIRE_EDE_SIG_NOT_YET = 8,
	WIRE_EDE_DNSKEY_MISSING = 9,
	WIRE_EDE_RRSIGS_MISSING = 10,
	WIRE_EDE_NSEC_MISSING = 12,
	WIRE_EDE_BLOCKED = 15,
	WIRE_EDE_FILTERED = 17,
	WIRE_EDE_PROHIBITED = 18,
	WIRE_EDE_NOT_SUPPORTED = 21,
	WIRE_EDE_NO_REACHABLE_AUTHORITY = 22,
	WIRE_EDE_NETWORK_ERROR = 23,
	WIRE_EDE_NSEC3_ITERATIONS = 27, /* RFC 9276 */
};

/* The longest EXTRA-TEXT roostd writes or passes on, in octets. */
#define WIRE_EDE_TEXT_MAX 64

/* One option of an OPT record; data points into the message. */
struct wire_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *data;
};

/*
 * Walks the options in opts_len octets at opts (an OPT's rdata, or a
 * buffer wire_opt_put() filled).  Usage:
 *	struct wire_opt_iter it = { msg + e->opts_off, e->opts_len };
 *	while (wire_opt_next(&it, &o)) ...
 * Stops (false) at the end or at an option that overruns the rest.
 */
struct wire_opt_iter {
	const uint8_t *p;
	size_t left;
};

bool wire_opt_next(struct wire_opt_iter *it, struct wire_opt *o);

/*
 * Appends one option {code, dlen, data} at *len in buf (capacity cap).
 * Returns WIRE_OK, WIRE_EOPTLEN (dlen over 65535) or WIRE_ENOSPACE;
 * buf and *len are unchanged on failure.
 */
int wire_opt_put(uint8_t *buf, size_t cap, size_t *len, uint16_t code,
    const uint8_t *data, size_t dlen);

/*
 * Appends an extended DNS error option: info_code and text_len octets
 * of EXTRA-TEXT (UTF-8, no NUL; text may be NULL when text_len is 0),
 * cut to WIRE_EDE_TEXT_MAX octets at a character boundary.  Returns
 * what wire_opt_put() does.
 */
int wire_opt_put_ede(uint8_t *buf, size_t cap, size_t *len, uint16_t info_code,
    const uint8_t *text, size_t text_len);

/*
 * Copies every extended DNS error option of the OPT e (from
 * wire_parse_msg() on msg) to buf as wire_opt_put_ede() writes it, each
 * EXTRA-TEXT cut to WIRE_EDE_TEXT_MAX; options that do not fit in cap are
 * left out, and so are malformed ones (shorter than an INFO-CODE).
 * Returns the octets written (0 without an OPT).
 */
size_t wire_ede_copy(const uint8_t *msg, const struct wire_edns *e,
    uint8_t *buf, size_t cap);

/* --- building answers ----------------------------------------------- */

/*
 * Writes a response header plus the question to out: the query's id,
 * opcode, RD bit and (for a QUERY: it is defined only there) CD bit, QR set, the given rcode (low 4 bits; the
 * caller adds an OPT for extended rcodes) and extra flags (e.g. WIRE_TC,
 * WIRE_RA, WIRE_AA).  If q is NULL the response has no question
 * (QDCOUNT 0; for queries too broken to echo).  Returns WIRE_OK or
 * WIRE_ENOSPACE.
 */
int wire_build_response(uint8_t *out, size_t cap, size_t *outlen,
    const struct wire_header *qh, const struct wire_question *q, unsigned rcode,
    uint16_t extra_flags);

/*
 * Copies a stored answer into out and patches it for one client:
 * - the id becomes id;
 * - the question name at offset 12, which must be stored uncompressed,
 *   is overwritten with spelling (same length, equal ignoring case), so
 *   the answer names compressed against it take the client's spelling;
 * - every TTL at ttl_offs[0..nttl) is lowered by elapsed seconds, never
 *   below 0.
 * Returns WIRE_OK, WIRE_ENOSPACE or WIRE_EINVAL (spelling does not match
 * the stored question, or an offset out of range); out is untouched on
 * failure.
 */
int wire_patch_answer(uint8_t *out, size_t cap, const uint8_t *stored,
    size_t slen, const uint16_t *ttl_offs, size_t nttl, uint32_t elapsed,
    uint16_t id, const uint8_t *spelling, size_t spelling_len);

#endif /* ROOST_WIRE_H */
