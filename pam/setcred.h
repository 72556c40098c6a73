/* SPDX-License-Identifier: BSD-2-Clause */
/* Carrying a decision from pam_sm_authenticate to setcred and acct_mgmt. */
#ifndef PAM_JWT_SETCRED_H
#define PAM_JWT_SETCRED_H

#include <sys/types.h>
#include <time.h>
#include <security/pam_modules.h>

#include "conf.h"
#include "jwt.h"

#define SETCRED_MAX_AGE 300
#define SETCRED_ENV "PAM_JWT_GRANT"

/*
 * Record an accepted token's local groups for this PAM transaction: as pam
 * data in this handle, and only where authentication runs in a child
 * forked after pam_start that is gone by setcred (sshd's keyboard-
 * interactive path) also as a one-time grant: a record in the state store
 * (state_dir, tmpfs) keyed by the hash of a random nonce, with only the
 * nonce in the PAM environment.  The first setcred of the same user,
 * service and remote host takes the record; a nonce seen later (in the
 * session's environment, copied into ~/.pam_environment) names nothing.
 */
int setcred_record(pam_handle_t *pamh, const struct jwt_config *cfg,
                   const struct jwt_result *res, time_t now);

/* The mapped local groups of a token login of `user` in this transaction,
 * taking a one-time grant (from the store of the config at `config`);
 * NULL if this was not a token login.  Caller frees. */
char *setcred_take(pam_handle_t *pamh, const char *config, const char *user, time_t now);

/* Did pam_sm_authenticate of this very handle accept a token for user?
 * (pam data only: nothing from the environment counts). */
int setcred_token_login(pam_handle_t *pamh, const char *user);

/* The process that ran pam_start, as pam_jwt.so saw it (pam/shim.c). */
void setcred_started_in(pid_t pid);

/* Add the named local groups (space separated) as supplementary groups. */
int setcred_add_groups(pam_handle_t *pamh, const char *groups);

#endif
