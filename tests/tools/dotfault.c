/*
 * tests/tools/dotfault.c - a DNS-over-TLS server that misbehaves on
 * purpose, for the fault tests of roostd's TLS transport (what Unbound
 * will not do): one connection at a time, blocking, answering every
 * question A 192.0.2.99 (TTL 300), in the way MODE says:
 *
 *	dotfault LISTEN CERT KEY MODE
 *
 *   trickle     each answer one octet per TLS record, 2 ms apart
 *   close-mid   the first answer's length and half of it, then a close
 *   no-tls      TCP accepted, and never a handshake (nor a close)
 *   answer      plainly (to show the set-up works)
 *
 * "ready" goes to stdout once it listens.  Test networks only: it binds
 * where it is told and answers whoever connects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mock_addr.h"

#define MAX_MSG 4096

enum mode { M_TRICKLE, M_CLOSE_MID, M_NO_TLS, M_ANSWER };

static int
read_full(SSL *ssl, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r = SSL_read(ssl, buf + got, (int)(n - got));

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The answer to query q (qlen octets) into a (2-octet length first);
 * returns its whole length, or 0 for a query it cannot read. */
static size_t
make_answer(const uint8_t *q, size_t qlen, uint8_t *a, size_t cap)
{
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0,
		4, 192, 0, 2, 99 };
	size_t off = 12, len;

	if (qlen < 12)
		return 0;
	while (off < qlen && q[off] != 0)
		off += (size_t)q[off] + 1;
	off += 1 + 4; /* the root label, type, class */
	if (off > qlen || 2 + off + sizeof(rr) > cap)
		return 0;
	memcpy(a + 2, q, off);
	a[2 + 2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD as asked */
	a[2 + 3] = 0x80;                 /* RA, NOERROR */
	a[2 + 6] = 0, a[2 + 7] = 1;      /* one answer */
	a[2 + 8] = a[2 + 9] = a[2 + 10] = a[2 + 11] = 0;
	memcpy(a + 2 + off, rr, sizeof(rr));
	len = off + sizeof(rr);
	a[0] = (uint8_t)(len >> 8);
	a[1] = (uint8_t)len;
	return len + 2;
}

static void
serve(SSL *ssl, enum mode m)
{
	uint8_t q[MAX_MSG], a[MAX_MSG + 64];
	struct timespec ms2 = { 0, 2000000 };

	for (;;) {
		size_t qlen, alen;

		if (read_full(ssl, q, 2) != 0)
			return;
		qlen = (size_t)q[0] << 8 | q[1];
		if (qlen == 0 || qlen > MAX_MSG || read_full(ssl, q, qlen) != 0)
			return;
		if ((alen = make_answer(q, qlen, a, sizeof(a))) == 0)
			return;
		switch (m) {
		case M_TRICKLE:
			for (size_t i = 0; i < alen; i++) {
				if (SSL_write(ssl, a + i, 1) != 1)
					return;
				nanosleep(&ms2, NULL);
			}
			break;
		case M_CLOSE_MID:
			(void)SSL_write(ssl, a, (int)(alen / 2));
			return;
		case M_ANSWER:
		case M_NO_TLS:
			if (SSL_write(ssl, a, (int)alen) != (int)alen)
				return;
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char err[256];
	enum mode m;
	SSL_CTX *ctx;
	int lfd, one = 1;

	if (argc != 5) {
		fprintf(stderr,
		    "usage: dotfault LISTEN CERT KEY "
		    "trickle|close-mid|no-tls|answer\n");
		return 2;
	}
	if (strcmp(argv[4], "trickle") == 0)
		m = M_TRICKLE;
	else if (strcmp(argv[4], "close-mid") == 0)
		m = M_CLOSE_MID;
	else if (strcmp(argv[4], "no-tls") == 0)
		m = M_NO_TLS;
	else if (strcmp(argv[4], "answer") == 0)
		m = M_ANSWER;
	else {
		fprintf(stderr, "dotfault: unknown mode %s\n", argv[4]);
		return 2;
	}
	if (mock_addr_parse(argv[1], &ss, &sslen, err, sizeof(err)) != 0) {
		fprintf(stderr, "dotfault: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	if ((lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&ss, sslen) != 0 ||
	    listen(lfd, 16) != 0) {
		fprintf(stderr, "dotfault: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		SSL *ssl;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (m == M_NO_TLS) {
			pause(); /* holds the connection, says nothing */
			continue;
		}
		if ((ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1 &&
		    SSL_accept(ssl) == 1)
			serve(ssl, m);
		SSL_free(ssl);
		close(fd);
	}
}
