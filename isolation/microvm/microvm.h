/* persona: the bundled KVM micro-VM (isolation/microvm).
 *
 * One call boots a guest on /dev/kvm with persona's own VMM and returns
 * when it ends.  The guest is a Linux kernel (ELF vmlinux or bzImage,
 * Documentation/arch/x86/boot.rst, entered at its 64-bit entry point) or
 * any ELF64 image that follows the same 64-bit entry convention (the
 * project's test guest, tests/microvm/).  Devices: an 8250 UART on 0x3f8,
 * IRQ 4 (the console: persona's stdout), i8042 reset, the debug-exit port
 * and virtio-mmio (virtio 1.x) console, block and rng devices announced on
 * the kernel command line (docs/microvm.md).
 */
#ifndef PERSONA_ISOLATION_MICROVM_H
#define PERSONA_ISOLATION_MICROVM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* The guest writes one byte to this I/O port to end the VM; the byte
 * (0-255) becomes persona's exit status. */
#define MICROVM_DEBUG_EXIT_PORT 0x501
/* ... and to this one when its console is ready for input (see
 * console_tty below). */
#define MICROVM_CONSOLE_READY_PORT 0x502

#define MICROVM_MAX_VCPUS 8
#define MICROVM_MIN_MEMORY (4ULL << 20)
/* RAM is one slot below the MMIO hole at 3 GiB. */
#define MICROVM_MAX_MEMORY (3ULL << 30)

struct microvm_config {
	const char *kernel;      /* path: ELF64 vmlinux or bzImage; required */
	const char *initrd;      /* path or NULL */
	const char *disk;        /* raw image for virtio-blk, or NULL */
	bool disk_ro;            /* the guest sees VIRTIO_BLK_F_RO; opened O_RDONLY */
	const char *append;      /* kernel command line (persona adds its devices) */
	bool virtio_console;     /* add a virtio console (its output: stdout) */
	bool split_output;       /* one more, the guest's hvc0, to stdout
				    (persona's guest init gives it to the
				    workload as its stdout), and the serial
				    console's output to stderr (the
				    workload's stderr stays there) */
	bool virtio_rng;         /* add a virtio entropy device */
	int vcpus;               /* 1..MICROVM_MAX_VCPUS */
	uint64_t memory;         /* bytes of guest RAM, MICROVM_MIN..MAX_MEMORY */
	bool console_tty;        /* the serial console is a Linux tty that a
				    workload reads: stdin is held until the
				    guest writes MICROVM_CONSOLE_READY_PORT,
				    and its end is sent as ^D */
	bool console_terminal;   /* the serial console is the workload's
				    terminal (docker's -t): its output is
				    written as it comes, not by lines, and
				    persona's stdin, when a terminal, is in
				    raw mode while the VM runs */
	int ready_fd;            /* > 0: a byte is written to it once the VM
				    is built, just before the vCPUs run (a
				    monitor's "started"); 0: none */
	bool reset_is_failure;   /* persona's guest init reports through the
				    debug-exit port: a reset before that (a
				    kernel panic) ends with status 125 */
};

/* Boot the guest described by `cfg`, run it until it ends, return how.
 *
 * Out: *status = the exit status persona reports: the debug-exit byte;
 * 0 when the guest resets the machine (i8042 command 0xfe); 125 after a
 * guest crash (triple fault, an instruction KVM cannot emulate), with a
 * message on stderr naming the guest RIP.
 * Returns 0 when the guest ran (whatever its status), -1 + err when the VM
 * could not be made (no /dev/kvm, not a kernel, initrd too large, memory
 * too small, disk unreadable, ...); nothing is left behind then. */
int microvm_run(const struct microvm_config *cfg, int *status, struct perr *err);

/* An initramfs of the directory `rootfs` (NULL: none) plus the file
 * `init` as `init_name` (e.g. "persona-init"), a /dev/console node and,
 * when `extra` is not NULL, `extra_len` bytes from memory as the file
 * `extra_name` (mode 0400): an
 * uncompressed cpio "newc" archive in a memfd (close-on-exec), so nothing
 * is written to disk; pass "/proc/self/fd/N" as the initrd.  Symbolic
 * links are stored as links, never followed.  Out: *fd.  -1 + err. */
int microvm_initramfs(const char *rootfs, const char *init, const char *init_name, const void *extra,
		      size_t extra_len, const char *extra_name, int *fd, struct perr *err);

/* An ext2 file system (Linux's fs/ext2, block size 4 KiB, no reserved
 * blocks) holding the directory tree `rootfs` as it is (owners, modes,
 * times, hard links, devices, extended attributes; symbolic links never
 * followed) plus `room` bytes free for the guest's writes, for the
 * guest's root on virtio-blk.  Made by mke2fs(8) -d (e2fsprogs) in a
 * sparse file without a name (O_TMPFILE) in `tmpdir`: nothing stays on
 * disk once *fd is closed, however persona ends.  Out: *fd, read-write, close-on-exec; pass
 * "/proc/self/fd/N" as the disk.  -1 + err: `rootfs` not a directory,
 * mke2fs missing or failing (its message quoted), `tmpdir` not writable. */
int microvm_root_disk(const char *rootfs, const char *tmpdir, uint64_t room, int *fd, struct perr *err);

#endif
