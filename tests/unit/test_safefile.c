/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "tap.h"

static char dir[] = "/tmp/pam_jwt_safefile.XXXXXX";
static char why[256];

static void put(const char *name, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	fchmod(fd, mode);
	close(fd);
}

static int rd(const char *name, size_t max, int flags)
{
	char p[256], *buf = NULL;
	size_t len;
	int rc;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	rc = read_trusted_flags(p, max, flags, &buf, &len, why, sizeof(why));
	free(buf);
	if (rc != 0)
		printf("# %s: %s\n", name, why);
	return rc;
}

int main(void)
{
	char p[256], q[256];

	if (mkdtemp(dir) == NULL)
		return 99;
	chmod(dir, 0755);
	put("good", "hello", 0644);
	ok(rd("good", 100, 0) == 0, "root-owned 0644 file in a safe directory");
	ok(rd("good", 4, 0) != 0, "size cap");
	ok(rd("good", 100, TRUSTED_SECRET) != 0, "secret must not be world-readable");
	put("secret", "s3cr3t", 0600);
	ok(rd("secret", 100, TRUSTED_SECRET) == 0, "0600 secret");
	put("gw", "x", 0664);
	ok(rd("gw", 100, 0) != 0, "group-writable file refused");
	put("ow", "x", 0646);
	ok(rd("ow", 100, 0) != 0, "world-writable file refused");
	snprintf(p, sizeof(p), "%s/good", dir);
	snprintf(q, sizeof(q), "%s/link", dir);
	ok(symlink(p, q) == 0 && rd("link", 100, 0) != 0, "symlink refused (O_NOFOLLOW)");
	{
		char *buf = NULL;
		size_t len;

		ok(read_trusted("relative", 100, &buf, &len, why, sizeof(why)) != 0 && buf == NULL,
		   "relative path refused");
	}
	snprintf(q, sizeof(q), "%s/sub", dir);
	mkdir(q, 0777);
	chmod(q, 0777);
	snprintf(q, sizeof(q), "%s/sub/f", dir);
	{
		int fd = open(q, O_WRONLY | O_CREAT, 0644);

		close(fd);
	}
	ok(rd("sub/f", 100, 0) != 0, "file in a world-writable directory refused");
	snprintf(q, sizeof(q), "%s/sub", dir);
	chmod(q, 01777);
	ok(rd("sub/f", 100, 0) != 0, "file directly in a sticky world-writable directory refused");
	{
		char lp[600];

		snprintf(lp, sizeof(lp), "%s/sub/NAME.lock", dir);
		ok(lock_file(lp, 0, NULL, why, sizeof(why)) == -1 && access(lp, F_OK) != 0,
		   "no lock file created in a sticky world-writable directory (%s)", why);
		ok(dir_trusted(q, why, sizeof(why)) != 0, "dir_trusted: sticky cache dir refused");
	}
	snprintf(q, sizeof(q), "%s/sub/deeper", dir);
	mkdir(q, 0755);
	snprintf(q, sizeof(q), "%s/sub/deeper/f", dir);
	{
		int fd = open(q, O_WRONLY | O_CREAT, 0644);

		close(fd);
	}
	ok(rd("sub/deeper/f", 100, 0) == 0, "sticky world-writable ancestor (like /tmp) allowed");
	snprintf(q, sizeof(q), "%s/sub/deeper", dir);
	ok(dir_trusted(q, why, sizeof(why)) == 0, "dir_trusted: safe dir under /tmp-like parent");
	snprintf(q, sizeof(q), "%s/sub/deeper/f", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/sub/deeper", dir);
	rmdir(q);
	ok(rd("missing", 100, 0) != 0, "missing file");
	ok(dir_trusted(dir, why, sizeof(why)) == 0, "dir_trusted on a safe dir");

	{
		char lp[600];
		int a, b, waited = -1;

		snprintf(lp, sizeof(lp), "%s/the.lock", dir);
		a = lock_file(lp, 0, &waited, why, sizeof(why));
		ok(a >= 0 && waited == 0, "lock_file creates and locks");
		b = lock_file(lp, 50, &waited, why, sizeof(why));
		ok(b == -2 && waited == 1, "held lock: -2 after the wait (%s)", why);
		close(a);
		b = lock_file(lp, 50, &waited, why, sizeof(why));
		ok(b >= 0 && waited == 0, "released lock can be taken");
		close(b);
		chmod(lp, 0622);
		ok(lock_file(lp, 0, NULL, why, sizeof(why)) == -1, "group-writable lock file refused");
		unlink(lp);
		snprintf(q, sizeof(q), "%s/ok", dir);
		ok(symlink(q, lp) == 0 && lock_file(lp, 0, NULL, why, sizeof(why)) == -1,
		   "symlinked lock file refused");
		unlink(lp);
	}

	snprintf(q, sizeof(q), "%s/sub/f", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/sub", dir);
	rmdir(q);
	snprintf(q, sizeof(q), "%s/link", dir);
	unlink(q);
	snprintf(q, sizeof(q), "rm -rf %s", dir);
	if (system(q) != 0)
		return 99;
	return tap_done();
}
