#!/bin/bash
# Desktop logins through real xrdp: time from `pam-jwt desktop-code` to the
# desktop's first frame on the RDP client, beside a password login through
# the same xrdp, in one run (tests/e2e/xrdp_desktop.sh without its refusal
# cases, XRDP_BENCH_ROUNDS rounds, default 5).  Prints figures; never fails
# a build.  Needs root and the packages of tests/deps.txt.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
out=$(XRDP_BENCH_ONLY=1 XRDP_BENCH_ROUNDS=${XRDP_BENCH_ROUNDS:-5} \
	timeout 900 bash "$top_srcdir/tests/e2e/xrdp_desktop.sh" 2>&1)
rc=$?
grep '^# ' <<< "$out" | grep -v '^# provider'
# 77 with the refusals left out (XRDP_BENCH_ONLY) is a whole benchmark run
grep -q '^ok - # SKIP the refusals and the next login (XRDP_BENCH_ONLY)$' <<< "$out" && [ "$rc" = 77 ] && rc=0
if [ "$rc" = 77 ]; then echo "# bench_rdp: skipped ($out)"; exit 0; fi
[ "$rc" = 0 ] || { echo "# bench_rdp: the run failed:"; grep '^not ok' <<< "$out"; }
exit 0
