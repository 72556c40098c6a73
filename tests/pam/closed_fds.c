/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A PAM application with descriptors 0, 1 and 2 closed and its own SIGCHLD
 * handler, as daemons run: the module must still run its helper (the
 * refresh hook, the device flow), and leave the handler alone.
 *
 *   closed_fds CONFDIR SERVICE USER TOKENFILE RESULTFILE [reap]
 *
 * Installs a SIGCHLD handler (without SA_RESTART, so the module's waits see
 * EINTR), closes 0-2, runs pam_authenticate with the token as the answer,
 * then writes to RESULTFILE:
 *     auth=PAM_CODE sigchld=N handler_kept=0|1
 * N is how many SIGCHLDs reached the handler: the helper's exit must (the
 * disposition was not changed while it ran).  With "reap" the handler
 * reaps every child, as xrdp-sesman's does: the module loses the helper's
 * exit status but must still use what it fetched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "conv.h"

static volatile sig_atomic_t chld_seen, reap;

static void on_chld(int sig)
{
	int saved = errno;

	(void)sig;
	chld_seen++; /* counts; with "reap", takes every child */
	while (reap && waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(int argc, char **argv)
{
	struct test_conv answers = { .answer = NULL };
	struct pam_conv c = { test_conv, &answers };
	struct sigaction sa, now;
	pam_handle_t *pamh = NULL;
	char buf[65536];
	size_t len;
	FILE *f;
	int rc, fd;

	if (argc != 6 && !(argc == 7 && strcmp(argv[6], "reap") == 0))
		return 2;
	reap = argc == 7;
	if ((f = fopen(argv[4], "r")) == NULL)
		return 2;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	answers.answer = buf;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the module's read, poll and waitpid see EINTR */
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		return 2;
	close(0);
	close(1);
	close(2);

	if (pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh) != PAM_SUCCESS)
		return 3;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);

	memset(&now, 0, sizeof(now));
	sigaction(SIGCHLD, NULL, &now);
	if ((fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return 4;
	dprintf(fd, "auth=%s sigchld=%d handler_kept=%d\n",
	        rc == PAM_SUCCESS ? "PAM_SUCCESS" : rc == PAM_AUTHINFO_UNAVAIL ? "PAM_AUTHINFO_UNAVAIL"
	        : rc == PAM_AUTH_ERR ? "PAM_AUTH_ERR" : "PAM_OTHER", (int)chld_seen,
	        now.sa_handler == on_chld && !(now.sa_flags & SA_RESTART));
	close(fd);
	return 0;
}
