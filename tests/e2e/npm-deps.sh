#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Install tests/e2e's pinned node packages (npm ci) once, even when several
# tests ask at the same time: `make -j check` runs them in parallel, and two
# concurrent `npm ci` runs would delete each other's node_modules.  A marker
# holding package-lock.json's checksum is written only after npm ci has
# finished, so a half-extracted node_modules never counts as installed.
set -euo pipefail
e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
marker=$e2e/node_modules/.pam_jwt-installed
want=$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)
installed() { [ "$(cat "$marker" 2> /dev/null)" = "$want" ]; }
installed && exit 0
exec 9> "$e2e/.npm-ci.lock"
flock -w 600 9 || { echo "npm-deps.sh: lock wait timed out" >&2; exit 1; }
installed && exit 0
timeout 300 npm ci --prefix "$e2e" --no-audit --no-fund >&2
echo "$want" > "$marker"
