/*
 * libFuzzer harness: the module's side of the device flow's line protocol
 * (lib/devproto.c, used by pam/device.c).  What `pam-jwt device` prints
 * comes from the provider's answer, so every line is hostile.  The input
 * is the helper's output stream; its first byte picks how the stream is
 * cut into reads (1 to 64 bytes, or a pattern), the rest is the stream.
 * The harness reads it as device_login() does: offer lines until ready
 * (or error/bad), then one line and, for "token N", N bytes and '\n'.
 *
 * Properties beyond ASan/UBSan: the reader never holds more than its
 * buffer, every byte it consumed is wiped (the token passes through it),
 * a line handed out has no NUL or '\n' and fits the cap; an offer that is
 * READY has an https:// URI of one printable word of at most 512 bytes, a
 * code of at most 64, an expiry of 1..99999 s, at most 40 QR lines of
 * blocks and spaces joined by '\n'; a token has exactly the announced
 * length and no NUL.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devproto.h"
#include "fuzz_util.h"
#include "jwt.h"
#include "log.h"

struct feed {
	const uint8_t *p;
	size_t left;
	unsigned mode, calls;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssize_t feed_read(void *ctx, char *buf, size_t cap)
{
	struct feed *f = ctx;
	size_t n;

	f->calls++;
	if (f->left == 0)
		return 0;
	if (f->mode < 64)
		n = f->mode + 1;
	else if (f->mode < 128)
		n = (f->calls * 7 + f->mode) % 97 + 1;
	else
		n = cap; /* all there is */
	if (n > cap)
		n = cap;
	if (n > f->left)
		n = f->left;
	memcpy(buf, f->p, n);
	f->p += n;
	f->left -= n;
	return (ssize_t)n;
}

static void check_reader(const struct devproto_reader *r)
{
	size_t i;

	if (r->len > sizeof(r->buf))
		FUZZ_FAIL("reader holds %zu bytes", r->len);
	for (i = r->len; i < sizeof(r->buf); i++)
		if (r->buf[i] != '\0')
			FUZZ_FAIL("consumed byte at %zu not wiped", i);
}

static void check_offer(const struct devproto_offer *o)
{
	size_t i, lines = 1;

	FUZZ_CHECK_CSTR(o->uri);
	FUZZ_CHECK_CSTR(o->code);
	FUZZ_CHECK_CSTR(o->qr);
	if (!jwt_is_word(o->uri, 512) || strncmp(o->uri, "https://", 8) != 0)
		FUZZ_FAIL("offer with URI \"%s\"", o->uri);
	if (!jwt_is_word(o->code, 64))
		FUZZ_FAIL("offer with code \"%s\"", o->code);
	if (o->expires < 1 || o->expires > 99999)
		FUZZ_FAIL("offer expires in %ld s", o->expires);
	if (o->nqr > DEVPROTO_QR_LINES_MAX || o->qrlen != strlen(o->qr))
		FUZZ_FAIL("QR: %zu lines, %zu bytes (strlen %zu)", o->nqr, o->qrlen, strlen(o->qr));
	if (o->nqr == 0 && o->qrlen != 0)
		FUZZ_FAIL("QR text without lines");
	for (i = 0; i < o->qrlen; i++) {
		unsigned char c = (unsigned char)o->qr[i];

		lines += c == '\n';
		if (c != ' ' && c != '\n' && c != 0xe2 && c != 0x96 && c != 0x80 && c != 0x84 &&
		    c != 0x88)
			FUZZ_FAIL("QR byte 0x%02x", c);
	}
	if (o->nqr > 0 && lines != o->nqr)
		FUZZ_FAIL("QR: %zu lines counted, %zu joined", o->nqr, lines);
}

static int next_line(struct devproto_reader *r, char *line, size_t cap)
{
	int got = devproto_read_line(r, line, cap);

	check_reader(r);
	if (got == 1) {
		if (memchr(line, '\0', cap) == NULL)
			FUZZ_FAIL("line not NUL-terminated");
		if (strchr(line, '\n') != NULL || strlen(line) >= cap)
			FUZZ_FAIL("line with a newline or over the cap");
	} else if (got != 0 && got != -1) {
		FUZZ_FAIL("devproto_read_line returned %d", got);
	}
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct devproto_reader r;
	static struct devproto_offer o;
	char line[DEVPROTO_LINE_MAX + 1], *tok;
	struct feed f;
	enum devproto_step step;
	size_t n;

	if (size == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	f.mode = data[0];
	f.p = data + 1;
	f.left = size - 1;
	f.calls = 0;
	r.read = feed_read;
	r.ctx = &f;
	do {
		if (next_line(&r, line, sizeof(line)) != 1)
			return 0;
		step = devproto_offer_line(&o, line);
		if (step == DEVPROTO_ERROR && strncmp(line, "error ", 6) != 0)
			FUZZ_FAIL("\"%.40s\" taken for an error line", line);
	} while (step == DEVPROTO_MORE);
	if (step != DEVPROTO_READY)
		return 0;
	check_offer(&o);
	if (next_line(&r, line, sizeof(line)) != 1 || !devproto_token_line(line, &n))
		return 0;
	if (n > 99999)
		FUZZ_FAIL("token length %zu from \"%s\"", n, line);
	if (n == 0 || n > JWT_MAX_TOKEN)
		return 0; /* refused by pam/device.c before it reads the token */
	if ((tok = malloc(n + 1)) == NULL)
		return 0;
	if (devproto_read_exact(&r, tok, n) == 0) {
		if (tok[n] != '\0')
			FUZZ_FAIL("token not terminated");
		/* pam/device.c refuses a token with a NUL (strlen != n) itself */
	}
	check_reader(&r);
	free(tok);
	return 0;
}
