/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Running the refresh helper from inside sshd's privileged process.
 *
 * The module itself never talks to the network.  When a token names a key
 * the cache does not hold (or there is no usable cache), it runs
 *     pam-jwt refresh --config CONFIG --issuer NAME --force --quiet
 * through pam/child.c (fixed root-owned path, empty environment, /dev/null
 * as stdin, other descriptors closed), killed after refresh_timeout seconds.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "refresh.h"
#include "safefile.h"

#define OUTPUT_MAX 400

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
static int run_helper(const char *path, char *const argv[], long timeout_s, char *out,
                      size_t outcap, const struct jwt_log *log)
{
	struct jwt_child c;
	size_t used = 0;
	int status;

	out[0] = '\0';
	if (child_start(&c, path, argv, 0, timeout_s * 1000, log) != 0)
		return -1;
	/* Collect its one-line message until it closes the pipe or time runs out. */
	for (;;) {
		char buf[256];
		ssize_t n = child_read(&c, buf, sizeof(buf));

		if (n <= 0)
			break;
		if (used + 1 < outcap) {
			size_t take = (size_t)n < outcap - 1 - used ? (size_t)n : outcap - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	status = child_finish(&c, 0);
	if (c.killed)
		jwt_logf(log, JWT_LOG_ERR, "refresh helper killed after refresh_timeout (%ld s)",
		         timeout_s);
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
	int stamp, waited, status;
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
	started = child_now_ms();
	status = run_helper(helper, argv, iss->refresh_timeout, out, sizeof(out), log);
	close(stamp);
	jwt_sanitize(clean, sizeof(clean), out, strcspn(out, "\n"));
	jwt_logf(log, status == 0 ? JWT_LOG_INFO : JWT_LOG_WARN,
	         "issuer %s: refresh helper %s in %lld ms%s%s", iss->name,
	         status == -1 ? "failed" : status == CHILD_REAPED_ELSEWHERE
	         ? "ran (the application reaped it)" : WIFEXITED(status) &&
	         WEXITSTATUS(status) == 0 ? "succeeded" : "reported an error",
	         child_now_ms() - started,
	         clean[0] ? ": " : "", clean);
	return status != -1;
}
