/* persona syscall-xlat: the FreeBSD "timekeep" shared page (AT_TIMEKEEP),
 * read by FreeBSD's libc and Go's runtime to compute CLOCK_MONOTONIC and
 * CLOCK_REALTIME from the TSC without a system call.
 * Sources: FreeBSD sys/sys/vdso.h (struct vdso_timekeep, vdso_timehands,
 * VDSO_TK_VER_CURR, VDSO_TH_NUM), sys/x86/include/vdso.h (th_x86_shift,
 * th_x86_hpet_idx, VDSO_TH_ALGO_X86_TSC), sys/kern/kern_tc.c (th_gen
 * protocol); Go 1.19 runtime/vdso_freebsd.go and vdso_freebsd_x86.go (the
 * reader: delta = (tsc >> shift - offset_count) & mask, offset + scale *
 * delta, + boottime for REALTIME; a zero th_gen or a changed tk_current
 * means retry; tk_enabled 0 means "use the system call"). */
#ifndef PERSONA_XLAT_TIMEKEEP_H
#define PERSONA_XLAT_TIMEKEEP_H

#include <stdint.h>

/* Map the page and decide whether it is enabled: only when the TSC is
 * invariant (constant_tsc and nonstop_tsc), Linux's clocksource is tsc and
 * $PERSONA_XLAT_TIMEKEEP is not "0".  Returns the guest address for
 * AT_TIMEKEEP, or 0 (no page: the auxv entry is left out). */
uint64_t xlat_timekeep_init(void);

/* Start the refresh thread (a plain pthread created before the trap is
 * installed, all signals blocked, so its own system calls run natively).
 * Returns 0, or -1 (the page then stays disabled). */
int xlat_timekeep_start(void);

/* Stop the refresh thread and unmap the page (xlat_run failing). */
void xlat_timekeep_stop(void);

/* In a forked child, where the refresh thread does not exist: disable the
 * page so that the guest falls back to clock_gettime. */
void xlat_timekeep_forked(void);

/* Address of the page, 0 when none (for the auxv). */
uint64_t xlat_timekeep_addr(void);

#endif
