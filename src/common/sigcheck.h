/*
 * src/common/sigcheck.h - one RRSIG checked against DNSKEYs with OpenSSL 3
 * (RFC 4034 3.1.8.1 and 6), for dnssec_sig_check(); and a cache of the
 * public keys made from DNSKEY records, so that a key met again costs
 * no set-up (OpenSSL's key set-up is a quarter to a third of a P-256
 * check, measured).
 *
 * The signed data is built without copying the RRset: the RRSIG RDATA
 * without its signature (signer lowercased), then each RR with its owner
 * lowercased (or the wildcard it was expanded from, when the RRSIG has
 * fewer labels), the original TTL and canonical RDATA, sorted by RDATA.
 * The result is what ldns_verify_rrsig_time() checks; the unit test
 * holds the two side by side.
 *
 * Ownership: a sigcheck owns its buffers and cached keys; nothing handed
 * in is kept.  Not for sharing between threads.
 */
#ifndef ROOST_SIGCHECK_H
#define ROOST_SIGCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <ldns/ldns.h>

/* Public keys kept; the least recently used goes.  Keys with a longer
 * key field (an RSA key over 16 kbit) are made for one check only. */
#define SIGCHECK_KEYS 32
#define SIGCHECK_KEY_MAX 2048

struct sigcheck;

/* NULL when out of memory. */
struct sigcheck *sigcheck_new(void);
void sigcheck_free(struct sigcheck *sc);

/*
 * Makes the data sig signs over rrset (one RRset, of the type sig
 * covers) and sig's signature in the form OpenSSL reads.  Returns false
 * if the type differs, sig's fields are malformed, or out of memory.
 */
bool sigcheck_prepare(struct sigcheck *sc, const ldns_rr_list *rrset,
    const ldns_rr *sig);

/*
 * Whether the signature last prepared verifies with DNSKEY key (of the
 * RRSIG's algorithm; a key field OpenSSL cannot read does not verify).
 */
bool sigcheck_verify(struct sigcheck *sc, const ldns_rr *key);

/* How many public keys sc has made (a key found in the cache is not). */
size_t sigcheck_made(const struct sigcheck *sc);

#endif /* ROOST_SIGCHECK_H */
