#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "index.h"
#include "safefile.h"

#define HEADER_LEN 256
#define MAGIC "pam_jwt-index-v1"

void index_stamp_of(const struct stat *st, struct index_stamp *s)
{
	memset(s, 0, sizeof(*s));
	s->dev = (unsigned long long)st->st_dev;
	s->ino = (unsigned long long)st->st_ino;
	s->size = (unsigned long long)st->st_size;
	s->mtime_s = (unsigned long long)st->st_mtim.tv_sec;
	s->mtime_ns = (unsigned long long)st->st_mtim.tv_nsec;
	s->ctime_s = (unsigned long long)st->st_ctim.tv_sec;
	s->ctime_ns = (unsigned long long)st->st_ctim.tv_nsec;
}

int index_hash(const char *kind, const char *value, size_t n, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, value, n) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
	     len == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int index_path(const struct jwt_config *cfg, const struct jwt_issuer *iss, const char *suffix,
               const char *source, char *buf, size_t cap)
{
	unsigned char h[32];
	int n;

	/* Indexes of the administrator's own files (jwks_file, revoked_file)
	 * go only into a cache_dir the config names: the module writes no
	 * file of its own into a default directory. */
	if (!cfg->cache_dir_named && strstr(suffix, "_file") != NULL)
		return -1;
	/* named by the source too: configs sharing a cache_dir and a section
	 * name must not overwrite each other's index at every login */
	if (index_hash("source", source, strlen(source), h) != 0)
		return -1;
	n = snprintf(buf, cap, "%s/%s%s.%02x%02x%02x%02x%02x%02x.idx", cfg->cache_dir, iss->name,
	             suffix, h[0], h[1], h[2], h[3], h[4], h[5]);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int header(char *buf, const struct index_stamp *s, size_t n, size_t payload_len)
{
	int len = snprintf(buf, HEADER_LEN, MAGIC " %llu %llu %llu %llu %llu %llu %llu %zu %zu",
	                   s->dev, s->ino, s->size, s->mtime_s, s->mtime_ns, s->ctime_s,
	                   s->ctime_ns, n, payload_len);

	if (len < 0 || len >= HEADER_LEN - 1)
		return -1;
	memset(buf + len, ' ', (size_t)(HEADER_LEN - 1 - len));
	buf[HEADER_LEN - 1] = '\n';
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	return memcmp(((const struct index_rec *)a)->hash, ((const struct index_rec *)b)->hash, 32);
}

int index_write(const struct jwt_config *cfg, const char *path, const struct index_stamp *src,
                struct index_rec *recs, size_t n, const char *payload, size_t payload_len,
                char *why, size_t whycap)
{
	size_t len = HEADER_LEN + n * sizeof(*recs) + payload_len;
	char *buf;
	int rc;

	if (len > INDEX_MAX_BYTES) {
		snprintf(why, whycap, "index would be too large");
		return -1;
	}
	if (dir_trusted(cfg->cache_dir, why, whycap) != 0)
		return -1;
	if ((buf = malloc(len)) == NULL) {
		snprintf(why, whycap, "out of memory");
		return -1;
	}
	qsort(recs, n, sizeof(*recs), cmp_rec);
	if (header(buf, src, n, payload_len) != 0) {
		free(buf);
		snprintf(why, whycap, "index header too long");
		return -1;
	}
	if (n > 0)
		memcpy(buf + HEADER_LEN, recs, n * sizeof(*recs));
	if (payload_len > 0)
		memcpy(buf + HEADER_LEN + n * sizeof(*recs), payload, payload_len);
	rc = write_atomic(cfg->cache_dir, path, buf, len, 0644, why, whycap);
	free(buf);
	return rc;
}

int index_open(const char *path, const struct index_stamp *src, struct index_map *m, char *why,
               size_t whycap)
{
	char want[HEADER_LEN], have[HEADER_LEN + 1];
	struct stat st;
	void *base;
	size_t n, plen;
	int fd;

	memset(m, 0, sizeof(*m));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((fd = open_trusted(path, INDEX_MAX_BYTES, 0, why, whycap)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < HEADER_LEN) {
		close(fd);
		return 0;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		snprintf(why, whycap, "mmap: %s", strerror(errno));
		return -1;
	}
	/* The counts come from the header; the stamp must be the source's. */
	memcpy(have, base, HEADER_LEN);
	have[HEADER_LEN] = '\0';
	if (sscanf(have, MAGIC " %*u %*u %*u %*u %*u %*u %*u %zu %zu", &n, &plen) != 2 ||
	    header(want, src, n, plen) != 0 || memcmp(base, want, HEADER_LEN) != 0 ||
	    n > ((size_t)st.st_size - HEADER_LEN) / sizeof(struct index_rec) ||
	    HEADER_LEN + n * sizeof(struct index_rec) + plen != (size_t)st.st_size) {
		munmap(base, (size_t)st.st_size);
		return 0; /* stale or another version's: rebuilt */
	}
	m->base = base;
	m->len = (size_t)st.st_size;
	m->recs = (const struct index_rec *)((const char *)base + HEADER_LEN);
	m->n = n;
	m->payload = (const char *)base + HEADER_LEN + n * sizeof(struct index_rec);
	m->payload_len = plen;
	return 1;
}

void index_close(struct index_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->len);
	memset(m, 0, sizeof(*m));
}

size_t index_find(const struct index_map *m, const unsigned char hash[32], size_t *first)
{
	size_t lo = 0, hi = m->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(m->recs[mid].hash, hash, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < m->n && memcmp(m->recs[end].hash, hash, 32) == 0; end++)
		;
	*first = lo;
	return end - lo;
}
