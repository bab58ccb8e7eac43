/* Unit tests: isolation/rlimit (--ulimit, process.rlimits). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "isolation/rlimit.h"
#include "tests/harness.h"

static json_t *ulimit_ok(const char *s)
{
	struct perr err = { 0 };
	json_t *o = NULL;

	ck_assert_msg(rlimit_parse_ulimit(s, &o, &err) == 0, "\"%s\": %s", s, err.msg);
	ck_assert_ptr_nonnull(o);
	return o;
}

static void ulimit_is(const char *s, const char *type, json_int_t soft, json_int_t hard)
{
	json_t *o = ulimit_ok(s);

	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), type);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "soft")), soft);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "hard")), hard);
	ck_assert_uint_eq(json_object_size(o), 3);
	json_decref(o);
}

static void ulimit_bad(const char *s, const char *needle)
{
	struct perr err = { 0 };
	json_t *o = NULL;

	ck_assert_msg(rlimit_parse_ulimit(s, &o, &err) < 0, "\"%s\" accepted", s);
	ck_assert_ptr_null(o);
	ck_assert_msg(strstr(err.msg, needle), "\"%s\": \"%s\" lacks \"%s\"", s, err.msg, needle);
}

START_TEST(ulimit_values)
{
	ulimit_is("nofile=1024:2048", "RLIMIT_NOFILE", 1024, 2048);
	ulimit_is("nproc=64", "RLIMIT_NPROC", 64, 64);
	ulimit_is("core=-1", "RLIMIT_CORE", -1, -1);
	ulimit_is("core=0:-1", "RLIMIT_CORE", 0, -1);
	ulimit_is("memlock=-1:-1", "RLIMIT_MEMLOCK", -1, -1);
	ulimit_is("as=9223372036854775807", "RLIMIT_AS", INT64_MAX, INT64_MAX);
	const char *names[] = { "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
				"nice", "nofile", "nproc", "rss", "rtprio", "rttime",
				"sigpending", "stack", "as" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[64], type[64];
		snprintf(buf, sizeof(buf), "%s=1", names[i]);
		snprintf(type, sizeof(type), "RLIMIT_%s", names[i]);
		for (char *p = type; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		ulimit_is(buf, type, 1, 1);
	}
}
END_TEST

START_TEST(ulimit_rejects)
{
	ulimit_bad("nofile=2048:1024", "soft limit must be less than or equal to the hard limit");
	ulimit_bad("nofile=-1:1024", "soft limit must be less than or equal to the hard limit");
	ulimit_bad("foo=1", "unknown limit \"foo\"");
	ulimit_bad("NOFILE=1", "unknown limit \"NOFILE\"");
	ulimit_bad("=1", "unknown limit \"\"");
	ulimit_bad("nofile", "want name=soft[:hard]");
	ulimit_bad("", "want name=soft[:hard]");
	ulimit_bad("nofile=1:2:3", "too many values");
	ulimit_bad("nofile=abc", "\"abc\" is not an integer");
	ulimit_bad("nofile=", "\"\" is not an integer");
	ulimit_bad("nofile=1:", "\"\" is not an integer");
	ulimit_bad("nofile= 1", "is not an integer");
	ulimit_bad("nofile=-2", "-2 is negative");
	ulimit_bad("nofile=1:-5", "-5 is negative");
	ulimit_bad("nofile=99999999999999999999", "is not an integer");
}
END_TEST

static bool have_cap_sys_resource(void)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	cap_get_flag(c, CAP_SYS_RESOURCE, CAP_PERMITTED, &v);
	cap_free(c);
	return v == CAP_SET;
}

static void check_bad(const char *json, const char *needle)
{
	struct perr err = { 0 };
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);

	ck_assert_msg(v, "test JSON %s: %s", json, jerr.text);
	ck_assert_msg(rlimit_check(v, &err) < 0, "%s accepted", json);
	ck_assert_msg(strstr(err.msg, needle), "%s: \"%s\" lacks \"%s\"", json, err.msg, needle);
	/* apply runs the same checks before setting anything */
	ck_assert_int_eq(rlimit_apply(v, &err), -1);
	json_decref(v);
}

START_TEST(check_shapes)
{
	struct perr err = { 0 };

	ck_assert_int_eq(rlimit_check(NULL, &err), 0);
	check_bad("{}", "not an array");
	check_bad("[1]", "process.rlimits[0]: want");
	check_bad("[{\"soft\":1,\"hard\":1}]", "process.rlimits[0]: want");
	check_bad("[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]", "unknown type \"RLIMIT_FOO\"");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"hard\":1}]", "RLIMIT_CORE: \"soft\" is not a limit");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"soft\":\"1\",\"hard\":1}]", "\"soft\" is not a limit");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"soft\":-2,\"hard\":1}]", "\"soft\" is not a limit");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"soft\":2,\"hard\":1}]",
		  "RLIMIT_CORE: soft limit is above the hard limit");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"soft\":-1,\"hard\":1}]",
		  "RLIMIT_CORE: soft limit is above the hard limit");
	check_bad("[{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0},"
		  "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]", "RLIMIT_CORE is given twice");
}
END_TEST

START_TEST(check_hard_above_own)
{
	struct rlimit cur;
	char json[256];

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &cur), 0);
	if (have_cap_sys_resource())
		SKIP_TEST("persona has CAP_SYS_RESOURCE here");
	if (cur.rlim_max == RLIM_INFINITY)
		SKIP_TEST("hard RLIMIT_NOFILE is unlimited");
	snprintf(json, sizeof(json), "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":%llu}]",
		 (unsigned long long)cur.rlim_max + 1);
	char want[160];
	snprintf(want, sizeof(want), "RLIMIT_NOFILE: hard limit %llu is above persona's own hard limit %llu, "
		 "and raising it needs CAP_SYS_RESOURCE, which persona does not have",
		 (unsigned long long)cur.rlim_max + 1, (unsigned long long)cur.rlim_max);
	check_bad(json, want);
}
END_TEST

START_TEST(check_nofile_above_nr_open)
{
	/* RLIMIT_NOFILE can never be unlimited (setrlimit(2): EPERM above
	 * nr_open); without CAP_SYS_RESOURCE the first reason is the cap. */
	check_bad("[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":-1}]",
		  have_cap_sys_resource() ? "above the kernel's maximum /proc/sys/fs/nr_open"
					  : "hard limit unlimited is above persona's own hard limit");
}
END_TEST

START_TEST(apply_sets_limits)
{
	struct perr err = { 0 };
	struct rlimit nofile, core, old_core;
	json_t *v = json_array(), *o;

	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &old_core), 0);
	o = ulimit_ok("nofile=512:1024");
	json_array_append_new(v, o);
	/* core: keep the hard limit (it may not be raised), soft 0 */
	if (old_core.rlim_max == RLIM_INFINITY)
		json_array_append_new(v, ulimit_ok("core=0:-1"));
	else
		json_array_append_new(v, json_pack("{s:s,s:i,s:I}", "type", "RLIMIT_CORE", "soft", 0,
						   "hard", (json_int_t)old_core.rlim_max));
	ck_assert_msg(rlimit_check(v, &err) == 0, "%s", err.msg);
	ck_assert_msg(rlimit_apply(v, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	ck_assert_uint_eq(nofile.rlim_cur, 512);
	ck_assert_uint_eq(nofile.rlim_max, 1024);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &core), 0);
	ck_assert_uint_eq(core.rlim_cur, 0);
	ck_assert_uint_eq(core.rlim_max, old_core.rlim_max);

	/* The ulimit the shell shows. */
	const char *argv[] = { "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -Hc", NULL };
	struct cmd_result r = run_cmd(argv, NULL, 10);
	char want[128];
	if (old_core.rlim_max == RLIM_INFINITY)
		snprintf(want, sizeof(want), "512\n1024\nunlimited\n");
	else
		snprintf(want, sizeof(want), "512\n1024\n%llu\n",
			 (unsigned long long)old_core.rlim_max / 512); /* dash: 512-byte blocks */
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	json_decref(v);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("rlimit");
	TCase *tc = tcase_create("rlimit");

	tcase_add_test(tc, ulimit_values);
	tcase_add_test(tc, ulimit_rejects);
	tcase_add_test(tc, check_shapes);
	tcase_add_test(tc, check_hard_above_own);
	tcase_add_test(tc, check_nofile_above_nr_open);
	tcase_add_test(tc, apply_sets_limits);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
