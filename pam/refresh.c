/*
 * Running the refresh helper from inside sshd's privileged process.
 *
 * The module itself never talks to the network.  When a token names a key
 * the cache does not hold (or there is no usable cache), it runs
 *     pam-jwt refresh --config CONFIG --issuer NAME --force --quiet
 * from a fixed, root-owned path (opened once, checked, then executed through
 * that descriptor), with an empty environment, /dev/null as stdin, every
 * other descriptor closed, default signal handling, and a hard deadline of
 * refresh_timeout seconds after which it is killed.
 *
 * Cooldown: cache_dir/NAME.stamp holds the time of the last run.  Whoever
 * runs the helper holds an exclusive flock on it for the whole run, so
 * concurrent logins wait for that one run and then read its result instead
 * of starting their own; within refresh_cooldown of the last run nobody runs
 * it again.  A flood of tokens with made-up kids costs the provider at most
 * one request per issuer per cooldown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "refresh.h"
#include "safefile.h"

#define HELPER_MAX_BYTES (64L * 1024 * 1024)
#define OUTPUT_MAX 400

static long long now_ms(void)
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
		jwt_logf(log, JWT_LOG_ERR, "refresh helper %s refused: %s", path, why);
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || !(st.st_mode & S_IXUSR)) {
		jwt_logf(log, JWT_LOG_ERR, "refresh helper %s refused: not a root-owned executable",
		         path);
		close(fd);
		return -1;
	}
	return fd;
}

/* The stamp, locked: the cache dir is made if missing and must be root's.
 * Returns the locked descriptor, -1 (cannot use it) or -2 (still locked). */
static int lock_stamp(const struct jwt_config *cfg, const struct jwt_issuer *iss, int *waited,
                      const struct jwt_log *log)
{
	char path[4096], why[256];
	int fd;

	if (jwt_cache_path(cfg, iss, ".stamp", path, sizeof(path)) != 0)
		return -1;
	if (mkdir(cfg->cache_dir, 0755) != 0 && errno != EEXIST) {
		jwt_logf(log, JWT_LOG_ERR, "cannot create %s: %s", cfg->cache_dir, strerror(errno));
		return -1;
	}
	if (dir_trusted(cfg->cache_dir, why, sizeof(why)) != 0) {
		jwt_logf(log, JWT_LOG_ERR, "cache_dir refused: %s", why);
		return -1;
	}
	fd = lock_file(path, (iss->refresh_timeout + 2) * 1000L, waited, why, sizeof(why));
	if (fd == -1)
		jwt_logf(log, JWT_LOG_ERR, "%s", why);
	return fd;
}

static long long stamp_read(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

static void stamp_write(int fd, time_t t)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld\n", (long long)t);

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return; /* the lock still serialises runs; only the cooldown is lost */
}

/* Run the helper; returns its wait status, or -1 (could not run / killed). */
static int run_helper(int exe, char *const argv[], long timeout_s, char *out, size_t outcap,
                      const struct jwt_log *log)
{
	struct sigaction dfl, old;
	long long deadline = now_ms() + timeout_s * 1000;
	size_t used = 0;
	int pipefd[2], status = -1, killed = 0;
	pid_t pid, w;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	/* Like pam_unix with unix_chkpwd: the application's SIGCHLD handler
	 * must not reap our child before we do. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &dfl, &old);
	pid = fork();
	if (pid == 0) {
		static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
		char *const envp[] = { path_env, NULL };
		struct sigaction sa;
		sigset_t none;
		int sig, devnull;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			(void)sigaction(sig, &sa, NULL);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		if ((devnull = open("/dev/null", O_RDONLY)) < 0 || dup2(devnull, 0) != 0 ||
		    dup2(pipefd[1], 1) != 1 || dup2(pipefd[1], 2) != 2)
			_exit(126);
		/* Move the executable's descriptor to 3 and close everything above. */
		if (exe != 3 && dup2(exe, 3) != 3)
			_exit(126);
		if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
			long fd, max = sysconf(_SC_OPEN_MAX);

			for (fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
				close((int)fd);
		}
		(void)fcntl(3, F_SETFD, FD_CLOEXEC);
		syscall(SYS_execveat, 3, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		jwt_logf(log, JWT_LOG_ERR, "refresh helper: fork: %s", strerror(errno));
		close(pipefd[0]);
		sigaction(SIGCHLD, &old, NULL);
		return -1;
	}
	/* Collect its one-line message until it closes the pipe or time runs out. */
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char buf[256];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (p.revents == 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < outcap) {
			size_t take = (size_t)n < outcap - 1 - used ? (size_t)n : outcap - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	close(pipefd[0]);
	/* The pipe closed: the helper is exiting (or killed); reap it, bounded. */
	for (;;) {
		w = waitpid(pid, &status, killed ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
		} else if (w == 0) {
			poll(NULL, 0, 10);
		}
	}
	sigaction(SIGCHLD, &old, NULL);
	if (w != pid)
		status = -1;
	if (killed) {
		jwt_logf(log, JWT_LOG_ERR, "refresh helper killed after refresh_timeout (%ld s)",
		         timeout_s);
		return -1;
	}
	return status;
}

int pam_jwt_refresh(void *ctx, const struct jwt_config *cfg, const struct jwt_issuer *iss,
                    const struct jwt_log *log)
{
	const char *helper = cfg->refresh_helper != NULL ? cfg->refresh_helper
	                                                 : JWT_HELPER_PATH;
	char out[OUTPUT_MAX], clean[OUTPUT_MAX], name[sizeof(iss->name)];
	char a0[] = "pam-jwt", a1[] = "refresh", a2[] = "--config", a4[] = "--issuer",
	     a6[] = "--force", a7[] = "--quiet";
	char *argv[] = { a0, a1, a2, cfg->path, a4, name, a6, a7, NULL };
	long long started;
	time_t now;
	int stamp, exe, waited, status;
	long long last;

	(void)ctx;
	if (geteuid() != 0) {
		/* A screen locker runs PAM as the user: read the cache, nothing more. */
		jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: not root, not running the refresh helper",
		         iss->name);
		return 0;
	}
	if (cfg->path == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s", iss->name);
	if ((stamp = lock_stamp(cfg, iss, &waited, log)) == -2) {
		jwt_logf(log, JWT_LOG_WARN, "issuer %s: another refresh is still running",
		         iss->name);
		return 1;
	}
	if (stamp < 0)
		return 0;
	now = time(NULL);
	last = stamp_read(stamp);
	if (last > 0 && last <= (long long)now && (long long)now - last < iss->refresh_cooldown) {
		/* Someone refreshed moments ago (perhaps while we waited): use it. */
		jwt_logf(log, JWT_LOG_DEBUG, "issuer %s: refresh ran %lld s ago, within "
		         "refresh_cooldown (%ld s); not running it again", iss->name,
		         (long long)now - last, iss->refresh_cooldown);
		close(stamp);
		return waited;
	}
	stamp_write(stamp, now);
	if ((exe = open_helper(helper, log)) < 0) {
		close(stamp);
		return 0;
	}
	started = now_ms();
	status = run_helper(exe, argv, iss->refresh_timeout, out, sizeof(out), log);
	close(exe);
	close(stamp);
	jwt_sanitize(clean, sizeof(clean), out, strcspn(out, "\n"));
	jwt_logf(log, status == 0 ? JWT_LOG_INFO : JWT_LOG_WARN,
	         "issuer %s: refresh helper %s in %lld ms%s%s", iss->name,
	         status == -1 ? "failed" : WIFEXITED(status) && WEXITSTATUS(status) == 0
	         ? "succeeded" : "reported an error", now_ms() - started,
	         clean[0] ? ": " : "", clean);
	return status != -1;
}
