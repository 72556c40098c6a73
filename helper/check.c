/* pam-jwt check: the module's decision, explained step by step. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "conf.h"
#include "jwt.h"
#include "text.h"

/* Enough to see (and refuse) an oversized token rather than cut it. */
#define READ_MAX (JWT_MAX_TOKEN * 16)

static void print_step(void *ctx, int level, const char *msg)
{
	static const char *const tag[] = { "error", "warning", "info", "step" };

	(void)ctx;
	jwt_print_line(stdout, "  %-7s %s\n", tag[level & 3], msg);
}

static char *read_token(FILE *f, size_t *len)
{
	char *buf = malloc(READ_MAX + 1);
	size_t n = 0, r;

	if (buf == NULL)
		return NULL;
	while (n < READ_MAX && (r = fread(buf + n, 1, READ_MAX - n, f)) > 0)
		n += r;
	buf[n] = '\0';
	*len = n;
	return buf;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "at", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = JWT_DEFAULT_CONFIG, *user = NULL;
	struct jwt_config *cfg = NULL;
	struct jwt_result res;
	struct jwt_log log = { print_step, NULL, 1 };
	char err[512], *tok = NULL, *end;
	size_t len = 0;
	time_t now = time(NULL);
	int c, quiet = 0, rc = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "c:u:t:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 't':
			errno = 0;
			now = (time_t)strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || now < 0) {
				jwt_print_line(stderr, "%s check: --at wants seconds since 1970\n",
				               progname);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			printf("Usage: %s check [--config PATH] [--user NAME] [--at UNIXTIME] "
			       "[--quiet] [TOKEN | -]\n", progname);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		jwt_print_line(stderr, "%s check: one token at most\n", progname);
		return EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		tok = strdup(argv[optind]);
		len = tok != NULL ? strlen(tok) : 0;
	} else {
		tok = read_token(stdin, &len);
	}
	if (tok == NULL) {
		jwt_print_line(stderr, "%s check: out of memory\n", progname);
		return EXIT_USAGE;
	}
	/* A pasted token usually ends in a newline; whitespace is never part of it. */
	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
		tok[--len] = '\0';
	if ((cfg = jwt_config_load(path, err, sizeof(err))) == NULL) {
		jwt_print_line(stderr, "%s check: %s\n", progname, err);
		goto out;
	}
	log.debug = !quiet;
	if (!quiet)
		jwt_print_line(stdout, "checking a %zu-character credential against %s%s%s\n", len,
		               path, user != NULL ? " for user " : "", user != NULL ? user : "");
	jwt_verify(cfg, tok, len, user, now, quiet ? NULL : &log, NULL, &res);
	if (res.verdict == JWT_OK) {
		jwt_print_line(stdout, "ACCEPTED: user %s, issuer %s, kid \"%s\", %s%s%s\n",
		               res.user, res.issuer_name, res.kid, res.alg,
		               res.groups[0] ? ", local groups: " : "", res.groups);
		rc = 0;
	} else {
		jwt_print_line(stdout, "REJECTED (%s): %s\n", jwt_verdict_name(res.verdict),
		               res.reason);
		rc = res.verdict == JWT_CONFIG ? EXIT_USAGE : EXIT_REJECTED;
	}
out:
	if (tok != NULL) {
		explicit_bzero(tok, len);
		free(tok);
	}
	jwt_config_free(cfg);
	return rc;
}
