/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"
#include "safefile.h"

static int copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		return -1;
	jwt_sanitize(dst, cap, v, n);
	return 0;
}

/* ETags go back to the server byte for byte: printable ASCII only. */
static int copy_raw(char *dst, size_t cap, const char *v, size_t n)
{
	size_t i;

	if (n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Seconds since 1970, bounded (year ~36800) so expires + max_stale and
 * other sums cannot overflow. */
#define META_TIME_MAX (1LL << 40)

static int parse_time(const char *v, size_t n, long long *out)
{
	char buf[32], *end;
	long long x;

	if (n == 0 || n >= sizeof(buf) || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || x < 0 || x > META_TIME_MAX)
		return -1;
	*out = x;
	return 0;
}

int cache_meta_parse(const char *text, size_t len, struct cache_meta *m)
{
	const char *p = text, *end = text + len;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(le - p));
		size_t klen, vlen;
		const char *v;
		int bad = 0;

		if (eq != NULL && *p != '#') {
			klen = (size_t)(eq - p);
			v = eq + 1;
			vlen = (size_t)(le - v);
			if (klen == 6 && memcmp(p, "source", 6) == 0)
				bad = copy_value(m->source, sizeof(m->source), v, vlen);
			else if (klen == 7 && memcmp(p, "fetched", 7) == 0)
				bad = parse_time(v, vlen, &m->fetched);
			else if (klen == 7 && memcmp(p, "expires", 7) == 0)
				bad = parse_time(v, vlen, &m->expires);
			else if (klen == 7 && memcmp(p, "attempt", 7) == 0)
				bad = parse_time(v, vlen, &m->attempt);
			else if (klen == 4 && memcmp(p, "etag", 4) == 0)
				bad = copy_raw(m->etag, sizeof(m->etag), v, vlen);
			else if (klen == 5 && memcmp(p, "error", 5) == 0)
				bad = copy_value(m->error, sizeof(m->error), v, vlen);
			if (bad)
				return -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

int cache_meta_read(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                    struct cache_meta *m, char *why, size_t whycap)
{
	char path[4096], err[200], *text = NULL;
	size_t len = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (jwt_cache_path(cfg, iss, ".meta", path, sizeof(path)) != 0) {
		snprintf(why, whycap, "cache path too long");
		return -1;
	}
	if (read_trusted(path, CACHE_META_MAX, &text, &len, err, sizeof(err)) != 0) {
		snprintf(why, whycap, "%.200s: %.200s", path, err);
		return -1;
	}
	rc = cache_meta_parse(text, len, m);
	free(text);
	if (rc != 0)
		snprintf(why, whycap, "%.200s: malformed", path);
	return rc;
}

int cache_meta_format(const struct cache_meta *m, char *buf, size_t cap)
{
	int n = snprintf(buf, cap,
	                 "# written by pam-jwt refresh; read by pam_jwt.so and pam-jwt status\n"
	                 "source=%s\nfetched=%lld\nexpires=%lld\nattempt=%lld\netag=%s\nerror=%s\n",
	                 m->source, m->fetched, m->expires, m->attempt, m->etag, m->error);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int cache_usable(const struct jwt_issuer *iss, const struct cache_meta *m, time_t now,
                 char *why, size_t whycap)
{
	long long limit = m->expires + iss->max_stale;

	if (m->fetched == 0 || m->expires < m->fetched) {
		snprintf(why, whycap, "cache metadata has no fetch time");
		return -1;
	}
	if ((long long)now > limit) {
		snprintf(why, whycap, "cached keys expired %lld s ago, beyond max_stale (%ld s)%s%.200s",
		         (long long)now - m->expires, iss->max_stale,
		         m->error[0] ? "; last refresh: " : "", m->error);
		return -1;
	}
	return 0;
}
