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

/* Read hmac_secret_file (root-only, at least 32 bytes, used byte for
 * byte).  The caller wipes and frees *secret. */
int keys_load_secret(const struct jwt_issuer *iss, unsigned char **secret, size_t *len,
                     char *why, size_t whycap);

#endif
