/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "index.h"
#include "json.h"
#include "keys.h"
#include "safefile.h"

/* The issuer's key set file; for fetched keys only while they are usable. */
static int keys_path(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                     char *path, size_t cap, char *why, size_t whycap)
{
	char err[512];
	struct cache_meta meta;

	if (iss->jwks_file != NULL) {
		snprintf(path, cap, "%s", iss->jwks_file);
		return 0;
	}
	if (jwt_cache_path(cfg, iss, ".jwks", path, cap) != 0) {
		snprintf(why, whycap, "cache path too long");
		return -1;
	}
	/* Fetched keys carry their age: past expires + max_stale they are
	 * no longer trusted, whether or not the provider can be reached. */
	if (cache_meta_read(cfg, iss, &meta, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.300s (run pam-jwt refresh)", err);
		return -1;
	}
	if (cache_usable(iss, &meta, now, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.300s", path, err);
		return -1;
	}
	return 0;
}

/* The key set's index: cache_dir/NAME.jwks.idx for fetched keys,
 * NAME.jwks_file.idx for a jwks_file. */
static int keys_index_path(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                           const char *source, char *path, size_t cap)
{
	return index_path(cfg, iss, iss->jwks_file != NULL ? ".jwks_file" : ".jwks", source, path,
	                  cap);
}

/* Index every key of a parsed set by kid (keys without one by position),
 * the payload being each key's own JSON. */
static int write_index(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                       const char *source, const struct index_stamp *stamp,
                       const struct jwks *set, char *why, size_t whycap)
{
	struct index_rec *recs = calloc(set->n ? set->n : 1, sizeof(*recs));
	char path[4096], *payload = NULL;
	size_t i, len = 0, cap = 0;
	int rc = -1;

	if (recs == NULL || keys_index_path(cfg, iss, source, path, sizeof(path)) != 0)
		goto out;
	for (i = 0; i < set->n; i++) {
		const char *json = json_object_to_json_string_ext(set->keys[i].obj,
		                                                  JSON_C_TO_STRING_PLAIN);
		size_t n = json != NULL ? strlen(json) : 0;
		char nth[32];

		if (n == 0)
			goto out;
		if (len + n > cap) {
			char *grown = realloc(payload, cap = 2 * (len + n));

			if (grown == NULL)
				goto out;
			payload = grown;
		}
		memcpy(payload + len, json, n);
		if (set->keys[i].has_kid)
			rc = index_hash("kid", set->keys[i].kid, strlen(set->keys[i].kid), recs[i].hash);
		else
			rc = index_hash("nokid", nth, (size_t)snprintf(nth, sizeof(nth), "%zu", i),
			                recs[i].hash);
		if (rc != 0)
			goto out;
		rc = -1;
		recs[i].a = len;
		recs[i].b = n;
		len += n;
	}
	rc = index_write(cfg, path, stamp, recs, set->n, payload, len, why, whycap);
out:
	free(recs);
	free(payload);
	return rc;
}

/* Read and parse the whole set from fd; index it when root may. */
static int parse_whole(const struct jwt_config *cfg, const struct jwt_issuer *iss, int fd,
                       const char *path, const struct index_stamp *stamp, struct jwks *set,
                       char *why, size_t whycap)
{
	char *text = NULL, err[512];
	size_t len = 0;
	int rc = -1;

	if (read_fd_all(fd, JWKS_MAX_BYTES, &text, &len, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		goto out;
	}
	if (jwks_parse_lazy(text, len, set, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		goto out;
	}
	/* the next login looks its key up instead (no index: the same as before) */
	if (geteuid() == 0)
		(void)write_index(cfg, iss, path, stamp, set, err, sizeof(err));
	rc = 0;
out:
	free(text);
	return rc;
}

/* The keys named kid, from a fresh index: 1 found in the index (set holds
 * them, maybe none), 0 no usable index. */
static int from_index(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                      const char *source, const struct index_stamp *stamp, const char *kid,
                      struct jwks *set, size_t *total)
{
	struct index_map m;
	unsigned char h[32];
	char path[4096], err[256];
	size_t first, n, i;

	if (keys_index_path(cfg, iss, source, path, sizeof(path)) != 0 ||
	    index_open(path, stamp, &m, err, sizeof(err)) != 1)
		return 0;
	if (index_hash("kid", kid, strlen(kid), h) != 0 ||
	    (set->keys = calloc((n = index_find(&m, h, &first)) ? n : 1, sizeof(*set->keys))) == NULL) {
		index_close(&m);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct index_rec *r = &m.recs[first + i];
		struct jwk *k = &set->keys[set->n];

		if (r->a > m.payload_len || r->b > m.payload_len - r->a ||
		    (k->obj = jwt_json_parse(m.payload + r->a, (size_t)r->b, 16)) == NULL)
			continue; /* not this build's index: the key is simply not there */
		snprintf(k->kid, sizeof(k->kid), "%s", kid);
		k->has_kid = 1;
		k->pending = 1;
		set->n++;
	}
	*total = m.n;
	index_close(&m);
	return 1;
}

int keys_load_for(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                  const char *kid, struct jwks *set, size_t *total, char *why, size_t whycap)
{
	char path[4096], err[512];
	struct index_stamp stamp;
	struct stat st;
	int fd, rc = -1;

	memset(set, 0, sizeof(*set));
	*total = 0;
	if (keys_path(cfg, iss, now, path, sizeof(path), why, whycap) != 0)
		return -1;
	if ((fd = open_trusted(path, JWKS_MAX_BYTES, 0, err, sizeof(err))) < 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whycap, "%.200s: %s", path, strerror(errno));
		goto out;
	}
	index_stamp_of(&st, &stamp);
	if (kid != NULL && strlen(kid) < sizeof(set->keys[0].kid) &&
	    from_index(cfg, iss, path, &stamp, kid, set, total)) {
		rc = 0;
		goto out;
	}
	if ((rc = parse_whole(cfg, iss, fd, path, &stamp, set, why, whycap)) == 0)
		*total = set->n;
out:
	close(fd);
	return rc;
}

int keys_load(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
              struct jwks *set, char *why, size_t whycap)
{
	size_t total;

	return keys_load_for(cfg, iss, now, NULL, set, &total, why, whycap);
}

int keys_index_build(const struct jwt_config *cfg, const struct jwt_issuer *iss, time_t now,
                     char *why, size_t whycap)
{
	struct jwks set;
	int rc = keys_load(cfg, iss, now, &set, why, whycap);

	jwks_free(&set);
	return rc;
}

int keys_load_secret(const struct jwt_issuer *iss, unsigned char **secret, size_t *len,
                     char *why, size_t whycap)
{
	char *text = NULL, err[200];
	size_t n = 0;

	*secret = NULL;
	*len = 0;
	if (iss->hmac_secret_file == NULL) {
		snprintf(why, whycap, "no hmac_secret_file");
		return -1;
	}
	if (read_trusted_flags(iss->hmac_secret_file, HMAC_SECRET_MAX, TRUSTED_SECRET, &text, &n,
	                       err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", iss->hmac_secret_file, err);
		return -1;
	}
	/* The file's bytes are the secret, exactly: a binary key may end in 0x0a. */
	if (n < 32) {
		explicit_bzero(text, n);
		free(text);
		snprintf(why, whycap, "%.200s: secret is %zu bytes, at least 32 needed",
		         iss->hmac_secret_file, n);
		return -1;
	}
	*secret = (unsigned char *)text;
	*len = n;
	return 0;
}
