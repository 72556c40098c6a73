#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "safefile.h"

#define USER_MAP_MAX (1024 * 1024)
#define GROUPS_MAX 256

int policy_valid_name(const char *s, size_t len)
{
	size_t i;

	/* useradd's own limit is 32; no path, field or option syntax. */
	if (len == 0 || len > JWT_USERNAME_MAX || strlen(s) != len || s[0] == '-' ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' || c == ',' || c == '\\' ||
		    c == '"' || c == '\'' || c == '*' || c == '?')
			return 0;
	}
	return 1;
}

/* user_map_file: "CLAIMVALUE LOCALUSER" lines, '#' comments. */
static int user_map_lookup(const char *path, const char *key, char *out, size_t cap,
                           char *why, size_t whycap)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	int rc = 1;

	if (read_trusted(path, USER_MAP_MAX, &text, &len, why, whycap) != 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *k, *u, *rest, *s2 = NULL;

		if ((k = strtok_r(line, " \t\r", &s2)) == NULL || k[0] == '#')
			continue;
		u = strtok_r(NULL, " \t\r", &s2);
		rest = strtok_r(NULL, " \t\r", &s2);
		if (u == NULL || rest != NULL || strcmp(k, key) != 0)
			continue;
		if (strlen(u) >= cap) {
			snprintf(why, whycap, "user_map_file entry for this identity is too long");
			rc = -1;
		} else {
			memcpy(out, u, strlen(u) + 1);
			rc = 0;
		}
		break;
	}
	free(text);
	return rc;
}

static enum jwt_verdict map_user(json_object *payload, const struct jwt_issuer *iss,
                                 char *name, size_t cap, struct jwt_result *res)
{
	const char *claim = iss->username_claim != NULL ? iss->username_claim : "sub";
	json_object *v = jwt_json_path(payload, claim);
	char val[256], why[200];
	size_t len;

	if (v == NULL || !json_object_is_type(v, json_type_string)) {
		snprintf(res->reason, sizeof(res->reason), "username claim \"%.60s\" is %s", claim,
		         v == NULL ? "missing" : "not a string");
		return JWT_BAD_USERNAME;
	}
	len = (size_t)json_object_get_string_len(v);
	if (len >= sizeof(val) || memchr(json_object_get_string(v), '\0', len) != NULL) {
		snprintf(res->reason, sizeof(res->reason), "username claim \"%.60s\" is too long "
		         "or contains a NUL byte", claim);
		return JWT_BAD_USERNAME;
	}
	memcpy(val, json_object_get_string(v), len + 1);
	if (iss->username_suffix != NULL) {
		size_t sl = strlen(iss->username_suffix);

		if (len <= sl || strcmp(val + len - sl, iss->username_suffix) != 0) {
			jwt_sanitize(why, sizeof(why), val, len);
			snprintf(res->reason, sizeof(res->reason), "username \"%.80s\" does not end "
			         "with \"%.60s\"", why, iss->username_suffix);
			return JWT_BAD_USERNAME;
		}
		len -= sl;
		val[len] = '\0';
	}
	if (iss->user_map_file != NULL) {
		int r = user_map_lookup(iss->user_map_file, val, name, cap, why, sizeof(why));

		if (r < 0) {
			snprintf(res->reason, sizeof(res->reason), "user_map_file %.100s: %.100s",
			         iss->user_map_file, why);
			return JWT_CONFIG;
		}
		if (r > 0) {
			jwt_sanitize(why, sizeof(why), val, len);
			snprintf(res->reason, sizeof(res->reason), "no user_map_file entry for \"%.80s\"",
			         why);
			return JWT_USER_UNKNOWN;
		}
	} else if (len < cap) {
		memcpy(name, val, len + 1);
	} else {
		name[0] = '\0';
	}
	if (!policy_valid_name(name, strlen(name))) {
		jwt_sanitize(why, sizeof(why), name, strlen(name));
		snprintf(res->reason, sizeof(res->reason), "\"%.80s\" is not a valid local user name",
		         why);
		return JWT_BAD_USERNAME;
	}
	return JWT_OK;
}

/* Calls fn for every group the token names (array, or space-separated string). */
static int each_token_group(json_object *v, int (*fn)(void *, const char *), void *ctx)
{
	size_t i;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v) && i < GROUPS_MAX; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (json_object_is_type(e, json_type_string) &&
			    strlen(json_object_get_string(e)) == (size_t)json_object_get_string_len(e) &&
			    fn(ctx, json_object_get_string(e)))
				return 1;
		}
	} else if (json_object_is_type(v, json_type_string)) {
		char buf[4096], *g, *save = NULL;

		if ((size_t)json_object_get_string_len(v) >= sizeof(buf))
			return 0;
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
		for (g = strtok_r(buf, " ", &save); g != NULL; g = strtok_r(NULL, " ", &save))
			if (fn(ctx, g))
				return 1;
	}
	return 0;
}

static int word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	const char *p = words;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == words || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

static int allowed_cb(void *ctx, const char *g)
{
	return word_in(ctx, g);
}

struct map_ctx {
	const struct jwt_issuer *iss;
	struct jwt_result *res;
};

static int map_cb(void *ctx, const char *g)
{
	struct map_ctx *m = ctx;
	size_t i;

	for (i = 0; i < m->iss->n_group_map; i++) {
		char local[512], *l, *save = NULL;

		if (strcmp(m->iss->group_map[i].idp, g) != 0)
			continue;
		snprintf(local, sizeof(local), "%s", m->iss->group_map[i].local);
		for (l = strtok_r(local, ",", &save); l != NULL; l = strtok_r(NULL, ",", &save)) {
			size_t used = strlen(m->res->groups);

			if (word_in(m->res->groups, l) || !policy_valid_name(l, strlen(l)))
				continue;
			if (used + strlen(l) + 2 > sizeof(m->res->groups))
				return 1;
			snprintf(m->res->groups + used, sizeof(m->res->groups) - used, "%s%s",
			         used ? " " : "", l);
		}
	}
	return 0;
}

static enum jwt_verdict check_groups(json_object *payload, const struct jwt_issuer *iss,
                                     struct jwt_result *res)
{
	json_object *v;
	struct map_ctx m = { iss, res };

	if (iss->groups_claim == NULL)
		return JWT_OK;
	v = jwt_json_path(payload, iss->groups_claim);
	if (iss->allowed_groups != NULL && !each_token_group(v, allowed_cb, iss->allowed_groups)) {
		snprintf(res->reason, sizeof(res->reason), "token has none of the allowed groups "
		         "(%.120s) in \"%.40s\"", iss->allowed_groups, iss->groups_claim);
		return JWT_GROUP_DENIED;
	}
	each_token_group(v, map_cb, &m);
	return JWT_OK;
}

enum jwt_verdict policy_check(json_object *payload, const struct jwt_issuer *iss,
                              const char *pam_user, struct jwt_result *res)
{
	char name[JWT_USERNAME_MAX + 1] = "", buf[4096];
	struct passwd pw, *pwp = NULL;
	enum jwt_verdict v;

	if ((v = map_user(payload, iss, name, sizeof(name), res)) != JWT_OK)
		return v;
	snprintf(res->user, sizeof(res->user), "%s", name);
	if (pam_user != NULL && strcmp(pam_user, name) != 0) {
		char safe[64];

		jwt_sanitize(safe, sizeof(safe), pam_user, strlen(pam_user));
		snprintf(res->reason, sizeof(res->reason), "token is for user \"%s\", not \"%s\"",
		         name, safe);
		return JWT_USER_MISMATCH;
	}
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL) {
		snprintf(res->reason, sizeof(res->reason), "no local user \"%s\"", name);
		return JWT_USER_UNKNOWN;
	}
	if (pw.pw_uid == 0 && !iss->allow_root) {
		snprintf(res->reason, sizeof(res->reason), "\"%s\" is uid 0 and allow_root is off",
		         name);
		return JWT_ROOT_REFUSED;
	}
	if ((v = check_groups(payload, iss, res)) != JWT_OK)
		return v;
	return JWT_OK;
}
