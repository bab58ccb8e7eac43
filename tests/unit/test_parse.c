/* Unit tests: common/parse (docker command-line values). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"
#include "tests/harness.h"

static int64_t size_ok(const char *s, bool minus_one)
{
	struct perr err = { 0 };
	int64_t v = -42;

	ck_assert_msg(parse_size(s, minus_one, &v, &err) == 0, "\"%s\": %s", s, err.msg);
	return v;
}

static void size_bad(const char *s, bool minus_one, const char *needle)
{
	struct perr err = { 0 };
	int64_t v = 42;

	ck_assert_msg(parse_size(s, minus_one, &v, &err) < 0, "\"%s\" accepted", s);
	ck_assert_int_eq(v, 42);
	ck_assert_msg(strstr(err.msg, needle), "\"%s\": message \"%s\" lacks \"%s\"", s, err.msg,
		      needle);
}

START_TEST(size_units)
{
	ck_assert_int_eq(size_ok("0", false), 0);
	ck_assert_int_eq(size_ok("123", false), 123);
	ck_assert_int_eq(size_ok("10b", false), 10);
	ck_assert_int_eq(size_ok("10B", false), 10);
	ck_assert_int_eq(size_ok("1k", false), 1024);
	ck_assert_int_eq(size_ok("1kb", false), 1024);
	ck_assert_int_eq(size_ok("1KiB", false), 1024);
	ck_assert_int_eq(size_ok("64m", false), 64LL << 20);
	ck_assert_int_eq(size_ok("64MB", false), 64LL << 20);
	ck_assert_int_eq(size_ok("2g", false), 2LL << 30);
	ck_assert_int_eq(size_ok("2 GiB", false), 2LL << 30);
	ck_assert_int_eq(size_ok("1.5g", false), 1610612736LL);
	ck_assert_int_eq(size_ok("0.5k", false), 512);
	ck_assert_int_eq(size_ok(".5k", false), 512);
	ck_assert_int_eq(size_ok("1.0009k", false), 1024); /* fractions of a byte truncate */
	ck_assert_int_eq(size_ok("3t", false), 3LL << 40);
	ck_assert_int_eq(size_ok("7p", false), 7LL << 50);
	ck_assert_int_eq(size_ok("-1", true), -1);
	ck_assert_int_eq(size_ok("9223372036854775807", false), INT64_MAX);
}
END_TEST

START_TEST(size_rejects)
{
	size_bad("", false, "not a size");
	size_bad("abc", false, "\"abc\": not a size");
	size_bad("m", false, "not a size");
	size_bad(".", false, "not a size");
	size_bad("1x", false, "unknown unit \"x\"");
	size_bad("1kk", false, "unknown unit");
	size_bad("1bb", false, "unknown unit");
	size_bad("1mib2", false, "not a size");
	size_bad("1kib ", false, "not a size");
	size_bad(" 1", false, "not a size");
	size_bad("1  m", false, "not a size");
	size_bad("1.2.3", false, "not a size");
	size_bad("-1", false, "cannot be negative");
	size_bad("-5m", true, "cannot be negative");
	size_bad("1e3", false, "not a size");
	size_bad("1e", false, "unknown unit \"e\"");
	size_bad("9223372036854775808", false, "too large");
	size_bad("8192p", false, "too large");
	size_bad("99999999999999999999999999", false, "too large");
}
END_TEST

START_TEST(cpus)
{
	struct perr err = { 0 };
	int64_t v = 0;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[64], want[128];

	ck_assert_int_eq(parse_cpus("0.5", &v, &err), 0);
	ck_assert_int_eq(v, 500000000);
	ck_assert_int_eq(parse_cpus("1", &v, &err), 0);
	ck_assert_int_eq(v, 1000000000);
	ck_assert_int_eq(parse_cpus("0.01", &v, &err), 0);
	ck_assert_int_eq(v, 10000000);
	ck_assert_int_eq(parse_cpus(".25", &v, &err), 0);
	ck_assert_int_eq(v, 250000000);
	ck_assert_int_eq(parse_cpus("0.123456789", &v, &err), 0);
	ck_assert_int_eq(v, 123456789);
	ck_assert_int_eq(parse_cpus("1.000000000000", &v, &err), 0); /* exact, so not too precise */
	ck_assert_int_eq(v, 1000000000);
	snprintf(buf, sizeof(buf), "%ld", n);
	ck_assert_int_eq(parse_cpus(buf, &v, &err), 0);
	ck_assert_int_eq(v, n * 1000000000LL);

	snprintf(want, sizeof(want), "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
		 n, n);
	const char *out_of_range[] = { "0", "0.0", "-1", "0.009", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		ck_assert_int_eq(parse_cpus(out_of_range[i], &v, &err), -1);
		ck_assert_msg(strstr(err.msg, want), "%s: %s", out_of_range[i], err.msg);
	}
	snprintf(buf, sizeof(buf), "%ld.5", n);
	ck_assert_int_eq(parse_cpus(buf, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, want));

	ck_assert_int_eq(parse_cpus("0.0000000001", &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "too precise"));
	const char *garbage[] = { "", "abc", "1/2", "1e0", "0.5 ", "+1", "1,5", "." };
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		ck_assert_int_eq(parse_cpus(garbage[i], &v, &err), -1);
		ck_assert_msg(strstr(err.msg, "not a number of CPUs"), "%s: %s", garbage[i], err.msg);
	}
}
END_TEST

START_TEST(signals)
{
	struct perr err = { 0 };
	int s = 0;
	static const struct {
		const char *in;
		int want;
	} ok[] = {
		{ "SIGTERM", SIGTERM }, { "TERM", SIGTERM }, { "term", SIGTERM },
		{ "sigKill", SIGKILL }, { "15", 15 }, { "9", 9 }, { "1", 1 },
		{ "HUP", SIGHUP }, { "USR2", SIGUSR2 }, { "CLD", SIGCHLD },
		{ "IOT", SIGABRT }, { "SIGWINCH", SIGWINCH },
		{ "SIGRTMIN", 34 }, { "RTMIN+3", 37 }, { "sigrtmax", 64 }, { "RTMAX-2", 62 },
		{ "SIGRTMIN+30", 64 }, { "64", 64 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse_signal(ok[i].in, &s, &err) == 0, "%s: %s", ok[i].in, err.msg);
		ck_assert_msg(s == ok[i].want, "%s: got %d, want %d", ok[i].in, s, ok[i].want);
	}
	const char *bad[] = { "", "0", "65", "-9", "FOO", "SIG", "SIGTERM2", "RTMIN+31",
			      "RTMAX+1", "RTMIN-1", "RTMIN+", "15x", " 15", "99999999999999999999",
			      "SIGAVERYLONGNAMETHATISLONGERTHANTHEBUFFER" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_signal(bad[i], &s, &err) < 0, "\"%s\" accepted", bad[i]);
		ck_assert_msg(strstr(err.msg, "invalid signal") || strstr(err.msg, "not a signal"),
			      "%s: %s", bad[i], err.msg);
	}
}
END_TEST

START_TEST(cpuset)
{
	struct perr err = { 0 };
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[64];

	ck_assert_int_eq(parse_cpuset("", &err), 0);
	ck_assert_int_eq(parse_cpuset("0", &err), 0);
	snprintf(buf, sizeof(buf), "0-%ld", n - 1);
	ck_assert_int_eq(parse_cpuset(buf, &err), 0);
	snprintf(buf, sizeof(buf), "0,%ld", n - 1);
	ck_assert_int_eq(parse_cpuset(buf, &err), 0);

	snprintf(buf, sizeof(buf), "0-%ld", n);
	ck_assert_int_eq(parse_cpuset(buf, &err), -1);
	ck_assert_msg(strstr(err.msg, "is not available"), "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "online CPU"), "%s", err.msg);

	const char *bad[] = { ",", "0,", ",0", "0,,0", "a", "0-", "-1", "0-1-2", "0 ", "1-0", "0:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_cpuset(bad[i], &err) < 0, "\"%s\" accepted", bad[i]);
		ck_assert_msg(strncmp(err.msg, "\"", 1) == 0, "%s", err.msg);
	}
	ck_assert_int_eq(parse_cpuset("1-0", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "ends before it starts"));
	ck_assert_int_eq(parse_cpuset("0,x", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid part \"x\""));

	ck_assert_int_eq(parse_id_list("0-3,7", 8, &err), 0);
	ck_assert_int_eq(parse_id_list("8", 8, &err), -1);
	ck_assert_int_eq(parse_id_list("99999999999999999999", 8, &err), -1);
}
END_TEST

START_TEST(integers)
{
	struct perr err = { 0 };
	uint64_t u = 0;
	int64_t i = 0;

	ck_assert_int_eq(parse_uint64("0", &u, &err), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(parse_uint64("18446744073709551615", &u, &err), 0);
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_int_eq(parse_uint64("18446744073709551616", &u, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
	ck_assert_int_eq(parse_uint64("-1", &u, &err), -1);
	ck_assert_int_eq(parse_uint64("", &u, &err), -1);
	ck_assert_int_eq(parse_uint64("1 ", &u, &err), -1);
	ck_assert_int_eq(parse_uint64("0x10", &u, &err), -1);

	ck_assert_int_eq(parse_int64("-9223372036854775808", &i, &err), 0);
	ck_assert_int_eq(i, INT64_MIN);
	ck_assert_int_eq(parse_int64("9223372036854775807", &i, &err), 0);
	ck_assert_int_eq(i, INT64_MAX);
	ck_assert_int_eq(parse_int64("9223372036854775808", &i, &err), -1);
	ck_assert_int_eq(parse_int64("-", &i, &err), -1);
	ck_assert_int_eq(parse_int64("--1", &i, &err), -1);
	ck_assert_int_eq(parse_int64("-17", &i, &err), 0);
	ck_assert_int_eq(i, -17);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, size_units);
	tcase_add_test(tc, size_rejects);
	tcase_add_test(tc, cpus);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, cpuset);
	tcase_add_test(tc, integers);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
