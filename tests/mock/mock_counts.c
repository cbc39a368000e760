/*
 * tests/mock/mock_counts.c - per (name, type, transport) query counters.
 *
 * Invariants: v[0..n) is sorted by (name, type, tcp) with no duplicate
 * key, so a lookup is a binary search and the text form needs no sort;
 * n <= MOCK_MAX_COUNTERS; overflow holds what did not fit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "mock_counts.h"

struct counter {
	char *name; /* owned */
	uint16_t type;
	int tcp;
	unsigned long count;
};

struct mock_counts {
	struct counter *v;
	size_t n, cap;
	unsigned long overflow;
};

struct mock_counts *
mock_counts_new(void)
{
	return calloc(1, sizeof(struct mock_counts));
}

void
mock_counts_reset(struct mock_counts *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].name);
	c->n = 0;
	c->overflow = 0;
}

void
mock_counts_free(struct mock_counts *c)
{
	if (c == NULL)
		return;
	mock_counts_reset(c);
	free(c->v);
	free(c);
}

static int
key_cmp(const struct counter *e, const char *name, uint16_t type, int tcp)
{
	int d = strcmp(e->name, name);

	if (d != 0)
		return d;
	if (e->type != type)
		return e->type < type ? -1 : 1;
	return e->tcp - tcp;
}

void
mock_counts_add(struct mock_counts *c, const char *name, uint16_t type, int tcp)
{
	size_t lo = 0, hi = c->n, mid;
	struct counter *v;
	char *copy;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = key_cmp(&c->v[mid], name, type, tcp);
		if (d == 0) {
			c->v[mid].count++;
			return;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->n == MOCK_MAX_COUNTERS)
		goto overflow;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		if ((v = realloc(c->v, cap * sizeof(*v))) == NULL)
			goto overflow;
		c->v = v;
		c->cap = cap;
	}
	if ((copy = strdup(name)) == NULL)
		goto overflow;
	memmove(&c->v[lo + 1], &c->v[lo], (c->n - lo) * sizeof(*c->v));
	c->v[lo] = (struct counter){ .name = copy,
		.type = type,
		.tcp = tcp,
		.count = 1 };
	c->n++;
	return;
overflow:
	c->overflow++;
}

size_t
mock_counts_size(const struct mock_counts *c)
{
	return c->n + (c->overflow > 0);
}

char *
mock_counts_line(struct mock_counts *c, size_t i, char *buf, size_t len)
{
	char *type;

	if (i >= c->n) {
		snprintf(buf, len, "(overflow) - - %lu", c->overflow);
		return buf;
	}
	type = ldns_rr_type2str(c->v[i].type);
	snprintf(buf, len, "%s %s %s %lu", c->v[i].name,
	    type != NULL ? type : "?", c->v[i].tcp ? "tcp" : "udp",
	    c->v[i].count);
	free(type);
	return buf;
}

int
mock_counts_write(struct mock_counts *c, const char *path, char *err,
    size_t errlen)
{
	char tmp[4096], line[LDNS_MAX_DOMAINLEN * 4 + 64];
	FILE *fp;
	size_t i;
	int saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
		(long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < mock_counts_size(c); i++)
		fprintf(fp, "%s\n", mock_counts_line(c, i, line, sizeof(line)));
	if (ferror(fp) | fclose(fp)) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "%s: write failed: %s", tmp,
		    strerror(saved));
		return -1;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "rename %s: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}
