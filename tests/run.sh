#!/bin/bash
# The whole test suite on a fresh Debian bookworm machine, as root:
#   tests/run.sh [extra ./configure options]     (as root, or with sudo)
# Installs the packages in tests/deps.txt, builds with warnings as errors,
# runs `make check`.  SKIP_DEPS=1 skips apt-get (packages already there).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "tests/run.sh installs packages: run it as root (su -, or sudo), or SKIP_DEPS=1" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# without starting sshd, nginx or xrdp as services (policy-rc.d)
	# shellcheck disable=SC2046
	tests/apt-install.sh $(sed 's/#.*//' tests/deps.txt)
	# the test OpenID provider (tests/e2e) runs on Node.js
	command -v npm > /dev/null || tests/apt-install.sh nodejs npm
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

# The core and its unit tests again as i386 (Debian multiarch; qemu-i386
# where the kernel cannot run i386): a 32-bit defect fails here.
echo "== unit tests as i386"
timeout 1800 tests/i386.sh "$@" || { rc=$?; [ "$rc" = 77 ] || exit "$rc"; }

# Packaging, alone after make check (it installs packages, into an overlay
# of / in a private mount namespace): build the .debs, lintian, apt-get
# install, pam-auth-update, real sshd logins, purge (tests/pkg/deb.sh).
echo "== Debian packages"
top_srcdir=$PWD top_builddir=$PWD timeout 1500 tests/pkg/deb.sh
# The release tarball: builds, installs, uninstalls and cleans up
# (make distcheck), running the tests that need no services.
echo "== make distcheck"
timeout 1500 make -j"$(nproc)" distcheck \
	TESTS='$(unit_tests) tests/unit/test_exports tests/pkg/stanzas.sh tests/pkg/install.sh tests/cli.sh' ||
	{ find pam_jwt-* -name '*.log' -path '*tests*' 2> /dev/null | xargs -r grep -l '^not ok\|^FAIL' | xargs -r tail -30; exit 1; }

# The module inside real libpam again, under valgrind memcheck: any error or
# definite/indirect leak fails (tests/lib.sh: PAM_TEST_VALGRIND).
echo "== PAM-stack tests under valgrind"
make check TESTS="tests/pam/pam_stack.sh tests/pam/one_time.sh tests/e2e/device_bad.sh" PAM_TEST_VALGRIND=1 ||
	{ tail -80 tests/pam/pam_stack.log tests/pam/one_time.log tests/e2e/device_bad.log; exit 1; }

# A second build with ASan + UBSan (any report aborts), from a copy of this
# tree so the normal build above stays what `make install` and demo.sh use.
echo "== unit, PAM-stack, corpus and CLI tests under ASan + UBSan"
san=$(mktemp -d /tmp/pam_jwt_asan.XXXXXX)
chmod 0755 "$san" # tests run the module as nobody too
trap 'rm -rf "$san"' EXIT
cp -a . "$san/src"
(
	cd "$san/src"
	make -s distclean > /dev/null
	./configure --enable-werror --enable-sanitizers "$@" > /dev/null
	make -s -j"$(nproc)"
	# nss_wrapper is preloaded before the ASan runtime by the PAM tests.
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	make -j"$(nproc)" check-sanitized ||
		{ grep -l '^not ok\|^FAIL\|ERROR' tests/*.log tests/*/*.log | xargs -r tail -40; exit 1; }
)

# Every parser under libFuzzer + ASan + UBSan, a bounded time each (after
# replaying the inputs that once crashed them).
echo "== fuzzing, ${FUZZ_SECONDS:-60} s per harness"
make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
echo "all tests passed"
