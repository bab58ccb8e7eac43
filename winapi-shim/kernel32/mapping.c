/* persona winapi-shim: file mappings (learn.microsoft.com:
 * CreateFileMappingW, OpenFileMappingW, MapViewOfFile, MapViewOfFileEx,
 * UnmapViewOfFile, FlushViewOfFile).  A mapping holds its own descriptor
 * of the file (or, for INVALID_HANDLE_VALUE, a memfd of the size asked:
 * memory backed by the paging file), its size and protection; views are
 * mmap()s of it, shared (FILE_MAP_COPY: private).  Names work as for
 * events and mutexes, within the process. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define PAGE_WRITECOPY 0x08
#define PAGE_EXECUTE_READ 0x20
#define PAGE_EXECUTE_READWRITE 0x40
#define FILE_MAP_COPY 0x1
#define FILE_MAP_WRITE 0x2
#define FILE_MAP_READ 0x4
#define FILE_MAP_EXECUTE 0x20
#define ERROR_FILE_INVALID 1006
#define ERROR_DISK_FULL_ 112
#define ERROR_MAPPED_ALIGNMENT 1132

struct mapping_init {
	int fd;
	uint64_t size;
	DWORD protect;
};

static void init_mapping(struct win_object *o, void *arg)
{
	struct mapping_init *m = arg;
	o->map_fd = m->fd;
	o->map_size = m->size;
	o->map_protect = m->protect;
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, void *attr, DWORD protect, DWORD max_high, DWORD max_low, LPCWSTR name)
{
	uint64_t size = (uint64_t)max_high << 32 | max_low;
	DWORD page = protect & 0xff;
	int fd;

	if (page != PAGE_READONLY && page != PAGE_READWRITE && page != PAGE_WRITECOPY && page != PAGE_EXECUTE_READ &&
	    page != PAGE_EXECUTE_READWRITE) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (file == INVALID_HANDLE_VALUE) {
		if (!size) {
			SetLastError(ERROR_INVALID_PARAMETER);
			return NULL;
		}
		fd = memfd_create("persona-file-mapping", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			if (fd >= 0)
				close(fd);
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return NULL;
		}
	} else {
		int ffd = win_fd_from_handle(file);
		struct stat st;
		if (ffd < 0 || fstat(ffd, &st) < 0) {
			SetLastError(ERROR_INVALID_HANDLE);
			return NULL;
		}
		if (!size)
			size = (uint64_t)st.st_size;
		if (!size) {
			SetLastError(ERROR_FILE_INVALID); /* an empty file cannot be mapped */
			return NULL;
		}
		/* a mapping larger than a writable file grows it, as on Windows */
		if (size > (uint64_t)st.st_size && (page == PAGE_READWRITE || page == PAGE_EXECUTE_READWRITE) &&
		    ftruncate(ffd, (off_t)size) < 0) {
			SetLastError(ERROR_DISK_FULL_);
			return NULL;
		}
		fd = fcntl(ffd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			SetLastError(win_error_from_errno(errno));
			return NULL;
		}
	}
	struct mapping_init m = { fd, size, page };
	bool existed;
	HANDLE h = win_create_named(OBJ_MAPPING, name, init_mapping, &m, &existed);
	if (!h || existed)
		close(fd); /* an existing mapping keeps its own */
	if (h)
		SetLastError(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

HANDLE WINAPI CreateFileMappingA(HANDLE file, void *attr, DWORD protect, DWORD max_high, DWORD max_low, LPCSTR name)
{
	WCHAR *w = name ? win_utf16_dup(name) : NULL;
	HANDLE h = name && !w ? NULL : CreateFileMappingW(file, attr, protect, max_high, max_low, w);
	free(w);
	return h;
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
	return win_open_named(OBJ_MAPPING, name);
}

/* Views: base -> length, for UnmapViewOfFile. */
static struct view {
	void *base;
	size_t len;
} *views;
static size_t nviews, cap_views;
static pthread_mutex_t views_mu = PTHREAD_MUTEX_INITIALIZER;

LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T bytes, LPVOID at)
{
	struct win_object *o = win_get_object(h, OBJ_MAPPING);
	uint64_t off = (uint64_t)off_high << 32 | off_low;

	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return NULL;
	}
	if (off % 65536 || off > o->map_size || bytes > o->map_size - off) {
		SetLastError(off % 65536 ? ERROR_MAPPED_ALIGNMENT : ERROR_ACCESS_DENIED);
		return NULL;
	}
	if (!bytes)
		bytes = (size_t)(o->map_size - off);
	bool writable = o->map_protect == PAGE_READWRITE || o->map_protect == PAGE_EXECUTE_READWRITE ||
			o->map_protect == PAGE_WRITECOPY;
	if ((access & FILE_MAP_WRITE) && !writable) {
		SetLastError(ERROR_ACCESS_DENIED);
		return NULL;
	}
	int prot = PROT_READ | (access & (FILE_MAP_WRITE | FILE_MAP_COPY) ? PROT_WRITE : 0) |
		   (access & FILE_MAP_EXECUTE ? PROT_EXEC : 0);
	int flags = (access & FILE_MAP_COPY) || o->map_protect == PAGE_WRITECOPY ? MAP_PRIVATE : MAP_SHARED;
	if (at)
		flags |= MAP_FIXED_NOREPLACE;
	void *p = mmap(at, bytes, prot, flags, o->map_fd, (off_t)off);
	if (p == MAP_FAILED || (at && p != at)) {
		if (p != MAP_FAILED)
			munmap(p, bytes);
		SetLastError(at ? ERROR_INVALID_ADDRESS : ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	pthread_mutex_lock(&views_mu);
	if (nviews == cap_views) {
		size_t cap = cap_views ? 2 * cap_views : 32;
		struct view *v = realloc(views, cap * sizeof *v);
		if (!v) {
			pthread_mutex_unlock(&views_mu);
			munmap(p, bytes);
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return NULL;
		}
		views = v;
		cap_views = cap;
	}
	views[nviews].base = p;
	views[nviews].len = bytes;
	nviews++;
	pthread_mutex_unlock(&views_mu);
	return p;
}

LPVOID WINAPI MapViewOfFile(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T bytes)
{
	return MapViewOfFileEx(h, access, off_high, off_low, bytes, NULL);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID base)
{
	size_t len = 0;
	pthread_mutex_lock(&views_mu);
	for (size_t i = 0; i < nviews; i++)
		if (views[i].base == base) {
			len = views[i].len;
			views[i] = views[--nviews];
			break;
		}
	pthread_mutex_unlock(&views_mu);
	if (!len) {
		SetLastError(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	munmap((void *)base, len);
	return TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID base, SIZE_T bytes)
{
	uintptr_t a = (uintptr_t)base & ~(uintptr_t)4095;
	size_t n = bytes ? bytes + ((uintptr_t)base - a) : 4096;
	if (msync((void *)a, n, MS_SYNC) < 0) {
		SetLastError(win_error_from_errno(errno));
		return FALSE;
	}
	return TRUE;
}
