/* persona run: create + start a container on a bundle in the state
 * directory, then wait for it (or, with -d, leave a monitor to). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/prepared.h"
#include "runtime/commands.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "runtime/state.h"

static const char run_usage[] =
	"Usage: persona run [OPTIONS] IMAGE|ROOTFS-DIR [COMMAND [ARG...]]\n"
	"\n"
	"Run a command in a new container.  IMAGE is an image in the store (see\n"
	"persona load, pull; $PERSONA_STORE moves the store; \"busybox\", when the\n"
	"store has none, is made there from the host's busybox-static on first\n"
	"use); ROOTFS-DIR is any directory holding a root filesystem (a path\n"
	"starting with / or . is always one).  Either is used read-only under an\n"
	"overlay.\n"
	"COMMAND may be a FreeBSD amd64 or Windows x86-64 program in the image\n"
	"(\"C:\\app\\prog.exe\" names /app/prog.exe): persona runs it there.\n"
	"\n"
	"   or: persona run [--trace] [--trap sud|seccomp|ptrace] PROGRAM [ARG...]\n"
	"\n"
	"Run a FreeBSD amd64 program (its system calls translated) or a Windows\n"
	"x86-64 console program (its Win32 calls served by persona's DLLs) on the\n"
	"host: current directory, environment, user and terminal kept.\n"
	"\n"
	"Options:\n"
	"      --name NAME            name the container\n"
	"      --rm                   remove the container when it exits\n"
	"  -d, --detach               run in the background and print its ID\n"
	"  -i, --interactive          keep standard input open\n"
	"  -t, --tty                  give the container a terminal\n"
	"  -e, --env KEY[=VALUE]      set an environment variable\n"
	"      --env-file FILE        read KEY=VALUE lines\n"
	"  -l, --label KEY=VALUE      a label (an OCI annotation of the container; the\n"
	"                             image's Labels are kept unless overridden)\n"
	"  -w, --workdir DIR          working directory in the container\n"
	"  -u, --user UID[:GID]|NAME  user to run as (names from the container's /etc/passwd)\n"
	"  -h, --hostname NAME        the container's host name\n"
	"  -v, --volume HOST:CTR[:ro] bind-mount a host path\n"
	"      --tmpfs PATH[:OPTS]    mount a tmpfs\n"
	"      --read-only            make the root filesystem read-only\n"
	"  -m, --memory SIZE          memory limit (e.g. 64m)\n"
	"      --memory-swap SIZE     memory plus swap limit; -1 for unlimited swap\n"
	"      --cpus N               CPU quota, in CPUs (e.g. 0.5)\n"
	"  -c, --cpu-shares N         relative CPU weight\n"
	"      --cpuset-cpus LIST     CPUs the container may use (e.g. 0-1)\n"
	"      --pids-limit N         maximum number of processes (-1: unlimited)\n"
	"      --ulimit NAME=SOFT[:HARD]  a resource limit (e.g. nofile=1024:2048)\n"
	"      --cap-add CAP          add a capability (or ALL)\n"
	"      --cap-drop CAP         drop a capability (or ALL)\n"
	"      --privileged           all capabilities, no seccomp, no masked paths\n"
	"      --security-opt OPT     seccomp=unconfined|FILE, no-new-privileges[=true|false]\n"
	"      --init                 run a minimal init as PID 1 that reaps zombies\n"
	"      --network none|host    loopback only (default), or the host's network\n"
	"      --trace                print each translated system call (FreeBSD programs)\n"
	"      --isolation container|vm|auto  a container (default), persona's KVM micro-VM with\n"
	"                             a kernel of its own (the bundled one, or --kernel FILE), or\n"
	"                             the VM only when no container can be made here\n"
	"      --kernel FILE          with --isolation vm: the guest kernel\n"
	"      --vcpus N              with --isolation vm: virtual CPUs (--memory: the VM's memory)\n"
	"      --trap MODE            how FreeBSD programs' system calls are caught: sud (Syscall\n"
	"                             User Dispatch, the default where the kernel has it), seccomp,\n"
	"                             or ptrace (a tracer process: slow, for debugging)\n"
	"      --help                 this text\n";

enum {
	OPT_NAME = 256, OPT_RM, OPT_ENV_FILE, OPT_TMPFS, OPT_READ_ONLY, OPT_MEMORY_SWAP, OPT_CPUS,
	OPT_CPUSET, OPT_PIDS, OPT_ULIMIT, OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_SECURITY,
	OPT_INIT, OPT_NETWORK, OPT_HELP, OPT_TRACE, OPT_TRAP, OPT_ISOLATION, OPT_KERNEL, OPT_VCPUS,
};

static void strv_add(struct strv *s, const char *v)
{
	const char **n = realloc(s->v, (s->n + 2) * sizeof(*n));
	if (!n)
		abort();
	s->v = n;
	s->v[s->n++] = v;
	s->v[s->n] = NULL;
}

static void strv_free(struct strv *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void free_opts(struct run_opts *o)
{
	free((char *)o->lowerdirs);
	o->lowerdirs = NULL;
	strv_free(&o->env);
	strv_free(&o->env_files);
	strv_free(&o->volumes);
	strv_free(&o->tmpfs);
	strv_free(&o->ulimits);
	strv_free(&o->cap_add);
	strv_free(&o->cap_drop);
	strv_free(&o->labels);
}

/* Return 0 to go on, or an exit status (help, usage error). */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "label", required_argument, NULL, 'l' },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "volume", required_argument, NULL, 'v' },
		{ "tmpfs", required_argument, NULL, OPT_TMPFS },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "cpu-shares", required_argument, NULL, 'c' },
		{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "ulimit", required_argument, NULL, OPT_ULIMIT },
		{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
		{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
		{ "security-opt", required_argument, NULL, OPT_SECURITY },
		{ "init", no_argument, NULL, OPT_INIT },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "trap", required_argument, NULL, OPT_TRAP },
		{ "isolation", required_argument, NULL, OPT_ISOLATION },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->no_new_privs = -1;
	while ((c = getopt_long(argc, argv, "+dite:w:u:h:v:m:c:l:", opts, NULL)) != -1) {
		if (c != OPT_TRACE && c != OPT_TRAP && c != OPT_HELP && c != '?')
			o->container_opts++;
		switch (c) {
		case OPT_NAME: o->name = optarg; break;
		case OPT_RM: o->rm = true; break;
		case 'd': o->detach = true; break;
		case 'i': o->interactive = true; break;
		case 't': o->tty = true; break;
		case 'e': strv_add(&o->env, optarg); break;
		case OPT_ENV_FILE: strv_add(&o->env_files, optarg); break;
		case 'w': o->workdir = optarg; break;
		case 'l': strv_add(&o->labels, optarg); break;
		case 'u': o->user = optarg; break;
		case 'h': o->hostname = optarg; break;
		case 'v': strv_add(&o->volumes, optarg); break;
		case OPT_TMPFS: strv_add(&o->tmpfs, optarg); break;
		case OPT_READ_ONLY: o->read_only = true; break;
		case 'm': o->memory = optarg; break;
		case OPT_MEMORY_SWAP: o->memory_swap = optarg; break;
		case OPT_CPUS: o->cpus = optarg; break;
		case 'c': o->cpu_shares = optarg; break;
		case OPT_CPUSET: o->cpuset_cpus = optarg; break;
		case OPT_PIDS: o->pids_limit = optarg; break;
		case OPT_ULIMIT: strv_add(&o->ulimits, optarg); break;
		case OPT_CAP_ADD: strv_add(&o->cap_add, optarg); break;
		case OPT_CAP_DROP: strv_add(&o->cap_drop, optarg); break;
		case OPT_PRIVILEGED: o->privileged = true; break;
		case OPT_INIT: o->init = true; break;
		case OPT_NETWORK: o->network = optarg; break;
		case OPT_TRACE: o->trace = true; break;
		case OPT_ISOLATION:
			if (strcmp(optarg, "container") && strcmp(optarg, "vm") && strcmp(optarg, "auto")) {
				fprintf(stderr, "persona: --isolation \"%s\": use container, vm or auto\n", optarg);
				return 125;
			}
			o->isolation = optarg;
			break;
		case OPT_KERNEL: o->vm_kernel = optarg; break;
		case OPT_VCPUS: o->vcpus = optarg; break;
		case OPT_TRAP:
			if (strcmp(optarg, "sud") && strcmp(optarg, "seccomp") && strcmp(optarg, "ptrace")) {
				fprintf(stderr, "persona: --trap \"%s\": use sud, seccomp or ptrace\n", optarg);
				return 125;
			}
			setenv("PERSONA_XLAT_TRAP", optarg, 1);
			break;
		case OPT_SECURITY:
			if (!strncmp(optarg, "seccomp=", 8) || !strncmp(optarg, "seccomp:", 8)) {
				o->seccomp = optarg + 8;
			} else if (!strcmp(optarg, "no-new-privileges") ||
				   !strcmp(optarg, "no-new-privileges=true") ||
				   !strcmp(optarg, "no-new-privileges:true")) {
				o->no_new_privs = 1;
			} else if (!strcmp(optarg, "no-new-privileges=false") ||
				   !strcmp(optarg, "no-new-privileges:false")) {
				o->no_new_privs = 0;
			} else {
				fprintf(stderr, "persona: --security-opt \"%s\": unknown option\n", optarg);
				return 125;
			}
			break;
		case OPT_HELP:
			usage_print(run_usage);
			return -1;
		default:
			fprintf(stderr, "See 'persona run --help'.\n");
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "persona: run needs an IMAGE or ROOTFS-DIR; see 'persona run --help'\n");
		return 125;
	}
	o->image = argv[optind];
	o->args = (const char *const *)argv + optind + 1;
	o->argc = argc - optind;
	return 0;
}

static const char *const adjectives[] = { "brave", "calm", "eager", "fond", "keen", "lucid", "merry",
					  "nifty", "quiet", "sharp", "swift", "tender", "vivid", "witty" };
static const char *const nouns[] = { "babbage", "curie", "darwin", "euler", "gauss", "hopper", "kepler",
				     "lovelace", "noether", "pascal", "ritchie", "turing", "wirth", "yalow" };

static void pick_name(struct state *st)
{
	unsigned a = (unsigned)strtoul((char[]){ st->id[0], st->id[1], st->id[2], 0 }, NULL, 16);
	unsigned b = (unsigned)strtoul((char[]){ st->id[3], st->id[4], st->id[5], 0 }, NULL, 16);
	snprintf(st->name, sizeof(st->name), "%s_%s_%.4s", adjectives[a % 14], nouns[b % 14], st->id + 6);
}

static bool valid_name(const char *n)
{
	/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	if (!n[0] || !n[1] || strlen(n) > 128)
		return false;
	if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", n[0]))
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(n);
}

static void command_string(const json_t *spec, char *buf, size_t len)
{
	size_t i, off = 0;
	json_t *a;

	buf[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(spec, "process"), "args"), i, a) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", json_string_value(a));
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

/* An image from the store: the prepared-root cache (images/prepared.h)
 * when it holds, else `persona-image prepare REF`, which unpacks the
 * layers when needed and tells them and the image's config (the helper
 * keeps libcurl, libarchive and libcrypto out of this process).  Fills
 * o->lowerdirs, o->image_config and `rootfs` (the layer whose /etc/passwd
 * the container sees, for -u NAME).  0, or the exit status to return. */
static int prepare_image(struct run_opts *o, char *rootfs, size_t len, json_t **image)
{
	json_t *layers;
	size_t i, total = 0;
	char *joined, *q;
	int r;

	*image = image_prepare(o->image, &r);
	if (!*image)
		return r;
	layers = json_object_get(*image, "lowerdirs");
	if (!json_array_size(layers)) {
		fprintf(stderr, "persona: image \"%s\": has no layers to run\n", o->image);
		return 125;
	}
	json_t *l;
	json_array_foreach(layers, i, l)
		total += strlen(json_string_value(l) ?: "") + 1;
	joined = q = malloc(total + 1);
	if (!joined)
		return 125;
	json_array_foreach(layers, i, l)
		q += sprintf(q, "%s%s", i ? ":" : "", json_string_value(l) ?: "");
	o->lowerdirs = joined;
	o->image_config = json_object_get(*image, "config");
	snprintf(rootfs, len, "%s", json_str(*image, "passwd_layer") ?: json_string_value(json_array_get(layers, 0)));
	return 0;
}

/* --isolation auto: a container when this process may make one (a child
 * tries the namespaces a container needs), else the micro-VM when
 * /dev/kvm opens, else a container anyway (whose error then says why). */
static const char *auto_isolation(void)
{
	int st = 0, kvm;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0 ? errno : 0);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
		return "container";
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return "container";
	close(kvm);
	fprintf(stderr, "persona: no container can be made here (namespaces: %s); running in the micro-VM\n",
		strerror(WIFEXITED(st) ? WEXITSTATUS(st) : EPERM));
	return "vm";
}

/* Create, start and wait, as the container's parent.  `report` (-d): a
 * pipe to the waiting `persona run` for the outcome of create and start. */
/* The run has ended (the monitor filled in its status): --rm removes its
 * state, else the state is saved, under the state lock. */
static void state_record_end(struct state *st)
{
	struct perr err = { 0 };
	int lock = state_lock(st, &err);

	if (st->autoremove)
		state_remove(st, &err);
	else
		state_save(st, &err);
	if (lock >= 0)
		close(lock);
}

static int run_container(struct state *st, json_t *spec, const struct run_opts *o, int report)
{
	struct container c = { .st = st, .spec = spec, .stdio = { -1, -1, -1 }, .log_fd = -1,
			       .interactive = o->interactive, .start_now = true };
	struct perr err = { 0 };
	int devnull = -1, logfd = -1, status;

	container_block_signals(&c);
	st->monitor = getpid();
	st->monitor_start = proc_start_time(st->monitor);
	if (state_save(st, &err) < 0)
		goto fail;
	if (!o->interactive && !o->tty) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		c.stdio[0] = devnull;
	}
	if (o->detach) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/container.log", st->dir);
		logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (logfd < 0) {
			perr_set(&err, errno, "%s", path);
			goto fail;
		}
		c.stdio[0] = devnull;
		c.stdio[1] = c.stdio[2] = logfd;
		c.log_fd = o->tty ? logfd : -1;
	}
	if (container_create(&c, &err) < 0 || container_start(&c, &err) < 0)
		goto fail;
	if (report >= 0) {
		if (write(report, "", 1) != 1) {
			/* The waiting persona is gone; carry on. */
		}
		close(report);
	}
	status = container_wait(&c);
	if (devnull >= 0)
		close(devnull);
	if (logfd >= 0)
		close(logfd);
	state_record_end(st);
	return status;
fail:
	container_release(&c);
	if (devnull >= 0)
		close(devnull);
	if (logfd >= 0)
		close(logfd);
	state_remove(st, NULL);
	status = perr_exit_status(&err);
	if (report >= 0) {
		char buf[PERR_MSG_MAX + 8];
		int n = snprintf(buf, sizeof(buf), "%c%s", (char)status, err.msg);
		if (write(report, buf, (size_t)n) != n) {
			/* nothing more to say to anyone */
		}
		close(report);
	} else {
		perr_print(&err);
	}
	return status;
}

/* -d: the monitor is a child in its own session; we wait only for the
 * outcome of create and start, then print the ID. */
/* The first option given that a micro-VM does not apply (the guest init
 * runs the workload as root's user and group ids, with every capability
 * of the guest kernel, and cgroups are the host's): NULL when none. */
static const char *vm_unsupported(const struct run_opts *o)
{
	return o->volumes.n ? "-v" : o->cap_add.n ? "--cap-add" : o->cap_drop.n ? "--cap-drop"
	       : o->ulimits.n ? "--ulimit" : o->privileged ? "--privileged" : o->init ? "--init"
	       : o->seccomp ? "--security-opt seccomp" : o->no_new_privs >= 0 ? "--security-opt no-new-privileges"
	       : o->network && strcmp(o->network, "none") ? "--network" : o->cpus ? "--cpus"
	       : o->cpu_shares ? "--cpu-shares" : o->cpuset_cpus ? "--cpuset-cpus" : o->pids_limit ? "--pids-limit"
	       : o->memory_swap ? "--memory-swap" : NULL;
}

/* The VM's process, for the signal handler: what the monitor is sent
 * (stop, kill, ^C) goes to it. */
static volatile pid_t vm_child;

static void forward_signal(int sig)
{
	if (vm_child > 0)
		kill(vm_child, sig);
}

/* Send the error of a run that never started to `report` (run_detached's
 * pipe): status byte, then the message. */
static void report_failure(int report, int status, const char *msg)
{
	char buf[PERR_MSG_MAX + 8];
	int n = snprintf(buf, sizeof(buf), "%c%s", (char)status, msg);
	if (write(report, buf, (size_t)n) != n) {
		/* The waiting persona is gone. */
	}
	close(report);
}

/* --isolation vm: the monitor of a micro-VM, as run_container() is of a
 * container.  The VM runs in a child (its PID is the state's pid: stop
 * and kill signal it, and a VM that gets a signal ends, powered off);
 * this process records its start and end in the state.  The child tells
 * through a pipe when the VM is built; if it never is (a bad kernel,
 * memory that does not fit, ...), nothing is left of the run: the state
 * goes, and the error is reported (for -d, from the log, to the waiting
 * persona). */
static int run_vm(struct state *st, json_t *spec, const struct run_opts *o, int report)
{
	char merged[PATH_MAX], logpath[PATH_MAX];
	const char *root = o->rootfs;
	struct perr err = { 0 };
	int started[2] = { -1, -1 }, logfd = -1, status = 125;

	if (o->lowerdirs) {
		status = image_merged_root(o->image, merged, sizeof(merged));
		if (status) {
			state_remove(st, NULL);
			if (report >= 0)
				report_failure(report, status, "the image's layers could not be stacked");
			return status;
		}
		root = merged;
	}
	snprintf(logpath, sizeof(logpath), "%s/container.log", st->dir);
	if (o->detach && (logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		perr_set(&err, errno, "%s", logpath);
	else if (pipe2(started, O_CLOEXEC) < 0)
		perr_set(&err, errno, "pipe");
	st->monitor = getpid();
	st->monitor_start = proc_start_time(st->monitor);
	/* Saved now, "creating": a state directory without a state file is
	 * swept by the next persona command after a minute, and the disk of
	 * a large image may take longer to make. */
	if (!err.msg[0])
		state_save(st, &err);
	/* The mark `persona exec` finds (a file, which no image label can
	 * forge). */
	char mark[PATH_MAX];
	snprintf(mark, sizeof(mark), "%s/micro-vm", st->dir);
	int mfd = err.msg[0] ? -1 : open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (mfd >= 0)
		close(mfd);
	/* -t: the VM sets this terminal raw; whatever ends it, the monitor
	 * puts it back. */
	struct termios saved_tty;
	bool restore_tty = o->tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0;
	/* What the monitor is sent goes to the VM's process; set before the
	 * fork, so that nothing falls between. */
	vm_child = 0;
	struct sigaction sa = { .sa_handler = forward_signal };
	sigemptyset(&sa.sa_mask);
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	pid_t pid = err.msg[0] ? -1 : fork();
	if (pid == 0) {
		sa.sa_handler = SIG_DFL;
		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
			sigaction(forwarded[i], &sa, NULL);
		close(started[0]);
		/* stdin, as a container's: the caller's only with -i or -t. */
		if (logfd >= 0 || (!o->interactive && !o->tty)) {
			int devnull = open("/dev/null", O_RDONLY);
			if (devnull >= 0)
				dup2(devnull, STDIN_FILENO);
		}
		if (logfd >= 0) {
			dup2(logfd, STDOUT_FILENO);
			dup2(logfd, STDERR_FILENO);
		}
		_exit(vm_run_spec(root, spec, o->vm_kernel, o->vcpus, o->memory, started[1]) & 0xff);
	}
	if (pid < 0 && !err.msg[0])
		perr_set(&err, errno, "fork");
	if (started[1] >= 0)
		close(started[1]);
	char byte;
	ssize_t n = -1;
	if (pid > 0) {
		vm_child = pid;
		do
			n = read(started[0], &byte, 1);
		while (n < 0 && errno == EINTR);
	}
	if (started[0] >= 0)
		close(started[0]);
	if (n == 1) {
		st->pid = pid;
		st->pid_start = proc_start_time(pid);
		snprintf(st->status, sizeof(st->status), "running");
		state_now(st->started);
		if (state_save(st, &err) < 0)
			perr_print(&err);
		if (report >= 0) {
			if (write(report, "", 1) != 1) {
				/* The waiting persona is gone; carry on. */
			}
			close(report);
			report = -1;
		}
	}
	int wst = 0;
	if (pid > 0)
		while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
			;
	vm_child = 0;
	if (restore_tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
	if (pid > 0)
		status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	if (root == merged)
		image_merged_release(merged);
	if (n != 1) {
		/* Never started: the child said why (on stderr, or in the log
		 * for -d); nothing of the run stays. */
		char msg[PERR_MSG_MAX] = "";
		if (err.msg[0]) {
			snprintf(msg, sizeof(msg), "%s", err.msg);
		} else if (logfd >= 0) {
			int in = open(logpath, O_RDONLY | O_CLOEXEC);
			ssize_t got = in >= 0 ? read(in, msg, sizeof(msg) - 1) : -1;
			msg[got > 0 ? got : 0] = '\0';
			if (in >= 0)
				close(in);
			size_t len = strlen(msg);
			while (len && msg[len - 1] == '\n')
				msg[--len] = '\0';
		}
		if (logfd >= 0)
			close(logfd);
		state_remove(st, NULL);
		if (status == 0)
			status = 125;
		if (report >= 0)
			report_failure(report, status, !strncmp(msg, "persona: ", 9) ? msg + 9 : msg);
		else if (err.msg[0])
			fprintf(stderr, "persona: %s\n", err.msg);
		return status;
	}
	if (logfd >= 0)
		close(logfd);
	st->exit_code = status;
	snprintf(st->status, sizeof(st->status), "stopped");
	state_now(st->finished);
	state_record_end(st);
	return status;
}

typedef int (*runner_fn)(struct state *st, json_t *spec, const struct run_opts *o, int report);

static int run_detached(struct state *st, json_t *spec, const struct run_opts *o, runner_fn run)
{
	int p[2];
	pid_t pid;
	char buf[PERR_MSG_MAX + 8];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("persona: pipe");
		state_remove(st, NULL);
		return 125;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("persona: fork");
		state_remove(st, NULL);
		return 125;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		close(p[0]);
		setsid();
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		_exit(run(st, spec, o, p[1]) & 0xff);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n == 1 && buf[0] == '\0') {
		printf("%s\n", st->id);
		return 0;
	}
	if (n <= 0) {
		fprintf(stderr, "persona: the monitor of container %.12s died while starting it\n", st->id);
		waitpid(pid, NULL, 0);
		return 125;
	}
	buf[n] = '\0';
	fprintf(stderr, "persona: %s\n", buf + 1);
	waitpid(pid, NULL, 0);
	return (unsigned char)buf[0];
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct state st = { 0 };
	struct perr err = { 0 };
	_cleanup_json_ json_t *spec = NULL, *image = NULL;
	char rootfs[PATH_MAX], path[PATH_MAX];
	struct stat sb;
	int r;

	r = parse_opts(argc, argv, &o);
	if (r) {
		free_opts(&o);
		return r < 0 ? 0 : r;
	}
	/* A program file rather than an image or a root directory. */
	if (stat(o.image, &sb) == 0 && S_ISREG(sb.st_mode) && strcmp(o.image, "busybox")) {
		if (o.container_opts) {
			fprintf(stderr, "persona: \"%s\" is a program, run on the host: container options do not "
				"apply to it (only --trace and --trap do); to isolate it, run it inside a root filesystem\n",
				o.image);
			free_opts(&o);
			return 125;
		}
		r = foreign_run(o.image, o.argc, argv + argc - o.argc, o.trace);
		free_opts(&o);
		return r;
	}
	state_gc();
	if (o.name && !valid_name(o.name)) {
		fprintf(stderr, "persona: --name \"%s\": invalid name; use [a-zA-Z0-9][a-zA-Z0-9_.-]+\n", o.name);
		free_opts(&o);
		return 125;
	}
	if (stat(o.image, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (!realpath(o.image, rootfs)) {
			perr_set(&err, errno, "root filesystem \"%s\"", o.image);
			goto fail;
		}
	} else if (o.image[0] == '/' || o.image[0] == '.') {
		perr_set(&err, stat(o.image, &sb) < 0 ? errno : ENOTDIR, "root filesystem \"%s\"", o.image);
		goto fail;
	} else {
		r = prepare_image(&o, rootfs, sizeof(rootfs), &image);
		if (r) {
			free_opts(&o);
			return r;
		}
		/* an image may ask for the micro-VM; --isolation decides */
		const char *want = json_str(json_object_get(o.image_config, "Labels"), "io.persona.isolation");
		if (!o.isolation && want && !strcmp(want, "vm"))
			o.isolation = "vm";
	}
	o.rootfs = rootfs;
	state_new_id(st.id);
	if (o.name)
		snprintf(st.name, sizeof(st.name), "%s", o.name);
	else
		pick_name(&st);
	spec = spec_from_run(&o, st.id, &err);
	if (!spec)
		goto fail;
	if (o.isolation && !strcmp(o.isolation, "auto"))
		o.isolation = auto_isolation();
	/* --isolation vm: the same spec, in persona's micro-VM (cmd_vm.c) */
	bool vm = o.isolation && !strcmp(o.isolation, "vm");
	const char *not_vm = !vm ? NULL : vm_unsupported(&o);
	if (not_vm) {
		fprintf(stderr, "persona: --isolation vm: %s does not apply to a micro-VM yet\n", not_vm);
		free_opts(&o);
		return 125;
	}
	if (!vm && (o.vm_kernel || o.vcpus)) {
		fprintf(stderr, "persona: --kernel and --vcpus need --isolation vm\n");
		free_opts(&o);
		return 125;
	}
	if (state_create(&st, &err) < 0)
		goto fail;
	snprintf(st.status, sizeof(st.status), "creating");
	st.autoremove = o.rm;
	st.detached = o.detach;
	state_now(st.created);
	snprintf(st.image, sizeof(st.image), "%s", o.image);
	command_string(spec, st.command, sizeof(st.command));
	snprintf(path, sizeof(path), "%s/config.json", st.dir);
	if (json_dump_path_atomic(spec, path, &err) < 0) {
		state_remove(&st, NULL);
		goto fail;
	}
	runner_fn run = vm ? run_vm : run_container;
	r = o.detach ? run_detached(&st, spec, &o, run) : run(&st, spec, &o, -1);
	state_release(&st);
	free_opts(&o);
	return r;
fail:
	perr_print(&err);
	free_opts(&o);
	return perr_exit_status(&err);
}
