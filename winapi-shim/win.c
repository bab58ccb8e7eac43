/* persona winapi-shim: win_run, the Windows process's life from load to
 * exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winapi-shim/entry/call.h"
#include "winapi-shim/kuser.h"
#include "winapi-shim/loader/pe.h"
#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/ntdll/ntdll.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"
#include "winapi-shim/unicode.h"
#include "winapi-shim/win.h"

struct win_process win_proc;
static struct pe_module main_image;

#define MIN_STACK (1u << 20)
#define MAX_STACK (256u << 20)

/* The inverse of CommandLineToArgvW: quote arguments with blanks or
 * quotes; backslashes are literal unless they precede a quote. */
char *win_quote_cmdline(int argc, char **argv)
{
	size_t cap = 1;
	for (int i = 0; i < argc; i++)
		cap += 2 * strlen(argv[i]) + 3;
	char *s = malloc(cap), *o = s;
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (i)
			*o++ = ' ';
		if (*a && !strpbrk(a, " \t\n\v\"")) {
			o = stpcpy(o, a);
			continue;
		}
		*o++ = '"';
		for (;;) {
			size_t bs = 0;
			while (*a == '\\')
				a++, bs++;
			if (!*a) {
				for (size_t k = 0; k < 2 * bs; k++)
					*o++ = '\\';
				break;
			}
			if (*a == '"') {
				for (size_t k = 0; k < 2 * bs + 1; k++)
					*o++ = '\\';
			} else {
				for (size_t k = 0; k < bs; k++)
					*o++ = '\\';
			}
			*o++ = *a++;
		}
		*o++ = '"';
	}
	*o = 0;
	return s;
}

static char *empty_env[] = { NULL };

typedef BOOL(WINAPI *win_dllmain)(void *module, DWORD reason, void *reserved);

/* The program's stack top while win_run attaches the DLLs it imports
 * (their DllMain runs there, as on Windows); NULL afterwards, when
 * LoadLibrary attaches on the program's stack already. */
static void *attach_stack;

int win_dlls_attach(struct perr *err)
{
	/* a DllMain may walk the module lists */
	if (win_ldr_sync() < 0)
		return perr_set(err, ENOMEM, "cannot build the PEB's module lists");
	for (unsigned i = 0; i < pe_dll_count(); i++) {
		struct pe_module *m = pe_dll_at(i);
		if (m->attached)
			continue;
		m->attached = true;
		if (win_tls_attach(m, err) < 0)
			return perr_prefix(err, "%s", m->name);
		win_tls_callbacks_on(m, DLL_PROCESS_ATTACH, attach_stack);
		BOOL ok = TRUE;
		if (m->entry && attach_stack)
			ok = win_call_dllmain(m->entry, m->base, DLL_PROCESS_ATTACH, NULL, attach_stack);
		else if (m->entry)
			ok = ((win_dllmain)m->entry)(m->base, DLL_PROCESS_ATTACH, NULL);
		if (!ok) {
			perr_set(err, 0, "%s: DllMain(DLL_PROCESS_ATTACH) failed", m->name);
			err->status = 126;
			return -1;
		}
	}
	if (win_ldr_sync() < 0)
		return perr_set(err, ENOMEM, "cannot build the PEB's module lists");
	return 0;
}

void win_dlls_detach(void)
{
	static bool done;
	unsigned n = pe_dll_count();

	if (done)
		return;
	done = true;
	/* the exiting thread's FLS callbacks run first, as on Windows (wine64
	 * agrees): they usually live in the DLLs about to be detached */
	win_fls_thread_exit();
	for (unsigned k = 0; k < n; k++) {
		struct pe_module *m = pe_dll_at(n - 1 - k);
		if (!m->attached)
			continue;
		win_tls_callbacks(m, DLL_PROCESS_DETACH);
		/* lpReserved non-NULL: the process is ending */
		if (m->entry)
			((win_dllmain)m->entry)(m->base, DLL_PROCESS_DETACH, (void *)1);
	}
}

void win_dlls_notify(DWORD reason)
{
	unsigned n = pe_dll_count();
	for (unsigned k = 0; k < n; k++) {
		struct pe_module *m = pe_dll_at(reason == DLL_THREAD_DETACH ? n - 1 - k : k);
		if (!m->attached)
			continue;
		win_tls_callbacks(m, reason);
		if (m->entry)
			((win_dllmain)m->entry)(m->base, reason, NULL);
	}
}

int win_run(const char *path, int argc, char **argv, char **envp, struct perr *err)
{
	void *stack_top;

	pe_set_app_dir(path);
	if (pe_load_file(path, &main_image, err) < 0)
		return -1;
	win_proc.image = &main_image;
	pe_set_main(&main_image);
	win_proc.argc = argc;
	win_proc.argv = argv;
	win_proc.envp = envp ? envp : empty_env;
	win_proc.cmdline = win_quote_cmdline(argc, argv);
	if (!win_proc.cmdline || !(win_proc.cmdline_w = win_utf16_dup(win_proc.cmdline)))
		return perr_set(err, ENOMEM, "%s", path);

	uint64_t stack = main_image.oh.SizeOfStackReserve;
	if (stack < MIN_STACK)
		stack = MIN_STACK;
	if (stack > MAX_STACK)
		stack = MAX_STACK;
	/* the image path Windows shows: full, as a Windows path */
	char *real = realpath(path, NULL);
	win_proc.image_path = win_windows_path(real ? real : path);
	free(real);
	if (!win_proc.image_path)
		return perr_set(err, ENOMEM, "%s", path);
	if (win_teb_init(main_image.base, win_proc.image_path, win_proc.cmdline, stack, &stack_top, err) < 0 ||
	    win_tls_attach(&main_image, err) < 0)
		return perr_prefix(err, "%s", path);

	NtCurrentTeb()->ProcessEnvironmentBlock->ProcessHeap = GetProcessHeap();
	/* Go's runtime reads the time from KUSER_SHARED_DATA; its programs
	 * begin their first section with their build ID */
	if (main_image.nsections && main_image.sections[0].SizeOfRawData >= 16 &&
	    !memcmp(main_image.base + main_image.sections[0].VirtualAddress, "\xff Go build ID: ", 15) &&
	    win_kuser_start() < 0)
		return perr_set(err, errno, "%s: cannot map KUSER_SHARED_DATA", path);

	if (win_install_fault_handlers() < 0)
		return perr_set(err, errno, "%s: sigaction", path);
	if (win_altstack_attach() < 0)
		return perr_set(err, errno, "%s: sigaltstack", path);
	/* msvcrt's __iob_func entries must exist before any CRT code runs */
	msvcrt_host_file(NULL);
	attach_stack = stack_top;
	int attached = win_dlls_attach(err);
	attach_stack = NULL;
	if (attached < 0)
		return perr_prefix(err, "%s", path);
	win_tls_callbacks_on(&main_image, DLL_PROCESS_ATTACH, stack_top);
	win_call_entry(main_image.entry, stack_top);
}
