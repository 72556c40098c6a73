#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Screenshots of the RDP client's X display without ImageMagick.

  xwd2png.py png IN.xwd OUT.png    convert an `xwd -root` dump (ZPixmap, 24/32 bpp)
  xwd2png.py near IN.xwd RRGGBB    exit 0 if at least 20% of a grid of samples is
                                   within 24 per channel of the colour (a desktop
                                   painted with it is on the screen), else 1
"""
import struct
import sys
import zlib


def load(path):
    data = open(path, "rb").read()
    h = struct.unpack(">25I", data[:100])
    header_size, fmt, depth, width, height = h[0], h[2], h[3], h[4], h[5]
    byte_order, bpp, bpl, ncolors = h[7], h[11], h[12], h[19]
    masks = h[14], h[15], h[16]
    if fmt != 2 or bpp not in (24, 32):
        raise SystemExit(f"{path}: unsupported xwd (format {fmt}, {bpp} bpp)")
    pixels = data[header_size + 12 * ncolors:]
    return width, height, bpl, bpp // 8, byte_order, masks, pixels


def shift_of(mask):
    return (mask & -mask).bit_length() - 1


def pixel(img, x, y):
    width, height, bpl, size, order, masks, pixels = img
    off = y * bpl + x * size
    v = int.from_bytes(pixels[off:off + size], "little" if order == 0 else "big")
    return tuple((v & m) >> shift_of(m) for m in masks)


def to_png(img, out):
    width, height, bpl, size, order, masks, pixels = img
    rows = bytearray()
    for y in range(height):
        row = pixels[y * bpl:y * bpl + width * size]
        rgb = bytearray(width * 3)
        if size == 4 and order == 0 and masks == (0xFF0000, 0xFF00, 0xFF):
            rgb[0::3], rgb[1::3], rgb[2::3] = row[2::4], row[1::4], row[0::4]
        else:
            for x in range(width):
                rgb[3 * x:3 * x + 3] = bytes(pixel(img, x, y))
        rows += b"\0" + rgb

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    with open(out, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(rows), 6)))
        f.write(chunk(b"IEND", b""))


def near(img, hexcolor):
    want = tuple(int(hexcolor[i:i + 2], 16) for i in (0, 2, 4))
    width, height = img[0], img[1]
    hits = total = 0
    for gy in range(30):
        for gx in range(40):
            p = pixel(img, (2 * gx + 1) * width // 80, (2 * gy + 1) * height // 60)
            total += 1
            hits += all(abs(a - b) <= 24 for a, b in zip(p, want))
    return hits * 5 >= total


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "png":
        to_png(load(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "near":
        sys.exit(0 if near(load(sys.argv[2]), sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
