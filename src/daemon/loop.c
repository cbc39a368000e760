/*
 * src/daemon/loop.c - the event loop (see loop.h).
 *
 * Invariants:
 * - fds[fd].cb != NULL exactly for the fds registered with epoll; every
 *   registration gets a new generation number, carried in the epoll
 *   event, so an event for a removed (or removed and re-added) fd is
 *   dropped instead of dispatched.
 * - heap[0..nheap) is a binary min-heap on deadline and heap[i]->slot == i;
 *   an idle timer has slot LOOP_TIMER_IDLE.
 * - Before each wait the timerfd is armed for heap[0]'s deadline or
 *   earlier (never later), or the wait does not block when heap[0] is
 *   due already.  Setting a timerfd is a costly syscall in a VM (it
 *   reprograms the hardware timer), so it is set once per pass at most,
 *   and only when heap[0] comes earlier than what it is set for: a
 *   timerfd left set for a cancelled timer fires early, finds nothing
 *   due and is set again.
 * - The timerfd and the signalfd are registered like any other fd, with
 *   this file's own callbacks.
 * - A hook is linked exactly while h->queued: on l->running while
 *   h->running (taken by this pass's run_hooks()), else on l->hooks.  A
 *   pass runs only the hooks queued before it started, so a hook that
 *   queues itself again runs once per pass, never in a spin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "loop.h"

#define LOOP_EVENTS_PER_WAIT 64
#define LOOP_MAX_SIGNAL 65

struct loop_fd {
	loop_fd_cb *cb; /* NULL: not registered */
	void *arg;
	uint32_t gen;
};

struct loop {
	int epfd;
	int timerfd;
	int sigfd; /* -1 until the first loop_signal_add() */
	struct loop_fd *fds;
	size_t nfds; /* capacity of fds, indexed by fd */
	uint32_t gen;
	struct loop_timer **heap;
	size_t nheap, capheap;
	TAILQ_HEAD(loop_hooks, loop_hook) hooks; /* queued, in order */
	struct loop_hooks running; /* this pass's, while run_hooks() runs */
	sigset_t sigmask;
	struct {
		loop_signal_cb *cb;
		void *arg;
	} sig[LOOP_MAX_SIGNAL];
	loop_clock_fn *clock;
	void *clock_arg;
	uint64_t now; /* ms, read at the start of each pass */
	/* What the timerfd is set for (UINT64_MAX: nothing), valid while
	 * armed_known; cleared when it fires. */
	uint64_t armed;
	bool armed_known;
	bool stop;
};

static uint64_t
mono_ms(void *arg)
{
	(void)arg;
	return clock_mono_ms();
}

static uint64_t
clock_read(const struct loop *l)
{
	return l->clock(l->clock_arg);
}

/* --- timers: a binary heap ------------------------------------------ */

static void
heap_place(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent]->deadline <= t->deadline)
			break;
		heap_place(l, i, l->heap[parent]);
		i = parent;
	}
	heap_place(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap &&
		    l->heap[c + 1]->deadline < l->heap[c]->deadline)
			c++;
		if (t->deadline <= l->heap[c]->deadline)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

static void
heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->slot;
	struct loop_timer *last;

	/* a timer of another loop, or one freed while armed */
	ROOST_ASSERT(i < l->nheap && l->heap[i] == t);
	last = l->heap[--l->nheap];

	t->slot = LOOP_TIMER_IDLE;
	if (last == t)
		return;
	heap_place(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot);
}

/*
 * Before a wait: sets the timerfd for heap[0]'s deadline unless it is set
 * for that time or earlier.  Returns the epoll timeout: timeout_ms, or 0
 * when heap[0] is due already (no timerfd needed for that).
 */
static int
timerfd_arm(struct loop *l, int timeout_ms)
{
	struct itimerspec its = { 0 };
	uint64_t now, want, ms;

	if (l->nheap == 0)
		return timeout_ms; /* a set timerfd may fire once, harmless */
	now = clock_read(l);
	want = l->heap[0]->deadline;
	if (want <= now)
		return 0;
	if (l->armed_known && l->armed <= want)
		return timeout_ms;
	ms = want - now;
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	/* Cannot fail with a valid fd and in-range values. */
	(void)timerfd_settime(l->timerfd, 0, &its, NULL);
	l->armed = want;
	l->armed_known = true;
	return timeout_ms;
}

static void
run_timers(struct loop *l)
{
	uint64_t now = clock_read(l);

	/* A callback may arm timers that are already due: they run in the
	 * next pass, so a timer re-arming itself at 0 cannot spin here. */
	size_t budget = l->nheap;

	while (l->nheap > 0 && budget-- > 0 && l->heap[0]->deadline <= now) {
		struct loop_timer *t = l->heap[0];

		heap_remove(l, t);
		t->cb(t->arg);
	}
}

static void
timerfd_ready(void *arg, int fd, unsigned events)
{
	struct loop *l = arg;
	uint64_t expirations;

	(void)events;
	/* it fired, so it is disarmed: the next timerfd_arm() sets it
	 * again even for the same deadline (it may have fired early) */
	l->armed_known = false;
	/* Just clear it: run_timers() runs at the end of every pass. */
	while (read(fd, &expirations, sizeof(expirations)) > 0)
		;
}

void
loop_hook_init(struct loop_hook *h, loop_hook_cb *cb, void *arg)
{
	h->cb = cb;
	h->arg = arg;
	h->queued = false;
	h->running = false;
}

void
loop_before_wait(struct loop *l, struct loop_hook *h)
{
	if (h->queued)
		return;
	h->queued = true;
	TAILQ_INSERT_TAIL(&l->hooks, h, link);
}

void
loop_hook_cancel(struct loop *l, struct loop_hook *h)
{
	if (!h->queued)
		return;
	h->queued = false;
	if (h->running)
		TAILQ_REMOVE(&l->running, h, link);
	else
		TAILQ_REMOVE(&l->hooks, h, link);
}

bool
loop_hook_queued(const struct loop_hook *h)
{
	return h->queued;
}

/*
 * Runs the hooks queued before this call: they move to l->running first,
 * so hooks queued by the callbacks wait for the next pass.  Each is taken
 * off before its callback, which may queue or cancel any hook and free
 * its own.
 */
static void
run_hooks(struct loop *l)
{
	struct loop_hook *h;

	TAILQ_CONCAT(&l->running, &l->hooks, link);
	TAILQ_FOREACH(h, &l->running, link)
		h->running = true;
	while ((h = TAILQ_FIRST(&l->running)) != NULL) {
		TAILQ_REMOVE(&l->running, h, link);
		h->queued = false;
		h->running = false;
		h->cb(h->arg);
	}
}

void
loop_timer_init(struct loop_timer *t, loop_timer_cb *cb, void *arg)
{
	t->deadline = 0;
	t->slot = LOOP_TIMER_IDLE;
	t->cb = cb;
	t->arg = arg;
}

int
loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	if (t->slot == LOOP_TIMER_IDLE) {
		if (l->nheap == l->capheap) {
			size_t cap = l->capheap ? 2 * l->capheap : 64;
			struct loop_timer **h;

			h = realloc(l->heap, cap * sizeof(*h));
			if (h == NULL)
				return -1;
			l->heap = h;
			l->capheap = cap;
		}
		t->deadline = clock_read(l) + ms;
		heap_place(l, l->nheap++, t);
		heap_up(l, t->slot);
	} else {
		t->deadline = clock_read(l) + ms;
		heap_up(l, t->slot);
		heap_down(l, t->slot);
	}
	return 0;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (t->slot == LOOP_TIMER_IDLE)
		return;
	heap_remove(l, t);
}

bool
loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != LOOP_TIMER_IDLE;
}

uint64_t
loop_timer_due(const struct loop_timer *t)
{
	ROOST_ASSERT(loop_timer_armed(t));
	return t->deadline;
}

/* --- fds ------------------------------------------------------------ */

static uint32_t
to_epoll(unsigned events)
{
	return ((events & LOOP_READ) ? (uint32_t)EPOLLIN : 0) |
	    ((events & LOOP_WRITE) ? (uint32_t)EPOLLOUT : 0);
}

int
loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb *cb, void *arg)
{
	struct epoll_event ev = { 0 };

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 64;
		struct loop_fd *fds;

		while (n <= (size_t)fd)
			n *= 2;
		if ((fds = realloc(l->fds, n * sizeof(*fds))) == NULL)
			return -1;
		memset(fds + l->nfds, 0, (n - l->nfds) * sizeof(*fds));
		l->fds = fds;
		l->nfds = n;
	}
	if (l->fds[fd].cb != NULL) {
		errno = EEXIST;
		return -1;
	}
	l->gen++;
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)l->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -1;
	l->fds[fd] = (struct loop_fd){ .cb = cb, .arg = arg, .gen = l->gen };
	return 0;
}

int
loop_fd_mod(struct loop *l, int fd, unsigned events)
{
	struct epoll_event ev = { 0 };

	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd].cb == NULL) {
		errno = ENOENT;
		return -1;
	}
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)l->fds[fd].gen << 32 | (uint32_t)fd;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd].cb == NULL)
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].cb = NULL;
	l->fds[fd].arg = NULL;
}

/* --- signals -------------------------------------------------------- */

static void
signalfd_ready(void *arg, int fd, unsigned events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (signo > 0 && signo < LOOP_MAX_SIGNAL &&
		    l->sig[signo].cb != NULL)
			l->sig[signo].cb(l->sig[signo].arg, signo);
	}
}

int
loop_signal_add(struct loop *l, int signo, loop_signal_cb *cb, void *arg)
{
	sigset_t one;
	int fd;

	if (signo <= 0 || signo >= LOOP_MAX_SIGNAL || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) != 0)
		return -1;
	sigaddset(&l->sigmask, signo);
	fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (l->sigfd < 0) {
		if (loop_fd_add(l, fd, LOOP_READ, signalfd_ready, l) != 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		l->sigfd = fd;
	}
	l->sig[signo].cb = cb;
	l->sig[signo].arg = arg;
	return 0;
}

/* --- the loop ------------------------------------------------------- */

struct loop *
loop_new(void)
{
	struct loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->sigfd = -1;
	l->timerfd = -1;
	l->clock = mono_ms;
	TAILQ_INIT(&l->hooks);
	TAILQ_INIT(&l->running);
	sigemptyset(&l->sigmask);
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		goto fail;
	l->timerfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0)
		goto fail;
	if (loop_fd_add(l, l->timerfd, LOOP_READ, timerfd_ready, l) != 0)
		goto fail;
	l->now = clock_read(l);
	return l;
fail:
	loop_free(l);
	return NULL;
}

void
loop_free(struct loop *l)
{
	int saved = errno;

	if (l == NULL)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->slot = LOOP_TIMER_IDLE;
	while (!TAILQ_EMPTY(&l->hooks))
		loop_hook_cancel(l, TAILQ_FIRST(&l->hooks));
	free(l->heap);
	free(l->fds);
	free(l);
	errno = saved;
}

void
loop_set_clock(struct loop *l, loop_clock_fn *fn, void *arg)
{
	l->clock = fn != NULL ? fn : mono_ms;
	l->clock_arg = fn != NULL ? arg : NULL;
	l->now = clock_read(l);
	l->armed_known = false;
}

uint64_t
loop_next_deadline(const struct loop *l)
{
	return l->nheap > 0 ? l->heap[0]->deadline : UINT64_MAX;
}

uint64_t
loop_now_ms(const struct loop *l)
{
	return l->now;
}

void
loop_check(const struct loop *l)
{
	const struct loop_hook *h;

	for (size_t i = 0; i < l->nheap; i++) {
		ROOST_CHECK(l->heap[i]->slot == i);
		ROOST_CHECK(i == 0 ||
		    l->heap[(i - 1) / 2]->deadline <= l->heap[i]->deadline);
	}
	TAILQ_FOREACH(h, &l->hooks, link)
		ROOST_CHECK(h->queued && !h->running);
	TAILQ_FOREACH(h, &l->running, link)
		ROOST_CHECK(h->queued && h->running);
}

uint64_t
loop_now(const struct loop *l)
{
	return l->now / 1000;
}

int
loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_EVENTS_PER_WAIT];
	int n;

	run_hooks(l);
#ifdef ROOST_DEBUG
	loop_check(l);
#endif
	/* a hook that stopped the loop ends the pass before its wait */
	if (l->stop)
		return 0;
	timeout_ms = timerfd_arm(l, timeout_ms);
	/* hooks queued by the hooks: the next pass runs them at once */
	if (!TAILQ_EMPTY(&l->hooks))
		timeout_ms = 0;
	n = epoll_wait(l->epfd, ev, LOOP_EVENTS_PER_WAIT, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -1;
	l->now = clock_read(l);
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		unsigned events = 0;
		struct loop_fd *e;

		/* re-checked for every event: an earlier callback in this
		 * batch may have removed (or replaced) this fd */
		if ((size_t)fd >= l->nfds)
			continue;
		e = &l->fds[fd];
		if (e->cb == NULL || e->gen != gen)
			continue;
		if (ev[i].events & EPOLLIN)
			events |= LOOP_READ;
		if (ev[i].events & EPOLLOUT)
			events |= LOOP_WRITE;
		if (ev[i].events & (EPOLLERR | EPOLLHUP))
			events |= LOOP_ERROR;
		e->cb(e->arg, fd, events);
	}
	run_timers(l);
	return 0;
}

int
loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		if (loop_run_once(l, -1) != 0)
			return -1;
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}
