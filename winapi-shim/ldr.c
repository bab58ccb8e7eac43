/* persona winapi-shim: the PEB's module lists (PEB->Ldr: InLoadOrder,
 * InMemoryOrder and InInitializationOrder lists of LDR_DATA_TABLE_ENTRY),
 * kept in step with the loader's registry (teb.h: win_ldr_sync). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/loader/pe.h"
#include "winapi-shim/process.h"
#include "winapi-shim/teb.h"
#include "winapi-shim/unicode.h"

static PEB_LDR_DATA ldr = {
	.Length = sizeof(PEB_LDR_DATA),
	.InLoadOrderModuleList = { &ldr.InLoadOrderModuleList, &ldr.InLoadOrderModuleList },
	.InMemoryOrderModuleList = { &ldr.InMemoryOrderModuleList, &ldr.InMemoryOrderModuleList },
	.InInitializationOrderModuleList = { &ldr.InInitializationOrderModuleList,
					     &ldr.InInitializationOrderModuleList },
};

/* What is in the lists already: the executable, the builtins by address,
 * the real DLLs and whether their entry is in the initialisation list. */
#define MAX_ENTRIES (PE_MAX_DLLS + 16)
static struct {
	const void *key;
	LDR_DATA_TABLE_ENTRY *entry;
	bool initialized;
} have[MAX_ENTRIES];
static unsigned nhave;

static void append(LIST_ENTRY *head, LIST_ENTRY *e)
{
	e->Flink = head;
	e->Blink = head->Blink;
	head->Blink->Flink = e;
	head->Blink = e;
}

static int set_name(UNICODE_STRING *u, const char *s)
{
	WCHAR *w = win_utf16_dup(s);
	if (!w)
		return -1;
	size_t n = win_wcslen(w);
	if (n > 32766)
		n = 32766;
	w[n] = 0;
	u->Buffer = w;
	u->Length = (WORD)(n * 2);
	u->MaximumLength = (WORD)(n * 2 + 2);
	return 0;
}

static LDR_DATA_TABLE_ENTRY *add(const void *key, void *base, void *entry_point, size_t size, const char *full,
				 const char *name, ULONG stamp)
{
	if (nhave >= MAX_ENTRIES)
		return NULL;
	LDR_DATA_TABLE_ENTRY *e = calloc(1, sizeof *e);
	if (!e || set_name(&e->FullDllName, full) < 0 || set_name(&e->BaseDllName, name) < 0) {
		free(e);
		return NULL;
	}
	e->DllBase = base;
	e->EntryPoint = entry_point;
	e->SizeOfImage = (ULONG)size;
	e->ObsoleteLoadCount = 0xffff;
	e->TimeDateStamp = stamp;
	e->HashLinks.Flink = e->HashLinks.Blink = &e->HashLinks;
	e->InInitializationOrderLinks.Flink = e->InInitializationOrderLinks.Blink = &e->InInitializationOrderLinks;
	append(&ldr.InLoadOrderModuleList, &e->InLoadOrderLinks);
	append(&ldr.InMemoryOrderModuleList, &e->InMemoryOrderLinks);
	have[nhave].key = key;
	have[nhave].entry = e;
	have[nhave].initialized = false;
	nhave++;
	return e;
}

static unsigned find(const void *key)
{
	for (unsigned i = 0; i < nhave; i++)
		if (have[i].key == key)
			return i;
	return nhave;
}

static int add_builtin(const struct win_dll *b)
{
	char full[96];
	unsigned i = find(b);
	if (i == nhave) {
		snprintf(full, sizeof full, "C:\\Windows\\System32\\%s", b->name);
		if (!add(b, (void *)b, NULL, 0, full, b->name, 0))
			return -1;
	}
	if (!have[i].initialized) {
		append(&ldr.InInitializationOrderModuleList, &have[i].entry->InInitializationOrderLinks);
		have[i].initialized = true;
	}
	return 0;
}

int win_ldr_sync(void)
{
	PEB *peb = win_peb();
	struct pe_module *exe = win_proc.image;

	if (!peb)
		return 0;
	peb->Ldr = &ldr;
	if (exe && find(exe) == nhave) {
		const UNICODE_STRING *p = &peb->ProcessParameters->ImagePathName;
		char *full = p->Buffer ? win_utf8_dup(p->Buffer) : NULL;
		const char *name = full ? strrchr(full, '\\') : NULL;
		if (full && !name)
			name = strrchr(full, '/');
		if (!full || !add(exe, exe->base, exe->entry, exe->size, full, name ? name + 1 : full, 0)) {
			free(full);
			return -1;
		}
		free(full);
		have[nhave - 1].initialized = true; /* never in the initialisation list */
	}
	if (add_builtin(&win_dll_ntdll) < 0 || add_builtin(&win_dll_kernel32) < 0)
		return -1;
	for (unsigned i = 0; i < pe_loaded_count(); i++) {
		const struct win_dll *b;
		struct pe_module *m;
		pe_loaded_at(i, &b, &m);
		if (b) {
			if (add_builtin(b) < 0)
				return -1;
			continue;
		}
		unsigned k = find(m);
		if (k == nhave && !add(m, m->base, m->entry, m->size, m->path ? m->path : m->name, m->name, 0))
			return -1;
		if (m->attached && !have[k].initialized) {
			append(&ldr.InInitializationOrderModuleList, &have[k].entry->InInitializationOrderLinks);
			have[k].initialized = true;
		}
	}
	ldr.Initialized = TRUE;
	return 0;
}
