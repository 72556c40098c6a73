/* SPDX-License-Identifier: BSD-2-Clause */
/* Minimal TAP output for Automake's test driver (plain exit code: 0 pass, 1 fail, 77 skip). */
#ifndef PAM_JWT_TAP_H
#define PAM_JWT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                          \
	do {                                                                   \
		int ok_c_ = !!(cond);                                          \
		tap_n++;                                                       \
		if (!ok_c_)                                                    \
			tap_failed++;                                          \
		printf("%s %d - ", ok_c_ ? "ok" : "not ok", tap_n);           \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!ok_c_)                                                    \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__,  \
			       #cond);                                         \
	} while (0)

#define is_str(got, want, ...)                                                 \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		ok(g_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__);            \
		if (g_ == NULL || strcmp(g_, w_) != 0)                         \
			printf("#   got \"%s\", want \"%s\"\n",                 \
			       g_ ? g_ : "(null)", w_);                        \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
