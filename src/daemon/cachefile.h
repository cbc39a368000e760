/*
 * src/daemon/cachefile.h - the cache on disk: roostd saves its cache to a
 * file and loads it back at start (a warm restart).
 *
 * The file (version 1; every number little-endian):
 *
 *	offset	size	field
 *	0	8	magic "\x89ROOSTC\n"
 *	8	4	version (1)
 *	12	4	header length (48)
 *	16	8	wall-clock time of the save, seconds since the epoch
 *	24	8	number of entries
 *	32	8	body length in octets (the rest of the file)
 *	40	4	CRC-32C of the body
 *	44	4	CRC-32C of octets 0..43
 *	48	...	the body: one record per entry, back to back:
 *		4 lifetime (s), 4 age at the save (s), 2 qtype, 2 qclass,
 *		2 length of the answer, 1 length of the name, 1 flags (bit 0
 *		DO, bit 1 CD, bit 2 EDE, bit 3 verdict, bits 4..7 the
 *		rcode), then the stored answer in wire form (its name at
 *		offset 12); with the EDE bit, 1 length and that many octets
 *		of the entry's extended DNS error options follow; with the
 *		verdict bit, 1 octet, the entry's verdict tag (not 0).  (A
 *		roostd from before either bit finds such a record malformed
 *		and starts cold: version 1 files without them read alike.)
 *
 * Writing never endangers the last good file: the new one is written to
 * PATH.tmp in the same directory, fsync()ed, renamed over PATH, and the
 * directory is fsync()ed.  A crash at any moment leaves PATH as the old
 * or the new file, whole; a failure (a full disk) removes PATH.tmp and
 * leaves PATH as it was.  One file belongs to one roostd.
 *
 * Loading trusts nothing: the file is read whole, then its size, magic,
 * version, both checksums and the framing of every record are checked
 * before a single entry reaches the cache, and cache_restore() checks
 * each answer again.  Ages grow by the wall-clock downtime (the time
 * now minus the time of the save; a clock that went backwards counts as
 * no downtime), so an entry comes back with what it had left minus the
 * downtime, is kept stale within the cache's stale limit, or is dropped.
 *
 * Nothing here logs or exits: failures are text in the caller's buffer,
 * naming the file and the reason.
 */
#ifndef ROOST_CACHEFILE_H
#define ROOST_CACHEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"

#define CACHEFILE_VERSION 1
#define CACHEFILE_HEADER_LEN 48
#define CACHEFILE_RECORD_LEN 16 /* a record's fixed part */
/* A bigger file is refused unread: more than any cache-size holds. */
#define CACHEFILE_MAX_SIZE ((uint64_t)8 << 30)

/* What a save wrote or a load found. */
struct cachefile_result {
	uint64_t entries;  /* records in the file */
	uint64_t restored; /* load: records stored in the cache */
	uint64_t dropped;  /* load: expired past the stale limit, or
			      refused by cache_restore() */
	uint64_t bytes;    /* size of the file */
	uint64_t downtime; /* load: seconds between the save and now */
};

/*
 * A snapshot: a serialized copy of a cache, built a slice at a time from
 * the event loop (each slice a bounded walk of a few buckets, the cache
 * free to change in between), then written by another thread, or at
 * shutdown, without the cache.  It owns its memory (about the size of
 * the file); one thread at a time.
 */
struct cachefile_snap;

/*
 * Starts a snapshot, stamped with the wall-clock time wall (seconds since
 * the epoch) taken when the cache's clock read now.  Returns it, or NULL
 * (out of memory).
 */
struct cachefile_snap *cachefile_snap_new(uint32_t now, uint64_t wall);

/*
 * Copies the entries of the next nbuckets buckets of c (its clock reading
 * now) into s.  An entry present throughout the snapshot is copied once,
 * one added or removed meanwhile at most once (see cache_walk()); ages
 * are as of the snapshot's start.  Returns 1 once every bucket is copied
 * (and from then on), 0 if there are more, -1 if out of memory (errno).
 */
int cachefile_snap_step(struct cachefile_snap *s, const struct cache *c,
    size_t nbuckets, uint32_t now);

/*
 * Writes a complete snapshot to path by way of path.tmp, fsync and rename
 * (see above).  Blocks on the disk; touches nothing but s and the file
 * system, so another thread may run it.  Returns 0 with *res filled, or
 * -1 with errno set and "PATH: what: strerror" in err; path.tmp is then
 * removed and path untouched.
 */
int cachefile_snap_write(const struct cachefile_snap *s, const char *path,
    struct cachefile_result *res, char *err, size_t errlen);

/* Frees s (NULL is fine). */
void cachefile_snap_free(struct cachefile_snap *s);

/*
 * The whole of c at once: a snapshot of every bucket, written to path.
 * Returns as cachefile_snap_write().
 */
int cachefile_save(const struct cache *c, const char *path, uint32_t now,
    uint64_t wall, struct cachefile_result *res, char *err, size_t errlen);

/*
 * Reads path and stores its entries in c as of now (the cache's clock),
 * wall being the wall-clock time now.  Returns 1 with *res filled, 0 if
 * there is no file (ENOENT), or -1 with "PATH: reason" in err (too big,
 * unreadable, truncated, foreign magic, version too new, checksum
 * mismatch, malformed record); on -1 c is untouched.
 */
int cachefile_load(struct cache *c, const char *path, uint32_t now,
    uint64_t wall, struct cachefile_result *res, char *err, size_t errlen);

/*
 * cachefile_load() on the len octets at buf (the file's content), with
 * the reason alone in err.  Returns 1 or -1; on -1 c is untouched.
 */
int cachefile_load_buffer(struct cache *c, const uint8_t *buf, size_t len,
    uint32_t now, uint64_t wall, struct cachefile_result *res, char *err,
    size_t errlen);

/*
 * For tests and the fuzzer: makes buf (len octets, at least a header)
 * consistent again after an edit: the body length becomes len minus the
 * header, and both checksums are recomputed.  Does nothing if len is
 * shorter than a header.
 */
void cachefile_seal(uint8_t *buf, size_t len);

/*
 * CRC-32C (Castagnoli) of len octets, continuing crc (start with 0): with
 * the CPU's instruction where there is one (x86-64 SSE 4.2), else
 * cachefile_crc32c_sw(), the portable tables (for tests: both agree).
 */
uint32_t cachefile_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t cachefile_crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif /* ROOST_CACHEFILE_H */
