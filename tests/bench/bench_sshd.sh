#!/bin/bash
# Table 5 of `make bench`: SSH logins per second through a real sshd on
# 127.0.0.1 (tests/e2e/lib.sh: the shipped conf/pam.d/sshd in a private
# mount namespace), N clients in parallel, each running `ssh ... true` in a
# loop: an RS256 token over keyboard-interactive (pam-jwt-askpass) beside a
# yescrypt password through pam_unix.  Needs root and openssh-server.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ]; then
	echo "(table 5 needs root and sshd)"
	exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
SECONDS_EACH=${BENCH_SSHD_SECONDS:-6}
S=$T/sshd
trap 'sshd_stop "$S" 2> /dev/null || true; rm -rf "$T"' EXIT
/usr/bin/python3 "$top_srcdir/tests/bench/mkfixtures.py" "$T" benchuser > /dev/null
sshd_prepare "$S"
hash=$(cat "$T/password.yescrypt")
view_add_user "$S" benchuser 4999 "$hash"
printf 'MaxStartups 100:30:200\n' >> "$S/sshd_config"
cat > "$S/security/pam_jwt.conf" <<CONF
[issuer bench]
issuer = https://bench.test
audience = ssh://bench.test
jwks_file = $T/RS256.jwks
CONF
port_reserve PORT
sshd_start "$S" "$PORT"

one() { # METHOD ANSWERFILE
	PAM_JWT_TOKEN_FILE=$2 sshd_login "$S" "$PORT" benchuser "$1" true > /dev/null 2>&1
}
one keyboard-interactive "$T/RS256.jwt" || { echo "token login failed" >&2; exit 1; }
one password "$T/password" || { echo "password login failed" >&2; exit 1; }
rate() { # N METHOD ANSWERFILE -> logins per second
	local n=$1 i end
	end=$(($(date +%s%N) + SECONDS_EACH * 1000000000))
	for i in $(seq "$n"); do
		(c=0; while [ "$(date +%s%N)" -lt "$end" ]; do one "$2" "$3" && c=$((c + 1)); done
		 echo "$c" > "$T/count.$i") &
	done
	wait
	echo "scale=1; $(cat "$T"/count.* | paste -sd+ | bc) / $SECONDS_EACH" | bc
	rm -f "$T"/count.*
}
printf '\n5. SSH logins per second through a real sshd on 127.0.0.1 (ssh ... true, N clients\n'
printf '   in parallel, %s s each; the ssh handshake itself is most of each login)\n\n' "$SECONDS_EACH"
printf '| N | token (RS256, keyboard-interactive) | password (yescrypt, pam_unix) |\n|---:|---:|---:|\n'
for n in 1 2 4 8; do
	printf '| %s | %s | %s |\n' "$n" "$(rate "$n" keyboard-interactive "$T/RS256.jwt")" \
		"$(rate "$n" password "$T/password")"
done
