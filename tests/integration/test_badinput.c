/* Integration: bad input gets one clear message naming the input, exit
 * 125 (127 for a command that is not there), and leaves nothing behind:
 * no state directory, mount, cgroup or process. */
#include "tests/integration/integ.h"

#define MAXARGS 12

struct bad_case {
	const char *what;
	const char *args[MAXARGS]; /* after "run --rm"; "@DIR" is a temporary directory */
	int status;
	const char *needle[3]; /* each must be in the message; "@DIR" as above */
};

static const struct bad_case cases[] = {
	{ "missing rootfs dir", { "/nonexistent/rootfs-dir", "true" }, 125, { "/nonexistent/rootfs-dir" } },
	/* a file is taken for a program run on the host, to which --rm and -d
	 * (container options) do not apply */
	{ "rootfs is a file", { "@DIR/file", "true" }, 125, { "@DIR/file" } },
	{ "rootfs without the command", { "@DIR", "true" }, 127, { "\"true\"" } },
	{ "rootfs dir and no command", { "@DIR" }, 125, { "@DIR" } },
	{ "rootfs without the command, by path", { "@DIR", "/bin/sh" }, 127, { "/bin/sh" } },
	{ "unknown image", { "no-such-image", "true" }, 125, { "no-such-image" } },
	{ "--memory abc", { "--memory", "abc", "busybox", "true" }, 125, { "--memory", "abc" } },
	{ "--memory -5", { "--memory", "-5", "busybox", "true" }, 125, { "--memory", "-5" } },
	{ "--memory 12q", { "--memory", "12q", "busybox", "true" }, 125, { "--memory", "12q" } },
	{ "--memory-swap below --memory", { "--memory", "64m", "--memory-swap", "10m", "busybox", "true" }, 125,
	  { "--memory-swap", "10m" } },
	{ "--cap-add CAP_FOO", { "--cap-add", "CAP_FOO", "busybox", "true" }, 125, { "CAP_FOO" } },
	{ "--cap-drop NOPE", { "--cap-drop", "NOPE", "busybox", "true" }, 125, { "NOPE" } },
	{ "malformed seccomp JSON", { "--security-opt", "seccomp=@DIR/broken.json", "busybox", "true" }, 125,
	  { "@DIR/broken.json" } },
	{ "seccomp JSON with an unknown action", { "--security-opt", "seccomp=@DIR/badaction.json", "busybox", "true" },
	  125, { "@DIR/badaction.json", "SCMP_ACT_BOGUS" } },
	{ "seccomp profile missing", { "--security-opt", "seccomp=@DIR/none.json", "busybox", "true" }, 125,
	  { "@DIR/none.json" } },
	{ "--security-opt unknown", { "--security-opt", "label=bogus", "busybox", "true" }, 125, { "label=bogus" } },
	{ "volume source missing", { "-v", "/nonexistent/volume-src:/data", "busybox", "true" }, 125,
	  { "/nonexistent/volume-src" } },
	{ "volume without container path", { "-v", "@DIR", "busybox", "true" }, 125, { "@DIR" } },
	{ "volume relative host path", { "-v", "relative:/data", "busybox", "true" }, 125, { "relative" } },
	{ "volume unknown option", { "-v", "@DIR:/data:bogus", "busybox", "true" }, 125, { "bogus" } },
	{ "--cpus 99", { "--cpus", "99", "busybox", "true" }, 125, { "--cpus", "99" } },
	{ "--cpus abc", { "--cpus", "abc", "busybox", "true" }, 125, { "--cpus", "abc" } },
	{ "--cpus 0", { "--cpus", "0", "busybox", "true" }, 125, { "--cpus" } },
	{ "--cpuset-cpus 99", { "--cpuset-cpus", "99", "busybox", "true" }, 125, { "--cpuset-cpus", "99" } },
	{ "--cpuset-cpus garbage", { "--cpuset-cpus", "0-x", "busybox", "true" }, 125, { "--cpuset-cpus", "0-x" } },
	{ "--cpu-shares abc", { "--cpu-shares", "abc", "busybox", "true" }, 125, { "--cpu-shares", "abc" } },
	{ "--pids-limit abc", { "--pids-limit", "abc", "busybox", "true" }, 125, { "--pids-limit", "abc" } },
	{ "--ulimit unknown", { "--ulimit", "foo=1", "busybox", "true" }, 125, { "foo" } },
	{ "--trap unknown", { "--trap", "bogus", "busybox", "true" }, 125, { "bogus" } },
	{ "--label without a key", { "--label", "=x", "busybox", "true" }, 125, { "--label" } },
	{ "--ulimit not a number", { "--ulimit", "nofile=abc", "busybox", "true" }, 125, { "nofile=abc" } },
	{ "--ulimit soft above hard", { "--ulimit", "nofile=200:100", "busybox", "true" }, 125, { "nofile" } },
	{ "--user nosuchuser", { "--user", "nosuchuser", "busybox", "true" }, 125, { "nosuchuser" } },
	{ "--user nosuchgroup", { "--user", "0:nosuchgroup", "busybox", "true" }, 125, { "nosuchgroup" } },
	{ "--network bridge", { "--network", "bridge", "busybox", "true" }, 125, { "bridge" } },
	{ "--tmpfs relative", { "--tmpfs", "scratch", "busybox", "true" }, 125, { "scratch" } },
	{ "--env-file missing", { "--env-file", "/nonexistent/env.list", "busybox", "true" }, 125,
	  { "/nonexistent/env.list" } },
	{ "--env empty name", { "-e", "=value", "busybox", "true" }, 125, { "=value" } },
	{ "-w relative", { "-w", "relative/dir", "busybox", "true" }, 125, { "relative/dir" } },
	{ "--name invalid", { "--name", "bad name!", "busybox", "true" }, 125, { "bad name!" } },
	{ "unknown option", { "--bogus-option", "busybox", "true" }, 125, { "bogus-option" } },
	{ "no image", { "--memory", "64m" }, 125, { "IMAGE" } },
};

static char *tmpdir;

static void make_fixtures(void)
{
	char path[4200];
	tmpdir = make_temp_dir("bad");
	ck_assert(tmpdir != NULL);
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	write_file_str(path, "not a directory\n");
	snprintf(path, sizeof(path), "%s/broken.json", tmpdir);
	write_file_str(path, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [ {\"names\": [\"read\"] ,\n");
	snprintf(path, sizeof(path), "%s/badaction.json", tmpdir);
	write_file_str(path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
			     "\"action\": \"SCMP_ACT_BOGUS\"}]}\n");
}

/* "@DIR" replaced by the fixture directory (malloc'd). */
static char *subst(const char *s)
{
	const char *at = strstr(s, "@DIR");
	char *out = NULL;
	if (!at)
		return strdup(s);
	if (asprintf(&out, "%.*s%s%s", (int)(at - s), s, tmpdir, at + 4) < 0)
		return NULL;
	return out;
}

START_TEST(bad_run_input)
{
	const struct bad_case *c = &cases[_i];
	char *args[MAXARGS + 1] = { 0 };
	int n = 0;

	make_fixtures();
	for (; n < MAXARGS && c->args[n]; n++)
		args[n] = subst(c->args[n]);
	struct cmd_result r = persona_t(CMD_TIMEOUT, NULL, NULL, "run", "--rm", args[0], args[1], args[2], args[3],
					args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], NULL);
	ck_assert_msg(r.status == c->status, "%s: want exit %d, got " SHOW_FMT, c->what, c->status, SHOW_ARGS(r));
	for (int k = 0; k < 3 && c->needle[k]; k++) {
		char *needle = subst(c->needle[k]);
		ck_assert_msg(contains(r.err, needle), "%s: the message does not name \"%s\": %s", c->what, needle,
			      r.err);
		free(needle);
	}
	/* one message; a usage error may add docker's "See 'persona run --help'." */
	size_t lines = count_lines(r.err) - (contains(r.err, "\nSee 'persona run --help'.\n") ? 1 : 0);
	ck_assert_msg(lines == 1, "%s: want one message, got:\n%s", c->what, r.err);
	ck_assert_msg(r.out[0] == '\0', "%s: output on stdout: %s", c->what, r.out);
	cmd_result_free(&r);
	for (int k = 0; k < n; k++)
		free(args[k]);
	/* nothing behind: no state, mount, cgroup, process */
	assert_no_leftovers();
	/* and -d reports the same */
	if (c->status == 125 && strcmp(c->what, "no image") && strcmp(c->what, "unknown option")) {
		for (n = 0; n < MAXARGS && c->args[n]; n++)
			args[n] = subst(c->args[n]);
		r = persona_t(CMD_TIMEOUT, NULL, NULL, "run", "-d", args[0], args[1], args[2], args[3], args[4],
			      args[5], args[6], args[7], args[8], args[9], args[10], args[11], NULL);
		ck_assert_msg(r.status == 125, "%s (-d): want exit 125, got " SHOW_FMT, c->what, SHOW_ARGS(r));
		ck_assert_msg(r.out[0] == '\0', "%s (-d): an ID was printed: %s", c->what, r.out);
		cmd_result_free(&r);
		for (int k = 0; k < n; k++)
			free(args[k]);
		assert_no_leftovers();
	}
	rm_rf(tmpdir);
	free(tmpdir);
}
END_TEST

/* A name in use: the second run fails and leaves the first alone. */
START_TEST(name_already_in_use)
{
	char *id = RUN_D("--name", "taken", "busybox", "sleep", "100");
	struct cmd_result r = P("run", "--rm", "--name", "taken", "busybox", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "taken");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("ps", "-a", "--format", "json");
	json_t *arr = json_loads(r.out, 0, NULL);
	ck_assert_msg(json_array_size(arr) == 1, "the failed run left a container:\n%s", r.out);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "Id")), id);
	json_decref(arr);
	cmd_result_free(&r);
	r = P("rm", "-f", "taken");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* An ID prefix that matches two containers. */
START_TEST(prefix_matches_two)
{
	char *ids[17];
	int n = 0;
	char digit = 0;
	for (; n < 17 && !digit; n++) {
		ids[n] = RUN_D("busybox", "true");
		for (int k = 0; k < n; k++)
			if (ids[k][0] == ids[n][0])
				digit = ids[n][0];
	}
	ck_assert(digit != 0);
	char prefix[2] = { digit, 0 };
	struct cmd_result r = P("rm", "-f", prefix);
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "\"");
	ck_assert_err_has(r, prefix);
	ck_assert_one_message(r);
	cmd_result_free(&r);
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

/* The other commands: an unknown container, bad options. */
START_TEST(bad_command_input)
{
	static const struct {
		const char *args[6];
		const char *needle;
	} bad[] = {
		{ { "rm", "no-such-ctr" }, "no-such-ctr" },
		{ { "stop", "no-such-ctr" }, "no-such-ctr" },
		{ { "kill", "no-such-ctr" }, "no-such-ctr" },
		{ { "logs", "no-such-ctr" }, "no-such-ctr" },
		{ { "inspect", "no-such-ctr" }, "no-such-ctr" },
		{ { "exec", "no-such-ctr", "true" }, "no-such-ctr" },
		{ { "kill", "-s", "NOSUCHSIG", "no-such-ctr" }, "NOSUCHSIG" },
		{ { "stop", "-t", "abc", "no-such-ctr" }, "-t" },
		{ { "ps", "--format", "yaml" }, "yaml" },
		{ { "no-such-command" }, "no-such-command" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cmd_result r = persona_t(CMD_TIMEOUT, NULL, NULL, bad[i].args[0], bad[i].args[1], bad[i].args[2],
						bad[i].args[3], bad[i].args[4], NULL);
		ck_assert_msg(r.status == 125, "persona %s %s: want 125, got " SHOW_FMT, bad[i].args[0],
			      bad[i].args[1] ? bad[i].args[1] : "", SHOW_ARGS(r));
		ck_assert_msg(contains(r.err, bad[i].needle), "persona %s: the message does not name \"%s\": %s",
			      bad[i].args[0], bad[i].needle, r.err);
		cmd_result_free(&r);
	}
	assert_no_leftovers();
}
END_TEST

/* A bad --root. */
START_TEST(bad_root)
{
	const char *const argv[] = { test_persona_bin(), "--root", "relative/root", "ps", NULL };
	struct cmd_result r = run_cmd(argv, NULL, CMD_TIMEOUT);
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "relative/root");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: bad input");
	TCase *tc;

	test_private_root("badinput");
	tc = integ_tcase("run", 120);
	tcase_add_loop_test(tc, bad_run_input, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, name_already_in_use);
	tcase_add_test(tc, prefix_matches_two);
	suite_add_tcase(s, tc);

	tc = integ_tcase("other commands", 120);
	tcase_add_test(tc, bad_command_input);
	tcase_add_test(tc, bad_root);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
