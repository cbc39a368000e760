/*
 * src/daemon/rebind.c - DNS rebinding protection (see rebind.h).
 *
 * Invariant: only bounds the wire iterator checked are read; the scan
 * allocates nothing (it runs on the miss path, once per answer).
 */
#include <string.h>

#include "rebind.h"
#include "wire.h"

static bool
v4_private(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64) ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168);
}

bool
rebind_is_private(const uint8_t *a, size_t alen)
{
	static const uint8_t zero[15] = { 0 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (alen == 4)
		return v4_private(a);
	if (alen != 16)
		return false;
	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return true; /* :: and ::1 */
	if ((a[0] & 0xfe) == 0xfc)
		return true; /* fc00::/7, unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return true; /* fe80::/10, link-local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return true; /* fec0::/10, the old site-local */
	return memcmp(a, mapped, 12) == 0 && v4_private(a + 12);
}

bool
rebind_answer_private(const uint8_t *msg, size_t len, size_t *where)
{
	struct wire_iter it;
	struct wire_rr rr;

	if (wire_iter_init(&it, msg, len) != WIRE_OK)
		return false;
	while (wire_iter_next(&it, &rr) == WIRE_OK &&
	    rr.section == WIRE_SEC_ANSWER) {
		if (rr.rclass != WIRE_C_IN ||
		    !((rr.type == WIRE_T_A && rr.rdlen == 4) ||
			(rr.type == WIRE_T_AAAA && rr.rdlen == 16)))
			continue;
		if (rebind_is_private(msg + rr.rdata_off, rr.rdlen)) {
			if (where != NULL)
				*where = rr.rdata_off;
			return true;
		}
	}
	return false;
}
