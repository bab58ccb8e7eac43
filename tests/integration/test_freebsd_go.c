/* Integration tests: Go 1.19 programs built for FreeBSD amd64 run through
 * syscall-xlat (xlat_run in a forked child), their output compared with
 * the same programs built for Linux and run natively (differential
 * tests).  Fixtures: tests/fixtures/freebsd/src/, built (and cached) by
 * tests/fixtures/freebsd/build.sh; skipped when Go is not installed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall-xlat/xlat.h"
#include "tests/harness.h"

#define BUILD_SH "tests/fixtures/freebsd/build.sh"
#define RUN_TIMEOUT 60

extern char **environ;
static char cache[4096];

/* This suite binary is also the exec helper of the FreeBSD programs it
 * runs (xlat_set_exec_helper): "SELF --xlat-helper PATH ARGS..." runs
 * PATH translated, before Check's main. */
__attribute__((constructor)) static void xlat_helper(int argc, char **argv, char **envp)
{
	if (argc < 3 || strcmp(argv[1], "--xlat-helper") != 0)
		return;
	struct perr err = { 0 };
	xlat_run(argv[2], argc - 2, argv + 2, envp, &err);
	fprintf(stderr, "xlat helper: %s\n", err.msg);
	_exit(perr_exit_status(&err));
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

/* Run the FreeBSD build of `name` with `args` under xlat_run. */
static struct cmd_result run_freebsd(const char *name, const char *const *args)
{
	char path[4200];
	const char *argv[16];
	int argc = 0;
	snprintf(path, sizeof(path), "%s/%s.freebsd", cache, name);
	argv[argc++] = path;
	for (int i = 0; args[i] && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	char o[] = "/tmp/persona-fbsd-out.XXXXXX", e[] = "/tmp/persona-fbsd-err.XXXXXX";
	int ofd = mkstemp(o), efd = mkstemp(e);
	ck_assert(ofd >= 0 && efd >= 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct perr err = { 0 };
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		alarm(RUN_TIMEOUT);
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = 0;
			char *prefix[] = { "--xlat-helper", NULL };
			xlat_set_exec_helper(self, prefix, NULL);
		}
		xlat_run(path, argc, (char **)argv, environ, &err);
		dprintf(2, "xlat_run: %s\n", err.msg);
		_exit(perr_exit_status(&err));
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	struct cmd_result r = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
				read_file_str(o), read_file_str(e) };
	close(ofd);
	close(efd);
	unlink(o);
	unlink(e);
	return r;
}

static struct cmd_result run_linux(const char *name, const char *const *args)
{
	char path[4200];
	const char *argv[16];
	int argc = 0;
	snprintf(path, sizeof(path), "%s/%s.linux", cache, name);
	argv[argc++] = path;
	for (int i = 0; args[i] && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	return run_cmd(argv, NULL, RUN_TIMEOUT);
}

static void same_as_linux(const char *name, const char *const *bsd_args,
			  const char *const *linux_args, int want_status)
{
	if (!fixtures_ready())
		SKIP_TEST("Go fixtures unavailable (apt-get install golang-go)");
	struct cmd_result b = run_freebsd(name, bsd_args);
	struct cmd_result l = run_linux(name, linux_args);
	ck_assert_msg(l.status == want_status, "%s.linux: status %d", name, l.status);
	ck_assert_msg(b.status == l.status, "%s: status %d under persona, %d native; stderr: %s",
		      name, b.status, l.status, b.err);
	ck_assert_msg(strcmp(b.out, l.out) == 0, "%s: stdout differs:\n--- persona\n%s--- native\n%s",
		      name, b.out, l.out);
	ck_assert_msg(strcmp(b.err, l.err) == 0, "%s: stderr differs:\n--- persona\n%s--- native\n%s",
		      name, b.err, l.err);
	cmd_result_free(&b);
	cmd_result_free(&l);
}

START_TEST(hello)
{
	const char *args[] = { NULL };
	same_as_linux("hello", args, args, 0);
}
END_TEST

START_TEST(args_env_exit)
{
	setenv("PERSONA_TEST", "value with spaces=and=equals", 1);
	unsetenv("PERSONA_UNSET");
	const char *args[] = { "7", "two words", "", "ünïcødé", NULL };
	same_as_linux("args", args, args, 7);
	const char *zero[] = { "0", NULL };
	same_as_linux("args", zero, zero, 0);
}
END_TEST

START_TEST(file_io)
{
	char *d1 = make_temp_dir("fbsd"), *d2 = make_temp_dir("linux");
	const char *a1[] = { d1, NULL }, *a2[] = { d2, NULL };
	same_as_linux("fileio", a1, a2, 0);
	rm_rf(d1);
	rm_rf(d2);
	free(d1);
	free(d2);
}
END_TEST

START_TEST(goroutines_timers)
{
	const char *args[] = { NULL };
	same_as_linux("threads", args, args, 0);
}
END_TEST

START_TEST(signals)
{
	const char *args[] = { NULL };
	same_as_linux("signals", args, args, 0);
	const char *die[] = { "die", NULL };
	same_as_linux("signals", die, die, 128 + 15);
}
END_TEST

START_TEST(sockets_http)
{
	const char *args[] = { NULL };
	same_as_linux("net", args, args, 0);
}
END_TEST

/* sendmsg/recvmsg: a descriptor over a Unix socket, UDP with the sender,
 * unixgram with a descriptor in the control data. */
START_TEST(sendmsg_recvmsg)
{
	const char *args[] = { NULL };
	same_as_linux("msgs", args, args, 0);
}
END_TEST

START_TEST(exec_freebsd_and_linux)
{
	if (getenv("PERSONA_XLAT_TRAP") && !strcmp(getenv("PERSONA_XLAT_TRAP"), "seccomp"))
		SKIP_TEST("execve needs the Syscall User Dispatch back-end");
	const char *args[] = { NULL };
	same_as_linux("exec", args, args, 0);
}
END_TEST

/* The ptrace back-end (persona run --trap ptrace): the same programs,
 * the same output as their Linux builds, execve included. */
START_TEST(ptrace_backend)
{
	const char *none[] = { NULL }, *args[] = { "7", "two words", NULL };
	setenv("PERSONA_XLAT_TRAP", "ptrace", 1);
	same_as_linux("hello", none, none, 0);
	same_as_linux("args", args, args, 7);
	same_as_linux("threads", none, none, 0);
	same_as_linux("signals", none, none, 0);
	same_as_linux("net", none, none, 0);
	same_as_linux("exec", none, none, 0);
	unsetenv("PERSONA_XLAT_TRAP");
}
END_TEST

START_TEST(syscall_heavy)
{
	const char *args[] = { "3000", NULL };
	same_as_linux("readloop", args, args, 0);
}
END_TEST

/* PERSONA_XLAT_TRACE names each translated call with FreeBSD's names. */
START_TEST(trace)
{
	if (!fixtures_ready())
		SKIP_TEST("Go fixtures unavailable (apt-get install golang-go)");
	char *dir = make_temp_dir("trace");
	char path[4200];
	snprintf(path, sizeof(path), "%s/trace.txt", dir);
	setenv("PERSONA_XLAT_TRACE", path, 1);
	const char *args[] = { NULL };
	struct cmd_result r = run_freebsd("hello", args);
	unsetenv("PERSONA_XLAT_TRACE");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "hello, world\n");
	char *t = read_file_str(path);
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "] sysarch(0x81, ") && strstr(t, "] write(0x1, ") &&
		      strstr(t, "] thr_new(") && strstr(t, "] exit(0x0)"), "trace:\n%.1500s", t);
	free(t);
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* ---- the timekeep page (AT_TIMEKEEP): clock reads without a trap ---- */

/* A Go program comparing time.Now() and time.Since() with the host's
 * CLOCK_REALTIME and CLOCK_MONOTONIC (read through the system call, which
 * persona translates), each reading bracketed by two host readings; it
 * also counts backward steps of time.Now().  Built here, not in
 * tests/fixtures/freebsd/src, because it has no Linux twin to compare;
 * the binary goes to the fixture cache as tkclock.freebsd (moved into
 * place whole, so concurrent runs do not see a partial file). */
static const char clock_go[] =
	"package main\n"
	"\n"
	"import (\n"
	"\t\"fmt\"\n"
	"\t\"os\"\n"
	"\t\"syscall\"\n"
	"\t\"time\"\n"
	"\t\"unsafe\"\n"
	")\n"
	"\n"
	"// clock reads a FreeBSD clock through the system call (always trapped by persona).\n"
	"func clock(id int) int64 {\n"
	"\tvar ts syscall.Timespec\n"
	"\tsyscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0)\n"
	"\treturn ts.Nano()\n"
	"}\n"
	"\n"
	"// sinceStart is time.Since on Go's monotonic reading; process start is anchored against the host.\n"
	"func main() {\n"
	"\td := 2 * time.Second\n"
	"\tif len(os.Args) > 1 {\n"
	"\t\td, _ = time.ParseDuration(os.Args[1])\n"
	"\t}\n"
	"\tm0 := clock(4)\n"
	"\tstart := time.Now()\n"
	"\tm1 := clock(4)\n"
	"\tlast := start\n"
	"\tvar back, samples int64\n"
	"\tvar worstWall, worstMono int64\n"
	"\tn := 0\n"
	"\tfor {\n"
	"\t\tel := time.Since(start)\n"
	"\t\tif el >= d {\n"
	"\t\t\tbreak\n"
	"\t\t}\n"
	"\t\tnow := time.Now()\n"
	"\t\tif now.Sub(last) < 0 {\n"
	"\t\t\tback++\n"
	"\t\t}\n"
	"\t\tlast = now\n"
	"\t\tif n%5000 == 0 {\n"
	"\t\t\tsamples++\n"
	"\t\t\t// wall: host CLOCK_REALTIME (0) bracketing time.Now()\n"
	"\t\t\th1 := clock(0)\n"
	"\t\t\tw := time.Now().UnixNano()\n"
	"\t\t\th2 := clock(0)\n"
	"\t\t\tvar e int64\n"
	"\t\t\tif w < h1 {\n"
	"\t\t\t\te = h1 - w\n"
	"\t\t\t} else if w > h2 {\n"
	"\t\t\t\te = w - h2\n"
	"\t\t\t}\n"
	"\t\t\tif e > worstWall {\n"
	"\t\t\t\tworstWall = e\n"
	"\t\t\t}\n"
	"\t\t\t// monotonic: host CLOCK_MONOTONIC (4) bracketing time.Since(start)\n"
	"\t\t\tg1 := clock(4)\n"
	"\t\t\ts := int64(time.Since(start))\n"
	"\t\t\tg2 := clock(4)\n"
	"\t\t\tlo, hi := g1-m1, g2-m0\n"
	"\t\t\te = 0\n"
	"\t\t\tif s < lo {\n"
	"\t\t\t\te = lo - s\n"
	"\t\t\t} else if s > hi {\n"
	"\t\t\t\te = s - hi\n"
	"\t\t\t}\n"
	"\t\t\tif e > worstMono {\n"
	"\t\t\t\tworstMono = e\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t\tn++\n"
	"\t}\n"
	"\tok := back == 0 && worstWall < 2e6 && worstMono < 2e6\n"
	"\tfmt.Printf(\"reads %d samples %d backwards %d worst wall %dus worst mono %dus ok %v\\n\", n, samples, back, worstWall/1000, worstMono/1000, ok)\n"
	"\tif !ok {\n"
	"\t\tos.Exit(1)\n"
	"\t}\n"
	"}\n"
	"\n";

/* Does the host qualify for the page (what syscall-xlat/timekeep.c checks)? */
static int host_tsc_ok(void)
{
	char *cpu = read_file_str("/proc/cpuinfo");
	char *cs = read_file_str("/sys/devices/system/clocksource/clocksource0/current_clocksource");
	int ok = cpu && cs && strstr(cpu, " constant_tsc") && strstr(cpu, " nonstop_tsc") &&
		 strstr(cpu, " rdtscp") && !strcmp(cs, "tsc\n");
	free(cpu);
	free(cs);
	return ok;
}

static int clock_prog_ready(void)
{
	static int state = -1;
	if (state >= 0)
		return state;
	state = 0;
	if (!fixtures_ready())
		return 0;
	char *dir = make_temp_dir("tkclock");
	char path[4200], cmd[16384];
	snprintf(path, sizeof(path), "%s/main.go", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(clock_go, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && GOCACHE='%s/.gocache' GOPATH='%s/.gopath' GO111MODULE=off "
		 "GOOS=freebsd GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o clock.freebsd . && "
		 "mv clock.freebsd '%s/tkclock.freebsd'",
		 dir, cache, cache, cache);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 300);
	if (r.status == 0)
		state = 1;
	else
		fprintf(stderr, "building the clock program failed (%d): %s\n", r.status, r.err);
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	return state;
}

static void clock_prog_check(const char *trap)
{
	if (!clock_prog_ready())
		SKIP_TEST("Go unavailable (apt-get install golang-go)");
	const char *name = "tkclock"; /* cached next to the fixtures, rebuilt each run */
	if (trap)
		setenv("PERSONA_XLAT_TRAP", trap, 1);
	const char *args[] = { "1500ms", NULL };
	struct cmd_result r = run_freebsd(name, args);
	unsetenv("PERSONA_XLAT_TRAP");
	ck_assert_msg(r.status == 0 && strstr(r.out, "backwards 0 ") && strstr(r.out, "ok true"),
		      "status %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
	/* With the page, time.Now() runs at memory speed: far more reads. */
	long reads = 0;
	sscanf(r.out, "reads %ld", &reads);
	fprintf(stderr, "timekeep clock (%s): %s", trap ? trap : "default", r.out);
	if (host_tsc_ok())
		ck_assert_msg(reads > 1000000, "only %ld clock reads in 1.5 s: %s", reads, r.out);
	cmd_result_free(&r);
}

/* time.Now()/time.Since() agree with the host clocks within 2 ms (in
 * practice within the microseconds of the bracketing system calls) and
 * never step back. */
START_TEST(timekeep_clock)
{
	clock_prog_check(NULL);
}
END_TEST

START_TEST(timekeep_clock_seccomp)
{
	clock_prog_check("seccomp");
}
END_TEST

/* The TSC rate a run keeps for the next ones (/run/persona/.tsc-hz, by
 * boot ID) is checked before use: a wrong one is measured anew and
 * replaced, and the guest's clock stays right. */
START_TEST(timekeep_cached_rate)
{
	char *saved = read_file_str("/run/persona/.tsc-hz"), *boot = read_file_str("/proc/sys/kernel/random/boot_id");
	char text[256];

	if (!host_tsc_ok())
		SKIP_TEST("no invariant TSC as Linux's clocksource here: the timekeep page is off");
	if (geteuid() != 0)
		SKIP_TEST("the rate is kept only in root's /run/persona");
	ck_assert_ptr_nonnull(boot);
	mkdir("/run/persona", 0700);
	boot[strcspn(boot, "\n")] = '\0';
	snprintf(text, sizeof(text), "%s 123456789.0\n", boot);   /* far off any real TSC */
	write_file_str("/run/persona/.tsc-hz", text);
	clock_prog_check(NULL);
	char *now = read_file_str("/run/persona/.tsc-hz");
	ck_assert_ptr_nonnull(now);
	ck_assert_msg(!strstr(now, " 123456789.0"), "the wrong rate was kept: %s", now);
	/* and the rate measured now serves the next run */
	clock_prog_check(NULL);
	if (saved)
		write_file_str("/run/persona/.tsc-hz", saved);
	free(saved);
	free(boot);
	free(now);
}
END_TEST

static long count_in(const char *text, const char *needle)
{
	long n = 0;
	for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The page removes hello's clock_gettime traps; PERSONA_XLAT_TIMEKEEP=0
 * brings them back. */
START_TEST(timekeep_traps)
{
	if (!fixtures_ready())
		SKIP_TEST("Go fixtures unavailable (apt-get install golang-go)");
	char *dir = make_temp_dir("tktrace");
	long counts[2];
	for (int off = 0; off < 2; off++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/trace%d.txt", dir, off);
		setenv("PERSONA_XLAT_TRACE", path, 1);
		if (off)
			setenv("PERSONA_XLAT_TIMEKEEP", "0", 1);
		const char *args[] = { NULL };
		struct cmd_result r = run_freebsd("hello", args);
		unsetenv("PERSONA_XLAT_TRACE");
		unsetenv("PERSONA_XLAT_TIMEKEEP");
		ck_assert_int_eq(r.status, 0);
		ck_assert_str_eq(r.out, "hello, world\n");
		char *t = read_file_str(path);
		ck_assert_ptr_nonnull(t);
		counts[off] = count_in(t, "] clock_gettime(");
		free(t);
		cmd_result_free(&r);
	}
	fprintf(stderr, "hello: %ld clock_gettime traps with the timekeep page, %ld without\n",
		counts[0], counts[1]);
	ck_assert_int_gt(counts[1], 5);
	if (host_tsc_ok())
		ck_assert_msg(counts[0] * 5 <= counts[1], "%ld traps with the page, %ld without",
			      counts[0], counts[1]);
	else
		ck_assert_int_eq(counts[0], counts[1]); /* page present but disabled */
	rm_rf(dir);
	free(dir);
}
END_TEST

PERSONA_ASAN_SKIP_TEST

Suite *make_suite(void)
{
	PERSONA_ASAN_SKIP_SUITE("freebsd (skipped under ASan)");
	Suite *s = suite_create("freebsd_go");
	TCase *tc = tcase_create("go");
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, hello);
	tcase_add_test(tc, args_env_exit);
	tcase_add_test(tc, file_io);
	tcase_add_test(tc, goroutines_timers);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, sockets_http);
	tcase_add_test(tc, sendmsg_recvmsg);
	tcase_add_test(tc, exec_freebsd_and_linux);
	tcase_add_test(tc, syscall_heavy);
	tcase_add_test(tc, ptrace_backend);
	tcase_add_test(tc, trace);
	tcase_add_test(tc, timekeep_clock);
	tcase_add_test(tc, timekeep_clock_seccomp);
	tcase_add_test(tc, timekeep_traps);
	tcase_add_test(tc, timekeep_cached_rate);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
