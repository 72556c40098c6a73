/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>

#include "b64url.h"
#include "jwk.h"
#include "json.h"
#include "tap.h"

/* RFC 7515 A.3 key (public part) */
#define P256 "\"kty\":\"EC\",\"crv\":\"P-256\"," \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""

static int import(const char *json, struct jwk *k)
{
	json_object *o = jwt_json_parse(json, strlen(json), 8);
	int rc = o != NULL ? jwk_import(o, k) : -1;

	json_object_put(o);
	return rc;
}

int main(void)
{
	struct jwk k;
	struct jwks set;
	char why[160], err[160];
	const char *jwks;

	ok(import("{" P256 ",\"kid\":\"a\"}", &k) == 0 && k.pkey != NULL && k.bits == 256,
	   "EC P-256 key imports");
	ok(jwk_fits(&k, jwt_alg_find("ES256"), why, sizeof(why)) == 0, "P-256 fits ES256");
	ok(jwk_fits(&k, jwt_alg_find("ES384"), why, sizeof(why)) != 0, "P-256 does not fit ES384");
	ok(jwk_fits(&k, jwt_alg_find("RS256"), why, sizeof(why)) != 0, "EC key does not fit RS256");
	ok(jwk_fits(&k, jwt_alg_find("HS256"), why, sizeof(why)) != 0, "EC key never an HMAC secret");
	EVP_PKEY_free(k.pkey);

	ok(import("{" P256 ",\"alg\":\"ES384\"}", &k) == 0 &&
	   jwk_fits(&k, jwt_alg_find("ES256"), why, sizeof(why)) != 0, "key alg must match header alg");
	EVP_PKEY_free(k.pkey);
	ok(import("{" P256 ",\"use\":\"enc\"}", &k) == 0 && k.pkey == NULL && k.refused[0],
	   "use enc refused: %s", k.refused);
	ok(import("{" P256 ",\"key_ops\":[\"encrypt\"]}", &k) == 0 && k.pkey == NULL,
	   "key_ops without verify refused");
	ok(import("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	          "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}", &k) == 0 && k.pkey == NULL,
	   "EC point off the curve refused: %s", k.refused);
	ok(import("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", &k) == 0 &&
	   k.pkey == NULL, "short EC coordinates refused");
	ok(import("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", &k) == 0 &&
	   k.pkey == NULL, "unknown curve refused");
	{
		/* a 1024-bit modulus: 128 bytes, top bit set, odd */
		unsigned char n[128];
		char enc[200], json[400];

		memset(n, 0x5a, sizeof(n));
		n[0] = 0xc1;
		n[127] = 0x01;
		b64url_encode(n, sizeof(n), enc);
		snprintf(json, sizeof(json), "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}", enc);
		ok(import(json, &k) == 0 && k.pkey == NULL && k.bits == 1024,
		   "RSA-1024 refused: %s", k.refused);
	}
	ok(import("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", &k) == 0 && k.pkey == NULL,
	   "oct keys from a JWKS never verify");
	ok(import("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	          "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", &k) == 0 && k.pkey != NULL,
	   "Ed25519 key imports (RFC 8037 A.2)");
	ok(jwk_fits(&k, jwt_alg_find("EdDSA"), why, sizeof(why)) == 0, "Ed25519 fits EdDSA");
	EVP_PKEY_free(k.pkey);
	ok(import("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}", &k) == 0 && k.pkey == NULL,
	   "X25519 refused");
	ok(import("{\"kid\":\"x\"}", &k) != 0, "object without kty is not a JWK");

	jwks = "{\"keys\":[{" P256 ",\"kid\":\"a\"},{\"kty\":\"RSA\",\"kid\":\"b\"},7]}";
	ok(jwks_parse(jwks, strlen(jwks), &set, err, sizeof(err)) == 0 && set.n == 2 &&
	   jwks_usable(&set) == 1, "JWKS: bad keys kept as refused, non-objects skipped");
	jwks_free(&set);
	ok(jwks_parse("{\"keys\":{}}", 11, &set, err, sizeof(err)) != 0, "keys must be an array");
	ok(jwks_parse("[]", 2, &set, err, sizeof(err)) != 0, "JWKS must be an object");
	ok(jwks_parse("{\"keys\":[]} x", 13, &set, err, sizeof(err)) != 0, "trailing garbage refused");
	/* A published private key is refused, never cached or trusted. */
	ok(import("{" P256 ",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}", &k) == 0 &&
	   k.pkey == NULL && strstr(k.refused, "private") != NULL, "key with \"d\" refused: %s",
	   k.refused);
	EVP_PKEY_free(k.pkey);

	return tap_done();
}
