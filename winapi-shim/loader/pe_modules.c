/* persona winapi-shim: real PE DLLs: the search, the registry of loaded
 * modules, export directories and forwarders (Microsoft "PE Format":
 * ".edata"). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/loader/pe.h"

static struct pe_module *dlls[PE_MAX_DLLS];
static unsigned ndlls, ntls;
static char app_dir[PATH_MAX];
static const struct pe_module *main_mod;

/* Every DLL met, builtin or real, in order (pe_loaded_at). */
static struct {
	const struct win_dll *builtin;
	struct pe_module *mod;
} met[PE_MAX_DLLS + 16];
static unsigned nmet;

static void note_met(const struct win_dll *b, struct pe_module *m)
{
	for (unsigned i = 0; i < nmet; i++)
		if (b ? met[i].builtin == b : met[i].mod == m)
			return;
	if (nmet < sizeof met / sizeof met[0]) {
		met[nmet].builtin = b;
		met[nmet].mod = m;
		nmet++;
	}
}

unsigned pe_loaded_count(void)
{
	return nmet;
}

void pe_loaded_at(unsigned i, const struct win_dll **builtin, struct pe_module **mod)
{
	*builtin = i < nmet ? met[i].builtin : NULL;
	*mod = i < nmet ? met[i].mod : NULL;
}

/* DLLs whose imports are being bound (cycles, depth) */
#define MAX_NESTING 16
static const char *loading[MAX_NESTING];
static unsigned nloading;

void pe_set_app_dir(const char *exe_path)
{
	const char *slash = strrchr(exe_path, '/');

	if (!slash)
		snprintf(app_dir, sizeof app_dir, ".");
	else
		snprintf(app_dir, sizeof app_dir, "%.*s", (int)(slash - exe_path), exe_path);
	if (!app_dir[0])
		snprintf(app_dir, sizeof app_dir, "/");
}

void pe_set_main(const struct pe_module *mod)
{
	main_mod = mod;
}

unsigned pe_dll_count(void)
{
	return ndlls;
}

struct pe_module *pe_dll_at(unsigned i)
{
	return i < ndlls ? dlls[i] : NULL;
}

/* "foo" names "foo.dll" too */
static bool same_dll_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na == nb)
		return !strcasecmp(a, b);
	if (na + 4 == nb)
		return !strncasecmp(a, b, na) && !strcasecmp(b + na, ".dll");
	if (nb + 4 == na)
		return !strncasecmp(a, b, nb) && !strcasecmp(a + nb, ".dll");
	return false;
}

struct pe_module *pe_dll_find(const char *name)
{
	for (unsigned i = 0; i < ndlls; i++)
		if (same_dll_name(name, dlls[i]->name))
			return dlls[i];
	return NULL;
}

struct pe_module *pe_dll_by_base(const void *base)
{
	for (unsigned i = 0; i < ndlls; i++)
		if (dlls[i]->base == base)
			return dlls[i];
	return NULL;
}

const struct pe_module *pe_module_containing(uint64_t addr)
{
	const struct pe_module *m = main_mod;
	if (m && m->base && addr >= (uint64_t)m->base && addr < (uint64_t)m->base + m->size)
		return m;
	for (unsigned i = 0; i < ndlls; i++) {
		m = dlls[i];
		if (addr >= (uint64_t)m->base && addr < (uint64_t)m->base + m->size)
			return m;
	}
	return NULL;
}

/* Look for `name` in `dir`: the exact name, then one differing in case.
 * Fills `out`; returns true when found. */
static bool find_in_dir(const char *dir, const char *name, char *out, size_t outsz)
{
	if (!dir[0])
		return false;
	if ((size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz && access(out, R_OK) == 0)
		return true;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while ((e = readdir(d))) {
		if (!strcasecmp(e->d_name, name) &&
		    (size_t)snprintf(out, outsz, "%s/%s", dir, e->d_name) < outsz && access(out, R_OK) == 0) {
			found = true;
			break;
		}
	}
	closedir(d);
	return found;
}

static bool search_dll(const char *name, char *out, size_t outsz)
{
	if (find_in_dir(app_dir, name, out, outsz))
		return true;
	const char *path = getenv("PERSONA_WIN_PATH");
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char dir[PATH_MAX];
		if (n && n < sizeof dir) {
			memcpy(dir, path, n);
			dir[n] = 0;
			if (find_in_dir(dir, name, out, outsz))
				return true;
		}
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

/* A file persona cannot run: status 126, as for any bad image. */
#define fail(err, ...) perr_status((err), 126, __VA_ARGS__)

static int load_dll_file(const char *path, const char *name, struct pe_module **mod, struct perr *err);

int pe_resolve_dll(const char *name, const struct win_dll **builtin, struct pe_module **mod, struct perr *err)
{
	char path[PATH_MAX];

	*builtin = NULL;
	*mod = NULL;
	if ((*builtin = win_builtin_dll(name))) {
		note_met(*builtin, NULL);
		return 0;
	}
	if ((*mod = pe_dll_find(name)))
		return 0;
	if (strchr(name, '/') || strchr(name, '\\') || !name[0] || strlen(name) >= sizeof dlls[0]->name)
		return fail(err, "import \"%s\": persona has no such DLL", name);
	for (unsigned i = 0; i < nloading; i++)
		if (same_dll_name(name, loading[i]))
			return fail(err, "import \"%s\": DLLs import each other in a cycle", name);
	if (nloading >= MAX_NESTING)
		return fail(err, "import \"%s\": DLL imports nested too deeply", name);
	if (ndlls >= PE_MAX_DLLS)
		return fail(err, "import \"%s\": more than 64 DLLs", name);
	if (!search_dll(name, path, sizeof path))
		return fail(err, "import \"%s\": persona has no such DLL (searched the program's folder and PERSONA_WIN_PATH)",
			    name);
	return load_dll_file(path, name, mod, err);
}

/* Load the DLL file `path` (found for `name`) and register it. */
static int load_dll_file(const char *path, const char *name, struct pe_module **mod, struct perr *err)
{
	struct pe_module *m = calloc(1, sizeof *m);
	if (!m)
		return perr_set(err, ENOMEM, "%s", path);
	loading[nloading++] = name;
	int r = pe_load_file(path, m, err);
	nloading--;
	if (r < 0) {
		free(m);
		return -1;
	}
	if (!m->is_dll) {
		pe_unload(m);
		free(m);
		return fail(err, "%s: import \"%s\" names a program, not a DLL", path, name);
	}
	const char *base = strrchr(path, '/');
	snprintf(m->name, sizeof m->name, "%s", base ? base + 1 : path);
	m->path = strdup(path);
	if (m->has_tls)
		m->tls_index = ++ntls;
	dlls[ndlls++] = m;
	note_met(NULL, m);
	*mod = m;
	return 0;
}

int pe_load_dll_path(const char *path, struct pe_module **mod, struct perr *err)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	*mod = NULL;
	if (!name[0] || strlen(name) >= sizeof dlls[0]->name)
		return fail(err, "%s: not a DLL file name", path);
	if ((*mod = pe_dll_find(name)))
		return 0;
	if (ndlls >= PE_MAX_DLLS)
		return fail(err, "%s: more than 64 DLLs", path);
	if (access(path, R_OK) < 0)
		return fail(err, "%s: persona has no such DLL", path);
	return load_dll_file(path, name, mod, err);
}

/* Resolve the forwarder string "DLL.Func" or "DLL.#ord". */
static void *forward(const char *fwd, int depth, struct perr *err)
{
	const char *dot = strrchr(fwd, '.');
	char dll[80];

	if (depth >= PE_MAX_FORWARD_DEPTH) {
		fail(err, "export forwarder \"%s\": forwarded more than 8 times", fwd);
		return NULL;
	}
	if (!dot || dot == fwd || (size_t)(dot - fwd) + 5 > sizeof dll || !dot[1]) {
		fail(err, "export forwarder \"%s\" is not DLL.Function", fwd);
		return NULL;
	}
	snprintf(dll, sizeof dll, "%.*s.dll", (int)(dot - fwd), fwd);
	const char *fn = dot + 1;
	const struct win_dll *b;
	struct pe_module *m;
	if (pe_resolve_dll(dll, &b, &m, err) < 0)
		return NULL;
	if (b) {
		void *p = fn[0] == '#' ? NULL : win_builtin_export(b, fn);
		if (!p)
			fail(err, "export forwarder \"%s\": no such function in persona's %s", fwd, b->name);
		return p;
	}
	if (fn[0] == '#') {
		char *end;
		unsigned long ord = strtoul(fn + 1, &end, 10);
		if (*end || ord > 0xffff) {
			fail(err, "export forwarder \"%s\": bad ordinal", fwd);
			return NULL;
		}
		return pe_module_export(m, NULL, (unsigned)ord, depth + 1, err);
	}
	return pe_module_export(m, fn, 0, depth + 1, err);
}

/* A NUL-terminated string at `rva` inside the image, or NULL. */
static const char *mod_str(const struct pe_module *m, uint64_t rva)
{
	if (rva == 0 || rva >= m->size)
		return NULL;
	const char *s = (const char *)m->base + rva;
	return memchr(s, 0, m->size - rva) ? s : NULL;
}

static bool in_image(const struct pe_module *m, uint64_t rva, uint64_t len)
{
	return rva <= m->size && len <= m->size - rva;
}

void *pe_module_export(const struct pe_module *m, const char *name, unsigned ordinal, int depth, struct perr *err)
{
	const IMAGE_DATA_DIRECTORY *d = &m->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	IMAGE_EXPORT_DIRECTORY ed;
	const char *who = m->name[0] ? m->name : "the module";
	char what[32];

	if (!name)
		snprintf(what, sizeof what, "#%u", ordinal);
	if (d->VirtualAddress == 0 || !in_image(m, d->VirtualAddress, sizeof ed)) {
		fail(err, "\"%s\": %s exports nothing", name ? name : what, who);
		return NULL;
	}
	memcpy(&ed, m->base + d->VirtualAddress, sizeof ed);
	if (ed.NumberOfFunctions > (1u << 16) || ed.NumberOfNames > ed.NumberOfFunctions * 4 + 16 ||
	    !in_image(m, ed.AddressOfFunctions, 4ull * ed.NumberOfFunctions) ||
	    !in_image(m, ed.AddressOfNames, 4ull * ed.NumberOfNames) ||
	    !in_image(m, ed.AddressOfNameOrdinals, 2ull * ed.NumberOfNames)) {
		fail(err, "%s: the export directory's tables lie outside the image", who);
		return NULL;
	}
	const uint8_t *funcs = m->base + ed.AddressOfFunctions;
	const uint8_t *names = m->base + ed.AddressOfNames;
	const uint8_t *ords = m->base + ed.AddressOfNameOrdinals;
	uint64_t index;

	if (name) {
		/* the name pointer table is sorted (strcmp order) */
		size_t lo = 0, hi = ed.NumberOfNames;
		bool found = false;
		index = 0;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			DWORD nrva;
			memcpy(&nrva, names + 4 * mid, 4);
			const char *s = mod_str(m, nrva);
			if (!s) {
				fail(err, "%s: an export name lies outside the image", who);
				return NULL;
			}
			int c = strcmp(name, s);
			if (c == 0) {
				WORD o;
				memcpy(&o, ords + 2 * mid, 2);
				index = o;
				found = true;
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (!found) {
			fail(err, "\"%s\": no such function in %s", name, who);
			return NULL;
		}
	} else {
		if (ordinal < ed.Base) {
			fail(err, "%s: no such ordinal in %s", what, who);
			return NULL;
		}
		index = ordinal - ed.Base;
	}
	DWORD rva;
	if (index >= ed.NumberOfFunctions || (memcpy(&rva, funcs + 4 * index, 4), rva == 0)) {
		fail(err, "\"%s\": no such function in %s", name ? name : what, who);
		return NULL;
	}
	if (rva >= d->VirtualAddress && rva < (uint64_t)d->VirtualAddress + d->Size) {
		const char *fwd = mod_str(m, rva);
		if (!fwd) {
			fail(err, "%s: an export forwarder lies outside the image", who);
			return NULL;
		}
		return forward(fwd, depth, err);
	}
	if (rva >= m->size) {
		fail(err, "%s: an export address lies outside the image", who);
		return NULL;
	}
	return m->base + rva;
}
