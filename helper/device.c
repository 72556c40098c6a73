/*
 * pam-jwt device --issuer NAME: the device authorization grant (RFC 8628)
 * for pam_jwt.so, which runs it as a child (pam/device.c) and stays off
 * the network itself.
 *
 *   1. POST client_id and scope to the device authorization endpoint
 *      (device_authorization_endpoint, else cached from discovery by
 *      `pam-jwt refresh` in cache_dir/NAME.endpoints, else discovery now).
 *   2. Tell the module what to show, on stdout, one line each:
 *          uri URI | code USER_CODE | expires SECONDS |
 *          qr LINE (the QR code of the same URI, half blocks) | ready
 *      URI is verification_uri_complete if given, else verification_uri;
 *      both must be https on the issuer's origin (or device_verification_host),
 *      else the flow ends with "error origin": the link a user reads and the
 *      QR code a phone scans are one URL on the provider's own site.
 *   3. Poll the token endpoint every `interval` seconds (slow_down adds 5),
 *      until the token, access_denied, expired_token, the provider's
 *      expires_in or device_timeout, whichever comes first; then write
 *          token LENGTH\n<the token>\n     or     error KIND TEXT
 *      with KIND one of unavail, denied, expired, timeout, bad, config,
 *      origin, busy (device_max_flows flows are running: each flow holds a
 *      flock on one of that many slot files in device_dir until it exits).
 *
 * The module's end of stdin closing (it returned, the client went away,
 * sshd killed it) stops everything at once, also in the middle of a
 * request: nobody keeps polling the provider for a login that is over.
 * HTTPS only, TLS verified with the issuer's ca_file, bodies capped, every
 * wait bounded.  The device code, the user code and the token are never
 * written anywhere else, and are wiped before exit.  Nothing is cached.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "conf.h"
#include "log.h"
#include "json.h"
#include "jwt.h"
#include "net.h"
#include "qr.h"
#include "safefile.h"

#ifdef HAVE_CURL
#include <curl/curl.h>

#define BODY_MAX (64 * 1024)
#define REQUEST_MAX_MS 10000L
#define DEVICE_CODE_MAX 1024
#define USER_CODE_MAX 64
#define URI_MAX 512
#define INTERVAL_DEFAULT 5
#define INTERVAL_MAX 60
#define EXPIRES_MIN 10
#define EXPIRES_MAX 3600
#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

struct body {
	char *data;
	size_t len;
	int too_big;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The module is gone when its end of our stdin is closed. */
static int module_gone(int wait_ms)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char buf[64];

	for (;;) {
		int r = poll(&p, 1, wait_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0;
		if (p.revents & (POLLERR | POLLNVAL))
			return 1;
		/* Readable: end of file (or a hangup) ends us; other input is ignored. */
		if (read(0, buf, sizeof(buf)) <= 0)
			return 1;
		return 0;
	}
}

static void result(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(const char *kind, const char *fmt, ...)
{
	char msg[400], clean[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jwt_sanitize(clean, sizeof(clean), msg, strlen(msg));
	printf("error %s %s\n", kind, clean);
	fflush(stdout);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n;
	char *p;

	if (len > BODY_MAX - b->len) {
		b->too_big = 1;
		return 0;
	}
	if ((p = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = p;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* json-c's copy of a code or token: its heap string, writable once we own
 * the object (the body it came from is wiped separately). */
static void wipe_str(const char *s)
{
	explicit_bzero((void *)(uintptr_t)s, strlen(s));
}

static void body_free(struct body *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)ctx, (void)a, (void)b, (void)c, (void)d;
	return module_gone(0); /* non-zero aborts the transfer */
}

/* POST a form (GET when form is NULL).  0 with *code set, -1 unreachable
 * (err says why), -2 the module went away. */
static int request(const struct jwt_issuer *iss, const char *url, const char *form,
                   const char *secret, long long deadline, struct body *b, long *code,
                   char *err, size_t errcap)
{
	char curlerr[CURL_ERROR_SIZE] = "";
	long long left = deadline - mono_ms();
	CURL *c;
	CURLcode rc;

	memset(b, 0, sizeof(*b));
	*code = 0;
	if (strncmp(url, "https://", 8) != 0) {
		snprintf(err, errcap, "%.300s: not https://, refused", url);
		return -1;
	}
	if (left <= 0) {
		snprintf(err, errcap, "device_timeout (%ld s) used up", iss->device_timeout);
		return -1;
	}
	if (left > REQUEST_MAX_MS)
		left = REQUEST_MAX_MS;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errcap, "curl_easy_init failed");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, form == NULL ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (iss->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, iss->ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)BODY_MAX);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	if (secret != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, iss->client_id);
		curl_easy_setopt(c, CURLOPT_PASSWORD, secret);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return -2;
	if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errcap, "%.300s: response larger than %d bytes", url, BODY_MAX);
		*code = -1; /* an answer, but a bad one */
		return 0;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errcap, "%.300s: %.300s", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}


static int uri_ok(const char *s)
{
	return jwt_is_word(s, URI_MAX) && strncmp(s, "https://", 8) == 0;
}

/* An integer member within [min, max]; absent gives def, anything else -1. */
static long int_member(json_object *o, const char *key, long def, long min, long max)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return def;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	return n < min || n > max ? -1 : (long)n;
}

static json_object *object_body(const struct body *b)
{
	json_object *o = b->data != NULL ? jwt_json_parse(b->data, b->len, 8) : NULL;

	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

struct endpoints {
	char device[URI_MAX + 1];
	char token[URI_MAX + 1];
};

/* cache_dir/NAME.endpoints, written by pam-jwt refresh from discovery. */
static int cached_endpoints(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                            struct endpoints *e)
{
	char path[4096], why[256], *text = NULL, *line, *save = NULL;
	size_t len;

	if (jwt_cache_path(cfg, iss, ".endpoints", path, sizeof(path)) != 0 ||
	    read_trusted(path, 4096, &text, &len, why, sizeof(why)) != 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (sp == NULL)
			continue;
		*sp++ = '\0';
		if (!uri_ok(sp))
			continue;
		if (strcmp(line, "device_authorization_endpoint") == 0)
			snprintf(e->device, sizeof(e->device), "%s", sp);
		else if (strcmp(line, "token_endpoint") == 0)
			snprintf(e->token, sizeof(e->token), "%s", sp);
	}
	free(text);
	return 0;
}

static int discover(const struct jwt_issuer *iss, long long deadline, struct endpoints *e,
                    char *err, size_t errcap)
{
	char url[2048];
	struct body b;
	json_object *doc = NULL;
	const char *got, *dev, *tok;
	size_t n = strlen(iss->issuer);
	long code;
	int rc = -1;

	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	         (int)(n > 0 && iss->issuer[n - 1] == '/' ? n - 1 : n), iss->issuer);
	if ((rc = request(iss, url, NULL, NULL, deadline, &b, &code, err, errcap)) != 0)
		return rc;
	rc = 1;
	if (code != 200 || (doc = object_body(&b)) == NULL) {
		snprintf(err, errcap, "%.300s: HTTP %ld, or not a JSON object", url, code);
	} else if ((got = jwt_json_str(doc, "issuer", NULL)) == NULL || strcmp(got, iss->issuer) != 0) {
		snprintf(err, errcap, "%.300s: discovery names another issuer", url);
	} else {
		dev = jwt_json_str(doc, "device_authorization_endpoint", NULL);
		tok = jwt_json_str(doc, "token_endpoint", NULL);
		if (e->device[0] == '\0' && uri_ok(dev))
			snprintf(e->device, sizeof(e->device), "%s", dev);
		if (e->token[0] == '\0' && uri_ok(tok))
			snprintf(e->token, sizeof(e->token), "%s", tok);
		rc = 0;
	}
	json_object_put(doc);
	body_free(&b);
	return rc;
}

static char *read_secret(const struct jwt_issuer *iss, char *err, size_t errcap)
{
	char why[256], *s = NULL;
	size_t len = 0;

	if (read_trusted_flags(iss->client_secret_file, 4096, TRUSTED_SECRET, &s, &len, why,
	                       sizeof(why)) != 0) {
		snprintf(err, errcap, "client_secret_file %.200s: %.200s", iss->client_secret_file, why);
		return NULL;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len == 0 || memchr(s, '\0', len) != NULL) {
		explicit_bzero(s, len);
		free(s);
		snprintf(err, errcap, "client_secret_file %.200s is empty", iss->client_secret_file);
		return NULL;
	}
	return s;
}

/* One of device_max_flows slots in device_dir, held (flock) until this
 * process exits however it ends.  The descriptor, or -1 after saying why
 * (busy: every slot is taken). */
static int take_slot(const struct jwt_config *cfg)
{
	const char *dir = cfg->device_dir != NULL ? cfg->device_dir : JWT_DEFAULT_DEVICE_DIR;
	char path[4096], why[512];
	long i;

	if (make_private_dir(dir, why, sizeof(why)) != 0) {
		result("config", "device_dir: %s", why);
		return -1;
	}
	for (i = 0; i < cfg->device_max_flows; i++) {
		int fd;

		snprintf(path, sizeof(path), "%.4000s/slot.%ld", dir, i);
		if ((fd = lock_file(path, 0, NULL, why, sizeof(why))) >= 0)
			return fd;
		if (fd != -2) {
			result("config", "device_dir: %s", why);
			return -1;
		}
	}
	result("busy", "all %ld device flows of this host are running (device_max_flows)",
	       cfg->device_max_flows);
	return -1;
}

/* The link the user reads and the QR code encodes: verification_uri_complete
 * if present, else verification_uri; each that is present must be https on
 * an allowed origin.  NULL after saying why. */
static const char *one_link(const struct jwt_issuer *iss, json_object *o)
{
	const char *uri = jwt_json_str(o, "verification_uri", NULL);
	const char *complete = NULL;
	json_object *v;

	if (!uri_ok(uri)) {
		result("bad", "device authorization response has no https verification_uri");
		return NULL;
	}
	if (json_object_object_get_ex(o, "verification_uri_complete", &v) && v != NULL &&
	    !uri_ok(complete = jwt_json_str(o, "verification_uri_complete", NULL))) {
		result("bad", "device authorization response has an unusable verification_uri_complete");
		return NULL;
	}
	if (!jwt_device_link_ok(iss, uri) || (complete != NULL && !jwt_device_link_ok(iss, complete))) {
		struct jwt_origin bad;
		const char *which = !jwt_device_link_ok(iss, uri) ? uri : complete;

		/* the origin only: the rest of the link may hold the user code */
		if (jwt_url_origin(which, &bad) != 0)
			result("origin", "the verification link has no plain https host[:port]");
		else
			result("origin", "the verification link names %s:%u, not the issuer's "
			       "origin%s", bad.host, bad.port, iss->device_verification_host != NULL
			       ? " nor device_verification_host" : "");
		return NULL;
	}
	return complete != NULL ? complete : uri;
}

/* The whole exchange; returns the exit code. */
static int device_flow(const struct jwt_config *cfg, const struct jwt_issuer *iss)
{
	static char qrtext[16384];
	const char *want = iss->device_token != NULL ? iss->device_token : "id_token";
	const char *scope = iss->device_scope != NULL ? iss->device_scope : "openid";
	long long start = mono_ms(), deadline = start + iss->device_timeout * 1000LL, next;
	char err[800] = "", *secret = NULL, *form = NULL, *esc_id = NULL, *esc_code = NULL;
	char device_code[DEVICE_CODE_MAX + 1] = "";
	struct endpoints e;
	struct body b = { 0 };
	json_object *o = NULL;
	const char *s, *link;
	long code, interval, expires;
	int rc = 1, r;
	CURL *esc = curl_easy_init();
	struct qr q;

	memset(&e, 0, sizeof(e));
	if (esc == NULL) {
		result("bad", "curl_easy_init failed");
		return 1;
	}
	/* Before anything costs the provider or us: a slot, kept until exit.
	 * Only root's flows count (the module's helpers); a user who runs this
	 * (pam-jwt desktop-code --device) spends a process of their own. */
	if (geteuid() == 0 && take_slot(cfg) < 0) {
		curl_easy_cleanup(esc);
		return 1;
	}
	if (iss->device_authorization_endpoint != NULL)
		snprintf(e.device, sizeof(e.device), "%s", iss->device_authorization_endpoint);
	if (iss->token_endpoint != NULL)
		snprintf(e.token, sizeof(e.token), "%s", iss->token_endpoint);
	if (e.device[0] == '\0' || e.token[0] == '\0')
		(void)cached_endpoints(cfg, iss, &e);
	if (e.device[0] == '\0' || e.token[0] == '\0') {
		if ((r = discover(iss, deadline, &e, err, sizeof(err))) == -2)
			goto gone;
		if (r != 0) {
			result(r == -1 ? "unavail" : "bad", "discovery: %s", err);
			goto out;
		}
		if (e.device[0] == '\0' || e.token[0] == '\0') {
			result("bad", "the provider offers no device authorization (no https "
			       "device_authorization_endpoint and token_endpoint in discovery)");
			goto out;
		}
	}
	if (iss->client_secret_file != NULL &&
	    (secret = read_secret(iss, err, sizeof(err))) == NULL) {
		result("config", "%s", err);
		goto out;
	}
	esc_id = curl_easy_escape(esc, iss->client_id, 0);
	{
		char *esc_scope = curl_easy_escape(esc, scope, 0);

		if (esc_id == NULL || esc_scope == NULL ||
		    asprintf(&form, "client_id=%s&scope=%s", esc_id, esc_scope) < 0)
			form = NULL;
		curl_free(esc_scope);
	}
	if (form == NULL) {
		result("bad", "out of memory");
		goto out;
	}

	/* 1. the device authorization request */
	r = request(iss, e.device, form, secret, deadline, &b, &code, err, sizeof(err));
	free(form);
	form = NULL;
	if (r == -2)
		goto gone;
	if (r == -1) {
		result("unavail", "device authorization: %s", err);
		goto out;
	}
	if (code != 200) {
		result("bad", "device authorization endpoint answered HTTP %ld%s%s", code,
		       err[0] ? ": " : "", err);
		goto out;
	}
	if ((o = object_body(&b)) == NULL) {
		result("bad", "device authorization response is not a JSON object");
		goto out;
	}
	s = jwt_json_str(o, "device_code", NULL);
	if (!jwt_is_word(s, DEVICE_CODE_MAX)) {
		result("bad", "device authorization response has no usable device_code");
		goto out;
	}
	snprintf(device_code, sizeof(device_code), "%s", s);
	s = jwt_json_str(o, "user_code", NULL);
	if (!jwt_is_word(s, USER_CODE_MAX)) {
		result("bad", "device authorization response has no usable user_code");
		goto out;
	}
	expires = int_member(o, "expires_in", -1, EXPIRES_MIN, EXPIRES_MAX);
	interval = int_member(o, "interval", INTERVAL_DEFAULT, 1, INTERVAL_MAX);
	if (expires < 0) {
		result("bad", "device authorization response has no expires_in from %d to %d s",
		       EXPIRES_MIN, EXPIRES_MAX);
		goto out;
	}
	if (interval < 0 || interval >= expires) {
		result("bad", "device authorization response has an absurd interval (1 to %d s, "
		       "below expires_in)", INTERVAL_MAX);
		goto out;
	}
	if ((link = one_link(iss, o)) == NULL)
		goto out;
	if (start + expires * 1000LL < deadline)
		deadline = start + expires * 1000LL;

	/* 2. what the module shows (the user code goes nowhere else) */
	printf("uri %s\n", link);
	if (qr_encode((const unsigned char *)link, strlen(link), &q) == 0 &&
	    qr_render(&q, 2, qrtext, sizeof(qrtext)) > 0) {
		char *line, *save = NULL;

		for (line = strtok_r(qrtext, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			printf("qr %s\n", line);
	}
	s = jwt_json_str(o, "user_code", NULL);
	printf("code %s\nexpires %lld\nready\n", s, (deadline - start) / 1000);
	if (fflush(stdout) != 0)
		goto gone;
	wipe_str(s);
	wipe_str(link); /* verification_uri_complete carries the user code */
	wipe_str(jwt_json_str(o, "device_code", NULL));
	json_object_put(o);
	o = NULL;
	body_free(&b);

	esc_code = curl_easy_escape(esc, device_code, 0);
	if (esc_code == NULL || asprintf(&form, "grant_type=%s&device_code=%s&client_id=%s",
	                                 GRANT_TYPE, esc_code, esc_id) < 0) {
		form = NULL;
		result("bad", "out of memory");
		goto out;
	}

	/* 3. poll */
	for (next = mono_ms() + interval * 1000LL;;) {
		const char *error;
		long long now = mono_ms();

		if (next > deadline) {
			result("timeout", "not signed in within %lld s", (deadline - start) / 1000);
			goto out;
		}
		if (next > now && module_gone((int)(next - now)))
			goto gone;
		if (module_gone(0))
			goto gone;
		r = request(iss, e.token, form, secret, deadline, &b, &code, err, sizeof(err));
		if (r == -2)
			goto gone;
		if (r == -1) {
			/* A poll the deadline cut short (its timeout is what is
			 * left) is the code running out, not an unreachable
			 * provider: a loaded machine must not change the answer. */
			if (mono_ms() >= deadline)
				result("timeout", "not signed in within %lld s", (deadline - start) / 1000);
			else
				result("unavail", "token endpoint: %s", err);
			goto out;
		}
		next = mono_ms() + interval * 1000LL;
		o = object_body(&b);
		if (code == 200) {
			const char *tok = o != NULL ? jwt_json_str(o, want, NULL) : NULL;
			size_t n = tok != NULL ? strlen(tok) : 0, i;

			for (i = 0; i < n && (isalnum((unsigned char)tok[i]) || strchr("._-", tok[i])); i++)
				;
			if (n == 0 || i != n || n > JWT_MAX_TOKEN) {
				result("bad", "the token response has no usable %s", want);
				goto out;
			}
			printf("token %zu\n", n);
			fwrite(tok, 1, n, stdout);
			putchar('\n');
			wipe_str(tok);
			rc = fflush(stdout) != 0;
			goto out;
		}
		error = o != NULL ? jwt_json_str(o, "error", NULL) : NULL;
		if (error == NULL || (code != 400 && code != 401)) {
			result("bad", "token endpoint answered HTTP %ld%s", code,
			       o == NULL ? " (not JSON)" : "");
			goto out;
		}
		if (strcmp(error, "authorization_pending") == 0) {
			/* keep polling */
		} else if (strcmp(error, "slow_down") == 0) {
			interval += 5;
			next = mono_ms() + interval * 1000LL;
		} else if (strcmp(error, "access_denied") == 0) {
			result("denied", "the sign-in was denied at the provider");
			goto out;
		} else if (strcmp(error, "expired_token") == 0) {
			result("expired", "the code expired at the provider");
			goto out;
		} else {
			char clean[64];

			jwt_sanitize(clean, sizeof(clean), error, strlen(error));
			result("bad", "token endpoint error \"%s\"", clean);
			goto out;
		}
		json_object_put(o);
		o = NULL;
		body_free(&b);
	}
gone:
	rc = 3; /* nobody is listening any more */
out:
	json_object_put(o);
	body_free(&b);
	if (form != NULL) {
		explicit_bzero(form, strlen(form));
		free(form);
	}
	if (esc_code != NULL) {
		explicit_bzero(esc_code, strlen(esc_code));
		curl_free(esc_code);
	}
	curl_free(esc_id);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	explicit_bzero(device_code, sizeof(device_code));
	curl_easy_cleanup(esc);
	return rc;
}

int cmd_device(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = JWT_DEFAULT_CONFIG, *name = NULL;
	const struct jwt_issuer *iss = NULL;
	struct jwt_config *cfg;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': name = optarg; break;
		case 'h':
			printf("Usage: %s device [--config PATH] --issuer NAME\n", progname);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	/* A module that died between fork and our first write must not get us
	 * killed by SIGPIPE mid-way through wiping: write errors are handled. */
	signal(SIGPIPE, SIG_IGN);
	if (optind != argc || name == NULL) {
		result("config", "usage: %s device [--config PATH] --issuer NAME", progname);
		return EXIT_USAGE;
	}
	if ((cfg = jwt_config_load(path, err, sizeof(err))) == NULL) {
		result("config", "%s", err);
		return EXIT_USAGE;
	}
	iss = jwt_config_issuer(cfg, name);
	if (iss == NULL || !iss->device_flow) {
		result("config", "[issuer %.64s] does not set device_flow = yes", name);
		jwt_config_free(cfg);
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		result("bad", "libcurl initialisation failed");
		jwt_config_free(cfg);
		return EXIT_REJECTED;
	}
	rc = device_flow(cfg, iss);
	curl_global_cleanup();
	jwt_config_free(cfg);
	return rc;
}

#else /* !HAVE_CURL */

int cmd_device(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("error config built without libcurl: device is not available\n");
	return EXIT_USAGE;
}

#endif
