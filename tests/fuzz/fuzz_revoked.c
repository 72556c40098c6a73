/*
 * libFuzzer harness: the revocation-list parser (lib/revoke.c), which reads
 * revoked_file and the copy of the revoked_uri list `pam-jwt refresh`
 * fetched from the network (validated by the same parser before it is
 * stored).  The input is the list's text.
 *
 * Properties beyond ASan/UBSan: revoked_validate() and revoked_match()
 * agree on whether the list is usable; a malformed list is refused for
 * every query (fail closed) with a "line N: " reason; and for a usable
 * list the verdict of revoked_match() equals that of a small independent
 * model of the format (revoke.h) for queries taken from the list itself
 * (each line's value as jti and as sub, iat just before, at and after
 * its UNIXTIME, and no iat) plus fixed ones.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "revoke.h"

#define MODEL_LINES 64
#define QUERY_LINES 8

struct mline {
	int jti;                 /* 1 jti, 0 sub */
	const char *val;
	size_t vn;
	long long before;        /* -1: none */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model: 1 parsed into m[*n] (at most MODEL_LINES entries, else 2:
 * too long to model), -1 malformed. */
static int model_parse(const char *t, size_t len, struct mline *m, size_t *n)
{
	size_t i = 0;
	int over = 0;

	*n = 0;
	if (memchr(t, '\0', len) != NULL)
		return -1;
	while (i < len) {
		size_t e = i, le, k;
		const char *w[5];
		size_t wn[5];
		struct mline cur;

		while (e < len && t[e] != '\n')
			e++;
		le = e;
		if (le > i && t[le - 1] == '\r')
			le--;
		k = fuzz_words(t, &i, le, " \t", w, wn, 5);
		i = e + 1;
		if (k == 0)
			continue;
		if (k != 2 && k != 4)
			return -1;
		if (!(wn[0] == 3 && (memcmp(w[0], "jti", 3) == 0 || memcmp(w[0], "sub", 3) == 0)))
			return -1;
		cur.jti = memcmp(w[0], "jti", 3) == 0;
		cur.val = w[1];
		cur.vn = wn[1];
		cur.before = -1;
		if (k == 4) {
			char buf[24], *stop;

			if (cur.jti || wn[2] != 6 || memcmp(w[2], "before", 6) != 0 || wn[3] >= 24)
				return -1;
			memcpy(buf, w[3], wn[3]);
			buf[wn[3]] = '\0';
			errno = 0;
			cur.before = strtoll(buf, &stop, 10);
			if (errno != 0 || *stop != '\0' || cur.before < 0)
				return -1;
		}
		if (*n < MODEL_LINES)
			m[(*n)++] = cur;
		else
			over = 1; /* still validated, not kept */
	}
	return over ? 2 : 1;
}

static int model_match(const struct mline *m, size_t n, const char *jti, const char *sub,
                       int has_iat, int64_t iat)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *q = m[i].jti ? jti : sub;

		if (q == NULL || strlen(q) != m[i].vn || memcmp(q, m[i].val, m[i].vn) != 0)
			continue;
		if (m[i].jti || m[i].before < 0 || !has_iat || iat < m[i].before)
			return 1;
	}
	return 0;
}

static void query(const char *text, size_t len, const struct mline *m, size_t n, int modeled,
                  const char *jti, const char *sub, int has_iat, int64_t iat)
{
	char why[200];
	int r = revoked_match(text, len, jti, sub, has_iat, iat, why, sizeof(why));

	FUZZ_CHECK_CSTR(why);
	if (r < 0 || r > 1)
		FUZZ_FAIL("revoked_match returned %d for a valid list", r);
	if (modeled && r != model_match(m, n, jti, sub, has_iat, iat))
		FUZZ_FAIL("revoked_match says %d, the model %d (jti=%s sub=%s iat=%d:%lld)", r,
		          !r, jti ? jti : "-", sub ? sub : "-", has_iat, (long long)iat);
	if (r == 1 && strstr(why, "(line ") == NULL)
		FUZZ_FAIL("a revocation names no line: \"%s\"", why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mline m[MODEL_LINES];
	const char *text = (const char *)data;
	char why[200], val[256];
	size_t n = 0, i;
	int v, mp, r;

	v = revoked_validate(text, size, why, sizeof(why));
	mp = model_parse(text, size, m, &n);
	if (v != 0 && v != -1)
		FUZZ_FAIL("revoked_validate returned %d", v);
	if ((v == 0) != (mp > 0))
		FUZZ_FAIL("revoked_validate says %d, the model %d", v, mp);
	if (v != 0) {
		FUZZ_CHECK_CSTR(why);
		if (strncmp(why, "line ", 5) != 0 && strcmp(why, "NUL byte in revocation list") != 0)
			FUZZ_FAIL("refusal without a line number: \"%s\"", why);
		/* Fail closed: no query gets past a malformed list. */
		r = revoked_match(text, size, "revoked-jti", "mallory", 1, 0, why, sizeof(why));
		if (r != -1)
			FUZZ_FAIL("revoked_match returned %d on a malformed list", r);
		r = revoked_match(text, size, NULL, "x", 0, 0, why, sizeof(why));
		if (r != -1)
			FUZZ_FAIL("revoked_match returned %d on a malformed list", r);
		return 0;
	}
	query(text, size, m, n, mp == 1, "revoked-jti", "mallory", 1, 1700000000);
	query(text, size, m, n, mp == 1, NULL, "mallory", 0, 0);
	query(text, size, m, n, mp == 1, NULL, NULL, 0, 0);
	for (i = 0; i < n && i < QUERY_LINES; i++) {
		if (m[i].vn >= sizeof(val))
			continue;
		memcpy(val, m[i].val, m[i].vn);
		val[m[i].vn] = '\0';
		query(text, size, m, n, mp == 1, val, NULL, 0, 0);
		query(text, size, m, n, mp == 1, NULL, val, 0, 0);
		query(text, size, m, n, mp == 1, "other", val, 1, INT64_MIN + 1);
		query(text, size, m, n, mp == 1, "other", val, 1, INT64_MAX - 1);
		if (m[i].before >= 0) {
			query(text, size, m, n, mp == 1, NULL, val, 1, m[i].before - 1);
			query(text, size, m, n, mp == 1, NULL, val, 1, m[i].before);
			if (m[i].before < INT64_MAX)
				query(text, size, m, n, mp == 1, NULL, val, 1, m[i].before + 1);
		}
	}
	return 0;
}
