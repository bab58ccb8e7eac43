/* persona winapi-shim: kernel32 waitable objects: semaphores, events,
 * threads (learn.microsoft.com: CreateSemaphoreW, ReleaseSemaphore,
 * CreateEventW, SetEvent, ResetEvent, CreateThread, WaitForSingleObject,
 * GetExitCodeThread).  Each object is a mutex and condition variable;
 * its HANDLE is an index into a table, above every file HANDLE. */
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"

#define WAIT_OBJECT_0 0
#define WAIT_TIMEOUT 258
#define WAIT_FAILED 0xffffffffu
#define INFINITE 0xffffffffu
#define STILL_ACTIVE 259
#define ERROR_TOO_MANY_POSTS 298

enum obj_type { OBJ_SEMAPHORE = 1, OBJ_EVENT, OBJ_THREAD };

struct win_object {
	enum obj_type type;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	LONG count, max;       /* semaphore */
	bool signaled, manual; /* event; a thread is signaled when it ends */
	DWORD exit_code;       /* thread */
	DWORD tid;
	LPTHREAD_START_ROUTINE start;
	LPVOID arg;
};

#define MAX_OBJECTS 4096
#define OBJ_HANDLE_BASE (1ull << 32)
static struct win_object *objects[MAX_OBJECTS];
static pthread_mutex_t objects_mu = PTHREAD_MUTEX_INITIALIZER;

static HANDLE new_object(enum obj_type type)
{
	struct win_object *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->type = type;
	pthread_mutex_init(&o->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->cv, &ca);
	pthread_mutex_lock(&objects_mu);
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		if (!objects[i]) {
			objects[i] = o;
			pthread_mutex_unlock(&objects_mu);
			return (HANDLE)(uintptr_t)(OBJ_HANDLE_BASE + 4 * i);
		}
	pthread_mutex_unlock(&objects_mu);
	free(o);
	return NULL;
}

static struct win_object *get_object(HANDLE h, enum obj_type type)
{
	uintptr_t v = (uintptr_t)h;
	if (v < OBJ_HANDLE_BASE || v % 4 || (v - OBJ_HANDLE_BASE) / 4 >= MAX_OBJECTS)
		return NULL;
	pthread_mutex_lock(&objects_mu);
	struct win_object *o = objects[(v - OBJ_HANDLE_BASE) / 4];
	pthread_mutex_unlock(&objects_mu);
	return o && (!type || o->type == type) ? o : NULL;
}

bool win_close_object(HANDLE h)
{
	uintptr_t v = (uintptr_t)h;
	if (!get_object(h, 0))
		return false;
	/* Objects are not freed: a thread may still be waiting on one (a
	 * Windows object lives while any handle or wait holds it). */
	pthread_mutex_lock(&objects_mu);
	objects[(v - OBJ_HANDLE_BASE) / 4] = NULL;
	pthread_mutex_unlock(&objects_mu);
	return true;
}

HANDLE WINAPI CreateSemaphoreW(void *attr, LONG initial, LONG max, LPCWSTR name)
{
	if (max <= 0 || initial < 0 || initial > max) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	HANDLE h = new_object(OBJ_SEMAPHORE);
	if (!h) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	struct win_object *o = get_object(h, OBJ_SEMAPHORE);
	o->count = initial;
	o->max = max;
	return h;
}

HANDLE WINAPI CreateSemaphoreA(void *attr, LONG initial, LONG max, LPCSTR name)
{
	return CreateSemaphoreW(attr, initial, max, NULL);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG n, LONG *prev)
{
	struct win_object *o = get_object(h, OBJ_SEMAPHORE);
	if (!o || n <= 0) {
		SetLastError(o ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	if (n > o->max - o->count) {
		pthread_mutex_unlock(&o->mu);
		SetLastError(ERROR_TOO_MANY_POSTS);
		return FALSE;
	}
	if (prev)
		*prev = o->count;
	o->count += n;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}

HANDLE WINAPI CreateEventW(void *attr, BOOL manual, BOOL initial, LPCWSTR name)
{
	HANDLE h = new_object(OBJ_EVENT);
	if (!h) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	struct win_object *o = get_object(h, OBJ_EVENT);
	o->manual = manual;
	o->signaled = initial;
	return h;
}

HANDLE WINAPI CreateEventA(void *attr, BOOL manual, BOOL initial, LPCSTR name)
{
	return CreateEventW(attr, manual, initial, NULL);
}

static BOOL set_event(HANDLE h, bool on)
{
	struct win_object *o = get_object(h, OBJ_EVENT);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	o->signaled = on;
	if (on)
		pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}

BOOL WINAPI SetEvent(HANDLE h)
{
	return set_event(h, true);
}

BOOL WINAPI ResetEvent(HANDLE h)
{
	return set_event(h, false);
}

/* Is `o` signaled?  Consumes it when that is its nature (a semaphore
 * count, an auto-reset event).  Called with o->mu held. */
static bool try_acquire(struct win_object *o)
{
	switch (o->type) {
	case OBJ_SEMAPHORE:
		if (o->count > 0) {
			o->count--;
			return true;
		}
		return false;
	case OBJ_EVENT:
		if (o->signaled) {
			if (!o->manual)
				o->signaled = false;
			return true;
		}
		return false;
	case OBJ_THREAD:
		return o->signaled;
	}
	return false;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
	struct win_object *o = get_object(h, 0);
	struct timespec until;
	DWORD r = WAIT_OBJECT_0;

	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return WAIT_FAILED;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&o->mu);
	while (!try_acquire(o)) {
		int e = ms == INFINITE ? pthread_cond_wait(&o->cv, &o->mu)
				       : pthread_cond_timedwait(&o->cv, &o->mu, &until);
		if (e == ETIMEDOUT) {
			r = WAIT_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&o->mu);
	return r;
}

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable)
{
	return WaitForSingleObject(h, ms);
}

/* ---- threads: each has its own TEB (GS base) and static TLS ---- */

static void thread_finished(struct win_object *o, DWORD code)
{
	pthread_mutex_lock(&o->mu);
	o->exit_code = code;
	o->signaled = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
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
	win_thread_detach();
	thread_finished(o, code);
	return NULL;
}

void WINAPI ExitThread(DWORD code)
{
	struct win_object *o = win_thread_state()->thread_object;

	win_thread_detach();
	if (o)
		thread_finished(o, code);
	pthread_exit(NULL);
}

/* A new handle for the same object (objects are never freed). */
static HANDLE alias(struct win_object *o)
{
	pthread_mutex_lock(&objects_mu);
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		if (!objects[i]) {
			objects[i] = o;
			pthread_mutex_unlock(&objects_mu);
			return (HANDLE)(uintptr_t)(OBJ_HANDLE_BASE + 4 * i);
		}
	pthread_mutex_unlock(&objects_mu);
	return NULL;
}

#define DUPLICATE_CLOSE_SOURCE 0x1

BOOL WINAPI DuplicateHandle(HANDLE sproc, HANDLE src, HANDLE dproc, HANDLE *dst, DWORD access, BOOL inherit,
			    DWORD options)
{
	struct win_object *o;
	HANDLE h = NULL;
	int fd;

	if (src == GetCurrentProcess()) {
		h = src;
	} else if (src == GetCurrentThread()) {
		struct win_thread_state *ts = win_thread_state();
		if (!ts->thread_object) {
			HANDLE t = new_object(OBJ_THREAD);
			if (t) {
				ts->thread_object = get_object(t, OBJ_THREAD);
				((struct win_object *)ts->thread_object)->exit_code = STILL_ACTIVE;
				h = t;
			}
		} else {
			h = alias(ts->thread_object);
		}
	} else if ((o = get_object(src, 0))) {
		h = alias(o);
	} else if ((fd = win_fd_from_handle(src)) >= 0) {
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		h = nfd < 0 ? NULL : win_handle_from_fd(nfd);
	} else {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!h) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	if (options & DUPLICATE_CLOSE_SOURCE)
		CloseHandle(src);
	if (dst)
		*dst = h;
	return TRUE;
}

BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD flags)
{
	if (!get_object(h, 0) && win_fd_from_handle(h) < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	*flags = 0;
	return TRUE;
}

/* Is `o` signaled, without consuming it? */
static bool is_signaled(struct win_object *o)
{
	pthread_mutex_lock(&o->mu);
	bool s = o->type == OBJ_SEMAPHORE ? o->count > 0 : o->signaled;
	pthread_mutex_unlock(&o->mu);
	return s;
}

#define MAXIMUM_WAIT_OBJECTS 64

/* Polls (every 100 us to 2 ms): persona's objects have no shared wait
 * queue yet.  With wait_all the objects are acquired one after the other,
 * not atomically. */
DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL wait_all, DWORD ms)
{
	struct timespec start, now;
	long delay_us = 100;

	if (n == 0 || n > MAXIMUM_WAIT_OBJECTS) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return WAIT_FAILED;
	}
	for (DWORD i = 0; i < n; i++)
		if (!get_object(hs[i], 0)) {
			SetLastError(ERROR_INVALID_HANDLE);
			return WAIT_FAILED;
		}
	if (wait_all) {
		for (DWORD i = 0; i < n; i++)
			if (WaitForSingleObject(hs[i], ms) != WAIT_OBJECT_0)
				return WAIT_TIMEOUT;
		return WAIT_OBJECT_0;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		for (DWORD i = 0; i < n; i++) {
			struct win_object *o = get_object(hs[i], 0);
			if (is_signaled(o) && WaitForSingleObject(hs[i], 0) == WAIT_OBJECT_0)
				return WAIT_OBJECT_0 + i;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t el = (uint64_t)(now.tv_sec - start.tv_sec) * 1000 + (uint64_t)(now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms != INFINITE && el >= ms)
			return WAIT_TIMEOUT;
		usleep((useconds_t)delay_us);
		if (delay_us < 2000)
			delay_us *= 2;
	}
}

HANDLE WINAPI CreateThread(void *attr, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
			   LPDWORD tid)
{
	pthread_attr_t pa;
	pthread_t t;
	HANDLE h = new_object(OBJ_THREAD);

	if (!h) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	struct win_object *o = get_object(h, OBJ_THREAD);
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
	struct win_object *o = get_object(h, OBJ_THREAD);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	*code = o->exit_code;
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}
