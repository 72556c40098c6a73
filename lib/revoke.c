/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "json.h"
#include "revoke.h"
#include "safefile.h"

#define BEFORE_ALL UINT64_MAX  /* an index record that revokes every token it names */

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

/* Index records of a list, as scan() reads it. */
struct builder {
	struct index_rec *recs;
	size_t n, cap;
};

static int emit(struct builder *b, const char *kind, const char *val, size_t vn,
                long long before, unsigned line)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct index_rec *grown = realloc(b->recs, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		b->recs = grown;
		b->cap = cap;
	}
	if (index_hash(kind, val, vn, b->recs[b->n].hash) != 0)
		return -1;
	b->recs[b->n].a = before < 0 ? BEFORE_ALL : (uint64_t)before;
	b->recs[b->n].b = line;
	b->n++;
	return 0;
}

/* Walk the list; 1 when `seen` is revoked, 0 not, -1 malformed (err).
 * With b, also collect every entry as an index record. */
static int scan(const char *text, size_t len, const struct claims_seen *seen, char *err,
                size_t errcap, char *what, size_t whatcap, struct builder *b)
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
		if (b != NULL && emit(b, word_is(kind, kn, "jti") ? "jti" : "sub", val, vn, before,
		                      line) != 0) {
			snprintf(err, errcap, "out of memory");
			return -1;
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
	if (scan(text, len, NULL, why, whycap, what, sizeof(what), NULL) < 0)
		return -1;
	if (jti == NULL && sub == NULL)
		return 0;
	r = scan(text, len, &seen, why, whycap, what, sizeof(what), NULL);
	if (r > 0)
		snprintf(why, whycap, "%s", what);
	return r;
}

/* The first line (as scan() would find it) of an indexed list that
 * revokes `seen`: 1 with what, 0 none. */
static int lookup(const struct index_map *m, const struct claims_seen *seen, char *what,
                  size_t whatcap)
{
	unsigned char h[32];
	unsigned long long best = 0;
	size_t first, n, i;

	if (seen->jti != NULL && index_hash("jti", seen->jti, strlen(seen->jti), h) == 0)
		for (n = index_find(m, h, &first), i = first; i < first + n; i++)
			if (best == 0 || m->recs[i].b < best) {
				best = m->recs[i].b;
				snprintf(what, whatcap, "jti is revoked (line %llu)", best);
			}
	if (seen->sub != NULL && index_hash("sub", seen->sub, strlen(seen->sub), h) == 0)
		for (n = index_find(m, h, &first), i = first; i < first + n; i++) {
			const struct index_rec *r = &m->recs[i];

			if (best != 0 && r->b >= best)
				continue;
			if (r->a == BEFORE_ALL) {
				best = r->b;
				snprintf(what, whatcap, "subject is revoked (line %llu)", best);
			} else if (!seen->has_iat || seen->iat < (int64_t)r->a) {
				best = r->b;
				snprintf(what, whatcap, "subject's tokens issued before %lld are revoked "
				         "(line %llu)", (long long)r->a, best);
			}
		}
	return best != 0;
}

/* Read, validate and scan the list in fd; index it when root may.
 * 1 revoked, 0 not, -1 malformed or unreadable (why). */
static int scan_whole(const struct jwt_config *cfg, const char *idx, int fd,
                      const struct index_stamp *stamp, const struct claims_seen *seen,
                      char *why, size_t whycap, char *what, size_t whatcap)
{
	struct builder b = { NULL, 0, 0 };
	char *text = NULL, err[200];
	size_t len = 0;
	int r = -1, build = idx != NULL && geteuid() == 0;

	if (read_fd_all(fd, REVOKED_MAX_BYTES, &text, &len, why, whycap) != 0)
		return -1;
	/* validate (and collect every entry); then judge as always */
	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whycap, "NUL byte in revocation list");
		goto out;
	}
	if (scan(text, len, NULL, why, whycap, what, whatcap, build ? &b : NULL) != 0)
		goto out;
	r = seen != NULL ? scan(text, len, seen, why, whycap, what, whatcap, NULL) : 0;
	if (build)
		(void)index_write(cfg, idx, stamp, b.recs, b.n, NULL, 0, err, sizeof(err));
out:
	free(b.recs);
	free(text);
	return r;
}

/* 1 revoked (what), 0 not, -1 the list cannot be used (why).  seen NULL:
 * only validate and index. */
static int check_list(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                      const char *path, const char *suffix, const struct claims_seen *seen,
                      char *why, size_t whycap, char *what, size_t whatcap)
{
	char idx[4096];
	struct index_stamp stamp;
	struct index_map m;
	struct stat st;
	int fd, r, have_idx;

	if ((fd = open_trusted(path, REVOKED_MAX_BYTES, 0, why, whycap)) < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		snprintf(why, whycap, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	index_stamp_of(&st, &stamp);
	have_idx = index_path(cfg, iss, suffix, path, idx, sizeof(idx)) == 0;
	/* an index is built only from a list that validated: fresh means clean */
	if (seen != NULL && have_idx && index_open(idx, &stamp, &m, why, whycap) == 1) {
		r = lookup(&m, seen, what, whatcap);
		index_close(&m);
	} else {
		r = scan_whole(cfg, have_idx ? idx : NULL, fd, &stamp, seen, why, whycap, what,
		               whatcap);
	}
	close(fd);
	return r;
}

static enum jwt_verdict check_file(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                                   const char *path, const char *suffix,
                                   const struct claims_seen *seen, struct jwt_result *res)
{
	char why[200] = "", what[120];
	int r = check_list(cfg, iss, path, suffix, seen, why, sizeof(why), what, sizeof(what));

	if (r < 0) {
		snprintf(res->reason, sizeof(res->reason), "revocation list %.100s: %.120s", path,
		         why);
		return JWT_CONFIG;
	}
	if (r > 0) {
		snprintf(res->reason, sizeof(res->reason), "%s in %.120s", what, path);
		return JWT_REVOKED;
	}
	return JWT_OK;
}

int revoked_index_build(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                        const char *path, char *why, size_t whycap)
{
	char what[8];

	return check_list(cfg, iss, path, ".revoked", NULL, why, whycap, what, sizeof(what)) < 0
	       ? -1 : 0;
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
	if (iss->revoked_file != NULL &&
	    (r = check_file(cfg, iss, iss->revoked_file, ".revoked_file", &seen, res)) != JWT_OK)
		return r;
	if (iss->revoked_uri != NULL) {
		if (jwt_cache_path(cfg, iss, ".revoked", path, sizeof(path)) != 0) {
			snprintf(res->reason, sizeof(res->reason), "cache path too long");
			return JWT_CONFIG;
		}
		if ((r = check_file(cfg, iss, path, ".revoked", &seen, res)) != JWT_OK)
			return r;
	}
	return JWT_OK;
}
