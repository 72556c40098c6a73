/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * QR code encoder for the device flow's verification URI, after the
 * structure of Project Nayuki's reference implementation: data codewords,
 * Reed-Solomon error correction per block over GF(256) (polynomial 0x11D),
 * interleaving, function patterns, zigzag placement, and the mask with the
 * lowest penalty.  Byte mode and level L only; versions 1-10.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qr.h"

/* Level L: error correction codewords per block and number of blocks. */
static const int ecc_per_block[QR_MAX_VERSION + 1] = { 0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18 };
static const int num_blocks[QR_MAX_VERSION + 1] = { 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4 };
static const int align_pos[QR_MAX_VERSION + 1][3] = {
	{ 0 }, { 0 }, { 6, 18 }, { 6, 22 }, { 6, 26 }, { 6, 30 }, { 6, 34 },
	{ 6, 22, 38 }, { 6, 24, 42 }, { 6, 26, 46 }, { 6, 28, 50 },
};

#define MAX_CODEWORDS 346 /* version 10 */

struct grid {
	int size;
	unsigned char dark[QR_MAX_SIZE][QR_MAX_SIZE];
	unsigned char func[QR_MAX_SIZE][QR_MAX_SIZE];
};

static int raw_data_modules(int ver)
{
	int r = (16 * ver + 128) * ver + 64;

	if (ver >= 2) {
		int n = ver / 7 + 2;

		r -= (25 * n - 10) * n - 55;
		if (ver >= 7)
			r -= 36;
	}
	return r;
}

static int data_codewords(int ver)
{
	return raw_data_modules(ver) / 8 - ecc_per_block[ver] * num_blocks[ver];
}

static unsigned char gf_mul(unsigned char x, unsigned char y)
{
	int z = 0, i;

	for (i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >> 7) * 0x11D);
		z ^= ((y >> i) & 1) * x;
	}
	return (unsigned char)z;
}

/* Remainder of data (times x^deg) divided by the generator polynomial. */
static void rs_remainder(const unsigned char *data, int len, int deg, unsigned char *out)
{
	unsigned char gen[30], root = 1;
	int i, j;

	memset(gen, 0, sizeof(gen));
	gen[deg - 1] = 1;
	for (i = 0; i < deg; i++) {
		for (j = 0; j < deg; j++) {
			gen[j] = gf_mul(gen[j], root);
			if (j + 1 < deg)
				gen[j] ^= gen[j + 1];
		}
		root = gf_mul(root, 0x02);
	}
	memset(out, 0, (size_t)deg);
	for (i = 0; i < len; i++) {
		unsigned char factor = data[i] ^ out[0];

		memmove(out, out + 1, (size_t)deg - 1);
		out[deg - 1] = 0;
		for (j = 0; j < deg; j++)
			out[j] ^= gf_mul(gen[j], factor);
	}
}

static void set_func(struct grid *g, int x, int y, int dark)
{
	g->dark[y][x] = (unsigned char)(dark != 0);
	g->func[y][x] = 1;
}

static void draw_finder(struct grid *g, int cx, int cy)
{
	int dx, dy;

	for (dy = -4; dy <= 4; dy++)
		for (dx = -4; dx <= 4; dx++) {
			int d = abs(dx) > abs(dy) ? abs(dx) : abs(dy), x = cx + dx, y = cy + dy;

			if (x >= 0 && x < g->size && y >= 0 && y < g->size)
				set_func(g, x, y, d != 2 && d != 4);
		}
}

static void draw_alignment(struct grid *g, int cx, int cy)
{
	int dx, dy;

	for (dy = -2; dy <= 2; dy++)
		for (dx = -2; dx <= 2; dx++)
			set_func(g, cx + dx, cy + dy, (abs(dx) > abs(dy) ? abs(dx) : abs(dy)) != 1);
}

static void draw_format(struct grid *g, int mask)
{
	int data = (1 << 3) | mask, rem = data, bits, i, n = g->size; /* level L = 01 */

	for (i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >> 9) * 0x537);
	bits = ((data << 10) | rem) ^ 0x5412;
	for (i = 0; i <= 5; i++)
		set_func(g, 8, i, (bits >> i) & 1);
	set_func(g, 8, 7, (bits >> 6) & 1);
	set_func(g, 8, 8, (bits >> 7) & 1);
	set_func(g, 7, 8, (bits >> 8) & 1);
	for (i = 9; i < 15; i++)
		set_func(g, 14 - i, 8, (bits >> i) & 1);
	for (i = 0; i < 8; i++)
		set_func(g, n - 1 - i, 8, (bits >> i) & 1);
	for (i = 8; i < 15; i++)
		set_func(g, 8, n - 15 + i, (bits >> i) & 1);
	set_func(g, 8, n - 8, 1);
}

static void draw_version(struct grid *g, int ver)
{
	int rem = ver, bits, i;

	if (ver < 7)
		return;
	for (i = 0; i < 12; i++)
		rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
	bits = (ver << 12) | rem;
	for (i = 0; i < 18; i++) {
		int a = g->size - 11 + i % 3, b = i / 3, bit = (bits >> i) & 1;

		set_func(g, a, b, bit);
		set_func(g, b, a, bit);
	}
}

static void draw_functions(struct grid *g, int ver)
{
	int i, j, n = ver == 1 ? 0 : ver / 7 + 2;

	for (i = 0; i < g->size; i++) {
		set_func(g, 6, i, i % 2 == 0);
		set_func(g, i, 6, i % 2 == 0);
	}
	draw_finder(g, 3, 3);
	draw_finder(g, g->size - 4, 3);
	draw_finder(g, 3, g->size - 4);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (!((i == 0 && j == 0) || (i == 0 && j == n - 1) || (i == n - 1 && j == 0)))
				draw_alignment(g, align_pos[ver][i], align_pos[ver][j]);
	draw_format(g, 0); /* reserves the area; redrawn with the real mask */
	draw_version(g, ver);
}

static void place_codewords(struct grid *g, const unsigned char *cw, int len)
{
	int i = 0, right, vert, j;

	for (right = g->size - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		for (vert = 0; vert < g->size; vert++)
			for (j = 0; j < 2; j++) {
				int x = right - j, up = ((right + 1) & 2) == 0;
				int y = up ? g->size - 1 - vert : vert;

				if (!g->func[y][x] && i < len * 8) {
					g->dark[y][x] = (cw[i >> 3] >> (7 - (i & 7))) & 1;
					i++;
				}
			}
	}
}

static int mask_bit(int mask, int x, int y)
{
	switch (mask) {
	case 0: return (x + y) % 2 == 0;
	case 1: return y % 2 == 0;
	case 2: return x % 3 == 0;
	case 3: return (x + y) % 3 == 0;
	case 4: return (x / 3 + y / 2) % 2 == 0;
	case 5: return x * y % 2 + x * y % 3 == 0;
	case 6: return (x * y % 2 + x * y % 3) % 2 == 0;
	default: return ((x + y) % 2 + x * y % 3) % 2 == 0;
	}
}

static void apply_mask(struct grid *g, int mask)
{
	int x, y;

	for (y = 0; y < g->size; y++)
		for (x = 0; x < g->size; x++)
			if (!g->func[y][x] && mask_bit(mask, x, y))
				g->dark[y][x] ^= 1;
}

static int get(const struct grid *g, int x, int y, int transpose)
{
	return transpose ? g->dark[x][y] : g->dark[y][x];
}

/* The standard's penalty rules N1-N4. */
static long penalty(const struct grid *g)
{
	static const unsigned char finder[2][11] = {
		{ 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0 }, { 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1 },
	};
	long p = 0, dark = 0, total = (long)g->size * g->size, k;
	int n = g->size, t, a, b, i, f;

	for (t = 0; t < 2; t++)
		for (a = 0; a < n; a++) {
			int run = 1;

			for (b = 1; b <= n; b++) {
				if (b < n && get(g, b, a, t) == get(g, b - 1, a, t)) {
					run++;
					continue;
				}
				if (run >= 5)
					p += 3 + (run - 5);
				run = 1;
			}
			for (b = 0; b + 11 <= n; b++)
				for (f = 0; f < 2; f++) {
					for (i = 0; i < 11 && get(g, b + i, a, t) == finder[f][i]; i++)
						;
					if (i == 11)
						p += 40;
				}
		}
	for (a = 0; a + 1 < n; a++)
		for (b = 0; b + 1 < n; b++) {
			int c = g->dark[a][b];

			if (c == g->dark[a][b + 1] && c == g->dark[a + 1][b] && c == g->dark[a + 1][b + 1])
				p += 3;
		}
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			dark += g->dark[a][b];
	k = (labs(dark * 20 - total * 10) + total - 1) / total - 1;
	return p + k * 10;
}

int qr_encode(const unsigned char *data, size_t len, struct qr *q)
{
	unsigned char dw[MAX_CODEWORDS], cw[MAX_CODEWORDS], ecc[QR_MAX_VERSION][30];
	static struct grid g, best_g; /* large: not on the stack */
	int ver, cap = 0, nbits = 0, i, j, nb, ecl, raw, short_len, nshort, pos = 0, mask;
	long best = -1;

	for (ver = 1; ver <= QR_MAX_VERSION; ver++) {
		cap = data_codewords(ver);
		if (4 + (ver < 10 ? 8 : 16) + 8 * (long)len <= (long)cap * 8)
			break;
	}
	if (ver > QR_MAX_VERSION)
		return -1;
	memset(dw, 0, sizeof(dw));
#define PUT(val, n)                                                                   \
	do {                                                                              \
		int b_;                                                                       \
		for (b_ = (n) - 1; b_ >= 0; b_--, nbits++)                                    \
			dw[nbits >> 3] |= (unsigned char)((((val) >> b_) & 1) << (7 - (nbits & 7))); \
	} while (0)
	PUT(4, 4);
	PUT((int)len, ver < 10 ? 8 : 16);
	for (i = 0; i < (int)len; i++)
		PUT(data[i], 8);
	for (i = 0; i < 4 && nbits < cap * 8; i++)
		nbits++; /* terminator */
	nbits = (nbits + 7) & ~7;
	for (i = nbits / 8; i < cap; i++)
		dw[i] = (i - nbits / 8) % 2 == 0 ? 0xEC : 0x11;
#undef PUT
	/* Blocks: the first nshort have one data codeword fewer. */
	nb = num_blocks[ver];
	ecl = ecc_per_block[ver];
	raw = raw_data_modules(ver) / 8;
	short_len = raw / nb;
	nshort = nb - raw % nb;
	for (i = 0, j = 0; i < nb; i++) {
		int dlen = short_len - ecl + (i >= nshort);

		rs_remainder(dw + j, dlen, ecl, ecc[i]);
		j += dlen;
	}
	for (i = 0; i <= short_len - ecl; i++)
		for (j = 0; j < nb; j++) {
			int dlen = short_len - ecl + (j >= nshort), start = j * (short_len - ecl) +
			           (j > nshort ? j - nshort : 0);

			if (i < dlen)
				cw[pos++] = dw[start + i];
		}
	for (i = 0; i < ecl; i++)
		for (j = 0; j < nb; j++)
			cw[pos++] = ecc[j][i];
	if (pos != raw)
		return -1;

	for (mask = 0; mask < 8; mask++) {
		long pen;

		memset(&g, 0, sizeof(g));
		g.size = 17 + 4 * ver;
		draw_functions(&g, ver);
		place_codewords(&g, cw, pos);
		apply_mask(&g, mask);
		draw_format(&g, mask);
		pen = penalty(&g);
		if (best < 0 || pen < best) {
			best = pen;
			best_g = g;
		}
	}
	q->version = ver;
	q->size = best_g.size;
	memcpy(q->dark, best_g.dark, sizeof(q->dark));
	return 0;
}

int qr_render(const struct qr *q, int quiet, char *buf, size_t cap)
{
	static const char *const cell[4] = { " ", "\xe2\x96\x84", "\xe2\x96\x80", "\xe2\x96\x88" };
	int n = q->size + 2 * quiet, x, y;
	size_t used = 0;

	for (y = 0; y < n; y += 2) {
		for (x = 0; x < n; x++) {
			int top, bot;
			const char *c;
			size_t l;

#define LIGHT(xx, yy)                                                                  \
	((yy) >= n ? 0 : ((xx) < quiet || (yy) < quiet || (xx) >= quiet + q->size ||           \
	                  (yy) >= quiet + q->size) ? 1 : !q->dark[(yy) - quiet][(xx) - quiet])
			top = LIGHT(x, y);
			bot = LIGHT(x, y + 1);
#undef LIGHT
			c = cell[top * 2 + bot];
			l = strlen(c);
			if (used + l + 2 > cap)
				return -1;
			memcpy(buf + used, c, l);
			used += l;
		}
		buf[used++] = '\n';
	}
	buf[used] = '\0';
	return (int)used;
}
