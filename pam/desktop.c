/* SPDX-License-Identifier: BSD-2-Clause */
/* pam_jwt.so: the desktop-code login (lib/dcode.h has the store). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "conf.h"
#include "desktop.h"
#include "jwt.h"
#include "setcred.h"

static int any_enabled(const struct jwt_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_issuers; i++)
		if (cfg->issuers[i].desktop_codes)
			return 1;
	return 0;
}

static void audit(pam_handle_t *pamh, int prio, const char *pam_user, const char *word,
                  const char *verdict, const struct dcode_record *r, int failures,
                  const char *why)
{
	const void *item = NULL;
	char line[4096];

	(void)pam_get_item(pamh, PAM_RHOST, &item);
	dcode_audit_format(line, sizeof(line), word, verdict, r, pam_user, item, failures, why);
	pam_syslog(pamh, prio, "%s", line);
}

static void tell_user(pam_handle_t *pamh, int flags, enum dcode_verdict v, enum jwt_verdict jv)
{
	if (flags & PAM_SILENT)
		return;
	if (v == DCODE_OK) { /* the code was live; its token is refused now */
		if (jv == JWT_REVOKED)
			pam_error(pamh, "Desktop code refused: its token has been revoked.");
		else if (jv == JWT_EXPIRED)
			pam_error(pamh, "Desktop code expired with its token: get a new one "
			          "(pam-jwt desktop-code).");
		else
			pam_error(pamh, "Desktop code refused: its token no longer grants login "
			          "to this host.");
		return;
	}
	switch (v) {
	case DCODE_USED:
		pam_error(pamh, "Desktop code was already used: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_EXPIRED:
		pam_error(pamh, "Desktop code expired: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_REVOKED:
		pam_error(pamh, "Desktop code was revoked: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_ERROR:
		pam_error(pamh, "Desktop code login is unavailable on this host.");
		break;
	default:
		break;
	}
}

/* A live code: judge its token's claims by the configuration of now. */
static enum jwt_verdict judge(const struct jwt_config *cfg, const char *user,
                              struct dcode_record *rec, time_t now, struct jwt_result *res)
{
	const struct jwt_issuer *iss = jwt_config_issuer(cfg, rec->issuer_name);

	memset(res, 0, sizeof(*res));
	if (iss == NULL || !iss->desktop_codes) {
		res->verdict = JWT_CLAIM_MISMATCH;
		snprintf(res->reason, sizeof(res->reason), "[issuer %s] no longer allows desktop codes",
		         rec->issuer_name);
	} else if (strcmp(rec->user, user) != 0) {
		res->verdict = JWT_USER_MISMATCH;
		snprintf(res->reason, sizeof(res->reason), "code is for another user");
	} else {
		jwt_judge_payload(cfg, iss, rec->payload, strlen(rec->payload), rec->typ, user, now,
		                  res);
	}
	/* what the audit line and setcred see: the claims as judged now */
	snprintf(res->issuer_name, sizeof(res->issuer_name), "%s", rec->issuer_name);
	snprintf(res->kid, sizeof(res->kid), "%s", rec->kid);
	if (res->verdict == JWT_OK) {
		snprintf(rec->groups, sizeof(rec->groups), "%s", res->groups);
		if (rec->expires < res->exp || res->exp == 0)
			res->exp = rec->expires;
	}
	return res->verdict;
}

int desktop_code_login(pam_handle_t *pamh, int flags, const char *config, int debug,
                       const char *user, const char canon[DCODE_SYMBOLS + 1], time_t now)
{
	struct jwt_config *cfg = NULL;
	struct dcode_record *rec = calloc(1, sizeof(*rec));
	struct jwt_result *res = calloc(1, sizeof(*res));
	const void *rhost = NULL;
	enum dcode_verdict v;
	enum jwt_verdict jv = JWT_OK;
	char err[512], why[512] = "";
	int failures = 0, rc = PAM_IGNORE;

	if (rec == NULL || res == NULL) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	/* Only root reads the store: a screen locker running as the user
	 * passes the input on, it may be a password. */
	if (geteuid() != 0) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "looks like a desktop code, but not running as "
			           "root; passing it on");
		goto out;
	}
	if ((cfg = jwt_config_load(config, err, sizeof(err))) == NULL) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		pam_syslog(pamh, LOG_ERR, "looks like a desktop code, but the configuration "
		           "cannot be read; passing it on");
		goto out;
	}
	if (!any_enabled(cfg)) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "looks like a desktop code, but no issuer has "
			           "desktop_codes = yes; passing it on");
		goto out;
	}
	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		rhost = NULL;
	v = dcode_consume(cfg, user, rhost, canon, now, rec, &failures, why, sizeof(why));
	switch (v) {
	case DCODE_UNKNOWN:
	case DCODE_THROTTLED:
		/* Not ours, or not checked now: the next module judges it as a
		 * password; nothing tells a guesser whether the user has codes. */
		audit(pamh, LOG_INFO, user, "ignored", dcode_verdict_name(v), rec, failures, why);
		rc = PAM_IGNORE;
		goto out;
	case DCODE_OK:
		jv = judge(cfg, user, rec, now, res);
		break;
	default:
		break;
	}
	if (v == DCODE_OK && jv == JWT_OK) {
		audit(pamh, LOG_NOTICE, user, "accepted", "OK", rec, failures, NULL);
		if (setcred_record(pamh, cfg, res, now) != 0)
			pam_syslog(pamh, LOG_ERR, "cannot record the login for setcred; no groups added");
		rc = PAM_SUCCESS;
	} else if (v == DCODE_OK) {
		/* the token's own verdict, exactly as if the token were typed now */
		audit(pamh, LOG_WARNING, user, "rejected", jwt_verdict_name(jv), rec, failures,
		      res->reason);
		tell_user(pamh, flags, v, jv);
		rc = pam_jwt_code(jv);
	} else {
		audit(pamh, LOG_WARNING, user, "rejected", dcode_verdict_name(v), rec, failures, why);
		tell_user(pamh, flags, v, jv);
		rc = v == DCODE_ERROR ? PAM_SYSTEM_ERR : PAM_AUTH_ERR;
	}
out:
	if (res != NULL) {
		explicit_bzero(res, sizeof(*res));
		free(res);
	}
	if (rec != NULL) {
		explicit_bzero(rec, sizeof(*rec));
		free(rec);
	}
	jwt_config_free(cfg);
	return rc;
}
