/*
 * src/client/ctl.h - the client's side of roostd's control socket: connect,
 * send one request, read the status line and then the data lines.
 *
 * The protocol (kept in step with src/daemon/control.h): the client sends
 * one request line ("stats\n", "flush name NAME\n", ...); roostd answers
 * "ok" or "error REASON", then for "ok" data lines and a terminating ".".
 * The constants below are the client's copy of the socket path and its
 * timeout; they are meant to come from one shared header.
 *
 * Ownership: a struct ctl_conn owns its socket (as a FILE) from a
 * successful ctl_open() until ctl_close().  Errors are printed on stderr
 * as "roost: CMD: ..." here, so every command words them alike.
 */
#ifndef ROOST_CTL_H
#define ROOST_CTL_H

#include <stddef.h>
#include <stdio.h>

#include "control_proto.h"

/* roostd's control socket when neither --control nor the build says. */
#ifndef CTL_DEFAULT_PATH
#define CTL_DEFAULT_PATH CONTROL_PROTO_DEFAULT_PATH
#endif
/* roostd answers within a loop pass; a reply that stalls this long
 * (between two reads) is given up on */
#define CTL_TIMEOUT_S 10

struct ctl_conn {
	const char *path; /* the socket; not owned */
	const char *cmd;  /* the command's name, for messages; not owned */
	FILE *f;          /* the connection once open, else NULL */
};

/*
 * Connect to c->path, send request (one line, LF included) and read the
 * status line.  Returns CLIENT_EXIT_ANSWER with c->f ready for the data
 * lines, or another exit status with the error printed and nothing left
 * open (CLIENT_EXIT_USAGE for a path too long for a unix socket).
 */
int ctl_open(struct ctl_conn *c, const char *request);

/*
 * The next data line into *line (getline(3)'s buffer, which the caller
 * frees), without its LF.  Returns 1 for a line, 0 at the terminator,
 * -1 if the reply was cut short (error printed).
 */
int ctl_line(struct ctl_conn *c, char **line, size_t *cap);

/* Close c's connection, if open (twice is fine). */
void ctl_close(struct ctl_conn *c);

#endif /* ROOST_CTL_H */
