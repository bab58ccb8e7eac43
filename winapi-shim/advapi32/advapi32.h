/* persona winapi-shim: advapi32.dll: what mingw-built libraries ask of it
 * (Debian's libgpg-error-0.dll and libgcrypt-20.dll): the registry,
 * which persona does not have (every key is absent), the user name, and
 * RtlGenRandom (SystemFunction036, which Go's runtime asks for).
 *
 *   RegOpenKeyExA/W (learn.microsoft.com: RegOpenKeyExW): ERROR_FILE_NOT_FOUND
 *     for every key (and *result NULL), ERROR_INVALID_HANDLE without a
 *     parent key;
 *   RegQueryValueExA/W: ERROR_FILE_NOT_FOUND, or ERROR_INVALID_HANDLE for
 *     a key that is not one of the predefined HKEY_* roots;
 *   RegCloseKey: ERROR_SUCCESS for a root, else ERROR_INVALID_HANDLE;
 *   GetUserNameA/W (GetUserNameW): the Linux user's name ($USER or the
 *     password database), the size with its NUL in *size; FALSE with
 *     ERROR_INSUFFICIENT_BUFFER and the size needed when it does not fit.
 */
#ifndef PERSONA_WINAPI_ADVAPI32_H
#define PERSONA_WINAPI_ADVAPI32_H

#include "winapi-shim/wintypes.h"

typedef void *HKEY;
typedef LONG LSTATUS;

LSTATUS WINAPI RegOpenKeyExA(HKEY key, LPCSTR sub, DWORD options, DWORD access, HKEY *result);
LSTATUS WINAPI RegOpenKeyExW(HKEY key, LPCWSTR sub, DWORD options, DWORD access, HKEY *result);
LSTATUS WINAPI RegQueryValueExA(HKEY key, LPCSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size);
LSTATUS WINAPI RegQueryValueExW(HKEY key, LPCWSTR name, LPDWORD reserved, LPDWORD type, BYTE *data, LPDWORD size);
LSTATUS WINAPI RegCloseKey(HKEY key);
BOOL WINAPI GetUserNameA(LPSTR buf, LPDWORD size);
BOOL WINAPI GetUserNameW(LPWSTR buf, LPDWORD size);
/* RtlGenRandom: `len` bytes from getrandom(2); FALSE if it fails. */
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

#endif
