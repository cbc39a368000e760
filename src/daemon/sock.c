/*
 * src/daemon/sock.c - opening the sockets roostd serves clients on (see
 * sock.h).
 *
 * Invariants:
 * - Every fd is nonblocking and close-on-exec from socket() on.
 * - On failure no fd is left open and errno is the failing call's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

/* Writes the way out of a bind() failure into buf ("" if none). */
static const char *
bind_hint(int err, const struct addr *a, char *buf, size_t buflen)
{
	uint16_t port;

	if (a->ss.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	buf[0] = '\0';
	switch (err) {
	case EACCES:
	case EPERM:
		if (port < 1024)
			snprintf(buf, buflen,
			    "; port %u needs root, CAP_NET_BIND_SERVICE or "
			    "systemd socket activation (or listen on a port "
			    "above 1023)",
			    port);
		break;
	case EADDRINUSE:
		snprintf(buf, buflen,
		    "; another program holds it (see which: ss -lntup "
		    "'sport = :%u')",
		    port);
		break;
	case EADDRNOTAVAIL:
		snprintf(buf, buflen, "; no local interface has that address");
		break;
	case EAFNOSUPPORT:
		snprintf(buf, buflen, "; IPv6 is disabled on this machine");
		break;
	}
	return buf;
}

int
sock_open_listener(const struct addr *a, int type, char *err, size_t errlen)
{
	int fd, one = 1;
	char name[80];

	addr_str(a, name, sizeof(name));
	fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128) != 0)
		goto fail;
	return fd;
fail : {
	int e = errno;
	char hint[160];

	bind_hint(e, a, hint, sizeof(hint));

	snprintf(err, errlen, "cannot listen on %s/%s: %s%s", name,
	    type == SOCK_DGRAM ? "udp" : "tcp", strerror(e), hint);
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}
}
