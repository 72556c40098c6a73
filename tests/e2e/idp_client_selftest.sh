#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The workstation client's test components on their own (issue 20), before
# any client: the test provider (idp.mjs, oidc-provider on loopback HTTPS
# with the test CA), a real browser (browser_signin.py: headless Chromium
# driven by python3-selenium) and the multi-host harness (multihost-lib.sh:
# real sshd hosts with audiences ssh://NAME), exercised with curl.
#
#   authorization code + PKCE S256 through Chromium to a one-shot loopback
#   listener on an ephemeral port (RFC 8252); a wrong password refused on the
#   login page; plain PKCE, no PKCE and a foreign redirect refused; a wrong
#   code_verifier and a replayed code refused; resource=ssh://hosta.test ->
#   a JWT with aud ssh://hosta.test that `pam-jwt check` accepts with hosta's
#   config and refuses with hostb's; refresh with resource=ssh://hostb.test,
#   rotated; RFC 8693 token exchange of the id_token and of the opaque
#   sign-in token for ssh://hostc.test, and never of a host's token; a real
#   ssh login to hosta with its token, hosta's token refused by hostb (and
#   the harness shows what hostb received), one_time on hostb; the device
#   flow of the same client through Chromium; the standard revocation
#   endpoint and /admin/revoke: refresh and exchange refused afterwards;
#   git clone and rsync over ssh to the harness's hosts; no token, code or
#   verifier in the provider's log, the browser's output or the hosts' logs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (sshd, mount namespace)"; exit 77; }
. "$top_srcdir/tests/e2e/multihost-lib.sh"
mh_require_tools git
trap mh_cleanup EXIT

idp_start IDP_DEVICE_INTERVAL=1
CLIENT=pam-jwt-login
S=$T/secret # tokens, codes, verifiers: nowhere else
mkdir -m 0700 "$S"

HOSTS=(hosta.test hostb.test)
MH_ONE_TIME=hostb.test mh_setup "$ISSUER" "$CA" "${HOSTS[@]}"
mh_start
mh_ssh_config "$T/ssh_config"

# --- helpers -------------------------------------------------------------
contains() { # OUTPUT PATTERN DESCRIPTION
	if grep -q -- "$2" <<< "$1"; then pass "$3"; else fail "$3: $(head -c 600 <<< "$1")"; fi
}
lacks() { # OUTPUT PATTERN DESCRIPTION
	if grep -q -- "$2" <<< "$1"; then fail "$3: $(head -c 600 <<< "$1")"; else pass "$3"; fi
}
urlq() { "$PYTHON" -c 'import sys, urllib.parse; print(urllib.parse.urlencode(list(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"; }
jget() { # FILE KEY: a top-level JSON member (strings bare, no newline)
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2], "")
print(v if isinstance(v, str) else json.dumps(v), end="")' "$1" "$2" 2> /dev/null || true
}
claim() { # TOKENFILE KEY: a claim of a JWT payload (strings bare)
	"$PYTHON" -c 'import base64, json, sys
p = open(sys.argv[1]).read().strip().split(".")[1]
v = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get(sys.argv[2], "")
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2> /dev/null || true
}
# token ENDPOINT OUT FIELD...: POST to the provider (fields as curl
# --data-urlencode takes them: name=value, or name@file so that no token
# shows in argv); the answer in OUT, the HTTP status on stdout.
post() {
	local url=$ISSUER$1 out=$2 f args=()
	shift 2
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -sS --connect-timeout 5 --max-time 30 --cacert "$CA" -o "$out" -w '%{http_code}' \
		"${args[@]}" "$url" || true
}
token() { local out=$1; shift; post /token "$out" client_id=$CLIENT "$@"; }
save() { # JSONFILE KEY OUTFILE: a member into its own 0600 file
	(umask 077; jget "$1" "$2" > "$3")
}
# A one-shot loopback listener (RFC 8252): 127.0.0.1, an ephemeral port,
# one request, whose path+query it writes to $S/redirect; then it exits.
listener() {
	rm -f "$T/listener.port" "$S/redirect"
	"$PYTHON" - "$T/listener.port" "$S/redirect" <<-'EOF' &
		import http.server, os, sys
		class H(http.server.BaseHTTPRequestHandler):
		    def do_GET(self):
		        fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
		        os.write(fd, self.path.encode())
		        os.close(fd)
		        self.send_response(200)
		        self.send_header("Content-Type", "text/html")
		        self.end_headers()
		        self.wfile.write(b"<html><head><title>Signed in</title></head><body>You may close this window.</body></html>")
		    def log_message(self, *a):
		        pass
		s = http.server.HTTPServer(("127.0.0.1", 0), H)
		s.timeout = 120
		with open(sys.argv[1] + ".tmp", "w") as f:
		    f.write(str(s.server_address[1]))
		os.rename(sys.argv[1] + ".tmp", sys.argv[1])
		s.handle_request()
	EOF
	LISTENER=$!
	for _ in $(seq 100); do [ -s "$T/listener.port" ] && break; sleep 0.1; done
	PORT=$(cat "$T/listener.port")
}
qparam() { # NAME: from the redirect the listener received
	"$PYTHON" -c 'import sys, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlsplit(open(sys.argv[1]).read()).query)
print(q.get(sys.argv[2], [""])[0], end="")' "$S/redirect" "$1" 2> /dev/null || true
}
browser() { # ARGS...: the real browser, foreground, its one line kept
	BROWSER_SIGNIN_CA=$CA timeout 120 "$PYTHON" "$E2E/browser_signin.py" --wait "$@" 2>&1 | tee -a "$T/browser.log"
}
pkce() { # new verifier in $S/verifier, its S256 challenge in CHALLENGE
	(umask 077; openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n' > "$S/verifier")
	CHALLENGE=$(openssl dgst -sha256 -binary < "$S/verifier" | openssl base64 -A | tr '+/' '-_' | tr -d '=')
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- authorization requests the provider must refuse (no browser needed) ---
pkce
auth_url() { # extra name value pairs
	echo "$ISSUER/auth?$(urlq client_id $CLIENT response_type code scope 'openid profile email groups offline_access' \
		redirect_uri "http://127.0.0.1:$PORT/callback" state "$STATE" nonce "$NONCE" "$@")"
}
PORT=1 STATE=s NONCE=n
location() { curl -sS --cacert "$CA" --max-time 20 -o /dev/null -w '%{http_code} %{redirect_url}' "$1"; }
out=$(location "$(auth_url code_challenge "$CHALLENGE" code_challenge_method plain)")
contains "$out" "error=invalid_request" "PKCE plain refused (S256 only)"
out=$(location "$(auth_url)")
contains "$out" "error=invalid_request" "authorization without PKCE refused"
out=$(curl -sS --cacert "$CA" --max-time 20 -o /dev/null -w '%{http_code} %{redirect_url}' \
	"$ISSUER/auth?$(urlq client_id $CLIENT response_type code scope openid redirect_uri http://127.0.0.1:1/other \
	state s code_challenge "$CHALLENGE" code_challenge_method S256)")
contains "$out" "^400 $" "an unregistered redirect path: refused without a redirect"
out=$(curl -sS --cacert "$CA" --max-time 20 -o /dev/null -w '%{http_code} %{redirect_url}' \
	"$ISSUER/auth?$(urlq client_id $CLIENT response_type code scope openid redirect_uri http://192.0.2.1:8080/callback \
	state s code_challenge "$CHALLENGE" code_challenge_method S256)")
contains "$out" "^400 $" "a non-loopback redirect host: refused without a redirect"

# --- a wrong password on the provider's login page -------------------------
listener
STATE=$(openssl rand -hex 16) NONCE=$(openssl rand -hex 16)
URL=$(auth_url code_challenge "$CHALLENGE" code_challenge_method S256 resource ssh://hosta.test)
out=$(BROWSER_SIGNIN_PASSWORD=wrong browser "$URL") && fail "wrong password: browser says ok" ||
	pass "wrong password: the browser driver reports failure"
contains "$out" "refused the login of alice" "wrong password: the provider's login page refused it"
[ -e "$S/redirect" ] && fail "wrong password: the listener got a redirect" ||
	pass "wrong password: no redirect reached the listener"
kill "$LISTENER" 2> /dev/null || true
wait "$LISTENER" 2> /dev/null || true

# --- sign in through Chromium: code + PKCE to the loopback listener -------
listener
STATE=$(openssl rand -hex 16) NONCE=$(openssl rand -hex 16)
URL=$(auth_url code_challenge "$CHALLENGE" code_challenge_method S256 resource ssh://hosta.test)
t0=$(date +%s%N)
out=$(browser "$URL") && pass "Chromium signed in as alice: $out" || fail "Chromium sign-in: $out"
signin_ms=$(ms "$t0")
wait "$LISTENER" 2> /dev/null || true
lacks "$out" "code=\|state=\|$STATE" "the browser driver printed no code or state"
expect_eq "$(qparam state)" "$STATE" "the redirect carries our state"
expect_eq "$(qparam iss)" "$ISSUER" "the redirect names the issuer (RFC 9207)"
(umask 077; qparam code > "$S/code")
[ -s "$S/code" ] && pass "the listener on port $PORT (ephemeral) received a code" || fail "no code"

# a wrong code_verifier first: refused, and the code is still good after it
(umask 077; printf 'x%.0s' $(seq 50) > "$S/bad-verifier")
st=$(token "$T/r.json" grant_type=authorization_code "code@$S/code" "redirect_uri=http://127.0.0.1:$PORT/callback" \
	"code_verifier@$S/bad-verifier")
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "wrong code_verifier refused"
st=$(token "$S/signin.json" grant_type=authorization_code "code@$S/code" "redirect_uri=http://127.0.0.1:$PORT/callback" \
	"code_verifier@$S/verifier" resource=ssh://hosta.test)
expect_eq "$st" 200 "code + verifier + resource=ssh://hosta.test: tokens issued"
save "$S/signin.json" access_token "$S/at-a"
save "$S/signin.json" refresh_token "$S/rt1"
save "$S/signin.json" id_token "$S/idt"

expect_eq "$(claim "$S/at-a" aud)" ssh://hosta.test "access token: a JWT with aud ssh://hosta.test"
expect_eq "$(claim "$S/at-a" sub)/$(claim "$S/at-a" preferred_username)" alice/alice "access token: sub and preferred_username alice"
expect_eq "$(claim "$S/at-a" iss)" "$ISSUER" "access token: iss"
expect_eq "$(( $(claim "$S/at-a" exp) - $(claim "$S/at-a" iat) ))" 60 "access token lives 60 s (IDP_LOGIN_TTL)"
expect_eq "$(jget "$S/signin.json" expires_in)" 60 "expires_in 60"
expect_eq "$(claim "$S/idt" aud)/$(claim "$S/idt" nonce)" "$CLIENT/$NONCE" "id_token: aud is the client, our nonce"
[ "$(wc -c < "$S/rt1")" -ge 20 ] && pass "a refresh token (offline_access needs no consent prompt)" || fail "no refresh token"

# --- pam-jwt check: hosta's config accepts, hostb's refuses ---------------
for h in "${HOSTS[@]}"; do "$PAMJWT" refresh --config "$(mh_conf "$h")" --quiet || fail "refresh keys for $h"; done
out=$(mh_check hosta.test --user alice - < "$S/at-a" 2>&1) &&
	pass "pam-jwt check: hosta's config accepts hosta's token" || fail "hosta's config: $out"
out=$(mh_check hostb.test --user alice - < "$S/at-a" 2>&1) &&
	fail "hostb's config accepted hosta's token" || contains "$out" "WRONG_AUDIENCE" "pam-jwt check: hostb's config refuses it (WRONG_AUDIENCE)"

# --- refresh, with another resource; the refresh token rotates --------------
st=$(token "$S/refresh.json" grant_type=refresh_token "refresh_token@$S/rt1" resource=ssh://hostb.test)
expect_eq "$st" 200 "refresh with resource=ssh://hostb.test"
save "$S/refresh.json" access_token "$S/at-b"
save "$S/refresh.json" refresh_token "$S/rt2"
save "$S/refresh.json" id_token "$S/idt"
expect_eq "$(claim "$S/at-b" aud)" ssh://hostb.test "refreshed token: aud ssh://hostb.test"
cmp -s "$S/rt1" "$S/rt2" && fail "refresh token not rotated" || pass "refresh token rotated"
st=$(token "$S/opaque.json" grant_type=refresh_token "refresh_token@$S/rt2")
expect_eq "$st" 200 "refresh without resource"
save "$S/opaque.json" access_token "$S/at-opaque"
save "$S/opaque.json" refresh_token "$S/rt3"
[ "$(tr -cd . < "$S/at-opaque" | wc -c)" = 0 ] && pass "without resource: an opaque sign-in token (no audience)" ||
	fail "without resource the access token is a JWT"

# --- RFC 8693 token exchange ------------------------------------------------
TX=urn:ietf:params:oauth:grant-type:token-exchange
st=$(token "$S/x.json" grant_type=$TX "subject_token@$S/idt" subject_token_type=urn:ietf:params:oauth:token-type:id_token \
	audience=ssh://hostc.test)
expect_eq "$st" 200 "token exchange of the id_token for audience=ssh://hostc.test"
save "$S/x.json" access_token "$S/at-c"
expect_eq "$(claim "$S/at-c" aud)/$(claim "$S/at-c" preferred_username)" ssh://hostc.test/alice "exchanged token: aud ssh://hostc.test, alice"
expect_eq "$(jget "$S/x.json" issued_token_type)" urn:ietf:params:oauth:token-type:access_token "issued_token_type access_token"
st=$(token "$S/x2.json" grant_type=$TX "subject_token@$S/at-opaque" subject_token_type=urn:ietf:params:oauth:token-type:access_token \
	resource=ssh://hosta.test)
expect_eq "$st" 200 "token exchange of the opaque sign-in token (resource=ssh://hosta.test)"
save "$S/x2.json" access_token "$S/at-a2"
expect_eq "$(claim "$S/at-a2" aud)" ssh://hosta.test "exchanged token: aud ssh://hosta.test"
st=$(token "$T/r.json" grant_type=$TX "subject_token@$S/at-a" subject_token_type=urn:ietf:params:oauth:token-type:access_token \
	audience=ssh://hostb.test)
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "a host's token is never exchanged for another host's"
st=$(token "$T/r.json" grant_type=$TX "subject_token@$S/idt" subject_token_type=urn:ietf:params:oauth:token-type:id_token \
	audience=https://mail.example.test)
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_target" "exchange for a non-ssh audience refused"
st=$(post /token "$T/r.json" client_id=ssh-device grant_type=$TX "subject_token@$S/idt" \
	subject_token_type=urn:ietf:params:oauth:token-type:id_token audience=ssh://hosta.test)
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_request" "exchange by another client refused (grant type not allowed)"
# an id_token of another client (ssh-device, signed in by device_browser.py)
st=$(post /device/auth "$T/od.json" client_id=ssh-device "scope=openid profile")
(umask 077; jget "$T/od.json" device_code > "$S/od-code")
timeout 60 "$PYTHON" "$E2E/device_browser.py" "$ISSUER" "$CA" "$(jget "$T/od.json" user_code)" approve alice > /dev/null
sleep 1
st=$(post /token "$S/od-tok.json" client_id=ssh-device grant_type=urn:ietf:params:oauth:grant-type:device_code "device_code@$S/od-code")
save "$S/od-tok.json" id_token "$S/idt-other"
expect_eq "$st $(claim "$S/idt-other" aud)" "200 ssh-device" "an id_token of the client ssh-device"
st=$(token "$T/r.json" grant_type=$TX "subject_token@$S/idt-other" subject_token_type=urn:ietf:params:oauth:token-type:id_token \
	audience=ssh://hosta.test)
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "exchange of another client's id_token refused"
sed 's/.\{4\}$/AAAA/' "$S/idt" > "$S/idt-forged"
st=$(token "$T/r.json" grant_type=$TX "subject_token@$S/idt-forged" subject_token_type=urn:ietf:params:oauth:token-type:id_token \
	audience=ssh://hosta.test)
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "exchange of a forged id_token refused"

# One provider round trip for a host token, as the client pays it per connection
# (curl's time_total: TLS handshake + exchange; median of 5).
rt=()
for _ in 1 2 3 4 5; do
	rt+=("$(curl -sS --cacert "$CA" --max-time 30 -o /dev/null -w '%{time_total}' -d client_id=$CLIENT \
		--data-urlencode grant_type=$TX --data-urlencode "subject_token@$S/idt" \
		-d subject_token_type=urn:ietf:params:oauth:token-type:id_token -d audience=ssh://hostc.test "$ISSUER/token")")
done
exchange_ms=$(printf '%s\n' "${rt[@]}" | sort -n | sed -n 3p | awk '{printf "%d", $1 * 1000}')

# --- real ssh logins through the harness -------------------------------------
out=$(mh_ssh_token "$T/ssh_config" hosta.test "$S/at-a" id 2>&1) || true
contains "$out" "uid=4100(alice)" "ssh hosta.test with hosta's token: logged in"
contains "$(mh_received hosta.test accepted)" "^accepted OK $(mh_jti "$(cat "$S/at-a")")\$" "hosta's audit shows that token's jti accepted"
out=$(mh_ssh_token "$T/ssh_config" hostb.test "$S/at-a" id 2>&1) || true
lacks "$out" "uid=" "ssh hostb.test with hosta's token: refused"
contains "$out" "Token is not for this host" "hostb tells the user the token is not for it"
contains "$(mh_received hostb.test WRONG_AUDIENCE)" "^rejected WRONG_AUDIENCE $(mh_jti "$(cat "$S/at-a")")\$" \
	"the harness shows what hostb received (hosta's jti, WRONG_AUDIENCE)"
out=$(mh_ssh_token "$T/ssh_config" hostb.test "$S/at-b" id 2>&1) || true
contains "$out" "uid=4100(alice)" "ssh hostb.test with hostb's token (one_time): logged in"
out=$(mh_ssh_token "$T/ssh_config" hostb.test "$S/at-b" id 2>&1) || true
lacks "$out" "uid=" "hostb (one_time): the same token again is refused"
contains "$(mh_received hostb.test REPLAYED)" "^rejected REPLAYED $(mh_jti "$(cat "$S/at-b")")\$" "hostb's audit: REPLAYED"
# git clone and rsync -e over the generated ssh_config (the exchanged token)
tokssh() { PAM_JWT_TOKEN_FILE=$1 SSH_ASKPASS=$top_builddir/pam-jwt-askpass SSH_ASKPASS_REQUIRE=force \
	DISPLAY=${DISPLAY:-:0} timeout 60 setsid -w "${@:2}" < /dev/null; }
out=$(GIT_SSH_COMMAND="ssh -F $T/ssh_config" tokssh "$S/at-a2" git clone -q "hosta.test:$MH/git/app.git" "$T/clone" 2>&1) || true
expect_eq "$(cat "$T/clone/README" 2> /dev/null)" app "git clone hosta.test:app.git over ssh ${out:+($out)}"
echo report > "$T/report.txt"
out=$(tokssh "$S/at-a2" rsync -a -e "ssh -F $T/ssh_config" "$T/report.txt" hosta.test: 2>&1) || true
expect_eq "$(cat "$MH/hosta.test/home/report.txt" 2> /dev/null)" report "rsync -e ssh to hosta.test's home ${out:+($out)}"
out=$(SSH_ASKPASS=/bin/false timeout 30 ssh -F "$T/ssh_config" -o PreferredAuthentications=password \
	-o BatchMode=yes hostb.test true 2>&1 < /dev/null) || true
lacks "$out" "Host key verification failed" "strict host keys: the generated known_hosts matches hostb (HostKeyAlias)"

# --- the device flow of the same client, through Chromium ---------------------
st=$(post /device/auth "$S/dev.json" client_id=$CLIENT "scope=openid profile groups")
expect_eq "$st" 200 "device authorization for $CLIENT"
(umask 077; jget "$S/dev.json" verification_uri_complete > "$S/dev-url"; jget "$S/dev.json" device_code > "$S/dev-code")
out=$(BROWSER_SIGNIN_PROFILE=$T/profile browser "$(cat "$S/dev-url")") && pass "Chromium approved the device code: $out" ||
	fail "device approval: $out"
sleep "$(jget "$S/dev.json" interval)"
st=$(token "$S/dev-tok.json" grant_type=urn:ietf:params:oauth:grant-type:device_code "device_code@$S/dev-code")
expect_eq "$st" 200 "device flow: tokens for $CLIENT"
save "$S/dev-tok.json" id_token "$S/dev-idt"
expect_eq "$(claim "$S/dev-idt" preferred_username)" alice "device flow: id_token for alice"

# --- as $BROWSER: detached at once; with the kept profile the sign-in is silent ---
listener
pkce
STATE=$(openssl rand -hex 16) NONCE=$(openssl rand -hex 16)
logins=$(grep -c "^login ok" "$T/idp/idp.log")
t0=$(date +%s%N)
BROWSER=$E2E/browser_signin.py BROWSER_SIGNIN_PROFILE=$T/profile BROWSER_SIGNIN_CA=$CA \
	BROWSER_SIGNIN_RESULT=$T/browser.result BROWSER_SIGNIN_LOG=$T/browser.log \
	timeout 20 sh -c '"$BROWSER" "$1"' sh "$(auth_url code_challenge "$CHALLENGE" code_challenge_method S256)" 2> "$T/browser.err" && rc=0 || rc=$?
expect_eq "$rc" 0 "as \$BROWSER: exit 0"
[ "$(ms "$t0")" -lt 5000 ] && pass "as \$BROWSER: returned at once ($(ms "$t0") ms), like xdg-open" ||
	fail "as \$BROWSER: took $(ms "$t0") ms"
for _ in $(seq 600); do [ -s "$T/browser.result" ] && break; sleep 0.1; done
wait "$LISTENER" 2> /dev/null || true
expect_eq "$(cat "$T/browser.result" 2> /dev/null)" ok "as \$BROWSER: the detached browser reports ok $(head -c 300 "$T/browser.err")"
expect_eq "$(qparam state)" "$STATE" "as \$BROWSER: the listener got our state"
expect_eq "$(grep -c "^login ok" "$T/idp/idp.log")" "$logins" "the provider's session made the second sign-in silent (no login page)"

# --- the provider down and up again (SIGUSR1/SIGUSR2), state kept -------------
kill -USR1 "$(cat "$T/idp/idp.pid")"
for _ in $(seq 50); do grep -q '^DOWN' "$T/idp/idp.log" && break; sleep 0.1; done
curl -sS --cacert "$CA" --max-time 10 -o /dev/null "$ISSUER/.well-known/openid-configuration" 2> /dev/null && rc=0 || rc=$?
expect_eq "$rc" 7 "SIGUSR1: the provider refuses connections"
kill -USR2 "$(cat "$T/idp/idp.pid")"
for _ in $(seq 50); do grep -q '^UP' "$T/idp/idp.log" && break; sleep 0.1; done
st=$(token "$T/r.json" grant_type=refresh_token "refresh_token@$S/rt3")
expect_eq "$st" 200 "SIGUSR2: up again, the refresh token still good"
save "$T/r.json" refresh_token "$S/rt3"

# --- revocation ----------------------------------------------------------------
# The standard endpoint (RFC 7009): the client revokes its refresh token.
st=$(post /token/revocation "$T/r.json" client_id=$CLIENT "token@$S/rt3" token_type_hint=refresh_token)
expect_eq "$st" 200 "revocation endpoint: refresh token revoked"
# revoked WHEN REFRESHFILE SUBJECTFILE SUBJECTTYPE: neither refresh nor exchange work
revoked() {
	st=$(token "$T/r.json" grant_type=refresh_token "refresh_token@$2" resource=ssh://hosta.test)
	expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "$1: the refresh token is refused"
	st=$(token "$T/r.json" grant_type=$TX "subject_token@$3" subject_token_type=urn:ietf:params:oauth:token-type:$4 \
		audience=ssh://hosta.test)
	expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "$1: the sign-in's $4 is not exchanged either"
}
revoked "after the revocation endpoint" "$S/rt3" "$S/at-opaque" access_token
# A code used twice is refused (and oidc-provider revokes what it gave).
st=$(token "$T/r.json" grant_type=authorization_code "code@$S/code" "redirect_uri=http://127.0.0.1:$PORT/callback" \
	"code_verifier@$S/verifier")
expect_eq "$st $(jget "$T/r.json" error)" "400 invalid_grant" "the code a second time: refused"
# /admin/revoke: everything of alice's (here the device flow's sign-in).
save "$S/dev-tok.json" refresh_token "$S/dev-rt"
st=$(token "$T/r.json" grant_type=refresh_token "refresh_token@$S/dev-rt" resource=ssh://hosta.test)
expect_eq "$st" 200 "the device flow's refresh token works"
save "$T/r.json" refresh_token "$S/dev-rt"
st=$(curl -sS --cacert "$CA" --max-time 20 -o "$T/r.json" -w '%{http_code}' -d user=alice "$ISSUER/admin/revoke")
expect_eq "$st" 401 "/admin/revoke without the secret: refused"
st=$(curl -sS --cacert "$CA" --max-time 20 -o "$T/r.json" -w '%{http_code}' -d user=alice \
	-H @<(printf 'Authorization: Bearer %s\n' "$(cat "$T/idp/admin.secret")") "$ISSUER/admin/revoke")
expect_eq "$st" 200 "/admin/revoke user=alice"
revoked "after /admin/revoke" "$S/dev-rt" "$S/dev-idt" id_token

# --- counters ------------------------------------------------------------------
curl -sS --cacert "$CA" --max-time 20 -o "$T/stats.json" "$ISSUER/admin/stats" || true
expect_eq "$(jget "$T/stats.json" token_ok | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("urn:ietf:params:oauth:grant-type:token-exchange"))')" 7 \
	"/admin/stats counts the exchanges that succeeded (2 + 5 timed)"

# --- nothing secret in the logs ---------------------------------------------------
leaks=0
for f in "$S"/at-* "$S"/rt* "$S"/idt "$S"/code "$S"/verifier "$S"/dev-code; do
	v=$(cat "$f")
	[ -n "$v" ] || continue
	for log in "$T/idp/idp.log" "$T/browser.log" "$MH"/*/authlog "$MH"/*/sshd.log; do
		if grep -qaF -- "${v: -20}" "$log"; then
			leaks=$((leaks + 1))
			echo "# $(basename "$f") appears in $log"
		fi
	done
done
expect_eq "$leaks" 0 "no token, refresh token, code or verifier in the provider's log, the browser's output or the hosts' logs"

echo "# Chromium sign-in (start, login page, consent, redirect): $signin_ms ms"
echo "# token exchange for one host, one round trip with a new TLS connection: median $exchange_ms ms (runs: ${rt[*]} s)"
finish
