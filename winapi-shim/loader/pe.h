/* persona winapi-shim: the PE32+ image format and its loader.
 *
 * Follows Microsoft's "PE Format" specification
 * (learn.microsoft.com/windows/win32/debug/pe-format); structure and
 * field names are winnt.h's.  Only PE32+ (IMAGE_NT_OPTIONAL_HDR64_MAGIC)
 * images for IMAGE_FILE_MACHINE_AMD64 are accepted.
 *
 * Every byte of a PE file is untrusted: pe_parse() checks each header
 * field, the section table and the data directories against the file and
 * the image size before anything reads through them; pe_load() checks
 * every relocation, import and TLS pointer against the mapped image.
 */
#ifndef PERSONA_WINAPI_LOADER_PE_H
#define PERSONA_WINAPI_LOADER_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "winapi-shim/wintypes.h"

struct win_dll;

#define IMAGE_DOS_SIGNATURE 0x5A4D      /* "MZ" */
#define IMAGE_NT_SIGNATURE 0x00004550   /* "PE\0\0" */
#define IMAGE_FILE_MACHINE_AMD64 0x8664
#define IMAGE_NT_OPTIONAL_HDR64_MAGIC 0x20b
#define IMAGE_NUMBEROF_DIRECTORY_ENTRIES 16

#define IMAGE_FILE_RELOCS_STRIPPED 0x0001
#define IMAGE_FILE_EXECUTABLE_IMAGE 0x0002
#define IMAGE_FILE_DLL 0x2000

#define IMAGE_SUBSYSTEM_WINDOWS_GUI 2
#define IMAGE_SUBSYSTEM_WINDOWS_CUI 3

#define IMAGE_DIRECTORY_ENTRY_EXPORT 0
#define IMAGE_DIRECTORY_ENTRY_IMPORT 1
#define IMAGE_DIRECTORY_ENTRY_RESOURCE 2
#define IMAGE_DIRECTORY_ENTRY_EXCEPTION 3
#define IMAGE_DIRECTORY_ENTRY_SECURITY 4
#define IMAGE_DIRECTORY_ENTRY_BASERELOC 5
#define IMAGE_DIRECTORY_ENTRY_TLS 9
#define IMAGE_DIRECTORY_ENTRY_IAT 12
#define IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT 13

#define IMAGE_SCN_CNT_UNINITIALIZED_DATA 0x00000080
#define IMAGE_SCN_MEM_EXECUTE 0x20000000
#define IMAGE_SCN_MEM_READ 0x40000000
#define IMAGE_SCN_MEM_WRITE 0x80000000

#define IMAGE_REL_BASED_ABSOLUTE 0
#define IMAGE_REL_BASED_HIGHLOW 3
#define IMAGE_REL_BASED_DIR64 10

#define IMAGE_ORDINAL_FLAG64 0x8000000000000000ULL
#define IMAGE_SIZEOF_SHORT_NAME 8

#define DLL_PROCESS_DETACH 0
#define DLL_PROCESS_ATTACH 1
#define DLL_THREAD_ATTACH 2
#define DLL_THREAD_DETACH 3

typedef struct _IMAGE_DOS_HEADER {
	WORD e_magic, e_cblp, e_cp, e_crlc, e_cparhdr, e_minalloc, e_maxalloc, e_ss, e_sp, e_csum,
		e_ip, e_cs, e_lfarlc, e_ovno, e_res[4], e_oemid, e_oeminfo, e_res2[10];
	LONG e_lfanew;
} IMAGE_DOS_HEADER;

typedef struct _IMAGE_FILE_HEADER {
	WORD Machine;
	WORD NumberOfSections;
	DWORD TimeDateStamp;
	DWORD PointerToSymbolTable;
	DWORD NumberOfSymbols;
	WORD SizeOfOptionalHeader;
	WORD Characteristics;
} IMAGE_FILE_HEADER;

typedef struct _IMAGE_DATA_DIRECTORY {
	DWORD VirtualAddress;
	DWORD Size;
} IMAGE_DATA_DIRECTORY;

typedef struct _IMAGE_OPTIONAL_HEADER64 {
	WORD Magic;
	BYTE MajorLinkerVersion, MinorLinkerVersion;
	DWORD SizeOfCode, SizeOfInitializedData, SizeOfUninitializedData;
	DWORD AddressOfEntryPoint, BaseOfCode;
	ULONGLONG ImageBase;
	DWORD SectionAlignment, FileAlignment;
	WORD MajorOperatingSystemVersion, MinorOperatingSystemVersion;
	WORD MajorImageVersion, MinorImageVersion;
	WORD MajorSubsystemVersion, MinorSubsystemVersion;
	DWORD Win32VersionValue, SizeOfImage, SizeOfHeaders, CheckSum;
	WORD Subsystem, DllCharacteristics;
	ULONGLONG SizeOfStackReserve, SizeOfStackCommit, SizeOfHeapReserve, SizeOfHeapCommit;
	DWORD LoaderFlags, NumberOfRvaAndSizes;
	IMAGE_DATA_DIRECTORY DataDirectory[IMAGE_NUMBEROF_DIRECTORY_ENTRIES];
} IMAGE_OPTIONAL_HEADER64;

typedef struct _IMAGE_NT_HEADERS64 {
	DWORD Signature;
	IMAGE_FILE_HEADER FileHeader;
	IMAGE_OPTIONAL_HEADER64 OptionalHeader;
} IMAGE_NT_HEADERS64;

typedef struct _IMAGE_SECTION_HEADER {
	BYTE Name[IMAGE_SIZEOF_SHORT_NAME];
	DWORD VirtualSize;           /* Misc.VirtualSize */
	DWORD VirtualAddress, SizeOfRawData, PointerToRawData;
	DWORD PointerToRelocations, PointerToLinenumbers;
	WORD NumberOfRelocations, NumberOfLinenumbers;
	DWORD Characteristics;
} IMAGE_SECTION_HEADER;

typedef struct _IMAGE_IMPORT_DESCRIPTOR {
	DWORD OriginalFirstThunk;    /* RVA of the import lookup table */
	DWORD TimeDateStamp, ForwarderChain;
	DWORD Name;                  /* RVA of the DLL name */
	DWORD FirstThunk;            /* RVA of the import address table */
} IMAGE_IMPORT_DESCRIPTOR;

/* The delay-load directory's entries (winnt.h; "PE Format", "The
 * Delay-Load Directory Table").  The import address table's entries
 * point at thunks in the program that call its delay-load helper on the
 * first call (mingw-w64's __delayLoadHelper2, or MSVC's, which asks
 * kernel32's ResolveDelayLoadedAPI); the loader only checks them. */
typedef struct _IMAGE_DELAYLOAD_DESCRIPTOR {
	DWORD Attributes;            /* bit 0 RvaBased: the fields are RVAs */
	DWORD DllNameRVA;
	DWORD ModuleHandleRVA;       /* an HMODULE the helper fills */
	DWORD ImportAddressTableRVA;
	DWORD ImportNameTableRVA;
	DWORD BoundImportAddressTableRVA;
	DWORD UnloadInformationTableRVA;
	DWORD TimeDateStamp;
} IMAGE_DELAYLOAD_DESCRIPTOR;

#define IMAGE_DELAYLOAD_RVA_BASED 1

typedef struct _IMAGE_EXPORT_DIRECTORY {
	DWORD Characteristics, TimeDateStamp;
	WORD MajorVersion, MinorVersion;
	DWORD Name, Base, NumberOfFunctions, NumberOfNames;
	DWORD AddressOfFunctions, AddressOfNames, AddressOfNameOrdinals;
} IMAGE_EXPORT_DIRECTORY;

typedef struct _IMAGE_BASE_RELOCATION {
	DWORD VirtualAddress;
	DWORD SizeOfBlock;
} IMAGE_BASE_RELOCATION;

typedef struct _IMAGE_TLS_DIRECTORY64 {
	ULONGLONG StartAddressOfRawData, EndAddressOfRawData;
	ULONGLONG AddressOfIndex, AddressOfCallBacks;
	DWORD SizeOfZeroFill, Characteristics;
} IMAGE_TLS_DIRECTORY64;

_Static_assert(sizeof(IMAGE_DOS_HEADER) == 64, "IMAGE_DOS_HEADER");
_Static_assert(sizeof(IMAGE_OPTIONAL_HEADER64) == 240, "IMAGE_OPTIONAL_HEADER64");
_Static_assert(sizeof(IMAGE_SECTION_HEADER) == 40, "IMAGE_SECTION_HEADER");
_Static_assert(sizeof(IMAGE_TLS_DIRECTORY64) == 40, "IMAGE_TLS_DIRECTORY64");
_Static_assert(sizeof(IMAGE_EXPORT_DIRECTORY) == 40, "IMAGE_EXPORT_DIRECTORY");
_Static_assert(sizeof(IMAGE_DELAYLOAD_DESCRIPTOR) == 32, "IMAGE_DELAYLOAD_DESCRIPTOR");

/* Limits persona puts on images (far above what compilers produce). */
#define PE_MAX_FILE_SIZE (1ULL << 30)
#define PE_MAX_IMAGE_SIZE (1ULL << 30)
#define PE_MAX_SECTIONS 96

/* A parsed, validated file (not yet mapped).  Points into the caller's
 * buffer; valid while that buffer is. */
struct pe_file {
	const uint8_t *data;
	size_t size;
	IMAGE_FILE_HEADER fh;
	IMAGE_OPTIONAL_HEADER64 oh;         /* absent directories are zeroed */
	const IMAGE_SECTION_HEADER *sections; /* fh.NumberOfSections entries, unaligned */
};

/* Is this an MZ file with a "PE\0\0" header?  Reads the first bytes of
 * `fd` with pread (the file offset is not moved).  Returns 1 for a PE,
 * 0 for anything else (including short files), -1 on a read error
 * (fills `err`).  It says nothing of validity: pe_parse() does. */
int pe_detect(int fd, struct perr *err);

/* Validate the headers of the file `data`/`size` (DOS header, NT headers,
 * PE32+ optional header, section table, alignments, data directories) and
 * fill `pf`.  Returns 0, or -1 with `err` naming the field and what is
 * wrong (err->status 126).  Reads nothing outside `data`. */
int pe_parse(const uint8_t *data, size_t size, struct pe_file *pf, struct perr *err);

/* A module mapped in memory. */
struct pe_module {
	uint8_t *base;              /* where the image is mapped */
	size_t size;                /* SizeOfImage, rounded to pages */
	int64_t delta;              /* base - preferred ImageBase */
	IMAGE_OPTIONAL_HEADER64 oh;
	uint16_t nsections;
	IMAGE_SECTION_HEADER sections[PE_MAX_SECTIONS];
	void *entry;                /* AddressOfEntryPoint, or NULL */
	bool has_tls;
	IMAGE_TLS_DIRECTORY64 tls;  /* checked against the image */
	unsigned tls_index;         /* its slot in ThreadLocalStoragePointer (the exe: 0) */
	bool is_dll;                /* IMAGE_FILE_DLL */
	bool attached;              /* DllMain(DLL_PROCESS_ATTACH) has run */
	char name[64];              /* a loaded DLL's file name, as found */
	char *path;                 /* a loaded DLL's Linux path (malloc'd), or NULL */
};

/* ---- real PE DLLs (winapi-shim/loader/pe_modules.c) ---- */

#define PE_MAX_DLLS 64
#define PE_MAX_FORWARD_DEPTH 8

/* The folder of the program (the first place DLLs are searched), from
 * its path; and the executable's module (for pe_module_containing). */
void pe_set_app_dir(const char *exe_path);
void pe_set_main(const struct pe_module *mod);

/* Find the DLL an import names.  Persona's builtin system DLLs
 * (kernel32, msvcrt, ntdll) win: real Windows system DLLs are never
 * available.  Other names are searched in the program's folder, then in
 * each folder of PERSONA_WIN_PATH (colon-separated Linux folders), an
 * exact name first, then one differing in case.  A real DLL is loaded
 * once (relocated, its imports bound, recursively); it is registered in
 * load order, dependencies first, and not yet attached (pe_dlls_attach).
 * Returns 0 with *builtin or *mod set, or -1 with `err` (status 126):
 * "persona has no such DLL" when found nowhere. */
int pe_resolve_dll(const char *name, const struct win_dll **builtin, struct pe_module **mod, struct perr *err);

/* Load the real DLL at the Linux path `path` (LoadLibrary given a path),
 * or return the loaded DLL of the same file name: one module per name.
 * 0 with *mod, or -1 with `err` (126). */
int pe_load_dll_path(const char *path, struct pe_module **mod, struct perr *err);

/* The export `name` (or, when name is NULL, ordinal `ordinal`) of a real
 * module, forwarders ("DLL.Func", "DLL.#7") followed up to
 * PE_MAX_FORWARD_DEPTH times.  NULL when absent (err says why). */
void *pe_module_export(const struct pe_module *mod, const char *name, unsigned ordinal, int depth,
		       struct perr *err);

/* Every DLL the loader has met, builtin or real, once each, in the order
 * met (a real DLL after the DLLs it imports): entry i is either a builtin
 * (*builtin set) or a real DLL (*mod set).  The PEB's module lists follow
 * it (winapi-shim/ldr.c). */
unsigned pe_loaded_count(void);
void pe_loaded_at(unsigned i, const struct win_dll **builtin, struct pe_module **mod);

/* Loaded real DLLs, in load (= initialisation) order. */
unsigned pe_dll_count(void);
struct pe_module *pe_dll_at(unsigned i);
/* A loaded real DLL by file name (case-insensitive, ".dll" optional), or
 * by its base address (HMODULE); NULL if none. */
struct pe_module *pe_dll_find(const char *name);
struct pe_module *pe_dll_by_base(const void *base);
/* The executable or the DLL whose image contains `addr`, or NULL. */
const struct pe_module *pe_module_containing(uint64_t addr);

/* Map a parsed file: reserve SizeOfImage at the preferred ImageBase (or
 * anywhere, then apply base relocations), copy headers and sections,
 * resolve every import against the builtin DLLs (winapi-shim/loader/
 * builtin.h), check the delay-load directory (its DLLs are loaded on the
 * first call, as on Windows) and the TLS directory, then give each section the
 * protection its Characteristics ask for.  Returns 0, or -1 with `err`
 * (status 126): a missing import reads
 *   import "msvcrt.dll"!"foo": no such function in persona's msvcrt.dll
 * On failure nothing stays mapped. */
int pe_load(const struct pe_file *pf, struct pe_module *mod, struct perr *err);

/* One delay-load import: the descriptor `d` (inside module `mod`) and
 * the address of one of its import address table slots, `slot`.  Fills
 * the DLL name and either the function name or (*name NULL) the
 * ordinal.  Returns 0, or -1 with `err` (status 126) when the descriptor,
 * the slot or a name lies outside the image.  (kernel32's
 * ResolveDelayLoadedAPI.) */
int pe_delay_import(const struct pe_module *mod, const IMAGE_DELAYLOAD_DESCRIPTOR *d, uint64_t slot,
		    const char **dll, const char **name, unsigned *ordinal, struct perr *err);

/* Unmap a module loaded by pe_load (tests; a process never unloads). */
void pe_unload(struct pe_module *mod);

/* Read the file at `path` (at most PE_MAX_FILE_SIZE), parse and load it.
 * Errors are prefixed with the path.  The file buffer is freed before
 * return: pe_module never points into it. */
int pe_load_file(const char *path, struct pe_module *mod, struct perr *err);

/* Translate section Characteristics to mmap PROT_* bits and to a Win32
 * PAGE_* constant. */
int pe_section_prot(DWORD characteristics);
DWORD pe_section_page_protect(DWORD characteristics);

#endif
