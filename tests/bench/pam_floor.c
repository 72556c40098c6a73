/*
 * pam_floor.so key=PATH.der: the least a token login can cost, as a PAM
 * module to measure pam_jwt.so against (tests/bench/bench_goals.sh).
 *
 * authenticate: prompt for the answer, import the RSA public key from DER
 * (SubjectPublicKeyInfo) and verify the answer's RS256 signature over its
 * signing input.  Nothing else: no config, no key set, no claims, no user
 * lookup, no state.  setcred and acct_mgmt succeed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "b64url.h"

static int verify(const char *der_path, const char *tok)
{
	unsigned char der[4096], sig[1024];
	const unsigned char *p = der;
	const char *dot = strrchr(tok, '.');
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = NULL;
	size_t der_len, sig_len = 0;
	FILE *f;
	int ok = 0;

	if (dot == NULL || (f = fopen(der_path, "rb")) == NULL)
		return 0;
	der_len = fread(der, 1, sizeof(der), f);
	fclose(f);
	if (b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof(sig), &sig_len) == 0 &&
	    sig_len > 0 && (key = d2i_PUBKEY(NULL, &p, (long)der_len)) != NULL &&
	    (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)tok,
		                      (size_t)(dot - tok)) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *tok = NULL;

	(void)flags;
	if (argc != 1 || strncmp(argv[0], "key=", 4) != 0)
		return PAM_SERVICE_ERR;
	if (pam_get_authtok(pamh, PAM_AUTHTOK, &tok, "Token: ") != PAM_SUCCESS || tok == NULL)
		return PAM_AUTH_ERR;
	return verify(argv[0] + 4, tok) ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
