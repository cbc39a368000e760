/*
 * src/daemon/tls.h - DNS over TLS to one upstream server (RFC 7858, RFC
 * 8310), on our event loop with OpenSSL: one connection per server,
 * reused for many queries and pipelined, answers matched by id in any
 * order (RFC 7766), closed when idle, resumed with the server's session
 * ticket, reconnected with backoff after a failure.
 *
 * Authentication (server.h's strict mode): a pinned server must show a
 * key whose SubjectPublicKeyInfo hashes to the pin (no CA needed, as
 * RFC 7858 4.2); any other must show a certificate that chains to the
 * client's CAs and names the server's tls-name, else its address.  An
 * opportunistic server is not authenticated.  Nothing here ever sends
 * a query in plain text: falling back is the caller's choice.
 *
 * Ownership: a tls_client (the OpenSSL context, its CAs) outlives its
 * connections.  A connection owns its socket, its TLS state and every
 * query handed to tls_conn_send() until that query's callback has run;
 * tls_conn_free() runs the callbacks of those still waiting.
 */
#ifndef ROOST_TLS_H
#define ROOST_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "server.h"

/* A connection without a query waiting is closed after this long (or
 * sooner: tls_conn_keepalive()). */
#define TLS_IDLE_MS 10000
/* TCP connect and TLS handshake together may take this long. */
#define TLS_HANDSHAKE_MS 5000
/* Queries waiting on one connection; past it tls_conn_send() fails. */
#define TLS_MAX_PENDING 1024
/* After a failed connection, none is tried for a backoff that starts
 * here and doubles up to the maximum (RFC 7858 3.4's "back off"). */
#define TLS_BACKOFF_MIN_MS 1000
#define TLS_BACKOFF_MAX_MS 60000
/* The longest query tls_conn_send() takes, its padding included. */
#define TLS_QUERY_MAX 768

struct tls_client;
struct tls_conn;

/* How a query sent with tls_conn_send() ended. */
enum tls_status {
	TLS_ANSWERED,  /* msg is the answer with the query's id */
	TLS_FAILED,    /* no connection, or it broke before the answer */
	TLS_AUTH,      /* the server failed authentication */
	TLS_CANCELLED, /* tls_conn_free() while it waited */
};

/* Called once per query; msg (len octets) only with TLS_ANSWERED, valid
 * for the call only.  May call tls_conn_send() again. */
typedef void
tls_answer_cb(void *arg, enum tls_status st, const uint8_t *msg, size_t len);

/* One connection's counters since it was made (roost stats). */
struct tls_stats {
	uint64_t handshakes; /* completed, resumed ones included */
	uint64_t resumed;    /* of them, with a session resumed */
	uint64_t queries;    /* queries written */
	uint64_t answers;    /* answers matched to a query */
	uint64_t errors;     /* connections that failed or broke */
	uint64_t auth_failures;
	bool open; /* a connection is up now */
	/* the latest failure ("connect: Connection refused", "certificate
	 * verify failed", "pin mismatch", "closed by server", ...), "" */
	char last_error[96];
	/* who the server was authenticated as: "dns.example",
	 * "pin", "address 192.0.2.1"; "" when it was not */
	char peer[SERVER_NAME_MAX + 8];
};

/*
 * An OpenSSL client context: TLS 1.2 or 1.3, the CAs of ca_file (PEM)
 * or, if it is NULL or "", the system's store.  Returns it, or NULL
 * with why in err.
 */
struct tls_client *
tls_client_new(const char *ca_file, char *err, size_t errlen);

/* Frees c (NULL is fine); its connections must be freed first. */
void tls_client_free(struct tls_client *c);

/*
 * A connection to s (settled, server_uses_tls()) on l, not opened
 * until the first query; name labels its log lines.  answer_ms bounds
 * how long a query waits on an open connection before the connection
 * is taken for broken (every query on it fails).  Returns it, or NULL
 * (out of memory).
 */
struct tls_conn *tls_conn_new(struct loop *l, struct tls_client *c,
    const struct server *s, const char *name, uint64_t answer_ms);

/* Closes the connection, runs the callbacks of the queries waiting on
 * it (TLS_CANCELLED), frees it.  NULL is fine. */
void tls_conn_free(struct tls_conn *t);

/*
 * Sends query (len octets, a DNS message whose id is not taken on t)
 * over t, opening the connection if none is up.  cb(arg, ...) runs
 * once, later, never from inside this call.  Returns 0, or -1 if t is
 * backing off after a failure, TLS_MAX_PENDING queries wait already, or
 * len is 0 or over TLS_QUERY_MAX (cb is then never called).
 */
int tls_conn_send(struct tls_conn *t, const uint8_t *query, size_t len,
    tls_answer_cb *cb, void *arg);

/* Whether a query with this id waits on t. */
bool tls_conn_id_taken(const struct tls_conn *t, uint16_t id);

/*
 * The server's edns-tcp-keepalive TIMEOUT (RFC 7828 3.3.2), in ms: an
 * idle connection is closed after three quarters of it (TLS_IDLE_MS at
 * most), so that the client, not the server, closes it.  For the next
 * connections too.
 */
void tls_conn_keepalive(struct tls_conn *t, uint64_t timeout_ms);

/* Whether t is backing off after a failure now (tls_conn_send() fails). */
bool tls_conn_backing_off(const struct tls_conn *t);

/* Queries waiting on t. */
unsigned tls_conn_pending(const struct tls_conn *t);

/*
 * For the fuzzer and tests, without a socket: takes n octets as if
 * decrypted off t's connection, every query sent so far counted as
 * written.  Answers end their queries; a bad length breaks the
 * connection (every query fails, from the fail hook), as from a server.
 */
void tls_conn_feed(struct tls_conn *t, const uint8_t *data, size_t n);

/* t's counters. */
const struct tls_stats *tls_conn_stats(const struct tls_conn *t);

#endif /* ROOST_TLS_H */
