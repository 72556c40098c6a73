/* SPDX-License-Identifier: BSD-2-Clause */
/* qr_render TEXT: print the half-block rendering pam-jwt device shows
 * (tests/qr.sh decodes it back with zbarimg). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "qr.h"

int main(int argc, char **argv)
{
	static char buf[65536];
	struct qr q;

	if (argc != 2)
		return 2;
	if (qr_encode((const unsigned char *)argv[1], strlen(argv[1]), &q) != 0) {
		fprintf(stderr, "too long for version %d\n", QR_MAX_VERSION);
		return 1;
	}
	if (qr_render(&q, 2, buf, sizeof(buf)) < 0)
		return 1;
	fputs(buf, stdout);
	fprintf(stderr, "version %d\n", q.version);
	return 0;
}
