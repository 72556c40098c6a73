#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Interop with npm `jose` (tests/e2e/jose-mint.mjs): a token and a JWKS for
# every algorithm jose supports, each verified through `pam-jwt check` (the
# module's code path); each token with one payload character changed is a
# bad signature; ES256K, which we do not support, is refused, not accepted.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v node > /dev/null || { echo "# node missing"; exit 99; }
E2E=$top_srcdir/tests/e2e
"$E2E/npm-deps.sh"
setup_nss
mkdir -p "$T/j"
echo "# $(node "$E2E/jose-mint.mjs" "$T/j")"
cat > "$T/jose.conf" <<CONF
[issuer jose]
issuer = https://idp.test/realm
audience = ssh://host.test
jwks_file = $T/j/jwks.json
algorithms = RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512
hmac_secret_file = $T/j/hmac.key
CONF

check() { # TOKENFILE -> sets rc, out
	rc=0
	out=$("$PAMJWT" check --quiet --config "$T/jose.conf" --user alice - < "$1") || rc=$?
}
n=0
for f in "$T"/j/*.jwt; do
	name=$(basename "$f" .jwt)
	check "$f"
	if [ "$name" = ES256K ]; then
		[ "$rc" = 1 ] && [[ $out == "REJECTED (ALG_REFUSED)"* ]] &&
			pass "jose $name: refused ($out)" || fail "jose $name: rc $rc: $out"
		continue
	fi
	n=$((n + 1))
	[ "$rc" = 0 ] && [[ $out == "ACCEPTED: user alice, issuer jose, kid \"jose-$name\""* ]] &&
		pass "jose $name: accepted" || fail "jose $name: rc $rc: $out"
	tok=$(cat "$f")
	head=${tok%%.*}
	rest=${tok#*.}
	c=${rest:5:1}
	[ "$c" = A ] && r=B || r=A
	printf '%s.%s%s%s' "$head" "${rest:0:5}" "$r" "${rest:6}" > "$T/tampered.jwt"
	check "$T/tampered.jwt"
	[ "$rc" = 1 ] && [[ $out == "REJECTED (BAD_SIGNATURE)"* ]] &&
		pass "jose $name with a changed payload: bad signature" || fail "jose $name tampered: $out"
done
expect_eq "$n" 14 "14 algorithms from jose accepted (RS, PS, ES x3, Ed25519, Ed448, HS x3)"
finish
