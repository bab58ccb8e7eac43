/* Unit tests: FreeBSD <-> Linux conversions (syscall-xlat/freebsd/convert.h).
 * Expected values are FreeBSD's, from sys/sys/errno.h, fcntl.h, mman.h,
 * signal.h, time.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "syscall-xlat/freebsd/convert.h"
#include "tests/harness.h"

START_TEST(errno_values)
{
	ck_assert_int_eq(linux_to_bsd_errno(EPERM), 1);
	ck_assert_int_eq(linux_to_bsd_errno(ENOENT), 2);
	ck_assert_int_eq(linux_to_bsd_errno(EFAULT), 14);
	ck_assert_int_eq(linux_to_bsd_errno(ERANGE), 34);
	ck_assert_int_eq(linux_to_bsd_errno(EAGAIN), 35);
	ck_assert_int_eq(linux_to_bsd_errno(EDEADLK), 11);
	ck_assert_int_eq(linux_to_bsd_errno(EINPROGRESS), 36);
	ck_assert_int_eq(linux_to_bsd_errno(ENOTSOCK), 38);
	ck_assert_int_eq(linux_to_bsd_errno(EADDRINUSE), 48);
	ck_assert_int_eq(linux_to_bsd_errno(ECONNRESET), 54);
	ck_assert_int_eq(linux_to_bsd_errno(ETIMEDOUT), 60);
	ck_assert_int_eq(linux_to_bsd_errno(ECONNREFUSED), 61);
	ck_assert_int_eq(linux_to_bsd_errno(ELOOP), 62);
	ck_assert_int_eq(linux_to_bsd_errno(ENAMETOOLONG), 63);
	ck_assert_int_eq(linux_to_bsd_errno(ENOTEMPTY), 66);
	ck_assert_int_eq(linux_to_bsd_errno(ENOSYS), 78);
	ck_assert_int_eq(linux_to_bsd_errno(EOVERFLOW), 84);
	ck_assert_int_eq(linux_to_bsd_errno(ECANCELED), 85);
	ck_assert_int_eq(linux_to_bsd_errno(EOPNOTSUPP), 45);
	ck_assert_int_eq(linux_to_bsd_errno(EKEYEXPIRED), 22); /* no FreeBSD counterpart */
}
END_TEST

START_TEST(open_flags)
{
	ck_assert_int_eq(bsd_to_linux_open_flags(0), O_RDONLY);
	ck_assert_int_eq(bsd_to_linux_open_flags(2), O_RDWR);
	/* O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC as Go passes them on FreeBSD. */
	ck_assert_int_eq(bsd_to_linux_open_flags(0x1 | 0x200 | 0x400 | 0x100000),
			 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
	ck_assert_int_eq(bsd_to_linux_open_flags(0x4 | 0x8 | 0x800), O_NONBLOCK | O_APPEND | O_EXCL);
	ck_assert_int_eq(bsd_to_linux_open_flags(0x20000 | 0x100), O_DIRECTORY | O_NOFOLLOW);
	ck_assert_int_eq(bsd_to_linux_open_flags(0x10 | 0x20), O_RDONLY); /* SHLOCK/EXLOCK dropped */
	ck_assert_int_eq(linux_to_bsd_open_flags(O_RDWR | O_NONBLOCK | O_APPEND), 2 | 0x4 | 0x8);
	ck_assert_int_eq(bsd_to_linux_at_flags(0x200), AT_SYMLINK_NOFOLLOW);
	ck_assert_int_eq(bsd_to_linux_at_flags(0x800), AT_REMOVEDIR);
}
END_TEST

START_TEST(mmap_flags)
{
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x1000 | 0x2), MAP_ANONYMOUS | MAP_PRIVATE);
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x1000 | 0x2 | 0x10),
			 MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED);
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x1000 | 0x2 | 0x10 | 0x4000),
			 MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x1), MAP_SHARED);
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x2 | 0x80000), MAP_PRIVATE | MAP_32BIT);
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x2 | (12 << 24)), MAP_PRIVATE); /* MAP_ALIGNED hint */
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x2000), -1); /* MAP_GUARD */
	ck_assert_int_eq(bsd_to_linux_mmap_flags(0x100), -1);  /* unknown bit */
}
END_TEST

START_TEST(signals)
{
	ck_assert_int_eq(bsd_to_linux_signal(2), SIGINT);
	ck_assert_int_eq(bsd_to_linux_signal(10), SIGBUS);
	ck_assert_int_eq(bsd_to_linux_signal(12), SIGSYS);
	ck_assert_int_eq(bsd_to_linux_signal(16), SIGURG);
	ck_assert_int_eq(bsd_to_linux_signal(20), SIGCHLD);
	ck_assert_int_eq(bsd_to_linux_signal(30), SIGUSR1);
	ck_assert_int_eq(bsd_to_linux_signal(31), SIGUSR2);
	ck_assert_int_eq(bsd_to_linux_signal(29), 0); /* SIGINFO */
	ck_assert_int_eq(bsd_to_linux_signal(65), 34);
	for (int b = 1; b < 127; b++) {
		int l = bsd_to_linux_signal(b);
		if (l)
			ck_assert_int_eq(linux_to_bsd_signal(l), b);
	}
	uint32_t set[4] = { (1U << 1) | (1U << 29) | (1U << 11), 0, 0, 0 }; /* INT, USR1, SYS */
	uint64_t m = bsd_to_linux_sigset(set);
	ck_assert_uint_eq(m, (1ULL << (SIGINT - 1)) | (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGSYS - 1)));
	uint32_t back[4];
	linux_to_bsd_sigset(m, back);
	ck_assert_int_eq(memcmp(set, back, sizeof(set)), 0);
}
END_TEST

START_TEST(clocks_rlimits)
{
	ck_assert_int_eq(bsd_to_linux_clockid(0), CLOCK_REALTIME);
	ck_assert_int_eq(bsd_to_linux_clockid(4), CLOCK_MONOTONIC);
	ck_assert_int_eq(bsd_to_linux_clockid(12), CLOCK_MONOTONIC_COARSE);
	ck_assert_int_eq(bsd_to_linux_clockid(15), CLOCK_PROCESS_CPUTIME_ID);
	ck_assert_int_eq(bsd_to_linux_clockid(3), -1);
	ck_assert_int_eq(bsd_to_linux_rlimit_resource(8), RLIMIT_NOFILE);
	ck_assert_int_eq(bsd_to_linux_rlimit_resource(7), RLIMIT_NPROC);
	ck_assert_int_eq(bsd_to_linux_rlimit_resource(6), RLIMIT_MEMLOCK);
	ck_assert_int_eq(bsd_to_linux_rlimit_resource(10), RLIMIT_AS);
	ck_assert_int_eq(bsd_to_linux_rlimit_resource(11), -1);
}
END_TEST

START_TEST(stat_layout)
{
	/* Offsets from the FreeBSD 12 struct stat (Go's syscall.Stat_t). */
	ck_assert_int_eq(offsetof(struct bsd_stat, st_ino), 8);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_nlink), 16);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_mode), 24);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_uid), 28);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_rdev), 40);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_atim), 48);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_mtim), 64);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_birthtim), 96);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_size), 112);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_blksize), 128);
	ck_assert_int_eq(offsetof(struct bsd_stat, st_gen), 136);

	struct stat ls;
	ck_assert_int_eq(stat("/proc/self/exe", &ls), 0);
	ls.st_mtim.tv_nsec = 123;
	struct bsd_stat bs;
	linux_to_bsd_stat(&ls, &bs);
	ck_assert_uint_eq(bs.st_ino, ls.st_ino);
	ck_assert_uint_eq(bs.st_mode, ls.st_mode);
	ck_assert_int_eq(bs.st_size, ls.st_size);
	ck_assert_int_eq(bs.st_mtim.tv_sec, ls.st_mtim.tv_sec);
	ck_assert_int_eq(bs.st_mtim.tv_nsec, 123);
	ck_assert_int_eq(bs.st_birthtim.tv_sec, -1);
	ck_assert_uint_eq(bs.st_nlink, ls.st_nlink);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("xlat_convert");
	TCase *tc = tcase_create("convert");
	tcase_add_test(tc, errno_values);
	tcase_add_test(tc, open_flags);
	tcase_add_test(tc, mmap_flags);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, clocks_rlimits);
	tcase_add_test(tc, stat_layout);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
