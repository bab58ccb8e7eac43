/* persona winapi-shim: kernel32 critical sections, Sleep, TLS slots
 * (learn.microsoft.com: "Critical Section Objects", "Thread Local
 * Storage").  Critical sections are recursive futex locks. */
#include <linux/futex.h>
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

