/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the key cache metadata parser, cache_meta_parse().
 * Properties: a parsed record formats (cache_meta_format, as pam-jwt
 * refresh writes it) and parses back to the same record; its text fields
 * are NUL-terminated printable ASCII; and cache_usable(), the module's use
 * of the record, runs on it for the default issuer settings without
 * undefined behaviour (UBSan aborts on signed overflow).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "fuzz_util.h"

#define FUZZ_NOW ((time_t)4102444800)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cache_meta m, back;
	static char text[CACHE_META_MAX];
	struct jwt_issuer iss;
	char why[512];
	int n;

	if (cache_meta_parse((const char *)data, size, &m) != 0)
		return 0;
	FUZZ_CHECK_PRINTABLE(m.source);
	FUZZ_CHECK_PRINTABLE(m.etag);
	FUZZ_CHECK_PRINTABLE(m.error);
	if (m.fetched < 0 || m.expires < 0 || m.attempt < 0)
		FUZZ_FAIL("negative time accepted");
	if ((n = cache_meta_format(&m, text, sizeof(text))) < 0)
		FUZZ_FAIL("parsed record does not format");
	if (cache_meta_parse(text, (size_t)n, &back) != 0)
		FUZZ_FAIL("formatted record does not parse:\n%s", text);
	/* Field by field: a repeated key leaves bytes after the NUL of a shorter value. */
	if (strcmp(m.source, back.source) != 0 || strcmp(m.etag, back.etag) != 0 ||
	    strcmp(m.error, back.error) != 0 || m.fetched != back.fetched ||
	    m.expires != back.expires || m.attempt != back.attempt)
		FUZZ_FAIL("record changed in a format/parse round trip:\n%s", text);

	/* Defaults of lib/conf.c issuer_defaults(), and the largest max_stale. */
	memset(&iss, 0, sizeof(iss));
	iss.max_stale = 7 * 86400;
	(void)cache_usable(&iss, &m, FUZZ_NOW, why, sizeof(why));
	iss.max_stale = 365 * 86400;
	(void)cache_usable(&iss, &m, FUZZ_NOW, why, sizeof(why));
	return 0;
}
