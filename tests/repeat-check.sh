#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/repeat-check.sh [N] [JOBS]: run `make -jJOBS check` N times in a row
# (default 10 and 4) in an already configured and built tree, and say how
# many passed.  Each run's test-suite.log is kept as test-suite.K.log; a
# failed run also names its failed tests.  Exit 0 only if every run passed.
# What the parallel suite must stand: tests that share no port, no file
# and no state, on a machine with fewer cores than jobs (issue 21).
set -u
n=${1:-10}
jobs=${2:-4}
passed=0
for k in $(seq "$n"); do
	t0=$(date +%s)
	if timeout 3600 make -j"$jobs" check > "repeat-check.$k.out" 2>&1; then
		passed=$((passed + 1))
		result=pass
	else
		result="FAIL: $(grep -E '^(FAIL|ERROR):' "repeat-check.$k.out" | tr '\n' ' ')"
	fi
	cp test-suite.log "test-suite.$k.log" 2> /dev/null
	echo "run $k/$n: $result ($(($(date +%s) - t0)) s; $(grep -E '^# (PASS|SKIP|FAIL|ERROR):' "repeat-check.$k.out" | tr -s ' ' | tr '\n' ' '))"
done
echo "make -j$jobs check: $passed of $n runs passed"
[ "$passed" = "$n" ]
