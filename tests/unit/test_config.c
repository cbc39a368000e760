/*
 * tests/unit/test_config.c - unit tests of the config module against the
 * contract in src/daemon/config.h.
 *
 * Files come from tests/unit/config (found through $top_srcdir, as make
 * check sets it; "." otherwise): good.*.conf must load and finish,
 * bad.*.conf must fail with the message on their "# expect:" first line,
 * and resolv.*.conf stand in for /etc/resolv.conf.  Every good and bad
 * fixture is checked by globbing, so a new one is tested when added.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cmocka.h>

#include "config.h"

#define ERRLEN 2048

/* --- helpers -------------------------------------------------------- */

static const char *
fixture_dir(void)
{
	static char dir[1024];
	const char *top = getenv("top_srcdir");

	snprintf(dir, sizeof(dir), "%s/tests/unit/config",
	    top != NULL ? top : ".");
	return dir;
}

/* The path of a fixture; valid until the next call. */
static const char *
fixture(const char *name)
{
	static char path[1200];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
	return path;
}

static void
set_ok(struct config *c, const char *key, const char *value)
{
	char err[ERRLEN] = "";

	if (config_set(c, key, value, err, sizeof(err)) != 0)
		fail_msg("%s = \"%s\": %s", key, value, err);
}

/* config_set fails with exactly want, and leaves c as it was. */
static void
set_fails(struct config *c, const char *key, const char *value,
    const char *want)
{
	char err[ERRLEN] = "";
	struct config before = *c;

	assert_int_equal(config_set(c, key, value, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_memory_equal(c, &before, sizeof(before));
}

static void
load_ok(struct config *c, const char *name)
{
	char err[ERRLEN] = "";

	if (config_load_file(c, fixture(name), false, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* Loading fixture name fails with "DIR/name:" followed by want. */
static void
load_fails(const char *name, const char *want)
{
	struct config c;
	char err[ERRLEN] = "", full[ERRLEN];

	config_defaults(&c);
	assert_int_equal(
	    config_load_file(&c, fixture(name), false, err, sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s:%s", fixture(name), want);
	assert_string_equal(err, full);
}

static void
finish_ok(struct config *c)
{
	char err[ERRLEN] = "";

	if (config_finish(c, err, sizeof(err)) != 0)
		fail_msg("config_finish: %s", err);
}

static void
assert_addr(const struct addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_string_equal(addr_str(a, buf, sizeof(buf)), want);
}

static struct sockaddr_in
v4(const char *text)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	assert_int_equal(inet_pton(AF_INET, text, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6
v6(const char *text)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	assert_int_equal(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
	return sin6;
}

static bool
allowed4(const struct config *c, const char *text)
{
	struct sockaddr_in sin = v4(text);

	return acl_allowed(c, (const struct sockaddr *)&sin);
}

static bool
allowed6(const struct config *c, const char *text)
{
	struct sockaddr_in6 sin6 = v6(text);

	return acl_allowed(c, (const struct sockaddr *)&sin6);
}

/* A config with only a listen list, ready for config_finish(). */
static void
config_with_resolv(struct config *c, const char *resolv)
{
	config_defaults(c);
	set_ok(c, "resolv-conf", fixture(resolv));
}

/* --- defaults ----------------------------------------------------- */

static void
test_defaults_set_every_value_and_empty_lists(void **state)
{
	struct config c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.path, "");
	assert_int_equal(c.nlisten, 0);
	assert_int_equal(c.nupstream, 0);
	assert_int_equal(c.nallow, 0);
	assert_true(c.query_deadline_ms > c.upstream_timeout_ms);
	assert_string_equal(c.cache_file, "");
	assert_int_equal(c.log_level, CONFIG_LOG_INFO);
	/* each value is its key's .def, as config_set() would read it */
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_option *o = &config_options[i];
		struct config d = c;

		if (config_option_is_list(o) || o->def[0] == '\0')
			continue;
		set_ok(&d, o->name, o->def);
		d.control_socket_set = false;
		if (memcmp(&d, &c, sizeof(c)) != 0)
			fail_msg("%s: the default differs from \"%s\"", o->name,
			    o->def);
	}
	assert_false(c.control_socket_set);
}

static void
test_cache_file_defaults_to_the_state_directory(void **state)
{
	struct config c;
	char buf[CONFIG_PATH_MAX + 16];

	(void)state;
	config_defaults(&c);
	/* not under systemd: no cache file unless configured */
	assert_null(config_cache_file(&c, NULL, buf, sizeof(buf)));
	assert_null(config_cache_file(&c, "", buf, sizeof(buf)));
	assert_string_equal(
	    config_cache_file(&c, "/var/lib/roost", buf, sizeof(buf)),
	    "/var/lib/roost/cache");
	/* $STATE_DIRECTORY lists several: the first */
	assert_string_equal(config_cache_file(&c, "/var/lib/roost:/var/lib/x",
				buf, sizeof(buf)),
	    "/var/lib/roost/cache");
	assert_null(config_cache_file(&c, "/var/lib/roost", buf, 10));
	set_ok(&c, "cache-file", "/srv/roost.cache");
	assert_string_equal(
	    config_cache_file(&c, "/var/lib/roost", buf, sizeof(buf)),
	    "/srv/roost.cache");
	assert_string_equal(config_cache_file(&c, NULL, buf, sizeof(buf)),
	    "/srv/roost.cache");
	set_ok(&c, "cache-file", "none");
	assert_null(config_cache_file(&c, "/var/lib/roost", buf, sizeof(buf)));
	set_ok(&c, "cache-save-interval", "0");
	assert_int_equal(c.cache_save_interval_s, 0);
	set_ok(&c, "cache-save-interval", "86400");
	assert_int_equal(c.cache_save_interval_s, 86400);
}

/* --- addresses ---------------------------------------------------- */

static void
test_parse_addr_accepts_every_form(void **state)
{
	static const struct {
		const char *text, *want;
		int family;
	} t[] = {
		{ "127.0.0.1", "127.0.0.1#53", AF_INET },
		{ "127.0.0.1#5353", "127.0.0.1#5353", AF_INET },
		{ "::1", "::1#53", AF_INET6 },
		{ "::1#5353", "::1#5353", AF_INET6 },
		{ "[::1]:5353", "::1#5353", AF_INET6 },
		{ "[::1]", "::1#53", AF_INET6 },
		{ "[192.0.2.1]:54", "192.0.2.1#54", AF_INET },
		{ "2001:db8::1#1", "2001:db8::1#1", AF_INET6 },
		{ "192.0.2.1#65535", "192.0.2.1#65535", AF_INET },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1#53", AF_INET6 },
	};
	struct addr a;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (addr_parse(t[i].text, 53, &a, err, sizeof(err)) != 0)
			fail_msg("%s: %s", t[i].text, err);
		assert_int_equal(a.ss.ss_family, t[i].family);
		assert_int_equal(a.len,
		    t[i].family == AF_INET ? sizeof(struct sockaddr_in)
					   : sizeof(struct sockaddr_in6));
		assert_addr(&a, t[i].want);
	}
}

static void
test_parse_addr_uses_the_default_port(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", 5300, &a, NULL, 0), 0);
	assert_addr(&a, "192.0.2.1#5300");
	assert_int_equal(addr_parse("[::1]", 5300, &a, NULL, 0), 0);
	assert_addr(&a, "::1#5300");
}

static void
test_parse_addr_rejects_bad_addresses_with_reason(void **state)
{
	static const struct {
		const char *text, *why;
	} t[] = {
		{ "300.1.1.1", "not a numeric IPv4 or IPv6 address" },
		{ "1.2.3.4#0", "port must be 1..65535" },
		{ "1.2.3.4#70000", "port must be 1..65535" },
		{ "1.2.3.4#", "port must be 1..65535" },
		{ "1.2.3.4#53x", "port must be 1..65535" },
		{ "1.2.3.4#-53", "port must be 1..65535" },
		{ "host.name", "not a numeric IPv4 or IPv6 address" },
		{ "localhost", "not a numeric IPv4 or IPv6 address" },
		{ "", "empty" },
		{ "127.1", "not a numeric IPv4 or IPv6 address" },
		{ "0x7f.0.0.1", "not a numeric IPv4 or IPv6 address" },
		{ " 127.0.0.1", "not a numeric IPv4 or IPv6 address" },
		{ "127.0.0.1 ", "not a numeric IPv4 or IPv6 address" },
		{ "1.2.3.4:53",
		    "not a numeric IPv4 or IPv6 address (write a port as "
		    "ADDR#PORT or [ADDR]:PORT)" },
		{ "[::1", "missing \"]\"" },
		{ "[::1]53", "expected \":PORT\" after \"]\"" },
		{ "[::1]#53", "expected \":PORT\" after \"]\"" },
		{ "[::1]:", "port must be 1..65535" },
		{ "[::1]:0", "port must be 1..65535" },
		{ "::1::2", "not a numeric IPv4 or IPv6 address" },
		{ "127.0.0.1%lo", "a %scope is for IPv6 addresses only" },
		{ "fe80::1%", "empty %scope" },
		{ "fe80::1%nosuchif0", "unknown interface after \"%\"" },
		{ "fe80::1%0", "bad %scope (an interface name or index)" },
		{ "fe80::1%99999999999",
		    "bad %scope (an interface name or index)" },
	};
	struct addr a;
	char err[ERRLEN], want[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(
		    addr_parse(t[i].text, 53, &a, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "bad address \"%s\": %s",
		    t[i].text, t[i].why);
		assert_string_equal(err, want);
	}
}

static void
test_parse_addr_takes_an_ipv6_scope_by_name_or_index(void **state)
{
	struct addr a, b;
	unsigned lo = if_nametoindex("lo");
	char want[ADDR_STRLEN], err[ERRLEN];

	(void)state;
	if (lo == 0)
		skip();
	if (addr_parse("fe80::1%lo", 53, &a, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(want, sizeof(want), "fe80::1%%%u#53", lo);
	assert_addr(&a, want);
	/* what addr_str() writes reads back the same */
	if (addr_parse(want, 1, &b, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(
	    addr_parse("[fe80::1%1]:5353", 53, &b, err, sizeof(err)), 0);
	assert_addr(&b, "fe80::1%1#5353");
}

static void
test_addr_str_truncates_and_terminates(void **state)
{
	static const char longest[] =
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535";
	struct addr a;
	char buf[8], big[ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("192.0.2.123#5353", 53, &a, NULL, 0), 0);
	memset(buf, 'x', sizeof(buf));
	addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2");
	assert_ptr_equal(addr_str(&a, buf, 0), buf);
	/* the longest text inet_ntop() writes, the largest scope and port */
	assert_int_equal(addr_parse(longest, 53, &a, NULL, 0), 0);
	addr_str(&a, big, sizeof(big));
	assert_string_equal(big,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295#65535");
}

/* --- config_set: each key ------------------------------------------ */

static void
test_set_listen_and_upstream_append_in_order(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "listen", "127.0.0.1");
	set_ok(&c, "listen", "127.0.0.1#5353");
	set_ok(&c, "listen", "::1");
	set_ok(&c, "listen", "::1#5353");
	set_ok(&c, "listen", "[::1]:5354");
	set_ok(&c, "listen", "0.0.0.0#5300");
	assert_int_equal(c.nlisten, 6);
	assert_addr(&c.listen[0], "127.0.0.1#53");
	assert_addr(&c.listen[1], "127.0.0.1#5353");
	assert_addr(&c.listen[2], "::1#53");
	assert_addr(&c.listen[3], "::1#5353");
	assert_addr(&c.listen[4], "::1#5354");
	assert_addr(&c.listen[5], "0.0.0.0#5300");
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "upstream", "[2001:db8::1]:5353");
	assert_int_equal(c.nupstream, 2);
	assert_addr(&c.upstream[0].addr, "192.0.2.1#53");
	assert_addr(&c.upstream[1].addr, "2001:db8::1#5353");
}

static void
test_set_listen_and_upstream_reject_bad_addresses(void **state)
{
	static const char *const keys[] = { "listen", "upstream" };
	static const struct {
		const char *value, *why;
	} t[] = {
		{ "300.1.1.1", "not a numeric IPv4 or IPv6 address" },
		{ "1.2.3.4#0", "port must be 1..65535" },
		{ "1.2.3.4#70000", "port must be 1..65535" },
		{ "host.name", "not a numeric IPv4 or IPv6 address" },
	};
	struct config c;
	char want[ERRLEN];

	(void)state;
	config_defaults(&c);
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			snprintf(want, sizeof(want),
			    "%s: bad address \"%s\": %s", keys[k], t[i].value,
			    t[i].why);
			set_fails(&c, keys[k], t[i].value, want);
		}
		snprintf(want, sizeof(want), "%s: empty value", keys[k]);
		set_fails(&c, keys[k], "", want);
	}
}

static void
test_set_upstream_rejects_unspecified_address(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_fails(&c, "upstream", "0.0.0.0",
	    "upstream: bad address \"0.0.0.0\": not a server's address");
	set_fails(&c, "upstream", "[::]:53",
	    "upstream: bad address \"[::]:53\": not a server's address");
}

static void
test_set_forward_zone(void **state)
{
	static const uint8_t corp[] = "\4corp\7example";
	struct config c;
	char line[64];

	(void)state;
	config_defaults(&c);
	set_ok(&c, "forward-zone", "Corp.Example. 10.8.0.1 10.8.0.2#5353");
	set_ok(&c, "forward-zone",
	    "\t8.10.in-addr.arpa   [2001:db8::53]:5300 ");
	assert_int_equal(c.nzone, 2);
	/* lower case, the wire form with its root label */
	assert_int_equal(c.zone[0].name_len, sizeof(corp));
	assert_memory_equal(c.zone[0].name, corp, sizeof(corp));
	assert_int_equal(c.zone[0].nserver, 2);
	assert_addr(&c.zone[0].server[0].addr, "10.8.0.1#53");
	assert_addr(&c.zone[0].server[1].addr, "10.8.0.2#5353");
	assert_int_equal(c.zone[1].nserver, 1);
	assert_addr(&c.zone[1].server[0].addr, "2001:db8::53#5300");
	/* errors name the key and the zone, and change nothing */
	set_fails(&c, "forward-zone", "new.example",
	    "forward-zone: new.example: no server (expected DOMAIN "
	    "ADDR[#PORT]...)");
	set_fails(&c, "forward-zone", "CORP.example 10.9.0.1",
	    "forward-zone: CORP.example: already forwarded");
	set_fails(&c, "forward-zone", ". 10.9.0.1",
	    "forward-zone: \".\" is every name: set its servers with "
	    "upstream");
	set_fails(&c, "forward-zone", "a..b 10.9.0.1",
	    "forward-zone: bad value \"a..b 10.9.0.1\": expected DOMAIN "
	    "ADDR[#PORT]...");
	set_fails(&c, "forward-zone", "x.example 0.0.0.0",
	    "forward-zone: x.example: bad address \"0.0.0.0\": not a "
	    "server's address");
	set_fails(&c, "forward-zone", "x.example 10.9.0.1 10.9.0.1#53",
	    "forward-zone: x.example: \"10.9.0.1#53\" is 10.9.0.1#53, "
	    "already listed");
	set_fails(&c, "forward-zone",
	    "x.example 10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.4 10.9.0.5 "
	    "10.9.0.6 10.9.0.7 10.9.0.8 10.9.0.9",
	    "forward-zone: x.example: cannot add \"10.9.0.9\": at most 8 "
	    "servers");
	/* at most CONFIG_MAX_ZONES zones */
	for (size_t i = c.nzone; i < CONFIG_MAX_ZONES; i++) {
		snprintf(line, sizeof(line), "z%zu.example 10.9.0.1", i);
		set_ok(&c, "forward-zone", line);
	}
	set_fails(&c, "forward-zone", "one-more.example 10.9.0.1",
	    "forward-zone: cannot add one-more.example: at most 32 zones");
	assert_int_equal(config_clear_list(&c, "forward-zone"), 0);
	assert_int_equal(c.nzone, 0);
}

static void
test_finish_rejects_a_forward_zone_to_ourselves(void **state)
{
	struct config c;
	char err[ERRLEN] = "";

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "forward-zone", "corp.example 10.8.0.1 127.0.0.1");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "forward-zone corp.example.: 127.0.0.1#53 is roostd's own listen "
	    "address: forwarding to it would loop");
}

static void
test_set_rejects_an_address_listed_twice(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "listen", "127.0.0.1");
	set_fails(&c, "listen", "127.0.0.1#53",
	    "listen: \"127.0.0.1#53\" is 127.0.0.1#53, already listed");
	set_ok(&c, "listen", "127.0.0.1#54"); /* another port is another */
	set_ok(&c, "upstream", "::1#5353");
	set_fails(&c, "upstream", "[::1]:5353",
	    "upstream: \"[::1]:5353\" is ::1#5353, already listed");
	/* an address may be both: config_finish() judges that */
	set_ok(&c, "upstream", "127.0.0.1#54");
}

static const struct {
	const char *key;
	unsigned min, max;
	const char *unit;
	size_t off;
} number_keys[] = {
	{ "upstream-timeout", 1, 60000, "milliseconds",
	    offsetof(struct config, upstream_timeout_ms) },
	{ "query-deadline", 100, 60000, "milliseconds",
	    offsetof(struct config, query_deadline_ms) },
	{ "tcp-idle-timeout", 1, 3600, "seconds",
	    offsetof(struct config, tcp_idle_timeout_s) },
	{ "tcp-max-connections", 1, 65536, "connections",
	    offsetof(struct config, tcp_max_connections) },
};

static unsigned
number_field(const struct config *c, size_t i)
{
	unsigned v;

	memcpy(&v, (const char *)c + number_keys[i].off, sizeof(v));
	return v;
}

static void
test_set_numbers_accept_their_whole_range(void **state)
{
	struct config c;
	char text[32];

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(number_keys) / sizeof(number_keys[0]);
	     i++) {
		unsigned vals[] = { number_keys[i].min, number_keys[i].max,
			(number_keys[i].min + number_keys[i].max) / 2 };

		for (size_t j = 0; j < 3; j++) {
			snprintf(text, sizeof(text), "%u", vals[j]);
			set_ok(&c, number_keys[i].key, text);
			assert_int_equal(number_field(&c, i), vals[j]);
		}
		set_ok(&c, number_keys[i].key, "0000150"); /* leading zeros */
		assert_int_equal(number_field(&c, i), 150);
	}
}

static void
test_set_numbers_reject_range_sign_junk_and_overflow(void **state)
{
	static const char *const junk[] = { "-1", "+5", " 5", "5 ", "5s",
		"0x10", "5.0", "1e3", "five", "99999999999999999999",
		"4294967297", "18446744073709551617" };
	struct config c;
	char text[32], want[ERRLEN];

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(number_keys) / sizeof(number_keys[0]);
	     i++) {
		const char *key = number_keys[i].key;
		unsigned outside[] = { number_keys[i].min - 1,
			number_keys[i].max + 1 };

		for (size_t j = 0; j < 2 + sizeof(junk) / sizeof(junk[0]);
		     j++) {
			if (j < 2)
				snprintf(text, sizeof(text), "%u", outside[j]);
			else
				snprintf(text, sizeof(text), "%s", junk[j - 2]);
			snprintf(want, sizeof(want),
			    "%s: bad value \"%s\": expected %u..%u (%s)", key,
			    text, number_keys[i].min, number_keys[i].max,
			    number_keys[i].unit);
			set_fails(&c, key, text, want);
		}
		snprintf(want, sizeof(want), "%s: empty value", key);
		set_fails(&c, key, "", want);
	}
}

static void
test_set_log_level_takes_each_name_only(void **state)
{
	static const struct {
		const char *name;
		enum config_log_level level;
	} t[] = {
		{ "error", CONFIG_LOG_ERR },
		{ "warn", CONFIG_LOG_WARN },
		{ "info", CONFIG_LOG_INFO },
		{ "debug", CONFIG_LOG_DEBUG },
	};
	static const char *const bad[] = { "verbose", "DEBUG", "warning", "err",
		"3", "info " };
	struct config c;
	char want[ERRLEN];

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_ok(&c, "log-level", t[i].name);
		assert_int_equal(c.log_level, t[i].level);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "log-level: bad value \"%s\": %s",
		    bad[i], "expected error, warn, info or debug");
		set_fails(&c, "log-level", bad[i], want);
	}
	set_fails(&c, "log-level", "", "log-level: empty value");
}

static void
test_set_resolv_conf_takes_a_path_that_fits(void **state)
{
	struct config c;
	char path[CONFIG_PATH_MAX + 1], want[ERRLEN];

	(void)state;
	config_defaults(&c);
	set_ok(&c, "resolv-conf", "/run/systemd/resolve/resolv.conf");
	assert_string_equal(c.resolv_conf, "/run/systemd/resolve/resolv.conf");
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[CONFIG_PATH_MAX - 1] = '\0'; /* CONFIG_PATH_MAX - 1: fits */
	set_ok(&c, "resolv-conf", path);
	assert_string_equal(c.resolv_conf, path);
	path[CONFIG_PATH_MAX - 1] = 'a';
	path[CONFIG_PATH_MAX] = '\0'; /* one more does not */
	snprintf(want, sizeof(want),
	    "resolv-conf: bad value \"%s\": longer than %d characters", path,
	    CONFIG_PATH_MAX - 1);
	set_fails(&c, "resolv-conf", path, want);
	set_fails(&c, "resolv-conf", "", "resolv-conf: empty value");
}

static void
test_set_rejects_unknown_keys(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_fails(&c, "frobnicate", "yes", "unknown option \"frobnicate\"");
	set_fails(&c, "Listen", "127.0.0.1", "unknown option \"Listen\"");
	set_fails(&c, "--listen", "127.0.0.1", "unknown option \"--listen\"");
	set_fails(&c, "", "x", "unknown option \"\"");
}

static void
test_set_tolerates_a_null_or_empty_err_buffer(void **state)
{
	struct config c;
	char err[1] = { 'x' };

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "listen", "nope", NULL, 0), -1);
	assert_int_equal(config_set(&c, "listen", "nope", err, 0), -1);
	assert_int_equal(err[0], 'x');
	assert_int_equal(config_set(&c, "listen", "nope", err, 1), -1);
	assert_int_equal(err[0], '\0');
}

/* --- subnets -------------------------------------------------------- */

static void
test_allow_takes_subnets_and_bare_addresses(void **state)
{
	static const struct {
		const char *text;
		int family;
		unsigned prefix;
		uint8_t addr[16];
	} t[] = {
		{ "10.0.0.0/8", AF_INET, 8, { 10 } },
		{ "2001:db8::/32", AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },
		{ "192.0.2.7", AF_INET, 32, { 192, 0, 2, 7 } },
		{ "::1", AF_INET6, 128, { [15] = 1 } },
		{ "0.0.0.0/0", AF_INET, 0, { 0 } },
		{ "::/0", AF_INET6, 0, { 0 } },
		{ "192.0.2.128/25", AF_INET, 25, { 192, 0, 2, 128 } },
		{ "192.0.2.7/32", AF_INET, 32, { 192, 0, 2, 7 } },
		{ "fe80::/10", AF_INET6, 10, { 0xfe, 0x80 } },
	};
	struct config c;

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_ok(&c, "allow", t[i].text);
		assert_int_equal(c.nallow, i + 1);
		assert_int_equal(c.allow[i].family, t[i].family);
		assert_int_equal(c.allow[i].prefix, t[i].prefix);
		assert_memory_equal(c.allow[i].addr, t[i].addr,
		    t[i].family == AF_INET ? 4 : 16);
	}
}

static void
test_allow_rejects_host_bits_and_suggests_the_network(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_fails(&c, "allow", "10.0.0.1/8",
	    "allow: bad subnet \"10.0.0.1/8\": host bits set (did you mean "
	    "10.0.0.0/8?)");
	set_fails(&c, "allow", "192.0.2.129/25",
	    "allow: bad subnet \"192.0.2.129/25\": host bits set (did you "
	    "mean 192.0.2.128/25?)");
	set_fails(&c, "allow", "2001:db8::1/32",
	    "allow: bad subnet \"2001:db8::1/32\": host bits set (did you "
	    "mean 2001:db8::/32?)");
	set_fails(&c, "allow", "fec0::/9",
	    "allow: bad subnet \"fec0::/9\": host bits set (did you mean "
	    "fe80::/9?)");
}

static void
test_allow_rejects_bad_prefixes_and_addresses(void **state)
{
	static const struct {
		const char *text, *why;
	} t[] = {
		{ "10.0.0.0/33", "prefix length must be 0..32" },
		{ "2001:db8::/129", "prefix length must be 0..128" },
		{ "10.0.0.0/", "prefix length must be 0..32" },
		{ "10.0.0.0/-1", "prefix length must be 0..32" },
		{ "10.0.0.0/8x", "prefix length must be 0..32" },
		{ "10.0.0.0/ 8", "prefix length must be 0..32" },
		{ "10.0.0.0/99999999999999999999",
		    "prefix length must be 0..32" },
		{ "10.0.0.0/8/8", "prefix length must be 0..32" },
		{ "10/8", "not a numeric IPv4 or IPv6 address" },
		{ "localhost", "not a numeric IPv4 or IPv6 address" },
		{ "/8", "not a numeric IPv4 or IPv6 address" },
		{ "fe80::1%lo", "not a numeric IPv4 or IPv6 address" },
		{ "127.0.0.1#53", "not a numeric IPv4 or IPv6 address" },
	};
	struct config c;
	char want[ERRLEN];

	(void)state;
	config_defaults(&c);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(want, sizeof(want), "allow: bad subnet \"%s\": %s",
		    t[i].text, t[i].why);
		set_fails(&c, "allow", t[i].text, want);
	}
	set_fails(&c, "allow", "", "allow: empty value");
}

static void
test_allowed_matches_v4_and_v6_subnets(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "allow", "10.0.0.0/8");
	set_ok(&c, "allow", "192.0.2.128/25");
	set_ok(&c, "allow", "2001:db8::/32");
	set_ok(&c, "allow", "fe80::/10");
	assert_true(allowed4(&c, "10.0.0.0"));
	assert_true(allowed4(&c, "10.255.255.255"));
	assert_false(allowed4(&c, "11.0.0.0"));
	assert_false(allowed4(&c, "9.255.255.255"));
	assert_true(allowed4(&c, "192.0.2.128"));
	assert_true(allowed4(&c, "192.0.2.255"));
	assert_false(allowed4(&c, "192.0.2.127"));
	assert_true(allowed6(&c, "2001:db8::1"));
	assert_true(allowed6(&c, "2001:db8:ffff:ffff::1"));
	assert_false(allowed6(&c, "2001:db9::1"));
	assert_true(allowed6(&c, "febf::1"));
	assert_false(allowed6(&c, "fec0::1"));
	assert_false(allowed6(&c, "::1"));
	assert_false(allowed4(&c, "127.0.0.1"));
}

static void
test_allowed_matches_v4_mapped_sources_against_v4_subnets(void **state)
{
	struct config c;
	char err[ERRLEN];

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	/* the default allow list: 127.0.0.0/8 and ::1/128 */
	assert_true(allowed6(&c, "::ffff:127.0.0.1"));
	assert_true(allowed6(&c, "::ffff:127.255.0.9"));
	assert_false(allowed6(&c, "::ffff:128.0.0.1"));
	assert_false(allowed6(&c, "::ffff:10.0.0.1"));
	/* not mapped: ::127.0.0.1 (compatible) and 64:ff9b::7f00:1 (NAT64) */
	assert_false(allowed6(&c, "::127.0.0.1"));
	assert_false(allowed6(&c, "64:ff9b::7f00:1"));
	/* a mapped source still matches the v6 subnets it is in */
	config_clear_list(&c, "allow");
	set_ok(&c, "allow", "::ffff:0:0/96");
	assert_true(allowed6(&c, "::ffff:10.0.0.1"));
	assert_false(allowed4(&c, "10.0.0.1"));
}

static void
test_allowed_by_default_only_loopback(void **state)
{
	struct config c;
	struct sockaddr_un sun;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	finish_ok(&c);
	assert_true(allowed4(&c, "127.0.0.1"));
	assert_true(allowed4(&c, "127.0.0.9"));
	assert_true(allowed6(&c, "::1"));
	assert_false(allowed4(&c, "192.0.2.1"));
	assert_false(allowed4(&c, "0.0.0.0"));
	assert_false(allowed6(&c, "::2"));
	assert_false(allowed6(&c, "::"));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_false(acl_allowed(&c, (const struct sockaddr *)&sun));
}

static void
test_allowed_with_empty_allow_list_refuses_all(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_false(allowed4(&c, "127.0.0.1"));
	assert_false(allowed6(&c, "::1"));
}

/* --- lists: limits and clearing ------------------------------------ */

static void
test_lists_reject_one_entry_past_their_limit(void **state)
{
	struct config c;
	char text[64], want[ERRLEN];

	(void)state;
	config_defaults(&c);
	for (unsigned i = 1; i <= CONFIG_MAX_LISTEN; i++) {
		snprintf(text, sizeof(text), "127.0.0.%u#5353", i);
		set_ok(&c, "listen", text);
	}
	snprintf(want, sizeof(want),
	    "listen: cannot add \"127.0.0.99\": at most %d listen addresses",
	    CONFIG_MAX_LISTEN);
	set_fails(&c, "listen", "127.0.0.99", want);
	assert_int_equal(c.nlisten, CONFIG_MAX_LISTEN);

	for (unsigned i = 1; i <= CONFIG_MAX_UPSTREAM; i++) {
		snprintf(text, sizeof(text), "192.0.2.%u", i);
		set_ok(&c, "upstream", text);
	}
	snprintf(want, sizeof(want),
	    "upstream: cannot add \"192.0.2.99\": at most %d upstreams",
	    CONFIG_MAX_UPSTREAM);
	set_fails(&c, "upstream", "192.0.2.99", want);
	assert_int_equal(c.nupstream, CONFIG_MAX_UPSTREAM);

	for (unsigned i = 0; i < CONFIG_MAX_ALLOW; i++) {
		snprintf(text, sizeof(text), "10.%u.0.0/16", i);
		set_ok(&c, "allow", text);
	}
	snprintf(want, sizeof(want),
	    "allow: cannot add \"10.200.0.0/16\": at most %d subnets",
	    CONFIG_MAX_ALLOW);
	set_fails(&c, "allow", "10.200.0.0/16", want);
	assert_int_equal(c.nallow, CONFIG_MAX_ALLOW);
}

static void
test_clear_list_empties_only_the_named_list(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "listen", "127.0.0.1");
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "allow", "10.0.0.0/8");
	assert_int_equal(config_clear_list(&c, "upstream"), 0);
	assert_int_equal(c.nupstream, 0);
	assert_int_equal(c.nlisten, 1);
	assert_int_equal(c.nallow, 1);
	/* the list refills from empty: no duplicate of the old entry */
	set_ok(&c, "upstream", "192.0.2.1");
	assert_int_equal(c.nupstream, 1);
	assert_int_equal(config_clear_list(&c, "listen"), 0);
	assert_int_equal(c.nlisten, 0);
	assert_int_equal(config_clear_list(&c, "allow"), 0);
	assert_int_equal(c.nallow, 0);
	assert_int_equal(config_clear_list(&c, "allow"), 0); /* idempotent */
}

static void
test_clear_list_rejects_a_key_that_is_not_a_list(void **state)
{
	struct config c, before;

	(void)state;
	config_defaults(&c);
	before = c;
	assert_int_equal(config_clear_list(&c, "log-level"), -1);
	assert_int_equal(config_clear_list(&c, "frobnicate"), -1);
	assert_int_equal(config_clear_list(&c, ""), -1);
	assert_memory_equal(&c, &before, sizeof(c));
}

/* --- config_load_file ---------------------------------------------- */

static void
test_load_reads_every_key(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	load_ok(&c, "good.every-key.conf");
	assert_string_equal(c.path, fixture("good.every-key.conf"));
	assert_int_equal(c.nlisten, 4);
	assert_addr(&c.listen[0], "127.0.0.1#5353");
	assert_addr(&c.listen[1], "::1#5353");
	assert_addr(&c.listen[2], "::1#5354");
	assert_addr(&c.listen[3], "127.0.0.2#53");
	assert_int_equal(c.nupstream, 2);
	assert_addr(&c.upstream[0].addr, "192.0.2.1#53");
	assert_addr(&c.upstream[1].addr, "2001:db8::53#5300");
	assert_int_equal(c.nallow, 3);
	assert_int_equal(c.allow[0].prefix, 8);
	assert_int_equal(c.allow[1].prefix, 32);
	assert_int_equal(c.allow[2].prefix, 32);
	assert_string_equal(c.resolv_conf, "/nonexistent/resolv.conf");
	assert_int_equal(c.upstream_timeout_ms, 250);
	assert_int_equal(c.query_deadline_ms, 3000);
	assert_int_equal(c.tcp_idle_timeout_s, 30);
	assert_int_equal(c.tcp_max_connections, 1024);
	assert_int_equal(c.log_level, CONFIG_LOG_DEBUG);
	assert_int_equal(c.cache_size, 1048576);
	assert_int_equal(c.min_ttl, 5);
	assert_int_equal(c.max_ttl, 3600);
	assert_int_equal(c.max_negative_ttl, 600);
	assert_int_equal(c.servfail_ttl, 0);
	assert_false(c.prefetch);
	assert_false(c.minimal_responses);
	assert_false(c.serve_stale);
	assert_int_equal(c.stale_limit, 3600);
	assert_string_equal(c.user, "nobody");
	assert_string_equal(c.cache_file, "/var/lib/roost-test/cache");
	assert_int_equal(c.cache_save_interval_s, 60);
	assert_string_equal(c.control_socket, "/tmp/roost-test/control");
	assert_true(c.control_socket_set);
	assert_int_equal(c.dnssec, CONFIG_DNSSEC_PERMISSIVE);
	assert_string_equal(c.trust_anchor_file, "/usr/share/dns/root.key");
	assert_int_equal(c.ninsecure, 2);
	assert_int_equal(c.insecure[1].name_len, 13);
	assert_memory_equal(c.insecure[1].name, "\003lab\007example", 13);
	/* upstreams are set, so the missing resolv-conf is never read */
	finish_ok(&c);
	assert_int_equal(c.nupstream, 2);
}

static void
test_load_skips_comments_blanks_and_trailing_comments(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	load_ok(&c, "good.whitespace.conf");
	assert_int_equal(c.nupstream, 3);
	assert_addr(&c.upstream[0].addr, "192.0.2.1#53");
	assert_addr(&c.upstream[1].addr, "192.0.2.2#53");
	assert_addr(&c.upstream[2].addr, "192.0.2.3#53");
	assert_int_equal(c.nlisten, 1);
	assert_addr(&c.listen[0], "127.0.0.1#5353");
	assert_int_equal(c.log_level, CONFIG_LOG_WARN);
}

static void
test_load_accepts_crlf_line_ends(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	load_ok(&c, "good.crlf.conf");
	assert_int_equal(c.nupstream, 1);
	assert_addr(&c.upstream[0].addr, "192.0.2.1#53");
	assert_addr(&c.listen[0], "127.0.0.1#5353");
	assert_int_equal(c.log_level, CONFIG_LOG_ERR);
}

static void
test_load_reads_a_last_line_without_newline(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	load_ok(&c, "good.no-final-newline.conf");
	assert_int_equal(c.nupstream, 1);
}

static void
test_load_keeps_the_last_value_of_a_repeated_key(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	load_ok(&c, "good.scalar-repeated.conf");
	assert_int_equal(c.upstream_timeout_ms, 300);
}

static void
test_load_adds_to_what_the_config_holds(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.200");
	set_ok(&c, "log-level", "debug");
	load_ok(&c, "good.minimal.conf");
	assert_int_equal(c.nupstream, 2);
	assert_addr(&c.upstream[0].addr, "192.0.2.200#53");
	assert_addr(&c.upstream[1].addr, "192.0.2.1#53");
	assert_int_equal(c.log_level, CONFIG_LOG_DEBUG);
}

static void
test_load_errors_name_file_and_line(void **state)
{
	(void)state;
	load_fails("bad.unknown-key.conf", "3: unknown option \"frobnicate\"");
	load_fails("bad.missing-equals.conf",
	    "2: expected \"key = value\", got \"upstream 192.0.2.1\"");
	load_fails("bad.empty-value.conf", "3: log-level: empty value");
	load_fails("bad.listen-duplicate.conf",
	    "5: listen: \"127.0.0.1\" is 127.0.0.1#53, already listed");
	load_fails("bad.upstream-too-many.conf",
	    "10: upstream: cannot add \"192.0.2.9\": at most 8 upstreams");
}

static void
test_load_rejects_a_line_over_the_limit(void **state)
{
	char want[128];

	(void)state;
	snprintf(want, sizeof(want), "3: line longer than %d characters",
	    CONFIG_MAX_LINE);
	load_fails("bad.long-line.conf", want);
}

static void
test_load_rejects_control_characters(void **state)
{
	(void)state;
	load_fails("bad.control-char.conf",
	    "2: control character 0x0d in column 21");
}

static void
test_load_missing_file_is_ok_only_when_allowed(void **state)
{
	struct config c, before;
	char err[ERRLEN] = "", want[ERRLEN];
	const char *path = fixture("no-such-file.conf");

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	before = c;
	assert_int_equal(config_load_file(&c, path, true, err, sizeof(err)), 0);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_string_equal(err, "");
	assert_int_equal(config_load_file(&c, path, false, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void
test_load_directory_fails_even_when_missing_is_ok(void **state)
{
	struct config c;
	char err[ERRLEN] = "", want[ERRLEN];

	(void)state;
	config_defaults(&c);
	assert_int_equal(
	    config_load_file(&c, fixture_dir(), true, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", fixture_dir());
	assert_string_equal(err, want);
}

static void
test_load_rejects_a_path_too_long_to_record(void **state)
{
	struct config c;
	char path[CONFIG_PATH_MAX + 8], err[ERRLEN], want[ERRLEN];

	(void)state;
	config_defaults(&c);
	memset(path, 'a', sizeof(path));
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(config_load_file(&c, path, true, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s: path longer than %d characters", path,
	    CONFIG_PATH_MAX - 1);
	assert_string_equal(err, want);
}

/* Compares err with a fixture's expectation: err minus "DIR/". */
static bool
matches_expectation(const char *err, const char *expect)
{
	const char *dir = fixture_dir();
	size_t n = strlen(dir);

	if (strncmp(err, dir, n) == 0 && err[n] == '/')
		err += n + 1;
	return strcmp(err, expect) == 0;
}

static void
test_every_good_fixture_loads_and_finishes(void **state)
{
	char pattern[1200], err[ERRLEN];
	glob_t g;
	unsigned failed = 0;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/good.*.conf", fixture_dir());
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct config c;

		config_defaults(&c);
		if (config_load_file(&c, g.gl_pathv[i], false, err,
			sizeof(err)) != 0 ||
		    config_finish(&c, err, sizeof(err)) != 0) {
			print_error("%s: %s\n", g.gl_pathv[i], err);
			failed++;
		}
	}
	globfree(&g);
	assert_int_equal(failed, 0);
}

static void
test_every_bad_fixture_fails_with_its_expected_message(void **state)
{
	static const char tag[] = "# expect: ";
	char pattern[1200], err[ERRLEN], expect[ERRLEN];
	glob_t g;
	unsigned failed = 0;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/bad.*.conf", fixture_dir());
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 20);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct config c;
		FILE *f = fopen(path, "r");

		assert_non_null(f);
		if (fgets(expect, sizeof(expect), f) == NULL ||
		    strncmp(expect, tag, sizeof(tag) - 1) != 0) {
			print_error("%s: first line is not \"%s...\"\n", path,
			    tag);
			failed++;
			fclose(f);
			continue;
		}
		fclose(f);
		expect[strcspn(expect, "\n")] = '\0';
		memmove(expect, expect + sizeof(tag) - 1,
		    strlen(expect) - (sizeof(tag) - 1) + 1);
		config_defaults(&c);
		err[0] = '\0';
		if (config_load_file(&c, path, false, err, sizeof(err)) == 0 &&
		    config_finish(&c, err, sizeof(err)) == 0) {
			print_error("%s: accepted; expected: %s\n", path,
			    expect);
			failed++;
		} else if (!matches_expectation(err, expect)) {
			print_error("%s:\n  got:    %s\n  expect: %s\n", path,
			    err, expect);
			failed++;
		}
	}
	globfree(&g);
	assert_int_equal(failed, 0);
}

static void
test_shipped_config_loads_and_changes_nothing(void **state)
{
	struct config c, defaults;
	char err[ERRLEN] = "", path[CONFIG_PATH_MAX];
	const char *top = getenv("top_srcdir");

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/roostd.conf",
	    top != NULL ? top : ".");
	config_defaults(&c);
	if (config_load_file(&c, path, false, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	config_defaults(&defaults);
	snprintf(defaults.path, sizeof(defaults.path), "%s", path);
	assert_memory_equal(&c, &defaults, sizeof(c));
}

static void
test_shipped_config_documents_every_default(void **state)
{
	/* each option appears as "# key = default" in etc/roostd.conf,
	 * once for each entry of a list's default */
	char path[1200], want[128];
	const char *top = getenv("top_srcdir");
	static char text[65536];
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/roostd.conf",
	    top != NULL ? top : ".");
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_option *o = &config_options[i];
		const char *p = o->def;
		size_t len;

		snprintf(want, sizeof(want), "# %s = ", o->name);
		if (strstr(text, want) == NULL)
			fail_msg("%s lacks \"%s\"", path, want);
		for (; *p != '\0'; p += strspn(p, " ")) {
			len = strcspn(p, " ");
			snprintf(want, sizeof(want), "# %s = %.*s\n", o->name,
			    (int)len, p);
			if (strstr(text, want) == NULL)
				fail_msg("%s lacks \"%s\"", path, want);
			p += len;
		}
	}
}

/* --- config_finish ------------------------------------------------- */

static void
test_finish_fills_default_listen_and_allow_when_empty(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	finish_ok(&c);
	assert_int_equal(c.nlisten, 2);
	assert_addr(&c.listen[0], "127.0.0.1#53");
	assert_addr(&c.listen[1], "::1#53");
	assert_int_equal(c.nallow, 2);
	assert_int_equal(c.allow[0].family, AF_INET);
	assert_int_equal(c.allow[0].prefix, 8);
	assert_int_equal(c.allow[0].addr[0], 127);
	assert_int_equal(c.allow[1].family, AF_INET6);
	assert_int_equal(c.allow[1].prefix, 128);
	/* a second call changes nothing */
	{
		struct config again = c;

		finish_ok(&again);
		assert_memory_equal(&again, &c, sizeof(c));
	}
}

static void
test_finish_hosts_file_default_none_and_list(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	finish_ok(&c);
	assert_int_equal(c.nhosts_file, 1);
	assert_string_equal(c.hosts_file[0], "/etc/hosts");
	/* none: no default added */
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "hosts-file", "none");
	finish_ok(&c);
	assert_int_equal(c.nhosts_file, 0);
	/* a path after none lists that path alone */
	set_ok(&c, "hosts-file", "/srv/hosts");
	set_ok(&c, "hosts-file", "/srv/more-hosts");
	finish_ok(&c);
	assert_int_equal(c.nhosts_file, 2);
	assert_string_equal(c.hosts_file[1], "/srv/more-hosts");
	/* cleared, as for command-line values: the default again */
	assert_int_equal(config_clear_list(&c, "hosts-file"), 0);
	finish_ok(&c);
	assert_int_equal(c.nhosts_file, 1);
	assert_string_equal(c.hosts_file[0], "/etc/hosts");
}

static void
test_blocklists_listed_capped_and_cleared(void **state)
{
	struct config c;
	char path[64];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.nblocklist, 0);
	assert_int_equal(c.block_answer, CONFIG_BLOCK_NXDOMAIN);
	for (int i = 0; i < CONFIG_MAX_BLOCKLISTS; i++) {
		snprintf(path, sizeof(path), "/srv/block%d", i);
		set_ok(&c, "blocklist", path);
	}
	assert_int_equal(c.nblocklist, CONFIG_MAX_BLOCKLISTS);
	assert_string_equal(c.blocklist[3], "/srv/block3");
	set_fails(&c, "blocklist", "/srv/one-more",
	    "blocklist: cannot add \"/srv/one-more\": at most 16 files");
	set_ok(&c, "allowlist", "/srv/allow");
	set_fails(&c, "allowlist", "/srv/allow",
	    "allowlist: \"/srv/allow\" is already listed");
	assert_int_equal(c.nallowlist, 1);
	set_ok(&c, "block-answer", "null");
	assert_int_equal(c.block_answer, CONFIG_BLOCK_NULL);
	set_ok(&c, "block-answer", "refused");
	assert_int_equal(c.block_answer, CONFIG_BLOCK_REFUSED);
	set_fails(&c, "block-answer", "NXDOMAIN",
	    "block-answer: bad value \"NXDOMAIN\": expected nxdomain, null "
	    "or refused");
	assert_int_equal(config_clear_list(&c, "blocklist"), 0);
	assert_int_equal(config_clear_list(&c, "allowlist"), 0);
	assert_int_equal(c.nblocklist, 0);
	assert_int_equal(c.nallowlist, 0);
}

static void
test_finish_keeps_configured_listen_and_allow(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "listen", "127.0.0.1#5353");
	set_ok(&c, "allow", "10.0.0.0/8");
	set_ok(&c, "upstream", "192.0.2.1");
	finish_ok(&c);
	assert_int_equal(c.nlisten, 1);
	assert_addr(&c.listen[0], "127.0.0.1#5353");
	assert_int_equal(c.nallow, 1);
	assert_false(allowed4(&c, "127.0.0.1"));
	assert_int_equal(c.nupstream, 1);
}

static void
test_finish_requires_deadline_above_upstream_timeout(void **state)
{
	struct config c;
	char err[ERRLEN];

	(void)state;
	config_defaults(&c);
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "upstream-timeout", "3000");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "query-deadline (2000 ms) must exceed upstream-timeout (3000 ms)");
	set_ok(&c, "query-deadline", "3000");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	set_ok(&c, "query-deadline", "3001");
	finish_ok(&c);
}

static void
test_finish_rejects_a_configured_upstream_that_is_our_listen(void **state)
{
	struct config c;
	char err[ERRLEN];

	(void)state;
	config_defaults(&c);
	set_ok(&c, "listen", "127.0.0.1#5353");
	set_ok(&c, "upstream", "192.0.2.1");
	set_ok(&c, "upstream", "127.0.0.1#5353");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "upstream 127.0.0.1#5353 is roostd's own listen address: "
	    "forwarding to it would loop");
	/* the same address on port 53 is another server */
	config_clear_list(&c, "upstream");
	set_ok(&c, "upstream", "127.0.0.1");
	finish_ok(&c);
}

static void
test_finish_takes_upstreams_from_resolv_conf(void **state)
{
	struct config c;
	char want[ADDR_STRLEN];
	unsigned lo = if_nametoindex("lo");

	(void)state;
	config_with_resolv(&c, "resolv.mixed.conf");
	finish_ok(&c);
	/* comments, search, options, a host name, a duplicate, a port and
	 * "nameservers" are skipped; a %scope is kept */
	assert_int_equal(c.nupstream, lo != 0 ? 3 : 2);
	assert_addr(&c.upstream[0].addr, "192.0.2.53#53");
	assert_addr(&c.upstream[1].addr, "2001:db8::53#53");
	if (lo != 0) {
		snprintf(want, sizeof(want), "fe80::1%%%u#53", lo);
		assert_addr(&c.upstream[2].addr, want);
	}
}

static void
test_finish_takes_at_most_max_upstreams_from_resolv_conf(void **state)
{
	struct config c;

	(void)state;
	config_with_resolv(&c, "resolv.many.conf");
	finish_ok(&c);
	assert_int_equal(c.nupstream, CONFIG_MAX_UPSTREAM);
	assert_addr(&c.upstream[0].addr, "192.0.2.1#53");
	assert_addr(&c.upstream[CONFIG_MAX_UPSTREAM - 1].addr, "192.0.2.8#53");
}

static void
test_finish_ignores_resolv_conf_when_upstream_is_set(void **state)
{
	struct config c;

	(void)state;
	config_with_resolv(&c, "no-such-resolv.conf");
	set_ok(&c, "upstream", "192.0.2.1");
	finish_ok(&c);
	assert_int_equal(c.nupstream, 1);
}

static void
test_finish_drops_the_stub_address_we_listen_on(void **state)
{
	struct config c;
	char err[ERRLEN], want[ERRLEN];

	(void)state;
	/* systemd-resolved's stub file, with roostd taking its place */
	config_with_resolv(&c, "resolv.stub.conf");
	set_ok(&c, "listen", "127.0.0.53");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "no upstream: %s names only roostd's own listen address "
	    "127.0.0.53#53 (forwarding there would loop); set \"upstream = "
	    "ADDR\" in the config file or pass --upstream ADDR",
	    fixture("resolv.stub.conf"));
	assert_string_equal(err, want);
	assert_int_equal(c.nupstream, 0);

	config_with_resolv(&c, "resolv.stub-and-real.conf");
	set_ok(&c, "listen", "127.0.0.53");
	finish_ok(&c);
	assert_int_equal(c.nupstream, 1);
	assert_addr(&c.upstream[0].addr, "192.0.2.53#53");
}

static void
test_finish_keeps_loopback_upstream_on_another_port(void **state)
{
	struct config c;

	(void)state;
	/* we listen on 127.0.0.1#5353; 127.0.0.1#53 is someone else */
	config_with_resolv(&c, "resolv.loopback.conf");
	set_ok(&c, "listen", "127.0.0.1#5353");
	set_ok(&c, "listen", "::1#5353");
	finish_ok(&c);
	assert_int_equal(c.nupstream, 2);
	assert_addr(&c.upstream[0].addr, "127.0.0.1#53");
	assert_addr(&c.upstream[1].addr, "::1#53");
}

static void
test_finish_drops_loopback_upstreams_with_default_listen(void **state)
{
	struct config c;
	char err[ERRLEN];

	(void)state;
	config_with_resolv(&c, "resolv.loopback.conf");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "127.0.0.1#53 (forwarding there would"));
	assert_non_null(strstr(err, "set \"upstream = ADDR\""));
}

static void
test_finish_drops_loopback_upstream_under_a_wildcard_listen(void **state)
{
	struct config c;

	(void)state;
	config_with_resolv(&c, "resolv.loopback.conf");
	set_ok(&c, "listen", "0.0.0.0");
	set_ok(&c, "listen", "::1#5353");
	finish_ok(&c);
	/* 127.0.0.1#53 reaches 0.0.0.0#53; ::1#53 reaches nothing of ours */
	assert_int_equal(c.nupstream, 1);
	assert_addr(&c.upstream[0].addr, "::1#53");

	config_with_resolv(&c, "resolv.loopback.conf");
	set_ok(&c, "listen", "::");
	set_ok(&c, "listen", "0.0.0.0#5353");
	finish_ok(&c);
	assert_int_equal(c.nupstream, 1);
	assert_addr(&c.upstream[0].addr, "127.0.0.1#53");
}

static void
test_finish_fails_when_resolv_conf_names_no_nameserver(void **state)
{
	struct config c;
	char err[ERRLEN], want[ERRLEN];

	(void)state;
	config_with_resolv(&c, "resolv.empty.conf");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "no upstream: %s names no nameserver; set \"upstream = ADDR\" in "
	    "the config file or pass --upstream ADDR",
	    fixture("resolv.empty.conf"));
	assert_string_equal(err, want);
}

/* dbus = yes: servers may come later over D-Bus, so none is no error */
static void
test_finish_with_dbus_starts_without_upstream(void **state)
{
	struct config c;
	char err[ERRLEN];

	(void)state;
	config_with_resolv(&c, "resolv.empty.conf");
	set_ok(&c, "dbus", "yes");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_int_equal(c.nupstream, 0);
	assert_true(c.upstream_from_resolv);
	config_with_resolv(&c, "no-such-resolv.conf");
	set_ok(&c, "dbus", "yes");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_int_equal(c.nupstream, 0);
	/* without dbus the same is still an error */
	config_with_resolv(&c, "resolv.unusable.conf");
	set_ok(&c, "dbus", "no");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
}

static void
test_finish_fails_when_no_nameserver_is_usable(void **state)
{
	struct config c;
	char err[ERRLEN], want[ERRLEN];

	(void)state;
	config_with_resolv(&c, "resolv.unusable.conf");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "no upstream: %s names no usable nameserver (2 not a numeric "
	    "address); set \"upstream = ADDR\" in the config file or pass "
	    "--upstream ADDR",
	    fixture("resolv.unusable.conf"));
	assert_string_equal(err, want);
}

static void
test_finish_fails_when_resolv_conf_is_missing(void **state)
{
	struct config c;
	char err[ERRLEN], want[ERRLEN];

	(void)state;
	config_with_resolv(&c, "no-such-resolv.conf");
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	    "no upstream: cannot read %s: No such file or directory; set "
	    "\"upstream = ADDR\" in the config file or pass --upstream ADDR",
	    fixture("no-such-resolv.conf"));
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_set_every_value_and_empty_lists),
		cmocka_unit_test(test_parse_addr_accepts_every_form),
		cmocka_unit_test(test_parse_addr_uses_the_default_port),
		cmocka_unit_test(
		    test_parse_addr_rejects_bad_addresses_with_reason),
		cmocka_unit_test(
		    test_parse_addr_takes_an_ipv6_scope_by_name_or_index),
		cmocka_unit_test(test_addr_str_truncates_and_terminates),
		cmocka_unit_test(test_set_listen_and_upstream_append_in_order),
		cmocka_unit_test(
		    test_set_listen_and_upstream_reject_bad_addresses),
		cmocka_unit_test(test_set_upstream_rejects_unspecified_address),
		cmocka_unit_test(test_set_forward_zone),
		cmocka_unit_test(
		    test_finish_rejects_a_forward_zone_to_ourselves),
		cmocka_unit_test(test_set_rejects_an_address_listed_twice),
		cmocka_unit_test(test_set_numbers_accept_their_whole_range),
		cmocka_unit_test(
		    test_set_numbers_reject_range_sign_junk_and_overflow),
		cmocka_unit_test(test_set_log_level_takes_each_name_only),
		cmocka_unit_test(test_set_resolv_conf_takes_a_path_that_fits),
		cmocka_unit_test(test_set_rejects_unknown_keys),
		cmocka_unit_test(test_set_tolerates_a_null_or_empty_err_buffer),
		cmocka_unit_test(test_allow_takes_subnets_and_bare_addresses),
		cmocka_unit_test(
		    test_allow_rejects_host_bits_and_suggests_the_network),
		cmocka_unit_test(test_allow_rejects_bad_prefixes_and_addresses),
		cmocka_unit_test(test_allowed_matches_v4_and_v6_subnets),
		cmocka_unit_test(
		    test_allowed_matches_v4_mapped_sources_against_v4_subnets),
		cmocka_unit_test(test_allowed_by_default_only_loopback),
		cmocka_unit_test(
		    test_allowed_with_empty_allow_list_refuses_all),
		cmocka_unit_test(test_lists_reject_one_entry_past_their_limit),
		cmocka_unit_test(test_clear_list_empties_only_the_named_list),
		cmocka_unit_test(
		    test_clear_list_rejects_a_key_that_is_not_a_list),
		cmocka_unit_test(test_load_reads_every_key),
		cmocka_unit_test(
		    test_cache_file_defaults_to_the_state_directory),
		cmocka_unit_test(
		    test_load_skips_comments_blanks_and_trailing_comments),
		cmocka_unit_test(test_load_accepts_crlf_line_ends),
		cmocka_unit_test(test_load_reads_a_last_line_without_newline),
		cmocka_unit_test(
		    test_load_keeps_the_last_value_of_a_repeated_key),
		cmocka_unit_test(test_load_adds_to_what_the_config_holds),
		cmocka_unit_test(test_load_errors_name_file_and_line),
		cmocka_unit_test(test_load_rejects_a_line_over_the_limit),
		cmocka_unit_test(test_load_rejects_control_characters),
		cmocka_unit_test(
		    test_load_missing_file_is_ok_only_when_allowed),
		cmocka_unit_test(
		    test_load_directory_fails_even_when_missing_is_ok),
		cmocka_unit_test(test_load_rejects_a_path_too_long_to_record),
		cmocka_unit_test(test_every_good_fixture_loads_and_finishes),
		cmocka_unit_test(
		    test_every_bad_fixture_fails_with_its_expected_message),
		cmocka_unit_test(test_shipped_config_loads_and_changes_nothing),
		cmocka_unit_test(test_shipped_config_documents_every_default),
		cmocka_unit_test(
		    test_finish_fills_default_listen_and_allow_when_empty),
		cmocka_unit_test(test_finish_hosts_file_default_none_and_list),
		cmocka_unit_test(test_blocklists_listed_capped_and_cleared),
		cmocka_unit_test(test_finish_keeps_configured_listen_and_allow),
		cmocka_unit_test(
		    test_finish_requires_deadline_above_upstream_timeout),
		cmocka_unit_test(
		    test_finish_rejects_a_configured_upstream_that_is_our_listen),
		cmocka_unit_test(test_finish_takes_upstreams_from_resolv_conf),
		cmocka_unit_test(
		    test_finish_takes_at_most_max_upstreams_from_resolv_conf),
		cmocka_unit_test(
		    test_finish_ignores_resolv_conf_when_upstream_is_set),
		cmocka_unit_test(
		    test_finish_drops_the_stub_address_we_listen_on),
		cmocka_unit_test(
		    test_finish_keeps_loopback_upstream_on_another_port),
		cmocka_unit_test(
		    test_finish_drops_loopback_upstreams_with_default_listen),
		cmocka_unit_test(
		    test_finish_drops_loopback_upstream_under_a_wildcard_listen),
		cmocka_unit_test(
		    test_finish_fails_when_resolv_conf_names_no_nameserver),
		cmocka_unit_test(
		    test_finish_fails_when_no_nameserver_is_usable),
		cmocka_unit_test(test_finish_with_dbus_starts_without_upstream),
		cmocka_unit_test(test_finish_fails_when_resolv_conf_is_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
