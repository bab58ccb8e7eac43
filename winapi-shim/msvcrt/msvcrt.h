/* persona winapi-shim: msvcrt.dll internals shared by its source files.
 *
 * msvcrt's FILE (stdio.h of the Windows SDK and of mingw-w64): 48 bytes;
 * __iob_func() returns an array of _IOB_ENTRIES (20) of them, and mingw's
 * _lock_file() takes a CRITICAL_SECTION placed right after every FILE
 * that fopen returns.  persona keeps the glibc FILE behind each one in
 * _tmpfname, a field mingw-w64's code never reads.
 */
#ifndef PERSONA_WINAPI_MSVCRT_H
#define PERSONA_WINAPI_MSVCRT_H

#include <stdbool.h>
#include <stdio.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/wintypes.h"

typedef struct _iobuf {
	char *_ptr;
	int _cnt;
	char *_base;
	int _flag;
	int _file;
	int _charbuf;
	int _bufsiz;
	char *_tmpfname;      /* persona: the host FILE * */
} MS_FILE;

_Static_assert(sizeof(MS_FILE) == 48, "msvcrt FILE");

#define _IOB_ENTRIES 20

/* An fopen'd FILE and the lock mingw-w64 expects right after it. */
struct ms_file_ex {
	MS_FILE f;
	CRITICAL_SECTION lock;
};

/* The host FILE behind `f`, or NULL when `f` is not a stream of ours. */
FILE *msvcrt_host_file(MS_FILE *f);

/* A new msvcrt FILE standing for the host FILE `hf` (NULL: NULL; on
 * ENOMEM `hf` is closed). */
MS_FILE *msvcrt_wrap(FILE *hf);

/* Format `fmt` with msvcrt's printf rules, reading arguments from the
 * Microsoft x64 variadic area `args` (one 8-byte slot per argument).
 * Returns a malloc'd NUL-terminated string and its length in *len, or
 * NULL on ENOMEM. */
char *msvcrt_format(const char *fmt, const uint64_t *args, size_t *len);

/* The same for the wide functions (the format converted to UTF-8 first):
 * with `wide_fmt`, %s and %c take wide arguments and %S, %C narrow ones
 * (h and l still force narrow and wide). */
char *msvcrt_format_ex(const char *fmt, const uint64_t *args, size_t *len, bool wide_fmt);

/* The wide functions' formatting: UTF-16 `fmt` (%s wide), UTF-8 result
 * (malloc'd, NULL with errno ENOMEM).  wprintf.c. */
char *msvcrt_format_wide(const WCHAR *fmt, const uint64_t *args, size_t *len);
uint16_t CDECL msvcrt_putwc(uint16_t c, MS_FILE *f);

/* secure.c: call the program's invalid parameter handler, or end the
 * process with STATUS_STACK_BUFFER_OVERRUN when it has none; and the _s
 * formatting rule shared with ucrtbase (`count` _TRUNCATE or a limit;
 * `may_truncate`: _snprintf_s, not sprintf_s). */
void msvcrt_invalid_parameter(void);
int msvcrt_format_s(char *buf, size_t size, size_t count, bool may_truncate, const char *fmt, const uint64_t *args);
int msvcrt_format_ws(WCHAR *buf, size_t size, size_t count, bool may_truncate, const WCHAR *fmt, const uint64_t *args);

/* scanf.c: scan `input` (or, when NULL, the stream `f`) by the Microsoft
 * format `fmt` into the pointers of the x64 variadic area `args`;
 * `wide_fmt`: %s and %c store UTF-16 (the wide functions); `secure`: each
 * %s, %c, %[ pointer is followed by its buffer's size (the _s forms).
 * Returns the number of fields stored, EOF (-1) at the end of the input
 * before the first, -1 with errno on a bad argument. */
int msvcrt_scan(const char *input, MS_FILE *f, const char *fmt, const uint64_t *args, bool wide_fmt, bool secure);
int msvcrt_scan_wide(const WCHAR *input, MS_FILE *f, const WCHAR *fmt, const uint64_t *args, bool secure);

/* struct _stat64 of msvcrt (56 bytes). */
struct ms_stat64 {
	unsigned st_dev;
	uint16_t st_ino, st_mode;
	int16_t st_nlink, st_uid, st_gid;
	unsigned st_rdev;
	LONGLONG st_size, st_atime_, st_mtime_, st_ctime_;
};

_Static_assert(sizeof(struct ms_stat64) == 56, "struct _stat64");

/* msvcrt's _stat64 of a Linux status (type and owner permission bits,
 * size, times in seconds). */
struct stat;
void msvcrt_fill_stat64(const struct stat *st, struct ms_stat64 *ms);

/* msvcrt's start-up variables (startup.c), shared with ucrtbase, whose
 * __p___argc... return their addresses. */
extern int msvcrt__fmode, msvcrt__commode, msvcrt___argc;
extern char *msvcrt__acmdln;
extern char **msvcrt___argv, **msvcrt__environ, **msvcrt___initenv;
extern WCHAR **msvcrt___wargv, **msvcrt___winitenv, **msvcrt__wenviron, *msvcrt__wcmdln;

/* Make the wide variables (UTF-16 argv, environment, command line) if not
 * made yet: 0, or -1 out of memory. */
int msvcrt_init_wide(void);

/* msvcrt_exit's and _onexit's entry points, reused by ucrtbase. */
typedef int(CDECL *msvcrt_onexit_t)(void);
msvcrt_onexit_t CDECL msvcrt__onexit(msvcrt_onexit_t fn);
MS_FILE *CDECL msvcrt___iob_func(void);
__attribute__((noreturn)) void CDECL msvcrt_abort(void);
void CDECL msvcrt__lock(int n);
void CDECL msvcrt__unlock(int n);
int CDECL msvcrt_vfprintf(MS_FILE *f, const char *fmt, const uint64_t *args);

/* Run the _onexit/atexit table (last registered first), once. */
void msvcrt_run_onexit(void);

#endif
