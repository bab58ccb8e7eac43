/* persona winapi-shim: ResolveDelayLoadedAPI (learn.microsoft.com:
 * "ResolveDelayLoadedAPI function (libloaderapi2.h)", "DELAYLOAD_INFO
 * structure"), which the delay-load helper of MSVC-built programs calls
 * on the first call of a delay-loaded function.  (mingw-w64's helper,
 * __delayLoadHelper2, does the same with LoadLibraryA and GetProcAddress.)
 * The DLL is loaded and attached like LoadLibraryA does, the function's
 * address written into the import address table slot and returned. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/pe.h"
#include "winapi-shim/ntdll/ntdll.h"

/* VcppException(ERROR_SEVERITY_ERROR, code): what delayimp raises */
#define DELAYLOAD_EXCEPTION(code) (0xC06D0000u | (code))

/* dliNotification reasons of delayimp.h */
#define dliFailLoadLib 3
#define dliFailGetProc 4

typedef struct _DELAYLOAD_PROC_DESCRIPTOR {
	ULONG ImportDescribedByName;
	union {
		LPCSTR Name;
		ULONG Ordinal;
	} Description;
} DELAYLOAD_PROC_DESCRIPTOR;

typedef struct _DELAYLOAD_INFO {
	ULONG Size;
	const IMAGE_DELAYLOAD_DESCRIPTOR *DelayloadDescriptor;
	ULONGLONG *ThunkAddress;
	LPCSTR TargetDllName;
	DELAYLOAD_PROC_DESCRIPTOR TargetApiDescriptor;
	PVOID TargetModuleBase;
	PVOID Unused;
	ULONG LastError;
} DELAYLOAD_INFO;

typedef PVOID(WINAPI *PDELAYLOAD_FAILURE_DLL_CALLBACK)(ULONG reason, DELAYLOAD_INFO *info);
typedef PVOID(WINAPI *PDELAYLOAD_FAILURE_SYSTEM_ROUTINE)(LPCSTR dll, LPCSTR proc);

/* The slot may lie in a read-only section (delay-load IAT protection). */
static void write_slot(const struct pe_module *mod, ULONGLONG *slot, void *addr)
{
	uint64_t rva = (uint64_t)slot - (uint64_t)mod->base;
	int prot = PROT_READ;
	for (unsigned i = 0; i < mod->nsections; i++) {
		const IMAGE_SECTION_HEADER *s = &mod->sections[i];
		if (rva >= s->VirtualAddress && rva < (uint64_t)s->VirtualAddress + (s->VirtualSize ? s->VirtualSize : s->SizeOfRawData))
			prot = pe_section_prot(s->Characteristics);
	}
	void *page = (void *)((uintptr_t)slot & ~(uintptr_t)4095);
	if (!(prot & PROT_WRITE))
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	ULONGLONG v = (ULONGLONG)(uintptr_t)addr;
	memcpy(slot, &v, sizeof v);
	if (!(prot & PROT_WRITE))
		mprotect(page, 4096, prot ? prot : PROT_READ);
}

PVOID WINAPI ResolveDelayLoadedAPI(PVOID parent, const IMAGE_DELAYLOAD_DESCRIPTOR *desc, void *dll_hook,
				   void *system_hook, ULONGLONG *thunk, ULONG flags)
{
	const struct pe_module *mod = pe_module_containing((uint64_t)(uintptr_t)parent);
	const char *dll, *name;
	unsigned ordinal;
	struct perr err = { 0 };

	if (!mod || pe_delay_import(mod, desc, (uint64_t)(uintptr_t)thunk, &dll, &name, &ordinal, &err) < 0) {
		SetLastError(ERROR_INVALID_PARAMETER);
		RaiseException(DELAYLOAD_EXCEPTION(ERROR_INVALID_PARAMETER), 0, 0, NULL);
		return NULL;
	}
	/* the descriptor and the slots need not be aligned: copy */
	IMAGE_DELAYLOAD_DESCRIPTOR d;
	memcpy(&d, desc, sizeof d);
	uint8_t *hmod = mod->base + d.ModuleHandleRVA;
	HMODULE h;
	memcpy(&h, hmod, sizeof h);
	if (!h)
		h = LoadLibraryA(dll);
	void *addr = NULL;
	ULONG reason = dliFailLoadLib;
	if (h) {
		memcpy(hmod, &h, sizeof h);
		reason = dliFailGetProc;
		addr = GetProcAddress(h, name ? name : (LPCSTR)(uintptr_t)ordinal);
	}
	if (!addr) {
		DELAYLOAD_INFO info = {
			.Size = sizeof info, .DelayloadDescriptor = desc, .ThunkAddress = thunk, .TargetDllName = dll,
			.TargetApiDescriptor = { name != NULL, { .Name = name } }, .TargetModuleBase = h,
			.LastError = h ? ERROR_PROC_NOT_FOUND : ERROR_MOD_NOT_FOUND,
		};
		if (!name)
			info.TargetApiDescriptor.Description.Ordinal = ordinal;
		if (dll_hook)
			addr = ((PDELAYLOAD_FAILURE_DLL_CALLBACK)dll_hook)(reason, &info);
		if (!addr && system_hook)
			addr = ((PDELAYLOAD_FAILURE_SYSTEM_ROUTINE)system_hook)(dll, name ? name : (LPCSTR)(uintptr_t)ordinal);
		if (!addr) {
			SetLastError(info.LastError);
			RaiseException(DELAYLOAD_EXCEPTION(info.LastError), 0, 0, NULL);
			return NULL;
		}
	}
	write_slot(mod, thunk, addr);
	return addr;
}
