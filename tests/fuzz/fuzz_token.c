/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the whole token decision, jwt_verify().
 *
 * Once per process a config is parsed (jwt_config_parse) whose issuers read
 * a JWKS written here into a private mkdtemp directory (under $FUZZ_TMPDIR,
 * default /tmp; removed at exit): the RFC
 * example keys kid "ec" (RFC 7515 A.3, P-256), "rsa" (RFC 7515 A.2,
 * RSA-2048) and "ed" (RFC 8037 A.1, Ed25519).  Every input is a credential
 * verified for PAM user "alice" at FUZZ_NOW (2100-01-01), no log, no refresh.
 *
 * Properties (abort = crash):
 *  - nothing is accepted: no seed is valid at FUZZ_NOW (see make_seeds.py)
 *    and the fuzzer cannot forge a signature;
 *  - the verdict is in range and the result's text fields are
 *    NUL-terminated printable ASCII, as lib/jwt.h promises.
 * FUZZ_VERBOSE=1 prints each input's verdict and reason on stderr.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "jwt.h"
#include "fuzz_util.h"

#define FUZZ_NOW ((time_t)4102444800) /* 2100-01-01T00:00:00Z */

static const char jwks_text[] =
	"{\"keys\":[\n"
	" {\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"use\":\"sig\",\n"
	"  \"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\n"
	"  \"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},\n"
	" {\"kty\":\"RSA\",\"kid\":\"rsa\",\"e\":\"AQAB\",\n"
	"  \"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP"
	"1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5"
	"rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFv"
	"UK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"},\n"
	" {\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"alg\":\"EdDSA\",\n"
	"  \"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}\n"
	"]}\n";

/* Two sections on the same keys: decide() keeps the first issuer's answer. */
static const char conf_fmt[] =
	"leeway = 60\n"
	"[issuer fuzz]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = %s\n"
	"algorithms = RS256 PS256 ES256 EdDSA\n"
	"max_lifetime = 1d\n"
	"required_claim = scope ssh\n"
	"groups_claim = groups\n"
	"allowed_groups = ssh-users admins\n"
	"group_map = admins wheel,adm\n"
	"[issuer other]\n"
	"issuer = https://other.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = %s\n"
	"algorithms = ES256\n";

static struct jwt_config *cfg;
static char dir[96], jwks_path[128];
static int verbose;

static void cleanup(void)
{
	jwt_config_free(cfg);
	cfg = NULL;
	if (jwks_path[0] != '\0')
		unlink(jwks_path);
	if (dir[0] != '\0')
		rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: the key file and config every input shares. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char text[1024], err[512];
	FILE *f;
	int n;

	(void)argc;
	(void)argv;
	fuzz_private_dir(dir, sizeof(dir));
	atexit(cleanup);
	snprintf(jwks_path, sizeof(jwks_path), "%s/keys.jwks", dir);
	if ((f = fopen(jwks_path, "wx")) == NULL || fputs(jwks_text, f) == EOF || fclose(f) != 0 ||
	    chmod(jwks_path, 0644) != 0)
		FUZZ_FAIL("cannot write %s", jwks_path);
	n = snprintf(text, sizeof(text), conf_fmt, jwks_path, jwks_path);
	if (n < 0 || (size_t)n >= sizeof(text))
		FUZZ_FAIL("config text too long");
	if ((cfg = jwt_config_parse(text, (size_t)n, "fuzz_token.conf", err, sizeof(err))) == NULL)
		FUZZ_FAIL("fuzz config rejected: %s", err);
	verbose = getenv("FUZZ_VERBOSE") != NULL && getenv("FUZZ_VERBOSE")[0] == '1';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_result res;
	enum jwt_verdict v;

	v = jwt_verify(cfg, (const char *)data, size, "alice", FUZZ_NOW, NULL, NULL, &res);
	if (verbose)
		fprintf(stderr, "verdict %s: %s\n", jwt_verdict_name(v), res.reason);
	if (v == JWT_OK)
		FUZZ_FAIL("token accepted: user \"%s\", issuer %s, kid \"%s\", alg %s", res.user,
		          res.issuer_name, res.kid, res.alg);
	fuzz_check_result(v, &res);
	/* The cheap pre-check must never call a credential a non-token that
	 * jwt_verify then goes on to parse, and vice versa. */
	if ((jwt_token_shape((const char *)data, size) == JWT_NOT_TOKEN) != (v == JWT_NOT_TOKEN))
		FUZZ_FAIL("jwt_token_shape and jwt_verify disagree (verdict %s)", jwt_verdict_name(v));
	return 0;
}
