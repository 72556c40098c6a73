/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alg.h"
#include "conf.h"
#include "safefile.h"
#include "text.h"

enum key_type {
	K_STRING, K_PATH, K_SECONDS, K_COUNT, K_BOOL, K_ALGS, K_GROUP_MAP, K_CLAIM, K_WORDS, K_NETS
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	int global;          /* only before the first section */
	long min, max;       /* K_SECONDS and K_COUNT bounds */
};

#define I(field) offsetof(struct jwt_issuer, field)
static const struct key_def keys[] = {
	{ "cache_dir", K_PATH, offsetof(struct jwt_config, cache_dir), 1, 0, 0 },
	{ "refresh_helper", K_PATH, offsetof(struct jwt_config, refresh_helper), 1, 0, 0 },
	{ "replay_dir", K_PATH, offsetof(struct jwt_config, replay_dir), 1, 0, 0 },
	{ "desktop_code_dir", K_PATH, offsetof(struct jwt_config, desktop_code_dir), 1, 0, 0 },
	{ "state_dir", K_PATH, offsetof(struct jwt_config, state_dir), 1, 0, 0 },
	{ "device_dir", K_PATH, offsetof(struct jwt_config, device_dir), 1, 0, 0 },
	{ "device_max_flows", K_COUNT, offsetof(struct jwt_config, device_max_flows), 1, 1, 1024 },
	{ "issuer", K_STRING, I(issuer), 0, 0, 0 },
	{ "audience", K_STRING, I(audience), 0, 0, 0 },
	{ "jwks_file", K_PATH, I(jwks_file), 0, 0, 0 },
	{ "jwks_uri", K_STRING, I(jwks_uri), 0, 0, 0 },
	{ "ca_file", K_PATH, I(ca_file), 0, 0, 0 },
	{ "hmac_secret_file", K_PATH, I(hmac_secret_file), 0, 0, 0 },
	{ "algorithms", K_ALGS, I(algorithms), 0, 0, 0 },
	{ "username_claim", K_STRING, I(username_claim), 0, 0, 0 },
	{ "username_suffix", K_STRING, I(username_suffix), 0, 0, 0 },
	{ "user_map_file", K_PATH, I(user_map_file), 0, 0, 0 },
	{ "groups_claim", K_STRING, I(groups_claim), 0, 0, 0 },
	{ "allowed_groups", K_WORDS, I(allowed_groups), 0, 0, 0 },
	{ "group_map", K_GROUP_MAP, 0, 0, 0, 0 },
	{ "required_claim", K_CLAIM, 0, 0, 0, 0 },
	{ "typ", K_STRING, I(typ), 0, 0, 0 },
	{ "leeway", K_SECONDS, I(leeway), 0, 0, 600 },
	{ "max_lifetime", K_SECONDS, I(max_lifetime), 0, 1, 31 * 86400 },
	{ "allow_root", K_BOOL, I(allow_root), 0, 0, 0 },
	{ "one_time", K_BOOL, I(one_time), 0, 0, 0 },
	{ "revoked_file", K_PATH, I(revoked_file), 0, 0, 0 },
	{ "revoked_uri", K_STRING, I(revoked_uri), 0, 0, 0 },
	{ "desktop_codes", K_BOOL, I(desktop_codes), 0, 0, 0 },
	{ "desktop_code_ttl", K_SECONDS, I(desktop_code_ttl), 0, 10, 3600 },
	{ "refresh_timeout", K_SECONDS, I(refresh_timeout), 0, 1, 60 },
	{ "refresh_cooldown", K_SECONDS, I(refresh_cooldown), 0, 0, 86400 },
	{ "max_stale", K_SECONDS, I(max_stale), 0, 0, 365 * 86400 },
	{ "cache_ttl_min", K_SECONDS, I(cache_ttl_min), 0, 0, 7 * 86400 },
	{ "cache_ttl_max", K_SECONDS, I(cache_ttl_max), 0, 60, 30 * 86400 },
	{ "device_flow", K_BOOL, I(device_flow), 0, 0, 0 },
	{ "client_id", K_STRING, I(client_id), 0, 0, 0 },
	{ "client_secret_file", K_PATH, I(client_secret_file), 0, 0, 0 },
	{ "device_scope", K_STRING, I(device_scope), 0, 0, 0 },
	{ "device_token", K_STRING, I(device_token), 0, 0, 0 },
	{ "device_timeout", K_SECONDS, I(device_timeout), 0, 10, 900 },
	{ "device_authorization_endpoint", K_STRING, I(device_authorization_endpoint), 0, 0, 0 },
	{ "token_endpoint", K_STRING, I(token_endpoint), 0, 0, 0 },
	{ "device_services", K_WORDS, I(device_services), 0, 0, 0 },
	{ "device_from", K_NETS, I(device_from), 0, 0, 0 },
	{ "device_verification_host", K_STRING, I(device_verification_host), 0, 0, 0 },
};
#undef I
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
/* "set twice" marks one bit per key in a uint64_t (struct jwt_issuer.set):
 * a key past bit 63 would be undefined and collide with another. */
_Static_assert(NKEYS <= 64, "more config keys than bits in jwt_issuer.set");

static void issuer_defaults(struct jwt_issuer *iss)
{
	memset(iss, 0, sizeof(*iss));
	iss->algorithms = JWT_ALG_ASYMMETRIC_MASK;
	iss->leeway = 60;
	iss->max_lifetime = JWT_DEFAULT_MAX_LIFETIME;
	iss->refresh_timeout = 5;
	iss->refresh_cooldown = 60;
	iss->max_stale = 7 * 86400;
	iss->cache_ttl_min = 300;
	iss->cache_ttl_max = 86400;
	iss->desktop_code_ttl = 120;
	iss->device_timeout = 120;
}

#define WORDS_MAX 256
#define WORD_MAX 256

void jwt_words_free(struct jwt_words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

int jwt_words_parse(const char *value, const char *seps, const char *key,
                    struct jwt_words *w, char *err, size_t errcap)
{
	struct jwt_words out = { NULL, 0 };
	const char *p = value;

	while (*p != '\0') {
		size_t n, i;
		char **grown;

		p += strspn(p, seps);
		if ((n = strcspn(p, seps)) == 0)
			break;
		for (i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e) {
				snprintf(err, errcap, "\"%s\" holds a name with a control or "
				         "non-ASCII character", key);
				goto fail;
			}
		if (n > WORD_MAX || out.n >= WORDS_MAX) {
			snprintf(err, errcap, "\"%s\": names are at most %d bytes, at most %d "
			         "of them", key, WORD_MAX, WORDS_MAX);
			goto fail;
		}
		if ((grown = realloc(out.v, (out.n + 1) * sizeof(*grown))) == NULL)
			goto oom;
		out.v = grown;
		if ((out.v[out.n] = strndup(p, n)) == NULL)
			goto oom;
		out.n++;
		p += n;
	}
	if (out.n == 0) {
		snprintf(err, errcap, "\"%s\" names nothing", key);
		goto fail;
	}
	jwt_words_free(w);
	*w = out;
	return 0;
oom:
	snprintf(err, errcap, "out of memory");
fail:
	jwt_words_free(&out);
	return -1;
}

static int words_copy(struct jwt_words *dst, const struct jwt_words *src)
{
	size_t i;

	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -1;
	for (i = 0; i < src->n; i++) {
		dst->n = i + 1; /* counted first so words_free releases it */
		if ((dst->v[i] = strdup(src->v[i])) == NULL)
			return -1;
	}
	return 0;
}

int jwt_words_has(const struct jwt_words *w, const char *s, size_t len)
{
	size_t i;

	if (w == NULL || s == NULL || len == 0)
		return 0;
	for (i = 0; i < w->n; i++)
		if (strlen(w->v[i]) == len && memcmp(w->v[i], s, len) == 0)
			return 1;
	return 0;
}

static void issuer_free(struct jwt_issuer *iss)
{
	char **strs[] = { &iss->issuer, &iss->audience, &iss->jwks_file, &iss->jwks_uri,
	                  &iss->ca_file, &iss->hmac_secret_file, &iss->username_claim,
	                  &iss->username_suffix, &iss->user_map_file, &iss->groups_claim,
	                  &iss->typ, &iss->revoked_file, &iss->revoked_uri,
	                  &iss->client_id, &iss->client_secret_file, &iss->device_scope,
	                  &iss->device_token, &iss->device_authorization_endpoint,
	                  &iss->token_endpoint, &iss->device_verification_host };
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	jwt_words_free(&iss->allowed_groups);
	jwt_words_free(&iss->device_services);
	jwt_nets_free(&iss->device_from);
	for (i = 0; i < iss->n_group_map; i++) {
		free(iss->group_map[i].idp);
		jwt_words_free(&iss->group_map[i].local);
	}
	free(iss->group_map);
	for (i = 0; i < iss->n_required; i++) {
		free(iss->required[i].path);
		free(iss->required[i].value);
	}
	free(iss->required);
	memset(iss, 0, sizeof(*iss));
}

/* Deep copy of the defaults into a new section. */
static int issuer_clone(struct jwt_issuer *dst, const struct jwt_issuer *src)
{
	const struct key_def *k;
	size_t i;

	*dst = *src;
	dst->group_map = NULL;
	dst->required = NULL;
	dst->n_group_map = dst->n_required = 0;
	dst->allowed_groups.v = NULL;
	dst->allowed_groups.n = 0;
	dst->device_services.v = NULL;
	dst->device_services.n = 0;
	dst->device_from.v = NULL;
	dst->device_from.n = 0;
	dst->set = 0;
	/* first forget the shared pointers, so a failure frees only copies */
	for (k = keys; k < keys + NKEYS; k++)
		if (!k->global && (k->type == K_STRING || k->type == K_PATH))
			*(char **)((char *)dst + k->offset) = NULL;
	for (k = keys; k < keys + NKEYS; k++) {
		const char *s;

		if (k->global || (k->type != K_STRING && k->type != K_PATH))
			continue;
		s = *(char *const *)((const char *)src + k->offset);
		if (s != NULL && (*(char **)((char *)dst + k->offset) = strdup(s)) == NULL)
			goto fail;
	}
	if (words_copy(&dst->allowed_groups, &src->allowed_groups) != 0 ||
	    words_copy(&dst->device_services, &src->device_services) != 0 ||
	    jwt_nets_copy(&dst->device_from, &src->device_from) != 0)
		goto fail;
	if (src->n_group_map > 0) {
		dst->group_map = calloc(src->n_group_map, sizeof(*dst->group_map));
		if (dst->group_map == NULL)
			goto fail;
		for (i = 0; i < src->n_group_map; i++) {
			dst->n_group_map = i + 1; /* counted first so issuer_free releases it */
			if ((dst->group_map[i].idp = strdup(src->group_map[i].idp)) == NULL ||
			    words_copy(&dst->group_map[i].local, &src->group_map[i].local) != 0)
				goto fail;
		}
	}
	if (src->n_required > 0) {
		dst->required = calloc(src->n_required, sizeof(*dst->required));
		if (dst->required == NULL)
			goto fail;
		for (i = 0; i < src->n_required; i++) {
			dst->n_required = i + 1;
			if ((dst->required[i].path = strdup(src->required[i].path)) == NULL ||
			    (dst->required[i].value = strdup(src->required[i].value)) == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	issuer_free(dst);
	return -1;
}

void jwt_config_free(struct jwt_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_issuers; i++)
		issuer_free(&cfg->issuers[i]);
	free(cfg->issuers);
	issuer_free(&cfg->defaults);
	free(cfg->path);
	free(cfg->cache_dir);
	free(cfg->refresh_helper);
	free(cfg->replay_dir);
	free(cfg->desktop_code_dir);
	free(cfg->state_dir);
	free(cfg->device_dir);
	free(cfg);
}

int jwt_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!jwt_ascii_alnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int parse_seconds(const char *v, long min, long max, long *out)
{
	char *end;
	long n, mult = 1;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || errno != 0 || n < 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mult = 60, end++;
	else if (*end == 'h')
		mult = 3600, end++;
	else if (*end == 'd')
		mult = 86400, end++;
	if (*end != '\0' || n > max / mult || n * mult < min)
		return -1;
	*out = n * mult;
	return 0;
}

static int add_group_map(struct jwt_issuer *iss, const char *v, char *err, size_t errcap)
{
	const char *sp = strpbrk(v, " \t");
	const char *local;
	struct jwt_group_map *gm, one;
	size_t i;

	if (sp == NULL) {
		snprintf(err, errcap, "group_map needs \"IDPGROUP LOCALGROUP[,LOCALGROUP...]\"");
		return -1;
	}
	local = sp + strspn(sp, " \t");
	if (*local == '\0' || strpbrk(local, " \t") != NULL) {
		snprintf(err, errcap, "group_map local groups are one comma-separated word");
		return -1;
	}
	for (i = 0; local[i] != '\0'; i++)
		if (local[i] == ':' || local[i] == '/' || (unsigned char)local[i] < 0x21) {
			snprintf(err, errcap, "group_map local group names are not valid");
			return -1;
		}
	for (i = 0; v + i < sp; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e) {
			snprintf(err, errcap, "group_map token group name is not printable ASCII");
			return -1;
		}
	if (iss->n_group_map >= 256) {
		snprintf(err, errcap, "too many group_map lines");
		return -1;
	}
	memset(&one, 0, sizeof(one));
	if (jwt_words_parse(local, ",", "group_map", &one.local, err, errcap) != 0)
		return -1;
	if ((one.idp = strndup(v, (size_t)(sp - v))) == NULL ||
	    (gm = realloc(iss->group_map, (iss->n_group_map + 1) * sizeof(*gm))) == NULL) {
		free(one.idp);
		jwt_words_free(&one.local);
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	iss->group_map = gm;
	gm[iss->n_group_map++] = one;
	return 0;
}

static int add_required(struct jwt_issuer *iss, const char *v, char *err, size_t errcap)
{
	const char *sp = strpbrk(v, " \t");
	struct jwt_required_claim *rc;

	if (sp == NULL || sp[strspn(sp, " \t")] == '\0') {
		snprintf(err, errcap, "required_claim needs \"CLAIM.PATH VALUE\"");
		return -1;
	}
	if (iss->n_required >= 64) {
		snprintf(err, errcap, "too many required_claim lines");
		return -1;
	}
	rc = realloc(iss->required, (iss->n_required + 1) * sizeof(*rc));
	if (rc == NULL)
		goto oom;
	iss->required = rc;
	rc = &rc[iss->n_required];
	rc->path = strndup(v, (size_t)(sp - v));
	rc->value = strdup(sp + strspn(sp, " \t"));
	iss->n_required++;
	if (rc->path == NULL || rc->value == NULL)
		goto oom;
	return 0;
oom:
	snprintf(err, errcap, "out of memory");
	return -1;
}

const char *jwt_config_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

int jwt_config_set(struct jwt_config *cfg, struct jwt_issuer *iss, const char *key,
                   const char *value, char *err, size_t errcap)
{
	const struct key_def *k;
	uint64_t bit;
	void *base;
	char bad[32];

	for (k = keys; k < keys + NKEYS; k++)
		if (strcmp(k->name, key) == 0)
			break;
	if (k == keys + NKEYS) {
		snprintf(err, errcap, "unknown key \"%.64s\"", key);
		return -1;
	}
	if (k->global && iss != NULL) {
		snprintf(err, errcap, "\"%s\" is global: set it before the first [issuer]", key);
		return -1;
	}
	if (*value == '\0') {
		snprintf(err, errcap, "\"%s\" needs a value", key);
		return -1;
	}
	base = k->global ? (void *)cfg : (void *)(iss != NULL ? iss : &cfg->defaults);
	bit = UINT64_C(1) << (k - keys);
	if (k->type != K_GROUP_MAP && k->type != K_CLAIM) {
		uint64_t *set = iss != NULL ? &iss->set : &cfg->set;

		if (*set & bit) {
			snprintf(err, errcap, "\"%s\" is set twice in this section", key);
			return -1;
		}
		*set |= bit;
	}
	switch (k->type) {
	case K_PATH:
		if (value[0] != '/') {
			snprintf(err, errcap, "\"%s\" must be an absolute path", key);
			return -1;
		}
		/* fall through */
	case K_STRING: {
		char **p = (char **)((char *)base + k->offset);

		free(*p);
		if ((*p = strdup(value)) == NULL) {
			snprintf(err, errcap, "out of memory");
			return -1;
		}
		return 0;
	}
	case K_WORDS:
		return jwt_words_parse(value, " \t,", key, (struct jwt_words *)((char *)base + k->offset),
		                   err, errcap);
	case K_SECONDS:
		if (parse_seconds(value, k->min, k->max, (long *)((char *)base + k->offset)) != 0) {
			snprintf(err, errcap, "\"%s\" must be seconds from %ld to %ld (suffix s/m/h/d)",
			         key, k->min, k->max);
			return -1;
		}
		return 0;
	case K_COUNT: {
		char *end = NULL;
		long n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0' || n < k->min ||
		    n > k->max) {
			snprintf(err, errcap, "\"%s\" must be a number from %ld to %ld", key, k->min,
			         k->max);
			return -1;
		}
		*(long *)((char *)base + k->offset) = n;
		return 0;
	}
	case K_NETS:
		return jwt_nets_parse(value, key, (struct jwt_nets *)((char *)base + k->offset), err,
		                      errcap);
	case K_BOOL: {
		int *b = (int *)((char *)base + k->offset);

		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			*b = 1;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
			*b = 0;
		else {
			snprintf(err, errcap, "\"%s\" must be yes or no", key);
			return -1;
		}
		return 0;
	}
	case K_ALGS: {
		unsigned mask = 0;

		if (jwt_alg_mask(value, &mask, bad, sizeof(bad)) != 0 || mask == 0) {
			snprintf(err, errcap, "unknown algorithm \"%s\" (known: RS256 RS384 RS512 "
			         "PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512)", bad);
			return -1;
		}
		*(unsigned *)((char *)base + k->offset) = mask;
		return 0;
	}
	case K_GROUP_MAP:
		return add_group_map(base, value, err, errcap);
	case K_CLAIM:
		return add_required(base, value, err, errcap);
	}
	snprintf(err, errcap, "internal error");
	return -1;
}

/* device_flow: a client, a known token type, and https endpoints (or discovery). */
static const char *check_device(const struct jwt_issuer *iss)
{
	const char *tok = iss->device_token;
	struct jwt_origin origin;

	if (tok != NULL && strcmp(tok, "id_token") != 0 && strcmp(tok, "access_token") != 0)
		return "has a \"device_token\" that is not id_token or access_token";
	if (iss->device_authorization_endpoint != NULL &&
	    strncmp(iss->device_authorization_endpoint, "https://", 8) != 0)
		return "has a \"device_authorization_endpoint\" that is not https://";
	if (iss->token_endpoint != NULL && strncmp(iss->token_endpoint, "https://", 8) != 0)
		return "has a \"token_endpoint\" that is not https://";
	if (iss->device_verification_host != NULL &&
	    jwt_host_origin(iss->device_verification_host, &origin) != 0)
		return "has a \"device_verification_host\" that is not HOST or HOST:PORT";
	if (!iss->device_flow)
		return NULL;
	if (iss->client_id == NULL)
		return "sets \"device_flow\" without \"client_id\"";
	if ((iss->device_authorization_endpoint == NULL || iss->token_endpoint == NULL) &&
	    strncmp(iss->issuer, "https://", 8) != 0)
		return "sets \"device_flow\" without endpoints (issuer is not https:// for discovery)";
	return NULL;
}

static int check_issuer(const struct jwt_issuer *iss, char *err, size_t errcap)
{
	const char *why = NULL;

	if (iss->issuer == NULL)
		why = "has no \"issuer\"";
	else if (iss->audience == NULL)
		why = "has no \"audience\" (tokens for other services must not log in here)";
	else if (iss->jwks_file != NULL && iss->jwks_uri != NULL)
		why = "sets both \"jwks_file\" and \"jwks_uri\"";
	else if (iss->jwks_file == NULL && iss->jwks_uri == NULL &&
	         strncmp(iss->issuer, "https://", 8) != 0)
		why = "needs \"jwks_file\" or \"jwks_uri\" (issuer is not https:// for discovery)";
	else if (iss->jwks_uri != NULL && strncmp(iss->jwks_uri, "https://", 8) != 0)
		why = "has a \"jwks_uri\" that is not https://";
	else if ((iss->algorithms & ~JWT_ALG_ASYMMETRIC_MASK) && iss->hmac_secret_file == NULL)
		why = "allows HS256/384/512 without \"hmac_secret_file\"";
	else if (!(iss->algorithms & ~JWT_ALG_ASYMMETRIC_MASK) && iss->hmac_secret_file != NULL)
		why = "sets \"hmac_secret_file\" but \"algorithms\" allows no HS256/384/512";
	else if (iss->revoked_uri != NULL && strncmp(iss->revoked_uri, "https://", 8) != 0)
		why = "has a \"revoked_uri\" that is not https://";
	else if (iss->cache_ttl_min > iss->cache_ttl_max)
		why = "has \"cache_ttl_min\" above \"cache_ttl_max\"";
	else if ((iss->allowed_groups.n > 0 || iss->n_group_map > 0) && iss->groups_claim == NULL)
		why = "uses allowed_groups/group_map without \"groups_claim\"";
	else
		why = check_device(iss);
	if (why == NULL)
		return 0;
	snprintf(err, errcap, "%s: [issuer %s] %s", iss->where, iss->name, why);
	return -1;
}

/* The one comment rule (pam_jwt.conf(5)): '#' at the start of a line or
 * after a space or tab starts a comment that runs to the end of the line;
 * a '#' glued to the text before it is part of the value. */
static void strip_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_section(struct jwt_config *cfg, char *line, const char *where,
                         char *err, size_t errcap)
{
	char *end = strchr(line, ']'), *name;
	struct jwt_issuer *arr, *iss;

	if (end == NULL || *trim(end + 1) != '\0' || strncmp(line, "[issuer", 7) != 0 ||
	    (line[7] != ' ' && line[7] != '\t')) {
		snprintf(err, errcap, "%s: expected \"[issuer NAME]\"", where);
		return -1;
	}
	*end = '\0';
	name = trim(line + 7);
	if (!jwt_valid_name(name, 63)) {
		snprintf(err, errcap, "%s: issuer name must be 1-63 of [A-Za-z0-9._-]", where);
		return -1;
	}
	if (jwt_config_issuer(cfg, name) != NULL) {
		snprintf(err, errcap, "%s: [issuer %s] defined twice", where, name);
		return -1;
	}
	if (cfg->n_issuers >= JWT_MAX_ISSUERS) {
		snprintf(err, errcap, "%s: more than %d issuers", where, JWT_MAX_ISSUERS);
		return -1;
	}
	arr = realloc(cfg->issuers, (cfg->n_issuers + 1) * sizeof(*arr));
	if (arr == NULL)
		goto oom;
	cfg->issuers = arr;
	iss = &arr[cfg->n_issuers];
	if (issuer_clone(iss, &cfg->defaults) != 0)
		goto oom;
	cfg->n_issuers++;
	snprintf(iss->name, sizeof(iss->name), "%s", name);
	snprintf(iss->where, sizeof(iss->where), "%s", where);
	return 0;
oom:
	snprintf(err, errcap, "%s: out of memory", where);
	return -1;
}

struct jwt_config *jwt_config_parse(const char *text, size_t len, const char *path,
                                    char *err, size_t errcap)
{
	struct jwt_config *cfg = calloc(1, sizeof(*cfg));
	char line[JWT_CONFIG_MAX_LINE + 2], where[300];
	size_t pos = 0, lineno = 0, i;

	if (cfg == NULL || (cfg->path = strdup(path)) == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		goto fail;
	}
	issuer_defaults(&cfg->defaults);
	cfg->device_max_flows = JWT_DEFAULT_DEVICE_MAX_FLOWS;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errcap, "%s: contains a NUL byte", path);
		goto fail;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq, *key, *val, msg[256];

		lineno++;
		snprintf(where, sizeof(where), "%.256s:%zu", path, lineno);
		if (n > JWT_CONFIG_MAX_LINE) {
			snprintf(err, errcap, "%s: line longer than %d bytes", where,
			         JWT_CONFIG_MAX_LINE);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		strip_comment(line);
		s = trim(line);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			if (parse_section(cfg, s, where, err, errcap) != 0)
				goto fail;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errcap, "%s: expected \"key = value\"", where);
			goto fail;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (jwt_config_set(cfg, cfg->n_issuers ? &cfg->issuers[cfg->n_issuers - 1] : NULL,
		                   key, val, msg, sizeof(msg)) != 0) {
			snprintf(err, errcap, "%s: %s", where, msg);
			goto fail;
		}
	}
	if (cfg->n_issuers == 0) {
		snprintf(err, errcap, "%s: no [issuer NAME] section: nothing can be trusted", path);
		goto fail;
	}
	for (i = 0; i < cfg->n_issuers; i++)
		if (check_issuer(&cfg->issuers[i], err, errcap) != 0)
			goto fail;
	cfg->cache_dir_named = cfg->cache_dir != NULL;
	if (cfg->cache_dir == NULL && (cfg->cache_dir = strdup(JWT_DEFAULT_CACHE_DIR)) == NULL) {
		snprintf(err, errcap, "%s: out of memory", path);
		goto fail;
	}
	return cfg;
fail:
	jwt_config_free(cfg);
	return NULL;
}

struct jwt_config *jwt_config_load(const char *path, char *err, size_t errcap)
{
	struct jwt_config *cfg;
	char *text = NULL, why[256];
	size_t len = 0;

	if (read_trusted(path, JWT_CONFIG_MAX_BYTES, &text, &len, why, sizeof(why)) != 0) {
		snprintf(err, errcap, "%s: %s", path, why);
		return NULL;
	}
	cfg = jwt_config_parse(text, len, path, err, errcap);
	free(text);
	return cfg;
}

int jwt_cache_path(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                   const char *suffix, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s%s", cfg->cache_dir, iss->name, suffix);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

const struct jwt_issuer *jwt_config_issuer(const struct jwt_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && name != NULL && i < cfg->n_issuers; i++)
		if (strcmp(cfg->issuers[i].name, name) == 0)
			return &cfg->issuers[i];
	return NULL;
}
