#!/bin/bash
# xrdp: Debian's xrdp-sesman with conf/pam.d/xrdp-sesman as shipped, driven
# by xrdp-sesrun.  A compact ES256 token (<= 255 characters, the RDP password
# limit) authenticates; a bad one is refused; both seen in sesman's log.
# Runs in a private mount namespace: /etc and /lib are never changed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root"; exit 77; }
command -v xrdp-sesman >/dev/null || { echo "# xrdp not installed"; exit 77; }
V=$T/live
mkdir -p "$V" "$T/log"
"$PYTHON" "$top_srcdir/tests/pam/mint_live.py" "$V" rdpuser

port_reserve PORT
view_prepare "$T" xrdp-sesman
test_issuer "$V/jwks.json" > "$T/security/pam_jwt.conf"
view_add_user "$T" rdpuser 4711 "$(openssl passwd -6 'Rdp pw 1')"
sed -e "s/^ListenPort=.*/ListenPort=$PORT/" -e "s|^LogFile=.*|LogFile=$T/log/sesman.log|" \
	-e "s/^LogLevel=.*/LogLevel=DEBUG/" -e "s/^EnableSyslog=.*/EnableSyslog=false/" \
	/etc/xrdp/sesman.ini > "$T/sesman.ini"

# Everything below runs inside the namespace that sees the test's files.
cat > "$T/inner.sh" <<EOF
set -u
PAM_MODDIR=$PAM_MODDIR
$(declare -f dev_mount view_mount)
view_mount "$T"
xrdp-sesman --nodaemon --config "$T/sesman.ini" > "$T/log/sesman.out" 2>&1 &
SESMAN=\$!
# With xorgxrdp installed a granted login starts a real X session (Xorg,
# chansrv, the window manager) that outlives sesman: end them by pid.
tree() { for c in \$(cat /proc/"\$1"/task/*/children 2> /dev/null); do tree "\$c"; done; echo "\$1"; }
for i in \$(seq 50); do grep -q "listening" "$T/log/sesman.log" 2>/dev/null && break; sleep 0.1; done
try() { # name password-file
	timeout 20 xrdp-sesrun -c "$T/sesman.ini" -s 127.0.0.1 -F 3 rdpuser 3< "\$2" > "$T/log/\$1.out" 2>&1
	echo "\$?" > "$T/log/\$1.rc"
}
try token "$V/compact.jwt"
try badtoken "$V/compact_bad.jwt"
try password "$V/rdp_pw"
try badpw "$V/rdp_badpw"
kill \$(tree "\$SESMAN") 2> /dev/null; wait
EOF
printf 'Rdp pw 1' > "$V/rdp_pw"
printf 'Rdp pw 2' > "$V/rdp_badpw"
tok=$(cat "$V/compact.jwt")
[ "${#tok}" -le 255 ] && pass "compact ES256 token is ${#tok} characters (RDP limit 255)" ||
	fail "compact token is ${#tok} characters"
timeout 120 unshare --mount --propagation private bash "$T/inner.sh" || true
log=$T/log/sesman.log
# sesman logs each PAM decision; after a good login it tries to start X,
# which this machine does not have: authentication is what we check.
sed 's/^/# /' "$log" "$T"/log/*.out | grep -i "pam\|auth\|rdpuser\|error\|sesrun" | head -40 || true
# sesrun prints "ok data=..." once sesman accepted the login (it then fails to
# start X, which this machine does not have); a refusal is "Connection denied".
has_line() { grep -q "$2" "$1" && pass "$3" || fail "$3: $(cat "$1")"; }
has_line "$T/log/token.out" "^ok data=" "compact token: sesman granted the session"
has_line "$T/log/badtoken.out" "Connection denied (authentication error)" "altered token: refused"
has_line "$T/log/password.out" "^ok data=" "password still works through pam_unix"
has_line "$T/log/badpw.out" "Connection denied (authentication error)" "wrong password: refused"
has_line "$log" "created session (access granted): username rdpuser" "sesman log: access granted"
has_line "$log" "PAM: Token rejected." "sesman log: the module's message for the bad token"
has_line "$log" "AUTHFAIL: user=rdpuser" "sesman log: AUTHFAIL for the bad token"
finish
