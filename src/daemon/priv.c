/*
 * src/daemon/priv.c - privilege drop: from root to the configured user,
 * for good (see priv.h).
 *
 * Invariant: priv_drop() returns 0 only when root cannot come back (it
 * checks by trying), or when it was asked to stay root or never was.
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

bool
priv_target(const struct config *c, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (geteuid() != 0 || strcmp(c->user, "root") == 0 ||
	    (pw = getpwnam(c->user)) == NULL)
		return false;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

int
priv_drop(const struct config *c, bool *bad_config, char *err, size_t errlen)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if (strcmp(c->user, "root") == 0) {
		log_warnx("running as root (user = root): a bug in roostd "
			  "would be a bug with root's rights");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(c->user)) == NULL) {
		*bad_config = true;
		snprintf(err, errlen,
		    "user \"%s\" %s: create it (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s) or set "
		    "\"user\" in the configuration",
		    c->user, errno != 0 ? strerror(errno) : "does not exist",
		    c->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		*bad_config = true;
		snprintf(err, errlen,
		    "user \"%s\" has uid 0: roostd would keep root; name "
		    "an unprivileged user",
		    c->user);
		return -1;
	}
	*bad_config = false;
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "cannot switch to user \"%s\": %s",
		    c->user, strerror(errno));
		return -1;
	}
	/* never go on if root could come back */
	if (setuid(0) == 0 || seteuid(0) == 0 || geteuid() == 0 ||
	    getuid() == 0) {
		snprintf(err, errlen,
		    "switched to user \"%s\" but could regain root", c->user);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", c->user, (unsigned)uid,
	    (unsigned)gid);
	return 0;
}
