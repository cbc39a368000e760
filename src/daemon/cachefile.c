/*
 * src/daemon/cachefile.c - the cache on disk (see cachefile.h for the
 * format and the guarantees).
 *
 * Invariants:
 * - A save writes only PATH.tmp until its last step, the rename; every
 *   failing path closes the fd and unlinks PATH.tmp.
 * - A load stores nothing in the cache before the whole file is read,
 *   its header, both checksums and every record's framing checked.
 * - No read goes past a length taken from the file without first being
 *   compared with what is really there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cachefile.h"
#include "errbuf.h"
#include "log.h"

static const uint8_t cachefile_magic[8] = { 0x89, 'R', 'O', 'O', 'S', 'T', 'C',
	'\n' };

/* Header field offsets. */
#define OFF_VERSION 8
#define OFF_HDRLEN 12
#define OFF_WALL 16
#define OFF_COUNT 24
#define OFF_BODYLEN 32
#define OFF_BODYCRC 40
#define OFF_HDRCRC 44

/* Record flags. */
#define REC_DO 0x01
#define REC_CD 0x02
#define REC_EDE 0x04     /* a length octet and EDE options follow the answer */
#define REC_VERDICT 0x08 /* the verdict tag's octet follows (after EDE) */
#define REC_RCODE_SHIFT 4

/* A snapshot grows by chunks of this many octets. */
#define CACHEFILE_CHUNK ((1u << 20) - 64)

/* --- little-endian fields --------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- CRC-32C, slicing by 8 ---------------------------------------------- */

/* built once, by whichever thread first needs it (roostd's writer may) */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (unsigned i = 0; i < 256; i++)
		for (unsigned t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
			    crc_table[0][crc_table[t - 1][i] & 0xff];
}

/* The portable way: eight table lookups per 8 octets. */
uint32_t
cachefile_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	(void)pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ get32(p), hi = get32(p + 4);

		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		    crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* SSE 4.2's crc32 instruction computes CRC-32C: ten times the tables'
 * speed, which is most of a load's checksum time. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = ~crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8); /* little-endian, as the tables read it */
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len-- > 0)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return ~crc;
}

static bool
have_crc32c_hw(void)
{
	static int have = -1; /* a race writes the same value */

	if (have < 0)
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	return have == 1;
}
#endif

uint32_t
cachefile_crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (have_crc32c_hw())
		return crc32c_hw(crc, buf, len);
#endif
	return cachefile_crc32c_sw(crc, buf, len);
}

/* --- snapshots and saving ---------------------------------------------- */

/* The serialized records, in chunks, so that growing never copies. */
struct chunk {
	struct chunk *next;
	size_t used;
	uint8_t data[CACHEFILE_CHUNK];
};

struct cachefile_snap {
	struct chunk *head, *tail;
	size_t cursor; /* the next bucket to copy */
	bool done;
	uint32_t start; /* the cache clock when it began */
	uint64_t wall;  /* the wall clock then */
	uint64_t count; /* records */
	uint64_t body;  /* octets of records */
};

struct cachefile_snap *
cachefile_snap_new(uint32_t now, uint64_t wall)
{
	struct cachefile_snap *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->start = now;
	s->wall = wall;
	return s;
}

void
cachefile_snap_free(struct cachefile_snap *s)
{
	struct chunk *c, *next;

	if (s == NULL)
		return;
	for (c = s->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(s);
}

struct step {
	struct cachefile_snap *s;
	uint32_t late; /* seconds since the snapshot began */
	bool nomem;
};

static void
snap_one(void *arg, const struct cache_view *v)
{
	struct step *st = arg;
	struct cachefile_snap *s = st->s;
	size_t need = CACHEFILE_RECORD_LEN + v->wire_len +
	    (v->ede_len > 0 ? 1 + v->ede_len : 0) + (v->verdict != 0 ? 1 : 0);
	struct chunk *c = s->tail;
	uint8_t *r;

	/* cache.c keeps answers under 64 KiB, names and EDE options under
	 * 256 */
	if (st->nomem || v->wire_len > UINT16_MAX || v->name_len > UINT8_MAX ||
	    v->ede_len > UINT8_MAX)
		return;
	if (c == NULL || c->used + need > sizeof(c->data)) {
		if ((c = malloc(sizeof(*c))) == NULL) {
			st->nomem = true;
			return;
		}
		c->next = NULL;
		c->used = 0;
		if (s->tail != NULL)
			s->tail->next = c;
		else
			s->head = c;
		s->tail = c;
	}
	r = c->data + c->used;
	put32(r, v->lifetime);
	/* the age as of the start, the file's one wall-clock time: an entry
	 * stored since then counts as stored then (served a little shorter,
	 * never longer) */
	put32(r + 4, v->age > st->late ? v->age - st->late : 0);
	put16(r + 8, v->qtype);
	put16(r + 10, v->qclass);
	put16(r + 12, (uint16_t)v->wire_len);
	r[14] = (uint8_t)v->name_len;
	r[15] = (uint8_t)((v->dnssec_ok ? REC_DO : 0) |
	    (v->checking_disabled ? REC_CD : 0) |
	    (v->ede_len > 0 ? REC_EDE : 0) |
	    (v->verdict != 0 ? REC_VERDICT : 0) |
	    (v->rcode & 0xf) << REC_RCODE_SHIFT);
	memcpy(r + CACHEFILE_RECORD_LEN, v->wire, v->wire_len);
	if (v->ede_len > 0) {
		r[CACHEFILE_RECORD_LEN + v->wire_len] = (uint8_t)v->ede_len;
		memcpy(r + CACHEFILE_RECORD_LEN + v->wire_len + 1, v->ede,
		    v->ede_len);
	}
	if (v->verdict != 0)
		r[need - 1] = v->verdict;
	c->used += need;
	s->body += need;
	s->count++;
}

int
cachefile_snap_step(struct cachefile_snap *s, const struct cache *c,
    size_t nbuckets, uint32_t now)
{
	struct step st = { .s = s, .late = now - s->start };

	if (s->done)
		return 1;
	if (st.late > UINT32_MAX / 2) /* a clock before the start */
		st.late = 0;
	s->cursor = cache_walk(c, s->cursor, nbuckets, now, snap_one, &st);
	if (st.nomem) {
		errno = ENOMEM;
		return -1;
	}
	s->done = s->cursor == 0;
	return s->done ? 1 : 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
make_header(uint8_t *h, uint64_t wall, uint64_t count, uint64_t body,
    uint32_t bodycrc)
{
	memset(h, 0, CACHEFILE_HEADER_LEN);
	memcpy(h, cachefile_magic, sizeof(cachefile_magic));
	put32(h + OFF_VERSION, CACHEFILE_VERSION);
	put32(h + OFF_HDRLEN, CACHEFILE_HEADER_LEN);
	put64(h + OFF_WALL, wall);
	put64(h + OFF_COUNT, count);
	put64(h + OFF_BODYLEN, body);
	put32(h + OFF_BODYCRC, bodycrc);
	put32(h + OFF_HDRCRC, cachefile_crc32c(0, h, OFF_HDRCRC));
}

/* fsync()s the directory holding path, so that the rename is durable. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	if (rc != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
cachefile_snap_write(const struct cachefile_snap *s, const char *path,
    struct cachefile_result *res, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	uint8_t hdr[CACHEFILE_HEADER_LEN];
	const struct chunk *c;
	const char *what = NULL;
	uint32_t crc = 0;
	int fd, e = 0;

	if (!s->done) {
		errno = EINVAL;
		snprintf(err, errlen, "%s: the snapshot is not complete", path);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (c = s->head; c != NULL; c = c->next)
		crc = cachefile_crc32c(crc, c->data, c->used);
	make_header(hdr, s->wall, s->count, s->body, crc);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", tmp,
		    strerror(e));
		errno = e;
		return -1;
	}
	if (write_all(fd, hdr, sizeof(hdr)) != 0)
		what = "write";
	for (c = s->head; what == NULL && c != NULL; c = c->next)
		if (write_all(fd, c->data, c->used) != 0)
			what = "write";
	if (what == NULL && fsync(fd) != 0)
		what = "fsync";
	if (what != NULL)
		e = errno;
	if (close(fd) != 0 && what == NULL) {
		what = "close";
		e = errno;
	}
	if (what == NULL && rename(tmp, path) != 0) {
		what = "rename";
		e = errno;
	}
	if (what != NULL) {
		snprintf(err, errlen, "%s: %s: %s; the previous file is kept",
		    tmp, what, strerror(e));
		(void)unlink(tmp);
		errno = e;
		return -1;
	}
	/* the new file is in place; make the rename itself durable */
	if (sync_dir(path) != 0) {
		e = errno;
		snprintf(err, errlen, "%s: fsync of its directory: %s", path,
		    strerror(e));
		errno = e;
		return -1;
	}
	memset(res, 0, sizeof(*res));
	res->entries = s->count;
	res->bytes = CACHEFILE_HEADER_LEN + s->body;
	return 0;
}

int
cachefile_save(const struct cache *c, const char *path, uint32_t now,
    uint64_t wall, struct cachefile_result *res, char *err, size_t errlen)
{
	struct cachefile_snap *s = cachefile_snap_new(now, wall);
	int rc = -1, e;

	if (s == NULL || cachefile_snap_step(s, c, SIZE_MAX, now) != 1) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		cachefile_snap_free(s);
		errno = e;
		return -1;
	}
	rc = cachefile_snap_write(s, path, res, err, errlen);
	e = errno;
	cachefile_snap_free(s);
	errno = e;
	return rc;
}

/* --- loading --------------------------------------------------------------- */

/* Checks header and checksums; returns 0 with *count and *wall, or -1. */
static int
check_header(const uint8_t *buf, size_t len, uint64_t *count, uint64_t *wall,
    char *err, size_t errlen)
{
	uint64_t body;
	uint32_t version;

	if (len < sizeof(cachefile_magic) ||
	    memcmp(buf, cachefile_magic, sizeof(cachefile_magic)) != 0) {
		if (len < sizeof(cachefile_magic) &&
		    memcmp(buf, cachefile_magic, len) == 0)
			errbuf(err, errlen,
			    "truncated: %zu bytes, shorter than the header",
			    len);
		else
			errbuf(err, errlen,
			    "not a roostd cache file (bad magic)");
		return -1;
	}
	if (len < CACHEFILE_HEADER_LEN) {
		errbuf(err, errlen,
		    "truncated: %zu bytes, shorter than the header", len);
		return -1;
	}
	version = get32(buf + OFF_VERSION);
	if (get32(buf + OFF_HDRCRC) != cachefile_crc32c(0, buf, OFF_HDRCRC)) {
		/* a newer version may lay its header out otherwise */
		if (version > CACHEFILE_VERSION)
			goto too_new;
		errbuf(err, errlen, "corrupt header (checksum mismatch)");
		return -1;
	}
	if (version > CACHEFILE_VERSION)
		goto too_new;
	if (version != CACHEFILE_VERSION ||
	    get32(buf + OFF_HDRLEN) != CACHEFILE_HEADER_LEN) {
		errbuf(err, errlen, "corrupt header (version %u, length %u)",
		    version, get32(buf + OFF_HDRLEN));
		return -1;
	}
	body = get64(buf + OFF_BODYLEN);
	if (body != len - CACHEFILE_HEADER_LEN) {
		if (body > len - CACHEFILE_HEADER_LEN)
			errbuf(err, errlen, "truncated: %zu bytes of %llu", len,
			    (unsigned long long)(body + CACHEFILE_HEADER_LEN));
		else
			errbuf(err, errlen,
			    "%zu bytes, more than the %llu written", len,
			    (unsigned long long)(body + CACHEFILE_HEADER_LEN));
		return -1;
	}
	if (get32(buf + OFF_BODYCRC) !=
	    cachefile_crc32c(0, buf + CACHEFILE_HEADER_LEN, (size_t)body)) {
		errbuf(err, errlen, "corrupt (checksum mismatch)");
		return -1;
	}
	*count = get64(buf + OFF_COUNT);
	*wall = get64(buf + OFF_WALL);
	return 0;
too_new:
	errbuf(err, errlen, "version %u is newer than this roostd reads (%d)",
	    version, CACHEFILE_VERSION);
	return -1;
}

/*
 * Reads the record at p (left octets remain) into *v, its name and
 * answer pointing into p.  Returns the record's length, or 0 if it is
 * malformed.
 */
static size_t
read_record(const uint8_t *p, size_t left, struct cache_view *v)
{
	size_t wire_len, name_len, ede_len = 0, ede_off, end;
	uint8_t flags, verdict = 0;

	if (left < CACHEFILE_RECORD_LEN)
		return 0;
	wire_len = get16(p + 12);
	name_len = p[14];
	flags = p[15];
	if (wire_len > left - CACHEFILE_RECORD_LEN || name_len == 0 ||
	    wire_len < 12 + name_len + 4)
		return 0;
	ede_off = CACHEFILE_RECORD_LEN + wire_len;
	end = ede_off;
	if (flags & REC_EDE) {
		if (left - ede_off < 1 || p[ede_off] == 0 ||
		    left - ede_off - 1 < p[ede_off])
			return 0;
		ede_len = p[ede_off];
		end += 1 + ede_len;
	}
	if (flags & REC_VERDICT) {
		if (left - end < 1 || p[end] == 0)
			return 0;
		verdict = p[end++];
	}
	memset(v, 0, sizeof(*v));
	v->lifetime = get32(p);
	v->age = get32(p + 4);
	v->qtype = get16(p + 8);
	v->qclass = get16(p + 10);
	v->dnssec_ok = (flags & REC_DO) != 0;
	v->checking_disabled = (flags & REC_CD) != 0;
	v->rcode = flags >> REC_RCODE_SHIFT;
	v->wire = p + CACHEFILE_RECORD_LEN;
	v->wire_len = wire_len;
	v->name = v->wire + 12;
	v->name_len = name_len;
	if (ede_len > 0) {
		v->ede = p + ede_off + 1;
		v->ede_len = ede_len;
	}
	v->verdict = verdict;
	return end;
}

int
cachefile_load_buffer(struct cache *c, const uint8_t *buf, size_t len,
    uint32_t now, uint64_t wall, struct cachefile_result *res, char *err,
    size_t errlen)
{
	const uint8_t *body = buf + CACHEFILE_HEADER_LEN;
	struct cache_view v;
	uint64_t count, saved, n, downtime;
	size_t off, blen, rl;

	if (check_header(buf, len, &count, &saved, err, errlen) != 0)
		return -1;
	/* the framing of every record, before anything is stored */
	blen = len - CACHEFILE_HEADER_LEN;
	for (off = 0, n = 0; off < blen; off += rl, n++)
		if ((rl = read_record(body + off, blen - off, &v)) == 0) {
			errbuf(err, errlen, "malformed record %llu",
			    (unsigned long long)n + 1);
			return -1;
		}
	if (n != count) {
		errbuf(err, errlen, "%llu records, the header says %llu",
		    (unsigned long long)n, (unsigned long long)count);
		return -1;
	}
	downtime = wall > saved ? wall - saved : 0;
	memset(res, 0, sizeof(*res));
	res->entries = count;
	res->bytes = len;
	res->downtime = downtime;
	for (off = 0; off < blen; off += rl) {
		uint64_t age;

		rl = read_record(body + off, blen - off, &v);
		age = (uint64_t)v.age + downtime;
		/* cache_restore() refuses what is that old */
		v.age = age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
		switch (cache_restore(c, &v, now)) {
		case 1:
			res->restored++;
			break;
		case 0:
			res->dropped++;
			break;
		default:
			errbuf(err, errlen, "out of memory after %llu entries",
			    (unsigned long long)res->restored);
			return 1; /* what is in is good */
		}
	}
	return 1;
}

int
cachefile_load(struct cache *c, const char *path, uint32_t now, uint64_t wall,
    struct cachefile_result *res, char *err, size_t errlen)
{
	char why[256];
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;
		errbuf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		errbuf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > CACHEFILE_MAX_SIZE) {
		errbuf(err, errlen, "%s: %llu bytes, more than %llu", path,
		    (unsigned long long)st.st_size,
		    (unsigned long long)CACHEFILE_MAX_SIZE);
		goto out;
	}
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		errbuf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errbuf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile: the checks below see it */
		got += (size_t)n;
	}
	if (cachefile_load_buffer(c, buf, got, now, wall, res, why,
		sizeof(why)) != 1) {
		errbuf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	rc = 1;
out:
	free(buf);
	close(fd);
	return rc;
}

void
cachefile_seal(uint8_t *buf, size_t len)
{
	if (len < CACHEFILE_HEADER_LEN)
		return;
	put64(buf + OFF_BODYLEN, len - CACHEFILE_HEADER_LEN);
	put32(buf + OFF_BODYCRC,
	    cachefile_crc32c(0, buf + CACHEFILE_HEADER_LEN,
		len - CACHEFILE_HEADER_LEN));
	put32(buf + OFF_HDRCRC, cachefile_crc32c(0, buf, OFF_HDRCRC));
}
