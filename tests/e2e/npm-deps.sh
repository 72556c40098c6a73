#!/bin/bash
# Install tests/e2e's pinned node packages (npm ci) once, even when several
# tests ask at the same time: `make -j check` runs them in parallel, and two
# concurrent `npm ci` runs would delete each other's node_modules.
set -euo pipefail
e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
installed() { [ -d "$e2e/node_modules/oidc-provider" ] && [ -d "$e2e/node_modules/jose" ]; }
installed && exit 0
exec 9> "$e2e/.npm-ci.lock"
flock -w 600 9 || { echo "npm-deps.sh: lock wait timed out" >&2; exit 1; }
installed || timeout 300 npm ci --prefix "$e2e" --no-audit --no-fund >&2
