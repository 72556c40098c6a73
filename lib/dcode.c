/* Desktop codes: minting, one-time use, listing and revoking (dcode.h). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit.h"
#include "dcode.h"
#include "jws.h"
#include "safefile.h"

/* No 0/O, 1/I/L: what is read aloud or copied by hand is typed back right. */
static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define ALPHABET_LEN (sizeof(alphabet) - 1)
#define KEY_LEN 32
#define HASH_HEX 64
#define FILE_MAGIC "pam_jwt-desktop-v2"
#define FILE_MAGIC_V1 "pam_jwt-desktop-v1" /* no claims kept: its codes are not honoured */
#define MAX_RECORDS (DCODE_MAX_LIVE * 4)
#define FILE_MAX (MAX_RECORDS * (DCODE_MAX_PAYLOAD + 6000) + 64)
#define LOCK_WAIT_MS 5000
#define NFIELDS 13
#define DCODE_TIME_MAX (1LL << 40) /* times in the store: expires + DCODE_KEEP stays defined */
#define THROTTLE_FILE ".throttle"
#define THROTTLE_SLOTS 1024

struct entry {
	struct dcode_record rec;
	char hash[HASH_HEX + 1];
};

struct store {
	size_t n;
	struct entry e[MAX_RECORDS];
};

/* One slot of the throttle table: a user name or a remote host (tag: part
 * of its SHA-256), its minute and its wrong codes in that minute. */
struct slot {
	unsigned char tag[16];
	int64_t minute;
	uint32_t count;
	uint32_t pad;
};

static const char *const verdict_names[] = {
	"OK", "UNKNOWN_CODE", "CODE_USED", "CODE_EXPIRED", "CODE_REVOKED", "CODE_THROTTLED",
	"INTERNAL",
};

const char *dcode_verdict_name(enum dcode_verdict v)
{
	return (unsigned)v <= DCODE_ERROR ? verdict_names[v] : "INTERNAL";
}

int dcode_user_ok(const char *user)
{
	size_t n = user != NULL ? strlen(user) : 0, i;

	if (n == 0 || n > 32 || user[0] == '.' || user[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)user[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return strstr(user, ".lock") == NULL && strstr(user, ".tmp") == NULL;
}

int dcode_shape(const char *cred, size_t len, char canon[DCODE_SYMBOLS + 1])
{
	size_t i, n = 0;
	int dashed = len == DCODE_TEXT_LEN, upper = 0, lower = 0;

	canon[0] = '\0';
	if (len != DCODE_SYMBOLS && !dashed)
		return 0;
	for (i = 0; i < len; i++) {
		char c = cred[i];

		if (dashed && i % 5 == 4) {
			if (c != '-')
				return 0;
			continue;
		}
		if (c >= 'a' && c <= 'z') {
			lower = 1;
			c = (char)(c - 'a' + 'A');
		} else if (c >= 'A' && c <= 'Z') {
			upper = 1;
		}
		if (c == '\0' || strchr(alphabet, c) == NULL)
			return 0;
		canon[n++] = c;
	}
	canon[n] = '\0';
	/* a code is shown in capitals: mixed case is a password */
	if (upper && lower) {
		explicit_bzero(canon, DCODE_SYMBOLS + 1);
		return 0;
	}
	return n == DCODE_SYMBOLS;
}

static const char *store_dir(const struct jwt_config *cfg)
{
	return cfg->desktop_code_dir != NULL ? cfg->desktop_code_dir : DCODE_DEFAULT_DIR;
}

/* The store's HMAC key, made on first use. */
static int store_key(const char *dir, int create, unsigned char key[KEY_LEN], char *why,
                     size_t whycap)
{
	char path[4200], lockpath[4300], *buf = NULL;
	size_t len = 0;
	int lock = -1, rc = -1;

	snprintf(path, sizeof(path), "%s/.key", dir);
	if (create) {
		snprintf(lockpath, sizeof(lockpath), "%s/.key.lock", dir);
		if ((lock = lock_file(lockpath, LOCK_WAIT_MS, NULL, why, whycap)) < 0)
			return -1;
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			if (getrandom(key, KEY_LEN, 0) != KEY_LEN) {
				snprintf(why, whycap, "getrandom: %s", strerror(errno));
				goto out;
			}
			if (write_atomic(dir, path, (const char *)key, KEY_LEN, 0600, why, whycap) != 0)
				goto out;
		}
	}
	if (read_trusted_flags(path, KEY_LEN, TRUSTED_SECRET, &buf, &len, why, whycap) != 0)
		goto out;
	if (len != KEY_LEN) {
		snprintf(why, whycap, "%.200s: not a %d-byte key", path, KEY_LEN);
		goto out;
	}
	memcpy(key, buf, KEY_LEN);
	rc = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (lock >= 0)
		close(lock);
	return rc;
}

static int code_hash(const unsigned char key[KEY_LEN], const char *user,
                     const char canon[DCODE_SYMBOLS + 1], char hex[HASH_HEX + 1])
{
	unsigned char mac[32];
	char msg[128];
	size_t maclen = 0, i;
	int n = snprintf(msg, sizeof(msg), "%s%c%s%c%s", FILE_MAGIC, 0, user, 0, canon);

	if (n <= 0 || (size_t)n >= sizeof(msg) ||
	    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, KEY_LEN, (unsigned char *)msg,
	              (size_t)n, mac, sizeof(mac), &maclen) == NULL || maclen != sizeof(mac)) {
		explicit_bzero(msg, sizeof(msg));
		return -1;
	}
	explicit_bzero(msg, sizeof(msg));
	for (i = 0; i < sizeof(mac); i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* Fields are space-separated: space, '%', controls and an empty field are escaped. */
static void put_field(FILE *f, const char *s)
{
	if (*s == '\0' || strcmp(s, "-") == 0) {
		fputs(*s == '\0' ? " -" : " %2D", f);
		return;
	}
	fputc(' ', f);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == '%' || (unsigned char)*s >= 0x7f)
			fprintf(f, "%%%02X", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

static int get_field(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	if (strcmp(src, "-") == 0) {
		dst[0] = '\0';
		return 0;
	}
	for (; *src != '\0'; src++) {
		char c = *src;

		if (c == '%') {
			unsigned v;

			if (!isxdigit((unsigned char)src[1]) || !isxdigit((unsigned char)src[2]) ||
			    sscanf(src + 1, "%2X", &v) != 1 || v == 0)
				return -1;
			c = (char)v;
			src += 2;
		}
		if (n + 1 >= cap)
			return -1;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* The token's payload segment: base64url, never empty, bounded. */
static int payload_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

	return n > 0 && s[n] == '\0' && n <= DCODE_MAX_PAYLOAD;
}

/* A time in the store: decimal digits only, at most DCODE_TIME_MAX. */
static int get_time(const char *s, long long *v)
{
	long long n = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 15 || strspn(s, "0123456789") != len)
		return -1;
	for (; *s != '\0'; s++)
		n = n * 10 + (*s - '0');
	if (n > DCODE_TIME_MAX)
		return -1;
	*v = n;
	return 0;
}

static int parse_record(char *line, struct entry *e)
{
	char *f[NFIELDS], *save = NULL, *p;
	int i;

	for (i = 0, p = strtok_r(line, " ", &save); p != NULL && i < NFIELDS;
	     p = strtok_r(NULL, " ", &save))
		f[i++] = p;
	if (i != NFIELDS || p != NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	if (get_field(e->rec.id, sizeof(e->rec.id), f[0]) != 0 ||
	    get_field(e->rec.state, sizeof(e->rec.state), f[1]) != 0 ||
	    get_time(f[2], &e->rec.minted) != 0 || get_time(f[3], &e->rec.expires) != 0 ||
	    strlen(f[4]) != HASH_HEX ||
	    get_field(e->hash, sizeof(e->hash), f[4]) != 0 ||
	    get_field(e->rec.issuer_name, sizeof(e->rec.issuer_name), f[5]) != 0 ||
	    get_field(e->rec.iss, sizeof(e->rec.iss), f[6]) != 0 ||
	    get_field(e->rec.sub, sizeof(e->rec.sub), f[7]) != 0 ||
	    get_field(e->rec.jti, sizeof(e->rec.jti), f[8]) != 0 ||
	    get_field(e->rec.kid, sizeof(e->rec.kid), f[9]) != 0 ||
	    get_field(e->rec.groups, sizeof(e->rec.groups), f[10]) != 0 ||
	    get_field(e->rec.typ, sizeof(e->rec.typ), f[11]) != 0 ||
	    !payload_ok(f[12]))
		return -1;
	memcpy(e->rec.payload, f[12], strlen(f[12]) + 1);
	if (strcmp(e->rec.state, "live") != 0 && strcmp(e->rec.state, "used") != 0 &&
	    strcmp(e->rec.state, "revoked") != 0)
		return -1;
	return 0;
}

/* Parse a store file's text (NUL-terminated, changed by strtok_r) into st,
 * dropping records past their keeping time.  0, or -1: corrupt. */
static int parse_store(char *text, const char *user, time_t now, struct store *st)
{
	char *line, *save = NULL;
	int first = 1;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct entry *e;

		if (first) {
			first = 0;
			/* codes minted before the claims were kept are not honoured */
			if (strncmp(line, FILE_MAGIC_V1 " ", sizeof(FILE_MAGIC_V1)) == 0)
				break;
			if (strcmp(line, FILE_MAGIC) != 0)
				return -1;
			continue;
		}
		if (st->n >= MAX_RECORDS)
			return -1;
		e = &st->e[st->n];
		if (parse_record(line, e) != 0)
			return -1;
		snprintf(e->rec.user, sizeof(e->rec.user), "%s", user);
		if (e->rec.expires + DCODE_KEEP < (long long)now)
			continue; /* pruned */
		st->n++;
	}
	return first ? -1 : 0;
}

/* Read USER's file into st.
 * 0 read (or absent: *exists = 0), -1 unusable (fail closed). */
static int load(const char *path, const char *user, time_t now, struct store *st, int *exists,
                char *why, size_t whycap)
{
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	*exists = 0;
	if (read_trusted_flags(path, FILE_MAX, TRUSTED_SECRET, &text, &len, why, whycap) != 0) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return 0;
		return -1;
	}
	*exists = 1;
	if (parse_store(text, user, now, st) != 0)
		snprintf(why, whycap, "%.200s: corrupt desktop code store", path);
	else
		rc = 0;
	explicit_bzero(text, len);
	free(text);
	return rc;
}

int dcode_store_parse(const char *text, size_t len, const char *user, time_t now,
                      void (*fn)(void *ctx, const struct dcode_record *rec), void *ctx,
                      char *why, size_t whycap)
{
	struct store *st = calloc(1, sizeof(*st));
	char *copy = malloc(len + 1);
	size_t i;
	int rc = -1;

	if (st == NULL || copy == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (len > FILE_MAX || parse_store(copy, user, now, st) != 0) {
		snprintf(why, whycap, "corrupt desktop code store");
		goto out;
	}
	for (i = 0; i < st->n; i++)
		fn(ctx, &st->e[i].rec);
	rc = 0;
out:
	if (copy != NULL) {
		explicit_bzero(copy, len);
		free(copy);
	}
	free(st);
	return rc;
}

static int save(const char *dir, const char *path, const struct store *st, char *why,
                size_t whycap)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	int rc = -1;

	if (f == NULL) {
		snprintf(why, whycap, "out of memory");
		return -1;
	}
	fprintf(f, "%s\n", FILE_MAGIC);
	for (i = 0; i < st->n; i++) {
		const struct entry *e = &st->e[i];

		fprintf(f, "%s %s %lld %lld %s", e->rec.id, e->rec.state, e->rec.minted,
		        e->rec.expires, e->hash);
		put_field(f, e->rec.issuer_name);
		put_field(f, e->rec.iss);
		put_field(f, e->rec.sub);
		put_field(f, e->rec.jti);
		put_field(f, e->rec.kid);
		put_field(f, e->rec.groups);
		put_field(f, e->rec.typ);
		fprintf(f, " %s\n", e->rec.payload);
	}
	if (fclose(f) != 0 || buf == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	rc = write_atomic(dir, path, buf, len, 0600, why, whycap);
out:
	free(buf);
	return rc;
}

/* Lock and load USER's store. Returns the lock fd, or -1. */
static int open_store(const struct jwt_config *cfg, const char *user, int create, time_t now,
                      char *path, size_t pathcap, struct store *st, int *exists, char *why,
                      size_t whycap)
{
	const char *dir = store_dir(cfg);
	char lockpath[4300];
	int lock;

	if (!dcode_user_ok(user)) {
		snprintf(why, whycap, "user name not usable for desktop codes");
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(why, whycap, "desktop codes need root");
		return -1;
	}
	if (snprintf(path, pathcap, "%s/%s", dir, user) >= (int)pathcap)
		return -1;
	if (create) {
		if (make_private_dir(dir, why, whycap) != 0)
			return -1;
	} else if (access(path, F_OK) != 0 && errno == ENOENT) {
		/* Never create files for names an unauthenticated client typed. */
		memset(st, 0, sizeof(*st));
		*exists = 0;
		return -2;
	} else if (dir_trusted(dir, why, whycap) != 0) {
		return -1;
	}
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if ((lock = lock_file(lockpath, LOCK_WAIT_MS, NULL, why, whycap)) < 0)
		return -1;
	if (load(path, user, now, st, exists, why, whycap) != 0) {
		close(lock);
		return -1;
	}
	return lock;
}

/* The throttle table: THROTTLE_SLOTS fixed slots in one file, so guesses
 * for names nobody has cost one slot each and never a file. */
static void slot_key(const char *kind, const char *name, size_t *index, unsigned char tag[16])
{
	unsigned char d[32];
	unsigned int dl = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(d, 0, sizeof(d));
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 || EVP_DigestFinal_ex(ctx, d, &dl) != 1)
		memset(d, 0, sizeof(d)); /* all names share slot 0: throttled together */
	EVP_MD_CTX_free(ctx);
	*index = ((size_t)d[0] << 8 | d[1]) % THROTTLE_SLOTS;
	memcpy(tag, d + 2, 16);
}

/* Wrong codes of `name` in this minute; with bump, one more first. */
static uint32_t slot_count(int fd, const char *kind, const char *name, time_t now, int bump)
{
	struct slot s;
	unsigned char tag[16];
	size_t index;
	int64_t minute = (int64_t)now / DCODE_THROTTLE_WINDOW;
	off_t at;

	slot_key(kind, name, &index, tag);
	at = (off_t)(index * sizeof(s));
	if (pread(fd, &s, sizeof(s), at) != (ssize_t)sizeof(s) ||
	    memcmp(s.tag, tag, sizeof(tag)) != 0 || s.minute != minute) {
		memset(&s, 0, sizeof(s));
		memcpy(s.tag, tag, sizeof(tag));
		s.minute = minute;
	}
	if (bump) {
		if (s.count < UINT32_MAX)
			s.count++;
		if (pwrite(fd, &s, sizeof(s), at) != (ssize_t)sizeof(s))
			return s.count; /* a lost count only weakens the throttle */
	}
	return s.count;
}

/* Check (bump = 0) or count (bump = 1) a wrong code for user and rhost.
 * Returns 1 when either is over its rate, 0 if not, -1 on error. */
static int throttle(const char *dir, const char *user, const char *rhost, time_t now, int bump,
                    int *user_count, char *why, size_t whycap)
{
	char path[4200];
	uint32_t u, h = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, THROTTLE_FILE);
	if ((fd = lock_file(path, LOCK_WAIT_MS, NULL, why, whycap)) < 0)
		return -1;
	u = slot_count(fd, "user", user, now, bump);
	if (rhost != NULL && rhost[0] != '\0')
		h = slot_count(fd, "rhost", rhost, now, bump);
	close(fd);
	*user_count = u > INT32_MAX ? INT32_MAX : (int)u;
	return u >= DCODE_THROTTLE_USER || h >= DCODE_THROTTLE_SOURCE;
}

static void random_code(const unsigned char *rnd, size_t n, char canon[DCODE_SYMBOLS + 1],
                        size_t *used)
{
	size_t k = 0;

	/* Rejection sampling: 256 - 256 % 31 keeps every symbol equally likely. */
	while (k < DCODE_SYMBOLS && *used < n) {
		unsigned char b = rnd[(*used)++];

		if (b < 256 - 256 % ALPHABET_LEN)
			canon[k++] = alphabet[b % ALPHABET_LEN];
	}
	canon[k] = '\0';
}

int dcode_mint(const struct jwt_config *cfg, const struct jwt_issuer *iss,
               const struct jwt_result *res, const char *token, size_t len, time_t now,
               char code[DCODE_TEXT_LEN + 1], struct dcode_record *rec, char *why,
               size_t whycap)
{
	unsigned char key[KEY_LEN], rnd[128], idb[8];
	char path[4200], canon[DCODE_SYMBOLS + 1], reason[256];
	struct store *st = calloc(1, sizeof(*st));
	struct jws *jws = calloc(1, sizeof(*jws));
	struct entry *e;
	size_t used = 0, live = 0, i, j;
	int lock = -1, exists, rc = -1;

	code[0] = '\0';
	if (st == NULL || jws == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	if (res->verdict != JWT_OK || !iss->desktop_codes) {
		snprintf(why, whycap, "desktop codes are not enabled for [issuer %s]", iss->name);
		goto out;
	}
	/* the claims are kept, to be judged again when the code is typed */
	if (jws_parse(token, len, jws, reason, sizeof(reason)) != JWT_OK) {
		snprintf(why, whycap, "token: %s", reason);
		goto out;
	}
	if (jws->payload_b64_len == 0 || jws->payload_b64_len > DCODE_MAX_PAYLOAD) {
		snprintf(why, whycap, "the token's claims are too large for a desktop code "
		         "(%zu characters, at most %d)", jws->payload_b64_len, DCODE_MAX_PAYLOAD);
		goto out;
	}
	if ((lock = open_store(cfg, res->user, 1, now, path, sizeof(path), st, &exists, why,
	                       whycap)) < 0 ||
	    store_key(store_dir(cfg), 1, key, why, whycap) != 0)
		goto out;
	for (i = 0; i < st->n; i++)
		live += strcmp(st->e[i].rec.state, "live") == 0 && st->e[i].rec.expires > now;
	if (live >= DCODE_MAX_LIVE) {
		snprintf(why, whycap, "%zu unused codes already (revoke some)", live);
		goto out;
	}
	if (st->n >= MAX_RECORDS) { /* keep the newest: drop the oldest record */
		memmove(&st->e[0], &st->e[1], (st->n - 1) * sizeof(st->e[0]));
		st->n--;
	}
	do {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
		    getrandom(idb, sizeof(idb), 0) != (ssize_t)sizeof(idb)) {
			snprintf(why, whycap, "getrandom: %s", strerror(errno));
			goto out;
		}
		used = 0;
		random_code(rnd, sizeof(rnd), canon, &used);
	} while (strlen(canon) != DCODE_SYMBOLS);
	e = &st->e[st->n];
	memset(e, 0, sizeof(*e));
	if (code_hash(key, res->user, canon, e->hash) != 0) {
		snprintf(why, whycap, "HMAC failed");
		goto out;
	}
	for (i = 0; i < sizeof(idb); i++)
		snprintf(e->rec.id + 2 * i, 3, "%02x", idb[i]);
	snprintf(e->rec.state, sizeof(e->rec.state), "live");
	e->rec.minted = (long long)now;
	/* never valid after the token it stands for */
	e->rec.expires = (long long)now + iss->desktop_code_ttl;
	if (res->exp < e->rec.expires)
		e->rec.expires = res->exp;
	snprintf(e->rec.user, sizeof(e->rec.user), "%s", res->user);
	snprintf(e->rec.issuer_name, sizeof(e->rec.issuer_name), "%s", iss->name);
	snprintf(e->rec.iss, sizeof(e->rec.iss), "%s", res->iss);
	snprintf(e->rec.sub, sizeof(e->rec.sub), "%s", res->sub);
	snprintf(e->rec.jti, sizeof(e->rec.jti), "%s", res->jti);
	snprintf(e->rec.kid, sizeof(e->rec.kid), "%s", res->kid);
	snprintf(e->rec.groups, sizeof(e->rec.groups), "%s", res->groups);
	snprintf(e->rec.typ, sizeof(e->rec.typ), "%s", jws->typ);
	memcpy(e->rec.payload, jws->payload_b64, jws->payload_b64_len);
	e->rec.payload[jws->payload_b64_len] = '\0';
	st->n++;
	if (save(store_dir(cfg), path, st, why, whycap) != 0)
		goto out;
	for (i = 0, j = 0; i < DCODE_SYMBOLS; i++) {
		if (i > 0 && i % 4 == 0)
			code[j++] = '-';
		code[j++] = canon[i];
	}
	code[j] = '\0';
	*rec = e->rec;
	rc = 0;
out:
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(rnd, sizeof(rnd));
	explicit_bzero(key, sizeof(key));
	if (lock >= 0)
		close(lock);
	if (jws != NULL) {
		explicit_bzero(jws, sizeof(*jws));
		free(jws);
	}
	free(st);
	return rc;
}

enum dcode_verdict dcode_consume(const struct jwt_config *cfg, const char *user,
                                 const char *rhost, const char canon[DCODE_SYMBOLS + 1],
                                 time_t now, struct dcode_record *rec, int *failures,
                                 char *why, size_t whycap)
{
	const char *dir = store_dir(cfg);
	unsigned char key[KEY_LEN];
	char path[4200], hash[HASH_HEX + 1], err[256];
	struct store *st = NULL;
	struct entry *hit = NULL;
	enum dcode_verdict v = DCODE_ERROR;
	size_t i;
	int lock = -1, exists = 0, over;

	*failures = 0;
	memset(rec, 0, sizeof(*rec));
	memset(key, 0, sizeof(key));
	memset(hash, 0, sizeof(hash));
	snprintf(why, whycap, "matches no live desktop code of this user");
	/* No code was ever minted on this host (or none can be for this name). */
	if (!dcode_user_ok(user) || (access(dir, F_OK) != 0 && errno == ENOENT))
		return DCODE_UNKNOWN;
	if (dir_trusted(dir, why, whycap) != 0)
		return DCODE_ERROR;
	if ((over = throttle(dir, user, rhost, now, 0, failures, why, whycap)) < 0)
		return DCODE_ERROR;
	if (over) {
		snprintf(why, whycap, "over %d wrong codes for this user or %d from this host in "
		         "%d s: code checks paused", DCODE_THROTTLE_USER - 1,
		         DCODE_THROTTLE_SOURCE - 1, DCODE_THROTTLE_WINDOW);
		return DCODE_THROTTLED;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(why, whycap, "out of memory");
		return DCODE_ERROR;
	}
	lock = open_store(cfg, user, 0, now, path, sizeof(path), st, &exists, why, whycap);
	if (lock == -1)
		goto out;
	if (lock >= 0) {
		if (store_key(dir, 0, key, why, whycap) != 0 || code_hash(key, user, canon, hash) != 0)
			goto out;
		/* Compare with every record, in constant time each: no early exit. */
		for (i = 0; i < st->n; i++)
			if (CRYPTO_memcmp(st->e[i].hash, hash, HASH_HEX) == 0)
				hit = &st->e[i];
	}
	if (hit == NULL) {
		/* Counted against the rate, never against the user's codes. */
		if (throttle(dir, user, rhost, now, 1, failures, err, sizeof(err)) < 0) {
			snprintf(why, whycap, "%s", err);
			goto out;
		}
		snprintf(why, whycap, "matches no live desktop code of this user");
		v = DCODE_UNKNOWN;
		goto out;
	}
	*rec = hit->rec;
	if (strcmp(hit->rec.state, "used") == 0) {
		snprintf(why, whycap, "code already used");
		v = DCODE_USED;
	} else if (strcmp(hit->rec.state, "revoked") == 0) {
		snprintf(why, whycap, "code revoked");
		v = DCODE_REVOKED;
	} else if (hit->rec.expires <= (long long)now) {
		snprintf(why, whycap, "code expired %lld s ago", (long long)now - hit->rec.expires);
		v = DCODE_EXPIRED;
	} else {
		snprintf(hit->rec.state, sizeof(hit->rec.state), "used");
		v = DCODE_OK;
		if (save(dir, path, st, err, sizeof(err)) != 0) {
			snprintf(why, whycap, "%s", err);
			v = DCODE_ERROR; /* a use that cannot be recorded is no use */
		}
	}
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hash, sizeof(hash));
	if (lock >= 0)
		close(lock);
	if (st != NULL) {
		explicit_bzero(st, sizeof(*st));
		free(st);
	}
	return v;
}

static int list_user(const struct jwt_config *cfg, const char *user, time_t now,
                     void (*fn)(void *, const struct dcode_record *, int, int), void *ctx,
                     char *why, size_t whycap)
{
	char path[4200];
	struct store *st = calloc(1, sizeof(*st));
	size_t i;
	int lock, exists = 0, fails = 0, locked;

	if (st == NULL)
		return -1;
	lock = open_store(cfg, user, 0, now, path, sizeof(path), st, &exists, why, whycap);
	if (lock == -2) {
		free(st);
		return 0;
	}
	if (lock < 0) {
		free(st);
		return -1;
	}
	close(lock);
	/* a peek at the throttle: nothing is counted */
	if ((locked = throttle(store_dir(cfg), user, NULL, now, 0, &fails, why, whycap)) < 0)
		locked = fails = 0;
	if (st->n == 0)
		fn(ctx, NULL, fails, locked);
	for (i = 0; i < st->n; i++)
		fn(ctx, &st->e[i].rec, fails, locked);
	free(st);
	return 0;
}

int dcode_list(const struct jwt_config *cfg, const char *user, time_t now,
               void (*fn)(void *ctx, const struct dcode_record *rec, int fails, int locked),
               void *ctx, char *why, size_t whycap)
{
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (user != NULL)
		return list_user(cfg, user, now, fn, ctx, why, whycap);
	if ((dir = opendir(store_dir(cfg))) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whycap, "%.200s: %s", store_dir(cfg), strerror(errno));
		return -1;
	}
	while ((d = readdir(dir)) != NULL)
		if (dcode_user_ok(d->d_name) && list_user(cfg, d->d_name, now, fn, ctx, why,
		                                          whycap) != 0)
			rc = -1;
	closedir(dir);
	return rc;
}

int dcode_revoke(const struct jwt_config *cfg, const char *user, const char *id, time_t now,
                 char *why, size_t whycap)
{
	char path[4200];
	struct store *st = calloc(1, sizeof(*st));
	size_t i;
	int lock, exists = 0, n = 0;

	if (st == NULL)
		return -1;
	lock = open_store(cfg, user, 0, now, path, sizeof(path), st, &exists, why, whycap);
	if (lock == -2) {
		free(st);
		return 0;
	}
	if (lock < 0) {
		free(st);
		return -1;
	}
	for (i = 0; i < st->n; i++) {
		struct dcode_record *r = &st->e[i].rec;

		if ((id == NULL || strcmp(r->id, id) == 0) && strcmp(r->state, "live") == 0) {
			snprintf(r->state, sizeof(r->state), "revoked");
			n++;
		}
	}
	if (save(store_dir(cfg), path, st, why, whycap) != 0)
		n = -1;
	close(lock);
	free(st);
	return n;
}

void dcode_audit_format(char *buf, size_t cap, const char *word, const char *verdict,
                        const struct dcode_record *r, const char *pam_user, const char *rhost,
                        int failures, const char *why)
{
	char until[32] = "", fails[16];
	size_t used = jwt_audit_begin(buf, cap, word, verdict);

	if (r->expires > 0) {
		time_t t = (time_t)r->expires;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	snprintf(fails, sizeof(fails), "%d", failures);
	jwt_audit_who(buf, cap, &used, pam_user, r->user, r->issuer_name, r->iss, r->sub, r->jti,
	              r->kid);
	jwt_audit_field(buf, cap, &used, "rhost", rhost);
	jwt_audit_field(buf, cap, &used, "method", "desktop-code");
	jwt_audit_field(buf, cap, &used, "code_id", r->id);
	jwt_audit_field(buf, cap, &used, "until", until);
	jwt_audit_field(buf, cap, &used, "failures", fails);
	jwt_audit_field(buf, cap, &used, why != NULL ? "reason" : "groups", why != NULL ? why : r->groups);
}
