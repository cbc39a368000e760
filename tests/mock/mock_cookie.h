/*
 * tests/mock/mock_cookie.h - DNS cookies (RFC 7873) as mockdns speaks
 * them, server side: it reads the client's COOKIE option, makes its own
 * server cookie in RFC 9018's layout, and writes the reply's options.
 *
 * The server cookie's hash is FNV-1a over the client cookie, the
 * version, reserved and timestamp octets and the client's address text,
 * with a secret that changes at each reload: a test server, not SipHash-2-4 and
 * not meant to resist anyone; the layout and the checks are RFC 9018's.
 * Links ldns only, like the rest of mockdns.
 */
#ifndef MOCK_COOKIE_H
#define MOCK_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#define MOCK_COOKIE_CLIENT 8
#define MOCK_COOKIE_SERVER 16 /* RFC 9018: 1 + 3 + 4 + 8 */
#define MOCK_COOKIE_SERVER_MAX 32
#define MOCK_NSID_MAX 64 /* a longer --nsid is cut */

/* The COOKIE option of a query. */
struct mock_cookie {
	int present;   /* a COOKIE option was there */
	int malformed; /* its length was not 8 or 16..40 */
	uint8_t client[MOCK_COOKIE_CLIENT];
	uint8_t server[MOCK_COOKIE_SERVER_MAX];
	size_t server_len; /* 0: the client sent none */
	int valid; /* the server cookie is one we made for this client */
	/* the query's other options a reply answers */
	int nsid;           /* an NSID option (RFC 5001) */
	uint8_t subnet[20]; /* a client-subnet option (RFC 7871), */
	size_t subnet_len;  /* 0 if none or longer than 20 */
};

/*
 * Reads q's COOKIE option into c (and its NSID and client-subnet); peer is the client's address text,
 * secret the one our server cookies are made with (mockdns changes it at
 * every reload, so a reload makes every cookie handed out stale).
 */
void mock_cookie_read(ldns_pkt *q, const char *peer, uint64_t secret,
    struct mock_cookie *c);

/*
 * " cookie=CLIENT/SERVER" in hex for the -v log ("-" for a missing
 * server part, a trailing "!" when the server cookie is not ours), or ""
 * without a cookie, into buf.
 */
void mock_cookie_text(const struct mock_cookie *c, char *buf, size_t len);

/* How the reply's COOKIE option is written (mock_reply_options()). */
enum mock_cookie_reply {
	MOCK_COOKIE_REPLY_NONE, /* no option (a server without cookies) */
	MOCK_COOKIE_REPLY_OK, /* the client's cookie and a fresh one of ours */
	MOCK_COOKIE_REPLY_WRONG, /* another client cookie (a forger's) */
};

/*
 * Sets reply's OPT options (if it has an OPT): NSID nsid when the query
 * asked for it and nsid is not NULL, the query's client subnet echoed
 * with scope 0, an EDE option with INFO-CODE ede and ede_text when
 * ede >= 0, then the COOKIE option as how says for the query's cookie c
 * (nothing when the query had none).  Returns 0, or -1 when out of
 * memory.
 */
int mock_reply_options(ldns_pkt *reply, int ede, const char *ede_text,
    const struct mock_cookie *c, const char *peer, uint64_t secret,
    enum mock_cookie_reply how, const char *nsid);

#endif
