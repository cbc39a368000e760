/*
 * src/client/ctl.c - the transport to roostd's control socket (see ctl.h).
 *
 * Invariants: the socket is close-on-exec and every read or write on it
 * is bounded by CTL_TIMEOUT_S; the reply is read line by line as it
 * comes (a dump of a large cache is never held whole); a failed open
 * leaves nothing open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "ctl.h"

/* "error " before the reason */
#define ERR_LEN (sizeof(CONTROL_PROTO_ERROR " ") - 1)

int
ctl_open(struct ctl_conn *c, const char *request)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd;

	c->f = NULL;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		fprintf(stderr,
		    "%s: %s: control socket path too long (%zu characters; "
		    "a unix socket path has at most %zu): %s\n",
		    CLIENT_PROGNAME, c->cmd, strlen(c->path),
		    sizeof(sun.sun_path) - 1, c->path);
		return CLIENT_EXIT_USAGE;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fprintf(stderr, "%s: %s: socket: %s\n", CLIENT_PROGNAME, c->cmd,
		    strerror(errno));
		return CLIENT_EXIT_FAIL;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		fprintf(stderr, "%s: %s: cannot reach roostd at %s: %s%s\n",
		    CLIENT_PROGNAME, c->cmd, c->path, strerror(e),
		    e == EACCES || e == EPERM
			? " (only root, roostd's user and its group may use "
			  "it)"
			: e == ENOENT || e == ECONNREFUSED
			? " (is roostd running? its control-socket, or "
			  "--control PATH)"
			: "");
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) !=
	    (ssize_t)strlen(request)) {
		fprintf(stderr, "%s: %s: cannot send to roostd at %s: %s\n",
		    CLIENT_PROGNAME, c->cmd, c->path, strerror(errno));
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	if ((c->f = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", CLIENT_PROGNAME, c->cmd,
		    strerror(errno));
		close(fd);
		return CLIENT_EXIT_FAIL;
	}
	n = getline(&line, &cap, c->f);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n >= 0 && strcmp(line, CONTROL_PROTO_OK) == 0) {
		free(line);
		return CLIENT_EXIT_ANSWER;
	}
	if (n > (ssize_t)ERR_LEN &&
	    strncmp(line, CONTROL_PROTO_ERROR " ", ERR_LEN) == 0)
		fprintf(stderr, "%s: %s: roostd at %s: %s\n", CLIENT_PROGNAME,
		    c->cmd, c->path, line + ERR_LEN);
	else
		fprintf(stderr, "%s: %s: no reply from roostd at %s%s%s\n",
		    CLIENT_PROGNAME, c->cmd, c->path,
		    n < 0 && errno != 0 ? ": " : "",
		    n < 0 && errno != 0 ? strerror(errno) : "");
	free(line);
	fclose(c->f);
	c->f = NULL;
	return CLIENT_EXIT_FAIL;
}

int
ctl_line(struct ctl_conn *c, char **line, size_t *cap)
{
	ssize_t n;

	errno = 0;
	n = getline(line, cap, c->f);
	if (n <= 0 || (*line)[n - 1] != '\n') {
		fprintf(stderr, "%s: %s: roostd's reply was cut short%s%s\n",
		    CLIENT_PROGNAME, c->cmd, errno != 0 ? ": " : "",
		    errno != 0 ? strerror(errno) : "");
		return -1;
	}
	(*line)[n - 1] = '\0';
	return strcmp(*line, CONTROL_PROTO_END) == 0 ? 0 : 1;
}

void
ctl_close(struct ctl_conn *c)
{
	if (c->f != NULL)
		fclose(c->f);
	c->f = NULL;
}
