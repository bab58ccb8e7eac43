/* persona winapi-shim: waitable timers (learn.microsoft.com:
 * CreateWaitableTimerExW, CreateWaitableTimerW, SetWaitableTimer,
 * CancelWaitableTimer).  A timer is a waitable object: a manual-reset
 * (notification) timer stays signaled once due, a synchronization timer
 * releases one wait.  Each SetWaitableTimer starts a thread that sleeps
 * until the due time (and then each period) and signals the timer unless
 * the timer was set or cancelled again meanwhile.  Completion routines
 * are not called (no alertable waits). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"

#define CREATE_WAITABLE_TIMER_MANUAL_RESET 0x1
#define EPOCH_DIFF 116444736000000000ll

HANDLE WINAPI CreateWaitableTimerExW(void *attr, LPCWSTR name, DWORD flags, DWORD access)
{
	HANDLE h = win_new_object(OBJ_TIMER);
	struct win_object *o = h ? win_get_object(h, OBJ_TIMER) : NULL;
	if (!o) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	o->manual = flags & CREATE_WAITABLE_TIMER_MANUAL_RESET;
	return h;
}

HANDLE WINAPI CreateWaitableTimerW(void *attr, BOOL manual, LPCWSTR name)
{
	return CreateWaitableTimerExW(attr, name, manual ? CREATE_WAITABLE_TIMER_MANUAL_RESET : 0, 0);
}

HANDLE WINAPI CreateWaitableTimerA(void *attr, BOOL manual, LPCSTR name)
{
	return CreateWaitableTimerExW(attr, NULL, manual ? CREATE_WAITABLE_TIMER_MANUAL_RESET : 0, 0);
}

struct arming {
	struct win_object *o;
	uint64_t generation;
	struct timespec due; /* CLOCK_MONOTONIC */
	LONG period_ms;
};

static void *fire(void *p)
{
	struct arming a = *(struct arming *)p;
	free(p);
	for (;;) {
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a.due, NULL) == EINTR)
			;
		pthread_mutex_lock(&a.o->mu);
		bool current = a.o->generation == a.generation;
		if (current) {
			a.o->signaled = true;
			pthread_cond_broadcast(&a.o->cv);
		}
		pthread_mutex_unlock(&a.o->mu);
		if (!current)
			return NULL;
		win_objects_signaled();
		if (a.period_ms <= 0)
			return NULL;
		a.due.tv_sec += a.period_ms / 1000;
		a.due.tv_nsec += (long)(a.period_ms % 1000) * 1000000L;
		if (a.due.tv_nsec >= 1000000000L)
			a.due.tv_sec++, a.due.tv_nsec -= 1000000000L;
	}
}

/* `due`: negative, 100 ns units from now; positive, an absolute FILETIME
 * (UTC).  `period`: ms, 0 for once. */
BOOL WINAPI SetWaitableTimer(HANDLE h, const LARGE_INTEGER *due, LONG period, void *routine, void *arg, BOOL resume)
{
	struct win_object *o = win_get_object(h, OBJ_TIMER);
	if (!o || !due || period < 0) {
		SetLastError(o ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE);
		return FALSE;
	}
	int64_t rel = due->QuadPart; /* 100 ns */
	if (rel >= 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t now_ft = (int64_t)now.tv_sec * 10000000 + now.tv_nsec / 100 + EPOCH_DIFF;
		rel = now_ft - rel; /* negative while in the future */
	}
	int64_t wait_ns = rel < 0 ? -rel * 100 : 0;
	struct arming *a = malloc(sizeof *a);
	if (!a) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	clock_gettime(CLOCK_MONOTONIC, &a->due);
	a->due.tv_sec += (time_t)(wait_ns / 1000000000);
	a->due.tv_nsec += (long)(wait_ns % 1000000000);
	if (a->due.tv_nsec >= 1000000000L)
		a->due.tv_sec++, a->due.tv_nsec -= 1000000000L;
	a->period_ms = period;
	a->o = o;
	pthread_mutex_lock(&o->mu);
	a->generation = ++o->generation;
	o->signaled = false;
	pthread_mutex_unlock(&o->mu);
	pthread_t t;
	pthread_attr_t pa;
	pthread_attr_init(&pa);
	pthread_attr_setdetachstate(&pa, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&pa, 64 * 1024);
	int e = pthread_create(&t, &pa, fire, a);
	pthread_attr_destroy(&pa);
	if (e) {
		free(a);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI CancelWaitableTimer(HANDLE h)
{
	struct win_object *o = win_get_object(h, OBJ_TIMER);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	o->generation++;
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}
