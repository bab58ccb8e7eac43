/* persona: the container lifecycle (see container.h).
 *
 * The init process's path, top to bottom, as bubblewrap's is: wait until
 * the parent put us in our cgroup, make the cgroup namespace, hostname,
 * root and mounts, terminal, then (as the workload) rlimits, user,
 * capabilities, no_new_privs, working directory, the command lookup; then
 * report ready, wait on the FIFO, load seccomp last and exec. */
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <net/if.h>
#include <sys/capability.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "isolation/caps.h"
#include "isolation/cgroup.h"
#include "isolation/rlimit.h"
#include "isolation/rootfs.h"
#include "isolation/seccomp.h"
#include "runtime/commands.h"
#include "syscall-xlat/xlat.h"
#include "winapi-shim/win.h"

const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, 0 };

enum msg_type { MSG_GO = 1, MSG_READY, MSG_ERROR, MSG_PTY };

struct msg {
	int type;
	int status;
	char text[PERR_MSG_MAX];
};

static int send_msg(int fd, int type, int status, const char *text, int pass_fd)
{
	struct msg m = { .type = type, .status = status };
	struct iovec iov = { &m, sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	if (pass_fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* 0 on EOF, 1 with a message, -1 on error. */
static int recv_msg(int fd, struct msg *m, int *got_fd)
{
	struct iovec iov = { m, sizeof(*m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(int) * 2)
		return -1;
	m->text[sizeof(m->text) - 1] = '\0';
	if (got_fd) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		*got_fd = -1;
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(got_fd, CMSG_DATA(c), sizeof(int));
	}
	return 1;
}

/* ---- the init process (runs in the new namespaces) ---- */

static __attribute__((noreturn)) void child_fail(int sync, struct perr *err, int status)
{
	send_msg(sync, MSG_ERROR, status ? status : perr_exit_status(err), err->msg, -1);
	_exit(status ? status : 125);
}

static const char *env_get(const json_t *env, const char *key)
{
	size_t i, n = strlen(key);
	json_t *e;

	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, key, n) && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

/* Find the command the way execvp(3) would, in the container's PATH;
 * 127 when it is not found, 126 when it is not executable. */
static int lookup_command(const char *cmd, const json_t *env, char *out, size_t len, struct perr *err)
{
	const char *path = env_get(env, "PATH");
	struct stat sb;
	int seen_eacces = 0;

	if (!cmd || !*cmd) {
		perr_set(err, 0, "no command given");
		err->status = 127;
		return -1;
	}
	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		if (stat(out, &sb) < 0) {
			perr_set(err, errno, "exec: \"%s\"", cmd);
			err->status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
			return -1;
		}
		if (S_ISDIR(sb.st_mode) || access(out, X_OK) < 0) {
			perr_set(err, S_ISDIR(sb.st_mode) ? EISDIR : errno, "exec: \"%s\"", cmd);
			err->status = 126;
			return -1;
		}
		return 0;
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		int dl = (int)(end - path);
		snprintf(out, len, "%.*s%s%s", dl, path, dl ? "/" : "", cmd);
		if (stat(out, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			seen_eacces = 1;
		}
		path = *end ? end + 1 : end;
	}
	if (seen_eacces) {
		perr_set(err, EACCES, "exec: \"%s\"", cmd);
		err->status = 126;
	} else {
		perr_set(err, 0, "exec: \"%s\": executable file not found in $PATH", cmd);
		err->status = 127;
	}
	return -1;
}

/* A Windows command line's program, "C:\\app\\prog.exe" (or with
 * forward slashes), names /app/prog.exe in the container: C: is the
 * container's root, as for `persona run prog.exe` on the host when
 * PERSONA_WIN_DRIVE_C is unset.  Anything else is returned as is. */
static const char *windows_command(const char *cmd, char *out, size_t len)
{
	if (!cmd || !(cmd[0] == 'C' || cmd[0] == 'c') || cmd[1] != ':' || (cmd[2] != '\\' && cmd[2] != '/'))
		return cmd;
	snprintf(out, len, "%s", cmd + 2);
	for (char *p = out; *p; p++)
		if (*p == '\\')
			*p = '/';
	return out;
}

/* Is `exe` a program persona runs itself (FreeBSD amd64 ELF, Windows
 * PE32+)?  1 yes, 0 no (Linux programs, scripts), -1 + err for a
 * malformed one (err->status 126). */
static int is_foreign(const char *exe, struct perr *err)
{
	int fd = open(exe, O_RDONLY | O_CLOEXEC), kind = 0;
	unsigned char magic[4] = { 0 };

	if (fd < 0)
		return 0;   /* execve says why */
	/* on every container start: look further only at ELF and MZ files */
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic)) {
		if (!memcmp(magic, "\x7f" "ELF", 4)) {
			int k = xlat_detect(fd, err);
			kind = k > 0 ? 1 : k;
		}
		else if (magic[0] == 'M' && magic[1] == 'Z')
			kind = pe_detect(fd, err);
	}
	close(fd);
	return kind;
}

static int setup_terminal(int sync, struct perr *err)
{
	int master, slave, fd;
	char name[64];

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return perr_set(err, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return perr_set(err, errno, "pseudo-terminal");
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return perr_set(err, errno, "open %s", name);
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return perr_set(err, errno, "bind %s on /dev/console", name);
	if (send_msg(sync, MSG_PTY, 0, NULL, master) < 0)
		return perr_set(err, errno, "pass the terminal");
	close(master);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return perr_set(err, errno, "set the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return perr_set(err, errno, "dup2");
	if (slave > 2)
		close(slave);
	return 0;
}

/* --init: PID 1 stays here, reaps every child and passes signals on to
 * the workload; it exits with the workload's status. */
/* PID 1 shows as "persona-init", not as persona's own command line with
 * its host paths: the argument area is overwritten in place. */
static void rename_init(void)
{
	char *start, *end;

	prctl(PR_SET_NAME, "persona-init", 0, 0, 0);
	if (!persona_argv || persona_argc < 1)
		return;
	start = persona_argv[0];
	end = persona_argv[persona_argc - 1] + strlen(persona_argv[persona_argc - 1]);
	memset(start, 0, (size_t)(end - start));
	if ((size_t)(end - start) > sizeof("persona-init"))
		memcpy(start, "persona-init", sizeof("persona-init"));
}

static __attribute__((noreturn)) void run_init(pid_t workload, const sigset_t *mask)
{
	sigset_t all;
	int sfd, status = 0;

	rename_init();

	sigemptyset(&all);
	for (int i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			sigaddset(&all, i);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	(void)mask;
	/* The init keeps nothing: no capabilities, no new privileges. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	cap_t none = cap_init();
	if (none) {
		cap_set_proc(none);
		cap_free(none);
	}
	for (;;) {
		struct signalfd_siginfo si;
		pid_t p;
		int st;

		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == workload) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				_exit(status);
			}
		}
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			kill(workload, (int)si.ssi_signo);
	}
}

static int apply_user_and_caps(const json_t *process, struct perr *err)
{
	const json_t *user = json_object_get(process, "user");
	gid_t groups[NGROUPS_MAX];
	size_t n = 0, i;
	json_t *g;

	json_array_foreach(json_object_get(user, "additionalGids"), i, g) {
		if (n < NGROUPS_MAX && json_is_integer(g))
			groups[n++] = (gid_t)json_integer_value(g);
	}
	return caps_apply_user((uid_t)json_int(user, "uid", 0), (gid_t)json_int(user, "gid", 0), groups, n,
			       json_object_get(process, "capabilities"), err);
}

/* --network none still has a loopback interface, up, as docker's has. */
static int loopback_up(struct perr *err)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return perr_set(err, errno, "loopback: socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		int e = errno;
		close(fd);
		return perr_set(err, e, "bring the loopback interface up");
	}
	close(fd);
	return 0;
}

/* The v1 hierarchies this process has joined as the container's cgroup
 * ("…/persona-ID"), read before the cgroup namespace hides the paths:
 * only those are mounted in the container. */
static char **joined_cgroups(const char *id)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096], own[ID_LEN + 16];
	char **v = calloc(17, sizeof(char *));
	size_t n = 0;

	snprintf(own, sizeof(own), "/persona-%s", id);
	while (f && v && n < 16 && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path;
		size_t pl, ol = strlen(own);
		if (!ctrls || !(path = strchr(++ctrls, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		pl = strlen(path);
		if (*ctrls && pl >= ol && !strcmp(path + pl - ol, own))
			v[n++] = strdup(ctrls);
	}
	if (f)
		fclose(f);
	return v;
}

static bool has_namespace(const json_t *spec, const char *type)
{
	size_t i;
	json_t *n;

	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, n) {
		const char *t = json_str(n, "type");
		if (t && !strcmp(t, type))
			return true;
	}
	return false;
}

static __attribute__((noreturn)) void child_main(struct container *c, int sync, const struct seccomp_prog *filter)
{
	const json_t *spec = c->spec, *process = json_object_get(spec, "process");
	const json_t *annotations = json_object_get(spec, "annotations");
	const json_t *env = json_object_get(process, "env");
	struct perr err = { 0 };
	struct msg m;
	char fifo[PATH_MAX], exe[PATH_MAX], fifo_proc[64];
	const char *hostname = json_str(spec, "hostname");
	const char *cwd = json_str(process, "cwd");
	bool overlay = !strcmp(json_str(annotations, ANNOT_OVERLAY) ?: "", "true");
	bool init = !strcmp(json_str(annotations, ANNOT_INIT) ?: "", "true");
	int fifo_fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (recv_msg(sync, &m, NULL) != 1 || m.type != MSG_GO)
		_exit(125);
	/* A task moving itself into a v1 cgroup skips the global lock that
	 * makes moving another task wait for an RCU grace period. */
	if (pcgroup_attach(c->cgroup, 0, &err) < 0)
		child_fail(sync, &err, 125);
	char **cgroups = joined_cgroups(c->st->id);
	if (has_namespace(spec, "cgroup") && unshare(CLONE_NEWCGROUP) < 0) {
		perr_set(&err, errno, "cgroup namespace");
		child_fail(sync, &err, 125);
	}
	if (has_namespace(spec, "network") && loopback_up(&err) < 0)
		child_fail(sync, &err, 125);
	if (hostname && sethostname(hostname, strlen(hostname)) < 0) {
		perr_set(&err, errno, "hostname \"%s\"", hostname);
		child_fail(sync, &err, 125);
	}
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0 && dup2(c->stdio[i], i) < 0) {
			perr_set(&err, errno, "dup2");
			child_fail(sync, &err, 125);
		}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->st->dir);
	fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
	if (fifo_fd < 0) {
		perr_set(&err, errno, "%s", fifo);
		child_fail(sync, &err, 125);
	}
	if (rootfs_setup(spec, c->st->dir, overlay, (const char *const *)cgroups, &err) < 0) {
		perr_prefix(&err, "root filesystem");
		child_fail(sync, &err, 125);
	}
	if (setsid() < 0) {
		perr_set(&err, errno, "setsid");
		child_fail(sync, &err, 125);
	}
	if (json_bool(process, "terminal", false) && setup_terminal(sync, &err) < 0)
		child_fail(sync, &err, 125);
	if (init) {
		pid_t w = fork();
		if (w < 0) {
			perr_set(&err, errno, "fork the workload under --init");
			child_fail(sync, &err, 125);
		}
		if (w > 0) {
			close(sync);
			close(fifo_fd);
			run_init(w, &c->saved_mask);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	}
	if (rlimit_apply(json_object_get(process, "rlimits"), &err) < 0)
		child_fail(sync, &err, 125);
	if (cwd && *cwd && chdir(cwd) < 0) {
		/* docker makes a missing working directory, parents too */
		if (errno != ENOENT || rootfs_mkdir_p(cwd, 0755) < 0 || chdir(cwd) < 0) {
			perr_set(&err, errno, "working directory \"%s\"", cwd);
			child_fail(sync, &err, 125);
		}
	}
	/* Without no_new_privs the kernel lets only a CAP_SYS_ADMIN holder load
	 * a filter: load it now, before the capabilities go (as runc does);
	 * it then also covers the rest of the set-up. */
	bool nnp = json_bool(process, "noNewPrivileges", false);
	if (!nnp && filter && seccomp_load_prog(filter, &err) < 0)
		child_fail(sync, &err, 125);
	if (apply_user_and_caps(process, &err) < 0)
		child_fail(sync, &err, 125);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perr_set(&err, errno, "no_new_privs");
		child_fail(sync, &err, 125);
	}
	json_t *args = json_object_get(process, "args");
	char unix_cmd[PATH_MAX];
	const char *cmd = windows_command(json_string_value(json_array_get(args, 0)), unix_cmd, sizeof(unix_cmd));
	if (lookup_command(cmd, env, exe, sizeof(exe), &err) < 0)
		child_fail(sync, &err, err.status);
	int foreign = is_foreign(exe, &err);
	if (foreign < 0)
		child_fail(sync, &err, err.status ? err.status : 126);

	send_msg(sync, MSG_READY, 0, NULL, -1);
	snprintf(fifo_proc, sizeof(fifo_proc), "/proc/self/fd/%d", fifo_fd);
	int w = open(fifo_proc, O_WRONLY | O_CLOEXEC);
	if (w < 0 || write(w, "0", 1) != 1) {
		perr_set(&err, errno, "exec.fifo");
		child_fail(sync, &err, 125);
	}
	close(w);
	close(fifo_fd);

	size_t argc = json_array_size(args), envc = json_array_size(env);
	char **argv = calloc(argc + 2, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
	for (size_t i = 0; i < argc; i++)
		argv[i + 1] = (char *)json_string_value(json_array_get(args, i));
	for (size_t i = 0; i < envc; i++)
		envp[i] = (char *)json_string_value(json_array_get(env, i));
	sigprocmask(SIG_SETMASK, &c->saved_mask, NULL);
	if (nnp && filter && seccomp_load_prog(filter, &err) < 0)
		child_fail(sync, &err, 125);
	if (foreign) {
		/* persona itself runs it, as `persona PATH ARGS` (binfmt_misc's
		 * form): /proc/self/exe is the host's persona binary even though
		 * the container cannot see its path, and it is static. */
		argv[0] = "persona";
		argv[1] = exe;
		execve("/proc/self/exe", argv, envp);
	}
	argv++;
	execve(exe, argv, envp);
	perr_set(&err, errno, "exec: \"%s\"", argv[0]);
	child_fail(sync, &err, errno == ENOENT ? 127 : 126);
}

/* ---- the parent ---- */

void container_block_signals(struct container *c)
{
	sigset_t set;

	sigemptyset(&set);
	for (int i = 0; forwarded_signals[i]; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &c->saved_mask);
}

void container_release(struct container *c)
{
	struct perr err;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	if (c->sync_fd >= 0) {
		close(c->sync_fd);
		c->sync_fd = -1;
	}
	if (c->pty_master >= 0) {
		close(c->pty_master);
		c->pty_master = -1;
	}
	if (c->cgroup) {
		pcgroup_destroy(c->cgroup, &err);
		pcgroup_free(c->cgroup);
		c->cgroup = NULL;
	}
}

static unsigned long clone_flags(const json_t *spec, struct perr *err)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = {
		{ "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
		{ "uts", CLONE_NEWUTS }, { "mount", CLONE_NEWNS },   { "cgroup", 0 },
	};
	unsigned long flags = 0;
	size_t i;
	json_t *n;

	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, n) {
		const char *type = json_str(n, "type");
		size_t k;
		if (json_str(n, "path"))
			return perr_set(err, 0, "linux.namespaces[%zu]: joining a namespace by path is not supported",
					i), (unsigned long)-1;
		for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
			if (type && !strcmp(type, ns[k].name))
				break;
		if (k == sizeof(ns) / sizeof(ns[0]))
			return perr_set(err, 0, "linux.namespaces[%zu]: unsupported type \"%s\"", i,
					type ? type : ""), (unsigned long)-1;
		flags |= ns[k].flag;
	}
	if (!(flags & CLONE_NEWNS))
		return perr_set(err, 0, "linux.namespaces: a mount namespace is required"), (unsigned long)-1;
	return flags;
}

int container_create(struct container *c, struct perr *err)
{
	const json_t *lin = json_object_get(c->spec, "linux");
	const json_t *seccomp = json_object_get(lin, "seccomp");
	struct seccomp_prog *filter = NULL;
	char cache[PATH_MAX];
	int sv[2], r = -1;
	char fifo[PATH_MAX];
	unsigned long flags;
	struct msg m;

	c->pid = 0;
	c->sync_fd = -1;
	c->pty_master = -1;
	c->cgroup = NULL;
	flags = clone_flags(c->spec, err);
	if (flags == (unsigned long)-1)
		return -1;
	if (rlimit_check(json_object_get(json_object_get(c->spec, "process"), "rlimits"), err) < 0)
		return -1;
	if (seccomp && !json_is_null(seccomp)) {
		snprintf(cache, sizeof(cache), "%s/.cache", state_root);
		if (seccomp_prog_cached(seccomp, cache, &filter, err) < 0)
			return perr_prefix(err, "linux.seccomp");
	}
	if (pcgroup_create(c->st->id, json_object_get(lin, "resources"), &c->cgroup, err) < 0)
		goto out;
	c->st->cgroup = pcgroup_to_json(c->cgroup);
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->st->dir);
	/* 0622: the workload's user opens it through /proc/self/fd after
	 * setuid; the 0700 bundle directory keeps everyone else out. */
	if ((mkfifo(fifo, 0622) < 0 && errno != EEXIST) || chmod(fifo, 0622) < 0) {
		perr_set(err, errno, "%s", fifo);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perr_set(err, errno, "socketpair");
		goto out;
	}
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		perr_set(err, errno, "clone into new namespaces");
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(c, sv[1], filter);
	}
	close(sv[1]);
	c->pid = pid;
	c->sync_fd = sv[0];
	if (send_msg(c->sync_fd, MSG_GO, 0, NULL, -1) < 0) {
		perr_set(err, errno, "start the container process");
		goto out;
	}
	for (;;) {
		int fd = -1, got = recv_msg(c->sync_fd, &m, &fd);
		if (got <= 0) {
			perr_set(err, 0, "the container process died during set-up");
			goto out;
		}
		if (m.type == MSG_PTY) {
			c->pty_master = fd;
			continue;
		}
		if (m.type == MSG_ERROR) {
			perr_set(err, 0, "%s", m.text);
			err->status = m.status;
			goto out;
		}
		if (m.type == MSG_READY)
			break;
	}
	c->st->pid = pid;
	c->st->pid_start = proc_start_time(pid);
	snprintf(c->st->status, sizeof(c->st->status), "created");
	/* run starts at once: its state goes straight to "running". */
	r = c->start_now ? 0 : state_save(c->st, err);
out:
	free(filter);
	if (r < 0)
		container_release(c);
	return r;
}

int container_start(struct container *c, struct perr *err)
{
	char fifo[PATH_MAX], b;
	struct msg m;
	int fd, got;

	/* The state says "running", with the PID, before the workload can run
	 * and print: whoever sees its output may act on it at once. */
	snprintf(c->st->status, sizeof(c->st->status), "running");
	state_now(c->st->started);
	if (state_save(c->st, err) < 0)
		return -1;
	/* Non-blocking, so that a process that died before opening its end
	 * cannot hang us: we wait on the FIFO and the init's socket at once. */
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", c->st->dir);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "%s", fifo);
	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { c->sync_fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return perr_set(err, errno, "poll");
		}
		if (p[0].revents & POLLIN) {
			if (read(fd, &b, 1) == 1)
				break;
		}
		if (p[1].revents) {
			got = recv_msg(c->sync_fd, &m, NULL);
			close(fd);
			if (got == 1 && m.type == MSG_ERROR) {
				perr_set(err, 0, "%s", m.text);
				err->status = m.status;
				return -1;
			}
			return perr_set(err, 0, "container %.12s died before it started", c->st->id);
		}
	}
	close(fd);
	unlink(fifo);
	got = recv_msg(c->sync_fd, &m, NULL);
	close(c->sync_fd);
	c->sync_fd = -1;
	if (got == 1 && m.type == MSG_ERROR) {
		perr_set(err, 0, "%s", m.text);
		err->status = m.status;
		return -1;
	}
	return 0;
}
