/*
 * src/daemon/sd.c - roostd under systemd (see sd.h).
 *
 * Invariants:
 * - The watchdog timer is armed exactly while the watchdog is enabled
 *   and s is alive; each ping re-arms it, so pings stop when the loop
 *   stops running callbacks.
 * - The status timer is armed from rsd_ready() until rsd_stopping().
 * - Every notification is one sd_notify() call: a datagram to the
 *   manager's local socket.  Its result is ignored on purpose: without
 *   a manager there is nobody to tell, and with one a lost STATUS= is
 *   repaired by the next.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sd.h"

struct rsd {
	struct loop *loop;
	rsd_status_fn *status;
	void *arg;
	bool notify; /* $NOTIFY_SOCKET is set */
	unsigned long watchdog_ms;
	struct loop_timer watchdog;
	struct loop_timer refresh;
};

/* --- sockets ------------------------------------------------------- */

static void
close_passed(int n)
{
	for (int i = 0; i < n; i++)
		(void)close(SD_LISTEN_FDS_START + i);
}

/* Adds a's address to addrs unless it is there already. */
static void
add_addr(struct addr *addrs, size_t *naddrs, const struct addr *a)
{
	for (size_t i = 0; i < *naddrs; i++)
		if (addrs[i].len == a->len &&
		    memcmp(&addrs[i].ss, &a->ss, a->len) == 0)
			return;
	if (*naddrs < CONFIG_MAX_LISTEN)
		addrs[(*naddrs)++] = *a;
}

int
rsd_listen_fds(struct listen_fd *fds, size_t max, size_t *n, struct addr *addrs,
    size_t *naddrs, char *err, size_t errlen)
{
	char **names = NULL;
	int got = sd_listen_fds_with_names(1, &names);
	int rc = -1;

	*n = 0;
	*naddrs = 0;
	if (got < 0) {
		snprintf(err, errlen, "sockets from systemd: %s",
		    strerror(-got));
		return -1;
	}
	if ((size_t)got > max) {
		snprintf(err, errlen,
		    "systemd passed %d sockets, roostd takes at most %zu: "
		    "check roostd.socket",
		    got, max);
		goto out;
	}
	for (int i = 0; i < got; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name =
		    names != NULL && names[i] != NULL ? names[i] : "?";
		struct addr a = { .len = sizeof(a.ss) };
		enum listen_transport t;
		char text[ADDR_STRLEN];
		int fl;

		if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_DGRAM, -1, 0) > 0) {
			t = LISTEN_UDP;
		} else if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) >
		    0) {
			t = LISTEN_TCP;
		} else {
			snprintf(err, errlen,
			    "socket %d (\"%s\") from systemd is not an IPv4 "
			    "or IPv6 UDP socket or listening TCP socket: "
			    "check roostd.socket",
			    fd, name);
			goto out;
		}
		if (getsockname(fd, (struct sockaddr *)&a.ss, &a.len) != 0 ||
		    (fl = fcntl(fd, F_GETFL)) < 0 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
			snprintf(err, errlen,
			    "socket %d (\"%s\") from "
			    "systemd: %s",
			    fd, name, strerror(errno));
			goto out;
		}
		fds[i] = (struct listen_fd){ .fd = fd, .transport = t };
		add_addr(addrs, naddrs, &a);
		log_info("socket %d (\"%s\") from systemd: %s/%s", fd, name,
		    addr_str(&a, text, sizeof(text)),
		    t == LISTEN_UDP ? "udp" : "tcp");
	}
	*n = (size_t)got;
	rc = 0;
out:
	if (rc != 0) {
		close_passed(got);
		*naddrs = 0;
	}
	if (names != NULL) {
		for (int i = 0; i < got; i++)
			free(names[i]);
		free(names);
	}
	return rc;
}

/* --- notifications ------------------------------------------------- */

static void
send_status(struct rsd *s, const char *prefix)
{
	char line[RSD_STATUS_LEN], msg[RSD_STATUS_LEN + 64];

	line[0] = '\0';
	s->status(s->arg, line, sizeof(line));
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", prefix, line);
	(void)sd_notify(0, msg);
}

static void
watchdog_ping(void *arg)
{
	struct rsd *s = arg;

	(void)sd_notify(0, "WATCHDOG=1");
	if (loop_timer_set(s->loop, &s->watchdog, s->watchdog_ms) != 0)
		log_warn("watchdog timer");
}

static void
status_refresh(void *arg)
{
	struct rsd *s = arg;

	send_status(s, "");
	(void)loop_timer_set(s->loop, &s->refresh, RSD_STATUS_MS);
}

struct rsd *
rsd_new(struct loop *l, rsd_status_fn *status, void *arg)
{
	struct rsd *s = calloc(1, sizeof(*s));
	uint64_t usec = 0;

	if (s == NULL)
		return NULL;
	s->loop = l;
	s->status = status;
	s->arg = arg;
	s->notify = getenv("NOTIFY_SOCKET") != NULL;
	loop_timer_init(&s->watchdog, watchdog_ping, s);
	loop_timer_init(&s->refresh, status_refresh, s);
	/* unset_environment 0: a restart of ours must see it too */
	if (s->notify && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		s->watchdog_ms = (unsigned long)(usec / 2000);
		if (s->watchdog_ms == 0)
			s->watchdog_ms = 1;
		if (loop_timer_set(l, &s->watchdog, s->watchdog_ms) != 0) {
			free(s);
			return NULL;
		}
		log_info("watchdog: pinging systemd every %lu ms",
		    s->watchdog_ms);
	}
	return s;
}

unsigned long
rsd_watchdog_ms(const struct rsd *s)
{
	return s->watchdog_ms;
}

void
rsd_ready(struct rsd *s)
{
	if (!s->notify)
		return;
	send_status(s, "READY=1\n");
	(void)loop_timer_set(s->loop, &s->refresh, RSD_STATUS_MS);
}

void
rsd_reloading(struct rsd *s)
{
	char msg[128];

	if (!s->notify)
		return;
	/* MONOTONIC_USEC: what Type=notify-reload (systemd 253) wants;
	 * older managers ignore it */
	snprintf(msg, sizeof(msg),
	    "RELOADING=1\nSTATUS=reloading the configuration\n"
	    "MONOTONIC_USEC=%" PRIu64,
	    clock_mono_us());
	(void)sd_notify(0, msg);
}

void
rsd_stopping(struct rsd *s, const char *why)
{
	char msg[RSD_STATUS_LEN + 32];

	loop_timer_cancel(s->loop, &s->refresh);
	if (!s->notify)
		return;
	snprintf(msg, sizeof(msg), "STOPPING=1\nSTATUS=%s", why);
	(void)sd_notify(0, msg);
}

void
rsd_status_now(struct rsd *s, const char *text)
{
	char msg[RSD_STATUS_LEN + 16];

	if (!s->notify)
		return;
	snprintf(msg, sizeof(msg), "STATUS=%s", text);
	(void)sd_notify(0, msg);
}

void
rsd_free(struct rsd *s)
{
	if (s == NULL)
		return;
	loop_timer_cancel(s->loop, &s->watchdog);
	loop_timer_cancel(s->loop, &s->refresh);
	free(s);
}
