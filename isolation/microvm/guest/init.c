/* persona's guest init: PID 1 of a micro-VM that runs one workload.
 *
 * A freestanding static program (no C library: about 10 KB, where a
 * static glibc program is 800 KB, and every byte of the initramfs costs
 * the guest kernel time to unpack; ~7 s per MB on kvm_pvm hosts).  Built
 * on its own by the Makefile (persona-guest-init, -DPERSONA_GUEST_INIT,
 * -nostdlib); the Makefile also compiles every .c under isolation/ into
 * libpersona.a, where this file is empty.  x86-64 Linux system calls
 * only (arch/x86/entry/syscalls/syscall_64.tbl).
 *
 * The host (runtime/cmd_vm.c) puts it into the initramfs as /persona-init
 * and boots with rdinit=/persona-init.  Its inputs are in the initramfs's
 * /persona-spec (not on the kernel command line, where every word after
 * "--" would also count toward the kernel's 32 init arguments, and a
 * value could hold the "--" or the whitespace that splits the line):
 * NUL-terminated records "KEY=VALUE", in order,
 *   hostname=NAME  workdir=DIR  user=UID:GID  root=DEVICE
 *   rootfstype=TYPE (default ext2)  readonly=1
 *   tty=ROWSxCOLS  (docker's -t: the serial console is the workload's
 *     terminal, its controlling tty, echo and output mapping left on,
 *     stdout and stderr there too; 0x0 when the size is unknown)
 *   env=NAME=VALUE (repeated)
 *   tmpfs.flags=HEX  tmpfs.data=DATA  tmpfs=PATH (the last one mounts a
 *     tmpfs on PATH with the mount(2) flags and data before it)
 *   arg=WORD (repeated: the command and its arguments)
 * With root=, the initramfs holds only this program and the spec: it
 * mounts DEVICE (the virtio-blk disk persona made of the image, /dev/vda)
 * and makes it the root, as switch_root(8) does, before anything else.
 * It mounts /proc, /sys, /dev (devtmpfs), /dev/pts and /tmp, sets the
 * hostname, runs the command (stdin and stderr the console, stdout
 * /dev/hvc0 when persona gave that virtio console) with that environment, user and directory
 * (searching PATH as execvp does), waits for it (reaping every orphan, as
 * PID 1 must), and reports the status (docker's convention: the exit
 * code, 128+N for signal N, 126 not executable, 127 not found) through
 * the debug-exit port 0x501. */
#ifdef PERSONA_GUEST_INIT
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT 0x501
#define CONSOLE_READY_PORT 0x502
#define MAX_ENV 1024
#define MAX_ARGS 4096
#define SPEC_MAX (256 * 1024)

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_ioctl 16
#define SYS_dup2 33
#define SYS_pause 34
#define SYS_fork 57
#define SYS_execve 59
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_chdir 80
#define SYS_mkdir 83
#define SYS_setuid 105
#define SYS_setgid 106
#define SYS_setsid 112
#define SYS_chroot 161
#define SYS_sync 162
#define SYS_mount 165
#define SYS_umount2 166
#define SYS_reboot 169
#define SYS_sethostname 170
#define SYS_ioperm 173

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_NOCTTY 0400
#define ENOENT 2
#define EINTR 4
#define EBUSY 16
#define MS_NOSUID 2
#define MS_NODEV 4
#define MS_NOEXEC 8
#define MS_RDONLY 1
#define MS_SYNCHRONOUS 16
#define MS_NOATIME 1024
#define MS_NODIRATIME 2048
#define MS_RELATIME (1 << 21)
#define MS_STRICTATIME (1 << 24)
#define MS_MOVE 8192
#define MNT_DETACH 2
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TIOCSCTTY 0x540e
#define TIOCSWINSZ 0x5414
#define ONLCR 0x4
#define ECHO 0x8

struct termios_k {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool has_prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

static bool str_has(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return true;
	return false;
}

static void put(const char *s)
{
	sys(SYS_write, 2, s, str_len(s));
}

static void put_num(long v)
{
	char buf[24];
	int i = 23;
	bool neg = v < 0;
	unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		buf[--i] = '-';
	put(buf + i);
}

/* "persona-init: A B: error N\n" */
static void say(const char *a, const char *b, long err)
{
	put("persona-init: ");
	put(a);
	if (b) {
		put(" ");
		put(b);
	}
	if (err) {
		put(": error ");
		put_num(-err);
		if (err == -ENOENT)
			put(" (No such file or directory)");
	}
	put("\n");
}

static unsigned parse_uint(const char **s)
{
	unsigned v = 0;
	while (**s >= '0' && **s <= '9')
		v = v * 10 + (unsigned)(*(*s)++ - '0');
	return v;
}

static __attribute__((noreturn)) void report(int status)
{
	sys(SYS_sync, 0, 0, 0);
	long rc = sys(SYS_ioperm, DEBUG_EXIT_PORT, 1, 1);
	if (rc == 0) {
		uint8_t b = (uint8_t)status;
		__asm__ volatile("outb %0, %1" : : "a"(b), "Nd"((uint16_t)DEBUG_EXIT_PORT));
	}
	say("cannot reach the debug-exit port; status lost", NULL, rc);
	/* LINUX_REBOOT_MAGIC1, MAGIC2, LINUX_REBOOT_CMD_RESTART */
	sys6(SYS_reboot, 0xfee1dead, 672274793, 0x01234567, 0, 0, 0);
	for (;;)
		sys(SYS_pause, 0, 0, 0);
}

static void mount_one(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	sys(SYS_mkdir, dst, 0755, 0);
	long rc = sys6(SYS_mount, (long)src, (long)dst, (long)type, (long)flags, (long)data, 0);
	if (rc < 0 && rc != -EBUSY)
		say("mount", dst, rc);
}

/* execvp: a name without '/' is looked up in PATH; ENOENT only when no
 * directory has it, another error (EACCES, ENOEXEC) wins over ENOENT. */
static long exec_path(char **argv, char **envp, const char *path)
{
	static char buf[4096];
	long err = -ENOENT;

	if (str_has(argv[0], '/'))
		return sys(SYS_execve, argv[0], argv, envp);
	const char *p = path;
	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != ':')
			n++;
		size_t len = str_len(argv[0]);
		if (n + 1 + len + 1 <= sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '/';
			memcpy(buf + n + 1, argv[0], len + 1);
			long rc = sys(SYS_execve, buf, argv, envp);
			if (rc != -ENOENT)
				err = rc;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return err;
}

/* `fd` without the "\n" -> "\r\n" mapping: the output stays the
 * workload's, byte for byte. */
static void raw_output(int fd)
{
	struct termios_k t;
	if (sys(SYS_ioctl, fd, TCGETS, &t) == 0) {
		t.c_oflag &= ~(uint32_t)ONLCR;
		sys(SYS_ioctl, fd, TCSETS, &t);
	}
}

/* persona gives a workload a virtio console, hvc0, for its stdout, and
 * sends what the serial console prints to its own stderr, so that the two
 * stay apart on the host (and stdout does not go a byte per port write
 * through the 8250); without it both go to the serial console. */
static void split_output(void)
{
	long out = sys(SYS_open, "/dev/hvc0", O_WRONLY | O_NOCTTY, 0);

	if (out >= 0) {
		raw_output((int)out);
		sys(SYS_dup2, out, 1, 0);
	}
	if (out > 2)
		sys(SYS_close, out, 0, 0);
}

struct winsize_k {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* tty=ROWSxCOLS from the spec; NULL: no terminal. */
static const char *tty_size;

static __attribute__((noreturn)) void run_child(char **cmd, char **env, const char *path, const char *workdir,
						 unsigned uid, unsigned gid)
{
	long rc;

	sys(SYS_setsid, 0, 0, 0);
	if (tty_size) {
		/* The console becomes the session's controlling terminal: ^C
		 * there is SIGINT to the workload's foreground group. */
		const char *p = tty_size;
		struct winsize_k ws = { 0 };
		ws.ws_row = (uint16_t)parse_uint(&p);
		if (*p == 'x') {
			p++;
			ws.ws_col = (uint16_t)parse_uint(&p);
		}
		long fd = sys(SYS_open, "/dev/ttyS0", O_RDWR, 0);
		if (fd >= 0) {
			/* The tty itself rather than the kernel's /dev/console
			 * of the initramfs: ttyname(3) finds it in /dev. */
			sys(SYS_dup2, fd, 0, 0);
			sys(SYS_dup2, fd, 1, 0);
			sys(SYS_dup2, fd, 2, 0);
			if (fd > 2)
				sys(SYS_close, fd, 0, 0);
		}
		sys(SYS_ioctl, 0, TIOCSCTTY, 1);
		if (ws.ws_row && ws.ws_col)
			sys(SYS_ioctl, 0, TIOCSWINSZ, &ws);
	} else {
		split_output();
	}
	rc = sys(SYS_chdir, workdir, 0, 0);
	if (rc < 0) {
		say("workdir", workdir, rc);
		sys(SYS_exit, 125, 0, 0);
	}
	if ((gid && (rc = sys(SYS_setgid, gid, 0, 0)) < 0) || (uid && (rc = sys(SYS_setuid, uid, 0, 0)) < 0)) {
		say("cannot take the user's ids", NULL, rc);
		sys(SYS_exit, 125, 0, 0);
	}
	rc = exec_path(cmd, env, path);
	say(cmd[0], NULL, rc);
	sys(SYS_exit, rc == -ENOENT ? 127 : 126, 0, 0);
	for (;;)
		;
}

/* mkdir -p: each component of the absolute `path` (modified and
 * restored in place). */
static void mkdir_p(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			sys(SYS_mkdir, path, 0755, 0);
			*p = c;
			if (!c)
				return;
		}
	}
}

/* tmpfs=PATH: the OCI spec's tmpfs mounts (docker's --tmpfs,
 * /dev/shm), their options already split by the host into mount(2) flags
 * and tmpfs's data.  A failure ends the VM before the workload, as a
 * container that cannot be made never starts. */
static void mount_tmpfs(char *path, unsigned long flags, const char *data)
{
	mkdir_p(path);
	long rc = sys6(SYS_mount, (long)"tmpfs", (long)path, (long)"tmpfs", (long)flags, (long)data, 0);
	if (rc < 0) {
		say("cannot mount a tmpfs on", path, rc);
		report(125);
	}
}

static unsigned long parse_hex(const char *s)
{
	unsigned long v = 0;
	for (; *s; s++)
		v = v * 16 + (unsigned long)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	return v;
}

/* Make the file system on `dev` the root: mount it on /newroot (devtmpfs
 * lends the device node), drop the initramfs's /proc and /dev, move the
 * mount onto / and chroot there.  The initramfs stays underneath, one
 * small file.  Any failure ends the VM: no root, no workload. */
static void switch_root(const char *dev, const char *type, bool readonly)
{
	long rc;

	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	sys(SYS_mkdir, "/newroot", 0755, 0);
	/* noatime: the disk is the run's own, and every atime update would
	 * be an inode written back. */
	rc = sys6(SYS_mount, (long)dev, (long)"/newroot", (long)type, MS_NOATIME | (readonly ? MS_RDONLY : 0), 0, 0);
	if (rc < 0) {
		say("cannot mount the root file system", dev, rc);
		report(125);
	}
	sys(SYS_umount2, "/dev", MNT_DETACH, 0);
	sys(SYS_umount2, "/proc", MNT_DETACH, 0);
	if ((rc = sys(SYS_chdir, "/newroot", 0, 0)) < 0 ||
	    (rc = sys6(SYS_mount, (long)"/newroot", (long)"/", 0, MS_MOVE, 0, 0)) < 0 ||
	    (rc = sys(SYS_chroot, ".", 0, 0)) < 0 || (rc = sys(SYS_chdir, "/", 0, 0)) < 0) {
		say("cannot switch to the root file system", dev, rc);
		report(125);
	}
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
}

static __attribute__((noreturn, used)) void init_main(void)
{
	static char spec[SPEC_MAX];
	static char *args[MAX_ARGS + 1], *env[MAX_ENV + 2];
	const char *hostname = "persona", *workdir = "/";
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	static char path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	unsigned uid = 0, gid = 0;
	int nenv = 1, nargs = 0;

	/* The spec, from the initramfs, before the root changes. */
	long len = -1, fd = sys(SYS_open, "/persona-spec", O_RDONLY, 0);
	if (fd >= 0) {
		len = 0;
		for (long n; len < SPEC_MAX && (n = sys(SYS_read, fd, spec + len, SPEC_MAX - len)) > 0;)
			len += n;
		sys(SYS_close, fd, 0, 0);
	}
	if (len <= 0 || len >= SPEC_MAX || spec[len - 1] != '\0') {
		say("no usable /persona-spec in the initramfs", NULL, fd < 0 ? fd : 0);
		report(125);
	}
	const char *root = 0, *rootfstype = "ext2";
	bool readonly = false;
	for (char *r = spec; r < spec + len; r += str_len(r) + 1) {
		if (has_prefix(r, "root="))
			root = r + 5;
		else if (has_prefix(r, "rootfstype="))
			rootfstype = r + 11;
		else if (has_prefix(r, "readonly="))
			readonly = str_eq(r + 9, "1");
		else if (has_prefix(r, "tty="))
			tty_size = r + 4;
	}
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
	if (root)
		switch_root(root, rootfstype, readonly);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");

	/* Without a terminal the console is the workload's stdin: no echo of
	 * what persona feeds it; canonical mode stays, so that ^D (the host's
	 * end of input) ends it.  With one (-t), a terminal as docker's: echo,
	 * "\n" written as "\r\n". */
	struct termios_k t;
	if (!tty_size && sys(SYS_ioctl, 0, TCGETS, &t) == 0) {
		t.c_lflag &= ~(uint32_t)ECHO;
		sys(SYS_ioctl, 0, TCSETS, &t);
		raw_output(1);
	}
	/* ... and then persona may send it. */
	if (sys(SYS_ioperm, DEBUG_EXIT_PORT, 2, 1) == 0)
		__asm__ volatile("outb %0, %1" : : "a"((uint8_t)1), "Nd"((uint16_t)CONSOLE_READY_PORT));

	env[0] = path_env;
	unsigned long tmpfs_flags = 0;
	const char *tmpfs_data = "";
	for (char *r = spec; r < spec + len; r += str_len(r) + 1) {
		if (has_prefix(r, "hostname="))
			hostname = r + 9;
		else if (has_prefix(r, "workdir="))
			workdir = r + 8;
		else if (has_prefix(r, "user=")) {
			const char *u = r + 5;
			uid = parse_uint(&u);
			if (*u == ':') {
				u++;
				gid = parse_uint(&u);
			}
		} else if (has_prefix(r, "tmpfs.flags=")) {
			tmpfs_flags = parse_hex(r + 12);
		} else if (has_prefix(r, "tmpfs.data=")) {
			tmpfs_data = r + 11;
		} else if (has_prefix(r, "tmpfs=")) {
			mount_tmpfs(r + 6, tmpfs_flags, tmpfs_data);
			tmpfs_flags = 0;
			tmpfs_data = "";
		} else if (has_prefix(r, "env=") && nenv < MAX_ENV) {
			if (has_prefix(r + 4, "PATH=")) {
				env[0] = r + 4;
				path = r + 9;
			} else {
				env[nenv++] = r + 4;
			}
		} else if (has_prefix(r, "arg=") && nargs < MAX_ARGS) {
			args[nargs++] = r + 4;
		}
	}
	env[nenv] = 0;
	args[nargs] = 0;
	long rc = sys(SYS_sethostname, hostname, str_len(hostname), 0);
	if (rc < 0)
		say("cannot set the hostname", hostname, rc);
	if (!nargs) {
		say("no command given (no arg= in /persona-spec)", NULL, 0);
		report(125);
	}
	char **cmd = args;

	long child = sys(SYS_fork, 0, 0, 0);
	if (child < 0) {
		say("fork", NULL, child);
		report(125);
	}
	if (child == 0)
		run_child(cmd, env, path, workdir, uid, gid);
	for (;;) {
		int st = 0;
		long p = sys6(SYS_wait4, -1, (long)&st, 0, 0, 0, 0);
		if (p == -EINTR)
			continue;
		if (p < 0)
			report(125);
		if (p == child)
			report((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f));
	}
}

/* The entry: the kernel starts init with RSP at argc; align the stack
 * as a call would and never return. */
__asm__(".globl _start\n"
	"_start:\n"
	"	xorl %ebp, %ebp\n"
	"	andq $-16, %rsp\n"
	"	call init_main\n"
	"	hlt\n");
#endif
