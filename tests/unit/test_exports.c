/* SPDX-License-Identifier: BSD-2-Clause */
/* The module must export the PAM entry points and nothing else. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

int main(void)
{
	const char *top = getenv("top_builddir");
	char path[4096], cmd[4200], line[512];
	static const char *const entry[] = { "pam_sm_authenticate", "pam_sm_setcred",
	                                     "pam_sm_acct_mgmt" };
	static const char *const internal[] = { "jwt_verify", "jws_parse", "b64url_decode",
	                                        "jwt_config_load", "open_trusted" };
	void *h;
	size_t i;
	int n = 0, others = 0;
	FILE *p;

	snprintf(path, sizeof(path), "%s/.libs/pam_jwt.so", top ? top : ".");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ok(h != NULL, "dlopen %s: %s", path, h ? "ok" : dlerror());
	if (h == NULL)
		return tap_done();
	for (i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		ok(dlsym(h, entry[i]) != NULL, "%s exported", entry[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ok(dlsym(h, internal[i]) == NULL, "%s not exported", internal[i]);
	dlclose(h);

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	p = popen(cmd, "r");
	ok(p != NULL, "nm runs");
	while (p != NULL && fgets(line, sizeof(line), p) != NULL) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		n++;
		if (strncmp(name, "pam_sm_", 7) != 0) {
			others++;
			printf("# unexpected export: %s", line);
		}
	}
	ok(p != NULL && pclose(p) == 0, "nm succeeded");
	ok(n >= 3 && others == 0, "%d dynamic symbols, all pam_sm_*", n);
	return tap_done();
}
