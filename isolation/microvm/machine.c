/* persona micro-VM: the machine.  Checks the configuration, makes the VM,
 * adds the devices (each registers itself on the bus), loads the kernel,
 * writes the zero page and runs the vCPUs until the guest ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "isolation/microvm/vm.h"

/* Without --append: the serial console, reboot through the i8042 (which
 * ends the VM), no reboot loop after a panic. */
#define DEFAULT_APPEND "console=ttyS0 reboot=k panic=-1"

static int check_config(const struct microvm_config *cfg, struct perr *err)
{
	if (!cfg->kernel)
		return perr_set(err, 0, "no kernel given (--kernel FILE)");
	if (cfg->vcpus < 1 || cfg->vcpus > MICROVM_MAX_VCPUS)
		return perr_set(err, 0, "--vcpus %d: must be 1 to %d", cfg->vcpus, MICROVM_MAX_VCPUS);
	if (cfg->memory < MICROVM_MIN_MEMORY)
		return perr_set(err, 0, "--memory %llu KiB: too small, a VM needs at least %llu MiB",
				(unsigned long long)(cfg->memory >> 10), MICROVM_MIN_MEMORY >> 20);
	if (cfg->memory > MICROVM_MAX_MEMORY)
		return perr_set(err, 0, "--memory %llu MiB: persona's VMM gives at most %llu MiB",
				(unsigned long long)(cfg->memory >> 20), MICROVM_MAX_MEMORY >> 20);
	return 0;
}

/* kvm_pvm ignores the CPUID persona sets, and its instruction emulator
 * lacks XRSTOR, CLAC/STAC, POPCNT and CMPXCHG16B: a Linux guest is told
 * not to use them.  Nor can it make hypercalls (the emulator's VMCALL
 * only re-patches the instruction and runs it again, a loop with
 * interrupts off): no-kvm-hypercall (the bundled kernel's patch 0004)
 * keeps an SMP guest's IPIs on the local APIC. */
#define PVM_LINUX_PARAMS " noxsave clearcpuid=smap,popcnt,cx16,erms,fsrm rodata=off no-kvm-hypercall"

/* The user's command line, then persona's parameters (the devices; on
 * kvm_pvm the above), kept before a "--": what follows it is init's. */
static int compose_cmdline(struct vm *vm, const struct boot_image *img, const char *append, char *out,
			   size_t len)
{
	const char *tail = "", *sep = strstr(append, " -- ");
	size_t head_len = strlen(append);

	if (!strncmp(append, "-- ", 3))
		sep = append - 1;
	if (sep) {
		head_len = (size_t)(sep + 1 - append);
		tail = sep + 1;
	}
	int n = snprintf(out, len, "%.*s%s%s%s%s", (int)head_len, append, vm->cmdline_devices,
			 vm->pvm && img->linux_kernel ? PVM_LINUX_PARAMS : "", *tail ? " " : "", tail);
	if (n < 0 || (size_t)n >= len)
		return -1;
	/* "a -- b": the head keeps its trailing space; drop a doubled one. */
	for (char *p = strstr(out, "  "); p; p = strstr(p, "  "))
		memmove(p, p + 1, strlen(p));
	return 0;
}

static int build_and_run(struct vm *vm, const struct microvm_config *cfg, int *status, struct perr *err)
{
	struct boot_image img;
	char cmdline[VM_CMDLINE_MAX];

	if (vm_create(vm, cfg->memory & ~0xfffULL, cfg->vcpus, err) < 0)
		return -1;
	vm->reset_is_failure = cfg->reset_is_failure;
	vm->console_tty = cfg->console_tty;
	vm->console_terminal = cfg->console_terminal;
	vm->serial_out_fd = cfg->split_output ? STDERR_FILENO : STDOUT_FILENO;
	if (serial_create(vm, err) < 0 || i8042_create(vm, err) < 0 || debug_exit_create(vm, err) < 0)
		return -1;
	if (cfg->disk && virtio_blk_create(vm, cfg->disk, cfg->disk_ro, err) < 0)
		return -1;
	if (cfg->virtio_console && virtio_console_create(vm, STDOUT_FILENO, err) < 0)
		return -1;
	/* A workload's stdout: /dev/hvc0 in the guest (its stderr: the serial console). */
	if (cfg->split_output && virtio_console_create(vm, STDOUT_FILENO, err) < 0)
		return -1;
	if (cfg->virtio_rng && virtio_rng_create(vm, err) < 0)
		return -1;
	if (loader_load_kernel(vm, cfg->kernel, &img, err) < 0)
		return -1;
	if (compose_cmdline(vm, &img, cfg->append ? cfg->append : DEFAULT_APPEND, cmdline, sizeof(cmdline)) < 0)
		return perr_set(err, 0, "kernel command line longer than %d bytes", VM_CMDLINE_MAX - 1);
	if (boot_setup(vm, &img, cmdline, cfg->initrd, err) < 0 || mptable_write(vm, err) < 0)
		return -1;
	if (vm_create_vcpus(vm, vm->pvh_start_info ? img.pvh_entry : img.entry, err) < 0)
		return -1;
	if (cfg->ready_fd > 0 && write(cfg->ready_fd, "", 1) != 1) {
		/* Whoever waits for it is gone; the VM runs anyway. */
	}
	*status = vm_run(vm);
	return 0;
}

int microvm_run(const struct microvm_config *cfg, int *status, struct perr *err)
{
	struct vm *vm;
	int rc;

	if (check_config(cfg, err) < 0)
		return -1;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return perr_set(err, ENOMEM, "vm");
	/* A terminal for the guest's: every key goes to the guest's tty,
	 * which echoes, edits lines and turns ^C into SIGINT itself. */
	struct termios saved, raw;
	bool restore = cfg->console_terminal && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	rc = build_and_run(vm, cfg, status, err);
	vm_destroy(vm);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	free(vm);
	return rc;
}
