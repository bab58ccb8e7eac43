/* persona's guest init: PID 1 of a micro-VM that runs one workload.
 *
 * Built on its own as a static program (Makefile: persona-guest-init,
 * -DPERSONA_GUEST_INIT); the Makefile also compiles every .c under
 * isolation/ into libpersona.a, where this file is empty.
 *
 * The host (runtime/cmd_vm.c) puts it into the initramfs as /persona-init
 * and boots with rdinit=/persona-init.  Its inputs are on the kernel
 * command line (/proc/cmdline), double-quoted where they hold spaces:
 *   persona.hostname=NAME  persona.workdir=DIR  persona.user=UID:GID
 *   persona.env=NAME=VALUE (repeated)
 * and the command itself after "--" (read from /proc/cmdline, not from
 * init's argv: the kernel also hands init every parameter it does not
 * know, such as x86's "noxsave").
 * It mounts /proc, /sys, /dev (devtmpfs), /dev/pts and /tmp, sets the
 * hostname, runs the command with that environment, user and directory,
 * waits for it (reaping every orphan, as PID 1 must), and reports the
 * status (docker's convention: the exit code, 128+N for signal N, 126 not
 * executable, 127 not found) through the debug-exit port 0x501. */
#ifdef PERSONA_GUEST_INIT
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DEBUG_EXIT_PORT 0x501
#define MAX_ENV 128

extern char **environ;

static void say(const char *msg)
{
	dprintf(2, "persona-init: %s\n", msg);
}

static void report(int status)
{
	sync();
	if (ioperm(DEBUG_EXIT_PORT, 1, 1) == 0)
		outb((unsigned char)status, DEBUG_EXIT_PORT);
	dprintf(2, "persona-init: cannot reach the debug-exit port (%s); status %d lost\n", strerror(errno),
		status);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void mount_one(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		dprintf(2, "persona-init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

/* Split /proc/cmdline into words as the kernel does (double quotes group,
 * and are removed). */
static int split_cmdline(char *s, char **words, int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ' || *s == '\n')
			s++;
		if (!*s)
			break;
		char *out = s, *w = s;
		bool quoted = false;
		while (*s && (quoted || (*s != ' ' && *s != '\n'))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*out++ = *s;
			s++;
		}
		if (*s)
			s++;
		*out = '\0';
		words[n++] = w;
	}
	return n;
}

int main(void)
{
	static char cmdline[8192];
	char *words[512], *env[MAX_ENV + 1];
	const char *hostname = "persona", *workdir = "/";
	unsigned uid = 0, gid = 0;
	int nenv = 0;

	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");

	/* The console: no "\n" -> "\r\n", so the output is the workload's. */
	struct termios t;
	if (tcgetattr(1, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)ONLCR;
		tcsetattr(1, TCSANOW, &t);
	}

	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, cmdline, sizeof(cmdline) - 1);
		cmdline[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	int nw = split_cmdline(cmdline, words, 511);
	char **cmd = NULL;
	words[nw] = NULL;
	env[nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (int i = 0; i < nw; i++) {
		char *w = words[i];
		if (!strcmp(w, "--")) {
			cmd = &words[i + 1];
			break;
		}
		if (!strncmp(w, "persona.hostname=", 17))
			hostname = w + 17;
		else if (!strncmp(w, "persona.workdir=", 16))
			workdir = w + 16;
		else if (!strncmp(w, "persona.user=", 13))
			sscanf(w + 13, "%u:%u", &uid, &gid);
		else if (!strncmp(w, "persona.env=", 12) && nenv < MAX_ENV) {
			if (!strncmp(w + 12, "PATH=", 5))
				env[0] = w + 12;
			else
				env[nenv++] = w + 12;
		}
	}
	env[nenv] = NULL;
	if (sethostname(hostname, strlen(hostname)) < 0)
		say("cannot set the hostname");
	if (!cmd || !cmd[0]) {
		say("no command given (after \"--\" on the kernel command line)");
		report(125);
	}

	pid_t child = fork();
	if (child < 0) {
		say("fork failed");
		report(125);
	}
	if (child == 0) {
		setsid();
		if (chdir(workdir) < 0) {
			dprintf(2, "persona-init: workdir %s: %s\n", workdir, strerror(errno));
			_exit(125);
		}
		if ((gid && setgid(gid) < 0) || (uid && setuid(uid) < 0)) {
			dprintf(2, "persona-init: user %u:%u: %s\n", uid, gid, strerror(errno));
			_exit(125);
		}
		environ = env;
		execvp(cmd[0], cmd);
		int e = errno;
		dprintf(2, "persona-init: %s: %s\n", cmd[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			report(125);
		if (p == child)
			report(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
}
#endif
