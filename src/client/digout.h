/*
 * src/client/digout.h - a DNS reply in dig's text layout (BIND 9.18), for
 * `roost query`: the header and flags lines, the OPT pseudosection with
 * its options, the sections, and records in BIND's master-file columns.
 *
 * Records are printed in the order of the message (dig parses with its
 * order kept), each on one line: owner, TTL, class, type and rdata
 * padded to columns 24, 32, 40 and 48 with tabs of 8 (one blank at
 * least), base64 and hex fields cut into 56-character words, hex in
 * upper case.  Every function writes only to the caller's FILE.
 */
#ifndef ROOST_DIGOUT_H
#define ROOST_DIGOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldns/ldns.h>

/* The EDNS option codes digout names (IANA "DNS EDNS0 Option Codes"). */
enum digout_opt {
	DIGOUT_OPT_LLQ = 1,
	DIGOUT_OPT_NSID = 3,
	DIGOUT_OPT_SUBNET = 8,
	DIGOUT_OPT_EXPIRE = 9,
	DIGOUT_OPT_COOKIE = 10,
	DIGOUT_OPT_KEEPALIVE = 11,
	DIGOUT_OPT_PADDING = 12,
	DIGOUT_OPT_KEY_TAG = 14,
	DIGOUT_OPT_EDE = 15,
	DIGOUT_OPT_CLIENT_TAG = 16,
	DIGOUT_OPT_SERVER_TAG = 17,
};

/* What dig's +[no]OPTION display switches leave on. */
struct digout_view {
	bool comments; /* header, section titles, OPT pseudosection */
	bool question, answer, authority, additional;
	bool short_form;             /* +short: only the answer's rdata */
	bool edns_sent, dnssec_sent; /* what the query had (for warnings) */
};

/* How the reply's COOKIE option compares with the one we sent. */
enum digout_cookie {
	DIGOUT_COOKIE_NONE,   /* we sent none */
	DIGOUT_COOKIE_GOOD,   /* ours came back, with a server cookie */
	DIGOUT_COOKIE_ECHOED, /* ours came back alone */
	DIGOUT_COOKIE_BAD,    /* another client cookie, or none */
};

/* The raw option bytes of p's OPT record: *n of them, or NULL. */
const uint8_t *digout_opt_bytes(const ldns_pkt *p, size_t *n);

/*
 * The next option of the *n bytes at *o (both moved past it): its code,
 * data and length.  False at the end, or when the rest is too short for
 * the whole option it starts (nothing of it is read then).
 */
bool digout_opt_next(const uint8_t **o, size_t *n, unsigned *code,
    const uint8_t **data, size_t *len);

/*
 * Compare the COOKIE option of reply p with client (8 bytes we sent;
 * NULL for none).  The reply's raw options are read, not changed.
 */
enum digout_cookie
digout_cookie_check(const ldns_pkt *p, const uint8_t *client);

/*
 * The rcode dig names in its header ("NOERROR", "BADCOOKIE", "?17")
 * from the 12-bit rcode into buf; returns buf.
 */
const char *digout_rcode(unsigned rcode, char *buf, size_t len);

/* The 12-bit rcode of p: the header's four bits and OPT's eight. */
unsigned digout_full_rcode(const ldns_pkt *p);

/*
 * One record as dig prints it, with its newline.  Returns 0, or -1 when
 * out of memory (nothing written).
 */
int digout_rr(FILE *f, const ldns_rr *rr);

/* rr's rdata alone as +short prints it, with its newline; 0 or -1. */
int digout_rdata(FILE *f, const ldns_rr *rr);

/*
 * The message p as dig prints it under v: header lines (with dig's
 * warnings: recursion not available, EDNS refused), the OPT
 * pseudosection (cookie as judged), the sections; not the banner nor
 * the statistics, which the caller prints.  Returns 0, or -1 when out
 * of memory part way.
 */
int digout_message(FILE *f, const ldns_pkt *p, const struct digout_view *v,
    enum digout_cookie cookie);

#endif /* ROOST_DIGOUT_H */
