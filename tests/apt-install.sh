#!/bin/bash
# apt-get install PACKAGES on this machine without starting their services:
# openssh-server, nginx and xrdp would otherwise start system daemons
# through their postinst.  /usr/sbin/policy-rc.d answers 101 ("action
# forbidden") for the length of the install only; whatever was there before
# (or nothing) is put back.  Used by tests/run.sh and demo.sh, as root.
#   tests/apt-install.sh [-q] PACKAGE...
set -euo pipefail
quiet=()
[ "${1:-}" = -q ] && { quiet=(-qq); shift; }
[ $# -gt 0 ] || exit 0
prc=/usr/sbin/policy-rc.d
saved=
if [ -e "$prc" ] || [ -L "$prc" ]; then
	saved=$(mktemp /usr/sbin/.policy-rc.d.saved.XXXXXX)
	mv -f "$prc" "$saved"
fi
restore() {
	rm -f "$prc"
	if [ -n "$saved" ]; then mv -f "$saved" "$prc"; fi
}
trap restore EXIT
trap "exit 130" INT TERM HUP
printf '#!/bin/sh\n# tests/apt-install.sh: no service starts while it installs\nexit 101\n' > "$prc"
chmod 0755 "$prc"
DEBIAN_FRONTEND=noninteractive apt-get "${quiet[@]}" -o DPkg::Lock::Timeout=600 install -y \
	--no-install-recommends "$@"
