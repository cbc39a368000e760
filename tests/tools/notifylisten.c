/*
 * tests/tools/notifylisten.c - a stand-in for systemd's notification
 * socket, for roostd's tests: binds a unix datagram socket at PATH (what
 * $NOTIFY_SOCKET names) and writes every datagram it receives to stdout,
 * one "N: FIELD" line per newline-separated field, N counting
 * datagrams from 1, flushed at once.  "ready" on stderr once bound.
 *
 * usage: notifylisten PATH
 * Runs until SIGTERM/SIGINT (exit 0); exit 1 on a socket error, 2 on
 * bad usage.  Only for tests: it trusts what it reads, and prints
 * non-printable octets as '?'.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_MAX 4096 /* sd_notify() messages are far smaller */

static volatile sig_atomic_t stop;

static void
on_signal(int signo)
{
	(void)signo;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_signal };
	char buf[NOTIFY_MAX + 1];
	unsigned long count = 0;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notifylisten PATH\n");
		return 2;
	}
	/* no SA_RESTART: recv() returns EINTR and the loop ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	(void)unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror("notifylisten: socket");
		return 1;
	}
	fprintf(stderr, "ready\n");
	while (!stop) {
		ssize_t n = recv(fd, buf, NOTIFY_MAX, 0);
		char *field, *save = NULL;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("notifylisten: recv");
			return 1;
		}
		count++;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != '\n' && (buf[i] < 0x20 || buf[i] > 0x7e))
				buf[i] = '?';
		buf[n] = '\0';
		for (field = strtok_r(buf, "\n", &save); field != NULL;
		     field = strtok_r(NULL, "\n", &save))
			printf("%lu: %s\n", count, field);
		fflush(stdout);
	}
	(void)unlink(argv[1]);
	return 0;
}
