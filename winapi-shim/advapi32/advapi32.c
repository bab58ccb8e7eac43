/* persona winapi-shim: advapi32.dll (see advapi32.h). */
#include <errno.h>
#include <pwd.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winapi-shim/advapi32/advapi32.h"
#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/unicode.h"

/* HKEY_CLASSES_ROOT 0x80000000 ... HKEY_CURRENT_USER_LOCAL_SETTINGS 0x80000007 */
static bool predefined(HKEY key)
{
	uintptr_t v = (uintptr_t)key;
	return v >= 0x80000000u && v <= 0x80000007u;
}

static LSTATUS open_key(HKEY key, HKEY *result)
{
	if (result)
		*result = NULL;
	if (!predefined(key))
		return ERROR_INVALID_HANDLE;
	return ERROR_FILE_NOT_FOUND;
}

LSTATUS WINAPI RegOpenKeyExA(HKEY key, LPCSTR sub, DWORD options, DWORD access, HKEY *result)
{
	return open_key(key, result);
}

LSTATUS WINAPI RegOpenKeyExW(HKEY key, LPCWSTR sub, DWORD options, DWORD access, HKEY *result)
{
	return open_key(key, result);
}

LSTATUS WINAPI RegQueryValueExA(HKEY key, LPCSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
	return predefined(key) ? ERROR_FILE_NOT_FOUND : ERROR_INVALID_HANDLE;
}

LSTATUS WINAPI RegQueryValueExW(HKEY key, LPCWSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size)
{
	return predefined(key) ? ERROR_FILE_NOT_FOUND : ERROR_INVALID_HANDLE;
}

LSTATUS WINAPI RegCloseKey(HKEY key)
{
	return predefined(key) ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "user";
}

BOOL WINAPI GetUserNameA(LPSTR buf, LPDWORD size)
{
	const char *u = user_name();
	DWORD n = (DWORD)strlen(u) + 1;
	if (!size || !buf || *size < n) {
		if (size)
			*size = n;
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	memcpy(buf, u, n);
	*size = n;
	return TRUE;
}

BOOL WINAPI GetUserNameW(LPWSTR buf, LPDWORD size)
{
	const char *u = user_name();
	size_t len = strlen(u);
	DWORD n = (DWORD)win_utf8_to_utf16(u, len, NULL, 0) + 1;
	if (!size || !buf || *size < n) {
		if (size)
			*size = n;
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	win_utf8_to_utf16(u, len, buf, n - 1);
	buf[n - 1] = 0;
	*size = n;
	return TRUE;
}

/* RtlGenRandom, exported as SystemFunction036 (learn.microsoft.com:
 * "RtlGenRandom function"): `len` random bytes from the kernel. */
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		got += (size_t)n;
	}
	return TRUE;
}

/* sorted by strcmp */
static const struct win_export advapi32_exports[] = {
	WIN_EXPORT(GetUserNameA),
	WIN_EXPORT(GetUserNameW),
	WIN_EXPORT(RegCloseKey),
	WIN_EXPORT(RegOpenKeyExA),
	WIN_EXPORT(RegOpenKeyExW),
	WIN_EXPORT(RegQueryValueExA),
	WIN_EXPORT(RegQueryValueExW),
	WIN_EXPORT(SystemFunction036),
};

const struct win_dll win_dll_advapi32 = { "advapi32.dll", WIN_EXPORTS(advapi32_exports) };
