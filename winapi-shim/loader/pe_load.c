/* persona winapi-shim: map a validated PE32+ image, relocate it, bind its
 * imports to the builtin DLLs (Microsoft "PE Format": ".reloc", ".idata",
 * ".tls" sections). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/loader/pe.h"

/* Images up to this size are populated when mapped (see pe_load). */
#define PE_POPULATE_MAX (64u << 20)

#define PE_PAGE 4096u

/* A file persona cannot run: status 126, as for any bad image. */
#define bad(err, ...) perr_status((err), 126, __VA_ARGS__)

/* A pointer to `len` bytes at `rva` of the mapped image, or NULL when
 * any of them lies outside it. */
static void *image_ptr(const struct pe_module *mod, uint64_t rva, uint64_t len)
{
	if (rva > mod->size || len > mod->size - rva)
		return NULL;
	return mod->base + rva;
}

/* A NUL-terminated string at `rva` entirely inside the image, or NULL. */
static const char *image_str(const struct pe_module *mod, uint64_t rva)
{
	if (rva == 0 || rva >= mod->size)
		return NULL;
	const char *s = (const char *)mod->base + rva;
	return memchr(s, 0, mod->size - rva) ? s : NULL;
}

int pe_section_prot(DWORD c)
{
	int prot = 0;

	if (c & IMAGE_SCN_MEM_READ)
		prot |= PROT_READ;
	if (c & IMAGE_SCN_MEM_WRITE)
		prot |= PROT_READ | PROT_WRITE;
	if (c & IMAGE_SCN_MEM_EXECUTE)
		prot |= PROT_READ | PROT_EXEC;
	return prot;
}

DWORD pe_section_page_protect(DWORD c)
{
	bool x = c & IMAGE_SCN_MEM_EXECUTE, w = c & IMAGE_SCN_MEM_WRITE, r = c & IMAGE_SCN_MEM_READ;

	if (x)
		return w ? PAGE_EXECUTE_READWRITE : PAGE_EXECUTE_READ;
	if (w)
		return PAGE_READWRITE;
	return r ? PAGE_READONLY : PAGE_NOACCESS;
}

static int apply_relocations(struct pe_module *mod, struct perr *err)
{
	const IMAGE_DATA_DIRECTORY *d = &mod->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC];
	uint64_t off = 0;

	if (mod->delta == 0)
		return 0;
	if (d->Size == 0)
		return bad(err, "the preferred ImageBase 0x%llx is taken and the image has no base relocations",
			   (unsigned long long)mod->oh.ImageBase);
	while (off + sizeof(IMAGE_BASE_RELOCATION) <= d->Size) {
		IMAGE_BASE_RELOCATION blk;
		const void *p = image_ptr(mod, (uint64_t)d->VirtualAddress + off, sizeof blk);
		if (!p)
			return bad(err, "base relocation block at RVA 0x%llx lies outside the image",
				   (unsigned long long)(d->VirtualAddress + off));
		memcpy(&blk, p, sizeof blk);
		if (blk.SizeOfBlock < sizeof blk || blk.SizeOfBlock % 2 || blk.SizeOfBlock > d->Size - off)
			return bad(err, "base relocation block at RVA 0x%llx has a bad SizeOfBlock %u",
				   (unsigned long long)(d->VirtualAddress + off), blk.SizeOfBlock);
		unsigned n = (blk.SizeOfBlock - sizeof blk) / 2;
		const uint8_t *ent = (const uint8_t *)p + sizeof blk;
		for (unsigned i = 0; i < n; i++) {
			WORD e;
			memcpy(&e, ent + 2 * i, 2);
			unsigned type = e >> 12;
			uint64_t rva = (uint64_t)blk.VirtualAddress + (e & 0xfff);
			if (type == IMAGE_REL_BASED_ABSOLUTE)
				continue;
			if (type == IMAGE_REL_BASED_DIR64) {
				uint8_t *t = image_ptr(mod, rva, 8);
				uint64_t v;
				if (!t)
					return bad(err, "base relocation target RVA 0x%llx lies outside the image",
						   (unsigned long long)rva);
				memcpy(&v, t, 8);
				v += (uint64_t)mod->delta;
				memcpy(t, &v, 8);
			} else if (type == IMAGE_REL_BASED_HIGHLOW) {
				uint8_t *t = image_ptr(mod, rva, 4);
				uint32_t v;
				if (!t)
					return bad(err, "base relocation target RVA 0x%llx lies outside the image",
						   (unsigned long long)rva);
				memcpy(&v, t, 4);
				v += (uint32_t)mod->delta;
				memcpy(t, &v, 4);
			} else {
				return bad(err, "base relocation type %u at RVA 0x%llx is not supported",
					   type, (unsigned long long)rva);
			}
		}
		off += blk.SizeOfBlock;
	}
	return 0;
}

/* An import a loaded DLL makes that no builtin has: bound to a stub that
 * says so when called (DLLs import much they never call), instead of
 * failing the load as Windows would. */
static void WINAPI missing_import_called(const char *what)
{
	fflush(NULL);
	fprintf(stderr, "persona: %s: called, but persona does not implement it\n", what);
	_exit(126);
}

static void *missing_import_stub(const char *dll, const char *fn)
{
	static uint8_t *page;
	static size_t used;
	char *what = NULL;

	if (asprintf(&what, "import \"%s\"!\"%s\"", dll, fn) < 0)
		return NULL;
	if (!page || used + 32 > PE_PAGE) {
		page = mmap(NULL, PE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED) {
			page = NULL;
			free(what);
			return NULL;
		}
		used = 0;
	} else if (mprotect(page, PE_PAGE, PROT_READ | PROT_WRITE) < 0) {
		free(what);
		return NULL;
	}
	/* movabs $what, %rcx; movabs $missing_import_called, %rax; jmp *%rax */
	uint8_t *p = page + used;
	uint64_t a = (uint64_t)(uintptr_t)what, f = (uint64_t)(uintptr_t)missing_import_called;
	p[0] = 0x48, p[1] = 0xb9;
	memcpy(p + 2, &a, 8);
	p[10] = 0x48, p[11] = 0xb8;
	memcpy(p + 12, &f, 8);
	p[20] = 0xff, p[21] = 0xe0;
	used += 32;
	mprotect(page, PE_PAGE, PROT_READ | PROT_EXEC);
	return p;
}

static int bind_one_dll(struct pe_module *mod, const IMAGE_IMPORT_DESCRIPTOR *imp, struct perr *err)
{
	const char *dllname = image_str(mod, imp->Name);
	if (!dllname)
		return bad(err, "import descriptor: DLL name RVA 0x%x lies outside the image", imp->Name);
	const struct win_dll *dll;
	struct pe_module *real;
	if (pe_resolve_dll(dllname, &dll, &real, err) < 0)
		return -1;

	uint64_t ilt = imp->OriginalFirstThunk ? imp->OriginalFirstThunk : imp->FirstThunk;
	uint64_t iat = imp->FirstThunk;
	for (uint64_t i = 0;; i++) {
		const uint8_t *lp = image_ptr(mod, ilt + 8 * i, 8);
		uint8_t *ap = image_ptr(mod, iat + 8 * i, 8);
		uint64_t thunk;
		void *addr;

		if (!lp || !ap)
			return bad(err, "import \"%s\": lookup or address table runs outside the image", dllname);
		memcpy(&thunk, lp, 8);
		if (thunk == 0)
			break;
		if (thunk & IMAGE_ORDINAL_FLAG64) {
			if (!real)
				return bad(err, "import \"%s\"!#%u: persona's %s exports nothing by ordinal",
					   dllname, (unsigned)(thunk & 0xffff), dll->name);
			addr = pe_module_export(real, NULL, (unsigned)(thunk & 0xffff), 0, err);
			if (!addr)
				return perr_prefix(err, "import \"%s\"!#%u", dllname, (unsigned)(thunk & 0xffff));
			memcpy(ap, &addr, 8);
			continue;
		}
		if (thunk >> 31)
			return bad(err, "import \"%s\": hint/name RVA 0x%llx is out of range",
				   dllname, (unsigned long long)thunk);
		const char *fn = image_str(mod, thunk + 2);
		if (!fn)
			return bad(err, "import \"%s\": function name at RVA 0x%llx lies outside the image",
				   dllname, (unsigned long long)thunk);
		if (real) {
			addr = pe_module_export(real, fn, 0, 0, err);
			if (!addr)
				return perr_prefix(err, "import \"%s\"!\"%s\"", dllname, fn);
		} else {
			addr = win_builtin_export(dll, fn);
			if (!addr && mod->is_dll)
				addr = missing_import_stub(dllname, fn);
			if (!addr)
				return bad(err, "import \"%s\"!\"%s\": no such function in persona's %s",
					   dllname, fn, dll->name);
		}
		memcpy(ap, &addr, 8);
	}
	return 0;
}

static int bind_imports(struct pe_module *mod, struct perr *err)
{
	const IMAGE_DATA_DIRECTORY *d = &mod->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];

	if (d->Size == 0 && d->VirtualAddress == 0)
		return 0;
	for (uint64_t off = 0;; off += sizeof(IMAGE_IMPORT_DESCRIPTOR)) {
		IMAGE_IMPORT_DESCRIPTOR imp;
		const void *p = image_ptr(mod, (uint64_t)d->VirtualAddress + off, sizeof imp);
		if (!p)
			return bad(err, "import directory runs outside the image");
		memcpy(&imp, p, sizeof imp);
		if (imp.Name == 0 && imp.FirstThunk == 0)
			return 0;
		if (bind_one_dll(mod, &imp, err) < 0)
			return -1;
	}
}

#define MAX_DELAY_IMPORTS 65536

/* One delay-load descriptor: RVA-based, its name, module handle and
 * tables inside the image.  Returns the number of imports, or -1. */
static long check_delay_descriptor(const struct pe_module *mod, const IMAGE_DELAYLOAD_DESCRIPTOR *d, struct perr *err)
{
	if (!(d->Attributes & IMAGE_DELAYLOAD_RVA_BASED))
		return bad(err, "delay-load descriptor for DLL name 0x%x holds virtual addresses, not RVAs", d->DllNameRVA);
	const char *dll = image_str(mod, d->DllNameRVA);
	if (!dll)
		return bad(err, "delay-load descriptor: DLL name RVA 0x%x lies outside the image", d->DllNameRVA);
	if (!image_ptr(mod, d->ModuleHandleRVA, 8))
		return bad(err, "delay import \"%s\": module handle RVA 0x%x lies outside the image", dll,
			   d->ModuleHandleRVA);
	for (uint64_t i = 0;; i++) {
		const uint8_t *np = image_ptr(mod, (uint64_t)d->ImportNameTableRVA + 8 * i, 8);
		uint64_t thunk;
		if (!np || !image_ptr(mod, (uint64_t)d->ImportAddressTableRVA + 8 * i, 8))
			return bad(err, "delay import \"%s\": name or address table runs outside the image", dll);
		memcpy(&thunk, np, 8);
		if (thunk == 0)
			return (long)i;
		if (i >= MAX_DELAY_IMPORTS)
			return bad(err, "delay import \"%s\": more than %d functions", dll, MAX_DELAY_IMPORTS);
		if (!(thunk & IMAGE_ORDINAL_FLAG64) && (thunk >> 31 || !image_str(mod, thunk + 2)))
			return bad(err, "delay import \"%s\": function name at RVA 0x%llx lies outside the image", dll,
				   (unsigned long long)thunk);
	}
}

static int check_delay_imports(struct pe_module *mod, struct perr *err)
{
	const IMAGE_DATA_DIRECTORY *dir = &mod->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT];

	if (dir->VirtualAddress == 0)
		return 0;
	for (uint64_t off = 0;; off += sizeof(IMAGE_DELAYLOAD_DESCRIPTOR)) {
		IMAGE_DELAYLOAD_DESCRIPTOR d;
		const void *p = image_ptr(mod, (uint64_t)dir->VirtualAddress + off, sizeof d);
		if (!p)
			return bad(err, "delay-load directory runs outside the image");
		memcpy(&d, p, sizeof d);
		if (d.DllNameRVA == 0)
			return 0;
		if (check_delay_descriptor(mod, &d, err) < 0)
			return -1;
	}
}

int pe_delay_import(const struct pe_module *mod, const IMAGE_DELAYLOAD_DESCRIPTOR *d, uint64_t slot,
		    const char **dll, const char **name, unsigned *ordinal, struct perr *err)
{
	uint64_t base = (uint64_t)mod->base;
	IMAGE_DELAYLOAD_DESCRIPTOR dd;

	if ((uint64_t)d < base || !image_ptr(mod, (uint64_t)d - base, sizeof dd))
		return bad(err, "delay-load descriptor %p lies outside the module", (const void *)d);
	memcpy(&dd, d, sizeof dd);
	long n = check_delay_descriptor(mod, &dd, err);
	if (n < 0)
		return -1;
	uint64_t iat = base + dd.ImportAddressTableRVA;
	if (slot < iat || (slot - iat) % 8 || (slot - iat) / 8 >= (uint64_t)n)
		return bad(err, "delay import \"%s\": %p is not one of its address table's %ld slots",
			   (const char *)mod->base + dd.DllNameRVA, (const void *)slot, n);
	uint64_t thunk;
	memcpy(&thunk, mod->base + dd.ImportNameTableRVA + (slot - iat), 8);
	*dll = (const char *)mod->base + dd.DllNameRVA;
	*name = thunk & IMAGE_ORDINAL_FLAG64 ? NULL : (const char *)mod->base + thunk + 2;
	*ordinal = (unsigned)(thunk & 0xffff);
	return 0;
}

static int check_tls(struct pe_module *mod, struct perr *err)
{
	const IMAGE_DATA_DIRECTORY *d = &mod->oh.DataDirectory[IMAGE_DIRECTORY_ENTRY_TLS];
	uint64_t base = (uint64_t)mod->base;

	if (d->Size == 0)
		return 0;
	const void *p = image_ptr(mod, d->VirtualAddress, sizeof(IMAGE_TLS_DIRECTORY64));
	if (!p)
		return bad(err, "TLS directory lies outside the image");
	memcpy(&mod->tls, p, sizeof mod->tls);
	IMAGE_TLS_DIRECTORY64 *t = &mod->tls;
	/* These are virtual addresses, already relocated. */
	if (t->StartAddressOfRawData > t->EndAddressOfRawData ||
	    (t->StartAddressOfRawData && !image_ptr(mod, t->StartAddressOfRawData - base,
						     t->EndAddressOfRawData - t->StartAddressOfRawData)))
		return bad(err, "TLS template 0x%llx..0x%llx lies outside the image",
			   (unsigned long long)t->StartAddressOfRawData, (unsigned long long)t->EndAddressOfRawData);
	if (t->SizeOfZeroFill > (1u << 24))
		return bad(err, "TLS SizeOfZeroFill 0x%x is too large", t->SizeOfZeroFill);
	if (t->AddressOfIndex && !image_ptr(mod, t->AddressOfIndex - base, 4))
		return bad(err, "TLS AddressOfIndex 0x%llx lies outside the image",
			   (unsigned long long)t->AddressOfIndex);
	if (t->AddressOfCallBacks) {
		for (unsigned i = 0;; i++) {
			const uint8_t *cp = image_ptr(mod, t->AddressOfCallBacks - base + 8 * i, 8);
			uint64_t cb;
			if (!cp)
				return bad(err, "TLS callback array runs outside the image");
			memcpy(&cb, cp, 8);
			if (cb == 0)
				break;
			if (!image_ptr(mod, cb - base, 1))
				return bad(err, "TLS callback %u at 0x%llx lies outside the image", i,
					   (unsigned long long)cb);
		}
	}
	mod->has_tls = true;
	return 0;
}

static int protect_sections(struct pe_module *mod, struct perr *err)
{
	size_t hdr = (mod->oh.SizeOfHeaders + PE_PAGE - 1) & ~(size_t)(PE_PAGE - 1);

	if (mprotect(mod->base, hdr, PROT_READ) < 0)
		return perr_set(err, errno, "mprotect headers");
	for (unsigned i = 0; i < mod->nsections; i++) {
		const IMAGE_SECTION_HEADER *s = &mod->sections[i];
		size_t vs = s->VirtualSize ? s->VirtualSize : s->SizeOfRawData;
		size_t len = (vs + PE_PAGE - 1) & ~(size_t)(PE_PAGE - 1);
		if (len && mprotect(mod->base + s->VirtualAddress, len, pe_section_prot(s->Characteristics)) < 0)
			return perr_set(err, errno, "mprotect section %u", i);
	}
	return 0;
}

int pe_load(const struct pe_file *pf, struct pe_module *mod, struct perr *err)
{
	const IMAGE_OPTIONAL_HEADER64 *oh = &pf->oh;
	size_t size = (oh->SizeOfImage + PE_PAGE - 1) & ~(size_t)(PE_PAGE - 1);
	void *want = (void *)(uintptr_t)oh->ImageBase;

	memset(mod, 0, sizeof *mod);
	mod->oh = *oh;
	mod->nsections = pf->fh.NumberOfSections;
	mod->is_dll = pf->fh.Characteristics & IMAGE_FILE_DLL;
	memcpy(mod->sections, pf->sections, mod->nsections * sizeof(IMAGE_SECTION_HEADER));

	/* Windows keeps the lowest 64 KiB unmapped; so does persona, even as
	 * root (whom Linux lets map page 0): such an image is relocated.
	 * Populated in one go (first touches of pages are expensive exits on
	 * a nested VM), unless it is large (a big .bss stays lazy, as
	 * Windows commits it). */
	int populate = size <= PE_POPULATE_MAX ? MAP_POPULATE : 0;
	void *base = MAP_FAILED;
	if (oh->ImageBase >= 0x10000)
		base = mmap(want, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | populate,
			    -1, 0);
	if (base == MAP_FAILED || base != want) {
		if (base != MAP_FAILED)
			munmap(base, size);
		if (pf->fh.Characteristics & IMAGE_FILE_RELOCS_STRIPPED)
			return bad(err, "the preferred ImageBase 0x%llx is taken and relocations are stripped",
				   (unsigned long long)oh->ImageBase);
		base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);
		if (base == MAP_FAILED)
			return perr_set(err, errno, "cannot map %zu bytes for the image", size);
	}
	mod->base = base;
	mod->size = size;
	mod->delta = (int64_t)((uint64_t)base - oh->ImageBase);

	memcpy(mod->base, pf->data, oh->SizeOfHeaders);
	for (unsigned i = 0; i < mod->nsections; i++) {
		const IMAGE_SECTION_HEADER *s = &mod->sections[i];
		size_t vs = s->VirtualSize ? s->VirtualSize : s->SizeOfRawData;
		size_t n = s->SizeOfRawData < vs ? s->SizeOfRawData : vs;
		if (n && !(s->Characteristics & IMAGE_SCN_CNT_UNINITIALIZED_DATA))
			memcpy(mod->base + s->VirtualAddress, pf->data + s->PointerToRawData, n);
	}
	if (apply_relocations(mod, err) < 0 || bind_imports(mod, err) < 0 ||
	    check_delay_imports(mod, err) < 0 || check_tls(mod, err) < 0 ||
	    protect_sections(mod, err) < 0) {
		pe_unload(mod);
		return -1;
	}
	mod->entry = oh->AddressOfEntryPoint ? mod->base + oh->AddressOfEntryPoint : NULL;
	return 0;
}

void pe_unload(struct pe_module *mod)
{
	if (mod->base)
		munmap(mod->base, mod->size);
	mod->base = NULL;
}

/* The file's bytes, read (not mapped: a file truncated meanwhile must
 * not fault persona) into memory populated in one go: on a nested VM
 * every first touch of a page is an expensive exit. */
struct file_buf {
	uint8_t *p;
	size_t len;
};

static void file_buf_free(struct file_buf *b)
{
	if (b->p)
		munmap(b->p, b->len ? b->len : 1);
}

int pe_load_file(const char *path, struct pe_module *mod, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	__attribute__((cleanup(file_buf_free))) struct file_buf fb = { 0 };
	uint8_t *buf;
	struct stat st;
	struct pe_file pf;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		perr_set(err, e, "%s", path);
		if (err)
			err->status = e == ENOENT ? 127 : 126;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > PE_MAX_FILE_SIZE) {
		bad(err, "%s: not a regular file of at most %llu bytes", path, (unsigned long long)PE_MAX_FILE_SIZE);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	void *m = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		return perr_set(err, ENOMEM, "%s", path);
	fb.p = buf = m;
	fb.len = size;
	size_t got = 0;
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return perr_set(err, errno, "read %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (pe_parse(buf, got, &pf, err) < 0 || pe_load(&pf, mod, err) < 0)
		return perr_prefix(err, "%s", path);
	return 0;
}
