/*
 * libFuzzer harness: the user_map_file parser (lib/policy.c
 * user_map_scan), which maps a token's claim value to the local account
 * that logs in.  The input is the file's text.
 *
 * Properties beyond ASan/UBSan: user_map_validate() and user_map_scan()
 * agree on whether the file is usable; a malformed file is refused for
 * every key with a "line N: " reason (or the NUL refusal); and for a
 * usable file the lookup of each line's claim value (and of fixed keys)
 * returns what a small independent model of the format returns: the
 * local user of the first line with that value, which is a valid user
 * name (policy_valid_name) -- never a name the file does not pair with it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "policy.h"

#define MODEL_LINES 64

struct mline {
	const char *key, *user;
	size_t kn, un;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 parsed into m[*n], 2 more lines than the model keeps, -1 malformed. */
static int model_parse(const char *t, size_t len, struct mline *m, size_t *n)
{
	size_t i = 0, j;
	int over = 0;

	*n = 0;
	if (memchr(t, '\0', len) != NULL)
		return -1;
	while (i < len) {
		size_t e = i, k;
		const char *w[3];
		size_t wn[3];

		while (e < len && t[e] != '\n')
			e++;
		k = fuzz_words(t, &i, e, " \t\r", w, wn, 3);
		i = e + 1;
		if (k == 0)
			continue;
		if (k != 2)
			return -1;
		for (j = 0; j < wn[0]; j++)
			if ((unsigned char)w[0][j] < 0x21 || (unsigned char)w[0][j] == 0x7f)
				return -1;
		/* the module's own rule for local names: useradd's, no syntax */
		if (wn[1] == 0 || wn[1] > JWT_USERNAME_MAX || w[1][0] == '-' ||
		    (wn[1] == 1 && w[1][0] == '.') || (wn[1] == 2 && memcmp(w[1], "..", 2) == 0))
			return -1;
		for (j = 0; j < wn[1]; j++)
			if ((unsigned char)w[1][j] <= 0x20 || (unsigned char)w[1][j] >= 0x7f ||
			    strchr("/:,\\\"'*?", w[1][j]) != NULL)
				return -1;
		if (*n == MODEL_LINES) {
			over = 1; /* still validated, not kept */
			continue;
		}
		m[*n].key = w[0];
		m[*n].kn = wn[0];
		m[*n].user = w[1];
		m[*n].un = wn[1];
		(*n)++;
	}
	return over ? 2 : 1;
}

static void lookup(const char *text, size_t len, const struct mline *m, size_t n, int modeled,
                   const char *key, size_t cap)
{
	char out[JWT_USERNAME_MAX + 8], why[200];
	const struct mline *hit = NULL;
	size_t i;
	int r;

	memset(out, 'X', sizeof(out));
	r = user_map_scan(text, len, key, out, cap, why, sizeof(why));
	for (i = 0; modeled && i < n && hit == NULL; i++)
		if (m[i].kn == strlen(key) && memcmp(m[i].key, key, m[i].kn) == 0)
			hit = &m[i];
	if (r == 0) {
		FUZZ_CHECK_CSTR(out);
		if (!policy_valid_name(out, strlen(out)))
			FUZZ_FAIL("mapped \"%s\" to the invalid name \"%s\"", key, out);
		if (strlen(out) >= cap)
			FUZZ_FAIL("name longer than the buffer");
		if (modeled && (hit == NULL || hit->un != strlen(out) ||
		                memcmp(hit->user, out, hit->un) != 0))
			FUZZ_FAIL("mapped \"%s\" to \"%s\", the model to \"%.*s\"", key, out,
			          hit ? (int)hit->un : 2, hit ? hit->user : "no one");
	} else if (r == 1) {
		if (modeled && hit != NULL)
			FUZZ_FAIL("\"%s\" not found; the model maps it to \"%.*s\"", key,
			          (int)hit->un, hit->user);
	} else if (r == -1) {
		FUZZ_CHECK_CSTR(why);
		/* only a name that does not fit the caller's buffer */
		if (strstr(why, "too long") == NULL || (modeled && (hit == NULL || hit->un < cap)))
			FUZZ_FAIL("lookup of \"%s\" refused a valid file: %s", key, why);
	} else {
		FUZZ_FAIL("user_map_scan returned %d", r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mline m[MODEL_LINES];
	const char *text = (const char *)data;
	char why[200], key[300];
	size_t n = 0, i;
	int v, mp;

	v = user_map_validate(text, size, why, sizeof(why));
	mp = model_parse(text, size, m, &n);
	if (v != 0 && v != -1)
		FUZZ_FAIL("user_map_validate returned %d", v);
	if ((v == 0) != (mp > 0))
		FUZZ_FAIL("user_map_validate says %d, the model %d", v, mp);
	if (v != 0) {
		FUZZ_CHECK_CSTR(why);
		if (strncmp(why, "line ", 5) != 0 && strcmp(why, "contains a NUL byte") != 0)
			FUZZ_FAIL("refusal without a line number: \"%s\"", why);
		if (user_map_scan(text, size, "alice", key, sizeof(key), why, sizeof(why)) != -1)
			FUZZ_FAIL("a malformed file maps a user");
		return 0;
	}
	lookup(text, size, m, n, mp == 1, "alice", JWT_USERNAME_MAX + 1);
	lookup(text, size, m, n, mp == 1, "", JWT_USERNAME_MAX + 1);
	for (i = 0; i < n && i < 8; i++) {
		if (m[i].kn >= sizeof(key))
			continue;
		memcpy(key, m[i].key, m[i].kn);
		key[m[i].kn] = '\0';
		lookup(text, size, m, n, mp == 1, key, JWT_USERNAME_MAX + 1);
		lookup(text, size, m, n, mp == 1, key, 4); /* a small buffer: refused, not cut */
	}
	return 0;
}
