/* SPDX-License-Identifier: BSD-2-Clause */
/* Cache metadata: parsing, the ETag kept byte for byte, and when cached
 * keys stop being usable (expires + max_stale). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "tap.h"

int main(void)
{
	struct cache_meta m, back;
	struct jwt_issuer iss;
	char buf[CACHE_META_MAX], why[300];
	const char *text = "# comment\nsource=https://idp.test/jwks\nfetched=1000\nexpires=1600\n"
	                   "attempt=2000\netag=\"abc-1\"\nerror=HTTP 500\nfuture=ignored\n";
	int n;

	ok(cache_meta_parse(text, strlen(text), &m) == 0, "parse");
	is_str(m.source, "https://idp.test/jwks", "source");
	ok(m.fetched == 1000 && m.expires == 1600 && m.attempt == 2000, "times");
	is_str(m.etag, "\"abc-1\"", "ETag kept with its quotes");
	is_str(m.error, "HTTP 500", "error");

	n = cache_meta_format(&m, buf, sizeof(buf));
	ok(n > 0 && cache_meta_parse(buf, (size_t)n, &back) == 0 &&
	   memcmp(&m, &back, sizeof(m)) == 0, "format then parse gives the same metadata");

	ok(cache_meta_parse("fetched=-5\n", 11, &m) != 0, "negative time refused");
	ok(cache_meta_parse("fetched=12x\n", 12, &m) != 0, "trailing junk refused");
	ok(cache_meta_parse("etag=\"a\tb\"\n", 11, &m) != 0, "control byte in ETag refused");
	ok(cache_meta_parse("fetched=99999999999999999999999\n", 32, &m) != 0, "overflow refused");
	/* found by tests/fuzz: expires + max_stale overflowed */
	ok(cache_meta_parse("expires=9223372036854775807\n", 28, &m) != 0, "LLONG_MAX refused");
	ok(cache_meta_parse("expires=1\0junk\n", 15, &m) != 0, "NUL inside a time refused");

	memset(&iss, 0, sizeof(iss));
	iss.max_stale = 100;
	memset(&m, 0, sizeof(m));
	m.fetched = 1000;
	m.expires = 1600;
	ok(cache_usable(&iss, &m, 1500, why, sizeof(why)) == 0, "fresh: usable");
	ok(cache_usable(&iss, &m, 1700, why, sizeof(why)) == 0, "expired, at max_stale: usable");
	ok(cache_usable(&iss, &m, 1701, why, sizeof(why)) != 0 && strstr(why, "max_stale") != NULL,
	   "one second past max_stale: refused (%s)", why);
	iss.max_stale = 0;
	ok(cache_usable(&iss, &m, 1601, why, sizeof(why)) != 0, "max_stale 0: expired is refused");
	m.fetched = 0;
	ok(cache_usable(&iss, &m, 1000, why, sizeof(why)) != 0, "never fetched: refused");
	return tap_done();
}
