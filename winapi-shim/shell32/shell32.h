/* persona winapi-shim: shell32.dll's functions. */
#ifndef PERSONA_WINAPI_SHELL32_H
#define PERSONA_WINAPI_SHELL32_H

#include "winapi-shim/wintypes.h"

/* Split a command line the way Windows' shell32 does; one block the
 * caller frees with LocalFree.  NULL with ERROR_INVALID_PARAMETER when
 * numargs is NULL. */
LPWSTR *WINAPI CommandLineToArgvW(LPCWSTR cmdline, int *numargs);

#endif
