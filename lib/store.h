/*
 * The module's memory between logins: one store, one locking and expiry
 * rule, for every kind of per-login state.
 *
 * A store is an LMDB environment in a root-only (0700) directory:
 * DIR/state.mdb and DIR/state.mdb-lock.  Two of them exist: one that must
 * survive a reboot (replay_dir: one-time tokens, fsynced at every commit)
 * and two that must not (on tmpfs: state_dir for setcred hand-offs,
 * desktop_code_dir for desktop codes).
 *
 * Every record is (kind, 32-byte id) -> (expiry, value), and also listed
 * in an expiry index, so a write removes up to STORE_PURGE_MAX expired
 * records in expiry order: a fixed bound of work per login, never a scan.
 * Each operation is one short write transaction (LMDB's single writer,
 * held only for the lookup and the write, never across a signature
 * check), so "take" and "record once" are atomic across processes.
 * Capacity is bounded by expiry (logins x lifetime) within the map size:
 * STORE_MAP_BYTES holds well over 1,000,000 live records; a full map
 * refuses (fail closed) and `pam-jwt status` warns from half full.
 */
#ifndef PAM_JWT_STORE_H
#define PAM_JWT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_ID_LEN 32
#define STORE_VALUE_MAX 16384 /* the largest: a desktop code with its token's claims */
#define STORE_PURGE_MAX 8
#define STORE_FILE "state.mdb"
#define JWT_DEFAULT_STATE_DIR "/run/pam_jwt/state"
#define STORE_WARN_PERCENT 50   /* pam-jwt status: "getting full" */
#define STORE_FAIL_PERCENT 90   /* pam-jwt status exits 1 */
#if UINTPTR_MAX > 0xffffffffu
#define STORE_MAP_BYTES (1ULL << 30)
#else
#define STORE_MAP_BYTES (512ULL << 20)   /* a 32-bit address space */
#endif

enum store_kind {
	STORE_GRANT = 'g',      /* setcred hand-off, pam/setcred.c */
	STORE_ONCE = 'o',       /* one-time jti, lib/replay.c */
	STORE_DCODE = 'd',      /* desktop codes, lib/dcode.c */
};

struct store;

/* Open (creating DIR as a root-only directory) the store in DIR.
 * durable: every commit reaches the disk before it returns. */
int store_open(const char *dir, int durable, struct store **out, char *why, size_t whycap);
void store_close(struct store *st);

/* Record (kind, id) until `expires` unless a live record is there.
 * 0 recorded; 1 already there (nothing written); -1 error (why). */
int store_add(struct store *st, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              long long expires, const void *val, size_t vlen, time_t now, char *why,
              size_t whycap);

/* Remove (kind, id) and hand back its value, in one transaction: of racing
 * takers exactly one gets it.  1 taken (*vlen bytes in val, which holds
 * cap); 0 none live; -1 error. */
int store_take(struct store *st, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
               time_t now, void *val, size_t cap, size_t *vlen, char *why, size_t whycap);

/* Many records in one transaction (migration of an older store, bench
 * fixtures): ids[i] until expires[i], no value. */
int store_add_many(struct store *st, enum store_kind kind,
                   const unsigned char (*ids)[STORE_ID_LEN], const long long *expires,
                   size_t n, time_t now, char *why, size_t whycap);

/* Several reads and writes in one transaction (desktop codes: look a code
 * up, check it and mark it used, or count a user's codes and add one).
 * write = 0: a read-only snapshot that blocks nobody.  A write
 * transaction is LMDB's single writer: keep it short, never across a
 * signature check.  Every call below fails with -1 and a reason. */
struct store_txn;
int store_begin(struct store *st, int write, struct store_txn **t, char *why, size_t whycap);
/* Write transactions: purge up to STORE_PURGE_MAX expired records, then
 * commit; on -1 nothing was written.  t is gone either way. */
int store_commit(struct store_txn *t, time_t now, char *why, size_t whycap);
void store_abort(struct store_txn *t);

/* The live record (kind, id): 1 and its value (valid until the next write
 * in t or its end), 0 none (or expired). */
int store_get(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              time_t now, const void **val, size_t *vlen, char *why, size_t whycap);
/* Write (kind, id) until expires, replacing whatever was there (val must
 * not point into the store: copy what store_get gave first). */
int store_put(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              long long expires, const void *val, size_t vlen, char *why, size_t whycap);
int store_del(struct store_txn *t, enum store_kind kind, const unsigned char id[STORE_ID_LEN],
              char *why, size_t whycap);
/* Call fn for the live records of kind whose id starts with the plen
 * bytes of prefix, in id order (one B-tree seek, then neighbours), at most
 * max of them: a fixed bound when ids begin with what they belong to (a
 * user's codes).  fn returns nonzero to stop.  Returns how many fn saw, or
 * max + 1 when there were more than max (the rest unseen), or -1.  Do not
 * write in t during the walk. */
int store_walk(struct store_txn *t, enum store_kind kind, const unsigned char *prefix,
               size_t plen, time_t now, size_t max,
               int (*fn)(void *ctx, const unsigned char id[STORE_ID_LEN], const void *val,
                         size_t vlen),
               void *ctx, char *why, size_t whycap);

struct store_usage {
	size_t records;         /* live and not yet purged */
	unsigned long long used_bytes, map_bytes;
	unsigned long long oldest_expiry;    /* 0 when empty */
};

/* How full the store in DIR is (read-only; nothing is created). */
int store_usage(const char *dir, struct store_usage *u, char *why, size_t whycap);

#endif
