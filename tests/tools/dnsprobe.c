/*
 * tests/tools/dnsprobe.c - a DNS test client for what dig cannot do.
 *
 * Sends pipelined queries on one TCP connection, raw bytes, or a bare TCP
 * length prefix, and prints what comes back as one "key=value" line per
 * reply so that shell tests can grep it.  Uses ldns for messages, never
 * roost's own code.  Usage: dnsprobe -h.
 *
 * Invariants: every wait has the one deadline set by -t; only the server
 * given on the command line is ever sent to.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "mock_addr.h"

/* Exit statuses, documented in usage_text. */
enum {
	PROBE_EXIT_OK = 0,
	PROBE_EXIT_USAGE = 1,
	PROBE_EXIT_OS = 2,
	PROBE_EXIT_TIMEOUT = 3,
	PROBE_EXIT_MALFORMED = 4,
	PROBE_EXIT_MISMATCH = 5
};

/* Most queries one pipeline command sends. */
#define PROBE_MAX_PIPELINE 1000
#define PROBE_MSG_MAX 65535

static const char usage_text[] =
    "usage: dnsprobe [-Tq] [-t MS] [-e SIZE] [-i ID] [-w MS] SERVER COMMAND "
    "[ARG...]\n"
    "  SERVER  ADDR#PORT or [ADDR]:PORT, numeric\n"
    "  -T      use TCP (default UDP)\n"
    "  -t MS   give up after MS milliseconds in all (default 2000)\n"
    "  -e SIZE add an EDNS OPT record advertising SIZE\n"
    "  -i ID   id of a single query (default 4660)\n"
    "  -q      print reply lines only, not the records\n"
    "  -w MS   TCP: write one byte at a time, MS ms apart (partial reads)\n"
    "commands:\n"
    "  query NAME [TYPE [CLASS]]  one query (TYPE A, CLASS IN by default)\n"
    "  pipeline N NAME[/TYPE]...  N queries (ids 1..N, the names taken in\n"
    "                             turn) written at once on one connection\n"
    "                             (or socket), then every reply read, in\n"
    "                             any order\n"
    "  raw HEX                    send these bytes as they are (over TCP no\n"
    "                             length is added); print what comes back\n"
    "  stall [LEN]                TCP: send a length prefix claiming LEN\n"
    "                             bytes (default 512), nothing more, and\n"
    "                             wait for the server to close\n"
    "  flood N                    TCP: open N connections at once, hold\n"
    "                             them until the deadline (-t), then close\n"
    "  noread N NAME[/TYPE]       TCP: write N queries, never read; hold\n"
    "                             until the deadline (-t)\n"
    "output, one line each:\n"
    "  reply id=ID rcode=RCODE flags=qr,aa,tc,rd,ra,ad,cd qd=NAME/TYPE/CLASS\n"
    "        an=N ns=N ar=N edns=SIZE|- size=BYTES ms=T\n"
    "        check=ok|id-mismatch|question-mismatch\n"
    "  an|ns|ar RECORD            (not with -q)\n"
    "  malformed size=N ms=T hex=HEX\n"
    "  closed got=N want=N|- ms=T (TCP closed before a whole reply)\n"
    "  timeout ms=T\n"
    "  pipeline sent=N answered=N ms=T\n"
    "  recv size=N hex=HEX        (raw)\n"
    "  closed ms=T | open ms=T    (stall, raw over TCP)\n"
    "  flood tried=N connected=N closed=N ms=T\n"
    "  noread sent=N closed=yes|no ms=T\n"
    "exit status: 0 ok, 1 usage, 2 socket error, 3 timeout (or nothing\n"
    "received), 4 malformed reply or closed early, 5 reply does not match\n"
    "its query\n";

static int usage(const char *why);

struct probe {
	struct sockaddr_storage ss;
	socklen_t sl;
	int tcp;
	int timeout_ms;
	int edns; /* EDNS UDP size, 0: no OPT */
	uint16_t id;
	int quiet;
	uint64_t t0; /* when the first byte was sent */
	uint64_t deadline;
	int trickle_ms; /* TCP: 1 byte per write, this apart */
};

/* Bytes read from a TCP stream and not yet taken as a message. */
struct stream {
	uint8_t buf[2 * (2 + PROBE_MSG_MAX)];
	size_t len;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static unsigned long
elapsed(const struct probe *p)
{
	return (unsigned long)(now_ms() - p->t0);
}

/* Wait until fd has events or the deadline.  1 ready, 0 timeout, -1 error. */
static int
wait_fd(const struct probe *p, int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now;
	int n;

	for (;;) {
		now = now_ms();
		if (now >= p->deadline)
			return 0;
		n = poll(&pfd, 1, (int)(p->deadline - now));
		if (n == -1 && errno == EINTR)
			continue;
		return n > 0 ? 1 : n;
	}
}

static void
print_hex(const char *prefix, const uint8_t *b, size_t n, const char *suffix)
{
	size_t i;

	printf("%s", prefix);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("%s", suffix);
}

/* Open a nonblocking socket connected to the server.  -1 on error. */
static int
open_socket(struct probe *p)
{
	int fd, flags;

	fd = socket(p->ss.ss_family, p->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd == -1) {
		perror("dnsprobe: socket");
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (connect(fd, (struct sockaddr *)&p->ss, p->sl) == -1 &&
	    errno != EINPROGRESS) {
		perror("dnsprobe: connect");
		close(fd);
		return -1;
	}
	if (p->tcp) {
		int err = 0, on = 1;
		socklen_t len = sizeof(err);

		/* each small write its own segment, for -w */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (wait_fd(p, fd, POLLOUT) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			fprintf(stderr, "dnsprobe: connect: %s\n",
			    err ? strerror(err) : "timed out");
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * Write all of buf by the deadline (with -w, one byte per write and a pause
 * between).  0, or -1 (message printed).
 */
static int
write_all(const struct probe *p, int fd, const uint8_t *buf, size_t len)
{
	struct timespec gap = { .tv_sec = p->trickle_ms / 1000,
		.tv_nsec = (long)(p->trickle_ms % 1000) * 1000000 };
	ssize_t n;
	size_t off = 0;

	while (off < len) {
		if (p->tcp && p->trickle_ms > 0 && off > 0)
			nanosleep(&gap, NULL);
		n = send(fd, buf + off,
		    p->tcp && p->trickle_ms > 0 ? 1 : len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_fd(p, fd, POLLOUT) == 1)
				continue;
			fprintf(stderr, "dnsprobe: send: %s\n",
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * Take the next length-prefixed message from the TCP stream into msg.
 * Returns 0, PROBE_EXIT_TIMEOUT, or PROBE_EXIT_MALFORMED (closed early,
 * "closed" line printed) or PROBE_EXIT_OS.
 */
static int
read_frame(const struct probe *p, int fd, struct stream *st, uint8_t *msg,
    size_t *mlen)
{
	size_t want;
	ssize_t n;
	int w;

	for (;;) {
		if (st->len >= 2) {
			want = (size_t)st->buf[0] << 8 | st->buf[1];
			if (st->len >= 2 + want) {
				memcpy(msg, st->buf + 2, want);
				*mlen = want;
				st->len -= 2 + want;
				memmove(st->buf, st->buf + 2 + want, st->len);
				return 0;
			}
		}
		n = read(fd, st->buf + st->len, sizeof(st->buf) - st->len);
		if (n > 0) {
			st->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (st->len >= 2)
				printf("closed got=%zu want=%zu ms=%lu\n",
				    st->len - 2,
				    (size_t)st->buf[0] << 8 | st->buf[1],
				    elapsed(p));
			else
				printf("closed got=%zu want=- ms=%lu\n",
				    st->len, elapsed(p));
			return PROBE_EXIT_MALFORMED;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			fprintf(stderr, "dnsprobe: read: %s\n",
			    strerror(errno));
			return PROBE_EXIT_OS;
		}
		if ((w = wait_fd(p, fd, POLLIN)) == 0)
			return PROBE_EXIT_TIMEOUT;
		if (w == -1)
			return PROBE_EXIT_OS;
	}
}

/* Read one UDP datagram by the deadline.  Returns as read_frame. */
static int
read_datagram(const struct probe *p, int fd, uint8_t *msg, size_t *mlen)
{
	ssize_t n;
	int w;

	for (;;) {
		n = recv(fd, msg, PROBE_MSG_MAX, 0);
		if (n >= 0) {
			*mlen = (size_t)n;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			fprintf(stderr, "dnsprobe: recv: %s\n",
			    strerror(errno));
			return PROBE_EXIT_OS;
		}
		if ((w = wait_fd(p, fd, POLLIN)) == 0)
			return PROBE_EXIT_TIMEOUT;
		if (w == -1)
			return PROBE_EXIT_OS;
	}
}

/* One query to send, its packet kept to check the reply against. */
struct query {
	ldns_pkt *pkt;
	uint8_t *wire;
	size_t len;
};

/* Build q for name/type/class with id.  0, or -1 (message printed). */
static int
make_query(const struct probe *p, const char *name, ldns_rr_type type,
    ldns_rr_class class, uint16_t id, struct query *q)
{
	ldns_rdf *dname;

	if ((dname = ldns_dname_new_frm_str(name)) == NULL) {
		fprintf(stderr, "dnsprobe: bad name \"%s\"\n", name);
		return -1;
	}
	/* takes dname */
	if ((q->pkt = ldns_pkt_query_new(dname, type, class, LDNS_RD)) ==
	    NULL) {
		fprintf(stderr, "dnsprobe: out of memory\n");
		return -1;
	}
	ldns_pkt_set_id(q->pkt, id);
	if (p->edns > 0)
		ldns_pkt_set_edns_udp_size(q->pkt, (uint16_t)p->edns);
	if (ldns_pkt2wire(&q->wire, q->pkt, &q->len) != LDNS_STATUS_OK) {
		fprintf(stderr, "dnsprobe: cannot build the query\n");
		return -1;
	}
	return 0;
}

static void
free_queries(struct query *qs, size_t n)
{
	size_t i;

	if (qs == NULL)
		return;
	for (i = 0; i < n; i++) {
		ldns_pkt_free(qs[i].pkt);
		free(qs[i].wire);
	}
	free(qs);
}

static void
print_flags(const ldns_pkt *r)
{
	static const char *names[] = { "qr", "aa", "tc", "rd", "ra", "ad",
		"cd" };
	bool on[7];
	const char *sep = "";
	size_t i;

	on[0] = ldns_pkt_qr(r);
	on[1] = ldns_pkt_aa(r);
	on[2] = ldns_pkt_tc(r);
	on[3] = ldns_pkt_rd(r);
	on[4] = ldns_pkt_ra(r);
	on[5] = ldns_pkt_ad(r);
	on[6] = ldns_pkt_cd(r);
	printf(" flags=");
	for (i = 0; i < 7; i++) {
		if (on[i]) {
			printf("%s%s", sep, names[i]);
			sep = ",";
		}
	}
	if (*sep == '\0')
		printf("-");
}

static void
print_section(const char *tag, const ldns_rr_list *list)
{
	char *s, *c;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		if ((s = ldns_rr2str(ldns_rr_list_rr(list, i))) == NULL)
			continue;
		for (c = s; *c != '\0'; c++)
			if (*c == '\t' || *c == '\n')
				*c = ' ';
		while (c > s && c[-1] == ' ')
			*--c = '\0';
		printf("%s %s\n", tag, s);
		free(s);
	}
}

/* 1 if the question sections of a and b are the same, case aside. */
static int
same_question(const ldns_pkt *a, const ldns_pkt *b)
{
	const ldns_rr *x, *y;

	if (ldns_pkt_qdcount(a) != 1 || ldns_pkt_qdcount(b) != 1)
		return 0;
	x = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	y = ldns_rr_list_rr(ldns_pkt_question(b), 0);
	return ldns_dname_compare(ldns_rr_owner(x), ldns_rr_owner(y)) == 0 &&
	    ldns_rr_get_type(x) == ldns_rr_get_type(y) &&
	    ldns_rr_get_class(x) == ldns_rr_get_class(y);
}

/*
 * Print the reply in msg.  Its query is qs[0] when n is 1, else the one of
 * qs[0..n) whose id it has (pipeline ids are 1..n).  Returns PROBE_EXIT_OK,
 * PROBE_EXIT_MALFORMED or PROBE_EXIT_MISMATCH; *idx gets the index of the
 * query it answers, or -1.
 */
static int
print_reply(const struct probe *p, const uint8_t *msg, size_t len,
    const struct query *qs, size_t n, long *idx)
{
	ldns_pkt *r = NULL;
	const ldns_rr *qrr;
	const char *check = "ok";
	char *s;
	unsigned rcode;

	*idx = -1;
	if (ldns_wire2pkt(&r, msg, len) != LDNS_STATUS_OK) {
		printf("malformed size=%zu ms=%lu", len, elapsed(p));
		print_hex(" hex=", msg, len, "\n");
		return PROBE_EXIT_MALFORMED;
	}
	if (n == 1 && ldns_pkt_id(qs[0].pkt) == ldns_pkt_id(r))
		*idx = 0;
	else if (n > 1 && ldns_pkt_id(r) >= 1 && ldns_pkt_id(r) <= n)
		*idx = ldns_pkt_id(r) - 1;
	if (*idx == -1)
		check = "id-mismatch";
	else if (!same_question(qs[*idx].pkt, r))
		check = "question-mismatch";

	rcode = (unsigned)ldns_pkt_edns_extended_rcode(r) << 4 |
	    ldns_pkt_get_rcode(r);
	printf("reply id=%u rcode=", ldns_pkt_id(r));
	s = ldns_pkt_rcode2str(ldns_pkt_get_rcode(r));
	if (rcode == 16)
		printf("BADVERS");
	else if (rcode < 16 && s != NULL)
		printf("%s", s);
	else
		printf("%u", rcode);
	free(s);
	print_flags(r);
	if (ldns_pkt_qdcount(r) >= 1) {
		qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
		s = ldns_rdf2str(ldns_rr_owner(qrr));
		printf(" qd=%s/", s != NULL ? s : "?");
		free(s);
		s = ldns_rr_type2str(ldns_rr_get_type(qrr));
		printf("%s/", s != NULL ? s : "?");
		free(s);
		s = ldns_rr_class2str(ldns_rr_get_class(qrr));
		printf("%s", s != NULL ? s : "?");
		free(s);
	} else
		printf(" qd=-");
	printf(" an=%u ns=%u ar=%u", ldns_pkt_ancount(r), ldns_pkt_nscount(r),
	    ldns_pkt_arcount(r));
	if (ldns_pkt_edns(r))
		printf(" edns=%u", ldns_pkt_edns_udp_size(r));
	else
		printf(" edns=-");
	printf(" size=%zu ms=%lu check=%s\n", len, elapsed(p), check);
	if (!p->quiet) {
		print_section("an", ldns_pkt_answer(r));
		print_section("ns", ldns_pkt_authority(r));
		print_section("ar", ldns_pkt_additional(r));
	}
	ldns_pkt_free(r);
	return *idx != -1 && strcmp(check, "ok") == 0 ? PROBE_EXIT_OK
						      : PROBE_EXIT_MISMATCH;
}

/* Send the bytes of every query: framed back to back over TCP, one
 * datagram each over UDP.  0, or -1 (message printed). */
static int
send_queries(const struct probe *p, int fd, const struct query *qs, size_t n)
{
	uint8_t *out, *o;
	size_t i, total = 0;
	int ret;

	if (!p->tcp) {
		for (i = 0; i < n; i++)
			if (write_all(p, fd, qs[i].wire, qs[i].len) == -1)
				return -1;
		return 0;
	}
	for (i = 0; i < n; i++)
		total += 2 + qs[i].len;
	if ((o = out = malloc(total)) == NULL) {
		fprintf(stderr, "dnsprobe: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		*o++ = (uint8_t)(qs[i].len >> 8);
		*o++ = (uint8_t)qs[i].len;
		memcpy(o, qs[i].wire, qs[i].len);
		o += qs[i].len;
	}
	ret = write_all(p, fd, out, total); /* one write: pipelined */
	free(out);
	return ret;
}

/*
 * Send the n queries, then read and print replies until each has one, the
 * deadline passes, or (single query) a bad reply comes.  pipeline adds
 * the closing "pipeline" line.
 */
static int
run_queries(struct probe *p, const struct query *qs, size_t n, int pipeline)
{
	struct stream *st = NULL;
	uint8_t *msg = NULL;
	char *seen = NULL;
	size_t answered = 0, mlen;
	int fd = -1, ret = PROBE_EXIT_OK, r;
	long idx;

	if ((seen = calloc(n, 1)) == NULL ||
	    (msg = malloc(PROBE_MSG_MAX)) == NULL ||
	    (st = calloc(1, sizeof(*st))) == NULL) {
		fprintf(stderr, "dnsprobe: out of memory\n");
		ret = PROBE_EXIT_OS;
		goto out;
	}
	if ((fd = open_socket(p)) == -1) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	p->t0 = now_ms();
	if (send_queries(p, fd, qs, n) == -1) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	while (answered < n) {
		r = p->tcp ? read_frame(p, fd, st, msg, &mlen)
			   : read_datagram(p, fd, msg, &mlen);
		if (r == PROBE_EXIT_TIMEOUT)
			printf("timeout ms=%lu\n", elapsed(p));
		if (r != 0) {
			ret = ret != PROBE_EXIT_OK ? ret : r;
			break;
		}
		r = print_reply(p, msg, mlen, qs, n, &idx);
		if (r == PROBE_EXIT_OK && seen[idx]) {
			printf("duplicate id=%u\n", ldns_pkt_id(qs[idx].pkt));
			r = PROBE_EXIT_MISMATCH;
		}
		if (r != PROBE_EXIT_OK) {
			ret = ret != PROBE_EXIT_OK ? ret : r;
			if (!pipeline)
				break; /* one answer was asked for: done */
			continue;
		}
		seen[idx] = 1;
		answered++;
	}
	if (pipeline)
		printf("pipeline sent=%zu answered=%zu ms=%lu\n", n, answered,
		    elapsed(p));
out:
	if (fd != -1)
		close(fd);
	free(seen);
	free(msg);
	free(st);
	return ret;
}

/* query NAME [TYPE [CLASS]] */
static int
cmd_query(struct probe *p, int argc, char **argv)
{
	struct query q = { 0 };
	ldns_rr_type type = LDNS_RR_TYPE_A;
	ldns_rr_class class = LDNS_RR_CLASS_IN;
	int ret;

	if (argc < 1 || argc > 3) {
		fprintf(stderr, "dnsprobe: query NAME [TYPE [CLASS]]\n");
		return PROBE_EXIT_USAGE;
	}
	if ((argc >= 2 && (type = ldns_get_rr_type_by_name(argv[1])) == 0) ||
	    (argc == 3 && (class = ldns_get_rr_class_by_name(argv[2])) == 0)) {
		fprintf(stderr, "dnsprobe: unknown TYPE or CLASS\n");
		return PROBE_EXIT_USAGE;
	}
	if (make_query(p, argv[0], type, class, p->id, &q) == -1)
		ret = PROBE_EXIT_USAGE;
	else
		ret = run_queries(p, &q, 1, 0);
	ldns_pkt_free(q.pkt);
	free(q.wire);
	return ret;
}

/* pipeline N NAME[/TYPE]... */
static int
cmd_pipeline(struct probe *p, int argc, char **argv)
{
	char name[LDNS_MAX_DOMAINLEN * 4 + 1];
	struct query *qs;
	ldns_rr_type type;
	const char *arg, *slash;
	size_t len;
	long n, i;
	int ret;

	if (argc < 2 || parse_long(argv[0], 1, PROBE_MAX_PIPELINE, &n) == -1) {
		fprintf(stderr,
		    "dnsprobe: pipeline N NAME[/TYPE]... "
		    "(N at most %d)\n",
		    PROBE_MAX_PIPELINE);
		return PROBE_EXIT_USAGE;
	}
	if ((qs = calloc((size_t)n, sizeof(*qs))) == NULL)
		return PROBE_EXIT_OS;
	for (i = 0; i < n; i++) {
		arg = argv[1 + i % (argc - 1)];
		slash = strrchr(arg, '/');
		len = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
		type = LDNS_RR_TYPE_A;
		if (len == 0 || len >= sizeof(name) ||
		    (slash != NULL &&
			(type = ldns_get_rr_type_by_name(slash + 1)) == 0)) {
			fprintf(stderr, "dnsprobe: bad NAME[/TYPE] \"%s\"\n",
			    arg);
			free_queries(qs, (size_t)n);
			return PROBE_EXIT_USAGE;
		}
		memcpy(name, arg, len);
		name[len] = '\0';
		if (make_query(p, name, type, LDNS_RR_CLASS_IN,
			(uint16_t)(i + 1), &qs[i]) == -1) {
			free_queries(qs, (size_t)n);
			return PROBE_EXIT_USAGE;
		}
	}
	ret = run_queries(p, qs, (size_t)n, 1);
	free_queries(qs, (size_t)n);
	return ret;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read from a TCP socket into buf until the server closes (returns 1), or
 * the deadline passes or buf is full (returns 0); -1 on a read error.
 * *len gets the bytes read.  A reset counts as closed.
 */
static int
read_until_close(const struct probe *p, int fd, uint8_t *buf, size_t cap,
    size_t *len)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(fd, buf + *len, cap - *len);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 1;
		if (n > 0) {
			*len += (size_t)n;
			if (*len == cap)
				return 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			fprintf(stderr, "dnsprobe: read: %s\n",
			    strerror(errno));
			return -1;
		}
		if (wait_fd(p, fd, POLLIN) != 1)
			return 0;
	}
}

/* Parse hex (blanks and colons allowed between bytes) into buf. */
static int
parse_hex(const char *hex, uint8_t *buf, size_t *len)
{
	int hi, lo;

	*len = 0;
	for (; *hex != '\0'; hex++) {
		if (*hex == ' ' || *hex == ':')
			continue;
		if ((hi = hexval(hex[0])) == -1 || (lo = hexval(hex[1])) == -1)
			return -1;
		buf[(*len)++] = (uint8_t)(hi << 4 | lo);
		hex++;
	}
	return 0;
}

/* raw HEX: send the bytes as they are; print what comes back. */
static int
cmd_raw(struct probe *p, const char *hex)
{
	uint8_t *buf = NULL, *in = NULL;
	size_t len, inlen = 0, cap = 4 * PROBE_MSG_MAX;
	int fd = -1, ret, closed;

	if ((buf = malloc(strlen(hex) / 2 + 1)) == NULL ||
	    (in = malloc(cap)) == NULL) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	if (parse_hex(hex, buf, &len) == -1) {
		fprintf(stderr, "dnsprobe: bad hex \"%s\"\n", hex);
		ret = PROBE_EXIT_USAGE;
		goto out;
	}
	if ((fd = open_socket(p)) == -1) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	p->t0 = now_ms();
	if (write_all(p, fd, buf, len) == -1) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	if (!p->tcp) {
		ret = read_datagram(p, fd, in, &inlen);
		if (ret == PROBE_EXIT_OK) {
			printf("recv size=%zu", inlen);
			print_hex(" hex=", in, inlen, "\n");
		} else if (ret == PROBE_EXIT_TIMEOUT)
			printf("timeout ms=%lu\n", elapsed(p));
		goto out;
	}
	if ((closed = read_until_close(p, fd, in, cap, &inlen)) == -1) {
		ret = PROBE_EXIT_OS;
		goto out;
	}
	if (inlen > 0) {
		printf("recv size=%zu", inlen);
		print_hex(" hex=", in, inlen, "\n");
	}
	printf("%s ms=%lu\n", closed ? "closed" : "open", elapsed(p));
	ret = inlen > 0 ? PROBE_EXIT_OK : PROBE_EXIT_TIMEOUT;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(in);
	return ret;
}

/* stall [LEN]: a TCP length prefix and nothing more; wait for a close. */
static int
cmd_stall(struct probe *p, long want)
{
	uint8_t prefix[2] = { (uint8_t)(want >> 8), (uint8_t)want }, b[512];
	size_t len;
	int fd, closed;

	p->tcp = 1;
	if ((fd = open_socket(p)) == -1)
		return PROBE_EXIT_OS;
	p->t0 = now_ms();
	if (write_all(p, fd, prefix, sizeof(prefix)) == -1) {
		close(fd);
		return PROBE_EXIT_OS;
	}
	closed = read_until_close(p, fd, b, sizeof(b), &len);
	close(fd);
	if (closed == -1)
		return PROBE_EXIT_OS;
	printf("%s ms=%lu\n", closed ? "closed" : "open", elapsed(p));
	return closed ? PROBE_EXIT_OK : PROBE_EXIT_TIMEOUT;
}

/* The most connections flood opens. */
#define PROBE_MAX_FLOOD 20000

/*
 * flood N: N nonblocking connects at once, held until the deadline.
 * connected: the handshake completed (accepted by the server or queued
 * in its backlog); closed: the server closed (or reset) it by then.
 */
static int
cmd_flood(struct probe *p, long n)
{
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	long tried = 0, connected = 0, closed = 0;
	char *up = calloc((size_t)n, 1), b[64];

	if (pf == NULL || up == NULL) {
		free(pf);
		free(up);
		return PROBE_EXIT_OS;
	}
	for (long i = 0; i < n; i++) {
		int fd = socket(p->ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		pf[i].fd = -1;
		if (fd == -1)
			break;
		if (connect(fd, (struct sockaddr *)&p->ss, p->sl) == -1 &&
		    errno != EINPROGRESS) {
			close(fd);
			break;
		}
		pf[i].fd = fd;
		pf[i].events = POLLOUT;
		tried++;
	}
	while (now_ms() < p->deadline) {
		int r = poll(pf, (nfds_t)tried, (int)(p->deadline - now_ms()));

		if (r <= 0)
			continue;
		for (long i = 0; i < tried; i++) {
			if (pf[i].fd < 0 || pf[i].revents == 0)
				continue;
			if ((pf[i].revents & POLLOUT) && !up[i]) {
				up[i] = 1;
				connected++;
			}
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (pf[i].revents & POLLIN &&
				    read(pf[i].fd, b, sizeof(b)) > 0)
					continue;
				closed++;
				close(pf[i].fd);
				pf[i].fd = -1;
				continue;
			}
			pf[i].events = POLLIN;
		}
	}
	for (long i = 0; i < tried; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	printf("flood tried=%ld connected=%ld closed=%ld ms=%lu\n", tried,
	    connected, closed, elapsed(p));
	free(pf);
	free(up);
	return tried == n ? PROBE_EXIT_OK : PROBE_EXIT_OS;
}

/* noread N NAME[/TYPE]: N queries written on one connection, never a
 * reply read; held until the deadline; did the server close it? */
static int
cmd_noread(struct probe *p, long n, const char *arg)
{
	char name[LDNS_MAX_DOMAINLEN * 4 + 1];
	const char *slash = strrchr(arg, '/');
	size_t len = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
	ldns_rr_type type = LDNS_RR_TYPE_A;
	struct query q = { 0 };
	struct pollfd pf;
	uint8_t prefix[2];
	long sent = 0;
	int fd, closed = 0;

	if (len == 0 || len >= sizeof(name) ||
	    (slash != NULL &&
		(type = ldns_get_rr_type_by_name(slash + 1)) == 0))
		return usage("noread N NAME[/TYPE]");
	memcpy(name, arg, len);
	name[len] = '\0';
	if (make_query(p, name, type, LDNS_RR_CLASS_IN, p->id, &q) == -1)
		return PROBE_EXIT_USAGE;
	p->tcp = 1;
	if ((fd = open_socket(p)) == -1) {
		ldns_pkt_free(q.pkt);
		free(q.wire);
		return PROBE_EXIT_OS;
	}
	prefix[0] = (uint8_t)(q.len >> 8);
	prefix[1] = (uint8_t)q.len;
	for (; sent < n; sent++)
		if (write_all(p, fd, prefix, 2) == -1 ||
		    write_all(p, fd, q.wire, q.len) == -1)
			break;
	pf.fd = fd;
	pf.events = POLLRDHUP;
	while (!closed && now_ms() < p->deadline) {
		pf.revents = 0;
		if (poll(&pf, 1, (int)(p->deadline - now_ms())) > 0 &&
		    (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			closed = 1;
	}
	/* hold it to the end either way, like a client that went away */
	while (now_ms() < p->deadline)
		poll(NULL, 0, (int)(p->deadline - now_ms()));
	close(fd);
	ldns_pkt_free(q.pkt);
	free(q.wire);
	printf("noread sent=%ld closed=%s ms=%lu\n", sent,
	    closed ? "yes" : "no", elapsed(p));
	return PROBE_EXIT_OK;
}

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "dnsprobe: %s\n", why);
	fputs(usage_text, stderr);
	return PROBE_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct probe p = { .timeout_ms = 2000, .id = 4660 };
	char err[256];
	const char *cmd;
	long v;
	int ch;

	while ((ch = getopt(argc, argv, "+Tt:e:i:qw:h")) != -1) {
		switch (ch) {
		case 'T':
			p.tcp = 1;
			break;
		case 't':
			if (parse_long(optarg, 1, 600000, &v) == -1)
				return usage("-t: want milliseconds");
			p.timeout_ms = (int)v;
			break;
		case 'e':
			if (parse_long(optarg, 1, 65535, &v) == -1)
				return usage("-e: want 1..65535");
			p.edns = (int)v;
			break;
		case 'i':
			if (parse_long(optarg, 0, 65535, &v) == -1)
				return usage("-i: want 0..65535");
			p.id = (uint16_t)v;
			break;
		case 'q':
			p.quiet = 1;
			break;
		case 'w':
			if (parse_long(optarg, 1, 1000, &v) == -1)
				return usage("-w: want 1..1000 ms");
			p.trickle_ms = (int)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return PROBE_EXIT_OK;
		default:
			return usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		return usage("want SERVER COMMAND");
	if (mock_addr_parse(argv[0], &p.ss, &p.sl, err, sizeof(err)) == -1)
		return usage(err);
	p.deadline = now_ms() + (uint64_t)p.timeout_ms;
	p.t0 = now_ms();
	cmd = argv[1];
	argc -= 2;
	argv += 2;

	if (strcmp(cmd, "query") == 0)
		return cmd_query(&p, argc, argv);
	if (strcmp(cmd, "pipeline") == 0)
		return cmd_pipeline(&p, argc, argv);
	if (strcmp(cmd, "raw") == 0) {
		if (argc != 1)
			return usage("raw HEX");
		return cmd_raw(&p, argv[0]);
	}
	if (strcmp(cmd, "flood") == 0) {
		if (argc != 1 ||
		    parse_long(argv[0], 1, PROBE_MAX_FLOOD, &v) == -1)
			return usage("flood N");
		return cmd_flood(&p, v);
	}
	if (strcmp(cmd, "noread") == 0) {
		if (argc != 2 || parse_long(argv[0], 1, 100000, &v) == -1)
			return usage("noread N NAME[/TYPE]");
		return cmd_noread(&p, v, argv[1]);
	}
	if (strcmp(cmd, "stall") == 0) {
		v = 512;
		if (argc > 1 ||
		    (argc == 1 && parse_long(argv[0], 0, 65535, &v) == -1))
			return usage("stall [LEN]");
		return cmd_stall(&p, v);
	}
	return usage("unknown command");
}
