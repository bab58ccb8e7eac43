/* persona tests/fuzz: libFuzzer target for the PE32+ header parser.
 *
 * Feeds each input to pe_parse() (winapi-shim/loader/pe_parse.c) and, through
 * a memfd, to pe_detect().  Parse only: nothing is mapped or run (pe_load is
 * not called).  Besides ASan/UBSan finding out-of-bounds reads, the target
 * checks what pe.h promises of an accepted file, so a header that passes
 * pe_parse but breaks a promise pe_load relies on aborts here too:
 *   - the section table and every initialised section's raw data lie
 *     inside the buffer, sections are ascending, aligned and inside
 *     SizeOfImage, at most PE_MAX_SECTIONS of them;
 *   - every data directory (but the security one) lies inside SizeOfImage;
 *   - ImageBase is 64K-aligned and ImageBase + SizeOfImage is in user space
 *     (computed without wrap-around);
 * and of a refused one: status 126 and a message.
 *
 * Build: tests/fuzz/build.sh.  See tests/fuzz/README.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "winapi-shim/loader/pe.h"

#define USER_TOP 0x7fffffff0000ULL

static void fail(const char *what, const struct pe_file *pf)
{
	fprintf(stderr, "fuzz_pe_parse: pe_parse accepted a file that breaks its contract: %s "
		"(ImageBase 0x%llx SizeOfImage 0x%x SectionAlignment 0x%x NumberOfSections %u)\n",
		what, (unsigned long long)pf->oh.ImageBase, pf->oh.SizeOfImage,
		pf->oh.SectionAlignment, pf->fh.NumberOfSections);
	abort();
}

static volatile uint8_t sink;

static void check_accepted(const uint8_t *data, size_t size, const struct pe_file *pf)
{
	const IMAGE_OPTIONAL_HEADER64 *oh = &pf->oh;
	uint64_t sa = oh->SectionAlignment;

	if (pf->fh.NumberOfSections == 0 || pf->fh.NumberOfSections > PE_MAX_SECTIONS)
		fail("NumberOfSections out of range", pf);
	if (sa == 0 || (sa & (sa - 1)) || sa < 4096)
		fail("SectionAlignment", pf);
	if (oh->ImageBase % 65536)
		fail("ImageBase not 64K-aligned", pf);
	if (oh->SizeOfImage == 0 || oh->ImageBase > USER_TOP || oh->SizeOfImage > USER_TOP - oh->ImageBase)
		fail("ImageBase + SizeOfImage outside user space (or wraps around)", pf);
	if (oh->AddressOfEntryPoint >= oh->SizeOfImage)
		fail("entry point outside the image", pf);

	const uint8_t *tab = (const uint8_t *)pf->sections;
	size_t tabsz = (size_t)pf->fh.NumberOfSections * sizeof(IMAGE_SECTION_HEADER);
	if (tab < data || tab + tabsz > data + size)
		fail("section table outside the buffer", pf);
	uint64_t next = 0;
	for (unsigned i = 0; i < pf->fh.NumberOfSections; i++) {
		IMAGE_SECTION_HEADER s;
		memcpy(&s, tab + i * sizeof s, sizeof s);
		uint64_t vsize = s.VirtualSize ? s.VirtualSize : s.SizeOfRawData;
		uint64_t span = (vsize + sa - 1) & ~(sa - 1);
		if (s.VirtualAddress % sa)
			fail("section not aligned", pf);
		if (s.VirtualAddress < next)
			fail("sections overlap or are not ascending", pf);
		if ((uint64_t)s.VirtualAddress + span > oh->SizeOfImage)
			fail("section beyond SizeOfImage", pf);
		next = (uint64_t)s.VirtualAddress + span;
		if (s.SizeOfRawData && !(s.Characteristics & IMAGE_SCN_CNT_UNINITIALIZED_DATA)) {
			if ((uint64_t)s.PointerToRawData + s.SizeOfRawData > size)
				fail("raw data outside the file", pf);
			/* touch the first and last raw byte: ASan sees a bad pointer */
			sink ^= data[s.PointerToRawData];
			sink ^= data[s.PointerToRawData + s.SizeOfRawData - 1];
		}
	}
	for (unsigned i = 0; i < IMAGE_NUMBEROF_DIRECTORY_ENTRIES; i++) {
		const IMAGE_DATA_DIRECTORY *d = &oh->DataDirectory[i];
		if (i >= oh->NumberOfRvaAndSizes && (d->VirtualAddress || d->Size))
			fail("directory beyond NumberOfRvaAndSizes not zeroed", pf);
		if (i == IMAGE_DIRECTORY_ENTRY_SECURITY || (!d->VirtualAddress && !d->Size))
			continue;
		if ((uint64_t)d->VirtualAddress + d->Size > oh->SizeOfImage)
			fail("data directory outside the image", pf);
	}
}

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_file pf;
	struct perr err;

	/* Exact-size heap copy: ASan then catches a read one byte past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&err, 0, sizeof err);
	if (pe_parse(buf, size, &pf, &err) == 0) {
		check_accepted(buf, size, &pf);
	} else {
		if (err.status != 126 || !err.msg[0]) {
			fprintf(stderr, "fuzz_pe_parse: refusal without status 126 and a message (status %d, \"%s\")\n",
				err.status, err.msg);
			abort();
		}
	}
	free(buf);

	/* pe_detect reads through an fd. */
	if (memfd < 0)
		memfd = memfd_create("fuzz-pe", 0);
	if (memfd >= 0 && ftruncate(memfd, 0) == 0 && pwrite(memfd, data, size, 0) == (ssize_t)size) {
		memset(&err, 0, sizeof err);
		int r = pe_detect(memfd, &err);
		if (r < -1 || r > 1)
			abort();
	}
	return 0;
}
