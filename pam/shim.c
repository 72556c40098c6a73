/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_jwt.so, the file libpam loads: the PAM entry points, forwarded to
 * pam_jwt_core.so in the same directory.
 *
 * libpam dlopens a module at every pam_start and dlcloses it at pam_end.
 * Mapping and relocating the whole module (its verifier, json-c, LMDB)
 * each time cost more than the verification itself, in every process
 * that runs more than one transaction (xrdp-sesman, screen lockers,
 * sshd's monitor on a retry).  So this file is small and loads anew with
 * every pam_start, as libpam wants, while the core stays loaded once
 * loaded (-z nodelete; `make bench`, table 0).
 *
 * What only this file can know is the process that ran pam_start: its
 * constructor runs there.  The core needs it to tell a real hand-off
 * between processes (sshd's keyboard-interactive child, forked after
 * pam_start) from a login that stays in one process (pam/setcred.c).
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "core.h"

static pid_t started_in;
static pam_jwt_core_entry_fn entry;

__attribute__((constructor)) static void note_start(void)
{
	started_in = getpid();
}

/* The core beside this file: both come from one build and one package,
 * from a directory only root can write (libpam's module directory), so
 * the core is exactly as trusted as this file.  A core of another
 * interface (half an upgrade) has no entry of this name: refused. */
static pam_jwt_core_entry_fn core(pam_handle_t *pamh)
{
	char path[PATH_MAX];
	const char *slash;
	Dl_info di;
	void *h;
	int n;

	if (entry != NULL)
		return entry;
	if (dladdr((const void *)note_start, &di) == 0 || di.dli_fname == NULL ||
	    (slash = strrchr(di.dli_fname, '/')) == NULL) {
		pam_syslog(pamh, LOG_CRIT, "cannot tell where pam_jwt.so was loaded from");
		return NULL;
	}
	n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - di.dli_fname), di.dli_fname,
	             PAM_JWT_CORE_FILE);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		pam_syslog(pamh, LOG_CRIT, "module path too long");
		return NULL;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
		const char *e = dlerror();

		pam_syslog(pamh, LOG_CRIT, "cannot load %s: %s", path, e != NULL ? e : "?");
		return NULL;
	}
	*(void **)&entry = dlsym(h, PAM_JWT_CORE_ENTRY);
	if (entry == NULL)
		pam_syslog(pamh, LOG_CRIT, "%s is not the core of this pam_jwt.so (no %s)", path,
		           PAM_JWT_CORE_ENTRY);
	return entry;
}

static int call(int which, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	pam_jwt_core_entry_fn fn = core(pamh);

	return fn != NULL ? fn(which, started_in, pamh, flags, argc, argv) : PAM_SERVICE_ERR;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return call(PAM_JWT_CORE_AUTHENTICATE, pamh, flags, argc, argv);
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return call(PAM_JWT_CORE_SETCRED, pamh, flags, argc, argv);
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return call(PAM_JWT_CORE_ACCT_MGMT, pamh, flags, argc, argv);
}
