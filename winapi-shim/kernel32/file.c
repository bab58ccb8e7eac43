/* persona winapi-shim: kernel32 standard handles and byte I/O
 * (learn.microsoft.com: GetStdHandle, WriteFile, ReadFile, CloseHandle,
 * GetFileType). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"

#define STD_INPUT_HANDLE ((DWORD)-10)
#define STD_OUTPUT_HANDLE ((DWORD)-11)
#define STD_ERROR_HANDLE ((DWORD)-12)
#define FILE_TYPE_UNKNOWN 0
#define FILE_TYPE_DISK 1
#define FILE_TYPE_CHAR 2
#define FILE_TYPE_PIPE 3
#define ERROR_BROKEN_PIPE 109
#define ERROR_WRITE_FAULT 29
#define ERROR_READ_FAULT 30

/* SetStdHandle's replacements (NULL: the descriptor 0, 1 or 2). */
static HANDLE std_handles[3];

static int std_index(DWORD which)
{
	switch (which) {
	case STD_INPUT_HANDLE: return 0;
	case STD_OUTPUT_HANDLE: return 1;
	case STD_ERROR_HANDLE: return 2;
	}
	return -1;
}

HANDLE WINAPI GetStdHandle(DWORD which)
{
	int i = std_index(which);
	if (i < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return INVALID_HANDLE_VALUE;
	}
	return std_handles[i] ? std_handles[i] : win_handle_from_fd(i);
}

/* learn.microsoft.com: SetStdHandle.  Changes what GetStdHandle returns
 * (not the CRT's stdin/stdout/stderr, as on Windows). */
BOOL WINAPI SetStdHandle(DWORD which, HANDLE h)
{
	int i = std_index(which);
	if (i < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	std_handles[i] = h;
	return TRUE;
}

static DWORD error_from_errno(int e, DWORD dflt)
{
	switch (e) {
	case EBADF: return ERROR_INVALID_HANDLE;
	case EPIPE: return ERROR_BROKEN_PIPE;
	case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
	case EINVAL: return ERROR_INVALID_PARAMETER;
	}
	return dflt;
}

BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD n, LPDWORD written, void *overlapped)
{
	int fd = win_fd_from_handle(h);
	DWORD done = 0;

	if (written)
		*written = 0;
	if (fd < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			SetLastError(error_from_errno(errno, ERROR_WRITE_FAULT));
			if (written)
				*written = done;
			return FALSE;
		}
		done += (DWORD)r;
	}
	if (written)
		*written = done;
	return TRUE;
}

BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD n, LPDWORD got, void *overlapped)
{
	int fd = win_fd_from_handle(h);
	ssize_t r;

	if (got)
		*got = 0;
	if (fd < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		SetLastError(error_from_errno(errno, ERROR_READ_FAULT));
		return FALSE;
	}
	if (got)
		*got = (DWORD)r;
	return TRUE;
}

BOOL WINAPI CloseHandle(HANDLE h)
{
	int fd = win_fd_from_handle(h);

	if (win_close_object(h))
		return TRUE;
	if (fd < 0 || close(fd) < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	return TRUE;
}

DWORD WINAPI GetFileType(HANDLE h)
{
	int fd = win_fd_from_handle(h);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FILE_TYPE_UNKNOWN;
	}
	if (S_ISCHR(st.st_mode))
		return FILE_TYPE_CHAR;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return FILE_TYPE_PIPE;
	return FILE_TYPE_DISK;
}
