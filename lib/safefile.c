/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

static int owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Check path and each ancestor directory (lstat: no symlinked dirs).  The
 * first directory checked (path itself with include_self, else the one the
 * file is in) is the one we read and create files in: it must be writable
 * by root alone, sticky or not, or any local user could plant the lock,
 * stamp or metadata file we then refuse.  Higher up, a sticky directory
 * such as /tmp is fine: nobody else can rename what root made in it. */
static int ancestors_ok(const char *path, int include_self, char *why, size_t whycap)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	struct stat st;
	char *slash;
	int first = 1;

	if (n == 0 || n >= sizeof(buf) || path[0] != '/') {
		snprintf(why, whycap, "path must be absolute");
		return -1;
	}
	memcpy(buf, path, n + 1);
	if (!include_self) {
		if ((slash = strrchr(buf, '/')) == buf)
			buf[1] = '\0';
		else
			*slash = '\0';
	}
	for (;;) {
		if (lstat(buf, &st) != 0) {
			snprintf(why, whycap, "%s: %s", buf, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(why, whycap, "%s is not a directory", buf);
			return -1;
		}
		if (!owner_ok(st.st_uid)) {
			snprintf(why, whycap, "directory %s is not owned by root", buf);
			return -1;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (first || !(st.st_mode & S_ISVTX))) {
			snprintf(why, whycap, "directory %s is writable by group or others%s", buf,
			         (st.st_mode & S_ISVTX) ? " (sticky is not enough here)" : "");
			return -1;
		}
		first = 0;
		if (strcmp(buf, "/") == 0)
			return 0;
		slash = strrchr(buf, '/');
		if (slash == buf)
			buf[1] = '\0';
		else
			*slash = '\0';
	}
}

int dir_trusted(const char *dir, char *why, size_t whycap)
{
	return ancestors_ok(dir, 1, why, whycap);
}

int open_trusted(const char *path, size_t max_size, int flags, char *why, size_t whycap)
{
	struct stat st;
	int fd;

	if (ancestors_ok(path, 0, why, whycap) != 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, whycap, "%s", errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whycap, "%s", strerror(errno));
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whycap, "not a regular file");
		goto bad;
	}
	if (!owner_ok(st.st_uid)) {
		snprintf(why, whycap, "not owned by root");
		goto bad;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whycap, "writable by group or others");
		goto bad;
	}
	if ((flags & TRUSTED_SECRET) && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(why, whycap, "secret readable by group or others (chmod 0600)");
		goto bad;
	}
	if ((size_t)st.st_size > max_size) {
		snprintf(why, whycap, "larger than %zu bytes", max_size);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

int read_fd_all(int fd, size_t max_size, char **buf, size_t *len, char *why, size_t whycap)
{
	char *p = NULL;
	size_t n = 0;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	if ((p = malloc(max_size + 1)) == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	/* Read up to one byte past the cap: the file may have grown since fstat. */
	for (;;) {
		ssize_t r = read(fd, p + n, max_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whycap, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max_size) {
			snprintf(why, whycap, "larger than %zu bytes", max_size);
			goto out;
		}
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
	rc = 0;
out:
	if (p != NULL) {
		explicit_bzero(p, max_size + 1);
		free(p);
	}
	return rc;
}

int read_trusted_flags(const char *path, size_t max_size, int flags, char **buf, size_t *len,
                       char *why, size_t whycap)
{
	int fd = open_trusted(path, max_size, flags, why, whycap), rc;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	rc = read_fd_all(fd, max_size, buf, len, why, whycap);
	close(fd);
	return rc;
}

int read_trusted(const char *path, size_t max_size, char **buf, size_t *len,
                 char *why, size_t whycap)
{
	return read_trusted_flags(path, max_size, 0, buf, len, why, whycap);
}

int write_atomic(const char *dir, const char *path, const char *data, size_t len, mode_t mode,
                 char *err, size_t errcap)
{
	char tmp[4200];
	size_t off = 0;
	int fd, dfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errcap, "%.300s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	snprintf(err, errcap, "writing %.300s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int lock_file(const char *path, long ms, int *waited, char *why, size_t whycap)
{
	struct stat st;
	long slept = 0;
	int fd;

	if (waited != NULL)
		*waited = 0;
	if (ancestors_ok(path, 0, why, whycap) != 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		snprintf(why, whycap, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !owner_ok(st.st_uid) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whycap, "%.200s: not a regular file writable by its owner only", path);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(why, whycap, "%.200s: cannot lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (slept >= ms) {
			snprintf(why, whycap, "%.200s: still locked after %ld ms", path, ms);
			close(fd);
			return -2;
		}
		if (waited != NULL)
			*waited = 1;
		poll(NULL, 0, 10);
		slept += 10;
	}
	return fd;
}

int make_private_dir(const char *dir, char *why, size_t whycap)
{
	char parent[4096], *slash;
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
			snprintf(why, whycap, "%.200s: %s", parent, strerror(errno));
			return -1;
		}
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whycap, "%.200s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0) {
		snprintf(why, whycap, "%.200s is not a root-only (0700) directory", dir);
		return -1;
	}
	return dir_trusted(dir, why, whycap);
}
