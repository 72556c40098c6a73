# SPDX-License-Identifier: BSD-2-Clause
# Shared by the shell tests: temp dir, local users through nss_wrapper,
# tokens minted by python3-jwcrypto.  Source it; it sets T, PAMJWT, MODULE.
set -euo pipefail
umask 022

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
PAMJWT=$top_builddir/pam-jwt
MODULE=$top_builddir/.libs/pam_jwt.so
# pam_jwt.so loads pam_jwt_core.so from its own directory (pam/shim.c):
# a test that puts the module elsewhere puts both there (install_module).
MODULE_CORE=$(dirname "$MODULE")/pam_jwt_core.so
install_module() { # DIR: pam_jwt.so and its core, as the package installs them
	install -m 0644 "$MODULE" "$1/pam_jwt.so"
	install -m 0644 "$MODULE_CORE" "$1/pam_jwt_core.so"
}
PYTHON=/usr/bin/python3   # Debian's interpreter: python3-jwcrypto lives there
# The multiarch triplet the module was built for (configure passes it;
# by hand: the compiler's, else dpkg's): where nss_wrapper and libpam's
# modules of the same architecture are.
MULTIARCH=${MULTIARCH:-$(gcc -print-multiarch 2> /dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH 2> /dev/null || true)}
NSS_WRAPPER_LIB=${NSS_WRAPPER_LIB:-/usr/lib/$MULTIARCH/libnss_wrapper.so}
# libpam's module directory (Debian's pam_unix.so is there), as the
# namespaces of the daemon tests bind their own copy over it.
PAM_MODDIR=/lib/$MULTIARCH/security
[ -e "$PAM_MODDIR/pam_unix.so" ] || PAM_MODDIR=/usr/lib/$MULTIARCH/security

T=$(mktemp -d /tmp/pam_jwt_test.XXXXXX)
chmod 0755 "$T"
[ -n "${KEEP_T:-}" ] || trap 'rm -rf "$T"' EXIT

fails=0 skipped=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
# skip WHAT: a part this machine cannot run; finish() then exits 77 (SKIP)
# unless something failed, so a partial run never reads as a full pass.
skip() { echo "ok - # SKIP $*"; skipped=$((skipped + 1)); }
expect_eq() { # got want description
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3 (got '$1', want '$2')"; fi
}
# has OUTPUT PATTERN DESCRIPTION / lacks ...: grep OUTPUT for PATTERN
has() { if grep -qa -- "$2" <<< "$1"; then pass "$3"; else fail "$3: $1"; fi; }
lacks() { if grep -qa -- "$2" <<< "$1"; then fail "$3: $1"; else pass "$3"; fi; }
# at_least N WHAT COUNT: a table-driven part ran over at least N rows, so
# an empty or cut table fails instead of passing without testing
at_least() {
	if [ "$3" -ge "$1" ]; then pass "$2: $3 rows (at least $1)"; else fail "$2: only $3 rows (want at least $1)"; fi
}
finish() {
	local vg
	for vg in "$T"/valgrind.*; do
		[ -s "$vg" ] || continue
		fail "valgrind reported errors ($vg):"
		sed 's/^/#   /' "$vg" | head -60
	done
	if [ "$fails" -ne 0 ]; then echo "# $fails failed"; exit 1; fi
	if [ "$skipped" -ne 0 ]; then echo "# $skipped part(s) skipped"; exit 77; fi
	exit 0
}

# port_reserve VAR: a TCP port on 127.0.0.1 for a server that cannot pick
# its own and say which (sshd refuses port 0; nginx and xrdp do not tell).
# Taken below the kernel's ephemeral range, so no connection gets it as
# its source port, and held (flock on a descriptor this shell keeps until
# it exits) so that tests running at once under make -j check never share
# one; checked free with a bind.
PORT_LOCK_DIR=${PORT_LOCK_DIR:-/tmp/pam_jwt_ports}
port_reserve() {
	local lo hi base n p fd i
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	if [ "$lo" -gt 12000 ]; then base=10000 n=$((lo - 10000)); else base=$((hi + 1)) n=$((65535 - hi)); fi
	mkdir -p "$PORT_LOCK_DIR"
	for i in $(seq 500); do
		p=$((base + (RANDOM * 32768 + RANDOM) % n))
		exec {fd}> "$PORT_LOCK_DIR/$p.lock"
		if flock -n "$fd" && "$PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$p" 2> /dev/null; then
			printf -v "$1" %s "$p"
			return 0
		fi
		exec {fd}>&-
	done
	echo "# no free port to reserve"
	exit 99
}

# PAM_TEST_VALGRIND=1: VG is a valgrind memcheck prefix for the PAM driver
# (every error and every definite or indirect leak goes to $T/valgrind.PID;
# finish() fails the test if any such file is non-empty); else empty.
VG=()
if [ "${PAM_TEST_VALGRIND:-0}" = 1 ]; then
	VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
		--show-leak-kinds=definite,indirect --log-file="$T/valgrind.%p")
fi
under_valgrind() { "${VG[@]}" "$@"; }

# Local users alice (1000), bob (1001) and root, groups for group_map,
# without touching /etc.
setup_nss() {
	[ -r "$NSS_WRAPPER_LIB" ] || { echo "# libnss-wrapper missing"; exit 99; }
	cat > "$T/passwd" <<PW
root:x:0:0:root:/root:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/sh
bob:x:1001:1001:Bob:/home/bob:/bin/sh
PW
	cat > "$T/group" <<GR
root:x:0:
alice:x:1000:
bob:x:1001:
developers:x:2001:
operators:x:2002:
wheel:x:2003:
GR
	export NSS_WRAPPER_PASSWD=$T/passwd NSS_WRAPPER_GROUP=$T/group
	# no RTLD_DEEPBIND dlopen of libc: the ASan runtime aborts on it
	export NSS_WRAPPER_DISABLE_DEEPBIND=1
	export LD_PRELOAD=$NSS_WRAPPER_LIB
}

# mint DIR [IAT]: keys and tokens from tests/vectors/mint_jwcrypto.py
mint() {
	"$PYTHON" "$top_srcdir/tests/vectors/mint_jwcrypto.py" "$@" > "$T/mint.log" 2>&1 ||
		{ cat "$T/mint.log"; echo "# minting failed"; exit 99; }
}

# test_issuer JWKS [LINE...]: the tests' static issuer section, keys from JWKS
test_issuer() {
	printf '%s\n' "[issuer test]" "issuer = https://idp.test/realm" "audience = ssh://host.test" \
		"jwks_file = $1" "${@:2}"
}

# code_of NAME: the value of the driver's NAME=... line on stdin
code_of() { sed -n "s/^$1=//p"; }

# write_config FILE main|restricted VECTORDIR
write_config() {
	local file=$1 kind=$2 v=$3
	{
		test_issuer "$v/jwks.json"
		if [ "$kind" = main ]; then
			echo "algorithms = RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512"
			echo "hmac_secret_file = $v/hmac.key"
			echo "groups_claim = groups"
			echo "group_map = developers developers"
			echo "group_map = ops operators,wheel"
		else
			echo "algorithms = RS256 ES256"
			echo "max_lifetime = 3600"
			echo "required_claim = realm_access.roles ssh-login"
			echo "groups_claim = groups"
			echo "allowed_groups = admins ops"
		fi
	} > "$file"
}
