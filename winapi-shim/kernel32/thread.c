/* persona winapi-shim: kernel32 thread and process odds and ends
 * (learn.microsoft.com: GetProcessAffinityMask, SetThreadPriority,
 * SuspendThread, GetThreadContext, IsDebuggerPresent, OutputDebugStringA,
 * OpenProcess).  Suspending threads and reading their registers is not
 * supported: those calls fail as Windows does for a thread one may not
 * touch. */
#include <sched.h>

#include "winapi-shim/kernel32/kernel32.h"

BOOL WINAPI GetProcessAffinityMask(HANDLE p, DWORD_PTR *proc, DWORD_PTR *sys)
{
	cpu_set_t set;
	DWORD_PTR mask = 0;

	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		for (int i = 0; i < 64; i++)
			if (CPU_ISSET(i, &set))
				mask |= 1ull << i;
	}
	if (!mask)
		mask = 1;
	*proc = mask;
	*sys = mask;
	return TRUE;
}

BOOL WINAPI SetProcessAffinityMask(HANDLE p, DWORD_PTR mask)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int i = 0; i < 64; i++)
		if (mask & (1ull << i))
			CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	return TRUE;
}

int WINAPI GetThreadPriority(HANDLE t)
{
	return 0; /* THREAD_PRIORITY_NORMAL */
}

BOOL WINAPI SetThreadPriority(HANDLE t, int prio)
{
	return TRUE; /* priorities are the scheduler's */
}

BOOL WINAPI GetThreadContext(HANDLE t, void *ctx)
{
	SetLastError(ERROR_ACCESS_DENIED);
	return FALSE;
}

BOOL WINAPI SetThreadContext(HANDLE t, const void *ctx)
{
	SetLastError(ERROR_ACCESS_DENIED);
	return FALSE;
}

DWORD WINAPI SuspendThread(HANDLE t)
{
	SetLastError(ERROR_ACCESS_DENIED);
	return (DWORD)-1;
}

DWORD WINAPI ResumeThread(HANDLE t)
{
	SetLastError(ERROR_ACCESS_DENIED);
	return (DWORD)-1;
}

BOOL WINAPI IsDebuggerPresent(void)
{
	return FALSE;
}

void WINAPI OutputDebugStringA(LPCSTR s)
{
	/* no debugger listens */
}

HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
	SetLastError(ERROR_ACCESS_DENIED);
	return NULL;
}
