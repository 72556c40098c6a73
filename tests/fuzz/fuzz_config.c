/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the pam_jwt.conf parser, jwt_config_parse() +
 * jwt_config_free().  On success the validated config must keep the
 * invariants the rest of the code relies on (check_issuer in lib/conf.c):
 * at least one issuer, each with issuer and audience, a key source,
 * a non-empty algorithm mask, a valid section name; and the cache path
 * of each issuer must be formed without overflow.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "alg.h"
#include "conf.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_config *cfg;
	char err[512], path[4096];
	size_t i;

	err[0] = '\0';
	cfg = jwt_config_parse((const char *)data, size, "fuzz.conf", err, sizeof(err));
	FUZZ_CHECK_CSTR(err);
	if (cfg == NULL) {
		if (err[0] == '\0')
			FUZZ_FAIL("config refused without a message");
		return 0;
	}
	if (cfg->n_issuers == 0 || cfg->n_issuers > JWT_MAX_ISSUERS || cfg->cache_dir == NULL)
		FUZZ_FAIL("accepted config with %zu issuers, cache_dir %p", cfg->n_issuers,
		          (void *)cfg->cache_dir);
	for (i = 0; i < cfg->n_issuers; i++) {
		const struct jwt_issuer *iss = &cfg->issuers[i];

		FUZZ_CHECK_CSTR(iss->name);
		FUZZ_CHECK_CSTR(iss->where);
		if (iss->name[0] == '\0' || iss->issuer == NULL || iss->audience == NULL ||
		    iss->algorithms == 0 ||
		    (iss->jwks_file != NULL && iss->jwks_uri != NULL) ||
		    ((iss->algorithms & ~JWT_ALG_ASYMMETRIC_MASK) && iss->hmac_secret_file == NULL) ||
		    (iss->cache_ttl_min > iss->cache_ttl_max) ||
		    (iss->n_group_map > 0 && iss->groups_claim == NULL))
			FUZZ_FAIL("accepted issuer %zu \"%s\" breaks an invariant", i, iss->name);
		if (strchr(iss->name, '/') != NULL || iss->name[0] == '.')
			FUZZ_FAIL("issuer name \"%s\" could leave cache_dir", iss->name);
		(void)jwt_cache_path(cfg, iss, ".jwks", path, sizeof(path));
	}
	jwt_config_free(cfg);
	return 0;
}
