/* persona micro-VM: loading the kernel image.
 *
 * Two formats, recognised by their headers:
 * - ELF64 x86-64 (System V gABI): PT_LOAD segments are copied to their
 *   physical addresses (p_paddr), the rest of p_memsz zeroed, and e_entry
 *   is the 64-bit entry (Linux links vmlinux with ENTRY(phys_startup_64),
 *   a physical address).
 * - bzImage (Documentation/arch/x86/boot.rst): "HdrS" at 0x202, protocol
 *   2.08 or later for payload_offset/payload_length, XLF_KERNEL_64 set.
 *   The payload is the compressed vmlinux ELF, followed by its
 *   uncompressed size as a little-endian 32-bit number (the kernel's
 *   size_append); persona decompresses it here instead of running the
 *   kernel's own decompressor in the guest, then loads it as ELF.
 * Every offset and size read from the file is checked against the file
 * and against guest RAM. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "isolation/microvm/vm.h"

#define KERNEL_FILE_MAX (512ULL << 20)
#define SETUP_HDR_OFFSET 0x1f1
#define XLF_KERNEL_64 0x1

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int read_whole(const char *path, uint8_t **out, size_t *len, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	uint8_t *buf;
	size_t off = 0;

	if (fd < 0)
		return perr_set(err, errno, "%s", path);
	if (fstat(fd, &sb) < 0)
		return perr_set(err, errno, "%s", path);
	if (!S_ISREG(sb.st_mode))
		return perr_set(err, 0, "%s: not a regular file", path);
	if ((uint64_t)sb.st_size > KERNEL_FILE_MAX)
		return perr_set(err, 0, "%s: larger than %llu MiB, not a kernel", path, KERNEL_FILE_MAX >> 20);
	buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
	if (!buf)
		return perr_set(err, ENOMEM, "%s", path);
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return perr_set(err, n < 0 ? errno : 0, "%s: short read", path);
		}
		off += (size_t)n;
	}
	*out = buf;
	*len = off;
	return 0;
}

/* The first ELF note of owner `owner` (with its NUL) and, when `type` >=
 * 0, of that type, in a PT_NOTE segment: its descriptor into *desc and
 * *descsz.  Bounds-checked like everything here. */
static bool find_note(const uint8_t *f, size_t len, const Elf64_Ehdr *eh, const char *owner, long type,
		      const uint8_t **desc, uint32_t *descsz)
{
	uint32_t olen = (uint32_t)strlen(owner) + 1;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, f + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			continue;
		const uint8_t *p = f + ph.p_offset, *end = p + ph.p_filesz;
		while (end - p >= 12) {
			uint32_t namesz = le32(p), descsz_ = le32(p + 4), ntype = le32(p + 8);
			uint64_t nameal = ((uint64_t)namesz + 3) & ~3ULL, step = 12 + nameal + (((uint64_t)descsz_ + 3) & ~3ULL);
			if (step > (uint64_t)(end - p))
				break;
			if (namesz == olen && !memcmp(p + 12, owner, olen) && (type < 0 || ntype == (uint32_t)type)) {
				*desc = p + 12 + nameal;
				*descsz = descsz_;
				return true;
			}
			p += step;
		}
	}
	return false;
}

/* Does a PT_NOTE carry a note of owner "Linux" (vmlinux's build salt,
 * include/linux/elfnote.h)? */
static bool has_linux_note(const uint8_t *f, size_t len, const Elf64_Ehdr *eh)
{
	const uint8_t *d;
	uint32_t n;
	return find_note(f, len, eh, "Linux", -1, &d, &n);
}

/* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
 * physical entry point of a kernel built with CONFIG_PVH, 0 when none. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
static uint64_t pvh_entry(const uint8_t *f, size_t len, const Elf64_Ehdr *eh)
{
	const uint8_t *d;
	uint32_t n;
	if (!find_note(f, len, eh, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &d, &n) || (n != 4 && n != 8))
		return 0;
	return le32(d);
}

/* Load an ELF64 image held in `f` (`len` bytes); `what` names it. */
static int load_elf(struct vm *vm, const uint8_t *f, size_t len, const char *what, struct boot_image *img,
		    struct perr *err)
{
	Elf64_Ehdr eh;
	uint64_t lo = UINT64_MAX, hi = 0;

	if (len < sizeof(eh))
		return perr_set(err, 0, "%s: truncated ELF header", what);
	memcpy(&eh, f, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return perr_set(err, 0, "%s: not an x86-64 ELF64 kernel", what);
	if (eh.e_type != ET_EXEC)
		return perr_set(err, 0, "%s: ELF type %u, not an executable kernel", what, eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		return perr_set(err, 0, "%s: truncated or bad ELF program headers", what);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return perr_set(err, 0, "%s: segment %u lies outside the file (truncated?)", what, i);
		if (ph.p_paddr < VM_HIMEM_START)
			return perr_set(err, 0, "%s: segment %u at 0x%llx is below 1 MiB", what, i,
					(unsigned long long)ph.p_paddr);
		uint8_t *dst = vm_gpa(vm, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return perr_set(err, 0,
					"%s: segment %u (0x%llx-0x%llx) does not fit in %llu MiB of guest memory; "
					"give --memory more",
					what, i, (unsigned long long)ph.p_paddr,
					(unsigned long long)(ph.p_paddr + ph.p_memsz),
					(unsigned long long)(vm->ram_size >> 20));
		memcpy(dst, f + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > hi)
			hi = ph.p_paddr + ph.p_memsz;
	}
	if (hi == 0)
		return perr_set(err, 0, "%s: no loadable segment", what);
	img->linux_kernel = img->linux_kernel || has_linux_note(f, len, &eh);
	if (eh.e_entry < lo || eh.e_entry >= hi)
		return perr_set(err, 0, "%s: entry point 0x%llx outside its segments", what,
				(unsigned long long)eh.e_entry);
	img->entry = eh.e_entry;
	img->load_lo = lo;
	img->load_hi = hi;
	img->pvh_entry = pvh_entry(f, len, &eh);
	if (img->pvh_entry && (img->pvh_entry < lo || img->pvh_entry >= hi))
		img->pvh_entry = 0;   /* outside the kernel: not believed */
	return 0;
}

static int load_bzimage(struct vm *vm, const uint8_t *f, size_t len, const char *path, struct boot_image *img,
			struct perr *err)
{
	unsigned setup_sects = f[SETUP_HDR_OFFSET] ? f[SETUP_HDR_OFFSET] : 4;
	uint16_t version = le16(f + 0x206);
	size_t pm_offset = ((size_t)setup_sects + 1) * 512;
	_cleanup_free_ uint8_t *vmlinux = NULL;

	if (version < 0x208)
		return perr_set(err, 0, "%s: boot protocol %u.%02u, persona needs 2.08 or later", path, version >> 8,
				version & 0xff);
	if (len < 0x270 || pm_offset > len)
		return perr_set(err, 0, "%s: truncated bzImage (setup code ends past the file)", path);
	if (!(le16(f + 0x236) & XLF_KERNEL_64))
		return perr_set(err, 0, "%s: bzImage without a 64-bit entry point (XLF_KERNEL_64)", path);
	uint64_t poff = pm_offset + (uint64_t)le32(f + 0x248), plen = le32(f + 0x24c);
	if (plen < 8 || poff > len || plen > len - poff)
		return perr_set(err, 0, "%s: truncated bzImage (its payload, %llu bytes at %llu, ends past %zu)",
				path, (unsigned long long)plen, (unsigned long long)poff, len);
	size_t out_len = le32(f + poff + plen - 4);
	if (out_len < sizeof(Elf64_Ehdr) || out_len > vm->ram_size)
		return perr_set(err, 0,
				"%s: the decompressed kernel (%zu bytes) cannot fit in %llu MiB of guest memory",
				path, out_len, (unsigned long long)(vm->ram_size >> 20));
	if (decompress_payload(f + poff, plen - 4, &vmlinux, out_len, err) < 0)
		return perr_prefix(err, "%s: bzImage payload", path);
	img->linux_kernel = true;
	if (load_elf(vm, vmlinux, out_len, path, img, err) < 0)
		return -1;
	size_t hdr_end = 0x202 + (size_t)f[0x201];
	if (hdr_end > SETUP_HDR_OFFSET + sizeof(img->setup))
		hdr_end = SETUP_HDR_OFFSET + sizeof(img->setup);
	if (hdr_end > 0x290)
		hdr_end = 0x290;
	img->have_setup = true;
	img->setup_len = hdr_end - SETUP_HDR_OFFSET;
	memcpy(img->setup, f + SETUP_HDR_OFFSET, img->setup_len);
	return 0;
}

int loader_load_kernel(struct vm *vm, const char *path, struct boot_image *img, struct perr *err)
{
	_cleanup_free_ uint8_t *f = NULL;
	size_t len = 0;

	memset(img, 0, sizeof(*img));
	if (read_whole(path, &f, &len, err) < 0)
		return perr_prefix(err, "kernel");
	if (len >= SELFMAG && !memcmp(f, ELFMAG, SELFMAG))
		return load_elf(vm, f, len, path, img, err);
	if (len >= 0x206 && !memcmp(f + 0x202, "HdrS", 4))
		return load_bzimage(vm, f, len, path, img, err);
	if (len >= 0x200 && len < 0x206 && f[0x1fe] == 0x55 && f[0x1ff] == 0xaa)
		return perr_set(err, 0, "%s: truncated bzImage (%zu bytes)", path, len);
	return perr_set(err, 0, "%s: not a kernel (neither an ELF64 vmlinux nor a bzImage)", path);
}
