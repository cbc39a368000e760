/*
 * tests/unit/test_route.c - the route table: which upstream set a name
 * goes to (the longest forward zone that is a suffix of it, on label
 * boundaries, in any case; else the default), and which zones a reload
 * reroutes.  The sets are real (c-ares channels to documentation
 * addresses) but no query is ever sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "loop.h"
#include "route.h"
#include "wire.h"

#define ERRLEN 512

static void
set(struct config *c, const char *key, const char *value)
{
	char err[ERRLEN];

	if (config_set(c, key, value, err, sizeof(err)) != 0)
		fail_msg("%s = %s: %s", key, value, err);
}

/* The index of the route a question for name of type qtype goes to. */
static unsigned
route_of_type(const struct route_table *t, const char *name, uint16_t qtype)
{
	uint8_t wire[WIRE_MAX_NAME];
	size_t len;
	struct upstream_set *s;

	assert_int_equal(wire_name_from_text(name, wire, &len), WIRE_OK);
	s = route_pick_type(t, wire, len, qtype);
	if (qtype != WIRE_T_DS)
		assert_ptr_equal(s, route_pick(t, wire, len));
	for (unsigned i = 0; i < route_count(t); i++)
		if (route_set(t, i) == s)
			return i;
	fail_msg("%s: a set that is no route's", name);
	return 0;
}

/* The index of the route name goes to. */
static unsigned
route_of(const struct route_table *t, const char *name)
{
	return route_of_type(t, name, WIRE_T_A);
}

static void
test_route_longest_suffix_wins(void **state)
{
	struct config c;
	struct loop *l = loop_new();
	struct route_table *t;
	char err[ERRLEN];
	size_t len;

	(void)state;
	assert_non_null(l);
	config_defaults(&c);
	set(&c, "upstream", "192.0.2.1");
	/* the inner zone first: a first match would take it for its
	 * parent's names too, a last match the parent for its */
	set(&c, "forward-zone", "lab.corp.example 198.51.100.2 198.51.100.3");
	set(&c, "forward-zone", "corp.example 198.51.100.1");
	set(&c, "forward-zone", "8.10.in-addr.arpa 198.51.100.1");
	set(&c, "forward-zone", "sub.lab.corp.example 198.51.100.4");
	t = route_table_new(l, &c, err, sizeof(err));
	if (t == NULL)
		fail_msg("route_table_new: %s", err);
	assert_int_equal(route_count(t), 5);
	assert_int_equal(route_zone(t, 0, &len)[0], 0);
	assert_int_equal(len, 1);
	/* the zone itself, names below it, any case */
	assert_int_equal(route_of(t, "corp.example"), 2);
	assert_int_equal(route_of(t, "www.CORP.Example."), 2);
	assert_int_equal(route_of(t, "a.b.c.corp.example"), 2);
	/* the longest zone wins, whatever the order */
	assert_int_equal(route_of(t, "lab.corp.example"), 1);
	assert_int_equal(route_of(t, "host.lab.corp.example"), 1);
	assert_int_equal(route_of(t, "x.sub.lab.corp.example"), 4);
	assert_int_equal(route_of(t, "xlab.corp.example"), 2);
	/* reverse zones are names like any */
	assert_int_equal(route_of(t, "4.3.8.10.in-addr.arpa"), 3);
	assert_int_equal(route_of(t, "4.3.9.10.in-addr.arpa"), 0);
	/* a suffix only on a label boundary; everything else: default */
	assert_int_equal(route_of(t, "mycorp.example"), 0);
	assert_int_equal(route_of(t, "example"), 0);
	assert_int_equal(route_of(t, "www.example.test"), 0);
	assert_int_equal(route_of(t, "."), 0);
	/* a DS question goes where its parent's names go: a zone's DS set
	 * is the parent's (RFC 4034 5) */
	assert_int_equal(route_of_type(t, "corp.example", WIRE_T_DS), 0);
	assert_int_equal(route_of_type(t, "lab.corp.example", WIRE_T_DS), 2);
	assert_int_equal(route_of_type(t, "sub.lab.corp.example", WIRE_T_DS),
	    1);
	assert_int_equal(route_of_type(t, "x.corp.example", WIRE_T_DS), 2);
	assert_int_equal(route_of_type(t, ".", WIRE_T_DS), 0);
	assert_int_equal(route_of_type(t, "lab.corp.example", WIRE_T_NS), 1);
	assert_int_equal(route_inflight(t), 0);
	assert_null(route_pick(NULL, (const uint8_t *)"", 1));
	route_table_free(t);
	loop_free(l);
}

static void
test_route_without_zones_is_the_default(void **state)
{
	struct config c;
	struct loop *l = loop_new();
	struct route_table *t;
	char err[ERRLEN];

	(void)state;
	config_defaults(&c);
	set(&c, "upstream", "192.0.2.1");
	assert_non_null(t = route_table_new(l, &c, err, sizeof(err)));
	assert_int_equal(route_count(t), 1);
	assert_int_equal(route_of(t, "corp.example"), 0);
	route_table_free(t);
	loop_free(l);
}

struct seen {
	char zones[8][64];
	unsigned n;
};

static void
note_zone(void *arg, const uint8_t *zone, size_t len)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	(void)wire_name_to_text(zone, len, s->zones[s->n], sizeof(s->zones[0]));
	s->n++;
}

static void
test_route_changes_name_rerouted_zones(void **state)
{
	struct config a, b;
	struct seen s = { .n = 0 };

	(void)state;
	config_defaults(&a);
	set(&a, "upstream", "192.0.2.1");
	set(&a, "forward-zone", "same.example 198.51.100.1");
	set(&a, "forward-zone", "moved.example 198.51.100.1");
	set(&a, "forward-zone", "gone.example 198.51.100.1");
	b = a;
	config_clear_list(&b, "forward-zone");
	config_clear_list(&b, "upstream");
	set(&b, "upstream", "192.0.2.99"); /* the default's: not a zone's */
	set(&b, "forward-zone", "new.example 198.51.100.1");
	set(&b, "forward-zone", "MOVED.example 198.51.100.1 198.51.100.2");
	set(&b, "forward-zone", "same.example 198.51.100.1");
	route_changes(&a, &b, note_zone, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.zones[0], "moved.example.");
	assert_string_equal(s.zones[1], "gone.example.");
	assert_string_equal(s.zones[2], "new.example.");
	s.n = 0;
	route_changes(&b, &b, note_zone, &s);
	assert_int_equal(s.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_longest_suffix_wins),
		cmocka_unit_test(test_route_without_zones_is_the_default),
		cmocka_unit_test(test_route_changes_name_rerouted_zones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
