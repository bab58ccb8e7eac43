#!/bin/sh
# Side-by-side image benchmark: pulling a ~130 MB (gzip) two-layer image from a local registry,
# and unpacking its layers, persona against skopeo, umoci and tar.
#
#   bench/images/run.sh [PERSONA]   (make bench runs bench/images/run.sh build/persona)
#
# The image (a debootstrap'd bookworm root, then the host's Go 1.19 tree) is built once
# into /var/cache/persona-tests/bench-image (PERSONA_BENCH_CACHE moves it).  Every timed run
# starts from the same state: a new output directory, `sync`, page cache dropped, input read.
# The outputs of all runs stay until the end: about 3 GB per round, on the disk of /tmp.
#
# Environment: BENCH_RUNS (timed runs per line, default 5; they go in rounds, see "measuring").  Needs root, skopeo, umoci,
# docker-registry, jq, a C compiler with libarchive-dev and libssl-dev; hyperfine when installed
# (else a shell loop).  Figures go to stdout only; progress and errors to stderr.
# See bench/images/README.md.
set -eu

persona=${1:-build/persona}
runs=${BENCH_RUNS:-5}
cache=${PERSONA_BENCH_CACHE:-/var/cache/persona-tests/bench-image}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

say() { printf 'bench-image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: dropping the page cache and persona's chown need it"
case $runs in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive number, not '$runs'" ;; esac
for tool in skopeo umoci docker-registry jq curl cc pkg-config; do
	command -v $tool >/dev/null 2>&1 || die "$tool is not installed (make deps)"
done
case $persona in /*) ;; *) persona=$PWD/$persona ;; esac
[ -x "$persona" ] || die "$persona is not built (make)"

# ---- the image, built once ----

# An OCI layout with one tag, "bench": layer 1 the bookworm minbase root the tests use (65 MB
# gzip), layer 2 the host's Go 1.19 tree without its prebuilt standard library, sources included
# (65 MB gzip, 13,000 small files, as in a language image).  umoci gzips each layer.
build_image() { # DIR
	rootfs=$("$top/tests/fixtures/debian-rootfs.sh")
	[ -d /usr/lib/go-1.19 ] || die "/usr/lib/go-1.19 is missing (apt-get install golang-go)"
	umoci init --layout "$1/oci"
	umoci new --image "$1/oci:bench"
	say "layer 1: $rootfs"
	tar -C "$rootfs" --numeric-owner -cf "$1/layer.tar" .
	umoci raw add-layer --image "$1/oci:bench" "$1/layer.tar"
	[ -d /usr/share/go-1.19/src ] || die "/usr/share/go-1.19/src is missing (apt-get install golang-go)"
	say "layer 2: /usr/lib/go-1.19 (without pkg/linux_amd64), /usr/share/go-1.19"
	tar -C / --numeric-owner -cf "$1/layer.tar" --exclude=usr/lib/go-1.19/pkg/linux_amd64 \
		usr/lib/go-1.19 usr/share/go-1.19
	umoci raw add-layer --image "$1/oci:bench" "$1/layer.tar"
	rm "$1/layer.tar"
	umoci config --image "$1/oci:bench" --config.cmd /bin/sh
	# persona load reads the same layout as an oci-archive.
	tar -C "$1/oci" -cf "$1/bench.oci.tar" .
}
mkdir -p "$(dirname "$cache")"
if ! [ -f "$cache/bench.oci.tar" ]; then
	# One build at a time; a killed build leaves no half cache (it is renamed into place).
	exec 9>"$cache.lock"
	flock 9
	if ! [ -f "$cache/bench.oci.tar" ]; then
		say "building the benchmark image into $cache (once)"
		rm -rf "$cache.tmp"
		mkdir "$cache.tmp"
		build_image "$cache.tmp" >&2 || die "building the image failed"
		rm -rf "$cache"
		mv "$cache.tmp" "$cache"
	fi
	exec 9>&-
fi

tmp=$(mktemp -d /tmp/persona-bench-image.XXXXXX)
regpid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$regpid" ]; then
		kill "$regpid" 2>/dev/null || true
		wait "$regpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The layers, in order, with their diff IDs (from the layout's manifest and config).
oci=$cache/oci
blob() { echo "$oci/blobs/${1%%:*}/${1#*:}"; }
manifest=$(blob "$(jq -r '.manifests[0].digest' "$oci/index.json")")
config=$(blob "$(jq -r '.config.digest' "$manifest")")
layers=$(jq -r '.layers[].digest' "$manifest")
diffs=$(jq -r '.rootfs.diff_ids[]' "$config")
nlayers=$(echo "$layers" | wc -l)
zbytes=$(jq '[.layers[].size] | add' "$manifest")
set --
i=1
for l in $layers; do
	set -- "$@" "$(blob "$l")" "$(echo "$diffs" | sed -n "${i}p")"
	i=$((i + 1))
done
rawbytes=0
files=0

# ---- the registry ----

# A free port: the first from 30000 up that nothing listens on.
port=30000
while ss -Hltn "sport = :$port" | grep -q .; do port=$((port + 1)); done
mkdir "$tmp/registry"
cat >"$tmp/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $tmp/registry/data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$tmp/registry/config.yml" >"$tmp/registry/log" 2>&1 &
regpid=$!
n=0
until curl -sf "http://127.0.0.1:$port/v2/" >/dev/null; do
	n=$((n + 1))
	[ $n -lt 100 ] || die "docker-registry did not answer on 127.0.0.1:$port ($(tail -n 1 "$tmp/registry/log"))"
	kill -0 "$regpid" 2>/dev/null || die "docker-registry exited: $(tail -n 1 "$tmp/registry/log")"
	sleep 0.1
done
ref=127.0.0.1:$port/bench:latest
say "pushing the image to $ref"
skopeo copy -q --dest-tls-verify=false "oci:$oci:bench" "docker://$ref" >&2 || die "skopeo could not push"

# ---- the unpack driver ----

# persona's layer step alone (bench/images/src/unpack_layers.c), built from this tree's sources.
# shellcheck disable=SC2046 # pkg-config prints a word list
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$top" -o "$tmp/unpack_layers" "$here/src/unpack_layers.c" \
	"$top/images/unpack.c" "$top/common/error.c" $(pkg-config --cflags --libs libarchive libcrypto) ||
	die "cannot build the unpack driver"

# ---- measuring ----

# The runs go in rounds: each round runs every line once, so a drift of the machine (the disk's
# background work, a neighbour's load) spreads over all lines instead of landing on one.  Every
# run writes to a new directory, and nothing is deleted until all rounds are done: on this kind
# of disk (ext4 mounted with discard) deleting 20,000 files is slow, its discards go on in the
# background, and ext4 then scans past the inodes freed in the last minute when it allocates;
# any of that would tax whichever line came next.  Before each run (untimed): `sync`, the page
# cache dropped, then the line's input read into it; each run starts with its input cached and
# nothing else, so the disk's read speed is out of the figures, the same for all.
blobs=
for l in $layers; do blobs="$blobs $(blob "$l")"; done
regblobs=$(find "$tmp/registry/data" -type f -name data | tr '\n' ' ')
ociblobs=$(find "$oci" -type f | tr '\n' ' ')
mkdir "$tmp/runs"
# The transfer alone: a new store each run, but its layer cache (STORE/../layers) shared and filled
# by one untimed pull first, as on a host that has the layers already; pull then downloads and
# checks the blobs and finds every layer unpacked.  Like for like with skopeo copy.
mkdir "$tmp/warm"
"$persona" pull -q --tls-verify=false --store "$tmp/warm/store" "$ref" >/dev/null ||
	die "persona pull from the local registry failed"

lines="persona-pull persona-pull-cached skopeo-copy persona-unpack persona-unpack-2pass persona-load umoci-unpack tar-xzf"
line() { # NAME OUT -> $inputs and $cmd of that line, writing to OUT
	case $1 in
	persona-pull)
		# persona keeps its layer cache next to the store (STORE/../layers): both below OUT.
		inputs=$regblobs
		cmd="$persona pull -q --tls-verify=false --store $2/store $ref >/dev/null" ;;
	persona-pull-cached)
		inputs=$regblobs
		cmd="$persona pull -q --tls-verify=false --store $tmp/warm/store-${2##*.} $ref >/dev/null" ;;
	skopeo-copy)
		inputs=$regblobs
		cmd="skopeo copy -q --src-tls-verify=false docker://$ref oci:$2:bench" ;;
	persona-unpack)
		inputs=$blobs
		cmd="mkdir $2 && $tmp/unpack_layers $2 $layerargs" ;;
	persona-unpack-2pass)
		inputs=$blobs
		cmd="mkdir $2 && $tmp/unpack_layers --two-pass $2 $layerargs" ;;
	persona-load)
		inputs=$cache/bench.oci.tar
		cmd="$persona load --store $2/store -i $cache/bench.oci.tar bench >/dev/null" ;;
	umoci-unpack)
		inputs=$ociblobs
		cmd="umoci unpack --rootless --image $oci:bench $2" ;;
	tar-xzf)
		# "tar -xzf BLOB -C OUT/N" per layer, as persona lays them out.
		inputs=$blobs
		cmd="mkdir $2"
		i=1
		for l in $layers; do
			cmd="$cmd && mkdir $2/$i && tar --numeric-owner -xzf $(blob "$l") -C $2/$i"
			i=$((i + 1))
		done ;;
	esac
}
layerargs=$*

# One run of one line: its time in seconds appended to $tmp/NAME.times; a failure goes to
# $tmp/NAME.status with the command's output on stderr, and the line is not run again.
measure() { # NAME ROUND
	line "$1" "$tmp/runs/$1.$2"
	prep="sync && echo 3 >/proc/sys/vm/drop_caches && cat $inputs >/dev/null"
	[ "$2" = 1 ] && say "$1: $cmd"
	if [ -n "$hyperfine" ]; then
		if hyperfine --style none --runs 1 --prepare "$prep" --export-csv "$tmp/one.csv" "$cmd" \
			>"$tmp/one.log" 2>&1; then
			awk -F, 'NR == 2 { print $2 }' "$tmp/one.csv" >>"$tmp/$1.times"
			return 0
		fi
	else
		sh -c "$prep"
		t0=$(date +%s.%N)
		if sh -c "$cmd" >"$tmp/one.log" 2>&1; then
			t1=$(date +%s.%N)
			echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$tmp/$1.times"
			return 0
		fi
	fi
	rc=0
	line "$1" "$tmp/runs/$1.$2-again"
	sh -c "$cmd" >"$tmp/one.out" 2>&1 || rc=$?
	sed 's/^/  /' "$tmp/one.log" "$tmp/one.out" >&2
	printf 'failed (exit %s) %s\n' "$rc" "$(head -n 1 "$tmp/one.out")" >"$tmp/$1.status"
}

hyperfine=
command -v hyperfine >/dev/null 2>&1 && hyperfine=yes
r=1
while [ $r -le "$runs" ]; do
	say "round $r of $runs"
	for name in $lines; do
		[ -f "$tmp/$name.status" ] || measure "$name" $r
	done
	r=$((r + 1))
done
say "removing the runs' output"
rm -rf "$tmp/runs" "$tmp/warm"

# median, mean, sd, min, max of each line's times, as hyperfine's CSV columns
# (command,mean,stddev,median,user,system,min,max; user and system not kept).
for name in $lines; do
	[ -f "$tmp/$name.status" ] && continue
	sort -n "$tmp/$name.times" | awk -v name="$name" '
		{ t[NR] = $1; s += $1; ss += $1 * $1 }
		END {
			m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			sd = NR > 1 ? sqrt((ss - s * s / NR) / (NR - 1)) : 0
			print "command,mean,stddev,median,user,system,min,max"
			printf "%s,%f,%f,%f,0,0,%f,%f\n", name, s / NR, sd, m, t[1], t[NR]
		}' >"$tmp/$name.csv"
done

# The size of what is unpacked: bytes of the tar streams, and their entries.
for l in $layers; do
	rawbytes=$((rawbytes + $(gzip -dc "$(blob "$l")" | wc -c)))
	files=$((files + $(tar -tzf "$(blob "$l")" | wc -l)))
done

# ---- the table ----

median() { # NAME -> seconds, or empty
	[ -f "$tmp/$1.csv" ] && awk -F, 'NR == 2 { printf "%.2f", $4 }' "$tmp/$1.csv"
	return 0
}
row() { # LABEL NAME PEER-LABEL PEER-NAME
	a=$(median "$2")
	b=$(median "$4")
	if [ -z "$a" ]; then a=$(cat "$tmp/$2.status"); fi
	if [ -z "$b" ]; then b=$(cat "$tmp/$4.status"); fi
	ratio=n/a
	if [ -f "$tmp/$2.csv" ] && [ -f "$tmp/$4.csv" ]; then
		ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }')
	fi
	printf '| %s | %s | %s: %s | %s |\n' "$1" "$a" "$3" "$b" "$ratio"
}
sum() { # NAME NAME -> seconds
	if [ -f "$tmp/$1.csv" ] && [ -f "$tmp/$2.csv" ]; then
		awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a + b }'
	fi
}

echo
echo "persona bench: images; $nlayers gzip layers, $((zbytes / 1000000)) MB compressed," \
	"$((rawbytes / 1000000)) MB of tar, $files entries; median of $runs rounds (s)"
echo "host: $(uname -r), $(nproc) CPUs, $(df -T "$tmp" | awk 'NR == 2 { print $2 }') on $(df "$tmp" | awk 'NR == 2 { print $1 }')"
echo
echo "| operation | persona | peer | ratio |"
echo "| --- | --- | --- | --- |"
row "pull from a local registry, layers already unpacked (download, verify)" persona-pull-cached "skopeo copy" skopeo-copy
row "pull from a local registry (download, verify, unpack)" persona-pull "skopeo copy (no unpack)" skopeo-copy
both=$(sum skopeo-copy umoci-unpack)
if [ -n "$both" ] && [ -f "$tmp/persona-pull.csv" ]; then
	printf '| pull, the same work on both sides | %s | skopeo copy + umoci unpack: %s | %s |\n' \
		"$(median persona-pull)" "$both" \
		"$(awk -v a="$(median persona-pull)" -v b="$both" 'BEGIN { printf "%.2fx", a / b }')"
fi
row "unpack the layers (diff ID check + unpack, one pass)" persona-unpack "tar -xzf" tar-xzf
row "unpack the layers (diff ID pass, then unpack)" persona-unpack-2pass "tar -xzf" tar-xzf
row "unpack the layers (one pass)" persona-unpack "umoci unpack --rootless" umoci-unpack
row "load an oci-archive (store blobs, verify, unpack)" persona-load "tar -xzf" tar-xzf
echo
echo "persona pull: a fresh store each run; its time includes the layer unpack, unless the layer"
echo "cache has the layers (first row: one shared cache, filled before).  skopeo copy: docker:// to"
echo "a fresh oci: layout, no unpack.  'the same work' adds umoci unpack's median to skopeo's."
echo "persona unpack: each layer checked against its diff ID and unpacked into its own directory:"
echo "one pass is img_unpack_layer_verified, two passes img_layer_diff_id then img_unpack_layer."
echo "tar -xzf: tar --numeric-owner -xzf per layer into its own directory (no digest check)."
echo "umoci unpack --rootless: all layers into one bundle rootfs, with its mtree manifest."
echo "Every run: inputs in the page cache, nothing else; runs interleaved in rounds; no deletion"
echo "until all rounds are done."
exit 0
