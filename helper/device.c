/* SPDX-License-Identifier: BSD-2-Clause */
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
#include "http.h"
#include "text.h"

#define BODY_MAX (64 * 1024)
#define REQUEST_MAX_MS 10000L
#define DEVICE_CODE_MAX 1024
#define USER_CODE_MAX 64
#define INTERVAL_DEFAULT 5
#define INTERVAL_MAX 60
#define EXPIRES_MIN 10
#define EXPIRES_MAX 3600
#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

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

static int gone_now(void *ctx)
{
	(void)ctx;
	return module_gone(0);
}

/* POST a form (GET when form is NULL).  0 with *code set (-1: an answer,
 * but too long), -1 unreachable (err says why), -2 the module went away. */
static int request(const struct jwt_issuer *iss, const char *url, const char *form,
                   const char *secret, long long deadline, struct http_response *b, long *code,
                   char *err, size_t errcap)
{
	struct http_request req = { .url = url, .form = form, .ca_file = iss->ca_file,
	                            .deadline = deadline, .max_body = BODY_MAX,
	                            .abort = gone_now };
	long long left = deadline - http_mono_ms();

	*code = 0;
	if (left <= 0) {
		memset(b, 0, sizeof(*b));
		snprintf(err, errcap, "device_timeout (%ld s) used up", iss->device_timeout);
		return -1;
	}
	if (left > REQUEST_MAX_MS)
		req.deadline = http_mono_ms() + REQUEST_MAX_MS;
	if (secret != NULL) {
		req.basic_user = iss->client_id;
		req.basic_password = secret;
	}
	switch (http_request(&req, b, err, errcap)) {
	case HTTP_OK:
		*code = b->code;
		return 0;
	case HTTP_ABORTED:
		return -2;
	case HTTP_TOO_BIG:
		*code = -1; /* an answer, but a bad one */
		return 0;
	default:
		return -1;
	}
}

/* An integer member within [min, max]; absent gives def, anything else -1. */
static long int_member(json_object *o, const char *key, long def, long min, long max)
{
	int64_t n;

	switch (jwt_json_get_int(o, key, min, max, &n)) {
	case JWT_JSON_ABSENT: return def;
	case JWT_JSON_OK: return (long)n;
	default: return -1;
	}
}

struct endpoints {
	char device[HTTP_URI_MAX + 1];
	char token[HTTP_URI_MAX + 1];
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
		if (!http_uri_ok(sp))
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
	struct http_request req = { .ca_file = iss->ca_file, .deadline = deadline,
	                            .max_body = BODY_MAX, .abort = gone_now };
	json_object *doc = NULL;
	const char *dev, *tok;
	int rc;

	if (deadline - http_mono_ms() > REQUEST_MAX_MS)
		req.deadline = http_mono_ms() + REQUEST_MAX_MS;
	rc = http_discover(&req, iss->issuer, &doc, err, errcap);
	if (rc == HTTP_ABORTED)
		return -2;
	if (rc == HTTP_UNREACHABLE || rc == HTTP_SETUP)
		return -1;
	if (rc != HTTP_OK)
		return 1;
	dev = http_endpoint(doc, "device_authorization_endpoint");
	tok = http_endpoint(doc, "token_endpoint");
	if (e->device[0] == '\0' && dev != NULL)
		snprintf(e->device, sizeof(e->device), "%s", dev);
	if (e->token[0] == '\0' && tok != NULL)
		snprintf(e->token, sizeof(e->token), "%s", tok);
	json_object_put(doc);
	return 0;
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

	if (!http_uri_ok(uri)) {
		result("bad", "device authorization response has no https verification_uri");
		return NULL;
	}
	if (json_object_object_get_ex(o, "verification_uri_complete", &v) && v != NULL &&
	    !http_uri_ok(complete = jwt_json_str(o, "verification_uri_complete", NULL))) {
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
	long long start = http_mono_ms(), deadline = start + iss->device_timeout * 1000LL, next;
	char err[800] = "", *secret = NULL;
	char device_code[DEVICE_CODE_MAX + 1] = "";
	struct endpoints e;
	struct http_response b = { 0 };
	struct http_form form = { 0 };
	json_object *o = NULL;
	const char *s, *link;
	long code, interval, expires;
	int rc = 1, r;
	struct qr q;

	memset(&e, 0, sizeof(e));
	/* Before anything costs the provider or us: a slot, kept until exit.
	 * Only root's flows count (the module's helpers); a user who runs this
	 * (pam-jwt desktop-code --device) spends a process of their own. */
	if (geteuid() == 0 && take_slot(cfg) < 0)
		return 1;
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
	http_form_add(&form, "client_id", iss->client_id);
	http_form_add(&form, "scope", scope);
	if (form.failed) {
		result("bad", "out of memory");
		goto out;
	}

	/* 1. the device authorization request */
	r = request(iss, e.device, form.buf, secret, deadline, &b, &code, err, sizeof(err));
	http_form_free(&form);
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
	if ((o = http_json_object(&b)) == NULL) {
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
	http_wipe_str(s);
	http_wipe_str(link); /* verification_uri_complete carries the user code */
	http_wipe_str(jwt_json_str(o, "device_code", NULL));
	json_object_put(o);
	o = NULL;
	http_response_free(&b);

	http_form_add(&form, "grant_type", GRANT_TYPE);
	http_form_add(&form, "device_code", device_code);
	http_form_add(&form, "client_id", iss->client_id);
	if (form.failed) {
		result("bad", "out of memory");
		goto out;
	}

	/* 3. poll */
	for (next = http_mono_ms() + interval * 1000LL;;) {
		const char *error;
		long long now = http_mono_ms();

		if (next > deadline) {
			result("timeout", "not signed in within %lld s", (deadline - start) / 1000);
			goto out;
		}
		if (next > now && module_gone((int)(next - now)))
			goto gone;
		if (module_gone(0))
			goto gone;
		http_response_free(&b);
		r = request(iss, e.token, form.buf, secret, deadline, &b, &code, err, sizeof(err));
		if (r == -2)
			goto gone;
		if (r == -1) {
			/* A poll the deadline cut short (its timeout is what is
			 * left) is the code running out, not an unreachable
			 * provider: a loaded machine must not change the answer. */
			if (http_mono_ms() >= deadline)
				result("timeout", "not signed in within %lld s", (deadline - start) / 1000);
			else
				result("unavail", "token endpoint: %s", err);
			goto out;
		}
		next = http_mono_ms() + interval * 1000LL;
		o = http_json_object(&b);
		if (code == 200) {
			const char *tok = o != NULL ? jwt_json_str(o, want, NULL) : NULL;
			size_t n = tok != NULL ? strlen(tok) : 0, i;

			for (i = 0; i < n && (jwt_ascii_alnum((unsigned char)tok[i]) || strchr("._-", tok[i])); i++)
				;
			if (n == 0 || i != n || n > JWT_MAX_TOKEN) {
				result("bad", "the token response has no usable %s", want);
				goto out;
			}
			printf("token %zu\n", n);
			fwrite(tok, 1, n, stdout);
			putchar('\n');
			http_wipe_str(tok);
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
			next = http_mono_ms() + interval * 1000LL;
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
		http_response_free(&b);
	}
gone:
	rc = 3; /* nobody is listening any more */
out:
	json_object_put(o);
	http_response_free(&b);
	http_form_free(&form);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	explicit_bzero(device_code, sizeof(device_code));
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
	if (http_init() != 0) {
		result("bad", "libcurl initialisation failed");
		jwt_config_free(cfg);
		return EXIT_REJECTED;
	}
	rc = device_flow(cfg, iss);
	http_cleanup();
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
