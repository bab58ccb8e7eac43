#!/bin/sh
# Replay the kept PE corpus through the fuzz targets once: a regression check for CI (seconds).
# Every file in tests/fuzz/corpus/pe/ must parse or be refused cleanly (no ASan/UBSan report,
# no broken pe_parse contract; see fuzz_pe_parse.c), and load or be refused cleanly
# (fuzz_pe_load.c).  Builds the targets first when missing or older than their sources.
#
#   tests/fuzz/run-corpus.sh [TARGET]     default tests/fuzz/out/fuzz_pe_parse and
#                                         tests/fuzz/out/fuzz_pe_load
#
# Exit 0 all passed, 1 a file crashed the target (its name is in the output), 2 clang missing
# (the check is skipped: apt-get install clang-14).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${1:-$here/out/fuzz_pe_parse}
corpus=$here/corpus/pe

if [ $# -eq 0 ]; then
	stale=no
	[ -x "$target" ] || stale=yes
	[ -x "$here/out/fuzz_pe_load" ] || stale=yes
	for src in "$here/fuzz_pe_parse.c" "$here/fuzz_pe_load.c" "$root/winapi-shim/loader/pe_parse.c" \
		"$root/winapi-shim/loader/pe_load.c" "$root/winapi-shim/loader/pe_modules.c" \
		"$root/winapi-shim/loader/pe.h" "$root/common/error.c" "$root/common/error.h"; do
		[ "$stale" = yes ] && break
		[ -n "$(find "$src" -newer "$target" 2>/dev/null)" ] && stale=yes
	done
	if [ "$stale" = yes ]; then
		rc=0
		"$here/build.sh" >/dev/null || rc=$?
		[ $rc = 0 ] || exit $rc
	fi
fi
[ -x "$target" ] || { echo "run-corpus.sh: no fuzz target at $target" >&2; exit 1; }

n=$(find "$corpus" -type f | wc -l)
targets=$target
[ $# -eq 0 ] && [ -x "$here/out/fuzz_pe_load" ] && targets="$target $here/out/fuzz_pe_load"
for t in $targets; do
	# -runs=0 with directories: execute every file once, no mutation.
	if ! "$t" -runs=0 "$corpus" >"${TMPDIR:-/tmp}/persona-fuzz-replay.$$" 2>&1; then
		cat "${TMPDIR:-/tmp}/persona-fuzz-replay.$$" >&2
		rm -f "${TMPDIR:-/tmp}/persona-fuzz-replay.$$"
		echo "run-corpus.sh: $(basename "$t") FAILED (of $n inputs)" >&2
		exit 1
	fi
	rm -f "${TMPDIR:-/tmp}/persona-fuzz-replay.$$"
	echo "run-corpus.sh: $n inputs replayed through $(basename "$t"), no crash"
done
exit 0
