#!/bin/bash
# Bad device-flow providers (tests/e2e/device-bad-idp.mjs) through the real
# module on a real PAM handle and the real helper: a device endpoint that
# hangs, answers HTTP errors, non-JSON, no user_code, wrong types, an absurd
# interval or expires_in, an oversized body; a token endpoint without the
# configured token, with expired_token or an HTML error; an unreachable
# provider.  Each ends with the module's clear message and PAM_AUTH_ERR
# (PAM_AUTHINFO_UNAVAIL when unreachable), no helper is left behind, nothing
# is cached.  A verification link off the issuer's origin (another host,
# another port, user info, a bad verification_uri_complete) is refused before
# anything is shown, with a message and a syslog line; the one link shown is
# what the QR code encodes; device_verification_host allows a named host.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (the helper must be root's)"; exit 77; }
command -v node > /dev/null || { echo "# node missing"; exit 99; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
"$top_srcdir/tests/tls/mkca.sh" "$T/tls" > /dev/null
CERT=$T/tls/server.pem KEY=$T/tls/server.key node "$top_srcdir/tests/e2e/device-bad-idp.mjs" \
	> "$T/bad.log" 2>&1 &
BAD=$!
# The module's syslog lines: a socket that a private mount namespace sees as /dev/log.
mkdir -p "$T/dev"
for d in null zero urandom random; do touch "$T/dev/$d"; done
timeout 900 "$PYTHON" "$top_srcdir/tests/pam/syslog_sink.py" "$T/dev/log" "$T/syslog.jsonl" &
SINK=$!
trap 'kill $BAD $SINK 2> /dev/null; rm -rf "$T"' EXIT
in_ns() {
	unshare --mount --propagation private bash -c '
		for d in null zero urandom random; do mount --bind /dev/$d "$0/dev/$d"; done
		mount --rbind "$0/dev" /dev
		exec "$@"' "$T" "$@"
}
for _ in $(seq 1800); do grep -q READY "$T/bad.log" && [ -S "$T/dev/log" ] && break; sleep 0.1; done
PORT=$(sed -n 's/^READY //p' "$T/bad.log")
[ -n "$PORT" ] || { cat "$T/bad.log"; echo "# bad provider did not start"; exit 99; }
port_reserve CLOSED # reserved, never listened on: a closed port
mkdir -p "$T/bin" "$T/cache" "$T/pam.d"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"
: > "$T/empty"
setup_nss # alice has a local account: a flow starts only for one

conf() { # BASE-URL CASE
	cat > "$T/jwt.conf" <<-EOF
		cache_dir = $T/cache
		refresh_helper = $T/bin/pam-jwt
		device_dir = $T/device
		[issuer bad]
		issuer = https://127.0.0.1:$PORT
		audience = ssh-device
		jwks_uri = https://127.0.0.1:$PORT/jwks
		ca_file = $T/tls/ca.pem
		device_flow = yes
		client_id = ssh-device
		device_timeout = 10
		device_services = handle
		device_authorization_endpoint = $1/$2/device
		token_endpoint = $1/$2/token
		${3:+$3}
	EOF
}
run() { # CASE [BASE [ARGS [CONF-LINE]]]: Enter at both prompts
	conf "${2:-https://127.0.0.1:$PORT}" "$1" "${4:-}"
	in_ns timeout 120 "${VG[@]}" "$DRIVER" "$T/pam.d" handle alice --answer "$T/empty" --direct "$MODULE" \
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
check badcomplete PAM_AUTH_ERR "$unusable"

# --- the verification link: one URL, on the issuer's origin ----------------------
lure="Sign-in with a browser was refused: the provider's link leads to another site."
syslog_has() { # TEXT DESCRIPTION: a syslog line arrived (bounded wait)
	for _ in $(seq 30); do grep -qF -- "$1" "$T/syslog.jsonl" 2> /dev/null && break; sleep 0.1; done
	grep -qF -- "$1" "$T/syslog.jsonl" && pass "$2" || fail "$2: $(tail -3 "$T/syslog.jsonl")"
}
for c in otherhost otherport userinfo urihost; do
	check "$c" PAM_AUTH_ERR "$lure"
	out=$(run "$c")
	if grep -q "To sign in\|evil\.example\|WXYZ-ABCD\|▀" <<< "$out"; then fail "$c: the lure reached the user: $out"
	else pass "$c: neither the link, the code nor a QR code was shown"; fi
done
syslog_has 'outcome=\"origin\" reason=\"the verification link names evil.example:443, not the issuer' \
	"another host: syslog names the origin (not the link, which holds the user code)"
syslog_has 'names 127.0.0.1:1, not the issuer' "another port: syslog names it"
syslog_has 'outcome=\"origin\" reason=\"the verification link has no plain https host[:port]' \
	"user info in the link: refused as no plain host"
if grep -q 'WXYZ-ABCD' "$T/syslog.jsonl"; then fail "a user code reached syslog"; else pass "no user code in syslog"; fi
flow() { # CASE [CONF-LINE]: Enter, then a password at the second prompt (stops the helper)
	conf "https://127.0.0.1:$PORT" "$1" "${2:-}"
	printf '\nnot-a-token\n' > "$T/enter-then-password"
	in_ns timeout 60 "$DRIVER" "$T/pam.d" handle alice --answers "$T/enter-then-password" \
		--direct "$MODULE" "config=$T/jwt.conf" 2>&1 || true
}
# A good verification_uri_complete: the printed link is it, and so is the QR code.
out=$(flow complete)
has "$out" "msg: To sign in, open https://127.0.0.1:$PORT/device?user_code=WXYZ-ABCD and enter WXYZ-ABCD" \
	"complete: the printed link is verification_uri_complete"
printf '%s\n' "$out" > "$T/complete.txt"
expect_eq "$("$PYTHON" "$top_srcdir/tests/qr_decode.py" "$T/complete.txt" || true)" \
	"https://127.0.0.1:$PORT/device?user_code=WXYZ-ABCD" "complete: the QR code encodes the same link"
has "$out" "module=PAM_IGNORE" "complete: a password typed at the second prompt goes on (PAM_IGNORE)"
# Without verification_uri_complete the link and the QR code are verification_uri.
out=$(flow pending)
has "$out" "msg: To sign in, open https://127.0.0.1:$PORT/device and enter WXYZ-ABCD" \
	"no complete: the printed link is verification_uri"
printf '%s\n' "$out" > "$T/plain.txt"
expect_eq "$("$PYTHON" "$top_srcdir/tests/qr_decode.py" "$T/plain.txt" || true)" \
	"https://127.0.0.1:$PORT/device" "no complete: the QR code encodes verification_uri"
# device_verification_host names the other site: then it is allowed.
out=$(flow otherhost "device_verification_host = evil.example")
has "$out" "msg: To sign in, open https://evil.example/device?user_code=WXYZ-ABCD and enter" \
	"device_verification_host = evil.example: that host's link is shown"
out=$(flow otherhost "device_verification_host = evil.example:8443")
has "$out" "msg: $lure" "device_verification_host with another port: still refused"

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
