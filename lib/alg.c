/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <string.h>

#include "alg.h"

/* RFC 7518 section 3 and RFC 8037 section 3.1.  HMAC secrets must be at
 * least as long as the hash output and never under 256 bits. */
static const struct jwt_alg algs[] = {
	{ "RS256", 1u << 0, JWT_KTY_RSA, NULL, "SHA256", 0, 2048, 0 },
	{ "RS384", 1u << 1, JWT_KTY_RSA, NULL, "SHA384", 0, 2048, 0 },
	{ "RS512", 1u << 2, JWT_KTY_RSA, NULL, "SHA512", 0, 2048, 0 },
	{ "PS256", 1u << 3, JWT_KTY_RSA, NULL, "SHA256", 1, 2048, 0 },
	{ "PS384", 1u << 4, JWT_KTY_RSA, NULL, "SHA384", 1, 2048, 0 },
	{ "PS512", 1u << 5, JWT_KTY_RSA, NULL, "SHA512", 1, 2048, 0 },
	{ "ES256", 1u << 6, JWT_KTY_EC, "P-256", "SHA256", 0, 256, 64 },
	{ "ES384", 1u << 7, JWT_KTY_EC, "P-384", "SHA384", 0, 384, 96 },
	{ "ES512", 1u << 8, JWT_KTY_EC, "P-521", "SHA512", 0, 521, 132 },
	{ "EdDSA", 1u << 9, JWT_KTY_OKP, NULL, NULL, 0, 0, 0 },
	{ "HS256", 1u << 10, JWT_KTY_OCT, NULL, "SHA256", 0, 256, 32 },
	{ "HS384", 1u << 11, JWT_KTY_OCT, NULL, "SHA384", 0, 384, 48 },
	{ "HS512", 1u << 12, JWT_KTY_OCT, NULL, "SHA512", 0, 512, 64 },
};

const struct jwt_alg *jwt_alg_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

const struct jwt_alg *jwt_alg_at(size_t i)
{
	return i < sizeof(algs) / sizeof(algs[0]) ? &algs[i] : NULL;
}

int jwt_alg_mask(const char *list, unsigned *mask, char *bad, size_t badcap)
{
	const char *p = list;
	unsigned m = 0;

	while (*p != '\0') {
		char name[16];
		size_t n = strcspn(p, " \t,");
		const struct jwt_alg *a = NULL;

		if (n == 0) {
			p++;
			continue;
		}
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			a = jwt_alg_find(name);
		}
		if (a == NULL) {
			if (badcap > 0) {
				size_t c = n < badcap - 1 ? n : badcap - 1;

				memcpy(bad, p, c);
				bad[c] = '\0';
			}
			return -1;
		}
		m |= a->bit;
		p += n;
	}
	*mask = m;
	return 0;
}
