/* persona's test guest: a freestanding 64-bit program that persona's VMM
 * boots like a Linux kernel.  Its kernel command line says what to do
 * (test=NAME); it reports over the 8250 UART and ends through the
 * debug-exit port with its status.  Tests: tests/unit/test_microvm.c. */
#include "guest.h"

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0x501
#define BP_E820_ENTRIES 0x1e8
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0

void *memset(void *d, int c, size_t n)
{
	volatile uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

void print(const char *s)
{
	for (; *s; s++)
		serial_putc(*s);
}

void print_hex(uint64_t v)
{
	char buf[19];
	int i = 18;
	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	print(buf + i);
}

void print_dec(uint64_t v)
{
	char buf[21];
	int i = 20;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	print(buf + i);
}

/* The value of "key=" on the command line, copied into out. */
static bool cmdline_get(const char *cmdline, const char *key, char *out, size_t len)
{
	size_t klen = 0;
	while (key[klen])
		klen++;
	for (const char *p = cmdline; *p; p++) {
		if ((p != cmdline && p[-1] != ' ') || memcmp(p, key, klen) || p[klen] != '=')
			continue;
		const char *v = p + klen + 1;
		size_t i = 0;
		while (v[i] && v[i] != ' ' && i + 1 < len) {
			out[i] = v[i];
			i++;
		}
		out[i] = 0;
		return true;
	}
	return false;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint64_t dec(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* ---- serial, e820, exit status ---------------------------------------- */

static int test_serial(const uint8_t *bp, const char *cmdline)
{
	char status[8] = "0";
	print("test guest: hello over the 8250\n");
	print("test guest: command line: ");
	print(cmdline);
	print("\n");
	uint64_t ram = 0;
	uint8_t n = bp[BP_E820_ENTRIES];
	for (uint8_t i = 0; i < n; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + i * 20;
		uint64_t size = *(const uint64_t *)(e + 8);
		if (*(const uint32_t *)(e + 16) == 1)
			ram += size;
	}
	print("test guest: e820 RAM ");
	print_dec((ram + (1 << 20) - 1) >> 20);
	print(" MiB\n");
	uint32_t rd_addr = *(const uint32_t *)(bp + 0x218), rd_size = *(const uint32_t *)(bp + 0x21c);
	if (rd_size) {
		char head[17];
		uint32_t n = rd_size < 16 ? rd_size : 16;
		memcpy(head, (const void *)(uint64_t)rd_addr, n);
		head[n] = 0;
		for (uint32_t i = 0; i < n; i++)
			if (head[i] < ' ' || head[i] > '~')
				head[i] = '.';
		print("test guest: initrd ");
		print_dec(rd_size);
		print(" bytes at ");
		print_hex(rd_addr);
		print(": ");
		print(head);
		print("\n");
	}
	cmdline_get(cmdline, "status", status, sizeof(status));
	return (int)dec(status);
}

/* ---- virtio-blk ------------------------------------------------------- */

static struct vq blk_vq[1] __attribute__((aligned(4096)));
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} blk_hdr;
static uint8_t blk_data[512];
static volatile uint8_t blk_status;

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1

static int blk_io(struct vdev *d, uint32_t type, uint64_t sector)
{
	struct vq *vq = &blk_vq[0];
	blk_hdr.type = type;
	blk_hdr.sector = sector;
	blk_status = 0xff;
	vq->desc[0] = (struct vq_desc){ (uint64_t)&blk_hdr, sizeof(blk_hdr), 0, 0 };
	vq->desc[1] = (struct vq_desc){ (uint64_t)blk_data, 512, type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0, 0 };
	vq->desc[2] = (struct vq_desc){ (uint64_t)&blk_status, 1, VRING_DESC_F_WRITE, 0 };
	if (virtio_request(d, 0, 3) < 0)
		return -1;
	return blk_status;
}

static int test_blk(const char *cmdline)
{
	struct vdev d;
	static const char pattern[] = "written by the test guest";
	int rc = 0;

	if (!virtio_find(cmdline, 2, &d)) {
		print("blk: no virtio-blk device\n");
		return 1;
	}
	if (!virtio_init(&d, blk_vq, 1, 1u << 5 /* VIRTIO_BLK_F_RO */))
		return 1;
	print("blk: capacity ");
	print_dec(virtio_config32(&d, 0) | (uint64_t)virtio_config32(&d, 4) << 32);
	print(" sectors\n");
	int st = blk_io(&d, VIRTIO_BLK_T_IN, 0);
	blk_data[40] = 0;
	print("blk: read sector 0, status ");
	print_dec((uint64_t)st);
	print(": ");
	print((const char *)blk_data);
	print("\n");
	print("blk: interrupt status ");
	print_dec(virtio_ack_interrupt(&d));
	print("\n");
	memset(blk_data, 0, sizeof(blk_data));
	memcpy(blk_data, pattern, sizeof(pattern));
	st = blk_io(&d, VIRTIO_BLK_T_OUT, 1);
	print("blk: write sector 1, status ");
	print_dec((uint64_t)st);
	print("\n");
	if (st == 0) {
		memset(blk_data, 0, sizeof(blk_data));
		st = blk_io(&d, VIRTIO_BLK_T_IN, 1);
		if (st == 0 && !memcmp(blk_data, pattern, sizeof(pattern))) {
			print("blk: sector 1 read back matches\n");
		} else {
			print("blk: sector 1 read back differs\n");
			rc = 1;
		}
	}
	/* Past the end of the disk: the device answers IOERR. */
	uint64_t cap = virtio_config32(&d, 0) | (uint64_t)virtio_config32(&d, 4) << 32;
	st = blk_io(&d, VIRTIO_BLK_T_IN, cap);
	print("blk: read past the end, status ");
	print_dec((uint64_t)st);
	print("\n");
	return rc;
}

/* ---- hostile requests --------------------------------------------------- */

static bool expect_needs_reset(struct vdev *d, const char *what)
{
	uint32_t s = virtio_status(d);
	print("baddesc: ");
	print(what);
	if (s & 0x40) {
		print(": device reports DEVICE_NEEDS_RESET\n");
		return true;
	}
	print(": device status ");
	print_hex(s);
	print(", not DEVICE_NEEDS_RESET\n");
	return false;
}

static int test_baddesc(const char *cmdline)
{
	struct vdev d;
	struct vq *vq = &blk_vq[0];
	int fails = 0;

	if (!virtio_find(cmdline, 2, &d) || !virtio_init(&d, blk_vq, 1, 0))
		return 1;
	/* 1: a data buffer far outside guest RAM. */
	blk_hdr.type = VIRTIO_BLK_T_IN;
	blk_hdr.sector = 0;
	vq->desc[0] = (struct vq_desc){ (uint64_t)&blk_hdr, sizeof(blk_hdr), 0, 0 };
	vq->desc[1] = (struct vq_desc){ 0x7ffffff000ULL, 512, VRING_DESC_F_WRITE, 0 };
	vq->desc[2] = (struct vq_desc){ (uint64_t)&blk_status, 1, VRING_DESC_F_WRITE, 0 };
	virtio_request(&d, 0, 3);
	fails += !expect_needs_reset(&d, "buffer outside RAM");

	/* 2: a descriptor chain that loops. */
	virtio_init(&d, blk_vq, 1, 0);
	vq->desc[0] = (struct vq_desc){ (uint64_t)&blk_hdr, sizeof(blk_hdr), VRING_DESC_F_NEXT, 1 };
	vq->desc[1] = (struct vq_desc){ (uint64_t)blk_data, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0 };
	vq->avail.ring[0] = 0;
	vq->avail.idx = 1;
	mmio_write32(d.base + 0x50, 0);
	fails += !expect_needs_reset(&d, "looping chain");

	/* 3: the available index runs more than a queue ahead. */
	virtio_init(&d, blk_vq, 1, 0);
	vq->avail.idx = 100;
	mmio_write32(d.base + 0x50, 0);
	fails += !expect_needs_reset(&d, "available index too far ahead");

	/* 4: a length that wraps around the address space. */
	virtio_init(&d, blk_vq, 1, 0);
	vq->desc[0] = (struct vq_desc){ (uint64_t)&blk_hdr, sizeof(blk_hdr), 0, 0 };
	vq->desc[1] = (struct vq_desc){ 0xfffffffffffffe00ULL, 0x1000, VRING_DESC_F_WRITE, 0 };
	vq->desc[2] = (struct vq_desc){ (uint64_t)&blk_status, 1, VRING_DESC_F_WRITE, 0 };
	virtio_request(&d, 0, 3);
	fails += !expect_needs_reset(&d, "wrapping buffer");

	/* After a reset the device works again. */
	virtio_init(&d, blk_vq, 1, 0);
	int st = blk_io(&d, VIRTIO_BLK_T_IN, 0);
	print("baddesc: after reset, read sector 0, status ");
	print_dec((uint64_t)st);
	print("\n");
	return fails || st != 0;
}

/* ---- virtio-rng ------------------------------------------------------- */

static struct vq rng_vq[1] __attribute__((aligned(4096)));
static uint8_t rng_buf[2][32];

static int test_rng(const char *cmdline)
{
	struct vdev d;
	if (!virtio_find(cmdline, 4, &d)) {
		print("rng: no virtio-rng device\n");
		return 1;
	}
	if (!virtio_init(&d, rng_vq, 1, 0))
		return 1;
	for (int i = 0; i < 2; i++) {
		rng_vq[0].desc[0] = (struct vq_desc){ (uint64_t)rng_buf[i], 32, VRING_DESC_F_WRITE, 0 };
		int64_t n = virtio_request(&d, 0, 1);
		print("rng: got ");
		print_dec((uint64_t)n);
		print(" bytes\n");
	}
	bool zero = true;
	for (int i = 0; i < 32; i++)
		zero &= rng_buf[0][i] == 0;
	print(zero ? "rng: all zero\n" : "rng: not all zero\n");
	print(memcmp(rng_buf[0], rng_buf[1], 32) ? "rng: two reads differ\n" : "rng: two reads equal\n");
	return zero;
}

/* ---- virtio-console --------------------------------------------------- */

static struct vq con_vq[2] __attribute__((aligned(4096)));

static int test_console(const char *cmdline)
{
	static const char msg[] = "hello over virtio-console\n";
	struct vdev d;

	if (!virtio_find(cmdline, 3, &d)) {
		print("console: no virtio-console device\n");
		return 1;
	}
	if (!virtio_init(&d, con_vq, 2, 0))
		return 1;
	con_vq[1].desc[0] = (struct vq_desc){ (uint64_t)msg, sizeof(msg) - 1, 0, 0 };
	int64_t n = virtio_request(&d, 1, 1);
	print("console: transmitq answered ");
	print(n >= 0 ? "yes\n" : "no\n");
	return n < 0;
}

/* ---- interrupts: IDT, the 8259 PIC, the serial and virtio lines -------- */

extern const uint64_t irq_stubs[16];
static volatile uint32_t irq_count[16];
static struct vdev *irq_vdev;

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));

void irq_handler(uint64_t irq)
{
	irq_count[irq & 15]++;
	if (irq == 4)
		inb(COM1 + 2); /* IIR: reading it clears the THR-empty source */
	if (irq_vdev && irq == irq_vdev->irq)
		virtio_ack_interrupt(irq_vdev);
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20); /* EOI */
}

static void pic_init(uint16_t unmask)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0x20); /* ICW2: IRQ 0-7 at vectors 0x20-0x27 */
	outb(0xa1, 0x28);
	outb(0x21, 0x04); /* ICW3: the slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, (uint8_t)~(unmask | 0x04));
	outb(0xa1, (uint8_t)~(unmask >> 8));
}

static bool wait_irq(int irq, uint32_t before)
{
	for (int i = 0; i < 200000; i++) {
		if (irq_count[irq] != before)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static void report_irq(const char *what, int irq, bool ok)
{
	print("irq: ");
	print(what);
	print(" on IRQ ");
	print_dec((uint64_t)irq);
	print(ok ? ": taken\n" : ": not taken\n");
}

static int test_irq(const char *cmdline)
{
	static struct vdev blk;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	int fails = 0;

	for (int i = 0; i < 16; i++) {
		uint64_t a = irq_stubs[i];
		idt[0x20 + i] = (struct idt_gate){ (uint16_t)a, 0x10, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
	bool have_blk = virtio_find(cmdline, 2, &blk) && virtio_init(&blk, blk_vq, 1, 0);
	pic_init((uint16_t)((1u << 4) | (have_blk ? 1u << blk.irq : 0)));
	irq_vdev = have_blk ? &blk : NULL;
	__asm__ volatile("sti");

	/* The UART raises THR-empty as soon as the interrupt is enabled. */
	uint32_t before = irq_count[4];
	outb(COM1 + 1, 0x02);
	bool ok = wait_irq(4, before);
	outb(COM1 + 1, 0x00);
	report_irq("8250 THR empty", 4, ok);
	fails += !ok;
	if (have_blk) {
		before = irq_count[blk.irq];
		int st = blk_io(&blk, VIRTIO_BLK_T_IN, 0);
		ok = wait_irq((int)blk.irq, before);
		report_irq("virtio-blk used buffer", (int)blk.irq, ok && st == 0);
		fails += !ok;
	}
	__asm__ volatile("cli");
	return fails;
}

/* ---- the MP table at the EBDA ----------------------------------------------- */

static uint8_t sum_bytes(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static int test_mptable(void)
{
	const uint8_t *fp = (const uint8_t *)0x9fc00;
	if (memcmp(fp, "_MP_", 4) || sum_bytes(fp, 16)) {
		print("mptable: no valid floating pointer at 0x9fc00\n");
		return 1;
	}
	const uint8_t *ct = (const uint8_t *)(uint64_t) * (const uint32_t *)(fp + 4);
	uint16_t len = *(const uint16_t *)(ct + 4), count = *(const uint16_t *)(ct + 34);
	if (memcmp(ct, "PCMP", 4) || sum_bytes(ct, len)) {
		print("mptable: bad configuration table\n");
		return 1;
	}
	unsigned cpus = 0, ints = 0, lints = 0, bsp = 0;
	uint32_t ioapic = 0, ioapic_id = 0;
	const uint8_t *e = ct + 44;
	for (uint16_t i = 0; i < count && e < ct + len; i++) {
		switch (e[0]) {
		case 0:
			cpus++;
			bsp += (e[3] & 2) != 0;
			e += 20;
			break;
		case 2:
			ioapic_id = e[1];
			ioapic = *(const uint32_t *)(e + 4);
			e += 8;
			break;
		case 3:
			ints++;
			e += 8;
			break;
		case 4:
			lints++;
			e += 8;
			break;
		default:
			e += 8;
			break;
		}
	}
	print("mptable: ");
	print_dec(cpus);
	print(" processors (");
	print_dec(bsp);
	print(" bootstrap), I/O APIC ");
	print_dec(ioapic_id);
	print(" at ");
	print_hex(ioapic);
	print(", ");
	print_dec(ints);
	print(" ISA interrupts, ");
	print_dec(lints);
	print(" local\n");
	return 0;
}

/* ---- CPUID as the guest sees it ------------------------------------------ */

static int test_cpuid(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	print("cpuid 1: ecx ");
	print_hex(c);
	print(" xsave ");
	print_dec((c >> 26) & 1);
	print(" popcnt ");
	print_dec((c >> 23) & 1);
	print(" hypervisor ");
	print_dec(c >> 31);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	print(" smap ");
	print_dec((b >> 20) & 1);
	print("\n");
	return 0;
}

/* ---- serial input: echo one line ------------------------------------- */

static int test_echo(void)
{
	char line[80];
	size_t n = 0;

	print("echo: ready\n");
	for (;;) {
		while (!(inb(COM1 + 5) & 0x01))
			;
		char c = (char)inb(COM1);
		if (c == '\n' || n + 1 == sizeof(line))
			break;
		line[n++] = c;
	}
	line[n] = 0;
	print("echo: ");
	print(line);
	print("\n");
	return 0;
}

/* ---- an instruction KVM's emulator does not know (on kvm_pvm hosts) ---- */

static int test_crash(void)
{
	print("crash: executing INT3 with no IDT\n");
	__asm__ volatile("int3");
	return 3;
}

int guest_main(const uint8_t *bp)
{
	const char *cmdline = (const char *)(uint64_t) * (const uint32_t *)(bp + BP_CMD_LINE_PTR);
	char test[32] = "serial";

	cmdline_get(cmdline, "test", test, sizeof(test));
	if (streq(test, "serial"))
		return test_serial(bp, cmdline);
	if (streq(test, "blk"))
		return test_blk(cmdline);
	if (streq(test, "baddesc"))
		return test_baddesc(cmdline);
	if (streq(test, "rng"))
		return test_rng(cmdline);
	if (streq(test, "console"))
		return test_console(cmdline);
	if (streq(test, "mptable"))
		return test_mptable();
	if (streq(test, "irq"))
		return test_irq(cmdline);
	if (streq(test, "cpuid"))
		return test_cpuid();
	if (streq(test, "echo"))
		return test_echo();
	if (streq(test, "crash"))
		return test_crash();
	if (streq(test, "reset")) {
		print("reset: i8042 command 0xfe\n");
		outb(0x64, 0xfe);
		return 4;
	}
	print("test guest: unknown test ");
	print(test);
	print("\n");
	return 2;
}
