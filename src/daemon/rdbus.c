/*
 * src/daemon/rdbus.c - the org.freedesktop.resolve1 subset on sd-bus,
 * driven by roostd's loop (see rdbus.h).
 *
 * Invariants:
 * - b->bus is NULL exactly while disconnected, and then the retry timer
 *   is armed.  While connected, b->fd is the bus's fd, registered with
 *   the loop for b->events; the rearm hook is queued after every pass
 *   of sd_bus_process() (replies are queued inside it, so what to wait
 *   for is asked again each time) and sets the fd's events and the
 *   bus timer from sd_bus_get_events() and sd_bus_get_timeout().
 * - Nothing waits on the bus: the name is requested with
 *   sd_bus_request_name_async(), and a caller's uid is asked of the bus
 *   driver with an asynchronous GetConnectionUnixUser (the synchronous
 *   sd_bus_query_sender_creds() would block the loop on a busy bus).
 * - A method call that passed its argument checks sits on b->calls,
 *   holding a reference to its message, until its uid is known; calls
 *   run and are answered in arrival order, only from the queue's head,
 *   so a later Set never overtakes an earlier one.  At most
 *   RDBUS_MAX_PENDING wait.
 * - bus_drop() is the one teardown of a connection: the calls, the
 *   fd's registration, the slots, then the bus itself.
 * - b->link[0..nlink) are the links whose servers main took from us,
 *   distinct; main holds at most SOURCE_MAX sources, so they fit.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "rdbus.h"

#define NETWORKD_USER "systemd-network"
#define NOTE_MAX 256 /* the logged text of a call's setting */

/* RequestName's answers (the D-Bus specification). */
#define NAME_PRIMARY_OWNER 1
#define NAME_IN_QUEUE 2
#define NAME_EXISTS 3
#define NAME_ALREADY_OWNER 4

/* What a call does once its caller is allowed. */
enum call_kind {
	CALL_SET,    /* link_set() with word */
	CALL_NOTE,   /* accepted and logged: not done per link yet */
	CALL_REVERT, /* link_revert() */
	CALL_FLUSH,
	CALL_RESET,
};

struct call {
	TAILQ_ENTRY(call) link; /* on b->calls */
	sd_bus_message *m;      /* the method call: a reference */
	sd_bus_slot *slot;      /* GetConnectionUnixUser in flight */
	struct rdbus *b;
	const char *method; /* static text */
	enum call_kind kind;
	int ifindex;
	char ifname[IF_NAMESIZE];
	bool ready; /* the uid answer came */
	bool uid_known;
	uint32_t uid;
	char note[NOTE_MAX]; /* CALL_NOTE's setting, CALL_SET's extra */
	char word[];         /* CALL_SET's FIELD=VALUE */
};

struct rdbus_tracked {
	int ifindex;
	char ifname[IF_NAMESIZE];
};

struct rdbus {
	struct loop *loop;
	struct rdbus_ops ops;
	sd_bus *bus; /* NULL while disconnected */
	int fd;      /* bus's, registered with the loop; -1 */
	unsigned events;
	sd_bus_slot *object, *filter, *name_req;
	bool serving;     /* we own RDBUS_NAME */
	bool queued;      /* in line for it behind another owner */
	bool warned;      /* a connection failure was logged since the last
			 success */
	bool name_warned; /* a refused RequestName was logged since */
	struct loop_timer retry;
	struct loop_timer bus_timer;
	struct loop_hook rearm;
	TAILQ_HEAD(, call) calls;
	size_t ncalls;
	uint32_t self_uid, networkd_uid;
	bool have_networkd;
	struct log_ratelimit rl_denied;
	struct rdbus_link *links;
	struct rdbus_tracked link[RDBUS_MAX_LINKS];
	size_t nlink;
	char scratch[RDBUS_WORD_MAX];
};

/* --- text ---------------------------------------------------------------- */

/* s for a log line or error: printable ASCII kept, the rest '?', cut. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Appends to buf at *used like snprintf; -1 once it does not fit. */
static int __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used) {
		*used = len;
		return -1;
	}
	*used += (size_t)n;
	return 0;
}

/* --- the pure decoders --------------------------------------------------- */

static bool
is_link_local6(const uint8_t b[16])
{
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

/* One server into a, as rdbus_servers_word() says. */
static int
server_addr(const struct rdbus_server *s, int ifindex, struct addr *a,
    char *err, size_t errlen)
{
	static const uint8_t zero[16];
	uint16_t port = s->port;

	if (port == 0 || port == RDBUS_DOT_PORT)
		port = RDBUS_DEFAULT_PORT;
	memset(a, 0, sizeof(*a));
	if (s->family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
			.sin_port = htons(port) };

		if (s->addr_len != 4) {
			snprintf(err, errlen,
			    "an IPv4 address has 4 octets, not %zu",
			    s->addr_len);
			return -1;
		}
		memcpy(&sin.sin_addr, s->addr, 4);
		memcpy(&a->ss, &sin, sizeof(sin));
		a->len = sizeof(sin);
	} else if (s->family == AF_INET6) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
			.sin6_port = htons(port) };

		if (s->addr_len != 16) {
			snprintf(err, errlen,
			    "an IPv6 address has 16 octets, not %zu",
			    s->addr_len);
			return -1;
		}
		memcpy(&sin6.sin6_addr, s->addr, 16);
		/* fe80::/10 means nothing without its link */
		if (is_link_local6(s->addr))
			sin6.sin6_scope_id = (uint32_t)ifindex;
		memcpy(&a->ss, &sin6, sizeof(sin6));
		a->len = sizeof(sin6);
	} else {
		snprintf(err, errlen,
		    "unknown address family %d (AF_INET is %d, AF_INET6 %d)",
		    s->family, AF_INET, AF_INET6);
		return -1;
	}
	if (memcmp(s->addr, zero, s->addr_len) == 0) {
		snprintf(err, errlen, "%s is not a server's address",
		    s->family == AF_INET ? "0.0.0.0" : "::");
		return -1;
	}
	return 0;
}

int
rdbus_servers_word(const struct rdbus_server *s, size_t n, int ifindex,
    char *buf, size_t len, char *err, size_t errlen)
{
	struct addr a[CONFIG_MAX_UPSTREAM];
	const char *names[CONFIG_MAX_UPSTREAM];
	bool port_given[CONFIG_MAX_UPSTREAM];
	size_t na = 0, used = 0;
	char why[256];

	for (size_t i = 0; i < n; i++) {
		struct addr x;
		bool dup = false;
		const char *name = s[i].name != NULL ? s[i].name : "";

		if (server_addr(&s[i], ifindex, &x, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "DNS server %zu: %s", i + 1, why);
			return -1;
		}
		if (name[0] != '\0' &&
		    server_name_check(name, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "DNS server %zu: %s", i + 1, why);
			return -1;
		}
		for (size_t j = 0; j < na && !dup; j++)
			dup = addr_equal(&a[j], &x);
		if (dup)
			continue;
		if (na == CONFIG_MAX_UPSTREAM) {
			snprintf(err, errlen,
			    "more than %d DNS servers: roostd takes at most %d "
			    "per link",
			    CONFIG_MAX_UPSTREAM, CONFIG_MAX_UPSTREAM);
			return -1;
		}
		names[na] = name;
		port_given[na] = s[i].port != 0 &&
		    s[i].port != RDBUS_DOT_PORT &&
		    s[i].port != RDBUS_DEFAULT_PORT;
		a[na++] = x;
	}
	if (append(buf, len, &used, "servers=") != 0)
		goto short_buf;
	for (size_t i = 0; i < na; i++) {
		char text[ADDR_STRLEN];

		addr_str(&a[i], text, sizeof(text));
		if (!port_given[i])
			text[strcspn(text, "#")] = '\0';
		if (append(buf, len, &used, "%s%s%s%s", i > 0 ? "," : "", text,
			names[i][0] != '\0' ? "#" : "", names[i]) != 0)
			goto short_buf;
	}
	return 0;
short_buf:
	snprintf(err, errlen, "the DNS server list is too long");
	return -1;
}

/* Checks one domain's text; 0, or -1 with why in err. */
static int
domain_check(const struct rdbus_domain *d, uint8_t *wire, size_t *wlen,
    char *err, size_t errlen)
{
	char shown[80];

	if (d->name == NULL || d->name[0] == '\0') {
		snprintf(err, errlen, "an empty domain");
		return -1;
	}
	for (const char *p = d->name; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ',') {
			snprintf(err, errlen,
			    "domain \"%s\": a blank, comma or character "
			    "outside printable ASCII",
			    printable(d->name, shown, sizeof(shown)));
			return -1;
		}
	if (d->name[0] == '~') {
		snprintf(err, errlen,
		    "domain \"%s\": a leading \"~\" (route-only is the flag)",
		    printable(d->name, shown, sizeof(shown)));
		return -1;
	}
	if (wire_name_from_text(d->name, wire, wlen) != WIRE_OK) {
		snprintf(err, errlen, "invalid domain \"%s\"",
		    printable(d->name, shown, sizeof(shown)));
		return -1;
	}
	if (*wlen == 1 && !d->route_only) {
		snprintf(err, errlen,
		    "the root domain is no search domain (send it "
		    "route-only: every name)");
		return -1;
	}
	wire_name_lower(wire, *wlen);
	return 0;
}

int
rdbus_domains_word(const struct rdbus_domain *d, size_t n, char *buf,
    size_t len, char *err, size_t errlen)
{
	struct {
		uint8_t wire[WIRE_MAX_NAME];
		size_t wlen;
		size_t first; /* index in d */
		bool route_only;
	} u[SOURCE_MAX_DOMAINS];
	size_t nu = 0, used = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t wire[WIRE_MAX_NAME];
		size_t wlen, j;

		if (domain_check(&d[i], wire, &wlen, err, errlen) != 0)
			return -1;
		for (j = 0; j < nu; j++)
			if (wire_name_equal(u[j].wire, u[j].wlen, wire, wlen))
				break;
		if (j < nu) {
			u[j].route_only = d[i].route_only; /* last wins */
			continue;
		}
		if (nu == SOURCE_MAX_DOMAINS) {
			snprintf(err, errlen,
			    "more than %d domains: roostd takes at most %d "
			    "per link",
			    SOURCE_MAX_DOMAINS, SOURCE_MAX_DOMAINS);
			return -1;
		}
		memcpy(u[nu].wire, wire, wlen);
		u[nu].wlen = wlen;
		u[nu].first = i;
		u[nu].route_only = d[i].route_only;
		nu++;
	}
	if (append(buf, len, &used, "domains=") != 0)
		goto short_buf;
	for (size_t i = 0; i < nu; i++)
		if (append(buf, len, &used, "%s%s%s", i > 0 ? "," : "",
			u[i].route_only ? "~" : "", d[u[i].first].name) != 0)
			goto short_buf;
	return 0;
short_buf:
	snprintf(err, errlen, "the domain list is too long");
	return -1;
}

int
rdbus_mode_check(const char *method, const char *mode, char *err, size_t errlen)
{
	static const struct {
		const char *method, *what, *values[4];
	} modes[] = {
		{ "SetLinkLLMNR", "LLMNR", { "yes", "no", "resolve" } },
		{ "SetLinkMulticastDNS", "MulticastDNS",
		    { "yes", "no", "resolve" } },
		{ "SetLinkDNSSEC", "DNSSEC",
		    { "yes", "no", "allow-downgrade" } },
		{ "SetLinkDNSOverTLS", "DNSOverTLS",
		    { "yes", "no", "opportunistic" } },
	};
	char shown[64];

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(modes[i].method, method) != 0)
			continue;
		if (mode[0] == '\0')
			return 0;
		for (size_t j = 0; modes[i].values[j] != NULL; j++)
			if (strcmp(modes[i].values[j], mode) == 0)
				return 0;
		snprintf(err, errlen, "Invalid %s setting: \"%s\"",
		    modes[i].what, printable(mode, shown, sizeof(shown)));
		return -1;
	}
	snprintf(err, errlen, "no mode setting for %s", method);
	return -1;
}

/* --- links we set servers on --------------------------------------------- */

static struct rdbus_tracked *
tracked(struct rdbus *b, int ifindex)
{
	for (size_t i = 0; i < b->nlink; i++)
		if (b->link[i].ifindex == ifindex)
			return &b->link[i];
	return NULL;
}

static void
track(struct rdbus *b, int ifindex, const char *ifname)
{
	struct rdbus_tracked *t = tracked(b, ifindex);

	if (t == NULL && b->nlink < RDBUS_MAX_LINKS)
		t = &b->link[b->nlink++];
	if (t == NULL)
		return; /* cannot happen: main holds fewer sources */
	t->ifindex = ifindex;
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
}

static void
untrack(struct rdbus *b, int ifindex)
{
	struct rdbus_tracked *t = tracked(b, ifindex);

	if (t != NULL)
		*t = b->link[--b->nlink];
}

/* Whether the kernel still knows ifindex (errors other than "no such
 * device" count as yes: never drop servers on a hunch). */
static bool
link_exists(int ifindex, char name[IF_NAMESIZE])
{
	if (if_indextoname((unsigned)ifindex, name) != NULL)
		return true;
	return errno != ENXIO && errno != ENODEV;
}

/* A link that roostd took servers for went: they go too. */
static void
link_gone(struct rdbus *b, int ifindex, const char *ifname)
{
	struct rdbus_tracked *t = tracked(b, ifindex);
	char name[IF_NAMESIZE], shown[IF_NAMESIZE];

	if (t == NULL || link_exists(ifindex, name))
		return; /* not ours, or still there (a bridge port leaving) */
	printable(ifname[0] != '\0' ? ifname : t->ifname, shown, sizeof(shown));
	untrack(b, ifindex);
	b->ops.link_revert(b->ops.arg, ifindex);
	log_info("D-Bus: link %d (%s) is gone: its servers dropped", ifindex,
	    shown);
}

static void
on_link_gone(void *arg, int ifindex, const char *ifname)
{
	link_gone(arg, ifindex, ifname);
}

/* Messages were lost: look at each link we set again. */
static void
on_links_lost(void *arg)
{
	struct rdbus *b = arg;

	for (size_t i = b->nlink; i-- > 0;)
		link_gone(b, b->link[i].ifindex, "");
}

/* --- calls waiting for their caller's uid -------------------------------- */

static void
call_free(struct call *c)
{
	sd_bus_slot_unref(c->slot);
	sd_bus_message_unref(c->m);
	free(c);
}

static bool
uid_allowed(const struct rdbus *b, uint32_t uid)
{
	return uid == 0 || uid == b->self_uid ||
	    (b->have_networkd && uid == b->networkd_uid);
}

static void reply_error(struct call *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_error(struct call *c, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)sd_bus_reply_method_errorf(c->m, name, "%s", msg);
}

/* Does what c asks, its caller allowed, and answers it. */
static void
call_do(struct rdbus *b, struct call *c)
{
	const char *field = c->word;
	char err[512];

	if (c->kind != CALL_FLUSH && c->kind != CALL_RESET &&
	    !link_exists(c->ifindex, c->ifname)) {
		reply_error(c, RDBUS_ERROR_NO_SUCH_LINK, "Link %d not known",
		    c->ifindex);
		return;
	}
	switch (c->kind) {
	case CALL_SET:
		err[0] = '\0';
		if (b->ops.link_set(b->ops.arg, c->ifindex, c->ifname, &field,
			1, err, sizeof(err)) != 0) {
			log_warnx("D-Bus: %s on %s from uid %u refused: %s",
			    c->method, c->ifname, (unsigned)c->uid, err);
			reply_error(c, SD_BUS_ERROR_INVALID_ARGS, "%s", err);
			return;
		}
		track(b, c->ifindex, c->ifname);
		log_info("D-Bus: %s on %s from uid %u: %.300s", c->method,
		    c->ifname, (unsigned)c->uid, c->word);
		if (c->note[0] != '\0')
			log_info("D-Bus: %s on %s: server names %s unused; "
				 "roostd does not do DNS over TLS per link "
				 "yet",
			    c->method, c->ifname, c->note);
		break;
	case CALL_NOTE:
		log_info("D-Bus: %s on %s (\"%s\") accepted; roostd does not "
			 "do this per link yet",
		    c->method, c->ifname, c->note);
		break;
	case CALL_REVERT:
		untrack(b, c->ifindex);
		b->ops.link_revert(b->ops.arg, c->ifindex);
		log_info("D-Bus: RevertLink on %s from uid %u: its servers "
			 "dropped",
		    c->ifname, (unsigned)c->uid);
		break;
	case CALL_FLUSH:
		b->ops.flush_caches(b->ops.arg);
		log_info("D-Bus: FlushCaches from uid %u", (unsigned)c->uid);
		break;
	case CALL_RESET:
		b->ops.reset_server_features(b->ops.arg);
		log_info("D-Bus: ResetServerFeatures from uid %u",
		    (unsigned)c->uid);
		break;
	}
	(void)sd_bus_reply_method_return(c->m, NULL);
}

/* Runs the calls at the head of the queue whose uid is known. */
static void
calls_drain(struct rdbus *b)
{
	struct call *c;

	while ((c = TAILQ_FIRST(&b->calls)) != NULL && c->ready) {
		TAILQ_REMOVE(&b->calls, c, link);
		b->ncalls--;
		if (!c->uid_known && b->bus != NULL &&
		    sd_bus_is_open(b->bus) <= 0) {
			/* closing: nobody to answer */
		} else if (!c->uid_known) {
			log_warnx_limited(&b->rl_denied, loop_now_ms(b->loop),
			    "D-Bus: %s refused: the bus did not tell who "
			    "called",
			    c->method);
			reply_error(c, SD_BUS_ERROR_ACCESS_DENIED,
			    "roostd cannot tell who is calling");
		} else if (!uid_allowed(b, c->uid)) {
			log_warnx_limited(&b->rl_denied, loop_now_ms(b->loop),
			    "D-Bus: %s from uid %u refused: only root, "
			    "roostd's user and " NETWORKD_USER
			    " may change roostd",
			    c->method, (unsigned)c->uid);
			reply_error(c, SD_BUS_ERROR_ACCESS_DENIED,
			    "uid %u may not call %s: only root, roostd's "
			    "user and " NETWORKD_USER " may",
			    (unsigned)c->uid, c->method);
		} else {
			call_do(b, c);
		}
		call_free(c);
	}
}

static int
on_uid(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct call *c = userdata;
	uint32_t uid;

	(void)ret_error;
	if (!sd_bus_message_is_method_error(reply, NULL) &&
	    sd_bus_message_read(reply, "u", &uid) > 0) {
		c->uid = uid;
		c->uid_known = true;
	}
	c->ready = true;
	c->slot = sd_bus_slot_unref(c->slot);
	calls_drain(c->b);
	return 0;
}

/*
 * Queues m (its arguments checked) until its caller's uid is known.
 * Returns 1 (answered later), or a negative errno / an error set in e.
 */
static int
call_queue(struct rdbus *b, sd_bus_message *m, const struct call *proto,
    const char *word, sd_bus_error *e)
{
	const char *sender = sd_bus_message_get_sender(m);
	size_t wlen = word != NULL ? strlen(word) : 0;
	struct call *c;
	int r;

	if (b->ncalls >= RDBUS_MAX_PENDING)
		return sd_bus_error_setf(e, SD_BUS_ERROR_LIMITS_EXCEEDED,
		    "roostd has %d D-Bus calls waiting: try again",
		    RDBUS_MAX_PENDING);
	if (sender == NULL)
		return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED,
		    "roostd answers calls that come through the bus only");
	if ((c = calloc(1, sizeof(*c) + wlen + 1)) == NULL)
		return -ENOMEM;
	c->method = proto->method;
	c->kind = proto->kind;
	c->ifindex = proto->ifindex;
	memcpy(c->ifname, proto->ifname, sizeof(c->ifname));
	memcpy(c->note, proto->note, sizeof(c->note));
	if (wlen > 0)
		memcpy(c->word, word, wlen);
	c->b = b;
	c->m = sd_bus_message_ref(m);
	r = sd_bus_call_method_async(b->bus, &c->slot, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "GetConnectionUnixUser", on_uid, c, "s", sender);
	if (r < 0) {
		call_free(c);
		return r;
	}
	TAILQ_INSERT_TAIL(&b->calls, c, link);
	b->ncalls++;
	return 1;
}

/* --- the methods --------------------------------------------------------- */

/* Reads the ifindex argument of m into c, with its interface's name. */
static int
read_link(sd_bus_message *m, struct call *c, sd_bus_error *e)
{
	int32_t ifindex;
	int r = sd_bus_message_read(m, "i", &ifindex);

	if (r < 0)
		return r;
	if (ifindex <= 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS,
		    "Invalid interface index %d", (int)ifindex);
	c->ifindex = ifindex;
	if (!link_exists(ifindex, c->ifname))
		return sd_bus_error_setf(e, RDBUS_ERROR_NO_SUCH_LINK,
		    "Link %d not known", (int)ifindex);
	if (c->ifname[0] == '\0')
		snprintf(c->ifname, sizeof(c->ifname), "%d", (int)ifindex);
	return 0;
}

static int
set_dns(struct rdbus *b, sd_bus_message *m, bool ex, sd_bus_error *e)
{
	struct rdbus_server s[RDBUS_MAX_ARRAY];
	struct call c = { .method = ex ? "SetLinkDNSEx" : "SetLinkDNS",
		.kind = CALL_SET };
	size_t n = 0;
	char why[256];
	int r;

	if ((r = read_link(m, &c, e)) < 0)
		return r;
	if ((r = sd_bus_message_enter_container(m, 'a',
		 ex ? "(iayqs)" : "(iay)")) < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'r',
		    ex ? "iayqs" : "iay")) > 0) {
		int32_t family;
		const void *p;
		size_t plen;
		uint16_t port = 0;
		const char *name = NULL;

		if (n == RDBUS_MAX_ARRAY)
			return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS,
			    "more than %d DNS servers", RDBUS_MAX_ARRAY);
		if ((r = sd_bus_message_read(m, "i", &family)) < 0 ||
		    (r = sd_bus_message_read_array(m, 'y', &p, &plen)) < 0)
			return r;
		if (ex && (r = sd_bus_message_read(m, "qs", &port, &name)) < 0)
			return r;
		if ((r = sd_bus_message_exit_container(m)) < 0)
			return r;
		s[n++] = (struct rdbus_server){ .family = family,
			.addr = p,
			.addr_len = plen,
			.port = port,
			.name = name };
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
		return r;
	if (rdbus_servers_word(s, n, c.ifindex, b->scratch, sizeof(b->scratch),
		why, sizeof(why)) != 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS, "%s",
		    why);
	return call_queue(b, m, &c, b->scratch, e);
}

static int
m_set_dns(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	return set_dns(userdata, m, false, e);
}

static int
m_set_dns_ex(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	return set_dns(userdata, m, true, e);
}

static int
m_set_domains(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct rdbus *b = userdata;
	struct rdbus_domain d[RDBUS_MAX_ARRAY];
	struct call c = { .method = "SetLinkDomains", .kind = CALL_SET };
	size_t n = 0;
	const char *name;
	int route_only, r;
	char why[256];

	if ((r = read_link(m, &c, e)) < 0)
		return r;
	if ((r = sd_bus_message_enter_container(m, 'a', "(sb)")) < 0)
		return r;
	while ((r = sd_bus_message_read(m, "(sb)", &name, &route_only)) > 0) {
		if (n == RDBUS_MAX_ARRAY)
			return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS,
			    "more than %d domains", RDBUS_MAX_ARRAY);
		d[n++] = (struct rdbus_domain){ .name = name,
			.route_only = route_only != 0 };
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
		return r;
	if (rdbus_domains_word(d, n, b->scratch, sizeof(b->scratch), why,
		sizeof(why)) != 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS, "%s",
		    why);
	return call_queue(b, m, &c, b->scratch, e);
}

static int
m_set_default_route(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "SetLinkDefaultRoute", .kind = CALL_SET };
	int enable, r;

	if ((r = read_link(m, &c, e)) < 0 ||
	    (r = sd_bus_message_read(m, "b", &enable)) < 0)
		return r;
	return call_queue(userdata, m, &c,
	    enable ? "default-route=yes" : "default-route=no", e);
}

/* SetLinkLLMNR and the other settings roostd takes note of only. */
static int
set_mode(sd_bus_message *m, void *userdata, const char *method, sd_bus_error *e)
{
	struct call c = { .method = method, .kind = CALL_NOTE };
	const char *mode;
	char why[128];
	int r;

	if ((r = read_link(m, &c, e)) < 0 ||
	    (r = sd_bus_message_read(m, "s", &mode)) < 0)
		return r;
	if (rdbus_mode_check(method, mode, why, sizeof(why)) != 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS, "%s",
		    why);
	printable(mode, c.note, sizeof(c.note));
	return call_queue(userdata, m, &c, NULL, e);
}

static int
m_set_llmnr(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	return set_mode(m, userdata, "SetLinkLLMNR", e);
}

static int
m_set_mdns(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	return set_mode(m, userdata, "SetLinkMulticastDNS", e);
}

static int
m_set_dnssec(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	return set_mode(m, userdata, "SetLinkDNSSEC", e);
}

/* DNSOverTLS: the link's dns-over-tls ("" for roostd.conf's). */
static int
m_set_dot(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "SetLinkDNSOverTLS", .kind = CALL_SET };
	const char *mode;
	char why[128], word[64];
	int r;

	if ((r = read_link(m, &c, e)) < 0 ||
	    (r = sd_bus_message_read(m, "s", &mode)) < 0)
		return r;
	if (rdbus_mode_check(c.method, mode, why, sizeof(why)) != 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS, "%s",
		    why);
	snprintf(word, sizeof(word), "dns-over-tls=%s",
	    mode[0] == '\0'                ? "default"
		: strcmp(mode, "yes") == 0 ? "strict"
					   : mode);
	return call_queue(userdata, m, &c, word, e);
}

static int
m_set_ntas(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "SetLinkDNSSECNegativeTrustAnchors",
		.kind = CALL_NOTE };
	const char *name;
	size_t n = 0, used = 0;
	int r;

	if ((r = read_link(m, &c, e)) < 0 ||
	    (r = sd_bus_message_enter_container(m, 'a', "s")) < 0)
		return r;
	while ((r = sd_bus_message_read(m, "s", &name)) > 0) {
		struct rdbus_domain d = { .name = name, .route_only = true };
		uint8_t wire[WIRE_MAX_NAME];
		size_t wlen;
		char why[256], shown[64];

		if (++n > RDBUS_MAX_ARRAY)
			return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS,
			    "more than %d negative trust anchors",
			    RDBUS_MAX_ARRAY);
		if (domain_check(&d, wire, &wlen, why, sizeof(why)) != 0)
			return sd_bus_error_setf(e, SD_BUS_ERROR_INVALID_ARGS,
			    "Invalid negative trust anchor: %s", why);
		(void)append(c.note, sizeof(c.note), &used, "%s%s",
		    used > 0 ? "," : "", printable(name, shown, sizeof(shown)));
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
		return r;
	return call_queue(userdata, m, &c, NULL, e);
}

static int
m_revert(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "RevertLink", .kind = CALL_REVERT };
	int r;

	if ((r = read_link(m, &c, e)) < 0)
		return r;
	return call_queue(userdata, m, &c, NULL, e);
}

static int
m_flush(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "FlushCaches", .kind = CALL_FLUSH };

	return call_queue(userdata, m, &c, NULL, e);
}

static int
m_reset(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct call c = { .method = "ResetServerFeatures", .kind = CALL_RESET };

	return call_queue(userdata, m, &c, NULL, e);
}

/*
 * resolved's Manager methods, same names, signatures and argument
 * names.  UNPRIVILEGED: everyone may call (the D-Bus policy lets them),
 * and roostd checks the caller's uid itself.
 */
static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDNS",
	    SD_BUS_ARGS("i", ifindex, "a(iay)", addresses), SD_BUS_NO_RESULT,
	    m_set_dns, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDNSEx",
	    SD_BUS_ARGS("i", ifindex, "a(iayqs)", addresses), SD_BUS_NO_RESULT,
	    m_set_dns_ex, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDomains",
	    SD_BUS_ARGS("i", ifindex, "a(sb)", domains), SD_BUS_NO_RESULT,
	    m_set_domains, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDefaultRoute",
	    SD_BUS_ARGS("i", ifindex, "b", enable), SD_BUS_NO_RESULT,
	    m_set_default_route, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkLLMNR",
	    SD_BUS_ARGS("i", ifindex, "s", mode), SD_BUS_NO_RESULT, m_set_llmnr,
	    SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkMulticastDNS",
	    SD_BUS_ARGS("i", ifindex, "s", mode), SD_BUS_NO_RESULT, m_set_mdns,
	    SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDNSSEC",
	    SD_BUS_ARGS("i", ifindex, "s", mode), SD_BUS_NO_RESULT,
	    m_set_dnssec, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDNSOverTLS",
	    SD_BUS_ARGS("i", ifindex, "s", mode), SD_BUS_NO_RESULT, m_set_dot,
	    SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetLinkDNSSECNegativeTrustAnchors",
	    SD_BUS_ARGS("i", ifindex, "as", names), SD_BUS_NO_RESULT,
	    m_set_ntas, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("RevertLink", SD_BUS_ARGS("i", ifindex),
	    SD_BUS_NO_RESULT, m_revert, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("FlushCaches", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
	    m_flush, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ResetServerFeatures", SD_BUS_NO_ARGS,
	    SD_BUS_NO_RESULT, m_reset, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

/* --- the connection ------------------------------------------------------ */

static void bus_retry_later(struct rdbus *b);

/* Closes the connection, if any, and everything that hangs off it. */
static void
bus_drop(struct rdbus *b)
{
	struct call *c;

	while ((c = TAILQ_FIRST(&b->calls)) != NULL) {
		TAILQ_REMOVE(&b->calls, c, link);
		call_free(c);
	}
	b->ncalls = 0;
	if (b->fd >= 0)
		loop_fd_del(b->loop, b->fd);
	b->fd = -1;
	b->events = 0;
	loop_timer_cancel(b->loop, &b->bus_timer);
	loop_hook_cancel(b->loop, &b->rearm);
	b->name_req = sd_bus_slot_unref(b->name_req);
	b->filter = sd_bus_slot_unref(b->filter);
	b->object = sd_bus_slot_unref(b->object);
	if (b->bus != NULL) {
		sd_bus_close(b->bus);
		b->bus = sd_bus_unref(b->bus);
	}
	b->serving = false;
	b->queued = false;
}

static void
bus_lost(struct rdbus *b, int r)
{
	if (!b->warned)
		log_warnx("D-Bus: lost the system bus (%s): %s is not served; "
			  "reconnecting every %d s",
		    r < 0 ? strerror(-r) : "closed", RDBUS_NAME,
		    RDBUS_RETRY_MS / 1000);
	b->warned = true;
	bus_drop(b);
	bus_retry_later(b);
}

static void
became_owner(struct rdbus *b)
{
	b->queued = false;
	if (b->serving)
		return;
	b->serving = true;
	log_info("D-Bus: serving %s on the system bus", RDBUS_NAME);
}

static int
on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct rdbus *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	uint32_t code = 0;

	(void)ret_error;
	b->name_req = sd_bus_slot_unref(b->name_req);
	/* sd-bus's "no reply" as the connection closes: bus_run() sees it */
	if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0)
		return 0;
	b->warned = false; /* an answer: the connection works */
	if (e != NULL || sd_bus_message_read(reply, "u", &code) <= 0) {
		if (!b->name_warned)
			log_warnx("D-Bus: may not own %s (%s): roostd needs "
				  "its D-Bus policy (roostd-resolve1.conf in "
				  "/usr/share/dbus-1/system.d) and to run as "
				  "the user it names; asking again every %d s",
			    RDBUS_NAME,
			    e != NULL && e->message != NULL ? e->message
							    : "a bad answer",
			    RDBUS_RETRY_MS / 1000);
		b->name_warned = true;
		bus_retry_later(b);
		return 0;
	}
	b->name_warned = false;
	switch (code) {
	case NAME_PRIMARY_OWNER:
	case NAME_ALREADY_OWNER:
		became_owner(b);
		break;
	case NAME_IN_QUEUE:
		b->queued = true;
		log_warnx("D-Bus: %s belongs to another program (is "
			  "systemd-resolved running?): roostd waits in line "
			  "and takes it over when that one lets go; until "
			  "then per-link DNS goes there, not to roostd",
		    RDBUS_NAME);
		break;
	default: /* NAME_EXISTS: cannot be, we asked to queue */
		log_warnx("D-Bus: %s is taken: asking again every %d s",
		    RDBUS_NAME, RDBUS_RETRY_MS / 1000);
		bus_retry_later(b);
		break;
	}
	return 0;
}

/* NameAcquired and NameLost, which the bus driver sends us alone. */
static int
on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct rdbus *b = userdata;
	const char *sender = sd_bus_message_get_sender(m), *name;
	bool acquired;

	(void)ret_error;
	if (sender == NULL || strcmp(sender, "org.freedesktop.DBus") != 0)
		return 0;
	acquired =
	    sd_bus_message_is_signal(m, "org.freedesktop.DBus", "NameAcquired");
	if (!acquired &&
	    !sd_bus_message_is_signal(m, "org.freedesktop.DBus", "NameLost"))
		return 0;
	if (sd_bus_message_read(m, "s", &name) <= 0 ||
	    strcmp(name, RDBUS_NAME) != 0)
		return 0;
	if (acquired) {
		became_owner(b);
	} else if (b->serving) {
		b->serving = false;
		log_warnx("D-Bus: lost %s: asking for it again in %d s",
		    RDBUS_NAME, RDBUS_RETRY_MS / 1000);
		bus_retry_later(b);
	}
	return 0;
}

static int
request_name(struct rdbus *b)
{
	int r = sd_bus_request_name_async(b->bus, &b->name_req, RDBUS_NAME,
	    SD_BUS_NAME_QUEUE, on_name_reply, b);

	if (r < 0)
		log_warnx("D-Bus: cannot ask for %s: %s", RDBUS_NAME,
		    strerror(-r));
	loop_before_wait(b->loop, &b->rearm);
	return r;
}

static unsigned
loop_events(int poll_events)
{
	return (poll_events & POLLIN ? LOOP_READ : 0) |
	    (poll_events & POLLOUT ? LOOP_WRITE : 0);
}

/* Runs sd-bus until it has nothing to do (or RDBUS_PER_WAKEUP passes). */
static void
bus_run(struct rdbus *b)
{
	int r = 0;

	for (int i = 0; i < RDBUS_PER_WAKEUP; i++)
		if ((r = sd_bus_process(b->bus, NULL)) <= 0)
			break;
	if (r < 0 || sd_bus_is_open(b->bus) <= 0) {
		bus_lost(b, r);
		return;
	}
	loop_before_wait(b->loop, &b->rearm);
}

static void
on_bus_fd(void *arg, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	bus_run(arg);
}

static void
on_bus_timer(void *arg)
{
	bus_run(arg);
}

/* Before the loop waits: what sd-bus waits for now. */
static void
on_rearm(void *arg)
{
	struct rdbus *b = arg;
	uint64_t until, now;
	int ev;

	if (b->bus == NULL)
		return;
	if ((ev = sd_bus_get_events(b->bus)) < 0) {
		bus_lost(b, ev);
		return;
	}
	if (loop_events(ev) != b->events &&
	    loop_fd_mod(b->loop, b->fd, loop_events(ev)) == 0)
		b->events = loop_events(ev);
	if (sd_bus_get_timeout(b->bus, &until) < 0 || until == UINT64_MAX) {
		loop_timer_cancel(b->loop, &b->bus_timer);
		return;
	}
	now = clock_mono_us();
	if (loop_timer_set(b->loop, &b->bus_timer,
		until <= now ? 0 : (until - now + 999) / 1000) != 0)
		log_warn("D-Bus: bus timer");
}

/* Opens the connection: 0, or a negative errno with nothing left. */
static int
bus_connect(struct rdbus *b)
{
	int r, ev;

	if ((r = sd_bus_open_system(&b->bus)) < 0) {
		b->bus = NULL;
		return r;
	}
	if ((r = sd_bus_add_object_vtable(b->bus, &b->object, RDBUS_PATH,
		 RDBUS_INTERFACE, manager_vtable, b)) < 0 ||
	    (r = sd_bus_add_filter(b->bus, &b->filter, on_message, b)) < 0 ||
	    (r = sd_bus_get_fd(b->bus)) < 0)
		goto fail;
	b->fd = r;
	if ((ev = sd_bus_get_events(b->bus)) < 0) {
		r = ev;
		b->fd = -1;
		goto fail;
	}
	if (loop_fd_add(b->loop, b->fd, loop_events(ev), on_bus_fd, b) != 0) {
		r = -errno;
		b->fd = -1;
		goto fail;
	}
	b->events = loop_events(ev);
	if ((r = request_name(b)) < 0)
		goto fail;
	return 0;
fail:
	bus_drop(b);
	return r;
}

static void
bus_try(struct rdbus *b)
{
	int r = bus_connect(b);

	if (r >= 0)
		return;
	if (!b->warned)
		log_warnx("D-Bus: cannot connect to the system bus (%s): %s is "
			  "not served; retrying every %d s",
		    strerror(-r), RDBUS_NAME, RDBUS_RETRY_MS / 1000);
	b->warned = true;
	bus_retry_later(b);
}

static void
bus_retry_later(struct rdbus *b)
{
	if (loop_timer_set(b->loop, &b->retry, RDBUS_RETRY_MS) != 0)
		log_warn("D-Bus: retry timer");
}

static void
on_retry(void *arg)
{
	struct rdbus *b = arg;

	if (b->bus == NULL)
		bus_try(b);
	else if (!b->serving && !b->queued && b->name_req == NULL)
		(void)request_name(b);
}

/* --- the handle ---------------------------------------------------------- */

struct rdbus *
rdbus_new(struct loop *l, const struct rdbus_ops *ops, char *err, size_t errlen)
{
	struct rdbus *b = calloc(1, sizeof(*b));
	const struct passwd *pw;
	char why[256];

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->loop = l;
	b->ops = *ops;
	b->fd = -1;
	TAILQ_INIT(&b->calls);
	loop_timer_init(&b->retry, on_retry, b);
	loop_timer_init(&b->bus_timer, on_bus_timer, b);
	loop_hook_init(&b->rearm, on_rearm, b);
	b->self_uid = (uint32_t)geteuid();
	if ((pw = getpwnam(NETWORKD_USER)) != NULL) {
		b->networkd_uid = (uint32_t)pw->pw_uid;
		b->have_networkd = true;
	}
	b->links =
	    rdbus_link_new(l, on_link_gone, on_links_lost, b, why, sizeof(why));
	if (b->links == NULL)
		log_warnx("D-Bus: cannot watch for removed links (%s): a "
			  "removed link's servers stay until RevertLink",
		    why);
	bus_try(b);
	return b;
}

void
rdbus_free(struct rdbus *b)
{
	if (b == NULL)
		return;
	loop_timer_cancel(b->loop, &b->retry);
	bus_drop(b);
	rdbus_link_free(b->links);
	free(b);
}

bool
rdbus_serving(const struct rdbus *b)
{
	return b->serving;
}
