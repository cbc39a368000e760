/*
 * tests/unit/test_control.c - the control socket: request parsing, and
 * the socket itself driven pass by pass on a fake clock: replies and errors, a dump and flushes of a 3000-entry cache
 * spread over many passes, the client limit and the idle timeout.
 *
 * The socket lives in a fresh directory under /tmp; the upstream set is
 * created but never asked anything (no query is sent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "wire.h"

/* --- request parsing ------------------------------------------------------ */

static void
test_control_parse_request_accepts_each_verb(void **state)
{
	struct control_request r;
	char err[256];
	uint8_t want[WIRE_MAX_NAME];
	size_t wlen;

	(void)state;
	assert_int_equal(control_parse_request("stats", &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_STATS);
	assert_int_equal(control_parse_request("dump\r", &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_DUMP);
	assert_int_equal(
	    control_parse_request(" reload\t", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, CONTROL_RELOAD);
	assert_int_equal(control_parse_request("flush", &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_FLUSH);
	assert_int_equal(control_parse_request("flush name WWW.Example.TEST.",
			     &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_FLUSH_NAME);
	/* lower-cased, trailing dot or not */
	assert_int_equal(wire_name_from_text("www.example.test", want, &wlen),
	    WIRE_OK);
	assert_int_equal(r.name_len, wlen);
	assert_memory_equal(r.name, want, wlen);
	assert_int_equal(
	    control_parse_request("flush zone .", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, CONTROL_FLUSH_ZONE);
	assert_int_equal(r.name_len, 1);
}

static void
test_control_parse_request_takes_the_upstream_verbs(void **state)
{
	struct control_request r;
	char err[256];

	(void)state;
	assert_int_equal(
	    control_parse_request("upstream", &r, err, sizeof(err)), 0);
	assert_int_equal(r.verb, CONTROL_UPSTREAM);
	assert_int_equal(control_parse_request("upstream set vpn0 "
					       "servers=10.8.0.1,10.8.0.2 "
					       "domains=~corp.example "
					       "default-route=no",
			     &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_UPSTREAM_SET);
	assert_string_equal(r.source, "vpn0");
	assert_int_equal(r.nfield, 3);
	assert_string_equal(r.field[0], "servers=10.8.0.1,10.8.0.2");
	assert_string_equal(r.field[1], "domains=~corp.example");
	assert_string_equal(r.field[2], "default-route=no");
	/* an empty list clears */
	assert_int_equal(control_parse_request("upstream set vpn0 servers=", &r,
			     err, sizeof(err)),
	    0);
	assert_string_equal(r.field[0], "servers=");
	assert_int_equal(
	    control_parse_request("upstream revert vpn0", &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_UPSTREAM_REVERT);
	assert_string_equal(r.source, "vpn0");
	assert_int_equal(control_parse_request("route WWW.Corp.Example", &r,
			     err, sizeof(err)),
	    0);
	assert_int_equal(r.verb, CONTROL_ROUTE);
	assert_int_equal(r.name_len, 18);
	assert_memory_equal(r.name, "\003www\004corp\007example", 18);
	/* the longest line there is room for */
	{
		char line[CONTROL_MAX_REQUEST];
		size_t n = (size_t)snprintf(line, sizeof(line),
		    "upstream set vpn0 domains=");

		while (n + 6 < sizeof(line) - 1)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "~a.b,");
		assert_int_equal(
		    control_parse_request(line, &r, err, sizeof(err)), 0);
		assert_int_equal(r.nfield, 1);
	}
}

static void
test_control_parse_request_rejects_the_rest(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"stat",
		"STATS",
		"stats extra",
		"flush name",
		"flush name a b",
		"flush name bad..name",
		"flush everything x",
		"flush zone a.b extra",
		"dump\x01",
		"upstream set",
		"upstream set vpn0",
		"upstream set vpn0 servers=1.2.3.4 color=red",
		"upstream set vpn0 servers",
		"upstream revert",
		"upstream revert a b",
		"upstream flush",
		"route",
		"route a b",
		"route bad..name",
		"upstream set v a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 "
		"l=12 m=13 n=14",
	};
	struct control_request r;
	char err[256], longname[400];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    control_parse_request(bad[i], &r, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(
	    control_parse_request("flush name bad..name", &r, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "bad name \"bad..name\"");
	/* a name over 255 octets */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 60; i < sizeof(longname) - 1; i += 61)
		longname[i] = '.';
	{
		char req[512];

		snprintf(req, sizeof(req), "flush name %s", longname);
		assert_int_equal(
		    control_parse_request(req, &r, err, sizeof(err)), -1);
	}
}

/* --- the socket, pass by pass ----------------------------------------------- */

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

struct fixture {
	struct loop *loop;
	struct config cfg;
	struct route_table *routes;
	struct query_ctx *qc;
	struct control *ctl;
	char dir[64];
	int reload_result;
	unsigned reloads;
	char set_seen[512];  /* "SOURCE FIELD FIELD" of the last set */
	size_t text_lines;   /* lines the fake upstream_text writes */
	unsigned text_calls; /* and how often it was called */
	unsigned monitors;   /* as ops.monitors last said */
	unsigned monitor_calls;
};

static int
fake_reload(void *arg, char *err, size_t errlen)
{
	struct fixture *f = arg;

	f->reloads++;
	if (f->reload_result != 0)
		snprintf(err, errlen, "test.conf:7: unknown option \"x\"");
	return f->reload_result;
}

/* "line N" for N below f->text_lines: a long reply on demand. */
static void
fake_upstream_text(void *arg, char *buf, size_t len, size_t *n)
{
	struct fixture *f = arg;

	f->text_calls++;
	for (size_t i = 0; i < f->text_lines; i++) {
		int k = snprintf(*n < len ? buf + *n : NULL,
		    *n < len ? len - *n : 0, "line %06zu\n", i);

		*n += (size_t)k;
	}
}

static void
fake_route_text(void *arg, const uint8_t *name, size_t name_len, char *buf,
    size_t len, size_t *n)
{
	(void)arg;
	*n += (size_t)snprintf(buf + *n, len - *n, "route %zu %u\n", name_len,
	    name[1]);
}

static void
fake_source_text(void *arg, const char *source, char *buf, size_t len,
    size_t *n)
{
	(void)arg;
	*n += (size_t)snprintf(buf + *n, len - *n, "source %s\n", source);
}

/* Takes sources called vpn*, refuses the rest. */
static int
fake_upstream_set(void *arg, const char *source, const char *const *fields,
    size_t nfields, char *err, size_t errlen)
{
	struct fixture *f = arg;
	size_t n = 0;

	if (strncmp(source, "vpn", 3) != 0) {
		snprintf(err, errlen, "no");
		return -1;
	}
	n += (size_t)snprintf(f->set_seen, sizeof(f->set_seen), "%s", source);
	for (size_t i = 0; i < nfields; i++)
		n += (size_t)snprintf(f->set_seen + n, sizeof(f->set_seen) - n,
		    " %s", fields[i]);
	return 0;
}

static int
fake_upstream_revert(void *arg, const char *source, char *err, size_t errlen)
{
	(void)arg;
	if (strcmp(source, "vpn0") == 0)
		return 0;
	snprintf(err, errlen, "no run-time source %s", source);
	return -1;
}

static void
fake_monitors(void *arg, unsigned n)
{
	struct fixture *f = arg;

	f->monitors = n;
	f->monitor_calls++;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct control_ops ops = {
		.reload = fake_reload,
		.upstream_text = fake_upstream_text,
		.route_text = fake_route_text,
		.upstream_set = fake_upstream_set,
		.source_text = fake_source_text,
		.upstream_revert = fake_upstream_revert,
		.monitors = fake_monitors,
	};
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/roost-test-control.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(f->loop = loop_new());
	fake_now = 1000000;
	loop_set_clock(f->loop, fake_clock, NULL);
	config_defaults(&f->cfg);
	/* never asked: no query is sent in these tests */
	assert_int_equal(
	    config_set(&f->cfg, "upstream", "127.0.0.1#1", err, sizeof(err)),
	    0);
	snprintf(f->cfg.control_socket, sizeof(f->cfg.control_socket),
	    "%s/control", f->dir);
	f->cfg.control_socket_set = true;
	assert_non_null(
	    f->routes = route_table_new(f->loop, &f->cfg, err, sizeof(err)));
	assert_non_null(f->qc = query_ctx_new(f->loop, &f->cfg, f->routes));
	ops.arg = f;
	assert_int_equal(control_new(f->loop, &f->cfg, f->qc, &ops, false, 0, 0,
			     &f->ctl, err, sizeof(err)),
	    0);
	assert_non_null(f->ctl);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	control_free(f->ctl);
	/* control_free() removed the socket */
	assert_int_equal(access(f->cfg.control_socket, F_OK), -1);
	query_ctx_free(f->qc);
	route_table_free(f->routes);
	loop_free(f->loop);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static int
connect_ctl(struct fixture *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    f->cfg.control_socket);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/*
 * Runs loop passes until fd reaches EOF, collecting what it reads.
 * Returns the text (caller frees); *passes gets the passes it took.
 */
static char *
read_reply(struct fixture *f, int fd, unsigned *passes)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	unsigned n = 0;

	assert_non_null(buf);
	for (;;) {
		ssize_t r;

		if (len + 4096 > cap) {
			cap *= 2;
			assert_non_null(buf = realloc(buf, cap));
		}
		r = recv(fd, buf + len, cap - len - 1, MSG_DONTWAIT);
		if (r == 0)
			break;
		if (r > 0) {
			len += (size_t)r;
			continue;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		assert_int_equal(loop_run_once(f->loop, 0), 0);
		assert_true(++n < 1000000);
	}
	buf[len] = '\0';
	if (passes != NULL)
		*passes = n;
	return buf;
}

static char *
ask(struct fixture *f, const char *req, unsigned *passes)
{
	int fd = connect_ctl(f);
	char *reply;

	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	reply = read_reply(f, fd, passes);
	close(fd);
	return reply;
}

/* Loop passes until what fd gave (into buf, cap octets) holds needle;
 * returns its length. */
static size_t
read_until(struct fixture *f, int fd, char *buf, size_t cap, const char *needle)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; strstr(buf, needle) == NULL; i++) {
		ssize_t r = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);

		if (r > 0) {
			len += (size_t)r;
			buf[len] = '\0';
			continue;
		}
		assert_true(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
		assert_int_equal(loop_run_once(f->loop, 0), 0);
		assert_true(i < 100000);
	}
	return len;
}

/*
 * monitor: "ok", then each line given to control_monitor_line(), for as
 * long as the client stays (no idle limit); a client that does not read
 * loses lines, counted and told once it has room again; its close is
 * seen.
 */
static void
test_control_monitor_streams_drops_and_ends(void **state)
{
	struct fixture *f = *state;
	int fd = connect_ctl(f);
	size_t cap = 16u << 20;
	char *buf = malloc(cap), line[200], *p;
	unsigned sent = 20000, got = 0, lost = 0;

	assert_non_null(buf);
	assert_int_equal(send(fd, "monitor\n", 8, 0), 8);
	read_until(f, fd, buf, cap, "\n");
	assert_string_equal(buf, "ok\n");
	assert_int_equal(f->monitors, 1);
	control_monitor_line(f->ctl, "a line", 6);
	read_until(f, fd, buf, cap, "\n");
	assert_string_equal(buf, "a line\n");
	/* no idle limit */
	fake_now += 3 * CONTROL_IDLE_MS;
	assert_int_equal(loop_run_once(f->loop, 0), 0);
	assert_int_equal(f->monitors, 1);
	/* a reader that does not read: the socket, then the queue fill */
	memset(line, 'x', sizeof(line));
	for (unsigned i = 0; i < sent; i++) {
		control_monitor_line(f->ctl, line, sizeof(line) - 1);
		assert_int_equal(loop_run_once(f->loop, 0), 0);
	}
	control_monitor_line(f->ctl, "after", 5);
	read_until(f, fd, buf, cap, "after\n");
	/* every line came whole, or was counted as dropped */
	for (p = buf; *p == 'x'; p += sizeof(line))
		got++;
	assert_int_equal(sscanf(p, "# %u lines dropped\nafter\n", &lost), 1);
	assert_true(lost > 0);
	assert_int_equal(got + lost, sent);
	free(buf);
	/* the peer goes: seen, and told */
	close(fd);
	for (unsigned i = 0; i < 100 && f->monitors != 0; i++)
		assert_int_equal(loop_run_once(f->loop, 0), 0);
	assert_int_equal(f->monitors, 0);
	assert_int_equal(f->monitor_calls, 2);
}

static void
test_control_socket_answers_requests_and_errors(void **state)
{
	struct fixture *f = *state;
	char *r, big[CONTROL_MAX_REQUEST + 100];

	r = ask(f, "stats\n", NULL);
	assert_true(strncmp(r, "ok\nqueries.udp 0\n", 17) == 0);
	assert_non_null(strstr(r, "\nupstream 127.0.0.1#1 queries=0 "));
	assert_true(strlen(r) > 2 && strcmp(r + strlen(r) - 3, "\n.\n") == 0);
	free(r);
	r = ask(f, "bogus\n", NULL);
	assert_true(strncmp(r, "error unknown request \"bogus\"", 29) == 0);
	assert_true(strcmp(r + strlen(r) - 3, "\n.\n") == 0);
	free(r);
	/* no LF within CONTROL_MAX_REQUEST octets */
	memset(big, 'x', sizeof(big));
	{
		int fd = connect_ctl(f);

		assert_int_equal(send(fd, big, sizeof(big), 0),
		    (ssize_t)sizeof(big));
		r = read_reply(f, fd, NULL);
		close(fd);
	}
	assert_string_equal(r, "error request too long\n.\n");
	free(r);
	f->reload_result = -1;
	r = ask(f, "reload\n", NULL);
	assert_string_equal(r, "error test.conf:7: unknown option \"x\"\n.\n");
	free(r);
	f->reload_result = 0;
	r = ask(f, "reload\n", NULL);
	assert_string_equal(r, "ok\n.\n");
	free(r);
	assert_int_equal(f->reloads, 2);
}

static void
test_control_socket_upstream_verbs(void **state)
{
	struct fixture *f = *state;
	char *r, want[64];
	size_t n;

	r = ask(f, "upstream set vpn0 servers=10.8.0.1 domains=~corp.example\n",
	    NULL);
	assert_string_equal(r, "ok\nsource vpn0\n.\n");
	assert_string_equal(f->set_seen,
	    "vpn0 servers=10.8.0.1 domains=~corp.example");
	free(r);
	r = ask(f, "upstream set other servers=10.8.0.1\n", NULL);
	assert_string_equal(r, "error no\n.\n");
	free(r);
	r = ask(f, "upstream revert vpn0\n", NULL);
	assert_string_equal(r, "ok\n.\n");
	free(r);
	r = ask(f, "upstream revert vpn1\n", NULL);
	assert_string_equal(r, "error no run-time source vpn1\n.\n");
	free(r);
	r = ask(f, "route x.test\n", NULL);
	assert_string_equal(r, "ok\nroute 8 120\n.\n");
	free(r);
	/* a listing longer than the stats buffer: measured, then made */
	f->text_lines = 10000;
	r = ask(f, "upstream\n", NULL);
	n = strlen(r);
	assert_int_equal(n, 3 + 10000 * 12 + 2);
	assert_true(strncmp(r, "ok\nline 000000\n", 15) == 0);
	snprintf(want, sizeof(want), "\nline %06d\n.\n", 9999);
	assert_string_equal(r + n - strlen(want), want);
	assert_int_equal(f->text_calls, 2);
	free(r);
}

/* Stores an A answer for nNUM.bulk.test, or for name if not NULL. */
static void
store(struct fixture *f, unsigned num, const char *name)
{
	struct cache *c = query_cache(f->qc);
	uint8_t msg[512];
	char text[64];
	struct cache_key k = { .qtype = WIRE_T_A, .qclass = WIRE_C_IN };
	struct wire_header h = { .id = 1,
		.flags = WIRE_QR | WIRE_RD | WIRE_RA,
		.qdcount = 1,
		.ancount = 1 };
	size_t n, len;

	snprintf(text, sizeof(text), "n%u.bulk.test", num);
	wire_write_header(msg, &h);
	assert_int_equal(wire_name_from_text(name != NULL ? name : text,
			     msg + WIRE_HDR_LEN, &n),
	    WIRE_OK);
	k.name = msg + WIRE_HDR_LEN;
	k.name_len = n;
	len = WIRE_HDR_LEN + n;
	wire_put16(msg + len, WIRE_T_A);
	wire_put16(msg + len + 2, WIRE_C_IN);
	len += 4;
	wire_put16(msg + len, 0xc000 | WIRE_HDR_LEN);
	wire_put16(msg + len + 2, WIRE_T_A);
	wire_put16(msg + len + 4, WIRE_C_IN);
	wire_put32(msg + len + 6, 300);
	wire_put16(msg + len + 10, 4);
	memcpy(msg + len + 12, "\xc0\x00\x02\x01", 4);
	len += 16;
	assert_int_equal(
	    cache_insert(c, &k, msg, len, (uint32_t)(fake_now / 1000), NULL),
	    1);
}

static unsigned
count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_control_dump_and_flush_spread_over_passes(void **state)
{
	struct fixture *f = *state;
	struct cache *c = query_cache(f->qc);
	unsigned passes;
	char *r;

	for (unsigned i = 0; i < 3000; i++)
		store(f, i, NULL);
	store(f, 0, "www.zone.test");
	store(f, 0, "a.b.zone.test");
	store(f, 0, "zone.test");
	store(f, 0, "notzone.test");
	assert_int_equal(cache_stats(c)->entries, 3004);
	fake_now += 2000; /* two seconds later: TTL 298 */
	r = ask(f, "dump\n", &passes);
	assert_true(strncmp(r, "ok\n", 3) == 0);
	assert_int_equal(count_lines(r), 3004 + 2);
	assert_true(strcmp(r + strlen(r) - 3, "\n.\n") == 0);
	assert_non_null(strstr(r, "\nn1234.bulk.test. 1 298 0 "));
	assert_non_null(strstr(r, "\nwww.zone.test. 1 298 0 "));
	/* one slice of CONTROL_DUMP_BUCKETS buckets per pass */
	assert_true(passes >= cache_buckets(c) / CONTROL_DUMP_BUCKETS);
	free(r);
	r = ask(f, "flush name N7.Bulk.Test\n", NULL);
	assert_string_equal(r, "ok\nremoved 1\n.\n");
	free(r);
	r = ask(f, "flush zone zone.test\n", &passes);
	assert_string_equal(r, "ok\nremoved 3\n.\n");
	assert_true(passes >= cache_buckets(c) / CONTROL_FLUSH_BUCKETS);
	free(r);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 3000);
	r = ask(f, "flush\n", NULL);
	assert_string_equal(r, "ok\nremoved 3000\n.\n");
	free(r);
	cache_check(c);
	assert_int_equal(cache_stats(c)->entries, 0);
}

static void
test_control_limits_clients_and_closes_idle_ones(void **state)
{
	struct fixture *f = *state;
	int fds[CONTROL_MAX_CLIENTS], extra;
	char buf[128];
	ssize_t n;

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = connect_ctl(f);
		assert_int_equal(loop_run_once(f->loop, 0), 0);
	}
	/* one too many: told so and closed */
	extra = connect_ctl(f);
	{
		char *r = read_reply(f, extra, NULL);

		assert_string_equal(r, "error too many control clients\n.\n");
		free(r);
	}
	close(extra);
	/* the others are idle: nothing happens before the timeout */
	fake_now += CONTROL_IDLE_MS - 1;
	assert_int_equal(loop_run_once(f->loop, 0), 0);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		n = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
		assert_int_equal(n, -1);
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	}
	fake_now += 2;
	assert_int_equal(loop_run_once(f->loop, 0), 0);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		assert_int_equal(recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT),
		    0);
		close(fds[i]);
	}
	/* room again */
	{
		char *r = ask(f, "stats\n", NULL);

		assert_true(strncmp(r, "ok\n", 3) == 0);
		free(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_parse_request_accepts_each_verb),
		cmocka_unit_test(test_control_parse_request_rejects_the_rest),
		cmocka_unit_test(
		    test_control_parse_request_takes_the_upstream_verbs),
		cmocka_unit_test_setup_teardown(
		    test_control_socket_upstream_verbs, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_control_monitor_streams_drops_and_ends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_control_socket_answers_requests_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_control_dump_and_flush_spread_over_passes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_control_limits_clients_and_closes_idle_ones, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
