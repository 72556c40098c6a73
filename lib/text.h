/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text that is not ours (from a provider, a token, a file) on its way to a
 * terminal or a log, and comparing it.
 *
 * One rule for which bytes pass: printable ASCII (0x20-0x7e).  C0 controls,
 * DEL, C1 controls both raw (0x80-0x9f) and UTF-8 encoded (U+0080-U+009F,
 * 0xc2 0x80-0x9f), and every other byte outside ASCII are refused, so
 * nothing a value holds can end a line, move the cursor or start an escape
 * sequence (0x9b and U+009B are CSI, ESC [, to many terminals).  A refused
 * control character (a C1 encoded in UTF-8 counts as one) is written as one
 * '?', or dropped in the audit form; any other refused byte is one '?'.
 */
#ifndef PAM_JWT_TEXT_H
#define PAM_JWT_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum jwt_text_form {
	JWT_TEXT_PLAIN,  /* refused -> '?' */
	JWT_TEXT_QUOTED, /* PLAIN, and '"' -> '\'', '\\' -> '?': a value inside "..." */
	JWT_TEXT_AUDIT,  /* controls dropped, other refused bytes '?', '"' and '\\'
	                  * escaped with '\\': the audit line's "..." values */
};

/* Write src (srclen bytes) into dst (cap bytes) in the given form; always
 * NUL-terminates when cap > 0, never cuts an escape in half.  PLAIN and
 * QUOTED never lengthen the text, so dst may be src.  Returns the length
 * written. */
size_t jwt_text_clean(char *dst, size_t cap, const char *src, size_t srclen,
                      enum jwt_text_form form);

/* Copy src into dst (cap bytes) in the QUOTED form. */
void jwt_sanitize(char *dst, size_t cap, const char *src, size_t srclen);

/* In place, the PLAIN form: for reasons and other text for a log line or a
 * terminal. */
void jwt_printable(char *s);

/* printf to f in the PLAIN form, so no value can end the line or start
 * another: only a '\n' that ends the formatted text is kept.  For every
 * line the CLI prints that holds text not its own.  Lines beyond 4 KiB are
 * cut.  Returns what fputs returns, or EOF. */
int jwt_print_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int jwt_vprint_line(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Is s one line of a QR code as helper/qr.c draws it: 1..80 cells of
 * spaces and the blocks U+2580, U+2584, U+2588 (the one non-ASCII text
 * that may reach a terminal, checked instead of cleaned). */
int jwt_qr_line_ok(const char *s);

/* Compare with ASCII-only case folding (never the locale's: 'I' and 'i'
 * stay one letter under a Turkish locale, and no byte above 0x7f folds).
 * 0 when equal. */
int jwt_ascii_casecmp(const char *a, const char *b);
/* An ASCII letter or digit, whatever the locale (isalnum() follows the
 * application's: a Latin-1 locale would take bytes above 0x7f). */
int jwt_ascii_alnum(int c);
int jwt_ascii_ncasecmp(const char *a, const char *b, size_t n);

#endif
