/* persona winapi-shim: ucrtbase stdio (learn.microsoft.com:
 * "__acrt_iob_func", "_lock_file, _unlock_file"; the
 * __stdio_common_v*printf functions behind the UCRT headers' inline printf
 * family, whose options word holds the _CRT_INTERNAL_PRINTF_* bits).
 * Formatting is msvcrt's engine (msvcrt/format.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/ucrtbase/ucrtbase.h"
#include "winapi-shim/unicode.h"

/* stdin, stdout, stderr: 0, 1, 2. */
MS_FILE *CDECL ucrtbase___acrt_iob_func(unsigned index)
{
	if (index > 2)
		return NULL;
	return msvcrt___iob_func() + index;
}

/* The standard streams use msvcrt's stream locks (_lock(16 + n)); a FILE
 * from fopen has its critical section right after it. */
void CDECL ucrtbase__lock_file(MS_FILE *f)
{
	MS_FILE *iob = msvcrt___iob_func();
	if (f >= iob && f < iob + _IOB_ENTRIES)
		msvcrt__lock(16 + (int)(f - iob));
	else if (msvcrt_host_file(f))
		EnterCriticalSection(&((struct ms_file_ex *)f)->lock);
}

void CDECL ucrtbase__unlock_file(MS_FILE *f)
{
	MS_FILE *iob = msvcrt___iob_func();
	if (f >= iob && f < iob + _IOB_ENTRIES)
		msvcrt__unlock(16 + (int)(f - iob));
	else if (msvcrt_host_file(f))
		LeaveCriticalSection(&((struct ms_file_ex *)f)->lock);
}

int CDECL ucrtbase___stdio_common_vfprintf(ULONGLONG options, MS_FILE *f, const char *fmt, void *locale,
					  const uint64_t *args)
{
	if (!f || !fmt) {
		errno = EINVAL;
		return -1;
	}
	return msvcrt_vfprintf(f, fmt, args);
}

/* Copy `len` formatted units into buf[count] by the UCRT's rules:
 *   _CRT_INTERNAL_PRINTF_STANDARD_SNPRINTF_BEHAVIOR: C99 snprintf: as much
 *     as fits, always NUL-terminated when count > 0, returns `len`;
 *   otherwise a result that does not fit returns -1 (and with
 *     _CRT_INTERNAL_PRINTF_LEGACY_VSPRINTF_NULL_TERMINATION, _vsnprintf's
 *     rule, one that fits exactly is not NUL-terminated); without that
 *     option the truncated buffer is NUL-terminated. */
static int store(ULONGLONG options, void *buf, size_t unit, size_t count, const void *s, size_t len)
{
	if (options & _CRT_INTERNAL_PRINTF_STANDARD_SNPRINTF_BEHAVIOR) {
		if (count) {
			size_t n = len < count - 1 ? len : count - 1;
			memcpy(buf, s, n * unit);
			memset((char *)buf + n * unit, 0, unit);
		}
		return len > 0x7fffffff ? -1 : (int)len;
	}
	if (!buf && count == 0)
		return (int)len;
	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	if (len < count) {
		memcpy(buf, s, (len + 1) * unit);
		return (int)len;
	}
	if (len == count && (options & _CRT_INTERNAL_PRINTF_LEGACY_VSPRINTF_NULL_TERMINATION)) {
		memcpy(buf, s, len * unit);
		return (int)len;
	}
	if (count) {
		memcpy(buf, s, count * unit);
		if (!(options & _CRT_INTERNAL_PRINTF_LEGACY_VSPRINTF_NULL_TERMINATION))
			memset((char *)buf + (count - 1) * unit, 0, unit);
	}
	return -1;
}

int CDECL ucrtbase___stdio_common_vsprintf(ULONGLONG options, char *buf, size_t count, const char *fmt,
					  void *locale, const uint64_t *args)
{
	size_t len;
	if (!fmt) {
		errno = EINVAL;
		return -1;
	}
	char *s = msvcrt_format(fmt, args, &len);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	int r = store(options, buf, 1, count, s, len);
	free(s);
	return r;
}

/* The wide functions: msvcrt's wide formatting, with %s and %c wide
 * (what the options' LEGACY_WIDE_SPECIFIERS ask, and what mingw-w64's
 * headers always pass); a stream receives UTF-8 bytes. */
int CDECL ucrtbase___stdio_common_vfwprintf(ULONGLONG options, MS_FILE *f, const WCHAR *fmt, void *locale,
					   const uint64_t *args)
{
	size_t len;
	FILE *hf = msvcrt_host_file(f);
	if (!hf || !fmt) {
		errno = EINVAL;
		return -1;
	}
	char *s = msvcrt_format_wide(fmt, args, &len);
	if (!s)
		return -1;
	size_t w = fwrite(s, 1, len, hf);
	size_t units = win_utf8_to_utf16(s, len, NULL, 0);
	free(s);
	return w == len ? (int)units : -1;
}

int CDECL ucrtbase___stdio_common_vswprintf(ULONGLONG options, WCHAR *buf, size_t count, const WCHAR *fmt,
					   void *locale, const uint64_t *args)
{
	size_t len;
	if (!fmt) {
		errno = EINVAL;
		return -1;
	}
	char *s = msvcrt_format_wide(fmt, args, &len);
	if (!s)
		return -1;
	size_t units = win_utf8_to_utf16(s, len, NULL, 0);
	WCHAR *w = malloc((units + 1) * sizeof *w);
	if (!w) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	win_utf8_to_utf16(s, len, w, units);
	w[units] = 0;
	free(s);
	int r = store(options, buf, sizeof(WCHAR), count, w, units);
	free(w);
	return r;
}

/* The scanf family (msvcrt/scanf.c).  `len` bounds the input unless it is
 * (size_t)-1; the options: _CRT_INTERNAL_SCANF_SECURECRT (the _s forms),
 * _CRT_INTERNAL_SCANF_LEGACY_WIDE_SPECIFIERS (in the wide functions, %s
 * and %c are wide). */
#define _CRT_INTERNAL_SCANF_SECURECRT 0x0001ULL
#define _CRT_INTERNAL_SCANF_LEGACY_WIDE_SPECIFIERS 0x0002ULL

int CDECL ucrtbase___stdio_common_vsscanf(ULONGLONG options, const char *buf, size_t len, const char *fmt,
					 void *locale, const uint64_t *args)
{
	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	char *copy = len == (size_t)-1 ? NULL : strndup(buf, len);
	if (len != (size_t)-1 && !copy) {
		errno = ENOMEM;
		return -1;
	}
	int r = msvcrt_scan(copy ? copy : buf, NULL, fmt, args, false, options & _CRT_INTERNAL_SCANF_SECURECRT);
	free(copy);
	return r;
}

int CDECL ucrtbase___stdio_common_vfscanf(ULONGLONG options, MS_FILE *f, const char *fmt, void *locale,
					 const uint64_t *args)
{
	return msvcrt_scan(NULL, f, fmt, args, false, options & _CRT_INTERNAL_SCANF_SECURECRT);
}

int CDECL ucrtbase___stdio_common_vswscanf(ULONGLONG options, const WCHAR *buf, size_t len, const WCHAR *fmt,
					  void *locale, const uint64_t *args)
{
	if (!buf || !fmt) {
		errno = EINVAL;
		return -1;
	}
	size_t n = len == (size_t)-1 ? win_wcslen(buf) : len;
	WCHAR *copy = malloc((n + 1) * sizeof *copy);
	char *in = NULL, *f8 = win_utf8_dup(fmt);
	int r = -1;
	if (copy && f8) {
		memcpy(copy, buf, n * sizeof *copy);
		copy[n] = 0;
		if ((in = win_utf8_dup(copy)))
			r = msvcrt_scan(in, NULL, f8, args, options & _CRT_INTERNAL_SCANF_LEGACY_WIDE_SPECIFIERS,
					options & _CRT_INTERNAL_SCANF_SECURECRT);
	}
	if (r == -1 && (!copy || !f8 || !in))
		errno = ENOMEM;
	free(copy);
	free(in);
	free(f8);
	return r;
}

int CDECL ucrtbase___stdio_common_vfwscanf(ULONGLONG options, MS_FILE *f, const WCHAR *fmt, void *locale,
					  const uint64_t *args)
{
	char *f8 = fmt ? win_utf8_dup(fmt) : NULL;
	if (!f8) {
		errno = fmt ? ENOMEM : EINVAL;
		return -1;
	}
	int r = msvcrt_scan(NULL, f, f8, args, options & _CRT_INTERNAL_SCANF_LEGACY_WIDE_SPECIFIERS,
			    options & _CRT_INTERNAL_SCANF_SECURECRT);
	free(f8);
	return r;
}

/* The secure forms (msvcrt/secure.c): sprintf_s is vsprintf_s with no
 * truncation; _snprintf_s truncates at `count` or with _TRUNCATE. */
int CDECL ucrtbase___stdio_common_vsprintf_s(ULONGLONG options, char *buf, size_t size, const char *fmt,
					    void *locale, const uint64_t *args)
{
	return msvcrt_format_s(buf, size, (size_t)-1, false, fmt, args);
}

int CDECL ucrtbase___stdio_common_vsnprintf_s(ULONGLONG options, char *buf, size_t size, size_t count,
					     const char *fmt, void *locale, const uint64_t *args)
{
	return msvcrt_format_s(buf, size, count, true, fmt, args);
}

int CDECL ucrtbase___stdio_common_vswprintf_s(ULONGLONG options, WCHAR *buf, size_t size, const WCHAR *fmt,
					     void *locale, const uint64_t *args)
{
	return msvcrt_format_ws(buf, size, (size_t)-1, false, fmt, args);
}

int CDECL ucrtbase___stdio_common_vsnwprintf_s(ULONGLONG options, WCHAR *buf, size_t size, size_t count,
					      const WCHAR *fmt, void *locale, const uint64_t *args)
{
	return msvcrt_format_ws(buf, size, count, true, fmt, args);
}
