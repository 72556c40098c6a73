/* SPDX-License-Identifier: BSD-2-Clause */
/* The other JWT libraries, compiled apart from lib/ (whose jwt.h would
 * shadow libjwt's <jwt.h>). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBJWT
#include <jwt.h>
#endif
#ifdef HAVE_CJOSE
#include <cjose/cjose.h>
#endif

#include "peers.h"

int peer_libjwt(const char *token, const char *pem, size_t pem_len)
{
#ifdef HAVE_LIBJWT
	jwt_t *j = NULL;
	int ok = jwt_decode(&j, token, (const unsigned char *)pem, (int)pem_len) == 0;

	jwt_free(j);
	return ok;
#else
	(void)token, (void)pem, (void)pem_len;
	return -1;
#endif
}

int peer_cjose(const char *token, size_t len, const char *jwk, size_t jwk_len)
{
#ifdef HAVE_CJOSE
	cjose_err err;
	cjose_jwk_t *k = cjose_jwk_import(jwk, jwk_len, &err);
	cjose_jws_t *j = cjose_jws_import(token, len, &err);
	int ok = k != NULL && j != NULL && cjose_jws_verify(j, k, &err);

	cjose_jws_release(j);
	cjose_jwk_release(k);
	return ok;
#else
	(void)token, (void)len, (void)jwk, (void)jwk_len;
	return -1;
#endif
}

const char *peer_versions(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "libjwt %s, cjose %s",
#ifdef HAVE_LIBJWT
	         "1.x (Debian libjwt-dev)",
#else
	         "absent",
#endif
#ifdef HAVE_CJOSE
	         cjose_version()
#else
	         "absent"
#endif
	);
	return buf;
}
