/* persona syscall-xlat: the FreeBSD amd64 system call table, after
 * FreeBSD's sys/kern/syscalls.master (number, name, arguments), and the
 * dispatcher.  An entry without a handler is known by name only: it
 * returns ENOSYS and is logged once. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#define S(num, nm, n, decl, h) [num] = { #nm, n, decl, h }
#define K(num, nm, n, decl) [num] = { #nm, n, decl, 0 }

const struct bsd_sysent bsd_sysent[BSD_SYS_MAX] = {
	S(1, exit, 1, "int rval", bsd_sys_exit),
	S(2, fork, 0, "void", bsd_sys_fork),
	S(3, read, 3, "int fd, void *buf, size_t nbyte", bsd_sys_read),
	S(4, write, 3, "int fd, const void *buf, size_t nbyte", bsd_sys_write),
	S(5, open, 3, "const char *path, int flags, mode_t mode", bsd_sys_open),
	S(6, close, 1, "int fd", bsd_sys_close),
	S(7, wait4, 4, "int pid, int *status, int options, struct rusage *rusage", bsd_sys_wait4),
	S(9, link, 2, "const char *path, const char *link", bsd_sys_link),
	S(10, unlink, 1, "const char *path", bsd_sys_unlink),
	S(12, chdir, 1, "const char *path", bsd_sys_chdir),
	S(13, fchdir, 1, "int fd", bsd_sys_fchdir),
	S(15, chmod, 2, "const char *path, mode_t mode", bsd_sys_chmod),
	S(16, chown, 3, "const char *path, int uid, int gid", bsd_sys_chown),
	S(20, getpid, 0, "void", bsd_sys_getpid),
	S(24, getuid, 0, "void", bsd_sys_getuid),
	S(25, geteuid, 0, "void", bsd_sys_geteuid),
	S(27, recvmsg, 3, "int s, struct msghdr *msg, int flags", bsd_sys_recvmsg),
	S(28, sendmsg, 3, "int s, const struct msghdr *msg, int flags", bsd_sys_sendmsg),
	S(29, recvfrom, 6, "int s, void *buf, size_t len, int flags, struct sockaddr *from, "
			   "__socklen_t *fromlenaddr", bsd_sys_recvfrom),
	S(30, accept, 3, "int s, struct sockaddr *name, __socklen_t *anamelen", bsd_sys_accept),
	S(31, getpeername, 3, "int fdes, struct sockaddr *asa, __socklen_t *alen", bsd_sys_getpeername),
	S(32, getsockname, 3, "int fdes, struct sockaddr *asa, __socklen_t *alen", bsd_sys_getsockname),
	S(33, access, 2, "const char *path, int amode", bsd_sys_access),
	S(37, kill, 2, "int pid, int signum", bsd_sys_kill),
	S(39, getppid, 0, "void", bsd_sys_getppid),
	S(41, dup, 1, "u_int fd", bsd_sys_dup),
	S(43, getegid, 0, "void", bsd_sys_getegid),
	S(47, getgid, 0, "void", bsd_sys_getgid),
	S(53, sigaltstack, 2, "const stack_t *ss, stack_t *oss", bsd_sys_sigaltstack),
	S(54, ioctl, 3, "int fd, u_long com, char *data", bsd_sys_ioctl),
	S(57, symlink, 2, "const char *path, const char *link", bsd_sys_symlink),
	S(58, readlink, 3, "const char *path, char *buf, size_t count", bsd_sys_readlink),
	S(59, execve, 3, "const char *fname, char **argv, char **envv", bsd_sys_execve),
	S(60, umask, 1, "mode_t newmask", bsd_sys_umask),
	S(66, vfork, 0, "void", bsd_sys_vfork),
	S(73, munmap, 2, "void *addr, size_t len", bsd_sys_munmap),
	S(74, mprotect, 3, "void *addr, size_t len, int prot", bsd_sys_mprotect),
	S(75, madvise, 3, "void *addr, size_t len, int behav", bsd_sys_madvise),
	S(79, getgroups, 2, "int gidsetsize, gid_t *gidset", bsd_sys_getgroups),
	S(81, getpgrp, 0, "void", bsd_sys_getpgrp),
	S(82, setpgid, 2, "int pid, int pgid", bsd_sys_setpgid),
	S(90, dup2, 2, "u_int from, u_int to", bsd_sys_dup2),
	S(92, fcntl, 3, "int fd, int cmd, long arg", bsd_sys_fcntl),
	K(93, select, 5, "int nd, fd_set *in, fd_set *ou, fd_set *ex, struct timeval *tv"),
	S(95, fsync, 1, "int fd", bsd_sys_fsync),
	S(97, socket, 3, "int domain, int type, int protocol", bsd_sys_socket),
	S(98, connect, 3, "int s, const struct sockaddr *name, __socklen_t namelen", bsd_sys_connect),
	S(104, bind, 3, "int s, const struct sockaddr *name, __socklen_t namelen", bsd_sys_bind),
	S(105, setsockopt, 5, "int s, int level, int name, const void *val, __socklen_t valsize", bsd_sys_setsockopt),
	S(106, listen, 2, "int s, int backlog", bsd_sys_listen),
	S(116, gettimeofday, 2, "struct timeval *tp, struct timezone *tzp", bsd_sys_gettimeofday),
	K(117, getrusage, 2, "int who, struct rusage *rusage"),
	S(118, getsockopt, 5, "int s, int level, int name, void *val, __socklen_t *avalsize", bsd_sys_getsockopt),
	S(120, readv, 3, "int fd, struct iovec *iovp, u_int iovcnt", bsd_sys_readv),
	S(121, writev, 3, "int fd, struct iovec *iovp, u_int iovcnt", bsd_sys_writev),
	S(123, fchown, 3, "int fd, int uid, int gid", bsd_sys_fchown),
	S(124, fchmod, 2, "int fd, mode_t mode", bsd_sys_fchmod),
	S(128, rename, 2, "const char *from, const char *to", bsd_sys_rename),
	S(132, mkfifo, 2, "const char *path, mode_t mode", bsd_sys_mkfifo),
	S(133, sendto, 6, "int s, const void *buf, size_t len, int flags, const struct sockaddr *to, "
			  "__socklen_t tolen", bsd_sys_sendto),
	S(134, shutdown, 2, "int s, int how", bsd_sys_shutdown),
	S(135, socketpair, 4, "int domain, int type, int protocol, int *rsv", bsd_sys_socketpair),
	S(136, mkdir, 2, "const char *path, mode_t mode", bsd_sys_mkdir),
	S(137, rmdir, 1, "const char *path", bsd_sys_rmdir),
	S(138, utimes, 2, "const char *path, const struct timeval *tptr", bsd_sys_utimes),
	S(147, setsid, 0, "void", bsd_sys_setsid),
	S(165, sysarch, 2, "int op, char *parms", bsd_sys_sysarch),
	K(188, freebsd11_stat, 2, "const char *path, struct freebsd11_stat *ub"),
	K(189, freebsd11_fstat, 2, "int fd, struct freebsd11_stat *sb"),
	K(190, freebsd11_lstat, 2, "const char *path, struct freebsd11_stat *ub"),
	S(194, getrlimit, 2, "u_int which, struct rlimit *rlp", bsd_sys_getrlimit),
	S(195, setrlimit, 2, "u_int which, struct rlimit *rlp", bsd_sys_setrlimit),
	K(196, freebsd11_getdirentries, 4, "int fd, char *buf, u_int count, long *basep"),
	S(202, __sysctl, 6, "int *name, u_int namelen, void *old, size_t *oldlenp, "
			    "const void *new, size_t newlen", bsd_sys___sysctl),
	S(207, getpgid, 1, "pid_t pid", bsd_sys_getpgid),
	S(232, clock_gettime, 2, "clockid_t clock_id, struct timespec *tp", bsd_sys_clock_gettime),
	S(234, clock_getres, 2, "clockid_t clock_id, struct timespec *tp", bsd_sys_clock_getres),
	S(240, nanosleep, 2, "const struct timespec *rqtp, struct timespec *rmtp", bsd_sys_nanosleep),
	S(253, issetugid, 0, "void", bsd_sys_issetugid),
	S(254, lchown, 3, "const char *path, int uid, int gid", bsd_sys_lchown),
	S(326, __getcwd, 2, "char *buf, size_t buflen", bsd_sys___getcwd),
	S(331, sched_yield, 0, "void", bsd_sys_sched_yield),
	S(340, sigprocmask, 3, "int how, const sigset_t *set, sigset_t *oset", bsd_sys_sigprocmask),
	S(362, kqueue, 0, "void", bsd_sys_kqueue),
	S(363, freebsd11_kevent, 6, "int fd, const struct freebsd11_kevent *changelist, "
				    "int nchanges, struct freebsd11_kevent *eventlist, int nevents, "
				    "const struct timespec *timeout", bsd_sys_freebsd11_kevent),
	K(393, sendfile, 7, "int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr, "
			    "off_t *sbytes, int flags"),
	S(416, sigaction, 3, "int sig, const struct sigaction *act, struct sigaction *oact",
	  bsd_sys_sigaction),
	S(417, sigreturn, 1, "const struct __ucontext *sigcntxp", bsd_sys_sigreturn),
	S(431, thr_exit, 1, "long *state", bsd_sys_thr_exit),
	S(432, thr_self, 1, "long *id", bsd_sys_thr_self),
	S(433, thr_kill, 2, "long id, int sig", bsd_sys_thr_kill),
	S(454, _umtx_op, 5, "void *obj, int op, u_long val, void *uaddr1, void *uaddr2",
	  bsd_sys__umtx_op),
	S(455, thr_new, 2, "struct thr_param *param, int param_size", bsd_sys_thr_new),
	S(475, pread, 4, "int fd, void *buf, size_t nbyte, off_t offset", bsd_sys_pread),
	S(476, pwrite, 4, "int fd, const void *buf, size_t nbyte, off_t offset", bsd_sys_pwrite),
	S(477, mmap, 6, "void *addr, size_t len, int prot, int flags, int fd, off_t pos",
	  bsd_sys_mmap),
	S(478, lseek, 3, "int fd, off_t offset, int whence", bsd_sys_lseek),
	S(479, truncate, 2, "const char *path, off_t length", bsd_sys_truncate),
	S(480, ftruncate, 2, "int fd, off_t length", bsd_sys_ftruncate),
	S(487, cpuset_getaffinity, 5, "cpulevel_t level, cpuwhich_t which, id_t id, "
				      "size_t cpusetsize, cpuset_t *mask", bsd_sys_cpuset_getaffinity),
	S(489, faccessat, 4, "int fd, const char *path, int amode, int flag", bsd_sys_faccessat),
	S(490, fchmodat, 4, "int fd, const char *path, mode_t mode, int flag", bsd_sys_fchmodat),
	S(491, fchownat, 5, "int fd, const char *path, uid_t uid, gid_t gid, int flag", bsd_sys_fchownat),
	K(493, freebsd11_fstatat, 4, "int fd, const char *path, struct freebsd11_stat *buf, int flag"),
	S(495, linkat, 5, "int fd1, const char *path1, int fd2, const char *path2, int flag", bsd_sys_linkat),
	S(496, mkdirat, 3, "int fd, const char *path, mode_t mode", bsd_sys_mkdirat),
	S(497, mkfifoat, 3, "int fd, const char *path, mode_t mode", bsd_sys_mkfifoat),
	S(499, openat, 4, "int fd, const char *path, int flag, mode_t mode", bsd_sys_openat),
	S(500, readlinkat, 4, "int fd, const char *path, char *buf, size_t bufsize",
	  bsd_sys_readlinkat),
	S(501, renameat, 4, "int oldfd, const char *old, int newfd, const char *new",
	  bsd_sys_renameat),
	S(502, symlinkat, 3, "const char *path1, int fd, const char *path2", bsd_sys_symlinkat),
	S(503, unlinkat, 3, "int fd, const char *path, int flag", bsd_sys_unlinkat),
	S(532, wait6, 6, "idtype_t idtype, id_t id, int *status, int options, "
			"struct __wrusage *wrusage, siginfo_t *info", bsd_sys_wait6),
	S(541, accept4, 4, "int s, struct sockaddr *name, __socklen_t *anamelen, int flags", bsd_sys_accept4),
	S(542, pipe2, 2, "int *fildes, int flags", bsd_sys_pipe2),
	S(546, futimens, 2, "int fd, const struct timespec *times", bsd_sys_futimens),
	S(547, utimensat, 4, "int fd, const char *path, const struct timespec *times, int flag", bsd_sys_utimensat),
	S(551, fstat, 2, "int fd, struct stat *sb", bsd_sys_fstat),
	S(552, fstatat, 4, "int fd, const char *path, struct stat *buf, int flag", bsd_sys_fstatat),
	S(554, getdirentries, 4, "int fd, char *buf, size_t count, off_t *basep",
	  bsd_sys_getdirentries),
	K(560, kevent, 6, "int fd, const struct kevent *changelist, int nchanges, "
			  "struct kevent *eventlist, int nevents, const struct timespec *timeout"),
	S(563, getrandom, 3, "void *buf, size_t buflen, unsigned int flags", bsd_sys_getrandom),
};

static unsigned char logged[BSD_SYS_MAX / 8 + 1];

static void log_unimplemented(long nr)
{
	char num[24];
	if (nr >= 0 && nr < BSD_SYS_MAX) {
		if (logged[nr / 8] & (1 << (nr % 8)))
			return;
		logged[nr / 8] |= (unsigned char)(1 << (nr % 8));
	}
	xlat_raw_puts("persona: freebsd: unimplemented system call ");
	if (nr >= 0 && nr < BSD_SYS_MAX && bsd_sysent[nr].name)
		xlat_raw_puts(bsd_sysent[nr].name);
	else
		xlat_raw_puts("#");
	xlat_raw_puts(" (");
	xlat_raw_puts(xlat_fmt_long(num, nr));
	xlat_raw_puts(")\n");
}

int bsd_trace_fd = -1;

static void trace_hex(char *buf, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[17];
	int i = 0;
	do {
		tmp[i++] = hex[v & 15];
		v >>= 4;
	} while (v);
	buf[0] = '0';
	buf[1] = 'x';
	int o = 2;
	while (i)
		buf[o++] = tmp[--i];
	buf[o] = 0;
}

/* A trace line is built here and written at once, so that the lines of
 * several threads do not interleave. */
struct trace_line {
	char buf[400];
	size_t len;
};

static void trace_add(struct trace_line *t, const char *s)
{
	while (*s && t->len < sizeof(t->buf) - 1)
		t->buf[t->len++] = *s++;
}

/* One line per call, like truss: "[tid] name(args) = result" (errors as
 * "= -1 errno N" with FreeBSD's number). */
static void trace_call(const struct xlat_call *c, long r, int noreturn)
{
	struct trace_line t = { .len = 0 };
	char num[32];
	int nargs = 6;
	const char *name = 0;
	if (c->nr >= 0 && c->nr < BSD_SYS_MAX && bsd_sysent[c->nr].name) {
		name = bsd_sysent[c->nr].name;
		nargs = bsd_sysent[c->nr].nargs;
	}
	trace_add(&t, "[");
	trace_add(&t, xlat_fmt_long(num, RAW0(186 /* SYS_gettid */)));
	trace_add(&t, "] ");
	if (name) {
		trace_add(&t, name);
	} else {
		trace_add(&t, "#");
		trace_add(&t, xlat_fmt_long(num, c->nr));
	}
	trace_add(&t, "(");
	for (int i = 0; i < nargs && i < 6; i++) {
		if (i)
			trace_add(&t, ", ");
		trace_hex(num, c->args[i]);
		trace_add(&t, num);
	}
	trace_add(&t, ") = ");
	if (noreturn)
		trace_add(&t, "(no return)");
	else if (r < 0 && r > -4096) {
		trace_add(&t, "-1 errno ");
		trace_add(&t, xlat_fmt_long(num, linux_to_bsd_errno((int)-r)));
	} else {
		trace_hex(num, (uint64_t)r);
		trace_add(&t, num);
	}
	trace_add(&t, "\n");
	RAW3(1 /* SYS_write */, bsd_trace_fd, t.buf, t.len);
}

void freebsd_dispatch(struct xlat_call *c)
{
	long r;
	if (c->nr >= 0 && c->nr < BSD_SYS_MAX && bsd_sysent[c->nr].handler) {
		if (bsd_trace_fd >= 0 && (c->nr == 1 || c->nr == 431)) /* exit, thr_exit */
			trace_call(c, 0, 1);
		r = bsd_sysent[c->nr].handler(c);
	} else {
		log_unimplemented(c->nr);
		r = -38; /* Linux ENOSYS */
	}
	if (bsd_trace_fd >= 0 && !c->replace_regs)
		trace_call(c, r, 0);
	if (r < 0 && r > -4096) {
		c->rax = (uint64_t)linux_to_bsd_errno((int)-r);
		c->carry = 1;
	} else {
		c->rax = (uint64_t)r;
		c->carry = 0;
	}
}
