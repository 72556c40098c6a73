/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "keys.h"
#include "safefile.h"

int keys_load(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
              struct jwks *set, char *why, size_t whycap)
{
	char path[4096], err[512];
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (iss->jwks_file != NULL)
		snprintf(path, sizeof(path), "%s", iss->jwks_file);
	else {
		struct cache_meta meta;

		if (jwt_cache_path(cfg, iss, ".jwks", path, sizeof(path)) != 0) {
			snprintf(why, whycap, "cache path too long");
			return -1;
		}
		/* Fetched keys carry their age: past expires + max_stale they are
		 * no longer trusted, whether or not the provider can be reached. */
		if (cache_meta_read(cfg, iss, &meta, err, sizeof(err)) != 0) {
			snprintf(why, whycap, "%.300s (run pam-jwt refresh)", err);
			return -1;
		}
		if (cache_usable(iss, &meta, now, err, sizeof(err)) != 0) {
			snprintf(why, whycap, "%.200s: %.300s", path, err);
			return -1;
		}
	}
	if (read_trusted(path, JWKS_MAX_BYTES, &text, &len, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		goto out;
	}
	if (jwks_parse_lazy(text, len, set, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

int keys_load_secret(const struct jwt_issuer *iss, unsigned char **secret, size_t *len,
                     char *why, size_t whycap)
{
	char *text = NULL, err[200];
	size_t n = 0;

	*secret = NULL;
	*len = 0;
	if (iss->hmac_secret_file == NULL) {
		snprintf(why, whycap, "no hmac_secret_file");
		return -1;
	}
	if (read_trusted_flags(iss->hmac_secret_file, HMAC_SECRET_MAX, TRUSTED_SECRET, &text, &n,
	                       err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", iss->hmac_secret_file, err);
		return -1;
	}
	/* The file's bytes are the secret, exactly: a binary key may end in 0x0a. */
	if (n < 32) {
		explicit_bzero(text, n);
		free(text);
		snprintf(why, whycap, "%.200s: secret is %zu bytes, at least 32 needed",
		         iss->hmac_secret_file, n);
		return -1;
	}
	*secret = (unsigned char *)text;
	*len = n;
	return 0;
}
