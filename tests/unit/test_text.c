/* SPDX-License-Identifier: BSD-2-Clause */
/* lib/text.c: the one sanitizer for terminals and logs, the line printer,
 * ASCII-only case folding. */
#include "config.h"

#include <stdlib.h>

#include "audit.h"
#include "log.h"
#include "tap.h"
#include "text.h"

static const char *clean(const char *src, size_t len, enum jwt_text_form form)
{
	static char buf[256];

	jwt_text_clean(buf, sizeof(buf), src, len, form);
	return buf;
}

#define C(lit, form) clean(lit, sizeof(lit) - 1, form)

static char *printed(const char *value)
{
	static char buf[256];
	FILE *f = tmpfile();
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	jwt_print_line(f, "a %s b\n", value);
	jwt_print_line(f, "no newline %s", value);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int main(void)
{
	char s[64], big[8192];

	/* C0, DEL, C1 raw and C1 in UTF-8: one '?' each */
	is_str(C("a\x1b[31mb", JWT_TEXT_PLAIN), "a?[31mb", "ESC");
	is_str(C("a\r\n\tb", JWT_TEXT_PLAIN), "a???b", "CR LF TAB");
	is_str(C("a\x7f" "b", JWT_TEXT_PLAIN), "a?b", "DEL");
	is_str(C("a\x9b" "31mb", JWT_TEXT_PLAIN), "a?31mb", "raw C1 CSI (0x9b)");
	is_str(C("a\x85" "b\x80\x9f", JWT_TEXT_PLAIN), "a?b??", "raw C1 NEL, 0x80, 0x9f");
	is_str(C("a\xc2\x9b" "31mb", JWT_TEXT_PLAIN), "a?31mb", "UTF-8 U+009B (CSI): one ?");
	is_str(C("\xc2\x80\xc2\x85\xc2\x9f", JWT_TEXT_PLAIN), "???", "UTF-8 U+0080, U+0085, U+009F");
	is_str(C("\xc2\xa0\xc3\xa9", JWT_TEXT_PLAIN), "????", "other non-ASCII: a ? per byte");
	is_str(C("x\xc2", JWT_TEXT_PLAIN), "x?", "a lone 0xc2 at the end");
	is_str(C("a\0b", JWT_TEXT_PLAIN), "a?b", "NUL inside the length");
	is_str(C("say \"hi\" \\o/", JWT_TEXT_PLAIN), "say \"hi\" \\o/", "plain keeps quotes");
	is_str(C("say \"hi\" \\o/", JWT_TEXT_QUOTED), "say 'hi' ?o/", "quoted form");
	is_str(C("say \"hi\" \\o/", JWT_TEXT_AUDIT), "say \\\"hi\\\" \\\\o/", "audit form escapes");
	is_str(C("a\x1b\x9b\xc2\x9b\x7f" "b\xc3\xa9", JWT_TEXT_AUDIT), "ab??",
	       "audit form drops every control, C1 in UTF-8 included");
	/* never cut an escape in half; always terminated */
	jwt_text_clean(s, 4, "ab\"c", 4, JWT_TEXT_AUDIT);
	is_str(s, "ab", "audit escape not cut");
	jwt_text_clean(s, 1, "abc", 3, JWT_TEXT_PLAIN);
	is_str(s, "", "cap 1: empty string");
	/* the wrappers are the same rule */
	jwt_sanitize(s, sizeof(s), "k\"\xc2\x9b\\", 5);
	is_str(s, "k'??", "jwt_sanitize is the quoted form");
	snprintf(s, sizeof(s), "r\xc2\x85\x1b]0;x\x07");
	jwt_printable(s);
	is_str(s, "r??]0;x?", "jwt_printable, in place");
	jwt_audit_escape(s, sizeof(s), "u\xc2\x9b\"", 4);
	is_str(s, "u\\\"", "jwt_audit_escape is the audit form");
	/* lines: a value cannot end the line or start another */
	is_str(printed("x\ny\xc2\x85z\r"), "a x?y?z? b\nno newline x?y?z?",
	       "jwt_print_line: only the format's final newline kept");
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		FILE *f = tmpfile();
		char back[8192];
		size_t n = 0;

		if (f != NULL) {
			jwt_print_line(f, "%s\n", big);
			rewind(f);
			n = fread(back, 1, sizeof(back), f);
			fclose(f);
		}
		ok(n == 4095 && back[n - 1] == '\n' && memchr(back, '\n', n - 1) == NULL,
		   "a line past 4 KiB is cut and still ends in one newline (%zu bytes)", n);
	}
	/* QR lines: the one non-ASCII text shown, checked not cleaned */
	ok(jwt_qr_line_ok(" \xe2\x96\x80\xe2\x96\x84\xe2\x96\x88 "), "QR line of blocks");
	ok(!jwt_qr_line_ok(" \xe2\x96\x80\xc2\x9b"), "QR line with a C1 refused");
	ok(!jwt_qr_line_ok(""), "empty QR line refused");
	/* ASCII-only case folding */
	ok(jwt_ascii_casecmp("Application/JWT", "application/jwt") == 0, "ASCII letters fold");
	{
		int c, alnum = 0, wrong = 0;

		for (c = 0; c < 256; c++) {
			int want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			           (c >= 'A' && c <= 'Z');

			alnum += jwt_ascii_alnum(c) != 0;
			wrong += (jwt_ascii_alnum(c) != 0) != want;
		}
		ok(alnum == 62 && wrong == 0, "jwt_ascii_alnum: the 62 ASCII letters and digits, "
		   "no byte above 0x7f (%d, %d wrong)", alnum, wrong);
	}
	ok(jwt_ascii_casecmp("\xc9", "\xe9") != 0, "Latin-1 E acute does not fold");
	ok(jwt_ascii_casecmp("jwt", "jwtx") != 0 && jwt_ascii_casecmp("jwtx", "jwt") != 0,
	   "prefixes differ");
	ok(jwt_ascii_ncasecmp("APPLICATION/x", "application/y", 12) == 0, "n bytes only");
	ok(jwt_ascii_casecmp("[", "{") != 0 && jwt_ascii_casecmp("@", "`") != 0,
	   "punctuation does not fold");
	return tap_done();
}
