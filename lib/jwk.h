/* SPDX-License-Identifier: BSD-2-Clause */
/* JWK / JWKS import (RFC 7517, RFC 7518 section 6, RFC 8037). */
#ifndef PAM_JWT_JWK_H
#define PAM_JWT_JWK_H

#include <stddef.h>
#include <openssl/evp.h>
#include <json-c/json.h>

#include "alg.h"
#include "log.h"

#define JWKS_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_KEYS 1024

struct jwk {
	char kid[128];
	int has_kid;
	enum jwt_kty kty;
	char crv[16];
	char alg[16];          /* optional "alg" member: the key verifies only this */
	int bits;
	EVP_PKEY *pkey;        /* NULL when refused */
	char refused[128];     /* why this key can never verify; "" if usable */
	json_object *obj;      /* jwks_parse_lazy: the JWK, until jwk_load imports it */
	int pending;
};

struct jwks {
	struct jwk *keys;
	size_t n;
};

/* Import one JWK object.  Returns 0 with the key usable or refused
 * (k->refused says why), -1 if the object is not a JWK at all. */
int jwk_import(json_object *obj, struct jwk *k);

/* Parse a JWKS document.  Refused keys are kept (with reasons) so a
 * token naming one gets a precise answer.  Returns 0, or -1 with err. */
int jwks_parse(const char *buf, size_t len, struct jwks *out, char *err, size_t errcap);
void jwks_free(struct jwks *set);

/* Like jwks_parse, but only each key's kid is read; the key itself is
 * imported by jwk_load when a token names it.  A login then pays for the
 * one key it uses, however many the provider publishes. */
int jwks_parse_lazy(const char *buf, size_t len, struct jwks *out, char *err, size_t errcap);
void jwk_load(struct jwk *k);

/* Usable keys in the set (imports any key still pending). */
size_t jwks_usable(struct jwks *set);

/* Does key k fit algorithm a?  0 yes; -1 no, with the reason in why. */
int jwk_fits(const struct jwk *k, const struct jwt_alg *a, char *why, size_t whycap);

#endif
