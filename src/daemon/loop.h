/*
 * src/daemon/loop.h - the event loop: epoll for fds, one timerfd for every
 * timer, signalfd for signals.  It knows nothing about DNS.
 *
 * One loop per thread; nothing here is shared between threads.
 *
 * Deleting inside a callback is safe: a callback may remove any fd or
 * cancel any timer, its own included, and may free the object behind it.
 * The loop checks before each dispatch that the fd is still registered
 * with the same registration (a generation number), so an fd closed and
 * reopened within one batch of events never receives a stale event.
 *
 * Timers are embedded in their owners (struct loop_timer), so arming one
 * costs no allocation; they sit in a binary heap ordered by deadline.
 */
#ifndef ROOST_LOOP_H
#define ROOST_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct loop;

/* Event bits for loop_fd_add() and the callbacks. */
#define LOOP_READ 0x1u
#define LOOP_WRITE 0x2u
#define LOOP_ERROR 0x4u /* reported only: error or hang-up on the fd */

/* Called with the events that are ready on fd. */
typedef void loop_fd_cb(void *arg, int fd, unsigned events);

/* Called once when a timer expires; it is disarmed first. */
typedef void loop_timer_cb(void *arg);

/* Called for each delivered signal. */
typedef void loop_signal_cb(void *arg, int signo);

/* A clock reading in milliseconds; tests pass a fake one. */
typedef uint64_t loop_clock_fn(void *arg);

struct loop_timer {
	uint64_t deadline; /* loop clock, ms */
	size_t slot;       /* index in the heap, or LOOP_TIMER_IDLE */
	loop_timer_cb *cb;
	void *arg;
};

#define LOOP_TIMER_IDLE ((size_t)-1)

/* Called once before the loop next waits for events. */
typedef void loop_hook_cb(void *arg);

/*
 * Work for "before the loop sleeps" (Redis's beforesleep): batched sends,
 * deferred frees, the next slice of sliced work.  Embedded in its owner
 * like a timer; queued costs no allocation and no syscall.
 */
struct loop_hook {
	TAILQ_ENTRY(loop_hook) link; /* on the loop's queue while queued */
	loop_hook_cb *cb;
	void *arg;
	bool queued;  /* linked on the loop */
	bool running; /* taken by the pass running the hooks now */
};

/*
 * Creates a loop.  Returns it, or NULL with errno set.
 */
struct loop *loop_new(void);

/*
 * Frees the loop and closes its own fds (epoll, timerfd, signalfd).  The
 * callers' fds are not closed; timers still armed are just forgotten.
 */
void loop_free(struct loop *l);

/*
 * Watches fd for events (LOOP_READ and/or LOOP_WRITE, level-triggered).
 * fd must not be watched already.  Returns 0, or -1 with errno set.
 */
int
loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb *cb, void *arg);

/* Changes the events watched on a registered fd.  Returns 0 or -1/errno. */
int loop_fd_mod(struct loop *l, int fd, unsigned events);

/*
 * Stops watching fd (before the caller closes it).  Unknown fds are
 * ignored.
 */
void loop_fd_del(struct loop *l, int fd);

/* Prepares an idle timer that will call cb(arg). */
void loop_timer_init(struct loop_timer *t, loop_timer_cb *cb, void *arg);

/*
 * Arms t to fire ms milliseconds from loop_now_ms(), re-arming it if it
 * was armed.  Returns 0, or -1 with errno set (ENOMEM: heap full).
 */
int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t ms);

/* Disarms t; harmless if idle. */
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* True if t is armed. */
bool loop_timer_armed(const struct loop_timer *t);

/* When an armed timer t fires, on the loop's clock in ms. */
uint64_t loop_timer_due(const struct loop_timer *t);

/*
 * When the earliest armed timer is due (loop clock, ms), or UINT64_MAX
 * with none armed.  For tests on a fake clock, which move it from one
 * deadline to the next.
 */
uint64_t loop_next_deadline(const struct loop *l);

/* Prepares an idle hook that will call cb(arg). */
void loop_hook_init(struct loop_hook *h, loop_hook_cb *cb, void *arg);

/*
 * Queues h to run once, in queueing order, at the start of the next pass
 * before the loop waits (after every callback of this pass).  Queueing a
 * queued hook does nothing.  A hook queued while the hooks run goes to
 * the pass after, and that pass's wait does not block.
 */
void loop_before_wait(struct loop *l, struct loop_hook *h);

/* Takes h off the queue; harmless if it is not queued. */
void loop_hook_cancel(struct loop *l, struct loop_hook *h);

/* True if h is queued. */
bool loop_hook_queued(const struct loop_hook *h);

/*
 * Delivers signo through the loop instead of a handler: blocks it in the
 * calling thread and adds it to the loop's signalfd.  One callback per
 * signal.  Returns 0, or -1 with errno set.
 */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb *cb, void *arg);

/*
 * Replaces the monotonic clock with fn(arg) (NULL restores it).  For
 * tests: timers then fire in loop_run_once() when the fake clock has
 * passed their deadline.
 */
void loop_set_clock(struct loop *l, loop_clock_fn *fn, void *arg);

/*
 * Verifies the loop's invariants (loop.c's opening comment): the timer
 * heap's order and slots, the hook queues.  Aborts on a broken one.
 * Tests call it; debug builds run it every pass.
 */
void loop_check(const struct loop *l);

/* The clock reading taken at the start of this pass, in ms. */
uint64_t loop_now_ms(const struct loop *l);

/* Seconds of loop_now_ms(), for TTL arithmetic. */
uint64_t loop_now(const struct loop *l);

/*
 * Runs the queued before-wait hooks, then waits for events at most
 * timeout_ms (-1: until the next timer or event; 0 when a hook is queued
 * again), then dispatches them and every expired timer.
 * Returns 0, or -1 with errno set (EINTR is not an error).
 */
int loop_run_once(struct loop *l, int timeout_ms);

/* Runs passes until loop_stop().  Returns 0, or -1 with errno set. */
int loop_run(struct loop *l);

/*
 * Makes loop_run() return after the current pass; called from a
 * before-wait hook, the pass ends without waiting.
 */
void loop_stop(struct loop *l);

#endif /* ROOST_LOOP_H */
