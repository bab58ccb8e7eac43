/* persona syscall-xlat: the in-process trap back-end.
 *
 * A seccomp filter returns SECCOMP_RET_TRAP for every system call whose
 * instruction pointer lies outside persona's syscall section
 * (persona_xlat_text, see raw.h); the kernel then raises SIGSYS, and
 * persona's handler, running on persona's own signal stack, moves the
 * registers into a struct xlat_call, calls the personality's dispatch and
 * moves the results back.  It knows nothing of any call's meaning.
 * Sources: Documentation/userspace-api/seccomp_filter.rst (Linux),
 * sigaction(2), sigaltstack(2), clone(2).
 */
#ifndef PERSONA_XLAT_TRAP_TRAP_H
#define PERSONA_XLAT_TRAP_TRAP_H

#include <stdint.h>

#include "common/error.h"

/* One trapped system call, as the guest made it. */
struct xlat_call {
	long nr;                  /* guest syscall number (from siginfo si_syscall) */
	uint64_t args[6];         /* rdi, rsi, rdx, r10, r8, r9 */
	uint64_t sp;              /* guest stack pointer (for stack-passed arguments) */
	uint64_t *host_sigmask;   /* the guest thread's Linux signal mask, restored by
	                             sigreturn: the personality edits it in place */
	uint64_t *gregs;          /* all general registers, glibc's REG_* order
	                             (<sys/ucontext.h>), for calls that replace them */
	void *fpstate;            /* the 512-byte FXSAVE area of the guest's FPU state */
	int replace_regs;         /* set by the personality when it rewrote gregs
	                             itself (sigreturn): rax/rdx/carry are not written */
	/* Filled by the personality: */
	uint64_t rax;             /* first return register */
	uint64_t rdx;             /* second return register, written when set_rdx */
	int set_rdx;
	int carry;                /* set the carry flag (FreeBSD's error indication) */
};

typedef void (*xlat_dispatch_fn)(struct xlat_call *call);

/* Install the SIGSYS handler (with a signal stack for this thread) and
 * the trap: every later system call from outside persona's syscall
 * section goes to `dispatch`.  `mode`: XLAT_TRAP_AUTO (Syscall User
 * Dispatch where the kernel has it, else seccomp), XLAT_TRAP_SUD or
 * XLAT_TRAP_SECCOMP.  Call last before xlat_enter_guest(): after it,
 * glibc can no longer make system calls in this process.
 * Returns 0, or -1 with `err` filled (back-end unavailable, text range
 * crossing a 4 GiB boundary, ...).
 * Sources: Documentation/admin-guide/syscall-user-dispatch.rst,
 * Documentation/userspace-api/seccomp_filter.rst. */
enum { XLAT_TRAP_AUTO = 0, XLAT_TRAP_SUD = 1, XLAT_TRAP_SECCOMP = 2, XLAT_TRAP_PTRACE = 3 };
int xlat_trap_install(xlat_dispatch_fn dispatch, int mode, struct perr *err);

/* The ptrace back-end (trap/ptrace.c), XLAT_TRAP_PTRACE: fork.  The
 * parent becomes the tracer and never returns (it exits with the guest's
 * status); the child returns 0 and goes on to xlat_trap_install(...,
 * XLAT_TRAP_PTRACE, ...), which asks to be traced (PTRACE_TRACEME) and
 * stops itself for the tracer.  Call before starting any thread that must
 * not be traced (the timekeep refresh thread).  -1 + err when fork fails.
 * Source: ptrace(2). */
int xlat_ptrace_split(struct perr *err);

/* Can the process execve(2) another image?  Under Syscall User Dispatch
 * and ptrace; not under seccomp: a filter outlives execve and would trap
 * the new image's first system call. */
int xlat_trap_can_exec(void);

/* fork(2) from the trap handler; the child re-arms the trap (SUD is not
 * inherited).  Returns 0 in the child, the child's pid or -errno. */
long xlat_trap_fork(void);

/* Jump to guest code: rsp = `sp`, rdi = `rdi`, other general registers
 * zero, rip = `entry`.  Never returns. */
__attribute__((noreturn)) void xlat_enter_guest(uint64_t entry, uint64_t sp, uint64_t rdi);

/* How a new guest thread starts (after FreeBSD's thr_new(2) semantics). */
struct xlat_thread_start {
	uint64_t entry;           /* start_func */
	uint64_t arg;             /* passed in rdi */
	uint64_t stack_top;       /* stack_base + stack_size */
	uint64_t tls_base;        /* FS base, 0 = inherit */
	uint64_t child_tid;       /* guest address for the new thread's id (64-bit), 0 = none */
	uint64_t parent_tid;      /* idem, written by the parent before returning */
	uint64_t host_sigmask;    /* the new thread's Linux signal mask (SIGSYS is removed) */
};

/* From the trap handler: create a thread sharing everything (clone with
 * CLONE_VM|CLONE_THREAD|...), give it its own SIGSYS signal stack and
 * start it at ts->entry.  Returns the new thread's id, or -errno. */
long xlat_trap_spawn_thread(const struct xlat_thread_start *ts);

/* Host signal delivery.  For a signal persona catches on the guest's
 * behalf, the trap calls the personality's `fn` on persona's signal
 * stack with the interrupted guest registers (glibc REG_* order), the
 * FXSAVE area and the mask sigreturn will restore; `fn` rewrites them to
 * enter the guest's handler.  A signal that interrupts persona's own code
 * (a fault in a handler) is not given to the guest: persona restores the
 * default action so that it ends the process. */
typedef void (*xlat_signal_fn)(int host_sig, const void *siginfo, uint64_t *gregs, void *fpstate,
			       uint64_t *host_sigmask);
void xlat_trap_set_signal_fn(xlat_signal_fn fn);

/* What the host does with `host_sig` from now on: XLAT_SIG_DEFAULT (the
 * Linux default action), XLAT_SIG_IGNORE, or XLAT_SIG_CATCH (call the
 * signal fn).  Returns 0 or -errno.  SIGSYS cannot be changed. */
enum { XLAT_SIG_DEFAULT = 0, XLAT_SIG_IGNORE = 1, XLAT_SIG_CATCH = 2 };
long xlat_trap_signal_action(int host_sig, int action);

/* Make the FXSAVE area of a signal frame count on sigreturn: set the
 * x87/SSE bits of an XSAVE header that follows it, if there is one. */
void xlat_fpstate_mark_used(void *fpstate);

/* Trap round trips counted so far (for benchmarks and tests). */
extern volatile unsigned long xlat_trap_count;

#endif
