/*
 * The provider's side of pam-jwt-login.
 *
 *   sign-in   authorization code + PKCE S256 (RFC 7636) with state and
 *             nonce, the redirect taken on 127.0.0.1 at an ephemeral port
 *             (RFC 8252): one request on /callback with our state, then
 *             the listener is closed; or the device flow (RFC 8628)
 *   renewal   the refresh-token grant; a refused refresh token ends the
 *             session (OIDC_SIGNIN)
 *   binding   resource: the refresh-token grant with resource=AUDIENCE
 *             (RFC 8707); exchange: the session's access token exchanged
 *             for one with audience=AUDIENCE (RFC 8693); fixed: the
 *             session's own token, whose aud is the configured audience
 *
 * Whatever the binding, a token leaves only when its aud contains the
 * audience wanted (token_fits).  The id_token of a sign-in comes straight
 * from the token endpoint over verified TLS (OpenID Connect Core 3.1.3.7
 * lets that stand for its signature); its iss, aud, exp and nonce are
 * checked.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "client.h"
#include "http.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "qr.h"

#define REQUEST_MS 15000L
#define REDIRECT_REQUEST_MAX 8192
#define RENEW_MARGIN 15 /* seconds: a token closer than this to exp is renewed */
#define GT_REFRESH "refresh_token"
#define GT_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"
#define GT_DEVICE "urn:ietf:params:oauth:grant-type:device_code"
#define TT_ACCESS "urn:ietf:params:oauth:token-type:access_token"

/* --- tokens read without verifying (only to check what we hand out) --- */

json_object *jwt_peek(const char *token)
{
	const char *a, *b;
	unsigned char *buf;
	size_t n, out;
	json_object *o = NULL;

	if (token == NULL || (a = strchr(token, '.')) == NULL || (b = strchr(a + 1, '.')) == NULL ||
	    strlen(token) > JWT_MAX_TOKEN)
		return NULL;
	n = (size_t)(b - a - 1);
	if ((buf = malloc(B64URL_DECODED_MAX(n) + 1)) == NULL)
		return NULL;
	if (b64url_decode(a + 1, n, buf, B64URL_DECODED_MAX(n), &out) == 0) {
		o = jwt_json_parse((const char *)buf, out, 8);
		if (o != NULL && !jwt_json_is_object(o)) {
			json_object_put(o);
			o = NULL;
		}
	}
	explicit_bzero(buf, B64URL_DECODED_MAX(n));
	free(buf);
	return o;
}

static int aud_has(json_object *claims, const char *aud)
{
	json_object *v = jwt_json_member(claims, "aud");
	const char *s;
	size_t i;

	if (jwt_json_as_str(v, 4096, &s, NULL) == JWT_JSON_OK)
		return strcmp(s, aud) == 0;
	for (i = 0; i < jwt_json_array_len(v); i++)
		if (jwt_json_elem_str(v, i, 4096, &s, NULL) == JWT_JSON_OK && strcmp(s, aud) == 0)
			return 1;
	return 0;
}

int token_fits(const char *token, const char *aud, time_t now, long margin, long long *exp)
{
	json_object *c = jwt_peek(token);
	int64_t e = 0;
	int ok = c != NULL && jwt_json_get_int(c, "exp", 0, INT64_MAX / 2, &e) == JWT_JSON_OK &&
	         (long long)e > (long long)now + margin && (aud == NULL || aud_has(c, aud));

	if (exp != NULL)
		*exp = e;
	json_object_put(c);
	return ok;
}

/* --- small helpers ----------------------------------------------------- */

static int random_b64(char *out, size_t bytes)
{
	unsigned char buf[64];

	if (bytes > sizeof(buf) || RAND_bytes(buf, (int)bytes) != 1)
		return -1;
	b64url_encode(buf, bytes, out);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int s256(const char *verifier, char *out)
{
	unsigned char md[32];
	unsigned int n = 0;

	if (EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	b64url_encode(md, 32, out);
	return 0;
}

static const char *doc_str(json_object *doc, const char *key)
{
	const char *s = NULL;

	return jwt_json_get_str(doc, key, JWT_MAX_TOKEN, &s, NULL) == JWT_JSON_OK ? s : NULL;
}

static long long doc_int(json_object *doc, const char *key)
{
	int64_t v = 0;

	return jwt_json_get_int(doc, key, 0, INT64_MAX / 2, &v) == JWT_JSON_OK ? (long long)v : 0;
}

/* Set a member (a copy of s); the old value is wiped first. */
static int doc_set(json_object *doc, const char *key, const char *s)
{
	json_wipe(jwt_json_member(doc, key));
	if (s == NULL) {
		json_object_object_del(doc, key);
		return 0;
	}
	return json_object_object_add(doc, key, json_object_new_string(s));
}

static void doc_set_int(json_object *doc, const char *key, long long v)
{
	json_object_object_add(doc, key, json_object_new_int64(v));
}

/* A token as the token endpoint must send it: a JWS-shaped word. */
static int token_word(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-~+/=", s[i]) == NULL)
			return 0;
	return n > 0 && n <= JWT_MAX_TOKEN;
}

/* A public client names itself; a "desktop" client of a provider that
 * insists on a secret (Google) adds one that is not secret at all. */
static void client_auth(struct http_form *f, const struct provider *p)
{
	http_form_add(f, "client_id", p->client_id);
	if (p->client_secret != NULL)
		http_form_add(f, "client_secret", p->client_secret);
}

/* --- endpoints ----------------------------------------------------------- */

/* The session remembers the provider's endpoints, so a host token costs
 * one request, not a discovery plus one. */
static int endpoints(const struct provider *p, json_object *doc, char *err, size_t errcap)
{
	static const char *const names[][2] = {
		{ "authorization_endpoint", "ep_authorization" },
		{ "token_endpoint", "ep_token" },
		{ "device_authorization_endpoint", "ep_device" },
		{ "revocation_endpoint", "ep_revocation" },
	};
	struct http_request req = { .ca_file = p->ca_file, .deadline = http_mono_ms() + REQUEST_MS };
	json_object *d = NULL;
	size_t i;
	int st;

	if (doc_str(doc, "ep_token") != NULL && doc_str(doc, "issuer") != NULL &&
	    strcmp(doc_str(doc, "issuer"), p->issuer) == 0)
		return 0;
	if ((st = http_discover(&req, p->issuer, &d, err, errcap)) != HTTP_OK)
		return st == 1 ? OIDC_FAILED : OIDC_UNREACHABLE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		doc_set(doc, names[i][1], http_endpoint(d, names[i][0]));
	json_object_put(d);
	if (doc_str(doc, "ep_token") == NULL) {
		http_err(err, errcap, "%s: discovery names no https token_endpoint", p->issuer);
		return OIDC_FAILED;
	}
	doc_set(doc, "issuer", p->issuer);
	doc_set(doc, "client_id", p->client_id);
	return 0;
}

/* POST to the token endpoint.  OIDC_OK with *out (a JSON object, 200),
 * OIDC_FAILED (*out may hold the error object), OIDC_UNREACHABLE. */
static enum oidc_result token_post(const struct provider *p, json_object *doc,
                                   const struct http_form *form, json_object **out, char *err,
                                   size_t errcap)
{
	struct http_request req = { .url = doc_str(doc, "ep_token"), .form = form->buf,
	                            .ca_file = p->ca_file, .deadline = http_mono_ms() + REQUEST_MS };
	struct http_response resp;
	const char *e;
	int st;

	*out = NULL;
	if (form->failed) {
		http_err(err, errcap, "out of memory");
		return OIDC_FAILED;
	}
	st = http_request(&req, &resp, err, errcap);
	if (st == HTTP_UNREACHABLE)
		return OIDC_UNREACHABLE;
	if (st != HTTP_OK)
		return OIDC_FAILED;
	*out = http_json_object(&resp);
	http_response_free(&resp);
	if (resp.code == 200 && *out != NULL)
		return OIDC_OK;
	e = doc_str(*out, "error");
	http_err(err, errcap, "the token endpoint answered HTTP %ld%s%.60s%s%.200s", resp.code,
	     e ? ": " : "", e ? e : "", doc_str(*out, "error_description") ? " - " : "",
	     doc_str(*out, "error_description") ? doc_str(*out, "error_description") : "");
	return OIDC_FAILED;
}

static int refused_grant(json_object *answer)
{
	const char *e = doc_str(answer, "error");

	return e != NULL && strcmp(e, "invalid_grant") == 0;
}

/* The session's tokens from a token response (sign-in or renewal). */
static int keep_session(const struct provider *p, json_object *doc, json_object *answer,
                        const char *nonce, char *err, size_t errcap)
{
	const char *at = doc_str(answer, "access_token"), *idt = doc_str(answer, "id_token");
	const char *rt = doc_str(answer, "refresh_token");
	time_t now = time(NULL);
	long long exp = 0;
	int64_t expires_in = 0;

	if ((at != NULL && !token_word(at)) || (idt != NULL && !token_word(idt)) ||
	    (rt != NULL && !token_word(rt)) || (at == NULL && idt == NULL)) {
		http_err(err, errcap, "the token response has no usable tokens");
		return -1;
	}
	if (idt != NULL) {
		json_object *c = jwt_peek(idt);
		const char *iss = doc_str(c, "iss"), *n = doc_str(c, "nonce");
		int ok = c != NULL && iss != NULL && strcmp(iss, p->issuer) == 0 &&
		         aud_has(c, p->client_id) && token_fits(idt, NULL, now, 0, NULL) &&
		         (nonce == NULL || (n != NULL && strcmp(n, nonce) == 0));
		const char *who = doc_str(c, "preferred_username");

		if (who == NULL)
			who = doc_str(c, "email");
		if (who == NULL)
			who = doc_str(c, "sub");
		if (ok && who != NULL) {
			char clean[128];

			jwt_sanitize(clean, sizeof(clean), who, strlen(who));
			doc_set(doc, "name", clean);
		}
		json_object_put(c);
		if (!ok) {
			http_err(err, errcap, "the id_token does not fit this sign-in (issuer, audience, "
			     "expiry or nonce)");
			return -1;
		}
		doc_set(doc, "id_token", idt);
	}
	if (at != NULL) {
		doc_set(doc, "access_token", at);
		if (!token_fits(at, NULL, 0, 0, &exp) &&
		    jwt_json_get_int(answer, "expires_in", 1, 366 * 86400, &expires_in) == JWT_JSON_OK)
			exp = (long long)now + expires_in;
		doc_set_int(doc, "access_exp", exp);
	}
	if (rt != NULL)
		doc_set(doc, "refresh_token", rt);
	if (jwt_json_get_int(answer, "refresh_expires_in", 1, 366 * 86400, &expires_in) ==
	    JWT_JSON_OK)
		doc_set_int(doc, "session_until", (long long)now + expires_in);
	return 0;
}

/* --- the loopback redirect (RFC 8252) ------------------------------------ */

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* The value of `name` in a query string, percent-decoded into out. */
static int query_get(const char *q, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);

	while (q != NULL && *q) {
		const char *end = strchr(q, '&');
		size_t len = end ? (size_t)(end - q) : strlen(q), i, o = 0;

		if (len > n && strncmp(q, name, n) == 0 && q[n] == '=') {
			for (i = n + 1; i < len && o + 1 < cap; i++) {
				if (q[i] == '%' && i + 2 < len && hexval((unsigned char)q[i + 1]) >= 0 &&
				    hexval((unsigned char)q[i + 2]) >= 0) {
					out[o++] = (char)(hexval((unsigned char)q[i + 1]) * 16 +
					                  hexval((unsigned char)q[i + 2]));
					i += 2;
				} else {
					out[o++] = q[i] == '+' ? ' ' : q[i];
				}
			}
			out[o] = '\0';
			return i == len && memchr(out, '\0', o) == NULL ? 0 : -1;
		}
		q = end ? end + 1 : NULL;
	}
	return -1;
}

static void reply(int fd, int status, const char *text)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	                 "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
	                 "<!doctype html><title>pam-jwt-login</title><p>%s</p>\n",
	                 status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request",
	                 text);

	if (write(fd, buf, (size_t)n) < 0) {
		/* the browser went away: nothing to tell it */
	}
}

/* Read one request head (bounded in size and time). */
static int read_head(int fd, char *buf, size_t cap)
{
	size_t used = 0;
	long long deadline = http_mono_ms() + 5000;

	while (used + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - http_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if ((n = read(fd, buf + used, cap - 1 - used)) <= 0)
			return -1;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return 0;
	}
	return -1;
}

struct redirect {
	int fd, port;
	char state[64], code[2048], error[128];
};

static int listen_loopback(struct redirect *r, char *err, size_t errcap)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0; /* ephemeral */
	if ((r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(r->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(r->fd, 8) != 0 ||
	    getsockname(r->fd, (struct sockaddr *)&a, &len) != 0) {
		http_err(err, errcap, "cannot listen on 127.0.0.1: %s", strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		return -1;
	}
	r->port = ntohs(a.sin_port);
	return 0;
}

/* Wait for the one redirect that carries our state.  Requests on another
 * path, without our state, or with another issuer are answered 4xx and
 * change nothing; the first good one closes the listener. */
static int take_redirect(struct redirect *r, const char *issuer, long long deadline, char *err,
                         size_t errcap)
{
	char head[REDIRECT_REQUEST_MAX], val[600];
	int rc = -1;

	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		long long left = deadline - http_mono_ms();
		char *target, *sp, *q;
		int c;

		if (left <= 0) {
			http_err(err, errcap, "no sign-in arrived in time");
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if ((c = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (read_head(c, head, sizeof(head)) != 0 || strncmp(head, "GET ", 4) != 0) {
			reply(c, 400, "Not a sign-in.");
			close(c);
			continue;
		}
		target = head + 4;
		if ((sp = strchr(target, ' ')) == NULL) {
			reply(c, 400, "Not a sign-in.");
			close(c);
			continue;
		}
		*sp = '\0';
		q = strchr(target, '?');
		if (q != NULL)
			*q++ = '\0';
		if (strcmp(target, "/callback") != 0) {
			reply(c, 404, "Not here.");
			close(c);
			continue;
		}
		if (q == NULL || query_get(q, "state", val, sizeof(val)) != 0 ||
		    strcmp(val, r->state) != 0) {
			fprintf(stderr, "pam-jwt-login: refused a redirect without this sign-in's state\n");
			reply(c, 400, "This is not the sign-in pam-jwt-login is waiting for.");
			close(c);
			continue;
		}
		if (query_get(q, "iss", val, sizeof(val)) == 0 && strcmp(val, issuer) != 0) {
			fprintf(stderr, "pam-jwt-login: refused a redirect from another issuer\n");
			reply(c, 400, "This sign-in comes from another provider.");
			close(c);
			continue;
		}
		if (query_get(q, "error", val, sizeof(val)) == 0) {
			jwt_sanitize(r->error, sizeof(r->error), val, strlen(val));
			reply(c, 200, "Sign-in failed at the provider. You can close this window.");
			http_err(err, errcap, "the provider refused the sign-in: %s", r->error);
		} else if (query_get(q, "code", r->code, sizeof(r->code)) == 0 && r->code[0] != '\0') {
			reply(c, 200, "Signed in. You can close this window and return to the terminal.");
			rc = 0;
		} else {
			reply(c, 400, "The redirect carries no code.");
			http_err(err, errcap, "the redirect carried no code");
		}
		close(c);
		break;
	}
	close(r->fd); /* exactly one sign-in: later requests find nobody */
	r->fd = -1;
	explicit_bzero(head, sizeof(head));
	return rc;
}

/* $BROWSER, else xdg-open when there is a display; the URL is printed
 * either way.  A grandchild, so nobody waits for the browser. */
static void open_browser(const char *url)
{
	const char *b = getenv("BROWSER");
	pid_t pid;

	if (b == NULL || b[0] == '\0')
		b = getenv("DISPLAY") != NULL || getenv("WAYLAND_DISPLAY") != NULL ? "xdg-open" : NULL;
	if (b == NULL)
		return;
	if ((pid = fork()) == 0) {
		if (fork() == 0) {
			int null = open("/dev/null", O_RDWR);

			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
			}
			setsid();
			execlp(b, b, url, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int signin_code(const struct provider *p, const struct signin_opts *o, json_object *doc,
                       char *err, size_t errcap)
{
	char verifier[64], challenge[64], nonce[64], redirect_uri[64];
	struct redirect r = { .fd = -1 };
	struct http_form url = { 0 }, form = { 0 };
	const char *auth = doc_str(doc, "ep_authorization");
	json_object *answer = NULL;
	int rc = -1;
	size_t i;

	if (auth == NULL) {
		http_err(err, errcap, "%s offers no https authorization_endpoint (try --device)", p->issuer);
		return -1;
	}
	if (random_b64(verifier, 32) != 0 || s256(verifier, challenge) != 0 ||
	    random_b64(r.state, 16) != 0 || random_b64(nonce, 16) != 0) {
		http_err(err, errcap, "no random numbers");
		return -1;
	}
	if (listen_loopback(&r, err, errcap) != 0)
		return -1;
	snprintf(redirect_uri, sizeof(redirect_uri), "http://127.0.0.1:%d/callback", r.port);
	http_form_add(&url, "response_type", "code");
	http_form_add(&url, "client_id", p->client_id);
	http_form_add(&url, "redirect_uri", redirect_uri);
	http_form_add(&url, "scope", p->scopes != NULL ? p->scopes : "openid");
	http_form_add(&url, "state", r.state);
	http_form_add(&url, "nonce", nonce);
	http_form_add(&url, "code_challenge", challenge);
	http_form_add(&url, "code_challenge_method", "S256");
	if (p->prompt != NULL)
		http_form_add(&url, "prompt", p->prompt);
	if (p->auth_params != NULL) /* checked by conf.c: k=v&k=v, URL-encoded */
		http_form_raw(&url, p->auth_params);
	for (i = 0; o->resources != NULL && o->resources[i] != NULL; i++)
		http_form_add(&url, "resource", o->resources[i]);
	if (url.failed) {
		http_err(err, errcap, "out of memory");
		goto out;
	}
	{
		size_t n = strlen(auth) + url.len + 2;
		char *full = malloc(n);

		if (full == NULL) {
			http_err(err, errcap, "out of memory");
			goto out;
		}
		snprintf(full, n, "%s%c%s", auth, strchr(auth, '?') ? '&' : '?', url.buf);
		fprintf(stderr, "Sign in with your browser%s:\n  %s\n",
		        o->no_browser ? "" : " (if none opens, visit this address)", full);
		if (!o->no_browser)
			open_browser(full);
		free(full);
	}
	if (take_redirect(&r, p->issuer, http_mono_ms() + o->timeout * 1000LL, err, errcap) != 0)
		goto out;
	http_form_add(&form, "grant_type", "authorization_code");
	http_form_add(&form, "code", r.code);
	http_form_add(&form, "redirect_uri", redirect_uri);
	client_auth(&form, p);
	http_form_add(&form, "code_verifier", verifier);
	if (token_post(p, doc, &form, &answer, err, errcap) != OIDC_OK)
		goto out;
	rc = keep_session(p, doc, answer, nonce, err, errcap);
out:
	json_wipe(answer);
	json_object_put(answer);
	http_form_free(&url);
	http_form_free(&form);
	explicit_bzero(verifier, sizeof(verifier));
	explicit_bzero(r.code, sizeof(r.code));
	if (r.fd >= 0)
		close(r.fd);
	return rc;
}

/* --- the device flow (RFC 8628), for machines without a browser --------- */

static int signin_device(const struct provider *p, const struct signin_opts *o, json_object *doc,
                         char *err, size_t errcap)
{
	static char qrtext[16384];
	struct http_request req = { .url = doc_str(doc, "ep_device"), .ca_file = p->ca_file };
	struct http_form form = { 0 }, poll_form = { 0 };
	struct http_response resp;
	json_object *a = NULL, *answer = NULL;
	const char *uri, *shown;
	long long deadline = http_mono_ms() + o->timeout * 1000LL;
	int64_t interval = 5, expires = 0;
	struct qr q;
	int rc = -1, st;

	if (req.url == NULL) {
		http_err(err, errcap, "%s offers no device authorization", p->issuer);
		return -1;
	}
	client_auth(&form, p);
	http_form_add(&form, "scope", p->scopes != NULL ? p->scopes : "openid");
	req.form = form.buf;
	req.deadline = http_mono_ms() + REQUEST_MS;
	if ((st = http_request(&req, &resp, err, errcap)) != HTTP_OK)
		goto out;
	a = http_json_object(&resp);
	http_response_free(&resp);
	if (resp.code != 200 || a == NULL || !jwt_is_word(doc_str(a, "device_code"), 1024) ||
	    !jwt_is_word(doc_str(a, "user_code"), 64) ||
	    !http_uri_ok(uri = doc_str(a, "verification_uri")) ||
	    jwt_json_get_int(a, "expires_in", 10, 3600, &expires) != JWT_JSON_OK ||
	    jwt_json_get_int(a, "interval", 1, 60, &interval) == JWT_JSON_BAD) {
		http_err(err, errcap, "the device authorization endpoint answered HTTP %ld without a "
		     "usable code", resp.code);
		goto out;
	}
	if (http_mono_ms() + expires * 1000LL < deadline)
		deadline = http_mono_ms() + expires * 1000LL;
	shown = http_uri_ok(doc_str(a, "verification_uri_complete"))
	                ? doc_str(a, "verification_uri_complete") : uri;
	fprintf(stderr, "To sign in, open %s and enter %s\n", uri, doc_str(a, "user_code"));
	if (qr_encode((const unsigned char *)shown, strlen(shown), &q) == 0 &&
	    qr_render(&q, 2, qrtext, sizeof(qrtext)) > 0)
		fputs(qrtext, stderr);
	fprintf(stderr, "Waiting for the sign-in (%lld s)...\n", (long long)expires);
	http_form_add(&poll_form, "grant_type", GT_DEVICE);
	http_form_add(&poll_form, "device_code", doc_str(a, "device_code"));
	client_auth(&poll_form, p);
	for (;;) {
		enum oidc_result r;
		const char *e;
		struct timespec ts = { (time_t)interval, 0 };

		if (http_mono_ms() + interval * 1000LL > deadline) {
			http_err(err, errcap, "not signed in before the code expired");
			goto out;
		}
		nanosleep(&ts, NULL);
		json_wipe(answer);
		json_object_put(answer);
		r = token_post(p, doc, &poll_form, &answer, err, errcap);
		if (r == OIDC_OK)
			break;
		if (r == OIDC_UNREACHABLE || (e = doc_str(answer, "error")) == NULL)
			goto out;
		if (strcmp(e, "slow_down") == 0)
			interval += 5;
		else if (strcmp(e, "authorization_pending") != 0)
			goto out; /* err names the error */
	}
	rc = keep_session(p, doc, answer, NULL, err, errcap);
out:
	json_wipe(a);
	json_object_put(a);
	json_wipe(answer);
	json_object_put(answer);
	http_form_free(&form);
	http_form_free(&poll_form);
	return rc;
}

int oidc_signin(const struct provider *p, const struct signin_opts *o, json_object *doc,
                char *err, size_t errcap)
{
	/* a new sign-in starts a new session: nothing of the old one stays */
	json_object_object_foreach(doc, key, val) {
		(void)key;
		json_wipe(val);
	}
	while (json_object_object_length(doc) > 0) {
		json_object_object_foreach(doc, k, v) {
			(void)v;
			json_object_object_del(doc, k);
			break;
		}
	}
	if (endpoints(p, doc, err, errcap) != 0)
		return -1;
	return o->device ? signin_device(p, o, doc, err, errcap) : signin_code(p, o, doc, err, errcap);
}

/* --- renewal and host-bound tokens ---------------------------------------- */

/* The refresh-token grant; resource NULL renews the session itself.  With
 * a resource the new access token is returned in *out and only the
 * rotated refresh token is kept. */
static enum oidc_result refresh(const struct provider *p, json_object *doc, const char *resource,
                                char **out, char *err, size_t errcap)
{
	struct http_form form = { 0 };
	json_object *answer = NULL;
	const char *rt = doc_str(doc, "refresh_token"), *at;
	enum oidc_result r;

	if (rt == NULL) {
		http_err(err, errcap, "no session to renew");
		return OIDC_SIGNIN;
	}
	http_form_add(&form, "grant_type", GT_REFRESH);
	http_form_add(&form, "refresh_token", rt);
	client_auth(&form, p);
	if (resource != NULL)
		http_form_add(&form, "resource", resource);
	r = token_post(p, doc, &form, &answer, err, errcap);
	if (r == OIDC_FAILED && refused_grant(answer)) {
		r = OIDC_SIGNIN;
	} else if (r == OIDC_OK && resource == NULL) {
		if (keep_session(p, doc, answer, NULL, err, errcap) != 0)
			r = OIDC_FAILED;
	} else if (r == OIDC_OK) {
		const char *nrt = doc_str(answer, "refresh_token");

		if (nrt != NULL && token_word(nrt))
			doc_set(doc, "refresh_token", nrt);
		if ((at = doc_str(answer, "access_token")) == NULL || !token_word(at) ||
		    (*out = strdup(at)) == NULL) {
			http_err(err, errcap, "the token response has no usable access_token");
			r = OIDC_FAILED;
		}
	}
	json_wipe(answer);
	json_object_put(answer);
	http_form_free(&form);
	return r;
}

/* The session's own token (access or id), renewed when near expiry. */
static enum oidc_result session_token(const struct provider *p, json_object *doc,
                                      const char *which, const char **tok, char *err,
                                      size_t errcap)
{
	enum oidc_result r;

	*tok = doc_str(doc, which);
	if (*tok != NULL && token_fits(*tok, NULL, time(NULL), RENEW_MARGIN, NULL))
		return OIDC_OK;
	if (*tok != NULL && strcmp(which, "access_token") == 0 && strchr(*tok, '.') == NULL &&
	    doc_int(doc, "access_exp") > (long long)time(NULL) + RENEW_MARGIN)
		return OIDC_OK; /* an opaque access token with expires_in */
	if ((r = refresh(p, doc, NULL, NULL, err, errcap)) != OIDC_OK)
		return r;
	*tok = doc_str(doc, which);
	if (*tok == NULL) {
		http_err(err, errcap, "the provider's renewal brought no %s", which);
		return OIDC_FAILED;
	}
	return OIDC_OK;
}

static enum oidc_result exchange(const struct host_target *t, json_object *doc, char **out,
                                 char *err, size_t errcap)
{
	struct http_form form = { 0 };
	json_object *answer = NULL;
	const char *subject, *at;
	enum oidc_result r;

	if ((r = session_token(t->p, doc, "access_token", &subject, err, errcap)) != OIDC_OK)
		return r;
	http_form_add(&form, "grant_type", GT_EXCHANGE);
	client_auth(&form, t->p);
	http_form_add(&form, "subject_token", subject);
	http_form_add(&form, "subject_token_type", TT_ACCESS);
	http_form_add(&form, "requested_token_type", TT_ACCESS);
	http_form_add(&form, "audience", t->audience);
	r = token_post(t->p, doc, &form, &answer, err, errcap);
	if (r == OIDC_OK && ((at = doc_str(answer, "access_token")) == NULL || !token_word(at) ||
	                     (*out = strdup(at)) == NULL)) {
		http_err(err, errcap, "the token exchange brought no usable access_token");
		r = OIDC_FAILED;
	}
	json_wipe(answer);
	json_object_put(answer);
	http_form_free(&form);
	return r;
}

enum oidc_result oidc_host_token(const struct host_target *t, json_object *doc, char **out,
                                 long long *exp, char *err, size_t errcap)
{
	enum oidc_result r;
	const char *tok;

	*out = NULL;
	if (doc_str(doc, "refresh_token") == NULL && doc_str(doc, "access_token") == NULL) {
		http_err(err, errcap, "not signed in");
		return OIDC_SIGNIN;
	}
	if (doc_str(doc, "issuer") == NULL || strcmp(doc_str(doc, "issuer"), t->p->issuer) != 0 ||
	    doc_str(doc, "client_id") == NULL || strcmp(doc_str(doc, "client_id"), t->p->client_id) != 0) {
		http_err(err, errcap, "the session is for another provider configuration");
		return OIDC_SIGNIN;
	}
	switch (t->binding) {
	case BIND_RESOURCE:
		r = refresh(t->p, doc, t->audience, out, err, errcap);
		break;
	case BIND_EXCHANGE:
		r = exchange(t, doc, out, err, errcap);
		break;
	default:
		r = session_token(t->p, doc, t->p->token != NULL ? t->p->token : "access_token", &tok,
		                  err, errcap);
		if (r == OIDC_OK && (*out = strdup(tok)) == NULL)
			r = OIDC_FAILED;
		break;
	}
	if (r == OIDC_SIGNIN) {
		/* the provider ended the session: forget it */
		doc_set(doc, "refresh_token", NULL);
		doc_set(doc, "access_token", NULL);
		doc_set(doc, "id_token", NULL);
	}
	if (r != OIDC_OK)
		return r;
	/* Never hand out a token that does not name this host's audience. */
	if (!token_fits(*out, t->audience, time(NULL), 0, exp)) {
		http_err(err, errcap, "the provider's token does not name %s in its audience (or has "
		     "expired): refused", t->audience);
		explicit_bzero(*out, strlen(*out));
		free(*out);
		*out = NULL;
		return OIDC_FAILED;
	}
	return OIDC_OK;
}
