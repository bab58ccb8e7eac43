/* persona syscall-xlat: FreeBSD <-> Linux conversions of constants and
 * structures (amd64).  Each is a pure function, safe in the trap path.
 * Sources: FreeBSD sys/sys/errno.h, sys/sys/fcntl.h, sys/sys/mman.h,
 * sys/sys/signal.h, sys/sys/stat.h (FreeBSD 12 layout), sys/sys/time.h,
 * sys/sys/resource.h; Linux include/uapi/asm-generic headers. */
#ifndef PERSONA_XLAT_FREEBSD_CONVERT_H
#define PERSONA_XLAT_FREEBSD_CONVERT_H

#include <stdint.h>
#include <sys/stat.h>

/* errno: Linux errno (positive) -> FreeBSD errno.  1-10 and 12-34 are
 * equal; Linux EAGAIN (11) is FreeBSD 35, Linux EDEADLK (35) is 11, the
 * rest are mapped by name; an errno FreeBSD lacks becomes EINVAL (22). */
int linux_to_bsd_errno(int linux_errno);

/* open(2) flags: FreeBSD O_* -> Linux O_*.  Flags without a Linux
 * equivalent (O_SHLOCK, O_EXLOCK, O_VERIFY, O_TTY_INIT) are dropped. */
int bsd_to_linux_open_flags(int bsd_flags);
/* and back, for fcntl(F_GETFL). */
int linux_to_bsd_open_flags(int linux_flags);

/* *at() flags: AT_SYMLINK_NOFOLLOW 0x200, AT_REMOVEDIR 0x800,
 * AT_SYMLINK_FOLLOW 0x400, AT_EACCESS 0x100 on FreeBSD. */
int bsd_to_linux_at_flags(int bsd_flags);

/* mmap(2) flags: FreeBSD MAP_ANON is 0x1000, MAP_EXCL|MAP_FIXED is
 * MAP_FIXED_NOREPLACE, MAP_32BIT 0x80000; MAP_NOSYNC, MAP_NOCORE,
 * MAP_PREFAULT_READ and MAP_ALIGNED(n) are hints and dropped.
 * Returns -1 for MAP_GUARD or unknown bits (the caller says EINVAL). */
int bsd_to_linux_mmap_flags(int bsd_flags);

/* Signal numbers (FreeBSD SIGUSR1 is 30, SIGBUS 10, SIGSYS 12, ...);
 * FreeBSD's SIGRTMIN 65..126 map to Linux 34... Returns 0 when the
 * signal has no counterpart (SIGEMT, SIGINFO, SIGTHR, SIGLIBRT). */
int bsd_to_linux_signal(int bsd_sig);
int linux_to_bsd_signal(int linux_sig);

/* sigset_t: FreeBSD's 128-bit set (4 x uint32) <-> Linux's 64-bit mask. */
uint64_t bsd_to_linux_sigset(const uint32_t bsd[4]);
void linux_to_bsd_sigset(uint64_t linux_mask, uint32_t bsd[4]);

/* FreeBSD clock ids (CLOCK_MONOTONIC is 4, CLOCK_UPTIME 5, *_FAST and
 * *_PRECISE variants, CLOCK_SECOND 13) -> Linux clockid, -1 if unknown. */
int bsd_to_linux_clockid(int bsd_clock);

/* resource numbers for getrlimit/setrlimit: FreeBSD RLIMIT_NOFILE is 8,
 * RLIMIT_NPROC 7, RLIMIT_MEMLOCK 6, RLIMIT_AS 10; -1 if Linux lacks it. */
int bsd_to_linux_rlimit_resource(int bsd_res);

/* FreeBSD 12 struct stat (224 bytes, 64-bit st_ino and st_nlink). */
struct bsd_timespec { int64_t tv_sec; int64_t tv_nsec; };
struct bsd_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint16_t st_mode;
	int16_t st_padding0;
	uint32_t st_uid;
	uint32_t st_gid;
	int32_t st_padding1;
	uint64_t st_rdev;
	struct bsd_timespec st_atim, st_mtim, st_ctim, st_birthtim;
	int64_t st_size;
	int64_t st_blocks;
	int32_t st_blksize;
	uint32_t st_flags;
	uint64_t st_gen;
	uint64_t st_spare[10];
};
_Static_assert(sizeof(struct bsd_stat) == 224, "FreeBSD 12 struct stat is 224 bytes");

/* Linux struct stat (x86-64 kernel layout == glibc's) -> FreeBSD 12
 * stat.  Birth time is reported as unknown (tv_sec -1), as FreeBSD does
 * on file systems without one. */
void linux_to_bsd_stat(const struct stat *ls, struct bsd_stat *bs);

#endif
