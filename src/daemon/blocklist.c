/*
 * src/daemon/blocklist.c - the blocklist: its names in one arena, an
 * open-addressing table over them, and the parser of its files (see
 * blocklist.h).
 *
 * Layout:
 * - arena[0..used) holds the entries back to back, in the order added:
 *     octet 0       L, the name's wire length, root label included
 *     octet 1       the file index
 *     octets 2..4   the line, big-endian (0: past BLOCKLIST_MAX_LINE)
 *     octets 5..    the name's first L - 1 octets: its labels, in lower
 *                   case; the root label is implied
 *   Entries are never removed, so the arena is walked entry by entry
 *   (a rehash reads it in order instead of chasing the table).
 * - tag[0..nslot) and off[0..nslot) are the table, linear probing.  A
 *   name's hash h, wire_name_hash() of its labels without the root
 *   octet, picks its home slot, (h mod 2^32) * nslot / 2^32, so any
 *   nslot works (a sealed table is sized to its names, not to a power
 *   of two), and its tag, h's top octet (1 if that is 0).  Tag 0 marks
 *   a free slot.  A probe compares tags first and reads the arena only
 *   when they agree: a miss mostly reads the tag array alone.
 *
 * Invariants (blocklist_check() verifies each):
 * - used <= cap <= BLOCKLIST_MAX_BYTES, and the entries tile
 *   arena[0..used) exactly, each a well-formed name: 2 <= L <=
 *   WIRE_MAX_NAME, labels of 1..63 octets filling L - 1, no upper case.
 * - count entries, and count slots in use, one per entry, holding its
 *   offset and its tag; no two entries hold the same name (the first
 *   added is the one kept).
 * - each entry is found by a probe from its home slot: no free slot
 *   lies between its home and its slot.
 * - count <= nslot * 4 / 5, so that a free slot ends every probe.
 */
#define _GNU_SOURCE /* malloc_usable_size() */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocklist.h"
#include "check.h"
#include "errbuf.h"
#include "wire.h"

#define ENTRY_HDR 5    /* length, file, line: before the labels */
#define ARENA_MIN 4096 /* the arena's first allocation */
#define SLOTS_MIN 64   /* the table's first size */
#define READ_BUF 65536 /* a file is read in blocks of this size */
/* The table grows (doubles) past load 4/5; blocklist_seal() sets 3/4. */
#define LOAD_MAX_NUM 4
#define LOAD_MAX_DEN 5
#define LOAD_SEAL_NUM 3
#define LOAD_SEAL_DEN 4
/* blocklist_add_*() size the table for one name per PRESIZE_OCTETS of
 * text, for at most PRESIZE_MAX names. */
#define PRESIZE_OCTETS 16
#define PRESIZE_MAX ((size_t)1 << 26)
#define QUOTE_MAX 48 /* octets of a bad entry quoted in a message */
/* The longest name text: 253 characters and a trailing dot. */
#define NAME_TEXT_MAX (WIRE_MAX_NAME - 1)

static_assert(READ_BUF > BLOCKLIST_MAX_LINE_LEN, "a line fits one block");
static_assert(BLOCKLIST_MAX_FILES <= 256, "the file index is one octet");
static_assert(BLOCKLIST_MAX_LINE <= 0xffffff, "the line is three octets");

struct blocklist {
	uint64_t seed;
	uint8_t *arena;
	size_t used, cap;
	uint8_t *tag;
	uint32_t *off;
	size_t nslot;
	size_t count;
};

/* --- the table ------------------------------------------------------- */

static size_t
home(uint64_t h, size_t nslot)
{
	return (size_t)(((h & 0xffffffffu) * (uint64_t)nslot) >> 32);
}

static uint8_t
tag_of(uint64_t h)
{
	uint8_t t = (uint8_t)(h >> 56);

	return t != 0 ? t : 1;
}

/*
 * The slot of the name with labels lab[0..n) (lower case) and hash h:
 * the one holding it (*found true), else the free slot that ends its
 * probe.  b->nslot must be > 0.
 */
static size_t
probe(const struct blocklist *b, const uint8_t *lab, size_t n, uint64_t h,
    bool *found)
{
	size_t i = home(h, b->nslot);
	uint8_t t = tag_of(h);

	for (;;) {
		if (b->tag[i] == 0) {
			*found = false;
			return i;
		}
		if (b->tag[i] == t) {
			const uint8_t *e = b->arena + b->off[i];

			if (e[0] == n + 1 &&
			    memcmp(e + ENTRY_HDR, lab, n) == 0) {
				*found = true;
				return i;
			}
		}
		if (++i == b->nslot)
			i = 0;
	}
}

/* The octets of the entry at o. */
static size_t
entry_size(const struct blocklist *b, size_t o)
{
	return ENTRY_HDR + (size_t)b->arena[o] - 1;
}

/*
 * Replaces the table with one of nslot slots (more than count / 0.8).
 * Returns 0, or -1 with errno set, the old table kept.
 */
static int
rehash(struct blocklist *b, size_t nslot)
{
	uint8_t *tag;
	uint32_t *off;

	if (nslot > UINT32_MAX) {
		errno = E2BIG;
		return -1;
	}
	tag = calloc(nslot, 1);
	off = malloc(nslot * sizeof(*off));
	if (tag == NULL || off == NULL) {
		free(tag);
		free(off);
		errno = ENOMEM;
		return -1;
	}
	for (size_t o = 0; o < b->used; o += entry_size(b, o)) {
		const uint8_t *e = b->arena + o;
		uint64_t h =
		    wire_name_hash(e + ENTRY_HDR, (size_t)e[0] - 1, b->seed);
		size_t i = home(h, nslot);

		while (tag[i] != 0)
			if (++i == nslot)
				i = 0;
		tag[i] = tag_of(h);
		off[i] = (uint32_t)o;
	}
	free(b->tag);
	free(b->off);
	b->tag = tag;
	b->off = off;
	b->nslot = nslot;
	return 0;
}

/*
 * Sizes the table for the names a text of len octets may add, so that a
 * big file does not grow it from SLOTS_MIN by doubling, each step
 * hashing every name again: a list's line is rarely shorter than
 * PRESIZE_OCTETS (hosts lines are longer), and a guess too high costs
 * only until blocklist_seal().  Failing is harmless: growth takes over.
 */
static void
presize(struct blocklist *b, size_t len)
{
	size_t names = len / PRESIZE_OCTETS;

	if (names > PRESIZE_MAX)
		names = PRESIZE_MAX;
	names += b->count;
	if (names * LOAD_MAX_DEN / LOAD_MAX_NUM + 1 > b->nslot &&
	    len / PRESIZE_OCTETS >= SLOTS_MIN)
		(void)rehash(b, names * LOAD_MAX_DEN / LOAD_MAX_NUM + 1);
}

/* Room for need more octets in the arena; 0, or -1 with errno set. */
static int
reserve(struct blocklist *b, size_t need)
{
	size_t cap = b->cap > 0 ? b->cap : ARENA_MIN;
	uint8_t *p;

	if (need <= b->cap - b->used)
		return 0;
	if (need > BLOCKLIST_MAX_BYTES - b->used) {
		errno = E2BIG;
		return -1;
	}
	while (cap - b->used < need)
		cap = cap > BLOCKLIST_MAX_BYTES / 2 ? BLOCKLIST_MAX_BYTES
						    : cap * 2;
	if ((p = realloc(b->arena, cap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->arena = p;
	b->cap = cap;
	return 0;
}

/*
 * Lists the name with labels lab[0..n) (lower case, well-formed, n >= 1)
 * as seen at file:line.  Returns 1 if added, 0 if b held it already
 * (its first file and line stay), -1 with errno set when memory or
 * BLOCKLIST_MAX_BYTES runs out.
 */
static int
insert(struct blocklist *b, const uint8_t *lab, size_t n, unsigned file,
    size_t line)
{
	uint64_t h = wire_name_hash(lab, n, b->seed);
	uint32_t rec = line <= BLOCKLIST_MAX_LINE ? (uint32_t)line : 0;
	bool found = false;
	size_t i = 0;
	uint8_t *e;

	if (b->nslot > 0) {
		i = probe(b, lab, n, h, &found);
		if (found)
			return 0;
	}
	if ((b->count + 1) * LOAD_MAX_DEN > b->nslot * LOAD_MAX_NUM) {
		if (rehash(b, b->nslot > 0 ? b->nslot * 2 : SLOTS_MIN) != 0)
			return -1;
		i = probe(b, lab, n, h, &found);
	}
	if (reserve(b, ENTRY_HDR + n) != 0)
		return -1;
	e = b->arena + b->used;
	e[0] = (uint8_t)(n + 1);
	e[1] = (uint8_t)file;
	e[2] = (uint8_t)(rec >> 16);
	e[3] = (uint8_t)(rec >> 8);
	e[4] = (uint8_t)rec;
	memcpy(e + ENTRY_HDR, lab, n);
	b->tag[i] = tag_of(h);
	b->off[i] = (uint32_t)b->used;
	b->used += ENTRY_HDR + n;
	b->count++;
	return 1;
}

struct blocklist *
blocklist_new(uint64_t seed)
{
	struct blocklist *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->seed = seed;
	return b;
}

void
blocklist_free(struct blocklist *b)
{
	if (b == NULL)
		return;
	free(b->arena);
	free(b->tag);
	free(b->off);
	free(b);
}

void
blocklist_seal(struct blocklist *b)
{
	size_t want = b->count * LOAD_SEAL_DEN / LOAD_SEAL_NUM + 1;

	if (b->used == 0) {
		free(b->arena);
		b->arena = NULL;
		b->cap = 0;
	} else if (b->used < b->cap) {
		uint8_t *p = realloc(b->arena, b->used);

		if (p != NULL) {
			b->arena = p;
			b->cap = b->used;
		}
	}
	if (want < SLOTS_MIN)
		want = SLOTS_MIN;
	if (b->nslot > want)
		(void)rehash(b, want); /* failing, the larger one stays */
}

/* --- lookups --------------------------------------------------------- */

/*
 * True if name[0..len) is a well-formed uncompressed name: labels of at
 * most 63 octets inside len, the root label last.
 */
static bool
well_formed(const uint8_t *name, size_t len)
{
	size_t o = 0;

	if (len == 0 || len > WIRE_MAX_NAME)
		return false;
	while (name[o] != 0) {
		size_t l = name[o];

		if (l > WIRE_MAX_LABEL || l + 1 >= len - o)
			return false;
		o += l + 1;
	}
	return o == len - 1;
}

bool
blocklist_match(const struct blocklist *b, const uint8_t *name, size_t len,
    struct blocklist_hit *hit)
{
	uint8_t low[WIRE_MAX_NAME];

	if (b == NULL || b->count == 0 || !well_formed(name, len))
		return false;
	memcpy(low, name, len);
	wire_name_lower(low, len);
	/* the name first, then each parent: the first found is the most
	 * specific */
	for (size_t o = 0; low[o] != 0; o += (size_t)low[o] + 1) {
		size_t n = len - 1 - o;
		uint64_t h = wire_name_hash(low + o, n, b->seed);
		bool found;
		size_t i = probe(b, low + o, n, h, &found);
		const uint8_t *e;

		if (!found)
			continue;
		if (hit != NULL) {
			e = b->arena + b->off[i];
			hit->file = e[1];
			hit->line =
			    (unsigned)e[2] << 16 | (unsigned)e[3] << 8 | e[4];
			hit->off = o;
		}
		return true;
	}
	return false;
}

enum blocklist_verdict
blocklist_decide(const struct blocklist *block, const struct blocklist *allow,
    const uint8_t *name, size_t len, struct blocklist_hit *hit)
{
	struct blocklist_hit bh, ah;

	if (!blocklist_match(block, name, len, &bh))
		return BLOCKLIST_PASS;
	if (blocklist_match(allow, name, len, &ah)) {
		if (hit != NULL)
			*hit = ah;
		return BLOCKLIST_ALLOW;
	}
	if (hit != NULL)
		*hit = bh;
	return BLOCKLIST_BLOCK;
}

size_t
blocklist_count(const struct blocklist *b)
{
	return b != NULL ? b->count : 0;
}

/* A heap block's size as glibc keeps it: usable octets and a size word. */
static size_t
heap_size(void *p)
{
	return p != NULL ? malloc_usable_size(p) + sizeof(size_t) : 0;
}

size_t
blocklist_bytes(const struct blocklist *b)
{
	if (b == NULL)
		return 0;
	return heap_size((void *)b) + heap_size(b->arena) + heap_size(b->tag) +
	    heap_size(b->off);
}

/* The invariants of one entry's octets (see the top of this file). */
static void
check_entry(const struct blocklist *b, size_t o)
{
	const uint8_t *e = b->arena + o;
	size_t l = 0;

	ROOST_CHECK(b->used - o >= ENTRY_HDR);
	ROOST_CHECK(e[0] >= 2 && e[0] <= WIRE_MAX_NAME);
	ROOST_CHECK(b->used - o >= entry_size(b, o));
	while (l < (size_t)e[0] - 1) {
		size_t n = e[ENTRY_HDR + l];

		ROOST_CHECK(n >= 1 && n <= WIRE_MAX_LABEL);
		ROOST_CHECK(l + 1 + n <= (size_t)e[0] - 1);
		for (size_t i = 1; i <= n; i++)
			ROOST_CHECK(e[ENTRY_HDR + l + i] < 'A' ||
			    e[ENTRY_HDR + l + i] > 'Z');
		l += 1 + n;
	}
}

void
blocklist_check(const struct blocklist *b)
{
	size_t o, entries = 0, inuse = 0;

	ROOST_CHECK(b != NULL);
	ROOST_CHECK(b->used <= b->cap && b->cap <= BLOCKLIST_MAX_BYTES);
	ROOST_CHECK(b->count * LOAD_MAX_DEN <= b->nslot * LOAD_MAX_NUM);
	ROOST_CHECK(b->nslot > 0 || b->count == 0);
	for (o = 0; o < b->used; o += entry_size(b, o)) {
		const uint8_t *e = b->arena + o;
		size_t n = (size_t)e[0] - 1;
		bool found;
		size_t i;

		check_entry(b, o);
		/* found from its home, and in its own slot: a duplicate
		 * would find its twin's */
		i = probe(b, e + ENTRY_HDR, n,
		    wire_name_hash(e + ENTRY_HDR, n, b->seed), &found);
		ROOST_CHECK(found && b->off[i] == o);
		entries++;
	}
	ROOST_CHECK(o == b->used);
	ROOST_CHECK(entries == b->count);
	for (size_t i = 0; i < b->nslot; i++)
		if (b->tag[i] != 0)
			inuse++;
	ROOST_CHECK(inuse == b->count);
}

/* --- the parser ------------------------------------------------------ */

/* One file's parse: where it is, what it did, how it reports. */
struct parse {
	struct blocklist *b;
	const char *name; /* the file's, in messages */
	unsigned file;
	blocklist_warn_fn *warn;
	void *arg;
	struct blocklist_counts c;
	size_t line;   /* the line being read, from 1 */
	bool skipping; /* in a line over BLOCKLIST_MAX_LINE_LEN */
	int error;     /* errno of a failed insert: the parse stops */
};

static void report(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Counts a malformed entry; the first ones go to the warn callback. */
static void
report(struct parse *p, const char *fmt, ...)
{
	char msg[BLOCKLIST_WARN_LEN];
	va_list ap;
	int n;

	if (p->c.malformed++ >= BLOCKLIST_MAX_WARN || p->warn == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%zu: ", p->name, p->line);
	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	p->warn(p->arg, msg);
}

/* s[0..n) for a message: cut to QUOTE_MAX, non-printables as '?'. */
static const char *
quote(char out[QUOTE_MAX + 4], const char *s, size_t n)
{
	size_t k = n > QUOTE_MAX ? QUOTE_MAX : n;

	for (size_t i = 0; i < k; i++)
		out[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	strcpy(out + k, n > k ? "..." : "");
	return out;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated token of *s (*n octets left) into tok, tn. */
static bool
next_token(const char **s, size_t *n, const char **tok, size_t *tn)
{
	while (*n > 0 && blank(**s)) {
		(*s)++;
		(*n)--;
	}
	if (*n == 0)
		return false;
	*tok = *s;
	*tn = 0;
	while (*tn < *n && !blank((*s)[*tn]))
		(*tn)++;
	*s += *tn;
	*n -= *tn;
	return true;
}

/* True if tok[0..n) is a dotted-quad IPv4 address (inet_pton's form). */
static bool
is_ipv4(const char *tok, size_t n)
{
	unsigned parts = 0, v = 0, digits = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && tok[i] >= '0' && tok[i] <= '9') {
			v = v * 10 + (unsigned)(tok[i] - '0');
			if (++digits > 3 || v > 255)
				return false;
		} else if (i == n || tok[i] == '.') {
			if (digits == 0 || ++parts > 4)
				return false;
			v = digits = 0;
		} else {
			return false;
		}
	}
	return parts == 4;
}

/*
 * True if tok[0..n) is an IPv4 or IPv6 address; an IPv6 one may carry a
 * "%SCOPE" (as "fe80::1%lo0" in hosts files).
 */
static bool
is_address(const char *tok, size_t n)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char a[16];
	const char *pct;

	if (memchr(tok, ':', n) == NULL)
		return n > 0 && tok[0] >= '0' && tok[0] <= '9' &&
		    is_ipv4(tok, n);
	if ((pct = memchr(tok, '%', n)) != NULL)
		n = (size_t)(pct - tok);
	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, tok, n);
	text[n] = '\0';
	return inet_pton(AF_INET6, text, a) == 1;
}

/* The names hosts files give the machine itself: never listed. */
static bool
is_self(const char *tok, size_t n)
{
	static const char *const self[] = {
		"localhost",
		"localhost.localdomain",
		"localhost4",
		"localhost4.localdomain4",
		"localhost6",
		"localhost6.localdomain6",
		"local",
		"broadcasthost",
		"ip6-localhost",
		"ip6-loopback",
		"ip6-localnet",
		"ip6-mcastprefix",
		"ip6-allnodes",
		"ip6-allrouters",
		"ip6-allhosts",
	};
	char c = n > 0 ? tok[0] | 0x20 : 0;

	if (n > 0 && tok[n - 1] == '.')
		n--;
	if (c == 'l' || c == 'b' || c == 'i')
		for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++)
			if (strlen(self[i]) == n &&
			    strncasecmp(self[i], tok, n) == 0)
				return true;
	return is_address(tok, n);
}

/* Why text (a name of letters, digits, '-', '_' and dots) is no name. */
static const char *
name_error(int r)
{
	switch (r) {
	case WIRE_ELABELLEN:
		return "a label longer than 63 octets";
	case WIRE_ENAMELEN:
		return "longer than 255 octets";
	default:
		return "an empty label";
	}
}

/* Lists the name tok[0..n) of the current line, or reports why not. */
static void
add_name(struct parse *p, const char *tok, size_t n)
{
	const char *orig = tok;
	size_t on = n, len, i;
	char text[NAME_TEXT_MAX + 1], q[QUOTE_MAX + 4];
	uint8_t wire[WIRE_MAX_NAME];
	int r;

	if (n >= 2 && tok[0] == '*' && tok[1] == '.') {
		tok += 2;
		n -= 2;
	}
	if (is_self(tok, n)) {
		p->c.skipped++;
		return;
	}
	for (i = 0; i < n; i++) {
		char c = tok[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.'))
			break;
	}
	if (n == 0 || i < n) {
		report(p, "\"%s\": not a domain name", quote(q, orig, on));
		return;
	}
	if (n > NAME_TEXT_MAX) {
		r = WIRE_ENAMELEN;
	} else {
		memcpy(text, tok, n);
		text[n] = '\0';
		r = wire_name_from_text(text, wire, &len);
	}
	if (r != WIRE_OK) {
		report(p, "\"%s\": %s", quote(q, orig, on), name_error(r));
		return;
	}
	if (len == 1) {
		report(p, "\"%s\": the root cannot be listed",
		    quote(q, orig, on));
		return;
	}
	wire_name_lower(wire, len);
	if ((r = insert(p->b, wire, len - 1, p->file, p->line)) < 0)
		p->error = errno;
	else if (r > 0)
		p->c.added++;
	else
		p->c.duplicates++;
}

/* s[0..n) without a comment: '#' at the start or after a blank. */
static size_t
cut_comment(const char *s, size_t n)
{
	const char *h = s;

	while ((h = memchr(h, '#', n - (size_t)(h - s))) != NULL) {
		if (h == s || blank(h[-1]))
			return (size_t)(h - s);
		h++;
	}
	return n;
}

/* One line, s[0..n) without its '\n'. */
static void
parse_line(struct parse *p, const char *s, size_t n)
{
	const char *tok, *more, *end;
	size_t tn, mn;
	char q[QUOTE_MAX + 4];

	if (n > BLOCKLIST_MAX_LINE_LEN) {
		report(p, "a line longer than %d octets",
		    BLOCKLIST_MAX_LINE_LEN);
		return;
	}
	if (p->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3; /* a UTF-8 byte order mark */
		n -= 3;
	}
	if (n > 0 && s[n - 1] == '\r')
		n--;
	n = cut_comment(s, n);
	end = s + n;
	if (!next_token(&s, &n, &tok, &tn) || tok[0] == '!')
		return;
	if (is_address(tok, tn)) {
		if (!next_token(&s, &n, &more, &mn)) {
			report(p, "address \"%s\" without a name",
			    quote(q, tok, tn));
			return;
		}
		do
			add_name(p, more, mn);
		while (p->error == 0 && next_token(&s, &n, &more, &mn));
		return;
	}
	if (next_token(&s, &n, &more, &mn)) {
		report(p, "\"%s\": more than one name without an address",
		    quote(q, tok, (size_t)(end - tok)));
		return;
	}
	if (tn >= 3 && tok[0] == '|' && tok[1] == '|' && tok[tn - 1] == '^') {
		tok += 2; /* adblock's plain ||NAME^ */
		tn -= 3;
	}
	add_name(p, tok, tn);
}

/*
 * Parses the lines of buf[0..len) that end in '\n', and with last the
 * rest too.  Returns the octets used; the caller keeps the rest for the
 * next call, which sees it at the start of buf.
 */
static size_t
feed(struct parse *p, const char *buf, size_t len, bool last)
{
	size_t pos = 0;

	while (pos < len && p->error == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;

		if (p->skipping) {
			/* the rest of a long line, reported already */
			if (nl == NULL)
				return len;
			p->skipping = false;
		} else if (nl == NULL && !last) {
			if (len - pos <= BLOCKLIST_MAX_LINE_LEN)
				return pos;
			p->line++;
			report(p, "a line longer than %d octets",
			    BLOCKLIST_MAX_LINE_LEN);
			p->skipping = true;
			return len;
		} else {
			p->line++;
			parse_line(p, buf + pos, end - pos);
		}
		pos = nl != NULL ? end + 1 : len;
	}
	return pos;
}

static int
parse_start(struct parse *p, struct blocklist *b, const char *name,
    unsigned file, blocklist_warn_fn *warn, void *arg, char *err, size_t errlen)
{
	*p = (struct parse){ .b = b,
		.name = name,
		.file = file,
		.warn = warn,
		.arg = arg };
	if (file >= BLOCKLIST_MAX_FILES) {
		errbuf(err, errlen, "%s: file index %u over %d", name, file,
		    BLOCKLIST_MAX_FILES - 1);
		return -1;
	}
	return 0;
}

/* Ends a parse: the count of unshown reports, counts, the outcome. */
static int
parse_end(struct parse *p, struct blocklist_counts *counts, char *err,
    size_t errlen)
{
	char msg[BLOCKLIST_WARN_LEN];

	if (p->c.malformed > BLOCKLIST_MAX_WARN && p->warn != NULL) {
		snprintf(msg, sizeof(msg),
		    "%s: %zu more malformed entries not shown", p->name,
		    p->c.malformed - BLOCKLIST_MAX_WARN);
		p->warn(p->arg, msg);
	}
	p->c.lines = p->line;
	if (counts != NULL)
		*counts = p->c;
	if (p->error == E2BIG) {
		errbuf(err, errlen, "%s:%zu: the list is full (%zu names)",
		    p->name, p->line, p->b->count);
		return -1;
	}
	if (p->error != 0) {
		errbuf(err, errlen, "%s:%zu: %s", p->name, p->line,
		    strerror(p->error));
		return -1;
	}
	return 0;
}

int
blocklist_add_text(struct blocklist *b, const char *name, const char *text,
    size_t len, unsigned file_index, blocklist_warn_fn *warn, void *arg,
    struct blocklist_counts *counts, char *err, size_t errlen)
{
	struct parse p;

	if (parse_start(&p, b, name, file_index, warn, arg, err, errlen) != 0)
		return -1;
	presize(b, len);
	feed(&p, text, len, true);
	return parse_end(&p, counts, err, errlen);
}

int
blocklist_add_file(struct blocklist *b, const char *path, unsigned file_index,
    blocklist_warn_fn *warn, void *arg, struct blocklist_counts *counts,
    char *err, size_t errlen)
{
	struct parse p;
	struct stat st;
	char *buf = NULL;
	size_t have = 0, used;
	int fd, rerr = 0;

	if (parse_start(&p, b, path, file_index, warn, arg, err, errlen) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errbuf(err, errlen, "%s: %s", path, strerror(errno));
		if (counts != NULL)
			*counts = p.c;
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		presize(b, (size_t)st.st_size);
	if ((buf = malloc(READ_BUF)) == NULL)
		rerr = ENOMEM;
	while (rerr == 0 && p.error == 0) {
		ssize_t r = read(fd, buf + have, READ_BUF - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rerr = errno;
		} else if (r == 0) {
			feed(&p, buf, have, true);
			break;
		} else {
			have += (size_t)r;
			used = feed(&p, buf, have, false);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	free(buf);
	close(fd);
	if (rerr != 0) {
		errbuf(err, errlen, "%s: %s", path, strerror(rerr));
		if (counts != NULL)
			*counts = p.c;
		return -1;
	}
	return parse_end(&p, counts, err, errlen);
}
