/*
 * src/daemon/persist.h - warm restarts: the cache loaded from its file
 * before roostd answers, saved every cache-save-interval by a writer
 * thread, and once more, whole, at a clean stop.
 *
 * A save copies the cache slice by slice from loop passes (a
 * cachefile_snap), then one thread writes the copy; the thread touches
 * only its snapshot, the file system and its struct persist_saver.  At
 * most one save is in flight.  A failed save or load is logged, never
 * fatal: roostd then starts cold or keeps running unsaved.
 */
#ifndef ROOST_PERSIST_H
#define ROOST_PERSIST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cachefile.h"
#include "config.h"
#include "loop.h"

struct cache;

/* Fits config_cache_file()'s paths and the ".tmp" of a save. */
#define PERSIST_PATH_MAX (CONFIG_PATH_MAX + 16)

/* A snapshot being written to disk by its own thread. */
struct persist_saver {
	pthread_t thread;
	struct cachefile_snap *snap; /* owned */
	char path[PERSIST_PATH_MAX];
	int done[2]; /* the thread writes one byte to done[1] at the end */
	uint64_t started_ms;
	/* the thread's results, read once done[0] is readable */
	int rc;
	struct cachefile_result res;
	char err[CONFIG_PATH_MAX + 256];
};

/*
 * The warm-restart state of one cache; embedded by its user, zeroed
 * before persist_init() (persist_free() of a zeroed one is harmless).
 * The fields are persist.c's.
 */
struct persist {
	struct loop *loop;
	struct cache *cache;
	char path[PERSIST_PATH_MAX]; /* "" for no cache file */
	bool stopped;                /* persist_stop(): no new saves */
	unsigned interval_s;         /* of the periodic save; 0: none */
	struct loop_timer save_timer;
	struct loop_hook slice_hook; /* the snapshot's next slice */
	struct cachefile_snap *snap; /* being copied, owned */
	uint64_t snap_started_ms;
	struct persist_saver *saver; /* being written, owned */
};

/*
 * Sets p up for cache on loop, saving to path (NULL or "": no cache
 * file).  Arms nothing; cannot fail.
 */
void persist_init(struct persist *p, struct loop *loop, struct cache *cache,
    const char *path);

/*
 * Loads the cache file into the cache, before READY: a missing file is
 * a cold start, a bad one too, with one line saying why; a ".tmp" left
 * by an interrupted save is removed.  What does not fit the DNSSEC mode
 * goes, said in one line: validating, the entries never judged (but
 * those asked with CD); not, every judged one (a secure one has AD).
 */
void persist_load(struct persist *p, bool validating);

/* (Re)arms the periodic save every interval_s seconds (0: none). */
void persist_arm(struct persist *p, unsigned interval_s);

/* From a stop signal on: no new save begins (one in flight goes on). */
void persist_stop(struct persist *p);

/*
 * At a clean stop, once the loop is over: waits for a writer in flight,
 * drops a snapshot being copied and saves the whole cache as it is now,
 * here (about a second for 1M entries).
 */
void persist_final(struct persist *p);

/* Cancels p's timers, joins a writer in flight, frees what p owns. */
void persist_free(struct persist *p);

#endif /* ROOST_PERSIST_H */
