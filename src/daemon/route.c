/*
 * src/daemon/route.c - the route table (see route.h).
 *
 * Invariants:
 * - r[0] is the default route, zone the root; r[1..n) are the forward
 *   zones in configuration order, no two alike (config.c refuses a
 *   repeated zone), each set non-NULL.
 * - undrained counts the sets route_when_drained() still waits for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "wire.h"

struct route {
	uint8_t zone[WIRE_MAX_NAME];
	size_t zone_len;
	struct upstream_set *up;
};

struct route_table {
	struct route r[1 + CONFIG_MAX_ZONES];
	unsigned n;
	unsigned undrained;
	loop_hook_cb *drained_cb;
	void *drained_arg;
};

static const uint8_t root[1] = { 0 };

struct route_table *
route_table_new(struct loop *l, const struct config *c, char *err,
    size_t errlen)
{
	struct route_table *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->r[0].zone_len = 1;
	if ((t->r[0].up = upstream_set_new(l, c, c->upstream, c->nupstream, err,
		 errlen)) == NULL) {
		free(t);
		return NULL;
	}
	t->n = 1;
	for (size_t i = 0; i < c->nzone; i++) {
		const struct config_zone *z = &c->zone[i];
		struct route *r = &t->r[t->n];

		memcpy(r->zone, z->name, z->name_len);
		r->zone_len = z->name_len;
		if ((r->up = upstream_set_new(l, c, z->server, z->nserver, err,
			 errlen)) == NULL) {
			route_table_free(t);
			return NULL;
		}
		t->n++;
	}
	return t;
}

void
route_table_free(struct route_table *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		upstream_when_drained(t->r[i].up, NULL, NULL);
		upstream_set_free(t->r[i].up);
	}
	free(t);
}

unsigned
route_index(const struct route_table *t, const uint8_t *name, size_t len)
{
	unsigned best = 0;

	for (unsigned i = 1; i < t->n; i++) {
		const struct route *r = &t->r[i];

		if (r->zone_len > t->r[best].zone_len &&
		    wire_name_is_subdomain(name, len, r->zone, r->zone_len))
			best = i;
	}
	return best;
}

struct upstream_set *
route_pick(const struct route_table *t, const uint8_t *name, size_t len)
{
	return t != NULL ? t->r[route_index(t, name, len)].up : NULL;
}

unsigned
route_count(const struct route_table *t)
{
	return t->n;
}

struct upstream_set *
route_set(const struct route_table *t, unsigned i)
{
	return i < t->n ? t->r[i].up : NULL;
}

const uint8_t *
route_zone(const struct route_table *t, unsigned i, size_t *len)
{
	if (i >= t->n) {
		*len = 1;
		return root;
	}
	*len = t->r[i].zone_len;
	return t->r[i].zone;
}

unsigned
route_inflight(const struct route_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n; i++)
		n += upstream_inflight(t->r[i].up);
	return n;
}

/* One set has drained: the table once every one has. */
static void
set_drained(void *arg)
{
	struct route_table *t = arg;

	if (t->undrained > 0 && --t->undrained == 0 && t->drained_cb != NULL)
		t->drained_cb(t->drained_arg); /* may free t */
}

void
route_when_drained(struct route_table *t, loop_hook_cb *cb, void *arg)
{
	t->drained_cb = cb;
	t->drained_arg = arg;
	t->undrained = cb != NULL ? t->n : 0;
	for (unsigned i = 0; i < t->n; i++)
		upstream_when_drained(t->r[i].up,
		    cb != NULL ? set_drained : NULL, t);
}

/* The zone of a named name_len in c, or NULL. */
static const struct config_zone *
zone_find(const struct config *c, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < c->nzone; i++)
		if (wire_name_equal(c->zone[i].name, c->zone[i].name_len, name,
			len))
			return &c->zone[i];
	return NULL;
}

static bool
same_servers(const struct config_zone *a, const struct config_zone *b)
{
	if (a->nserver != b->nserver)
		return false;
	for (size_t i = 0; i < a->nserver; i++)
		if (!server_equal(&a->server[i], &b->server[i]))
			return false;
	return true;
}

void
route_changes(const struct config *a, const struct config *b,
    void (*cb)(void *arg, const uint8_t *zone, size_t len), void *arg)
{
	for (size_t i = 0; i < a->nzone; i++) {
		const struct config_zone *z = &a->zone[i];
		const struct config_zone *y =
		    zone_find(b, z->name, z->name_len);

		if (y == NULL || !same_servers(z, y))
			cb(arg, z->name, z->name_len);
	}
	for (size_t i = 0; i < b->nzone; i++)
		if (zone_find(a, b->zone[i].name, b->zone[i].name_len) == NULL)
			cb(arg, b->zone[i].name, b->zone[i].name_len);
}
