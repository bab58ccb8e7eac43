#!/bin/sh
# Side-by-side start-up benchmark: /bin/true in a busybox root under persona and its peers.
#
#   bench/run.sh [PERSONA]          (make bench runs bench/run.sh build/persona)
#
# Environment: BENCH_RUNS (timed runs per peer, default 30), BENCH_WARMUP (untimed runs first,
# default 3).  Needs root, hyperfine, busybox-static; crun, runc and bwrap are measured when
# installed.  Figures go to stdout only; progress and errors to stderr.  See bench/README.md.
set -eu

persona=${1:-build/persona}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
busybox=/bin/busybox

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: the peers create namespaces and cgroups"
command -v hyperfine >/dev/null 2>&1 || die "hyperfine is not installed (make deps)"
case $runs in '' | *[!0-9]*) die "BENCH_RUNS must be a number, not '$runs'" ;; esac
case $warmup in '' | *[!0-9]*) die "BENCH_WARMUP must be a number, not '$warmup'" ;; esac
[ "$runs" -ge 30 ] || say "warning: BENCH_RUNS=$runs; medians of fewer than 30 runs are noisy"
# The rootfs needs a busybox that runs without the host's libraries.
if ! [ -x "$busybox" ] || ! "$busybox" --list-full >/dev/null 2>&1; then
	die "$busybox is missing (apt-get install busybox-static)"
fi
case $persona in /*) ;; *) persona=$PWD/$persona ;; esac

tmp=$(mktemp -d /tmp/persona-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Container ids: unique to this benchmark run, and to each timed run through the pid of the
# shell hyperfine starts for it ($$ below is expanded by that shell, not by this script).
idprefix=bench-$$-$(date +%s)

# The busybox root filesystem the OCI peers and bwrap use: the static busybox and one symlink per
# applet, at the paths busybox itself lists.
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$rootfs/$applet" ] && continue
	mkdir -p "$rootfs/${applet%/*}"
	ln -s /bin/busybox "$rootfs/$applet"
done

# An OCI bundle from the runtime's own default spec, running /bin/true without a terminal, its
# root the shared busybox tree (by absolute path: runc refuses a rootfs that is a symlink).
make_bundle() { # RUNTIME DIR
	mkdir -p "$2"
	(cd "$2" && "$1" spec) || return 1
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e 's/^\([[:space:]]*\)"sh"$/\1"\/bin\/true"/' \
		-e "s|\"path\": \"rootfs\"|\"path\": \"$rootfs\"|" "$2/config.json"
	if ! grep -q '"/bin/true"' "$2/config.json" || ! grep -q "\"path\": \"$rootfs\"" "$2/config.json"; then
		say "$1 spec: unexpected config.json layout"
		return 1
	fi
}

# One peer: NAME, then the shell command hyperfine times.  Statistics land in $tmp/NAME.csv.
# Extra hyperfine wrappers (unshare for crun) come from $wrap.
wrap=
measure() { # NAME COMMAND
	say "$1: $runs runs (+$warmup warm-up): $2"
	# shellcheck disable=SC2086 # $wrap is a word list on purpose
	if $wrap hyperfine --style none --runs "$runs" --warmup "$warmup" \
		--command-name "$1" --export-csv "$tmp/$1.csv" "$2" >"$tmp/$1.log" 2>&1; then
		return 0
	fi
	# hyperfine hides the command's own output; run it once more to show why it failed.
	rc=0
	# shellcheck disable=SC2086
	$wrap sh -c "$2" >"$tmp/$1.out" 2>&1 || rc=$?
	sed 's/^/  /' "$tmp/$1.log" "$tmp/$1.out" >&2
	printf 'failed (exit %s) %s\n' "$rc" "$(head -n 1 "$tmp/$1.out")" >"$tmp/$1.status"
	rm -f "$tmp/$1.csv"
}
skip() { # NAME REASON
	say "$1: $2"
	echo "$2" >"$tmp/$1.status"
}

peers="persona persona-limits crun runc bwrap unshare"

# persona: the embedded default busybox image, with persona's defaults (seccomp, capabilities,
# no_new_privs); then the same with resource limits, which add cgroup writes.
if [ -x "$persona" ]; then
	measure persona "$persona run --rm busybox /bin/true"
	measure persona-limits "$persona run --rm --memory 256m --pids-limit 64 --cpus 1 busybox /bin/true"
else
	skip persona "not built ($persona)"
	skip persona-limits "not built ($persona)"
fi

# crun refuses a hybrid host (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified).
# Hide that mount in a private mount namespace that runs the whole crun measurement, so the
# unshare is paid once and not by every timed run.
if command -v crun >/dev/null 2>&1 && make_bundle crun "$tmp/crun"; then
	fstype=$(stat -f -c %T /sys/fs/cgroup 2>/dev/null || echo unknown)
	if [ "$fstype" != cgroup2fs ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
		crun_note="hybrid cgroups: measured inside unshare -m after umount /sys/fs/cgroup/unified"
		cat >"$tmp/crun-wrap.sh" <<-'EOF'
			#!/bin/sh
			umount /sys/fs/cgroup/unified || exit 1
			exec "$@"
		EOF
		chmod +x "$tmp/crun-wrap.sh"
		wrap="unshare -m --propagation private $tmp/crun-wrap.sh"
	fi
	measure crun "crun run --bundle $tmp/crun $idprefix-crun-\$\$"
	wrap=
else
	skip crun "not installed or crun spec failed"
fi

if command -v runc >/dev/null 2>&1 && make_bundle runc "$tmp/runc"; then
	measure runc "runc run --bundle $tmp/runc $idprefix-runc-\$\$"
else
	skip runc "not installed or runc spec failed"
fi

if command -v bwrap >/dev/null 2>&1; then
	measure bwrap "bwrap --unshare-all --die-with-parent --ro-bind $rootfs / --proc /proc --dev /dev /bin/true"
else
	skip bwrap "not installed"
fi

# The floor: new PID and mount namespaces and a fresh /proc, with the host's own true.
measure unshare "unshare -fp --mount-proc true"

# Leftovers a peer failed to clean up would skew the next run; report them.
for rt in runc crun; do
	command -v $rt >/dev/null 2>&1 || continue
	left=$($rt list -q 2>/dev/null | grep -c "^$idprefix-" || true)
	[ "$left" = 0 ] || say "warning: $rt left $left containers named $idprefix-*"
done

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
field() { # NAME COLUMN -> value in ms
	awk -F, -v col="$2" 'NR == 2 { printf "%.2f", $col * 1000 }' "$tmp/$1.csv"
}
crun_median=
[ -f "$tmp/crun.csv" ] && crun_median=$(field crun 4)

echo
echo "persona bench: /bin/true in a busybox root; hyperfine, $runs runs each after $warmup warm-up"
echo "host: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-16s %10s %18s %10s %14s\n' peer "median ms" "mean ± sd ms" "min ms" "ratio to crun"
for p in $peers; do
	if [ -f "$tmp/$p.csv" ]; then
		med=$(field "$p" 4)
		ratio=n/a
		[ -n "$crun_median" ] && ratio=$(awk -v a="$med" -v b="$crun_median" 'BEGIN { printf "%.2fx", a / b }')
		printf '%-16s %10s %18s %10s %14s\n' "$p" "$med" "$(field "$p" 2) ± $(field "$p" 3)" \
			"$(field "$p" 7)" "$ratio"
	else
		printf '%-16s %s\n' "$p:" "$(cat "$tmp/$p.status")"
	fi
done
echo
echo "persona: persona run --rm busybox /bin/true (seccomp, capabilities, no_new_privs on);"
echo "persona-limits adds --memory 256m --pids-limit 64 --cpus 1."
echo "crun, runc: 'run' of a bundle from their own 'spec' (no seccomp profile, no limits)."
[ -n "${crun_note:-}" ] && echo "crun: $crun_note."
echo "bwrap: --unshare-all over the same busybox root.  unshare: -fp --mount-proc, the floor."
exit 0
