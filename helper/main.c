/* SPDX-License-Identifier: BSD-2-Clause */
/* pam-jwt: the administrator's tool for pam_jwt. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"

const char *progname = "pam-jwt";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s COMMAND [OPTIONS]\n"
	        "\n"
	        "Commands:\n"
	        "  check [--config PATH] [--user NAME] [--at UNIXTIME] [TOKEN | -]\n"
	        "        Run the module's exact verification on a token and explain the verdict.\n"
	        "        Reads the token from standard input when TOKEN is - or absent\n"
	        "        (prefer this: arguments are visible to other users in ps).\n"
	        "        Exit 0 accepted, 1 rejected, 2 usage or configuration error.\n"
	        "  refresh [--config PATH] [--issuer NAME] [--force] [--quiet]\n"
	        "        Fetch each issuer's keys (OpenID discovery, JWKS over HTTPS) into\n"
	        "        the cache.  Issuers whose cache is still fresh are skipped unless\n"
	        "        --force.  Exit 0 all fresh, 1 a fetch failed (old keys kept), 2 usage.\n"
	        "  status [--config PATH]\n"
	        "        Per issuer: key source, cached kids and algorithms, age, expiry and\n"
	        "        the last refresh error.  Exit 0 when every issuer has usable keys.\n"
	        "  device [--config PATH] --issuer NAME\n"
	        "        The OAuth device authorization grant for pam_jwt.so, which runs it\n"
	        "        itself (a line protocol on stdin/stdout; see pam-jwt(8)).\n"
	        "  askpass [PROMPT]\n"
	        "        SSH_ASKPASS program: answers \"Token: \" and \"Token (continued): \"\n"
	        "        with successive 1023-character parts of $PAM_JWT_TOKEN_FILE (or\n"
	        "        $PAM_JWT_TOKEN), so tokens longer than ssh allows still log in.\n"
	        "  desktop-code [--socket PATH] [--token-file FILE | -]\n"
	        "        Trade a token for a one-time desktop code (the RDP password), from\n"
	        "        pam-jwt-desktop-code.socket.  Root: --list [USER], --revoke USER [ID].\n"
	        "\n"
	        "Options:\n"
	        "  -h, --help       this help\n"
	        "  -V, --version    print the version\n"
	        "\n"
	        "Default configuration: %s\n",
	        progname, "/etc/security/pam_jwt.conf");
}

/* The command's argv, whose argv[0] getopt names in its messages:
 * "pam-jwt check: unrecognized option". */
static char **cmd_argv(char **argv)
{
	static char name[64];

	snprintf(name, sizeof(name), "%s %s", progname, argv[1]);
	argv[1] = name;
	return argv + 1;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;

	/* SSH_ASKPASS takes a program, not a command line: pam-jwt-askpass. */
	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "";
	if (strcmp(base, "pam-jwt-askpass") == 0)
		return cmd_askpass(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, cmd_argv(argv));
	if (strcmp(argv[1], "refresh") == 0)
		return cmd_refresh(argc - 1, cmd_argv(argv));
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, cmd_argv(argv));
	if (strcmp(argv[1], "desktop-code") == 0)
		return cmd_desktop_code(argc - 1, cmd_argv(argv));
	if (strcmp(argv[1], "device") == 0)
		return cmd_device(argc - 1, cmd_argv(argv));
	if (strcmp(argv[1], "askpass") == 0)
		return cmd_askpass(argc - 1, cmd_argv(argv));
	fprintf(stderr, "%s: unknown command \"%s\" (try --help)\n", progname, argv[1]);
	return EXIT_USAGE;
}
