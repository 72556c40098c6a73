#!/bin/bash
# Logins under load through real libpam, warm cache, mixed valid and invalid:
#   200 logins in 8 parallel processes -> every valid one accepted, every
#   invalid one refused, no crash; then 400 logins in one process -> no
#   descriptor and no memory growth per login after warm-up.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root"; exit 77; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
V=$T/live
mkdir -p "$V" "$T/pam.d"
"$PYTHON" "$top_srcdir/tests/pam/mint_live.py" "$V" carol
printf 'not-a-token-just-a-password' > "$V/password.jwt"
printf 'eyJhbGciOiJFUzI1NiJ9.%s.x' "$(head -c 300 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d =)" \
	> "$V/garbage.jwt"

test_issuer "$V/jwks.json" "groups_claim = groups" "group_map = ops operators" > "$T/jwt.conf"
# The module in front of pam_deny, as sshd would stack it without pam_unix.
printf 'auth sufficient %s config=%s\nauth required pam_deny.so\n' "$MODULE" "$T/jwt.conf" \
	> "$T/pam.d/load"
setup_nss

# valid: ES256 and RS256 tokens for alice; invalid: seven kinds of refusal.
valid="ok ok_rsa"
invalid="expired wrong_aud other_user bad_sig truncated password garbage"
mklist() { # N -> N lines, cycling through every case
	local i=0 c cases=()
	for c in $valid; do cases+=("PAM_SUCCESS $V/$c.jwt"); done
	for c in $invalid; do cases+=("PAM_AUTH_ERR $V/$c.jwt"); done
	for ((i = 0; i < $1; i++)); do echo "${cases[i % ${#cases[@]}]}"; done
}

# --- 200 logins, 8 processes in parallel -----------------------------------
for p in 1 2 3 4 5 6 7 8; do mklist 25 > "$T/list.$p"; done
t0=$(date +%s%N)
for p in 1 2 3 4 5 6 7 8; do
	"$DRIVER" "$T/pam.d" load alice --loop "$T/list.$p" > "$T/out.$p" 2>&1 &
done
crashed=0
for p in 1 2 3 4 5 6 7 8; do wait -n || crashed=$((crashed + 1)); done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
logins=$(cat "$T"/out.* | sed -n 's/^loop: logins=\([0-9]*\).*/\1/p' | paste -sd+ | bc)
mism=$(cat "$T"/out.* | sed -n 's/^loop: .*mismatches=\([0-9]*\).*/\1/p' | paste -sd+ | bc)
echo "# 200 logins in 8 parallel processes: $logins done in $ms ms, $mism mismatches"
expect_eq "$crashed" 0 "no process crashed or failed"
expect_eq "$logins" 200 "all 200 logins ran"
expect_eq "$mism" 0 "every valid token accepted, every invalid one refused"
grep -h '^mismatch' "$T"/out.* | head -5 || true

# --- one process, 400 logins: no growth per login --------------------------
mklist 400 > "$T/list.long"
out=$("$DRIVER" "$T/pam.d" load alice --loop "$T/list.long")
echo "# $out"
get() { sed -n "s/.* $1=\\([0-9-]*\\).*/\\1/p" <<< "$out"; }
expect_eq "$(get mismatches)" 0 "400 logins: no wrong answer"
expect_eq "$(get fds_end)" "$(get fds_warm)" "no descriptor left open per login"
growth=$(( $(get rss_kb_end) - $(get rss_kb_warm) ))
echo "# resident memory after 40 logins $(get rss_kb_warm) KiB, after 400 $(get rss_kb_end) KiB (+$growth)"
# 360 logins with even 1 KiB kept each would add 360 KiB; allow allocator noise.
[ "$growth" -le 128 ] && pass "no memory growth per login (+$growth KiB over 360 logins)" ||
	fail "memory grew by $growth KiB over 360 logins"
finish
