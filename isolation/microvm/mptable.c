/* persona micro-VM: the MP configuration table (Intel MultiProcessor
 * Specification 1.4, chapter 4), at the start of the EBDA where a PC's
 * BIOS leaves it.  It tells a Linux guest without ACPI its processors
 * (for --vcpus), the I/O APIC and how the ISA interrupts reach it; and a
 * kernel that finds it stops scanning the BIOS area for one (Linux maps
 * and unmaps the area for every 16-byte step: thousands of emulated
 * instructions per step where kvm_pvm emulates guest kernel code). */
#include <string.h>

#include "isolation/microvm/vm.h"

#define MP_LAPIC_ADDR 0xfee00000U
#define MP_IOAPIC_ADDR 0xfec00000U
#define MP_SPEC_REV 4        /* 1.4 */
#define MP_ISA_IRQS 16

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_INTSRC = 3, MP_LINTSRC = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint8_t *entry_intsrc(uint8_t *p, uint8_t type, uint8_t irqtype, uint8_t src_irq, uint8_t dst_id,
			     uint8_t dst_pin)
{
	p[0] = type;
	p[1] = irqtype;
	put16(p + 2, 0); /* polarity and trigger: as the bus says (ISA: high, edge) */
	p[4] = 0;        /* source bus: ISA */
	p[5] = src_irq;
	p[6] = dst_id;
	p[7] = dst_pin;
	return p + 8;
}

int mptable_write(struct vm *vm, struct perr *err)
{
	const uint8_t ioapic_id = (uint8_t)vm->nvcpus;
	uint8_t *fp = vm_gpa(vm, VM_EBDA_START, 1024);
	uint8_t *ct = fp + 16, *p = ct + 44;
	uint16_t entries = 0;

	if (!fp)
		return perr_set(err, 0, "MP table: guest memory too small");
	memset(fp, 0, 1024);
	for (int i = 0; i < vm->nvcpus; i++, entries++) {
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)i;                         /* local APIC id */
		p[2] = 0x14;                               /* local APIC version */
		p[3] = (uint8_t)(0x01 | (i == 0 ? 0x02 : 0)); /* enabled, bootstrap */
		put32(p + 4, 0x600);                       /* family 6 signature */
		put32(p + 8, 0x201);                       /* FPU, APIC */
		p += 20;
	}
	p[0] = MP_BUS;
	p[1] = 0;
	memcpy(p + 2, "ISA   ", 6);
	p += 8;
	entries++;
	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = 0x11; /* version */
	p[3] = 0x01; /* enabled */
	put32(p + 4, MP_IOAPIC_ADDR);
	p += 8;
	entries++;
	/* ISA IRQ n on I/O APIC pin n, as KVM's default routing wires them. */
	for (uint8_t irq = 0; irq < MP_ISA_IRQS; irq++, entries++)
		p = entry_intsrc(p, MP_INTSRC, MP_INT, irq, ioapic_id, irq);
	p = entry_intsrc(p, MP_LINTSRC, MP_EXTINT, 0, 0xff, 0);
	p = entry_intsrc(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);
	entries += 2;

	memcpy(ct, "PCMP", 4);
	put16(ct + 4, (uint16_t)(p - ct)); /* base table length */
	ct[6] = MP_SPEC_REV;
	memcpy(ct + 8, "PERSONA ", 8);     /* OEM id */
	memcpy(ct + 16, "MICROVM     ", 12); /* product id */
	put16(ct + 34, entries);
	put32(ct + 36, MP_LAPIC_ADDR);
	ct[7] = checksum(ct, (size_t)(p - ct));

	memcpy(fp, "_MP_", 4);
	put32(fp + 4, VM_EBDA_START + 16); /* the configuration table */
	fp[8] = 1;                         /* length in 16-byte units */
	fp[9] = MP_SPEC_REV;
	fp[10] = checksum(fp, 16);
	return 0;
}
