/*
 * pam-jwt-login, the workstation client: sign in once at the provider,
 * then hand each host a token whose audience names that host alone.
 *
 *   conf.c    client.conf: [provider NAME] profiles, [host PATTERN...] rules
 *   store.c   the per-user token cache (0700 directory, 0600 files, flock)
 *   oidc.c    the provider's side: sign-in (code + PKCE on a loopback
 *             redirect, or the device flow), renewal, token exchange
 *   login.c   the command line
 * All HTTP goes through helper/http.c.
 */
#ifndef PAM_JWT_CLIENT_H
#define PAM_JWT_CLIENT_H

#include <stddef.h>
#include <time.h>
#include <json-c/json.h>

#define CLIENT_HOST_MAX 253
#define CLIENT_NAME_MAX 64

enum binding {
	BIND_UNSET = 0,
	BIND_RESOURCE, /* RFC 8707: resource=AUDIENCE on the refresh-token grant */
	BIND_EXCHANGE, /* RFC 8693: the signed-in token exchanged for one with audience=AUDIENCE */
	BIND_FIXED,    /* the signed-in token itself, whose aud is one configured audience */
};

struct provider {
	char *name, *issuer, *client_id, *scopes, *ca_file, *prompt;
	char *client_secret; /* only for providers that want one from native apps */
	char *auth_params;   /* extra authorization request parameters, k=v&k=v */
	char *audience;      /* template, %h is the host; default ssh://%h */
	char *token;         /* fixed: access_token (default) or id_token */
	enum binding binding;
	char where[300];     /* file:line of the section, for messages */
};

struct host_rule {
	char **patterns;     /* fnmatch patterns, matched against the lower-case host */
	size_t n_patterns;
	char *provider, *audience;
	char *desktop_code_command; /* --rdp: run on the host with the token on stdin */
	enum binding binding;
	int one_time;        /* -1 unset */
	char where[300];
};

struct client_conf {
	struct provider *providers;
	size_t n_providers;
	struct host_rule *hosts;
	size_t n_hosts;
};

/* What one host gets, resolved from its first matching [host] rule. */
struct host_target {
	const struct provider *p;
	enum binding binding;
	char audience[CLIENT_HOST_MAX + 64];
	int one_time;
	const char *desktop_code_command;
};

/* conf.c.  path NULL: $XDG_CONFIG_HOME/pam-jwt/client.conf (else
 * ~/.config/...) then /etc/pam-jwt/client.conf, the user's rules first. */
struct client_conf *client_conf_load(const char *path, char *err, size_t errcap);
void client_conf_free(struct client_conf *c);
const struct provider *client_provider(const struct client_conf *c, const char *name);
/* 0 with t filled; -1 no rule names the host (err says so). */
int client_target(const struct client_conf *c, const char *host, struct host_target *t,
                  char *err, size_t errcap);
/* A host name as ssh and a URI may carry it: [a-z0-9.-_:] and brackets. */
int client_host_ok(const char *host);

/* store.c: one JSON document per provider, read and written under a lock. */
struct store {
	char dir[512], path[600];
	int lock_fd;
	json_object *doc;
};
int store_open(const char *profile, struct store *s, char *err, size_t errcap);
int store_save(struct store *s, char *err, size_t errcap);
void store_close(struct store *s);  /* wipes every string it held */
int store_wipe(const char *profile, char *err, size_t errcap);
/* The cache directory, made 0700 if missing and checked: ours, nobody else's. */
int store_dir(char *dir, size_t cap, char *err, size_t errcap);
/* Wipe every string inside a JSON value (before json_object_put). */
void json_wipe(json_object *o);

/* oidc.c */
struct signin_opts {
	int device;          /* RFC 8628 instead of the browser */
	int no_browser;      /* print the URL only */
	const char *const *resources; /* resource indicators for the authorization request */
	int timeout;         /* seconds for the whole sign-in */
};
/* Sign in; the session (tokens, endpoints) goes into doc.  0, or -1 with err. */
int oidc_signin(const struct provider *p, const struct signin_opts *o, json_object *doc,
                char *err, size_t errcap);

enum oidc_result {
	OIDC_OK = 0,
	OIDC_FAILED = 1,      /* the provider answered no (err says why) */
	OIDC_UNREACHABLE = 2, /* no answer from the provider */
	OIDC_SIGNIN = 3,      /* the refresh token was refused: sign in again */
};
/* A token for t's audience (NULL token: the session's own token renewed
 * when near expiry).  *out is malloc'ed, wipe it. */
enum oidc_result oidc_host_token(const struct host_target *t, json_object *doc, char **out,
                                 long long *exp, char *err, size_t errcap);

/* Claims of a compact JWS read without verifying it (only to check what
 * we hand out); NULL when it is not one. */
json_object *jwt_peek(const char *token);
/* Does the token's aud (string or array) contain aud, and exp lie after
 * now + margin?  Sets *exp. */
int token_fits(const char *token, const char *aud, time_t now, long margin, long long *exp);

#endif
