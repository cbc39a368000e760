/*
 * tests/tools/lossyproxy.c - a lossy UDP link for the tests: datagrams
 * from clients to LISTEN are passed to UPSTREAM, and the replies back,
 * except that a share of the replies (PERCENT in 100) is dropped, chosen
 * by a xorshift generator from a fixed seed.
 *
 *	lossyproxy [-e] [-s SEED] [-c FILE] LISTEN UPSTREAM PERCENT
 *
 * With -e it is also an EDNS-ignorant middlebox, as old home routers
 * are: the OPT record of each query is removed before it goes upstream,
 * so the upstream answers without OPT and without DNSSEC records ("DO
 * ignored").
 * Each client address gets its own socket toward UPSTREAM (at most
 * PROXY_MAX_CLIENTS; more are refused, counted), so replies find their
 * way back.  On SIGUSR1 (and at SIGTERM, before exiting 0) it writes
 * "queries N replies N dropped N refused N opt_removed N" to FILE (-c)
 * or stderr;
 * "ready" goes to stdout once the socket is bound.  Test networks only:
 * it binds where it is told and talks to one upstream.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mock_addr.h"

#define PROXY_MAX_CLIENTS 64
#define PROXY_BUF 65536

struct client {
	struct sockaddr_storage addr;
	socklen_t len;
	int fd; /* toward the upstream */
};

static volatile sig_atomic_t got_usr1, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static uint64_t rng;

/* xorshift64*: reproducible from the seed, good enough to drop by */
static unsigned
rng_percent(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % 100;
}

struct counts {
	unsigned long queries, replies, dropped, refused, opt_removed;
};

static int strip_edns;

/* The offset past the name at off in m (n octets), or 0 if it runs out. */
static size_t
skip_name(const uint8_t *m, size_t n, size_t off)
{
	while (off < n) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : 0;
		if (m[off] == 0)
			return off + 1;
		off += 1 + (size_t)m[off];
	}
	return 0;
}

/*
 * Removes every OPT record from the additional section of the message m
 * (*n octets), fixing ARCOUNT; leaves a message it cannot walk alone.
 * Returns how many it removed.
 */
static unsigned
remove_opt(uint8_t *m, size_t *n)
{
	size_t off = 12, rr, end;
	unsigned counts[4], removed = 0, type;

	if (*n < 12)
		return 0;
	for (int i = 0; i < 4; i++)
		counts[i] = (unsigned)m[4 + 2 * i] << 8 | m[5 + 2 * i];
	for (unsigned i = 0; i < counts[0]; i++)
		if ((off = skip_name(m, *n, off)) == 0 || (off += 4) > *n)
			return 0;
	for (int sec = 1; sec < 4; sec++)
		for (unsigned i = 0; i < counts[sec]; i++) {
			rr = off;
			if ((off = skip_name(m, *n, off)) == 0 || off + 10 > *n)
				return removed;
			type = (unsigned)m[off] << 8 | m[off + 1];
			end = off + 10 + ((size_t)m[off + 8] << 8 | m[off + 9]);
			if (end > *n)
				return removed;
			if (sec == 3 && type == 41) {
				memmove(m + rr, m + end, *n - end);
				*n -= end - rr;
				off = rr;
				removed++;
				m[10] = (uint8_t)((counts[3] - removed) >> 8);
				m[11] = (uint8_t)(counts[3] - removed);
			} else
				off = end;
		}
	return removed;
}

static void
write_counts(const char *path, const struct counts *c)
{
	FILE *f = path != NULL ? fopen(path, "w") : stderr;

	if (f == NULL) {
		fprintf(stderr, "lossyproxy: %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f,
	    "queries %lu replies %lu dropped %lu refused %lu opt_removed "
	    "%lu\n",
	    c->queries, c->replies, c->dropped, c->refused, c->opt_removed);
	if (f != stderr)
		fclose(f);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: lossyproxy [-e] [-s SEED] [-c FILE] LISTEN "
	    "UPSTREAM PERCENT\n");
	return 2;
}

/* The client slot for addr, made if new; NULL when full. */
static struct client *
client_for(struct client *cl, size_t *n, const struct sockaddr_storage *addr,
    socklen_t len, const struct sockaddr_storage *up, socklen_t uplen)
{
	for (size_t i = 0; i < *n; i++)
		if (cl[i].len == len && memcmp(&cl[i].addr, addr, len) == 0)
			return &cl[i];
	if (*n == PROXY_MAX_CLIENTS)
		return NULL;
	cl[*n].fd = socket(up->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (cl[*n].fd < 0 ||
	    connect(cl[*n].fd, (const struct sockaddr *)up, uplen) != 0) {
		if (cl[*n].fd >= 0)
			close(cl[*n].fd);
		return NULL;
	}
	cl[*n].addr = *addr;
	cl[*n].len = len;
	return &cl[(*n)++];
}

static uint8_t buf[PROXY_BUF];

/* A query from a client on fd: on to the upstream from its own socket. */
static void
relay_query(int fd, struct client *cl, size_t *ncl,
    const struct sockaddr_storage *up, socklen_t uplen, struct counts *c)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct client *k;
	ssize_t r;
	size_t n;

	r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &fromlen);
	if (r < 0)
		return;
	k = client_for(cl, ncl, &from, fromlen, up, uplen);
	if (k == NULL) {
		c->refused++;
		return;
	}
	n = (size_t)r;
	if (strip_edns)
		c->opt_removed += remove_opt(buf, &n);
	if (send(k->fd, buf, n, 0) >= 0)
		c->queries++;
}

/* A reply for client k: back to it through fd, unless the draw drops it. */
static void
relay_reply(int fd, const struct client *k, unsigned percent, struct counts *c)
{
	ssize_t r = recv(k->fd, buf, sizeof(buf), 0);

	if (r < 0)
		return; /* an ICMP error: the client times out */
	c->replies++;
	if (rng_percent() < percent) {
		c->dropped++;
		return;
	}
	(void)sendto(fd, buf, (size_t)r, 0, (const struct sockaddr *)&k->addr,
	    k->len);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage lis, up;
	socklen_t lislen, uplen;
	struct client cl[PROXY_MAX_CLIENTS];
	struct pollfd pfd[1 + PROXY_MAX_CLIENTS];
	struct counts c = { 0 };
	const char *counts = NULL;
	char err[128];
	size_t ncl = 0;
	unsigned percent;
	int ch, fd;

	rng = 0x726f6f73746c6f73ull; /* "roostlos" */
	while ((ch = getopt(argc, argv, "es:c:")) != -1) {
		switch (ch) {
		case 'e':
			strip_edns = 1;
			break;
		case 's':
			rng = strtoull(optarg, NULL, 0) | 1;
			break;
		case 'c':
			counts = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 3)
		return usage();
	if (mock_addr_parse(argv[optind], &lis, &lislen, err, sizeof(err)) ||
	    mock_addr_parse(argv[optind + 1], &up, &uplen, err, sizeof(err))) {
		fprintf(stderr, "lossyproxy: %s\n", err);
		return 2;
	}
	percent = (unsigned)strtoul(argv[optind + 2], NULL, 10);
	if (percent > 100)
		return usage();
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = socket(lis.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&lis, lislen) != 0) {
		fprintf(stderr, "lossyproxy: %s: %s\n", argv[optind],
		    strerror(errno));
		return 4;
	}
	printf("ready\n");
	fflush(stdout);
	while (!got_term) {
		nfds_t n = 0;

		if (got_usr1) {
			got_usr1 = 0;
			write_counts(counts, &c);
		}
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		for (size_t i = 0; i < ncl; i++)
			pfd[n++] =
			    (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "lossyproxy: poll: %s\n",
			    strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN)
			relay_query(fd, cl, &ncl, &up, uplen, &c);
		for (size_t i = 1; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				relay_reply(fd, &cl[i - 1], percent, &c);
	}
	write_counts(counts, &c);
	for (size_t i = 0; i < ncl; i++)
		close(cl[i].fd);
	close(fd);
	return 0;
}
