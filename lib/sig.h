/* SPDX-License-Identifier: BSD-2-Clause */
/* Signature verification over the JWS signing input (OpenSSL EVP). */
#ifndef PAM_JWT_SIG_H
#define PAM_JWT_SIG_H

#include <stddef.h>
#include <openssl/evp.h>

#include "alg.h"

enum sig_status { SIG_VALID = 0, SIG_INVALID, SIG_WRONG_LENGTH, SIG_ERROR };

/* Verify with a public key that already passed jwk_fits() for alg. */
enum sig_status sig_verify_pkey(const struct jwt_alg *alg, EVP_PKEY *pkey,
                                const unsigned char *input, size_t inlen,
                                const unsigned char *sig, size_t siglen);

/* Verify an HMAC alg with a local secret, in constant time. */
enum sig_status sig_verify_hmac(const struct jwt_alg *alg, const unsigned char *secret,
                                size_t secret_len, const unsigned char *input, size_t inlen,
                                const unsigned char *sig, size_t siglen);

/* Signature length the key needs for alg. */
size_t sig_expected_len(const struct jwt_alg *alg, EVP_PKEY *pkey);

#endif
