/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam-jwt refresh: fetch each issuer's keys over HTTPS into the cache.
 *
 *   discovery   <issuer>/.well-known/openid-configuration, whose "issuer"
 *               must equal ours exactly; its https "jwks_uri" is used
 *               (a configured jwks_uri skips this step)
 *   fetch       HTTPS only, also across redirects (at most 3), TLS verified
 *               (ca_file for private CAs), bounded in time and size (1 MiB),
 *               If-None-Match with the cached ETag
 *   validate    every key through lib/jwk.c, exactly as the module will;
 *               unusable keys dropped with a warning naming their kid; no
 *               usable key, bad JSON or any HTTP error keeps the old cache
 *   write       temp file in cache_dir, fsync, rename, fsync the directory;
 *               then NAME.meta (fetched, expires from a bounded max-age,
 *               ETag, last attempt and error)
 *
 * Exit 0 when every issuer has fresh keys, 1 when any failed (its old cache
 * is kept and the error recorded for `pam-jwt status`), 2 usage or config.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cmds.h"
#include "conf.h"
#include "json.h"
#include "jwk.h"
#include "keys.h"
#include "revoke.h"
#include "text.h"
#include "safefile.h"

#ifdef HAVE_CURL
#include "http.h"

#define FETCH_MAX JWKS_MAX_BYTES
#define DEFAULT_TTL 3600

struct run {
	int force, quiet;
	time_t now;
};

static void say(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->quiet)
		return;
	va_start(ap, fmt);
	jwt_vprint_line(stdout, fmt, ap); /* it quotes what the provider sent */
	va_end(ap);
	fflush(stdout);
}

/* GET url through the one transport; 0 with resp filled (any HTTP code),
 * -1 with err. */
static int fetch(const struct jwt_issuer *iss, const char *url, const char *etag,
                 long long deadline, struct http_response *resp, char *err, size_t errcap)
{
	struct http_request req = { .url = url, .ca_file = iss->ca_file, .deadline = deadline,
	                            .max_body = FETCH_MAX, .etag = etag };

	if (deadline - http_mono_ms() <= 0) {
		memset(resp, 0, sizeof(*resp));
		snprintf(err, errcap, "%.300s: refresh_timeout (%ld s) used up", url,
		         iss->refresh_timeout);
		return -1;
	}
	return http_request(&req, resp, err, errcap) == HTTP_OK ? 0 : -1;
}

/* The device flow's endpoints from discovery, beside the keys, for
 * `pam-jwt device` (cache_dir/NAME.endpoints).  Failing here costs only a
 * discovery request at the next device login. */
static void cache_endpoints(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                            json_object *doc)
{
	static const char *const names[] = { "device_authorization_endpoint", "token_endpoint" };
	char path[4096], text[1200], why[300];
	size_t i, used = 0;

	if (!iss->device_flow || jwt_cache_path(cfg, iss, ".endpoints", path, sizeof(path)) != 0)
		return;
	for (i = 0; i < 2; i++) {
		const char *v = http_endpoint(doc, names[i]);

		if (v != NULL)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s\n", names[i], v);
	}
	if (used > 0 && write_atomic(cfg->cache_dir, path, text, used, 0644, why, sizeof(why)) != 0)
		jwt_print_line(stderr, "%s: issuer %s: %s\n", progname, iss->name, why);
}

/* Discovery: the document must name our issuer exactly and an https jwks_uri. */
static char *discover(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                      long long deadline, char *err, size_t errcap)
{
	struct http_request req = { .ca_file = iss->ca_file, .deadline = deadline,
	                            .max_body = FETCH_MAX };
	json_object *doc = NULL;
	const char *jwks;
	char *out = NULL;

	if (http_discover(&req, iss->issuer, &doc, err, errcap) != HTTP_OK)
		return NULL;
	jwks = jwt_json_str(doc, "jwks_uri", NULL);
	if (jwks == NULL || strncmp(jwks, "https://", 8) != 0 || strlen(jwks) > 2000)
		snprintf(err, errcap, "%.300s: discovery has no https jwks_uri", iss->issuer);
	else if ((out = strdup(jwks)) == NULL)
		snprintf(err, errcap, "out of memory");
	else
		cache_endpoints(cfg, iss, doc);
	json_object_put(doc);
	return out;
}

/* Only what verification reads goes into the cache (no x5c, nothing else). */
static json_object *public_members(json_object *key)
{
	static const char *const names[] = { "kty", "kid", "use", "alg", "key_ops", "crv",
	                                     "n", "e", "x", "y" };
	json_object *out = json_object_new_object();
	size_t i;

	if (out == NULL)
		return NULL;
	/* jwk_import accepted each of these members with its type */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (jwt_json_has(key, names[i]) &&
		    json_object_object_add(out, names[i],
		                           json_object_get(jwt_json_member(key, names[i]))) != 0) {
			json_object_put(out);
			return NULL;
		}
	return out;
}

/* Keep the usable keys of a fetched JWKS as a new JWKS text. */
static char *usable_keys(const struct jwt_issuer *iss, const char *body,
                         size_t len, size_t *nkeys, char *kids, size_t kidcap, char *err,
                         size_t errcap)
{
	json_object *doc, *keys, *keep = NULL, *out = NULL;
	struct jwks check;
	char *text = NULL;
	size_t i, n;

	*nkeys = 0;
	kids[0] = '\0';
	if ((doc = jwt_json_parse(body, len, 16)) == NULL ||
	    jwt_json_get_array(doc, "keys", (size_t)0x7fffffff, &keys) != JWT_JSON_OK) {
		snprintf(err, errcap, "not a JWKS (no \"keys\" array)");
		goto out;
	}
	n = jwt_json_array_len(keys);
	if (n > JWKS_MAX_KEYS) {
		snprintf(err, errcap, "%zu keys, more than %d", n, JWKS_MAX_KEYS);
		goto out;
	}
	if ((keep = json_object_new_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		json_object *obj = jwt_json_elem(keys, i);
		json_object *pub = NULL;
		struct jwk k;
		char kid[64];

		memset(&k, 0, sizeof(k));
		if (jwk_import(obj, &k) != 0 || k.pkey == NULL) {
			jwt_sanitize(kid, sizeof(kid), k.kid, strlen(k.kid));
			jwt_print_line(stderr, "%s: issuer %s: key %zu (kid \"%s\") dropped: %s\n",
			               progname, iss->name, i, kid[0] ? kid : "-",
			               k.refused[0] ? k.refused : "not a JWK");
			EVP_PKEY_free(k.pkey);
			continue;
		}
		EVP_PKEY_free(k.pkey);
		if ((pub = public_members(obj)) == NULL || json_object_array_add(keep, pub) != 0) {
			json_object_put(pub);
			goto oom;
		}
		jwt_sanitize(kid, sizeof(kid), k.kid, strlen(k.kid));
		if (strlen(kids) + strlen(kid) + 3 < kidcap)
			snprintf(kids + strlen(kids), kidcap - strlen(kids), "%s%s", kids[0] ? " " : "",
			         k.has_kid ? kid : "(no kid)");
		(*nkeys)++;
	}
	if (*nkeys == 0) {
		snprintf(err, errcap, "no usable key in the set (%zu offered)", n);
		goto out;
	}
	if ((out = json_object_new_object()) == NULL ||
	    json_object_object_add(out, "keys", keep) != 0)
		goto oom;
	keep = NULL;
	text = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
	                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
	if (text == NULL)
		goto oom;
	/* What we write must read back exactly as the module will read it. */
	if (jwks_parse(text, strlen(text), &check, err, errcap) != 0 ||
	    jwks_usable(&check) != *nkeys) {
		jwks_free(&check);
		free(text);
		text = NULL;
		snprintf(err, errcap, "re-encoded key set does not read back");
		goto out;
	}
	jwks_free(&check);
	goto out;
oom:
	snprintf(err, errcap, "out of memory");
out:
	json_object_put(keep);
	json_object_put(out);
	json_object_put(doc);
	return text;
}

static int write_meta(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                      const struct cache_meta *m, char *err, size_t errcap)
{
	char path[4096], text[CACHE_META_MAX];
	int n;

	if (jwt_cache_path(cfg, iss, ".meta", path, sizeof(path)) != 0 ||
	    (n = cache_meta_format(m, text, sizeof(text))) < 0) {
		snprintf(err, errcap, "metadata too long");
		return -1;
	}
	return write_atomic(cfg->cache_dir, path, text, (size_t)n, 0644, err, errcap);
}

/* The cached set, if it is there and readable: its ETag may be sent. */
static int cache_valid(const struct jwt_config *cfg, const struct jwt_issuer *iss)
{
	char path[4096], why[200], *text = NULL;
	struct jwks set;
	size_t len;
	int ok = 0;

	if (jwt_cache_path(cfg, iss, ".jwks", path, sizeof(path)) != 0 ||
	    read_trusted(path, JWKS_MAX_BYTES, &text, &len, why, sizeof(why)) != 0)
		return 0;
	if (jwks_parse(text, len, &set, why, sizeof(why)) == 0) {
		ok = jwks_usable(&set) > 0;
		jwks_free(&set);
	}
	free(text);
	return ok;
}

static long bounded_ttl(const struct jwt_issuer *iss, const struct http_response *resp)
{
	long ttl = resp->no_cache ? 0 : resp->max_age >= 0 ? resp->max_age : DEFAULT_TTL;

	if (ttl < iss->cache_ttl_min)
		ttl = iss->cache_ttl_min;
	if (ttl > iss->cache_ttl_max)
		ttl = iss->cache_ttl_max;
	return ttl;
}

/* One issuer: 0 fresh keys in the cache, 1 failed (old cache kept). */
static int refresh_issuer(const struct run *r, const struct jwt_config *cfg,
                          const struct jwt_issuer *iss)
{
	char path[4096], err[800] = "", kids[512], werr[400], note[700];
	struct cache_meta old, m;
	struct http_response resp = { 0 };
	long long deadline = http_mono_ms() + iss->refresh_timeout * 1000LL;
	char *uri = NULL, *text = NULL;
	int have_cache, have_meta, rc;
	size_t nkeys = 0;
	long ttl;

	have_meta = cache_meta_read(cfg, iss, &old, err, sizeof(err)) == 0;
	if (!have_meta)
		memset(&old, 0, sizeof(old));
	have_cache = cache_valid(cfg, iss);
	if (!r->force && have_meta && have_cache && old.error[0] == '\0' &&
	    (long long)r->now < old.expires &&
	    (iss->jwks_uri == NULL || strcmp(iss->jwks_uri, old.source) == 0)) {
		say(r, "issuer %s: fresh for %lld s more (%s); not fetched (--force fetches now)\n",
		    iss->name, old.expires - (long long)r->now, old.source);
		return 0;
	}
	m = old;
	m.attempt = r->now;
	err[0] = '\0';
	if (jwt_cache_path(cfg, iss, ".jwks", path, sizeof(path)) != 0) {
		snprintf(err, sizeof(err), "cache path too long");
		goto failed;
	}
	if (iss->jwks_uri != NULL)
		uri = strdup(iss->jwks_uri);
	else if ((uri = discover(cfg, iss, deadline, err, sizeof(err))) == NULL)
		goto failed;
	if (uri == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto failed;
	}
	/* Only a cache we still hold may be confirmed by 304. */
	if (fetch(iss, uri, have_cache && strcmp(old.source, uri) == 0 ? old.etag : NULL, deadline,
	          &resp, err, sizeof(err)) != 0)
		goto failed;
	ttl = bounded_ttl(iss, &resp);
	if (resp.code == 304 && have_cache) {
		snprintf(note, sizeof(note), "unchanged (304 from %.300s)", uri);
	} else if (resp.code != 200) {
		snprintf(err, sizeof(err), "%.300s: HTTP %ld", uri, resp.code);
		goto failed;
	} else {
		text = usable_keys(iss, resp.body ? resp.body : "", resp.len, &nkeys, kids,
		                   sizeof(kids), werr, sizeof(werr));
		if (text == NULL) {
			snprintf(err, sizeof(err), "%.250s: %.400s", uri, werr);
			goto failed;
		}
		if (write_atomic(cfg->cache_dir, path, text, strlen(text), 0644, werr, sizeof(werr)) != 0) {
			snprintf(err, sizeof(err), "%s", werr);
			goto failed;
		}
		snprintf(m.source, sizeof(m.source), "%s", uri);
		snprintf(m.etag, sizeof(m.etag), "%s", resp.etag);
		snprintf(note, sizeof(note), "%zu key%s (%.300s) from %.300s", nkeys,
		         nkeys == 1 ? "" : "s", kids, uri);
	}
	m.fetched = r->now;
	m.expires = r->now + ttl;
	m.error[0] = '\0';
	if (write_meta(cfg, iss, &m, werr, sizeof(werr)) != 0) {
		snprintf(err, sizeof(err), "%s", werr);
		goto failed;
	}
	/* logins look their key up in this index instead of parsing the set */
	if (keys_index_build(cfg, iss, r->now, werr, sizeof(werr)) != 0)
		fprintf(stderr, "%s: issuer %s: key index not written (logins parse the whole "
		        "set): %s\n", progname, iss->name, werr);
	say(r, "issuer %s: %s, fresh for %ld s\n", iss->name, note, ttl);
	rc = 0;
	goto out;
failed:
	jwt_sanitize(m.error, sizeof(m.error), err, strlen(err));
	jwt_printable(err); /* it may quote what the provider sent */
	(void)write_meta(cfg, iss, &m, werr, sizeof(werr));
	jwt_print_line(stderr, "%s: issuer %s: refresh failed, %s: %s\n", progname, iss->name,
	               have_cache ? "keeping the cached keys" : "no cached keys", err);
	rc = 1;
out:
	free(text);
	free(uri);
	http_response_free(&resp);
	return rc;
}

/* revoked_uri: fetched like a key set, validated by the module's parser. */
static int refresh_revoked(const struct run *r, const struct jwt_config *cfg,
                           const struct jwt_issuer *iss)
{
	char path[4096], err[800] = "", werr[400];
	struct http_response resp = { 0 };
	long long deadline = http_mono_ms() + iss->refresh_timeout * 1000LL;
	int rc = 1;

	if (jwt_cache_path(cfg, iss, ".revoked", path, sizeof(path)) != 0) {
		snprintf(err, sizeof(err), "cache path too long");
	} else if (fetch(iss, iss->revoked_uri, NULL, deadline, &resp, err, sizeof(err)) != 0) {
		/* err set */
	} else if (resp.code != 200) {
		snprintf(err, sizeof(err), "%.300s: HTTP %ld", iss->revoked_uri, resp.code);
	} else if (revoked_validate(resp.body ? resp.body : "", resp.len, werr, sizeof(werr)) != 0) {
		snprintf(err, sizeof(err), "%.300s: %.400s", iss->revoked_uri, werr);
	} else if (write_atomic(cfg->cache_dir, path, resp.body ? resp.body : "", resp.len, 0644, werr,
	                        sizeof(werr)) != 0) {
		snprintf(err, sizeof(err), "%s", werr);
	} else {
		say(r, "issuer %s: revocation list from %s (%zu bytes)\n", iss->name,
		    iss->revoked_uri, resp.len);
		/* logins look entries up in this index instead of reading the list */
		if (revoked_index_build(cfg, iss, path, werr, sizeof(werr)) != 0)
			fprintf(stderr, "%s: issuer %s: revocation index not written: %s\n", progname,
			        iss->name, werr);
		rc = 0;
	}
	jwt_printable(err);
	if (rc != 0)
		jwt_print_line(stderr,
		               "%s: issuer %s: revocation list not updated, keeping the old one: %s\n",
		               progname, iss->name, err);
	http_response_free(&resp);
	return rc;
}

/* One refresh per issuer at a time, whoever started it (timer, module, admin). */
static int lock_issuer(const struct jwt_config *cfg, const struct jwt_issuer *iss)
{
	char path[4096], why[300];
	int fd = -1;

	if (jwt_cache_path(cfg, iss, ".lock", path, sizeof(path)) != 0)
		snprintf(why, sizeof(why), "cache path too long");
	else
		fd = lock_file(path, 30000, NULL, why, sizeof(why));
	if (fd < 0)
		jwt_print_line(stderr, "%s: issuer %s: cannot lock the cache: %s\n", progname,
		               iss->name, why);
	return fd;
}

int cmd_refresh(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = JWT_DEFAULT_CONFIG, *only = NULL;
	struct run r = { 0, 0, 0 };
	struct jwt_config *cfg;
	char err[512];
	size_t i, done = 0;
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "c:i:fqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': only = optarg; break;
		case 'f': r.force = 1; break;
		case 'q': r.quiet = 1; break;
		case 'h':
			printf("Usage: %s refresh [--config PATH] [--issuer NAME] [--force] [--quiet]\n",
			       progname);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		jwt_print_line(stderr, "%s: refresh: unexpected argument \"%s\"\n", progname,
		               argv[optind]);
		return EXIT_USAGE;
	}
	if ((cfg = jwt_config_load(path, err, sizeof(err))) == NULL) {
		jwt_print_line(stderr, "%s: %s\n", progname, err);
		return EXIT_USAGE;
	}
	umask(022);
	if (mkdir(cfg->cache_dir, 0755) != 0 && errno != EEXIST) {
		jwt_print_line(stderr, "%s: cannot create %s: %s\n", progname, cfg->cache_dir,
		               strerror(errno));
		jwt_config_free(cfg);
		return EXIT_REJECTED;
	}
	if (dir_trusted(cfg->cache_dir, err, sizeof(err)) != 0) {
		jwt_print_line(stderr, "%s: cache_dir refused: %s\n", progname, err);
		jwt_config_free(cfg);
		return EXIT_USAGE;
	}
	if (http_init() != 0) {
		jwt_print_line(stderr, "%s: libcurl initialisation failed\n", progname);
		jwt_config_free(cfg);
		return EXIT_REJECTED;
	}
	r.now = time(NULL);
	for (i = 0; i < cfg->n_issuers; i++) {
		const struct jwt_issuer *iss = &cfg->issuers[i];
		int lock, fetch_keys;

		if (only != NULL && strcmp(only, iss->name) != 0)
			continue;
		done++;
		fetch_keys = iss->jwks_file == NULL && (iss->algorithms & JWT_ALG_ASYMMETRIC_MASK);
		if (!fetch_keys)
			say(&r, "issuer %s: static keys (%s), nothing to fetch\n", iss->name,
			    iss->jwks_file ? iss->jwks_file : "hmac_secret_file");
		if (!fetch_keys && iss->revoked_uri == NULL)
			continue;
		if ((lock = lock_issuer(cfg, iss)) < 0) {
			failed = 1;
			continue;
		}
		if (iss->revoked_uri != NULL)
			failed |= refresh_revoked(&r, cfg, iss);
		if (fetch_keys)
			failed |= refresh_issuer(&r, cfg, iss);
		close(lock);
	}
	http_cleanup();
	jwt_config_free(cfg);
	if (only != NULL && done == 0) {
		jwt_print_line(stderr, "%s: refresh: no [issuer %s] in %s\n", progname, only, path);
		return EXIT_USAGE;
	}
	return failed ? EXIT_REJECTED : 0;
}

#else /* !HAVE_CURL */

int cmd_refresh(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	jwt_print_line(stderr, "%s: built without libcurl: refresh is not available\n", progname);
	return EXIT_USAGE;
}

#endif
