/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_device CONFDIR SERVICE USER TOKENFILE ROUNDS
 *
 * The module's own CPU per login, device flow against pasted token, through
 * the real libpam: each round runs one device login and one token login.
 * getrusage(RUSAGE_SELF) around pam_authenticate is the module's work (plus
 * libpam's, tiny) in this process; RUSAGE_CHILDREN is the helper's, since
 * the module reaps it before returning.  Time spent waiting in the
 * conversation or for the provider costs no CPU and is not counted.
 *
 * Device logins print "CODE <user code>" on stdout at the second prompt and
 * wait for a line on stdin (the orchestrator's browser has approved by
 * then); "approved->success" is from reading that line to PAM's answer.
 * Per login it prints one line:
 *   device rc=PAM_SUCCESS self_us=N helper_us=N approved_to_success_ms=N success_at_ms=T
 *   token rc=PAM_SUCCESS self_us=N
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <security/pam_appl.h>

#include "conv.h"

static char info[16384], *token;
static int device;
static double approved_at;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long cpu_us(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

/* The device flow's messages: the one with the code is kept; at the prompt
 * that waits for approval the code goes out on stdout and a line on stdin
 * says the browser approved.  Other prompts get the answer. */
static int device_flow(struct test_conv *tc, const struct pam_message *m, char **resp)
{
	(void)tc;
	if (m->msg_style == PAM_TEXT_INFO) {
		snprintf(info, sizeof(info), "%s", m->msg);
		return 1;
	}
	if (m->msg_style == PAM_PROMPT_ECHO_OFF && strncmp(m->msg, "Press Enter once", 16) == 0) {
		const char *c = strstr(info, " and enter ");
		char line[64];

		printf("CODE %.*s\n", c ? (int)strcspn(c + 11, "\n") : 0, c ? c + 11 : "");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			return -1;
		approved_at = now_ms();
		*resp = strdup("");
		return 1;
	}
	return 0;
}

static int login(const char *confdir, const char *service, const char *user)
{
	struct test_conv answers = { .answer = device ? "" : token, .own = device_flow };
	struct pam_conv pc = { test_conv, &answers };
	pam_handle_t *ph = NULL;
	long self0, kids0, self1, kids1;
	double done;
	int rc;

	if (pam_start_confdir(service, user, &pc, confdir, &ph) != PAM_SUCCESS)
		return -1;
	self0 = cpu_us(RUSAGE_SELF);
	kids0 = cpu_us(RUSAGE_CHILDREN);
	rc = pam_authenticate(ph, 0);
	done = now_ms();
	self1 = cpu_us(RUSAGE_SELF);
	kids1 = cpu_us(RUSAGE_CHILDREN);
	if (device)
	{
		struct timespec wall;

		clock_gettime(CLOCK_REALTIME, &wall);
		printf("device rc=%s self_us=%ld helper_us=%ld approved_to_success_ms=%.0f "
		       "success_at_ms=%lld\n", pam_strerror(ph, rc), self1 - self0, kids1 - kids0,
		       done - approved_at, (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	}
	else
		printf("token rc=%s self_us=%ld\n", pam_strerror(ph, rc), self1 - self0);
	fflush(stdout);
	pam_end(ph, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
	FILE *f;
	long n;
	int i, bad = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: bench_device CONFDIR SERVICE USER TOKENFILE ROUNDS\n");
		return 2;
	}
	if ((f = fopen(argv[4], "r")) == NULL || (token = calloc(1, 20000)) == NULL ||
	    fgets(token, 20000, f) == NULL)
		return 2;
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	n = strtol(argv[5], NULL, 10);
	for (i = 0; i < n; i++) {
		device = 1;
		bad |= login(argv[1], argv[2], argv[3]) != 0;
		device = 0;
		bad |= login(argv[1], argv[2], argv[3]) != 0;
	}
	return bad;
}
