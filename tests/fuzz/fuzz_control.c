/*
 * tests/fuzz/fuzz_control.c - libFuzzer target: the control protocol's
 * request parser and the run-time source fields it carries.
 *
 * Input: request lines, LF-separated.  Each goes through
 * control_parse_request(); an "upstream set" then applies its fields to
 * one source list shared by the input's lines (source_get(),
 * source_set_field()), an "upstream revert" removes the source, and
 * after each line the list merges with a fixed configuration
 * (source_merge()).  What must hold: a parse error says why; what the
 * parser accepts has its fields within CONTROL_MAX_WORDS and pointing
 * into the request; a refused field leaves the source as it was; the
 * list stays within SOURCE_MAX sources of distinct valid names, each
 * within its caps; a merge that succeeds has servers for the default
 * route and routes within CONFIG_MAX_ZONES of CONFIG_MAX_UPSTREAM
 * servers; every status line fits what it measured.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_list(const struct source_list *l)
{
	char err[256], line[8192];

	assert(l->n <= SOURCE_MAX);
	for (size_t i = 0; i < l->n; i++) {
		const struct source *s = &l->s[i];
		size_t n = 0;

		assert(source_name_check(s->name, err, sizeof(err)) == 0);
		assert(s->nserver <= CONFIG_MAX_UPSTREAM);
		assert(s->ndomain <= SOURCE_MAX_DOMAINS);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(l->s[j].name, s->name) != 0);
		source_line(s, line, sizeof(line), &n);
		assert(n < sizeof(line) && strlen(line) == n);
	}
}

static void
check_merge(const struct config *base, const struct source_list *l)
{
	static struct config m;
	char err[512], *text = malloc(1 << 20);
	size_t n = 0;

	assert(text != NULL);
	if (source_merge(base, l, &m, err, sizeof(err)) != 0) {
		assert(err[0] != '\0');
		free(text);
		return;
	}
	assert(m.nupstream >= 1 && m.nupstream <= CONFIG_MAX_UPSTREAM);
	assert(m.nzone <= CONFIG_MAX_ZONES);
	for (size_t i = 0; i < m.nzone; i++)
		assert(m.zone[i].nserver >= 1 &&
		    m.zone[i].nserver <= CONFIG_MAX_UPSTREAM);
	source_lines(base, l, text, 1 << 20, &n);
	for (unsigned i = 0; i <= m.nzone; i++)
		source_route_line(base, l, &m, i, "", text, 1 << 20, &n);
	assert(n < (1 << 20) && strlen(text) == n);
	free(text);
}

/* One request line: parsed, and applied to l. */
static void
one_line(const char *line, struct source_list *l)
{
	static struct control_request r;
	char err[1024];
	struct source *s, before;

	err[0] = '\0';
	if (control_parse_request(line, &r, err, sizeof(err)) != 0) {
		assert(err[0] != '\0');
		return;
	}
	assert(r.nfield <= CONTROL_MAX_WORDS);
	if (r.verb == CONTROL_UPSTREAM_REVERT)
		(void)source_remove(l, r.source);
	if (r.verb != CONTROL_UPSTREAM_SET)
		return;
	assert(r.nfield >= 1);
	if ((s = source_get(l, r.source, SOURCE_CONTROL, err, sizeof(err))) ==
	    NULL) {
		assert(err[0] != '\0');
		return;
	}
	for (size_t i = 0; i < r.nfield; i++) {
		assert(r.field[i] >= r.text &&
		    r.field[i] < r.text + sizeof(r.text));
		before = *s;
		if (source_set_field(s, r.field[i], err, sizeof(err)) != 0)
			assert(memcmp(&before, s, sizeof(before)) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config base;
	static struct source_list l;
	char err[256], *text = malloc(size + 1), *save = NULL, *line;

	assert(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&base);
	assert(
	    config_set(&base, "upstream", "192.0.2.1", err, sizeof(err)) == 0);
	assert(config_set(&base, "forward-zone", "corp.example 10.8.0.1", err,
		   sizeof(err)) == 0);
	memset(&l, 0, sizeof(l));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		one_line(line, &l);
		check_list(&l);
		check_merge(&base, &l);
	}
	free(text);
	return 0;
}
