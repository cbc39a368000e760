/*
 * tests/unit/test_source.c - run-time upstream sources: their names and
 * fields, resolved's default-route rule, and the merge into the routes
 * (a domain's servers from every source that lists it, "~." taking the
 * default route, the configuration's sources first, the caps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "source.h"
#include "wire.h"

#define ERRLEN 512

static void
set(struct config *c, const char *key, const char *value)
{
	char err[ERRLEN];

	if (config_set(c, key, value, err, sizeof(err)) != 0)
		fail_msg("%s = %s: %s", key, value, err);
}

/* A finished configuration: upstream 192.0.2.1, corp.example forwarded. */
static struct config *
base_config(void)
{
	struct config *c = calloc(1, sizeof(*c));
	char err[ERRLEN];

	assert_non_null(c);
	config_defaults(c);
	set(c, "upstream", "192.0.2.1");
	set(c, "forward-zone", "corp.example 198.51.100.1");
	if (config_finish(c, err, sizeof(err)) != 0)
		fail_msg("config_finish: %s", err);
	return c;
}

static void
field(struct source *s, const char *word)
{
	char err[ERRLEN];

	if (source_set_field(s, word, err, sizeof(err)) != 0)
		fail_msg("%s: %s", word, err);
}

static struct source *
get(struct source_list *l, const char *name)
{
	char err[ERRLEN];
	struct source *s =
	    source_get(l, name, SOURCE_CONTROL, err, sizeof(err));

	if (s == NULL)
		fail_msg("%s: %s", name, err);
	return s;
}

/* "ADDR#PORT,..." of a server list. */
static const char *
servers(const struct server *a, size_t n)
{
	static char buf[1024];
	char str[ADDR_STRLEN];
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s",
		    i ? "," : "", addr_str(&a[i].addr, str, sizeof(str)));
	return buf;
}

/* The servers of zone's route in c ("" if it has none). */
static const char *
zone_servers(const struct config *c, const char *zone)
{
	uint8_t w[WIRE_MAX_NAME];
	size_t len;

	assert_int_equal(wire_name_from_text(zone, w, &len), WIRE_OK);
	for (size_t i = 0; i < c->nzone; i++)
		if (wire_name_equal(c->zone[i].name, c->zone[i].name_len, w,
			len))
			return servers(c->zone[i].server, c->zone[i].nserver);
	return "";
}

static void
test_source_names_and_fields_are_checked(void **state)
{
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *s;
	char err[ERRLEN];

	(void)state;
	assert_non_null(l);
	assert_null(source_get(l, "", SOURCE_CONTROL, err, sizeof(err)));
	assert_null(
	    source_get(l, "has space", SOURCE_CONTROL, err, sizeof(err)));
	assert_null(
	    source_get(l, "roostd.conf", SOURCE_CONTROL, err, sizeof(err)));
	assert_non_null(strstr(err, "edit the file"));
	assert_null(
	    source_get(l, "forward-zone:x", SOURCE_CONTROL, err, sizeof(err)));
	assert_null(source_get(l, "0123456789012345678901234567890123",
	    SOURCE_CONTROL, err, sizeof(err)));
	s = get(l, "vpn");
	assert_ptr_equal(get(l, "vpn"), s);
	assert_int_equal(l->n, 1);
	field(s, "servers=10.8.0.1,10.8.0.2#5353,[fd00::1]:53");
	assert_int_equal(s->nserver, 3);
	assert_string_equal(servers(s->server, s->nserver),
	    "10.8.0.1#53,10.8.0.2#5353,fd00::1#53");
	/* a bad field leaves the source as it was */
	assert_int_equal(
	    source_set_field(s, "servers=10.8.0.9,nonsense", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "nonsense"));
	assert_int_equal(
	    source_set_field(s, "servers=10.8.0.9,10.8.0.9", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(
	    source_set_field(s, "servers=0.0.0.0", err, sizeof(err)), -1);
	assert_int_equal(s->nserver, 3);
	field(s, "domains=~Corp.Example,10.in-addr.arpa");
	assert_int_equal(s->ndomain, 2);
	assert_true(s->domain[0].route_only);
	assert_false(s->domain[1].route_only);
	assert_int_equal(s->domain[0].name[1], 'c'); /* lower case */
	assert_int_equal(source_set_field(s, "domains=a..b", err, sizeof(err)),
	    -1);
	assert_int_equal(source_set_field(s, "domains=~", err, sizeof(err)),
	    -1);
	assert_int_equal(
	    source_set_field(s, "default-route=maybe", err, sizeof(err)), -1);
	assert_int_equal(source_set_field(s, "color=red", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "unknown field"));
	assert_int_equal(s->ndomain, 2);
	field(s, "servers=");
	assert_int_equal(s->nserver, 0);
	assert_int_equal(source_remove(l, "vpn"), 0);
	assert_int_equal(source_remove(l, "vpn"), -1);
	assert_int_equal(l->n, 0);
	/* the cap */
	for (int i = 0; i < SOURCE_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		get(l, name);
	}
	assert_null(
	    source_get(l, "one-more", SOURCE_CONTROL, err, sizeof(err)));
	assert_non_null(strstr(err, "at most"));
	free(l);
}

static void
test_source_default_route_follows_resolveds_rule(void **state)
{
	struct source s = { .default_route = SOURCE_DEFAULT_AUTO };

	(void)state;
	assert_true(source_default_route(&s)); /* no domains */
	field(&s, "domains=corp.example");
	assert_true(source_default_route(&s)); /* a search domain */
	field(&s, "domains=corp.example,~lab.example");
	assert_false(source_default_route(&s)); /* a route-only one */
	field(&s, "domains=~lab.example,~.");
	assert_true(source_default_route(&s)); /* "~." is every name */
	field(&s, "default-route=no");
	assert_false(source_default_route(&s));
	field(&s, "domains=");
	field(&s, "default-route=yes");
	assert_true(source_default_route(&s));
}

static void
test_source_merge_routes_domains_and_default(void **state)
{
	struct config *base = base_config(), *out = calloc(1, sizeof(*out));
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *vpn, *wifi, *idle;
	char err[ERRLEN];

	(void)state;
	assert_non_null(out);
	assert_non_null(l);
	/* nothing at run time: the configuration as it is */
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "192.0.2.1#53");
	assert_int_equal(out->nzone, 1);
	/* a VPN for its domains only, a Wi-Fi for everything */
	vpn = get(l, "vpn");
	field(vpn, "servers=10.8.0.1");
	field(vpn, "domains=~corp.example,~10.in-addr.arpa");
	wifi = get(l, "wifi");
	field(wifi, "servers=192.168.1.1,192.0.2.1");
	idle = get(l, "idle"); /* domains but no servers: routes nothing */
	field(idle, "domains=~idle.example");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "192.0.2.1#53,192.168.1.1#53");
	assert_int_equal(out->nzone, 2);
	/* the forward-zone's server first, then the VPN's */
	assert_string_equal(zone_servers(out, "corp.example"),
	    "198.51.100.1#53,10.8.0.1#53");
	assert_string_equal(zone_servers(out, "10.in-addr.arpa"),
	    "10.8.0.1#53");
	assert_string_equal(zone_servers(out, "idle.example"), "");
	/* "~." takes the default route from the others */
	field(vpn, "domains=~corp.example,~.");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "10.8.0.1#53");
	assert_int_equal(out->nzone, 1);
	/* base untouched all along */
	assert_int_equal(base->nupstream, 1);
	assert_int_equal(base->nzone, 1);
	free(l);
	free(out);
	free(base);
}

static void
test_source_merge_refuses_what_cannot_route(void **state)
{
	struct config *base = base_config(), *out = calloc(1, sizeof(*out));
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *s;
	char err[ERRLEN], word[64];

	(void)state;
	assert_non_null(out);
	assert_non_null(l);
	/* roostd itself (its default listen address) */
	s = get(l, "loop");
	field(s, "servers=127.0.0.1");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "roostd itself"));
	/* more than CONFIG_MAX_UPSTREAM on the default route */
	field(s, "servers=10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4");
	s = get(l, "more");
	field(s, "servers=10.0.1.1,10.0.1.2,10.0.1.3,10.0.1.4");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the default route"));
	field(s, "default-route=no");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	/* more than CONFIG_MAX_ZONES routing domains */
	for (int i = 0; i < 2; i++) {
		char name[16], domains[2048];
		size_t n;

		snprintf(name, sizeof(name), "zones%d", i);
		s = get(l, name);
		field(s, "servers=10.9.0.1");
		n = (size_t)snprintf(domains, sizeof(domains), "domains=");
		for (int j = 0; j < SOURCE_MAX_DOMAINS; j++)
			n += (size_t)snprintf(domains + n, sizeof(domains) - n,
			    "%s~d%d-%d.example", j ? "," : "", i, j);
		field(s, domains);
	}
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "routing domains"));
	/* a source with only "~." and no default elsewhere is fine; one
	 * without servers takes nothing */
	memset(l, 0, sizeof(*l));
	s = get(l, "empty");
	field(s, "domains=~.");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "192.0.2.1#53");
	snprintf(word, sizeof(word), "servers=10.1.1.1");
	field(s, word);
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "10.1.1.1#53");
	free(l);
	free(out);
	free(base);
}

/* dbus = yes with no server yet: the merge keeps an empty default route
 * until a source gives one */
static void
test_source_merge_without_upstream_under_dbus(void **state)
{
	struct config *base = calloc(1, sizeof(*base)),
		      *out = calloc(1, sizeof(*out));
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *s;
	char err[ERRLEN];

	(void)state;
	assert_non_null(base);
	assert_non_null(out);
	assert_non_null(l);
	config_defaults(base);
	set(base, "resolv-conf", "/nonexistent/resolv.conf");
	set(base, "dbus", "yes");
	if (config_finish(base, err, sizeof(err)) != 0)
		fail_msg("config_finish: %s", err);
	assert_int_equal(base->nupstream, 0);
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_int_equal(out->nupstream, 0);
	s = get(l, "wlan0");
	field(s, "domains=~corp.example");
	field(s, "servers=10.0.0.1");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_int_equal(out->nupstream, 0); /* route-only: no default */
	field(s, "default-route=yes");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_string_equal(servers(out->upstream, out->nupstream),
	    "10.0.0.1#53");
	/* without dbus the same empty base is refused */
	base->dbus = false;
	memset(l, 0, sizeof(*l));
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), -1);
	assert_string_equal(err, "no server left for the default route");
	free(l);
	free(out);
	free(base);
}

static void
test_source_merge_without_upstream_under_networkd(void **state)
{
	struct config *base = calloc(1, sizeof(*base)),
		      *out = calloc(1, sizeof(*out));
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *s;
	char err[ERRLEN], buf[512];
	size_t n = 0;

	(void)state;
	assert_non_null(base);
	assert_non_null(out);
	assert_non_null(l);
	config_defaults(base);
	set(base, "resolv-conf", "/nonexistent/resolv.conf");
	set(base, "networkd", "yes");
	if (config_finish(base, err, sizeof(err)) != 0)
		fail_msg("config_finish: %s", err);
	assert_int_equal(base->nupstream, 0);
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	assert_int_equal(out->nupstream, 0);
	s = source_get(l, "corp0", SOURCE_NETWORKD, err, sizeof(err));
	assert_non_null(s);
	s->ifindex = 4;
	field(s, "servers=10.0.0.1#5300");
	field(s, "domains=~corp.example.");
	field(s, "default-route=auto");
	assert_int_equal(source_merge(base, l, out, err, sizeof(err)), 0);
	source_line(s, buf, sizeof(buf), &n);
	assert_string_equal(buf,
	    "source corp0 origin=networkd default-route=no "
	    "dns-over-tls=default servers=10.0.0.1#5300 "
	    "domains=~corp.example.\n");
	free(l);
	free(out);
	free(base);
}

static void
test_source_lines_and_route_names(void **state)
{
	struct config *base = base_config();
	struct source_list *l = calloc(1, sizeof(*l));
	struct source *s;
	char buf[4096];
	size_t n = 0;
	uint8_t w[WIRE_MAX_NAME];
	size_t len;

	(void)state;
	assert_non_null(l);
	s = get(l, "vpn");
	field(s, "servers=10.8.0.1,fd00::53");
	field(s, "domains=~corp.example,lab.example");
	s = get(l, "wifi");
	field(s, "servers=192.168.1.1");
	source_lines(base, l, buf, sizeof(buf), &n);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
	    "source roostd.conf origin=config default-route=yes "
	    "dns-over-tls=no servers=192.0.2.1#53 domains=-\n"
	    "source forward-zone:corp.example. origin=config "
	    "default-route=no dns-over-tls=no servers=198.51.100.1#53 "
	    "domains=corp.example.\n"
	    "source vpn origin=control default-route=no "
	    "dns-over-tls=default servers=10.8.0.1#53,fd00::53#53 "
	    "domains=~corp.example.,lab.example.\n"
	    "source wifi origin=control default-route=yes "
	    "dns-over-tls=default servers=192.168.1.1#53 domains=-\n");
	/* too small a buffer: cut, and n says how much was wanted */
	n = 0;
	source_lines(base, l, buf, 10, &n);
	assert_int_equal(strlen(buf), 9);
	assert_true(n > 100);
	assert_int_equal(wire_name_from_text(".", w, &len), WIRE_OK);
	source_route_names(base, l, w, len, buf, sizeof(buf));
	assert_string_equal(buf, "roostd.conf,wifi");
	assert_int_equal(wire_name_from_text("corp.example", w, &len), WIRE_OK);
	source_route_names(base, l, w, len, buf, sizeof(buf));
	assert_string_equal(buf, "forward-zone:corp.example.,vpn");
	assert_int_equal(wire_name_from_text("lab.example", w, &len), WIRE_OK);
	source_route_names(base, l, w, len, buf, sizeof(buf));
	assert_string_equal(buf, "vpn");
	free(l);
	free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_names_and_fields_are_checked),
		cmocka_unit_test(
		    test_source_default_route_follows_resolveds_rule),
		cmocka_unit_test(test_source_merge_routes_domains_and_default),
		cmocka_unit_test(test_source_merge_refuses_what_cannot_route),
		cmocka_unit_test(test_source_merge_without_upstream_under_dbus),
		cmocka_unit_test(
		    test_source_merge_without_upstream_under_networkd),
		cmocka_unit_test(test_source_lines_and_route_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
