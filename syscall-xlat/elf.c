/* persona syscall-xlat: ELF64 header validation (see elf.h). */
#include "syscall-xlat/elf.h"
#include "syscall-xlat/xlat.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ELFOSABI_FREEBSD_ 9
#define NT_FREEBSD_ABI_TAG_ 1
#define USER_LIMIT (1ULL << 47)

static int bad(struct perr *err, const char *what)
{
	return perr_status(err, 126, "%s", what);
}

static int read_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int)got;
}

int xlat_elf_read(int fd, struct xlat_elf *e, struct perr *err)
{
	struct stat st;
	memset(e, 0, sizeof(*e));
	if (fstat(fd, &st) < 0)
		return perr_set(err, errno, "stat");
	if (!S_ISREG(st.st_mode))
		return bad(err, "not a regular file");
	e->file_size = st.st_size;

	int n = read_full(fd, &e->eh, sizeof(e->eh), 0);
	if (n < 0)
		return perr_set(err, errno, "read ELF header");
	if (n < SELFMAG || memcmp(e->eh.e_ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (n < EI_NIDENT)
		return bad(err, "truncated ELF identification");
	if (e->eh.e_ident[EI_CLASS] != ELFCLASS64 || e->eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return 1; /* not ours to parse further; caller decides */
	if (n < (int)sizeof(Elf64_Ehdr))
		return bad(err, "truncated ELF header");
	const Elf64_Ehdr *h = &e->eh;
	if (h->e_ident[EI_VERSION] != EV_CURRENT || h->e_version != EV_CURRENT)
		return bad(err, "unsupported ELF version");
	if (h->e_ehsize != sizeof(Elf64_Ehdr))
		return bad(err, "malformed ELF header (e_ehsize)");
	if (h->e_phnum == 0)
		return bad(err, "no program headers");
	if (h->e_phentsize != sizeof(Elf64_Phdr))
		return bad(err, "malformed ELF header (e_phentsize)");
	if (h->e_phnum > XLAT_MAX_PHDRS)
		return bad(err, "too many program headers");
	uint64_t phlen = (uint64_t)h->e_phnum * sizeof(Elf64_Phdr);
	if (h->e_phoff > (uint64_t)e->file_size || phlen > (uint64_t)e->file_size - h->e_phoff)
		return bad(err, "program headers lie outside the file (truncated?)");
	n = read_full(fd, e->ph, phlen, (off_t)h->e_phoff);
	if (n < 0)
		return perr_set(err, errno, "read program headers");
	if ((uint64_t)n != phlen)
		return bad(err, "truncated program headers");
	e->phnum = h->e_phnum;
	return 1;
}

int xlat_elf_note_is_freebsd(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		off += 12;
		size_t nlen = ((size_t)namesz + 3) & ~(size_t)3;
		size_t dlen = ((size_t)descsz + 3) & ~(size_t)3;
		if (nlen > len - off)
			return 0;
		if (namesz == 8 && type == NT_FREEBSD_ABI_TAG_ && memcmp(buf + off, "FreeBSD", 8) == 0)
			return 1;
		off += nlen;
		if (dlen > len - off)
			return 0;
		off += dlen;
	}
	return 0;
}

int xlat_elf_is_freebsd(int fd, const struct xlat_elf *e)
{
	if (e->eh.e_ident[EI_OSABI] == ELFOSABI_FREEBSD_)
		return 1;
	for (int i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_NOTE || p->p_offset >= (uint64_t)e->file_size)
			continue;
		unsigned char buf[4096];
		size_t len = p->p_filesz < sizeof(buf) ? p->p_filesz : sizeof(buf);
		int n = read_full(fd, buf, len, (off_t)p->p_offset);
		if (n < 0)
			return -1;
		if (xlat_elf_note_is_freebsd(buf, (size_t)n))
			return 1;
	}
	return 0;
}

int xlat_detect(int fd, struct perr *err)
{
	struct xlat_elf e;
	int r = xlat_elf_read(fd, &e, err);
	if (r <= 0)
		return r;
	int osabi_bsd = e.eh.e_ident[EI_OSABI] == ELFOSABI_FREEBSD_;
	if (e.eh.e_ident[EI_CLASS] != ELFCLASS64 || e.eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return osabi_bsd ? bad(err, "FreeBSD binary for another architecture "
					    "(not ELF64 little-endian)") : XLAT_NONE;
	int bsd = xlat_elf_is_freebsd(fd, &e);
	if (bsd < 0)
		return perr_set(err, errno, "read ELF notes");
	if (!bsd)
		return XLAT_NONE;
	if (e.eh.e_machine != EM_X86_64)
		return bad(err, "FreeBSD binary for another architecture (e_machine is not x86-64)");
	return XLAT_FREEBSD;
}

int xlat_elf_interp(int fd, const struct xlat_elf *e, char *out, size_t len, struct perr *err)
{
	for (int i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_INTERP)
			continue;
		if (p->p_filesz < 2 || p->p_filesz > len)
			return bad(err, "PT_INTERP is not a path of a sane length");
		int n = read_full(fd, out, p->p_filesz, (off_t)p->p_offset);
		if (n != (int)p->p_filesz || out[p->p_filesz - 1] != '\0' || strlen(out) != p->p_filesz - 1 ||
		    out[0] != '/')
			return bad(err, "PT_INTERP is not an absolute, NUL-terminated path");
		return 1;
	}
	return 0;
}

int xlat_elf_check_loadable(const struct xlat_elf *e, struct perr *err)
{
	const Elf64_Ehdr *h = &e->eh;
	if (h->e_ident[EI_CLASS] != ELFCLASS64 || h->e_ident[EI_DATA] != ELFDATA2LSB ||
	    h->e_machine != EM_X86_64)
		return bad(err, "not an x86-64 ELF64 little-endian executable");
	if (h->e_type != ET_EXEC && h->e_type != ET_DYN)
		return bad(err, "not an executable (e_type is neither ET_EXEC nor ET_DYN)");

	uint64_t prev_end = 0;
	int loads = 0, entry_ok = 0, interps = 0;
	for (int i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type == PT_INTERP) {
			if (++interps > 1)
				return bad(err, "malformed program headers (more than one PT_INTERP)");
			if (p->p_offset > (uint64_t)e->file_size || p->p_filesz > (uint64_t)e->file_size - p->p_offset)
				return bad(err, "PT_INTERP lies outside the file (truncated?)");
			continue;
		}
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz)
			return bad(err, "malformed segment (p_filesz > p_memsz)");
		if (p->p_offset > (uint64_t)e->file_size ||
		    p->p_filesz > (uint64_t)e->file_size - p->p_offset)
			return bad(err, "segment lies outside the file (truncated?)");
		if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
			return bad(err, "malformed segment (p_align is not a power of two)");
		if ((p->p_vaddr - p->p_offset) % XLAT_PAGE)
			return bad(err, "malformed segment (p_vaddr and p_offset disagree modulo the page size)");
		if (p->p_memsz == 0)
			continue;
		if (p->p_vaddr >= USER_LIMIT || p->p_memsz > USER_LIMIT - p->p_vaddr)
			return bad(err, "segment lies outside the user address space");
		uint64_t start = p->p_vaddr & ~(XLAT_PAGE - 1);
		uint64_t end = (p->p_vaddr + p->p_memsz + XLAT_PAGE - 1) & ~(XLAT_PAGE - 1);
		if (loads && start < prev_end)
			return bad(err, "segments overlap or are not in ascending order");
		if (h->e_entry >= p->p_vaddr && h->e_entry < p->p_vaddr + p->p_memsz &&
		    (p->p_flags & PF_X))
			entry_ok = 1;
		prev_end = end;
		loads++;
	}
	if (!loads)
		return bad(err, "no loadable segments");
	if (!entry_ok)
		return bad(err, "entry point lies outside the executable segments");
	return 0;
}
