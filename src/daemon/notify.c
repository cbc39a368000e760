/*
 * src/daemon/notify.c - a drained module tells its owner (see notify.h).
 *
 * Invariant: the hook is queued only while a waiter is set; it re-reads
 * the count when it runs, as work may have started since it was queued.
 */
#include <stddef.h>

#include "notify.h"

static void
notify_run(void *arg)
{
	struct notify *n = arg;
	loop_hook_cb *cb = n->cb;

	if (cb == NULL || *n->count > 0)
		return;
	n->cb = NULL;
	cb(n->arg);
}

void
notify_init(struct notify *n, struct loop *l, const unsigned *count)
{
	n->loop = l;
	n->count = count;
	n->cb = NULL;
	n->arg = NULL;
	loop_hook_init(&n->hook, notify_run, n);
}

void
notify_when_zero(struct notify *n, loop_hook_cb *cb, void *arg)
{
	n->cb = cb;
	n->arg = arg;
	if (cb == NULL)
		loop_hook_cancel(n->loop, &n->hook);
	else if (*n->count == 0)
		loop_before_wait(n->loop, &n->hook);
}

void
notify_count_fell(struct notify *n)
{
	if (n->cb != NULL && *n->count == 0)
		loop_before_wait(n->loop, &n->hook);
}

void
notify_cancel(struct notify *n)
{
	n->cb = NULL;
	loop_hook_cancel(n->loop, &n->hook);
}
