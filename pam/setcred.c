#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <security/pam_ext.h>

#include "safefile.h"
#include "setcred.h"

#define DATA_GROUPS "pam_jwt_groups"
#define KEY_LEN 32

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The per-boot key that authenticates our PAM environment variables, so a
 * module or env file earlier in the stack cannot grant groups by setting them. */
static int mac_key(unsigned char key[KEY_LEN], int create)
{
	char *buf = NULL, why[128];
	size_t len = 0;
	int fd;

	if (create && geteuid() == 0) {
		(void)mkdir(SETCRED_KEY_DIR, 0700);
		fd = open(SETCRED_KEY_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			int ok = getrandom(key, KEY_LEN, 0) == KEY_LEN &&
			         write(fd, key, KEY_LEN) == KEY_LEN && fsync(fd) == 0;

			close(fd);
			explicit_bzero(key, KEY_LEN);
			if (!ok) {
				unlink(SETCRED_KEY_FILE);
				return -1;
			}
		}
	}
	if (read_trusted_flags(SETCRED_KEY_FILE, KEY_LEN, TRUSTED_SECRET, &buf, &len, why,
	                       sizeof(why)) != 0)
		return -1;
	if (len != KEY_LEN) {
		explicit_bzero(buf, len);
		free(buf);
		return -1;
	}
	memcpy(key, buf, KEY_LEN);
	explicit_bzero(buf, len);
	free(buf);
	return 0;
}

static int compute_mac(const char *user, const char *groups, long long stamp, int create,
                       char hex[2 * 32 + 1])
{
	unsigned char key[KEY_LEN], mac[32];
	char msg[2048];
	size_t maclen = 0, i;
	int n, rc = -1;

	if (mac_key(key, create) != 0)
		return -1;
	n = snprintf(msg, sizeof(msg), "pam_jwt-setcred-v1%c%s%c%s%c%lld", 0, user, 0, groups, 0,
	             stamp);
	if (n > 0 && (size_t)n < sizeof(msg) &&
	    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, KEY_LEN, (unsigned char *)msg,
	              (size_t)n, mac, sizeof(mac), &maclen) != NULL && maclen == sizeof(mac)) {
		for (i = 0; i < sizeof(mac); i++)
			snprintf(hex + 2 * i, 3, "%02x", mac[i]);
		rc = 0;
	}
	explicit_bzero(key, sizeof(key));
	return rc;
}

int setcred_record(pam_handle_t *pamh, const struct jwt_result *res, time_t now)
{
	char buf[1400], hex[65];
	char *copy = strdup(res->groups);

	if (copy == NULL || pam_set_data(pamh, DATA_GROUPS, copy, free_data) != PAM_SUCCESS) {
		free(copy);
		return -1;
	}
	snprintf(buf, sizeof(buf), "PAM_JWT_ISS=%s", res->iss);
	pam_putenv(pamh, buf);
	snprintf(buf, sizeof(buf), "PAM_JWT_SUB=%s", res->sub);
	pam_putenv(pamh, buf);
	snprintf(buf, sizeof(buf), "PAM_JWT_GROUPS=%s", res->groups);
	pam_putenv(pamh, buf);
	if (compute_mac(res->user, res->groups, (long long)now, 1, hex) == 0) {
		snprintf(buf, sizeof(buf), "PAM_JWT_MAC=%lld:%s", (long long)now, hex);
		pam_putenv(pamh, buf);
	}
	return 0;
}

char *setcred_lookup(pam_handle_t *pamh, const char *user, time_t now)
{
	const void *data = NULL;
	const char *groups, *mac;
	char *end, hex[65];
	long long stamp;

	if (pam_get_data(pamh, DATA_GROUPS, &data) == PAM_SUCCESS && data != NULL)
		return strdup(data);
	groups = pam_getenv(pamh, "PAM_JWT_GROUPS");
	mac = pam_getenv(pamh, "PAM_JWT_MAC");
	if (groups == NULL || mac == NULL || user == NULL)
		return NULL;
	stamp = strtoll(mac, &end, 10);
	if (*end != ':' || stamp > (long long)now + 60 || (long long)now - stamp > SETCRED_MAX_AGE)
		return NULL;
	if (compute_mac(user, groups, stamp, 0, hex) != 0 || strlen(end + 1) != 64 ||
	    CRYPTO_memcmp(hex, end + 1, 64) != 0) {
		pam_syslog(pamh, LOG_WARNING, "PAM_JWT_MAC does not verify; ignoring PAM_JWT_GROUPS");
		return NULL;
	}
	return strdup(groups);
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
