/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Revocation lists: revoked_file (local) and, with revoked_uri, the copy
 * `pam-jwt refresh` keeps in cache_dir/NAME.revoked.  One entry a line:
 *     jti VALUE                  that token
 *     sub VALUE                  every token of that subject
 *     sub VALUE before UNIXTIME  that subject's tokens issued (iat) before
 * '#' at the start of a line or after whitespace starts a comment.  Opened
 * at every login, so a change takes effect at the next one; looked up in
 * an index (index.h: cache_dir/NAME.revoked_file.idx, NAME.revoked.idx)
 * rebuilt only when the list's identity or mtime changes (for revoked_uri
 * at fetch), so a login costs the same for 1 line or 50,000.  An
 * unreadable or malformed list denies (fail closed) and is never indexed.
 */
#ifndef PAM_JWT_REVOKE_H
#define PAM_JWT_REVOKE_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "conf.h"
#include "jwt.h"

#define REVOKED_MAX_BYTES (4 * 1024 * 1024)

/* Validate a list's text; 0, or -1 with "line N: ..." in err. */
int revoked_validate(const char *text, size_t len, char *err, size_t errcap);

/* Judge a list's text (as read from revoked_file or the revoked_uri copy)
 * against a token's jti, sub (either may be NULL) and iat (when has_iat):
 * 1 revoked (why names the line), 0 not, -1 malformed (why: "line N: ..."). */
int revoked_match(const char *text, size_t len, const char *jti, const char *sub, int has_iat,
                  int64_t iat, char *why, size_t whycap);

/* Index the fetched copy at path (pam-jwt refresh).  0, or -1 with why. */
int revoked_index_build(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                        const char *path, char *why, size_t whycap);

/* JWT_OK, JWT_REVOKED, or JWT_CONFIG when a configured list cannot be used. */
enum jwt_verdict revoked_check(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               json_object *payload, struct jwt_result *res);

#endif
