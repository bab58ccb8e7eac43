/* persona winapi-shim: kernel32 critical sections, Sleep, TLS slots, SRW
 * locks, condition variables, InitOnce, FLS (learn.microsoft.com:
 * "Critical Section Objects", "Thread Local Storage", "Slim Reader/Writer
 * (SRW) Locks", "Condition Variables", "One-Time Initialization",
 * FlsAlloc).  Critical sections are recursive futex locks. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/teb.h"

static HANDLE current_tid(void)
{
	TEB *teb = NtCurrentTeb();
	if (teb)
		return teb->ClientIdUniqueThread;
	return (HANDLE)(uintptr_t)syscall(SYS_gettid);
}

static void futex(LONG *word, int op, int val)
{
	syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

void WINAPI InitializeCriticalSection(LPCRITICAL_SECTION cs)
{
	cs->DebugInfo = NULL;
	cs->LockCount = 0;
	cs->RecursionCount = 0;
	cs->OwningThread = NULL;
	cs->LockSemaphore = NULL;
	cs->SpinCount = 0;
}

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs, DWORD spin)
{
	InitializeCriticalSection(cs);
	return TRUE;
}

BOOL WINAPI InitializeCriticalSectionEx(LPCRITICAL_SECTION cs, DWORD spin, DWORD flags)
{
	InitializeCriticalSection(cs);
	return TRUE;
}

void WINAPI EnterCriticalSection(LPCRITICAL_SECTION cs)
{
	HANDLE me = current_tid();
	_Atomic LONG *w = (_Atomic LONG *)&cs->LockCount;

	if (__atomic_load_n(&cs->OwningThread, __ATOMIC_RELAXED) == me) {
		cs->RecursionCount++;
		return;
	}
	LONG c = 0;
	if (!atomic_compare_exchange_strong(w, &c, 1)) {
		if (c != 2)
			c = atomic_exchange(w, 2);
		while (c != 0) {
			futex(&cs->LockCount, FUTEX_WAIT, 2);
			c = atomic_exchange(w, 2);
		}
	}
	__atomic_store_n(&cs->OwningThread, me, __ATOMIC_RELAXED);
	cs->RecursionCount = 1;
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION cs)
{
	HANDLE me = current_tid();
	LONG c = 0;

	if (__atomic_load_n(&cs->OwningThread, __ATOMIC_RELAXED) == me) {
		cs->RecursionCount++;
		return TRUE;
	}
	if (!atomic_compare_exchange_strong((_Atomic LONG *)&cs->LockCount, &c, 1))
		return FALSE;
	__atomic_store_n(&cs->OwningThread, me, __ATOMIC_RELAXED);
	cs->RecursionCount = 1;
	return TRUE;
}

void WINAPI LeaveCriticalSection(LPCRITICAL_SECTION cs)
{
	if (--cs->RecursionCount > 0)
		return;
	__atomic_store_n(&cs->OwningThread, NULL, __ATOMIC_RELAXED);
	if (atomic_fetch_sub((_Atomic LONG *)&cs->LockCount, 1) != 1) {
		atomic_store((_Atomic LONG *)&cs->LockCount, 0);
		futex(&cs->LockCount, FUTEX_WAKE, 1);
	}
}

void WINAPI DeleteCriticalSection(LPCRITICAL_SECTION cs)
{
	(void)cs;
}

void WINAPI Sleep(DWORD ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* TLS slots: TlsAlloc hands out indexes of TEB.TlsSlots. */
#define TLS_OUT_OF_INDEXES 0xffffffffu
static _Atomic uint64_t tls_used;

DWORD WINAPI TlsAlloc(void)
{
	uint64_t old = atomic_load(&tls_used);
	for (;;) {
		if (old == UINT64_MAX) {
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return TLS_OUT_OF_INDEXES;
		}
		unsigned i = (unsigned)__builtin_ctzll(~old);
		if (atomic_compare_exchange_weak(&tls_used, &old, old | (1ULL << i))) {
			NtCurrentTeb()->TlsSlots[i] = NULL;
			return i;
		}
	}
}

BOOL WINAPI TlsFree(DWORD i)
{
	if (i >= TLS_MINIMUM_AVAILABLE) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	atomic_fetch_and(&tls_used, ~(1ULL << i));
	return TRUE;
}

LPVOID WINAPI TlsGetValue(DWORD i)
{
	if (i >= TLS_MINIMUM_AVAILABLE) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	SetLastError(ERROR_SUCCESS);
	return NtCurrentTeb()->TlsSlots[i];
}

BOOL WINAPI TlsSetValue(DWORD i, LPVOID v)
{
	if (i >= TLS_MINIMUM_AVAILABLE) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	NtCurrentTeb()->TlsSlots[i] = v;
	return TRUE;
}


/* ---- slim reader/writer locks (learn.microsoft.com: "Slim Reader/Writer
 * (SRW) Locks").  The low 32 bits of the SRWLOCK are a futex word: bit 30
 * an exclusive owner, bits 0-29 the shared owners; the high 32 bits count
 * the threads asleep on it.  SRWLOCK_INIT is all zeros. */
#define SRW_WRITER 0x40000000u

static _Atomic uint32_t *srw_word(PSRWLOCK l)
{
	return (_Atomic uint32_t *)&l->Ptr;
}

static _Atomic uint32_t *srw_waiters(PSRWLOCK l)
{
	return (_Atomic uint32_t *)&l->Ptr + 1;
}

/* FUTEX_WAIT on `w` while it holds `val`, at most `ms` (INFINITE: no
 * limit).  -1 with errno ETIMEDOUT when the time ran out. */
static int futex_wait_ms(_Atomic uint32_t *w, uint32_t val, DWORD ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	return (int)syscall(SYS_futex, w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, ms == INFINITE ? NULL : &ts, NULL, 0);
}

static void futex_wake_n(_Atomic uint32_t *w, int n)
{
	syscall(SYS_futex, w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

void WINAPI InitializeSRWLock(PSRWLOCK l)
{
	l->Ptr = NULL;
}

BOOLEAN WINAPI TryAcquireSRWLockExclusive(PSRWLOCK l)
{
	uint32_t v = 0;
	return atomic_compare_exchange_strong(srw_word(l), &v, SRW_WRITER);
}

BOOLEAN WINAPI TryAcquireSRWLockShared(PSRWLOCK l)
{
	uint32_t v = atomic_load(srw_word(l));
	while (!(v & SRW_WRITER))
		if (atomic_compare_exchange_weak(srw_word(l), &v, v + 1))
			return TRUE;
	return FALSE;
}

void WINAPI AcquireSRWLockExclusive(PSRWLOCK l)
{
	while (!TryAcquireSRWLockExclusive(l)) {
		atomic_fetch_add(srw_waiters(l), 1);
		uint32_t v = atomic_load(srw_word(l));
		if (v != 0)
			futex_wait_ms(srw_word(l), v, INFINITE);
		atomic_fetch_sub(srw_waiters(l), 1);
	}
}

void WINAPI AcquireSRWLockShared(PSRWLOCK l)
{
	while (!TryAcquireSRWLockShared(l)) {
		atomic_fetch_add(srw_waiters(l), 1);
		uint32_t v = atomic_load(srw_word(l));
		if (v & SRW_WRITER)
			futex_wait_ms(srw_word(l), v, INFINITE);
		atomic_fetch_sub(srw_waiters(l), 1);
	}
}

/* Waiters re-check after every change, so waking all of them is safe
 * (readers may all enter; one writer wins, the rest sleep again). */
void WINAPI ReleaseSRWLockExclusive(PSRWLOCK l)
{
	atomic_store(srw_word(l), 0);
	if (atomic_load(srw_waiters(l)))
		futex_wake_n(srw_word(l), INT32_MAX);
}

void WINAPI ReleaseSRWLockShared(PSRWLOCK l)
{
	if (atomic_fetch_sub(srw_word(l), 1) == 1 && atomic_load(srw_waiters(l)))
		futex_wake_n(srw_word(l), INT32_MAX);
}

/* ---- condition variables (learn.microsoft.com: "Condition Variables").
 * The low 32 bits of the CONDITION_VARIABLE are a sequence number every
 * wake bumps; a sleeper waits for it to change.  Spurious wake-ups are
 * allowed, as on Windows. */
static _Atomic uint32_t *cv_seq(PCONDITION_VARIABLE cv)
{
	return (_Atomic uint32_t *)&cv->Ptr;
}

void WINAPI InitializeConditionVariable(PCONDITION_VARIABLE cv)
{
	cv->Ptr = NULL;
}

void WINAPI WakeConditionVariable(PCONDITION_VARIABLE cv)
{
	atomic_fetch_add(cv_seq(cv), 1);
	futex_wake_n(cv_seq(cv), 1);
}

void WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE cv)
{
	atomic_fetch_add(cv_seq(cv), 1);
	futex_wake_n(cv_seq(cv), INT32_MAX);
}

static bool cv_sleep(PCONDITION_VARIABLE cv, uint32_t seq, DWORD ms)
{
	return !(futex_wait_ms(cv_seq(cv), seq, ms) < 0 && errno == ETIMEDOUT);
}

BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs, DWORD ms)
{
	uint32_t seq = atomic_load(cv_seq(cv));
	LeaveCriticalSection(cs);
	bool woken = cv_sleep(cv, seq, ms);
	EnterCriticalSection(cs);
	if (!woken) {
		SetLastError(ERROR_TIMEOUT);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI SleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK l, DWORD ms, ULONG flags)
{
	uint32_t seq = atomic_load(cv_seq(cv));
	bool shared = flags & CONDITION_VARIABLE_LOCKMODE_SHARED;
	if (shared)
		ReleaseSRWLockShared(l);
	else
		ReleaseSRWLockExclusive(l);
	bool woken = cv_sleep(cv, seq, ms);
	if (shared)
		AcquireSRWLockShared(l);
	else
		AcquireSRWLockExclusive(l);
	if (!woken) {
		SetLastError(ERROR_TIMEOUT);
		return FALSE;
	}
	return TRUE;
}

/* ---- one-time initialisation (learn.microsoft.com: "One-Time
 * Initialization").  INIT_ONCE's low two bits: 0 not begun, 1 begun
 * (synchronous), 2 done with the context in the other bits.  Waiters sleep
 * on the low 32 bits. */
#define ONCE_BUSY 1u
#define ONCE_DONE 2u

static _Atomic uintptr_t *once_word(PINIT_ONCE o)
{
	return (_Atomic uintptr_t *)&o->Ptr;
}

void WINAPI InitOnceInitialize(PINIT_ONCE o)
{
	o->Ptr = NULL;
}

BOOL WINAPI InitOnceBeginInitialize(PINIT_ONCE o, DWORD flags, PBOOL pending, LPVOID *context)
{
	if (flags & ~(DWORD)INIT_ONCE_CHECK_ONLY || !pending) {
		/* INIT_ONCE_ASYNC is not supported */
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	for (;;) {
		uintptr_t v = atomic_load(once_word(o));
		if ((v & 3) == ONCE_DONE) {
			*pending = FALSE;
			if (context)
				*context = (void *)(v & ~(uintptr_t)3);
			return TRUE;
		}
		if (flags & INIT_ONCE_CHECK_ONLY) {
			SetLastError(ERROR_GEN_FAILURE);
			return FALSE;
		}
		if (v == 0) {
			if (atomic_compare_exchange_strong(once_word(o), &v, ONCE_BUSY)) {
				*pending = TRUE;
				return TRUE;
			}
			continue;
		}
		if ((v & 3) == ONCE_BUSY)
			futex_wait_ms((_Atomic uint32_t *)once_word(o), (uint32_t)v, INFINITE);
	}
}

BOOL WINAPI InitOnceComplete(PINIT_ONCE o, DWORD flags, LPVOID context)
{
	uintptr_t ctx = (uintptr_t)context;

	if ((flags & ~(DWORD)INIT_ONCE_INIT_FAILED) || ((flags & INIT_ONCE_INIT_FAILED) && context) ||
	    (ctx & 3)) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	uintptr_t v = ONCE_BUSY;
	if (!atomic_compare_exchange_strong(once_word(o), &v, flags & INIT_ONCE_INIT_FAILED ? 0 : ctx | ONCE_DONE)) {
		SetLastError(ERROR_GEN_FAILURE);
		return FALSE;
	}
	futex_wake_n((_Atomic uint32_t *)once_word(o), INT32_MAX);
	return TRUE;
}

BOOL WINAPI InitOnceExecuteOnce(PINIT_ONCE o, PINIT_ONCE_FN fn, PVOID param, LPVOID *context)
{
	BOOL pending;
	void *ctx = NULL;

	if (!InitOnceBeginInitialize(o, 0, &pending, &ctx))
		return FALSE;
	if (pending) {
		if (!fn(o, param, &ctx)) {
			InitOnceComplete(o, INIT_ONCE_INIT_FAILED, NULL);
			return FALSE;
		}
		if (!InitOnceComplete(o, 0, ctx))
			return FALSE;
	}
	if (context)
		*context = ctx;
	return TRUE;
}

/* ---- fiber local storage (learn.microsoft.com: FlsAlloc).  One fiber per
 * thread: FLS is per thread, its slots in persona's part of the TEB.  A
 * thread that stores a value is registered, so that FlsFree can run the
 * callback for every thread's value; a thread made by CreateThread runs
 * the callbacks of its non-NULL values when it ends. */
#define FLS_OUT_OF_INDEXES 0xffffffffu
static pthread_mutex_t fls_mu = PTHREAD_MUTEX_INITIALIZER;
static bool fls_used[WIN_FLS_SLOTS];
static PFLS_CALLBACK_FUNCTION fls_callbacks[WIN_FLS_SLOTS];
static struct win_thread_state *fls_threads[1024];

static void fls_register(struct win_thread_state *ts)
{
	if (ts->fls_registered)
		return;
	for (size_t i = 0; i < sizeof fls_threads / sizeof fls_threads[0]; i++)
		if (!fls_threads[i]) {
			fls_threads[i] = ts;
			ts->fls_registered = true;
			return;
		}
}

DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
	pthread_mutex_lock(&fls_mu);
	/* index 0 is never handed out, as on Windows */
	for (DWORD i = 1; i < WIN_FLS_SLOTS; i++)
		if (!fls_used[i]) {
			fls_used[i] = true;
			fls_callbacks[i] = cb;
			for (size_t t = 0; t < sizeof fls_threads / sizeof fls_threads[0]; t++)
				if (fls_threads[t])
					fls_threads[t]->fls[i] = NULL;
			win_thread_state()->fls[i] = NULL;
			pthread_mutex_unlock(&fls_mu);
			return i;
		}
	pthread_mutex_unlock(&fls_mu);
	SetLastError(ERROR_NO_MORE_ITEMS);
	return FLS_OUT_OF_INDEXES;
}

static bool fls_valid(DWORD i)
{
	if (i < WIN_FLS_SLOTS && fls_used[i])
		return true;
	SetLastError(ERROR_INVALID_PARAMETER);
	return false;
}

PVOID WINAPI FlsGetValue(DWORD i)
{
	if (!fls_valid(i))
		return NULL;
	SetLastError(ERROR_SUCCESS);
	return win_thread_state()->fls[i];
}

BOOL WINAPI FlsSetValue(DWORD i, PVOID v)
{
	if (!fls_valid(i))
		return FALSE;
	struct win_thread_state *ts = win_thread_state();
	if (!ts->fls_registered) {
		pthread_mutex_lock(&fls_mu);
		fls_register(ts);
		pthread_mutex_unlock(&fls_mu);
	}
	ts->fls[i] = v;
	return TRUE;
}

BOOL WINAPI FlsFree(DWORD i)
{
	enum { N = sizeof fls_threads / sizeof fls_threads[0] };
	void **vals = calloc(N, sizeof *vals);

	pthread_mutex_lock(&fls_mu);
	if (!fls_valid(i)) {
		pthread_mutex_unlock(&fls_mu);
		free(vals);
		return FALSE;
	}
	PFLS_CALLBACK_FUNCTION cb = fls_callbacks[i];
	fls_used[i] = false;
	fls_callbacks[i] = NULL;
	/* every thread's value goes to the callback, outside the lock */
	for (size_t t = 0; t < N; t++)
		if (fls_threads[t]) {
			if (vals)
				vals[t] = fls_threads[t]->fls[i];
			fls_threads[t]->fls[i] = NULL;
		}
	pthread_mutex_unlock(&fls_mu);
	for (size_t t = 0; vals && cb && t < N; t++)
		if (vals[t])
			cb(vals[t]);
	free(vals);
	return TRUE;
}

void win_fls_thread_exit(void)
{
	struct win_thread_state *ts = win_thread_state();

	pthread_mutex_lock(&fls_mu);
	for (DWORD i = 1; i < WIN_FLS_SLOTS; i++) {
		void *v = ts->fls[i];
		if (!fls_used[i] || !v)
			continue;
		ts->fls[i] = NULL;
		PFLS_CALLBACK_FUNCTION cb = fls_callbacks[i];
		if (cb) {
			/* the callback may use FLS or free an index */
			pthread_mutex_unlock(&fls_mu);
			cb(v);
			pthread_mutex_lock(&fls_mu);
		}
	}
	for (size_t t = 0; t < sizeof fls_threads / sizeof fls_threads[0]; t++)
		if (fls_threads[t] == ts)
			fls_threads[t] = NULL;
	ts->fls_registered = false;
	pthread_mutex_unlock(&fls_mu);
}
