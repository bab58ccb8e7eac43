/* persona winapi-shim: lookup in the builtin DLLs' export tables. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winapi-shim/loader/builtin.h"

const struct win_dll *const win_builtin_dlls[] = {
	&win_dll_kernel32,
	&win_dll_msvcrt,
	&win_dll_ntdll,
	&win_dll_shell32,
	NULL,
};

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
	return NULL;
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
