/* persona winapi-shim: msvcrt's wide printf family (learn.microsoft.com:
 * "printf, _printf_l, wprintf, _wprintf_l", "fprintf, fwprintf",
 * "_snprintf, _snwprintf", "fputc, fputwc", "fputs, fputws").  In the
 * wide functions %s and %c take wide arguments and %S, %C narrow ones.
 * Streams are byte streams: wide text goes out as UTF-8. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

char *msvcrt_format_wide(const WCHAR *fmt, const uint64_t *args, size_t *len)
{
	char *f = win_utf8_dup(fmt);
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	char *s = msvcrt_format_ex(f, args, len, true);
	free(f);
	if (!s)
		errno = ENOMEM;
	return s;
}

/* Write UTF-8 `s`; the result is the UTF-16 units written, or -1. */
static int put_wide(MS_FILE *f, char *s, size_t len)
{
	FILE *hf = msvcrt_host_file(f);
	if (!hf || !s) {
		free(s);
		if (!hf)
			errno = EINVAL;
		return -1;
	}
	size_t w = fwrite(s, 1, len, hf);
	size_t units = win_utf8_to_utf16(s, len, NULL, 0);
	free(s);
	return w == len ? (int)units : -1;
}

int CDECL msvcrt_vfwprintf(MS_FILE *f, const WCHAR *fmt, const uint64_t *args)
{
	size_t len = 0;
	char *s = msvcrt_format_wide(fmt, args, &len);
	return put_wide(f, s, len);
}

int CDECL msvcrt_vwprintf(const WCHAR *fmt, const uint64_t *args)
{
	return msvcrt_vfwprintf(msvcrt___iob_func() + 1, fmt, args);
}

int CDECL msvcrt_fwprintf(MS_FILE *f, const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vfwprintf(f, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_wprintf(const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vfwprintf(msvcrt___iob_func() + 1, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

/* _vsnwprintf: at most `n` units; -1 and no terminating NUL when the
 * output does not fit (msvcrt's rule). */
int CDECL msvcrt__vsnwprintf(WCHAR *buf, size_t n, const WCHAR *fmt, const uint64_t *args)
{
	size_t len;
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
	free(s);
	int r = -1;
	if (units > n) {
		memcpy(buf, w, n * sizeof *w);
	} else {
		memcpy(buf, w, units * sizeof *w);
		if (units < n)
			buf[units] = 0;
		r = (int)units;
	}
	free(w);
	return r;
}

int CDECL msvcrt__snwprintf(WCHAR *buf, size_t n, const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt__vsnwprintf(buf, n, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

uint16_t CDECL msvcrt_fputwc(uint16_t c, MS_FILE *f)
{
	return msvcrt_putwc(c, f);
}

/* 0, or -1 (WEOF's int) on an error. */
int CDECL msvcrt_fputws(const WCHAR *s, MS_FILE *f)
{
	char *u = win_utf8_dup(s);
	FILE *hf = msvcrt_host_file(f);
	int r = u && hf && fputs(u, hf) >= 0 ? 0 : -1;
	free(u);
	return r;
}
