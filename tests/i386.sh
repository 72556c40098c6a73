#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The core and its unit tests built and run as i386 (32-bit long and
# pointers, 32-bit time_t), with warnings as errors: a 32-bit defect, such
# as a shift past the width of long, fails here.  Debian builds the
# packages for every architecture; this is the one the CI machine can run.
#   tests/i386.sh [extra ./configure options]     (as root, from tests/run.sh)
# As root it first adds the i386 architecture and installs gcc-multilib and
# the :i386 -dev packages the core needs (not libcurl: the unit tests do not
# use it); SKIP_DEPS=1 skips that.  Exit 77 (skip) when they are missing.
# Where the kernel cannot run i386 programs (no IA32 emulation, as in some
# VMs), they run under qemu-i386 (tests/deps.txt: qemu-user), and the build
# is configured as a cross build (--host=i686-linux-gnu).
set -euo pipefail
cd "$(dirname "$0")/.."

i386_pkgs="gcc-multilib libssl-dev:i386 libjson-c-dev:i386 libpam0g-dev:i386 liblmdb-dev:i386"
pcdir=/usr/lib/i386-linux-gnu/pkgconfig

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "tests/i386.sh installs packages: run it as root, or SKIP_DEPS=1" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		dpkg --add-architecture i386
	fi
	apt-get update
	# shellcheck disable=SC2086
	tests/apt-install.sh $i386_pkgs
fi
probe=$(mktemp /tmp/pam_jwt_i386_probe.XXXXXX)
have_i386() {
	[ -f "$pcdir/libcrypto.pc" ] && [ -f "$pcdir/json-c.pc" ] && [ -f "$pcdir/lmdb.pc" ] &&
		[ -f /usr/lib/i386-linux-gnu/libpam.so ] &&
		printf '#include <stdio.h>\nint main(void){printf("%%d", (int)sizeof(long));return 0;}' |
		gcc -m32 -x c - -o "$probe" 2> /dev/null
}
if ! have_i386; then
	rm -f "$probe"
	echo "SKIP: no i386 toolchain or libraries (install: $i386_pkgs)"
	exit 77
fi
# How i386 programs run here: natively, else under qemu-i386.
run32=()
cross=()
if [ "$("$probe" 2> /dev/null)" != 4 ]; then
	if ! command -v qemu-i386 > /dev/null || [ "$(qemu-i386 "$probe")" != 4 ]; then
		rm -f "$probe"
		echo "not ok - this kernel cannot run i386 programs and qemu-i386 (qemu-user) cannot either"
		exit 1
	fi
	run32=(qemu-i386)
	cross=(--host=i686-linux-gnu)
fi
rm -f "$probe"

# A copy of the tree, so this tree's own (native) build stays as it is.
work=$(mktemp -d /tmp/pam_jwt_i386.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a . "$work/src"
cd "$work/src"
[ ! -f Makefile ] || make -s distclean > /dev/null
[ -x configure ] || ./autogen.sh > /dev/null
# Only i386 .pc files: an amd64 library found by mistake would not link.
export PKG_CONFIG_LIBDIR=$pcdir:/usr/share/pkgconfig
./configure --enable-werror "${cross[@]}" CC="gcc -m32" "$@" > configure.out ||
	{ tail -30 config.log; exit 1; }
make -s -j"$(nproc)"
# ELF class byte: 1 is 32-bit
[ "$(od -An -tx1 -j4 -N1 .libs/pam_jwt.so | tr -d ' ')" = 01 ] ||
	{ echo "not ok - .libs/pam_jwt.so is not a 32-bit ELF object"; exit 1; }
echo "# built for i386 (gcc -m32), pam_jwt.so is ELF32; tests run ${run32[*]:-natively}"
# shellcheck disable=SC2016 # $(unit_tests) is make's
if ! make -j"$(nproc)" check TESTS='$(unit_tests) tests/unit/test_exports' \
	LOG_COMPILER="${run32[*]}"; then
	grep -l '^not ok\|^FAIL\|ERROR' tests/unit/*.log | xargs -r tail -40
	exit 1
fi
echo "i386: unit tests passed"
