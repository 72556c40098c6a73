/*
 * The module's memory between logins: one store, one locking and expiry
 * rule, for every kind of per-login state.
 *
 * A store is an LMDB environment in a root-only (0700) directory:
 * DIR/state.mdb and DIR/state.mdb-lock.  Two of them exist: one that must
 * survive a reboot (replay_dir: one-time tokens, fsynced at every commit)
 * and one that must not (state_dir on tmpfs: setcred hand-offs).
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
#define STORE_VALUE_MAX 4096
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

struct store_usage {
	size_t records;         /* live and not yet purged */
	unsigned long long used_bytes, map_bytes;
	unsigned long long oldest_expiry;    /* 0 when empty */
};

/* How full the store in DIR is (read-only; nothing is created). */
int store_usage(const char *dir, struct store_usage *u, char *why, size_t whycap);

#endif
