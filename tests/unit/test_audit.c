/* SPDX-License-Identifier: BSD-2-Clause */
/* The audit line reads back as key="value" pairs, whatever a token held. */
#include "config.h"

#include <stdlib.h>

#include "audit.h"
#include "tap.h"

/* Parse "WORD verdict=NAME k="v" ..." strictly; returns the number of
 * verdict= keys, or -1 if any byte is not part of a pair. */
static int pairs(const char *line, char *verdict, size_t vcap, char *user, size_t ucap)
{
	const char *p = strchr(line, ' ');
	int verdicts = 0;

	if (p == NULL)
		return -1;
	while (*p == ' ') {
		const char *k = ++p, *v;
		size_t kn, n = 0;
		char val[600];

		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		kn = (size_t)(p - k);
		if (kn == 0 || *p++ != '=')
			return -1;
		if (kn == 7 && memcmp(k, "verdict", 7) == 0 && *p != '"') {
			for (v = p; (*p >= 'A' && *p <= 'Z') || *p == '_'; p++)
				;
			snprintf(verdict, vcap, "%.*s", (int)(p - v), v);
			verdicts++;
			continue;
		}
		if (*p++ != '"')
			return -1;
		while (*p != '"') {
			if (*p == '\0' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				return -1;
			if (*p == '\\') {
				p++;
				if (*p != '"' && *p != '\\')
					return -1;
			}
			if (n + 1 < sizeof(val))
				val[n++] = *p;
			p++;
		}
		p++;
		val[n] = '\0';
		if (kn == 7 && memcmp(k, "verdict", 7) == 0)
			verdicts++;
		if (kn == 4 && memcmp(k, "user", 4) == 0)
			snprintf(user, ucap, "%s", val);
	}
	return *p == '\0' ? verdicts : -1;
}

int main(void)
{
	static const char *const hostile[] = {
		"x\" verdict=OK user=root mapped=root issuer=A",
		"\\\" verdict=\"OK\"",
		"a\\",
		"\\",
		"line\nbreak verdict=OK",
		"\x1b[2Jclear\r\n",
		"\xff\xfe non-ascii \xc3\xa9",
		"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"",
	};
	struct jwt_result r;
	char line[4096], verdict[32], user[600], big[1000];
	size_t i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.verdict = JWT_KEY_NOT_FOUND;
		snprintf(r.reason, sizeof(r.reason), "no key \"%s\" in the key set", hostile[i]);
		snprintf(r.kid, sizeof(r.kid), "%s", hostile[i]);
		snprintf(r.sub, sizeof(r.sub), "%s", hostile[i]);
		snprintf(r.jti, sizeof(r.jti), "%s", hostile[i]);
		snprintf(r.iss, sizeof(r.iss), "%s", hostile[i]);
		jwt_audit_format(line, sizeof(line), &r, "alice", hostile[i], "token");
		verdict[0] = user[0] = '\0';
		ok(pairs(line, verdict, sizeof(verdict), user, sizeof(user)) == 1 &&
		   strcmp(verdict, "KEY_NOT_FOUND") == 0 && strcmp(user, "alice") == 0,
		   "hostile field %zu: one verdict, the real one, the real user", i);
		ok(strpbrk(line, "\n\r\x1b") == NULL, "hostile field %zu: no control characters", i);
	}
	/* Every field at its longest, all quotes: still whole pairs, bounded. */
	memset(&r, 0, sizeof(r));
	r.verdict = JWT_OK;
	memset(r.groups, '"', sizeof(r.groups) - 1);
	memset(r.sub, '\\', sizeof(r.sub) - 1);
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jwt_audit_format(line, sizeof(line), &r, big, big, "device");
	ok(pairs(line, verdict, sizeof(verdict), user, sizeof(user)) == 1 &&
	   strcmp(verdict, "OK") == 0 && strncmp(line, "accepted ", 9) == 0,
	   "long fields: pairs intact");
	ok(strstr(line, " method=\"device\"") != NULL, "method field");
	ok(strlen(line) < 4096, "bounded line");
	/* A buffer too small drops fields whole, never half a pair. */
	jwt_audit_format(line, 60, &r, big, big, "device");
	ok(pairs(line, verdict, sizeof(verdict), user, sizeof(user)) == 1, "small buffer: %s", line);
	{
		char esc[8];

		jwt_audit_escape(esc, sizeof(esc), "abc\"\"\"\"", 7);
		is_str(esc, "abc\\\"\\\"", "escape never cut in half");
	}
	return tap_done();
}
