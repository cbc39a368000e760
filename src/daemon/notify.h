/*
 * src/daemon/notify.h - "tell me once when this count is 0": how a
 * module tells its owner that it has drained (the stop waits for the
 * last answer, a reload frees the old upstream set after its last
 * request) instead of being polled.
 *
 * The call comes from a before-wait hook, never from inside the module's
 * own callbacks, so the owner may free the module in it.  Embedded in the
 * module; no allocation.
 */
#ifndef ROOST_NOTIFY_H
#define ROOST_NOTIFY_H

#include "loop.h"

struct notify {
	struct loop *loop;
	struct loop_hook hook;
	const unsigned *count; /* drained when *count is 0 */
	loop_hook_cb *cb;      /* NULL: nobody waits */
	void *arg;
};

/* Sets n up to watch *count (which must outlive n) on loop l. */
void notify_init(struct notify *n, struct loop *l, const unsigned *count);

/*
 * Calls cb(arg) once, before a loop wait, when *count is 0 (the next
 * wait if it is 0 now).  A later call replaces the earlier; NULL
 * cancels.
 */
void notify_when_zero(struct notify *n, loop_hook_cb *cb, void *arg);

/* The module's part: *count has just gone down. */
void notify_count_fell(struct notify *n);

/* Forgets the waiter: before the module (and n) is freed. */
void notify_cancel(struct notify *n);

#endif /* ROOST_NOTIFY_H */
