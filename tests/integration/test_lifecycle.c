/* Integration: the life of a container across commands: run -d, ps,
 * exec, logs, stop, kill, rm, inspect, names and ID prefixes, spec;
 * signals to a foreground persona reaching the workload; -t with a
 * pseudo-terminal; kill -9 of persona cleaned up by the next command. */
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "tests/integration/integ.h"

/* ---- run -d, ps, inspect ---- */

START_TEST(run_detached_prints_id)
{
	struct cmd_result r = P("run", "-d", "--name", "web", "busybox", "sleep", "100");
	ck_assert_status(r, 0);
	ck_assert_int_eq((int)strlen(r.out), 65);
	ck_assert_msg(r.out[64] == '\n', "more than the ID on stdout: %s", r.out);
	r.out[64] = '\0';
	ck_assert_msg(is_hex_id(r.out), "not a 64-hex-digit ID: %s", r.out);
	char *id = strdup(r.out);
	cmd_result_free(&r);

	/* ps lists it by name and short ID */
	r = P("ps");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "web");
	char shortid[13];
	snprintf(shortid, sizeof(shortid), "%.12s", id);
	ck_assert_out_has(r, shortid);
	ck_assert_out_has(r, "sleep 100");
	cmd_result_free(&r);

	/* ps -a --format json parses */
	r = P("ps", "-a", "--format", "json");
	ck_assert_status(r, 0);
	json_error_t je;
	json_t *arr = json_loads(r.out, 0, &je);
	ck_assert_msg(arr && json_is_array(arr), "ps --format json: not a JSON array: %s\n%s", je.text, r.out);
	ck_assert_int_eq((int)json_array_size(arr), 1);
	json_t *c = json_array_get(arr, 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "Id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(c, "Names")), "web");
	ck_assert_str_eq(json_string_value(json_object_get(c, "State")), "running");
	ck_assert_int_gt((int)json_integer_value(json_object_get(c, "Pid")), 1);
	json_decref(arr);
	cmd_result_free(&r);

	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("ps", "-a", "--format", "json");
	arr = json_loads(r.out, 0, &je);
	ck_assert_msg(arr && json_array_size(arr) == 0, "ps -a still lists something after rm -f:\n%s", r.out);
	json_decref(arr);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(inspect_json)
{
	char *id = RUN_D("--name", "insp", "--memory", "64m", "busybox", "sleep", "100");
	json_t *o = inspect_one("insp");
	ck_assert_str_eq(jget_str(o, "Id", NULL), id);
	ck_assert_str_eq(jget_str(o, "Name", NULL), "insp");
	ck_assert_str_eq(jget_str(o, "State", "Status"), "running");
	ck_assert(json_is_true(json_object_get(json_object_get(o, "State"), "Running")));
	json_t *spec = json_object_get(o, "Spec");
	ck_assert_msg(json_is_object(spec), "no Spec object");
	ck_assert_msg(json_string_value(json_object_get(spec, "ociVersion")) != NULL, "Spec has no ociVersion");
	json_t *args = json_object_get(json_object_get(spec, "process"), "args");
	ck_assert_int_eq((int)json_array_size(args), 2);
	ck_assert_str_eq(json_string_value(json_array_get(args, 0)), "sleep");
	ck_assert_str_eq(json_string_value(json_array_get(args, 1)), "100");
	json_t *mem = json_object_get(json_object_get(json_object_get(json_object_get(spec, "linux"), "resources"),
						      "memory"), "limit");
	ck_assert_int_eq((long long)json_integer_value(mem), 64LL << 20);
	json_decref(o);
	/* several at once: an array of as many */
	char *id2 = RUN_D("busybox", "sleep", "100");
	struct cmd_result r = P("inspect", "insp", id2);
	ck_assert_status(r, 0);
	json_t *arr = json_loads(r.out, 0, NULL);
	ck_assert_int_eq((int)json_array_size(arr), 2);
	json_decref(arr);
	cmd_result_free(&r);
	r = P("rm", "-f", "insp", id2);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	free(id2);
	assert_no_leftovers();
}
END_TEST

/* -d --rm: the container is removed as soon as it exits. */
START_TEST(detached_rm_removed_at_exit)
{
	char *id = RUN_D("--rm", "busybox", "sh", "-c", "sleep 0.5");
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		struct cmd_result r = P("ps", "-a", "--format", "json");
		json_t *arr = json_loads(r.out, 0, NULL);
		gone = arr && json_array_size(arr) == 0;
		json_decref(arr);
		/* and the monitor has finished removing its directory */
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", test_state_root(), id);
		gone = gone && !path_exists(path);
		cmd_result_free(&r);
		if (!gone)
			usleep(100000);
	}
	ck_assert_msg(gone, "a -d --rm container is still listed after it exited");
	free(id);
	assert_no_leftovers();
}
END_TEST

/* logs of a container that was not detached: its output went to the terminal. */
START_TEST(logs_of_foreground_container)
{
	int out = -1;
	pid_t pid = persona_spawn(&out, NULL, "run", "--rm", "--name", "fgl", "busybox", "sh", "-c",
				  "echo ready; sleep 100", NULL);
	char *buf = NULL;
	ck_assert(read_until(out, &buf, "ready\n", 20));
	ck_assert(wait_running("fgl", 20));
	struct cmd_result r = P("logs", "fgl");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "fgl");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("rm", "-f", "fgl");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_int_eq(wait_status(pid, 20), 137);
	close(out);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* ---- exec ---- */

START_TEST(exec_into_running)
{
	char *id = RUN_D("--name", "web", "busybox", "sleep", "100");
	struct cmd_result r = P("exec", "web", "hostname");
	ck_assert_status(r, 0);
	char want[16];
	snprintf(want, sizeof(want), "%.12s\n", id);
	ck_assert_str_eq(r.out, want);
	cmd_result_free(&r);

	/* the same namespaces: PID 1 is the workload */
	r = P("exec", "web", "cat", "/proc/1/cmdline");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "sleep");
	cmd_result_free(&r);

	/* the same security: seccomp filter, capabilities, no_new_privs */
	r = P("exec", "web", "cat", "/proc/self/status");
	ck_assert_status(r, 0);
	char *v = status_field(r.out, "Seccomp");
	ck_assert_str_eq(v, "2");
	free(v);
	v = status_field(r.out, "CapEff");
	ck_assert_str_eq(v, DEFAULT_CAPEFF);
	free(v);
	v = status_field(r.out, "NoNewPrivs");
	ck_assert_str_eq(v, "1");
	free(v);
	cmd_result_free(&r);

	/* the same cgroup */
	r = P("exec", "web", "cat", "/proc/self/cgroup");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, ":memory:/\n");
	cmd_result_free(&r);

	r = P("exec", "-u", "1000", "web", "id", "-u");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "1000\n");
	cmd_result_free(&r);
	r = P("exec", "-u", "nobody", "web", "id", "-un");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "nobody\n");
	cmd_result_free(&r);

	r = P("exec", "web", "sh", "-c", "exit 5");
	ck_assert_status(r, 5);
	cmd_result_free(&r);
	/* not PID 1: a signal ends it, 128+N */
	r = P("exec", "web", "sh", "-c", "kill -KILL $$");
	ck_assert_status(r, 137);
	cmd_result_free(&r);

	r = P("exec", "-e", "FOO=bar", "-w", "/tmp", "web", "sh", "-c", "echo $FOO; pwd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "bar\n/tmp\n");
	cmd_result_free(&r);

	r = P_IN("piped\n", "exec", "-i", "web", "cat");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "piped\n");
	cmd_result_free(&r);

	r = P("exec", "web", "no-such-command");
	ck_assert_status(r, 127);
	ck_assert_err_has(r, "no-such-command");
	cmd_result_free(&r);
	r = P("exec", "web", "/etc/passwd");
	ck_assert_status(r, 126);
	cmd_result_free(&r);

	/* by ID prefix */
	char prefix[13];
	snprintf(prefix, sizeof(prefix), "%.12s", id);
	r = P("exec", prefix, "true");
	ck_assert_status(r, 0);
	cmd_result_free(&r);

	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* exec -d: the process runs on in the container. */
START_TEST(exec_detached)
{
	char *id = RUN_D("busybox", "sleep", "100");
	/* returns at once, not attached to the caller's output (docker's exec -d) */
	bool hung = false;
	struct cmd_result r = persona_t(10, NULL, &hung, "exec", "-d", id, "sh", "-c",
					"echo hi > /tmp/from-exec; sleep 100", NULL);
	ck_assert_msg(!hung, "exec -d kept the caller's stdout/stderr open until its command ended");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	bool seen = false;
	for (int i = 0; i < 50 && !seen; i++) {
		r = P("exec", id, "cat", "/tmp/from-exec");
		seen = r.status == 0 && !strcmp(r.out, "hi\n");
		cmd_result_free(&r);
		if (!seen)
			usleep(100000);
	}
	ck_assert_msg(seen, "exec -d did not run its command");
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(exec_missing_or_stopped_container)
{
	struct cmd_result r = P("exec", "no-such-container", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "no-such-container");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	char *id = RUN_D("--name", "done", "busybox", "true");
	ck_assert(wait_not_running("done", 20));
	r = P("exec", "done", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "done");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("rm", "-f", "done");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* ---- logs ---- */

START_TEST(logs_of_detached)
{
	char *id = RUN_D("busybox", "sh", "-c", "echo out; echo err >&2");
	ck_assert(wait_not_running(id, 20));
	struct cmd_result r = P("logs", id);
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "out\n");
	ck_assert_out_has(r, "err\n");
	cmd_result_free(&r);
	/* the exit status is kept */
	json_t *o = inspect_one(id);
	ck_assert_int_eq((int)json_integer_value(json_object_get(json_object_get(o, "State"), "ExitCode")), 0);
	json_decref(o);
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(logs_follow_returns_at_exit)
{
	char *id = RUN_D("busybox", "sh", "-c", "echo first; sleep 1.5; echo second; exit 3");
	struct cmd_result r = P("logs", "-f", id);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "first\nsecond\n");
	cmd_result_free(&r);
	json_t *o = inspect_one(id);
	ck_assert_int_eq((int)json_integer_value(json_object_get(json_object_get(o, "State"), "ExitCode")), 3);
	json_decref(o);
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* ---- stop, kill, rm ---- */

/* PID 1 without a handler ignores SIGTERM: stop falls back to SIGKILL. */
START_TEST(stop_falls_back_to_sigkill)
{
	char *id = RUN_D("--name", "web", "busybox", "sleep", "100");
	pid_t pid = container_pid("web");
	char *cg = cgroup_dir("web", "pids");
	struct cmd_result r = P("stop", "-t", "1", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(!pid_alive(pid), "the container's process %d is alive after stop", (int)pid);
	json_t *o = inspect_one("web");
	ck_assert_str_eq(jget_str(o, "State", "Status"), "stopped");
	ck_assert_int_eq((int)json_integer_value(json_object_get(json_object_get(o, "State"), "ExitCode")), 137);
	json_decref(o);
	ck_assert_msg(cg && !path_exists(cg), "the cgroup %s is left after stop", cg);
	/* no longer in ps, still in ps -a */
	r = P("ps");
	ck_assert_msg(!contains(r.out, "web"), "ps lists a stopped container:\n%s", r.out);
	cmd_result_free(&r);
	r = P("ps", "-a");
	ck_assert_out_has(r, "web");
	cmd_result_free(&r);
	/* stopping a stopped container succeeds */
	r = P("stop", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(cg);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* A workload that handles SIGTERM ends with its own status. */
START_TEST(stop_with_handler)
{
	char *id = RUN_D("busybox", "sh", "-c", "trap 'echo got TERM; exit 4' TERM; echo ready; while true; do sleep 0.1; done");
	ck_assert(wait_log(id, "ready", 20));
	struct cmd_result r = P("stop", "-t", "20", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	json_t *o = inspect_one(id);
	ck_assert_int_eq((int)json_integer_value(json_object_get(json_object_get(o, "State"), "ExitCode")), 4);
	json_decref(o);
	ck_assert(wait_log(id, "got TERM", 5));
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(kill_with_signal)
{
	char *id = RUN_D("--name", "sig", "busybox", "sh", "-c",
			 "trap 'echo got USR1' USR1; echo ready; while true; do sleep 0.1; done");
	ck_assert(wait_log("sig", "ready", 20));
	struct cmd_result r = P("kill", "-s", "USR1", "sig");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(wait_log("sig", "got USR1", 10), "the workload did not get SIGUSR1");
	json_t *o = inspect_one("sig");
	ck_assert_msg(json_is_true(json_object_get(json_object_get(o, "State"), "Running")),
		      "the container stopped on SIGUSR1");
	json_decref(o);
	/* by number and with the SIG prefix */
	r = P("kill", "-s", "SIGUSR1", "sig");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("kill", "--signal", "10", "sig");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	/* the default is SIGKILL */
	r = P("kill", "sig");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert(wait_not_running("sig", 10));
	o = inspect_one("sig");
	ck_assert_int_eq((int)json_integer_value(json_object_get(json_object_get(o, "State"), "ExitCode")), 137);
	json_decref(o);
	/* killing a stopped container is an error */
	r = P("kill", "sig");
	ck_assert_status(r, 125);
	cmd_result_free(&r);
	r = P("rm", "-f", "sig");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(rm_running_needs_force)
{
	char *id = RUN_D("--name", "web", "busybox", "sleep", "100");
	pid_t pid = container_pid("web");
	struct cmd_result r = P("rm", "web");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "web");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	ck_assert_msg(pid_alive(pid), "rm without -f killed the container");
	r = P("ps");
	ck_assert_out_has(r, "web");
	cmd_result_free(&r);
	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(!pid_alive(pid), "rm -f left the process %d", (int)pid);
	r = P("inspect", "web");
	ck_assert_status(r, 125);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* Once inspect says a container is not running, rm (without -f) removes
 * it: nothing the user can see is still running. */
START_TEST(rm_after_exit)
{
	for (int i = 0; i < 30; i++) {
		char *id = RUN_D("busybox", "true");
		ck_assert(wait_not_running(id, 20));
		/* not running: then not "running" either */
		json_t *o = inspect_one(id);
		ck_assert_msg(strcmp(jget_str(o, "State", "Status"), "running") != 0,
			      "run %d: inspect says Running: false and Status: running", i);
		json_decref(o);
		struct cmd_result r = P("rm", id);
		ck_assert_msg(r.status == 0, "run %d: rm of a stopped container: " SHOW_FMT, i, SHOW_ARGS(r));
		cmd_result_free(&r);
		free(id);
	}
	assert_no_leftovers();
}
END_TEST

/* ---- names and ID prefixes ---- */

START_TEST(name_in_use)
{
	char *id = RUN_D("--name", "web", "busybox", "sleep", "100");
	struct cmd_result r = P("run", "-d", "--name", "web", "busybox", "sleep", "100");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "\"web\"");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	/* the foreground form too, and nothing was made */
	r = P("run", "--rm", "--name", "web", "busybox", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "web");
	cmd_result_free(&r);
	r = P("ps", "-a", "--format", "json");
	json_t *arr = json_loads(r.out, 0, NULL);
	ck_assert_int_eq((int)json_array_size(arr), 1);
	json_decref(arr);
	cmd_result_free(&r);
	/* still the first container under that name */
	json_t *o = inspect_one("web");
	ck_assert_str_eq(jget_str(o, "Id", NULL), id);
	json_decref(o);
	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	/* free again after rm */
	char *id2 = RUN_D("--name", "web", "busybox", "sleep", "100");
	ck_assert_str_ne(id2, id);
	r = P("rm", "-f", "web");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	free(id2);
	assert_no_leftovers();
}
END_TEST

START_TEST(id_prefix_selects)
{
	char *id = RUN_D("busybox", "sleep", "100");
	char prefix[13];
	snprintf(prefix, sizeof(prefix), "%.12s", id);
	json_t *o = inspect_one(prefix);
	ck_assert_str_eq(jget_str(o, "Id", NULL), id);
	json_decref(o);
	snprintf(prefix, sizeof(prefix), "%.5s", id);
	o = inspect_one(prefix);
	ck_assert_str_eq(jget_str(o, "Id", NULL), id);
	json_decref(o);
	struct cmd_result r = P("rm", "-f", prefix);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* Containers until two IDs share their first digit (at most 17). */
static int two_with_same_first_digit(char **ids, char *digit)
{
	int n = 0;
	for (; n < 17; n++) {
		ids[n] = RUN_D("busybox", "true");
		for (int k = 0; k < n; k++)
			if (ids[k][0] == ids[n][0]) {
				*digit = ids[n][0];
				return n + 1;
			}
	}
	ck_abort_msg("17 IDs with distinct first digits");
	return n;
}

START_TEST(id_prefix_ambiguous)
{
	char *ids[17], digit, prefix[2];
	int n = two_with_same_first_digit(ids, &digit);
	prefix[0] = digit;
	prefix[1] = '\0';
	static const char *const cmds[] = { "inspect", "rm", "logs", "stop", "kill" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct cmd_result r = P(cmds[i], prefix);
		ck_assert_status(r, 125);
		ck_assert_err_has(r, prefix);
		if (!strcmp(cmds[i], "inspect") && !strcmp(r.out, "[]\n"))
			r.out[0] = '\0'; /* docker prints the empty array too */
		ck_assert_one_message(r);
		cmd_result_free(&r);
	}
	struct cmd_result r = P("exec", prefix, "true");
	ck_assert_status(r, 125);
	cmd_result_free(&r);
	/* nothing was removed */
	r = P("ps", "-a", "--format", "json");
	json_t *arr = json_loads(r.out, 0, NULL);
	ck_assert_int_eq((int)json_array_size(arr), n);
	json_decref(arr);
	cmd_result_free(&r);
	for (int i = 0; i < n; i++) {
		r = P("rm", "-f", ids[i]);
		ck_assert_status(r, 0);
		cmd_result_free(&r);
		free(ids[i]);
	}
	assert_no_leftovers();
}
END_TEST

/* ---- signals to a foreground persona ---- */

static void forward_one(int sig, const char *name, int code)
{
	char script[256], want[64];
	int out = -1;
	snprintf(script, sizeof(script),
		 "trap 'echo got %s; exit %d' %s; echo ready; while true; do sleep 0.1; done", name, code, name);
	pid_t pid = persona_spawn(&out, NULL, "run", "--rm", "busybox", "sh", "-c", script, NULL);
	ck_assert(pid > 0);
	char *buf = NULL;
	ck_assert_msg(read_until(out, &buf, "ready\n", 20), "the workload did not start: %s", buf);
	kill(pid, sig);
	snprintf(want, sizeof(want), "got %s\n", name);
	bool got = read_until(out, &buf, want, 20);
	int st = wait_status(pid, 20);
	close(out);
	ck_assert_msg(got, "SIG%s did not reach the workload; output: %s", name, buf);
	ck_assert_msg(st == code, "SIG%s: persona exited %d, want %d", name, st, code);
	free(buf);
}

START_TEST(signals_are_forwarded)
{
	forward_one(SIGTERM, "TERM", 7);
	forward_one(SIGINT, "INT", 8);
	forward_one(SIGHUP, "HUP", 9);
	forward_one(SIGQUIT, "QUIT", 10);
	forward_one(SIGUSR1, "USR1", 11);
	forward_one(SIGUSR2, "USR2", 12);
	assert_no_leftovers();
}
END_TEST

/* Under --init the init passes the signal on to the workload. */
START_TEST(signals_forwarded_through_init)
{
	int out = -1;
	pid_t pid = persona_spawn(&out, NULL, "run", "--rm", "--init", "busybox", "sh", "-c",
				  "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done", NULL);
	char *buf = NULL;
	ck_assert(read_until(out, &buf, "ready\n", 20));
	kill(pid, SIGTERM);
	bool got = read_until(out, &buf, "got TERM\n", 20);
	int st = wait_status(pid, 20);
	close(out);
	ck_assert_msg(got, "SIGTERM did not reach the workload under --init: %s", buf);
	ck_assert_int_eq(st, 7);
	/* and without a handler, the workload (not PID 1) dies of it: 143 */
	out = -1;
	free(buf);
	buf = NULL;
	pid = persona_spawn(&out, NULL, "run", "--rm", "--init", "busybox", "sh", "-c", "echo ready; sleep 100", NULL);
	ck_assert(read_until(out, &buf, "ready\n", 20));
	kill(pid, SIGTERM);
	st = wait_status(pid, 20);
	close(out);
	ck_assert_int_eq(st, 143);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* A foreground workload killed from outside: persona exits 128+9. */
START_TEST(foreground_killed_is_137)
{
	int out = -1;
	pid_t pid = persona_spawn(&out, NULL, "run", "--rm", "--name", "fg", "busybox", "sh", "-c",
				  "echo ready; sleep 100", NULL);
	char *buf = NULL;
	ck_assert(read_until(out, &buf, "ready\n", 20));
	ck_assert(wait_running("fg", 20));
	struct cmd_result r = P("kill", "fg");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	int st = wait_status(pid, 20);
	close(out);
	ck_assert_int_eq(st, 137);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* As soon as the workload runs (it has printed), persona reports the
 * container running and other commands can act on it by name. */
START_TEST(running_once_the_workload_runs)
{
	for (int i = 0; i < 20; i++) {
		int out = -1;
		pid_t pid = persona_spawn(&out, NULL, "run", "--rm", "--name", "early", "busybox", "sh", "-c",
					  "echo ready; sleep 100", NULL);
		char *buf = NULL;
		ck_assert(read_until(out, &buf, "ready\n", 20));
		struct cmd_result r = P("kill", "early");
		ck_assert_msg(r.status == 0, "run %d: kill right after the workload printed: " SHOW_FMT, i,
			      SHOW_ARGS(r));
		cmd_result_free(&r);
		ck_assert_int_eq(wait_status(pid, 20), 137);
		close(out);
		free(buf);
	}
	assert_no_leftovers();
}
END_TEST

/* ---- -t ---- */

/* Read from the pty master into *buf until `needle` or timeout. */
static bool pty_until(int master, char **buf, const char *needle, int timeout_s)
{
	return read_until(master, buf, needle, timeout_s);
}

START_TEST(tty_pty)
{
	char root_opt[600];
	snprintf(root_opt, sizeof(root_opt), "%s", test_state_root());
	struct winsize ws = { .ws_row = 30, .ws_col = 100 };
	int master = -1;
	char slave_name[64];
	pid_t pid = forkpty(&master, slave_name, NULL, &ws);
	ck_assert(pid >= 0);
	if (pid == 0) {
		execl(test_persona_bin(), test_persona_bin(), "--root", root_opt, "run", "--rm", "-i", "-t", "busybox",
		      "sh", "-c", "tty; stty size; echo ready; while read l; do stty size; done; echo bye", (char *)NULL);
		_exit(127);
	}
	/* a second handle on persona's terminal, to see its mode afterwards */
	int slave = open(slave_name, O_RDWR | O_NOCTTY);
	struct termios before;
	ck_assert(slave >= 0 && tcgetattr(slave, &before) == 0);
	char *buf = NULL;
	ck_assert_msg(pty_until(master, &buf, "ready", 20), "no output from -t: %s", buf);
	ck_assert_msg(contains(buf, "/dev/pts/0"), "tty is not /dev/pts/0: %s", buf);
	ck_assert_msg(contains(buf, "30 100"), "stty size does not follow the terminal: %s", buf);

	/* persona's terminal is in raw mode while it runs */
	struct termios during;
	ck_assert(tcgetattr(slave, &during) == 0);
	ck_assert_msg(!(during.c_lflag & (ICANON | ECHO)), "persona's terminal is not raw while the container runs");

	/* the window size follows a change (SIGWINCH) */
	struct winsize ws2 = { .ws_row = 40, .ws_col = 132 };
	ck_assert(ioctl(master, TIOCSWINSZ, &ws2) == 0);
	bool resized = false;
	for (int i = 0; i < 50 && !resized; i++) {
		if (write(master, "\r", 1) != 1)
			break;
		resized = pty_until(master, &buf, "40 132", 1);
	}
	ck_assert_msg(resized, "stty size did not follow the new window size: %s", buf);

	/* end of input: ^D */
	if (write(master, "\x04", 1) != 1)
		ck_abort_msg("write ^D");
	ck_assert_msg(pty_until(master, &buf, "bye", 20), "^D did not end the input: %s", buf);
	int st = wait_status(pid, 20);
	ck_assert_int_eq(st, 0);
	struct termios after;
	ck_assert(tcgetattr(slave, &after) == 0);
	ck_assert_msg(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
			      after.c_oflag == before.c_oflag,
		      "persona did not restore its terminal's mode");
	close(slave);
	close(master);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* -t gives a terminal even without -i; the exit status passes through. */
START_TEST(tty_exit_status_and_console)
{
	char root_opt[600];
	snprintf(root_opt, sizeof(root_opt), "%s", test_state_root());
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master = -1;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	ck_assert(pid >= 0);
	if (pid == 0) {
		execl(test_persona_bin(), test_persona_bin(), "--root", root_opt, "run", "--rm", "-t", "busybox", "sh",
		      "-c", "test -t 0 && test -t 1 && echo terminal; ls /dev/console && echo TERM=$TERM; exit 9",
		      (char *)NULL);
		_exit(127);
	}
	char *buf = NULL;
	pty_until(master, &buf, "TERM=xterm", 20);
	int st = wait_status(pid, 20);
	pty_until(master, &buf, NULL, 1);
	close(master);
	ck_assert_msg(contains(buf, "terminal"), "stdin/stdout are not a terminal under -t: %s", buf);
	ck_assert_msg(contains(buf, "/dev/console"), "no /dev/console under -t: %s", buf);
	ck_assert_msg(contains(buf, "TERM=xterm"), "TERM is not set under -t: %s", buf);
	ck_assert_int_eq(st, 9);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* exec -t: the command gets a terminal of its own in the container. */
START_TEST(exec_tty)
{
	char *id = RUN_D("busybox", "sleep", "100");
	char root_opt[600];
	snprintf(root_opt, sizeof(root_opt), "%s", test_state_root());
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master = -1;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	ck_assert(pid >= 0);
	if (pid == 0) {
		execl(test_persona_bin(), test_persona_bin(), "--root", root_opt, "exec", "-t", id, "sh", "-c",
		      "tty; test -t 1 && echo terminal; exit 3", (char *)NULL);
		_exit(127);
	}
	char *buf = NULL;
	read_until(master, &buf, "terminal", 20);
	int st = wait_status(pid, 20);
	read_until(master, &buf, NULL, 1);
	close(master);
	ck_assert_msg(contains(buf, "/dev/pts/"), "exec -t: tty says %s", buf);
	ck_assert_msg(contains(buf, "terminal"), "exec -t: stdout is not a terminal: %s", buf);
	ck_assert_int_eq(st, 3);
	struct cmd_result r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(buf);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* Output through the terminal is not lost when the workload exits. */
START_TEST(tty_output_complete)
{
	char root_opt[600];
	snprintf(root_opt, sizeof(root_opt), "%s", test_state_root());
	int master = -1;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	ck_assert(pid >= 0);
	if (pid == 0) {
		execl(test_persona_bin(), test_persona_bin(), "--root", root_opt, "run", "--rm", "-t", "busybox", "seq",
		      "1", "30000", (char *)NULL);
		_exit(127);
	}
	char *buf = NULL;
	read_until(master, &buf, "\n30000\r", 30);
	int st = wait_status(pid, 20);
	read_until(master, &buf, NULL, 1);
	close(master);
	ck_assert_int_eq(st, 0);
	/* line ends as the terminals made them: drop the CRs */
	size_t k = 0;
	for (size_t i = 0; buf[i]; i++)
		if (buf[i] != '\r')
			buf[k++] = buf[i];
	buf[k] = '\0';
	ck_assert_msg(!strncmp(buf, "1\n2\n3\n", 6), "the start of the output is lost: %.40s", buf);
	ck_assert_msg(contains(buf, "\n29999\n30000\n"), "the end of the output is lost: ...%s",
		      buf + (strlen(buf) > 200 ? strlen(buf) - 200 : 0));
	ck_assert_int_eq((int)count_lines(buf), 30000);
	free(buf);
	assert_no_leftovers();
}
END_TEST

/* ---- kill -9 of persona ---- */

static void persona_killed(bool autoremove)
{
	int out = -1;
	pid_t pid = autoremove
			    ? persona_spawn(&out, NULL, "run", "--rm", "--name", "k9", "busybox", "sh", "-c",
					    "echo ready; exec sleep 100", NULL)
			    : persona_spawn(&out, NULL, "run", "--name", "k9", "busybox", "sh", "-c",
					    "echo ready; exec sleep 100", NULL);
	char *buf = NULL;
	ck_assert(read_until(out, &buf, "ready\n", 20));
	ck_assert(wait_running("k9", 20));
	pid_t cpid = container_pid("k9");
	ck_assert_int_gt(cpid, 0);
	json_t *o = inspect_one("k9");
	json_t *paths = json_object_get(o, "CgroupPaths");
	ck_assert_msg(json_object_size(paths) > 0, "no CgroupPaths");
	kill(pid, SIGKILL);
	ck_assert_int_eq(wait_status(pid, 20), 137);
	close(out);
	free(buf);

	/* the next persona command cleans up */
	struct cmd_result r = P("ps", "-a");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	for (int i = 0; i < 50 && pid_alive(cpid); i++)
		usleep(100000);
	ck_assert_msg(!pid_alive(cpid), "the container's process %d outlived persona", (int)cpid);
	const char *key;
	json_t *v;
	json_object_foreach(paths, key, v) {
		ck_assert_msg(!path_exists(json_string_value(v)), "cgroup %s is left after kill -9 and ps -a",
			      json_string_value(v));
	}
	json_decref(o);
	r = P("ps", "-a", "--format", "json");
	json_t *arr = json_loads(r.out, 0, NULL);
	cmd_result_free(&r);
	if (autoremove) {
		ck_assert_msg(json_array_size(arr) == 0, "a --rm container is still listed after kill -9");
	} else if (json_array_size(arr) == 1) {
		/* listed as stopped, and removable */
		json_t *c = json_array_get(arr, 0);
		ck_assert_str_ne(json_string_value(json_object_get(c, "State")), "running");
		r = P("rm", "k9");
		ck_assert_status(r, 0);
		cmd_result_free(&r);
	}
	json_decref(arr);
	/* the name is free again */
	r = P("run", "--rm", "--name", "k9", "busybox", "true");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	assert_no_leftovers();
}

START_TEST(kill9_of_persona_cleaned_up)
{
	persona_killed(false);
}
END_TEST

START_TEST(kill9_of_persona_rm_cleaned_up)
{
	persona_killed(true);
}
END_TEST

/* ---- persona spec ---- */

START_TEST(spec_writes_config)
{
	char *dir = make_temp_dir("spec"), cwd[4096], path[4200], bin[4096];
	ck_assert(getcwd(cwd, sizeof(cwd)) != NULL);
	if (!realpath(test_persona_bin(), bin))
		snprintf(bin, sizeof(bin), "%s", test_persona_bin());
	ck_assert(chdir(dir) == 0);
	struct cmd_result r = HOST(bin, "--root", test_state_root(), "spec");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	json_error_t je;
	json_t *spec = json_load_file(path, 0, &je);
	ck_assert_msg(spec != NULL, "config.json: %s", je.text);
	ck_assert_msg(json_string_value(json_object_get(spec, "ociVersion")) != NULL, "no ociVersion");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(spec, "root"), "path")), "rootfs");
	ck_assert_msg(json_is_array(json_object_get(json_object_get(spec, "process"), "args")), "no process.args");
	ck_assert_msg(json_is_array(json_object_get(json_object_get(spec, "linux"), "namespaces")),
		      "no linux.namespaces");
	json_decref(spec);
	/* an existing config.json is not overwritten */
	r = HOST(bin, "--root", test_state_root(), "spec");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "config.json");
	cmd_result_free(&r);
	ck_assert(chdir(cwd) == 0);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: lifecycle");
	TCase *tc;

	test_private_root("lifecycle");
	tc = integ_tcase("detached", 120);
	tcase_add_test(tc, run_detached_prints_id);
	tcase_add_test(tc, inspect_json);
	tcase_add_test(tc, logs_of_detached);
	tcase_add_test(tc, logs_follow_returns_at_exit);
	tcase_add_test(tc, detached_rm_removed_at_exit);
	tcase_add_test(tc, logs_of_foreground_container);
	tcase_add_test(tc, spec_writes_config);
	suite_add_tcase(s, tc);

	tc = integ_tcase("exec", 120);
	tcase_add_test(tc, exec_into_running);
	tcase_add_test(tc, exec_detached);
	tcase_add_test(tc, exec_missing_or_stopped_container);
	suite_add_tcase(s, tc);

	tc = integ_tcase("stop kill rm", 120);
	tcase_add_test(tc, stop_falls_back_to_sigkill);
	tcase_add_test(tc, stop_with_handler);
	tcase_add_test(tc, kill_with_signal);
	tcase_add_test(tc, rm_running_needs_force);
	tcase_add_test(tc, rm_after_exit);
	suite_add_tcase(s, tc);

	tc = integ_tcase("names and prefixes", 120);
	tcase_add_test(tc, name_in_use);
	tcase_add_test(tc, id_prefix_selects);
	tcase_add_test(tc, id_prefix_ambiguous);
	suite_add_tcase(s, tc);

	tc = integ_tcase("foreground", 120);
	tcase_add_test(tc, signals_are_forwarded);
	tcase_add_test(tc, signals_forwarded_through_init);
	tcase_add_test(tc, foreground_killed_is_137);
	tcase_add_test(tc, running_once_the_workload_runs);
	tcase_add_test(tc, tty_pty);
	tcase_add_test(tc, tty_exit_status_and_console);
	tcase_add_test(tc, exec_tty);
	tcase_add_test(tc, tty_output_complete);
	tcase_add_test(tc, kill9_of_persona_cleaned_up);
	tcase_add_test(tc, kill9_of_persona_rm_cleaned_up);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
