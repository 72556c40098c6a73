/* SPDX-License-Identifier: BSD-2-Clause */
/* A small QR code encoder (ISO/IEC 18004): byte mode, error correction
 * level L, versions 1-10 (up to 271 bytes: enough for a verification URI). */
#ifndef PAM_JWT_QR_H
#define PAM_JWT_QR_H

#include <stddef.h>

#define QR_MAX_VERSION 10
#define QR_MAX_SIZE (17 + 4 * QR_MAX_VERSION)

struct qr {
	int version;
	int size;
	unsigned char dark[QR_MAX_SIZE][QR_MAX_SIZE]; /* [y][x] */
};

/* Encode len bytes in the smallest version that holds them.  0, or -1
 * when they do not fit in version 10. */
int qr_encode(const unsigned char *data, size_t len, struct qr *q);

/* Render with Unicode half blocks, two module rows per text line, with a
 * quiet zone of `quiet` modules.  Light modules are drawn as blocks (the
 * terminal's foreground), dark ones as spaces, which is right for the
 * light-on-dark terminals most ssh users have.  Lines end in '\n'.
 * Returns the length written (NUL-terminated), or -1 if cap is too small. */
int qr_render(const struct qr *q, int quiet, char *buf, size_t cap);

#endif
