/*
 * src/daemon/config.c - roostd's configuration: the file, the flags, the
 * defaults and the upstreams taken from resolv.conf (see config.h).
 *
 * Invariants:
 * - config_options[] (config_options.c) is the one list of keys;
 *   config_defaults() and the default lists of config_finish()
 *   apply each entry's .def through the same code as the file, so a
 *   default is always a value the key accepts.
 * - Nothing here exits, prints, or keeps state or memory past a call
 *   (a FILE is closed on every path): every failure is text in the
 *   caller's err buffer, and a struct config owns no heap memory.
 * - c->nlisten, c->nupstream and c->nallow never exceed their
 *   CONFIG_MAX_*: an option past the cap is an error, never a silent drop
 *   (resolv.conf is the one exception, and says so in the header).
 * - c->listen and c->upstream hold no duplicates; c->upstream holds no
 *   unspecified address (0.0.0.0, ::).
 * - Every subnet in c->allow has its host bits zero (addr_subnet_parse()
 *   rejects "10.0.0.1/8" rather than masking it).
 * - A line is buffered up to CONFIG_MAX_LINE characters only; a longer
 *   one is an error, so no file makes us hold more than one line.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "errbuf.h"
#include "local_rr.h"
#include "num.h"
#include "log.h"

static const char *const config_log_names[] = {
	[CONFIG_LOG_ERR] = "error",
	[CONFIG_LOG_WARN] = "warn",
	[CONFIG_LOG_INFO] = "info",
	[CONFIG_LOG_DEBUG] = "debug",
};

/* What to tell a user who has no upstream left. */
#define CONFIG_NO_UPSTREAM_FIX                                                 \
	"set \"upstream = ADDR\" in the config file or pass --upstream ADDR"

/* Room for a helper's reason, which may quote a whole line. */
#define CONFIG_WHY_MAX (CONFIG_MAX_LINE + 256)

/* --- addresses ---------------------------------------------------------- */

const struct addr *
config_find_self(const struct config *c, const struct addr *up)
{
	for (size_t i = 0; i < c->nlisten; i++) {
		const struct addr *l = &c->listen[i];

		if (addr_equal(l, up))
			return l;
		if (addr_family(l) == addr_family(up) &&
		    addr_port(l) == addr_port(up) && addr_is_unspecified(l) &&
		    addr_is_loopback(up))
			return l;
	}
	return NULL;
}

/* --- options ---------------------------------------------------------- */

const struct config_option *
config_option_find(const char *key)
{
	for (size_t i = 0; i < config_noptions; i++)
		if (strcmp(config_options[i].name, key) == 0)
			return &config_options[i];
	return NULL;
}

bool
config_option_is_list(const struct config_option *o)
{
	return o->kind == CONFIG_KIND_LISTEN ||
	    o->kind == CONFIG_KIND_UPSTREAM || o->kind == CONFIG_KIND_ALLOW ||
	    o->kind == CONFIG_KIND_FORWARD_ZONE ||
	    o->kind == CONFIG_KIND_LOCAL_ZONE ||
	    o->kind == CONFIG_KIND_LOCAL_DATA ||
	    o->kind == CONFIG_KIND_HOSTS_FILE ||
	    o->kind == CONFIG_KIND_BLOCKLIST ||
	    o->kind == CONFIG_KIND_ALLOWLIST || o->kind == CONFIG_KIND_INSECURE;
}

/* The next blank-separated word of *s (NUL-terminated in place), or
 * NULL at the end. */
static char *
next_word(char **s)
{
	char *w = *s;

	while (*w == ' ' || *w == '\t')
		w++;
	if (*w == '\0')
		return NULL;
	*s = w + strcspn(w, " \t");
	if (**s != '\0')
		*(*s)++ = '\0';
	return w;
}

/* Appends value to listen or fails. */
static int
add_listen(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	struct addr a;
	char why[CONFIG_WHY_MAX], str[ADDR_STRLEN];

	if (addr_parse(value, CONFIG_DNS_PORT, &a, why, sizeof(why)) != 0) {
		errbuf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	for (size_t i = 0; i < c->nlisten; i++)
		if (addr_equal(&c->listen[i], &a)) {
			errbuf(err, errlen, "%s: \"%s\" is %s, already listed",
			    key, value, addr_str(&a, str, sizeof(str)));
			return -1;
		}
	if (c->nlisten >= CONFIG_MAX_LISTEN) {
		errbuf(err, errlen,
		    "%s: cannot add \"%s\": at most %d listen addresses", key,
		    value, CONFIG_MAX_LISTEN);
		return -1;
	}
	c->listen[c->nlisten++] = a;
	return 0;
}

/*
 * Appends the server words[0..n) ("ADDR[#PORT] [tls-name=NAME]
 * [tls-pin=PIN]") to list[0..*n), CONFIG_MAX_UPSTREAM at most; what is
 * the key and where of messages ("upstream", "forward-zone: corp."),
 * noun what the list holds ("upstreams").
 */
static int
add_server(struct server *list, size_t *n, char *const *words, size_t nwords,
    const char *what, const char *noun, char *err, size_t errlen)
{
	struct server s;
	char why[CONFIG_WHY_MAX], str[ADDR_STRLEN];

	if (server_parse_words(words, nwords, &s, why, sizeof(why)) != 0) {
		errbuf(err, errlen, "%s: %s", what, why);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (addr_equal(&list[i].addr, &s.addr)) {
			errbuf(err, errlen, "%s: \"%s\" is %s, already listed",
			    what, words[0],
			    addr_str(&s.addr, str, sizeof(str)));
			return -1;
		}
	if (*n >= CONFIG_MAX_UPSTREAM) {
		errbuf(err, errlen, "%s: cannot add \"%s\": at most %d %s",
		    what, words[0], CONFIG_MAX_UPSTREAM, noun);
		return -1;
	}
	list[(*n)++] = s;
	return 0;
}

/* Splits value into blank-separated words in buf; returns how many
 * (at most max), or -1 if there are more or it is too long. */
static int
split_words(const char *value, char *buf, size_t buflen, char **words,
    size_t max)
{
	char *rest = buf, *w;
	size_t n = 0;

	if (strlen(value) >= buflen)
		return -1;
	snprintf(buf, buflen, "%s", value);
	while ((w = next_word(&rest)) != NULL) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return (int)n;
}

/* "ADDR[#PORT] [tls-name=NAME] [tls-pin=PIN]" appended to upstream. */
static int
add_upstream(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	char buf[CONFIG_MAX_LINE], *words[3];
	int n = split_words(value, buf, sizeof(buf), words, 3);

	if (n < 1) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected ADDR[#PORT] "
		    "[tls-name=NAME] [tls-pin=BASE64]",
		    key, value);
		return -1;
	}
	return add_server(c->upstream, &c->nupstream, words, (size_t)n, key,
	    "upstreams", err, errlen);
}

static int
add_allow(struct config *c, const char *value, char *err, size_t errlen)
{
	struct addr_subnet s;
	char why[CONFIG_WHY_MAX];

	if (addr_subnet_parse(value, &s, why, sizeof(why)) != 0) {
		errbuf(err, errlen, "allow: %s", why);
		return -1;
	}
	if (c->nallow >= CONFIG_MAX_ALLOW) {
		errbuf(err, errlen,
		    "allow: cannot add \"%s\": at most %d subnets", value,
		    CONFIG_MAX_ALLOW);
		return -1;
	}
	c->allow[c->nallow++] = s;
	return 0;
}

/* "DOMAIN ADDR[#PORT]..." appended to c's forward zones. */
static int
add_zone(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	char buf[CONFIG_MAX_LINE], *rest = buf, *w;
	char what[CONFIG_MAX_LINE + 32];
	struct config_zone z = { .nserver = 0 };
	const char *zname;

	if (strlen(value) >= sizeof(buf)) {
		errbuf(err, errlen, "%s: value too long", key);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	zname = next_word(&rest);
	if (zname == NULL ||
	    wire_name_from_text(zname, z.name, &z.name_len) != WIRE_OK) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected DOMAIN ADDR[#PORT]...", key,
		    value);
		return -1;
	}
	if (z.name_len == 1) {
		errbuf(err, errlen,
		    "%s: \".\" is every name: set its servers with upstream",
		    key);
		return -1;
	}
	wire_name_lower(z.name, z.name_len);
	for (size_t i = 0; i < c->nzone; i++)
		if (wire_name_equal(c->zone[i].name, c->zone[i].name_len,
			z.name, z.name_len)) {
			errbuf(err, errlen, "%s: %s: already forwarded", key,
			    zname);
			return -1;
		}
	snprintf(what, sizeof(what), "%s: %s", key, zname);
	w = next_word(&rest);
	while (w != NULL) {
		char *words[3] = { w };
		size_t n = 1;

		/* an address, then the words that say how to reach it */
		while ((w = next_word(&rest)) != NULL && server_is_option(w))
			if (n < 3)
				words[n++] = w;
			else {
				errbuf(err, errlen,
				    "%s: \"%s\": too many words", what,
				    words[0]);
				return -1;
			}
		if (add_server(z.server, &z.nserver, words, n, what, "servers",
			err, errlen) != 0)
			return -1;
	}
	if (z.nserver == 0) {
		errbuf(err, errlen,
		    "%s: %s: no server (expected DOMAIN ADDR[#PORT]...)", key,
		    zname);
		return -1;
	}
	if (c->nzone >= CONFIG_MAX_ZONES) {
		errbuf(err, errlen, "%s: cannot add %s: at most %d zones", key,
		    zname, CONFIG_MAX_ZONES);
		return -1;
	}
	c->zone[c->nzone++] = z;
	return 0;
}

static const char *const config_local_kinds[] = {
	[CONFIG_LOCAL_STATIC] = "static",
	[CONFIG_LOCAL_TRANSPARENT] = "transparent",
	[CONFIG_LOCAL_REFUSE] = "refuse",
};

/* "DOMAIN static|transparent|refuse" appended to c's local zones. */
static int
add_local_zone(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	char buf[CONFIG_MAX_LINE], *rest = buf, *zname, *kind;
	struct config_local_zone z = { .name_len = 0 };
	size_t len, k;

	snprintf(buf, sizeof(buf), "%s", value);
	zname = next_word(&rest);
	kind = next_word(&rest);
	if (zname == NULL || kind == NULL || next_word(&rest) != NULL ||
	    wire_name_from_text(zname, z.name, &len) != WIRE_OK) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected DOMAIN "
		    "static|transparent|refuse",
		    key, value);
		return -1;
	}
	for (k = 0;
	     k < sizeof(config_local_kinds) / sizeof(config_local_kinds[0]);
	     k++)
		if (strcmp(kind, config_local_kinds[k]) == 0)
			break;
	if (k == sizeof(config_local_kinds) / sizeof(config_local_kinds[0])) {
		errbuf(err, errlen,
		    "%s: %s: bad kind \"%s\": expected static, transparent "
		    "or refuse",
		    key, zname, kind);
		return -1;
	}
	if (len == 1) {
		errbuf(err, errlen, "%s: \".\" is every name: not a local zone",
		    key);
		return -1;
	}
	wire_name_lower(z.name, len);
	z.name_len = (uint8_t)len;
	z.kind = (uint8_t)k;
	for (size_t i = 0; i < c->nlocal_zone; i++)
		if (wire_name_equal(c->local_zone[i].name,
			c->local_zone[i].name_len, z.name, len)) {
			errbuf(err, errlen, "%s: %s: already a local zone", key,
			    zname);
			return -1;
		}
	if (c->nlocal_zone >= CONFIG_MAX_LOCAL_ZONES) {
		errbuf(err, errlen, "%s: cannot add %s: at most %d zones", key,
		    zname, CONFIG_MAX_LOCAL_ZONES);
		return -1;
	}
	c->local_zone[c->nlocal_zone++] = z;
	return 0;
}

/* One record, "OWNER [TTL] [IN] TYPE RDATA" (quotes around it
 * optional), appended to c's local data once ldns reads it. */
static int
add_local_data(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	static struct local_rr rr; /* 4 KiB: not on the stack */
	char why[CONFIG_WHY_MAX];
	size_t n = strlen(value);

	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value++;
		n -= 2;
	}
	if (c->local_data_len + n + 1 > sizeof(c->local_data)) {
		errbuf(err, errlen,
		    "%s: cannot add \"%.*s\": local-data holds at most %d "
		    "octets of records",
		    key, (int)n, value, CONFIG_LOCAL_DATA_BYTES);
		return -1;
	}
	memcpy(c->local_data + c->local_data_len, value, n);
	c->local_data[c->local_data_len + n] = '\0';
	if (local_rr_parse(c->local_data + c->local_data_len, &rr, why,
		sizeof(why)) != 0) {
		errbuf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	c->local_data_len += n + 1;
	c->nlocal_data++;
	return 0;
}

/* An absolute path appended to the hosts files, or "none". */
static int
add_hosts_file(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "none") == 0) {
		c->nhosts_file = 0;
		c->hosts_file_none = true;
		return 0;
	}
	if (value[0] != '/' || strlen(value) >= CONFIG_PATH_MAX) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected none or an absolute path "
		    "shorter than %d characters",
		    key, value, CONFIG_PATH_MAX);
		return -1;
	}
	for (size_t i = 0; i < c->nhosts_file; i++)
		if (strcmp(c->hosts_file[i], value) == 0) {
			errbuf(err, errlen, "%s: \"%s\" is already listed", key,
			    value);
			return -1;
		}
	if (c->nhosts_file >= CONFIG_MAX_HOSTS_FILES) {
		errbuf(err, errlen, "%s: cannot add \"%s\": at most %d files",
		    key, value, CONFIG_MAX_HOSTS_FILES);
		return -1;
	}
	snprintf(c->hosts_file[c->nhosts_file++], CONFIG_PATH_MAX, "%s", value);
	c->hosts_file_none = false;
	return 0;
}

/* An absolute path appended to the blocklists or the allowlists. */
static int
add_list_file(char (*list)[CONFIG_PATH_MAX], size_t *n, const char *key,
    const char *value, char *err, size_t errlen)
{
	if (value[0] != '/' || strlen(value) >= CONFIG_PATH_MAX) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected an absolute path shorter "
		    "than %d characters",
		    key, value, CONFIG_PATH_MAX);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], value) == 0) {
			errbuf(err, errlen, "%s: \"%s\" is already listed", key,
			    value);
			return -1;
		}
	if (*n >= CONFIG_MAX_BLOCKLISTS) {
		errbuf(err, errlen, "%s: cannot add \"%s\": at most %d files",
		    key, value, CONFIG_MAX_BLOCKLISTS);
		return -1;
	}
	snprintf(list[(*n)++], CONFIG_PATH_MAX, "%s", value);
	return 0;
}

static int
set_block_answer(struct config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	if (strcmp(value, "nxdomain") == 0)
		c->block_answer = CONFIG_BLOCK_NXDOMAIN;
	else if (strcmp(value, "null") == 0)
		c->block_answer = CONFIG_BLOCK_NULL;
	else if (strcmp(value, "refused") == 0)
		c->block_answer = CONFIG_BLOCK_REFUSED;
	else {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected nxdomain, null or refused",
		    key, value);
		return -1;
	}
	return 0;
}

static int
set_dnssec(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "no") == 0)
		c->dnssec = CONFIG_DNSSEC_NO;
	else if (strcmp(value, "yes") == 0)
		c->dnssec = CONFIG_DNSSEC_YES;
	else if (strcmp(value, "permissive") == 0)
		c->dnssec = CONFIG_DNSSEC_PERMISSIVE;
	else {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected no, yes or permissive", key,
		    value);
		return -1;
	}
	return 0;
}

static int
set_dns_over_tls(struct config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	enum server_tls t;

	if (server_tls_parse(value, &t) != 0) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected no, opportunistic or "
		    "strict",
		    key, value);
		return -1;
	}
	c->dns_over_tls = t;
	return 0;
}

/* A domain-insecure name (the root too: every name unchecked). */
static int
add_insecure(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	struct config_domain d;
	size_t len;

	if (strchr(value, ' ') != NULL || strchr(value, '\t') != NULL ||
	    wire_name_from_text(value, d.name, &len) != WIRE_OK) {
		errbuf(err, errlen, "%s: bad value \"%s\": expected a domain",
		    key, value);
		return -1;
	}
	wire_name_lower(d.name, len);
	d.name_len = (uint8_t)len;
	for (size_t i = 0; i < c->ninsecure; i++)
		if (wire_name_equal(c->insecure[i].name,
			c->insecure[i].name_len, d.name, len))
			return 0;
	if (c->ninsecure == CONFIG_MAX_INSECURE) {
		errbuf(err, errlen, "%s: more than %d names", key,
		    CONFIG_MAX_INSECURE);
		return -1;
	}
	c->insecure[c->ninsecure++] = d;
	return 0;
}

static int
set_log_queries(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "no") == 0)
		c->log_queries = CONFIG_LOG_QUERIES_NO;
	else if (strcmp(value, "yes") == 0)
		c->log_queries = CONFIG_LOG_QUERIES_YES;
	else if (strcmp(value, "failed") == 0)
		c->log_queries = CONFIG_LOG_QUERIES_FAILED;
	else {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected no, yes or failed", key,
		    value);
		return -1;
	}
	return 0;
}

/* A string that must fit its field; "KEY: bad value" on -1. */
static int
set_string(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	if (strlen(value) >= o->size) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": longer than %zu characters", o->name,
		    value, o->size - 1);
		return -1;
	}
	snprintf((char *)c + o->off, o->size, "%s", value);
	return 0;
}

static int
set_uint(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	unsigned long v;

	if (num_parse_uint(value, o->min, o->max, &v) != 0) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected %u..%u (%s)", o->name,
		    value, o->min, o->max, o->unit);
		return -1;
	}
	*(unsigned *)(void *)((char *)c + o->off) = (unsigned)v;
	return 0;
}

static int
set_bool(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*(bool *)(void *)((char *)c + o->off) =
		    strcmp(value, "yes") == 0;
		return 0;
	}
	errbuf(err, errlen, "%s: bad value \"%s\": expected yes or no", o->name,
	    value);
	return -1;
}

static int
set_log_level(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	for (size_t i = 0;
	     i < sizeof(config_log_names) / sizeof(config_log_names[0]); i++)
		if (strcmp(value, config_log_names[i]) == 0) {
			c->log_level = (enum config_log_level)i;
			return 0;
		}
	errbuf(err, errlen,
	    "%s: bad value \"%s\": expected error, warn, info or debug", key,
	    value);
	return -1;
}

static int
set_user(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	/* a login name as useradd takes it: no path, no separator */
	if (strlen(value) >= CONFIG_USER_MAX ||
	    strspn(value,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789_.-") != strlen(value) ||
	    value[0] == '-') {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected a user name "
		    "(letters, digits, _ . -; at most %d characters)",
		    key, value, CONFIG_USER_MAX - 1);
		return -1;
	}
	snprintf(c->user, sizeof(c->user), "%s", value);
	return 0;
}

static int
set_cache_file(struct config *c, const struct config_option *o,
    const char *value, char *err, size_t errlen)
{
	/* absolute: roostd may run from any directory, and systemd starts
	 * it in / */
	if (value[0] != '/' && strcmp(value, CONFIG_CACHE_FILE_NONE) != 0) {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected an absolute path or none",
		    o->name, value);
		return -1;
	}
	return set_string(c, o, value, err, errlen);
}

static int
set_abs_path(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	/* roostd may run from any directory, and systemd starts it in / */
	if (value[0] != '/') {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected an absolute path", o->name,
		    value);
		return -1;
	}
	return set_string(c, o, value, err, errlen);
}

static int
set_control(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "none") == 0) {
		c->control_socket[0] = '\0';
		c->control_socket_set = true;
		return 0;
	}
	/* a relative path would depend on the directory roostd started in;
	 * a unix socket's path must fit sun_path */
	if (value[0] != '/') {
		errbuf(err, errlen,
		    "%s: bad value \"%s\": expected none or an absolute path",
		    key, value);
		return -1;
	}
	if (strlen(value) >= sizeof(c->control_socket)) {
		errbuf(err, errlen,
		    "%s: path too long (%zu characters; a unix socket path has "
		    "at most %zu): %s",
		    key, strlen(value), sizeof(c->control_socket) - 1, value);
		return -1;
	}
	snprintf(c->control_socket, sizeof(c->control_socket), "%s", value);
	c->control_socket_set = true;
	return 0;
}

/* Applies one non-empty value of option o; config_set()'s contract. */
static int
option_apply(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	switch (o->kind) {
	case CONFIG_KIND_LISTEN:
		return add_listen(c, o->name, value, err, errlen);
	case CONFIG_KIND_UPSTREAM:
		return add_upstream(c, o->name, value, err, errlen);
	case CONFIG_KIND_ALLOW:
		return add_allow(c, value, err, errlen);
	case CONFIG_KIND_FORWARD_ZONE:
		return add_zone(c, o->name, value, err, errlen);
	case CONFIG_KIND_LOCAL_ZONE:
		return add_local_zone(c, o->name, value, err, errlen);
	case CONFIG_KIND_LOCAL_DATA:
		return add_local_data(c, o->name, value, err, errlen);
	case CONFIG_KIND_HOSTS_FILE:
		return add_hosts_file(c, o->name, value, err, errlen);
	case CONFIG_KIND_BLOCKLIST:
		return add_list_file(c->blocklist, &c->nblocklist, o->name,
		    value, err, errlen);
	case CONFIG_KIND_ALLOWLIST:
		return add_list_file(c->allowlist, &c->nallowlist, o->name,
		    value, err, errlen);
	case CONFIG_KIND_BLOCK_ANSWER:
		return set_block_answer(c, o->name, value, err, errlen);
	case CONFIG_KIND_DNSSEC:
		return set_dnssec(c, o->name, value, err, errlen);
	case CONFIG_KIND_DNS_OVER_TLS:
		return set_dns_over_tls(c, o->name, value, err, errlen);
	case CONFIG_KIND_INSECURE:
		return add_insecure(c, o->name, value, err, errlen);
	case CONFIG_KIND_LOG_QUERIES:
		return set_log_queries(c, o->name, value, err, errlen);
	case CONFIG_KIND_PATH:
		return set_string(c, o, value, err, errlen);
	case CONFIG_KIND_ABS_PATH:
		return set_abs_path(c, o, value, err, errlen);
	case CONFIG_KIND_UINT:
		return set_uint(c, o, value, err, errlen);
	case CONFIG_KIND_LOG_LEVEL:
		return set_log_level(c, o->name, value, err, errlen);
	case CONFIG_KIND_USER:
		return set_user(c, o->name, value, err, errlen);
	case CONFIG_KIND_CACHE_FILE:
		return set_cache_file(c, o, value, err, errlen);
	case CONFIG_KIND_CONTROL:
		return set_control(c, o->name, value, err, errlen);
	case CONFIG_KIND_BOOL:
		return set_bool(c, o, value, err, errlen);
	}
	errbuf(err, errlen, "%s: option not handled",
	    o->name); /* not reached */
	return -1;
}

const struct config_zone *
config_zone_for(const struct config *c, const uint8_t *name, size_t len)
{
	const struct config_zone *best = NULL;

	for (size_t i = 0; i < c->nzone; i++)
		if (wire_name_is_subdomain(name, len, c->zone[i].name,
			c->zone[i].name_len) &&
		    (best == NULL || c->zone[i].name_len > best->name_len))
			best = &c->zone[i];
	return best;
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_noptions; i++) {
		const struct config_option *o = &config_options[i];
		int r;

		if (config_option_is_list(o) || o->def[0] == '\0')
			continue;
		r = option_apply(c, o, o->def, NULL, 0);
		assert(r == 0 && "a default in config_options[] is bad");
		(void)r;
	}
	/* the default socket is not a configured one */
	c->control_socket_set = false;
}

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	const struct config_option *o = config_option_find(key);

	if (o == NULL) {
		errbuf(err, errlen, "unknown option \"%s\"", key);
		return -1;
	}
	if (*value == '\0') {
		errbuf(err, errlen, "%s: empty value", key);
		return -1;
	}
	return option_apply(c, o, value, err, errlen);
}

int
config_clear_list(struct config *c, const char *key)
{
	if (strcmp(key, "listen") == 0)
		c->nlisten = 0;
	else if (strcmp(key, "upstream") == 0)
		c->nupstream = 0;
	else if (strcmp(key, "allow") == 0)
		c->nallow = 0;
	else if (strcmp(key, "forward-zone") == 0)
		c->nzone = 0;
	else if (strcmp(key, "local-zone") == 0)
		c->nlocal_zone = 0;
	else if (strcmp(key, "local-data") == 0)
		c->nlocal_data = c->local_data_len = 0;
	else if (strcmp(key, "blocklist") == 0)
		c->nblocklist = 0;
	else if (strcmp(key, "allowlist") == 0)
		c->nallowlist = 0;
	else if (strcmp(key, "domain-insecure") == 0)
		c->ninsecure = 0;
	else if (strcmp(key, "hosts-file") == 0) {
		c->nhosts_file = 0;
		c->hosts_file_none = false;
	} else {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

const char *
config_cache_file(const struct config *c, const char *state_dir, char *buf,
    size_t buflen)
{
	size_t n;

	if (strcmp(c->cache_file, CONFIG_CACHE_FILE_NONE) == 0)
		return NULL;
	if (c->cache_file[0] != '\0') {
		if ((size_t)snprintf(buf, buflen, "%s", c->cache_file) >=
		    buflen)
			return NULL;
		return buf;
	}
	if (state_dir == NULL || state_dir[0] == '\0' || state_dir[0] == ':')
		return NULL;
	n = strcspn(state_dir, ":");
	if ((size_t)snprintf(buf, buflen, "%.*s/%s", (int)n, state_dir,
		CONFIG_CACHE_FILE_NAME) >= buflen)
		return NULL;
	return buf;
}

/* --- files ------------------------------------------------------------ */

/*
 * Reads one line without its "\n" (or "\r\n") into buf, storing at most
 * cap - 1 characters; *lenp is the line's full length, which may exceed
 * what was stored (the caller rejects such a line).  Returns 1, 0 at end
 * of file, or -1 on a read error with errno set.
 */
static int
read_line(FILE *f, char *buf, size_t cap, size_t *lenp)
{
	size_t n = 0;
	int ch = EOF;
	bool any = false;

	while ((ch = getc(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (n < cap - 1)
			buf[n] = (char)ch;
		n++;
	}
	if (ch == EOF && ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	if (!any)
		return 0;
	if (n > 0 && n < cap && buf[n - 1] == '\r')
		n--;
	buf[n < cap ? n : cap - 1] = '\0';
	*lenp = n;
	return 1;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static char *
skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static void
trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
}

/* One line of roostd.conf (len characters, NUL-terminated) into c. */
static int
parse_line(struct config *c, char *line, size_t len, char *why, size_t whylen)
{
	char *p, *eq, *value;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			errbuf(why, whylen,
			    "control character 0x%02x in column %zu", ch,
			    i + 1);
			return -1;
		}
	}
	p = skip_blanks(line);
	if (*p == '\0' || *p == '#')
		return 0;
	/* '#' after a blank starts a comment; in "1.2.3.4#53" it does not */
	for (char *q = p + 1; *q != '\0'; q++)
		if (*q == '#' && is_blank(q[-1])) {
			*q = '\0';
			break;
		}
	trim_end(p);
	if ((eq = strchr(p, '=')) == NULL) {
		errbuf(why, whylen, "expected \"key = value\", got \"%s\"", p);
		return -1;
	}
	*eq = '\0';
	trim_end(p);
	value = skip_blanks(eq + 1);
	if (*p == '\0') {
		errbuf(why, whylen, "expected \"key = value\", got no key");
		return -1;
	}
	return config_set(c, p, value, why, whylen);
}

int
config_load_file(struct config *c, const char *path, bool missing_ok, char *err,
    size_t errlen)
{
	/* the line, a '\r' before its '\n', the NUL */
	char line[CONFIG_MAX_LINE + 2], why[CONFIG_WHY_MAX];
	unsigned lineno = 0;
	size_t len;
	FILE *f;
	int r, rc = -1;

	if (strlen(path) >= sizeof(c->path)) {
		errbuf(err, errlen, "%s: path longer than %zu characters", path,
		    sizeof(c->path) - 1);
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return 0;
		errbuf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (;;) {
		errno = 0;
		if ((r = read_line(f, line, sizeof(line), &len)) == 0)
			break;
		if (r < 0) {
			errbuf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		lineno++;
		if (len > CONFIG_MAX_LINE) {
			errbuf(err, errlen,
			    "%s:%u: line longer than %d characters", path,
			    lineno, CONFIG_MAX_LINE);
			goto out;
		}
		if (parse_line(c, line, len, why, sizeof(why)) != 0) {
			errbuf(err, errlen, "%s:%u: %s", path, lineno, why);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* --- config_finish ---------------------------------------------------- */

/* What became of resolv.conf's nameservers, for the error message. */
struct resolv_tally {
	unsigned named;    /* nameserver lines */
	unsigned unusable; /* not a numeric address, or unspecified */
	unsigned self;     /* one of our listen addresses */
	struct addr first_self;
};

/*
 * Appends the nameservers of c->resolv_conf to c->upstream, skipping
 * loops and duplicates, up to CONFIG_MAX_UPSTREAM.  Syntax as glibc's
 * res_init: a line starting '#' or ';' is a comment, "nameserver ADDR"
 * names a server on port 53, anything after ADDR and any other keyword
 * is ignored.  Returns 0, or -1 if the file cannot be read (why set).
 */
static int
read_resolv_conf(struct config *c, struct resolv_tally *t, char *why,
    size_t whylen)
{
	char line[CONFIG_MAX_LINE + 2];
	size_t len;
	FILE *f;
	int r;

	if ((f = fopen(c->resolv_conf, "re")) == NULL) {
		errbuf(why, whylen, "cannot read %s: %s", c->resolv_conf,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		struct addr a;
		struct server srv;
		char *p, *addr;
		bool dup = false;

		errno = 0;
		if ((r = read_line(f, line, sizeof(line), &len)) <= 0)
			break;
		p = skip_blanks(line);
		if (len > CONFIG_MAX_LINE ||
		    strncmp(p, "nameserver", 10) != 0 || !is_blank(p[10]))
			continue;
		t->named++;
		addr = skip_blanks(p + 10);
		addr[strcspn(addr, " \t")] = '\0';
		/* resolv.conf has no port syntax: take the address only */
		if (strpbrk(addr, "#[]") != NULL ||
		    addr_parse(addr, CONFIG_DNS_PORT, &a, NULL, 0) != 0 ||
		    addr_is_unspecified(&a)) {
			t->unusable++;
			continue;
		}
		if (config_find_self(c, &a) != NULL) {
			if (t->self++ == 0)
				t->first_self = a;
			continue;
		}
		/* no port given: 853 if dns-over-tls says TLS */
		server_from_addr(&srv, &a);
		srv.port_given = false;
		server_settle(&srv, c->dns_over_tls);
		for (size_t i = 0; i < c->nupstream; i++)
			dup =
			    dup || addr_equal(&c->upstream[i].addr, &srv.addr);
		if (!dup && c->nupstream < CONFIG_MAX_UPSTREAM)
			c->upstream[c->nupstream++] = srv;
	}
	if (r < 0) {
		errbuf(why, whylen, "cannot read %s: %s", c->resolv_conf,
		    strerror(errno != 0 ? errno : EIO));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Adds the default entries (its .def) to the empty list named key. */
static int
default_list(struct config *c, const char *key, char *err, size_t errlen)
{
	const struct config_option *o = config_option_find(key);
	char word[CONFIG_MAX_LINE];
	size_t n;

	for (const char *p = o->def; *p != '\0'; p += strspn(p, " ")) {
		n = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		p += n;
		if (option_apply(c, o, word, NULL, 0) != 0) {
			errbuf(err, errlen, "cannot parse the default %s", key);
			return -1;
		}
	}
	return 0;
}

int
config_finish(struct config *c, char *err, size_t errlen)
{
	char str[ADDR_STRLEN];

	if ((c->nlisten == 0 && default_list(c, "listen", err, errlen) != 0) ||
	    (c->nallow == 0 && default_list(c, "allow", err, errlen) != 0) ||
	    (c->nhosts_file == 0 && !c->hosts_file_none &&
		default_list(c, "hosts-file", err, errlen) != 0))
		return -1;
	if (c->query_deadline_ms <= c->upstream_timeout_ms) {
		errbuf(err, errlen,
		    "query-deadline (%u ms) must exceed upstream-timeout "
		    "(%u ms)",
		    c->query_deadline_ms, c->upstream_timeout_ms);
		return -1;
	}
	/* a question is not given up before its client's deadline */
	if (c->upstream_give_up_ms < c->query_deadline_ms)
		c->upstream_give_up_ms = c->query_deadline_ms;
	if (c->min_ttl > c->max_ttl) {
		errbuf(err, errlen,
		    "min-ttl (%u s) must not exceed max-ttl (%u s)", c->min_ttl,
		    c->max_ttl);
		return -1;
	}
	/* every server's transport is decided here, once: what roostd.conf
	 * says of it, else dns-over-tls (and so its port, if not given) */
	for (size_t i = 0; i < c->nupstream; i++)
		server_settle(&c->upstream[i], c->dns_over_tls);
	for (size_t i = 0; i < c->nzone; i++)
		for (size_t j = 0; j < c->zone[i].nserver; j++)
			server_settle(&c->zone[i].server[j], c->dns_over_tls);
	for (size_t i = 0; i < c->nupstream; i++)
		if (config_find_self(c, &c->upstream[i].addr) != NULL) {
			errbuf(err, errlen,
			    "upstream %s is roostd's own listen address: "
			    "forwarding to it would loop",
			    addr_str(&c->upstream[i].addr, str, sizeof(str)));
			return -1;
		}
	for (size_t i = 0; i < c->nzone; i++)
		for (size_t j = 0; j < c->zone[i].nserver; j++)
			if (config_find_self(c, &c->zone[i].server[j].addr) !=
			    NULL) {
				char zname[WIRE_MAX_NAME_TEXT];

				(void)wire_name_to_text(c->zone[i].name,
				    c->zone[i].name_len, zname, sizeof(zname));
				errbuf(err, errlen,
				    "forward-zone %s: %s is roostd's own "
				    "listen address: forwarding to it would "
				    "loop",
				    zname,
				    addr_str(&c->zone[i].server[j].addr, str,
					sizeof(str)));
				return -1;
			}
	c->upstream_from_resolv = c->nupstream == 0;
	if (c->nupstream > 0)
		return 0;
	/* with D-Bus or networkd, a network manager gives the servers
	 * later: none yet is a state to run in (roostd says so), not an
	 * error */
	if (config_resolv_upstreams(c, err, errlen) != 0 && !c->dbus &&
	    !c->networkd)
		return -1;
	return 0;
}

int
config_resolv_upstreams(struct config *c, char *err, size_t errlen)
{
	char why[CONFIG_WHY_MAX], str[ADDR_STRLEN];
	struct resolv_tally t = { 0 };

	c->nupstream = 0;
	if (read_resolv_conf(c, &t, why, sizeof(why)) != 0) {
		errbuf(err, errlen, "no upstream: %s; %s", why,
		    CONFIG_NO_UPSTREAM_FIX);
		return -1;
	}
	if (c->nupstream > 0)
		return 0;
	if (t.self > 0)
		errbuf(err, errlen,
		    "no upstream: %s names only roostd's own listen address "
		    "%s%s (forwarding there would loop); %s",
		    c->resolv_conf, addr_str(&t.first_self, str, sizeof(str)),
		    t.unusable > 0 ? " and unusable ones" : "",
		    CONFIG_NO_UPSTREAM_FIX);
	else if (t.unusable > 0)
		errbuf(err, errlen,
		    "no upstream: %s names no usable nameserver (%u not a "
		    "numeric address); %s",
		    c->resolv_conf, t.unusable, CONFIG_NO_UPSTREAM_FIX);
	else
		errbuf(err, errlen, "no upstream: %s names no nameserver; %s",
		    c->resolv_conf, CONFIG_NO_UPSTREAM_FIX);
	return -1;
}
