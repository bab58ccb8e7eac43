/* persona syscall-xlat: the FreeBSD amd64 personality.
 * The system call table (table.c) follows FreeBSD's
 * sys/kern/syscalls.master; handlers are grouped by area (files.c,
 * memory.c, proc.c, signals.c, time.c, sysctl.c, umtx.c, events.c);
 * conversions of constants and structures are in convert.c (convert.h).
 * Handlers return Linux-style results (>= 0, or -Linux errno); the
 * dispatcher turns errors into FreeBSD's (positive FreeBSD errno in rax,
 * carry flag set).  Everything here runs inside the SIGSYS handler with
 * the guest's FS base: raw system calls (trap/raw.h) only, no errno. */
#ifndef PERSONA_XLAT_FREEBSD_H
#define PERSONA_XLAT_FREEBSD_H

#include <stdint.h>

#include "common/error.h"
#include "syscall-xlat/trap/trap.h"

/* Remember what the guest's sysctls and AT_EXECPATH report. `execpath`
 * is the absolute path of the executable.  Call before the trap starts. */
void freebsd_init(const char *execpath);

/* When >= 0, every translated call is printed to this fd, truss-style
 * (set by freebsd_init from $PERSONA_XLAT_TRACE: "1" or "stderr" for fd
 * 2, otherwise a file name to append to). */
extern int bsd_trace_fd;

/* The dispatch function given to the trap back-end. */
void freebsd_dispatch(struct xlat_call *c);

/* One syscalls.master entry. */
typedef long (*bsd_handler)(struct xlat_call *c);
struct bsd_sysent {
	const char *name;     /* FreeBSD's name */
	int nargs;
	const char *args;     /* argument declaration as in syscalls.master */
	bsd_handler handler;  /* NULL: known but not implemented (ENOSYS) */
};

#define BSD_SYS_MAX 600
extern const struct bsd_sysent bsd_sysent[BSD_SYS_MAX];

/* Handlers (one per call, named after FreeBSD's sys_<name>). */
#define BSD_HANDLER(name) long bsd_sys_##name(struct xlat_call *c)
BSD_HANDLER(exit); BSD_HANDLER(read); BSD_HANDLER(write); BSD_HANDLER(open);
BSD_HANDLER(close); BSD_HANDLER(unlink); BSD_HANDLER(chdir); BSD_HANDLER(chmod);
BSD_HANDLER(getpid); BSD_HANDLER(getuid); BSD_HANDLER(geteuid); BSD_HANDLER(access);
BSD_HANDLER(kill); BSD_HANDLER(getppid); BSD_HANDLER(dup); BSD_HANDLER(getegid);
BSD_HANDLER(getgid); BSD_HANDLER(ioctl); BSD_HANDLER(symlink); BSD_HANDLER(readlink);
BSD_HANDLER(sigaltstack); BSD_HANDLER(munmap); BSD_HANDLER(mprotect); BSD_HANDLER(madvise);
BSD_HANDLER(dup2); BSD_HANDLER(fcntl); BSD_HANDLER(fsync); BSD_HANDLER(gettimeofday);
BSD_HANDLER(readv); BSD_HANDLER(writev); BSD_HANDLER(fchmod); BSD_HANDLER(rename);
BSD_HANDLER(mkdir); BSD_HANDLER(rmdir); BSD_HANDLER(sysarch); BSD_HANDLER(getrlimit);
BSD_HANDLER(setrlimit); BSD_HANDLER(__sysctl); BSD_HANDLER(clock_gettime);
BSD_HANDLER(clock_getres); BSD_HANDLER(nanosleep); BSD_HANDLER(__getcwd);
BSD_HANDLER(sched_yield); BSD_HANDLER(sigprocmask); BSD_HANDLER(kqueue);
BSD_HANDLER(freebsd11_kevent); BSD_HANDLER(sigaction); BSD_HANDLER(thr_exit);
BSD_HANDLER(thr_self); BSD_HANDLER(thr_kill); BSD_HANDLER(_umtx_op); BSD_HANDLER(thr_new);
BSD_HANDLER(pread); BSD_HANDLER(pwrite); BSD_HANDLER(mmap); BSD_HANDLER(lseek);
BSD_HANDLER(ftruncate); BSD_HANDLER(cpuset_getaffinity); BSD_HANDLER(openat);
BSD_HANDLER(unlinkat); BSD_HANDLER(pipe2); BSD_HANDLER(fstat); BSD_HANDLER(fstatat);
BSD_HANDLER(getdirentries); BSD_HANDLER(getrandom); BSD_HANDLER(issetugid);
BSD_HANDLER(fchdir); BSD_HANDLER(renameat); BSD_HANDLER(mkdirat); BSD_HANDLER(symlinkat);
BSD_HANDLER(readlinkat); BSD_HANDLER(fchmodat); BSD_HANDLER(sigreturn);
BSD_HANDLER(socket); BSD_HANDLER(socketpair); BSD_HANDLER(bind); BSD_HANDLER(connect);
BSD_HANDLER(listen); BSD_HANDLER(shutdown); BSD_HANDLER(accept); BSD_HANDLER(accept4);
BSD_HANDLER(getsockname); BSD_HANDLER(getpeername); BSD_HANDLER(sendto); BSD_HANDLER(recvfrom);
BSD_HANDLER(sendmsg); BSD_HANDLER(recvmsg);
BSD_HANDLER(setsockopt); BSD_HANDLER(getsockopt);

BSD_HANDLER(fork); BSD_HANDLER(vfork); BSD_HANDLER(execve); BSD_HANDLER(wait4);
BSD_HANDLER(wait6); BSD_HANDLER(setsid); BSD_HANDLER(setpgid); BSD_HANDLER(getpgrp);
BSD_HANDLER(getpgid); BSD_HANDLER(umask);
BSD_HANDLER(link); BSD_HANDLER(chown); BSD_HANDLER(fchown); BSD_HANDLER(lchown);
BSD_HANDLER(truncate); BSD_HANDLER(utimes); BSD_HANDLER(mkfifo); BSD_HANDLER(mkfifoat);
BSD_HANDLER(faccessat); BSD_HANDLER(fchownat); BSD_HANDLER(linkat); BSD_HANDLER(utimensat);
BSD_HANDLER(futimens); BSD_HANDLER(getgroups);

/* See xlat_set_exec_helper() in xlat.h; returns 0 or -1 (too long). */
int freebsd_set_exec_helper(const char *helper, char *const *prefix);

/* A forked child's thread takes over its parent thread's sigaltstack. */
void bsd_thread_renamed(int32_t old_tid, int32_t new_tid);

/* Forget a thread's virtual sigaltstack (signals.c; from thr_exit). */
void bsd_thread_gone(int32_t tid);

/* FreeBSD address family -> Linux, -1 if unsupported (net.c). */
int bsd_to_linux_af(int af);

/* The trap's signal fn: enter the guest's handler for host signal
 * `lsig` on a FreeBSD signal frame (see signals.c). */
void bsd_deliver_signal(int lsig, const void *info, uint64_t *gregs, void *fpstate,
			uint64_t *host_sigmask);

/* The absolute path of the guest executable (kern.proc.pathname). */
extern char bsd_execpath[4096];

#endif
