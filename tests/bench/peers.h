/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PAM_JWT_BENCH_PEERS_H
#define PAM_JWT_BENCH_PEERS_H

#include <stddef.h>

/* 1 verified, 0 not, -1 library not built in. */
int peer_libjwt(const char *token, const char *pem, size_t pem_len);
int peer_cjose(const char *token, size_t len, const char *jwk, size_t jwk_len);
const char *peer_versions(void);

#endif
