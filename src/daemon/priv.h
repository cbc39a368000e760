/*
 * src/daemon/priv.h - privileges: started as root, roostd binds its
 * sockets and creates its control socket, then becomes the configured
 * user for good.
 */
#ifndef ROOST_PRIV_H
#define ROOST_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/*
 * The user roostd will become: true with its uid and gid when running
 * as root and c->user is known and not "root"; false when roostd stays
 * as it is (or the user is unknown: priv_drop() says so).
 */
bool priv_target(const struct config *c, uid_t *uid, gid_t *gid);

/*
 * Started as root: becomes c->user (its uid and primary group, no
 * supplementary groups) for good.  With setresuid() every saved id goes
 * too, and the kernel clears the permitted and effective capabilities
 * (no SECBIT_KEEP_CAPS).  Returns 0 (also when not root, or user is
 * "root", which logs a warning), or -1 with err filled and *bad_config
 * true when the configuration is at fault (an unknown user, or one with
 * uid 0), false when the system refused.
 */
int
priv_drop(const struct config *c, bool *bad_config, char *err, size_t errlen);

#endif /* ROOST_PRIV_H */
