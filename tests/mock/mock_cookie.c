/*
 * tests/mock/mock_cookie.c - mockdns's DNS cookies (see mock_cookie.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock_cookie.h"

#define OPT_NSID 3
#define OPT_SUBNET 8
#define OPT_COOKIE 10
#define OPT_EDE 15

/* FNV-1a, 64 bits, over the parts of a server cookie. */
static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Our server cookie for client at peer (its address; a port after '#'
 * is left out, as RFC 9018 hashes the address only), stamped ts, with
 * secret (RFC 9018 4). */
static void
make_server(const uint8_t *client, const char *peer, uint64_t secret,
    uint32_t ts, uint8_t *out)
{
	uint64_t h = 0xcbf29ce484222325ull ^ secret;
	size_t plen = strcspn(peer, "#");

	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(ts >> 24);
	out[5] = (uint8_t)(ts >> 16);
	out[6] = (uint8_t)(ts >> 8);
	out[7] = (uint8_t)ts;
	h = fnv(h, client, MOCK_COOKIE_CLIENT);
	h = fnv(h, out, 8);
	h = fnv(h, (const uint8_t *)peer, plen);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (56 - 8 * i));
}

/* The COOKIE option's n bytes at d into c. */
static void
read_cookie(struct mock_cookie *c, const uint8_t *d, size_t n, const char *peer,
    uint64_t secret)
{
	uint8_t want[MOCK_COOKIE_SERVER];

	c->present = 1;
	if (n != MOCK_COOKIE_CLIENT &&
	    (n < MOCK_COOKIE_CLIENT + 8 ||
		n > MOCK_COOKIE_CLIENT + MOCK_COOKIE_SERVER_MAX)) {
		c->malformed = 1;
		return;
	}
	memcpy(c->client, d, MOCK_COOKIE_CLIENT);
	c->server_len = n - MOCK_COOKIE_CLIENT;
	memcpy(c->server, d + MOCK_COOKIE_CLIENT, c->server_len);
	if (c->server_len == MOCK_COOKIE_SERVER) {
		/* RFC 9018 4.3: ours if its hash checks; any age is fine
		 * for a test server */
		uint32_t ts = (uint32_t)c->server[4] << 24 |
		    (uint32_t)c->server[5] << 16 | (uint32_t)c->server[6] << 8 |
		    c->server[7];

		make_server(c->client, peer, secret, ts, want);
		c->valid = memcmp(want, c->server, sizeof(want)) == 0;
	}
}

void
mock_cookie_read(ldns_pkt *q, const char *peer, uint64_t secret,
    struct mock_cookie *c)
{
	ldns_edns_option_list *l;

	memset(c, 0, sizeof(*c));
	if (!ldns_pkt_edns(q) || (l = ldns_pkt_edns_get_option_list(q)) == NULL)
		return;
	for (size_t i = 0; i < ldns_edns_option_list_get_count(l); i++) {
		ldns_edns_option *o = ldns_edns_option_list_get_option(l, i);
		size_t n;
		const uint8_t *d;

		if (o == NULL)
			continue;
		n = ldns_edns_get_size(o);
		d = ldns_edns_get_data(o);
		if (ldns_edns_get_code(o) == OPT_NSID)
			c->nsid = 1;
		else if (ldns_edns_get_code(o) == OPT_SUBNET &&
		    n <= sizeof(c->subnet)) {
			memcpy(c->subnet, d, n);
			c->subnet_len = n;
		} else if (ldns_edns_get_code(o) == OPT_COOKIE && !c->present)
			read_cookie(c, d, n, peer, secret);
	}
}

void
mock_cookie_text(const struct mock_cookie *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!c->present || len < 96)
		return;
	if (c->malformed) {
		snprintf(buf, len, " cookie=malformed");
		return;
	}
	n += (size_t)snprintf(buf + n, len - n, " cookie=");
	for (size_t i = 0; i < MOCK_COOKIE_CLIENT; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", c->client[i]);
	n += (size_t)snprintf(buf + n, len - n, "/");
	if (c->server_len == 0)
		n += (size_t)snprintf(buf + n, len - n, "-");
	for (size_t i = 0; i < c->server_len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", c->server[i]);
	if (c->server_len > 0 && !c->valid)
		(void)snprintf(buf + n, len - n, "!");
}

int
mock_reply_options(ldns_pkt *reply, int ede, const char *ede_text,
    const struct mock_cookie *c, const char *peer, uint64_t secret,
    enum mock_cookie_reply how, const char *nsid)
{
	uint8_t opts[4 + MOCK_NSID_MAX + 4 + sizeof(c->subnet) + 4 + 2 + 256 +
	    4 + MOCK_COOKIE_CLIENT + MOCK_COOKIE_SERVER];
	size_t n = 0, tlen = ede_text != NULL ? strlen(ede_text) : 0;
	size_t nlen = nsid != NULL ? strlen(nsid) : 0;
	ldns_rdf *data;

	if (!ldns_pkt_edns(reply))
		return 0;
	if (tlen > 256)
		tlen = 256;
	if (nlen > MOCK_NSID_MAX)
		nlen = MOCK_NSID_MAX;
	if (c->nsid && nsid != NULL) {
		opts[n++] = 0;
		opts[n++] = OPT_NSID;
		opts[n++] = 0;
		opts[n++] = (uint8_t)nlen;
		memcpy(opts + n, nsid, nlen);
		n += nlen;
	}
	if (c->subnet_len >= 4) {
		/* echoed with SCOPE PREFIX-LENGTH 0: one answer for all */
		opts[n++] = 0;
		opts[n++] = OPT_SUBNET;
		opts[n++] = 0;
		opts[n++] = (uint8_t)c->subnet_len;
		memcpy(opts + n, c->subnet, c->subnet_len);
		opts[n + 3] = 0;
		n += c->subnet_len;
	}
	if (ede >= 0) {
		opts[n++] = 0;
		opts[n++] = OPT_EDE;
		opts[n++] = (uint8_t)((2 + tlen) >> 8);
		opts[n++] = (uint8_t)(2 + tlen);
		opts[n++] = (uint8_t)(ede >> 8);
		opts[n++] = (uint8_t)ede;
		memcpy(opts + n, ede_text, tlen);
		n += tlen;
	}
	if (c->present && !c->malformed && how != MOCK_COOKIE_REPLY_NONE) {
		opts[n++] = 0;
		opts[n++] = OPT_COOKIE;
		opts[n++] = 0;
		opts[n++] = MOCK_COOKIE_CLIENT + MOCK_COOKIE_SERVER;
		memcpy(opts + n, c->client, MOCK_COOKIE_CLIENT);
		if (how == MOCK_COOKIE_REPLY_WRONG)
			opts[n] ^= 0xff;
		make_server(c->client, peer, secret, (uint32_t)time(NULL),
		    opts + n + MOCK_COOKIE_CLIENT);
		n += MOCK_COOKIE_CLIENT + MOCK_COOKIE_SERVER;
	}
	if (n == 0)
		return 0;
	if ((data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, n, opts)) ==
	    NULL)
		return -1;
	ldns_pkt_set_edns_data(reply, data);
	return 0;
}
