/* persona micro-VM: the boot CPU state.
 *
 * The 64-bit entry of the Linux boot protocol (Documentation/arch/x86/
 * boot.rst, "64-bit Boot Protocol"): long mode with paging, an identity
 * map covering the kernel, the zero page and the command line, a GDT
 * whose selector 0x10 is a flat 64-bit code segment and 0x18 a flat data
 * segment, interrupts off, RSI = the zero page's address. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "isolation/microvm/vm.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC 0x10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff

/* GDT descriptors: flags and access bytes from the Intel SDM vol. 3
 * 3.4.5; entries 2 and 3 are the boot protocol's __BOOT_CS/__BOOT_DS. */
static uint64_t gdt_entry(uint64_t flags, uint64_t base, uint64_t limit)
{
	return ((base & 0xff000000ULL) << 32) | ((base & 0x00ffffffULL) << 16) | (limit & 0xffffULL) |
	       ((limit & 0xf0000ULL) << 32) | ((flags & 0xf0ffULL) << 40);
}

static struct kvm_segment seg_from_gdt(uint64_t e, uint16_t index)
{
	struct kvm_segment s = {
		.base = ((e >> 16) & 0xffffff) | (((e >> 56) & 0xff) << 24),
		.limit = (uint32_t)((e & 0xffff) | ((e >> 32) & 0xf0000)),
		.selector = (uint16_t)(index * 8),
		.type = (uint8_t)((e >> 40) & 0xf),
		.present = (uint8_t)((e >> 47) & 1),
		.dpl = (uint8_t)((e >> 45) & 3),
		.db = (uint8_t)((e >> 54) & 1),
		.s = (uint8_t)((e >> 44) & 1),
		.l = (uint8_t)((e >> 53) & 1),
		.g = (uint8_t)((e >> 55) & 1),
	};
	if (s.g)
		s.limit = (s.limit << 12) | 0xfff;
	s.unusable = !s.present;
	return s;
}

static void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	uint8_t *p = vm_gpa(vm, gpa, 8);
	memcpy(p, &v, 8);
}

/* The PVH entry (xen/include/public/arch-x86/hvm/start_info.h, "Start of
 * day"): 32-bit protected mode, paging off, flat 4 GiB code and data
 * segments, %ebx = the hvm_start_info. */
static int pvh_boot(struct vm *vm, int fd, struct kvm_sregs *sregs, uint64_t entry, struct perr *err)
{
	const uint64_t gdt[] = {
		0,
		gdt_entry(0xc09b, 0, 0xfffff), /* 0x08: code, 32-bit */
		gdt_entry(0xc093, 0, 0xfffff), /* 0x10: data */
		gdt_entry(0x808b, 0, 0x67),    /* 0x18: TSS (busy) */
	};
	struct kvm_regs regs = { 0 };

	for (size_t i = 0; i < sizeof(gdt) / sizeof(gdt[0]); i++)
		put64(vm, VM_GDT_ADDR + i * 8, gdt[i]);
	sregs->gdt.base = VM_GDT_ADDR;
	sregs->gdt.limit = sizeof(gdt) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cs = seg_from_gdt(gdt[1], 1);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = seg_from_gdt(gdt[2], 2);
	sregs->tr = seg_from_gdt(gdt[3], 3);
	sregs->cr0 = CR0_PE | CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
	if (ioctl(fd, KVM_SET_SREGS, sregs) < 0)
		return perr_set(err, errno, "KVM_SET_SREGS (PVH)");
	regs.rflags = 0x2;
	regs.rip = entry;
	regs.rbx = vm->pvh_start_info;
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return perr_set(err, errno, "KVM_SET_REGS (PVH)");
	return 0;
}

int cpu_setup_boot(struct vm *vm, int fd, uint64_t entry, struct perr *err)
{
	const uint64_t gdt[] = {
		0,
		0,
		gdt_entry(0xa09b, 0, 0xfffff), /* 0x10: code, 64-bit, DPL 0 */
		gdt_entry(0xc093, 0, 0xfffff), /* 0x18: data, 4 GiB */
		gdt_entry(0x808b, 0, 0xfffff), /* 0x20: TSS (busy), for KVM's entry checks */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	for (size_t i = 0; i < sizeof(gdt) / sizeof(gdt[0]); i++)
		put64(vm, VM_GDT_ADDR + i * 8, gdt[i]);
	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages: 0-4 GiB,
	 * RAM and the MMIO windows above 3 GiB alike. */
	memset(vm_gpa(vm, VM_PML4_ADDR, 0x6000), 0, 0x6000);
	put64(vm, VM_PML4_ADDR, VM_PDPT_ADDR | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4; i++) {
		put64(vm, VM_PDPT_ADDR + i * 8, (VM_PD_ADDR + i * 0x1000) | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put64(vm, VM_PD_ADDR + i * 0x1000 + j * 8,
			      ((i << 30) | (j << 21)) | PTE_P | PTE_RW | PTE_PS);
	}

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return perr_set(err, errno, "KVM_GET_SREGS");
	if (vm->pvh_start_info)
		return pvh_boot(vm, fd, &sregs, entry, err);
	sregs.gdt.base = VM_GDT_ADDR;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cs = seg_from_gdt(gdt[2], 2);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg_from_gdt(gdt[3], 3);
	sregs.tr = seg_from_gdt(gdt[4], 4);
	sregs.cr3 = VM_PML4_ADDR;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0)
		return perr_set(err, errno, "KVM_SET_SREGS");

	regs.rflags = 0x2;
	regs.rip = entry;
	regs.rsp = VM_BOOT_STACK;
	regs.rbp = VM_BOOT_STACK;
	regs.rsi = VM_BOOT_PARAMS_ADDR;
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return perr_set(err, errno, "KVM_SET_REGS");
	return 0;
}

#define CPUID1_ECX_HYPERVISOR (1U << 31)

/* kvm_pvm ignores the CPUID set here (measured: after KVM_SET_CPUID2 the
 * vCPU reads back the host's leaves), so features its emulator lacks are
 * turned off on the kernel command line instead (machine.c). */
static void filter_cpuid(struct kvm_cpuid_entry2 *e, int id)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0x00ffffffU) | ((uint32_t)id << 24);
		e->ecx |= CPUID1_ECX_HYPERVISOR;
		break;
	case 0xb:
	case 0x1f:
		e->edx = (uint32_t)id; /* x2APIC id */
		break;
	default:
		break;
	}
}

int cpu_setup_cpuid_msrs(struct vm *vm, int fd, int id, struct perr *err)
{
	int n = 128;
	struct kvm_cpuid2 *cpuid;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return perr_set(err, ENOMEM, "CPUID");
		cpuid->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		free(cpuid);
		if (errno != E2BIG || n >= 4096)
			return perr_set(err, errno, "KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++)
		filter_cpuid(&cpuid->entries[i], id);
	if (ioctl(fd, KVM_SET_CPUID2, cpuid) < 0) {
		int e = errno;
		free(cpuid);
		return perr_set(err, e, "KVM_SET_CPUID2");
	}
	free(cpuid);

	static const struct {
		uint32_t index;
		uint64_t value;
	} boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 }, { MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },             { MSR_LSTAR, 0 },             { MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },   { MSR_SYSCALL_MASK, 0 },      { MSR_IA32_TSC, 0 },
		/* fast strings on; MTRRs enabled with write-back as the default */
		{ MSR_IA32_MISC_ENABLE, 1 }, { MSR_MTRR_DEF_TYPE, (1U << 11) | 6 },
	};
	const size_t nmsr = sizeof(boot_msrs) / sizeof(boot_msrs[0]);
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + nmsr * sizeof(msrs->entries[0]));
	if (!msrs)
		return perr_set(err, ENOMEM, "MSRs");
	for (size_t i = 0; i < nmsr; i++) {
		msrs->entries[i].index = boot_msrs[i].index;
		msrs->entries[i].data = boot_msrs[i].value;
	}
	msrs->nmsrs = (uint32_t)nmsr;
	/* KVM_SET_MSRS returns how many it set; a host that refuses one
	 * (kvm_pvm may) still boots: the kernel programs them itself. */
	int set = ioctl(fd, KVM_SET_MSRS, msrs);
	free(msrs);
	if (set < 0)
		return perr_set(err, errno, "KVM_SET_MSRS");
	return 0;
}

/* The local APIC in "virtual wire" mode (Intel MultiProcessor
 * Specification 1.4, 3.6.2.2): LINT0 delivers the 8259 PIC's interrupts
 * (ExtINT), LINT1 NMIs, so that a guest without MP or ACPI tables gets
 * the PIC's interrupts as a PC's BIOS leaves them. */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVT_MASKED (1U << 16)
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static void set_lvt(struct kvm_lapic_state *st, int reg, uint32_t mode)
{
	uint32_t v;
	memcpy(&v, st->regs + reg, 4);
	v = (v & ~(APIC_LVT_MASKED | 0x700U)) | (mode << 8);
	memcpy(st->regs + reg, &v, 4);
}

int cpu_setup_lapic(int fd, struct perr *err)
{
	struct kvm_lapic_state st;

	if (ioctl(fd, KVM_GET_LAPIC, &st) < 0)
		return perr_set(err, errno, "KVM_GET_LAPIC");
	set_lvt(&st, APIC_LVT0, APIC_MODE_EXTINT);
	set_lvt(&st, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(fd, KVM_SET_LAPIC, &st) < 0)
		return perr_set(err, errno, "KVM_SET_LAPIC");
	return 0;
}

void cpu_report_crash(struct vm *vm, struct vcpu *v, const char *what)
{
	struct kvm_regs regs;
	char bytes[64] = "unreadable";

	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		fprintf(stderr, "persona: vm: vCPU %d: %s\n", v->id, what);
		return;
	}
	struct kvm_translation tr = { .linear_address = regs.rip };
	if (ioctl(v->fd, KVM_TRANSLATE, &tr) == 0 && tr.valid) {
		uint8_t *p = vm_gpa(vm, tr.physical_address, 1);
		if (p) {
			size_t n = 0, avail = vm->ram_size - tr.physical_address;
			bytes[0] = '\0';
			for (size_t i = 0; i < 15 && i < avail && n + 4 < sizeof(bytes); i++)
				n += (size_t)snprintf(bytes + n, sizeof(bytes) - n, "%s%02x", i ? " " : "", p[i]);
		}
	}
	fprintf(stderr, "persona: vm: vCPU %d: %s at guest RIP 0x%llx (instruction bytes: %s)\n", v->id, what,
		(unsigned long long)regs.rip, bytes);
}
