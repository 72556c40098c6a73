/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: JWKS import, jwks_parse() + jwks_free().
 * Also asks every imported key whether it fits every algorithm (jwk_fits),
 * the check jwt_verify makes before any signature is tried.
 * Properties: usable keys carry a key and no refusal, refused keys carry a
 * reason and no key; kid/crv/alg/refused are NUL-terminated; the error of
 * a failed parse is NUL-terminated and the set is empty.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "alg.h"
#include "jwk.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwks set;
	char err[256], why[160];
	const struct jwt_alg *a;
	size_t i, j, usable = 0;

	err[0] = '\0';
	if (jwks_parse((const char *)data, size, &set, err, sizeof(err)) != 0) {
		FUZZ_CHECK_CSTR(err);
		if (err[0] == '\0' || set.keys != NULL || set.n != 0)
			FUZZ_FAIL("failed parse without a message or with keys left");
		return 0;
	}
	for (i = 0; i < set.n; i++) {
		const struct jwk *k = &set.keys[i];

		FUZZ_CHECK_CSTR(k->kid);
		FUZZ_CHECK_CSTR(k->crv);
		FUZZ_CHECK_CSTR(k->alg);
		FUZZ_CHECK_CSTR(k->refused);
		if ((k->pkey != NULL) == (k->refused[0] != '\0'))
			FUZZ_FAIL("key %zu: pkey %p but refused \"%s\"", i, (void *)k->pkey, k->refused);
		usable += k->pkey != NULL;
		for (j = 0; (a = jwt_alg_at(j)) != NULL; j++) {
			why[0] = '\0';
			if (jwk_fits(k, a, why, sizeof(why)) != 0) {
				FUZZ_CHECK_CSTR(why);
			} else if (k->pkey == NULL || k->kty != a->kty) {
				FUZZ_FAIL("key %zu fits %s without a key of its type", i, a->name);
			}
		}
	}
	if (jwks_usable(&set) != usable)
		FUZZ_FAIL("jwks_usable %zu, counted %zu", jwks_usable(&set), usable);
	jwks_free(&set);
	if (set.keys != NULL || set.n != 0)
		FUZZ_FAIL("jwks_free left keys behind");
	return 0;
}
