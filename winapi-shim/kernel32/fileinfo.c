/* persona winapi-shim: kernel32 file and volume information
 * (learn.microsoft.com: GetFileInformationByHandle, GetTempPathW,
 * GetDiskFreeSpaceExW, CreateHardLinkW, GetVolumeInformationW,
 * FindFirstVolumeW, FindNextVolumeW, FindVolumeClose,
 * GetTimeZoneInformation; GetProcessTimes, GetThreadTimes).  There is one volume: drive C:, whatever Linux
 * file systems lie below it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

#define FILE_CASE_SENSITIVE_SEARCH 0x1
#define FILE_CASE_PRESERVED_NAMES 0x2
#define FILE_UNICODE_ON_DISK 0x4
#define FILE_SUPPORTS_HARD_LINKS 0x00400000
#define TIME_ZONE_ID_UNKNOWN 0
#define TIME_ZONE_ID_STANDARD 1
#define TIME_ZONE_ID_DAYLIGHT 2

static BOOL fail_errno(void)
{
	SetLastError(win_error_from_errno(errno));
	return FALSE;
}

BOOL WINAPI GetFileInformationByHandle(HANDLE h, BY_HANDLE_FILE_INFORMATION *info)
{
	int fd = win_fd_from_handle(h);
	struct stat st;

	if (fd < 0 || !info) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (fstat(fd, &st) < 0)
		return fail_errno();
	memset(info, 0, sizeof *info);
	info->dwFileAttributes = win_stat_attributes(&st);
	win_filetime_from_timespec(&st.st_ctim, &info->ftCreationTime);
	win_filetime_from_timespec(&st.st_atim, &info->ftLastAccessTime);
	win_filetime_from_timespec(&st.st_mtim, &info->ftLastWriteTime);
	info->dwVolumeSerialNumber = (DWORD)st.st_dev;
	uint64_t size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
	info->nFileSizeHigh = (DWORD)(size >> 32);
	info->nFileSizeLow = (DWORD)size;
	info->nNumberOfLinks = (DWORD)st.st_nlink;
	info->nFileIndexHigh = (DWORD)((uint64_t)st.st_ino >> 32);
	info->nFileIndexLow = (DWORD)st.st_ino;
	return TRUE;
}

/* The program's TMP, else TEMP, else USERPROFILE (Windows paths, as
 * Windows reads them), else Linux's TMPDIR or /tmp as a Windows path;
 * always with a trailing backslash.  UTF-8, malloc'd. */
static char *temp_path(void)
{
	static const char *const vars[] = { "TMP", "TEMP", "USERPROFILE" };
	char *p = NULL;

	for (size_t i = 0; i < 3 && !p; i++) {
		size_t n = strlen(vars[i]);
		for (char **e = win_proc.envp; e && *e; e++)
			if (!strncasecmp(*e, vars[i], n) && (*e)[n] == '=' && (*e)[n + 1]) {
				p = strdup(*e + n + 1);
				break;
			}
	}
	if (!p) {
		const char *t = getenv("TMPDIR");
		p = win_windows_path(t && t[0] == '/' ? t : "/tmp");
	}
	if (!p)
		return NULL;
	size_t n = strlen(p);
	if (n && p[n - 1] != '\\') {
		char *q = realloc(p, n + 2);
		if (!q) {
			free(p);
			return NULL;
		}
		p = q;
		p[n] = '\\';
		p[n + 1] = 0;
	}
	return p;
}

/* Both return the length without the NUL, or the size needed with it
 * when `size` is too small. */
DWORD WINAPI GetTempPathA(DWORD size, LPSTR buf)
{
	char *p = temp_path();
	if (!p) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	DWORD n = (DWORD)strlen(p);
	if (n + 1 > size || !buf) {
		free(p);
		return n + 1;
	}
	memcpy(buf, p, n + 1);
	free(p);
	return n;
}

DWORD WINAPI GetTempPathW(DWORD size, LPWSTR buf)
{
	char *p = temp_path();
	if (!p) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	size_t n = win_utf8_to_utf16(p, strlen(p), NULL, 0);
	if (n + 1 > size || !buf) {
		free(p);
		return (DWORD)n + 1;
	}
	win_utf8_to_utf16(p, strlen(p), buf, n);
	buf[n] = 0;
	free(p);
	return (DWORD)n;
}

/* A folder's file system (NULL: the current folder). */
static BOOL statvfs_of(char *host, struct statvfs *vfs)
{
	int r = statvfs(host ? host : ".", vfs);
	free(host);
	return r < 0 ? fail_errno() : TRUE;
}

static BOOL disk_free(char *host, bool named, ULARGE_INTEGER *avail, ULARGE_INTEGER *total, ULARGE_INTEGER *free_)
{
	struct statvfs vfs;
	if (named && !host)
		return fail_errno();
	if (!statvfs_of(host, &vfs))
		return FALSE;
	if (avail)
		avail->QuadPart = (ULONGLONG)vfs.f_bavail * vfs.f_frsize;
	if (total)
		total->QuadPart = (ULONGLONG)vfs.f_blocks * vfs.f_frsize;
	if (free_)
		free_->QuadPart = (ULONGLONG)vfs.f_bfree * vfs.f_frsize;
	return TRUE;
}

BOOL WINAPI GetDiskFreeSpaceExA(LPCSTR dir, ULARGE_INTEGER *avail, ULARGE_INTEGER *total, ULARGE_INTEGER *free_)
{
	return disk_free(dir ? win_host_path(dir) : NULL, dir != NULL, avail, total, free_);
}

BOOL WINAPI GetDiskFreeSpaceExW(LPCWSTR dir, ULARGE_INTEGER *avail, ULARGE_INTEGER *total, ULARGE_INTEGER *free_)
{
	return disk_free(dir ? win_host_path_w(dir) : NULL, dir != NULL, avail, total, free_);
}

static BOOL hard_link(char *to, char *from)
{
	BOOL ok = TRUE;
	if (!to || !from || link(from, to) < 0)
		ok = fail_errno();
	free(to);
	free(from);
	return ok;
}

/* CreateHardLink(new name, existing file, security attributes) */
BOOL WINAPI CreateHardLinkA(LPCSTR name, LPCSTR existing, void *sa)
{
	return hard_link(win_host_path(name), win_host_path(existing));
}

BOOL WINAPI CreateHardLinkW(LPCWSTR name, LPCWSTR existing, void *sa)
{
	return hard_link(win_host_path_w(name), win_host_path_w(existing));
}

static void put_w(const char *s, LPWSTR buf, DWORD size)
{
	if (!buf || !size)
		return;
	size_t n = win_utf8_to_utf16(s, strlen(s), buf, size - 1);
	buf[n < size ? n : size - 1] = 0;
}

/* The volume of `root` (NULL: the current folder's): no label, its
 * device number as serial number, "NTFS" as the file system name (what
 * programs test for), case-sensitive names and hard links. */
BOOL WINAPI GetVolumeInformationW(LPCWSTR root, LPWSTR name, DWORD name_size, LPDWORD serial, LPDWORD max_component,
				  LPDWORD flags, LPWSTR fs_name, DWORD fs_name_size)
{
	char *host = root ? win_host_path_w(root) : NULL;
	struct stat st;
	struct statvfs vfs;

	if (root && !host)
		return fail_errno();
	if (stat(host ? host : ".", &st) < 0) {
		free(host);
		return fail_errno();
	}
	if (!statvfs_of(host, &vfs))
		return FALSE;
	put_w("", name, name_size);
	if (serial)
		*serial = (DWORD)st.st_dev;
	if (max_component)
		*max_component = (DWORD)vfs.f_namemax;
	if (flags)
		*flags = FILE_CASE_SENSITIVE_SEARCH | FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
			 FILE_SUPPORTS_HARD_LINKS;
	put_w("NTFS", fs_name, fs_name_size);
	return TRUE;
}

/* One volume, named by a fixed volume GUID path. */
static const char volume_name[] = "\\\\?\\Volume{70657273-6f6e-6100-0000-000000000001}\\";
static int volume_find;

HANDLE WINAPI FindFirstVolumeW(LPWSTR buf, DWORD size)
{
	if (size < sizeof volume_name) {
		SetLastError(ERROR_FILENAME_EXCED_RANGE);
		return INVALID_HANDLE_VALUE;
	}
	put_w(volume_name, buf, size);
	return &volume_find;
}

BOOL WINAPI FindNextVolumeW(HANDLE h, LPWSTR buf, DWORD size)
{
	SetLastError(h == &volume_find ? ERROR_NO_MORE_FILES : ERROR_INVALID_HANDLE);
	return FALSE;
}

BOOL WINAPI FindVolumeClose(HANDLE h)
{
	if (h != &volume_find) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	return TRUE;
}

/* The host's zone (TZ, /etc/localtime) as Bias (minutes to add to local
 * time to get UTC), names and DaylightBias.  The dates of the changes
 * are not filled in (zero: Windows' "no transition"). */
DWORD WINAPI GetTimeZoneInformation(TIME_ZONE_INFORMATION *tzi)
{
	time_t now = time(NULL);
	struct tm lt;

	tzset();
	memset(tzi, 0, sizeof *tzi);
	tzi->Bias = (LONG)(timezone / 60);
	put_w(tzname[0] ? tzname[0] : "", tzi->StandardName, 32);
	put_w(tzname[1] ? tzname[1] : "", tzi->DaylightName, 32);
	if (!daylight)
		return TIME_ZONE_ID_UNKNOWN;
	tzi->DaylightBias = -60;
	localtime_r(&now, &lt);
	return lt.tm_isdst > 0 ? TIME_ZONE_ID_DAYLIGHT : TIME_ZONE_ID_STANDARD;
}

/* 100 ns units of a duration, as a FILETIME. */
static void duration(const struct timeval *tv, FILETIME *ft)
{
	uint64_t t = (uint64_t)tv->tv_sec * 10000000ull + (uint64_t)tv->tv_usec * 10ull;
	ft->dwLowDateTime = (DWORD)t;
	ft->dwHighDateTime = (DWORD)(t >> 32);
}

/* learn.microsoft.com: GetProcessTimes, GetThreadTimes: CPU times from
 * getrusage; the creation time is the Linux process's start
 * (/proc/self/stat and the boot time), also given for a thread, whose own
 * start is not kept.  Only the current process and thread, by their
 * pseudo-handles, are answered (ERROR_ACCESS_DENIED otherwise). */
static BOOL creation_time(FILETIME *ft)
{
	static FILETIME cached;
	if (!cached.dwLowDateTime && !cached.dwHighDateTime) {
		char buf[1024];
		unsigned long long start = 0, btime = 0;
		FILE *f = fopen("/proc/self/stat", "re");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = 0;
		/* field 22, counted after the ")" that ends the command name */
		const char *p = strrchr(buf, ')');
		for (int field = 2; p && field < 22; field++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
		f = fopen("/proc/stat", "re");
		while (f && fgets(buf, sizeof buf, f))
			if (!strncmp(buf, "btime ", 6))
				btime = strtoull(buf + 6, NULL, 10);
		if (f)
			fclose(f);
		long hz = sysconf(_SC_CLK_TCK);
		if (!btime || hz <= 0)
			return FALSE;
		struct timespec ts = { (time_t)(btime + start / (unsigned long long)hz),
				       (long)(start % (unsigned long long)hz) * (1000000000L / hz) };
		win_filetime_from_timespec(&ts, &cached);
	}
	*ft = cached;
	return TRUE;
}

BOOL WINAPI GetProcessTimes(HANDLE h, FILETIME *creation, FILETIME *exit_time, FILETIME *kernel, FILETIME *user)
{
	struct rusage ru;
	if (h != GetCurrentProcess()) {
		SetLastError(ERROR_ACCESS_DENIED);
		return FALSE;
	}
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return fail_errno();
	if (!creation_time(creation))
		memset(creation, 0, sizeof *creation);
	memset(exit_time, 0, sizeof *exit_time);
	duration(&ru.ru_stime, kernel);
	duration(&ru.ru_utime, user);
	return TRUE;
}

BOOL WINAPI GetThreadTimes(HANDLE h, FILETIME *creation, FILETIME *exit_time, FILETIME *kernel, FILETIME *user)
{
	struct rusage ru;
	if (h != GetCurrentThread()) {
		SetLastError(ERROR_ACCESS_DENIED);
		return FALSE;
	}
	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return fail_errno();
	if (!creation_time(creation))
		memset(creation, 0, sizeof *creation);
	memset(exit_time, 0, sizeof *exit_time);
	duration(&ru.ru_stime, kernel);
	duration(&ru.ru_utime, user);
	return TRUE;
}

/* learn.microsoft.com: GetFileInformationByHandleEx, for the classes
 * FileBasicInfo (0), FileStandardInfo (1), FileAttributeTagInfo (9) and
 * FileIdInfo (18); others fail with ERROR_INVALID_PARAMETER.  Times are
 * FILETIMEs; a Linux file has no reparse tag. */
static ULONGLONG ft64(const struct timespec *ts)
{
	FILETIME ft;
	win_filetime_from_timespec(ts, &ft);
	return ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

BOOL WINAPI GetFileInformationByHandleEx(HANDLE h, int cls, void *out, DWORD size)
{
	int fd = win_fd_from_handle(h);
	struct stat st;

	if (fd < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (fstat(fd, &st) < 0)
		return fail_errno();
	DWORD attrs = win_stat_attributes(&st);
	switch (cls) {
	case 0: { /* FILE_BASIC_INFO */
		struct {
			ULONGLONG creation, access, write, change;
			DWORD attributes;
		} b = { ft64(&st.st_ctim), ft64(&st.st_atim), ft64(&st.st_mtim), ft64(&st.st_ctim), attrs };
		if (size < 36)
			break;
		memcpy(out, &b, size < sizeof b ? size : sizeof b);
		return TRUE;
	}
	case 1: { /* FILE_STANDARD_INFO */
		struct {
			ULONGLONG allocation, end;
			DWORD links;
			BOOLEAN delete_pending, directory;
		} s = { (ULONGLONG)st.st_blocks * 512, S_ISDIR(st.st_mode) ? 0 : (ULONGLONG)st.st_size, (DWORD)st.st_nlink,
			0, S_ISDIR(st.st_mode) };
		if (size < 22)
			break;
		memcpy(out, &s, size < sizeof s ? size : sizeof s);
		return TRUE;
	}
	case 9: { /* FILE_ATTRIBUTE_TAG_INFO */
		DWORD t[2] = { attrs, 0 };
		if (size < sizeof t)
			break;
		memcpy(out, t, sizeof t);
		return TRUE;
	}
	case 18: { /* FILE_ID_INFO: the volume, then a 128-bit id */
		ULONGLONG v[3] = { (ULONGLONG)st.st_dev, (ULONGLONG)st.st_ino, 0 };
		if (size < sizeof v)
			break;
		memcpy(out, v, sizeof v);
		return TRUE;
	}
	}
	SetLastError(ERROR_INVALID_PARAMETER);
	return FALSE;
}

/* learn.microsoft.com: GetFileAttributesExW (GetFileExInfoStandard):
 * WIN32_FILE_ATTRIBUTE_DATA, the attributes, three times and the size. */
static BOOL attributes_ex(char *host, int level, void *out)
{
	struct stat st;
	BOOL ok = FALSE;
	if (!host)
		return fail_errno();
	if (level != 0 || !out)
		SetLastError(ERROR_INVALID_PARAMETER);
	else if (stat(host, &st) < 0)
		SetLastError(errno == ENOENT || errno == ENOTDIR ? ERROR_FILE_NOT_FOUND : win_error_from_errno(errno));
	else {
		struct {
			DWORD attributes;
			FILETIME creation, access, write;
			DWORD size_high, size_low;
		} d;
		d.attributes = win_stat_attributes(&st);
		win_filetime_from_timespec(&st.st_ctim, &d.creation);
		win_filetime_from_timespec(&st.st_atim, &d.access);
		win_filetime_from_timespec(&st.st_mtim, &d.write);
		uint64_t size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
		d.size_high = (DWORD)(size >> 32);
		d.size_low = (DWORD)size;
		memcpy(out, &d, 36);
		ok = TRUE;
	}
	free(host);
	return ok;
}

BOOL WINAPI GetFileAttributesExA(LPCSTR name, int level, void *out)
{
	return attributes_ex(name ? win_host_path(name) : NULL, level, out);
}

BOOL WINAPI GetFileAttributesExW(LPCWSTR name, int level, void *out)
{
	return attributes_ex(name ? win_host_path_w(name) : NULL, level, out);
}
