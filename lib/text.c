/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

enum byte_kind { PRINTABLE, CONTROL, OTHER };

/* What starts at s[0] (n > 0 bytes left), and how many bytes it takes. */
static enum byte_kind classify(const unsigned char *s, size_t n, size_t *len)
{
	*len = 1;
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return PRINTABLE;
	if (s[0] < 0x20 || s[0] == 0x7f || (s[0] >= 0x80 && s[0] <= 0x9f))
		return CONTROL;
	if (s[0] == 0xc2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9f) {
		*len = 2; /* U+0080..U+009F in UTF-8 */
		return CONTROL;
	}
	return OTHER;
}

size_t jwt_text_clean(char *dst, size_t cap, const char *src, size_t srclen,
                      enum jwt_text_form form)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, len;

	if (cap == 0)
		return 0;
	while (src != NULL && i < srclen) {
		enum byte_kind kind = classify(s + i, srclen - i, &len);
		unsigned char c = s[i];
		char out[2];
		size_t nout = 1;

		i += len;
		if (kind == CONTROL && form == JWT_TEXT_AUDIT)
			continue;
		out[0] = kind == PRINTABLE ? (char)c : '?';
		if (kind == PRINTABLE && form == JWT_TEXT_QUOTED && (c == '"' || c == '\\'))
			out[0] = c == '"' ? '\'' : '?';
		if (kind == PRINTABLE && form == JWT_TEXT_AUDIT && (c == '"' || c == '\\')) {
			out[0] = '\\';
			out[1] = (char)c;
			nout = 2;
		}
		if (o + nout >= cap)
			break;
		memcpy(dst + o, out, nout);
		o += nout;
	}
	dst[o] = '\0';
	return o;
}

void jwt_sanitize(char *dst, size_t cap, const char *src, size_t srclen)
{
	jwt_text_clean(dst, cap, src, srclen, JWT_TEXT_QUOTED);
}

void jwt_printable(char *s)
{
	if (s != NULL)
		jwt_text_clean(s, strlen(s) + 1, s, strlen(s), JWT_TEXT_PLAIN);
}

int jwt_vprint_line(FILE *f, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len;

	if (n < 0)
		return EOF;
	len = strlen(buf);
	if ((size_t)n >= sizeof(buf) && fmt[0] != '\0' && fmt[strlen(fmt) - 1] == '\n')
		buf[len - 1] = '\n'; /* cut, but still one line */
	if (len > 0 && buf[len - 1] == '\n') {
		len = jwt_text_clean(buf, len, buf, len - 1, JWT_TEXT_PLAIN);
		buf[len] = '\n';
		buf[len + 1] = '\0';
	} else {
		jwt_text_clean(buf, len + 1, buf, len, JWT_TEXT_PLAIN);
	}
	return fputs(buf, f);
}

int jwt_print_line(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = jwt_vprint_line(f, fmt, ap);
	va_end(ap);
	return r;
}

int jwt_qr_line_ok(const char *s)
{
	size_t n = 0;

	while (*s != '\0') {
		if (*s == ' ')
			s++;
		else if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x96 &&
		         ((unsigned char)s[2] == 0x80 || (unsigned char)s[2] == 0x84 ||
		          (unsigned char)s[2] == 0x88))
			s += 3;
		else
			return 0;
		n++;
	}
	return n > 0 && n <= 80;
}

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int jwt_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int x = ascii_lower((unsigned char)a[i]), y = ascii_lower((unsigned char)b[i]);

		if (x != y || x == 0)
			return x - y;
	}
	return 0;
}

int jwt_ascii_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int jwt_ascii_casecmp(const char *a, const char *b)
{
	return jwt_ascii_ncasecmp(a, b, (size_t)-1);
}
