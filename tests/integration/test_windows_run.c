/* persona integration suite: Windows programs built by Debian's mingw-w64
 * run through winapi-shim's win_run, and their output equals the same
 * source's native Linux build (differential tests).  The fixtures are
 * built by tests/fixtures/windows/build.sh into its cache directory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"
#include "winapi-shim/win.h"

#define RUN_TIMEOUT 20

static char fixtures[4096];
static bool have_fixtures;

static void build_fixtures(void)
{
	const char *dir = getenv("PERSONA_WIN_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", dir ? dir : "/var/cache/persona-tests/windows");
	const char *argv[] = { "tests/fixtures/windows/build.sh", fixtures, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 300);
	have_fixtures = r.status == 0;
	if (!have_fixtures)
		fprintf(stderr, "windows fixtures not built (exit %d): %s%s", r.status, r.out, r.err);
	cmd_result_free(&r);
}

/* Read both pipes to EOF (or the deadline) into r->out and r->err. */
static void drain(int ofd, int efd, struct cmd_result *r, time_t deadline)
{
	size_t ol = 0, el = 0;
	struct pollfd p[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	int open_fds = 2;

	while (open_fds > 0 && time(NULL) < deadline) {
		if (poll(p, 2, 1000) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t n = read(p[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
				continue;
			}
			char **dst = i == 0 ? &r->out : &r->err;
			size_t *len = i == 0 ? &ol : &el;
			*dst = realloc(*dst, *len + (size_t)n + 1);
			memcpy(*dst + *len, buf, (size_t)n);
			*len += (size_t)n;
			(*dst)[*len] = 0;
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
}

/* The folder the next run_win children start in (NULL: the test's). */
static const char *run_dir;

/* Run `exe` with win_run in a forked child, stdout and stderr captured,
 * stdin from `input` (a file) or /dev/null. */
static struct cmd_result run_win_in(const char *exe, char **argv, char **envp, const char *input)
{
	struct cmd_result r = { .status = -1, .out = calloc(1, 1), .err = calloc(1, 1) };
	int op[2], ep[2];
	int argc = 0;

	while (argv[argc])
		argc++;
	ck_assert(pipe(op) == 0 && pipe(ep) == 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		struct perr err = { 0 };
		int null = open(input ? input : "/dev/null", O_RDONLY);
		if (run_dir && chdir(run_dir) < 0)
			_exit(125);
		dup2(null, 0);
		dup2(op[1], 1);
		dup2(ep[1], 2);
		close(op[0]);
		close(ep[0]);
		win_run(exe, argc, argv, envp, &err);
		perr_print(&err);
		_exit(perr_exit_status(&err));
	}
	close(op[1]);
	close(ep[1]);
	time_t deadline = time(NULL) + RUN_TIMEOUT;
	drain(op[0], ep[0], &r, deadline);
	int st;
	pid_t w;
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && time(NULL) < deadline)
		usleep(2000);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		r.status = -1;
		return r;
	}
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

static struct cmd_result run_win(const char *exe, char **argv, char **envp)
{
	return run_win_in(exe, argv, envp, NULL);
}

static char *fixture(const char *name, const char *suffix)
{
	char *p;
	ck_assert(asprintf(&p, "%s/%s%s", fixtures, name, suffix) > 0);
	return p;
}

/* Run NAME.exe and NAME.native with the same arguments and environment;
 * their exit status, stdout and stderr must be equal. */
static void differential_as(const char *name, const char *native_name, const char *const *args, char **envp)
{
	char *exe = fixture(name, ".exe"), *native = fixture(native_name, ".native");
	const char *nargv[16] = { native };
	char *wargv[16] = { (char *)name };
	int n = 1;

	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable (apt-get install gcc-mingw-w64-x86-64)");
	for (; args && args[n - 1] && n < 15; n++) {
		nargv[n] = args[n - 1];
		wargv[n] = (char *)args[n - 1];
	}
	nargv[n] = NULL;
	wargv[n] = NULL;

	struct cmd_result want = run_cmd(nargv, NULL, RUN_TIMEOUT);
	struct cmd_result got = run_win(exe, wargv, envp);
	ck_assert_msg(got.status == want.status && !strcmp(got.out, want.out) && !strcmp(got.err, want.err),
		      "%s: persona gave exit %d\n--- stdout:\n%s\n--- stderr:\n%s\n"
		      "native gave exit %d\n--- stdout:\n%s\n--- stderr:\n%s",
		      name, got.status, got.out, got.err, want.status, want.out, want.err);
	cmd_result_free(&want);
	cmd_result_free(&got);
	free(exe);
	free(native);
}

static void differential(const char *name, const char *const *args, char **envp)
{
	differential_as(name, name, args, envp);
}

extern char **environ;

START_TEST(hello)
{
	differential("hello", NULL, environ);
}
END_TEST

START_TEST(hello_noansi)
{
	differential("hello_noansi", NULL, environ);
}
END_TEST

START_TEST(args_env_exit_code)
{
	const char *args[] = { "plain", "with space", "quote\"inside", "back\\slash\\", "", "42", NULL };
	char *env[] = { "PERSONA_FIXTURE_VAR=from the test", "PATH=/usr/bin:/bin", NULL };
	char **saved = environ;

	/* the native build reads the environment it is started with */
	environ = env;
	differential("args", args, env);
	environ = saved;
}
END_TEST

START_TEST(stdio_file_qsort_malloc)
{
	char *dir = make_temp_dir("win");
	char *path;
	ck_assert(asprintf(&path, "%s/data.txt", dir) > 0);
	const char *args[] = { path, NULL };
	differential("stdio_file", args, environ);
	free(path);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(threads_critical_section_semaphore)
{
	differential("threads", NULL, environ);
}
END_TEST

/* A program linked against the Universal CRT: its C library comes from
 * api-ms-win-crt-*.dll (ucrtbase's API sets); start-up through
 * _configure_narrow_argv and _initialize_narrow_environment, printf
 * through __stdio_common_vfprintf/vsprintf, files, heap, qsort, strtod,
 * time, atexit and the exit code. */
START_TEST(ucrt_program)
{
	char *dir = make_temp_dir("ucrt");
	char *path;
	ck_assert(asprintf(&path, "%s/data.txt", dir) > 0);
	const char *args[] = { path, "7", NULL };
	char *env[] = { "PERSONA_UCRT_VAR=set by the test", "PATH=/usr/bin:/bin", NULL };
	char **saved = environ;

	environ = env;
	differential("ucrt_basic", args, env);
	environ = saved;
	free(path);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* msvcrt's own sscanf and fscanf (mingw's ANSI stdio off). */
START_TEST(msvcrt_scanf)
{
	char *dir = make_temp_dir("scan");
	char *path;
	ck_assert(asprintf(&path, "%s/scan.txt", dir) > 0);
	const char *args[] = { path, NULL };
	differential("scan_noansi", args, environ);
	free(path);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* system() and popen()/pclose(): msvcrt hands the command to /bin/sh. */
START_TEST(msvcrt_system_popen)
{
	differential("spawn", NULL, environ);
}
END_TEST

/* The stretch: a Go program built with GOOS=windows (its runtime
 * loads ntdll, winmm, ws2_32, advapi32 functions itself, reads the time
 * from KUSER_SHARED_DATA and keeps its goroutine pointer in the TEB):
 * goroutines, a mutex, sleeps and a timer, files and a folder listing,
 * the environment, exit code 5; against its Linux build. */
START_TEST(go_program)
{
	char *exe = fixture("goprog", ".exe");
	bool have = access(exe, R_OK) == 0;
	free(exe);
	if (!have)
		SKIP_TEST("goprog.exe not built (apt-get install golang-go)");
	char *dir = make_temp_dir("goprog");
	const char *args[] = { dir, NULL };
	char *env[] = { "GOPROG_VAR=from the test", "PATH=/usr/bin:/bin", NULL };
	char **saved = environ;
	environ = env;
	differential("goprog", args, env);
	environ = saved;
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(winpthreads_setjmp)
{
	differential("pthreads", NULL, environ);
}
END_TEST

START_TEST(cxx_exceptions_static)
{
	char *exe = fixture("cxx_except", ".exe");
	bool have = access(exe, R_OK) == 0;
	free(exe);
	if (!have)
		SKIP_TEST("cxx_except.exe not built (apt-get install g++-mingw-w64-x86-64)");
	differential("cxx_except", NULL, environ);
}
END_TEST

/* The same program linked dynamically: libstdc++-6.dll and
 * libgcc_s_seh-1.dll are real PE DLLs, found in the program's folder,
 * their exports and DllMain used, the exception unwound through them. */
START_TEST(cxx_exceptions_real_dlls)
{
	char *exe = fixture("cxx_except_dll", ".exe");
	bool have = access(exe, R_OK) == 0;
	free(exe);
	if (!have)
		SKIP_TEST("cxx_except_dll.exe not built (apt-get install g++-mingw-w64-x86-64)");
	unsetenv("PERSONA_WIN_PATH");
	differential_as("cxx_except_dll", "cxx_except", NULL, environ);
}
END_TEST

/* Debian's zlib1.dll, found through PERSONA_WIN_PATH: deflate a file and
 * inflate it back; the output and the compressed bytes equal the native
 * build's against the host's zlib. */
START_TEST(zlib_real_dll)
{
	char *exe = fixture("zlib_roundtrip", ".exe"), *native = fixture("zlib_roundtrip", ".native");
	char wdir[] = "/tmp/persona-zlib-w-XXXXXX", ndir[] = "/tmp/persona-zlib-n-XXXXXX";
	bool have = access(exe, R_OK) == 0 && access("/usr/x86_64-w64-mingw32/lib/zlib1.dll", R_OK) == 0;
	if (!have)
		SKIP_TEST("zlib_roundtrip.exe or zlib1.dll missing (apt-get install libz-mingw-w64-dev)");
	ck_assert(mkdtemp(wdir) && mkdtemp(ndir));

	/* without the search path the DLL is missing: 126, naming it */
	unsetenv("PERSONA_WIN_PATH");
	char *wargv[] = { "zlib_roundtrip", wdir, NULL };
	struct cmd_result miss = run_win(exe, wargv, environ);
	ck_assert_int_eq(miss.status, 126);
	ck_assert_msg(strstr(miss.err, "\"zlib1.dll\"") && strstr(miss.err, "no such DLL"), "%s", miss.err);
	cmd_result_free(&miss);

	setenv("PERSONA_WIN_PATH", "/nonexistent:/usr/x86_64-w64-mingw32/lib", 1);
	struct cmd_result got = run_win(exe, wargv, environ);
	unsetenv("PERSONA_WIN_PATH");
	const char *nargv[] = { native, ndir, NULL };
	struct cmd_result want = run_cmd(nargv, NULL, RUN_TIMEOUT);
	ck_assert_msg(got.status == 0 && want.status == 0 && !strcmp(got.out, want.out) && !strcmp(got.err, want.err),
		      "persona: exit %d\n%s%s\nnative: exit %d\n%s%s", got.status, got.out, got.err, want.status,
		      want.out, want.err);
	ck_assert(strstr(got.out, "round trip ok"));

	char a[512], b[512];
	snprintf(a, sizeof a, "cmp -s %s/in.dat.z %s/in.dat.z", wdir, ndir);
	ck_assert_msg(system(a) == 0, "the compressed files differ");
	snprintf(b, sizeof b, "rm -rf %s %s", wdir, ndir);
	ck_assert(system(b) == 0);
	cmd_result_free(&got);
	cmd_result_free(&want);
	free(exe);
	free(native);
}
END_TEST

/* Run fixture `exe` (a Windows-only program) with `argv` and `env`: exit
 * 0 and the output in tests/fixtures/windows/src/EXPECTED (NULL:
 * EXE.expected). */
static void run_expected(const char *exe_name, const char *expected, char **argv, char **env)
{
	char path[256];
	char *exe = fixture(exe_name, ".exe");
	if (expected)
		snprintf(path, sizeof(path), "tests/fixtures/windows/src/%s", expected);
	else
		snprintf(path, sizeof(path), "tests/fixtures/windows/src/%s.expected", exe_name);
	char *want = read_file_str(path);
	ck_assert_ptr_nonnull(want);
	struct cmd_result got = run_win(exe, argv, env);
	ck_assert_msg(got.status == 0 && !strcmp(got.out, want), "exit %d\n--- stdout:\n%s\n--- stderr:\n%s\n--- expected:\n%s",
		      got.status, got.out, got.err, want);
	cmd_result_free(&got);
	free(want);
	free(exe);
}

/* Run fixture `name` with one argument: a fresh folder as a Windows path
 * "C:\\..." (the Linux root being C: unless PERSONA_WIN_DRIVE_C says
 * otherwise; unset here); its output as in NAME.expected. */
static void run_expected_in_folder(const char *name)
{
	unsetenv("PERSONA_WIN_DRIVE_C");
	char *dir = make_temp_dir(name);
	char *wdir, exe_arg[128];
	ck_assert(asprintf(&wdir, "C:%s", dir) > 0);
	for (char *c = wdir; *c; c++)
		if (*c == '/')
			*c = '\\';
	snprintf(exe_arg, sizeof(exe_arg), "%s.exe", name);
	char *argv[] = { exe_arg, wdir, NULL };
	run_expected(name, NULL, argv, environ);
	free(wdir);
	rm_rf(dir);
	free(dir);
}

/* LoadLibraryA/W, GetModuleHandleA/W, GetProcAddress on a real DLL,
 * against the output Windows gives (loadlib.expected). */
START_TEST(loadlibrary_real_dll)
{
	if (!have_fixtures || access("/usr/x86_64-w64-mingw32/lib/zlib1.dll", R_OK) != 0)
		SKIP_TEST("loadlib.exe or zlib1.dll missing (apt-get install libz-mingw-w64)");
	char *argv[] = { "loadlib", NULL };
	setenv("PERSONA_WIN_PATH", "/usr/x86_64-w64-mingw32/lib", 1);
	run_expected("loadlib", NULL, argv, environ);
	unsetenv("PERSONA_WIN_PATH");
}
END_TEST

/* A DLL of ours beside the program: imports by name, by ordinal and
 * through a forwarder, DllMain for process and thread attach and detach;
 * a DLL's import persona lacks fails only when called, naming it. */
START_TEST(own_dll_exports_and_dllmain)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *exe = fixture("usedll", ".exe");
	char *argv[] = { "usedll", NULL }, *argv2[] = { "usedll", "missing", NULL };
	unsetenv("PERSONA_WIN_PATH");
	run_expected("usedll", "dll/usedll.expected", argv, environ);
	struct cmd_result r = run_win(exe, argv2, environ);
	ck_assert_int_eq(r.status, 126);
	ck_assert_msg(strstr(r.err, "\"msvcrt.dll\"!\"_wcsrev\""), "%s", r.err);
	ck_assert_msg(strstr(r.out, "main returns") == NULL, "%s", r.out);
	cmd_result_free(&r);
	free(exe);
}
END_TEST

/* Delay-loaded imports (dlltool --output-delaylib, mingw-w64's helper):
 * testdll.dll is loaded at the first call of one of its functions, not
 * before; a builtin (shell32.dll) delay-loads too; a DLL that exists
 * nowhere fails only when called, with delayimp's exception 0xC06D007E
 * (exit status 126, its low byte).  Checked against wine64 8.0. */
START_TEST(delay_load_imports)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *exe = fixture("delayload", ".exe");
	char *argv[] = { "delayload.exe", NULL }, *argv2[] = { "delayload.exe", "missing", NULL };
	unsetenv("PERSONA_WIN_PATH");
	run_expected("delayload", "dll/delayload.expected", argv, environ);
	struct cmd_result r = run_win(exe, argv2, environ);
	ck_assert_msg(r.status == 126 && contains(r.out, "calling into nosuch.dll\n") && !contains(r.out, "not reached") &&
			      contains(r.err, "0xc06d007e"),
		      "exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.status, r.out, r.err);
	cmd_result_free(&r);
	free(exe);
}
END_TEST

/* PEB->Ldr's three module lists walked from the TEB (names in order,
 * both directions, DllBase equal to each module's HMODULE, FullDllName
 * ending in BaseDllName), a DLL added by LoadLibraryA, PEB->ProcessHeap;
 * GetModuleFileName of a DLL and of a builtin, truncated (NUL-terminated,
 * as Windows since Vista; wine64 does not terminate, as XP did).
 * persona's module order in src/dll/ldrwalk.expected (the structural
 * checks were compared with wine64 8.0, which lists more DLLs). */
START_TEST(peb_module_lists)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *argv[] = { "ldrwalk.exe", NULL };
	unsetenv("PERSONA_WIN_PATH");
	run_expected("ldrwalk", "dll/ldrwalk.expected", argv, environ);
}
END_TEST

START_TEST(faults_reach_signal_handlers)
{
	const char *segv[] = { "segv", NULL }, *div[] = { "div", NULL };
	differential("faults", segv, environ);
	differential("faults", div, environ);
}
END_TEST

START_TEST(unhandled_access_violation)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *exe = fixture("faults", ".exe");
	char *argv[] = { "faults.exe", "unhandled", NULL };
	struct cmd_result r = run_win(exe, argv, environ);
	/* exit code 0xC0000005, of which Linux keeps the low byte */
	ck_assert_msg(r.status == 5 && contains(r.out, "fault: unhandled") && !contains(r.out, "not reached") &&
			      contains(r.err, "0xc0000005"),
		      "exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.status, r.out, r.err);
	cmd_result_free(&r);
	free(exe);
}
END_TEST

/* Endless recursion: the guard page below the stack ends the process
 * with EXCEPTION_STACK_OVERFLOW (0xC00000FD; Linux keeps 0xFD), as wine64
 * does, instead of a crash of the signal handler on the exhausted stack. */
START_TEST(stack_overflow)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *exe = fixture("faults", ".exe");
	char *argv[] = { "faults.exe", "overflow", NULL };
	struct cmd_result r = run_win(exe, argv, environ);
	ck_assert_msg(r.status == 0xfd && contains(r.out, "fault: overflow") && !contains(r.out, "not reached") &&
			      contains(r.err, "0xc00000fd"),
		      "exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.status, r.out, r.err);
	cmd_result_free(&r);
	free(exe);
}
END_TEST

/* Win32 files and folders; Windows-only, so the expected output is kept
 * beside the source.  The folder is given as a Windows path, "C:\\...",
 * which names the Linux root unless PERSONA_WIN_DRIVE_C says otherwise. */
START_TEST(win32_files_and_listing)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	run_expected_in_folder("win_files");
}
END_TEST

/* File and volume information and msvcrt's wide file functions, in a
 * fresh folder given as a C: path.  Equal to wine64's output but for two
 * lines: hard links share their file index (wine64 gives each name its
 * own; Windows does not) and wcstombs writes UTF-8 (persona's code
 * pages are UTF-8; wine64's "C" locale writes one byte for U+00E9). */
START_TEST(win32_file_information_and_wide_crt)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	run_expected_in_folder("win_fileinfo");
}
END_TEST

/* bcrypt.dll's random numbers (BCryptGenRandom by handle and system
 * preferred, misuse answered with its NTSTATUS); equal to wine64's. */
START_TEST(bcrypt_random)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *argv[] = { "win_bcrypt.exe", NULL };
	run_expected("win_bcrypt", NULL, argv, environ);
}
END_TEST

/* A Unicode program (wmain through __wgetmainargs) with a non-ASCII
 * argument, and the environment block (GetEnvironmentStringsW,
 * Get/SetEnvironmentVariableW); equal to wine64's output. */
START_TEST(unicode_program_and_environment)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	char *argv[] = { "win_unicode.exe", "h\xc3\xa9llo w\xc3\xb6rld", "-x", NULL };
	char *env[] = { "PERSONA_UNICODE_VAR=valeur", "PATH=/usr/bin:/bin", NULL };
	run_expected("win_unicode", NULL, argv, env);
}
END_TEST

/* Calendar and file times, system information, console calls on a
 * redirected handle.  Equal to wine64's output but for one line: wine64
 * takes 2001-02-29 as a date, Windows (and persona) refuse it with
 * ERROR_INVALID_PARAMETER. */
START_TEST(win32_time_system_console)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	unsetenv("PERSONA_WIN_DRIVE_C");
	char *dir = make_temp_dir("winsys");
	char *wpath;
	ck_assert(asprintf(&wpath, "C:%s/times.tmp", dir) > 0);
	for (char *c = wpath; *c; c++)
		if (*c == '/')
			*c = '\\';
	char *argv[] = { "win_system.exe", wpath, NULL };
	run_expected("win_system", NULL, argv, environ);
	free(wpath);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* CreateProcessW of a Windows program (this fixture in its child modes)
 * through persona again ($PERSONA_WIN_EXEC: the persona binary under
 * test), its exit code, standard handles, an environment block, a
 * missing program, TerminateProcess (equal to wine64's output); and of a
 * Linux program. */
START_TEST(win32_create_process)
{
	const char *persona = getenv("PERSONA_BIN");
	if (!have_fixtures || !persona || access(persona, X_OK) != 0)
		SKIP_TEST("mingw-w64 fixtures or PERSONA_BIN (the persona binary) unavailable");
	char *exe = fixture("win_process", ".exe");
	char *want = read_file_str("tests/fixtures/windows/src/win_process.expected");
	ck_assert_ptr_nonnull(want);
	char *dir = make_temp_dir("winproc");
	setenv("PERSONA_WIN_EXEC", persona, 1);
	run_dir = dir;
	char *argv[] = { "win_process.exe", NULL }, *argv2[] = { "win_process.exe", "linux", NULL };
	struct cmd_result got = run_win(exe, argv, environ);
	struct cmd_result lin = run_win(exe, argv2, environ);
	run_dir = NULL;
	unsetenv("PERSONA_WIN_EXEC");
	ck_assert_msg(got.status == 0 && !strcmp(got.out, want), "exit %d\n--- stdout:\n%s\n--- stderr:\n%s\n--- expected:\n%s",
		      got.status, got.out, got.err, want);
	ck_assert_msg(lin.status == 0 && contains(lin.out, "from a Linux program\nLinux program: 1, exit code 5\n") &&
			      contains(lin.out, "read by /bin/cat through a Windows path\n/bin/cat C:\\...\\arg.txt: 1, exit code 0\n"),
		      "exit %d\n%s%s", lin.status, lin.out, lin.err);
	cmd_result_free(&got);
	cmd_result_free(&lin);
	free(want);
	free(exe);
	rm_rf(dir);
	free(dir);
}
END_TEST

static void check_expected(const char *name);

/* Windows Sockets on the loopback interface: TCP with select and a
 * client thread, a refused connection, non-blocking UDP, getsockopt,
 * getaddrinfo, IPv6 (AF_INET6 is 23 on Windows); equal to wine64's
 * output. */
START_TEST(win32_sockets)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	check_expected("win_sockets");
}
END_TEST

/* Windows-only output kept beside the source (checked against wine64):
 * run `name`.exe and compare its stdout with src/`name`.expected. */
static void check_expected(const char *name)
{
	char *exe = fixture(name, ".exe");
	char *path, *prog;
	ck_assert(asprintf(&path, "tests/fixtures/windows/src/%s.expected", name) > 0);
	ck_assert(asprintf(&prog, "%s.exe", name) > 0);
	char *want = read_file_str(path);
	ck_assert_ptr_nonnull(want);
	char *argv[] = { prog, NULL };
	struct cmd_result got = run_win(exe, argv, environ);
	ck_assert_msg(got.status == 0 && !strcmp(got.out, want), "exit %d\n--- stdout:\n%s\n--- stderr:\n%s\n--- expected:\n%s",
		      got.status, got.out, got.err, want);
	cmd_result_free(&got);
	free(want);
	free(path);
	free(prog);
	free(exe);
}

/* SRW locks and condition variables (producer/consumer), a mutex, InitOnce,
 * FLS destructors, WaitForMultipleObjects waiting for all, atomically. */
START_TEST(win32_sync_srw_cv_mutex_once_fls)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	check_expected("win_sync");
}
END_TEST

/* Named mutexes, events and semaphores: ERROR_ALREADY_EXISTS, Open*,
 * one namespace for all types (ERROR_INVALID_HANDLE), "Local\\", the name
 * gone with the last handle; abandoned mutexes (a thread returning or
 * calling ExitThread while owning one, a wait in progress, wait-any and
 * wait-all) give WAIT_ABANDONED.  Output equal to wine64 8.0's. */
START_TEST(win32_named_objects_abandoned_mutexes)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	check_expected("win_named");
}
END_TEST

/* shell32's CommandLineToArgvW on Microsoft's examples; GetFullPathNameW. */
START_TEST(win32_command_line_to_argv_full_path)
{
	if (!have_fixtures)
		SKIP_TEST("mingw-w64 fixtures unavailable");
	unsetenv("PERSONA_WIN_DRIVE_C");
	check_expected("win_argv");
}
END_TEST

/* A program nobody here wrote: Debian's hmac256.exe (libgcrypt-mingw-w64-dev)
 * must print the HMAC-SHA256 that `openssl dgst -hmac` computes. */
#define HMAC256_EXE "/usr/x86_64-w64-mingw32/bin/hmac256.exe"

START_TEST(debian_hmac256)
{
	if (access(HMAC256_EXE, R_OK) != 0)
		SKIP_TEST("%s missing (apt-get install libgcrypt-mingw-w64-dev)", HMAC256_EXE);
	char *dir = make_temp_dir("win");
	char *path;
	ck_assert(asprintf(&path, "%s/message.txt", dir) > 0);
	write_file_str(path, "The quick brown fox jumps over the lazy dog\n");

	const char *oargv[] = { "openssl", "dgst", "-sha256", "-hmac", "persona key", "-r", path, NULL };
	struct cmd_result want = run_cmd(oargv, NULL, RUN_TIMEOUT);
	if (want.status != 0)
		SKIP_TEST("openssl unavailable: %s", want.err);
	char *wargv[] = { "hmac256.exe", "persona key", path, NULL };
	struct cmd_result got = run_win(HMAC256_EXE, wargv, environ);

	ck_assert_msg(got.status == 0, "exit %d: %s", got.status, got.err);
	/* both print "<64 hex digits> <file>"; compare the digests */
	ck_assert_msg(strlen(got.out) > 64 && strlen(want.out) > 64 && !strncmp(got.out, want.out, 64),
		      "hmac256.exe: %s\nopenssl: %s", got.out, want.out);
	cmd_result_free(&want);
	cmd_result_free(&got);
	free(path);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* More programs nobody here wrote: Debian's mpicalc.exe (libgcrypt's RPN
 * calculator) with its DLLs libgcrypt-20.dll and libgpg-error-0.dll (which
 * import advapi32, user32 and ws2_32), found through PERSONA_WIN_PATH,
 * against the same tool built for Linux; and gpg-error.exe. */
#define MINGW_BIN "/usr/x86_64-w64-mingw32/bin"

START_TEST(debian_mpicalc_and_gpg_error)
{
	if (access(MINGW_BIN "/mpicalc.exe", R_OK) != 0 || access("/usr/bin/mpicalc", X_OK) != 0)
		SKIP_TEST("mpicalc.exe or mpicalc missing (apt-get install libgcrypt-mingw-w64-dev libgcrypt20-dev)");
	const char *input = "tests/fixtures/windows/src/mpicalc.in";
	char *shell[] = { "sh", "-c", "exec /usr/bin/mpicalc < tests/fixtures/windows/src/mpicalc.in", NULL };
	struct cmd_result want = run_cmd((const char **)shell, NULL, RUN_TIMEOUT);
	setenv("PERSONA_WIN_PATH", MINGW_BIN, 1);
	char *argv[] = { "mpicalc.exe", NULL };
	struct cmd_result got = run_win_in(MINGW_BIN "/mpicalc.exe", argv, environ, input);
	char *argv2[] = { "gpg-error.exe", "1", NULL };
	struct cmd_result ge = run_win(MINGW_BIN "/gpg-error.exe", argv2, environ);
	unsetenv("PERSONA_WIN_PATH");
	ck_assert_msg(want.status == 0 && got.status == 0 && !strcmp(got.out, want.out) && !strcmp(got.err, want.err),
		      "persona: exit %d\n%s%s\nnative: exit %d\n%s%s", got.status, got.out, got.err, want.status, want.out,
		      want.err);
	ck_assert(got.out[0]); /* the calculation printed something */
	ck_assert_msg(ge.status == 0 && contains(ge.out, "GPG_ERR_GENERAL"), "exit %d\n%s%s", ge.status, ge.out, ge.err);
	cmd_result_free(&want);
	cmd_result_free(&got);
	cmd_result_free(&ge);
}
END_TEST

/* A program built with Visual C++ that nobody here wrote: distlib's
 * t64.exe, the launcher of pip's console scripts (found where an
 * installed pip or the Google Cloud SDK keeps it), with a Python zip
 * application appended: it finds its own archive, reads the "#!" line
 * (a Windows path to python3.exe, a link to Linux's python3) and starts
 * the interpreter with CreateProcessW, passing its own path, which
 * persona gives the Linux program as a Linux path; its exit code comes
 * back. */
START_TEST(msvc_launcher_runs_linux_python)
{
	static const char *const candidates[] = {
		"/usr/lib/google-cloud-sdk/platform/bundledpythonunix/lib/python3.12/site-packages/pip/_vendor/distlib/t64.exe",
		"/root/.pyenv/versions/3.13.0/lib/python3.13/site-packages/pip/_vendor/distlib/t64.exe",
		NULL,
	};
	const char *t64 = NULL;
	for (int i = 0; candidates[i] && !t64; i++)
		if (access(candidates[i], R_OK) == 0)
			t64 = candidates[i];
	if (!t64 || access("/usr/bin/python3", X_OK) != 0)
		SKIP_TEST("distlib's t64.exe or /usr/bin/python3 missing");
	char *dir = make_temp_dir("launcher");
	char *link, *app, *interp;
	ck_assert(asprintf(&link, "%s/python3.exe", dir) > 0 && asprintf(&app, "%s/app.exe", dir) > 0);
	ck_assert(symlink("/usr/bin/python3", link) == 0);
	ck_assert(asprintf(&interp, "C:%s", link) > 0);
	for (char *c = interp; *c; c++)
		if (*c == '/')
			*c = '\\';
	const char *mk[] = { "python3", "tests/fixtures/windows/make-launcher.py", t64, interp, app, NULL };
	struct cmd_result b = run_cmd(mk, NULL, RUN_TIMEOUT);
	ck_assert_msg(b.status == 0, "%s", b.err);
	unsetenv("PERSONA_WIN_DRIVE_C");
	char *argv[] = { "app.exe", "a", "b c", NULL };
	struct cmd_result r = run_win(app, argv, environ);
	ck_assert_msg(r.status == 7 && !strcmp(r.out, "hello from Python 3 args: ['a', 'b c']\n"),
		      "exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.status, r.out, r.err);
	cmd_result_free(&b);
	cmd_result_free(&r);
	free(link);
	free(app);
	free(interp);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(missing_file_is_127)
{
	char *argv[] = { "nope.exe", NULL };
	struct cmd_result r = run_win("/nonexistent/nope.exe", argv, environ);
	ck_assert_int_eq(r.status, 127);
	ck_assert_msg(strstr(r.err, "/nonexistent/nope.exe"), "%s", r.err);
	cmd_result_free(&r);
}
END_TEST

START_TEST(not_a_pe_is_126)
{
	char *argv[] = { "sh", NULL };
	struct cmd_result r = run_win("/bin/sh", argv, environ);
	ck_assert_int_eq(r.status, 126);
	ck_assert_msg(strstr(r.err, "/bin/sh") && strstr(r.err, "MZ"), "%s", r.err);
	cmd_result_free(&r);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("windows_run");
	TCase *tc = tcase_create("mingw");

	build_fixtures();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello);
	tcase_add_test(tc, bcrypt_random);
	tcase_add_test(tc, hello_noansi);
	tcase_add_test(tc, args_env_exit_code);
	tcase_add_test(tc, stdio_file_qsort_malloc);
	tcase_add_test(tc, threads_critical_section_semaphore);
	tcase_add_test(tc, ucrt_program);
	tcase_add_test(tc, msvcrt_scanf);
	tcase_add_test(tc, msvcrt_system_popen);
	tcase_add_test(tc, go_program);
	tcase_add_test(tc, winpthreads_setjmp);
	tcase_add_test(tc, cxx_exceptions_static);
	tcase_add_test(tc, cxx_exceptions_real_dlls);
	tcase_add_test(tc, zlib_real_dll);
	tcase_add_test(tc, loadlibrary_real_dll);
	tcase_add_test(tc, own_dll_exports_and_dllmain);
	tcase_add_test(tc, delay_load_imports);
	tcase_add_test(tc, peb_module_lists);
	tcase_add_test(tc, faults_reach_signal_handlers);
	tcase_add_test(tc, unhandled_access_violation);
	tcase_add_test(tc, stack_overflow);
	tcase_add_test(tc, win32_files_and_listing);
	tcase_add_test(tc, win32_file_information_and_wide_crt);
	tcase_add_test(tc, unicode_program_and_environment);
	tcase_add_test(tc, win32_time_system_console);
	tcase_add_test(tc, win32_create_process);
	tcase_add_test(tc, win32_sockets);
	tcase_add_test(tc, win32_sync_srw_cv_mutex_once_fls);
	tcase_add_test(tc, win32_named_objects_abandoned_mutexes);
	tcase_add_test(tc, win32_command_line_to_argv_full_path);
	tcase_add_test(tc, debian_hmac256);
	tcase_add_test(tc, debian_mpicalc_and_gpg_error);
	tcase_add_test(tc, msvc_launcher_runs_linux_python);
	tcase_add_test(tc, missing_file_is_127);
	tcase_add_test(tc, not_a_pe_is_126);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
