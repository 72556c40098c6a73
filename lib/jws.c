/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "json.h"
#include "jws.h"
#include "log.h"

#define JWS_PAYLOAD_DEPTH 16

/* Header parameters we understand; anything named in "crit" must be here
 * and must be one we act on.  We act on none (RFC 7515 4.1.11). */
static const char *const crit_understood[] = { NULL };

enum jwt_verdict jwt_token_shape(const char *token, size_t len)
{
	/* Every JSON header starts with '{"' which base64url-encodes as "eyJ". */
	if (len < 3 || memcmp(token, "eyJ", 3) != 0 || memchr(token, '.', len) == NULL)
		return JWT_NOT_TOKEN;
	if (len > JWT_MAX_TOKEN)
		return JWT_TOO_LONG;
	return JWT_OK;
}

int jwt_length_looks_cut(size_t len)
{
	/* OpenSSH client prompts keep 1023, sshd password auth 1024,
	 * PAM_MAX_RESP_SIZE 512 (pam_exec keeps 511). */
	return len == 1023 || len == 1024 || len == 511 || len == 512;
}

static int crit_ok(json_object *hdr, char *reason, size_t rcap)
{
	json_object *crit = NULL;
	size_t i, j, n;

	switch (jwt_json_get_array(hdr, "crit", 64, &crit)) {
	case JWT_JSON_ABSENT:
		return 1;
	case JWT_JSON_BAD:
		snprintf(reason, rcap, "header \"crit\" is not an array of at most 64 names");
		return 0;
	case JWT_JSON_OK:
		break;
	}
	if ((n = jwt_json_array_len(crit)) == 0) {
		snprintf(reason, rcap, "header \"crit\" is an empty array");
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = NULL;
		size_t len = 0;
		char safe[64];
		int known = 0;

		if (jwt_json_elem_str(crit, i, 256, &name, &len) != JWT_JSON_OK || len == 0) {
			snprintf(reason, rcap, "header \"crit\" holds something that is not a "
			         "parameter name");
			return 0;
		}
		for (j = 0; crit_understood[j] != NULL; j++)
			known |= strcmp(name, crit_understood[j]) == 0;
		if (!known) {
			jwt_sanitize(safe, sizeof(safe), name, len);
			snprintf(reason, rcap, "header marks \"%s\" critical; not understood", safe);
			return 0;
		}
	}
	return 1;
}

enum jwt_verdict jws_parse(const char *token, size_t len, struct jws *out,
                           char *reason, size_t rcap)
{
	const char *dot1, *dot2, *sig;
	size_t hlen, plen, slen, dots = 0, i, hdr_len = 0;
	unsigned char *hbuf = NULL;
	json_object *hdr = NULL;
	enum jwt_verdict v = JWT_MALFORMED;
	enum jwt_json_got g;

	memset(out, 0, sizeof(*out));
	if ((v = jwt_token_shape(token, len)) != JWT_OK) {
		snprintf(reason, rcap, v == JWT_TOO_LONG ? "token is longer than %d bytes"
		                                         : "not a JWT", JWT_MAX_TOKEN);
		return v;
	}
	v = JWT_MALFORMED;
	for (i = 0; i < len; i++)
		dots += token[i] == '.';
	if (dots == 4) {
		snprintf(reason, rcap, "token is an encrypted JWE; only signed JWS tokens are accepted");
		return JWT_UNSUPPORTED;
	}
	if (dots != 2) {
		snprintf(reason, rcap, "token has %zu parts, a JWS has 3", dots + 1);
		return JWT_MALFORMED;
	}
	dot1 = memchr(token, '.', len);
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	sig = dot2 + 1;
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - dot1 - 1);
	slen = len - (size_t)(sig - token);
	out->input = token;
	out->input_len = (size_t)(dot2 - token);
	out->payload_b64 = dot1 + 1;
	out->payload_b64_len = plen;

	if (hlen > B64URL_ENCODED_LEN(JWS_MAX_HEADER)) {
		snprintf(reason, rcap, "header is longer than %d bytes", JWS_MAX_HEADER);
		goto out;
	}
	if ((hbuf = malloc(JWS_MAX_HEADER)) == NULL) {
		snprintf(reason, rcap, "out of memory");
		v = JWT_INTERNAL;
		goto out;
	}
	if (b64url_decode(token, hlen, hbuf, JWS_MAX_HEADER, &hdr_len) != 0) {
		snprintf(reason, rcap, "header is not strict base64url");
		goto out;
	}
	if ((hdr = jwt_json_parse((const char *)hbuf, hdr_len, JWS_HEADER_DEPTH)) == NULL ||
	    !jwt_json_is_object(hdr)) {
		snprintf(reason, rcap, "header is not a JSON object (or nests too deep)");
		goto out;
	}
	if (jwt_json_copy_str(hdr, "alg", out->alg, sizeof(out->alg)) != JWT_JSON_OK) {
		snprintf(reason, rcap, "header has no valid \"alg\"");
		goto out;
	}
	g = jwt_json_copy_str(hdr, "kid", out->kid, sizeof(out->kid));
	out->has_kid = g != JWT_JSON_ABSENT;
	if (g == JWT_JSON_BAD) {
		snprintf(reason, rcap, "header \"kid\" is not a string under %zu bytes",
		         sizeof(out->kid));
		goto out;
	}
	if (jwt_json_copy_str(hdr, "typ", out->typ, sizeof(out->typ)) == JWT_JSON_BAD) {
		snprintf(reason, rcap, "header \"typ\" is not a short string");
		goto out;
	}
	if (!crit_ok(hdr, reason, rcap)) {
		v = JWT_UNSUPPORTED;
		goto out;
	}
	if (jwt_json_has(hdr, "zip")) {
		snprintf(reason, rcap, "compressed (\"zip\") tokens are not accepted");
		v = JWT_UNSUPPORTED;
		goto out;
	}
	if (jwt_json_has(hdr, "b64")) {
		snprintf(reason, rcap, "unencoded payloads (\"b64\") are not accepted");
		v = JWT_UNSUPPORTED;
		goto out;
	}
	/* jku, x5u, jwk, x5c are ignored on purpose: keys come only from config. */
	if (slen > B64URL_ENCODED_LEN(JWS_MAX_SIG) ||
	    b64url_decode(sig, slen, out->sig, sizeof(out->sig), &out->sig_len) != 0) {
		snprintf(reason, rcap, "signature is not strict base64url");
		goto out;
	}
	if (plen == 0) {
		snprintf(reason, rcap, "payload is empty");
		goto out;
	}
	v = JWT_OK;
out:
	json_object_put(hdr);
	free(hbuf);
	return v;
}

enum jwt_verdict jws_payload(const struct jws *jws, json_object **out, char *reason, size_t rcap)
{
	size_t cap = B64URL_DECODED_MAX(jws->payload_b64_len), n = 0;
	unsigned char *buf = malloc(cap ? cap : 1);
	enum jwt_verdict v = JWT_BAD_PAYLOAD;

	*out = NULL;
	if (buf == NULL) {
		snprintf(reason, rcap, "out of memory");
		return JWT_INTERNAL;
	}
	if (b64url_decode(jws->payload_b64, jws->payload_b64_len, buf, cap, &n) != 0) {
		snprintf(reason, rcap, "payload is not strict base64url");
		goto out;
	}
	*out = jwt_json_parse((const char *)buf, n, JWS_PAYLOAD_DEPTH);
	if (!jwt_json_is_object(*out)) {
		snprintf(reason, rcap, "payload is not a JSON object (or nests too deep)");
		json_object_put(*out);
		*out = NULL;
		goto out;
	}
	v = JWT_OK;
out:
	free(buf);
	return v;
}
