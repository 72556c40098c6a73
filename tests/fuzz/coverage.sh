#!/bin/bash
# Source coverage of a harness's corpus (clang source-based coverage).
#
#   tests/fuzz/coverage.sh HARNESS [CORPUS_DIR...]   (default: corpus/HARNESS)
#
# Builds fuzz_HARNESS with -fprofile-instr-generate -fcoverage-mapping (no
# sanitizers) into $FUZZ_BUILD/cov, runs it once over the corpus (-runs=0)
# and prints llvm-cov's report for the lib/ files, e.g. the line and branch
# coverage of lib/revoke.c that tests/fuzz/README.md quotes.
# Needs clang and llvm-profdata/llvm-cov (Debian: clang, llvm).
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
t=${1:?usage: $0 HARNESS [CORPUS_DIR...]}
shift
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$here/corpus/$t")
build=${FUZZ_BUILD:-$here/build}/cov
CC=${CC:-clang}
prof=$(command -v llvm-profdata || command -v llvm-profdata-14) || { echo "llvm-profdata not found" >&2; exit 2; }
cov=$(command -v llvm-cov || command -v llvm-cov-14) || { echo "llvm-cov not found" >&2; exit 2; }
mkdir -p "$build"
confdir=${top_builddir:-$top}
[ -f "$confdir/config.h" ] || { confdir=$build; printf '#define _GNU_SOURCE 1\n' > "$build/config.h"; }
# shellcheck disable=SC2046
$CC -g -O0 -std=gnu11 -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer \
	-I"$confdir" -I"$top/lib" -I"$here" $(pkg-config --cflags libcrypto json-c) \
	"$here/fuzz_$t.c" "$top"/lib/*.c $(pkg-config --libs libcrypto json-c) -lm -o "$build/fuzz_$t"
rm -f "$build/$t.profraw"
LLVM_PROFILE_FILE=$build/$t.profraw FUZZ_TMPDIR=$build "$build/fuzz_$t" -runs=0 "${dirs[@]}" \
	> "$build/$t.log" 2>&1
"$prof" merge -sparse "$build/$t.profraw" -o "$build/$t.profdata"
"$cov" report "$build/fuzz_$t" -instr-profile="$build/$t.profdata" "$top"/lib/*.c 2>/dev/null |
	awk 'NR <= 2 || /\.c / || /^TOTAL/'
