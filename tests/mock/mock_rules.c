/*
 * tests/mock/mock_rules.c - parse and match mockdns misbehaviour rules.
 *
 * Grammar of one line (tokens split on blanks; "#" starts a comment):
 *
 *	rule = NAME TYPE ITEM...
 *	NAME = "*" | "*." DOMAIN | DOMAIN	(any case, trailing dot optional)
 *	TYPE = "*" | MNEMONIC | "TYPE" NUMBER
 *	ITEM = "transport=" ("udp" | "tcp")	(a condition)
 *	     | WORD | WORD "=" VALUE		(an action, see item_table)
 *
 * New actions are one row in item_table plus their effect in mockdns.c.
 * Invariants: every rule has at least one item; rule names are stored in
 * lower case; a set never holds more than MOCK_MAX_RULES rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock_rules.h"
#include "mock_zone.h"

struct mock_rules {
	struct mock_rule *v;
	size_t n, cap;
};

enum item {
	ITEM_TRANSPORT,
	ITEM_ANSWER,
	ITEM_DELAY,
	ITEM_TCP_DELAY,
	ITEM_DROP,
	ITEM_TC,
	ITEM_RCODE,
	ITEM_WRONG_ID,
	ITEM_WRONG_QUESTION,
	ITEM_GARBAGE,
	ITEM_TRUNCATE,
	ITEM_CLOSE,
	ITEM_WRONG_CASE,
	ITEM_OTHER_PORT,
	ITEM_FLAP,
	ITEM_TCP_CLAIM,
	ITEM_TRICKLE,
	ITEM_TC_BIT,
	ITEM_EDE,
	ITEM_BADCOOKIE,
	ITEM_WRONG_COOKIE,
	ITEM_NO_COOKIE
};

enum item_arg {
	ARG_NONE,     /* "word" */
	ARG_MS,       /* "word=MS", 0..MOCK_MAX_DELAY_MS */
	ARG_BYTES,    /* "word=N", 0..65535 */
	ARG_RCODE,    /* "word=NAME" (servfail...) or a number 0..15 */
	ARG_TRANSPORT /* "word=udp" or "word=tcp" */
};

static const struct {
	const char *word;
	enum item item;
	enum item_arg arg;
} item_table[] = {
	{ "transport", ITEM_TRANSPORT, ARG_TRANSPORT },
	{ "answer", ITEM_ANSWER, ARG_NONE },
	{ "delay", ITEM_DELAY, ARG_MS },
	{ "tcp-delay", ITEM_TCP_DELAY, ARG_MS },
	{ "drop", ITEM_DROP, ARG_NONE },
	{ "tc", ITEM_TC, ARG_NONE },
	{ "rcode", ITEM_RCODE, ARG_RCODE },
	{ "wrong-id", ITEM_WRONG_ID, ARG_NONE },
	{ "wrong-question", ITEM_WRONG_QUESTION, ARG_NONE },
	{ "garbage", ITEM_GARBAGE, ARG_NONE },
	{ "truncate", ITEM_TRUNCATE, ARG_BYTES },
	{ "close", ITEM_CLOSE, ARG_NONE },
	{ "wrong-case", ITEM_WRONG_CASE, ARG_NONE },
	{ "other-port", ITEM_OTHER_PORT, ARG_NONE },
	{ "flap", ITEM_FLAP, ARG_BYTES },
	{ "tcp-claim", ITEM_TCP_CLAIM, ARG_BYTES },
	{ "trickle", ITEM_TRICKLE, ARG_MS },
	{ "tc-bit", ITEM_TC_BIT, ARG_NONE },
	{ "ede", ITEM_EDE, ARG_BYTES },
	{ "badcookie", ITEM_BADCOOKIE, ARG_NONE },
	{ "wrong-cookie", ITEM_WRONG_COOKIE, ARG_NONE },
	{ "no-cookie", ITEM_NO_COOKIE, ARG_NONE },
};

struct mock_rules *
mock_rules_new(void)
{
	return calloc(1, sizeof(struct mock_rules));
}

static void
rule_clear(struct mock_rule *rule)
{
	ldns_rdf_deep_free(rule->name);
	free(rule->text);
	rule->name = NULL;
	rule->text = NULL;
}

void
mock_rules_free(struct mock_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		rule_clear(&r->v[i]);
	free(r->v);
	free(r);
}

size_t
mock_rules_count(const struct mock_rules *r)
{
	return r->n;
}

/* Parse a decimal in 0..max.  Returns 0 or -1. */
static int
parse_uint(const char *s, long max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* An rcode by name (RFC 1035, 2136; "notimpl" as ldns spells it) or 0..15. */
static int
parse_rcode(const char *s, int *out)
{
	static const struct {
		const char *name;
		int rcode;
	} names[] = {
		{ "noerror", 0 },
		{ "formerr", 1 },
		{ "servfail", 2 },
		{ "nxdomain", 3 },
		{ "notimp", 4 },
		{ "notimpl", 4 },
		{ "refused", 5 },
		{ "yxdomain", 6 },
		{ "yxrrset", 7 },
		{ "nxrrset", 8 },
		{ "notauth", 9 },
		{ "notzone", 10 },
	};
	size_t i;

	if (parse_uint(s, 15, out) == 0)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].rcode;
			return 0;
		}
	}
	return -1;
}

/* Apply one ITEM token to rule.  Returns 0, or -1 with err filled. */
static int
parse_item(struct mock_rule *rule, char *tok, const char *where, char *err,
    size_t errlen)
{
	char *val = strchr(tok, '=');
	size_t i;
	int v = 0;

	if (val != NULL)
		*val++ = '\0';
	for (i = 0; i < sizeof(item_table) / sizeof(item_table[0]); i++)
		if (strcmp(tok, item_table[i].word) == 0)
			break;
	if (i == sizeof(item_table) / sizeof(item_table[0])) {
		snprintf(err, errlen, "%s: unknown action \"%s\"", where, tok);
		return -1;
	}
	if ((item_table[i].arg == ARG_NONE) != (val == NULL)) {
		snprintf(err, errlen, "%s: \"%s\" %s", where, tok,
		    val == NULL ? "needs a value (WORD=VALUE)"
				: "takes no value");
		return -1;
	}
	switch (item_table[i].arg) {
	case ARG_NONE:
		break;
	case ARG_MS:
		if (parse_uint(val, MOCK_MAX_DELAY_MS, &v) == -1)
			goto bad_value;
		break;
	case ARG_BYTES:
		if (parse_uint(val, 65535, &v) == -1)
			goto bad_value;
		break;
	case ARG_RCODE:
		if (parse_rcode(val, &v) == -1)
			goto bad_value;
		break;
	case ARG_TRANSPORT:
		if (strcmp(val, "udp") == 0)
			v = MOCK_TRANSPORT_UDP;
		else if (strcmp(val, "tcp") == 0)
			v = MOCK_TRANSPORT_TCP;
		else
			goto bad_value;
		break;
	}

	switch (item_table[i].item) {
	case ITEM_TRANSPORT:
		rule->transport = (enum mock_transport)v;
		break;
	case ITEM_ANSWER:
		break;
	case ITEM_DELAY:
		rule->delay_ms = v;
		break;
	case ITEM_TCP_DELAY:
		rule->tcp_delay_ms = v;
		break;
	case ITEM_DROP:
		rule->drop = 1;
		break;
	case ITEM_TC:
		rule->tc = 1;
		break;
	case ITEM_RCODE:
		rule->rcode = v;
		break;
	case ITEM_WRONG_ID:
		rule->wrong_id = 1;
		break;
	case ITEM_WRONG_QUESTION:
		rule->wrong_question = 1;
		break;
	case ITEM_GARBAGE:
		rule->garbage = 1;
		break;
	case ITEM_TRUNCATE:
		rule->truncate = v;
		break;
	case ITEM_CLOSE:
		rule->close_mid = 1;
		break;
	case ITEM_WRONG_CASE:
		rule->wrong_case = 1;
		break;
	case ITEM_OTHER_PORT:
		rule->other_port = 1;
		break;
	case ITEM_FLAP:
		if (v == 0)
			goto bad_value;
		rule->flap = v;
		break;
	case ITEM_TCP_CLAIM:
		rule->tcp_claim = v;
		break;
	case ITEM_TRICKLE:
		if (v == 0)
			goto bad_value;
		rule->trickle_ms = v;
		break;
	case ITEM_TC_BIT:
		rule->tc_bit = 1;
		break;
	case ITEM_EDE:
		rule->ede = v;
		break;
	case ITEM_BADCOOKIE:
		rule->badcookie = 1;
		break;
	case ITEM_WRONG_COOKIE:
		rule->wrong_cookie = 1;
		break;
	case ITEM_NO_COOKIE:
		rule->no_cookie = 1;
		break;
	}
	return 0;
bad_value:
	snprintf(err, errlen, "%s: bad value \"%s\" for \"%s\"", where, val,
	    tok);
	return -1;
}

/* Parse the NAME field into rule.  Returns 0, or -1 with err filled. */
static int
parse_name(struct mock_rule *rule, const char *tok, const char *where,
    char *err, size_t errlen)
{
	if (strcmp(tok, "*") == 0)
		return 0;
	if (strncmp(tok, "*.", 2) == 0) {
		rule->below = 1;
		tok += 2;
	}
	if ((rule->name = ldns_dname_new_frm_str(tok)) == NULL) {
		snprintf(err, errlen, "%s: bad name \"%s\"", where, tok);
		return -1;
	}
	ldns_dname2canonical(rule->name);
	return 0;
}

int
mock_rules_add(struct mock_rules *r, const char *line, const char *where,
    char *err, size_t errlen)
{
	struct mock_rule rule = { .rcode = -1,
		.truncate = -1,
		.tcp_claim = -1,
		.ede = -1 };
	struct mock_rule *v;
	char *copy, *tok, *save = NULL, *p, *text = NULL;
	size_t textcap = strlen(line) + 1, textlen = 0, ntok = 0;
	int ret = -1;

	if ((copy = strdup(line)) == NULL ||
	    (text = calloc(1, textcap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		goto out;
	}
	if ((p = strchr(copy, '#')) != NULL)
		*p = '\0';
	for (tok = strtok_r(copy, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save), ntok++) {
		if (ntok == 0) {
			if (parse_name(&rule, tok, where, err, errlen) == -1)
				goto out;
		} else if (ntok == 1) {
			if (strcmp(tok, "*") != 0 &&
			    (rule.type = ldns_get_rr_type_by_name(tok)) == 0) {
				snprintf(err, errlen, "%s: unknown type \"%s\"",
				    where, tok);
				goto out;
			}
		} else {
			/* Keep the item as written, before parse_item cuts
			 * it; the items and commas fit in the line's size. */
			textlen +=
			    (size_t)snprintf(text + textlen, textcap - textlen,
				"%s%s", ntok > 2 ? "," : "", tok);
			if (parse_item(&rule, tok, where, err, errlen) == -1)
				goto out;
		}
	}
	if (ntok == 0) {
		ret = 0; /* blank or comment line */
		goto out;
	}
	if (ntok < 3) {
		snprintf(err, errlen,
		    "%s: a rule is NAME TYPE ACTION..., e.g. \"* * drop\"",
		    where);
		goto out;
	}
	if (r->n == MOCK_MAX_RULES) {
		snprintf(err, errlen, "%s: more than %d rules", where,
		    MOCK_MAX_RULES);
		goto out;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		if ((v = realloc(r->v, cap * sizeof(*v))) == NULL) {
			snprintf(err, errlen, "%s: out of memory", where);
			goto out;
		}
		r->v = v;
		r->cap = cap;
	}
	rule.text = text;
	text = NULL;
	r->v[r->n++] = rule;
	rule.name = NULL;
	ret = 0;
out:
	ldns_rdf_deep_free(rule.name);
	free(text);
	free(copy);
	return ret;
}

int
mock_rules_add_file(struct mock_rules *r, const char *path, char *err,
    size_t errlen)
{
	FILE *fp;
	char *line = NULL, where[1024];
	size_t cap = 0;
	unsigned long lineno = 0;
	int ret = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		snprintf(where, sizeof(where), "%s:%lu", path, ++lineno);
		if ((ret = mock_rules_add(r, line, where, err, errlen)) == -1)
			break;
	}
	if (ret == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		ret = -1;
	}
	free(line);
	fclose(fp);
	return ret;
}

static int
rule_matches(const struct mock_rule *rule, const ldns_rdf *qname,
    ldns_rr_type qtype, enum mock_transport t)
{
	if (rule->transport != MOCK_TRANSPORT_ANY && rule->transport != t)
		return 0;
	if (rule->type != 0 && rule->type != qtype)
		return 0;
	if (rule->name == NULL)
		return 1;
	if (rule->below)
		return !mock_name_eq(qname, rule->name) &&
		    mock_name_under(qname, rule->name);
	return mock_name_eq(qname, rule->name);
}

const struct mock_rule *
mock_rules_match(const struct mock_rules *r, const ldns_rdf *qname,
    ldns_rr_type qtype, enum mock_transport t)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (rule_matches(&r->v[i], qname, qtype, t))
			return &r->v[i];
	return NULL;
}
