/*
 * src/daemon/localset.h - the local names in force: the table built from
 * the configuration (local.h) and its hosts files (hosts.h), handed to
 * the query path, and built again when a hosts file changes (followed
 * as resolv.conf is: resolvwatch.h) or the configuration is reloaded.
 * A build that fails keeps the table in force.
 *
 * Ownership: the set owns its table, its copy of the configuration and
 * its watches; the query context it feeds must outlive it.
 */
#ifndef ROOST_LOCALSET_H
#define ROOST_LOCALSET_H

#include <stddef.h>

#include "config.h"
#include "loop.h"
#include "query.h"

struct local_set;

/* An empty set feeding q.  Returns it, or NULL (out of memory). */
struct local_set *local_set_new(struct loop *l, struct query_ctx *q);

/*
 * Builds the table of c (copied) with its hosts files, puts it in force
 * and follows the files.  A hosts file that is missing counts as empty,
 * one that cannot be read is logged and skipped, bad lines are logged
 * as FILE:LINE.  Returns 0, or -1 with why in err (out of memory) and
 * the table in force kept.
 */
int local_set_apply(struct local_set *s, const struct config *c, char *err,
    size_t errlen);

/* Frees s, its table and watches; the query context gets no table. */
void local_set_free(struct local_set *s);

#endif /* ROOST_LOCALSET_H */
