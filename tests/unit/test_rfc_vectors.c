/* SPDX-License-Identifier: BSD-2-Clause */
/* Published vectors: RFC 7515 appendix A, RFC 8037, RFC 7520 section 4. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>

#include "b64url.h"
#include "json.h"
#include "jwk.h"
#include "jws.h"
#include "sig.h"
#include "tap.h"

/* An HMAC vector: the module takes HS keys only from hmac_secret_file, so
 * the secret goes to sig_verify_hmac directly, as keys_load_secret would. */
static void check_hmac(const char *src, const char *alg_name, const char *k, const char *tok)
{
	unsigned char secret[128];
	size_t slen = 0;
	struct jws *j = calloc(1, sizeof(*j));
	const struct jwt_alg *alg = jwt_alg_find(alg_name);
	char reason[256], *copy = strdup(tok);

	ok(k != NULL && b64url_decode(k, strlen(k), secret, sizeof(secret), &slen) == 0 && slen >= 32,
	   "%s: secret decodes (%zu bytes)", src, slen);
	ok(j != NULL && jws_parse(tok, strlen(tok), j, reason, sizeof(reason)) == JWT_OK, "%s: parses",
	   src);
	ok(alg != NULL && j != NULL && sig_verify_hmac(alg, secret, slen, (const unsigned char *)j->input,
	                                               j->input_len, j->sig, j->sig_len) == SIG_VALID,
	   "%s: HMAC verifies", src);
	copy[strchr(copy, '.') - copy + 3] ^= 1;
	ok(alg != NULL && j != NULL && (jws_parse(copy, strlen(copy), j, reason, sizeof(reason)) != JWT_OK ||
	   sig_verify_hmac(alg, secret, slen, (const unsigned char *)j->input, j->input_len, j->sig,
	                   j->sig_len) != SIG_VALID), "%s: altered payload fails", src);
	explicit_bzero(secret, sizeof(secret));
	free(copy);
	free(j);
}

static void check_file(const char *path)
{
	json_object *doc = json_object_from_file(path), *jwk;
	const char *tok, *src, *alg_name;
	struct jwk k;
	struct jws *j = calloc(1, sizeof(*j));
	const struct jwt_alg *alg;
	char reason[256], *copy;

	ok(doc != NULL && j != NULL, "%s loads", path);
	if (doc == NULL || j == NULL)
		goto out;
	tok = jwt_json_str(doc, "token", NULL);
	src = jwt_json_str(doc, "source", NULL);
	alg_name = jwt_json_str(doc, "alg", NULL);
	ok(tok && src && alg_name && json_object_object_get_ex(doc, "jwk", &jwk), "%s fields", path);
	if (!tok || !src || !alg_name || !json_object_object_get_ex(doc, "jwk", &jwk))
		goto out;
	{
		const char *kty = jwt_json_str(jwk, "kty", NULL);

		if (kty != NULL && strcmp(kty, "oct") == 0) {
			check_hmac(src, alg_name, jwt_json_str(jwk, "k", NULL), tok);
			goto out;
		}
	}
	ok(jwk_import(jwk, &k) == 0 && k.pkey != NULL, "%s: key imports", src);
	ok(jws_parse(tok, strlen(tok), j, reason, sizeof(reason)) == JWT_OK, "%s: parses", src);
	alg = jwt_alg_find(j->alg);
	ok(alg != NULL && strcmp(alg->name, alg_name) == 0, "%s: alg %s", src, alg_name);
	if (alg == NULL || k.pkey == NULL)
		goto out_key;
	ok(jwk_fits(&k, alg, reason, sizeof(reason)) == 0, "%s: key fits", src);
	ok(sig_verify_pkey(alg, k.pkey, (const unsigned char *)j->input, j->input_len, j->sig,
	                   j->sig_len) == SIG_VALID, "%s: signature verifies", src);
	/* the same vector with one payload character changed must fail */
	copy = strdup(tok);
	copy[strchr(copy, '.') - copy + 3] ^= 1;
	ok(jws_parse(copy, strlen(copy), j, reason, sizeof(reason)) != JWT_OK ||
	   sig_verify_pkey(alg, k.pkey, (const unsigned char *)j->input, j->input_len, j->sig,
	                   j->sig_len) != SIG_VALID, "%s: altered payload fails", src);
	free(copy);
out_key:
	EVP_PKEY_free(k.pkey);
out:
	json_object_put(doc);
	free(j);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4400];
	struct dirent **names;
	int n, i, files = 0;

	snprintf(dir, sizeof(dir), "%s/tests/vectors/rfc", top ? top : ".");
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 5 && strcmp(names[i]->d_name + l - 5, ".json") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			check_file(path);
			files++;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	ok(files >= 8, "%d vector files (RFC 7515 A.2-A.4, RFC 7520 4.1-4.4, RFC 8037 A.4)", files);
	return tap_done();
}
