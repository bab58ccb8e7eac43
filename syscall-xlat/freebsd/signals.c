/* persona syscall-xlat: FreeBSD signals.
 * The guest's actions are kept here; persona catches on the host the
 * signals the guest handles (trap.h xlat_trap_signal_action) and enters
 * the guest handler on a FreeBSD signal frame (struct sigframe: the
 * ucontext, then the siginfo; the handler returns into a small "sigcode"
 * that calls sigreturn(2) on the ucontext).  Masks are real:
 * sigprocmask edits the mask the trap's sigreturn restores, never with
 * SIGSYS.  Alternate signal stacks are virtual, per thread: the host one
 * belongs to the trap.
 * Sources: FreeBSD sigaction(2), sigprocmask(2), sigaltstack(2),
 * sigreturn(2), sys/amd64/amd64/exec_machdep.c (sendsig, sys_sigreturn),
 * sys/amd64/amd64/sigtramp.S, sys/sys/signal.h, sys/x86/include/ucontext.h. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>

#define A(i) (c->args[i])
#define BSD_NSIG 128

struct bsd_sigaction {
	uint64_t handler;
	int32_t flags;
	uint32_t mask[4];
};

static struct bsd_sigaction guest_actions[BSD_NSIG + 1];

BSD_HANDLER(sigaction)
{
	int sig = (int)A(0);
	struct bsd_sigaction act;
	if (sig <= 0 || sig > BSD_NSIG)
		return -22;
	if (A(1)) {
		int e = guest_copyin(&act, A(1), sizeof(act));
		if (e < 0)
			return e;
		if ((sig == 9 || sig == 17) && act.handler != 0) /* SIGKILL, SIGSTOP */
			return -22;
	}
	if (A(2)) {
		int e = guest_copyout(A(2), &guest_actions[sig], sizeof(act));
		if (e < 0)
			return e;
	}
	if (A(1)) {
		guest_actions[sig] = act;
		int lsig = bsd_to_linux_signal(sig);
		if (lsig && lsig != SIGSYS)
			xlat_trap_signal_action(lsig, act.handler == 0   ? XLAT_SIG_DEFAULT
						      : act.handler == 1 ? XLAT_SIG_IGNORE
									 : XLAT_SIG_CATCH);
	}
	return 0;
}

BSD_HANDLER(sigprocmask)
{
	uint64_t cur = *c->host_sigmask;
	uint32_t bset[4];
	if (A(2)) {
		linux_to_bsd_sigset(cur, bset);
		int e = guest_copyout(A(2), bset, sizeof(bset));
		if (e < 0)
			return e;
	}
	if (!A(1))
		return 0;
	int e = guest_copyin(bset, A(1), sizeof(bset));
	if (e < 0)
		return e;
	uint64_t m = bsd_to_linux_sigset(bset);
	switch ((int)A(0)) {
	case 1: cur |= m; break;   /* SIG_BLOCK */
	case 2: cur &= ~m; break;  /* SIG_UNBLOCK */
	case 3: cur = m; break;    /* SIG_SETMASK */
	default: return -22;
	}
	cur &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)) | (1ULL << (SIGSYS - 1)));
	*c->host_sigmask = cur;
	return 0;
}


/* stack_t: ss_sp, ss_size, int ss_flags (SS_ONSTACK 1, SS_DISABLE 4). */
struct bsd_stack {
	uint64_t ss_sp;
	uint64_t ss_size;
	int32_t ss_flags;
	int32_t pad;
};
#define B_SS_ONSTACK 1
#define B_SS_DISABLE 4

/* Per-thread virtual alternate stacks, by Linux thread id. */
#define MAX_ALT 1024
static struct { int32_t tid; struct bsd_stack st; } alts[MAX_ALT];

static struct bsd_stack *alt_of(int32_t tid, int create)
{
	int free_slot = -1;
	for (int i = 0; i < MAX_ALT; i++) {
		if (alts[i].tid == tid)
			return &alts[i].st;
		if (!alts[i].tid && free_slot < 0)
			free_slot = i;
	}
	if (!create || free_slot < 0)
		return 0;
	alts[free_slot].tid = tid;
	alts[free_slot].st.ss_flags = B_SS_DISABLE;
	return &alts[free_slot].st;
}

void bsd_thread_gone(int32_t tid)
{
	for (int i = 0; i < MAX_ALT; i++)
		if (alts[i].tid == tid)
			alts[i].tid = 0;
}

void bsd_thread_renamed(int32_t old_tid, int32_t new_tid)
{
	for (int i = 0; i < MAX_ALT; i++)
		if (alts[i].tid == old_tid)
			alts[i].tid = new_tid;
}

static int on_alt(const struct bsd_stack *a, uint64_t sp)
{
	return a && !(a->ss_flags & B_SS_DISABLE) && sp >= a->ss_sp && sp < a->ss_sp + a->ss_size;
}

BSD_HANDLER(sigaltstack)
{
	int32_t tid = (int32_t)RAW0(SYS_gettid);
	struct bsd_stack *a = alt_of(tid, 0);
	int onstack = on_alt(a, c->sp);
	if (A(1)) {
		struct bsd_stack old = { 0, 0, B_SS_DISABLE, 0 };
		if (a)
			old = *a;
		if (onstack)
			old.ss_flags |= B_SS_ONSTACK;
		int e = guest_copyout(A(1), &old, sizeof(old));
		if (e < 0)
			return e;
	}
	if (A(0)) {
		struct bsd_stack ss;
		int e = guest_copyin(&ss, A(0), sizeof(ss));
		if (e < 0)
			return e;
		if (onstack)
			return -1; /* EPERM */
		if (ss.ss_flags & ~B_SS_DISABLE)
			return -22;
		if (!(ss.ss_flags & B_SS_DISABLE) && ss.ss_size < 2048) /* MINSIGSTKSZ */
			return -12; /* ENOMEM */
		a = alt_of(tid, 1);
		if (!a)
			return -12;
		*a = ss;
	}
	return 0;
}

/* FreeBSD amd64 mcontext_t (800 bytes) and ucontext_t (880 bytes). */
struct bsd_mcontext {
	uint64_t mc_onstack, mc_rdi, mc_rsi, mc_rdx, mc_rcx, mc_r8, mc_r9, mc_rax, mc_rbx, mc_rbp,
		mc_r10, mc_r11, mc_r12, mc_r13, mc_r14, mc_r15;
	uint32_t mc_trapno;
	uint16_t mc_fs, mc_gs;
	uint64_t mc_addr;
	uint32_t mc_flags;
	uint16_t mc_es, mc_ds;
	uint64_t mc_err, mc_rip, mc_cs, mc_rflags, mc_rsp, mc_ss, mc_len, mc_fpformat, mc_ownedfp;
	uint64_t mc_fpstate[64];
	uint64_t mc_fsbase, mc_gsbase, mc_xfpustate, mc_xfpustate_len;
	uint64_t mc_spare[4];
};
struct bsd_ucontext {
	uint32_t uc_sigmask[4];
	struct bsd_mcontext uc_mcontext;
	uint64_t uc_link;
	struct bsd_stack uc_stack;
	int32_t uc_flags;
	int32_t spare[4];
	uint8_t pad[12];
};
struct bsd_siginfo { /* si_signo, si_errno, si_code, si_pid, si_uid, si_status, si_addr, ... */
	int32_t signo, errnum, code, pid;
	uint32_t uid;
	int32_t status;
	uint64_t addr;
	uint64_t value;
	uint8_t reason[40];
};
_Static_assert(sizeof(struct bsd_mcontext) == 800, "FreeBSD mcontext_t is 800 bytes");
_Static_assert(sizeof(struct bsd_ucontext) == 880, "FreeBSD ucontext_t is 880 bytes");
_Static_assert(sizeof(struct bsd_siginfo) == 80, "FreeBSD siginfo_t is 80 bytes");

#define MC_FPFMT_XMM 0x10002
#define MC_FPOWNED_FPU 0x20001
#define B_SA_ONSTACK 0x0001
#define B_SA_RESETHAND 0x0004
#define B_SA_NODEFER 0x0010
#define RFLAGS_USER 0xcd5UL /* CF PF AF ZF SF DF OF */
#define HOST_BIT(s) (1ULL << ((s) - 1))
#define NEVER_BLOCKED (HOST_BIT(SIGKILL) | HOST_BIT(SIGSTOP) | HOST_BIT(SIGSYS))

/* FreeBSD's sigcode: the guest handler returns here with %rsp at the
 * ucontext; sigreturn (417) is trapped like any guest call.  It lives in
 * ordinary text, outside persona's syscall section, on purpose. */
void xlat_bsd_sigcode(void);
__asm__(
	".text\n"
	".globl xlat_bsd_sigcode\n"
	"xlat_bsd_sigcode:\n"
	"	movq %rsp, %rdi\n"
	"	movl $417, %eax\n"
	"	syscall\n"
	"	hlt\n");

static int bsd_si_code(int code)
{
	switch (code) {
	case SI_USER: return 0x10001;
	case SI_QUEUE: return 0x10002;
	case SI_TIMER: return 0x10003;
	case SI_ASYNCIO: return 0x10004;
	case SI_MESGQ: return 0x10005;
	case SI_KERNEL: return 0x10006;
	case SI_TKILL: return 0x10007; /* SI_LWP */
	default: return code; /* fault codes (SEGV_MAPERR, ...) agree */
	}
}

static void die_of(int lsig)
{
	xlat_trap_signal_action(lsig, XLAT_SIG_DEFAULT);
	RAW3(SYS_tgkill, RAW0(SYS_getpid), RAW0(SYS_gettid), lsig);
}

void bsd_deliver_signal(int lsig, const void *info, uint64_t *g, void *fpstate, uint64_t *mask)
{
	const siginfo_t *si = info;
	int bsig = linux_to_bsd_signal(lsig);
	if (!bsig) {
		die_of(lsig);
		return;
	}
	struct bsd_sigaction act = guest_actions[bsig];
	if (act.handler == 0) {
		die_of(lsig);
		return;
	}
	if (act.handler == 1)
		return;

	struct bsd_stack *alt = alt_of((int32_t)RAW0(SYS_gettid), 0);
	uint64_t rsp = g[REG_RSP];
	int onstack = on_alt(alt, rsp);
	uint64_t sp;
	if ((act.flags & B_SA_ONSTACK) && alt && !(alt->ss_flags & B_SS_DISABLE) && !onstack)
		sp = alt->ss_sp + alt->ss_size;
	else
		sp = rsp - 128; /* the red zone */
	uint64_t frame = (sp - sizeof(struct bsd_ucontext) - sizeof(struct bsd_siginfo)) & ~15UL;

	struct bsd_ucontext uc;
	__builtin_memset(&uc, 0, sizeof(uc));
	linux_to_bsd_sigset(*mask, uc.uc_sigmask);
	struct bsd_mcontext *m = &uc.uc_mcontext;
	m->mc_onstack = onstack;
	m->mc_rdi = g[REG_RDI]; m->mc_rsi = g[REG_RSI]; m->mc_rdx = g[REG_RDX];
	m->mc_rcx = g[REG_RCX]; m->mc_r8 = g[REG_R8]; m->mc_r9 = g[REG_R9];
	m->mc_rax = g[REG_RAX]; m->mc_rbx = g[REG_RBX]; m->mc_rbp = g[REG_RBP];
	m->mc_r10 = g[REG_R10]; m->mc_r11 = g[REG_R11]; m->mc_r12 = g[REG_R12];
	m->mc_r13 = g[REG_R13]; m->mc_r14 = g[REG_R14]; m->mc_r15 = g[REG_R15];
	m->mc_trapno = (uint32_t)g[REG_TRAPNO];
	m->mc_addr = (uint64_t)(uintptr_t)si->si_addr;
	m->mc_err = g[REG_ERR];
	m->mc_rip = g[REG_RIP];
	m->mc_cs = 0x43;
	m->mc_rflags = g[REG_EFL];
	m->mc_rsp = rsp;
	m->mc_ss = 0x3b;
	m->mc_len = sizeof(*m);
	if (fpstate) {
		__builtin_memcpy(m->mc_fpstate, fpstate, sizeof(m->mc_fpstate));
		m->mc_fpformat = MC_FPFMT_XMM;
		m->mc_ownedfp = MC_FPOWNED_FPU;
	}
	RAW2(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &m->mc_fsbase);
	if (alt)
		uc.uc_stack = *alt;
	else
		uc.uc_stack.ss_flags = B_SS_DISABLE;

	struct bsd_siginfo bi;
	__builtin_memset(&bi, 0, sizeof(bi));
	bi.signo = bsig;
	bi.errnum = si->si_errno;
	bi.code = bsd_si_code(si->si_code);
	if (si->si_code <= 0 || lsig == SIGCHLD) {
		bi.pid = si->si_pid;
		bi.uid = si->si_uid;
	}
	bi.addr = (uint64_t)(uintptr_t)si->si_addr;
	if (lsig == SIGCHLD)
		bi.status = si->si_status;

	uint64_t ret = (uint64_t)(uintptr_t)xlat_bsd_sigcode;
	if (guest_copyout(frame, &uc, sizeof(uc)) < 0 ||
	    guest_copyout(frame + sizeof(uc), &bi, sizeof(bi)) < 0 ||
	    guest_copyout(frame - 8, &ret, sizeof(ret)) < 0) {
		/* No room for a frame: FreeBSD kills the process; so does persona. */
		die_of(SIGSEGV);
		return;
	}

	g[REG_RIP] = act.handler;
	g[REG_RSP] = frame - 8;
	g[REG_RDI] = (uint64_t)bsig;
	g[REG_RSI] = frame + sizeof(uc);
	g[REG_RDX] = frame;
	g[REG_RCX] = bi.addr;
	g[REG_RAX] = 0;
	g[REG_EFL] &= ~0x500UL; /* TF, DF */

	uint64_t block = bsd_to_linux_sigset(act.mask);
	if (!(act.flags & B_SA_NODEFER))
		block |= HOST_BIT(lsig);
	*mask = (*mask | block) & ~NEVER_BLOCKED;
	if (act.flags & B_SA_RESETHAND) {
		guest_actions[bsig].handler = 0;
		xlat_trap_signal_action(lsig, XLAT_SIG_DEFAULT);
	}
}

BSD_HANDLER(sigreturn)
{
	struct bsd_ucontext uc;
	int e = guest_copyin(&uc, A(0), sizeof(uc));
	if (e < 0)
		return e;
	const struct bsd_mcontext *m = &uc.uc_mcontext;
	uint64_t *g = c->gregs;
	g[REG_RDI] = m->mc_rdi; g[REG_RSI] = m->mc_rsi; g[REG_RDX] = m->mc_rdx;
	g[REG_RCX] = m->mc_rcx; g[REG_R8] = m->mc_r8; g[REG_R9] = m->mc_r9;
	g[REG_RAX] = m->mc_rax; g[REG_RBX] = m->mc_rbx; g[REG_RBP] = m->mc_rbp;
	g[REG_R10] = m->mc_r10; g[REG_R11] = m->mc_r11; g[REG_R12] = m->mc_r12;
	g[REG_R13] = m->mc_r13; g[REG_R14] = m->mc_r14; g[REG_R15] = m->mc_r15;
	g[REG_RIP] = m->mc_rip;
	g[REG_RSP] = m->mc_rsp;
	g[REG_EFL] = (g[REG_EFL] & ~RFLAGS_USER) | (m->mc_rflags & RFLAGS_USER);
	if (m->mc_fpformat == MC_FPFMT_XMM && c->fpstate) {
		__builtin_memcpy(c->fpstate, m->mc_fpstate, sizeof(m->mc_fpstate));
		xlat_fpstate_mark_used(c->fpstate);
	}
	*c->host_sigmask = bsd_to_linux_sigset(uc.uc_sigmask) & ~NEVER_BLOCKED;
	c->replace_regs = 1;
	return 0;
}
