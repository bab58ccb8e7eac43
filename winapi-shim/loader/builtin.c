/* persona winapi-shim: lookup in the builtin DLLs' export tables. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winapi-shim/loader/builtin.h"

const struct win_dll *const win_builtin_dlls[] = {
	&win_dll_advapi32,
	&win_dll_bcrypt,
	&win_dll_kernel32,
	&win_dll_msvcrt,
	&win_dll_ntdll,
	&win_dll_shell32,
	&win_dll_shlwapi,
	&win_dll_ucrtbase,
	&win_dll_user32,
	&win_dll_winmm,
	&win_dll_ws2_32,
	NULL,
};

/* API sets (learn.microsoft.com: "Windows API sets"): virtual DLL names
 * that Windows' loader maps to the DLL implementing them.  Every
 * api-ms-win-crt-* contract is ucrtbase's; the api-ms-win-core-* ones and
 * kernelbase.dll are served by persona's kernel32. */
static const struct {
	const char *prefix;
	const struct win_dll *dll;
} api_sets[] = {
	{ "api-ms-win-crt-", &win_dll_ucrtbase },
	{ "api-ms-win-core-", &win_dll_kernel32 },
	{ "kernelbase.dll", &win_dll_kernel32 },
	{ "kernelbase", &win_dll_kernel32 },
};

static const struct win_dll *api_set(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof api_sets / sizeof api_sets[0]; i++) {
		size_t pn = strlen(api_sets[i].prefix);
		bool whole = api_sets[i].prefix[pn - 1] != '-';
		if (whole ? !strcasecmp(name, api_sets[i].prefix)
			  : n > pn && !strncasecmp(name, api_sets[i].prefix, pn))
			return api_sets[i].dll;
	}
	return NULL;
}

const struct win_dll *win_builtin_dll(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; win_builtin_dlls[i]; i++) {
		const char *b = win_builtin_dlls[i]->name;
		size_t bn = strlen(b);
		if (n == bn && !strcasecmp(name, b))
			return win_builtin_dlls[i];
		/* "kernel32" names "kernel32.dll" too */
		if (n + 4 == bn && !strncasecmp(name, b, n))
			return win_builtin_dlls[i];
	}
	return api_set(name);
}

static int cmp_export(const void *key, const void *elem)
{
	return strcmp(key, ((const struct win_export *)elem)->name);
}

void *win_builtin_export(const struct win_dll *dll, const char *name)
{
	const struct win_export *e = bsearch(name, dll->exports, dll->count, sizeof *e, cmp_export);
	return e ? e->addr : NULL;
}
