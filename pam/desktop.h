/* A desktop code (lib/dcode.h) typed as the password. */
#ifndef PAM_JWT_DESKTOP_H
#define PAM_JWT_DESKTOP_H

#include <time.h>
#include <security/pam_modules.h>

#include "dcode.h"
#include "jwt.h"

/* Check `canon` for `user` against the code store of the config at
 * `config`, and judge the claims of a live code's token again by the
 * configuration of now: PAM_SUCCESS (groups recorded for setcred as for a
 * token), PAM_AUTH_ERR (a used, expired or revoked code, or a token the
 * configuration now refuses), PAM_IGNORE when the input is no live code of
 * the user (then it is somebody's password: the same for every user, with
 * no message), PAM_SYSTEM_ERR when the store cannot be used.  Writes one
 * audit line. */
int desktop_code_login(pam_handle_t *pamh, int flags, const char *config, int debug,
                       const char *user, const char canon[DCODE_SYMBOLS + 1], time_t now);

/* The PAM answer for a core verdict (pam_jwt.c). */
int pam_jwt_code(enum jwt_verdict v);

#endif
