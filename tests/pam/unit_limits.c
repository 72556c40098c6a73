/*
 * What systemd does with one accepted connection of an Accept=yes socket,
 * for tests/pam/mint_dos.sh (PID 1 is no systemd there): run per
 * connection by systemd-socket-activate --accept --inetd.
 *
 *   unit_limits STATEDIR MAXCONN TRIGGER_US TRIGGER_BURST RUNTIME_US STOP_US CMD...
 *
 * - the trigger limit: this activation is counted first; more than
 *   TRIGGER_BURST within TRIGGER_US puts the socket into the failed state
 *   for good (STATEDIR/failed; every later connection is closed unserved).
 *   Either 0: no limit.
 * - MaxConnections=: MAXCONN instances at once (a slot is a flock on
 *   STATEDIR/slot.N held while the instance runs); with none free the
 *   connection is dropped (a line in STATEDIR/dropped).
 * - RuntimeMaxSec= (0: none): SIGTERM after RUNTIME_US, then SIGKILL after
 *   TimeoutStopSec= (STOP_US).
 *
 * One small process per connection, so the emulation itself costs next to
 * nothing beside the service it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void note(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) >= 0) {
		(void)!write(fd, "x\n", 2);
		close(fd);
	}
}

/* 1 when this activation is one too many within the interval. */
static int over_trigger_limit(const char *dir, int64_t interval, long burst)
{
	char path[4096];
	int64_t *t = calloc((size_t)burst + 1, sizeof(*t)), now = now_us();
	long n = 0, kept = 0, i;
	ssize_t r;
	int fd, over;

	snprintf(path, sizeof(path), "%s/trigger", dir);
	if (t == NULL || (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    flock(fd, LOCK_EX) != 0) {
		perror("unit_limits: trigger state");
		exit(1);
	}
	r = read(fd, t, ((size_t)burst + 1) * sizeof(*t));
	n = r > 0 ? (long)(r / (ssize_t)sizeof(*t)) : 0;
	for (i = 0; i < n; i++)
		if (now - t[i] < interval)
			t[kept++] = t[i];
	if (kept > burst) /* cannot be: the socket failed at burst + 1 */
		kept = burst;
	t[kept++] = now;
	over = kept > burst;
	if (pwrite(fd, t, (size_t)kept * sizeof(*t), 0) < 0 ||
	    ftruncate(fd, (off_t)((size_t)kept * sizeof(*t))) != 0)
		perror("unit_limits: trigger state");
	close(fd);
	free(t);
	return over;
}

static int take_slot(const char *dir, long max)
{
	char path[4096];
	long i;
	int fd;

	for (i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "%s/slot.%ld", dir, i);
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* Wait for the child at most us microseconds (0: forever); 1 if it ended. */
static int wait_for(pid_t pid, int64_t us)
{
	int64_t end = now_us() + us;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		int64_t left = end - now_us();
		struct timespec ts = { (time_t)(left / 1000000), (long)(left % 1000000) * 1000 };
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return 1;
		if (us > 0 && left <= 0)
			return 0;
		if (us > 0)
			(void)sigtimedwait(&chld, NULL, &ts);
		else
			(void)sigwaitinfo(&chld, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *dir;
	long maxconn, burst;
	int64_t interval, runtime, stop;
	char failed[4096];
	sigset_t chld;
	pid_t pid;
	int slot, null;

	if (argc < 8) {
		fprintf(stderr, "usage: unit_limits STATEDIR MAXCONN TRIGGER_US TRIGGER_BURST "
		        "RUNTIME_US STOP_US CMD...\n");
		return 2;
	}
	dir = argv[1];
	maxconn = atol(argv[2]);
	interval = atoll(argv[3]);
	burst = atol(argv[4]);
	runtime = atoll(argv[5]);
	stop = atoll(argv[6]);
	snprintf(failed, sizeof(failed), "%s/failed", dir);
	if (interval > 0 && burst > 0 && over_trigger_limit(dir, interval, burst))
		note(dir, "failed");
	if (access(failed, F_OK) == 0)
		return 0;
	if ((slot = take_slot(dir, maxconn)) < 0) {
		note(dir, "dropped");
		return 0;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if ((pid = fork()) < 0) {
		perror("unit_limits: fork");
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		execvp(argv[7], argv + 7);
		perror(argv[7]);
		_exit(127);
	}
	/* The connection is the instance's alone: it closes when the instance ends. */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (!wait_for(pid, runtime)) {
		kill(pid, SIGTERM);
		if (!wait_for(pid, stop > 0 ? stop : 1)) {
			kill(pid, SIGKILL);
			wait_for(pid, 0);
		}
	}
	close(slot);
	return 0;
}
