/* Integration: FreeBSD and Windows programs inside containers, without
 * binfmt_misc.  `persona run IMAGE /path/prog` and `persona run IMAGE
 * 'C:\app\prog.exe'`: the container's process finds the program, sees it
 * is foreign, and runs it through persona (the host's static binary, as
 * /proc/self/exe), isolated like any container.  Fixtures: the Go-built
 * FreeBSD programs and the mingw-built Windows programs of the other
 * suites, put into a one-layer image with `persona import`; their output
 * is compared with the same sources' native Linux builds. */
#include "tests/integration/integ.h"

static char freebsd[4096], windows[4096], *tmp, store[4096];

static void fixtures(void)
{
	const char *const fb[] = { "tests/fixtures/freebsd/build.sh", NULL };
	struct cmd_result r = run_cmd(fb, NULL, 600);
	if (r.status == 0)
		snprintf(freebsd, sizeof(freebsd), "%s", chomp(r.out));
	else
		fprintf(stderr, "freebsd fixtures: exit %d: %s\n", r.status, r.err);
	cmd_result_free(&r);
	snprintf(windows, sizeof(windows), "/var/cache/persona-tests/windows");
	const char *const wb[] = { "tests/fixtures/windows/build.sh", windows, NULL };
	r = run_cmd(wb, NULL, 300);
	if (r.status != 0) {
		fprintf(stderr, "windows fixtures: exit %d: %s\n", r.status, r.err);
		windows[0] = '\0';
	}
	cmd_result_free(&r);
}

/* An image "foreign:v1": busybox, FreeBSD programs in /bin, Windows ones in /app. */
static void setup(void)
{
	char cmd[16384];

	integ_setup();
	tmp = make_temp_dir("foreign");
	snprintf(store, sizeof(store), "%s/img/store", tmp);
	setenv("PERSONA_STORE", store, 1);
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p root/bin root/app root/tmp; cp /bin/busybox root/bin/; "
		 "for a in sh echo cat true; do ln -s busybox root/bin/$a; done; "
		 "for p in hello args exec; do cp %s/$p.freebsd root/bin/; done; "
		 "for p in hello args; do cp %s/$p.exe root/app/; done; "
		 "tar -C root -cf root.tar .",
		 tmp, freebsd, windows);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/root.tar", tmp);
	struct cmd_result r = P("import", cmd, "foreign:v1");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
}

static void teardown(void)
{
	integ_teardown();
	unsetenv("PERSONA_STORE");
	rm_rf(tmp);
	free(tmp);
}

/* The native Linux build's exit status with `args`. */
static int native_status(const char *path, const char *const *args)
{
	const char *argv[16] = { path };
	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	struct cmd_result r = run_cmd(argv, NULL, 30);
	int status = r.status;
	cmd_result_free(&r);
	return status;
}

#define NEED(dir, what)                                                                              \
	do {                                                                                         \
		if (test_persona_is_dynamic())                                                       \
			SKIP_TEST("this persona binary is dynamically linked (SAN=1): a container has " \
				  "not its libraries, so it cannot run persona inside");              \
		if (!(dir)[0])                                                                       \
			SKIP_TEST("the %s fixtures cannot be built here", what);                    \
	} while (0)

START_TEST(freebsd_programs_in_a_container)
{
	char linux_args[8192];

	NEED(freebsd, "FreeBSD");
	struct cmd_result r = P("run", "--rm", "foreign:v1", "/bin/hello.freebsd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello, world\n");
	cmd_result_free(&r);
	/* arguments, environment and the exit status, as the Linux build gives them */
	snprintf(linux_args, sizeof(linux_args), "%s/args.linux", freebsd);
	const char *args[] = { "7", "two words", NULL };
	int want = native_status(linux_args, args);
	r = P("run", "--rm", "-e", "PERSONA_TEST=from -e", "foreign:v1", "args.freebsd", "7", "two words");
	ck_assert_status(r, want);
	ck_assert_msg(r.out && strstr(r.out, "two words") && strstr(r.out, "from -e"), "output: " SHOW_FMT,
		      SHOW_ARGS(r));
	cmd_result_free(&r);
	/* a FreeBSD program that executes another one, and the image's sh */
	r = P("run", "--rm", "foreign:v1", "/bin/exec.freebsd");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "child exit code: 5");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(windows_programs_in_a_container)
{
	NEED(windows, "Windows");
	struct cmd_result r = P("run", "--rm", "foreign:v1", "C:\\app\\hello.exe");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "hello, world!");
	cmd_result_free(&r);
	r = P("run", "--rm", "foreign:v1", "C:/app/args.exe", "a", "b c");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "argv[2]=[b c]");
	cmd_result_free(&r);
	r = P("run", "--rm", "-w", "/app", "foreign:v1", "/app/args.exe");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	/* a missing program: docker's 127, naming it */
	r = P("run", "--rm", "foreign:v1", "C:\\app\\nothere.exe");
	ck_assert_status(r, 127);
	ck_assert_err_has(r, "nothere.exe");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: foreign programs in containers");
	TCase *tc;

	test_private_root("foreign");
	fixtures();
	tc = integ_tcase("foreign", 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, freebsd_programs_in_a_container);
	tcase_add_test(tc, windows_programs_in_a_container);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
