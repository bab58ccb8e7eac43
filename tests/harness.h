/* persona tests: shared helpers for the Check suites.
 * Each suite file defines `Suite *make_suite(void)` and ends with
 * PERSONA_TEST_MAIN(); the runner prints Check's summary line. */
#ifndef PERSONA_TESTS_HARNESS_H
#define PERSONA_TESTS_HARNESS_H

#include <check.h>
#include <stddef.h>

/* Result of running a command: its exit status as a shell reports it
 * (0-255, 128+N for signal N) and its captured output (NUL-terminated,
 * malloc'd, never NULL). */
struct cmd_result {
	int status;
	char *out;
	char *err;
};

/* Run argv (NULL-terminated) with stdin from `input` (NULL: /dev/null),
 * capture stdout and stderr; kill it after `timeout_s` seconds.  */
struct cmd_result run_cmd(const char *const *argv, const char *input, int timeout_s);

/* Run the persona binary under test ($PERSONA_BIN, else build/persona)
 * with a test-private --root.  Variadic list ends with NULL. */
struct cmd_result persona(const char *first, ...) __attribute__((sentinel));
struct cmd_result persona_in(const char *input, const char *first, ...) __attribute__((sentinel));
void cmd_result_free(struct cmd_result *r);

/* The state root and the persona binary the suite uses. */
const char *test_state_root(void);
const char *test_persona_bin(void);

/* Skip the current test with a reason (printed; counts as passed). */
#define SKIP_TEST(...) do { test_skip_msg(__VA_ARGS__); return; } while (0)
void test_skip_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Assert nothing of persona's is left on the host: no state dir entries,
 * no mount mentioning the state root, no persona cgroup, no process. */
void assert_no_leftovers(void);

/* Read a whole file into a malloc'd string (NULL if unreadable). */
char *read_file_str(const char *path);

#define PERSONA_TEST_MAIN()                                             \
	int main(void)                                                  \
	{                                                               \
		Suite *s = make_suite();                                \
		SRunner *sr = srunner_create(s);                        \
		srunner_set_fork_status(sr, CK_FORK);                   \
		srunner_run_all(sr, CK_NORMAL);                         \
		int nf = srunner_ntests_failed(sr);                     \
		srunner_free(sr);                                       \
		return nf ? 1 : 0;                                      \
	}

Suite *make_suite(void);

/* Suites that run a FreeBSD program in-process: under AddressSanitizer
 * the sanitizer's runtime makes system calls from outside persona's code,
 * which the syscall trap then takes for the guest's.  Such a file puts
 * PERSONA_ASAN_SKIP_TEST before make_suite() and
 * PERSONA_ASAN_SKIP_SUITE("name") first in it: under ASan the suite is one
 * test that skips, saying why; otherwise both are empty. */
#ifdef __SANITIZE_ADDRESS__
#define PERSONA_ASAN_SKIP_TEST                                                                           \
	START_TEST(asan_skip)                                                                           \
	{                                                                                               \
		SKIP_TEST("FreeBSD programs run in-process under a syscall trap, and AddressSanitizer's " \
			  "runtime makes system calls from outside persona's code, which the trap would "  \
			  "take for the program's: this suite runs in the plain build only");             \
	}                                                                                               \
	END_TEST
#define PERSONA_ASAN_SKIP_SUITE(name)                                   \
	do {                                                            \
		Suite *s_ = suite_create(name);                         \
		TCase *t_ = tcase_create("asan");                       \
		tcase_add_test(t_, asan_skip);                          \
		suite_add_tcase(s_, t_);                                \
		return s_;                                              \
	} while (0)
#else
#define PERSONA_ASAN_SKIP_TEST
#define PERSONA_ASAN_SKIP_SUITE(name) do { } while (0)
#endif

/* ---- Additions for the integration suites ---- */

#include <stdbool.h>
#include <sys/types.h>

/* Is the persona binary under test dynamically linked (an ELF PT_INTERP:
 * SAN=1 or STATIC=0 builds)? */
bool test_persona_is_dynamic(void);

/* Give this suite binary a state root of its own,
 * /run/persona-test.NAME.PID, unless PERSONA_TEST_ROOT is set, so that
 * suites run at the same time (by several people on one machine) never
 * see each other's containers.  Call from make_suite(); the directory
 * is removed at exit when it is empty (but for persona's dot files).
 * Also makes /tmp/persona-test.NAME.PID for make_temp_dir(). */
void test_private_root(const char *name);

/* Remember the persona-* cgroups that exist now: assert_no_leftovers()
 * then does not count them (they belong to someone else's run).  Also
 * ignored: a persona-ID cgroup whose memory cgroup lies outside the
 * caller's own memory cgroup (a container of another session). */
void leftovers_baseline(void);

/* As persona() / persona_in(), with a time limit of `timeout_s` seconds
 * (the process group is killed then; *timed_out says so if not NULL). */
struct cmd_result persona_t(int timeout_s, const char *input, bool *timed_out, const char *first, ...)
	__attribute__((sentinel));

/* Start persona (with the test's --root) in the background: stdin from
 * /dev/null, stdout and stderr into pipes returned in *out_fd, *err_fd
 * (either may be NULL: then it goes to /dev/null).  Returns the pid. */
pid_t persona_spawn(int *out_fd, int *err_fd, const char *first, ...) __attribute__((sentinel));

/* Read `fd` into *buf (appending, NUL-terminated, malloc'd) until `needle`
 * appears in it, EOF, or `timeout_s`; true when the needle was seen. */
bool read_until(int fd, char **buf, const char *needle, int timeout_s);

/* Wait for `pid`: its status as a shell reports it, or -1 if it did not
 * end within `timeout_s` (it is then killed with SIGKILL and reaped). */
int wait_status(pid_t pid, int timeout_s);

/* Force-remove every container in the test's state root (persona rm -f),
 * so that one failed test does not spill into the next. */
void persona_remove_all(void);

/* Is `needle` in `hay` (NULL-safe)? */
bool contains(const char *hay, const char *needle);

/* The value of "Field:\t..." in a /proc/PID/status text, malloc'd or NULL. */
char *status_field(const char *status_text, const char *field);

/* A fresh directory below $PERSONA_TEST_TMP (set by test_private_root,
 * removed at exit) or /tmp, malloc'd path; rm_rf() removes a tree
 * without crossing mount points. */
char *make_temp_dir(const char *tag);
void rm_rf(const char *path);

/* Write `text` to `path` (created or truncated). */
void write_file_str(const char *path, const char *text);

#endif
