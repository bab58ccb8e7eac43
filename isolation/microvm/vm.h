/* persona micro-VM: the machine's private interfaces (not for use outside
 * isolation/microvm/).
 *
 * Guest-physical layout (all below 1 MiB but the kernel, the initrd and
 * the MMIO devices):
 *   0x00500  GDT                    0x07000  boot_params (the zero page)
 *   0x09000  PML4, 0x0a000 PDPT, 0x0b000-0x0efff four PDs (identity map
 *            of the first 4 GiB with 2 MiB pages)
 *   0x20000  kernel command line (VM_CMDLINE_MAX bytes)
 *   0x9fc00  end of low RAM in the e820 map (as a PC's EBDA): the MP table
 *   0x100000 the kernel's lowest load address (an ELF's own p_paddr)
 *   top of RAM: the initrd
 *   0xd0000000 + n * 0x1000: virtio-mmio device n, IRQ 5 + n
 */
#ifndef PERSONA_MICROVM_VM_H
#define PERSONA_MICROVM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "common/error.h"
#include "isolation/microvm/microvm.h"

#define VM_GDT_ADDR 0x500
#define VM_BOOT_PARAMS_ADDR 0x7000
#define VM_BOOT_STACK 0x8ff0
#define VM_PML4_ADDR 0x9000
#define VM_PDPT_ADDR 0xa000
#define VM_PD_ADDR 0xb000
#define VM_PVH_INFO_ADDR 0x6000  /* hvm_start_info, its module list and memory map */
#define VM_CMDLINE_ADDR 0x20000
#define VM_CMDLINE_MAX 4096
#define VM_EBDA_START 0x9fc00
#define VM_HIMEM_START 0x100000
#define VM_MMIO_BASE 0xd0000000ULL
#define VM_MMIO_SIZE 0x1000
#define VM_MMIO_FIRST_IRQ 5
#define VM_MAX_DEVICES 16

struct vm;

/* A device's I/O handler: one access of `len` (1, 2, 4 or 8) bytes at
 * `offset` from the start of the device's range; on a write `data` holds
 * the value (little-endian), on a read the handler fills it (already
 * zeroed).  Called with the VM's device lock held. */
typedef void (*vm_io_fn)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);

struct vm_range {
	uint64_t base, len;
	vm_io_fn io;
	void *opaque;
	const char *name;
};

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;   /* the mmap'd shared page(s), KVM_GET_VCPU_MMAP_SIZE */
	size_t run_size;
	pthread_t thread;
	bool started;
};

struct vm {
	int kvm_fd, vm_fd;
	uint8_t *ram;          /* guest-physical 0 .. ram_size, mmap'd */
	uint64_t ram_size;
	bool pvm;              /* the host's KVM is kvm_pvm (see docs/microvm.md) */
	uint64_t pvh_start_info;   /* non-zero: enter at the PVH entry, 32-bit,
				      %ebx = this hvm_start_info (boot.c) */
	int nvcpus;
	struct vcpu vcpus[MICROVM_MAX_VCPUS];

	pthread_mutex_t dev_lock;  /* serialises every device access */
	struct vm_range pio[VM_MAX_DEVICES], mmio[VM_MAX_DEVICES];
	int npio, nmmio;
	int next_mmio_slot;        /* the next free virtio-mmio window */
	char cmdline_devices[1024]; /* virtio_mmio.device=... added to the command line */

	bool reset_is_failure;     /* see struct microvm_config */
	bool console_tty;          /* see struct microvm_config */
	bool console_terminal;     /* see struct microvm_config */
	int serial_out_fd;         /* where the 8250's output goes */
	atomic_bool console_ready; /* MICROVM_CONSOLE_READY_PORT written */
	struct profile *profile;   /* PERSONA_VM_PROFILE, profile.c */
	atomic_bool stopping;
	int exit_status;           /* valid once stopping */
	void (*at_stop[VM_MAX_DEVICES])(void *);  /* flush output, close files */
	void *at_stop_opaque[VM_MAX_DEVICES];
	int nat_stop;
};

/* --- kvm.c: the KVM objects ------------------------------------------ */

/* Open /dev/kvm, check KVM_GET_API_VERSION == 12, create the VM, its
 * in-kernel irqchip (PIC + IOAPIC + LAPICs) and PIT, the TSS and identity
 * map pages (KVM_SET_TSS_ADDR 0xfffbd000, KVM_SET_IDENTITY_MAP_ADDR
 * 0xfffbc000, as on a PC just below the BIOS), and `mem` bytes of RAM
 * (anonymous mmap, slot 0 at guest-physical 0).  Notes kvm_pvm.
 * -1 + err on failure; vm_destroy() releases a partial VM. */
int vm_create(struct vm *vm, uint64_t mem, int nvcpus, struct perr *err);

/* Create the vCPUs (KVM_CREATE_VCPU, the kvm_run mapping), set CPUID and
 * MSRs on each, and put vCPU 0 at the 64-bit entry `entry` with RSI =
 * the zero page (boot.rst "64-bit Boot Protocol").  -1 + err. */
int vm_create_vcpus(struct vm *vm, uint64_t entry, struct perr *err);

/* Run every vCPU in its own thread until the VM stops; returns the exit
 * status (vm->exit_status). */
int vm_run(struct vm *vm);

/* End the VM with `status` (the first call wins) and kick every vCPU out
 * of KVM_RUN.  Safe from any thread. */
void vm_stop(struct vm *vm, int status);

/* Release everything vm_create*() made (idempotent). */
void vm_destroy(struct vm *vm);

/* Raise or lower an interrupt line of the in-kernel PIC/IOAPIC
 * (KVM_IRQ_LINE): edge-triggered ISA lines take a rising edge. */
void vm_irq_line(struct vm *vm, int irq, int level);

/* Guest memory, hostile: a host pointer to guest-physical [gpa, gpa+len)
 * when that range lies wholly in RAM (no overflow), else NULL. */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);

/* --- profile.c: PERSONA_VM_PROFILE=FILE, a sampling profile of every vCPU --- */
struct profile;
int profile_start(struct vm *vm);              /* after the vCPU threads start */
void profile_sample(struct vm *vm, struct vcpu *v); /* in each vCPU's thread, after a kick */
void profile_stop(struct vm *vm);              /* after they end: writes FILE, FILE.1... */

/* --- cpu.c: the boot CPU state --------------------------------------- */

/* Write the GDT and the identity page tables into guest memory and set
 * `fd`'s registers for the 64-bit entry at `entry` (CS 0x10, DS 0x18,
 * long mode, paging on, interrupts off, RSI = boot_params).  -1 + err. */
int cpu_setup_boot(struct vm *vm, int fd, uint64_t entry, struct perr *err);

/* CPUID (KVM_GET_SUPPORTED_CPUID, filtered: the hypervisor bit set, the
 * APIC id of `id`) and the boot MSRs.  -1 + err. */
int cpu_setup_cpuid_msrs(struct vm *vm, int fd, int id, struct perr *err);

/* The LAPIC's LINT0 as ExtINT (the PIC's interrupts) and LINT1 as NMI,
 * the MP specification's virtual wire mode.  -1 + err. */
int cpu_setup_lapic(int fd, struct perr *err);

/* Print "persona: vm: vCPU N: ..." with the guest RIP and the bytes of
 * the instruction there (through KVM_TRANSLATE), for crashes. */
void cpu_report_crash(struct vm *vm, struct vcpu *v, const char *what);

/* --- bus.c: the device registry -------------------------------------- */

/* Claim I/O ports [base, base+len) or guest-physical MMIO [base,
 * base+len) for a device.  -1 + err when the table is full or the range
 * overlaps another device's. */
int bus_register_pio(struct vm *vm, uint16_t base, uint16_t len, const char *name, vm_io_fn io,
		     void *opaque, struct perr *err);
int bus_register_mmio(struct vm *vm, uint64_t base, uint64_t len, const char *name, vm_io_fn io,
		      void *opaque, struct perr *err);

/* Dispatch one KVM_EXIT_IO / KVM_EXIT_MMIO access; accesses no device
 * claims read as all ones and writes are dropped, as on a PC bus. */
void bus_pio(struct vm *vm, uint16_t port, uint8_t *data, uint32_t len, bool is_write);
void bus_mmio(struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

/* Call `fn(opaque)` when the VM stops (before vm_destroy). */
void bus_at_stop(struct vm *vm, void (*fn)(void *), void *opaque);

/* --- the devices, one file each; each registers its own ranges -------- */

int serial_create(struct vm *vm, struct perr *err);     /* serial.c: 8250 at 0x3f8, IRQ 4 */
int i8042_create(struct vm *vm, struct perr *err);      /* i8042.c: reset through 0x64 */
int debug_exit_create(struct vm *vm, struct perr *err); /* debug_exit.c: MICROVM_DEBUG_EXIT_PORT */
int virtio_blk_create(struct vm *vm, const char *path, bool ro, struct perr *err);
int virtio_console_create(struct vm *vm, int out_fd, struct perr *err); /* transmitq -> out_fd */
int virtio_rng_create(struct vm *vm, struct perr *err);

/* --- mptable.c: the MP table at VM_EBDA_START (processors, I/O APIC,
 * ISA interrupts), for guests without ACPI.  -1 + err. */
int mptable_write(struct vm *vm, struct perr *err);

/* --- loader.c / boot.c: the guest image ------------------------------ */

struct boot_image {
	uint64_t entry;        /* guest-physical 64-bit entry point */
	uint64_t pvh_entry;    /* an ELF kernel's PVH entry (its Xen note
	                          XEN_ELFNOTE_PHYS32_ENTRY), 0 when none */
	uint64_t load_lo, load_hi;  /* guest-physical span of the loaded kernel */
	bool have_setup;       /* a bzImage: `setup` holds its setup header */
	bool linux_kernel;     /* a bzImage, or an ELF with a "Linux" note */
	uint8_t setup[0x280];  /* bytes 0x1f1 .. of the bzImage's first sector(s) */
	size_t setup_len;      /* valid bytes from 0x1f1 in the zero page */
};

/* Load the kernel file `path` into guest RAM: an ELF64 x86-64 executable
 * at its PT_LOAD segments' physical addresses, or a bzImage whose payload
 * is decompressed on the host (gzip, xz, zstd) and loaded as ELF.
 * -1 + err: unreadable, not a kernel, truncated, unknown compression,
 * or a segment outside RAM ("--memory too small"). */
int loader_load_kernel(struct vm *vm, const char *path, struct boot_image *img, struct perr *err);

/* Decompress `in` (`in_len` bytes of gzip, xz or zstd, recognised by its
 * magic) into a malloc'd buffer of `out_len` bytes (the size the bzImage
 * appends to its payload).  -1 + err on corrupt data or a size mismatch. */
int decompress_payload(const uint8_t *in, size_t in_len, uint8_t **out, size_t out_len, struct perr *err);

/* Fill the zero page (boot_params): the bzImage's setup header if any,
 * the loader type, the e820 map of RAM, the command line `cmdline`
 * (copied to VM_CMDLINE_ADDR) and the initrd `initrd` (file, or NULL)
 * copied to the top of RAM below the kernel's initrd_addr_max.
 * -1 + err: command line too long, initrd unreadable or not fitting. */
int boot_setup(struct vm *vm, const struct boot_image *img, const char *cmdline, const char *initrd,
	       struct perr *err);

#endif
