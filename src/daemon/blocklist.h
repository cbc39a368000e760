/*
 * src/daemon/blocklist.h - a set of domain names read from blocklist
 * files, each name standing for its whole subtree: "ads.example" lists
 * ads.example and every name below it (x.ads.example), never its parent
 * (example) nor a sibling that merely ends alike (bads.example).
 *
 * An allowlist is a second set of the same type.  blocklist_decide()
 * gives the verdict for a name, with the semantics of Pi-hole's and
 * Blocky's allowlists: an allowlisted name is never blocked, and neither
 * is anything below it, whatever the blocklist says at any depth.
 * Allowing "x.ads.example" exempts that subtree only; the rest of
 * ads.example stays blocked.  Allowing "example" exempts ads.example too.
 *
 * File format, decided line by line (so hosts files and domain lists may
 * be mixed, and one file may hold both):
 * - hosts:   ADDRESS NAME [NAME...]   ("0.0.0.0 ads.example", "::1 a b");
 *   the address (any IPv4 or IPv6 address) is ignored.
 * - list:    NAME                     one name per line.
 * - adblock: ||NAME^                  the plain form only, no options and
 *   no exceptions ("@@"): it means NAME as in a list.
 * A NAME is letters, digits, '-' and '_' in dot-separated labels, any
 * case, an optional trailing dot, an optional leading "*." (the same
 * subtree: "*.ads.example" is "ads.example").  '#' at the start of a
 * line or after a blank starts a comment; so does '!' as a line's first
 * non-blank character (adblock lists).  Blank lines, CRLF line ends and
 * a UTF-8 byte order mark are fine.  The names hosts files carry for the
 * machine itself (localhost, localhost.localdomain, local,
 * broadcasthost, ip6-localhost, ip6-loopback, ip6-allnodes, ... and a
 * "name" that is an address, as in "0.0.0.0 0.0.0.0") are skipped,
 * never listed.
 * A malformed entry (a name with another character, an empty label, a
 * label over 63 octets, a name over 255, the root, an address without a
 * name, two names without an address, a line over BLOCKLIST_MAX_LINE_LEN
 * octets) is reported as "FILE:LINE: why" and skipped; the rest of the
 * line (a hosts line's other names) and of the file applies.
 *
 * Names are stored once: a name listed again (in the same file or
 * another) keeps the file index and line where it was first seen.
 *
 * Memory: 5 + (wire length - 1) octets per name for the name and where
 * it came from, and 5 octets per slot of the hash table, which
 * blocklist_seal() sizes to load 0.75 (while building it is sized ahead
 * from the length of the text being read, and grows by doubling past
 * load 0.8); blocklist_bytes() counts it all.  A million names of 24
 * octets cost some 34.5 MB once sealed.
 *
 * Ownership and threads: a list owns all it holds; nothing it returns
 * outlives it.  It has no lock: build it, then only read it.  The
 * lookups write nothing, so any number of readers may share a built
 * list.
 */
#ifndef ROOST_BLOCKLIST_H
#define ROOST_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File indexes are 0..BLOCKLIST_MAX_FILES-1 (one octet per name). */
#define BLOCKLIST_MAX_FILES 256
/* Lines are recorded up to this one (three octets per name); names on
 * later lines are listed all the same, with line 0 ("not recorded"). */
#define BLOCKLIST_MAX_LINE 16777215u
/* A longer line is reported and skipped. */
#define BLOCKLIST_MAX_LINE_LEN 4096
/* Malformed entries reported per file; one more message counts the
 * rest. */
#define BLOCKLIST_MAX_WARN 10
/* The longest message given to a blocklist_warn_fn, NUL included. */
#define BLOCKLIST_WARN_LEN 1024
/* Octets of names a list may hold (offsets are 32 bits): some 150
 * million names.  Adding past it fails as memory running out does. */
#define BLOCKLIST_MAX_BYTES UINT32_MAX

struct blocklist;

/*
 * Called with each malformed entry, "FILE:LINE: why" (one line, no
 * newline, non-printable octets of the file written as '?'), at most
 * BLOCKLIST_MAX_WARN times per file, then once more as "FILE: N more
 * malformed entries not shown" if there were more.  msg is the
 * caller's only for the call.
 */
typedef void blocklist_warn_fn(void *arg, const char *msg);

/* What one blocklist_add_file() or blocklist_add_text() did. */
struct blocklist_counts {
	size_t lines;      /* lines read */
	size_t added;      /* names new to the list */
	size_t duplicates; /* names it held already (they keep their
			      first FILE:LINE) */
	size_t skipped;    /* localhost and the like: never listed */
	size_t malformed;  /* entries reported and skipped */
};

/* Where a listed name came from, and which suffix of the asked name. */
struct blocklist_hit {
	unsigned file; /* the file index it was added with */
	unsigned line; /* its line, from 1; 0 past BLOCKLIST_MAX_LINE */
	size_t off;    /* the listed name is the asked name's suffix at
			  off (0: the name itself) */
};

enum blocklist_verdict {
	BLOCKLIST_PASS = 0, /* in no list's subtree: resolve it */
	BLOCKLIST_BLOCK,    /* blocked, and no allowed name covers it */
	BLOCKLIST_ALLOW,    /* the blocklist covers it, the allowlist too */
};

/*
 * An empty list whose hash is keyed by seed: pick it at random per
 * process (rnd_bytes()), so that a list cannot be crafted to collide.
 * Returns the list, owned by the caller (blocklist_free()), or NULL
 * with errno set when memory runs out.
 */
struct blocklist *blocklist_new(uint64_t seed);

/* Frees b and all it holds (NULL is fine). */
void blocklist_free(struct blocklist *b);

/*
 * Adds the names of the file at path, read in blocks of 64 KiB, never
 * whole; the table is first sized for as many names as the file's
 * length suggests (one per 16 octets).  file_index (below
 * BLOCKLIST_MAX_FILES) is recorded with each name for blocklist_hit;
 * messages name the file as path.  Malformed entries go to warn (may be
 * NULL) with arg, and do not fail the call.  counts (may be NULL) is
 * filled in.
 * Returns 0, or -1 with the reason in err ("PATH: No such file or
 * directory") when the file cannot be opened or read, memory runs out,
 * BLOCKLIST_MAX_BYTES is reached or file_index is out of range; the
 * names added before the failure stay in b.
 */
int blocklist_add_file(struct blocklist *b, const char *path,
    unsigned file_index, blocklist_warn_fn *warn, void *arg,
    struct blocklist_counts *counts, char *err, size_t errlen);

/*
 * blocklist_add_file() for text[0..len) (need not end in a newline or a
 * NUL; may hold any octets), named name in messages.
 * Returns 0, or -1 with the reason in err when memory runs out, when
 * BLOCKLIST_MAX_BYTES is reached or file_index is out of range.
 */
int blocklist_add_text(struct blocklist *b, const char *name, const char *text,
    size_t len, unsigned file_index, blocklist_warn_fn *warn, void *arg,
    struct blocklist_counts *counts, char *err, size_t errlen);

/*
 * Ends a build: trims the names' storage to what they use and resizes
 * the table to load 0.75, so that blocklist_bytes() is what the list
 * keeps.  Optional (lookups work before it) and repeatable; adding after
 * it works, and grows again.  Failing to get memory for the smaller
 * table leaves the larger one: nothing is lost.
 */
void blocklist_seal(struct blocklist *b);

/*
 * Looks up name (uncompressed wire form, any case, len octets, root
 * label included) and each of its parents down to, not including, the
 * root.  Returns true if one of them is listed; hit (may be NULL) then
 * gets the most specific (longest) listed one.  A malformed name (a
 * label running past len, over 63 octets, no root label at len - 1,
 * len over WIRE_MAX_NAME) matches nothing.  Costs one hash per label
 * and a few probes; allocates nothing.  b may be NULL: an empty list.
 */
bool blocklist_match(const struct blocklist *b, const uint8_t *name, size_t len,
    struct blocklist_hit *hit);

/*
 * The verdict for name (as blocklist_match() takes it) under the
 * blocklist block and the allowlist allow (either may be NULL: empty).
 * hit (may be NULL) gets block's most specific entry for
 * BLOCKLIST_BLOCK, allow's for BLOCKLIST_ALLOW; it is untouched for
 * BLOCKLIST_PASS.  The allowlist is only asked when the blocklist
 * matched, so a name in no list costs one blocklist_match().
 */
enum blocklist_verdict
blocklist_decide(const struct blocklist *block, const struct blocklist *allow,
    const uint8_t *name, size_t len, struct blocklist_hit *hit);

/* How many names b holds (NULL: 0). */
size_t blocklist_count(const struct blocklist *b);

/*
 * Every octet b holds on the heap, the allocator's own overhead
 * included (malloc_usable_size() plus a word per block); NULL: 0.
 */
size_t blocklist_bytes(const struct blocklist *b);

/*
 * Verifies every invariant of b (see blocklist.c) and aborts with
 * check_fail() on the first broken one.  A full walk: for tests, fuzzers
 * and debug builds.
 */
void blocklist_check(const struct blocklist *b);

#endif /* ROOST_BLOCKLIST_H */
