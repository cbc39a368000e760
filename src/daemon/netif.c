/*
 * src/daemon/netif.c - systemd-networkd's link state files: the parser
 * and the folder watch (see netif.h).
 *
 * Invariants:
 * - wd_dir watches dir when it is there; else wd_parent, when not -1,
 *   watches its parent for it to appear, and the retry timer is armed
 *   whenever neither watch could be made.
 * - The settle timer is armed exactly while events wait to be read.
 * - kept[0..nkept) are the links main holds a networkd source for, one
 *   per ifindex, each with the words it was last given: a link is sent
 *   again only when its words change, and reverted once its file no
 *   longer gives it a server.
 */
#define _GNU_SOURCE /* openat() flags, if_indextoname() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "netif.h"
#include "num.h"

#define DIR_MASK                                                               \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |            \
	    IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define PARENT_MASK                                                            \
	(IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

#define DOT_PORT 853 /* DNS over TLS's own port: left to the policy */

/* --- the parser ------------------------------------------------------- */

/* The first skipped entry's why goes to err; every one is counted. */
struct notes {
	int n;
	char *err;
	size_t errlen;
};

static void note(struct notes *nt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct notes *nt, const char *fmt, ...)
{
	va_list ap;

	if (nt->n++ > 0 || nt->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(nt->err, nt->errlen, fmt, ap);
	va_end(ap);
}

/* A span of the text: a key's value, or one blank-separated entry. */
struct span {
	const char *p;
	size_t n;
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s without its leading and trailing blanks (and a final CR). */
static struct span
trim(struct span s)
{
	while (s.n > 0 && blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (blank(s.p[s.n - 1]) || s.p[s.n - 1] == '\r'))
		s.n--;
	return s;
}

static bool
span_is(struct span s, const char *word)
{
	return s.n == strlen(word) && memcmp(s.p, word, s.n) == 0;
}

/* The next blank-separated entry of *v into e; false at the end. */
static bool
next_entry(struct span *v, struct span *e)
{
	*v = trim(*v);
	if (v->n == 0)
		return false;
	e->p = v->p;
	e->n = 0;
	while (e->n < v->n && !blank(v->p[e->n]))
		e->n++;
	v->p += e->n;
	v->n -= e->n;
	return true;
}

/* The values of the keys read (the last of each); p NULL if absent. */
struct keys {
	struct span admin, dns, domains, route_domains, default_route;
	struct span dns_over_tls;
};

static void
read_lines(const char *text, size_t len, struct keys *k, struct notes *nt)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct span s = { p, (size_t)((eol != NULL ? eol : end) - p) };
		struct span key, val;
		const char *eq;

		p = eol != NULL ? eol + 1 : end;
		line++;
		s = trim(s);
		if (s.n == 0 || s.p[0] == '#' || s.p[0] == ';')
			continue;
		if (memchr(s.p, '\0', s.n) != NULL) {
			note(nt, "line %u: a NUL character", line);
			continue;
		}
		if ((eq = memchr(s.p, '=', s.n)) == NULL) {
			note(nt, "line %u: no \"=\"", line);
			continue;
		}
		key = trim((struct span){ s.p, (size_t)(eq - s.p) });
		val =
		    trim((struct span){ eq + 1, s.n - (size_t)(eq - s.p) - 1 });
		/* sd-network reads shell-like values: drop one pair of quotes */
		if (val.n >= 2 && (val.p[0] == '"' || val.p[0] == '\'') &&
		    val.p[val.n - 1] == val.p[0]) {
			val.p++;
			val.n -= 2;
		}
		if (span_is(key, "ADMIN_STATE"))
			k->admin = val;
		else if (span_is(key, "DNS"))
			k->dns = val;
		else if (span_is(key, "DOMAINS"))
			k->domains = val;
		else if (span_is(key, "ROUTE_DOMAINS"))
			k->route_domains = val;
		else if (span_is(key, "DNS_DEFAULT_ROUTE"))
			k->default_route = val;
		else if (span_is(key, "DNS_OVER_TLS"))
			k->dns_over_tls = val;
	}
}

static bool
managed(struct span admin)
{
	/* resolved's rule: no state, or one of these, is not networkd's */
	return admin.p != NULL && admin.n > 0 && !span_is(admin, "pending") &&
	    !span_is(admin, "initialized") && !span_is(admin, "unmanaged");
}

static bool
is_link_local6(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/*
 * One DNS= entry into *srv: "ADDR", "ADDR:PORT" (IPv4), "[ADDR]" or
 * "[ADDR]:PORT" (IPv6), then "%IFINDEX" and "#NAME" (the DNS-over-TLS
 * name), each optional.  Returns 0, or -1 with why in why.
 */
static int
parse_server(const char *entry, int ifindex, struct server *srv, char *why,
    size_t whylen)
{
	struct addr *a = &srv->addr;
	char buf[NETIF_MAX_ENTRY], *host = buf, *port = NULL, *scope, *cut;
	unsigned long portnum = 0, scopenum = 0;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int family = AF_INET6;

	snprintf(buf, sizeof(buf), "%s", entry);
	memset(srv, 0, sizeof(*srv));
	if ((cut = strchr(buf, '#')) != NULL) {
		*cut++ = '\0';
		if (server_name_check(cut, why, whylen) != 0)
			return -1;
		/* without a trailing dot, as tls-name= keeps it */
		snprintf(srv->tls_name, sizeof(srv->tls_name), "%.*s",
		    (int)(strlen(cut) - (cut[strlen(cut) - 1] == '.')), cut);
	}
	if ((scope = strchr(buf, '%')) != NULL)
		*scope++ = '\0';
	if (buf[0] == '[') {
		if ((cut = strchr(buf, ']')) == NULL ||
		    (cut[1] != '\0' && cut[1] != ':')) {
			snprintf(why, whylen, "a \"[\" without its \"]\"");
			return -1;
		}
		*cut = '\0';
		host = buf + 1;
		port = cut[1] == ':' ? cut + 2 : NULL;
	} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1) {
		family = AF_INET; /* "ADDR:PORT" has one colon */
		if ((port = strchr(buf, ':')) != NULL)
			*port++ = '\0';
	}
	if (family == AF_INET6 ? inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1
			       : inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(why, whylen, "not a numeric address");
		return -1;
	}
	if (port != NULL && num_parse_uint(port, 0, 65535, &portnum) != 0) {
		snprintf(why, whylen, "a bad port");
		return -1;
	}
	if (scope != NULL &&
	    num_parse_uint(scope, 1, INT_MAX, &scopenum) != 0) {
		snprintf(why, whylen, "a bad interface index");
		return -1;
	}
	/* resolved's port choice: 0, 53 and 853 are the transport's own */
	srv->port_given = !(
	    portnum == 0 || portnum == CONFIG_DNS_PORT || portnum == DOT_PORT);
	if (!srv->port_given)
		portnum = CONFIG_DNS_PORT;
	if (family == AF_INET) {
		/* an IPv4 address has no scope: networkd writes none */
		if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
			snprintf(why, whylen, "not a server's address");
			return -1;
		}
		sin.sin_port = htons((uint16_t)portnum);
		memcpy(&a->ss, &sin, sizeof(sin));
		a->len = sizeof(sin);
		return 0;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr)) {
		snprintf(why, whylen, "not a server's address");
		return -1;
	}
	if (scopenum != 0 && scopenum != (unsigned long)ifindex) {
		snprintf(why, whylen, "scoped to link %lu, not this one",
		    scopenum);
		return -1;
	}
	/* only a link-local address keeps its link (networkd's rule) */
	if (is_link_local6(&sin6.sin6_addr))
		sin6.sin6_scope_id = (uint32_t)ifindex;
	sin6.sin6_port = htons((uint16_t)portnum);
	memcpy(&a->ss, &sin6, sizeof(sin6));
	a->len = sizeof(sin6);
	return 0;
}

static void
read_servers(struct span v, int ifindex, struct netif_link *out,
    struct notes *nt)
{
	struct span e;

	while (next_entry(&v, &e)) {
		char entry[NETIF_MAX_ENTRY], why[128];
		struct server a;
		bool dup = false;

		if (e.n >= sizeof(entry)) {
			note(nt, "DNS: an entry of %zu characters", e.n);
			continue;
		}
		snprintf(entry, sizeof(entry), "%.*s", (int)e.n, e.p);
		if (parse_server(entry, ifindex, &a, why, sizeof(why)) != 0) {
			note(nt, "DNS: \"%.60s\": %s", entry, why);
			continue;
		}
		for (size_t i = 0; i < out->nserver && !dup; i++)
			dup = addr_equal(&out->server[i].addr, &a.addr);
		if (dup)
			continue; /* sd-network drops repeats too */
		if (out->nserver == CONFIG_MAX_UPSTREAM) {
			note(nt, "DNS: \"%.60s\": past %d servers", entry,
			    CONFIG_MAX_UPSTREAM);
			continue;
		}
		out->server[out->nserver++] = a;
	}
}

/* A name roostd can write back as a "domains=" item: printable, no
 * blank and no comma in any label. */
static bool
plain_name(const uint8_t *name, size_t len)
{
	for (size_t off = 0; off < len && name[off] != 0;) {
		size_t l = name[off++];

		for (size_t i = 0; i < l && off < len; i++, off++)
			if (name[off] <= ' ' || name[off] > '~' ||
			    name[off] == ',')
				return false;
	}
	return true;
}

static void
read_domains(struct span v, bool route, struct netif_link *out,
    struct notes *nt)
{
	const char *key = route ? "ROUTE_DOMAINS" : "DOMAINS";
	struct span e;

	while (next_entry(&v, &e)) {
		char text[WIRE_MAX_NAME_TEXT];
		struct source_domain d = { .route_only = route };
		size_t i;

		if (e.n >= sizeof(text)) {
			note(nt, "%s: a name of %zu characters", key, e.n);
			continue;
		}
		snprintf(text, sizeof(text), "%.*s", (int)e.n, e.p);
		if (text[0] == '~') { /* not networkd's spelling, but clear */
			d.route_only = true;
			memmove(text, text + 1, strlen(text));
		}
		if (text[0] == '\0' ||
		    wire_name_from_text(text, d.name, &d.len) != WIRE_OK ||
		    !plain_name(d.name, d.len)) {
			note(nt, "%s: \"%.60s\": not a domain name", key, text);
			continue;
		}
		if (d.len == 1 && !d.route_only) {
			note(nt, "%s: \".\" is no search domain", key);
			continue;
		}
		wire_name_lower(d.name, d.len);
		for (i = 0; i < out->ndomain; i++)
			if (wire_name_equal(out->domain[i].name,
				out->domain[i].len, d.name, d.len))
				break;
		if (i < out->ndomain) {
			/* in both lists: route-only, as resolved has it */
			out->domain[i].route_only =
			    out->domain[i].route_only || d.route_only;
			continue;
		}
		if (out->ndomain == SOURCE_MAX_DOMAINS) {
			note(nt, "%s: \"%.60s\": past %d domains", key, text,
			    SOURCE_MAX_DOMAINS);
			continue;
		}
		out->domain[out->ndomain++] = d;
	}
}

static enum source_default
read_default_route(struct span v, struct notes *nt)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	if (v.p == NULL)
		return SOURCE_DEFAULT_AUTO;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (span_is(v, yes[i]))
			return SOURCE_DEFAULT_YES;
		if (span_is(v, no[i]))
			return SOURCE_DEFAULT_NO;
	}
	note(nt, "DNS_DEFAULT_ROUTE: \"%.*s\" is not yes or no",
	    (int)(v.n < 20 ? v.n : 20), v.p);
	return SOURCE_DEFAULT_AUTO;
}

int
netif_parse(const char *text, size_t len, int ifindex, struct netif_link *out,
    char *err, size_t errlen)
{
	struct notes nt = { .err = err, .errlen = errlen };
	struct keys k = { 0 };

	if (errlen > 0)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->default_route = SOURCE_DEFAULT_AUTO;
	read_lines(text, len, &k, &nt);
	if (!(out->managed = managed(k.admin)))
		return nt.n;
	if (k.dns.p != NULL)
		read_servers(k.dns, ifindex, out, &nt);
	if (k.domains.p != NULL)
		read_domains(k.domains, false, out, &nt);
	if (k.route_domains.p != NULL)
		read_domains(k.route_domains, true, out, &nt);
	out->default_route = read_default_route(k.default_route, &nt);
	out->dns_over_tls = SERVER_TLS_UNSET;
	if (k.dns_over_tls.p != NULL) {
		char v[16];
		enum server_tls t;

		snprintf(v, sizeof(v), "%.*s",
		    (int)(k.dns_over_tls.n < 15 ? k.dns_over_tls.n : 15),
		    k.dns_over_tls.p);
		/* networkd writes resolved's words: yes, opportunistic, no */
		if (server_tls_parse(v, &t) == 0)
			out->dns_over_tls = t;
		else
			note(&nt,
			    "DNS_OVER_TLS: \"%s\" is not yes, "
			    "opportunistic or no",
			    v);
	}
	return nt.n;
}

void
netif_words(const struct netif_link *link,
    char words[NETIF_NWORDS][NETIF_WORD_MAX])
{
	static const char *const dr[] = { "no", "yes" };
	size_t n = 0;

	n = (size_t)snprintf(words[0], NETIF_WORD_MAX, "servers=");
	for (size_t i = 0; i < link->nserver && n < NETIF_WORD_MAX; i++) {
		const struct server *s = &link->server[i];
		char a[ADDR_STRLEN];

		/* no port: the link's policy picks 53 or 853 */
		addr_str(&s->addr, a, sizeof(a));
		if (!s->port_given)
			a[strcspn(a, "#")] = '\0';
		n += (size_t)snprintf(words[0] + n, NETIF_WORD_MAX - n,
		    "%s%s%s%s", i > 0 ? "," : "", a,
		    s->tls_name[0] != '\0' ? "#" : "", s->tls_name);
	}
	n = (size_t)snprintf(words[1], NETIF_WORD_MAX, "domains=");
	for (size_t i = 0; i < link->ndomain && n < NETIF_WORD_MAX; i++) {
		char t[WIRE_MAX_NAME_TEXT];

		(void)wire_name_to_text(link->domain[i].name,
		    link->domain[i].len, t, sizeof(t));
		n += (size_t)snprintf(words[1] + n, NETIF_WORD_MAX - n,
		    "%s%s%s", i > 0 ? "," : "",
		    link->domain[i].route_only ? "~" : "", t);
	}
	snprintf(words[2], NETIF_WORD_MAX, "default-route=%s",
	    link->default_route == SOURCE_DEFAULT_AUTO
		? "auto"
		: dr[link->default_route == SOURCE_DEFAULT_YES]);
	snprintf(words[3], NETIF_WORD_MAX, "dns-over-tls=%s",
	    link->dns_over_tls == SERVER_TLS_UNSET
		? "default"
		: server_tls_str(link->dns_over_tls));
}

/* --- the watch --------------------------------------------------------- */

/* A link main holds a source for. */
struct kept {
	int ifindex;
	char *words; /* NETIF_NWORDS NUL-terminated words in a row; owned */
	size_t len;  /* of words, every NUL included */
};

/* A link one reading of the folder found servers for. */
struct found {
	int ifindex;
	char *words; /* as kept's; owned until handed to a kept */
	size_t len;
	int nnotes; /* entries skipped, the first's why in note */
	char note[160];
};

struct netif_watch {
	struct loop *l;
	struct netif_ops ops;
	int fd;
	int wd_dir, wd_parent;
	bool said_missing; /* the log said dir is not there */
	char dir[PATH_MAX];
	char parent[PATH_MAX];
	const char *base; /* dir's last component, in dir */
	struct loop_timer settle, retry;
	struct kept kept[NETIF_MAX_LINKS];
	size_t nkept;
	/* scratch for one file, reused by every reading */
	struct netif_link link;
	char words[NETIF_NWORDS][NETIF_WORD_MAX];
	char buf[NETIF_MAX_FILE + 1];
};

/* Watches dir, or else its parent, or else arms the retry timer. */
static void
attach(struct netif_watch *w)
{
	int e = 0;
	bool timed;

	if (w->wd_dir >= 0)
		return;
	for (int tries = 0; tries < 2; tries++) {
		if ((w->wd_dir = inotify_add_watch(w->fd, w->dir, DIR_MASK)) >=
		    0) {
			if (w->wd_parent >= 0)
				(void)inotify_rm_watch(w->fd, w->wd_parent);
			w->wd_parent = -1;
			loop_timer_cancel(w->l, &w->retry);
			if (w->said_missing)
				log_info("networkd: %s is there now", w->dir);
			w->said_missing = false;
			return;
		}
		e = errno;
		if (w->wd_parent < 0 &&
		    (w->wd_parent = inotify_add_watch(w->fd, w->parent,
			 PARENT_MASK)) < 0)
			break;
		/* the parent watched: dir may have come meanwhile */
		if (e != ENOENT)
			break;
	}
	timed = w->wd_parent < 0 || e != ENOENT;
	if (!w->said_missing && timed)
		log_info("networkd: cannot watch %s (%s): looking again every "
			 "%d s",
		    w->dir, strerror(e), NETIF_RETRY_MS / 1000);
	else if (!w->said_missing)
		log_info("networkd: %s is not there: waiting for it", w->dir);
	w->said_missing = true;
	if (timed && !loop_timer_armed(&w->retry))
		(void)loop_timer_set(w->l, &w->retry, NETIF_RETRY_MS);
}

/* A state file's name: the link's index in decimal. */
static int
name_ifindex(const char *name)
{
	unsigned long v;

	return num_parse_uint(name, 1, INT_MAX, &v) == 0 ? (int)v : 0;
}

/*
 * Reads the file name of folder dfd into w->buf.  Returns its length,
 * or -1 (gone meanwhile, not a regular file, unreadable, too long:
 * logged unless gone).
 */
static ssize_t
read_state(struct netif_watch *w, int dfd, const char *name)
{
	int fd = openat(dfd, name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	size_t n = 0;
	ssize_t r = 0;

	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("networkd: %s/%s", w->dir, name);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while (n < sizeof(w->buf) &&
	    ((r = read(fd, w->buf + n, sizeof(w->buf) - n)) > 0 ||
		(r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	if (r < 0)
		log_warn("networkd: %s/%s", w->dir, name);
	close(fd);
	if (r < 0)
		return -1;
	if (n > NETIF_MAX_FILE) {
		log_warnx("networkd: %s/%s: longer than %d octets: skipped",
		    w->dir, name, NETIF_MAX_FILE);
		return -1;
	}
	return (ssize_t)n;
}

/* The words of link ifindex's file, into f; false if it gives none. */
static bool
link_found(struct netif_watch *w, int dfd, const char *name, int ifindex,
    struct found *f)
{
	ssize_t n = read_state(w, dfd, name);
	size_t len = 0;

	if (n < 0)
		return false;
	f->nnotes = netif_parse(w->buf, (size_t)n, ifindex, &w->link, f->note,
	    sizeof(f->note));
	if (!w->link.managed || w->link.nserver == 0)
		return false;
	netif_words(&w->link, w->words);
	for (int i = 0; i < NETIF_NWORDS; i++)
		len += strlen(w->words[i]) + 1;
	if ((f->words = malloc(len)) == NULL) {
		log_warnx("networkd: link %d: out of memory", ifindex);
		return false;
	}
	f->len = 0;
	for (int i = 0; i < NETIF_NWORDS; i++) {
		size_t l = strlen(w->words[i]) + 1;

		memcpy(f->words + f->len, w->words[i], l);
		f->len += l;
	}
	f->ifindex = ifindex;
	return true;
}

static int
by_ifindex(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* Every link of the folder with servers into found (at most
 * NETIF_MAX_LINKS, by ifindex).  Returns their count, or -1 if the
 * folder could not be read (found untouched; *gone if it is not there). */
static ssize_t
read_folder(struct netif_watch *w, struct found *found, bool *gone)
{
	DIR *d = opendir(w->dir);
	struct dirent *e;
	size_t n = 0, past = 0, looked = 0;

	*gone = false;
	if (d == NULL) {
		*gone = errno == ENOENT || errno == ENOTDIR;
		if (!*gone)
			log_warn("networkd: %s: keeping the links as they were",
			    w->dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL && looked < NETIF_MAX_SCAN) {
		int ifindex = name_ifindex(e->d_name);

		if (ifindex == 0)
			continue; /* ".", networkd's temporary files */
		looked++;
		if (n == NETIF_MAX_LINKS) {
			past++;
			continue;
		}
		if (link_found(w, dirfd(d), e->d_name, ifindex, &found[n]))
			n++;
	}
	closedir(d);
	if (looked == NETIF_MAX_SCAN)
		log_warnx("networkd: %s: only the first %d files read", w->dir,
		    NETIF_MAX_SCAN);
	if (past > 0)
		log_warnx("networkd: %zu more link files not read: roostd "
			  "follows at most %d links",
		    past, NETIF_MAX_LINKS);
	qsort(found, n, sizeof(found[0]), by_ifindex);
	return (ssize_t)n;
}

static void
kept_drop(struct netif_watch *w, size_t i)
{
	free(w->kept[i].words);
	w->kept[i] = w->kept[--w->nkept];
}

/* Hands link f to main if its words changed; f's words may move to a
 * kept entry (f->words is then NULL). */
static void
link_put(struct netif_watch *w, struct found *f)
{
	const char *words[NETIF_NWORDS];
	char ifname[IF_NAMESIZE] = "", err[512];
	struct kept *k = NULL;
	size_t off = 0;

	for (size_t i = 0; i < w->nkept && k == NULL; i++)
		if (w->kept[i].ifindex == f->ifindex)
			k = &w->kept[i];
	if (k != NULL && k->len == f->len &&
	    memcmp(k->words, f->words, f->len) == 0)
		return; /* unchanged */
	for (int i = 0; i < NETIF_NWORDS; i++) {
		words[i] = f->words + off;
		off += strlen(words[i]) + 1;
	}
	if (if_indextoname((unsigned)f->ifindex, ifname) == NULL)
		ifname[0] = '\0';
	if (f->nnotes > 0)
		log_warnx("networkd: %s/%d: %d entr%s skipped: %s%s", w->dir,
		    f->ifindex, f->nnotes, f->nnotes == 1 ? "y" : "ies",
		    f->note, f->nnotes > 1 ? ", ..." : "");
	if (w->ops.link_set(w->ops.arg, f->ifindex, ifname, words, NETIF_NWORDS,
		err, sizeof(err)) != 0) {
		log_warnx("networkd: link %d (%s): %s", f->ifindex,
		    ifname[0] != '\0' ? ifname : "not here", err);
		return; /* tried again at the next change */
	}
	if (k == NULL) {
		k = &w->kept[w->nkept++]; /* room: found has NETIF_MAX_LINKS */
		k->ifindex = f->ifindex;
	} else {
		free(k->words);
	}
	k->words = f->words;
	k->len = f->len;
	f->words = NULL;
}

/* Reads the folder and tells main what changed. */
static void
rescan(struct netif_watch *w)
{
	struct found *found = calloc(NETIF_MAX_LINKS, sizeof(*found));
	ssize_t n;
	bool gone;

	if (found == NULL) {
		log_warnx("networkd: out of memory to read %s", w->dir);
		return;
	}
	if ((n = read_folder(w, found, &gone)) < 0 && !gone) {
		free(found);
		return;
	}
	if (n < 0)
		n = 0; /* the folder went: so did its links */
	/* reverts first: what went makes room for what came */
	for (size_t i = w->nkept; i-- > 0;) {
		bool still = false;

		for (ssize_t j = 0; j < n && !still; j++)
			still = found[j].ifindex == w->kept[i].ifindex;
		if (!still) {
			int ifindex = w->kept[i].ifindex;

			kept_drop(w, i);
			w->ops.link_revert(w->ops.arg, ifindex);
		}
	}
	for (ssize_t j = 0; j < n; j++) {
		link_put(w, &found[j]);
		free(found[j].words);
	}
	free(found);
}

static void
settled(void *arg)
{
	struct netif_watch *w = arg;

	attach(w);
	rescan(w);
}

static void
retry(void *arg)
{
	struct netif_watch *w = arg;

	attach(w);
	if (w->wd_dir >= 0)
		rescan(w);
}

/* Does event e concern a state file, dir itself or its appearance? */
static bool
concerns(struct netif_watch *w, const struct inotify_event *e)
{
	if (e->mask & IN_Q_OVERFLOW)
		return true; /* events lost: read it all again */
	if (w->wd_dir >= 0 && e->wd == w->wd_dir) {
		if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
			if (!(e->mask & IN_IGNORED))
				(void)inotify_rm_watch(w->fd, w->wd_dir);
			w->wd_dir = -1; /* settled() looks for it again */
			return true;
		}
		return e->len > 0 && name_ifindex(e->name) > 0;
	}
	if (w->wd_parent >= 0 && e->wd == w->wd_parent) {
		if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
			if (!(e->mask & IN_IGNORED))
				(void)inotify_rm_watch(w->fd, w->wd_parent);
			w->wd_parent = -1;
			return true;
		}
		return e->len > 0 && strcmp(e->name, w->base) == 0;
	}
	return false;
}

static void
readable(void *arg, int fd, unsigned events)
{
	struct netif_watch *w = arg;
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;

			changed = concerns(w, e) || changed;
			p += sizeof(*e) + e->len;
		}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_warn("networkd: %s: inotify", w->dir);
	if (changed && !loop_timer_armed(&w->settle))
		(void)loop_timer_set(w->l, &w->settle, NETIF_SETTLE_MS);
}

struct netif_watch *
netif_watch_new(struct loop *l, const char *dir, const struct netif_ops *ops,
    char *err, size_t errlen)
{
	struct netif_watch *w;
	const char *slash;
	size_t len = strlen(dir);

	if (dir[0] != '/' || len >= PATH_MAX) {
		snprintf(err, errlen, "%s: not an absolute path", dir);
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->l = l;
	w->ops = *ops;
	w->wd_dir = w->wd_parent = -1;
	/* "/a/b/" is "/a/b": the parent is what comes before the last name */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	snprintf(w->dir, sizeof(w->dir), "%.*s", (int)len, dir);
	slash = strrchr(w->dir, '/');
	w->base = slash + 1;
	snprintf(w->parent, sizeof(w->parent), "%.*s",
	    slash > w->dir ? (int)(slash - w->dir) : 1, w->dir);
	loop_timer_init(&w->settle, settled, w);
	loop_timer_init(&w->retry, retry, w);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		free(w);
		return NULL;
	}
	if (loop_fd_add(l, w->fd, LOOP_READ, readable, w) != 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		close(w->fd);
		free(w);
		return NULL;
	}
	attach(w);
	rescan(w);
	return w;
}

void
netif_watch_free(struct netif_watch *w)
{
	if (w == NULL)
		return;
	loop_timer_cancel(w->l, &w->settle);
	loop_timer_cancel(w->l, &w->retry);
	loop_fd_del(w->l, w->fd);
	close(w->fd);
	for (size_t i = 0; i < w->nkept; i++)
		free(w->kept[i].words);
	free(w);
}
