/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the desktop-code record decoder (lib/dcode.c,
 * dcode_record_decode(), what every lookup, --list and --revoke read back
 * from the state store).  The store is root's own, but the fields come from
 * tokens (iss, sub, jti, kid, groups, the claims): what a token put there
 * must come back as exactly that record.  The input is a stored value.
 *
 * Properties beyond ASan/UBSan: a value is refused whole (the record
 * zeroed) or decodes to a record with NUL-terminated fields within their
 * bounds, a state of live/used/revoked, a usable user name, a 16-hex id, a
 * base64url payload (the token's claims) and times in 0..2^40 (so
 * expires + DCODE_KEEP is defined); dcode_record_encode() of that record
 * gives back the input byte for byte (one stored form per record, nothing
 * ignored); and the audit line dcode_audit_format() makes of it is
 * printable, within 4096 bytes, whole (ends with its groups field) and
 * starts "accepted verdict=OK".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcode.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(const struct dcode_record *r)
{
	char line[4096];
	size_t n;

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
	if (n == 0 || n > DCODE_MAX_PAYLOAD ||
	    strspn(r->payload, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                       "0123456789-_") != n)
		FUZZ_FAIL("payload not base64url: \"%.40s\"", r->payload);
	if (strlen(r->id) != 16 || strspn(r->id, "0123456789abcdef") != 16)
		FUZZ_FAIL("id \"%s\"", r->id);
	if (!dcode_user_ok(r->user))
		FUZZ_FAIL("user \"%s\"", r->user);
	if (r->minted < 0 || r->expires < 0 || r->seq < 0 || r->minted > (1LL << 40) ||
	    r->expires > (1LL << 40) || r->seq > (1LL << 40))
		FUZZ_FAIL("time out of range %lld %lld %lld", r->minted, r->expires, r->seq);
	if (strcmp(r->state, "live") != 0 && strcmp(r->state, "used") != 0 &&
	    strcmp(r->state, "revoked") != 0)
		FUZZ_FAIL("state \"%s\"", r->state);
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
	static struct dcode_record r;
	static const struct dcode_record zero;
	static unsigned char back[DCODE_RECORD_MAX];
	size_t n;

	if (dcode_record_decode(data, size, &r) != 0) {
		if (memcmp(&r, &zero, sizeof(r)) != 0)
			FUZZ_FAIL("a refused value left a record behind");
		return 0;
	}
	if (size > DCODE_RECORD_MAX)
		FUZZ_FAIL("%zu bytes decoded, over DCODE_RECORD_MAX", size);
	check_record(&r);
	n = dcode_record_encode(&r, back, sizeof(back));
	if (n != size || memcmp(back, data, size) != 0)
		FUZZ_FAIL("encode(decode(value)) is %zu bytes, not the %zu read", n, size);
	if (size > 0 && dcode_record_encode(&r, back, size - 1) != 0)
		FUZZ_FAIL("encoded into a buffer one byte short");
	return 0;
}
