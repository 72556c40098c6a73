/* Carrying a decision from pam_sm_authenticate to setcred and acct_mgmt. */
#ifndef PAM_JWT_SETCRED_H
#define PAM_JWT_SETCRED_H

#include <time.h>
#include <security/pam_modules.h>

#include "jwt.h"

#define SETCRED_KEY_DIR "/run/pam_jwt"
#define SETCRED_KEY_FILE SETCRED_KEY_DIR "/setcred.key"
#define SETCRED_MAX_AGE 600

/* Record an accepted token: pam_set_data for the same process, and PAM
 * environment variables (with a MAC) for sshd's keyboard-interactive path,
 * where authentication ran in a child that is gone by setcred. */
int setcred_record(pam_handle_t *pamh, const struct jwt_result *res, time_t now);

/* The mapped local groups of a token login of `user`, from pam data or a
 * verified environment; NULL if this was not a token login.  Caller frees. */
char *setcred_lookup(pam_handle_t *pamh, const char *user, time_t now);

/* Add the named local groups (space separated) as supplementary groups. */
int setcred_add_groups(pam_handle_t *pamh, const char *groups);

#endif
