/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_pam [OPTIONS] CONFDIR SERVICE:USER:ANSWER...
 *
 * PAM transactions through the real libpam (pam_start_confdir,
 * pam_authenticate, pam_end), the same way for every service given:
 *
 *   2. per-transaction time, services interleaved round by round, median
 *      of ROUNDS rounds, and each service's ratio to the first (the floor)
 *      and to the second
 *   4. logins per second with 1, 2, 4 and 8 processes in parallel
 *
 * ANSWER is a file holding the answer, or mint:DIR: a fresh ES256 token
 * for every login (unique jti; DIR/mint.pem signs, kid "mint"), minted
 * before the clock starts, for one_time issuers.
 *
 * Options:
 *   --whole        the whole transaction as sshd's monitor, xrdp-sesman and
 *                  screen lockers run it: pam_start, authenticate,
 *                  acct_mgmt, setcred establish + delete, pam_end
 *   --no-rates     table 2 only
 *   --fresh        one process per login (fork + exec of this program with
 *                  --one), like pamtester: every login loads libpam, the
 *                  module and its libraries anew; measured in the CPU time
 *                  of those processes
 *   --wall         per-login figures in wall time, not CPU time (which
 *                  leaves out waiting for the disk)
 *   --abandon N    after table 2, N logins per service that stop right
 *                  after pam_authenticate (pam_end, no setcred), then
 *                  table 2 again
 *   --results FILE append "NAME MICROSECONDS" (and "NAME@N RATE") lines,
 *                  for bench_goals.sh's side-by-side table
 *   --tag TAG      prefix those names with TAG
 *   --iters K      callgrind mode: one warm-up login of the first service,
 *                  then K in measured_logins() (valgrind --toggle-collect)
 *
 * Every transaction's answer must be PAM_SUCCESS, or the program stops:
 * a benchmark of failing logins would measure the wrong thing.
 */
#include "config.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "b64url.h"
#include "conv.h"

#define ROUNDS 9
#define MAX_SERVICES 8
#define MINT_BATCH 4096

struct service {
	char name[64], user[64];
	char *answer;          /* NULL: minted */
	char *spec;            /* as given, for --fresh */
	EVP_PKEY *mint_key;
	char **minted;
	long n_minted, next_minted;
	double target_ns;      /* time one measurement may take */
};

static char *confdir, *self;
static struct test_conv answers;
static int whole, fresh, wall;
static FILE *results;
static const char *tag = "";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Per-login figures are CPU time (user + sys; of the login processes with
 * --fresh): on a shared machine wall time is mostly waiting to be
 * scheduled.  --wall for time that includes waiting for the disk. */
static double clock_ns(void)
{
	struct rusage ru;
	struct timespec ts;

	if (wall)
		return now_ns();
	if (!fresh) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	getrusage(RUSAGE_CHILDREN, &ru);
	return ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
}

/* An ES256 token for nobody with a jti no other login of any run uses. */
static char *mint(struct service *s)
{
	static unsigned long counter;
	char head[128], body[512], in[1024], *tok;
	unsigned char der[128], raw[64];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	long long now = (long long)time(NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *sig;
	int n;

	b64url_encode((const unsigned char *)"{\"alg\":\"ES256\",\"kid\":\"mint\"}", 28, head);
	n = snprintf(in, sizeof(in), "{\"iss\":\"https://bench.test\",\"aud\":\"ssh://bench.test\","
	             "\"sub\":\"nobody\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%ld-%ld-%lu\"}",
	             now, now + 3600, (long)getpid(), (long)now, counter++);
	b64url_encode((const unsigned char *)in, (size_t)n, body);
	n = snprintf(in, sizeof(in), "%s.%s", head, body);
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->mint_key) != 1 ||
	    EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)in, (size_t)n) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL) {
		fprintf(stderr, "cannot mint a token\n");
		exit(2);
	}
	EVP_MD_CTX_free(ctx);
	BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
	ECDSA_SIG_free(sig);
	if ((tok = malloc((size_t)n + 100)) == NULL)
		exit(2);
	memcpy(tok, in, (size_t)n);
	tok[n] = '.';
	b64url_encode(raw, sizeof(raw), tok + n + 1);
	return tok;
}

/* Tokens for the next `count` logins, made before the clock starts. */
static void mint_ahead(struct service *s, long count)
{
	long i;

	if (s->answer != NULL)
		return;
	for (i = 0; i < s->n_minted; i++)
		free(s->minted[i]);
	free(s->minted);
	if ((s->minted = calloc((size_t)count, sizeof(char *))) == NULL)
		exit(2);
	for (i = 0; i < count; i++)
		s->minted[i] = mint(s);
	s->n_minted = count;
	s->next_minted = 0;
}

static const char *answer_of(struct service *s)
{
	if (s->answer != NULL)
		return s->answer;
	if (s->next_minted >= s->n_minted)
		mint_ahead(s, 64);
	return s->minted[s->next_minted++];
}

static int check(const struct service *s, const char *step, int rc)
{
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "%s: %s of %s failed: %s\n", s->name, step, s->user,
		        pam_strerror(NULL, rc));
		exit(2);
	}
	return rc;
}

/* One transaction; `abandon`: stop right after authentication. */
static void transaction(struct service *s, int abandon)
{
	struct pam_conv c = { test_conv, &answers };
	pam_handle_t *pamh = NULL;
	int rc;

	answers.answer = answer_of(s);
	if (pam_start_confdir(s->name, s->user, &c, confdir, &pamh) != PAM_SUCCESS) {
		fprintf(stderr, "pam_start %s failed\n", s->name);
		exit(2);
	}
	rc = check(s, "pam_authenticate", pam_authenticate(pamh, PAM_SILENT));
	if (whole && !abandon) {
		rc = check(s, "pam_acct_mgmt", pam_acct_mgmt(pamh, PAM_SILENT));
		rc = check(s, "pam_setcred", pam_setcred(pamh, PAM_ESTABLISH_CRED | PAM_SILENT));
		/* (sshd ignores its answer too: a module with nothing to delete
		 * may say PAM_IGNORE, which libpam turns into an error) */
		(void)pam_setcred(pamh, PAM_DELETE_CRED | PAM_SILENT);
	}
	pam_end(pamh, rc);
}

/* One login in a new process: exec of this program with --one. */
static void fresh_login(struct service *s)
{
	static char one[] = "--one", whole_opt[] = "--whole";
	char *argv[8];
	int st, i = 0;
	pid_t pid;

	argv[i++] = self;
	argv[i++] = one;
	if (whole)
		argv[i++] = whole_opt;
	argv[i++] = confdir;
	argv[i++] = s->spec;
	argv[i] = NULL;
	if ((pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		execv(self, argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s: a fresh-process login failed\n", s->name);
		exit(2);
	}
}

static void login(struct service *s)
{
	if (fresh)
		fresh_login(s);
	else
		transaction(s, 0);
}

/* The logins callgrind counts (--toggle-collect=measured_logins). */
__attribute__((noinline)) void measured_logins(struct service *s, long k);
__attribute__((noinline)) void measured_logins(struct service *s, long k)
{
	long i;

	for (i = 0; i < k; i++)
		transaction(s, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per login over about target_ns (at least 3 logins). */
static double measure(struct service *s, long *iters)
{
	double t0, t;
	long i;

	if (*iters == 0) {
		mint_ahead(s, 1);
		t0 = clock_ns();
		login(s);
		t = clock_ns() - t0;
		*iters = (long)(s->target_ns / (t > 1 ? t : 1));
		if (*iters < 3)
			*iters = 3;
		if (*iters > MINT_BATCH)
			*iters = MINT_BATCH;
	}
	if (!fresh)
		mint_ahead(s, *iters);
	t0 = clock_ns();
	for (i = 0; i < *iters; i++)
		login(s);
	return (clock_ns() - t0) / (double)*iters;
}

/* Logins per second with `procs` processes each logging in for ~seconds. */
static double parallel_rate(struct service *s, int procs, double seconds)
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

static void per_login_table(struct service *sv, int n, const char *suffix)
{
	double per[MAX_SERVICES][ROUNDS], med[MAX_SERVICES];
	long iters[MAX_SERVICES] = { 0 };
	int i, r;

	printf("\n2. %s PAM transactions through libpam (%s%s; services interleaved, median of "
	       "%d rounds; %s)%s\n\n", fresh ? "Fresh-process" : "Whole",
	       whole ? "pam_start, authenticate, acct_mgmt, setcred establish + delete, pam_end"
	       : "pam_start + pam_authenticate + pam_end", fresh ? ", one process each" : "",
	       ROUNDS, wall ? "wall time" : fresh ? "CPU time of the login processes" : "CPU time",
	       suffix);
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < n; i++)
			per[i][r] = measure(&sv[i], &iters[i]);
	printf("| service | microseconds per login | vs %s | vs %s |\n|---|---:|---:|---:|\n",
	       sv[0].name, n > 1 ? sv[1].name : sv[0].name);
	for (i = 0; i < n; i++) {
		qsort(per[i], ROUNDS, sizeof(double), cmp_double);
		med[i] = per[i][ROUNDS / 2];
	}
	for (i = 0; i < n; i++) {
		printf("| %s | %.1f | %.2f | %.2f |\n", sv[i].name, med[i] / 1000, med[i] / med[0],
		       med[i] / med[n > 1 ? 1 : 0]);
		if (results != NULL)
			fprintf(results, "%s%s%s %.1f\n", tag, sv[i].name,
			        suffix[0] ? "+abandoned" : "", med[i] / 1000);
	}
	fflush(stdout);
}

static void parse_service(struct service *s, const char *arg)
{
	char *a = strdup(arg), *u = strchr(a, ':'), *f = u ? strchr(u + 1, ':') : NULL;

	if (f == NULL) {
		fprintf(stderr, "bad service spec %s\n", arg);
		exit(2);
	}
	memset(s, 0, sizeof(*s));
	*u++ = '\0';
	*f++ = '\0';
	snprintf(s->name, sizeof(s->name), "%s", a);
	snprintf(s->user, sizeof(s->user), "%s", u);
	s->spec = strdup(arg);
	if (strncmp(f, "mint:", 5) == 0) {
		char pem[4096];
		FILE *k;

		snprintf(pem, sizeof(pem), "%s/mint.pem", f + 5);
		if ((k = fopen(pem, "r")) == NULL ||
		    (s->mint_key = PEM_read_PrivateKey(k, NULL, NULL, NULL)) == NULL) {
			fprintf(stderr, "cannot read %s\n", pem);
			exit(2);
		}
		fclose(k);
	} else {
		s->answer = test_conv_read(f);
	}
	s->target_ns = fresh ? 30e6 : 60e6;
	free(a);
}

int main(int argc, char **argv)
{
	struct service sv[MAX_SERVICES];
	static const int procs[] = { 1, 2, 4, 8 };
	int n = 0, i, rates = 1, one = 0;
	long abandon = 0, k = 0;
	size_t p;

	self = argv[0];
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--whole") == 0)
			whole = 1;
		else if (strcmp(argv[i], "--no-rates") == 0)
			rates = 0;
		else if (strcmp(argv[i], "--fresh") == 0)
			fresh = 1;
		else if (strcmp(argv[i], "--wall") == 0)
			wall = 1;
		else if (strcmp(argv[i], "--one") == 0)
			one = 1;
		else if (strcmp(argv[i], "--abandon") == 0 && i + 1 < argc)
			abandon = atol(argv[++i]);
		else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
			tag = argv[++i];
		else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
			k = atol(argv[++i]);
		else if (strcmp(argv[i], "--results") == 0 && i + 1 < argc) {
			if ((results = fopen(argv[++i], "a")) == NULL)
				return 2;
			setvbuf(results, NULL, _IOLBF, 0);
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i < 2 || argc - i - 1 > MAX_SERVICES) {
		fprintf(stderr, "usage: %s [--whole] [--no-rates] [--fresh] [--wall] [--abandon N] "
		        "[--results FILE] [--tag TAG] [--iters K] CONFDIR SERVICE:USER:ANSWER...\n", argv[0]);
		return 2;
	}
	confdir = argv[i++];
	for (; i < argc; i++, n++)
		parse_service(&sv[n], argv[i]);
	if (one) {
		transaction(&sv[0], 0);
		return 0;
	}
	if (k > 0) {
		transaction(&sv[0], 0);
		mint_ahead(&sv[0], k);
		measured_logins(&sv[0], k);
		return 0;
	}
	for (i = 0; i < n; i++) {
		mint_ahead(&sv[i], 1);
		login(&sv[i]); /* warm up, and refuse to measure failing logins */
	}
	per_login_table(sv, n, "");
	if (abandon > 0) {
		char suffix[80];

		for (i = 0; i < n; i++) {
			long j;

			mint_ahead(&sv[i], abandon);
			for (j = 0; j < abandon; j++)
				transaction(&sv[i], 1);
		}
		snprintf(suffix, sizeof(suffix), ", after %ld abandoned logins each", abandon);
		per_login_table(sv, n, suffix);
	}
	if (!rates)
		return 0;

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
		for (i = 0; i < n; i++) {
			double rate = parallel_rate(&sv[i], procs[p], 1.0);

			printf(" %.0f |", rate);
			if (results != NULL)
				fprintf(results, "%s%s@%d %.0f\n", tag, sv[i].name, procs[p], rate);
		}
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
