/*
 * tests/unit/signkit.h - DNSSEC keys and signatures made in-process with
 * ldns, for the tests and the fuzz target of the chain of trust
 * (src/client/chain.c, src/daemon/validate.c): a zone's key
 * (ECDSAP256SHA256 unless asked for another algorithm), its DNSKEY and
 * DS records, RRSIGs over any RRset with any validity window, and a
 * record from text.  Every failure aborts: these build test input.
 */
#ifndef ROOST_SIGNKIT_H
#define ROOST_SIGNKIT_H

#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

struct signkit_key {
	ldns_key *key;   /* owned */
	ldns_rr *dnskey; /* owned */
	uint16_t tag;
};

/* A new key for owner (absolute), a KSK (flags 257) or a ZSK (256). */
void signkit_key_new(struct signkit_key *k, const char *owner, bool ksk);
/* The same with algorithm alg of bits bits (RSA; others ignore it). */
void signkit_key_new_alg(struct signkit_key *k, const char *owner, bool ksk,
    ldns_signing_algorithm alg, uint16_t bits);
void signkit_key_free(struct signkit_key *k);

/* Give k another owner (its DNSKEY and tag follow). */
void signkit_key_owner(struct signkit_key *k, const ldns_rdf *owner);

/* The record written as text (zone-file line, absolute names). */
ldns_rr *signkit_rr(const char *text);

/* RRSIGs by k over rrset, valid from inception to expiration, pushed
 * onto out (clones: rrset stays the caller's). */
void signkit_sign(ldns_rr_list *out, const ldns_rr_list *rrset,
    const struct signkit_key *k, uint32_t inception, uint32_t expiration);

/* RRSIGs by k over every RRset of l (its RRSIGs aside) onto *out (made
 * if NULL; l may be *out: records are appended after those read). */
void signkit_sign_all(ldns_rr_list **out, const ldns_rr_list *l,
    const struct signkit_key *k, uint32_t inception, uint32_t expiration);

/* The SHA-256 DS of k's DNSKEY (the caller owns it). */
ldns_rr *signkit_ds(const struct signkit_key *k);

/* A new list holding rr (taken). */
ldns_rr_list *signkit_list1(ldns_rr *rr);

/* The child zone of a referral: a clone of the owner of the first NS or
 * DS in p's authority below the root, else t. (the caller owns it). */
ldns_rdf *signkit_child_of(const ldns_pkt *p);

#endif /* ROOST_SIGNKIT_H */
