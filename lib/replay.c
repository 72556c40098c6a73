/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "replay.h"
#include "safefile.h"
#include "store.h"

#define OLD_LINE_LEN (20 + 1 + 64 + 1)  /* "%020lld %64s\n" */

const char *replay_dir(const struct jwt_config *cfg)
{
	return cfg->replay_dir != NULL ? cfg->replay_dir : JWT_DEFAULT_REPLAY_DIR;
}

/* The record's id: the issuer section and the jti's hash, so two sections
 * never share uses. */
static int once_id(const struct jwt_issuer *iss, const unsigned char jti_hash[32],
                   unsigned char id[STORE_ID_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, "pam_jwt-once", 13) == 1 &&
	     EVP_DigestUpdate(ctx, iss->name, strlen(iss->name) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, jti_hash, 32) == 1 && EVP_DigestFinal_ex(ctx, id, &n) == 1 &&
	     n == STORE_ID_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < 2 * n; i++) {
		int c = s[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return 0;
}

/* Import the NAME.jti file of earlier versions from dir, then remove it. */
static int import_old(struct store *st, const char *dir, const struct jwt_issuer *iss,
                      time_t now, char *why, size_t whycap)
{
	char path[4096], lockpath[4200], *text = NULL;
	unsigned char (*ids)[STORE_ID_LEN] = NULL;
	long long *exps = NULL;
	size_t len = 0, n = 0, off;
	int rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s.jti", dir, iss->name) >= (int)sizeof(path))
		return 0;
	if (access(path, F_OK) != 0)
		return 0; /* nothing to import: the usual case, one stat */
	if (read_trusted_flags(path, (size_t)REPLAY_OLD_MAX_ENTRIES * OLD_LINE_LEN, TRUSTED_SECRET,
	                       &text, &len, why, whycap) != 0)
		return -1;
	ids = calloc(len / OLD_LINE_LEN + 1, sizeof(*ids));
	exps = calloc(len / OLD_LINE_LEN + 1, sizeof(*exps));
	if (ids == NULL || exps == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	for (off = 0; off + OLD_LINE_LEN <= len; off += OLD_LINE_LEN) {
		const char *p = text + off;
		unsigned char h[32];
		char *stop;

		exps[n] = strtoll(p, &stop, 10);
		if (stop != p + 20 || p[20] != ' ' || p[OLD_LINE_LEN - 1] != '\n' ||
		    unhex(p + 21, h, sizeof(h)) != 0 || once_id(iss, h, ids[n]) != 0) {
			snprintf(why, whycap, "%.200s: corrupt entry; not imported", path);
			goto out;
		}
		n++;
	}
	if (off != len) {
		snprintf(why, whycap, "%.200s: corrupt entry; not imported", path);
		goto out;
	}
	if (store_add_many(st, STORE_ONCE, (const unsigned char (*)[STORE_ID_LEN])ids, exps, n, now,
	                   why, whycap) != 0)
		goto out;
	/* imported (a racing importer adds the same records again: harmless) */
	(void)unlink(path);
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	(void)unlink(lockpath);
	rc = 0;
out:
	free(text);
	free(ids);
	free(exps);
	return rc;
}

static int open_store(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                      struct store **st, char *why, size_t whycap)
{
	const char *dir = replay_dir(cfg);

	if (store_open(dir, 1, st, why, whycap) != 0)
		return -1;
	if (import_old(*st, dir, iss, now, why, whycap) != 0 ||
	    (cfg->replay_dir == NULL && import_old(*st, JWT_OLD_REPLAY_DIR, iss, now, why, whycap) != 0)) {
		store_close(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

enum jwt_verdict replay_record(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               const struct jwt_result *res, time_t now, char *why,
                               size_t whycap)
{
	unsigned char id[STORE_ID_LEN];
	long long until = res->exp + iss->leeway;
	struct store *st = NULL;
	enum jwt_verdict v = JWT_INTERNAL;
	int rc;

	if (!res->has_jti) {
		snprintf(why, whycap, "one_time issuer: token has no jti");
		return JWT_BAD_CLAIM;
	}
	if (geteuid() != 0) {
		snprintf(why, whycap, "one-time tokens need root to record their use");
		return JWT_INTERNAL;
	}
	if (once_id(iss, res->jti_hash, id) != 0) {
		snprintf(why, whycap, "cannot hash the jti");
		return JWT_INTERNAL;
	}
	if (open_store(cfg, iss, now, &st, why, whycap) != 0)
		return JWT_INTERNAL;
	rc = store_add(st, STORE_ONCE, id, until, NULL, 0, now, why, whycap);
	if (rc == 0)
		v = JWT_OK;
	else if (rc == 1) {
		snprintf(why, whycap, "token already used (one_time)");
		v = JWT_REPLAYED;
	}
	store_close(st);
	return v;
}

int replay_prefill(const struct jwt_config *cfg, const struct jwt_issuer *iss, size_t n,
                   long long expires, char *why, size_t whycap)
{
	unsigned char (*ids)[STORE_ID_LEN] = calloc(n ? n : 1, sizeof(*ids)), h[32];
	long long *exps = calloc(n ? n : 1, sizeof(*exps));
	struct store *st = NULL;
	size_t i;
	int rc = -1;

	if (ids == NULL || exps == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, &i, sizeof(i));
		h[31] = 0xa5; /* no SHA-256 of a real jti looks like this */
		if (once_id(iss, h, ids[i]) != 0)
			goto out;
		exps[i] = expires;
	}
	if (open_store(cfg, iss, time(NULL), &st, why, whycap) == 0)
		rc = store_add_many(st, STORE_ONCE, (const unsigned char (*)[STORE_ID_LEN])ids, exps, n,
		                    time(NULL), why, whycap);
out:
	store_close(st);
	free(ids);
	free(exps);
	return rc;
}
