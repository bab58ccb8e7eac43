/* persona winapi-shim: the state of the one Windows process this Linux
 * process runs (private to winapi-shim). */
#ifndef PERSONA_WINAPI_PROCESS_H
#define PERSONA_WINAPI_PROCESS_H

#include "winapi-shim/loader/pe.h"
#include "winapi-shim/wintypes.h"

struct win_process {
	struct pe_module *image;  /* the executable */
	int argc;
	char **argv;              /* UTF-8, as given to win_run */
	char **envp;              /* the environment block msvcrt and kernel32 read */
	char *cmdline;            /* argv joined with Windows quoting, UTF-8 */
	char *image_path;         /* the executable's full path as a Windows path, UTF-8 */
	WCHAR *cmdline_w;
};

extern struct win_process win_proc;

/* Initialise the loaded real DLLs not yet attached, in load order
 * (dependencies first): static TLS, TLS callbacks and
 * DllMain(DLL_PROCESS_ATTACH).  -1 with `err` when a DllMain fails. */
int win_dlls_attach(struct perr *err);

/* Tell every attached DLL (TLS callbacks, then DllMain) of a thread's
 * start or end (DLL_THREAD_ATTACH / DLL_THREAD_DETACH), in load order for
 * attach and in reverse for detach. */
void win_dlls_notify(DWORD reason);

/* ExitProcess and exit(): the exiting thread's FLS callbacks, then
 * DLL_PROCESS_DETACH to every attached DLL, in reverse load order (TLS
 * callbacks, then DllMain with lpReserved non-NULL); once. */
void win_dlls_detach(void);

/* End the process: flush stdio, run none of the host's atexit handlers,
 * _exit(code).  Never returns, but is not declared noreturn: sanitizers
 * instrument calls to noreturn functions, and the caller runs on the
 * program's stack; write __builtin_unreachable() after the call. */
void win_exit_process(unsigned code);

/* Quote argv into one command line by the rules CommandLineToArgvW parses
 * (learn.microsoft.com: "Parsing C++ command-line arguments").  malloc'd. */
char *win_quote_cmdline(int argc, char **argv);

#endif

/* File HANDLEs are Linux descriptors in disguise: (fd + 1) * 4, so NULL
 * and INVALID_HANDLE_VALUE are never valid handles.  -1 when `h` is not
 * such a handle. */
static inline HANDLE win_handle_from_fd(int fd)
{
	return (HANDLE)(uintptr_t)(((unsigned)fd + 1) * 4);
}

static inline int win_fd_from_handle(HANDLE h)
{
	uintptr_t v = (uintptr_t)h;
	if (v < 4 || v % 4 || v > (1u << 30))
		return -1;
	return (int)(v / 4 - 1);
}
