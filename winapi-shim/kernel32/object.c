/* persona winapi-shim: kernel32 waitable objects: semaphores, events,
 * threads (learn.microsoft.com: CreateSemaphoreW, ReleaseSemaphore,
 * CreateEventW, SetEvent, ResetEvent, CreateMutexW, ReleaseMutex,
 * OpenMutexW, OpenEventW, OpenSemaphoreW, CreateThread,
 * WaitForSingleObject, WaitForMultipleObjects; threads are in
 * thread.c).  Each
 * object is a mutex and condition variable; its HANDLE is an index into a
 * table, above every file HANDLE.
 *
 * Named objects share one namespace (names compare case-sensitively, a
 * "Local\\" prefix names the same object as none): creating an existing
 * name of the same type opens it (ERROR_ALREADY_EXISTS, the other
 * arguments ignored), of another type fails with ERROR_INVALID_HANDLE;
 * the name goes when its last handle is closed.  A mutex whose owning
 * thread ends is abandoned: the next wait that takes it returns
 * WAIT_ABANDONED_0 (+ its index when waiting for any). */
#include <asm/prctl.h>
#include <linux/futex.h>
#include <stdatomic.h>
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
#include "winapi-shim/kernel32/object.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"
#include "winapi-shim/unicode.h"

#define MAX_PATH 260
#define ERROR_TOO_MANY_POSTS 298


#define MAX_OBJECTS 4096
#define OBJ_HANDLE_BASE (1ull << 32)
static struct win_object *objects[MAX_OBJECTS];
static pthread_mutex_t objects_mu = PTHREAD_MUTEX_INITIALIZER;

/* Every change that may signal an object bumps `wait_seq` after the
 * object's own lock is released (win_objects_signaled), and wakes the
 * threads in WaitForMultipleObjects, which sleep on it (a futex word). */
static _Atomic uint32_t wait_seq;

void win_objects_signaled(void)
{
	atomic_fetch_add(&wait_seq, 1);
	syscall(SYS_futex, &wait_seq, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT32_MAX, NULL, NULL, 0);
}

static struct win_object *named_objects, *all_mutexes;

/* A free slot for `o`, with objects_mu held; NULL when the table is full. */
static HANDLE install_locked(struct win_object *o)
{
	for (size_t i = 0; i < MAX_OBJECTS; i++)
		if (!objects[i]) {
			objects[i] = o;
			o->handles++;
			return (HANDLE)(uintptr_t)(OBJ_HANDLE_BASE + 4 * i);
		}
	return NULL;
}

static struct win_object *alloc_object(enum obj_type type)
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
	return o;
}

HANDLE win_new_object(enum obj_type type)
{
	struct win_object *o = alloc_object(type);
	if (!o)
		return NULL;
	pthread_mutex_lock(&objects_mu);
	HANDLE h = install_locked(o);
	pthread_mutex_unlock(&objects_mu);
	if (!h)
		free(o);
	return h;
}

static bool same_name(const WCHAR *a, const WCHAR *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* "Local\name" is "name" (the session's namespace, the only one here). */
static const WCHAR *object_name(const WCHAR *name)
{
	static const WCHAR local[] = { 'L', 'o', 'c', 'a', 'l', '\\', 0 };
	size_t i = 0;
	while (local[i] && name[i] == local[i])
		i++;
	return local[i] ? name : name + i;
}

static struct win_object *find_named_locked(const WCHAR *name)
{
	for (struct win_object *o = named_objects; o; o = o->next_named)
		if (same_name(o->name, name))
			return o;
	return NULL;
}

/* What a new object starts as (ignored when the name exists). */
struct obj_init {
	LONG count, max;
	bool signaled, manual, owned;
};

/* Create an object of `type`, named `name` unless that is NULL or empty;
 * an existing name of the same type gives a new handle to it.  Sets the
 * last error: ERROR_SUCCESS, ERROR_ALREADY_EXISTS, or on failure (NULL)
 * ERROR_INVALID_HANDLE (the name is another type's),
 * ERROR_FILENAME_EXCED_RANGE, ERROR_NOT_ENOUGH_MEMORY. */
static HANDLE create_object(enum obj_type type, LPCWSTR name, const struct obj_init *init, win_object_init cb,
			    void *cb_arg)
{
	if (name && !*name)
		name = NULL;
	if (name)
		name = object_name(name);
	if (name && win_wcslen(name) >= MAX_PATH) {
		SetLastError(ERROR_FILENAME_EXCED_RANGE);
		return NULL;
	}
	struct win_object *o = alloc_object(type), *old;
	WCHAR *copy = name ? malloc((win_wcslen(name) + 1) * sizeof *copy) : NULL;
	if (!o || (name && !copy)) {
		free(o);
		free(copy);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	HANDLE h;
	DWORD error = ERROR_SUCCESS;
	pthread_mutex_lock(&objects_mu);
	if (name && (old = find_named_locked(name))) {
		free(o);
		free(copy);
		if (old->type != type) {
			pthread_mutex_unlock(&objects_mu);
			SetLastError(ERROR_INVALID_HANDLE);
			return NULL;
		}
		h = install_locked(old);
		error = ERROR_ALREADY_EXISTS;
	} else {
		o->count = init->count;
		o->max = init->max;
		o->signaled = init->signaled;
		o->manual = init->manual;
		if (init->owned) {
			o->owner = GetCurrentThreadId();
			o->count = 1;
		}
		if (type == OBJ_MUTEX) {
			o->next_mutex = all_mutexes;
			all_mutexes = o;
		}
		if (cb)
			cb(o, cb_arg);
		h = install_locked(o);
		if (h && name) {
			memcpy(copy, name, (win_wcslen(name) + 1) * sizeof *copy);
			o->name = copy;
			o->next_named = named_objects;
			named_objects = o;
		} else {
			free(copy);
		}
		/* an object without a handle is never freed: a mutex is listed */
	}
	pthread_mutex_unlock(&objects_mu);
	SetLastError(h ? error : ERROR_NOT_ENOUGH_MEMORY);
	return h;
}

HANDLE win_create_named(enum obj_type type, LPCWSTR name, win_object_init init, void *arg, bool *existed)
{
	struct obj_init none = { 0 };
	HANDLE h = create_object(type, name, &none, init, arg);
	*existed = h && GetLastError() == ERROR_ALREADY_EXISTS;
	return h;
}

HANDLE win_open_named(enum obj_type type, LPCWSTR name);

/* OpenMutexW & co: a new handle to the named object of `type`. */
HANDLE win_open_named(enum obj_type type, LPCWSTR name)
{
	if (!name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	pthread_mutex_lock(&objects_mu);
	struct win_object *o = find_named_locked(object_name(name));
	HANDLE h = o && o->type == type ? install_locked(o) : NULL;
	pthread_mutex_unlock(&objects_mu);
	if (!h)
		SetLastError(!o ? ERROR_FILE_NOT_FOUND : o->type != type ? ERROR_INVALID_HANDLE : ERROR_NOT_ENOUGH_MEMORY);
	return h;
}

/* The A functions' names, converted; *ok false when out of memory. */
static WCHAR *wide_name(LPCSTR name, bool *ok)
{
	*ok = true;
	if (!name)
		return NULL;
	WCHAR *w = win_utf16_dup(name);
	if (!w) {
		*ok = false;
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	}
	return w;
}

struct win_object *win_get_object(HANDLE h, enum obj_type type)
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
	if (!win_get_object(h, 0))
		return false;
	/* Objects are not freed: a thread may still be waiting on one (a
	 * Windows object lives while any handle or wait holds it).  Its name
	 * goes with its last handle. */
	pthread_mutex_lock(&objects_mu);
	struct win_object *o = objects[(v - OBJ_HANDLE_BASE) / 4];
	objects[(v - OBJ_HANDLE_BASE) / 4] = NULL;
	if (o && o->handles == 1 && o->type == OBJ_MAPPING && o->map_fd >= 0) {
		/* views keep the file mapped without the descriptor */
		close(o->map_fd);
		o->map_fd = -1;
	}
	if (o && --o->handles == 0 && o->name) {
		for (struct win_object **p = &named_objects; *p; p = &(*p)->next_named)
			if (*p == o) {
				*p = o->next_named;
				break;
			}
		free(o->name);
		o->name = NULL;
	}
	pthread_mutex_unlock(&objects_mu);
	return true;
}

HANDLE WINAPI CreateSemaphoreW(void *attr, LONG initial, LONG max, LPCWSTR name)
{
	if (max <= 0 || initial < 0 || initial > max) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	struct obj_init init = { .count = initial, .max = max };
	return create_object(OBJ_SEMAPHORE, name, &init, NULL, NULL);
}

HANDLE WINAPI CreateSemaphoreA(void *attr, LONG initial, LONG max, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? CreateSemaphoreW(attr, initial, max, w) : NULL;
	free(w);
	return h;
}

HANDLE WINAPI CreateSemaphoreExW(void *attr, LONG initial, LONG max, LPCWSTR name, DWORD flags, DWORD access)
{
	return CreateSemaphoreW(attr, initial, max, name);
}

HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name)
{
	return win_open_named(OBJ_SEMAPHORE, name);
}

HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? OpenSemaphoreW(access, inherit, w) : NULL;
	free(w);
	return h;
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG n, LONG *prev)
{
	struct win_object *o = win_get_object(h, OBJ_SEMAPHORE);
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
	win_objects_signaled();
	return TRUE;
}

HANDLE WINAPI CreateEventW(void *attr, BOOL manual, BOOL initial, LPCWSTR name)
{
	struct obj_init init = { .manual = manual, .signaled = initial };
	return create_object(OBJ_EVENT, name, &init, NULL, NULL);
}

HANDLE WINAPI CreateEventA(void *attr, BOOL manual, BOOL initial, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? CreateEventW(attr, manual, initial, w) : NULL;
	free(w);
	return h;
}

#define CREATE_EVENT_MANUAL_RESET 0x1
#define CREATE_EVENT_INITIAL_SET 0x2

HANDLE WINAPI CreateEventExW(void *attr, LPCWSTR name, DWORD flags, DWORD access)
{
	return CreateEventW(attr, !!(flags & CREATE_EVENT_MANUAL_RESET), !!(flags & CREATE_EVENT_INITIAL_SET), name);
}

HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
	return win_open_named(OBJ_EVENT, name);
}

HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? OpenEventW(access, inherit, w) : NULL;
	free(w);
	return h;
}

static BOOL set_event(HANDLE h, bool on)
{
	struct win_object *o = win_get_object(h, OBJ_EVENT);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	o->signaled = on;
	if (on)
		pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	if (on)
		win_objects_signaled();
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
 * count, an auto-reset event, a mutex).  Called with o->mu held.  Returns
 * ACQUIRED_ABANDONED for a mutex its last owner left behind. */
enum { NOT_ACQUIRED, ACQUIRED, ACQUIRED_ABANDONED };

static int try_acquire(struct win_object *o)
{
	switch (o->type) {
	case OBJ_SEMAPHORE:
		if (o->count > 0) {
			o->count--;
			return true;
		}
		return false;
	case OBJ_EVENT:
	case OBJ_TIMER:
		if (o->signaled) {
			if (!o->manual)
				o->signaled = false;
			return true;
		}
		return false;
	case OBJ_THREAD:
	case OBJ_PROCESS:
		return o->signaled;
	case OBJ_IOCP:
	case OBJ_MAPPING:
		return false; /* not waitable */
	case OBJ_MUTEX:
		if (o->count == 0 || o->owner == GetCurrentThreadId()) {
			o->owner = GetCurrentThreadId();
			o->count++;
			if (o->abandoned) {
				o->abandoned = false;
				return ACQUIRED_ABANDONED;
			}
			return true;
		}
		return false;
	}
	return false;
}

void win_abandon_mutexes(DWORD tid)
{
	bool any = false;
	pthread_mutex_lock(&objects_mu);
	struct win_object *list = all_mutexes;
	pthread_mutex_unlock(&objects_mu);
	/* the list only grows at its head: walking from a snapshot is safe */
	for (struct win_object *o = list; o; o = o->next_mutex) {
		pthread_mutex_lock(&o->mu);
		if (o->count > 0 && o->owner == tid) {
			o->count = 0;
			o->owner = 0;
			o->abandoned = true;
			pthread_cond_broadcast(&o->cv);
			any = true;
		}
		pthread_mutex_unlock(&o->mu);
	}
	if (any)
		win_objects_signaled();
}

/* Would try_acquire succeed?  Called with o->mu held. */
static bool can_acquire(struct win_object *o)
{
	switch (o->type) {
	case OBJ_SEMAPHORE:
		return o->count > 0;
	case OBJ_MUTEX:
		return o->count == 0 || o->owner == GetCurrentThreadId();
	default:
		return o->signaled;
	}
}

HANDLE WINAPI CreateMutexW(void *attr, BOOL owned, LPCWSTR name)
{
	struct obj_init init = { .owned = owned };
	return create_object(OBJ_MUTEX, name, &init, NULL, NULL);
}

HANDLE WINAPI CreateMutexA(void *attr, BOOL owned, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? CreateMutexW(attr, owned, w) : NULL;
	free(w);
	return h;
}

#define CREATE_MUTEX_INITIAL_OWNER 0x1

HANDLE WINAPI CreateMutexExW(void *attr, LPCWSTR name, DWORD flags, DWORD access)
{
	return CreateMutexW(attr, !!(flags & CREATE_MUTEX_INITIAL_OWNER), name);
}

HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
	return win_open_named(OBJ_MUTEX, name);
}

HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name)
{
	bool ok;
	WCHAR *w = wide_name(name, &ok);
	HANDLE h = ok ? OpenMutexW(access, inherit, w) : NULL;
	free(w);
	return h;
}

BOOL WINAPI ReleaseMutex(HANDLE h)
{
	struct win_object *o = win_get_object(h, OBJ_MUTEX);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	if (o->count == 0 || o->owner != GetCurrentThreadId()) {
		pthread_mutex_unlock(&o->mu);
		SetLastError(ERROR_NOT_OWNER);
		return FALSE;
	}
	bool freed = --o->count == 0;
	if (freed) {
		o->owner = 0;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	if (freed)
		win_objects_signaled();
	return TRUE;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
	struct win_object *o = win_get_object(h, 0);
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
	int got;
	while (!(got = try_acquire(o))) {
		int e = ms == INFINITE ? pthread_cond_wait(&o->cv, &o->mu)
				       : pthread_cond_timedwait(&o->cv, &o->mu, &until);
		if (e == ETIMEDOUT) {
			r = WAIT_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&o->mu);
	return got == ACQUIRED_ABANDONED ? WAIT_ABANDONED_0 : r;
}

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable)
{
	return WaitForSingleObject(h, ms);
}

/* A new handle for the same object (objects are never freed). */
static HANDLE alias(struct win_object *o)
{
	pthread_mutex_lock(&objects_mu);
	HANDLE h = install_locked(o);
	pthread_mutex_unlock(&objects_mu);
	return h;
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
			HANDLE t = win_new_object(OBJ_THREAD);
			if (t) {
				ts->thread_object = win_get_object(t, OBJ_THREAD);
				((struct win_object *)ts->thread_object)->exit_code = STILL_ACTIVE;
				h = t;
			}
		} else {
			h = alias(ts->thread_object);
		}
	} else if ((o = win_get_object(src, 0))) {
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
	if (!win_get_object(h, 0) && win_fd_from_handle(h) < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	*flags = 0;
	return TRUE;
}

#define MAXIMUM_WAIT_OBJECTS 64

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* Every object's lock is taken (in address order, so that two waits never
 * deadlock) and the condition checked on all of them at once: with
 * wait_all the objects are acquired together or not at all; otherwise the
 * first signaled one, by index, is.  Between checks the thread sleeps on
 * `wait_seq`, read before the locks are released, so no signal is lost. */
DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL wait_all, DWORD ms)
{
	struct win_object *objs[MAXIMUM_WAIT_OBJECTS], *sorted[MAXIMUM_WAIT_OBJECTS];
	struct timespec until, now;

	if (n == 0 || n > MAXIMUM_WAIT_OBJECTS || !hs) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return WAIT_FAILED;
	}
	for (DWORD i = 0; i < n; i++) {
		if (!(objs[i] = win_get_object(hs[i], 0))) {
			SetLastError(ERROR_INVALID_HANDLE);
			return WAIT_FAILED;
		}
		sorted[i] = objs[i];
	}
	qsort(sorted, n, sizeof sorted[0], cmp_ptr);
	DWORD nu = 0; /* distinct objects */
	for (DWORD i = 0; i < n; i++) {
		if (nu && sorted[nu - 1] == sorted[i]) {
			if (wait_all) {
				/* Windows refuses one object twice in a wait-all */
				SetLastError(ERROR_INVALID_PARAMETER);
				return WAIT_FAILED;
			}
			continue;
		}
		sorted[nu++] = sorted[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	for (;;) {
		DWORD r = WAIT_TIMEOUT;
		for (DWORD i = 0; i < nu; i++)
			pthread_mutex_lock(&sorted[i]->mu);
		if (wait_all) {
			bool all = true;
			for (DWORD i = 0; i < nu && all; i++)
				all = can_acquire(sorted[i]);
			if (all) {
				/* any abandoned mutex among them: WAIT_ABANDONED_0
				 * itself, whatever its index (as wine64 answers) */
				r = WAIT_OBJECT_0;
				for (DWORD i = 0; i < nu; i++)
					if (try_acquire(sorted[i]) == ACQUIRED_ABANDONED)
						r = WAIT_ABANDONED_0;
			}
		} else {
			for (DWORD i = 0; i < n; i++) {
				int got = try_acquire(objs[i]);
				if (got) {
					r = (got == ACQUIRED_ABANDONED ? WAIT_ABANDONED_0 : WAIT_OBJECT_0) + i;
					break;
				}
			}
		}
		uint32_t seq = atomic_load(&wait_seq);
		for (DWORD i = nu; i-- > 0;)
			pthread_mutex_unlock(&sorted[i]->mu);
		if (r != WAIT_TIMEOUT)
			return r;
		struct timespec rel, *timeout = NULL;
		if (ms != INFINITE) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
				return WAIT_TIMEOUT;
			rel.tv_sec = until.tv_sec - now.tv_sec;
			rel.tv_nsec = until.tv_nsec - now.tv_nsec;
			if (rel.tv_nsec < 0)
				rel.tv_sec--, rel.tv_nsec += 1000000000L;
			timeout = &rel;
		}
		syscall(SYS_futex, &wait_seq, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, seq, timeout, NULL, 0);
	}
}
