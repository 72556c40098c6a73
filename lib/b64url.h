/* SPDX-License-Identifier: BSD-2-Clause */
/* Strict base64url (RFC 7515 section 2 / RFC 4648 section 5). */
#ifndef PAM_JWT_B64URL_H
#define PAM_JWT_B64URL_H

#include <stddef.h>

/* Bytes needed to decode `inlen` characters. */
#define B64URL_DECODED_MAX(inlen) (((inlen) / 4) * 3 + 2)
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/*
 * Decode exactly `inlen` characters of the alphabet [A-Za-z0-9_-].
 * Refuses padding, '+', '/', whitespace, a length of 4k+1, and non-zero
 * trailing bits (so every byte string has exactly one accepted encoding).
 * Returns 0 and sets *outlen, or -1.
 */
int b64url_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap, size_t *outlen);

/* Encode without padding; out must hold B64URL_ENCODED_LEN(n) + 1. */
void b64url_encode(const unsigned char *in, size_t n, char *out);

#endif
