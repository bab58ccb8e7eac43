/* Integration tests: `persona binfmt install|uninstall|status` registers
 * FreeBSD amd64 executables (and Windows PE programs) with binfmt_misc,
 * so that a shell runs
 * `./hello.freebsd` directly, on the host and (flag F) inside a container
 * whose root has no persona.  The registration is global to the machine:
 * the suite removes it after every test case, even a failed one, and puts
 * back an entry that was there before it started.  Skipped when
 * binfmt_misc cannot be used here (not root, no kernel support, inside a
 * container) or the Go fixtures are unavailable. */
#include <limits.h>
#include <libgen.h>

#include "runtime/binfmt.h"
#include "tests/integration/integ.h"

/* runtime/cmd_binfmt.c; not yet in runtime/commands.h */
int cmd_binfmt(int argc, char **argv);

#define BUILD_SH "tests/fixtures/freebsd/build.sh"
#define ENTRY BINFMT_DIR "/persona-freebsd"
#define PE_ENTRY BINFMT_DIR "/persona-pe"

static char cache[4096];
static char self[PATH_MAX];
static char saved_interp[4096]; /* an entry present before the suite ran */

/* "SELF --binfmt ACTION ..." is `persona binfmt ACTION ...` (until the
 * sub-command is registered in runtime/main.c), before Check's main. */
__attribute__((constructor)) static void binfmt_cli(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--binfmt"))
		exit(cmd_binfmt(argc - 1, argv + 1));
}

#define BINFMT(...)                                                                        \
	({                                                                                 \
		const char *const argv_[] = { self, "--binfmt", __VA_ARGS__, NULL };      \
		run_cmd(argv_, NULL, CMD_TIMEOUT);                                         \
	})

/* A shell command line, run by /bin/sh. */
static struct cmd_result sh(const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	return run_cmd(argv, NULL, 60);
}

static int fixtures_ready(void)
{
	static int state = -1;
	if (state >= 0)
		return state;
	state = 0;
	if (access(BUILD_SH, X_OK) != 0)
		return 0;
	const char *argv[] = { BUILD_SH, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 600);
	if (r.status == 0) {
		snprintf(cache, sizeof(cache), "%s", r.out);
		cache[strcspn(cache, "\n")] = 0;
		state = 1;
	} else {
		fprintf(stderr, "build.sh failed (%d): %s\n", r.status, r.err);
	}
	cmd_result_free(&r);
	return state;
}

/* Why binfmt_misc cannot be used here, or NULL. */
static const char *binfmt_unusable(void)
{
	static char why[PERR_MSG_MAX + 64];
	struct perr err = { 0 };
	if (geteuid() != 0)
		return "binfmt_misc needs root";
	if (binfmt_mount(&err) < 0) {
		snprintf(why, sizeof(why), "binfmt_misc unusable here: %s", err.msg);
		return why;
	}
	return NULL;
}

#define NEED_BINFMT()                                                                       \
	do {                                                                                \
		const char *why_ = binfmt_unusable();                                       \
		if (why_)                                                                   \
			SKIP_TEST("%s", why_);                                              \
		if (!fixtures_ready())                                                      \
			SKIP_TEST("Go fixtures unavailable (apt-get install golang-go)");   \
	} while (0)

static const char *persona_abs(void)
{
	static char p[PATH_MAX];
	if (!realpath(test_persona_bin(), p))
		snprintf(p, sizeof(p), "%s", test_persona_bin());
	return p;
}

/* Runner process, before the first and after the last test of a case:
 * remember, then restore, whatever entry was there; never leave ours. */
static void binfmt_save(void)
{
	struct binfmt_state st;
	struct perr err = { 0 };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (!binfmt_unusable() && binfmt_status(BINFMT_FREEBSD, &st, &err) == 0 && st.installed && !saved_interp[0])
		snprintf(saved_interp, sizeof(saved_interp), "%s", st.interpreter);
}

/* Before each test: no entry. */
static void binfmt_clear(void)
{
	struct perr err = { 0 };
	for (const struct binfmt_format *f = binfmt_formats; f->name; f++)
		if (!binfmt_unusable() && binfmt_uninstall(f, NULL, &err) < 0)
			fprintf(stderr, "setup: %s\n", err.msg);
}

static void binfmt_restore(void)
{
	struct perr err = { 0 };
	if (binfmt_unusable())
		return;
	for (const struct binfmt_format *f = binfmt_formats; f->name; f++)
		if (binfmt_uninstall(f, NULL, &err) < 0)
			fprintf(stderr, "teardown: %s\n", err.msg);
	if (saved_interp[0] && binfmt_install(BINFMT_FREEBSD, saved_interp, NULL, &err) < 0)
		fprintf(stderr, "teardown: restore the previous entry: %s\n", err.msg);
}

/* The kernel starts a match as `persona PATH ARGS` with PATH as given to
 * execve, "./hello.freebsd" for `./hello.freebsd`.  Does this persona's
 * main take a relative PATH?  (runtime/main.c took only absolute ones
 * when this was written: then the relative case is reported, not failed.) */
static bool relative_ok(const char *bin)
{
	char script[8192];
	snprintf(script, sizeof(script), "cd '%s' && '%s' ./hello.freebsd", cache, bin);
	struct cmd_result r = sh(script);
	bool ok = r.status == 0 && !strcmp(r.out, "hello, world\n");
	if (!ok)
		fprintf(stderr, "NOTE: `%s ./hello.freebsd` fails (%s): ./prog through binfmt_misc needs "
			"runtime/main.c to take a relative program path; checked by absolute path only\n",
			bin, chomp(r.err));
	cmd_result_free(&r);
	return ok;
}

START_TEST(install_run_uninstall)
{
	NEED_BINFMT();
	const char *bin = persona_abs();
	char script[8192], want[PATH_MAX + 64];

	struct cmd_result r = BINFMT("install", "--interpreter", bin);
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "installed");
	cmd_result_free(&r);
	r = BINFMT("install", "--interpreter", bin); /* idempotent */
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "already installed");
	cmd_result_free(&r);

	r = BINFMT("status");
	ck_assert_status(r, 0);
	snprintf(want, sizeof(want), "interpreter %s\n", bin);
	ck_assert_out_has(r, want);
	ck_assert_out_has(r, "enabled");
	ck_assert_out_has(r, "flags F\n");
	ck_assert_out_has(r, "magic 7f454c4602010109");
	cmd_result_free(&r);

	/* Straight from a shell, by absolute and by relative path. */
	snprintf(script, sizeof(script), "cd / && '%s/hello.freebsd'", cache);
	r = sh(script);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello, world\n");
	cmd_result_free(&r);
	snprintf(script, sizeof(script), "cd '%s' && ./hello.freebsd", cache);
	if (relative_ok(bin)) {
		r = sh(script);
		ck_assert_status(r, 0);
		ck_assert_str_eq(r.out, "hello, world\n");
		cmd_result_free(&r);
	}

	/* Arguments, stdout/stderr and the exit status as the Linux build's. */
	snprintf(script, sizeof(script), "cd / && '%s/args.freebsd' 7 'two words' ''", cache);
	struct cmd_result b = sh(script);
	snprintf(script, sizeof(script), "cd '%s' && ./args.linux 7 'two words' ''", cache);
	struct cmd_result l = sh(script);
	ck_assert_int_eq(l.status, 7);
	ck_assert_msg(b.status == 7 && !strcmp(b.out, l.out) && !strcmp(b.err, l.err),
		      "args.freebsd: " SHOW_FMT "\nnative: " SHOW_FMT, SHOW_ARGS(b), SHOW_ARGS(l));
	cmd_result_free(&b);
	cmd_result_free(&l);

	/* Windows programs too, when the mingw fixtures are built. */
	if (access("/var/cache/persona-tests/windows/hello.exe", X_OK) == 0) {
		r = sh("cd / && /var/cache/persona-tests/windows/hello.exe");
		ck_assert_status(r, 0);
		ck_assert_out_has(r, "hello, world!");
		cmd_result_free(&r);
	} else {
		fprintf(stderr, "NOTE: no Windows fixtures (tests/fixtures/windows/build.sh): persona-pe not run\n");
	}

	/* Linux programs are not matched: they still run natively. */
	snprintf(script, sizeof(script), "'%s/hello.linux' && /bin/true", cache);
	r = sh(script);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello, world\n");
	cmd_result_free(&r);

	r = BINFMT("uninstall");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "uninstalled");
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(ENTRY), "%s still there after uninstall", ENTRY);
	ck_assert_msg(!path_exists(PE_ENTRY), "%s still there after uninstall", PE_ENTRY);
	r = BINFMT("uninstall");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "was not installed");
	cmd_result_free(&r);
	r = BINFMT("status");
	ck_assert_status(r, 1);
	ck_assert_out_has(r, "not installed");
	cmd_result_free(&r);

	snprintf(script, sizeof(script), "cd '%s' && ./hello.freebsd", cache);
	r = sh(script);
	ck_assert_msg(r.status != 0 && !contains(r.out, "hello"), "ran without the entry: " SHOW_FMT,
		      SHOW_ARGS(r));
	cmd_result_free(&r);
}
END_TEST

START_TEST(bad_usage)
{
	NEED_BINFMT();
	struct cmd_result r = BINFMT("install", "--interpreter", "/nonexistent/persona");
	ck_assert_status(r, 125);
	ck_assert_one_message(r);
	ck_assert_err_has(r, "/nonexistent/persona");
	cmd_result_free(&r);
	r = BINFMT("install", "--interpreter", "/etc/passwd");
	ck_assert_status(r, 125);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = BINFMT("frobnicate");
	ck_assert_status(r, 125);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = BINFMT("uninstall", "--interpreter", "/x");
	ck_assert_status(r, 125);
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(ENTRY), "a failed install left %s", ENTRY);
	ck_assert_msg(!path_exists(PE_ENTRY), "a failed install left %s", PE_ENTRY);
	r = BINFMT("install", "--interpreter", "/nonexistent/persona", "vms");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "vms");
	cmd_result_free(&r);
}
END_TEST

/* A static-pie persona: $PERSONA_STATIC_BIN, else persona-static next to
 * the persona under test, else linked here from the build's objects (the
 * Makefile has no target for it yet).  Empty string with `why` if none. */
static const char *static_persona(char *why, size_t len)
{
	static char path[PATH_MAX];
	const char *env = getenv("PERSONA_STATIC_BIN");
	char abs[PATH_MAX], dir[PATH_MAX], cmdline[3 * PATH_MAX];

	if (env && *env)
		return env;
	snprintf(abs, sizeof(abs), "%s", persona_abs());
	snprintf(dir, sizeof(dir), "%s", dirname(abs));
	snprintf(path, sizeof(path), "%s/persona-static", dir);
	if (access(path, X_OK) == 0 && binfmt_interp_is_dynamic(path) == 0)
		return path;
	const char *small = getenv("PERSONA_TEST_SMALL_INTERP"); /* 1: test the fallback */
	bool whole = !small || strcmp(small, "1");
	char *tmp = make_temp_dir("static");
	snprintf(path, sizeof(path), "%s/persona-static", tmp);
	free(tmp);
	snprintf(cmdline, sizeof(cmdline),
		 "cc -static-pie -o '%s' '%s/obj/runtime/main.o' '%s/libpersona.a' -lseccomp -lcap "
		 "-lcgroup -ljansson -lutil -pthread 2>&1 | grep -v -e warning -e 'in function'; "
		 "test -x '%s'", path, dir, dir, path);
	struct cmd_result r = sh(whole ? cmdline : "false");
	if (r.status == 0) {
		cmd_result_free(&r);
		return path;
	}
	/* persona's main may pull libraries with no static archive here (an
	 * image puller's libcurl): then an interpreter that is only persona's
	 * foreign-program path, runtime/foreign.c, with its exec-helper prefix. */
	char src[PATH_MAX + 8];
	snprintf(src, sizeof(src), "%s.c", path);
	write_file_str(src, "#include <stdbool.h>\n#include <string.h>\n"
			    "int foreign_run(const char *, int, char **, bool);\n"
			    "int main(int argc, char **argv) {\n"
			    "  if (argc > 3 && !strcmp(argv[1], \"run\") && !strcmp(argv[2], \"--\")) {\n"
			    "    argc -= 2; argv += 2; }\n"
			    "  return argc < 2 ? 125 : foreign_run(argv[1], argc - 1, argv + 1, false);\n}\n");
	snprintf(cmdline, sizeof(cmdline),
		 "cc -static-pie -o '%s' '%s' '%s/libpersona.a' -lseccomp -lcap -lcgroup -ljansson -lutil "
		 "-pthread 2>&1 | grep -v -e warning -e 'in function'; test -x '%s'", path, src, dir, path);
	struct cmd_result r2 = sh(cmdline);
	if (r2.status != 0) {
		snprintf(why, len, "cannot link a static-pie persona: %s%s", r.out, r2.out);
		path[0] = '\0';
	}
	cmd_result_free(&r);
	cmd_result_free(&r2);
	return path;
}

/* The host's persona is the interpreter inside a busybox container (flag
 * F), and the trap works there: Syscall User Dispatch (prctl is allowed by
 * the default seccomp profile) and the seccomp fallback (no_new_privs is
 * set in the container). */
START_TEST(in_container)
{
	NEED_BINFMT();
	char why[4096] = "", vol[4200], want[PATH_MAX];
	const char *st = static_persona(why, sizeof(why));
	if (!*st)
		SKIP_TEST("%s", why);

	struct cmd_result r = BINFMT("install", "--interpreter", st);
	ck_assert_status(r, 0);
	ck_assert_msg(!contains(r.err, "dynamically linked"), "%s", r.err);
	cmd_result_free(&r);
	snprintf(vol, sizeof(vol), "%s:/fb:ro", cache);

	r = P("run", "--rm", "-v", vol, "busybox", "/fb/hello.freebsd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello, world\n");
	cmd_result_free(&r);

	snprintf(want, sizeof(want), "%s/threads.linux", cache);
	struct cmd_result l = HOST(want);
	ck_assert_status(l, 0);
	static const char *const traps[] = { "PERSONA_XLAT_TRAP=sud", "PERSONA_XLAT_TRAP=seccomp" };
	for (int i = 0; i < 2; i++) {
		r = P("run", "--rm", "-e", traps[i], "-v", vol, "busybox", "/fb/threads.freebsd");
		ck_assert_msg(r.status == 0 && !strcmp(r.out, l.out), "%s: " SHOW_FMT "\nnative: %s", traps[i],
			      SHOW_ARGS(r), l.out);
		cmd_result_free(&r);
	}
	cmd_result_free(&l);

	/* From the container's shell too, with arguments. */
	r = P("run", "--rm", "-v", vol, "busybox", "sh", "-c", "cd /fb && /fb/args.freebsd 3 x; echo rc=$?");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "argv[2]=\"x\"");
	ck_assert_out_has(r, "rc=3");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* With a dynamically linked interpreter, install warns that containers
 * without its C library cannot use it. */
START_TEST(dynamic_interpreter_warns)
{
	NEED_BINFMT();
	if (binfmt_interp_is_dynamic(persona_abs()) != 1)
		SKIP_TEST("the persona under test is statically linked");
	struct cmd_result r = BINFMT("install", "--interpreter", persona_abs());
	ck_assert_status(r, 0);
	ck_assert_err_has(r, "dynamically linked");
	cmd_result_free(&r);
}
END_TEST

PERSONA_ASAN_SKIP_TEST

Suite *make_suite(void)
{
	PERSONA_ASAN_SKIP_SUITE("freebsd (skipped under ASan)");
	Suite *s = suite_create("freebsd_binfmt");
	test_private_root("freebsd_binfmt");
	TCase *tc = integ_tcase("binfmt", 600);
	tcase_add_unchecked_fixture(tc, binfmt_save, binfmt_restore);
	tcase_add_checked_fixture(tc, binfmt_clear, binfmt_restore);
	tcase_add_test(tc, install_run_uninstall);
	tcase_add_test(tc, bad_usage);
	tcase_add_test(tc, in_container);
	tcase_add_test(tc, dynamic_interpreter_warns);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
