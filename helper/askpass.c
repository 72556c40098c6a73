/*
 * pam-jwt askpass: an SSH_ASKPASS program that types a token for ssh.
 *
 * The OpenSSH client keeps at most 1023 characters of any answer, so a
 * longer token is sent in parts: "Token: " gets the first 1023 characters,
 * each "Token (continued): " the next ones (pam_jwt joins them).  ssh runs
 * us once per prompt; the position is kept in a small per-connection state
 * file (never the token itself) in a private directory (state_dir).
 *
 *   SSH_ASKPASS="pam-jwt askpass" SSH_ASKPASS_REQUIRE=force \
 *   PAM_JWT_TOKEN_FILE=~/.cache/token ssh -o PreferredAuthentications=keyboard-interactive host
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "jwt.h"

#define PART_MAX 1023

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static char *load_token(size_t *len)
{
	const char *file = getenv("PAM_JWT_TOKEN_FILE"), *val = getenv("PAM_JWT_TOKEN");
	char *buf = NULL;
	size_t n = 0;

	if (file != NULL) {
		FILE *f = fopen(file, "re");

		if (f == NULL) {
			fprintf(stderr, "%s askpass: %s: %s\n", progname, file, strerror(errno));
			return NULL;
		}
		if ((buf = malloc(JWT_MAX_TOKEN + 2)) != NULL)
			n = fread(buf, 1, JWT_MAX_TOKEN + 1, f);
		fclose(f);
	} else if (val != NULL) {
		n = strlen(val);
		buf = n <= JWT_MAX_TOKEN ? strdup(val) : NULL;
	} else {
		fprintf(stderr, "%s askpass: set PAM_JWT_TOKEN_FILE or PAM_JWT_TOKEN\n", progname);
		return NULL;
	}
	if (buf == NULL || n > JWT_MAX_TOKEN) {
		fprintf(stderr, "%s askpass: token missing or longer than %d bytes\n", progname,
		        JWT_MAX_TOKEN);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	*len = n;
	return buf;
}

/*
 * The private state directory: $XDG_RUNTIME_DIR/pam-jwt, else
 * $HOME/.cache/pam-jwt (HOME from the environment, else the password
 * database).  Made 0700 if missing, then opened without following a
 * symlink and used only if it is a directory of ours that nobody else can
 * enter: never a name in a shared directory that someone else could take
 * first.  Returns its descriptor, or -1 (said why).
 */
static int state_dir(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	char path[4096];
	struct stat st;
	int fd;

	if (run != NULL && run[0] == '/') {
		snprintf(path, sizeof(path), "%s/pam-jwt", run);
	} else {
		struct passwd *pw;

		if ((home == NULL || home[0] != '/') && (pw = getpwuid(getuid())) != NULL)
			home = pw->pw_dir;
		if (home == NULL || home[0] != '/') {
			fprintf(stderr, "%s askpass: no XDG_RUNTIME_DIR and no home directory for "
			        "the state file\n", progname);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/.cache", home);
		(void)mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/.cache/pam-jwt", home);
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s askpass: cannot create %s: %s\n", progname, path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		fprintf(stderr, "%s askpass: unsafe state directory %s (%s): it must be a "
		        "directory of yours, mode 0700, not a symlink\n", progname, path,
		        fd < 0 ? strerror(errno) : "owner or mode");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Per-connection offset: ssh is our parent for every prompt of one login. */
static int state_fd(int dir, char *name, size_t cap)
{
	struct stat st;
	int fd;

	snprintf(name, cap, "askpass.%d", (int)getppid());
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != getuid() || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "%s askpass: unsafe state file %s\n", progname, name);
		return -1;
	}
	return fd;
}

static long read_offset(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static void write_offset(int fd, long off)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", off);

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		fprintf(stderr, "%s askpass: cannot save position\n", progname);
}

int cmd_askpass(int argc, char **argv)
{
	const char *prompt = argc > 1 ? argv[1] : "Token: ";
	char *tok;
	size_t len = 0, n;
	long off;
	int fd, dir = -1, rc = 1;
	char name[64];

	/* The device flow's first prompt takes a token too; its second prompt
	 * ("Press Enter once you have signed in") is for a human. */
	if (!ends_with(prompt, "Token: ") && !ends_with(prompt, "Token (continued): ") &&
	    !ends_with(prompt, "Token (or press Enter to sign in with a browser): ") &&
	    strstr(prompt, "assword") == NULL) {
		/* host key questions and the like are for a human */
		fprintf(stderr, "%s askpass: not answering \"%s\"\n", progname, prompt);
		return 1;
	}
	if ((tok = load_token(&len)) == NULL)
		return EXIT_USAGE;
	if ((dir = state_dir()) < 0 || (fd = state_fd(dir, name, sizeof(name))) < 0)
		goto out;
	off = ends_with(prompt, "Token (continued): ") ? read_offset(fd) : 0;
	if (off < 0 || (size_t)off > len)
		off = (long)len;
	n = len - (size_t)off < PART_MAX ? len - (size_t)off : PART_MAX;
	if (off == 0 && len > PART_MAX && strstr(prompt, "assword") != NULL)
		fprintf(stderr, "%s askpass: the token is %zu characters; password authentication "
		        "keeps %d: use -o PreferredAuthentications=keyboard-interactive\n",
		        progname, len, PART_MAX);
	fwrite(tok + off, 1, n, stdout);
	putchar('\n');
	if (n == PART_MAX)
		write_offset(fd, off + (long)n);
	else
		(void)unlinkat(dir, name, 0); /* a short part is the last: nothing follows */
	close(fd);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (dir >= 0)
		close(dir);
	explicit_bzero(tok, len);
	free(tok);
	return rc;
}
