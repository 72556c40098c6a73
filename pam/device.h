/* The device authorization grant (RFC 8628) from the module's side: run
 * `pam-jwt device` through pam/child.c, show what it sends, return the
 * token it got (to be verified by jwt_verify like a pasted one). */
#ifndef PAM_JWT_PAM_DEVICE_H
#define PAM_JWT_PAM_DEVICE_H

#include <security/pam_modules.h>

#include "conf.h"
#include "log.h"

#define DEVICE_FIRST_PROMPT "Token (or press Enter to sign in with a browser): "
#define DEVICE_WAIT_PROMPT "Press Enter once you have signed in, or type a token: "

/* The first issuer with device_flow = yes, or NULL. */
const struct jwt_issuer *device_issuer(const struct jwt_config *cfg);

/*
 * Run the flow for `iss`.  PAM_SUCCESS with *answer set (malloc'd, to be
 * wiped): the provider's token (*typed = 0) or what the user typed at the
 * second prompt instead (*typed = 1: a token or a password).  Otherwise a
 * PAM code (PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL when the provider cannot be
 * reached, PAM_CONV_ERR when the conversation ended) after telling the user.
 */
int device_login(pam_handle_t *pamh, int flags, const struct jwt_config *cfg,
                 const struct jwt_issuer *iss, const struct jwt_log *log, char **answer,
                 int *typed);

#endif
