/* persona syscall-xlat: static ELF loader and FreeBSD initial stack (see loader.h). */
#include "syscall-xlat/loader.h"
#include "syscall-xlat/timekeep.h"

#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#define PAGE_DOWN(x) ((x) & ~(XLAT_PAGE - 1))
#define PAGE_UP(x) (((x) + XLAT_PAGE - 1) & ~(XLAT_PAGE - 1))

static int prot_of(uint32_t pf)
{
	return ((pf & PF_R) ? PROT_READ : 0) | ((pf & PF_W) ? PROT_WRITE : 0) |
	       ((pf & PF_X) ? PROT_EXEC : 0);
}

static int map_segment(int fd, const Elf64_Phdr *p, uint64_t bias, struct perr *err)
{
	uint64_t start = PAGE_DOWN(bias + p->p_vaddr);
	uint64_t file_end = bias + p->p_vaddr + p->p_filesz;
	uint64_t mem_end = bias + p->p_vaddr + p->p_memsz;
	int prot = prot_of(p->p_flags);
	uint64_t anon_start = start;

	if (p->p_filesz) {
		uint64_t len = PAGE_UP(file_end) - start;
		int need_zero = p->p_memsz > p->p_filesz && (file_end & (XLAT_PAGE - 1));
		void *m = mmap((void *)start, len, prot | (need_zero ? PROT_WRITE : 0),
			       MAP_PRIVATE | MAP_FIXED, fd, (off_t)PAGE_DOWN(p->p_offset));
		if (m == MAP_FAILED)
			return perr_set(err, errno, "map segment at %#lx", (unsigned long)start);
		if (need_zero) {
			memset((void *)file_end, 0, PAGE_UP(file_end) - file_end);
			if (!(prot & PROT_WRITE) && mprotect((void *)start, len, prot) < 0)
				return perr_set(err, errno, "mprotect segment");
		}
		anon_start = PAGE_UP(file_end);
	}
	if (PAGE_UP(mem_end) > anon_start) {
		void *m = mmap((void *)anon_start, PAGE_UP(mem_end) - anon_start, prot,
			       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return perr_set(err, errno, "map bss at %#lx", (unsigned long)anon_start);
	}
	return 0;
}

int xlat_load_image(int fd, const struct xlat_elf *e, struct xlat_image *img, struct perr *err)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	memset(img, 0, sizeof(*img));
	for (int i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (PAGE_DOWN(p->p_vaddr) < lo)
			lo = PAGE_DOWN(p->p_vaddr);
		if (PAGE_UP(p->p_vaddr + p->p_memsz) > hi)
			hi = PAGE_UP(p->p_vaddr + p->p_memsz);
	}
	if (hi <= lo) {
		perr_set(err, 0, "no loadable segments");
		if (err)
			err->status = 126;
		return -1;
	}
	int pie = e->eh.e_type == ET_DYN;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (pie ? 0 : MAP_FIXED_NOREPLACE);
	void *base = mmap(pie ? NULL : (void *)lo, hi - lo, PROT_NONE, flags, -1, 0);
	if (base == MAP_FAILED)
		return perr_set(err, errno, "reserve %#lx-%#lx for the image", (unsigned long)lo,
				(unsigned long)hi);
	if (!pie && (uint64_t)(uintptr_t)base != lo) {
		/* Kernels before 4.17 ignore MAP_FIXED_NOREPLACE and treat it as a hint. */
		munmap(base, hi - lo);
		return perr_set(err, EEXIST, "reserve %#lx-%#lx for the image", (unsigned long)lo,
				(unsigned long)hi);
	}
	img->map_lo = (uint64_t)(uintptr_t)base;
	img->map_len = hi - lo;
	img->bias = img->map_lo - lo;

	for (int i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (map_segment(fd, p, img->bias, err) < 0) {
			xlat_unload(img);
			return -1;
		}
		if (e->eh.e_phoff >= p->p_offset &&
		    e->eh.e_phoff + (uint64_t)e->phnum * sizeof(Elf64_Phdr) <= p->p_offset + p->p_filesz)
			img->phdr = img->bias + p->p_vaddr + (e->eh.e_phoff - p->p_offset);
	}
	for (int i = 0; i < e->phnum; i++)
		if (e->ph[i].p_type == PT_PHDR)
			img->phdr = img->bias + e->ph[i].p_vaddr;
	img->entry = img->bias + e->eh.e_entry;
	img->start = img->entry;
	return 0;
}

int xlat_load_interp(int fd, const struct xlat_elf *e, struct xlat_image *img, struct perr *err)
{
	struct xlat_image li;

	if (e->eh.e_type != ET_DYN) {
		perr_set(err, 0, "the run-time linker is not position-independent (ET_DYN)");
		if (err)
			err->status = 126;
		return -1;
	}
	for (int i = 0; i < e->phnum; i++)
		if (e->ph[i].p_type == PT_INTERP) {
			perr_set(err, 0, "the run-time linker names a run-time linker itself");
			if (err)
				err->status = 126;
			return -1;
		}
	if (xlat_load_image(fd, e, &li, err) < 0)
		return -1;
	img->interp_lo = li.map_lo;
	img->interp_len = li.map_len;
	img->interp_base = li.bias;
	img->start = li.entry;
	return 0;
}

void xlat_unload(struct xlat_image *img)
{
	if (img->map_len)
		munmap((void *)(uintptr_t)img->map_lo, img->map_len);
	if (img->stack_len)
		munmap((void *)(uintptr_t)img->stack_lo, img->stack_len);
	if (img->interp_len)
		munmap((void *)(uintptr_t)img->interp_lo, img->interp_len);
	img->map_len = img->stack_len = img->interp_len = 0;
}

static int count_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

/* Push `len` bytes onto the downward-growing string area. */
static uint64_t push_bytes(uint64_t *top, const void *src, size_t len)
{
	*top -= len;
	memcpy((void *)(uintptr_t)*top, src, len);
	return *top;
}

int xlat_build_stack(struct xlat_image *img, const struct xlat_elf *e, const char *execpath,
		     int argc, char *const *argv, char *const *envp, struct perr *err)
{
	int envc = 0;
	while (envp && envp[envc])
		envc++;
	size_t strings = strlen(execpath) + 1 + 64 + 3 * 8 + 64;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		strings += strlen(envp[i]) + 1;
	size_t vec = (1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * 24) * 8;
	if (strings + vec > XLAT_STACK_SIZE / 2)
		return perr_set(err, E2BIG, "arguments and environment");

	void *m = mmap(NULL, XLAT_STACK_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return perr_set(err, errno, "allocate the initial stack");
	img->stack_lo = (uint64_t)(uintptr_t)m;
	img->stack_len = XLAT_STACK_SIZE;

	uint64_t top = img->stack_lo + img->stack_len;
	uint64_t path_p = push_bytes(&top, execpath, strlen(execpath) + 1);
	uint64_t *argv_p = __builtin_alloca(((size_t)argc + 1) * 8);
	uint64_t *envp_p = __builtin_alloca(((size_t)envc + 1) * 8);
	for (int i = argc - 1; i >= 0; i--)
		argv_p[i] = push_bytes(&top, argv[i], strlen(argv[i]) + 1);
	for (int i = envc - 1; i >= 0; i--)
		envp_p[i] = push_bytes(&top, envp[i], strlen(envp[i]) + 1);
	top &= ~7UL;
	unsigned char canary[64];
	if (getrandom(canary, sizeof(canary), 0) != (ssize_t)sizeof(canary))
		memset(canary, 0x5a, sizeof(canary));
	uint64_t canary_p = push_bytes(&top, canary, sizeof(canary));
	const uint64_t pagesizes[3] = { 4096, 2UL << 20, 1UL << 30 };
	uint64_t pagesizes_p = push_bytes(&top, pagesizes, sizeof(pagesizes));

	unsigned int a = 0, b = 0, c = 0, d = 0;
	__get_cpuid(1, &a, &b, &c, &d);

	uint64_t aux[] = {
		BSD_AT_PHDR, img->phdr,
		BSD_AT_PHENT, sizeof(Elf64_Phdr),
		BSD_AT_PHNUM, (uint64_t)e->phnum,
		BSD_AT_PAGESZ, XLAT_PAGE,
		BSD_AT_BASE, img->interp_base,
		BSD_AT_FLAGS, 0,
		BSD_AT_ENTRY, img->entry,
		BSD_AT_EXECPATH, path_p,
		BSD_AT_CANARY, canary_p,
		BSD_AT_CANARYLEN, sizeof(canary),
		BSD_AT_OSRELDATE, XLAT_FREEBSD_OSRELDATE,
		BSD_AT_NCPUS, (uint64_t)count_cpus(),
		BSD_AT_PAGESIZES, pagesizes_p,
		BSD_AT_PAGESIZESLEN, sizeof(pagesizes),
		BSD_AT_STACKPROT, PROT_READ | PROT_WRITE,
		BSD_AT_TIMEKEEP, xlat_timekeep_addr(), /* dropped below when 0 */
		BSD_AT_HWCAP, d,
		BSD_AT_HWCAP2, c,
		BSD_AT_ARGC, (uint64_t)argc,
		BSD_AT_ARGV, 0, /* patched below */
		BSD_AT_ENVC, (uint64_t)envc,
		BSD_AT_ENVV, 0, /* patched below */
		BSD_AT_NULL, 0,
	};
	size_t naux = sizeof(aux) / 8;
	for (size_t i = 0; i < naux; i += 2)
		if (aux[i] == BSD_AT_TIMEKEEP && !aux[i + 1]) {
			memmove(&aux[i], &aux[i + 2], (naux - i - 2) * 8);
			naux -= 2;
			break;
		}
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + naux;
	uint64_t sp = (top - words * 8) & ~15UL;
	uint64_t *w = (uint64_t *)(uintptr_t)sp;
	uint64_t argv_addr = sp + 8;
	uint64_t envp_addr = argv_addr + ((uint64_t)argc + 1) * 8;
	for (size_t i = 0; i < naux; i += 2) {
		if (aux[i] == BSD_AT_ARGV)
			aux[i + 1] = argv_addr;
		if (aux[i] == BSD_AT_ENVV)
			aux[i + 1] = envp_addr;
	}
	*w++ = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		*w++ = argv_p[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++)
		*w++ = envp_p[i];
	*w++ = 0;
	memcpy(w, aux, naux * 8);
	img->sp = sp;
	return 0;
}
