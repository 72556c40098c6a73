/* A desktop code (lib/dcode.h) typed as the password. */
#ifndef PAM_JWT_DESKTOP_H
#define PAM_JWT_DESKTOP_H

#include <time.h>
#include <security/pam_modules.h>

#include "dcode.h"

/* Check `canon` for `user` against the code store of the config at
 * `config`: PAM_SUCCESS (groups recorded for setcred as for a token),
 * PAM_AUTH_ERR refused, PAM_IGNORE when no issuer enables desktop codes
 * (then it is somebody's password), PAM_SERVICE_ERR/PAM_SYSTEM_ERR when
 * the config or the store cannot be used.  Writes one audit line. */
int desktop_code_login(pam_handle_t *pamh, int flags, const char *config, int debug,
                       const char *user, const char canon[DCODE_SYMBOLS + 1], time_t now);

#endif
