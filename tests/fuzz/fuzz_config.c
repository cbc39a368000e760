/*
 * tests/fuzz/fuzz_config.c - libFuzzer target: the config parser.
 *
 * Input: roostd.conf text, then optionally a NUL octet and the text of
 * the resolv.conf that config_finish() reads when no upstream is set.
 * Both go through memfds, so the real file reader runs.  What the parser
 * accepts must hold together: lists within their limits (forward zones
 * too, each once, lower case, not the root), the deadline
 * past the upstream timeout, min-ttl <= max-ttl, no upstream that is a
 * listen address, and every address printed by addr_str() parses
 * back to the same address.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memfd holding data; its /proc path in path.  Returns the fd. */
static int
memfile(const char *name, const uint8_t *data, size_t size, char *path,
    size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	assert(fd >= 0);
	assert(write(fd, data, size) == (ssize_t)size);
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static void
check_addr(const struct addr *a)
{
	char text[ADDR_STRLEN], again[ADDR_STRLEN];
	struct addr b;

	addr_str(a, text, sizeof(text));
	assert(addr_parse(text, CONFIG_DNS_PORT, &b, NULL, 0) == 0);
	addr_str(&b, again, sizeof(again));
	assert(strcmp(text, again) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char conf[64], resolv[64], err[CONFIG_MAX_LINE + 512];
	const uint8_t *nul = memchr(data, 0, size);
	size_t clen = nul != NULL ? (size_t)(nul - data) : size;
	int cfd, rfd;

	cfd = memfile("roostd.conf", data, clen, conf, sizeof(conf));
	rfd = memfile("resolv.conf", nul != NULL ? nul + 1 : data,
	    nul != NULL ? size - clen - 1 : 0, resolv, sizeof(resolv));
	config_defaults(&c);
	if (config_load_file(&c, conf, false, err, sizeof(err)) != 0) {
		assert(strncmp(err, conf, strlen(conf)) == 0);
		goto out;
	}
	/* the fuzzer's resolv-conf key may name any file: use ours */
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "%s", resolv);
	if (config_finish(&c, err, sizeof(err)) != 0)
		goto out;
	assert(c.nlisten >= 1 && c.nlisten <= CONFIG_MAX_LISTEN);
	assert(c.nupstream >= 1 && c.nupstream <= CONFIG_MAX_UPSTREAM);
	assert(c.nallow >= 1 && c.nallow <= CONFIG_MAX_ALLOW);
	assert(c.query_deadline_ms > c.upstream_timeout_ms);
	assert(c.min_ttl <= c.max_ttl);
	for (size_t i = 0; i < c.nlisten; i++)
		check_addr(&c.listen[i]);
	for (size_t i = 0; i < c.nupstream; i++)
		check_addr(&c.upstream[i].addr);
	/* forward zones: within limits, each a lower-case name other than
	 * the root, never twice, with servers that print back */
	assert(c.nzone <= CONFIG_MAX_ZONES);
	for (size_t i = 0; i < c.nzone; i++) {
		const struct config_zone *z = &c.zone[i];
		uint8_t low[WIRE_MAX_NAME];

		assert(z->name_len > 1 && z->name_len <= WIRE_MAX_NAME);
		memcpy(low, z->name, z->name_len);
		wire_name_lower(low, z->name_len);
		assert(memcmp(low, z->name, z->name_len) == 0);
		assert(z->nserver >= 1 && z->nserver <= CONFIG_MAX_UPSTREAM);
		for (size_t j = 0; j < z->nserver; j++)
			check_addr(&z->server[j].addr);
		for (size_t j = 0; j < i; j++)
			assert(!wire_name_equal(c.zone[j].name,
			    c.zone[j].name_len, z->name, z->name_len));
	}
	assert(memchr(c.user, '\0', sizeof(c.user)) != NULL);
out:
	close(cfd);
	close(rfd);
	return 0;
}
