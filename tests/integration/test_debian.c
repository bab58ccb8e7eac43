/* Integration: real programs from a Debian bookworm minbase root filesystem
 * (made once by tests/fixtures/debian-rootfs.sh with debootstrap, cached). */
#include "tests/integration/integ.h"

static char rootfs[4096];

/* The fixture script: from the repository's top (where make runs the
 * suites), else next to the persona binary's build directory. */
static const char *fixture_script(void)
{
	static char path[4096];
	char bin[4096];

	if (access("tests/fixtures/debian-rootfs.sh", X_OK) == 0)
		return "tests/fixtures/debian-rootfs.sh";
	if (realpath(test_persona_bin(), bin)) {
		char *slash = strrchr(bin, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/../tests/fixtures/debian-rootfs.sh", bin);
	}
	return path;
}

/* The fixture's path; it builds the root filesystem the first time. */
static const char *debian(void)
{
	if (rootfs[0])
		return rootfs;
	const char *const argv[] = { fixture_script(), NULL };
	struct cmd_result r = run_cmd(argv, NULL, 600);
	ck_assert_msg(r.status == 0, "%s failed (exit %d): %s", argv[0], r.status, r.err);
	snprintf(rootfs, sizeof(rootfs), "%s", chomp(r.out));
	cmd_result_free(&r);
	ck_assert_msg(path_exists(rootfs), "the fixture printed \"%s\", which does not exist", rootfs);
	return rootfs;
}

/* Build (or find) the cache once, in the runner, before the tests fork. */
static void debian_fixture(void)
{
	const char *const argv[] = { fixture_script(), NULL };
	struct cmd_result r = run_cmd(argv, NULL, 600);
	if (r.status == 0)
		snprintf(rootfs, sizeof(rootfs), "%s", chomp(r.out));
	else
		fprintf(stderr, "%s: exit %d: %s\n", argv[0], r.status, r.err);
	cmd_result_free(&r);
}

START_TEST(bash_runs)
{
	struct cmd_result r = P("run", "--rm", debian(), "bash", "-c", "echo $BASH_VERSION; echo $0");
	ck_assert_status(r, 0);
	ck_assert_msg(!strncmp(r.out, "5.2.", 4), "not bookworm's bash 5.2: %s", r.out);
	ck_assert_out_has(r, "\nbash\n");
	cmd_result_free(&r);
	/* the exit status passes through bash */
	r = P("run", "--rm", debian(), "/bin/bash", "-c", "exit 42");
	ck_assert_status(r, 42);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(os_release)
{
	struct cmd_result r = P("run", "--rm", debian(), "cat", "/etc/os-release");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "VERSION_CODENAME=bookworm");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* procps' ps sees only the container. */
START_TEST(ps_aux)
{
	struct cmd_result r = P("run", "--rm", debian(), "ps", "aux");
	ck_assert_status(r, 0);
	ck_assert_msg(!strncmp(r.out, "USER ", 5), "no ps header: %s", r.out);
	ck_assert_out_has(r, "ps aux");
	ck_assert_msg(count_lines(r.out) == 2, "ps aux lists more than itself:\n%s", r.out);
	cmd_result_free(&r);
	r = P("run", "--rm", debian(), "bash", "-c", "sleep 30 & until ps -eo comm= | grep -qx sleep; do :; done; ps -eo pid=,comm=; kill %1");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "      1 bash\n");
	ck_assert_out_has(r, " sleep\n");
	ck_assert_out_has(r, " ps\n");
	ck_assert_msg(count_lines(r.out) == 3, "ps lists more than the container:\n%s", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(apt_get_version)
{
	struct cmd_result r = P("run", "--rm", debian(), "apt-get", "--version");
	ck_assert_status(r, 0);
	ck_assert_msg(!strncmp(r.out, "apt 2.6", 7), "not bookworm's apt 2.6: %s", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* Users and groups from the container's own /etc/passwd and /etc/group. */
START_TEST(user_nobody)
{
	struct cmd_result r = P("run", "--rm", "-u", "nobody", debian(), "id");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "-u", "www-data", debian(), "id", "-un");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "www-data\n");
	cmd_result_free(&r);
	/* another user of the image, by name */
	r = P("run", "--rm", "-u", "man", debian(), "id", "-u");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "6\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(isolation_in_debian)
{
	struct cmd_result r = P("run", "--rm", debian(), "bash", "-c",
				"grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status; "
				"cat /proc/1/cmdline | tr '\\0' ' '; echo; "
				"unshare -r true 2>&1; echo unshare=$?");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "CapEff:\t" DEFAULT_CAPEFF "\n");
	ck_assert_out_has(r, "Seccomp:\t2\n");
	ck_assert_out_has(r, "NoNewPrivs:\t1\n");
	ck_assert_out_has(r, "bash -c ");
	ck_assert_out_has(r, "Operation not permitted");
	ck_assert_msg(!contains(r.out, "unshare=0"), "unshare -r worked:\n%s", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The cached root filesystem is never written. */
START_TEST(debian_rootfs_unchanged)
{
	char marker[4200], aptget[4200];
	snprintf(marker, sizeof(marker), "%s/etc/persona-test-marker", debian());
	snprintf(aptget, sizeof(aptget), "%s/usr/bin/apt-get", debian());
	struct stat before, after;
	ck_assert(stat(aptget, &before) == 0);
	struct cmd_result r = P("run", "--rm", debian(), "bash", "-c",
				"echo x > /etc/persona-test-marker && rm /usr/bin/apt-get && "
				"echo y >> /etc/hostname && test ! -e /usr/bin/apt-get && echo changed");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "changed\n");
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(marker), "a file written in the container appeared in %s", debian());
	ck_assert_msg(stat(aptget, &after) == 0, "a file removed in the container is gone from %s", debian());
	ck_assert(before.st_mtime == after.st_mtime && before.st_size == after.st_size);
	assert_no_leftovers();
}
END_TEST

/* exec into a detached Debian container. */
START_TEST(exec_in_debian)
{
	char *id = RUN_D(debian(), "sleep", "100");
	struct cmd_result r = P("exec", id, "ps", "-eo", "pid=,comm=");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "      1 sleep\n");
	cmd_result_free(&r);
	r = P("exec", "-u", "nobody", id, "bash", "-c", "id -un; whoami");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "nobody\nnobody\n");
	cmd_result_free(&r);
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: debian");
	TCase *tc;

	test_private_root("debian");
	tc = integ_tcase("bookworm", 120);
	tcase_add_unchecked_fixture(tc, debian_fixture, NULL);
	tcase_add_test(tc, bash_runs);
	tcase_add_test(tc, os_release);
	tcase_add_test(tc, ps_aux);
	tcase_add_test(tc, apt_get_version);
	tcase_add_test(tc, user_nobody);
	tcase_add_test(tc, isolation_in_debian);
	tcase_add_test(tc, debian_rootfs_unchanged);
	tcase_add_test(tc, exec_in_debian);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
