#!/bin/bash
# pam-jwt's contract: --help, --version, exit codes 0/1/2, config errors
# named by file:line, tokens from stdin or argv.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

run() { rc=0; out=$("$PAMJWT" "$@" 2>&1) || rc=$?; }

run --help
expect_eq "$rc" 0 "--help exits 0"
case $out in *"check [--config PATH]"*) pass "--help shows check" ;; *) fail "--help: $out" ;; esac
run --version
expect_eq "$rc" 0 "--version exits 0"
case $out in "pam_jwt "[0-9]*) pass "--version: $out" ;; *) fail "--version: $out" ;; esac
run frobnicate
expect_eq "$rc" 2 "unknown command exits 2"
run
expect_eq "$rc" 2 "no command exits 2"
run check --bogus
expect_eq "$rc" 2 "unknown option exits 2"
run check --at yesterday x
expect_eq "$rc" 2 "bad --at exits 2"

printf '[issuer a]\nissuer = https://i.test\naudience = x\ncolour = blue\n' > "$T/bad.conf"
run check --config "$T/bad.conf" eyJ.x.y
expect_eq "$rc" 2 "config error exits 2"
case $out in *"bad.conf:4: unknown key \"colour\""*) pass "config error names file:line: $out" ;;
	*) fail "config error message: $out" ;; esac

printf '[issuer a]\nissuer = https://i.test\naudience = x\njwks_file = %s/none.jwks\n' "$T" > "$T/ok.conf"
chmod 0666 "$T/ok.conf"
run check --config "$T/ok.conf" eyJ.x.y
expect_eq "$rc" 2 "world-writable config refused"
case $out in *"writable by group or others"*) pass "says why: $out" ;; *) fail "$out" ;; esac
chmod 0644 "$T/ok.conf"
ln -s "$T/ok.conf" "$T/link.conf"
run check --config "$T/link.conf" eyJ.x.y
expect_eq "$rc" 2 "symlinked config refused"

rc=0; out=$(echo "hunter2" | "$PAMJWT" check --quiet --config "$T/ok.conf" -) || rc=$?
expect_eq "$rc" 1 "a password is rejected (exit 1)"
expect_eq "$out" "REJECTED (NOT_TOKEN): not a JWT" "and named as not a token"

run check --quiet --config "$T/ok.conf" "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
expect_eq "$rc" 1 "no keys: exit 1"
case $out in "REJECTED (NO_KEYS): no keys available: "*"none.jwks: No such file or directory") pass "$out" ;;
	*) fail "no keys message: $out" ;; esac
# refresh and status: usage and configuration errors are exit 2
run refresh --bogus
expect_eq "$rc" 2 "refresh: unknown option is exit 2"
run refresh --config "$T/ok.conf" --issuer nosuch
expect_eq "$rc" 2 "refresh: unknown --issuer is exit 2"
run status --config "$T/missing.conf"
expect_eq "$rc" 2 "status: missing config is exit 2"

# The shipped systemd units load (systemd-analyze, when systemd is installed).
if command -v systemd-analyze >/dev/null; then
	make -s -C "$top_builddir" conf/systemd/pam-jwt-refresh.service >/dev/null
	mkdir -p "$T/units"
	sed "s|^ExecStart=[^ ]*|ExecStart=$PAMJWT|" "$top_builddir/conf/systemd/pam-jwt-refresh.service" \
		> "$T/units/pam-jwt-refresh.service"
	cp "$top_srcdir/conf/systemd/pam-jwt-refresh.timer" "$T/units/"
	if out=$(systemd-analyze verify --man=no "$T/units/pam-jwt-refresh.service" \
		"$T/units/pam-jwt-refresh.timer" 2>&1); then
		pass "systemd-analyze verify: service and timer"
	else
		fail "systemd-analyze verify: $out"
	fi
else
	skip "systemd-analyze verify of the refresh units: systemd not installed"
fi
# Usage errors name the program; status shows the URL refresh fetches.
run check --bogus
grep -q "^pam-jwt check: unrecognized option '--bogus'" <<< "$out" &&
	pass "getopt errors name the program" || fail "getopt error: $out"
printf 'cache_dir = %s\n[issuer s]\nissuer = https://i.test/realm/\naudience = x\n' "$T" > "$T/slash.conf"
run status --config "$T/slash.conf"
grep -q "discovery https://i.test/realm/.well-known/openid-configuration$" <<< "$out" &&
	pass "status: no double slash after an issuer ending in /" || fail "status: $out"
# Every "#key = value" line of the shipped sample is valid once uncommented,
# trailing comment and all (the one comment rule, pam_jwt.conf(5)).
sample=$top_srcdir/conf/pam_jwt.conf
run status --config "$sample"
[ "$rc" != 2 ] && pass "shipped sample parses" || fail "shipped sample: $out"
n=0
while IFS=: read -r lineno _; do
	n=$((n + 1))
	sed "${lineno}s/^#//" "$sample" > "$T/uncommented.conf"
	run status --config "$T/uncommented.conf"
	[ "$rc" != 2 ] || fail "sample line $lineno uncommented: $out"
done < <(grep -n '^#[a-z_]* = ' "$sample")
[ "$n" -ge 20 ] && pass "$n commented-out sample lines each valid when uncommented" ||
	fail "only $n commented-out lines found in the sample"

# Lists: a malformed user_map_file or revocation list is named with its
# line by check and status, and status says the issuer would deny everything.
printf 'alice alice
broken-line
' > "$T/users"
printf 'jti ok
jti a b c
' > "$T/revoked"
printf '[issuer a]
issuer = https://i.test
audience = x
jwks_file = %s/none.jwks
user_map_file = %s/users
revoked_file = %s/revoked
' \
	"$T" "$T" "$T" > "$T/lists.conf"
run status --config "$T/lists.conf"
expect_eq "$rc" 1 "status: broken lists are exit 1"
case $out in *"users: DENIES EVERY TOKEN: line 2: "*) pass "status names user_map_file line 2" ;;
	*) fail "status user_map: $out" ;; esac
case $out in *"revoked: DENIES EVERY TOKEN: line 2: "*) pass "status names revoked_file line 2" ;;
	*) fail "status revoked: $out" ;; esac
printf 'alice alice   # the admin
# comment

bob bob
' > "$T/users"
printf 'jti ok   # leaked 2026-11-30
' > "$T/revoked"
run status --config "$T/lists.conf"
case $out in *"users: ok"*"revoked: ok"*) pass "status: valid lists with comments are ok" ;;
	*) fail "status valid lists: $out" ;; esac

# A hostile key set cannot drive the administrator's terminal.
printf '{"keys":[{"kty":"EC","crv":"P-256","kid":"\u001b[2J\nkey:        fake","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}' \
	> "$T/evil.jwks"
printf '[issuer a]
issuer = https://i.test
audience = x
jwks_file = %s/evil.jwks
' "$T" > "$T/evil.conf"
run status --config "$T/evil.conf"
if printf %s "$out" | LC_ALL=C grep -q $'\x1b'; then fail "status printed ESC from a kid"; else pass "status: no control characters from a kid"; fi
expect_eq "$(grep -c '^  key:' <<< "$out")" 1 "status: one key line, no forged one"

# Every config block in README.md is valid for the real parser.
awk '/^```ini$/ { on = 1; next } /^```$/ { on = 0 } on' "$top_srcdir/README.md" > "$T/readme.conf"
run status --config "$T/readme.conf"
n=$(grep -c '^\[issuer ' "$T/readme.conf")
if [ "$rc" != 2 ] && [ "$(grep -c '^\[issuer ' <<< "$out")" = "$n" ] && [ "$n" -ge 7 ]; then
	pass "README's $n [issuer] recipes parse"
else
	fail "README recipes (rc $rc): $out"
fi
finish
