/*
 * src/daemon/blockset.c - the blocklists in force (see blockset.h).
 *
 * Invariants:
 * - At most one reader thread runs; a change while it runs marks the set
 *   stale, and the read starts again once the thread is joined.
 * - The query context always holds s->block and s->allow (or NULL); new
 *   lists are put in force before the old ones are freed.
 * - The thread logs nothing (the log belongs to the loop): it keeps the
 *   first BLOCKSET_MAX_WARN_LINES warnings, which the loop logs.
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
#include <sys/random.h>
#include <unistd.h>

#include "blockset.h"
#include "clock.h"
#include "log.h"
#include "resolvwatch.h"

/* Warnings of one read kept for the log; the rest are counted. */
#define BLOCKSET_MAX_WARN_LINES 32
#define BLOCKSET_MAX_FILES (2 * CONFIG_MAX_BLOCKLISTS)

/* One read: the thread's part. */
struct block_job {
	pthread_t thread;
	int done[2]; /* the thread writes a byte when it is through */
	char path[BLOCKSET_MAX_FILES][CONFIG_PATH_MAX];
	size_t nblock, nallow; /* path[0..nblock) block, then allow */
	uint64_t seed;
	struct blocklist *block, *allow;
	int rc;
	char err[CONFIG_PATH_MAX + 128];
	char warn[BLOCKSET_MAX_WARN_LINES][BLOCKLIST_WARN_LEN];
	size_t nwarn, more;
	uint64_t ms;
};

struct block_set {
	struct loop *loop;
	struct query_ctx *qc;
	struct blocklist *block, *allow;
	/* the files of the lists in force, by file index */
	char path[BLOCKSET_MAX_FILES][CONFIG_PATH_MAX];
	size_t nblock, nallow;
	/* the files asked for (the next read's) */
	char want[BLOCKSET_MAX_FILES][CONFIG_PATH_MAX];
	size_t want_block, want_allow;
	struct block_job *job;
	bool stale; /* a change came while job ran */
	struct resolv_watch *watch[BLOCKSET_MAX_FILES];
	size_t nwatch;
};

static void job_start(struct block_set *s);

struct block_set *
block_set_new(struct loop *l, struct query_ctx *q)
{
	struct block_set *s = calloc(1, sizeof(*s));

	if (s != NULL) {
		s->loop = l;
		s->qc = q;
	}
	return s;
}

/* --- the thread --------------------------------------------------------- */

static void
job_warn(void *arg, const char *msg)
{
	struct block_job *j = arg;

	if (j->nwarn < BLOCKSET_MAX_WARN_LINES)
		snprintf(j->warn[j->nwarn++], BLOCKLIST_WARN_LEN, "%s", msg);
	else
		j->more++;
}

/* Reads paths [from, to) into a new list *out; 0 or -1 with j->err. */
static int
job_read(struct block_job *j, size_t from, size_t to, struct blocklist **out)
{
	struct blocklist_counts n = { 0 };

	if (from == to)
		return 0;
	if ((*out = blocklist_new(j->seed ^ from)) == NULL) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		return -1;
	}
	for (size_t i = from; i < to; i++) {
		char why[CONFIG_PATH_MAX + 128];

		if (blocklist_add_file(*out, j->path[i], (unsigned)i, job_warn,
			j, &n, why, sizeof(why)) != 0) {
			if (errno == ENOMEM) {
				snprintf(j->err, sizeof(j->err), "%s", why);
				return -1;
			}
			/* an unreadable file is empty; the rest apply */
			job_warn(j, why);
		}
	}
	blocklist_seal(*out);
	return 0;
}

static void *
job_run(void *arg)
{
	struct block_job *j = arg;
	uint64_t t0 = clock_mono_ms();
	const uint8_t one = 1;
	ssize_t w;

	j->rc = job_read(j, 0, j->nblock, &j->block) != 0 ||
		job_read(j, j->nblock, j->nblock + j->nallow, &j->allow) != 0
	    ? -1
	    : 0;
	j->ms = clock_mono_ms() - t0;
	do
		w = write(j->done[1], &one, 1);
	while (w < 0 && errno == EINTR);
	return NULL;
}

/* --- the loop's side ---------------------------------------------------- */

static void
job_free(struct block_job *j)
{
	close(j->done[0]);
	close(j->done[1]);
	blocklist_free(j->block);
	blocklist_free(j->allow);
	free(j);
}

/* Puts what j read in force (or logs why not). */
static void
job_take(struct block_set *s, struct block_job *j)
{
	for (size_t i = 0; i < j->nwarn; i++)
		log_warnx("blocklist: %s: skipped", j->warn[i]);
	if (j->more > 0)
		log_warnx("blocklist: %zu more warnings not shown", j->more);
	if (j->rc != 0) {
		log_warnx("blocklist: not read: %s; the lists in force stay",
		    j->err);
		return;
	}
	query_ctx_set_blocklists(s->qc, j->block, j->allow);
	blocklist_free(s->block);
	blocklist_free(s->allow);
	s->block = j->block;
	s->allow = j->allow;
	j->block = j->allow = NULL;
	memcpy(s->path, j->path, sizeof(s->path));
	s->nblock = j->nblock;
	s->nallow = j->nallow;
	log_info("blocklist: %zu names blocked from %zu files, %zu allowed "
		 "from %zu, %zu bytes, read in %" PRIu64 " ms",
	    blocklist_count(s->block), s->nblock, blocklist_count(s->allow),
	    s->nallow, blocklist_bytes(s->block) + blocklist_bytes(s->allow),
	    j->ms);
}

/* Joins the reader (it is done, or about to be) and takes its lists. */
static void
job_finish(struct block_set *s)
{
	struct block_job *j = s->job;

	pthread_join(j->thread, NULL);
	loop_fd_del(s->loop, j->done[0]);
	s->job = NULL;
	job_take(s, j);
	job_free(j);
}

static void
job_done(void *arg, int fd, unsigned events)
{
	struct block_set *s = arg;

	(void)fd;
	(void)events;
	job_finish(s);
	if (s->stale) {
		s->stale = false;
		job_start(s);
	}
}

/* Starts a read of s->want (after the one running); logs a failure. */
static void
job_start(struct block_set *s)
{
	struct block_job *j;
	sigset_t all, old;
	int e;

	if (s->job != NULL) {
		s->stale = true;
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_warnx("blocklist: not read: out of memory");
		return;
	}
	memcpy(j->path, s->want, sizeof(j->path));
	j->nblock = s->want_block;
	j->nallow = s->want_allow;
	if (getrandom(&j->seed, sizeof(j->seed), 0) != sizeof(j->seed) ||
	    pipe2(j->done, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_warn("blocklist: not read");
		free(j);
		return;
	}
	if (loop_fd_add(s->loop, j->done[0], LOOP_READ, job_done, s) != 0) {
		log_warn("blocklist: not read: event loop");
		job_free(j);
		return;
	}
	/* signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&j->thread, NULL, job_run, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("blocklist: not read: thread");
		loop_fd_del(s->loop, j->done[0]);
		job_free(j);
		return;
	}
	s->job = j;
}

static void
file_changed(void *arg)
{
	struct block_set *s = arg;

	log_debug("blocklist: a file changed: reading the lists again");
	job_start(s);
}

static void
unwatch(struct block_set *s)
{
	while (s->nwatch > 0)
		resolv_watch_free(s->watch[--s->nwatch]);
}

int
block_set_apply(struct block_set *s, const struct config *c, char *err,
    size_t errlen)
{
	char why[512];

	(void)err;
	(void)errlen;
	memset(s->want, 0, sizeof(s->want));
	for (size_t i = 0; i < c->nblocklist; i++)
		snprintf(s->want[i], CONFIG_PATH_MAX, "%s", c->blocklist[i]);
	for (size_t i = 0; i < c->nallowlist; i++)
		snprintf(s->want[c->nblocklist + i], CONFIG_PATH_MAX, "%s",
		    c->allowlist[i]);
	s->want_block = c->nblocklist;
	s->want_allow = c->nallowlist;
	unwatch(s);
	if (s->want_block == 0) {
		/* nothing to block: no read, no thread */
		if (s->job != NULL)
			s->stale = true; /* its lists give way below */
		query_ctx_set_blocklists(s->qc, NULL, NULL);
		blocklist_free(s->block);
		blocklist_free(s->allow);
		s->block = s->allow = NULL;
		s->nblock = s->nallow = 0;
		return 0;
	}
	for (size_t i = 0; i < s->want_block + s->want_allow; i++) {
		struct resolv_watch *w = resolv_watch_new(s->loop, s->want[i],
		    file_changed, s, why, sizeof(why));

		if (w == NULL)
			log_warnx("%s: not followed (%s): its changes apply "
				  "on reload only",
			    s->want[i], why);
		else
			s->watch[s->nwatch++] = w;
	}
	job_start(s);
	return 0;
}

bool
block_set_explain(const struct block_set *s, const uint8_t *name, size_t len,
    struct block_set_why *why)
{
	struct blocklist_hit hit;

	if (blocklist_decide(s->block, s->allow, name, len, &hit) !=
		BLOCKLIST_BLOCK ||
	    hit.file >= s->nblock)
		return false;
	why->path = s->path[hit.file];
	why->line = hit.line;
	wire_name_to_text(name + hit.off, len - hit.off, why->listed,
	    sizeof(why->listed));
	return true;
}

void
block_set_counts(const struct block_set *s, size_t *blocked, size_t *allowed)
{
	*blocked = blocklist_count(s->block);
	*allowed = blocklist_count(s->allow);
}

void
block_set_free(struct block_set *s)
{
	if (s == NULL)
		return;
	unwatch(s);
	if (s->job != NULL) {
		s->stale = false;
		pthread_join(s->job->thread, NULL);
		loop_fd_del(s->loop, s->job->done[0]);
		job_free(s->job);
	}
	query_ctx_set_blocklists(s->qc, NULL, NULL);
	blocklist_free(s->block);
	blocklist_free(s->allow);
	free(s);
}
