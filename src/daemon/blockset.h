/*
 * src/daemon/blockset.h - the blocklists in force: the blocklist and
 * allowlist files of the configuration (blocklist.h), read by a thread
 * of their own so that a million names never stall the loop, handed to
 * the query path when read, and read again when a file changes (followed
 * as resolv.conf is: resolvwatch.h) or the configuration is reloaded.
 * Until the first read ends nothing is blocked; a read that fails (out
 * of memory) keeps the lists in force.
 *
 * Ownership: the set owns its lists, its paths, its reader thread and
 * its watches; the query context it feeds must outlive it.  The thread
 * touches only its job: the paths it was given and the lists it builds.
 */
#ifndef ROOST_BLOCKSET_H
#define ROOST_BLOCKSET_H

#include <stddef.h>

#include "blocklist.h"
#include "config.h"
#include "loop.h"
#include "query.h"
#include "wire.h"

struct block_set;

/* An empty set feeding q.  Returns it, or NULL (out of memory). */
struct block_set *block_set_new(struct loop *l, struct query_ctx *q);

/*
 * Takes c's blocklist and allowlist files: starts reading them (after
 * the read in progress, if any) and follows them.  With no files the
 * lists in force go at once.  Returns 0, or -1 with why in err (no
 * thread, out of memory) and the lists in force kept.
 */
int block_set_apply(struct block_set *s, const struct config *c, char *err,
    size_t errlen);

/* Where the entry that blocks a name came from. */
struct block_set_why {
	const char *path; /* the file, the set's (until its next change) */
	unsigned line;    /* from 1; 0 past BLOCKLIST_MAX_LINE */
	char listed[WIRE_MAX_NAME_TEXT]; /* the listed name, as text */
};

/*
 * Whether the lists in force block name (wire form): true with where
 * the most specific entry came from in *why; false if no list blocks
 * it (none does, or an allowlist exempts it).
 */
bool block_set_explain(const struct block_set *s, const uint8_t *name,
    size_t len, struct block_set_why *why);

/* Names in the lists in force (blocklist, allowlist). */
void
block_set_counts(const struct block_set *s, size_t *blocked, size_t *allowed);

/* Waits for a read in progress, then frees s; q gets no lists. */
void block_set_free(struct block_set *s);

#endif /* ROOST_BLOCKSET_H */
