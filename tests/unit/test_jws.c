/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdlib.h>

#include "b64url.h"
#include "jws.h"
#include "tap.h"

static char token[300000];

/* header and payload JSON, raw signature bytes */
static const char *mk(const char *hdr, const char *payload, const char *sig)
{
	char *p = token;

	b64url_encode((const unsigned char *)hdr, strlen(hdr), p);
	p += strlen(p);
	*p++ = '.';
	b64url_encode((const unsigned char *)payload, strlen(payload), p);
	p += strlen(p);
	*p++ = '.';
	b64url_encode((const unsigned char *)sig, strlen(sig), p);
	return token;
}

static enum jwt_verdict parse(const char *t, struct jws *j)
{
	char reason[256];

	return jws_parse(t, strlen(t), j, reason, sizeof(reason));
}

int main(void)
{
	static struct jws j;
	const char *t;
	char deep[12000];
	size_t i;
	json_object *payload = NULL;
	char reason[256];

	t = mk("{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}", "{\"sub\":\"alice\"}", "sig");
	ok(parse(t, &j) == JWT_OK, "well-formed token parses");
	is_str(j.alg, "RS256", "alg read");
	is_str(j.kid, "k1", "kid read");
	ok(j.has_kid == 1 && j.sig_len == 3 && memcmp(j.sig, "sig", 3) == 0, "kid and signature");
	ok(j.input_len == (size_t)(strrchr(t, '.') - t), "signing input is header.payload");
	ok(jws_payload(&j, &payload, reason, sizeof(reason)) == JWT_OK && payload != NULL,
	   "payload object parses after verification");
	json_object_put(payload);

	ok(jwt_token_shape("hunter2", 7) == JWT_NOT_TOKEN, "a password is not a token");
	ok(jwt_token_shape("eyJhbGciOi", 10) == JWT_NOT_TOKEN, "eyJ without a dot is not a token");
	ok(parse("eyJ.x", &j) == JWT_MALFORMED, "two parts: malformed");

	t = mk("{\"alg\":\"RS256\"}", "{}", "s");
	{
		char five[1000];

		snprintf(five, sizeof(five), "%s.a.b", t);
		ok(parse(five, &j) == JWT_UNSUPPORTED, "five-part JWE refused as unsupported");
	}
	t = mk("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", "{}", "s");
	ok(parse(t, &j) == JWT_UNSUPPORTED, "unknown crit refused");
	t = mk("{\"alg\":\"RS256\",\"crit\":[]}", "{}", "s");
	ok(parse(t, &j) == JWT_UNSUPPORTED, "empty crit refused");
	t = mk("{\"alg\":\"RS256\",\"zip\":\"DEF\"}", "{}", "s");
	ok(parse(t, &j) == JWT_UNSUPPORTED, "zip refused");
	t = mk("{\"alg\":\"RS256\",\"b64\":false}", "{}", "s");
	ok(parse(t, &j) == JWT_UNSUPPORTED, "b64=false refused");
	t = mk("{\"kid\":\"x\"}", "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "missing alg refused");
	t = mk("{\"alg\":5}", "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "numeric alg refused");
	t = mk("{\"alg\":\"RS256\"}x", "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "trailing bytes after header JSON refused");
	t = mk("[\"alg\"]", "{}", "s");
	ok(parse(t, &j) == JWT_NOT_TOKEN, "array header does not even look like a token");
	t = mk("{\"alg\":\"RS256\",\"kid\":\"a\\u0000b\"}", "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "NUL inside kid refused");

	strcpy(deep, "{\"alg\":\"RS256\",\"x\":");
	for (i = 0; i < 5000; i++)
		strcat(deep, "[");
	for (i = 0; i < 5000; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	t = mk(deep, "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "header nested 5000 deep refused");

	strcpy(deep, "{\"alg\":\"RS256\",\"x\":");
	for (i = 0; i < 40; i++)
		strcat(deep, "[");
	for (i = 0; i < 40; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	t = mk(deep, "{}", "s");
	ok(parse(t, &j) == JWT_MALFORMED, "header nested 40 deep (under the size cap) refused");

	t = mk("{\"alg\":\"RS256\"}", "{}", "s");
	{
		char padded[1000];
		const char *dot = strchr(t, '.');

		snprintf(padded, sizeof(padded), "%.*s==%s", (int)(dot - t), t, dot);
		ok(parse(padded, &j) == JWT_MALFORMED, "padded header refused");
		snprintf(padded, sizeof(padded), "%s+", t);
		ok(parse(padded, &j) == JWT_MALFORMED, "non-url base64 in signature refused");
	}

	memset(token, 'A', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	memcpy(token, "eyJ.", 4);
	token[300] = '.';
	ok(parse(token, &j) == JWT_TOO_LONG, "token over %d bytes refused", JWT_MAX_TOKEN);

	t = mk("{\"alg\":\"RS256\"}", "[1,2]", "s");
	ok(parse(t, &j) == JWT_OK && jws_payload(&j, &payload, reason, sizeof(reason)) ==
	   JWT_BAD_PAYLOAD, "payload array refused");
	t = mk("{\"alg\":\"RS256\"}", "not json", "s");
	ok(parse(t, &j) == JWT_OK && jws_payload(&j, &payload, reason, sizeof(reason)) ==
	   JWT_BAD_PAYLOAD, "payload not JSON refused");

	ok(jwt_length_looks_cut(1023) && jwt_length_looks_cut(1024) && jwt_length_looks_cut(511) &&
	   !jwt_length_looks_cut(1022), "cut lengths are the client and PAM limits");
	return tap_done();
}
