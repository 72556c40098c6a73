/*
 * client.conf: which provider signs in for which hosts, and how a token is
 * bound to one host.
 *
 *   [provider corp]
 *   issuer = https://id.example.com/realms/corp
 *   client_id = pam-jwt-login          (a public client)
 *   scopes = openid profile offline_access
 *   binding = exchange                 (resource | exchange | fixed)
 *   audience = ssh://%h                (%h: the host; fixed: one literal audience)
 *
 *   [host *.corp.example.com build??]
 *   provider = corp
 *   one_time = yes
 *
 * The first [host] rule whose pattern matches wins; the user's file is read
 * before /etc/pam-jwt/client.conf.  A host no rule names gets no token.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "log.h"

#define CONF_MAX (256 * 1024)
#define SYSTEM_CONF SYSCONFDIR "/pam-jwt/client.conf"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	return s;
}

static int name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CLIENT_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-_.", s[i]) == NULL)
			return 0;
	return 1;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	return (*dst = strdup(v)) == NULL ? -1 : 0;
}

static int parse_binding(const char *v, enum binding *b)
{
	if (strcmp(v, "resource") == 0)
		*b = BIND_RESOURCE;
	else if (strcmp(v, "exchange") == 0)
		*b = BIND_EXCHANGE;
	else if (strcmp(v, "fixed") == 0)
		*b = BIND_FIXED;
	else
		return -1;
	return 0;
}

static int parse_bool(const char *v)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	return -1;
}

static void *grow(void *arr, size_t n, size_t size)
{
	char *p = realloc(arr, (n + 1) * size);

	if (p != NULL)
		memset(p + n * size, 0, size);
	return p;
}

/* The file must be ours or root's and writable by nobody else: it decides
 * where tokens go. */
static char *read_conf(const char *path, int *missing, char *err, size_t errcap)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return NULL;
		}
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errcap, "%s: not a regular file", path);
	} else if ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022) != 0) {
		snprintf(err, errcap, "%s: refused, writable by someone else (owner uid %u, mode %03o)",
		         path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	} else if (st.st_size > CONF_MAX) {
		snprintf(err, errcap, "%s: larger than %d bytes", path, CONF_MAX);
	} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errcap, "out of memory");
	} else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		snprintf(err, errcap, "%s: short read", path);
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	close(fd);
	return buf;
}

static int parse(struct client_conf *c, const char *path, char *text, char *err, size_t errcap)
{
	struct provider *p = NULL;
	struct host_rule *h = NULL;
	char *line, *next, where[300];
	int lineno = 0;

	for (line = text; line != NULL; line = next) {
		char *s, *eq, *key, *val;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		s = trim(line);
		snprintf(where, sizeof(where), "%.250s:%d", path, lineno);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']'), *name, *tok, *save2 = NULL;

			if (end == NULL || end[1] != '\0') {
				snprintf(err, errcap, "%s: a section line is [provider NAME] or "
				         "[host PATTERN...]", where);
				return -1;
			}
			*end = '\0';
			name = trim(s + 1);
			p = NULL;
			h = NULL;
			if (strncmp(name, "provider ", 9) == 0) {
				name = trim(name + 9);
				if (!name_ok(name)) {
					snprintf(err, errcap, "%s: a provider name is letters, digits, "
					         "'-', '_' and '.'", where);
					return -1;
				}
				if ((c->providers = grow(c->providers, c->n_providers,
				                         sizeof(*c->providers))) == NULL)
					goto oom;
				p = &c->providers[c->n_providers++];
				if (set_str(&p->name, name) != 0)
					goto oom;
				snprintf(p->where, sizeof(p->where), "%s", where);
			} else if (strncmp(name, "host ", 5) == 0) {
				if ((c->hosts = grow(c->hosts, c->n_hosts, sizeof(*c->hosts))) == NULL)
					goto oom;
				h = &c->hosts[c->n_hosts++];
				h->one_time = -1;
				snprintf(h->where, sizeof(h->where), "%s", where);
				for (tok = strtok_r(name + 5, " \t", &save2); tok != NULL;
				     tok = strtok_r(NULL, " \t", &save2)) {
					char **np = realloc(h->patterns, (h->n_patterns + 1) * sizeof(*np));

					if (np == NULL)
						goto oom;
					h->patterns = np;
					if ((np[h->n_patterns] = strdup(tok)) == NULL)
						goto oom;
					for (s = np[h->n_patterns]; *s; s++)
						*s = (char)tolower((unsigned char)*s);
					h->n_patterns++;
				}
				if (h->n_patterns == 0) {
					snprintf(err, errcap, "%s: [host] needs at least one pattern", where);
					return -1;
				}
			} else {
				snprintf(err, errcap, "%s: unknown section [%s]", where, name);
				return -1;
			}
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errcap, "%s: expected key = value", where);
			return -1;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (*val == '\0') {
			snprintf(err, errcap, "%s: %s has no value", where, key);
			return -1;
		}
		if (p != NULL) {
			char **dst = strcmp(key, "issuer") == 0      ? &p->issuer
			             : strcmp(key, "client_id") == 0 ? &p->client_id
			             : strcmp(key, "scopes") == 0    ? &p->scopes
			             : strcmp(key, "ca_file") == 0   ? &p->ca_file
			             : strcmp(key, "prompt") == 0    ? &p->prompt
			             : strcmp(key, "audience") == 0  ? &p->audience
			             : strcmp(key, "token") == 0     ? &p->token
			             : strcmp(key, "client_secret") == 0 ? &p->client_secret
			             : strcmp(key, "auth_params") == 0 ? &p->auth_params
			                                             : NULL;

			if (strcmp(key, "binding") == 0) {
				if (parse_binding(val, &p->binding) != 0) {
					snprintf(err, errcap, "%s: binding is resource, exchange or fixed",
					         where);
					return -1;
				}
				continue;
			}
			if (dst == NULL) {
				snprintf(err, errcap, "%s: unknown key \"%.40s\" in [provider]", where, key);
				return -1;
			}
			if (set_str(dst, val) != 0)
				goto oom;
		} else if (h != NULL) {
			if (strcmp(key, "provider") == 0) {
				if (set_str(&h->provider, val) != 0)
					goto oom;
			} else if (strcmp(key, "audience") == 0) {
				if (set_str(&h->audience, val) != 0)
					goto oom;
			} else if (strcmp(key, "desktop_code_command") == 0) {
				if (set_str(&h->desktop_code_command, val) != 0)
					goto oom;
			} else if (strcmp(key, "binding") == 0) {
				if (parse_binding(val, &h->binding) != 0) {
					snprintf(err, errcap, "%s: binding is resource, exchange or fixed",
					         where);
					return -1;
				}
			} else if (strcmp(key, "one_time") == 0) {
				if ((h->one_time = parse_bool(val)) < 0) {
					snprintf(err, errcap, "%s: one_time is yes or no", where);
					return -1;
				}
			} else {
				snprintf(err, errcap, "%s: unknown key \"%.40s\" in [host]", where, key);
				return -1;
			}
		} else {
			snprintf(err, errcap, "%s: \"%.40s\" outside a [provider] or [host] section",
			         where, key);
			return -1;
		}
	}
	return 0;
oom:
	snprintf(err, errcap, "out of memory");
	return -1;
}

/* Every provider complete, every host rule naming one. */
static int check(const struct client_conf *c, char *err, size_t errcap)
{
	size_t i;

	for (i = 0; i < c->n_providers; i++) {
		const struct provider *p = &c->providers[i];

		if (p->issuer == NULL || strncmp(p->issuer, "https://", 8) != 0) {
			snprintf(err, errcap, "%s: [provider %s] needs an https:// issuer", p->where,
			         p->name);
			return -1;
		}
		if (p->client_id == NULL) {
			snprintf(err, errcap, "%s: [provider %s] needs a client_id", p->where, p->name);
			return -1;
		}
		if (p->auth_params != NULL && (!jwt_is_word(p->auth_params, 1024) ||
		                               strpbrk(p->auth_params, "#?") != NULL)) {
			snprintf(err, errcap, "%s: auth_params is k=v&k=v, URL-encoded", p->where);
			return -1;
		}
		if (p->token != NULL && strcmp(p->token, "access_token") != 0 &&
		    strcmp(p->token, "id_token") != 0) {
			snprintf(err, errcap, "%s: token is access_token or id_token", p->where);
			return -1;
		}
	}
	for (i = 0; i < c->n_hosts; i++) {
		const struct host_rule *h = &c->hosts[i];

		if (h->provider == NULL && c->n_providers != 1) {
			snprintf(err, errcap, "%s: [host] needs provider = NAME", h->where);
			return -1;
		}
		if (h->provider != NULL && client_provider(c, h->provider) == NULL) {
			snprintf(err, errcap, "%s: no [provider %s]", h->where, h->provider);
			return -1;
		}
	}
	return 0;
}

static int load_file(struct client_conf *c, const char *path, int must_exist, char *err,
                     size_t errcap)
{
	int missing, rc;
	char *text = read_conf(path, &missing, err, errcap);

	if (text == NULL) {
		if (missing && !must_exist)
			return 0;
		if (missing)
			snprintf(err, errcap, "%s: no such file", path);
		return -1;
	}
	rc = parse(c, path, text, err, errcap);
	free(text);
	return rc;
}

struct client_conf *client_conf_load(const char *path, char *err, size_t errcap)
{
	struct client_conf *c = calloc(1, sizeof(*c));
	char user[1024];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (c == NULL) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	if (path != NULL) {
		if (load_file(c, path, 1, err, errcap) != 0)
			goto fail;
	} else {
		if (xdg != NULL && xdg[0] == '/')
			snprintf(user, sizeof(user), "%s/pam-jwt/client.conf", xdg);
		else if (home != NULL && home[0] == '/')
			snprintf(user, sizeof(user), "%s/.config/pam-jwt/client.conf", home);
		else
			user[0] = '\0';
		if ((user[0] != '\0' && load_file(c, user, 0, err, errcap) != 0) ||
		    load_file(c, SYSTEM_CONF, 0, err, errcap) != 0)
			goto fail;
		if (c->n_providers == 0) {
			snprintf(err, errcap, "no [provider] in %s or %s", user[0] ? user : "~/.config",
			         SYSTEM_CONF);
			goto fail;
		}
	}
	if (check(c, err, errcap) != 0)
		goto fail;
	return c;
fail:
	client_conf_free(c);
	return NULL;
}

void client_conf_free(struct client_conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_providers; i++) {
		struct provider *p = &c->providers[i];

		free(p->name), free(p->issuer), free(p->client_id), free(p->scopes);
		free(p->ca_file), free(p->prompt), free(p->audience), free(p->token);
		free(p->client_secret), free(p->auth_params);
	}
	for (i = 0; i < c->n_hosts; i++) {
		for (j = 0; j < c->hosts[i].n_patterns; j++)
			free(c->hosts[i].patterns[j]);
		free(c->hosts[i].patterns);
		free(c->hosts[i].provider);
		free(c->hosts[i].audience);
		free(c->hosts[i].desktop_code_command);
	}
	free(c->providers);
	free(c->hosts);
	free(c);
}

const struct provider *client_provider(const struct client_conf *c, const char *name)
{
	size_t i;

	if (name == NULL)
		return c->n_providers > 0 ? &c->providers[0] : NULL;
	for (i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].name, name) == 0)
			return &c->providers[i];
	return NULL;
}

int client_host_ok(const char *host)
{
	size_t i, n = host != NULL ? strlen(host) : 0;

	if (n == 0 || n > CLIENT_HOST_MAX || host[0] == '-' || host[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && strchr(".-_:[]", host[i]) == NULL)
			return 0;
	return 1;
}

/* The audience template with %h replaced by the host (%% is a %). */
static int expand(const char *tmpl, const char *host, char *out, size_t cap)
{
	size_t used = 0;
	const char *s;

	for (s = tmpl; *s; s++) {
		const char *add = NULL;
		char one[2] = { *s, '\0' };

		if (*s == '%' && s[1] == 'h')
			add = host, s++;
		else if (*s == '%' && s[1] == '%')
			add = "%", s++;
		else
			add = one;
		if (used + strlen(add) >= cap)
			return -1;
		memcpy(out + used, add, strlen(add));
		used += strlen(add);
	}
	out[used] = '\0';
	return 0;
}

int client_target(const struct client_conf *c, const char *host, struct host_target *t,
                  char *err, size_t errcap)
{
	char lower[CLIENT_HOST_MAX + 1];
	size_t i, j;

	memset(t, 0, sizeof(*t));
	if (!client_host_ok(host)) {
		snprintf(err, errcap, "\"%.80s\" is not a host name", host);
		return -1;
	}
	for (i = 0; host[i]; i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	lower[i] = '\0';
	for (i = 0; i < c->n_hosts; i++) {
		const struct host_rule *h = &c->hosts[i];
		const char *tmpl;

		for (j = 0; j < h->n_patterns; j++)
			if (fnmatch(h->patterns[j], lower, 0) == 0)
				break;
		if (j == h->n_patterns)
			continue;
		t->p = client_provider(c, h->provider);
		t->binding = h->binding != BIND_UNSET ? h->binding : t->p->binding;
		if (t->binding == BIND_UNSET)
			t->binding = BIND_RESOURCE;
		t->one_time = h->one_time > 0;
		t->desktop_code_command = h->desktop_code_command != NULL
		                                  ? h->desktop_code_command
		                                  : "pam-jwt desktop-code --token-file -";
		tmpl = h->audience != NULL ? h->audience : t->p->audience;
		if (t->binding == BIND_FIXED && tmpl == NULL) {
			snprintf(err, errcap, "%s: binding = fixed needs an audience", h->where);
			return -1;
		}
		if (expand(tmpl != NULL ? tmpl : "ssh://%h", lower, t->audience,
		           sizeof(t->audience)) != 0) {
			snprintf(err, errcap, "%s: audience too long", h->where);
			return -1;
		}
		return 0;
	}
	snprintf(err, errcap, "no [host] rule in client.conf names %s", lower);
	return -1;
}
