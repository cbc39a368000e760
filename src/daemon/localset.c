/*
 * src/daemon/localset.c - the local names in force (see localset.h).
 *
 * Invariants: the query context always holds s->table (or NULL before
 * the first build); a new table is put in force before the old one is
 * freed, so no question ever meets a freed table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hosts.h"
#include "local.h"
#include "localset.h"
#include "log.h"
#include "resolvwatch.h"

struct local_set {
	struct loop *loop;
	struct query_ctx *qc;
	struct config *cfg; /* the last applied */
	struct local_table *table;
	struct resolv_watch *watch[CONFIG_MAX_HOSTS_FILES];
	size_t nwatch;
};

struct local_set *
local_set_new(struct loop *l, struct query_ctx *q)
{
	struct local_set *s = calloc(1, sizeof(*s));

	if (s != NULL) {
		s->loop = l;
		s->qc = q;
	}
	return s;
}

static void
warn_line(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s: skipped", msg);
}

/* The table of s->cfg with its hosts files.  NULL: out of memory. */
static struct local_table *
build(struct local_set *s, char *err, size_t errlen)
{
	const struct config *c = s->cfg;
	struct local_table *t;
	uint64_t seed;
	char why[CONFIG_PATH_MAX + 128];

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		snprintf(err, errlen, "local names: getrandom: %s",
		    strerror(errno));
		return NULL;
	}
	if ((t = local_table_from_config(c, seed, err, errlen)) == NULL)
		return NULL;
	for (size_t i = 0; i < c->nhosts_file; i++) {
		struct hosts_count n = { 0 };

		if (hosts_load(t, c->hosts_file[i], c->serve_localhost,
			warn_line, NULL, &n, why, sizeof(why)) == 0) {
			log_debug("%s: %zu lines, %zu records, %zu bad entries "
				  "skipped",
			    c->hosts_file[i], n.lines, n.records, n.bad);
			if (n.bad > HOSTS_MAX_WARNINGS)
				log_warnx("%s: %zu bad entries skipped in all",
				    c->hosts_file[i], n.bad);
		} else if (errno == ENOMEM) {
			snprintf(err, errlen, "%s: out of memory",
			    c->hosts_file[i]);
			local_table_free(t);
			return NULL;
		} else if (errno != ENOENT) {
			log_warnx("%s; its names are not answered", why);
		}
	}
	return t;
}

/* Builds and puts in force; 0, or -1 with err and the old kept. */
static int
rebuild(struct local_set *s, char *err, size_t errlen)
{
	struct local_table *t = build(s, err, errlen);

	if (t == NULL)
		return -1;
	query_ctx_set_local(s->qc, t);
	local_table_free(s->table);
	s->table = t;
	return 0;
}

static void
hosts_changed(void *arg)
{
	struct local_set *s = arg;
	char err[512];

	if (rebuild(s, err, sizeof(err)) != 0)
		log_warnx("hosts file changed: %s; the names in force stay",
		    err);
	else
		log_info("hosts files read again: %zu local names",
		    local_table_names(s->table));
}

static void
unwatch(struct local_set *s)
{
	while (s->nwatch > 0)
		resolv_watch_free(s->watch[--s->nwatch]);
}

int
local_set_apply(struct local_set *s, const struct config *c, char *err,
    size_t errlen)
{
	struct config *copy = malloc(sizeof(*copy));
	struct config *old = s->cfg;
	char why[512];

	if (copy == NULL) {
		snprintf(err, errlen, "local names: out of memory");
		return -1;
	}
	*copy = *c;
	s->cfg = copy;
	if (rebuild(s, err, errlen) != 0) {
		s->cfg = old;
		free(copy);
		return -1;
	}
	free(old);
	unwatch(s);
	for (size_t i = 0; i < copy->nhosts_file; i++) {
		struct resolv_watch *w = resolv_watch_new(s->loop,
		    copy->hosts_file[i], hosts_changed, s, why, sizeof(why));

		if (w == NULL)
			log_warnx("%s: not followed (%s): its changes apply "
				  "on reload only",
			    copy->hosts_file[i], why);
		else
			s->watch[s->nwatch++] = w;
	}
	return 0;
}

void
local_set_free(struct local_set *s)
{
	if (s == NULL)
		return;
	unwatch(s);
	query_ctx_set_local(s->qc, NULL);
	local_table_free(s->table);
	free(s->cfg);
	free(s);
}
