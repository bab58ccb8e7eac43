/* persona winapi-shim: UTF-8 <-> UTF-16 conversions (Windows' WCHAR is
 * UTF-16LE; Linux strings are taken as UTF-8).  Invalid input becomes
 * U+FFFD; no function reads past `len` units nor writes past `cap`. */
#ifndef PERSONA_WINAPI_UNICODE_H
#define PERSONA_WINAPI_UNICODE_H

#include <stddef.h>
#include "winapi-shim/wintypes.h"

/* Convert `len` bytes of UTF-8 at `s`.  Writes at most `cap` units to `out`
 * (out may be NULL when cap is 0).  Returns the number of UTF-16 units the
 * whole conversion needs (which may exceed cap). */
size_t win_utf8_to_utf16(const char *s, size_t len, WCHAR *out, size_t cap);

/* Convert `len` UTF-16 units at `s` to UTF-8, as above, in bytes. */
size_t win_utf16_to_utf8(const WCHAR *s, size_t len, char *out, size_t cap);

/* Length in units of a NUL-terminated UTF-16 string. */
size_t win_wcslen(const WCHAR *s);

/* A malloc'd NUL-terminated UTF-16 copy of UTF-8 `s` (NULL on ENOMEM),
 * and the reverse. */
WCHAR *win_utf16_dup(const char *s);
char *win_utf8_dup(const WCHAR *s);

#endif
