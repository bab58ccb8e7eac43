#!/bin/sh
# Windows programs side by side: start-up of hello.exe under persona, under Debian's wine64 (warm
# and cold wineserver) and the same source's native Linux build; then a CPU-bound program under
# persona, wine64 and natively.
#
#   bench/windows/run.sh [PERSONA]      default build/persona
#
# Environment: BENCH_RUNS (timed runs per line, default 30), BENCH_WARMUP (untimed runs first,
# default 3), BENCH_CPU_ITER (cpuloop iterations, default its own 85,000,000),
# PERSONA_WIN_FIXTURES (the fixture cache, default /var/cache/persona-tests/windows; built with
# tests/fixtures/windows/build.sh when hello.exe is missing).  Needs hyperfine,
# gcc-mingw-w64-x86-64 and gcc; wine64 is measured when installed (apt-get install wine64).
# Figures go to stdout only; progress and errors to stderr.  See bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
persona=${1:-$root/build/persona}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
fixtures=${PERSONA_WIN_FIXTURES:-/var/cache/persona-tests/windows}
cpu_iter=${BENCH_CPU_ITER:-}
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
HOST_CC=${HOST_CC:-gcc}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v hyperfine >/dev/null 2>&1 || die "hyperfine is not installed (apt-get install hyperfine)"
case $runs in '' | *[!0-9]*) die "BENCH_RUNS must be a number, not '$runs'" ;; esac
case $warmup in '' | *[!0-9]*) die "BENCH_WARMUP must be a number, not '$warmup'" ;; esac
case $cpu_iter in *[!0-9]*) die "BENCH_CPU_ITER must be a number, not '$cpu_iter'" ;; esac
[ "$runs" -ge 30 ] || say "warning: BENCH_RUNS=$runs; medians of fewer than 30 runs are noisy"
case $persona in /*) ;; *) persona=$PWD/$persona ;; esac
command -v "$MINGW_CC" >/dev/null 2>&1 || die "$MINGW_CC not found (apt-get install gcc-mingw-w64-x86-64)"

if ! [ -f "$fixtures/hello.exe" ] || ! [ -f "$fixtures/hello.native" ]; then
	say "building the Windows fixtures into $fixtures"
	"$root/tests/fixtures/windows/build.sh" "$fixtures" >&2 || die "fixture build failed"
fi

tmp=$(mktemp -d /tmp/persona-winbench.XXXXXX)
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver 2>/dev/null || echo /nonexistent)
have_wine=no
[ -x "$wine" ] && [ -x "$wineserver" ] && have_wine=yes
export WINEPREFIX="$tmp/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY || true
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ "$have_wine" = yes ] && [ -d "$WINEPREFIX" ]; then
		"$wineserver" -k >/dev/null 2>&1 || true
		"$wineserver" -w >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The CPU-bound program, built both ways from one source with the same compiler version.
"$MINGW_CC" -O2 -Wall -o "$tmp/cpuloop.exe" "$here/src/cpuloop.c" || die "mingw build of cpuloop failed"
"$HOST_CC" -O2 -Wall -o "$tmp/cpuloop.native" "$here/src/cpuloop.c" || die "native build of cpuloop failed"
cp "$fixtures/hello.exe" "$fixtures/hello.native" "$tmp/"

# One line: NAME, then the command hyperfine runs directly (no shell: -N), then extra hyperfine
# options.  Statistics land in $tmp/NAME.csv.
measure() { # NAME COMMAND [HYPERFINE OPTIONS...]
	name=$1 cmd=$2
	shift 2
	say "$name: $runs runs (+$warmup warm-up): $cmd"
	if hyperfine -N --style none --runs "$runs" --warmup "$warmup" "$@" \
		--command-name "$name" --export-csv "$tmp/$name.csv" "$cmd" >"$tmp/$name.log" 2>&1; then
		return 0
	fi
	rc=0
	# shellcheck disable=SC2086 # $cmd is a word list on purpose
	$cmd >"$tmp/$name.out" 2>&1 || rc=$?
	sed 's/^/  /' "$tmp/$name.log" "$tmp/$name.out" >&2
	printf 'failed (exit %s) %s\n' "$rc" "$(head -n 1 "$tmp/$name.out")" >"$tmp/$name.status"
	rm -f "$tmp/$name.csv"
}
skip() { # NAME REASON
	say "$1: $2"
	echo "$2" >"$tmp/$1.status"
}

# The programs must give the native output before they are timed.
check_output() { # NAME EXPECTED-FILE COMMAND...
	name=$1 want=$2
	shift 2
	if ! "$@" >"$tmp/$name.check" 2>&1 || ! cmp -s "$tmp/$name.check" "$want"; then
		say "$name: output differs from the native build:"
		diff "$want" "$tmp/$name.check" | sed 's/^/  /' >&2 || true
		return 1
	fi
}
"$tmp/hello.native" >"$tmp/hello.want" 2>&1 || die "hello.native failed"
# shellcheck disable=SC2086
"$tmp/cpuloop.native" $cpu_iter >"$tmp/cpuloop.want" 2>&1 || die "cpuloop.native failed"

# Wine: a fresh prefix (no network: mono and gecko are turned off), then a wineserver kept
# alive with -p for the warm lines.  Cold = no wineserver running: each timed run is preceded
# by 'wineserver -k' and a wait for it to exit, so it pays the server's start and the prefix
# load, not the prefix creation.
if [ "$have_wine" = yes ]; then
	say "wine: creating the prefix in $WINEPREFIX (once, not timed)"
	if "$wine" wineboot --init </dev/null >"$tmp/wineboot.log" 2>&1; then
		"$wineserver" -w >/dev/null 2>&1 || true
		"$wineserver" -p || say "wineserver -p failed"
		wine_version=$("$wine" --version 2>/dev/null || echo unknown)
	else
		sed 's/^/  /' "$tmp/wineboot.log" | tail -n 20 >&2
		have_wine=no
		wine_reason="wineboot --init failed"
	fi
else
	wine_reason="not installed (apt-get install wine64)"
fi

# --- start-up: hello.exe -------------------------------------------------------------------
measure native "$tmp/hello.native"
if [ -x "$persona" ]; then
	if check_output persona "$tmp/hello.want" "$persona" run "$tmp/hello.exe"; then
		measure persona "$persona run $tmp/hello.exe"
	else
		skip persona "failed: output differs from hello.native"
	fi
else
	skip persona "not built ($persona)"
fi
if [ "$have_wine" = yes ]; then
	# Into a file, not a pipe: wine's services.exe and winedevice.exe inherit the output and
	# outlive the program.  wine writes "\r\n" for text-mode "\n"; compare without "\r".
	"$wine" "$tmp/hello.exe" </dev/null >"$tmp/wine.raw" 2>&1 || true
	tr -d '\r' <"$tmp/wine.raw" >"$tmp/wine.check"
	cmp -s "$tmp/wine.check" "$tmp/hello.want" || say "wine-warm: note: output differs from hello.native"
	measure wine-warm "$wine $tmp/hello.exe"
	"$wineserver" -k >/dev/null 2>&1 || true
	"$wineserver" -w >/dev/null 2>&1 || true
	measure wine-cold "$wine $tmp/hello.exe" \
		--prepare "sh -c '$wineserver -k >/dev/null 2>&1; $wineserver -w'"
	# warm again for cpuloop: the server the last cold run started may still be alive
	"$wineserver" -k >/dev/null 2>&1 || true
	"$wineserver" -w >/dev/null 2>&1 || true
	"$wineserver" -p || say "wineserver -p failed"
else
	skip wine-warm "$wine_reason"
	skip wine-cold "$wine_reason"
fi

# --- CPU-bound: cpuloop --------------------------------------------------------------------
measure cpu-native "$tmp/cpuloop.native $cpu_iter"
if [ -x "$persona" ]; then
	# shellcheck disable=SC2086
	if check_output cpu-persona "$tmp/cpuloop.want" "$persona" run "$tmp/cpuloop.exe" $cpu_iter; then
		measure cpu-persona "$persona run $tmp/cpuloop.exe $cpu_iter"
	else
		skip cpu-persona "failed: output differs from cpuloop.native"
	fi
else
	skip cpu-persona "not built ($persona)"
fi
if [ "$have_wine" = yes ]; then
	measure cpu-wine-warm "$wine $tmp/cpuloop.exe $cpu_iter"
else
	skip cpu-wine-warm "$wine_reason"
fi

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
field() { # NAME COLUMN -> value in ms
	awk -F, -v col="$2" 'NR == 2 { printf "%.2f", $col * 1000 }' "$tmp/$1.csv"
}
table() { # REFERENCE PEERS...
	ref=$1
	shift
	ref_median=
	[ -f "$tmp/$ref.csv" ] && ref_median=$(field "$ref" 4)
	printf '%-14s %10s %20s %10s %10s %16s\n' line "median ms" "mean ± sd ms" "min ms" "user ms" "ratio to native"
	for p in "$@"; do
		if [ -f "$tmp/$p.csv" ]; then
			med=$(field "$p" 4)
			ratio=n/a
			[ -n "$ref_median" ] && ratio=$(awk -v a="$med" -v b="$ref_median" 'BEGIN { printf "%.2fx", a / b }')
			printf '%-14s %10s %20s %10s %10s %16s\n' "$p" "$med" "$(field "$p" 2) ± $(field "$p" 3)" \
				"$(field "$p" 7)" "$(field "$p" 5)" "$ratio"
		else
			printf '%-14s %s\n' "$p:" "$(cat "$tmp/$p.status")"
		fi
	done
}

echo
echo "persona bench/windows: hyperfine -N, $runs runs each after $warmup warm-up"
echo "host: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $("$MINGW_CC" --version | head -n 1)"
[ "$have_wine" = yes ] && echo "wine: $wine_version"
echo
echo "start-up: hello.exe (printf/puts, mingw CRT) and its native Linux build"
table native native persona wine-warm wine-cold
echo
echo "CPU-bound: cpuloop ($(cut -d' ' -f2 "$tmp/cpuloop.want"), integer and floating-point arithmetic, -O2)"
table cpu-native cpu-native cpu-persona cpu-wine-warm
echo
echo "native: the host gcc build of the same source.  persona: persona run PROG.exe."
echo "wine-warm: $wine PROG.exe with a persistent wineserver (wineserver -p) and a ready prefix;"
echo "wine-cold: the same after 'wineserver -k' before every run (prefix kept, server restarted)."
exit 0
