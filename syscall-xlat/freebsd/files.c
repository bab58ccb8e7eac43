/* persona syscall-xlat: FreeBSD file and directory calls.
 * Path arguments go to Linux untouched (the kernel checks the pointer
 * and returns EFAULT); structures are converted (convert.h).
 * Sources: FreeBSD open(2), fcntl(2), stat(2), getdirentries(2),
 * pipe2 in pipe(2), __getcwd in sys/kern/vfs_cache.c. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define A(i) (c->args[i])
#define EINVAL_ 22

BSD_HANDLER(read) { return RAW3(SYS_read, A(0), A(1), A(2)); }
BSD_HANDLER(write) { return RAW3(SYS_write, A(0), A(1), A(2)); }
BSD_HANDLER(readv) { return RAW3(SYS_readv, A(0), A(1), A(2)); }
BSD_HANDLER(writev) { return RAW3(SYS_writev, A(0), A(1), A(2)); }
BSD_HANDLER(pread) { return RAW4(SYS_pread64, A(0), A(1), A(2), A(3)); }
BSD_HANDLER(pwrite) { return RAW4(SYS_pwrite64, A(0), A(1), A(2), A(3)); }
BSD_HANDLER(close) { return RAW1(SYS_close, A(0)); }
BSD_HANDLER(dup) { return RAW1(SYS_dup, A(0)); }
BSD_HANDLER(dup2) { return RAW2(SYS_dup2, A(0), A(1)); }
BSD_HANDLER(fsync) { return RAW1(SYS_fsync, A(0)); }
BSD_HANDLER(lseek) { return RAW3(SYS_lseek, A(0), A(1), A(2)); }
BSD_HANDLER(ftruncate) { return RAW2(SYS_ftruncate, A(0), A(1)); }
BSD_HANDLER(unlink) { return RAW1(SYS_unlink, A(0)); }
BSD_HANDLER(chdir) { return RAW1(SYS_chdir, A(0)); }
BSD_HANDLER(fchdir) { return RAW1(SYS_fchdir, A(0)); }
BSD_HANDLER(chmod) { return RAW2(SYS_chmod, A(0), A(1)); }
BSD_HANDLER(fchmod) { return RAW2(SYS_fchmod, A(0), A(1)); }
BSD_HANDLER(access) { return RAW2(SYS_access, A(0), A(1)); }
BSD_HANDLER(symlink) { return RAW2(SYS_symlink, A(0), A(1)); }
BSD_HANDLER(readlink) { return RAW3(SYS_readlink, A(0), A(1), A(2)); }
BSD_HANDLER(rename) { return RAW2(SYS_rename, A(0), A(1)); }
BSD_HANDLER(mkdir) { return RAW2(SYS_mkdir, A(0), A(1)); }
BSD_HANDLER(rmdir) { return RAW1(SYS_rmdir, A(0)); }
BSD_HANDLER(mkdirat) { return RAW3(SYS_mkdirat, A(0), A(1), A(2)); }
BSD_HANDLER(readlinkat) { return RAW4(SYS_readlinkat, A(0), A(1), A(2), A(3)); }
BSD_HANDLER(renameat) { return RAW4(SYS_renameat, A(0), A(1), A(2), A(3)); }
BSD_HANDLER(symlinkat) { return RAW3(SYS_symlinkat, A(0), A(1), A(2)); }

BSD_HANDLER(fchmodat)
{
	/* Linux's fchmodat has no flags argument; AT_SYMLINK_NOFOLLOW is
	 * refused as Linux would for a symlink. */
	if (A(3) & ~0x200UL)
		return -EINVAL_;
	if (A(3))
		return -95; /* EOPNOTSUPP */
	return RAW3(SYS_fchmodat, A(0), A(1), A(2));
}

BSD_HANDLER(open)
{
	return RAW3(SYS_open, A(0), bsd_to_linux_open_flags((int)A(1)), A(2));
}

BSD_HANDLER(openat)
{
	return RAW4(SYS_openat, (int)A(0), A(1), bsd_to_linux_open_flags((int)A(2)), A(3));
}

BSD_HANDLER(unlinkat)
{
	return RAW3(SYS_unlinkat, (int)A(0), A(1), bsd_to_linux_at_flags((int)A(2)));
}

BSD_HANDLER(__getcwd)
{
	long r = RAW2(SYS_getcwd, A(0), A(1));
	return r < 0 ? r : 0;
}

BSD_HANDLER(pipe2)
{
	int fds[2];
	long r = RAW2(SYS_pipe2, fds, bsd_to_linux_open_flags((int)A(1)) & (O_CLOEXEC | O_NONBLOCK));
	if (r < 0)
		return r;
	int e = guest_copyout(A(0), fds, sizeof(fds));
	if (e < 0) {
		RAW1(SYS_close, fds[0]);
		RAW1(SYS_close, fds[1]);
		return e;
	}
	return 0;
}

/* FreeBSD sys/sys/fcntl.h command numbers. */
enum { B_F_DUPFD = 0, B_F_GETFD = 1, B_F_SETFD = 2, B_F_GETFL = 3, B_F_SETFL = 4,
       B_F_DUP2FD = 10, B_F_DUPFD_CLOEXEC = 17, B_F_DUP2FD_CLOEXEC = 18 };

BSD_HANDLER(fcntl)
{
	long r;
	switch ((int)A(1)) {
	case B_F_DUPFD: return RAW3(SYS_fcntl, A(0), F_DUPFD, A(2));
	case B_F_DUPFD_CLOEXEC: return RAW3(SYS_fcntl, A(0), F_DUPFD_CLOEXEC, A(2));
	case B_F_DUP2FD: return RAW2(SYS_dup2, A(0), A(2));
	case B_F_DUP2FD_CLOEXEC:
		if (A(0) == A(2)) /* dup3 refuses equal descriptors */
			return RAW3(SYS_fcntl, A(0), F_SETFD, FD_CLOEXEC) < 0 ? -9 : (long)A(2);
		return RAW3(SYS_dup3, A(0), A(2), O_CLOEXEC);
	case B_F_GETFD: return RAW2(SYS_fcntl, A(0), F_GETFD);
	case B_F_SETFD: return RAW3(SYS_fcntl, A(0), F_SETFD, A(2));
	case B_F_GETFL:
		r = RAW2(SYS_fcntl, A(0), F_GETFL);
		return r < 0 ? r : linux_to_bsd_open_flags((int)r);
	case B_F_SETFL:
		return RAW3(SYS_fcntl, A(0), F_SETFL, bsd_to_linux_open_flags((int)A(2)));
	default:
		return -EINVAL_;
	}
}

/* FreeBSD ioctl numbers (sys/sys/filio.h, sys/sys/ttycom.h). */
#define B_FIOCLEX 0x20006601UL
#define B_FIONCLEX 0x20006602UL
#define B_FIONBIO 0x8004667eUL
#define B_FIONREAD 0x4004667fUL

BSD_HANDLER(ioctl)
{
	switch (A(1) & 0xffffffffUL) {
	case B_FIOCLEX: return RAW2(SYS_ioctl, A(0), FIOCLEX);
	case B_FIONCLEX: return RAW2(SYS_ioctl, A(0), FIONCLEX);
	case B_FIONBIO: return RAW3(SYS_ioctl, A(0), FIONBIO, A(2));
	case B_FIONREAD: return RAW3(SYS_ioctl, A(0), FIONREAD, A(2));
	default: return -25; /* ENOTTY: terminal ioctls are not translated yet */
	}
}

static long stat_out(long r, const struct stat *ls, uint64_t guest)
{
	struct bsd_stat bs;
	if (r < 0)
		return r;
	linux_to_bsd_stat(ls, &bs);
	return guest_copyout(guest, &bs, sizeof(bs));
}

BSD_HANDLER(fstat)
{
	struct stat ls;
	return stat_out(RAW2(SYS_fstat, A(0), &ls), &ls, A(1));
}

BSD_HANDLER(fstatat)
{
	struct stat ls;
	long r = RAW4(SYS_newfstatat, (int)A(0), A(1), &ls, bsd_to_linux_at_flags((int)A(3)));
	return stat_out(r, &ls, A(2));
}

/* getdirentries(2), FreeBSD 12 struct dirent: d_fileno u64, d_off i64,
 * d_reclen u16, d_type u8, pad u8, d_namlen u16, pad u16, d_name[]
 * NUL-terminated, record rounded to 8 bytes.  Linux's records are
 * smaller, so read a bounded batch and seek back to the first entry that
 * did not fit. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

BSD_HANDLER(getdirentries)
{
	char in[4096];
	char out[4096 + 512];
	uint64_t want = A(2);
	long base = RAW3(SYS_lseek, A(0), 0, SEEK_CUR);
	if (want < 32)
		return -EINVAL_;
	size_t cap = want < sizeof(in) ? (size_t)want : sizeof(in);
	long n = RAW3(SYS_getdents64, A(0), in, cap);
	if (n < 0)
		return n;
	size_t o = 0;
	long pos = 0;
	int64_t resume = -1;
	while (pos < n) {
		struct linux_dirent64 *d = (struct linux_dirent64 *)(in + pos);
		size_t namlen = 0;
		while (d->d_name[namlen])
			namlen++;
		size_t rec = (24 + namlen + 1 + 7) & ~(size_t)7;
		if (o + rec > want || o + rec > sizeof(out)) {
			resume = pos == 0 ? -1 : ((struct linux_dirent64 *)(in + pos))->d_off;
			break;
		}
		char *b = out + o;
		uint64_t ino = d->d_ino;
		int64_t off = d->d_off;
		uint16_t reclen = (uint16_t)rec, nl = (uint16_t)namlen;
		for (size_t i = 0; i < rec; i++)
			b[i] = 0;
		__builtin_memcpy(b, &ino, 8);
		__builtin_memcpy(b + 8, &off, 8);
		__builtin_memcpy(b + 16, &reclen, 2);
		b[18] = (char)d->d_type;
		__builtin_memcpy(b + 20, &nl, 2);
		for (size_t i = 0; i < namlen; i++)
			b[24 + i] = d->d_name[i];
		o += rec;
		pos += d->d_reclen;
		resume = off;
	}
	if (o == 0 && n > 0)
		return -EINVAL_; /* buffer too small for one entry */
	if (pos < n && resume >= 0) {
		/* d_off of the previous (last converted) entry is where the
		 * next read must start. */
		struct linux_dirent64 *last = 0;
		for (long p = 0; p < pos; p += ((struct linux_dirent64 *)(in + p))->d_reclen)
			last = (struct linux_dirent64 *)(in + p);
		if (last)
			RAW3(SYS_lseek, A(0), last->d_off, SEEK_SET);
	}
	int e = guest_copyout(A(1), out, o);
	if (e < 0)
		return e;
	if (A(3) && base >= 0)
		guest_copyout(A(3), &base, sizeof(base));
	return (long)o;
}

BSD_HANDLER(link) { return RAW2(SYS_link, A(0), A(1)); }
BSD_HANDLER(chown) { return RAW3(SYS_chown, A(0), (int)A(1), (int)A(2)); }
BSD_HANDLER(fchown) { return RAW3(SYS_fchown, A(0), (int)A(1), (int)A(2)); }
BSD_HANDLER(lchown) { return RAW3(SYS_lchown, A(0), (int)A(1), (int)A(2)); }
BSD_HANDLER(truncate) { return RAW2(SYS_truncate, A(0), A(1)); }
BSD_HANDLER(utimes) { return RAW2(SYS_utimes, A(0), A(1)); }

BSD_HANDLER(mkfifo)
{
	return RAW4(SYS_mknodat, AT_FDCWD, A(0), S_IFIFO | (A(1) & 07777), 0);
}

BSD_HANDLER(mkfifoat)
{
	return RAW4(SYS_mknodat, (int)A(0), A(1), S_IFIFO | (A(2) & 07777), 0);
}

BSD_HANDLER(faccessat)
{
	return RAW4(SYS_faccessat, (int)A(0), A(1), A(2), bsd_to_linux_at_flags((int)A(3)));
}

BSD_HANDLER(fchownat)
{
	return RAW5(SYS_fchownat, (int)A(0), A(1), (int)A(2), (int)A(3),
		    bsd_to_linux_at_flags((int)A(4)));
}

BSD_HANDLER(linkat)
{
	return RAW5(SYS_linkat, (int)A(0), A(1), (int)A(2), A(3), bsd_to_linux_at_flags((int)A(4)));
}

/* FreeBSD UTIME_NOW is -1 and UTIME_OMIT -2 (sys/sys/stat.h). */
static long times_in(uint64_t guest, struct timespec ts[2])
{
	if (!guest)
		return 0;
	int e = guest_copyin(ts, guest, 2 * sizeof(*ts));
	if (e < 0)
		return e;
	for (int i = 0; i < 2; i++) {
		if (ts[i].tv_nsec == -1)
			ts[i].tv_nsec = UTIME_NOW;
		else if (ts[i].tv_nsec == -2)
			ts[i].tv_nsec = UTIME_OMIT;
	}
	return 1;
}

BSD_HANDLER(utimensat)
{
	struct timespec ts[2];
	long r = times_in(A(2), ts);
	if (r < 0)
		return r;
	return RAW4(SYS_utimensat, (int)A(0), A(1), r ? ts : 0, bsd_to_linux_at_flags((int)A(3)));
}

BSD_HANDLER(futimens)
{
	struct timespec ts[2];
	long r = times_in(A(1), ts);
	if (r < 0)
		return r;
	return RAW4(SYS_utimensat, (int)A(0), 0, r ? ts : 0, 0);
}
