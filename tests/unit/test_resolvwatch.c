/*
 * tests/unit/test_resolvwatch.c - the resolv.conf watch on a real
 * inotify in a temporary folder, its settle time on the loop's fake
 * clock: a rename over the file, a write in place, a link's target
 * rewritten in its own folder and the link pointed elsewhere are each
 * reported once, RESOLVWATCH_SETTLE_MS after the last event; other files
 * in the folders are not.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "resolvwatch.h"

static uint64_t fake_now;
static unsigned reported;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static void
on_change(void *arg)
{
	(void)arg;
	reported++;
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_non_null(f = fopen(tmp, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* Runs the loop: the events read, then the settle time passed. */
static unsigned
settle(struct loop *l)
{
	unsigned before = reported;

	assert_int_equal(loop_run_once(l, 0), 0);
	fake_now += RESOLVWATCH_SETTLE_MS - 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(reported, before); /* not yet: settling */
	fake_now += 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	return reported - before;
}

static void
test_resolvwatch_sees_what_network_managers_do(void **state)
{
	char dir[] = "/tmp/roost-test-resolvwatch.XXXXXX";
	char etc[64], nm[64], other[64], path[96], link[96], target[96];
	char err[256], cmd[256];
	struct loop *l;
	struct resolv_watch *w;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	snprintf(nm, sizeof(nm), "%s/nm", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(nm, 0755), 0);
	assert_int_equal(mkdir(other, 0755), 0);
	snprintf(path, sizeof(path), "%s/resolv.conf", etc);
	put(etc, "resolv.conf", "nameserver 192.0.2.1\n");
	assert_non_null(l = loop_new());
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 1000;
	w = resolv_watch_new(l, path, on_change, NULL, err, sizeof(err));
	if (w == NULL)
		fail_msg("resolv_watch_new: %s", err);

	/* a rename over it, then two more events before it settles: once */
	put(etc, "resolv.conf", "nameserver 192.0.2.2\n");
	assert_int_equal(loop_run_once(l, 0), 0);
	put(etc, "resolv.conf", "nameserver 192.0.2.3\n");
	assert_int_equal(settle(l), 1);
	/* a write in place */
	assert_non_null(f = fopen(path, "w"));
	fputs("nameserver 192.0.2.4\n", f);
	fclose(f);
	assert_int_equal(settle(l), 1);
	/* another file in the folder: nothing */
	put(etc, "hosts", "127.0.0.1 localhost\n");
	assert_int_equal(settle(l), 0);

	/* a link into nm/, its target rewritten there by rename */
	put(nm, "resolv.conf", "nameserver 192.0.2.5\n");
	snprintf(target, sizeof(target), "%s/resolv.conf", nm);
	snprintf(link, sizeof(link), "%s/resolv.conf.new", etc);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(rename(link, path), 0);
	assert_int_equal(settle(l), 1);
	put(nm, "resolv.conf", "nameserver 192.0.2.6\n");
	assert_int_equal(settle(l), 1);
	put(nm, "other-file", "x\n");
	assert_int_equal(settle(l), 0);
	/* pointed into other/: other/ followed, nm/ no more */
	put(other, "resolv.conf", "nameserver 192.0.2.7\n");
	snprintf(target, sizeof(target), "%s/resolv.conf", other);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(rename(link, path), 0);
	assert_int_equal(settle(l), 1);
	put(other, "resolv.conf", "nameserver 192.0.2.8\n");
	assert_int_equal(settle(l), 1);
	put(nm, "resolv.conf", "nameserver 192.0.2.9\n");
	assert_int_equal(settle(l), 0);
	/* deleted: reported (the reader keeps its servers) */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(settle(l), 1);

	resolv_watch_free(w);
	loop_free(l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_resolvwatch_refuses_what_it_cannot_watch(void **state)
{
	struct loop *l = loop_new();
	char err[256];

	(void)state;
	assert_null(resolv_watch_new(l, "resolv.conf", on_change, NULL, err,
	    sizeof(err)));
	assert_string_equal(err, "resolv.conf: not an absolute path");
	assert_null(resolv_watch_new(l, "/nonexistent-roost-dir/resolv.conf",
	    on_change, NULL, err, sizeof(err)));
	assert_string_equal(err,
	    "cannot watch /nonexistent-roost-dir: No such file or directory");
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_resolvwatch_sees_what_network_managers_do),
		cmocka_unit_test(test_resolvwatch_refuses_what_it_cannot_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
