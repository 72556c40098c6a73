/*
 * Desktop codes: a short one-time password that stands for a token pam_jwt
 * has verified, for clients whose password field cannot hold a token (RDP:
 * 255 characters).
 *
 * A code is 16 symbols of a 31-letter alphabet without 0/O, 1/I/L (79 bits
 * from getrandom), shown as XXXX-XXXX-XXXX-XXXX.  desktop_code_dir (root,
 * 0700, on tmpfs) holds one file per local user: a failure counter and one
 * line per code with HMAC-SHA256(.key, user, code) -- never the code --, its
 * expiry (min(now + desktop_code_ttl, token exp)), the issuer section that
 * verified the token, the mapped groups and the token's iss/sub/jti/kid.
 * Every change takes an exclusive flock on USER.lock and replaces the file
 * atomically.  A code is accepted once; DCODE_MAX_FAILURES wrong codes in a
 * row burn every pending code of that user and refuse code logins until
 * the user mints a new one (which needs a verified token again).
 */
#ifndef PAM_JWT_DCODE_H
#define PAM_JWT_DCODE_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "jwt.h"

#define DCODE_DEFAULT_DIR "/run/pam_jwt/desktop"
#define DCODE_SYMBOLS 16
#define DCODE_TEXT_LEN (DCODE_SYMBOLS + DCODE_SYMBOLS / 4 - 1) /* with dashes */
#define DCODE_MAX_FAILURES 5
#define DCODE_MAX_LIVE 16      /* unused codes per user */
#define DCODE_KEEP 3600        /* used/expired records kept to name the refusal */

enum dcode_verdict {
	DCODE_OK = 0,
	DCODE_UNKNOWN,   /* no such code for this user (a wrong guess) */
	DCODE_USED,
	DCODE_EXPIRED,
	DCODE_REVOKED,   /* by root, or burned by the lockout */
	DCODE_LOCKED,    /* too many wrong codes: refused until a new code is minted */
	DCODE_ERROR
};

const char *dcode_verdict_name(enum dcode_verdict v);

struct dcode_record {
	char id[17];          /* random, names the code for --list/--revoke */
	char state[8];        /* live, used, revoked */
	long long minted;
	long long expires;
	char user[64];
	char issuer_name[64];
	char iss[256];
	char sub[128];
	char jti[128];
	char kid[128];
	char groups[1024];
};

/* Is `cred` shaped like a desktop code (dashes and spaces ignored, any
 * case)?  1 and the 16 canonical symbols in canon, else 0. */
int dcode_shape(const char *cred, size_t len, char canon[DCODE_SYMBOLS + 1]);

/* Mint a code for the accepted token `res` (the issuer section `iss`
 * verified it).  code gets "XXXX-XXXX-XXXX-XXXX", rec the stored record.
 * 0, or -1 with a reason. */
int dcode_mint(const struct jwt_config *cfg, const struct jwt_issuer *iss,
               const struct jwt_result *res, time_t now, char code[DCODE_TEXT_LEN + 1],
               struct dcode_record *rec, char *why, size_t whycap);

/* Use `canon` for `user` at `now`.  DCODE_OK consumes the code and fills
 * rec; *failures is the user's count of wrong codes in a row after this
 * attempt (0 when there is no store for the user). */
enum dcode_verdict dcode_consume(const struct jwt_config *cfg, const char *user,
                                 const char canon[DCODE_SYMBOLS + 1], time_t now,
                                 struct dcode_record *rec, int *failures, char *why,
                                 size_t whycap);

/* Call fn for every record of `user` (NULL: every user); fails = that
 * user's failure counter, locked = 1 when locked out. */
int dcode_list(const struct jwt_config *cfg, const char *user, time_t now,
               void (*fn)(void *ctx, const struct dcode_record *rec, int fails, int locked),
               void *ctx, char *why, size_t whycap);

/* Revoke user's code `id` (NULL: all of them, and clear the lockout).
 * Returns how many codes were revoked, or -1 with a reason. */
int dcode_revoke(const struct jwt_config *cfg, const char *user, const char *id, time_t now,
                 char *why, size_t whycap);

/* The audit line of a desktop-code decision, shaped like jwt_audit_format()
 * (same fields and escaping, method="desktop-code") plus code_id, until and
 * the user's count of wrong codes; never the code.  word: minted, accepted,
 * rejected, refused; verdict: a name of [A-Z_]; why: the reason, or NULL
 * to log the record's groups.  4096 bytes are always enough. */
void dcode_audit_format(char *buf, size_t cap, const char *word, const char *verdict,
                        const struct dcode_record *r, const char *pam_user, const char *rhost,
                        int failures, const char *why);

/* Parse the text of a store file (len bytes, as load() reads it) for
 * `user` at `now`; call fn for every record kept.  0, or -1 (corrupt). */
int dcode_store_parse(const char *text, size_t len, const char *user, time_t now,
                      void (*fn)(void *ctx, const struct dcode_record *rec, int fails,
                                 int locked),
                      void *ctx, char *why, size_t whycap);

/* A user name usable as a store file name. */
int dcode_user_ok(const char *user);

#endif
