/*
 * Lookup indexes of files the module would otherwise parse whole at every
 * login: key sets (by kid) and revocation lists (by jti and sub).
 *
 * An index is a file beside the cache, cache_dir/NAME.SUFFIX.HASH.idx: a
 * 256-byte header stamped with the identity of the source file it was
 * built from (device, inode, size, mtime, ctime), then fixed-size records
 * sorted by the SHA-256 of their key, then a payload area.  A login maps
 * it, checks the stamp against the source it just opened and binary-
 * searches: O(log n) and a few pages, whatever the list's length.  A stamp
 * that does not match (the file changed, or no index yet) means: parse
 * the source as before, and write a new index when root may.
 */
#ifndef PAM_JWT_INDEX_H
#define PAM_JWT_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "conf.h"

#define INDEX_MAX_BYTES (64 * 1024 * 1024)

struct index_stamp {
	unsigned long long dev, ino, size, mtime_s, mtime_ns, ctime_s, ctime_ns;
};

struct index_rec {
	unsigned char hash[32];   /* SHA-256 of the key */
	uint64_t a, b;            /* keys: payload offset, length; revocations: before, line */
};

struct index_map {
	void *base;
	size_t len;
	const struct index_rec *recs;
	size_t n;
	const char *payload;
	size_t payload_len;
};

void index_stamp_of(const struct stat *st, struct index_stamp *s);

/* SHA-256 of kind, a NUL, then n bytes of value. */
int index_hash(const char *kind, const char *value, size_t n, unsigned char out[32]);

/* cache_dir/NAME.SUFFIX.HASH.idx, HASH naming the source file's path;
 * -1 for the index of a local file (SUFFIX ending in "_file") when the
 * config does not name cache_dir. */
int index_path(const struct jwt_config *cfg, const struct jwt_issuer *iss, const char *suffix,
               const char *source, char *buf, size_t cap);

/* Sort recs and write the index atomically (0644, root).  0, or -1 with why. */
int index_write(const struct jwt_config *cfg, const char *path, const struct index_stamp *src,
                struct index_rec *recs, size_t n, const char *payload, size_t payload_len,
                char *why, size_t whycap);

/* Map the index at path if it was built from src.  1 mapped; 0 missing or
 * stale (build it); -1 unusable (why). */
int index_open(const char *path, const struct index_stamp *src, struct index_map *m, char *why,
               size_t whycap);
void index_close(struct index_map *m);

/* Records with this hash: *first and the count (0 when none). */
size_t index_find(const struct index_map *m, const unsigned char hash[32], size_t *first);

#endif
