/*
 * tests/unit/test_loop.c - the event loop: timers on a fake clock, fds
 * removed or replaced inside callbacks, signals through the signalfd,
 * before-wait hooks.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct loop *
fake_loop(void)
{
	struct loop *l = loop_new();

	assert_non_null(l);
	fake_now = 1000000;
	loop_set_clock(l, fake_clock, NULL);
	return l;
}

/* --- timers ----------------------------------------------------------- */

static int fired[16];
static int nfired;

static void
record(void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
}

static void
test_loop_timers_fire_in_deadline_order(void **state)
{
	struct loop *l = fake_loop();
	struct loop_timer t[5];
	const uint64_t after[5] = { 50, 10, 40, 20, 30 };

	(void)state;
	nfired = 0;
	assert_int_equal(loop_next_deadline(l), UINT64_MAX);
	for (int i = 0; i < 5; i++) {
		loop_timer_init(&t[i], record, (void *)(intptr_t)i);
		assert_int_equal(loop_timer_set(l, &t[i], after[i]), 0);
	}
	assert_int_equal(loop_next_deadline(l), fake_now + 10);
	fake_now += 25; /* only the 10 and 20 ms timers are due */
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(loop_next_deadline(l), fake_now - 25 + 30);
	assert_int_equal(nfired, 2);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 3);
	fake_now += 100;
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(nfired, 5);
	assert_int_equal(fired[2], 4);
	assert_int_equal(fired[3], 2);
	assert_int_equal(fired[4], 0);
	assert_int_equal(loop_next_deadline(l), UINT64_MAX);
	for (int i = 0; i < 5; i++)
		assert_false(loop_timer_armed(&t[i]));
	loop_free(l);
}

static void
test_loop_timer_rearm_moves_deadline(void **state)
{
	struct loop *l = fake_loop();
	struct loop_timer a, b;

	(void)state;
	nfired = 0;
	loop_timer_init(&a, record, (void *)1);
	loop_timer_init(&b, record, (void *)2);
	assert_int_equal(loop_timer_set(l, &a, 10), 0);
	assert_int_equal(loop_timer_set(l, &b, 20), 0);
	assert_int_equal(loop_timer_set(l, &a, 30), 0); /* later now */
	fake_now += 25;
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 2);
	loop_timer_cancel(l, &a);
	fake_now += 100;
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(nfired, 1); /* cancelled: never fires */
	loop_free(l);
}

static struct loop *cur_loop;
static struct loop_timer *victim;

static void
cancel_victim(void *arg)
{
	record(arg);
	loop_timer_cancel(cur_loop, victim);
}

static void
test_loop_timer_cancelled_by_earlier_timer_does_not_fire(void **state)
{
	struct loop *l = fake_loop();
	struct loop_timer a, b;

	(void)state;
	nfired = 0;
	cur_loop = l;
	victim = &b;
	loop_timer_init(&a, cancel_victim, (void *)1);
	loop_timer_init(&b, record, (void *)2);
	assert_int_equal(loop_timer_set(l, &a, 5), 0);
	assert_int_equal(loop_timer_set(l, &b, 6), 0);
	fake_now += 10; /* both due in the same pass */
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 1);
	loop_free(l);
}

static struct loop_timer self;
static int self_runs;

static void
rearm_self(void *arg)
{
	(void)arg;
	self_runs++;
	assert_int_equal(loop_timer_set(cur_loop, &self, 0), 0);
}

static void
test_loop_timer_rearming_at_zero_runs_once_per_pass(void **state)
{
	struct loop *l = fake_loop();

	(void)state;
	cur_loop = l;
	self_runs = 0;
	loop_timer_init(&self, rearm_self, NULL);
	assert_int_equal(loop_timer_set(l, &self, 0), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(self_runs, 1);
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(self_runs, 2);
	loop_timer_cancel(l, &self);
	loop_free(l);
}

static void
test_loop_timer_fires_on_the_real_clock(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer t;

	(void)state;
	nfired = 0;
	loop_timer_init(&t, record, (void *)7);
	assert_int_equal(loop_timer_set(l, &t, 1), 0);
	/* the timerfd wakes epoll_wait; bounded, no sleep */
	for (int i = 0; i < 100 && nfired == 0; i++)
		assert_int_equal(loop_run_once(l, 100), 0);
	loop_check(l);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 7);
	loop_free(l);
}

/* --- fds -------------------------------------------------------------- */

static int calls_a, calls_b;
static int pipe_b[2];

static void count_b(void *arg, int fd, unsigned events);

static void
del_b(void *arg, int fd, unsigned events)
{
	char c;

	(void)arg;
	(void)events;
	calls_a++;
	assert_int_equal(read(fd, &c, 1), 1);
	/* remove b, which is readable in this same batch, and register a
	 * new pipe with nothing to read under the same fd number: b's
	 * event still in the batch must not reach the new registration */
	loop_fd_del(cur_loop, pipe_b[0]);
	close(pipe_b[0]);
	close(pipe_b[1]);
	assert_int_equal(pipe(pipe_b), 0);
	assert_int_equal(
	    loop_fd_add(cur_loop, pipe_b[0], LOOP_READ, count_b, NULL), 0);
}

static int calls_b_after_a;

static void
count_b(void *arg, int fd, unsigned events)
{
	(void)arg;
	(void)fd;
	(void)events;
	calls_b++;
	if (calls_a > 0)
		calls_b_after_a++;
}

static void
test_loop_fd_removed_in_callback_gets_no_stale_event(void **state)
{
	struct loop *l = loop_new();
	int pa[2];

	(void)state;
	cur_loop = l;
	calls_a = calls_b = calls_b_after_a = 0;
	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pipe_b), 0);
	assert_int_equal(loop_fd_add(l, pa[0], LOOP_READ, del_b, NULL), 0);
	assert_int_equal(loop_fd_add(l, pipe_b[0], LOOP_READ, count_b, NULL),
	    0);
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pipe_b[1], "y", 1), 1);
	/* whichever runs first, b's old event never reaches anything
	 * after a replaced it */
	assert_int_equal(loop_run_once(l, 100), 0);
	loop_check(l);
	assert_int_equal(calls_a, 1);
	assert_int_equal(calls_b_after_a, 0);
	/* the new registration gets events for its own data only */
	assert_int_equal(loop_run_once(l, 0), 0);
	loop_check(l);
	assert_int_equal(calls_b_after_a, 0);
	assert_int_equal(write(pipe_b[1], "z", 1), 1);
	assert_int_equal(loop_run_once(l, 100), 0);
	loop_check(l);
	assert_int_equal(calls_b_after_a, 1);
	loop_fd_del(l, pa[0]);
	loop_fd_del(l, pipe_b[0]);
	close(pa[0]);
	close(pa[1]);
	close(pipe_b[0]);
	close(pipe_b[1]);
	loop_free(l);
}

static void
test_loop_fd_add_twice_is_refused(void **state)
{
	struct loop *l = loop_new();
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, count_b, NULL), 0);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, count_b, NULL), -1);
	assert_int_equal(loop_fd_mod(l, p[1], LOOP_READ), -1); /* unknown */
	loop_fd_del(l, p[0]);
	loop_fd_del(l, p[0]); /* harmless */
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* --- signals ---------------------------------------------------------- */

static int got_signal;

static void
on_signal(void *arg, int signo)
{
	(void)arg;
	got_signal = signo;
}

static void
test_loop_signal_arrives_through_the_loop(void **state)
{
	struct loop *l = loop_new();

	(void)state;
	got_signal = 0;
	assert_int_equal(loop_signal_add(l, SIGUSR1, on_signal, NULL), 0);
	assert_int_equal(raise(SIGUSR1), 0); /* blocked: queued for us */
	for (int i = 0; i < 10 && got_signal == 0; i++)
		assert_int_equal(loop_run_once(l, 100), 0);
	loop_check(l);
	assert_int_equal(got_signal, SIGUSR1);
	loop_free(l);
}

/* --- before-wait hooks --------------------------------------------------- */

struct hook_case {
	struct loop *l;
	struct loop_hook h[4];
	struct loop_hook *cancel; /* cancelled by h[0]'s callback */
	int requeue;              /* h[0] queues h[requeue] again, if >= 0 */
	int order[16];
	int n;
	int timer_ran_at; /* hc.n when the timer ran */
};

static struct hook_case hc;

static void
hook_ran(void *arg)
{
	int i = (int)(intptr_t)arg;

	hc.order[hc.n++] = i;
	if (i == 0 && hc.cancel != NULL)
		loop_hook_cancel(hc.l, hc.cancel);
	if (i == 0 && hc.requeue >= 0)
		loop_before_wait(hc.l, &hc.h[hc.requeue]);
}

static void
hook_case_init(void)
{
	memset(&hc, 0, sizeof(hc));
	hc.requeue = -1;
	hc.l = fake_loop();
	for (int i = 0; i < 4; i++)
		loop_hook_init(&hc.h[i], hook_ran, (void *)(intptr_t)i);
}

static void
test_loop_hooks_run_once_in_queue_order_before_the_wait(void **state)
{
	(void)state;
	hook_case_init();
	loop_before_wait(hc.l, &hc.h[2]);
	loop_before_wait(hc.l, &hc.h[0]);
	loop_before_wait(hc.l, &hc.h[1]);
	loop_before_wait(hc.l, &hc.h[2]); /* queued already: no second run */
	assert_true(loop_hook_queued(&hc.h[0]));
	assert_int_equal(loop_run_once(hc.l, 0), 0);
	loop_check(hc.l);
	assert_int_equal(hc.n, 3);
	assert_int_equal(hc.order[0], 2);
	assert_int_equal(hc.order[1], 0);
	assert_int_equal(hc.order[2], 1);
	assert_false(loop_hook_queued(&hc.h[0]));
	assert_int_equal(loop_run_once(hc.l, 0), 0);
	loop_check(hc.l);
	assert_int_equal(hc.n, 3); /* run once, not every pass */
	loop_free(hc.l);
}

static void
timer_after_hooks(void *arg)
{
	(void)arg;
	hc.timer_ran_at = hc.n;
}

static void
test_loop_hooks_run_after_the_callbacks_of_their_pass(void **state)
{
	struct loop_timer t;

	(void)state;
	hook_case_init();
	/* a timer's callback queues a hook: it runs at the start of the
	 * next pass, before that pass waits */
	loop_timer_init(&t, timer_after_hooks, NULL);
	assert_int_equal(loop_timer_set(hc.l, &t, 0), 0);
	hc.timer_ran_at = -1;
	assert_int_equal(loop_run_once(hc.l, 0), 0);
	loop_check(hc.l);
	assert_int_equal(hc.timer_ran_at, 0);
	loop_before_wait(hc.l, &hc.h[3]);
	assert_int_equal(hc.n, 0);
	assert_int_equal(loop_run_once(hc.l, 0), 0);
	loop_check(hc.l);
	assert_int_equal(hc.n, 1);
	assert_int_equal(hc.order[0], 3);
	loop_free(hc.l);
}

static void
test_loop_hook_cancelled_by_an_earlier_hook_does_not_run(void **state)
{
	(void)state;
	hook_case_init();
	hc.cancel = &hc.h[1];
	loop_before_wait(hc.l, &hc.h[0]);
	loop_before_wait(hc.l, &hc.h[1]);
	loop_before_wait(hc.l, &hc.h[2]);
	assert_int_equal(loop_run_once(hc.l, 0), 0);
	loop_check(hc.l);
	assert_int_equal(hc.n, 2);
	assert_int_equal(hc.order[0], 0);
	assert_int_equal(hc.order[1], 2);
	assert_false(loop_hook_queued(&hc.h[1]));
	/* cancelling an idle hook is harmless */
	loop_hook_cancel(hc.l, &hc.h[1]);
	loop_free(hc.l);
}

static void
test_loop_hook_queued_by_a_hook_runs_next_pass_without_blocking(void **state)
{
	(void)state;
	hook_case_init();
	hc.requeue = 0; /* h[0] queues itself again every time */
	loop_before_wait(hc.l, &hc.h[0]);
	/* -1 would block for ever with no fd ready and no timer: a hook
	 * queued for the next pass must make the wait return at once
	 * (SIGALRM ends the test if it blocks) */
	alarm(5);
	for (int pass = 1; pass <= 3; pass++) {
		assert_int_equal(loop_run_once(hc.l, -1), 0);
		loop_check(hc.l);
		assert_int_equal(hc.n, pass); /* once per pass, no spin */
	}
	alarm(0);
	assert_true(loop_hook_queued(&hc.h[0]));
	loop_free(hc.l);
	assert_false(loop_hook_queued(&hc.h[0])); /* forgotten by free */
}

static void
stop_from_hook(void *arg)
{
	hc.n++;
	loop_stop(arg);
}

static void
test_loop_stopped_by_a_hook_returns_without_waiting(void **state)
{
	struct loop_hook h;

	(void)state;
	hook_case_init();
	loop_hook_init(&h, stop_from_hook, hc.l);
	loop_before_wait(hc.l, &h);
	/* nothing is watched and no timer is armed: a wait would block
	 * for ever (SIGALRM ends the test if it does) */
	alarm(5);
	assert_int_equal(loop_run(hc.l), 0);
	alarm(0);
	assert_int_equal(hc.n, 1);
	loop_free(hc.l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_timers_fire_in_deadline_order),
		cmocka_unit_test(test_loop_timer_rearm_moves_deadline),
		cmocka_unit_test(
		    test_loop_timer_cancelled_by_earlier_timer_does_not_fire),
		cmocka_unit_test(
		    test_loop_timer_rearming_at_zero_runs_once_per_pass),
		cmocka_unit_test(test_loop_timer_fires_on_the_real_clock),
		cmocka_unit_test(
		    test_loop_fd_removed_in_callback_gets_no_stale_event),
		cmocka_unit_test(test_loop_fd_add_twice_is_refused),
		cmocka_unit_test(test_loop_signal_arrives_through_the_loop),
		cmocka_unit_test(
		    test_loop_hooks_run_once_in_queue_order_before_the_wait),
		cmocka_unit_test(
		    test_loop_hooks_run_after_the_callbacks_of_their_pass),
		cmocka_unit_test(
		    test_loop_hook_cancelled_by_an_earlier_hook_does_not_run),
		cmocka_unit_test(
		    test_loop_hook_queued_by_a_hook_runs_next_pass_without_blocking),
		cmocka_unit_test(
		    test_loop_stopped_by_a_hook_returns_without_waiting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
