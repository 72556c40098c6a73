#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "claims.h"
#include "json.h"
#include "revoke.h"
#include "tap.h"

#define NOW 1700000100
static struct jwt_config *cfg;

static enum jwt_verdict check(const char *payload, const char *typ, int issuer)
{
	json_object *o = jwt_json_parse(payload, strlen(payload), 16);
	struct jwt_result res;
	enum jwt_verdict v;

	memset(&res, 0, sizeof(res));
	if (o == NULL)
		return JWT_INTERNAL;
	v = claims_check(o, typ, &cfg->issuers[issuer], NOW, &res);
	if (v != JWT_OK)
		printf("# %s: %s\n", jwt_verdict_name(v), res.reason);
	json_object_put(o);
	return v;
}

#define BASE "\"iss\":\"https://idp.test/realm\",\"aud\":\"ssh://host.test\""

/* A double reaches int64_t only from [-2^63, 2^63): (double)INT64_MAX is
 * 2^63 itself, so a bound written as that let 2^63 through to an
 * undefined conversion (on x86 it came out as INT64_MIN). */
static void json_ints(void)
{
	static const struct { double d; int64_t min, max; int ok; int64_t want; } t[] = {
		{ 0x1p63, INT64_MIN + 1, INT64_MAX - 1, 0, 0 },
		{ 0x1p63, INT64_MIN, INT64_MAX, 0, 0 },
		{ 1e300, INT64_MIN, INT64_MAX, 0, 0 },
		{ -1e300, INT64_MIN, INT64_MAX, 0, 0 },
		{ -0x1p63, INT64_MIN + 1, INT64_MAX, 0, 0 },
		{ -0x1p63, INT64_MIN, INT64_MAX, 1, INT64_MIN },
		{ 0x1p63 - 1024, INT64_MIN, INT64_MAX, 1, INT64_MAX - 1023 },
		{ 1700000600.5, 0, 2000000000, 1, 1700000600 },
		{ -0.5, -10, 10, 1, -1 },
		{ -10.5, -10, 10, 0, 0 },
	};
	double special[] = { NAN, INFINITY, -INFINITY };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_object *v = json_object_new_double(t[i].d);
		int64_t got = 42;
		enum jwt_json_got r = jwt_json_as_int(v, t[i].min, t[i].max, &got);

		if (t[i].ok)
			ok(r == JWT_JSON_OK && got == t[i].want, "double %a -> %lld", t[i].d,
			   (long long)got);
		else
			ok(r == JWT_JSON_BAD && got == 42, "double %a out of [%lld, %lld] refused", t[i].d,
			   (long long)t[i].min, (long long)t[i].max);
		json_object_put(v);
	}
	for (i = 0; i < 3; i++) {
		json_object *v = json_object_new_double(special[i]);
		int64_t got = 42;

		ok(jwt_json_as_int(v, INT64_MIN, INT64_MAX, &got) == JWT_JSON_BAD && got == 42,
		   "%f refused", special[i]);
		json_object_put(v);
	}
}

/* The revocation path reads iat itself: a huge iat is "no usable iat",
 * which "sub ... before" revokes, and nothing undefined on the way. */
static void revoked_huge_iat(void)
{
	static const char *const iats[] = { "9223372036854775808.0", "1e300", "-1e300",
	                                    "9223372036854775807", "-9223372036854775808" };
	char dir[] = "/tmp/test_claims.XXXXXX", list[64], conf[256], err[256];
	struct jwt_config *c;
	FILE *f;
	size_t i;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(list, sizeof(list), "%s/revoked", dir);
	if ((f = fopen(list, "w")) == NULL) {
		ok(0, "revocation list");
		rmdir(dir);
		return;
	}
	fputs("sub alice before 1700000000\n", f);
	fclose(f);
	snprintf(conf, sizeof(conf), "[issuer a]\nissuer = https://idp.test/realm\n"
	         "audience = ssh://host.test\njwks_file = /nonexistent.jwks\nrevoked_file = %s\n",
	         list);
	c = jwt_config_parse(conf, strlen(conf), "test.conf", err, sizeof(err));
	ok(c != NULL, "config with revoked_file: %s", c ? "ok" : err);
	for (i = 0; c != NULL && i < sizeof(iats) / sizeof(iats[0]); i++) {
		char payload[256];
		json_object *o;
		struct jwt_result res;
		enum jwt_verdict v;

		snprintf(payload, sizeof(payload), "{\"sub\":\"alice\",\"iat\":%s}", iats[i]);
		o = jwt_json_parse(payload, strlen(payload), 16);
		memset(&res, 0, sizeof(res));
		v = o != NULL ? revoked_check(c, &c->issuers[0], o, &res) : JWT_INTERNAL;
		ok(v == JWT_REVOKED, "iat %s, sub revoked before 1700000000: %s (%s)", iats[i],
		   jwt_verdict_name(v), res.reason);
		json_object_put(o);
		/* and the claims check refuses it as a date */
		snprintf(payload, sizeof(payload), "{" BASE ",\"exp\":1700000600,\"iat\":%s}", iats[i]);
		ok(check(payload, "", 0) == JWT_BAD_CLAIM, "claims: iat %s refused", iats[i]);
	}
	jwt_config_free(c);
	unlink(list);
	rmdir(dir);
}

int main(void)
{
	static const char conf[] =
		"jwks_file = /nonexistent.jwks\n"
		"[issuer a]\n"
		"issuer = https://idp.test/realm\n"
		"audience = ssh://host.test\n"
		"[issuer b]\n"
		"issuer = https://idp.test/realm\n"
		"audience = ssh://host.test\n"
		"max_lifetime = 1h\n"
		"leeway = 0\n"
		"typ = at+jwt\n"
		"required_claim = realm_access.roles ssh-login\n"
		"required_claim = email_verified true\n";
	char err[256];

	cfg = jwt_config_parse(conf, strlen(conf), "test.conf", err, sizeof(err));
	ok(cfg != NULL, "config parses: %s", cfg ? "" : err);
	if (cfg == NULL)
		return tap_done();

	ok(check("{" BASE ",\"exp\":1700000600}", "", 0) == JWT_OK, "minimal valid claims");
	ok(check("{" BASE ",\"exp\":1700000600.5}", "", 0) == JWT_OK, "fractional exp");
	ok(check("{" BASE "}", "", 0) == JWT_BAD_CLAIM, "exp missing");
	ok(check("{" BASE ",\"exp\":\"1700000600\"}", "", 0) == JWT_BAD_CLAIM, "exp string");
	ok(check("{" BASE ",\"exp\":null}", "", 0) == JWT_BAD_CLAIM, "exp null");
	ok(check("{" BASE ",\"exp\":1700000000}", "", 0) == JWT_EXPIRED, "exp past beyond leeway");
	ok(check("{" BASE ",\"exp\":1700000050}", "", 0) == JWT_OK, "exp within 60 s leeway");
	ok(check("{" BASE ",\"exp\":1700000040}", "", 0) == JWT_EXPIRED, "exp exactly at leeway edge");
	ok(check("{" BASE ",\"exp\":1700000600,\"nbf\":1700000200}", "", 0) == JWT_NOT_YET_VALID,
	   "nbf future");
	ok(check("{" BASE ",\"exp\":1700000600,\"nbf\":1700000150}", "", 0) == JWT_OK,
	   "nbf within leeway");
	ok(check("{" BASE ",\"exp\":1700000600,\"nbf\":\"x\"}", "", 0) == JWT_BAD_CLAIM, "nbf string");
	ok(check("{" BASE ",\"exp\":1700000600,\"nbf\":null}", "", 0) == JWT_BAD_CLAIM, "nbf null");
	ok(check("{" BASE ",\"exp\":1700000600,\"iat\":null}", "", 0) == JWT_BAD_CLAIM, "iat null");
	ok(check("{" BASE ",\"exp\":1700000600,\"jti\":7}", "", 0) == JWT_BAD_CLAIM, "jti number");
	ok(check("{" BASE ",\"exp\":1700000600,\"jti\":null}", "", 0) == JWT_BAD_CLAIM, "jti null");
	ok(check("{" BASE ",\"exp\":1700000600,\"jti\":[\"a\"]}", "", 0) == JWT_BAD_CLAIM, "jti array");
	ok(check("{" BASE ",\"exp\":1700000600,\"jti\":\"\"}", "", 0) == JWT_OK,
	   "empty jti: as if absent");
	ok(check("{" BASE ",\"exp\":1700009999,\"iat\":1700000200}", "", 0) == JWT_ISSUED_IN_FUTURE,
	   "iat future");
	ok(check("{\"iss\":\"https://idp.test/realm-evil\",\"aud\":\"ssh://host.test\","
	         "\"exp\":1700000600}", "", 0) == JWT_UNKNOWN_ISSUER, "iss with a suffix");
	ok(check("{\"iss\":\"https://idp.test/real\",\"aud\":\"ssh://host.test\","
	         "\"exp\":1700000600}", "", 0) == JWT_UNKNOWN_ISSUER, "iss prefix");
	ok(check("{\"aud\":\"ssh://host.test\",\"exp\":1700000600}", "", 0) == JWT_UNKNOWN_ISSUER,
	   "iss missing");
	ok(check("{\"iss\":[\"https://idp.test/realm\"],\"aud\":\"ssh://host.test\","
	         "\"exp\":1700000600}", "", 0) == JWT_UNKNOWN_ISSUER, "iss array");
	ok(check("{\"iss\":\"https://idp.test/realm\",\"exp\":1700000600}", "", 0) ==
	   JWT_WRONG_AUDIENCE, "aud missing");
	ok(check("{\"iss\":\"https://idp.test/realm\",\"aud\":\"ssh://host.test2\","
	         "\"exp\":1700000600}", "", 0) == JWT_WRONG_AUDIENCE, "aud other");
	ok(check("{\"iss\":\"https://idp.test/realm\",\"aud\":[\"x\",\"ssh://host.test\"],"
	         "\"exp\":1700000600}", "", 0) == JWT_OK, "aud array containing ours");
	ok(check("{\"iss\":\"https://idp.test/realm\",\"aud\":[[\"ssh://host.test\"]],"
	         "\"exp\":1700000600}", "", 0) == JWT_WRONG_AUDIENCE, "aud nested array refused");

#define B_OK "\"iat\":1700000000,\"exp\":1700000600,\"realm_access\":{\"roles\":[\"x\",\"ssh-login\"]},\"email_verified\":true"
	ok(check("{" BASE "," B_OK "}", "at+jwt", 1) == JWT_OK, "restricted issuer: all rules met");
	ok(check("{" BASE "," B_OK "}", "application/at+JWT", 1) == JWT_OK,
	   "typ with application/ prefix and other case");
	ok(check("{" BASE "," B_OK "}", "JWT", 1) == JWT_TYP, "typ JWT refused where at+jwt needed");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1700007200,\"realm_access\":{\"roles\":"
	         "[\"ssh-login\"]},\"email_verified\":true}", "at+jwt", 1) == JWT_LIFETIME,
	   "lifetime over max_lifetime");
	ok(check("{" BASE ",\"exp\":1700000600,\"realm_access\":{\"roles\":[\"ssh-login\"]},"
	         "\"email_verified\":true}", "at+jwt", 1) == JWT_OK,
	   "no iat: the 600 s left count against max_lifetime");
	ok(check("{" BASE ",\"exp\":1700007200,\"realm_access\":{\"roles\":[\"ssh-login\"]},"
	         "\"email_verified\":true}", "at+jwt", 1) == JWT_LIFETIME,
	   "no iat: 2 h left is over max_lifetime 1 h");
	/* The default bound (1 day) holds without any max_lifetime line. */
	ok(check("{" BASE ",\"exp\":2015360000}", "", 0) == JWT_LIFETIME,
	   "ten-year token without iat refused by default");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":2015360000}", "", 0) == JWT_LIFETIME,
	   "ten-year token with iat refused by default");
	ok(check("{" BASE ",\"iat\":1699990000,\"exp\":1700080000}", "", 0) == JWT_LIFETIME,
	   "25 h lifetime refused by default");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1700003600}", "", 0) == JWT_OK,
	   "one-hour token accepted by default");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1700000600,\"realm_access\":{\"roles\":"
	         "[\"admin\"]},\"email_verified\":true}", "at+jwt", 1) == JWT_CLAIM_MISMATCH,
	   "required claim with another value");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1700000600,\"realm_access\":{\"roles\":"
	         "[\"ssh-login\"]},\"email_verified\":false}", "at+jwt", 1) == JWT_CLAIM_MISMATCH,
	   "boolean required claim compared as text");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1700000600,\"realm_access\":\"ssh-login\","
	         "\"email_verified\":true}", "at+jwt", 1) == JWT_CLAIM_MISMATCH,
	   "dotted path through a string is missing");
	ok(check("{" BASE ",\"iat\":1700000000,\"exp\":1699999990,\"realm_access\":{\"roles\":"
	         "[\"ssh-login\"]},\"email_verified\":true}", "at+jwt", 1) == JWT_EXPIRED,
	   "leeway 0: expired 110 s ago");
	/* Found by tests/fuzz: out-of-range dates must not overflow the arithmetic. */
	ok(check("{" BASE ",\"exp\":-9223372036854775808}", "", 0) == JWT_BAD_CLAIM,
	   "exp INT64_MIN refused");
	ok(check("{" BASE ",\"exp\":99999999999999999999}", "", 0) == JWT_BAD_CLAIM,
	   "exp beyond int64 (clamped by json-c) refused");
	ok(check("{" BASE ",\"exp\":1700000600,\"iat\":-9223372036854775808}", "at+jwt", 1) ==
	   JWT_BAD_CLAIM, "iat INT64_MIN with max_lifetime refused");
	{
		json_object *o = jwt_json_parse("{" BASE ",\"exp\":1700000600}", strlen("{" BASE ",\"exp\":1700000600}"), 16);
		struct jwt_result res;

		memset(&res, 0, sizeof(res));
		ok(o != NULL && claims_check(o, "x\"\n\x01", &cfg->issuers[1], NOW, &res) == JWT_TYP &&
		   strpbrk(res.reason, "\n\x01") == NULL && strchr(res.reason + 12, '\'') != NULL,
		   "header typ is sanitized in the reason: %s", res.reason);
		json_object_put(o);
	}
	json_ints();
	revoked_huge_iat();
	ok(check("{" BASE "," B_OK "}", "APPLICATION/AT+JWT", 1) == JWT_OK, "typ: ASCII case folding");
	ok(check("{" BASE "," B_OK "}", "application/\xc1T+JWT", 1) == JWT_TYP,
	   "typ: no byte above 0x7f folds (Latin-1 A acute is not a)");
	jwt_config_free(cfg);
	return tap_done();
}
