/*
 * tests/fuzz/fuzz_netlink.c - libFuzzer target: the rtnetlink parser of
 * roostd's link-removal watch (rdbus_link_parse()).
 *
 * Input: one datagram as recv() would give it from a NETLINK_ROUTE
 * socket.  What must hold: no read outside it (ASan), and every link
 * reported has a name that is a NUL-terminated string shorter than
 * IF_NAMESIZE.
 */
#include <assert.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
gone(void *arg, int ifindex, const char *ifname)
{
	unsigned *n = arg;

	(void)ifindex;
	assert(ifname != NULL && strlen(ifname) < IF_NAMESIZE);
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of its own size: a read past it is caught */
	uint8_t *buf = malloc(size ? size : 1);
	unsigned n = 0;

	assert(buf != NULL);
	memcpy(buf, data, size);
	(void)rdbus_link_parse(buf, size, gone, &n);
	free(buf);
	return 0;
}
