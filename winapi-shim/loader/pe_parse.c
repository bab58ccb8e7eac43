/* persona winapi-shim: PE32+ header validation (Microsoft "PE Format"). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "winapi-shim/loader/pe.h"

#define PE_PAGE 4096u

static int bad(struct perr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct perr *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	perr_set(err, 0, "not a valid PE32+ image: %s", msg);
	if (err)
		err->status = 126;
	return -1;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int pe_detect(int fd, struct perr *err)
{
	uint8_t buf[sizeof(IMAGE_DOS_HEADER)];
	uint32_t sig;
	ssize_t n = pread(fd, buf, sizeof buf, 0);

	if (n < 0)
		return perr_set(err, errno, "read");
	if ((size_t)n < sizeof buf || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	IMAGE_DOS_HEADER dos;
	memcpy(&dos, buf, sizeof dos);
	if (dos.e_lfanew < (LONG)sizeof(IMAGE_DOS_HEADER) - 4 || dos.e_lfanew > (1 << 28))
		return 0;
	n = pread(fd, &sig, sizeof sig, dos.e_lfanew);
	if (n < 0)
		return perr_set(err, errno, "read");
	return n == sizeof sig && sig == IMAGE_NT_SIGNATURE;
}

static int check_sections(const struct pe_file *pf, struct perr *err)
{
	const IMAGE_OPTIONAL_HEADER64 *oh = &pf->oh;
	uint64_t next = align_up(oh->SizeOfHeaders, oh->SectionAlignment);

	for (unsigned i = 0; i < pf->fh.NumberOfSections; i++) {
		IMAGE_SECTION_HEADER s;
		char name[IMAGE_SIZEOF_SHORT_NAME + 1] = { 0 };

		memcpy(&s, &pf->sections[i], sizeof s);
		for (int k = 0; k < IMAGE_SIZEOF_SHORT_NAME && s.Name[k]; k++)
			name[k] = (s.Name[k] >= 0x20 && s.Name[k] < 0x7f) ? (char)s.Name[k] : '?';
		uint64_t vsize = s.VirtualSize ? s.VirtualSize : s.SizeOfRawData;
		uint64_t span = align_up(vsize, oh->SectionAlignment);

		if (s.VirtualAddress % oh->SectionAlignment)
			return bad(err, "section %u \"%s\": VirtualAddress 0x%x not a multiple of SectionAlignment 0x%x",
				   i, name, s.VirtualAddress, oh->SectionAlignment);
		if (s.VirtualAddress < next)
			return bad(err, "section %u \"%s\": VirtualAddress 0x%x overlaps the headers or the previous section (next free 0x%llx)",
				   i, name, s.VirtualAddress, (unsigned long long)next);
		if ((uint64_t)s.VirtualAddress + span > oh->SizeOfImage)
			return bad(err, "section %u \"%s\": 0x%x+0x%llx ends beyond SizeOfImage 0x%x",
				   i, name, s.VirtualAddress, (unsigned long long)span, oh->SizeOfImage);
		if (s.SizeOfRawData && !(s.Characteristics & IMAGE_SCN_CNT_UNINITIALIZED_DATA)) {
			if ((uint64_t)s.PointerToRawData + s.SizeOfRawData > pf->size)
				return bad(err, "section %u \"%s\": raw data 0x%x+0x%x lies outside the file (size 0x%zx)",
					   i, name, s.PointerToRawData, s.SizeOfRawData, pf->size);
			if (s.PointerToRawData < oh->SizeOfHeaders)
				return bad(err, "section %u \"%s\": raw data at 0x%x overlaps the headers",
					   i, name, s.PointerToRawData);
		}
		next = (uint64_t)s.VirtualAddress + span;
	}
	return 0;
}

static const char *const dir_names[IMAGE_NUMBEROF_DIRECTORY_ENTRIES] = {
	"export", "import", "resource", "exception", "security", "base relocation", "debug",
	"architecture", "global pointer", "TLS", "load config", "bound import", "IAT",
	"delay import", "CLR runtime header", "reserved",
};

int pe_parse(const uint8_t *data, size_t size, struct pe_file *pf, struct perr *err)
{
	IMAGE_DOS_HEADER dos;
	DWORD sig;

	memset(pf, 0, sizeof *pf);
	pf->data = data;
	pf->size = size;
	if (size > PE_MAX_FILE_SIZE)
		return bad(err, "file larger than %llu bytes", (unsigned long long)PE_MAX_FILE_SIZE);
	if (size < sizeof dos)
		return bad(err, "file of %zu bytes is shorter than the DOS header", size);
	memcpy(&dos, data, sizeof dos);
	if (dos.e_magic != IMAGE_DOS_SIGNATURE)
		return bad(err, "no MZ signature");
	if (dos.e_lfanew < 0 || (uint64_t)dos.e_lfanew + sizeof sig + sizeof(IMAGE_FILE_HEADER) > size)
		return bad(err, "e_lfanew 0x%x points outside the file (size 0x%zx)", (unsigned)dos.e_lfanew, size);
	if (dos.e_lfanew % 4)
		return bad(err, "e_lfanew 0x%x is not 4-byte aligned", (unsigned)dos.e_lfanew);

	size_t off = (size_t)dos.e_lfanew;
	memcpy(&sig, data + off, sizeof sig);
	if (sig != IMAGE_NT_SIGNATURE)
		return bad(err, "no PE\\0\\0 signature at e_lfanew 0x%zx", off);
	off += sizeof sig;
	memcpy(&pf->fh, data + off, sizeof pf->fh);
	off += sizeof pf->fh;

	const IMAGE_FILE_HEADER *fh = &pf->fh;
	if (fh->Machine != IMAGE_FILE_MACHINE_AMD64)
		return bad(err, "Machine 0x%x is not IMAGE_FILE_MACHINE_AMD64 (x86-64)", fh->Machine);
	if (!(fh->Characteristics & IMAGE_FILE_EXECUTABLE_IMAGE))
		return bad(err, "Characteristics lack IMAGE_FILE_EXECUTABLE_IMAGE (an object file?)");
	if (fh->NumberOfSections == 0 || fh->NumberOfSections > PE_MAX_SECTIONS)
		return bad(err, "NumberOfSections %u out of range 1..%d", fh->NumberOfSections, PE_MAX_SECTIONS);

	size_t fixed = offsetof(IMAGE_OPTIONAL_HEADER64, DataDirectory);
	if (fh->SizeOfOptionalHeader < fixed)
		return bad(err, "SizeOfOptionalHeader %u is too small for PE32+", fh->SizeOfOptionalHeader);
	if (off + fh->SizeOfOptionalHeader > size)
		return bad(err, "optional header (%u bytes at 0x%zx) runs past the end of the file", fh->SizeOfOptionalHeader, off);
	WORD magic;
	memcpy(&magic, data + off, sizeof magic);
	if (magic != IMAGE_NT_OPTIONAL_HDR64_MAGIC)
		return bad(err, "optional header Magic 0x%x is not PE32+ (0x20b)", magic);
	memcpy(&pf->oh, data + off, fixed);

	IMAGE_OPTIONAL_HEADER64 *oh = &pf->oh;
	if (oh->NumberOfRvaAndSizes > IMAGE_NUMBEROF_DIRECTORY_ENTRIES)
		return bad(err, "NumberOfRvaAndSizes %u exceeds %d", oh->NumberOfRvaAndSizes, IMAGE_NUMBEROF_DIRECTORY_ENTRIES);
	if (fixed + oh->NumberOfRvaAndSizes * sizeof(IMAGE_DATA_DIRECTORY) > fh->SizeOfOptionalHeader)
		return bad(err, "%u data directories do not fit SizeOfOptionalHeader %u",
			   oh->NumberOfRvaAndSizes, fh->SizeOfOptionalHeader);
	memcpy(oh->DataDirectory, data + off + fixed, oh->NumberOfRvaAndSizes * sizeof(IMAGE_DATA_DIRECTORY));
	off += fh->SizeOfOptionalHeader;

	if (!is_pow2(oh->FileAlignment) || oh->FileAlignment < 512 || oh->FileAlignment > 65536)
		return bad(err, "FileAlignment 0x%x is not a power of 2 in 512..64K", oh->FileAlignment);
	if (!is_pow2(oh->SectionAlignment) || oh->SectionAlignment < oh->FileAlignment)
		return bad(err, "SectionAlignment 0x%x is not a power of 2 >= FileAlignment 0x%x",
			   oh->SectionAlignment, oh->FileAlignment);
	if (oh->SectionAlignment < PE_PAGE || oh->SectionAlignment > (1u << 20))
		return bad(err, "SectionAlignment 0x%x below the page size is not supported", oh->SectionAlignment);
	if (oh->SizeOfImage == 0 || oh->SizeOfImage > PE_MAX_IMAGE_SIZE || oh->SizeOfImage % oh->SectionAlignment)
		return bad(err, "SizeOfImage 0x%x is zero, too large or not a multiple of SectionAlignment", oh->SizeOfImage);
	/* Written so that no sum can wrap (the fuzzer found ImageBase
	 * 0xffffffffffff0000 + SizeOfImage passing the old form). */
	if (oh->ImageBase % 65536 || oh->ImageBase > 0x7fffffff0000ULL ||
	    oh->SizeOfImage > 0x7fffffff0000ULL - oh->ImageBase)
		return bad(err, "ImageBase 0x%llx is not 64K-aligned or not in user space", (unsigned long long)oh->ImageBase);
	if (oh->SizeOfHeaders > size || oh->SizeOfHeaders >= oh->SizeOfImage)
		return bad(err, "SizeOfHeaders 0x%x exceeds the file or the image", oh->SizeOfHeaders);
	if (oh->AddressOfEntryPoint >= oh->SizeOfImage)
		return bad(err, "AddressOfEntryPoint 0x%x lies outside the image", oh->AddressOfEntryPoint);
	if (!(fh->Characteristics & IMAGE_FILE_DLL) && oh->AddressOfEntryPoint == 0)
		return bad(err, "an executable without an entry point");
	if (oh->Subsystem != IMAGE_SUBSYSTEM_WINDOWS_CUI && oh->Subsystem != IMAGE_SUBSYSTEM_WINDOWS_GUI)
		return bad(err, "Subsystem %u is not a Windows console or GUI program", oh->Subsystem);

	size_t table = (size_t)fh->NumberOfSections * sizeof(IMAGE_SECTION_HEADER);
	if (off + table > size || off + table > oh->SizeOfHeaders)
		return bad(err, "section table (%u entries at 0x%zx) lies outside the file or the headers",
			   fh->NumberOfSections, off);
	pf->sections = (const IMAGE_SECTION_HEADER *)(data + off);
	if (check_sections(pf, err) < 0)
		return -1;

	for (unsigned i = 0; i < oh->NumberOfRvaAndSizes; i++) {
		const IMAGE_DATA_DIRECTORY *d = &oh->DataDirectory[i];
		if (i == IMAGE_DIRECTORY_ENTRY_SECURITY || (d->VirtualAddress == 0 && d->Size == 0))
			continue; /* a file offset, never mapped */
		if ((uint64_t)d->VirtualAddress + d->Size > oh->SizeOfImage)
			return bad(err, "%s directory 0x%x+0x%x lies outside the image (SizeOfImage 0x%x)",
				   dir_names[i], d->VirtualAddress, d->Size, oh->SizeOfImage);
	}
	return 0;
}
