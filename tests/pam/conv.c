/* SPDX-License-Identifier: BSD-2-Clause */
/* The test programs' PAM conversation (see conv.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

static char *next_answer(struct test_conv *tc)
{
	if (tc->n_lines > 0) {
		size_t i = tc->next_line < tc->n_lines ? tc->next_line : tc->n_lines - 1;

		tc->next_line++;
		return strdup(tc->lines[i]);
	}
	if (tc->chunk > 0 && tc->answer != NULL) {
		size_t left = strlen(tc->answer) - tc->answered;
		size_t take = left < tc->chunk ? left : tc->chunk;
		char *piece = strndup(tc->answer + tc->answered, take);

		tc->answered += take;
		return piece;
	}
	return strdup(tc->answer != NULL ? tc->answer : "");
}

int test_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct test_conv *tc = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i, own;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		own = tc->own != NULL ? tc->own(tc, msg[i], &r[i].resp) : 0;
		if (own < 0) {
			for (i = 0; i < n; i++)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
		if (own > 0)
			continue;
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (tc->print)
				printf("prompt: %s\n", msg[i]->msg);
			r[i].resp = next_answer(tc);
			break;
		default:
			if (tc->print)
				printf("msg: %s\n", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

char *test_conv_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	n = fread(buf, 1, 65535, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}
