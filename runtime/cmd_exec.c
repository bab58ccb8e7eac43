/* persona exec: run another process in a running container.  It joins
 * the init's namespaces and cgroup, and takes the spec's user,
 * capabilities, no_new_privs, rlimits and seccomp filter, as runc exec. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "isolation/caps.h"
#include "isolation/cgroup.h"
#include "isolation/rlimit.h"
#include "isolation/seccomp.h"
#include "isolation/user.h"
#include "runtime/commands.h"
#include "runtime/container.h"
#include "runtime/state.h"

static const char exec_usage[] =
	"Usage: persona exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
	"\n"
	"Run a command in a running container, in its namespaces and cgroup,\n"
	"with its capabilities and seccomp filter.\n"
	"\n"
	"Options:\n"
	"  -d, --detach             run in the background\n"
	"  -i, --interactive        keep standard input open\n"
	"  -t, --tty                give the command a terminal\n"
	"  -e, --env KEY[=VALUE]    set an environment variable\n"
	"  -w, --workdir DIR        working directory\n"
	"  -u, --user UID[:GID]|NAME  user to run as\n"
	"      --help               this text\n";

static const char *const ns_order[] = { "cgroup", "ipc", "uts", "net", "pid", "mnt", NULL };

/* Adjust the spec's process for this exec: args, env, cwd, user, tty. */
static int exec_process(json_t *process, char **args, json_t *extra_env, const char *workdir,
			const char *user, bool tty, const char *rootdir, struct perr *err)
{
	json_t *a = json_array(), *env = json_object_get(process, "env");
	size_t i;
	json_t *e;

	for (; *args; args++)
		json_array_append_new(a, json_string(*args));
	json_object_set_new(process, "args", a);
	json_array_foreach(extra_env, i, e) {
		const char *kv = json_string_value(e), *eq = strchr(kv, '=');
		size_t k = eq ? (size_t)(eq - kv) : strlen(kv), j;
		json_t *old;
		bool replaced = false;
		if (!eq)
			continue;
		json_array_foreach(env, j, old) {
			const char *s = json_string_value(old);
			if (!strncmp(s, kv, k) && s[k] == '=') {
				json_array_set(env, j, e);
				replaced = true;
				break;
			}
		}
		if (!replaced)
			json_array_append(env, e);
	}
	if (workdir) {
		if (workdir[0] != '/')
			return perr_set(err, 0, "--workdir \"%s\": must be an absolute path", workdir);
		json_object_set_new(process, "cwd", json_string(workdir));
	}
	json_object_set_new(process, "terminal", json_boolean(tty));
	if (user) {
		_cleanup_close_ int rootfd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct user_ids ids = { 0 };
		if (rootfd < 0)
			return perr_set(err, errno, "root of the container");
		if (user_resolve(rootfd, user, &ids, err) < 0)
			return perr_prefix(err, "--user");
		json_t *g = json_array();
		for (i = 0; i < ids.ngroups; i++)
			json_array_append_new(g, json_integer(ids.groups[i]));
		json_object_set_new(process, "user", json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)ids.uid, "gid",
							       (json_int_t)ids.gid, "additionalGids", g));
		/* docker: a non-root user gets no effective capabilities */
		json_t *caps = json_object_get(process, "capabilities");
		if (ids.uid != 0 && caps) {
			json_object_set_new(caps, "effective", json_array());
			json_object_set_new(caps, "permitted", json_array());
		}
		user_ids_free(&ids);
	}
	return 0;
}

static const char *env_path(const json_t *env)
{
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, "PATH=", 5))
			return s + 5;
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* The process inside: runs after setns, as a child in the pid namespace. */
static __attribute__((noreturn)) void exec_child(const json_t *process, const struct seccomp_prog *filter, int errfd,
						 int pty_slave, const sigset_t *mask)
{
	struct perr err = { 0 };
	const json_t *user = json_object_get(process, "user");
	const char *cwd = json_str(process, "cwd");
	json_t *args = json_object_get(process, "args"), *env = json_object_get(process, "env");
	size_t i, argc = json_array_size(args), envc = json_array_size(env);
	char **argv = calloc(argc + 1, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
	gid_t groups[64];
	size_t ng = 0;
	json_t *g;
	int status = 125;

	setsid();
	if (pty_slave >= 0) {
		ioctl(pty_slave, TIOCSCTTY, 0);
		dup2(pty_slave, 0);
		dup2(pty_slave, 1);
		dup2(pty_slave, 2);
		if (pty_slave > 2)
			close(pty_slave);
	}
	json_array_foreach(json_object_get(user, "additionalGids"), i, g)
		if (ng < 64)
			groups[ng++] = (gid_t)json_integer_value(g);
	for (i = 0; i < argc; i++)
		argv[i] = (char *)json_string_value(json_array_get(args, i));
	for (i = 0; i < envc; i++)
		envp[i] = (char *)json_string_value(json_array_get(env, i));
	if (rlimit_apply(json_object_get(process, "rlimits"), &err) < 0)
		goto fail;
	if (cwd && chdir(cwd) < 0) {
		perr_set(&err, errno, "working directory \"%s\"", cwd);
		goto fail;
	}
	/* as in the container's init: without no_new_privs, load the filter
	 * while CAP_SYS_ADMIN is still held */
	bool nnp = json_bool(process, "noNewPrivileges", false);
	if (!nnp && filter && seccomp_load_prog(filter, &err) < 0)
		goto fail;
	if (caps_apply_user((uid_t)json_int(user, "uid", 0), (gid_t)json_int(user, "gid", 0), groups, ng,
			    json_object_get(process, "capabilities"), &err) < 0)
		goto fail;
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perr_set(&err, errno, "no_new_privs");
		goto fail;
	}
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (nnp && filter && seccomp_load_prog(filter, &err) < 0)
		goto fail;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
	} else {
		/* execvpe searches the PATH given to the workload, not ours. */
		setenv("PATH", env_path(env), 1);
		execvpe(argv[0], argv, envp);
	}
	status = errno == ENOENT ? 127 : 126;
	if (errno == ENOENT)
		perr_set(&err, 0, "exec: \"%s\": executable file not found in $PATH", argv[0]);
	else
		perr_set(&err, errno, "exec: \"%s\"", argv[0]);
fail:
	if (write(errfd, err.msg, strlen(err.msg)) < 0) {
		/* nothing else to tell */
	}
	_exit(status);
}

int cmd_exec(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "detach", no_argument, NULL, 'd' },  { "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },     { "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' }, { "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'H' },    { NULL, 0, NULL, 0 },
	};
	bool detach = false, interactive = false, tty = false;
	const char *workdir = NULL, *user = NULL;
	_cleanup_json_ json_t *extra_env = json_array(), *spec = NULL;
	struct state st = { 0 };
	struct perr err = { 0 };
	struct pcgroup *cg = NULL;
	struct seccomp_prog *filter = NULL;
	char path[PATH_MAX];
	int c, nsfd[8], errp[2] = { -1, -1 }, status = 125, master = -1, slave = -1;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+dite:w:u:", lo, NULL)) != -1) {
		switch (c) {
		case 'd': detach = true; break;
		case 'i': interactive = true; break;
		case 't': tty = true; break;
		case 'e': json_array_append_new(extra_env, json_string(optarg)); break;
		case 'w': workdir = optarg; break;
		case 'u': user = optarg; break;
		case 'H': usage_print(exec_usage); return 0;
		default: fprintf(stderr, "See 'persona exec --help'.\n"); return 125;
		}
	}
	if (optind + 2 > argc) {
		fprintf(stderr, "persona: exec needs a container and a command; see 'persona exec --help'\n");
		return 125;
	}
	state_gc();
	if (state_lookup(argv[optind], &st, &err) < 0)
		goto fail;
	if (!st.pid || strcmp(st.status, "running") || !proc_alive(st.pid, st.pid_start)) {
		perr_set(&err, 0, "container %s is not running", argv[optind]);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/config.json", st.dir);
	spec = json_load_path(path, &err);
	if (!spec)
		goto fail;
	/* A micro-VM's process is persona's VMM on the host: nothing to enter
	 * (the mark run_vm() leaves in the state directory). */
	snprintf(path, sizeof(path), "%s/micro-vm", st.dir);
	if (access(path, F_OK) == 0) {
		perr_set(&err, 0, "container %s runs in a micro-VM: exec cannot reach into it", argv[optind]);
		goto fail;
	}
	json_t *process = json_object_get(spec, "process");
	snprintf(path, sizeof(path), "/proc/%d/root", st.pid);
	if (exec_process(process, argv + optind + 1, extra_env, workdir, user, tty, path, &err) < 0)
		goto fail;
	json_t *sc = json_object_get(json_object_get(spec, "linux"), "seccomp");
	snprintf(path, sizeof(path), "%s/.cache", state_root);
	if (sc && !json_is_null(sc) && seccomp_prog_cached(sc, path, &filter, &err) < 0)
		goto fail;
	if (st.cgroup && pcgroup_from_json(st.cgroup, &cg, &err) < 0)
		goto fail;
	for (int i = 0; ns_order[i]; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", st.pid, ns_order[i]);
		nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0) {
			perr_set(&err, errno, "%s", path);
			for (int k = 0; k < i; k++)
				close(nsfd[k]);
			goto fail;
		}
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		perr_set(&err, errno, "pipe");
		goto fail;
	}
	struct container blocker = { 0 };
	container_block_signals(&blocker);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* Join the cgroup first, while the host's cgroup tree is visible. */
		close(errp[0]);
		if (cg && pcgroup_attach(cg, getpid(), &err) < 0)
			goto child_fail;
		for (int i = 0; ns_order[i]; i++)
			if (setns(nsfd[i], 0) < 0) {
				perr_set(&err, errno, "join the %s namespace", ns_order[i]);
				goto child_fail;
			}
		if (tty) {
			master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
			char name[64];
			if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
			    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
				perr_set(&err, errno, "pseudo-terminal in the container");
				goto child_fail;
			}
		}
		pid_t inner = fork();
		if (inner == 0) {
			if (master >= 0)
				close(master);
			if (detach) {
				/* docker: a detached exec keeps none of our stdio */
				int null = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null >= 0) {
					dup2(null, 0);
					dup2(null, 1);
					dup2(null, 2);
				}
			}
			exec_child(process, filter, errp[1], slave, &blocker.saved_mask);
		}
		if (slave >= 0)
			close(slave);
		/* Pass the terminal to the outer persona through the error pipe's
		 * sibling: simplest is to act as the relay ourselves. */
		struct container relay = { .st = &st, .pid = inner, .pty_master = master, .log_fd = -1,
					   .interactive = interactive };
		close(errp[1]);
		if (inner < 0)
			_exit(125);
		if (detach)
			_exit(0);
		int s = 0;
		if (master >= 0) {
			s = container_wait(&relay);
			_exit(s);
		}
		while (waitpid(inner, &s, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s));
child_fail:
		if (write(errp[1], err.msg, strlen(err.msg)) < 0)
			_exit(125);
		_exit(125);
	}
	for (int i = 0; ns_order[i]; i++)
		close(nsfd[i]);
	close(errp[1]);
	if (pid < 0) {
		perr_set(&err, errno, "fork");
		goto fail;
	}
	/* Forward signals to the relay, which forwards to the command. */
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; forwarded_signals[i]; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		int sig = 0, ws;
		pid_t w = waitpid(pid, &ws, WNOHANG);
		if (w == pid) {
			status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			break;
		}
		if (sigwait(&set, &sig) == 0 && sig != SIGCHLD && sig != SIGWINCH)
			kill(pid, sig);
	}
	char msg[PERR_MSG_MAX];
	ssize_t n = read(errp[0], msg, sizeof(msg) - 1);
	if (n > 0) {
		msg[n] = '\0';
		fprintf(stderr, "persona: %s\n", msg);
	}
	close(errp[0]);
	free(filter);
	pcgroup_free(cg);
	state_release(&st);
	return status;
fail:
	perr_print(&err);
	free(filter);
	if (cg)
		pcgroup_free(cg);
	state_release(&st);
	return perr_exit_status(&err);
}
