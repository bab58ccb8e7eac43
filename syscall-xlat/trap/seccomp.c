/* persona syscall-xlat: the in-process trap back-ends, Syscall User
 * Dispatch (default) and a seccomp filter (fallback), which share the
 * SIGSYS handler, guest thread creation and host signal catching.
 * Everything here runs with the guest's FS base: raw system calls only,
 * no errno, no glibc TLS (see trap.h, raw.h). */
#include "syscall-xlat/trap/trap.h"
#include "syscall-xlat/trap/raw.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <ucontext.h>

#define ALTSTACK_SIZE (256 * 1024)
#define THREAD_ALT_SIZE (128 * 1024)
#define THREAD_BOOT_SIZE (16 * 1024)
#define EFLAGS_CF 0x1UL
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define HOST_SIGSYS_BIT (1UL << (SIGSYS - 1))

extern char __start_persona_xlat_text[] __attribute__((visibility("hidden")));
extern char __stop_persona_xlat_text[] __attribute__((visibility("hidden")));

volatile unsigned long xlat_trap_count;
static xlat_dispatch_fn trap_dispatch;

/* Back-end in use: seccomp filter, or Syscall User Dispatch (Linux 5.11,
 * per thread, not inherited by fork or clone, cleared by execve). */
static int use_sud, use_ptrace;
void xlat_sigreturn_trampoline(void);
void xlat_ptrace_restorer(void);
/* The signal restorer: rt_sigreturn, or the tracer's breakpoint. */
static void (*restorer)(void) = xlat_sigreturn_trampoline;
static volatile char sud_selector = 1; /* SYSCALL_DISPATCH_FILTER_BLOCK, never changed */
#define PR_SET_SYSCALL_USER_DISPATCH_ 59
#define PR_SYS_DISPATCH_ON_ 1

static long arm_sud(void)
{
	uint64_t lo = (uint64_t)(uintptr_t)__start_persona_xlat_text;
	uint64_t hi = (uint64_t)(uintptr_t)__stop_persona_xlat_text;
	return RAW5(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH_, PR_SYS_DISPATCH_ON_, lo, hi - lo,
		    &sud_selector);
}

/* The kernel's struct sigaction for rt_sigaction(2) on x86-64. */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

void xlat_clone_thread_asm(void);
long xlat_clone_raw(unsigned long flags, void *child_stack, uint64_t tls);

/* rt_sigreturn must come from the allowed section too, so persona supplies
 * its own restorer instead of glibc's.  xlat_clone_raw() is clone(2) whose
 * child starts on `child_stack`, where the parent left a pointer to its
 * boot block, and calls xlat_thread_boot(). */
__asm__(
	".pushsection persona_xlat_text,\"ax\",@progbits\n"
	".globl xlat_sigreturn_trampoline\n"
	"xlat_sigreturn_trampoline:\n"
	"	movq $15, %rax\n"
	"	syscall\n"
	"	ud2\n"
	/* Under the ptrace back-end the tracer does rt_sigreturn's work at
	 * this breakpoint (see ptrace.c); the call below is a fallback. */
	".globl xlat_ptrace_restorer\n"
	"xlat_ptrace_restorer:\n"
	"	int3\n"
	"	movq $15, %rax\n"
	"	syscall\n"
	"	ud2\n"
	".globl xlat_clone_raw\n"
	"xlat_clone_raw:\n"
	"	movq %rdx, %r8\n"
	"	xorl %edx, %edx\n"
	"	xorl %r10d, %r10d\n"
	"	movq $56, %rax\n"
	"	syscall\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	"	movq (%rsp), %rdi\n"
	"	andq $-16, %rsp\n"
	"	call xlat_thread_boot@PLT\n"
	"	ud2\n"
	"1:	ret\n"
	".globl xlat_enter_guest\n"
	"xlat_enter_guest:\n"
	"	movq %rsi, %rsp\n"
	"	movq %rdi, %r11\n"
	"	movq %rdx, %rdi\n"
	"	xorl %eax, %eax\n"
	"	xorl %ebx, %ebx\n"
	"	xorl %ecx, %ecx\n"
	"	xorl %edx, %edx\n"
	"	xorl %esi, %esi\n"
	"	xorl %ebp, %ebp\n"
	"	xorl %r8d, %r8d\n"
	"	xorl %r9d, %r9d\n"
	"	xorl %r10d, %r10d\n"
	"	xorl %r12d, %r12d\n"
	"	xorl %r13d, %r13d\n"
	"	xorl %r14d, %r14d\n"
	"	xorl %r15d, %r15d\n"
	"	jmp *%r11\n"
	".popsection\n");

static void xlat_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	struct xlat_call c;

	xlat_trap_count++;
	c.nr = si->si_syscall;
	c.args[0] = g[REG_RDI];
	c.args[1] = g[REG_RSI];
	c.args[2] = g[REG_RDX];
	c.args[3] = g[REG_R10];
	c.args[4] = g[REG_R8];
	c.args[5] = g[REG_R9];
	c.sp = g[REG_RSP];
	c.host_sigmask = (uint64_t *)&uc->uc_sigmask;
	c.gregs = (uint64_t *)g;
	c.fpstate = uc->uc_mcontext.fpregs;
	c.replace_regs = 0;
	c.rax = 0;
	c.rdx = 0;
	c.set_rdx = 0;
	c.carry = 0;

	trap_dispatch(&c);

	if (c.replace_regs)
		goto out;
	g[REG_RAX] = (greg_t)c.rax;
	if (c.set_rdx)
		g[REG_RDX] = (greg_t)c.rdx;
	if (c.carry)
		g[REG_EFL] |= EFLAGS_CF;
	else
		g[REG_EFL] &= ~EFLAGS_CF;
out:
	/* Whatever the guest asked, it must never block SIGSYS. */
	*c.host_sigmask &= ~HOST_SIGSYS_BIT;
}

/* Host signals persona catches for the guest (bit sig - 1). */
static uint64_t caught_mask;

/* (Re)install the SIGSYS handler.  While it runs, the signals the guest
 * catches wait until the guest runs again, so a guest handler never
 * interrupts persona's own code; the others (default action: terminate,
 * stop; or ignored) stay deliverable, so that a guest blocked in a long
 * system call can still be killed or stopped. */
static long install_sigsys(void)
{
	struct k_sigaction sa = {
		.handler = (void *)xlat_sigsys,
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
		.restorer = (void *)restorer,
		.mask = __atomic_load_n(&caught_mask, __ATOMIC_ACQUIRE),
	};
	return RAW4(SYS_rt_sigaction, SIGSYS, &sa, 0, 8);
}

static long set_signal_stack(void *base, size_t size)
{
	stack_t ss = { .ss_sp = base, .ss_flags = 0, .ss_size = size };
	return RAW2(SYS_sigaltstack, &ss, 0);
}

static int install_filter(struct perr *err)
{
	uint64_t lo = (uint64_t)(uintptr_t)__start_persona_xlat_text;
	uint64_t hi = (uint64_t)(uintptr_t)__stop_persona_xlat_text;

	if ((lo >> 32) != ((hi - 1) >> 32))
		return perr_set(err, 0, "persona's syscall section crosses a 4 GiB boundary");

	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 1),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	long r = RAW5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r < 0)
		return perr_set(err, (int)-r, "prctl(PR_SET_NO_NEW_PRIVS)");
	r = RAW3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (r < 0)
		return perr_set(err, (int)-r, "install the seccomp trap filter");
	return 0;
}

int xlat_trap_install(xlat_dispatch_fn dispatch, int mode, struct perr *err)
{
	trap_dispatch = dispatch;
	if (mode == XLAT_TRAP_PTRACE)
		restorer = xlat_ptrace_restorer;

	void *alt = (void *)RAW6(SYS_mmap, 0, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((long)alt < 0 && (long)alt > -4096)
		return perr_set(err, (int)-(long)alt, "allocate the trap signal stack");
	long r = set_signal_stack(alt, ALTSTACK_SIZE);
	if (r < 0)
		return perr_set(err, (int)-r, "sigaltstack");

	r = install_sigsys();
	if (r < 0)
		return perr_set(err, (int)-r, "install the SIGSYS handler");
	uint64_t unblock = HOST_SIGSYS_BIT;
	RAW4(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, 0, 8);

	if (mode == XLAT_TRAP_PTRACE) {
		/* the tracer (our parent, see ptrace.c) takes over at this stop */
		r = RAW4(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
		if (r < 0)
			return perr_set(err, (int)-r, "ptrace(PTRACE_TRACEME)");
		RAW3(SYS_tgkill, RAW0(SYS_getpid), RAW0(SYS_gettid), SIGSTOP);
		use_ptrace = 1;
		return 0;
	}
	if (mode != XLAT_TRAP_SECCOMP) {
		r = arm_sud();
		if (r == 0) {
			use_sud = 1;
			return 0;
		}
		if (mode == XLAT_TRAP_SUD)
			return perr_set(err, (int)-r, "enable Syscall User Dispatch");
	}
	return install_filter(err);
}

int xlat_trap_can_exec(void)
{
	return use_sud || use_ptrace;
}

long xlat_trap_fork(void)
{
	long pid = RAW5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0 && use_sud)
		arm_sud();
	return pid;
}

struct thread_boot {
	struct xlat_thread_start ts;
	void *alt;
};

__attribute__((noreturn, used)) void xlat_thread_boot(struct thread_boot *b);

void xlat_thread_boot(struct thread_boot *b)
{
	uint64_t mask = b->ts.host_sigmask & ~HOST_SIGSYS_BIT;
	uint64_t sp = ((b->ts.stack_top - 4) & ~15UL) - 8;

	set_signal_stack(b->alt, THREAD_ALT_SIZE);
	if (use_sud)
		arm_sud();
	if (b->ts.child_tid) {
		uint64_t tid = (uint64_t)RAW0(SYS_gettid);
		guest_copyout(b->ts.child_tid, &tid, sizeof(tid));
	}
	RAW4(SYS_rt_sigprocmask, SIG_SETMASK, &mask, 0, 8);
	xlat_enter_guest(b->ts.entry, sp, b->ts.arg);
}

long xlat_trap_spawn_thread(const struct xlat_thread_start *ts)
{
	size_t len = THREAD_ALT_SIZE + THREAD_BOOT_SIZE;
	long m = RAW6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		return m;
	char *region = (char *)m;
	struct thread_boot *b = (struct thread_boot *)(region + THREAD_ALT_SIZE);
	b->ts = *ts;
	b->alt = region;
	void **child_sp = (void **)(region + len - 16);
	*child_sp = b;

	unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			      CLONE_SYSVSEM;
	if (ts->tls_base)
		flags |= CLONE_SETTLS;
	long tid = xlat_clone_raw(flags, child_sp, ts->tls_base);
	if (tid < 0) {
		RAW2(SYS_munmap, region, len);
		return tid;
	}
	if (ts->parent_tid) {
		uint64_t t = (uint64_t)tid;
		guest_copyout(ts->parent_tid, &t, sizeof(t));
	}
	return tid;
}

static xlat_signal_fn signal_fn;

void xlat_trap_set_signal_fn(xlat_signal_fn fn)
{
	signal_fn = fn;
}

static void xlat_on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	stack_t cur;

	/* Interrupted on persona's own signal stack: a fault in persona. */
	if (RAW2(SYS_sigaltstack, 0, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
	    (uint64_t)g[REG_RSP] >= (uint64_t)(uintptr_t)cur.ss_sp &&
	    (uint64_t)g[REG_RSP] < (uint64_t)(uintptr_t)cur.ss_sp + cur.ss_size) {
		xlat_trap_signal_action(sig, XLAT_SIG_DEFAULT);
		return;
	}
	if (!signal_fn) {
		xlat_trap_signal_action(sig, XLAT_SIG_DEFAULT);
		return;
	}
	signal_fn(sig, si, (uint64_t *)g, uc->uc_mcontext.fpregs, (uint64_t *)&uc->uc_sigmask);
	*(uint64_t *)&uc->uc_sigmask &= ~HOST_SIGSYS_BIT;
}

long xlat_trap_signal_action(int host_sig, int action)
{
	if (host_sig < 1 || host_sig > 64)
		return -22;
	if (host_sig == SIGSYS || host_sig == SIGKILL || host_sig == SIGSTOP)
		return action == XLAT_SIG_DEFAULT ? 0 : -22;
	struct k_sigaction sa = {
		.handler = action == XLAT_SIG_CATCH ? (void *)xlat_on_signal
			   : action == XLAT_SIG_IGNORE ? (void *)SIG_IGN : (void *)SIG_DFL,
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_RESTART,
		.restorer = (void *)restorer,
		.mask = ~0UL,
	};
	uint64_t bit = 1UL << (host_sig - 1);
	if (action == XLAT_SIG_CATCH) {
		/* caught from now on: blocked for the rest of this handler too */
		__atomic_fetch_or(&caught_mask, bit, __ATOMIC_ACQ_REL);
		RAW4(SYS_rt_sigprocmask, SIG_BLOCK, &bit, 0, 8);
	}
	long r = RAW4(SYS_rt_sigaction, host_sig, &sa, 0, 8);
	if (action != XLAT_SIG_CATCH)
		__atomic_fetch_and(&caught_mask, ~bit, __ATOMIC_ACQ_REL);
	if (trap_dispatch)
		install_sigsys();
	return r;
}

#define FP_XSTATE_MAGIC1 0x46505853U

void xlat_fpstate_mark_used(void *fpstate)
{
	unsigned char *fx = fpstate;
	uint32_t magic;
	if (!fx)
		return;
	__builtin_memcpy(&magic, fx + 464, 4);
	if (magic != FP_XSTATE_MAGIC1)
		return;
	uint64_t bv;
	__builtin_memcpy(&bv, fx + 512, 8);
	bv |= 3; /* x87 and SSE state present */
	__builtin_memcpy(fx + 512, &bv, 8);
}
