/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_signed with asymmetric keys: the same harness (see fuzz_signed.c)
 * over a config whose sections read a JWKS (RS*, PS*, ES256, EdDSA keys
 * and keys that must be refused) as well as the HMAC secret.
 */
#define FUZZ_SIGNED_KEYS 1
#include "fuzz_signed.c"
