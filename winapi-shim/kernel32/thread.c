/* persona winapi-shim: kernel32 threads (learn.microsoft.com: CreateThread,
 * ExitThread, GetExitCodeThread) and thread and process odds and ends
 * (GetProcessAffinityMask, SetThreadPriority,
 * SuspendThread, GetThreadContext, IsDebuggerPresent, OutputDebugStringA,
 * OpenProcess).  Suspending threads and reading their registers is not
 * supported: those calls fail as Windows does for a thread one may not
 * touch. */
#include <pthread.h>
#include <sched.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"
#include "winapi-shim/teb.h"

/* ---- threads: each has its own TEB (GS base) and static TLS ---- */

static void thread_finished(struct win_object *o, DWORD code)
{
	win_abandon_mutexes(o->tid);
	pthread_mutex_lock(&o->mu);
	o->exit_code = code;
	o->signaled = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	win_objects_signaled();
}

static void *thread_main(void *p)
{
	struct win_object *o = p;
	struct perr err;

	if (win_thread_attach(&err) < 0) {
		thread_finished(o, 1);
		return NULL;
	}
	win_thread_state()->thread_object = o;
	o->tid = GetCurrentThreadId();
	DWORD code = o->start(o->arg);
	win_fls_thread_exit();
	win_thread_detach();
	thread_finished(o, code);
	return NULL;
}

void WINAPI ExitThread(DWORD code)
{
	struct win_object *o = win_thread_state()->thread_object;

	if (!o)
		win_abandon_mutexes(GetCurrentThreadId());
	win_fls_thread_exit();
	win_thread_detach();
	if (o)
		thread_finished(o, code);
	pthread_exit(NULL);
}

HANDLE WINAPI CreateThread(void *attr, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
			   LPDWORD tid)
{
	pthread_attr_t pa;
	pthread_t t;
	HANDLE h = win_new_object(OBJ_THREAD);

	if (!h) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	struct win_object *o = win_get_object(h, OBJ_THREAD);
	o->start = start;
	o->arg = arg;
	o->exit_code = STILL_ACTIVE;
	pthread_attr_init(&pa);
	pthread_attr_setdetachstate(&pa, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&pa, stack > (1u << 20) ? stack : (1u << 20));
	if (pthread_create(&t, &pa, thread_main, o)) {
		pthread_attr_destroy(&pa);
		win_close_object(h);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	pthread_attr_destroy(&pa);
	if (tid)
		*tid = (DWORD)(uintptr_t)t; /* the Linux id is known only inside */
	return h;
}

BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code)
{
	struct win_object *o = win_get_object(h, OBJ_THREAD);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	*code = o->exit_code;
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}

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

/* learn.microsoft.com: SwitchToThread.  TRUE: the scheduler was asked to
 * run another thread (sched_yield does not say whether it did). */
BOOL WINAPI SwitchToThread(void)
{
	sched_yield();
	return TRUE;
}
