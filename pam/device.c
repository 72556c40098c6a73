/*
 * The module's side of the device flow.  The helper speaks a line protocol
 * (helper/device.c) that is parsed here strictly, with caps: anything
 * unexpected ends the attempt.  The user code and the verification URI go
 * only into the PAM conversation; the token only into jwt_verify.  Closing
 * the helper's stdin (or killing it) stops its polling; it is killed anyway
 * device_timeout + 15 s after it started, and dies with us (PDEATHSIG).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "child.h"
#include "device.h"
#include "jwt.h"

#define LINE_MAX_BYTES 1024
#define QR_LINES_MAX 40
#define MSG_MAX 16384

struct reader {
	struct jwt_child *c;
	char buf[4096];
	size_t len;
};

/* One line without its '\n' into line (cap bytes): 1, 0 at end of file,
 * -1 on a timeout, an error or a line longer than LINE_MAX_BYTES. */
static int read_line(struct reader *r, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - r->buf);

			if (l >= cap || memchr(r->buf, '\0', l) != NULL)
				return -1;
			memcpy(line, r->buf, l);
			line[l] = '\0';
			memmove(r->buf, nl + 1, r->len - l - 1);
			explicit_bzero(r->buf + r->len - l - 1, l + 1);
			r->len -= l + 1;
			return 1;
		}
		if (r->len >= LINE_MAX_BYTES || r->len == sizeof(r->buf))
			return -1;
		n = child_read(r->c, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return n == 0 && r->len == 0 ? 0 : -1;
		r->len += (size_t)n;
	}
}

/* Exactly n bytes (the token) then '\n'. */
static int read_exact(struct reader *r, char *out, size_t n)
{
	size_t got = 0;

	while (got < n + 1) {
		ssize_t m;

		if (r->len > 0) {
			size_t take = r->len < n + 1 - got ? r->len : n + 1 - got;

			memcpy(out + got, r->buf, take);
			memmove(r->buf, r->buf + take, r->len - take);
			explicit_bzero(r->buf + r->len - take, take);
			r->len -= take;
			got += take;
			continue;
		}
		if ((m = child_read(r->c, r->buf, sizeof(r->buf))) <= 0)
			return -1;
		r->len = (size_t)m;
	}
	if (out[n] != '\n')
		return -1;
	out[n] = '\0';
	return 0;
}


const struct jwt_issuer *device_issuer(const struct jwt_config *cfg)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->n_issuers; i++)
		if (cfg->issuers[i].device_flow)
			return &cfg->issuers[i];
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
	char name[sizeof(iss->name)], line[LINE_MAX_BYTES + 1], rhost[128], host[128];
	char *argv[] = { a0, a1, a2, cfg->path, a4, name, NULL };
	char uri[LINE_MAX_BYTES] = "", code[80] = "", *msg = NULL, *resp = NULL, *tok = NULL;
	struct jwt_child c;
	struct reader *r = NULL;
	char qr[QR_LINES_MAX * 260 + 1];
	size_t used = 0, nqr = 0, qrlen = 0;
	long expires = 0;
	int rc = PAM_AUTH_ERR, got;

	*answer = NULL;
	*typed = 0;
	snprintf(name, sizeof(name), "%s", iss->name);
	if ((r = calloc(1, sizeof(*r))) == NULL || (msg = malloc(MSG_MAX)) == NULL) {
		free(r);
		return PAM_BUF_ERR;
	}
	msg[0] = '\0';
	if (child_start(&c, helper, argv, CHILD_STDIN_PIPE | CHILD_STDERR_NULL,
	                (iss->device_timeout + 15) * 1000L, log) != 0) {
		if (!(flags & PAM_SILENT))
			pam_error(pamh, "Sign-in with a browser is misconfigured on this host.");
		free(r);
		free(msg);
		return PAM_SERVICE_ERR;
	}
	r->c = &c;

	/* What to show: uri, [complete], qr lines, code, expires, ready. */
	qr[0] = '\0';
	for (;;) {
		if ((got = read_line(r, line, sizeof(line))) != 1) {
			rc = failed(pamh, flags, log, got == 0 ? "error bad the helper ended early"
			                                        : "error bad no answer from the helper");
			goto out;
		}
		if (strncmp(line, "error ", 6) == 0) {
			rc = failed(pamh, flags, log, line);
			goto out;
		}
		if (strcmp(line, "ready") == 0)
			break;
		if (strncmp(line, "uri ", 4) == 0 && jwt_is_word(line + 4, 512) &&
		    strncmp(line + 4, "https://", 8) == 0) {
			snprintf(uri, sizeof(uri), "%.512s", line + 4);
		} else if (strncmp(line, "complete ", 9) == 0 && jwt_is_word(line + 9, 512)) {
			/* only in the QR code, which the helper drew */
		} else if (strncmp(line, "code ", 5) == 0 && jwt_is_word(line + 5, 64)) {
			snprintf(code, sizeof(code), "%.64s", line + 5);
		} else if (strncmp(line, "expires ", 8) == 0 && strspn(line + 8, "0123456789") ==
		           strlen(line + 8) && strlen(line + 8) > 0 && strlen(line + 8) < 6) {
			expires = strtol(line + 8, NULL, 10);
		} else if (strncmp(line, "qr ", 3) == 0 && nqr < QR_LINES_MAX && jwt_qr_line_ok(line + 3) &&
		           strlen(line + 3) < 250) {
			qrlen += (size_t)snprintf(qr + qrlen, sizeof(qr) - qrlen, "%s%s",
			                          nqr ? "\n" : "", line + 3);
			nqr++;
		} else {
			rc = failed(pamh, flags, log, "error bad unexpected line from the helper");
			goto out;
		}
	}
	if (uri[0] == '\0' || code[0] == '\0' || expires <= 0) {
		rc = failed(pamh, flags, log, "error bad the helper left out the URI or the code");
		goto out;
	}
	where(pamh, rhost, sizeof(rhost), host, sizeof(host));
	used = (size_t)snprintf(msg, MSG_MAX, "To sign in, open %s and enter %s\n", uri, code);
	if (nqr > 0)
		used += (size_t)snprintf(msg + used, MSG_MAX - used, "  (or scan:)\n%s\n", qr);
	snprintf(msg + used, MSG_MAX - used, "  Request from %s for %s, valid for %ld %s.", rhost,
	         host, expires >= 120 ? expires / 60 : expires, expires >= 120 ? "minutes" : "seconds");
	explicit_bzero(code, sizeof(code));
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
	if ((got = read_line(r, line, sizeof(line))) != 1) {
		rc = failed(pamh, flags, log, got == 0 ? "error bad the helper ended without a result"
		                                        : "error timeout no result from the helper");
		goto out;
	}
	if (strncmp(line, "token ", 6) == 0 && strspn(line + 6, "0123456789") == strlen(line + 6) &&
	    strlen(line + 6) > 0 && strlen(line + 6) < 6) {
		size_t n = (size_t)strtoul(line + 6, NULL, 10);

		if (n == 0 || n > JWT_MAX_TOKEN || (tok = malloc(n + 1)) == NULL ||
		    read_exact(r, tok, n) != 0 || strlen(tok) != n) {
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
	explicit_bzero(msg, MSG_MAX);
	free(msg);
	return rc;
}
