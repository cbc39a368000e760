/*
 * src/daemon/server.h - one upstream server as roostd is told of it: its
 * address, and whether it is asked over plain DNS or DNS over TLS (RFC
 * 7858) and how a TLS server is authenticated (RFC 8310).  The one
 * syntax of roostd.conf's upstream and forward-zone lines, parsed and
 * printed:
 *
 *     ADDR[#PORT] [tls-name=NAME] [tls-pin=BASE64]
 *
 * A server with a tls-name or a tls-pin is asked over TLS in strict mode
 * whatever its source says; any other takes its source's dns-over-tls
 * policy when the routes are merged (server_settle()).  A port not
 * given is 53 for plain DNS and 853 for TLS.
 *
 * Plain data, no heap memory.
 */
#ifndef ROOST_SERVER_H
#define ROOST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SERVER_DNS_PORT 53
#define SERVER_TLS_PORT 853
#define SERVER_NAME_MAX 254 /* a host name of 253 octets and the NUL */
#define SERVER_PIN_LEN 32   /* SHA-256 of the SubjectPublicKeyInfo */
/* server_str()'s longest text: the address, both words, the NUL */
#define SERVER_STRLEN (ADDR_STRLEN + 10 + SERVER_NAME_MAX + 9 + 45)

/* The transport policy (dns-over-tls), as resolved's DNSOverTLS=. */
enum server_tls {
	SERVER_TLS_UNSET = 0, /* not decided yet: the source's policy */
	SERVER_TLS_NO,        /* plain DNS through c-ares */
	/* TLS without authentication, plain DNS when TLS cannot be had */
	SERVER_TLS_OPPORTUNISTIC,
	/* TLS, authenticated by the pin, else the name, else the address
	 * in the certificate; never plain DNS */
	SERVER_TLS_STRICT,
};

struct server {
	struct addr addr; /* its port: as given, or as server_settle() set */
	bool port_given;  /* written ADDR#PORT */
	uint8_t tls;      /* enum server_tls */
	char tls_name[SERVER_NAME_MAX]; /* "" for none */
	bool pinned;
	uint8_t pin[SERVER_PIN_LEN];
};

/*
 * Parses "no", "opportunistic" or "strict" (also "yes" for strict, as
 * resolved) into *out.  Returns 0, or -1 if text is none of these.
 */
int server_tls_parse(const char *text, enum server_tls *out);

/* "no", "opportunistic", "strict" or "unset" (static text). */
const char *server_tls_str(enum server_tls t);

/*
 * Reads one server from words[0..n): the address, then any tls-name= and
 * tls-pin= words.  Returns 0 with *s filled (tls SERVER_TLS_STRICT if a
 * name or pin was given, else SERVER_TLS_UNSET; the port as given, else
 * 53), or -1 with why in err.  An unspecified address (0.0.0.0, ::) is
 * an error: it names no server.
 */
int server_parse_words(char *const *words, size_t n, struct server *s,
    char *err, size_t errlen);

/* True if word is one server_parse_words() takes after an address. */
bool server_is_option(const char *word);

/*
 * Reads "ADDR[#PORT] [tls-name=NAME] [tls-pin=BASE64]" (blank-separated
 * words) as server_parse_words() does.
 */
int server_parse(const char *text, struct server *s, char *err, size_t errlen);

/*
 * Reads one item of a source's server list (the control socket's
 * servers=, D-Bus): "ADDR[#PORT][#NAME]", as resolved writes a server
 * with its TLS name ("9.9.9.9#dns.quad9.net", "9.9.9.9#853#dns.quad9.net",
 * "[::1]:853#name").  The name is kept for authentication and SNI; the
 * tls policy stays unset (the source's dns-over-tls decides).  Returns
 * 0, or -1 with why in err.
 */
int
server_parse_item(const char *item, struct server *s, char *err, size_t errlen);

/*
 * Checks a TLS name as tls-name= takes it (a host name: LDH labels).
 * Returns 0, or -1 with why in err.
 */
int server_name_check(const char *name, char *err, size_t errlen);

/* Writes s as server_parse_item() reads it back, with its port as now. */
char *server_item_str(const struct server *s, char *buf, size_t buflen);

/* A server at a with nothing else said (tls unset, port given). */
void server_from_addr(struct server *s, const struct addr *a);

/*
 * Decides s's transport: an unset tls becomes policy (SERVER_TLS_NO if
 * policy is unset too), and a port not given becomes 853 under TLS.
 * Settling twice changes nothing.
 */
void server_settle(struct server *s, enum server_tls policy);

/* Whether s (settled) is asked over TLS. */
static inline bool
server_uses_tls(const struct server *s)
{
	return s->tls == SERVER_TLS_OPPORTUNISTIC ||
	    s->tls == SERVER_TLS_STRICT;
}

/*
 * Where plain DNS goes for s: its address, with port 53 if s is
 * opportunistic on a port not given (the fallback of RFC 7858 4.1).
 */
struct addr server_plain_addr(const struct server *s);

/*
 * Writes s as server_parse() reads it back ("ADDR#PORT", the port it
 * has now, then
 * " tls-name=NAME" and " tls-pin=BASE64" if set) into buf, truncating
 * to buflen (SERVER_STRLEN always fits).  Returns buf.
 */
char *server_str(const struct server *s, char *buf, size_t buflen);

/* Same address (addr_equal()) and the same TLS settings. */
bool server_equal(const struct server *a, const struct server *b);

#endif /* ROOST_SERVER_H */
