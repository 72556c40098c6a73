#!/bin/bash
# pam_jwt in two minutes: a real OpenID provider and a real sshd on loopback,
# a token from the provider, an SSH login with it.  Run as root on Debian
# bookworm:  sudo ./demo.sh    (SKIP_DEPS=1 skips apt-get)
# Nothing on the host is changed: sshd runs in a private mount namespace that
# sees the shipped conf/pam.d/sshd, the demo config and the demo user.
set -euo pipefail
cd "$(dirname "$0")"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "run as root: sudo ./demo.sh" >&2; exit 2; }

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	say "Installing packages (tests/deps.txt, openssh, node)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2046
	apt-get install -y -qq --no-install-recommends $(grep -v '^#' tests/deps.txt) > /dev/null
	command -v npm > /dev/null || apt-get install -y -qq nodejs npm > /dev/null
fi
say "Building pam_jwt.so and pam-jwt"
[ -x configure ] || ./autogen.sh > /dev/null 2>&1
[ -f Makefile ] || ./configure > /dev/null
make -j"$(nproc)" > /dev/null

T=$(mktemp -d /tmp/pam_jwt_demo.XXXXXX)
chmod 0755 "$T"
cleanup() {
	[ -f "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2> /dev/null || true
	[ -n "${LOGGER:-}" ] && kill "$LOGGER" 2> /dev/null || true
	tests/e2e/run-idp.sh stop "$T/idp" > /dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

say "Starting a real OpenID provider (oidc-provider) on https://127.0.0.1"
ISSUER=$(IDP_PORT=0 tests/e2e/run-idp.sh start "$T/idp" | tail -1)
echo "issuer: $ISSUER"

say "Writing /etc/security/pam_jwt.conf (as the sshd namespace sees it)"
mkdir -p "$T/security" "$T/cache" "$T/bin"
cp -a /etc/security/. "$T/security/"
install -m 0755 pam-jwt "$T/bin/pam-jwt"
# Keys come from the provider through discovery, like in production.  Only
# cache_dir and refresh_helper differ from an installed system's defaults.
cat > "$T/security/pam_jwt.conf" << EOF
cache_dir = $T/cache
refresh_helper = $T/bin/pam-jwt

[issuer demo]
issuer = $ISSUER
audience = ssh://127.0.0.1
ca_file = $T/idp/ca.pem
username_claim = preferred_username
groups_claim = groups
group_map = ops demo-ops
EOF
cat "$T/security/pam_jwt.conf"

say "Fetching the provider's keys (what pam-jwt-refresh.timer does)"
"$T/bin/pam-jwt" refresh --config "$T/security/pam_jwt.conf"
"$T/bin/pam-jwt" status --config "$T/security/pam_jwt.conf" | sed -n '/^\[issuer/,$p'

say "Starting sshd on 127.0.0.1 with conf/pam.d/sshd as shipped"
PORT=$((30000 + $$ % 20000))
PAMLIB=/lib/x86_64-linux-gnu/security
mkdir -p "$T/etc"
cp -a /etc/pam.d "$T/pam.d"
cp conf/pam.d/sshd "$T/pam.d/sshd"
cp -a "$PAMLIB" "$T/pamlib"
cp .libs/pam_jwt.so "$T/pamlib/pam_jwt.so"
cp /etc/passwd /etc/group /etc/shadow "$T/etc/"
grep -q '^alice:' "$T/etc/passwd" || {
	echo "alice:x:4100:4100:Demo user:/tmp:/bin/sh" >> "$T/etc/passwd"
	echo "alice:x:4100:" >> "$T/etc/group"
	echo "alice:*:19000:0:99999:7:::" >> "$T/etc/shadow"
}
echo "demo-ops:x:4101:" >> "$T/etc/group"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
cat > "$T/sshd_config" << EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PubkeyAuthentication no
PermitRootLogin no
EOF
mkdir -p /run/sshd "$T/dev"
# A private /dev whose log socket is ours, so the demo can show the audit line.
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(4096) + b"\n")
' "$T/dev/log" "$T/authlog" &
LOGGER=$!
for _ in $(seq 50); do [ -S "$T/dev/log" ] && break; sleep 0.1; done
unshare --mount --propagation private bash -c "
	for d in null zero full random urandom tty ptmx; do touch '$T/dev/'\$d; mount --bind /dev/\$d '$T/dev/'\$d; done
	mkdir -p '$T/dev/pts' '$T/dev/shm'; mount --bind /dev/pts '$T/dev/pts'
	mount --rbind '$T/dev' /dev
	mount --bind '$T/pam.d' /etc/pam.d
	mount --bind '$T/security' /etc/security
	mount --bind '$T/pamlib' $PAMLIB
	for f in passwd group shadow; do mount --bind '$T/etc/'\$f /etc/\$f; done
	exec /usr/sbin/sshd -f '$T/sshd_config' -E '$T/sshd.log'
"
for _ in $(seq 50); do [ -s "$T/sshd.pid" ] && break; sleep 0.1; done
echo "sshd listening on 127.0.0.1:$PORT"

say "Getting a token for alice (client credentials grant, aud ssh://127.0.0.1)"
IDP_DIR=$T/idp tests/e2e/get-token.sh alice-cli ssh://127.0.0.1 > "$T/token"
echo "$(wc -c < "$T/token") characters: $(cut -c1-60 "$T/token")..."

say "What the module will decide (pam-jwt check)"
unshare --mount --propagation private bash -c "mount --bind '$T/etc/passwd' /etc/passwd
	./pam-jwt check --config '$T/security/pam_jwt.conf' --user alice - < '$T/token'" || true

say "ssh alice@127.0.0.1 with the token as the credential"
start=$(date +%s.%N)
PAM_JWT_TOKEN_FILE=$T/token SSH_ASKPASS=$PWD/pam-jwt-askpass SSH_ASKPASS_REQUIRE=force \
	timeout 30 setsid -w ssh -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o PreferredAuthentications=keyboard-interactive -o LogLevel=ERROR \
	alice@127.0.0.1 'echo "logged in as: $(id)"' < /dev/null
printf 'login took %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
say "The audit line pam_jwt wrote to syslog (authpriv) for that login"
grep -a "pam_jwt" "$T/authlog" | tail -3 || echo "(no audit line captured)"
say "Done; cleaning up"
