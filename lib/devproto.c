/* The module's side of the device flow's line protocol (devproto.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devproto.h"
#include "text.h"
#include "log.h"

int devproto_read_line(struct devproto_reader *r, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - r->buf);

			if (l >= cap || memchr(r->buf, '\0', l) != NULL)
				return -1;
			memcpy(line, r->buf, l);
			line[l] = '\0';
			memmove(r->buf, nl + 1, r->len - l - 1);
			explicit_bzero(r->buf + r->len - l - 1, l + 1);
			r->len -= l + 1;
			return 1;
		}
		if (r->len >= DEVPROTO_LINE_MAX || r->len == sizeof(r->buf))
			return -1;
		n = r->read(r->ctx, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return n == 0 && r->len == 0 ? 0 : -1;
		r->len += (size_t)n;
	}
}

int devproto_read_exact(struct devproto_reader *r, char *out, size_t n)
{
	size_t got = 0;

	while (got < n + 1) {
		ssize_t m;

		if (r->len > 0) {
			size_t take = r->len < n + 1 - got ? r->len : n + 1 - got;

			memcpy(out + got, r->buf, take);
			memmove(r->buf, r->buf + take, r->len - take);
			explicit_bzero(r->buf + r->len - take, take);
			r->len -= take;
			got += take;
			continue;
		}
		if ((m = r->read(r->ctx, r->buf, sizeof(r->buf))) <= 0)
			return -1;
		r->len = (size_t)m;
	}
	if (out[n] != '\n')
		return -1;
	out[n] = '\0';
	return 0;
}

/* 1..5 decimal digits, nothing else. */
static int small_number(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 6 && strspn(s, "0123456789") == n;
}

enum devproto_step devproto_offer_line(struct devproto_offer *o, const char *line)
{
	if (strncmp(line, "error ", 6) == 0)
		return DEVPROTO_ERROR;
	if (strcmp(line, "ready") == 0)
		return o->uri[0] == '\0' || o->code[0] == '\0' || o->expires <= 0 ?
		       DEVPROTO_INCOMPLETE : DEVPROTO_READY;
	/* one link: what is printed is what the QR code encodes */
	if (strncmp(line, "uri ", 4) == 0 && jwt_is_word(line + 4, 512) &&
	    strncmp(line + 4, "https://", 8) == 0 && o->uri[0] == '\0') {
		snprintf(o->uri, sizeof(o->uri), "%.512s", line + 4);
	} else if (strncmp(line, "code ", 5) == 0 && jwt_is_word(line + 5, 64)) {
		snprintf(o->code, sizeof(o->code), "%.64s", line + 5);
	} else if (strncmp(line, "expires ", 8) == 0 && small_number(line + 8)) {
		o->expires = strtol(line + 8, NULL, 10);
	} else if (strncmp(line, "qr ", 3) == 0 && o->nqr < DEVPROTO_QR_LINES_MAX &&
	           strlen(line + 3) < 250 && jwt_qr_line_ok(line + 3)) {
		o->qrlen += (size_t)snprintf(o->qr + o->qrlen, sizeof(o->qr) - o->qrlen, "%s%s",
		                             o->nqr ? "\n" : "", line + 3);
		o->nqr++;
	} else {
		return DEVPROTO_BAD;
	}
	return DEVPROTO_MORE;
}

int devproto_token_line(const char *line, size_t *n)
{
	if (strncmp(line, "token ", 6) != 0 || !small_number(line + 6))
		return 0;
	*n = (size_t)strtoul(line + 6, NULL, 10);
	return 1;
}
