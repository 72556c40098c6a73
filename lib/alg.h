/* SPDX-License-Identifier: BSD-2-Clause */
/* The one table that binds a JWS "alg" to the key that may verify it. */
#ifndef PAM_JWT_ALG_H
#define PAM_JWT_ALG_H

#include <stddef.h>

enum jwt_kty { JWT_KTY_RSA = 1, JWT_KTY_EC, JWT_KTY_OKP, JWT_KTY_OCT };

struct jwt_alg {
	const char *name;      /* exact, case-sensitive JWS alg */
	unsigned bit;          /* bit in an issuer's allow-list mask */
	enum jwt_kty kty;
	const char *crv;       /* EC curve; NULL for RSA/HMAC; NULL for EdDSA (crv from key) */
	const char *md;        /* OpenSSL digest name; NULL for EdDSA */
	int pss;               /* RSASSA-PSS, salt length = digest length */
	int min_bits;          /* RSA modulus / HMAC secret bits */
	size_t sig_len;        /* fixed signature length; 0 = from the key (RSA, EdDSA) */
};

/* NULL for "none", unknown names and wrong case. */
const struct jwt_alg *jwt_alg_find(const char *name);
const struct jwt_alg *jwt_alg_at(size_t i); /* NULL past the end */

/* Parse "RS256 ES256 EdDSA" into a mask; -1 on an unknown name (copied to bad). */
int jwt_alg_mask(const char *list, unsigned *mask, char *bad, size_t badcap);

#define JWT_ALG_ASYMMETRIC_MASK 0x3ffu  /* RS*, PS*, ES*, EdDSA */

#endif
