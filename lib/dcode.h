/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Desktop codes: a short one-time password that stands for a token pam_jwt
 * has verified, for clients whose password field cannot hold a token (RDP:
 * 255 characters).
 *
 * A code is 16 symbols of a 31-letter alphabet without 0/O, 1/I/L (79 bits
 * from getrandom), shown as XXXX-XXXX-XXXX-XXXX.  The codes live in the
 * module's state store (lib/store.h) in desktop_code_dir (root, 0700, on
 * tmpfs, not fsynced: codes do not survive a reboot), one record per code
 * under the id SHA-256(user)[16] || HMAC-SHA256(.key, user, code)[16] --
 * never the code --: a typed code is one key lookup, a user's codes one
 * key range.  A record holds its expiry (min(now + desktop_code_ttl, token
 * exp)), the issuer section that verified the token, the token's
 * iss/sub/jti/kid, its typ and its signed claims.  When the code is typed,
 * those claims are judged again by the configuration of that moment
 * (jwt_judge_payload: revocation, groups, required claims), so a code is
 * never stronger than its token.  A code is accepted once: lookup, check
 * and "used" are one store transaction.  Used, revoked and expired records
 * stay DCODE_KEEP seconds to name the refusal.
 *
 * Input of code shape that matches no code of the user is not ours (it may
 * be a password): the module passes it on.  Wrong guesses cost nobody their
 * codes: they are counted per user and per source in a fixed-size table
 * (.throttle) and, past a rate, code checks pause for that user or source
 * until the minute is over.
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
#define DCODE_MAX_LIVE 16      /* unused codes per user */
#define DCODE_MAX_PAYLOAD 12288 /* base64url of the token's claims */
#define DCODE_THROTTLE_WINDOW 60 /* seconds */
#define DCODE_THROTTLE_USER 100  /* wrong codes per window for one user name, from anywhere */
#define DCODE_THROTTLE_SOURCE 20 /* wrong codes per window from one remote host */
#define DCODE_KEEP 3600        /* used/expired records kept to name the refusal */

enum dcode_verdict {
	DCODE_OK = 0,
	DCODE_UNKNOWN,   /* no such code for this user (a wrong guess) */
	DCODE_USED,
	DCODE_EXPIRED,
	DCODE_REVOKED,   /* by root */
	DCODE_THROTTLED, /* too many wrong codes for this user or from this host just now */
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
	char typ[64];         /* the token's header typ */
	char payload[DCODE_MAX_PAYLOAD + 1]; /* its signed claims, base64url */
	long long seq;        /* minting order among the user's records */
};

/* A record as the store holds it: at most DCODE_RECORD_MAX bytes. */
#define DCODE_RECORD_MAX 14336

/* Is `cred` shaped like a desktop code: four groups of four symbols,
 * either all joined by dashes or none, all upper or all lower case?  1 and
 * the 16 canonical symbols in canon, else 0. */
int dcode_shape(const char *cred, size_t len, char canon[DCODE_SYMBOLS + 1]);

/* Mint a code for the accepted token `res` (the issuer section `iss`
 * verified `token`, len bytes, whose claims are kept to judge the code
 * again when it is used).  code gets "XXXX-XXXX-XXXX-XXXX", rec the stored
 * record.  0, or -1 with a reason. */
int dcode_mint(const struct jwt_config *cfg, const struct jwt_issuer *iss,
               const struct jwt_result *res, const char *token, size_t len, time_t now,
               char code[DCODE_TEXT_LEN + 1], struct dcode_record *rec, char *why,
               size_t whycap);

/* Use `canon` for `user`, typed from `rhost` (NULL or "": unknown), at
 * `now`.  DCODE_OK consumes the code and fills rec (the caller judges its
 * claims again); DCODE_UNKNOWN: no code of the user matches (not ours);
 * *failures: wrong codes for this user in the current throttle window. */
enum dcode_verdict dcode_consume(const struct jwt_config *cfg, const char *user,
                                 const char *rhost, const char canon[DCODE_SYMBOLS + 1],
                                 time_t now, struct dcode_record *rec, int *failures,
                                 char *why, size_t whycap);

/* Call fn for every record of `user` (NULL: every user); fails = wrong
 * codes for that user in the current throttle window, locked = 1 while
 * its code checks are throttled. */
int dcode_list(const struct jwt_config *cfg, const char *user, time_t now,
               void (*fn)(void *ctx, const struct dcode_record *rec, int fails, int locked),
               void *ctx, char *why, size_t whycap);

/* Revoke user's code `id` (NULL: all of them).
 * Returns how many codes were revoked, or -1 with a reason. */
int dcode_revoke(const struct jwt_config *cfg, const char *user, const char *id, time_t now,
                 char *why, size_t whycap);

/* The audit line of a desktop-code decision, shaped like jwt_audit_format()
 * (same fields and escaping, method="desktop-code") plus code_id, until and
 * the user's count of wrong codes in the throttle window; never the code.  word: minted, accepted,
 * rejected, refused; verdict: a name of [A-Z_]; why: the reason, or NULL
 * to log the record's groups.  4096 bytes are always enough. */
void dcode_audit_format(char *buf, size_t cap, const char *word, const char *verdict,
                        const struct dcode_record *r, const char *pam_user, const char *rhost,
                        int failures, const char *why);

/* The stored form of r into buf (cap bytes): its length, or 0 when r is
 * not a valid record (a field over its bound, a bad state or time). */
size_t dcode_record_encode(const struct dcode_record *r, unsigned char *buf, size_t cap);
/* Read a stored record: 0, or -1 (and r zeroed) unless buf is exactly one
 * valid record as dcode_record_encode() writes it. */
int dcode_record_decode(const unsigned char *buf, size_t len, struct dcode_record *r);

/* A user name desktop codes are kept for (the rule of the former per-user
 * store files, kept: no dot or dash first, no ".lock"/".tmp"). */
int dcode_user_ok(const char *user);

#endif
