/*
 * bench/echo.c - a bare UDP echo: the floor of the benchmark.
 *
 * Usage: echo PORT [WORKERS]
 *
 * Binds UDP 127.0.0.1#PORT and answers every datagram with itself, the
 * QR bit set (byte 2 |= 0x80): to dnsperf, a NOERROR reply with the
 * query's id.  Its loop is roostd's UDP loop (src/daemon/listen.c) minus every
 * piece of DNS work: epoll_wait, then recvmmsg batches of ECHO_BATCH
 * with MSG_DONTWAIT, each batch sent back with one sendmmsg, back to
 * epoll_wait after a short batch or ECHO_PER_WAKEUP datagrams.  So its
 * CPU per datagram is what the kernel costs on this machine: no
 * resolver built on recvmmsg/sendmmsg can go below it.
 *
 * WORKERS (default 1, at most ECHO_MAX_WORKERS) threads each bind their
 * own SO_REUSEPORT socket on the same port and run their own epoll loop
 * (the kernel spreads clients over the sockets by source address/port).
 *
 * A benchmark tool only, built by bench/run with cc; never installed.
 *
 * Invariants: only 127.0.0.1 is bound; nothing is sent but replies to
 * the datagrams received.  What would block on send is dropped (UDP).
 * Failure: a setup error or an unexpected socket error prints a message
 * on stderr and exits 1; bad arguments exit 2.  SIGTERM and SIGINT end
 * the process (their default action; they are never blocked here).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define ECHO_BATCH 32          /* datagrams per recvmmsg(), as roostd */
#define ECHO_PER_WAKEUP 256    /* then back to epoll_wait, as roostd */
#define ECHO_MAX_DATAGRAM 4096 /* longer ones are dropped, as roostd */
#define ECHO_MAX_WORKERS 64

struct echo_worker {
	int fd; /* owned: the worker's socket */
	int ep; /* owned: its epoll instance */
	uint8_t buf[ECHO_BATCH][ECHO_MAX_DATAGRAM];
	struct sockaddr_storage peer[ECHO_BATCH];
	struct iovec iov[ECHO_BATCH];
	struct mmsghdr msg[ECHO_BATCH];
	struct mmsghdr out[ECHO_BATCH];
};

static void
echo_die(const char *what)
{
	fprintf(stderr, "echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Opens the worker's socket and epoll instance; exits on failure. */
static void
echo_open(struct echo_worker *w, uint16_t port, int reuseport)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	w->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0)
		echo_die("socket");
	if (reuseport &&
	    setsockopt(w->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		echo_die("SO_REUSEPORT");
	if (bind(w->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		echo_die("bind 127.0.0.1");
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0)
		echo_die("epoll_create1");
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		echo_die("epoll_ctl");
}

/* Sends the n datagrams of the batch back; what would block is lost. */
static void
echo_flush(struct echo_worker *w, int n)
{
	int sent = 0;

	while (sent < n) {
		int k = sendmmsg(w->fd, w->out + sent, (unsigned)(n - sent),
		    MSG_DONTWAIT);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				echo_die("sendmmsg");
			return;
		}
		sent += k;
	}
}

/* Answers what is queued on the socket: whole batches until a short
 * one or ECHO_PER_WAKEUP datagrams. */
static void
echo_drain(struct echo_worker *w)
{
	int total = 0;

	while (total < ECHO_PER_WAKEUP) {
		int n, nout = 0;

		for (int i = 0; i < ECHO_BATCH; i++) {
			w->iov[i].iov_base = w->buf[i];
			w->iov[i].iov_len = sizeof(w->buf[i]);
			memset(&w->msg[i].msg_hdr, 0,
			    sizeof(w->msg[i].msg_hdr));
			w->msg[i].msg_hdr.msg_iov = &w->iov[i];
			w->msg[i].msg_hdr.msg_iovlen = 1;
			w->msg[i].msg_hdr.msg_name = &w->peer[i];
			w->msg[i].msg_hdr.msg_namelen = sizeof(w->peer[i]);
		}
		n = recvmmsg(w->fd, w->msg, ECHO_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				echo_die("recvmmsg");
			return;
		}
		for (int i = 0; i < n; i++) {
			struct msghdr *h = &w->msg[i].msg_hdr;

			/* too long or too short for a DNS header: drop */
			if ((h->msg_flags & MSG_TRUNC) ||
			    w->msg[i].msg_len < 12)
				continue;
			w->buf[i][2] |= 0x80;
			w->iov[i].iov_len = w->msg[i].msg_len;
			w->out[nout].msg_hdr = *h;
			w->out[nout].msg_hdr.msg_flags = 0;
			nout++;
		}
		echo_flush(w, nout);
		total += n;
		if (n < ECHO_BATCH)
			return;
	}
}

static void *
echo_loop(void *arg)
{
	struct echo_worker *w = arg;

	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(w->ep, ev, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			echo_die("epoll_wait");
		}
		if (n > 0)
			echo_drain(w);
	}
	return NULL;
}

static long
echo_arg(const char *s, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "echo: %s must be 1..%ld, not '%s'\n", what,
		    max, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct echo_worker *w;
	pthread_t tid;
	long port, nw = 1;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: echo PORT [WORKERS]\n");
		return 2;
	}
	port = echo_arg(argv[1], 65535, "PORT");
	if (argc == 3)
		nw = echo_arg(argv[2], ECHO_MAX_WORKERS, "WORKERS");
	/* the workers live until the process ends; the kernel frees them */
	w = calloc((size_t)nw, sizeof(*w));
	if (w == NULL)
		echo_die("calloc");
	/* every socket bound before any answers, so none misses its share */
	for (long i = 0; i < nw; i++)
		echo_open(&w[i], (uint16_t)port, nw > 1);
	for (long i = 1; i < nw; i++) {
		err = pthread_create(&tid, NULL, echo_loop, &w[i]);
		if (err != 0) {
			errno = err;
			echo_die("pthread_create");
		}
	}
	echo_loop(&w[0]);
	return 0;
}
