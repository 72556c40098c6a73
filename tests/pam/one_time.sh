#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# One-time tokens and revocation, through real libpam:
#   one_time = yes: a jti is accepted once, also when 100 logins race with
#   the same token; no jti, no login; the store is root-only; uses recorded
#   by earlier versions (replay_dir/NAME.jti) are imported and still refused;
#   revoked_file: jti, sub, "sub before" lines, reloaded on change, and a
#   malformed list denies.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (replay store, setpriv)"; exit 77; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
KEYS="$PYTHON $top_srcdir/tests/refresh/keys.py"
ISS=https://idp.test/once
mkdir -p "$T/keys" "$T/pam.d" "$T/cache"
$KEYS gen "$T/keys" k1
$KEYS jwks "$T/keys" k1 > "$T/jwks.json"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"

conf() { # extra lines for the issuer section
	{
		echo "replay_dir = $T/run/replay"
		echo "cache_dir = $T/cache"
		echo "[issuer once]"
		echo "issuer = $ISS"
		echo "audience = ssh://host.test"
		echo "jwks_file = $T/jwks.json"
		echo "algorithms = ES256"
		for line in "$@"; do echo "$line"; done
	} > "$T/jwt.conf"
}
login() { # TOKENFILE -> module's code and messages
	under_valgrind "$DRIVER" "$T/pam.d" handle alice --answer "$1" --direct "$MODULE" \
		"config=$T/jwt.conf"
}
code() { sed -n 's/^module=//p'; }
token() { $KEYS token "$T/keys" k1 "$ISS" > "$T/$1.jwt"; }
jti_of() { "$PYTHON" -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["jti"])' "$1"; }
setup_nss

# --- one_time ---------------------------------------------------------------
conf "one_time = yes"
token a
expect_eq "$(login "$T/a.jwt" | code)" PAM_SUCCESS "one_time: first use accepted"
out=$(login "$T/a.jwt")
expect_eq "$(code <<< "$out")" PAM_AUTH_ERR "one_time: second use refused"
grep -q "^msg: Token was already used" <<< "$out" && pass "user told it was already used" ||
	fail "message: $out"
expect_eq "$(stat -c %a:%U "$T/run/replay")" 700:root "replay dir is 0700 root"
expect_eq "$(stat -c %a:%U "$T/run/replay/state.mdb")" 600:root "replay store is 0600 root"

"$PYTHON" - "$T/keys/k1.jwk" "$ISS" > "$T/nojti.jwt" <<'PYEOF'
import sys, time
from jwcrypto import jwk, jwt
key = jwk.JWK.from_json(open(sys.argv[1]).read())
now = int(time.time())
t = jwt.JWT(header={"alg": "ES256", "kid": "k1"},
            claims={"iss": sys.argv[2], "aud": "ssh://host.test", "sub": "alice", "iat": now, "exp": now + 300})
t.make_signed_token(key)
print(t.serialize())
PYEOF
expect_eq "$(login "$T/nojti.jwt" | code)" PAM_AUTH_ERR "one_time: a token without jti is refused"

# Migration: the store file of earlier versions (an expired entry and the
# use of token m) is imported at the next one-time login, then removed.
token m
token b
printf '%020d %064d\n%020d %s\n' 1000 7 $(( $(date +%s) + 600 )) \
	"$(printf %s "$(jti_of "$T/m.jwt")" | sha256sum | cut -c1-64)" > "$T/run/replay/once.jti"
chmod 0600 "$T/run/replay/once.jti"
expect_eq "$(login "$T/b.jwt" | code)" PAM_SUCCESS "one_time: another token accepted"
[ ! -e "$T/run/replay/once.jti" ] && pass "the old store file was imported and removed" ||
	fail "old store file still there"
expect_eq "$(login "$T/m.jwt" | code)" PAM_AUTH_ERR "a use recorded by the old store is still refused"
expect_eq "$(login "$T/b.jwt" | code)" PAM_AUTH_ERR "and so is the token used since"

# 100 logins racing with one fresh token: exactly one gets in.
token race
for i in $(seq 100); do
	"$DRIVER" "$T/pam.d" handle alice --answer "$T/race.jwt" --direct "$MODULE" \
		"config=$T/jwt.conf" > "$T/race.$i" 2>&1 &
done
wait
ok=$(cat "$T"/race.* | grep -c '^module=PAM_SUCCESS' || true)
refused=$(cat "$T"/race.* | grep -c '^module=PAM_AUTH_ERR' || true)
echo "# 100 parallel logins with one token: $ok accepted, $refused refused as replays"
expect_eq "$ok" 1 "race: exactly one of 100 parallel logins succeeds"
expect_eq "$refused" 99 "race: the other 99 are refused"

# Not root: the use cannot be recorded, so the token is not accepted.  (Copies
# of the driver and module, in case the build tree is not open to nobody.)
token c
chmod 0644 "$T/c.jwt"
mkdir -p "$T/bin"
install -m 0755 "$DRIVER" "$T/bin/"
install_module "$T/bin"
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/test_pam_stack" "$T/pam.d" \
	handle alice --answer "$T/c.jwt" --direct "$T/bin/pam_jwt.so" "config=$T/jwt.conf" | code)
[ "$got" != PAM_SUCCESS ] && pass "one_time as non-root: refused ($got)" || fail "non-root accepted"
expect_eq "$(login "$T/c.jwt" | code)" PAM_SUCCESS "the same token as root: accepted once"

# --- revocation -------------------------------------------------------------
# Each list is judged twice: the first login reads it whole and indexes it
# (cache_dir), the second looks the token up in that index; both must agree.
login2() {
	local a b
	a=$(login "$1" | code)
	b=$(login "$1" | code)
	[ "$a" = "$b" ] && echo "$a" || echo "first $a, then through the index $b"
}
token r
jti=$(jti_of "$T/r.jwt")
now=$(date +%s)
conf "revoked_file = $T/revoked"
printf '# revoked by the security team\njti some-other-token\n' > "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_SUCCESS "revocation list without this token: accepted"
printf 'jti %s\n' "$jti" >> "$T/revoked"
out=$(login "$T/r.jwt")
expect_eq "$(code <<< "$out")" PAM_AUTH_ERR "jti revoked: refused (list reloaded on change)"
ls "$T"/cache/once.revoked_file.*.idx > /dev/null 2>&1 && pass "the list was indexed in cache_dir" ||
	fail "no index of the revocation list"
expect_eq "$(login "$T/r.jwt" | code)" PAM_AUTH_ERR "jti revoked: refused again, through the index"
grep -q "^msg: Token has been revoked" <<< "$out" && pass "user told it was revoked" ||
	fail "message: $out"
printf 'sub alice\n' > "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_AUTH_ERR "sub revoked: refused"
printf 'sub alice before %s\n' $((now + 100)) > "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_AUTH_ERR "sub revoked before a later time: refused"
printf 'sub alice before %s\nsub bob\n' $((now - 100)) > "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_SUCCESS "token issued after the cut-off: accepted"
printf 'sub alice sometime\n' > "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_SERVICE_ERR "malformed list: denied (PAM_SERVICE_ERR)"
rm -f "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_SERVICE_ERR "missing list: denied"
printf 'jti x\n' > "$T/revoked"
chmod 0666 "$T/revoked"
expect_eq "$(login2 "$T/r.jwt")" PAM_SERVICE_ERR "world-writable list: denied"
chmod 0644 "$T/revoked"
rc=0; out=$("$PAMJWT" check --config "$T/jwt.conf" --user alice - < "$T/r.jwt") || rc=$?
expect_eq "$rc" 0 "pam-jwt check uses the same list (accepted)"
printf 'jti %s\n' "$jti" > "$T/revoked"
rc=0; out=$("$PAMJWT" check --quiet --config "$T/jwt.conf" --user alice - < "$T/r.jwt") || rc=$?
expect_eq "$rc" 1 "pam-jwt check: revoked is exit 1"
case $out in "REJECTED (REVOKED): jti is revoked (line 1)"*) pass "$out" ;; *) fail "check: $out" ;; esac

# --- the key index: looked up, and rebuilt when jwks_file changes -----------
conf
rm -f "$T/revoked"
token i1
expect_eq "$(login "$T/i1.jwt" | code)" PAM_SUCCESS "k1 token accepted"
ls "$T"/cache/once.jwks_file.*.idx > /dev/null 2>&1 && pass "the key set was indexed in cache_dir" ||
	fail "no index of the key set"
expect_eq "$(login "$T/i1.jwt" | code)" PAM_SUCCESS "k1 token accepted through the index"
$KEYS gen "$T/keys" k2
$KEYS token "$T/keys" k2 "$ISS" > "$T/i2.jwt"
rc=0; out=$("$PAMJWT" check --quiet --config "$T/jwt.conf" --user alice - < "$T/i2.jwt") || rc=$?
case $out in "REJECTED (KEY_NOT_FOUND)"*) pass "a kid the index lacks: KEY_NOT_FOUND" ;;
	*) fail "unknown kid: $out" ;; esac
$KEYS jwks "$T/keys" k1 k2 > "$T/jwks.new" && mv "$T/jwks.new" "$T/jwks.json"
expect_eq "$(login "$T/i2.jwt" | code)" PAM_SUCCESS "k2 added to jwks_file: its token accepted (index rebuilt)"
expect_eq "$(login "$T/i1.jwt" | code)" PAM_SUCCESS "k1's token still accepted after the rebuild"
printf '{"keys": [' > "$T/jwks.json"
out=$(login "$T/i2.jwt")
expect_eq "$(code <<< "$out")" PAM_AUTHINFO_UNAVAIL "jwks_file broken: no keys, despite the old index"
rc=0; "$PAMJWT" status --config "$T/jwt.conf" > "$T/status.out" 2>&1 || rc=$?
expect_eq "$rc" 1 "pam-jwt status: the broken key set makes it exit 1"
grep -q "not valid JSON" "$T/status.out" && pass "status names the parse error" ||
	fail "status: $(cat "$T/status.out")"
finish
