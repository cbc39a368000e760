/*
 * src/daemon/tls.c - DNS over TLS to one upstream server (see tls.h).
 *
 * A connection's states:
 *
 *   state       event                               next
 *   IDLE        a query is queued                   CONNECTING
 *   IDLE        the queue is empty                  IDLE
 *   CONNECTING  connected (writable, SO_ERROR 0)    HANDSHAKE
 *   HANDSHAKE   done, and the server authenticated  OPEN
 *   CONNECTING, HANDSHAKE: an error, a failed authentication, or
 *               TLS_HANDSHAKE_MS passed             IDLE, backing off
 *   OPEN        an answer                           OPEN (its query ends)
 *   OPEN        no query waits for idle_ms          IDLE (not a failure)
 *   OPEN        closed or broken by the server      IDLE, see conn_lost()
 *   OPEN        the oldest query waited answer_ms   IDLE, backing off
 *
 * Invariants:
 * - Every query handed to tls_conn_send() is on exactly one of the
 *   lists: queue (not written yet), waiting (written, or in the write
 *   buffer, and in the id table) or failed (its callback runs from the
 *   fail hook, before the loop next waits).  npending counts all three.
 * - The id bitmap has a bit set for exactly the queries on queue and
 *   waiting; ids are unique among them.
 * - fd >= 0 exactly in CONNECTING, HANDSHAKE and OPEN; ssl != NULL in
 *   HANDSHAKE and OPEN.  The write buffer is empty outside OPEN.
 * - No callback runs from inside tls_conn_send().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "framer.h"
#include "log.h"
#include "tls.h"
#include "wire.h"

/* The write buffer: queries gathered into one TLS record per write. */
#define TLS_WBUF 16384
/* An answer over a stream may take the whole 16-bit length. */
#define TLS_RBUF 65535

struct tls_client {
	SSL_CTX *ctx;
};

enum conn_state {
	CONN_IDLE,
	CONN_CONNECTING,
	CONN_HANDSHAKE,
	CONN_OPEN,
};

struct pending {
	TAILQ_ENTRY(pending) link; /* queue, waiting or failed */
	struct pending *hnext;     /* in the id table, while waiting */
	tls_answer_cb *cb;
	void *arg;
	uint64_t sent_ms;       /* into the write buffer */
	enum tls_status status; /* on failed: how it ends */
	uint16_t id;
	uint16_t len; /* of q: the 2-octet length, then the query */
	bool retried; /* sent again after a connection broke */
	uint8_t q[2 + TLS_QUERY_MAX];
};

TAILQ_HEAD(pending_list, pending);

struct tls_conn {
	struct loop *loop;
	struct tls_client *client;
	struct server srv;
	char name[64];
	uint64_t answer_ms;
	/* TLS_IDLE_MS, or less if the server's edns-tcp-keepalive says so */
	uint64_t idle_ms;
	enum conn_state state;
	int fd;
	unsigned events; /* registered with the loop */
	SSL *ssl;
	SSL_SESSION *session; /* the latest the server gave, to resume */
	struct pending_list queue, waiting, failed;
	unsigned npending;
	struct pending *byid[256];
	uint8_t idmap[65536 / 8];
	unsigned fails;    /* failed connections in a row */
	uint64_t retry_ms; /* backing off until then */
	uint64_t opened_ms;
	uint64_t last_answer_ms;
	bool answered;   /* this connection has answered */
	bool want_write; /* the last TLS write wants the socket writable */
	bool read_wants_write;
	uint8_t wbuf[TLS_WBUF];
	size_t wlen, woff;
	struct framer fr;
	uint8_t *rbuf;
	struct loop_timer timer;
	struct loop_hook fail_hook, write_hook;
	struct tls_stats stats;
};

static int conn_ex_index = -1;

/* --- the client context ----------------------------------------------- */

static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *t = SSL_get_ex_data(ssl, conn_ex_index);

	if (t == NULL)
		return 0;
	if (t->session != NULL)
		SSL_SESSION_free(t->session);
	t->session = sess;
	return 1; /* we keep the reference */
}

struct tls_client *
tls_client_new(const char *ca_file, char *err, size_t errlen)
{
	struct tls_client *c;
	char why[256];

	if (conn_ex_index < 0 &&
	    (conn_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL)) <
		0) {
		snprintf(err, errlen, "TLS: no ex_data index");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto ssl_error;
	/* RFC 8310 5.1: TLS 1.2 at least */
	if (SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1)
		goto ssl_error;
	if (ca_file != NULL && ca_file[0] != '\0') {
		if (SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL) != 1) {
			ERR_error_string_n(ERR_get_error(), why, sizeof(why));
			snprintf(err, errlen, "tls-ca-file %s: %s", ca_file,
			    why);
			SSL_CTX_free(c->ctx);
			free(c);
			return NULL;
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1)
		goto ssl_error;
	SSL_CTX_set_mode(c->ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* sessions are kept per connection (new_session()), not in
	 * OpenSSL's cache: one server per connection */
	SSL_CTX_set_session_cache_mode(c->ctx,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(c->ctx, new_session);
	return c;
ssl_error:
	ERR_error_string_n(ERR_get_error(), why, sizeof(why));
	snprintf(err, errlen, "TLS: %s", why);
	SSL_CTX_free(c->ctx);
	free(c);
	return NULL;
}

void
tls_client_free(struct tls_client *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

/* --- queries ------------------------------------------------------------ */

static bool
id_taken(const struct tls_conn *t, uint16_t id)
{
	return t->idmap[id >> 3] & (1u << (id & 7));
}

static void
id_set(struct tls_conn *t, uint16_t id, bool taken)
{
	if (taken)
		t->idmap[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		t->idmap[id >> 3] &= (uint8_t) ~(1u << (id & 7));
}

bool
tls_conn_id_taken(const struct tls_conn *t, uint16_t id)
{
	return id_taken(t, id);
}

static void
byid_remove(struct tls_conn *t, struct pending *p)
{
	struct pending **pp = &t->byid[p->id & 0xff];

	while (*pp != NULL && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = p->hnext;
	p->hnext = NULL;
}

/* Moves p (on queue or waiting) to failed; its callback runs from the
 * fail hook. */
static void
pending_fail(struct tls_conn *t, struct pending *p, struct pending_list *from,
    enum tls_status st)
{
	TAILQ_REMOVE(from, p, link);
	if (from == &t->waiting)
		byid_remove(t, p);
	id_set(t, p->id, false);
	p->status = st;
	TAILQ_INSERT_TAIL(&t->failed, p, link);
	loop_before_wait(t->loop, &t->fail_hook);
}

static void
run_failed(void *arg)
{
	struct tls_conn *t = arg;
	struct pending *p;

	while ((p = TAILQ_FIRST(&t->failed)) != NULL) {
		TAILQ_REMOVE(&t->failed, p, link);
		t->npending--;
		p->cb(p->arg, p->status, NULL, 0);
		free(p);
	}
}

/* --- the connection ----------------------------------------------------- */

static void conn_io(void *arg, int fd, unsigned events);
static void conn_timer_arm(struct tls_conn *t);

/* Closes socket and TLS state: back to IDLE (the lists are the
 * caller's). */
static void
conn_close(struct tls_conn *t)
{
	if (t->ssl != NULL) {
		if (t->state == CONN_OPEN)
			(void)SSL_shutdown(t->ssl); /* close_notify, once */
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	if (t->fd >= 0) {
		loop_fd_del(t->loop, t->fd);
		close(t->fd);
		t->fd = -1;
	}
	t->events = 0;
	t->state = CONN_IDLE;
	t->wlen = t->woff = 0;
	t->want_write = t->read_wants_write = false;
	t->stats.open = false;
	loop_hook_cancel(t->loop, &t->write_hook);
	framer_init_buf(&t->fr, t->rbuf, TLS_RBUF);
}

/* The latest OpenSSL error, or what errno says, into the stats. */
static void
note_error(struct tls_conn *t, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char why[80];

	if (e != 0)
		ERR_error_string_n(e, why, sizeof(why));
	else if (errno != 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else
		snprintf(why, sizeof(why), "closed by server");
	snprintf(t->stats.last_error, sizeof(t->stats.last_error), "%s: %s",
	    what, why);
}

/*
 * The connection failed (could not be made, or was not answered): every
 * query on it ends with st, and none is tried before the backoff.
 */
static void
conn_failed(struct tls_conn *t, enum tls_status st)
{
	uint64_t now = loop_now_ms(t->loop), backoff = TLS_BACKOFF_MIN_MS;
	struct pending *p;

	t->stats.errors++;
	if (st == TLS_AUTH)
		t->stats.auth_failures++;
	for (unsigned i = 0; i < t->fails && backoff < TLS_BACKOFF_MAX_MS; i++)
		backoff *= 2;
	if (backoff > TLS_BACKOFF_MAX_MS)
		backoff = TLS_BACKOFF_MAX_MS;
	t->fails++;
	t->retry_ms = now + backoff;
	log_warnx("upstream %s: DNS over TLS: %s; not tried for %llu ms",
	    t->name, t->stats.last_error, (unsigned long long)backoff);
	conn_close(t);
	while ((p = TAILQ_FIRST(&t->queue)) != NULL)
		pending_fail(t, p, &t->queue, st);
	while ((p = TAILQ_FIRST(&t->waiting)) != NULL)
		pending_fail(t, p, &t->waiting, st);
	conn_timer_arm(t);
}

static void conn_open(struct tls_conn *t);

/*
 * An open connection closed or broke.  A server may close one it had
 * answered on at any time (its idle timeout): the queries written and
 * not answered are sent once more on a new connection; those sent again
 * already fail.  One that never answered is a failed connection.
 */
static void
conn_lost(struct tls_conn *t)
{
	struct pending *p, *next;

	if (!t->answered && !TAILQ_EMPTY(&t->waiting)) {
		conn_failed(t, TLS_FAILED);
		return;
	}
	if (TAILQ_EMPTY(&t->waiting)) {
		/* nothing lost: a server's idle timeout (RFC 7766 6.2.3) */
		log_debug("upstream %s: DNS over TLS: %s while idle", t->name,
		    t->stats.last_error);
		t->stats.last_error[0] = '\0';
	} else {
		t->stats.errors++;
		log_info("upstream %s: DNS over TLS: %s with %u queries "
			 "unanswered: asking again on a new connection",
		    t->name, t->stats.last_error, t->npending);
	}
	conn_close(t);
	/* back to the front of the queue, in their order */
	for (p = TAILQ_LAST(&t->waiting, pending_list); p != NULL; p = next) {
		next = TAILQ_PREV(p, pending_list, link);
		if (p->retried) {
			pending_fail(t, p, &t->waiting, TLS_FAILED);
			continue;
		}
		TAILQ_REMOVE(&t->waiting, p, link);
		byid_remove(t, p);
		p->retried = true;
		TAILQ_INSERT_HEAD(&t->queue, p, link);
	}
	if (!TAILQ_EMPTY(&t->queue))
		conn_open(t);
	conn_timer_arm(t);
}

static void
conn_watch(struct tls_conn *t, unsigned events)
{
	if (events == t->events)
		return;
	if (t->events == 0) {
		if (loop_fd_add(t->loop, t->fd, events, conn_io, t) != 0) {
			note_error(t, "watch");
			conn_failed(t, TLS_FAILED);
			return;
		}
	} else if (loop_fd_mod(t->loop, t->fd, events) != 0) {
		note_error(t, "watch");
		conn_failed(t, TLS_FAILED);
		return;
	}
	t->events = events;
}

static void
conn_open(struct tls_conn *t)
{
	const struct addr *a = &t->srv.addr;
	int one = 1;

	errno = 0;
	ERR_clear_error();
	t->opened_ms = loop_now_ms(t->loop);
	t->answered = false;
	t->fd = socket(a->ss.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		note_error(t, "socket");
		conn_failed(t, TLS_FAILED);
		return;
	}
	(void)setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t->state = CONN_CONNECTING;
	if (connect(t->fd, (const struct sockaddr *)&a->ss, a->len) != 0 &&
	    errno != EINPROGRESS) {
		note_error(t, "connect");
		conn_failed(t, TLS_FAILED);
		return;
	}
	conn_watch(t, LOOP_WRITE);
	conn_timer_arm(t);
}

/* Sets up t->ssl for the handshake: SNI, what to verify, the session. */
static int
conn_ssl_new(struct tls_conn *t)
{
	const struct server *s = &t->srv;
	X509_VERIFY_PARAM *param;
	uint8_t ip[16];
	size_t iplen;

	if ((t->ssl = SSL_new(t->client->ctx)) == NULL ||
	    SSL_set_fd(t->ssl, t->fd) != 1 ||
	    SSL_set_ex_data(t->ssl, conn_ex_index, t) != 1)
		return -1;
	SSL_set_connect_state(t->ssl);
	if (s->tls_name[0] != '\0' &&
	    SSL_set_tlsext_host_name(t->ssl, s->tls_name) != 1)
		return -1;
	if (s->tls == SERVER_TLS_STRICT && !s->pinned) {
		param = SSL_get0_param(t->ssl);
		if (s->tls_name[0] != '\0') {
			if (X509_VERIFY_PARAM_set1_host(param, s->tls_name,
				0) != 1)
				return -1;
		} else {
			iplen = addr_bytes(&s->addr, ip);
			if (X509_VERIFY_PARAM_set1_ip(param, ip, iplen) != 1)
				return -1;
		}
		SSL_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
	} else {
		/* pinned: the pin is checked after the handshake;
		 * opportunistic: nothing is (RFC 7858 4.1) */
		SSL_set_verify(t->ssl, SSL_VERIFY_NONE, NULL);
	}
	if (t->session != NULL)
		(void)SSL_set_session(t->ssl, t->session);
	return 0;
}

/* A pinned server's key: the SHA-256 of its SubjectPublicKeyInfo. */
static bool
pin_matches(struct tls_conn *t)
{
	X509 *cert = SSL_get1_peer_certificate(t->ssl);
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int len;
	bool ok = false;

	if (cert == NULL)
		return false;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0 &&
	    EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == SERVER_PIN_LEN)
		ok = CRYPTO_memcmp(md, t->srv.pin, SERVER_PIN_LEN) == 0;
	OPENSSL_free(der);
	X509_free(cert);
	return ok;
}

/* What the handshake's end says of who the server is. */
static void
conn_authenticated(struct tls_conn *t)
{
	const struct server *s = &t->srv;
	char a[ADDR_STRLEN];

	if (s->tls != SERVER_TLS_STRICT)
		snprintf(t->stats.peer, sizeof(t->stats.peer), "%s", "");
	else if (s->pinned)
		snprintf(t->stats.peer, sizeof(t->stats.peer), "pin");
	else if (s->tls_name[0] != '\0')
		snprintf(t->stats.peer, sizeof(t->stats.peer), "%s",
		    s->tls_name);
	else {
		addr_str(&s->addr, a, sizeof(a));
		a[strcspn(a, "#")] = '\0';
		snprintf(t->stats.peer, sizeof(t->stats.peer), "address %s", a);
	}
}

static void conn_write(struct tls_conn *t);
static void conn_read(struct tls_conn *t);

static void
conn_handshake(struct tls_conn *t)
{
	int r, e;
	long v;

	errno = 0;
	ERR_clear_error();
	if ((r = SSL_do_handshake(t->ssl)) != 1) {
		e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			conn_watch(t, LOOP_READ);
			return;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			conn_watch(t, LOOP_WRITE);
			return;
		}
		v = SSL_get_verify_result(t->ssl);
		if (v != X509_V_OK) {
			snprintf(t->stats.last_error,
			    sizeof(t->stats.last_error),
			    "certificate not accepted: %s",
			    X509_verify_cert_error_string(v));
			conn_failed(t, TLS_AUTH);
			return;
		}
		note_error(t, "handshake");
		conn_failed(t, TLS_FAILED);
		return;
	}
	if (t->srv.tls == SERVER_TLS_STRICT && t->srv.pinned &&
	    !pin_matches(t)) {
		snprintf(t->stats.last_error, sizeof(t->stats.last_error),
		    "the server's key does not match tls-pin");
		conn_failed(t, TLS_AUTH);
		return;
	}
	t->state = CONN_OPEN;
	t->fails = 0;
	t->stats.open = true;
	t->stats.handshakes++;
	if (SSL_session_reused(t->ssl))
		t->stats.resumed++;
	conn_authenticated(t);
	log_debug("upstream %s: DNS over TLS: %s, %s%s", t->name,
	    SSL_get_version(t->ssl),
	    SSL_session_reused(t->ssl) ? "resumed" : "full handshake",
	    t->stats.peer[0] != '\0' ? "" : ", not authenticated");
	conn_watch(t, LOOP_READ);
	conn_write(t);
	if (t->state == CONN_OPEN)
		conn_read(t); /* data may sit in OpenSSL's buffer already */
	conn_timer_arm(t);
}

/* p (first on the queue) is written: it waits for its answer. */
static void
mark_written(struct tls_conn *t, struct pending *p, uint64_t now)
{
	TAILQ_REMOVE(&t->queue, p, link);
	p->sent_ms = now;
	p->hnext = t->byid[p->id & 0xff];
	t->byid[p->id & 0xff] = p;
	TAILQ_INSERT_TAIL(&t->waiting, p, link);
}

/* One answer off the stream. */
static void
on_answer(void *arg, const uint8_t *msg, size_t len)
{
	struct tls_conn *t = arg;
	struct pending *p;
	uint16_t id;

	if (len < WIRE_HDR_LEN)
		return;
	id = wire_get16(msg);
	for (p = t->byid[id & 0xff]; p != NULL && p->id != id; p = p->hnext)
		;
	if (p == NULL)
		return; /* not a query of ours waiting: dropped */
	byid_remove(t, p);
	TAILQ_REMOVE(&t->waiting, p, link);
	id_set(t, id, false);
	t->npending--;
	t->answered = true;
	t->stats.answers++;
	t->last_answer_ms = loop_now_ms(t->loop);
	p->cb(p->arg, TLS_ANSWERED, msg, len);
	free(p);
}

/*
 * n octets off the connection, in any chunking: answers go to their
 * queries.  Returns 0, or -1 if a bad length broke the connection (its
 * queries failed).
 */
static int
stream_take(struct tls_conn *t, const uint8_t *data, size_t n)
{
	if (framer_feed(&t->fr, data, n, on_answer, t, NULL) >= 0)
		return 0;
	snprintf(t->stats.last_error, sizeof(t->stats.last_error),
	    "bad message length from the server");
	conn_failed(t, TLS_FAILED);
	return -1;
}

void
tls_conn_feed(struct tls_conn *t, const uint8_t *data, size_t n)
{
	uint64_t now = loop_now_ms(t->loop);
	struct pending *p;

	/* as if every query queued had been written */
	while ((p = TAILQ_FIRST(&t->queue)) != NULL)
		mark_written(t, p, now);
	(void)stream_take(t, data, n);
}

static void
conn_read(struct tls_conn *t)
{
	uint8_t buf[16384];
	int n, e;

	for (;;) {
		errno = 0;
		ERR_clear_error();
		n = SSL_read(t->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (stream_take(t, buf, (size_t)n) != 0)
				return;
			continue;
		}
		e = SSL_get_error(t->ssl, n);
		t->read_wants_write = e == SSL_ERROR_WANT_WRITE;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		note_error(t, e == SSL_ERROR_ZERO_RETURN ? "closed" : "read");
		if (e == SSL_ERROR_ZERO_RETURN)
			snprintf(t->stats.last_error,
			    sizeof(t->stats.last_error), "closed by server");
		conn_lost(t);
		return;
	}
	conn_timer_arm(t);
}

/* Gathers queued queries into the write buffer and writes what the
 * socket takes. */
static void
conn_write(struct tls_conn *t)
{
	uint64_t now = loop_now_ms(t->loop);
	struct pending *p;
	int n, e;

	for (;;) {
		if (t->woff == t->wlen) {
			t->wlen = t->woff = 0;
			while ((p = TAILQ_FIRST(&t->queue)) != NULL &&
			    t->wlen + p->len <= sizeof(t->wbuf)) {
				memcpy(t->wbuf + t->wlen, p->q, p->len);
				t->wlen += p->len;
				mark_written(t, p, now);
				t->stats.queries++;
			}
			if (t->wlen == 0)
				break;
		}
		errno = 0;
		ERR_clear_error();
		n = SSL_write(t->ssl, t->wbuf + t->woff,
		    (int)(t->wlen - t->woff));
		if (n > 0) {
			t->woff += (size_t)n;
			continue;
		}
		e = SSL_get_error(t->ssl, n);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			t->want_write = e == SSL_ERROR_WANT_WRITE;
			conn_watch(t,
			    LOOP_READ | (t->want_write ? LOOP_WRITE : 0));
			return;
		}
		note_error(t, "write");
		conn_lost(t);
		return;
	}
	t->want_write = false;
	conn_watch(t, LOOP_READ | (t->read_wants_write ? LOOP_WRITE : 0));
	conn_timer_arm(t);
}

static void
write_later(void *arg)
{
	struct tls_conn *t = arg;

	if (t->state == CONN_OPEN)
		conn_write(t);
	else if (t->state == CONN_IDLE && !TAILQ_EMPTY(&t->queue))
		conn_open(t);
}

static void
conn_connected(struct tls_conn *t)
{
	int err = 0;
	socklen_t len = sizeof(err);

	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	/* an event that was not this socket's (a new one with the old
	 * one's number): still connecting, keep waiting */
	if (err == 0 &&
	    getpeername(t->fd, (struct sockaddr *)&peer, &plen) != 0 &&
	    errno == ENOTCONN)
		return;
	if (err != 0) {
		errno = err;
		ERR_clear_error();
		note_error(t, "connect");
		conn_failed(t, TLS_FAILED);
		return;
	}
	if (conn_ssl_new(t) != 0) {
		note_error(t, "setup");
		conn_failed(t, TLS_FAILED);
		return;
	}
	t->state = CONN_HANDSHAKE;
	conn_handshake(t);
}

static void
conn_io(void *arg, int fd, unsigned events)
{
	struct tls_conn *t = arg;

	(void)fd;
	switch (t->state) {
	case CONN_IDLE:
		break;
	case CONN_CONNECTING:
		conn_connected(t);
		break;
	case CONN_HANDSHAKE:
		conn_handshake(t);
		break;
	case CONN_OPEN:
		if ((events & (LOOP_READ | LOOP_ERROR)) || t->read_wants_write)
			conn_read(t);
		if (t->state == CONN_OPEN &&
		    (t->want_write || !TAILQ_EMPTY(&t->queue)))
			conn_write(t);
		break;
	}
}

static void
conn_timeout(void *arg)
{
	struct tls_conn *t = arg;

	switch (t->state) {
	case CONN_IDLE:
		if (!TAILQ_EMPTY(&t->queue) && !tls_conn_backing_off(t))
			conn_open(t);
		break;
	case CONN_CONNECTING:
	case CONN_HANDSHAKE:
		snprintf(t->stats.last_error, sizeof(t->stats.last_error),
		    "%s timed out after %d ms",
		    t->state == CONN_CONNECTING ? "connect" : "handshake",
		    TLS_HANDSHAKE_MS);
		conn_failed(t, TLS_FAILED);
		break;
	case CONN_OPEN:
		if (TAILQ_EMPTY(&t->waiting) && TAILQ_EMPTY(&t->queue)) {
			log_debug("upstream %s: DNS over TLS: idle, closed",
			    t->name);
			conn_close(t);
			break;
		}
		snprintf(t->stats.last_error, sizeof(t->stats.last_error),
		    "no answer in %llu ms", (unsigned long long)t->answer_ms);
		conn_failed(t, TLS_FAILED);
		break;
	}
}

/* The one timer: the handshake's deadline, the oldest query's, or the
 * idle close. */
static void
conn_timer_arm(struct tls_conn *t)
{
	uint64_t now = loop_now_ms(t->loop), due;
	struct pending *p;

	switch (t->state) {
	case CONN_IDLE:
		loop_timer_cancel(t->loop, &t->timer);
		return;
	case CONN_CONNECTING:
	case CONN_HANDSHAKE:
		due = t->opened_ms + TLS_HANDSHAKE_MS;
		break;
	case CONN_OPEN:
	default:
		if ((p = TAILQ_FIRST(&t->waiting)) != NULL)
			due = p->sent_ms + t->answer_ms;
		else
			due = (t->last_answer_ms > t->opened_ms
				      ? t->last_answer_ms
				      : t->opened_ms) +
			    t->idle_ms;
		break;
	}
	(void)loop_timer_set(t->loop, &t->timer, due > now ? due - now : 0);
}

/* --- the interface ------------------------------------------------------ */

struct tls_conn *
tls_conn_new(struct loop *l, struct tls_client *c, const struct server *s,
    const char *name, uint64_t answer_ms)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->rbuf = malloc(TLS_RBUF)) == NULL) {
		free(t);
		return NULL;
	}
	t->loop = l;
	t->client = c;
	t->srv = *s;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->answer_ms = answer_ms;
	t->idle_ms = TLS_IDLE_MS;
	t->fd = -1;
	TAILQ_INIT(&t->queue);
	TAILQ_INIT(&t->waiting);
	TAILQ_INIT(&t->failed);
	loop_timer_init(&t->timer, conn_timeout, t);
	loop_hook_init(&t->fail_hook, run_failed, t);
	loop_hook_init(&t->write_hook, write_later, t);
	framer_init_buf(&t->fr, t->rbuf, TLS_RBUF);
	return t;
}

void
tls_conn_free(struct tls_conn *t)
{
	struct pending *p;

	if (t == NULL)
		return;
	conn_close(t);
	loop_timer_cancel(t->loop, &t->timer);
	while ((p = TAILQ_FIRST(&t->queue)) != NULL)
		pending_fail(t, p, &t->queue, TLS_CANCELLED);
	while ((p = TAILQ_FIRST(&t->waiting)) != NULL)
		pending_fail(t, p, &t->waiting, TLS_CANCELLED);
	for (p = TAILQ_FIRST(&t->failed); p != NULL; p = TAILQ_NEXT(p, link))
		p->status = TLS_CANCELLED;
	loop_hook_cancel(t->loop, &t->fail_hook);
	run_failed(t);
	if (t->session != NULL)
		SSL_SESSION_free(t->session);
	free(t->rbuf);
	free(t);
}

void
tls_conn_keepalive(struct tls_conn *t, uint64_t timeout_ms)
{
	/* a quarter early: the server's own clock counts from its write */
	uint64_t ms = timeout_ms - timeout_ms / 4;

	if (ms > TLS_IDLE_MS)
		ms = TLS_IDLE_MS;

	if (ms == t->idle_ms)
		return;
	t->idle_ms = ms;
	if (t->state == CONN_OPEN)
		conn_timer_arm(t);
}

bool
tls_conn_backing_off(const struct tls_conn *t)
{
	return t->state == CONN_IDLE && t->fails > 0 &&
	    loop_now_ms(t->loop) < t->retry_ms;
}

unsigned
tls_conn_pending(const struct tls_conn *t)
{
	return t->npending;
}

const struct tls_stats *
tls_conn_stats(const struct tls_conn *t)
{
	return &t->stats;
}

int
tls_conn_send(struct tls_conn *t, const uint8_t *query, size_t len,
    tls_answer_cb *cb, void *arg)
{
	struct pending *p;

	if (len < WIRE_HDR_LEN || len > TLS_QUERY_MAX ||
	    t->npending >= TLS_MAX_PENDING || tls_conn_backing_off(t) ||
	    id_taken(t, wire_get16(query)))
		return -1;
	if ((p = malloc(sizeof(*p))) == NULL)
		return -1;
	memset(p, 0, offsetof(struct pending, q));
	p->cb = cb;
	p->arg = arg;
	p->id = wire_get16(query);
	p->len = (uint16_t)(len + 2);
	wire_put16(p->q, (uint16_t)len);
	memcpy(p->q + 2, query, len);
	id_set(t, p->id, true);
	TAILQ_INSERT_TAIL(&t->queue, p, link);
	t->npending++;
	switch (t->state) {
	case CONN_IDLE:
		/* opened before the loop waits, so that no callback runs
		 * from inside this call (a connect can fail at once) */
		loop_before_wait(t->loop, &t->write_hook);
		break;
	case CONN_OPEN:
		/* every query of this pass in one record */
		loop_before_wait(t->loop, &t->write_hook);
		break;
	case CONN_CONNECTING:
	case CONN_HANDSHAKE:
		break; /* written once the handshake is done */
	}
	return 0;
}
