/* Who the token is on this host: local user and local groups. */
#ifndef PAM_JWT_POLICY_H
#define PAM_JWT_POLICY_H

#include <json-c/json.h>

#include "conf.h"
#include "jwt.h"

#define JWT_USERNAME_MAX 32

/* A name safe to look up and compare as a local user or group name. */
int policy_valid_name(const char *s, size_t len);

/* Map the username claim to a local user, check it against pam_user (may be
 * NULL), existence, root; then the groups policy.  Fills res->user/groups. */
enum jwt_verdict policy_check(json_object *payload, const struct jwt_issuer *iss,
                              const char *pam_user, struct jwt_result *res);

#endif
