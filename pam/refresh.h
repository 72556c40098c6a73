/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's side of key refresh: run `pam-jwt refresh` for one issuer,
 * rate-limited across processes, never as a non-root user. */
#ifndef PAM_JWT_PAM_REFRESH_H
#define PAM_JWT_PAM_REFRESH_H

#include "conf.h"
#include "log.h"

/* A jwt_refresh_hook function; ctx is unused.  Returns 1 when the cache
 * should be read again (the helper ran, or another process just ran it). */
int pam_jwt_refresh(void *ctx, const struct jwt_config *cfg, const struct jwt_issuer *iss,
                    const struct jwt_log *log);

#endif
