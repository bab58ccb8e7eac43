/* persona syscall-xlat: the ptrace trap back-end (see trap.h,
 * xlat_ptrace_split and XLAT_TRAP_PTRACE).
 *
 * The guest process is a child of persona, traced with PTRACE_SYSEMU: at
 * each of its system calls it stops and the kernel does not run the call.
 * The tracer moves registers only, never translates:
 *   - a call made by the guest (instruction pointer outside persona's
 *     section persona_xlat_text) becomes a SIGSYS with the siginfo a
 *     seccomp SECCOMP_RET_TRAP would give (si_code SYS_SECCOMP,
 *     si_syscall, si_arch): the tracer queues SIGSYS to the thread and, at
 *     its signal-delivery-stop, rewrites the siginfo.  The in-process
 *     SIGSYS handler then translates as with the other back-ends, resumed
 *     with PTRACE_CONT so that its own system calls run without stops;
 *   - persona's signal handlers return through a restorer that starts
 *     with a breakpoint (xlat_ptrace_restorer): at that SIGTRAP the tracer
 *     does what rt_sigreturn would (registers, FPU and signal mask from the
 *     frame's ucontext, with PTRACE_SETREGS, SETFPREGS, SETSIGMASK) and
 *     resumes the guest under PTRACE_SYSEMU again.  Three stops per
 *     translated call;
 *   - a call made by persona's code while under PTRACE_SYSEMU (a new
 *     thread's start, a forked child's way back from the handler) must
 *     really run: the tracer steps the instruction pointer back onto the
 *     `syscall` instruction and resumes with PTRACE_SYSCALL once, so the
 *     call runs between an entry and an exit stop.
 * New threads and forked processes are traced too (PTRACE_O_TRACECLONE,
 * TRACEFORK, TRACEVFORK); an execve leaves tracing (the new image is
 * persona again, which sets up its own tracer, or a Linux program).
 * The tracer forwards SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to the guest,
 * leaves SIGINT and SIGQUIT to reach it from the terminal, and ends with
 * the guest's exit status (or its signal).
 * For debugging and for hosts where the in-process trap cannot be
 * installed: each stop is two context switches.
 * Sources: ptrace(2) (PTRACE_SYSEMU, PTRACE_O_TRACESYSGOOD, event stops,
 * PTRACE_SETSIGINFO, PTRACE_SETSIGMASK), seccomp(2) (the SIGSYS siginfo of
 * SECCOMP_RET_TRAP), tgkill(2), sigreturn(2) and the x86-64 signal frame
 * (struct ucontext, uc_mcontext, uc_sigmask; the kernel's FIX_EFLAGS). */
#include "syscall-xlat/trap/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#ifndef PTRACE_SETSIGMASK
#define PTRACE_SETSIGMASK 0x420b
#endif
/* The flags rt_sigreturn takes from the frame (arch/x86 FIX_EFLAGS):
 * CF PF AF ZF SF TF DF OF RF AC. */
#define FIX_EFLAGS 0x50dd5UL

void xlat_ptrace_restorer(void);

extern char __start_persona_xlat_text[] __attribute__((visibility("hidden")));
extern char __stop_persona_xlat_text[] __attribute__((visibility("hidden")));

/* What a traced thread is doing, as the tracer left it. */
enum tstate {
	T_NEW,          /* attached, its first stop not seen yet */
	T_EMU,          /* running under PTRACE_SYSEMU */
	T_WANT_SIGSYS,  /* a guest call stopped; our SIGSYS is queued */
	T_RUN_ENTER,    /* persona's own call, stepped back, entry stop next */
	T_RUN_EXIT,     /* ... running, exit stop next */
	T_HANDLER,      /* in persona's signal handler, under PTRACE_CONT */
};

struct tthread {
	pid_t tid, tgid;
	enum tstate st;
	long nr;                  /* the guest call (T_WANT_SIGSYS) */
	uint64_t rip;
};

static struct tthread *threads;
static size_t nthreads, cap;
static pid_t guest;

static struct tthread *find(pid_t tid, bool add)
{
	for (size_t i = 0; i < nthreads; i++)
		if (threads[i].tid == tid)
			return &threads[i];
	if (!add)
		return NULL;
	if (nthreads == cap) {
		size_t ncap = cap ? cap * 2 : 64;
		struct tthread *n = realloc(threads, ncap * sizeof(*n));
		if (!n)
			return NULL;
		threads = n;
		cap = ncap;
	}
	threads[nthreads] = (struct tthread){ .tid = tid, .tgid = tid, .st = T_NEW };
	return &threads[nthreads++];
}

static void forget(pid_t tid)
{
	for (size_t i = 0; i < nthreads; i++)
		if (threads[i].tid == tid) {
			threads[i] = threads[--nthreads];
			return;
		}
}

static bool in_persona(uint64_t rip)
{
	return rip >= (uint64_t)(uintptr_t)__start_persona_xlat_text &&
	       rip < (uint64_t)(uintptr_t)__stop_persona_xlat_text;
}

/* Resume `t` the way its state needs, delivering `sig` (0: none). */
static void resume(struct tthread *t, int sig)
{
	int req = t->st == T_HANDLER ? PTRACE_CONT
		  : t->st == T_RUN_ENTER || t->st == T_RUN_EXIT ? PTRACE_SYSCALL : PTRACE_SYSEMU;
	ptrace(req, t->tid, 0, (void *)(uintptr_t)sig);
}

/* Does thread group `tgid` run a handler for `sig` (SigCgt of
 * /proc/TGID/status)?  A signal with no handler must not leave the
 * thread under PTRACE_CONT, where its next call would run untranslated. */
static bool caught(pid_t tgid, int sig)
{
	char path[64], buf[4096];
	unsigned long long mask = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *p = strstr(buf, "\nSigCgt:");
	if (!p || sscanf(p + 8, "%llx", &mask) != 1)
		return false;
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

/* At the restorer's breakpoint: rt_sigreturn, done from outside. */
static int emulate_sigreturn(struct tthread *t, struct user_regs_struct *cur)
{
	ucontext_t uc;
	struct user_fpregs_struct fp;
	struct iovec local = { &uc, offsetof(ucontext_t, uc_sigmask) + 8 };
	struct iovec remote = { (void *)(uintptr_t)cur->rsp, local.iov_len };
	const greg_t *g;
	struct user_regs_struct r = *cur;

	if (process_vm_readv(t->tid, &local, 1, &remote, 1, 0) != (ssize_t)local.iov_len)
		return -1;
	g = uc.uc_mcontext.gregs;
	r.r8 = (uint64_t)g[REG_R8];
	r.r9 = (uint64_t)g[REG_R9];
	r.r10 = (uint64_t)g[REG_R10];
	r.r11 = (uint64_t)g[REG_R11];
	r.r12 = (uint64_t)g[REG_R12];
	r.r13 = (uint64_t)g[REG_R13];
	r.r14 = (uint64_t)g[REG_R14];
	r.r15 = (uint64_t)g[REG_R15];
	r.rdi = (uint64_t)g[REG_RDI];
	r.rsi = (uint64_t)g[REG_RSI];
	r.rbp = (uint64_t)g[REG_RBP];
	r.rbx = (uint64_t)g[REG_RBX];
	r.rdx = (uint64_t)g[REG_RDX];
	r.rax = (uint64_t)g[REG_RAX];
	r.rcx = (uint64_t)g[REG_RCX];
	r.rsp = (uint64_t)g[REG_RSP];
	r.rip = (uint64_t)g[REG_RIP];
	r.eflags = (cur->eflags & ~FIX_EFLAGS) | ((uint64_t)g[REG_EFL] & FIX_EFLAGS);
	r.orig_rax = (uint64_t)-1;   /* no system call to restart */
	if (uc.uc_mcontext.fpregs) {
		struct iovec fl = { &fp, sizeof(fp) }, fr = { uc.uc_mcontext.fpregs, sizeof(fp) };
		if (process_vm_readv(t->tid, &fl, 1, &fr, 1, 0) != (ssize_t)sizeof(fp) ||
		    ptrace(PTRACE_SETFPREGS, t->tid, 0, &fp) < 0)
			return -1;
	}
	uint64_t mask;
	memcpy(&mask, &uc.uc_sigmask, sizeof(mask));
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0 || ptrace(PTRACE_SETSIGMASK, t->tid, (void *)8, &mask) < 0)
		return -1;
	return 0;
}

static void forward(int sig)
{
	if (guest > 0)
		kill(guest, sig);
}

/* A syscall stop (SIGTRAP | 0x80) of thread `t`. */
static void on_syscall_stop(struct tthread *t)
{
	struct user_regs_struct r;

	switch (t->st) {
	case T_RUN_ENTER:
		t->st = T_RUN_EXIT;
		resume(t, 0);
		return;
	case T_RUN_EXIT:
		t->st = T_EMU;
		resume(t, 0);
		return;
	default:
		break;
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return;
	/* rip is past the two-byte `syscall` instruction */
	if (in_persona(r.rip - 2)) {
		r.rip -= 2;
		r.rax = r.orig_rax;
		ptrace(PTRACE_SETREGS, t->tid, 0, &r);
		t->st = T_RUN_ENTER;
		ptrace(PTRACE_SYSCALL, t->tid, 0, 0);
		return;
	}
	t->nr = (long)r.orig_rax;
	t->rip = r.rip;
	t->st = T_WANT_SIGSYS;
	syscall(SYS_tgkill, t->tgid, t->tid, SIGSYS);
	ptrace(PTRACE_SYSEMU, t->tid, 0, 0);
}

/* A signal-delivery-stop for `sig`. */
static void on_signal_stop(struct tthread *t, int sig)
{
	if (sig == SIGSYS && t->st == T_WANT_SIGSYS) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGSYS;
		si.si_code = SYS_SECCOMP;
		si.si_call_addr = (void *)(uintptr_t)t->rip;
		si.si_syscall = (int)t->nr;
		si.si_arch = AUDIT_ARCH_X86_64;
		ptrace(PTRACE_SETSIGINFO, t->tid, 0, &si);
		t->st = T_HANDLER;
		resume(t, sig);
		return;
	}
	if (sig == SIGTRAP) {
		struct user_regs_struct r;
		if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) == 0 &&
		    r.rip == (uint64_t)(uintptr_t)xlat_ptrace_restorer + 1) {
			if (emulate_sigreturn(t, &r) == 0) {
				t->st = T_EMU;
				resume(t, 0);
				return;
			}
			/* fall back on the restorer's own rt_sigreturn */
			t->st = T_EMU;
			resume(t, 0);
			return;
		}
	}
	/* Another signal: persona's handler runs it (for the guest) when one
	 * is installed, without stops; else the kernel's default action. */
	if (t->st != T_RUN_ENTER && t->st != T_RUN_EXIT)
		t->st = caught(t->tgid, sig) ? T_HANDLER : T_EMU;
	resume(t, sig);
}

static __attribute__((noreturn)) void finish(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* The tracer's loop: until the guest's main process ends. */
static __attribute__((noreturn)) void tracer(pid_t child)
{
	int status;
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

	guest = child;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	signal(SIGUSR1, forward);
	signal(SIGUSR2, forward);
	/* The child stops itself once it is ready to be traced. */
	if (waitpid(child, &status, __WALL) != child)
		finish(W_EXITCODE(125, 0));
	if (!WIFSTOPPED(status)) {
		finish(status);
	}
	if (ptrace(PTRACE_SETOPTIONS, child, 0, opts) < 0) {
		fprintf(stderr, "persona: ptrace back-end: PTRACE_SETOPTIONS: %s\n", strerror(errno));
		kill(child, SIGKILL);
		finish(W_EXITCODE(125, 0));
	}
	find(child, true)->st = T_EMU;
	ptrace(PTRACE_SYSEMU, child, 0, 0);
	for (;;) {
		pid_t tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			finish(W_EXITCODE(125, 0));
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			forget(tid);
			if (tid == child)
				finish(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		struct tthread *t = find(tid, true);
		if (!t) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			continue;
		}
		int sig = WSTOPSIG(status), event = status >> 16;
		if (t->st == T_NEW) {
			/* a new thread or process: its SIGSTOP, or a stop that came
			 * before the event that named it */
			t->st = T_EMU;
			resume(t, sig == SIGSTOP ? 0 : sig);
			continue;
		}
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall_stop(t);
			continue;
		}
		if (sig == SIGTRAP && event) {
			unsigned long msg = 0;
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			if (event == PTRACE_EVENT_EXEC) {
				/* a new image: persona again (it traces itself anew) or a
				 * Linux program; either way not ours to translate */
				t->st = T_EMU;
				ptrace(PTRACE_DETACH, tid, 0, 0);
				if (tid != child)
					forget(tid);
				continue;
			}
			if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
			    event == PTRACE_EVENT_VFORK) {
				pid_t tgid = event == PTRACE_EVENT_CLONE ? t->tgid : (pid_t)msg;
				struct tthread *n = find((pid_t)msg, true);
				if (n)
					n->tgid = tgid;
				t = find(tid, false);   /* find() may have moved it */
			}
			if (t)
				resume(t, 0);
			continue;
		}
		/* a group-stop has no siginfo: let it go on (stop signals do not
		 * stop a guest under this back-end) */
		siginfo_t si;
		if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0) {
			resume(t, 0);
			continue;
		}
		on_signal_stop(t, sig);
	}
}

int xlat_ptrace_split(struct perr *err)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return perr_set(err, errno, "ptrace back-end: fork the guest");
	if (pid > 0)
		tracer(pid);
	return 0;
}
