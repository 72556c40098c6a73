/* SPDX-License-Identifier: BSD-2-Clause */
/* The state store (lib/store.h), as root in a private directory: add and
 * take once (also across racing processes), the transaction calls the
 * desktop codes use (get, put, del, commit, abort), the prefix walk (only
 * its prefix, in id order, bounded, expired records unseen), a value at
 * STORE_VALUE_MAX round-trips and one byte more is refused, a value too
 * short to be a record is refused (never read as one), and expiry. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "store.h"
#include "tap.h"

static char why[256];

static void id_of(unsigned char id[STORE_ID_LEN], unsigned char first, unsigned n)
{
	memset(id, 0, STORE_ID_LEN);
	id[0] = first;
	id[STORE_ID_LEN - 2] = (unsigned char)(n >> 8);
	id[STORE_ID_LEN - 1] = (unsigned char)n;
}

static void add_take(struct store *st, time_t now)
{
	unsigned char id[STORE_ID_LEN], val[64];
	size_t vlen = 0;

	id_of(id, 1, 1);
	ok(store_add(st, STORE_GRANT, id, now + 60, "grant", 5, now, why, sizeof(why)) == 0,
	   "store_add records (%s)", why);
	ok(store_add(st, STORE_GRANT, id, now + 60, "other", 5, now, why, sizeof(why)) == 1,
	   "store_add of a live id: already there");
	ok(store_take(st, STORE_ONCE, id, now, val, sizeof(val), &vlen, why, sizeof(why)) == 0,
	   "another kind, same id: nothing to take");
	ok(store_take(st, STORE_GRANT, id, now, val, sizeof(val), &vlen, why, sizeof(why)) == 1 &&
	   vlen == 5 && memcmp(val, "grant", 5) == 0, "store_take hands back the value");
	ok(store_take(st, STORE_GRANT, id, now, val, sizeof(val), &vlen, why, sizeof(why)) == 0,
	   "taken once only");
	ok(store_add(st, STORE_GRANT, id, now + 10, "late", 4, now, why, sizeof(why)) == 0 &&
	   store_take(st, STORE_GRANT, id, now + 11, val, sizeof(val), &vlen, why, sizeof(why)) == 0,
	   "an expired record is not taken");
}

/* (No handle open in the parent while its children use the store: LMDB
 * handles do not cross fork, as for one login per process.) */
static void race(const char *dir, time_t now)
{
	unsigned char id[STORE_ID_LEN], val[16];
	struct store *st = NULL;
	size_t vlen, i;
	int got = 0;

	id_of(id, 2, 1);
	if (store_open(dir, 0, &st, why, sizeof(why)) == 0)
		store_add(st, STORE_GRANT, id, now + 60, "x", 1, now, why, sizeof(why));
	store_close(st);
	for (i = 0; i < 8; i++) {
		if (fork() == 0) {
			struct store *mine = NULL;
			int r = store_open(dir, 0, &mine, why, sizeof(why)) == 0 &&
			        store_take(mine, STORE_GRANT, id, now, val, sizeof(val), &vlen, why,
			                   sizeof(why)) == 1;

			store_close(mine);
			_exit(r ? 0 : 1);
		}
	}
	for (i = 0; i < 8; i++) {
		int status;

		if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			got++;
	}
	ok(got == 1, "8 processes race to take one record: %d got it", got);
}

struct seen {
	size_t n, stop_at;
	int in_order, prefix_ok;
	unsigned char last[STORE_ID_LEN];
};

static int see(void *ctx, const unsigned char id[STORE_ID_LEN], const void *val, size_t vlen)
{
	struct seen *s = ctx;

	if (id[0] != 0xd0 || vlen != 4 || memcmp(val, id + STORE_ID_LEN - 4, 4) != 0)
		s->prefix_ok = 0;
	if (s->n > 0 && memcmp(s->last, id, STORE_ID_LEN) >= 0)
		s->in_order = 0;
	memcpy(s->last, id, STORE_ID_LEN);
	return ++s->n == s->stop_at;
}

static int walk(struct store *st, size_t max, size_t stop_at, time_t now, struct seen *s)
{
	static const unsigned char prefix[1] = { 0xd0 };
	struct store_txn *t = NULL;
	int n;

	memset(s, 0, sizeof(*s));
	s->in_order = s->prefix_ok = 1;
	s->stop_at = stop_at;
	if (store_begin(st, 0, &t, why, sizeof(why)) != 0)
		return -2;
	n = store_walk(t, STORE_DCODE, prefix, sizeof(prefix), now, max, see, s, why, sizeof(why));
	store_abort(t);
	return n;
}

static void txn_and_walk(struct store *st, time_t now)
{
	static unsigned char big[STORE_VALUE_MAX + 1];
	unsigned char id[STORE_ID_LEN];
	struct store_txn *t = NULL;
	struct seen s;
	const void *v;
	size_t vlen, i;
	int n, puts = 0;

	/* 100 records under prefix d0 (one expired), 50 under d1 and d0 of another kind */
	ok(store_begin(st, 1, &t, why, sizeof(why)) == 0, "begin a write transaction");
	for (i = 0; i < 100; i++) {
		id_of(id, 0xd0, (unsigned)(99 - i)); /* written out of order */
		puts += store_put(t, STORE_DCODE, id, i == 50 ? now - 1 : now + 60,
		                  id + STORE_ID_LEN - 4, 4, why, sizeof(why)) == 0;
	}
	for (i = 0; i < 50; i++) {
		id_of(id, 0xd1, (unsigned)i);
		puts += store_put(t, STORE_DCODE, id, now + 60, "d1..", 4, why, sizeof(why)) == 0;
		id_of(id, 0xd0, (unsigned)i);
		puts += store_put(t, STORE_GRANT, id, now + 60, "g...", 4, why, sizeof(why)) == 0;
	}
	ok(puts == 200 && store_commit(t, now, why, sizeof(why)) == 0, "200 puts committed");
	n = walk(st, 1000, 0, now, &s);
	ok(n == 99 && s.n == 99, "the walk sees the prefix's 99 live records only: %d", n);
	ok(s.in_order && s.prefix_ok, "in id order, each with its own value");
	n = walk(st, 10, 0, now, &s);
	ok(n == 11 && s.n == 10, "bounded: max 10 shows 10 and says there were more (%d)", n);
	n = walk(st, 1000, 5, now, &s);
	ok(n == 5 && s.n == 5, "the callback stops the walk");

	/* get, put over, del, abort */
	id_of(id, 0xd0, 7);
	ok(store_begin(st, 1, &t, why, sizeof(why)) == 0 &&
	   store_get(t, STORE_DCODE, id, now, &v, &vlen, why, sizeof(why)) == 1 && vlen == 4,
	   "store_get finds a record");
	ok(store_put(t, STORE_DCODE, id, now + 120, "used", 4, why, sizeof(why)) == 0 &&
	   store_get(t, STORE_DCODE, id, now + 100, &v, &vlen, why, sizeof(why)) == 1 &&
	   memcmp(v, "used", 4) == 0, "store_put replaces it, with its new expiry");
	store_abort(t);
	ok(store_begin(st, 0, &t, why, sizeof(why)) == 0 &&
	   store_get(t, STORE_DCODE, id, now, &v, &vlen, why, sizeof(why)) == 1 &&
	   memcmp(v, id + STORE_ID_LEN - 4, 4) == 0, "an aborted transaction wrote nothing");
	store_abort(t);
	ok(store_begin(st, 1, &t, why, sizeof(why)) == 0 &&
	   store_del(t, STORE_DCODE, id, why, sizeof(why)) == 0 &&
	   store_commit(t, now, why, sizeof(why)) == 0 && walk(st, 1000, 0, now, &s) == 98,
	   "store_del removes one");
	id_of(id, 0xd0, 8);
	ok(walk(st, 1000, 0, now + 61, &s) == 0, "after their expiry the walk sees none");

	/* a value at the bound round-trips; one byte more is refused */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	id_of(id, 0xe0, 1);
	ok(store_begin(st, 1, &t, why, sizeof(why)) == 0 &&
	   store_put(t, STORE_DCODE, id, now + 60, big, STORE_VALUE_MAX + 1, why, sizeof(why)) == -1,
	   "a value over STORE_VALUE_MAX is refused: %s", why);
	ok(store_put(t, STORE_DCODE, id, now + 60, big, STORE_VALUE_MAX, why, sizeof(why)) == 0 &&
	   store_commit(t, now, why, sizeof(why)) == 0, "a value of STORE_VALUE_MAX bytes is stored");
	ok(store_begin(st, 0, &t, why, sizeof(why)) == 0 &&
	   store_get(t, STORE_DCODE, id, now, &v, &vlen, why, sizeof(why)) == 1 &&
	   vlen == STORE_VALUE_MAX && memcmp(v, big, vlen) == 0, "and read back whole");
	store_abort(t);
	ok(store_add(st, STORE_ONCE, id, now + 60, big, STORE_VALUE_MAX + 1, now, why,
	             sizeof(why)) == -1, "store_add refuses it too");
}

/* A value too short to hold its expiry: never read as a record.  (Planted
 * with LMDB itself while no other handle of this process has the store
 * open: LMDB's locks are per process.) */
static void corrupt(const char *dir, time_t now)
{
	struct store *st = NULL;
	struct seen s;
	unsigned char key[1 + STORE_ID_LEN], id[STORE_ID_LEN], val[8], bad[3] = { 1, 2, 3 };
	char path[4200];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = { sizeof(key), key }, v = { 3, bad };
	struct store_txn *t = NULL;
	const void *got;
	size_t vlen;
	int rc;

	id_of(id, 0xf0, 1);
	key[0] = STORE_DCODE;
	memcpy(key + 1, id, STORE_ID_LEN);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	rc = mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 2) == 0 &&
	     mdb_env_set_mapsize(env, (size_t)STORE_MAP_BYTES) == 0 &&
	     mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600) == 0 &&
	     mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, "records", 0, &dbi) == 0 &&
	     mdb_put(txn, dbi, &k, &v, 0) == 0 && mdb_txn_commit(txn) == 0;
	mdb_env_close(env);
	ok(rc, "a 3-byte value planted under a record key");
	if (store_open(dir, 0, &st, why, sizeof(why)) != 0)
		return;
	ok(store_begin(st, 0, &t, why, sizeof(why)) == 0 &&
	   store_get(t, STORE_DCODE, id, now, &got, &vlen, why, sizeof(why)) == -1,
	   "store_get refuses it: %s", why);
	memset(&s, 0, sizeof(s));
	ok(store_walk(t, STORE_DCODE, id, 1, now, 100, see, &s, why, sizeof(why)) == -1 && s.n == 0,
	   "so does the walk");
	store_abort(t);
	ok(store_take(st, STORE_DCODE, id, now, val, sizeof(val), &vlen, why, sizeof(why)) == -1,
	   "and store_take");
	store_close(st);
}

int main(void)
{
	char tmpl[] = "/tmp/test_store.XXXXXX", dir[4096], cmd[4200];
	struct store *st = NULL;
	struct store_usage u;
	time_t now = 1800000000;
	struct stat sb;

	if (geteuid() != 0) {
		printf("ok 1 # SKIP the state store needs root (a root-only directory)\n");
		return 77;
	}
	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s/state", tmpl);
	ok(store_open(dir, 0, &st, why, sizeof(why)) == 0, "store_open makes the store (%s)", why);
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "in a 0700 directory");
	if (st != NULL) {
		add_take(st, now);
		store_close(st);
		race(dir, now);
		st = NULL;
		if (store_open(dir, 0, &st, why, sizeof(why)) == 0)
			txn_and_walk(st, now);
		store_close(st);
		corrupt(dir, now);
		ok(store_usage(dir, &u, why, sizeof(why)) == 0 && u.records > 100 &&
		   u.used_bytes > 0 && u.oldest_expiry > 0, "store_usage: %zu records", u.records);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpl);
	return tap_done();
}
