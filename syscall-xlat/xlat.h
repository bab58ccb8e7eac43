/* persona syscall-xlat: run foreign (FreeBSD amd64) ELF executables on
 * Linux by translating their system calls.
 * Design: ../docs/freebsd.md; sources: the System V gABI and AMD64 psABI
 * (ELF header, program headers), FreeBSD's sys/kern/imgact_elf.c and
 * sys/sys/elf_common.h (branding, auxiliary vector).
 */
#ifndef PERSONA_SYSCALL_XLAT_H
#define PERSONA_SYSCALL_XLAT_H

#include "common/error.h"

/* Personalities xlat_detect() can recognise. */
enum xlat_personality {
	XLAT_NONE = 0,     /* not a foreign binary persona translates (run it natively) */
	XLAT_FREEBSD = 1,  /* FreeBSD ELF64 x86-64 executable */
};

/* Recognise the file open on `fd` (read with pread, offset untouched).
 * Returns XLAT_FREEBSD for an ELF64 little-endian x86-64 executable whose
 * EI_OSABI is ELFOSABI_FREEBSD (9) or that carries a FreeBSD ABI note
 * (PT_NOTE, name "FreeBSD", type NT_FREEBSD_ABI_TAG = 1), XLAT_NONE for
 * anything else that is well-formed or not ELF at all (Linux, scripts).
 * A file that claims to be ELF but is truncated or malformed, or a FreeBSD
 * binary for another class/architecture, gives -1 with `err` filled and
 * err->status = 126 ("cannot execute"). */
int xlat_detect(int fd, struct perr *err);

/* Load the FreeBSD executable `path` and run it in this process:
 * validate and map its PT_LOAD segments (static or static-PIE), build
 * FreeBSD's initial stack from argv/envp (argv[0] as given, argc
 * entries) and auxiliary vector, install the seccomp SIGSYS trap and jump
 * to the entry point.  Does not return on success: the guest's exit(2)
 * ends the process with the guest's status.
 * On failure returns -1 with err filled (message names `path` and the
 * problem); err->status is 126 for a bad or unsupported binary and 125
 * when persona itself failed.  Nothing it mapped is left mapped then.
 * Call it from a single-threaded process: after the trap is installed
 * only persona's raw system calls reach the kernel. */
int xlat_run(const char *path, int argc, char **argv, char **envp, struct perr *err);

/* How a translated execve(2) of another FreeBSD binary starts it: as
 * execve(helper, [helper, prefix..., path, argv[1], ...], envp), so
 * `helper` must call xlat_run(path, ...) on those arguments (e.g. the
 * persona binary with prefix {"run", "--"}).  Without a helper such an
 * execve fails with ENOEXEC; an execve of a non-FreeBSD program runs it
 * natively.  The strings are copied (at most 8 prefix entries).
 * Environment variables read by xlat_run: PERSONA_XLAT_TRAP=sud|seccomp|ptrace
 * (default: Syscall User Dispatch where available, else seccomp; seccomp
 * does not allow execve; ptrace is a tracer process, slow, for debugging),
 * PERSONA_XLAT_TRACE (see docs/freebsd.md). */
int xlat_set_exec_helper(const char *helper, char *const *prefix, struct perr *err);

#endif
