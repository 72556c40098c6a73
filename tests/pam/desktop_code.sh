#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Desktop codes through real libpam and the real socket service:
#   `pam-jwt desktop-code --serve` behind systemd-socket-activate --accept
#   --inetd (as pam-jwt-desktop-code.socket runs it), the unprivileged client
#   run as alice and bob (SO_PEERCRED names them), the module in a PAM stack:
#   a code logs in once with the token's group_map groups; used, expired
#   (token exp), other user's, revoked and 50 wrong codes are refused, wrong
#   codes lock after 5 and a new code unlocks; audit lines for mint and use
#   name iss/sub/jti/kid and never the code; the store (LMDB, state.mdb)
#   holds only HMACs, a former per-user text file is not read (and goes at
#   the next mint), and `pam-jwt status` shows the store's usage.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (store, SO_PEERCRED as other users)"; exit 77; }
command -v systemd-socket-activate > /dev/null || { echo "# systemd-socket-activate missing"; exit 77; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
KEYS="$PYTHON $top_srcdir/tests/refresh/keys.py"
ISS=https://idp.test/desk
mkdir -p "$T/keys" "$T/pam.d" "$T/bin" "$T/dev" "$T/tok"
$KEYS gen "$T/keys" k1
$KEYS jwks "$T/keys" k1 > "$T/jwks.json"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
chmod 0755 "$T/tok"
setup_nss

conf() { # desktop_codes value, extra lines
	{
		echo "replay_dir = $T/run/replay"
		echo "desktop_code_dir = $T/run/desktop"
		echo "[issuer desk]"
		echo "issuer = $ISS"
		echo "audience = ssh://host.test"
		echo "jwks_file = $T/jwks.json"
		echo "algorithms = ES256"
		echo "groups_claim = groups"
		echo "group_map = developers developers"
		echo "group_map = ops operators,wheel"
		echo "desktop_codes = $1"
		shift
		for line in "$@"; do echo "$line"; done
	} > "$T/jwt.conf"
}
conf yes
printf 'auth sufficient %s config=%s\nauth required pam_deny.so\naccount required pam_permit.so\n' \
	"$MODULE" "$T/jwt.conf" > "$T/pam.d/desk"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"

# mint SUB TTL NAME: a token for SUB from the issuer (groups developers, ops)
mint() {
	"$PYTHON" - "$T/keys/k1.jwk" "$ISS" "$1" "$2" > "$T/tok/$3.jwt" <<'PYEOF'
import sys, time, uuid
from jwcrypto import jwk, jwt
key = jwk.JWK.from_json(open(sys.argv[1]).read())
now = int(time.time())
t = jwt.JWT(header={"alg": "ES256", "kid": "k1"},
            claims={"iss": sys.argv[2], "aud": "ssh://host.test", "sub": sys.argv[3],
                    "groups": ["developers", "ops"], "jti": uuid.uuid4().hex,
                    "iat": now, "exp": now + int(sys.argv[4])})
t.make_signed_token(key)
print(t.serialize())
PYEOF
	chmod 0644 "$T/tok/$3.jwt"
}

# The module's audit lines: syslog() inside a private /dev whose /dev/log we read.
trap 'kill ${LOG_READER:-} 2> /dev/null || true; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
log_reader "$T/dev/log" "$T/authlog"
LOGGER=$LOG_READER
dev_ns "$T"
ns() { "${DEV_NS[@]}" "$@"; }

# The socket service, as the .socket unit runs it (root, one process per connection).
SOCK=$T/desktop.sock
# (one exec chain, so $! is the service itself)
( exec "${DEV_NS[@]}" systemd-socket-activate --accept --inetd -l "$SOCK" \
	-E LD_PRELOAD -E NSS_WRAPPER_PASSWD -E NSS_WRAPPER_GROUP \
	"$T/bin/pam-jwt" desktop-code --serve --config "$T/jwt.conf" --stderr ) \
	> /dev/null 2> "$T/serve.log" &
SERVER=$!
cleanup() { kill "$SERVER" "$LOGGER" 2> /dev/null || true; wait 2> /dev/null || true
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
for i in $(seq 300); do [ -S "$SOCK" ] && [ -S "$T/dev/log" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$T/serve.log"; echo "# socket service did not start"; exit 99; }
chmod 0666 "$SOCK" # SocketMode=0666 in pam-jwt-desktop-code.socket

as() { # USER UID CMD...: the unprivileged client
	local uid=$2
	shift 2
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
code_for() { # USER UID TOKEN-NAME -> prints the code (stderr to $T/client.err)
	as "$1" "$2" "$T/bin/pam-jwt" desktop-code --socket "$SOCK" --token-file "$T/tok/$3.jwt" \
		2>> "$T/client.err"
}
login() { # USER ANSWERFILE [more driver options]
	local user=$1 file=$2
	shift 2
	ns "${VG[@]}" "$DRIVER" "$T/pam.d" desk "$user" --answer "$file" "$@"
}
direct() { # USER ANSWERFILE
	ns "${VG[@]}" "$DRIVER" "$T/pam.d" handle "$1" --answer "$2" --direct "$MODULE" \
		"config=$T/jwt.conf" | sed -n 's/^module=//p'
}
answer() { printf '%s' "$2" > "$T/$1"; echo "$T/$1"; }
lastlog() { sleep 0.1; grep -a "$1" "$T/authlog" | tail -1; }

# --- the happy path -----------------------------------------------------------
mint alice 600 a1
code=$(code_for alice 1000 a1) || true
[[ $code =~ ^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$ ]] &&
	pass "code minted: 4x4 symbols without 0/O/1/I/L (${#code} characters)" ||
	fail "code: '$code' $(cat "$T/client.err")"
has "$(cat "$T/client.err")" "Desktop code for alice, one login, valid until" "client names user and expiry"
expect_eq "$(stat -c %a:%U "$T/run/desktop")" 700:root "store directory is 0700 root"
expect_eq "$(stat -c %a:%U "$T/run/desktop/state.mdb")" 600:root "the code store (state.mdb) is 0600 root"
[ ! -e "$T/run/desktop/alice" ] && pass "no per-user store file" || fail "a per-user file: $(ls -la "$T/run/desktop")"
expect_eq "$(stat -c %a:%U "$T/run/desktop/.key")" 600:root "HMAC key is 0600 root"
plain=${code//-/}
if grep -rqa -e "$plain" -e "$code" "$T/run" "$T/serve.log" "$T/authlog"; then
	fail "the code appears in the store or a log"
else
	pass "the code appears in no file and no log line (only its HMAC is stored)"
fi
jti=$("$PYTHON" -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["jti"])' "$T/tok/a1.jwt")
mintline=$(grep -a 'minted verdict=OK' "$T/serve.log" | tail -1)
has "$mintline" "user=\"alice\" mapped=\"alice\" issuer=\"desk\" iss=\"$ISS\" sub=\"alice\" jti=\"$jti\" kid=\"k1\"" \
	"mint audit line: user, issuer, iss, sub, jti, kid"
has "$mintline" 'method="desktop-code" code_id="[0-9a-f]\{16\}" until="20[0-9-]*T[0-9:]*Z"' \
	"mint audit line: method, code id, until when"
until_of() { date -d "$(sed -n 's/.* until="\([^"]*\)".*/\1/p' <<< "$1")" +%s; }
left=$(( $(until_of "$mintline") - $(date +%s) ))
[ "$left" -ge 110 ] && [ "$left" -le 120 ] && pass "code valid for desktop_code_ttl (default 120 s): ${left} s left" ||
	fail "code lifetime $left s"

out=$(login alice "$(answer c1 "$code")" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "code logs alice in"
groups=$(code_of groups <<< "$out")
for g in developers operators wheel; do
	case " $groups " in *" $g "*) pass "setcred added $g (group_map, as for the token)" ;;
	*) fail "group $g missing: $groups" ;; esac
done
has "$(lastlog 'accepted verdict=OK .*method="desktop-code"')" \
	"accepted verdict=OK user=\"alice\" mapped=\"alice\" issuer=\"desk\" iss=\"$ISS\" sub=\"alice\" jti=\"$jti\" kid=\"k1\"" \
	"use audit line names the token"

# The same token logs in as a token too: the code grants the same groups.
out=$(login alice "$T/tok/a1.jwt" --setcred)
expect_eq "$(code_of groups <<< "$out")" "$groups" "token login gets exactly the code login's groups"

# --- refusals -----------------------------------------------------------------
out=$(login alice "$T/c1")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "the same code a second time: refused"
has "$(lastlog 'method="desktop-code"')" 'verdict=CODE_USED' "audit: CODE_USED"
expect_eq "$(direct alice "$T/c1")" PAM_AUTH_ERR "module's own code for a used code: PAM_AUTH_ERR"
lower=$(answer c1l "$(tr 'A-Z' 'a-z' <<< "$code")")
expect_eq "$(direct alice "$lower")" PAM_AUTH_ERR "lower case is the same (used) code"
spaced=$(answer c1s "${code//-/ }")
expect_eq "$(direct alice "$spaced")" PAM_IGNORE "with spaces it is a passphrase: passed on"

mint bob 600 b1
# A per-user file of the former text store: never read, gone at bob's next mint.
printf 'pam_jwt-desktop-v2\n' > "$T/run/desktop/bob"
: > "$T/run/desktop/bob.lock"
chmod 0600 "$T/run/desktop/bob" "$T/run/desktop/bob.lock"
bcode=$(code_for bob 1001 b1)
[ ! -e "$T/run/desktop/bob" ] && [ ! -e "$T/run/desktop/bob.lock" ] &&
	pass "bob's former store file and its lock are removed at his mint" ||
	fail "bob's former store file is still there"
out=$(login alice "$(answer cb "$bcode")")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "bob's code for alice: refused"
out=$(login bob "$T/cb" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "bob's code for bob: accepted"

# alice sends bob's token: the service verifies with alice as the PAM user.
mint bob 600 b2
as alice 1000 "$T/bin/pam-jwt" desktop-code --socket "$SOCK" --token-file "$T/tok/b2.jwt" \
	> "$T/steal.out" 2> "$T/steal.err" && fail "alice got a code for bob's token" ||
	pass "bob's token sent by alice: no code"
has "$(cat "$T/steal.err")" "refused:" "client says it was refused"
has "$(grep -a 'refused verdict' "$T/serve.log" | tail -1)" 'verdict=USER_MISMATCH user="alice"' \
	"mint refusal audited (USER_MISMATCH)"

# Expiry never after the token: a token with 3 s left gives a 3 s code.
mint alice 3 short
scode=$(code_for alice 1000 short)
exp=$("$PYTHON" -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["exp"])' "$T/tok/short.jwt")
expect_eq "$(until_of "$(grep -a 'minted verdict' "$T/serve.log" | tail -1)")" "$exp" \
	"code lifetime cut to the token's exp"
sleep 4
out=$(login alice "$(answer cs "$scode")")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "expired code: refused"
has "$(lastlog 'method="desktop-code"')" 'verdict=CODE_EXPIRED' "audit: CODE_EXPIRED"

# Root lists and revokes.
mint alice 600 a2
rcode=$(code_for alice 1000 a2)
list=$("$PAMJWT" desktop-code --config "$T/jwt.conf" --list alice)
has "$list" "alice .* live " "--list shows the live code"
id=$(awk '$3 == "live" {print $2}' <<< "$list" | tail -1)
has "$("$PAMJWT" desktop-code --config "$T/jwt.conf" --revoke alice "$id")" "revoked 1 code of alice" \
	"--revoke USER ID"
out=$(login alice "$(answer cr "$rcode")")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "revoked code: refused"
has "$(lastlog 'method="desktop-code"')" 'verdict=CODE_REVOKED' "audit: CODE_REVOKED"
rc=0; as alice 1000 "$T/bin/pam-jwt" desktop-code --config "$T/jwt.conf" --list > /dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "--list needs root"

# 50 wrong guesses: each passed on (pam_deny refuses), and none of them
# costs alice her pending code: they are throttled by time, never burned.
mint alice 600 a3
gcode=$(code_for alice 1000 a3)
"$PYTHON" - "$T/guess" <<'PYEOF'
import secrets, sys
a = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
for i in range(50):
    c = "".join(secrets.choice(a) for _ in range(16))
    open(f"{sys.argv[1]}.{i}", "w").write("-".join(c[j:j + 4] for j in range(0, 16, 4)))
PYEOF
refused=0
for i in $(seq 0 49); do
	[ "$(login alice "$T/guess.$i" | code_of auth)" = PAM_AUTH_ERR ] && refused=$((refused + 1))
done
expect_eq "$refused" 50 "50 wrong codes: each refused by the stack"
expect_eq "$(direct alice "$T/guess.0")" PAM_IGNORE "a wrong code is not ours: PAM_IGNORE"
expect_eq "$(direct bob "$T/guess.1")" PAM_IGNORE "the same for another user"
expect_eq "$(direct carol "$T/guess.2")" PAM_IGNORE "and for a user who never had a code"
has "$(grep -a 'method="desktop-code"' "$T/authlog" | grep -a 'verdict=UNKNOWN_CODE user="alice"' | tail -1)" \
	'failures="[1-9][0-9]*"' "audit counts the wrong codes (per minute)"
out=$(login alice "$(answer cg "$gcode")" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "after 50 strangers' guesses alice's code still logs in"
mint alice 600 a4
ncode=$(code_for alice 1000 a4)
out=$(login alice "$(answer cn "$ncode")" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "and so does a newly minted one"
# A used code is not left in PAM_AUTHTOK for the modules after it, whether
# pam_jwt asked for it or an earlier module did (use_first_pass).
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/bin/eat.sh"
chmod 0755 "$T/bin/eat.sh"
printf 'auth required %s config=%s\nauth optional pam_exec.so expose_authtok %s\n' \
	"$MODULE" "$T/jwt.conf" "$T/bin/eat.sh" > "$T/pam.d/after"
printf 'auth optional pam_exec.so expose_authtok %s\nauth required %s config=%s use_first_pass\nauth optional pam_exec.so expose_authtok %s\n' \
	"$T/bin/eat.sh" "$MODULE" "$T/jwt.conf" "$T/bin/eat.sh" > "$T/pam.d/first"
for svc in after first; do
	mint alice 600 "at$svc"
	c=$(code_for alice 1000 "at$svc")
	out=$(ns "$DRIVER" "$T/pam.d" "$svc" alice --answer "$(answer "cat$svc" "$c")")
	expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "$svc: the code logs in"
	expect_eq "$(grep -c '^prompt:' <<< "$out")" 2 "$svc: the used code left PAM_AUTHTOK (the next module asks again)"
done
# From one remote host, past DCODE_THROTTLE_SOURCE wrong codes in a minute:
# that host is paused; another host is not.
mint alice 600 a4b
ncode2=$(code_for alice 1000 a4b)
# (45: over the limit even when a minute boundary splits them)
for i in $(seq 0 44); do
	login alice "$T/guess.$i" --rhost 198.51.100.66 > /dev/null
done
has "$(grep -a 'verdict=CODE_THROTTLED' "$T/authlog" | tail -1)" 'rhost="198.51.100.66"' \
	"45 wrong codes from one host: that host is paused for the rest of its minute"
out=$(login alice "$(answer cn2 "$ncode2")" --rhost 203.0.113.9)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "meanwhile the code from another host: accepted"

# A code is exactly as strong as its token at the moment it is typed:
# revocation (sub, jti, sub before), allowed_groups and group_map of now.
rejudge() { # NAME EXPECTED-VERDICT DESCRIPTION CONF-LINES...
	local name=$1 want=$2 what=$3
	shift 3
	conf yes
	mint alice 600 "$name"
	local c
	c=$(code_for alice 1000 "$name")
	conf yes "$@"
	out=$(login alice "$(answer "c$name" "$c")" --setcred)
	expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "$what: the code is refused"
	has "$(lastlog 'method="desktop-code"')" "rejected verdict=$want " "$what: audit says $want"
	expect_eq "$(direct alice "$T/tok/$name.jwt")" PAM_AUTH_ERR "$what: the token is refused too"
}
printf 'sub alice\n' > "$T/revoked.sub"
rejudge rv1 REVOKED "sub revoked after minting" "revoked_file = $T/revoked.sub"
conf yes
mint alice 600 rv2
c=$(code_for alice 1000 rv2)
jti=$("$PYTHON" -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["jti"])' "$T/tok/rv2.jwt")
printf 'jti %s\n' "$jti" > "$T/revoked.jti"
conf yes "revoked_file = $T/revoked.jti"
out=$(login alice "$(answer crv2 "$c")")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "jti revoked after minting: the code is refused"
has "$(lastlog 'method="desktop-code"')" "rejected verdict=REVOKED " "jti revoked: audit says REVOKED"
conf yes
printf 'sub alice before %s\n' "$(($(date +%s) + 5))" > "$T/revoked.before"
rejudge rv3 REVOKED "sub revoked before now" "revoked_file = $T/revoked.before"
rejudge gd1 GROUP_DENIED "allowed_groups tightened" "allowed_groups = admins"
rejudge rc1 CLAIM_MISMATCH "a required_claim added" "required_claim = department finance"
# group_map narrowed after minting: setcred adds only what the map says now.
conf yes
mint alice 600 gm1
c=$(code_for alice 1000 gm1)
sed -i '/^group_map = ops /d' "$T/jwt.conf"
out=$(login alice "$(answer cgm1 "$c")" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "group_map narrowed: the code still logs in"
case " $(code_of groups <<< "$out") " in
*" operators "* | *" wheel "*) fail "group_map narrowed: setcred still added a removed group: $out" ;;
*" developers "*) pass "group_map narrowed: setcred adds only the groups mapped now" ;;
*) fail "group_map narrowed: groups: $out" ;;
esac
conf yes
"$PAMJWT" desktop-code --config "$T/jwt.conf" --list > "$T/list.all"
has "$(cat "$T/list.all")" "bob " "--list without a user lists every user"
has "$(cat "$T/list.all")" "alice " "--list without a user lists alice too"
"$PAMJWT" status --config "$T/jwt.conf" > "$T/status.out" 2>&1 || true
has "$(cat "$T/status.out")" "state: *$T/run/desktop (desktop codes): [0-9]* records, " \
	"pam-jwt status shows the code store's usage"

# --device: the token comes from the device-flow helper's line protocol
# (helper/device.c; here a stand-in that prints what it would).
mint alice 600 dev
cat > "$T/bin/fake-device" <<EOF
#!/bin/sh
[ "\$2 \$3 \$4 \$5" = "--config $T/jwt.conf --issuer desk" ] || { echo "error config args \$*"; exit 2; }
tok=\$(cat "$T/tok/dev.jwt")
printf 'uri https://idp.test/device\ncode WDJB-MJHT\nexpires 600\nready\n'
printf 'token %s\n%s\n' "\${#tok}" "\$tok"
cat > /dev/null # until the caller closes our stdin
EOF
chmod 0755 "$T/bin/fake-device"
dcode=$(as alice 1000 env PAM_JWT_DEVICE_HELPER="$T/bin/fake-device" "$T/bin/pam-jwt" desktop-code \
	--socket "$SOCK" --config "$T/jwt.conf" --device desk 2> "$T/device.err") || true
has "$(cat "$T/device.err")" "Open https://idp.test/device" "--device shows where to sign in"
has "$(cat "$T/device.err")" "enter the code WDJB-MJHT" "--device shows the user code"
out=$(login alice "$(answer cd "$dcode")")
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "--device: the device flow's token became a code that logs in"

# Not a code, not a token: pam_unix's turn.
expect_eq "$(direct alice "$(answer pw 'correct horse battery staple')")" PAM_IGNORE \
	"a password: PAM_IGNORE"
expect_eq "$(direct carol "$(answer cc "$ncode")")" PAM_IGNORE \
	"a code for a user with no store: not ours, passed on"

# desktop_codes off: no codes minted, and code-shaped passwords are ignored.
conf no
mint alice 600 a5
as alice 1000 "$T/bin/pam-jwt" desktop-code --socket "$SOCK" --token-file "$T/tok/a5.jwt" \
	> /dev/null 2> "$T/off.err" && fail "minted with desktop_codes = no" ||
	pass "desktop_codes = no: no code"
has "$(cat "$T/off.err")" "does not allow desktop codes" "client told why"
expect_eq "$(direct alice "$T/cn")" PAM_IGNORE "desktop_codes = no: a code-shaped password is ignored"

# The shipped units load (systemd-analyze, when systemd is installed).
if command -v systemd-analyze > /dev/null; then
	make -s -C "$top_builddir" conf/systemd/pam-jwt-desktop-code@.service > /dev/null
	mkdir -p "$T/units"
	sed "s|^ExecStart=[^ ]*|ExecStart=$PAMJWT|" "$top_builddir/conf/systemd/pam-jwt-desktop-code@.service" \
		> "$T/units/pam-jwt-desktop-code@.service"
	cp "$top_srcdir/conf/systemd/pam-jwt-desktop-code.socket" "$T/units/"
	if out=$(env -u LD_PRELOAD systemd-analyze verify --man=no "$T/units/pam-jwt-desktop-code.socket" \
		"$T/units/pam-jwt-desktop-code@.service" 2>&1); then
		pass "systemd-analyze verify: desktop-code socket and service"
	else
		fail "systemd-analyze verify: $out"
	fi
else
	skip "systemd-analyze verify of the desktop-code units: systemd not installed"
fi

# one_time issuers: the token is spent on the code.
conf yes "one_time = yes"
mint alice 600 once
ocode=$(code_for alice 1000 once)
[ -n "$ocode" ] && pass "one_time token: code minted" || fail "one_time: no code"
expect_eq "$(direct alice "$T/tok/once.jwt")" PAM_AUTH_ERR "one_time token cannot log in after minting"
finish
