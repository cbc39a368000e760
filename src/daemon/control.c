/*
 * src/daemon/control.c - roostd's control socket (see control.h).
 *
 * Invariants:
 * - A client is on the set's list while its fd is open; client_close()
 *   unlinks, unwatches, closes and frees it, and is the only place that
 *   does.  At most CONTROL_MAX_CLIENTS are open.
 * - A client watches for reading only in READ, for writing only in WORK
 *   and WRITE: one slice of work per loop pass, when its socket can take
 *   more (so a dump is paced by the reader, and a flush of a large cache
 *   takes many passes).
 * - Queued output never exceeds CONTROL_MAX_OUT: a dump slice is made
 *   only while less than CONTROL_OUT_LOW is queued.
 * - The idle timer runs while a client is open and is re-armed on
 *   progress (octets read or written, a slice done); a MONITOR client
 *   has none, and watches for reading (its peer's close) throughout.
 * - nmonitors is the number of clients in MONITOR, and ops.monitors was
 *   last told it.
 *
 * Client states:
 *
 * state   event                    action                     next
 * READ    octets, no LF yet        append; too long: error    READ / WRITE
 * READ    LF                       check peer, parse, answer  WRITE / WORK
 * READ    EOF, error               close                      -
 * WORK    writable                 write; below LOW: a slice  WORK / WRITE
 * WRITE   writable                 write; all written: close  WRITE / -
 * MONITOR a line queued            queue (or drop), watch W   MONITOR
 * MONITOR writable                 write; all written: R only MONITOR
 * MONITOR readable: EOF, error     close                      -
 * any     idle timer (not MONITOR) close                      -
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "control_proto.h"
#include "log.h"
#include "stats.h"
#include "validate.h"
#include "wire.h"

/* The reply's fixed lines. */
#define OK_LINE CONTROL_PROTO_OK "\n"
#define END_LINE CONTROL_PROTO_END "\n"

/* Supplementary groups of a peer we look at (SO_PEERGROUPS). */
#define CONTROL_MAX_PEER_GROUPS 256

enum client_state {
	CLIENT_READ,
	CLIENT_WORK,
	CLIENT_WRITE,
	CLIENT_MONITOR,
};

struct client {
	struct control *ctl;
	LIST_ENTRY(client) link; /* on ctl->clients */
	int fd;
	enum client_state state;
	struct loop_timer idle;
	uid_t uid; /* the peer, for logs */
	char in[CONTROL_MAX_REQUEST];
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	struct control_request req; /* the job of WORK */
	size_t cursor;
	size_t removed;
	bool failed;    /* out of memory while queueing: close */
	bool writing;   /* MONITOR: watching for writing too */
	size_t dropped; /* MONITOR: lines lost since the last told */
};

struct control {
	struct loop *loop;
	struct query_ctx *qc;
	struct control_ops ops;
	int fd;
	char path[CONFIG_CONTROL_PATH_MAX];
	gid_t gid; /* the socket's group */
	LIST_HEAD(, client) clients;
	unsigned nclients;
	unsigned nmonitors;
	struct loop_timer accept_pause;
	struct log_ratelimit rl_accept;
	char stats[65536]; /* one stats reply is built at a time */
};

/* --- requests ----------------------------------------------------------- */

/* words[2..n) of "upstream set SOURCE FIELD=VALUE..." into r. */
static int
parse_upstream_set(char **words, size_t n, struct control_request *r, char *err,
    size_t errlen)
{
	static const char *const known[] = {
		CONTROL_PROTO_FIELD_SERVERS,
		CONTROL_PROTO_FIELD_DOMAINS,
		CONTROL_PROTO_FIELD_DEFAULT_ROUTE,
		CONTROL_PROTO_FIELD_DNS_OVER_TLS,
	};

	if (n < 4) {
		snprintf(err, errlen,
		    "usage: " CONTROL_PROTO_UPSTREAM
		    " " CONTROL_PROTO_UPSTREAM_SET
		    " SOURCE " CONTROL_PROTO_FIELD_SERVERS
		    "... " CONTROL_PROTO_FIELD_DOMAINS
		    "... " CONTROL_PROTO_FIELD_DEFAULT_ROUTE "...");
		return -1;
	}
	r->verb = CONTROL_UPSTREAM_SET;
	r->source = words[2];
	for (size_t i = 3; i < n; i++) {
		size_t k = 0;

		while (k < sizeof(known) / sizeof(known[0]) &&
		    strncmp(words[i], known[k], strlen(known[k])) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0])) {
			snprintf(err, errlen,
			    "unknown field \"%.100s\" "
			    "(" CONTROL_PROTO_FIELD_SERVERS
			    ", " CONTROL_PROTO_FIELD_DOMAINS
			    ", " CONTROL_PROTO_FIELD_DEFAULT_ROUTE
			    ", " CONTROL_PROTO_FIELD_DNS_OVER_TLS ")",
			    words[i]);
			return -1;
		}
		r->field[r->nfield++] = words[i];
	}
	return 0;
}

/* A name word into r->name, lower case. */
static int
parse_name(const char *word, struct control_request *r, char *err,
    size_t errlen)
{
	if (wire_name_from_text(word, r->name, &r->name_len) != WIRE_OK) {
		snprintf(err, errlen, "bad name \"%.300s\"", word);
		return -1;
	}
	wire_name_lower(r->name, r->name_len);
	return 0;
}

/* The verbs of words[0..n), n >= 1. */
static int
parse_words(char **words, size_t n, struct control_request *r, char *err,
    size_t errlen)
{
	const char *w = words[0];

	if (n == 1 && strcmp(w, CONTROL_PROTO_STATS) == 0)
		r->verb = CONTROL_STATS;
	else if (n == 1 && strcmp(w, CONTROL_PROTO_DUMP) == 0)
		r->verb = CONTROL_DUMP;
	else if (n == 1 && strcmp(w, CONTROL_PROTO_RELOAD) == 0)
		r->verb = CONTROL_RELOAD;
	else if (n == 1 && strcmp(w, CONTROL_PROTO_FLUSH) == 0)
		r->verb = CONTROL_FLUSH;
	else if (n == 1 && strcmp(w, CONTROL_PROTO_UPSTREAM) == 0)
		r->verb = CONTROL_UPSTREAM;
	else if (n == 1 && strcmp(w, CONTROL_PROTO_MONITOR) == 0)
		r->verb = CONTROL_MONITOR;
	else if (n >= 2 && strcmp(w, CONTROL_PROTO_UPSTREAM) == 0 &&
	    strcmp(words[1], CONTROL_PROTO_UPSTREAM_SET) == 0)
		return parse_upstream_set(words, n, r, err, errlen);
	else if (n == 3 && strcmp(w, CONTROL_PROTO_UPSTREAM) == 0 &&
	    strcmp(words[1], CONTROL_PROTO_UPSTREAM_REVERT) == 0) {
		r->verb = CONTROL_UPSTREAM_REVERT;
		r->source = words[2];
	} else if (n == 2 && strcmp(w, CONTROL_PROTO_ROUTE) == 0) {
		r->verb = CONTROL_ROUTE;
		return parse_name(words[1], r, err, errlen);
	} else if (n == 3 && strcmp(w, CONTROL_PROTO_FLUSH) == 0 &&
	    (strcmp(words[1], CONTROL_PROTO_FLUSH_NAME) == 0 ||
		strcmp(words[1], CONTROL_PROTO_FLUSH_ZONE) == 0)) {
		r->verb = strcmp(words[1], CONTROL_PROTO_FLUSH_NAME) == 0
		    ? CONTROL_FLUSH_NAME
		    : CONTROL_FLUSH_ZONE;
		return parse_name(words[2], r, err, errlen);
	} else {
		snprintf(err, errlen,
		    "unknown request \"%.100s\" (" CONTROL_PROTO_STATS
		    ", " CONTROL_PROTO_FLUSH " [" CONTROL_PROTO_FLUSH_NAME
		    "|" CONTROL_PROTO_FLUSH_ZONE " NAME], " CONTROL_PROTO_DUMP
		    ", " CONTROL_PROTO_RELOAD ", " CONTROL_PROTO_UPSTREAM
		    " [" CONTROL_PROTO_UPSTREAM_SET
		    " SOURCE FIELD=VALUE...|" CONTROL_PROTO_UPSTREAM_REVERT
		    " SOURCE], " CONTROL_PROTO_ROUTE
		    " NAME, " CONTROL_PROTO_MONITOR ")",
		    w);
		return -1;
	}
	return 0;
}

int
control_parse_request(const char *line, struct control_request *r, char *err,
    size_t errlen)
{
	char *buf = r->text;
	char *words[CONTROL_MAX_WORDS], *save = NULL, *w;
	size_t n = 0, len = strlen(line);

	memset(r, 0, sizeof(*r));
	if (len >= sizeof(r->text)) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	memcpy(buf, line, len + 1);
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t') {
			snprintf(err, errlen, "control character in request");
			return -1;
		}
	for (w = strtok_r(buf, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		if (n == CONTROL_MAX_WORDS) {
			snprintf(err, errlen, "too many words in request");
			return -1;
		}
		words[n++] = w;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return parse_words(words, n, r, err, errlen);
}

/* --- clients ------------------------------------------------------------- */

static void client_ready(void *arg, int fd, unsigned events);

static void
client_close(struct client *cl)
{
	struct control *ctl = cl->ctl;
	char scratch[4096];

	/* input left unread (past a request too long, or after its line)
	 * would make the close a reset that can eat our reply: drop it
	 * first, within bounds */
	for (int i = 0; i < 16; i++)
		if (recv(cl->fd, scratch, sizeof(scratch), MSG_DONTWAIT) <= 0)
			break;
	loop_timer_cancel(ctl->loop, &cl->idle);
	loop_fd_del(ctl->loop, cl->fd);
	close(cl->fd);
	LIST_REMOVE(cl, link);
	ctl->nclients--;
	if (cl->state == CLIENT_MONITOR) {
		log_info("control: uid %u: monitor ended", (unsigned)cl->uid);
		ctl->nmonitors--;
		if (ctl->ops.monitors != NULL)
			ctl->ops.monitors(ctl->ops.arg, ctl->nmonitors);
	}
	free(cl->out);
	free(cl);
}

static void
client_idle(void *arg)
{
	struct client *cl = arg;

	log_debug("control: uid %u: idle for %u ms, closing", (unsigned)cl->uid,
	    CONTROL_IDLE_MS);
	client_close(cl);
}

static void
client_progress(struct client *cl)
{
	if (cl->state != CLIENT_MONITOR) /* a monitor has no idle limit */
		(void)loop_timer_set(cl->ctl->loop, &cl->idle, CONTROL_IDLE_MS);
}

/* Queues text; on failure marks the client failed (closed later). */
static void
client_put(struct client *cl, const char *text, size_t len)
{
	if (cl->failed)
		return;
	if (cl->outlen + len > cl->outcap) {
		size_t cap = cl->outcap ? cl->outcap : 4096;
		char *grown;

		while (cap < cl->outlen + len)
			cap *= 2;
		if (cap > CONTROL_MAX_OUT ||
		    (grown = realloc(cl->out, cap)) == NULL) {
			cl->failed = true;
			return;
		}
		cl->out = grown;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, text, len);
	cl->outlen += len;
}

static void client_printf(struct client *cl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
client_printf(struct client *cl, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	client_put(cl, line,
	    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Moves cl to WRITE: what is queued goes out, then it is closed. */
static void
client_finish(struct client *cl)
{
	cl->state = CLIENT_WRITE;
	(void)loop_fd_mod(cl->ctl->loop, cl->fd, LOOP_WRITE);
}

static void
client_error(struct client *cl, const char *msg)
{
	client_printf(cl, CONTROL_PROTO_ERROR " %s\n" END_LINE, msg);
	client_finish(cl);
}

/*
 * Writes what is queued.  Returns 0 (all written or the socket is
 * full), -1 if the client is gone (closed by then).
 */
static int
client_write(struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff,
		    cl->outlen - cl->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			log_debug("control: uid %u: write: %s",
			    (unsigned)cl->uid, strerror(errno));
			client_close(cl);
			return -1;
		}
		cl->outoff += (size_t)n;
		client_progress(cl);
	}
	if (cl->outoff == cl->outlen)
		cl->outoff = cl->outlen = 0;
	else if (cl->outoff > cl->outcap / 2) {
		memmove(cl->out, cl->out + cl->outoff, cl->outlen - cl->outoff);
		cl->outlen -= cl->outoff;
		cl->outoff = 0;
	}
	return 0;
}

static void
dump_entry(void *arg, const struct cache_view *v)
{
	struct client *cl = arg;
	char name[WIRE_MAX_NAME * 4 + 1], flags[16];
	bool stale = v->age >= v->lifetime;

	(void)wire_name_to_text(v->name, v->name_len, name, sizeof(name));
	snprintf(flags, sizeof(flags), "%s%s%s%s%s", v->dnssec_ok ? "do" : "",
	    v->dnssec_ok && v->checking_disabled ? "," : "",
	    v->checking_disabled ? "cd" : "",
	    (v->dnssec_ok || v->checking_disabled) && stale ? "," : "",
	    stale ? "stale" : "");
	client_printf(cl, "%s %u %" PRIu32 " %u %zu %s %s\n", name,
	    (unsigned)v->qtype, stale ? 0 : v->lifetime - v->age, v->rcode,
	    v->size, flags[0] != '\0' ? flags : "-",
	    v->verdict != 0 && v->verdict <= VALIDATE_NVERDICTS
		? validate_verdict_str((enum validate_verdict)(v->verdict - 1))
		: "-");
}

/* One slice of a dump or flush.  Returns true once the job is done. */
static bool
client_slice(struct client *cl)
{
	struct control *ctl = cl->ctl;
	struct cache *c = query_cache(ctl->qc);
	struct cache_match m = { 0 };

	if (cl->req.verb == CONTROL_DUMP) {
		cl->cursor = cache_walk(c, cl->cursor, CONTROL_DUMP_BUCKETS,
		    (uint32_t)loop_now(ctl->loop), dump_entry, cl);
		return cl->cursor == 0;
	}
	if (cl->req.verb != CONTROL_FLUSH) {
		m.name = cl->req.name;
		m.name_len = cl->req.name_len;
		m.zone = cl->req.verb == CONTROL_FLUSH_ZONE;
	}
	cl->cursor = cache_flush_slice(c, cl->cursor, CONTROL_FLUSH_BUCKETS, &m,
	    &cl->removed);
	if (cl->cursor != 0)
		return false;
	log_info("control: uid %u: flush: %zu entries removed",
	    (unsigned)cl->uid, cl->removed);
	client_printf(cl, OK_LINE "removed %zu\n", cl->removed);
	return true;
}

static void
client_work(struct client *cl)
{
	if (client_write(cl) != 0)
		return;
	if (cl->outlen - cl->outoff >= CONTROL_OUT_LOW)
		return;
	if (client_slice(cl)) {
		client_put(cl, END_LINE, sizeof(END_LINE) - 1);
		client_finish(cl);
	}
	client_progress(cl);
	if (cl->failed) {
		log_warnx("control: uid %u: output over %u octets or out of "
			  "memory; closing",
		    (unsigned)cl->uid, CONTROL_MAX_OUT);
		client_close(cl);
		return;
	}
	(void)client_write(cl);
}

/* True if the peer may use the socket; *uid gets its uid. */
static bool
peer_allowed(const struct control *ctl, int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[CONTROL_MAX_PEER_GROUPS];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    len != sizeof(cred)) {
		*uid = (uid_t)-1;
		return false;
	}
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid() || cred.gid == ctl->gid)
		return true;
	/* the peer's supplementary groups as they were at connect(): no
	 * /proc (hidden under ProtectProc=) and no NSS lookup */
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false; /* ERANGE: more groups than we look at */
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == ctl->gid)
			return true;
	return false;
}

/* Appends the data lines of cl's upstream, route or set request. */
static void
text_lines(struct client *cl, char *buf, size_t len, size_t *n)
{
	const struct control_ops *o = &cl->ctl->ops;

	if (cl->req.verb == CONTROL_UPSTREAM)
		o->upstream_text(o->arg, buf, len, n);
	else if (cl->req.verb == CONTROL_ROUTE)
		o->route_text(o->arg, cl->req.name, cl->req.name_len, buf, len,
		    n);
	else
		o->source_text(o->arg, cl->req.source, buf, len, n);
}

/* Queues "ok", text_lines() and the end line, then finishes cl. */
static void
client_text_reply(struct client *cl)
{
	struct control *ctl = cl->ctl;
	char *buf = ctl->stats, *big = NULL;
	size_t n = 0;

	text_lines(cl, buf, sizeof(ctl->stats), &n);
	if (n >= sizeof(ctl->stats)) {
		size_t need = n + 1;

		if ((big = malloc(need)) == NULL) {
			client_error(cl, "out of memory");
			return;
		}
		n = 0;
		text_lines(cl, big, need, &n);
		n = n < need ? n : need - 1;
		buf = big;
	}
	client_put(cl, OK_LINE, sizeof(OK_LINE) - 1);
	client_put(cl, buf, n);
	client_put(cl, END_LINE, sizeof(END_LINE) - 1);
	free(big);
	client_finish(cl);
}

/* The upstream verbs: run-time sources and routes. */
static void
client_upstream(struct client *cl)
{
	const struct control_ops *o = &cl->ctl->ops;
	char err[1024];
	int r = 0;

	if (o->upstream_text == NULL) {
		client_error(cl, "not supported by this roostd");
		return;
	}
	if (cl->req.verb == CONTROL_UPSTREAM_SET)
		r = o->upstream_set(o->arg, cl->req.source, cl->req.field,
		    cl->req.nfield, err, sizeof(err));
	else if (cl->req.verb == CONTROL_UPSTREAM_REVERT)
		r = o->upstream_revert(o->arg, cl->req.source, err,
		    sizeof(err));
	if (r != 0) {
		log_info("control: uid %u: upstream %s %s refused: %s",
		    (unsigned)cl->uid,
		    cl->req.verb == CONTROL_UPSTREAM_SET
			? CONTROL_PROTO_UPSTREAM_SET
			: CONTROL_PROTO_UPSTREAM_REVERT,
		    cl->req.source, err);
		client_error(cl, err);
		return;
	}
	if (cl->req.verb == CONTROL_UPSTREAM_REVERT) {
		log_info("control: uid %u: upstream source %s reverted",
		    (unsigned)cl->uid, cl->req.source);
		client_put(cl, OK_LINE END_LINE, sizeof(OK_LINE END_LINE) - 1);
		client_finish(cl);
		return;
	}
	client_text_reply(cl);
	if (cl->req.verb == CONTROL_UPSTREAM_SET)
		log_info("control: uid %u: upstream set %s", (unsigned)cl->uid,
		    cl->req.source);
}

/* Makes cl a monitor: "ok", then the query log until it goes. */
static void
client_monitor(struct client *cl)
{
	struct control *ctl = cl->ctl;

	if (ctl->ops.monitors == NULL) {
		client_error(cl, "not supported by this roostd");
		return;
	}
	client_put(cl, OK_LINE, sizeof(OK_LINE) - 1);
	loop_timer_cancel(ctl->loop, &cl->idle);
	cl->state = CLIENT_MONITOR;
	cl->writing = true;
	(void)loop_fd_mod(ctl->loop, cl->fd, LOOP_READ | LOOP_WRITE);
	ctl->nmonitors++;
	log_info("control: uid %u: monitor started", (unsigned)cl->uid);
	ctl->ops.monitors(ctl->ops.arg, ctl->nmonitors);
}

/* A monitor's events: its peer's close, room to write. */
static void
client_monitor_ready(struct client *cl, unsigned events)
{
	char scratch[512];
	ssize_t n;

	if (events & (LOOP_READ | LOOP_ERROR)) {
		n = recv(cl->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			errno != EINTR)) {
			client_close(cl); /* the peer went */
			return;
		}
	}
	if (cl->failed) {
		client_close(cl);
		return;
	}
	if (client_write(cl) != 0)
		return;
	if (cl->outlen == 0 && cl->writing) {
		cl->writing = false;
		(void)loop_fd_mod(cl->ctl->loop, cl->fd, LOOP_READ);
	}
}

void
control_monitor_line(void *arg, const char *line, size_t len)
{
	struct control *ctl = arg;
	struct client *cl;

	LIST_FOREACH(cl, &ctl->clients, link) {
		if (cl->state != CLIENT_MONITOR || cl->failed)
			continue;
		if (cl->outlen - cl->outoff + len + 64 > CONTROL_MONITOR_OUT) {
			cl->dropped++;
			continue;
		}
		if (cl->dropped > 0) {
			client_printf(cl, "# %zu lines dropped\n", cl->dropped);
			cl->dropped = 0;
		}
		client_put(cl, line, len);
		client_put(cl, "\n", 1);
		if (!cl->writing) {
			cl->writing = true;
			(void)loop_fd_mod(ctl->loop, cl->fd,
			    LOOP_READ | LOOP_WRITE);
		}
	}
}

static void
client_request(struct client *cl, const char *line)
{
	struct control *ctl = cl->ctl;
	char err[1024], *stats = ctl->stats;
	struct stats_snapshot st;
	size_t n;

	if (control_parse_request(line, &cl->req, err, sizeof(err)) != 0) {
		log_debug("control: uid %u: %s", (unsigned)cl->uid, err);
		client_error(cl, err);
		return;
	}
	switch (cl->req.verb) {
	case CONTROL_STATS:
		stats_collect(ctl->qc, &st);
		n = stats_text(&st, stats, sizeof(ctl->stats));
		client_put(cl, OK_LINE, sizeof(OK_LINE) - 1);
		client_put(cl, stats,
		    n < sizeof(ctl->stats) ? n : sizeof(ctl->stats) - 1);
		client_put(cl, END_LINE, sizeof(END_LINE) - 1);
		client_finish(cl);
		return;
	case CONTROL_RELOAD:
		if (ctl->ops.reload(ctl->ops.arg, err, sizeof(err)) != 0) {
			client_error(cl, err);
			return;
		}
		client_put(cl, OK_LINE END_LINE, sizeof(OK_LINE END_LINE) - 1);
		client_finish(cl);
		return;
	case CONTROL_UPSTREAM:
	case CONTROL_UPSTREAM_SET:
	case CONTROL_UPSTREAM_REVERT:
	case CONTROL_ROUTE:
		client_upstream(cl);
		return;
	case CONTROL_MONITOR:
		client_monitor(cl);
		return;
	case CONTROL_DUMP:
		client_put(cl, OK_LINE, sizeof(OK_LINE) - 1);
		/* fall through */
	case CONTROL_FLUSH:
	case CONTROL_FLUSH_NAME:
	case CONTROL_FLUSH_ZONE:
		if (cl->req.verb == CONTROL_FLUSH) {
			log_info("control: uid %u: flush everything",
			    (unsigned)cl->uid);
		} else if (cl->req.verb != CONTROL_DUMP) {
			(void)wire_name_to_text(cl->req.name, cl->req.name_len,
			    err, sizeof(err));
			log_info("control: uid %u: flush %s %s",
			    (unsigned)cl->uid,
			    cl->req.verb == CONTROL_FLUSH_ZONE
				? CONTROL_PROTO_FLUSH_ZONE
				: CONTROL_PROTO_FLUSH_NAME,
			    err);
		}
		cl->state = CLIENT_WORK;
		cl->cursor = 0;
		cl->removed = 0;
		(void)loop_fd_mod(ctl->loop, cl->fd, LOOP_WRITE);
		return;
	}
}

static void
client_read(struct client *cl)
{
	char *lf;
	ssize_t n;
	uid_t uid;

	n = recv(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - 1 - cl->inlen, 0);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(cl); /* gone before asking */
		return;
	}
	cl->inlen += (size_t)n;
	cl->in[cl->inlen] = '\0';
	client_progress(cl);
	if ((lf = memchr(cl->in, '\n', cl->inlen)) == NULL) {
		if (memchr(cl->in, '\0', cl->inlen) != NULL)
			client_error(cl, "NUL in request");
		else if (cl->inlen == sizeof(cl->in) - 1)
			client_error(cl, "request too long");
		return;
	}
	*lf = '\0';
	/* a monitor's close is seen by reading */
	if (strcmp(cl->in, CONTROL_PROTO_MONITOR) != 0 &&
	    strcmp(cl->in, CONTROL_PROTO_MONITOR "\r") != 0)
		(void)shutdown(cl->fd, SHUT_RD);
	/* checked when the request is complete: the credentials are
	 * those of connect() in any case */
	if (!peer_allowed(cl->ctl, cl->fd, &uid)) {
		cl->uid = uid;
		log_warnx("control: refused uid %u: not root, roostd's user "
			  "or in group %u",
		    (unsigned)uid, (unsigned)cl->ctl->gid);
		client_printf(cl,
		    "error permission denied: uid %u is not root, roostd's "
		    "user or in group %u\n.\n",
		    (unsigned)uid, (unsigned)cl->ctl->gid);
		client_finish(cl);
		return;
	}
	cl->uid = uid;
	if (strlen(cl->in) != (size_t)(lf - cl->in)) {
		client_error(cl, "NUL in request");
		return;
	}
	client_request(cl, cl->in);
}

static void
client_ready(void *arg, int fd, unsigned events)
{
	struct client *cl = arg;

	(void)fd;
	switch (cl->state) {
	case CLIENT_READ:
		if (events & (LOOP_READ | LOOP_ERROR))
			client_read(cl);
		return;
	case CLIENT_WORK:
		client_work(cl);
		return;
	case CLIENT_WRITE:
		if (cl->failed) {
			client_close(cl);
			return;
		}
		if (client_write(cl) == 0 && cl->outlen == 0)
			client_close(cl);
		return;
	case CLIENT_MONITOR:
		client_monitor_ready(cl, events);
		return;
	}
}

/* --- the listening socket ------------------------------------------------ */

static void
accept_resume(void *arg)
{
	struct control *ctl = arg;

	(void)loop_fd_mod(ctl->loop, ctl->fd, LOOP_READ);
}

static void
control_accept(void *arg, int fd, unsigned events)
{
	static const char busy[] =
	    CONTROL_PROTO_ERROR " too many control clients\n" END_LINE;
	struct control *ctl = arg;
	struct client *cl;
	unsigned suppressed;
	int cfd;

	(void)events;
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (log_ratelimit_ok(&ctl->rl_accept,
				loop_now_ms(ctl->loop), &suppressed))
				log_warn("control: accept (%u suppressed)",
				    suppressed);
			/* out of fds or memory: pause rather than spin */
			(void)loop_fd_mod(ctl->loop, fd, 0);
			(void)loop_timer_set(ctl->loop, &ctl->accept_pause,
			    CONTROL_ACCEPT_PAUSE_MS);
			return;
		}
		if (ctl->nclients >= CONTROL_MAX_CLIENTS ||
		    (cl = calloc(1, sizeof(*cl))) == NULL) {
			/* a fresh socket's buffer takes this at once */
			(void)send(cfd, busy, sizeof(busy) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cfd);
			continue;
		}
		cl->ctl = ctl;
		cl->fd = cfd;
		cl->uid = (uid_t)-1;
		cl->state = CLIENT_READ;
		loop_timer_init(&cl->idle, client_idle, cl);
		if (loop_fd_add(ctl->loop, cfd, LOOP_READ, client_ready, cl) !=
		    0) {
			close(cfd);
			free(cl);
			continue;
		}
		LIST_INSERT_HEAD(&ctl->clients, cl, link);
		ctl->nclients++;
		client_progress(cl);
	}
}

/*
 * Makes room at path: a socket nobody answers on is removed; a live
 * one, or anything else, is an error.  Returns 0, or -1 with err.
 */
static int
clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd, r;

	if (lstat(path, &sb) != 0)
		return 0; /* nothing there (or bind() will say why) */
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0 || errno == EAGAIN) {
		snprintf(err, errlen,
		    "%s: another roostd answers there (stop it, or set "
		    "control-socket)",
		    path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Creates, binds and listens.  Returns the fd, or -1 with err. */
static int
open_socket(const char *path, bool chown_to, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (clear_stale(path, err, errlen) != 0)
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* the socket file is born 0660: no moment with a wider mode
	 * (we are one thread at start-up, so the umask is ours) */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old);
	if (r != 0) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(e),
		    e == ENOENT ? " (its directory is missing)" : "");
		close(fd);
		return -1;
	}
	if ((chown_to && chown(path, uid, gid) != 0) ||
	    listen(fd, CONTROL_MAX_CLIENTS) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

int
control_new(struct loop *l, const struct config *c, struct query_ctx *qc,
    const struct control_ops *ops, bool chown_to, uid_t uid, gid_t gid,
    struct control **out, char *err, size_t errlen)
{
	struct control *ctl;
	char why[512];
	int fd;

	*out = NULL;
	if (c->control_socket[0] == '\0')
		return 0;
	fd = open_socket(c->control_socket, chown_to, uid, gid, why,
	    sizeof(why));
	if (fd < 0) {
		if (c->control_socket_set) {
			snprintf(err, errlen, "control socket %s", why);
			return -1;
		}
		log_warnx("control socket %s; running without one: roost "
			  "stats, flush, dump and reload will not reach "
			  "roostd (set control-socket, or none)",
		    why);
		return 0;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		(void)unlink(c->control_socket);
		close(fd);
		return -1;
	}
	ctl->loop = l;
	LIST_INIT(&ctl->clients);
	ctl->qc = qc;
	ctl->ops = *ops;
	ctl->fd = fd;
	ctl->gid = chown_to ? gid : getegid();
	snprintf(ctl->path, sizeof(ctl->path), "%s", c->control_socket);
	loop_timer_init(&ctl->accept_pause, accept_resume, ctl);
	if (loop_fd_add(l, fd, LOOP_READ, control_accept, ctl) != 0) {
		snprintf(err, errlen, "control socket %s: %s", ctl->path,
		    strerror(errno));
		(void)unlink(ctl->path);
		close(fd);
		free(ctl);
		return -1;
	}
	log_info("control socket %s (mode 0660, group %u)", ctl->path,
	    (unsigned)ctl->gid);
	*out = ctl;
	return 0;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (!LIST_EMPTY(&ctl->clients)) {
		struct client *cl = LIST_FIRST(&ctl->clients);

		/* a monitor is told, if it has room: "." */
		if (cl->state == CLIENT_MONITOR) {
			if (client_write(cl) != 0)
				continue; /* closed */
			if (cl->outlen == 0)
				(void)send(cl->fd, END_LINE,
				    sizeof(END_LINE) - 1,
				    MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		client_close(cl);
	}
	loop_timer_cancel(ctl->loop, &ctl->accept_pause);
	loop_fd_del(ctl->loop, ctl->fd);
	close(ctl->fd);
	/* after dropping privileges the directory may not be ours: a
	 * leftover is found stale and replaced at the next start */
	if (unlink(ctl->path) != 0 && errno != ENOENT)
		log_debug("control socket %s: cannot remove: %s", ctl->path,
		    strerror(errno));
	free(ctl);
}
