/* SPDX-License-Identifier: BSD-2-Clause */
/* JWS compact serialization (RFC 7515 section 7.1): split and header. */
#ifndef PAM_JWT_JWS_H
#define PAM_JWT_JWS_H

#include <stddef.h>
#include <json-c/json.h>

#include "jwt.h"

#define JWS_MAX_HEADER 4096     /* decoded protected header bytes */
#define JWS_HEADER_DEPTH 8
#define JWS_MAX_SIG 1024        /* RSA-8192 */

struct jws {
	const char *input;          /* signing input: header "." payload */
	size_t input_len;
	const char *payload_b64;
	size_t payload_b64_len;
	char alg[16];
	char kid[128];
	int has_kid;
	char typ[64];
	unsigned char sig[JWS_MAX_SIG];
	size_t sig_len;
};

/* Split and check the token, parse the protected header.  Nothing in the
 * payload is looked at.  Fills reason on failure. */
enum jwt_verdict jws_parse(const char *token, size_t len, struct jws *out,
                           char *reason, size_t rcap);

/* Decode and parse the (already verified) payload as a JSON object. */
enum jwt_verdict jws_payload(const struct jws *jws, json_object **out, char *reason, size_t rcap);

#endif
