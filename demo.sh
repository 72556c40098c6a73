#!/bin/bash
# pam_jwt in two minutes: a real OpenID provider and a real sshd on loopback,
# a token from the provider, an SSH login with it.  Run as root on Debian
# bookworm:  ./demo.sh (or sudo ./demo.sh)   (SKIP_DEPS=1 skips apt-get)
# Nothing on the host is changed: sshd runs in a private mount namespace that
# sees the shipped conf/pam.d/sshd, the demo config and the demo user.
set -euo pipefail
cd "$(dirname "$0")"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "run as root (su -, or sudo ./demo.sh)" >&2; exit 2; }

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	say "Installing packages (the \"demo\" ones in tests/deps.txt, node)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2046
	apt-get install -y -qq --no-install-recommends $(sed -n 's/ *# demo$//p' tests/deps.txt) > /dev/null
	command -v npm > /dev/null || apt-get install -y -qq nodejs npm > /dev/null
fi
say "Building pam_jwt.so and pam-jwt"
[ -x configure ] || ./autogen.sh > /dev/null 2>&1
[ -f Makefile ] || ./configure > /dev/null
make -j"$(nproc)" > /dev/null

T=$(mktemp -d /tmp/pam_jwt_demo.XXXXXX)
chmod 0755 "$T"
top_builddir=$PWD
. tests/e2e/sshd-lib.sh
S=$T/sshd
cleanup() {
	sshd_stop "$S" 2> /dev/null || true
	tests/e2e/run-idp.sh stop "$T/idp" > /dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

say "Starting a real OpenID provider (oidc-provider) on https://127.0.0.1"
ISSUER=$(IDP_PORT=0 tests/e2e/run-idp.sh start "$T/idp" | tail -1)
echo "issuer: $ISSUER"

say "Writing /etc/security/pam_jwt.conf (as the sshd namespace sees it)"
sshd_prepare "$S" . .libs/pam_jwt.so
mkdir -p "$T/cache" "$T/bin"
install -m 0755 pam-jwt "$T/bin/pam-jwt"
# Keys come from the provider through discovery, like in production.  Only
# cache_dir and refresh_helper differ from an installed system's defaults.
cat > "$S/security/pam_jwt.conf" << EOF
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
cat "$S/security/pam_jwt.conf"

say "Fetching the provider's keys (what pam-jwt-refresh.timer does)"
"$T/bin/pam-jwt" refresh --config "$S/security/pam_jwt.conf"
"$T/bin/pam-jwt" status --config "$S/security/pam_jwt.conf" | sed -n '/^\[issuer/,$p'

say "Starting sshd on 127.0.0.1 with conf/pam.d/sshd as shipped"
PORT=$((30000 + $$ % 20000))
grep -q '^alice:' /etc/passwd || sshd_add_user "$S" alice 4100
sshd_add_group "$S" demo-ops 4101
sshd_start "$S" "$PORT"
echo "sshd listening on 127.0.0.1:$PORT"

say "Getting a token for alice (client credentials grant, aud ssh://127.0.0.1)"
IDP_DIR=$T/idp tests/e2e/get-token.sh alice-cli ssh://127.0.0.1 > "$T/token"
echo "$(wc -c < "$T/token") characters: $(cut -c1-60 "$T/token")..."

say "What the module will decide (pam-jwt check)"
unshare --mount --propagation private bash -c "mount --bind '$S/etc/passwd' /etc/passwd
	./pam-jwt check --config '$S/security/pam_jwt.conf' --user alice - < '$T/token'" || true

say "ssh alice@127.0.0.1 with the token as the credential"
start=$(date +%s.%N)
PAM_JWT_TOKEN_FILE=$T/token sshd_login "$S" "$PORT" alice keyboard-interactive \
	'echo "logged in as: $(id)"' 2> /dev/null
printf 'login took %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
say "The audit line pam_jwt wrote to syslog (authpriv) for that login"
grep -a "pam_jwt" "$S/authlog" | tail -3 || echo "(no audit line captured)"
say "Done; cleaning up"
