#!/bin/sh
# FreeBSD binaries under persona (syscall-xlat) against native Linux, side by side in one run:
#   1. per-system-call cost: getpid native on Linux; the bare SIGSYS mechanisms (seccomp
#      SECCOMP_RET_TRAP and Syscall User Dispatch with a handler that only writes rax); a FreeBSD
#      getpid translated by persona through each of its in-process back-ends; ptrace (no
#      back-end yet: reported as such);
#   2. a syscall-heavy Go program (the readloop fixture: 64-byte preads) as a FreeBSD binary under
#      persona vs its Linux build run natively;
#   3. a Go net/http server on 127.0.0.1, FreeBSD build under persona vs Linux build natively,
#      requests per second from a Go load generator (Linux build, native), bounded in requests
#      and time.
#
#   bench/freebsd/run.sh [PERSONA]        (default build/persona)
#
# Environment: BENCH_CALLS (getpid calls per run, default 200000), BENCH_READS (readloop reads,
# default 200000), BENCH_HTTP_CONNS (connections, 8), BENCH_HTTP_REQS (at most, 200000),
# BENCH_HTTP_TIME (at most, Go duration, 5s), BENCH_REPEAT (runs per figure; the best is kept,
# default 3).  Needs Go (golang-go) and a C compiler; no root.  Figures go to stdout only.
set -eu

persona=${1:-build/persona}
calls=${BENCH_CALLS:-200000}
reads=${BENCH_READS:-200000}
conns=${BENCH_HTTP_CONNS:-8}
reqs=${BENCH_HTTP_REQS:-200000}
htime=${BENCH_HTTP_TIME:-5s}
repeat=${BENCH_REPEAT:-3}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for v in "$calls" "$reads" "$conns" "$reqs" "$repeat"; do
	case $v in '' | *[!0-9]*) die "BENCH_* counts must be numbers, not '$v'" ;; esac
done
case $persona in /*) ;; *) persona=$PWD/$persona ;; esac
[ -x "$persona" ] || die "$persona is not built (make build/persona)"
command -v go >/dev/null 2>&1 || die "go not found (apt-get install golang-go)"
command -v cc >/dev/null 2>&1 || die "cc not found (apt-get install build-essential)"

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures=$("$top/tests/fixtures/freebsd/build.sh") || die "tests/fixtures/freebsd/build.sh failed"
cache=$fixtures/bench
mkdir -p "$cache"
export GOCACHE="$fixtures/.gocache" GOPATH="$fixtures/.gopath" GO111MODULE=off

# Build bench/freebsd/src/NAME for FreeBSD and Linux (Go) once per source change.
for name in getpid httpd load; do
	src=$here/src/$name
	sum=$( (go version; cat "$src"/*.go) | sha256sum | cut -d' ' -f1)
	if [ -f "$cache/$name.sum" ] && [ "$(cat "$cache/$name.sum")" = "$sum" ]; then continue; fi
	say "building $name"
	for os in freebsd linux; do
		(cd "$src" && GOOS=$os GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o "$cache/$name.$os" .)
	done
	echo "$sum" > "$cache/$name.sum"
done
cc -O2 -o "$cache/bare_trap" "$here/src/bare_trap.c"

tmp=$(mktemp -d /tmp/persona-bench-fbsd.XXXXXX)
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A private copy: build/persona may be rebuilt while the benchmark runs.
cp "$persona" "$tmp/persona"
persona=$tmp/persona

# best CMD...: run CMD $repeat times; its stdout is one number (lower is better); print the least.
best() {
	b=
	i=0
	while [ $i -lt "$repeat" ]; do
		v=$("$@") || die "$* failed"
		b=$(awk -v a="$v" -v b="$b" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }')
		i=$((i + 1))
	done
	echo "$b"
}

# seconds CMD...: wall time of one run of CMD, stdout discarded.
seconds() {
	t0=$(date +%s%N)
	"$@" >/dev/null || die "$* failed"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'; }

say "getpid: $calls calls per run, best of $repeat"
native=$(best "$cache/bare_trap" native "$calls")
native_go=$(best "$cache/getpid.linux" "$calls")
bare_sec=$(best "$cache/bare_trap" seccomp "$calls")
bare_sud=$(best "$cache/bare_trap" sud "$calls")
x_sec=$(best env PERSONA_XLAT_TRAP=seccomp "$persona" "$cache/getpid.freebsd" "$calls")
x_sud=$(best env PERSONA_XLAT_TRAP=sud "$persona" "$cache/getpid.freebsd" "$calls")
x_ptr=$(best env PERSONA_XLAT_TRAP=ptrace "$persona" "$cache/getpid.freebsd" "$((calls / 20))")

say "readloop: $reads reads of 64 bytes, best of $repeat"
rl_native=$(best seconds "$fixtures/readloop.linux" "$reads")
rl_sud=$(best seconds env PERSONA_XLAT_TRAP=sud "$persona" "$fixtures/readloop.freebsd" "$reads")
rl_sec=$(best seconds env PERSONA_XLAT_TRAP=seccomp "$persona" "$fixtures/readloop.freebsd" "$reads")

# SIGTERM, then SIGKILL after 5 s (a translated guest may see SIGTERM only when its current
# system call returns).
stop_server() {
	kill "$server" 2>/dev/null || true
	i=0
	while kill -0 "$server" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
}

# rps SERVER...: start the server, load it, stop it; prints requests per second.
rps() {
	: > "$tmp/listen"
	"$@" 127.0.0.1:0 > "$tmp/listen" 2> "$tmp/server.err" &
	server=$!
	i=0
	while ! grep -q listening "$tmp/listen" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { stop_server; die "$* did not start: $(cat "$tmp/server.err")"; }
		sleep 0.1
	done
	addr=$(awk '{ print $2 }' "$tmp/listen")
	out=$("$cache/load.linux" "http://$addr/" "$conns" "$reqs" "$htime") ||
		{ stop_server; die "load against $* failed"; }
	stop_server
	fails=$(echo "$out" | awk '{ print $3 }')
	[ "$fails" = 0 ] || say "warning: $fails failed requests against $*"
	echo "$out" | awk '{ print $1 }'
}

# most: as best, for figures where higher is better.
most() {
	b=
	i=0
	while [ $i -lt "$repeat" ]; do
		v=$("$@") || die "$* failed"
		b=$(awk -v a="$v" -v b="$b" 'BEGIN { print (b == "" || a + 0 > b + 0) ? a : b }')
		i=$((i + 1))
	done
	echo "$b"
}

say "http: $conns connections, at most $reqs requests or $htime, best of $repeat"
http_native=$(most rps "$cache/httpd.linux")
http_sud=$(most rps env PERSONA_XLAT_TRAP=sud "$persona" "$cache/httpd.freebsd")
http_sec=$(most rps env PERSONA_XLAT_TRAP=seccomp "$persona" "$cache/httpd.freebsd")

us() { awk -v a="$1" 'BEGIN { printf "%.3f us", a / 1000 }'; }

echo "# FreeBSD amd64 binaries under persona vs native Linux ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), wall time, best of $repeat)"
echo
echo "## getpid, per call ($calls calls)"
printf '%-52s %12s %10s %10s\n' "what" "per call" "vs native" "vs bare"
printf '%-52s %12s %10s %10s\n' "native Linux (C, raw syscall)" "$(us "$native")" 1.00x -
printf '%-52s %12s %10s %10s\n' "native Linux (Go RawSyscall, Linux build)" "$(us "$native_go")" "$(ratio "$native_go" "$native")" -
printf '%-52s %12s %10s %10s\n' "bare seccomp SIGSYS trap (C handler, no translation)" "$(us "$bare_sec")" "$(ratio "$bare_sec" "$native")" 1.00x
printf '%-52s %12s %10s %10s\n' "bare Syscall User Dispatch trap (C handler)" "$(us "$bare_sud")" "$(ratio "$bare_sud" "$native")" 1.00x
printf '%-52s %12s %10s %10s\n' "FreeBSD getpid (Go) via persona, seccomp trap" "$(us "$x_sec")" "$(ratio "$x_sec" "$native")" "$(ratio "$x_sec" "$bare_sec")"
printf '%-52s %12s %10s %10s\n' "FreeBSD getpid (Go) via persona, SUD trap" "$(us "$x_sud")" "$(ratio "$x_sud" "$native")" "$(ratio "$x_sud" "$bare_sud")"
printf '%-52s %12s %10s %10s\n' "FreeBSD getpid (Go) via persona, ptrace" "$(us "$x_ptr")" "$(ratio "$x_ptr" "$native")" "$(ratio "$x_ptr" "$bare_sec")"
echo "(ptrace: $((calls / 20)) calls; its 'vs bare' is against the bare seccomp trap)"
echo
echo "## readloop: $reads preads of 64 bytes (Go), whole run"
printf '%-52s %12s %10s\n' "what" "seconds" "vs native"
printf '%-52s %12s %10s\n' "Linux build, native" "$rl_native" 1.00x
printf '%-52s %12s %10s\n' "FreeBSD build via persona, SUD" "$rl_sud" "$(ratio "$rl_sud" "$rl_native")"
printf '%-52s %12s %10s\n' "FreeBSD build via persona, seccomp" "$rl_sec" "$(ratio "$rl_sec" "$rl_native")"
echo
echo "## net/http server on 127.0.0.1 ($conns keep-alive connections, <= $reqs requests, <= $htime; load generator native)"
printf '%-52s %12s %10s\n' "what" "requests/s" "of native"
printf '%-52s %12s %10s\n' "Linux build, native" "$http_native" 100%
printf '%-52s %12s %10s\n' "FreeBSD build via persona, SUD" "$http_sud" "$(awk -v a="$http_sud" -v b="$http_native" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
printf '%-52s %12s %10s\n' "FreeBSD build via persona, seccomp" "$http_sec" "$(awk -v a="$http_sec" -v b="$http_native" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
