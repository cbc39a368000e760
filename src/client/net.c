/*
 * src/client/net.c - one DNS exchange with one server (see net.h).
 *
 * Invariants: every socket is nonblocking and close-on-exec, and closed
 * before the function that opened it returns; no wait exceeds the try's
 * timeout nor the overall deadline; a UDP datagram that is not the reply
 * to our query (other id, other question, unparsable) is skipped.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

/*
 * Two spellings roostd's config does not take, kept for the command
 * line: "A.B.C.D:PORT" and "[V6]#PORT" become "A.B.C.D#PORT" and
 * "[V6]:PORT" for addr_parse().
 */
static const char *
client_spelling(const char *text, char *buf, size_t buflen)
{
	const char *colon = strchr(text, ':');
	const char *brk = strstr(text, "]#");

	if (strlen(text) >= buflen)
		return text;
	if (text[0] != '[' && colon != NULL && strchr(colon + 1, ':') == NULL &&
	    strchr(text, '#') == NULL) {
		memcpy(buf, text, strlen(text) + 1);
		buf[colon - text] = '#';
		return buf;
	}
	if (text[0] == '[' && brk != NULL) {
		memcpy(buf, text, strlen(text) + 1);
		buf[brk - text + 1] = ':';
		return buf;
	}
	return text;
}

int
net_addr_parse(const char *text, uint16_t defport, struct addr *a, char *err,
    size_t errlen)
{
	char buf[ADDR_STRLEN * 2];

	return addr_parse(client_spelling(text, buf, sizeof(buf)), defport, a,
	    err, errlen);
}

char *
net_addr_host(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6
	    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

ldns_pkt *
net_query_new(const ldns_rdf *name, ldns_rr_type type, bool rd, bool dnssec)
{
	ldns_rdf *owner;
	ldns_pkt *q;

	if ((owner = ldns_rdf_clone(name)) == NULL)
		return NULL;
	q = ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (q == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_pkt_set_random_id(q);
	ldns_pkt_set_edns_udp_size(q, NET_EDNS_SIZE);
	ldns_pkt_set_edns_do(q, dnssec);
	return q;
}

/* Milliseconds to wait now: the try's end or the deadline, earlier one. */
static int
wait_ms(uint64_t try_end, uint64_t deadline)
{
	uint64_t end = try_end, now = clock_mono_ms();

	if (deadline != 0 && deadline < end)
		end = deadline;
	return end <= now ? 0 : (int)(end - now);
}

/* Is p the reply to q: QR, same id, same question (name in any case)? */
static bool
is_reply(const ldns_pkt *p, const ldns_pkt *q)
{
	const ldns_rr *a, *b;

	if (!ldns_pkt_qr(p) || ldns_pkt_id(p) != ldns_pkt_id(q) ||
	    ldns_pkt_qdcount(p) != 1)
		return false;
	a = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	b = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	return a != NULL && b != NULL &&
	    ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
	    ldns_rr_get_class(a) == ldns_rr_get_class(b) &&
	    ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) == 0;
}

static int
sock_open(const struct sockaddr_storage *ss, int type)
{
	return socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/*
 * One UDP try: send wire, wait until try_end/deadline for the reply.
 * Returns NET_OK with *out set, NET_TIMEOUT, or NET_ERROR.
 */
static enum net_result
udp_try(int fd, const uint8_t *wire, size_t wlen, const ldns_pkt *q,
    uint64_t try_end, uint64_t deadline, ldns_pkt **out, size_t *size,
    char *err, size_t errlen)
{
	uint8_t buf[NET_MAX_MSG];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ldns_pkt *p;
	ssize_t n;
	int ms, rc;

	if (send(fd, wire, wlen, 0) == -1) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		return NET_ERROR;
	}
	for (;;) {
		if ((ms = wait_ms(try_end, deadline)) == 0)
			return NET_TIMEOUT;
		rc = poll(&pfd, 1, ms);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return NET_ERROR;
		}
		if (rc == 0)
			continue; /* wait_ms() says when the time is up */
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			snprintf(err, errlen, "recv: %s", strerror(errno));
			return NET_ERROR;
		}
		p = NULL;
		if (ldns_wire2pkt(&p, buf, (size_t)n) != LDNS_STATUS_OK ||
		    !is_reply(p, q)) {
			ldns_pkt_free(p); /* not ours: keep waiting */
			continue;
		}
		*out = p;
		*size = (size_t)n;
		return NET_OK;
	}
}

/* Wait until fd is ready for events, or time is up (0 ok, -1 timeout). */
static int
wait_fd(int fd, short events, uint64_t try_end, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, rc;

	for (;;) {
		if ((ms = wait_ms(try_end, deadline)) == 0)
			return -1;
		rc = poll(&pfd, 1, ms);
		if (rc > 0)
			return 0;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Read exactly len bytes from the TCP socket: 0, or -1 timeout/error. */
static int
tcp_read(int fd, uint8_t *buf, size_t len, uint64_t try_end, uint64_t deadline,
    char *err, size_t errlen)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (wait_fd(fd, POLLIN, try_end, deadline) == -1) {
			snprintf(err, errlen, "timeout reading over TCP");
			return -1;
		}
		n = read(fd, buf + got, len - got);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "TCP read: %s",
			    n == 0 ? "connection closed" : strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static enum net_result
tcp_exchange(const uint8_t *wire, size_t wlen, const ldns_pkt *q,
    const struct sockaddr_storage *ss, socklen_t sslen, int64_t try_end,
    int64_t deadline, ldns_pkt **out, size_t *size, char *err, size_t errlen)
{
	enum net_result res = NET_ERROR;
	uint8_t *buf = NULL, len2[2];
	size_t off = 0, len;
	socklen_t elen = sizeof(int);
	ssize_t n;
	int fd, soerr = 0;

	if ((fd = sock_open(ss, SOCK_STREAM)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NET_ERROR;
	}
	if (connect(fd, (const struct sockaddr *)ss, sslen) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(err, errlen, "TCP connect: %s", strerror(errno));
		goto out;
	}
	if (wait_fd(fd, POLLOUT, try_end, deadline) == -1) {
		snprintf(err, errlen, "timeout connecting over TCP");
		res = NET_TIMEOUT;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) == -1 ||
	    soerr != 0) {
		snprintf(err, errlen, "TCP connect: %s", strerror(soerr));
		goto out;
	}
	if ((buf = malloc(wlen + 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	buf[0] = (uint8_t)(wlen >> 8);
	buf[1] = (uint8_t)wlen;
	memcpy(buf + 2, wire, wlen);
	while (off < wlen + 2) {
		if (wait_fd(fd, POLLOUT, try_end, deadline) == -1) {
			snprintf(err, errlen, "timeout writing over TCP");
			res = NET_TIMEOUT;
			goto out;
		}
		n = write(fd, buf + off, wlen + 2 - off);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			snprintf(err, errlen, "TCP write: %s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	free(buf);
	buf = NULL;
	if (tcp_read(fd, len2, 2, try_end, deadline, err, errlen) == -1) {
		res = strncmp(err, "timeout", 7) == 0 ? NET_TIMEOUT : NET_ERROR;
		goto out;
	}
	len = (size_t)len2[0] << 8 | len2[1];
	if ((buf = malloc(len > 0 ? len : 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (tcp_read(fd, buf, len, try_end, deadline, err, errlen) == -1) {
		res = strncmp(err, "timeout", 7) == 0 ? NET_TIMEOUT : NET_ERROR;
		goto out;
	}
	if (ldns_wire2pkt(out, buf, len) != LDNS_STATUS_OK ||
	    !is_reply(*out, q)) {
		ldns_pkt_free(*out);
		*out = NULL;
		snprintf(err, errlen, "malformed or mismatched reply over TCP");
		res = NET_MALFORMED;
		goto out;
	}
	*size = len;
	res = NET_OK;
out:
	free(buf);
	close(fd);
	return res;
}

enum net_result
net_exchange(const ldns_pkt *query, const struct sockaddr_storage *ss,
    socklen_t sslen, const struct net_opts *o, struct net_reply *r, char *err,
    size_t errlen)
{
	enum net_result res = NET_TIMEOUT;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	uint64_t start;
	int fd = -1, i;

	memset(r, 0, sizeof(*r));
	snprintf(err, errlen, "no reply");
	if (ldns_pkt2wire(&wire, query, &wlen) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "cannot build the query");
		return NET_ERROR;
	}
	if (!o->tcp) {
		if ((fd = sock_open(ss, SOCK_DGRAM)) == -1 ||
		    connect(fd, (const struct sockaddr *)ss, sslen) == -1) {
			snprintf(err, errlen, "UDP socket: %s",
			    strerror(errno));
			res = NET_ERROR;
			goto out;
		}
		for (i = 0; i < o->tries; i++) {
			if (o->deadline != 0 && clock_mono_ms() >= o->deadline)
				break;
			r->tries++;
			start = clock_mono_us();
			res = udp_try(fd, wire, wlen, query,
			    clock_mono_ms() + o->timeout_ms, o->deadline,
			    &r->pkt, &r->size, err, errlen);
			r->rtt_ms = (double)(clock_mono_us() - start) / 1e3;
			if (res != NET_TIMEOUT)
				break;
			snprintf(err, errlen, "timeout");
		}
		if (res != NET_OK)
			goto out;
		if (!ldns_pkt_tc(r->pkt) || !o->tc_fallback)
			goto out;
		r->truncated = true;
		ldns_pkt_free(r->pkt);
		r->pkt = NULL;
	}
	if (o->deadline != 0 && clock_mono_ms() >= o->deadline) {
		res = NET_TIMEOUT;
		snprintf(err, errlen, "timeout");
		goto out;
	}
	start = clock_mono_us();
	res = tcp_exchange(wire, wlen, query, ss, sslen,
	    clock_mono_ms() + o->timeout_ms, o->deadline, &r->pkt, &r->size,
	    err, errlen);
	r->rtt_ms = (double)(clock_mono_us() - start) / 1e3;
	r->tcp = true;
out:
	if (fd != -1)
		close(fd);
	free(wire);
	return res;
}
