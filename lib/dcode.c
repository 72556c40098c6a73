/* SPDX-License-Identifier: BSD-2-Clause */
/* Desktop codes: minting, one-time use, listing and revoking (dcode.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
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
#include "store.h"

/* No 0/O, 1/I/L: what is read aloud or copied by hand is typed back right. */
static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define ALPHABET_LEN (sizeof(alphabet) - 1)
#define KEY_LEN 32
#define ID_DOMAIN "pam_jwt-desktop-v3" /* HMAC input: domain, user, code */
#define USER_PREFIX 16  /* id = SHA-256(user)[16] || HMAC(.key, user, code)[16] */
#define MAX_RECORDS (DCODE_MAX_LIVE * 4) /* per user, used and revoked ones included */
#define WALK_MAX (MAX_RECORDS + DCODE_MAX_LIVE)
#define LOCK_WAIT_MS 5000
#define DCODE_TIME_MAX (1LL << 40) /* times in the store: expires + DCODE_KEEP stays defined */
#define THROTTLE_FILE ".throttle"
#define THROTTLE_SLOTS 1024
#define STATE_LIVE 0
#define CORRUPT "desktop-code store: a record does not decode: refused"

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
	return user != NULL && jwt_valid_name(user, 32) && strstr(user, ".lock") == NULL &&
	       strstr(user, ".tmp") == NULL;
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

/* The first bytes of every id of user's codes. */
static int user_prefix(const char *user, unsigned char prefix[USER_PREFIX])
{
	unsigned char d[32] = { 0 };
	unsigned int dl = 0;
	int ok = EVP_Digest(user, strlen(user), d, &dl, EVP_sha256(), NULL) == 1 && dl == sizeof(d);

	memcpy(prefix, d, USER_PREFIX);
	return ok ? 0 : -1;
}

/* A record's id in the store: who it belongs to, then which code, so a
 * typed code is one key lookup and a user's codes are one key range. */
static int code_id(const unsigned char key[KEY_LEN], const char *user,
                   const char canon[DCODE_SYMBOLS + 1], unsigned char id[STORE_ID_LEN])
{
	unsigned char mac[32];
	char msg[128];
	size_t maclen = 0;
	int n = snprintf(msg, sizeof(msg), "%s%c%s%c%s", ID_DOMAIN, 0, user, 0, canon);
	int rc = -1;

	if (n > 0 && (size_t)n < sizeof(msg) && user_prefix(user, id) == 0 &&
	    EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, KEY_LEN, (unsigned char *)msg,
	              (size_t)n, mac, sizeof(mac), &maclen) != NULL && maclen == sizeof(mac)) {
		memcpy(id + USER_PREFIX, mac, STORE_ID_LEN - USER_PREFIX);
		rc = 0;
	}
	explicit_bzero(msg, sizeof(msg));
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

/*
 * The stored form of a record, strict both ways (the fuzzer checks that
 * decode and encode are inverses):
 *   version(1) state(1) minted(8) expires(8) seq(8)   big-endian times
 *   then each text field: length(2, big-endian) bytes (no NUL)
 */
#define REC_VERSION 1
#define REC_HEAD (2 + 3 * 8)
#define REC_FIELD(f) { offsetof(struct dcode_record, f), sizeof(((struct dcode_record *)0)->f) }
static const struct {
	size_t off, cap;
} rec_fields[] = {
	REC_FIELD(id), REC_FIELD(user), REC_FIELD(issuer_name), REC_FIELD(iss), REC_FIELD(sub),
	REC_FIELD(jti), REC_FIELD(kid), REC_FIELD(groups), REC_FIELD(typ), REC_FIELD(payload),
};
#define N_REC_FIELDS (sizeof(rec_fields) / sizeof(rec_fields[0]))
/* every field at its bound still fits (a bound: the record's size less its
 * three times and each field's NUL, plus 2 length bytes a field), and the
 * store takes it */
_Static_assert(REC_HEAD + 2 * 10 + sizeof(struct dcode_record) - 10 - 3 * sizeof(long long) <=
               DCODE_RECORD_MAX, "DCODE_RECORD_MAX too small");
_Static_assert(DCODE_RECORD_MAX <= STORE_VALUE_MAX, "STORE_VALUE_MAX too small");
static const char *const states[] = { "live", "used", "revoked" };

static int state_index(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return (int)i;
	return -1;
}

static void put_be64(unsigned char *p, long long v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* A time (or seq) of the record: 0 .. DCODE_TIME_MAX, so expires + DCODE_KEEP stays defined. */
static int get_time(const unsigned char *p, long long *v)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < 8; i++)
		n = (n << 8) | p[i];
	if (n > DCODE_TIME_MAX)
		return -1;
	*v = (long long)n;
	return 0;
}

/* The token's payload segment: base64url, never empty, bounded. */
static int payload_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

	return n > 0 && s[n] == '\0' && n <= DCODE_MAX_PAYLOAD;
}

static int record_ok(const struct dcode_record *r)
{
	return strlen(r->id) == 16 && strspn(r->id, "0123456789abcdef") == 16 &&
	       state_index(r->state) >= 0 && dcode_user_ok(r->user) && payload_ok(r->payload) &&
	       r->minted >= 0 && r->minted <= DCODE_TIME_MAX && r->expires >= 0 &&
	       r->expires <= DCODE_TIME_MAX && r->seq >= 0 && r->seq <= DCODE_TIME_MAX;
}

size_t dcode_record_encode(const struct dcode_record *r, unsigned char *buf, size_t cap)
{
	size_t used = REC_HEAD, i;

	if (cap < REC_HEAD || !record_ok(r))
		return 0;
	buf[0] = REC_VERSION;
	buf[1] = (unsigned char)state_index(r->state);
	put_be64(buf + 2, r->minted);
	put_be64(buf + 10, r->expires);
	put_be64(buf + 18, r->seq);
	for (i = 0; i < N_REC_FIELDS; i++) {
		const char *f = (const char *)r + rec_fields[i].off;
		size_t n = strnlen(f, rec_fields[i].cap);

		if (n >= rec_fields[i].cap || cap - used < 2 + n)
			return 0;
		buf[used] = (unsigned char)(n >> 8);
		buf[used + 1] = (unsigned char)(n & 0xff);
		memcpy(buf + used + 2, f, n);
		used += 2 + n;
	}
	return used;
}

int dcode_record_decode(const unsigned char *buf, size_t len, struct dcode_record *r)
{
	size_t used = REC_HEAD, i;

	memset(r, 0, sizeof(*r));
	if (len < REC_HEAD || buf[0] != REC_VERSION ||
	    buf[1] >= sizeof(states) / sizeof(states[0]) || get_time(buf + 2, &r->minted) != 0 ||
	    get_time(buf + 10, &r->expires) != 0 || get_time(buf + 18, &r->seq) != 0)
		goto bad;
	snprintf(r->state, sizeof(r->state), "%s", states[buf[1]]);
	for (i = 0; i < N_REC_FIELDS; i++) {
		char *f = (char *)r + rec_fields[i].off;
		size_t n;

		if (len - used < 2)
			goto bad;
		n = (size_t)buf[used] << 8 | buf[used + 1];
		used += 2;
		if (n >= rec_fields[i].cap || len - used < n || memchr(buf + used, '\0', n) != NULL)
			goto bad;
		memcpy(f, buf + used, n);
		f[n] = '\0';
		used += n;
	}
	if (used == len && record_ok(r))
		return 0;
bad:
	explicit_bzero(r, sizeof(*r));
	return -1;
}

/* The code store, if there is one (create: make it).  1 open, 0 none, -1. */
static int codes_open(const struct jwt_config *cfg, int create, struct store **st, char *why,
                      size_t whycap)
{
	const char *dir = store_dir(cfg);
	char path[4200];

	*st = NULL;
	if (geteuid() != 0) {
		snprintf(why, whycap, "desktop codes need root");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	/* never create anything for a name an unauthenticated client typed */
	if (!create && access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	return store_open(dir, 0, st, why, whycap) == 0 ? 1 : -1;
}

/* What a walk over one user's records keeps of each (the record itself is
 * read again by id when it is needed). */
struct summary {
	unsigned char id[STORE_ID_LEN];
	char code_id[17];
	char user[64];
	int state;
	long long expires, seq;
};

struct walk {
	const char *user; /* NULL: every user's records */
	struct dcode_record *scratch;
	struct summary s[WALK_MAX];
	size_t n;
	int corrupt;
	/* listing every user: a user's group is handed to flush when it ends */
	int (*flush)(struct walk *w);
	void *ctx;
};

static int by_seq(const void *a, const void *b)
{
	const struct summary *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int walk_one(void *ctx, const unsigned char id[STORE_ID_LEN], const void *val,
                    size_t vlen)
{
	struct walk *w = ctx;
	struct summary *s;

	if (w->n > 0 && memcmp(w->s[0].id, id, USER_PREFIX) != 0 && w->flush != NULL) {
		if (w->flush(w) != 0) {
			w->corrupt = 1;
			return 1;
		}
		w->n = 0;
	}
	if (dcode_record_decode(val, vlen, w->scratch) != 0) {
		w->corrupt = 1;
		return 1;
	}
	if (w->user != NULL && strcmp(w->scratch->user, w->user) != 0)
		return 0; /* another name with the same SHA-256 prefix */
	if (w->n >= WALK_MAX)
		return 0; /* more than mint lets one user have: only the first are seen */
	s = &w->s[w->n++];
	memcpy(s->id, id, STORE_ID_LEN);
	memcpy(s->code_id, w->scratch->id, sizeof(s->code_id));
	memcpy(s->user, w->scratch->user, sizeof(s->user));
	s->state = state_index(w->scratch->state);
	s->expires = w->scratch->expires;
	s->seq = w->scratch->seq;
	return 0;
}

/* Walk `user`'s records (NULL: every user's, group by group) into w. */
static int walk_codes(struct store_txn *t, const char *user, time_t now, struct walk *w,
                      char *why, size_t whycap)
{
	unsigned char prefix[USER_PREFIX];
	int n;

	w->n = 0;
	w->corrupt = 0;
	w->user = user;
	if (user != NULL && user_prefix(user, prefix) != 0) {
		snprintf(why, whycap, "SHA-256 failed");
		return -1;
	}
	n = store_walk(t, STORE_DCODE, prefix, user != NULL ? USER_PREFIX : 0, now,
	               user != NULL ? WALK_MAX : SIZE_MAX - 1, walk_one, w, why, whycap);
	if (n < 0)
		return -1;
	if (w->corrupt) {
		snprintf(why, whycap, "%s", CORRUPT);
		return -1;
	}
	return 0;
}

static void walk_free(struct walk *w)
{
	if (w == NULL)
		return;
	if (w->scratch != NULL) {
		explicit_bzero(w->scratch, sizeof(*w->scratch));
		free(w->scratch);
	}
	free(w);
}

/* The per-user files of the text store this one replaced: codes are
 * short-lived and on tmpfs, so they are not imported, only no longer read;
 * a user's are removed at the next mint. */
static void forget_files(const struct jwt_config *cfg, const char *user)
{
	char path[4200];

	if (snprintf(path, sizeof(path), "%s/%s", store_dir(cfg), user) < (int)sizeof(path) - 5) {
		(void)unlink(path);
		strcat(path, ".lock");
		(void)unlink(path);
	}
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
	unsigned char key[KEY_LEN], rnd[128], idb[8], id[STORE_ID_LEN], *val = NULL;
	char canon[DCODE_SYMBOLS + 1], reason[256];
	struct jws *jws = calloc(1, sizeof(*jws));
	struct walk *w = calloc(1, sizeof(*w));
	struct dcode_record *r = calloc(1, sizeof(*r));
	struct store *st = NULL;
	struct store_txn *t = NULL;
	const void *old;
	size_t used = 0, live = 0, n, vlen, i, j;
	long long seq = 0;
	int rc = -1, k;

	code[0] = '\0';
	memset(key, 0, sizeof(key));
	memset(canon, 0, sizeof(canon));
	if (jws == NULL || w == NULL || r == NULL ||
	    (w->scratch = calloc(1, sizeof(*w->scratch))) == NULL ||
	    (val = malloc(DCODE_RECORD_MAX)) == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	if (res->verdict != JWT_OK || !iss->desktop_codes) {
		snprintf(why, whycap, "desktop codes are not enabled for [issuer %s]", iss->name);
		goto out;
	}
	if (!dcode_user_ok(res->user)) {
		snprintf(why, whycap, "user name not usable for desktop codes");
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
	/* the key before the store: a store without its key refuses every code */
	if (geteuid() != 0) {
		snprintf(why, whycap, "desktop codes need root");
		goto out;
	}
	if (make_private_dir(store_dir(cfg), why, whycap) != 0 ||
	    store_key(store_dir(cfg), 1, key, why, whycap) != 0 ||
	    codes_open(cfg, 1, &st, why, whycap) < 0)
		goto out;
	do {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
		    getrandom(idb, sizeof(idb), 0) != (ssize_t)sizeof(idb)) {
			snprintf(why, whycap, "getrandom: %s", strerror(errno));
			goto out;
		}
		used = 0;
		random_code(rnd, sizeof(rnd), canon, &used);
	} while (strlen(canon) != DCODE_SYMBOLS);
	if (code_id(key, res->user, canon, id) != 0) {
		snprintf(why, whycap, "HMAC failed");
		goto out;
	}
	for (i = 0; i < sizeof(idb); i++)
		snprintf(r->id + 2 * i, 3, "%02x", idb[i]);
	snprintf(r->state, sizeof(r->state), "live");
	r->minted = (long long)now;
	/* never valid after the token it stands for */
	r->expires = (long long)now + iss->desktop_code_ttl;
	if (res->exp < r->expires)
		r->expires = res->exp;
	snprintf(r->user, sizeof(r->user), "%s", res->user);
	snprintf(r->issuer_name, sizeof(r->issuer_name), "%s", iss->name);
	snprintf(r->iss, sizeof(r->iss), "%s", res->iss);
	snprintf(r->sub, sizeof(r->sub), "%s", res->sub);
	snprintf(r->jti, sizeof(r->jti), "%s", res->jti);
	snprintf(r->kid, sizeof(r->kid), "%s", res->kid);
	snprintf(r->groups, sizeof(r->groups), "%s", res->groups);
	snprintf(r->typ, sizeof(r->typ), "%s", jws->typ);
	memcpy(r->payload, jws->payload_b64, jws->payload_b64_len);
	r->payload[jws->payload_b64_len] = '\0';

	/* count, make room and add in one write transaction: racing mints
	 * cannot pass the cap together */
	if (store_begin(st, 1, &t, why, whycap) != 0 ||
	    walk_codes(t, res->user, now, w, why, whycap) != 0)
		goto out;
	qsort(w->s, w->n, sizeof(w->s[0]), by_seq); /* oldest first */
	for (i = 0; i < w->n; i++) {
		live += w->s[i].state == STATE_LIVE && w->s[i].expires > (long long)now;
		if (w->s[i].seq > seq)
			seq = w->s[i].seq;
	}
	if (live >= DCODE_MAX_LIVE) {
		snprintf(why, whycap, "%zu unused codes already (revoke some)", live);
		goto out;
	}
	/* keep the newest: drop the user's oldest records no longer usable */
	for (i = 0, n = w->n; i < w->n && n >= MAX_RECORDS; i++) {
		if (w->s[i].state == STATE_LIVE && w->s[i].expires > (long long)now)
			continue;
		if (store_del(t, STORE_DCODE, w->s[i].id, why, whycap) != 0)
			goto out;
		n--;
	}
	if ((k = store_get(t, STORE_DCODE, id, now, &old, &vlen, why, whycap)) != 0) {
		if (k > 0)
			snprintf(why, whycap, "the new code collides with a stored one: try again");
		goto out;
	}
	r->seq = seq + 1;
	if ((vlen = dcode_record_encode(r, val, DCODE_RECORD_MAX)) == 0) {
		snprintf(why, whycap, "the code's record does not encode");
		goto out;
	}
	if (store_put(t, STORE_DCODE, id, r->expires + DCODE_KEEP, val, vlen, why, whycap) != 0)
		goto out;
	k = store_commit(t, now, why, whycap);
	t = NULL;
	if (k != 0)
		goto out;
	forget_files(cfg, res->user);
	for (i = 0, j = 0; i < DCODE_SYMBOLS; i++) {
		if (i > 0 && i % 4 == 0)
			code[j++] = '-';
		code[j++] = canon[i];
	}
	code[j] = '\0';
	*rec = *r;
	rc = 0;
out:
	store_abort(t);
	store_close(st);
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(rnd, sizeof(rnd));
	explicit_bzero(key, sizeof(key));
	explicit_bzero(id, sizeof(id));
	if (jws != NULL) {
		explicit_bzero(jws, sizeof(*jws));
		free(jws);
	}
	walk_free(w);
	if (r != NULL) {
		explicit_bzero(r, sizeof(*r));
		free(r);
	}
	free(val);
	return rc;
}

enum dcode_verdict dcode_consume(const struct jwt_config *cfg, const char *user,
                                 const char *rhost, const char canon[DCODE_SYMBOLS + 1],
                                 time_t now, struct dcode_record *rec, int *failures,
                                 char *why, size_t whycap)
{
	const char *dir = store_dir(cfg);
	unsigned char key[KEY_LEN], id[STORE_ID_LEN], *val = NULL;
	char err[256];
	struct store *st = NULL;
	struct store_txn *t = NULL;
	enum dcode_verdict v = DCODE_ERROR;
	const void *found = NULL;
	size_t vlen = 0;
	long long keep;
	int over, k = 0;

	*failures = 0;
	memset(rec, 0, sizeof(*rec));
	memset(key, 0, sizeof(key));
	memset(id, 0, sizeof(id));
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
	if ((val = malloc(DCODE_RECORD_MAX)) == NULL) {
		snprintf(why, whycap, "out of memory");
		return DCODE_ERROR;
	}
	/* one write transaction: look the code up, check it, mark it used --
	 * of two racing logins with the same code exactly one gets it */
	if ((k = codes_open(cfg, 0, &st, why, whycap)) < 0)
		goto out;
	if (k > 0 && (store_key(dir, 0, key, why, whycap) != 0 ||
	              code_id(key, user, canon, id) != 0 || store_begin(st, 1, &t, why, whycap) != 0 ||
	              (k = store_get(t, STORE_DCODE, id, now, &found, &vlen, why, whycap)) < 0))
		goto out;
	if (k > 0 && (dcode_record_decode(found, vlen, rec) != 0 || strcmp(rec->user, user) != 0)) {
		memset(rec, 0, sizeof(*rec));
		snprintf(why, whycap, "%s", CORRUPT);
		goto out;
	}
	if (k == 0) {
		store_abort(t);
		t = NULL;
		/* Counted against the rate, never against the user's codes. */
		if (throttle(dir, user, rhost, now, 1, failures, err, sizeof(err)) < 0) {
			snprintf(why, whycap, "%s", err);
			goto out;
		}
		snprintf(why, whycap, "matches no live desktop code of this user");
		v = DCODE_UNKNOWN;
		goto out;
	}
	if (strcmp(rec->state, "used") == 0) {
		snprintf(why, whycap, "code already used");
		v = DCODE_USED;
	} else if (strcmp(rec->state, "revoked") == 0) {
		snprintf(why, whycap, "code revoked");
		v = DCODE_REVOKED;
	} else if (rec->expires <= (long long)now) {
		snprintf(why, whycap, "code expired %lld s ago", (long long)now - rec->expires);
		v = DCODE_EXPIRED;
	} else {
		/* a use that cannot be recorded is no use */
		snprintf(rec->state, sizeof(rec->state), "used");
		keep = (rec->expires > (long long)now ? rec->expires : (long long)now) + DCODE_KEEP;
		if ((vlen = dcode_record_encode(rec, val, DCODE_RECORD_MAX)) == 0) {
			snprintf(why, whycap, "the code's record does not encode");
			goto out;
		}
		if (store_put(t, STORE_DCODE, id, keep, val, vlen, why, whycap) != 0)
			goto out;
		k = store_commit(t, now, why, whycap);
		t = NULL;
		if (k == 0)
			v = DCODE_OK;
	}
out:
	store_abort(t);
	store_close(st);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(id, sizeof(id));
	if (val != NULL) {
		explicit_bzero(val, DCODE_RECORD_MAX);
		free(val);
	}
	return v;
}

/* --list: one user's records, oldest first, with that user's throttle. */
struct lister {
	const struct jwt_config *cfg;
	struct store_txn *t;
	const char *user;
	time_t now;
	void (*fn)(void *ctx, const struct dcode_record *rec, int fails, int locked);
	void *ctx;
	char *why;
	size_t whycap;
};

static int list_group(struct walk *w)
{
	struct lister *l = w->ctx;
	const char *user = w->n > 0 ? w->s[0].user : l->user;
	const void *v;
	size_t vlen, i;
	int fails = 0, locked;

	qsort(w->s, w->n, sizeof(w->s[0]), by_seq);
	/* a peek at the throttle: nothing is counted */
	if ((locked = throttle(store_dir(l->cfg), user, NULL, l->now, 0, &fails, l->why,
	                       l->whycap)) < 0)
		locked = fails = 0;
	if (w->n == 0)
		l->fn(l->ctx, NULL, fails, locked);
	for (i = 0; i < w->n; i++) {
		if (store_get(l->t, STORE_DCODE, w->s[i].id, l->now, &v, &vlen, l->why,
		              l->whycap) <= 0 ||
		    dcode_record_decode(v, vlen, w->scratch) != 0) {
			snprintf(l->why, l->whycap, "%s", CORRUPT);
			return -1;
		}
		l->fn(l->ctx, w->scratch, fails, locked);
	}
	return 0;
}

int dcode_list(const struct jwt_config *cfg, const char *user, time_t now,
               void (*fn)(void *ctx, const struct dcode_record *rec, int fails, int locked),
               void *ctx, char *why, size_t whycap)
{
	struct lister l = { cfg, NULL, user, now, fn, ctx, why, whycap };
	struct walk *w = calloc(1, sizeof(*w));
	struct store *st = NULL;
	int rc = -1, k;

	if (w == NULL || (w->scratch = calloc(1, sizeof(*w->scratch))) == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	if (user != NULL && !dcode_user_ok(user)) {
		snprintf(why, whycap, "user name not usable for desktop codes");
		goto out;
	}
	if ((k = codes_open(cfg, 0, &st, why, whycap)) <= 0) {
		rc = k;
		goto out;
	}
	w->ctx = &l;
	/* every user: the walk hands each user's group over as it ends */
	w->flush = user == NULL ? list_group : NULL;
	if (store_begin(st, 0, &l.t, why, whycap) != 0 ||
	    walk_codes(l.t, user, now, w, why, whycap) != 0)
		goto out;
	rc = user != NULL || w->n > 0 ? list_group(w) : 0;
out:
	store_abort(l.t);
	store_close(st);
	walk_free(w);
	return rc;
}

int dcode_revoke(const struct jwt_config *cfg, const char *user, const char *id, time_t now,
                 char *why, size_t whycap)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct store *st = NULL;
	struct store_txn *t = NULL;
	unsigned char *val = malloc(DCODE_RECORD_MAX);
	const void *v;
	size_t vlen, i;
	long long keep;
	int n = -1, k, count = 0;

	if (w == NULL || val == NULL || (w->scratch = calloc(1, sizeof(*w->scratch))) == NULL) {
		snprintf(why, whycap, "out of memory");
		goto out;
	}
	if (!dcode_user_ok(user)) {
		snprintf(why, whycap, "user name not usable for desktop codes");
		goto out;
	}
	if ((k = codes_open(cfg, 0, &st, why, whycap)) <= 0) {
		n = k;
		goto out;
	}
	if (store_begin(st, 1, &t, why, whycap) != 0 ||
	    walk_codes(t, user, now, w, why, whycap) != 0)
		goto out;
	for (i = 0; i < w->n; i++) {
		struct dcode_record *r = w->scratch;

		if (w->s[i].state != STATE_LIVE || (id != NULL && strcmp(w->s[i].code_id, id) != 0))
			continue;
		if (store_get(t, STORE_DCODE, w->s[i].id, now, &v, &vlen, why, whycap) <= 0 ||
		    dcode_record_decode(v, vlen, r) != 0) {
			snprintf(why, whycap, "%s", CORRUPT);
			goto out;
		}
		snprintf(r->state, sizeof(r->state), "revoked");
		keep = (r->expires > (long long)now ? r->expires : (long long)now) + DCODE_KEEP;
		if ((vlen = dcode_record_encode(r, val, DCODE_RECORD_MAX)) == 0 ||
		    store_put(t, STORE_DCODE, w->s[i].id, keep, val, vlen, why, whycap) != 0)
			goto out;
		count++;
	}
	k = store_commit(t, now, why, whycap);
	t = NULL;
	n = k == 0 ? count : -1;
out:
	store_abort(t);
	store_close(st);
	walk_free(w);
	free(val);
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
