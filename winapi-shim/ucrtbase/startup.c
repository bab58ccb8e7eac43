/* persona winapi-shim: ucrtbase start-up and exit (learn.microsoft.com:
 * "_configure_narrow_argv", "_initialize_narrow_environment",
 * "__p___argc, __p___argv, __p___wargv", "_get_initial_narrow_environment",
 * "_set_app_type", "_crt_atexit", "_initialize_onexit_table,
 * _register_onexit_function, _execute_onexit_table", "_set_new_mode",
 * "_set_invalid_parameter_handler", "quick_exit").  The narrow variables
 * and wide variables are msvcrt's, so the functions both DLLs share
 * (getenv, exit, __p___wargv...) see the same ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/process.h"
#include "winapi-shim/ucrtbase/ucrtbase.h"
#include "winapi-shim/unicode.h"

static int new_mode, app_type;

/* _crt_argv_mode: 0 none, 1 unexpanded, 2 expanded (wildcards, which
 * persona does not expand: the Linux shell did).  0 on success. */
int CDECL ucrtbase__configure_narrow_argv(int mode)
{
	if (mode < 0 || mode > 2) {
		errno = EINVAL;
		return EINVAL;
	}
	msvcrt___argc = win_proc.argc;
	msvcrt___argv = win_proc.argv;
	msvcrt__acmdln = win_proc.cmdline;
	return 0;
}

int CDECL ucrtbase__configure_wide_argv(int mode)
{
	if (mode < 0 || mode > 2) {
		errno = EINVAL;
		return EINVAL;
	}
	if (msvcrt_init_wide() < 0)
		return ENOMEM;
	msvcrt___argc = win_proc.argc;
	return 0;
}

int CDECL ucrtbase__initialize_narrow_environment(void)
{
	msvcrt__environ = msvcrt___initenv = win_proc.envp;
	return 0;
}

int CDECL ucrtbase__initialize_wide_environment(void)
{
	return msvcrt_init_wide();
}

char **CDECL ucrtbase__get_initial_narrow_environment(void)
{
	return win_proc.envp;
}

WCHAR **CDECL ucrtbase__get_initial_wide_environment(void)
{
	msvcrt_init_wide();
	return msvcrt___winitenv;
}

char **CDECL ucrtbase___p__acmdln(void)
{
	if (!msvcrt__acmdln)
		msvcrt__acmdln = win_proc.cmdline;
	return &msvcrt__acmdln;
}

/* _crt_app_type: console or GUI; nothing depends on it here. */
void CDECL ucrtbase__set_app_type(int type)
{
	app_type = type;
}

int CDECL ucrtbase__get_fmode(int *mode)
{
	if (!mode)
		return EINVAL;
	*mode = msvcrt__fmode;
	return 0;
}

int CDECL ucrtbase__set_fmode(int mode)
{
	msvcrt__fmode = mode;
	return 0;
}

/* _crt_atexit: the process's atexit table (msvcrt's _onexit table: exit
 * runs it, last registered first).  0, or -1 when out of memory. */
int CDECL ucrtbase__crt_atexit(_PVFV fn)
{
	return msvcrt__onexit((msvcrt_onexit_t)fn) ? 0 : -1;
}

/* at_quick_exit handlers: run by quick_exit only, last first. */
#define MAX_QUICK_EXIT 32
static _PVFV quick_exit_fns[MAX_QUICK_EXIT];
static int nquick_exit;

int CDECL ucrtbase__crt_at_quick_exit(_PVFV fn)
{
	if (nquick_exit >= MAX_QUICK_EXIT)
		return -1;
	quick_exit_fns[nquick_exit++] = fn;
	return 0;
}

void CDECL ucrtbase_quick_exit(int code)
{
	while (nquick_exit > 0)
		quick_exit_fns[--nquick_exit]();
	win_exit_process((unsigned)code);
	__builtin_unreachable();
}

/* A module's own onexit table (DLLs built against the UCRT keep one). */
int CDECL ucrtbase__initialize_onexit_table(_onexit_table_t *t)
{
	if (!t)
		return -1;
	t->_first = t->_last = t->_end = NULL;
	return 0;
}

int CDECL ucrtbase__register_onexit_function(_onexit_table_t *t, _PVFV fn)
{
	if (!t)
		return -1;
	if (t->_last == t->_end) {
		size_t n = (size_t)(t->_last - t->_first), cap = n ? 2 * n : 16;
		_PVFV *p = realloc(t->_first, cap * sizeof *p);
		if (!p)
			return -1;
		t->_first = p;
		t->_last = p + n;
		t->_end = p + cap;
	}
	*t->_last++ = fn;
	return 0;
}

int CDECL ucrtbase__execute_onexit_table(_onexit_table_t *t)
{
	if (!t)
		return -1;
	_PVFV *first = t->_first, *last = t->_last;
	t->_first = t->_last = t->_end = NULL;
	while (last > first)
		if (*--last)
			(*last)();
	free(first);
	return 0;
}

/* _set_new_mode: whether malloc calls the new handler; returns the old. */
int CDECL ucrtbase__set_new_mode(int mode)
{
	int old = new_mode;
	new_mode = mode;
	return old;
}

int CDECL ucrtbase__query_new_mode(void)
{
	return new_mode;
}
