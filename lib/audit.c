#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "text.h"

void jwt_audit_escape(char *dst, size_t cap, const char *src, size_t srclen)
{
	if (srclen > JWT_AUDIT_FIELD_MAX)
		srclen = JWT_AUDIT_FIELD_MAX;
	if (src != NULL)
		srclen = strnlen(src, srclen);
	jwt_text_clean(dst, cap, src, srclen, JWT_TEXT_AUDIT);
}

size_t jwt_audit_begin(char *buf, size_t cap, const char *word, const char *verdict)
{
	int n;

	if (cap == 0)
		return 0;
	n = snprintf(buf, cap, "%s verdict=%s", word, verdict);
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		return cap;
	}
	return (size_t)n;
}

void jwt_audit_field(char *buf, size_t cap, size_t *used, const char *key, const char *val)
{
	char esc[2 * JWT_AUDIT_FIELD_MAX + 1];
	int n;

	if (*used >= cap)
		return;
	jwt_audit_escape(esc, sizeof(esc), val != NULL ? val : "", val != NULL ? strlen(val) : 0);
	n = snprintf(buf + *used, cap - *used, " %s=\"%s\"", key, esc);
	if (n < 0 || (size_t)n >= cap - *used) {
		/* never leave half a pair: drop the field whole */
		buf[*used] = '\0';
		*used = cap;
		return;
	}
	*used += (size_t)n;
}

void jwt_audit_who(char *buf, size_t cap, size_t *used, const char *pam_user,
                   const char *mapped, const char *issuer, const char *iss, const char *sub,
                   const char *jti, const char *kid)
{
	jwt_audit_field(buf, cap, used, "user", pam_user);
	jwt_audit_field(buf, cap, used, "mapped", mapped);
	jwt_audit_field(buf, cap, used, "issuer", issuer);
	jwt_audit_field(buf, cap, used, "iss", iss);
	jwt_audit_field(buf, cap, used, "sub", sub);
	jwt_audit_field(buf, cap, used, "jti", jti);
	jwt_audit_field(buf, cap, used, "kid", kid);
}

void jwt_audit_format(char *buf, size_t cap, const struct jwt_result *r, const char *pam_user,
                      const char *rhost, const char *method)
{
	int ok = r->verdict == JWT_OK;
	/* verdict names are [A-Z_]: the one value that needs no quotes */
	size_t used = jwt_audit_begin(buf, cap, ok ? "accepted" : "rejected",
	                              jwt_verdict_name(r->verdict));
	jwt_audit_who(buf, cap, &used, pam_user, r->user, r->issuer_name, r->iss, r->sub, r->jti,
	              r->kid);
	jwt_audit_field(buf, cap, &used, "alg", r->alg);
	jwt_audit_field(buf, cap, &used, "rhost", rhost);
	jwt_audit_field(buf, cap, &used, "method", method != NULL ? method : "token");
	jwt_audit_field(buf, cap, &used, ok ? "groups" : "reason", ok ? r->groups : r->reason);
}
