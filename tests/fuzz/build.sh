#!/bin/sh
# Build the libFuzzer target for persona's PE32+ parser.
#
#   tests/fuzz/build.sh [OUTDIR]     default: tests/fuzz/out (git-ignored)
#
# Compiles winapi-shim/loader/pe_parse.c and common/error.c (the parser's only
# dependency) with the fuzz target, using clang with
# -fsanitize=fuzzer,address,undefined.  Writes OUTDIR/fuzz_pe_parse, and
# OUTDIR/fuzz_pe_load (pe_load.c and pe_modules.c too, the builtin DLLs
# stubbed).
# Needs Debian's clang-14 (apt-get install clang-14; libFuzzer ships in
# libclang-rt-14-dev, a dependency).  CLANG overrides the compiler.
# Exit 0 built, 2 when clang is missing, 1 on a build failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/out}

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang-14 clang; do
		if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
	done
fi
if [ -z "$CLANG" ]; then
	echo "build.sh: clang not found (apt-get install clang-14)" >&2
	exit 2
fi
mkdir -p "$out"

flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -I$root -fno-omit-frame-pointer \
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -Wall -Wextra -Wno-unused-parameter"

# shellcheck disable=SC2086 # $flags is a word list on purpose
"$CLANG" $flags -o "$out/fuzz_pe_parse.tmp" \
	"$here/fuzz_pe_parse.c" \
	"$root/winapi-shim/loader/pe_parse.c" \
	"$root/common/error.c"
mv "$out/fuzz_pe_parse.tmp" "$out/fuzz_pe_parse"
echo "$out/fuzz_pe_parse"

# The loader: parse, map, relocate, bind (builtins stubbed in the target).
# shellcheck disable=SC2086
"$CLANG" $flags -o "$out/fuzz_pe_load.tmp" \
	"$here/fuzz_pe_load.c" \
	"$root/winapi-shim/loader/pe_parse.c" \
	"$root/winapi-shim/loader/pe_load.c" \
	"$root/winapi-shim/loader/pe_modules.c" \
	"$root/common/error.c"
mv "$out/fuzz_pe_load.tmp" "$out/fuzz_pe_load"
echo "$out/fuzz_pe_load"
