/*
 * The audit line: one per decision, for syslog (authpriv).
 *
 *   accepted verdict=OK user="alice" mapped="alice" issuer="corp" iss="..."
 *     sub="..." jti="..." kid="..." alg="..." rhost="..." method="token" groups="..."
 *   rejected verdict=EXPIRED ... method="token" reason="..."
 *
 * Every value passes through jwt_audit_escape: the line reads back as
 * key="value" pairs after the first word, with exactly one verdict= (the
 * only unquoted value, a verdict name), whatever the token held.
 */
#ifndef PAM_JWT_AUDIT_H
#define PAM_JWT_AUDIT_H

#include <stddef.h>

#include "jwt.h"

/* Longest value kept of any one field, in bytes of its source. */
#define JWT_AUDIT_FIELD_MAX 256

/* Write src (srclen bytes, at most JWT_AUDIT_FIELD_MAX of them) into dst
 * as the inside of a "..." value: lib/text.h's JWT_TEXT_AUDIT form ('"'
 * and '\' get a backslash, control characters, C1 included, are dropped,
 * other bytes outside printable ASCII become '?'), up to a NUL.  Always
 * NUL-terminates (cap > 0); never cuts an escape in half. */
void jwt_audit_escape(char *dst, size_t cap, const char *src, size_t srclen);

/* The two halves every audit line is built from.  jwt_audit_begin writes
 * "WORD verdict=VERDICT" (verdict: a name of [A-Z_]) and returns the bytes
 * used; jwt_audit_field appends one escaped key="value" pair, or drops it
 * whole when it does not fit.  val may be NULL (an empty value). */
size_t jwt_audit_begin(char *buf, size_t cap, const char *word, const char *verdict);
void jwt_audit_field(char *buf, size_t cap, size_t *used, const char *key, const char *val);

/* The fields that name who and which token, in the order every line has. */
void jwt_audit_who(char *buf, size_t cap, size_t *used, const char *pam_user,
                   const char *mapped, const char *issuer, const char *iss, const char *sub,
                   const char *jti, const char *kid);

/* The whole line into buf (cap bytes; 4096 is always enough).  pam_user,
 * rhost and method may be NULL. */
void jwt_audit_format(char *buf, size_t cap, const struct jwt_result *r, const char *pam_user,
                      const char *rhost, const char *method);

#endif
