#!/bin/bash
# The shipped PAM stanzas are the distribution's own files plus pam_jwt:
# diff against this machine's /etc/pam.d/sshd and xrdp-sesman (only when
# dpkg says they are unmodified) may only add comments, blank lines and
# one pam_jwt line, placed before "@include common-auth".  The sshd
# drop-in leaves PasswordAuthentication to the administrator and recommends
# AuthenticationMethods publickey,keyboard-interactive (sshd accepts it).
# No device flow outside ssh: every other stanza and the pam-auth-update
# profile (su, sudo, login... through common-auth) pass nodevice, and the
# profile's prompt says it takes a password (its stack goes on to pam_unix).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

pristine() { # FILE PACKAGE: the conffile's md5sum is the one dpkg installed
	local want
	want=$(dpkg-query -W -f='${Conffiles}\n' "$2" 2> /dev/null | awk -v f="$1" '$1 == f { print $2 }')
	[ -n "$want" ] && [ "$(md5sum < "$1" | cut -d' ' -f1)" = "$want" ]
}

checked=0
for pair in sshd:openssh-server xrdp-sesman:xrdp; do
	name=${pair%%:*} pkg=${pair#*:}
	ours=$top_srcdir/conf/pam.d/$name theirs=/etc/pam.d/$name
	if ! pristine "$theirs" "$pkg"; then
		skip "$name: $theirs missing or changed locally, not compared"
		continue
	fi
	checked=$((checked + 1))
	removed=$(diff "$theirs" "$ours" | grep -c '^<' || true)
	expect_eq "$removed" 0 "$name: no line of Debian's $theirs removed or changed"
	added=$(diff "$theirs" "$ours" | sed -n 's/^> //p' | grep -v '^#' | grep -v '^[[:space:]]*$' || true)
	expect_eq "$(grep -c . <<< "$added")" 1 "$name: exactly one line added"
	grep -q '^auth[[:space:]]\+\[success=done ignore=ignore default=die\][[:space:]]\+pam_jwt\.so' <<< "$added" &&
		pass "$name: the added line is pam_jwt, rejected tokens die" || fail "$name: added: $added"
	jwt=$(grep -n 'pam_jwt\.so' "$ours" | head -1 | cut -d: -f1)
	inc=$(grep -n '^@include common-auth' "$ours" | head -1 | cut -d: -f1)
	[ "$jwt" -lt "$inc" ] && pass "$name: pam_jwt before @include common-auth" ||
		fail "$name: pam_jwt at line $jwt, common-auth at $inc"
done

# --- where the device flow may start ---------------------------------------------
for f in "$top_srcdir"/conf/pam.d/*; do
	name=$(basename "$f")
	[ "$name" = sshd ] && continue
	line=$(grep '^[^#]*pam_jwt\.so' "$f")
	grep -qw nodevice <<< "$line" && pass "$name stanza: nodevice" || fail "$name stanza offers the device flow: $line"
done
profile=$top_srcdir/debian/pam-configs/jwt
n=$(grep -c 'pam_jwt\.so' "$profile")
[ "$n" -ge 2 ] || fail "the profile has $n pam_jwt lines"
expect_eq "$(grep 'pam_jwt\.so' "$profile" | grep -wc nodevice)" "$n" "profile: every pam_jwt line has nodevice"
expect_eq "$(grep 'pam_jwt\.so' "$profile" | grep -wc password)" "$n" \
	"profile: every pam_jwt line says a password module follows (prompt \"Password or token: \")"
[ "$checked" -gt 0 ] || { echo "# no pristine Debian stanza to compare with"; exit 77; }

dropin=$top_srcdir/conf/sshd_config.d/pam_jwt.conf
grep -qi '^[[:space:]]*PasswordAuthentication' "$dropin" &&
	fail "the sshd drop-in sets PasswordAuthentication (first value wins over sshd_config)" ||
	pass "the sshd drop-in leaves PasswordAuthentication alone"
grep -q '^UsePAM yes' "$dropin" && grep -q '^KbdInteractiveAuthentication yes' "$dropin" &&
	pass "the drop-in turns on PAM and keyboard-interactive" || fail "drop-in settings missing"
# What sshd makes of it: an administrator's "PasswordAuthentication no" stays no.
if [ -x /usr/sbin/sshd ]; then
	mkdir -p "$T/ssh/sshd_config.d"
	cp "$dropin" "$T/ssh/sshd_config.d/"
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/hostkey"
	printf 'Include %s/ssh/sshd_config.d/*.conf\nHostKey %s/ssh/hostkey\nPasswordAuthentication no\n' \
		"$T" "$T" > "$T/ssh/sshd_config"
	out=$(/usr/sbin/sshd -T -f "$T/ssh/sshd_config" 2>&1) || true
	contains() { grep -qx -- "$1" <<< "$out" && pass "sshd -T: $1" || fail "sshd -T lacks '$1': $out"; }
	contains "passwordauthentication no"
	contains "kbdinteractiveauthentication yes"
	contains "usepam yes"
	# the recommendation, uncommented, is what sshd reads as a key first
	sed -i 's/^#\(AuthenticationMethods publickey,keyboard-interactive\)$/\1/' "$T/ssh/sshd_config.d/pam_jwt.conf"
	grep -q '^AuthenticationMethods publickey,keyboard-interactive$' "$T/ssh/sshd_config.d/pam_jwt.conf" ||
		fail "the drop-in does not recommend AuthenticationMethods publickey,keyboard-interactive"
	out=$(/usr/sbin/sshd -T -f "$T/ssh/sshd_config" 2>&1) || true
	contains "authenticationmethods publickey,keyboard-interactive"
else
	skip "sshd -T with the drop-in: openssh-server not installed"
fi
finish
