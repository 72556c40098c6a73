/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: header and payload JSON, signed inside the harness,
 * through the whole decision jwt_verify() and what the module does after
 * it (one_time replay store, audit line).
 *
 * fuzz_token mutates the compact token, so its mutations rarely decode to
 * JSON and never get past the signature; fuzz_claims skips the header,
 * the signature, revocation and replay.  Here the mutations land in the
 * JSON, and every input is validly signed, so they reach claims, policy,
 * user_map_file, groups, revocation, one_time and max_lifetime.
 *
 * Input: HEADER NUL PAYLOAD [NUL SIGNATURE]
 *   HEADER and PAYLOAD are raw JSON bytes; each is base64url-encoded as it
 *   is.  Without a SIGNATURE part the harness signs HEADER.PAYLOAD with the
 *   key that the header's "alg" names (json-c's reading of the header, the
 *   last "alg" member); an alg it has no key for is left with an empty
 *   signature.  With a SIGNATURE part those raw bytes are the signature
 *   (so the fuzzer can still try wrong lengths; it cannot forge one).
 *   An input without NUL is ignored.
 *
 * Keys (FUZZ_SIGNED_KEYS, fuzz_signed_keys.c): without it only the HMAC
 * secret file (HS256/HS384/HS512, the fastest path); with it also a JWKS
 * with the RFC example keys (kid "rsa" RFC 7515 A.2, "ec" A.3, "ed"
 * RFC 8037 A.1) and some keys that must be refused, so RS*, PS*, ES256 and
 * EdDSA key selection runs.  Everything the config names (secret, JWKS,
 * user map, revocation list, replay dir) is created once in a private
 * mkdtemp directory under $FUZZ_TMPDIR (run.sh: its build dir) or /tmp.
 *
 * Every input is verified at FUZZ_NOW (2100-01-01) for any local user
 * (pam_user NULL), as `pam-jwt check` does without --user, so tokens that
 * name root, daemon or nobody are accepted when their claims fit.
 *
 * Properties (abort = crash), beyond ASan/UBSan/LSan and libFuzzer's
 * -timeout (run.sh sets it, so a loop is a finding):
 *  - verdict in range and stored; result text NUL-terminated printable;
 *  - accepted only when the harness signed it; never with an alg the
 *    accepting section does not allow;
 *  - an accepted token maps to an existing local user with a valid name,
 *    uid 0 only where allow_root is set, groups only from group_map,
 *    not expired, jti/sub not on the revocation list;
 *  - one_time sections: the first replay_record() of an accepted jti is
 *    JWT_OK and the second JWT_REPLAYED (store wiped before each input);
 *  - the audit line (jwt_audit_format, lib/audit.h, once it exists) reads
 *    back as key="value" pairs with exactly one verdict=, values escaped,
 *    no control characters.
 * FUZZ_VERBOSE=1 prints each input's verdict and reason on stderr.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "conf.h"
#include "json.h"
#include "jwt.h"
#include "policy.h"
#include "replay.h"
#include "fuzz_util.h"

#if defined(__has_include)
#if __has_include("audit.h")
#include "audit.h"
#define FUZZ_HAVE_AUDIT 1
#endif
#endif

#define FUZZ_NOW ((time_t)4102444800) /* 2100-01-01T00:00:00Z */
#define MAX_PART 16384

/* 64 bytes: long enough for HS512 (lib/alg.c wants the hash size). */
static const unsigned char hmac_secret[64] =
	"pam_jwt fuzz_signed HMAC secret, 64 bytes for HS512 too.........";

/* RFC 7515 A.3 (P-256), RFC 7515 A.2 (RSA-2048), RFC 8037 A.1 (Ed25519):
 * the published private halves, as PKCS#8 (make_seeds.py signs its seeds
 * with the same keys). */
static const char ec_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
	"H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
	"7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
	"-----END PRIVATE KEY-----\n";
static const char ed_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";
static const char rsa_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCh+BYK4uPJtGXO\n"
	"jS1lYmM2K5J9vinh8CR3/BYlzJChNuOL2TSXxbbqY913EeZ8dCn5VrD7io8ImtxL\n"
	"aYk8wTM/U+3QGbh3hCUv7JFP5IV3aVlL6kKA0ywPVb9ilE8TA5a8bpvfbr3SvaNn\n"
	"juygxmj3AbONv/s4yDQs4v5tJ/reSlpIdJed1LnPmt7Ex1sFhSwsD174pcF1A5L5\n"
	"ROjtZMEQxrZHYJqkeDrrnGya11UxMFBji4NmXG9veoKjlnAqH2QbgtPr8jkiGUkf\n"
	"toaHLFcW9Qr4NY2ai50Xw0Byj3+H2JoY2PyrZ62EWQwuz3WTOTY8BwNNb2BvniHg\n"
	"VFbK5emhAgMBAAECggEAEq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyW\n"
	"PEAeP88vLNO97IjlA7/GQ5sLKMgvfTeXZx9SE+7YwVol2NXOoAJe46sui395IW/G\n"
	"O+pWJ1O0BkTGoVEn2bKVRUCgu+GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzj\n"
	"kn439X0M/V51gfpRLI9JYanrC4D4qAdGcopV/0ZHHzQlBjudU2QvXt4ehNYTCBr6\n"
	"XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl/x/jTj3ccPDVZFD9pIuhLhBOneufuBiB\n"
	"4cS98l2SR/RQyGWSeWjnczT0QU91p1DhOVRuOopznQKBgQDgHMQQ60imZV1URk0K\n"
	"pLttoLhyt3SmqdEf/kgHePDdtzEafpAu+cS191R2JiuoF2yzWXnwFDcqGigp5BNr\n"
	"0AHQfD8/Lk8l1Mk09jxxCfui5nYooNyac8YFjm3vItzVCVDnEd3BbVWG8qf6deqE\n"
	"lMGAg+C2V0L4oNXnP7LZcPAZRwKBgQC5A8R+CZW2MvRTLLHzwZkUXV866cff7tx6\n"
	"kqa0finGG0KgeqlaZPxgCZnFp7AeAcCMtiynVlJ7vMVgePsLq6XtON4tB5kP9jAP\n"
	"rq3rbAOal78eUH5OcED6eNuCV8ixEu1eWcPNCS/l1OW1EnXUEoEHKl54Xrrz2uNw\n"
	"kgMTP1FZ1wKBgAcCn1dwJKufzBWQxWQp1vsM5fggqPN1qGb5y0MAk3g7/Ls5bkUp\n"
	"5u9SN0Ai3Ya6hNnvWJMb7sXQX6U/zyO2M/hTip7tUeh7CXgwo59dkpN75gJLVds2\n"
	"9+DAncu3KXU4f2Fa+7bLNrur53k8KwPOq2bbuTG69QtV7Jr5MR0AHWKNAoGBAIf/\n"
	"evpitUf+4JYbLpvNXWcY052Mpz22aR84mY3nh3F2LF2mjMJDpTg7FmuyPcVw6EcG\n"
	"yoAe9fa65iNqCq+jdw6PVNGo2hxfjSiZ8IIzHdsPXI89//pMjZcQK9r+CCoRjaZj\n"
	"OYiIDktVWZzmevJuv6WywUqd57LE3Zar3dLSIkx1AoGAIYd7DHOhrWvxkwPQsRM2\n"
	"tOgrjbcrfvtQJipd+DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd/QJQ3\n"
	"ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp/gh6A56\n"
	"03k2+ZQwVK0JKSHuLFkuQ3U=\n"
	"-----END PRIVATE KEY-----\n";

#define RSA_N \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP" \
	"1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa" \
	"SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4L" \
	"T6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define EC_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define EC_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define ED_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

/* The public halves, plus keys the lookup must skip or refuse. */
static const char jwks_text[] =
	"{\"keys\":[\n"
	" {\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"use\":\"sig\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"},\n"
	" {\"kty\":\"RSA\",\"kid\":\"rsa\",\"e\":\"AQAB\",\"n\":\"" RSA_N "\"},\n"
	" {\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"alg\":\"EdDSA\",\"x\":\"" ED_X "\"},\n"
	" {\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"e\":\"AQAB\",\"n\":\"" RSA_N "\"},\n"
	" {\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ops\",\"key_ops\":[\"sign\"],\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"},\n"
	" {\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"es384\",\"alg\":\"ES384\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"},\n"
	" {\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"cGFtX2p3dCBmdXp6X3NpZ25lZCBITUFDIHNlY3JldCwgNjQgYnl0ZXMgZm9yIEhTNTEyIHRvby4uLi4uLi4uLg\"},\n"
	" {\"kty\":\"RSA\",\"kid\":\"dup\",\"e\":\"AQAB\",\"n\":\"" RSA_N "\"},\n"
	" {\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"dup\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"},\n"
	" {\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\"}\n"
	"]}\n";

/* user_map_file: claim value (after username_suffix) -> local user. */
static const char users_text[] =
	"# fuzz_signed user map (every line valid: lib/policy.c refuses the\n"
	"# whole file for one bad line)\n"
	"alice daemon\n"
	"admin root\n"
	"bob\tnobody\n"
	"carol no-such-user-here\n"
	"  \r\n"
	"henry nobody # a comment after whitespace\n"
	"grace\tdaemon\r\n";

/* revoked_file (lib/revoke.h format). */
static const char revoked_text[] =
	"# fuzz_signed revocation list\n"
	"jti revoked-jti\n"
	"sub mallory\n"
	"sub daemon before 4102440000\n"
	"sub alice@corp.test before 4102444000\n";

/* Local groups group_map may hand out (the harness checks res.groups). */
static const char *const mapped_groups[] = {
	"wheel", "adm", "root", "users", "sudo", "staff", NULL
};

/* %1$s: the private directory.  Sections overlap on purpose: decide()
 * tries every section whose keys verify and keeps the first answer. */
#ifndef FUZZ_SIGNED_KEYS
#define HARNESS "fuzz_signed"
static const char conf_fmt[] =
	"leeway = 60\n"
	"replay_dir = %1$s/replay\n"
	"[issuer hs]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://host.test\n"
	"hmac_secret_file = %1$s/hmac.secret\n"
	"algorithms = HS256 HS384 HS512\n"
	"max_lifetime = 1d\n"
	"allow_root = yes\n"
	"required_claim = scope ssh\n"
	"groups_claim = groups\n"
	"allowed_groups = ssh-users admins ops\n"
	"group_map = admins wheel,adm,root\n"
	"group_map = ssh-users users,-notaname\n"
	"group_map = ops sudo,staff,users\n"
	"revoked_file = %1$s/revoked\n"
	"[issuer mapped]\n"
	"issuer = https://mapped.test\n"
	"audience = ssh://host.test\n"
	"hmac_secret_file = %1$s/hmac.secret\n"
	"algorithms = HS256\n"
	"username_claim = email\n"
	"username_suffix = @corp.test\n"
	"user_map_file = %1$s/users\n"
	"groups_claim = realm_access.roles\n"
	"allowed_groups = ssh-login admin\n"
	"group_map = ssh-login users\n"
	"group_map = admin wheel,sudo\n"
	"typ = at+jwt\n"
	"one_time = yes\n"
	"allow_root = yes\n"
	"leeway = 0\n"
	"revoked_file = %1$s/revoked\n"
	"[issuer roles]\n"
	"issuer = https://roles.test\n"
	"audience = ssh://host.test\n"
	"hmac_secret_file = %1$s/hmac.secret\n"
	"algorithms = HS256 HS512\n"
	"username_claim = preferred_username\n"
	"groups_claim = roles\n"
	"group_map = dev users\n"
	"group_map = ops staff\n"
	"required_claim = realm_access.roles ssh-login\n"
	"max_lifetime = 1h\n"
	"leeway = 10m\n"
	"[issuer twin]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://other.test\n"
	"hmac_secret_file = %1$s/hmac.secret\n"
	"algorithms = HS256\n"
	"one_time = yes\n";
#else
#define HARNESS "fuzz_signed_keys"
static const char conf_fmt[] =
	"leeway = 60\n"
	"replay_dir = %1$s/replay\n"
	"[issuer fuzz]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = %1$s/keys.jwks\n"
	"algorithms = RS256 RS512 PS256 PS384 ES256 ES384 EdDSA\n"
	"max_lifetime = 1d\n"
	"allow_root = yes\n"
	"groups_claim = groups\n"
	"allowed_groups = ssh-users admins\n"
	"group_map = admins wheel,adm\n"
	"group_map = ssh-users users\n"
	"revoked_file = %1$s/revoked\n"
	"[issuer mapped]\n"
	"issuer = https://mapped.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = %1$s/keys.jwks\n"
	"hmac_secret_file = %1$s/hmac.secret\n"
	"algorithms = ES256 EdDSA HS256\n"
	"username_claim = email\n"
	"username_suffix = @corp.test\n"
	"user_map_file = %1$s/users\n"
	"groups_claim = realm_access.roles\n"
	"allowed_groups = ssh-login\n"
	"group_map = ssh-login users\n"
	"typ = at+jwt\n"
	"one_time = yes\n"
	"[issuer other]\n"
	"issuer = https://other.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = %1$s/keys.jwks\n"
	"algorithms = ES256 PS256\n"
	"username_claim = preferred_username\n"
	"required_claim = realm_access.roles ssh-login\n";
#endif

static struct jwt_config *cfg;
static char dir[96];
static int verbose;
static EVP_PKEY *ec_key, *ed_key, *rsa_key;

static void rm_tree(const char *d)
{
	static const char *const names[] = { "hmac.secret", "keys.jwks", "users", "revoked",
	                                     "replay/hs.jti", "replay/hs.jti.lock",
	                                     "replay/mapped.jti", "replay/mapped.jti.lock",
	                                     "replay/twin.jti", "replay/twin.jti.lock",
	                                     "replay/fuzz.jti", "replay/fuzz.jti.lock",
	                                     "replay", NULL };
	char p[160];
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", d, names[i]);
		if (unlink(p) != 0 && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(d);
}

static void cleanup(void)
{
	jwt_config_free(cfg);
	cfg = NULL;
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ed_key);
	EVP_PKEY_free(rsa_key);
	if (dir[0] != '\0')
		rm_tree(dir);
}

static void put_file(const char *name, const void *data, size_t len, mode_t mode)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "wx")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
	    chmod(p, mode) != 0)
		FUZZ_FAIL("cannot write %s", p);
}

static EVP_PKEY *load_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (k == NULL)
		FUZZ_FAIL("cannot load a harness key");
	return k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: the files, config and signing keys every input shares. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char text[8192], err[512];
	int n;

	(void)argc;
	(void)argv;
	fuzz_private_dir(dir, sizeof(dir));
	atexit(cleanup);
	put_file("hmac.secret", hmac_secret, sizeof(hmac_secret), 0600);
	put_file("keys.jwks", jwks_text, sizeof(jwks_text) - 1, 0644);
	put_file("users", users_text, sizeof(users_text) - 1, 0644);
	put_file("revoked", revoked_text, sizeof(revoked_text) - 1, 0644);
	n = snprintf(text, sizeof(text), conf_fmt, dir);
	if (n < 0 || (size_t)n >= sizeof(text))
		FUZZ_FAIL("config text too long");
	if ((cfg = jwt_config_parse(text, (size_t)n, HARNESS ".conf", err, sizeof(err))) == NULL)
		FUZZ_FAIL("fuzz config rejected: %s", err);
	ec_key = load_key(ec_pem);
	ed_key = load_key(ed_pem);
	rsa_key = load_key(rsa_pem);
	verbose = getenv("FUZZ_VERBOSE") != NULL && getenv("FUZZ_VERBOSE")[0] == '1';
	return 0;
}

static const EVP_MD *md_for(const char *bits)
{
	return strcmp(bits, "256") == 0 ? EVP_sha256() : strcmp(bits, "384") == 0 ? EVP_sha384()
	       : strcmp(bits, "512") == 0 ? EVP_sha512() : NULL;
}

/* Sign `in` the way `alg` says with the harness key; 0 bytes when the
 * harness has no key for alg. */
static size_t sign(const char *alg, const unsigned char *in, size_t inlen, unsigned char *sig,
                   size_t cap)
{
	const EVP_MD *md = strlen(alg) == 5 ? md_for(alg + 2) : NULL;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[256];
	size_t n = 0, dlen = sizeof(der);
	unsigned int hlen = 0;

	if (strncmp(alg, "HS", 2) == 0 && md != NULL) {
		if (HMAC(md, hmac_secret, sizeof(hmac_secret), in, inlen, sig, &hlen) == NULL)
			FUZZ_FAIL("HMAC failed");
		return hlen;
	}
#ifdef FUZZ_SIGNED_KEYS
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		FUZZ_FAIL("out of memory");
	if (strcmp(alg, "EdDSA") == 0) {
		n = cap;
		if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, ed_key) != 1 ||
		    EVP_DigestSign(ctx, sig, &n, in, inlen) != 1)
			FUZZ_FAIL("Ed25519 signing failed");
	} else if (strcmp(alg, "ES256") == 0) {
		const unsigned char *p = der;
		ECDSA_SIG *es;
		const BIGNUM *r, *s;

		if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, ec_key) != 1 ||
		    EVP_DigestSign(ctx, der, &dlen, in, inlen) != 1 ||
		    (es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
			FUZZ_FAIL("ES256 signing failed");
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
			FUZZ_FAIL("ES256 R||S does not fit");
		ECDSA_SIG_free(es);
		n = 64;
	} else if ((alg[0] == 'R' || alg[0] == 'P') && alg[1] == 'S' && md != NULL) {
		n = cap;
		if (EVP_DigestSignInit(ctx, &pctx, md, NULL, rsa_key) != 1 ||
		    (alg[0] == 'P' &&
		     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
		    EVP_DigestSign(ctx, sig, &n, in, inlen) != 1)
			FUZZ_FAIL("%s signing failed", alg);
	}
	EVP_MD_CTX_free(ctx);
#else
	(void)ctx;
	(void)pctx;
	(void)der;
	(void)dlen;
	(void)cap;
#endif
	return n;
}

/* The header's alg as json-c reads it (lenient: the harness only picks a key). */
static void header_alg(const char *hdr, size_t len, char *alg, size_t cap)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = tok != NULL ? json_tokener_parse_ex(tok, hdr, (int)len) : NULL;
	json_object *a;

	alg[0] = '\0';
	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "alg", &a) && json_object_is_type(a, json_type_string))
		snprintf(alg, cap, "%s", json_object_get_string(a));
	json_object_put(o);
	json_tokener_free(tok);
}

static const struct jwt_issuer *section(const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_issuers; i++)
		if (strcmp(cfg->issuers[i].name, name) == 0)
			return &cfg->issuers[i];
	return NULL;
}

static int word_listed(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return 1;
	return 0;
}

/* Properties of an accepted token (see the comment at the top). */
static void check_accepted(const struct jwt_result *res, const char *payload, size_t plen,
                           const char *alg, int forged)
{
	const struct jwt_issuer *iss = section(res->issuer_name);
	char groups[sizeof(res->groups)], pwbuf[4096], *g, *save = NULL;
	struct passwd pw, *pwp = NULL;
	json_object *p;
	const char *s;

	if (forged)
		FUZZ_FAIL("accepted with a signature the harness did not make (alg %s)", res->alg);
	if (iss == NULL)
		FUZZ_FAIL("accepted by unknown section \"%s\"", res->issuer_name);
	if (strcmp(alg, res->alg) != 0 || alg[0] == '\0')
		FUZZ_FAIL("accepted alg \"%s\" is not the header's \"%s\"", res->alg, alg);
	if (!policy_valid_name(res->user, strlen(res->user)))
		FUZZ_FAIL("accepted with user \"%s\"", res->user);
	if (getpwnam_r(res->user, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || pwp == NULL)
		FUZZ_FAIL("accepted user \"%s\" does not exist", res->user);
	if (pw.pw_uid == 0 && !iss->allow_root)
		FUZZ_FAIL("accepted uid 0 (\"%s\") in section %s without allow_root", res->user,
		          iss->name);
	if (res->exp + iss->leeway <= (long long)FUZZ_NOW)
		FUZZ_FAIL("accepted expired token (exp %lld, leeway %ld)", res->exp, iss->leeway);
	memcpy(groups, res->groups, sizeof(groups));
	for (g = strtok_r(groups, " ", &save); g != NULL; g = strtok_r(NULL, " ", &save))
		if (!policy_valid_name(g, strlen(g)) || !word_listed(mapped_groups, g))
			FUZZ_FAIL("accepted with group \"%s\" no group_map names", g);
	/* The signed payload as the library parses it (jws_payload's depth). */
	if ((p = jwt_json_parse(payload, plen, 16)) == NULL)
		FUZZ_FAIL("accepted a payload jwt_json_parse refuses");
	if ((s = jwt_json_str(p, "iss", NULL)) == NULL || strcmp(s, iss->issuer) != 0)
		FUZZ_FAIL("accepted by section %s whose issuer is not the token's", iss->name);
	if (iss->revoked_file != NULL) {
		if ((s = jwt_json_str(p, "jti", NULL)) != NULL && strcmp(s, "revoked-jti") == 0)
			FUZZ_FAIL("accepted revoked jti");
		if ((s = jwt_json_str(p, "sub", NULL)) != NULL && strcmp(s, "mallory") == 0)
			FUZZ_FAIL("accepted revoked sub");
	}
	json_object_put(p);
}

/* one_time: the module records the jti after jwt_verify accepted. */
static enum jwt_verdict check_replay(struct jwt_result *res)
{
	const struct jwt_issuer *iss = section(res->issuer_name);
	char path[200], why[256];
	enum jwt_verdict v;

	if (iss == NULL || !iss->one_time)
		return JWT_OK;
	snprintf(path, sizeof(path), "%s/replay/%s.jti", dir, iss->name);
	if (unlink(path) != 0 && errno != ENOENT)
		FUZZ_FAIL("cannot reset replay store %s", path);
	/* The LMDB store (lib/store.c) outlives one input: a jti an earlier
	 * input recorded is refused already, anything else is recorded. */
	v = replay_record(cfg, iss, res, FUZZ_NOW, why, sizeof(why));
	if (v != JWT_OK && v != JWT_REPLAYED)
		FUZZ_FAIL("first use of jti \"%s\" failed: %s: %s", res->jti, jwt_verdict_name(v),
		          why);
	if ((v = replay_record(cfg, iss, res, FUZZ_NOW, why, sizeof(why))) != JWT_REPLAYED)
		FUZZ_FAIL("second use of jti \"%s\" not refused: %s: %s", res->jti,
		          jwt_verdict_name(v), why);
	/* as pam_jwt.c one_time_use() does on a refusal */
	res->verdict = v;
	snprintf(res->reason, sizeof(res->reason), "%s", why);
	return v;
}

/*
 * The audit invariant (DESIGN.md "Lessons from review", lib/audit.h): the
 * line is "accepted" or "rejected", then verdict=NAME (the one unquoted
 * value, matching the verdict), then key="value" pairs, each after one
 * space, values escaped (a backslash only before '"' or '\'), no control
 * characters, no verdict= among them, and no field dropped: the last key
 * is groups (accepted) or reason (rejected).
 */
static __attribute__((unused)) void check_audit_line(const char *line,
                                                     const struct jwt_result *res)
{
	const char *want = res->verdict == JWT_OK ? "accepted verdict=" : "rejected verdict=";
	const char *name = jwt_verdict_name(res->verdict), *p, *last = NULL, *end;
	size_t len = strlen(line), i, lastlen = 0;

	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			FUZZ_FAIL("audit line: byte 0x%02x at %zu: %s", (unsigned char)line[i], i, line);
	if (strncmp(line, want, strlen(want)) != 0 ||
	    strncmp(line + strlen(want), name, strlen(name)) != 0)
		FUZZ_FAIL("audit line does not start \"%s%s\": %s", want, name, line);
	p = line + strlen(want) + strlen(name);
	end = line + len;
	while (p < end) {
		const char *key;

		if (*p++ != ' ')
			FUZZ_FAIL("audit line: no single space before offset %zu: %s",
			          (size_t)(p - line), line);
		key = p;
		while (p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'))
			p++;
		if (p == key || p + 1 >= end || p[0] != '=' || p[1] != '"')
			FUZZ_FAIL("audit line: no key=\" at offset %zu: %s", (size_t)(key - line), line);
		if ((size_t)(p - key) == 7 && memcmp(key, "verdict", 7) == 0)
			FUZZ_FAIL("audit line has a second verdict=: %s", line);
		last = key;
		lastlen = (size_t)(p - key);
		for (p += 2; p < end && *p != '"'; p++)
			if (*p == '\\' && (++p >= end || (*p != '"' && *p != '\\')))
				FUZZ_FAIL("audit line: bad escape at %zu: %s", (size_t)(p - line), line);
		if (p >= end)
			FUZZ_FAIL("audit line: unterminated value: %s", line);
		p++; /* the closing quote */
	}
	want = res->verdict == JWT_OK ? "groups" : "reason";
	if (last == NULL || lastlen != strlen(want) || memcmp(last, want, lastlen) != 0)
		FUZZ_FAIL("audit line does not end with %s=: %s", want, line);
}

/* The module's audit line for this verdict; raw input bytes (any byte but
 * NUL) stand in for PAM_USER and PAM_RHOST, which the client chooses. */
static void check_audit(const struct jwt_result *res, const char *user, size_t ulen,
                        const char *rhost, size_t rlen)
{
#ifdef FUZZ_HAVE_AUDIT
	char line[4096], u[300], h[300];

	snprintf(u, sizeof(u), "%.*s", (int)(ulen < 299 ? ulen : 299), user);
	snprintf(h, sizeof(h), "%.*s", (int)(rlen < 299 ? rlen : 299), rhost);
	jwt_audit_format(line, sizeof(line), res, u, h, NULL);
	check_audit_line(line, res);
#else
	/* AUDIT CALL SITE: lib/audit.h's jwt_audit_format() is not on this
	 * branch yet (issue 12).  When it is, format the line for every verdict
	 * here and run check_audit_line() on it. */
	(void)res;
	(void)user;
	(void)ulen;
	(void)rhost;
	(void)rlen;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nul1 = memchr(in, '\0', size), *nul2, *payload, *sigraw = NULL;
	size_t hlen, plen, slen = 0, tlen;
	unsigned char sig[1024];
	char alg[32], *tok;
	struct jwt_result res;
	enum jwt_verdict v;
	int forged;

	if (nul1 == NULL)
		return 0;
	hlen = (size_t)(nul1 - in);
	payload = nul1 + 1;
	plen = size - hlen - 1;
	if ((nul2 = memchr(payload, '\0', plen)) != NULL) {
		sigraw = nul2 + 1;
		slen = plen - (size_t)(nul2 - payload) - 1;
		plen = (size_t)(nul2 - payload);
	}
	if (hlen > MAX_PART || plen > MAX_PART || slen > sizeof(sig))
		return 0;
	tlen = B64URL_ENCODED_LEN(hlen) + 1 + B64URL_ENCODED_LEN(plen) + 1 +
	       B64URL_ENCODED_LEN(sizeof(sig)) + 1;
	if ((tok = malloc(tlen)) == NULL)
		return 0;
	b64url_encode(data, hlen, tok);
	tlen = strlen(tok);
	tok[tlen++] = '.';
	b64url_encode((const unsigned char *)payload, plen, tok + tlen);
	tlen += strlen(tok + tlen);
	header_alg(in, hlen, alg, sizeof(alg));
	forged = sigraw != NULL;
	if (forged)
		memcpy(sig, sigraw, slen);
	else
		slen = sign(alg, (const unsigned char *)tok, tlen, sig, sizeof(sig));
	tok[tlen++] = '.';
	b64url_encode(sig, slen, tok + tlen);
	tlen += strlen(tok + tlen);

	v = jwt_verify(cfg, tok, tlen, NULL, FUZZ_NOW, NULL, NULL, &res);
	if (verbose)
		fprintf(stderr, "verdict %s [%s] user \"%s\" groups \"%s\": %s\n", jwt_verdict_name(v),
		        res.issuer_name, res.user, res.groups, res.reason);
	fuzz_check_result(v, &res);
	if (v == JWT_OK) {
		check_accepted(&res, payload, plen, alg, forged);
		v = check_replay(&res);
		if (verbose && v != JWT_OK)
			fprintf(stderr, "  one_time: second use %s: %s\n", jwt_verdict_name(v),
			        res.reason);
	}
	check_audit(&res, in, hlen, payload, plen);
	explicit_bzero(tok, tlen);
	free(tok);
	return 0;
}
