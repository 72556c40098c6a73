/* pam_jwt.so: the desktop-code login (lib/dcode.h has the store). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "conf.h"
#include "desktop.h"
#include "jwt.h"
#include "setcred.h"

static const struct jwt_issuer *find_issuer(const struct jwt_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_issuers; i++)
		if (strcmp(cfg->issuers[i].name, name) == 0)
			return &cfg->issuers[i];
	return NULL;
}

static int any_enabled(const struct jwt_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_issuers; i++)
		if (cfg->issuers[i].desktop_codes)
			return 1;
	return 0;
}

static void audit(pam_handle_t *pamh, const char *pam_user, enum dcode_verdict v,
                  const struct dcode_record *r, int failures, const char *why)
{
	const void *item = NULL;
	char line[4096];

	(void)pam_get_item(pamh, PAM_RHOST, &item);
	dcode_audit_format(line, sizeof(line), v == DCODE_OK ? "accepted" : "rejected",
	                   dcode_verdict_name(v), r, pam_user, item, failures,
	                   v == DCODE_OK ? NULL : why);
	pam_syslog(pamh, v == DCODE_OK ? LOG_NOTICE : LOG_WARNING, "%s", line);
}

static void tell_user(pam_handle_t *pamh, int flags, enum dcode_verdict v)
{
	if (flags & PAM_SILENT)
		return;
	switch (v) {
	case DCODE_USED:
		pam_error(pamh, "Desktop code was already used: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_EXPIRED:
		pam_error(pamh, "Desktop code expired: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_LOCKED:
		pam_error(pamh, "Too many wrong desktop codes: get a new one (pam-jwt desktop-code).");
		break;
	case DCODE_ERROR:
		pam_error(pamh, "Desktop code login is unavailable on this host.");
		break;
	default:
		pam_error(pamh, "Desktop code rejected.");
		break;
	}
}

int desktop_code_login(pam_handle_t *pamh, int flags, const char *config, int debug,
                       const char *user, const char canon[DCODE_SYMBOLS + 1], time_t now)
{
	struct jwt_config *cfg;
	struct dcode_record rec;
	struct jwt_result *res = NULL;
	const struct jwt_issuer *iss;
	enum dcode_verdict v;
	char err[512], why[512] = "";
	int failures = 0, rc;

	memset(&rec, 0, sizeof(rec));
	if ((cfg = jwt_config_load(config, err, sizeof(err))) == NULL) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		audit(pamh, user, DCODE_ERROR, &rec, 0, "configuration error (see previous line)");
		return PAM_SERVICE_ERR;
	}
	if (!any_enabled(cfg)) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "looks like a desktop code, but no issuer has "
			           "desktop_codes = yes; ignoring");
		jwt_config_free(cfg);
		return PAM_IGNORE;
	}
	v = dcode_consume(cfg, user, canon, now, &rec, &failures, why, sizeof(why));
	/* The policy that vouched for the token must still allow codes. */
	if (v == DCODE_OK && ((iss = find_issuer(cfg, rec.issuer_name)) == NULL ||
	                      !iss->desktop_codes)) {
		snprintf(why, sizeof(why), "[issuer %s] no longer allows desktop codes",
		         rec.issuer_name);
		v = DCODE_REVOKED;
	}
	if (v == DCODE_OK && strcmp(rec.user, user) != 0) {
		snprintf(why, sizeof(why), "code is for another user");
		v = DCODE_UNKNOWN;
	}
	audit(pamh, user, v, &rec, failures, why);
	if (v == DCODE_OK) {
		/* setcred gets the groups exactly as after a token login. */
		if ((res = calloc(1, sizeof(*res))) == NULL) {
			rc = PAM_BUF_ERR;
			goto out;
		}
		res->verdict = JWT_OK;
		snprintf(res->issuer_name, sizeof(res->issuer_name), "%s", rec.issuer_name);
		snprintf(res->iss, sizeof(res->iss), "%s", rec.iss);
		snprintf(res->sub, sizeof(res->sub), "%s", rec.sub);
		snprintf(res->jti, sizeof(res->jti), "%s", rec.jti);
		snprintf(res->kid, sizeof(res->kid), "%s", rec.kid);
		snprintf(res->user, sizeof(res->user), "%s", rec.user);
		snprintf(res->groups, sizeof(res->groups), "%s", rec.groups);
		res->exp = rec.expires;
		if (setcred_record(pamh, cfg, res, now) != 0)
			pam_syslog(pamh, LOG_ERR, "cannot record the login for setcred; no groups added");
		rc = PAM_SUCCESS;
	} else {
		tell_user(pamh, flags, v);
		rc = v == DCODE_ERROR ? PAM_SYSTEM_ERR : PAM_AUTH_ERR;
	}
out:
	free(res);
	jwt_config_free(cfg);
	return rc;
}
