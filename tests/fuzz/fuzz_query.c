/*
 * tests/fuzz/fuzz_query.c - libFuzzer target: a whole client query
 * through roostd's query path (query.c, cache.c, the real upstream
 * check) to the bytes it would send back, with a fake upstream
 * (fuzz_net.c).
 *
 * Input: a control octet (FUZZ_* bits of fuzz_net.h), a 2-octet length
 * N, N octets of client query, then the upstream's answer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t qlen;

	if (size < 3)
		return 0;
	qlen = (size_t)data[1] << 8 | data[2];
	if (qlen > size - 3)
		qlen = size - 3;
	fuzz_net_run(data[0], data + 3, qlen, data + 3 + qlen, size - 3 - qlen);
	return 0;
}
