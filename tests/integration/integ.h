/* persona integration suites: what every suite file shares.
 *
 * Each test starts from an empty state root of the suite's own (see
 * test_private_root) and ends with assert_no_leftovers(); the fixture
 * removes what a failed test left, so that one failure does not spill
 * into the next test. */
#ifndef PERSONA_TESTS_INTEG_H
#define PERSONA_TESTS_INTEG_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/harness.h"


/* docker's default capability set, as /proc/PID/status shows it. */
#define DEFAULT_CAPEFF "00000000a80425fb"

/* How long one persona command may take before the test calls it hung. */
#define CMD_TIMEOUT 30

/* The busybox image's one unpacked layer (persona makes the image in the
 * store on first use): a root filesystem directory tests may copy. */
static inline const char *busybox_layer(void)
{
	static char path[4096];
	const char *store = getenv("PERSONA_STORE");
	char parent[4096], *slash;

	if (path[0])
		return path;
	struct cmd_result r = persona("run", "--rm", "busybox", "true", NULL);
	ck_assert_msg(r.status == 0, "persona run busybox: %s", r.err);
	cmd_result_free(&r);
	r = persona("image", "inspect", "busybox", NULL);
	ck_assert_msg(r.status == 0, "persona image inspect busybox: %s", r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	const char *diff = json_string_value(
		json_array_get(json_object_get(json_object_get(json_array_get(j, 0), "RootFS"), "Layers"), 0));
	ck_assert_msg(diff && strlen(diff) == 71, "no layer in: %s", r.out);
	snprintf(parent, sizeof(parent), "%s", store && *store ? store : "/var/lib/persona/store");
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/layers/%s", parent, diff + 7);
	json_decref(j);
	cmd_result_free(&r);
	return path;
}

static void integ_setup(void)
{
	persona_remove_all();
	leftovers_baseline();
}

static void integ_teardown(void)
{
	persona_remove_all();
}

/* A test case with the shared fixture and a generous time limit. */
static inline TCase *integ_tcase(const char *name, int timeout_s)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
	/* a failed test skips its checked teardown: clean up after the last one too */
	tcase_add_unchecked_fixture(tc, NULL, integ_teardown);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

#define SHOW_FMT "exit %d\n--- stdout:\n%s\n--- stderr:\n%s"
#define SHOW_ARGS(r) (r).status, (r).out, (r).err

/* The exit status is `want`; on failure the output is shown. */
#define ck_assert_status(r, want)                                                               \
	ck_assert_msg((r).status == (want), "want exit %d, got " SHOW_FMT, (want), (r).status, (r).out, \
		      (r).err)

#define ck_assert_out_has(r, needle) \
	ck_assert_msg(contains((r).out, (needle)), "stdout lacks \"%s\"; " SHOW_FMT, (needle), \
		      (r).status, (r).out, (r).err)

#define ck_assert_err_has(r, needle) \
	ck_assert_msg(contains((r).err, (needle)), "stderr lacks \"%s\"; " SHOW_FMT, (needle), \
		      (r).status, (r).out, (r).err)

/* persona ARGS... with a time limit; a hang fails the test. */
#define P(...)                                                                                  \
	({                                                                                      \
		bool to_ = false;                                                               \
		struct cmd_result r_ = persona_t(CMD_TIMEOUT, NULL, &to_, __VA_ARGS__, NULL);   \
		ck_assert_msg(!to_, "persona did not finish within %d s (hung?): " SHOW_FMT, CMD_TIMEOUT, \
			      r_.status, r_.out, r_.err);                                       \
		r_;                                                                             \
	})

/* The same with `input` on standard input. */
#define P_IN(input, ...)                                                                        \
	({                                                                                      \
		bool to_ = false;                                                               \
		struct cmd_result r_ = persona_t(CMD_TIMEOUT, (input), &to_, __VA_ARGS__, NULL); \
		ck_assert_msg(!to_, "persona did not finish within %d s (hung?): " SHOW_FMT, CMD_TIMEOUT, \
			      r_.status, r_.out, r_.err);                                       \
		r_;                                                                             \
	})

/* Run a host command (argv list) with a time limit. */
#define HOST(...)                                                                               \
	({                                                                                      \
		const char *const argv_[] = { __VA_ARGS__, NULL };                              \
		run_cmd(argv_, NULL, 120);                                                      \
	})

static inline size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* A failed command gives exactly one message, on stderr, and nothing on stdout. */
#define ck_assert_one_message(r)                                                            \
	do {                                                                                \
		ck_assert_msg(count_lines((r).err) == 1 && (r).err[strlen((r).err) - 1] == '\n', \
			      "want one line on stderr; " SHOW_FMT, (r).status, (r).out, (r).err); \
		ck_assert_msg((r).out[0] == '\0', "want nothing on stdout; " SHOW_FMT, (r).status, \
			      (r).out, (r).err);                                            \
	} while (0)

/* Strip one trailing newline in place; returns s. */
static inline char *chomp(char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
	return s;
}

static inline bool is_hex_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Start a detached container; returns its ID (malloc'd).  Fails the test
 * unless persona prints exactly one 64-hex-digit ID. */
#define RUN_D(...)                                                                              \
	({                                                                                      \
		struct cmd_result d_ = P("run", "-d", __VA_ARGS__);                             \
		ck_assert_status(d_, 0);                                                        \
		chomp(d_.out);                                                                  \
		ck_assert_msg(is_hex_id(d_.out), "run -d printed \"%s\", not a 64-hex ID", d_.out); \
		free(d_.err);                                                                   \
		d_.out;                                                                         \
	})

/* Is the host process `pid` alive (and not a zombie)? */
static inline bool pid_alive(pid_t pid)
{
	char path[64], *st, *p;
	bool alive;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	st = read_file_str(path);
	if (!st)
		return false;
	p = strrchr(st, ')');
	alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(st);
	return alive;
}

static inline bool path_exists(const char *p)
{
	struct stat sb;
	return lstat(p, &sb) == 0;
}

/* ---- persona inspect / ps, as JSON ---- */

/* `persona inspect REF`: the one object of its array (a new reference). */
static inline json_t *inspect_one(const char *ref)
{
	struct cmd_result r = P("inspect", ref);
	json_error_t je;
	json_t *arr, *o;

	ck_assert_status(r, 0);
	arr = json_loads(r.out, 0, &je);
	ck_assert_msg(arr != NULL, "inspect %s: not JSON (line %d: %s):\n%s", ref, je.line, je.text, r.out);
	ck_assert_msg(json_is_array(arr) && json_array_size(arr) == 1, "inspect %s: not a 1-element array:\n%s",
		      ref, r.out);
	o = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	cmd_result_free(&r);
	return o;
}

/* A string member of `o` by a path of keys, or NULL. */
static inline const char *jget_str(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);
	if (k2)
		v = json_object_get(v, k2);
	return json_string_value(v);
}

/* The container's cgroup directory in hierarchy `ctrl` (malloc'd), or NULL. */
static inline char *cgroup_dir(const char *ref, const char *ctrl)
{
	json_t *o = inspect_one(ref);
	const char *p = jget_str(o, "CgroupPaths", ctrl);
	char *r = p ? strdup(p) : NULL;
	json_decref(o);
	return r;
}

/* Wait until the container is no longer running; false after timeout_s. */
static inline bool wait_not_running(const char *ref, int timeout_s)
{
	for (int i = 0; i < timeout_s * 10; i++) {
		json_t *o = inspect_one(ref);
		bool running = json_is_true(json_object_get(json_object_get(o, "State"), "Running"));
		json_decref(o);
		if (!running)
			return true;
		usleep(100000);
	}
	return false;
}

/* Wait until persona reports the container running; false after timeout_s. */
static inline bool wait_running(const char *ref, int timeout_s)
{
	for (int i = 0; i < timeout_s * 20; i++) {
		struct cmd_result r = P("inspect", ref);
		json_t *arr = r.status == 0 ? json_loads(r.out, 0, NULL) : NULL;
		json_t *st = json_object_get(json_array_get(arr, 0), "State");
		bool running = json_is_true(json_object_get(st, "Running"));
		json_decref(arr);
		cmd_result_free(&r);
		if (running)
			return true;
		usleep(50000);
	}
	return false;
}

/* Poll `persona logs REF` until it holds `needle`. */
static inline bool wait_log(const char *ref, const char *needle, int timeout_s)
{
	for (int i = 0; i < timeout_s * 10; i++) {
		struct cmd_result r = P("logs", ref);
		bool hit = contains(r.out, needle);
		cmd_result_free(&r);
		if (hit)
			return true;
		usleep(100000);
	}
	return false;
}

/* The host PID of a running container's first process (0 if none). */
static inline pid_t container_pid(const char *ref)
{
	json_t *o = inspect_one(ref);
	pid_t pid = (pid_t)json_integer_value(json_object_get(json_object_get(o, "State"), "Pid"));
	json_decref(o);
	return pid;
}

/* Read a small cgroup file as a number (-1 if unreadable). */
static inline long long read_ll(const char *dir, const char *file)
{
	char path[4096], *s;
	long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	s = read_file_str(path);
	if (!s)
		return -1;
	v = strtoll(s, NULL, 10);
	free(s);
	return v;
}

#endif
