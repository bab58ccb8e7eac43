/* persona winapi-shim: kernel32 files and folders (learn.microsoft.com:
 * CreateFileW, SetFilePointerEx, GetFileSizeEx, DeleteFileW,
 * CreateDirectoryW, RemoveDirectoryW, MoveFileExW, GetFileAttributesW,
 * FindFirstFileW, FindNextFileW, FindClose, GetCurrentDirectoryW).
 * Paths go through win_host_path (path.c). */
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define FILE_APPEND_DATA 0x4
#define CREATE_NEW 1
#define CREATE_ALWAYS 2
#define OPEN_EXISTING 3
#define OPEN_ALWAYS 4
#define TRUNCATE_EXISTING 5
#define FILE_BEGIN 0
#define FILE_CURRENT 1
#define FILE_END 2
#define INVALID_FILE_ATTRIBUTES 0xffffffffu
#define INVALID_SET_FILE_POINTER 0xffffffffu
#define FILE_ATTRIBUTE_READONLY 0x1
#define FILE_ATTRIBUTE_DIRECTORY 0x10
#define FILE_ATTRIBUTE_ARCHIVE 0x20
#define MOVEFILE_REPLACE_EXISTING 0x1
#define FILE_FLAG_BACKUP_SEMANTICS 0x02000000

static void set_errno_error(void)
{
	SetLastError(win_error_from_errno(errno));
}

#define ERROR_INVALID_NAME 123

/* ENOENT for a missing folder on the way is ERROR_PATH_NOT_FOUND; a
 * final name longer than 255 is ERROR_INVALID_NAME whatever the folders
 * (Windows judges the name first). */
static void set_open_error(const char *path)
{
	int e = errno;
	const char *last = strrchr(path, '/');
	if (strlen(last ? last + 1 : path) > 255) {
		SetLastError(ERROR_INVALID_NAME);
		return;
	}
	if (e == ENOENT) {
		char *dup = strdup(path), *slash = dup ? strrchr(dup, '/') : NULL;
		struct stat st;
		if (slash && slash != dup) {
			*slash = 0;
			if (stat(dup, &st) < 0)
				e = ENOTDIR;
		}
		free(dup);
	}
	SetLastError(win_error_from_errno(e));
}

HANDLE WINAPI CreateFileA(LPCSTR name, DWORD access, DWORD share, void *sa, DWORD disp, DWORD flags, HANDLE tmpl)
{
	char *p = win_host_path(name);
	int oflags = O_CLOEXEC, fd;
	struct stat st;
	bool existed;

	if (!p) {
		set_errno_error();
		return INVALID_HANDLE_VALUE;
	}
	bool rd = access & GENERIC_READ, wr = access & (GENERIC_WRITE | FILE_APPEND_DATA);
	oflags |= rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
	existed = stat(p, &st) == 0;
	switch (disp) {
	case CREATE_NEW: oflags |= O_CREAT | O_EXCL; break;
	case CREATE_ALWAYS: oflags |= O_CREAT | O_TRUNC; break;
	case OPEN_EXISTING: break;
	case OPEN_ALWAYS: oflags |= O_CREAT; break;
	case TRUNCATE_EXISTING: oflags |= O_TRUNC; break;
	default:
		free(p);
		SetLastError(ERROR_INVALID_PARAMETER);
		return INVALID_HANDLE_VALUE;
	}
	if (existed && S_ISDIR(st.st_mode)) {
		/* a folder opens only with FILE_FLAG_BACKUP_SEMANTICS (Go's os.Open
		 * tells folders from files by this failure) */
		if (!(flags & FILE_FLAG_BACKUP_SEMANTICS)) {
			free(p);
			SetLastError(ERROR_ACCESS_DENIED);
			return INVALID_HANDLE_VALUE;
		}
		oflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	}
	fd = open(p, oflags, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			SetLastError(ERROR_FILE_EXISTS);
		else
			set_open_error(p);
		free(p);
		return INVALID_HANDLE_VALUE;
	}
	free(p);
	/* success, and "it was already there" for the creating dispositions */
	SetLastError(existed && (disp == CREATE_ALWAYS || disp == OPEN_ALWAYS) ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return win_handle_from_fd(fd);
}

HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD access, DWORD share, void *sa, DWORD disp, DWORD flags, HANDLE tmpl)
{
	char *u = win_utf8_dup(name);
	if (!u) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_HANDLE_VALUE;
	}
	HANDLE h = CreateFileA(u, access, share, sa, disp, flags, tmpl);
	free(u);
	return h;
}

BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER dist, LARGE_INTEGER *newpos, DWORD method)
{
	int fd = win_fd_from_handle(h);
	int whence = method == FILE_BEGIN ? SEEK_SET : method == FILE_CURRENT ? SEEK_CUR : method == FILE_END ? SEEK_END : -1;

	if (fd < 0 || whence < 0) {
		SetLastError(fd < 0 ? ERROR_INVALID_HANDLE : ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	off_t o = lseek(fd, dist.QuadPart, whence);
	if (o < 0) {
		/* a negative result is ERROR_NEGATIVE_SEEK (131) on Windows */
		SetLastError(errno == EINVAL ? 131 : win_error_from_errno(errno));
		return FALSE;
	}
	if (newpos)
		newpos->QuadPart = o;
	return TRUE;
}

DWORD WINAPI SetFilePointer(HANDLE h, LONG low, LONG *high, DWORD method)
{
	LARGE_INTEGER d, n;
	d.QuadPart = high ? (LONGLONG)(((uint64_t)(uint32_t)*high << 32) | (uint32_t)low) : low;
	if (!SetFilePointerEx(h, d, &n, method))
		return INVALID_SET_FILE_POINTER;
	if (high)
		*high = (LONG)(n.QuadPart >> 32);
	SetLastError(ERROR_SUCCESS);
	return (DWORD)n.QuadPart;
}

BOOL WINAPI GetFileSizeEx(HANDLE h, LARGE_INTEGER *size)
{
	int fd = win_fd_from_handle(h);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	size->QuadPart = st.st_size;
	return TRUE;
}

DWORD WINAPI GetFileSize(HANDLE h, LPDWORD high)
{
	LARGE_INTEGER s;
	if (!GetFileSizeEx(h, &s))
		return 0xffffffffu;
	if (high)
		*high = (DWORD)(s.QuadPart >> 32);
	return (DWORD)s.QuadPart;
}

BOOL WINAPI SetEndOfFile(HANDLE h)
{
	int fd = win_fd_from_handle(h);
	off_t o = fd < 0 ? -1 : lseek(fd, 0, SEEK_CUR);
	if (o < 0 || ftruncate(fd, o) < 0) {
		SetLastError(fd < 0 ? ERROR_INVALID_HANDLE : win_error_from_errno(errno));
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI FlushFileBuffers(HANDLE h)
{
	int fd = win_fd_from_handle(h);
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	return TRUE;
}

/* Run `op` on the host path of a UTF-8 or UTF-16 Windows path. */
static BOOL path_op(char *p, int (*op)(const char *))
{
	if (!p) {
		set_errno_error();
		return FALSE;
	}
	int r = op(p);
	if (r < 0)
		set_open_error(p);
	free(p);
	return r == 0;
}

static int do_mkdir(const char *p)
{
	return mkdir(p, 0777);
}

BOOL WINAPI DeleteFileA(LPCSTR name) { return path_op(win_host_path(name), unlink); }
BOOL WINAPI DeleteFileW(LPCWSTR name) { return path_op(win_host_path_w(name), unlink); }
BOOL WINAPI RemoveDirectoryA(LPCSTR name) { return path_op(win_host_path(name), rmdir); }
BOOL WINAPI RemoveDirectoryW(LPCWSTR name) { return path_op(win_host_path_w(name), rmdir); }
BOOL WINAPI CreateDirectoryA(LPCSTR name, void *sa) { return path_op(win_host_path(name), do_mkdir); }
BOOL WINAPI CreateDirectoryW(LPCWSTR name, void *sa) { return path_op(win_host_path_w(name), do_mkdir); }

static BOOL move_file(char *from, char *to, DWORD flags)
{
	BOOL ok = FALSE;
	struct stat st;

	if (!from || !to)
		set_errno_error();
	else if (!(flags & MOVEFILE_REPLACE_EXISTING) && lstat(to, &st) == 0)
		SetLastError(ERROR_ALREADY_EXISTS);
	else if (rename(from, to) < 0)
		set_open_error(from);
	else
		ok = TRUE;
	free(from);
	free(to);
	return ok;
}

BOOL WINAPI MoveFileExA(LPCSTR from, LPCSTR to, DWORD flags)
{
	return move_file(win_host_path(from), win_host_path(to), flags);
}

BOOL WINAPI MoveFileExW(LPCWSTR from, LPCWSTR to, DWORD flags)
{
	return move_file(win_host_path_w(from), win_host_path_w(to), flags);
}

DWORD win_stat_attributes(const struct stat *st)
{
	DWORD a = S_ISDIR(st->st_mode) ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
	if (!(st->st_mode & 0222))
		a |= FILE_ATTRIBUTE_READONLY;
	return a;
}

static DWORD file_attributes(char *p)
{
	struct stat st;
	DWORD a = INVALID_FILE_ATTRIBUTES;

	if (!p)
		set_errno_error();
	else if (stat(p, &st) < 0)
		set_open_error(p);
	else
		a = win_stat_attributes(&st);
	free(p);
	return a;
}

DWORD WINAPI GetFileAttributesA(LPCSTR name) { return file_attributes(win_host_path(name)); }
DWORD WINAPI GetFileAttributesW(LPCWSTR name) { return file_attributes(win_host_path_w(name)); }

/* A Linux path as Windows shows it: "/home/u" is "C:\home\u" when C: is
 * the root, else the path with backslashes. */
char *win_windows_path(const char *host)
{
	const char *c = getenv("PERSONA_WIN_DRIVE_C");
	size_t cl = c ? strlen(c) : 0;
	const char *rest = host;
	char *w;

	if (c && cl > 1 && !strncmp(host, c, cl) && (host[cl] == '/' || !host[cl]))
		rest = host + cl;
	else if (c && cl > 1)
		rest = NULL;
	if (rest && asprintf(&w, "C:%s", rest[0] ? rest : "\\") < 0)
		return NULL;
	if (!rest && !(w = strdup(host)))
		return NULL;
	for (char *p = w; *p; p++)
		if (*p == '/')
			*p = '\\';
	return w;
}

DWORD WINAPI GetCurrentDirectoryA(DWORD size, LPSTR buf)
{
	char *cwd = getcwd(NULL, 0), *w = cwd ? win_windows_path(cwd) : NULL;
	free(cwd);
	if (!w) {
		set_errno_error();
		return 0;
	}
	size_t n = strlen(w);
	if (n + 1 > size) {
		free(w);
		return (DWORD)n + 1;
	}
	memcpy(buf, w, n + 1);
	free(w);
	return (DWORD)n;
}

DWORD WINAPI GetCurrentDirectoryW(DWORD size, LPWSTR buf)
{
	char *cwd = getcwd(NULL, 0), *w = cwd ? win_windows_path(cwd) : NULL;
	free(cwd);
	if (!w) {
		set_errno_error();
		return 0;
	}
	size_t n = win_utf8_to_utf16(w, strlen(w), NULL, 0);
	if (n + 1 > size) {
		free(w);
		return (DWORD)n + 1;
	}
	win_utf8_to_utf16(w, strlen(w), buf, size);
	buf[n] = 0;
	free(w);
	return (DWORD)n;
}

BOOL WINAPI SetCurrentDirectoryA(LPCSTR name) { return path_op(win_host_path(name), chdir); }
BOOL WINAPI SetCurrentDirectoryW(LPCWSTR name) { return path_op(win_host_path_w(name), chdir); }

/* ---- FindFirstFile / FindNextFile ---- */


struct find {
	DIR *dir;
	char *folder;
	char *pattern;
};

#define MAX_FINDS 256
#define FIND_HANDLE_BASE (1ull << 33)
static struct find *finds[MAX_FINDS];

static struct find *get_find(HANDLE h)
{
	uintptr_t v = (uintptr_t)h;
	if (v < FIND_HANDLE_BASE || v % 4 || (v - FIND_HANDLE_BASE) / 4 >= MAX_FINDS)
		return NULL;
	return finds[(v - FIND_HANDLE_BASE) / 4];
}

void win_filetime_from_timespec(const struct timespec *ts, FILETIME *ft)
{
	uint64_t t = (uint64_t)ts->tv_sec * 10000000ull + (uint64_t)ts->tv_nsec / 100 + 116444736000000000ull;
	ft->dwLowDateTime = (DWORD)t;
	ft->dwHighDateTime = (DWORD)(t >> 32);
}

/* The next entry matching the pattern, in UTF-8 with its stat; false at
 * the end. */
static bool find_next(struct find *f, char **name, struct stat *st)
{
	struct dirent *e;
	while ((e = readdir(f->dir))) {
		if (fnmatch(f->pattern, e->d_name, FNM_CASEFOLD) != 0)
			continue;
		if (fstatat(dirfd(f->dir), e->d_name, st, 0) < 0 && fstatat(dirfd(f->dir), e->d_name, st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*name = e->d_name;
		return true;
	}
	return false;
}

static void fill_common(const struct stat *st, DWORD *attr, FILETIME *c, FILETIME *a, FILETIME *w, DWORD *hi, DWORD *lo)
{
	*attr = win_stat_attributes(st);
	win_filetime_from_timespec(&st->st_ctim, c);
	win_filetime_from_timespec(&st->st_atim, a);
	win_filetime_from_timespec(&st->st_mtim, w);
	uint64_t size = S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_size;
	*hi = (DWORD)(size >> 32);
	*lo = (DWORD)size;
}

static void fill_w(WIN32_FIND_DATAW *d, const char *name, const struct stat *st)
{
	memset(d, 0, sizeof *d);
	fill_common(st, &d->dwFileAttributes, &d->ftCreationTime, &d->ftLastAccessTime, &d->ftLastWriteTime,
		    &d->nFileSizeHigh, &d->nFileSizeLow);
	size_t n = win_utf8_to_utf16(name, strlen(name), d->cFileName, 259);
	d->cFileName[n < 259 ? n : 259] = 0;
}

static void fill_a(WIN32_FIND_DATAA *d, const char *name, const struct stat *st)
{
	memset(d, 0, sizeof *d);
	fill_common(st, &d->dwFileAttributes, &d->ftCreationTime, &d->ftLastAccessTime, &d->ftLastWriteTime,
		    &d->nFileSizeHigh, &d->nFileSizeLow);
	snprintf(d->cFileName, sizeof d->cFileName, "%s", name);
}

/* Open a search for "folder\pattern"; INVALID_HANDLE_VALUE on error. */
static HANDLE find_open(const char *wpath, struct find **out)
{
	char *p = win_host_path(wpath);
	if (!p) {
		set_errno_error();
		return INVALID_HANDLE_VALUE;
	}
	struct find *f = calloc(1, sizeof *f);
	char *slash = strrchr(p, '/');
	if (!f) {
		free(p);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_HANDLE_VALUE;
	}
	if (slash) {
		*slash = 0;
		f->folder = strdup(slash == p ? "/" : p);
		f->pattern = strdup(slash + 1);
	} else {
		f->folder = strdup(".");
		f->pattern = strdup(p);
	}
	free(p);
	/* "*.*" matches every name on Windows, with or without a dot */
	if (f->pattern && !strcmp(f->pattern, "*.*"))
		f->pattern[1] = 0;
	f->dir = f->folder ? opendir(f->folder) : NULL;
	if (!f->dir || !f->pattern) {
		SetLastError(errno == ENOENT || errno == ENOTDIR ? ERROR_PATH_NOT_FOUND : win_error_from_errno(errno));
		free(f->folder);
		free(f->pattern);
		if (f->dir)
			closedir(f->dir);
		free(f);
		return INVALID_HANDLE_VALUE;
	}
	for (size_t i = 0; i < MAX_FINDS; i++)
		if (!finds[i]) {
			finds[i] = f;
			*out = f;
			return (HANDLE)(uintptr_t)(FIND_HANDLE_BASE + 4 * i);
		}
	closedir(f->dir);
	free(f->folder);
	free(f->pattern);
	free(f);
	SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	return INVALID_HANDLE_VALUE;
}

BOOL WINAPI FindClose(HANDLE h)
{
	struct find *f = get_find(h);
	if (!f) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	finds[((uintptr_t)h - FIND_HANDLE_BASE) / 4] = NULL;
	closedir(f->dir);
	free(f->folder);
	free(f->pattern);
	free(f);
	return TRUE;
}

HANDLE WINAPI FindFirstFileA(LPCSTR path, WIN32_FIND_DATAA *d)
{
	struct find *f;
	char *name;
	struct stat st;
	HANDLE h = find_open(path, &f);

	if (h == INVALID_HANDLE_VALUE)
		return h;
	if (!find_next(f, &name, &st)) {
		FindClose(h);
		SetLastError(ERROR_FILE_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	fill_a(d, name, &st);
	return h;
}

HANDLE WINAPI FindFirstFileW(LPCWSTR path, WIN32_FIND_DATAW *d)
{
	char *u = win_utf8_dup(path);
	struct find *f;
	char *name;
	struct stat st;

	if (!u) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_HANDLE_VALUE;
	}
	HANDLE h = find_open(u, &f);
	free(u);
	if (h == INVALID_HANDLE_VALUE)
		return h;
	if (!find_next(f, &name, &st)) {
		FindClose(h);
		SetLastError(ERROR_FILE_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	fill_w(d, name, &st);
	return h;
}

/* The next entry of a FindFirstFile handle, for the A and W forms;
 * false with the last error set when there is none. */
static bool find_step(HANDLE h, char **name, struct stat *st)
{
	struct find *f = get_find(h);

	if (!f) {
		SetLastError(ERROR_INVALID_HANDLE);
		return false;
	}
	if (!find_next(f, name, st)) {
		SetLastError(ERROR_NO_MORE_FILES);
		return false;
	}
	return true;
}

BOOL WINAPI FindNextFileA(HANDLE h, WIN32_FIND_DATAA *d)
{
	char *name;
	struct stat st;

	if (!find_step(h, &name, &st))
		return FALSE;
	fill_a(d, name, &st);
	return TRUE;
}

BOOL WINAPI FindNextFileW(HANDLE h, WIN32_FIND_DATAW *d)
{
	char *name;
	struct stat st;

	if (!find_step(h, &name, &st))
		return FALSE;
	fill_w(d, name, &st);
	return TRUE;
}

/* ---- GetFullPathName: a string operation on Windows paths (nothing is
 * looked up).  A relative path is joined to the current folder (as
 * GetCurrentDirectory shows it), "\x" to its drive's root; "X:x" on
 * another drive than the current one to that drive's root; "/" becomes
 * "\", runs of separators one, "." components go, ".." removes the one
 * before (never the root).  UNC and "\\?\" paths are not supported. */
static char *full_path(const char *p)
{
	char *cwd = getcwd(NULL, 0), *cur = cwd ? win_windows_path(cwd) : NULL;
	free(cwd);
	if (!cur)
		return NULL;
	if (!(((cur[0] | 0x20) >= 'a' && (cur[0] | 0x20) <= 'z') && cur[1] == ':')) {
		/* the current folder lies outside drive C: */
		free(cur);
		errno = ENOENT;
		return NULL;
	}
	size_t cl = strlen(cur), pl = strlen(p);
	char *joined = malloc(cl + pl + 4);
	if (!joined) {
		free(cur);
		return NULL;
	}
	bool sep0 = p[0] == '\\' || p[0] == '/';
	bool drive = ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':';
	if (drive && (p[2] == '\\' || p[2] == '/'))
		strcpy(joined, p);
	else if (drive && (p[0] | 0x20) == (cur[0] | 0x20))
		sprintf(joined, "%s\\%s", cur, p + 2);
	else if (drive)
		sprintf(joined, "%c:\\%s", p[0], p + 2);
	else if (sep0)
		sprintf(joined, "%.2s%s", cur, p);
	else
		sprintf(joined, "%s\\%s", cur, p);
	free(cur);
	/* normalise in place after "X:" */
	char *out = joined + 2, *in = joined + 2;
	*out++ = '\\';
	char *root = out;
	while (*in) {
		while (*in == '\\' || *in == '/')
			in++;
		if (!*in)
			break;
		char *end = in;
		while (*end && *end != '\\' && *end != '/')
			end++;
		size_t n = (size_t)(end - in);
		bool last = !*end;
		if ((n == 1 && in[0] == '.') || (n == 2 && in[0] == '.' && in[1] == '.')) {
			if (n == 2 && out > root) {
				out--; /* the separator after the previous component */
				while (out > root && out[-1] != '\\')
					out--;
			}
			/* "C:\a\." and "C:\a\b\.." are "C:\a" */
			if (last && out > root)
				out--;
		} else {
			memmove(out, in, n);
			out += n;
			if (!last)
				*out++ = '\\';
		}
		in = end;
	}
	*out = 0;
	return joined;
}

DWORD WINAPI GetFullPathNameA(LPCSTR name, DWORD size, LPSTR buf, LPSTR *filepart)
{
	if (!name || !*name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	char *f = full_path(name);
	if (!f) {
		set_errno_error();
		return 0;
	}
	size_t n = strlen(f);
	if (n + 1 > size) {
		free(f);
		return (DWORD)n + 1;
	}
	memcpy(buf, f, n + 1);
	free(f);
	if (filepart) {
		char *s = strrchr(buf, '\\');
		*filepart = s && s[1] ? s + 1 : NULL;
	}
	return (DWORD)n;
}

DWORD WINAPI GetFullPathNameW(LPCWSTR name, DWORD size, LPWSTR buf, LPWSTR *filepart)
{
	if (!name || !*name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	char *u = win_utf8_dup(name), *f = u ? full_path(u) : NULL;
	free(u);
	if (!f) {
		set_errno_error();
		return 0;
	}
	size_t n = win_utf8_to_utf16(f, strlen(f), NULL, 0);
	if (n + 1 > size) {
		free(f);
		return (DWORD)n + 1;
	}
	win_utf8_to_utf16(f, strlen(f), buf, size);
	buf[n] = 0;
	free(f);
	if (filepart) {
		LPWSTR s = NULL;
		for (LPWSTR c = buf; *c; c++)
			if (*c == '\\')
				s = c;
		*filepart = s && s[1] ? s + 1 : NULL;
	}
	return (DWORD)n;
}
