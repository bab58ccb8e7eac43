/* persona syscall-xlat: FreeBSD <-> Linux conversions (see convert.h). */
#include "syscall-xlat/freebsd/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

int linux_to_bsd_errno(int e)
{
	if (e <= 0)
		return e;
	if (e <= 34 && e != EAGAIN)
		return e;
	switch (e) {
	case EAGAIN: return 35;
	case EDEADLK: return 11;
	case EINPROGRESS: return 36;
	case EALREADY: return 37;
	case ENOTSOCK: return 38;
	case EDESTADDRREQ: return 39;
	case EMSGSIZE: return 40;
	case EPROTOTYPE: return 41;
	case ENOPROTOOPT: return 42;
	case EPROTONOSUPPORT: return 43;
	case ESOCKTNOSUPPORT: return 44;
	case EOPNOTSUPP: return 45;
	case EPFNOSUPPORT: return 46;
	case EAFNOSUPPORT: return 47;
	case EADDRINUSE: return 48;
	case EADDRNOTAVAIL: return 49;
	case ENETDOWN: return 50;
	case ENETUNREACH: return 51;
	case ENETRESET: return 52;
	case ECONNABORTED: return 53;
	case ECONNRESET: return 54;
	case ENOBUFS: return 55;
	case EISCONN: return 56;
	case ENOTCONN: return 57;
	case ESHUTDOWN: return 58;
	case ETOOMANYREFS: return 59;
	case ETIMEDOUT: return 60;
	case ECONNREFUSED: return 61;
	case ELOOP: return 62;
	case ENAMETOOLONG: return 63;
	case EHOSTDOWN: return 64;
	case EHOSTUNREACH: return 65;
	case ENOTEMPTY: return 66;
	case EUSERS: return 68;
	case EDQUOT: return 69;
	case ESTALE: return 70;
	case EREMOTE: return 71;
	case ENOLCK: return 77;
	case ENOSYS: return 78;
	case EIDRM: return 82;
	case ENOMSG: return 83;
	case EOVERFLOW: return 84;
	case ECANCELED: return 85;
	case EILSEQ: return 86;
	case ENODATA: return 87; /* ENOATTR */
	case EBADMSG: return 89;
	case EMULTIHOP: return 90;
	case ENOLINK: return 91;
	case EPROTO: return 92;
	case ENOTRECOVERABLE: return 95;
	case EOWNERDEAD: return 96;
	default: return 22;
	}
}

/* FreeBSD sys/sys/fcntl.h */
#define B_O_NONBLOCK 0x0004
#define B_O_APPEND 0x0008
#define B_O_ASYNC 0x0040
#define B_O_FSYNC 0x0080
#define B_O_NOFOLLOW 0x0100
#define B_O_CREAT 0x0200
#define B_O_TRUNC 0x0400
#define B_O_EXCL 0x0800
#define B_O_NOCTTY 0x8000
#define B_O_DIRECT 0x00010000
#define B_O_DIRECTORY 0x00020000
#define B_O_EXEC 0x00040000
#define B_O_CLOEXEC 0x00100000
#define B_O_PATH 0x00400000
#define B_O_DSYNC 0x01000000

static const struct { int bsd, lnx; } open_map[] = {
	{ B_O_NONBLOCK, O_NONBLOCK }, { B_O_APPEND, O_APPEND }, { B_O_ASYNC, O_ASYNC },
	{ B_O_FSYNC, O_SYNC }, { B_O_NOFOLLOW, O_NOFOLLOW }, { B_O_CREAT, O_CREAT },
	{ B_O_TRUNC, O_TRUNC }, { B_O_EXCL, O_EXCL }, { B_O_NOCTTY, O_NOCTTY },
	{ B_O_DIRECT, O_DIRECT }, { B_O_DIRECTORY, O_DIRECTORY }, { B_O_CLOEXEC, O_CLOEXEC },
	{ B_O_PATH, O_PATH }, { B_O_DSYNC, O_DSYNC },
};

int bsd_to_linux_open_flags(int b)
{
	int l = b & O_ACCMODE;
	if (b & B_O_EXEC)
		l = O_PATH; /* closest: an fd usable for fexecve/openat only */
	for (size_t i = 0; i < sizeof(open_map) / sizeof(open_map[0]); i++)
		if (b & open_map[i].bsd)
			l |= open_map[i].lnx;
	return l;
}

int linux_to_bsd_open_flags(int l)
{
	int b = l & O_ACCMODE;
	for (size_t i = 0; i < sizeof(open_map) / sizeof(open_map[0]); i++)
		if ((l & open_map[i].lnx) == open_map[i].lnx)
			b |= open_map[i].bsd;
	return b;
}

int bsd_to_linux_at_flags(int b)
{
	int l = 0;
	if (b & 0x100)
		l |= AT_EACCESS;
	if (b & 0x200)
		l |= AT_SYMLINK_NOFOLLOW;
	if (b & 0x400)
		l |= AT_SYMLINK_FOLLOW;
	if (b & 0x800)
		l |= AT_REMOVEDIR;
	if (b & 0x1000) /* AT_RESOLVE_BENEATH: no direct equivalent at this level */
		l |= 0;
	if (b & 0x4000)
		l |= AT_EMPTY_PATH;
	return l;
}

/* FreeBSD sys/sys/mman.h */
#define B_MAP_SHARED 0x0001
#define B_MAP_PRIVATE 0x0002
#define B_MAP_FIXED 0x0010
#define B_MAP_HASSEMAPHORE 0x0200
#define B_MAP_STACK 0x0400
#define B_MAP_NOSYNC 0x0800
#define B_MAP_ANON 0x1000
#define B_MAP_GUARD 0x2000
#define B_MAP_EXCL 0x4000
#define B_MAP_NOCORE 0x20000
#define B_MAP_PREFAULT_READ 0x40000
#define B_MAP_32BIT 0x80000
#define B_MAP_ALIGNMENT_MASK ((int)(0xffu << 24))

int bsd_to_linux_mmap_flags(int b)
{
	int known = B_MAP_SHARED | B_MAP_PRIVATE | B_MAP_FIXED | B_MAP_HASSEMAPHORE | B_MAP_STACK |
		    B_MAP_NOSYNC | B_MAP_ANON | B_MAP_EXCL | B_MAP_NOCORE | B_MAP_PREFAULT_READ |
		    B_MAP_32BIT | B_MAP_ALIGNMENT_MASK;
	if ((b & ~known) || (b & B_MAP_GUARD))
		return -1;
	int l = 0;
	if (b & B_MAP_SHARED)
		l |= MAP_SHARED;
	if (b & B_MAP_PRIVATE)
		l |= MAP_PRIVATE;
	if ((b & (B_MAP_SHARED | B_MAP_PRIVATE)) == 0)
		l |= MAP_PRIVATE;
	if (b & B_MAP_FIXED)
		l |= (b & B_MAP_EXCL) ? MAP_FIXED_NOREPLACE : MAP_FIXED;
	if (b & B_MAP_ANON)
		l |= MAP_ANONYMOUS;
	if (b & B_MAP_STACK)
		l |= MAP_STACK;
	if (b & B_MAP_32BIT)
		l |= MAP_32BIT;
	return l;
}

/* FreeBSD signal n -> Linux signal, index n (sys/sys/signal.h). */
static const unsigned char sig_b2l[34] = {
	[1] = SIGHUP, [2] = SIGINT, [3] = SIGQUIT, [4] = SIGILL, [5] = SIGTRAP,
	[6] = SIGABRT, [7] = 0 /* SIGEMT */, [8] = SIGFPE, [9] = SIGKILL, [10] = SIGBUS,
	[11] = SIGSEGV, [12] = SIGSYS, [13] = SIGPIPE, [14] = SIGALRM, [15] = SIGTERM,
	[16] = SIGURG, [17] = SIGSTOP, [18] = SIGTSTP, [19] = SIGCONT, [20] = SIGCHLD,
	[21] = SIGTTIN, [22] = SIGTTOU, [23] = SIGIO, [24] = SIGXCPU, [25] = SIGXFSZ,
	[26] = SIGVTALRM, [27] = SIGPROF, [28] = SIGWINCH, [29] = 0 /* SIGINFO */,
	[30] = SIGUSR1, [31] = SIGUSR2, [32] = 0 /* SIGTHR */, [33] = 0 /* SIGLIBRT */,
};
#define BSD_SIGRTMIN 65
#define BSD_SIGRTMAX 126
#define LNX_RT_FIRST 34 /* glibc keeps 32 and 33 */

int bsd_to_linux_signal(int b)
{
	if (b > 0 && b < 34)
		return sig_b2l[b];
	if (b >= BSD_SIGRTMIN && b <= BSD_SIGRTMAX && b - BSD_SIGRTMIN + LNX_RT_FIRST <= 64)
		return b - BSD_SIGRTMIN + LNX_RT_FIRST;
	return 0;
}

int linux_to_bsd_signal(int l)
{
	if (l <= 0 || l > 64)
		return 0;
	for (int b = 1; b < 34; b++)
		if (sig_b2l[b] == l)
			return b;
	if (l >= LNX_RT_FIRST)
		return l - LNX_RT_FIRST + BSD_SIGRTMIN;
	return 0;
}

uint64_t bsd_to_linux_sigset(const uint32_t bsd[4])
{
	uint64_t m = 0;
	for (int b = 1; b <= 128; b++)
		if (bsd[(b - 1) / 32] & (1U << ((b - 1) % 32))) {
			int l = bsd_to_linux_signal(b);
			if (l)
				m |= 1ULL << (l - 1);
		}
	return m;
}

void linux_to_bsd_sigset(uint64_t m, uint32_t bsd[4])
{
	bsd[0] = bsd[1] = bsd[2] = bsd[3] = 0;
	for (int l = 1; l <= 64; l++)
		if (m & (1ULL << (l - 1))) {
			int b = linux_to_bsd_signal(l);
			if (b)
				bsd[(b - 1) / 32] |= 1U << ((b - 1) % 32);
		}
}

int bsd_to_linux_clockid(int c)
{
	switch (c) {
	case 0: case 9: return CLOCK_REALTIME;            /* REALTIME, REALTIME_PRECISE */
	case 10: return CLOCK_REALTIME_COARSE;            /* REALTIME_FAST */
	case 13: return CLOCK_REALTIME_COARSE;            /* SECOND (caller truncates) */
	case 4: case 11: return CLOCK_MONOTONIC;          /* MONOTONIC, MONOTONIC_PRECISE */
	case 12: return CLOCK_MONOTONIC_COARSE;           /* MONOTONIC_FAST */
	case 5: case 7: return CLOCK_BOOTTIME;            /* UPTIME, UPTIME_PRECISE */
	case 8: return CLOCK_BOOTTIME;                    /* UPTIME_FAST */
	case 1: case 14: return CLOCK_THREAD_CPUTIME_ID;  /* VIRTUAL, THREAD_CPUTIME_ID */
	case 2: case 15: return CLOCK_PROCESS_CPUTIME_ID; /* PROF, PROCESS_CPUTIME_ID */
	default: return -1;
	}
}

int bsd_to_linux_rlimit_resource(int r)
{
	switch (r) {
	case 0: return RLIMIT_CPU;
	case 1: return RLIMIT_FSIZE;
	case 2: return RLIMIT_DATA;
	case 3: return RLIMIT_STACK;
	case 4: return RLIMIT_CORE;
	case 5: return RLIMIT_RSS;
	case 6: return RLIMIT_MEMLOCK;
	case 7: return RLIMIT_NPROC;
	case 8: return RLIMIT_NOFILE;
	case 10: return RLIMIT_AS;
	default: return -1;
	}
}

void linux_to_bsd_stat(const struct stat *ls, struct bsd_stat *bs)
{
	memset(bs, 0, sizeof(*bs));
	bs->st_dev = ls->st_dev;
	bs->st_ino = ls->st_ino;
	bs->st_nlink = ls->st_nlink;
	bs->st_mode = (uint16_t)ls->st_mode;
	bs->st_uid = ls->st_uid;
	bs->st_gid = ls->st_gid;
	bs->st_rdev = ls->st_rdev;
	bs->st_atim.tv_sec = ls->st_atim.tv_sec;
	bs->st_atim.tv_nsec = ls->st_atim.tv_nsec;
	bs->st_mtim.tv_sec = ls->st_mtim.tv_sec;
	bs->st_mtim.tv_nsec = ls->st_mtim.tv_nsec;
	bs->st_ctim.tv_sec = ls->st_ctim.tv_sec;
	bs->st_ctim.tv_nsec = ls->st_ctim.tv_nsec;
	bs->st_birthtim.tv_sec = -1;
	bs->st_size = ls->st_size;
	bs->st_blocks = ls->st_blocks;
	bs->st_blksize = (int32_t)ls->st_blksize;
}
