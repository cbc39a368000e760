/*
 * src/common/sigcheck.c - RRSIGs checked with OpenSSL 3 (see sigcheck.h).
 *
 * Invariants: a cached key's bytes are the DNSKEY key field it was made
 * from, with its algorithm, and its vctx (once made) verifies digests of
 * that algorithm's hash; a slot with no key has used == 0.  After a
 * successful sigcheck_prepare(), data holds the signed data and sig the
 * signature (DER for ECDSA), and ready is set.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "sigcheck.h"

/* The DER form of an ECDSA P-384 signature: two 49-octet integers in a
 * sequence, with room to spare. */
#define SIG_DER_MAX 128

struct skey {
	EVP_PKEY *pk;       /* owned; NULL: empty slot */
	EVP_PKEY_CTX *vctx; /* owned: pk's, set up to verify digests (not
			       for EdDSA, which signs the data itself) */
	uint8_t *bytes;     /* owned: the DNSKEY key field */
	size_t len;
	uint8_t alg;
	uint64_t used; /* tick of the last use; 0: empty */
};

/* One RR of the RRset in scratch: its type, class, TTL and RDLENGTH at
 * off, its RDATA at rd (set once scratch is complete). */
struct piece {
	size_t off;
	const uint8_t *rd;
	size_t len;
};

enum md_kind { MD_SHA1, MD_SHA256, MD_SHA384, MD_SHA512, MD_KINDS };

struct sigcheck {
	struct skey keys[SIGCHECK_KEYS];
	struct skey once; /* a key made for one check only */
	uint64_t tick;
	size_t made;
	EVP_MD *md[MD_KINDS]; /* fetched on first use */
	EVP_MD_CTX *ctx;
	ldns_buffer *data;    /* the signed data */
	ldns_buffer *scratch; /* the RRs in canonical form, unsorted */
	ldns_buffer *sig;     /* the signature as OpenSSL reads it */
	struct piece *pieces;
	size_t npieces; /* allocated */
	uint8_t owner[LDNS_MAX_DOMAINLEN + 1];
	size_t ownerlen;
	uint8_t alg;
	bool ready;
};

static void
skey_clear(struct skey *k)
{
	EVP_PKEY_CTX_free(k->vctx);
	EVP_PKEY_free(k->pk);
	free(k->bytes);
	*k = (struct skey){ 0 };
}

struct sigcheck *
sigcheck_new(void)
{
	struct sigcheck *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	sc->ctx = EVP_MD_CTX_new();
	sc->data = ldns_buffer_new(1024);
	sc->scratch = ldns_buffer_new(1024);
	sc->sig = ldns_buffer_new(256);
	if (sc->ctx == NULL || sc->data == NULL || sc->scratch == NULL ||
	    sc->sig == NULL) {
		sigcheck_free(sc);
		return NULL;
	}
	return sc;
}

void
sigcheck_free(struct sigcheck *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < SIGCHECK_KEYS; i++)
		skey_clear(&sc->keys[i]);
	for (size_t i = 0; i < MD_KINDS; i++)
		EVP_MD_free(sc->md[i]);
	EVP_MD_CTX_free(sc->ctx);
	ldns_buffer_free(sc->data);
	ldns_buffer_free(sc->scratch);
	ldns_buffer_free(sc->sig);
	free(sc->pieces);
	free(sc);
}

size_t
sigcheck_made(const struct sigcheck *sc)
{
	return sc->made;
}

/* --- public keys from DNSKEY key fields (RFC 3110, 6605, 8080) -------- */

static EVP_PKEY *
key_fromdata(const char *type, OSSL_PARAM_BLD *b)
{
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *c =
	    p != NULL ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
	EVP_PKEY *pk = NULL;

	if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	return pk;
}

/* RFC 3110 2: exponent length (one octet, or zero and two), exponent,
 * modulus. */
static EVP_PKEY *
key_rsa(const uint8_t *k, size_t len)
{
	size_t el, off;
	BIGNUM *n, *e;
	OSSL_PARAM_BLD *b;
	EVP_PKEY *pk = NULL;

	if (len >= 1 && k[0] != 0) {
		el = k[0];
		off = 1;
	} else if (len >= 3) {
		el = (size_t)k[1] << 8 | k[2];
		off = 3;
	} else {
		return NULL;
	}
	if (el == 0 || off + el >= len)
		return NULL;
	e = BN_bin2bn(k + off, (int)el, NULL);
	n = BN_bin2bn(k + off + el, (int)(len - off - el), NULL);
	b = OSSL_PARAM_BLD_new();
	if (e != NULL && n != NULL && b != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) == 1)
		pk = key_fromdata("RSA", b);
	OSSL_PARAM_BLD_free(b);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* RFC 6605 4: the point's X and Y, without the uncompressed-form octet. */
static EVP_PKEY *
key_ec(const char *group, const uint8_t *k, size_t len)
{
	uint8_t pub[1 + 96];
	OSSL_PARAM_BLD *b;
	EVP_PKEY *pk = NULL;

	if (len + 1 > sizeof(pub))
		return NULL;
	pub[0] = 0x04;
	memcpy(pub + 1, k, len);
	b = OSSL_PARAM_BLD_new();
	if (b != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
		group, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub,
		len + 1) == 1)
		pk = key_fromdata("EC", b);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

static EVP_PKEY *
key_make(uint8_t alg, const uint8_t *k, size_t len)
{
	switch (alg) {
	case LDNS_RSASHA1:
	case LDNS_RSASHA1_NSEC3:
	case LDNS_RSASHA256:
	case LDNS_RSASHA512:
		return key_rsa(k, len);
	case LDNS_ECDSAP256SHA256:
		return len == 64 ? key_ec("prime256v1", k, len) : NULL;
	case LDNS_ECDSAP384SHA384:
		return len == 96 ? key_ec("secp384r1", k, len) : NULL;
	case LDNS_ED25519:
		return len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
				       NULL, k, len)
				 : NULL;
	case LDNS_ED448:
		return len == 57
		    ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, k, len)
		    : NULL;
	default:
		return NULL;
	}
}

/* The slot of the key for (alg, k): from the cache, or made (and cached
 * if it fits; else in sc->once, which the caller clears).  NULL if it
 * cannot be made. */
static struct skey *
key_get(struct sigcheck *sc, uint8_t alg, const uint8_t *k, size_t len)
{
	struct skey *s, *old = &sc->keys[0];
	EVP_PKEY *pk;
	uint8_t *copy;

	for (size_t i = 0; i < SIGCHECK_KEYS; i++) {
		s = &sc->keys[i];
		if (s->pk != NULL && s->alg == alg && s->len == len &&
		    memcmp(s->bytes, k, len) == 0) {
			s->used = ++sc->tick;
			return s;
		}
		if (s->used < old->used)
			old = s;
	}
	if ((pk = key_make(alg, k, len)) == NULL)
		return NULL;
	sc->made++;
	if (len > SIGCHECK_KEY_MAX || (copy = malloc(len)) == NULL) {
		/* out of memory too: still checked, not kept */
		sc->once = (struct skey){ .pk = pk, .alg = alg };
		return &sc->once;
	}
	memcpy(copy, k, len);
	skey_clear(old);
	*old = (struct skey){ .pk = pk,
		.bytes = copy,
		.len = len,
		.alg = alg,
		.used = ++sc->tick };
	return old;
}

/* The digest alg signs with in *md (NULL for Ed25519 and Ed448, which
 * hash inside); false if OpenSSL has none. */
static bool
md_for(struct sigcheck *sc, uint8_t alg, const EVP_MD **md)
{
	static const char *const names[MD_KINDS] = { "SHA1", "SHA256", "SHA384",
		"SHA512" };
	enum md_kind m;

	switch (alg) {
	case LDNS_RSASHA1:
	case LDNS_RSASHA1_NSEC3:
		m = MD_SHA1;
		break;
	case LDNS_RSASHA256:
	case LDNS_ECDSAP256SHA256:
		m = MD_SHA256;
		break;
	case LDNS_ECDSAP384SHA384:
		m = MD_SHA384;
		break;
	case LDNS_RSASHA512:
		m = MD_SHA512;
		break;
	default:
		*md = NULL;
		return true;
	}
	if (sc->md[m] == NULL)
		sc->md[m] = EVP_MD_fetch(NULL, names[m], NULL);
	*md = sc->md[m];
	return *md != NULL;
}

/* --- the signed data --------------------------------------------------- */

/* The signature of sig in sc->sig: as it is, or DER for ECDSA (r and s
 * of half octets each, RFC 6605 4). */
static bool
sig_take(struct sigcheck *sc, const ldns_rdf *f)
{
	const uint8_t *s = ldns_rdf_data(f);
	size_t len = ldns_rdf_size(f), half;
	uint8_t der[SIG_DER_MAX], *p = der;
	ECDSA_SIG *es;
	BIGNUM *r, *t;
	int n = -1;

	ldns_buffer_clear(sc->sig);
	if (sc->alg != LDNS_ECDSAP256SHA256 &&
	    sc->alg != LDNS_ECDSAP384SHA384) {
		if (!ldns_buffer_reserve(sc->sig, len))
			return false;
		ldns_buffer_write(sc->sig, s, len);
		return true;
	}
	half = sc->alg == LDNS_ECDSAP256SHA256 ? 32 : 48;
	if (len != 2 * half)
		return false;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(s, (int)half, NULL);
	t = BN_bin2bn(s + half, (int)half, NULL);
	if (es == NULL || r == NULL || t == NULL ||
	    ECDSA_SIG_set0(es, r, t) != 1) {
		BN_free(r);
		BN_free(t);
	} else if (i2d_ECDSA_SIG(es, NULL) <= (int)sizeof(der)) {
		n = i2d_ECDSA_SIG(es, &p); /* es owns r and t now */
	}
	ECDSA_SIG_free(es);
	if (n <= 0 || !ldns_buffer_reserve(sc->sig, (size_t)n))
		return false;
	ldns_buffer_write(sc->sig, der, (size_t)n);
	return true;
}

/* RFC 4034 3.1.8.1: owner lowercased; with fewer RRSIG labels than it
 * has, "*." and its rightmost labels (the wildcard it came from). */
static bool
owner_take(struct sigcheck *sc, const ldns_rdf *owner, size_t labels)
{
	const uint8_t *d = ldns_rdf_data(owner);
	size_t sz = ldns_rdf_size(owner), pos = 0, o = 0;
	size_t have = ldns_dname_label_count(owner);

	if (sz == 0 || sz > sizeof(sc->owner))
		return false;
	if (labels < have) {
		for (size_t i = 0; i < have - labels; i++)
			pos += (size_t)d[pos] + 1;
		sc->owner[o++] = 1;
		sc->owner[o++] = '*';
	}
	/* length octets are below 64, so no letter is mistaken for one */
	for (; pos < sz; pos++)
		sc->owner[o++] = d[pos] >= 'A' && d[pos] <= 'Z'
		    ? (uint8_t)(d[pos] + ('a' - 'A'))
		    : d[pos];
	sc->ownerlen = o;
	return true;
}

/* RFC 4034 6.3: RDATA as left-justified octet strings, a shorter one
 * first when it is the other's prefix. */
static int
piece_cmp(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->rd, y->rd, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Each RR of rrset canonical in scratch, sorted in pieces. */
static bool
rrs_take(struct sigcheck *sc, const ldns_rr_list *rrset)
{
	size_t n = ldns_rr_list_rr_count(rrset), start, hdr, end;
	const uint8_t *base;
	struct piece *p;
	const ldns_rr *rr;

	if (n > sc->npieces) {
		if ((p = realloc(sc->pieces, n * sizeof(*p))) == NULL)
			return false;
		sc->pieces = p;
		sc->npieces = n;
	}
	ldns_buffer_clear(sc->scratch);
	for (size_t i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(rrset, i);
		start = ldns_buffer_position(sc->scratch);
		if (ldns_rr2buffer_wire_canonical(sc->scratch, rr,
			LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
			return false;
		hdr = start + ldns_rdf_size(ldns_rr_owner(rr));
		end = ldns_buffer_position(sc->scratch);
		if (end < hdr + 10)
			return false;
		sc->pieces[i] =
		    (struct piece){ .off = hdr, .len = end - hdr - 10 };
	}
	base = ldns_buffer_begin(sc->scratch);
	for (size_t i = 0; i < n; i++)
		sc->pieces[i].rd = base + sc->pieces[i].off + 10;
	qsort(sc->pieces, n, sizeof(*sc->pieces), piece_cmp);
	return true;
}

bool
sigcheck_prepare(struct sigcheck *sc, const ldns_rr_list *rrset,
    const ldns_rr *sig)
{
	size_t n = ldns_rr_list_rr_count(rrset);
	const ldns_rr *first;
	const uint8_t *base;
	uint32_t ttl;

	sc->ready = false;
	if (n == 0 || ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG ||
	    ldns_rr_rd_count(sig) != 9)
		return false;
	first = ldns_rr_list_rr(rrset, 0);
	if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) !=
	    ldns_rr_get_type(first))
		return false;
	sc->alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	ttl = ldns_rdf2native_int32(ldns_rr_rrsig_origttl(sig));
	if (!sig_take(sc, ldns_rr_rrsig_sig(sig)) ||
	    !owner_take(sc, ldns_rr_owner(first),
		ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig))) ||
	    !rrs_take(sc, rrset))
		return false;
	ldns_buffer_clear(sc->data);
	if (ldns_rrsig2buffer_wire(sc->data, sig) != LDNS_STATUS_OK)
		return false;
	base = ldns_buffer_begin(sc->scratch);
	for (size_t i = 0; i < n; i++) {
		const struct piece *p = &sc->pieces[i];

		if (!ldns_buffer_reserve(sc->data, sc->ownerlen + 10 + p->len))
			return false;
		ldns_buffer_write(sc->data, sc->owner, sc->ownerlen);
		ldns_buffer_write(sc->data, base + p->off, 4); /* type, class */
		ldns_buffer_write_u32(sc->data, ttl);
		ldns_buffer_write(sc->data, base + p->off + 8, 2 + p->len);
	}
	sc->ready = true;
	return true;
}

/* Whether the prepared signature verifies with k's key; md: the
 * algorithm's hash (NULL: EdDSA). */
static bool
verify_with(struct sigcheck *sc, struct skey *k, const EVP_MD *md)
{
	const uint8_t *data = ldns_buffer_begin(sc->data),
		      *sig = ldns_buffer_begin(sc->sig);
	size_t dlen = ldns_buffer_position(sc->data),
	       slen = ldns_buffer_position(sc->sig);
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl;

	if (md == NULL)
		return EVP_MD_CTX_reset(sc->ctx) == 1 &&
		    EVP_DigestVerifyInit(sc->ctx, NULL, NULL, NULL, k->pk) ==
		    1 &&
		    EVP_DigestVerify(sc->ctx, sig, slen, data, dlen) == 1;
	/* the key's verify context is set up once, then reused, rather
	 * than by EVP_DigestVerifyInit() on every check */
	if (k->vctx == NULL &&
	    ((k->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)) ==
		    NULL ||
		EVP_PKEY_verify_init(k->vctx) != 1 ||
		EVP_PKEY_CTX_set_signature_md(k->vctx, md) != 1)) {
		EVP_PKEY_CTX_free(k->vctx);
		k->vctx = NULL;
		return false;
	}
	return EVP_Digest(data, dlen, h, &hl, md, NULL) == 1 &&
	    EVP_PKEY_verify(k->vctx, sig, slen, h, hl) == 1;
}

bool
sigcheck_verify(struct sigcheck *sc, const ldns_rr *key)
{
	const ldns_rdf *f;
	const EVP_MD *md;
	struct skey *k;
	bool ok;

	if (!sc->ready || ldns_rr_rd_count(key) != 4 ||
	    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(key)) != sc->alg ||
	    !md_for(sc, sc->alg, &md))
		return false;
	f = ldns_rr_dnskey_key(key);
	k = key_get(sc, sc->alg, ldns_rdf_data(f), ldns_rdf_size(f));
	ok = k != NULL && verify_with(sc, k, md);
	if (!ok)
		ERR_clear_error();
	if (k == &sc->once)
		skey_clear(&sc->once);
	return ok;
}
