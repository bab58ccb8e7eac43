/* persona unit suite: the PE32+ parser and loader (winapi-shim/loader) on
 * a small image built here and on crafted bad variants of it: every bad
 * file must give one clear error (status 126), never a crash. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/harness.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/pe.h"

#define IMG_BASE 0x7e0000000000ULL
#define IMG_SIZE 0x4000
#define FILE_SIZE 0x800
#define E_LFANEW 0x80
#define OFF_FH (E_LFANEW + 4)
#define OFF_OH (OFF_FH + 20)
#define OFF_SECT (OFF_OH + 240)
#define IDATA_FILE 0x400   /* .idata: RVA 0x2000 */
#define RELOC_FILE 0x600   /* .reloc: RVA 0x3000 */
#define RVA_TO_IDATA(rva) (IDATA_FILE + (rva) - 0x2000)

static uint8_t img[FILE_SIZE];

static void put16(size_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

static void section(int i, const char *name, uint32_t va, uint32_t raw, uint32_t chars)
{
	size_t o = OFF_SECT + 40 * (size_t)i;
	memcpy(img + o, name, strlen(name));
	put32(o + 8, 0x200);    /* VirtualSize */
	put32(o + 12, va);
	put32(o + 16, 0x200);   /* SizeOfRawData */
	put32(o + 20, raw);
	put32(o + 36, chars);
}

/* A PE32+ console executable: .text returns 42, .idata imports
 * msvcrt.dll!strlen and msvcrt.dll!_fmode (data), .reloc fixes one
 * pointer in .idata. */
static void build_image(void)
{
	memset(img, 0, sizeof img);
	put16(0, IMAGE_DOS_SIGNATURE);
	put32(0x3c, E_LFANEW);
	put32(E_LFANEW, IMAGE_NT_SIGNATURE);
	put16(OFF_FH, IMAGE_FILE_MACHINE_AMD64);
	put16(OFF_FH + 2, 3);                   /* NumberOfSections */
	put16(OFF_FH + 16, 240);                /* SizeOfOptionalHeader */
	put16(OFF_FH + 18, IMAGE_FILE_EXECUTABLE_IMAGE);
	put16(OFF_OH, IMAGE_NT_OPTIONAL_HDR64_MAGIC);
	put32(OFF_OH + 16, 0x1000);             /* AddressOfEntryPoint */
	put64(OFF_OH + 24, IMG_BASE);           /* ImageBase */
	put32(OFF_OH + 32, 0x1000);             /* SectionAlignment */
	put32(OFF_OH + 36, 0x200);              /* FileAlignment */
	put32(OFF_OH + 56, IMG_SIZE);           /* SizeOfImage */
	put32(OFF_OH + 60, 0x200);              /* SizeOfHeaders */
	put16(OFF_OH + 68, IMAGE_SUBSYSTEM_WINDOWS_CUI);
	put64(OFF_OH + 72, 0x100000);           /* SizeOfStackReserve */
	put32(OFF_OH + 108, 16);                /* NumberOfRvaAndSizes */
	size_t dd = OFF_OH + 112;
	put32(dd + 8 * IMAGE_DIRECTORY_ENTRY_IMPORT, 0x2000);
	put32(dd + 8 * IMAGE_DIRECTORY_ENTRY_IMPORT + 4, 40);
	put32(dd + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC, 0x3000);
	put32(dd + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC + 4, 12);

	section(0, ".text", 0x1000, 0x200, IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_EXECUTE);
	section(1, ".idata", 0x2000, IDATA_FILE, IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE);
	section(2, ".reloc", 0x3000, RELOC_FILE, IMAGE_SCN_MEM_READ);

	static const uint8_t code[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 }; /* mov eax, 42; ret */
	memcpy(img + 0x200, code, sizeof code);

	put32(RVA_TO_IDATA(0x2000), 0x2040);    /* OriginalFirstThunk */
	put32(RVA_TO_IDATA(0x2000) + 12, 0x2080); /* Name */
	put32(RVA_TO_IDATA(0x2000) + 16, 0x2060); /* FirstThunk */
	put64(RVA_TO_IDATA(0x2040), 0x20a0);
	put64(RVA_TO_IDATA(0x2048), 0x20b0);
	put64(RVA_TO_IDATA(0x2060), 0x20a0);
	put64(RVA_TO_IDATA(0x2068), 0x20b0);
	strcpy((char *)img + RVA_TO_IDATA(0x2080), "msvcrt.dll");
	strcpy((char *)img + RVA_TO_IDATA(0x20a2), "strlen");
	strcpy((char *)img + RVA_TO_IDATA(0x20b2), "_fmode");
	put64(RVA_TO_IDATA(0x21f0), IMG_BASE + 0x1000);

	put32(RELOC_FILE, 0x2000);              /* page */
	put32(RELOC_FILE + 4, 12);              /* SizeOfBlock: 2 entries */
	put16(RELOC_FILE + 8, (IMAGE_REL_BASED_DIR64 << 12) | 0x1f0);
	put16(RELOC_FILE + 10, 0);              /* padding (ABSOLUTE) */
}

/* Parse and load `len` bytes of img; on success unload.  Returns the
 * result and leaves the message in *err. */
static int try_load(size_t len, struct perr *err)
{
	struct pe_file pf;
	struct pe_module mod;

	memset(err, 0, sizeof *err);
	if (pe_parse(img, len, &pf, err) < 0)
		return -1;
	if (pe_load(&pf, &mod, err) < 0)
		return -1;
	pe_unload(&mod);
	return 0;
}

/* The load fails with status 126 and a message containing `want`. */
static void expect_bad(const char *want)
{
	struct perr err;
	ck_assert_int_eq(try_load(sizeof img, &err), -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, want), "message \"%s\" lacks \"%s\"", err.msg, want);
}

START_TEST(valid_image_loads_and_binds)
{
	struct pe_file pf;
	struct pe_module mod;
	struct perr err = { 0 };

	build_image();
	ck_assert_msg(pe_parse(img, sizeof img, &pf, &err) == 0, "%s", err.msg);
	ck_assert_msg(pe_load(&pf, &mod, &err) == 0, "%s", err.msg);
	const struct win_dll *msvcrt = win_builtin_dll("MSVCRT.dll");
	ck_assert_ptr_nonnull(msvcrt);
	void *iat[2];
	memcpy(iat, mod.base + 0x2060, sizeof iat);
	ck_assert_ptr_eq(iat[0], win_builtin_export(msvcrt, "strlen"));
	ck_assert_ptr_eq(iat[1], win_builtin_export(msvcrt, "_fmode"));
	ck_assert_ptr_eq(mod.entry, mod.base + 0x1000);
	int (__attribute__((ms_abi)) *entry)(void) = (int (__attribute__((ms_abi)) *)(void))mod.entry;
	ck_assert_int_eq(entry(), 42);
	/* __builtin: strlen through the import is Microsoft x64 */
	size_t (__attribute__((ms_abi)) *ms_strlen)(const char *) = (size_t (__attribute__((ms_abi)) *)(const char *))iat[0];
	ck_assert_uint_eq(ms_strlen("persona"), 7);
	pe_unload(&mod);
}
END_TEST

START_TEST(relocates_when_base_taken)
{
	struct pe_file pf;
	struct pe_module mod;
	struct perr err = { 0 };

	build_image();
	void *blocker = mmap((void *)IMG_BASE, 0x1000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_ptr_eq(blocker, (void *)IMG_BASE);
	ck_assert_msg(pe_parse(img, sizeof img, &pf, &err) == 0, "%s", err.msg);
	ck_assert_msg(pe_load(&pf, &mod, &err) == 0, "%s", err.msg);
	ck_assert_ptr_ne(mod.base, (void *)IMG_BASE);
	uint64_t v;
	memcpy(&v, mod.base + 0x21f0, 8);
	ck_assert_uint_eq(v, (uint64_t)mod.base + 0x1000);
	pe_unload(&mod);

	/* without relocations the image cannot move */
	put16(OFF_FH + 18, IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_RELOCS_STRIPPED);
	expect_bad("relocations are stripped");
	put16(OFF_FH + 18, IMAGE_FILE_EXECUTABLE_IMAGE);
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC + 4, 0);
	expect_bad("no base relocations");
	build_image();
	put16(RELOC_FILE + 8, (IMAGE_REL_BASED_DIR64 << 12) | 0xffc);
	put32(RELOC_FILE, 0x3000);
	expect_bad("base relocation target");
	build_image();
	put32(RELOC_FILE + 4, 0x7ffffff0);
	expect_bad("bad SizeOfBlock");
	build_image();
	put16(RELOC_FILE + 8, (7 << 12) | 0x10);
	expect_bad("type 7");
	munmap(blocker, 0x1000);

	/* ImageBase 0: never mapped at page 0 (root could), relocated */
	build_image();
	put64(OFF_OH + 24, 0);
	put64(RVA_TO_IDATA(0x21f0), 0x1000);
	ck_assert_msg(pe_parse(img, sizeof img, &pf, &err) == 0, "%s", err.msg);
	ck_assert_msg(pe_load(&pf, &mod, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(mod.base);
	memcpy(&v, mod.base + 0x21f0, 8);
	ck_assert_uint_eq(v, (uint64_t)mod.base + 0x1000);
	pe_unload(&mod);
}
END_TEST

/* A delay-load directory in .idata: shell32.dll!CommandLineToArgvW,
 * address table slot at RVA 0x2140, name table at 0x2150, module handle
 * at 0x21a0. */
#define DELAY_DESC 0x2100
static void add_delay_import(void)
{
	size_t dd = OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT;
	put32(dd, DELAY_DESC);
	put32(dd + 4, 64);
	size_t d = RVA_TO_IDATA(DELAY_DESC);
	put32(d, IMAGE_DELAYLOAD_RVA_BASED);
	put32(d + 4, 0x2160);   /* DllNameRVA */
	put32(d + 8, 0x21a0);   /* ModuleHandleRVA */
	put32(d + 12, 0x2140);  /* ImportAddressTableRVA */
	put32(d + 16, 0x2150);  /* ImportNameTableRVA */
	put64(RVA_TO_IDATA(0x2150), 0x2170);
	strcpy((char *)img + RVA_TO_IDATA(0x2160), "shell32.dll");
	strcpy((char *)img + RVA_TO_IDATA(0x2172), "CommandLineToArgvW");
}

/* The loader checks the delay-load directory but loads nothing;
 * ResolveDelayLoadedAPI (kernel32) binds a slot on the first call. */
START_TEST(delay_load_directory)
{
	struct pe_file pf;
	struct pe_module mod;
	struct perr err = { 0 };

	build_image();
	add_delay_import();
	ck_assert_msg(pe_parse(img, sizeof img, &pf, &err) == 0, "%s", err.msg);
	ck_assert_msg(pe_load(&pf, &mod, &err) == 0, "%s", err.msg);
	uint64_t slot;
	memcpy(&slot, mod.base + 0x2140, 8);
	ck_assert_uint_eq(slot, 0);
	pe_set_main(&mod);
	const char *dll, *name;
	unsigned ord;
	const IMAGE_DELAYLOAD_DESCRIPTOR *desc = (const void *)(mod.base + DELAY_DESC);
	ck_assert_int_eq(pe_delay_import(&mod, desc, (uint64_t)mod.base + 0x2140, &dll, &name, &ord, &err), 0);
	ck_assert_str_eq(dll, "shell32.dll");
	ck_assert_str_eq(name, "CommandLineToArgvW");
	ck_assert_int_eq(pe_delay_import(&mod, desc, (uint64_t)mod.base + 0x2148, &dll, &name, &ord, &err), -1);
	ck_assert_msg(strstr(err.msg, "not one of its address table's 1 slots"), "%s", err.msg);

	void *want = win_builtin_export(win_builtin_dll("shell32"), "CommandLineToArgvW");
	void *got = ResolveDelayLoadedAPI(mod.base, (const struct _IMAGE_DELAYLOAD_DESCRIPTOR *)desc, NULL, NULL,
					  (ULONGLONG *)(mod.base + 0x2140), 0);
	ck_assert_ptr_eq(got, want);
	memcpy(&slot, mod.base + 0x2140, 8);
	ck_assert_uint_eq(slot, (uint64_t)want);
	void *hmod;
	memcpy(&hmod, mod.base + 0x21a0, 8);
	ck_assert_ptr_eq(hmod, win_builtin_dll("shell32"));
	pe_set_main(NULL);
	pe_unload(&mod);

	build_image();
	add_delay_import();
	put32(RVA_TO_IDATA(DELAY_DESC), 0);
	expect_bad("holds virtual addresses");
	build_image();
	add_delay_import();
	put32(RVA_TO_IDATA(DELAY_DESC) + 4, 0x7000);
	expect_bad("delay-load descriptor: DLL name RVA 0x7000");
	build_image();
	add_delay_import();
	put32(RVA_TO_IDATA(DELAY_DESC) + 8, 0x3ffc);
	expect_bad("module handle RVA 0x3ffc");
	build_image();
	add_delay_import();
	put32(RVA_TO_IDATA(DELAY_DESC) + 16, 0x3ffc);
	expect_bad("name or address table runs outside");
	build_image();
	add_delay_import();
	put64(RVA_TO_IDATA(0x2150), 0x3ffe);
	expect_bad("function name at RVA 0x3ffe");
	build_image();
	add_delay_import();
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT, 0x21f0);
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT + 4, 16);
	put64(RVA_TO_IDATA(0x21f0), 0);
	put64(RVA_TO_IDATA(0x21f8), 0x0000000100000001ULL);
	/* the descriptor at 0x21f0 runs past .idata's 0x200 bytes but not past
	 * the image: it is read, its name RVA (0) ends the directory */
	struct perr e2;
	ck_assert_int_eq(try_load(sizeof img, &e2), 0);
}
END_TEST

START_TEST(every_truncation_fails_cleanly)
{
	build_image();
	for (size_t len = 0; len < sizeof img; len++) {
		struct perr err;
		ck_assert_msg(try_load(len, &err) == -1, "a file cut at %zu bytes loaded", len);
		ck_assert_int_eq(err.status, 126);
		ck_assert(err.msg[0]);
	}
}
END_TEST

START_TEST(bad_headers)
{
	build_image();
	put16(0, 0x4d5b);
	expect_bad("no MZ signature");
	build_image();
	put32(0x3c, 0x7ffffff0);
	expect_bad("e_lfanew 0x7ffffff0 points outside the file");
	build_image();
	put32(0x3c, 0xfffffff0);
	expect_bad("e_lfanew");
	build_image();
	put32(E_LFANEW, 0x00004551);
	expect_bad("no PE\\0\\0 signature");
	build_image();
	put16(OFF_FH, 0x14c);
	expect_bad("Machine 0x14c");
	build_image();
	put16(OFF_OH, 0x10b);
	expect_bad("not PE32+");
	build_image();
	put16(OFF_FH + 2, 0);
	expect_bad("NumberOfSections 0");
	build_image();
	put16(OFF_FH + 2, 500);
	expect_bad("NumberOfSections 500");
	build_image();
	put32(OFF_OH + 108, 17);
	expect_bad("NumberOfRvaAndSizes 17");
	build_image();
	put32(OFF_OH + 36, 0x300);
	expect_bad("FileAlignment 0x300");
	build_image();
	put32(OFF_OH + 56, 0x4001);
	expect_bad("SizeOfImage");
	build_image();
	put32(OFF_OH + 16, IMG_SIZE + 5);
	expect_bad("AddressOfEntryPoint");
	build_image();
	put16(OFF_FH + 18, 0);
	expect_bad("IMAGE_FILE_EXECUTABLE_IMAGE");
	build_image();
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_IMPORT, 0x3ff0);
	expect_bad("import directory 0x3ff0+0x28 lies outside the image");
}
END_TEST

START_TEST(bad_sections)
{
	build_image();
	put32(OFF_SECT + 40 + 20, 0x10000);     /* .idata raw data past the end */
	expect_bad("section 1 \".idata\": raw data 0x10000+0x200 lies outside the file");
	build_image();
	put32(OFF_SECT + 40 + 12, 0x1000);      /* .idata over .text */
	expect_bad("section 1 \".idata\": VirtualAddress 0x1000 overlaps");
	build_image();
	put32(OFF_SECT + 80 + 12, 0x4000);      /* .reloc past SizeOfImage */
	expect_bad("ends beyond SizeOfImage");
	build_image();
	put32(OFF_SECT + 12, 0x1100);
	expect_bad("not a multiple of SectionAlignment");
	build_image();
	put32(OFF_SECT + 20, 0x10);             /* raw data inside the headers */
	expect_bad("overlaps the headers");
	build_image();
	put32(OFF_SECT + 8, 0xfffff000);        /* VirtualSize huge */
	expect_bad("SizeOfImage");
}
END_TEST

START_TEST(bad_imports)
{
	build_image();
	put32(RVA_TO_IDATA(0x2000) + 12, 0x9999999);
	expect_bad("DLL name RVA 0x9999999 lies outside the image");
	build_image();
	put64(RVA_TO_IDATA(0x2040), 0x7ffff000);
	expect_bad("function name at RVA 0x7ffff000 lies outside the image");
	build_image();
	put64(RVA_TO_IDATA(0x2040), IMG_SIZE - 2);   /* name runs to the end of the image */
	expect_bad("lies outside the image");
	build_image();
	put32(RVA_TO_IDATA(0x2000), 0x3ffc);          /* lookup table runs off the end */
	expect_bad("lookup or address table runs outside the image");
	build_image();
	put64(RVA_TO_IDATA(0x2048), IMAGE_ORDINAL_FLAG64 | 17);
	expect_bad("\"msvcrt.dll\"!#17");
	build_image();
	strcpy((char *)img + RVA_TO_IDATA(0x20b2), "NoSuchFunction");
	expect_bad("import \"msvcrt.dll\"!\"NoSuchFunction\": no such function in persona's msvcrt.dll");
	build_image();
	strcpy((char *)img + RVA_TO_IDATA(0x2080), "nosuch.dll");
	expect_bad("import \"nosuch.dll\": persona has no such DLL");
}
END_TEST

/* Random corruption of the headers and tables: any result but a crash. */
START_TEST(random_corruption_never_crashes)
{
	unsigned seed = 1;
	for (int round = 0; round < 20000; round++) {
		build_image();
		int flips = 1 + round % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = (seed >> 8) % sizeof img;
			seed = seed * 1103515245u + 12345u;
			img[off] ^= (uint8_t)(1u << ((seed >> 16) % 8));
		}
		struct perr err;
		if (try_load(sizeof img, &err) < 0)
			ck_assert(err.msg[0]);
	}
}
END_TEST

START_TEST(detect)
{
	char path[] = "/tmp/persona-pe-XXXXXX";
	int fd = mkstemp(path);
	struct perr err = { 0 };

	ck_assert_int_ge(fd, 0);
	unlink(path);
	build_image();
	ck_assert_int_eq(write(fd, img, sizeof img), (ssize_t)sizeof img);
	ck_assert_int_eq(pe_detect(fd, &err), 1);
	ck_assert_int_eq(ftruncate(fd, 0x40), 0);
	ck_assert_int_eq(pe_detect(fd, &err), 0);
	ck_assert_int_eq(pwrite(fd, "\177ELF", 4, 0), 4);
	ck_assert_int_eq(pe_detect(fd, &err), 0);
	close(fd);
}
END_TEST

/* An export directory at RVA 0x2100 (in .idata): ordinal base 5,
 * "answer" (#5, the code at 0x1000) and "fwd_strlen" (#6, forwarded to
 * msvcrt.strlen). */
static void add_exports(void)
{
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_EXPORT, 0x2100);
	put32(OFF_OH + 112 + 8 * IMAGE_DIRECTORY_ENTRY_EXPORT + 4, 0x80);
	size_t e = RVA_TO_IDATA(0x2100);
	put32(e + 16, 5);         /* Base */
	put32(e + 20, 2);         /* NumberOfFunctions */
	put32(e + 24, 2);         /* NumberOfNames */
	put32(e + 28, 0x2130);    /* AddressOfFunctions */
	put32(e + 32, 0x2138);    /* AddressOfNames */
	put32(e + 36, 0x2140);    /* AddressOfNameOrdinals */
	put32(RVA_TO_IDATA(0x2130), 0x1000);
	put32(RVA_TO_IDATA(0x2134), 0x2150);
	put32(RVA_TO_IDATA(0x2138), 0x2160);
	put32(RVA_TO_IDATA(0x213c), 0x2168);
	put16(RVA_TO_IDATA(0x2140), 0);
	put16(RVA_TO_IDATA(0x2142), 1);
	strcpy((char *)img + RVA_TO_IDATA(0x2150), "msvcrt.strlen");
	strcpy((char *)img + RVA_TO_IDATA(0x2160), "answer");
	strcpy((char *)img + RVA_TO_IDATA(0x2168), "fwd_strlen");
}

static void *export_of(const char *name, unsigned ordinal, struct pe_module *mod, struct perr *err)
{
	struct pe_file pf;

	memset(err, 0, sizeof *err);
	ck_assert_msg(pe_parse(img, sizeof img, &pf, err) == 0, "%s", err->msg);
	ck_assert_msg(pe_load(&pf, mod, err) == 0, "%s", err->msg);
	return pe_module_export(mod, name, ordinal, 0, err);
}

START_TEST(exports_names_ordinals_forwarders)
{
	struct pe_module mod;
	struct perr err;
	void *strlen_addr = win_builtin_export(win_builtin_dll("msvcrt"), "strlen");

	build_image();
	add_exports();
	ck_assert_ptr_eq(export_of("answer", 0, &mod, &err), mod.base + 0x1000);
	ck_assert_ptr_eq(pe_module_export(&mod, NULL, 5, 0, &err), mod.base + 0x1000);
	ck_assert_ptr_eq(pe_module_export(&mod, "fwd_strlen", 0, 0, &err), strlen_addr);
	ck_assert_ptr_eq(pe_module_export(&mod, NULL, 6, 0, &err), strlen_addr);
	ck_assert_ptr_null(pe_module_export(&mod, "Answer", 0, 0, &err));
	ck_assert_msg(strstr(err.msg, "no such function"), "%s", err.msg);
	ck_assert_ptr_null(pe_module_export(&mod, NULL, 4, 0, &err));
	ck_assert_ptr_null(pe_module_export(&mod, NULL, 7, 0, &err));
	/* the depth limit stops forwarder chains */
	ck_assert_ptr_null(pe_module_export(&mod, "fwd_strlen", 0, PE_MAX_FORWARD_DEPTH, &err));
	ck_assert_msg(strstr(err.msg, "forwarded more than"), "%s", err.msg);
	pe_unload(&mod);

	/* a forwarder that names no function, one to a missing DLL */
	build_image();
	add_exports();
	strcpy((char *)img + RVA_TO_IDATA(0x2150), "nodot");
	ck_assert_ptr_null(export_of("fwd_strlen", 0, &mod, &err));
	ck_assert_msg(strstr(err.msg, "not DLL.Function"), "%s", err.msg);
	pe_unload(&mod);
	build_image();
	add_exports();
	strcpy((char *)img + RVA_TO_IDATA(0x2150), "nosuchdll.f");
	unsetenv("PERSONA_WIN_PATH");
	ck_assert_ptr_null(export_of("fwd_strlen", 0, &mod, &err));
	ck_assert_msg(strstr(err.msg, "nosuchdll.dll") && strstr(err.msg, "no such DLL"), "%s", err.msg);
	pe_unload(&mod);

	/* tables outside the image */
	build_image();
	add_exports();
	put32(RVA_TO_IDATA(0x2100) + 32, 0x3ffe);
	ck_assert_ptr_null(export_of("answer", 0, &mod, &err));
	ck_assert_msg(strstr(err.msg, "outside the image"), "%s", err.msg);
	pe_unload(&mod);
	build_image();
	add_exports();
	put32(RVA_TO_IDATA(0x2138), 0x7fffffff);
	ck_assert_ptr_null(export_of("answer", 0, &mod, &err));
	ck_assert_msg(strstr(err.msg, "outside the image"), "%s", err.msg);
	pe_unload(&mod);
	build_image();
	add_exports();
	put32(RVA_TO_IDATA(0x2130), 0x12345678);
	ck_assert_ptr_null(export_of(NULL, 5, &mod, &err));
	ck_assert_msg(strstr(err.msg, "outside the image"), "%s", err.msg);
	pe_unload(&mod);
}
END_TEST

/* Random bit flips in the export directory, its tables, names and
 * forwarder: lookups fail or succeed, never crash, and what they return
 * lies in the image or is a builtin's. */
START_TEST(export_corruption_never_crashes)
{
	unsigned seed = 7;
	void *strlen_addr = win_builtin_export(win_builtin_dll("msvcrt"), "strlen");
	static const char *const names[] = { "answer", "fwd_strlen", "a", "zzz" };

	unsetenv("PERSONA_WIN_PATH");
	for (int round = 0; round < 20000; round++) {
		build_image();
		add_exports();
		int flips = 1 + round % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = RVA_TO_IDATA(0x2100) + (seed >> 8) % 0x80;
			seed = seed * 1103515245u + 12345u;
			img[off] ^= (uint8_t)(1u << ((seed >> 16) % 8));
		}
		struct pe_file pf;
		struct pe_module mod;
		struct perr err = { 0 };
		if (pe_parse(img, sizeof img, &pf, &err) < 0 || pe_load(&pf, &mod, &err) < 0)
			continue;
		for (unsigned i = 0; i < 4 + 8; i++) {
			uint8_t *p = i < 4 ? pe_module_export(&mod, names[i], 0, 0, &err)
					   : pe_module_export(&mod, NULL, i - 4 + 3, 0, &err);
			ck_assert(!p || p == strlen_addr || (p >= mod.base && p < mod.base + mod.size));
		}
		pe_unload(&mod);
	}
}
END_TEST

/* A real DLL from Debian's mingw-w64 found through PERSONA_WIN_PATH,
 * loaded once, its exports by name and by ordinal. */
START_TEST(real_dll_search_and_exports)
{
	const char *dir = "/usr/lib/gcc/x86_64-w64-mingw32/12-win32";
	const struct win_dll *b;
	struct pe_module *m, *again;
	struct perr err = { 0 };
	char path[512];

	snprintf(path, sizeof path, "%s/libgcc_s_seh-1.dll", dir);
	if (access(path, R_OK) != 0)
		SKIP_TEST("%s missing (apt-get install gcc-mingw-w64-x86-64-win32)", path);
	unsetenv("PERSONA_WIN_PATH");
	ck_assert_int_eq(pe_resolve_dll("libgcc_s_seh-1.dll", &b, &m, &err), -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, "no such DLL"), "%s", err.msg);
	/* system DLLs are persona's own */
	ck_assert_int_eq(pe_resolve_dll("KERNEL32.dll", &b, &m, &err), 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(m);

	setenv("PERSONA_WIN_PATH", "/nonexistent:/usr/lib/gcc/x86_64-w64-mingw32/12-win32", 1);
	ck_assert_msg(pe_resolve_dll("LIBGCC_S_SEH-1.DLL", &b, &m, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(m);
	ck_assert(m->is_dll);
	ck_assert_str_eq(m->name, "libgcc_s_seh-1.dll");
	ck_assert_msg(pe_resolve_dll("libgcc_s_seh-1", &b, &again, &err) == 0, "%s", err.msg);
	ck_assert_ptr_eq(again, m);
	ck_assert_uint_eq(pe_dll_count(), 1);
	ck_assert_ptr_eq(pe_dll_find("libgcc_s_seh-1.dll"), m);
	ck_assert_ptr_eq(pe_dll_by_base(m->base), m);
	void *p = pe_module_export(m, "_Unwind_Resume", 0, 0, &err);
	ck_assert_msg(p, "%s", err.msg);
	ck_assert_ptr_eq(pe_module_containing((uint64_t)p), m);
	ck_assert_ptr_null(pe_module_export(m, "no_such_function", 0, 0, &err));

	/* the same address through its ordinal: find it in the export table */
	const IMAGE_DATA_DIRECTORY *d = &m->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	IMAGE_EXPORT_DIRECTORY ed;
	memcpy(&ed, m->base + d->VirtualAddress, sizeof ed);
	bool found = false;
	for (DWORD i = 0; i < ed.NumberOfFunctions && !found; i++) {
		DWORD rva;
		memcpy(&rva, m->base + ed.AddressOfFunctions + 4 * i, 4);
		if (m->base + rva == p) {
			ck_assert_ptr_eq(pe_module_export(m, NULL, ed.Base + i, 0, &err), p);
			found = true;
		}
	}
	ck_assert(found);
	unsetenv("PERSONA_WIN_PATH");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("pe_loader");
	TCase *tc = tcase_create("pe");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid_image_loads_and_binds);
	tcase_add_test(tc, relocates_when_base_taken);
	tcase_add_test(tc, delay_load_directory);
	tcase_add_test(tc, every_truncation_fails_cleanly);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, bad_sections);
	tcase_add_test(tc, bad_imports);
	tcase_add_test(tc, random_corruption_never_crashes);
	tcase_add_test(tc, detect);
	tcase_add_test(tc, exports_names_ordinals_forwarders);
	tcase_add_test(tc, export_corruption_never_crashes);
	tcase_add_test(tc, real_dll_search_and_exports);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
