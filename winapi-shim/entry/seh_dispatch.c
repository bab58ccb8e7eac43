/* persona winapi-shim: structured exception dispatch and unwinding on
 * x64 (learn.microsoft.com: "x64 exception handling"; RtlVirtualUnwind,
 * RtlUnwindEx, RaiseException, SetUnhandledExceptionFilter).
 *
 * Frames are walked through the executable's .pdata.  Handlers run on the
 * program's stack; persona's own frames between RaiseException and a
 * handler have no unwind data, so RtlUnwindEx called during a dispatch
 * starts from the context RaiseException saved, which lies above them.
 *
 * This file is in entry/ (no sanitizer, no stack protector): its frames
 * are abandoned when RtlUnwindEx jumps to the target, and a sanitizer
 * would leave their stack poisoned.  Per-thread state lives in the TEB's
 * persona area, not in glibc's TLS. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "winapi-shim/ntdll/ntdll.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"

#define UWOP_PUSH_NONVOL 0
#define UWOP_ALLOC_LARGE 1
#define UWOP_ALLOC_SMALL 2
#define UWOP_SET_FPREG 3
#define UWOP_SAVE_NONVOL 4
#define UWOP_SAVE_NONVOL_FAR 5
#define UWOP_SAVE_XMM128 8
#define UWOP_SAVE_XMM128_FAR 9
#define UWOP_PUSH_MACHFRAME 10

#define MAX_FRAMES 100000
#define MAX_CHAIN 32

static DWORD64 *int_reg(CONTEXT *c, unsigned r)
{
	/* Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8..R15 are contiguous */
	return &c->Rax + (r & 15);
}

/* Is [p, p+len) inside the current thread's stack? */
static bool on_stack(DWORD64 p, DWORD64 len)
{
	TEB *t = NtCurrentTeb();
	DWORD64 lo = (DWORD64)t->NtTib.StackLimit, hi = (DWORD64)t->NtTib.StackBase;
	return p >= lo && p <= hi && len <= hi - p;
}

static const struct pe_module *module_of(DWORD64 pc)
{
	return pe_module_containing(pc);
}

RUNTIME_FUNCTION *WINAPI RtlLookupFunctionEntry(DWORD64 pc, DWORD64 *base, void *history)
{
	const struct pe_module *m = module_of(pc);
	if (!m)
		return NULL;
	*base = (DWORD64)m->base;
	const IMAGE_DATA_DIRECTORY *d = &m->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXCEPTION];
	RUNTIME_FUNCTION *tab = (RUNTIME_FUNCTION *)(m->base + d->VirtualAddress);
	size_t lo = 0, hi = d->Size / sizeof *tab;
	DWORD rva = (DWORD)(pc - *base);

	if (d->VirtualAddress == 0)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (rva < tab[mid].BeginAddress)
			hi = mid;
		else if (rva >= tab[mid].EndAddress)
			lo = mid + 1;
		else
			return &tab[mid];
	}
	return NULL;
}

/* UNWIND_INFO, as laid out in the image. */
struct unwind_info {
	BYTE version_flags, prolog, count, frame;
	WORD codes[];
};

/* Pointer to `len` bytes at `rva` of module `m`, or NULL. */
static const void *image_at(const struct pe_module *m, DWORD64 rva, DWORD64 len)
{
	if (rva > m->size || len > m->size - rva)
		return NULL;
	return m->base + rva;
}

PEXCEPTION_ROUTINE WINAPI RtlVirtualUnwind(DWORD type, DWORD64 base, DWORD64 pc, RUNTIME_FUNCTION *fe,
					   CONTEXT *ctx, PVOID *data, DWORD64 *frame, void *ctxptrs)
{
	const struct pe_module *m = module_of(base);
	PEXCEPTION_ROUTINE handler = NULL;
	bool chained = false;

	*data = NULL;
	*frame = ctx->Rsp;
	for (int depth = 0; m && depth < MAX_CHAIN; depth++) {
		const struct unwind_info *ui = image_at(m, fe->UnwindData, 4);
		if (!ui)
			break;
		unsigned n = ui->count, flags = ui->version_flags >> 3;
		unsigned freg = ui->frame & 15, foff = ui->frame >> 4;
		if (!image_at(m, fe->UnwindData, 4 + 2 * ((n + 1) & ~1u) + 12))
			break;
		DWORD64 off = pc - base - fe->BeginAddress; /* how far into the function */
		DWORD64 fbase = ctx->Rsp;

		/* With a frame register the offsets count from FP - 16 * offset,
		 * once the prolog has set it up. */
		if (freg) {
			bool set = chained || off >= ui->prolog;
			for (unsigned i = 0; i < n && !set; i++)
				if ((ui->codes[i] >> 8 & 15) == UWOP_SET_FPREG && (ui->codes[i] & 0xff) <= off)
					set = true;
			if (set)
				fbase = *int_reg(ctx, freg) - 16ull * foff;
		}
		if (depth == 0)
			*frame = fbase;

		for (unsigned i = 0; i < n; i++) {
			WORD c = ui->codes[i];
			unsigned at = c & 0xff, op = c >> 8 & 15, info = c >> 12;
			unsigned extra = op == UWOP_ALLOC_LARGE ? (info ? 2 : 1)
					 : op == UWOP_SAVE_NONVOL || op == UWOP_SAVE_XMM128 ? 1
					 : op == UWOP_SAVE_NONVOL_FAR || op == UWOP_SAVE_XMM128_FAR ? 2 : 0;
			if (i + extra >= n && extra) 
				break;
			DWORD slot1 = extra ? ui->codes[i + 1] : 0;
			DWORD slot32 = extra == 2 ? (DWORD)ui->codes[i + 1] | (DWORD)ui->codes[i + 2] << 16 : 0;
			bool apply = chained || off >= ui->prolog || at <= off;
			if (!apply) {
				i += extra;
				continue;
			}
			switch (op) {
			case UWOP_PUSH_NONVOL:
				if (!on_stack(ctx->Rsp, 8))
					return NULL;
				*int_reg(ctx, info) = *(DWORD64 *)ctx->Rsp;
				ctx->Rsp += 8;
				break;
			case UWOP_ALLOC_LARGE:
				ctx->Rsp += info ? slot32 : slot1 * 8ull;
				break;
			case UWOP_ALLOC_SMALL:
				ctx->Rsp += info * 8ull + 8;
				break;
			case UWOP_SET_FPREG:
				ctx->Rsp = *int_reg(ctx, freg) - 16ull * foff;
				break;
			case UWOP_SAVE_NONVOL:
			case UWOP_SAVE_NONVOL_FAR: {
				DWORD64 a = fbase + (op == UWOP_SAVE_NONVOL ? slot1 * 8ull : slot32);
				if (!on_stack(a, 8))
					return NULL;
				*int_reg(ctx, info) = *(DWORD64 *)a;
				break;
			}
			case UWOP_SAVE_XMM128:
			case UWOP_SAVE_XMM128_FAR: {
				DWORD64 a = fbase + (op == UWOP_SAVE_XMM128 ? slot1 * 16ull : slot32);
				if (!on_stack(a, 16))
					return NULL;
				memcpy(&ctx->Xmm[info], (void *)a, 16);
				break;
			}
			case UWOP_PUSH_MACHFRAME: {
				DWORD64 sp = ctx->Rsp + (info ? 8 : 0);
				if (!on_stack(sp, 40))
					return NULL;
				ctx->Rip = *(DWORD64 *)sp;
				ctx->Rsp = *(DWORD64 *)(sp + 24);
				return NULL; /* the machine frame holds the return address */
			}
			default:
				return NULL;
			}
			i += extra;
		}
		const BYTE *tail = (const BYTE *)&ui->codes[(n + 1) & ~1u];
		if (flags & UNW_FLAG_CHAININFO) {
			fe = (RUNTIME_FUNCTION *)tail;
			chained = true;
			continue;
		}
		if (!chained && (flags & type & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER))) {
			DWORD rva;
			memcpy(&rva, tail, 4);
			if (image_at(m, rva, 1)) {
				handler = (PEXCEPTION_ROUTINE)(m->base + rva);
				*data = (void *)(tail + 4);
			}
		}
		break;
	}
	if (!on_stack(ctx->Rsp, 8))
		return NULL;
	ctx->Rip = *(DWORD64 *)ctx->Rsp;
	ctx->Rsp += 8;
	return handler;
}

/* Frames whose handler is running (called by a dispatch or an unwind of
 * persona's).  A handler may raise or unwind again (mingw's libgcc does
 * both); that walk meets persona's frames, which have no unwind data, and
 * continues at the innermost frame below which they lie. */
static void push_handling(CONTEXT *c)
{
	struct win_thread_state *ts = win_thread_state();
	if (ts->nhandling < WIN_MAX_HANDLER_NESTING)
		ts->handling[ts->nhandling] = c;
	ts->nhandling++;
}

static void pop_handling(void)
{
	win_thread_state()->nhandling--;
}

/* Forget the handlers whose frames a jump to `sp` abandons. */
static void drop_handling_below(DWORD64 sp)
{
	struct win_thread_state *ts = win_thread_state();
	while (ts->nhandling > 0 && (ts->nhandling > WIN_MAX_HANDLER_NESTING ||
				     ((CONTEXT *)ts->handling[ts->nhandling - 1])->Rsp <= sp))
		ts->nhandling--;
}

static bool skip_persona_frames(CONTEXT *ctx)
{
	struct win_thread_state *ts = win_thread_state();
	const CONTEXT *best = NULL;
	int n = ts->nhandling < WIN_MAX_HANDLER_NESTING ? ts->nhandling : WIN_MAX_HANDLER_NESTING;

	for (int i = 0; i < n; i++) {
		const CONTEXT *h = ts->handling[i];
		if (h->Rsp > ctx->Rsp && (!best || h->Rsp < best->Rsp))
			best = h;
	}
	if (!best)
		return false;
	*ctx = *best;
	return true;
}

/* Unwind one frame of `ctx`; false when it is not a frame of the program. */
static bool step(CONTEXT *ctx, DWORD type, PEXCEPTION_ROUTINE *handler, PVOID *data, DWORD64 *frame,
		 DISPATCHER_CONTEXT *disp)
{
	DWORD64 base = 0, pc = ctx->Rip;
	RUNTIME_FUNCTION *fe;

	if (!module_of(pc)) {
		if (!skip_persona_frames(ctx))
			return false;
		pc = ctx->Rip;
	}
	fe = RtlLookupFunctionEntry(pc, &base, NULL);
	disp->ControlPc = pc;
	disp->ImageBase = base;
	disp->FunctionEntry = fe;
	*handler = NULL;
	*data = NULL;
	if (!fe) {
		/* a leaf function: the return address is at rsp */
		if (!on_stack(ctx->Rsp, 8))
			return false;
		*frame = ctx->Rsp;
		ctx->Rip = *(DWORD64 *)ctx->Rsp;
		ctx->Rsp += 8;
		return true;
	}
	*handler = RtlVirtualUnwind(type, base, pc, fe, ctx, data, frame, NULL);
	return true;
}

/* The context RaiseException saved, while its dispatch runs. */
#define dispatch_ctx (win_thread_state()->dispatch_ctx)

typedef struct _EXCEPTION_POINTERS {
	EXCEPTION_RECORD *ExceptionRecord;
	CONTEXT *ContextRecord;
} EXCEPTION_POINTERS;
typedef LONG(WINAPI *LPTOP_LEVEL_EXCEPTION_FILTER)(EXCEPTION_POINTERS *);
extern void *win_unhandled_filter(void);

#define EXCEPTION_CONTINUE_EXECUTION (-1)

static __attribute__((noreturn)) void unhandled(EXCEPTION_RECORD *rec)
{
	fflush(stdout);
	fprintf(stderr, "persona: unhandled exception 0x%08x at %p\n", rec->ExceptionCode, rec->ExceptionAddress);
	win_exit_process(rec->ExceptionCode);
	__builtin_unreachable();
}

/* Vectored exception handlers, called before any frame's handler. */
typedef LONG(WINAPI *PVECTORED_EXCEPTION_HANDLER)(EXCEPTION_POINTERS *);
#define MAX_VECTORED 64
static PVECTORED_EXCEPTION_HANDLER vectored[MAX_VECTORED];
static int nvectored;
static pthread_mutex_t vectored_mu = PTHREAD_MUTEX_INITIALIZER;

PVOID WINAPI AddVectoredExceptionHandler(ULONG first, PVOID handler)
{
	pthread_mutex_lock(&vectored_mu);
	if (nvectored == MAX_VECTORED) {
		pthread_mutex_unlock(&vectored_mu);
		return NULL;
	}
	if (first) {
		memmove(&vectored[1], &vectored[0], (size_t)nvectored * sizeof *vectored);
		vectored[0] = (PVECTORED_EXCEPTION_HANDLER)handler;
	} else {
		vectored[nvectored] = (PVECTORED_EXCEPTION_HANDLER)handler;
	}
	nvectored++;
	pthread_mutex_unlock(&vectored_mu);
	return handler; /* the handle is the handler: each may be added once */
}

ULONG WINAPI RemoveVectoredExceptionHandler(PVOID h)
{
	pthread_mutex_lock(&vectored_mu);
	for (int i = 0; i < nvectored; i++)
		if ((PVOID)vectored[i] == h) {
			memmove(&vectored[i], &vectored[i + 1], (size_t)(nvectored - i - 1) * sizeof *vectored);
			nvectored--;
			pthread_mutex_unlock(&vectored_mu);
			return 1;
		}
	pthread_mutex_unlock(&vectored_mu);
	return 0;
}

static bool call_vectored(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
	PVECTORED_EXCEPTION_HANDLER list[MAX_VECTORED];
	EXCEPTION_POINTERS ep = { rec, ctx };

	pthread_mutex_lock(&vectored_mu);
	int n = nvectored;
	memcpy(list, vectored, (size_t)n * sizeof *list);
	pthread_mutex_unlock(&vectored_mu);
	for (int i = 0; i < n; i++)
		if (list[i](&ep) == EXCEPTION_CONTINUE_EXECUTION)
			return true;
	return false;
}

/* Offer `rec`, raised at `orig`, to the frames' exception handlers, then to
 * the unhandled-exception filter.  Returns when one continues execution
 * (with `orig` as the handlers left it); else ends the process. */
static void dispatch(EXCEPTION_RECORD *rec, CONTEXT *orig)
{
	CONTEXT ctx = *orig, cur;
	void *outer = dispatch_ctx;

	if (call_vectored(rec, orig) && !(rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE))
		return;
	dispatch_ctx = orig;
	for (int i = 0; i < MAX_FRAMES; i++) {
		PEXCEPTION_ROUTINE handler;
		PVOID data;
		DWORD64 frame;
		DISPATCHER_CONTEXT disp = { 0 };

		if (!module_of(ctx.Rip) && !skip_persona_frames(&ctx))
			break;
		cur = ctx;
		if (!step(&ctx, UNW_FLAG_EHANDLER, &handler, &data, &frame, &disp))
			break;
		if (!handler)
			continue;
		disp.EstablisherFrame = frame;
		disp.ContextRecord = &cur;
		disp.LanguageHandler = handler;
		disp.HandlerData = data;
		push_handling(&cur);
		int r = handler(rec, (PVOID)frame, orig, &disp);
		pop_handling();
		if (r == ExceptionContinueExecution) {
			if (rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE)
				unhandled(rec);
			dispatch_ctx = outer;
			return;
		}
	}
	LPTOP_LEVEL_EXCEPTION_FILTER filter = (LPTOP_LEVEL_EXCEPTION_FILTER)win_unhandled_filter();
	if (filter) {
		EXCEPTION_POINTERS ep = { rec, orig };
		if (filter(&ep) == EXCEPTION_CONTINUE_EXECUTION && !(rec->ExceptionFlags & EXCEPTION_NONCONTINUABLE)) {
			dispatch_ctx = outer;
			return;
		}
	}
	unhandled(rec);
}

void win_raise_exception(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args, CONTEXT *orig)
{
	EXCEPTION_RECORD rec = { .ExceptionCode = code, .ExceptionFlags = flags & EXCEPTION_NONCONTINUABLE };

	rec.ExceptionAddress = (void *)orig->Rip;
	rec.NumberParameters = nargs > EXCEPTION_MAXIMUM_PARAMETERS ? EXCEPTION_MAXIMUM_PARAMETERS : nargs;
	if (args)
		memcpy(rec.ExceptionInformation, args, rec.NumberParameters * sizeof *args);
	dispatch(&rec, orig);
}

void win_dispatch_fault(EXCEPTION_RECORD *rec, CONTEXT *ctx)
{
	dispatch(rec, ctx);
	/* a handler or filter asked to continue: resume at ctx */
	win_restore_context(ctx);
}

void WINAPI RtlUnwindEx(PVOID target_frame, PVOID target_ip, EXCEPTION_RECORD *rec, PVOID retval, CONTEXT *orig,
			void *history)
{
	EXCEPTION_RECORD local = { .ExceptionCode = 0xC0000027 /* STATUS_UNWIND */ };
	CONTEXT ctx, next;

	if (!rec)
		rec = &local;
	if (dispatch_ctx)
		ctx = *(CONTEXT *)dispatch_ctx;
	else if (orig)
		ctx = *orig;
	else
		unhandled(rec);
	rec->ExceptionFlags |= EXCEPTION_UNWINDING;
	for (int i = 0; i < MAX_FRAMES; i++) {
		PEXCEPTION_ROUTINE handler;
		PVOID data;
		DWORD64 frame;
		DISPATCHER_CONTEXT disp = { 0 };

		if (!module_of(ctx.Rip) && !skip_persona_frames(&ctx))
			break;
		next = ctx;
		if (!step(&next, UNW_FLAG_UHANDLER, &handler, &data, &frame, &disp))
			break;
		bool target = frame == (DWORD64)target_frame;

		if (target)
			rec->ExceptionFlags |= EXCEPTION_TARGET_UNWIND;
		if (handler) {
			disp.EstablisherFrame = frame;
			disp.ContextRecord = &ctx;
			disp.LanguageHandler = handler;
			disp.HandlerData = data;
			disp.TargetIp = (DWORD64)target_ip;
			push_handling(&ctx);
			handler(rec, (PVOID)frame, &ctx, &disp);
			pop_handling();
		}
		if (target) {
			ctx.Rax = (DWORD64)retval;
			ctx.Rip = (DWORD64)target_ip;
			dispatch_ctx = NULL;
			drop_handling_below(ctx.Rsp);
			win_restore_context(&ctx);
		}
		ctx = next;
	}
	/* the target frame was not found */
	unhandled(rec);
}
