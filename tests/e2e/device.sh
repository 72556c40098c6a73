#!/bin/bash
# Device-flow logins end to end: the test OpenID provider (oidc-provider with
# its device flow on, HTTPS with the test CA), a real sshd on 127.0.0.1 with
# the shipped conf/pam.d/sshd, a test "browser" (device_browser.py) driving
# the provider's own verification, login and consent pages.
#
#   paramiko and the stock ssh client (in a pty) press Enter, the browser
#   approves the code, id shows the mapped user and group_map groups; the
#   client was told the host and its own address; the QR code on the stock
#   client's screen decodes to the verification URI; denied, expired,
#   slow_down, wrong-user, a confidential client (client_secret_file) and
#   client-disconnect each end as documented; a
#   pasted token and a password still log in on the same stanza; 20 device
#   logins at once each get their own code and result; no code or token in
#   any log.  The printed link is verification_uri_complete and the QR code
#   encodes exactly it.  With the recommended "AuthenticationMethods
#   publickey,keyboard-interactive" a client without the user's key never
#   sees a prompt (so no flow, no provider round trip), one with the key
#   gets the device prompt and logs in.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_sshd
trap e2e_cleanup EXIT
# A one-second interval keeps the test short; the benchmark uses the default.
idp_start IDP_DEVICE_INTERVAL=1 IDP_DEVICE_TTL=120
e2e_sshd alice,bob
echo "MaxStartups 60" >> "$S/sshd_config" # 20 logins at once are all unauthenticated
write_conf() { # CLIENT_ID DEVICE_TIMEOUT [CLIENT_SECRET_FILE]
	{
		e2e_conf_head
		echo "device_dir = $T/device"
		echo "device_max_flows = 20 # the load below: 20 flows at once"
		echo "# pasted tokens: access tokens for this host"
		e2e_section e2e ssh://127.0.0.1 "leeway = 0" ""
		echo "# the device flow: id_tokens for the client ssh-device"
		e2e_section e2e-device "$1" "device_flow = yes" "client_id = $1" \
			"device_scope = openid profile groups" "device_timeout = $2" \
			${3:+"client_secret_file = $3"}
	} > "$S/security/pam_jwt.conf"
}
write_conf ssh-device 60
sshd_start "$S" "$PORT"

dl() { # USER MODE [ARG]: one paramiko device login, output kept in client.log
	timeout 150 "$PYTHON" "$E2E/device_login.py" 127.0.0.1 "$PORT" "$@" 2>&1 | tee -a "$T/client.log"
}
dlu() { local u=$1; shift; dl "$u" "$ISSUER" "$CA" "$@"; }

audit() { grep -a "pam_jwt(sshd:auth): $1" "$S/authlog" | tail -1; }
# This test's device helpers: those in its sshd's mount namespace (the
# machine may run other tests' helpers with the same command line).
helpers() {
	local ns p n=0
	ns=$(readlink "/proc/$(cat "$S/sshd.pid")/ns/mnt")
	for p in $(pgrep -f "pam-jwt device --config .* --issuer e2e-device"); do
		[ "$(readlink "/proc/$p/ns/mnt" 2> /dev/null)" = "$ns" ] && n=$((n + 1))
	done
	echo "$n"
}
polls() { grep -c "device poll client=$1" "$T/idp/idp.log" || true; }

# --- approved: paramiko ------------------------------------------------------
out=$(dlu alice approve alice) || true
has "$out" "PROMPT Token (or press Enter to sign in with a browser): " "first prompt offers both"
has "$out" "To sign in, open $ISSUER/device?user_code=[A-Z]\{4\}-[A-Z]\{4\} and enter [A-Z]\{4\}-[A-Z]\{4\}" \
	"the link (verification_uri_complete) and the code are shown"
has "$out" "Request from 127.0.0.1 for $(hostname), valid for 60 seconds" "the message names the client address and this host"
has "$out" "Press Enter once you have signed in, or type a token: " "second prompt"
has "$out" "uid=4100(alice) gid=4100(alice) groups=4100(alice),.*operators" "device login: id shows alice and the group_map groups"
has "$out" "developers" "device login: developers mapped too"
has "$(audit accepted)" 'verdict=OK user="alice" mapped="alice" issuer="e2e-device".*method="device"' \
	"audit line: accepted, issuer e2e-device, method=device"
[ -s "$T/cache/e2e-device.jwks" ] && pass "keys fetched through the usual refresh hook" || fail "no key cache"

# --- approved: the stock ssh client in a pty ------------------------------------
timeout 150 "$PYTHON" "$E2E/device_pty.py" "$PORT" alice "$ISSUER" "$CA" alice "$T/journey.txt" \
	> "$T/pty.log" 2>&1 || true
sed 's/^/# | /' "$T/journey.txt"
out=$(cat "$T/journey.txt")
has "$out" "uid=4100(alice).*operators" "stock ssh client: device login, id shows alice and groups"
qr=$("$PYTHON" "$top_srcdir/tests/qr_decode.py" "$T/journey.txt") || true
code=$(sed -n 's/.*enter \([A-Z-]*\)$/\1/p' "$T/journey.txt" | head -1)
expect_eq "$qr" "$ISSUER/device?user_code=$code" "the QR code on the stock client's screen decodes to the complete verification URI"
link=$(sed -n 's/.*To sign in, open \([^ ]*\) and enter .*/\1/p' "$T/journey.txt" | head -1)
expect_eq "$qr" "$link" "the QR code and the printed link are one URL"

# --- denied ----------------------------------------------------------------------
out=$(dlu alice deny) || true
has "$out" "browser: denied" "the browser aborted at the provider"
has "$out" "Sign-in was denied at the provider." "denied: the client is told"
lacks "$out" "uid=" "denied: no shell"
has "$(grep -a 'device sign-in failed' "$S/authlog" | tail -1)" 'outcome="denied"' "denied: logged"

# --- wrong user: bob approves alice's login ----------------------------------------
out=$(dlu alice approve bob) || true
has "$out" "Token is for another user (bob)." "wrong user: the usual message"
lacks "$out" "uid=" "wrong user: no shell"
has "$(audit rejected)" 'verdict=USER_MISMATCH user="alice" mapped="bob".*method="device"' \
	"wrong user: audit USER_MISMATCH, method=device"

# --- expired: nobody approves within device_timeout ---------------------------------
write_conf ssh-device 10
t0=$SECONDS
out=$(dlu alice none) || true
has "$out" "valid for 10 seconds" "short device_timeout: the message says so"
has "$out" "The code expired before the sign-in was finished." "expired: the client is told"
lacks "$out" "uid=" "expired: no shell"
[ $((SECONDS - t0)) -le 30 ] && pass "expired: ended within device_timeout + margin ($((SECONDS - t0)) s)" ||
	fail "expired took $((SECONDS - t0)) s"

# --- slow_down: the provider asks for a longer interval --------------------------------
write_conf ssh-device-slow 60
out=$(dlu alice approve alice) || true
has "$out" "uid=4100(alice)" "slow_down: still logs in"
gaps=$(grep -a "device poll client=ssh-device-slow" "$T/idp/idp.log")
has "$gaps" "answer=slow_down" "slow_down: the provider said slow_down"
has "$gaps" "answer=token" "slow_down: the helper got its token after backing off"
echo "$gaps" | sed 's/^/# /'

# --- a confidential client: client_secret_file (root-only) ------------------------------
printf 'ssh-device-secret-secret\n' > "$T/client.secret"
chmod 0600 "$T/client.secret"
write_conf ssh-device-secret 60 "$T/client.secret"
out=$(dlu alice approve alice) || true
has "$out" "uid=4100(alice)" "confidential client (client_secret_file): logs in"
printf 'wrong\n' > "$T/client.secret"
out=$(dlu alice approve alice) || true
has "$out" "Sign-in with a browser failed: the provider's answer was not usable." \
	"confidential client, wrong secret: refused with a clear message"
chmod 0644 "$T/client.secret"
out=$(dlu alice approve alice) || true
has "$out" "Sign-in with a browser is misconfigured on this host." \
	"client_secret_file readable by others: refused"
write_conf ssh-device 60

# --- client disconnect: the helper stops and polling ends ---------------------------------
before=$(polls ssh-device)
out=$(dlu alice disconnect) || true
sleep 3
n1=$(polls ssh-device)
sleep 4
n2=$(polls ssh-device)
expect_eq "$(helpers)" 0 "disconnect: no pam-jwt device process left"
expect_eq "$n2" "$n1" "disconnect: no more polls reach the provider (polls before $before, after $n1, 4 s later $n2)"

# --- a pasted token and passwords, same stanza ---------------------------------------------
# Both sections now need keys: fetch them as the refresh timer would (the
# core refreshes a section only when no section could check the signature).
"$T/bin/pam-jwt" refresh --config "$S/security/pam_jwt.conf" --quiet ||
	fail "pam-jwt refresh for both sections"
tok alice-cli ssh://127.0.0.1 ES256 > "$T/alice.jwt"
out=$(timeout 30 "$PYTHON" "$E2E/paramiko_login.py" 127.0.0.1 "$PORT" alice "$T/alice.jwt" 2>&1) || true
has "$out" "uid=4100(alice)" "pasted token at the first prompt still logs in"
has "$(audit accepted)" 'issuer="e2e".*method="token"' "pasted token: audit method=token"
out=$(dlu alice token "$T/alice.jwt") || true
has "$out" "uid=4100(alice)" "a token typed at the second prompt logs in too"
printf '%s' "$PASSWORD" > "$T/password"
out=$(PAM_JWT_TOKEN_FILE=$T/password sshd_login "$S" "$PORT" alice password id 2>&1) || true
has "$out" "uid=4100(alice)" "password method: pam_unix password logs in"
# An empty password over the password method: sshd refuses it before PAM,
# so the module never sees it and no flow starts (nothing to show it on).
printf '#!/bin/sh\nprintf ""\n' > "$T/empty-askpass"
chmod 0755 "$T/empty-askpass"
out=$(SSH_ASKPASS=$T/empty-askpass sshd_login "$S" "$PORT" alice password id 2>&1) || true
lacks "$out" "To sign in" "password method, empty password: no device flow shown"
lacks "$(tail -3 "$S/authlog")" "device sign-in" "password method, empty password: no device flow started"
out=$(PAM_JWT_TOKEN_FILE=$T/password sshd_login "$S" "$PORT" alice keyboard-interactive id 2>&1) || true
has "$out" "uid=4100(alice)" "keyboard-interactive: a password at the first prompt logs in (pam_unix)"
sleep 1
expect_eq "$(helpers)" 0 "a password never starts a device flow"

# --- 20 device logins at once ------------------------------------------------------------
out=$(timeout 280 "$PYTHON" "$E2E/device_login.py" 127.0.0.1 "$PORT" alice "$ISSUER" "$CA" approve alice --count 10 2>&1 &
	timeout 280 "$PYTHON" "$E2E/device_login.py" 127.0.0.1 "$PORT" bob "$ISSUER" "$CA" approve bob --count 10 2>&1; wait) || true
echo "$out" | sed 's/^/# /'
expect_eq "$(grep -c 'code=[0-9a-f]\{12\} uid=4100(alice)' <<< "$out")" 10 "10 of alice's simultaneous logins: her own shell each"
expect_eq "$(grep -c 'code=[0-9a-f]\{12\} uid=4101(bob)' <<< "$out")" 10 "10 of bob's simultaneous logins: his own shell each"
expect_eq "$(grep -o 'code=[0-9a-f]\{12\}' <<< "$out" | sort -u | wc -l)" 20 "20 distinct codes"
expect_eq "$(helpers)" 0 "no helper left after the load"

# --- a name without a local account: no flow, no provider round trip -------------------
printf '#!/bin/sh\necho "$1" >> %s/prompts\necho\n' "$T" > "$T/rec-askpass"
chmod 0755 "$T/rec-askpass"
: > "$T/prompts"
before=$(grep -c "device authorization" "$T/idp/idp.log" || true)
out=$(SSH_ASKPASS=$T/rec-askpass sshd_login "$S" "$PORT" mallory keyboard-interactive id 2>&1) || true
sed 's/^/# mallory saw: /' "$T/prompts"
grep -q "Token: $" "$T/prompts" && pass "no account: the plain Token: prompt" || fail "no account: $(cat "$T/prompts")"
if grep -q "browser" "$T/prompts"; then fail "no account: the flow was offered"
else pass "no account: no browser offered"; fi
lacks "$out" "To sign in" "no account: no flow shown"
expect_eq "$(grep -c "device authorization" "$T/idp/idp.log" || true)" "$before" \
	"no account: no request reached the provider"

# --- AuthenticationMethods publickey,keyboard-interactive: a key first ------------------
# The recommended sshd setting where the device flow is on: nobody without
# the user's key reaches PAM, so nobody can start a flow (or learn whether
# the name has an account) from the network.
sshd_stop "$S"
ssh-keygen -q -t ed25519 -N '' -f "$T/alice_key"
mkdir -p "$S/keys"
cp "$T/alice_key.pub" "$S/keys/alice"
sed -i 's/^PubkeyAuthentication no$/PubkeyAuthentication yes/' "$S/sshd_config"
# StrictModes: this test's key file lives under /tmp, not a user's home
printf 'AuthorizedKeysFile %s/keys/%%u\nStrictModes no\nAuthenticationMethods publickey,keyboard-interactive\n' \
	"$S" >> "$S/sshd_config"
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$S/dev/log" # the stopped log reader's socket
sshd_start "$S" "$PORT"
: > "$T/prompts"
before=$(grep -c "device authorization" "$T/idp/idp.log" || true)
out=$(SSH_ASKPASS=$T/rec-askpass sshd_login "$S" "$PORT" alice keyboard-interactive,password id 2>&1) || true
has "$out" "Permission denied (publickey)" "key first: a client without the key is refused before PAM"
expect_eq "$(grep -c . "$T/prompts")" 0 "key first: a client without the key sees no prompt at all"
expect_eq "$(grep -c "device authorization" "$T/idp/idp.log" || true)" "$before" \
	"key first: no request reached the provider"
DEVICE_PTY_SSH_ARGS="-i $T/alice_key -o IdentitiesOnly=yes -o PreferredAuthentications=publickey,keyboard-interactive" \
	timeout 150 "$PYTHON" "$E2E/device_pty.py" "$PORT" alice "$ISSUER" "$CA" alice "$T/keyfirst.txt" \
	> "$T/pty2.log" 2>&1 || true
out=$(cat "$T/keyfirst.txt")
has "$out" "Token (or press Enter to sign in with a browser): " "key first: with the key, the device prompt"
has "$out" "uid=4100(alice)" "key first: with the key and the provider's approval, alice's shell"
has "$(cat "$S/sshd.log")" "Partial publickey for alice" "key first: sshd took the key, then asked PAM"

# --- nothing secret in any log -------------------------------------------------------------
codes=$(grep -aho 'enter [A-Z]\{4\}-[A-Z]\{4\}' "$T/client.log" "$T/journey.txt" | sed 's/enter //' | sort -u)
leaks=0
for c in $codes; do
	for f in "$S/authlog" "$S/sshd.log"; do
		grep -qaF -- "$c" "$f" && { leaks=$((leaks + 1)); echo "# user code in $f"; }
	done
done
grep -qa 'eyJ' "$S/authlog" "$S/sshd.log" && leaks=$((leaks + 1))
[ -n "$(find "$T/cache" -newer "$T/journey.txt" -type f ! -name '*.stamp' ! -name '*.lock' 2>/dev/null)" ] &&
	find "$T/cache" -type f | sed 's/^/# cache: /'
expect_eq "$leaks" 0 "no user code ($(wc -w <<< "$codes") checked) or token in syslog or sshd's log"

finish
