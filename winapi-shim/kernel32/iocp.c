/* persona winapi-shim: I/O completion ports as queues of posted packets
 * (learn.microsoft.com: CreateIoCompletionPort,
 * PostQueuedCompletionStatus, GetQueuedCompletionStatus,
 * GetQueuedCompletionStatusEx).  persona does no overlapped I/O, so
 * associating a file with a port succeeds and nothing else ever
 * completes on it: only PostQueuedCompletionStatus queues packets, which
 * the Get functions take in order, waiting up to their time-out
 * (WAIT_TIMEOUT when none came). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"

struct packet {
	struct packet *next;
	ULONG_PTR key;
	void *overlapped;
	DWORD bytes;
};

struct queue {
	struct packet *head, *tail;
};

typedef struct {
	ULONG_PTR lpCompletionKey;
	void *lpOverlapped;
	ULONG_PTR Internal;
	DWORD dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY;

HANDLE WINAPI CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD threads)
{
	if (existing) {
		/* associating a file: accepted, nothing will complete */
		if (!win_get_object(existing, OBJ_IOCP)) {
			SetLastError(ERROR_INVALID_PARAMETER);
			return NULL;
		}
		return existing;
	}
	HANDLE h = win_new_object(OBJ_IOCP);
	struct win_object *o = h ? win_get_object(h, OBJ_IOCP) : NULL;
	struct queue *q = o ? calloc(1, sizeof *q) : NULL;
	if (!q) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	o->data = q;
	return h;
}

BOOL WINAPI PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, void *overlapped)
{
	struct win_object *o = win_get_object(port, OBJ_IOCP);
	struct packet *p = o ? malloc(sizeof *p) : NULL;
	if (!p) {
		SetLastError(o ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_HANDLE);
		return FALSE;
	}
	p->next = NULL;
	p->key = key;
	p->overlapped = overlapped;
	p->bytes = bytes;
	pthread_mutex_lock(&o->mu);
	struct queue *q = o->data;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}

/* Wait for a packet (o->mu held on return); false on time-out. */
static bool wait_packet(struct win_object *o, DWORD ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&o->mu);
	struct queue *q = o->data;
	while (!q->head) {
		int e = ms == INFINITE ? pthread_cond_wait(&o->cv, &o->mu) : pthread_cond_timedwait(&o->cv, &o->mu, &until);
		if (e == ETIMEDOUT && !q->head)
			return false;
	}
	return true;
}

static struct packet *take(struct win_object *o)
{
	struct queue *q = o->data;
	struct packet *p = q->head;
	if (p && !(q->head = p->next))
		q->tail = NULL;
	return p;
}

#define WAIT_TIMEOUT_ 258

BOOL WINAPI GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, ULONG_PTR *key, void **overlapped, DWORD ms)
{
	struct win_object *o = win_get_object(port, OBJ_IOCP);
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!wait_packet(o, ms)) {
		pthread_mutex_unlock(&o->mu);
		if (overlapped)
			*overlapped = NULL;
		SetLastError(WAIT_TIMEOUT_);
		return FALSE;
	}
	struct packet *p = take(o);
	pthread_mutex_unlock(&o->mu);
	if (bytes)
		*bytes = p->bytes;
	if (key)
		*key = p->key;
	if (overlapped)
		*overlapped = p->overlapped;
	free(p);
	return TRUE;
}

BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE port, void *entries_, ULONG count, ULONG *removed, DWORD ms, BOOL alertable)
{
	OVERLAPPED_ENTRY *entries = entries_;
	struct win_object *o = win_get_object(port, OBJ_IOCP);
	if (!o || !entries || !count || !removed) {
		SetLastError(o ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!wait_packet(o, ms)) {
		pthread_mutex_unlock(&o->mu);
		*removed = 0;
		SetLastError(WAIT_TIMEOUT_);
		return FALSE;
	}
	ULONG n = 0;
	struct packet *p;
	while (n < count && (p = take(o))) {
		entries[n].lpCompletionKey = p->key;
		entries[n].lpOverlapped = p->overlapped;
		entries[n].Internal = 0;
		entries[n].dwNumberOfBytesTransferred = p->bytes;
		free(p);
		n++;
	}
	pthread_mutex_unlock(&o->mu);
	*removed = n;
	return TRUE;
}
