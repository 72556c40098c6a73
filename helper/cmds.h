/* SPDX-License-Identifier: BSD-2-Clause */
/* pam-jwt subcommands.  Each returns the process exit code:
 * 0 success/accepted, 1 rejected/failed, 2 usage or configuration error. */
#ifndef PAM_JWT_CMDS_H
#define PAM_JWT_CMDS_H

#define EXIT_REJECTED 1
#define EXIT_USAGE 2

int cmd_check(int argc, char **argv);
int cmd_askpass(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_desktop_code(int argc, char **argv);
int cmd_device(int argc, char **argv);

/* Shared by subcommands: the option parser's "--config PATH" handling. */
extern const char *progname;

#endif
