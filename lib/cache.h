/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key cache written by `pam-jwt refresh` and read by the module:
 *   cache_dir/NAME.jwks    the validated key set (usable keys only)
 *   cache_dir/NAME.meta    when it was fetched, until when it is fresh, ETag,
 *                          the last attempt and its error
 *   cache_dir/NAME.stamp   the module's cooldown stamp (flock + time)
 */
#ifndef PAM_JWT_CACHE_H
#define PAM_JWT_CACHE_H

#include <stddef.h>
#include <time.h>

#include "conf.h"

#define CACHE_META_MAX 8192

struct cache_meta {
	char source[1024];     /* URL the key set came from */
	long long fetched;     /* last successful fetch (200 or 304) */
	long long expires;     /* fetched + bounded max-age */
	long long attempt;     /* last attempt, successful or not */
	char etag[256];
	char error[256];       /* last attempt's error; "" when it succeeded */
};

/* Parse metadata text.  Unknown lines are ignored (newer writers). */
int cache_meta_parse(const char *text, size_t len, struct cache_meta *m);

/* Read cache_dir/NAME.meta (trusted file).  0, or -1 with why. */
int cache_meta_read(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                    struct cache_meta *m, char *why, size_t whycap);

/* Format metadata as the file's text; returns the length or -1. */
int cache_meta_format(const struct cache_meta *m, char *buf, size_t cap);

/* May keys fetched under m still be used at `now`?  Fresh until expires,
 * then stale but usable for max_stale more seconds.  0 usable, -1 with why. */
int cache_usable(const struct jwt_issuer *iss, const struct cache_meta *m, time_t now,
                 char *why, size_t whycap);

#endif
