/* Unit tests: FreeBSD personality handlers called through
 * freebsd_dispatch() directly (no trap: the handlers' raw system calls
 * work in any process), checking FreeBSD's results: errno in rax with the
 * carry flag, structure layouts, sysctl MIBs, _umtx_op, kevent. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/freebsd/freebsd.h"
#include "tests/harness.h"

static uint64_t mask;

static struct xlat_call call(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4, uint64_t a5)
{
	struct xlat_call c;
	memset(&c, 0, sizeof(c));
	c.nr = nr;
	c.args[0] = a0; c.args[1] = a1; c.args[2] = a2;
	c.args[3] = a3; c.args[4] = a4; c.args[5] = a5;
	c.host_sigmask = &mask;
	freebsd_dispatch(&c);
	return c;
}
#define CALL(nr, ...) call(nr, __VA_ARGS__)
#define P(x) ((uint64_t)(uintptr_t)(x))

START_TEST(errors_are_bsd_errno_with_carry)
{
	struct xlat_call c = CALL(5, P("/nonexistent/x"), 0, 0, 0, 0, 0); /* open */
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 2);
	c = CALL(3, 999, P(&c), 1, 0, 0, 0); /* read on a bad fd */
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 9);
	int fds[2];
	ck_assert_int_eq(pipe2(fds, O_NONBLOCK), 0);
	char b;
	c = CALL(3, fds[0], P(&b), 1, 0, 0, 0); /* EAGAIN is 35 on FreeBSD */
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 35);
	c = CALL(4, fds[1], P("x"), 1, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert_uint_eq(c.rax, 1);
	close(fds[0]);
	close(fds[1]);
	c = CALL(93, 0, 0, 0, 0, 0, 0); /* select: not implemented yet */
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 78);
	c = CALL(598, 0, 0, 0, 0, 0, 0); /* unknown number */
	ck_assert_uint_eq(c.rax, 78);
}
END_TEST

static uint64_t sysctl_int(const int *mib, unsigned len, int *out)
{
	size_t sz = sizeof(*out);
	struct xlat_call c = CALL(202, P(mib), len, P(out), P(&sz), 0, 0);
	return c.carry ? c.rax : 0;
}

START_TEST(sysctl_mibs)
{
	int v = 0;
	const int osreldate[] = { 1, 24 }, pagesize[] = { 6, 7 }, ncpu[] = { 6, 3 };
	ck_assert_uint_eq(sysctl_int(osreldate, 2, &v), 0);
	ck_assert_int_ge(v, 1200031);
	ck_assert_uint_eq(sysctl_int(pagesize, 2, &v), 0);
	ck_assert_int_eq(v, 4096);
	ck_assert_uint_eq(sysctl_int(ncpu, 2, &v), 0);
	ck_assert_int_ge(v, 1);

	/* name2oid {0,3}, as sysctlnametomib(3) does; the name without NUL. */
	const int n2o[] = { 0, 3 };
	int oid[24];
	size_t sz = sizeof(oid);
	const char *name = "kern.smp.maxcpus";
	struct xlat_call c = CALL(202, P(n2o), 2, P(oid), P(&sz), P(name), strlen(name));
	ck_assert_int_eq(c.carry, 0);
	ck_assert_uint_eq(sz, 3 * sizeof(int));
	ck_assert_uint_eq(sysctl_int(oid, 3, &v), 0);
	ck_assert_int_ge(v, 1);

	sz = sizeof(oid);
	c = CALL(202, P(n2o), 2, P(oid), P(&sz), P("kern.nope"), 9);
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 2); /* ENOENT */

	/* Size query, short buffer (ENOMEM 12), bad pointer (EFAULT 14). */
	const int ostype[] = { 1, 1 };
	sz = 0;
	c = CALL(202, P(ostype), 2, 0, P(&sz), 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert_uint_eq(sz, 8);
	char small[4];
	sz = sizeof(small);
	c = CALL(202, P(ostype), 2, P(small), P(&sz), 0, 0);
	ck_assert_uint_eq(c.rax, 12);
	char big[16];
	sz = sizeof(big);
	c = CALL(202, P(ostype), 2, P(big), P(&sz), 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert_str_eq(big, "FreeBSD");
	c = CALL(202, 0x10, 2, P(big), P(&sz), 0, 0);
	ck_assert_uint_eq(c.rax, 14);
}
END_TEST

START_TEST(sigprocmask_never_blocks_sigsys)
{
	uint32_t all[4] = { ~0U, ~0U, ~0U, ~0U }, old[4];
	mask = 0;
	struct xlat_call c = CALL(340, 3 /* SIG_SETMASK */, P(all), P(old), 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert(!(mask & (1ULL << (SIGSYS - 1))));
	ck_assert(!(mask & (1ULL << (SIGKILL - 1))));
	ck_assert(mask & (1ULL << (SIGUSR1 - 1)));
	uint32_t usr1[4] = { 1U << 29, 0, 0, 0 }; /* FreeBSD SIGUSR1 = 30 */
	c = CALL(340, 2 /* SIG_UNBLOCK */, P(usr1), P(old), 0, 0, 0);
	ck_assert(!(mask & (1ULL << (SIGUSR1 - 1))));
	ck_assert(old[0] & (1U << 29));
	mask = 0;
}
END_TEST

START_TEST(umtx_and_fstat)
{
	uint32_t word = 5;
	/* The value no longer matches: FreeBSD returns 0, not EAGAIN. */
	struct xlat_call c = CALL(454, P(&word), 15, 4, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert_uint_eq(c.rax, 0);
	/* A relative 1 ms timeout: ETIMEDOUT is 60. */
	struct { int64_t s, ns; uint32_t flags, clock; } ut = { 0, 1000000, 0, 4 };
	c = CALL(454, P(&word), 15, 5, sizeof(ut), P(&ut), 0);
	ck_assert_int_eq(c.carry, 1);
	ck_assert_uint_eq(c.rax, 60);
	c = CALL(454, P(&word), 16, 1, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);

	struct bsd_stat bs;
	struct stat ls;
	int fd = open("/proc/self/exe", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &ls), 0);
	c = CALL(551, fd, P(&bs), 0, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	ck_assert_uint_eq(bs.st_ino, ls.st_ino);
	ck_assert_int_eq(bs.st_size, ls.st_size);
	c = CALL(551, fd, 0x10, 0, 0, 0, 0);
	ck_assert_uint_eq(c.rax, 14);
	close(fd);
}
END_TEST

struct kev { uint64_t ident; int16_t filter; uint16_t flags; uint32_t fflags; int64_t data; uint64_t udata; };

START_TEST(kqueue_on_pipe)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	struct xlat_call c = CALL(362, 0, 0, 0, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	int kq = (int)c.rax;
	struct kev ch = { (uint64_t)fds[0], -1 /* EVFILT_READ */, 0x1 | 0x20 /* ADD|CLEAR */, 0, 0, 0xabc };
	c = CALL(363, kq, P(&ch), 1, 0, 0, 0);
	ck_assert_int_eq(c.carry, 0);
	struct kev ev[4];
	struct { int64_t s, ns; } zero = { 0, 0 };
	c = CALL(363, kq, 0, 0, P(ev), 4, P(&zero));
	ck_assert_uint_eq(c.rax, 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	c = CALL(363, kq, 0, 0, P(ev), 4, P(&zero));
	ck_assert_uint_eq(c.rax, 1);
	ck_assert_uint_eq(ev[0].ident, (uint64_t)fds[0]);
	ck_assert_int_eq(ev[0].filter, -1);
	ck_assert_uint_eq(ev[0].udata, 0xabc);
	close(fds[1]);
	c = CALL(363, kq, 0, 0, P(ev), 4, P(&zero));
	ck_assert_uint_eq(c.rax, 1);
	ck_assert(ev[0].flags & 0x8000); /* EV_EOF */
	close(fds[0]);
	close(kq);
}
END_TEST

START_TEST(mmap_anon_and_getdirentries)
{
	struct xlat_call c = CALL(477, 0, 8192, PROT_READ | PROT_WRITE, 0x1000 | 0x2, (uint64_t)-1, 0);
	ck_assert_int_eq(c.carry, 0);
	memset((void *)(uintptr_t)c.rax, 1, 8192);
	munmap((void *)(uintptr_t)c.rax, 8192);
	c = CALL(477, 0, 8192, PROT_READ, 0x2000 /* MAP_GUARD */, (uint64_t)-1, 0);
	ck_assert_uint_eq(c.rax, 22);

	char *dir = make_temp_dir("dirents");
	char p[4200];
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "%s/entry-%02d", dir, i);
		write_file_str(p, "");
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	int seen = 0;
	for (;;) {
		char buf[512]; /* small: forces several calls and seeks back */
		int64_t base = -1;
		c = CALL(554, fd, P(buf), sizeof(buf), P(&base), 0, 0);
		ck_assert_int_eq(c.carry, 0);
		if (c.rax == 0)
			break;
		for (size_t o = 0; o < c.rax;) {
			uint16_t reclen, namlen;
			memcpy(&reclen, buf + o + 16, 2);
			memcpy(&namlen, buf + o + 20, 2);
			ck_assert_uint_eq(reclen % 8, 0);
			ck_assert_uint_eq(strlen(buf + o + 24), namlen);
			if (!strncmp(buf + o + 24, "entry-", 6))
				seen++;
			o += reclen;
		}
	}
	ck_assert_int_eq(seen, 50);
	close(fd);
	rm_rf(dir);
	free(dir);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("xlat_freebsd");
	TCase *tc = tcase_create("handlers");
	tcase_add_test(tc, errors_are_bsd_errno_with_carry);
	tcase_add_test(tc, sysctl_mibs);
	tcase_add_test(tc, sigprocmask_never_blocks_sigsys);
	tcase_add_test(tc, umtx_and_fstat);
	tcase_add_test(tc, kqueue_on_pipe);
	tcase_add_test(tc, mmap_anon_and_getdirentries);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
