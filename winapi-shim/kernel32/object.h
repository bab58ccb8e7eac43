/* persona winapi-shim: kernel32's waitable objects, shared by object.c
 * (the handle table, names, events, semaphores, mutexes, waits) and
 * thread.c (thread objects).  Private to kernel32/. */
#ifndef PERSONA_WINAPI_KERNEL32_OBJECT_H
#define PERSONA_WINAPI_KERNEL32_OBJECT_H

#include <pthread.h>
#include <stdbool.h>

#include "winapi-shim/kernel32/kernel32.h"

#define WAIT_OBJECT_0 0
#define WAIT_ABANDONED_0 0x80
#define WAIT_TIMEOUT 258
#define WAIT_FAILED 0xffffffffu
#define STILL_ACTIVE 259

enum obj_type { OBJ_SEMAPHORE = 1, OBJ_EVENT, OBJ_THREAD, OBJ_MUTEX, OBJ_PROCESS, OBJ_TIMER, OBJ_IOCP, OBJ_MAPPING };

struct win_object {
	enum obj_type type;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	LONG count, max;       /* semaphore; mutex: recursion count */
	DWORD owner;           /* mutex: the owning thread's id */
	bool signaled, manual; /* event; a thread is signaled when it ends */
	DWORD exit_code;       /* thread */
	DWORD tid;             /* thread; a process: its pid */
	bool terminated;       /* process: TerminateProcess set exit_code */
	uint64_t generation;   /* timer: bumped by each SetWaitableTimer/CancelWaitableTimer */
	void *data;            /* completion port: its queue */
	int map_fd;            /* file mapping: its file (a memfd for memory) */
	uint64_t map_size;     /* file mapping: its size in bytes */
	DWORD map_protect;     /* file mapping: its PAGE_* protection */
	LPTHREAD_START_ROUTINE start;
	LPVOID arg;
	bool abandoned;        /* mutex: its owner ended without releasing it */
	int handles;           /* open handles (objects_mu) */
	WCHAR *name;           /* named objects (objects_mu) */
	struct win_object *next_named, *next_mutex;
};

/* A new object of `type` (zeroed, unnamed) and its first handle; NULL
 * when out of memory or handles. */
HANDLE win_new_object(enum obj_type type);

/* The object behind `h` if it is one of `type` (0: any), else NULL. */
struct win_object *win_get_object(HANDLE h, enum obj_type type);

/* Call after a change that may satisfy a wait, with no object lock held:
 * wakes WaitForMultipleObjects. */
void win_objects_signaled(void);

/* A named (or, with `name` NULL, unnamed) object of `type` as
 * CreateMutexW & co make them (object.c: ERROR_ALREADY_EXISTS for an
 * existing name, which `*existed` tells); `init` is applied to a new one
 * under the table's lock. */
typedef void (*win_object_init)(struct win_object *o, void *arg);
HANDLE win_create_named(enum obj_type type, LPCWSTR name, win_object_init init, void *arg, bool *existed);

/* OpenMutexW & co: a new handle to the named object of `type`
 * (ERROR_FILE_NOT_FOUND, or ERROR_INVALID_HANDLE for another type). */
HANDLE win_open_named(enum obj_type type, LPCWSTR name);

/* A thread ends: the mutexes thread `tid` owns are abandoned (count 0,
 * signaled; the next wait that takes one returns WAIT_ABANDONED_0). */
void win_abandon_mutexes(DWORD tid);

#endif
