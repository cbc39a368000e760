/*
 * tests/fuzz/fuzz_blocklist.c - libFuzzer target: a blocklist file's
 * text through blocklist_add_text(), then lookups.
 *
 * Input: the octets of one file.  What must hold: no read outside it
 * (ASan) and no undefined behaviour (UBSan); blocklist_check() passes
 * before and after blocklist_seal(); at most BLOCKLIST_MAX_WARN + 1
 * messages, each naming the file; every match reports the file index
 * given and a line within the input's line count (0 only past
 * BLOCKLIST_MAX_LINE), on a label boundary of the name asked, and the
 * list used as its own allowlist allows it.  The names asked are the
 * input's blank-separated words as names (a word itself, and a child of
 * it), and the input's first octets taken raw as a wire name.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "wire.h"

#define FILE_INDEX 5
#define MAX_ASKED 64 /* words looked up per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned warned;

static void
warn(void *arg, const char *msg)
{
	(void)arg;
	assert(strncmp(msg, "fuzz:", 5) == 0);
	assert(strlen(msg) < BLOCKLIST_WARN_LEN);
	warned++;
}

/* Lines as the parser counts them: a last line needs no newline. */
static size_t
count_lines(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size > 0 && data[size - 1] != '\n');
}

static void
ask(const struct blocklist *b, const uint8_t *name, size_t len, size_t lines)
{
	struct blocklist_hit hit;
	size_t o = 0;

	if (!blocklist_match(b, name, len, &hit))
		return;
	assert(hit.file == FILE_INDEX);
	assert(hit.line <= lines);
	assert(hit.line > 0 || lines > BLOCKLIST_MAX_LINE);
	while (o < hit.off)
		o += (size_t)name[o] + 1;
	assert(o == hit.off && o < len - 1);
	assert(blocklist_decide(b, b, name, len, NULL) == BLOCKLIST_ALLOW);
}

/* Looks up each word of the text as a name and under a child label. */
static void
ask_words(const struct blocklist *b, const char *text, size_t lines)
{
	const char *p = text;
	unsigned asked = 0;

	while (*p != '\0' && asked < MAX_ASKED) {
		char word[WIRE_MAX_NAME_TEXT], child[WIRE_MAX_NAME_TEXT + 2];
		uint8_t name[WIRE_MAX_NAME];
		size_t n = strcspn(p, " \t\r\n"), len;

		if (n > 0 && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (wire_name_from_text(word, name, &len) == WIRE_OK)
				ask(b, name, len, lines);
			memcpy(child, "x.", 2);
			memcpy(child + 2, word, n + 1);
			if (wire_name_from_text(child, name, &len) == WIRE_OK)
				ask(b, name, len, lines);
			asked++;
		}
		p += n;
		p += strspn(p, " \t\r\n");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of its own size: a read past it is caught */
	char *text = malloc(size ? size : 1), *str;
	struct blocklist *b = blocklist_new(0x1234);
	struct blocklist_counts c;
	size_t lines = count_lines(data, size);
	char err[256];

	assert(text != NULL && b != NULL);
	memcpy(text, data, size);
	warned = 0;
	if (blocklist_add_text(b, "fuzz", text, size, FILE_INDEX, warn, NULL,
		&c, err, sizeof(err)) == 0) {
		assert(c.lines == lines);
		assert(c.added == blocklist_count(b));
		assert(warned <= BLOCKLIST_MAX_WARN + 1);
		assert(warned ==
		    (c.malformed > BLOCKLIST_MAX_WARN ? BLOCKLIST_MAX_WARN + 1
						      : c.malformed));
	}
	blocklist_check(b);
	/* the words, NUL-terminated (a NUL in the input ends them) */
	str = malloc(size + 1);
	assert(str != NULL);
	memcpy(str, data, size);
	str[size] = '\0';
	ask_words(b, str, lines);
	ask(b, data, size < WIRE_MAX_NAME ? size : WIRE_MAX_NAME, lines);
	blocklist_seal(b);
	blocklist_check(b);
	ask_words(b, str, lines);
	free(str);
	free(text);
	blocklist_free(b);
	return 0;
}
