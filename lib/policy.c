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

#define GROUPS_MAX 256
#define GROUP_NAME_MAX 256
#define GROUPS_TEXT_MAX 4096

int policy_valid_name_n(const char *s, size_t len)
{
	size_t i;

	/* useradd's own limit is 32; no path, field or option syntax. */
	if (s == NULL || len == 0 || len > JWT_USERNAME_MAX || s[0] == '-' ||
	    (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' || c == ',' || c == '\\' ||
		    c == '"' || c == '\'' || c == '*' || c == '?')
			return 0;
	}
	return 1;
}

int policy_valid_name(const char *s, size_t len)
{
	return s != NULL && strlen(s) == len && policy_valid_name_n(s, len);
}

/* user_map_file: "CLAIMVALUE LOCALUSER" lines; blank lines and '#'
 * comments (at the start of a line or after whitespace) are skipped, every
 * other line must be exactly two words with a valid local user name, or the
 * whole file is refused with "line N: ...".  key NULL only validates.
 * Returns 0 found (out filled), 1 not found, -1 malformed (why). */
int user_map_scan(const char *text, size_t len, const char *key, char *out, size_t cap,
                  char *why, size_t whycap)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int found = 0;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whycap, "contains a NUL byte");
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *w[3], *q = p;
		size_t wn[3], n = 0, i;

		line++;
		p = nl ? nl + 1 : end;
		while (n < 3) {
			while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == le || *q == '#')
				break;
			w[n] = q;
			while (q < le && *q != ' ' && *q != '\t' && *q != '\r')
				q++;
			wn[n] = (size_t)(q - w[n]);
			n++;
		}
		if (n == 0)
			continue;
		if (n != 2) {
			snprintf(why, whycap, "line %u: expected \"CLAIMVALUE LOCALUSER\"", line);
			return -1;
		}
		for (i = 0; i < wn[0]; i++)
			if ((unsigned char)w[0][i] < 0x21 || (unsigned char)w[0][i] == 0x7f) {
				snprintf(why, whycap, "line %u: control character in the claim value", line);
				return -1;
			}
		if (!policy_valid_name_n(w[1], wn[1])) {
			snprintf(why, whycap, "line %u: not a valid local user name", line);
			return -1;
		}
		if (!found && key != NULL && wn[0] == strlen(key) && memcmp(w[0], key, wn[0]) == 0) {
			if (wn[1] >= cap) {
				snprintf(why, whycap, "line %u: local user name too long", line);
				return -1;
			}
			memcpy(out, w[1], wn[1]);
			out[wn[1]] = '\0';
			found = 1;
		}
	}
	return found ? 0 : 1;
}

int user_map_validate(const char *text, size_t len, char *err, size_t errcap)
{
	return user_map_scan(text, len, NULL, NULL, 0, err, errcap) < 0 ? -1 : 0;
}

static int user_map_lookup(const char *path, const char *key, char *out, size_t cap,
                           char *why, size_t whycap)
{
	char *text = NULL;
	size_t len;
	int rc;

	if (read_trusted(path, USER_MAP_MAX, &text, &len, why, whycap) != 0)
		return -1;
	rc = user_map_scan(text, len, key, out, cap, why, whycap);
	free(text);
	return rc;
}

static enum jwt_verdict map_user(json_object *payload, const struct jwt_issuer *iss,
                                 char *name, size_t cap, struct jwt_result *res)
{
	const char *claim = iss->username_claim != NULL ? iss->username_claim : "sub";
	json_object *v = jwt_json_path(payload, claim);
	char val[256], why[200];
	const char *s = NULL;
	size_t len = 0;

	if (!jwt_json_is_string(v)) {
		snprintf(res->reason, sizeof(res->reason), "username claim \"%.60s\" is %s", claim,
		         v == NULL ? "missing" : "not a string");
		return JWT_BAD_USERNAME;
	}
	if (jwt_json_as_str(v, sizeof(val) - 1, &s, &len) != JWT_JSON_OK) {
		snprintf(res->reason, sizeof(res->reason), "username claim \"%.60s\" is too long "
		         "or contains a NUL byte", claim);
		return JWT_BAD_USERNAME;
	}
	memcpy(val, s, len);
	val[len] = '\0';
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

/* Calls fn for every group the token names (an array of strings, or one
 * space-separated string), at most GROUPS_MAX of them; names that are empty,
 * too long, hold a NUL or are not strings are skipped.  Stops when fn
 * returns non-zero and returns that. */
static int each_token_group(json_object *v, int (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *g = NULL;
	size_t i, n = 0;
	int r;

	if (jwt_json_is_array(v)) {
		for (i = 0; i < jwt_json_array_len(v) && i < GROUPS_MAX; i++)
			if (jwt_json_elem_str(v, i, GROUP_NAME_MAX, &g, &n) == JWT_JSON_OK && n > 0 &&
			    (r = fn(ctx, g, n)) != 0)
				return r;
	} else if (jwt_json_as_str(v, GROUPS_TEXT_MAX, &g, &n) == JWT_JSON_OK) {
		const char *p = g, *end = g + n;

		for (i = 0; p < end && i < GROUPS_MAX; i++) {
			const char *w;

			while (p < end && *p == ' ')
				p++;
			for (w = p; p < end && *p != ' '; p++)
				;
			if (p > w && (size_t)(p - w) <= GROUP_NAME_MAX && (r = fn(ctx, w, (size_t)(p - w))) != 0)
				return r;
		}
	}
	return 0;
}

struct allow_ctx {
	const struct jwt_words *allowed;
};

static int allowed_cb(void *ctx, const char *g, size_t n)
{
	const struct allow_ctx *a = ctx;

	return jwt_words_has(a->allowed, g, n);
}

struct map_ctx {
	const struct jwt_issuer *iss;
	struct jwt_result *res;
	const char *granted[GROUPS_MAX]; /* local groups added so far (in iss) */
	size_t n_granted;
};

static int granted_already(const struct map_ctx *m, const char *l)
{
	size_t i;

	for (i = 0; i < m->n_granted; i++)
		if (strcmp(m->granted[i], l) == 0)
			return 1;
	return 0;
}

static int map_cb(void *ctx, const char *g, size_t n)
{
	struct map_ctx *m = ctx;
	size_t i, j;

	for (i = 0; i < m->iss->n_group_map; i++) {
		const struct jwt_group_map *gm = &m->iss->group_map[i];

		if (strlen(gm->idp) != n || memcmp(gm->idp, g, n) != 0)
			continue;
		for (j = 0; j < gm->local.n; j++) {
			const char *l = gm->local.v[j];
			size_t used = strlen(m->res->groups);

			if (granted_already(m, l) || !policy_valid_name(l, strlen(l)) ||
			    m->n_granted >= GROUPS_MAX)
				continue;
			if (used + strlen(l) + 2 > sizeof(m->res->groups))
				return 1;
			snprintf(m->res->groups + used, sizeof(m->res->groups) - used, "%s%s",
			         used ? " " : "", l);
			m->granted[m->n_granted++] = l;
		}
	}
	return 0;
}

static enum jwt_verdict check_groups(json_object *payload, const struct jwt_issuer *iss,
                                     struct jwt_result *res)
{
	json_object *v;
	struct map_ctx m;
	struct allow_ctx allow = { &iss->allowed_groups };

	if (iss->groups_claim == NULL)
		return JWT_OK;
	v = jwt_json_path(payload, iss->groups_claim);
	if (iss->allowed_groups.n > 0 &&
	    !each_token_group(v, allowed_cb, &allow)) {
		snprintf(res->reason, sizeof(res->reason), "token has none of the %zu allowed "
		         "groups (first \"%.60s\") in \"%.40s\"", iss->allowed_groups.n,
		         iss->allowed_groups.v[0], iss->groups_claim);
		return JWT_GROUP_DENIED;
	}
	memset(&m, 0, sizeof(m));
	m.iss = iss;
	m.res = res;
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
