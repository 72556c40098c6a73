/*
 * The one HTTP/OIDC transport of pam-jwt refresh, pam-jwt device and
 * pam-jwt-login: every request to a provider goes through http_request().
 *
 *   HTTPS only (also across redirects, which only a GET follows, at most 3),
 *   TLS verified against the system CA or one ca_file, connect and total
 *   time bounded by a deadline, bodies capped, every curl_easy_setopt
 *   checked (a failed one aborts the request before anything is sent),
 *   request bodies and responses wiped when freed (they carry codes and
 *   tokens).
 */
#ifndef PAM_JWT_HTTP_H
#define PAM_JWT_HTTP_H

#include <stddef.h>
#include <json-c/json.h>

#define HTTP_BODY_MAX_DEFAULT (64 * 1024)
#define HTTP_CONNECT_MAX_MS 5000L
#define HTTP_URI_MAX 512

enum http_status {
	HTTP_OK = 0,           /* an answer arrived (any HTTP code: see resp->code) */
	HTTP_UNREACHABLE = -1, /* no answer: DNS, connect, TLS, timeout (err says why) */
	HTTP_ABORTED = -2,     /* the abort callback asked to stop */
	HTTP_TOO_BIG = -3,     /* an answer longer than max_body, refused */
	HTTP_REFUSED = -4,     /* not https://, or a redirect to something else */
	HTTP_SETUP = -5,       /* curl could not be set up as required: nothing sent */
};

struct http_request {
	const char *url;
	const char *form;          /* POST application/x-www-form-urlencoded; NULL: GET */
	const char *ca_file;       /* NULL: the system's CA store */
	long long deadline;        /* http_mono_ms() time by which it must be over */
	size_t max_body;           /* 0: HTTP_BODY_MAX_DEFAULT */
	const char *etag;          /* If-None-Match, when not NULL or empty */
	const char *basic_user;    /* HTTP basic authentication (confidential clients) */
	const char *basic_password;
	/* Called while waiting; non-zero stops the transfer (HTTP_ABORTED). */
	int (*abort)(void *ctx);
	void *abort_ctx;
};

struct http_response {
	long code;
	char *body;            /* NUL-terminated, len bytes */
	size_t len;
	char etag[256];        /* printable ASCII only, else empty */
	long max_age;          /* Cache-Control max-age, -1 when none */
	int no_cache;          /* no-store or no-cache */
	/* private */
	size_t cap_, alloc_;
	int too_big_;
};

int http_init(void);    /* curl_global_init; 0 or -1 */
void http_cleanup(void);

long long http_mono_ms(void);

/* One request.  resp is always initialised; free it with http_response_free
 * whatever the outcome.  err gets a sanitized line on every non-HTTP_OK. */
enum http_status http_request(const struct http_request *req, struct http_response *resp,
                              char *err, size_t errcap);
void http_response_free(struct http_response *resp);

/* The body as one JSON object (depth-limited), or NULL. */
json_object *http_json_object(const struct http_response *resp);

/* An application/x-www-form-urlencoded body built by appending: NULL after
 * a failure (out of memory), which later appends and the caller see. */
struct http_form {
	char *buf;
	size_t len, cap;
	int failed;
};
void http_form_add(struct http_form *f, const char *name, const char *value);
/* Append text that is already name=value&... encoded. */
void http_form_raw(struct http_form *f, const char *encoded);
void http_form_free(struct http_form *f); /* wipes: forms carry codes and tokens */

/*
 * OpenID discovery: GET <issuer>/.well-known/openid-configuration (the
 * request's url is ignored), which must be a JSON object naming exactly
 * this issuer.  Returns HTTP_OK with *doc set, an http_status, or 1 for an
 * answer that is not a usable discovery document (err says why).
 */
int http_discover(const struct http_request *req, const char *issuer, json_object **doc,
                  char *err, size_t errcap);

/* An https:// URL of printable ASCII without spaces, at most HTTP_URI_MAX
 * bytes: the only endpoints we talk to. */
int http_uri_ok(const char *s);

/* The discovery member `name` if it passes http_uri_ok, else NULL. */
const char *http_endpoint(json_object *doc, const char *name);

/* A message into err, sanitized (it may quote what the other side sent). */
void http_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Wipe a string json-c holds for us (codes, tokens in a parsed answer). */
void http_wipe_str(const char *s);

#endif
