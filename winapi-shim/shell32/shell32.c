/* persona winapi-shim: shell32.dll (learn.microsoft.com:
 * CommandLineToArgvW).  Only the command-line parser so far. */
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/shell32/shell32.h"
#include "winapi-shim/unicode.h"

static int is_blank(WCHAR c)
{
	return c == ' ' || c == '\t';
}

/* Split `s` into `argv`; with `out` NULL only counts arguments and UTF-16
 * units (each argument's terminating NUL included).  The rules:
 * - argv[0], the program's path, runs to the next quote when it starts
 *   with one, else to the next space or tab, backslashes and quotes taken
 *   literally;
 * - other arguments are separated by spaces and tabs outside quotes;
 * - 2n backslashes and a quote give n backslashes and open or close a
 *   quoted part; 2n+1 backslashes and a quote give n backslashes and a
 *   literal quote; backslashes before anything else are literal;
 * - after a quote, each further quote counts on: the third in a row gives
 *   a literal quote (so `""` inside a quoted part is a literal quote that
 *   also ends it, `"""` outside gives one), as Windows' shell32 does. */
static void split(LPCWSTR s, int *argc, size_t *units, WCHAR **argv, WCHAR *out)
{
	WCHAR *d = out;
	int n = 0;
	size_t u = 0;

#define PUT(c) do { WCHAR c_ = (c); if (d) *d++ = c_; u++; } while (0)
#define BEGIN() do { if (argv) argv[n] = d; n++; } while (0)
#define END() PUT(0)
	BEGIN();
	if (*s == '"') {
		s++;
		while (*s && *s != '"')
			PUT(*s++);
		if (*s)
			s++;
	} else {
		while (*s && !is_blank(*s))
			PUT(*s++);
	}
	END();
	while (is_blank(*s))
		s++;
	if (!*s)
		goto done;
	BEGIN();
	unsigned qcount = 0, bcount = 0;
	while (*s) {
		if (is_blank(*s) && qcount == 0) {
			END();
			while (is_blank(*s))
				s++;
			if (*s)
				BEGIN();
			bcount = 0;
			continue;
		}
		if (*s == '\\') {
			PUT(*s++);
			bcount++;
			continue;
		}
		if (*s != '"') {
			PUT(*s++);
			bcount = 0;
			continue;
		}
		/* a quote after bcount backslashes: keep half of them */
		if (d)
			d -= bcount - bcount / 2;
		u -= bcount - bcount / 2;
		if (bcount & 1)
			PUT('"');
		else
			qcount++;
		s++;
		bcount = 0;
		while (*s == '"') {
			if (++qcount == 3) {
				PUT('"');
				qcount = 0;
			}
			s++;
		}
		if (qcount == 2)
			qcount = 0;
	}
	END();
done:
	*argc = n;
	*units = u;
#undef PUT
#undef BEGIN
#undef END
}

LPWSTR *WINAPI CommandLineToArgvW(LPCWSTR cmdline, int *numargs)
{
	WCHAR path[4096];
	int argc;
	size_t units;

	if (!numargs) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (!cmdline || !*cmdline) {
		/* the program's own path, in one argument */
		char p[4096];
		DWORD len = GetModuleFileNameA(NULL, p, sizeof p);
		size_t cap = sizeof path / sizeof path[0] - 3;
		size_t w = win_utf8_to_utf16(p, len < sizeof p ? len : 0, path + 1, cap);
		if (w > cap)
			w = cap;
		path[0] = '"';
		path[w + 1] = '"';
		path[w + 2] = 0;
		cmdline = path;
	}
	split(cmdline, &argc, &units, NULL, NULL);
	/* one block, freed by LocalFree: the pointers (and a NULL), then the
	 * strings */
	size_t head = (size_t)(argc + 1) * sizeof(WCHAR *);
	LPWSTR *argv = malloc(head + units * sizeof(WCHAR));
	if (!argv) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	split(cmdline, &argc, &units, argv, (WCHAR *)((char *)argv + head));
	argv[argc] = NULL;
	*numargs = argc;
	return argv;
}

/* sorted by strcmp */
static const struct win_export shell32_exports[] = {
	WIN_EXPORT(CommandLineToArgvW),
};

const struct win_dll win_dll_shell32 = { "shell32.dll", WIN_EXPORTS(shell32_exports) };
