#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "revoke.h"
#include "safefile.h"

struct claims_seen {
	const char *jti, *sub;
	int has_iat;
	int64_t iat;
};

static int next_word(const char **p, const char *end, const char **w, size_t *n)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if (*p < end && **p == '#') /* the config's comment rule: to end of line */
		*p = end;
	*w = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*n = (size_t)(*p - *w);
	return *n > 0;
}

static int word_is(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(w, s, n) == 0;
}

/* Walk the list; 1 when `seen` is revoked, 0 not, -1 malformed (err). */
static int scan(const char *text, size_t len, const struct claims_seen *seen, char *err,
                size_t errcap, char *what, size_t whatcap)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *kind, *val, *kw, *num, *q = p;
		size_t kn, vn, kwn, nn;
		char buf[24], *stop;
		long long before = -1;

		line++;
		p = nl ? nl + 1 : end;
		if (le > q && le[-1] == '\r')
			le--;
		if (!next_word(&q, le, &kind, &kn))
			continue;
		if (!next_word(&q, le, &val, &vn) || (!word_is(kind, kn, "jti") &&
		                                      !word_is(kind, kn, "sub"))) {
			snprintf(err, errcap, "line %u: expected \"jti VALUE\" or \"sub VALUE "
			         "[before UNIXTIME]\"", line);
			return -1;
		}
		if (next_word(&q, le, &kw, &kwn)) {
			if (!word_is(kind, kn, "sub") || !word_is(kw, kwn, "before") ||
			    !next_word(&q, le, &num, &nn) || nn >= sizeof(buf)) {
				snprintf(err, errcap, "line %u: only \"sub VALUE before UNIXTIME\" "
				         "takes more words", line);
				return -1;
			}
			memcpy(buf, num, nn);
			buf[nn] = '\0';
			errno = 0;
			before = strtoll(buf, &stop, 10);
			if (errno != 0 || *stop != '\0' || before < 0 || next_word(&q, le, &kw, &kwn)) {
				snprintf(err, errcap, "line %u: bad UNIXTIME", line);
				return -1;
			}
		}
		if (seen == NULL)
			continue;
		if (word_is(kind, kn, "jti") && seen->jti != NULL && word_is(val, vn, seen->jti)) {
			snprintf(what, whatcap, "jti is revoked (line %u)", line);
			return 1;
		}
		if (word_is(kind, kn, "sub") && seen->sub != NULL && word_is(val, vn, seen->sub)) {
			if (before < 0) {
				snprintf(what, whatcap, "subject is revoked (line %u)", line);
				return 1;
			}
			if (!seen->has_iat || seen->iat < before) {
				snprintf(what, whatcap, "subject's tokens issued before %lld are revoked "
				         "(line %u)", before, line);
				return 1;
			}
		}
	}
	return 0;
}

int revoked_validate(const char *text, size_t len, char *err, size_t errcap)
{
	return revoked_match(text, len, NULL, NULL, 0, 0, err, errcap) < 0 ? -1 : 0;
}

int revoked_match(const char *text, size_t len, const char *jti, const char *sub, int has_iat,
                  int64_t iat, char *why, size_t whycap)
{
	struct claims_seen seen = { jti, sub, has_iat, iat };
	char what[120];
	int r;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whycap, "NUL byte in revocation list");
		return -1;
	}
	/* Validate the whole list first: a bad line after a match still denies. */
	if (scan(text, len, NULL, why, whycap, what, sizeof(what)) < 0)
		return -1;
	if (jti == NULL && sub == NULL)
		return 0;
	r = scan(text, len, &seen, why, whycap, what, sizeof(what));
	if (r > 0)
		snprintf(why, whycap, "%s", what);
	return r;
}

static enum jwt_verdict check_file(const char *path, const struct claims_seen *seen,
                                   struct jwt_result *res)
{
	char *text = NULL, why[200];
	size_t len = 0;
	int r;

	if (read_trusted(path, REVOKED_MAX_BYTES, &text, &len, why, sizeof(why)) != 0) {
		snprintf(res->reason, sizeof(res->reason), "revocation list %.100s: %.120s", path,
		         why);
		return JWT_CONFIG;
	}
	r = revoked_match(text, len, seen->jti, seen->sub, seen->has_iat, seen->iat, why,
	                  sizeof(why));
	free(text);
	if (r < 0) {
		snprintf(res->reason, sizeof(res->reason), "revocation list %.100s: %.120s", path,
		         why);
		return JWT_CONFIG;
	}
	if (r > 0) {
		snprintf(res->reason, sizeof(res->reason), "%.120s in %.120s", why, path);
		return JWT_REVOKED;
	}
	return JWT_OK;
}

enum jwt_verdict revoked_check(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               json_object *payload, struct jwt_result *res)
{
	struct claims_seen seen;
	enum jwt_verdict r;
	char path[4096];

	if (iss->revoked_file == NULL && iss->revoked_uri == NULL)
		return JWT_OK;
	memset(&seen, 0, sizeof(seen));
	seen.jti = jwt_json_str(payload, "jti", NULL);
	seen.sub = jwt_json_str(payload, "sub", NULL);
	/* claims_check already refused an iat that is not a bounded number */
	seen.has_iat = jwt_json_get_int(payload, "iat", INT64_MIN + 1, INT64_MAX - 1,
	                                &seen.iat) == JWT_JSON_OK;
	if (iss->revoked_file != NULL && (r = check_file(iss->revoked_file, &seen, res)) != JWT_OK)
		return r;
	if (iss->revoked_uri != NULL) {
		if (jwt_cache_path(cfg, iss, ".revoked", path, sizeof(path)) != 0) {
			snprintf(res->reason, sizeof(res->reason), "cache path too long");
			return JWT_CONFIG;
		}
		if ((r = check_file(path, &seen, res)) != JWT_OK)
			return r;
	}
	return JWT_OK;
}
