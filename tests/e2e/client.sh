#!/bin/bash
# The workstation client end to end (issue 20): pam-jwt-login against the
# test provider (idp.mjs: oidc-provider on loopback HTTPS, code + PKCE,
# rotating refresh tokens, resource indicators, token exchange, 30 s
# tokens), a real browser (browser_signin.py: headless Chromium signing in
# on the provider's pages), and four real sshd hosts (multihost-lib.sh)
# whose audiences are ssh://hosta, ssh://hostb (one_time), ssh://hostx
# (reached by token exchange) and pam-jwt-login (binding = fixed, the
# id_token: the weaker case).
#
#   one browser sign-in, then ssh, scp, sftp, rsync -e, git clone and
#   ansible -m ping through pam-jwt-ssh with no prompt; askpass answers no
#   password, host-key or host-less prompt; a token for hosta is refused by
#   hostb and the client never offered hostb one (hostb's audit lines);
#   a one_time token replayed is refused; --rdp trades a token with
#   hosta's real desktop-code service for a code that logs in once; a host
#   token renewed silently
#   after expiry; ten parallel connections, cache intact; hostile
#   redirects (wrong state, other path, a second request) refused while
#   the real sign-in completes; a revoked session gives the one line
#   "sign in again: pam-jwt-login"; --device through the browser; the
#   provider down: a cached token still logs in, a one_time host says the
#   provider cannot be reached; --logout wipes; no token or refresh token
#   in any log, process list or file outside the cache.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (sshd, mount namespace)"; exit 77; }
MH_ONE_TIME=hostb
. "$top_srcdir/tests/e2e/multihost-lib.sh"
mh_require_tools git rsync sftp
[ -x "$top_builddir/pam-jwt-login" ] || { echo "# pam-jwt-login not built (libcurl)"; exit 77; }
trap mh_cleanup EXIT

TTL=30
idp_start IDP_LOGIN_TTL=$TTL IDP_DEVICE_INTERVAL=1
IDP_PORT=${ISSUER##*:}
mh_setup "$ISSUER" "$CA" hosta hostb hostx hostf
sed -i 's|^audience = .*|audience = pam-jwt-login|' "$(mh_conf hostf)"
# hosta also takes desktop codes (pam-jwt-login --rdp)
sed -i "1i desktop_code_dir = $(mh_dir hosta)/desktop" "$(mh_conf hosta)"
echo "desktop_codes = yes" >> "$(mh_conf hosta)"
for h in hosta hostb hostx hostf; do
	# scp and sftp speak sftp; git refuses a repository another user owns
	grep -q '^Subsystem' "$(mh_dir "$h")/sshd_config" ||
		echo "Subsystem sftp internal-sftp" >> "$(mh_dir "$h")/sshd_config"
	printf '[safe]\n\tdirectory = *\n' > "$(mh_dir "$h")/home/.gitconfig"
	chown "$MH_UID:$MH_UID" "$(mh_dir "$h")/home/.gitconfig"
done
mh_start
SSHCFG=$T/ssh_config
mh_ssh_config "$SSHCFG"

# The workstation user's world: config, cache, programs from the build.
. "$E2E/client-lib.sh"
client_env "$CA"
cat > "$CLIENT_CONF" <<-EOF
	[provider test]
	issuer = $ISSUER
	client_id = pam-jwt-login
	scopes = openid profile email groups offline_access
	ca_file = $CA
	binding = resource
	# binding = fixed hands out the id_token (aud: the client_id)
	token = id_token

	[host hosta]
	provider = test
	desktop_code_command = $top_builddir/pam-jwt desktop-code --socket $T/desk.sock --token-file -

	[host hostb]
	provider = test
	one_time = yes

	[host hostx]
	binding = exchange

	# weaker: one audience for every host that takes it
	[host hostf]
	binding = fixed
	audience = pam-jwt-login
EOF
CACHE=$XDG_RUNTIME_DIR/pam-jwt/test.json
LOGIN=$top_builddir/pam-jwt-login
SECRET=$T/secret # the test's own deliberate token copies (removed after use)
mkdir -m 0700 "$SECRET"

contains() { if grep -q -- "$2" <<< "$1"; then pass "$3"; else fail "$3: $1"; fi; }
claim() { # TOKEN NAME
	"$PYTHON" -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
v = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get(sys.argv[2])
print(" ".join(v) if isinstance(v, list) else v)' "$1" "$2"
}
stats() { # GRANT: token requests the provider answered 200 for it
	curl -sS --cacert "$CA" "$ISSUER/admin/stats" |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("token_ok", {}).get(sys.argv[1], 0))' "$1"
}
SEEN=$T/run/pam-jwt/.seen # every secret the cache held, to look for elsewhere (inside the cache dir)
collect() {
	[ -f "$CACHE" ] || return 0
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
out = [d.get(k) for k in ("refresh_token", "access_token", "id_token")]
for t in ("hosts", "conns"):
    out += [e.get("token") for e in d.get(t, {}).values()]
print("\n".join(s for s in out if s))' "$CACHE" >> "$SEEN"
}

# --- sign in once, with the browser ------------------------------------------------
out=$(timeout 150 "$LOGIN" --timeout 120 2> "$T/signin.err") || true
expect_eq "$out" "Signed in as alice (test)." "browser sign-in: one line names the user and the provider"
contains "$(cat "$T/signin.err")" "redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]*%2Fcallback" \
	"the redirect goes to 127.0.0.1 on an ephemeral port"
contains "$(cat "$T/signin.err")" "code_challenge_method=S256" "PKCE S256"
expect_eq "$(stat -c %a "$XDG_RUNTIME_DIR/pam-jwt"):$(stat -c %a "$CACHE")" 700:600 \
	"cache: directory 0700, file 0600"
"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("refresh_token") else 1)' "$CACHE" &&
	pass "the session's refresh token is in the cache" || fail "no refresh token cached"
collect

# --- askpass: only Token prompts, only with a host ------------------------------------
ap() { "$PAM_JWT_ASKPASS" "$1" 2> /dev/null; echo "rc=$?"; }
expect_eq "$(ap "(alice@hosta) Password: ")" "rc=1" "askpass: a password prompt gets no token"
expect_eq "$(ap "Are you sure you want to continue connecting (yes/no/[fingerprint])? ")" "rc=1" \
	"askpass: a host-key question gets no token"
expect_eq "$(ap "Token: ")" "rc=1" "askpass: a prompt without (user@host) gets no token"
expect_eq "$(ap "(alice@nohost) Token: ")" "rc=1" "askpass: a host no [host] rule names gets no token"
tok=$("$PAM_JWT_ASKPASS" "(alice@hosta) (alice@hostb) Token: " 2> /dev/null) || true
expect_eq "$(claim "$tok" aud)" "ssh://hosta" \
	"askpass: the host comes from ssh's own (user@host), not from what the server wrote after it"

# --- ssh, scp, sftp, rsync, git: no prompt -------------------------------------------------
out=$(jssh hosta id -un 2> "$T/ssh.err") || true
expect_eq "$out" alice "ssh hosta: logged in as alice with no prompt"
out=$(jssh hostb id -un 2>> "$T/ssh.err") || true
expect_eq "$out" alice "ssh hostb (one_time): logged in"
out=$(jssh hostx id -un 2>> "$T/ssh.err") || true
expect_eq "$out" alice "ssh hostx: logged in with an exchanged token (RFC 8693)"
out=$(jssh hostf id -un 2>> "$T/ssh.err") || true
expect_eq "$out" alice "ssh hostf: logged in with the fixed-audience id_token"
echo "report $$" > "$T/report.txt"
timeout 60 scp -q -F "$SSHCFG" -S "$top_builddir/pam-jwt-ssh" "$T/report.txt" hostb: < /dev/null 2>> "$T/ssh.err" || true
expect_eq "$(cat "$(mh_dir hostb)/home/report.txt" 2> /dev/null)" "report $$" "scp -S pam-jwt-ssh to hostb"
out=$(printf 'get report.txt %s/back.txt\n' "$T" | timeout 60 sftp -q -b - -F "$SSHCFG" \
	-S "$top_builddir/pam-jwt-ssh" hostb 2>> "$T/ssh.err") || true
expect_eq "$(cat "$T/back.txt" 2> /dev/null)" "report $$" "sftp -S pam-jwt-ssh from hostb"
mkdir -p "$T/src/sub" && echo one > "$T/src/sub/a" && echo two > "$T/src/b"
timeout 60 rsync -a -e "$top_builddir/pam-jwt-ssh -F $SSHCFG" "$T/src/" hosta:src/ < /dev/null 2>> "$T/ssh.err" || true
expect_eq "$(cat "$(mh_dir hosta)/home/src/sub/a" 2> /dev/null)" one "rsync -e pam-jwt-ssh to hosta"
GIT_SSH_COMMAND="$top_builddir/pam-jwt-ssh -F $SSHCFG" timeout 60 git clone -q "hostx:$MH/git/app.git" \
	"$T/app" < /dev/null 2>> "$T/ssh.err" || true
expect_eq "$(cat "$T/app/README" 2> /dev/null)" app "git clone over pam-jwt-ssh from hostx"
if command -v ansible > /dev/null; then
	printf '[pamjwt]\nhosta\nhostb\nhostx\nhostf\n' > "$T/inventory"
	out=$(ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_LOCAL_TEMP=$T/ansible-local ANSIBLE_REMOTE_TEMP=/tmp/.ansible-$$ \
		timeout 180 ansible -i "$T/inventory" pamjwt -m ping -f 4 \
		-e "ansible_ssh_executable=$top_builddir/pam-jwt-ssh" \
		-e "ansible_ssh_common_args='-F $SSHCFG'" -e ansible_python_interpreter=/usr/bin/python3 \
		< /dev/null 2>&1) || true
	expect_eq "$(grep -c '"ping": "pong"' <<< "$out")" 4 "ansible -m ping over four hosts through pam-jwt-ssh"
	[ "$(grep -c '"ping": "pong"' <<< "$out")" = 4 ] || sed 's/^/# ansible: /' <<< "$out" | head -20
else
	echo "# ansible-core not installed: ansible -m ping not run"
fi
if grep -qi "password\|token:" "$T/ssh.err"; then fail "a prompt reached the terminal: $(head -3 "$T/ssh.err")"; else pass "no prompt was shown"; fi
collect

# --- what each host received ------------------------------------------------------------------
for h in hosta hostb hostx hostf; do
	got=$(mh_received "$h" accepted)
	if [ -n "$got" ] && ! grep -q rejected <<< "$got"; then
		pass "$h received only tokens it accepted ($(wc -l <<< "$got") logins): the client never offered it another host's"
	else
		fail "$h received: $got"
	fi
done
tok=$("$LOGIN" --token hosta) || true
expect_eq "$(claim "$tok" aud)" "ssh://hosta" "--token hosta: aud names hosta alone"
printf '%s\n' "$tok" > "$SECRET/a.jwt"
mh_ssh_token "$SSHCFG" hostb "$SECRET/a.jwt" true > /dev/null 2>&1 && fail "hostb accepted hosta's token" ||
	pass "hosta's token pasted into hostb is refused"
contains "$(mh_received hostb "$(mh_jti "$tok")")" "rejected WRONG_AUDIENCE $(mh_jti "$tok")" \
	"hostb's audit line: WRONG_AUDIENCE for hosta's jti"
tok=$("$LOGIN" --token hostb) || true
printf '%s\n' "$tok" > "$SECRET/b.jwt"
expect_eq "$(mh_ssh_token "$SSHCFG" hostb "$SECRET/b.jwt" id -un 2> /dev/null)" alice "a fresh hostb token: first use accepted"
mh_ssh_token "$SSHCFG" hostb "$SECRET/b.jwt" true > /dev/null 2>&1 && fail "a replayed one_time token was accepted" ||
	pass "the same hostb token replayed: refused"
contains "$(mh_received hostb "REPLAYED")" "rejected REPLAYED $(mh_jti "$tok")" "hostb's audit line: REPLAYED"
t2=$("$LOGIN" --token hostb) || true
[ -n "$t2" ] && [ "$(mh_jti "$t2")" != "$(mh_jti "$tok")" ] && pass "one_time host: each --token is a fresh token" ||
	fail "one_time host: the same token twice"
rm -f "$SECRET"/*.jwt

# --- ten parallel connections ----------------------------------------------------------------
( for i in $(seq 20); do ps -eo args >> "$T/ps.txt"; sleep 0.2; done ) &
pspid=$!
pids=()
for i in $(seq 10); do
	h=$([ $((i % 2)) = 0 ] && echo hosta || echo hostb)
	( out=$(jssh "$h" echo "ok-$i" 2> "$T/par.$i.err"); echo "$out" > "$T/par.$i" ) &
	pids+=($!)
done
wait "${pids[@]}" "$pspid" 2> /dev/null || true
okn=0
for i in $(seq 10); do [ "$(cat "$T/par.$i" 2> /dev/null)" = "ok-$i" ] && okn=$((okn + 1)); done
expect_eq "$okn" 10 "ten parallel connections (five to one_time hostb) all logged in"
[ "$okn" = 10 ] || head -3 "$T"/par.*.err
"$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$CACHE" && pass "the cache is intact after them" ||
	fail "the cache is corrupt"
expect_eq "$(find "$XDG_RUNTIME_DIR/pam-jwt" -name 'test.json.*' | wc -l)" 0 "no temporary files left"
collect

# --- --rdp: a desktop code through the real socket service on hosta --------------------------
# As pam-jwt-desktop-code.socket runs it (root, one process per connection),
# with hosta's users (nss_wrapper) and pam_jwt.conf.
if command -v systemd-socket-activate > /dev/null && [ -r "$NSS_WRAPPER_LIB" ]; then
	( exec env LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$(mh_dir hosta)/etc/passwd" \
		NSS_WRAPPER_GROUP="$(mh_dir hosta)/etc/group" \
		systemd-socket-activate --accept --inetd -l "$T/desk.sock" \
		-E LD_PRELOAD -E NSS_WRAPPER_PASSWD -E NSS_WRAPPER_GROUP \
		"$PAMJWT" desktop-code --serve --config "$(mh_conf hosta)" --stderr ) > /dev/null 2> "$T/desk.log" &
	DESK=$!
	for _ in $(seq 50); do [ -S "$T/desk.sock" ] && break; sleep 0.1; done
	chmod 0666 "$T/desk.sock"
	# a user's ~/.ssh/config names the hosts; here -F does
	printf '#!/bin/sh\nexec "%s" -F "%s" "$@"\n' "$top_builddir/pam-jwt-ssh" "$SSHCFG" > "$T/ssh-wrapper"
	chmod 0755 "$T/ssh-wrapper"
	code=$(PAM_JWT_SSH=$T/ssh-wrapper "$LOGIN" --rdp hosta 2> "$T/rdp.err") || true
	kill "$DESK" 2> /dev/null || true
	if [[ $code =~ ^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$ ]]; then
		pass "--rdp hosta: a desktop code from hosta's service"
	else
		fail "--rdp: '$code' $(cat "$T/rdp.err" "$T/desk.log" | head -5)"
	fi
	printf '%s\n' "$code" > "$SECRET/code"
	expect_eq "$(mh_ssh_token "$SSHCFG" hosta "$SECRET/code" id -un 2> /dev/null)" alice \
		"the desktop code logs in to hosta (once)"
	mh_ssh_token "$SSHCFG" hosta "$SECRET/code" true > /dev/null 2>&1 && fail "a desktop code worked twice" ||
		pass "the same desktop code again: refused"
	rm -f "$SECRET/code"
else
	echo "# systemd-socket-activate or nss_wrapper missing: --rdp not run"
fi

# --- silent renewal after expiry ----------------------------------------------------------------
exp=$(claim "$("$LOGIN" --token hosta)" exp)
before=$(stats refresh_token)
sleep $((exp - $(date +%s) + 1))
out=$(jssh hosta id -un 2> "$T/renew.err") || true
expect_eq "$out" alice "after the host token expired: the next connection renews silently"
[ ! -s "$T/renew.err" ] && pass "renewal: nothing shown" || fail "renewal showed: $(cat "$T/renew.err")"
after=$(stats refresh_token)
[ "$after" -gt "$before" ] && pass "renewal: a refresh-token grant ($before -> $after)" || fail "no renewal ($before -> $after)"
collect

# --- hostile redirects during a real sign-in ---------------------------------------------------------
timeout 150 "$LOGIN" --no-browser --timeout 120 > "$T/hostile.out" 2> "$T/hostile.err" &
lpid=$!
url=
for _ in $(seq 100); do url=$(grep -o 'https://[^ ]*/auth?[^ ]*' "$T/hostile.err" || true); [ -n "$url" ] && break; sleep 0.1; done
port=$(grep -o 'redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]*' <<< "$url" | sed 's/.*%3A//')
state=$(grep -o '[?&]state=[^&]*' <<< "$url" | cut -d= -f2)
code_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1"; }
expect_eq "$(code_of "http://127.0.0.1:$port/callback?code=stolen&state=wrong-$state")" 400 \
	"hostile redirect: a wrong state is refused (400)"
expect_eq "$(code_of "http://127.0.0.1:$port/other?code=stolen&state=$state")" 404 \
	"hostile redirect: another path is refused (404)"
expect_eq "$(code_of "http://127.0.0.1:$port/callback?code=stolen&state=$state&iss=https%3A%2F%2Fevil.example")" 400 \
	"hostile redirect: another issuer (RFC 9207 iss) is refused"
kill -0 "$lpid" 2> /dev/null && pass "the client still waits for the real redirect" || fail "the client gave up"
BROWSER_SIGNIN_WAIT=1 timeout 120 "$BROWSER" --wait "$url" >> "$T/browser.log" 2>&1 || true
wait "$lpid" || true
expect_eq "$(cat "$T/hostile.out")" "Signed in as alice (test)." "the real sign-in completes after the hostile ones"
contains "$(cat "$T/hostile.err")" "refused a redirect without this sign-in's state" "the refusal is shown"
expect_eq "$(code_of "http://127.0.0.1:$port/callback?code=again&state=$state")" 000 \
	"a second request after the sign-in: nobody listens any more"
out=$(jssh hosta id -un 2> /dev/null) || true
expect_eq "$out" alice "the new session logs in"
collect

# --- a revoked session: one line ---------------------------------------------------------------------
curl -sS --cacert "$CA" -H "Authorization: Bearer $(cat "$T/idp/admin.secret")" -d user=alice \
	"$ISSUER/admin/revoke" > /dev/null
rc=0; err=$("$LOGIN" --token hostb 2>&1 > /dev/null) || rc=$?
expect_eq "$err:$rc" "sign in again: pam-jwt-login:1" "revoked refresh token: exit 1 and one line"
rc=0; out=$(jssh hostb true 2>&1) || rc=$?
[ "$rc" != 0 ] && pass "pam-jwt-ssh to hostb fails at once (rc $rc)" || fail "logged in after revocation"
contains "$out" "sign in again: pam-jwt-login" "ssh shows the same line"

# --- --device, through the browser -------------------------------------------------------------------
timeout 150 "$LOGIN" --device --timeout 120 > "$T/device.out" 2> "$T/device.err" &
lpid=$!
ucode=
for _ in $(seq 100); do ucode=$(sed -n 's/^To sign in, open .* and enter \([A-Z-]*\)$/\1/p' "$T/device.err"); [ -n "$ucode" ] && break; sleep 0.1; done
BROWSER_SIGNIN_USER_CODE=$ucode timeout 120 "$BROWSER" --wait "$ISSUER/device" >> "$T/browser.log" 2>&1 || true
wait "$lpid" || true
expect_eq "$(cat "$T/device.out")" "Signed in as alice (test)." "--device: signed in through the device flow"
grep -q "▀\|▄\|█" "$T/device.err" && pass "--device: a QR code is shown" || fail "no QR code"
out=$(jssh hosta id -un 2> /dev/null) || true
expect_eq "$out" alice "after --device: ssh hosta logs in"
collect

# --- the provider down ---------------------------------------------------------------------------------
idp_stop
out=$(jssh hosta id -un 2> "$T/down.err") || true
expect_eq "$out" alice "provider down: the cached hosta token still logs in"
out=$(jssh hostb true 2>&1) && fail "one_time hostb logged in without the provider" ||
	contains "$out" "the provider cannot be reached" "provider down: one_time hostb says the provider cannot be reached"

# --- logout ---------------------------------------------------------------------------------------------
collect
out=$("$LOGIN" --logout) || true
expect_eq "$out" "Signed out: the cached tokens are gone." "--logout"
[ ! -e "$CACHE" ] && pass "--logout: the cache file is gone" || fail "cache file left"
rc=0; err=$("$LOGIN" --token hosta 2>&1 > /dev/null) || rc=$?
expect_eq "$rc" 1 "after --logout: --token exits 1 ($err)"

# --- no token anywhere else -------------------------------------------------------------------------------
leaks=0
n=0
while read -r s; do
	[ -n "$s" ] || continue
	n=$((n + 1))
	if grep -rlF -- "$s" "$T" --exclude-dir=pam-jwt --exclude-dir=secret 2> /dev/null | grep -q .; then
		leaks=$((leaks + 1))
		echo "# found in: $(grep -rlF -- "$s" "$T" --exclude-dir=pam-jwt --exclude-dir=secret | head -3 | tr '\n' ' ')"
	fi
done < <(sort -u "$SEEN")
[ "$n" -gt 5 ] && pass "$n distinct tokens and refresh tokens were cached" || fail "only $n secrets collected"
expect_eq "$leaks" 0 "none of them in any log, ps listing or file outside the cache (sshd, authlog, provider, browser, client output)"
finish
