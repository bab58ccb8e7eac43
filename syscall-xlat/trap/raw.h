/* persona syscall-xlat: raw Linux system calls for the trap path.
 *
 * Code that runs while a guest owns the FS base (the SIGSYS handler and
 * everything it calls) must not use glibc's syscall wrappers: they touch
 * errno, which is thread-local.  It also must not enter the kernel from
 * anywhere but persona's own syscall instruction, because the seccomp
 * filter allows only system calls whose instruction pointer lies in the
 * section "persona_xlat_text" (see trap.h).
 *
 * xlat_raw6() issues Linux system call `nr` with up to six arguments and
 * returns the kernel's raw result: >= 0 on success, -errno on failure.
 * Source: x86-64 Linux syscall ABI (arch/x86/entry/entry_64.S).
 */
#ifndef PERSONA_XLAT_TRAP_RAW_H
#define PERSONA_XLAT_TRAP_RAW_H

#include <stddef.h>
#include <stdint.h>

long xlat_raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#define RAW0(nr) xlat_raw6((nr), 0, 0, 0, 0, 0, 0)
#define RAW1(nr, a) xlat_raw6((nr), (long)(a), 0, 0, 0, 0, 0)
#define RAW2(nr, a, b) xlat_raw6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(nr, a, b, c) xlat_raw6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(nr, a, b, c, d) xlat_raw6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW5(nr, a, b, c, d, e) xlat_raw6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define RAW6(nr, a, b, c, d, e, f) \
	xlat_raw6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Copy between persona and guest memory without trusting the guest
 * pointer: process_vm_readv/writev on our own process, so a bad address
 * yields -EFAULT instead of a crash.  Return 0 or -errno. */
int guest_copyin(void *dst, uint64_t guest_src, size_t len);
int guest_copyout(uint64_t guest_dst, const void *src, size_t len);

/* Write a NUL-terminated string to fd 2 with raw write (trap-safe). */
void xlat_raw_puts(const char *s);

/* Format `v` in decimal into `buf` (>= 24 bytes); returns buf. */
char *xlat_fmt_long(char *buf, long v);

#endif
