/* The device authorization grant (RFC 8628) from the module's side: run
 * `pam-jwt device` through pam/child.c, show what it sends, return the
 * token it got (to be verified by jwt_verify like a pasted one). */
#ifndef PAM_JWT_PAM_DEVICE_H
#define PAM_JWT_PAM_DEVICE_H

#include <security/pam_modules.h>

#include "conf.h"
#include "log.h"

#define DEVICE_FIRST_PROMPT "Token (or press Enter to sign in with a browser): "
#define DEVICE_FIRST_PROMPT_PASSWORD \
	"Password or token (or press Enter to sign in with a browser): "
#define DEVICE_WAIT_PROMPT "Press Enter once you have signed in, or type a token: "

/*
 * The issuer whose device flow this login may start, or NULL: the first
 * with device_flow = yes whose device_services name PAM_SERVICE (default
 * sshd) and whose device_from, if set, holds PAM_RHOST as a numeric
 * address.  Never when nodevice is set, PAM is silent, the module is not
 * root, or user has no local account (nor for uid 0 unless the issuer has
 * allow_root): nothing is offered that could not start.
 */
const struct jwt_issuer *device_offered(pam_handle_t *pamh, int flags,
                                        const struct jwt_config *cfg, const char *user,
                                        int nodevice);

/*
 * Run the flow for `iss`.  PAM_SUCCESS with *answer set (malloc'd, to be
 * wiped): the provider's token (*typed = 0) or what the user typed at the
 * second prompt instead (*typed = 1: a token or a password).  Otherwise a
 * PAM code (PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL when the provider cannot be
 * reached or device_max_flows flows are running, PAM_CONV_ERR when the
 * conversation ended) after telling the user.
 */
int device_login(pam_handle_t *pamh, int flags, const struct jwt_config *cfg,
                 const struct jwt_issuer *iss, const struct jwt_log *log, char **answer,
                 int *typed);

#endif
