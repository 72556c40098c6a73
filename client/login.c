/*
 * pam-jwt-login: sign in once on the workstation, then print host-bound
 * tokens for ssh (through pam-jwt-askpass), scripts and desktop codes.
 *
 *   pam-jwt-login [--provider NAME] [--device] [--no-browser]   sign in
 *   pam-jwt-login --token HOST [--connection ID]    a token for HOST alone
 *   pam-jwt-login --rdp HOST [--start]              a desktop code for HOST
 *   pam-jwt-login --status | --logout
 *
 * Exit 0 done; 1 no token (not signed in, refused, provider unreachable),
 * one line on stderr saying what to do; 2 usage or configuration error.
 * Tokens go to stdout only; the refresh token never leaves the cache.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cmds.h"
#include "http.h"
#include "json.h"
#include "jwt.h"

#define HOST_TOKEN_MARGIN 10 /* seconds a cached host token must still be valid */
#define SIGNIN_AGAIN "sign in again: pam-jwt-login"

const char *progname = "pam-jwt-login";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--provider NAME] [--device] [--no-browser] [--timeout SECONDS]\n"
	        "       %s --token HOST\n"
	        "       %s --rdp HOST [--start]\n"
	        "       %s --status | --logout [--provider NAME]\n"
	        "Common: --config PATH (default ~/.config/pam-jwt/client.conf, then\n"
	        "        /etc/pam-jwt/client.conf)\n",
	        progname, progname, progname, progname);
}

static const char *str_of(json_object *o, const char *key)
{
	const char *s = NULL;

	return jwt_json_get_str(o, key, JWT_MAX_TOKEN, &s, NULL) == JWT_JSON_OK ? s : NULL;
}

/* The audiences of the literal (wildcard-free) hosts this provider signs
 * in for by resource indicators: asked for at sign-in (RFC 8707). */
#define RESOURCES_MAX 64

static const char **literal_resources(const struct client_conf *c, const struct provider *p)
{
	const char **out = calloc(RESOURCES_MAX + 1, sizeof(*out));
	static char bufs[RESOURCES_MAX][CLIENT_HOST_MAX + 64];
	size_t i, j, n = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < c->n_hosts; i++)
		for (j = 0; j < c->hosts[i].n_patterns && n < RESOURCES_MAX; j++) {
			struct host_target t;
			char err[200];
			const char *pat = c->hosts[i].patterns[j];

			if (strpbrk(pat, "*?[") != NULL || client_target(c, pat, &t, err, sizeof(err)) != 0 ||
			    t.p != p || t.binding != BIND_RESOURCE)
				continue;
			snprintf(bufs[n], sizeof(bufs[n]), "%s", t.audience);
			out[n] = bufs[n];
			n++;
		}
	return out;
}

static int cmd_signin(const struct client_conf *c, const char *name, struct signin_opts *o)
{
	const struct provider *p = client_provider(c, name);
	char err[800], until[64] = "";
	struct store s;
	const char **res = NULL;
	int rc = EXIT_REJECTED;

	if (p == NULL) {
		fprintf(stderr, "%s: no [provider %s] in client.conf\n", progname, name);
		return EXIT_USAGE;
	}
	if (store_open(p->name, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return EXIT_REJECTED;
	}
	if (p->binding == BIND_RESOURCE || p->binding == BIND_UNSET)
		o->resources = res = literal_resources(c, p);
	if (oidc_signin(p, o, s.doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: sign-in failed: %s\n", progname, err);
	} else if (store_save(&s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
	} else {
		json_object *v = jwt_json_member(s.doc, "session_until");
		int64_t u = 0;

		if (jwt_json_as_int(v, 1, INT64_MAX / 2, &u) == JWT_JSON_OK) {
			time_t tt = (time_t)u;
			struct tm tm;

			strftime(until, sizeof(until), ", until %H:%M", localtime_r(&tt, &tm));
		}
		printf("Signed in as %s (%s)%s.\n", str_of(s.doc, "name") ? str_of(s.doc, "name") : "?",
		       p->name, until);
		rc = 0;
	}
	free(res);
	store_close(&s);
	return rc;
}

/* Drop the per-connection tokens whose time is over. */
static void prune(json_object *conns, time_t now)
{
	int again = 1;

	while (again) {
		again = 0;
		json_object_object_foreach(conns, key, val) {
			int64_t exp = 0;

			if (jwt_json_get_int(val, "exp", 0, INT64_MAX / 2, &exp) != JWT_JSON_OK ||
			    exp <= (long long)now) {
				json_wipe(val);
				json_object_object_del(conns, key);
				again = 1;
				break;
			}
		}
	}
}

static json_object *member_obj(json_object *doc, const char *key)
{
	json_object *o = NULL;

	if (jwt_json_get_object(doc, key, &o) != JWT_JSON_OK) {
		o = json_object_new_object();
		json_object_object_add(doc, key, o);
	}
	return o;
}

static void remember(json_object *table, const char *key, const char *tok, long long exp)
{
	json_object *e = json_object_new_object();

	json_object_object_add(e, "token", json_object_new_string(tok));
	json_object_object_add(e, "exp", json_object_new_int64(exp));
	json_wipe(jwt_json_member(table, key));
	json_object_object_add(table, key, e);
}

/* A token for host into *out (malloc'ed).  Returns the exit code. */
static int host_token(const struct client_conf *c, const char *host, const char *conn, char **out)
{
	struct host_target t;
	struct store s;
	char err[800], key[600];
	json_object *hosts, *conns;
	const char *cached;
	long long exp = 0;
	time_t now = time(NULL);
	enum oidc_result r;
	int rc = EXIT_REJECTED;

	*out = NULL;
	if (client_target(c, host, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return EXIT_USAGE;
	}
	if (store_open(t.p->name, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return EXIT_REJECTED;
	}
	hosts = member_obj(s.doc, "hosts");
	conns = member_obj(s.doc, "conns");
	prune(conns, now);
	snprintf(key, sizeof(key), "%s %s", t.audience, conn != NULL ? conn : "");
	/* The parts of one long token go to one connection: the same token. */
	if (conn != NULL && (cached = str_of(jwt_json_member(conns, key), "token")) != NULL &&
	    token_fits(cached, t.audience, now, 0, NULL)) {
		*out = strdup(cached);
		rc = *out != NULL ? 0 : EXIT_REJECTED;
		goto out;
	}
	if (!t.one_time && (cached = str_of(jwt_json_member(hosts, t.audience), "token")) != NULL &&
	    token_fits(cached, t.audience, now, HOST_TOKEN_MARGIN, &exp)) {
		if ((*out = strdup(cached)) == NULL)
			goto out;
	} else {
		r = oidc_host_token(&t, s.doc, out, &exp, err, sizeof(err));
		if (r == OIDC_SIGNIN) {
			(void)store_save(&s, err, sizeof(err));
			fprintf(stderr, "%s\n", SIGNIN_AGAIN);
			goto out;
		}
		if (r == OIDC_UNREACHABLE) {
			(void)store_save(&s, err, sizeof(err)); /* a rotated refresh token, maybe */
			fprintf(stderr, "%s: the provider cannot be reached (%s); try again later\n",
			         progname, err);
			goto out;
		}
		if (r != OIDC_OK) {
			(void)store_save(&s, err, sizeof(err));
			fprintf(stderr, "%s: no token for %s: %s\n", progname, host, err);
			goto out;
		}
		if (!t.one_time)
			remember(hosts, t.audience, *out, exp);
	}
	if (conn != NULL)
		remember(conns, key, *out, exp);
	if (store_save(&s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && *out != NULL) {
		explicit_bzero(*out, strlen(*out));
		free(*out);
		*out = NULL;
	}
	store_close(&s);
	return rc;
}

static int cmd_token(const struct client_conf *c, const char *host, const char *conn)
{
	char *tok = NULL;
	int rc = host_token(c, host, conn, &tok);

	if (rc == 0) {
		fputs(tok, stdout);
		putchar('\n');
		rc = fflush(stdout) == 0 ? 0 : EXIT_REJECTED;
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
	return rc;
}

static int show_status(const struct client_conf *c, const char *name)
{
	size_t i;
	int rc = EXIT_REJECTED;

	for (i = 0; i < c->n_providers; i++) {
		const struct provider *p = &c->providers[i];
		struct store s;
		char err[600];
		json_object *hosts;
		time_t now = time(NULL);
		size_t valid = 0;

		if (name != NULL && strcmp(name, p->name) != 0)
			continue;
		if (store_open(p->name, &s, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", progname, err);
			continue;
		}
		if (str_of(s.doc, "refresh_token") == NULL && str_of(s.doc, "access_token") == NULL) {
			printf("%s: not signed in\n", p->name);
		} else {
			if (jwt_json_get_object(s.doc, "hosts", &hosts) == JWT_JSON_OK) {
				json_object_object_foreach(hosts, key, val) {
					(void)key;
					if (token_fits(str_of(val, "token"), NULL, now, 0, NULL))
						valid++;
				}
			}
			printf("%s: signed in as %s at %s%s; %zu host token%s cached\n", p->name,
			       str_of(s.doc, "name") ? str_of(s.doc, "name") : "?", p->issuer,
			       str_of(s.doc, "refresh_token") ? " (renewable)" : "", valid,
			       valid == 1 ? "" : "s");
			rc = 0;
		}
		store_close(&s);
	}
	return rc;
}

static int cmd_logout(const struct client_conf *c, const char *name)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->n_providers; i++) {
		char err[600];

		if (name != NULL && strcmp(name, c->providers[i].name) != 0)
			continue;
		if (store_wipe(c->providers[i].name, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", progname, err);
			rc = EXIT_REJECTED;
		}
	}
	if (rc == 0)
		printf("Signed out: the cached tokens are gone.\n");
	return rc;
}

/* A desktop code: one token for the ssh login (pam-jwt-ssh asks for it),
 * another on the remote command's stdin, traded by `pam-jwt desktop-code`. */
static int cmd_rdp(const struct client_conf *c, const char *host, int start)
{
	const char *ssh = getenv("PAM_JWT_SSH");
	char *tok = NULL, code[256];
	int in[2], outp[2], status = 0, rc;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	struct host_target t;

	if (ssh == NULL || ssh[0] == '\0')
		ssh = BINDIR "/pam-jwt-ssh";
	if (client_target(c, host, &t, code, sizeof(code)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, code);
		return EXIT_USAGE;
	}
	if ((rc = host_token(c, host, NULL, &tok)) != 0)
		return rc;
	if (pipe(in) != 0 || pipe(outp) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", progname, strerror(errno));
		rc = EXIT_REJECTED;
		goto out;
	}
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
		execl(ssh, "pam-jwt-ssh", "--", host, t.desktop_code_command, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	signal(SIGPIPE, SIG_IGN);
	if (pid > 0) {
		if (write(in[1], tok, strlen(tok)) < 0 || write(in[1], "\n", 1) < 0) {
			/* the child's exit status tells */
		}
	}
	close(in[1]);
	while (got + 1 < sizeof(code) && (n = read(outp[0], code + got, sizeof(code) - 1 - got)) > 0)
		got += (size_t)n;
	code[got] = '\0';
	close(outp[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got == 0) {
		fprintf(stderr, "%s: no desktop code from %s (ssh %s: status %d)\n", progname, host,
		        ssh, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rc = EXIT_REJECTED;
		goto out;
	}
	code[strcspn(code, "\r\n")] = '\0';
	if (!start) {
		printf("%s\n", code);
		rc = 0;
	} else {
		/* xfreerdp reads the password from stdin with /from-stdin */
		FILE *f = popen("exec xfreerdp /from-stdin:force /cert:tofu \"/v:$PAM_JWT_RDP_HOST\"", "w");

		setenv("PAM_JWT_RDP_HOST", host, 1);
		rc = f != NULL && fprintf(f, "%s\n", code) > 0 && pclose(f) == 0 ? 0 : EXIT_REJECTED;
	}
	explicit_bzero(code, sizeof(code));
out:
	explicit_bzero(tok, strlen(tok));
	free(tok);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "provider", required_argument, NULL, 'p' },
		{ "device", no_argument, NULL, 'd' },
		{ "no-browser", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "token", required_argument, NULL, 't' },
		{ "connection", required_argument, NULL, 'C' },
		{ "rdp", required_argument, NULL, 'r' },
		{ "start", no_argument, NULL, 's' },
		{ "status", no_argument, NULL, 'S' },
		{ "logout", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const char *config = NULL, *provider = NULL, *host = NULL, *conn = NULL;
	struct signin_opts o = { .timeout = 300 };
	struct client_conf *c;
	char err[800];
	int opt, mode = 0, start = 0, rc;

	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "";
	if (strcmp(base, "pam-jwt-askpass") == 0)
		return cmd_askpass(argc, argv);
	umask(077);
	while ((opt = getopt_long(argc, argv, "c:p:dnT:t:C:r:sSLhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'p': provider = optarg; break;
		case 'd': o.device = 1; break;
		case 'n': o.no_browser = 1; break;
		case 'T':
			o.timeout = atoi(optarg);
			if (o.timeout < 5 || o.timeout > 3600) {
				fprintf(stderr, "%s: --timeout is 5 to 3600 seconds\n", progname);
				return EXIT_USAGE;
			}
			break;
		case 't': host = optarg, mode = 't'; break;
		case 'C': conn = optarg; break;
		case 'r': host = optarg, mode = 'r'; break;
		case 's': start = 1; break;
		case 'S': mode = 'S'; break;
		case 'L': mode = 'L'; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((c = client_conf_load(config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return EXIT_USAGE;
	}
	if (http_init() != 0) {
		fprintf(stderr, "%s: libcurl initialisation failed\n", progname);
		client_conf_free(c);
		return EXIT_REJECTED;
	}
	switch (mode) {
	case 't': rc = cmd_token(c, host, conn); break;
	case 'r': rc = cmd_rdp(c, host, start); break;
	case 'S': rc = show_status(c, provider); break;
	case 'L': rc = cmd_logout(c, provider); break;
	default: rc = cmd_signin(c, provider, &o); break;
	}
	http_cleanup();
	client_conf_free(c);
	return rc;
}
