/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_pam CONFDIR SERVICE:USER:ANSWERFILE...
 *
 * Whole PAM transactions through the real libpam (pam_start_confdir,
 * pam_authenticate, pam_end), the same way for every service given:
 *
 *   2. per-transaction time, services interleaved round by round, median
 *      of ROUNDS rounds, and each service's ratio to the first (the floor,
 *      pam_permit) and to the second
 *   4. logins per second with 1, 2, 4 and 8 processes in parallel
 *
 * Every transaction's answer must be PAM_SUCCESS, or the program stops:
 * a benchmark of failing logins would measure the wrong thing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define ROUNDS 9
#define MAX_SERVICES 6

struct service {
	char name[64], user[64];
	char *answer;
	double target_ns;    /* time one measurement may take */
};

static const char *confdir;
static const char *current_answer;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(current_answer);
	*resp = r;
	return PAM_SUCCESS;
}

static void login(const struct service *s)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	current_answer = s->answer;
	if (pam_start_confdir(s->name, s->user, &c, confdir, &pamh) != PAM_SUCCESS) {
		fprintf(stderr, "pam_start %s failed\n", s->name);
		exit(2);
	}
	rc = pam_authenticate(pamh, PAM_SILENT);
	pam_end(pamh, rc);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "%s: login of %s failed: %s\n", s->name, s->user, pam_strerror(NULL, rc));
		exit(2);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	n = fread(buf, 1, 65535, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per login over about target_ns (at least 3 logins). */
static double measure(const struct service *s, long *iters)
{
	double t0, t;
	long i;

	if (*iters == 0) {
		t0 = now_ns();
		login(s);
		t = now_ns() - t0;
		*iters = (long)(s->target_ns / (t > 1 ? t : 1));
		if (*iters < 3)
			*iters = 3;
	}
	t0 = now_ns();
	for (i = 0; i < *iters; i++)
		login(s);
	return (now_ns() - t0) / (double)*iters;
}

/* Logins per second with `procs` processes each logging in for ~seconds. */
static double parallel_rate(const struct service *s, int procs, double seconds)
{
	int fd[2], p;
	double t0 = now_ns(), total = 0;

	if (pipe(fd) != 0)
		exit(2);
	for (p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0)
			exit(2);
		if (pid == 0) {
			long n = 0;
			double start = now_ns();

			close(fd[0]);
			while (now_ns() - start < seconds * 1e9) {
				login(s);
				n++;
			}
			dprintf(fd[1], "%ld\n", n);
			_exit(0);
		}
	}
	close(fd[1]);
	{
		FILE *f = fdopen(fd[0], "r");
		long n;

		while (f != NULL && fscanf(f, "%ld", &n) == 1)
			total += (double)n;
		if (f != NULL)
			fclose(f);
	}
	for (p = 0; p < procs; p++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "%s: a parallel worker failed\n", s->name);
			exit(2);
		}
	}
	return total / ((now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	struct service sv[MAX_SERVICES];
	double per[MAX_SERVICES][ROUNDS], med[MAX_SERVICES];
	long iters[MAX_SERVICES] = { 0 };
	static const int procs[] = { 1, 2, 4, 8 };
	int n = 0, i, r;
	size_t p;

	if (argc < 3 || argc - 2 > MAX_SERVICES) {
		fprintf(stderr, "usage: %s CONFDIR SERVICE:USER:ANSWERFILE...\n", argv[0]);
		return 2;
	}
	confdir = argv[1];
	for (i = 2; i < argc; i++, n++) {
		char *a = strdup(argv[i]), *u = strchr(a, ':'), *f = u ? strchr(u + 1, ':') : NULL;

		if (f == NULL)
			return 2;
		*u++ = '\0';
		*f++ = '\0';
		snprintf(sv[n].name, sizeof(sv[n].name), "%s", a);
		snprintf(sv[n].user, sizeof(sv[n].user), "%s", u);
		sv[n].answer = slurp(f);
		sv[n].target_ns = 60e6;
		free(a);
		login(&sv[n]); /* warm up, and refuse to measure failing logins */
	}
	printf("\n2. Whole PAM transactions through libpam (pam_start + pam_authenticate + pam_end;\n"
	       "   services interleaved, median of %d rounds)\n\n", ROUNDS);
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < n; i++)
			per[i][r] = measure(&sv[i], &iters[i]);
	printf("| service | microseconds per login | vs %s | vs %s |\n|---|---:|---:|---:|\n",
	       sv[0].name, n > 1 ? sv[1].name : sv[0].name);
	for (i = 0; i < n; i++) {
		qsort(per[i], ROUNDS, sizeof(double), cmp_double);
		med[i] = per[i][ROUNDS / 2];
	}
	for (i = 0; i < n; i++)
		printf("| %s | %.1f | %.2f | %.2f |\n", sv[i].name, med[i] / 1000, med[i] / med[0],
		       med[i] / med[n > 1 ? 1 : 0]);

	printf("\n4. Logins per second through libpam, N processes in parallel (%ld CPUs)\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("| N |");
	for (i = 0; i < n; i++)
		printf(" %s |", sv[i].name);
	printf("\n|---:|");
	for (i = 0; i < n; i++)
		printf("---:|");
	printf("\n");
	for (p = 0; p < sizeof(procs) / sizeof(procs[0]); p++) {
		printf("| %d |", procs[p]);
		for (i = 0; i < n; i++)
			printf(" %.0f |", parallel_rate(&sv[i], procs[p], 1.0));
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
