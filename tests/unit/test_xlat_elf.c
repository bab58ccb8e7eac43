/* Unit tests: syscall-xlat ELF recognition and validation (xlat_detect,
 * xlat_elf_read, xlat_elf_check_loadable) on synthesized headers. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscall-xlat/elf.h"
#include "syscall-xlat/xlat.h"
#include "tests/harness.h"

/* A one-segment static FreeBSD executable: ehdr, two phdrs (PT_LOAD and
 * PT_NOTE), an ABI note, then code at 0x200. */
#define IMG_SIZE 0x400
#define CODE_OFF 0x200

struct img {
	unsigned char b[IMG_SIZE];
	size_t len;
};

static Elf64_Ehdr *eh(struct img *m) { return (Elf64_Ehdr *)m->b; }
static Elf64_Phdr *ph(struct img *m, int i) { return (Elf64_Phdr *)(m->b + 64) + i; }

static void build(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->len = IMG_SIZE;
	Elf64_Ehdr *h = eh(m);
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_ident[EI_OSABI] = 9; /* ELFOSABI_FREEBSD */
	h->e_type = ET_EXEC;
	h->e_machine = EM_X86_64;
	h->e_version = EV_CURRENT;
	h->e_entry = 0x400000 + CODE_OFF;
	h->e_phoff = 64;
	h->e_ehsize = 64;
	h->e_phentsize = sizeof(Elf64_Phdr);
	h->e_phnum = 2;
	*ph(m, 0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
				  .p_vaddr = 0x400000, .p_paddr = 0x400000, .p_filesz = IMG_SIZE,
				  .p_memsz = IMG_SIZE + 0x2000, .p_align = 0x1000 };
	/* FreeBSD ABI note: namesz 8, descsz 4, type 1, "FreeBSD\0", osreldate. */
	unsigned char *n = m->b + 0x180;
	uint32_t note[3] = { 8, 4, 1 };
	memcpy(n, note, 12);
	memcpy(n + 12, "FreeBSD", 8);
	uint32_t rel = 1302001;
	memcpy(n + 20, &rel, 4);
	*ph(m, 1) = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = 0x180,
				  .p_vaddr = 0x400180, .p_filesz = 24, .p_memsz = 24, .p_align = 4 };
	m->b[CODE_OFF] = 0xf4; /* hlt: never run here */
}

static int to_fd(const struct img *m)
{
	char path[] = "/tmp/persona-xlat-elf.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, m->b, m->len), (ssize_t)m->len);
	return fd;
}

static int detect(const struct img *m, struct perr *err)
{
	int fd = to_fd(m);
	int r = xlat_detect(fd, err);
	close(fd);
	return r;
}

static void detect_bad(const struct img *m, const char *needle)
{
	struct perr err = { 0 };
	ck_assert_int_eq(detect(m, &err), -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void loadable_bad(const struct img *m, const char *needle)
{
	struct perr err = { 0 };
	struct xlat_elf e;
	int fd = to_fd(m);
	int r = xlat_elf_read(fd, &e, &err);
	close(fd);
	if (r == 1)
		r = xlat_elf_check_loadable(&e, &err) < 0 ? -1 : 0;
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
}

START_TEST(freebsd_by_osabi_and_note)
{
	struct img m;
	struct perr err = { 0 };
	build(&m);
	ck_assert_int_eq(detect(&m, &err), XLAT_FREEBSD);
	/* Branded only by the note (EI_OSABI SYSV), as some linkers do. */
	eh(&m)->e_ident[EI_OSABI] = 0;
	ck_assert_int_eq(detect(&m, &err), XLAT_FREEBSD);
	/* Neither: a Linux binary. */
	memcpy(m.b + 0x180 + 12, "GNU\0\0\0\0", 8);
	ck_assert_int_eq(detect(&m, &err), XLAT_NONE);
	struct xlat_elf e;
	int fd = to_fd(&m);
	ck_assert_int_eq(xlat_elf_read(fd, &e, &err), 1);
	close(fd);
	ck_assert_int_eq(xlat_elf_check_loadable(&e, &err), 0);
}
END_TEST

START_TEST(not_elf_is_none)
{
	struct img m;
	struct perr err = { 0 };
	memset(&m, 0, sizeof(m));
	memcpy(m.b, "#!/bin/sh\necho hi\n", 18);
	m.len = 18;
	ck_assert_int_eq(detect(&m, &err), XLAT_NONE);
	m.len = 0;
	ck_assert_int_eq(detect(&m, &err), XLAT_NONE);
	memcpy(m.b, "MZ", 2);
	m.len = 2;
	ck_assert_int_eq(detect(&m, &err), XLAT_NONE);
}
END_TEST

START_TEST(truncated)
{
	struct img m;
	build(&m);
	m.len = 10;
	detect_bad(&m, "truncated ELF identification");
	m.len = 40;
	detect_bad(&m, "truncated ELF header");
	m.len = 64 + 56; /* one of two program headers */
	detect_bad(&m, "program headers");
	build(&m);
	m.len = 0x300; /* PT_LOAD says 0x400 bytes of file */
	loadable_bad(&m, "outside the file");
}
END_TEST

START_TEST(wrong_class_machine)
{
	struct img m;
	struct perr err = { 0 };
	build(&m);
	eh(&m)->e_ident[EI_CLASS] = ELFCLASS32;
	detect_bad(&m, "another architecture");
	eh(&m)->e_ident[EI_OSABI] = 0; /* a 32-bit Linux binary: not ours */
	ck_assert_int_eq(detect(&m, &err), XLAT_NONE);
	build(&m);
	eh(&m)->e_machine = EM_AARCH64;
	detect_bad(&m, "another architecture");
	build(&m);
	eh(&m)->e_ident[EI_DATA] = ELFDATA2MSB;
	detect_bad(&m, "another architecture");
}
END_TEST

START_TEST(malformed_headers)
{
	struct img m;
	build(&m);
	eh(&m)->e_phentsize = 32;
	detect_bad(&m, "e_phentsize");
	build(&m);
	eh(&m)->e_phoff = 0xfffffffffffffff0ULL;
	detect_bad(&m, "outside the file");
	build(&m);
	eh(&m)->e_phnum = 0;
	detect_bad(&m, "no program headers");
	build(&m);
	eh(&m)->e_phnum = 1000;
	detect_bad(&m, "too many");
	build(&m);
	eh(&m)->e_ident[EI_VERSION] = 7;
	detect_bad(&m, "version");
}
END_TEST

START_TEST(bad_segments)
{
	struct img m;
	build(&m);
	ph(&m, 0)->p_offset = 0x10000;
	loadable_bad(&m, "outside the file");
	build(&m);
	ph(&m, 0)->p_offset = 0xffffffffffffff00ULL;
	loadable_bad(&m, "outside the file");
	build(&m);
	ph(&m, 0)->p_memsz = 0x10;
	loadable_bad(&m, "p_filesz > p_memsz");
	build(&m);
	ph(&m, 0)->p_vaddr = 0x400123;
	loadable_bad(&m, "modulo the page size");
	build(&m);
	ph(&m, 0)->p_align = 0x1800;
	loadable_bad(&m, "power of two");
	build(&m);
	ph(&m, 0)->p_vaddr = 0x7ffffffff000ULL;
	loadable_bad(&m, "user address space");
	build(&m);
	/* A second PT_LOAD overlapping the first. */
	*ph(&m, 1) = *ph(&m, 0);
	ph(&m, 1)->p_vaddr = 0x401000;
	loadable_bad(&m, "overlap");
	build(&m);
	/* a PT_INTERP that lies outside the file; two of them */
	ph(&m, 1)->p_type = PT_INTERP;
	ph(&m, 1)->p_offset = 0x100000;
	ph(&m, 1)->p_filesz = 20;
	loadable_bad(&m, "PT_INTERP lies outside the file");
	build(&m);
	*ph(&m, 1) = *ph(&m, 0);
	ph(&m, 1)->p_type = PT_INTERP;
	ph(&m, 1)->p_filesz = 4;
	*ph(&m, 2) = *ph(&m, 1);
	eh(&m)->e_phnum = 3;
	loadable_bad(&m, "more than one PT_INTERP");
	build(&m);
	eh(&m)->e_entry = 0x900000;
	loadable_bad(&m, "entry point");
	build(&m);
	eh(&m)->e_type = ET_REL;
	loadable_bad(&m, "e_type");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("xlat_elf");
	TCase *tc = tcase_create("elf");
	tcase_add_test(tc, freebsd_by_osabi_and_note);
	tcase_add_test(tc, not_elf_is_none);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, wrong_class_machine);
	tcase_add_test(tc, malformed_headers);
	tcase_add_test(tc, bad_segments);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
