#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages, built, checked and used as an administrator would:
#
#   dpkg-buildpackage -us -uc -b from a clean export of the tracked files
#   (git archive of the work tree's tracked content, with its uncommitted
#   changes; never untracked or built files); lintian on the
#   result fails the test on any error or warning.  Then, on a copy-on-write
#   view of this machine (an overlay of / with a tmpfs upper layer, in a
#   private mount namespace, chrooted, where policy-rc.d keeps package
#   scripts from starting services), so the machine itself never changes:
#   apt-get install ./*.deb changes no PAM file and trusts no issuer; an
#   edited conffile survives an upgrade; pam-auth-update --enable jwt puts
#   pam_jwt in front of pam_unix in common-auth; /usr/sbin/pam-jwt refresh
#   fetches the test provider's keys; a real sshd with Debian's own
#   /etc/pam.d/sshd, unmodified, logs alice in with a token (the stock ssh
#   client and the installed pam-jwt-askpass) and with her password (one
#   prompt over keyboard-interactive); /run/nologin refuses the token;
#   apt-get purge leaves no file of the packages, and common-auth is the
#   distribution's again.  Last, every file the whole run left in the
#   upper layer is checked: nothing named after pam_jwt remains.
#
# Not part of `make check` (it installs packages, even if only into the
# overlay): tests/run.sh runs it after the other tests.  Needs root,
# dpkg-dev, debhelper, lintian, openssh, node (tests/e2e).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (overlay, chroot, apt)"; exit 77; }
for c in dpkg-buildpackage dh lintian node /usr/sbin/sshd ssh unshare; do
	command -v "$c" > /dev/null || { echo "# $c missing"; exit 99; }
done
E2E=$top_srcdir/tests/e2e
cleanup() {
	"$E2E/run-idp.sh" stop "$T/idp" > /dev/null 2>&1 || true
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
step() { echo "# $(date +%T) $*"; }

# --- build from a clean export (dpkg-buildpackage writes to ..) ------------
# `git stash create` is a commit of the tracked files as they are now (HEAD
# when nothing is changed); no untracked file, no build output gets in.
git -C "$top_srcdir" rev-parse --git-dir > /dev/null 2>&1 ||
	{ echo "# not a git checkout: nothing to export the package source from"; exit 77; }
step "dpkg-buildpackage"
mkdir -p "$T/build/src"
rev=$(git -C "$top_srcdir" stash create)
git -C "$top_srcdir" archive --format=tar "${rev:-HEAD}" | tar -x -C "$T/build/src"
(cd "$T/build/src" && timeout 900 dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1 ||
	{ tail -40 "$T/build.log"; fail "dpkg-buildpackage"; finish; }
pass "dpkg-buildpackage -us -uc -b"
changes=$(ls "$T"/build/*.changes)
debs=("$T/build/libpam-jwt_"*.deb "$T/build/pam-jwt_"*.deb)

step "lintian"
if out=$(timeout 600 lintian --fail-on error,warning --pedantic -I "$changes" 2>&1); then
	pass "lintian: no error, no warning"
else
	fail "lintian"
fi
sed 's/^/#   lintian: /' <<< "$out" | grep -v 'running with root privileges' || true

# The same packages at a higher version, to upgrade to (conffile check).
mkdir -p "$T/next"
for deb in "${debs[@]}"; do
	x=$T/next/x
	rm -rf "$x"
	dpkg-deb -R "$deb" "$x"
	sed -i -e 's/^Version: \(.*\)/Version: \1+next1/' \
		-e 's/libpam-jwt (= \([^)]*\))/libpam-jwt (= \1+next1)/' "$x/DEBIAN/control"
	dpkg-deb -b "$x" "$T/next/" > /dev/null
done
rm -rf "$T/next/x"

# --- the test provider, and what the chroot needs from this side ----------
step "provider"
ISSUER=$(IDP_PORT=0 "$E2E/run-idp.sh" start "$T/idp" | tail -1)
tok() { IDP_DIR=$T/idp "$E2E/get-token.sh" "$@"; }
tok alice-cli ssh://127.0.0.1 ES256 > "$T/alice.jwt"
tok alice-long ssh://127.0.0.1 > "$T/long.jwt"
tok bob-cli ssh://127.0.0.1 > "$T/bob.jwt"
port_reserve PORT
PASSWORD="Tr0ub4dor $$"
chmod -R go-w "$T"

# --- what runs inside the chroot ------------------------------------------
cat > "$T/inside.sh" <<'INSIDE'
set -u
fails=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
step() { echo "# $(date +%T) $*"; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
read -ra DEBS <<< "$DEBS_LIST"
read -ra NEXT <<< "$NEXT_LIST"
cp -a /etc/pam.d "$T/pam.d.before"
# Package scripts start no service here (invoke-rc.d, deb-systemd-invoke):
# this overlay and its sshd are the only ones the test runs.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

step "apt-get install ./*.deb"
apt-get install -y --no-install-recommends "${DEBS[@]}" > "$T/apt-install.log" 2>&1 &&
	pass "apt-get install ./libpam-jwt*.deb ./pam-jwt*.deb" ||
	{ tail -30 "$T/apt-install.log"; fail "apt-get install"; exit 1; }
dpkg-query -L libpam-jwt pam-jwt > "$T/pkgfiles"
for f in "/lib/$MULTIARCH/security/pam_jwt.so" "/lib/$MULTIARCH/security/pam_jwt_core.so" /usr/sbin/pam-jwt /usr/bin/pam-jwt-askpass \
	/usr/share/pam-configs/jwt /etc/security/pam_jwt.conf /lib/systemd/system/pam-jwt-refresh.timer \
	/lib/systemd/system/pam-jwt-refresh.service /usr/lib/tmpfiles.d/pam_jwt.conf \
	/lib/systemd/system/pam-jwt-desktop-code.socket /lib/systemd/system/pam-jwt-desktop-code@.service \
	/usr/share/bash-completion/completions/pam-jwt /usr/share/man/man8/pam_jwt.8.gz \
	/usr/share/man/man5/pam_jwt.conf.5.gz /usr/share/man/man8/pam-jwt.8.gz \
	/usr/share/man/man1/pam-jwt-askpass.1.gz /usr/share/doc/pam-jwt/examples/pam.d/sshd; do
	[ -e "$f" ] || fail "not installed: $f"
done
pass "module, helper, askpass, profile, conffile, units, man pages, examples installed"
[ "$(readlink /usr/bin/pam-jwt-askpass)" = ../sbin/pam-jwt ] && pass "pam-jwt-askpass -> ../sbin/pam-jwt" ||
	fail "askpass link: $(readlink /usr/bin/pam-jwt-askpass)"
[ -d /var/cache/pam_jwt ] && pass "tmpfiles made /var/cache/pam_jwt" || fail "no /var/cache/pam_jwt"
if diff -r "$T/pam.d.before" /etc/pam.d > "$T/pamdiff"; then
	pass "installing changed no file in /etc/pam.d"
else
	fail "installing changed /etc/pam.d: $(cat "$T/pamdiff")"
fi
out=$(pam-jwt status 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q 'no \[issuer' <<< "$out" && pass "the shipped conffile trusts no issuer" ||
	fail "shipped conffile (rc $rc): $out"
dpkg-query -W -f='${Conffiles}\n' libpam-jwt | grep -q '^ /etc/security/pam_jwt.conf ' &&
	pass "/etc/security/pam_jwt.conf is a conffile" || fail "not a conffile"

# The administrator's configuration, then an upgrade: it stays.
cat > /etc/security/pam_jwt.conf <<EOF
# edited by the administrator
[issuer e2e]
issuer = $ISSUER
audience = ssh://127.0.0.1
ca_file = $T/idp/ca.pem
username_claim = preferred_username
leeway = 0
EOF
cp /etc/security/pam_jwt.conf "$T/admin.conf"
step "upgrade"
apt-get install -y --no-install-recommends "${NEXT[@]}" > "$T/apt-upgrade.log" 2>&1 ||
	{ tail -30 "$T/apt-upgrade.log"; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' libpam-jwt)" = "$(dpkg-query -W -f='${Version}' pam-jwt)" ] &&
	dpkg-query -W -f='${Version}\n' libpam-jwt | grep -q 'next1$' && pass "upgraded both packages" ||
	fail "upgrade: $(dpkg-query -W libpam-jwt pam-jwt)"
cmp -s /etc/security/pam_jwt.conf "$T/admin.conf" && pass "the edited conffile survived the upgrade" ||
	fail "conffile replaced on upgrade"

step "pam-auth-update --enable jwt"
pam-auth-update --enable jwt
grep -v '^#' /etc/pam.d/common-auth | grep . | sed 's/^/#   common-auth: /'
jwt=$(grep -n '^auth.*pam_jwt\.so' /etc/pam.d/common-auth | cut -d: -f1)
unix=$(grep -n '^auth.*pam_unix\.so' /etc/pam.d/common-auth | cut -d: -f1)
[ -n "$jwt" ] && [ -n "$unix" ] && [ "$jwt" -lt "$unix" ] && pass "common-auth: pam_jwt before pam_unix" ||
	fail "common-auth order: jwt=$jwt unix=$unix"
grep -q '^auth[[:space:]]*\[success=[0-9]* ignore=ignore default=die\][[:space:]]*pam_jwt\.so nodevice password[[:space:]]*$' /etc/pam.d/common-auth &&
	pass "pam_jwt: success jumps past pam_deny, rejection dies, ignore goes on; no device flow; password prompt" ||
	fail "pam_jwt control: $(grep pam_jwt /etc/pam.d/common-auth)"
grep -q '^auth.*pam_unix\.so.*try_first_pass' /etc/pam.d/common-auth &&
	pass "pam_unix takes the password pam_jwt read (try_first_pass)" || fail "pam_unix without try_first_pass"
cmp -s /etc/pam.d/sshd "$T/pam.d.before/sshd" && pass "/etc/pam.d/sshd is Debian's, unmodified" ||
	fail "/etc/pam.d/sshd changed"

step "pam-jwt refresh"
out=$(/usr/sbin/pam-jwt refresh 2>&1) && pass "/usr/sbin/pam-jwt refresh" || fail "refresh: $out"
[ -s /var/cache/pam_jwt/e2e.jwks ] && pass "keys in /var/cache/pam_jwt" || fail "no e2e.jwks"
# --- a real sshd: Debian's /etc/pam.d/sshd, the shipped drop-in ----------
useradd -M -d / -s /bin/sh alice
useradd -M -d / -s /bin/sh bob
printf 'alice:%s\n' "$PASSWORD" | chpasswd
out=$(pam-jwt check --user alice - < "$T/alice.jwt" 2>&1) && pass "pam-jwt check accepts alice's token" ||
	fail "check: $out"
mkdir -p /run/sshd "$T/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/hostkey"
. "$top_srcdir/tests/e2e/lib.sh" # sshd_config_base, sshd_login: as the other sshd tests
# The installed drop-in first: its UsePAM and KbdInteractiveAuthentication win.
{ echo "Include /usr/share/doc/pam-jwt/examples/sshd_config.d/pam_jwt.conf"
  sshd_config_base "$T/sshd"; } > "$T/sshd/sshd_config"
start_sshd() {
	/usr/sbin/sshd -f "$T/sshd/sshd_config" -p "$PORT" -E "$T/sshd/sshd.log"
	for i in $(seq 300); do [ -s "$T/sshd/sshd.pid" ] && return 0; sleep 0.1; done
	fail "sshd did not start: $(cat "$T/sshd/sshd.log")"
	return 1
}
stop_sshd() {
	local pid
	pid=$(cat "$T/sshd/sshd.pid")
	kill "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
	rm -f "$T/sshd/sshd.pid"
}
# the client side, as a user's session has it (askpass keeps its place there)
export XDG_RUNTIME_DIR=$T/xdg
mkdir -m 0700 "$XDG_RUNTIME_DIR"
login() { # ASKPASS USER METHOD: ssh alice@127.0.0.1 id, bounded
	SSH_ASKPASS=$1 sshd_login "$T/sshd" "$PORT" "$2" "$3" id 2>&1
}
# An askpass that types the password and notes every prompt it was shown.
printf '#!/bin/sh\necho "$1" >> %s/prompts\nprintf "%%s\\n" "%s"\n' "$T" "$PASSWORD" > "$T/pw-askpass"
chmod 0755 "$T/pw-askpass"
start_sshd
step "logins"
out=$(PAM_JWT_TOKEN_FILE=$T/alice.jwt login /usr/bin/pam-jwt-askpass alice keyboard-interactive)
grep -q '^uid=[0-9]*(alice)' <<< "$out" && pass "token login through the installed module" ||
	fail "token login: $out"
out=$(PAM_JWT_TOKEN_FILE=$T/long.jwt login /usr/bin/pam-jwt-askpass alice keyboard-interactive)
grep -q '^uid=[0-9]*(alice)' <<< "$out" && pass "$(wc -c < "$T/long.jwt")-character token in parts" ||
	fail "long token: $out"
out=$(PAM_JWT_TOKEN_FILE=$T/bob.jwt login /usr/bin/pam-jwt-askpass alice keyboard-interactive)
grep -q 'uid=' <<< "$out" && fail "bob's token opened alice's shell" ||
	pass "bob's token for alice refused"
out=$(login "$T/pw-askpass" alice password)
grep -q '^uid=[0-9]*(alice)' <<< "$out" && pass "password method: alice's password logs in" ||
	fail "password: $out"
rm -f "$T/prompts"
out=$(login "$T/pw-askpass" alice keyboard-interactive)
grep -q '^uid=[0-9]*(alice)' <<< "$out" && pass "keyboard-interactive: the password logs in" ||
	fail "keyboard-interactive password: $out"
[ "$(grep -c . "$T/prompts")" = 1 ] && pass "keyboard-interactive: one prompt for the password" ||
	fail "prompts: $(cat "$T/prompts")"
grep -q 'Password or token: $' "$T/prompts" && pass "keyboard-interactive: the prompt says \"Password or token: \"" ||
	fail "prompt: $(cat "$T/prompts")"
printf 'wrong\n' > "$T/wrong"
out=$(PAM_JWT_TOKEN_FILE=$T/wrong login /usr/bin/pam-jwt-askpass alice password)
grep -q 'uid=' <<< "$out" && fail "a wrong password logged in" || pass "a wrong password is refused"

echo "down for maintenance" > /run/nologin
out=$(PAM_JWT_TOKEN_FILE=$T/alice.jwt login /usr/bin/pam-jwt-askpass alice keyboard-interactive)
grep -q 'uid=' <<< "$out" && fail "token login despite /run/nologin" ||
	pass "/run/nologin refuses a token login (pam_nologin kept in Debian's stack)"
rm -f /run/nologin
stop_sshd

step "apt-get purge"
apt-get purge -y libpam-jwt pam-jwt > "$T/apt-purge.log" 2>&1 && pass "apt-get purge" ||
	{ tail -30 "$T/apt-purge.log"; fail "purge"; }
left=0
while IFS= read -r f; do
	[ "$f" = /. ] && continue
	if [ -e "$f" ] && ! [ -d "$f" ]; then echo "# left: $f"; left=$((left + 1)); fi
done < "$T/pkgfiles"
for d in /usr/share/doc/pam-jwt /usr/share/doc/libpam-jwt /var/cache/pam_jwt /run/pam_jwt \
	/etc/security/pam_jwt.conf /usr/share/pam-configs/jwt; do
	[ -e "$d" ] && { echo "# left: $d"; left=$((left + 1)); }
done
[ "$left" = 0 ] && pass "purge left no file of the packages" || fail "purge left $left files"
grep -q pam_jwt /etc/pam.d/common-auth && fail "common-auth still names pam_jwt" ||
	pass "common-auth no longer names pam_jwt"
cmp -s /etc/pam.d/common-auth "$T/pam.d.before/common-auth" &&
	pass "common-auth is as before the install" || fail "common-auth differs: $(diff "$T/pam.d.before/common-auth" /etc/pam.d/common-auth)"
echo "# inside finished, $fails failed"
INSIDE

# --- an overlay of / in a private mount namespace, and chroot -------------
step "overlay + chroot"
O=$T/ov
mkdir -p "$O"
export T ISSUER PORT PASSWORD MULTIARCH top_srcdir top_builddir
host_auth=$(md5sum < /etc/pam.d/common-auth)
DEBS_LIST="${debs[*]}" NEXT_LIST="$(echo "$T"/next/*.deb)" timeout 600 unshare --mount --propagation private bash -c '
	set -e
	mount -t tmpfs -o mode=0755 tmpfs "$1"
	mkdir "$1/upper" "$1/work" "$1/root"
	mount -t overlay overlay -o lowerdir=/,upperdir="$1/upper",workdir="$1/work" "$1/root"
	mount -t proc proc "$1/root/proc"
	mount --rbind /dev "$1/root/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$1/root/run"
	chroot "$1/root" /bin/bash "$T/inside.sh" || true
	# Every file the run wrote in the overlay (gone with this namespace);
	# whiteouts (character devices) are files of this machine removed.
	(cd "$1/upper" && find . ! -type d ! -type c) | sed "s|^\.||" > "$T/upper.list"
' _ "$O" > "$T/inside.log" 2>&1 || true
cat "$T/inside.log"
fails=$((fails + $(grep -c '^not ok' "$T/inside.log" || true)))
grep -q '^# inside finished' "$T/inside.log" || fail "the chroot part did not finish"
if [ -s "$T/upper.list" ]; then
	ours=$(grep -i -e 'pam_jwt' -e 'pam-jwt' -e '/jwt$' "$T/upper.list" | grep -v "^$T/" || true)
	expect_eq "$ours" "" "after purge, nothing named after pam_jwt is left anywhere (outside the test dir)"
	echo "# the overlay kept $(wc -l < "$T/upper.list") changed files (apt and dpkg state, users, logs)"
else
	fail "no list of the overlay's changes"
fi
expect_eq "$(md5sum < /etc/pam.d/common-auth)" "$host_auth" "this machine's common-auth untouched"
dpkg-query -W libpam-jwt > /dev/null 2>&1 && fail "libpam-jwt installed on this machine" ||
	pass "this machine never had the packages installed"
finish
