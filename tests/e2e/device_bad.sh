#!/bin/bash
# Bad device-flow providers (tests/e2e/device-bad-idp.mjs) through the real
# module on a real PAM handle and the real helper: a device endpoint that
# hangs, answers HTTP errors, non-JSON, no user_code, wrong types, an absurd
# interval or expires_in, an oversized body; a token endpoint without the
# configured token, with expired_token or an HTML error; an unreachable
# provider.  Each ends with the module's clear message and PAM_AUTH_ERR
# (PAM_AUTHINFO_UNAVAIL when unreachable), no helper is left behind, nothing
# is cached.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (the helper must be root's)"; exit 77; }
command -v node > /dev/null || { echo "# node missing"; exit 99; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
"$top_srcdir/tests/tls/mkca.sh" "$T/tls" > /dev/null
CERT=$T/tls/server.pem KEY=$T/tls/server.key node "$top_srcdir/tests/e2e/device-bad-idp.mjs" \
	> "$T/bad.log" 2>&1 &
BAD=$!
trap 'kill $BAD 2> /dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1800); do grep -q READY "$T/bad.log" && break; sleep 0.1; done
PORT=$(sed -n 's/^READY //p' "$T/bad.log")
[ -n "$PORT" ] || { cat "$T/bad.log"; echo "# bad provider did not start"; exit 99; }
port_reserve CLOSED # reserved, never listened on: a closed port
mkdir -p "$T/bin" "$T/cache" "$T/pam.d"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"
: > "$T/empty"

conf() { # BASE-URL CASE
	cat > "$T/jwt.conf" <<-EOF
		cache_dir = $T/cache
		refresh_helper = $T/bin/pam-jwt
		[issuer bad]
		issuer = https://127.0.0.1:$PORT
		audience = ssh-device
		jwks_uri = https://127.0.0.1:$PORT/jwks
		ca_file = $T/tls/ca.pem
		device_flow = yes
		client_id = ssh-device
		device_timeout = 10
		device_authorization_endpoint = $1/$2/device
		token_endpoint = $1/$2/token
	EOF
}
run() { # CASE [BASE]: Enter at both prompts
	conf "${2:-https://127.0.0.1:$PORT}" "$1"
	timeout 120 "${VG[@]}" "$DRIVER" "$T/pam.d" handle alice --answer "$T/empty" --direct "$MODULE" \
		"config=$T/jwt.conf${3:-}" 2>&1
}

check() { # CASE CODE MESSAGE [BASE]
	local out t0=$SECONDS
	out=$(run "$1" "${4:-}")
	has "$out" "module=$2" "$1: $2"
	has "$out" "prompt: Token (or press Enter to sign in with a browser): " "$1: the first prompt offers the browser"
	has "$out" "msg: $3" "$1: the user is told \"$3\""
	[ $((SECONDS - t0)) -le $((25 + ${#VG[@]} * 5)) ] || fail "$1: took $((SECONDS - t0)) s (device_timeout 10)"
	[ "$(pgrep -fc "pam-jwt device --config $T/jwt.conf" || true)" = 0 ] && pass "$1: no helper left" ||
		fail "$1: a helper is still running"
}
unusable="Sign-in with a browser failed: the provider's answer was not usable."
check hang PAM_AUTHINFO_UNAVAIL "Sign-in with a browser is unavailable: the provider cannot be reached."
check http500 PAM_AUTH_ERR "$unusable"
check notjson PAM_AUTH_ERR "$unusable"
check nousercode PAM_AUTH_ERR "$unusable"
check wrongtypes PAM_AUTH_ERR "$unusable"
check badinterval PAM_AUTH_ERR "$unusable"
check badexpires PAM_AUTH_ERR "$unusable"
check big PAM_AUTH_ERR "$unusable"
check noidtoken PAM_AUTH_ERR "$unusable"
check expired PAM_AUTH_ERR "The code expired before the sign-in was finished."
check tokenhtml PAM_AUTH_ERR "$unusable"
check unreachable PAM_AUTHINFO_UNAVAIL "Sign-in with a browser is unavailable: the provider cannot be reached." \
	"https://127.0.0.1:$CLOSED"

# nodevice (the xrdp-sesman stanza): the empty answer is just not a token.
out=$(run pending "" " nodevice")
has "$out" "module=PAM_IGNORE" "nodevice: an empty answer is ignored (PAM_IGNORE)"
has "$out" "prompt: Token: $" "nodevice: the plain Token: prompt"
if grep -q "sign in with a browser\|To sign in" <<< "$out"; then fail "nodevice: offered the flow: $out"
else pass "nodevice: the flow is neither offered nor started"; fi

# What the helper said is specific, and it names no code.
conf "https://127.0.0.1:$PORT" noidtoken
out=$(sleep 5 | timeout 30 "$T/bin/pam-jwt" device --config "$T/jwt.conf" --issuer bad | tail -1) || true
expect_eq "$out" "error bad the token response has no usable id_token" "helper: names the missing token"
conf "https://127.0.0.1:$PORT" badinterval
out=$(sleep 5 | timeout 30 "$T/bin/pam-jwt" device --config "$T/jwt.conf" --issuer bad | tail -1) || true
has "$out" "error bad device authorization response has an absurd interval" "helper: names the absurd interval"
# The helper stops when the module's end of its stdin closes (here: at once).
conf "https://127.0.0.1:$PORT" pending
t0=$(date +%s%N)
out=$(timeout 30 "$T/bin/pam-jwt" device --config "$T/jwt.conf" --issuer bad < /dev/null; echo "rc=$?")
has "$out" "rc=3" "helper: exits (3) when stdin is closed, does not poll"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ] && pass "helper: gone within 3 s" || fail "helper: lingered"
# Not for an issuer without device_flow.
sed -i 's/^device_flow = yes/device_flow = no/' "$T/jwt.conf"
out=$(timeout 10 "$T/bin/pam-jwt" device --config "$T/jwt.conf" --issuer bad < /dev/null; echo "rc=$?")
has "$out" "error config \[issuer bad\] does not set device_flow = yes" "helper: refuses a non-device issuer"
has "$out" "rc=2" "helper: exit 2 for a non-device issuer"

expect_eq "$(find "$T/cache" -type f | wc -l)" 0 "nothing cached from a bad provider"

finish
