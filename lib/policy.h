/* Who the token is on this host: local user and local groups. */
#ifndef PAM_JWT_POLICY_H
#define PAM_JWT_POLICY_H

#include <json-c/json.h>

#include "conf.h"
#include "jwt.h"

#define JWT_USERNAME_MAX 32
#define USER_MAP_MAX (1024 * 1024)

/* A name safe to look up and compare as a local user or group name. */
int policy_valid_name(const char *s, size_t len);
/* The same for len bytes that need not be NUL-terminated. */
int policy_valid_name_n(const char *s, size_t len);

/* Look key up in user_map_file text (key NULL: only validate): 0 found
 * (the local user in out, cap bytes), 1 not found, -1 malformed (why). */
int user_map_scan(const char *text, size_t len, const char *key, char *out, size_t cap,
                  char *why, size_t whycap);

/* Check user_map_file text: 0, or -1 with "line N: ..." in err. */
int user_map_validate(const char *text, size_t len, char *err, size_t errcap);

/* Map the username claim to a local user, check it against pam_user (may be
 * NULL), existence, root; then the groups policy.  Fills res->user/groups. */
enum jwt_verdict policy_check(json_object *payload, const struct jwt_issuer *iss,
                              const char *pam_user, struct jwt_result *res);

#endif
