/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_verify FIXTURES: the cost of one token check, per algorithm, next
 * to the cost of the signature check alone, all measured in this run.
 *
 *   floor     EVP_DigestVerify on the token's signing input with a key
 *             loaded once (what no verifier can beat)
 *   pam_jwt   jwt_verify() as one login runs it: read and parse the key
 *             set file, import the chosen key, parse the token, verify,
 *             claims, map the user (config parsed once, like sshd's module
 *             keeps nothing between logins but the config is cheap)
 *   libjwt    Debian's libjwt 1.10 jwt_decode() with the PEM key
 *   cjose     Debian's cjose 0.6 import + verify with the JWK
 *
 * Then pam_jwt against key sets of 1, 10, 100 and 1000 keys.  Each figure
 * is the median of ROUNDS rounds; implementations alternate inside each
 * round so machine noise hits them alike.  FIXTURES comes from
 * mkfixtures.py.
 */
#include "config.h"

#include <malloc.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "alg.h"
#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "keys.h"
#include "peers.h"
#include "sig.h"
#include "conf.h"
#include "jwt.h"

#define ROUNDS 7
#define TARGET_NS 40000000LL /* each measurement runs about 40 ms */

static const char *dir;
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	buf[n] = '\0';
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

struct subject {
	const char *alg;
	char *token;
	size_t len;
	/* floor */
	EVP_PKEY *pkey;
	const EVP_MD *md;
	int pss;
	unsigned char sig[1024];
	size_t sig_len;
	/* pam_jwt */
	struct jwt_config *cfg;
	/* steps */
	char *jwks_text;
	size_t jwks_len;
	struct jws *jws;
	const struct jwt_alg *a;
	/* libjwt / cjose */
	char *pem;
	size_t pem_len;
	char *jwk;
	size_t jwk_len;
};

static int run_floor(struct subject *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *dot = strrchr(s->token, '.');
	int ok;

	ok = EVP_DigestVerifyInit(ctx, &pctx, s->md, NULL, s->pkey) == 1;
	if (ok && s->pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && EVP_DigestVerify(ctx, s->sig, s->sig_len, (const unsigned char *)s->token,
	                            (size_t)(dot - s->token)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static int run_ours(struct subject *s)
{
	struct jwt_result res;

	return jwt_verify(s->cfg, s->token, s->len, "nobody", time(NULL), NULL, NULL, &res) == JWT_OK;
}

static int run_libjwt(struct subject *s)
{
	return peer_libjwt(s->token, s->pem, s->pem_len);
}

static int run_cjose(struct subject *s)
{
	return peer_cjose(s->token, s->len, s->jwk, s->jwk_len);
}

/* Steps of the full path, to show where its time goes. */
static int run_keys(struct subject *s)
{
	struct jwks set;
	char why[256];
	int ok = keys_load(s->cfg, &s->cfg->issuers[0], time(NULL), &set, why, sizeof(why)) == 0;

	jwks_free(&set);
	return ok;
}

static int run_import_verify(struct subject *s)
{
	struct jwks set;
	char err[128];
	int ok = 0;

	if (jwks_parse_lazy(s->jwks_text, s->jwks_len, &set, err, sizeof(err)) == 0 && set.n > 0) {
		jwk_load(&set.keys[0]);
		ok = set.keys[0].pkey != NULL &&
		     sig_verify_pkey(s->a, set.keys[0].pkey, (const unsigned char *)s->jws->input,
		                     s->jws->input_len, s->jws->sig, s->jws->sig_len) == SIG_VALID;
	}
	jwks_free(&set);
	return ok;
}

typedef int (*runner)(struct subject *);

/* Nanoseconds per call, calibrated to about TARGET_NS. */
static double measure(runner fn, struct subject *s, long *iters)
{
	double t0, t;
	long i;

	if (*iters == 0) {
		long n = 1;

		for (;;) {
			t0 = now_ns();
			for (i = 0; i < n; i++)
				fn(s);
			t = now_ns() - t0;
			if (t > TARGET_NS / 10 || n > 1000000)
				break;
			n *= 2;
		}
		*iters = (long)((double)n * TARGET_NS / (t > 0 ? t : 1)) + 1;
	}
	t0 = now_ns();
	for (i = 0; i < *iters; i++)
		fn(s);
	return (now_ns() - t0) / (double)*iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct jwt_config *config_for(const char *jwks)
{
	char text[8192], err[512];
	struct jwt_config *cfg;

	snprintf(text, sizeof(text),
	         "[issuer bench]\nissuer = https://bench.test\naudience = ssh://bench.test\n"
	         "jwks_file = %s/%s\nallow_root = no\n", dir, jwks);
	if ((cfg = jwt_config_parse(text, strlen(text), "bench", err, sizeof(err))) == NULL) {
		fprintf(stderr, "config: %s\n", err);
		exit(2);
	}
	return cfg;
}

static void setup(struct subject *s, const char *alg)
{
	char name[64], *b64;
	const char *dot;
	unsigned char raw[1024];
	size_t raw_len;
	BIO *bio;

	memset(s, 0, sizeof(*s));
	s->alg = alg;
	snprintf(name, sizeof(name), "%s.jwt", alg);
	s->token = slurp(name, &s->len);
	snprintf(name, sizeof(name), "%s.pem", alg);
	s->pem = slurp(name, &s->pem_len);
	snprintf(name, sizeof(name), "%s.jwk", alg);
	s->jwk = slurp(name, &s->jwk_len);
	snprintf(name, sizeof(name), "%s.jwks", alg);
	s->cfg = config_for(name);
	s->jwks_text = slurp(name, &s->jwks_len);
	s->jws = calloc(1, sizeof(*s->jws));
	s->a = jwt_alg_find(alg);
	{
		char why[256];

		if (s->jws == NULL || s->a == NULL ||
		    jws_parse(s->token, s->len, s->jws, why, sizeof(why)) != JWT_OK)
			exit(2);
	}
	bio = BIO_new_mem_buf(s->pem, (int)s->pem_len);
	s->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	s->md = strcmp(alg, "EdDSA") == 0 ? NULL : strstr(alg, "384") ? EVP_sha384()
	        : strstr(alg, "512") ? EVP_sha512() : EVP_sha256();
	s->pss = alg[0] == 'P';
	dot = strrchr(s->token, '.');
	b64 = strdup(dot + 1);
	if (s->pkey == NULL || b64 == NULL ||
	    b64url_decode(b64, strlen(b64), raw, sizeof(raw), &raw_len) != 0)
		exit(2);
	free(b64);
	if (alg[0] == 'E' && alg[1] == 'S') {
		/* JOSE R||S to the DER OpenSSL verifies, once, outside the timing */
		ECDSA_SIG *es = ECDSA_SIG_new();
		unsigned char *der = NULL;
		int n;

		ECDSA_SIG_set0(es, BN_bin2bn(raw, (int)raw_len / 2, NULL),
		               BN_bin2bn(raw + raw_len / 2, (int)raw_len / 2, NULL));
		n = i2d_ECDSA_SIG(es, &der);
		memcpy(s->sig, der, (size_t)n);
		s->sig_len = (size_t)n;
		OPENSSL_free(der);
		ECDSA_SIG_free(es);
	} else {
		memcpy(s->sig, raw, raw_len);
		s->sig_len = raw_len;
	}
	if (!run_floor(s) || !run_ours(s)) {
		fprintf(stderr, "%s: fixture does not verify\n", alg);
		exit(2);
	}
}

static void free_subject(struct subject *s)
{
	jwt_config_free(s->cfg);
	EVP_PKEY_free(s->pkey);
	free(s->token);
	free(s->pem);
	free(s->jwk);
	free(s->jwks_text);
	free(s->jws);
}

static void table_algorithms(void)
{
	static const char *const algs[] = { "RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA" };
	size_t a;

	printf("\n1. One token check, in process (median of %d rounds, microseconds)\n\n", ROUNDS);
	printf("| alg | OpenSSL floor | pam_jwt full path | pam_jwt / floor | libjwt 1.10 | cjose 0.6 |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		struct subject s;
		double f[ROUNDS], o[ROUNDS], l[ROUNDS], c[ROUNDS];
		long nf = 0, no = 0, nl = 0, nc = 0;
		int r, have_l = 0, have_c = 0;
		char lbuf[32] = "n/a", cbuf[32] = "n/a";

		setup(&s, algs[a]);
		have_l = run_libjwt(&s) == 1;
		have_c = run_cjose(&s) == 1;
		for (r = 0; r < ROUNDS; r++) {
			f[r] = measure(run_floor, &s, &nf);
			o[r] = measure(run_ours, &s, &no);
			if (have_l)
				l[r] = measure(run_libjwt, &s, &nl);
			if (have_c)
				c[r] = measure(run_cjose, &s, &nc);
		}
		if (have_l)
			snprintf(lbuf, sizeof(lbuf), "%.1f", median(l, ROUNDS) / 1000);
		if (have_c)
			snprintf(cbuf, sizeof(cbuf), "%.1f", median(c, ROUNDS) / 1000);
		printf("| %s | %.1f | %.1f | **%.2f** | %s | %s |\n", algs[a], median(f, ROUNDS) / 1000,
		       median(o, ROUNDS) / 1000, median(o, ROUNDS) / median(f, ROUNDS), lbuf, cbuf);
		(void)nl;
		(void)nc;
		free_subject(&s);
	}
	printf("\nn/a: the library does not support the algorithm (libjwt 1.10: no PS*, no EdDSA;\n"
	       "cjose 0.6: no EdDSA).\n");
}

static void table_steps(void)
{
	static const char *const algs[] = { "RS256", "ES256", "EdDSA" };
	size_t a;

	printf("\n1b. Where the full path's time goes (microseconds, median of %d rounds)\n\n",
	       ROUNDS);
	printf("| alg | floor: verify, key loaded once | import the key + verify | read + parse the "
	       "cached JWKS file | full path | rest: token parse, claims, user lookup |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		struct subject s;
		double f[ROUNDS], iv[ROUNDS], k[ROUNDS], o[ROUNDS], mf, miv, mk, mo;
		long nf = 0, niv = 0, nk = 0, no = 0;
		int r;

		setup(&s, algs[a]);
		if (!run_import_verify(&s) || !run_keys(&s))
			exit(2);
		for (r = 0; r < ROUNDS; r++) {
			f[r] = measure(run_floor, &s, &nf);
			iv[r] = measure(run_import_verify, &s, &niv);
			k[r] = measure(run_keys, &s, &nk);
			o[r] = measure(run_ours, &s, &no);
		}
		mf = median(f, ROUNDS) / 1000;
		miv = median(iv, ROUNDS) / 1000;
		mk = median(k, ROUNDS) / 1000;
		mo = median(o, ROUNDS) / 1000;
		printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", algs[a], mf, miv, mk, mo,
		       mo - miv - mk);
		free_subject(&s);
	}
}

static void table_scale(void)
{
	static const int sizes[] = { 1, 10, 100, 1000 };
	struct subject s;
	double base = 0;
	size_t i;

	setup(&s, "ES256");
	printf("\n3. pam_jwt ES256 login cost against the size of the key set (the signing key\n"
	       "   last; median of %d rounds)\n\n", ROUNDS);
	printf("| keys in the set | JWKS bytes | microseconds per check | vs 1 key | heap kept after all checks (bytes) |\n|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[64];
		double o[ROUNDS], m;
		long n = 0;
		size_t heap;
		size_t bytes;
		int r;

		snprintf(name, sizeof(name), "scale-%d.jwks", sizes[i]);
		free(slurp(name, &bytes));
		jwt_config_free(s.cfg);
		s.cfg = config_for(name);
		if (!run_ours(&s)) {
			fprintf(stderr, "%s: does not verify\n", name);
			exit(2);
		}
		heap = mallinfo2().uordblks;
		for (r = 0; r < ROUNDS; r++)
			o[r] = measure(run_ours, &s, &n);
		heap = mallinfo2().uordblks - heap;
		m = median(o, ROUNDS) / 1000;
		if (i == 0)
			base = m;
		printf("| %d | %zu | %.1f | %.2f | %ld |\n", sizes[i], bytes, m, m / base, (long)heap);
	}
	free_subject(&s);
}

int main(int argc, char **argv)
{
	struct utsname u;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	uname(&u);
	printf("machine: %s %s %s, %ld CPUs; %s; %s; %s\n", u.sysname, u.release, u.machine,
	       sysconf(_SC_NPROCESSORS_ONLN), OpenSSL_version(OPENSSL_VERSION), PACKAGE_STRING,
	       peer_versions());
	if (argc == 2) {
		table_algorithms();
		table_steps();
		table_scale();
	}
	return 0;
}
