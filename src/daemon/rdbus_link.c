/*
 * src/daemon/rdbus_link.c - the link-removal watch of the D-Bus module:
 * RTM_DELLINK from rtnetlink (see rdbus.h).
 *
 * Invariants:
 * - The socket is nonblocking and close-on-exec, bound to RTMGRP_LINK
 *   only, and registered with the loop for reading while w lives.
 * - Only datagrams from the kernel (nl_pid 0) are parsed; every header
 *   and attribute is copied out before use and checked against what is
 *   left of the datagram, so a short or lying length ends the parse.
 * - Lost messages (ENOBUFS, MSG_TRUNC) are reported through lost(), as
 *   a removal may have been among them.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rdbus.h"

#define LINK_BUF 32768           /* one datagram; the kernel's are smaller */
#define LINK_PER_WAKEUP 16       /* datagrams read per loop wakeup */
#define LINK_RCVBUF (256 * 1024) /* asked for: fewer ENOBUFS in churn */

struct rdbus_link {
	struct loop *l;
	int fd;
	rdbus_link_gone_cb *gone;
	rdbus_link_lost_cb *lost;
	void *arg;
	struct log_ratelimit rl;
	uint8_t buf[LINK_BUF];
};

/* The IFLA_IFNAME of one RTM_DELLINK's attributes at p[0..len). */
static void
link_name(const uint8_t *p, size_t len, char name[IF_NAMESIZE])
{
	name[0] = '\0';
	while (len >= sizeof(struct rtattr)) {
		struct rtattr a;
		size_t step;

		memcpy(&a, p, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > len)
			return; /* malformed: the name stays unknown */
		if (a.rta_type == IFLA_IFNAME) {
			size_t n = a.rta_len - RTA_LENGTH(0);

			if (n > IF_NAMESIZE - 1)
				n = IF_NAMESIZE - 1;
			memcpy(name, p + RTA_LENGTH(0), n);
			name[n] = '\0'; /* and cut at an inner NUL */
			return;
		}
		step = RTA_ALIGN(a.rta_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

int
rdbus_link_parse(const void *buf, size_t len, rdbus_link_gone_cb *gone,
    void *arg)
{
	const uint8_t *p = buf;
	size_t off = 0;

	while (off < len) {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		char name[IF_NAMESIZE];
		size_t body;

		if (len - off < sizeof(h))
			return -1;
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
			return -1;
		body = h.nlmsg_len - NLMSG_HDRLEN;
		if (h.nlmsg_type == RTM_DELLINK) {
			if (body < NLMSG_ALIGN(sizeof(ifi)))
				return -1;
			memcpy(&ifi, p + off + NLMSG_HDRLEN, sizeof(ifi));
			if (ifi.ifi_family == AF_UNSPEC && ifi.ifi_index > 0) {
				link_name(p + off + NLMSG_HDRLEN +
					NLMSG_ALIGN(sizeof(ifi)),
				    body - NLMSG_ALIGN(sizeof(ifi)), name);
				gone(arg, ifi.ifi_index, name);
			}
		}
		/* the last message may lack its padding */
		if (NLMSG_ALIGN(h.nlmsg_len) >= len - off)
			break;
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}

static void
link_readable(void *arg, int fd, unsigned events)
{
	struct rdbus_link *w = arg;

	(void)events;
	for (int i = 0; i < LINK_PER_WAKEUP; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = w->buf,
			.iov_len = sizeof(w->buf) };
		struct msghdr mh = { .msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				/* the kernel dropped some: the next read
				 * works again */
				log_warnx_limited(&w->rl, loop_now_ms(w->l),
				    "rtnetlink: link messages lost (receive "
				    "buffer full): checking the links again");
				w->lost(w->arg);
				continue;
			}
			log_warn_limited(&w->rl, loop_now_ms(w->l),
			    "rtnetlink: recvmsg");
			return;
		}
		if (mh.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue; /* not the kernel's */
		if (mh.msg_flags & MSG_TRUNC) {
			log_warnx_limited(&w->rl, loop_now_ms(w->l),
			    "rtnetlink: a datagram was cut short: checking "
			    "the links again");
			w->lost(w->arg);
			continue;
		}
		if (rdbus_link_parse(w->buf, (size_t)n, w->gone, w->arg) != 0)
			log_warnx_limited(&w->rl, loop_now_ms(w->l),
			    "rtnetlink: a malformed message (%zd octets) "
			    "skipped",
			    n);
	}
}

struct rdbus_link *
rdbus_link_new(struct loop *l, rdbus_link_gone_cb *gone,
    rdbus_link_lost_cb *lost, void *arg, char *err, size_t errlen)
{
	struct rdbus_link *w = calloc(1, sizeof(*w));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK };
	int rcvbuf = LINK_RCVBUF;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->l = l;
	w->gone = gone;
	w->lost = lost;
	w->arg = arg;
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (w->fd < 0) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		free(w);
		return NULL;
	}
	/* a smaller buffer only means more ENOBUFS: not fatal */
	(void)setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    loop_fd_add(l, w->fd, LOOP_READ, link_readable, w) != 0) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		close(w->fd);
		free(w);
		return NULL;
	}
	return w;
}

void
rdbus_link_free(struct rdbus_link *w)
{
	if (w == NULL)
		return;
	loop_fd_del(w->l, w->fd);
	close(w->fd);
	free(w);
}
