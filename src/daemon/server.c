/*
 * src/daemon/server.c - one upstream server and its transport (see
 * server.h).
 *
 * Invariants:
 * - A parsed server has a specified address, a tls_name that is a
 *   valid host name or "", and tls SERVER_TLS_STRICT exactly when it
 *   has a name or a pin.
 * - server_str() writes what server_parse() reads back to a server of
 *   the same address, port and TLS settings.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"
#include "server.h"
#include "wire.h"

#define NAME_WORD "tls-name="
#define PIN_WORD "tls-pin="
/* base64 of SERVER_PIN_LEN octets: 44 characters, one "=" */
#define PIN_B64_LEN (4 * ((SERVER_PIN_LEN + 2) / 3))

static const char *const tls_names[] = {
	[SERVER_TLS_UNSET] = "unset",
	[SERVER_TLS_NO] = "no",
	[SERVER_TLS_OPPORTUNISTIC] = "opportunistic",
	[SERVER_TLS_STRICT] = "strict",
};

int
server_tls_parse(const char *text, enum server_tls *out)
{
	if (strcmp(text, "yes") == 0) {
		*out = SERVER_TLS_STRICT;
		return 0;
	}
	for (size_t i = SERVER_TLS_NO; i <= SERVER_TLS_STRICT; i++)
		if (strcmp(text, tls_names[i]) == 0) {
			*out = (enum server_tls)i;
			return 0;
		}
	return -1;
}

const char *
server_tls_str(enum server_tls t)
{
	return t <= SERVER_TLS_STRICT ? tls_names[t] : "unset";
}

bool
server_is_option(const char *word)
{
	return strncmp(word, NAME_WORD, strlen(NAME_WORD)) == 0 ||
	    strncmp(word, PIN_WORD, strlen(PIN_WORD)) == 0;
}

/* A host name as a certificate names it: letters, digits, "-" (not at
 * a label's ends) and dots, labels of 1 to 63 octets; one trailing dot
 * is dropped. */
static int
name_set(struct server *s, const char *name, char *err, size_t errlen)
{
	uint8_t wire[WIRE_MAX_NAME];
	size_t len = strlen(name), wlen;

	if (len > 0 && name[len - 1] == '.')
		len--;
	/* LDH labels: no "-" at either end of one */
	for (size_t i = 0; i < len; i++)
		if (name[i] == '-' &&
		    (i == 0 || name[i - 1] == '.' || i + 1 == len ||
			name[i + 1] == '.'))
			len = 0;
	if (len == 0 || len >= sizeof(s->tls_name) ||
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") < len ||
	    strstr(name, "..") != NULL || name[0] == '.' ||
	    wire_name_from_text(name, wire, &wlen) != WIRE_OK) {
		errbuf(err, errlen, "bad tls-name \"%s\": not a host name",
		    name);
		return -1;
	}
	memcpy(s->tls_name, name, len);
	s->tls_name[len] = '\0';
	return 0;
}

int
server_name_check(const char *name, char *err, size_t errlen)
{
	struct server s;

	return name_set(&s, name, err, errlen);
}

static int
pin_set(struct server *s, const char *b64, char *err, size_t errlen)
{
	unsigned char out[PIN_B64_LEN];

	/* EVP_DecodeBlock() counts the padding as zero octets: a 32-octet
	 * value is 44 characters ending in exactly one "=" */
	if (strlen(b64) != PIN_B64_LEN || b64[PIN_B64_LEN - 1] != '=' ||
	    b64[PIN_B64_LEN - 2] == '=' ||
	    EVP_DecodeBlock(out, (const unsigned char *)b64, PIN_B64_LEN) !=
		SERVER_PIN_LEN + 1) {
		errbuf(err, errlen,
		    "bad tls-pin \"%s\": expected the base64 SHA-256 of the "
		    "server's public key (44 characters)",
		    b64);
		return -1;
	}
	memcpy(s->pin, out, SERVER_PIN_LEN);
	s->pinned = true;
	return 0;
}

int
server_parse_words(char *const *words, size_t n, struct server *s, char *err,
    size_t errlen)
{
	char why[256];
	struct server t = { .tls = SERVER_TLS_UNSET };

	if (n == 0) {
		errbuf(err, errlen, "expected ADDR[#PORT]");
		return -1;
	}
	if (addr_parse(words[0], SERVER_DNS_PORT, &t.addr, why, sizeof(why)) !=
	    0) {
		errbuf(err, errlen, "%s", why);
		return -1;
	}
	if (addr_is_unspecified(&t.addr)) {
		errbuf(err, errlen,
		    "bad address \"%s\": not a server's address", words[0]);
		return -1;
	}
	/* "ADDR" and "[ADDR]" have no port; "ADDR#PORT", "[ADDR]:PORT" do */
	t.port_given = strchr(words[0], '#') != NULL ||
	    (words[0][0] == '[' && strstr(words[0], "]:") != NULL);
	for (size_t i = 1; i < n; i++) {
		const char *w = words[i];

		if (strncmp(w, NAME_WORD, strlen(NAME_WORD)) == 0) {
			if (t.tls_name[0] != '\0') {
				errbuf(err, errlen, "%s: tls-name given twice",
				    words[0]);
				return -1;
			}
			if (name_set(&t, w + strlen(NAME_WORD), err, errlen) !=
			    0)
				return -1;
		} else if (strncmp(w, PIN_WORD, strlen(PIN_WORD)) == 0) {
			if (t.pinned) {
				errbuf(err, errlen, "%s: tls-pin given twice",
				    words[0]);
				return -1;
			}
			if (pin_set(&t, w + strlen(PIN_WORD), err, errlen) != 0)
				return -1;
		} else {
			errbuf(err, errlen,
			    "%s: unknown word \"%s\": expected tls-name=NAME "
			    "or tls-pin=BASE64",
			    words[0], w);
			return -1;
		}
	}
	if (t.tls_name[0] != '\0' || t.pinned)
		t.tls = SERVER_TLS_STRICT;
	*s = t;
	return 0;
}

int
server_parse(const char *text, struct server *s, char *err, size_t errlen)
{
	char buf[SERVER_STRLEN + 64], *words[4], *p = buf, *w;
	size_t n = 0;

	if (strlen(text) >= sizeof(buf)) {
		errbuf(err, errlen, "server \"%.40s...\" too long", text);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	while ((w = strtok_r(p, " \t", &p)) != NULL) {
		if (n == sizeof(words) / sizeof(words[0])) {
			errbuf(err, errlen, "\"%s\": too many words", text);
			return -1;
		}
		words[n++] = w;
	}
	return server_parse_words(words, n, s, err, errlen);
}

int
server_parse_item(const char *item, struct server *s, char *err, size_t errlen)
{
	char buf[ADDR_STRLEN + SERVER_NAME_MAX + 8], *hash, *w[1] = { buf };
	struct server t;

	if (strlen(item) >= sizeof(buf)) {
		errbuf(err, errlen, "server \"%.40s...\" too long", item);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", item);
	/* the last "#" starts a name unless only digits follow (a port) */
	hash = strrchr(buf, '#');
	if (hash != NULL && hash[1 + strspn(hash + 1, "0123456789")] != '\0')
		*hash++ = '\0';
	else
		hash = NULL;
	if (server_parse_words(w, 1, &t, err, errlen) != 0 ||
	    (hash != NULL && name_set(&t, hash, err, errlen) != 0))
		return -1;
	*s = t;
	return 0;
}

char *
server_item_str(const struct server *s, char *buf, size_t buflen)
{
	char a[ADDR_STRLEN];

	addr_str(&s->addr, a, sizeof(a));
	snprintf(buf, buflen, "%s%s%s", a, s->tls_name[0] != '\0' ? "#" : "",
	    s->tls_name);
	return buf;
}

void
server_from_addr(struct server *s, const struct addr *a)
{
	memset(s, 0, sizeof(*s));
	s->addr = *a;
	s->port_given = true;
}

static void
set_port(struct addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&a->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)&a->ss)->sin6_port =
		    htons(port);
}

void
server_settle(struct server *s, enum server_tls policy)
{
	if (s->tls == SERVER_TLS_UNSET)
		s->tls = policy == SERVER_TLS_UNSET ? SERVER_TLS_NO : policy;
	if (!s->port_given)
		set_port(&s->addr,
		    server_uses_tls(s) ? SERVER_TLS_PORT : SERVER_DNS_PORT);
}

struct addr
server_plain_addr(const struct server *s)
{
	struct addr a = s->addr;

	if (!s->port_given)
		set_port(&a, SERVER_DNS_PORT);
	return a;
}

char *
server_str(const struct server *s, char *buf, size_t buflen)
{
	char a[ADDR_STRLEN], pin[PIN_B64_LEN + 1] = "";
	size_t n;

	addr_str(&s->addr, a, sizeof(a));
	n = (size_t)snprintf(buf, buflen, "%s", a);
	if (s->tls_name[0] != '\0' && n < buflen)
		n += (size_t)snprintf(buf + n, buflen - n, " tls-name=%s",
		    s->tls_name);
	if (s->pinned && n < buflen) {
		EVP_EncodeBlock((unsigned char *)pin, s->pin, SERVER_PIN_LEN);
		snprintf(buf + n, buflen - n, " tls-pin=%s", pin);
	}
	return buf;
}

bool
server_equal(const struct server *a, const struct server *b)
{
	return addr_equal(&a->addr, &b->addr) &&
	    a->port_given == b->port_given && a->tls == b->tls &&
	    strcasecmp(a->tls_name, b->tls_name) == 0 &&
	    a->pinned == b->pinned &&
	    (!a->pinned || memcmp(a->pin, b->pin, SERVER_PIN_LEN) == 0);
}
