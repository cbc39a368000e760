/*
 * src/client/probe.h - many DNS exchanges at once, for `roost check`:
 * one query to one server address per probe, over UDP or TCP, all in
 * flight together on nonblocking sockets and one poll() loop, all ended
 * by one deadline.
 *
 * Each probe sends its query once (no retry: a server that loses it is
 * reported as such) and takes the first reply from its server with the
 * query's id (over UDP anything else is ignored).  No name is resolved
 * here.  Ownership: the caller owns the probes and their queries; a
 * reply is the caller's once set (ldns_pkt_free); every socket is
 * closed before probe_run() returns.
 */
#ifndef ROOST_PROBE_H
#define ROOST_PROBE_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#define PROBE_MAX 256 /* probes per run; more are refused */

struct probe {
	/* set by the caller */
	struct sockaddr_storage ss; /* the server, port set */
	bool tcp;
	const uint8_t *query; /* wire form, its id in the first 2 octets */
	size_t qlen;
	bool skip; /* not sent: ends at once, err "not asked" */
	/* the result */
	ldns_pkt *reply; /* NULL: none (err says why) */
	double rtt_ms;
	size_t size;  /* of the reply */
	char err[64]; /* "timeout", "connection refused", ... */
	/* the exchange in flight (probe.c's) */
	int fd, state;
	uint8_t *buf;
	size_t have, need;
	uint64_t t0;
};

/*
 * Run the n probes (at most PROBE_MAX) until each has its reply or an
 * error, or timeout_ms has passed (the rest: "timeout").  Returns 0, or
 * -1 if n is too large or out of memory (nothing sent).
 */
int probe_run(struct probe *p, size_t n, int timeout_ms);

/* Free every probe's reply (the probes stay the caller's). */
void probe_free_replies(struct probe *p, size_t n);

#endif /* ROOST_PROBE_H */
