/* persona winapi-shim: kernel32 calendar time (learn.microsoft.com:
 * GetSystemTime, GetLocalTime, GetSystemTimePreciseAsFileTime,
 * FileTimeToSystemTime, SystemTimeToFileTime, FileTimeToLocalFileTime,
 * LocalFileTimeToFileTime, CompareFileTime, GetFileTime, SetFileTime).
 * A FILETIME counts 100 ns since 1601-01-01 UTC; SYSTEMTIME is its
 * calendar form, years 1601 to 30827.  Local time is the host's zone. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"

#define EPOCH_DIFF 116444736000000000ull /* 1601 to 1970 in 100 ns */
#define TICKS 10000000ull

static ULONGLONG ft_get(const FILETIME *ft)
{
	return ((ULONGLONG)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

static void ft_set(FILETIME *ft, ULONGLONG v)
{
	ft->dwLowDateTime = (DWORD)v;
	ft->dwHighDateTime = (DWORD)(v >> 32);
}

/* Days since 1601-01-01 of a civil date, and back (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 584694; /* 0000-03-01 based, shifted to 1601-01-01 */
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 584694;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

BOOL WINAPI FileTimeToSystemTime(const FILETIME *ft, SYSTEMTIME *st)
{
	ULONGLONG v = ft_get(ft);
	if (v >> 63) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	ULONGLONG secs = v / TICKS;
	int64_t days = (int64_t)(secs / 86400), y;
	unsigned m, d, rem = (unsigned)(secs % 86400);
	civil_from_days(days, &y, &m, &d);
	st->wYear = (WORD)y;
	st->wMonth = (WORD)m;
	st->wDay = (WORD)d;
	st->wDayOfWeek = (WORD)((days + 1) % 7); /* 1601-01-01 was a Monday */
	st->wHour = (WORD)(rem / 3600);
	st->wMinute = (WORD)(rem / 60 % 60);
	st->wSecond = (WORD)(rem % 60);
	st->wMilliseconds = (WORD)(v % TICKS / 10000);
	return TRUE;
}

BOOL WINAPI SystemTimeToFileTime(const SYSTEMTIME *st, FILETIME *ft)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y = st->wYear, m = st->wMonth;
	bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
	if (y < 1601 || y > 30827 || m < 1 || m > 12 || st->wDay < 1 ||
	    st->wDay > mdays[m - 1] + (m == 2 && leap) || st->wHour > 23 || st->wMinute > 59 || st->wSecond > 59 ||
	    st->wMilliseconds > 999) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	ULONGLONG days = (ULONGLONG)days_from_civil(y, m, st->wDay);
	ULONGLONG secs = days * 86400 + st->wHour * 3600ull + st->wMinute * 60ull + st->wSecond;
	ft_set(ft, secs * TICKS + st->wMilliseconds * 10000ull);
	return TRUE;
}

static void now_ft(FILETIME *ft)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ft_set(ft, (ULONGLONG)ts.tv_sec * TICKS + (ULONGLONG)ts.tv_nsec / 100 + EPOCH_DIFF);
}

void WINAPI GetSystemTimePreciseAsFileTime(FILETIME *ft)
{
	now_ft(ft);
}

void WINAPI GetSystemTime(SYSTEMTIME *st)
{
	FILETIME ft;
	now_ft(&ft);
	FileTimeToSystemTime(&ft, st);
}

/* The host zone's offset at the UTC instant `utc_secs` (seconds since 1970). */
static long zone_offset(time_t utc_secs)
{
	struct tm tm;
	if (!localtime_r(&utc_secs, &tm))
		return 0;
	return tm.tm_gmtoff;
}

BOOL WINAPI FileTimeToLocalFileTime(const FILETIME *utc, FILETIME *local)
{
	ULONGLONG v = ft_get(utc);
	time_t secs = v >= EPOCH_DIFF ? (time_t)((v - EPOCH_DIFF) / TICKS) : 0;
	ft_set(local, v + (ULONGLONG)((int64_t)zone_offset(secs) * (int64_t)TICKS));
	return TRUE;
}

BOOL WINAPI LocalFileTimeToFileTime(const FILETIME *local, FILETIME *utc)
{
	ULONGLONG v = ft_get(local);
	time_t secs = v >= EPOCH_DIFF ? (time_t)((v - EPOCH_DIFF) / TICKS) : 0;
	ft_set(utc, v - (ULONGLONG)((int64_t)zone_offset(secs) * (int64_t)TICKS));
	return TRUE;
}

void WINAPI GetLocalTime(SYSTEMTIME *st)
{
	FILETIME utc, local;
	now_ft(&utc);
	FileTimeToLocalFileTime(&utc, &local);
	FileTimeToSystemTime(&local, st);
}

LONG WINAPI CompareFileTime(const FILETIME *a, const FILETIME *b)
{
	ULONGLONG x = ft_get(a), y = ft_get(b);
	return x < y ? -1 : x > y;
}

/* Creation time is Linux's status-change time (there is none other). */
BOOL WINAPI GetFileTime(HANDLE h, FILETIME *creation, FILETIME *access, FILETIME *write)
{
	struct stat st;
	int fd = win_fd_from_handle(h);
	if (fd < 0 || fstat(fd, &st) < 0) {
		SetLastError(fd < 0 ? ERROR_INVALID_HANDLE : win_error_from_errno(errno));
		return FALSE;
	}
	if (creation)
		win_filetime_from_timespec(&st.st_ctim, creation);
	if (access)
		win_filetime_from_timespec(&st.st_atim, access);
	if (write)
		win_filetime_from_timespec(&st.st_mtim, write);
	return TRUE;
}

static void to_timespec(const FILETIME *ft, struct timespec *ts)
{
	ULONGLONG v = ft_get(ft);
	if (v == 0 || v == 0xffffffffffffffffull) {
		/* 0 keeps the time; ~0 (keep it from now on) too */
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
		return;
	}
	if (v < EPOCH_DIFF)
		v = EPOCH_DIFF;
	ts->tv_sec = (time_t)((v - EPOCH_DIFF) / TICKS);
	ts->tv_nsec = (long)((v - EPOCH_DIFF) % TICKS * 100);
}

/* The creation time cannot be set on Linux and is ignored. */
BOOL WINAPI SetFileTime(HANDLE h, const FILETIME *creation, const FILETIME *access, const FILETIME *write)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	int fd = win_fd_from_handle(h);
	if (fd < 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (access)
		to_timespec(access, &ts[0]);
	if (write)
		to_timespec(write, &ts[1]);
	if (futimens(fd, ts) < 0) {
		SetLastError(win_error_from_errno(errno));
		return FALSE;
	}
	return TRUE;
}
