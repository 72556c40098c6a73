/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: what happens after a signature verifies.  fuzz_token
 * cannot get there (it would have to forge a signature), so this one feeds
 * the input as the decoded payload straight to the same steps decide() in
 * lib/verify.c runs: jwt_json_parse (as jws_payload does), claims_check()
 * and policy_check() for one issuer section with every claim rule set.
 * PAM user is NULL (any local user), so "root" and other users in
 * /etc/passwd reach the groups policy; acceptance is allowed here.
 * Input: a JSON payload starting with '{' (header typ "", issuer "fuzz"),
 * or "TYP\nPAYLOAD": the header typ (under 64 bytes, no NUL, as jws_parse
 * keeps it) checked by issuer "typed", which requires typ = at+jwt.
 * Properties: verdict in range; result text NUL-terminated printable ASCII;
 * mapped groups are valid names; an accepted token maps to a valid user.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "conf.h"
#include "json.h"
#include "jwt.h"
#include "policy.h"
#include "fuzz_util.h"

#define FUZZ_NOW ((time_t)4102444800)

static const char conf_text[] =
	"[issuer fuzz]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = /nonexistent/keys.jwks\n"
	"max_lifetime = 1d\n"
	"allow_root = yes\n"
	"required_claim = realm_access.roles ssh-login\n"
	"required_claim = scope ssh\n"
	"groups_claim = groups\n"
	"allowed_groups = ssh-users admins\n"
	"group_map = admins wheel,adm,root\n"
	"group_map = ssh-users users,-notaname\n"
	"[issuer typed]\n"
	"issuer = https://idp.test\n"
	"audience = ssh://host.test\n"
	"jwks_file = /nonexistent/keys.jwks\n"
	"typ = application/at+jwt\n";

static struct jwt_config *cfg;

static void cleanup(void)
{
	jwt_config_free(cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc;
	(void)argv;
	if ((cfg = jwt_config_parse(conf_text, sizeof(conf_text) - 1, "fuzz_claims.conf", err,
	                            sizeof(err))) == NULL)
		FUZZ_FAIL("fuzz config rejected: %s", err);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jwt_issuer *iss = &cfg->issuers[0];
	const char *text = (const char *)data;
	char typ[64] = "";
	json_object *payload;
	struct jwt_result res;
	enum jwt_verdict v;
	char *save = NULL, groups[sizeof(res.groups)], *g;

	if (size > 0 && text[0] != '{') {
		const char *nl = memchr(text, '\n', size);
		size_t n = nl != NULL ? (size_t)(nl - text) : size;

		if (nl == NULL || n >= sizeof(typ) || memchr(text, '\0', n) != NULL)
			return 0;
		memcpy(typ, text, n);
		typ[n] = '\0';
		text += n + 1;
		size -= n + 1;
		iss = &cfg->issuers[1];
	}
	payload = jwt_json_parse(text, size, 16);
	if (payload == NULL)
		return 0;
	if (!json_object_is_type(payload, json_type_object)) {
		json_object_put(payload);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	v = claims_check(payload, typ, iss, FUZZ_NOW, &res);
	if (v == JWT_OK)
		v = policy_check(payload, iss, NULL, &res);
	json_object_put(payload);
	if ((unsigned)v >= JWT_VERDICT_COUNT)
		FUZZ_FAIL("verdict %d out of range", (int)v);
	FUZZ_CHECK_PRINTABLE(res.reason);
	FUZZ_CHECK_PRINTABLE(res.iss);
	FUZZ_CHECK_PRINTABLE(res.sub);
	FUZZ_CHECK_PRINTABLE(res.jti);
	FUZZ_CHECK_PRINTABLE(res.user);
	FUZZ_CHECK_PRINTABLE(res.groups);
	if (v == JWT_OK && !policy_valid_name(res.user, strlen(res.user)))
		FUZZ_FAIL("accepted with user \"%s\"", res.user);
	memcpy(groups, res.groups, sizeof(groups));
	for (g = strtok_r(groups, " ", &save); g != NULL; g = strtok_r(NULL, " ", &save))
		if (!policy_valid_name(g, strlen(g)))
			FUZZ_FAIL("mapped group \"%s\" is not a valid name", g);
	return 0;
}
