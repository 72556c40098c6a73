/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PAM conversation of the test and benchmark programs that drive real
 * libpam (test_pam_stack, closed_fds, bench_pam, bench_device): one place
 * that answers the module's prompts.
 *
 *   struct test_conv answers = { .answer = token };
 *   struct pam_conv c = { test_conv, &answers };
 *
 * A zeroed struct answers every prompt with "" and prints nothing.
 */
#ifndef PAM_JWT_TEST_CONV_H
#define PAM_JWT_TEST_CONV_H

#include <stddef.h>

#include <security/pam_appl.h>

struct test_conv {
	const char *answer;      /* every prompt's answer; NULL: "" */
	size_t chunk;            /* > 0: successive prompts get successive pieces
	                          * of answer, chunk characters each */
	size_t answered;         /* how much of answer the pieces used so far */
	char **lines;            /* n_lines > 0: one line per prompt, in order,
	                          * the last again once they run out */
	size_t n_lines, next_line;
	int print;               /* print "prompt: TEXT" and "msg: TEXT" lines */
	/* A program's own handling, asked first for each message: 1 it is
	 * handled (*resp set, or left NULL for no answer), 0 answer it as
	 * above, -1 fail the conversation (PAM_CONV_ERR). */
	int (*own)(struct test_conv *tc, const struct pam_message *m, char **resp);
};

/* The pam_conv function; its appdata_ptr is a struct test_conv. */
int test_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data);

/* The text of a small file (up to 64 KiB - 1) without its trailing
 * newlines: an answer, or lines of answers.  Exits 2 when it cannot be
 * read.  The caller frees it. */
char *test_conv_read(const char *path);

#endif
