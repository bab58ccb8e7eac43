/* persona winapi-shim: kernel32 code pages (learn.microsoft.com:
 * MultiByteToWideChar, WideCharToMultiByte, GetACP).  The ANSI and OEM code
 * pages are UTF-8 (65001), as Windows 10 1903+ does with the UTF-8 manifest
 * setting; every code page is converted as UTF-8. */
#include <string.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/unicode.h"

#define CP_UTF8 65001

unsigned WINAPI GetACP(void)
{
	return CP_UTF8;
}

unsigned WINAPI GetConsoleOutputCP(void)
{
	return CP_UTF8;
}

BOOL WINAPI IsDBCSLeadByteEx(unsigned cp, BYTE c)
{
	return FALSE;
}

int WINAPI MultiByteToWideChar(unsigned cp, DWORD flags, LPCSTR s, int n, LPWSTR out, int cap)
{
	if (!s || n == 0 || n < -1 || cap < 0 || (cap > 0 && !out)) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	size_t len = n == -1 ? strlen(s) + 1 : (size_t)n;  /* -1: include the NUL */
	size_t need = win_utf8_to_utf16(s, len, NULL, 0);
	if (need > 0x7fffffff) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (cap == 0)
		return (int)need;
	if (need > (size_t)cap) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	win_utf8_to_utf16(s, len, out, (size_t)cap);
	return (int)need;
}

int WINAPI WideCharToMultiByte(unsigned cp, DWORD flags, LPCWSTR s, int n, LPSTR out, int cap,
			       LPCSTR defchar, BOOL *useddef)
{
	if (!s || n == 0 || n < -1 || cap < 0 || (cap > 0 && !out)) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	size_t len = n == -1 ? win_wcslen(s) + 1 : (size_t)n;
	size_t need = win_utf16_to_utf8(s, len, NULL, 0);
	if (useddef)
		*useddef = FALSE;
	if (need > 0x7fffffff) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (cap == 0)
		return (int)need;
	if (need > (size_t)cap) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	win_utf16_to_utf8(s, len, out, (size_t)cap);
	return (int)need;
}
