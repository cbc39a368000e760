/*
 * tests/mock/mock_rules.h - misbehaviour rules for mockdns.
 *
 * A rule is one line: NAME TYPE ITEM...  (see tests/mock/README.md and
 * mockdns --help).  The first rule that matches a query decides, with all
 * its items; a query no rule matches is answered normally.  A rule set is
 * immutable once built; a reload builds a new one and swaps it whole.
 */
#ifndef MOCK_RULES_H
#define MOCK_RULES_H

#include <stddef.h>

#include <ldns/ldns.h>

/* Most rules in one set; more is a load error. */
#define MOCK_MAX_RULES 1024
/* Largest delay a rule may ask for, in milliseconds. */
#define MOCK_MAX_DELAY_MS 600000

enum mock_transport {
	MOCK_TRANSPORT_ANY = 0,
	MOCK_TRANSPORT_UDP,
	MOCK_TRANSPORT_TCP
};

struct mock_rule {
	/* what it matches */
	ldns_rdf *name;    /* owned, lower case; NULL: any name */
	int below;         /* "*.NAME": only names below name */
	ldns_rr_type type; /* 0: any type */
	enum mock_transport transport;
	/* what it does; one rule may combine several items */
	int delay_ms;       /* before answering, either transport */
	int tcp_delay_ms;   /* before answering over TCP */
	int drop;           /* send nothing */
	int tc;             /* UDP: TC=1 and the question only */
	int rcode;          /* -1: answer from data */
	int wrong_id;       /* reply id = query id ^ 0xffff */
	int wrong_question; /* question renamed, see mockdns.c */
	int garbage;        /* the id, then junk bytes */
	int truncate;       /* -1: whole; else keep this many bytes */
	int close_mid;      /* TCP: half the reply, then close */
	int wrong_case;     /* the question's letters change case */
	int other_port;     /* UDP: sent from another socket (port) */
	int flap;           /* 0, or N: drop N queries, answer N, ... */
	int tcp_claim;      /* -1, or TCP: this length prefix instead */
	int trickle_ms;     /* 0, or TCP: one byte every this many ms */
	int tc_bit;         /* TC=1 on the whole reply, either transport */
	int ede;            /* -1, or an EDE INFO-CODE for the reply's OPT */
	int badcookie;      /* BADCOOKIE unless our server cookie came */
	int wrong_cookie;   /* the reply's client cookie is altered */
	int no_cookie;      /* no COOKIE option in the reply */
	char *text;         /* owned: the items as written */
};

struct mock_rules;

/* A new empty rule set, or NULL if out of memory. */
struct mock_rules *mock_rules_new(void);

/* Free r and its rules; NULL is fine. */
void mock_rules_free(struct mock_rules *r);

/*
 * Parse one rule line (blank and "#" comment lines are accepted and add
 * nothing) and append it to r.  where names the line in messages, e.g.
 * "rules.txt:3" or "--rule".  Returns 0, or -1 with "WHERE: message" in err.
 */
int mock_rules_add(struct mock_rules *r, const char *line, const char *where,
    char *err, size_t errlen);

/* Append every rule of the file at path.  Returns 0, or -1 with err. */
int mock_rules_add_file(struct mock_rules *r, const char *path, char *err,
    size_t errlen);

/*
 * The first rule matching the query (qname in any case), or NULL.  The rule
 * stays owned by r.
 */
const struct mock_rule *mock_rules_match(const struct mock_rules *r,
    const ldns_rdf *qname, ldns_rr_type qtype, enum mock_transport t);

/* Number of rules in r. */
size_t mock_rules_count(const struct mock_rules *r);

#endif /* MOCK_RULES_H */
