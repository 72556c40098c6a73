#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Tables 2 and 4 of `make bench`: pam_permit (the floor), pam_jwt with an
# ES256 token and pam_unix with a yescrypt password, through the real libpam.
# pam_unix's user lives in private copies of /etc/passwd and /etc/shadow in a
# mount namespace, so the host is not touched.  Needs root.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ "$(id -u)" != 0 ]; then
	echo "(tables 2 and 4 need root: pam_unix reads /etc/shadow)"
	exit 0
fi
T=$(mktemp -d /tmp/pam_jwt_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$top_srcdir/tests/bench/mkfixtures.py" "$T"
/usr/bin/python3 -c 'import json, sys; print(json.dumps({"keys": [json.load(open(f))["keys"][0] for f in sys.argv[1:]]}))' \
	"$T/RS256.jwks" "$T/ES256.jwks" "$T/EdDSA.jwks" > "$T/provider.jwks"
cat > "$T/jwt.conf" <<CONF
[issuer bench]
issuer = https://bench.test
audience = ssh://bench.test
jwks_file = $T/provider.jwks
CONF
mkdir -p "$T/pam.d" "$T/etc"
echo "auth required pam_permit.so" > "$T/pam.d/pam_permit"
for alg in RS256 ES256 EdDSA; do
	echo "auth required $top_builddir/.libs/pam_jwt.so config=$T/jwt.conf" > "$T/pam.d/pam_jwt_$(echo "$alg" | tr A-Z a-z)"
done
echo "auth required pam_unix.so" > "$T/pam.d/pam_unix"
: > "$T/empty"
hash=$(cat "$T/password.yescrypt")
cp /etc/passwd /etc/group /etc/shadow "$T/etc/"
echo "benchuser:x:4999:4999::/tmp:/usr/sbin/nologin" >> "$T/etc/passwd"
echo "benchuser:x:4999:" >> "$T/etc/group"
echo "benchuser:$hash:19000:0:99999:7:::" >> "$T/etc/shadow"
unshare --mount --propagation private bash -c '
	for f in passwd group shadow; do mount --bind "$1/etc/$f" /etc/$f; done
	exec "$2" "$1/pam.d" pam_permit:nobody:"$1/empty" pam_jwt_rs256:nobody:"$1/RS256.jwt" \
		pam_jwt_es256:nobody:"$1/ES256.jwt" pam_jwt_eddsa:nobody:"$1/EdDSA.jwt" \
		pam_unix:benchuser:"$1/password"' _ "$T" "$top_builddir/tests/bench/bench_pam"
