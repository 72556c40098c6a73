/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <security/pam_ext.h>

#include "setcred.h"
#include "store.h"

#define DATA_GROUPS "pam_jwt_groups"
#define DATA_USER "pam_jwt_user"        /* set by authenticate in this handle only */
#define DATA_TAKEN "pam_jwt_taken_user" /* a grant this handle consumed */
#define NONCE_LEN 32
#define GRANT_MAX 2048

/*
 * The process that ran pam_start (pam/shim.c).  An authenticate running in
 * another process runs in a child forked after pam_start - sshd's
 * keyboard-interactive PAM child, which hands only the PAM environment
 * back to its parent.  Only there does a grant need a record; everywhere
 * else setcred finds it in this handle's data.
 */
static pid_t started_in;

void setcred_started_in(pid_t pid)
{
	started_in = pid;
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static const char *item_str(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	return pam_get_item(pamh, type, &v) == PAM_SUCCESS && v != NULL ? v : "";
}

static void hex(char *out, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static const char *state_dir(const struct jwt_config *cfg)
{
	return cfg->state_dir != NULL ? cfg->state_dir : JWT_DEFAULT_STATE_DIR;
}

/* The record's id: sha256 of the nonce, which itself is stored nowhere. */
static int grant_id(const char *nonce_hex, unsigned char id[STORE_ID_LEN])
{
	unsigned int dl = 0;

	return EVP_Digest(nonce_hex, strlen(nonce_hex), id, &dl, EVP_sha256(), NULL) == 1 &&
	       dl == STORE_ID_LEN ? 0 : -1;
}

/* Binds a grant to this transaction's user, service and remote host. */
static int grant_text(pam_handle_t *pamh, const char *user, long long expires,
                      const char *groups, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "pam_jwt-grant-v2\n%s\n%s\n%s\n%lld\n%s\n", user,
	                 item_str(pamh, PAM_SERVICE), item_str(pamh, PAM_RHOST), expires,
	                 groups);

	return n > 0 && (size_t)n < cap ? n : -1;
}

static int grant_write(pam_handle_t *pamh, const struct jwt_config *cfg,
                       const struct jwt_result *res, time_t now)
{
	unsigned char nonce[NONCE_LEN], id[STORE_ID_LEN];
	char nonce_hex[2 * NONCE_LEN + 1], text[GRANT_MAX],
	     env[sizeof(SETCRED_ENV) + 2 * NONCE_LEN + 2], why[300];
	struct store *st = NULL;
	int n, rc = -1;

	if (geteuid() != 0)
		return -1; /* only root can keep a grant out of the user's reach */
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		goto out;
	hex(nonce_hex, nonce, sizeof(nonce));
	if (grant_id(nonce_hex, id) != 0 ||
	    (n = grant_text(pamh, res->user, (long long)now + SETCRED_MAX_AGE, res->groups, text,
	                    sizeof(text))) < 0)
		goto out;
	if (store_open(state_dir(cfg), 0, &st, why, sizeof(why)) != 0 ||
	    store_add(st, STORE_GRANT, id, (long long)now + SETCRED_MAX_AGE, text, (size_t)n, now,
	              why, sizeof(why)) != 0) {
		pam_syslog(pamh, LOG_ERR, "%s", why);
		goto out;
	}
	snprintf(env, sizeof(env), "%s=%s", SETCRED_ENV, nonce_hex);
	if (pam_putenv(pamh, env) != PAM_SUCCESS) {
		size_t len;

		(void)store_take(st, STORE_GRANT, id, now, text, sizeof(text), &len, why, sizeof(why));
		goto out;
	}
	rc = 0;
out:
	store_close(st);
	explicit_bzero(nonce, sizeof(nonce));
	explicit_bzero(nonce_hex, sizeof(nonce_hex));
	explicit_bzero(env, sizeof(env));
	explicit_bzero(text, sizeof(text));
	return rc;
}

int setcred_record(pam_handle_t *pamh, const struct jwt_config *cfg,
                   const struct jwt_result *res, time_t now)
{
	char buf[1400];
	char *groups = strdup(res->groups), *user = strdup(res->user);

	if (groups == NULL || user == NULL ||
	    pam_set_data(pamh, DATA_GROUPS, groups, free_data) != PAM_SUCCESS) {
		free(groups);
		free(user);
		return -1;
	}
	if (pam_set_data(pamh, DATA_USER, user, free_data) != PAM_SUCCESS) {
		free(user);
		return -1;
	}
	/* informational only: nothing reads them back */
	snprintf(buf, sizeof(buf), "PAM_JWT_ISS=%s", res->iss);
	pam_putenv(pamh, buf);
	snprintf(buf, sizeof(buf), "PAM_JWT_SUB=%s", res->sub);
	pam_putenv(pamh, buf);
	/* In the process that started PAM the handle's data is the hand-off
	 * (also for its forked children: sshd's session).  Without a grant, a
	 * split login only loses its supplementary groups: less, never more. */
	if (getpid() != started_in)
		(void)grant_write(pamh, cfg, res, now);
	return 0;
}

static int data_is(pam_handle_t *pamh, const char *key, const char *user)
{
	const void *u = NULL;

	return user != NULL && pam_get_data(pamh, key, &u) == PAM_SUCCESS && u != NULL &&
	       strcmp(u, user) == 0;
}

int setcred_token_login(pam_handle_t *pamh, const char *user)
{
	return data_is(pamh, DATA_USER, user);
}

/* Take the grant the environment names: one store transaction removes it
 * and reads it, so it serves one setcred at most even when two race for
 * it; it must be for this user, service and host, and young. */
static char *grant_take(pam_handle_t *pamh, const char *config, const char *user, time_t now)
{
	const char *nonce = pam_getenv(pamh, SETCRED_ENV);
	unsigned char id[STORE_ID_LEN];
	char want[GRANT_MAX], text[GRANT_MAX + 1], *groups = NULL, *nl, why[512];
	struct jwt_config *cfg = NULL;
	struct store *st = NULL;
	size_t len = 0, i, head;
	int n;

	if (nonce == NULL)
		return NULL;
	for (i = 0; nonce[i] != '\0'; i++)
		if (!((nonce[i] >= '0' && nonce[i] <= '9') || (nonce[i] >= 'a' && nonce[i] <= 'f')))
			break;
	if (i != 2 * NONCE_LEN || nonce[i] != '\0' || grant_id(nonce, id) != 0)
		goto out;
	if ((cfg = jwt_config_load(config, why, sizeof(why))) == NULL ||
	    store_open(state_dir(cfg), 0, &st, why, sizeof(why)) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot take the grant: %s", why);
		goto out;
	}
	if ((n = store_take(st, STORE_GRANT, id, now, text, GRANT_MAX, &len, why, sizeof(why))) < 0)
		pam_syslog(pamh, LOG_ERR, "%s", why);
	if (n <= 0)
		goto out; /* consumed, expired or never ours */
	text[len] = '\0';
	/* compare everything but the expiry and the groups */
	if ((n = grant_text(pamh, user, 0, "", want, sizeof(want))) < 0)
		goto out;
	head = (size_t)n - strlen("0\n\n");
	if (len <= head || memcmp(text, want, head) != 0) {
		pam_syslog(pamh, LOG_WARNING, "%s names another user, service or host; ignored",
		           SETCRED_ENV);
		goto out;
	}
	{
		char *end;
		long long expires = strtoll(text + head, &end, 10);

		if (*end != '\n' || expires < (long long)now || expires > (long long)now + SETCRED_MAX_AGE)
			goto out;
		if ((nl = strchr(end + 1, '\n')) == NULL || nl[1] != '\0')
			goto out;
		*nl = '\0';
		groups = strdup(end + 1);
	}
out:
	explicit_bzero(text, sizeof(text));
	store_close(st);
	jwt_config_free(cfg);
	return groups;
}

char *setcred_take(pam_handle_t *pamh, const char *config, const char *user, time_t now)
{
	const void *data = NULL;
	char *granted, *copy;

	/* Whatever the environment names is consumed and removed first, also
	 * when this handle itself authenticated: left behind, it would reach
	 * the session and could be replayed by the user. */
	granted = user != NULL ? grant_take(pamh, config, user, now) : NULL;
	/* (libpam logs an error for deleting a variable that is not there) */
	if (pam_getenv(pamh, SETCRED_ENV) != NULL)
		(void)pam_putenv(pamh, SETCRED_ENV);
	if ((setcred_token_login(pamh, user) || data_is(pamh, DATA_TAKEN, user)) &&
	    pam_get_data(pamh, DATA_GROUPS, &data) == PAM_SUCCESS && data != NULL) {
		free(granted);
		return strdup(data);
	}
	if (granted == NULL)
		return NULL;
	/* later setcred calls of this process and its children (sshd calls it
	 * again after initgroups) find it here */
	copy = strdup(granted);
	if (copy == NULL || pam_set_data(pamh, DATA_GROUPS, copy, free_data) != PAM_SUCCESS) {
		free(copy);
	} else if ((copy = strdup(user)) == NULL ||
	           pam_set_data(pamh, DATA_TAKEN, copy, free_data) != PAM_SUCCESS) {
		free(copy);
	}
	return granted;
}

int setcred_add_groups(pam_handle_t *pamh, const char *groups)
{
	char *copy = strdup(groups), *g, *save = NULL;
	gid_t *list = NULL;
	int n, cap, added = 0, rc = PAM_CRED_ERR;

	if (copy == NULL)
		return PAM_BUF_ERR;
	if ((n = getgroups(0, NULL)) < 0)
		goto out;
	cap = n + 64;
	if ((list = calloc((size_t)cap, sizeof(*list))) == NULL ||
	    (n = getgroups(n, list)) < 0)
		goto out;
	for (g = strtok_r(copy, " ", &save); g != NULL && n < cap; g = strtok_r(NULL, " ", &save)) {
		struct group gr, *grp = NULL;
		char buf[8192];
		int i, have = 0;

		if (getgrnam_r(g, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL) {
			pam_syslog(pamh, LOG_WARNING, "group_map names unknown local group \"%s\"", g);
			continue;
		}
		for (i = 0; i < n; i++)
			have |= list[i] == grp->gr_gid;
		if (!have) {
			list[n++] = grp->gr_gid;
			added++;
		}
	}
	if (added > 0 && setgroups((size_t)n, list) != 0) {
		pam_syslog(pamh, LOG_ERR, "setgroups: %s", strerror(errno));
		goto out;
	}
	rc = PAM_SUCCESS;
out:
	free(list);
	free(copy);
	return rc;
}
