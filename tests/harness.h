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

#endif
