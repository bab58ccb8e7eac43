/* persona: docker's default seccomp profile, as a table.
 *
 * The facts (which calls, under which condition) follow moby/profiles
 * seccomp v0.2.3, default.json and default_linux.go: an allow-list with
 * EPERM for everything else, plus rules that open a call only when the
 * container holds the capability that the kernel would check anyway, so a
 * capability added with --cap-add brings its syscalls with it.  Rules
 * docker writes for other architectures (arm, s390, ppc64le, riscv64) are
 * left out: persona runs on x86-64.
 */
#include "isolation/seccomp.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/socket.h>

#include "isolation/seccomp_private.h"

#define KVER(major, minor) ((major) << 8 | (minor))

/* The namespace flags that clone(2) may carry only with CAP_SYS_ADMIN
 * (0x7E020000).  CLONE_NEWTIME is not among them, as in docker's. */
#define CLONE_NAMESPACE_FLAGS                                                   \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
	 CLONE_NEWNET | CLONE_NEWCGROUP)

/* One condition on a syscall argument, in the OCI spec's terms. */
struct dflt_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	const char *op;
};

/* One rule: `names` (NULL-terminated) get `action` when the conditions hold. */
struct dflt_rule {
	const char *const *names;
	const char *action;
	unsigned errno_ret;             /* for SCMP_ACT_ERRNO; 0 = none given */
	const struct dflt_arg *arg;     /* the default profile never needs two */
	const char *if_cap;             /* keep only when this capability is held */
	const char *unless_cap;         /* drop when this capability is held */
	unsigned if_kernel;             /* keep only on kernel >= KVER(); 0 = any */
};

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ARG(i, op, v, v2) (&(const struct dflt_arg){ (i), (v), (v2), (op) })

/* What any container may call. */
static const char *const base_allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat",
	"capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
	"clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
	"clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
	"close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
	"execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
	"fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
	"fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat",
	"fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait",
	"futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents",
	"getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
	"getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp",
	"getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32",
	"getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
	"getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
	"getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get",
	"ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
	"landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
	"lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat",
	"llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
	"madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall",
	"mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
	"mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
	"mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
	"munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
	"_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
	"prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64",
	"pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
	"recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages",
	"removexattr", "removexattrat", "rename", "renameat", "renameat2",
	"restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction",
	"rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
	"semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
	"sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
	"setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
	"setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
	"setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
	"set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address",
	"setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
	"sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
	"statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
	"timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
	"timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
	"truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
	"vmsplice", "wait4", "waitid", "waitpid", "write", "writev", NULL,
};

#define ALLOW "SCMP_ACT_ALLOW"

static const struct dflt_rule default_rules[] = {
	{ .names = base_allowed, .action = ALLOW },
	/* Since 4.8 ptrace can no longer be used to escape seccomp. */
	{ .names = NAMES("process_vm_readv", "process_vm_writev", "ptrace"), .action = ALLOW,
	  .if_kernel = KVER(4, 8) },

	/* socket(2) for every family but AF_ALG (38) and AF_VSOCK (40). */
	{ .names = NAMES("socket"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_LT", AF_ALG, 0) },
	{ .names = NAMES("socket"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_EQ", AF_ALG + 1, 0) },
	{ .names = NAMES("socket"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_GT", AF_VSOCK, 0) },

	/* personality(2) only for PER_LINUX, PER_LINUX32, UNAME26 and those
	 * combined, and the 0xffffffff query; not ADDR_NO_RANDOMIZE etc. */
	{ .names = NAMES("personality"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_EQ", 0x0, 0) },
	{ .names = NAMES("personality"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_EQ", 0x0008, 0) },
	{ .names = NAMES("personality"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_EQ", 0x20000, 0) },
	{ .names = NAMES("personality"), .action = ALLOW, .arg = ARG(0, "SCMP_CMP_EQ", 0x20008, 0) },
	{ .names = NAMES("personality"), .action = ALLOW,
	  .arg = ARG(0, "SCMP_CMP_EQ", 0xffffffff, 0) },

	/* x86 only (docker: includes arches amd64, x32, x86). */
	{ .names = NAMES("arch_prctl", "modify_ldt"), .action = ALLOW },

	{ .names = NAMES("open_by_handle_at"), .action = ALLOW, .if_cap = "CAP_DAC_READ_SEARCH" },
	{ .names = NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount",
			 "fsopen", "fspick", "lookup_dcookie", "lsm_get_self_attr",
			 "lsm_list_modules", "lsm_set_self_attr", "mount", "mount_setattr",
			 "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
			 "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2",
			 "unshare"),
	  .action = ALLOW, .if_cap = "CAP_SYS_ADMIN" },
	/* Without CAP_SYS_ADMIN: clone(2) without namespace flags, and clone3
	 * fails with ENOSYS, because its flags sit in memory a filter cannot
	 * read; glibc then falls back to clone(2). */
	{ .names = NAMES("clone"), .action = ALLOW,
	  .arg = ARG(0, "SCMP_CMP_MASKED_EQ", CLONE_NAMESPACE_FLAGS, 0),
	  .unless_cap = "CAP_SYS_ADMIN" },
	{ .names = NAMES("clone3"), .action = "SCMP_ACT_ERRNO", .errno_ret = ENOSYS,
	  .unless_cap = "CAP_SYS_ADMIN" },
	{ .names = NAMES("reboot"), .action = ALLOW, .if_cap = "CAP_SYS_BOOT" },
	{ .names = NAMES("chroot"), .action = ALLOW, .if_cap = "CAP_SYS_CHROOT" },
	{ .names = NAMES("delete_module", "init_module", "finit_module"), .action = ALLOW,
	  .if_cap = "CAP_SYS_MODULE" },
	{ .names = NAMES("acct"), .action = ALLOW, .if_cap = "CAP_SYS_PACCT" },
	{ .names = NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
			 "process_vm_writev", "ptrace"),
	  .action = ALLOW, .if_cap = "CAP_SYS_PTRACE" },
	{ .names = NAMES("iopl", "ioperm"), .action = ALLOW, .if_cap = "CAP_SYS_RAWIO" },
	{ .names = NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"),
	  .action = ALLOW, .if_cap = "CAP_SYS_TIME" },
	{ .names = NAMES("vhangup"), .action = ALLOW, .if_cap = "CAP_SYS_TTY_CONFIG" },
	{ .names = NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
	  .action = ALLOW, .if_cap = "CAP_SYS_NICE" },
	{ .names = NAMES("syslog"), .action = ALLOW, .if_cap = "CAP_SYSLOG" },
	{ .names = NAMES("bpf"), .action = ALLOW, .if_cap = "CAP_BPF" },
	{ .names = NAMES("perf_event_open"), .action = ALLOW, .if_cap = "CAP_PERFMON" },
};

static int rule_applies(const struct dflt_rule *r, const char *const *caps, size_t ncaps,
			unsigned kernel)
{
	if (r->if_cap && !psc_has_cap(caps, ncaps, r->if_cap))
		return 0;
	if (r->unless_cap && psc_has_cap(caps, ncaps, r->unless_cap))
		return 0;
	if (r->if_kernel && kernel < r->if_kernel)
		return 0;
	return 1;
}

/* The OCI form of one argument condition; NULL when memory runs out. */
static json_t *arg_to_json(const struct dflt_arg *a)
{
	json_t *arg = json_object();

	if (!arg || json_object_set_new(arg, "index", json_integer(a->index)) < 0 ||
	    json_object_set_new(arg, "value", json_integer((json_int_t)a->value)) < 0 ||
	    json_object_set_new(arg, "valueTwo", json_integer((json_int_t)a->value_two)) < 0 ||
	    json_object_set_new(arg, "op", json_string(a->op)) < 0) {
		json_decref(arg);
		return NULL;
	}
	return arg;
}

/* The OCI form of one rule; NULL when memory runs out.  (jansson's *_new
 * setters consume the value even when they fail.) */
static json_t *rule_to_json(const struct dflt_rule *r)
{
	json_t *rule = json_object(), *names = json_array(), *args;

	if (!rule || !names)
		goto fail;
	for (const char *const *n = r->names; *n; n++)
		if (json_array_append_new(names, json_string(*n)) < 0)
			goto fail;
	if (json_object_set_new(rule, "names", names) < 0) {
		names = NULL;
		goto fail;
	}
	names = NULL;
	if (json_object_set_new(rule, "action", json_string(r->action)) < 0)
		goto fail;
	if (r->errno_ret && json_object_set_new(rule, "errnoRet", json_integer(r->errno_ret)) < 0)
		goto fail;
	if (r->arg) {
		args = json_array();
		if (!args || json_array_append_new(args, arg_to_json(r->arg)) < 0 ||
		    json_object_set_new(rule, "args", args) < 0)
			goto fail;   /* a failed set_new has released args */
	}
	return rule;
fail:
	json_decref(names);
	json_decref(rule);
	return NULL;
}

static json_t *host_architectures(void)
{
#if defined(__x86_64__)
	/* As docker's archMap for amd64: 64-bit, i386 and x32 binaries. */
	return json_pack("[sss]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
#else
	return json_array();   /* the native architecture only */
#endif
}

json_t *seccomp_default_profile(const char *const *caps, size_t ncaps, struct perr *err)
{
	json_t *profile = json_object(), *syscalls = json_array();
	unsigned kernel = psc_host_kernel();  /* KVER(major, minor) */

	if (!profile || !syscalls)
		goto fail;
	if (json_object_set_new(profile, "defaultAction", json_string("SCMP_ACT_ERRNO")) < 0 ||
	    json_object_set_new(profile, "defaultErrnoRet", json_integer(EPERM)) < 0 ||
	    json_object_set_new(profile, "architectures", host_architectures()) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++)
		if (rule_applies(&default_rules[i], caps, ncaps, kernel) &&
		    json_array_append_new(syscalls, rule_to_json(&default_rules[i])) < 0)
			goto fail;
	if (json_object_set_new(profile, "syscalls", syscalls) < 0) {
		syscalls = NULL;
		goto fail;
	}
	return profile;
fail:
	json_decref(syscalls);
	json_decref(profile);
	perr_set(err, ENOMEM, "default seccomp profile");
	return NULL;
}
