/*
 * libFuzzer harness: the desktop-code store reader (lib/dcode.c, through
 * dcode_store_parse(), the parse half of the store's load()).  The store
 * is root's own file, but its fields come from tokens (iss, sub, jti, kid,
 * groups): what a token put there must come back as one record, never
 * as a second line or a broken one.  The input is a store file's text.
 *
 * Properties beyond ASan/UBSan: every record handed out has NUL-terminated
 * fields, a state of live/used/revoked, the user it was read for, a
 * base64url payload (the token's claims), non-negative times and an expiry
 * inside the keeping time; no
 * more records than lines; the text fails closed (the whole store is
 * refused) or parses whole; and the audit line dcode_audit_format() makes
 * of each record is printable, within 4096 bytes, whole (ends with its
 * groups field) and starts "accepted verdict=OK".
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "dcode.h"
#include "fuzz_util.h"

#define FUZZ_NOW ((time_t)1800000000)

struct seen {
	size_t n;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_record(void *ctx, const struct dcode_record *r)
{
	struct seen *s = ctx;
	char line[4096];
	size_t n;

	s->n++;
	FUZZ_CHECK_CSTR(r->id);
	FUZZ_CHECK_CSTR(r->state);
	FUZZ_CHECK_CSTR(r->user);
	FUZZ_CHECK_CSTR(r->issuer_name);
	FUZZ_CHECK_CSTR(r->iss);
	FUZZ_CHECK_CSTR(r->sub);
	FUZZ_CHECK_CSTR(r->jti);
	FUZZ_CHECK_CSTR(r->kid);
	FUZZ_CHECK_CSTR(r->groups);
	FUZZ_CHECK_CSTR(r->typ);
	FUZZ_CHECK_CSTR(r->payload);
	n = strlen(r->payload);
	if (n == 0 || strspn(r->payload, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                  "0123456789-_") != n)
		FUZZ_FAIL("payload not base64url: \"%.40s\"", r->payload);
	if (r->minted < 0 || r->expires < 0)
		FUZZ_FAIL("negative time %lld %lld", r->minted, r->expires);
	if (strcmp(r->state, "live") != 0 && strcmp(r->state, "used") != 0 &&
	    strcmp(r->state, "revoked") != 0)
		FUZZ_FAIL("state \"%s\"", r->state);
	if (strcmp(r->user, "alice") != 0)
		FUZZ_FAIL("record for \"%s\" in alice's store", r->user);
	if (r->expires < (long long)FUZZ_NOW - DCODE_KEEP)
		FUZZ_FAIL("record kept past its keeping time (expires %lld)", r->expires);
	dcode_audit_format(line, sizeof(line), "accepted", "OK", r, "alice", "192.0.2.1", 3, NULL);
	FUZZ_CHECK_PRINTABLE(line);
	n = strlen(line);
	if (strncmp(line, "accepted verdict=OK ", 20) != 0)
		FUZZ_FAIL("audit line starts \"%.40s\"", line);
	if (strstr(line, " groups=\"") == NULL || n == 0 || line[n - 1] != '"')
		FUZZ_FAIL("audit line cut short: %s", line);
	dcode_audit_format(line, sizeof(line), "rejected", "CODE_USED", r, NULL, NULL, 0,
	                   r->groups);
	FUZZ_CHECK_PRINTABLE(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	char why[200];
	size_t lines = 0, i;
	int rc;

	rc = dcode_store_parse((const char *)data, size, "alice", FUZZ_NOW, on_record, &s, why,
	                       sizeof(why));
	if (rc != 0 && rc != -1)
		FUZZ_FAIL("dcode_store_parse returned %d", rc);
	if (rc != 0) {
		FUZZ_CHECK_CSTR(why);
		if (s.n != 0)
			FUZZ_FAIL("a corrupt store handed out %zu records", s.n);
		return 0;
	}
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (s.n > lines)
		FUZZ_FAIL("%zu records from %zu lines", s.n, lines);
	return 0;
}
