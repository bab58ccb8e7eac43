/* persona ps, stop, kill, rm, logs, inspect, spec: the commands that look
 * at or act on containers through their state. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/parse.h"
#include "runtime/commands.h"
#include "runtime/spec.h"
#include "runtime/state.h"

/* Parse options of the simple commands: returns the index of the first
 * operand, or -1 after printing help, or -2 on a usage error. */
static int simple_opts(int argc, char **argv, const char *usage, const char *shortopts,
		       const struct option *longopts, void (*take)(int, const char *))
{
	int c;

	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'H') {
			usage_print(usage);
			return -1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "See 'persona %s --help'.\n", argv[0]);
			return -2;
		}
		take(c, optarg);
	}
	return optind;
}

static bool state_running(const struct state *st)
{
	return st->pid > 0 && strcmp(st->status, "stopped") && proc_alive(st->pid, st->pid_start);
}

static time_t parse_time(const char *rfc3339)
{
	struct tm tm = { 0 };
	if (!rfc3339 || !*rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static void human_ago(time_t t, char *buf, size_t len)
{
	long d = (long)(time(NULL) - t);
	if (d < 60)
		snprintf(buf, len, "%ld seconds", d < 1 ? 1 : d);
	else if (d < 3600)
		snprintf(buf, len, "%ld minutes", d / 60);
	else if (d < 86400)
		snprintf(buf, len, "%ld hours", d / 3600);
	else
		snprintf(buf, len, "%ld days", d / 86400);
}

/* ---- ps ---- */

static bool ps_all;
static const char *ps_format;
static void ps_take(int c, const char *arg)
{
	if (c == 'a')
		ps_all = true;
	else if (c == 'F')
		ps_format = arg;
}

int cmd_ps(int argc, char **argv)
{
	static const struct option lo[] = { { "all", no_argument, NULL, 'a' },
					    { "format", required_argument, NULL, 'F' },
					    { "help", no_argument, NULL, 'H' },
					    { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona ps [-a] [--format json]\n\n"
				    "List running containers (-a: all of them).\n";
	int i = simple_opts(argc, argv, usage, "a", lo, ps_take);
	_cleanup_strv_ char **ids = NULL;
	json_t *arr = json_array();

	if (i < 0)
		return json_decref(arr), i == -1 ? 0 : 125;
	if (ps_format && strcmp(ps_format, "json") && strcmp(ps_format, "table")) {
		fprintf(stderr, "persona: ps --format \"%s\": use json or table\n", ps_format);
		return json_decref(arr), 125;
	}
	state_gc();
	ids = state_list();
	bool json_out = ps_format && !strcmp(ps_format, "json");
	if (!json_out)
		printf("%-12s  %-20s  %-24s  %-16s  %-24s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
		       "STATUS", "NAMES");
	for (char **p = ids; p && *p; p++) {
		struct state st;
		struct perr err;
		char created[32], status[64], ago[32];
		if (state_load(*p, &st, &err) < 0)
			continue;
		bool running = state_running(&st);
		if (!ps_all && !running) {
			state_release(&st);
			continue;
		}
		human_ago(parse_time(st.created), ago, sizeof(ago));
		snprintf(created, sizeof(created), "%s ago", ago);
		if (running) {
			human_ago(parse_time(st.started), ago, sizeof(ago));
			snprintf(status, sizeof(status), "Up %s", ago);
		} else if (!strcmp(st.status, "created") || !strcmp(st.status, "creating")) {
			snprintf(status, sizeof(status), "Created");
		} else {
			human_ago(parse_time(st.finished), ago, sizeof(ago));
			snprintf(status, sizeof(status), "Exited (%d) %s ago", st.exit_code, ago);
		}
		if (json_out)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "Id",
							     st.id, "Names", st.name, "Image", st.image, "Command",
							     st.command, "CreatedAt", st.created, "Status", status,
							     "State", running ? "running" : st.status, "Pid",
							     running ? (int)st.pid : 0, "ExitCode", st.exit_code));
		else
			printf("%.12s  %-20.20s  %-24.24s  %-16s  %-24s  %s\n", st.id, st.image, st.command, created,
			       status, st.name);
		state_release(&st);
	}
	if (json_out) {
		char *s = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
	}
	json_decref(arr);
	return 0;
}

/* ---- kill, stop ---- */

static int send_signal(const struct state *st, int sig, struct perr *err)
{
	if (!state_running(st))
		return perr_set(err, 0, "container %s is not running", st->name);
	if (kill(st->pid, sig) < 0)
		return perr_set(err, errno, "signal container %s", st->name);
	return 0;
}

/* Wait until the container's monitor has recorded the end (or is gone). */
static bool wait_stopped(const char *id, int timeout_ms)
{
	struct state st;
	struct perr err;

	for (int waited = 0;; waited += 20) {
		if (state_load(id, &st, &err) < 0)
			return true;   /* --rm removed it */
		bool done = !proc_alive(st.monitor, st.monitor_start) && !state_running(&st);
		done = done || !strcmp(st.status, "stopped");
		state_release(&st);
		if (done)
			return true;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return false;
		usleep(20000);
	}
}

static const char *kill_signal = "SIGKILL";
static void kill_take(int c, const char *arg)
{
	if (c == 's')
		kill_signal = arg;
}

int cmd_kill(int argc, char **argv)
{
	static const struct option lo[] = { { "signal", required_argument, NULL, 's' },
					    { "help", no_argument, NULL, 'H' },
					    { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona kill [-s SIGNAL] CONTAINER...\n\n"
				    "Send a signal (default SIGKILL) to running containers.\n";
	int i = simple_opts(argc, argv, usage, "s:", lo, kill_take), sig, rc = 0;
	struct perr err = { 0 };

	if (i < 0)
		return i == -1 ? 0 : 125;
	if (parse_signal(kill_signal, &sig, &err) < 0) {
		perr_prefix(&err, "--signal");
		perr_print(&err);
		return 125;
	}
	if (i >= argc) {
		fprintf(stderr, "persona: kill needs a container\n");
		return 125;
	}
	state_gc();
	for (; i < argc; i++) {
		struct state st = { 0 };
		if (state_lookup(argv[i], &st, &err) < 0 || send_signal(&st, sig, &err) < 0) {
			perr_print(&err);
			rc = 125;
		} else {
			printf("%s\n", argv[i]);
		}
		if (st.dir[0])
			state_release(&st);
	}
	return rc;
}

static int stop_one(struct state *st, int timeout_s, struct perr *err)
{
	_cleanup_json_ json_t *spec = NULL;
	char path[PATH_MAX];
	int sig = SIGTERM;

	if (!state_running(st))
		return 0;
	snprintf(path, sizeof(path), "%s/config.json", st->dir);
	spec = json_load_path(path, err);
	const char *ss = json_str(json_object_get(spec, "annotations"), "org.opencontainers.image.stopSignal");
	if (ss && parse_signal(ss, &sig, err) < 0)
		sig = SIGTERM;
	if (send_signal(st, sig, err) < 0 && state_running(st))
		return -1;
	if (wait_stopped(st->id, timeout_s * 1000))
		return 0;
	if (state_running(st))
		kill(st->pid, SIGKILL);
	wait_stopped(st->id, -1);
	return 0;
}

static int stop_time = 10;
static bool stop_time_bad;
static void stop_take(int c, const char *arg)
{
	char *end;
	if (c != 't')
		return;
	long v = strtol(arg, &end, 10);
	stop_time_bad = *end || end == arg || v < 0 || v > 86400;
	stop_time = (int)v;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option lo[] = { { "time", required_argument, NULL, 't' },
					    { "help", no_argument, NULL, 'H' },
					    { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona stop [-t SECONDS] CONTAINER...\n\n"
				    "Send the stop signal (SIGTERM unless the image says otherwise), then\n"
				    "SIGKILL after SECONDS (default 10).\n";
	int i = simple_opts(argc, argv, usage, "t:", lo, stop_take), rc = 0;
	struct perr err = { 0 };

	if (i < 0)
		return i == -1 ? 0 : 125;
	if (stop_time_bad) {
		fprintf(stderr, "persona: --time: expected a number of seconds\n");
		return 125;
	}
	if (i >= argc) {
		fprintf(stderr, "persona: stop needs a container\n");
		return 125;
	}
	state_gc();
	for (; i < argc; i++) {
		struct state st = { 0 };
		if (state_lookup(argv[i], &st, &err) < 0 || stop_one(&st, stop_time, &err) < 0) {
			perr_print(&err);
			rc = 125;
		} else {
			printf("%s\n", argv[i]);
		}
		state_release(&st);
	}
	return rc;
}

/* ---- rm ---- */

static bool rm_force;
static void rm_take(int c, const char *arg)
{
	(void)arg;
	if (c == 'f')
		rm_force = true;
}

int cmd_rm(int argc, char **argv)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' },
					    { "help", no_argument, NULL, 'H' },
					    { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona rm [-f] CONTAINER...\n\n"
				    "Remove containers; -f kills a running one first.\n";
	int i = simple_opts(argc, argv, usage, "f", lo, rm_take), rc = 0;
	struct perr err = { 0 };

	if (i < 0)
		return i == -1 ? 0 : 125;
	if (i >= argc) {
		fprintf(stderr, "persona: rm needs a container\n");
		return 125;
	}
	state_gc();
	for (; i < argc; i++) {
		struct state st = { 0 };
		if (state_lookup(argv[i], &st, &err) < 0) {
			perr_print(&err);
			rc = 125;
			continue;
		}
		if (state_running(&st) || proc_alive(st.monitor, st.monitor_start)) {
			if (!rm_force) {
				fprintf(stderr, "persona: container %s is running: stop it first, or use rm -f\n",
					argv[i]);
				state_release(&st);
				rc = 125;
				continue;
			}
			if (state_running(&st))
				kill(st.pid, SIGKILL);
			wait_stopped(st.id, -1);
		}
		int lock = state_lock(&st, &err);
		if (state_remove(&st, &err) < 0) {
			perr_print(&err);
			rc = 125;
		} else {
			printf("%s\n", argv[i]);
		}
		if (lock >= 0)
			close(lock);
		state_release(&st);
	}
	return rc;
}

/* ---- logs ---- */

static bool logs_follow;
static void logs_take(int c, const char *arg)
{
	(void)arg;
	if (c == 'f')
		logs_follow = true;
}

int cmd_logs(int argc, char **argv)
{
	static const struct option lo[] = { { "follow", no_argument, NULL, 'f' },
					    { "help", no_argument, NULL, 'H' },
					    { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona logs [-f] CONTAINER\n\n"
				    "Show the output of a detached container (-f: follow it until it ends).\n";
	int i = simple_opts(argc, argv, usage, "f", lo, logs_take);
	struct state st = { 0 };
	struct perr err = { 0 };
	char path[PATH_MAX], buf[65536];
	int fd;

	if (i < 0)
		return i == -1 ? 0 : 125;
	if (i + 1 != argc) {
		fprintf(stderr, "persona: logs needs exactly one container\n");
		return 125;
	}
	state_gc();
	if (state_lookup(argv[i], &st, &err) < 0) {
		perr_print(&err);
		return 125;
	}
	snprintf(path, sizeof(path), "%s/container.log", st.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!st.detached) {
			fprintf(stderr, "persona: container %s was not detached (-d): its output went to the terminal\n",
				argv[i]);
			state_release(&st);
			return 125;
		}
		state_release(&st);
		return 0;
	}
	fflush(stdout);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if (write(STDOUT_FILENO, buf, (size_t)n) != n)
				break;
			continue;
		}
		if (n < 0 || !logs_follow)
			break;
		/* At the end: done once the container has stopped and all is read. */
		struct state now;
		if (state_load(st.id, &now, &err) < 0)
			break;
		bool running = state_running(&now) || proc_alive(now.monitor, now.monitor_start);
		state_release(&now);
		if (!running) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (write(STDOUT_FILENO, buf, (size_t)n) != n)
					break;
			break;
		}
		usleep(100000);
	}
	close(fd);
	state_release(&st);
	return 0;
}

/* ---- inspect ---- */

static void no_take(int c, const char *arg)
{
	(void)c;
	(void)arg;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'H' }, { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona inspect NAME...\n\n"
				    "Show containers' state and OCI spec as a JSON array; when the first NAME\n"
				    "is not a container, show images (as persona image inspect).\n";
	int i = simple_opts(argc, argv, usage, "", lo, no_take), rc = 0;
	json_t *arr = json_array();
	struct perr err = { 0 };

	if (i < 0)
		return json_decref(arr), i == -1 ? 0 : 125;
	if (i >= argc) {
		fprintf(stderr, "persona: inspect needs a container\n");
		return json_decref(arr), 125;
	}
	state_gc();
	{
		/* docker's rule: not a container, then an image. */
		struct state st = { 0 };
		int found = state_lookup(argv[i], &st, &err);
		if (found == -2) {
			char **v = calloc((size_t)(argc - i) + 3, sizeof(*v));
			if (!v)
				return json_decref(arr), 125;
			v[0] = "image";
			v[1] = "inspect";
			memcpy(v + 2, argv + i, (size_t)(argc - i) * sizeof(*v));
			json_decref(arr);
			rc = run_image_helper(v);
			free(v);
			return rc;
		}
		if (found == 0)
			state_release(&st);
	}
	for (; i < argc; i++) {
		struct state st = { 0 };
		char path[PATH_MAX];
		if (state_lookup(argv[i], &st, &err) < 0) {
			perr_print(&err);
			rc = 125;
			continue;
		}
		snprintf(path, sizeof(path), "%s/config.json", st.dir);
		json_t *spec = json_load_path(path, &err);
		bool running = state_running(&st);
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:b, s:i, s:i, s:b, s:s, s:s}, s:s, s:O?, s:o?}",
				       "Id", st.id, "Name", st.name, "Created", st.created, "Image", st.image,
				       "State", "Status", running ? "running" : st.status, "Running", running,
				       "Pid", running ? (int)st.pid : 0, "ExitCode", st.exit_code, "OOMKilled",
				       st.oom_killed, "StartedAt", st.started, "FinishedAt", st.finished,
				       "Bundle", st.dir, "CgroupPaths", st.cgroup, "Spec", spec));
		state_release(&st);
	}
	char *s = json_dumps(arr, JSON_INDENT(4));
	printf("%s\n", s);
	free(s);
	json_decref(arr);
	return rc;
}

/* ---- spec ---- */

int cmd_spec(int argc, char **argv)
{
	static const struct option lo[] = { { "help", no_argument, NULL, 'H' }, { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: persona spec\n\n"
				    "Write a default OCI runtime spec to ./config.json (rootfs \"rootfs\",\n"
				    "command sh with a terminal), as `runc spec` does.\n";
	int i = simple_opts(argc, argv, usage, "", lo, no_take);
	struct perr err = { 0 };
	json_t *spec;

	if (i < 0)
		return i == -1 ? 0 : 125;
	if (access("config.json", F_OK) == 0) {
		fprintf(stderr, "persona: config.json already exists; remove it first\n");
		return 125;
	}
	spec = spec_default(&err);
	if (!spec || json_dump_path_atomic(spec, "config.json", &err) < 0) {
		json_decref(spec);
		perr_print(&err);
		return 125;
	}
	json_decref(spec);
	return 0;
}
