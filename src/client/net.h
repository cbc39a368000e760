/*
 * src/client/net.h - one DNS exchange with one server, for the roost
 * command-line client: UDP with a retry, TCP on truncation, hard timeouts.
 *
 * Messages are ldns packets; the sockets are ours, so that every wait is
 * bounded by a per-try timeout and by the caller's overall deadline, and
 * a UDP reply is taken only from the connected server address with the
 * query's id and question (anything else is ignored, not an error).
 * No function here resolves a name: servers are numeric addresses.
 */
#ifndef ROOST_NET_H
#define ROOST_NET_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "addr.h"

/* The EDNS UDP payload size we advertise (DNS flag day 2020). */
#define NET_EDNS_SIZE 1232
/* Longest reply we accept over TCP: the 16-bit length allows no more. */
#define NET_MAX_MSG 65535

/* How one exchange ended. */
enum net_result {
	NET_OK = 0,    /* a reply, in reply->pkt */
	NET_TIMEOUT,   /* every try timed out (or the deadline hit) */
	NET_ERROR,     /* socket error, e.g. connection refused */
	NET_MALFORMED, /* a reply ldns cannot parse */
};

struct net_opts {
	int timeout_ms;    /* per try; > 0 */
	int tries;         /* UDP tries (1 = no retry); >= 1 */
	bool tcp;          /* TCP only, no UDP at all */
	bool tc_fallback;  /* on TC=1 over UDP, ask again over TCP */
	uint64_t deadline; /* clock_mono_ms() value; 0 for none */
};

struct net_reply {
	ldns_pkt *pkt;  /* owned by the caller once set; NULL otherwise */
	double rtt_ms;  /* of the try that answered */
	int tries;      /* UDP tries sent */
	bool tcp;       /* the reply came over TCP */
	bool truncated; /* a UDP reply had TC=1 (then TCP if allowed) */
	size_t size;    /* reply size in bytes */
};

/*
 * Parses a server address as addr_parse() does ("ADDR", "ADDR#PORT",
 * "[V6]:PORT", numeric only; a missing port is defport), and also
 * "A.B.C.D:PORT" and "[V6]#PORT".  Returns 0, or -1 with the reason in
 * err.
 */
int net_addr_parse(const char *text, uint16_t defport, struct addr *a,
    char *err, size_t errlen);

/* Write only the address of ss (no port) into buf and return buf. */
char *net_addr_host(const struct sockaddr_storage *ss, char *buf, size_t len);

/*
 * Send query (not consumed) to the server at ss and wait for its reply
 * under o.  Fills *r (r->pkt owned by the caller, to free with
 * ldns_pkt_free) and returns NET_OK, or another enum net_result
 * with r->pkt NULL and a reason in err.
 */
enum net_result net_exchange(const ldns_pkt *query,
    const struct sockaddr_storage *ss, socklen_t sslen,
    const struct net_opts *o, struct net_reply *r, char *err, size_t errlen);

/*
 * A new query packet for name/type/class IN with a random id: RD as
 * given, EDNS with NET_EDNS_SIZE (and DO if dnssec).  Returns the
 * packet (the caller frees it) or NULL.
 */
ldns_pkt *
net_query_new(const ldns_rdf *name, ldns_rr_type type, bool rd, bool dnssec);

#endif /* ROOST_NET_H */
