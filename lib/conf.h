/* SPDX-License-Identifier: BSD-2-Clause */
/* /etc/security/pam_jwt.conf: one parser shared by the module and pam-jwt. */
#ifndef PAM_JWT_CONF_H
#define PAM_JWT_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "net.h"

#define JWT_DEFAULT_CONFIG "/etc/security/pam_jwt.conf"
#define JWT_DEFAULT_CACHE_DIR "/var/cache/pam_jwt"
#define JWT_CONFIG_MAX_BYTES (64 * 1024)
#define JWT_CONFIG_MAX_LINE 4096
#define JWT_MAX_ISSUERS 32
/* Longest token life accepted unless max_lifetime says otherwise (exp - iat,
 * or exp - now without iat).  Provider tokens live 5 min to 90 min. */
#define JWT_DEFAULT_MAX_LIFETIME 86400
/* The device flow: where its slots are locked, how many run at once. */
#define JWT_DEFAULT_DEVICE_DIR "/run/pam_jwt/device"
#define JWT_DEFAULT_DEVICE_MAX_FLOWS 8
/* The PAM service a device flow may start on unless device_services says. */
#define JWT_DEFAULT_DEVICE_SERVICE "sshd"

/* A list of names from the config, split once when the file is read and
 * matched by exact equality only (jwt_words_has). */
struct jwt_words {
	char **v;
	size_t n;
};

struct jwt_group_map {
	char *idp;               /* group as the token names it */
	struct jwt_words local;  /* local groups it grants */
};

struct jwt_required_claim {
	char *path;   /* dotted claim path */
	char *value;
};

struct jwt_issuer {
	char name[64];
	char *issuer;
	char *audience;
	char *jwks_file;
	char *jwks_uri;
	char *ca_file;
	char *hmac_secret_file;
	unsigned algorithms;
	char *username_claim;
	char *username_suffix;
	char *user_map_file;
	char *groups_claim;
	struct jwt_words allowed_groups; /* empty: no group required */
	char *typ;
	struct jwt_group_map *group_map;
	size_t n_group_map;
	struct jwt_required_claim *required;
	size_t n_required;
	long leeway;
	long max_lifetime;        /* seconds; default JWT_DEFAULT_MAX_LIFETIME */
	long refresh_timeout;
	long refresh_cooldown;
	long max_stale;           /* use expired cached keys this long while refresh fails */
	long cache_ttl_min;       /* bounds on the provider's Cache-Control max-age */
	long cache_ttl_max;
	int allow_root;
	int one_time;             /* each jti accepted once (replay.h) */
	char *revoked_file;
	char *revoked_uri;
	int desktop_codes;        /* mint one-time desktop codes (dcode.h) */
	long desktop_code_ttl;
	/* device authorization grant (RFC 8628), run by `pam-jwt device` */
	int device_flow;
	char *client_id;
	char *client_secret_file;
	char *device_scope;       /* default "openid" */
	char *device_token;       /* "id_token" (default) or "access_token" */
	char *device_authorization_endpoint; /* else from discovery */
	char *token_endpoint;
	long device_timeout;
	struct jwt_words device_services; /* PAM services; empty: JWT_DEFAULT_DEVICE_SERVICE */
	struct jwt_nets device_from;      /* client networks; empty: any client */
	char *device_verification_host;   /* HOST[:PORT] the link may name besides the issuer's */
	uint64_t set;             /* keys given in this section (duplicate check) */
	char where[300];          /* "file:line" of the section header */
};

struct jwt_config {
	char *path;
	char *cache_dir;
	int cache_dir_named;      /* set in the file, not the default */
	char *refresh_helper;     /* default SBINDIR/pam-jwt */
	char *replay_dir;         /* durable state store; default /var/lib/pam_jwt */
	char *desktop_code_dir;   /* default /run/pam_jwt/desktop */
	char *state_dir;          /* state store on tmpfs; default /run/pam_jwt/state */
	char *device_dir;         /* default JWT_DEFAULT_DEVICE_DIR */
	long device_max_flows;    /* device flows running at once on this host */
	struct jwt_issuer defaults;
	struct jwt_issuer *issuers;
	size_t n_issuers;
	uint64_t set;             /* global keys given (duplicate check) */
};

/* Read and validate a config file (opened with open_trusted).  On error
 * returns NULL and writes "file:line: message" into err. */
struct jwt_config *jwt_config_load(const char *path, char *err, size_t errcap);

/* Parse config text; `path` only names the source in messages. */
struct jwt_config *jwt_config_parse(const char *text, size_t len, const char *path,
                                    char *err, size_t errcap);

/* Set one key (the single setter for file lines).  iss NULL: before any
 * section.  Returns 0, or -1 with a message (without the file:line). */
int jwt_config_set(struct jwt_config *cfg, struct jwt_issuer *iss, const char *key,
                   const char *value, char *err, size_t errcap);

/* The name of the i-th config key, NULL past the last (for tests). */
const char *jwt_config_key_name(size_t i);

void jwt_config_free(struct jwt_config *cfg);

/* Split value at any of seps into w (replacing what it held); every word is
 * non-empty printable ASCII, at most 256 of 256 bytes.  Returns 0, or -1
 * with a message naming key. */
int jwt_words_parse(const char *value, const char *seps, const char *key, struct jwt_words *w,
                    char *err, size_t errcap);
void jwt_words_free(struct jwt_words *w);

/* The issuer section called `name`, or NULL. */
const struct jwt_issuer *jwt_config_issuer(const struct jwt_config *cfg, const char *name);

/* A name safe as a file name and in a log line: 1..max ASCII letters,
 * digits, '.', '_' and '-', not starting with '.' or '-' (issuer
 * sections, local user names of desktop codes). */
int jwt_valid_name(const char *s, size_t max);

/* Is the len-byte name s one of the words?  An empty name, or one with a
 * separator in it, is never a member. */
int jwt_words_has(const struct jwt_words *w, const char *s, size_t len);

/* Path of the cached key set for an issuer: cache_dir/NAME.jwks */
int jwt_cache_path(const struct jwt_config *cfg, const struct jwt_issuer *iss,
                   const char *suffix, char *buf, size_t cap);

#endif
