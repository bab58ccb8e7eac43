/* persona winapi-shim: the builtin DLLs and their export tables.
 *
 * Each builtin DLL (one folder per DLL: advapi32/, kernel32/, msvcrt/, ntdll/,
 * shell32/, shlwapi/, ucrtbase/, user32/, winmm/, ws2_32/) defines
 * one `struct win_dll` whose exports are sorted by strcmp() on the exact
 * Microsoft name, so lookups are a binary search.  An export is a function
 * (always __attribute__((ms_abi))) or a variable (data imports such as
 * msvcrt's _fmode): either way the import address table receives `addr`.
 */
#ifndef PERSONA_WINAPI_LOADER_BUILTIN_H
#define PERSONA_WINAPI_LOADER_BUILTIN_H

#include <stddef.h>

struct win_export {
	const char *name;
	void *addr;
};

struct win_dll {
	const char *name;                  /* "kernel32.dll", lower case */
	const struct win_export *exports;  /* sorted by strcmp on name */
	size_t count;
};

#define WIN_EXPORT(fn) { #fn, (void *)(fn) }
#define WIN_EXPORTS(table) (table), (sizeof(table) / sizeof((table)[0]))

/* The builtin DLL called `name` (case-insensitive, ".dll" optional), or
 * the one an API set name maps to (api-ms-win-crt-*: ucrtbase.dll;
 * api-ms-win-core-* and kernelbase.dll: kernel32.dll), or NULL. */
const struct win_dll *win_builtin_dll(const char *name);

/* The address of export `name` (exact, case-sensitive) of `dll`, or NULL. */
void *win_builtin_export(const struct win_dll *dll, const char *name);

/* All builtin DLLs, NULL-terminated (for tests checking the order). */
extern const struct win_dll *const win_builtin_dlls[];

extern const struct win_dll win_dll_advapi32;
extern const struct win_dll win_dll_kernel32;
extern const struct win_dll win_dll_msvcrt;
extern const struct win_dll win_dll_ntdll;
extern const struct win_dll win_dll_shell32;
extern const struct win_dll win_dll_shlwapi;
extern const struct win_dll win_dll_ucrtbase;
extern const struct win_dll win_dll_user32;
extern const struct win_dll win_dll_bcrypt;
extern const struct win_dll win_dll_winmm;
extern const struct win_dll win_dll_ws2_32;

#endif
