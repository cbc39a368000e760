/*
 * src/daemon/source.c - run-time upstream sources and their merge into
 * routes (see source.h).
 *
 * Invariants:
 * - l->s[0..n) are in use, names unique and valid (source_name_check()).
 * - A source's servers are distinct, its domains distinct, within their
 *   caps; a field that fails to parse leaves the source as it was.
 * - source_merge() writes only out; base and l are read.
 */
#include <stdio.h>
#include <string.h>

#include "source.h"

/* The configuration's own source names. */
#define SOURCE_CONFIG_NAME "roostd.conf"
#define SOURCE_RESOLV_NAME "resolv.conf"
#define SOURCE_ZONE_PREFIX "forward-zone:"

int
source_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (len == 0 || len >= SOURCE_NAME_MAX) {
		snprintf(err, errlen, "a source name has 1 to %d characters",
		    SOURCE_NAME_MAX - 1);
		return -1;
	}
	if (strspn(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-_.:@") != len) {
		snprintf(err, errlen,
		    "bad source name \"%s\": letters, digits and -_.:@ only",
		    name);
		return -1;
	}
	if (strcmp(name, SOURCE_CONFIG_NAME) == 0 ||
	    strcmp(name, SOURCE_RESOLV_NAME) == 0 ||
	    strncmp(name, SOURCE_ZONE_PREFIX, strlen(SOURCE_ZONE_PREFIX)) ==
		0) {
		snprintf(err, errlen,
		    "%s is the configuration's: edit the file and reload",
		    name);
		return -1;
	}
	return 0;
}

struct source *
source_find(struct source_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->s[i].name, name) == 0)
			return &l->s[i];
	return NULL;
}

struct source *
source_get(struct source_list *l, const char *name, enum source_origin origin,
    char *err, size_t errlen)
{
	struct source *s = source_find(l, name);

	if (s != NULL)
		return s;
	if (source_name_check(name, err, errlen) != 0)
		return NULL;
	if (l->n >= SOURCE_MAX) {
		snprintf(err, errlen, "cannot add %s: at most %d sources", name,
		    SOURCE_MAX);
		return NULL;
	}
	s = &l->s[l->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->origin = origin;
	s->default_route = SOURCE_DEFAULT_AUTO;
	return s;
}

int
source_remove(struct source_list *l, const char *name)
{
	struct source *s = source_find(l, name);
	size_t i;

	if (s == NULL)
		return -1;
	i = (size_t)(s - l->s);
	memmove(&l->s[i], &l->s[i + 1], (l->n - i - 1) * sizeof(l->s[0]));
	l->n--;
	return 0;
}

/* --- fields ------------------------------------------------------------- */

/* The next comma-separated item of *p into buf; false at the end. */
static bool
next_item(const char **p, char *buf, size_t len)
{
	size_t n;

	if (**p == '\0')
		return false;
	n = strcspn(*p, ",");
	snprintf(buf, len, "%.*s", (int)n, *p);
	*p += n;
	if (**p == ',')
		(*p)++;
	return true;
}

static int
set_servers(struct source *s, const char *value, char *err, size_t errlen)
{
	struct server a[CONFIG_MAX_UPSTREAM];
	size_t n = 0;
	char item[512], why[512];

	while (next_item(&value, item, sizeof(item))) {
		struct server x;

		if (server_parse_item(item, &x, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "servers: %s", why);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			if (addr_equal(&a[i].addr, &x.addr)) {
				snprintf(err, errlen,
				    "servers: \"%s\" is listed twice", item);
				return -1;
			}
		if (n == CONFIG_MAX_UPSTREAM) {
			snprintf(err, errlen, "servers: at most %d",
			    CONFIG_MAX_UPSTREAM);
			return -1;
		}
		a[n++] = x;
	}
	memcpy(s->server, a, n * sizeof(a[0]));
	s->nserver = n;
	return 0;
}

static int
set_domains(struct source *s, const char *value, char *err, size_t errlen)
{
	struct source_domain d[SOURCE_MAX_DOMAINS];
	size_t n = 0;
	char item[WIRE_MAX_NAME_TEXT + 2];

	while (next_item(&value, item, sizeof(item))) {
		struct source_domain x = { .route_only = item[0] == '~' };
		const char *text = item + x.route_only;

		if (*text == '\0' ||
		    wire_name_from_text(text, x.name, &x.len) != WIRE_OK) {
			snprintf(err, errlen, "domains: bad domain \"%s\"",
			    item);
			return -1;
		}
		wire_name_lower(x.name, x.len);
		for (size_t i = 0; i < n; i++)
			if (wire_name_equal(d[i].name, d[i].len, x.name,
				x.len)) {
				snprintf(err, errlen,
				    "domains: \"%s\" is listed twice", text);
				return -1;
			}
		if (n == SOURCE_MAX_DOMAINS) {
			snprintf(err, errlen, "domains: at most %d",
			    SOURCE_MAX_DOMAINS);
			return -1;
		}
		d[n++] = x;
	}
	memcpy(s->domain, d, n * sizeof(d[0]));
	s->ndomain = n;
	return 0;
}

int
source_set_field(struct source *s, const char *word, char *err, size_t errlen)
{
	const char *eq = strchr(word, '=');
	size_t klen = eq != NULL ? (size_t)(eq - word) : 0;

	if (eq != NULL && klen == 7 && strncmp(word, "servers", 7) == 0)
		return set_servers(s, eq + 1, err, errlen);
	if (eq != NULL && klen == 7 && strncmp(word, "domains", 7) == 0)
		return set_domains(s, eq + 1, err, errlen);
	if (eq != NULL && klen == 13 &&
	    strncmp(word, "default-route", 13) == 0) {
		if (strcmp(eq + 1, "yes") == 0)
			s->default_route = SOURCE_DEFAULT_YES;
		else if (strcmp(eq + 1, "no") == 0)
			s->default_route = SOURCE_DEFAULT_NO;
		else if (strcmp(eq + 1, "auto") == 0)
			s->default_route = SOURCE_DEFAULT_AUTO;
		else {
			snprintf(err, errlen,
			    "default-route: \"%.40s\" is not yes, no or auto",
			    eq + 1);
			return -1;
		}
		return 0;
	}
	if (eq != NULL && klen == 12 &&
	    strncmp(word, "dns-over-tls", 12) == 0) {
		enum server_tls t = SERVER_TLS_UNSET;

		if (strcmp(eq + 1, "default") != 0 &&
		    server_tls_parse(eq + 1, &t) != 0) {
			snprintf(err, errlen,
			    "dns-over-tls: \"%.40s\" is not no, opportunistic, "
			    "strict or default",
			    eq + 1);
			return -1;
		}
		s->dns_over_tls = t;
		return 0;
	}
	snprintf(err, errlen,
	    "unknown field \"%.60s\" (servers=, domains=, default-route=, "
	    "dns-over-tls=)",
	    word);
	return -1;
}

/* Whether one of s's domains is the root. */
static bool
routes_everything(const struct source *s)
{
	for (size_t i = 0; i < s->ndomain; i++)
		if (s->domain[i].len == 1)
			return true;
	return false;
}

bool
source_default_route(const struct source *s)
{
	if (s->default_route != SOURCE_DEFAULT_AUTO)
		return s->default_route == SOURCE_DEFAULT_YES;
	if (routes_everything(s))
		return true;
	for (size_t i = 0; i < s->ndomain; i++)
		if (s->domain[i].route_only)
			return false;
	return true;
}

/* --- merge -------------------------------------------------------------- */

/*
 * Adds s's servers to list (n of them), skipping those there already,
 * each settled with s's dns-over-tls (else policy, the configuration's).
 */
static int
add_servers(struct server *list, size_t *n, const struct source *s,
    enum server_tls policy, const char *route, char *err, size_t errlen)
{
	if (s->dns_over_tls != SERVER_TLS_UNSET)
		policy = s->dns_over_tls;
	for (size_t i = 0; i < s->nserver; i++) {
		struct server x = s->server[i];
		bool dup = false;

		server_settle(&x, policy);
		for (size_t j = 0; j < *n; j++)
			dup = dup || addr_equal(&list[j].addr, &x.addr);
		if (dup)
			continue;
		if (*n == CONFIG_MAX_UPSTREAM) {
			snprintf(err, errlen, "%s: more than %d servers for %s",
			    s->name, CONFIG_MAX_UPSTREAM, route);
			return -1;
		}
		list[(*n)++] = x;
	}
	return 0;
}

/* The route of zone in c, made empty if it has none yet; NULL if full. */
static struct config_zone *
zone_get(struct config *c, const struct source_domain *d)
{
	struct config_zone *z;

	for (size_t i = 0; i < c->nzone; i++)
		if (wire_name_equal(c->zone[i].name, c->zone[i].name_len,
			d->name, d->len))
			return &c->zone[i];
	if (c->nzone == CONFIG_MAX_ZONES)
		return NULL;
	z = &c->zone[c->nzone++];
	memset(z, 0, sizeof(*z));
	memcpy(z->name, d->name, d->len);
	z->name_len = d->len;
	return z;
}

/* The default route of out: see source.h. */
static int
merge_default(const struct config *base, const struct source_list *l,
    struct config *out, char *err, size_t errlen)
{
	bool everything = false;

	for (size_t i = 0; i < l->n; i++)
		everything = everything ||
		    (l->s[i].nserver > 0 && routes_everything(&l->s[i]));
	out->nupstream = everything ? 0 : base->nupstream;
	for (size_t i = 0; i < l->n; i++) {
		const struct source *s = &l->s[i];

		if (everything ? routes_everything(s) : source_default_route(s))
			if (add_servers(out->upstream, &out->nupstream, s,
				base->dns_over_tls, "the default route", err,
				errlen) != 0)
				return -1;
	}
	/* only a base without servers (dbus or networkd = yes) can leave
	 * none */
	if (out->nupstream == 0 && !base->dbus && !base->networkd) {
		snprintf(err, errlen, "no server left for the default route");
		return -1;
	}
	return 0;
}

static int
merge_domains(const struct source *s, enum server_tls policy,
    struct config *out, char *err, size_t errlen)
{
	char text[WIRE_MAX_NAME_TEXT];

	if (s->nserver == 0)
		return 0;
	for (size_t i = 0; i < s->ndomain; i++) {
		const struct source_domain *d = &s->domain[i];
		struct config_zone *z;

		if (d->len == 1)
			continue; /* the default route's */
		(void)wire_name_to_text(d->name, d->len, text, sizeof(text));
		if ((z = zone_get(out, d)) == NULL) {
			snprintf(err, errlen,
			    "%s: cannot route %s: at most %d routing domains",
			    s->name, text, CONFIG_MAX_ZONES);
			return -1;
		}
		z->runtime = true;
		if (add_servers(z->server, &z->nserver, s, policy, text, err,
			errlen) != 0)
			return -1;
	}
	return 0;
}

int
source_merge(const struct config *base, const struct source_list *l,
    struct config *out, char *err, size_t errlen)
{
	char str[ADDR_STRLEN];

	*out = *base;
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; j < l->s[i].nserver; j++) {
			struct server x = l->s[i].server[j];

			server_settle(&x,
			    l->s[i].dns_over_tls != SERVER_TLS_UNSET
				? l->s[i].dns_over_tls
				: base->dns_over_tls);
			if (config_find_self(base, &x.addr) != NULL) {
				snprintf(err, errlen,
				    "%s: server %s is roostd itself",
				    l->s[i].name,
				    addr_str(&x.addr, str, sizeof(str)));
				return -1;
			}
		}
	if (merge_default(base, l, out, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (merge_domains(&l->s[i], base->dns_over_tls, out, err,
			errlen) != 0)
			return -1;
	return 0;
}

/* --- text --------------------------------------------------------------- */

static void
put(char *buf, size_t len, size_t *n, const char *text)
{
	size_t k = strlen(text);

	if (*n < len)
		snprintf(buf + *n, len - *n, "%s", text);
	*n += k;
}

/* " servers=A,B", each settled with policy (a source's are not yet) */
static void
put_servers(char *buf, size_t len, size_t *n, const struct server *a, size_t na,
    enum server_tls policy)
{
	char str[ADDR_STRLEN + SERVER_NAME_MAX + 2];

	put(buf, len, n, " servers=");
	if (na == 0)
		put(buf, len, n, "-");
	for (size_t i = 0; i < na; i++) {
		if (i > 0)
			put(buf, len, n, ",");
		struct server x = a[i];

		server_settle(&x, policy);
		put(buf, len, n, server_item_str(&x, str, sizeof(str)));
	}
}

static void
put_name(char *buf, size_t len, size_t *n, const uint8_t *name, size_t name_len)
{
	char text[WIRE_MAX_NAME_TEXT];

	(void)wire_name_to_text(name, name_len, text, sizeof(text));
	put(buf, len, n, text);
}

/* The configuration's sources: its default route, its forward zones. */
static void
config_lines(const struct config *base, char *buf, size_t len, size_t *n)
{
	if (base->upstream_from_resolv)
		put(buf, len, n,
		    "source " SOURCE_RESOLV_NAME
		    " origin=resolv default-route=yes");
	else
		put(buf, len, n,
		    "source " SOURCE_CONFIG_NAME
		    " origin=config default-route=yes");
	put(buf, len, n, " dns-over-tls=");
	put(buf, len, n, server_tls_str(base->dns_over_tls));
	put_servers(buf, len, n, base->upstream, base->nupstream,
	    base->dns_over_tls);
	put(buf, len, n, " domains=-\n");
	for (size_t i = 0; i < base->nzone; i++) {
		const struct config_zone *z = &base->zone[i];

		put(buf, len, n, "source " SOURCE_ZONE_PREFIX);
		put_name(buf, len, n, z->name, z->name_len);
		put(buf, len, n, " origin=config default-route=no");
		put(buf, len, n, " dns-over-tls=");
		put(buf, len, n, server_tls_str(base->dns_over_tls));
		put_servers(buf, len, n, z->server, z->nserver,
		    base->dns_over_tls);
		put(buf, len, n, " domains=");
		put_name(buf, len, n, z->name, z->name_len);
		put(buf, len, n, "\n");
	}
}

void
source_line(const struct source *s, char *buf, size_t len, size_t *n)
{
	put(buf, len, n, "source ");
	put(buf, len, n, s->name);
	switch (s->origin) {
	case SOURCE_CONTROL:
		put(buf, len, n, " origin=control");
		break;
	case SOURCE_DBUS:
		put(buf, len, n, " origin=dbus");
		break;
	case SOURCE_NETWORKD:
		put(buf, len, n, " origin=networkd");
		break;
	}
	put(buf, len, n,
	    source_default_route(s) ? " default-route=yes"
				    : " default-route=no");
	put(buf, len, n, " dns-over-tls=");
	put(buf, len, n,
	    s->dns_over_tls == SERVER_TLS_UNSET
		? "default"
		: server_tls_str(s->dns_over_tls));
	put_servers(buf, len, n, s->server, s->nserver, s->dns_over_tls);
	put(buf, len, n, " domains=");
	if (s->ndomain == 0)
		put(buf, len, n, "-");
	for (size_t j = 0; j < s->ndomain; j++) {
		put(buf, len, n, j > 0 ? "," : "");
		put(buf, len, n, s->domain[j].route_only ? "~" : "");
		put_name(buf, len, n, s->domain[j].name, s->domain[j].len);
	}
	put(buf, len, n, "\n");
}

void
source_lines(const struct config *base, const struct source_list *l, char *buf,
    size_t len, size_t *n)
{
	config_lines(base, buf, len, n);
	for (size_t i = 0; i < l->n; i++)
		source_line(&l->s[i], buf, len, n);
}

/* Whether s gives servers to the route of zone. */
static bool
source_serves(const struct source *s, const uint8_t *zone, size_t len,
    bool everything)
{
	if (s->nserver == 0)
		return false;
	if (len == 1)
		return everything ? routes_everything(s)
				  : source_default_route(s);
	for (size_t i = 0; i < s->ndomain; i++)
		if (wire_name_equal(s->domain[i].name, s->domain[i].len, zone,
			len))
			return true;
	return false;
}

void
source_route_names(const struct config *base, const struct source_list *l,
    const uint8_t *zone, size_t zone_len, char *buf, size_t len)
{
	bool everything = false;
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		everything = everything ||
		    (l->s[i].nserver > 0 && routes_everything(&l->s[i]));
	if (zone_len == 1 && !everything)
		put(buf, len, &n,
		    base->upstream_from_resolv ? SOURCE_RESOLV_NAME
					       : SOURCE_CONFIG_NAME);
	for (size_t i = 0; zone_len > 1 && i < base->nzone; i++)
		if (wire_name_equal(base->zone[i].name, base->zone[i].name_len,
			zone, zone_len)) {
			put(buf, len, &n, SOURCE_ZONE_PREFIX);
			put_name(buf, len, &n, zone, zone_len);
		}
	for (size_t i = 0; i < l->n; i++)
		if (source_serves(&l->s[i], zone, zone_len, everything)) {
			put(buf, len, &n, n > 0 ? "," : "");
			put(buf, len, &n, l->s[i].name);
		}
}

void
source_route_line(const struct config *base, const struct source_list *l,
    const struct config *merged, unsigned i, const char *extra, char *buf,
    size_t len, size_t *n)
{
	static const uint8_t root[1] = { 0 };
	const struct config_zone *z = i > 0 ? &merged->zone[i - 1] : NULL;
	char names[SOURCE_MAX * SOURCE_NAME_MAX + 256];

	if (i > merged->nzone)
		return;
	put(buf, len, n, "route ");
	put_name(buf, len, n, z != NULL ? z->name : root,
	    z != NULL ? z->name_len : 1);
	source_route_names(base, l, z != NULL ? z->name : root,
	    z != NULL ? z->name_len : 1, names, sizeof(names));
	put(buf, len, n, " sources=");
	put(buf, len, n, names[0] != '\0' ? names : "-");
	if (z != NULL)
		put_servers(buf, len, n, z->server, z->nserver,
		    base->dns_over_tls);
	else
		put_servers(buf, len, n, merged->upstream, merged->nupstream,
		    merged->dns_over_tls);
	put(buf, len, n, extra);
	put(buf, len, n, "\n");
}
