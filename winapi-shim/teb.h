/* persona winapi-shim: the Thread and Process Environment Blocks.
 *
 * Windows x64 code finds its TEB at gs:0 (NT_TIB.Self at gs:0x30) and its
 * PEB at gs:0x60.  glibc on x86-64 keeps its thread pointer in FS, so GS is
 * free: win_teb_init() points the GS base at a TEB with arch_prctl
 * (ARCH_SET_GS).  Layouts follow winternl.h / the public symbols of
 * ntdll (learn.microsoft.com: "TEB structure", "PEB structure",
 * "RTL_USER_PROCESS_PARAMETERS structure"); only the fields persona fills
 * are named, the rest is padding at the documented offsets.
 */
#ifndef PERSONA_WINAPI_TEB_H
#define PERSONA_WINAPI_TEB_H

#include <stdbool.h>

#include "common/error.h"
#include "winapi-shim/wintypes.h"

typedef struct _UNICODE_STRING {
	WORD Length;          /* bytes, without the terminating NUL */
	WORD MaximumLength;
	DWORD pad;
	WCHAR *Buffer;
} UNICODE_STRING;

typedef struct _NT_TIB {
	void *ExceptionList;
	void *StackBase;      /* highest address of the stack */
	void *StackLimit;     /* lowest committed address */
	void *SubSystemTib;
	void *FiberData;
	void *ArbitraryUserPointer;
	struct _NT_TIB *Self;
} NT_TIB;

typedef struct _RTL_USER_PROCESS_PARAMETERS {
	ULONG MaximumLength, Length, Flags, DebugFlags;
	HANDLE ConsoleHandle;
	ULONG ConsoleFlags;
	HANDLE StandardInput, StandardOutput, StandardError;
	UNICODE_STRING CurrentDirectoryDosPath;
	HANDLE CurrentDirectoryHandle;
	UNICODE_STRING DllPath;
	UNICODE_STRING ImagePathName;
	UNICODE_STRING CommandLine;
	void *Environment;
} RTL_USER_PROCESS_PARAMETERS;

typedef struct _LIST_ENTRY {
	struct _LIST_ENTRY *Flink, *Blink;
} LIST_ENTRY;

/* The loader's module lists (winternl.h names InMemoryOrderModuleList;
 * the other fields are at the offsets of the x64 layout the public
 * symbols of ntdll give).  Each list is circular through the head. */
typedef struct _PEB_LDR_DATA {
	ULONG Length;
	BOOLEAN Initialized;
	void *SsHandle;
	LIST_ENTRY InLoadOrderModuleList;                /* 0x10 */
	LIST_ENTRY InMemoryOrderModuleList;              /* 0x20 */
	LIST_ENTRY InInitializationOrderModuleList;      /* 0x30 */
	void *EntryInProgress;
	BOOLEAN ShutdownInProgress;
	HANDLE ShutdownThreadId;
} PEB_LDR_DATA;

/* One module (winternl.h: InMemoryOrderLinks at 0x10, DllBase at 0x30,
 * FullDllName at 0x48, TimeDateStamp at 0x80). */
typedef struct _LDR_DATA_TABLE_ENTRY {
	LIST_ENTRY InLoadOrderLinks;                     /* 0x00 */
	LIST_ENTRY InMemoryOrderLinks;                   /* 0x10 */
	LIST_ENTRY InInitializationOrderLinks;           /* 0x20 */
	void *DllBase;                                   /* 0x30 */
	void *EntryPoint;                                /* 0x38 */
	ULONG SizeOfImage;                               /* 0x40 */
	UNICODE_STRING FullDllName;                      /* 0x48 */
	UNICODE_STRING BaseDllName;                      /* 0x58 */
	ULONG Flags;                                     /* 0x68 */
	WORD ObsoleteLoadCount;                          /* 0x6c */
	WORD TlsIndex;                                   /* 0x6e */
	LIST_ENTRY HashLinks;                            /* 0x70 */
	ULONG TimeDateStamp;                             /* 0x80 */
} LDR_DATA_TABLE_ENTRY;

typedef struct _PEB {
	BYTE InheritedAddressSpace, ReadImageFileExecOptions, BeingDebugged, BitField;
	BYTE pad0[4];
	HANDLE Mutant;
	void *ImageBaseAddress;                          /* 0x10 */
	PEB_LDR_DATA *Ldr;                               /* 0x18 */
	RTL_USER_PROCESS_PARAMETERS *ProcessParameters;  /* 0x20 */
	void *SubSystemData;
	HANDLE ProcessHeap;                              /* 0x30 */
	BYTE pad1[0xb8 - 0x38];
	ULONG NumberOfProcessors;                        /* 0xb8 */
	BYTE pad2[0x118 - 0xbc];
	ULONG OSMajorVersion;                            /* 0x118 */
	ULONG OSMinorVersion;
	WORD OSBuildNumber;
	WORD OSCSDVersion;
	ULONG OSPlatformId;
	BYTE pad3[0x7c8 - 0x128];
} PEB;

#define TLS_MINIMUM_AVAILABLE 64

typedef struct _TEB {
	NT_TIB NtTib;                                    /* 0x00, Self at 0x30 */
	void *EnvironmentPointer;                        /* 0x38 */
	HANDLE ClientIdUniqueProcess;                    /* 0x40 CLIENT_ID */
	HANDLE ClientIdUniqueThread;                     /* 0x48 */
	void *ActiveRpcHandle;
	void **ThreadLocalStoragePointer;                /* 0x58 */
	PEB *ProcessEnvironmentBlock;                    /* 0x60 */
	ULONG LastErrorValue;                            /* 0x68 */
	BYTE pad0[0x1480 - 0x6c];
	void *TlsSlots[TLS_MINIMUM_AVAILABLE];           /* 0x1480 */
	BYTE pad1[0x1838 - 0x1680];
} TEB;

_Static_assert(__builtin_offsetof(TEB, NtTib.Self) == 0x30, "TEB.Self");
_Static_assert(__builtin_offsetof(TEB, ThreadLocalStoragePointer) == 0x58, "TEB TLS");
_Static_assert(__builtin_offsetof(TEB, ProcessEnvironmentBlock) == 0x60, "TEB.PEB");
_Static_assert(__builtin_offsetof(TEB, LastErrorValue) == 0x68, "TEB.LastErrorValue");
_Static_assert(__builtin_offsetof(TEB, TlsSlots) == 0x1480, "TEB.TlsSlots");
_Static_assert(__builtin_offsetof(PEB, ProcessParameters) == 0x20, "PEB.ProcessParameters");
_Static_assert(__builtin_offsetof(PEB, ProcessHeap) == 0x30, "PEB.ProcessHeap");
_Static_assert(__builtin_offsetof(PEB_LDR_DATA, InInitializationOrderModuleList) == 0x30, "PEB_LDR_DATA");
_Static_assert(sizeof(PEB_LDR_DATA) == 0x58, "PEB_LDR_DATA size");
_Static_assert(__builtin_offsetof(LDR_DATA_TABLE_ENTRY, DllBase) == 0x30, "LDR_DATA_TABLE_ENTRY.DllBase");
_Static_assert(__builtin_offsetof(LDR_DATA_TABLE_ENTRY, FullDllName) == 0x48, "LDR_DATA_TABLE_ENTRY.FullDllName");
_Static_assert(__builtin_offsetof(LDR_DATA_TABLE_ENTRY, BaseDllName) == 0x58, "LDR_DATA_TABLE_ENTRY.BaseDllName");
_Static_assert(__builtin_offsetof(LDR_DATA_TABLE_ENTRY, TimeDateStamp) == 0x80, "LDR_DATA_TABLE_ENTRY.TimeDateStamp");
_Static_assert(__builtin_offsetof(PEB, NumberOfProcessors) == 0xb8, "PEB.NumberOfProcessors");
_Static_assert(__builtin_offsetof(PEB, OSMajorVersion) == 0x118, "PEB.OSMajorVersion");
_Static_assert(__builtin_offsetof(RTL_USER_PROCESS_PARAMETERS, CommandLine) == 0x70, "CommandLine");

/* persona's own per-thread state, kept in the TEB's mapping after the TEB
 * (not in glibc's TLS, so that code built without sanitizers can use it). */
#define WIN_MAX_HANDLER_NESTING 64
#define WIN_FLS_SLOTS 128 /* FLS_MAXIMUM_AVAILABLE of older SDKs */
struct win_thread_state {
	void *dispatch_ctx;                      /* CONTEXT saved by RaiseException */
	int nhandling;                           /* frames whose handler runs */
	void *handling[WIN_MAX_HANDLER_NESTING]; /* their CONTEXTs */
	void *thread_object;                     /* kernel32's object for this thread */
	bool fls_registered;                     /* in kernel32's list of threads with FLS */
	void *fls[WIN_FLS_SLOTS];                /* FlsGetValue/FlsSetValue */
	void *altstack;                          /* the fault handler's stack (entry/signal.c) */
	void *saved_ss_sp;                       /* the alternate stack before it */
	size_t saved_ss_size;
	int saved_ss_flags;
};
#define WIN_TEB_STATE_OFFSET 0x1840
#define WIN_TEB_MAPPING_SIZE 0x2000
_Static_assert(WIN_TEB_STATE_OFFSET >= sizeof(TEB) &&
	       WIN_TEB_STATE_OFFSET + sizeof(struct win_thread_state) <= WIN_TEB_MAPPING_SIZE, "TEB state");

/* The calling thread's TEB (gs:0x30), or NULL before win_teb_init(). */
static inline TEB *NtCurrentTeb(void)
{
	TEB *t;
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(t));
	return t;
}

static inline struct win_thread_state *win_thread_state(void)
{
	return (struct win_thread_state *)((char *)NtCurrentTeb() + WIN_TEB_STATE_OFFSET);
}

/* Build the process's PEB (image base, command line `cmdline` and image
 * path, both UTF-8, converted to UTF-16; processor count; Windows 10.0.19045
 * version numbers) and the first thread's TEB with a stack of
 * `stack_size` bytes, and point the GS base at the TEB.
 * Returns 0, or -1 with `err`.  Stores the stack top in *stack_top. */
int win_teb_init(void *image_base, const char *image_path, const char *cmdline, size_t stack_size,
		 void **stack_top, struct perr *err);

/* The process's PEB, or NULL before win_teb_init (tests). */
PEB *win_peb(void);

/* Give the current thread's TEB a static TLS block for the image's TLS
 * directory (copy of the template plus zero fill) at index *AddressOfIndex
 * (0: the executable is the only module with TLS).  Returns 0 or -1. */
struct pe_module;
int win_tls_attach(const struct pe_module *mod, struct perr *err);

/* Run the image's TLS callbacks with `reason` (DLL_PROCESS_ATTACH...),
 * on the calling thread's stack, or (_on, stack_top non-NULL) on the
 * program's stack ending at `stack_top`, not yet in use. */
void win_tls_callbacks(const struct pe_module *mod, DWORD reason);
void win_tls_callbacks_on(const struct pe_module *mod, DWORD reason, void *stack_top);

/* ---- the PEB's module lists (winapi-shim/ldr.c) ---- */

/* Bring PEB->Ldr up to date with the loader's registry: the executable
 * first, then ntdll.dll and kernel32.dll (always there, as on Windows),
 * then each builtin DLL and real DLL in the order the loader met them
 * (a real DLL after the DLLs it imports).  InLoadOrder and InMemoryOrder
 * hold them all; InInitializationOrder holds the builtins and the real
 * DLLs whose DllMain has run, not the executable.  A builtin's DllBase is
 * its HMODULE (persona's struct win_dll: no PE image there).  Returns 0
 * or -1 (ENOMEM); does nothing before win_teb_init. */
int win_ldr_sync(void);

/* Give the calling (new) thread a TEB of its own, its stack bounds, and
 * static TLS for the executable, then run TLS callbacks with
 * DLL_THREAD_ATTACH.  Returns 0 or -1 with `err`.  win_thread_detach runs
 * the DLL_THREAD_DETACH callbacks and frees what attach made. */
int win_thread_attach(struct perr *err);
void win_thread_detach(void);

#endif
