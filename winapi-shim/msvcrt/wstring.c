/* persona winapi-shim: msvcrt's wide-string functions (learn.microsoft.com:
 * "strcat, wcscat", "strncpy, wcsncpy", "strchr, wcschr", "strrchr,
 * wcsrchr", "strncmp, wcsncmp", "_stricmp, _wcsicmp", "_strnicmp,
 * _wcsnicmp", "strstr, wcsstr", "wcstombs", "mbstowcs").  wchar_t is
 * UTF-16; the multibyte code page is UTF-8 (65001), so wcstombs and
 * mbstowcs convert between UTF-16 and UTF-8, never splitting a
 * character; case folding is ASCII's, as in the "C" locale. */
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

WCHAR *CDECL msvcrt_wcscat(WCHAR *d, const WCHAR *s)
{
	WCHAR *r = d;
	while (*d)
		d++;
	while ((*d++ = *s++))
		;
	return r;
}

WCHAR *CDECL msvcrt_wcsncpy(WCHAR *d, const WCHAR *s, size_t n)
{
	size_t i = 0;
	for (; i < n && s[i]; i++)
		d[i] = s[i];
	for (; i < n; i++)
		d[i] = 0;
	return d;
}

WCHAR *CDECL msvcrt_wcschr(const WCHAR *s, WCHAR c)
{
	for (;; s++) {
		if (*s == c)
			return (WCHAR *)s;
		if (!*s)
			return NULL;
	}
}

WCHAR *CDECL msvcrt_wcsrchr(const WCHAR *s, WCHAR c)
{
	const WCHAR *last = NULL;
	for (;; s++) {
		if (*s == c)
			last = s;
		if (!*s)
			return (WCHAR *)last;
	}
}

int CDECL msvcrt_wcsncmp(const WCHAR *a, const WCHAR *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
		if (!a[i])
			return 0;
	}
	return 0;
}

static WCHAR fold(WCHAR c)
{
	return c >= 'A' && c <= 'Z' ? (WCHAR)(c + 32) : c;
}

int CDECL msvcrt__wcsnicmp(const WCHAR *a, const WCHAR *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		WCHAR x = fold(a[i]), y = fold(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
	return 0;
}

int CDECL msvcrt__wcsicmp(const WCHAR *a, const WCHAR *b)
{
	return msvcrt__wcsnicmp(a, b, (size_t)-1);
}

WCHAR *CDECL msvcrt_wcsstr(const WCHAR *h, const WCHAR *n)
{
	size_t nl = win_wcslen(n);
	for (; *h; h++)
		if (!msvcrt_wcsncmp(h, n, nl))
			return (WCHAR *)h;
	return nl ? NULL : (WCHAR *)h;
}

/* UTF-16 to UTF-8: with `d` NULL the bytes needed (without the NUL);
 * else at most `n` bytes, whole characters only, NUL-terminated when it
 * fits; returns the bytes written without the NUL. */
size_t CDECL msvcrt_wcstombs(char *d, const WCHAR *s, size_t n)
{
	size_t len = win_wcslen(s);
	if (!d)
		return win_utf16_to_utf8(s, len, NULL, 0);
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		size_t units = (s[i] >= 0xd800 && s[i] < 0xdc00 && i + 1 < len && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000) ? 2 : 1;
		char buf[8];
		size_t k = win_utf16_to_utf8(s + i, units, buf, sizeof buf);
		if (out + k > n)
			return out;
		memcpy(d + out, buf, k);
		out += k;
		i += units;
	}
	if (out < n)
		d[out] = 0;
	return out;
}

/* UTF-8 to UTF-16, the same way in units. */
size_t CDECL msvcrt_mbstowcs(WCHAR *d, const char *s, size_t n)
{
	size_t len = strlen(s);
	size_t need = win_utf8_to_utf16(s, len, NULL, 0);
	if (!d)
		return need;
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t bytes = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (i + bytes > len)
			bytes = len - i;
		WCHAR buf[4];
		size_t k = win_utf8_to_utf16(s + i, bytes, buf, 4);
		if (out + k > n)
			return out;
		memcpy(d + out, buf, k * sizeof *d);
		out += k;
		i += bytes;
	}
	if (out < n)
		d[out] = 0;
	return out;
}
