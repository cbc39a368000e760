/*
 * src/client/query_args.c - `roost query`'s dig-style command line (see
 * query_args.h).
 *
 * One table names the +KEYWORDs; a keyword matches exactly, or as the
 * unique table entry it begins.  Invariant: a failed parse leaves a
 * message in err and nothing else: every value is checked before it is
 * stored.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "query_args.h"

enum plus_id {
	PLUS_ALL,
	PLUS_ANSWER,
	PLUS_AUTHORITY,
	PLUS_ADDITIONAL,
	PLUS_QUESTION,
	PLUS_COMMENTS,
	PLUS_STATS,
	PLUS_CMD,
	PLUS_SHORT,
	PLUS_TCP,
	PLUS_RECURSE,
	PLUS_DNSSEC,
	PLUS_CDFLAG,
	PLUS_ADFLAG,
	PLUS_NSID,
	PLUS_COOKIE,
	PLUS_SUBNET,
	PLUS_BUFSIZE,
	PLUS_TIME,
	PLUS_TRIES,
	PLUS_RETRY,
	PLUS_EDNS,
};

/* How a keyword takes "=VALUE". */
enum plus_value { VALUE_NONE, VALUE_OPTIONAL, VALUE_REQUIRED };

static const struct plus {
	const char *name;
	enum plus_id id;
	enum plus_value value;
	bool alias; /* matched whole only, never as an abbreviation */
} pluses[] = {
	{ "all", PLUS_ALL, VALUE_NONE, false },
	{ "answer", PLUS_ANSWER, VALUE_NONE, false },
	{ "authority", PLUS_AUTHORITY, VALUE_NONE, false },
	{ "additional", PLUS_ADDITIONAL, VALUE_NONE, false },
	{ "question", PLUS_QUESTION, VALUE_NONE, false },
	{ "comments", PLUS_COMMENTS, VALUE_NONE, false },
	{ "stats", PLUS_STATS, VALUE_NONE, false },
	{ "cmd", PLUS_CMD, VALUE_NONE, false },
	{ "short", PLUS_SHORT, VALUE_NONE, false },
	{ "tcp", PLUS_TCP, VALUE_NONE, false },
	{ "vc", PLUS_TCP, VALUE_NONE, true },
	{ "recurse", PLUS_RECURSE, VALUE_NONE, false },
	{ "dnssec", PLUS_DNSSEC, VALUE_NONE, false },
	{ "cdflag", PLUS_CDFLAG, VALUE_NONE, false },
	{ "cd", PLUS_CDFLAG, VALUE_NONE, true },
	{ "adflag", PLUS_ADFLAG, VALUE_NONE, false },
	{ "ad", PLUS_ADFLAG, VALUE_NONE, true },
	{ "nsid", PLUS_NSID, VALUE_NONE, false },
	{ "cookie", PLUS_COOKIE, VALUE_NONE, false },
	{ "subnet", PLUS_SUBNET, VALUE_REQUIRED, false },
	{ "bufsize", PLUS_BUFSIZE, VALUE_REQUIRED, false },
	{ "time", PLUS_TIME, VALUE_REQUIRED, false },
	{ "tries", PLUS_TRIES, VALUE_REQUIRED, false },
	{ "retry", PLUS_RETRY, VALUE_REQUIRED, false },
	{ "edns", PLUS_EDNS, VALUE_OPTIONAL, false },
};
#define NPLUSES (sizeof(pluses) / sizeof(pluses[0]))

void
query_args_usage(FILE *f)
{
	fprintf(f,
	    "usage: roost query [@SERVER] [-t TYPE] [-c CLASS] [-p PORT] "
	    "[-x ADDRESS]\n"
	    "                   [-4|-6] [--json] NAME [TYPE] [CLASS] "
	    "[+OPTION...]\n"
	    "Ask one server one question, as dig does, and show its reply "
	    "as dig does.\n"
	    "\n"
	    "  NAME              the name asked (taken as absolute)\n"
	    "  TYPE, -t TYPE     A (default; PTR with -x), AAAA, MX, TXT, "
	    "NS, SOA, ...\n"
	    "  CLASS, -c CLASS   IN (default), CH, HS\n"
	    "  @SERVER           an address (also ADDR#PORT, [V6]:PORT) or "
	    "a name,\n"
	    "                    whose addresses are asked in turn; default "
	    "127.0.0.1,\n"
	    "                    the local roostd\n"
	    "  -p, --port PORT   the server's port (default 53; #PORT wins)\n"
	    "  -q NAME           the name, even one that reads as a type\n"
	    "  -x ADDRESS        the reverse name of ADDRESS, type PTR\n"
	    "  -4, -6            only IPv4 or IPv6 addresses of SERVER\n"
	    "  -j, --json        the reply as one JSON document\n"
	    "      --timeout S   seconds per try, as +time=S\n"
	    "      --tries N     UDP tries, as +tries=N\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "Query options (+noOPTION turns one off; an unambiguous "
	    "abbreviation works):\n"
	    "  +[no]tcp, +[no]vc     ask over TCP only (else UDP, then TCP "
	    "when truncated)\n"
	    "  +[no]recurse          recursion desired, the RD bit (on)\n"
	    "  +[no]dnssec           ask for DNSSEC records, the DO bit "
	    "(off)\n"
	    "  +[no]cdflag, +[no]cd  checking disabled, the CD bit (off)\n"
	    "  +[no]adflag, +[no]ad  authenticated data, the AD bit (on)\n"
	    "  +[no]nsid             ask the server's identifier, NSID (off)\n"
	    "  +[no]cookie           send a DNS cookie (on)\n"
	    "  +subnet=ADDR[/N]      a client-subnet option (+subnet=0: none "
	    "wanted)\n"
	    "  +bufsize=N            the EDNS UDP size (1232)\n"
	    "  +[no]edns[=N]         EDNS, version N (on, 0)\n"
	    "  +time=S, +tries=N, +retry=N   seconds per try (5), UDP tries "
	    "(3)\n"
	    "Display options:\n"
	    "  +[no]short            only the answer's data\n"
	    "  +[no]all              every part below\n"
	    "  +[no]cmd, +[no]comments, +[no]question, +[no]answer,\n"
	    "  +[no]authority, +[no]additional, +[no]stats\n"
	    "\n"
	    "Exit status: 0 an answer, 1 NXDOMAIN or NODATA, 2 no reply or an\n"
	    "error rcode (SERVFAIL, REFUSED, ...), 3 usage.  (dig exits 0 for\n"
	    "any reply.)\n");
}

void
query_args_init(struct query_args *a)
{
	*a = (struct query_args){
		.port = 53,
		.family = AF_UNSPEC,
		.rd = true,
		.ad = true,
		.cookie = true,
		.edns = true,
		.bufsize = QUERY_ARGS_BUFSIZE,
		.timeout_ms = QUERY_ARGS_TIMEOUT_MS,
		.tries = QUERY_ARGS_TRIES,
		.cmd = true,
		.stats = true,
		.view = { .comments = true,
		    .question = true,
		    .answer = true,
		    .authority = true,
		    .additional = true },
	};
}

/* The table entry word (cut at '=' by len) names, or NULL (err set). */
static const struct plus *
plus_find(const char *word, size_t len, char *err, size_t errlen)
{
	const struct plus *found = NULL;
	size_t n = 0;

	for (size_t i = 0; i < NPLUSES; i++) {
		if (strlen(pluses[i].name) == len &&
		    strncmp(pluses[i].name, word, len) == 0)
			return &pluses[i];
		if (!pluses[i].alias && len > 0 &&
		    strncmp(pluses[i].name, word, len) == 0 &&
		    (found == NULL || found->id != pluses[i].id)) {
			found = &pluses[i];
			n++;
		}
	}
	if (n == 1)
		return found;
	snprintf(err, errlen, "%s query option \"+%.*s\"",
	    n > 1 ? "ambiguous" : "unknown", (int)len, word);
	return NULL;
}

/* +subnet=ADDR[/PREFIX] or +subnet=0 into s. */
static int
parse_subnet(const char *v, struct query_args_subnet *s, char *err,
    size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(v, '/');
	size_t alen = slash != NULL ? (size_t)(slash - v) : strlen(v);
	int prefix = -1, max;

	*s = (struct query_args_subnet){ .set = true, .family = 1 };
	if (strcmp(v, "0") == 0) /* dig sends 0.0.0.0/0 */
		return 0;
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, s->addr) == 1)
		s->family = 1, max = 32;
	else if (inet_pton(AF_INET6, addr, s->addr) == 1)
		s->family = 2, max = 128;
	else
		goto bad;
	if (slash != NULL && args_parse_int(slash + 1, 0, max, &prefix) == -1)
		goto bad;
	s->source = prefix >= 0 ? (unsigned)prefix : (unsigned)max;
	/* bits past the prefix are zero on the wire (RFC 7871 6) */
	for (unsigned bit = s->source; bit < (unsigned)max; bit++)
		s->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	return 0;
bad:
	snprintf(err, errlen, "bad +subnet \"%s\" (ADDRESS[/PREFIX], or 0)", v);
	return -1;
}

/* "+short" and "+all" switch several things at once, as dig's do. */
static void
plus_display(struct query_args *a, enum plus_id id, bool on)
{
	struct digout_view *v = &a->view;

	if (id == PLUS_ALL) {
		v->question = v->answer = v->authority = v->additional = on;
		v->comments = a->stats = a->cmd = on;
		return;
	}
	v->short_form = on;
	if (on) {
		a->cmd = a->stats = v->comments = false;
		v->question = v->authority = v->additional = false;
		v->answer = true;
	}
}

/* A value of +KEYWORD=VALUE; 0 or -1 with err set. */
static int
plus_set_value(struct query_args *a, enum plus_id id, const char *opt,
    const char *v, char *err, size_t errlen)
{
	int n;

	switch (id) {
	case PLUS_SUBNET:
		if (parse_subnet(v, &a->subnet, err, errlen) == -1)
			return -1;
		a->edns = true;
		return 0;
	case PLUS_BUFSIZE:
		if (args_parse_int(v, 0, 65535, &n) == -1)
			break;
		a->bufsize = (unsigned)n;
		return 0;
	case PLUS_TIME:
		if (args_parse_seconds(v, &a->timeout_ms) == -1)
			break;
		return 0;
	case PLUS_TRIES:
	case PLUS_RETRY:
		if (args_parse_int(v, id == PLUS_RETRY ? 0 : 1, 10, &n) == -1)
			break;
		a->tries = id == PLUS_RETRY ? n + 1 : n;
		return 0;
	case PLUS_EDNS:
		if (args_parse_int(v, 0, 255, &n) == -1)
			break;
		a->edns_version = (unsigned)n;
		a->edns = true;
		return 0;
	default:
		break;
	}
	snprintf(err, errlen, "bad value \"%s\" for %s", v, opt);
	return -1;
}

static int
plus_option(struct query_args *a, const char *opt, char *err, size_t errlen)
{
	const char *word = opt + 1, *eq;
	const struct plus *p;
	bool on = true;

	if (strncmp(word, "no", 2) == 0)
		on = false, word += 2;
	eq = strchr(word, '=');
	p = plus_find(word, eq != NULL ? (size_t)(eq - word) : strlen(word),
	    err, errlen);
	if (p == NULL)
		return -1;
	if ((eq != NULL && (p->value == VALUE_NONE || !on)) ||
	    (eq == NULL && on && p->value == VALUE_REQUIRED)) {
		snprintf(err, errlen, "\"%s\": +%s%s", opt, p->name,
		    eq != NULL ? " takes no value here" : "=VALUE expected");
		return -1;
	}
	if (eq != NULL) {
		char name[16];

		snprintf(name, sizeof(name), "+%s", p->name);
		return plus_set_value(a, p->id, name, eq + 1, err, errlen);
	}
	switch (p->id) {
	case PLUS_ALL:
	case PLUS_SHORT:
		plus_display(a, p->id, on);
		break;
	case PLUS_ANSWER:
		a->view.answer = on;
		break;
	case PLUS_AUTHORITY:
		a->view.authority = on;
		break;
	case PLUS_ADDITIONAL:
		a->view.additional = on;
		break;
	case PLUS_QUESTION:
		a->view.question = on;
		break;
	case PLUS_COMMENTS:
		a->view.comments = on;
		break;
	case PLUS_STATS:
		a->stats = on;
		break;
	case PLUS_CMD:
		a->cmd = on;
		break;
	case PLUS_TCP:
		a->tcp = on;
		break;
	case PLUS_RECURSE:
		a->rd = on;
		break;
	case PLUS_DNSSEC:
		a->dnssec = on;
		a->edns = a->edns || on;
		break;
	case PLUS_CDFLAG:
		a->cd = on;
		break;
	case PLUS_ADFLAG:
		a->ad = on;
		break;
	case PLUS_NSID:
		a->nsid = on;
		a->edns = a->edns || on;
		break;
	case PLUS_COOKIE:
		a->cookie = on;
		break;
	case PLUS_SUBNET: /* +nosubnet */
		a->subnet.set = false;
		break;
	case PLUS_BUFSIZE: /* +nobufsize */
		a->bufsize = QUERY_ARGS_BUFSIZE;
		break;
	case PLUS_EDNS:
		a->edns = on;
		a->edns_version = 0;
		break;
	default: /* +noTIME and the like: dig ignores them too */
		break;
	}
	return 0;
}

/* The -X and --NAME options; value: takes one ("-tMX", "-t MX",
 * "--port=53", "--port 53"). */
static const struct dash {
	const char *flag;
	char key;
	bool value;
} dashes[] = {
	{ "-h", 'h', false },
	{ "--help", 'h', false },
	{ "-j", 'j', false },
	{ "--json", 'j', false },
	{ "-4", '4', false },
	{ "-6", '6', false },
	{ "-p", 'p', true },
	{ "--port", 'p', true },
	{ "-t", 't', true },
	{ "-c", 'c', true },
	{ "-q", 'q', true },
	{ "-x", 'x', true },
	{ "--timeout", 'T', true },
	{ "--tries", 'N', true },
};
#define NDASHES (sizeof(dashes) / sizeof(dashes[0]))

/*
 * The entry arg names and, for one with a value, the value (attached,
 * after '=' for a long one, or the next argument, *i then moved past
 * it).  Returns the entry, or NULL with err set.
 */
static const struct dash *
dash_find(int argc, char **argv, int *i, const char **value, char *err,
    size_t errlen)
{
	const char *arg = argv[*i];

	for (size_t k = 0; k < NDASHES; k++) {
		const struct dash *d = &dashes[k];
		size_t n = strlen(d->flag);
		const char *rest = arg + n;

		if (strncmp(arg, d->flag, n) != 0)
			continue;
		if (!d->value && *rest == '\0')
			return d;
		if (!d->value)
			continue;
		if (d->flag[1] == '-' && *rest == '=')
			rest++;
		else if (d->flag[1] == '-' && *rest != '\0')
			continue;
		if (*rest == '\0') {
			if (*i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", arg);
				return NULL;
			}
			rest = argv[++*i];
		}
		*value = rest;
		return d;
	}
	snprintf(err, errlen, "unknown option \"%s\"", arg);
	return NULL;
}

static int
dash_option(struct query_args *a, int argc, char **argv, int *i, char *err,
    size_t errlen)
{
	const char *v = NULL;
	const struct dash *d = dash_find(argc, argv, i, &v, err, errlen);

	if (d == NULL)
		return -1;
	switch (d->key) {
	case 'h':
		return 1;
	case 'j':
		a->json = true;
		return 0;
	case '4':
	case '6':
		a->family = d->key == '4' ? AF_INET : AF_INET6;
		return 0;
	case 'p':
		if (args_parse_int(v, 1, 65535, &a->port) == -1) {
			snprintf(err, errlen, "bad port \"%s\"", v);
			return -1;
		}
		return 0;
	case 'T':
		return plus_set_value(a, PLUS_TIME, d->flag, v, err, errlen);
	case 'N':
		return plus_set_value(a, PLUS_TRIES, d->flag, v, err, errlen);
	case 't':
		if ((a->type = ldns_get_rr_type_by_name(v)) == 0) {
			snprintf(err, errlen, "unknown type \"%s\"", v);
			return -1;
		}
		return 0;
	case 'c':
		if ((a->class = ldns_get_rr_class_by_name(v)) == 0) {
			snprintf(err, errlen, "unknown class \"%s\"", v);
			return -1;
		}
		return 0;
	case 'x':
		a->reverse = true;
		/* FALLTHROUGH */
	default: /* -q */
		a->name = v;
		return 0;
	}
}

/* NAME, TYPE or CLASS, told apart as dig does: a type or class name
 * not yet given is taken as such (-q NAME asks for a name like one). */
static int
operand(struct query_args *a, const char *arg, char *err, size_t errlen)
{
	if (a->type == 0 && ldns_get_rr_type_by_name(arg) != 0)
		a->type = ldns_get_rr_type_by_name(arg);
	else if (a->class == 0 && ldns_get_rr_class_by_name(arg) != 0)
		a->class = ldns_get_rr_class_by_name(arg);
	else if (a->name == NULL)
		a->name = arg;
	else {
		snprintf(err, errlen, "one name only: \"%s\" after \"%s\"", arg,
		    a->name);
		return -1;
	}
	return 0;
}

int
query_args_parse(struct query_args *a, int argc, char **argv, char *err,
    size_t errlen)
{
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (arg[0] == '+')
			rc = plus_option(a, arg, err, errlen);
		else if (arg[0] == '@') {
			if (arg[1] == '\0') {
				snprintf(err, errlen, "@ without a server");
				return -1;
			}
			if (a->server == NULL) /* dig asks the first */
				a->server = arg + 1;
			rc = 0;
		} else if (arg[0] == '-' && arg[1] != '\0')
			rc = dash_option(a, argc, argv, &i, err, errlen);
		else
			rc = operand(a, arg, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (a->name == NULL) {
		snprintf(err, errlen, "no name to ask for");
		return -1;
	}
	return 0;
}
