/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "sig.h"

size_t sig_expected_len(const struct jwt_alg *alg, EVP_PKEY *pkey)
{
	if (alg->sig_len != 0)
		return alg->sig_len;
	if (alg->kty == JWT_KTY_OKP)
		return EVP_PKEY_get_id(pkey) == EVP_PKEY_ED448 ? 114 : 64;
	return (size_t)EVP_PKEY_get_size(pkey); /* RSA: modulus bytes */
}

/* JOSE carries ECDSA as fixed-size R||S; OpenSSL wants DER.  Zero R or S
 * is refused here so no library quirk can ever accept it. */
static unsigned char *ecdsa_raw_to_der(const unsigned char *sig, size_t siglen, int *derlen)
{
	size_t half = siglen / 2;
	BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(sig + half, (int)half, NULL);
	ECDSA_SIG *es = NULL;
	unsigned char *der = NULL;

	*derlen = 0;
	if (r == NULL || s == NULL || BN_is_zero(r) || BN_is_zero(s))
		goto out;
	if ((es = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es */
	*derlen = i2d_ECDSA_SIG(es, &der);
	if (*derlen <= 0) {
		der = NULL;
		*derlen = 0;
	}
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return der;
}

enum sig_status sig_verify_pkey(const struct jwt_alg *alg, EVP_PKEY *pkey,
                                const unsigned char *input, size_t inlen,
                                const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int derlen = 0;
	enum sig_status st = SIG_ERROR;

	if (siglen != sig_expected_len(alg, pkey))
		return SIG_WRONG_LENGTH;
	if (alg->kty == JWT_KTY_EC) {
		if ((der = ecdsa_raw_to_der(sig, siglen, &derlen)) == NULL)
			return SIG_INVALID;
		sig = der;
		siglen = (size_t)derlen;
	}
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit_ex(md, &pctx, alg->md, NULL, NULL, pkey, NULL) != 1)
		goto out;
	if (alg->pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, alg->md, NULL) != 1))
		goto out;
	st = EVP_DigestVerify(md, sig, siglen, input, inlen) == 1 ? SIG_VALID : SIG_INVALID;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return st;
}

enum sig_status sig_verify_hmac(const struct jwt_alg *alg, const unsigned char *secret,
                                size_t secret_len, const unsigned char *input, size_t inlen,
                                const unsigned char *sig, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	enum sig_status st;

	if (siglen != alg->sig_len)
		return SIG_WRONG_LENGTH;
	if (secret_len * 8 < (size_t)alg->min_bits)
		return SIG_ERROR;
	if (EVP_Q_mac(NULL, "HMAC", NULL, alg->md, NULL, secret, secret_len, input, inlen,
	              mac, sizeof(mac), &maclen) == NULL || maclen != siglen)
		st = SIG_ERROR;
	else
		st = CRYPTO_memcmp(mac, sig, siglen) == 0 ? SIG_VALID : SIG_INVALID;
	OPENSSL_cleanse(mac, sizeof(mac));
	return st;
}
