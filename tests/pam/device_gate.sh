#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Where the device flow may start, through the real libpam over the built
# module and the real helper, against a provider that answers every device
# request (tests/e2e/device-bad-idp.mjs, case "pending"; it logs each request):
#
#   only on the services an issuer lists (device_services, default sshd):
#   su, sudo, login, xrdp-sesman and any other service get the plain prompt
#   and no flow; only for a local account (no provider round trip for a name
#   without one, and what that name sees is byte for byte what a known user
#   sees where no flow can start); not for root without allow_root; only from
#   device_from networks (IPv4, IPv6, IPv4-mapped; a host name or no rhost
#   never matches); never with nodevice or PAM_SILENT; at most
#   device_max_flows at once, a slot freed when the login process is killed.
#   Prompts: "Password or token: " with the password option, prompt= as
#   written (a stanza with [prompt=...]), the browser hint only where a flow
#   starts.  The shipped profile and non-ssh stanzas: Debian's own su, login
#   and runuser stacks, common-auth written by the real pam-auth-update from
#   debian/pam-configs/jwt, driven by pamtester: "Password or token: " and no
#   flow even when device_services lists those services.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (the helper and the slots are root's)"; exit 77; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
. "$top_srcdir/tests/e2e/device-bad-idp.sh"
start_bad_idp "$T/idp.log"
IDP=$BAD_IDP
HOLDER=
trap 'kill $IDP $HOLDER 2> /dev/null || true; rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/pam.d"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
for s in sshd su sudo login runuser xrdp-sesman cron; do echo 'auth required pam_permit.so' > "$T/pam.d/$s"; done
setup_nss # alice, bob and root exist; mallory does not
printf '\nnot-a-token\n' > "$T/answers" # Enter, then a password at the second prompt

conf() { # [LINE...]: one device issuer, the lines added to its section
	{
		printf 'cache_dir = %s\nrefresh_helper = %s\ndevice_dir = %s\ndevice_max_flows = %s\n' \
			"$T/cache" "$T/bin/pam-jwt" "$T/device" "${MAXF:-8}"
		printf '[issuer dev]\nissuer = https://127.0.0.1:%s\naudience = ssh-device\n' "$PORT"
		printf 'jwks_uri = https://127.0.0.1:%s/jwks\nca_file = %s\n' "$PORT" "$CA"
		printf 'device_flow = yes\nclient_id = ssh-device\ndevice_timeout = %s\n' "${TIMEOUT:-10}"
		printf 'device_authorization_endpoint = https://127.0.0.1:%s/pending/device\n' "$PORT"
		printf 'token_endpoint = https://127.0.0.1:%s/pending/token\n' "$PORT"
		printf '%s\n' "$@"
	} > "$T/jwt.conf"
}
reqs() { grep -c '^REQ pending device' "$T/idp.log" || true; }
try() { # SERVICE USER MODULE-ARGS [DRIVER-OPTIONS...]: the module on a real handle
	local svc=$1 user=$2 args=$3
	shift 3
	timeout 60 "${VG[@]}" "$DRIVER" "$T/pam.d" "$svc" "$user" --answers "$T/answers" "$@" \
		--direct "$MODULE" "config=$T/jwt.conf${args:+ $args}" 2>&1 || true
}
first_prompt() { grep -m1 '^prompt: ' <<< "$1" | sed 's/^prompt: //'; }
HINT="Token (or press Enter to sign in with a browser): "
flow() { # DESCRIPTION SERVICE USER MODULE-ARGS [DRIVER-OPTIONS...]: offered, and it starts
	local d=$1 before out
	shift
	before=$(reqs)
	out=$(try "$@")
	expect_eq "$(first_prompt "$out")" "$HINT" "$d: the first prompt offers the browser"
	grep -q "^msg: To sign in, open https://127.0.0.1:$PORT/device and enter WXYZ-ABCD" <<< "$out" &&
		[ "$(reqs)" -gt "$before" ] && pass "$d: the flow starts" || fail "$d: no flow: $out"
}
noflow() { # DESCRIPTION WANT-PROMPT SERVICE USER MODULE-ARGS [DRIVER-OPTIONS...]
	local d=$1 want=$2 before out
	shift 2
	before=$(reqs)
	out=$(try "$@")
	expect_eq "$(first_prompt "$out")" "$want" "$d: the first prompt is \"$want\""
	if grep -q "browser\|To sign in" <<< "$out"; then fail "$d: the flow was offered or shown: $out"
	else pass "$d: nothing about a browser"; fi
	grep -q '^module=PAM_IGNORE$' <<< "$out" && pass "$d: the empty answer goes on (PAM_IGNORE)" ||
		fail "$d: $(grep '^module=' <<< "$out")"
	expect_eq "$(reqs)" "$before" "$d: no request reached the provider"
}

# --- services ----------------------------------------------------------------------
conf
flow "sshd (the default device_services)" sshd alice ""
for s in su sudo login runuser xrdp-sesman cron; do
	noflow "service $s (default device_services = sshd)" "Token: " "$s" alice ""
done
conf "device_services = su sudo"
flow "device_services = su sudo: su" su alice ""
flow "device_services = su sudo: sudo" sudo alice ""
noflow "device_services = su sudo: sshd no longer" "Token: " sshd alice ""

# --- users -----------------------------------------------------------------------------
conf
noflow "a name without a local account" "Token: " sshd mallory ""
expect_eq "$(try sshd mallory "")" "$(try su alice "")" \
	"a name without an account sees exactly what a local user sees where no flow can start"
noflow "root, the issuer without allow_root" "Token: " sshd root ""
flow "bob" sshd bob ""

# --- client networks -------------------------------------------------------------------
conf "device_from = 10.0.0.0/8 2001:db8::/32"
flow "device_from: 10.1.2.3" sshd alice "" --rhost 10.1.2.3
flow "device_from: IPv4-mapped ::ffff:10.9.9.9" sshd alice "" --rhost ::ffff:10.9.9.9
flow "device_from: 2001:db8::7" sshd alice "" --rhost 2001:db8::7
noflow "device_from: 192.0.2.1 is outside" "Token: " sshd alice "" --rhost 192.0.2.1
noflow "device_from: 2001:db9::1 is outside" "Token: " sshd alice "" --rhost 2001:db9::1
noflow "device_from: a host name never matches" "Token: " sshd alice "" --rhost 10.1.2.3.example.com
noflow "device_from: no rhost (the console) never matches" "Token: " sshd alice ""

# --- module options, PAM_SILENT, prompts ------------------------------------------------
conf "device_services = sshd su"
noflow "nodevice" "Token: " sshd alice "nodevice"
noflow "PAM_SILENT" "Token: " sshd alice "" --silent
noflow "password, where no flow starts" "Password or token: " cron alice "password"
noflow "password, nodevice" "Password or token: " su alice "nodevice password"
HINT="Password or token (or press Enter to sign in with a browser): " \
	flow "password, where a flow starts" sshd alice "password"
# prompt=TEXT with spaces, as a stanza writes it ([...]), through pam_authenticate
printf 'auth [success=done ignore=ignore default=die] %s config=%s [prompt=Your passcode, please: ]\n' \
	"$MODULE" "$T/jwt.conf" > "$T/pam.d/custom"
printf 'auth requisite pam_deny.so\n' >> "$T/pam.d/custom"
out=$(timeout 60 "$DRIVER" "$T/pam.d" custom alice --answers "$T/answers" 2>&1 || true)
expect_eq "$(first_prompt "$out")" "Your passcode, please: " "prompt=TEXT in a stanza: the first prompt as written"
grep -q '^auth=PAM_AUTH_ERR$' <<< "$out" && pass "prompt=: the empty answer went on to pam_deny" ||
	fail "prompt=: $(grep '^auth=' <<< "$out")"
out=$(try sshd alice "prompt=Bad$(printf '\033')[2J")
grep -q '^module=PAM_SERVICE_ERR$' <<< "$out" && pass "prompt= with a control character: refused as a bad option" ||
	fail "prompt= with ESC: $out"

# --- device_max_flows: a slot per running helper, freed when the login dies -------------
MAXF=1 TIMEOUT=60 conf
printf '\n\n' > "$T/enter-enter" # the second Enter waits for the provider (pending)
before=$(reqs)
"$DRIVER" "$T/pam.d" sshd alice --answers "$T/enter-enter" --direct "$MODULE" \
	"config=$T/jwt.conf" > "$T/held.out" 2>&1 & # bounded by device_timeout
HOLDER=$!
for _ in $(seq 100); do [ "$(reqs)" -gt "$before" ] && break; sleep 0.1; done
[ "$(reqs)" -gt "$before" ] && pass "max 1: the first flow runs" || fail "max 1: first flow did not start"
before=$(reqs)
out=$(try sshd bob "")
grep -q '^msg: Too many sign-ins with a browser are under way on this host; try again in a few minutes.$' <<< "$out" &&
	pass "max 1: a second flow is told the host is busy" || fail "max 1: second flow: $out"
grep -q '^module=PAM_AUTHINFO_UNAVAIL$' <<< "$out" && pass "max 1: busy is PAM_AUTHINFO_UNAVAIL" ||
	fail "max 1: $(grep '^module=' <<< "$out")"
expect_eq "$(reqs)" "$before" "max 1: the busy flow never reached the provider"
[ "$(stat -c '%U %a' "$T/device")" = "root 700" ] && pass "the slot directory is root's, 0700" ||
	fail "slot dir: $(stat -c '%U %a' "$T/device")"
# kill -9 the login holding the slot: its helper dies with it (PDEATHSIG), the flock goes
kill -KILL "$HOLDER" || fail "no login to kill"
wait "$HOLDER" 2> /dev/null || true
HOLDER=
for _ in $(seq 50); do pgrep -f "pam-jwt device --config $T/jwt.conf" > /dev/null || break; sleep 0.1; done
expect_eq "$(pgrep -fc "pam-jwt device --config $T/jwt.conf" || true)" 0 "max 1: the killed login's helper is gone"
flow "max 1: after the holder was killed, a new flow starts" sshd bob ""
MAXF=2 TIMEOUT=10 conf
flow "max 2, one slot file locked by someone else: a flow still starts" sshd alice ""
( flock -n 9 || exit 1; flock -n 8 || exit 1
  out=$(try sshd alice "")
  grep -q '^msg: Too many sign-ins' <<< "$out" ) 9> "$T/device/slot.0" 8> "$T/device/slot.1" &&
	pass "max 2, both slot files locked: busy" || fail "max 2: both slots locked, still started"

# --- the shipped profile and stanzas on Debian's own stacks, pamtester ------------------
if command -v pamtester > /dev/null && command -v pam-auth-update > /dev/null; then
	PAMLIB=$PAM_MODDIR
	mkdir -p "$T/ns/pam.d" "$T/ns/configs" "$T/ns/varlib" "$T/ns/security" "$T/ns/pamlib"
	cp -a /etc/pam.d/. "$T/ns/pam.d/"
	cp -a /usr/share/pam-configs/. "$T/ns/configs/"
	cp "$top_srcdir/debian/pam-configs/jwt" "$T/ns/configs/jwt"
	cp -a /var/lib/pam/. "$T/ns/varlib/" 2> /dev/null || true
	cp -a /etc/security/. "$T/ns/security/"
	cp -a "$PAMLIB/." "$T/ns/pamlib/"
	install_module "$T/ns/pamlib"
	cp "$top_srcdir/conf/pam.d/xrdp-sesman" "$T/ns/pam.d/xrdp-sesman"
	# pamtester runs as root: su's pam_rootok would answer before anyone asks
	sed -i '/pam_rootok/d' "$T/ns/pam.d/su" "$T/ns/pam.d/runuser" 2> /dev/null || true
	# every service allowed by the configuration: only the stanzas stop the flow
	conf "device_services = sshd su sudo login runuser xrdp-sesman"
	cp "$T/jwt.conf" "$T/ns/security/pam_jwt.conf"
	cat > "$T/ns/run.sh" <<-EOF
		set -e
		mount --bind "$T/ns/pam.d" /etc/pam.d
		mount --bind "$T/ns/configs" /usr/share/pam-configs
		mount --bind "$T/ns/varlib" /var/lib/pam
		mount --bind "$T/ns/security" /etc/security
		mount --bind "$T/ns/pamlib" $PAMLIB
		DEBIAN_FRONTEND=noninteractive pam-auth-update --enable jwt
		cp /etc/pam.d/common-auth "$T/ns/common-auth.written"
		for s in su login runuser xrdp-sesman; do
			[ -e /etc/pam.d/\$s ] || continue
			echo "== \$s"
			printf '\n\n' | timeout 30 pamtester -v \$s alice authenticate 2>&1 || true
		done
	EOF
	before=$(reqs)
	timeout 300 unshare --mount --propagation private bash "$T/ns/run.sh" > "$T/ns/out" 2>&1 ||
		fail "pamtester namespace run: $(tail -5 "$T/ns/out")"
	grep '^auth.*pam_jwt' "$T/ns/common-auth.written" | sed 's/^/# common-auth: /'
	grep -q '^auth.*pam_jwt\.so.*nodevice' "$T/ns/common-auth.written" &&
		pass "pam-auth-update writes pam_jwt with nodevice" || fail "common-auth: $(cat "$T/ns/common-auth.written")"
	sed 's/^/# | /' "$T/ns/out"
	for s in su login runuser; do
		part=$(sed -n "/^== $s\$/,/^== /p" "$T/ns/out")
		[ -n "$part" ] || continue
		grep -q "Password or token: " <<< "$part" && pass "pamtester $s: the profile's prompt says \"Password or token: \"" ||
			fail "pamtester $s: $part"
		if grep -q "browser\|To sign in" <<< "$part"; then fail "pamtester $s: the flow was offered: $part"
		else pass "pamtester $s: no device flow"; fi
	done
	part=$(sed -n '/^== xrdp-sesman$/,$p' "$T/ns/out")
	if grep -q "browser\|To sign in" <<< "$part"; then fail "pamtester xrdp-sesman: the flow was offered: $part"
	else pass "pamtester xrdp-sesman (shipped stanza, nodevice): no device flow"; fi
	expect_eq "$(reqs)" "$before" "pamtester: no request reached the provider"
else
	skip "the profile run: pamtester or pam-auth-update missing"
fi
expect_eq "$(pgrep -fc "pam-jwt device --config $T/" || true)" 0 "no helper left"
finish
