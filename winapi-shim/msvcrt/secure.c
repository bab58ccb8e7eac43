/* persona winapi-shim: the secure printf forms and the invalid parameter
 * handler (learn.microsoft.com: "sprintf_s, _sprintf_s_l, swprintf_s",
 * "_snprintf_s, _snwprintf_s", "vsprintf_s, vswprintf_s",
 * "_set_invalid_parameter_handler",
 * "Parameter validation").  A call that breaks the rules (a NULL buffer
 * or format, output that does not fit where truncation was not asked
 * for) empties the buffer and calls the program's invalid parameter
 * handler, then fails with -1 and errno EINVAL or ERANGE; without a
 * handler the process ends as the CRT's default handler ends it: fast
 * fail, exit code STATUS_STACK_BUFFER_OVERRUN (0xC0000409). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

#define STATUS_STACK_BUFFER_OVERRUN 0xC0000409u
#define _TRUNCATE ((size_t)-1)

typedef void(CDECL *_invalid_parameter_handler)(const WCHAR *expr, const WCHAR *func, const WCHAR *file,
						 unsigned line, uintptr_t reserved);

static _invalid_parameter_handler handler;

_invalid_parameter_handler CDECL msvcrt__set_invalid_parameter_handler(_invalid_parameter_handler h)
{
	_invalid_parameter_handler old = handler;
	handler = h;
	return old;
}

_invalid_parameter_handler CDECL msvcrt__get_invalid_parameter_handler(void)
{
	return handler;
}

void msvcrt_invalid_parameter(void)
{
	if (handler) {
		handler(NULL, NULL, NULL, 0, 0);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "persona: invalid parameter passed to a C runtime function\n");
	win_exit_process(STATUS_STACK_BUFFER_OVERRUN);
	__builtin_unreachable();
}

static int invalid(char *buf, size_t size, int e)
{
	if (buf && size)
		buf[0] = 0;
	msvcrt_invalid_parameter();
	errno = e;
	return -1;
}

/* _vsnprintf_s's rule (vsprintf_s is count = _TRUNCATE without the
 * truncation): at most min(count, size - 1) bytes and a NUL. */
int msvcrt_format_s(char *buf, size_t size, size_t count, bool may_truncate, const char *fmt, const uint64_t *args)
{
	size_t len;
	if (!buf || !size || !fmt)
		return invalid(buf, size, EINVAL);
	char *s = msvcrt_format(fmt, args, &len);
	if (!s) {
		buf[0] = 0;
		errno = ENOMEM;
		return -1;
	}
	size_t room = count == _TRUNCATE || count >= size ? size - 1 : count;
	if (len <= room) {
		memcpy(buf, s, len + 1);
		free(s);
		return (int)len;
	}
	/* too long: truncating is allowed with _TRUNCATE, or when count
	 * itself is what stops it */
	if (may_truncate && (count == _TRUNCATE || count < size)) {
		memcpy(buf, s, room);
		buf[room] = 0;
		free(s);
		return -1;
	}
	free(s);
	return invalid(buf, size, ERANGE);
}

int CDECL msvcrt_vsprintf_s(char *buf, size_t size, const char *fmt, const uint64_t *args)
{
	return msvcrt_format_s(buf, size, _TRUNCATE, false, fmt, args);
}

int CDECL msvcrt_sprintf_s(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vsprintf_s(buf, size, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt__vsnprintf_s(char *buf, size_t size, size_t count, const char *fmt, const uint64_t *args)
{
	return msvcrt_format_s(buf, size, count, true, fmt, args);
}

int CDECL msvcrt__snprintf_s(char *buf, size_t size, size_t count, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt__vsnprintf_s(buf, size, count, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

/* The same rule for the wide forms, in UTF-16 units. */
int msvcrt_format_ws(WCHAR *buf, size_t size, size_t count, bool may_truncate, const WCHAR *fmt, const uint64_t *args)
{
	size_t len;
	if (!buf || !size || !fmt) {
		if (buf && size)
			buf[0] = 0;
		msvcrt_invalid_parameter();
		errno = EINVAL;
		return -1;
	}
	char *s = msvcrt_format_wide(fmt, args, &len);
	size_t units = s ? win_utf8_to_utf16(s, len, NULL, 0) : 0;
	WCHAR *w = s ? malloc((units + 1) * sizeof *w) : NULL;
	if (!w) {
		free(s);
		buf[0] = 0;
		errno = ENOMEM;
		return -1;
	}
	win_utf8_to_utf16(s, len, w, units);
	free(s);
	size_t room = count == _TRUNCATE || count >= size ? size - 1 : count;
	int r;
	if (units <= room) {
		memcpy(buf, w, units * sizeof *w);
		buf[units] = 0;
		r = (int)units;
	} else if (may_truncate && (count == _TRUNCATE || count < size)) {
		memcpy(buf, w, room * sizeof *w);
		buf[room] = 0;
		r = -1;
	} else {
		buf[0] = 0;
		msvcrt_invalid_parameter();
		errno = ERANGE;
		r = -1;
	}
	free(w);
	return r;
}

int CDECL msvcrt_vswprintf_s(WCHAR *buf, size_t size, const WCHAR *fmt, const uint64_t *args)
{
	return msvcrt_format_ws(buf, size, _TRUNCATE, false, fmt, args);
}

int CDECL msvcrt_swprintf_s(WCHAR *buf, size_t size, const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vswprintf_s(buf, size, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt__vsnwprintf_s(WCHAR *buf, size_t size, size_t count, const WCHAR *fmt, const uint64_t *args)
{
	return msvcrt_format_ws(buf, size, count, true, fmt, args);
}

int CDECL msvcrt__snwprintf_s(WCHAR *buf, size_t size, size_t count, const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt__vsnwprintf_s(buf, size, count, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}
