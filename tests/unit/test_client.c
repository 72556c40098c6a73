/* pam-jwt-login's pieces without a provider: client.conf (rules, bindings,
 * audiences, errors naming file:line, unsafe files), the aud check on
 * what it hands out (token_fits), and the token cache's file rules. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64url.h"
#include "client.h"
#include "tap.h"

static char dir[] = "/tmp/pam_jwt_client.XXXXXX";
static char path[512], err[800];

static struct client_conf *load(const char *text, mode_t mode)
{
	int fd;

	snprintf(path, sizeof(path), "%s/client.conf", dir);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	fchmod(fd, mode);
	close(fd);
	err[0] = '\0';
	return client_conf_load(path, err, sizeof(err));
}

/* An unsigned compact token with this payload (token_fits never verifies). */
static const char *mint(const char *payload)
{
	static char out[2048];
	char body[1024];

	b64url_encode((const unsigned char *)payload, strlen(payload), body);
	snprintf(out, sizeof(out), "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", body);
	return out;
}

static void test_conf(void)
{
	struct client_conf *c;
	struct host_target t;

	c = load("[provider corp]\nissuer = https://id.example.com\nclient_id = cli\n"
	         "binding = exchange\n\n[host *.corp.example.com build0?]\nprovider = corp\n"
	         "one_time = yes\n[host legacy*]\nprovider = corp\nbinding = fixed\n"
	         "audience = legacy-hosts\n[host r*]\nbinding = resource\naudience = host/%h\n",
	         0600);
	ok(c != NULL, "a valid config loads (%s)", err);
	if (c == NULL)
		return;
	ok(client_target(c, "Build01.CORP.example.com", &t, err, sizeof(err)) == 0 &&
	           t.binding == BIND_EXCHANGE && t.one_time == 1,
	   "first matching rule, case-insensitive: exchange, one_time");
	is_str(t.audience, "ssh://build01.corp.example.com", "default audience ssh://%%h, lower case");
	ok(client_target(c, "build07", &t, err, sizeof(err)) == 0, "second pattern of a rule");
	ok(client_target(c, "legacy3", &t, err, sizeof(err)) == 0 && t.binding == BIND_FIXED &&
	           t.one_time == 0,
	   "fixed binding from the host rule");
	is_str(t.audience, "legacy-hosts", "fixed: the literal audience");
	ok(client_target(c, "r1", &t, err, sizeof(err)) == 0 && t.binding == BIND_RESOURCE,
	   "a rule without provider, one provider configured");
	is_str(t.audience, "host/r1", "audience template with %%h");
	ok(client_target(c, "elsewhere.example.org", &t, err, sizeof(err)) != 0,
	   "a host no rule names gets no target (%s)", err);
	ok(client_target(c, "a b", &t, err, sizeof(err)) != 0 &&
	           client_target(c, "-oProxyCommand=x", &t, err, sizeof(err)) != 0 &&
	           client_target(c, "", &t, err, sizeof(err)) != 0,
	   "names with spaces, a leading '-', or empty are refused");
	client_conf_free(c);

	ok(load("[provider p]\nissuer = http://id.example.com\nclient_id = c\n", 0600) == NULL &&
	           strstr(err, "https://") != NULL,
	   "an http:// issuer is refused (%s)", err);
	ok(load("[provider p]\nissuer = https://a\nclient_id = c\nbogus = 1\n", 0600) == NULL &&
	           strstr(err, "client.conf:4") != NULL,
	   "an unknown key names file:line (%s)", err);
	ok(load("[provider p]\nissuer = https://a\nclient_id = c\nbinding = magic\n", 0600) == NULL,
	   "an unknown binding is refused");
	ok(load("[provider p]\nissuer = https://a\nclient_id = c\n[host x]\nprovider = q\n", 0600) ==
	           NULL,
	   "a rule naming a missing provider is refused");
	ok(load("[provider p]\nissuer = https://a\nclient_id = c\n", 0666) == NULL &&
	           strstr(err, "writable") != NULL,
	   "a config others can write is refused (%s)", err);
	c = load("[provider p]\nissuer = https://a\nclient_id = c\n[host f]\nbinding = fixed\n", 0600);
	ok(c != NULL && client_target(c, "f", &t, err, sizeof(err)) != 0,
	   "fixed without an audience gives no target (%s)", err);
	client_conf_free(c);
}

static void test_fits(void)
{
	time_t now = time(NULL);
	char p[512];

	snprintf(p, sizeof(p), "{\"aud\":\"ssh://a\",\"exp\":%lld}", (long long)now + 60);
	ok(token_fits(mint(p), "ssh://a", now, 10, NULL), "aud string names the host");
	ok(!token_fits(mint(p), "ssh://b", now, 10, NULL), "another host's token does not fit");
	ok(!token_fits(mint(p), "ssh://a", now, 70, NULL), "too close to exp");
	snprintf(p, sizeof(p), "{\"aud\":[\"x\",\"ssh://a\"],\"exp\":%lld}", (long long)now + 60);
	ok(token_fits(mint(p), "ssh://a", now, 0, NULL), "aud array containing the host");
	snprintf(p, sizeof(p), "{\"aud\":\"ssh://a\"}");
	ok(!token_fits(mint(p), "ssh://a", now, 0, NULL), "no exp: does not fit");
	snprintf(p, sizeof(p), "{\"aud\":[1,null],\"exp\":%lld}", (long long)now + 60);
	ok(!token_fits(mint(p), "ssh://a", now, 0, NULL), "aud of the wrong types");
	ok(!token_fits("not-a-token", "ssh://a", now, 0, NULL) && !token_fits(NULL, NULL, now, 0, NULL),
	   "not a token, or none");
}

static void test_store(void)
{
	char run[600], sub[700];
	struct store s;
	struct stat st;

	snprintf(run, sizeof(run), "%s/run", dir);
	mkdir(run, 0700);
	setenv("XDG_RUNTIME_DIR", run, 1);
	ok(store_open("p", &s, err, sizeof(err)) == 0, "store opens (%s)", err);
	json_object_object_add(s.doc, "refresh_token", json_object_new_string("rt-secret"));
	ok(store_save(&s, err, sizeof(err)) == 0, "store saves");
	store_close(&s);
	snprintf(sub, sizeof(sub), "%s/pam-jwt/p.json", run);
	ok(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0600, "cache file is 0600");
	snprintf(sub, sizeof(sub), "%s/pam-jwt", run);
	ok(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "cache directory is 0700");
	chmod(sub, 0755);
	ok(store_open("p", &s, err, sizeof(err)) != 0, "a cache directory others can enter is refused");
	chmod(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/pam-jwt/q.json", run);
	ok(symlink("/etc/passwd", sub) == 0 && store_open("q", &s, err, sizeof(err)) != 0,
	   "a symlink in place of a cache file is refused (%s)", err);
	ok(store_wipe("p", err, sizeof(err)) == 0, "wipe");
	snprintf(sub, sizeof(sub), "%s/pam-jwt/p.json", run);
	ok(access(sub, F_OK) != 0, "wiped: the file is gone");
}

int main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 99;
	test_conf();
	test_fits();
	test_store();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
