/*
 * src/daemon/persist.c - warm restarts: the cache file loaded at start,
 * saved periodically by a writer thread and at a clean stop (see
 * persist.h).
 *
 * Invariants:
 * - At most one save is in flight: p->snap (being copied from loop
 *   passes) and p->saver (being written by its thread) are never both
 *   set, and a new save does not begin while either is.
 * - The writer thread touches only its persist_saver, its snapshot and
 *   the file system; the loop's thread joins it before freeing them.
 * - The thread runs with every signal blocked: signals stay with the
 *   loop's signalfd.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cachefile.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "persist.h"

/* A save copies this many hash buckets of the cache per loop pass (about
 * half as many entries when full: well under a millisecond), then a
 * thread writes the copy (tests/tools/cachefile_tool bench measures). */
#define PERSIST_SAVE_SLICE 1024

static void save_tick(void *arg);
static void save_slice(void *arg);

void
persist_init(struct persist *p, struct loop *loop, struct cache *cache,
    const char *path)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->cache = cache;
	if (path != NULL)
		snprintf(p->path, sizeof(p->path), "%s", path);
	loop_timer_init(&p->save_timer, save_tick, p);
	loop_hook_init(&p->slice_hook, save_slice, p);
}

void
persist_load(struct persist *p, bool validating)
{
	struct cachefile_result r;
	char err[CONFIG_PATH_MAX + 256];
	uint64_t t0 = clock_mono_ms();
	size_t other;
	int rc;

	if (p->path[0] == '\0') {
		log_debug("no cache file: the cache starts empty and is not "
			  "saved");
		return;
	}
	/* what an interrupted save left (a crash, kill -9) */
	snprintf(err, sizeof(err), "%s.tmp", p->path);
	if (unlink(err) == 0)
		log_debug("cache file: removed %s, left by an interrupted save",
		    err);
	rc = cachefile_load(p->cache, p->path, (uint32_t)loop_now(p->loop),
	    clock_wall_s(), &r, err, sizeof(err));
	if (rc == 0)
		log_info("cache file %s: none yet, starting cold", p->path);
	else if (rc < 0)
		log_warnx("cache file ignored, starting cold: %s", err);
	else
		log_info("cache file %s: loaded %" PRIu64 " entries of %" PRIu64
			 " (%" PRIu64 " expired or refused), %" PRIu64
			 " s after the save, in %" PRIu64 " ms",
		    p->path, r.restored, r.entries, r.dropped, r.downtime,
		    clock_mono_ms() - t0);
	/* what was cached under the other DNSSEC mode: a validated entry
	 * carries AD; an unjudged one was never checked */
	if (rc == 1 && (other = cache_flush_judged(p->cache, !validating)) > 0)
		log_info("cache file %s: %zu entries dropped, %s", p->path,
		    other,
		    validating ? "never validated"
			       : "validated (dnssec is no)");
}

/* The writer thread: touches the snapshot, the file system, its saver. */
static void *
saver_run(void *arg)
{
	struct persist_saver *sv = arg;
	const uint8_t one = 1;
	ssize_t n;

	sv->rc = cachefile_snap_write(sv->snap, sv->path, &sv->res, sv->err,
	    sizeof(sv->err));
	do
		n = write(sv->done[1], &one, 1);
	while (n < 0 && errno == EINTR);
	return NULL;
}

/* Joins the writer (at once when it is done), logs, frees.  */
static void
saver_finish(struct persist *p, bool final)
{
	struct persist_saver *sv = p->saver;

	if (sv == NULL)
		return;
	pthread_join(sv->thread, NULL);
	loop_fd_del(p->loop, sv->done[0]);
	close(sv->done[0]);
	close(sv->done[1]);
	if (sv->rc != 0)
		log_warnx("cache not saved: %s", sv->err);
	else if (final)
		log_info("cache saved to %s: %" PRIu64 " entries, %" PRIu64
			 " bytes",
		    sv->path, sv->res.entries, sv->res.bytes);
	else
		log_debug("cache saved to %s: %" PRIu64 " entries, %" PRIu64
			  " bytes, in %" PRIu64 " ms",
		    sv->path, sv->res.entries, sv->res.bytes,
		    clock_mono_ms() - sv->started_ms);
	cachefile_snap_free(sv->snap);
	free(sv);
	p->saver = NULL;
}

static void
saver_done(void *arg, int fd, unsigned events)
{
	struct persist *p = arg;

	(void)fd;
	(void)events;
	saver_finish(p, false);
}

/* Hands the finished snapshot to a writer thread. */
static void
saver_start(struct persist *p)
{
	struct persist_saver *sv = calloc(1, sizeof(*sv));
	sigset_t all, old;
	int e;

	if (sv == NULL) {
		log_warnx("cache not saved: out of memory");
		goto fail;
	}
	sv->snap = p->snap;
	sv->started_ms = p->snap_started_ms;
	snprintf(sv->path, sizeof(sv->path), "%s", p->path);
	if (pipe2(sv->done, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_warn("cache not saved: pipe");
		goto fail;
	}
	if (loop_fd_add(p->loop, sv->done[0], LOOP_READ, saver_done, p) != 0) {
		log_warn("cache not saved: event loop");
		goto fail_pipe;
	}
	/* signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&sv->thread, NULL, saver_run, sv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("cache not saved: thread");
		loop_fd_del(p->loop, sv->done[0]);
		goto fail_pipe;
	}
	p->snap = NULL; /* the saver has it */
	p->saver = sv;
	return;
fail_pipe:
	close(sv->done[0]);
	close(sv->done[1]);
fail:
	free(sv);
	cachefile_snap_free(p->snap);
	p->snap = NULL;
}

/* One slice of the snapshot per loop pass; the writer once complete. */
static void
save_slice(void *arg)
{
	struct persist *p = arg;
	int r;

	if (p->snap == NULL)
		return;
	r = cachefile_snap_step(p->snap, p->cache, PERSIST_SAVE_SLICE,
	    (uint32_t)loop_now(p->loop));
	if (r == 0) {
		loop_before_wait(p->loop, &p->slice_hook);
		return;
	}
	if (r < 0) {
		log_warn("cache not saved: snapshot");
		cachefile_snap_free(p->snap);
		p->snap = NULL;
		return;
	}
	saver_start(p);
}

/* Starts a save unless one is in flight. */
static void
save_begin(struct persist *p)
{
	if (p->path[0] == '\0' || p->stopped)
		return;
	if (p->snap != NULL || p->saver != NULL) {
		log_debug("cache save: the previous one is still running");
		return;
	}
	if ((p->snap = cachefile_snap_new((uint32_t)loop_now(p->loop),
		 clock_wall_s())) == NULL) {
		log_warnx("cache not saved: out of memory");
		return;
	}
	p->snap_started_ms = clock_mono_ms();
	save_slice(p);
}

void
persist_arm(struct persist *p, unsigned interval_s)
{
	p->interval_s = interval_s;
	loop_timer_cancel(p->loop, &p->save_timer);
	if (p->path[0] != '\0' && interval_s > 0)
		(void)loop_timer_set(p->loop, &p->save_timer,
		    (uint64_t)interval_s * 1000);
}

static void
save_tick(void *arg)
{
	struct persist *p = arg;

	save_begin(p);
	persist_arm(p, p->interval_s);
}

void
persist_stop(struct persist *p)
{
	p->stopped = true;
}

void
persist_final(struct persist *p)
{
	struct cachefile_result r;
	char err[CONFIG_PATH_MAX + 256];
	uint64_t t0 = clock_mono_ms();

	if (p->path[0] == '\0')
		return;
	loop_hook_cancel(p->loop, &p->slice_hook);
	cachefile_snap_free(p->snap);
	p->snap = NULL;
	saver_finish(p, false);
	if (cachefile_save(p->cache, p->path, (uint32_t)loop_now(p->loop),
		clock_wall_s(), &r, err, sizeof(err)) != 0) {
		log_warnx("cache not saved: %s", err);
		return;
	}
	log_info("cache saved to %s: %" PRIu64 " entries, %" PRIu64
		 " bytes, in %" PRIu64 " ms",
	    p->path, r.entries, r.bytes, clock_mono_ms() - t0);
}

void
persist_free(struct persist *p)
{
	if (p->loop == NULL)
		return;
	loop_timer_cancel(p->loop, &p->save_timer);
	loop_hook_cancel(p->loop, &p->slice_hook);
	saver_finish(p, false);
	cachefile_snap_free(p->snap);
	p->snap = NULL;
}
