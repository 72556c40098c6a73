/*
 * The state store (store.h): LMDB, two tables in one environment.
 *
 *   records   kind(1) id(32)          -> expiry(8, big-endian) value
 *   expiry    expiry(8) kind(1) id(32) -> ""
 *
 * Big-endian expiries make the expiry table sort by time, so the records
 * to purge are always at its front.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "safefile.h"
#include "store.h"

#define KEY_LEN (1 + STORE_ID_LEN)
#define EXP_KEY_LEN (8 + KEY_LEN)

struct store {
	MDB_env *env;
	MDB_dbi records, expiry;
};

static void put_be64(unsigned char *p, unsigned long long v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static unsigned long long get_be64(const unsigned char *p)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static unsigned long long clamp_time(long long t)
{
	return t < 0 ? 0 : (unsigned long long)t;
}

static int fail(int rc, const char *what, char *why, size_t whycap)
{
	snprintf(why, whycap, "state store: %s: %s", what,
	         rc == MDB_MAP_FULL ? "store is full (see pam-jwt status)" : mdb_strerror(rc));
	return -1;
}

static int env_open(const char *dir, unsigned flags, MDB_env **env, char *why, size_t whycap)
{
	char path[4096];
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE) >= (int)sizeof(path)) {
		snprintf(why, whycap, "state store: path too long");
		return -1;
	}
	if ((rc = mdb_env_create(env)) != 0)
		return fail(rc, "create", why, whycap);
	if ((rc = mdb_env_set_maxdbs(*env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(*env, (size_t)STORE_MAP_BYTES)) != 0 ||
	    (rc = mdb_env_open(*env, path, flags | MDB_NOSUBDIR | MDB_NOTLS, 0600)) != 0) {
		mdb_env_close(*env);
		*env = NULL;
		snprintf(why, whycap, "state store %.200s: %s", path, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int store_open(const char *dir, int durable, struct store **out, char *why, size_t whycap)
{
	struct store *st = calloc(1, sizeof(*st));
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	if (st == NULL) {
		snprintf(why, whycap, "out of memory");
		return -1;
	}
	/* only root may read or plant records: the directory is root's alone */
	if (make_private_dir(dir, why, whycap) != 0 ||
	    env_open(dir, durable ? 0 : MDB_NOSYNC, &st->env, why, whycap) != 0) {
		free(st);
		return -1;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "records", MDB_CREATE, &st->records)) != 0 ||
	    (rc = mdb_dbi_open(txn, "expiry", MDB_CREATE, &st->expiry)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0) {
		if (txn != NULL && rc != 0)
			mdb_txn_abort(txn);
		store_close(st);
		return fail(rc, "open tables", why, whycap);
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st);
}

static void record_key(unsigned char key[KEY_LEN], enum store_kind kind,
                       const unsigned char id[STORE_ID_LEN])
{
	key[0] = (unsigned char)kind;
	memcpy(key + 1, id, STORE_ID_LEN);
}

/* Remove up to STORE_PURGE_MAX records that expired before now. */
static int purge(struct store *st, MDB_txn *txn, time_t now)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, n;

	if ((rc = mdb_cursor_open(txn, st->expiry, &cur)) != 0)
		return rc;
	for (n = 0; n < STORE_PURGE_MAX; n++) {
		MDB_val rk;

		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) != 0)
			break;
		if (k.mv_size != EXP_KEY_LEN || get_be64(k.mv_data) >= clamp_time(now))
			break;
		rk.mv_size = KEY_LEN;
		rk.mv_data = (unsigned char *)k.mv_data + 8;
		rc = mdb_del(txn, st->records, &rk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Live record for key?  1 with *expiry (and *val), 0 none or expired. */
static int lookup(struct store *st, MDB_txn *txn, unsigned char key[KEY_LEN], time_t now,
                  unsigned long long *expiry, MDB_val *val, int *rc)
{
	MDB_val k = { KEY_LEN, key };

	*rc = mdb_get(txn, st->records, &k, val);
	if (*rc == MDB_NOTFOUND) {
		*rc = 0;
		return 0;
	}
	if (*rc != 0)
		return 0;
	if (val->mv_size < 8) {
		*rc = MDB_CORRUPTED;
		return 0;
	}
	*expiry = get_be64(val->mv_data);
	return *expiry >= clamp_time(now) ? 1 : -1;
}

/* Remove the record key (expiring at expiry) from both tables. */
static int remove_record(struct store *st, MDB_txn *txn, unsigned char key[KEY_LEN],
                         unsigned long long expiry)
{
	unsigned char ek[EXP_KEY_LEN];
	MDB_val k = { KEY_LEN, key }, e = { EXP_KEY_LEN, ek };
	int rc;

	put_be64(ek, expiry);
	memcpy(ek + 8, key, KEY_LEN);
	if ((rc = mdb_del(txn, st->records, &k, NULL)) != 0 && rc != MDB_NOTFOUND)
		return rc;
	rc = mdb_del(txn, st->expiry, &e, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Write one record (replacing any there, live or not) until expires. */
static int write_record(struct store *st, MDB_txn *txn, unsigned char key[KEY_LEN],
                        long long expires, const void *val, size_t vlen)
{
	unsigned char ek[EXP_KEY_LEN];
	unsigned long long old = 0;
	MDB_val k = { KEY_LEN, key }, e = { EXP_KEY_LEN, ek }, v, empty = { 0, NULL };
	int rc;

	if (lookup(st, txn, key, 0, &old, &v, &rc) != 0 &&
	    (rc = remove_record(st, txn, key, old)) != 0)
		return rc;
	if (rc != 0)
		return rc;
	/* the value is written in place: no copy of a large one on the stack */
	v.mv_size = 8 + vlen;
	v.mv_data = NULL;
	if ((rc = mdb_put(txn, st->records, &k, &v, MDB_RESERVE)) != 0)
		return rc;
	put_be64(v.mv_data, clamp_time(expires));
	if (vlen > 0)
		memcpy((unsigned char *)v.mv_data + 8, val, vlen);
	put_be64(ek, clamp_time(expires));
	memcpy(ek + 8, key, KEY_LEN);
	return mdb_put(txn, st->expiry, &e, &empty, 0);
}

/* Add one record unless a live one is there: 1 when it was (nothing done). */
static int add_one(struct store *st, MDB_txn *txn, unsigned char key[KEY_LEN],
                   long long expires, const void *val, size_t vlen, time_t now, int *rc)
{
	unsigned long long old = 0;
	MDB_val v;

	if (lookup(st, txn, key, now, &old, &v, rc) > 0)
		return 1;
	if (*rc == 0)
		*rc = write_record(st, txn, key, expires, val, vlen);
	return 0;
}

int store_add(struct store *st, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              long long expires, const void *val, size_t vlen, time_t now, char *why,
              size_t whycap)
{
	unsigned char key[KEY_LEN];
	MDB_txn *txn = NULL;
	int rc, there;

	if (vlen > STORE_VALUE_MAX) {
		snprintf(why, whycap, "state store: record too large");
		return -1;
	}
	record_key(key, kind, id);
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return fail(rc, "begin", why, whycap);
	there = add_one(st, txn, key, expires, val, vlen, now, &rc);
	if (rc == 0 && !there)
		rc = purge(st, txn, now);
	if (rc != 0 || there) {
		mdb_txn_abort(txn);
		return rc != 0 ? fail(rc, "write", why, whycap) : 1;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return fail(rc, "commit", why, whycap);
	return 0;
}

int store_add_many(struct store *st, enum store_kind kind,
                   const unsigned char (*ids)[STORE_ID_LEN], const long long *expires,
                   size_t n, time_t now, char *why, size_t whycap)
{
	unsigned char key[KEY_LEN];
	MDB_txn *txn = NULL;
	size_t i;
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return fail(rc, "begin", why, whycap);
	for (i = 0; i < n && rc == 0; i++) {
		if ((long long)now > expires[i])
			continue;
		record_key(key, kind, ids[i]);
		(void)add_one(st, txn, key, expires[i], NULL, 0, now, &rc);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return fail(rc, "write", why, whycap);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return fail(rc, "commit", why, whycap);
	return 0;
}

int store_take(struct store *st, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
               time_t now, void *val, size_t cap, size_t *vlen, char *why, size_t whycap)
{
	unsigned char key[KEY_LEN];
	unsigned long long expiry = 0;
	MDB_txn *txn = NULL;
	MDB_val v;
	int rc, live;

	*vlen = 0;
	record_key(key, kind, id);
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return fail(rc, "begin", why, whycap);
	live = lookup(st, txn, key, now, &expiry, &v, &rc);
	if (rc == 0 && live > 0) {
		if (v.mv_size - 8 > cap)
			rc = MDB_BAD_VALSIZE;
		else {
			*vlen = v.mv_size - 8;
			memcpy(val, (unsigned char *)v.mv_data + 8, *vlen);
		}
	}
	/* taken or expired: gone either way */
	if (rc == 0 && live != 0)
		rc = remove_record(st, txn, key, expiry);
	if (rc == 0)
		rc = purge(st, txn, now);
	if (rc != 0) {
		mdb_txn_abort(txn);
		if (*vlen > 0)
			explicit_bzero(val, *vlen);
		*vlen = 0;
		return fail(rc, "take", why, whycap);
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		if (*vlen > 0)
			explicit_bzero(val, *vlen);
		*vlen = 0;
		return fail(rc, "commit", why, whycap);
	}
	return live > 0;
}

struct store_txn {
	struct store *st;
	MDB_txn *txn;
	int write;
};

int store_begin(struct store *st, int write, struct store_txn **out, char *why, size_t whycap)
{
	struct store_txn *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (t == NULL) {
		snprintf(why, whycap, "out of memory");
		return -1;
	}
	t->st = st;
	t->write = write;
	if ((rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn)) != 0) {
		free(t);
		return fail(rc, "begin", why, whycap);
	}
	*out = t;
	return 0;
}

void store_abort(struct store_txn *t)
{
	if (t != NULL) { /* a read-only one ends here too */
		mdb_txn_abort(t->txn);
		free(t);
	}
}

int store_commit(struct store_txn *t, time_t now, char *why, size_t whycap)
{
	int rc = 0;

	if (!t->write) {
		store_abort(t);
		return 0;
	}
	if ((rc = purge(t->st, t->txn, now)) != 0) {
		store_abort(t);
		return fail(rc, "write", why, whycap);
	}
	rc = mdb_txn_commit(t->txn);
	free(t);
	return rc != 0 ? fail(rc, "commit", why, whycap) : 0;
}

int store_get(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              time_t now, const void **val, size_t *vlen, char *why, size_t whycap)
{
	unsigned char key[KEY_LEN];
	unsigned long long expiry = 0;
	MDB_val v;
	int rc, live;

	*val = NULL;
	*vlen = 0;
	record_key(key, kind, id);
	live = lookup(t->st, t->txn, key, now, &expiry, &v, &rc);
	if (rc != 0)
		return fail(rc, "read", why, whycap);
	if (live <= 0)
		return 0;
	*val = (const unsigned char *)v.mv_data + 8;
	*vlen = v.mv_size - 8;
	return 1;
}

int store_put(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              long long expires, const void *val, size_t vlen, char *why, size_t whycap)
{
	unsigned char key[KEY_LEN];
	int rc;

	if (vlen > STORE_VALUE_MAX) {
		snprintf(why, whycap, "state store: record too large");
		return -1;
	}
	record_key(key, kind, id);
	if ((rc = write_record(t->st, t->txn, key, expires, val, vlen)) != 0)
		return fail(rc, "write", why, whycap);
	return 0;
}

int store_del(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              char *why, size_t whycap)
{
	unsigned char key[KEY_LEN];
	unsigned long long expiry = 0;
	MDB_val v;
	int rc;

	record_key(key, kind, id);
	if (lookup(t->st, t->txn, key, 0, &expiry, &v, &rc) != 0)
		rc = remove_record(t->st, t->txn, key, expiry);
	return rc != 0 ? fail(rc, "delete", why, whycap) : 0;
}

int store_walk(struct store_txn *t, enum store_kind kind, const unsigned char *prefix,
               size_t plen, time_t now, size_t max,
               int (*fn)(void *ctx, const unsigned char id[STORE_ID_LEN], const void *val,
                         size_t vlen),
               void *ctx, char *why, size_t whycap)
{
	unsigned char start[KEY_LEN];
	MDB_cursor *cur = NULL;
	MDB_val k = { 1 + plen, start }, v;
	size_t n = 0;
	int rc;

	if (plen > STORE_ID_LEN) {
		snprintf(why, whycap, "state store: prefix too long");
		return -1;
	}
	start[0] = (unsigned char)kind;
	if (plen > 0)
		memcpy(start + 1, prefix, plen);
	if ((rc = mdb_cursor_open(t->txn, t->st->records, &cur)) != 0)
		return fail(rc, "walk", why, whycap);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_LEN || memcmp(k.mv_data, start, 1 + plen) != 0)
			break;
		if (v.mv_size < 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (get_be64(v.mv_data) < clamp_time(now))
			continue; /* expired, not purged yet */
		if (n == max) {
			n++; /* more than max: the caller hears so */
			break;
		}
		n++;
		if (fn(ctx, (const unsigned char *)k.mv_data + 1, (const unsigned char *)v.mv_data + 8,
		       v.mv_size - 8) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return fail(rc, "walk", why, whycap);
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

/* Pages on LMDB's free list: reusable, so not "used". */
static unsigned long long free_pages(MDB_txn *txn)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned long long n = 0;
	int op = MDB_FIRST;

	if (mdb_cursor_open(txn, 0, &cur) != 0)
		return 0;
	while (mdb_cursor_get(cur, &k, &v, op) == 0) {
		if (v.mv_size >= sizeof(size_t))
			n += *(const size_t *)v.mv_data;   /* each entry: count, then pages */
		op = MDB_NEXT;
	}
	mdb_cursor_close(cur);
	return n;
}

int store_usage(const char *dir, struct store_usage *u, char *why, size_t whycap)
{
	char path[4096];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi records, expiry;
	MDB_envinfo info;
	MDB_stat ms;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct stat sb;
	int rc, dead;

	memset(u, 0, sizeof(*u));
	u->map_bytes = STORE_MAP_BYTES;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0; /* nothing recorded yet */
		snprintf(why, whycap, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	if (env_open(dir, MDB_RDONLY, &env, why, whycap) != 0)
		return -1;
	(void)mdb_reader_check(env, &dead); /* slots of crashed readers */
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "records", 0, &records)) != 0 ||
	    (rc = mdb_dbi_open(txn, "expiry", 0, &expiry)) != 0 ||
	    (rc = mdb_stat(txn, records, &ms)) != 0 || (rc = mdb_env_info(env, &info)) != 0) {
		if (txn != NULL)
			mdb_txn_abort(txn);
		mdb_env_close(env);
		snprintf(why, whycap, "%.200s: %s", path, mdb_strerror(rc));
		return -1;
	}
	u->records = ms.ms_entries;
	u->map_bytes = info.me_mapsize;
	u->used_bytes = ((unsigned long long)info.me_last_pgno + 1 - free_pages(txn)) * ms.ms_psize;
	if (mdb_cursor_open(txn, expiry, &cur) == 0) {
		if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == EXP_KEY_LEN)
			u->oldest_expiry = get_be64(k.mv_data);
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}
