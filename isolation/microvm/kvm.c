/* persona micro-VM: the KVM objects (VM, memory, irqchip, vCPU threads).
 * Follows the KVM API document (Documentation/virt/kvm/api.rst). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "isolation/microvm/vm.h"

#define VM_TSS_ADDR 0xfffbd000UL
#define VM_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define VM_KICK_SIGNAL SIGUSR1

static bool host_is_pvm(void)
{
	struct stat sb;
	return stat("/sys/module/kvm_pvm", &sb) == 0;
}

int vm_create(struct vm *vm, uint64_t mem, int nvcpus, struct perr *err)
{
	uint64_t ident = VM_IDENTITY_MAP_ADDR;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int api;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->dev_lock, NULL);
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return perr_set(err, errno, "/dev/kvm");
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		return perr_set(err, 0, "/dev/kvm: KVM API version %d, persona needs %d", api, KVM_API_VERSION);
	vm->pvm = host_is_pvm();
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return perr_set(err, errno, "KVM_CREATE_VM");
	/* Intel's VMX needs these pages for real mode and unpaged protected
	 * mode; other implementations ignore them. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR) < 0 && errno != EINVAL)
		return perr_set(err, errno, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 && errno != EINVAL && errno != ENOTTY)
		return perr_set(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return perr_set(err, errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return perr_set(err, errno, "KVM_CREATE_PIT2");

	vm->ram = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		return perr_set(err, errno, "guest memory (%llu MiB)", (unsigned long long)(mem >> 20));
	}
	vm->ram_size = mem;
	madvise(vm->ram, mem, MADV_MERGEABLE);
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return perr_set(err, errno, "KVM_SET_USER_MEMORY_REGION");
	vm->nvcpus = nvcpus;
	return 0;
}

void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

void vm_irq_line(struct vm *vm, int irq, int level)
{
	struct kvm_irq_level l = { .irq = (uint32_t)irq, .level = (uint32_t)level };
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &l);
}

int vm_create_vcpus(struct vm *vm, uint64_t entry, struct perr *err)
{
	int mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (mmap_size < (int)sizeof(struct kvm_run))
		return perr_set(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			return perr_set(err, errno, "KVM_CREATE_VCPU %d", i);
		v->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return perr_set(err, errno, "vCPU %d: mmap kvm_run", i);
		}
		v->run_size = (size_t)mmap_size;
		if (cpu_setup_cpuid_msrs(vm, v->fd, i, err) < 0 || cpu_setup_lapic(v->fd, err) < 0)
			return perr_prefix(err, "vCPU %d", i);
	}
	/* The other vCPUs wait for the INIT/SIPI of the guest's SMP boot, as
	 * the in-kernel LAPIC keeps them. */
	return cpu_setup_boot(vm, vm->vcpus[0].fd, entry, err);
}

static void kick_handler(int sig)
{
	(void)sig;
}

void vm_stop(struct vm *vm, int status)
{
	bool expected = false;

	if (atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		vm->exit_status = status;
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->run)
			v->run->immediate_exit = 1;
		if (v->started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VM_KICK_SIGNAL);
	}
}

static void handle_internal_error(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	char what[160];

	if (r->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		snprintf(what, sizeof(what), "KVM could not emulate the guest's instruction%s",
			 v->vm->pvm ? " (kvm_pvm emulates guest kernel code and lacks this one)" : "");
	else
		snprintf(what, sizeof(what), "KVM internal error, suberror %u", r->internal.suberror);
	cpu_report_crash(v->vm, v, what);
	vm_stop(v->vm, 125);
}

/* One vCPU's loop: KVM_RUN, then the exit's device access or end. */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct kvm_run *r = v->run;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&vm->stopping)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				profile_sample(vm, v);
				continue;
			}
			fprintf(stderr, "persona: vm: vCPU %d: KVM_RUN: %s\n", v->id, strerror(errno));
			vm_stop(vm, 125);
			break;
		}
		switch (r->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)r + r->io.data_offset;
			for (uint32_t i = 0; i < r->io.count; i++, data += r->io.size)
				bus_pio(vm, r->io.port, data, r->io.size, r->io.direction == KVM_EXIT_IO_OUT);
			break;
		}
		case KVM_EXIT_MMIO:
			bus_mmio(vm, r->mmio.phys_addr, r->mmio.data, r->mmio.len, r->mmio.is_write);
			break;
		case KVM_EXIT_HLT:
			/* Only without the in-kernel LAPIC: nothing can wake it. */
			cpu_report_crash(vm, v, "the guest halted with interrupts off");
			vm_stop(vm, 125);
			break;
		case KVM_EXIT_SHUTDOWN:
			cpu_report_crash(vm, v, "the guest shut down (triple fault)");
			vm_stop(vm, 125);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			handle_internal_error(v);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "persona: vm: vCPU %d: KVM could not enter the guest (hardware reason 0x%llx)\n",
				v->id, (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
			vm_stop(vm, 125);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vm_stop(vm, r->system_event.type == KVM_SYSTEM_EVENT_CRASH ? 125 : 0);
			break;
		case KVM_EXIT_INTR:
			profile_sample(vm, v);
			break;
		default:
			fprintf(stderr, "persona: vm: vCPU %d: unexpected KVM exit %u\n", v->id, r->exit_reason);
			vm_stop(vm, 125);
			break;
		}
	}
	return NULL;
}

int vm_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set, old;

	sigaction(VM_KICK_SIGNAL, &sa, NULL);
	/* The kick signal goes to vCPU threads only: block it here, so that
	 * the threads inherit the block and unblock it themselves. */
	sigemptyset(&set);
	sigaddset(&set, VM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (vm->pvm)
		fprintf(stderr, "persona: vm: this host's KVM is kvm_pvm (nested, no VMX/SVM): guest kernel "
			"code is emulated one instruction at a time, expect slow kernel boots\n");
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0) {
			fprintf(stderr, "persona: vm: cannot start vCPU %d thread\n", i);
			vm_stop(vm, 125);
			break;
		}
		v->started = true;
	}
	if (profile_start(vm) < 0)
		fprintf(stderr, "persona: vm: cannot start the profile\n");
	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	profile_stop(vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < vm->nat_stop; i++)
		vm->at_stop[i](vm->at_stop_opaque[i]);
	vm->nat_stop = 0;
	return vm->exit_status;
}

void vm_destroy(struct vm *vm)
{
	for (int i = 0; i < vm->nat_stop; i++)
		vm->at_stop[i](vm->at_stop_opaque[i]);
	vm->nat_stop = 0;
	for (int i = 0; i < MICROVM_MAX_VCPUS; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->run)
			munmap(v->run, v->run_size);
		v->run = NULL;
		if (v->fd > 0)
			close(v->fd);
		v->fd = 0;
	}
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
