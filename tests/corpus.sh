#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every token minted by python3-jwcrypto (tests/vectors/mint_jwcrypto.py):
# all algorithms accepted, the negative corpus rejected with the expected
# reason, through `pam-jwt check` (the module's own code path), fixed clock.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
setup_nss
# The published vectors must also verify with the independent implementation.
"$PYTHON" "$top_srcdir/tests/vectors/rfc/check_rfc.py" || fail "RFC vectors vs python3-jwcrypto"
mint "$T/v"
write_config "$T/main.conf" main "$T/v"
write_config "$T/restricted.conf" restricted "$T/v"

NOW=1700000100
n=0
while IFS=$'\t' read -r name conf user want desc; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	rc=0
	out=$("$PAMJWT" check --quiet --config "$T/$conf.conf" --user "$user" --at "$NOW" - \
		< "$T/v/$name.jwt") || rc=$?
	got=$(printf '%s\n' "$out" | sed -n 's/^REJECTED (\([A-Z_]*\)).*/\1/p; s/^ACCEPTED.*/OK/p')
	want_rc=1; [ "$want" = OK ] && want_rc=0
	if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		pass "$name ($desc): $out"
	else
		fail "$name ($desc): want $want/exit $want_rc, got '$out' exit $rc"
	fi
done < "$T/v/cases.tsv"
echo "# $n cases"
[ "$n" -ge 60 ] || fail "corpus has only $n cases"

# The same verdicts without --quiet print each step before the verdict line.
out=$("$PAMJWT" check --config "$T/main.conf" --user alice --at $NOW - < "$T/v/exp_past.jwt" || true)
case $out in *"step"*"REJECTED (EXPIRED): token expired at"*) pass "check explains steps" ;;
	*) fail "check output: $out" ;; esac
finish
