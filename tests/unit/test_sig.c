/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "sig.h"
#include "tap.h"

static const unsigned char input[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
#define INLEN (sizeof(input) - 1)

static size_t sign(EVP_PKEY *k, const char *md, int pss, unsigned char *sig, size_t cap)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = NULL;
	size_t n = cap;

	EVP_DigestSignInit_ex(c, &p, md, NULL, NULL, k, NULL);
	if (pss) {
		EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(p, pss);
	}
	if (EVP_DigestSign(c, sig, &n, input, INLEN) != 1)
		n = 0;
	EVP_MD_CTX_free(c);
	return n;
}

/* DER ECDSA -> JOSE R||S of 2*half bytes */
static size_t der_to_raw(const unsigned char *der, size_t n, unsigned char *raw, int half)
{
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &der, (long)n);
	const BIGNUM *r, *ss;

	ECDSA_SIG_get0(s, &r, &ss);
	BN_bn2binpad(r, raw, half);
	BN_bn2binpad(ss, raw + half, half);
	ECDSA_SIG_free(s);
	return (size_t)half * 2;
}

int main(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	unsigned char sig[600], raw[200], zero[64] = { 0 };
	unsigned char secret[64];
	size_t n;

	n = sign(rsa, "SHA256", 0, sig, sizeof(sig));
	ok(sig_verify_pkey(jwt_alg_find("RS256"), rsa, input, INLEN, sig, n) == SIG_VALID, "RS256");
	ok(sig_verify_pkey(jwt_alg_find("RS384"), rsa, input, INLEN, sig, n) == SIG_INVALID,
	   "RS256 signature does not pass as RS384");
	ok(sig_verify_pkey(jwt_alg_find("PS256"), rsa, input, INLEN, sig, n) == SIG_INVALID,
	   "PKCS#1 v1.5 signature does not pass as PS256");
	sig[10] ^= 1;
	ok(sig_verify_pkey(jwt_alg_find("RS256"), rsa, input, INLEN, sig, n) == SIG_INVALID,
	   "flipped bit fails");
	ok(sig_verify_pkey(jwt_alg_find("RS256"), rsa, input, INLEN, sig, n - 1) == SIG_WRONG_LENGTH,
	   "short RSA signature: wrong length");

	n = sign(rsa, "SHA384", RSA_PSS_SALTLEN_DIGEST, sig, sizeof(sig));
	ok(sig_verify_pkey(jwt_alg_find("PS384"), rsa, input, INLEN, sig, n) == SIG_VALID,
	   "PS384 with salt = hash length");
	n = sign(rsa, "SHA384", 20, sig, sizeof(sig));
	ok(sig_verify_pkey(jwt_alg_find("PS384"), rsa, input, INLEN, sig, n) == SIG_INVALID,
	   "PS384 with another salt length refused");

	n = sign(ec, "SHA256", 0, sig, sizeof(sig));
	ok(sig_verify_pkey(jwt_alg_find("ES256"), ec, input, INLEN, sig, n) == SIG_WRONG_LENGTH,
	   "DER-encoded ECDSA signature refused");
	n = der_to_raw(sig, n, raw, 32);
	ok(sig_verify_pkey(jwt_alg_find("ES256"), ec, input, INLEN, raw, n) == SIG_VALID,
	   "ES256 raw R||S");
	raw[63] ^= 0x80;
	ok(sig_verify_pkey(jwt_alg_find("ES256"), ec, input, INLEN, raw, n) == SIG_INVALID,
	   "ES256 flipped bit");
	ok(sig_verify_pkey(jwt_alg_find("ES256"), ec, input, INLEN, zero, 64) == SIG_INVALID,
	   "ES256 all-zero signature");

	n = sizeof(sig);
	{
		EVP_MD_CTX *c = EVP_MD_CTX_new();

		EVP_DigestSignInit_ex(c, NULL, NULL, NULL, NULL, ed, NULL);
		EVP_DigestSign(c, sig, &n, input, INLEN);
		EVP_MD_CTX_free(c);
	}
	ok(sig_verify_pkey(jwt_alg_find("EdDSA"), ed, input, INLEN, sig, n) == SIG_VALID, "EdDSA");
	sig[0] ^= 1;
	ok(sig_verify_pkey(jwt_alg_find("EdDSA"), ed, input, INLEN, sig, n) == SIG_INVALID,
	   "EdDSA flipped bit");

	memset(secret, 7, sizeof(secret));
	{
		size_t ml = 0;

		EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, 32, input, INLEN, sig, 64, &ml);
		ok(sig_verify_hmac(jwt_alg_find("HS256"), secret, 32, input, INLEN, sig, ml) ==
		   SIG_VALID, "HS256");
		ok(sig_verify_hmac(jwt_alg_find("HS256"), secret, 31, input, INLEN, sig, ml) ==
		   SIG_ERROR, "HMAC secret under 256 bits refused");
		ok(sig_verify_hmac(jwt_alg_find("HS512"), secret, 48, input, INLEN, sig, 64) ==
		   SIG_ERROR, "HS512 secret shorter than the hash refused");
		ok(sig_verify_hmac(jwt_alg_find("HS256"), secret, 32, input, INLEN, sig, 16) ==
		   SIG_WRONG_LENGTH, "truncated HMAC refused");
		sig[0] ^= 1;
		ok(sig_verify_hmac(jwt_alg_find("HS256"), secret, 32, input, INLEN, sig, ml) ==
		   SIG_INVALID, "HS256 flipped bit");
	}
	ok(jwt_alg_find("none") == NULL && jwt_alg_find("None") == NULL &&
	   jwt_alg_find("rs256") == NULL, "none and wrong case are not algorithms");
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ed);
	return tap_done();
}
