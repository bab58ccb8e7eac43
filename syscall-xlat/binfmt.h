/* persona syscall-xlat: the binfmt_misc registration that makes the
 * kernel run FreeBSD amd64 executables through persona, so `./prog` works
 * from any shell, and (flag F) inside containers and other mount
 * namespaces too.  Source: the kernel's
 * Documentation/admin-guide/binfmt-misc.rst.
 *
 * The entry, /proc/sys/fs/binfmt_misc/persona-freebsd, matches the first
 * 20 bytes of the ELF header by magic and mask:
 *   \x7fELF, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, EI_OSABI 9 (FreeBSD),
 *   EI_ABIVERSION and padding ignored, e_type ET_EXEC or ET_DYN (mask
 *   0xfe), e_machine EM_X86_64.
 * Linux binaries carry EI_OSABI 0 (SYSV) or 3 (GNU), never 9, so they
 * never match.  (A FreeBSD binary branded only by its ABI note, EI_OSABI
 * 0, is not matched either: `persona PATH` still runs it.)
 * The kernel starts a match as `INTERPRETER PATH ARGV[1]...` (no P flag:
 * argv[0] is lost), which persona's main takes as a foreign program.
 */
#ifndef PERSONA_SYSCALL_XLAT_BINFMT_H
#define PERSONA_SYSCALL_XLAT_BINFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"
#define BINFMT_NAME "persona-freebsd"

/* The registration line for `interp`, e.g.
 * ":persona-freebsd:M:0:\x7f\x45...:\xff...:/usr/bin/persona:F".
 * -1 (EINVAL, ENAMETOOLONG) + err when `interp` is not absolute, holds
 * ':' or a newline, or does not fit. */
int binfmt_rule(const char *interp, char *buf, size_t len, struct perr *err);

/* Make sure binfmt_misc is mounted at BINFMT_DIR (mount it if not).
 * -1 + err: no binfmt_misc in this kernel, not allowed (not root), ... */
int binfmt_mount(struct perr *err);

/* What the kernel reports of the entry. */
struct binfmt_state {
	bool installed;     /* the entry exists */
	bool enabled;
	char interpreter[4096];
	char flags[16];     /* e.g. "F" */
	char magic[64];     /* hex, as the kernel prints it */
	char mask[64];
};

/* Read the entry (mounting binfmt_misc if needed).  0 with
 * st->installed false when there is none; -1 + err on failure. */
int binfmt_status(struct binfmt_state *st, struct perr *err);

/* Register the entry with interpreter `interp` (absolute path of a
 * persona binary) and flag F.  Idempotent: an identical entry is kept
 * (*changed = false), a different one replaced.  The interpreter must be
 * an executable ELF file, position-independent (a non-PIE one would sit
 * at 0x400000, where FreeBSD executables are linked).  -1 + err (status
 * 125) on failure with a message naming the cause. */
int binfmt_install(const char *interp, bool *changed, struct perr *err);

/* Remove the entry; 0 also when there was none (*removed says). */
int binfmt_uninstall(bool *removed, struct perr *err);

/* Does the ELF file `path` need a dynamic loader (PT_INTERP)?  1 yes,
 * 0 no (static or static-PIE), -1 not a readable ELF64 file. */
int binfmt_interp_is_dynamic(const char *path);

#endif
