/*
 * The line protocol between the module and `pam-jwt device` (the helper,
 * helper/device.c), the module's reading side.  The helper prints
 *     uri URL / complete URL / qr LINE (up to 40) / code CODE / expires SECONDS / ready
 * then, once the user pressed Enter, "token N" and N bytes of token and
 * '\n', or "error KIND TEXT" at any point.  Parsed strictly, with caps:
 * anything unexpected ends the attempt.  No PAM here, so the parser can be
 * fuzzed (tests/fuzz/fuzz_devproto.c) without libpam.
 */
#ifndef PAM_JWT_DEVPROTO_H
#define PAM_JWT_DEVPROTO_H

#include <stddef.h>
#include <sys/types.h>

#define DEVPROTO_LINE_MAX 1024
#define DEVPROTO_QR_LINES_MAX 40

struct devproto_reader {
	/* > 0 bytes read, 0 end of file, < 0 timeout or error */
	ssize_t (*read)(void *ctx, char *buf, size_t cap);
	void *ctx;
	char buf[4096];
	size_t len;
};

/* One line without its '\n' into line (cap bytes): 1, 0 at end of file,
 * -1 on a read error, a NUL byte or a line longer than DEVPROTO_LINE_MAX
 * (or cap).  Consumed bytes are wiped from the buffer. */
int devproto_read_line(struct devproto_reader *r, char *line, size_t cap);

/* Exactly n bytes (the token) then '\n' into out (n + 1 bytes, NUL-terminated
 * in place of the '\n').  0, or -1. */
int devproto_read_exact(struct devproto_reader *r, char *out, size_t n);

struct devproto_offer {
	char uri[DEVPROTO_LINE_MAX];   /* https://, one word, <= 512 bytes */
	char code[80];                  /* one word, <= 64 bytes */
	long expires;                   /* 1..99999 s */
	char qr[DEVPROTO_QR_LINES_MAX * 260 + 1]; /* lines joined by '\n' */
	size_t nqr, qrlen;
};

enum devproto_step {
	DEVPROTO_MORE = 0,   /* line taken, read the next */
	DEVPROTO_READY,      /* "ready" with the URI, the code and the expiry */
	DEVPROTO_ERROR,      /* "error ...": the helper's own failure */
	DEVPROTO_BAD,        /* an unexpected line */
	DEVPROTO_INCOMPLETE  /* "ready" without the URI, the code or the expiry */
};

/* Feed the next line of the offer (o zeroed before the first). */
enum devproto_step devproto_offer_line(struct devproto_offer *o, const char *line);

/* Is line "token N" (N: 1 to 5 digits)?  1 with *n = N, else 0. */
int devproto_token_line(const char *line, size_t *n);

#endif
