/* persona winapi-shim: msvcrt's low-level I/O and file-system functions
 * (learn.microsoft.com: "_open, _wopen", "_telli64", "_get_osfhandle",
 * "_open_osfhandle", "_chdir, _wchdir", "_chmod, _wchmod",
 * "_mkdir, _wmkdir", "_getcwd, _wgetcwd", "_fullpath, _wfullpath",
 * "_stat, _wstat functions", "_utime, _wutime",
 * "_findfirst, _wfindfirst functions", "_findnext", "_findclose",
 * "_access, _waccess",
 * "_assert").  Paths are Windows paths, mapped as kernel32 maps them;
 * descriptors are Linux's, and a descriptor's HANDLE is kernel32's file
 * HANDLE for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

/* _O_* of fcntl.h in the Windows SDK */
#define MS_O_WRONLY 0x0001
#define MS_O_RDWR 0x0002
#define MS_O_APPEND 0x0008
#define MS_O_NOINHERIT 0x0080
#define MS_O_CREAT 0x0100
#define MS_O_TRUNC 0x0200
#define MS_O_EXCL 0x0400
#define MS_S_IWRITE 0x0080
#define MS_MAX_PATH 260

static int open_host(char *host, int flags, int pmode)
{
	if (!host)
		return -1;
	int f = (flags & MS_O_RDWR) ? O_RDWR : (flags & MS_O_WRONLY) ? O_WRONLY : O_RDONLY;
	if (flags & MS_O_APPEND)
		f |= O_APPEND;
	if (flags & MS_O_CREAT)
		f |= O_CREAT;
	if (flags & MS_O_TRUNC)
		f |= O_TRUNC;
	if (flags & MS_O_EXCL)
		f |= O_EXCL;
	if (flags & MS_O_NOINHERIT)
		f |= O_CLOEXEC;
	/* a new file without _S_IWRITE is read-only */
	int fd = open(host, f, (pmode & MS_S_IWRITE) ? 0666 : 0444);
	free(host);
	return fd;
}

/* pmode is read only with _O_CREAT (the variadic third argument). */
int CDECL msvcrt__open(const char *path, int flags, ...)
{
	int pmode = 0;
	if (flags & MS_O_CREAT) {
		__builtin_ms_va_list ap;
		__builtin_ms_va_start(ap, flags);
		pmode = __builtin_va_arg(ap, int);
		__builtin_ms_va_end(ap);
	}
	return open_host(win_host_path(path), flags, pmode);
}

int CDECL msvcrt__wopen(const WCHAR *path, int flags, ...)
{
	int pmode = 0;
	if (flags & MS_O_CREAT) {
		__builtin_ms_va_list ap;
		__builtin_ms_va_start(ap, flags);
		pmode = __builtin_va_arg(ap, int);
		__builtin_ms_va_end(ap);
	}
	return open_host(win_host_path_w(path), flags, pmode);
}

LONGLONG CDECL msvcrt__telli64(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* -1 (errno EBADF) for a descriptor that is not open. */
intptr_t CDECL msvcrt__get_osfhandle(int fd)
{
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	return (intptr_t)win_handle_from_fd(fd);
}

int CDECL msvcrt__open_osfhandle(intptr_t h, int flags)
{
	int fd = win_fd_from_handle((HANDLE)h);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	return fd;
}

static int path_call(char *host, int r_if_null)
{
	free(host);
	return r_if_null;
}

int CDECL msvcrt__wchdir(const WCHAR *path)
{
	char *host = win_host_path_w(path);
	return path_call(host, host ? chdir(host) : -1);
}

int CDECL msvcrt__wmkdir(const WCHAR *path)
{
	char *host = win_host_path_w(path);
	return path_call(host, host ? mkdir(host, 0777) : -1);
}

/* Windows has one permission: writable or read-only (_S_IWRITE). */
int CDECL msvcrt__wchmod(const WCHAR *path, int mode)
{
	char *host = win_host_path_w(path);
	struct stat st;
	int r = -1;
	if (host && stat(host, &st) == 0) {
		mode_t m = st.st_mode & 07777;
		m = (mode & MS_S_IWRITE) ? m | S_IWUSR : m & ~(mode_t)0222;
		r = chmod(host, m);
	}
	return path_call(host, r);
}

/* The current folder as Windows shows it; a NULL buffer is malloc'd with
 * at least `size` characters, or the length needed. */
WCHAR *CDECL msvcrt__wgetcwd(WCHAR *buf, int size)
{
	DWORD n = GetCurrentDirectoryW(0, NULL);
	if (n == 0)
		return NULL;
	if (!buf) {
		size_t cap = (size_t)size > n ? (size_t)size : n;
		if (!(buf = malloc(cap * sizeof *buf))) {
			errno = ENOMEM;
			return NULL;
		}
		size = (int)cap;
	}
	if (size <= 0 || (DWORD)size < n) {
		errno = ERANGE;
		return NULL;
	}
	GetCurrentDirectoryW((DWORD)size, buf);
	return buf;
}

/* GetFullPathNameW into `buf` (max `size` characters), or a malloc'd
 * buffer of MAX_PATH when buf is NULL. */
WCHAR *CDECL msvcrt__wfullpath(WCHAR *buf, const WCHAR *rel, size_t size)
{
	bool mine = !buf;
	if (!rel || !rel[0]) {
		WCHAR *cwd = msvcrt__wgetcwd(buf, (int)(mine ? MS_MAX_PATH : size));
		return cwd;
	}
	if (mine) {
		size = MS_MAX_PATH;
		if (!(buf = malloc(size * sizeof *buf))) {
			errno = ENOMEM;
			return NULL;
		}
	}
	DWORD n = GetFullPathNameW(rel, (DWORD)size, buf, NULL);
	if (n == 0 || n >= size) {
		if (mine)
			free(buf);
		errno = n ? ERANGE : EINVAL;
		return NULL;
	}
	return buf;
}

static int stat_host(char *host, struct ms_stat64 *ms)
{
	struct stat st;
	int r = host && ms ? stat(host, &st) : -1;
	if (r == 0)
		msvcrt_fill_stat64(&st, ms);
	free(host);
	return r;
}

int CDECL msvcrt__stat64(const char *path, struct ms_stat64 *ms)
{
	return stat_host(win_host_path(path), ms);
}

int CDECL msvcrt__wstat64(const WCHAR *path, struct ms_stat64 *ms)
{
	return stat_host(win_host_path_w(path), ms);
}

struct ms_utimbuf64 {
	LONGLONG actime, modtime;
};

/* NULL times: now. */
int CDECL msvcrt__wutime64(const WCHAR *path, const struct ms_utimbuf64 *t)
{
	char *host = win_host_path_w(path);
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (t) {
		ts[0] = (struct timespec){ (time_t)t->actime, 0 };
		ts[1] = (struct timespec){ (time_t)t->modtime, 0 };
	}
	return path_call(host, host ? utimensat(AT_FDCWD, host, ts, 0) : -1);
}

/* struct _wfinddata64_t (560 bytes): attributes as FILE_ATTRIBUTE_*
 * (the _A_* values are the same), times in seconds since 1970. */
struct ms_wfinddata64 {
	unsigned attrib;
	LONGLONG time_create, time_access, time_write;
	LONGLONG size;
	WCHAR name[260];
};

_Static_assert(sizeof(struct ms_wfinddata64) == 560, "struct _wfinddata64_t");

static LONGLONG unix_time(const FILETIME *ft)
{
	uint64_t t = ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
	return t < 116444736000000000ull ? 0 : (LONGLONG)((t - 116444736000000000ull) / 10000000ull);
}

static void fill_finddata(const WIN32_FIND_DATAW *d, struct ms_wfinddata64 *f)
{
	memset(f, 0, sizeof *f);
	f->attrib = d->dwFileAttributes;
	f->time_create = unix_time(&d->ftCreationTime);
	f->time_access = unix_time(&d->ftLastAccessTime);
	f->time_write = unix_time(&d->ftLastWriteTime);
	f->size = ((LONGLONG)d->nFileSizeHigh << 32) | d->nFileSizeLow;
	memcpy(f->name, d->cFileName, sizeof f->name);
}

/* A find handle (intptr_t), or -1 with errno ENOENT when nothing
 * matches. */
intptr_t CDECL msvcrt__wfindfirst64(const WCHAR *spec, struct ms_wfinddata64 *f)
{
	WIN32_FIND_DATAW d;
	if (!spec || !f) {
		errno = EINVAL;
		return -1;
	}
	HANDLE h = FindFirstFileW(spec, &d);
	if (h == INVALID_HANDLE_VALUE) {
		errno = ENOENT;
		return -1;
	}
	fill_finddata(&d, f);
	return (intptr_t)h;
}

/* 0, or -1 with errno ENOENT at the end. */
int CDECL msvcrt__wfindnext64(intptr_t h, struct ms_wfinddata64 *f)
{
	WIN32_FIND_DATAW d;
	if (!FindNextFileW((HANDLE)h, &d)) {
		errno = ENOENT;
		return -1;
	}
	fill_finddata(&d, f);
	return 0;
}

int CDECL msvcrt__findclose(intptr_t h)
{
	if (!FindClose((HANDLE)h)) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* The console program's message, then abort() (exit code 3). */
void CDECL msvcrt__assert(const char *expr, const char *file, unsigned line)
{
	fflush(stdout);
	fprintf(stderr, "Assertion failed: %s, file %s, line %u\n", expr, file, line);
	msvcrt_abort();
}

/* _access, _waccess: mode 0 existence, 2 write, 4 read, 6 both (there is
 * no execute mode: 1 is EINVAL).  0, or -1 with errno EACCES or ENOENT. */
static int access_host(char *host, int mode)
{
	int r = -1;
	if (mode & ~6)
		errno = EINVAL;
	else if (host)
		r = access(host, (mode & 2 ? W_OK : 0) | (mode & 4 ? R_OK : 0) | (mode ? 0 : F_OK));
	free(host);
	return r;
}

int CDECL msvcrt__access(const char *path, int mode)
{
	return access_host(win_host_path(path), mode);
}

int CDECL msvcrt__waccess(const WCHAR *path, int mode)
{
	return access_host(win_host_path_w(path), mode);
}
