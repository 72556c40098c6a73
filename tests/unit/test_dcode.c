/* Desktop codes (lib/dcode.h): the shape, the alphabet, and, as root in a
 * private store, mint -> use once -> used; expiry at the token's exp;
 * another user's code; wrong guesses throttled by time per user and per
 * source and never costing the user's codes; revoke; the token's claims
 * kept; and that the store never holds the code. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "dcode.h"
#include "jwt.h"
#include "safefile.h"
#include "tap.h"

static struct jwt_config cfg;
static struct jwt_issuer iss;
/* {"alg":"ES256","typ":"JWT"} . {"sub":"alice","exp":1900000000} . "sig" */
static const char tok[] = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9."
                          "eyJzdWIiOiJhbGljZSIsImV4cCI6MTkwMDAwMDAwMH0.c2ln";
#define MINT(res, code, rec) \
	dcode_mint(&cfg, &iss, (res), tok, strlen(tok), now, (code), (rec), why, sizeof(why))

static void token(struct jwt_result *res, const char *user, long long exp)
{
	memset(res, 0, sizeof(*res));
	res->verdict = JWT_OK;
	snprintf(res->user, sizeof(res->user), "%s", user);
	snprintf(res->issuer_name, sizeof(res->issuer_name), "corp");
	snprintf(res->iss, sizeof(res->iss), "https://idp.test");
	snprintf(res->sub, sizeof(res->sub), "%s-sub", user);
	snprintf(res->jti, sizeof(res->jti), "jti-1");
	snprintf(res->kid, sizeof(res->kid), "k1");
	snprintf(res->groups, sizeof(res->groups), "developers operators");
	res->exp = exp;
}

static enum dcode_verdict use_from(const char *user, const char *rhost, const char *code,
                                   time_t now, int *fails)
{
	char canon[DCODE_SYMBOLS + 1], why[256] = "";
	struct dcode_record rec;

	if (!dcode_shape(code, strlen(code), canon))
		return DCODE_ERROR;
	return dcode_consume(&cfg, user, rhost, canon, now, &rec, fails, why, sizeof(why));
}

static enum dcode_verdict use(const char *user, const char *code, time_t now, int *fails)
{
	return use_from(user, "192.0.2.1", code, now, fails);
}

static void shapes(void)
{
	char c[DCODE_SYMBOLS + 1];
	const char *s;

	ok(dcode_shape("7KQM-XH4P-2NWD-RT9C", 19, c) && strcmp(c, "7KQMXH4P2NWDRT9C") == 0,
	   "XXXX-XXXX-XXXX-XXXX is a code");
	ok(dcode_shape("7kqm-xh4p-2nwd-rt9c", 19, c) && strcmp(c, "7KQMXH4P2NWDRT9C") == 0,
	   "lower case: the same code");
	ok(dcode_shape("7KQMXH4P2NWDRT9C", 16, c), "without dashes");
	ok(!dcode_shape("7kqm xh4p 2nwd rt9c", 19, c), "spaces: a passphrase, not a code");
	ok(!dcode_shape("happy days are here", 19, c), "a passphrase is not a code");
	ok(!dcode_shape("Kx7mQ2wPz9RtV4nH", 16, c), "mixed case: a password, not a code");
	ok(!dcode_shape("7KQM-XH4P2NWD-RT9C", 18, c), "some dashes only: not a code");
	ok(!dcode_shape("7KQMX-H4P2-NWDR-T9C", 19, c), "dashes out of place: not a code");
	ok(!dcode_shape("-7KQMXH4P2NWDRT9C", 17, c), "a leading dash: not a code");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RT9", 18, c), "15 symbols: not a code");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RT9CC", 20, c), "17 symbols: not a code");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RT0C", 19, c), "0 is not in the alphabet");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RTOC", 19, c), "O is not in the alphabet");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RT1C", 19, c), "1 is not in the alphabet");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RTlC", 19, c), "l is not in the alphabet");
	ok(!dcode_shape("7KQM-XH4P-2NWD-RTIC", 19, c), "I is not in the alphabet");
	ok(!dcode_shape("7KQM-XH4P\0-2NWD-RT9C", 20, c), "a NUL inside: not a code");
	ok(!dcode_shape("correct horse battery", 21, c), "a password is not a code");
	s = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.sig";
	ok(!dcode_shape(s, strlen(s), c), "a token is not a code");
	ok(dcode_user_ok("alice") && dcode_user_ok("a.b_c-d"), "ordinary user names are usable");
	ok(!dcode_user_ok(".key") && !dcode_user_ok("a/b") && !dcode_user_ok("x.lock") &&
	   !dcode_user_ok("") && !dcode_user_ok("-x"), "names that could collide are not");
}

static void store(const char *dir)
{
	char code[DCODE_TEXT_LEN + 1], bcode[DCODE_TEXT_LEN + 1];
	char why[256], path[4200], *text = NULL, canon[DCODE_SYMBOLS + 1];
	struct dcode_record rec;
	struct jwt_result res;
	time_t now = 1800000000;
	size_t len = 0, i;
	int fails = -1, n;
	struct stat st;

	token(&res, "alice", now + 3600);
	ok(MINT(&res, code, &rec) == 0, "mint: %s",
	   code);
	ok(strlen(code) == DCODE_TEXT_LEN && code[4] == '-' && code[9] == '-' && code[14] == '-',
	   "19 characters in four groups");
	ok(rec.expires == now + 120, "expires after desktop_code_ttl");
	ok(strcmp(rec.groups, "developers operators") == 0, "carries the token's groups");
	snprintf(path, sizeof(path), "%s/alice", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "store file 0600");
	dcode_shape(code, strlen(code), canon);
	ok(read_trusted_flags(path, 1 << 20, TRUSTED_SECRET, &text, &len, why, sizeof(why)) == 0 &&
	   strstr(text, canon) == NULL && strstr(text, code) == NULL, "the store never holds the code");
	free(text);

	ok(use("bob", code, now + 1, &fails) == DCODE_UNKNOWN, "alice's code for bob: unknown");
	ok(use("alice", code, now + 121, &fails) == DCODE_EXPIRED, "after the ttl: expired");
	ok(MINT(&res, code, &rec) == 0, "mint again");
	ok(use("alice", code, now + 1, &fails) == DCODE_OK && fails == 0, "used once: accepted");
	ok(use("alice", code, now + 2, &fails) == DCODE_USED, "used twice: refused as used");

	token(&res, "alice", now + 30);
	ok(MINT(&res, code, &rec) == 0 &&
	   rec.expires == now + 30, "never after the token's exp");
	ok(use("alice", code, now + 31, &fails) == DCODE_EXPIRED, "expired with its token");

	token(&res, "alice", now + 3600);
	MINT(&res, code, &rec);
	token(&res, "bob", now + 3600);
	MINT(&res, bcode, &rec);
	ok(strcmp(rec.typ, "JWT") == 0 && strcmp(rec.payload, "eyJzdWIiOiJhbGljZSIsImV4cCI6"
	   "MTkwMDAwMDAwMH0") == 0, "the token's typ and claims are kept for judging it again");
	/* Strangers' guesses: counted per user and per source, never burning codes. */
	for (i = 0; i < DCODE_THROTTLE_SOURCE - 1; i++)
		ok(use_from("alice", "198.51.100.7", bcode, now + 1, &fails) == DCODE_UNKNOWN &&
		   fails == (int)i + 1, "wrong code %zu (bob's): unknown, failures %d", i + 1, fails);
	ok(use_from("alice", "198.51.100.7", code, now + 1, &fails) == DCODE_OK,
	   "then the right code: accepted, nothing burned");
	token(&res, "alice", now + 3600);
	MINT(&res, code, &rec);
	ok(use_from("alice", "198.51.100.7", bcode, now + 2, &fails) == DCODE_UNKNOWN,
	   "one more wrong code from that host");
	ok(use_from("alice", "198.51.100.7", code, now + 2, &fails) == DCODE_THROTTLED,
	   "that host is paused for the rest of the minute, even with the right code");
	ok(use_from("alice", "203.0.113.9", code, now + 3, &fails) == DCODE_OK,
	   "from another host the code still works");
	MINT(&res, code, &rec);
	ok(use_from("alice", "198.51.100.7", code, now + DCODE_THROTTLE_WINDOW + 1, &fails) ==
	   DCODE_OK, "a minute later the paused host gets in too");
	for (i = 0; i < DCODE_THROTTLE_USER; i++) {
		char host[32];

		snprintf(host, sizeof(host), "10.9.%zu.1", i);
		use_from("bob", host, code, now + 1, &fails);
	}
	ok(use_from("bob", "10.99.0.1", bcode, now + 2, &fails) ==
	   DCODE_THROTTLED && fails == DCODE_THROTTLE_USER,
	   "%d wrong codes for bob from many hosts: his code checks pause", DCODE_THROTTLE_USER);
	ok(use_from("bob", "10.99.0.1", bcode, now + DCODE_THROTTLE_WINDOW + 2, &fails) == DCODE_OK,
	   "and resume the next minute: his code was never burned");

	MINT(&res, code, &rec);
	n = dcode_revoke(&cfg, "alice", rec.id, now, why, sizeof(why));
	ok(n == 1, "revoke by id: %d", n);
	ok(use("alice", code, now + 1, &fails) == DCODE_REVOKED, "revoked code refused");
	ok(use("carol", code, now + 1, &fails) == DCODE_UNKNOWN,
	   "a user without a store: unknown, like any wrong code");
	snprintf(path, sizeof(path), "%s/carol", dir);
	ok(access(path, F_OK) != 0, "and no file created for that name");
	iss.desktop_codes = 0;
	ok(MINT(&res, code, &rec) != 0,
	   "desktop_codes = no: no mint");
	iss.desktop_codes = 1;
}

static void count_rec(void *ctx, const struct dcode_record *r)
{
	*(struct dcode_record *)ctx = *r;
}

static int parse_text(const char *text, struct dcode_record *last)
{
	char why[200];

	memset(last, 0, sizeof(*last));
	return dcode_store_parse(text, strlen(text), "alice", 1800000000, count_rec, last, why,
	                         sizeof(why));
}

/* Times in the store file are bounded decimal digits: an out-of-range
 * expiry made `expires + DCODE_KEEP` overflow (found by fuzz_dcode). */
static void store_numbers(void)
{
	static const char hash[] = "abababababababababababababababababababababababababababababababab";
	struct dcode_record r;
	char text[1024];
	static const struct {
		const char *minted, *expires, *what;
	} bad[] = {
		{ "1799990000", "9223372036854775807", "an expiry at LLONG_MAX" },
		{ "1799990000", "1099511627777", "an expiry past 2^40" },
		{ "-1", "1800003600", "a negative time" },
		{ "+1799990000", "1800003600", "a time with a sign" },
		{ "1799990000", "1800003600x", "a time with trailing bytes" },
		{ "1799990000", "\t1800003600", "a time with a leading tab" },
		{ "1799990000", "0x10", "a hexadecimal time" },
	};
	size_t i;

	snprintf(text, sizeof(text), "pam_jwt-desktop-v2\n0123456789abcdef live 1799990000 "
	         "1800003600 %s corp https://idp.test alice-sub jti-1 k1 a%%20b - eyJ9\n", hash);
	ok(parse_text(text, &r) == 0 && r.expires == 1800003600 && r.minted == 1799990000 &&
	   strcmp(r.groups, "a b") == 0 && strcmp(r.user, "alice") == 0 &&
	   strcmp(r.payload, "eyJ9") == 0, "a store file parses: fields, escapes, payload");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "pam_jwt-desktop-v2\n0123456789abcdef live %s %s %s "
		         "corp https://idp.test alice-sub jti-1 k1 - - eyJ9\n", bad[i].minted,
		         bad[i].expires, hash);
		ok(parse_text(text, &r) == -1, "refused: %s", bad[i].what);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/test_dcode.XXXXXX", dir[4096], cmd[4200];

	shapes();
	store_numbers();
	if (geteuid() != 0) {
		/* The store half did not run: SKIP (77), not a pass, unless the
		 * shapes already failed. */
		printf("ok %d # SKIP the store tests need root\n", ++tap_n);
		return tap_done() ? 1 : 77;
	}
	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s/desktop", tmpl);
	cfg.desktop_code_dir = dir;
	snprintf(iss.name, sizeof(iss.name), "corp");
	iss.desktop_codes = 1;
	iss.desktop_code_ttl = 120;
	store(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpl);
	return tap_done();
}
