/* persona syscall-xlat: mapping a validated static ELF executable and
 * building FreeBSD's initial process stack (internal to syscall-xlat).
 * Sources: FreeBSD sys/kern/imgact_elf.c (__elfN(load_section),
 * __elfN(freebsd_copyout_auxargs)), sys/kern/kern_exec.c
 * (exec_copyout_strings), sys/sys/elf_common.h (AT_* numbers). */
#ifndef PERSONA_XLAT_LOADER_H
#define PERSONA_XLAT_LOADER_H

#include <stdint.h>

#include "common/error.h"
#include "syscall-xlat/elf.h"

/* FreeBSD auxiliary vector types (sys/sys/elf_common.h). */
enum {
	BSD_AT_NULL = 0, BSD_AT_PHDR = 3, BSD_AT_PHENT = 4, BSD_AT_PHNUM = 5,
	BSD_AT_PAGESZ = 6, BSD_AT_BASE = 7, BSD_AT_FLAGS = 8, BSD_AT_ENTRY = 9,
	BSD_AT_EXECPATH = 15, BSD_AT_CANARY = 16, BSD_AT_CANARYLEN = 17,
	BSD_AT_OSRELDATE = 18, BSD_AT_NCPUS = 19, BSD_AT_PAGESIZES = 20,
	BSD_AT_PAGESIZESLEN = 21, BSD_AT_TIMEKEEP = 22, BSD_AT_STACKPROT = 23, BSD_AT_HWCAP = 25,
	BSD_AT_HWCAP2 = 26, BSD_AT_ARGC = 28, BSD_AT_ARGV = 29, BSD_AT_ENVC = 30,
	BSD_AT_ENVV = 31,
};

/* kern.osreldate persona reports: FreeBSD 13.2 (>= 1200031, so Go uses
 * the FreeBSD 12 64-bit-inode calls). */
#define XLAT_FREEBSD_OSRELDATE 1302001

#define XLAT_STACK_SIZE (8UL << 20)

struct xlat_image {
	uint64_t bias;        /* load address minus link address (0 for ET_EXEC) */
	uint64_t entry;       /* run-time entry point */
	uint64_t phdr;        /* run-time address of the program headers, 0 if not mapped */
	uint64_t map_lo, map_len;     /* the whole image reservation */
	uint64_t stack_lo, stack_len; /* the initial stack mapping */
	uint64_t sp;          /* initial stack pointer: points at argc */
	/* A dynamically linked program's run-time linker (xlat_load_interp): */
	uint64_t interp_base; /* its load address (AT_BASE), 0 when none */
	uint64_t start;       /* where the guest starts: the linker's entry, else `entry` */
	uint64_t interp_lo, interp_len;  /* its reservation */
};

/* Map every PT_LOAD of `e` (already checked by xlat_elf_check_loadable)
 * from `fd`: ET_EXEC at its link addresses (refusing to replace existing
 * mappings), ET_DYN at an address the kernel picks.  Returns 0, or -1
 * with err filled and nothing left mapped. */
int xlat_load_image(int fd, const struct xlat_elf *e, struct xlat_image *img, struct perr *err);

/* Map the run-time linker `e` (already checked by
 * xlat_elf_check_loadable; it must be ET_DYN and name no interpreter
 * itself) from `fd` at an address the kernel picks, for the program
 * `img`: sets img->interp_base (AT_BASE) and img->start.  Source: FreeBSD
 * sys/kern/imgact_elf.c (__elfN(load_interp)).  0 or -1 (status 126). */
int xlat_load_interp(int fd, const struct xlat_elf *e, struct xlat_image *img, struct perr *err);

/* Allocate the initial stack and lay out argc, argv[], NULL, envp[],
 * NULL, the auxiliary vector and the strings it points to, as FreeBSD's
 * exec does; sets img->sp.  Returns 0 or -1 (err filled, stack unmapped). */
int xlat_build_stack(struct xlat_image *img, const struct xlat_elf *e, const char *execpath,
		     int argc, char *const *argv, char *const *envp, struct perr *err);

/* Unmap what xlat_load_image/xlat_build_stack mapped. */
void xlat_unload(struct xlat_image *img);

#endif
