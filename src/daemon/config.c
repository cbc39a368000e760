/*
 * src/daemon/config.c - roostd's configuration: the file, the flags, the
 * defaults and the upstreams taken from resolv.conf (see config.h).
 *
 * Invariants:
 * - config_options[] is the one list of keys, kinds, ranges, defaults and
 *   help text; config_defaults() and the default lists of config_finish()
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
 * - Every subnet in c->allow has its host bits zero: "10.0.0.1/8" is
 *   rejected rather than masked, as it is more likely a typo than a wish.
 * - A config_addr's sockaddr is zeroed before it is filled, so that two
 *   equal addresses are equal byte for byte.
 * - A line is buffered up to CONFIG_MAX_LINE characters only; a longer
 *   one is an error, so no file makes us hold more than one line.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* A field's place and size, for the kinds that store into one. */
#define FIELD(f)                                                               \
	.off = offsetof(struct config, f),                                     \
	.size = sizeof(((struct config *)0)->f)

const struct config_option config_options[] = {
	{ .name = "listen",
	    .kind = CONFIG_KIND_LISTEN,
	    .def = "127.0.0.1#53 ::1#53",
	    .arg = "ADDR[#PORT]",
	    .help = "where to answer, UDP and TCP" },
	{ .name = "upstream",
	    .kind = CONFIG_KIND_UPSTREAM,
	    .def = "",
	    .arg = "ADDR[#PORT]",
	    .help = "an upstream resolver; by default the nameservers of "
		    "resolv-conf" },
	{ .name = "allow",
	    .kind = CONFIG_KIND_ALLOW,
	    .def = "127.0.0.0/8 ::1/128",
	    .arg = "SUBNET",
	    .help = "clients allowed besides none" },
	{ .name = "resolv-conf",
	    .kind = CONFIG_KIND_PATH,
	    FIELD(resolv_conf),
	    .def = "/etc/resolv.conf",
	    .arg = "FILE",
	    .help = "where default upstreams come from" },
	{ .name = "upstream-timeout",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(upstream_timeout_ms),
	    .min = 1,
	    .max = 60000,
	    .unit = "milliseconds",
	    .def = "400",
	    .arg = "MS",
	    .help = "a try lasts SRTT plus this" },
	{ .name = "query-deadline",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(query_deadline_ms),
	    .min = 100,
	    .max = 60000,
	    .unit = "milliseconds",
	    .def = "2000",
	    .arg = "MS",
	    .help = "answer or SERVFAIL within this" },
	{ .name = "tcp-idle-timeout",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(tcp_idle_timeout_s),
	    .min = 1,
	    .max = 3600,
	    .unit = "seconds",
	    .def = "10",
	    .arg = "S",
	    .help = "close idle TCP clients after this" },
	{ .name = "tcp-max-connections",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(tcp_max_connections),
	    .min = 1,
	    .max = 65536,
	    .unit = "connections",
	    .def = "256",
	    .arg = "N",
	    .help = "TCP clients at once" },
	{ .name = "log-level",
	    .kind = CONFIG_KIND_LOG_LEVEL,
	    FIELD(log_level),
	    .def = "info",
	    .arg = "LEVEL",
	    .help = "error, warn, info or debug" },
	{ .name = "cache-size",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(cache_size),
	    .min = 16384,
	    .max = 4294967295u,
	    .unit = "bytes",
	    .def = "33554432",
	    .arg = "BYTES",
	    .help = "the cache's budget in bytes" },
	{ .name = "min-ttl",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(min_ttl),
	    .min = 0,
	    .max = 86400,
	    .unit = "seconds",
	    .def = "0",
	    .arg = "S",
	    .help = "keep answers at least this long" },
	{ .name = "max-ttl",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(max_ttl),
	    .min = 1,
	    .max = 604800,
	    .unit = "seconds",
	    .def = "86400",
	    .arg = "S",
	    .help = "keep answers at most this long" },
	{ .name = "max-negative-ttl",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(max_negative_ttl),
	    .min = 0,
	    .max = 86400,
	    .unit = "seconds",
	    .def = "3600",
	    .arg = "S",
	    .help = "keep NXDOMAIN/NODATA at most this long" },
	{ .name = "servfail-ttl",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(servfail_ttl),
	    .min = 0,
	    .max = 300,
	    .unit = "seconds",
	    .def = "5",
	    .arg = "S",
	    .help = "remember that every upstream failed; 0: off" },
	{ .name = "prefetch",
	    .kind = CONFIG_KIND_BOOL,
	    FIELD(prefetch),
	    .def = "yes",
	    .arg = "yes|no",
	    .help = "refresh answers asked in the last tenth of their life" },
	{ .name = "minimal-responses",
	    .kind = CONFIG_KIND_BOOL,
	    FIELD(minimal_responses),
	    .def = "yes",
	    .arg = "yes|no",
	    .help = "keep and serve only the answer section of positive "
		    "answers without DO" },
	{ .name = "serve-stale",
	    .kind = CONFIG_KIND_BOOL,
	    FIELD(serve_stale),
	    .def = "yes",
	    .arg = "yes|no",
	    .help = "serve expired answers when every upstream fails ..." },
	{ .name = "stale-limit",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(stale_limit),
	    .min = 1,
	    .max = 604800,
	    .unit = "seconds",
	    .def = "86400",
	    .arg = "S",
	    .help = "... expired at most this long ago" },
	{ .name = "user",
	    .kind = CONFIG_KIND_USER,
	    FIELD(user),
	    .def = "roost",
	    .arg = "NAME",
	    .help = "started as root, run as NAME once the sockets are bound "
		    "(root: stay root)" },
	{ .name = "cache-file",
	    .kind = CONFIG_KIND_CACHE_FILE,
	    FIELD(cache_file),
	    .def = "",
	    .arg = "PATH|none",
	    .help = "save the cache there at shutdown and every "
		    "cache-save-interval, load it at start (default: "
		    "$STATE_DIRECTORY/cache under systemd, else none)" },
	{ .name = "cache-save-interval",
	    .kind = CONFIG_KIND_UINT,
	    FIELD(cache_save_interval_s),
	    .min = 0,
	    .max = 86400,
	    .unit = "seconds; 0: only at shutdown",
	    .def = "300",
	    .arg = "S",
	    .help = "seconds between saves; 0: only at shutdown" },
	{ .name = "control-socket",
	    .kind = CONFIG_KIND_CONTROL,
	    FIELD(control_socket),
	    .def = "/run/roost/control",
	    .arg = "PATH|none",
	    .help = "the socket of roost stats, flush, dump and reload" },
	{ .name = "dns0x20",
	    .kind = CONFIG_KIND_BOOL,
	    FIELD(dns0x20),
	    .def = "yes",
	    .arg = "yes|no",
	    .help = "ask upstream in random letter case, accept only answers "
		    "in the same case" },
};
const size_t config_noptions =
    sizeof(config_options) / sizeof(config_options[0]);

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

/*
 * Strict decimal: one or more digits and nothing else (no sign, blank,
 * base prefix or suffix).  Returns 0 with *out in [min, max], else -1.
 */
static int
parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max) /* also keeps v far from overflow */
			return -1;
	}
	if (v < min)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* --- addresses -------------------------------------------------------- */

static int
addr_family(const struct config_addr *a)
{
	return a->ss.ss_family;
}

/* Copies a's address bytes to out; returns their count (4 or 16). */
static size_t
addr_bytes(const struct config_addr *a, uint8_t out[16])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (addr_family(a) == AF_INET) {
		memcpy(&sin, &a->ss, sizeof(sin));
		memcpy(out, &sin.sin_addr, 4);
		return 4;
	}
	memcpy(&sin6, &a->ss, sizeof(sin6));
	memcpy(out, &sin6.sin6_addr, 16);
	return 16;
}

static uint16_t
addr_port(const struct config_addr *a)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (addr_family(a) == AF_INET) {
		memcpy(&sin, &a->ss, sizeof(sin));
		return ntohs(sin.sin_port);
	}
	memcpy(&sin6, &a->ss, sizeof(sin6));
	return ntohs(sin6.sin6_port);
}

static uint32_t
addr_scope(const struct config_addr *a)
{
	struct sockaddr_in6 sin6;

	if (addr_family(a) != AF_INET6)
		return 0;
	memcpy(&sin6, &a->ss, sizeof(sin6));
	return sin6.sin6_scope_id;
}

static bool
bytes_v4mapped(const uint8_t b[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(b, prefix, sizeof(prefix)) == 0;
}

static bool
addr_is_unspecified(const struct config_addr *a)
{
	static const uint8_t zero[16];
	uint8_t b[16];
	size_t n = addr_bytes(a, b);

	return memcmp(b, zero, n) == 0;
}

static bool
addr_is_loopback(const struct config_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	uint8_t b[16];

	if (addr_bytes(a, b) == 4)
		return b[0] == 127;
	return memcmp(b, v6lo, 16) == 0 || (bytes_v4mapped(b) && b[12] == 127);
}

/* Same family, address and port; scopes count only when both are set. */
static bool
addr_equal(const struct config_addr *a, const struct config_addr *b)
{
	uint8_t ab[16], bb[16];
	size_t n;

	if (addr_family(a) != addr_family(b) || addr_port(a) != addr_port(b))
		return false;
	n = addr_bytes(a, ab);
	addr_bytes(b, bb);
	if (memcmp(ab, bb, n) != 0)
		return false;
	return addr_scope(a) == 0 || addr_scope(b) == 0 ||
	    addr_scope(a) == addr_scope(b);
}

/*
 * Would a query sent to up reach one of our own listen sockets?  The
 * same address and port, or a loopback address on a wildcard listen's
 * port.  (A wildcard also receives on the host's other addresses; we do
 * not enumerate interfaces, so those are not caught.)
 */
static const struct config_addr *
find_self(const struct config *c, const struct config_addr *up)
{
	for (size_t i = 0; i < c->nlisten; i++) {
		const struct config_addr *l = &c->listen[i];

		if (addr_equal(l, up))
			return l;
		if (addr_family(l) == addr_family(up) &&
		    addr_port(l) == addr_port(up) && addr_is_unspecified(l) &&
		    addr_is_loopback(up))
			return l;
	}
	return NULL;
}

/* "eth0" or "2" after the '%'; returns 0 or -1 with *why set. */
static int
parse_scope(const char *s, uint32_t *scope, const char **why)
{
	unsigned long v;

	if (*s == '\0') {
		*why = "empty %scope";
		return -1;
	}
	if (*s >= '0' && *s <= '9') {
		if (parse_uint(s, 1, UINT32_MAX, &v) != 0) {
			*why = "bad %scope (an interface name or index)";
			return -1;
		}
		*scope = (uint32_t)v;
		return 0;
	}
	if ((*scope = if_nametoindex(s)) == 0) {
		*why = "unknown interface after \"%\"";
		return -1;
	}
	return 0;
}

/* host is "ADDR" or "IPV6%SCOPE" and is modified; *why set on -1. */
static int
parse_host(char *host, uint16_t port, struct config_addr *a, const char **why)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char *scope = strchr(host, '%');
	char *colon;

	memset(a, 0, sizeof(*a));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (scope != NULL)
		*scope++ = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		if (scope != NULL) {
			*why = "a %scope is for IPv6 addresses only";
			return -1;
		}
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&a->ss, &sin, sizeof(sin));
		a->len = sizeof(sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		if (scope != NULL &&
		    parse_scope(scope, &sin6.sin6_scope_id, why) != 0)
			return -1;
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&a->ss, &sin6, sizeof(sin6));
		a->len = sizeof(sin6);
		return 0;
	}
	/* "1.2.3.4:53" is the likeliest mistake: say how to write it */
	if ((colon = strchr(host, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL)
		*why = "not a numeric IPv4 or IPv6 address (write a port as "
		       "ADDR#PORT or [ADDR]:PORT)";
	else
		*why = "not a numeric IPv4 or IPv6 address";
	return -1;
}

int
config_parse_addr(const char *text, uint16_t default_port,
    struct config_addr *a, char *err, size_t errlen)
{
	char host[128];
	const char *start = text, *port_text = NULL, *end, *why;
	unsigned long port = default_port;

	if (*text == '\0') {
		why = "empty";
		goto bad;
	}
	if (text[0] == '[') {
		start = text + 1;
		if ((end = strchr(start, ']')) == NULL) {
			why = "missing \"]\"";
			goto bad;
		}
		if (end[1] == ':')
			port_text = end + 2;
		else if (end[1] != '\0') {
			why = "expected \":PORT\" after \"]\"";
			goto bad;
		}
	} else if ((end = strrchr(text, '#')) != NULL)
		port_text = end + 1;
	else
		end = text + strlen(text);
	if ((size_t)(end - start) >= sizeof(host)) {
		why = "not a numeric IPv4 or IPv6 address";
		goto bad;
	}
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	if (port_text != NULL && parse_uint(port_text, 1, 65535, &port) != 0) {
		why = "port must be 1..65535";
		goto bad;
	}
	if (parse_host(host, (uint16_t)port, a, &why) != 0)
		goto bad;
	return 0;
bad:
	log_errbuf(err, errlen, "bad address \"%s\": %s", text, why);
	return -1;
}

char *
config_addr_str(const struct config_addr *a, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	char scope[16] = "";
	uint8_t b[16];
	int af = addr_family(a);

	if (buflen == 0)
		return buf;
	if (af == AF_INET || af == AF_INET6)
		addr_bytes(a, b);
	if ((af != AF_INET && af != AF_INET6) ||
	    inet_ntop(af, b, host, sizeof(host)) == NULL) {
		snprintf(buf, buflen, "?");
		return buf;
	}
	if (addr_scope(a) != 0)
		snprintf(scope, sizeof(scope), "%%%lu",
		    (unsigned long)addr_scope(a));
	snprintf(buf, buflen, "%s%s#%u", host, scope, (unsigned)addr_port(a));
	return buf;
}

/* --- subnets ---------------------------------------------------------- */

/* Does addr fall in net/prefix?  (Both in network order.) */
static bool
prefix_match(const uint8_t *addr, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, bits = prefix % 8;
	uint8_t mask;

	if (memcmp(addr, net, full) != 0)
		return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return (addr[full] & mask) == (net[full] & mask);
}

/* "ADDR" or "ADDR/PREFIX"; returns 0, or -1 with the reason in why. */
static int
parse_subnet(const char *text, struct config_subnet *s, char *why,
    size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hostlen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;
	size_t n;
	uint8_t masked[16];
	unsigned maxprefix;

	memset(s, 0, sizeof(*s));
	if (hostlen >= sizeof(host))
		goto badaddr;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (inet_pton(AF_INET, host, s->addr) == 1) {
		s->family = AF_INET;
		n = 4;
	} else if (inet_pton(AF_INET6, host, s->addr) == 1) {
		s->family = AF_INET6;
		n = 16;
	} else
		goto badaddr;
	maxprefix = (unsigned)n * 8;
	if (slash == NULL)
		prefix = maxprefix;
	else if (parse_uint(slash + 1, 0, maxprefix, &prefix) != 0) {
		log_errbuf(why, whylen,
		    "bad subnet \"%s\": prefix length must be 0..%u", text,
		    maxprefix);
		return -1;
	}
	s->prefix = (unsigned)prefix;
	memset(masked, 0, sizeof(masked));
	memcpy(masked, s->addr, prefix / 8);
	if (prefix % 8 != 0)
		masked[prefix / 8] =
		    (uint8_t)(s->addr[prefix / 8] & (0xff << (8 - prefix % 8)));
	if (memcmp(masked, s->addr, n) != 0) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(s->family, masked, net, sizeof(net));
		log_errbuf(why, whylen,
		    "bad subnet \"%s\": host bits set (did you mean %s/%u?)",
		    text, net, s->prefix);
		return -1;
	}
	return 0;
badaddr:
	log_errbuf(why, whylen,
	    "bad subnet \"%s\": not a numeric IPv4 or IPv6 address", text);
	return -1;
}

bool
config_allowed(const struct config *c, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t v4[4], v6[16];
	bool has4 = false, has6 = false;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		memcpy(v4, &sin.sin_addr, 4);
		has4 = true;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(v6, &sin6.sin6_addr, 16);
		has6 = true;
		if (bytes_v4mapped(v6)) {
			memcpy(v4, v6 + 12, 4);
			has4 = true;
		}
	} else
		return false;
	for (size_t i = 0; i < c->nallow; i++) {
		const struct config_subnet *s = &c->allow[i];

		if (s->family == AF_INET && has4 &&
		    prefix_match(v4, s->addr, s->prefix))
			return true;
		if (s->family == AF_INET6 && has6 &&
		    prefix_match(v6, s->addr, s->prefix))
			return true;
	}
	return false;
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
	    o->kind == CONFIG_KIND_UPSTREAM || o->kind == CONFIG_KIND_ALLOW;
}

/* Appends value to listen (upstream if is_upstream) or fails. */
static int
add_addr(struct config *c, const char *key, const char *value, bool is_upstream,
    char *err, size_t errlen)
{
	struct config_addr a, *list = is_upstream ? c->upstream : c->listen;
	size_t *n = is_upstream ? &c->nupstream : &c->nlisten;
	size_t max = is_upstream ? CONFIG_MAX_UPSTREAM : CONFIG_MAX_LISTEN;
	char why[CONFIG_WHY_MAX], str[CONFIG_ADDR_STRLEN];

	if (config_parse_addr(value, CONFIG_DNS_PORT, &a, why, sizeof(why)) !=
	    0) {
		log_errbuf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	if (is_upstream && addr_is_unspecified(&a)) {
		log_errbuf(err, errlen,
		    "%s: bad address \"%s\": not a server's address", key,
		    value);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (addr_equal(&list[i], &a)) {
			log_errbuf(err, errlen,
			    "%s: \"%s\" is %s, already listed", key, value,
			    config_addr_str(&a, str, sizeof(str)));
			return -1;
		}
	if (*n >= max) {
		log_errbuf(err, errlen, "%s: cannot add \"%s\": at most %zu %s",
		    key, value, max,
		    is_upstream ? "upstreams" : "listen addresses");
		return -1;
	}
	list[(*n)++] = a;
	return 0;
}

static int
add_allow(struct config *c, const char *value, char *err, size_t errlen)
{
	struct config_subnet s;
	char why[CONFIG_WHY_MAX];

	if (parse_subnet(value, &s, why, sizeof(why)) != 0) {
		log_errbuf(err, errlen, "allow: %s", why);
		return -1;
	}
	if (c->nallow >= CONFIG_MAX_ALLOW) {
		log_errbuf(err, errlen,
		    "allow: cannot add \"%s\": at most %d subnets", value,
		    CONFIG_MAX_ALLOW);
		return -1;
	}
	c->allow[c->nallow++] = s;
	return 0;
}

/* A string that must fit its field; "KEY: bad value" on -1. */
static int
set_string(struct config *c, const struct config_option *o, const char *value,
    char *err, size_t errlen)
{
	if (strlen(value) >= o->size) {
		log_errbuf(err, errlen,
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

	if (parse_uint(value, o->min, o->max, &v) != 0) {
		log_errbuf(err, errlen,
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
	log_errbuf(err, errlen, "%s: bad value \"%s\": expected yes or no",
	    o->name, value);
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
	log_errbuf(err, errlen,
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
		log_errbuf(err, errlen,
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
		log_errbuf(err, errlen,
		    "%s: bad value \"%s\": expected an absolute path or none",
		    o->name, value);
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
		log_errbuf(err, errlen,
		    "%s: bad value \"%s\": expected none or an absolute path",
		    key, value);
		return -1;
	}
	if (strlen(value) >= sizeof(c->control_socket)) {
		log_errbuf(err, errlen,
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
		return add_addr(c, o->name, value, false, err, errlen);
	case CONFIG_KIND_UPSTREAM:
		return add_addr(c, o->name, value, true, err, errlen);
	case CONFIG_KIND_ALLOW:
		return add_allow(c, value, err, errlen);
	case CONFIG_KIND_PATH:
		return set_string(c, o, value, err, errlen);
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
	log_errbuf(err, errlen, "%s: option not handled",
	    o->name); /* not reached */
	return -1;
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
		log_errbuf(err, errlen, "unknown option \"%s\"", key);
		return -1;
	}
	if (*value == '\0') {
		log_errbuf(err, errlen, "%s: empty value", key);
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
	else {
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
			log_errbuf(why, whylen,
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
		log_errbuf(why, whylen, "expected \"key = value\", got \"%s\"",
		    p);
		return -1;
	}
	*eq = '\0';
	trim_end(p);
	value = skip_blanks(eq + 1);
	if (*p == '\0') {
		log_errbuf(why, whylen, "expected \"key = value\", got no key");
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
		log_errbuf(err, errlen, "%s: path longer than %zu characters",
		    path, sizeof(c->path) - 1);
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return 0;
		log_errbuf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (;;) {
		errno = 0;
		if ((r = read_line(f, line, sizeof(line), &len)) == 0)
			break;
		if (r < 0) {
			log_errbuf(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		lineno++;
		if (len > CONFIG_MAX_LINE) {
			log_errbuf(err, errlen,
			    "%s:%u: line longer than %d characters", path,
			    lineno, CONFIG_MAX_LINE);
			goto out;
		}
		if (parse_line(c, line, len, why, sizeof(why)) != 0) {
			log_errbuf(err, errlen, "%s:%u: %s", path, lineno, why);
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
	struct config_addr first_self;
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
		log_errbuf(why, whylen, "cannot read %s: %s", c->resolv_conf,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		struct config_addr a;
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
		    config_parse_addr(addr, CONFIG_DNS_PORT, &a, NULL, 0) !=
			0 ||
		    addr_is_unspecified(&a)) {
			t->unusable++;
			continue;
		}
		if (find_self(c, &a) != NULL) {
			if (t->self++ == 0)
				t->first_self = a;
			continue;
		}
		for (size_t i = 0; i < c->nupstream; i++)
			dup = dup || addr_equal(&c->upstream[i], &a);
		if (!dup && c->nupstream < CONFIG_MAX_UPSTREAM)
			c->upstream[c->nupstream++] = a;
	}
	if (r < 0) {
		log_errbuf(why, whylen, "cannot read %s: %s", c->resolv_conf,
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
			log_errbuf(err, errlen, "cannot parse the default %s",
			    key);
			return -1;
		}
	}
	return 0;
}

int
config_finish(struct config *c, char *err, size_t errlen)
{
	char why[CONFIG_WHY_MAX], str[CONFIG_ADDR_STRLEN];
	struct resolv_tally t = { 0 };

	if ((c->nlisten == 0 && default_list(c, "listen", err, errlen) != 0) ||
	    (c->nallow == 0 && default_list(c, "allow", err, errlen) != 0))
		return -1;
	if (c->query_deadline_ms <= c->upstream_timeout_ms) {
		log_errbuf(err, errlen,
		    "query-deadline (%u ms) must exceed upstream-timeout "
		    "(%u ms)",
		    c->query_deadline_ms, c->upstream_timeout_ms);
		return -1;
	}
	if (c->min_ttl > c->max_ttl) {
		log_errbuf(err, errlen,
		    "min-ttl (%u s) must not exceed max-ttl (%u s)", c->min_ttl,
		    c->max_ttl);
		return -1;
	}
	for (size_t i = 0; i < c->nupstream; i++)
		if (find_self(c, &c->upstream[i]) != NULL) {
			log_errbuf(err, errlen,
			    "upstream %s is roostd's own listen address: "
			    "forwarding to it would loop",
			    config_addr_str(&c->upstream[i], str, sizeof(str)));
			return -1;
		}
	if (c->nupstream > 0)
		return 0;

	if (read_resolv_conf(c, &t, why, sizeof(why)) != 0) {
		log_errbuf(err, errlen, "no upstream: %s; %s", why,
		    CONFIG_NO_UPSTREAM_FIX);
		return -1;
	}
	if (c->nupstream > 0)
		return 0;
	if (t.self > 0)
		log_errbuf(err, errlen,
		    "no upstream: %s names only roostd's own listen address "
		    "%s%s (forwarding there would loop); %s",
		    c->resolv_conf,
		    config_addr_str(&t.first_self, str, sizeof(str)),
		    t.unusable > 0 ? " and unusable ones" : "",
		    CONFIG_NO_UPSTREAM_FIX);
	else if (t.unusable > 0)
		log_errbuf(err, errlen,
		    "no upstream: %s names no usable nameserver (%u not a "
		    "numeric address); %s",
		    c->resolv_conf, t.unusable, CONFIG_NO_UPSTREAM_FIX);
	else
		log_errbuf(err, errlen,
		    "no upstream: %s names no nameserver; %s", c->resolv_conf,
		    CONFIG_NO_UPSTREAM_FIX);
	return -1;
}
