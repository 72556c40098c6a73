/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-time tokens (one_time = yes): each jti is accepted once.
 *
 * replay_dir/NAME.jti holds "EXPIRY SHA256(jti)" lines, kept until the
 * token's exp + leeway; replay_dir is root-only (0700) on tmpfs (/run), so
 * the record lasts as long as the tokens it guards can.  Every change takes
 * an exclusive flock on NAME.jti.lock, drops expired entries and replaces
 * the file atomically.  At most REPLAY_MAX_ENTRIES live entries: beyond
 * that one-time logins are refused rather than records forgotten.
 */
#ifndef PAM_JWT_REPLAY_H
#define PAM_JWT_REPLAY_H

#include <time.h>

#include "conf.h"
#include "jwt.h"

#define REPLAY_MAX_ENTRIES 50000
#define JWT_DEFAULT_REPLAY_DIR "/run/pam_jwt/replay"

/* Record res's jti for iss.  JWT_OK first use; JWT_REPLAYED seen before;
 * JWT_INTERNAL when the store cannot be used (reason in res). */
enum jwt_verdict replay_record(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               const struct jwt_result *res, time_t now, char *why,
                               size_t whycap);

#endif
