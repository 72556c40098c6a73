/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include "b64url.h"
#include "tap.h"

static int dec(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	if (b64url_decode(in, strlen(in), (unsigned char *)out, cap, &n) != 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int main(void)
{
	char buf[64], enc[64];
	unsigned char all[256];
	unsigned char back[256];
	size_t i, n;

	/* RFC 4648 section 10 vectors, url alphabet, no padding */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
	                                     "Zm9vYmFy" };

	for (i = 0; i < 7; i++) {
		ok(dec(coded[i], buf, sizeof(buf)) == (int)strlen(plain[i]) &&
		   strcmp(buf, plain[i]) == 0, "decode \"%s\"", coded[i]);
		b64url_encode((const unsigned char *)plain[i], strlen(plain[i]), enc);
		is_str(enc, coded[i], "encode \"%s\"", plain[i]);
	}
	ok(dec("-_8", buf, sizeof(buf)) == 2 && (unsigned char)buf[0] == 0xfb &&
	   (unsigned char)buf[1] == 0xff, "url alphabet - and _");
	ok(dec("+/8", buf, sizeof(buf)) < 0, "standard alphabet + / refused");
	ok(dec("Zg==", buf, sizeof(buf)) < 0, "padding refused");
	ok(dec("Zm9v YmFy", buf, sizeof(buf)) < 0, "whitespace refused");
	ok(dec("Zm9vY", buf, sizeof(buf)) < 0, "length 4k+1 refused");
	ok(dec("Zh", buf, sizeof(buf)) < 0, "non-zero trailing bits refused (Zh vs Zg)");
	ok(dec("Zm9", buf, sizeof(buf)) < 0, "non-zero trailing bits refused (Zm9 vs Zm8)");
	ok(dec("Zm9vYmFy", buf, 5) < 0, "output capacity respected");
	ok(dec("Zm9v\nYmFy", buf, sizeof(buf)) < 0, "newline refused");

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	{
		char big[400];

		b64url_encode(all, sizeof(all), big);
		ok(b64url_decode(big, strlen(big), back, sizeof(back), &n) == 0 && n == 256 &&
		   memcmp(all, back, 256) == 0, "round trip of all 256 byte values");
	}
	return tap_done();
}
