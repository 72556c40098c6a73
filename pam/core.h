/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one function pam_jwt_core.so exports, which pam_jwt.so (pam/shim.c)
 * calls.  Its name carries the interface version: a change to it is a new
 * name, so a shim and a core of different interfaces never meet.
 */
#ifndef PAM_JWT_CORE_H
#define PAM_JWT_CORE_H

#include <sys/types.h>
#include <security/pam_modules.h>

#define PAM_JWT_CORE_FILE "pam_jwt_core.so"
#define PAM_JWT_CORE_ENTRY "pam_jwt_core_entry_1"

enum {
	PAM_JWT_CORE_AUTHENTICATE = 1,
	PAM_JWT_CORE_SETCRED,
	PAM_JWT_CORE_ACCT_MGMT
};

/* which: PAM_JWT_CORE_*; started_in: the process that ran pam_start. */
typedef int (*pam_jwt_core_entry_fn)(int which, pid_t started_in, pam_handle_t *pamh, int flags,
                                     int argc, const char **argv);

int pam_jwt_core_entry_1(int which, pid_t started_in, pam_handle_t *pamh, int flags, int argc,
                         const char **argv);

#endif
