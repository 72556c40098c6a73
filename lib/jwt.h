/*
 * pam_jwt core: the one entry point shared by pam_jwt.so and `pam-jwt check`.
 *
 * jwt_verify() takes a credential exactly as PAM received it and returns a
 * verdict with a short human reason.  Every path that is not JWT_OK denies.
 */
#ifndef PAM_JWT_JWT_H
#define PAM_JWT_JWT_H

#include <stddef.h>
#include <time.h>

#include "log.h"

/* Largest credential considered at all (sshd keyboard-interactive passes 16000). */
#define JWT_MAX_TOKEN 16384

enum jwt_verdict {
	JWT_OK = 0,
	JWT_NOT_TOKEN,        /* not shaped like a JWS: a password, let PAM go on */
	JWT_MALFORMED,        /* bad compact form, base64url or header JSON */
	JWT_TOO_LONG,
	JWT_TRUNCATED,        /* cut short by the client (1023/1024/511/512 chars) */
	JWT_UNSUPPORTED,      /* JWE, unknown crit */
	JWT_ALG_REFUSED,      /* none, unknown, or not in any issuer's allow-list */
	JWT_NO_KEYS,          /* no usable key set for the issuer(s) */
	JWT_KEY_NOT_FOUND,
	JWT_KEY_REFUSED,      /* key exists but does not fit alg (kty, crv, use, size) */
	JWT_BAD_SIGNATURE,
	JWT_BAD_PAYLOAD,      /* signed payload is not a JSON object */
	JWT_BAD_CLAIM,        /* exp missing or not numeric, malformed nbf/iat/aud */
	JWT_UNKNOWN_ISSUER,
	JWT_WRONG_AUDIENCE,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_ISSUED_IN_FUTURE,
	JWT_LIFETIME,         /* exp - iat above max_lifetime */
	JWT_TYP,
	JWT_CLAIM_MISMATCH,   /* a required_claim is missing or has another value */
	JWT_BAD_USERNAME,     /* the username claim is not a valid local name */
	JWT_USER_MISMATCH,    /* mapped user is not PAM_USER */
	JWT_USER_UNKNOWN,     /* mapped user does not exist locally */
	JWT_ROOT_REFUSED,
	JWT_GROUP_DENIED,     /* none of allowed_groups in the token */
	JWT_REPLAYED,         /* one_time issuer: this jti was used before */
	JWT_REVOKED,          /* jti or sub in the issuer's revocation list */
	JWT_CONFIG,
	JWT_INTERNAL,
	JWT_VERDICT_COUNT
};

const char *jwt_verdict_name(enum jwt_verdict v);

struct jwt_config;
struct jwt_issuer;

/* Called when keys for an issuer are missing or lack the token's kid.
 * Returns 1 if the cache may have changed and should be re-read. */
struct jwt_refresh_hook {
	int (*fn)(void *ctx, const struct jwt_config *cfg, const struct jwt_issuer *iss,
	          const struct jwt_log *log);
	void *ctx;
};

/* Everything known about the decision, for the audit line and setcred.
 * Fixed-size, NUL-terminated, already sanitized to printable ASCII. */
struct jwt_result {
	enum jwt_verdict verdict;
	char reason[256];
	char issuer_name[64];  /* config section that vouched for the token */
	char iss[256];
	char sub[128];
	char jti[128];
	int has_jti;
	unsigned char jti_hash[32]; /* SHA-256 of the raw jti (one_time) */
	char kid[128];
	char alg[16];
	char user[64];         /* mapped local user */
	long long exp;
	char groups[1024];     /* mapped local groups, space separated */
	int sig_short;         /* signature shorter than the key needs */
};

/*
 * Verify `token` (len bytes, need not be NUL-terminated) for local user
 * `pam_user` (NULL: any user the token maps to) at time `now`.
 * `refresh` may be NULL.  Fills `res` and returns res->verdict.
 */
enum jwt_verdict jwt_verify(const struct jwt_config *cfg, const char *token, size_t len,
                            const char *pam_user, time_t now, const struct jwt_log *log,
                            const struct jwt_refresh_hook *refresh, struct jwt_result *res);

/*
 * Judge again, by issuer section `iss` at `now`, claims that a signature
 * check of that section already vouched for: everything jwt_verify does
 * after the signature (claims, revocation, required claims, user and
 * group policy), against the configuration of this moment.  payload_b64:
 * the token's payload segment (len bytes); typ: its header typ ("" if
 * none).  Fills `res` and returns res->verdict.
 */
enum jwt_verdict jwt_judge_payload(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                                   const char *payload_b64, size_t len, const char *typ,
                                   const char *pam_user, time_t now, struct jwt_result *res);

/* Cheap shape test done before any config is read: JWT_NOT_TOKEN,
 * JWT_TOO_LONG or JWT_OK (looks like a compact JWS/JWE). */
enum jwt_verdict jwt_token_shape(const char *token, size_t len);

/* A credential of this length may have been cut by a client or a PAM module. */
int jwt_length_looks_cut(size_t len);

#endif
