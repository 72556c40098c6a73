#include "config.h"

#include <stdlib.h>

#include "alg.h"
#include "conf.h"
#include "tap.h"

static char err[512];

static struct jwt_config *parse(const char *text)
{
	return jwt_config_parse(text, strlen(text), "/etc/t.conf", err, sizeof(err));
}

/* Parsing must fail and name the line. */
static void bad(const char *text, const char *where, const char *what)
{
	struct jwt_config *c = parse(text);

	ok(c == NULL && strstr(err, where) != NULL, "%s -> %s", what, c ? "(accepted)" : err);
	jwt_config_free(c);
}

#define ISS "[issuer x]\nissuer = https://idp.test\naudience = ssh://h\n"

/* Every key set once in one section, then each again.  The "set twice"
 * check keeps one bit per key: a bit past the width of its word collided
 * with another key on 32-bit builds (device_token with issuer). */
static void every_key_once(void)
{
	static const char *const candidates[] = {
		"60", "yes", "RS256", "/nonexistent", "id_token", "https://idp.test/x",
		"ops wheel", "word", "192.0.2.0/24",
	};
	const char *value[128] = { 0 };
	struct jwt_config *c;
	size_t i, j, n = 0, unset = 0, twice_ok = 0;
	char e[256];

	while (jwt_config_key_name(n) != NULL)
		n++;
	ok(n > 32 && n <= 128, "%zu config keys (more than 32 bits)", n);
	if (n > 128)
		return;
	/* a value each key takes, each try in a fresh config */
	for (i = 0; i < n; i++)
		for (j = 0; j < sizeof(candidates) / sizeof(candidates[0]) && !value[i]; j++) {
			if ((c = parse(ISS "jwks_file = /k.jwks\n")) == NULL)
				break;
			if (jwt_config_set(c, NULL, jwt_config_key_name(i), candidates[j], e,
			                   sizeof(e)) == 0)
				value[i] = candidates[j];
			jwt_config_free(c);
		}
	for (i = 0; i < n; i++)
		if (value[i] == NULL) {
			printf("# no value found for %s\n", jwt_config_key_name(i));
			unset++;
		}
	ok(unset == 0, "a valid value found for every key");
	if ((c = parse(ISS "jwks_file = /k.jwks\n")) == NULL) {
		ok(0, "config parses: %s", err);
		return;
	}
	for (i = 0; i < n; i++) {
		int r = value[i] ? jwt_config_set(c, NULL, jwt_config_key_name(i), value[i], e,
		                                  sizeof(e)) : 0;

		ok(r == 0, "%s = %s, once: %s", jwt_config_key_name(i), value[i] ? value[i] : "?",
		   r == 0 ? "ok" : e);
	}
	for (i = 0; i < n; i++) {
		const char *k = jwt_config_key_name(i);
		int r = value[i] ? jwt_config_set(c, NULL, k, value[i], e, sizeof(e)) : -1;

		if (strcmp(k, "group_map") == 0 || strcmp(k, "required_claim") == 0) {
			twice_ok++;
			ok(r == 0, "%s may be given again", k);
		} else {
			ok(r != 0 && strstr(e, "set twice") != NULL, "%s again: %s", k,
			   r == 0 ? "(accepted)" : e);
		}
	}
	ok(twice_ok == 2, "the two repeatable keys are among them");
	jwt_config_free(c);
}

int main(void)
{
	struct jwt_config *c;

	c = parse("# comment\n\ncache_dir = /var/cache/x\nleeway = 2m\n"
	          "groups_claim = groups\ngroup_map = ops wheel\n"
	          "[issuer kc]\nissuer = https://kc.test/realms/a\naudience = ssh://h\n"
	          "algorithms = RS256 ES256\n"
	          "[issuer gh]\nissuer = https://token.actions.githubusercontent.com\n"
	          "audience = ssh://h\nleeway = 5\ngroup_map = admins sudo,adm\n"
	          "groups_claim = groups\nrequired_claim = repository org/repo\n"
	          "allow_root = yes\nmax_lifetime = 1h\n"
	          "  [issuer static]  \njwks_file = /etc/keys.jwks\nissuer = static\n"
	          "audience = ssh://h\nalgorithms = HS256\n"
	          "hmac_secret_file = /etc/secret\n");
	ok(c != NULL, "full config parses: %s", c ? "" : err);
	if (c == NULL)
		return tap_done();
	ok(c->n_issuers == 3, "three issuers");
	is_str(c->cache_dir, "/var/cache/x", "cache_dir");
	ok(c->issuers[0].leeway == 120 && c->issuers[1].leeway == 5, "defaults then overrides");
	ok(c->issuers[0].algorithms == (jwt_alg_find("RS256")->bit | jwt_alg_find("ES256")->bit),
	   "algorithms mask");
	ok(c->issuers[1].algorithms == JWT_ALG_ASYMMETRIC_MASK, "default: all asymmetric algorithms");
	ok(c->issuers[1].n_group_map == 2 && c->issuers[1].group_map[1].local.n == 2 &&
	   strcmp(c->issuers[1].group_map[1].local.v[0], "sudo") == 0 &&
	   strcmp(c->issuers[1].group_map[1].local.v[1], "adm") == 0,
	   "group_map lines add to the inherited ones, local groups split once");
	ok(c->issuers[0].n_group_map == 1, "sections get their own copy of defaults");
	ok(c->issuers[1].n_required == 1 && strcmp(c->issuers[1].required[0].path, "repository") == 0,
	   "required_claim");
	ok(c->issuers[1].allow_root && c->issuers[1].max_lifetime == 3600, "bool and duration");
	is_str(c->issuers[2].name, "static", "section header with spaces");
	jwt_config_free(c);

	c = parse(ISS);
	ok(c != NULL && strcmp(c->cache_dir, JWT_DEFAULT_CACHE_DIR) == 0, "default cache_dir");
	ok(c != NULL && c->issuers[0].max_lifetime == JWT_DEFAULT_MAX_LIFETIME &&
	   JWT_DEFAULT_MAX_LIFETIME == 86400, "max_lifetime defaults to one day");
	jwt_config_free(c);

	/* One comment rule: '#' at a line start or after whitespace. */
	c = parse(ISS "groups_claim = groups   # where the IdP puts them\n"
	          "allowed_groups = admins   # not contractors\n"
	          "leeway = 30 # seconds\n"
	          "typ = a#b\n"
	          "[issuer y] # the second one\nissuer = https://y.test#frag\naudience = ssh://h\t#tab\n"
	          "allowed_groups = ssh-users admins,ops\ngroups_claim = g\n");
	ok(c != NULL, "trailing comments parse: %s", c ? "" : err);
	if (c != NULL) {
		const struct jwt_words *w = &c->issuers[0].allowed_groups;

		ok(w->n == 1 && strcmp(w->v[0], "admins") == 0, "comment is not part of a word list");
		ok(!jwt_words_has(w, "contractors", 11) && !jwt_words_has(w, "#", 1) &&
		   !jwt_words_has(w, "not", 3), "comment words never match");
		ok(c->issuers[0].leeway == 30, "number with a trailing comment");
		is_str(c->issuers[0].groups_claim, "groups", "string with a trailing comment");
		is_str(c->issuers[0].typ, "a#b", "'#' glued to text is part of the value");
		is_str(c->issuers[1].issuer, "https://y.test#frag", "URL fragment kept");
		is_str(c->issuers[1].audience, "ssh://h", "comment after a tab");
		w = &c->issuers[1].allowed_groups;
		ok(w->n == 3 && jwt_words_has(w, "ssh-users", 9) && jwt_words_has(w, "ops", 3),
		   "word list split at spaces and commas");
		ok(!jwt_words_has(w, "ssh-users admins", 16) && !jwt_words_has(w, "ssh", 3) &&
		   !jwt_words_has(w, "users", 5) && !jwt_words_has(w, "", 0) &&
		   !jwt_words_has(w, "admins,ops", 10), "membership is exact equality");
	}
	jwt_config_free(c);
	bad(ISS "groups_claim = g\nallowed_groups = # nobody\n", "t.conf:5:", "empty word list");
	bad(ISS "groups_claim = g\nallowed_groups = , ,\n", "t.conf:5:", "word list of separators");
	bad(ISS "leeway = 30#s\n", "t.conf:4:", "glued '#' in a number is an error, not a comment");

	bad(ISS "colour = blue\n", "t.conf:4:", "unknown key names file:line");
	bad(ISS "audience\n", "t.conf:4:", "line without =");
	bad(ISS "algorithms = RS256 none\n", "t.conf:4:", "alg none refused in config");
	bad(ISS "algorithms = rs256\n", "t.conf:4:", "wrong case alg refused");
	bad(ISS "leeway = -1\n", "t.conf:4:", "negative seconds");
	bad(ISS "leeway = 10y\n", "t.conf:4:", "bad unit");
	bad(ISS "leeway = 9999\n", "t.conf:4:", "leeway over the bound");
	bad(ISS "allow_root = maybe\n", "t.conf:4:", "bool");
	bad(ISS "audience = ssh://other\n", "t.conf:4:", "key set twice");
	bad(ISS "jwks_file = relative.jwks\n", "t.conf:4:", "relative path");
	bad(ISS "cache_dir = /x\n", "t.conf:4:", "global key inside a section");
	bad(ISS "[issuer x]\n", "t.conf:4:", "duplicate section");
	bad("[issuer a/b]\n", "t.conf:1:", "bad section name");
	bad("[issuer x\n", "t.conf:1:", "unclosed section");
	bad("[other x]\n", "t.conf:1:", "unknown section type");
	bad("[issuer x]\naudience = a\n", "no \"issuer\"", "issuer required");
	bad("[issuer x]\nissuer = https://i\n", "no \"audience\"", "audience required");
	bad("[issuer x]\nissuer = static\naudience = a\n", "jwks_file", "non-https issuer needs keys");
	bad(ISS "algorithms = HS256\n", "hmac_secret_file", "HS256 without a secret");
	bad(ISS "hmac_secret_file = /s\n", "allows no HS", "secret without HS256");
	bad(ISS "allowed_groups = a\n", "groups_claim", "allowed_groups needs groups_claim");
	bad(ISS "jwks_uri = http://idp.test/jwks\n", "not https", "plain http jwks_uri");
	bad("leeway = 5\n", "no [issuer", "no issuer at all");
	bad(ISS "group_map = ops\n", "t.conf:4:", "group_map without local group");
	bad(ISS "required_claim = roles\n", "t.conf:4:", "required_claim without value");
	{
		char big[6000];

		memset(big, 'a', sizeof(big));
		memcpy(big, "x = ", 4);
		big[sizeof(big) - 1] = '\0';
		bad(big, "t.conf:1:", "over-long line");
	}
	{
		static const char nul[] = ISS "leeway = 5\0\n";

		c = jwt_config_parse(nul, sizeof(nul) - 1, "/etc/t.conf", err, sizeof(err));
		ok(c == NULL, "NUL byte refused");
		jwt_config_free(c);
	}
	every_key_once();
	return tap_done();
}
