/*
 * src/client/trace.h - roost trace: walk the DNS tree from the root servers
 * down to a name's records, asking each zone's servers without recursion.
 *
 * A walk (struct trace_walk) answers one (name, type): it starts at the
 * root hints, follows referrals (NS in authority, in-bailiwick glue in
 * additional), resolves a glue-less NS name by a nested walk of its own
 * from the root (never the system resolver), follows CNAME and DNAME
 * chains across zones from the root again, and records every query as a
 * step.  A server that times out, fails (SERVFAIL, REFUSED, ...) or is
 * lame is skipped for the zone's next one.
 *
 * Limits (each has a chosen outcome): per-try timeout and UDP tries, an
 * overall deadline and TRACE_MAX_QUERIES per run (the walk then fails
 * with what it learned), TRACE_MAX_CUTS referrals and TRACE_MAX_CHAIN
 * CNAME/DNAME links per walk (fail), TRACE_MAX_NEST nested walks deep
 * and no name twice on the nesting stack (that server is skipped),
 * and the limits of a zone's server set (nsset.h).  What a nested walk
 * learns of a server's addresses is kept for the rest of the run
 * (TRACE_MAX_LEARNED of them; past that a server is looked up again),
 * so the A and the AAAA walk of one trace look each server up once.
 * With o->dnssec, every query has DO=1 and steps and walks keep the
 * DNSSEC records of the replies for chain.h; nested walks keep theirs too
 * but nothing checks them (they only find servers).
 *
 * Ownership: a walk owns its steps, records and nested walks; free it
 * with trace_walk_free().  A run and its hints own nothing of the walks;
 * a run owns what it learned (trace_run_free()).
 */
#ifndef ROOST_TRACE_H
#define ROOST_TRACE_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "nsset.h"

#define TRACE_MAX_QUERIES 200
#define TRACE_MAX_CUTS 32
#define TRACE_MAX_CHAIN 12
#define TRACE_MAX_NEST 3
#define TRACE_MAX_LEARNED 32
#define TRACE_DEFAULT_TIMEOUT_MS 1500
#define TRACE_DEFAULT_TRIES 2
#define TRACE_DEFAULT_DEADLINE_MS 15000

/* What one query to one server gave (the JSON "outcome"). */
enum trace_outcome {
	TRACE_REFERRAL,
	TRACE_ANSWER,
	TRACE_CNAME,
	TRACE_NXDOMAIN,
	TRACE_NODATA,
	TRACE_ERROR,
	TRACE_TIMEOUT,
	TRACE_LAME,
};

/* How a whole walk ended. */
enum trace_status {
	TRACE_ST_ANSWER,
	TRACE_ST_NXDOMAIN,
	TRACE_ST_NODATA,
	TRACE_ST_FAIL,
};

struct trace_walk;

struct trace_step {
	char *zone;                     /* the zone asked about */
	char *server;                   /* the server's name */
	char address[INET6_ADDRSTRLEN]; /* "" if it had none */
	enum trace_outcome outcome;
	bool have_rcode; /* false: no reply */
	ldns_pkt_rcode rcode;
	double rtt_ms;
	int tries;                     /* UDP tries sent */
	bool tcp, truncated;           /* answered over TCP; after TC=1 */
	char *detail;                  /* why, or a CNAME's target; or NULL */
	char *child;                   /* referral: the child zone */
	ldns_rr_list *ns, *glue;       /* referral: NS set, accepted glue */
	struct trace_walk *lookups[2]; /* walks that found this server */
	size_t nlookups;
	ldns_rr_type reused[2]; /* lookups done earlier in the run */
	size_t nreused;
	ldns_rr_list *sec; /* --dnssec referral: DS, NSEC, NSEC3, RRSIG */
};

struct trace_walk {
	char *name; /* asked, absolute */
	ldns_rr_type type;
	enum trace_status status;
	ldns_pkt_rcode rcode;
	ldns_rr_list *answer;    /* CNAME/DNAME links, then the RRset */
	ldns_rr_list *authority; /* the SOA proving NXDOMAIN/NODATA */
	char **cnames;           /* each link's target, in order */
	size_t ncnames;
	struct trace_step *steps;
	size_t nsteps, capsteps;
	unsigned queries; /* sent, nested walks included */
	double ms;        /* wall time of the walk */
	char *error;      /* TRACE_ST_FAIL: why; else NULL */
	/* --dnssec: the RRSIGs of the answer sections, and the NSEC, NSEC3
	 * and RRSIGs of the authority sections, of every reply that gave a
	 * CNAME link, the answer or the negative answer */
	ldns_rr_list *sec;
};

struct trace_opts {
	int timeout_ms;  /* per try */
	int tries;       /* UDP tries per server address */
	int deadline_ms; /* for the whole run */
	bool v4, v6;     /* address families allowed (at least one) */
	bool dnssec;     /* DO=1, and keep what chain.h checks */
};

/* The addresses a nested walk found for a server (none if it failed). */
struct trace_learned {
	char *name; /* the server, lower-case, absolute; owned */
	ldns_rr_type type;
	struct sockaddr_storage addr[NSSET_MAX_ADDRS];
	size_t naddr;
};

/* One trace command: options, hints, the clock, the nesting stack and
 * what nested walks learned. */
struct trace_run {
	const struct trace_opts *o;
	const struct nsset *hints;
	uint64_t start, deadline; /* clock_mono_ms() */
	unsigned queries;
	char *stack[TRACE_MAX_NEST + 1]; /* names being resolved */
	size_t depth;
	bool deadline_hit;
	struct trace_learned learned[TRACE_MAX_LEARNED];
	size_t nlearned;
};

/*
 * Start a run: o and hints (hints.h) must outlive it; the deadline
 * starts now.
 */
void trace_run_init(struct trace_run *run, const struct trace_opts *o,
    const struct nsset *hints);

/* Free what run learned (the run itself is the caller's). */
void trace_run_free(struct trace_run *run);

/*
 * Walk for name (absolute) and type.  Returns the walk (the caller frees
 * it with trace_walk_free), whatever its status, or NULL when out of
 * memory.
 */
struct trace_walk *
trace_walk_run(struct trace_run *run, const ldns_rdf *name, ldns_rr_type type);

/* Free a walk, its steps and nested walks (NULL is fine). */
void trace_walk_free(struct trace_walk *w);

/* "referral", "answer", ... as in the JSON. */
const char *trace_outcome_str(enum trace_outcome o);

#endif /* ROOST_TRACE_H */
