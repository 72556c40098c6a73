/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-time tokens (one_time = yes): each jti is accepted once.
 *
 * A use is a record in the durable state store (store.h) in replay_dir,
 * default /var/lib/pam_jwt (so a reboot does not make used tokens new),
 * kept until the token's exp + leeway, keyed by the issuer section and
 * the SHA-256 of the jti.  Recording is one LMDB transaction: of racing
 * logins with one jti exactly one records it.  Capacity is bounded by
 * expiry; a full store refuses one-time logins (fail closed), and
 * `pam-jwt status` warns long before.
 *
 * Migration: a replay_dir/NAME.jti of earlier versions ("EXPIRY
 * SHA256(jti)" lines; also the old default /run/pam_jwt/replay when
 * replay_dir is not set) is imported at the first one-time login of NAME
 * and then removed.
 */
#ifndef PAM_JWT_REPLAY_H
#define PAM_JWT_REPLAY_H

#include <time.h>

#include "conf.h"
#include "jwt.h"

#define JWT_DEFAULT_REPLAY_DIR "/var/lib/pam_jwt"
#define JWT_OLD_REPLAY_DIR "/run/pam_jwt/replay"
#define REPLAY_OLD_MAX_ENTRIES 50000

/* Record res's jti for iss.  JWT_OK first use; JWT_REPLAYED seen before;
 * JWT_INTERNAL when the store cannot be used (reason in why). */
enum jwt_verdict replay_record(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               const struct jwt_result *res, time_t now, char *why,
                               size_t whycap);

/* The store's directory for cfg. */
const char *replay_dir(const struct jwt_config *cfg);

/* Record n made-up uses of iss expiring at `expires` (bench fixtures). */
int replay_prefill(const struct jwt_config *cfg, const struct jwt_issuer *iss, size_t n,
                   long long expires, char *why, size_t whycap);

#endif
