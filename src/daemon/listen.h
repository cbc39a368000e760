/*
 * src/daemon/listen.h - roostd's client sockets: UDP and TCP listeners,
 * TCP framing (RFC 7766, by framer.h) with partial reads and writes, idle
 * timeouts and connection limits.  It parses nothing beyond the 2-octet length.
 *
 * Every message received is handed to the query callback together with a
 * struct listen_reply_to; the callee must end each one with exactly one
 * listen_reply() or listen_drop(), now or later.  For TCP the reply_to
 * holds a reference on its connection, so a connection that closes while
 * queries are in flight stays allocated (its fd closed) until they end.
 */
#ifndef ROOST_LISTEN_H
#define ROOST_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "framer.h"
#include "loop.h"

/* Limits, each with its overflow policy. */
#define LISTEN_UDP_BATCH 32       /* datagrams per recvmmsg() */
#define LISTEN_UDP_PER_WAKEUP 256 /* then back to the loop, fairness */
#define LISTEN_UDP_MAX_QUERY 4096 /* longer datagrams are dropped */
#define LISTEN_UDP_MAX_REPLY 4096 /* answers that go out in a batch */
#define LISTEN_TCP_MAX_QUERY FRAMER_MAX_MSG /* a longer prefix closes */
#define LISTEN_TCP_MAX_PIPELINE                                                \
	64 /* queries in flight per connection:
				      past it we stop reading */
#define LISTEN_TCP_MAX_OUTPUT                                                  \
	(256 * 1024)            /* queued answers: past it we
					      stop reading; past twice it
					      the connection is closed */
#define LISTEN_FD_PAUSE_MS 1000 /* accept() out of fds: pause accepting */

enum listen_transport {
	LISTEN_UDP,
	LISTEN_TCP,
};

struct listen_conn;
struct listen_set;

/* Limits hit and connections cut, since start (for `roost stats`). */
struct listen_stats {
	uint64_t tcp_accepted;
	uint64_t tcp_conn_limit;   /* times tcp-max-connections was reached */
	uint64_t tcp_bad_length;   /* closed: length prefix 0 or too long */
	uint64_t tcp_idle_closed;  /* closed: idle timeout */
	uint64_t tcp_output_limit; /* closed: 2 * LISTEN_TCP_MAX_OUTPUT
				      queued, the client does not read */
	uint64_t tcp_fd_pauses;    /* accept() out of fds: paused */
};

struct listen_reply_to {
	enum listen_transport transport;
	int fd; /* UDP: the socket it came in on */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct listen_conn *conn; /* TCP: a counted reference */
};

/*
 * Called for each message received.  msg is valid for the call only;
 * from is the callee's to keep (copy by value) and end with
 * listen_reply() or listen_drop().
 */
typedef void listen_query_cb(void *arg, const struct listen_reply_to *from,
    const uint8_t *msg, size_t len);

/* A socket made elsewhere (systemd), for listen_set_adopt(). */
struct listen_fd {
	int fd; /* nonblocking; a TCP one listening already */
	enum listen_transport transport;
};

/*
 * Binds every listen address of c (UDP and TCP each) and registers them
 * with l.  Returns the set, or NULL with the reason in err, which names
 * the address, the cause and the way out.
 */
struct listen_set *listen_set_new(struct loop *l, const struct config *c,
    listen_query_cb *cb, void *arg, char *err, size_t errlen);

/*
 * Like listen_set_new(), but answers on the n sockets fds instead of
 * binding c's listen addresses (c gives the TCP limits).  Takes
 * ownership of every fd, also on failure.  Returns the set, or NULL with
 * the reason in err.
 */
struct listen_set *listen_set_adopt(struct loop *l, const struct config *c,
    const struct listen_fd *fds, size_t n, listen_query_cb *cb, void *arg,
    char *err, size_t errlen);

/*
 * Applies c's TCP limits (idle timeout, connection limit) from now on;
 * connections over a lowered limit are not closed.
 */
void listen_set_limits(struct listen_set *s, const struct config *c);

/*
 * Stops taking new queries: TCP listeners are closed, UDP sockets are no
 * longer read (but stay open for the answers still owed).  Clients
 * already connected over TCP stay.
 */
void listen_stop_accepting(struct listen_set *s);

/*
 * Closes everything: listeners and client connections (queued output is
 * tried once, without blocking), then frees the set.  Every reply_to
 * handed out must have been ended before.
 */
void listen_set_free(struct listen_set *s);

/*
 * Sends msg to the client in *to and ends *to (msg is copied).  UDP: one
 * datagram (dropped if the socket would block), sent with the receive
 * batch it answers, or, given outside a batch, by the end of this loop
 * pass together with the others given then.  TCP: queued with its length
 * prefix and written as the socket allows; silently dropped if the
 * connection has closed.
 */
void listen_reply(struct listen_set *s, struct listen_reply_to *to,
    const uint8_t *msg, size_t len);

/* Ends *to without an answer. */
void listen_drop(struct listen_set *s, struct listen_reply_to *to);

/* Open TCP connections. */
unsigned listen_tcp_connections(const struct listen_set *s);

/* Counters since start. */
const struct listen_stats *listen_stats(const struct listen_set *s);

#endif /* ROOST_LISTEN_H */
