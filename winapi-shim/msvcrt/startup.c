/* persona winapi-shim: msvcrt start-up and exit (learn.microsoft.com:
 * __getmainargs, _initterm, _onexit, exit, _cexit, _amsg_exit,
 * __set_app_type, _lock) and its exported variables (_fmode, _commode,
 * _acmdln, __initenv: data imports). */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

int msvcrt__fmode;
int msvcrt__commode;
char *msvcrt__acmdln;
char **msvcrt___initenv;
int msvcrt___argc;
char **msvcrt___argv;
char **msvcrt__environ;

typedef struct {
	int newmode;
} _startupinfo;

/* The wide start-up variables: UTF-16 copies of argv, the environment
 * and the command line, made once. */
WCHAR **msvcrt___wargv;
WCHAR **msvcrt___winitenv;
WCHAR **msvcrt__wenviron;
WCHAR *msvcrt__wcmdln;

static WCHAR **utf16_vector(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	WCHAR **w = calloc(n + 1, sizeof *w);
	if (!w)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(w[i] = win_utf16_dup(v[i])))
			return NULL;
	return w;
}

int msvcrt_init_wide(void)
{
	if (!msvcrt___wargv && !(msvcrt___wargv = utf16_vector(win_proc.argv)))
		return -1;
	if (!msvcrt___winitenv && !(msvcrt___winitenv = msvcrt__wenviron = utf16_vector(win_proc.envp)))
		return -1;
	msvcrt__wcmdln = win_proc.cmdline_w;
	return 0;
}

/* learn.microsoft.com: "__getmainargs, __wgetmainargs".  -1 when out of
 * memory. */
int CDECL msvcrt___wgetmainargs(int *argc, WCHAR ***argv, WCHAR ***envp, int wildcard, _startupinfo *si)
{
	if (msvcrt_init_wide() < 0)
		return -1;
	*argc = msvcrt___argc = win_proc.argc;
	*argv = msvcrt___wargv;
	*envp = msvcrt___winitenv;
	return 0;
}

WCHAR ***CDECL msvcrt___p___wargv(void)
{
	return &msvcrt___wargv;
}

WCHAR ***CDECL msvcrt___p__wenviron(void)
{
	return &msvcrt__wenviron;
}

WCHAR **CDECL msvcrt___p__wcmdln(void)
{
	msvcrt__wcmdln = win_proc.cmdline_w;
	return &msvcrt__wcmdln;
}

int CDECL msvcrt___getmainargs(int *argc, char ***argv, char ***envp, int wildcard, _startupinfo *si)
{
	*argc = msvcrt___argc = win_proc.argc;
	*argv = msvcrt___argv = win_proc.argv;
	*envp = msvcrt___initenv = msvcrt__environ = win_proc.envp;
	msvcrt__acmdln = win_proc.cmdline;
	return 0;
}

void CDECL msvcrt___set_app_type(int type)
{
}

void CDECL msvcrt___setusermatherr(void *handler)
{
}

int *CDECL msvcrt___p__fmode(void)
{
	return &msvcrt__fmode;
}

int *CDECL msvcrt___p__commode(void)
{
	return &msvcrt__commode;
}

char **CDECL msvcrt___p__acmdln(void)
{
	return &msvcrt__acmdln;
}

int *CDECL msvcrt___p___argc(void)
{
	return &msvcrt___argc;
}

char ***CDECL msvcrt___p___argv(void)
{
	return &msvcrt___argv;
}

char ***CDECL msvcrt___p__environ(void)
{
	return &msvcrt__environ;
}

typedef void(CDECL *_PVFV)(void);
typedef int(CDECL *_PIFV)(void);
typedef int(CDECL *_onexit_t)(void);

void CDECL msvcrt__initterm(_PVFV *start, _PVFV *end)
{
	for (; start < end; start++)
		if (*start)
			(*start)();
}

int CDECL msvcrt__initterm_e(_PIFV *start, _PIFV *end)
{
	for (; start < end; start++)
		if (*start) {
			int r = (*start)();
			if (r)
				return r;
		}
	return 0;
}

/* The _onexit table.  Entries run last-registered first, once. */
static _onexit_t *onexit_tab;
static size_t onexit_n, onexit_cap;
static CRITICAL_SECTION onexit_lock = { 0 };

_onexit_t CDECL msvcrt__onexit(_onexit_t fn)
{
	EnterCriticalSection(&onexit_lock);
	if (onexit_n == onexit_cap) {
		size_t cap = onexit_cap ? onexit_cap * 2 : 32;
		_onexit_t *t = realloc(onexit_tab, cap * sizeof *t);
		if (!t) {
			LeaveCriticalSection(&onexit_lock);
			return NULL;
		}
		onexit_tab = t;
		onexit_cap = cap;
	}
	onexit_tab[onexit_n++] = fn;
	LeaveCriticalSection(&onexit_lock);
	return fn;
}

int CDECL msvcrt_atexit(_PVFV fn)
{
	return msvcrt__onexit((_onexit_t)fn) ? 0 : -1;
}

void msvcrt_run_onexit(void)
{
	for (;;) {
		EnterCriticalSection(&onexit_lock);
		if (onexit_n == 0) {
			LeaveCriticalSection(&onexit_lock);
			return;
		}
		_onexit_t fn = onexit_tab[--onexit_n];
		LeaveCriticalSection(&onexit_lock);
		if (fn)
			fn();
	}
}

void CDECL msvcrt__cexit(void)
{
	msvcrt_run_onexit();
	fflush(NULL);
}

void CDECL msvcrt__c_exit(void)
{
	fflush(NULL);
}

__attribute__((noreturn)) void CDECL msvcrt_exit(int code)
{
	msvcrt_run_onexit();
	win_dlls_detach();
	win_exit_process((unsigned)code);
	__builtin_unreachable();
}

__attribute__((noreturn)) void CDECL msvcrt__exit(int code)
{
	win_exit_process((unsigned)code);
	__builtin_unreachable();
}

__attribute__((noreturn)) void CDECL msvcrt_abort(void)
{
	/* msvcrt prints this and ends with exit code 3 */
	fflush(stdout);
	fputs("\nThis application has requested the Runtime to terminate it in an unusual way.\n", stderr);
	win_exit_process(3);
	__builtin_unreachable();
}

__attribute__((noreturn)) void CDECL msvcrt__amsg_exit(int msg)
{
	fflush(stdout);
	fprintf(stderr, "runtime error R60%02d\n", msg);
	win_exit_process(255);
	__builtin_unreachable();
}

/* Handlers are kept but never called: persona does not yet turn Linux
 * signals into msvcrt ones.  SIG_DFL (0) is the previous handler. */
#define MS_NSIG 23
static void *sig_handlers[MS_NSIG];

void *CDECL msvcrt_signal(int sig, void *handler)
{
	if (sig < 0 || sig >= MS_NSIG) {
		errno = EINVAL;
		return (void *)(intptr_t)-1; /* SIG_ERR */
	}
	void *old = sig_handlers[sig];
	sig_handlers[sig] = handler;
	return old;
}

int CDECL msvcrt_raise(int sig)
{
	if (sig == 22 /* SIGABRT */ || sig == 2 /* SIGINT */) {
		win_exit_process(3);
		__builtin_unreachable();
	}
	return 0;
}

/* _lock/_unlock: msvcrt's internal locks, numbered; mingw-w64 takes
 * _STREAM_LOCKS (16) + n for the n-th __iob_func entry. */
#define MS_NLOCKS 64
static CRITICAL_SECTION locks[MS_NLOCKS];

void CDECL msvcrt__lock(int n)
{
	if (n >= 0 && n < MS_NLOCKS)
		EnterCriticalSection(&locks[n]);
}

void CDECL msvcrt__unlock(int n)
{
	if (n >= 0 && n < MS_NLOCKS)
		LeaveCriticalSection(&locks[n]);
}

/* EXCEPTION_DISPOSITION: structured exceptions are not dispatched yet,
 * so no frame handler is ever asked to handle one. */
int CDECL msvcrt___C_specific_handler(void *rec, void *frame, void *ctx, void *dispatch)
{
	return 1; /* ExceptionContinueSearch */
}

/* The locale's code page and its longest character: UTF-8 (65001), like
 * every code page persona has, so that mingw-w64's wcrtomb and mbrtowc
 * (which ask these two) convert as kernel32's WideCharToMultiByte does. */
unsigned CDECL msvcrt____lc_codepage_func(void)
{
	return 65001; /* CP_UTF8 */
}

int CDECL msvcrt____mb_cur_max_func(void)
{
	return 4;
}

int *CDECL msvcrt__errno(void)
{
	/* msvcrt's errno values 1..34 are the same as Linux's */
	return &errno;
}

/* msvcrt's struct lconv: ten char * then eight char, the same start as C's. */
struct ms_lconv {
	char *decimal_point, *thousands_sep, *grouping, *int_curr_symbol, *currency_symbol;
	char *mon_decimal_point, *mon_thousands_sep, *mon_grouping, *positive_sign, *negative_sign;
	char int_frac_digits, frac_digits, p_cs_precedes, p_sep_by_space, n_cs_precedes,
		n_sep_by_space, p_sign_posn, n_sign_posn;
	WCHAR *w[6];
};

static struct ms_lconv c_lconv = {
	".", "", "", "", "", "", "", "", "", "",
	127, 127, 127, 127, 127, 127, 127, 127,
	{ 0 },
};

struct ms_lconv *CDECL msvcrt_localeconv(void)
{
	return &c_lconv;
}

char *CDECL msvcrt_setlocale(int cat, const char *locale)
{
	static char c[] = "C";
	if (!locale || !strcmp(locale, "") || !strcmp(locale, "C"))
		return c;
	return NULL;
}

/* _beginthreadex: CreateThread with a __stdcall start (the same on x64). */
uintptr_t CDECL msvcrt__beginthreadex(void *security, unsigned stack, LPTHREAD_START_ROUTINE start, void *arg,
				      unsigned flags, unsigned *tid)
{
	DWORD id = 0;
	HANDLE h = CreateThread(security, stack, start, arg, flags, &id);
	if (!h) {
		errno = EAGAIN;
		return 0;
	}
	if (tid)
		*tid = id;
	return (uintptr_t)h;
}

void CDECL msvcrt__endthreadex(unsigned code)
{
	ExitThread(code);
}
