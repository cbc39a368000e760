/*
 * tests/unit/test_sigcheck.c - RRSIG checks by sigcheck.c (through
 * dnssec_sig_check()) held against ldns_verify_rrsig_time(), the check
 * roost made before, on RRsets signed in-process (signkit.h) with every
 * algorithm roost checks: valid sets in any order and letter case,
 * wildcard expansions, canonical RDATA, tampered data and signatures,
 * wrong keys, validity windows (also across the 2^32 wrap), and random
 * damage.  Then the key cache: a key is made once, and the least
 * recently used goes when it is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnssec.h"
#include "signkit.h"

#define T0 1800000000u /* the fake wall clock: 2027-01-15 08:00 UTC */
#define DAY 86400u

struct alg {
	ldns_signing_algorithm sign;
	uint16_t bits;
	const char *name;
};

static const struct alg algs[] = {
	{ LDNS_SIGN_RSASHA1, 1024, "RSASHA1" },
	{ LDNS_SIGN_RSASHA1_NSEC3, 1024, "RSASHA1-NSEC3-SHA1" },
	{ LDNS_SIGN_RSASHA256, 2048, "RSASHA256" },
	{ LDNS_SIGN_RSASHA512, 1024, "RSASHA512" },
	{ LDNS_SIGN_ECDSAP256SHA256, 256, "ECDSAP256SHA256" },
	{ LDNS_SIGN_ECDSAP384SHA384, 384, "ECDSAP384SHA384" },
	{ LDNS_SIGN_ED25519, 256, "ED25519" },
	{ LDNS_SIGN_ED448, 456, "ED448" },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* The check before sigcheck.c: ldns's, key by key. */
static enum dnssec_sig
oracle(ldns_rr_list *rrset, ldns_rr *sig, const ldns_rr_list *keys, time_t now)
{
	enum dnssec_sig best = DNSSEC_SIG_NO_KEY;
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	ldns_rr_list *copy;
	ldns_status st;
	ldns_rr *k;

	for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++) {
		k = ldns_rr_list_rr(keys, i);
		if (ldns_calc_keytag(k) != tag ||
		    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(k)) != alg)
			continue;
		/* ldns lowercases the RRSIG's owner in place: a copy */
		copy = ldns_rr_list_clone(rrset);
		ldns_rr *s = ldns_rr_clone(sig);
		st = ldns_verify_rrsig_time(copy, s, k, now);
		ldns_rr_free(s);
		ldns_rr_list_deep_free(copy);
		if (st == LDNS_STATUS_OK)
			return DNSSEC_SIG_VALID;
		if (st == LDNS_STATUS_CRYPTO_SIG_EXPIRED)
			best = DNSSEC_SIG_EXPIRED;
		else if (st == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED)
			best = DNSSEC_SIG_NOT_YET;
		else if (best == DNSSEC_SIG_NO_KEY)
			best = DNSSEC_SIG_BAD;
	}
	return best;
}

static ldns_rr_list *
rrs(const char *const *text, size_t n)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (size_t i = 0; i < n; i++)
		ldns_rr_list_push_rr(l, signkit_rr(text[i]));
	return l;
}

/* The RRSIG by k over set, valid from inc to exp (the caller owns it). */
static ldns_rr *
sign1(const ldns_rr_list *set, const struct signkit_key *k, uint32_t inc,
    uint32_t exp)
{
	ldns_rr_list *sigs = ldns_rr_list_new();
	ldns_rr *sig;

	signkit_sign(sigs, set, k, inc, exp);
	assert_int_equal(ldns_rr_list_rr_count(sigs), 1);
	sig = ldns_rr_list_rr(sigs, 0);
	ldns_rr_list_free(sigs);
	return sig;
}

/* sigcheck's verdict, which must be ldns's, and is returned. */
static enum dnssec_sig
both(struct sigcheck *sc, ldns_rr_list *set, ldns_rr *sig,
    const ldns_rr_list *keys, time_t now, const char *what)
{
	enum dnssec_sig ours = dnssec_sig_check(set, sig, keys, now, sc),
			theirs = oracle(set, sig, keys, now);

	if (ours != theirs)
		fail_msg("%s: sigcheck says %d, ldns %d", what, ours, theirs);
	/* without a cache, the same */
	assert_int_equal(dnssec_sig_check(set, sig, keys, now, NULL), ours);
	return ours;
}

struct fixture {
	struct signkit_key k[NALGS], other[NALGS];
	ldns_rr_list *keys[NALGS]; /* k's DNSKEY and other's (views) */
	struct sigcheck *sc;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	for (size_t i = 0; i < NALGS; i++) {
		signkit_key_new_alg(&f->k[i], "example.", false, algs[i].sign,
		    algs[i].bits);
		signkit_key_new_alg(&f->other[i], "example.", false,
		    algs[i].sign, algs[i].bits);
		f->keys[i] = ldns_rr_list_new();
		ldns_rr_list_push_rr(f->keys[i], f->k[i].dnskey);
	}
	assert_non_null(f->sc = sigcheck_new());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list_free(f->keys[i]);
		signkit_key_free(&f->k[i]);
		signkit_key_free(&f->other[i]);
	}
	sigcheck_free(f->sc);
	free(f);
	return 0;
}

static const char *const a3[] = {
	"www.example. 300 IN A 192.0.2.3",
	"www.example. 300 IN A 192.0.2.1",
	"www.example. 300 IN A 192.0.2.20",
};

static void
test_sigcheck_valid_any_order_and_case(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(a3, 3), *shown;
		ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY);
		static const char *const mixed[] = {
			"WWW.Example. 60 IN A 192.0.2.20",
			"www.EXAMPLE. 60 IN A 192.0.2.1",
			"Www.example. 60 IN A 192.0.2.3",
		};

		assert_int_equal(
		    both(f->sc, set, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_VALID);
		/* another order, letter case and TTL (a cache's countdown):
		 * the signed data is the same */
		shown = rrs(mixed, 3);
		assert_int_equal(
		    both(f->sc, shown, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_VALID);
		ldns_rr_list_deep_free(shown);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(set);
	}
}

static void
test_sigcheck_tampered_data_and_signature(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(a3, 3), *forged, *fewer;
		ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY);
		static const char *const f3[] = {
			"www.example. 300 IN A 192.0.2.3",
			"www.example. 300 IN A 192.0.2.66",
			"www.example. 300 IN A 192.0.2.20",
		};
		ldns_rdf *s = ldns_rr_rrsig_sig(sig);

		forged = rrs(f3, 3);
		assert_int_equal(
		    both(f->sc, forged, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		fewer = rrs(a3, 2);
		assert_int_equal(
		    both(f->sc, fewer, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		ldns_rdf_data(s)[ldns_rdf_size(s) / 2] ^= 0x40;
		assert_int_equal(
		    both(f->sc, set, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		ldns_rr_list_deep_free(fewer);
		ldns_rr_list_deep_free(forged);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(set);
	}
}

static void
test_sigcheck_wrong_key(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(a3, 1), *wrong = ldns_rr_list_new();
		ldns_rr *sig = sign1(set, &f->other[i], T0 - DAY, T0 + DAY);
		ldns_rr *k;

		/* the key the zone has is not the signer's */
		assert_int_equal(
		    both(f->sc, set, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_NO_KEY);
		/* a key with the signer's tag and algorithm, but another
		 * key field (the signer's, one octet changed) */
		k = ldns_rr_clone(f->other[i].dnskey);
		ldns_rdf_data(ldns_rr_dnskey_key(k))[8] ^= 0x01;
		ldns_rr_list_push_rr(wrong, k);
		{
			uint16_t tag = dnssec_keytag(k);
			uint8_t *t = ldns_rdf_data(ldns_rr_rrsig_keytag(sig));

			t[0] = (uint8_t)(tag >> 8);
			t[1] = (uint8_t)tag;
		}
		assert_int_equal(both(f->sc, set, sig, wrong, T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		ldns_rr_list_deep_free(wrong);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(set);
	}
}

static void
test_sigcheck_keytag_matches_ldns(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		assert_int_equal(dnssec_keytag(f->k[i].dnskey),
		    ldns_calc_keytag(f->k[i].dnskey));
		assert_int_equal(dnssec_keytag(f->other[i].dnskey),
		    ldns_calc_keytag(f->other[i].dnskey));
	}
}

static void
test_sigcheck_wildcard_expansion(void **state)
{
	struct fixture *f = *state;
	static const char *const wild[] = {
		"*.w.example. 300 IN TXT \"any\"",
	};
	static const char *const expanded[] = {
		"a.b.W.example. 300 IN TXT \"any\"",
	};
	static const char *const asked[] = {
		"*.w.example. 300 IN TXT \"any\"",
	};

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(wild, 1), *exp = rrs(expanded, 1),
			     *lit = rrs(asked, 1);
		ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY);

		assert_int_equal(
		    ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig)), 2);
		assert_int_equal(
		    both(f->sc, exp, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_VALID);
		/* the wildcard asked for by its own name */
		assert_int_equal(
		    both(f->sc, lit, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_VALID);
		ldns_rr_list_deep_free(lit);
		ldns_rr_list_deep_free(exp);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(set);
	}
}

static void
test_sigcheck_canonical_rdata(void **state)
{
	struct fixture *f = *state;
	static const char *const mx[] = {
		"example. 300 IN MX 20 mx2.example.",
		"example. 300 IN MX 10 mx1.example.",
	};
	static const char *const mx_caps[] = {
		"example. 300 IN MX 10 MX1.Example.",
		"example. 300 IN MX 20 mx2.EXAMPLE.",
	};
	static const char *const txt[] = { "example. 300 IN TXT \"abc\"" };
	static const char *const txt_caps[] = { "example. 300 IN TXT \"ABC\"" };

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(mx, 2), *caps = rrs(mx_caps, 2);
		ldns_rr_list *t = rrs(txt, 1), *tc = rrs(txt_caps, 1);
		ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY),
			*tsig = sign1(t, &f->k[i], T0 - DAY, T0 + DAY);

		/* MX names are lowercased for signing (RFC 4034 6.2) */
		assert_int_equal(
		    both(f->sc, caps, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_VALID);
		/* TXT is data: its letters are signed as they are */
		assert_int_equal(
		    both(f->sc, tc, tsig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		/* an RRSIG over MX does not cover TXT */
		assert_int_equal(
		    both(f->sc, t, sig, f->keys[i], T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		ldns_rr_free(tsig);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(tc);
		ldns_rr_list_deep_free(t);
		ldns_rr_list_deep_free(caps);
		ldns_rr_list_deep_free(set);
	}
}

static void
test_sigcheck_validity_window(void **state)
{
	struct fixture *f = *state;
	const size_t i = 4; /* ECDSAP256SHA256: the window is not per alg */
	ldns_rr_list *set = rrs(a3, 3);
	ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY), *wrap;

	assert_int_equal(
	    both(f->sc, set, sig, f->keys[i], T0 + 2 * DAY, "expired"),
	    DNSSEC_SIG_EXPIRED);
	assert_int_equal(
	    both(f->sc, set, sig, f->keys[i], T0 - 2 * DAY, "not yet"),
	    DNSSEC_SIG_NOT_YET);
	assert_int_equal(both(f->sc, set, sig, f->keys[i], T0 + DAY, "edge"),
	    DNSSEC_SIG_VALID);
	/* expired and forged: it does not verify, whatever its dates */
	ldns_rdf_data(ldns_rr_rrsig_sig(sig))[3] ^= 0x10;
	assert_int_equal(
	    both(f->sc, set, sig, f->keys[i], T0 + 2 * DAY, "expired forged"),
	    DNSSEC_SIG_BAD);
	/* a window across 2^32 seconds (2106): serial arithmetic */
	wrap = sign1(set, &f->k[i], 0xFFFF0000u, 0x00010000u);
	assert_int_equal(
	    both(f->sc, set, wrap, f->keys[i], (time_t)0x100000010ull, "wrap"),
	    DNSSEC_SIG_VALID);
	assert_int_equal(both(f->sc, set, wrap, f->keys[i],
			     (time_t)0x100020000ull, "wrap expired"),
	    DNSSEC_SIG_EXPIRED);
	ldns_rr_free(wrap);
	/* it expires before it starts */
	wrap = sign1(set, &f->k[i], T0 + DAY, T0 - DAY);
	assert_int_equal(both(f->sc, set, wrap, f->keys[i], T0, "backwards"),
	    DNSSEC_SIG_BAD);
	ldns_rr_free(wrap);
	ldns_rr_free(sig);
	ldns_rr_list_deep_free(set);
}

/* Random damage to the RRset, the RRSIG's fields and the key: the two
 * checks agree every time.  Seeded: the same cases each run. */
static void
test_sigcheck_random_damage_agrees(void **state)
{
	struct fixture *f = *state;
	unsigned seed = 22;

	for (size_t i = 0; i < NALGS; i++) {
		for (int n = 0; n < 40; n++) {
			ldns_rr_list *set = rrs(a3, 3), *keys;
			ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY);
			ldns_rr *key = ldns_rr_clone(f->k[i].dnskey);
			ldns_rdf *rdf;
			size_t at;
			char what[64];

			switch (rand_r(&seed) % 3) {
			case 0:
				rdf = ldns_rr_rdf(
				    ldns_rr_list_rr(set, rand_r(&seed) % 3), 0);
				break;
			case 1: /* labels, TTL, dates, tag, signer, sig */
				rdf = ldns_rr_rdf(sig,
				    2 + (size_t)rand_r(&seed) % 7);
				break;
			default:
				rdf = ldns_rr_dnskey_key(key);
				break;
			}
			at = (size_t)rand_r(&seed) % ldns_rdf_size(rdf);
			ldns_rdf_data(rdf)[at] ^=
			    (uint8_t)(1u << (rand_r(&seed) % 8));
			keys = signkit_list1(key);
			snprintf(what, sizeof(what), "%s case %d", algs[i].name,
			    n);
			(void)both(f->sc, set, sig, keys, T0, what);
			ldns_rr_list_deep_free(keys);
			ldns_rr_free(sig);
			ldns_rr_list_deep_free(set);
		}
	}
}

static void
test_sigcheck_key_made_once(void **state)
{
	struct fixture *f = *state;
	struct sigcheck *sc = sigcheck_new();
	ldns_rr_list *set = rrs(a3, 3);
	ldns_rr *sig = sign1(set, &f->k[4], T0 - DAY, T0 + DAY);

	assert_non_null(sc);
	for (int n = 0; n < 5; n++)
		assert_int_equal(dnssec_sig_check(set, sig, f->keys[4], T0, sc),
		    DNSSEC_SIG_VALID);
	assert_int_equal(sigcheck_made(sc), 1);
	ldns_rr_free(sig);
	sig = sign1(set, &f->k[6], T0 - DAY, T0 + DAY);
	assert_int_equal(dnssec_sig_check(set, sig, f->keys[6], T0, sc),
	    DNSSEC_SIG_VALID);
	assert_int_equal(sigcheck_made(sc), 2);
	ldns_rr_free(sig);
	ldns_rr_list_deep_free(set);
	sigcheck_free(sc);
}

static void
test_sigcheck_cache_drops_least_recent(void **state)
{
	struct signkit_key k[SIGCHECK_KEYS + 1];
	struct sigcheck *sc = sigcheck_new();
	ldns_rr_list *set = rrs(a3, 1), *keys;
	ldns_rr *sig;

	(void)state;
	assert_non_null(sc);
	for (size_t i = 0; i <= SIGCHECK_KEYS; i++) {
		signkit_key_new_alg(&k[i], "example.", false, LDNS_SIGN_ED25519,
		    256);
		keys = signkit_list1(k[i].dnskey);
		sig = sign1(set, &k[i], T0 - DAY, T0 + DAY);
		assert_int_equal(dnssec_sig_check(set, sig, keys, T0, sc),
		    DNSSEC_SIG_VALID);
		if (i == 0) { /* k[0] used again: k[1] is the oldest now */
			ldns_rr_list_free(keys);
			ldns_rr_free(sig);
			continue;
		}
		ldns_rr_list_free(keys);
		ldns_rr_free(sig);
		if (i == 1) {
			keys = signkit_list1(k[0].dnskey);
			sig = sign1(set, &k[0], T0 - DAY, T0 + DAY);
			assert_int_equal(
			    dnssec_sig_check(set, sig, keys, T0, sc),
			    DNSSEC_SIG_VALID);
			ldns_rr_list_free(keys);
			ldns_rr_free(sig);
		}
	}
	assert_int_equal(sigcheck_made(sc), SIGCHECK_KEYS + 1);
	/* k[0] stayed; k[1] went for the last one */
	for (size_t i = 0; i <= 1; i++) {
		keys = signkit_list1(k[i].dnskey);
		sig = sign1(set, &k[i], T0 - DAY, T0 + DAY);
		assert_int_equal(dnssec_sig_check(set, sig, keys, T0, sc),
		    DNSSEC_SIG_VALID);
		ldns_rr_list_free(keys);
		ldns_rr_free(sig);
	}
	assert_int_equal(sigcheck_made(sc), SIGCHECK_KEYS + 2);
	for (size_t i = 0; i <= SIGCHECK_KEYS; i++)
		signkit_key_free(&k[i]);
	ldns_rr_list_deep_free(set);
	sigcheck_free(sc);
}

static void
test_sigcheck_malformed_key_fields(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < NALGS; i++) {
		ldns_rr_list *set = rrs(a3, 1), *keys;
		ldns_rr *sig = sign1(set, &f->k[i], T0 - DAY, T0 + DAY);
		ldns_rr *key = ldns_rr_clone(f->k[i].dnskey);
		ldns_rdf *kf = ldns_rr_dnskey_key(key);

		/* the key field one octet short, its tag kept matching */
		ldns_rdf_set_size(kf, ldns_rdf_size(kf) - 1);
		keys = signkit_list1(key);
		{
			uint16_t tag = dnssec_keytag(key);
			uint8_t *t = ldns_rdf_data(ldns_rr_rrsig_keytag(sig));

			t[0] = (uint8_t)(tag >> 8);
			t[1] = (uint8_t)tag;
		}
		assert_int_equal(both(f->sc, set, sig, keys, T0, algs[i].name),
		    DNSSEC_SIG_BAD);
		ldns_rr_list_deep_free(keys);
		ldns_rr_free(sig);
		ldns_rr_list_deep_free(set);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigcheck_valid_any_order_and_case),
		cmocka_unit_test(test_sigcheck_tampered_data_and_signature),
		cmocka_unit_test(test_sigcheck_wrong_key),
		cmocka_unit_test(test_sigcheck_keytag_matches_ldns),
		cmocka_unit_test(test_sigcheck_wildcard_expansion),
		cmocka_unit_test(test_sigcheck_canonical_rdata),
		cmocka_unit_test(test_sigcheck_validity_window),
		cmocka_unit_test(test_sigcheck_random_damage_agrees),
		cmocka_unit_test(test_sigcheck_key_made_once),
		cmocka_unit_test(test_sigcheck_cache_drops_least_recent),
		cmocka_unit_test(test_sigcheck_malformed_key_fields),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
