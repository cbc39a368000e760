/*
 * src/daemon/resolvwatch.c - the resolv.conf watch (see resolvwatch.h).
 *
 * Invariants:
 * - wd_dir watches the folder of path; wd_target, when not -1, the
 *   folder of the file path's links lead to (realpath()), if that is
 *   another folder.  target names that file; "" when path is no link.
 * - The settle timer is armed exactly while events wait to be reported.
 */
#define _GNU_SOURCE /* realpath() */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "resolvwatch.h"

#define WATCH_MASK                                                             \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |            \
	    IN_DELETE | IN_ATTRIB)

struct resolv_watch {
	struct loop *l;
	int fd;
	int wd_dir, wd_target;
	char path[PATH_MAX];
	char dir[PATH_MAX];    /* path's folder */
	const char *base;      /* path's last component, in path */
	char target[PATH_MAX]; /* where path leads, if a link */
	char tdir[PATH_MAX];   /* target's folder */
	const char *tbase;     /* target's last component, in target */
	struct loop_timer settle;
	resolv_watch_cb *cb;
	void *arg;
};

/* Splits p at its last '/' into dir (the folder; "/" for the root). */
static const char *
split(const char *p, char *dir, size_t dirlen)
{
	const char *slash = strrchr(p, '/');
	size_t n = slash != NULL ? (size_t)(slash - p) : 0;

	snprintf(dir, dirlen, "%.*s", (int)(n > 0 ? n : 1), n > 0 ? p : "/");
	return slash != NULL ? slash + 1 : p;
}

/* Follows path's links again and watches the target's folder. */
static void
watch_target(struct resolv_watch *w)
{
	char real[PATH_MAX], tdir[PATH_MAX];

	if (realpath(w->path, real) == NULL || strcmp(real, w->path) == 0) {
		real[0] = '\0'; /* gone, or no link: nothing else to watch */
		tdir[0] = '\0';
	} else {
		(void)split(real, tdir, sizeof(tdir));
	}
	if (strcmp(tdir, w->tdir) != 0 && w->wd_target >= 0) {
		(void)inotify_rm_watch(w->fd, w->wd_target);
		w->wd_target = -1;
	}
	snprintf(w->target, sizeof(w->target), "%s", real);
	w->tbase =
	    real[0] != '\0' ? split(w->target, w->tdir, sizeof(w->tdir)) : "";
	if (real[0] == '\0')
		w->tdir[0] = '\0';
	if (w->tdir[0] != '\0' && strcmp(w->tdir, w->dir) != 0 &&
	    w->wd_target < 0 &&
	    (w->wd_target = inotify_add_watch(w->fd, w->tdir, WATCH_MASK)) < 0)
		log_warn("%s: cannot watch %s (where it leads) for changes",
		    w->path, w->tdir);
}

static void
settled(void *arg)
{
	struct resolv_watch *w = arg;

	watch_target(w);
	w->cb(w->arg);
}

/* Does event e concern path or the file it leads to? */
static bool
concerns(const struct resolv_watch *w, const struct inotify_event *e)
{
	if (e->len == 0)
		return false;
	if (e->wd == w->wd_dir &&
	    (strcmp(e->name, w->base) == 0 ||
		(w->tbase[0] != '\0' && strcmp(w->tdir, w->dir) == 0 &&
		    strcmp(e->name, w->tbase) == 0)))
		return true;
	return e->wd == w->wd_target && w->tbase[0] != '\0' &&
	    strcmp(e->name, w->tbase) == 0;
}

static void
readable(void *arg, int fd, unsigned events)
{
	struct resolv_watch *w = arg;
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;

			changed = changed || concerns(w, e);
			p += sizeof(*e) + e->len;
		}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_warn("%s: inotify", w->path);
	if (changed && !loop_timer_armed(&w->settle))
		(void)loop_timer_set(w->l, &w->settle, RESOLVWATCH_SETTLE_MS);
}

struct resolv_watch *
resolv_watch_new(struct loop *l, const char *path, resolv_watch_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct resolv_watch *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(w->path)) {
		snprintf(err, errlen, "%s: not an absolute path", path);
		free(w);
		return NULL;
	}
	w->l = l;
	w->cb = cb;
	w->arg = arg;
	w->wd_target = -1;
	w->tbase = "";
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->base = split(w->path, w->dir, sizeof(w->dir));
	loop_timer_init(&w->settle, settled, w);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		free(w);
		return NULL;
	}
	if ((w->wd_dir = inotify_add_watch(w->fd, w->dir, WATCH_MASK)) < 0 ||
	    loop_fd_add(l, w->fd, LOOP_READ, readable, w) != 0) {
		snprintf(err, errlen, "cannot watch %s: %s", w->dir,
		    strerror(errno));
		close(w->fd);
		free(w);
		return NULL;
	}
	watch_target(w);
	return w;
}

void
resolv_watch_free(struct resolv_watch *w)
{
	if (w == NULL)
		return;
	loop_timer_cancel(w->l, &w->settle);
	loop_fd_del(w->l, w->fd);
	close(w->fd);
	free(w);
}
