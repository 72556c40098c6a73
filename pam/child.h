/* Running pam-jwt as a child of the PAM application (sshd's privileged
 * process): one unit for the refresh hook and the device flow. */
#ifndef PAM_JWT_PAM_CHILD_H
#define PAM_JWT_PAM_CHILD_H

#include <signal.h>
#include <sys/types.h>

#include "log.h"

#define CHILD_STDIN_PIPE 1   /* give it a pipe as stdin (else /dev/null) */
#define CHILD_STDERR_NULL 2  /* stderr to /dev/null (else merged into stdout) */

/* child_finish: the helper ran but the application reaped it before we
 * could (its SIGCHLD set to SIG_IGN, or a handler that waits for any
 * child), so its exit status is unknown.  Not a wait status that
 * WIFEXITED accepts. */
#define CHILD_REAPED_ELSEWHERE (-2)

struct jwt_child {
	pid_t pid;
	int in;                  /* our end of its stdin, or -1 */
	int out;                 /* our end of its stdout */
	long long deadline;      /* monotonic ms after which it is killed */
	int killed;
};

long long child_now_ms(void);

/*
 * Start the helper at `path` (root-owned, not writable by others; opened,
 * checked, then executed through that descriptor) with argv, an environment
 * of PATH only, default signals, no other descriptors, and SIGKILL should
 * this process die.  It is killed timeout_ms from now.  0, or -1 (logged).
 */
int child_start(struct jwt_child *c, const char *path, char *const argv[], int flags,
                long timeout_ms, const struct jwt_log *log);

/* Read what is there (waiting at most until the deadline).  Returns bytes
 * read, 0 at end of file, -1 when the deadline passed or on error. */
ssize_t child_read(struct jwt_child *c, char *buf, size_t cap);

/* Close our ends (the helper sees end of file on stdin), kill it now when
 * `now` is set or when it outlives its deadline, and reap it.  Returns its
 * wait status, -1 when it had to be killed or could not be reaped, or
 * CHILD_REAPED_ELSEWHERE.  Never changes a signal disposition: correct
 * with any of descriptors 0-2 closed and with any SIGCHLD handler. */
int child_finish(struct jwt_child *c, int now);

#endif
