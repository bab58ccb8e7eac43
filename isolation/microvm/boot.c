/* persona micro-VM: the zero page (struct boot_params) of the Linux boot
 * protocol, Documentation/arch/x86/boot.rst and zero-page.rst: the setup
 * header (the bzImage's own, else the fields a boot loader must give),
 * the e820 memory map, the command line and the initrd. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "isolation/microvm/vm.h"

/* Offsets in the zero page (zero-page.rst, boot.rst "The Real-Mode
 * Kernel Header"). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SETUP_SECTS 0x1f1
#define BP_BOOT_FLAG 0x1fe
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_HEAP_END_PTR 0x224
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_ADDR_MAX 0x22c
#define BP_KERNEL_ALIGNMENT 0x230
#define BP_CMDLINE_SIZE 0x238
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define E820_RAM 1
#define E820_RESERVED 2

static void put16(uint8_t *bp, size_t off, uint16_t v)
{
	memcpy(bp + off, &v, 2);
}

static void put32(uint8_t *bp, size_t off, uint32_t v)
{
	memcpy(bp + off, &v, 4);
}

static uint32_t get32(const uint8_t *bp, size_t off)
{
	uint32_t v;
	memcpy(&v, bp + off, 4);
	return v;
}

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = bp[BP_E820_ENTRIES];
	uint8_t *e = bp + BP_E820_TABLE + (size_t)n * 20;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &size, 8);
	memcpy(e + 16, &type, 4);
	bp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

static int load_initrd(struct vm *vm, uint8_t *bp, const struct boot_image *img, const char *path,
		       struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;

	if (fd < 0)
		return perr_set(err, errno, "initrd %s", path);
	if (fstat(fd, &sb) < 0)
		return perr_set(err, errno, "initrd %s", path);
	if (!S_ISREG(sb.st_mode))
		return perr_set(err, 0, "initrd %s: not a regular file", path);
	uint64_t size = (uint64_t)sb.st_size;
	uint64_t max = get32(bp, BP_INITRD_ADDR_MAX);
	uint64_t top = vm->ram_size;
	if (max && top > max + 1)
		top = max + 1;
	top &= ~0xfffULL;
	/* Page-aligned, at the top of RAM (what the kernel may reach), and
	 * above the kernel image. */
	uint64_t addr = size <= top ? (top - size) & ~0xfffULL : 0;
	if (size > top || addr < img->load_hi || size > UINT32_MAX)
		return perr_set(err, 0,
				"initrd %s (%llu MiB) does not fit in guest memory above the kernel (%llu MiB "
				"of RAM); give --memory more",
				path, (unsigned long long)(size >> 20), (unsigned long long)(vm->ram_size >> 20));
	uint8_t *dst = vm_gpa(vm, addr, size);
	for (uint64_t off = 0; off < size;) {
		ssize_t n = pread(fd, dst + off, size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return perr_set(err, n < 0 ? errno : 0, "initrd %s: short read", path);
		off += (uint64_t)n;
	}
	put32(bp, BP_RAMDISK_IMAGE, (uint32_t)addr);
	put32(bp, BP_RAMDISK_SIZE, (uint32_t)size);
	put32(bp, BP_EXT_RAMDISK_IMAGE, 0);
	put32(bp, BP_EXT_RAMDISK_SIZE, 0);
	return 0;
}

/* The PVH boot (xen/include/public/arch-x86/hvm/start_info.h, version 1;
 * Linux arch/x86/platform/pvh/enlighten.c reads it): hvm_start_info at
 * VM_PVH_INFO_ADDR, then the module list (the initrd) and the memory map,
 * the same facts the zero page `bp` holds. */
#define HVM_START_MAGIC 0x336ec578
static void pvh_setup(struct vm *vm, const uint8_t *bp)
{
	uint8_t *si = vm_gpa(vm, VM_PVH_INFO_ADDR, 0x200);
	uint64_t modlist = VM_PVH_INFO_ADDR + 0x40, memmap = VM_PVH_INFO_ADDR + 0x80;
	uint32_t rd = get32(bp, BP_RAMDISK_IMAGE), rd_size = get32(bp, BP_RAMDISK_SIZE);
	uint32_t n = bp[BP_E820_ENTRIES];

	memset(si, 0, 0x200);
	put32(si, 0, HVM_START_MAGIC);
	put32(si, 4, 1);                       /* version */
	put32(si, 12, rd_size ? 1 : 0);        /* nr_modules */
	memcpy(si + 16, &modlist, 8);
	uint64_t cmd = get32(bp, BP_CMD_LINE_PTR);
	memcpy(si + 24, &cmd, 8);              /* cmdline_paddr; rsdp_paddr 0: no ACPI */
	memcpy(si + 40, &memmap, 8);
	put32(si, 48, n);                      /* memmap_entries */
	if (rd_size) {
		uint64_t a = rd, l = rd_size;
		memcpy(si + 0x40, &a, 8);
		memcpy(si + 0x48, &l, 8);
	}
	for (uint32_t i = 0; i < n && i < 5; i++) {   /* e820 entries: 20 bytes each */
		const uint8_t *e = bp + BP_E820_TABLE + 20 * i;
		uint8_t *m = si + 0x80 + 24 * i;
		memcpy(m, e, 16);                      /* addr, size */
		memcpy(m + 16, e + 16, 4);             /* type */
	}
	vm->pvh_start_info = VM_PVH_INFO_ADDR;
}

int boot_setup(struct vm *vm, const struct boot_image *img, const char *cmdline, const char *initrd,
	       struct perr *err)
{
	uint8_t *bp = vm_gpa(vm, VM_BOOT_PARAMS_ADDR, 4096);
	size_t cmd_len = strlen(cmdline);

	memset(bp, 0, 4096);
	if (img->have_setup)
		memcpy(bp + BP_SETUP_SECTS, img->setup, img->setup_len);
	else {
		/* An ELF vmlinux has no header: give the fields the kernel
		 * reads, as the protocol version 2.12 defines them. */
		put16(bp, BP_BOOT_FLAG, 0xaa55);
		memcpy(bp + BP_HEADER, "HdrS", 4);
		put16(bp, BP_VERSION, 0x020c);
		put32(bp, BP_KERNEL_ALIGNMENT, 0x1000000);
		put32(bp, BP_INITRD_ADDR_MAX, 0x7fffffff);
		put32(bp, BP_CMDLINE_SIZE, 2047); /* x86 COMMAND_LINE_SIZE - 1 */
	}
	bp[BP_TYPE_OF_LOADER] = 0xff; /* "undefined": no assigned id */
	bp[BP_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	put16(bp, BP_HEAP_END_PTR, 0xfe00);

	uint32_t cmd_max = get32(bp, BP_CMDLINE_SIZE);
	if (cmd_max == 0 || cmd_max > VM_CMDLINE_MAX - 1)
		cmd_max = VM_CMDLINE_MAX - 1;
	if (cmd_len > cmd_max)
		return perr_set(err, 0, "kernel command line of %zu bytes is longer than the kernel's %u", cmd_len,
				cmd_max);
	uint8_t *cl = vm_gpa(vm, VM_CMDLINE_ADDR, VM_CMDLINE_MAX);
	memset(cl, 0, VM_CMDLINE_MAX);
	memcpy(cl, cmdline, cmd_len);
	put32(bp, BP_CMD_LINE_PTR, VM_CMDLINE_ADDR);
	put32(bp, BP_EXT_CMD_LINE_PTR, 0);

	e820_add(bp, 0, VM_EBDA_START, E820_RAM);
	e820_add(bp, VM_EBDA_START, VM_HIMEM_START - VM_EBDA_START, E820_RESERVED);
	e820_add(bp, VM_HIMEM_START, vm->ram_size - VM_HIMEM_START, E820_RAM);

	if (initrd && load_initrd(vm, bp, img, initrd, err) < 0)
		return -1;
	if (img->pvh_entry && !img->have_setup)
		pvh_setup(vm, bp);
	return 0;
}
