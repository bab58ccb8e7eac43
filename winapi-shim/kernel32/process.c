/* persona winapi-shim: kernel32 process, module, environment and time
 * functions (learn.microsoft.com: ExitProcess, GetCommandLineA,
 * GetModuleHandleW, GetProcAddress, GetEnvironmentVariableA,
 * QueryPerformanceCounter, GetSystemTimeAsFileTime). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"
#include "winapi-shim/unicode.h"

DWORD WINAPI GetLastError(void)
{
	return NtCurrentTeb()->LastErrorValue;
}

void WINAPI SetLastError(DWORD code)
{
	NtCurrentTeb()->LastErrorValue = code;
}

void WINAPI ExitProcess(unsigned code)
{
	win_dlls_detach();
	win_exit_process(code);
	__builtin_unreachable();
}

LPSTR WINAPI GetCommandLineA(void)
{
	return win_proc.cmdline;
}

LPWSTR WINAPI GetCommandLineW(void)
{
	return win_proc.cmdline_w;
}

/* STARTUPINFOA and STARTUPINFOW have the same size and layout on x64:
 * nothing in them but cb matters to a console program. */
#define STARTUPINFO_SIZE 104

void WINAPI GetStartupInfoA(void *si)
{
	memset(si, 0, STARTUPINFO_SIZE);
	*(DWORD *)si = STARTUPINFO_SIZE;
}

void WINAPI GetStartupInfoW(void *si)
{
	GetStartupInfoA(si);
}

static void *unhandled_filter;

void *win_unhandled_filter(void)
{
	return unhandled_filter;
}

void *WINAPI SetUnhandledExceptionFilter(void *filter)
{
	void *old = unhandled_filter;
	unhandled_filter = filter;
	return old;
}

/* A builtin DLL's HMODULE is its struct win_dll. */
static bool is_builtin(HMODULE m)
{
	for (size_t i = 0; win_builtin_dlls[i]; i++)
		if ((const void *)win_builtin_dlls[i] == m)
			return true;
	return false;
}

HMODULE WINAPI GetModuleHandleA(LPCSTR name)
{
	if (!name)
		return win_proc.image ? win_proc.image->base : NULL;
	const struct win_dll *d = win_builtin_dll(name);
	if (d)
		return (HMODULE)d;
	/* a path names the DLL by its file name */
	const char *slash = strrchr(name, '\\'), *fslash = strrchr(name, '/');
	if (fslash > slash)
		slash = fslash;
	struct pe_module *m = pe_dll_find(slash ? slash + 1 : name);
	if (m)
		return (HMODULE)m->base;
	SetLastError(ERROR_MOD_NOT_FOUND);
	return NULL;
}

HMODULE WINAPI GetModuleHandleW(LPCWSTR name)
{
	if (!name)
		return GetModuleHandleA(NULL);
	char *u = win_utf8_dup(name);
	HMODULE m = u ? GetModuleHandleA(u) : NULL;
	free(u);
	return m;
}

#define GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS 0x4

/* learn.microsoft.com: GetModuleHandleExW.  FROM_ADDRESS: the program or
 * real DLL whose image holds the address (persona's builtins have no
 * image: ERROR_MOD_NOT_FOUND); PIN and UNCHANGED_REFCOUNT change nothing
 * (nothing is ever unloaded). */
static BOOL module_handle_ex(DWORD flags, const void *name_or_addr, bool wide, HMODULE *out)
{
	HMODULE h = NULL;

	if (!out) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	if (flags & GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS) {
		const struct pe_module *m = pe_module_containing((uint64_t)(uintptr_t)name_or_addr);
		h = m ? (HMODULE)m->base : NULL;
		if (!h)
			SetLastError(ERROR_MOD_NOT_FOUND);
	} else {
		h = wide ? GetModuleHandleW(name_or_addr) : GetModuleHandleA(name_or_addr);
	}
	*out = h;
	return h != NULL;
}

BOOL WINAPI GetModuleHandleExA(DWORD flags, LPCSTR name, HMODULE *out)
{
	return module_handle_ex(flags, name, false, out);
}

BOOL WINAPI GetModuleHandleExW(DWORD flags, LPCWSTR name, HMODULE *out)
{
	return module_handle_ex(flags, name, true, out);
}

HMODULE WINAPI LoadLibraryA(LPCSTR name)
{
	if (!name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	/* a builtin goes through pe_resolve_dll, which enters it in the
	 * PEB's module lists */
	HMODULE h = GetModuleHandleA(name);
	if (h && !win_builtin_dll(name))
		return h;
	const char *slash = strrchr(name, '\\'), *fslash = strrchr(name, '/');
	if (fslash > slash)
		slash = fslash;
	const struct win_dll *b = NULL;
	struct pe_module *m = NULL;
	struct perr err = { 0 };
	/* a path names that file (mapped as kernel32 maps paths); a builtin's
	 * name, with any folder, is the builtin */
	char *host = slash && !win_builtin_dll(slash + 1) ? win_host_path(name) : NULL;
	/* (an unknown drive letter leaves `host` NULL: not found) */
	/* recursive: a DllMain may call LoadLibrary */
	static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	pthread_mutex_lock(&lock);
	bool by_path = slash && !win_builtin_dll(slash + 1);
	int r = (by_path ? (host ? pe_load_dll_path(host, &m, &err) : -1)
			 : pe_resolve_dll(slash ? slash + 1 : name, &b, &m, &err)) < 0 ||
				win_dlls_attach(&err) < 0
			? -1
			: 0;
	pthread_mutex_unlock(&lock);
	free(host);
	if (r < 0) {
		SetLastError(ERROR_MOD_NOT_FOUND);
		return NULL;
	}
	return b ? (HMODULE)b : (HMODULE)m->base;
}

HMODULE WINAPI LoadLibraryW(LPCWSTR name)
{
	if (!name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	char *u = win_utf8_dup(name);
	HMODULE m = u ? LoadLibraryA(u) : NULL;
	free(u);
	return m;
}

/* LoadLibraryEx (learn.microsoft.com): the search flags change nothing
 * (builtins first, then the program's folder and PERSONA_WIN_PATH);
 * LOAD_LIBRARY_AS_DATAFILE and friends are not supported. */
#define DONT_RESOLVE_DLL_REFERENCES 0x1
#define LOAD_LIBRARY_AS_DATAFILE 0x2
#define LOAD_LIBRARY_AS_IMAGE_RESOURCE 0x20
#define LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE 0x40

HMODULE WINAPI LoadLibraryExA(LPCSTR name, HANDLE file, DWORD flags)
{
	if (flags & (DONT_RESOLVE_DLL_REFERENCES | LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE |
		     LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE)) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	return LoadLibraryA(name);
}

HMODULE WINAPI LoadLibraryExW(LPCWSTR name, HANDLE file, DWORD flags)
{
	if (!name) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	char *u = win_utf8_dup(name);
	HMODULE m = u ? LoadLibraryExA(u, file, flags) : NULL;
	free(u);
	return m;
}

BOOL WINAPI FreeLibrary(HMODULE m)
{
	return TRUE;
}

void *WINAPI GetProcAddress(HMODULE m, LPCSTR name)
{
	/* names only: an ordinal is a pointer value below 64K */
	if (is_builtin(m) && (uintptr_t)name >= 0x10000) {
		void *p = win_builtin_export(m, name);
		if (p)
			return p;
	}
	const struct pe_module *dll = m ? pe_dll_by_base(m) : NULL;
	if (!m || (win_proc.image && m == win_proc.image->base))
		dll = win_proc.image;
	if (dll) {
		void *p = (uintptr_t)name < 0x10000 ? pe_module_export(dll, NULL, (unsigned)(uintptr_t)name, 0, NULL)
						     : pe_module_export(dll, name, 0, 0, NULL);
		if (p)
			return p;
	}
	SetLastError(ERROR_PROC_NOT_FOUND);
	return NULL;
}

/* The module's file name: the program's full path; a real DLL's Linux path
 * as a Windows path; a builtin's C:\\Windows\\System32\\name.  NULL (malloc'd)
 * when `m` is no module (ERROR_MOD_NOT_FOUND). */
static char *module_file_name(HMODULE m)
{
	char *p = NULL;
	struct pe_module *dll;

	if (!m || (win_proc.image && m == win_proc.image->base))
		return strdup(win_proc.image_path ? win_proc.image_path : "");
	if ((dll = pe_dll_by_base(m)))
		return dll->path ? win_windows_path(dll->path) : strdup(dll->name);
	for (size_t i = 0; win_builtin_dlls[i]; i++)
		if ((const void *)win_builtin_dlls[i] == m && asprintf(&p, "C:\\Windows\\System32\\%s", win_builtin_dlls[i]->name) < 0)
			p = NULL;
	if (!p)
		SetLastError(ERROR_MOD_NOT_FOUND);
	return p;
}

/* Truncated output keeps its NUL and returns `size` with
 * ERROR_INSUFFICIENT_BUFFER, as Windows 10 does. */
DWORD WINAPI GetModuleFileNameA(HMODULE m, LPSTR buf, DWORD size)
{
	char *owned = module_file_name(m);
	if (!owned)
		return 0;
	const char *path = owned;
	size_t n = strlen(path);

	if (size == 0) {
		free(owned);
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	if (n >= size) {
		memcpy(buf, path, size - 1);
		buf[size - 1] = 0;
		free(owned);
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return size;
	}
	memcpy(buf, path, n + 1);
	free(owned);
	return (DWORD)n;
}

DWORD WINAPI GetModuleFileNameW(HMODULE m, LPWSTR buf, DWORD size)
{
	char *owned = module_file_name(m);
	if (!owned)
		return 0;
	WCHAR *w = win_utf16_dup(owned);
	free(owned);
	if (!w) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	size_t n = win_wcslen(w);
	DWORD r = (DWORD)n;
	if (size == 0) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		r = 0;
	} else if (n >= size) {
		memcpy(buf, w, (size - 1) * sizeof *w);
		buf[size - 1] = 0;
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		r = size;
	} else {
		memcpy(buf, w, (n + 1) * sizeof *w);
	}
	free(w);
	return r;
}

DWORD WINAPI GetCurrentProcessId(void)
{
	return (DWORD)getpid();
}

DWORD WINAPI GetCurrentThreadId(void)
{
	return (DWORD)(uintptr_t)NtCurrentTeb()->ClientIdUniqueThread;
}

HANDLE WINAPI GetCurrentProcess(void)
{
	return (HANDLE)(LONG_PTR)-1;
}

HANDLE WINAPI GetCurrentThread(void)
{
	return (HANDLE)(LONG_PTR)-2;
}

DWORD WINAPI GetEnvironmentVariableA(LPCSTR name, LPSTR buf, DWORD size)
{
	size_t nl = strlen(name);

	for (char **e = win_proc.envp; e && *e; e++) {
		if (strncasecmp(*e, name, nl) || (*e)[nl] != '=')
			continue;
		const char *v = *e + nl + 1;
		size_t vl = strlen(v);
		if (vl >= size)
			return (DWORD)vl + 1;  /* the size needed, with the NUL */
		memcpy(buf, v, vl + 1);
		return (DWORD)vl;
	}
	SetLastError(ERROR_ENVVAR_NOT_FOUND);
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

DWORD WINAPI GetTickCount(void)
{
	return (DWORD)(monotonic_ns() / 1000000);
}

ULONGLONG WINAPI GetTickCount64(void)
{
	return monotonic_ns() / 1000000;
}

/* 100 ns units, as on Windows 10 (10 MHz). */
BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *c)
{
	c->QuadPart = (LONGLONG)(monotonic_ns() / 100);
	return TRUE;
}

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *f)
{
	f->QuadPart = 10000000;
	return TRUE;
}

/* FILETIME counts 100 ns intervals since 1601-01-01 UTC. */
#define EPOCH_DIFF_100NS 116444736000000000ull

void WINAPI GetSystemTimeAsFileTime(FILETIME *ft)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 10000000ull + (uint64_t)ts.tv_nsec / 100 + EPOCH_DIFF_100NS;
	ft->dwLowDateTime = (DWORD)t;
	ft->dwHighDateTime = (DWORD)(t >> 32);
}

/* FormatMessageA for system error codes (FORMAT_MESSAGE_FROM_SYSTEM),
 * with or without FORMAT_MESSAGE_ALLOCATE_BUFFER; texts are Windows'. */
#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x100
#define FORMAT_MESSAGE_FROM_SYSTEM 0x1000

static const struct {
	DWORD code;
	const char *text;
} system_messages[] = {
	{ 0, "The operation completed successfully." },
	{ 2, "The system cannot find the file specified." },
	{ 3, "The system cannot find the path specified." },
	{ 5, "Access is denied." },
	{ 6, "The handle is invalid." },
	{ 8, "Not enough memory resources are available to process this command." },
	{ 87, "The parameter is incorrect." },
	{ 122, "The data area passed to a system call is too small." },
	{ 126, "The specified module could not be found." },
	{ 127, "The specified procedure could not be found." },
};

DWORD WINAPI FormatMessageA(DWORD flags, LPCVOID source, DWORD id, DWORD lang, LPSTR buf, DWORD size, void *args)
{
	char tmp[128];
	const char *text = NULL;

	if (!(flags & FORMAT_MESSAGE_FROM_SYSTEM)) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return 0;
	}
	for (size_t i = 0; i < sizeof system_messages / sizeof system_messages[0]; i++)
		if (system_messages[i].code == id)
			text = system_messages[i].text;
	if (!text) {
		snprintf(tmp, sizeof tmp, "Unknown error %lu.", (unsigned long)id);
		text = tmp;
	}
	size_t n = strlen(text) + 2; /* Windows ends system messages with "\r\n" */
	if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
		/* the caller frees it with LocalFree, which is free() */
		char *p = malloc(n + 1);
		if (!p) {
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return 0;
		}
		snprintf(p, n + 1, "%s\r\n", text);
		*(char **)buf = p;
		return (DWORD)n;
	}
	if (n + 1 > size) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	snprintf(buf, size, "%s\r\n", text);
	return (DWORD)n;
}
