/* persona winapi-shim: msvcrt's command interpreter functions
 * (learn.microsoft.com: "system, _wsystem", "_popen, _wpopen",
 * "_pclose").  Windows hands the command to cmd.exe /c; persona hands it
 * to /bin/sh -c, so a command written for cmd.exe's own syntax or
 * built-ins (dir, cls, pause) does not run.  The exit status is the
 * command's (the shell's), as _cwait reports it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

/* system(NULL): is there a command interpreter (nonzero)? */
int CDECL msvcrt_system(const char *cmd)
{
	fflush(NULL);
	int st = system(cmd);
	if (!cmd)
		return st;
	if (st < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int CDECL msvcrt__wsystem(const WCHAR *cmd)
{
	if (!cmd)
		return msvcrt_system(NULL);
	char *u = win_utf8_dup(cmd);
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	int r = msvcrt_system(u);
	free(u);
	return r;
}

/* "r" or "w", and "t"/"b", which glibc has no use for. */
MS_FILE *CDECL msvcrt__popen(const char *cmd, const char *mode)
{
	char m[3] = { 0 };
	if (!cmd || !mode || (mode[0] != 'r' && mode[0] != 'w')) {
		errno = EINVAL;
		return NULL;
	}
	m[0] = mode[0];
	fflush(NULL);
	return msvcrt_wrap(popen(cmd, m));
}

MS_FILE *CDECL msvcrt__wpopen(const WCHAR *cmd, const WCHAR *mode)
{
	char *c = cmd ? win_utf8_dup(cmd) : NULL, *m = mode ? win_utf8_dup(mode) : NULL;
	MS_FILE *f = c && m ? msvcrt__popen(c, m) : NULL;
	if ((cmd && !c) || (mode && !m))
		errno = ENOMEM;
	free(c);
	free(m);
	return f;
}

int CDECL msvcrt__pclose(MS_FILE *f)
{
	FILE *hf = msvcrt_host_file(f);
	MS_FILE *iob = msvcrt___iob_func();
	if (!hf || (f >= iob && f < iob + _IOB_ENTRIES)) {
		errno = EINVAL;
		return -1;
	}
	int st = pclose(hf);
	f->_charbuf = 0;
	free(f); /* the struct ms_file_ex that msvcrt_wrap made */
	if (st < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
