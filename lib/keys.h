/* SPDX-License-Identifier: BSD-2-Clause */
/* Where an issuer's keys come from: jwks_file, the refresh cache, a secret. */
#ifndef PAM_JWT_KEYS_H
#define PAM_JWT_KEYS_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "jwk.h"

#define HMAC_SECRET_MAX 1024

/* Load the issuer's key set: jwks_file, else cache_dir/NAME.jwks.
 * Returns 0 (set may still hold no usable key) or -1 with why. */
int keys_load(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
              struct jwks *set, char *why, size_t whycap);

/* The keys a token naming kid (NULL: none named) may be signed with: from
 * the set's index (index.h) when it is fresh, so a login parses one key
 * however many the set holds; else the whole set, parsed - and indexed
 * for the next login when root may.  *total: keys in the whole set.
 * The source file is opened (and judged) at every call either way. */
int keys_load_for(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                  const char *kid, struct jwks *set, size_t *total, char *why, size_t whycap);

/* Build the index of the issuer's key set now (pam-jwt refresh, after it
 * wrote the cache).  0, or -1 with why. */
int keys_index_build(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                     char *why, size_t whycap);

/* Read hmac_secret_file (root-only, at least 32 bytes, used byte for
 * byte).  The caller wipes and frees *secret. */
int keys_load_secret(const struct jwt_issuer *iss, unsigned char **secret, size_t *len,
                     char *why, size_t whycap);

#endif
