/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam-jwt desktop-code: trade a verified token for a one-time desktop code.
 *
 *   pam-jwt desktop-code [--socket PATH] [--token-file FILE | - | --device ISSUER]
 *       (any user) sends the token over the unix socket and prints the code;
 *       --device runs the device flow (`pam-jwt device`) to get the token.
 *   pam-jwt desktop-code --serve [--config PATH] [--stderr]
 *       (root, one connection on standard input: systemd Accept=yes) takes
 *       the caller's uid from SO_PEERCRED, runs jwt_verify() with the
 *       caller's name as the PAM user, and mints a code bound to that user,
 *       the verifying issuer section and its mapped groups (lib/dcode.h).
 *   pam-jwt desktop-code --list [USER] | --revoke USER [ID]   (root)
 *
 * The code travels only over the socket to the caller: never in argv, a
 * log line or a file (the store holds its HMAC).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmds.h"
#include "conf.h"
#include "dcode.h"
#include "jwt.h"
#include "log.h"
#include "replay.h"
#include "text.h"
#include "safefile.h"

#define DEFAULT_SOCKET "/run/pam_jwt-desktop.sock"
#define REPLY_MAX 512

/*
 * What one local user can hold of the root service (the socket unit adds
 * MaxConnections= for everyone together): each connection gets
 * SERVE_DEADLINE_MS from its start to deliver the whole token (the client
 * reads it before connecting, so an honest one needs milliseconds), the
 * process ends after SERVE_HARD_LIMIT_S whatever it is doing (only a
 * starved machine gets near it), and a uid has at most CALLER_SLOTS
 * connections served at once; more are answered at once with a one-line
 * refusal.
 */
#define SERVE_DEADLINE_MS 2000
#define SERVE_HARD_LIMIT_S 5
#define CALLER_SLOTS 4
/* The client: how long it waits for the answer, and for how long it tries
 * again when the service closed without one (socket full). */
#define CLIENT_REPLY_MS 10000
#define CLIENT_RETRY_MS 5000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Up to max + 1 bytes (so "too long" shows) until end of file, or until
 * the deadline (a now_ms() value; -1: none, a person typing or pasting
 * takes as long as it takes), which sets *late. */
static char *read_all(int fd, size_t max, long long deadline, size_t *len, int *late)
{
	char *buf = malloc(max + 1);
	size_t n = 0;

	*late = 0;
	if (buf == NULL)
		return NULL;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline < 0 ? -1 : deadline - now_ms();
		ssize_t r;

		if (deadline >= 0 && left <= 0) {
			*late = 1;
			break;
		}
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			*late = 1;
		if (r <= 0)
			break;
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > max)
			break;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void trim(char *tok, size_t *len)
{
	while (*len > 0 && (tok[*len - 1] == '\n' || tok[*len - 1] == '\r' || tok[*len - 1] == ' '))
		tok[--*len] = '\0';
}

/* --- root side: one connection ------------------------------------------ */

static void log_sink(void *ctx, int level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	(void)ctx;
	if (level != JWT_LOG_DEBUG)
		syslog(LOG_AUTHPRIV | prio[level & 3], "%s", msg);
}

static void reply_error(const char *why)
{
	char line[REPLY_MAX];
	int n = snprintf(line, sizeof(line), "error %s\n", why);

	if (n > 0)
		(void)write_all(1, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	explicit_bzero(line, sizeof(line));
}

/*
 * At most CALLER_SLOTS connections of one uid served at once: slot files
 * DIR/.callers/UID.N (DIR: desktop_code_dir), each flock-held by the
 * --serve process that took it until that process ends.  The kernel drops
 * the lock however the process ends (SIGKILL included), so no count leaks.
 * Returns the held descriptor, -2 when every slot is taken, -1 (why) when
 * the directory cannot be used.
 */
static int caller_slot(const struct jwt_config *cfg, uid_t uid, char *why, size_t whycap)
{
	const char *store = cfg->desktop_code_dir != NULL ? cfg->desktop_code_dir :
	                    DCODE_DEFAULT_DIR;
	char dir[4200], path[4300];
	int i, fd = -2;

	snprintf(dir, sizeof(dir), "%s/.callers", store);
	if (make_private_dir(store, why, whycap) != 0 || make_private_dir(dir, why, whycap) != 0)
		return -1;
	for (i = 0; i < CALLER_SLOTS && fd == -2; i++) {
		snprintf(path, sizeof(path), "%s/%u.%d", dir, (unsigned)uid, i);
		fd = lock_file(path, 0, NULL, why, whycap);
	}
	return fd;
}

static int serve(const char *config)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct passwd pw, *pwp = NULL;
	struct jwt_config *cfg = NULL;
	struct jwt_result *res = calloc(1, sizeof(*res));
	struct jwt_log log = { log_sink, NULL, 0 };
	const struct jwt_issuer *iss = NULL;
	struct dcode_record rec;
	char pwbuf[4096], err[512], why[256] = "", code[DCODE_TEXT_LEN + 1] = "", audit[4096];
	char *tok = NULL, line[REPLY_MAX];
	size_t len = 0;
	long long deadline = now_ms() + SERVE_DEADLINE_MS;
	time_t now;
	int rc = EXIT_REJECTED, slot = -1, late = 0;

	/* Whatever blocks (a client, a lock, the name service), the process
	 * and its caller slot are gone after this: SIGALRM ends it. */
	alarm(SERVE_HARD_LIMIT_S);
	if (res == NULL)
		return EXIT_REJECTED;
	if (geteuid() != 0) {
		fprintf(stderr, "%s desktop-code --serve: must run as root\n", progname);
		free(res);
		return EXIT_USAGE;
	}
	if (getsockopt(0, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 || cl != sizeof(cred)) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "desktop-code: standard input is not a unix socket "
		       "(run from pam-jwt-desktop-code.socket)");
		free(res);
		return EXIT_USAGE;
	}
	if ((cfg = jwt_config_load(config, err, sizeof(err))) == NULL) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err);
		res->verdict = JWT_CONFIG;
		snprintf(why, sizeof(why), "configuration error");
		goto done;
	}
	if ((slot = caller_slot(cfg, cred.uid, why, sizeof(why))) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "desktop-code: %s", why);
		res->verdict = JWT_INTERNAL;
		snprintf(why, sizeof(why), "the code store cannot be used");
		goto done;
	}
	if (slot < 0) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "desktop-code: uid %u pid %d: %d requests of "
		       "this uid already being served, refused", (unsigned)cred.uid, (int)cred.pid,
		       CALLER_SLOTS);
		snprintf(line, sizeof(line), "busy: %d requests of uid %u are already being served; "
		         "try again in a few seconds", CALLER_SLOTS, (unsigned)cred.uid);
		reply_error(line);
		goto out;
	}
	if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || pwp == NULL) {
		snprintf(why, sizeof(why), "caller uid %u has no user name", (unsigned)cred.uid);
		res->verdict = JWT_USER_UNKNOWN;
		goto done;
	}
	tok = read_all(0, JWT_MAX_TOKEN, deadline, &len, &late);
	if (tok == NULL) {
		res->verdict = JWT_INTERNAL;
		snprintf(why, sizeof(why), "out of memory");
		goto done;
	}
	if (late) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "desktop-code: uid %u pid %d: no whole token "
		       "within %d ms, closed", (unsigned)cred.uid, (int)cred.pid, SERVE_DEADLINE_MS);
		snprintf(line, sizeof(line), "timeout: the whole token must arrive within %d ms "
		         "of connecting", SERVE_DEADLINE_MS);
		reply_error(line);
		goto out;
	}
	trim(tok, &len);
	now = time(NULL);
	/* Exactly the module's check, with the caller as the PAM user: the code
	 * can only ever be for the person who asked for it. */
	if (jwt_verify(cfg, tok, len, pw.pw_name, now, &log, NULL, res) != JWT_OK) {
		snprintf(why, sizeof(why), "%s", res->reason);
		goto done;
	}
	if ((iss = jwt_config_issuer(cfg, res->issuer_name)) == NULL || !iss->desktop_codes) {
		snprintf(why, sizeof(why), "[issuer %s] does not allow desktop codes "
		         "(desktop_codes = yes)", res->issuer_name);
		res->verdict = JWT_CLAIM_MISMATCH;
		goto done;
	}
	/* A one_time token is spent on the code: it cannot also log in. */
	if (iss->one_time) {
		enum jwt_verdict v = replay_record(cfg, iss, res, now, why, sizeof(why));

		if (v != JWT_OK) {
			res->verdict = v;
			goto done;
		}
	}
	if (dcode_mint(cfg, iss, res, tok, len, now, code, &rec, why, sizeof(why)) != 0) {
		res->verdict = JWT_INTERNAL;
		goto done;
	}
	{
		char pid[32];

		snprintf(pid, sizeof(pid), "pid %d", (int)cred.pid);
		dcode_audit_format(audit, sizeof(audit), "minted", "OK", &rec, pw.pw_name, pid, 0,
		                   NULL);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", audit);
	}
	snprintf(line, sizeof(line), "ok %s %lld %s\n", code, rec.expires, rec.user);
	if (write_all(1, line, strlen(line)) == 0)
		rc = 0;
	explicit_bzero(line, sizeof(line));
	explicit_bzero(code, sizeof(code));
	goto out;
done:
	{
		char pid[32];

		memset(&rec, 0, sizeof(rec));
		snprintf(rec.user, sizeof(rec.user), "%s", res->user);
		snprintf(rec.issuer_name, sizeof(rec.issuer_name), "%s", res->issuer_name);
		snprintf(rec.iss, sizeof(rec.iss), "%s", res->iss);
		snprintf(rec.sub, sizeof(rec.sub), "%s", res->sub);
		snprintf(rec.jti, sizeof(rec.jti), "%s", res->jti);
		snprintf(rec.kid, sizeof(rec.kid), "%s", res->kid);
		snprintf(pid, sizeof(pid), "pid %d uid %u", (int)cred.pid, (unsigned)cred.uid);
		dcode_audit_format(audit, sizeof(audit), "refused", jwt_verdict_name(res->verdict),
		                   &rec, pwp != NULL ? pw.pw_name : "", pid, 0, why);
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s", audit);
		jwt_audit_escape(err, sizeof(err), why, strlen(why));
		reply_error(err);
	}
out:
	if (tok != NULL) {
		explicit_bzero(tok, len);
		free(tok);
	}
	explicit_bzero(res, sizeof(*res));
	free(res);
	jwt_config_free(cfg);
	if (slot >= 0)
		close(slot);
	return rc;
}

/* --- the caller's side ---------------------------------------------------- */

/*
 * --device ISSUER: run `pam-jwt device` (the module's device-flow helper,
 * helper/device.c) as this user and take the token it prints.  Its lines:
 * uri, complete, code, expires, qr, ready, then "token LENGTH" and the
 * token, or "error KIND TEXT".  Its stdin stays open while we wait: closing
 * it stops the helper.
 */
static char *device_token(const char *config, const char *issuer, size_t *len)
{
	const char *helper = getenv("PAM_JWT_DEVICE_HELPER");
	char self[4096], line[1024], *tok = NULL;
	int out[2] = { -1, -1 }, in[2] = { -1, -1 }, status;
	FILE *f = NULL;
	pid_t pid;
	ssize_t n;

	*len = 0;
	if (helper == NULL) {
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
			return NULL;
		self[n] = '\0';
		helper = self;
	}
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
		goto out;
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0) {
		/* copies above 2 first: with our 0 or 1 closed a pipe end may
		 * sit there, and dup2 onto itself would keep its close-on-exec */
		int i0 = fcntl(in[0], F_DUPFD_CLOEXEC, 3), o1 = fcntl(out[1], F_DUPFD_CLOEXEC, 3);

		if (i0 < 0 || o1 < 0 || dup2(i0, 0) != 0 || dup2(o1, 1) != 1)
			_exit(126);
		execl(helper, "pam-jwt", "device", "--config", config, "--issuer", issuer,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	out[1] = in[0] = -1;
	if ((f = fdopen(out[0], "r")) == NULL)
		goto reap;
	out[0] = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* the helper quotes the provider: every line cleaned, but a QR line */
		if (strncmp(line, "uri ", 4) == 0)
			jwt_print_line(stderr, "Open %s\n", line + 4);
		else if (strncmp(line, "complete ", 9) == 0)
			jwt_print_line(stderr, "  (or %s)\n", line + 9);
		else if (strncmp(line, "code ", 5) == 0)
			jwt_print_line(stderr, "and enter the code %s\n", line + 5);
		else if (strncmp(line, "qr ", 3) == 0 && jwt_qr_line_ok(line + 3))
			fprintf(stderr, "%s\n", line + 3);
		else if (strncmp(line, "ready", 5) == 0)
			fprintf(stderr, "Waiting for the sign-in...\n");
		else if (strncmp(line, "error ", 6) == 0) {
			jwt_print_line(stderr, "%s desktop-code: device flow: %s\n", progname, line + 6);
			break;
		} else if (strncmp(line, "token ", 6) == 0) {
			char *end;
			unsigned long want = strtoul(line + 6, &end, 10);

			if (*end != '\0' || want == 0 || want > JWT_MAX_TOKEN ||
			    (tok = malloc(want + 1)) == NULL)
				break;
			if (fread(tok, 1, want, f) != want) {
				explicit_bzero(tok, want);
				free(tok);
				tok = NULL;
				break;
			}
			tok[want] = '\0';
			*len = want;
			break;
		}
	}
reap:
	if (in[1] >= 0) {
		close(in[1]); /* the helper stops when its stdin closes */
		in[1] = -1;
	}
	if (f != NULL)
		fclose(f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	for (n = 0; n < 2; n++) {
		if (out[n] >= 0)
			close(out[n]);
		if (in[n] >= 0)
			close(in[n]);
	}
	return tok;
}

/*
 * One exchange with the service: the whole token (already read: the service
 * gives a connection SERVE_DEADLINE_MS), then its one-line answer.  NULL
 * after saying why on stderr, or with *again set when the service closed
 * without a word or its queue was full (the socket's MaxConnections=):
 * worth another try.
 */
static char *ask_service(const struct sockaddr_un *sa, const char *tok, size_t len,
                         size_t *rlen, int *again)
{
	char *rep = NULL;
	int fd, late = 0, sent;

	*again = 0;
	*rlen = 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		if (!(*again = errno == EAGAIN))
			fprintf(stderr, "%s desktop-code: %s: %s (is pam-jwt-desktop-code.socket "
			        "running?)\n", progname, sa->sun_path, strerror(errno));
		goto out;
	}
	/* A refusal may come before the service read anything: read it anyway. */
	sent = write_all(fd, tok, len) == 0 && shutdown(fd, SHUT_WR) == 0;
	if (!sent && errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "%s desktop-code: sending the token: %s\n", progname,
		        strerror(errno));
		goto out;
	}
	rep = read_all(fd, REPLY_MAX, now_ms() + CLIENT_REPLY_MS, rlen, &late);
	if (rep != NULL && *rlen == 0 && !late) {
		free(rep);
		rep = NULL;
		*again = 1;
	}
out:
	if (fd >= 0)
		close(fd);
	return rep;
}

static int request(const char *sock, const char *file, const char *config,
                   const char *device, int quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	FILE *in = stdin;
	char *tok = NULL, *rep = NULL, *code, *exp, *user, *save = NULL;
	size_t len = 0, rlen = 0;
	long long give_up;
	int rc = EXIT_REJECTED, late = 0, again;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s desktop-code: socket path too long\n", progname);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, sock);
	if (device != NULL) {
		tok = device_token(config, device, &len);
	} else {
		if (file != NULL && strcmp(file, "-") != 0 && (in = fopen(file, "re")) == NULL) {
			jwt_print_line(stderr, "%s desktop-code: %s: %s\n", progname, file,
			               strerror(errno));
			return EXIT_USAGE;
		}
		if (isatty(fileno(in)) && !quiet)
			fprintf(stderr, "Paste the token, then press Enter and Ctrl-D:\n");
		tok = read_all(fileno(in), JWT_MAX_TOKEN, -1, &len, &late);
		if (in != stdin)
			fclose(in);
	}
	if (tok == NULL)
		goto out;
	trim(tok, &len);
	if (len == 0 || len > JWT_MAX_TOKEN) {
		fprintf(stderr, "%s desktop-code: %s token\n", progname, len ? "over-long" : "no");
		rc = EXIT_USAGE;
		goto out;
	}
	/* Everything is read before the first connection: a token on a slow
	 * pipe or terminal never holds one of the service's connections. */
	signal(SIGPIPE, SIG_IGN); /* a service that hung up is an error, not a kill */
	give_up = now_ms() + CLIENT_RETRY_MS;
	while ((rep = ask_service(&sa, tok, len, &rlen, &again)) == NULL && again &&
	       now_ms() < give_up)
		poll(NULL, 0, 200);
	if (rep == NULL) {
		if (again)
			fprintf(stderr, "%s desktop-code: refused: no answer from the service\n",
			        progname);
		goto out;
	}
	if (strncmp(rep, "ok ", 3) == 0 && (code = strtok_r(rep + 3, " \n", &save)) != NULL &&
	    (exp = strtok_r(NULL, " \n", &save)) != NULL &&
	    (user = strtok_r(NULL, " \n", &save)) != NULL) {
		time_t t = (time_t)strtoll(exp, NULL, 10);
		struct tm tm;
		char when[32];

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		if (!quiet)
			jwt_print_line(stderr, "Desktop code for %s, one login, valid until %s "
			               "(%lld s). Type it as the RDP password:\n", user, when,
			               (long long)(t - time(NULL)));
		printf("%s\n", code);
		fflush(stdout);
		rc = 0;
	} else {
		rep[strcspn(rep, "\n")] = '\0';
		jwt_print_line(stderr, "%s desktop-code: refused: %s\n", progname,
		               strncmp(rep, "error ", 6) == 0 ? rep + 6 : "no answer from the service");
	}
out:
	if (tok != NULL) {
		explicit_bzero(tok, len);
		free(tok);
	}
	if (rep != NULL) {
		explicit_bzero(rep, rlen);
		free(rep);
	}
	return rc;
}

/* --- root: --list and --revoke ------------------------------------------- */

static void print_record(void *ctx, const struct dcode_record *r, int fails, int locked)
{
	char m[32] = "-", e[32] = "-";
	struct tm tm;
	time_t t;

	(void)ctx;
	if (r == NULL) {
		if (fails > 0 || locked)
			jwt_print_line(stdout, "%-12s %-16s %-7s %-20s %-20s %-10s failures=%d%s\n",
			               "?", "-", "-", "-", "-", "-", fails, locked ? " THROTTLED" : "");
		return;
	}
	t = (time_t)r->minted;
	gmtime_r(&t, &tm);
	strftime(m, sizeof(m), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t = (time_t)r->expires;
	gmtime_r(&t, &tm);
	strftime(e, sizeof(e), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* the fields came from a token: they go out cleaned */
	jwt_print_line(stdout, "%-12s %-16s %-7s %-20s %-20s %-10s sub=%s jti=%s kid=%s "
	               "groups=\"%s\" failures=%d%s\n", r->user, r->id,
	               strcmp(r->state, "live") == 0 && r->expires <= time(NULL) ? "expired"
	               : r->state, m, e, r->issuer_name, r->sub, r->jti, r->kid, r->groups, fails,
	               locked ? " THROTTLED" : "");
}

static int admin(const char *config, int list, const char *user, const char *id)
{
	struct jwt_config *cfg;
	char err[512], why[256] = "";
	int rc = EXIT_USAGE, n;

	if (geteuid() != 0) {
		fprintf(stderr, "%s desktop-code: --list and --revoke need root\n", progname);
		return EXIT_USAGE;
	}
	if ((cfg = jwt_config_load(config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s desktop-code: %s\n", progname, err);
		return EXIT_USAGE;
	}
	if (user != NULL && !dcode_user_ok(user)) {
		fprintf(stderr, "%s desktop-code: \"%s\" is not a usable user name\n", progname,
		        user);
		goto out;
	}
	if (list) {
		printf("%-12s %-16s %-7s %-20s %-20s %-10s\n", "USER", "ID", "STATE", "MINTED",
		       "EXPIRES", "ISSUER");
		rc = dcode_list(cfg, user, time(NULL), print_record, NULL, why, sizeof(why)) == 0 ?
		     0 : EXIT_REJECTED;
	} else if ((n = dcode_revoke(cfg, user, id, time(NULL), why, sizeof(why))) >= 0) {
		printf("revoked %d code%s of %s\n", n, n == 1 ? "" : "s", user);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "revoked verdict=OK user=\"%s\" method=\"desktop-code\" "
		       "code_id=\"%s\" count=\"%d\" by_uid=\"%u\"", user, id != NULL ? id : "*", n,
		       (unsigned)getuid());
		rc = 0;
	} else {
		rc = EXIT_REJECTED;
	}
	if (rc != 0 && why[0])
		fprintf(stderr, "%s desktop-code: %s\n", progname, why);
out:
	jwt_config_free(cfg);
	return rc;
}

int cmd_desktop_code(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ "serve", no_argument, NULL, 'S' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "list", no_argument, NULL, 'l' },
		{ "revoke", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = JWT_DEFAULT_CONFIG, *sock = DEFAULT_SOCKET, *file = NULL;
	const char *device = NULL;
	int c, mode = 0, to_stderr = 0, quiet = 0;

	while ((c = getopt_long(argc, argv, "c:s:f:d:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		case 'S':
		case 'l':
		case 'r':
			if (mode != 0 && mode != c) {
				fprintf(stderr, "%s desktop-code: one of --serve, --list, --revoke\n",
				        progname);
				return EXIT_USAGE;
			}
			mode = c;
			break;
		case 'e':
			to_stderr = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			printf("Usage: %s desktop-code [--socket PATH] [--token-file FILE | - | "
			       "--device ISSUER [--config PATH]]\n"
			       "       %s desktop-code --list [--config PATH] [USER]\n"
			       "       %s desktop-code --revoke [--config PATH] USER [ID]\n"
			       "       %s desktop-code --serve [--config PATH] [--stderr]\n",
			       progname, progname, progname, progname);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	openlog("pam-jwt", LOG_PID | (to_stderr ? LOG_PERROR : 0), LOG_AUTHPRIV);
	switch (mode) {
	case 'S':
		if (optind != argc)
			return EXIT_USAGE;
		signal(SIGPIPE, SIG_IGN);
		return serve(config);
	case 'l':
		if (argc - optind > 1)
			return EXIT_USAGE;
		return admin(config, 1, optind < argc ? argv[optind] : NULL, NULL);
	case 'r':
		if (argc - optind < 1 || argc - optind > 2) {
			fprintf(stderr, "%s desktop-code --revoke USER [ID]\n", progname);
			return EXIT_USAGE;
		}
		return admin(config, 0, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL);
	}
	if (argc - optind > 1 || (optind < argc && strcmp(argv[optind], "-") != 0)) {
		fprintf(stderr, "%s desktop-code: the token comes from --token-file or standard "
		        "input, never the command line (ps shows it)\n", progname);
		return EXIT_USAGE;
	}
	if (device != NULL && file != NULL) {
		fprintf(stderr, "%s desktop-code: --device or --token-file, not both\n", progname);
		return EXIT_USAGE;
	}
	return request(sock, file, config, device, quiet);
}
