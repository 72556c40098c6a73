#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make install DESTDIR=... installs every file once, where the packagers
# expect it, and make uninstall DESTDIR=... removes every one of them
# (directories may stay, as Automake leaves them).  The build tree is only
# read: this runs in parallel with the other tests.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@"; }
D=$T/dest
raw() { sed -n "s|^$1 = ||p" "$top_builddir/Makefile"; }
var() { printf 'include Makefile\nprint-var:\n\t@echo $(%s)\n' "$1" | mk -f - print-var; }
prefix=$(var prefix) pamdir=$(var pamdir)

if mk install DESTDIR="$D" > "$T/install.log" 2>&1; then
	pass "make install DESTDIR="
else
	fail "make install: $(tail -20 "$T/install.log")"
fi
grep -i "will not overwrite" "$T/install.log" && fail "install overwrote a file it had just installed"
(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) > "$T/installed"
sed 's/^/#   /' "$T/installed"
# pam_jwt.so and its core are the files outside the prefix: libpam's own
# directory.
want="$pamdir/pam_jwt.so
$pamdir/pam_jwt_core.so
$prefix/bin/pam-jwt-askpass
$prefix/bin/pam-jwt-login
$prefix/bin/pam-jwt-ssh
$prefix/libexec/pam-jwt/pam-jwt-askpass
$prefix/lib/systemd/system/pam-jwt-desktop-code.socket
$prefix/lib/systemd/system/pam-jwt-desktop-code@.service
$prefix/lib/systemd/system/pam-jwt-refresh.service
$prefix/lib/systemd/system/pam-jwt-refresh.timer
$prefix/lib/tmpfiles.d/pam_jwt.conf
$prefix/sbin/pam-jwt
$prefix/share/bash-completion/completions/pam-jwt
$prefix/share/doc/pam_jwt/examples/pam.d/sshd
$prefix/share/doc/pam_jwt/examples/pam.d/xrdp-sesman
$prefix/share/doc/pam_jwt/examples/pam_jwt.conf
$prefix/share/doc/pam_jwt/examples/sshd_config.d/pam_jwt.conf
$prefix/share/man/man1/pam-jwt-askpass.1
$prefix/share/man/man1/pam-jwt-login.1
$prefix/share/man/man1/pam-jwt-ssh.1
$prefix/share/man/man5/pam_jwt.conf.5
$prefix/share/man/man8/pam-jwt.8
$prefix/share/man/man8/pam_jwt.8"
if [ "$(raw systemdsystemunitdir)" = '${prefix}/lib/systemd/system' ] &&
	[ "$(raw tmpfilesdir)" = '${prefix}/lib/tmpfiles.d' ] && [ "$(raw sbindir)" = '${exec_prefix}/sbin' ] &&
	[ "$(raw exec_prefix)" = '${prefix}' ] && [ "$(raw datarootdir)" = '${prefix}/share' ]; then
	expect_eq "$(cat "$T/installed")" "$(sort <<< "$want")" "every file installed, each once, where expected"
else
	echo "# configured with other directories: the file list is not compared"
fi
grep -q '^/lib/[a-z0-9_]*-linux-gnu[a-z0-9_]*/security$\|^/lib/security$\|^/lib64/security$' <<< "$pamdir" &&
	pass "default module directory is libpam's: $pamdir" ||
	echo "# module directory $pamdir (configured)"
nm -D --defined-only "$D$pamdir/pam_jwt.so" 2> /dev/null | grep -q ' pam_sm_authenticate$' &&
	pass "the installed module is pam_jwt.so" || fail "installed module"
nm -D --defined-only "$D$pamdir/pam_jwt_core.so" 2> /dev/null | grep -q ' pam_sm_' &&
	fail "pam_jwt_core.so exports PAM entry points (a stanza naming it would skip the shim)" ||
	pass "pam_jwt_core.so is no PAM module of its own"
[ ! -e "$D$pamdir/pam_jwt.la" ] && [ ! -e "$D$pamdir/pam_jwt_core.la" ] &&
	pass "no .la in the PAM directory" || fail "a .la installed in the PAM directory"
link=$(readlink "$D$prefix/bin/pam-jwt-askpass")
expect_eq "$link" "../sbin/pam-jwt" "pam-jwt-askpass: a relative link to pam-jwt"
grep -q "^ExecStart=$prefix/sbin/pam-jwt refresh" "$D$prefix/lib/systemd/system/pam-jwt-refresh.service" &&
	grep -q "^ExecStart=$prefix/sbin/pam-jwt desktop-code" "$D$prefix/lib/systemd/system/pam-jwt-desktop-code@.service" &&
	pass "the services run the installed pam-jwt" || fail "ExecStart"

# Installing again over an existing installation works too.
mk install DESTDIR="$D" > "$T/install2.log" 2>&1 && pass "make install again" ||
	fail "second install: $(tail -20 "$T/install2.log")"

if mk uninstall DESTDIR="$D" > "$T/uninstall.log" 2>&1; then
	pass "make uninstall DESTDIR="
else
	fail "make uninstall: $(tail -20 "$T/uninstall.log")"
fi
left=$(cd "$D" && find . ! -type d)
expect_eq "$left" "" "make uninstall left no file"
finish
