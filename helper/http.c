/*
 * The one HTTP/OIDC transport (see http.h): where pam-jwt and
 * pam-jwt-login touch the network.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "json.h"
#include "log.h"

#define MAX_REDIRECTS 3L
#define DISCOVERY_PATH "/.well-known/openid-configuration"

long long http_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_cleanup(void)
{
	curl_global_cleanup();
}

void http_wipe_str(const char *s)
{
	if (s != NULL)
		explicit_bzero((void *)(uintptr_t)s, strlen(s));
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http_response *r = ctx;
	size_t len = size * n;
	char *p;

	if (len > r->cap_ - r->len) {
		r->too_big_ = 1;
		return 0; /* aborts the transfer */
	}
	/* Grown by copying, never realloc: the old buffer may hold a token. */
	if (r->len + len + 1 > r->alloc_) {
		size_t want = (r->len + len + 1) * 2;

		if (want > r->cap_ + 1)
			want = r->cap_ + 1;
		if ((p = malloc(want)) == NULL)
			return 0;
		if (r->body != NULL) {
			memcpy(p, r->body, r->len);
			explicit_bzero(r->body, r->len);
			free(r->body);
		}
		r->body = p;
		r->alloc_ = want;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Header value without the name, trimmed; NULL if the line is not `name`. */
static const char *header_is(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *e = line + len;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	for (v = line + n + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && isspace((unsigned char)e[-1]))
		e--;
	*vlen = (size_t)(e - v);
	return v;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct http_response *r = ctx;
	size_t len = size * n, vlen;
	const char *v;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): forget the previous headers */
		r->etag[0] = '\0';
		r->max_age = -1;
		r->no_cache = 0;
	} else if ((v = header_is(data, len, "ETag", &vlen)) != NULL) {
		if (vlen > 0 && vlen < sizeof(r->etag)) {
			size_t i;

			for (i = 0; i < vlen; i++)
				if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
					return len; /* not a header value we will send back */
			memcpy(r->etag, v, vlen);
			r->etag[vlen] = '\0';
		}
	} else if ((v = header_is(data, len, "Cache-Control", &vlen)) != NULL) {
		char buf[256], *p;

		if (vlen >= sizeof(buf))
			vlen = sizeof(buf) - 1;
		memcpy(buf, v, vlen);
		buf[vlen] = '\0';
		for (p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strstr(buf, "no-store") != NULL || strstr(buf, "no-cache") != NULL)
			r->no_cache = 1;
		if ((p = strstr(buf, "max-age=")) != NULL && isdigit((unsigned char)p[8])) {
			long a = strtol(p + 8, NULL, 10);

			r->max_age = a < 0 ? 0 : a;
		}
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const struct http_request *req = ctx;

	(void)a, (void)b, (void)c, (void)d;
	return req->abort(req->abort_ctx); /* non-zero aborts the transfer */
}

void http_err(char *err, size_t errcap, const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* it may quote a URL or an error from the other side */
	jwt_sanitize(err, errcap, msg, strlen(msg));
}

int http_uri_ok(const char *s)
{
	return jwt_is_word(s, HTTP_URI_MAX) && strncmp(s, "https://", 8) == 0;
}

/* Every option is checked: a handle that is not set up exactly as asked
 * (an old libcurl without https-only protocol lists, a CA file it cannot
 * take) sends nothing. */
#define SET(opt, val)                                                                           \
	do {                                                                                    \
		if ((rc = curl_easy_setopt(c, opt, val)) != CURLE_OK) {                         \
			http_err(err, errcap, "%.300s: cannot set " #opt ": %s", req->url,            \
			    curl_easy_strerror(rc));                                            \
			st = HTTP_SETUP;                                                        \
			goto out;                                                               \
		}                                                                               \
	} while (0)

enum http_status http_request(const struct http_request *req, struct http_response *resp,
                              char *err, size_t errcap)
{
	char curlerr[CURL_ERROR_SIZE] = "", hdr[300];
	struct curl_slist *headers = NULL;
	long long left = req->deadline - http_mono_ms();
	enum http_status st = HTTP_UNREACHABLE;
	CURL *c = NULL;
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	resp->max_age = -1;
	resp->cap_ = req->max_body > 0 ? req->max_body : HTTP_BODY_MAX_DEFAULT;
	err[0] = '\0';
	if (req->url == NULL || strncmp(req->url, "https://", 8) != 0) {
		http_err(err, errcap, "%.300s: not https://, refused", req->url ? req->url : "(no URL)");
		return HTTP_REFUSED;
	}
	if (left <= 0) {
		http_err(err, errcap, "%.300s: no time left for the request", req->url);
		return HTTP_UNREACHABLE;
	}
	if ((c = curl_easy_init()) == NULL) {
		http_err(err, errcap, "curl_easy_init failed");
		return HTTP_SETUP;
	}
	if (req->etag != NULL && req->etag[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", req->etag);
		if ((headers = curl_slist_append(NULL, hdr)) == NULL) {
			http_err(err, errcap, "out of memory");
			st = HTTP_SETUP;
			goto out;
		}
	}
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	/* A POST carries codes and tokens: it goes where it was sent, or nowhere. */
	SET(CURLOPT_FOLLOWLOCATION, req->form == NULL ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL)
		SET(CURLOPT_CAINFO, req->ca_file);
	SET(CURLOPT_TIMEOUT_MS, (long)left);
	SET(CURLOPT_CONNECTTIMEOUT_MS, left < HTTP_CONNECT_MAX_MS ? (long)left : HTTP_CONNECT_MAX_MS);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)resp->cap_);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_ERRORBUFFER, curlerr);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, resp);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, resp);
	if (headers != NULL)
		SET(CURLOPT_HTTPHEADER, headers);
	if (req->abort != NULL) {
		SET(CURLOPT_NOPROGRESS, 0L);
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, (void *)(uintptr_t)req);
	}
	if (req->form != NULL)
		SET(CURLOPT_POSTFIELDS, req->form);
	if (req->basic_user != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, req->basic_user);
		SET(CURLOPT_PASSWORD, req->basic_password != NULL ? req->basic_password : "");
	}
	rc = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->code) != CURLE_OK)
		resp->code = 0;
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		http_err(err, errcap, "%.300s: stopped", req->url);
		st = HTTP_ABORTED;
	} else if (resp->too_big_ || rc == CURLE_FILESIZE_EXCEEDED) {
		http_err(err, errcap, "%.300s: response larger than %zu bytes, refused", req->url,
		    resp->cap_);
		st = HTTP_TOO_BIG;
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		http_err(err, errcap, "%.300s: redirected to a URL that is not https://, refused",
		    req->url);
		st = HTTP_REFUSED;
	} else if (rc != CURLE_OK) {
		http_err(err, errcap, "%.300s: %.300s", req->url,
		    curlerr[0] ? curlerr : curl_easy_strerror(rc));
		st = HTTP_UNREACHABLE;
	} else {
		st = HTTP_OK;
	}
out:
	/* The POST body may be a copy curl made; the handle goes first. */
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	if (st != HTTP_OK)
		http_response_free(resp);
	return st;
}

void http_response_free(struct http_response *resp)
{
	if (resp->body != NULL) {
		explicit_bzero(resp->body, resp->len);
		free(resp->body);
	}
	resp->body = NULL;
	resp->len = resp->alloc_ = 0;
}

json_object *http_json_object(const struct http_response *resp)
{
	json_object *o = resp->body != NULL ? jwt_json_parse(resp->body, resp->len, 16) : NULL;

	if (o != NULL && !jwt_json_is_object(o)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static void form_append(struct http_form *f, const char *s, int escape)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), need, i;
	char *p;

	if (f->failed)
		return;
	need = f->len + 3 * n + 1;
	if (need > f->cap) {
		size_t cap = need * 2;

		if ((p = malloc(cap)) == NULL) {
			http_form_free(f);
			f->failed = 1;
			return;
		}
		if (f->buf != NULL) {
			memcpy(p, f->buf, f->len);
			explicit_bzero(f->buf, f->len);
			free(f->buf);
		}
		f->buf = p;
		f->cap = cap;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!escape || isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			f->buf[f->len++] = (char)ch;
		} else {
			f->buf[f->len++] = '%';
			f->buf[f->len++] = hex[ch >> 4];
			f->buf[f->len++] = hex[ch & 15];
		}
	}
	f->buf[f->len] = '\0';
}

void http_form_add(struct http_form *f, const char *name, const char *value)
{
	if (f->len > 0)
		form_append(f, "&", 0);
	form_append(f, name, 1);
	form_append(f, "=", 0);
	form_append(f, value != NULL ? value : "", 1);
}

void http_form_raw(struct http_form *f, const char *encoded)
{
	if (f->len > 0)
		form_append(f, "&", 0);
	form_append(f, encoded, 0);
}

void http_form_free(struct http_form *f)
{
	if (f->buf != NULL) {
		explicit_bzero(f->buf, f->cap);
		free(f->buf);
	}
	f->buf = NULL;
	f->len = f->cap = 0;
}

const char *http_endpoint(json_object *doc, const char *name)
{
	const char *v = jwt_json_str(doc, name, NULL);

	return http_uri_ok(v) ? v : NULL;
}

int http_discover(const struct http_request *base, const char *issuer, json_object **doc,
                  char *err, size_t errcap)
{
	struct http_request req = *base;
	struct http_response resp;
	char url[2048];
	const char *got;
	size_t n = strlen(issuer);
	int st;

	*doc = NULL;
	snprintf(url, sizeof(url), "%.*s%s", (int)(n > 0 && issuer[n - 1] == '/' ? n - 1 : n),
	         issuer, DISCOVERY_PATH);
	req.url = url;
	req.form = NULL;
	req.etag = NULL;
	if ((st = http_request(&req, &resp, err, errcap)) != HTTP_OK)
		return st;
	if (resp.code != 200) {
		http_err(err, errcap, "%.300s: HTTP %ld", url, resp.code);
		st = 1;
	} else if ((*doc = http_json_object(&resp)) == NULL) {
		http_err(err, errcap, "%.300s: not a JSON object", url);
		st = 1;
	} else if ((got = jwt_json_str(*doc, "issuer", NULL)) == NULL || strcmp(got, issuer) != 0) {
		http_err(err, errcap, "%.200s: discovery names issuer \"%.100s\", not \"%.200s\"", url,
		    got ? got : "(none)", issuer);
		json_object_put(*doc);
		*doc = NULL;
		st = 1;
	}
	http_response_free(&resp);
	return st;
}
