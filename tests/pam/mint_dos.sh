#!/bin/bash
# One local user cannot starve the desktop-code service (issue 18, item 4).
# The real `pam-jwt desktop-code --serve` behind systemd-socket-activate
# --accept --inetd, first bare, then with the shipped units' limits
# emulated (MaxConnections=, TriggerLimitIntervalSec=/TriggerLimitBurst=,
# RuntimeMaxSec=, TimeoutStopSec= read from conf/systemd/, so the test
# follows the files).  bob holds 20 idle connections and opens a new one
# as soon as the service closes one; alice still gets a code within 5 s
# each time she asks.  A client that sends a byte a second is cut off at
# the deadline; one that sends 1 MB is answered after at most 16 KB.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (root service, SO_PEERCRED as other users)"; exit 77; }
for c in systemd-socket-activate setpriv unshare flock timeout; do
	command -v "$c" > /dev/null || { echo "# $c missing"; exit 77; }
done
FLOOD="$PYTHON $top_srcdir/tests/pam/mint_flood.py"
V=$T/v
mkdir -p "$V" "$T/bin" "$T/bob"
chown 1001 "$T/bob" # where bob's flooding client says it is ready
"$PYTHON" "$top_srcdir/tests/pam/mint_live.py" "$V" alice # ok.jwt: alice, other_user.jwt: bob
chmod 0755 "$V"
chmod 0644 "$V"/*.jwt
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
setup_nss
cat > "$T/jwt.conf" <<EOF
replay_dir = $T/run/replay
desktop_code_dir = $T/run/desktop
[issuer live]
issuer = https://idp.test/realm
audience = ssh://host.test
jwks_file = $V/jwks.json
algorithms = ES256 RS256
desktop_codes = yes
EOF

# --- the shipped units' limits ------------------------------------------------
SOCKET_UNIT=$top_srcdir/conf/systemd/pam-jwt-desktop-code.socket
SERVICE_UNIT=$top_srcdir/conf/systemd/pam-jwt-desktop-code@.service.in
unit_value() { # FILE KEY DEFAULT: the last KEY= of FILE, else systemd's default
	local v
	v=$(sed -n "s/^$2=[[:space:]]*//p" "$1" | tail -1)
	echo "${v:-$3}"
}
usec() { # one systemd time span (a number and a unit, or infinity) -> microseconds, 0: none
	[ "$1" = infinity ] && { echo 0; return; }
	[[ $1 =~ ^([0-9]+)(us|usec|ms|msec|s|sec|m|min|h|hr)?$ ]] ||
		{ echo "# cannot read the time span '$1' in the shipped units" >&2; exit 99; }
	case ${BASH_REMATCH[2]} in
	us | usec) echo "${BASH_REMATCH[1]}" ;;
	ms | msec) echo $((BASH_REMATCH[1] * 1000)) ;;
	"" | s | sec) echo $((BASH_REMATCH[1] * 1000000)) ;;
	m | min) echo $((BASH_REMATCH[1] * 60000000)) ;;
	h | hr) echo $((BASH_REMATCH[1] * 3600000000)) ;;
	esac
}
expect_eq "$(unit_value "$SOCKET_UNIT" Accept no)" yes "the shipped socket runs one process per connection"
MAXCONN=$(unit_value "$SOCKET_UNIT" MaxConnections 64)
TRIG_US=$(usec "$(unit_value "$SOCKET_UNIT" TriggerLimitIntervalSec 2s)")
TRIG_BURST=$(unit_value "$SOCKET_UNIT" TriggerLimitBurst 200) # Accept=yes default
RUNTIME_US=$(usec "$(unit_value "$SERVICE_UNIT" RuntimeMaxSec infinity)")
STOP_US=$(usec "$(unit_value "$SERVICE_UNIT" TimeoutStopSec 90s)")
echo "# shipped limits: MaxConnections=$MAXCONN trigger limit $TRIG_BURST per $TRIG_US us" \
	"(0: none) RuntimeMaxSec=$RUNTIME_US us TimeoutStopSec=$STOP_US us"
# What systemd does with each connection under those limits (tests/pam/unit_limits.c).
EMU=$T/emu
mkdir -p "$EMU"
UNIT_LIMITS=("$top_builddir/tests/pam/unit_limits" "$EMU" "$MAXCONN" "$TRIG_US" "$TRIG_BURST"
	"$RUNTIME_US" "$STOP_US")
HELD_MAX=$(((RUNTIME_US + STOP_US) / 1000000 + 5))
[ "$RUNTIME_US" -gt 0 ] || HELD_MAX=15
[ -x "${UNIT_LIMITS[0]}" ] || { echo "# tests/pam/unit_limits not built (make check builds it)"; exit 99; }

# --- the service ----------------------------------------------------------------
SOCK=$T/desktop.sock
SERVER=
start_service() { # bare|units
	local cmd=("$T/bin/pam-jwt" desktop-code --serve --config "$T/jwt.conf" --stderr)
	[ "$1" = bare ] || cmd=("${UNIT_LIMITS[@]}" "${cmd[@]}")
	rm -f "$SOCK"
	# (syslog goes nowhere: the service's lines are on its stderr, --stderr)
	( exec unshare --mount --propagation private bash -c \
		'[ ! -e /dev/log ] || mount --bind /dev/null /dev/log; exec "$@"' service \
		systemd-socket-activate --accept --inetd -l "$SOCK" -E PATH \
		-E LD_PRELOAD -E NSS_WRAPPER_PASSWD -E NSS_WRAPPER_GROUP "${cmd[@]}" ) \
		> /dev/null 2>> "$T/serve.$1.log" &
	SERVER=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	[ -S "$SOCK" ] || { cat "$T/serve.$1.log"; echo "# socket service did not start"; exit 99; }
	chmod 0666 "$SOCK" # SocketMode=0666
}
stop_service() {
	[ -z "$SERVER" ] || { kill "$SERVER" 2> /dev/null || true; wait "$SERVER" 2> /dev/null || true; }
	SERVER=
}
cleanup() { stop_service; [ -n "${KEEP_T:-}" ] || rm -rf "$T"; }
trap cleanup EXIT

as() { # UID CMD...
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
ms() { echo $(($(date +%s%N) / 1000000)); }
CODE_RE='^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$'
# get_code UID TOKEN LABEL: a code within 5 s of handing the client the
# token, or a failure.  The client is started first and waits on a pipe for
# the token (it reads all of it before connecting), so the time counts the
# service, not how long this loaded test machine takes to exec three
# programs.
get_code() {
	local t0 code elapsed pid child=""
	rm -f "$T/alice.fifo" "$T/client.out"
	mkfifo -m 0666 "$T/alice.fifo"
	exec 7<> "$T/alice.fifo"
	( exec 7>&- && exec setpriv --reuid="$1" --regid="$1" --clear-groups \
		timeout 15 "$T/bin/pam-jwt" desktop-code --socket "$SOCK" ) < "$T/alice.fifo" \
		> "$T/client.out" 2> "$T/client.err" &
	pid=$! # timeout(1), whose child is the client
	t0=$(ms)
	while [ $(($(ms) - t0)) -lt 8000 ]; do # until it waits in poll(2) on the pipe
		child=$(cat "/proc/$pid/task/$pid/children" 2> /dev/null || true)
		child=${child%% *}
		case $(cat "/proc/${child:-0}/wchan" 2> /dev/null || true) in poll* | pipe_read) break ;; esac
		sleep 0.05
	done
	t0=$(ms)
	cat "$2" >&7
	exec 7>&-
	local rc=0
	wait "$pid" || rc=$?
	elapsed=$(($(ms) - t0))
	code=$(cat "$T/client.out")
	if [[ $code =~ $CODE_RE ]] && [ "$elapsed" -lt 5000 ]; then
		pass "$3: code in $elapsed ms"
	else
		fail "$3: no code within 5 s ($elapsed ms, exit $rc, '$code'): $(cat "$T/client.err")"
	fi
}
json() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
le() { "$PYTHON" -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))' "$1" "$2"; }

# flood MODE: for 14 s bob keeps 20 idle connections open: each one the
# service cuts off he opens again at once, each one it refuses a second
# later (a tight reconnect loop is a fork flood, which measures how fast
# the machine starts processes, not the service: see doc/desktop-codes.md).
# Once the service has answered 16 of his first 20 (so he holds what he
# can), alice asks three times.
flood() {
	local mode=$1 out
	rm -f "$T/bob/ready"
	as 1001 timeout 25 $FLOOD hold "$SOCK" 20 14 "$T/bob/ready" 1 16 > "$T/flood.$mode.json" &
	local flooder=$!
	for _ in $(seq 100); do [ -e "$T/bob/ready" ] && break; sleep 0.1; done
	[ -e "$T/bob/ready" ] || fail "$mode: the flooding client did not start"
	get_code 1000 "$V/ok.jwt" "$mode: bob holds 20 idle connections, alice asks"
	sleep 1
	get_code 1000 "$V/ok.jwt" "$mode: alice asks again while bob reconnects"
	sleep 1
	get_code 1000 "$V/ok.jwt" "$mode: and a third time"
	wait "$flooder" || true
	out=$(cat "$T/flood.$mode.json")
	echo "# $mode: bob's flood: $out"
	[ -n "$out" ] || { fail "$mode: the flooding client reported nothing"; return; }
	[ "$(json "$out" busy)" -gt 0 ] && pass "$mode: bob's extra connections refused at once (busy)" ||
		fail "$mode: no connection of bob's was refused as busy"
	[ "$(json "$out" timeout)" -gt 0 ] && pass "$mode: bob's idle connections cut off at the deadline" ||
		fail "$mode: no idle connection was cut off"
	# Seen from bob's side, a connection also waits for its process to
	# start, which takes seconds on a loaded machine: the bound is the
	# unit's outer one plus that (it was 60 s).
	local longest
	longest=$(json "$out" longest)
	le "$longest" "$HELD_MAX" && pass "$mode: no connection of bob's held long (longest $longest s)" ||
		fail "$mode: one of bob's connections was held $longest s (more than $HELD_MAX)"
	expect_eq "$(json "$out" other)" 0 "$mode: bob got no other answer than busy, timeout or nothing"
}

# --- bare systemd-socket-activate: the service's own limits -----------------------
start_service bare
get_code 1000 "$V/ok.jwt" "bare: alice alone"
flood bare

out=$(as 1001 timeout 15 $FLOOD trickle "$SOCK")
echo "# a byte a second: $out"
[ "$(json "$out" closed)" = True ] && le 1.5 "$(json "$out" closed_after)" &&
	le "$(json "$out" closed_after)" 3.5 &&
	pass "a client sending a byte a second is cut off after $(json "$out" closed_after) s" ||
	fail "slow client: $out"
case $(json "$out" answer) in
"error timeout: the whole token must arrive within 2000 ms of connecting") pass "it is told why in one line" ;;
*) fail "slow client's answer: $out" ;;
esac
has_log() { grep -q -- "$2" "$T/serve.$1.log"; }
has_log bare "uid 1001 pid [0-9]*: no whole token within 2000 ms, closed" &&
	pass "the cut-off is logged with the caller's uid" || fail "no log line for the cut-off"

out=$(as 1001 timeout 15 $FLOOD big "$SOCK" 1048576)
echo "# 1 MB: $out"
[ "$(json "$out" closed)" = True ] && le "$(json "$out" closed_after)" 1.5 &&
	pass "1 MB sent: answered and closed after $(json "$out" closed_after) s, not at the deadline" ||
	fail "1 MB: $out"
case $(json "$out" answer) in
"error token is longer than 16384 bytes") pass "1 MB: refused as too long (at most 16 KB read)" ;;
*) fail "1 MB answer: $out" ;;
esac
has_log bare 'refused verdict=TOO_LONG user="bob" .*uid 1001' && pass "1 MB: the refusal is audited" ||
	fail "1 MB: no audit line"

# root is not exempt: its 5th connection at once is refused too.
as 0 timeout 20 $FLOOD hold "$SOCK" 6 3 "$T/ready.root" 0 2 > "$T/flood.root.json" || true
out=$(cat "$T/flood.root.json")
[ "$(json "$out" busy)" -gt 0 ] && [ "$(json "$out" served_at_once)" -le 4 ] &&
	pass "root's connections are limited the same way ($(json "$out" served_at_once) at once)" ||
	fail "root: $out"
stop_service

# --- the shipped units' limits, emulated --------------------------------------------
start_service units
get_code 1000 "$V/ok.jwt" "units: alice alone"
flood units
[ ! -e "$EMU/failed" ] && pass "units: the flood did not trip the socket's trigger limit" ||
	fail "units: the flood tripped the socket's trigger limit: it stopped serving"
echo "# units: connections dropped at MaxConnections=$MAXCONN: $(cat "$EMU/dropped" 2> /dev/null | wc -l)"
sleep 3.5 # bob's last connections end
get_code 1001 "$V/other_user.jwt" "units: after the flood, bob gets a code himself"
stop_service
finish
