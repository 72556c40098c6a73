/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_jwt_core.so: log in with a JSON Web Token as the password.
 *
 * The PAM entry points, reached through pam_jwt.so (pam/shim.c): get the
 * credential, let the verifier decide, turn the verdict into a PAM code,
 * a user message and one audit line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "audit.h"
#include "conf.h"
#include "desktop.h"
#include "device.h"
#include "jwt.h"
#include "refresh.h"
#include "replay.h"
#include "core.h"
#include "setcred.h"


/* Longest answer the OpenSSH client sends to a prompt. */
#define CLIENT_ANSWER_MAX 1023
#define MAX_TOKEN_PARTS 16

struct options {
	const char *config;
	int debug;
	int use_first_pass;
	int try_first_pass;
	int nodevice;         /* this conversation cannot show text (xrdp-sesman) */
	int password;         /* a password module follows and takes what is typed here */
	const char *prompt;   /* prompt=TEXT: the first prompt, as given */
};

/* prompt=: 1..200 bytes of printable ASCII (it reaches the client's terminal). */
static int prompt_ok(const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return n > 0 && n <= 200;
}

static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->config = JWT_DEFAULT_CONFIG;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
			o->config = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			o->debug = 1;
		else if (strcmp(argv[i], "use_first_pass") == 0)
			o->use_first_pass = 1;
		else if (strcmp(argv[i], "try_first_pass") == 0)
			o->try_first_pass = 1;
		else if (strcmp(argv[i], "nodevice") == 0)
			o->nodevice = 1;
		else if (strcmp(argv[i], "password") == 0)
			o->password = 1;
		else if (strncmp(argv[i], "prompt=", 7) == 0 && prompt_ok(argv[i] + 7))
			o->prompt = argv[i] + 7;
		else {
			char clean[256]; /* a bad prompt= may hold control characters */

			jwt_sanitize(clean, sizeof(clean), argv[i], strlen(argv[i]));
			pam_syslog(pamh, LOG_ERR, "unknown or invalid option \"%s\"", clean);
			return -1;
		}
	}
	return 0;
}

/* The first prompt says what it takes: a token; a password too where one
 * is passed on (password); Enter for a browser only where a flow can start. */
static const char *first_prompt(const struct options *o, const struct jwt_issuer *dev)
{
	if (o->prompt != NULL)
		return o->prompt;
	if (dev != NULL)
		return o->password ? DEVICE_FIRST_PROMPT_PASSWORD : DEVICE_FIRST_PROMPT;
	return o->password ? "Password or token: " : "Token: ";
}

static void log_to_syslog(void *ctx, int level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	pam_syslog(ctx, prio[level & 3], "%s", msg);
}

int pam_jwt_code(enum jwt_verdict v)
{
	switch (v) {
	case JWT_OK:
		return PAM_SUCCESS;
	case JWT_NOT_TOKEN:
		return PAM_IGNORE;
	case JWT_NO_KEYS:
		return PAM_AUTHINFO_UNAVAIL;
	case JWT_USER_UNKNOWN:
		return PAM_USER_UNKNOWN;
	case JWT_CONFIG:
		return PAM_SERVICE_ERR;
	case JWT_INTERNAL:
		return PAM_SYSTEM_ERR;
	default:
		return PAM_AUTH_ERR;
	}
}

/* What the person at the keyboard is told: short, and what to do next. */
static void tell_user(pam_handle_t *pamh, int flags, const struct jwt_result *r, size_t len)
{
	if (flags & PAM_SILENT)
		return;
	switch (r->verdict) {
	case JWT_EXPIRED:
		pam_error(pamh, "Token expired: get a fresh one from your identity provider.");
		break;
	case JWT_NOT_YET_VALID:
	case JWT_ISSUED_IN_FUTURE:
		pam_error(pamh, "Token not valid yet: this host's clock may be wrong.");
		break;
	case JWT_WRONG_AUDIENCE:
		pam_error(pamh, "Token is not for this host (wrong audience).");
		break;
	case JWT_USER_MISMATCH:
		pam_error(pamh, "Token is for another user (%s).", r->user);
		break;
	case JWT_TRUNCATED:
		pam_error(pamh, "Token was cut short by the client (%zu characters arrived). "
		          "Use keyboard-interactive with pam-jwt askpass.", len);
		break;
	case JWT_TOO_LONG:
		pam_error(pamh, "Token is too long (%zu characters).", len);
		break;
	case JWT_NO_KEYS:
		pam_error(pamh, "Token login is unavailable: no keys for the issuer.");
		break;
	case JWT_ROOT_REFUSED:
		pam_error(pamh, "Token login as root is not allowed.");
		break;
	case JWT_GROUP_DENIED:
	case JWT_CLAIM_MISMATCH:
		pam_error(pamh, "Token does not grant login to this host.");
		break;
	case JWT_REPLAYED:
		pam_error(pamh, "Token was already used: get a new one.");
		break;
	case JWT_REVOKED:
		pam_error(pamh, "Token has been revoked.");
		break;
	case JWT_CONFIG:
	case JWT_INTERNAL:
		pam_error(pamh, "Token login is misconfigured on this host.");
		break;
	default:
		pam_error(pamh, "Token rejected.");
		break;
	}
}

/* one_time issuers: the first use of a jti is recorded, later ones refused. */
static void one_time_use(const struct jwt_config *cfg, struct jwt_result *res, time_t now)
{
	const struct jwt_issuer *iss = jwt_config_issuer(cfg, res->issuer_name);
	char why[sizeof(res->reason)];
	enum jwt_verdict v;

	if (iss == NULL || !iss->one_time)
		return;
	if ((v = replay_record(cfg, iss, res, now, why, sizeof(why))) != JWT_OK) {
		res->verdict = v;
		memcpy(res->reason, why, sizeof(why));
	}
}

static void audit(pam_handle_t *pamh, const char *pam_user, const struct jwt_result *r,
                  const char *method)
{
	const void *rhost = NULL;
	char line[4096];

	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		rhost = NULL;
	jwt_audit_format(line, sizeof(line), r, pam_user, rhost, method);
	pam_syslog(pamh, r->verdict == JWT_OK ? LOG_NOTICE : LOG_WARNING, "%s", line);
}

/* More to come?  The OpenSSH client cuts every answer to 1023 characters,
 * so an answer of exactly that length, or a token without its last part,
 * is followed by "Token (continued): " prompts (pam-jwt askpass answers
 * them with the next 1023 characters). */
static int wants_more(const char *tok, size_t len, size_t part_len)
{
	size_t dots = 0, i;

	if (jwt_token_shape(tok, len) != JWT_OK)
		return 0;
	for (i = 0; i < len; i++)
		dots += tok[i] == '.';
	return part_len == CLIENT_ANSWER_MAX || dots < 2;
}

/* Join continuation parts onto first (which it takes over). */
static int continue_token(pam_handle_t *pamh, char *first, char **tok)
{
	size_t len = strlen(first), part_len = len;
	char *buf = first;
	int parts;

	for (parts = 1; parts < MAX_TOKEN_PARTS && wants_more(buf, len, part_len); parts++) {
		char *more = NULL, *grown;
		size_t n;

		if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &more, "Token (continued): ") !=
		    PAM_SUCCESS || more == NULL)
			break;
		n = strlen(more);
		/* sshd's password method answers every prompt with the same
		 * password: a repeat is not a continuation, and an empty answer ends. */
		if (n == 0 || (n == part_len && memcmp(more, buf + len - part_len, n) == 0) ||
		    len + n > JWT_MAX_TOKEN) {
			explicit_bzero(more, n);
			free(more);
			break;
		}
		if ((grown = malloc(len + n + 1)) == NULL) {
			explicit_bzero(more, n);
			free(more);
			explicit_bzero(buf, len);
			free(buf);
			return PAM_BUF_ERR;
		}
		memcpy(grown, buf, len);
		memcpy(grown + len, more, n + 1);
		explicit_bzero(buf, len);
		free(buf);
		explicit_bzero(more, n);
		free(more);
		buf = grown;
		len += n;
		part_len = n;
	}
	*tok = buf;
	return PAM_SUCCESS;
}

/* The credential: PAM_AUTHTOK when told to use it, else our own prompt. */
static int get_token(pam_handle_t *pamh, const struct options *o, const char *prompt, char **tok,
                     int *prompted)
{
	const void *item = NULL;
	char *resp = NULL;
	int rc;

	*tok = NULL;
	*prompted = 0;
	if (o->use_first_pass || o->try_first_pass) {
		if (pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item != NULL) {
			*tok = strdup(item);
			return *tok != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
		}
		if (o->use_first_pass)
			return PAM_AUTHTOK_RECOVERY_ERR;
	}
	rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt);
	if (rc != PAM_SUCCESS)
		return rc;
	if (resp == NULL)
		return PAM_CONV_ERR;
	*prompted = 1;
	return continue_token(pamh, resp, tok);
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * The device flow starts only on an empty answer to our own first prompt,
 * when an issuer sets device_flow, the module may show text (no nodevice,
 * no PAM_SILENT) and runs as root (the helper may need the client secret).
 * sshd's password method never gets here with an empty answer (sshd
 * refuses empty passwords before PAM unless PermitEmptyPasswords is set);
 * xrdp-sesman's stanza passes nodevice.  Returns a PAM code; on success
 * *tok is the token to verify and *method says where it came from.
 */
static int device_or_typed(pam_handle_t *pamh, int flags, const struct jwt_config *cfg,
                           const struct jwt_issuer *dev, const struct jwt_log *log, char **tok,
                           const char **method)
{
	char *answer = NULL;
	int typed = 0, rc;

	wipe_free(*tok);
	*tok = NULL;
	if ((rc = device_login(pamh, flags, cfg, dev, log, &answer, &typed)) != PAM_SUCCESS)
		return rc;
	if (!typed) {
		*tok = answer;
		*method = "device";
		return PAM_SUCCESS;
	}
	/* Typed at the second prompt instead: exactly like the first prompt. */
	*method = "token";
	if ((rc = continue_token(pamh, answer, tok)) == PAM_SUCCESS)
		(void)pam_set_item(pamh, PAM_AUTHTOK, *tok);
	return rc;
}

static int authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct options o;
	struct jwt_config *cfg = NULL;
	const struct jwt_issuer *dev = NULL;
	struct jwt_result *res = NULL;
	struct jwt_log log;
	const char *user = NULL, *method = "token";
	char *tok = NULL, err[512], canon[DCODE_SYMBOLS + 1];
	size_t len;
	int rc, prompted = 0;
	time_t now;

	if (parse_args(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if ((rc = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL)
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	log.fn = log_to_syslog;
	log.ctx = pamh;
	log.debug = o.debug;
	/* Read before prompting: it decides whether Enter means "use a browser". */
	cfg = jwt_config_load(o.config, err, sizeof(err));
	dev = device_offered(pamh, flags, cfg, user, o.nodevice);
	if ((rc = get_token(pamh, &o, first_prompt(&o, dev), &tok, &prompted)) != PAM_SUCCESS) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "no credential: %s", pam_strerror(pamh, rc));
		jwt_config_free(cfg);
		return rc == PAM_AUTHTOK_RECOVERY_ERR ? PAM_IGNORE : rc;
	}
	if (prompted && dev != NULL && tok[0] == '\0') {
		if ((rc = device_or_typed(pamh, flags, cfg, dev, &log, &tok, &method)) != PAM_SUCCESS)
			goto out;
	} else if (prompted) {
		/* A password typed at our prompt is still offered to pam_unix try_first_pass. */
		(void)pam_set_item(pamh, PAM_AUTHTOK, tok);
	}
	len = strlen(tok);
	/* A one-time desktop code, for clients that cannot carry a token (RDP). */
	if (dcode_shape(tok, len, canon)) {
		rc = desktop_code_login(pamh, flags, o.config, o.debug, user, canon, time(NULL));
		explicit_bzero(canon, sizeof(canon));
		goto out;
	}
	if (jwt_token_shape(tok, len) == JWT_NOT_TOKEN) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "credential is not a JWT; ignoring");
		rc = PAM_IGNORE;
		goto out;
	}
	if ((res = calloc(1, sizeof(*res))) == NULL) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	now = time(NULL); /* after the conversation, which may have taken minutes */
	if (cfg == NULL) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		res->verdict = JWT_CONFIG;
		snprintf(res->reason, sizeof(res->reason), "configuration error (see previous line)");
	} else {
		struct jwt_refresh_hook hook = { pam_jwt_refresh, NULL };
		struct jwt_config only = *cfg;

		/* The provider's token is judged by the section that asked for it
		 * (same core, same checks): another section trusting the same iss
		 * must neither accept it nor answer for it. */
		if (strcmp(method, "device") == 0) {
			only.issuers = cfg->issuers + (dev - cfg->issuers);
			only.n_issuers = 1;
		}
		jwt_verify(&only, tok, len, user, now, &log, &hook, res);
		if (res->verdict == JWT_OK)
			one_time_use(cfg, res, now);
	}
	audit(pamh, user, res, method);
	/* Failing here only costs the supplementary groups: less, never more. */
	if (res->verdict == JWT_OK && setcred_record(pamh, cfg, res, now) != 0)
		pam_syslog(pamh, LOG_ERR, "cannot record the login for setcred; no groups added");
	if (res->verdict != JWT_OK)
		tell_user(pamh, flags, res, len);
	rc = pam_jwt_code(res->verdict);
out:
	/* A credential was only handed on for pam_unix's sake: once pam_jwt
	 * has consumed it (token, desktop code, device answer), no later module
	 * (pam_gnome_keyring, pam_cap...) gets it as a "password". */
	if (rc == PAM_SUCCESS)
		(void)pam_set_item(pamh, PAM_AUTHTOK, NULL);
	wipe_free(tok);
	if (res != NULL) {
		explicit_bzero(res, sizeof(*res));
		free(res);
	}
	jwt_config_free(cfg);
	return rc;
}

static int setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct options o;
	const char *user = NULL;
	char *groups;
	int rc;

	if (parse_args(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if (!(flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED | PAM_REFRESH_CRED)))
		return PAM_IGNORE;
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || user == NULL)
		return PAM_IGNORE;
	if ((groups = setcred_take(pamh, o.config, user, time(NULL))) == NULL)
		return PAM_IGNORE;
	rc = groups[0] != '\0' ? setcred_add_groups(pamh, groups) : PAM_SUCCESS;
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "setcred: groups \"%s\": %s", groups,
		           pam_strerror(pamh, rc));
	free(groups);
	return rc;
}

static int acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;

	(void)flags;
	(void)argc;
	(void)argv;
	/* Only a token this very handle accepted counts; nothing from the
	 * environment (which the user can plant) grants an account. */
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || user == NULL ||
	    !setcred_token_login(pamh, user))
		return PAM_IGNORE;
	return PAM_SUCCESS;
}

int pam_jwt_core_entry_1(int which, pid_t started_in, pam_handle_t *pamh, int flags, int argc,
                         const char **argv)
{
	setcred_started_in(started_in);
	switch (which) {
	case PAM_JWT_CORE_AUTHENTICATE:
		return authenticate(pamh, flags, argc, argv);
	case PAM_JWT_CORE_SETCRED:
		return setcred(pamh, flags, argc, argv);
	case PAM_JWT_CORE_ACCT_MGMT:
		return acct_mgmt(pamh, flags, argc, argv);
	default:
		return PAM_SERVICE_ERR;
	}
}
