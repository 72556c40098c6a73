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

static void field(char *buf, size_t cap, size_t *used, const char *key, const char *val)
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

void jwt_audit_format(char *buf, size_t cap, const struct jwt_result *r, const char *pam_user,
                      const char *rhost, const char *method)
{
	size_t used;
	int n, ok = r->verdict == JWT_OK;

	if (cap == 0)
		return;
	/* verdict names are [A-Z_]: the one value that needs no quotes */
	n = snprintf(buf, cap, "%s verdict=%s", ok ? "accepted" : "rejected",
	             jwt_verdict_name(r->verdict));
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		return;
	}
	used = (size_t)n;
	field(buf, cap, &used, "user", pam_user);
	field(buf, cap, &used, "mapped", r->user);
	field(buf, cap, &used, "issuer", r->issuer_name);
	field(buf, cap, &used, "iss", r->iss);
	field(buf, cap, &used, "sub", r->sub);
	field(buf, cap, &used, "jti", r->jti);
	field(buf, cap, &used, "kid", r->kid);
	field(buf, cap, &used, "alg", r->alg);
	field(buf, cap, &used, "rhost", rhost);
	field(buf, cap, &used, "method", method != NULL ? method : "token");
	field(buf, cap, &used, ok ? "groups" : "reason", ok ? r->groups : r->reason);
}
