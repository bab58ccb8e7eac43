/* persona winapi-shim: kernel32's environment block (learn.microsoft.com:
 * GetEnvironmentStringsW, FreeEnvironmentStringsW,
 * GetEnvironmentVariableW, SetEnvironmentVariableW).  The block is the
 * program's environment (win_proc.envp, UTF-8 "NAME=value" strings);
 * names compare without case.  SetEnvironmentVariable replaces the
 * vector with a copy of its own, which msvcrt's getenv reads too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"


static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;

/* "A=1\0B=2\0\0": malloc'd, UTF-8. */
static char *block_utf8(size_t *len)
{
	size_t n = 1;
	pthread_mutex_lock(&env_mu);
	for (char **e = win_proc.envp; e && *e; e++)
		n += strlen(*e) + 1;
	char *b = malloc(n + 1), *o = b;
	if (b) {
		for (char **e = win_proc.envp; e && *e; e++)
			o = stpcpy(o, *e) + 1;
		*o = 0;
	}
	pthread_mutex_unlock(&env_mu);
	*len = n;
	return b;
}

LPSTR WINAPI GetEnvironmentStringsA(void)
{
	size_t n;
	char *b = block_utf8(&n);
	if (!b)
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	return b;
}

LPWSTR WINAPI GetEnvironmentStringsW(void)
{
	size_t n;
	char *b = block_utf8(&n);
	WCHAR *w = b ? malloc((win_utf8_to_utf16(b, n, NULL, 0) + 1) * sizeof *w) : NULL;
	if (!w) {
		free(b);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	/* the NULs inside convert as themselves */
	win_utf8_to_utf16(b, n, w, win_utf8_to_utf16(b, n, NULL, 0));
	free(b);
	return w;
}

BOOL WINAPI FreeEnvironmentStringsA(LPSTR block)
{
	free(block);
	return TRUE;
}

BOOL WINAPI FreeEnvironmentStringsW(LPWSTR block)
{
	free(block);
	return TRUE;
}

DWORD WINAPI GetEnvironmentVariableW(LPCWSTR name, LPWSTR buf, DWORD size)
{
	char *u = name ? win_utf8_dup(name) : NULL;
	if (!u) {
		SetLastError(name ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER);
		return 0;
	}
	size_t nl = strlen(u);
	DWORD r = 0;
	bool found = false;
	pthread_mutex_lock(&env_mu);
	for (char **e = win_proc.envp; e && *e; e++) {
		if (strncasecmp(*e, u, nl) || (*e)[nl] != '=')
			continue;
		const char *v = *e + nl + 1;
		size_t vl = strlen(v), units = win_utf8_to_utf16(v, vl, NULL, 0);
		found = true;
		if (units >= size || !buf) {
			r = (DWORD)units + 1; /* the size needed, with the NUL */
		} else {
			win_utf8_to_utf16(v, vl, buf, units);
			buf[units] = 0;
			r = (DWORD)units;
		}
		break;
	}
	pthread_mutex_unlock(&env_mu);
	free(u);
	if (!found)
		SetLastError(ERROR_ENVVAR_NOT_FOUND);
	return r;
}

/* Set (value non-NULL) or remove NAME in a copy of the vector that
 * replaces win_proc.envp (the old strings stay: getenv's results stay
 * valid). */
BOOL WINAPI SetEnvironmentVariableA(LPCSTR name, LPCSTR value)
{
	if (!name || !name[0] || strchr(name, '=')) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	size_t nl = strlen(name), n = 0;
	char *entry = NULL;
	if (value) {
		entry = malloc(nl + strlen(value) + 2);
		if (!entry) {
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return FALSE;
		}
		stpcpy(stpcpy(stpcpy(entry, name), "="), value);
	}
	pthread_mutex_lock(&env_mu);
	while (win_proc.envp && win_proc.envp[n])
		n++;
	char **v = malloc((n + 2) * sizeof *v);
	if (!v) {
		pthread_mutex_unlock(&env_mu);
		free(entry);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	size_t k = 0;
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		char *e = win_proc.envp[i];
		if (!strncasecmp(e, name, nl) && e[nl] == '=') {
			found = true;
			if (entry)
				v[k++] = entry;
			continue;
		}
		v[k++] = e;
	}
	if (!found && entry)
		v[k++] = entry;
	v[k] = NULL;
	win_proc.envp = v; /* the old vector may be in use: it is not freed */
	pthread_mutex_unlock(&env_mu);
	if (!found && !value) {
		SetLastError(ERROR_ENVVAR_NOT_FOUND);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI SetEnvironmentVariableW(LPCWSTR name, LPCWSTR value)
{
	char *n = name ? win_utf8_dup(name) : NULL, *v = value ? win_utf8_dup(value) : NULL;
	BOOL r = FALSE;
	if ((name && !n) || (value && !v))
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	else
		r = SetEnvironmentVariableA(n, v);
	free(n);
	free(v);
	return r;
}
