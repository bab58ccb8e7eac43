/* persona syscall-xlat: FreeBSD process, thread and identity calls.
 * Sources: FreeBSD thr_new(2), thr_self(2), thr_exit(2), thr_kill(2),
 * sysarch(2) (AMD64_SET_FSBASE), cpuset_getaffinity(2), getrlimit(2),
 * sys/sys/thr.h (struct thr_param). */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/timekeep.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include "syscall-xlat/elf.h"

#include <asm/prctl.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define A(i) (c->args[i])

BSD_HANDLER(exit) { return RAW1(SYS_exit_group, (int)A(0)); }
BSD_HANDLER(getpid) { return RAW0(SYS_getpid); }
BSD_HANDLER(getppid) { return RAW0(SYS_getppid); }
BSD_HANDLER(getuid) { return RAW0(SYS_getuid); }
BSD_HANDLER(geteuid) { return RAW0(SYS_geteuid); }
BSD_HANDLER(getgid) { return RAW0(SYS_getgid); }
BSD_HANDLER(getegid) { return RAW0(SYS_getegid); }
BSD_HANDLER(issetugid) { return 0; }
BSD_HANDLER(getgroups) { return RAW2(SYS_getgroups, (int)A(0), A(1)); }
BSD_HANDLER(sched_yield) { return RAW0(SYS_sched_yield); }
BSD_HANDLER(getrandom) { return RAW3(SYS_getrandom, A(0), A(1), A(2) & 3); }

BSD_HANDLER(kill)
{
	int sig = (int)A(1);
	int lsig = sig ? bsd_to_linux_signal(sig) : 0;
	if (sig && !lsig)
		return -22;
	return RAW2(SYS_kill, (int)A(0), lsig);
}

enum { AMD64_GET_FSBASE = 128, AMD64_SET_FSBASE = 129, AMD64_GET_GSBASE = 130,
       AMD64_SET_GSBASE = 131 };

BSD_HANDLER(sysarch)
{
	uint64_t base;
	int e;
	switch ((int)A(0)) {
	case AMD64_SET_FSBASE:
	case AMD64_SET_GSBASE:
		e = guest_copyin(&base, A(1), sizeof(base));
		if (e < 0)
			return e;
		return RAW2(SYS_arch_prctl, (int)A(0) == AMD64_SET_FSBASE ? ARCH_SET_FS : ARCH_SET_GS,
			    base);
	case AMD64_GET_FSBASE:
	case AMD64_GET_GSBASE: {
		long r = RAW2(SYS_arch_prctl, (int)A(0) == AMD64_GET_FSBASE ? ARCH_GET_FS : ARCH_GET_GS,
			      &base);
		if (r < 0)
			return r;
		return guest_copyout(A(1), &base, sizeof(base));
	}
	default:
		return -22;
	}
}

#define BSD_RLIM_INFINITY 0x7fffffffffffffffULL

BSD_HANDLER(getrlimit)
{
	int res = bsd_to_linux_rlimit_resource((int)A(0));
	struct rlimit rl;
	if (res < 0)
		return -22;
	long r = RAW2(SYS_getrlimit, res, &rl);
	if (r < 0)
		return r;
	uint64_t out[2] = { rl.rlim_cur, rl.rlim_max };
	for (int i = 0; i < 2; i++)
		if (out[i] >= BSD_RLIM_INFINITY)
			out[i] = BSD_RLIM_INFINITY;
	return guest_copyout(A(1), out, sizeof(out));
}

BSD_HANDLER(setrlimit)
{
	int res = bsd_to_linux_rlimit_resource((int)A(0));
	uint64_t in[2];
	if (res < 0)
		return -22;
	int e = guest_copyin(in, A(1), sizeof(in));
	if (e < 0)
		return e;
	struct rlimit rl = { in[0], in[1] };
	if (in[0] == BSD_RLIM_INFINITY)
		rl.rlim_cur = RLIM_INFINITY;
	if (in[1] == BSD_RLIM_INFINITY)
		rl.rlim_max = RLIM_INFINITY;
	return RAW2(SYS_setrlimit, res, &rl);
}

BSD_HANDLER(cpuset_getaffinity)
{
	unsigned char mask[512];
	uint64_t size = A(3);
	if (size > sizeof(mask))
		return -34; /* ERANGE, as FreeBSD for an oversized set */
	int which = (int)A(1);
	long id = (long)A(2);
	long pid = (id == -1) ? 0 : id;
	if (which != 1 && which != 2) /* CPU_WHICH_TID, CPU_WHICH_PID */
		return -22;
	for (size_t i = 0; i < sizeof(mask); i++)
		mask[i] = 0;
	long r = RAW3(SYS_sched_getaffinity, pid, sizeof(mask), mask);
	if (r < 0)
		return r;
	return guest_copyout(A(4), mask, size);
}

BSD_HANDLER(thr_self)
{
	uint64_t tid = (uint64_t)RAW0(SYS_gettid);
	return guest_copyout(A(0), &tid, sizeof(tid));
}

/* Guest threads alive.  FreeBSD ends the process when its last thread
 * calls thr_exit; on Linux the last thread's exit does too, except that
 * persona's timekeep refresh thread (timekeep.c) would keep it alive. */
static int live_threads = 1;

BSD_HANDLER(thr_exit)
{
	bsd_thread_gone((int32_t)RAW0(SYS_gettid));
	int last = __atomic_sub_fetch(&live_threads, 1, __ATOMIC_ACQ_REL) == 0;
	if (A(0)) {
		uint64_t one = 1;
		if (guest_copyout(A(0), &one, sizeof(one)) == 0)
			RAW3(SYS_futex, A(0), FUTEX_WAKE, 0x7fffffff);
	}
	if (last)
		return RAW1(SYS_exit_group, 0);
	return RAW1(SYS_exit, 0);
}

BSD_HANDLER(thr_kill)
{
	int sig = (int)A(1);
	int lsig = sig ? bsd_to_linux_signal(sig) : 0;
	if (sig && !lsig)
		return -22;
	return RAW3(SYS_tgkill, RAW0(SYS_getpid), (long)A(0), lsig);
}

/* struct thr_param (sys/sys/thr.h), 104 bytes on amd64. */
struct bsd_thr_param {
	uint64_t start_func, arg, stack_base, stack_size, tls_base, tls_size;
	uint64_t child_tid, parent_tid;
	int32_t flags;
	int32_t pad;
	uint64_t rtp;
	uint64_t spare[3];
};

BSD_HANDLER(thr_new)
{
	struct bsd_thr_param p;
	if (A(1) < sizeof(p))
		return -22;
	int e = guest_copyin(&p, A(0), sizeof(p));
	if (e < 0)
		return e;
	struct xlat_thread_start ts = {
		.entry = p.start_func,
		.arg = p.arg,
		.stack_top = p.stack_base + p.stack_size,
		.tls_base = p.tls_base,
		.child_tid = p.child_tid,
		.parent_tid = p.parent_tid,
		.host_sigmask = *c->host_sigmask,
	};
	__atomic_add_fetch(&live_threads, 1, __ATOMIC_ACQ_REL);
	long r = xlat_trap_spawn_thread(&ts);
	if (r < 0)
		__atomic_sub_fetch(&live_threads, 1, __ATOMIC_ACQ_REL);
	return r < 0 ? r : 0;
}

/* ---- processes: fork, execve, wait ---- */

void bsd_thread_renamed(int32_t old_tid, int32_t new_tid);

static long do_fork(struct xlat_call *c)
{
	int32_t parent_tid = (int32_t)RAW0(SYS_gettid);
	long pid = xlat_trap_fork();
	if (pid < 0)
		return pid;
	/* FreeBSD: the parent gets (pid, 0), the child (0? pid, 1) in
	 * rax:rdx; libc and Go test rdx or rax == 0. */
	c->set_rdx = 1;
	c->rdx = pid == 0 ? 1 : 0;
	if (pid == 0) {
		bsd_thread_renamed(parent_tid, (int32_t)RAW0(SYS_gettid));
		xlat_timekeep_forked(); /* no refresh thread in the child */
		__atomic_store_n(&live_threads, 1, __ATOMIC_RELEASE);
	}
	return pid;
}

BSD_HANDLER(fork) { return do_fork(c); }
BSD_HANDLER(vfork) { return do_fork(c); }
BSD_HANDLER(setsid) { return RAW0(SYS_setsid); }
BSD_HANDLER(setpgid) { return RAW2(SYS_setpgid, (int)A(0), (int)A(1)); }
BSD_HANDLER(getpgrp) { return RAW0(SYS_getpgrp); }
BSD_HANDLER(getpgid) { return RAW1(SYS_getpgid, (int)A(0)); }
BSD_HANDLER(umask) { return RAW1(SYS_umask, A(0)); }

#define MAX_PREFIX 8
static char helper_path[4096];
static char helper_prefix_buf[MAX_PREFIX][256];
static int helper_nprefix = -1;

int freebsd_set_exec_helper(const char *helper, char *const *prefix)
{
	size_t n = 0;
	while (helper[n])
		n++;
	if (n >= sizeof(helper_path))
		return -1;
	int np = 0;
	while (prefix && prefix[np]) {
		size_t k = 0;
		while (prefix[np][k])
			k++;
		if (np >= MAX_PREFIX || k >= sizeof(helper_prefix_buf[0]))
			return -1;
		__builtin_memcpy(helper_prefix_buf[np], prefix[np], k + 1);
		np++;
	}
	__builtin_memcpy(helper_path, helper, n + 1);
	helper_nprefix = np;
	return 0;
}

/* Is the file open on `fd` a FreeBSD ELF?  Raw reads only (trap-safe). */
static int fd_is_freebsd(long fd)
{
	Elf64_Ehdr h;
	if (RAW4(SYS_pread64, fd, &h, sizeof(h), 0) != (long)sizeof(h) ||
	    __builtin_memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (h.e_ident[EI_OSABI] == 9)
		return 1;
	if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_phentsize != sizeof(Elf64_Phdr) ||
	    h.e_phnum > XLAT_MAX_PHDRS)
		return 0;
	Elf64_Phdr ph[XLAT_MAX_PHDRS];
	long want = (long)(h.e_phnum * sizeof(Elf64_Phdr));
	if (RAW4(SYS_pread64, fd, ph, want, h.e_phoff) != want)
		return 0;
	for (int i = 0; i < h.e_phnum; i++) {
		unsigned char buf[512];
		if (ph[i].p_type != PT_NOTE)
			continue;
		long len = ph[i].p_filesz < sizeof(buf) ? (long)ph[i].p_filesz : (long)sizeof(buf);
		long got = RAW4(SYS_pread64, fd, buf, len, ph[i].p_offset);
		if (got > 0 && xlat_elf_note_is_freebsd(buf, (size_t)got))
			return 1;
	}
	return 0;
}

BSD_HANDLER(execve)
{
	if (!xlat_trap_can_exec())
		return -38; /* ENOSYS: the seccomp trap would kill the new image */
	long fd = RAW3(SYS_open, A(0), O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	int bsd = fd_is_freebsd(fd);
	RAW1(SYS_close, fd);
	if (!bsd) /* Linux programs and scripts run natively */
		return RAW3(SYS_execve, A(0), A(1), A(2));
	if (helper_nprefix < 0)
		return -8; /* ENOEXEC */

	/* [helper, prefix..., path, argv[1], ..., NULL] */
	uint64_t argc = 0, p;
	for (;;) {
		int e = guest_copyin(&p, A(1) + argc * 8, 8);
		if (e < 0)
			return e;
		if (!p)
			break;
		if (++argc > 65536)
			return -7; /* E2BIG */
	}
	size_t words = 1 + (size_t)helper_nprefix + 1 + (argc ? argc - 1 : 0) + 1;
	size_t bytes = (words * 8 + 4095) & ~4095UL;
	long m = RAW6(SYS_mmap, 0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		return m;
	uint64_t *v = (uint64_t *)m;
	size_t o = 0;
	v[o++] = (uint64_t)(uintptr_t)helper_path;
	for (int i = 0; i < helper_nprefix; i++)
		v[o++] = (uint64_t)(uintptr_t)helper_prefix_buf[i];
	v[o++] = A(0);
	for (uint64_t i = 1; i < argc; i++)
		guest_copyin(&v[o++], A(1) + i * 8, 8);
	v[o] = 0;
	long r = RAW3(SYS_execve, helper_path, v, A(2));
	RAW2(SYS_munmap, m, bytes);
	return r;
}

/* Linux wait status -> FreeBSD: signal numbers differ. */
static int bsd_wait_status(int st)
{
	if ((st & 0xff) == 0x7f) /* stopped */
		return (linux_to_bsd_signal((st >> 8) & 0xff) << 8) | 0x7f;
	if (st == 0xffff) /* continued */
		return 0x13;
	if ((st & 0x7f) != 0) /* killed */
		return (st & 0x80) | linux_to_bsd_signal(st & 0x7f);
	return st;
}

/* FreeBSD wait options: WNOHANG 1, WUNTRACED 2, WCONTINUED 4, WNOWAIT 8,
 * WEXITED 16, WTRAPPED 32. */
static int linux_wait_options(int b)
{
	int l = 0;
	if (b & 1) l |= WNOHANG;
	if (b & 2) l |= WUNTRACED;
	if (b & 4) l |= WCONTINUED;
	if (b & 8) l |= WNOWAIT;
	if (b & 16) l |= WEXITED;
	return l;
}

BSD_HANDLER(wait4)
{
	int st = 0;
	long r = RAW4(SYS_wait4, (int)A(0), &st, linux_wait_options((int)A(2)), A(3));
	if (r > 0 && A(1)) {
		int b = bsd_wait_status(st);
		int e = guest_copyout(A(1), &b, sizeof(b));
		if (e < 0)
			return e;
	}
	return r;
}

BSD_HANDLER(wait6)
{
	int idtype;
	switch ((int)A(0)) {
	case 0: idtype = P_PID; break;
	case 2: idtype = P_PGID; break;
	case 7: idtype = P_ALL; break;
	default: return -22;
	}
	siginfo_t si;
	__builtin_memset(&si, 0, sizeof(si));
	long r = RAW5(SYS_waitid, idtype, A(1), &si, linux_wait_options((int)A(3)), 0);
	if (r < 0)
		return r;
	if (A(2) && si.si_pid) {
		int st = 0;
		switch (si.si_code) {
		case CLD_EXITED: st = (si.si_status & 0xff) << 8; break;
		case CLD_KILLED: st = linux_to_bsd_signal(si.si_status); break;
		case CLD_DUMPED: st = 0x80 | linux_to_bsd_signal(si.si_status); break;
		case CLD_STOPPED: case CLD_TRAPPED: st = (linux_to_bsd_signal(si.si_status) << 8) | 0x7f; break;
		case CLD_CONTINUED: st = 0x13; break;
		}
		int e = guest_copyout(A(2), &st, sizeof(st));
		if (e < 0)
			return e;
	}
	if (A(4)) { /* struct __wrusage: two struct rusage, not collected */
		static const unsigned char zero[288];
		guest_copyout(A(4), zero, sizeof(zero));
	}
	return si.si_pid;
}
