/* persona syscall-xlat: ELF64 header validation for foreign executables
 * (internal to syscall-xlat).  Sources: System V gABI "ELF Header",
 * "Program Header"; FreeBSD sys/sys/elf_common.h (ELFOSABI_FREEBSD,
 * NT_FREEBSD_ABI_TAG). */
#ifndef PERSONA_XLAT_ELF_H
#define PERSONA_XLAT_ELF_H

#include <elf.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define XLAT_MAX_PHDRS 64
#define XLAT_PAGE 4096UL

struct xlat_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[XLAT_MAX_PHDRS];
	int phnum;
	int is_pie;        /* ET_DYN: loaded at a base persona chooses */
	uint64_t lo, hi;   /* page-rounded span of all PT_LOADs (link addresses) */
	off_t file_size;
};

/* Read and check the ELF header and program headers of the file on `fd`.
 * Returns 1 when it is an ELF file (e filled, headers consistent),
 * 0 when it does not start with the ELF magic, -1 (err filled, status
 * 126) when it is ELF but truncated or malformed. */
int xlat_elf_read(int fd, struct xlat_elf *e, struct perr *err);

/* Is this (already read) ELF branded FreeBSD: EI_OSABI 9 or a FreeBSD
 * ABI note in a PT_NOTE segment?  Returns 1/0, -1 on a read error. */
int xlat_elf_is_freebsd(int fd, const struct xlat_elf *e);

/* Does the PT_NOTE content `buf` hold a FreeBSD ABI note?  Pure. */
int xlat_elf_note_is_freebsd(const unsigned char *buf, size_t len);

/* Check that `e` is loadable by persona: x86-64 ELF64 LSB executable
 * (ET_EXEC or ET_DYN), at most one PT_INTERP (inside the file), PT_LOAD
 * segments with p_filesz <= p_memsz, file ranges inside the file,
 * p_vaddr congruent to p_offset modulo the page size, ascending and not
 * overlapping, below the 47-bit user limit.  Returns 0 or -1 (status 126). */
int xlat_elf_check_loadable(const struct xlat_elf *e, struct perr *err);

/* The run-time linker a dynamically linked executable names (PT_INTERP,
 * e.g. "/libexec/ld-elf.so.1") into `out`: 1 found, 0 none (statically
 * linked), -1 (status 126) when it is not an absolute, NUL-terminated
 * path of at most `len` - 1 bytes. */
int xlat_elf_interp(int fd, const struct xlat_elf *e, char *out, size_t len, struct perr *err);

#endif
