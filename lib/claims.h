/* SPDX-License-Identifier: BSD-2-Clause */
/* Registered and configured claims of a verified payload (RFC 7519 4.1). */
#ifndef PAM_JWT_CLAIMS_H
#define PAM_JWT_CLAIMS_H

#include <time.h>
#include <json-c/json.h>

#include "conf.h"
#include "jwt.h"

/* Check iss, typ, exp, nbf, iat, lifetime, aud and required_claim lines of
 * `iss` against payload at time `now`.  header_typ may be "". */
enum jwt_verdict claims_check(json_object *payload, const char *header_typ,
                              const struct jwt_issuer *iss, time_t now, struct jwt_result *res);

/* Does claim value v (string, or array of strings/numbers/bools) equal or
 * contain want?  Numbers and booleans compare by their JSON text. */
int claim_contains(json_object *v, const char *want);

#endif
