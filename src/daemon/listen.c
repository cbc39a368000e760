/*
 * src/daemon/listen.c - roostd's client sockets (see listen.h).
 *
 * Invariants:
 * - A connection is on the set's list while its fd is open; refs counts
 *   1 for being open plus 1 per query in flight; it is freed when refs
 *   drops to 0, never earlier, so a reply_to is always safe to end.
 * - A connection reads only while it has fewer than
 *   LISTEN_TCP_MAX_PIPELINE queries in flight and under
 *   LISTEN_TCP_MAX_OUTPUT octets queued; it watches for writability only
 *   while output is queued.
 * - The idle timer runs while a connection is open; it is reset when a
 *   whole query arrives or output is written, never by a partial read,
 *   so a client trickling bytes is cut at the idle timeout.  With
 *   queries in flight it is re-armed instead of closing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "sock.h"

/* --- the set ------------------------------------------------------- */

struct outbuf {
	struct outbuf *next;
	size_t len;
	uint8_t data[]; /* length prefix + message */
};

struct listen_conn {
	struct listen_set *set;
	LIST_ENTRY(listen_conn) link; /* on set->conns while open */
	int fd;                       /* -1 once closed */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	unsigned refs;
	unsigned inflight;
	bool reading, writing; /* what the loop watches for */
	bool pause;            /* set inside conn_frame(): stop feeding */
	bool eof;              /* the client closed its side */
	struct outbuf *out, *out_tail;
	size_t out_off; /* written octets of out */
	size_t out_bytes;
	struct loop_timer idle;
	struct loop_hook resume; /* feeds rbuf's rest before the next wait */
	uint8_t rbuf[4096];      /* read but not yet fed: [roff, rlen) */
	size_t roff, rlen;
	struct framer fr;
};

struct listener {
	int fd;
	enum listen_transport transport;
	struct listen_set *set;
};

struct listen_set {
	struct loop *loop;
	listen_query_cb *cb;
	void *cb_arg;
	struct listener ls[2 * CONFIG_MAX_LISTEN];
	unsigned nls;
	bool accepting_paused;
	bool stopped; /* listen_stop_accepting() was called */
	struct loop_timer accept_pause;
	LIST_HEAD(, listen_conn) conns;
	unsigned nconns, max_conns;
	unsigned idle_ms;
	struct log_ratelimit rl_udp, rl_accept, rl_limit;
	struct listen_stats stats;
	/* recvmmsg buffers */
	uint8_t udp_buf[LISTEN_UDP_BATCH][LISTEN_UDP_MAX_QUERY];
	struct sockaddr_storage udp_peer[LISTEN_UDP_BATCH];
	struct iovec udp_iov[LISTEN_UDP_BATCH];
	struct mmsghdr udp_msg[LISTEN_UDP_BATCH];
	/* answers given while a batch is being handled, sent together by
	 * one sendmmsg() when it is done (reply_fd: the batch's socket);
	 * outside a batch (answers from upstream), answers for defer_fd
	 * wait here until reply_hook ends the loop pass */
	int reply_fd;
	int defer_fd;
	struct loop_hook reply_hook;
	unsigned nreply;
	uint8_t reply_buf[LISTEN_UDP_BATCH][LISTEN_UDP_MAX_REPLY];
	struct sockaddr_storage reply_peer[LISTEN_UDP_BATCH];
	struct iovec reply_iov[LISTEN_UDP_BATCH];
	struct mmsghdr reply_msg[LISTEN_UDP_BATCH];
};

/* --- UDP ------------------------------------------------------------ */

/* Sends the answers gathered (on fd); what would block is lost (UDP: the
 * client asks again). */
static void
udp_flush(struct listen_set *s, int fd)
{
	unsigned sent = 0;

	while (sent < s->nreply) {
		int n = sendmmsg(fd, s->reply_msg + sent, s->nreply - sent,
		    MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn_limited(&s->rl_udp,
				    loop_now_ms(s->loop), "sendmmsg");
			break;
		}
		sent += (unsigned)n;
	}
	s->nreply = 0;
}

/* Sends the answers deferred outside a batch, if any. */
static void
udp_flush_deferred(struct listen_set *s)
{
	loop_hook_cancel(s->loop, &s->reply_hook);
	if (s->defer_fd >= 0 && s->nreply > 0)
		udp_flush(s, s->defer_fd);
	s->defer_fd = -1;
}

static void
reply_hook_ran(void *arg)
{
	udp_flush_deferred(arg);
}

/* Reading on after a short batch, until EAGAIN, was measured: a third
 * fewer syscalls per hit at full load but no less CPU (the cost is the
 * kernel's per-datagram work), and one more recvmmsg() per query at a
 * low rate.  So a short batch ends the wakeup. */
static void
udp_ready(void *arg, int fd, unsigned events)
{
	struct listener *li = arg;
	struct listen_set *s = li->set;
	unsigned total = 0;

	(void)events;
	/* answers deferred from upstream go first, and the batch gets
	 * the reply buffers */
	udp_flush_deferred(s);
	while (total < LISTEN_UDP_PER_WAKEUP) {
		int n = recvmmsg(fd, s->udp_msg, LISTEN_UDP_BATCH, MSG_DONTWAIT,
		    NULL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn_limited(&s->rl_udp,
				    loop_now_ms(s->loop), "recvmmsg");
			return;
		}
		s->reply_fd = fd;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &s->udp_msg[i].msg_hdr;
			struct listen_reply_to to = { .transport = LISTEN_UDP,
				.fd = fd,
				.peerlen = mh->msg_namelen };

			/* the only field of the header the kernel changed
			 * that the next call reads */
			mh->msg_namelen = sizeof(s->udp_peer[i]);
			/* a datagram longer than any query: drop it */
			if ((mh->msg_flags & MSG_TRUNC) ||
			    to.peerlen > sizeof(to.peer))
				continue;
			memcpy(&to.peer, &s->udp_peer[i], to.peerlen);
			s->cb(s->cb_arg, &to, s->udp_buf[i],
			    s->udp_msg[i].msg_len);
		}
		udp_flush(s, fd);
		s->reply_fd = -1;
		total += (unsigned)n;
		if (n < LISTEN_UDP_BATCH)
			return;
	}
}

/* --- TCP connections ------------------------------------------------- */

static void conn_close(struct listen_conn *c);

static void
conn_unref(struct listen_conn *c)
{
	if (--c->refs == 0)
		free(c);
}

/* Too much in flight or queued: take no more queries for now. */
static bool
conn_full(const struct listen_conn *c)
{
	return c->inflight >= LISTEN_TCP_MAX_PIPELINE ||
	    c->out_bytes >= LISTEN_TCP_MAX_OUTPUT;
}

/* Sets what the loop watches; schedules feeding leftovers if due. */
static void
conn_watch(struct listen_conn *c)
{
	bool leftovers = c->roff < c->rlen;
	bool read = !c->eof && !conn_full(c) && !leftovers;
	bool write = c->out != NULL;

	if (c->fd < 0)
		return;
	if (leftovers && !conn_full(c))
		loop_before_wait(c->set->loop, &c->resume);
	if (read == c->reading && write == c->writing)
		return;
	c->reading = read;
	c->writing = write;
	(void)loop_fd_mod(c->set->loop, c->fd,
	    (read ? LOOP_READ : 0) | (write ? LOOP_WRITE : 0));
}

static void
conn_idle_reset(struct listen_conn *c)
{
	(void)loop_timer_set(c->set->loop, &c->idle, c->set->idle_ms);
}

/* Closes c once the client has closed its side and all is answered. */
static bool
conn_finished(struct listen_conn *c)
{
	if (c->fd >= 0 && c->eof && c->inflight == 0 && c->out == NULL &&
	    c->roff == c->rlen) {
		conn_close(c);
		return true;
	}
	return c->fd < 0;
}

static void
conn_frame(void *arg, const uint8_t *msg, size_t len)
{
	struct listen_conn *c = arg;
	struct listen_reply_to to = { .transport = LISTEN_TCP,
		.fd = -1,
		.peer = c->peer,
		.peerlen = c->peerlen,
		.conn = c };

	c->refs++;
	c->inflight++;
	conn_idle_reset(c);
	c->set->cb(c->set->cb_arg, &to, msg, len);
	/* the callback may have answered, or closed c on a write error */
	if (conn_full(c) || c->fd < 0)
		c->pause = true;
}

/* Feeds rbuf to the framer until it is empty or c is full. */
static void
conn_feed(struct listen_conn *c)
{
	c->refs++; /* c must outlive conn_frame() closing it */
	while (c->fd >= 0 && c->roff < c->rlen && !conn_full(c)) {
		long used;

		c->pause = false;
		used = framer_feed(&c->fr, c->rbuf + c->roff, c->rlen - c->roff,
		    conn_frame, c, &c->pause);
		if (used < 0) {
			c->set->stats.tcp_bad_length++;
			log_debug("tcp: bad length prefix, closing");
			conn_close(c);
			break;
		}
		c->roff += (size_t)used;
	}
	if (!conn_finished(c))
		conn_watch(c);
	conn_unref(c);
}

static void
conn_resume(void *arg)
{
	conn_feed(arg);
}

/* Writes queued output until done or EAGAIN.  Returns 0 or -1 (closed). */
static int
conn_flush(struct listen_conn *c)
{
	while (c->out != NULL) {
		struct iovec iov[16];
		int n = 0;
		size_t off = c->out_off;
		ssize_t w;

		for (struct outbuf *b = c->out; b != NULL && n < 16;
		     b = b->next) {
			iov[n].iov_base = b->data + off;
			iov[n].iov_len = b->len - off;
			off = 0;
			n++;
		}
		w = writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			conn_close(c);
			return -1;
		}
		conn_idle_reset(c);
		while (w > 0 && c->out != NULL) {
			struct outbuf *done = c->out;
			size_t left = done->len - c->out_off;

			if ((size_t)w < left) {
				c->out_off += (size_t)w;
				c->out_bytes -= (size_t)w;
				break;
			}
			w -= (ssize_t)left;
			c->out_bytes -= left;
			c->out = done->next;
			if (c->out == NULL)
				c->out_tail = NULL;
			c->out_off = 0;
			free(done);
		}
	}
	return 0;
}

static void
conn_ready(void *arg, int fd, unsigned events)
{
	struct listen_conn *c = arg;
	ssize_t n;

	if ((events & LOOP_WRITE) && conn_flush(c) != 0)
		return;
	if ((events & LOOP_ERROR) && !c->reading) {
		/* reset or hung up while we were not reading: nothing can
		 * be delivered, and a level-triggered hang-up would spin */
		conn_close(c);
		return;
	}
	if (!(events & (LOOP_READ | LOOP_ERROR)) || !c->reading) {
		if (!conn_finished(c))
			conn_watch(c);
		return;
	}
	n = read(fd, c->rbuf, sizeof(c->rbuf));
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_close(c);
		return;
	}
	if (n == 0) {
		/* the client is done sending; answer what is in flight,
		 * then close (RFC 7766 6.2.4) */
		c->eof = true;
		if (!conn_finished(c))
			conn_watch(c);
		return;
	}
	c->roff = 0;
	c->rlen = (size_t)n;
	conn_feed(c);
}

static void
conn_idle(void *arg)
{
	struct listen_conn *c = arg;

	if (c->inflight > 0) {
		conn_idle_reset(c);
		return;
	}
	c->set->stats.tcp_idle_closed++;
	log_debug("tcp: closing idle connection");
	conn_close(c);
}

static void accept_resume(struct listen_set *s);

/* Closes the fd and drops the open reference. */
static void
conn_close(struct listen_conn *c)
{
	struct listen_set *s = c->set;

	if (c->fd < 0)
		return;
	loop_fd_del(s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	loop_timer_cancel(s->loop, &c->idle);
	loop_hook_cancel(s->loop, &c->resume);
	while (c->out != NULL) {
		struct outbuf *b = c->out;

		c->out = b->next;
		free(b);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
	c->roff = c->rlen = 0;
	LIST_REMOVE(c, link);
	s->nconns--;
	accept_resume(s);
	conn_unref(c);
}

static void
tcp_accept_ready(void *arg, int fd, unsigned events)
{
	struct listener *li = arg;
	struct listen_set *s = li->set;

	(void)events;
	while (s->nconns < s->max_conns) {
		struct listen_conn *c;
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd;

		cfd = accept4(fd, (struct sockaddr *)&peer, &plen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* LISTEN_FD_PAUSE_MS: out of fds; stop
				 * accepting for a while instead of spinning */
				s->stats.tcp_fd_pauses++;
				log_warn_limited(&s->rl_accept,
				    loop_now_ms(s->loop), "accept");
				s->accepting_paused = true;
				for (unsigned i = 0; i < s->nls; i++)
					if (s->ls[i].transport == LISTEN_TCP &&
					    s->ls[i].fd >= 0)
						(void)loop_fd_mod(s->loop,
						    s->ls[i].fd, 0);
				(void)loop_timer_set(s->loop, &s->accept_pause,
				    LISTEN_FD_PAUSE_MS);
			}
			return;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(cfd);
			return;
		}
		c->set = s;
		c->fd = cfd;
		c->peer = peer;
		c->peerlen = plen;
		c->refs = 1;
		c->reading = true;
		framer_init(&c->fr);
		loop_timer_init(&c->idle, conn_idle, c);
		loop_hook_init(&c->resume, conn_resume, c);
		if (loop_fd_add(s->loop, cfd, LOOP_READ, conn_ready, c) != 0) {
			close(cfd);
			free(c);
			return;
		}
		conn_idle_reset(c);
		s->stats.tcp_accepted++;
		LIST_INSERT_HEAD(&s->conns, c, link);
		s->nconns++;
	}
	/* at the connection limit: stop accepting until one closes (the
	 * kernel's backlog holds the rest, then refuses) */
	s->stats.tcp_conn_limit++;
	log_warnx_limited(&s->rl_limit, loop_now_ms(s->loop),
	    "tcp: %u connections, the limit (tcp-max-connections): "
	    "not accepting until one closes",
	    s->max_conns);
	s->accepting_paused = true;
	for (unsigned i = 0; i < s->nls; i++)
		if (s->ls[i].transport == LISTEN_TCP && s->ls[i].fd >= 0)
			(void)loop_fd_mod(s->loop, s->ls[i].fd, 0);
}

static void
accept_resume(struct listen_set *s)
{
	if (s->stopped || !s->accepting_paused || s->nconns >= s->max_conns ||
	    loop_timer_armed(&s->accept_pause))
		return;
	s->accepting_paused = false;
	for (unsigned i = 0; i < s->nls; i++)
		if (s->ls[i].transport == LISTEN_TCP && s->ls[i].fd >= 0)
			(void)loop_fd_mod(s->loop, s->ls[i].fd, LOOP_READ);
}

static void
accept_pause_over(void *arg)
{
	accept_resume(arg);
}

/* --- replies --------------------------------------------------------- */

/* Ends a TCP reply_to: one query less in flight on its connection. */
static void
end_tcp(struct listen_reply_to *to)
{
	struct listen_conn *c = to->conn;

	to->conn = NULL;
	c->inflight--;
	if (!conn_finished(c))
		conn_watch(c);
	conn_unref(c);
}

void
listen_reply(struct listen_set *s, struct listen_reply_to *to,
    const uint8_t *msg, size_t len)
{
	struct listen_conn *c = to->conn;
	struct outbuf *b;

	if (to->transport == LISTEN_UDP) {
		/* Outside a batch (an answer from upstream): held until the
		 * end of this loop pass, so the answers one upstream
		 * datagram burst brings go out by one sendmmsg() */
		if (s->reply_fd < 0 && len <= LISTEN_UDP_MAX_REPLY) {
			if (s->nreply == LISTEN_UDP_BATCH ||
			    (s->nreply > 0 && s->defer_fd != to->fd))
				udp_flush_deferred(s);
			if (s->nreply == 0)
				loop_before_wait(s->loop, &s->reply_hook);
			s->defer_fd = to->fd;
		}
		/* answered within its receive batch: sent with the batch */
		if ((to->fd == s->reply_fd || to->fd == s->defer_fd) &&
		    len <= LISTEN_UDP_MAX_REPLY &&
		    s->nreply < LISTEN_UDP_BATCH) {
			unsigned i = s->nreply++;

			memcpy(s->reply_buf[i], msg, len);
			memcpy(&s->reply_peer[i], &to->peer, to->peerlen);
			s->reply_iov[i].iov_base = s->reply_buf[i];
			s->reply_iov[i].iov_len = len;
			memset(&s->reply_msg[i], 0, sizeof(s->reply_msg[i]));
			s->reply_msg[i].msg_hdr.msg_name = &s->reply_peer[i];
			s->reply_msg[i].msg_hdr.msg_namelen = to->peerlen;
			s->reply_msg[i].msg_hdr.msg_iov = &s->reply_iov[i];
			s->reply_msg[i].msg_hdr.msg_iovlen = 1;
			return;
		}
		/* too long for the batch buffers: on its own */
		if (sendto(to->fd, msg, len, MSG_DONTWAIT,
			(struct sockaddr *)&to->peer, to->peerlen) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn_limited(&s->rl_udp, loop_now_ms(s->loop),
			    "sendto");
		return;
	}
	if (c->fd < 0 || len > UINT16_MAX) {
		end_tcp(to);
		return;
	}
	if (c->out_bytes + len + 2 > 2 * LISTEN_TCP_MAX_OUTPUT) {
		/* the client does not read its answers: cut it off */
		s->stats.tcp_output_limit++;
		log_warnx_limited(&s->rl_limit, loop_now_ms(s->loop),
		    "tcp: %d octets of answers unread: closing the "
		    "connection",
		    2 * LISTEN_TCP_MAX_OUTPUT);
		conn_close(c);
		end_tcp(to);
		return;
	}
	if ((b = malloc(sizeof(*b) + len + 2)) == NULL) {
		conn_close(c);
		end_tcp(to);
		return;
	}
	b->next = NULL;
	b->len = len + 2;
	b->data[0] = (uint8_t)(len >> 8);
	b->data[1] = (uint8_t)len;
	memcpy(b->data + 2, msg, len);
	if (c->out_tail != NULL)
		c->out_tail->next = b;
	else
		c->out = b;
	c->out_tail = b;
	c->out_bytes += b->len;
	/* write at once: most answers fit in the socket buffer */
	(void)conn_flush(c);
	end_tcp(to);
}

void
listen_drop(struct listen_set *s, struct listen_reply_to *to)
{
	(void)s;
	if (to->transport == LISTEN_TCP && to->conn != NULL)
		end_tcp(to);
}

const struct listen_stats *
listen_stats(const struct listen_set *s)
{
	return &s->stats;
}

unsigned
listen_tcp_connections(const struct listen_set *s)
{
	return s->nconns;
}

/* --- sockets --------------------------------------------------------- */

/* An empty set: no listener yet.  Returns it, or NULL (no memory). */
static struct listen_set *
set_alloc(struct loop *l, const struct config *c, listen_query_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct listen_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	LIST_INIT(&s->conns);
	s->loop = l;
	s->reply_fd = -1;
	s->defer_fd = -1;
	loop_hook_init(&s->reply_hook, reply_hook_ran, s);
	for (unsigned i = 0; i < LISTEN_UDP_BATCH; i++) {
		s->udp_iov[i].iov_base = s->udp_buf[i];
		s->udp_iov[i].iov_len = sizeof(s->udp_buf[i]);
		s->udp_msg[i].msg_hdr.msg_iov = &s->udp_iov[i];
		s->udp_msg[i].msg_hdr.msg_iovlen = 1;
		s->udp_msg[i].msg_hdr.msg_name = &s->udp_peer[i];
		s->udp_msg[i].msg_hdr.msg_namelen = sizeof(s->udp_peer[i]);
	}
	s->cb = cb;
	s->cb_arg = arg;
	listen_set_limits(s, c);
	loop_timer_init(&s->accept_pause, accept_pause_over, s);
	return s;
}

/* Takes fd (also on failure) and watches it.  Returns 0, or -1 and err. */
static int
set_add(struct listen_set *s, int fd, enum listen_transport t, char *err,
    size_t errlen)
{
	struct listener *li;

	if (s->nls == sizeof(s->ls) / sizeof(s->ls[0])) {
		snprintf(err, errlen, "more than %zu listening sockets",
		    sizeof(s->ls) / sizeof(s->ls[0]));
		close(fd);
		return -1;
	}
	li = &s->ls[s->nls++];
	li->fd = fd;
	li->transport = t;
	li->set = s;
	if (loop_fd_add(s->loop, fd, LOOP_READ,
		t == LISTEN_UDP ? udp_ready : tcp_accept_ready, li) != 0) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct listen_set *
listen_set_new(struct loop *l, const struct config *c, listen_query_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct listen_set *s = set_alloc(l, c, cb, arg, err, errlen);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < c->nlisten; i++) {
		for (int t = LISTEN_UDP; t <= LISTEN_TCP; t++) {
			int fd = sock_open_listener(&c->listen[i],
			    t == LISTEN_UDP ? SOCK_DGRAM : SOCK_STREAM, err,
			    errlen);

			if (fd < 0 ||
			    set_add(s, fd, (enum listen_transport)t, err,
				errlen) != 0)
				goto fail;
		}
	}
	return s;
fail:
	listen_set_free(s);
	return NULL;
}

struct listen_set *
listen_set_adopt(struct loop *l, const struct config *c,
    const struct listen_fd *fds, size_t n, listen_query_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct listen_set *s = set_alloc(l, c, cb, arg, err, errlen);
	size_t i = 0;

	if (s == NULL)
		goto fail;
	for (; i < n; i++)
		if (set_add(s, fds[i].fd, fds[i].transport, err, errlen) != 0) {
			i++; /* set_add took that one */
			goto fail;
		}
	return s;
fail:
	for (; i < n; i++)
		close(fds[i].fd);
	listen_set_free(s);
	return NULL;
}

void
listen_set_limits(struct listen_set *s, const struct config *c)
{
	s->max_conns = c->tcp_max_connections;
	s->idle_ms = c->tcp_idle_timeout_s * 1000;
}

void
listen_stop_accepting(struct listen_set *s)
{
	for (unsigned i = 0; i < s->nls; i++) {
		if (s->ls[i].fd < 0)
			continue;
		loop_fd_del(s->loop, s->ls[i].fd);
		/* a UDP socket stays open: answers in flight leave by it */
		if (s->ls[i].transport == LISTEN_TCP) {
			close(s->ls[i].fd);
			s->ls[i].fd = -1;
		}
	}
	loop_timer_cancel(s->loop, &s->accept_pause);
	s->accepting_paused = false;
	s->stopped = true;
}

void
listen_set_free(struct listen_set *s)
{
	if (s == NULL)
		return;
	s->stopped = true; /* closing connections must not resume accept */
	udp_flush_deferred(s);
	for (unsigned i = 0; i < s->nls; i++) {
		if (s->ls[i].fd < 0)
			continue;
		loop_fd_del(s->loop, s->ls[i].fd);
		close(s->ls[i].fd);
	}
	while (!LIST_EMPTY(&s->conns)) {
		struct listen_conn *c = LIST_FIRST(&s->conns);

		(void)conn_flush(c);
		conn_close(c);
	}
	loop_timer_cancel(s->loop, &s->accept_pause);
	free(s);
}
