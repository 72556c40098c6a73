/*
 * The module's side of the device flow.  The helper speaks a line protocol
 * (helper/device.c) that is parsed here strictly, with caps: anything
 * unexpected ends the attempt.  The user code and the verification URI go
 * only into the PAM conversation; the token only into jwt_verify.  Closing
 * the helper's stdin (or killing it) stops its polling; it is killed anyway
 * device_timeout + 15 s after it started, and dies with us (PDEATHSIG).
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "child.h"
#include "device.h"
#include "devproto.h"
#include "jwt.h"
#include "net.h"

#define MSG_MAX 16384

static ssize_t read_child(void *ctx, char *buf, size_t cap)
{
	return child_read(ctx, buf, cap);
}

/* A local account (uid 0 only for allow_root): the flow is never a lure
 * for a name nobody logs in as, nor a round trip to the provider. */
static int local_account(const char *user, int allow_root)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int ok;

	if (user == NULL || user[0] == '\0' ||
	    getpwnam_r(user, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
		return 0;
	ok = found->pw_uid != 0 || allow_root;
	explicit_bzero(buf, sizeof(buf));
	return ok;
}

static const char *pam_item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS ? v : NULL;
}

const struct jwt_issuer *device_offered(pam_handle_t *pamh, int flags,
                                        const struct jwt_config *cfg, const char *user,
                                        int nodevice)
{
	const char *service = pam_item_str(pamh, PAM_SERVICE);
	const char *rhost = pam_item_str(pamh, PAM_RHOST);
	size_t i;

	if (cfg == NULL || nodevice || (flags & PAM_SILENT) || geteuid() != 0 || service == NULL)
		return NULL;
	for (i = 0; i < cfg->n_issuers; i++) {
		const struct jwt_issuer *iss = &cfg->issuers[i];
		int allowed;

		if (!iss->device_flow)
			continue;
		allowed = iss->device_services.n > 0
		              ? jwt_words_has(&iss->device_services, service, strlen(service))
		              : strcmp(service, JWT_DEFAULT_DEVICE_SERVICE) == 0;
		if (!allowed || (iss->device_from.n > 0 && !jwt_nets_match(&iss->device_from, rhost)))
			continue;
		return local_account(user, iss->allow_root) ? iss : NULL;
	}
	return NULL;
}

/* The helper's "error KIND TEXT": tell the user, log the text, map the code. */
static int failed(pam_handle_t *pamh, int flags, const struct jwt_log *log, const char *line)
{
	const char *kind = line + 6, *text = strchr(kind, ' ');
	char clean[400], outcome[16];
	int rc = PAM_AUTH_ERR;
	const char *msg = "Sign-in with a browser failed: the provider's answer was not usable.";

	if (strncmp(line, "error ", 6) != 0) {
		kind = "bad";
		text = NULL;
		msg = "Sign-in with a browser failed (the helper misbehaved).";
	} else if (strncmp(kind, "unavail ", 8) == 0) {
		msg = "Sign-in with a browser is unavailable: the provider cannot be reached.";
		rc = PAM_AUTHINFO_UNAVAIL;
	} else if (strncmp(kind, "denied ", 7) == 0) {
		msg = "Sign-in was denied at the provider.";
	} else if (strncmp(kind, "expired ", 8) == 0 || strncmp(kind, "timeout ", 8) == 0) {
		msg = "The code expired before the sign-in was finished.";
	} else if (strncmp(kind, "config ", 7) == 0) {
		msg = "Sign-in with a browser is misconfigured on this host.";
		rc = PAM_SERVICE_ERR;
	} else if (strncmp(kind, "busy ", 5) == 0) {
		msg = "Too many sign-ins with a browser are under way on this host; "
		      "try again in a few minutes.";
		rc = PAM_AUTHINFO_UNAVAIL;
	} else if (strncmp(kind, "origin ", 7) == 0) {
		msg = "Sign-in with a browser was refused: the provider's link leads to another site.";
	}
	jwt_sanitize(clean, sizeof(clean), text != NULL ? text + 1 : line,
	             strlen(text != NULL ? text + 1 : line));
	jwt_sanitize(outcome, sizeof(outcome), text != NULL ? kind : "bad",
	             text != NULL ? (size_t)(text - kind) : 3);
	jwt_logf(log, JWT_LOG_WARN, "device sign-in failed: method=\"device\" outcome=\"%s\" "
	         "reason=\"%s\"", outcome, clean);
	if (!(flags & PAM_SILENT))
		pam_error(pamh, "%s", msg);
	return rc;
}

static void where(pam_handle_t *pamh, char *rhost, size_t rcap, char *host, size_t hcap)
{
	const void *item = NULL;
	char raw[256];

	if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS && item != NULL &&
	    *(const char *)item != '\0')
		jwt_sanitize(rhost, rcap, item, strlen(item));
	else
		snprintf(rhost, rcap, "this host's console");
	if (gethostname(raw, sizeof(raw) - 1) != 0)
		snprintf(raw, sizeof(raw), "this host");
	raw[sizeof(raw) - 1] = '\0';
	jwt_sanitize(host, hcap, raw, strlen(raw));
}

int device_login(pam_handle_t *pamh, int flags, const struct jwt_config *cfg,
                 const struct jwt_issuer *iss, const struct jwt_log *log, char **answer,
                 int *typed)
{
	const char *helper = cfg->refresh_helper != NULL ? cfg->refresh_helper : JWT_HELPER_PATH;
	char a0[] = "pam-jwt", a1[] = "device", a2[] = "--config", a4[] = "--issuer";
	char name[sizeof(iss->name)], line[DEVPROTO_LINE_MAX + 1], rhost[128], host[128];
	char *argv[] = { a0, a1, a2, cfg->path, a4, name, NULL };
	char *msg = NULL, *resp = NULL, *tok = NULL;
	struct jwt_child c;
	struct devproto_reader *r = NULL;
	struct devproto_offer *o = NULL;
	enum devproto_step step;
	size_t used = 0, n;
	int rc = PAM_AUTH_ERR, got;

	*answer = NULL;
	*typed = 0;
	snprintf(name, sizeof(name), "%s", iss->name);
	if ((r = calloc(1, sizeof(*r))) == NULL || (o = calloc(1, sizeof(*o))) == NULL ||
	    (msg = malloc(MSG_MAX)) == NULL) {
		free(r);
		free(o);
		return PAM_BUF_ERR;
	}
	msg[0] = '\0';
	if (child_start(&c, helper, argv, CHILD_STDIN_PIPE | CHILD_STDERR_NULL,
	                (iss->device_timeout + 15) * 1000L, log) != 0) {
		if (!(flags & PAM_SILENT))
			pam_error(pamh, "Sign-in with a browser is misconfigured on this host.");
		free(r);
		free(o);
		free(msg);
		return PAM_SERVICE_ERR;
	}
	r->read = read_child;
	r->ctx = &c;

	/* What to show: uri, qr lines (of the same uri), code, expires, ready. */
	do {
		if ((got = devproto_read_line(r, line, sizeof(line))) != 1) {
			rc = failed(pamh, flags, log, got == 0 ? "error bad the helper ended early"
			                                        : "error bad no answer from the helper");
			goto out;
		}
		step = devproto_offer_line(o, line);
	} while (step == DEVPROTO_MORE);
	if (step != DEVPROTO_READY) {
		rc = failed(pamh, flags, log, step == DEVPROTO_ERROR ? line
		            : step == DEVPROTO_BAD ? "error bad unexpected line from the helper"
		            : "error bad the helper left out the URI or the code");
		goto out;
	}
	/* the one link, also in the QR code; the helper checked it, and what
	 * reaches the user is checked here once more */
	if (!jwt_device_link_ok(iss, o->uri)) {
		rc = failed(pamh, flags, log, "error origin the link names another site than the "
		            "issuer's");
		goto out;
	}
	where(pamh, rhost, sizeof(rhost), host, sizeof(host));
	used = (size_t)snprintf(msg, MSG_MAX, "To sign in, open %s and enter %s\n", o->uri, o->code);
	if (o->nqr > 0)
		used += (size_t)snprintf(msg + used, MSG_MAX - used, "  (or scan:)\n%s\n", o->qr);
	snprintf(msg + used, MSG_MAX - used, "  Request from %s for %s, valid for %ld %s.", rhost,
	         host, o->expires >= 120 ? o->expires / 60 : o->expires,
	         o->expires >= 120 ? "minutes" : "seconds");
	explicit_bzero(o->code, sizeof(o->code));
	/* The helper polls meanwhile; the user's answer decides what happens. */
	if (pam_info(pamh, "%s", msg) != PAM_SUCCESS ||
	    pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, DEVICE_WAIT_PROMPT) != PAM_SUCCESS ||
	    resp == NULL) {
		jwt_logf(log, JWT_LOG_INFO, "device sign-in: the conversation ended; helper stopped");
		rc = PAM_CONV_ERR;
		goto out;
	}
	if (resp[0] != '\0') {
		*answer = resp;
		*typed = 1;
		resp = NULL;
		rc = PAM_SUCCESS;
		goto out;
	}
	/* Enter: wait for the helper's result (bounded by its deadline). */
	if ((got = devproto_read_line(r, line, sizeof(line))) != 1) {
		rc = failed(pamh, flags, log, got == 0 ? "error bad the helper ended without a result"
		                                        : "error timeout no result from the helper");
		goto out;
	}
	if (devproto_token_line(line, &n)) {
		if (n == 0 || n > JWT_MAX_TOKEN || (tok = malloc(n + 1)) == NULL ||
		    devproto_read_exact(r, tok, n) != 0 || strlen(tok) != n) {
			rc = failed(pamh, flags, log, "error bad the helper's token did not arrive whole");
			goto out;
		}
		*answer = tok;
		tok = NULL;
		rc = PAM_SUCCESS;
		goto out;
	}
	rc = failed(pamh, flags, log, line);
out:
	(void)child_finish(&c, 1);
	if (tok != NULL) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
	}
	explicit_bzero(line, sizeof(line));
	explicit_bzero(r, sizeof(*r));
	free(r);
	explicit_bzero(o, sizeof(*o));
	free(o);
	explicit_bzero(msg, MSG_MAX);
	free(msg);
	return rc;
}
