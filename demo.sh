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
	say "Installing packages (the \"demo\" ones in tests/deps.txt, node; no service started)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2046
	tests/apt-install.sh -q $(sed -n 's/ *# demo$//p' tests/deps.txt) > /dev/null
	command -v npm > /dev/null || tests/apt-install.sh -q nodejs npm > /dev/null
fi
say "Building pam_jwt.so and pam-jwt"
[ -x configure ] || ./autogen.sh > /dev/null 2>&1
[ -f Makefile ] || ./configure > /dev/null
make -j"$(nproc)" > /dev/null

# The tests' own setup (tests/lib.sh, tests/e2e/lib.sh): a private $T,
# the provider, sshd in its namespace.
top_srcdir=$PWD top_builddir=$PWD
. tests/lib.sh
. tests/e2e/lib.sh
trap e2e_cleanup EXIT

say "Starting a real OpenID provider (oidc-provider) on https://127.0.0.1"
idp_start

say "Writing /etc/security/pam_jwt.conf (as the sshd namespace sees it)"
# alice (her token's "ops" group maps to operators), bob, in the namespace only
e2e_sshd
# Keys come from the provider through discovery, like in production.  Only
# cache_dir and refresh_helper differ from an installed system's defaults.
{ e2e_conf_head; e2e_section demo ssh://127.0.0.1; } > "$S/security/pam_jwt.conf"
cat "$S/security/pam_jwt.conf"

say "Fetching the provider's keys (what pam-jwt-refresh.timer does)"
"$T/bin/pam-jwt" refresh --config "$S/security/pam_jwt.conf"
"$T/bin/pam-jwt" status --config "$S/security/pam_jwt.conf" | sed -n '/^\[issuer/,$p'

say "Starting sshd on 127.0.0.1 with conf/pam.d/sshd as shipped"
sshd_start "$S" "$PORT"
echo "sshd listening on 127.0.0.1:$PORT"

say "Getting a token for alice (client credentials grant, aud ssh://127.0.0.1)"
tok alice-cli ssh://127.0.0.1 > "$T/token"
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
