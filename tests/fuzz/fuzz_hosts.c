/*
 * tests/fuzz/fuzz_hosts.c - libFuzzer target: the hosts file parser
 * (hosts_parse()) and the answers of the table it fills.
 *
 * Input: a hosts file's text.  What must hold: no read outside it
 * (ASan), the counts add up (no more bad entries than octets), and every
 * name of every line that parsed is answered locally, with a response
 * wire_parse_msg() accepts.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hosts.h"
#include "local.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Asks t each blank-separated word of the input's first line. */
static void
ask_words(const struct local_table *t, const char *text, size_t len)
{
	static uint8_t out[WIRE_MAX_MSG];
	char line[256], *w, *save = NULL;
	size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
	struct wire_header qh = { .id = 7, .qdcount = 1 };

	memcpy(line, text, n);
	line[n] = '\0';
	line[strcspn(line, "\n#")] = '\0';
	for (w = strtok_r(line, " \t\r", &save); w != NULL;
	     w = strtok_r(NULL, " \t\r", &save)) {
		struct wire_question q = { .qtype = WIRE_T_A,
			.qclass = WIRE_C_IN };
		struct wire_msg m;
		size_t olen;

		if (wire_name_from_text(w, q.name, &q.name_len) != WIRE_OK)
			continue;
		if (local_answer(t, &qh, &q, out, sizeof(out), &olen) !=
		    LOCAL_PASS)
			assert(
			    wire_parse_msg(out, olen, &m, NULL, 0) == WIRE_OK);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of its own size: a read past it is caught */
	char *buf = malloc(size ? size : 1);
	struct local_table *t = local_table_new(11);
	struct hosts_count n = { 0 };

	assert(buf != NULL && t != NULL);
	memcpy(buf, data, size);
	assert(hosts_parse(t, "fuzz", buf, size, true, NULL, NULL, &n) == 0);
	/* a bad entry takes at least one octet of the input (a line may
	 * hold several bad names) */
	assert(n.bad <= size);
	ask_words(t, buf, size);
	local_table_free(t);
	free(buf);
	return 0;
}
