#!/bin/bash
# Desktop codes end to end, every component real:
#   the test OpenID provider (HTTPS) issues a 1,600-character RS256 token;
#   `pam-jwt desktop-code`, run as the user, trades it for a code through
#   the socket-activated root service; Debian's xrdp + xrdp-sesman +
#   xorgxrdp, with conf/pam.d/xrdp-sesman as shipped, take the code from
#   FreeRDP's xfreerdp (under Xvfb) as the RDP password; the session's
#   startwm writes `id` where we read it (mapped user, group_map groups)
#   and paints the desktop; a screenshot is kept in xrdp_desktop.d/.
#   The token itself never gets to PAM (xrdp drops passwords over 255
#   characters); the same code again, an expired code, another user's code,
#   a revoked code and 10 wrong codes are refused, the real code still logs in, and the next good login
#   still opens a desktop.  Time from `pam-jwt desktop-code` to the first
#   frame, beside a password login through the same xrdp (XRDP_BENCH_ROUNDS).
#
# Runs in a private mount namespace: /etc, /dev and /run/xrdp seen by xrdp
# are the test's; the host's are never changed.
if [ -z "${XRDP_DESKTOP_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "# needs root (mount namespace, xrdp)"; exit 77; }
	XRDP_DESKTOP_NS=1 exec unshare --mount --propagation private "$BASH" ${XRDP_DESKTOP_X:+-x} "$0" "$@"
fi
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
for p in xrdp xrdp-sesman xfreerdp Xvfb xwd xsetroot xmessage systemd-socket-activate node; do
	command -v "$p" > /dev/null || { echo "# $p missing (tests/deps.txt)"; exit 77; }
done
[ -e /usr/lib/xorg/modules/drivers/xrdpdev_drv.so ] || { echo "# xorgxrdp missing"; exit 77; }
ART=$top_builddir/tests/e2e/xrdp_desktop.d   # kept: screenshots, logs, figures
rm -rf "$ART"
mkdir -p "$ART"
ROUNDS=${XRDP_BENCH_ROUNDS:-1}
COLOR=12ab34          # the session paints its desktop with this colour
pids=()
# Every process we start, and the sessions sesman starts, by pid.
descendants() { local c; for c in $(cat /proc/"$1"/task/*/children 2> /dev/null); do
	descendants "$c"; echo "$c"; done; }
cleanup() {
	local p all=()
	for p in "${pids[@]}"; do all+=($(descendants "$p") "$p"); done
	[ ${#all[@]} -gt 0 ] && kill "${all[@]}" 2> /dev/null
	idp_stop
	cp -a "$T/log/." "$ART/" 2> /dev/null || true
	rm -f "$ART"/*.xwd
	findmnt -rno TARGET | grep -e "^$T" -e '^/dev$' | sort -r | xargs -r umount -l 2> /dev/null || true
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# --- the provider and its tokens ------------------------------------------------
idp_start
mkdir -p "$T/tok" "$T/log" "$T/out" "$T/bin" "$T/cache" "$T/home" "$T/etc" "$T/dev"
chmod 0755 "$T/tok"; chmod 1777 "$T/out"
tok alice-long 'ssh://127.0.0.1?len=1600' > "$T/tok/alice.jwt"
tok bob-cli 'ssh://127.0.0.1?len=1600' > "$T/tok/bob.jwt"
# fresh N: alice's token N, minted when it is used (the refusals below take
# minutes on a loaded machine: longer than a token lives)
fresh() { tok alice-long 'ssh://127.0.0.1?len=1600' > "$T/tok/alice$1.jwt"; chmod 0644 "$T/tok/alice$1.jwt"; }
chmod 0644 "$T"/tok/*
n=$(tr -d '\n' < "$T/tok/alice.jwt" | wc -c)
[ "$n" -ge 1500 ] && pass "provider token: $n characters, RS256 (RDP carries 255)" ||
	fail "token is only $n characters"

# --- the host as the namespace sees it ------------------------------------------
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
view_prepare "$T" xrdp-sesman
PASSWORD="Rdp password $$"
adduser_() { # NAME UID
	mkdir -p "$T/home/$1"; chown "$2:$2" "$T/home/$1"
	view_add_user "$T" "$1" "$2" "$(openssl passwd -6 "$PASSWORD")" "$T/home/$1"
}
adduser_ alice 4300
adduser_ bob 4301
view_add_group "$T" operators 4302
view_add_group "$T" developers 4303
{ e2e_conf_head; echo "desktop_code_dir = $T/run/desktop"; e2e_section e2e ssh://127.0.0.1 \
	"leeway = 0" "desktop_codes = yes" \
	"# long enough for the wrong guesses below on a loaded 2-core machine" \
	"desktop_code_ttl = 15m"; } > "$T/security/pam_jwt.conf"

port_reserve PORT
port_reserve SPORT
XOFF=$(( 300 + $$ % 200 ))     # sesman's displays (it skips busy ones): clear of other tests' :10
cp -a /etc/xrdp "$T/xrdp"
# The recipe: connect straight to the Xorg session with the client's user and
# password (autorun), listen on loopback only; a new session per connection.
sed -i -e "s|^port=3389|port=tcp://127.0.0.1:$PORT|" -e 's/^autorun=.*/autorun=Xorg/' \
	-e "s|^LogFile=.*|LogFile=$T/log/xrdp.log|" -e 's/^LogLevel=.*/LogLevel=DEBUG/' \
	"$T/xrdp/xrdp.ini"
sed -i -e "s/^ListenPort=.*/ListenPort=$SPORT/" -e "s|^LogFile=.*|LogFile=$T/log/sesman.log|" \
	-e 's/^LogLevel=.*/LogLevel=DEBUG/' -e "s/^X11DisplayOffset=.*/X11DisplayOffset=$XOFF/" \
	-e 's/^Policy=.*/Policy=UBDC/' -e 's/^EnableUserWindowManager=.*/EnableUserWindowManager=false/' \
	"$T/xrdp/sesman.ini"
cat > "$T/xrdp/startwm.sh" <<EOF
#!/bin/sh
# The desktop: paint it, say who we are, and stay until the session ends.
id > "$T/out/id.\$(id -un).tmp" && mv "$T/out/id.\$(id -un).tmp" "$T/out/id.\$(id -un)"
xsetroot -solid '#$COLOR'
exec xmessage -center -bg '#$COLOR' "pam_jwt desktop: \$(id)"
EOF
chmod 0755 "$T/xrdp/startwm.sh"

# Private /dev (our /dev/log reader gets the audit lines) and /run/xrdp.
log_reader "$T/dev/log" "$T/log/syslog"
pids+=($LOG_READER)
view_mount "$T"
mount --bind "$T/xrdp" /etc/xrdp
mkdir -p /run/xrdp && mount -t tmpfs -o mode=0755 tmpfs /run/xrdp
mkdir -m 1777 /run/xrdp/sockdir

# The keys in the cache, as pam-jwt-refresh.timer keeps them.
"$PAMJWT" refresh --config /etc/security/pam_jwt.conf --quiet ||
	{ echo "# refresh failed"; exit 99; }

# --- the services ------------------------------------------------------------------
SOCK=$T/desktop.sock
( umask 0; exec systemd-socket-activate --accept --inetd -l "$SOCK" \
	"$T/bin/pam-jwt" desktop-code --serve --stderr ) > /dev/null 2> "$T/log/desktop-code.log" &
pids+=($!)
xrdp-sesman --nodaemon > "$T/log/sesman.out" 2>&1 &
SESMAN=$!
pids+=($!)
xrdp --nodaemon > "$T/log/xrdp.out" 2>&1 &
pids+=($!)
# The client's display: Xvfb takes the first free one and says which.
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3> "$T/xvfb.display" > "$T/log/xvfb.log" 2>&1 &
pids+=($!)
for i in $(seq 600); do
	XV=$(cat "$T/xvfb.display")
	[ -S "$SOCK" ] && [ -S "/tmp/.X11-unix/X$XV" ] && grep -q "listening" "$T/log/sesman.log" 2> /dev/null &&
		grep -q "listening to port" "$T/log/xrdp.log" 2> /dev/null && break
	sleep 0.1
done
[ -n "$XV" ] && [ -S "/tmp/.X11-unix/X$XV" ] || { cat "$T/log/xvfb.log"; echo "# Xvfb did not start"; exit 99; }
chmod 0666 "$SOCK" # SocketMode=0666
grep -q "listening to port" "$T/log/xrdp.log" 2> /dev/null ||
	{ cat "$T/log/xrdp.out" "$T/log/xrdp.log" "$T/log/sesman.log" 2> /dev/null | tail -30; echo "# xrdp did not start"; exit 99; }
export DISPLAY=:$XV

now_ms() { date +%s%3N; }
mint() { # USER UID TOKENFILE -> code on stdout
	setpriv --reuid="$2" --regid="$2" --clear-groups "$T/bin/pam-jwt" desktop-code \
		--socket "$SOCK" --token-file "$3" 2>> "$T/log/client.err"
}
screenshot() { # NAME
	{ xwd -root -silent -display ":$XV" -out "$T/log/$1.xwd" &&
		"$PYTHON" "$E2E/xwd2png.py" png "$T/log/$1.xwd" "$ART/$1.png"; } || echo "# no screenshot $1"
}
# rdp NAME USER PASSWORD-FILE: start xfreerdp, the password on its standard input
# (never in argv: ps shows that), stdout+stderr in log/NAME.client.
rdp() {
	xfreerdp /v:127.0.0.1:"$PORT" /u:"$2" /from-stdin:force /cert:ignore /size:1024x768 /bpp:24 \
		-grab-keyboard /log-level:INFO < "$3" > "$T/log/$1.client" 2>&1 &
	RDP=$!
}
rdp_stop() { kill "$RDP" 2> /dev/null || true; wait "$RDP" 2> /dev/null || true; }
# desktop NAME USER PASSWORD-FILE: log in, wait (60 s at most) for the session's id
# file and the painted desktop on the client's screen; prints milliseconds to it.
desktop() {
	local t0=$(now_ms) i
	rm -f "$T/out/id.$2"
	rdp "$1" "$2" "$3"
	for i in $(seq 600); do
		if [ -s "$T/out/id.$2" ] && xwd -root -silent -display ":$XV" -out "$T/log/poll.xwd" &&
			"$PYTHON" "$E2E/xwd2png.py" near "$T/log/poll.xwd" "$COLOR"; then
			echo $(( $(now_ms) - t0 ))
			return 0
		fi
		kill -0 "$RDP" 2> /dev/null || break
		sleep 0.1
	done
	return 1
}
# refused NAME USER PASSWORD-FILE: one RDP login that PAM must refuse; waits for
# sesman's verdict (60 s at most), then disconnects.
auth_lines() { grep -ac "AUTHFAIL\|access granted" "$T/log/sesman.log" 2> /dev/null || true; }
refused() {
	local before=$(auth_lines) lines=$(wc -l < "$T/log/sesman.log") i
	rdp "$1" "$2" "$3"
	for i in $(seq 600); do [ "$(auth_lines)" -gt "$before" ] && break; sleep 0.1; done
	if [ -n "${4:-}" ]; then sleep 1.5; screenshot "$4"; fi
	rdp_stop
	tail -n +"$((lines + 1))" "$T/log/sesman.log" | grep -a "AUTHFAIL\|access granted" | head -1 |
		grep -q "AUTHFAIL: user=$2" ||
		{ echo "# $1: not refused: $(tail -5 "$T/log/sesman.log")"; return 1; }
}
secret() { printf '%s\n' "$2" > "$T/$1"; chmod 0600 "$T/$1"; echo "$T/$1"; }

dlog() { grep -a 'method="desktop-code"' "$T/log/syslog" | tail -1; }

# --- the token itself is too long for RDP --------------------------------------------
rdp toolong alice "$T/tok/alice.jwt"
for i in $(seq 100); do grep -q "password is too long" "$T/log/xrdp.log" && break; sleep 0.1; done
sleep 1; rdp_stop
has "$(grep -a "too long" "$T/log/xrdp.log")" "Client supplied password is too long" \
	"the 1,600-character token is dropped by xrdp, as documented"
grep -qa "pam_jwt" "$T/log/syslog" && fail "the over-long token reached PAM" ||
	pass "the over-long token never reached PAM"

# --- a code opens a desktop -------------------------------------------------------------
t0=$(now_ms)
code=$(mint alice 4300 "$T/tok/alice.jwt") || true
t_mint=$(( $(now_ms) - t0 ))
[ ${#code} = 19 ] && pass "pam-jwt desktop-code printed a ${#code}-character code in $t_mint ms" ||
	fail "no code: $(cat "$T/log/client.err")"
if ms=$(desktop code alice "$(secret c1 "$code")"); then
	pass "code login: desktop on the client's screen after $ms ms"
	first_code=$(( t_mint + ms ))
else
	fail "code login: no desktop ($(tail -3 "$T/log/sesman.log"))"
	first_code=
fi
screenshot desktop-code
# pam_jwt's setcred ran in sesman's session process (root, before it forks
# Xorg and startwm): that process holds the group_map groups.
sess_groups=
for p in $(descendants "$SESMAN"); do
	st=/proc/$p/status
	[ "$(awk '/^Uid:/ {print $2}' "$st" 2> /dev/null)" = 0 ] || continue
	g=$(awk '/^Groups:/ {$1 = ""; print}' "$st")
	case " $g " in *" 4302 "*) sess_groups=$g ;; esac
done
[ -n "$sess_groups" ] && pass "pam_setcred in sesman's session process added the group_map gids:$sess_groups" ||
	fail "no sesman process holds the operators gid"
rdp_stop
idline=$(cat "$T/out/id.alice" 2> /dev/null || true)
has "$idline" "uid=4300(alice) gid=4300(alice) groups=4300(alice)" "session runs as the mapped user"
# xrdp 0.9 (env_set_user) calls initgroups() after pam_setcred(), so the X
# session has the user's /etc/group groups only -- for token and code
# logins alike.  README "xrdp" documents it; xrdp 0.10 sets them first.
case $idline in
*operators*) pass "session has the group_map groups (xrdp keeps pam_setcred's groups)" ;;
*) pass "session has /etc/group groups only: xrdp 0.9 re-runs initgroups after pam_setcred (documented)" ;;
esac
[ -s "$ART/desktop-code.png" ] && pass "screenshot kept: tests/e2e/xrdp_desktop.d/desktop-code.png" ||
	fail "no screenshot"
has "$(grep -a 'minted verdict=OK' "$T/log/desktop-code.log" | tail -1)" \
	"user=\"alice\" mapped=\"alice\" issuer=\"e2e\" iss=\"$ISSUER\" sub=\"alice\" jti=\"[^\"]\+\" kid=\"[^\"]\+\" rhost=\"pid [0-9]*\" method=\"desktop-code\" code_id=\"[0-9a-f]*\" until=\"20" \
	"mint audit line: which token, which user, until when"
has "$(dlog)" "accepted verdict=OK user=\"alice\" mapped=\"alice\" issuer=\"e2e\" iss=\"$ISSUER\" sub=\"alice\"" \
	"use audit line (sesman's pam_jwt)"
if grep -rqa -e "$code" -e "${code//-/}" "$T/log" "$T/run" "$T/cache"; then
	fail "the code appears in a log or file"
else
	pass "the code is in no log and no file"
fi

# --- refusals -----------------------------------------------------------------------------
if [ -z "${XRDP_BENCH_ONLY:-}" ]; then
refused again alice "$T/c1" login-failed && pass "the same code a second time: refused"
has "$(dlog)" 'verdict=CODE_USED' "audit: CODE_USED"

tok alice-long 'ssh://127.0.0.1?len=1600&ttl=6' > "$T/tok/short.jwt"
chmod 0644 "$T/tok/short.jwt"
scode=$(mint alice 4300 "$T/tok/short.jwt")
sleep 7
refused expired alice "$(secret c2 "$scode")" && pass "an expired code (its token expired): refused"
has "$(dlog)" 'verdict=CODE_EXPIRED' "audit: CODE_EXPIRED"

bcode=$(mint bob 4301 "$T/tok/bob.jwt")
refused other alice "$(secret c3 "$bcode")" && pass "bob's code for alice: refused"
has "$(dlog)" 'verdict=UNKNOWN_CODE user="alice"' "audit: UNKNOWN_CODE for alice"

fresh 2
rcode=$(mint alice 4300 "$T/tok/alice2.jwt")
id=$("$PAMJWT" desktop-code --list alice | awk '$3 == "live" {print $2}' | tail -1)
"$PAMJWT" desktop-code --revoke alice "$id" > "$T/log/revoke.out"
has "$(cat "$T/log/revoke.out")" "revoked 1 code of alice" "root revokes the code (--revoke alice ID)"
refused revoked alice "$(secret c4 "$rcode")" && pass "a revoked code: refused"
has "$(dlog)" 'verdict=CODE_REVOKED' "audit: CODE_REVOKED"

fresh 3
gcode=$(mint alice 4300 "$T/tok/alice3.jwt")
"$PYTHON" - "$T/guess" <<'PYEOF'
import secrets, sys
a = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
for i in range(10):
    c = "".join(secrets.choice(a) for _ in range(16))
    open(f"{sys.argv[1]}.{i}", "w").write("-".join(c[j:j + 4] for j in range(0, 16, 4)) + "\n")
PYEOF
t0=$(now_ms)
n=0
# (fewer than DCODE_THROTTLE_SOURCE: sesman may name the client's address)
for i in $(seq 0 9); do refused "guess$i" alice "$T/guess.$i" > /dev/null && n=$((n + 1)); done
expect_eq "$n" 10 "10 wrong codes over RDP: each refused ($(( ($(now_ms) - t0) / 10 )) ms each)"
has "$(dlog)" 'verdict=UNKNOWN_CODE .*failures="[1-9][0-9]*"' "audit: wrong codes counted, passed on"

# --- the daemon still serves the next good login: the real code, never burned ----------------
if ms=$(desktop next alice "$(secret c5 "$gcode")"); then
	pass "the real code after 10 wrong ones: desktop after $ms ms (guesses burn nothing, sesman still serving)"
else
	fail "the real code after wrong guesses failed: $(tail -5 "$T/log/sesman.log")"
fi
rdp_stop
else
	skip "the refusals and the next login (XRDP_BENCH_ONLY)"
fi # XRDP_BENCH_ONLY

# --- figures: code (mint + login) vs password, same xrdp, same run ---------------------------
pw=$(secret pw "$PASSWORD")
for r in $(seq 1 "$ROUNDS"); do
	if [ "$r" -gt 1 ]; then
		fresh $((r + 3))
		t0=$(now_ms); c=$(mint alice 4300 "$T/tok/alice$((r + 3)).jwt"); tm=$(( $(now_ms) - t0 ))
		ms=$(desktop "bench$r" alice "$(secret cb$r "$c")") && echo "$tm $ms" >> "$T/log/code.ms"
		rdp_stop
	else
		echo "$t_mint $((first_code - t_mint))" >> "$T/log/code.ms"
	fi
	if ms=$(desktop "password$r" alice "$pw"); then
		echo "$ms" >> "$T/log/password.ms"
		[ "$r" = 1 ] && screenshot desktop-password
	fi
	rdp_stop
done
[ -s "$T/log/password.ms" ] && pass "password login through pam_unix opens a desktop too" ||
	fail "password login failed"
{
	echo "# xrdp desktop logins, time to the desktop's first frame on the client ($ROUNDS round(s), $(nproc) cores)"
	awk '{m += $1; l += $2; n++} END {if (n) printf "#   desktop code: pam-jwt desktop-code %d ms + RDP login to first frame %d ms = %d ms (mean of %d)\n", m/n, l/n, (m+l)/n, n}' "$T/log/code.ms"
	awk '{s += $1; n++} END {if (n) printf "#   password:     RDP login to first frame %d ms (mean of %d)\n", s/n, n}' "$T/log/password.ms" 2> /dev/null
} | tee "$ART/bench.txt"
finish
