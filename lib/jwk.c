/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "json.h"
#include "jwk.h"

/* Largest decoded member: a 16384-bit RSA modulus. */
#define JWK_MEMBER_MAX 2048

struct ec_curve {
	const char *crv;
	const char *group;
	size_t coord;
};

static const struct ec_curve ec_curves[] = {
	{ "P-256", "prime256v1", 32 },
	{ "P-384", "secp384r1", 48 },
	{ "P-521", "secp521r1", 66 },
};

static int member(json_object *obj, const char *key, unsigned char *buf, size_t *n)
{
	const char *s = jwt_json_str(obj, key, NULL);

	if (s == NULL)
		return -1;
	return b64url_decode(s, strlen(s), buf, JWK_MEMBER_MAX, n);
}

static void refuse(struct jwk *k, const char *why)
{
	snprintf(k->refused, sizeof(k->refused), "%s", why);
}

static EVP_PKEY *fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static void import_rsa(json_object *obj, struct jwk *k)
{
	unsigned char *nb = malloc(JWK_MEMBER_MAX), eb[16];
	size_t nlen = 0, elen = 0;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;

	if (nb == NULL) {
		refuse(k, "out of memory");
		goto out;
	}
	if (member(obj, "n", nb, &nlen) != 0 || nlen == 0) {
		refuse(k, "RSA key without a valid \"n\"");
		goto out;
	}
	{
		const char *es = jwt_json_str(obj, "e", NULL);

		if (es == NULL || strlen(es) > 12 ||
		    b64url_decode(es, strlen(es), eb, sizeof(eb), &elen) != 0 || elen == 0) {
			refuse(k, "RSA key without a valid \"e\"");
			goto out;
		}
	}
	n = BN_bin2bn(nb, (int)nlen, NULL);
	e = BN_bin2bn(eb, (int)elen, NULL);
	if (n == NULL || e == NULL) {
		refuse(k, "out of memory");
		goto out;
	}
	k->bits = BN_num_bits(n);
	if (!BN_is_odd(e) || BN_num_bits(e) < 2 || BN_num_bits(e) > 33) {
		refuse(k, "RSA public exponent is not acceptable");
		goto out;
	}
	if (k->bits < 2048) {
		snprintf(k->refused, sizeof(k->refused), "RSA key is %d bits, 2048 is the minimum",
		         k->bits);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (k->pkey = fromdata("RSA", bld)) == NULL)
		refuse(k, "RSA key rejected by OpenSSL");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
}

static void import_ec(json_object *obj, struct jwk *k)
{
	const struct ec_curve *c = NULL;
	unsigned char x[JWK_MEMBER_MAX], y[JWK_MEMBER_MAX], pt[1 + 2 * 66];
	size_t xl = 0, yl = 0, i;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY_CTX *chk = NULL;

	for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
		if (strcmp(k->crv, ec_curves[i].crv) == 0)
			c = &ec_curves[i];
	if (c == NULL) {
		refuse(k, "EC curve is not P-256, P-384 or P-521");
		return;
	}
	k->bits = (int)(c == &ec_curves[2] ? 521 : c->coord * 8);
	/* RFC 7518 6.2.1.2: coordinates are exactly the curve's size. */
	if (member(obj, "x", x, &xl) != 0 || member(obj, "y", y, &yl) != 0 ||
	    xl != c->coord || yl != c->coord) {
		refuse(k, "EC key coordinates are missing or have the wrong length");
		return;
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, xl);
	memcpy(pt + 1 + xl, y, yl);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + xl + yl) ||
	    (k->pkey = fromdata("EC", bld)) == NULL) {
		refuse(k, "EC point is not on the curve");
		goto out;
	}
	/* On the curve (checked by the import) and not the point at infinity.
	 * P-256/384/521 have cofactor 1, so every such point has the group's
	 * order: the full check's extra point multiplication adds nothing but
	 * the cost of a second signature verification. */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	if (chk == NULL || EVP_PKEY_public_check_quick(chk) != 1) {
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
		refuse(k, "EC public key fails validation");
	}
out:
	EVP_PKEY_CTX_free(chk);
	OSSL_PARAM_BLD_free(bld);
}

static void import_okp(json_object *obj, struct jwk *k)
{
	unsigned char x[JWK_MEMBER_MAX];
	size_t xl = 0;
	int type;
	size_t want;

	if (strcmp(k->crv, "Ed25519") == 0) {
		type = EVP_PKEY_ED25519;
		want = 32;
	} else if (strcmp(k->crv, "Ed448") == 0) {
		type = EVP_PKEY_ED448;
		want = 57;
	} else {
		refuse(k, "OKP curve is not Ed25519 or Ed448");
		return;
	}
	k->bits = (int)want * 8;
	if (member(obj, "x", x, &xl) != 0 || xl != want) {
		refuse(k, "OKP key \"x\" is missing or has the wrong length");
		return;
	}
	k->pkey = EVP_PKEY_new_raw_public_key(type, NULL, x, xl);
	if (k->pkey == NULL)
		refuse(k, "OKP key rejected by OpenSSL");
}

/* key_ops, when present, must allow "verify". */
static int ops_allow_verify(json_object *obj)
{
	json_object *ops = NULL;
	const char *op;
	size_t i, n;

	switch (jwt_json_get_array(obj, "key_ops", 32, &ops)) {
	case JWT_JSON_ABSENT:
		return 1;
	case JWT_JSON_BAD:
		return 0;
	case JWT_JSON_OK:
		break;
	}
	for (i = 0; i < jwt_json_array_len(ops); i++)
		if (jwt_json_elem_str(ops, i, 16, &op, &n) == JWT_JSON_OK && n == 6 &&
		    memcmp(op, "verify", 6) == 0)
			return 1;
	return 0;
}

int jwk_import(json_object *obj, struct jwk *k)
{
	char kty[8], use[16];

	memset(k, 0, sizeof(*k));
	if (!jwt_json_is_object(obj) ||
	    jwt_json_copy_str(obj, "kty", kty, sizeof(kty)) == JWT_JSON_BAD || kty[0] == '\0')
		return -1;
	if (jwt_json_copy_str(obj, "kid", k->kid, sizeof(k->kid)) == JWT_JSON_BAD) {
		refuse(k, "\"kid\" is not a short string");
		return 0;
	}
	k->has_kid = jwt_json_has(obj, "kid");
	if (jwt_json_copy_str(obj, "crv", k->crv, sizeof(k->crv)) == JWT_JSON_BAD ||
	    jwt_json_copy_str(obj, "alg", k->alg, sizeof(k->alg)) == JWT_JSON_BAD ||
	    jwt_json_copy_str(obj, "use", use, sizeof(use)) == JWT_JSON_BAD) {
		refuse(k, "\"crv\", \"alg\" or \"use\" is not a short string");
		return 0;
	}
	/* A published set holding a private key is a leak, not a key to trust. */
	if (jwt_json_has(obj, "d")) {
		refuse(k, "key carries private material (\"d\"); publish public keys only");
		return 0;
	}
	if (use[0] != '\0' && strcmp(use, "sig") != 0) {
		refuse(k, "key is not for signatures (\"use\" is not \"sig\")");
		return 0;
	}
	if (!ops_allow_verify(obj)) {
		refuse(k, "\"key_ops\" does not allow verify");
		return 0;
	}
	if (k->alg[0] != '\0' && jwt_alg_find(k->alg) == NULL) {
		refuse(k, "key \"alg\" is not a supported signature algorithm");
		return 0;
	}
	if (strcmp(kty, "RSA") == 0) {
		k->kty = JWT_KTY_RSA;
		import_rsa(obj, k);
	} else if (strcmp(kty, "EC") == 0) {
		k->kty = JWT_KTY_EC;
		import_ec(obj, k);
	} else if (strcmp(kty, "OKP") == 0) {
		k->kty = JWT_KTY_OKP;
		import_okp(obj, k);
	} else {
		/* "oct" keys never come from a JWKS: HMAC secrets are local files. */
		refuse(k, "key type is not RSA, EC or OKP");
	}
	return 0;
}

void jwk_load(struct jwk *k)
{
	json_object *obj = k->obj;

	if (!k->pending)
		return;
	if (jwk_import(obj, k) != 0)
		refuse(k, "not a JWK");
	k->obj = obj;
	k->pending = 0;
}

int jwks_parse(const char *buf, size_t len, struct jwks *out, char *err, size_t errcap)
{
	size_t i;

	if (jwks_parse_lazy(buf, len, out, err, errcap) != 0)
		return -1;
	for (i = 0; i < out->n; i++)
		jwk_load(&out->keys[i]);
	return 0;
}

int jwks_parse_lazy(const char *buf, size_t len, struct jwks *out, char *err, size_t errcap)
{
	json_object *root = NULL, *keys;
	size_t i, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > JWKS_MAX_BYTES) {
		snprintf(err, errcap, "key set is larger than %d bytes", JWKS_MAX_BYTES);
		goto out;
	}
	if ((root = jwt_json_parse(buf, len, 16)) == NULL) {
		snprintf(err, errcap, "key set is not valid JSON");
		goto out;
	}
	if (jwt_json_get_array(root, "keys", (size_t)0x7fffffff, &keys) != JWT_JSON_OK) {
		snprintf(err, errcap, "key set has no \"keys\" array");
		goto out;
	}
	n = jwt_json_array_len(keys);
	if (n > JWKS_MAX_KEYS) {
		snprintf(err, errcap, "key set has %zu keys, more than %d", n, JWKS_MAX_KEYS);
		goto out;
	}
	out->keys = calloc(n ? n : 1, sizeof(*out->keys));
	if (out->keys == NULL) {
		snprintf(err, errcap, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct jwk *k = &out->keys[out->n];
		json_object *obj = jwt_json_elem(keys, i);
		char kty[8];

		/* not a JWK object: ignored like any unknown member */
		if (!jwt_json_is_object(obj) ||
		    jwt_json_copy_str(obj, "kty", kty, sizeof(kty)) == JWT_JSON_BAD || kty[0] == '\0')
			continue;
		memset(k, 0, sizeof(*k));
		if (jwt_json_copy_str(obj, "kid", k->kid, sizeof(k->kid)) == JWT_JSON_BAD)
			k->kid[0] = '\0'; /* jwk_load gives the reason */
		k->has_kid = jwt_json_has(obj, "kid");
		k->obj = json_object_get(obj);
		k->pending = 1;
		out->n++;
	}
	rc = 0;
out:
	json_object_put(root);
	if (rc != 0)
		jwks_free(out);
	return rc;
}

void jwks_free(struct jwks *set)
{
	size_t i;

	for (i = 0; set->keys != NULL && i < set->n; i++) {
		EVP_PKEY_free(set->keys[i].pkey);
		json_object_put(set->keys[i].obj);
	}
	free(set->keys);
	set->keys = NULL;
	set->n = 0;
}

size_t jwks_usable(struct jwks *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->n; i++) {
		jwk_load(&set->keys[i]);
		n += set->keys[i].pkey != NULL;
	}
	return n;
}

int jwk_fits(const struct jwk *k, const struct jwt_alg *a, char *why, size_t whycap)
{
	if (k->pkey == NULL) {
		snprintf(why, whycap, "%s", k->refused);
		return -1;
	}
	if (k->kty != a->kty) {
		snprintf(why, whycap, "key type %s cannot verify %s",
		         k->kty == JWT_KTY_RSA ? "RSA" : k->kty == JWT_KTY_EC ? "EC" : "OKP",
		         a->name);
		return -1;
	}
	if (a->crv != NULL && strcmp(a->crv, k->crv) != 0) {
		snprintf(why, whycap, "%s needs curve %s, key is %s", a->name, a->crv, k->crv);
		return -1;
	}
	if (k->alg[0] != '\0' && strcmp(k->alg, a->name) != 0) {
		snprintf(why, whycap, "key is for %s, token says %s", k->alg, a->name);
		return -1;
	}
	if (k->bits < a->min_bits) {
		snprintf(why, whycap, "key is %d bits, %s needs %d", k->bits, a->name, a->min_bits);
		return -1;
	}
	return 0;
}
