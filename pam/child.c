/*
 * The one way the module runs pam-jwt: from a fixed, root-owned path
 * (opened once, checked, then executed through that descriptor, so the
 * checked file is the one that runs), with an environment of PATH only,
 * default signal handling and mask, stdin /dev/null or a pipe, stdout a
 * pipe, every other descriptor closed, PR_SET_PDEATHSIG so it cannot
 * outlive us, and a hard deadline after which it is killed.  The
 * application's own state stays as it was: any of its descriptors 0-2 may
 * be closed, and its signal dispositions are never changed (we wait for
 * our child's pid, retrying on EINTR).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "safefile.h"

#define HELPER_MAX_BYTES (64L * 1024 * 1024)

long long child_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The helper binary: root-owned, not writable by others, executable. */
static int open_helper(const char *path, const struct jwt_log *log)
{
	char why[256];
	struct stat st;
	int fd = open_trusted(path, HELPER_MAX_BYTES, 0, why, sizeof(why));

	if (fd < 0) {
		jwt_logf(log, JWT_LOG_ERR, "helper %s refused: %s", path, why);
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || !(st.st_mode & S_IXUSR)) {
		jwt_logf(log, JWT_LOG_ERR, "helper %s refused: not a root-owned executable", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* fd itself when it is above 2, else a close-on-exec copy at 3 or above
 * (the original closed); -1 on failure (fd closed).  The application may
 * have 0-2 closed, and then our files land there: the child's dup2 onto
 * 0-2 must not overwrite one source with another. */
static int fd_above_stdio(int fd)
{
	int high, saved;

	if (fd < 0 || fd > 2)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	saved = errno;
	close(fd);
	errno = saved;
	return high;
}

/* In the child, before exec: only async-signal-safe calls.  Every
 * descriptor it is given is above 2 (fd_above_stdio). */
static void exec_child(int exe, char *const argv[], int flags, int in_fd, int out_fd,
                       int devnull, pid_t parent)
{
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *const envp[] = { path_env, NULL };
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		_exit(126);
	/* If the login process dies (client gone, sshd's grace timer), so do we. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(126);
	if (dup2(in_fd >= 0 ? in_fd : devnull, 0) != 0 || dup2(out_fd, 1) != 1 ||
	    dup2((flags & CHILD_STDERR_NULL) ? devnull : out_fd, 2) != 2)
		_exit(126);
	/* The executable's descriptor to 3 (whatever was there is copied
	 * already), close-on-exec, and everything above closed. */
	if (exe != 3 && dup2(exe, 3) != 3)
		_exit(126);
	if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0)
		_exit(126);
	if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
		long fd, max = sysconf(_SC_OPEN_MAX);

		for (fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
	}
	syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static void close_pair(int p[2])
{
	int i;

	for (i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

/* pipe2(O_CLOEXEC) with both ends above 2. */
static int pipe_above_stdio(int p[2])
{
	if (pipe2(p, O_CLOEXEC) != 0) {
		p[0] = p[1] = -1;
		return -1;
	}
	p[0] = fd_above_stdio(p[0]);
	p[1] = fd_above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		close_pair(p);
		return -1;
	}
	return 0;
}

int child_start(struct jwt_child *c, const char *path, char *const argv[], int flags,
                long timeout_ms, const struct jwt_log *log)
{
	int outp[2] = { -1, -1 }, inp[2] = { -1, -1 }, exe, devnull = -1;
	pid_t parent = getpid();

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->in = c->out = -1;
	if ((exe = fd_above_stdio(open_helper(path, log))) < 0)
		return -1;
	if ((devnull = fd_above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC))) < 0 ||
	    pipe_above_stdio(outp) != 0 ||
	    ((flags & CHILD_STDIN_PIPE) && pipe_above_stdio(inp) != 0)) {
		jwt_logf(log, JWT_LOG_ERR, "helper: descriptors: %s", strerror(errno));
		goto fail;
	}
	/* No change to SIGCHLD: the process is the application's, perhaps
	 * threaded.  We wait for this pid only (child_finish). */
	c->deadline = child_now_ms() + timeout_ms;
	c->pid = fork();
	if (c->pid == 0)
		exec_child(exe, argv, flags, inp[0], outp[1], devnull, parent);
	if (c->pid < 0) {
		jwt_logf(log, JWT_LOG_ERR, "helper: fork: %s", strerror(errno));
		goto fail;
	}
	close(exe);
	close(devnull);
	close(outp[1]);
	c->out = outp[0];
	if (inp[0] >= 0) {
		close(inp[0]);
		c->in = inp[1];
	}
	return 0;
fail:
	close(exe);
	if (devnull >= 0)
		close(devnull);
	close_pair(outp);
	close_pair(inp);
	c->pid = -1;
	return -1;
}

ssize_t child_read(struct jwt_child *c, char *buf, size_t cap)
{
	for (;;) {
		struct pollfd p = { .fd = c->out, .events = POLLIN };
		long long left = c->deadline - child_now_ms();
		ssize_t n;

		if (c->out < 0 || left <= 0)
			return -1;
		if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p.revents == 0)
			continue;
		n = read(c->out, buf, cap);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n;
	}
}

int child_finish(struct jwt_child *c, int now)
{
	int status = -1;
	pid_t w = -1;

	if (c->in >= 0)
		close(c->in);
	if (c->out >= 0)
		close(c->out);
	c->in = c->out = -1;
	if (c->pid <= 0)
		return -1;
	if (now || child_now_ms() >= c->deadline) {
		kill(c->pid, SIGKILL);
		c->killed = 1;
	}
	for (;;) {
		w = waitpid(c->pid, &status, c->killed ? 0 : WNOHANG);
		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && child_now_ms() >= c->deadline) {
			kill(c->pid, SIGKILL);
			c->killed = 1;
		} else if (w == 0) {
			poll(NULL, 0, 10);
		}
	}
	c->pid = -1;
	if (c->killed)
		return -1;
	/* ECHILD: the application reaped it first (SIGCHLD ignored, or a
	 * handler that waits for every child); it ran, its status is lost. */
	if (w < 0)
		return errno == ECHILD ? CHILD_REAPED_ELSEWHERE : -1;
	return status;
}
