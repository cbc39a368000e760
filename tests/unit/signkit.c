/*
 * tests/unit/signkit.c - in-process DNSSEC signing for tests (see
 * signkit.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "signkit.h"

static void
signkit_die(const char *what)
{
	fprintf(stderr, "signkit: %s\n", what);
	abort();
}

void
signkit_key_new(struct signkit_key *k, const char *owner, bool ksk)
{
	signkit_key_new_alg(k, owner, ksk, LDNS_SIGN_ECDSAP256SHA256, 256);
}

void
signkit_key_new_alg(struct signkit_key *k, const char *owner, bool ksk,
    ldns_signing_algorithm alg, uint16_t bits)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);

	k->key = ldns_key_new_frm_algorithm(alg, bits);
	if (k->key == NULL || o == NULL)
		signkit_die("cannot make a key");
	ldns_key_set_pubkey_owner(k->key, o);
	ldns_key_set_flags(k->key, ksk ? 257 : 256);
	if ((k->dnskey = ldns_key2rr(k->key)) == NULL)
		signkit_die("cannot make a DNSKEY");
	k->tag = ldns_calc_keytag(k->dnskey);
	ldns_key_set_keytag(k->key, k->tag);
}

void
signkit_key_owner(struct signkit_key *k, const ldns_rdf *owner)
{
	ldns_rdf *old = ldns_key_pubkey_owner(k->key),
		 *o = ldns_rdf_clone(owner);

	if (o == NULL)
		signkit_die("out of memory");
	ldns_key_set_pubkey_owner(k->key, o); /* does not free the old one */
	ldns_rdf_deep_free(old);
	ldns_rr_free(k->dnskey);
	if ((k->dnskey = ldns_key2rr(k->key)) == NULL)
		signkit_die("cannot make a DNSKEY");
	k->tag = ldns_calc_keytag(k->dnskey);
	ldns_key_set_keytag(k->key, k->tag);
}

void
signkit_key_free(struct signkit_key *k)
{
	ldns_key_deep_free(k->key);
	ldns_rr_free(k->dnskey);
}

ldns_rr *
signkit_rr(const char *text)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL) != LDNS_STATUS_OK)
		signkit_die(text);
	return rr;
}

void
signkit_sign(ldns_rr_list *out, const ldns_rr_list *rrset,
    const struct signkit_key *k, uint32_t inception, uint32_t expiration)
{
	ldns_key_list *keys = ldns_key_list_new();
	ldns_rr_list *set = ldns_rr_list_clone(rrset), *sigs;

	if (keys == NULL || set == NULL)
		signkit_die("out of memory");
	ldns_key_set_inception(k->key, inception);
	ldns_key_set_expiration(k->key, expiration);
	ldns_key_list_push_key(keys, k->key);
	if ((sigs = ldns_sign_public(set, keys)) == NULL)
		signkit_die("cannot sign");
	/* the key stays k's (ldns_key_list_pop_key() would leave the list's
	 * array freed twice by ldns_key_list_free()) */
	ldns_key_list_set_key_count(keys, 0);
	ldns_key_list_free(keys);
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
		ldns_rr_list_push_rr(out, ldns_rr_list_rr(sigs, i));
	ldns_rr_list_free(sigs);
	ldns_rr_list_deep_free(set);
}

void
signkit_sign_all(ldns_rr_list **out, const ldns_rr_list *l,
    const struct signkit_key *k, uint32_t inception, uint32_t expiration)
{
	ldns_rr_list *set;
	ldns_rr *rr;
	size_t i, j;

	for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG)
			continue;
		for (j = 0; j < i; j++)
			if (ldns_rr_compare_no_rdata(rr,
				ldns_rr_list_rr(l, j)) == 0)
				break;
		if (j < i)
			continue; /* that RRset is signed */
		if ((set = ldns_rr_list_new()) == NULL)
			signkit_die("out of memory");
		for (j = i; j < ldns_rr_list_rr_count(l); j++)
			if (ldns_rr_compare_no_rdata(rr,
				ldns_rr_list_rr(l, j)) == 0)
				ldns_rr_list_push_rr(set,
				    ldns_rr_list_rr(l, j));
		if (*out == NULL && (*out = ldns_rr_list_new()) == NULL)
			signkit_die("out of memory");
		signkit_sign(*out, set, k, inception, expiration);
		ldns_rr_list_free(set);
	}
}

ldns_rr *
signkit_ds(const struct signkit_key *k)
{
	ldns_rr *ds = ldns_key_rr2ds(k->dnskey, LDNS_SHA256);

	if (ds == NULL)
		signkit_die("cannot make a DS");
	return ds;
}

ldns_rr_list *
signkit_list1(ldns_rr *rr)
{
	ldns_rr_list *l = ldns_rr_list_new();

	if (l == NULL || !ldns_rr_list_push_rr(l, rr))
		signkit_die("out of memory");
	return l;
}

ldns_rdf *
signkit_child_of(const ldns_pkt *p)
{
	const ldns_rr_list *a = ldns_pkt_authority(p);
	const ldns_rr *rr, *cut = NULL;
	ldns_rdf *o;

	for (size_t i = 0; cut == NULL && i < ldns_rr_list_rr_count(a); i++) {
		rr = ldns_rr_list_rr(a, i);
		if ((ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS ||
			ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS) &&
		    ldns_dname_label_count(ldns_rr_owner(rr)) > 0)
			cut = rr;
	}
	o = cut != NULL ? ldns_rdf_clone(ldns_rr_owner(cut))
			: ldns_dname_new_frm_str("t.");
	if (o == NULL)
		signkit_die("out of memory");
	return o;
}
