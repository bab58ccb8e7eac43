/* persona winapi-shim: shlwapi.dll's string and path helpers
 * (learn.microsoft.com: StrStrIW, PathRemoveFileSpecW, PathCombineW,
 * PathFindFileNameW, PathFileExistsW).  Paths are Windows paths; only
 * PathFileExistsW looks at the file system (through kernel32's mapping).
 *
 *   StrStrIW(s, find): the first case-insensitive occurrence, or NULL;
 *   PathRemoveFileSpecW(path): cuts the last component (keeping a root
 *     "C:\" or "\"); TRUE when something was removed;
 *   PathCombineW(out, dir, file): `file` if absolute, else dir\file,
 *     "." and ".." resolved, at most MAX_PATH units; NULL when too long;
 *   PathFindFileNameW(path): the last component;
 *   PathFileExistsW(path): whether it exists.
 */
#ifndef PERSONA_WINAPI_SHLWAPI_H
#define PERSONA_WINAPI_SHLWAPI_H

#include "winapi-shim/wintypes.h"

LPWSTR WINAPI StrStrIW(LPCWSTR s, LPCWSTR find);
BOOL WINAPI PathRemoveFileSpecW(LPWSTR path);
LPWSTR WINAPI PathCombineW(LPWSTR out, LPCWSTR dir, LPCWSTR file);
LPWSTR WINAPI PathFindFileNameW(LPCWSTR path);
BOOL WINAPI PathFileExistsW(LPCWSTR path);

#endif
