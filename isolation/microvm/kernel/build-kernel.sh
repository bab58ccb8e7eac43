#!/bin/sh
# persona: build the bundled micro-VM guest kernel from Debian's
# linux-source-6.1 (tinyconfig + guest.config + the patches here), cached
# outside the tree by a key over its inputs.  Prints the vmlinux path.
#   isolation/microvm/kernel/build-kernel.sh [--smp] [CACHE_DIR]
# CACHE_DIR defaults to $PERSONA_KERNEL_CACHE or /var/cache/persona/kernel.
# --smp: the SMP variant, guest.config then smp.config, for --vcpus above 1
# (the uniprocessor kernel boots a third faster on kvm_pvm hosts).
# Needs: linux-source-6.1 bc flex bison libelf-dev (make deps installs them).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fragments="$here/guest.config"
if [ "${1:-}" = --smp ]; then
	fragments="$fragments $here/smp.config"
	shift
fi
cache=${1:-${PERSONA_KERNEL_CACHE:-/var/cache/persona/kernel}}
tarball=/usr/src/linux-source-6.1.tar.xz

[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
for tool in bc flex bison make gcc; do
	command -v "$tool" >/dev/null || { echo "build-kernel: $tool missing (make deps)" >&2; exit 1; }
done

# The key: the source package's version and every input of ours.
key=$( (dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || ls -l "$tarball"; \
	cat $fragments "$here"/*.patch "$0") | sha256sum | cut -c1-16)
out=$cache/$key
if [ -s "$out/vmlinux" ]; then
	echo "$out/vmlinux"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
[ -s "$out/vmlinux" ] && { echo "$out/vmlinux"; exit 0; }

work=$cache/build-$key
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
echo "build-kernel: unpacking $tarball" >&2
tar -C "$work" -xJf "$tarball"
src=$work/linux-source-6.1
for p in "$here"/*.patch; do
	echo "build-kernel: applying $(basename "$p")" >&2
	patch -s -d "$src" -p1 < "$p"
done
echo "build-kernel: configuring (tinyconfig + $(cd "$here" && echo $fragments | sed "s|$here/||g"))" >&2
make -s -C "$src" tinyconfig >&2
# shellcheck disable=SC2086
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" $fragments >/dev/null
make -s -C "$src" olddefconfig >&2
# Every option asked for must have survived olddefconfig.
# shellcheck disable=SC2086
missing=$(cat $fragments | grep '^CONFIG_.*=y' | while read -r line; do
	grep -qx "$line" "$src/.config" || echo "$line"; done)
[ -z "$missing" ] || echo "build-kernel: warning: not set after olddefconfig: $missing" >&2
echo "build-kernel: building vmlinux with $(nproc) jobs" >&2
make -s -C "$src" -j"$(nproc)" vmlinux >&2
mkdir -p "$out.tmp"
cp "$src/vmlinux" "$out.tmp/vmlinux"
cp "$src/.config" "$out.tmp/config"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/vmlinux"
