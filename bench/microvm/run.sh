#!/bin/bash
# bench/microvm/run.sh [PERSONA_BIN]
#
# persona's micro-VM against QEMU's microvm machine, side by side in one run
# on this host: the same kernel file, the same initramfs file, the same
# kernel command line.  For each boot: seconds from the command to the
# kernel banner ("Linux version"), to the workload's output ("bench-done")
# and to the VMM's exit.  Then, with a virtio-blk disk on both, the guest's
# round trip per virtio request (O_DIRECT 512-byte reads, timed in the guest).
#
# Environment:
#   N=2                 boots per VMM (each is ~30 s on kvm_pvm)
#   MEMORY=256          MiB of guest memory
#   VMBENCH_KERNEL=F    the kernel both boot; by default the bundled kernel's
#                       configuration plus CONFIG_PVH=y (QEMU boots an ELF
#                       vmlinux only through its PVH note), built once by
#                       isolation/microvm/kernel/build-kernel.sh and cached
#                       beside the bundled one
#   VIRTIO=1            also measure the virtio round trip (0: skip)
#   REQS=3000           requests for that
#   KEEP_LOGS=DIR       keep the timestamped serial logs in DIR
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
persona=${1:-$top/build/persona}
persona=$(cd "$(dirname "$persona")" && pwd)/$(basename "$persona")
build=$(dirname "$persona")
N=${N:-2}
MEMORY=${MEMORY:-256}
VIRTIO=${VIRTIO:-1}
REQS=${REQS:-3000}
TIMEOUT=${TIMEOUT:-300}
qemu=$(command -v qemu-system-x86_64) || { echo "microvm bench: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1; }
busybox=$(command -v busybox) || { echo "microvm bench: busybox missing (apt-get install busybox-static)" >&2; exit 1; }
[ -x "$persona" ] || { echo "microvm bench: $persona missing (make)" >&2; exit 1; }
[ -x "$build/persona-guest-init" ] || { echo "microvm bench: $build/persona-guest-init missing (make)" >&2; exit 1; }
[ -r /dev/kvm ] || { echo "microvm bench: no /dev/kvm: skipped" >&2; exit 0; }

tmp=$(mktemp -d /tmp/persona-vmbench.XXXXXX)
cleanup() {
	# tsexec kills its VMM when it dies (PDEATHSIG) or is signalled; any
	# tsexec still running is ours, by PID.
	[ -n "${runner:-}" ] && kill "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cc -O2 -Wall -Wextra -o "$tmp/tsexec" "$here/tsexec.c" || exit 1

# The kernel: the bundled one (it has the PVH note QEMU needs).
kernel=${VMBENCH_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(sh "$top/isolation/microvm/kernel/build-kernel.sh") ||
		{ echo "microvm bench: kernel build failed" >&2; exit 1; }
fi
readelf -n "$kernel" 2>/dev/null | grep -q 'Xen.*0x00000012' ||
	{ echo "microvm bench: $kernel has no PVH note: QEMU cannot boot it" >&2; exit 1; }

# The initramfs: what `persona vm run --rootfs busybox` builds in memory
# (the seeded busybox image: directories, /bin/busybox and its applet
# links, /etc/passwd and group; /dev/console; the guest init as
# /persona-init), as one uncompressed newc file.
root=$tmp/root
mkdir -p "$root"/{bin,dev,etc,home,proc,root,run,sbin,sys,tmp,usr/bin,var}
chmod 0555 "$root/proc" "$root/sys"; chmod 0700 "$root/root"; chmod 01777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
mknod -m 600 "$root/dev/console" c 5 1
cp "$build/persona-guest-init" "$root/persona-init"
# The virtio workload (the guest init takes words, not shell syntax): one
# O_DIRECT read, then N+1, with a line before, between and after; the
# host's timestamps of those lines give (t2 - t1 - (t1 - t0)) / N per read,
# dd's own start and exit cancelled out.
cat > "$root/vbench" <<'VB'
echo vb-0
dd if=/dev/vda of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null
echo vb-1
dd if=/dev/vda of=/dev/null bs=512 count=$(($1 + 1)) iflag=direct 2>/dev/null
echo vb-2
VB
# The workload, as persona gives it to its guest init: /persona-spec,
# NUL-terminated KEY=VALUE records (guest/init.c).
cpio_of() { # DIR OUT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$2"
}
printf 'user=0:0\0arg=/bin/echo\0arg=bench-done\0' > "$root/persona-spec"
cpio_of "$root" "$tmp/initramfs.cpio" || exit 1
printf 'user=0:0\0arg=/bin/sh\0arg=/vbench\0arg=%s\0' "$REQS" > "$root/persona-spec"
cpio_of "$root" "$tmp/vbench.cpio" || exit 1
rm "$root/persona-spec"
# The disk root, as `persona vm run --rootfs` and `persona run --isolation
# vm` boot since they stopped unpacking the whole root: the same tree as an
# ext2 disk, made by the mke2fs command persona runs (rootdisk.c, 1 GiB of
# room), and an initramfs of the guest init alone, which mounts /dev/vda
# and switches to it (root= in its spec).
rm "$root/persona-init" "$root/dev/console"
chown -R 0:0 "$root"
: > "$tmp/root.ext2"
mke2fs -q -F -t ext2 -b 4096 -I 128 -m 0 -N $(( $(find "$root" | wc -l) + 1024 + 16384 )) \
	-E root_owner=0:0,nodiscard -d "$root" "$tmp/root.ext2" $(( $(du -sk "$root" | cut -f1) * 11 / 10 + 1024 + 1048576 ))k ||
	{ echo "microvm bench: mke2fs failed" >&2; exit 1; }
mkdir -p "$tmp/tiny/dev"
mknod -m 600 "$tmp/tiny/dev/console" c 5 1
cp "$build/persona-guest-init" "$tmp/tiny/persona-init"
printf 'root=/dev/vda\0user=0:0\0arg=/bin/echo\0arg=bench-done\0' > "$tmp/tiny/persona-spec"
cpio_of "$tmp/tiny" "$tmp/tiny.cpio" || exit 1
rm -rf "$root" "$tmp/tiny"
initrd=$tmp/initramfs.cpio

# The command line: persona's own for a --rootfs workload, without "quiet
# loglevel=1" so that the banner reaches the console (loglevel=6: notices,
# not the info lines), and, on kvm_pvm, the parameters persona appends
# there (machine.c) written out, so that QEMU's guest gets them too.
pvm=""
[ -d /sys/module/kvm_pvm ] && pvm=" noxsave clearcpuid=smap,popcnt,cx16,erms,fsrm rodata=off no-kvm-hypercall"
head="console=ttyS0 earlyprintk=serial loglevel=6 reboot=k panic=-1 rdinit=/persona-init"
line="$head$pvm"

# QEMU's microvm: the legacy 8250 on the ISA bus, the PIC and PIT as
# persona has, no ACPI (the bundled kernel has none), no command-line
# additions of its own; the debug-exit port 0x501 as persona's, so the
# guest init's exit status ends QEMU as it ends persona (QEMU exits with
# status*2+1).
qemu_cmd() { # KERNEL INITRD LINE [EXTRA...]: the command in cmd[]
	local k=$1 i=$2 l=$3
	shift 3
	cmd=("$qemu" -M microvm,isa-serial=on,pic=on,pit=on,rtc=off,acpi=off,auto-kernel-cmdline=off \
		-enable-kvm -cpu host,-arch-capabilities -smp 1 -m "$MEMORY" \
		-nodefaults -no-user-config -display none -serial stdio \
		-device isa-debug-exit,iobase=0x501,iosize=1 \
		-kernel "$k" -initrd "$i" -append "$l" -no-reboot "$@")
}
persona_cmd() { # KERNEL INITRD LINE [EXTRA...]
	local k=$1 i=$2 l=$3
	shift 3
	cmd=("$persona" vm run --kernel "$k" --initrd "$i" --append "$l" --memory "${MEMORY}m" "$@")
}

# One boot: tsexec's log in $tmp/log.
run() { # qemu_cmd|persona_cmd ARGS...
	"$@"
	"$tmp/tsexec" "$TIMEOUT" -- "${cmd[@]}" > "$tmp/log" &
	runner=$!
	wait "$runner"
	runner=
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$tmp/log" "$KEEP_LOGS/$(date +%s%N).log"
}
first() { # TEXT: the time of the first line containing it, or "-"
	awk -v p="$1" 'index(substr($0, 12), p) { print $1; f = 1; exit } END { if (!f) print "-" }' "$tmp/log"
}
line_at() { # TEXT: the time of the first line that is exactly it, or "-"
	awk -v p="$1" 'substr($0, 12) == p { print $1; f = 1; exit } END { if (!f) print "-" }' "$tmp/log"
}
endtime() {
	awk '$2 == "EXIT" || $2 == "KILLED" { print $1; f = 1 } END { if (!f) print "-" }' "$tmp/log"
}

declare -A sum cnt cl
add() { # KEY VALUE
	[ "$2" = "-" ] && return
	sum[$1]=$(awk -v a="${sum[$1]:-0}" -v b="$2" 'BEGIN { print a + b }')
	cnt[$1]=$(( ${cnt[$1]:-0} + 1 ))
}
mean() { # KEY
	[ -n "${cnt[$1]:-}" ] && awk -v s="${sum[$1]}" -v n="${cnt[$1]}" 'BEGIN { printf "%.2f", s / n }' || echo "-"
}

echo "== micro-VM: persona vs qemu-system-x86_64 -M microvm ($($qemu --version | head -1))"
echo "   kernel $kernel"
echo "   root in the initramfs: $(stat -c %s "$initrd") bytes (busybox + persona-guest-init, newc, uncompressed)"
echo "   root on a disk: ext2 $(du -k "$tmp/root.ext2" | cut -f1) KiB used of $(( $(stat -c %s "$tmp/root.ext2") >> 20 )) MiB, initramfs $(stat -c %s "$tmp/tiny.cpio") bytes"
echo "   command line: $line"
echo "   $N boots each, ${MEMORY} MiB, 1 vCPU$([ -n "$pvm" ] && echo ', KVM is kvm_pvm')"
# QEMU's microvm puts its first virtio-mmio device in its last transport
# (0xfeb00e00, IRQ 12): written out for its guest, before the kvm_pvm
# parameters, where persona places its own.
qdisk="virtio_mmio.device=512@0xfeb00e00:12"
for mode in initramfs disk; do
	for i in $(seq 1 "$N"); do
		for vmm in persona qemu; do
			# persona appends $pvm itself: both guests get $line.
			if [ $mode = initramfs ] && [ $vmm = persona ]; then
				run persona_cmd "$kernel" "$initrd" "$head"
			elif [ $mode = initramfs ]; then
				run qemu_cmd "$kernel" "$initrd" "$line"
			elif [ $vmm = persona ]; then
				run persona_cmd "$kernel" "$tmp/tiny.cpio" "$head" \
					--disk "$tmp/root.ext2"
			else
				run qemu_cmd "$kernel" "$tmp/tiny.cpio" "$head $qdisk$pvm" \
					-global virtio-mmio.force-legacy=false \
					-drive "id=d0,file=$tmp/root.ext2,format=raw,if=none,cache=none,aio=native" \
					-device virtio-blk-device,drive=d0
			fi
			b=$(first "Linux version"); w=$(line_at "bench-done"); e=$(endtime)
			how=$(awk '$2 == "EXIT" || $2 == "KILLED" { $1 = ""; print substr($0, 2) }' "$tmp/log")
			printf '   %-9s %-7s boot %d: banner %6s s, workload output %6s s, exit %6s s (%s)\n' "$mode" "$vmm" "$i" "$b" "$w" "$e" "$how"
			if [ "$w" = "-" ]; then
				echo "   $vmm boot $i did not reach the workload; its last lines:"
				tail -5 "$tmp/log" | sed 's/^/      /'
			fi
			[ $mode = initramfs ] && cl[$vmm]=$(awk '/ Command line: / { print substr($0, index($0, "Command line: ")); exit }' "$tmp/log")
			add "$mode.$vmm.banner" "$b"; add "$mode.$vmm.work" "$w"
			[ "$w" != "-" ] && add "$mode.$vmm.exit" "$e"
		done
	done
done

if [ -n "${cl[persona]:-}" ] && [ "${cl[persona]}" = "${cl[qemu]:-}" ]; then
	echo "   both guests printed the same line: ${cl[persona]}"
else
	echo "   the guests' command lines differ: persona \"${cl[persona]:-}\", QEMU \"${cl[qemu]:-}\""
fi

# The virtio round trip: a 1 MiB disk on both (read-only, raw; QEMU with
# cache=none, aio=native), /vbench REQS: 512-byte O_DIRECT reads by busybox
# dd, one request in flight.  The guest's own work per request (a read(2)
# through the block layer, emulated instruction by instruction on kvm_pvm)
# is in the figure for both VMMs alike.  The device goes on the command
# line (virtio_mmio.device=): persona adds its own; QEMU's is written out
# (its microvm puts the first device in its last transport, 0xfeb00e00,
# IRQ 12), before the kvm_pvm parameters as persona places them.
if [ "$VIRTIO" = 1 ]; then
	dd if=/dev/zero of="$tmp/disk" bs=1M count=1 status=none
	for vmm in persona qemu; do
		if [ $vmm = persona ]; then
			run persona_cmd "$kernel" "$tmp/vbench.cpio" "$head" --disk "$tmp/disk,ro"
		else
			run qemu_cmd "$kernel" "$tmp/vbench.cpio" "$head $qdisk$pvm" \
				-global virtio-mmio.force-legacy=false \
				-drive "id=d0,file=$tmp/disk,format=raw,if=none,readonly=on,cache=none,aio=native" \
				-device virtio-blk-device,drive=d0
		fi
		grep -m1 'Kernel command line' "$tmp/log" | sed "s/^ *[0-9.]* /   $vmm: /"
		t0=$(line_at vb-0); t1=$(line_at vb-1); t2=$(line_at vb-2)
		if [ "$t2" = "-" ]; then
			echo "   $vmm: the virtio workload did not finish; its last lines:"
			tail -5 "$tmp/log" | sed 's/^/      /'
			continue
		fi
		us=$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$REQS" 'BEGIN { printf "%.1f", ((c - b) - (b - a)) * 1e6 / n }')
		printf '   %-7s virtio-blk: 1 read %.3f s, %d reads %.3f s: %s µs per request\n' "$vmm" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$((REQS + 1))" \
			"$(awk -v b="$t1" -v c="$t2" 'BEGIN { print c - b }')" "$us"
		sum[$vmm.virtio]=$us
		cnt[$vmm.virtio]=1
	done
fi

ratio() { # PERSONA QEMU
	if [ "$1" = "-" ] || [ "$2" = "-" ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; fi
}
echo
echo "| what (mean of $N) | persona | QEMU microvm | persona / QEMU |"
echo "| --- | ---: | ---: | ---: |"
for mode in initramfs disk; do
	for k in banner:"command to kernel banner (s)" work:"command to workload output (s)" exit:"command to VMM exit (s)"; do
		p=$(mean "$mode.persona.${k%%:*}"); q=$(mean "$mode.qemu.${k%%:*}")
		echo "| root $([ $mode = disk ] && echo 'on an ext2 disk' || echo 'in the initramfs'): ${k#*:} | $p | $q | $(ratio "$p" "$q") |"
	done
done
# persona's way (the disk root) against QEMU booting the same kernel with
# the root in an initramfs, the classic way: what the choice of root saves.
for k in work:"command to workload output (s)" exit:"command to VMM exit (s)"; do
	p=$(mean "disk.persona.${k%%:*}"); q=$(mean "initramfs.qemu.${k%%:*}")
	echo "| persona, disk root, against QEMU, initramfs root: ${k#*:} | $p | $q | $(ratio "$p" "$q") |"
done
if [ "$VIRTIO" = 1 ]; then
	p=$(mean persona.virtio); q=$(mean qemu.virtio)
	echo "| virtio-blk round trip per 512-byte O_DIRECT read (µs, 1 boot) | $p | $q | $(ratio "$p" "$q") |"
fi
