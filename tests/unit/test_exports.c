/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_jwt.so must export the PAM entry points and nothing else, and
 * pam_jwt_core.so (which it loads, pam/shim.c) its one entry and nothing
 * else: no PAM entry point (a stanza naming the core would skip the
 * shim's note of the pam_start process), no internal function.  The core
 * stays loaded once loaded (NODELETE); the shim must not, or its
 * constructor would not run at each pam_start.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Dynamic symbols of path: how many, and how many not starting with prefix. */
static void exports(const char *path, const char *prefix, int *n, int *others)
{
	char cmd[4200], line[512];
	FILE *p;

	*n = *others = 0;
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	p = popen(cmd, "r");
	ok(p != NULL, "nm runs");
	while (p != NULL && fgets(line, sizeof(line), p) != NULL) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		(*n)++;
		if (strncmp(name, prefix, strlen(prefix)) != 0) {
			(*others)++;
			printf("# unexpected export of %s: %s", path, line);
		}
	}
	ok(p != NULL && pclose(p) == 0, "nm %s succeeded", path);
}

static int nodelete(const char *path)
{
	char cmd[4200], line[512];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -d '%s'", path);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL)
		if (strstr(line, "FLAGS_1") != NULL && strstr(line, "NODELETE") != NULL)
			found = 1;
	return pclose(p) == 0 ? found : -1;
}

int main(void)
{
	const char *top = getenv("top_builddir");
	char path[4096], core[4096];
	static const char *const entry[] = { "pam_sm_authenticate", "pam_sm_setcred",
	                                     "pam_sm_acct_mgmt" };
	static const char *const internal[] = { "jwt_verify", "jws_parse", "b64url_decode",
	                                        "jwt_config_load", "open_trusted",
	                                        "pam_jwt_core_entry_1" };
	void *h;
	size_t i;
	int n, others;

	snprintf(path, sizeof(path), "%s/.libs/pam_jwt.so", top ? top : ".");
	snprintf(core, sizeof(core), "%s/.libs/pam_jwt_core.so", top ? top : ".");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ok(h != NULL, "dlopen %s: %s", path, h ? "ok" : dlerror());
	if (h == NULL)
		return tap_done();
	for (i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		ok(dlsym(h, entry[i]) != NULL, "%s exported", entry[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ok(dlsym(h, internal[i]) == NULL, "%s not exported by pam_jwt.so", internal[i]);
	dlclose(h);
	exports(path, "pam_sm_", &n, &others);
	ok(n >= 3 && others == 0, "pam_jwt.so: %d dynamic symbols, all pam_sm_*", n);
	ok(nodelete(path) == 0, "pam_jwt.so unloads at pam_end (not NODELETE)");

	exports(core, "pam_jwt_core_entry_", &n, &others);
	ok(n == 1 && others == 0, "pam_jwt_core.so: %d dynamic symbol, its entry", n);
	ok(nodelete(core) == 1, "pam_jwt_core.so stays loaded (NODELETE)");
	return tap_done();
}
