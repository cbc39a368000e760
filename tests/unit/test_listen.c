/*
 * tests/unit/test_listen.c - UDP answers given outside a receive batch,
 * over real sockets on 127.0.0.1 (nothing leaves the machine).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "listen.h"
#include "loop.h"

/* --- UDP answers given outside a receive batch ----------------------- */

#define NQ 5

struct held {
	struct listen_reply_to to[NQ];
	uint8_t first[NQ]; /* the query's first octet */
	size_t n;
};

/* Keeps every query's reply_to, as a fetch upstream does. */
static void
hold_query(void *arg, const struct listen_reply_to *from, const uint8_t *msg,
    size_t len)
{
	struct held *h = arg;

	assert_true(len >= 1 && h->n < NQ);
	h->to[h->n] = *from;
	h->first[h->n] = msg[0];
	h->n++;
}

/* A UDP socket on 127.0.0.1 with a port of the kernel's choice. */
static int
udp_socket(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
send_to_port(int fd, uint16_t port, uint8_t first)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	uint8_t q[12] = { first };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(
	    sendto(fd, q, sizeof(q), 0, (struct sockaddr *)&a, sizeof(a)),
	    (ssize_t)sizeof(q));
}

/* Reads every answer waiting on fd: first octets into got[], and the
 * port each came from into from[]. */
static size_t
read_answers(int fd, uint8_t *got, uint16_t *from, size_t max)
{
	size_t n = 0;

	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		uint8_t b[64];
		ssize_t r = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT,
		    (struct sockaddr *)&a, &alen);

		if (r < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			return n;
		}
		assert_true(n < max);
		got[n] = b[0];
		from[n] = ntohs(a.sin_port);
		n++;
	}
}

/*
 * Answers given outside a batch wait for the end of the loop pass and
 * then leave together, each by the socket its query came in on: a
 * change of socket sends what waits first, and freeing the set sends
 * what is left.
 */
static void
test_listen_udp_answers_outside_a_batch_wait_for_the_pass(void **state)
{
	struct config *c = calloc(1, sizeof(*c));
	struct loop *l = loop_new();
	struct listen_set *s;
	struct listen_fd fds[2];
	struct held h = { .n = 0 };
	uint16_t port[2], from[NQ];
	uint8_t got[NQ];
	/* which socket each query goes to: A B A A B */
	const int sock_of[NQ] = { 0, 1, 0, 0, 1 };
	int client, passes = 0;
	size_t n;
	char err[256];

	(void)state;
	assert_non_null(c);
	assert_non_null(l);
	config_defaults(c);
	for (int i = 0; i < 2; i++) {
		fds[i].fd = udp_socket(&port[i]);
		fds[i].transport = LISTEN_UDP;
	}
	s = listen_set_adopt(l, c, fds, 2, hold_query, &h, err, sizeof(err));
	assert_non_null(s);
	client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(client >= 0);
	for (int i = 0; i < NQ; i++)
		send_to_port(client, port[sock_of[i]], (uint8_t)('a' + i));
	while (h.n < NQ && passes++ < 1000)
		assert_int_equal(loop_run_once(l, 100), 0);
	assert_int_equal(h.n, NQ);

	/* Answered in the order received, from outside any batch.  The
	 * kernel may hand over the two sockets' queries in either order,
	 * so count what a change of socket must have sent. */
	for (size_t i = 0; i < NQ; i++)
		listen_reply(s, &h.to[i], &h.first[i], 1);
	n = read_answers(client, got, from, NQ);
	{
		size_t changes = 0;

		for (size_t i = 1; i < NQ; i++)
			if (h.to[i].fd != h.to[i - 1].fd)
				changes++;
		/* everything up to the last change went at once; the
		 * last run of the same socket waits */
		size_t last_run = 1;

		while (last_run < NQ &&
		    h.to[NQ - 1 - last_run].fd == h.to[NQ - 1].fd)
			last_run++;
		assert_true(changes > 0);
		assert_int_equal(n, NQ - last_run);
	}
	/* the end of the pass sends the rest */
	assert_int_equal(loop_run_once(l, 0), 0);
	n += read_answers(client, got + n, from + n, NQ - n);
	assert_int_equal(n, NQ);
	for (size_t i = 0; i < NQ; i++) {
		int q = got[i] - 'a';

		assert_true(q >= 0 && q < NQ);
		assert_int_equal(from[i], port[sock_of[q]]);
	}

	/* one more query, answered and left waiting: freeing sends it */
	h.n = 0;
	send_to_port(client, port[1], 'z');
	passes = 0;
	while (h.n < 1 && passes++ < 1000)
		assert_int_equal(loop_run_once(l, 100), 0);
	assert_int_equal(h.n, 1);
	listen_reply(s, &h.to[0], &h.first[0], 1);
	assert_int_equal(read_answers(client, got, from, NQ), 0);
	listen_set_free(s);
	{
		struct pollfd p = { .fd = client, .events = POLLIN };

		assert_int_equal(poll(&p, 1, 1000), 1);
	}
	assert_int_equal(read_answers(client, got, from, NQ), 1);
	assert_int_equal(got[0], 'z');
	assert_int_equal(from[0], port[1]);
	close(client);
	loop_free(l);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_listen_udp_answers_outside_a_batch_wait_for_the_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
