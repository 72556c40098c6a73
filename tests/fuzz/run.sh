#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer harnesses of tests/fuzz and run each for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS_EACH] [HARNESS...]      (default 60; all harnesses)
#
# Harnesses: token jwks config meta claims signed signed_keys revoked usermap
# dcode devproto (fuzz_NAME.c).  Without HARNESS arguments the four small
# line formats (revoked usermap dcode devproto) get a third of SECONDS_EACH
# (at least 1): their committed corpus already covers what a 30-minute run
# reached, so CI spends its time on the token paths.
# First replays the inputs in regress/NAME-* (once-crashing inputs), then
# fuzzes; prints one line per harness,
# "fuzz NAME: N execs, E exec/s, C crashes (T timeouts)", and the crash
# files; exits 1 if any harness crashed, leaked, hung, failed a regress input
# or could not be built.
#
# Needs (Debian bookworm): clang (clang-14) and libclang-rt-14-dev (the
# libFuzzer runtime libclang_rt.fuzzer-x86_64.a), libssl-dev, libjson-c-dev, liblmdb-dev,
# pkg-config.  python3-jwcrypto only to regenerate seeds (make_seeds.py).
#   apt-get install clang libclang-rt-14-dev libssl-dev libjson-c-dev pkg-config
#
# Environment:
#   FUZZ_BUILD   build and scratch dir (default tests/fuzz/build, git-ignored)
#   CC           compiler (default clang)
#   FUZZ_FRESH=1 start from the committed seeds only (else the scratch corpus
#                grown by earlier runs is reused; seeds are always copied in)
#   FUZZ_ARGS    extra libFuzzer flags, e.g. "-jobs=4 -workers=4" or "-seed=1"
#   FUZZ_TIMEOUT per-input time limit in seconds (libFuzzer -timeout, default 5):
#                an input that runs longer (a loop) is a finding, not a hang
#   FUZZ_RSS_MB  memory limit (libFuzzer -rss_limit_mb, default 2048)
# config.h comes from the configured tree (top_builddir, default the repo
# root); without one a minimal config.h is generated in the build dir.
# The committed corpus under tests/fuzz/corpus is never written to.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
top_builddir=${top_builddir:-$top}
secs=${1:-60}
shift || true
all="token jwks config meta claims signed signed_keys revoked usermap dcode devproto"
small=" revoked usermap dcode devproto "
targets=${*:-$all}
split_small=$([ $# -eq 0 ] && echo 1 || echo 0)
build=${FUZZ_BUILD:-$here/build}
CC=${CC:-clang}
per_input=${FUZZ_TIMEOUT:-5}
rss=${FUZZ_RSS_MB:-2048}

case $secs$per_input$rss in ''|*[!0-9]*) echo "usage: $0 [SECONDS_EACH] [HARNESS...]" >&2; exit 2;; esac
for t in $targets; do
	[ -f "$here/fuzz_$t.c" ] || { echo "no harness fuzz_$t.c (have: $all)" >&2; exit 2; }
done
command -v "$CC" >/dev/null || { echo "$CC not found: apt-get install clang libclang-rt-14-dev" >&2; exit 2; }
command -v timeout >/dev/null || { echo "timeout(1) not found" >&2; exit 2; }
deps=$(pkg-config --cflags --libs libcrypto json-c lmdb) || { echo "need libssl-dev libjson-c-dev liblmdb-dev" >&2; exit 2; }

mkdir -p "$build/obj" "$build/crashes" "$build/logs" || exit 2
if [ -f "$top_builddir/config.h" ]; then
	confdir=$top_builddir
else
	confdir=$build/gen
	mkdir -p "$confdir"
	printf '/* minimal config.h for the fuzz build */\n#define _GNU_SOURCE 1\n' > "$confdir/config.h"
fi

# Same sanitizers as configure --enable-sanitizers, plus libFuzzer coverage.
# -fno-sanitize-recover: a UBSan report aborts, so libFuzzer keeps the input.
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter $san -I$confdir -I$top/lib -I$here $(pkg-config --cflags libcrypto json-c lmdb)"
libs="$(pkg-config --libs libcrypto json-c lmdb) -lm"

echo "# building in $build with $($CC --version | head -1)"
objs=()
pids=()
for src in "$top"/lib/*.c; do
	obj=$build/obj/$(basename "${src%.c}").o
	objs+=("$obj")
	$CC $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj" 2> "$obj.err" &
	pids+=($!)
done
bad=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { cat "${objs[$i]}.err" >&2; bad=1; }
done
[ $bad -eq 0 ] || { echo "build of lib/*.c failed" >&2; exit 1; }
for t in $targets; do
	$CC $cflags -fsanitize=fuzzer "$here/fuzz_$t.c" "${objs[@]}" $libs -o "$build/fuzz_$t" ||
		{ echo "build of fuzz_$t failed" >&2; exit 1; }
done

dict_for() {
	case $1 in token) echo token;; jwks|claims) echo json;; signed*) echo signed;; *) echo "$1";; esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=()
for t in $targets; do
	# fuzz_token's key directory: here, not /tmp, so a crash leaves nothing behind.
	export FUZZ_TMPDIR=$build/tmp
	rm -rf "$FUZZ_TMPDIR" && mkdir -m 0700 -p "$FUZZ_TMPDIR"
	# Inputs that once crashed this harness (regress/NAME-*): replayed, not fuzzed.
	regress=("$here"/regress/"$t"-*)
	if [ -e "${regress[0]}" ]; then
		rlog=$build/logs/regress_$t.log
		timeout -k 10 120 "$build/fuzz_$t" -timeout="$per_input" -rss_limit_mb="$rss" "${regress[@]}" > "$rlog" 2>&1
		rc=$?
		line="regress $t: ${#regress[@]} inputs"
		if [ $rc -ne 0 ]; then
			failed=1
			line="$line, FAILED (exit $rc; log $rlog)"
			echo "$line"
			grep -E '^(Running:|==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz property violated|ALARM)' "$rlog" | head -6 | sed 's/^/#   /'
		else
			line="$line, all pass"
			echo "$line"
		fi
		summary+=("$line")
	fi
	work=$build/corpus/$t
	[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
	mkdir -p "$work"
	cp "$here/corpus/$t"/* "$work"/ 2>/dev/null
	log=$build/logs/fuzz_$t.log
	dict=$here/dict/$(dict_for "$t").dict
	dictarg=()
	[ -f "$dict" ] && dictarg=(-dict="$dict")
	tsecs=$secs
	if [ "$split_small" = 1 ] && [ "${small#* $t }" != "$small" ]; then
		tsecs=$((secs / 3))
		[ "$tsecs" -ge 1 ] || tsecs=1
	fi
	echo "# fuzz_$t: ${tsecs}s, corpus $work ($(ls "$work" | wc -l) files), log $log"
	# The backstop: libFuzzer stops itself at max_total_time; timeout kills
	# a hung process (start-up, a stuck input past -timeout, a stuck exit).
	# shellcheck disable=SC2086
	timeout -k 10 $((tsecs + 120)) "$build/fuzz_$t" -max_total_time="$tsecs" -max_len=20000 \
		-timeout="$per_input" -rss_limit_mb="$rss" -print_final_stats=1 "${dictarg[@]}" \
		-artifact_prefix="$build/crashes/$t-" ${FUZZ_ARGS:-} "$work" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	crashes=$(grep -c 'Test unit written to' "$log")
	timeouts=$(grep -c 'ERROR: libFuzzer: timeout' "$log")
	line="fuzz $t: ${execs:-?} execs, ${rate:-?} exec/s, $crashes crashes ($timeouts timeouts)"
	if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
		failed=1
		[ $rc -eq 124 ] || [ $rc -eq 137 ] && line="$line (killed by the ${tsecs}+120s backstop)"
		line="$line (exit $rc)"
	fi
	echo "$line"
	summary+=("$line")
	if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz property violated|ALARM|.*Test unit written to)' "$log" | head -8 | sed 's/^/#   /'
		for f in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
			echo "#   crash file: $f"
			echo "#   reproduce:  $build/fuzz_$t $f"
		done
	fi
done
rm -rf "$build/tmp"
echo "# --- summary (${secs}s each$([ "$split_small" = 1 ] && echo ", the small line formats $(( secs / 3 ))s")) ---"
printf '%s\n' "${summary[@]}"
exit $failed
