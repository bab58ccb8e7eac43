/* persona winapi-shim: TEB and PEB set-up, static TLS. */
#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "winapi-shim/entry/call.h"
#include "winapi-shim/loader/pe.h"
#include "winapi-shim/ntdll/ntdll.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"
#include "winapi-shim/unicode.h"

static PEB *the_peb;
static RTL_USER_PROCESS_PARAMETERS the_params;

static int set_ustr(UNICODE_STRING *u, const char *s)
{
	WCHAR *w = win_utf16_dup(s);
	if (!w)
		return -1;
	size_t n = win_wcslen(w);
	if (n > 32766)
		n = 32766;  /* UNICODE_STRING lengths are 16-bit byte counts */
	w[n] = 0;
	u->Buffer = w;
	u->Length = (WORD)(n * 2);
	u->MaximumLength = (WORD)(n * 2 + 2);
	return 0;
}

PEB *win_peb(void)
{
	return the_peb;
}

int win_teb_init(void *image_base, const char *image_path, const char *cmdline, size_t stack_size,
		 void **stack_top, struct perr *err)
{
	size_t teb_size = WIN_TEB_MAPPING_SIZE;
	size_t peb_size = (sizeof(PEB) + 4095) & ~(size_t)4095;
	void *mem = mmap(NULL, teb_size + peb_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return perr_set(err, errno, "cannot allocate the TEB and PEB");
	TEB *teb = mem;
	PEB *peb = (PEB *)((char *)mem + teb_size);

	/* a guard page below the stack catches overflows as SIGSEGV */
	stack_size = (stack_size + 4095) & ~(size_t)4095;
	char *stk = mmap(NULL, stack_size + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	if (stk == MAP_FAILED)
		return perr_set(err, errno, "cannot allocate a stack of %zu bytes", stack_size);
	mprotect(stk, 4096, PROT_NONE);

	if (set_ustr(&the_params.CommandLine, cmdline) < 0 || set_ustr(&the_params.ImagePathName, image_path) < 0)
		return perr_set(err, ENOMEM, "cannot build the process parameters");
	the_params.MaximumLength = the_params.Length = sizeof the_params;
	the_params.StandardInput = win_handle_from_fd(0);
	the_params.StandardOutput = win_handle_from_fd(1);
	the_params.StandardError = win_handle_from_fd(2);

	peb->ImageBaseAddress = image_base;
	peb->ProcessParameters = &the_params;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	peb->NumberOfProcessors = ncpu > 0 ? (ULONG)ncpu : 1;
	peb->OSMajorVersion = 10;
	peb->OSMinorVersion = 0;
	peb->OSBuildNumber = 19045;
	peb->OSPlatformId = 2; /* VER_PLATFORM_WIN32_NT */
	the_peb = peb;

	teb->NtTib.StackBase = stk + 4096 + stack_size;
	teb->NtTib.StackLimit = stk + 4096;
	teb->NtTib.Self = &teb->NtTib;
	teb->ProcessEnvironmentBlock = peb;
	teb->ClientIdUniqueProcess = (HANDLE)(uintptr_t)getpid();
	teb->ClientIdUniqueThread = (HANDLE)(uintptr_t)syscall(SYS_gettid);
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)teb) < 0)
		return perr_set(err, errno, "arch_prctl(ARCH_SET_GS)");
	*stack_top = teb->NtTib.StackBase;
	return 0;
}

int win_tls_attach(const struct pe_module *mod, struct perr *err)
{
	TEB *teb = NtCurrentTeb();

	if (!mod->has_tls)
		return 0;
	if (mod->tls_index >= TLS_MINIMUM_AVAILABLE)
		return perr_set(err, 0, "more than %d modules with thread-local storage", TLS_MINIMUM_AVAILABLE);
	const IMAGE_TLS_DIRECTORY64 *t = &mod->tls;
	size_t tmpl = t->EndAddressOfRawData - t->StartAddressOfRawData;
	void **slots = teb->ThreadLocalStoragePointer;
	if (!slots && !(slots = teb->ThreadLocalStoragePointer = calloc(TLS_MINIMUM_AVAILABLE, sizeof *slots)))
		return perr_set(err, ENOMEM, "cannot allocate thread-local storage");
	char *block = calloc(1, tmpl + t->SizeOfZeroFill + 16);
	if (!block)
		return perr_set(err, ENOMEM, "cannot allocate thread-local storage");
	if (tmpl)
		memcpy(block, (const void *)(uintptr_t)t->StartAddressOfRawData, tmpl);
	/* the executable's index is 0, each DLL with TLS has its own */
	if (t->AddressOfIndex) {
		DWORD idx = mod->tls_index;
		memcpy((void *)(uintptr_t)t->AddressOfIndex, &idx, sizeof idx);
	}
	free(slots[mod->tls_index]);
	slots[mod->tls_index] = block;
	return 0;
}

typedef void(WINAPI *PIMAGE_TLS_CALLBACK)(void *DllHandle, DWORD Reason, void *Reserved);

void win_tls_callbacks_on(const struct pe_module *mod, DWORD reason, void *stack_top)
{
	if (!mod->has_tls || !mod->tls.AddressOfCallBacks)
		return;
	/* checked by pe_load: the array and each callback lie in the image */
	const uint64_t *cb = (const uint64_t *)(uintptr_t)mod->tls.AddressOfCallBacks;
	for (; *cb; cb++) {
		if (stack_top)
			win_call_dllmain((void *)(uintptr_t)*cb, mod->base, reason, NULL, stack_top);
		else
			((PIMAGE_TLS_CALLBACK)(uintptr_t)*cb)(mod->base, reason, NULL);
	}
}

void win_tls_callbacks(const struct pe_module *mod, DWORD reason)
{
	win_tls_callbacks_on(mod, reason, NULL);
}

int win_thread_attach(struct perr *err)
{
	size_t teb_size = WIN_TEB_MAPPING_SIZE;
	TEB *teb = mmap(NULL, teb_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_attr_t pa;
	void *stk = NULL;
	size_t stksize = 0;

	if (teb == MAP_FAILED)
		return perr_set(err, errno, "cannot allocate a TEB");
	if (pthread_getattr_np(pthread_self(), &pa) == 0) {
		pthread_attr_getstack(&pa, &stk, &stksize);
		pthread_attr_destroy(&pa);
	}
	teb->NtTib.StackBase = (char *)stk + stksize;
	teb->NtTib.StackLimit = stk;
	teb->NtTib.Self = &teb->NtTib;
	teb->ProcessEnvironmentBlock = the_peb;
	teb->ClientIdUniqueProcess = (HANDLE)(uintptr_t)getpid();
	teb->ClientIdUniqueThread = (HANDLE)(uintptr_t)syscall(SYS_gettid);
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)teb) < 0) {
		munmap(teb, teb_size);
		return perr_set(err, errno, "arch_prctl(ARCH_SET_GS)");
	}
	if (win_altstack_attach() < 0)
		return perr_set(err, errno, "sigaltstack");
	if (win_proc.image && win_tls_attach(win_proc.image, err) < 0)
		return -1;
	for (unsigned i = 0; i < pe_dll_count(); i++)
		if (pe_dll_at(i)->attached && win_tls_attach(pe_dll_at(i), err) < 0)
			return -1;
	win_dlls_notify(DLL_THREAD_ATTACH);
	if (win_proc.image)
		win_tls_callbacks(win_proc.image, DLL_THREAD_ATTACH);
	return 0;
}

void win_thread_detach(void)
{
	TEB *teb = NtCurrentTeb();

	if (win_proc.image)
		win_tls_callbacks(win_proc.image, DLL_THREAD_DETACH);
	win_dlls_notify(DLL_THREAD_DETACH);
	if (teb->ThreadLocalStoragePointer) {
		for (unsigned i = 0; i < TLS_MINIMUM_AVAILABLE; i++)
			free(teb->ThreadLocalStoragePointer[i]);
		free(teb->ThreadLocalStoragePointer);
	}
	win_altstack_detach();
	syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
	munmap(teb, WIN_TEB_MAPPING_SIZE);
}
