/*
 * src/daemon/local.c - names roostd answers itself (see local.h).
 *
 * Invariants:
 * - Every name the table holds has each of its parents but the root in
 *   the table too (as a bare node when nothing else put it there), so a
 *   lookup walks the question's suffixes from its last label down and
 *   stops at the first one missing: a name of another tree costs one
 *   hash and one probe.
 * - Node names are lower case; a node's records stay in the order they
 *   were added, an identical record at most once.
 * - local_answer() writes only into the caller's buffer: the table is
 *   read-only once built, so the query path allocates nothing here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"
#include "local_rr.h"

struct local_rrec {
	struct local_rrec *next; /* at its node, in the order added */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[];
};

struct local_node {
	struct local_node *hnext;
	uint64_t hash;
	struct local_rrec *rrs;
	uint8_t zone; /* enum local_zone: LOCAL_ZONE_NONE if not an apex */
	bool builtin; /* its zone is a default one */
	uint8_t name_len;
	uint8_t name[]; /* wire form, lower case */
};

struct local_table {
	uint64_t seed;
	struct local_node **buckets;
	size_t nbuckets; /* a power of two, or 0 while empty */
	size_t nnodes;
	bool domain_needed;
};

struct local_table *
local_table_new(uint64_t seed)
{
	struct local_table *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->seed = seed;
	return t;
}

void
local_table_free(struct local_table *t)
{
	if (t == NULL)
		return;
	for (size_t b = 0; b < t->nbuckets; b++)
		while (t->buckets[b] != NULL) {
			struct local_node *n = t->buckets[b];

			t->buckets[b] = n->hnext;
			while (n->rrs != NULL) {
				struct local_rrec *r = n->rrs;

				n->rrs = r->next;
				free(r);
			}
			free(n);
		}
	free(t->buckets);
	free(t);
}

size_t
local_table_names(const struct local_table *t)
{
	return t->nnodes;
}

void
local_table_domain_needed(struct local_table *t, bool on)
{
	t->domain_needed = on;
}

/* --- nodes ------------------------------------------------------------ */

static struct local_node *
node_find(const struct local_table *t, const uint8_t *name, size_t len,
    uint64_t h)
{
	if (t->nbuckets == 0)
		return NULL;
	for (struct local_node *n = t->buckets[h & (t->nbuckets - 1)];
	     n != NULL; n = n->hnext)
		if (n->hash == h &&
		    wire_name_equal(n->name, n->name_len, name, len))
			return n;
	return NULL;
}

/* Doubles the bucket array (at one node per bucket).  0 or -1. */
static int
grow(struct local_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : 64;
	struct local_node **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < t->nbuckets; i++)
		while (t->buckets[i] != NULL) {
			struct local_node *x = t->buckets[i];

			t->buckets[i] = x->hnext;
			x->hnext = b[x->hash & (n - 1)];
			b[x->hash & (n - 1)] = x;
		}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return 0;
}

/* The node of one name (not the root), created if missing.  NULL: no
 * memory. */
static struct local_node *
node_get1(struct local_table *t, const uint8_t *name, size_t len)
{
	uint64_t h = wire_name_hash(name, len, t->seed);
	struct local_node *n = node_find(t, name, len, h);

	if (n != NULL)
		return n;
	if (t->nnodes >= t->nbuckets && grow(t) != 0)
		return NULL;
	if ((n = calloc(1, sizeof(*n) + len)) == NULL)
		return NULL;
	n->hash = h;
	n->name_len = (uint8_t)len;
	memcpy(n->name, name, len);
	wire_name_lower(n->name, len);
	n->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = n;
	t->nnodes++;
	return n;
}

/* The node of name with every parent's (the invariant).  NULL: no
 * memory, or the root (errno EINVAL). */
static struct local_node *
node_get(struct local_table *t, const uint8_t *name, size_t len)
{
	struct local_node *n = NULL;
	size_t offs[WIRE_MAX_LABELS], nl = 0;

	if (len < 2 || len > WIRE_MAX_NAME) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t off = 0; off + 1 < len && nl < WIRE_MAX_LABELS;
	     off += 1u + name[off])
		offs[nl++] = off;
	/* parents first: a failure leaves only nodes that keep the
	 * invariant */
	while (nl-- > 0)
		if ((n = node_get1(t, name + offs[nl], len - offs[nl])) ==
		    NULL) {
			errno = ENOMEM;
			return NULL;
		}
	return n;
}

int
local_table_zone(struct local_table *t, const uint8_t *name, size_t len,
    enum local_zone z, bool builtin)
{
	struct local_node *n;

	if (z == LOCAL_ZONE_NONE) {
		errno = EINVAL;
		return -1;
	}
	if ((n = node_get(t, name, len)) == NULL)
		return -1;
	if (n->zone != LOCAL_ZONE_NONE && !n->builtin && builtin)
		return 0; /* the user's zone stays */
	n->zone = (uint8_t)z;
	n->builtin = builtin;
	return 0;
}

int
local_table_rr(struct local_table *t, const uint8_t *owner, size_t owner_len,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	struct local_node *n;
	struct local_rrec *r, **pp;

	if (rdlen > LOCAL_MAX_RDATA || type == WIRE_T_OPT) {
		errno = EINVAL;
		return -1;
	}
	if ((n = node_get(t, owner, owner_len)) == NULL)
		return -1;
	for (pp = &n->rrs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->type == type && (*pp)->rdlen == rdlen &&
		    memcmp((*pp)->rdata, rdata, rdlen) == 0)
			return 0;
	if ((r = calloc(1, sizeof(*r) + rdlen)) == NULL)
		return -1;
	r->ttl = ttl;
	r->type = type;
	r->rdlen = (uint16_t)rdlen;
	if (rdlen > 0)
		memcpy(r->rdata, rdata, rdlen);
	*pp = r;
	return 0;
}

static const struct local_rrec *
find_rr(const struct local_node *n, uint16_t type);

bool
local_table_has(const struct local_table *t, const uint8_t *name, size_t len,
    uint16_t type)
{
	const struct local_node *n =
	    node_find(t, name, len, wire_name_hash(name, len, t->seed));

	return n != NULL && find_rr(n, type) != NULL;
}

/* --- answers ------------------------------------------------------------ */

/* The question's name cut into labels: offs[i] is where label i
 * starts, n of them (the root label not counted). */
struct qname {
	const uint8_t *name;
	size_t len;
	size_t offs[WIRE_MAX_LABELS];
	size_t n;
};

/* An answer being written: the message so far and its counts. */
struct out {
	uint8_t *buf;
	size_t cap, len;
	unsigned count[3]; /* answer, authority, additional */
	bool full;         /* a record did not fit */
	const struct qname *qn;
};

/* Writes name: a pointer into the question when it is one of the
 * question's suffixes, else the name itself. */
static void
put_name(struct out *o, const uint8_t *name, size_t len)
{
	const struct qname *qn = o->qn;

	for (size_t i = 0; i <= qn->n; i++) {
		size_t off = i < qn->n ? qn->offs[i] : qn->len - 1;

		if (qn->len - off == len &&
		    wire_name_equal(qn->name + off, len, name, len)) {
			if (o->len + 2 > o->cap) {
				o->full = true;
				return;
			}
			wire_put16(o->buf + o->len,
			    (uint16_t)(0xc000u | (WIRE_HDR_LEN + off)));
			o->len += 2;
			return;
		}
	}
	if (o->len + len > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, name, len);
	o->len += len;
}

static void
put_rr(struct out *o, enum wire_section sec, const uint8_t *owner,
    size_t owner_len, uint16_t type, uint32_t ttl, const uint8_t *rdata,
    size_t rdlen)
{
	size_t start = o->len;

	if (o->full)
		return;
	put_name(o, owner, owner_len);
	if (o->full || o->len + WIRE_RR_FIXED + rdlen > o->cap) {
		o->len = start;
		o->full = true;
		return;
	}
	wire_put16(o->buf + o->len, type);
	wire_put16(o->buf + o->len + 2, WIRE_C_IN);
	wire_put32(o->buf + o->len + 4, ttl);
	wire_put16(o->buf + o->len + 8, (uint16_t)rdlen);
	if (rdlen > 0)
		memcpy(o->buf + o->len + WIRE_RR_FIXED, rdata, rdlen);
	o->len += WIRE_RR_FIXED + rdlen;
	o->count[sec]++;
}

/* Writes every record of n of type (any type for ANY); returns how
 * many. */
static unsigned
put_rrset(struct out *o, enum wire_section sec, const struct local_node *n,
    const uint8_t *owner, size_t owner_len, uint16_t type)
{
	unsigned k = 0;

	for (const struct local_rrec *r = n->rrs; r != NULL; r = r->next)
		if (r->type == type || type == WIRE_T_ANY) {
			put_rr(o, sec, owner, owner_len, r->type, r->ttl,
			    r->rdata, r->rdlen);
			k++;
		}
	return k;
}

static const struct local_rrec *
find_rr(const struct local_node *n, uint16_t type)
{
	for (const struct local_rrec *r = n->rrs; r != NULL; r = r->next)
		if (r->type == type)
			return r;
	return NULL;
}

/* RFC 6303 3's SOA for zone z: MNAME the zone, RNAME nobody.invalid.,
 * serial 1, refresh 3600, retry 1200, expire 604800, minimum 10800. */
static void
put_synth_soa(struct out *o, enum wire_section sec, const struct local_node *z)
{
	static const uint8_t rname[] = "\6nobody\7invalid";
	static const uint8_t times[20] = { 0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0,
		0x04, 0xb0, 0, 0x09, 0x3a, 0x80, 0, 0, 0x2a, 0x30 };
	uint8_t rd[WIRE_MAX_NAME + sizeof(rname) + sizeof(times)];
	size_t n = 0;

	memcpy(rd, z->name, z->name_len);
	n += z->name_len;
	memcpy(rd + n, rname, sizeof(rname)); /* with its root label */
	n += sizeof(rname);
	memcpy(rd + n, times, sizeof(times));
	n += sizeof(times);
	put_rr(o, sec, z->name, z->name_len, WIRE_T_SOA, LOCAL_SOA_TTL, rd, n);
}

/* The zone's SOA: its own from local-data, else RFC 6303's. */
static void
put_zone_soa(struct out *o, enum wire_section sec, const struct local_node *z)
{
	if (find_rr(z, WIRE_T_SOA) != NULL)
		(void)put_rrset(o, sec, z, z->name, z->name_len, WIRE_T_SOA);
	else
		put_synth_soa(o, sec, z);
}

/*
 * NAME holds records: TYPE's, else a CNAME and what it leads to inside
 * the table, else NODATA (the zone's SOA in authority if there is a
 * zone).  Returns the rcode.
 */
static unsigned
answer_data(const struct local_table *t, struct out *o,
    const struct local_node *n, const struct local_node *zone, uint16_t qtype)
{
	const uint8_t *owner = n->name;
	size_t owner_len = n->name_len;

	for (unsigned hops = 0; n != NULL && hops <= LOCAL_MAX_CNAME; hops++) {
		const struct local_rrec *c;

		if (put_rrset(o, WIRE_SEC_ANSWER, n, owner, owner_len, qtype) >
			0 ||
		    qtype == WIRE_T_CNAME ||
		    (c = find_rr(n, WIRE_T_CNAME)) == NULL)
			break;
		put_rr(o, WIRE_SEC_ANSWER, owner, owner_len, WIRE_T_CNAME,
		    c->ttl, c->rdata, c->rdlen);
		owner = c->rdata;
		owner_len = c->rdlen;
		n = node_find(t, owner, owner_len,
		    wire_name_hash(owner, owner_len, t->seed));
		if (n != NULL && n->rrs == NULL)
			n = NULL;
	}
	if (o->count[WIRE_SEC_ANSWER] == 0 && zone != NULL)
		put_zone_soa(o, WIRE_SEC_AUTHORITY, zone);
	return WIRE_NOERROR;
}

/* localhost and every name below it: the loopback addresses. */
static unsigned
answer_localhost(struct out *o, const struct local_node *z, bool apex,
    uint16_t qtype)
{
	static const uint8_t v4[4] = { 127, 0, 0, 1 };
	static const uint8_t v6[16] = { [15] = 1 };
	const struct qname *qn = o->qn;

	if (qtype == WIRE_T_A || qtype == WIRE_T_ANY)
		put_rr(o, WIRE_SEC_ANSWER, qn->name, qn->len, WIRE_T_A,
		    LOCAL_LOOPBACK_TTL, v4, sizeof(v4));
	if (qtype == WIRE_T_AAAA || qtype == WIRE_T_ANY)
		put_rr(o, WIRE_SEC_ANSWER, qn->name, qn->len, WIRE_T_AAAA,
		    LOCAL_LOOPBACK_TTL, v6, sizeof(v6));
	if (apex && (qtype == WIRE_T_SOA || qtype == WIRE_T_ANY))
		put_zone_soa(o, WIRE_SEC_ANSWER, z);
	if (apex && (qtype == WIRE_T_NS || qtype == WIRE_T_ANY))
		put_rr(o, WIRE_SEC_ANSWER, z->name, z->name_len, WIRE_T_NS,
		    LOCAL_SOA_TTL, z->name, z->name_len);
	if (o->count[WIRE_SEC_ANSWER] == 0)
		put_zone_soa(o, WIRE_SEC_AUTHORITY, z);
	return WIRE_NOERROR;
}

/* A static zone's answer for a name without records: at the apex its
 * SOA and NS, NODATA at names that lead to records, else NXDOMAIN. */
static unsigned
answer_static(struct out *o, const struct local_node *z, bool apex, bool exists,
    uint16_t qtype)
{
	if (apex && (qtype == WIRE_T_SOA || qtype == WIRE_T_ANY))
		put_zone_soa(o, WIRE_SEC_ANSWER, z);
	if (apex && (qtype == WIRE_T_NS || qtype == WIRE_T_ANY))
		put_rr(o, WIRE_SEC_ANSWER, z->name, z->name_len, WIRE_T_NS,
		    LOCAL_SOA_TTL, z->name, z->name_len);
	if (o->count[WIRE_SEC_ANSWER] > 0)
		return WIRE_NOERROR;
	put_zone_soa(o, WIRE_SEC_AUTHORITY, z);
	return exists ? WIRE_NOERROR : WIRE_NXDOMAIN;
}

/* True for the types a top-level domain is asked about as a zone (its
 * delegation and DNSSEC records): these single-label questions go on,
 * every other one is a host name's and stays here. */
static bool
is_zone_type(uint16_t t)
{
	switch (t) {
	case WIRE_T_NS:
	case WIRE_T_SOA:
	case 43: /* DS */
	case 46: /* RRSIG */
	case 47: /* NSEC */
	case 48: /* DNSKEY */
	case 50: /* NSEC3 */
	case 51: /* NSEC3PARAM */
	case 59: /* CDS */
	case 60: /* CDNSKEY */
	case 63: /* ZONEMD */
		return true;
	}
	return false;
}

/* Cuts q's name into labels.  False if it does not parse (it did). */
static bool
qname_split(struct qname *qn, const uint8_t *name, size_t len)
{
	size_t off = 0;

	qn->name = name;
	qn->len = len;
	qn->n = 0;
	while (off < len && name[off] != 0) {
		if (qn->n >= WIRE_MAX_LABELS)
			return false;
		qn->offs[qn->n++] = off;
		off += 1u + name[off];
	}
	return off + 1 == len;
}

/*
 * Which rcode the table gives q, writing records into o; -1 for none
 * (pass).  *dflt: the answer came from a built-in zone.
 */
static int
decide(const struct local_table *t, struct out *o, uint16_t qtype, bool *dflt)
{
	const struct qname *qn = o->qn;
	const struct local_node *zone = NULL, *exact = NULL, *n;

	*dflt = false;
	for (size_t i = qn->n; i-- > 0;) {
		const uint8_t *s = qn->name + qn->offs[i];
		size_t sl = qn->len - qn->offs[i];

		if ((n = node_find(t, s, sl, wire_name_hash(s, sl, t->seed))) ==
		    NULL)
			break;
		if (n->zone != LOCAL_ZONE_NONE)
			zone = n;
		if (i == 0)
			exact = n;
	}
	if (exact != NULL && exact->rrs != NULL)
		return (int)answer_data(t, o, exact, zone, qtype);
	if (zone == NULL) {
		if (t->domain_needed && qn->n == 1 && !is_zone_type(qtype)) {
			*dflt = true;
			return WIRE_NXDOMAIN;
		}
		return -1;
	}
	*dflt = zone->builtin && zone->zone != LOCAL_ZONE_LOCALHOST;
	switch ((enum local_zone)zone->zone) {
	case LOCAL_ZONE_REFUSE:
		return WIRE_REFUSED;
	case LOCAL_ZONE_LOCALHOST:
		return (int)answer_localhost(o, zone, zone == exact, qtype);
	case LOCAL_ZONE_STATIC:
		return (int)answer_static(o, zone, zone == exact, exact != NULL,
		    qtype);
	case LOCAL_ZONE_TRANSPARENT:
	case LOCAL_ZONE_NONE:
		break;
	}
	return -1;
}

enum local_result
local_answer(const struct local_table *t, const struct wire_header *qh,
    const struct wire_question *q, uint8_t *out, size_t cap, size_t *len)
{
	struct qname qn;
	struct out o = { .buf = out, .cap = cap, .qn = &qn };
	bool dflt;
	int rcode;

	if (t->nnodes == 0 && !t->domain_needed)
		return LOCAL_PASS;
	if (!qname_split(&qn, q->name, q->name_len) ||
	    wire_build_response(out, cap, &o.len, qh, q, 0, WIRE_AA) != WIRE_OK)
		return LOCAL_PASS;
	if ((rcode = decide(t, &o, q->qtype, &dflt)) < 0)
		return LOCAL_PASS;
	if (o.full) {
		/* cannot happen within WIRE_MAX_MSG: config bounds the
		 * records; say so rather than send half */
		o.len = WIRE_HDR_LEN + q->name_len + 4;
		o.count[0] = o.count[1] = o.count[2] = 0;
		rcode = WIRE_SERVFAIL;
	}
	wire_put16(out + 2,
	    (uint16_t)((wire_get16(out + 2) & ~0x000fu) | (unsigned)rcode));
	wire_put16(out + 6, (uint16_t)o.count[0]);
	wire_put16(out + 8, (uint16_t)o.count[1]);
	wire_put16(out + 10, (uint16_t)o.count[2]);
	*len = o.len;
	return dflt ? LOCAL_DEFAULT : LOCAL_ANSWERED;
}

/* --- from the configuration ------------------------------------------- */

/* A zone given in presentation form; 0 or -1. */
static int
zone_text(struct local_table *t, const char *text, enum local_zone z)
{
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	if (wire_name_from_text(text, name, &len) != WIRE_OK) {
		errno = EINVAL;
		return -1;
	}
	return local_table_zone(t, name, len, z, true);
}

/* RFC 6303 4 and the IANA registry of locally served zones. */
static const char *const local_reverse_zones[] = {
	"10.in-addr.arpa",
	"168.192.in-addr.arpa",
	"254.169.in-addr.arpa",
	"0.in-addr.arpa",
	"127.in-addr.arpa",
	"2.0.192.in-addr.arpa",
	"100.51.198.in-addr.arpa",
	"113.0.203.in-addr.arpa",
	"255.255.255.255.in-addr.arpa",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6."
	"arpa",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6."
	"arpa",
	"d.f.ip6.arpa",
	"8.e.f.ip6.arpa",
	"9.e.f.ip6.arpa",
	"a.e.f.ip6.arpa",
	"b.e.f.ip6.arpa",
	"8.b.d.0.1.0.0.2.ip6.arpa",
};

/* 172.16/12 and 100.64/10 are many zones each. */
static int
reverse_ranges(struct local_table *t)
{
	char z[32];

	for (unsigned i = 16; i <= 31; i++) {
		snprintf(z, sizeof(z), "%u.172.in-addr.arpa", i);
		if (zone_text(t, z, LOCAL_ZONE_STATIC) != 0)
			return -1;
	}
	for (unsigned i = 64; i <= 127; i++) {
		snprintf(z, sizeof(z), "%u.100.in-addr.arpa", i);
		if (zone_text(t, z, LOCAL_ZONE_STATIC) != 0)
			return -1;
	}
	return 0;
}

/* The PTR records of 127.0.0.1 and ::1: localhost. */
static int
loopback_ptrs(struct local_table *t)
{
	static const char *const owners[] = { "1.0.0.127.in-addr.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.ip6.arpa" };
	static const uint8_t target[] = "\11localhost";
	uint8_t name[WIRE_MAX_NAME];
	size_t len;

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		if (wire_name_from_text(owners[i], name, &len) != WIRE_OK ||
		    local_table_rr(t, name, len, WIRE_T_PTR, LOCAL_LOOPBACK_TTL,
			target, sizeof(target)) != 0)
			return -1;
	return 0;
}

static int
builtin_zones(struct local_table *t, const struct config *c)
{
	if (c->serve_localhost &&
	    zone_text(t, "localhost", LOCAL_ZONE_LOCALHOST) != 0)
		return -1;
	if (c->serve_special_use &&
	    (zone_text(t, "invalid", LOCAL_ZONE_STATIC) != 0 ||
		zone_text(t, "onion", LOCAL_ZONE_STATIC) != 0))
		return -1;
	if (c->serve_private_reverse) {
		for (size_t i = 0; i < sizeof(local_reverse_zones) /
			 sizeof(local_reverse_zones[0]);
		     i++)
			if (zone_text(t, local_reverse_zones[i],
				LOCAL_ZONE_STATIC) != 0)
				return -1;
		if (reverse_ranges(t) != 0 ||
		    (c->serve_localhost && loopback_ptrs(t) != 0))
			return -1;
	}
	return 0;
}

static const enum local_zone zone_kinds[] = {
	[CONFIG_LOCAL_STATIC] = LOCAL_ZONE_STATIC,
	[CONFIG_LOCAL_TRANSPARENT] = LOCAL_ZONE_TRANSPARENT,
	[CONFIG_LOCAL_REFUSE] = LOCAL_ZONE_REFUSE,
};

/* c's local-zone and local-data lines; 0 or -1 with err. */
static int
user_data(struct local_table *t, const struct config *c, char *err,
    size_t errlen)
{
	const char *p = c->local_data;
	struct local_rr rr;

	for (size_t i = 0; i < c->nlocal_zone; i++) {
		const struct config_local_zone *z = &c->local_zone[i];

		if (local_table_zone(t, z->name, z->name_len,
			zone_kinds[z->kind], false) != 0) {
			snprintf(err, errlen, "local-zone: out of memory");
			return -1;
		}
	}
	for (size_t i = 0; i < c->nlocal_data; i++, p += strlen(p) + 1) {
		if (local_rr_parse(p, &rr, err, errlen) != 0)
			return -1;
		if (local_table_rr(t, rr.owner, rr.owner_len, rr.type, rr.ttl,
			rr.rdata, rr.rdlen) != 0) {
			snprintf(err, errlen, "local-data: out of memory");
			return -1;
		}
	}
	return 0;
}

struct local_table *
local_table_from_config(const struct config *c, uint64_t seed, char *err,
    size_t errlen)
{
	struct local_table *t = local_table_new(seed);

	if (t == NULL) {
		snprintf(err, errlen, "local names: out of memory");
		return NULL;
	}
	local_table_domain_needed(t, c->domain_needed);
	if (builtin_zones(t, c) != 0) {
		snprintf(err, errlen, "local names: out of memory");
		local_table_free(t);
		return NULL;
	}
	if (user_data(t, c, err, errlen) != 0) {
		local_table_free(t);
		return NULL;
	}
	return t;
}
