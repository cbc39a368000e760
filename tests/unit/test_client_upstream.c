/*
 * tests/unit/test_client_upstream.c - `roost upstream` and `roost route`
 * (cmd_upstream.c): the request line of upstream set built from its
 * options, roostd's data lines split into fields, and the commands run
 * against a scripted control socket (a child process that reads one
 * request, records it and sends a canned reply), their output, request
 * and exit status compared.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"
#include "cmd_upstream.h"
#include "control_proto.h"

/* --- the request line ---------------------------------------------------- */

static int
build(const struct cmd_upstream_set *s, char *buf, size_t len)
{
	char err[256] = "";

	return cmd_upstream_set_request(s, buf, len, err, sizeof(err));
}

static void
test_upstream_set_request_joins_repeated_options_with_commas(void **state)
{
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1];

	(void)state;
	s.dns[s.ndns++] = "10.8.0.1";
	s.dns[s.ndns++] = "[fd00::1]:5353";
	s.dns[s.ndns++] = "10.8.0.2#53";
	s.domain[s.ndomain++] = "~corp.example";
	s.domain[s.ndomain++] = "~8.10.in-addr.arpa";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "upstream set vpn0 servers=10.8.0.1,[fd00::1]:5353,10.8.0.2#53 "
	    "domains=~corp.example,~8.10.in-addr.arpa\n");
}

static void
test_upstream_set_request_sends_only_the_fields_given(void **state)
{
	struct cmd_upstream_set s = { .source = "wlan0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1];

	(void)state;
	s.domain[s.ndomain++] = "home.arpa";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "upstream set wlan0 domains=home.arpa\n");
}

static void
test_upstream_set_request_empty_value_clears_the_list(void **state)
{
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1];

	(void)state;
	s.dns[s.ndns++] = "";
	s.domain[s.ndomain++] = "";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "upstream set vpn0 servers= domains=\n");
	/* an empty value among others adds nothing to the list */
	s.dns[s.ndns++] = "10.8.0.1";
	s.ndomain = 0;
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "upstream set vpn0 servers=10.8.0.1\n");
}

static void
test_upstream_set_request_takes_yes_no_auto_for_default_route(void **state)
{
	static const char *const good[] = { "yes", "no", "auto" };
	static const char *const bad[] = { "", "Yes", "true", "1", "auto " };
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s.default_route = good[i];
		assert_int_equal(build(&s, buf, sizeof(buf)), 0);
		snprintf(want, sizeof(want),
		    "upstream set vpn0 default-route=%s\n", good[i]);
		assert_string_equal(buf, want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.default_route = bad[i];
		assert_int_equal(build(&s, buf, sizeof(buf)), -1);
	}
	/* after the lists, whatever the options' order was */
	s.default_route = "no";
	s.dns[s.ndns++] = "10.8.0.1";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "upstream set vpn0 servers=10.8.0.1 default-route=no\n");
}

static void
test_upstream_set_request_takes_dns_over_tls(void **state)
{
	static const char *const good[] = { "no", "opportunistic", "strict",
		"default" };
	struct cmd_upstream_set s = { .source = "wifi" };
	char buf[512], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s.dns_over_tls = good[i];
		assert_int_equal(build(&s, buf, sizeof(buf)), 0);
		snprintf(want, sizeof(want),
		    "upstream set wifi dns-over-tls=%s\n", good[i]);
		assert_string_equal(buf, want);
	}
	s.dns_over_tls = "yes please";
	assert_int_equal(build(&s, buf, sizeof(buf)), -1);
	s.dns_over_tls = "strict";
	s.dns[s.ndns++] = "9.9.9.9#dns.quad9.net";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "upstream set wifi servers=9.9.9.9#dns.quad9.net "
	    "dns-over-tls=strict\n");
}

static void
test_upstream_set_request_refuses_a_line_past_the_limit(void **state)
{
	static char value[100];
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1], err[256];
	size_t fixed = strlen("upstream set vpn0 domains=\n");

	(void)state;
	memset(value, 'a', sizeof(value) - 1);
	/* 82 values of 99 octets and 81 commas: 8199 octets of list */
	for (int i = 0; i < 82; i++)
		s.domain[s.ndomain++] = value;
	assert_true(fixed + 82 * 99 + 81 > CONTROL_PROTO_MAX_REQUEST);
	assert_int_equal(
	    cmd_upstream_set_request(&s, buf, sizeof(buf), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too long"));
	/* exactly CONTROL_PROTO_MAX_REQUEST octets, LF included, fits */
	s.ndomain = 0;
	s.domain[s.ndomain++] = "x";
	s.source = "v";
	assert_int_equal(build(&s, buf, sizeof(buf)), 0);
	fixed = strlen(buf) - 1;
	{
		static char big[CONTROL_PROTO_MAX_REQUEST];

		memset(big, 'b', CONTROL_PROTO_MAX_REQUEST - fixed);
		big[CONTROL_PROTO_MAX_REQUEST - fixed] = '\0';
		s.domain[0] = big;
		assert_int_equal(build(&s, buf, sizeof(buf)), 0);
		assert_int_equal(strlen(buf), CONTROL_PROTO_MAX_REQUEST);
		big[CONTROL_PROTO_MAX_REQUEST - fixed] = 'b';
		big[CONTROL_PROTO_MAX_REQUEST - fixed + 1] = '\0';
		assert_int_equal(build(&s, buf, sizeof(buf)), -1);
	}
	/* a buffer smaller than the line is refused too, and terminated */
	s.domain[0] = "corp.example";
	assert_int_equal(build(&s, buf, 16), -1);
	assert_true(strlen(buf) < 16);
}

static void
test_upstream_set_request_refuses_blanks_and_commas_in_values(void **state)
{
	static const char *const bad[] = { "10.0.0.1,10.0.0.2", "10.0.0.1 ",
		"a\tb", "x\ny" };
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.ndns = s.ndomain = 0;
		s.dns[s.ndns++] = "10.8.0.9";
		s.dns[s.ndns++] = bad[i];
		assert_int_equal(cmd_upstream_set_request(&s, buf, sizeof(buf),
				     err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "repeat --dns"));
		s.ndns = 0;
		s.domain[s.ndomain++] = bad[i];
		assert_int_equal(cmd_upstream_set_request(&s, buf, sizeof(buf),
				     err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "repeat --domain"));
	}
}

static void
test_upstream_set_request_needs_a_source_and_an_option(void **state)
{
	struct cmd_upstream_set s = { .source = "vpn0" };
	char buf[CONTROL_PROTO_MAX_REQUEST + 1], err[256];

	(void)state;
	assert_int_equal(
	    cmd_upstream_set_request(&s, buf, sizeof(buf), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "nothing to set"));
	s.default_route = "yes";
	s.source = "";
	assert_int_equal(build(&s, buf, sizeof(buf)), -1);
	s.source = NULL;
	assert_int_equal(build(&s, buf, sizeof(buf)), -1);
	s.source = "vpn0 servers=1.2.3.4";
	assert_int_equal(build(&s, buf, sizeof(buf)), -1);
}

/* --- data lines ---------------------------------------------------------- */

/* The items of l joined by "|". */
static const char *
joined(const struct cmd_upstream_list *l)
{
	static char buf[512];
	const char *p = l->s;
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++, p += strlen(p) + 1)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "|" : "", p);
	return buf;
}

static void
test_upstream_parse_source_line_with_dash_lists_and_route_only_domains(
    void **state)
{
	char line[] = "source vpn0 origin=control default-route=no "
		      "servers=10.8.0.1#53,fd00::1#5353 "
		      "domains=~corp.example.,8.10.in-addr.arpa.";
	char line2[] = "source roostd.conf origin=config default-route=yes "
		       "servers=- domains=-";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(line, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_SOURCE);
	assert_string_equal(l.name, "vpn0");
	assert_string_equal(l.origin, "control");
	assert_false(l.default_route);
	assert_int_equal(l.servers.n, 2);
	assert_string_equal(joined(&l.servers), "10.8.0.1#53|fd00::1#5353");
	assert_int_equal(l.domains.n, 2);
	assert_string_equal(joined(&l.domains),
	    "~corp.example.|8.10.in-addr.arpa.");

	assert_int_equal(cmd_upstream_parse_line(line2, &l, err, sizeof(err)),
	    0);
	assert_string_equal(l.name, "roostd.conf");
	assert_string_equal(l.origin, "config");
	assert_true(l.default_route);
	assert_int_equal(l.servers.n, 0);
	assert_int_equal(l.domains.n, 0);
	assert_string_equal(joined(&l.domains), "");
}

static void
test_upstream_parse_route_line(void **state)
{
	char line[] = "route corp.example. sources=vpn0,forward-zone:corp."
		      "example. servers=10.8.0.1#53,10.0.0.53#53";
	char line2[] = "route . sources=- servers=-";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(line, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_ROUTE);
	assert_string_equal(l.name, "corp.example.");
	assert_string_equal(joined(&l.sources),
	    "vpn0|forward-zone:corp.example.");
	assert_string_equal(joined(&l.servers), "10.8.0.1#53|10.0.0.53#53");
	assert_int_equal(cmd_upstream_parse_line(line2, &l, err, sizeof(err)),
	    0);
	assert_string_equal(l.name, ".");
	assert_int_equal(l.sources.n, 0);
	assert_int_equal(l.servers.n, 0);
}

static void
test_upstream_parse_blocked_and_local_lines(void **state)
{
	char line[] = "blocked x.ads.example. file=/srv/a\\032b\\092c line=12 "
		      "listed=ads.example.";
	char local[] = "local localhost.";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(line, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_BLOCKED);
	assert_string_equal(l.name, "x.ads.example.");
	assert_string_equal(l.file, "/srv/a b\\c");
	assert_int_equal(l.line, 12);
	assert_string_equal(l.listed, "ads.example.");
	assert_int_equal(cmd_upstream_parse_line(local, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_LOCAL);
	assert_string_equal(l.name, "localhost.");
}

static void
test_upstream_parse_upstream_line_last_error_dash_and_value(void **state)
{
	char none[] = "upstream 127.0.0.2#53 zone=. queries=100 failures=1 "
		      "timeouts=0 srtt_ms=12 p50_ms=8 p90_ms=16 p99_ms=32 "
		      "rtt_samples=99 rtt_sum_ms=990 down=0 last_error=- "
		      "last_error_age_s=-";
	char some[] = "upstream ::1#5353  zone=corp.example. down=1 "
		      "last_error=timeout last_error_age_s=12 queries=40";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(none, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_SERVER);
	assert_string_equal(l.name, "127.0.0.2#53");
	assert_string_equal(l.zone, ".");
	assert_int_equal(l.queries, 100);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.timeouts, 0);
	assert_int_equal(l.srtt_ms, 12);
	assert_int_equal(l.p50_ms, 8);
	assert_int_equal(l.p90_ms, 16);
	assert_int_equal(l.p99_ms, 32);
	assert_int_equal(l.rtt_samples, 99);
	assert_int_equal(l.rtt_sum_ms, 990);
	assert_false(l.down);
	assert_null(l.last_error);
	assert_int_equal(l.last_error_age_s, -1);

	assert_int_equal(cmd_upstream_parse_line(some, &l, err, sizeof(err)),
	    0);
	assert_string_equal(l.name, "::1#5353");
	assert_string_equal(l.zone, "corp.example.");
	assert_true(l.down);
	assert_string_equal(l.last_error, "timeout");
	assert_int_equal(l.last_error_age_s, 12);
	assert_int_equal(l.queries, 40);
	assert_int_equal(l.srtt_ms, 0); /* not given */
}

static void
test_upstream_parse_reads_a_networkd_source(void **state)
{
	char line[] = "source corp0 origin=networkd default-route=no "
		      "servers=10.0.0.1#5300 domains=~corp.example.";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(line, &l, err, sizeof(err)),
	    0);
	assert_string_equal(l.name, "corp0");
	assert_string_equal(l.origin, "networkd");
	assert_false(l.default_route);
	assert_string_equal(joined(&l.servers), "10.0.0.1#5300");
}

static void
test_upstream_parse_ignores_unknown_keys_and_line_kinds(void **state)
{
	char line[] = "upstream 10.0.0.1#53 zone=. transport=tls queries=5 "
		      "origin=whatever future_ms=not-a-number down=0";
	char src[] = "source x origin=dbus ifindex=3 default-route=yes "
		     "queries=junk servers=1.1.1.1#53 domains=-";
	char other[] = "monitor something odd without=equals words";
	struct cmd_upstream_line l;
	char err[256];

	(void)state;
	assert_int_equal(cmd_upstream_parse_line(line, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.queries, 5);
	/* origin is a source key: not an upstream line's */
	assert_string_equal(l.origin, "");
	assert_int_equal(cmd_upstream_parse_line(src, &l, err, sizeof(err)), 0);
	assert_string_equal(l.origin, "dbus");
	assert_true(l.default_route);
	assert_int_equal(l.queries, 0);
	assert_string_equal(joined(&l.servers), "1.1.1.1#53");
	assert_int_equal(cmd_upstream_parse_line(other, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.kind, CMD_UPSTREAM_OTHER);
}

static void
test_upstream_parse_refuses_malformed_words(void **state)
{
	static const char *const bad[] = {
		"",
		"source",
		"source origin=config",
		"route",
		"upstream 10.0.0.1#53 queries",
		"upstream 10.0.0.1#53 =5",
		"upstream 10.0.0.1#53 queries=12x",
		"upstream 10.0.0.1#53 queries=-",
		"upstream 10.0.0.1#53 queries=",
		"upstream 10.0.0.1#53 srtt_ms=-3",
		"upstream 10.0.0.1#53 down=yes",
		"upstream 10.0.0.1#53 last_error_age_s=x",
		"upstream 10.0.0.1#53 queries=99999999999999999999999",
		"source a default-route=auto",
		"source a servers=1.1.1.1,,2.2.2.2",
		"source a domains=,x.",
		"route . servers=1.1.1.1#53,",
		"blocked a. file=/x\\03 line=1",
		"blocked a. file=/x\\000 line=1",
		"blocked a. file=/x\\300 line=1",
		"blocked a. line=one",
	};
	struct cmd_upstream_line l;
	char line[256], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		err[0] = '\0';
		if (cmd_upstream_parse_line(line, &l, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
}

/* --- the commands against a scripted roostd ------------------------------ */

/* how long the scripted roostd waits for the command to connect */
#define SERVE_DEADLINE_S 5

struct run {
	char dir[64];
	char path[96];
	pid_t pid; /* the scripted roostd, or 0 */
	char *out, *err, *req;
};

static char *
slurp(const char *dir, const char *name)
{
	char path[128], *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f;
	ssize_t k;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf = malloc(1);
	assert_non_null(buf);
	buf[0] = '\0';
	{
		char *line = NULL;

		while ((k = getline(&line, &cap, f)) > 0) {
			buf = realloc(buf, n + (size_t)k + 1);
			assert_non_null(buf);
			memcpy(buf + n, line, (size_t)k + 1);
			n += (size_t)k;
		}
		free(line);
	}
	fclose(f);
	(void)unlink(path);
	return buf;
}

static void
run_setup(struct run *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/roost-upstream-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->path, sizeof(r->path), "%s/control", r->dir);
}

/* The child: one connection, its request line saved, reply sent. */
static void
serve_one(int lfd, const char *dir, const char *reply)
{
	struct timeval tv = { .tv_sec = SERVE_DEADLINE_S };
	char req[CONTROL_PROTO_MAX_REQUEST + 1], path[128];
	size_t n = 0;
	ssize_t k;
	int c, fd;

	/* a command that never connects must not hang the test */
	(void)setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	while (n < sizeof(req) - 1 &&
	    (k = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
		n += (size_t)k;
		if (memchr(req, '\n', n) != NULL)
			break;
	}
	snprintf(path, sizeof(path), "%s/req", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, req, n) != (ssize_t)n ||
	    write(c, reply, strlen(reply)) != (ssize_t)strlen(reply))
		_exit(1);
	close(fd);
	close(c);
	_exit(0);
}

/* A scripted roostd at r->path that answers one request with reply. */
static void
serve(struct run *r, const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", r->path);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	fflush(NULL);
	assert_true((r->pid = fork()) >= 0);
	if (r->pid == 0)
		serve_one(lfd, r->dir, reply);
	close(lfd);
}

/* Runs the command with stdout and stderr caught; its exit status. */
static int
run_cmd(struct run *r, char **argv)
{
	char path[128];
	int argc = 0, so, se, fo, fe, st;

	while (argv[argc] != NULL)
		argc++;
	fflush(NULL);
	snprintf(path, sizeof(path), "%s/out", r->dir);
	fo = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "%s/err", r->dir);
	fe = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fo >= 0 && fe >= 0);
	so = dup(1);
	se = dup(2);
	dup2(fo, 1);
	dup2(fe, 2);
	st = cmd_upstream_main(argc, argv, r->path);
	fflush(NULL);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	if (r->pid > 0)
		assert_int_equal(waitpid(r->pid, NULL, 0), r->pid);
	r->out = slurp(r->dir, "out");
	r->err = slurp(r->dir, "err");
	r->req = slurp(r->dir, "req");
	return st;
}

static void
run_free(struct run *r)
{
	(void)unlink(r->path);
	(void)rmdir(r->dir);
	free(r->out);
	free(r->err);
	free(r->req);
}

static const char upstream_reply[] =
    "ok\n"
    "source roostd.conf origin=config default-route=yes "
    "servers=127.0.0.2#53,::1#5353 domains=-\n"
    "source vpn0 origin=control default-route=no servers=10.8.0.1#53 "
    "domains=~corp.example.,~8.10.in-addr.arpa.\n"
    "route . sources=roostd.conf servers=127.0.0.2#53,::1#5353\n"
    "route corp.example. sources=vpn0 servers=10.8.0.1#53\n"
    "upstream 127.0.0.2#53 zone=. queries=100 failures=1 timeouts=0 "
    "srtt_ms=12 p50_ms=8 p90_ms=16 p99_ms=32 rtt_samples=99 "
    "rtt_sum_ms=990 down=0 last_error=- last_error_age_s=-\n"
    "upstream ::1#5353 zone=. queries=40 failures=3 timeouts=2 "
    "srtt_ms=0 down=1 last_error=timeout last_error_age_s=12 new_key=7\n"
    "upstream 10.8.0.1#53 zone=corp.example. queries=7 failures=0 "
    "timeouts=0 srtt_ms=4 down=0 last_error=refused "
    "last_error_age_s=300\n"
    ".\n";

static void
test_upstream_command_shows_sources_then_routes_with_servers(void **state)
{
	char *argv[] = { "upstream", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r, upstream_reply);
	assert_int_equal(run_cmd(&r, argv), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.req, "upstream\n");
	assert_string_equal(r.out,
	    "Source roostd.conf (origin config)\n"
	    "  Default route: yes\n"
	    "        Servers: 127.0.0.2#53 ::1#5353\n"
	    "        Domains: none\n"
	    "\n"
	    "Source vpn0 (origin control)\n"
	    "  Default route: no\n"
	    "        Servers: 10.8.0.1#53\n"
	    "        Domains: ~corp.example. ~8.10.in-addr.arpa.\n"
	    "\n"
	    "Route . (default route)\n"
	    "        Sources: roostd.conf\n"
	    "  SERVER        STATE    SRTT  QUERIES FAILURES TIMEOUTS  "
	    "LAST ERROR\n"
	    "  127.0.0.2#53  up      12 ms      100        1        0  none\n"
	    "  ::1#5353      down     0 ms       40        3        2  "
	    "timeout 12 s ago\n"
	    "\n"
	    "Route corp.example.\n"
	    "        Sources: vpn0\n"
	    "  SERVER       STATE    SRTT  QUERIES FAILURES TIMEOUTS  "
	    "LAST ERROR\n"
	    "  10.8.0.1#53  up       4 ms        7        0        0  "
	    "refused 300 s ago\n");
	assert_string_equal(r.err, "");
	run_free(&r);
}

static const char tls_reply[] =
    "ok\n"
    "source roostd.conf origin=config default-route=yes dns-over-tls=strict "
    "servers=192.0.2.1#853#dns.example,192.0.2.2#853 domains=-\n"
    "route . sources=roostd.conf servers=192.0.2.1#853,192.0.2.2#853\n"
    "upstream 192.0.2.1#853 zone=. queries=300 failures=0 timeouts=0 "
    "srtt_ms=9 down=0 transport=tls tls_handshakes=2 tls_resumed=1 "
    "tls_queries=300 tls_queries_per_conn=150 tls_errors=0 "
    "tls_auth_failures=0 plain_fallbacks=0 tls_auth=dns.example "
    "tls_error=- last_error=- last_error_age_s=-\n"
    "upstream 192.0.2.2#853 zone=. queries=3 failures=3 timeouts=0 "
    "srtt_ms=400 down=1 transport=tls-opportunistic tls_handshakes=0 "
    "tls_resumed=0 tls_queries=0 tls_errors=1 tls_auth_failures=0 "
    "plain_fallbacks=3 tls_auth=- "
    "tls_error=connect:_Connection_refused last_error=tls "
    "last_error_age_s=5\n"
    ".\n";

static void
test_upstream_command_shows_each_servers_tls(void **state)
{
	char *argv[] = { "upstream", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r, tls_reply);
	assert_int_equal(run_cmd(&r, argv), CLIENT_EXIT_ANSWER);
	assert_non_null(strstr(r.out, "   DNS over TLS: strict\n"));
	assert_non_null(strstr(r.out,
	    "                 over TLS (strict), authenticated as "
	    "dns.example; handshakes 2 (resumed 1), queries 300 (150 per "
	    "connection)\n"));
	assert_non_null(strstr(r.out,
	    "over TLS (opportunistic), not authenticated; handshakes 0 "
	    "(resumed 0), queries 0, in plain DNS 3; TLS errors 1, the "
	    "latest: connect: Connection refused\n"));
	assert_non_null(strstr(r.out, "tls 5 s ago"));
	assert_string_equal(r.err, "");
	run_free(&r);
}

static void
test_upstream_command_json_matches_servers_to_routes_by_zone(void **state)
{
	char *argv[] = { "upstream", "--json", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r, upstream_reply);
	assert_int_equal(run_cmd(&r, argv), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.out,
	    "{\"sources\": [{\"name\": \"roostd.conf\", \"origin\": "
	    "\"config\", \"default_route\": true, \"dns_over_tls\": null, "
	    "\"servers\": "
	    "[\"127.0.0.2#53\", \"::1#5353\"], \"domains\": []}, "
	    "{\"name\": \"vpn0\", \"origin\": \"control\", "
	    "\"default_route\": false, \"dns_over_tls\": null, \"servers\": "
	    "[\"10.8.0.1#53\"], "
	    "\"domains\": [\"~corp.example.\", \"~8.10.in-addr.arpa.\"]}], "
	    "\"routes\": [{\"zone\": \".\", \"sources\": [\"roostd.conf\"], "
	    "\"servers\": [{\"address\": \"127.0.0.2#53\", \"down\": false, "
	    "\"srtt_ms\": 12, \"queries\": 100, \"failures\": 1, "
	    "\"timeouts\": 0, \"p50_ms\": 8, \"p90_ms\": 16, \"p99_ms\": 32, "
	    "\"rtt_samples\": 99, \"rtt_sum_ms\": 990, \"last_error\": null, "
	    "\"last_error_age_s\": null, \"transport\": \"udp\"}, "
	    "{\"address\": \"::1#5353\", "
	    "\"down\": true, \"srtt_ms\": 0, \"queries\": 40, \"failures\": "
	    "3, \"timeouts\": 2, \"p50_ms\": 0, \"p90_ms\": 0, \"p99_ms\": 0, "
	    "\"rtt_samples\": 0, \"rtt_sum_ms\": 0, \"last_error\": "
	    "\"timeout\", \"last_error_age_s\": 12, \"transport\": \"udp\"}]}, "
	    "{\"zone\": "
	    "\"corp.example.\", \"sources\": [\"vpn0\"], \"servers\": "
	    "[{\"address\": \"10.8.0.1#53\", \"down\": false, \"srtt_ms\": 4, "
	    "\"queries\": 7, \"failures\": 0, \"timeouts\": 0, \"p50_ms\": 0, "
	    "\"p90_ms\": 0, \"p99_ms\": 0, \"rtt_samples\": 0, "
	    "\"rtt_sum_ms\": 0, \"last_error\": \"refused\", "
	    "\"last_error_age_s\": 300, \"transport\": \"udp\"}]}]}\n");
	run_free(&r);
}

static void
test_upstream_set_command_sends_the_line_and_shows_the_source(void **state)
{
	char *argv[] = { "upstream", "set", "vpn0", "--dns", "10.8.0.1",
		"--domain", "~corp.example", "--domain", "~8.10.in-addr.arpa",
		"--default-route", "no", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r,
	    "ok\nsource vpn0 origin=control default-route=no "
	    "servers=10.8.0.1#53 domains=~corp.example.,~8.10.in-addr.arpa."
	    "\n.\n");
	assert_int_equal(run_cmd(&r, argv), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.req,
	    "upstream set vpn0 servers=10.8.0.1 "
	    "domains=~corp.example,~8.10.in-addr.arpa default-route=no\n");
	assert_string_equal(r.out,
	    "Source vpn0 (origin control)\n"
	    "  Default route: no\n"
	    "        Servers: 10.8.0.1#53\n"
	    "        Domains: ~corp.example. ~8.10.in-addr.arpa.\n");
	run_free(&r);
}

static void
test_upstream_revert_and_route_commands(void **state)
{
	char *revert[] = { "upstream", "revert", "vpn0", NULL };
	char *route[] = { "route", "www.corp.example", "--json", NULL };
	char *route_text[] = { "route", "www.example.com", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r, "ok\n.\n");
	assert_int_equal(run_cmd(&r, revert), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.req, "upstream revert vpn0\n");
	assert_string_equal(r.out, "vpn0 reverted\n");
	run_free(&r);

	run_setup(&r);
	serve(&r,
	    "ok\nroute corp.example. sources=vpn0 servers=10.8.0.1#53\n"
	    "upstream 10.8.0.1#53 zone=corp.example. queries=7 srtt_ms=4 "
	    "down=0 last_error=- last_error_age_s=-\n.\n");
	assert_int_equal(run_cmd(&r, route), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.req, "route www.corp.example\n");
	assert_string_equal(r.out,
	    "{\"name\": \"www.corp.example\", \"answered_here\": null, "
	    "\"zone\": \"corp.example.\", "
	    "\"sources\": [\"vpn0\"], \"servers\": [{\"address\": "
	    "\"10.8.0.1#53\", \"down\": false, \"srtt_ms\": 4, \"queries\": "
	    "7, \"failures\": 0, \"timeouts\": 0, \"p50_ms\": 0, \"p90_ms\": "
	    "0, \"p99_ms\": 0, \"rtt_samples\": 0, \"rtt_sum_ms\": 0, "
	    "\"last_error\": null, \"last_error_age_s\": null, \"transport\": "
	    "\"udp\"}]}\n");
	run_free(&r);

	run_setup(&r);
	serve(&r,
	    "ok\nroute . sources=roostd.conf servers=127.0.0.2#53\n"
	    "upstream 127.0.0.2#53 zone=. queries=1 srtt_ms=2 down=0 "
	    "last_error=- last_error_age_s=-\n.\n");
	assert_int_equal(run_cmd(&r, route_text), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.out,
	    "Route . (default route) for www.example.com\n"
	    "        Sources: roostd.conf\n"
	    "  SERVER        STATE    SRTT  QUERIES FAILURES TIMEOUTS  "
	    "LAST ERROR\n"
	    "  127.0.0.2#53  up       2 ms        1        0        0  "
	    "none\n");
	run_free(&r);

	run_setup(&r);
	serve(&r,
	    "ok\nblocked www.example.com. file=/srv/my\\032lists/ads "
	    "line=7 listed=example.com.\n"
	    "route . sources=roostd.conf servers=-\n.\n");
	assert_int_equal(run_cmd(&r, route_text), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.out,
	    "Blocked: /srv/my lists/ads:7 lists example.com.; roostd answers "
	    "it itself (block-answer)\n"
	    "Route . (default route) for www.example.com\n"
	    "        Sources: roostd.conf\n"
	    "        Servers: none\n");
	run_free(&r);

	run_setup(&r);
	serve(&r,
	    "ok\nlocal www.corp.example.\n"
	    "route . sources=roostd.conf servers=-\n.\n");
	assert_int_equal(run_cmd(&r, route), CLIENT_EXIT_ANSWER);
	assert_string_equal(r.out,
	    "{\"name\": \"www.corp.example\", \"answered_here\": {\"by\": "
	    "\"local\"}, \"zone\": \".\", \"sources\": [\"roostd.conf\"], "
	    "\"servers\": []}\n");
	run_free(&r);
}

static void
test_upstream_commands_fail_on_errors_and_bad_replies(void **state)
{
	char *revert[] = { "upstream", "revert", "vpn9", NULL };
	char *show[] = { "upstream", NULL };
	struct run r;

	(void)state;
	run_setup(&r);
	serve(&r, "error no run-time source vpn9\n");
	assert_int_equal(run_cmd(&r, revert), CLIENT_EXIT_FAIL);
	assert_non_null(strstr(r.err, "no run-time source vpn9"));
	assert_string_equal(r.out, "");
	run_free(&r);

	run_setup(&r);
	serve(&r, "ok\nupstream 1.1.1.1#53 queries=x\n.\n");
	assert_int_equal(run_cmd(&r, show), CLIENT_EXIT_FAIL);
	assert_non_null(strstr(r.err, "bad line from roostd"));
	assert_string_equal(r.out, "");
	run_free(&r);

	run_setup(&r); /* nobody listens */
	assert_int_equal(run_cmd(&r, show), CLIENT_EXIT_FAIL);
	assert_non_null(strstr(r.err, "cannot reach roostd"));
	run_free(&r);
}

static void
test_upstream_commands_refuse_bad_command_lines(void **state)
{
	static char *bad[][8] = {
		{ "upstream", "set", "vpn0", NULL },
		{ "upstream", "set", "vpn0", "--default-route", "maybe", NULL },
		{ "upstream", "set", "vpn0", "--dns", "1.1.1.1,8.8.8.8", NULL },
		{ "upstream", "set", "vpn0", "--json", "--dns", "1.1.1.1",
		    NULL },
		{ "upstream", "set", NULL },
		{ "upstream", "revert", "vpn0", "--dns", "1.1.1.1", NULL },
		{ "upstream", "revert", NULL },
		{ "upstream", "bogus", NULL },
		{ "upstream", "--dns", "1.1.1.1", NULL },
		{ "route", NULL },
		{ "route", "a", "b", NULL },
		{ "route", "a b", NULL },
		{ "upstream", "--nope", NULL },
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_setup(&r);
		if (run_cmd(&r, bad[i]) != CLIENT_EXIT_USAGE)
			fail_msg("case %zu: not a usage error", i);
		assert_true(r.err[0] != '\0');
		assert_null(r.req); /* nothing was sent */
		run_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_upstream_set_request_joins_repeated_options_with_commas),
		cmocka_unit_test(
		    test_upstream_set_request_sends_only_the_fields_given),
		cmocka_unit_test(
		    test_upstream_set_request_empty_value_clears_the_list),
		cmocka_unit_test(
		    test_upstream_set_request_takes_yes_no_auto_for_default_route),
		cmocka_unit_test(test_upstream_set_request_takes_dns_over_tls),
		cmocka_unit_test(
		    test_upstream_set_request_refuses_a_line_past_the_limit),
		cmocka_unit_test(
		    test_upstream_set_request_refuses_blanks_and_commas_in_values),
		cmocka_unit_test(
		    test_upstream_set_request_needs_a_source_and_an_option),
		cmocka_unit_test(
		    test_upstream_parse_source_line_with_dash_lists_and_route_only_domains),
		cmocka_unit_test(test_upstream_parse_route_line),
		cmocka_unit_test(test_upstream_parse_blocked_and_local_lines),
		cmocka_unit_test(
		    test_upstream_parse_upstream_line_last_error_dash_and_value),
		cmocka_unit_test(
		    test_upstream_parse_ignores_unknown_keys_and_line_kinds),
		cmocka_unit_test(test_upstream_parse_reads_a_networkd_source),
		cmocka_unit_test(test_upstream_parse_refuses_malformed_words),
		cmocka_unit_test(
		    test_upstream_command_shows_sources_then_routes_with_servers),
		cmocka_unit_test(test_upstream_command_shows_each_servers_tls),
		cmocka_unit_test(
		    test_upstream_command_json_matches_servers_to_routes_by_zone),
		cmocka_unit_test(
		    test_upstream_set_command_sends_the_line_and_shows_the_source),
		cmocka_unit_test(test_upstream_revert_and_route_commands),
		cmocka_unit_test(
		    test_upstream_commands_fail_on_errors_and_bad_replies),
		cmocka_unit_test(
		    test_upstream_commands_refuse_bad_command_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
