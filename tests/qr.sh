#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The QR encoder (helper/qr.c) against an independent decoder: each text is
# rendered in half blocks exactly as pam-jwt device sends it, painted as a
# light-on-dark terminal shows it, and decoded with zbarimg (tests/qr_decode.py).
# Lengths cover versions 1-10; one byte more than version 10 holds is refused.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v zbarimg > /dev/null || { echo "# zbar-tools missing"; exit 99; }
"$PYTHON" -c 'import PIL' 2> /dev/null || { echo "# python3-pil missing"; exit 99; }
R=$top_builddir/tests/unit/qr_render
long() { "$PYTHON" -c "import sys; print(('$1' * 300)[:$2])"; }
for text in x "https://sso.example.com/device" \
	"https://127.0.0.1:8443/device?user_code=BXKM-QTRD" \
	"https://login.microsoftonline.com/common/oauth2/deviceauth?user_code=ABCD-EFGH" \
	"$(long 'https://idp.example.org/realms/corp/device?code=' 120)" \
	"$(long 'v5-' 100)" "$(long 'v7.' 140)" "$(long 'aB3-_~.%' 160)" "$(long 'Zz9' 200)" "$(long 'h' 230)" "$(long 'q/' 271)"; do
	"$R" "$text" > "$T/qr.txt" 2> "$T/version" || { fail "${#text} bytes: not encoded"; continue; }
	got=$("$PYTHON" "$top_srcdir/tests/qr_decode.py" "$T/qr.txt") || true
	expect_eq "$got" "$text" "${#text} bytes ($(cat "$T/version")): zbarimg reads it back"
done
if "$R" "$(long h 272)" > /dev/null 2>&1; then fail "272 bytes accepted"; else pass "272 bytes: refused (over version 10)"; fi
# Only the four cells, one line per two module rows, a quiet zone of 2.
"$R" "https://sso.example.com/device" > "$T/qr.txt" 2> /dev/null
expect_eq "$(LC_ALL=C.UTF-8 tr -d ' \n▀▄█' < "$T/qr.txt" | wc -c)" 0 "only spaces and half/full blocks"
expect_eq "$(wc -l < "$T/qr.txt")" 15 "version 3 (29 modules + 4 quiet) in 15 lines"
finish
