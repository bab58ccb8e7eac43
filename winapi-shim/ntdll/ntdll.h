/* persona winapi-shim: ntdll's structured exception handling, also
 * exported by kernel32 (as on Windows, where kernel32 forwards them).
 *
 * Follows learn.microsoft.com: "x64 exception handling" (RUNTIME_FUNCTION,
 * UNWIND_INFO, UNWIND_CODE, the unwind procedure), RtlCaptureContext,
 * RtlLookupFunctionEntry, RtlVirtualUnwind, RtlUnwindEx, RaiseException,
 * and winnt.h's CONTEXT, EXCEPTION_RECORD, DISPATCHER_CONTEXT layouts. */
#ifndef PERSONA_WINAPI_NTDLL_H
#define PERSONA_WINAPI_NTDLL_H

#include "winapi-shim/wintypes.h"

typedef struct __attribute__((aligned(16))) _M128A {
	ULONGLONG Low;
	LONGLONG High;
} M128A;

typedef struct __attribute__((aligned(16))) _CONTEXT {
	DWORD64 P1Home, P2Home, P3Home, P4Home, P5Home, P6Home;
	DWORD ContextFlags;
	DWORD MxCsr;
	WORD SegCs, SegDs, SegEs, SegFs, SegGs, SegSs;
	DWORD EFlags;
	DWORD64 Dr0, Dr1, Dr2, Dr3, Dr6, Dr7;
	DWORD64 Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi;
	DWORD64 R8, R9, R10, R11, R12, R13, R14, R15;
	DWORD64 Rip;
	BYTE FltSaveHeader[0x1a0 - 0x100]; /* XMM_SAVE_AREA32 up to its XmmRegisters */
	M128A Xmm[16];                     /* Xmm0..Xmm15 at 0x1a0 */
	BYTE FltSaveTail[0x300 - 0x2a0];
	M128A VectorRegister[26];
	DWORD64 VectorControl, DebugControl, LastBranchToRip, LastBranchFromRip;
	DWORD64 LastExceptionToRip, LastExceptionFromRip;
} CONTEXT;

_Static_assert(sizeof(CONTEXT) == 0x4d0, "CONTEXT");
_Static_assert(__builtin_offsetof(CONTEXT, Rax) == 0x78, "CONTEXT.Rax");
_Static_assert(__builtin_offsetof(CONTEXT, Rip) == 0xf8, "CONTEXT.Rip");
_Static_assert(__builtin_offsetof(CONTEXT, Xmm) == 0x1a0, "CONTEXT.Xmm0");

#define CONTEXT_AMD64 0x00100000
#define CONTEXT_FULL (CONTEXT_AMD64 | 0x1 | 0x2 | 0x8)

#define EXCEPTION_MAXIMUM_PARAMETERS 15
typedef struct _EXCEPTION_RECORD {
	DWORD ExceptionCode;
	DWORD ExceptionFlags;
	struct _EXCEPTION_RECORD *ExceptionRecord;
	PVOID ExceptionAddress;
	DWORD NumberParameters;
	ULONG_PTR ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD;

#define EXCEPTION_NONCONTINUABLE 0x1
#define EXCEPTION_UNWINDING 0x2
#define EXCEPTION_EXIT_UNWIND 0x4
#define EXCEPTION_TARGET_UNWIND 0x20

typedef struct _RUNTIME_FUNCTION {
	DWORD BeginAddress, EndAddress, UnwindData;
} RUNTIME_FUNCTION;

struct _DISPATCHER_CONTEXT;
typedef int(WINAPI *PEXCEPTION_ROUTINE)(EXCEPTION_RECORD *rec, PVOID frame, CONTEXT *ctx,
					struct _DISPATCHER_CONTEXT *disp);

typedef struct _DISPATCHER_CONTEXT {
	DWORD64 ControlPc;
	DWORD64 ImageBase;
	RUNTIME_FUNCTION *FunctionEntry;
	DWORD64 EstablisherFrame;
	DWORD64 TargetIp;
	CONTEXT *ContextRecord;
	PEXCEPTION_ROUTINE LanguageHandler;
	PVOID HandlerData;
	void *HistoryTable;
	DWORD ScopeIndex;
	DWORD Fill0;
} DISPATCHER_CONTEXT;

#define UNW_FLAG_NHANDLER 0
#define UNW_FLAG_EHANDLER 1
#define UNW_FLAG_UHANDLER 2
#define UNW_FLAG_CHAININFO 4

/* EXCEPTION_DISPOSITION */
#define ExceptionContinueExecution 0
#define ExceptionContinueSearch 1

void WINAPI RtlCaptureContext(CONTEXT *ctx);
RUNTIME_FUNCTION *WINAPI RtlLookupFunctionEntry(DWORD64 pc, DWORD64 *base, void *history);
PEXCEPTION_ROUTINE WINAPI RtlVirtualUnwind(DWORD type, DWORD64 base, DWORD64 pc, RUNTIME_FUNCTION *fe,
					   CONTEXT *ctx, PVOID *data, DWORD64 *frame, void *ctxptrs);
void WINAPI RtlUnwindEx(PVOID frame, PVOID target_ip, EXCEPTION_RECORD *rec, PVOID retval, CONTEXT *orig,
			void *history);
void WINAPI RaiseException(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args);
PVOID WINAPI AddVectoredExceptionHandler(ULONG first, PVOID handler);
ULONG WINAPI RemoveVectoredExceptionHandler(PVOID handle);

/* Called by the RaiseException entry stub with the context of
 * RaiseException's caller (winapi-shim/entry/seh.c). */
void win_raise_exception(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args, CONTEXT *ctx);

/* Dispatch an exception raised by a fault (a Linux signal turned into
 * `rec` at `ctx`, entry/signal.c); resumes `ctx` if a handler continues
 * execution, else ends the process with the exception code. */
__attribute__((noreturn)) void win_dispatch_fault(EXCEPTION_RECORD *rec, CONTEXT *ctx);

/* Turn SIGSEGV, SIGBUS, SIGFPE and SIGILL in the program's code into
 * EXCEPTION_ACCESS_VIOLATION, EXCEPTION_INT_DIVIDE_BY_ZERO... (entry/signal.c).
 * A fault in the guard page below a thread's stack is
 * EXCEPTION_STACK_OVERFLOW, which ends the process at once (no stack is
 * left to dispatch it on). */
int win_install_fault_handlers(void);

/* Give the calling thread (its TEB set) an alternate signal stack for the
 * fault handler, so that a stack overflow reaches it; detach restores the
 * thread's previous one and frees it.  0, or -1 with errno. */
int win_altstack_attach(void);
void win_altstack_detach(void);

/* Load every register of `ctx` and jump to ctx->Rip (entry/seh.c). */
__attribute__((noreturn)) void win_restore_context(const CONTEXT *ctx);

#endif
