/* persona winapi-shim: kernel32 functions the Visual C++ runtime and
 * programs built with it call at start-up and exit (learn.microsoft.com:
 * EncodePointer, DecodePointer, HeapSetInformation, SetHandleCount,
 * GetCPInfo, GetOEMCP, IsValidCodePage, GetStringTypeW, LCMapStringW,
 * CompareStringW, UnhandledExceptionFilter, SetHandleInformation,
 * FormatMessageW, SearchPathW, and job objects: CreateJobObjectA/W,
 * AssignProcessToJobObject, SetInformationJobObject,
 * QueryInformationJobObject).
 *
 * Job objects are accepted and have no effect (no limits; a job's
 * processes are not killed with it).  Strings compare and map by
 * Unicode code unit with the C library's case tables (the invariant
 * locale's behaviour for ASCII and Latin text). */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <wctype.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

#define CP_UTF8 65001
#define EXCEPTION_EXECUTE_HANDLER 1

PVOID WINAPI EncodePointer(PVOID p) { return p; }
PVOID WINAPI DecodePointer(PVOID p) { return p; }
PVOID WINAPI EncodeSystemPointer(PVOID p) { return p; }
PVOID WINAPI DecodeSystemPointer(PVOID p) { return p; }

BOOL WINAPI HeapSetInformation(HANDLE heap, int cls, PVOID info, SIZE_T len)
{
	return TRUE;
}

UINT WINAPI SetHandleCount(UINT n)
{
	return n;
}

unsigned WINAPI GetOEMCP(void)
{
	return CP_UTF8;
}

/* Every code page converts as UTF-8 here (nls.c); these are the ones
 * programs name. */
BOOL WINAPI IsValidCodePage(UINT cp)
{
	return cp == CP_UTF8 || cp == 65000 || cp == 1252 || cp == 437 || cp == 850 || cp == 20127 || cp == 28591;
}

/* CPINFO: MaxCharSize, DefaultChar[2], LeadByte[12] */
typedef struct {
	UINT MaxCharSize;
	BYTE DefaultChar[2];
	BYTE LeadByte[12];
} CPINFO;

BOOL WINAPI GetCPInfo(UINT cp, void *info_)
{
	CPINFO *info = info_;
	if (!info) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	memset(info, 0, sizeof *info);
	info->MaxCharSize = 4;
	info->DefaultChar[0] = '?';
	return TRUE;
}

/* CT_CTYPE1 bits */
#define C1_UPPER 0x1
#define C1_LOWER 0x2
#define C1_DIGIT 0x4
#define C1_SPACE 0x8
#define C1_PUNCT 0x10
#define C1_CNTRL 0x20
#define C1_BLANK 0x40
#define C1_XDIGIT 0x80
#define C1_ALPHA 0x100
#define C1_DEFINED 0x200
#define CT_CTYPE1 1

BOOL WINAPI GetStringTypeW(DWORD type, LPCWSTR s, int n, WORD *out)
{
	if (!s || !out) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	if (n < 0)
		n = (int)win_wcslen(s) + 1;
	for (int i = 0; i < n; i++) {
		wint_t c = s[i];
		WORD t = 0;
		if (type == CT_CTYPE1) {
			t = C1_DEFINED;
			if (iswupper(c)) t |= C1_UPPER;
			if (iswlower(c)) t |= C1_LOWER;
			if (iswdigit(c)) t |= C1_DIGIT;
			if (iswspace(c)) t |= C1_SPACE;
			if (iswpunct(c)) t |= C1_PUNCT;
			if (iswcntrl(c)) t |= C1_CNTRL;
			if (c == ' ' || c == '\t') t |= C1_BLANK;
			if (iswxdigit(c)) t |= C1_XDIGIT;
			if (iswalpha(c)) t |= C1_ALPHA;
		}
		out[i] = t;
	}
	return TRUE;
}

#define LCMAP_LOWERCASE 0x100
#define LCMAP_UPPERCASE 0x200

/* Case mapping only; other flags copy.  Returns the units written (or
 * needed when `cap` is 0). */
int WINAPI LCMapStringW(DWORD lcid, DWORD flags, LPCWSTR s, int n, LPWSTR out, int cap)
{
	if (!s || n == 0 || cap < 0) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (n < 0)
		n = (int)win_wcslen(s) + 1;
	if (cap == 0)
		return n;
	if (cap < n) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	for (int i = 0; i < n; i++)
		out[i] = flags & LCMAP_UPPERCASE ? (WCHAR)towupper(s[i])
						 : flags & LCMAP_LOWERCASE ? (WCHAR)towlower(s[i]) : s[i];
	return n;
}

#define NORM_IGNORECASE 0x1
#define CSTR_LESS_THAN 1
#define CSTR_EQUAL 2
#define CSTR_GREATER_THAN 3

int WINAPI CompareStringW(DWORD lcid, DWORD flags, LPCWSTR a, int na, LPCWSTR b, int nb)
{
	if (!a || !b) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	size_t la = na < 0 ? win_wcslen(a) : (size_t)na, lb = nb < 0 ? win_wcslen(b) : (size_t)nb;
	for (size_t i = 0; i < la && i < lb; i++) {
		wint_t x = a[i], y = b[i];
		if (flags & NORM_IGNORECASE)
			x = towlower(x), y = towlower(y);
		if (x != y)
			return x < y ? CSTR_LESS_THAN : CSTR_GREATER_THAN;
	}
	return la == lb ? CSTR_EQUAL : la < lb ? CSTR_LESS_THAN : CSTR_GREATER_THAN;
}

/* The program's filter (SetUnhandledExceptionFilter) decides; without
 * one the caller is told to run its handler, which ends the process. */
/* SetUnhandledExceptionFilter's filter (process.c) */
void *win_unhandled_filter(void);
typedef LONG(WINAPI *unhandled_filter_fn)(void *);

LONG WINAPI UnhandledExceptionFilter(void *pointers)
{
	unhandled_filter_fn f = (unhandled_filter_fn)win_unhandled_filter();
	return f ? f(pointers) : EXCEPTION_EXECUTE_HANDLER;
}

BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags)
{
	return TRUE; /* inheritance and protection flags are not kept */
}

DWORD WINAPI FormatMessageW(DWORD flags, LPCVOID source, DWORD id, DWORD lang, LPWSTR buf, DWORD size, void *args)
{
	char *text = NULL;
	DWORD n = FormatMessageA(flags | 0x100 /* FORMAT_MESSAGE_ALLOCATE_BUFFER */, source, id, lang, (LPSTR)&text, 0,
				 args);
	if (!n)
		return 0;
	size_t units = win_utf8_to_utf16(text, n, NULL, 0);
	if (flags & 0x100) {
		WCHAR *w = malloc((units + 1) * sizeof *w);
		if (!w) {
			free(text);
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return 0;
		}
		win_utf8_to_utf16(text, n, w, units);
		w[units] = 0;
		*(WCHAR **)buf = w;
	} else {
		if (units + 1 > size) {
			free(text);
			SetLastError(ERROR_INSUFFICIENT_BUFFER);
			return 0;
		}
		win_utf8_to_utf16(text, n, buf, units);
		buf[units] = 0;
	}
	free(text);
	return (DWORD)units;
}

/* SearchPathW: `file` (with `ext` appended when it has none) in `path`'s
 * folders (";"-separated Windows paths), or with `path` NULL in the
 * program's folder, the current folder and PATH.  Returns the full path's
 * length, or the size needed with its NUL when `size` is too small; 0
 * with ERROR_FILE_NOT_FOUND. */
static bool exists_in(const char *dir, const char *file, char **full)
{
	char *w = NULL;
	if (asprintf(&w, "%s%s%s", dir ? dir : "", dir && *dir ? "\\" : "", file) < 0)
		return false;
	char *host = win_host_path(w);
	struct stat st;
	bool ok = host && stat(host, &st) == 0;
	free(host);
	if (ok) {
		WCHAR *ww = win_utf16_dup(w), abs[1024];
		DWORD n = ww ? GetFullPathNameW(ww, 1024, abs, NULL) : 0;
		free(ww);
		free(w);
		w = n && n < 1024 ? win_utf8_dup(abs) : NULL;
		*full = w;
		return w != NULL;
	}
	free(w);
	return false;
}

DWORD WINAPI SearchPathW(LPCWSTR path, LPCWSTR file, LPCWSTR ext, DWORD size, LPWSTR buf, LPWSTR *filepart)
{
	char *f = file ? win_utf8_dup(file) : NULL, *e = ext ? win_utf8_dup(ext) : NULL, *full = NULL;
	char *p = path ? win_utf8_dup(path) : NULL;
	if (!f) {
		SetLastError(ERROR_INVALID_PARAMETER);
		free(e);
		free(p);
		return 0;
	}
	const char *base = strrchr(f, '\\') ? strrchr(f, '\\') + 1 : f;
	if (e && !strchr(base, '.')) {
		char *fe = NULL;
		if (asprintf(&fe, "%s%s", f, e) >= 0) {
			free(f);
			f = fe;
		}
	}
	if (strpbrk(f, "\\/:")) {
		exists_in(NULL, f, &full);
	} else {
		char *search = p;
		if (!search) {
			char *app = win_proc.image_path ? strdup(win_proc.image_path) : NULL, *cut = app ? strrchr(app, '\\') : NULL;
			const char *envpath = "";
			for (char **v = win_proc.envp; v && *v; v++)
				if (!strncasecmp(*v, "PATH=", 5))
					envpath = *v + 5;
			if (cut)
				*cut = 0;
			if (asprintf(&search, "%s;.;%s", cut ? app : ".", envpath) < 0)
				search = NULL;
			free(app);
		}
		/* ";"-separated; an element that is a Linux PATH ("/a:/b") is
		 * split at its ":" */
		const char sep = ';';
		for (char *dir = search, *next; dir && !full; dir = next) {
			next = strchr(dir, sep);
			if (next)
				*next++ = 0;
			char *colon = strchr(dir, ':');
			if (dir[0] == '/' && colon) {
				/* a Linux PATH: its folders one by one */
				for (char *d = dir, *nd; d && !full; d = nd) {
					nd = strchr(d, ':');
					if (nd)
						*nd++ = 0;
					if (*d)
						exists_in(d, f, &full);
				}
			} else if (*dir) {
				exists_in(dir, f, &full);
			}
		}
		if (search != p)
			free(search);
	}
	free(f);
	free(e);
	free(p);
	if (!full) {
		SetLastError(ERROR_FILE_NOT_FOUND);
		return 0;
	}
	WCHAR *w = win_utf16_dup(full);
	free(full);
	if (!w) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	size_t n = win_wcslen(w);
	DWORD r = (DWORD)n;
	if (n + 1 > size || !buf) {
		r = (DWORD)n + 1;
	} else {
		memcpy(buf, w, (n + 1) * sizeof *w);
		if (filepart) {
			WCHAR *slash = NULL;
			for (WCHAR *c = buf; *c; c++)
				if (*c == '\\')
					slash = c;
			*filepart = slash ? slash + 1 : buf;
		}
	}
	free(w);
	return r;
}

/* Job objects: a handle that waits like an unsignaled event. */
HANDLE WINAPI CreateJobObjectW(void *attr, LPCWSTR name)
{
	return CreateEventW(NULL, TRUE, FALSE, NULL);
}

HANDLE WINAPI CreateJobObjectA(void *attr, LPCSTR name)
{
	return CreateEventW(NULL, TRUE, FALSE, NULL);
}

BOOL WINAPI AssignProcessToJobObject(HANDLE job, HANDLE process)
{
	return TRUE;
}

BOOL WINAPI SetInformationJobObject(HANDLE job, int cls, void *info, DWORD len)
{
	return TRUE;
}

/* Reports an empty, limit-free job. */
BOOL WINAPI QueryInformationJobObject(HANDLE job, int cls, void *info, DWORD len, LPDWORD ret)
{
	if (info)
		memset(info, 0, len);
	if (ret)
		*ret = len;
	return TRUE;
}

/* SetErrorMode/GetErrorMode: kept, nothing depends on it (no dialogs). */
static UINT error_mode;

UINT WINAPI SetErrorMode(UINT mode)
{
	UINT old = error_mode;
	error_mode = mode;
	return old;
}

UINT WINAPI GetErrorMode(void)
{
	return error_mode;
}

BOOL WINAPI SetProcessPriorityBoost(HANDLE process, BOOL disable)
{
	return TRUE;
}

/* The system folder's name: where builtin DLLs "are" (C:\Windows\System32);
 * the length without the NUL, or the size needed with it. */
UINT WINAPI GetSystemDirectoryA(LPSTR buf, UINT size)
{
	static const char dir[] = "C:\\Windows\\System32";
	if (!buf || size < sizeof dir)
		return sizeof dir;
	memcpy(buf, dir, sizeof dir);
	return sizeof dir - 1;
}

UINT WINAPI GetSystemDirectoryW(LPWSTR buf, UINT size)
{
	static const char dir[] = "C:\\Windows\\System32";
	if (!buf || size < sizeof dir)
		return sizeof dir;
	for (size_t i = 0; i < sizeof dir; i++)
		buf[i] = (unsigned char)dir[i];
	return sizeof dir - 1;
}
