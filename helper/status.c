/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam-jwt status: for each issuer, where its keys come from, which keys the
 * module would use right now, how old they are and the last refresh error.
 * Exit 0 when every issuer has usable keys and lists, 1 when any has no
 * usable keys or a user_map_file / revocation list that would deny every
 * token, 2 config.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alg.h"
#include "cache.h"
#include "cmds.h"
#include "conf.h"
#include "dcode.h"
#include "jwk.h"
#include "keys.h"
#include "log.h"
#include "policy.h"
#include "replay.h"
#include "revoke.h"
#include "safefile.h"
#include "store.h"
#include "text.h"

static void when(char *buf, size_t cap, long long t, time_t now)
{
	char date[64];
	struct tm tm;
	time_t tt = (time_t)t;
	long long d = (long long)now - t;

	if (t <= 0) {
		snprintf(buf, cap, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (d >= 0)
		snprintf(buf, cap, "%s (%lld s ago)", date, d);
	else
		snprintf(buf, cap, "%s (in %lld s)", date, -d);
}

static void print_algs(unsigned mask)
{
	const struct jwt_alg *a;
	size_t i;

	for (i = 0; (a = jwt_alg_at(i)) != NULL; i++)
		if (mask & a->bit)
			jwt_print_line(stdout, " %s", a->name);
	jwt_print_line(stdout, "\n");
}

static const char *kty_name(enum jwt_kty t)
{
	return t == JWT_KTY_RSA ? "RSA" : t == JWT_KTY_EC ? "EC" : t == JWT_KTY_OKP ? "OKP"
	       : t == JWT_KTY_OCT ? "oct" : "?";
}

/* A list file the module reads on every login; 1 when it can be used. */
static int list_status(const char *label, const char *path,
                       int (*validate)(const char *, size_t, char *, size_t), size_t max)
{
	char *text = NULL, why[300];
	size_t len = 0;
	int ok;

	if (path == NULL)
		return 1;
	ok = read_trusted(path, max, &text, &len, why, sizeof(why)) == 0 &&
	     validate(text, len, why, sizeof(why)) == 0;
	free(text);
	jwt_printable(why);
	if (ok)
		jwt_print_line(stdout, "  %-11s %s: ok\n", label, path);
	else
		jwt_print_line(stdout, "  %-11s %s: DENIES EVERY TOKEN: %s\n", label, path, why);
	return ok;
}

static int lists_status(const struct jwt_config *cfg, const struct jwt_issuer *iss)
{
	char path[4096];
	int ok = 1;

	ok &= list_status("user_map:", iss->user_map_file, user_map_validate, USER_MAP_MAX);
	ok &= list_status("revoked:", iss->revoked_file, revoked_validate, REVOKED_MAX_BYTES);
	if (iss->revoked_uri != NULL && jwt_cache_path(cfg, iss, ".revoked", path, sizeof(path)) == 0)
		ok &= list_status("revoked:", path, revoked_validate, REVOKED_MAX_BYTES);
	return ok;
}

/* One issuer; returns 1 when it has usable keys now. */
static int issuer_status(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                         time_t now)
{
	char why[600], path[4096], t1[96];
	struct cache_meta m;
	struct jwks set;
	size_t i, usable;
	int have_meta = 0, lists_ok = 1;

	jwt_print_line(stdout, "[issuer %s] %s\n", iss->name, iss->issuer);
	jwt_print_line(stdout, "  audience:   %s\n", iss->audience);
	jwt_print_line(stdout, "  algorithms:");
	print_algs(iss->algorithms);
	if (!lists_status(cfg, iss))
		lists_ok = 0;
	if (!(iss->algorithms & JWT_ALG_ASYMMETRIC_MASK)) {
		jwt_print_line(stdout, "  keys from:  hmac_secret_file %s\n",
		               iss->hmac_secret_file);
		return lists_ok;
	}
	if (iss->jwks_file != NULL) {
		jwt_print_line(stdout, "  keys from:  jwks_file %s (static, never fetched)\n",
		               iss->jwks_file);
	} else {
		jwt_cache_path(cfg, iss, ".jwks", path, sizeof(path));
		if (iss->jwks_uri != NULL)
			jwt_print_line(stdout, "  keys from:  jwks_uri %s\n", iss->jwks_uri);
		else {
			size_t n = strlen(iss->issuer);

			/* the URL refresh fetches: no double slash after an issuer ending in / */
			jwt_print_line(stdout,
			               "  keys from:  discovery %.*s/.well-known/openid-configuration\n",
			               (int)(n > 0 && iss->issuer[n - 1] == '/' ? n - 1 : n),
			               iss->issuer);
		}
		jwt_print_line(stdout, "  cache:      %s\n", path);
		if (cache_meta_read(cfg, iss, &m, why, sizeof(why)) == 0) {
			have_meta = 1;
			jwt_print_line(stdout, "  source:     %s\n",
			               m.source[0] ? m.source : "(never fetched)");
			when(t1, sizeof(t1), m.fetched, now);
			jwt_print_line(stdout, "  fetched:    %s\n", t1);
			when(t1, sizeof(t1), m.expires, now);
			/* labels as wide as the others, values in one column */
			jwt_print_line(stdout, "  %s %s\n",
			               (long long)now < m.expires ? "fresh:      until" : "stale:      since",
			               t1);
			if (m.fetched > 0) {
				when(t1, sizeof(t1), m.expires + iss->max_stale, now);
				jwt_print_line(stdout, "  max_stale:  usable until %s (%ld s)\n",
				               t1, iss->max_stale);
			}
			if (m.etag[0])
				jwt_print_line(stdout, "  etag:       %s\n", m.etag);
			when(t1, sizeof(t1), m.attempt, now);
			jwt_print_line(stdout, "  last try:   %s: %s\n", t1,
			               m.error[0] ? m.error : "ok");
		}
	}
	if (keys_load(cfg, iss, now, &set, why, sizeof(why)) != 0) {
		jwt_print_line(stdout, "  keys:       NONE USABLE: %s\n", why);
		if (!have_meta && iss->jwks_file == NULL)
			jwt_print_line(stdout,
			               "  hint:       run \"pam-jwt refresh --issuer %s\"\n",
			               iss->name);
		return 0;
	}
	usable = jwks_usable(&set); /* imports every key, to show each one's state */
	for (i = 0; i < set.n; i++) {
		const struct jwk *k = &set.keys[i];

		char kid[sizeof(k->kid)];

		/* a kid is the provider's text: never a control character to the terminal */
		jwt_sanitize(kid, sizeof(kid), k->kid, strlen(k->kid));
		jwt_print_line(stdout, "  key:        %-24s %s", k->has_kid ? kid : "(no kid)",
		               kty_name(k->kty));
		if (k->kty == JWT_KTY_RSA)
			jwt_print_line(stdout, " %d", k->bits);
		if (k->crv[0])
			jwt_print_line(stdout, " %s", k->crv);
		if (k->alg[0])
			jwt_print_line(stdout, " alg %s", k->alg);
		if (k->pkey == NULL)
			jwt_print_line(stdout, " REFUSED: %s", k->refused);
		jwt_print_line(stdout, "\n");
	}
	jwt_print_line(stdout, "  usable:     %zu of %zu key%s\n", usable, set.n,
	               set.n == 1 ? "" : "s");
	jwks_free(&set);
	return usable > 0 && lists_ok;
}

/* How full a state store is: it refuses what it cannot record when full,
 * so say so long before.  0 when it is far from full. */
static int store_status(const char *dir, const char *what, time_t now)
{
	struct store_usage u;
	char err[512], oldest[96];
	unsigned long long pct;

	if (store_usage(dir, &u, err, sizeof(err)) != 0) {
		jwt_print_line(stdout, "state:        %s (%s): UNREADABLE: %s\n", dir, what, err);
		return -1;
	}
	pct = u.map_bytes ? u.used_bytes * 100 / u.map_bytes : 0;
	when(oldest, sizeof(oldest), (long long)u.oldest_expiry, now);
	jwt_print_line(stdout, "state:        %s (%s): %zu record%s, %.1f of %llu MiB (%llu%%)%s%s\n",
	               dir, what, u.records, u.records == 1 ? "" : "s",
	               (double)u.used_bytes / 1048576.0, u.map_bytes >> 20, pct,
	               u.records ? "; next expiry " : "", u.records ? oldest : "");
	if (pct >= STORE_WARN_PERCENT)
		jwt_print_line(stdout, "  WARNING:    the store is getting full (%llu%%): at 100%% "
		               "what it records is refused; shorten token lifetimes or find who "
		               "logs in this often\n", pct);
	return pct >= STORE_FAIL_PERCENT ? -1 : 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = JWT_DEFAULT_CONFIG;
	struct jwt_config *cfg;
	char err[512];
	time_t now = time(NULL);
	size_t i;
	int c, ok = 1;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'h':
			printf("Usage: %s status [--config PATH]\n", progname);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		jwt_print_line(stderr, "%s: status: unexpected argument \"%s\"\n", progname,
		               argv[optind]);
		return EXIT_USAGE;
	}
	if ((cfg = jwt_config_load(path, err, sizeof(err))) == NULL) {
		jwt_print_line(stderr, "%s: %s\n", progname, err);
		return EXIT_USAGE;
	}
	jwt_print_line(stdout, "config:       %s\n", path);
	jwt_print_line(stdout, "cache_dir:    %s\n", cfg->cache_dir);
	for (i = 0; i < cfg->n_issuers; i++) {
		jwt_print_line(stdout, "\n");
		ok &= issuer_status(cfg, &cfg->issuers[i], now);
	}
	jwt_print_line(stdout, "\n");
	for (i = 0; i < cfg->n_issuers && !cfg->issuers[i].one_time; i++)
		;
	if (i < cfg->n_issuers && store_status(replay_dir(cfg), "one-time tokens", now) != 0)
		ok = 0;
	if (store_status(cfg->state_dir != NULL ? cfg->state_dir : JWT_DEFAULT_STATE_DIR,
	                 "setcred hand-offs", now) != 0)
		ok = 0;
	for (i = 0; i < cfg->n_issuers && !cfg->issuers[i].desktop_codes; i++)
		;
	if (i < cfg->n_issuers &&
	    store_status(cfg->desktop_code_dir != NULL ? cfg->desktop_code_dir : DCODE_DEFAULT_DIR,
	                 "desktop codes", now) != 0)
		ok = 0;
	jwt_config_free(cfg);
	return ok ? 0 : EXIT_REJECTED;
}
