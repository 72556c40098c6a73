/* The device flow's line protocol, the module's reading side
 * (lib/devproto.h): framing across reads, caps, NUL, wiping, the offer and
 * the token line.  tests/fuzz/fuzz_devproto drives the same functions. */
#include "config.h"

#include <string.h>

#include "devproto.h"
#include "text.h"
#include "tap.h"

struct feed {
	const char *p;
	size_t left, step;
};

static ssize_t feed_read(void *ctx, char *buf, size_t cap)
{
	struct feed *f = ctx;
	size_t n = f->step < cap ? f->step : cap;

	if (n > f->left)
		n = f->left;
	memcpy(buf, f->p, n);
	f->p += n;
	f->left -= n;
	return (ssize_t)n;
}

static void start(struct devproto_reader *r, struct feed *f, const char *s, size_t len,
                  size_t step)
{
	memset(r, 0, sizeof(*r));
	f->p = s;
	f->left = len;
	f->step = step;
	r->read = feed_read;
	r->ctx = f;
}

static int wiped(const struct devproto_reader *r)
{
	size_t i;

	for (i = r->len; i < sizeof(r->buf); i++)
		if (r->buf[i] != '\0')
			return 0;
	return 1;
}

static enum devproto_step offer(const char *text, struct devproto_offer *o)
{
	static struct devproto_reader r;
	struct feed f;
	char line[DEVPROTO_LINE_MAX + 1];
	enum devproto_step s = DEVPROTO_BAD;

	memset(o, 0, sizeof(*o));
	start(&r, &f, text, strlen(text), 5);
	while (devproto_read_line(&r, line, sizeof(line)) == 1)
		if ((s = devproto_offer_line(o, line)) != DEVPROTO_MORE)
			break;
	return s;
}

int main(void)
{
	static struct devproto_reader r;
	static struct devproto_offer o;
	static char big[3000];
	static const char stream[] = "uri https://idp.test/d\ncode AB-CD\nexpires 600\n"
	                             "ready\ntoken 5\nabcde\n";
	char line[DEVPROTO_LINE_MAX + 1], tok[8];
	struct feed f;
	size_t n = 0, step;
	int all = 1;

	for (step = 1; step <= sizeof(stream); step++) {
		start(&r, &f, stream, strlen(stream), step);
		all &= devproto_read_line(&r, line, sizeof(line)) == 1 &&
		       strcmp(line, "uri https://idp.test/d") == 0;
		while (devproto_read_line(&r, line, sizeof(line)) == 1 && strcmp(line, "ready") != 0)
			;
		all &= devproto_read_line(&r, line, sizeof(line)) == 1 &&
		       devproto_token_line(line, &n) && n == 5 &&
		       devproto_read_exact(&r, tok, n) == 0 && strcmp(tok, "abcde") == 0 &&
		       wiped(&r) && devproto_read_line(&r, line, sizeof(line)) == 0;
	}
	ok(all, "the same lines and token whatever the size of each read; consumed bytes wiped");

	start(&r, &f, "a\0b\n", 4, 64);
	ok(devproto_read_line(&r, line, sizeof(line)) == -1, "a NUL in a line: refused");
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	start(&r, &f, big, sizeof(big), 4096);
	ok(devproto_read_line(&r, line, sizeof(line)) == -1, "a line over the cap: refused");
	start(&r, &f, big, sizeof(big) - 1, 7);
	ok(devproto_read_line(&r, line, sizeof(line)) == -1,
	   "a line over the cap without a newline: refused before the buffer fills");
	start(&r, &f, "partial", 7, 3);
	ok(devproto_read_line(&r, line, sizeof(line)) == -1, "end of file inside a line: error");
	start(&r, &f, "token 3\nab\n", 11, 64);
	ok(devproto_read_line(&r, line, sizeof(line)) == 1 && devproto_token_line(line, &n) &&
	   devproto_read_exact(&r, tok, n) == -1, "a token shorter than announced: refused");

	ok(offer("uri https://i.test/d\nqr \xe2\x96\x88 \xe2\x96\x80\n"
	         "code X\nexpires 60\nready\n", &o) == DEVPROTO_READY &&
	   strcmp(o.uri, "https://i.test/d") == 0 && strcmp(o.code, "X") == 0 && o.expires == 60 &&
	   o.nqr == 1, "a full offer is READY");
	ok(offer("uri http://i.test/d\n", &o) == DEVPROTO_BAD, "a URI not https://: bad");
	ok(offer("uri https://i.test/d\nuri https://evil.test/d\n", &o) == DEVPROTO_BAD,
	   "a second link: bad (the printed link is the QR code's)");
	ok(offer("complete https://evil.test/d\n", &o) == DEVPROTO_BAD,
	   "a separate 'complete' link: bad");
	ok(offer("uri https://i.test/ d\n", &o) == DEVPROTO_BAD, "a URI of two words: bad");
	ok(offer("code X\nexpires 60\nready\n", &o) == DEVPROTO_INCOMPLETE, "no URI: incomplete");
	ok(offer("uri https://i.test/d\ncode X\nexpires 0\nready\n", &o) == DEVPROTO_INCOMPLETE,
	   "expires 0: incomplete");
	ok(offer("expires 123456\n", &o) == DEVPROTO_BAD, "expires of six digits: bad");
	ok(offer("expires -5\n", &o) == DEVPROTO_BAD, "negative expires: bad");
	ok(offer("qr <script>\n", &o) == DEVPROTO_BAD, "a QR line of other bytes: bad");
	ok(offer("error denied access_denied\n", &o) == DEVPROTO_ERROR, "an error line");
	ok(offer("ready\n", &o) == DEVPROTO_INCOMPLETE, "ready alone: incomplete");
	ok(!devproto_token_line("token 123456", &n) && !devproto_token_line("token -1", &n) &&
	   !devproto_token_line("token ", &n) && !devproto_token_line("token 1x", &n) &&
	   devproto_token_line("token 0", &n) && n == 0, "token line: 1 to 5 digits only");
	ok(jwt_qr_line_ok(" ") && !jwt_qr_line_ok("") &&
	   !jwt_qr_line_ok("\xe2\x96\x81"), "QR line: blocks and spaces only");
	return tap_done();
}
