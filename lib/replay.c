/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "safefile.h"

#define LINE_LEN (20 + 1 + 64 + 1)  /* "%020lld %64s\n" */
#define LOCK_WAIT_MS 5000

static void hex(char out[65], const unsigned char h[32])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = '\0';
}

/* Read the store; keep live entries in *kept; 1 if `want` is among them. */
static int load(const char *path, const char *want, time_t now, char **kept, size_t *klen,
                size_t *count, char *why, size_t whycap)
{
	size_t cap = (size_t)(REPLAY_MAX_ENTRIES + 1) * LINE_LEN, len = 0;
	char *text = NULL, *p, *end;
	int found = 0, rc;

	*kept = malloc(cap + LINE_LEN + 1);
	*klen = *count = 0;
	if (*kept == NULL) {
		snprintf(why, whycap, "out of memory");
		return -1;
	}
	rc = read_trusted_flags(path, cap, TRUSTED_SECRET, &text, &len, why, whycap);
	if (rc != 0) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return 0; /* first one-time login */
		return -1;
	}
	for (p = text, end = text + len; p < end; p += LINE_LEN) {
		char *stop;
		long long exp;

		if ((size_t)(end - p) < LINE_LEN || p[20] != ' ' || p[LINE_LEN - 1] != '\n') {
			snprintf(why, whycap, "%.200s: corrupt entry", path);
			free(text);
			return -1;
		}
		exp = strtoll(p, &stop, 10);
		if (stop != p + 20) {
			snprintf(why, whycap, "%.200s: corrupt entry", path);
			free(text);
			return -1;
		}
		if (exp < (long long)now)
			continue; /* expired: pruned */
		if (memcmp(p + 21, want, 64) == 0)
			found = 1;
		memcpy(*kept + *klen, p, LINE_LEN);
		*klen += LINE_LEN;
		(*count)++;
	}
	free(text);
	return found;
}

enum jwt_verdict replay_record(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                               const struct jwt_result *res, time_t now, char *why,
                               size_t whycap)
{
	const char *dir = cfg->replay_dir != NULL ? cfg->replay_dir : JWT_DEFAULT_REPLAY_DIR;
	char path[4096], lockpath[4200], want[65], *kept = NULL;
	size_t klen, count;
	long long until = res->exp + iss->leeway;
	enum jwt_verdict v = JWT_INTERNAL;
	int lock, found;

	if (!res->has_jti) {
		snprintf(why, whycap, "one_time issuer: token has no jti");
		return JWT_BAD_CLAIM;
	}
	if (geteuid() != 0) {
		snprintf(why, whycap, "one-time tokens need root to record their use");
		return JWT_INTERNAL;
	}
	if (snprintf(path, sizeof(path), "%s/%s.jti", dir, iss->name) >= (int)sizeof(path))
		return JWT_INTERNAL;
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if (make_private_dir(dir, why, whycap) != 0 ||
	    (lock = lock_file(lockpath, LOCK_WAIT_MS, NULL, why, whycap)) < 0)
		return JWT_INTERNAL;
	hex(want, res->jti_hash);
	found = load(path, want, now, &kept, &klen, &count, why, whycap);
	if (found < 0)
		goto out;
	if (found) {
		snprintf(why, whycap, "token already used (one_time)");
		v = JWT_REPLAYED;
		goto out;
	}
	if (count >= REPLAY_MAX_ENTRIES) {
		snprintf(why, whycap, "replay store for %s is full (%d live one-time tokens)",
		         iss->name, REPLAY_MAX_ENTRIES);
		goto out;
	}
	snprintf(kept + klen, LINE_LEN + 1, "%020lld %s\n", until < 0 ? 0 : until, want);
	klen += LINE_LEN;
	if (write_atomic(dir, path, kept, klen, 0600, why, whycap) == 0)
		v = JWT_OK;
out:
	free(kept);
	close(lock);
	return v;
}
