/* persona winapi-shim: hardware faults as Windows exceptions
 * (learn.microsoft.com: "Structured Exception Handling", GetExceptionCode's
 * codes: EXCEPTION_ACCESS_VIOLATION and friends, with ExceptionInformation
 * [0] = 0 read, 1 write, 8 execute and [1] = the address for access
 * violations).  A fault in the program's code becomes an exception record
 * and a CONTEXT on the program's stack; the signal handler returns into a
 * trampoline that dispatches it outside of signal context.  Faults
 * elsewhere (in persona itself) keep their default action. */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>
#include <ucontext.h>

#include "winapi-shim/ntdll/ntdll.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"

#define EXCEPTION_ACCESS_VIOLATION 0xC0000005u
#define EXCEPTION_ILLEGAL_INSTRUCTION 0xC000001Du
#define EXCEPTION_FLT_DIVIDE_BY_ZERO 0xC000008Eu
#define EXCEPTION_FLT_INEXACT_RESULT 0xC000008Fu
#define EXCEPTION_FLT_INVALID_OPERATION 0xC0000090u
#define EXCEPTION_FLT_OVERFLOW 0xC0000091u
#define EXCEPTION_FLT_UNDERFLOW 0xC0000093u
#define EXCEPTION_INT_DIVIDE_BY_ZERO 0xC0000094u
#define EXCEPTION_INT_OVERFLOW 0xC0000095u
#define EXCEPTION_STACK_OVERFLOW 0xC00000FDu

#define ALTSTACK_SIZE (64 * 1024)
/* How far below StackLimit a fault still counts as the stack's guard. */
#define GUARD_REACH (64 * 1024)

/* rdi = record, rsi = context, rsp 16-byte aligned */
__asm__(".text\n"
	".globl win_fault_trampoline\n"
	".type win_fault_trampoline,@function\n"
	"win_fault_trampoline:\n"
	"\tcall win_dispatch_fault\n"
	"\tud2\n"
	".size win_fault_trampoline, .-win_fault_trampoline\n");
void win_fault_trampoline(void);

static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

static DWORD exception_code(int sig, int si_code)
{
	switch (sig) {
	case SIGFPE:
		switch (si_code) {
		case FPE_INTDIV: return EXCEPTION_INT_DIVIDE_BY_ZERO;
		case FPE_INTOVF: return EXCEPTION_INT_OVERFLOW;
		case FPE_FLTDIV: return EXCEPTION_FLT_DIVIDE_BY_ZERO;
		case FPE_FLTOVF: return EXCEPTION_FLT_OVERFLOW;
		case FPE_FLTUND: return EXCEPTION_FLT_UNDERFLOW;
		case FPE_FLTRES: return EXCEPTION_FLT_INEXACT_RESULT;
		}
		return EXCEPTION_FLT_INVALID_OPERATION;
	case SIGILL:
		return EXCEPTION_ILLEGAL_INSTRUCTION;
	}
	return EXCEPTION_ACCESS_VIOLATION;
}

static void default_action(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	TEB *teb = NtCurrentTeb();
	DWORD64 pc = (DWORD64)g[REG_RIP];
	const struct pe_module *m = pe_module_containing(pc);

	if (!m || !teb) {
		default_action(sig); /* the instruction faults again, now fatally */
		return;
	}
	DWORD64 limit = (DWORD64)teb->NtTib.StackLimit, addr = (DWORD64)si->si_addr;
	if ((sig == SIGSEGV || sig == SIGBUS) && addr < limit && limit - addr <= GUARD_REACH) {
		/* the guard page below the stack: nothing is left to run a
		 * handler on (Windows keeps a reserve; persona does not) */
		fflush(NULL);
		fprintf(stderr, "persona: unhandled exception 0x%08x (stack overflow) at %p\n", EXCEPTION_STACK_OVERFLOW,
			(void *)pc);
		_exit((int)(EXCEPTION_STACK_OVERFLOW & 0xff));
	}
	/* Below the program's stack pointer (the handler itself runs on the
	 * thread's alternate stack), 16-byte aligned. */
	DWORD64 top = ((DWORD64)g[REG_RSP] - 128) & ~15ull;
	DWORD64 ctx_at = top - sizeof(CONTEXT);
	DWORD64 rec_at = (ctx_at - sizeof(EXCEPTION_RECORD)) & ~15ull;
	DWORD64 sp = rec_at - 16;
	if (sp < limit || top > (DWORD64)teb->NtTib.StackBase) {
		default_action(sig); /* no room on the program's stack */
		return;
	}

	CONTEXT *c = (CONTEXT *)ctx_at;
	memset(c, 0, sizeof *c);
	c->ContextFlags = CONTEXT_FULL;
	c->Rax = g[REG_RAX], c->Rcx = g[REG_RCX], c->Rdx = g[REG_RDX], c->Rbx = g[REG_RBX];
	c->Rsp = g[REG_RSP], c->Rbp = g[REG_RBP], c->Rsi = g[REG_RSI], c->Rdi = g[REG_RDI];
	c->R8 = g[REG_R8], c->R9 = g[REG_R9], c->R10 = g[REG_R10], c->R11 = g[REG_R11];
	c->R12 = g[REG_R12], c->R13 = g[REG_R13], c->R14 = g[REG_R14], c->R15 = g[REG_R15];
	c->Rip = pc;
	c->EFlags = (DWORD)g[REG_EFL];
	if (uc->uc_mcontext.fpregs) {
		c->MxCsr = uc->uc_mcontext.fpregs->mxcsr;
		memcpy(c->Xmm, uc->uc_mcontext.fpregs->_xmm, sizeof c->Xmm);
	}

	EXCEPTION_RECORD *r = (EXCEPTION_RECORD *)rec_at;
	memset(r, 0, sizeof *r);
	r->ExceptionCode = exception_code(sig, si->si_code);
	r->ExceptionAddress = (void *)pc;
	if (r->ExceptionCode == EXCEPTION_ACCESS_VIOLATION) {
		unsigned long err = (unsigned long)g[REG_ERR];
		r->NumberParameters = 2;
		r->ExceptionInformation[0] = (err & 0x10) ? 8 : (err & 0x2) ? 1 : 0;
		r->ExceptionInformation[1] = (ULONG_PTR)si->si_addr;
	}

	g[REG_RDI] = (greg_t)rec_at;
	g[REG_RSI] = (greg_t)ctx_at;
	g[REG_RSP] = (greg_t)sp;
	g[REG_RIP] = (greg_t)(uintptr_t)win_fault_trampoline;
}

int win_install_fault_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++)
		if (sigaction(fault_signals[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

int win_altstack_attach(void)
{
	struct win_thread_state *ts = win_thread_state();
	stack_t ss, old;

	void *mem = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	ss.ss_sp = mem;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, &old) < 0) {
		munmap(mem, ALTSTACK_SIZE);
		return -1;
	}
	ts->altstack = mem;
	ts->saved_ss_sp = old.ss_sp;
	ts->saved_ss_size = old.ss_size;
	ts->saved_ss_flags = old.ss_flags;
	return 0;
}

void win_altstack_detach(void)
{
	struct win_thread_state *ts = win_thread_state();
	stack_t old = { .ss_sp = ts->saved_ss_sp, .ss_size = ts->saved_ss_size, .ss_flags = ts->saved_ss_flags & SS_DISABLE };

	if (!ts->altstack)
		return;
	/* give back whatever the thread had (a sanitizer's stack, or none) */
	sigaltstack(&old, NULL);
	munmap(ts->altstack, ALTSTACK_SIZE);
	ts->altstack = NULL;
}
