#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""qr_decode.py [--text-file F] : read half-block QR text (stdin or F), paint
it as a light-on-dark terminal shows it (block cells white, spaces and the
screen around black), and decode that picture with zbarimg.  Prints what zbarimg read.

Only lines made of the four cells " ", U+2580, U+2584, U+2588 are taken, so a
whole client transcript can be given: the QR lines are found in it.
"""
import subprocess
import sys
import tempfile

from PIL import Image

CELLS = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}
text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
rows = []
for line in text.splitlines():
    line = line.rstrip("\r")
    body = line
    if body and set(body) <= set(CELLS) and set(body) & {"\u2580", "\u2584", "\u2588"}:
        rows.append(body)
if not rows:
    print("no QR lines found")
    sys.exit(1)
width = max(len(r) for r in rows)
scale, border = 8, 4  # pixels per module; a black margin like the screen around it
img = Image.new("L", ((width + 2 * border) * scale, (2 * len(rows) + 2 * border) * scale), 0)
px = img.load()
for y, row in enumerate(rows):
    for x, ch in enumerate(row):
        for half, lit in enumerate(CELLS[ch]):
            if lit:
                for dy in range(scale):
                    for dx in range(scale):
                        px[(x + border) * scale + dx, (2 * y + half + border) * scale + dy] = 255
with tempfile.NamedTemporaryFile(suffix=".png") as f:
    img.save(f.name)
    r = subprocess.run(["zbarimg", "--quiet", "--raw", f.name], capture_output=True, text=True,
                       timeout=30)
    print(r.stdout.strip())
    sys.exit(r.returncode)
