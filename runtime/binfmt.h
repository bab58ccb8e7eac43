/* persona: the binfmt_misc registrations that make the kernel run
 * foreign programs through persona, so `./prog` works from any shell,
 * and (flag F) inside containers and other mount namespaces too.
 * Source: the kernel's Documentation/admin-guide/binfmt-misc.rst.
 *
 * Two entries under /proc/sys/fs/binfmt_misc, matched by magic and mask:
 * - persona-freebsd: the first 20 bytes of the ELF header:
 *   \x7fELF, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, EI_OSABI 9 (FreeBSD),
 *   EI_ABIVERSION and padding ignored, e_type ET_EXEC or ET_DYN (mask
 *   0xfe), e_machine EM_X86_64.  Linux binaries carry EI_OSABI 0 (SYSV)
 *   or 3 (GNU), never 9, so they never match.  (A FreeBSD binary branded
 *   only by its ABI note, EI_OSABI 0, is not matched either: `persona
 *   PATH` still runs it.)
 * - persona-pe: "MZ", the DOS header every PE image starts with (as
 *   Wine's registration does); persona refuses what is not PE32+ x86-64
 *   with exit 126.
 * The kernel starts a match as `INTERPRETER PATH ARGV[1]...` (no P flag:
 * argv[0] is lost), which persona's main takes as a foreign program.
 */
#ifndef PERSONA_RUNTIME_BINFMT_H
#define PERSONA_RUNTIME_BINFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"

/* One registration. */
struct binfmt_format {
	const char *name;           /* the entry's name: "persona-freebsd" */
	const char *key;            /* its name on the command line: "freebsd" */
	const char *what;           /* for messages: "FreeBSD amd64 executables" */
	const unsigned char *magic, *mask;
	size_t len;                 /* bytes of magic and mask */
};

/* The formats persona registers, ending with one whose name is NULL. */
extern const struct binfmt_format binfmt_formats[];
#define BINFMT_FREEBSD (&binfmt_formats[0])
#define BINFMT_PE (&binfmt_formats[1])

/* The format named `key` ("freebsd", "windows") or NULL. */
const struct binfmt_format *binfmt_format(const char *key);

/* The registration line of `f` for `interp`, e.g.
 * ":persona-freebsd:M:0:\x7f\x45...:\xff...:/usr/bin/persona:F".
 * -1 (EINVAL, ENAMETOOLONG) + err when `interp` is not absolute, holds
 * ':' or a newline, or does not fit. */
int binfmt_rule(const struct binfmt_format *f, const char *interp, char *buf, size_t len, struct perr *err);

/* Make sure binfmt_misc is mounted at BINFMT_DIR (mount it if not).
 * -1 + err: no binfmt_misc in this kernel, not allowed (not root), ... */
int binfmt_mount(struct perr *err);

/* What the kernel reports of an entry. */
struct binfmt_state {
	bool installed;     /* the entry exists */
	bool enabled;
	char interpreter[4096];
	char flags[16];     /* e.g. "F" */
	char magic[64];     /* hex, as the kernel prints it */
	char mask[64];
};

/* Read the entry of `f` (mounting binfmt_misc if needed).  0 with
 * st->installed false when there is none; -1 + err on failure. */
int binfmt_status(const struct binfmt_format *f, struct binfmt_state *st, struct perr *err);

/* Register `f` with interpreter `interp` (absolute path of a persona
 * binary) and flag F.  Idempotent: an identical entry is kept
 * (*changed = false), a different one replaced.  The interpreter must be
 * an executable ELF file, position-independent (a non-PIE one would sit
 * at 0x400000, where FreeBSD executables are linked).  -1 + err (status
 * 125) on failure with a message naming the cause. */
int binfmt_install(const struct binfmt_format *f, const char *interp, bool *changed, struct perr *err);

/* Remove the entry of `f`; 0 also when there was none (*removed says). */
int binfmt_uninstall(const struct binfmt_format *f, bool *removed, struct perr *err);

/* Does the ELF file `path` need a dynamic loader (PT_INTERP)?  1 yes,
 * 0 no (static or static-PIE), -1 not a readable ELF64 file. */
int binfmt_interp_is_dynamic(const char *path);

#endif
