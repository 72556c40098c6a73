#include "config.h"

#include <stdlib.h>

#include "json.h"
#include "policy.h"
#include "revoke.h"
#include "tap.h"

static struct jwt_config *cfg;
static struct jwt_result res;

/* Users present on every Debian system: root (0) and daemon (1). */
static enum jwt_verdict pol(const char *payload, int issuer, const char *pam_user)
{
	json_object *o = jwt_json_parse(payload, strlen(payload), 16);
	enum jwt_verdict v;

	memset(&res, 0, sizeof(res));
	if (o == NULL)
		return JWT_INTERNAL;
	v = policy_check(o, &cfg->issuers[issuer], pam_user, &res);
	if (v != JWT_OK)
		printf("# %s: %s\n", jwt_verdict_name(v), res.reason);
	json_object_put(o);
	return v;
}

static int rv(const char *list, const char *jti, const char *sub, int has_iat, long long iat)
{
	char why[200];

	return revoked_match(list, strlen(list), jti, sub, has_iat, iat, why, sizeof(why));
}

static int um(const char *map, const char *key, size_t cap, char *out)
{
	char why[200];

	return user_map_scan(map, strlen(map), key, out, cap, why, sizeof(why));
}

/* The parse entry points tests/fuzz/fuzz_revoked and fuzz_usermap drive. */
static void lists(void)
{
	static const char list[] = "# comment\r\njti t-1\r\n\tsub mallory # gone\n"
	                           "sub daemon before 1700000000\n";
	char out[64];

	ok(rv(list, "t-1", NULL, 0, 0) == 1, "revoked: jti listed");
	ok(rv(list, "t-2", "bob", 1, 5) == 0, "revoked: neither listed");
	ok(rv(list, NULL, "mallory", 1, 5) == 1, "revoked: sub, trailing comment");
	ok(rv(list, NULL, "daemon", 1, 1699999999) == 1, "revoked: sub, iat before the cut");
	ok(rv(list, NULL, "daemon", 1, 1700000000) == 0, "revoked: sub, iat at the cut");
	ok(rv(list, NULL, "daemon", 0, 0) == 1, "revoked: sub before, no iat: revoked");
	ok(rv("jti a\nbogus line\n", "a", NULL, 0, 0) == -1,
	   "revoked: a bad line after a match still refuses the list");
	ok(revoked_match("jti a\0\n", 7, "a", NULL, 0, 0, out, sizeof(out)) == -1,
	   "revoked: NUL refused");
	ok(rv("sub x before 99999999999999999999\n", NULL, "y", 0, 0) == -1,
	   "revoked: UNIXTIME out of range refused");
	ok(rv("jti x before 5\n", NULL, "y", 0, 0) == -1, "revoked: jti takes no before");
	ok(revoked_validate(list, strlen(list), out, sizeof(out)) == 0, "revoked: list validates");

	ok(um("alice first\nalice second\n", "alice", sizeof(out), out) == 0 &&
	   strcmp(out, "first") == 0, "user map: the first line wins");
	ok(um("alice first\n", "bob", sizeof(out), out) == 1, "user map: not found");
	ok(um("alice first\n", "alice", 4, out) == -1, "user map: a name over the buffer refused");
	ok(um("alice ../root\n", "bob", sizeof(out), out) == -1, "user map: bad local name refused");
	ok(um("alice a b\n", "x", sizeof(out), out) == -1, "user map: three words refused");
	ok(user_map_validate("\r\n# x\n\ta\tb\r\n", 12, out, sizeof(out)) == 0,
	   "user map: blank, comment, tabs and CRLF");
}

int main(void)
{
	static const char conf[] =
		"jwks_file = /nonexistent.jwks\n"
		"issuer = https://idp.test/realm\n"
		"audience = ssh://host.test\n"
		"[issuer plain]\n"
		"[issuer mail]\n"
		"username_claim = email\n"
		"username_suffix = @example.com\n"
		"allow_root = yes\n"
		"groups_claim = groups\n"
		"allowed_groups = ops admins\n"
		"group_map = ops adm,daemon\n"
		"group_map = /admins sudo\n"
		"[issuer nested]\n"
		"username_claim = ext.login\n";
	char err[256];

	lists();
	cfg = jwt_config_parse(conf, strlen(conf), "test.conf", err, sizeof(err));
	ok(cfg != NULL, "config parses: %s", cfg ? "" : err);
	if (cfg == NULL)
		return tap_done();

	ok(pol("{\"sub\":\"daemon\"}", 0, "daemon") == JWT_OK, "sub maps to an existing user");
	is_str(res.user, "daemon", "mapped user recorded");
	ok(pol("{\"sub\":\"daemon\"}", 0, NULL) == JWT_OK, "no PAM user: any mapped user");
	ok(pol("{\"sub\":\"daemon\"}", 0, "root") == JWT_USER_MISMATCH, "PAM user differs");
	ok(pol("{\"sub\":\"root\"}", 0, "root") == JWT_ROOT_REFUSED, "root refused by default");
	ok(pol("{\"sub\":\"no-such-user-x\"}", 0, "no-such-user-x") == JWT_USER_UNKNOWN,
	   "unknown local user");
	ok(pol("{\"sub\":\"dae\\u0000mon\"}", 0, "daemon") == JWT_BAD_USERNAME, "NUL in username");
	ok(pol("{\"sub\":\"../daemon\"}", 0, NULL) == JWT_BAD_USERNAME, "slash in username");
	ok(pol("{\"sub\":\"a:b\"}", 0, NULL) == JWT_BAD_USERNAME, "colon in username");
	ok(pol("{\"sub\":\"-daemon\"}", 0, NULL) == JWT_BAD_USERNAME, "leading dash");
	ok(pol("{\"sub\":\"da\\nemon\"}", 0, NULL) == JWT_BAD_USERNAME, "control character");
	ok(pol("{\"sub\":\"abcdefghijabcdefghijabcdefghijabc\"}", 0, NULL) == JWT_BAD_USERNAME,
	   "33 characters is too long");
	ok(pol("{\"sub\":42}", 0, NULL) == JWT_BAD_USERNAME, "numeric sub");
	ok(pol("{}", 0, NULL) == JWT_BAD_USERNAME, "no sub");

	ok(pol("{\"email\":\"root@example.com\",\"groups\":[\"ops\"]}", 1, "root") == JWT_OK,
	   "suffix stripped, allow_root, allowed group");
	is_str(res.groups, "adm daemon", "group_map maps ops to two local groups");
	ok(pol("{\"email\":\"root@example.com.evil\",\"groups\":[\"ops\"]}", 1, "root") ==
	   JWT_BAD_USERNAME, "other domain refused");
	ok(pol("{\"email\":\"@example.com\",\"groups\":[\"ops\"]}", 1, NULL) == JWT_BAD_USERNAME,
	   "nothing left after the suffix");
	ok(pol("{\"email\":\"root@example.com\",\"groups\":[\"dev\"]}", 1, "root") ==
	   JWT_GROUP_DENIED, "no allowed group");
	ok(pol("{\"email\":\"root@example.com\"}", 1, "root") == JWT_GROUP_DENIED, "no groups claim");
	ok(pol("{\"email\":\"root@example.com\",\"groups\":\"dev admins\"}", 1, "root") == JWT_OK,
	   "space-separated groups string");
	ok(pol("{\"email\":\"root@example.com\",\"groups\":[\"ops\",\"/admins\"]}", 1, "root") ==
	   JWT_OK, "two mapped groups");
	is_str(res.groups, "adm daemon sudo", "groups from both maps, in order");
	ok(pol("{\"email\":\"root@example.com\",\"groups\":[\"opsx\"]}", 1, "root") ==
	   JWT_GROUP_DENIED, "allowed group matched as a whole word");
	ok(pol("{\"ext\":{\"login\":\"daemon\"}}", 2, "daemon") == JWT_OK, "dotted username claim");

	/* Hostile group values: every one finishes, none matches by accident. */
	{
		static const char *const denied[] = {
			"[\"\"]", "[\" \"]", "[\"\",\"\"]", "\"\"", "\" \"", "\"\\t\"", "[null]", "[1]",
			"[[]]", "[{}]", "[[\"ops\"]]", "null", "7", "{}", "{\"ops\":1}", "true",
			"[\"ops admins\"]", "[\"ops,admins\"]", "[\"op\"]", "[\"ops \"]", "[\" ops\"]",
			"[\"adm\"]", "[\"admins\\u0000\"]", "[\"OPS\"]", "\"opsadmins\"",
		};
		static const char *const allowed[] = {
			"[\"\",\"ops\"]", "[null,\"admins\"]", "[1,[],{},\"ops\"]", "\" ops \"",
			"\"dev  admins\"",
		};
		char p[256];
		size_t i;

		for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
			snprintf(p, sizeof(p), "{\"email\":\"root@example.com\",\"groups\":%s}", denied[i]);
			ok(pol(p, 1, "root") == JWT_GROUP_DENIED, "groups %s refused", denied[i]);
		}
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
			snprintf(p, sizeof(p), "{\"email\":\"root@example.com\",\"groups\":%s}", allowed[i]);
			ok(pol(p, 1, "root") == JWT_OK, "groups %s accepted", allowed[i]);
		}
	}
	ok(pol("{\"email\":\"root@example.com\",\"groups\":[\"ops\",\"ops\",\"/admins\",\"ops\"]}",
	       1, "root") == JWT_OK, "repeated groups");
	is_str(res.groups, "adm daemon sudo", "each local group granted once");
	jwt_config_free(cfg);
	return tap_done();
}
