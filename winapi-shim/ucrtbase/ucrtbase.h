/* persona winapi-shim: ucrtbase.dll, the Universal CRT, and the
 * api-ms-win-crt-*-l1-1-0.dll API sets that name it.
 *
 * A program linked against the UCRT imports the C library from API set
 * names (api-ms-win-crt-runtime-l1-1-0.dll, -stdio-, -heap-, -string-...);
 * Windows' loader maps every one of them to ucrtbase.dll
 * (learn.microsoft.com: "Windows API sets", "Universal CRT deployment").
 * persona does the same (loader/builtin.c): one export table serves them
 * all, so an import of a function from the "wrong" API set still binds.
 *
 * The functions whose meaning is the same as msvcrt's (malloc, fopen,
 * strtod, qsort, exit...) are msvcrt's own; gen_exports.py lists them by
 * name.  What is defined here differs from msvcrt:
 *   - start-up (learn.microsoft.com: "_initialize_narrow_environment",
 *     "_configure_narrow_argv", "__p___argc, __p___argv...",
 *     "_get_initial_narrow_environment", "_set_app_type",
 *     "_crt_atexit", "_initialize_onexit_table"...);
 *   - stdio (the printf family is inline in the UCRT headers, over
 *     __stdio_common_vfprintf and friends, which take an options word
 *     (_CRT_INTERNAL_PRINTF_*) and a locale; __acrt_iob_func(n) gives
 *     stdin/stdout/stderr);
 *   - time zone globals as functions (__daylight, __timezone, __tzname).
 * FILE is opaque in the UCRT; persona's FILEs are msvcrt's (msvcrt.h).
 */
#ifndef PERSONA_WINAPI_UCRTBASE_H
#define PERSONA_WINAPI_UCRTBASE_H

#include "winapi-shim/wintypes.h"

/* _CRT_INTERNAL_PRINTF_* (corecrt_stdio_config.h of the Windows SDK) */
#define _CRT_INTERNAL_PRINTF_LEGACY_VSPRINTF_NULL_TERMINATION 0x0001ULL
#define _CRT_INTERNAL_PRINTF_STANDARD_SNPRINTF_BEHAVIOR 0x0002ULL
#define _CRT_INTERNAL_PRINTF_LEGACY_WIDE_SPECIFIERS 0x0004ULL

/* _onexit_t table of _initialize_onexit_table & co (corecrt_startup.h) */
typedef void(CDECL *_PVFV)(void);
typedef struct _onexit_table_t {
	_PVFV *_first, *_last, *_end;
} _onexit_table_t;

#endif
