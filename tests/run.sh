#!/bin/bash
# The whole test suite on a fresh Debian bookworm machine, as root:
#   sudo tests/run.sh [extra ./configure options]
# Installs the packages in tests/deps.txt, builds with warnings as errors,
# runs `make check`.  SKIP_DEPS=1 skips apt-get (packages already there).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "tests/run.sh installs packages: run it as root (sudo), or SKIP_DEPS=1" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2046
	apt-get install -y --no-install-recommends $(sed 's/#.*//' tests/deps.txt)
	# the test OpenID provider (tests/e2e) runs on Node.js
	command -v npm > /dev/null || apt-get install -y --no-install-recommends nodejs npm
fi

./autogen.sh
./configure --enable-werror "$@"
make -j"$(nproc)"
if ! make -j"$(nproc)" check; then
	for log in $(find tests -name '*.log' -newer configure); do
		grep -q '^not ok\|^FAIL\|^ERROR' "$log" 2>/dev/null && { echo "=== $log"; tail -50 "$log"; }
	done
	exit 1
fi
echo "all tests passed"
