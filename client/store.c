/*
 * The token cache of pam-jwt-login: $XDG_RUNTIME_DIR/pam-jwt (a tmpfs that
 * ends with the user's last session), else $XDG_CACHE_HOME/pam-jwt or
 * ~/.cache/pam-jwt.  The directory is 0700 and must be the user's own; each
 * provider has PROFILE.json (0600: the session's tokens, the refresh token,
 * endpoints, host tokens) and PROFILE.lock.
 *
 * Every reader and writer holds an exclusive flock on PROFILE.lock for the
 * whole read-renew-write, so ten ssh connections at once neither corrupt
 * the file nor spend one rotating refresh token twice.  Writes go to a
 * fresh mkstemp name (O_EXCL, no symlink followed) that is renamed over.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "json.h"

#define STORE_MAX (512 * 1024)
#define LOCK_WAIT_MS 30000

static int owned_private(const struct stat *st, int dir)
{
	return (dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode)) && st->st_uid == getuid() &&
	       (st->st_mode & 077) == 0;
}

static int make_dir(const char *path, char *err, size_t errcap)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) != 0 || !owned_private(&st, 1)) {
		snprintf(err, errcap, "%s: refused: not a directory of mode 0700 owned by uid %u",
		         path, (unsigned)getuid());
		return -1;
	}
	return 0;
}

int store_dir(char *dir, size_t cap, char *err, size_t errcap)
{
	const char *run = getenv("XDG_RUNTIME_DIR"), *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char base[512];
	struct stat st;

	if (run != NULL && run[0] == '/' && stat(run, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && (st.st_mode & 077) == 0) {
		snprintf(base, sizeof(base), "%s", run);
	} else if (cache != NULL && cache[0] == '/') {
		snprintf(base, sizeof(base), "%s", cache);
	} else if (home != NULL && home[0] == '/') {
		snprintf(base, sizeof(base), "%s/.cache", home);
		if (mkdir(base, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errcap, "%s: %s", base, strerror(errno));
			return -1;
		}
	} else {
		snprintf(err, errcap, "neither XDG_RUNTIME_DIR nor HOME is set");
		return -1;
	}
	if ((size_t)snprintf(dir, cap, "%s/pam-jwt", base) >= cap) {
		snprintf(err, errcap, "cache directory name too long");
		return -1;
	}
	return make_dir(dir, err, errcap);
}

static int take_lock(const char *path, char *err, size_t errcap)
{
	struct stat st;
	long waited;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || fstat(fd, &st) != 0 || !owned_private(&st, 0)) {
		snprintf(err, errcap, "%s: refused (not a private file of ours)", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 20) {
		struct timespec ts = { 0, 20 * 1000000L };

		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			snprintf(err, errcap, "%s: cannot lock the token cache", path);
			close(fd);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

static json_object *read_doc(const char *path, char *err, size_t errcap)
{
	struct stat st;
	json_object *doc = NULL;
	char *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return json_object_new_object();
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !owned_private(&st, 0) || st.st_size > STORE_MAX) {
		snprintf(err, errcap, "%s: refused (not a private file of ours, or too large)", path);
	} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errcap, "out of memory");
	} else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		snprintf(err, errcap, "%s: short read", path);
	} else if ((doc = jwt_json_parse(buf, (size_t)n, 8)) == NULL || !jwt_json_is_object(doc)) {
		json_object_put(doc);
		doc = NULL;
		snprintf(err, errcap, "%s: unreadable; run pam-jwt-login --logout, then sign in", path);
	}
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
	close(fd);
	return doc;
}

int store_open(const char *profile, struct store *s, char *err, size_t errcap)
{
	char lock[700];

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (store_dir(s->dir, sizeof(s->dir), err, errcap) != 0)
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/%s.json", s->dir, profile);
	snprintf(lock, sizeof(lock), "%s/%s.lock", s->dir, profile);
	if ((s->lock_fd = take_lock(lock, err, errcap)) < 0)
		return -1;
	if ((s->doc = read_doc(s->path, err, errcap)) == NULL) {
		close(s->lock_fd);
		s->lock_fd = -1;
		return -1;
	}
	return 0;
}

int store_save(struct store *s, char *err, size_t errcap)
{
	char tmp[700];
	const char *text = json_object_to_json_string_ext(s->doc, JSON_C_TO_STRING_PLAIN |
	                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = text != NULL ? strlen(text) : 0, done = 0;
	int fd, rc = -1;

	if (text == NULL) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", s->path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) { /* O_EXCL, mode 0600 */
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done != len || fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, s->path) != 0) {
		snprintf(err, errcap, "%s: %s", s->path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	/* json-c keeps the serialized text with the object: wipe it now */
	explicit_bzero((void *)(uintptr_t)text, len);
	return rc;
}

void json_wipe(json_object *o)
{
	const char *str;
	size_t i, n;

	if (o == NULL)
		return;
	if (jwt_json_as_str(o, (size_t)-1, &str, NULL) == JWT_JSON_OK) {
		explicit_bzero((void *)(uintptr_t)str, strlen(str));
	} else if (jwt_json_is_object(o)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			json_wipe(val);
		}
	} else if (jwt_json_is_array(o)) {
		for (i = 0, n = jwt_json_array_len(o); i < n; i++)
			json_wipe(jwt_json_elem(o, i));
	}
}

void store_close(struct store *s)
{
	json_wipe(s->doc);
	json_object_put(s->doc);
	s->doc = NULL;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int store_wipe(const char *profile, char *err, size_t errcap)
{
	struct store s;
	struct stat st;
	int fd, rc = 0;

	if (store_open(profile, &s, err, errcap) != 0)
		return -1;
	/* Overwrite before unlinking: ~/.cache may be on a disk. */
	if ((fd = open(s.path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &st) == 0 && owned_private(&st, 0)) {
			static const char zero[4096];
			off_t left = st.st_size;

			while (left > 0) {
				ssize_t n = write(fd, zero, left > 4096 ? 4096 : (size_t)left);

				if (n <= 0)
					break;
				left -= n;
			}
			(void)fsync(fd);
		}
		close(fd);
	}
	if (unlink(s.path) != 0 && errno != ENOENT) {
		snprintf(err, errcap, "%s: %s", s.path, strerror(errno));
		rc = -1;
	}
	store_close(&s);
	return rc;
}
