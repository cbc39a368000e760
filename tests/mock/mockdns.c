/*
 * tests/mock/mockdns.c - the DNS server roost's integration tests control.
 *
 * One thread, one poll(2) loop over nonblocking close-on-exec sockets: UDP
 * and TCP (RFC 7766: pipelined queries, partial reads and writes) on every
 * --listen address.  Answers come from zone files (mock_zone.c), on-demand
 * misbehaviour from rules (mock_rules.c), query counters from
 * mock_counts.c.  Usage and the rule syntax: mockdns --help, and
 * tests/mock/README.md.
 *
 * Invariants:
 * - Each TCP connection is in s->conns[] and nowhere else; a delayed reply
 *   for it (struct pending) is dropped when the connection is freed.
 * - Signal handlers only set flags and poke the self-pipe.  The flags are
 *   acted on before each query is handled, so a signal sent before a
 *   query was sent has taken effect by the time that query is answered.
 * - A reload builds new zone data and rules and swaps them in only if both
 *   loaded; a failed reload keeps the old ones.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "mock_addr.h"
#include "mock_cookie.h"
#include "mock_counts.h"
#include "mock_rules.h"
#include "mock_zone.h"

/* Exit statuses, documented in --help. */
enum {
	MOCK_EXIT_OK = 0,    /* SIGTERM or SIGINT, or --help */
	MOCK_EXIT_FAIL = 1,  /* failure while running (poll, memory) */
	MOCK_EXIT_USAGE = 2, /* bad command line */
	MOCK_EXIT_DATA = 3,  /* bad zone or rules file at startup */
	MOCK_EXIT_OS = 4     /* socket, bind, pidfile or ready-fd failed */
};

/* Most --listen addresses (each gets a UDP and a TCP socket). */
#define MOCK_MAX_LISTEN 32
/* Most open TCP connections.  Overflow: a new one is accepted and closed
 * at once, so its client sees EOF instead of hanging. */
#define MOCK_MAX_TCP 64
/* Most reply bytes queued on one TCP connection.  Overflow: the
 * connection is closed (its client is not reading). */
#define MOCK_TCP_MAX_OUT (256 * 1024)
/* A TCP connection with no traffic and nothing owed is closed after this. */
#define MOCK_TCP_IDLE_MS 30000
/* After a "close" action's FIN, input is discarded for at most this long
 * before the socket is closed (closing with unread input sends RST). */
#define MOCK_TCP_LINGER_MS 1000
/* Most delayed replies waiting.  Overflow: the new reply is dropped. */
#define MOCK_MAX_PENDING 4096
/* Datagrams read from one UDP socket per loop pass, for fairness. */
#define MOCK_UDP_PER_WAKEUP 64
/* Reads from one TCP connection per loop pass, for fairness. */
#define MOCK_TCP_READS_PER_WAKEUP 16
/* Default EDNS UDP size we advertise. */
#define MOCK_EDE_TEXT "mockdns rule" /* ede=N's EXTRA-TEXT */
/* The secret of our server cookies: new at every load of the data. */
#define COOKIE_SECRET(s) (0x6d6f636b646e7321ull * ((s)->generation + 1))
#define MOCK_EDNS_SIZE 1232
/* Largest DNS message; TCP input buffers hold one with its prefix. */
#define MOCK_MSG_MAX 65535
/* Longest poll timeout: idle and linger limits are checked this often. */
#define MOCK_TICK_MS 1000

/* The question name a "wrong-question" reply carries. */
#define MOCK_WRONG_QNAME "wrong-question.mockdns."

struct options {
	const char *listen[MOCK_MAX_LISTEN];
	size_t nlisten;
	char **zones; /* argv strings, argc slots */
	size_t nzones;
	const char **rules; /* --rule lines, argc slots */
	size_t nrules;
	const char *rules_file;
	const char *pidfile;
	const char *counts_file;
	int ready_fd; /* -1: none */
	enum mock_mode mode;
	uint16_t edns_size;
	int cookies;      /* --cookies: answer DNS cookies (RFC 7873) */
	const char *nsid; /* --nsid: NSID to answer (RFC 5001); NULL: none */
};

struct listener {
	int fd;
	int tcp;
	char name[MOCK_ADDR_STRLEN];
};

/*
 * TCP connection states:
 *
 *	OPEN	read queries, write replies
 *	EOF	the client sent FIN: no more queries; closed once every reply,
 *		delayed ones included, is written
 *	CLOSING	a "close" action: input is discarded; once the partial reply
 *		is written we send FIN and go to LINGER
 *	LINGER	FIN sent: input discarded until the client's FIN or
 *		MOCK_TCP_LINGER_MS, then closed
 *	DEAD	an error, or done: freed after this loop pass
 */
enum conn_state { CONN_OPEN, CONN_EOF, CONN_CLOSING, CONN_LINGER, CONN_DEAD };

struct conn {
	int fd;
	enum conn_state state;
	char peer[MOCK_ADDR_STRLEN];
	uint8_t in[2 + MOCK_MSG_MAX];
	size_t inlen;
	uint8_t *out;
	size_t outoff, outlen, outcap;
	size_t npending;  /* delayed replies owed to it */
	uint64_t last_ms; /* last traffic, or when LINGER began */
};

/* A reply waiting for its delay; owns buf. */
struct pending {
	struct pending *next;
	uint64_t due_ms;
	int udp_fd; /* UDP: the socket to answer from */
	struct sockaddr_storage to;
	socklen_t tolen;
	struct conn *conn; /* TCP: the connection, else NULL */
	int close_mid;
	uint8_t *buf;
	size_t len;
};

/* Where a query came from, and so where its reply goes. */
struct from {
	int udp_fd;
	const struct sockaddr *sa;
	socklen_t salen;
	struct conn *conn; /* TCP only */
	const char *peer;
};

struct server {
	const struct options *opt;
	struct listener ls[2 * MOCK_MAX_LISTEN];
	size_t nls;
	struct conn *conns[MOCK_MAX_TCP];
	size_t nconns;
	struct pending *pending; /* sorted by due_ms, oldest first */
	size_t npending;
	struct mock_data *data;
	struct mock_rules *rules;
	struct mock_counts *counts;
	unsigned long generation; /* successful loads */
	unsigned long reload_errors;
	unsigned long flap_count; /* queries a "flap" rule has seen */
	int wake[2];              /* self-pipe for signal handlers */
	uint8_t udpbuf[MOCK_MSG_MAX];
};

static int verbose;
static volatile sig_atomic_t got_term, got_hup, got_usr1, got_usr2;
static volatile sig_atomic_t wake_fd = -1;

static const char usage_text[] =
    "usage: mockdns --listen ADDR#PORT [--listen ...] [--zone FILE ...]\n"
    "               [--auth] [--rule RULE ...] [--rules FILE]\n"
    "               [--pidfile FILE] [--ready-fd N] [--counts FILE]\n"
    "               [--edns-size N] [--cookies] [--nsid TEXT] [-v]\n";

static const char help_text[] =
    "mockdns - a DNS server for roost's tests (loopback addresses only)\n"
    "\n"
    "  -l, --listen ADDR#PORT  UDP and TCP on this address; also\n"
    "                          [ADDR]:PORT; repeatable; IPv6 is V6ONLY\n"
    "  -z, --zone FILE         zone file in presentation format, with an\n"
    "                          SOA; $ORIGIN/$TTL work; repeatable\n"
    "  -a, --auth              authoritative: AA=1, RA=0, referrals (NS +\n"
    "                          glue, AA=0) below delegations in a zone.\n"
    "                          Default: upstream resolver, RA=1, AA=0\n"
    "  -r, --rule RULE         a misbehaviour rule (below); repeatable;\n"
    "                          checked before those of --rules\n"
    "  -R, --rules FILE        one rule per line, # comments\n"
    "  -p, --pidfile FILE      written (temp + rename) once every socket\n"
    "                          is bound; removed at exit\n"
    "      --ready-fd N        write \"ready ADDR#PORT...\\n\" to fd N once\n"
    "                          every socket is bound, then close it\n"
    "  -c, --counts FILE       where SIGUSR1 writes the query counts\n"
    "      --edns-size N       EDNS UDP size we advertise (default 1232)\n"
    "      --cookies           answer DNS cookies (RFC 7873; RFC 9018 layout)\n"
    "      --nsid TEXT         answer NSID queries with TEXT (RFC 5001)\n"
    "  -v, --verbose           log each query to stderr:\n"
    "                          query TRANSPORT CLIENT id=ID NAME TYPE ACTION "
    "RESULT\n"
    "  -h, --help              this text\n"
    "\n"
    "Rules: NAME TYPE ITEM...   the first matching rule applies\n"
    "  NAME  *  |  *.DOMAIN (names below it)  |  DOMAIN\n"
    "  TYPE  *  |  A, AAAA, TXT, TYPE65534...\n"
    "  ITEM  transport=udp|tcp  match only this transport\n"
    "        answer             answer normally (to exempt a name)\n"
    "        delay=MS           answer MS ms late (others still served)\n"
    "        tcp-delay=MS       over TCP, answer MS ms late\n"
    "        drop               send nothing\n"
    "        tc                 over UDP: TC=1, question only (TCP: full)\n"
    "        rcode=NAME|N       empty reply with this rcode (servfail,\n"
    "                           refused, notimp, formerr, nxdomain...)\n"
    "        garbage            the id, then bytes no parser accepts\n"
    "        truncate=N         only the first N bytes of the reply\n"
    "        wrong-id           the reply's id is the query's ^ 0xffff\n"
    "        wrong-question     the question name is " MOCK_WRONG_QNAME "\n"
    "        close              over TCP: length prefix and half the\n"
    "                           reply, then close the connection\n"
    "        wrong-case         the question name's letters swap case\n"
    "        other-port         over UDP: the reply leaves from another\n"
    "                           socket (same address, another port)\n"
    "        flap=N             drop N queries, answer N, drop N...\n"
    "        tcp-claim=N        over TCP: length prefix N, whatever the\n"
    "                           reply's length\n"
    "        trickle=MS         over TCP: the framed reply one byte every\n"
    "                           MS ms\n"
    "        tc-bit             TC=1 on the whole reply, also over TCP\n"
    "        ede=N              an EDE option, INFO-CODE N, text\n"
    "                           \"mockdns rule\"\n"
    "        badcookie          BADCOOKIE unless the query brings our cookie\n"
    "        wrong-cookie       the reply's client cookie is not the query's\n"
    "        no-cookie          no COOKIE option in the reply\n"
    "  e.g.  slow.example.test A delay=300\n"
    "        * * transport=udp tc\n"
    "\n"
    "Class CH, type TXT queries (not counted, no rules applied):\n"
    "  counts.mockdns.   one TXT per counter: \"NAME TYPE udp|tcp COUNT\"\n"
    "  reset.mockdns.    set every counter to zero\n"
    "  status.mockdns.   \"generation N\" (loads so far), "
    "\"reload-errors N\"\n"
    "Signals: SIGHUP reloads zones and rules (a failed reload keeps the\n"
    "old ones); SIGUSR1 writes the counts to --counts FILE; SIGUSR2\n"
    "resets them; SIGTERM and SIGINT exit 0.\n"
    "\n"
    "Exit status: 0 stopped by a signal (or --help), 1 failure while\n"
    "running, 2 bad command line, 3 bad zone or rules file, 4 socket,\n"
    "bind, pidfile or ready-fd failure.\n";

static void logx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "mockdns: MESSAGE" on stderr. */
static void
logx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mockdns: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	int saved = errno;
	ssize_t n;

	switch (sig) {
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	case SIGUSR2:
		got_usr2 = 1;
		break;
	default:
		got_term = 1;
		break;
	}
	if (wake_fd != -1)
		n = write(wake_fd, "", 1); /* full pipe: already awake */
	(void)n;
	errno = saved;
}

/* Load zones and rules and swap them in.  Returns 0, or -1 with err. */
static int
load(struct server *s, char *err, size_t errlen)
{
	const struct options *opt = s->opt;
	struct mock_data *d;
	struct mock_rules *r;
	size_t i;

	if ((d = mock_data_load(opt->zones, opt->nzones, err, errlen)) == NULL)
		return -1;
	if ((r = mock_rules_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < opt->nrules; i++)
		if (mock_rules_add(r, opt->rules[i], "--rule", err, errlen) ==
		    -1)
			goto fail;
	if (opt->rules_file != NULL &&
	    mock_rules_add_file(r, opt->rules_file, err, errlen) == -1)
		goto fail;
	mock_data_free(s->data);
	mock_rules_free(s->rules);
	s->data = d;
	s->rules = r;
	s->generation++;
	if (verbose)
		logx("loaded %zu zones (%zu records) and %zu rules, "
		     "generation %lu",
		    mock_data_zones(d), mock_data_records(d),
		    mock_rules_count(r), s->generation);
	return 0;
fail:
	mock_data_free(d);
	mock_rules_free(r);
	return -1;
}

/* Act on the signals that arrived since the last call. */
static void
service_signals(struct server *s)
{
	char err[1024];

	if (got_hup) {
		got_hup = 0;
		if (load(s, err, sizeof(err)) == -1) {
			s->reload_errors++;
			logx("reload failed, keeping the old data: %s", err);
		}
	}
	if (got_usr1) {
		got_usr1 = 0;
		if (s->opt->counts_file == NULL)
			logx("SIGUSR1: no --counts FILE to write to");
		else if (mock_counts_write(s->counts, s->opt->counts_file, err,
			     sizeof(err)) == -1)
			logx("%s", err);
	}
	if (got_usr2) {
		got_usr2 = 0;
		mock_counts_reset(s->counts);
	}
}

/* --- TCP connections ----------------------------------------------- */

static void
pending_drop_conn(struct server *s, const struct conn *c)
{
	struct pending **pp = &s->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->conn == c) {
			*pp = p->next;
			free(p->buf);
			free(p);
			s->npending--;
		} else
			pp = &p->next;
	}
}

static void
conn_free(struct server *s, struct conn *c)
{
	pending_drop_conn(s, c);
	close(c->fd);
	free(c->out);
	free(c);
}

/* Decide what a connection whose output is flushed does next. */
static void
conn_settle(struct conn *c)
{
	if (c->outoff < c->outlen)
		return;
	if (c->state == CONN_EOF && c->npending == 0)
		c->state = CONN_DEAD;
	else if (c->state == CONN_CLOSING) {
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_LINGER;
		c->last_ms = now_ms();
	}
}

static void
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->state = CONN_DEAD;
			return;
		}
		c->outoff += (size_t)n;
		c->last_ms = now_ms();
	}
	c->outoff = c->outlen = 0;
	conn_settle(c);
}

/* conn_reply()'s close_mid: SEND_RAW queues buf as it is, no prefix (the
 * caller framed it, or it is one byte of a trickle). */
#define SEND_RAW 2

/*
 * Queue a framed reply on c and start writing it.  close_mid: queue the
 * prefix and only half of buf, then close; SEND_RAW: see above.  A connection that is past
 * taking replies, or whose queue would pass MOCK_TCP_MAX_OUT (then it is
 * closed), gets nothing.
 */
static void
conn_reply(struct conn *c, const uint8_t *buf, size_t len, int close_mid)
{
	size_t part = close_mid == 1 ? len / 2 : len, need;
	size_t prefix = close_mid == SEND_RAW ? 0 : 2;
	uint8_t *out;

	if (c->state != CONN_OPEN && c->state != CONN_EOF)
		return;
	need = c->outlen + prefix + part;
	if (need > MOCK_TCP_MAX_OUT) {
		logx("tcp %s: more than %d bytes unread, closing", c->peer,
		    MOCK_TCP_MAX_OUT);
		c->state = CONN_DEAD;
		return;
	}
	if (need > c->outcap) {
		if ((out = realloc(c->out, need)) == NULL) {
			c->state = CONN_DEAD;
			return;
		}
		c->out = out;
		c->outcap = need;
	}
	if (prefix > 0) {
		c->out[c->outlen] = (uint8_t)(len >> 8);
		c->out[c->outlen + 1] = (uint8_t)len;
	}
	memcpy(c->out + c->outlen + prefix, buf, part);
	c->outlen += prefix + part;
	if (close_mid == 1)
		c->state = CONN_CLOSING;
	conn_flush(c);
}

/* --- replies ---------------------------------------------------------- */

/* Send a reply now (UDP or TCP). */
static void
send_now(int udp_fd, const struct sockaddr *to, socklen_t tolen, struct conn *c,
    const uint8_t *buf, size_t len, int close_mid)
{
	char name[MOCK_ADDR_STRLEN];

	if (c != NULL) {
		conn_reply(c, buf, len, close_mid);
		return;
	}
	if (sendto(udp_fd, buf, len, 0, to, tolen) == -1 && verbose)
		logx("udp send to %s: %s",
		    mock_addr_str(to, name, sizeof(name)), strerror(errno));
}

/*
 * Send buf (owned, freed here) to from, now or after delay_ms; see
 * conn_reply for close_mid.
 */
static void
deliver(struct server *s, const struct from *from, uint8_t *buf, size_t len,
    int delay_ms, int close_mid)
{
	struct pending *p, **pp;

	if (delay_ms <= 0) {
		send_now(from->udp_fd, from->sa, from->salen, from->conn, buf,
		    len, close_mid);
		free(buf);
		return;
	}
	if (s->npending == MOCK_MAX_PENDING ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		logx("more than %d delayed replies, dropping one",
		    MOCK_MAX_PENDING);
		free(buf);
		return;
	}
	/* now_ms() truncates: one more ms, so that a reply never leaves
	 * before delay_ms have fully passed since it was received */
	p->due_ms = now_ms() + (uint64_t)delay_ms + 1;
	p->udp_fd = from->udp_fd;
	if (from->conn == NULL) {
		memcpy(&p->to, from->sa, from->salen);
		p->tolen = from->salen;
	} else
		from->conn->npending++;
	p->conn = from->conn;
	p->close_mid = close_mid;
	p->buf = buf;
	p->len = len;
	/* after every entry due no later: equal delays keep their order */
	for (pp = &s->pending; *pp != NULL && (*pp)->due_ms <= p->due_ms;
	     pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
	s->npending++;
}

/* Send every delayed reply that is due. */
static void
pending_fire(struct server *s)
{
	struct pending *p;
	uint64_t now = now_ms();

	while ((p = s->pending) != NULL && p->due_ms <= now) {
		s->pending = p->next;
		s->npending--;
		if (p->conn != NULL)
			p->conn->npending--;
		send_now(p->udp_fd, (struct sockaddr *)&p->to, p->tolen,
		    p->conn, p->buf, p->len, p->close_mid);
		if (p->conn != NULL)
			conn_settle(p->conn);
		free(p->buf);
		free(p);
	}
}

/*
 * Send a 12-byte reply, header only, to a query we cannot take further.
 * Returns the rcode's name for the log (caller frees), or NULL.
 */
static char *
reply_header_only(struct server *s, const struct from *from, const uint8_t *q,
    ldns_pkt_rcode rcode)
{
	uint8_t *buf;

	if ((buf = calloc(1, LDNS_HEADER_SIZE)) == NULL)
		return NULL;
	buf[0] = q[0];
	buf[1] = q[1];
	buf[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, opcode, RD */
	buf[3] = (uint8_t)rcode;
	deliver(s, from, buf, LDNS_HEADER_SIZE, 0, 0);
	return ldns_pkt_rcode2str(rcode);
}

/* A TXT record in class CH owned by a copy of owner, with strings. */
static ldns_rr *
txt_rr(const ldns_rdf *owner, const char *const *strs, size_t n)
{
	ldns_rr *rr;
	ldns_rdf *rd;
	uint8_t data[256];
	size_t i, len;

	if ((rr = ldns_rr_new()) == NULL)
		return NULL;
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_CH);
	ldns_rr_set_ttl(rr, 0);
	for (i = 0; i < n; i++) {
		len = strlen(strs[i]);
		if (len > 255)
			len = 255;
		data[0] = (uint8_t)len;
		memcpy(data + 1, strs[i], len);
		if ((rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, len + 1,
			 data)) == NULL ||
		    !ldns_rr_push_rdf(rr, rd)) {
			ldns_rdf_deep_free(rd);
			ldns_rr_free(rr);
			return NULL;
		}
	}
	return rr;
}

static int
push_txt(ldns_pkt *reply, const ldns_rdf *owner, const char *const *strs,
    size_t n)
{
	ldns_rr *rr = txt_rr(owner, strs, n);

	if (rr == NULL || !ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		return -1;
	}
	return 0;
}

/*
 * Fill reply for one of our CH TXT control names (lname, lower case).
 * Returns 1 if it was one, 0 if not, -1 if out of memory.
 */
static int
special_answer(struct server *s, const char *lname, const ldns_rdf *qname,
    ldns_pkt *reply)
{
	char line[LDNS_MAX_DOMAINLEN * 4 + 64], gen[64], errs[64];
	const char *strs[2] = { line, NULL };
	size_t i;

	ldns_pkt_set_aa(reply, true);
	if (strcmp(lname, "counts.mockdns.") == 0) {
		for (i = 0; i < mock_counts_size(s->counts); i++) {
			mock_counts_line(s->counts, i, line, sizeof(line));
			if (push_txt(reply, qname, strs, 1) == -1)
				return -1;
		}
		return 1;
	}
	if (strcmp(lname, "reset.mockdns.") == 0) {
		mock_counts_reset(s->counts);
		strs[0] = "reset";
		return push_txt(reply, qname, strs, 1) == -1 ? -1 : 1;
	}
	if (strcmp(lname, "status.mockdns.") == 0) {
		snprintf(gen, sizeof(gen), "generation %lu", s->generation);
		snprintf(errs, sizeof(errs), "reload-errors %lu",
		    s->reload_errors);
		strs[0] = gen;
		strs[1] = errs;
		return push_txt(reply, qname, strs, 2) == -1 ? -1 : 1;
	}
	return 0;
}

/* Replace reply's question name by MOCK_WRONG_QNAME.  Returns 0 or -1. */
static int
rename_question(ldns_pkt *reply)
{
	ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(reply), 0);
	ldns_rdf *old, *name;

	if ((name = ldns_dname_new_frm_str(MOCK_WRONG_QNAME)) == NULL)
		return -1;
	old = ldns_rr_owner(qrr);
	ldns_rr_set_owner(qrr, name);
	ldns_rdf_deep_free(old);
	return 0;
}

/* Set TC=1 and keep only the question (and OPT) of reply. */
static void
make_tc(ldns_pkt *reply)
{
	ldns_rr_list *lists[3];
	ldns_rr *rr;
	size_t i;

	lists[0] = ldns_pkt_answer(reply);
	lists[1] = ldns_pkt_authority(reply);
	lists[2] = ldns_pkt_additional(reply);
	for (i = 0; i < 3; i++)
		while ((rr = ldns_rr_list_pop_rr(lists[i])) != NULL)
			ldns_rr_free(rr);
	ldns_pkt_set_ancount(reply, 0);
	ldns_pkt_set_nscount(reply, 0);
	ldns_pkt_set_arcount(reply, 0);
	ldns_pkt_set_tc(reply, true);
}

/* The largest UDP reply the client q takes (RFC 6891 6.2.5). */
static size_t
udp_limit(const ldns_pkt *q)
{
	if (ldns_pkt_edns(q) && ldns_pkt_edns_udp_size(q) > 512)
		return ldns_pkt_edns_udp_size(q);
	return 512;
}

/* The bytes of a "garbage" reply: q's id, then a header claiming 65535
 * records of each kind, and a few bytes that are none of them. */
static uint8_t *
garbage_reply(const uint8_t *q, size_t *len)
{
	static const uint8_t junk[] = { 0x81, 0x80, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 'g', 'a', 'r', 'b', 'a', 'g', 'e' };
	uint8_t *buf;

	if ((buf = malloc(2 + sizeof(junk))) == NULL)
		return NULL;
	buf[0] = q[0];
	buf[1] = q[1];
	memcpy(buf + 2, junk, sizeof(junk));
	*len = 2 + sizeof(junk);
	return buf;
}

/* "wrong-case": swap the case of every letter of the question name
 * (uncompressed at offset 12, as ldns writes it). */
static void
flip_question_case(uint8_t *wire, size_t len)
{
	size_t i = LDNS_HEADER_SIZE;

	while (i < len && wire[i] != 0 && wire[i] < 64) {
		for (size_t j = i + 1; j <= i + wire[i] && j < len; j++)
			if ((wire[j] >= 'a' && wire[j] <= 'z') ||
			    (wire[j] >= 'A' && wire[j] <= 'Z'))
				wire[j] ^= 0x20;
		i += (size_t)wire[i] + 1;
	}
}

/* "other-port": send buf to from from a new socket on the address of the
 * socket the query came in on, with another (ephemeral) port. */
static void
send_other_port(const struct from *from, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	if (getsockname(from->udp_fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (bind(fd, (struct sockaddr *)&ss, sl) == 0 &&
	    sendto(fd, buf, len, 0, from->sa, from->salen) == -1 && verbose)
		logx("other-port send: %s", strerror(errno));
	close(fd);
}

/*
 * "tcp-claim", "trickle": the TCP reply framed here, with the length
 * prefix claim (or its true length if claim < 0), sent whole after
 * delay ms or one byte every trickle ms after it.  Takes wire.
 */
static void
deliver_tcp_odd(struct server *s, const struct from *from, uint8_t *wire,
    size_t wlen, int delay, int claim, int trickle)
{
	uint8_t *framed = malloc(2 + wlen), *one;
	size_t n = 2 + wlen;

	if (framed == NULL) {
		free(wire);
		return;
	}
	if (claim < 0)
		claim = (int)wlen;
	framed[0] = (uint8_t)(claim >> 8);
	framed[1] = (uint8_t)claim;
	memcpy(framed + 2, wire, wlen);
	free(wire);
	if (trickle == 0) {
		deliver(s, from, framed, n, delay, SEND_RAW);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((one = malloc(1)) == NULL)
			break;
		one[0] = framed[i];
		deliver(s, from, one, 1, delay + (int)(i + 1) * trickle,
		    SEND_RAW);
	}
	free(framed);
}

/*
 * Handle one query message and send (or schedule, or withhold) its reply.
 * Never fails: trouble ends in an rcode or a drop, logged with -v.  Every
 * path ends at done: (log, free); answer: turns reply into bytes and sends.
 */
static void
handle_query(struct server *s, const uint8_t *msg, size_t len,
    const struct from *from)
{
	const struct options *opt = s->opt;
	const struct mock_rule *rule = NULL;
	ldns_pkt *q = NULL, *reply = NULL;
	const ldns_rr *qrr;
	const ldns_rdf *qname;
	ldns_rr_type qtype;
	ldns_rdf *lname = NULL;
	char *name = NULL, *type = NULL, *rcode = NULL, *sent = NULL;
	const char *action = "answer", *tcnote = "";
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int special = 0, delay = 0, tcp = from->conn != NULL;
	struct mock_cookie cookie = { 0 };
	char cookietext[128] = "";

	service_signals(s);
	if (len < LDNS_HEADER_SIZE || (msg[2] & 0x80) != 0) {
		action = "not-a-query";
		goto done;
	}
	if (ldns_wire2pkt(&q, msg, len) != LDNS_STATUS_OK) {
		action = "unparsable";
		rcode = reply_header_only(s, from, msg, LDNS_RCODE_FORMERR);
		goto done;
	}
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY) {
		action = "opcode";
		rcode = reply_header_only(s, from, msg, LDNS_RCODE_NOTIMPL);
		goto done;
	}
	if (ldns_pkt_qdcount(q) != 1) {
		action = "qdcount";
		rcode = reply_header_only(s, from, msg, LDNS_RCODE_FORMERR);
		goto done;
	}
	mock_cookie_read(q, from->peer, COOKIE_SECRET(s), &cookie);
	mock_cookie_text(&cookie, cookietext, sizeof(cookietext));
	qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	qname = ldns_rr_owner(qrr);
	qtype = ldns_rr_get_type(qrr);
	if ((lname = ldns_rdf_clone(qname)) == NULL)
		goto done;
	ldns_dname2canonical(lname);
	name = ldns_rdf2str(lname);
	sent = ldns_rdf2str(qname);
	type = ldns_rr_type2str(qtype);
	if (name == NULL || type == NULL ||
	    (reply = mock_reply_new(q, opt->mode, opt->edns_size)) == NULL)
		goto done;

	if (ldns_rr_get_class(qrr) == LDNS_RR_CLASS_CH &&
	    qtype == LDNS_RR_TYPE_TXT &&
	    (special = special_answer(s, name, qname, reply)) != 0) {
		if (special == -1)
			goto done;
		action = "special";
		goto answer;
	}

	mock_counts_add(s->counts, name, (uint16_t)qtype, tcp);
	rule = mock_rules_match(s->rules, lname, qtype,
	    tcp ? MOCK_TRANSPORT_TCP : MOCK_TRANSPORT_UDP);
	if (rule != NULL)
		action = rule->text;
	if (rule != NULL && rule->drop)
		goto done;
	/* "flap=N": down for N queries, up for N, down... */
	if (rule != NULL && rule->flap > 0 &&
	    (s->flap_count++ / (unsigned long)rule->flap) % 2 == 0) {
		action = "flap-down";
		goto done;
	}

	if (ldns_pkt_edns(q) && ldns_pkt_edns_version(q) > 0) {
		/* RFC 6891 6.1.3: BADVERS (16) is extended rcode 1, rcode 0 */
		ldns_pkt_set_edns_extended_rcode(reply, 1);
		action = "badvers";
	} else if (rule != NULL && rule->badcookie && cookie.present &&
	    !cookie.valid) {
		/* RFC 7873 5.2.3: BADCOOKIE (23: 7, extended 1), with a
		 * server cookie to come back with */
		ldns_pkt_set_rcode(reply, 7);
		ldns_pkt_set_edns_extended_rcode(reply, 1);
		action = "badcookie";
	} else if (rule != NULL && rule->rcode >= 0)
		ldns_pkt_set_rcode(reply, (uint8_t)rule->rcode);
	else if (mock_answer(s->data, qname, qtype, reply, opt->mode) == -1)
		goto done;
	if (rule != NULL && rule->wrong_question &&
	    rename_question(reply) == -1)
		goto done;
	if (rule != NULL && rule->tc && !tcp)
		make_tc(reply);
	if (rule != NULL && rule->tc_bit)
		ldns_pkt_set_tc(reply, true);
	if (mock_reply_options(reply, rule != NULL ? rule->ede : -1,
		MOCK_EDE_TEXT, &cookie, from->peer, COOKIE_SECRET(s),
		!opt->cookies || (rule != NULL && rule->no_cookie)
		    ? MOCK_COOKIE_REPLY_NONE
		    : rule != NULL && rule->wrong_cookie
		    ? MOCK_COOKIE_REPLY_WRONG
		    : MOCK_COOKIE_REPLY_OK,
		opt->nsid) == -1)
		goto done;
answer:
	if (ldns_pkt2wire(&wire, reply, &wlen) != LDNS_STATUS_OK)
		goto done;
	if (!tcp && wlen > udp_limit(q) && !ldns_pkt_tc(reply)) {
		free(wire);
		wire = NULL;
		make_tc(reply);
		if (ldns_pkt2wire(&wire, reply, &wlen) != LDNS_STATUS_OK)
			goto done;
		tcnote = ",tc";
	}
	if (rule != NULL) {
		if (rule->garbage) {
			free(wire);
			if ((wire = garbage_reply(msg, &wlen)) == NULL)
				goto done;
		}
		if (rule->truncate >= 0 && (size_t)rule->truncate < wlen)
			wlen = (size_t)rule->truncate;
		if (rule->wrong_id && wlen >= 2) {
			wire[0] ^= 0xff;
			wire[1] ^= 0xff;
		}
		if (rule->wrong_case)
			flip_question_case(wire, wlen);
		delay = rule->delay_ms + (tcp ? rule->tcp_delay_ms : 0);
	}
	rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(reply));
	if (rule != NULL && tcp &&
	    (rule->tcp_claim >= 0 || rule->trickle_ms > 0)) {
		deliver_tcp_odd(s, from, wire, wlen, delay, rule->tcp_claim,
		    rule->trickle_ms);
		wire = NULL;
		goto done;
	}
	if (rule != NULL && !tcp && rule->other_port) {
		send_other_port(from, wire, wlen);
		goto done;
	}
	deliver(s, from, wire, wlen, delay,
	    tcp && rule != NULL && rule->close_mid);
	wire = NULL;
done:
	if (verbose)
		logx("query %s %s id=%u %s %s %s %s%s%s%s%s",
		    tcp ? "tcp" : "udp", from->peer,
		    len >= 2 ? (unsigned)(msg[0] << 8 | msg[1]) : 0,
		    name != NULL ? name : "-", type != NULL ? type : "-",
		    action, rcode != NULL ? rcode : "-", tcnote,
		    sent != NULL && name != NULL && strcmp(sent, name) != 0
			? " sent="
			: "",
		    sent != NULL && name != NULL && strcmp(sent, name) != 0
			? sent
			: "",
		    cookietext);
	free(sent);
	free(rcode);
	free(wire);
	free(name);
	free(type);
	ldns_rdf_deep_free(lname);
	ldns_pkt_free(reply);
	ldns_pkt_free(q);
}

/* --- sockets ------------------------------------------------------------ */

/* Read and answer what one UDP socket has, up to MOCK_UDP_PER_WAKEUP. */
static void
udp_read(struct server *s, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char peer[MOCK_ADDR_STRLEN];
	struct from from = { .udp_fd = l->fd,
		.sa = (struct sockaddr *)&ss,
		.peer = peer };
	ssize_t n;
	int i;

	for (i = 0; i < MOCK_UDP_PER_WAKEUP; i++) {
		sl = sizeof(ss);
		n = recvfrom(l->fd, s->udpbuf, sizeof(s->udpbuf), 0,
		    (struct sockaddr *)&ss, &sl);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				logx("udp %s: recv: %s", l->name,
				    strerror(errno));
			return;
		}
		from.salen = sl;
		mock_addr_str((struct sockaddr *)&ss, peer, sizeof(peer));
		handle_query(s, s->udpbuf, (size_t)n, &from);
	}
}

static void
tcp_accept(struct server *s, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	int fd;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				logx("tcp %s: accept: %s", l->name,
				    strerror(errno));
			return;
		}
		if (s->nconns == MOCK_MAX_TCP ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			logx("tcp %s: more than %d connections, closing a new "
			     "one",
			    l->name, MOCK_MAX_TCP);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CONN_OPEN;
		c->last_ms = now_ms();
		mock_addr_str((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		s->conns[s->nconns++] = c;
		if (verbose)
			logx("tcp %s: accepted", c->peer);
	}
}

/* Read from c and answer every complete message in its buffer. */
static void
conn_read(struct server *s, struct conn *c)
{
	struct from from = { .conn = c, .peer = c->peer };
	size_t off, mlen;
	ssize_t n;
	int i;

	for (i = 0; i < MOCK_TCP_READS_PER_WAKEUP; i++) {
		if (c->state == CONN_CLOSING || c->state == CONN_LINGER) {
			/* discard; only the client's FIN matters now */
			n = read(c->fd, c->in, sizeof(c->in));
			c->inlen = 0;
		} else
			n = read(c->fd, c->in + c->inlen,
			    sizeof(c->in) - c->inlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->state = CONN_DEAD;
			return;
		}
		if (n == 0) {
			if (c->state == CONN_LINGER)
				c->state = CONN_DEAD;
			else if (c->state == CONN_OPEN) {
				c->state = CONN_EOF;
				conn_settle(c);
			}
			return;
		}
		c->last_ms = now_ms();
		if (c->state != CONN_OPEN)
			continue;
		c->inlen += (size_t)n;
		off = 0;
		while (c->state == CONN_OPEN && c->inlen - off >= 2) {
			mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
			if (c->inlen - off - 2 < mlen)
				break;
			handle_query(s, c->in + off + 2, mlen, &from);
			off += 2 + mlen;
		}
		if (c->state == CONN_OPEN) {
			memmove(c->in, c->in + off, c->inlen - off);
			c->inlen -= off;
		} else
			c->inlen = 0;
	}
}

/* Close idle and lingering connections, free dead ones. */
static void
conns_reap(struct server *s)
{
	uint64_t now = now_ms();
	struct conn *c;
	size_t i = 0;

	while (i < s->nconns) {
		c = s->conns[i];
		if (c->state == CONN_LINGER &&
		    now - c->last_ms >= MOCK_TCP_LINGER_MS)
			c->state = CONN_DEAD;
		if (c->state == CONN_OPEN && c->npending == 0 &&
		    c->outlen == 0 && now - c->last_ms >= MOCK_TCP_IDLE_MS) {
			if (verbose)
				logx("tcp %s: idle, closing", c->peer);
			c->state = CONN_DEAD;
		}
		if (c->state != CONN_DEAD) {
			i++;
			continue;
		}
		if (verbose)
			logx("tcp %s: closed", c->peer);
		conn_free(s, c);
		s->conns[i] = s->conns[--s->nconns];
	}
}

/* Bind a UDP and a TCP socket to text.  Returns 0, or -1 with err. */
static int
listen_on(struct server *s, const char *text, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct listener *l;
	int tcp, fd, on = 1, saved;

	if (mock_addr_parse(text, &ss, &sl, err, errlen) == -1)
		return -1;
	for (tcp = 0; tcp <= 1; tcp++) {
		l = &s->ls[s->nls];
		mock_addr_str((struct sockaddr *)&ss, l->name, sizeof(l->name));
		fd = socket(ss.ss_family,
		    (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
			SOCK_CLOEXEC,
		    0);
		if (fd == -1)
			goto fail;
		if ((ss.ss_family == AF_INET6 &&
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on)) == -1) ||
		    (tcp &&
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on)) == -1) ||
		    bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
		    (tcp && listen(fd, 64) == -1)) {
			saved = errno;
			close(fd);
			errno = saved;
			goto fail;
		}
		l->fd = fd;
		l->tcp = tcp;
		s->nls++;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s %s: %s", tcp ? "tcp" : "udp", l->name,
	    strerror(errno));
	return -1;
}

static int
write_pidfile(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *fp;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s.tmp: %s", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (ferror(fp) | fclose(fp) || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Tell --ready-fd that every socket is bound, and close it. */
static int
signal_ready(const struct server *s, int fd, char *err, size_t errlen)
{
	char line[2 * MOCK_MAX_LISTEN * (MOCK_ADDR_STRLEN + 1) + 16];
	size_t i, len;
	ssize_t n;

	len = (size_t)snprintf(line, sizeof(line), "ready");
	for (i = 0; i < s->nls; i += 2) /* UDP and TCP share the address */
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s",
		    s->ls[i].name);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "\n");
	do
		n = write(fd, line, len);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n != (ssize_t)len) {
		snprintf(err, errlen, "--ready-fd %d: %s", fd,
		    n == -1 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

static int
setup_signals(struct server *s, char *err, size_t errlen)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT };
	struct sigaction sa;
	size_t i;

	if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	wake_fd = s->wake[1];
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}

/* --- the loop ----------------------------------------------------------- */

static int
run(struct server *s)
{
	struct pollfd pfd[1 + 2 * MOCK_MAX_LISTEN + MOCK_MAX_TCP];
	struct conn *pconn[MOCK_MAX_TCP];
	size_t i, n, nconn;
	uint64_t now;
	int timeout;
	char drain[64];

	while (!got_term) {
		service_signals(s);
		n = 0;
		pfd[n++] =
		    (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		for (i = 0; i < s->nls; i++)
			pfd[n++] = (struct pollfd){ .fd = s->ls[i].fd,
				.events = POLLIN };
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			short ev = 0;

			if (c->state != CONN_EOF)
				ev |= POLLIN;
			if (c->outoff < c->outlen)
				ev |= POLLOUT;
			pconn[i] = c;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		nconn = s->nconns;

		timeout = MOCK_TICK_MS;
		if (s->pending != NULL) {
			now = now_ms();
			if (s->pending->due_ms <= now)
				timeout = 0;
			else if (s->pending->due_ms - now < MOCK_TICK_MS)
				timeout = (int)(s->pending->due_ms - now);
		}
		if (poll(pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			logx("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLIN)
			while (read(s->wake[0], drain, sizeof(drain)) > 0)
				;
		service_signals(s);
		pending_fire(s);
		for (i = 0; i < s->nls; i++) {
			if ((pfd[1 + i].revents & (POLLIN | POLLERR)) == 0)
				continue;
			if (s->ls[i].tcp)
				tcp_accept(s, &s->ls[i]);
			else
				udp_read(s, &s->ls[i]);
		}
		for (i = 0; i < nconn; i++) {
			struct conn *c = pconn[i];
			short re = pfd[1 + s->nls + i].revents;

			if (c->state == CONN_DEAD || re == 0)
				continue;
			if (re & POLLOUT)
				conn_flush(c);
			if (c->state != CONN_DEAD &&
			    (re & (POLLIN | POLLHUP | POLLERR)))
				conn_read(s, c);
		}
		conns_reap(s);
	}
	return 0;
}

static void
server_free(struct server *s)
{
	size_t i;

	while (s->nconns > 0)
		conn_free(s, s->conns[--s->nconns]);
	while (s->pending != NULL) {
		struct pending *p = s->pending;

		s->pending = p->next;
		free(p->buf);
		free(p);
	}
	for (i = 0; i < s->nls; i++)
		close(s->ls[i].fd);
	wake_fd = -1;
	if (s->wake[0] != -1) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	mock_data_free(s->data);
	mock_rules_free(s->rules);
	mock_counts_free(s->counts);
}

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "mockdns: %s\n", why);
	fputs(usage_text, stderr);
	return MOCK_EXIT_USAGE;
}

static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Fill opt from argv.  Returns -1 to go on, else an exit status. */
static int
parse_options(int argc, char **argv, struct options *opt)
{
	enum { OPT_READY_FD = 256, OPT_EDNS_SIZE, OPT_COOKIES, OPT_NSID };
	static const struct option longopts[] = { { "listen", required_argument,
						      NULL, 'l' },
		{ "zone", required_argument, NULL, 'z' },
		{ "auth", no_argument, NULL, 'a' },
		{ "rule", required_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ "counts", required_argument, NULL, 'c' },
		{ "edns-size", required_argument, NULL, OPT_EDNS_SIZE },
		{ "cookies", no_argument, NULL, OPT_COOKIES },
		{ "nsid", required_argument, NULL, OPT_NSID },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char msg[256];
	long v;
	int ch;

	while ((ch = getopt_long(argc, argv, "l:z:ar:R:p:c:vh", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (opt->nlisten == MOCK_MAX_LISTEN)
				return usage("too many --listen");
			opt->listen[opt->nlisten++] = optarg;
			break;
		case 'z':
			opt->zones[opt->nzones++] = optarg;
			break;
		case 'a':
			opt->mode = MOCK_MODE_AUTH;
			break;
		case 'r':
			opt->rules[opt->nrules++] = optarg;
			break;
		case 'R':
			opt->rules_file = optarg;
			break;
		case 'p':
			opt->pidfile = optarg;
			break;
		case OPT_READY_FD:
			if (parse_int(optarg, 0, 1 << 20, &v) == -1 ||
			    fcntl((int)v, F_GETFD) == -1) {
				snprintf(msg, sizeof(msg),
				    "--ready-fd %s: not an open descriptor",
				    optarg);
				return usage(msg);
			}
			opt->ready_fd = (int)v;
			break;
		case 'c':
			opt->counts_file = optarg;
			break;
		case OPT_COOKIES:
			opt->cookies = 1;
			break;
		case OPT_NSID:
			opt->nsid = optarg;
			break;
		case OPT_EDNS_SIZE:
			if (parse_int(optarg, 512, 65535, &v) == -1)
				return usage("--edns-size: want 512..65535");
			opt->edns_size = (uint16_t)v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return MOCK_EXIT_OK;
		default:
			return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("unexpected arguments");
	if (opt->nlisten == 0)
		return usage("at least one --listen ADDR#PORT is needed");
	return -1;
}

int
main(int argc, char **argv)
{
	struct options opt = { .ready_fd = -1,
		.mode = MOCK_MODE_RECURSIVE,
		.edns_size = MOCK_EDNS_SIZE };
	struct server s = { .opt = &opt, .wake = { -1, -1 } };
	char err[1024];
	size_t i;
	int status, pid_written = 0;

	opt.zones = calloc((size_t)argc, sizeof(*opt.zones));
	opt.rules = calloc((size_t)argc, sizeof(*opt.rules));
	if (opt.zones == NULL || opt.rules == NULL) {
		logx("out of memory");
		status = MOCK_EXIT_FAIL;
		goto out;
	}
	if ((status = parse_options(argc, argv, &opt)) != -1)
		goto out;
	if (opt.ready_fd != -1)
		fcntl(opt.ready_fd, F_SETFD, FD_CLOEXEC);

	status = MOCK_EXIT_DATA;
	if (load(&s, err, sizeof(err)) == -1)
		goto fail;
	status = MOCK_EXIT_FAIL;
	if ((s.counts = mock_counts_new()) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	status = MOCK_EXIT_OS;
	if (setup_signals(&s, err, sizeof(err)) == -1)
		goto fail;
	for (i = 0; i < opt.nlisten; i++)
		if (listen_on(&s, opt.listen[i], err, sizeof(err)) == -1)
			goto fail;
	if (opt.pidfile != NULL) {
		if (write_pidfile(opt.pidfile, err, sizeof(err)) == -1)
			goto fail;
		pid_written = 1;
	}
	if (opt.ready_fd != -1) {
		i = (size_t)opt.ready_fd;
		opt.ready_fd = -1;
		if (signal_ready(&s, (int)i, err, sizeof(err)) == -1)
			goto fail;
	}
	if (verbose)
		logx("ready, pid %ld", (long)getpid());

	status = run(&s) == 0 ? MOCK_EXIT_OK : MOCK_EXIT_FAIL;
	if (verbose)
		logx("exiting (status %d)", status);
	goto out;
fail:
	logx("%s", err);
out:
	if (pid_written)
		unlink(opt.pidfile);
	if (opt.ready_fd != -1)
		close(opt.ready_fd);
	server_free(&s);
	free(opt.zones);
	free(opt.rules);
	return status;
}
