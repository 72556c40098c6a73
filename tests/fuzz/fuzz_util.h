/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by the libFuzzer harnesses in tests/fuzz. */
#ifndef PAM_JWT_FUZZ_UTIL_H
#define PAM_JWT_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jwt.h"

/* Report a broken property and abort: libFuzzer saves the input as a crash. */
#define FUZZ_FAIL(...) do { \
	fprintf(stderr, "fuzz property violated (%s:%d): ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

/* A fixed-size text field must be NUL-terminated inside its buffer. */
#define FUZZ_CHECK_CSTR(field) do { \
	if (memchr((field), '\0', sizeof(field)) == NULL) \
		FUZZ_FAIL("%s is not NUL-terminated", #field); \
} while (0)

/* ... and, where the API promises it, printable ASCII only. */
#define FUZZ_CHECK_PRINTABLE(field) do { \
	size_t fz_i_; \
	FUZZ_CHECK_CSTR(field); \
	for (fz_i_ = 0; (field)[fz_i_] != '\0'; fz_i_++) \
		if ((unsigned char)(field)[fz_i_] < 0x20 || (unsigned char)(field)[fz_i_] > 0x7e) \
			FUZZ_FAIL("%s has byte 0x%02x at %zu: \"%s\"", #field, \
			          (unsigned char)(field)[fz_i_], fz_i_, (field)); \
} while (0)

/* What lib/jwt.h promises of every jwt_verify() answer: the verdict in
 * range and stored in the result, every text field NUL-terminated
 * printable ASCII. */
static inline void fuzz_check_result(enum jwt_verdict v, const struct jwt_result *res)
{
	if ((unsigned)v >= JWT_VERDICT_COUNT || res->verdict != v)
		FUZZ_FAIL("verdict %d out of range or not stored (res.verdict %d)", (int)v,
		          (int)res->verdict);
	FUZZ_CHECK_PRINTABLE(res->reason);
	FUZZ_CHECK_PRINTABLE(res->issuer_name);
	FUZZ_CHECK_PRINTABLE(res->iss);
	FUZZ_CHECK_PRINTABLE(res->sub);
	FUZZ_CHECK_PRINTABLE(res->jti);
	FUZZ_CHECK_PRINTABLE(res->kid);
	FUZZ_CHECK_PRINTABLE(res->alg);
	FUZZ_CHECK_PRINTABLE(res->user);
	FUZZ_CHECK_PRINTABLE(res->groups);
}

/* A private directory (0700) for the files a harness's config names:
 * mkdtemp under $FUZZ_TMPDIR (run.sh: its build dir, removed after the
 * run, since a crash exits without atexit) or /tmp.  FUZZ_TMPDIR must pass
 * lib/safefile.c's checks: root/euid-owned ancestors, not
 * group/other-writable unless sticky. */
static inline void fuzz_private_dir(char *dir, size_t cap)
{
	const char *base = getenv("FUZZ_TMPDIR");

	if (base == NULL || base[0] != '/' || strlen(base) > 60)
		base = "/tmp";
	snprintf(dir, cap, "%s/pam_jwt_fuzz.XXXXXX", base);
	if (mkdtemp(dir) == NULL || chmod(dir, 0700) != 0)
		FUZZ_FAIL("mkdtemp %s failed", dir);
}

/* For the models of line formats: split t[*i..le) into at most max words
 * separated by bytes of ws; a word starting with '#' ends the line (the
 * comment rule of pam_jwt's line files).  Returns the number of words. */
static inline size_t fuzz_words(const char *t, size_t *i, size_t le, const char *ws,
                                const char **w, size_t *wn, size_t max)
{
	size_t k = 0;

	while (k < max) {
		while (*i < le && strchr(ws, t[*i]) != NULL && t[*i] != '\0')
			(*i)++;
		if (*i >= le || t[*i] == '#')
			break;
		w[k] = t + *i;
		while (*i < le && (strchr(ws, t[*i]) == NULL || t[*i] == '\0'))
			(*i)++;
		wn[k] = (size_t)(t + *i - w[k]);
		k++;
	}
	return k;
}

#endif
