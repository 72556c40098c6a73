/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Drive a real libpam stack over the built module.
 *
 *   test_pam_stack CONFDIR SERVICE USER [options]
 *     --answer FILE    what the user types at every prompt (default: empty)
 *     --chunk N        answer successive prompts with successive N-character
 *                      pieces of the answer, as pam-jwt askpass does
 *     --setcred        call pam_setcred(PAM_ESTABLISH_CRED) after success
 *                      and print the process's supplementary group names
 *     --split          authenticate in a child process and hand only the PAM
 *                      environment back, as sshd's keyboard-interactive does
 *     --tamper         with --split: change PAM_JWT_GRANT on the way back
 *     --prefork        first one whole transaction in this process (the
 *                      module is loaded, and its core stays), then fork and
 *                      do everything else in the child, as a server that
 *                      forks workers after serving a login itself
 *     --env FILE       pam_putenv each line of FILE first (what pam_env
 *                      user_readenv=1 would read from ~/.pam_environment)
 *     --no-auth        skip pam_authenticate (another module said yes)
 *     --acct           call pam_acct_mgmt after authentication
 *     --answers FILE   one line of FILE per prompt, in order (the last line
 *                      again once they run out)
 *     --rhost ADDR     set PAM_RHOST (the client's address, as sshd does)
 *     --silent         PAM_SILENT
 * Prints the PAM environment at the end ("env: NAME=VALUE"), and with
 * --split the one the child handed back ("child_env: NAME=VALUE").
 *     --direct SO ARGS call SO's pam_sm_authenticate itself (on a real pam
 *                      handle) with the space-separated ARGS, to see the
 *                      module's own return code rather than the stack's
 *     --loop LIST      many whole transactions in this process: each line of
 *                      LIST is "PAM_CODE FILE" (expected answer, credential);
 *                      prints "loop: logins=N mismatches=M fds_warm=A
 *                      fds_end=B rss_kb_warm=C rss_kb_end=D" (warm: after
 *                      the first tenth of the logins)
 *
 * Prints "auth=CODE", "setcred=CODE", "groups=a b c" and the messages the
 * module sent ("msg: ..."), exits 0 whenever it could run the stack.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

static char *answer;
static size_t chunk, answered;
static int quiet;
static char *lines[64];
static size_t n_lines, next_line;

static const char *code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_CRED_ERR: return "PAM_CRED_ERR";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	default: return "PAM_OTHER";
	}
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (!quiet)
				printf("prompt: %s\n", msg[i]->msg);
			if (n_lines > 0) {
				r[i].resp = strdup(lines[next_line < n_lines ? next_line : n_lines - 1]);
				next_line++;
			} else if (chunk > 0 && answer != NULL) {
				size_t left = strlen(answer) - answered;
				size_t take = left < chunk ? left : chunk;

				r[i].resp = strndup(answer + answered, take);
				answered += take;
			} else {
				r[i].resp = strdup(answer != NULL ? answer : "");
			}
			break;
		default:
			if (!quiet)
				printf("msg: %s\n", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (f == NULL || buf == NULL)
		exit(2);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* --loop: whole transactions, one per LIST line, fds and memory watched. */
static int run_loop(const char *confdir, const char *service, const char *user, const char *list)
{
	struct pam_conv c = { conv, NULL };
	FILE *f = fopen(list, "r");
	char line[4096], want[64], path[4000];
	int total = 0, n = 0, bad = 0, fds_warm = -1, fds_end;
	long rss_warm = -1, rss_end;

	if (f == NULL)
		return 2;
	while (fgets(line, sizeof(line), f) != NULL)
		total++;
	rewind(f);
	quiet = 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		pam_handle_t *pamh = NULL;
		int rc;

		if (sscanf(line, "%63s %3999s", want, path) != 2)
			continue;
		answer = slurp(path);
		answered = 0;
		if (pam_start_confdir(service, user, &c, confdir, &pamh) != PAM_SUCCESS)
			return 2;
		rc = pam_authenticate(pamh, 0);
		pam_end(pamh, rc);
		free(answer);
		answer = NULL;
		if (strcmp(code_name(rc), want) != 0) {
			bad++;
			printf("mismatch: %s gave %s, want %s\n", path, code_name(rc), want);
		}
		if (++n == (total + 9) / 10) {
			fds_warm = count_fds();
			rss_warm = rss_kb();
		}
	}
	fds_end = count_fds(); /* LIST still open, as at the warm sample */
	rss_end = rss_kb();
	fclose(f);
	printf("loop: logins=%d mismatches=%d fds_warm=%d fds_end=%d rss_kb_warm=%ld rss_kb_end=%ld\n",
	       n, bad, fds_warm, fds_end, rss_warm, rss_end);
	return 0;
}

static void print_groups(void)
{
	gid_t list[256];
	int n = getgroups(256, list), i;

	printf("groups=");
	for (i = 0; i < n; i++) {
		struct group *g = getgrgid(list[i]);

		if (g != NULL)
			printf("%s%s", i ? " " : "", g->gr_name);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int i, rc, do_setcred = 0, split = 0, tamper = 0, no_auth = 0, acct = 0, flags = 0;
	int prefork = 0;
	const char *direct = NULL, *envfile = NULL, *rhost = NULL;
	char *direct_args = NULL;

	if (argc < 4)
		return 2;
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--answer") == 0 && i + 1 < argc)
			answer = slurp(argv[++i]);
		else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
			chunk = (size_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "--setcred") == 0)
			do_setcred = 1;
		else if (strcmp(argv[i], "--split") == 0)
			split = 1;
		else if (strcmp(argv[i], "--tamper") == 0)
			tamper = 1;
		else if (strcmp(argv[i], "--prefork") == 0)
			prefork = 1;
		else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc)
			envfile = argv[++i];
		else if (strcmp(argv[i], "--no-auth") == 0)
			no_auth = 1;
		else if (strcmp(argv[i], "--acct") == 0)
			acct = 1;
		else if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
			rhost = argv[++i];
		else if (strcmp(argv[i], "--silent") == 0)
			flags |= PAM_SILENT;
		else if (strcmp(argv[i], "--answers") == 0 && i + 1 < argc) {
			char *text = slurp(argv[++i]), *line, *save = NULL;

			/* empty lines are answers too: split by hand */
			for (line = text; line != NULL && n_lines < 64; line = save) {
				save = strchr(line, '\n');
				if (save != NULL)
					*save++ = '\0';
				lines[n_lines++] = line;
			}
		}
		else if (strcmp(argv[i], "--loop") == 0 && i + 1 < argc)
			return run_loop(argv[1], argv[2], argv[3], argv[++i]);
		else if (strcmp(argv[i], "--direct") == 0 && i + 2 < argc) {
			direct = argv[++i];
			direct_args = strdup(argv[++i]);
		}
		else
			return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (prefork) {
		pam_handle_t *warm = NULL;
		pid_t pid;
		int st;

		if (pam_start_confdir(argv[2], argv[3], &c, argv[1], &warm) != PAM_SUCCESS)
			return 2;
		rc = pam_authenticate(warm, flags);
		printf("warm_auth=%s\n", code_name(rc));
		pam_end(warm, rc);
		answered = 0;
		next_line = 0;
		if ((pid = fork()) < 0)
			return 2;
		if (pid > 0)
			return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 2;
	}
	rc = pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh);
	if (rc != PAM_SUCCESS)
		return 2;
	if (rhost != NULL && pam_set_item(pamh, PAM_RHOST, rhost) != PAM_SUCCESS)
		return 2;
	if (envfile != NULL) {
		char *text = slurp(envfile), *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			pam_putenv(pamh, line);
		free(text);
	}
	if (no_auth) {
		rc = PAM_SUCCESS;
	} else if (direct != NULL) {
		int (*sm)(pam_handle_t *, int, int, const char **);
		const char *args[16];
		int n = 0;
		char *a, *save = NULL;
		void *h = dlopen(direct, RTLD_NOW);

		if (h == NULL || (*(void **)&sm = dlsym(h, "pam_sm_authenticate")) == NULL) {
			fprintf(stderr, "%s: %s\n", direct, dlerror());
			pam_end(pamh, PAM_SYSTEM_ERR);
			free(direct_args);
			free(answer);
			return 2;
		}
		for (a = strtok_r(direct_args, " ", &save); a != NULL && n < 16;
		     a = strtok_r(NULL, " ", &save))
			args[n++] = a;
		rc = sm(pamh, flags, n, args);
		printf("module=%s\n", code_name(rc));
	} else if (!split) {
		rc = pam_authenticate(pamh, flags);
	} else {
		/* sshd: auth in a child; only the environment list comes back. */
		int fd[2];
		pid_t pid;
		char buf[8192] = "";
		ssize_t got;

		if (pipe(fd) != 0 || (pid = fork()) < 0)
			return 2;
		if (pid == 0) {
			char **env;
			int r = pam_authenticate(pamh, 0);

			close(fd[0]);
			dprintf(fd[1], "%d\n", r);
			for (env = pam_getenvlist(pamh); env != NULL && *env != NULL; env++)
				dprintf(fd[1], "%s\n", *env);
			_exit(0);
		}
		close(fd[1]);
		{
			size_t have = 0;

			/* until the child closes its end */
			while (have < sizeof(buf) - 1 &&
			       (got = read(fd[0], buf + have, sizeof(buf) - 1 - have)) > 0)
				have += (size_t)got;
			buf[have] = '\0';
		}
		waitpid(pid, NULL, 0);
		rc = atoi(buf);
		{
			char *line, *save = NULL;

			for (line = strtok_r(strchr(buf, '\n'), "\n", &save); line != NULL;
			     line = strtok_r(NULL, "\n", &save)) {
				if (!quiet)
					printf("child_env: %s\n", line);
				if (tamper && strncmp(line, "PAM_JWT_GRANT=", 14) == 0 && line[14] != '\0')
					line[14] = line[14] == 'a' ? 'b' : 'a';
				pam_putenv(pamh, line);
			}
		}
	}
	printf("auth=%s\n", code_name(rc));
	if (acct)
		printf("acct=%s\n", code_name(pam_acct_mgmt(pamh, 0)));
	if (do_setcred) {
		int s = pam_setcred(pamh, PAM_ESTABLISH_CRED);

		printf("setcred=%s\n", code_name(s));
		print_groups();
	}
	{
		const char *sub = pam_getenv(pamh, "PAM_JWT_SUB");
		char **env = pam_getenvlist(pamh), **e;

		printf("env_sub=%s\n", sub ? sub : "");
		for (e = env; e != NULL && *e != NULL; e++) {
			printf("env: %s\n", *e);
			free(*e);
		}
		free(env);
	}
	pam_end(pamh, rc);
	free(answer);
	free(direct_args);
	return 0;
}
