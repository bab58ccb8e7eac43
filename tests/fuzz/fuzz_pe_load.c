/* persona tests/fuzz: libFuzzer target for the PE32+ loader.
 *
 * Each input that pe_parse() accepts is mapped by pe_load()
 * (winapi-shim/loader/pe_load.c): base relocations (the preferred base is
 * often taken under ASan, so they run), import binding, the delay-load
 * directory and the TLS directory are checked against the mapped image;
 * then the export directory is asked for a name and two ordinals
 * (pe_module_export) and every delay-load descriptor for its first slot
 * (pe_delay_import).  Nothing runs: no entry point, no DllMain, no TLS
 * callback.
 *
 * The builtin DLLs are stubbed here (the real tables pull in all of
 * winapi-shim): kernel32, msvcrt, ntdll, shell32, ucrtbase and the
 * api-ms-win-* sets are "builtin", and every name they are asked for
 * exists, except names starting with "Missing", which do not (the
 * missing-import path).  Real DLLs are never found (no program folder, no
 * PERSONA_WIN_PATH), so imports of other DLLs fail cleanly.
 *
 * A refused file must carry status 126 and a message.  Build:
 * tests/fuzz/build.sh.  See tests/fuzz/README.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/loader/pe.h"

static const struct win_dll fake_dll = { "kernel32.dll", NULL, 0 };
static char fake_function;

const struct win_dll *win_builtin_dll(const char *name)
{
	static const char *const names[] = { "kernel32", "msvcrt", "ntdll", "shell32", "ucrtbase" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (!strncasecmp(name, names[i], n) && (!name[n] || !strcasecmp(name + n, ".dll")))
			return &fake_dll;
	}
	return strncasecmp(name, "api-ms-win-", 11) ? NULL : &fake_dll;
}

void *win_builtin_export(const struct win_dll *dll, const char *name)
{
	return strncmp(name, "Missing", 7) ? &fake_function : NULL;
}

static volatile uint8_t sink;

static void refused(const struct perr *err, const char *who)
{
	if (err->status != 126 || !err->msg[0]) {
		fprintf(stderr, "fuzz_pe_load: %s refused without status 126 and a message (status %d, \"%s\")\n", who,
			err->status, err->msg);
		abort();
	}
}

static void probe(struct pe_module *mod)
{
	struct perr err;

	memset(&err, 0, sizeof err);
	if (pe_module_export(mod, "a", 0, 0, &err))
		sink ^= 1;
	for (unsigned ord = 0; ord < 3; ord += 2) {
		memset(&err, 0, sizeof err);
		if (pe_module_export(mod, NULL, ord, 0, &err))
			sink ^= 1;
	}

	const IMAGE_DATA_DIRECTORY *d = &mod->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT];
	if (!d->VirtualAddress)
		return;
	/* pe_load checked the directory: each descriptor lies in the image */
	for (uint64_t off = 0; off < 64 * sizeof(IMAGE_DELAYLOAD_DESCRIPTOR); off += sizeof(IMAGE_DELAYLOAD_DESCRIPTOR)) {
		const IMAGE_DELAYLOAD_DESCRIPTOR *desc = (const void *)(mod->base + d->VirtualAddress + off);
		IMAGE_DELAYLOAD_DESCRIPTOR copy; /* it need not be aligned */
		memcpy(&copy, desc, sizeof copy);
		if (copy.DllNameRVA == 0)
			return;
		const char *dll, *name;
		unsigned ordinal;
		memset(&err, 0, sizeof err);
		uint64_t slot = (uint64_t)mod->base + copy.ImportAddressTableRVA;
		if (pe_delay_import(mod, desc, slot, &dll, &name, &ordinal, &err) == 0) {
			sink ^= (uint8_t)dll[0];
			if (name)
				sink ^= (uint8_t)name[0];
		} else {
			refused(&err, "pe_delay_import");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_file pf;
	struct pe_module mod;
	struct perr err;

	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&err, 0, sizeof err);
	if (pe_parse(buf, size, &pf, &err) == 0) {
		memset(&err, 0, sizeof err);
		if (pe_load(&pf, &mod, &err) == 0) {
			/* a section may be mapped unreadable, as it asked: the
			 * program would fault reading its tables there too */
			mprotect(mod.base, mod.size, PROT_READ);
			probe(&mod);
			pe_unload(&mod);
		} else if (err.status != 126 || !err.msg[0]) {
			/* mmap refusing a huge image is persona's failure (125), not the file's */
			if (!strstr(err.msg, "cannot map"))
				refused(&err, "pe_load");
		}
	}
	free(buf);
	return 0;
}
