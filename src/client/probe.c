/*
 * src/client/probe.c - many DNS exchanges at once (see probe.h).
 *
 * Each probe is a small state machine driven by one poll() loop:
 *
 *	UDP:  WAIT_REPLY --datagram with our id--> DONE
 *	TCP:  CONNECTING --writable, SO_ERROR 0, framed query sent-->
 *	      READ_LEN --2 octets--> READ_BODY --length octets--> DONE
 *
 * and any socket error, or the deadline, ends it in DONE with err set.
 * Invariants: every socket is nonblocking and close-on-exec and closed
 * when its probe is DONE; a TCP reply is read into a buffer of exactly
 * the announced length; no wait passes the deadline.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "probe.h"

enum probe_state {
	PROBE_WAIT_REPLY,
	PROBE_CONNECTING,
	PROBE_READ_LEN,
	PROBE_READ_BODY,
	PROBE_DONE,
};

static void
probe_end(struct probe *p, const char *err)
{
	if (err != NULL && p->reply == NULL)
		snprintf(p->err, sizeof(p->err), "%s", err);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->buf);
	p->buf = NULL;
	p->state = PROBE_DONE;
}

/* Take the reply in p->buf[0..len) if it answers p's query. */
static bool
probe_take(struct probe *p, const uint8_t *buf, size_t len)
{
	ldns_pkt *r = NULL;

	if (len < 12 || memcmp(buf, p->query, 2) != 0 || (buf[2] & 0x80) == 0)
		return false;
	if (ldns_wire2pkt(&r, buf, len) != LDNS_STATUS_OK) {
		snprintf(p->err, sizeof(p->err), "malformed reply");
		return true;
	}
	p->reply = r;
	p->size = len;
	p->rtt_ms = (double)(clock_mono_us() - p->t0) / 1e3;
	return true;
}

static size_t
sslen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

/* Open p's socket and send (UDP) or start connecting (TCP). */
static void
probe_start(struct probe *p)
{
	int type =
	    (p->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;

	p->t0 = clock_mono_us();
	if ((p->fd = socket(p->ss.ss_family, type, 0)) == -1) {
		probe_end(p, strerror(errno));
		return;
	}
	if (connect(p->fd, (const struct sockaddr *)&p->ss,
		(socklen_t)sslen(&p->ss)) == -1 &&
	    errno != EINPROGRESS) {
		probe_end(p, strerror(errno));
		return;
	}
	if (p->tcp) {
		p->state = PROBE_CONNECTING;
		return;
	}
	if (send(p->fd, p->query, p->qlen, 0) != (ssize_t)p->qlen) {
		probe_end(p, strerror(errno));
		return;
	}
	p->state = PROBE_WAIT_REPLY;
}

/* The framed query, once connected; the query is small enough that one
 * write of a fresh connection's buffer takes it whole. */
static void
probe_connected(struct probe *p)
{
	uint8_t frame[2 + 65535];
	int err = 0;
	socklen_t elen = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
	    err != 0) {
		probe_end(p, strerror(err != 0 ? err : errno));
		return;
	}
	frame[0] = (uint8_t)(p->qlen >> 8);
	frame[1] = (uint8_t)p->qlen;
	memcpy(frame + 2, p->query, p->qlen);
	if (send(p->fd, frame, p->qlen + 2, MSG_NOSIGNAL) !=
	    (ssize_t)(p->qlen + 2)) {
		probe_end(p, strerror(errno));
		return;
	}
	p->state = PROBE_READ_LEN;
	p->have = 0;
	p->need = 2;
	if ((p->buf = malloc(2)) == NULL)
		probe_end(p, "out of memory");
}

/* Read what the TCP stream has for the length or the body. */
static void
probe_read_tcp(struct probe *p)
{
	ssize_t n = recv(p->fd, p->buf + p->have, p->need - p->have, 0);
	uint8_t *grown;

	if (n == 0) {
		probe_end(p, "connection closed");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			probe_end(p, strerror(errno));
		return;
	}
	p->have += (size_t)n;
	if (p->have < p->need)
		return;
	if (p->state == PROBE_READ_LEN) {
		p->need = (size_t)(p->buf[0] << 8 | p->buf[1]);
		p->have = 0;
		if (p->need == 0 ||
		    (grown = realloc(p->buf, p->need)) == NULL) {
			probe_end(p,
			    p->need == 0 ? "empty reply" : "no memory");
			return;
		}
		p->buf = grown;
		p->state = PROBE_READ_BODY;
		return;
	}
	if (!probe_take(p, p->buf, p->have))
		snprintf(p->err, sizeof(p->err), "reply to another query");
	probe_end(p, NULL);
}

static void
probe_ready(struct probe *p, short revents)
{
	uint8_t buf[65535];
	ssize_t n;

	switch (p->state) {
	case PROBE_WAIT_REPLY:
		while ((n = recv(p->fd, buf, sizeof(buf), 0)) >= 0)
			if (probe_take(p, buf, (size_t)n)) {
				probe_end(p, NULL);
				return;
			}
		if (errno != EAGAIN && errno != EINTR)
			probe_end(p, strerror(errno));
		return;
	case PROBE_CONNECTING:
		probe_connected(p);
		return;
	case PROBE_READ_LEN:
	case PROBE_READ_BODY:
		if (revents & (POLLIN | POLLHUP | POLLERR))
			probe_read_tcp(p);
		return;
	default:
		return;
	}
}

int
probe_run(struct probe *p, size_t n, int timeout_ms)
{
	struct pollfd *pfd;
	size_t *who, i, k, live;
	uint64_t end = clock_mono_ms() + (uint64_t)timeout_ms, now;

	if (n > PROBE_MAX || (pfd = calloc(n + 1, sizeof(*pfd))) == NULL)
		return -1;
	if ((who = calloc(n + 1, sizeof(*who))) == NULL) {
		free(pfd);
		return -1;
	}
	for (i = 0; i < n; i++) {
		p[i].reply = NULL;
		p[i].err[0] = '\0';
		p[i].buf = NULL;
		p[i].fd = -1;
		if (p[i].skip)
			probe_end(&p[i], "not asked");
		else
			probe_start(&p[i]);
	}
	for (;;) {
		for (i = 0, live = 0; i < n; i++) {
			if (p[i].state == PROBE_DONE)
				continue;
			pfd[live].fd = p[i].fd;
			pfd[live].events =
			    p[i].state == PROBE_CONNECTING ? POLLOUT : POLLIN;
			pfd[live].revents = 0;
			who[live++] = i;
		}
		now = clock_mono_ms();
		if (live == 0 || now >= end)
			break;
		if (poll(pfd, live, (int)(end - now)) < 0 && errno != EINTR)
			break;
		for (k = 0; k < live; k++)
			if (pfd[k].revents != 0)
				probe_ready(&p[who[k]], pfd[k].revents);
	}
	for (i = 0; i < n; i++)
		if (p[i].state != PROBE_DONE)
			probe_end(&p[i], "timeout");
	free(pfd);
	free(who);
	return 0;
}

void
probe_free_replies(struct probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ldns_pkt_free(p[i].reply);
		p[i].reply = NULL;
	}
}
