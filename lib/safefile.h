/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening files that decide who may log in: config, key cache, secrets. */
#ifndef PAM_JWT_SAFEFILE_H
#define PAM_JWT_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

#define TRUSTED_SECRET 1  /* also refuse any group/other read permission */

/*
 * Open `path` read-only if it is absolute, not a symlink, a regular file of
 * at most max_size bytes, owned by root (or by the caller's euid), not
 * writable by group or other, the directory it is in is owned by root/euid
 * and writable by nobody else (sticky or not), and every higher ancestor
 * is owned by root/euid and not group/other-writable unless sticky.
 * Returns an fd or
 * -1 with a short reason in why.
 */
int open_trusted(const char *path, size_t max_size, int flags, char *why, size_t whycap);

/* open_trusted + read all; *buf is NUL-terminated and must be freed
 * (explicit_bzero first if it held a secret). */
int read_trusted(const char *path, size_t max_size, char **buf, size_t *len,
                 char *why, size_t whycap);
int read_trusted_flags(const char *path, size_t max_size, int flags, char **buf, size_t *len,
                       char *why, size_t whycap);

/* Read what is left of fd (at most max_size bytes) into a NUL-terminated
 * *buf the caller frees.  0, or -1 with why. */
int read_fd_all(int fd, size_t max_size, char **buf, size_t *len, char *why, size_t whycap);

/* Replace path (in dir) atomically: temp file beside it, mode, fsync,
 * rename, fsync the directory.  A crash leaves the old or the new file,
 * never a mix.  0, or -1 with why. */
int write_atomic(const char *dir, const char *path, const char *data, size_t len, mode_t mode,
                 char *why, size_t whycap);

/* Open (creating it 0600) a lock file that must be a regular file owned by
 * root or the caller and writable by nobody else, never through a symlink,
 * and take an exclusive flock on it, waiting at most ms milliseconds.
 * Returns the descriptor (closing it unlocks); -1 on error, -2 when the
 * wait ran out (why says which).  *waited (may be NULL) tells whether
 * another holder had to be waited for. */
int lock_file(const char *path, long ms, int *waited, char *why, size_t whycap);

/* Directory checks alone (for the cache dir before writing into it): dir
 * itself writable by root alone, ancestors as for open_trusted. */
int dir_trusted(const char *dir, char *why, size_t whycap);

/* Make dir (0700, and its parent 0755 if missing) unless it exists; then
 * it must be a root-owned directory nobody else can enter, under trusted
 * ancestors.  0, or -1 with why. */
int make_private_dir(const char *dir, char *why, size_t whycap);

#endif
